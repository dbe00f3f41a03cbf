/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ut.h - what every unit test binary shares (tests/unit/ut.c, linked into
 * each by the Makefile): running its one CUnit suite, a reproducible
 * random generator, exact-size heap copies for ASan, temporary
 * directories, and the cache of reference dumps made by mkdump.sh.
 *
 * Nothing here asserts: the CUnit counts stay those of the test files.
 */
#ifndef NG_TEST_UT_H
#define NG_TEST_UT_H

#include <stdbool.h>
#include <stddef.h>
#include <CUnit/Basic.h>
#include "ng_env.h"

struct ut_test {
	const char *name;
	CU_TestFunc fn;
};

struct ut_suite {
	const char *name;
	const struct ut_test *tests;
	size_t ntests;
	CU_InitializeFunc init;		/* may be NULL */
	CU_CleanupFunc clean;		/* may be NULL */
	bool verbose;			/* CU_BRM_VERBOSE, else CU_BRM_NORMAL */
};

#define UT_TESTS(t)	.tests = (t), .ntests = ARRAY_SIZE(t)

/* Register the suite, run it, clean up: the exit status (0: all passed). */
int ut_run(const struct ut_suite *s);

/* xorshift64*: reproducible test data, one state per caller. */
u64 ut_xorshift(u64 *state);
/* The same on the binary's own state, which ut_rnd_seed() sets. */
void ut_rnd_seed(u64 seed);
u64 ut_rnd(void);

/* A heap copy of exactly n bytes (1 if n is 0), so ASan sees reads past it. */
void *ut_memdup(const void *p, size_t n);

/* A new directory $TMPDIR/NAME.XXXXXX (TMPDIR if short, else /tmp). */
int ut_mkdtemp(char *dir, size_t n, const char *name);
/* Remove the files in dir; ut_rmdir() then dir itself. */
void ut_empty_dir(const char *dir);
int ut_rmdir(const char *dir);

/* ${NOGAP_CACHE:-$HOME/.cache/nogap}/dumps, where mkdump.sh leaves dumps. */
void ut_dumps_dir(char *dir, size_t n);
/* Its file name in p; false, and a note that the test skips, if unreadable. */
bool ut_cached_dump(char *p, size_t n, const char *name);

#endif /* NG_TEST_UT_H */
