// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_online.c - the nogapctl commands that talk to nogap.ko:
 *
 *	vm list [-j]
 *	sigdb load DB [-j]
 *	identify VM [--wait] [--timeout S] [--restart] [-j]
 *	symbols VM [PATTERN] [-j]
 *	status [-j]
 *	monitor [-j] [--syslog]
 *
 * `identify --dump DUMP --db DB` is the offline identify (cmd_identify.c);
 * cmd_identify_any() sends each form to its handler.
 */
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "fileio.h"
#include "json.h"
#include "nl.h"
#include "nogapctl.h"
#include "out.h"
#include "fragment.h"
#include "sigdb.h"

static u64 get_u64(struct nlattr **a, int t)
{
	return a[t] ? nla_get_u64(a[t]) : 0;
}

static u32 get_u32(struct nlattr **a, int t)
{
	return a[t] ? nla_get_u32(a[t]) : 0;
}

static u8 get_u8(struct nlattr **a, int t)
{
	return a[t] ? nla_get_u8(a[t]) : 0;
}

static const char *get_str(struct nlattr **a, int t)
{
	return a[t] ? nla_get_string(a[t]) : NULL;
}

/* ---- identification state, shared by vm list, identify, monitor ---- */

struct ident_info {
	u32 vm;
	u8 state;
	u32 err;
	char msg[128];
	char kernel[80];
	u64 text_start, text_size;
	u32 frags, matched, syms, holes, msecs;
	bool have_result;
	bool have_anchor;
	u64 rip, cr3;
	u32 vcpu;
};

static void ident_from(struct ident_info *ii, struct nlattr **a)
{
	memset(ii, 0, sizeof(*ii));
	ii->vm = get_u32(a, NOGAP_A_VM_ID);
	ii->state = get_u8(a, NOGAP_A_IDENT_STATE);
	ii->err = get_u32(a, NOGAP_A_IDENT_ERRNO);
	snprintf(ii->msg, sizeof(ii->msg), "%s",
		 get_str(a, NOGAP_A_IDENT_MSG) ?: "");
	ii->have_result = a[NOGAP_A_IDENT_KERNEL];
	snprintf(ii->kernel, sizeof(ii->kernel), "%s",
		 get_str(a, NOGAP_A_IDENT_KERNEL) ?: "");
	ii->text_start = get_u64(a, NOGAP_A_IDENT_TEXT_START);
	ii->text_size = get_u64(a, NOGAP_A_IDENT_TEXT_SIZE);
	ii->frags = get_u32(a, NOGAP_A_IDENT_FRAGMENTS);
	ii->matched = get_u32(a, NOGAP_A_IDENT_MATCHED);
	ii->syms = get_u32(a, NOGAP_A_IDENT_SYMBOLS);
	ii->holes = get_u32(a, NOGAP_A_IDENT_HOLES);
	ii->msecs = get_u32(a, NOGAP_A_IDENT_MSECS);
	ii->have_anchor = a[NOGAP_A_ANCHOR_RIP];
	ii->rip = get_u64(a, NOGAP_A_ANCHOR_RIP);
	ii->cr3 = get_u64(a, NOGAP_A_ANCHOR_CR3);
	ii->vcpu = get_u32(a, NOGAP_A_ANCHOR_VCPU);
}

static void json_anchor(struct ng_json *j, u64 rip, u64 cr3, u32 vcpu)
{
	ng_json_key(j, "anchor");
	ng_json_obj_begin(j);
	ng_json_kv_hex(j, "rip", rip);
	ng_json_kv_hex(j, "cr3", cr3);
	ng_json_kv_u64(j, "vcpu", vcpu);
	ng_json_obj_end(j);
}

/* The members of an identification object (inside an open object). */
static void json_ident_members(struct ng_json *j, const struct ident_info *ii)
{
	ng_json_kv_str(j, "state", ng_nl_ident_state(ii->state));
	if (ii->state == NOGAP_IDENT_FAILED) {
		ng_json_kv_str(j, "error", strerror((int)ii->err));
		ng_json_kv_str(j, "message", ii->msg);
	}
	if (!ii->have_result)
		return;
	ng_json_kv_str(j, "kernel", ii->kernel);
	ng_json_kv_u64(j, "symbols", ii->syms);
	ng_json_key(j, "text");
	ng_json_obj_begin(j);
	ng_json_kv_hex(j, "start", ii->text_start);
	ng_json_kv_u64(j, "size", ii->text_size);
	ng_json_kv_u64(j, "fragments", ii->frags);
	ng_json_kv_u64(j, "matched", ii->matched);
	ng_json_kv_u64(j, "unreadable_pages", ii->holes);
	ng_json_obj_end(j);
	ng_json_kv_u64(j, "milliseconds", ii->msecs);
	if (ii->have_anchor)
		json_anchor(j, ii->rip, ii->cr3, ii->vcpu);
}

/* "done: 46064 symbols, kernel like X" and the like, for humans. */
static void human_ident(char *buf, size_t n, const struct ident_info *ii)
{
	if (ii->state == NOGAP_IDENT_FAILED)
		snprintf(buf, n, "failed: %s (%s)", ii->msg,
			 strerror((int)ii->err));
	else if (ii->have_result && ii->state == NOGAP_IDENT_DONE)
		snprintf(buf, n, "done: %u symbols, kernel like %s", ii->syms,
			 ii->kernel);
	else
		snprintf(buf, n, "%s", ng_nl_ident_state(ii->state));
}

/* ---- vm list ---- */

struct vm_row {
	u32 id, pid, vcpus;
	u8 state, vendor;
	u64 exits;
	bool have_anchor;
	u64 rip, cr3;
	u32 vcpu;
	struct ident_info ident;
};

struct vm_rows {
	struct vm_row *v;
	size_t n, cap;
};

