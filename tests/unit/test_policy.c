// SPDX-License-Identifier: GPL-2.0
/*
 * test_policy.c - security policy files: valid rules field by field, every
 * error kind with its line, the limits, canonical text and the netlink
 * encoding round trip, the default policy, and a fuzz loop of random and
 * truncated input (run under ASan by check-unit too).
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "fileio.h"
#include "policy.h"
#include "ut.h"

static struct ng_pol *pol;
static struct ng_pol_errs errs;

static u32 parse(const char *text)
{
	return ng_policy_parse(text, strlen(text), pol, &errs);
}

static void test_valid(void)
{
	const struct ng_pol_rule *r;

	CU_ASSERT_EQUAL_FATAL(parse(
		"# a comment\n"
		"\n"
		"   \t# indented comment\n"
		"on hidden-process if kthread = yes do report\n"
		"on hidden-process vm 7 if comm ~ \"evil*\" and comm != evil2 do report, log ,kill  # trailing\n"
		"on text-write if writer!~text_poke* and target=\"a \\\"b\\\" \\\\ \\x41\" do ignore\r\n"
		"on text-write do log\n"
		"on hidden-process if comm=x do report"), 0);
	CU_ASSERT_EQUAL_FATAL(pol->nrules, 5);

	r = &pol->rules[0];
	CU_ASSERT_EQUAL(r->line, 4);
	CU_ASSERT_EQUAL(r->event, NOGAP_EVENT_HIDDEN_PROCESS);
	CU_ASSERT_FALSE(r->has_vm);
	CU_ASSERT_EQUAL(r->actions, NOGAP_ACTION_REPORT);
	CU_ASSERT_EQUAL_FATAL(r->nconds, 1);
	CU_ASSERT_EQUAL(r->conds[0].field, NOGAP_FIELD_KTHREAD);
	CU_ASSERT_EQUAL(r->conds[0].op, NOGAP_OP_EQ);
	CU_ASSERT_STRING_EQUAL(r->conds[0].value, "yes");

	r = &pol->rules[1];
	CU_ASSERT_EQUAL(r->line, 5);
	CU_ASSERT_TRUE(r->has_vm);
	CU_ASSERT_EQUAL(r->vm, 7);
	CU_ASSERT_EQUAL(r->actions, NOGAP_ACTION_REPORT | NOGAP_ACTION_LOG |
			NOGAP_ACTION_KILL);
	CU_ASSERT_EQUAL_FATAL(r->nconds, 2);
	CU_ASSERT_EQUAL(r->conds[0].field, NOGAP_FIELD_COMM);
	CU_ASSERT_EQUAL(r->conds[0].op, NOGAP_OP_GLOB);
	CU_ASSERT_STRING_EQUAL(r->conds[0].value, "evil*");
	CU_ASSERT_EQUAL(r->conds[1].op, NOGAP_OP_NE);
	CU_ASSERT_STRING_EQUAL(r->conds[1].value, "evil2");

	r = &pol->rules[2];
	CU_ASSERT_EQUAL(r->event, NOGAP_EVENT_TEXT_WRITE);
	CU_ASSERT_EQUAL(r->actions, 0);
	CU_ASSERT_EQUAL_FATAL(r->nconds, 2);
	CU_ASSERT_EQUAL(r->conds[0].field, NOGAP_FIELD_WRITER);
	CU_ASSERT_EQUAL(r->conds[0].op, NOGAP_OP_NGLOB);
	CU_ASSERT_STRING_EQUAL(r->conds[0].value, "text_poke*");
	CU_ASSERT_EQUAL(r->conds[1].field, NOGAP_FIELD_TARGET);
	CU_ASSERT_STRING_EQUAL(r->conds[1].value, "a \"b\" \\ A");

	r = &pol->rules[3];
	CU_ASSERT_EQUAL(r->actions, NOGAP_ACTION_LOG);
	CU_ASSERT_EQUAL(r->nconds, 0);
	/* last line without a newline */
	CU_ASSERT_EQUAL(pol->rules[4].line, 8);

	/* empty and comment-only files are valid: no rules */
	CU_ASSERT_EQUAL(parse(""), 0);
	CU_ASSERT_EQUAL(pol->nrules, 0);
	CU_ASSERT_EQUAL(parse("\n\n# x\n  \n"), 0);
	CU_ASSERT_EQUAL(pol->nrules, 0);
}

