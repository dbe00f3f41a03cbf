// SPDX-License-Identifier: GPL-2.0
/*
 * policyfuzz - NOGAP_CMD_POLICY_SET against the module's validation, for
 * the lab (run in L1 as root, nogap.ko loaded, no VM identified).
 *
 *   policyfuzz [N]          N random mutations (default 3000)
 *
 * First targeted cases, each of which must be refused with an extended
 * ACK message and leave the policy's generation as it was: a rule for an
 * event that has no rules, kill on text-write, a field of the other event,
 * kthread with ~ or a value other than yes/no, an empty value, a value of
 * NOGAP_COND_VALUE_MAX bytes, 257 rules, 9 conditions, a rule without
 * actions, an unknown action bit, vm 0, a name of 256 bytes, a missing
 * NLA_F_NESTED. Then N copies of a valid encoded policy with random bytes
 * changed, lengths rewritten or the message cut short: each is accepted or
 * refused, never anything else, and at the end the generation moved by
 * exactly the number accepted and POLICY_GET returns a policy that decodes
 * and that nogapctl's parser accepts back from its canonical text.
 *
 * Last line: `policyfuzz: PASS` or `policyfuzz: FAIL <what>`; exit 0 only
 * with PASS.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "policy.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

static struct nl_sock *sk;
static int family;
static int failures;
static char first[256];

/* the answer to the last request */
static int err;
static bool acked;
static char ext[256];
static struct ng_pol *got;
static u32 got_gen, got_nrules;

static void failf(const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("policyfuzz: failed: %s\n", buf);
	if (!failures++)
		snprintf(first, sizeof(first), "%s", buf);
}

static int on_error(struct sockaddr_nl *sa, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	int len;

	err = e->error;
	acked = true;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	len = (int)nlh->nlmsg_len - (int)off;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		       len, NULL) && tb[NLMSGERR_ATTR_MSG])
		snprintf(ext, sizeof(ext), "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int on_any_seq(struct nl_msg *msg, void *arg)
{
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	acked = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	acked = true;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[NOGAP_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, NOGAP_A_MAX, NULL))
		return NL_OK;
	if (tb[NOGAP_A_POLICY_GENERATION])
		got_gen = nla_get_u32(tb[NOGAP_A_POLICY_GENERATION]);
	if (tb[NOGAP_A_POLICY_NRULES])
		got_nrules = nla_get_u32(tb[NOGAP_A_POLICY_NRULES]);
	if (got && tb[NOGAP_A_POLICY_RULES] &&
	    ng_policy_decode(tb[NOGAP_A_POLICY_RULES], got))
		failf("POLICY_GET: rules do not decode");
	return NL_OK;
}

/* Send len bytes as they are and wait for the answer. */
static int transact_raw(void *buf, size_t len)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int ret;

	err = 0;
	acked = false;
	ext[0] = '\0';
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, NULL);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, NULL);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, NULL);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_any_seq, NULL);
	ret = nl_sendto(sk, buf, len);
	if (ret < 0) {
		nl_cb_put(cb);
		return -EIO;
	}
	while (!acked) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && !acked) {
			nl_cb_put(cb);
			return -EIO;
		}
	}
	nl_cb_put(cb);
	return err;
}

static struct nl_msg *new_msg(int cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);

	/* dumps end with NLMSG_DONE; other requests ask for an ACK */
	if (!(flags & NLM_F_DUMP))
		flags |= NLM_F_ACK;
	if (!m || !genlmsg_put(m, NL_AUTO_PORT, 0, family, 0,
			       flags, cmd, NOGAP_GENL_VERSION)) {
		printf("policyfuzz: FAIL out of memory\n");
		exit(1);
	}
	nlmsg_hdr(m)->nlmsg_seq = 0;
	nlmsg_hdr(m)->nlmsg_pid = 0;
	/* sent raw (nl_sendto): what nl_send_auto would add */
	nlmsg_hdr(m)->nlmsg_flags |= NLM_F_REQUEST;
	return m;
}

