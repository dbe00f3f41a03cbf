// SPDX-License-Identifier: GPL-2.0
/*
 * test_peval.c - how a policy judges events (kmod/core/peval.c, the code
 * nogap.ko runs): the glob matcher, first match in file order, VM rules,
 * conditions on unknown fields, kill never for kernel threads, the
 * built-in default, and when a detector has to run.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peval.h"
#include "policy.h"
#include "ut.h"

static void test_glob(void)
{
	static const struct {
		const char *pat, *str;
		bool want;
	} t[] = {
		{ "", "", true }, { "", "a", false }, { "a", "", false },
		{ "abc", "abc", true }, { "abc", "abcd", false }, { "abc", "ab", false },
		{ "*", "", true }, { "*", "anything", true }, { "a*", "a", true },
		{ "a*", "abc", true }, { "a*", "ba", false }, { "*c", "abc", true },
		{ "*c", "abd", false }, { "a*c", "ac", true }, { "a*c", "abbbc", true },
		{ "a*c", "abcd", false }, { "*b*", "abc", true }, { "*b*", "ac", false },
		{ "a*b*c", "a_b_b_c", true }, { "a*b*c", "a_c_b", false },
		{ "?", "a", true }, { "?", "", false }, { "??", "a", false },
		{ "a?c", "abc", true }, { "a?c", "ac", false },
		{ "[abc]", "b", true }, { "[abc]", "d", false }, { "[a-c]x", "bx", true },
		{ "[a-c]", "d", false }, { "[!a-c]", "d", true }, { "[!a-c]", "b", false },
		{ "[]]", "]", true }, { "[]a]", "a", true }, { "[!]]", "]", false },
		{ "[a-]", "-", true }, { "[a-]", "a", true },
		{ "[abc", "[abc", true }, { "[abc", "a", false },	/* no ']': literal */
		{ "\\*", "*", true }, { "\\*", "a", false }, { "a\\?", "a?", true },
		{ "a\\", "a\\", true },
		{ "text_poke*", "text_poke_bp_batch", true },
		{ "text_poke*", "__text_poke", false },
		{ "*jump_label*", "arch_jump_label_transform_apply", true },
		{ "*static_call_transform", "__static_call_transform", true },
		{ "*static_call_transform", "static_call_transform_x", false },
		{ "[a-z][a-z][a-z][0-9]*", "abc1xyz", true },
		{ "[a-z][a-z][a-z][0-9]*", "ab1", false },
		{ "*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
		{ "\xc3\xa9*", "\xc3\xa9t\xc3\xa9", true },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ng_glob(t[i].pat, t[i].str) != t[i].want) {
			fprintf(stderr, "\nglob '%s' '%s': want %d\n", t[i].pat,
				t[i].str, t[i].want);
			CU_FAIL("glob");
		}
	}
}

static struct ng_pol *pol;
static struct ng_prule rules[NOGAP_POLICY_RULES_MAX];
static struct ng_pcond conds[NOGAP_POLICY_RULES_MAX * NOGAP_RULE_CONDS_MAX];

static void load(const char *text)
{
	struct ng_pol_errs errs;

	CU_ASSERT_EQUAL_FATAL(ng_policy_parse(text, strlen(text), pol, &errs), 0);
	ng_policy_to_prules(pol, rules, conds);
}

/* actions for an event, and the line of the deciding rule (0: default) */
static u32 judge(u8 type, u32 vm, const struct ng_subject *s, u32 *line)
{
	u32 idx, a = ng_peval_actions(rules, pol->nrules, conds, type, vm, s,
				      &idx);

	*line = idx < pol->nrules ? pol->rules[idx].line : 0;
	return a;
}

#define HP	NOGAP_EVENT_HIDDEN_PROCESS
#define TW	NOGAP_EVENT_TEXT_WRITE
#define R	NOGAP_ACTION_REPORT
#define L	NOGAP_ACTION_LOG
#define K	NOGAP_ACTION_KILL

static void test_first_match(void)
{
	struct ng_subject user = { .comm = "evil", .kthread = 0 };
	struct ng_subject kt = { .comm = "kworker/0:1", .kthread = 1 };
	struct ng_subject unk = { .comm = NULL, .kthread = -1 };
	u32 line;

	load("on hidden-process if comm = evil do report\n"		/* 1 */
	     "on hidden-process vm 2 do ignore\n"			/* 2 */
	     "on hidden-process if kthread = no do report,log,kill\n"	/* 3 */
	     "on hidden-process if comm != evil do log\n"		/* 4 */
	     "on text-write if writer ~ \"text_poke*\" do ignore\n"	/* 5 */
	     "on text-write if writer !~ \"text_poke*\" and target = msleep do log\n"); /* 6 */

	CU_ASSERT_EQUAL(judge(HP, 1, &user, &line), R);		/* rule 1 first */
	CU_ASSERT_EQUAL(line, 1);
	user.comm = "other";
	CU_ASSERT_EQUAL(judge(HP, 1, &user, &line), R | L | K);
	CU_ASSERT_EQUAL(line, 3);
	CU_ASSERT_EQUAL(judge(HP, 2, &user, &line), 0);		/* vm 2 ignored */
	CU_ASSERT_EQUAL(line, 2);
	CU_ASSERT_EQUAL(judge(HP, 3, &kt, &line), L);		/* rule 4 */
	CU_ASSERT_EQUAL(line, 4);
	/* unknown comm and kthread: no condition holds, != included */
	CU_ASSERT_EQUAL(judge(HP, 1, &unk, &line), R | L);
	CU_ASSERT_EQUAL(line, 0);
	CU_ASSERT_EQUAL(judge(HP, 1, NULL, &line), R | L);
	CU_ASSERT_EQUAL(line, 0);

	{
		struct ng_subject w = { .writer = "text_poke_bp_batch", .target = "msleep", .kthread = -1 };

		CU_ASSERT_EQUAL(judge(TW, 1, &w, &line), 0);
		CU_ASSERT_EQUAL(line, 5);
		w.writer = "evil_fn";
		CU_ASSERT_EQUAL(judge(TW, 1, &w, &line), L);
		CU_ASSERT_EQUAL(line, 6);
		/* writer unknown: neither ~ nor !~ holds: the default */
		w.writer = NULL;
		CU_ASSERT_EQUAL(judge(TW, 1, &w, &line), R);
		CU_ASSERT_EQUAL(line, 0);
	}
	/* other event types: report */
	CU_ASSERT_EQUAL(judge(NOGAP_EVENT_CALL, 1, NULL, &line), R);
}

