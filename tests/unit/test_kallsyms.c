// SPDX-License-Identifier: GPL-2.0
/*
 * test_kallsyms.c - the /proc/kallsyms parser: valid files, every kind of
 * bad line (with its line number), empty and zeroed files, module lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "kallsyms.h"
#include "ut.h"

static char tmpdir[64];
static char path[256];

static void write_text(const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_FATAL(fwrite(text, 1, len, f) == len);
	fclose(f);
}

/* Load text; returns the result, leaves the message in err. */
static int load(const char *text, struct ng_kallsyms *ks, char *err,
		size_t errlen)
{
	write_text(text, strlen(text));
	err[0] = '\0';
	return ng_kallsyms_load(ks, path, err, errlen);
}

static void test_valid(void)
{
	static const char text[] =
		"ffffffff81000000 T _stext\n"
		"ffffffff81000010 t second_at_10\n"
		"ffffffff81000000 T startup_64\n"	/* same address */
		"ffffffffc0000000 t mod_func\t[virtio_net]\n"
		"0000000000000000 A fixed_percpu_data\n"
		"ffffffff81000010 W first_at_10_by_name\n"
		"ffffffff82000000 D jiffies\n"
		"ffffffffc0001000 T other\t[__builtin__ftrace]\n"
		"ffffffff81000000 t _text\n"		/* same address again */
		"ffffffff81000020 t $x.1\n"
		"ffffffff81000030 T no_newline_at_end";
	struct ng_kallsyms ks;
	char err[256];
	size_t i;

	CU_ASSERT_EQUAL_FATAL(load(text, &ks, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(ks.nsyms, 9);	/* two module lines skipped */
	CU_ASSERT_EQUAL(ks.syms[0].addr, 0);
	CU_ASSERT_STRING_EQUAL(ks.syms[0].name, "fixed_percpu_data");
	CU_ASSERT_EQUAL(ks.syms[0].type, 'A');
	/* ties keep the file's order */
	CU_ASSERT_STRING_EQUAL(ks.syms[1].name, "_stext");
	CU_ASSERT_STRING_EQUAL(ks.syms[2].name, "startup_64");
	CU_ASSERT_STRING_EQUAL(ks.syms[3].name, "_text");
	CU_ASSERT_EQUAL(ks.syms[3].type, 't');
	CU_ASSERT_STRING_EQUAL(ks.syms[4].name, "second_at_10");
	CU_ASSERT_STRING_EQUAL(ks.syms[5].name, "first_at_10_by_name");
	CU_ASSERT_EQUAL(ks.syms[5].type, 'W');
	CU_ASSERT_STRING_EQUAL(ks.syms[6].name, "$x.1");
	CU_ASSERT_STRING_EQUAL(ks.syms[7].name, "no_newline_at_end");
	CU_ASSERT_EQUAL(ks.syms[7].addr, 0xffffffff81000030ull);
	CU_ASSERT_STRING_EQUAL(ks.syms[8].name, "jiffies");
	for (i = 1; i < ks.nsyms; i++)
		CU_ASSERT(ks.syms[i - 1].addr <= ks.syms[i].addr);
	for (i = 0; i < ks.nsyms; i++)
		CU_ASSERT(strcmp(ks.syms[i].name, "mod_func") &&
			  strcmp(ks.syms[i].name, "other"));
	CU_ASSERT(ng_ksym_is_text(ks.syms[1].type));
	CU_ASSERT(!ng_ksym_is_text(ks.syms[8].type));
	ng_kallsyms_free(&ks);
	CU_ASSERT_PTR_NULL(ks.syms);
	CU_ASSERT_EQUAL(ks.nsyms, 0);
	ng_kallsyms_free(&ks);	/* idempotent */
}

static void test_stable_many_ties(void)
{
	/* 3000 symbols on 3 addresses: order within each must be kept */
	size_t n = 3000, i, cap = n * 48 + 1, pos = 0;
	char *text = malloc(cap);
	struct ng_kallsyms ks;
	char err[256];

	CU_ASSERT_FATAL(text != NULL);
	for (i = 0; i < n; i++)
		pos += snprintf(text + pos, cap - pos,
				"ffffffff8100%04zx t s%05zu\n", (i * 7) % 3, i);
	CU_ASSERT_EQUAL_FATAL(load(text, &ks, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(ks.nsyms, n);
	for (i = 1; i < n; i++) {
		const struct ng_ksym *a = &ks.syms[i - 1], *b = &ks.syms[i];

		CU_ASSERT(a->addr < b->addr ||
			  (a->addr == b->addr && strcmp(a->name, b->name) < 0));
	}
	ng_kallsyms_free(&ks);
	free(text);
}

static void test_bad_lines(void)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "zzzzzzzzzzzzzzzz T foo", "bad address" },
		{ " ffffffff81000000 T foo", "bad address" },
		{ "ffffffff81000000", "bad address" },
		{ "ffffffff81000000T foo", "bad address" },
		{ "1ffffffff81000000 T foo", "bad address" },
		{ "0x81000000 T foo", "bad address" },
		{ "ffffffff81000000  T foo", "bad type" },
		{ "ffffffff81000000 1 foo", "bad type" },
		{ "ffffffff81000000 TT foo", "bad type" },
		{ "ffffffff81000000 T", "missing name" },
		{ "ffffffff81000000 T ", "missing name" },
		{ "ffffffff81000000 T  foo", "missing name" },
		{ "ffffffff81000000 T foo bar", "bad name" },
		{ "ffffffff81000000 T foo\r", "bad name" },
		{ "ffffffff81000000 T foo\t", "bad module suffix" },
		{ "ffffffff81000000 T foo\t[mod", "bad module suffix" },
		{ "ffffffff81000000 T foo\t[]", "bad module suffix" },
		{ "ffffffff81000000 T foo\tmod]", "bad module suffix" },
		{ "ffffffff81000000 T foo\t[mo d]", "bad module suffix" },
		{ "ffffffff81000000 T foo\t[mod] x", "bad module suffix" },
		{ "", "empty line" },
	};
	static const char good[] = "ffffffff81000000 T a\n"
				   "ffffffff81000001 T b\n";
	struct ng_kallsyms ks;
	char text[1024], err[256], want[300];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "%s%s\nffffffff81000002 T c\n",
			 good, bad[i].line);
		snprintf(want, sizeof(want), "%s:3: %s", path, bad[i].why);
		CU_ASSERT_EQUAL(load(text, &ks, err, sizeof(err)), -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, want);
		if (strcmp(err, want))
			fprintf(stderr, "\n  line \"%s\": got \"%s\"\n",
				bad[i].line, err);
		CU_ASSERT_PTR_NULL(ks.syms);
	}

	/* a NUL byte inside a name */
	{
		static const char nul[] = "ffffffff81000000 T a\nffffffff81000000 T b\0c\n";

		write_text(nul, sizeof(nul) - 1);
		CU_ASSERT_EQUAL(ng_kallsyms_load(&ks, path, err, sizeof(err)),
				-EINVAL);
		snprintf(want, sizeof(want), "%s:2: bad name", path);
		CU_ASSERT_STRING_EQUAL(err, want);
	}
}