static int transact(struct nl_msg *m)
{
	int ret = transact_raw(nlmsg_hdr(m), nlmsg_hdr(m)->nlmsg_len);

	nlmsg_free(m);
	return ret;
}

/* The active policy: generation (and rules into got, when not NULL). */
static u32 generation(struct ng_pol *into)
{
	int ret;

	got = into;
	if (into)
		memset(into, 0, sizeof(*into));
	got_gen = (u32)-1;
	ret = transact(new_msg(NOGAP_CMD_POLICY_GET, NLM_F_DUMP));
	got = NULL;
	if (ret || got_gen == (u32)-1) {
		printf("policyfuzz: FAIL POLICY_GET: %s\n", strerror(-ret));
		exit(1);
	}
	return got_gen;
}

/* A policy message from rules text, with NOGAP_POLICY_LAX parsing. */
static struct nl_msg *from_text(const char *text)
{
	static struct ng_pol pol;
	struct ng_pol_errs errs;
	struct nl_msg *m = new_msg(NOGAP_CMD_POLICY_SET, 0);

	if (ng_policy_parse_flags(text, strlen(text), &pol, &errs,
				  NG_POLICY_LAX)) {
		printf("policyfuzz: FAIL test case does not parse: %s: %s\n",
		       text, errs.e[0].msg);
		exit(1);
	}
	nla_put_string(m, NOGAP_A_POLICY_NAME, "policyfuzz");
	if (ng_policy_encode(m, &pol, NULL)) {
		printf("policyfuzz: FAIL encoding\n");
		exit(1);
	}
	return m;
}

static void refused(const char *what, struct nl_msg *m)
{
	u32 g0 = generation(NULL), g1;
	int ret = transact(m);
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", ext);
	g1 = generation(NULL);
	if (!ret)
		failf("%s: accepted", what);
	else if (!msg[0])
		failf("%s: refused (%s) without a message", what, strerror(-ret));
	if (g1 != g0)
		failf("%s: generation %u -> %u", what, g0, g1);
	printf("policyfuzz: %-32s %s: %s\n", what, strerror(-ret), msg);
}

/* One rule by hand: event, actions, optional vm, conditions. */
static struct nl_msg *raw_rule(int event, long long actions, long long vm,
			       int ncond, int field, int op, const char *value)
{
	struct nl_msg *m = new_msg(NOGAP_CMD_POLICY_SET, 0);
	struct nlattr *l, *r, *c, *e;
	int k;

	l = nla_nest_start(m, NOGAP_A_POLICY_RULES | NLA_F_NESTED);
	r = nla_nest_start(m, 1 | NLA_F_NESTED);
	if (event >= 0)
		nla_put_u8(m, NOGAP_RULE_A_EVENT, (u8)event);
	if (actions >= 0)
		nla_put_u32(m, NOGAP_RULE_A_ACTIONS, (u32)actions);
	if (vm >= 0)
		nla_put_u32(m, NOGAP_RULE_A_VM, (u32)vm);
	nla_put_u32(m, NOGAP_RULE_A_LINE, 7);
	if (ncond) {
		c = nla_nest_start(m, NOGAP_RULE_A_CONDS | NLA_F_NESTED);
		for (k = 0; k < ncond; k++) {
			e = nla_nest_start(m, (k + 1) | NLA_F_NESTED);
			nla_put_u8(m, NOGAP_COND_A_FIELD, (u8)field);
			nla_put_u8(m, NOGAP_COND_A_OP, (u8)op);
			nla_put_string(m, NOGAP_COND_A_VALUE, value);
			nla_nest_end(m, e);
		}
		nla_nest_end(m, c);
	}
	nla_nest_end(m, r);
	nla_nest_end(m, l);
	return m;
}

