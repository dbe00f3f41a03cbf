// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_instr.c - nogapctl commands for the breakpoint engine of nogap.ko:
 *
 *	call VM FUNC [ARG...] [-t MS] [-j]	call a guest kernel function
 *	watch VM FUNC [-j] [-c N] [-d S]	print each call of a function
 *	bp list VM [-j]				the breakpoints set in a VM
 *
 * A watch is a breakpoint that belongs to this process's netlink socket:
 * it goes when the socket closes (Ctrl-C, kill, exit), and watch also
 * removes it explicitly on SIGINT/SIGTERM. The calls arrive as events on
 * the "events" group (the same ones `monitor` shows); watch prints those
 * of its own breakpoint.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "json.h"
#include "nl.h"
#include "nogapctl.h"
#include "ng_env.h"
#include "out.h"

#define FUNC_MAX	63

static int check_func(const char *cmd, const char *s)
{
	size_t n = strlen(s);

	if (!n || n > FUNC_MAX)
		return ng_usage_err(cmd, "bad function name '%s'", s);
	return 0;
}

/* A u64 argument: decimal, 0x hex, or a negative decimal (two's complement). */
static int parse_arg(const char *cmd, const char *s, u64 *v)
{
	char *end;

	errno = 0;
	if (*s == '-')
		*v = (u64)strtoll(s, &end, 0);
	else
		*v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return ng_usage_err(cmd, "bad argument '%s' (a number)", s);
	return 0;
}

static int parse_uint(const char *cmd, const char *opt, const char *s,
		      unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || !*v || *v > max)
		return ng_usage_err(cmd, "bad %s '%s' (1 to %lu)", opt, s, max);
	return 0;
}

/* ---- call ---- */

struct call_reply {
	bool got;
	u64 ret, addr;
	u32 msecs;
	char name[FUNC_MAX + 1];
};

static int on_call(struct nlattr **a, void *arg)
{
	struct call_reply *r = arg;

	if (!a[NOGAP_A_CALL_RET] || nla_len(a[NOGAP_A_CALL_RET]) != 8)
		return -EPROTO;
	r->got = true;
	r->ret = nla_get_u64(a[NOGAP_A_CALL_RET]);
	if (a[NOGAP_A_FUNC_ADDR] && nla_len(a[NOGAP_A_FUNC_ADDR]) == 8)
		r->addr = nla_get_u64(a[NOGAP_A_FUNC_ADDR]);
	if (a[NOGAP_A_CALL_MSECS] && nla_len(a[NOGAP_A_CALL_MSECS]) == 4)
		r->msecs = nla_get_u32(a[NOGAP_A_CALL_MSECS]);
	if (a[NOGAP_A_FUNC_NAME])
		snprintf(r->name, sizeof(r->name), "%.*s",
			 (int)strnlen(nla_data(a[NOGAP_A_FUNC_NAME]),
				      nla_len(a[NOGAP_A_FUNC_NAME])),
			 (const char *)nla_data(a[NOGAP_A_FUNC_NAME]));
	return 0;
}

/* Text: the value alone, negative when an errno; scripts take it as is. */
static const struct ng_out_text call_layout[] = {
	{ .key = "ret", .before = "", .errno_form = true },
	{ .key = NULL },			/* the others: JSON only */
};

int ng_call_print(FILE *out, bool json, const struct ng_call_result *r)
{
	struct ng_out o;
	int i;

	ng_out_begin(&o, out, json, call_layout);
	ng_out_u64(&o, "vm", r->vm);
	ng_out_str(&o, "func", r->func);
	ng_out_hex(&o, "addr", r->addr);
	ng_out_arr_begin(&o, "args");
	for (i = 0; i < r->nargs; i++)
		ng_out_arr_hex(&o, r->args[i]);
	ng_out_arr_end(&o);
	ng_out_u64(&o, "ret", r->ret);
	ng_out_hex(&o, "ret_hex", r->ret);
	ng_out_s64(&o, "ret_signed", (s64)r->ret);
	ng_out_u64(&o, "msecs", r->msecs);
	return ng_out_end(&o);
}

