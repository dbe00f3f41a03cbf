// SPDX-License-Identifier: GPL-2.0
/*
 * test_offline.c - end to end on real cached dumps: a DB built in memory
 * from the "ref61" boot names the functions of the "t61" boot.
 *
 * The kernels come from tests/eval/kernels.txt (roles ref61 and t61), the
 * dumps and kallsyms from $NOGAP_CACHE/dumps (default ~/.cache/nogap),
 * made by tests/eval/mkdump.sh. Without them this test FAILS with a message
 * saying how to make them: it never passes silently.
 *
 * Scoring is tests/eval/score.py's, in C: truth = the target's core text
 * symbols (t/T/w/W) between its own _stext and _etext, __pfx_/__cfi_
 * excluded, one function per address, any alias at that address right;
 * names given = one per address (the first), as `nogapctl identify` prints.
 */
#include <CUnit/Basic.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <libgen.h>

#include "fragment.h"
#include "match.h"
#include "sigdb.h"
#include "sigdb_build.h"
#include "kallsyms.h"
#include "offline.h"
#include "ut.h"

#define MIN_RECALL	95.0
#define MIN_PRECISION	99.5

struct kfiles {
	char role[32];
	char abi[256];
	char elf[PATH_MAX];
	char ksyms[PATH_MAX];
	bool ok;
};

static struct kfiles ref = { .role = "ref61" }, tgt = { .role = "t61" };
static char setup_err[2 * PATH_MAX];

/* tests/eval/kernels.txt from the working directory or near the binary */
static FILE *open_kernels_txt(char *path, size_t n)
{
	char exe[PATH_MAX], *dir;
	static const char *const rel[] = {
		"%s/../../tests/eval/kernels.txt",	/* build/unit/ */
		"%s/../../../tests/eval/kernels.txt",	/* build/asan/unit/ */
	};
	ssize_t l;
	FILE *f;
	size_t i;

	snprintf(path, n, "tests/eval/kernels.txt");
	f = fopen(path, "r");
	if (f)
		return f;
	l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l <= 0)
		return NULL;
	exe[l] = 0;
	dir = dirname(exe);
	for (i = 0; i < ARRAY_SIZE(rel); i++) {
		snprintf(path, n, rel[i], dir);
		f = fopen(path, "r");
		if (f)
			return f;
	}
	return NULL;
}

static bool find_role(FILE *f, struct kfiles *k)
{
	char line[512], role[64], abi[256];

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%63s %255s", role, abi) != 2)
			continue;
		if (!strcmp(role, k->role)) {
			snprintf(k->abi, sizeof(k->abi), "%s", abi);
			return true;
		}
	}
	return false;
}

static bool readable(const char *p)
{
	return access(p, R_OK) == 0;
}

/* Resolve both kernels' files; false with setup_err set if anything lacks. */
static bool setup(void)
{
	char dir[PATH_MAX], kt[PATH_MAX];
	struct kfiles *ks[2] = { &ref, &tgt };
	FILE *f;
	int i;

	ut_dumps_dir(dir, sizeof(dir));
	f = open_kernels_txt(kt, sizeof(kt));
	if (!f) {
		snprintf(setup_err, sizeof(setup_err),
			 "test_offline: cannot find tests/eval/kernels.txt (run from the source tree)");
		return false;
	}
	for (i = 0; i < 2; i++) {
		if (!find_role(f, ks[i])) {
			snprintf(setup_err, sizeof(setup_err),
				 "test_offline: %s: no role %s", kt,
				 ks[i]->role);
			fclose(f);
			return false;
		}
		ks[i]->ok = snprintf(ks[i]->elf, sizeof(ks[i]->elf),
				     "%s/%s.elf", dir, ks[i]->abi) <
			    (int)sizeof(ks[i]->elf) &&
			    snprintf(ks[i]->ksyms, sizeof(ks[i]->ksyms),
				     "%s/%s.kallsyms", dir, ks[i]->abi) <
			    (int)sizeof(ks[i]->ksyms) &&
			    readable(ks[i]->elf) && readable(ks[i]->ksyms);
	}
	fclose(f);
	if (!ref.ok || !tgt.ok) {
		if (snprintf(setup_err, sizeof(setup_err),
			     "test_offline: no cached dumps; run tests/eval/mkdump.sh %s %s (missing %s.elf or %s.kallsyms in %s)",
			     ref.abi, tgt.abi, !ref.ok ? ref.abi : tgt.abi,
			     !ref.ok ? ref.abi : tgt.abi, dir) >=
		    (int)sizeof(setup_err))
			setup_err[sizeof(setup_err) - 1] = 0;
		return false;
	}
	return true;
}