/* Each error alone at line 3: one error, on line 3, with this text. */
static void test_errors(void)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "hidden-process do report", "a rule starts with 'on EVENT'" },
		{ "On hidden-process do report", "a rule starts with 'on EVENT'" },
		{ "on hidden do report", "unknown event 'hidden'" },
		{ "on", "unknown event the end of the line" },
		{ "on text-write", "missing 'do ACTION'" },
		{ "on text-write do", "expected an action" },
		{ "on text-write do reprt", "unknown action 'reprt'" },
		{ "on text-write do kill", "kill is for hidden-process" },
		{ "on text-write do report,report", "given twice" },
		{ "on text-write do ignore,log", "ignore cannot be combined" },
		{ "on text-write do log,ignore", "ignore cannot be combined" },
		{ "on text-write do ignore,ignore", "ignore cannot be combined" },
		{ "on text-write do report log", "unexpected 'log' after the actions" },
		{ "on text-write do report,", "expected an action" },
		{ "on text-write vm 0 do report", "bad VM id '0'" },
		{ "on text-write vm 4294967296 do report", "bad VM id" },
		{ "on text-write vm 012 do report", "bad VM id" },
		{ "on text-write vm do report", "bad VM id 'do'" },
		{ "on text-write if do report", "unknown field 'do'" },
		{ "on text-write if comm = x do report", "field 'comm' does not apply to text-write" },
		{ "on hidden-process if writer = x do report", "field 'writer' does not apply to hidden-process" },
		{ "on hidden-process if pid = 1 do report", "unknown field 'pid'" },
		{ "on hidden-process if comm x do report", "expected an operator" },
		{ "on hidden-process if comm == x do report", "expected a value after 'comm ='" },
		{ "on hidden-process if comm = do", "missing 'do ACTION'" },
		{ "on hidden-process if comm = \"\" do report", "empty value" },
		{ "on hidden-process if comm ! x do report", "'!' must be followed" },
		{ "on hidden-process if kthread ~ yes do report", "kthread takes = or !=" },
		{ "on hidden-process if kthread = maybe do report", "kthread is yes or no" },
		{ "on hidden-process if comm = x and do report", "unknown field 'do'" },
		{ "on hidden-process if comm = x or comm = y do report", "expected 'and' or 'do', not 'or'" },
		{ "on hidden-process if comm = \"x do report", "unterminated string" },
		{ "on hidden-process if comm = \"\\q\" do report", "bad escape" },
		{ "on hidden-process if comm = \"\\x0\" do report", "bad escape" },
		{ "on hidden-process if comm = \"\\x00\" do report", "bad escape" },
		{ "on hidden-process if comm = \"a\tb\" do report", "control character" },
		{ "on hidden-process if comm = a;b do report", "unexpected character ';'" },
		{ "on hidden-process if comm = \xc3\xa9 do report", "unexpected byte 0xc3" },
		{ "on hidden-process vm 1 vm 2 do report", "expected 'if' or 'do', not 'vm'" },
		{ "on hidden-process do report # fine\x01", NULL },
	};
	char text[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u32 n;

		snprintf(text, sizeof(text),
			 "on text-write do report\n# two\n%s\non text-write do log\n",
			 cases[i].line);
		n = parse(text);
		if (!cases[i].msg) {
			CU_ASSERT_EQUAL(n, 0);
			continue;
		}
		CU_ASSERT_EQUAL(n, 1);
		if (n != 1 || errs.n != 1) {
			fprintf(stderr, "case %zu '%s': %u errors\n", i,
				cases[i].line, n);
			continue;
		}
		CU_ASSERT_EQUAL(errs.e[0].line, 3);
		if (!strstr(errs.e[0].msg, cases[i].msg)) {
			fprintf(stderr, "case %zu '%s': got '%s', want '%s'\n",
				i, cases[i].line, errs.e[0].msg, cases[i].msg);
			CU_FAIL("wrong message");
		}
		/* the good lines around it were still parsed */
		CU_ASSERT_EQUAL(pol->nrules, 2);
	}
}