static void test_kill_never_kthreads(void)
{
	struct ng_subject s = { .comm = "x", .kthread = 1 };
	u32 line;

	load("on hidden-process do report,kill\n");
	CU_ASSERT_EQUAL(judge(HP, 1, &s, &line), R);
	s.kthread = -1;
	CU_ASSERT_EQUAL(judge(HP, 1, &s, &line), R);
	CU_ASSERT_EQUAL(judge(HP, 1, NULL, &line), R);
	s.kthread = 0;
	CU_ASSERT_EQUAL(judge(HP, 1, &s, &line), R | K);
	/* kill as a rule would write it, on a text write, is dropped too */
	rules[0].event = TW;
	CU_ASSERT_EQUAL(judge(TW, 1, &s, &line), R);
}

static void test_default(void)
{
	struct ng_subject s = { .comm = "x", .kthread = 0 };
	u32 line;

	load("");
	CU_ASSERT_EQUAL(judge(HP, 1, &s, &line), R | L);
	CU_ASSERT_EQUAL(judge(TW, 1, &s, &line), R);
	CU_ASSERT_EQUAL(ng_peval_actions(NULL, 0, NULL, HP, 1, &s, NULL), R | L);
	CU_ASSERT_TRUE(ng_peval_wants(NULL, 0, HP, 1));
	CU_ASSERT_TRUE(ng_peval_wants(NULL, 0, TW, 1));
}

static void test_wants(void)
{
	load("on text-write do ignore\n");
	CU_ASSERT_FALSE(ng_peval_wants(rules, pol->nrules, TW, 1));
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, HP, 1));

	load("on text-write vm 2 do ignore\n");
	CU_ASSERT_FALSE(ng_peval_wants(rules, pol->nrules, TW, 2));
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, TW, 1));

	/* a conditional ignore leaves the default reachable */
	load("on text-write if writer = x do ignore\n");
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, TW, 1));

	/* conditional ignores, then ignore all: nothing can act */
	load("on hidden-process if comm = a do ignore\n"
	     "on hidden-process do ignore\n"
	     "on hidden-process do report\n");
	CU_ASSERT_FALSE(ng_peval_wants(rules, pol->nrules, HP, 1));

	/* a rule that acts before the ignore-all */
	load("on hidden-process if comm = a do log\n"
	     "on hidden-process do ignore\n");
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, HP, 1));
}

static void test_default_policy(void)
{
	struct ng_subject user = { .comm = "hidden", .kthread = 0 };
	struct ng_subject kt = { .comm = "kworker", .kthread = 1 };
	struct ng_subject unk = { .comm = "x", .kthread = -1 };
	struct ng_subject poke = { .writer = "text_poke_bp_batch", .target = "schedule", .kthread = -1 };
	struct ng_subject mod = { .writer = NULL, .target = "msleep", .kthread = -1 };
	struct ng_pol_errs errs;
	char *buf;
	FILE *f = fopen("etc/nogap/nogap.policy", "r");
	size_t n;
	u32 line;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	buf = calloc(1, 1 << 16);
	n = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(ng_policy_parse(buf, n, pol, &errs), 0);
	free(buf);
	ng_policy_to_prules(pol, rules, conds);
	CU_ASSERT_EQUAL(judge(HP, 1, &user, &line), R | L | K);
	CU_ASSERT_EQUAL(judge(HP, 1, &kt, &line), R | L);
	CU_ASSERT_EQUAL(judge(HP, 1, &unk, &line), R | L);
	CU_ASSERT_EQUAL(judge(TW, 1, &poke, &line), 0);
	CU_ASSERT_EQUAL(judge(TW, 1, &mod, &line), R | L);
	poke.writer = "__text_poke";
	CU_ASSERT_EQUAL(judge(TW, 1, &poke, &line), 0);
	poke.writer = "arch_jump_label_transform_apply";
	CU_ASSERT_EQUAL(judge(TW, 1, &poke, &line), 0);
	poke.writer = "evil_patch";
	CU_ASSERT_EQUAL(judge(TW, 1, &poke, &line), R | L);
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, HP, 1));
	CU_ASSERT_TRUE(ng_peval_wants(rules, pol->nrules, TW, 1));
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "glob", test_glob },
		{ "first match, vm, unknown fields", test_first_match },
		{ "kill never for kernel threads", test_kill_never_kthreads },
		{ "built-in default", test_default },
		{ "when a detector runs", test_wants },
		{ "the default policy file", test_default_policy },
	};
	static const struct ut_suite suite = {
		.name = "peval", .verbose = true, UT_TESTS(tests),
	};
	int ret;

	pol = calloc(1, sizeof(*pol));
	if (!pol)
		return 1;
	ret = ut_run(&suite);
	free(pol);
	return ret;
}