static const struct ng_ksym *ksym_named(const struct ng_kallsyms *ks,
					const char *name)
{
	const struct ng_ksym *found = NULL;
	size_t i;

	/* like score.py: the last one in the file wins (there is one) */
	for (i = 0; i < ks->nsyms; i++)
		if (!strcmp(ks->syms[i].name, name))
			found = &ks->syms[i];
	return found;
}

/* --- score.py in C ---------------------------------------------------------- */

struct truth {
	const struct ng_kallsyms *ks;
	u64 stext, etext;
	u64 *addr;		/* distinct truth addresses, sorted */
	size_t *first;		/* their first symbol in ks */
	size_t n;
};

static bool truth_sym(const struct ng_ksym *s)
{
	return ng_ksym_is_text(s->type) &&
	       strncmp(s->name, "__pfx_", 6) && strncmp(s->name, "__cfi_", 6);
}

static bool truth_load(struct truth *t, const struct ng_kallsyms *ks)
{
	const struct ng_ksym *st = ksym_named(ks, "_stext");
	const struct ng_ksym *et = ksym_named(ks, "_etext");
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!st || !et)
		return false;
	t->ks = ks;
	t->stext = st->addr;
	t->etext = et->addr;
	t->addr = malloc(ks->nsyms * sizeof(*t->addr));
	t->first = malloc(ks->nsyms * sizeof(*t->first));
	if (!t->addr || !t->first)
		return false;
	for (i = 0; i < ks->nsyms; i++) {
		const struct ng_ksym *s = &ks->syms[i];

		if (!truth_sym(s) || s->addr < t->stext || s->addr >= t->etext)
			continue;
		if (t->n && t->addr[t->n - 1] == s->addr)
			continue;
		t->addr[t->n] = s->addr;
		t->first[t->n] = i;
		t->n++;
	}
	return true;
}

static void truth_free(struct truth *t)
{
	free(t->addr);
	free(t->first);
}

/* Is name one of the truth names at addr? */
static bool truth_right(const struct truth *t, u64 addr, const char *name)
{
	size_t lo = 0, hi = t->n, i;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->addr[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->n || t->addr[lo] != addr)
		return false;
	for (i = t->first[lo]; i < t->ks->nsyms &&
	     t->ks->syms[i].addr == addr; i++)
		if (truth_sym(&t->ks->syms[i]) &&
		    !strcmp(t->ks->syms[i].name, name))
			return true;
	return false;
}

struct score {
	const struct truth *t;
	u64 last_addr;
	bool any;
	u64 given, right;
	u64 ev_given[NG_EV__MAX], ev_right[NG_EV__MAX];
	unsigned int shown;
};

/* cmd_identify's add_name(): one name per address, the first. */
static int score_name(void *arg, u64 addr, const char *name,
		      const struct ng_fmatch *fm)
{
	struct score *s = arg;
	bool ok;

	if (s->any && s->last_addr == addr)
		return 0;
	s->any = true;
	s->last_addr = addr;
	ok = truth_right(s->t, addr, name);
	s->given++;
	s->right += ok;
	s->ev_given[fm->evidence]++;
	s->ev_right[fm->evidence] += ok;
	if (!ok && s->shown < 5) {
		s->shown++;
		printf("\n    wrong: %s@0x%llx (%s)", name,
		       (unsigned long long)addr, ng_evidence_name[fm->evidence]);
	}
	return 0;
}

/* --- the test ---------------------------------------------------------------- */

static double secs(double t0)
{
	return ng_now() - t0;
}