static int on_vm(struct nlattr **a, void *arg)
{
	struct vm_rows *rows = arg;
	struct vm_row *r;

	if (!a[NOGAP_A_VM_ID])
		return 0;
	if (rows->n == rows->cap) {
		size_t nc = rows->cap ? rows->cap * 2 : 16;
		struct vm_row *nv = realloc(rows->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		rows->v = nv;
		rows->cap = nc;
	}
	r = &rows->v[rows->n++];
	memset(r, 0, sizeof(*r));
	r->id = get_u32(a, NOGAP_A_VM_ID);
	r->pid = get_u32(a, NOGAP_A_VM_PID);
	r->vcpus = get_u32(a, NOGAP_A_VM_VCPUS);
	r->state = get_u8(a, NOGAP_A_VM_STATE);
	r->vendor = get_u8(a, NOGAP_A_VM_VENDOR);
	r->exits = get_u64(a, NOGAP_A_VM_EXITS);
	r->have_anchor = a[NOGAP_A_ANCHOR_RIP];
	r->rip = get_u64(a, NOGAP_A_ANCHOR_RIP);
	r->cr3 = get_u64(a, NOGAP_A_ANCHOR_CR3);
	r->vcpu = get_u32(a, NOGAP_A_ANCHOR_VCPU);
	/* the VM's anchor is its latest, not the identification's */
	a[NOGAP_A_ANCHOR_RIP] = NULL;
	ident_from(&r->ident, a);
	return 0;
}

int cmd_vm_list(int argc, char **argv)
{
	static const char *cmd = "vm list";
	struct vm_rows rows = { 0 };
	struct ng_nl nl;
	struct ng_json j;
	char buf[160];
	size_t i;
	int ret;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (optind != argc)
		return ng_usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;
	ret = ng_nl_request(&nl, ng_nl_msg(&nl, NOGAP_CMD_VM_GET, NLM_F_DUMP, 0),
			    on_vm, &rows);
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_key(&j, "vms");
		ng_json_arr_begin(&j);
		for (i = 0; i < rows.n; i++) {
			const struct vm_row *r = &rows.v[i];

			ng_json_obj_begin(&j);
			ng_json_kv_u64(&j, "id", r->id);
			ng_json_kv_u64(&j, "pid", r->pid);
			ng_json_kv_u64(&j, "vcpus", r->vcpus);
			ng_json_kv_str(&j, "state", ng_nl_vm_state(r->state));
			ng_json_kv_str(&j, "vendor", ng_nl_vendor(r->vendor));
			ng_json_kv_u64(&j, "exits", r->exits);
			if (r->have_anchor)
				json_anchor(&j, r->rip, r->cr3, r->vcpu);
			ng_json_kv_bool(&j, "identified",
					r->ident.have_result);
			ng_json_key(&j, "identify");
			ng_json_obj_begin(&j);
			json_ident_members(&j, &r->ident);
			ng_json_obj_end(&j);
			ng_json_obj_end(&j);
		}
		ng_json_arr_end(&j);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	printf("%-5s %-8s %-5s %-8s %-6s %-12s %s\n", "ID", "PID", "VCPUS",
	       "STATE", "VENDOR", "EXITS", "IDENTIFICATION");
	for (i = 0; i < rows.n; i++) {
		const struct vm_row *r = &rows.v[i];

		human_ident(buf, sizeof(buf), &r->ident);
		printf("%-5u %-8u %-5u %-8s %-6s %-12llu %s\n", r->id, r->pid,
		       r->vcpus, ng_nl_vm_state(r->state),
		       ng_nl_vendor(r->vendor), (unsigned long long)r->exits,
		       buf);
	}
	ret = 0;
out:
	free(rows.v);
	ng_nl_close(&nl);
	return ret;
}

/* ---- status (and the reply of sigdb load) ---- */

struct status_info {
	char version[32];
	u64 exits, anchors;
	u32 vms, vms_seen, done, failed, running;
	bool db;
	u64 db_size;
	u32 db_gen;
	u32 nkernels;
	struct {
		char label[NG_SIGDB_LABEL_LEN];
		u64 text_size;
		u32 frags, names;
	} k[NG_SIGDB_MAX_KERNELS];
	bool got;
	bool have_instr;
	u64 instr[NOGAP_INSTR_A_MAX + 1];	/* breakpoint engine counters */
};

static int on_status(struct nlattr **a, void *arg)
{
	struct status_info *s = arg;
	struct nlattr *k;
	int rem;

	memset(s, 0, sizeof(*s));
	s->got = true;
	snprintf(s->version, sizeof(s->version), "%s",
		 get_str(a, NOGAP_A_STATUS_VERSION) ?: "?");
	s->exits = get_u64(a, NOGAP_A_STATUS_EXITS);
	s->anchors = get_u64(a, NOGAP_A_STATUS_ANCHORS);
	s->vms = get_u32(a, NOGAP_A_STATUS_VMS);
	s->vms_seen = get_u32(a, NOGAP_A_STATUS_VMS_SEEN);
	s->done = get_u32(a, NOGAP_A_STATUS_IDENT_DONE);
	s->failed = get_u32(a, NOGAP_A_STATUS_IDENT_FAILED);
	s->running = get_u32(a, NOGAP_A_STATUS_IDENT_RUNNING);
	s->db = get_u8(a, NOGAP_A_STATUS_SIGDB_LOADED);
	s->db_size = get_u64(a, NOGAP_A_SIGDB_SIZE);
	s->db_gen = get_u32(a, NOGAP_A_SIGDB_GENERATION);
	if (a[NOGAP_A_STATUS_INSTR]) {
		nla_for_each_nested(k, a[NOGAP_A_STATUS_INSTR], rem) {
			int t = nla_type(k);

			if (t <= 0 || t > NOGAP_INSTR_A_MAX)
				continue;
			s->have_instr = true;
			if (nla_len(k) == 8)
				s->instr[t] = nla_get_u64(k);
			else if (nla_len(k) == 4)
				s->instr[t] = nla_get_u32(k);
			else if (nla_len(k) == 1)
				s->instr[t] = nla_get_u8(k);
		}
	}
	if (!a[NOGAP_A_SIGDB_KERNELS])
		return 0;
	nla_for_each_nested(k, a[NOGAP_A_SIGDB_KERNELS], rem) {
		struct nlattr *tb[NOGAP_KERNEL_A_MAX + 1];

		if (s->nkernels == NG_SIGDB_MAX_KERNELS)
			break;
		if (ng_nl_parse_kernel(tb, k))
			return -EBADMSG;
		snprintf(s->k[s->nkernels].label, NG_SIGDB_LABEL_LEN, "%s",
			 tb[NOGAP_KERNEL_A_LABEL] ?
			 nla_get_string(tb[NOGAP_KERNEL_A_LABEL]) : "?");
		s->k[s->nkernels].text_size =
			get_u64(tb, NOGAP_KERNEL_A_TEXT_SIZE);
		s->k[s->nkernels].frags = get_u32(tb, NOGAP_KERNEL_A_FRAGMENTS);
		s->k[s->nkernels].names = get_u32(tb, NOGAP_KERNEL_A_NAMES);
		s->nkernels++;
	}
	return 0;
}

static void json_sigdb(struct ng_json *j, const struct status_info *s)
{
	u32 i;

	ng_json_key(j, "sigdb");
	ng_json_obj_begin(j);
	ng_json_kv_bool(j, "loaded", s->db);
	if (s->db) {
		ng_json_kv_u64(j, "size", s->db_size);
		ng_json_kv_u64(j, "generation", s->db_gen);
		ng_json_key(j, "kernels");
		ng_json_arr_begin(j);
		for (i = 0; i < s->nkernels; i++) {
			ng_json_obj_begin(j);
			ng_json_kv_str(j, "label", s->k[i].label);
			ng_json_kv_u64(j, "text_size", s->k[i].text_size);
			ng_json_kv_u64(j, "fragments", s->k[i].frags);
			ng_json_kv_u64(j, "names", s->k[i].names);
			ng_json_obj_end(j);
		}
		ng_json_arr_end(j);
	}
	ng_json_obj_end(j);
}

static void human_sigdb(const struct status_info *s)
{
	u32 i;

	if (!s->db) {
		printf("sigdb:           none loaded (nogapctl sigdb load DB)\n");
		return;
	}
	printf("sigdb:           %llu bytes, %u kernel%s, generation %u\n",
	       (unsigned long long)s->db_size, s->nkernels,
	       s->nkernels == 1 ? "" : "s", s->db_gen);
	for (i = 0; i < s->nkernels; i++)
		printf("  %-24s %llu KiB of code, %u fragments, %u names\n",
		       s->k[i].label,
		       (unsigned long long)s->k[i].text_size >> 10,
		       s->k[i].frags, s->k[i].names);
}

/* The breakpoint engine's counters (NOGAP_A_STATUS_INSTR). */
static void json_instr(struct ng_json *j, const u64 *c)
{
	static const struct {
		int attr;
		const char *key;
	} keys[] = {
		{ NOGAP_INSTR_A_BPS, "breakpoints" },
		{ NOGAP_INSTR_A_HITS, "hits" },
		{ NOGAP_INSTR_A_FOREIGN_BP, "foreign_bp" },
		{ NOGAP_INSTR_A_SOFT_INT, "soft_int" },
		{ NOGAP_INSTR_A_STALE, "stale" },
		{ NOGAP_INSTR_A_EMUL_FAIL, "emul_fail" },
		{ NOGAP_INSTR_A_REWRITTEN, "rewritten" },
		{ NOGAP_INSTR_A_ARM_TIMEOUTS, "arm_timeouts" },
		{ NOGAP_INSTR_A_CALLS, "calls" },
		{ NOGAP_INSTR_A_CALL_TIMEOUTS, "call_timeouts" },
		{ NOGAP_INSTR_A_TEXT_WRITES, "text_writes" },
		{ NOGAP_INSTR_A_EVENTS, "events" },
		{ NOGAP_INSTR_A_EVENT_DROPS, "event_drops" },
	};
	size_t i;

	ng_json_key(j, "instr");
	ng_json_obj_begin(j);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ng_json_kv_u64(j, keys[i].key, c[keys[i].attr]);
	ng_json_kv_bool(j, "hooked", c[NOGAP_INSTR_A_HOOKED]);
	ng_json_obj_end(j);
}

int cmd_status(int argc, char **argv)
{
	static const char *cmd = "status";
	struct status_info s;
	struct ng_nl nl;
	struct ng_json j;
	int ret;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (optind != argc)
		return ng_usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;
	memset(&s, 0, sizeof(s));
	ret = ng_nl_request(&nl, ng_nl_msg(&nl, NOGAP_CMD_STATUS_GET, 0, 0),
			    on_status, &s);
	if (!ret && !s.got)
		ret = -EBADMSG;
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "version", s.version);
		ng_json_kv_u64(&j, "exits", s.exits);
		ng_json_kv_u64(&j, "anchors", s.anchors);
		ng_json_kv_u64(&j, "vms", s.vms);
		ng_json_kv_u64(&j, "vms_seen", s.vms_seen);
		ng_json_key(&j, "identify");
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "done", s.done);
		ng_json_kv_u64(&j, "failed", s.failed);
		ng_json_kv_u64(&j, "running", s.running);
		ng_json_obj_end(&j);
		json_sigdb(&j, &s);
		if (s.have_instr)
			json_instr(&j, s.instr);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	printf("nogap.ko:        version %s\n", s.version);
	printf("vm exits:        %llu seen, %llu kernel-mode anchors taken\n",
	       (unsigned long long)s.exits, (unsigned long long)s.anchors);
	printf("vms:             %u watched (%u since load)\n", s.vms,
	       s.vms_seen);
	printf("identifications: %u done, %u failed, %u running\n", s.done,
	       s.failed, s.running);
	human_sigdb(&s);
	if (s.have_instr) {
		const u64 *c = s.instr;

		printf("breakpoints:     %llu set, %llu hits, %llu guest int3 and %llu INT n re-injected, %llu step-overs failed; exit path %s\n",
		       (unsigned long long)c[NOGAP_INSTR_A_BPS],
		       (unsigned long long)c[NOGAP_INSTR_A_HITS],
		       (unsigned long long)c[NOGAP_INSTR_A_FOREIGN_BP],
		       (unsigned long long)c[NOGAP_INSTR_A_SOFT_INT],
		       (unsigned long long)c[NOGAP_INSTR_A_EMUL_FAIL],
		       c[NOGAP_INSTR_A_HOOKED] ? "hooked" : "not hooked");
		printf("guest calls:     %llu made, %llu timed out; call events %llu sent, %llu dropped\n",
		       (unsigned long long)c[NOGAP_INSTR_A_CALLS],
		       (unsigned long long)c[NOGAP_INSTR_A_CALL_TIMEOUTS],
		       (unsigned long long)c[NOGAP_INSTR_A_EVENTS],
		       (unsigned long long)c[NOGAP_INSTR_A_EVENT_DROPS]);
	}
	ret = 0;