int cmd_call(int argc, char **argv)
{
	static const char *cmd = "call";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct call_reply r = { 0 };
	struct ng_call_result res;
	char label[FUNC_MAX + 8];
	unsigned long timeout = 0;
	struct nlattr *nest;
	struct nl_msg *m;
	struct ng_nl nl;
	const char *func;
	u64 args[6];
	int c, i, nargs, ret;
	u32 vm;

	/* "-" starts options only before the arguments: "+" and -- rules */
	while ((c = getopt_long(argc, argv, "+jt:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ng_opt_json = true;
			break;
		case 't':
			if (parse_uint(cmd, "timeout", optarg, 60000, &timeout))
				return NG_EXIT_USAGE;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return ng_usage_err(cmd, "need a VM id and a function name");
	if (ng_parse_vm_id(cmd, argv[optind], &vm) || check_func(cmd, argv[optind + 1]))
		return NG_EXIT_USAGE;
	func = argv[optind + 1];
	nargs = argc - optind - 2;
	/* the arguments: numbers; -j and -t MS may follow them too */
	for (i = 0, c = 0; i < nargs; i++) {
		const char *s = argv[optind + 2 + i];

		if (!strcmp(s, "-j") || !strcmp(s, "--json")) {
			ng_opt_json = true;
			continue;
		}
		if (!strcmp(s, "-t") || !strcmp(s, "--timeout")) {
			if (i + 1 >= nargs)
				return ng_usage_err(cmd, "%s needs a value", s);
			if (parse_uint(cmd, "timeout", argv[optind + 3 + i],
				       60000, &timeout))
				return NG_EXIT_USAGE;
			i++;
			continue;
		}
		if (c == 6)
			return ng_usage_err(cmd, "at most 6 arguments");
		if (parse_arg(cmd, s, &args[c]))
			return NG_EXIT_USAGE;
		c++;
	}
	nargs = c;

	/* errors name the function: "nogapctl: call FUNC: ..." */
	snprintf(label, sizeof(label), "%s %s", cmd, func);
	if (ng_nl_open(&nl, label))
		return NG_EXIT_FAIL;
	m = ng_nl_msg(&nl, NOGAP_CMD_CALL, 0, 0);
	if (!m || nla_put_u32(m, NOGAP_A_VM_ID, vm) ||
	    nla_put_string(m, NOGAP_A_FUNC_NAME, func) ||
	    (timeout && nla_put_u32(m, NOGAP_A_CALL_TIMEOUT, (u32)timeout))) {
		nlmsg_free(m);
		ng_nl_close(&nl);
		return ng_err(cmd, "out of memory");
	}
	if (nargs) {
		nest = nla_nest_start(m, NOGAP_A_CALL_ARGS);
		for (i = 0; nest && i < nargs; i++)
			if (nla_put_u64(m, i + 1, args[i]))
				nest = NULL;
		if (!nest) {
			nlmsg_free(m);
			ng_nl_close(&nl);
			return ng_err(cmd, "out of memory");
		}
		nla_nest_end(m, nest);
	}
	ret = ng_nl_request(&nl, m, on_call, &r);
	if (!ret && !r.got)
		ret = -EPROTO;
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	res.vm = vm;
	res.func = r.name[0] ? r.name : func;
	res.addr = r.addr;
	res.args = args;
	res.nargs = nargs;
	res.ret = r.ret;
	res.msecs = r.msecs;
	ret = ng_call_print(stdout, ng_opt_json, &res) ? NG_EXIT_FAIL : 0;
out:
	ng_nl_close(&nl);
	return ret;
}

/* ---- watch ---- */

struct bp_rows;
static int on_bps(struct nlattr **a, void *arg);
static u64 bp_hits(struct ng_nl *nl, u32 vm, u32 id, bool *found);

static volatile sig_atomic_t watch_stop;

static void on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
}

struct watch_reply {
	bool got;
	u32 id;
	u64 addr;
	char name[FUNC_MAX + 1];
};

static int on_watch(struct nlattr **a, void *arg)
{
	struct watch_reply *r = arg;

	if (!a[NOGAP_A_BP_ID] || nla_len(a[NOGAP_A_BP_ID]) != 4)
		return -EPROTO;
	r->got = true;
	r->id = nla_get_u32(a[NOGAP_A_BP_ID]);
	if (a[NOGAP_A_FUNC_ADDR] && nla_len(a[NOGAP_A_FUNC_ADDR]) == 8)
		r->addr = nla_get_u64(a[NOGAP_A_FUNC_ADDR]);
	return 0;
}

struct watch_state {
	int family;
	u32 vm, bp;
	const char *func;
	u64 seen, limit;
	u64 last_seq, gaps;
};

/* The policy checks the least size only: longer numbers read as 0. */
static u64 attr_u64(struct nlattr *a)
{
	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

static u32 attr_u32(struct nlattr *a)
{
	return a && nla_len(a) == 4 ? nla_get_u32(a) : 0;
}

static double now_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Text: FUNC(ARG, ...) from RET_ADDR vcpu N */
static const struct ng_out_text watch_layout[] = {
	{ .key = "func", .before = "", .raw = true },	/* the user's */
	{ .key = "args", .before = "(", .sep = ", ", .after = ")" },
	{ .key = "ret_addr", .before = " from " },
	{ .key = "vcpu", .before = " vcpu " },
	{ .key = NULL },			/* the others: JSON only */
};

/* The arguments of a call event: at most 6, each a u64. */
static void out_args(struct ng_out *o, struct nlattr *args)
{
	struct nlattr *x;
	int n = 0, rem;

	ng_out_arr_begin(o, "args");
	if (args) {
		nla_for_each_nested(x, args, rem) {
			if (nla_len(x) != 8 || n == 6)
				continue;
			ng_out_arr_hex(o, nla_get_u64(x));
			n++;
		}
	}
	ng_out_arr_end(o);
}

int ng_watch_event(FILE *out, bool json, struct nlmsghdr *nlh, u32 vm,
		   u32 bp, const char *func)
{
	struct nlattr *a[NOGAP_A_MAX + 1];
	struct ng_out o;

	/* short numbers, strings without their NUL: refused */
	if (genlmsg_parse(nlh, 0, a, NOGAP_A_MAX, ng_nl_policy))
		return -EBADMSG;
	if (!a[NOGAP_A_EVENT_TYPE] ||
	    nla_get_u8(a[NOGAP_A_EVENT_TYPE]) != NOGAP_EVENT_CALL ||
	    attr_u32(a[NOGAP_A_VM_ID]) != vm ||
	    attr_u32(a[NOGAP_A_BP_ID]) != bp)
		return 0;
	ng_out_begin(&o, out, json, watch_layout);
	ng_out_str(&o, "type", "call");
	ng_out_double(&o, "time", now_wall());
	ng_out_u64(&o, "seq", attr_u64(a[NOGAP_A_EVENT_SEQ]));
	ng_out_u64(&o, "drops", attr_u64(a[NOGAP_A_EVENT_DROPS]));
	ng_out_u64(&o, "vm", vm);
	ng_out_str(&o, "func", func);
	ng_out_hex(&o, "addr", attr_u64(a[NOGAP_A_FUNC_ADDR]));
	out_args(&o, a[NOGAP_A_CALL_ARGS]);
	ng_out_hex(&o, "ret_addr", attr_u64(a[NOGAP_A_HIT_RET_ADDR]));
	ng_out_hex(&o, "rsp", attr_u64(a[NOGAP_A_HIT_RSP]));
	ng_out_u64(&o, "vcpu", attr_u32(a[NOGAP_A_HIT_VCPU]));
	ng_out_end(&o);
	return 1;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct watch_state *ws = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlh->nlmsg_type != ws->family ||
	    ng_watch_event(stdout, ng_opt_json, nlh, ws->vm, ws->bp,
			   ws->func) != 1)
		return NL_OK;
	ws->seen++;
	if (ws->limit && ws->seen >= ws->limit)
		watch_stop = 1;
	return NL_OK;
}

/* A socket in the events group, or NULL (error printed). */
static struct nl_sock *events_socket(const char *cmd, struct watch_state *ws)
{
	struct nl_sock *sk = nl_socket_alloc();
	int grp, ret;

	if (!sk) {
		ng_err(cmd, "out of memory");
		return NULL;
	}
	ret = genl_connect(sk);
	if (ret) {
		ng_err(cmd, "cannot open a generic netlink socket: %s",
		       nl_geterror(ret));
		goto err;
	}
	ws->family = genl_ctrl_resolve(sk, NOGAP_GENL_NAME);
	grp = genl_ctrl_resolve_grp(sk, NOGAP_GENL_NAME, NOGAP_MCGRP_EVENTS);
	if (ws->family < 0 || grp < 0) {
		ng_err(cmd, "nogap module not loaded (modprobe nogap)");
		goto err;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_set_buffer_size(sk, 4 << 20, 0);
	ret = nl_socket_add_membership(sk, grp);
	if (ret) {
		ng_err(cmd, "cannot join the events group: %s",
		       nl_geterror(ret));
		goto err;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, ws);
	return sk;
err:
	nl_socket_free(sk);
	return NULL;
}

int cmd_watch(int argc, char **argv)
{
	static const char *cmd = "watch";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct watch_state ws = { 0 };
	bool quiet = false, found = false;
	u64 hits = 0;
	struct watch_reply r = { 0 };
	unsigned long count = 0, dur = 0;
	struct sigaction sa;
	struct nl_sock *ev;
	struct nl_msg *m;
	struct ng_nl nl;
	double end = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "jc:d:q", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ng_opt_json = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'c':
			if (parse_uint(cmd, "count", optarg, 1000000000, &count))
				return NG_EXIT_USAGE;
			break;
		case 'd':
			if (parse_uint(cmd, "duration", optarg, 86400, &dur))
				return NG_EXIT_USAGE;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return ng_usage_err(cmd, "need a VM id and a function name");
	if (ng_parse_vm_id(cmd, argv[optind], &ws.vm) ||
	    check_func(cmd, argv[optind + 1]))
		return NG_EXIT_USAGE;
	ws.func = argv[optind + 1];
	ws.limit = count;

	if (quiet && count)
		return ng_usage_err(cmd, "--quiet counts for a duration, not up to a count");
	/* join the group first: no call between the breakpoint and us */
	ev = quiet ? NULL : events_socket(cmd, &ws);
	if (!ev && !quiet)
		return NG_EXIT_FAIL;
	if (ng_nl_open(&nl, cmd)) {
		if (ev)
			nl_socket_free(ev);
		return NG_EXIT_FAIL;
	}
	m = ng_nl_msg(&nl, NOGAP_CMD_WATCH, 0, 0);
	if (!m || nla_put_u32(m, NOGAP_A_VM_ID, ws.vm) ||
	    nla_put_u8(m, NOGAP_A_WATCH_OP, NOGAP_WATCH_START) ||
	    nla_put_string(m, NOGAP_A_FUNC_NAME, ws.func) ||
	    (quiet && nla_put_u32(m, NOGAP_A_WATCH_FLAGS,
				  NOGAP_WATCH_F_COUNT))) {
		nlmsg_free(m);
		ret = ng_err(cmd, "out of memory");
		goto out;
	}
	ret = ng_nl_request(&nl, m, on_watch, &r);
	if (!ret && !r.got)
		ret = -EPROTO;
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	ws.bp = r.id;
	fprintf(stderr, "nogapctl: watch: %s (0x%" PRIx64 ") in vm %u, breakpoint %u%s\n",
		ws.func, (uint64_t)r.addr, ws.vm, r.id,
		count || dur ? "" : "; Ctrl-C stops");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watch_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (dur)
		end = now_wall() + (double)dur;
	ret = 0;
	while (!watch_stop) {
		struct pollfd p = { .fd = ev ? nl_socket_get_fd(ev) : -1,
				    .events = POLLIN };

		if (end && now_wall() >= end)
			break;
		if (!ev) {
			poll(NULL, 0, 200);
			continue;
		}
		if (poll(&p, 1, 200) <= 0)
			continue;
		c = nl_recvmsgs_default(ev);
		if (c == -NLE_NOMEM || c == -NLE_MSG_OVERFLOW)
			ws.gaps++;	/* our buffer overran: events lost */
		if (ferror(stdout)) {
			ret = NG_EXIT_FAIL;
			break;
		}
	}
	if (quiet)
		hits = bp_hits(&nl, ws.vm, ws.bp, &found);
	/* the breakpoint goes with the socket anyway; say so explicitly */
	m = ng_nl_msg(&nl, NOGAP_CMD_WATCH, 0, 0);
	if (m && !nla_put_u32(m, NOGAP_A_VM_ID, ws.vm) &&
	    !nla_put_u8(m, NOGAP_A_WATCH_OP, NOGAP_WATCH_STOP) &&
	    !nla_put_u32(m, NOGAP_A_BP_ID, ws.bp))
		ng_nl_request(&nl, m, NULL, NULL);
	else
		nlmsg_free(m);
	if (quiet && !found) {
		ret = ng_err(cmd, "breakpoint %u not found at the end", ws.bp);
	} else if (quiet && ng_opt_json) {
		struct ng_json j;

		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "vm", ws.vm);
		ng_json_kv_str(&j, "func", ws.func);
		ng_json_kv_hex(&j, "addr", r.addr);
		ng_json_kv_u64(&j, "calls", hits);
		ng_json_obj_end(&j);
		if (ng_json_finish(&j))
			ret = NG_EXIT_FAIL;
	} else if (quiet) {
		printf("%" PRIu64 " calls of %s\n", (uint64_t)hits, ws.func);
	} else {
		fprintf(stderr, "nogapctl: watch: %" PRIu64 " calls shown%s\n",
			(uint64_t)ws.seen,
			ws.gaps ? " (some lost: receive buffer overran)" : "");
	}
out:
	ng_nl_close(&nl);
	if (ev)
		nl_socket_free(ev);
	return ret;
}

/* ---- bp list ---- */

struct bp_row {
	u32 id, tag;
	u8 owner, step, len;
	u64 addr, gpa, hits;
	u8 orig[16];
	char name[FUNC_MAX + 1];
};

struct bp_rows {
	struct bp_row *v;
	size_t n, cap;
};

static struct nla_policy bp_policy[NOGAP_BP_A_MAX + 1] = {
	[NOGAP_BP_A_ID] = { .type = NLA_U32 },
	[NOGAP_BP_A_ADDR] = { .type = NLA_U64 },
	[NOGAP_BP_A_NAME] = { .type = NLA_STRING },
	[NOGAP_BP_A_OWNER] = { .type = NLA_U8 },
	[NOGAP_BP_A_HITS] = { .type = NLA_U64 },
	[NOGAP_BP_A_GPA] = { .type = NLA_U64 },
	[NOGAP_BP_A_TAG] = { .type = NLA_U32 },
	[NOGAP_BP_A_STEP] = { .type = NLA_U8 },
};

static int on_bps(struct nlattr **a, void *arg)
{
	struct bp_rows *rows = arg;
	struct nlattr *e, *tb[NOGAP_BP_A_MAX + 1];
	int rem;

	if (!a[NOGAP_A_BPS])
		return 0;
	nla_for_each_nested(e, a[NOGAP_A_BPS], rem) {
		struct bp_row *r;

		if (nla_parse_nested(tb, NOGAP_BP_A_MAX, e, bp_policy) ||
		    !tb[NOGAP_BP_A_ID] || !tb[NOGAP_BP_A_ADDR])
			return -EPROTO;
		if (rows->n == rows->cap) {
			size_t cap = rows->cap ? rows->cap * 2 : 64;
			struct bp_row *v = realloc(rows->v, cap * sizeof(*v));

			if (!v || cap > 1000000)
				return -ENOMEM;
			rows->v = v;
			rows->cap = cap;
		}
		r = &rows->v[rows->n++];
		memset(r, 0, sizeof(*r));
		r->id = nla_get_u32(tb[NOGAP_BP_A_ID]);
		r->addr = nla_get_u64(tb[NOGAP_BP_A_ADDR]);
		if (tb[NOGAP_BP_A_GPA])
			r->gpa = nla_get_u64(tb[NOGAP_BP_A_GPA]);
		if (tb[NOGAP_BP_A_HITS])
			r->hits = nla_get_u64(tb[NOGAP_BP_A_HITS]);
		if (tb[NOGAP_BP_A_OWNER])
			r->owner = nla_get_u8(tb[NOGAP_BP_A_OWNER]);
		if (tb[NOGAP_BP_A_STEP])
			r->step = nla_get_u8(tb[NOGAP_BP_A_STEP]);
		if (tb[NOGAP_BP_A_TAG])
			r->tag = nla_get_u32(tb[NOGAP_BP_A_TAG]);
		if (tb[NOGAP_BP_A_ORIG]) {
			r->len = (u8)(nla_len(tb[NOGAP_BP_A_ORIG]) > 16 ? 16 :
				      nla_len(tb[NOGAP_BP_A_ORIG]));
			memcpy(r->orig, nla_data(tb[NOGAP_BP_A_ORIG]), r->len);
		}
		if (tb[NOGAP_BP_A_NAME])
			snprintf(r->name, sizeof(r->name), "%.*s",
				 (int)strnlen(nla_data(tb[NOGAP_BP_A_NAME]),
					      nla_len(tb[NOGAP_BP_A_NAME])),
				 (const char *)nla_data(tb[NOGAP_BP_A_NAME]));
	}
	return 0;
}

static const char *owner_name(u8 o)
{
	switch (o) {
	case NOGAP_BP_OWNER_WATCH:
		return "watch";
	case NOGAP_BP_OWNER_SCHED:
		return "sched";
	case NOGAP_BP_OWNER_STOP:
		return "stop";
	case NOGAP_BP_OWNER_BENCH:
		return "bench";
	}
	return "?";
}

/* The hits of breakpoint id in vm (BP_GET). */
static u64 bp_hits(struct ng_nl *nl, u32 vm, u32 id, bool *found)
{
	struct bp_rows rows = { 0 };
	struct nl_msg *m;
	u64 hits = 0;
	size_t i;

	*found = false;
	m = ng_nl_msg(nl, NOGAP_CMD_BP_GET, NLM_F_DUMP, 0);
	if (!m || nla_put_u32(m, NOGAP_A_VM_ID, vm)) {
		nlmsg_free(m);
		return 0;
	}
	if (!ng_nl_request(nl, m, on_bps, &rows)) {
		for (i = 0; i < rows.n; i++) {
			if (rows.v[i].id == id) {
				hits = rows.v[i].hits;
				*found = true;
			}
		}
	}
	free(rows.v);
	return hits;
}

static void hex_bytes(char *buf, const u8 *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(buf + 2 * i, "%02x", b[i]);
	buf[2 * n] = '\0';
}

int cmd_bp_list(int argc, char **argv)
{
	static const char *cmd = "bp list";
	struct bp_rows rows = { 0 };
	struct nl_msg *m;
	struct ng_nl nl;
	char hex[40];
	size_t i;
	int ret;
	u32 vm;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (argc - optind != 1)
		return ng_usage_err(cmd, "need a VM id");
	if (ng_parse_vm_id(cmd, argv[optind], &vm))
		return NG_EXIT_USAGE;
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;
	m = ng_nl_msg(&nl, NOGAP_CMD_BP_GET, NLM_F_DUMP, 0);
	if (!m || nla_put_u32(m, NOGAP_A_VM_ID, vm)) {
		nlmsg_free(m);
		ng_nl_close(&nl);
		return ng_err(cmd, "out of memory");
	}
	ret = ng_nl_request(&nl, m, on_bps, &rows);
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		struct ng_json j;

		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "vm", vm);
		ng_json_key(&j, "breakpoints");
		ng_json_arr_begin(&j);
		for (i = 0; i < rows.n; i++) {
			const struct bp_row *r = &rows.v[i];

			ng_json_obj_begin(&j);
			ng_json_kv_u64(&j, "id", r->id);
			ng_json_kv_str(&j, "func", r->name);
			ng_json_kv_hex(&j, "addr", r->addr);
			ng_json_kv_hex(&j, "gpa", r->gpa);
			ng_json_kv_str(&j, "owner", owner_name(r->owner));
			ng_json_kv_u64(&j, "tag", r->tag);
			ng_json_kv_u64(&j, "hits", r->hits);
			hex_bytes(hex, r->orig, r->len);
			ng_json_kv_str(&j, "orig", hex);
			ng_json_kv_str(&j, "step",
				       r->step == NOGAP_BP_STEP_SKIP ? "skip" :
				       r->step == NOGAP_BP_STEP_EMULATE ?
				       "emulate" : "?");
			ng_json_obj_end(&j);
		}
		ng_json_arr_end(&j);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	printf("%-5s %-6s %-12s %-18s %-12s %-8s %-22s %s\n", "ID", "OWNER",
	       "HITS", "ADDRESS", "GPA", "STEP", "ORIGINAL", "FUNCTION");
	for (i = 0; i < rows.n; i++) {
		const struct bp_row *r = &rows.v[i];

		hex_bytes(hex, r->orig, r->len);
		printf("%-5u %-6s %-12" PRIu64 " 0x%-16" PRIx64 " 0x%-10" PRIx64
		       " %-8s %-22s %s\n", r->id, owner_name(r->owner),
		       (uint64_t)r->hits, (uint64_t)r->addr, (uint64_t)r->gpa,
		       r->step == NOGAP_BP_STEP_SKIP ? "skip" : "emulate", hex,
		       r->name);
	}
	ret = 0;
out:
	free(rows.v);
	ng_nl_close(&nl);
	return ret;
}