static void cases(void)
{
	char big[NOGAP_POLICY_NAME_MAX + 8];
	int i;

	refused("rule for vm-added events",
		raw_rule(NOGAP_EVENT_VM_ADDED, 1, -1, 0, 0, 0, NULL));
	refused("rule for event 0", raw_rule(0, 1, -1, 0, 0, 0, NULL));
	refused("rule for event 200", raw_rule(200, 1, -1, 0, 0, 0, NULL));
	refused("kill on text-write", from_text("on text-write do report,kill"));
	refused("comm on text-write", from_text("on text-write if comm = x do report"));
	refused("writer on hidden-process",
		from_text("on hidden-process if writer = x do report"));
	refused("kthread ~", from_text("on hidden-process if kthread ~ \"y*\" do report"));
	refused("kthread = maybe",
		from_text("on hidden-process if kthread = maybe do report"));
	refused("empty value", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1,
					NOGAP_FIELD_TARGET, NOGAP_OP_EQ, ""));
	memset(big, 'a', sizeof(big));
	big[NOGAP_COND_VALUE_MAX] = '\0';
	refused("value of 64 bytes", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1,
					      NOGAP_FIELD_TARGET, NOGAP_OP_EQ, big));
	refused("field 0", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1, 0,
				    NOGAP_OP_EQ, "x"));
	refused("field 9", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1, 9,
				    NOGAP_OP_EQ, "x"));
	refused("op 0", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1,
				 NOGAP_FIELD_TARGET, 0, "x"));
	refused("op 5", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 1,
				 NOGAP_FIELD_TARGET, 5, "x"));
	refused("9 conditions", raw_rule(NOGAP_EVENT_TEXT_WRITE, 1, -1, 9,
					 NOGAP_FIELD_TARGET, NOGAP_OP_EQ, "x"));
	refused("no actions", raw_rule(NOGAP_EVENT_TEXT_WRITE, -1, -1, 0, 0, 0, NULL));
	refused("no event", raw_rule(-1, 1, -1, 0, 0, 0, NULL));
	refused("action bit 8", raw_rule(NOGAP_EVENT_HIDDEN_PROCESS, 8, -1, 0,
					 0, 0, NULL));
	refused("vm 0", raw_rule(NOGAP_EVENT_HIDDEN_PROCESS, 1, 0, 0, 0, 0, NULL));
	{
		struct nl_msg *m = from_text("on text-write do report");

		memset(big, 'n', sizeof(big));
		big[NOGAP_POLICY_NAME_MAX] = '\0';
		nla_put_string(m, NOGAP_A_POLICY_NAME, big);
		refused("name of 256 bytes", m);
	}
	{
		/* 257 rules, one attribute of less than 64 KiB */
		struct nl_msg *m = new_msg(NOGAP_CMD_POLICY_SET, 0);
		struct nlattr *l = nla_nest_start(m, NOGAP_A_POLICY_RULES |
						  NLA_F_NESTED), *r;

		for (i = 0; i < NOGAP_POLICY_RULES_MAX + 1; i++) {
			r = nla_nest_start(m, (i + 1) | NLA_F_NESTED);
			nla_put_u8(m, NOGAP_RULE_A_EVENT, NOGAP_EVENT_TEXT_WRITE);
			nla_put_u32(m, NOGAP_RULE_A_ACTIONS, 1);
			nla_nest_end(m, r);
		}
		nla_nest_end(m, l);
		refused("257 rules", m);
	}
	{
		/* NLA_F_NESTED missing on the rules list */
		struct nl_msg *m = from_text("on text-write do report");
		struct nlattr *a = nlmsg_find_attr(nlmsg_hdr(m), GENL_HDRLEN,
						   NOGAP_A_POLICY_RULES);

		if (a)
			a->nla_type &= ~NLA_F_NESTED;
		refused("rules without NLA_F_NESTED", m);
	}
}

static unsigned long long rs = 0x9e3779b97f4a7c15ull;