out:
	ng_nl_close(&nl);
	return ret;
}

/* ---- sigdb load ---- */

static int sigdb_op(struct ng_nl *nl, u8 op, u64 size, u64 off,
		    const void *data, u32 len, struct status_info *reply)
{
	struct nl_msg *m = ng_nl_msg(nl, NOGAP_CMD_SIGDB_LOAD, 0, len);

	if (!m)
		return -ENOMEM;
	if (nla_put_u8(m, NOGAP_A_SIGDB_OP, op) ||
	    (op == NOGAP_SIGDB_BEGIN &&
	     nla_put_u64(m, NOGAP_A_SIGDB_SIZE, size)) ||
	    (op == NOGAP_SIGDB_CHUNK &&
	     (nla_put_u64(m, NOGAP_A_SIGDB_OFFSET, off) ||
	      nla_put(m, NOGAP_A_SIGDB_DATA, (int)len, data) ||
	      nla_put_u32(m, NOGAP_A_SIGDB_CRC32, ng_crc32(data, len))))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return ng_nl_request(nl, m, reply ? on_status : NULL, reply);
}

int cmd_sigdb_load(int argc, char **argv)
{
	static const char *cmd = "sigdb load";
	struct status_info s;
	struct ng_sigdb db;
	struct ng_nl nl;
	struct ng_json j;
	const char *why, *path;
	char err[512];
	size_t len = 0;
	u8 *buf = NULL;
	u64 off;
	int ret;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (optind + 1 != argc)
		return ng_usage_err(cmd, optind == argc ? "missing DB" :
				    "too many arguments");
	path = argv[optind];

	/* the kernel validates it again; this gives the better message */
	if (ng_read_file(path, &buf, &len, NG_SIGDB_MAX_SIZE, err, sizeof(err)))
		return ng_err(cmd, "%s", err);
	if (ng_sigdb_open(&db, buf, len, &ng_md5_hasher, &why)) {
		free(buf);
		return ng_err(cmd, "%s: %s", path, why);
	}
	if (ng_nl_open(&nl, cmd)) {
		free(buf);
		return NG_EXIT_FAIL;
	}
	ret = sigdb_op(&nl, NOGAP_SIGDB_BEGIN, len, 0, NULL, 0, NULL);
	for (off = 0; !ret && off < len; ) {
		u32 n = len - off < NOGAP_SIGDB_CHUNK_MAX ?
			(u32)(len - off) : NOGAP_SIGDB_CHUNK_MAX;

		ng_progress("uploading %s: %llu%%", path,
			    (unsigned long long)(off * 100 / len));
		ret = sigdb_op(&nl, NOGAP_SIGDB_CHUNK, 0, off, buf + off, n,
			       NULL);
		off += n;
	}
	memset(&s, 0, sizeof(s));
	if (!ret) {
		ng_progress("validating %s in the kernel", path);
		ret = sigdb_op(&nl, NOGAP_SIGDB_COMMIT, 0, 0, NULL, 0, &s);
	}
	ng_progress_done();
	if (ret) {
		/* keep the kernel's message: the abort's reply replaces it */
		ng_nl_fail(&nl, ret);
		sigdb_op(&nl, NOGAP_SIGDB_ABORT, 0, 0, NULL, 0, NULL);
		ret = NG_EXIT_FAIL;
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "loaded", path);
		json_sigdb(&j, &s);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	printf("loaded %s\n", path);
	human_sigdb(&s);
	ret = 0;
out:
	ng_nl_close(&nl);
	free(buf);
	return ret;
}

/* ---- identify VM ---- */

static int on_ident(struct nlattr **a, void *arg)
{
	struct ident_info *ii = arg;

	ident_from(ii, a);
	return 0;
}

static int identify_req(struct ng_nl *nl, u32 vm, u32 flags,
			struct ident_info *ii)
{
	struct nl_msg *m = ng_nl_msg(nl, NOGAP_CMD_IDENTIFY, 0, 0);

	if (!m)
		return -ENOMEM;
	if (nla_put_u32(m, NOGAP_A_VM_ID, vm) ||
	    (flags && nla_put_u32(m, NOGAP_A_IDENT_FLAGS, flags))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	return ng_nl_request(nl, m, on_ident, ii);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int identify_online(int argc, char **argv)
{
	static const char *cmd = "identify";
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "restart", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	bool wait = false;
	double timeout = 900, t0;
	struct ident_info ii;
	u32 flags = 0;
	unsigned int vm;
	struct ng_nl nl;
	struct ng_json j;
	char *end;
	int c, ret;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "wt:rj", opts, NULL)) != -1) {
		switch (c) {
		case 'w':
			wait = true;
			break;
		case 't':
			timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(timeout > 0))
				return ng_usage_err(cmd, "bad timeout '%s'",
						    optarg);
			break;
		case 'r':
			flags |= NOGAP_IDENTIFY_F_RESTART;
			break;
		case 'j':
			ng_opt_json = true;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind == argc)
		return ng_usage_err(cmd, "missing VM id (or --dump DUMP --db DB)");
	if (optind + 1 != argc)
		return ng_usage_err(cmd, "unexpected argument '%s'",
				    argv[optind + 1]);
	if (ng_parse_vm_id(cmd, argv[optind], &vm))
		return NG_EXIT_USAGE;
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;

	t0 = now_s();
	ret = identify_req(&nl, vm, flags, &ii);
	while (!ret && wait && (ii.state == NOGAP_IDENT_QUEUED ||
				ii.state == NOGAP_IDENT_RUNNING)) {
		if (now_s() - t0 > timeout) {
			ng_nl_close(&nl);
			return ng_err(cmd, "vm %u: still %s after %g s", vm,
				      ng_nl_ident_state(ii.state), timeout);
		}
		ng_progress("vm %u: identification %s (%.0f s)", vm,
			    ng_nl_ident_state(ii.state), now_s() - t0);
		usleep(250 * 1000);
		ret = identify_req(&nl, vm, NOGAP_IDENTIFY_F_QUERY, &ii);
	}
	ng_progress_done();
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "vm", vm);
		json_ident_members(&j, &ii);
		ng_json_obj_end(&j);
		if (ng_json_finish(&j)) {
			ret = NG_EXIT_FAIL;
			goto out;
		}
	} else if (ii.state == NOGAP_IDENT_DONE && ii.have_result) {
		printf("vm %u: %u symbols named; kernel like %s\n", vm, ii.syms,
		       ii.kernel);
		printf("  code 0x%llx-0x%llx (%llu KiB), %u fragments, %u matched, %u unreadable pages, %u ms\n",
		       (unsigned long long)ii.text_start,
		       (unsigned long long)(ii.text_start + ii.text_size),
		       (unsigned long long)ii.text_size >> 10, ii.frags,
		       ii.matched, ii.holes, ii.msecs);
		if (ii.have_anchor)
			printf("  anchor rip 0x%llx cr3 0x%llx (vCPU %u)\n",
			       (unsigned long long)ii.rip,
			       (unsigned long long)ii.cr3, ii.vcpu);
	} else if (ii.state != NOGAP_IDENT_FAILED) {
		printf("vm %u: identification %s\n", vm,
		       ng_nl_ident_state(ii.state));
	}
	ret = 0;
	if (ii.state == NOGAP_IDENT_FAILED)
		ret = ng_err(cmd, "vm %u: identification failed: %s (%s)", vm,
			     ii.msg, strerror((int)ii.err));
