// SPDX-License-Identifier: GPL-2.0
/*
 * ut.c - the helpers every unit test binary shares (ut.h).
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ut.h"

static bool ut_register(const struct ut_suite *s)
{
	CU_pSuite cs = CU_add_suite(s->name, s->init, s->clean);
	size_t i;

	if (!cs)
		return false;
	for (i = 0; i < s->ntests; i++)
		if (!CU_add_test(cs, s->tests[i].name, s->tests[i].fn))
			return false;
	return true;
}

int ut_run(const struct ut_suite *s)
{
	unsigned int fails;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (!ut_register(s)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(s->verbose ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
	CU_basic_run_tests();
	fails = CU_get_number_of_failures() +
		CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return fails ? 1 : 0;
}

u64 ut_xorshift(u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

static u64 ut_state = 0x9e3779b97f4a7c15ull;

void ut_rnd_seed(u64 seed)
{
	ut_state = seed;
}

u64 ut_rnd(void)
{
	return ut_xorshift(&ut_state);
}

void *ut_memdup(const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);

	if (c && n)
		memcpy(c, p, n);
	return c;
}

int ut_mkdtemp(char *dir, size_t n, const char *name)
{
	const char *t = getenv("TMPDIR");

	if (!t || !*t || strlen(t) >= 32)
		t = "/tmp";
	if ((size_t)snprintf(dir, n, "%s/%s.XXXXXX", t, name) >= n)
		return -1;
	return mkdtemp(dir) ? 0 : -1;
}

void ut_empty_dir(const char *dir)
{
	struct dirent *de;
	char p[PATH_MAX];
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
}

int ut_rmdir(const char *dir)
{
	ut_empty_dir(dir);
	return rmdir(dir);
}

void ut_dumps_dir(char *dir, size_t n)
{
	const char *cache = getenv("NOGAP_CACHE");
	const char *home = getenv("HOME");

	if (cache && *cache)
		snprintf(dir, n, "%s/dumps", cache);
	else
		snprintf(dir, n, "%s/.cache/nogap/dumps", home ? home : "");
}

bool ut_cached_dump(char *p, size_t n, const char *name)
{
	char dir[PATH_MAX];

	ut_dumps_dir(dir, sizeof(dir));
	snprintf(p, n, "%s/%s", dir, name);
	if (!access(p, R_OK))
		return true;
	printf("\n  skipped: no %s ", p);
	return false;
}