/* NG_POLICY_LAX leaves the module's own checks to the module. */
static void test_lax(void)
{
	static const char *const text =
		"on text-write do report,kill\n"
		"on text-write if comm = x do report\n"
		"on hidden-process if kthread ~ \"y*\" do report\n"
		"on hidden-process if kthread = maybe do report\n";

	CU_ASSERT_EQUAL(parse(text), 4);
	CU_ASSERT_EQUAL(ng_policy_parse_flags(text, strlen(text), pol, &errs,
					      NG_POLICY_LAX), 0);
	CU_ASSERT_EQUAL(pol->nrules, 4);
	CU_ASSERT_EQUAL(pol->rules[0].actions,
			NOGAP_ACTION_REPORT | NOGAP_ACTION_KILL);
	/* syntax errors stay errors */
	CU_ASSERT_EQUAL(ng_policy_parse_flags("on x do report", 14, pol, &errs,
					      NG_POLICY_LAX), 1);
}

static void test_many_errors(void)
{
	char *text = malloc(64 * 40 + 1);
	size_t o = 0;
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (i = 0; i < 40; i++)
		o += (size_t)sprintf(text + o, "%s\n",
				     i % 2 ? "on text-write do report" : "bad");
	CU_ASSERT_EQUAL(parse(text), 20);
	CU_ASSERT_EQUAL(errs.n, NG_POLICY_ERRORS_MAX);
	CU_ASSERT_FALSE(errs.more);
	for (i = 0; i < (int)errs.n; i++)
		CU_ASSERT_EQUAL(errs.e[i].line, (u32)(2 * i + 1));

	o = 0;
	for (i = 0; i < 30; i++)
		o += (size_t)sprintf(text + o, "bad %d\n", i);
	CU_ASSERT_EQUAL(parse(text), 30);
	CU_ASSERT_EQUAL(errs.n, NG_POLICY_ERRORS_MAX);
	CU_ASSERT_TRUE(errs.more);
	CU_ASSERT_EQUAL(errs.e[19].line, 20);
	free(text);
}