out:
	ng_nl_close(&nl);
	return ret;
}

/* `identify VM ...` online, `identify --dump DUMP --db DB` offline. */
int cmd_identify_any(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--dump", 6) || !strncmp(argv[i], "--db", 4))
			return cmd_identify(argc, argv);
	}
	return identify_online(argc, argv);
}

/* ---- symbols VM [PATTERN] ---- */

struct sym_row {
	char *name;
	u64 addr;
	u32 size;
	u8 evidence, confidence;
};

struct sym_rows {
	struct sym_row *v;
	size_t n, cap;
};

static void sym_rows_free(struct sym_rows *rows)
{
	size_t i;

	for (i = 0; i < rows->n; i++)
		free(rows->v[i].name);
	free(rows->v);
	memset(rows, 0, sizeof(*rows));
}

static int on_syms(struct nlattr **a, void *arg)
{
	struct sym_rows *rows = arg;
	struct nlattr *s;
	int rem;

	if (!a[NOGAP_A_SYMBOLS])
		return 0;
	nla_for_each_nested(s, a[NOGAP_A_SYMBOLS], rem) {
		struct nlattr *tb[NOGAP_SYM_A_MAX + 1];
		struct sym_row *r;

		if (ng_nl_parse_sym(tb, s) || !tb[NOGAP_SYM_A_NAME] ||
		    !tb[NOGAP_SYM_A_ADDR])
			return -EBADMSG;
		if (rows->n == rows->cap) {
			size_t nc = rows->cap ? rows->cap * 2 : 4096;
			struct sym_row *nv = realloc(rows->v, nc * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			rows->v = nv;
			rows->cap = nc;
		}
		r = &rows->v[rows->n];
		r->name = strdup(nla_get_string(tb[NOGAP_SYM_A_NAME]));
		if (!r->name)
			return -ENOMEM;
		r->addr = nla_get_u64(tb[NOGAP_SYM_A_ADDR]);
		r->size = get_u32(tb, NOGAP_SYM_A_SIZE);
		r->evidence = get_u8(tb, NOGAP_SYM_A_EVIDENCE);
		r->confidence = get_u8(tb, NOGAP_SYM_A_CONFIDENCE);
		rows->n++;
	}
	return 0;
}

int cmd_symbols(int argc, char **argv)
{
	static const char *cmd = "symbols";
	struct sym_rows rows = { 0 };
	const char *pattern = NULL;
	unsigned int vm;
	struct ng_nl nl;
	struct ng_json j;
	struct nl_msg *m;
	size_t i;
	int ret, tries;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (optind == argc)
		return ng_usage_err(cmd, "missing VM id");
	if (argc - optind > 2)
		return ng_usage_err(cmd, "unexpected argument '%s'",
				    argv[optind + 2]);
	if (ng_parse_vm_id(cmd, argv[optind], &vm))
		return NG_EXIT_USAGE;
	if (argc - optind == 2) {
		pattern = argv[optind + 1];
		if (!*pattern || strlen(pattern) >= NOGAP_SYM_FILTER_MAX)
			return ng_usage_err(cmd, "PATTERN must have 1 to %d characters",
					    NOGAP_SYM_FILTER_MAX - 1);
	}
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;
	/* a dump interrupted by a new identification is read again */
	for (tries = 0; tries < 3; tries++) {
		sym_rows_free(&rows);
		m = ng_nl_msg(&nl, NOGAP_CMD_SYMBOLS_GET, NLM_F_DUMP, 256);
		if (m && (nla_put_u32(m, NOGAP_A_VM_ID, vm) ||
			  (pattern && nla_put_string(m, NOGAP_A_SYM_FILTER,
						     pattern)))) {
			nlmsg_free(m);
			m = NULL;
		}
		ret = ng_nl_request(&nl, m, on_syms, &rows);
		if (ret != -EAGAIN)
			break;
	}
	if (ret == -EAGAIN) {
		ret = ng_err(cmd, "vm %u: identified again while reading its symbols: try again",
			     vm);
		goto out;
	}
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "vm", vm);
		if (pattern)
			ng_json_kv_str(&j, "pattern", pattern);
		ng_json_key(&j, "symbols");
		ng_json_arr_begin(&j);
		for (i = 0; i < rows.n; i++) {
			const struct sym_row *r = &rows.v[i];

			ng_json_obj_begin(&j);
			ng_json_kv_str(&j, "name", r->name);
			ng_json_kv_hex(&j, "address", r->addr);
			ng_json_kv_u64(&j, "size", r->size);
			ng_json_kv_str(&j, "evidence",
				       ng_nl_evidence(r->evidence));
			ng_json_kv_u64(&j, "confidence", r->confidence);
			ng_json_obj_end(&j);
		}
		ng_json_arr_end(&j);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	printf("%-18s %7s %4s %-12s %s\n", "ADDRESS", "SIZE", "CONF",
	       "EVIDENCE", "NAME");
	for (i = 0; i < rows.n; i++) {
		const struct sym_row *r = &rows.v[i];

		printf("0x%016llx %7u %4u %-12s %s\n",
		       (unsigned long long)r->addr, r->size, r->confidence,
		       ng_nl_evidence(r->evidence), r->name);
	}
	ret = 0;
out:
	sym_rows_free(&rows);
	ng_nl_close(&nl);
	return ret;
}