static void test_name_length(void)
{
	char name[600], text[700], err[256], want[300];
	struct ng_kallsyms ks;

	memset(name, 'x', 511);
	name[511] = '\0';
	snprintf(text, sizeof(text), "ffffffff81000000 T %s\n", name);
	CU_ASSERT_EQUAL_FATAL(load(text, &ks, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(ks.syms[0].name), 511);
	ng_kallsyms_free(&ks);

	memset(name, 'x', 512);
	name[512] = '\0';
	snprintf(text, sizeof(text), "ffffffff81000000 T %s\n", name);
	CU_ASSERT_EQUAL(load(text, &ks, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: name too long", path);
	CU_ASSERT_STRING_EQUAL(err, want);
}

static void test_empty_and_zero(void)
{
	struct ng_kallsyms ks;
	char err[256], want[300];

	CU_ASSERT(load("", &ks, err, sizeof(err)) < 0);
	snprintf(want, sizeof(want), "%s: no symbols", path);
	CU_ASSERT_STRING_EQUAL(err, want);

	/* only modules: nothing of the core kernel */
	CU_ASSERT(load("ffffffffc0000000 t f\t[m]\n", &ks, err,
		       sizeof(err)) < 0);
	CU_ASSERT_STRING_EQUAL(err, want);

	/* kptr_restrict prints zeros */
	CU_ASSERT_EQUAL(load("0000000000000000 T _stext\n"
			     "0000000000000000 t foo\n"
			     "0000000000000000 t bar\t[mod]\n",
			     &ks, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: addresses are all zero (kptr_restrict?)", path);
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_PTR_NULL(ks.syms);

	/* a blank line alone is a bad line, not an empty file */
	CU_ASSERT_EQUAL(load("\n", &ks, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: empty line", path);
	CU_ASSERT_STRING_EQUAL(err, want);
}

static void test_missing_file(void)
{
	struct ng_kallsyms ks;
	char err[256], p[300];

	snprintf(p, sizeof(p), "%s/does-not-exist", tmpdir);
	err[0] = '\0';
	CU_ASSERT_EQUAL(ng_kallsyms_load(&ks, p, err, sizeof(err)), -ENOENT);
	CU_ASSERT(strstr(err, "does-not-exist") != NULL);
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	CU_ASSERT(ng_kallsyms_load(&ks, tmpdir, err, sizeof(err)) < 0);
}

/* A real file from a reference boot, when the cache has one. */
static void test_real_file(void)
{
	char p[512], err[256];
	struct ng_kallsyms ks;
	size_t i, text = 0;

	if (!ut_cached_dump(p, sizeof(p), "6.1.0-50-amd64.kallsyms"))
		return;
	CU_ASSERT_EQUAL_FATAL(ng_kallsyms_load(&ks, p, err, sizeof(err)), 0);
	CU_ASSERT(ks.nsyms > 50000);
	for (i = 0; i < ks.nsyms; i++) {
		text += ng_ksym_is_text(ks.syms[i].type);
		if (i)
			CU_ASSERT(ks.syms[i - 1].addr <= ks.syms[i].addr);
	}
	CU_ASSERT(text > 30000);
	printf("\n  %s: %zu symbols, %zu text ", p, ks.nsyms, text);
	ng_kallsyms_free(&ks);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "valid file, modules skipped", test_valid },
		{ "stable order of ties", test_stable_many_ties },
		{ "bad lines with line numbers", test_bad_lines },
		{ "name length limit", test_name_length },
		{ "empty and zeroed files", test_empty_and_zero },
		{ "missing file", test_missing_file },
		{ "real kallsyms (cache)", test_real_file },
	};
	static const struct ut_suite suite = {
		.name = "kallsyms", UT_TESTS(tests),
	};
	int ret;

	if (ut_mkdtemp(tmpdir, sizeof(tmpdir), "ng_test_kallsyms"))
		return 1;
	snprintf(path, sizeof(path), "%s/kallsyms.txt", tmpdir);
	ret = ut_run(&suite);
	ut_rmdir(tmpdir);
	return ret;
}