static void test_limits(void)
{
	size_t cap = NG_POLICY_FILE_MAX + 4096, o;
	char *text = malloc(cap);
	char v[NOGAP_COND_VALUE_MAX + 2];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);

	/* rules */
	o = 0;
	for (i = 0; i < NOGAP_POLICY_RULES_MAX; i++)
		o += (size_t)sprintf(text + o, "on text-write do report\n");
	CU_ASSERT_EQUAL(ng_policy_parse(text, o, pol, &errs), 0);
	CU_ASSERT_EQUAL(pol->nrules, NOGAP_POLICY_RULES_MAX);
	o += (size_t)sprintf(text + o, "on text-write do log\non text-write do log\n");
	CU_ASSERT_EQUAL(ng_policy_parse(text, o, pol, &errs), 1);
	CU_ASSERT_EQUAL(errs.e[0].line, NOGAP_POLICY_RULES_MAX + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "more than 256 rules"));

	/* encoded size: 256 rules of 8 long conditions cannot fit */
	o = 0;
	for (i = 0; i < NOGAP_POLICY_RULES_MAX; i++) {
		int k;

		o += (size_t)sprintf(text + o, "on hidden-process if comm = ");
		for (k = 0; k < NOGAP_RULE_CONDS_MAX; k++)
			o += (size_t)sprintf(text + o, "%s%062d", k ? " and comm = " : "", k);
		o += (size_t)sprintf(text + o, " do report\n");
	}
	CU_ASSERT_EQUAL(ng_policy_parse(text, o, pol, &errs), 1);
	/* 28 + 4 + 8 * 88 = 736 bytes a rule: the 90th passes 65531 */
	CU_ASSERT_EQUAL(ng_policy_rule_size(&pol->rules[0]), 736);
	CU_ASSERT_EQUAL(errs.e[0].line, 90);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "bytes encoded"));
	CU_ASSERT_EQUAL(pol->nrules, 89);

	/* conditions */
	o = (size_t)sprintf(text, "on hidden-process if comm = a");
	for (i = 1; i < NOGAP_RULE_CONDS_MAX; i++)
		o += (size_t)sprintf(text + o, " and comm = a");
	sprintf(text + o, " do report\n");
	CU_ASSERT_EQUAL(parse(text), 0);
	CU_ASSERT_EQUAL(pol->rules[0].nconds, NOGAP_RULE_CONDS_MAX);
	sprintf(text + o, " and comm = a do report\n");
	CU_ASSERT_EQUAL(parse(text), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "more than 8 conditions"));

	/* value length: 63 bytes fit, 64 do not */
	memset(v, 'a', sizeof(v));
	v[NOGAP_COND_VALUE_MAX - 1] = '\0';
	sprintf(text, "on text-write if target = %s do report\n", v);
	CU_ASSERT_EQUAL(parse(text), 0);
	CU_ASSERT_EQUAL(strlen(pol->rules[0].conds[0].value),
			NOGAP_COND_VALUE_MAX - 1);
	v[NOGAP_COND_VALUE_MAX - 1] = 'a';
	v[NOGAP_COND_VALUE_MAX] = '\0';
	sprintf(text, "on text-write if target = \"%s\" do report\n", v);
	CU_ASSERT_EQUAL(parse(text), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "longer than 63"));

	/* line length: 1024 bytes fit, 1025 do not */
	o = (size_t)sprintf(text, "on text-write do report");
	memset(text + o, ' ', NG_POLICY_LINE_MAX - o);
	text[NG_POLICY_LINE_MAX] = '\n';
	CU_ASSERT_EQUAL(ng_policy_parse(text, NG_POLICY_LINE_MAX + 1, pol,
					&errs), 0);
	text[NG_POLICY_LINE_MAX] = ' ';
	text[NG_POLICY_LINE_MAX + 1] = '\n';
	CU_ASSERT_EQUAL(ng_policy_parse(text, NG_POLICY_LINE_MAX + 2, pol,
					&errs), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "line longer than"));

	/* NUL byte */
	memcpy(text, "on text-write do report\0\n", 26);
	CU_ASSERT_EQUAL(ng_policy_parse(text, 25, pol, &errs), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.e[0].msg, "NUL"));

	/* file size */
	memset(text, '\n', cap);
	CU_ASSERT_EQUAL(ng_policy_parse(text, NG_POLICY_FILE_MAX, pol, &errs), 0);
	CU_ASSERT_EQUAL(ng_policy_parse(text, NG_POLICY_FILE_MAX + 1, pol,
					&errs), 1);
	CU_ASSERT_EQUAL(errs.e[0].line, 0);
	free(text);
}

/* Encode into a genl message, find the rules again, decode. */
static int roundtrip(const struct ng_pol *in, struct ng_pol *out,
		     struct ng_pol_span *spans, struct nl_msg **keep)
{
	struct nlattr *tb[NOGAP_A_MAX + 1];
	struct nl_msg *m = nlmsg_alloc_size(1 << 20);
	int ret;