/* ---- monitor ---- */

struct monitor {
	struct nl_sock *sk;
	int family;		/* 0 while the module is not loaded */
	int group;		/* joined events group, 0 if none */
	int ctrl_group;
	bool failed;
	char err[160];
	unsigned long long last_seq;	/* of the last event, 0 before the first */
};

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One event as a JSON object (-j, --syslog) or a line of text: the same
 * members in the same order. Text is "TYPE key value key value ...".
 */
static const struct ng_out_text ev_layout[] = {
	{ .key = "type", .before = "", .raw = true },
	{ .key = "time" },				/* JSON only */
	{ .key = "actions", .keyed = true, .raw = true, .sep = ",",
	  .empty = "-" },
	{ .key = NULL, .keyed = true, .sep = ",", .empty = "-" },
};

/* The task of a hidden-process or kill event: nested, or at top level. */
static void ev_task(struct ng_out *o, struct nlattr **a, bool full)
{
	struct nlattr *tb[NOGAP_TASK_A_MAX + 1];

	memset(tb, 0, sizeof(tb));
	if (a[NOGAP_A_TASK] &&
	    ng_nl_parse_task(tb, a[NOGAP_A_TASK]))
		memset(tb, 0, sizeof(tb));
	if (tb[NOGAP_TASK_A_PID])
		ng_out_u64(o, "pid", nla_get_u32(tb[NOGAP_TASK_A_PID]));
	if (full && tb[NOGAP_TASK_A_TGID])
		ng_out_u64(o, "tgid", nla_get_u32(tb[NOGAP_TASK_A_TGID]));
	if (tb[NOGAP_TASK_A_COMM])
		ng_out_str(o, "comm", nla_get_string(tb[NOGAP_TASK_A_COMM]));
	if (tb[NOGAP_TASK_A_ADDR])
		ng_out_hex(o, "task", nla_get_u64(tb[NOGAP_TASK_A_ADDR]));
	if (full && tb[NOGAP_TASK_A_KTHREAD])
		ng_out_bool(o, "kthread", nla_get_u8(tb[NOGAP_TASK_A_KTHREAD]));
}