static void test_end_to_end(void)
{
	struct ng_kallsyms rks, tks;
	struct ng_target rt, tt;
	struct ng_dbk k;
	struct ng_sigdb db;
	struct ng_ident id;
	struct truth tr;
	struct score sc;
	const struct ng_ksym *st, *et;
	const char *why;
	char err[512];
	double t0, t_build, t_ident;
	u8 *buf;
	u64 len;
	u32 i, e;
	double recall, precision;

	if (!ref.ok || !tgt.ok) {
		fprintf(stderr, "\n%s\n", setup_err);
		CU_FAIL_FATAL("no cached dumps (see the message above)");
	}

	/* the reference: text range, anchor, DB in memory */
	t0 = ng_now();
	CU_ASSERT_EQUAL_FATAL(ng_kallsyms_load(&rks, ref.ksyms, err,
					       sizeof(err)), 0);
	if (ng_target_open(&rt, ref.elf, err, sizeof(err))) {
		fprintf(stderr, "\n  %s\n", err);
		CU_FAIL_FATAL("ng_target_open(ref61)");
	}
	st = ksym_named(&rks, "_stext");
	et = ksym_named(&rks, "_etext");
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_PTR_NOT_NULL_FATAL(et);
	printf("\n    ref61 %s: text 0x%llx-0x%llx (_stext 0x%llx, _etext 0x%llx), anchor 0x%llx, %u fragments",
	       ref.abi, (unsigned long long)rt.text_start,
	       (unsigned long long)rt.text_end, (unsigned long long)st->addr,
	       (unsigned long long)et->addr, (unsigned long long)rt.anchor,
	       rt.img.nfrags);
	CU_ASSERT(rt.text_start <= st->addr);
	CU_ASSERT(et->addr <= rt.text_end);
	CU_ASSERT(st->addr < et->addr);
	CU_ASSERT(rt.anchor >= rt.text_start && rt.anchor < rt.text_end);
	CU_ASSERT(rt.img.nfrags > 10000);
	CU_ASSERT(rt.img.text_start == rt.text_start &&
		  rt.img.text_size == rt.text_end - rt.text_start);

	CU_ASSERT_EQUAL_FATAL(ng_dbk_build(&k, &rt.img, &rks, ref.abi, err,
					   sizeof(err)), 0);
	printf("\n    DB: %u fragments, %u names, %u edges; %u of %u text symbols placed",
	       k.nfrags, k.nnames, k.nedges, k.named_syms, k.text_syms);
	CU_ASSERT(k.named_syms * 10ull >= k.text_syms * 9ull);
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(&k, 1, &buf, &len), 0);
	ng_dbk_free(&k);
	ng_target_close(&rt);
	ng_kallsyms_free(&rks);
	if (ng_sigdb_open(&db, buf, len, &ng_md5_hasher, &why)) {
		fprintf(stderr, "\n  ng_sigdb_open: %s\n", why);
		free(buf);
		CU_FAIL_FATAL("ng_sigdb_open of the DB just built");
	}
	t_build = secs(t0);

	/* the target */
	t0 = ng_now();
	CU_ASSERT_EQUAL_FATAL(ng_kallsyms_load(&tks, tgt.ksyms, err,
					       sizeof(err)), 0);
	if (ng_target_open(&tt, tgt.elf, err, sizeof(err))) {
		fprintf(stderr, "\n  %s\n", err);
		free(buf);
		CU_FAIL_FATAL("ng_target_open(t61)");
	}
	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &tt.img, &db), 0);
	CU_ASSERT(truth_load(&tr, &tks));
	memset(&sc, 0, sizeof(sc));
	sc.t = &tr;
	for (i = 0; i < id.nfrags; i++) {
		CU_ASSERT(id.m[i].confidence <= 100);
		CU_ASSERT_EQUAL(ng_ident_names(&id, &tt.img, &db, i, score_name,
					       &sc), 0);
	}
	t_ident = secs(t0);

	recall = tr.n ? 100.0 * sc.right / tr.n : 0;
	precision = sc.given ? 100.0 * sc.right / sc.given : 0;
	printf("\n    t61 %s: truth %zu, named %llu, right %llu: recall %.2f%%, precision %.2f%%",
	       tgt.abi, tr.n, (unsigned long long)sc.given,
	       (unsigned long long)sc.right, recall, precision);
	printf("\n    by evidence:");
	for (e = 1; e < NG_EV__MAX; e++)
		if (sc.ev_given[e])
			printf(" %s %llu/%llu", ng_evidence_name[e],
			       (unsigned long long)sc.ev_right[e],
			       (unsigned long long)sc.ev_given[e]);
	printf("\n    seconds: build DB %.2f, open + identify + score %.2f\n    ",
	       t_build, t_ident);
	CU_ASSERT(tr.n > 10000);
	CU_ASSERT(recall >= MIN_RECALL);
	CU_ASSERT(precision >= MIN_PRECISION);

	truth_free(&tr);
	ng_ident_free(&id);
	ng_target_close(&tt);
	ng_kallsyms_free(&tks);
	free(buf);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "ref61 DB names t61 (score.py rules)", test_end_to_end },
	};
	static const struct ut_suite suite = {
		.name = "offline", .verbose = true, UT_TESTS(tests),
	};
	bool have = setup();	/* if not, the test says why and fails */

	return (ut_run(&suite) || !have) ? 1 : 0;
}