	if (!m)
		return -1;
	if (!genlmsg_put(m, 0, 0, 0x20, 0, 0, NOGAP_CMD_POLICY_SET, 1) ||
	    ng_policy_encode(m, in, spans) ||
	    genlmsg_parse(nlmsg_hdr(m), 0, tb, NOGAP_A_MAX, NULL) ||
	    !tb[NOGAP_A_POLICY_RULES]) {
		nlmsg_free(m);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	ret = ng_policy_decode(tb[NOGAP_A_POLICY_RULES], out);
	if (keep)
		*keep = m;
	else
		nlmsg_free(m);
	return ret;
}

static bool same_rule(const struct ng_pol_rule *a, const struct ng_pol_rule *b)
{
	u32 k;

	if (a->event != b->event || a->has_vm != b->has_vm || a->vm != b->vm ||
	    a->actions != b->actions || a->line != b->line ||
	    a->nconds != b->nconds)
		return false;
	for (k = 0; k < a->nconds; k++)
		if (a->conds[k].field != b->conds[k].field ||
		    a->conds[k].op != b->conds[k].op ||
		    strcmp(a->conds[k].value, b->conds[k].value))
			return false;
	return true;
}

static void test_encoding(void)
{
	struct ng_pol *back = calloc(1, sizeof(*back));
	struct ng_pol_span *spans = calloc(NOGAP_POLICY_RULES_MAX, sizeof(*spans));
	struct nl_msg *m = NULL;
	char *text = malloc(1 << 20);
	size_t o = 0, size = 0;
	u32 i, k, n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	CU_ASSERT_PTR_NOT_NULL_FATAL(spans);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	/*
	 * A full policy: 256 rules, 0 to 8 conditions, values of 1 to 63
	 * bytes (as much as fits the 64 KiB attribute).
	 */
	for (i = 0; i < NOGAP_POLICY_RULES_MAX; i++) {
		o += (size_t)sprintf(text + o, "on hidden-process vm %u", i + 1);
		for (k = 0; k < i % (NOGAP_RULE_CONDS_MAX + 1); k++) {
			o += (size_t)sprintf(text + o, " %s comm %s ",
					     k ? "and" : "if",
					     k % 2 ? "!=" : "~");
			if (k) {
				o += (size_t)sprintf(text + o, "x%u", k);
				continue;
			}
			text[o++] = '"';
			for (n = 0; n < (i * 7) % (NOGAP_COND_VALUE_MAX - 1) + 1; n++)
				text[o++] = (char)('a' + (i + n) % 26);
			text[o++] = '"';
		}
		o += (size_t)sprintf(text + o, " do %s\n",
				     i % 3 ? "report,kill" : "ignore");
	}
	CU_ASSERT_EQUAL_FATAL(ng_policy_parse(text, o, pol, &errs), 0);
	CU_ASSERT_EQUAL_FATAL(roundtrip(pol, back, spans, &m), 0);
	/* ng_policy_rule_size is exact */
	for (i = 0; i < pol->nrules; i++) {
		CU_ASSERT_EQUAL(spans[i].end - spans[i].start,
				ng_policy_rule_size(&pol->rules[i]));
		size += ng_policy_rule_size(&pol->rules[i]);
	}
	CU_ASSERT_TRUE(size > 32768 && size <= NG_POLICY_ENCODED_MAX);
	CU_ASSERT_EQUAL_FATAL(back->nrules, pol->nrules);
	for (i = 0; i < pol->nrules; i++)
		CU_ASSERT_TRUE(same_rule(&pol->rules[i], &back->rules[i]));
	/* an offset inside rule i maps to its line; outside, to none */
	for (i = 0; i < pol->nrules; i++) {
		CU_ASSERT_EQUAL(ng_policy_span_line(spans, pol->nrules,
						    spans[i].start), i + 1);
		CU_ASSERT_EQUAL(ng_policy_span_line(spans, pol->nrules,
						    spans[i].end - 1), i + 1);
		if (i)
			CU_ASSERT_EQUAL(spans[i].start, spans[i - 1].end);
	}
	CU_ASSERT_EQUAL(ng_policy_span_line(spans, pol->nrules, 4), 0);
	CU_ASSERT_EQUAL(ng_policy_span_line(spans, pol->nrules,
					    spans[pol->nrules - 1].end), 0);
	/* the spans point at the rules in the message itself */
	if (m) {
		struct nlattr *e = (struct nlattr *)((char *)nlmsg_hdr(m) +
						     spans[5].start);
		struct nlattr *line = nla_find(nla_data(e), nla_len(e),
					       NOGAP_RULE_A_LINE);

		CU_ASSERT_PTR_NOT_NULL_FATAL(line);
		CU_ASSERT_EQUAL(nla_get_u32(line), 6);
		nlmsg_free(m);
	}

	/* canonical text parses back to the same rules */
	o = 0;
	for (i = 0; i < pol->nrules; i++) {
		char buf[2048];

		ng_policy_rule_text(&pol->rules[i], buf, sizeof(buf));
		o += (size_t)sprintf(text + o, "%s\n", buf);
	}
	CU_ASSERT_EQUAL_FATAL(ng_policy_parse(text, o, back, &errs), 0);
	for (i = 0; i < pol->nrules; i++)
		CU_ASSERT_TRUE(same_rule(&pol->rules[i], &back->rules[i]));

	/* an empty policy: libnl leaves the empty nest out (the module
	 * takes no rules attribute as no rules) */
	memset(pol, 0, sizeof(*pol));
	m = nlmsg_alloc_size(4096);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	genlmsg_put(m, 0, 0, 0x20, 0, 0, NOGAP_CMD_POLICY_SET, 1);
	CU_ASSERT_EQUAL(ng_policy_encode(m, pol, NULL), 0);
	CU_ASSERT_EQUAL(genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0), 0);
	nlmsg_free(m);