static const char *action_name(u32 bit)
{
	return bit == NOGAP_ACTION_REPORT ? "report" :
	       bit == NOGAP_ACTION_LOG ? "log" : "kill";
}

static void ev_actions(struct ng_out *o, u32 actions)
{
	u32 bit;

	ng_out_arr_begin(o, "actions");
	for (bit = 1; bit <= NOGAP_ACTION_ALL; bit <<= 1)
		if (actions & bit)
			ng_out_arr_str(o, action_name(bit));
	ng_out_arr_end(o);
}

/* The members of an event after "type"; a may be NULL (module-*). */
static void ev_members(struct ng_out *o, u8 etype, struct nlattr **a)
{
	struct ident_info ii;
	struct nlattr *x;
	char buf[200];
	bool vm_event;
	int rem;

	ng_out_double(o, "time", wall_s());
	if (a && a[NOGAP_A_EVENT_SEQ])
		ng_out_u64(o, "seq", nla_get_u64(a[NOGAP_A_EVENT_SEQ]));
	if (a && a[NOGAP_A_EVENT_DROPS])
		ng_out_u64(o, "drops", nla_get_u64(a[NOGAP_A_EVENT_DROPS]));
	if (a && a[NOGAP_A_VM_ID])
		ng_out_u64(o, "vm", nla_get_u32(a[NOGAP_A_VM_ID]));
	else
		ng_out_null(o, "vm");
	if (!a)
		return;
	/* VM events: "pid" is the VMM's; else it is a guest task's */
	vm_event = etype == NOGAP_EVENT_VM_ADDED ||
		   etype == NOGAP_EVENT_VM_REMOVED ||
		   etype == NOGAP_EVENT_IDENTIFY_DONE;
	if (a[NOGAP_A_VM_PID])
		ng_out_u64(o, vm_event ? "pid" : "vm_pid",
			   nla_get_u32(a[NOGAP_A_VM_PID]));
	if (a[NOGAP_A_VM_VCPUS])
		ng_out_u64(o, "vcpus", nla_get_u32(a[NOGAP_A_VM_VCPUS]));
	if (a[NOGAP_A_VM_VENDOR])
		ng_out_str(o, "vendor",
			   ng_nl_vendor(nla_get_u8(a[NOGAP_A_VM_VENDOR])));

	switch (etype) {
	case NOGAP_EVENT_IDENTIFY_DONE:
		if (!a[NOGAP_A_IDENT_STATE])
			break;
		ident_from(&ii, a);
		if (o->json) {
			json_ident_members(&o->j, &ii);
		} else {
			human_ident(buf, sizeof(buf), &ii);
			fprintf(o->f, " %s", buf);
		}
		break;
	case NOGAP_EVENT_SIGDB_LOADED:
		if (a[NOGAP_A_SIGDB_SIZE])
			ng_out_u64(o, "size",
				   nla_get_u64(a[NOGAP_A_SIGDB_SIZE]));
		if (a[NOGAP_A_SIGDB_GENERATION])
			ng_out_u64(o, "generation",
				   nla_get_u32(a[NOGAP_A_SIGDB_GENERATION]));
		break;
	case NOGAP_EVENT_HIDDEN_PROCESS:
		ev_task(o, a, true);
		if (a[NOGAP_A_ACTIONS])
			ev_actions(o, nla_get_u32(a[NOGAP_A_ACTIONS]));
		break;
	case NOGAP_EVENT_KILL:
		ev_task(o, a, false);
		if (a[NOGAP_A_ACTION_RESULT])
			ng_out_u64(o, "result",
				   nla_get_u32(a[NOGAP_A_ACTION_RESULT]));
		if (a[NOGAP_A_CALL_RET])
			ng_out_hex(o, "ret", nla_get_u64(a[NOGAP_A_CALL_RET]));
		break;
	case NOGAP_EVENT_TEXT_WRITE:
		if (a[NOGAP_A_WRITE_GPA])
			ng_out_hex(o, "gpa", nla_get_u64(a[NOGAP_A_WRITE_GPA]));
		if (a[NOGAP_A_WRITE_GVA])
			ng_out_hex(o, "gva", nla_get_u64(a[NOGAP_A_WRITE_GVA]));
		if (a[NOGAP_A_WRITE_LEN])
			ng_out_u64(o, "len", nla_get_u32(a[NOGAP_A_WRITE_LEN]));
		if (a[NOGAP_A_WRITER_RIP])
			ng_out_hex(o, "writer_rip",
				   nla_get_u64(a[NOGAP_A_WRITER_RIP]));
		ng_out_str(o, "writer", get_str(a, NOGAP_A_WRITER_FUNC));
		if (a[NOGAP_A_WRITER_VIA])
			ng_out_str(o, "via", get_str(a, NOGAP_A_WRITER_VIA));
		ng_out_str(o, "target", get_str(a, NOGAP_A_TARGET_FUNC));
		if (a[NOGAP_A_WRITE_COUNT])
			ng_out_u64(o, "count",
				   nla_get_u32(a[NOGAP_A_WRITE_COUNT]));
		if (a[NOGAP_A_HIT_VCPU])
			ng_out_u64(o, "vcpu", nla_get_u32(a[NOGAP_A_HIT_VCPU]));
		if (a[NOGAP_A_ACTIONS])
			ev_actions(o, nla_get_u32(a[NOGAP_A_ACTIONS]));
		break;
	case NOGAP_EVENT_CALL:
		if (a[NOGAP_A_FUNC_NAME])
			ng_out_str(o, "func", get_str(a, NOGAP_A_FUNC_NAME));
		if (a[NOGAP_A_FUNC_ADDR])
			ng_out_hex(o, "addr",
				   nla_get_u64(a[NOGAP_A_FUNC_ADDR]));
		if (a[NOGAP_A_CALL_ARGS]) {
			ng_out_arr_begin(o, "args");
			nla_for_each_nested(x, a[NOGAP_A_CALL_ARGS], rem)
				if (nla_len(x) == 8)
					ng_out_arr_hex(o, nla_get_u64(x));
			ng_out_arr_end(o);
		}
		if (a[NOGAP_A_HIT_RET_ADDR])
			ng_out_hex(o, "ret_addr",
				   nla_get_u64(a[NOGAP_A_HIT_RET_ADDR]));
		if (a[NOGAP_A_HIT_VCPU])
			ng_out_u64(o, "vcpu", nla_get_u32(a[NOGAP_A_HIT_VCPU]));
		break;
	case NOGAP_EVENT_POLICY_LOADED:
		if (a[NOGAP_A_POLICY_GENERATION])
			ng_out_u64(o, "generation",
				   nla_get_u32(a[NOGAP_A_POLICY_GENERATION]));
		ng_out_str(o, "name", get_str(a, NOGAP_A_POLICY_NAME));
		if (a[NOGAP_A_POLICY_NRULES])
			ng_out_u64(o, "rules",
				   nla_get_u32(a[NOGAP_A_POLICY_NRULES]));
		break;
	}
}