static unsigned int rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned int)(rs >> 11);
}

static void mutations(int n)
{
	static const char *const base =
		"on hidden-process if kthread = yes do report,log\n"
		"on hidden-process vm 3 if comm ~ \"ab*\" and comm != cd do report,kill\n"
		"on text-write if writer ~ \"text_poke*\" do ignore\n"
		"on text-write if target = msleep and writer != x do log\n"
		"on text-write do report\n";
	struct nl_msg *m = from_text(base);
	size_t len = nlmsg_hdr(m)->nlmsg_len, hdr = NLMSG_HDRLEN + GENL_HDRLEN;
	unsigned char *orig = malloc(len), *buf = malloc(len);
	static struct ng_pol back;
	struct ng_pol_errs errs;
	char text[2048];
	u32 g0, g1, i;
	int it, k, ret, accepted = 0, refusedn = 0;

	memcpy(orig, nlmsg_hdr(m), len);
	nlmsg_free(m);
	g0 = generation(NULL);
	for (it = 0; it < n; it++) {
		size_t l = len;

		memcpy(buf, orig, len);
		switch (rnd() % 4) {
		case 0:		/* a few random bytes */
			for (k = 0, i = 1 + rnd() % 4; k < (int)i; k++)
				buf[hdr + rnd() % (len - hdr)] = (unsigned char)rnd();
			break;
		case 1:		/* a length or type field somewhere */
			k = (int)(hdr + (rnd() % ((len - hdr) / 4)) * 4);
			buf[k + rnd() % 4] = (unsigned char)rnd();
			break;
		case 2:		/* cut short */
			l = hdr + rnd() % (len - hdr);
			break;
		default:	/* one bit */
			buf[hdr + rnd() % (len - hdr)] ^= (unsigned char)(1u << (rnd() % 8));
			break;
		}
		((struct nlmsghdr *)buf)->nlmsg_len = (u32)l;
		ret = transact_raw(buf, l);
		if (ret == -EIO) {
			failf("mutation %d: no answer", it);
			break;
		}
		if (!ret)
			accepted++;
		else
			refusedn++;
	}
	g1 = generation(&back);
	printf("policyfuzz: %d mutations: %d accepted, %d refused; generation %u -> %u\n",
	       n, accepted, refusedn, g0, g1);
	if (g1 - g0 != (u32)accepted)
		failf("generation moved by %u, %d accepted", g1 - g0, accepted);
	if (back.nrules != got_nrules)
		failf("POLICY_GET: %u rules decoded, %u announced", back.nrules,
		      got_nrules);
	/* what the module holds is a policy nogapctl can write and read */
	for (i = 0; i < back.nrules; i++) {
		static struct ng_pol one;

		ng_policy_rule_text(&back.rules[i], text, sizeof(text));
		if (ng_policy_parse(text, strlen(text), &one, &errs))
			failf("active rule %u does not parse back: %s: %s", i,
			      text, errs.e[0].msg);
	}
	free(orig);
	free(buf);
}

int main(int argc, char **argv)
{
	int one = 1, n = argc > 1 ? atoi(argv[1]) : 3000;
	struct timeval tv = { .tv_sec = 10 };

	setvbuf(stdout, NULL, _IOLBF, 0);

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		printf("policyfuzz: FAIL no generic netlink socket\n");
		return 1;
	}
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	nl_socket_disable_seq_check(sk);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	/* an answer that never comes is a failure, not a hang */
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv,
		   sizeof(tv));
	family = genl_ctrl_resolve(sk, NOGAP_GENL_NAME);
	if (family < 0) {
		printf("policyfuzz: FAIL nogap module not loaded\n");
		return 1;
	}
	cases();
	mutations(n > 0 ? n : 1);
	if (failures) {
		printf("policyfuzz: FAIL %s (%d failures)\n", first, failures);
		return 1;
	}
	printf("policyfuzz: PASS\n");
	return 0;
}