	free(text);
	free(spans);
	free(back);
}

static void test_text(void)
{
	char buf[256];

	CU_ASSERT_EQUAL_FATAL(parse(
		"on text-write vm 3 if writer ~ \"a b\" and target = \"q\\\"\\\\\\x7f\" do ignore\n"
		"on hidden-process if kthread = no do kill,log,report\n"), 0);
	ng_policy_rule_text(&pol->rules[0], buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"on text-write vm 3 if writer ~ \"a b\" and target = \"q\\\"\\\\\\x7f\" do ignore");
	ng_policy_rule_text(&pol->rules[1], buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf,
		"on hidden-process if kthread = no do report,log,kill");
	/* a small buffer truncates, NUL-terminated */
	ng_policy_rule_text(&pol->rules[1], buf, 10);
	CU_ASSERT_STRING_EQUAL(buf, "on hidden");
	ng_policy_actions_text(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "ignore");
}

/* Malformed netlink is refused, never read out of bounds. */
static void test_decode_bad(void)
{
	struct nl_msg *m = nlmsg_alloc_size(4096);
	struct nlattr *list, *e, *c, *ce;
	struct nlattr *tb[NOGAP_A_MAX + 1];
	struct ng_pol *back = calloc(1, sizeof(*back));

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(back);
	genlmsg_put(m, 0, 0, 0x20, 0, 0, NOGAP_CMD_POLICY_GET, 1);
	list = nla_nest_start(m, NOGAP_A_POLICY_RULES);
	e = nla_nest_start(m, 1);
	nla_put_u8(m, NOGAP_RULE_A_EVENT, NOGAP_EVENT_TEXT_WRITE);
	nla_put_u32(m, NOGAP_RULE_A_ACTIONS, 1);
	c = nla_nest_start(m, NOGAP_RULE_A_CONDS);
	ce = nla_nest_start(m, 1);
	nla_put_u8(m, NOGAP_COND_A_FIELD, NOGAP_FIELD_TARGET);
	nla_put_u8(m, NOGAP_COND_A_OP, 9);	/* no such operator */
	nla_put_string(m, NOGAP_COND_A_VALUE, "x");
	nla_nest_end(m, ce);
	nla_nest_end(m, c);
	nla_nest_end(m, e);
	nla_nest_end(m, list);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(nlmsg_hdr(m), 0, tb, NOGAP_A_MAX,
					    NULL), 0);
	CU_ASSERT_EQUAL(ng_policy_decode(tb[NOGAP_A_POLICY_RULES], back),
			-EBADMSG);
	nlmsg_free(m);
	free(back);
}

static void test_default_policy(void)
{
	char err[256];
	size_t len = 0;
	u8 *buf = NULL;
	u32 i, kills = 0;

	CU_ASSERT_EQUAL_FATAL(ng_read_file("etc/nogap/nogap.policy", &buf, &len,
					   NG_POLICY_FILE_MAX, err,
					   sizeof(err)), 0);
	CU_ASSERT_EQUAL(ng_policy_parse((char *)buf, len, pol, &errs), 0);
	CU_ASSERT_TRUE(pol->nrules >= 3);
	for (i = 0; i < pol->nrules; i++) {
		const struct ng_pol_rule *r = &pol->rules[i];

		if (!(r->actions & NOGAP_ACTION_KILL))
			continue;
		kills++;
		/* only user processes are killed */
		CU_ASSERT_EQUAL(r->event, NOGAP_EVENT_HIDDEN_PROCESS);
		CU_ASSERT_EQUAL(r->nconds, 1);
		CU_ASSERT_EQUAL(r->conds[0].field, NOGAP_FIELD_KTHREAD);
		CU_ASSERT_STRING_EQUAL(r->conds[0].value, "no");
	}
	CU_ASSERT_EQUAL(kills, 1);
	free(buf);
}