static bool monitor_syslog;

/* Events that call for attention go to syslog as warnings. */
static int event_priority(u8 etype)
{
	switch (etype) {
	case NOGAP_EVENT_HIDDEN_PROCESS:
	case NOGAP_EVENT_KILL:
	case NOGAP_EVENT_TEXT_WRITE:
		return LOG_WARNING;
	default:
		return LOG_INFO;
	}
}

/* One event on out, flushed: a JSON object with "type" first, or text. */
static void event_out(FILE *out, bool json, const char *type, u8 etype,
		      struct nlattr **a)
{
	struct ng_out o;

	ng_out_begin(&o, out, json, ev_layout);
	ng_out_str(&o, "type", type);
	ev_members(&o, etype, a);
	ng_out_end(&o);
}

/* One line per event on out; with --syslog the JSON object to syslog too. */
static void print_event_to(FILE *out, bool json, const char *type, u8 etype,
			   struct nlattr **a)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f;

	event_out(out, json, type, etype, a);
	if (!monitor_syslog)
		return;
	f = open_memstream(&line, &len);
	if (!f)
		return;
	event_out(f, true, type, etype, a);
	fclose(f);
	if (line) {
		line[strcspn(line, "\n")] = '\0';
		syslog(event_priority(etype), "%s", line);
	}
	free(line);
}

void ng_monitor_module_event(FILE *out, bool json, bool added)
{
	print_event_to(out, json, added ? "module-added" : "module-removed", 0,
		       NULL);
}

int ng_monitor_event(FILE *out, bool json, struct nlmsghdr *nlh,
		     unsigned long long *last_seq)
{
	struct nlattr *a[NOGAP_A_MAX + 1];
	u64 seq, lost;
	u8 etype;

	if (genlmsg_parse(nlh, 0, a, NOGAP_A_MAX, ng_nl_policy) ||
	    !a[NOGAP_A_EVENT_TYPE]) {
		ng_warn("monitor", "malformed event ignored");
		return -EBADMSG;
	}
	etype = nla_get_u8(a[NOGAP_A_EVENT_TYPE]);
	/* a gap in the sequence numbers: events were lost on the way */
	if (a[NOGAP_A_EVENT_SEQ]) {
		seq = nla_get_u64(a[NOGAP_A_EVENT_SEQ]);
		lost = seq - *last_seq - 1;
		if (*last_seq && seq > *last_seq + 1)
			ng_warn("monitor", "%llu event%s lost (seq %llu after %llu; the module counts %llu dropped)",
				(unsigned long long)lost, lost == 1 ? "" : "s",
				(unsigned long long)seq,
				(unsigned long long)*last_seq,
				(unsigned long long)(a[NOGAP_A_EVENT_DROPS] ?
				nla_get_u64(a[NOGAP_A_EVENT_DROPS]) : 0));
		*last_seq = seq;
	}
	print_event_to(out, json, ng_nl_event(etype), etype, a);
	return 0;
}