/*
 * Random bytes, random token soup and every truncation of a valid file:
 * the parser never crashes (ASan watches), and whatever it accepts
 * formats and parses back to the same rules.
 */
static void check_accepted(void)
{
	static struct ng_pol back;
	static struct ng_pol_errs e2;
	char buf[2048];
	u32 i;

	for (i = 0; i < pol->nrules; i++) {
		ng_policy_rule_text(&pol->rules[i], buf, sizeof(buf));
		CU_ASSERT_EQUAL_FATAL(ng_policy_parse(buf, strlen(buf), &back,
						      &e2), 0);
		back.rules[0].line = pol->rules[i].line;
		CU_ASSERT_TRUE(same_rule(&pol->rules[i], &back.rules[0]));
	}
}

static void test_fuzz(void)
{
	static const char *const words[] = {
		"on", "hidden-process", "text-write", "vm", "1", "0", "99999999999",
		"if", "and", "do", "report", "log", "kill", "ignore", "comm",
		"kthread", "writer", "target", "yes", "no", "=", "!=", "~", "!~",
		"!", ",", "\"", "\"a b\"", "\"\\x41\"", "\\", "#", "\n", " ",
		"\t", "\r\n", "*", "[a-", "x*y?", "\xff", "\0",
	};
	static const char *const good =
		"on hidden-process if kthread = yes do report\n"
		"on hidden-process vm 2 if comm ~ \"a*\" and comm != b do report,log,kill\n"
		"# c\n"
		"on text-write if writer !~ \"text_poke*\" and target = \"x\\\"y\" do ignore\n";
	char *text = malloc(8192);
	unsigned int seed = 12345;
	size_t len, i, n;
	int iter;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len = strlen(good);
	for (i = 0; i <= len; i++) {
		/* a copy of exactly i bytes, so ASan sees reads past it */
		char *t = ut_memdup(good, i);

		if (!ng_policy_parse(t, i, pol, &errs))
			check_accepted();
		free(t);
	}
	for (iter = 0; iter < 20000; iter++) {
		n = 0;
		if (iter % 2) {
			len = (size_t)(rand_r(&seed) % 300);
			for (i = 0; i < len; i++)
				text[n++] = (char)(rand_r(&seed) & 0xff);
		} else {
			len = (size_t)(rand_r(&seed) % 40);
			for (i = 0; i < len; i++) {
				const char *w = words[rand_r(&seed) %
						(sizeof(words) / sizeof(words[0]))];
				size_t wl = *w ? strlen(w) : 1;

				memcpy(text + n, w, wl);
				n += wl;
				if (rand_r(&seed) % 2)
					text[n++] = ' ';
			}
		}
		{
			char *t = ut_memdup(text, n);

			if (!ng_policy_parse(t, n, pol, &errs))
				check_accepted();
			else
				CU_ASSERT_TRUE(errs.n >= 1 &&
					       errs.n <= NG_POLICY_ERRORS_MAX);
			free(t);
		}
	}
	free(text);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "valid rules", test_valid },
		{ "each error with its line", test_errors },
		{ "many errors, stop after 20", test_many_errors },
		{ "lax: the module's checks left out", test_lax },
		{ "limits", test_limits },
		{ "netlink encoding round trip", test_encoding },
		{ "canonical text", test_text },
		{ "malformed netlink refused", test_decode_bad },
		{ "default policy", test_default_policy },
		{ "fuzz: random and truncated input", test_fuzz },
	};
	static const struct ut_suite suite = {
		.name = "policy", .verbose = true, UT_TESTS(tests),
	};
	int ret;

	pol = calloc(1, sizeof(*pol));
	if (!pol)
		return 1;
	ret = ut_run(&suite);
	free(pol);
	return ret;
}