/* The id of group "events" in a CTRL_ATTR_MCAST_GROUPS nest, or 0. */
static int events_group(struct nlattr *groups)
{
	struct nlattr *g;
	int rem;

	if (!groups)
		return 0;
	nla_for_each_nested(g, groups, rem) {
		struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (nla_parse_nested(tb, CTRL_ATTR_MCAST_GRP_MAX, g, NULL))
			continue;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    nla_len(tb[CTRL_ATTR_MCAST_GRP_ID]) == 4 &&
		    !strcmp(nla_get_string(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    NOGAP_MCGRP_EVENTS))
			return (int)nla_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static void monitor_join(struct monitor *mo, int family, int group)
{
	int ret;

	if (mo->group)
		nl_socket_drop_membership(mo->sk, mo->group);
	mo->group = 0;
	mo->family = family;
	if (!group)
		return;
	ret = nl_socket_add_membership(mo->sk, group);
	if (ret) {
		snprintf(mo->err, sizeof(mo->err),
			 "cannot join the events group: %s", nl_geterror(ret));
		mo->failed = true;
		return;
	}
	mo->group = group;
}

/* The module came or went: the controller's notifications. */
static void on_ctrl(struct monitor *mo, struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlh);
	const char *name;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_NAME])
		return;
	name = nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]);
	if (strcmp(name, NOGAP_GENL_NAME))
		return;
	if (gh->cmd == CTRL_CMD_DELFAMILY && mo->family) {
		monitor_join(mo, 0, 0);
		ng_monitor_module_event(stdout, ng_opt_json, false);
	} else if ((gh->cmd == CTRL_CMD_NEWFAMILY ||
		    gh->cmd == CTRL_CMD_NEWMCAST_GRP) &&
		   tb[CTRL_ATTR_FAMILY_ID] &&
		   nla_len(tb[CTRL_ATTR_FAMILY_ID]) == 2) {
		int family = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
		int group = events_group(tb[CTRL_ATTR_MCAST_GROUPS]);
		bool was = mo->family == family && mo->group;

		if (!group || was)
			return;
		monitor_join(mo, family, group);
		mo->last_seq = 0;	/* a new module counts from 1 */
		if (!mo->failed)
			ng_monitor_module_event(stdout, ng_opt_json, true);
	}
}

static int on_monitor_msg(struct nl_msg *msg, void *arg)
{
	struct monitor *mo = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh;

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		on_ctrl(mo, nlh);
		return NL_OK;
	}
	if (!mo->family || nlh->nlmsg_type != mo->family)
		return NL_OK;
	gh = nlmsg_data(nlh);
	if (gh->cmd != NOGAP_CMD_EVENT)
		return NL_OK;
	ng_monitor_event(stdout, ng_opt_json, nlh, &mo->last_seq);
	return NL_OK;
}

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	monitor_stop = 1;
}

int cmd_monitor(int argc, char **argv)
{
	static const char *cmd = "monitor";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "syslog", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct monitor mo = { 0 };
	struct ng_nl nl;
	struct pollfd pfd;
	int ret, group, c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ng_opt_json = true;
			break;
		case 's':
			monitor_syslog = true;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ng_usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	if (monitor_syslog)
		openlog("nogap", LOG_PID, LOG_DAEMON);
	/* the module must be there to begin with; it may come and go later */
	if (ng_nl_open(&nl, cmd))
		return NG_EXIT_FAIL;
	group = genl_ctrl_resolve_grp(nl.sk, NOGAP_GENL_NAME, NOGAP_MCGRP_EVENTS);
	mo.ctrl_group = genl_ctrl_resolve_grp(nl.sk, "nlctrl", "notify");
	mo.family = nl.family;
	ng_nl_close(&nl);
	if (group < 0)
		return ng_err(cmd, "no events group: %s", nl_geterror(group));

	mo.sk = nl_socket_alloc();
	if (!mo.sk)
		return ng_err(cmd, "out of memory");
	ret = genl_connect(mo.sk);
	if (ret) {
		nl_socket_free(mo.sk);
		return ng_err(cmd, "cannot open a generic netlink socket: %s",
			      nl_geterror(ret));
	}
	nl_socket_disable_seq_check(mo.sk);
	nl_socket_enable_msg_peek(mo.sk);
	nl_socket_modify_cb(mo.sk, NL_CB_VALID, NL_CB_CUSTOM, on_monitor_msg,
			    &mo);
	monitor_join(&mo, mo.family, group);
	if (!mo.failed && mo.ctrl_group > 0 &&
	    nl_socket_add_membership(mo.sk, mo.ctrl_group))
		mo.ctrl_group = 0;	/* no module reloads seen, that is all */
	if (mo.failed) {
		nl_socket_free(mo.sk);
		return ng_err(cmd, "%s", mo.err);
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pfd.fd = nl_socket_get_fd(mo.sk);
	pfd.events = POLLIN;
	ret = 0;
	while (!monitor_stop && !mo.failed) {
		int n = poll(&pfd, 1, 1000);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = ng_err(cmd, "poll: %s", strerror(errno));
			break;
		}
		if (n == 0)
			continue;
		n = nl_recvmsgs_default(mo.sk);
		/* a full socket buffer loses events: say so, go on */
		if (n == -NLE_NOMEM || n == -NLE_MSG_OVERFLOW)
			ng_warn(cmd, "events lost (receive buffer overrun)");
		else if (n < 0 && n != -NLE_INTR && n != -NLE_AGAIN)
			ng_warn(cmd, "receiving: %s", nl_geterror(n));
	}
	if (mo.failed)
		ret = ng_err(cmd, "%s", mo.err);
	nl_socket_free(mo.sk);
	return ret;
}
