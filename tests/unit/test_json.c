// SPDX-License-Identifier: GPL-2.0
/*
 * test_json.c - the streaming JSON writer: exact output in compact and
 * pretty mode, escaping, invalid UTF-8, numbers, and misuse detection.
 */
#include <CUnit/Basic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "ut.h"

static struct ng_json j;
static FILE *mf;
static char *out;
static size_t outlen;

static void start(bool pretty)
{
	mf = open_memstream(&out, &outlen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mf);
	ng_json_init(&j, mf, pretty);
}

/* Finish the writer, expecting status want_err and exactly want out. */
static void expect_status(int want_err, const char *want)
{
	CU_ASSERT_EQUAL(ng_json_finish(&j), want_err);
	fclose(mf);
	if (want)
		CU_ASSERT_STRING_EQUAL(out, want);
	if (want && strcmp(out, want))
		fprintf(stderr, "\n  got:  [%s]\n  want: [%s]\n", out, want);
	free(out);
	out = NULL;
}

static void expect(const char *want)
{
	expect_status(0, want);
}

/* One string value of n bytes, as a whole top-level document. */
static void expect_str(const char *in, size_t n, const char *want)
{
	start(false);
	ng_json_strn(&j, in, n);
	expect(want);
}

#define STR(lit, want)	expect_str(lit, sizeof(lit) - 1, want)

static void write_sample(void)
{
	ng_json_obj_begin(&j);
	ng_json_kv_str(&j, "name", "schedule");
	ng_json_kv_hex(&j, "address", 0xffffffff81000000ULL);
	ng_json_kv_u64(&j, "size", 42);
	ng_json_key(&j, "evidence");
	ng_json_arr_begin(&j);
	ng_json_str(&j, "hash");
	ng_json_str(&j, "callgraph");
	ng_json_arr_end(&j);
	ng_json_key(&j, "empty_obj");
	ng_json_obj_begin(&j);
	ng_json_obj_end(&j);
	ng_json_key(&j, "empty_arr");
	ng_json_arr_begin(&j);
	ng_json_arr_end(&j);
	ng_json_key(&j, "nested");
	ng_json_obj_begin(&j);
	ng_json_kv_bool(&j, "ok", true);
	ng_json_kv_null(&j, "none");
	ng_json_obj_end(&j);
	ng_json_obj_end(&j);
}

static void test_compact(void)
{
	start(false);
	write_sample();
	expect("{\"name\":\"schedule\",\"address\":\"0xffffffff81000000\","
	       "\"size\":42,\"evidence\":[\"hash\",\"callgraph\"],"
	       "\"empty_obj\":{},\"empty_arr\":[],"
	       "\"nested\":{\"ok\":true,\"none\":null}}\n");
}

static void test_pretty(void)
{
	start(true);
	write_sample();
	expect("{\n"
	       "  \"name\": \"schedule\",\n"
	       "  \"address\": \"0xffffffff81000000\",\n"
	       "  \"size\": 42,\n"
	       "  \"evidence\": [\n"
	       "    \"hash\",\n"
	       "    \"callgraph\"\n"
	       "  ],\n"
	       "  \"empty_obj\": {},\n"
	       "  \"empty_arr\": [],\n"
	       "  \"nested\": {\n"
	       "    \"ok\": true,\n"
	       "    \"none\": null\n"
	       "  }\n"
	       "}\n");
}

static void test_nested_arrays(void)
{
	start(false);
	ng_json_arr_begin(&j);
	ng_json_arr_begin(&j);
	ng_json_u64(&j, 1);
	ng_json_arr_end(&j);
	ng_json_arr_begin(&j);
	ng_json_arr_end(&j);
	ng_json_obj_begin(&j);
	ng_json_obj_end(&j);
	ng_json_bool(&j, false);
	ng_json_arr_end(&j);
	expect("[[1],[],{},false]\n");

	start(true);
	ng_json_arr_begin(&j);
	ng_json_arr_begin(&j);
	ng_json_u64(&j, 1);
	ng_json_arr_end(&j);
	ng_json_obj_begin(&j);
	ng_json_obj_end(&j);
	ng_json_arr_end(&j);
	expect("[\n  [\n    1\n  ],\n  {}\n]\n");
}

/* Several top-level values: one per line (JSON lines). */
static void test_json_lines(void)
{
	start(false);
	ng_json_obj_begin(&j);
	ng_json_kv_u64(&j, "pid", 1);
	ng_json_obj_end(&j);
	ng_json_obj_begin(&j);
	ng_json_kv_u64(&j, "pid", 2);
	ng_json_obj_end(&j);
	ng_json_u64(&j, 7);
	expect("{\"pid\":1}\n{\"pid\":2}\n7\n");
}

static void test_numbers(void)
{
	start(false);
	ng_json_arr_begin(&j);
	ng_json_u64(&j, 0);
	ng_json_u64(&j, UINT64_MAX);
	ng_json_s64(&j, -1);
	ng_json_s64(&j, INT64_MIN);
	ng_json_s64(&j, INT64_MAX);
	ng_json_hex(&j, 0);
	ng_json_hex(&j, 0x10);
	ng_json_hex(&j, UINT64_MAX);
	ng_json_arr_end(&j);
	expect("[0,18446744073709551615,-1,-9223372036854775808,"
	       "9223372036854775807,\"0x0\",\"0x10\",\"0xffffffffffffffff\"]\n");
}

static void test_doubles(void)
{
	start(false);
	ng_json_arr_begin(&j);
	ng_json_double(&j, 0.5);
	ng_json_double(&j, 0.95);
	ng_json_double(&j, 1.0);
	ng_json_double(&j, -2.25);
	ng_json_double(&j, 1e300);
	ng_json_double(&j, 0.1 + 0.2);	/* needs 17 digits to read back */
	ng_json_double(&j, INFINITY);
	ng_json_double(&j, -INFINITY);
	ng_json_double(&j, NAN);
	ng_json_arr_end(&j);
	expect("[0.5,0.95,1,-2.25,1e+300,0.30000000000000004,null,null,"
	       "null]\n");
}

static void test_kv_helpers(void)
{
	start(false);
	ng_json_obj_begin(&j);
	ng_json_kv_s64(&j, "s", -5);
	ng_json_kv_double(&j, "d", 0.25);
	ng_json_kv_bool(&j, "b", false);
	ng_json_kv_str(&j, "n", NULL);
	ng_json_obj_end(&j);
	expect("{\"s\":-5,\"d\":0.25,\"b\":false,\"n\":null}\n");
}

static void test_escape_ascii(void)
{
	STR("plain text 123", "\"plain text 123\"\n");
	STR("", "\"\"\n");
	STR("a\"b\\c/d", "\"a\\\"b\\\\c/d\"\n");
	STR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"\n");
	STR("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"\n");
	STR("a\0b", "\"a\\u0000b\"\n");
	/* keys are escaped the same way */
	start(false);
	ng_json_obj_begin(&j);
	ng_json_kv_u64(&j, "k\"\n", 1);
	ng_json_obj_end(&j);
	expect("{\"k\\\"\\n\":1}\n");
}

static void test_utf8_valid(void)
{
	/* 2, 3 and 4 byte forms and the ends of each range pass through */
	STR("caf\xc3\xa9", "\"caf\xc3\xa9\"\n");
	STR("\xc2\x80\xdf\xbf", "\"\xc2\x80\xdf\xbf\"\n");
	STR("\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf",
	    "\"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"\n");
	STR("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
	    "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"\n");
	/* line and paragraph separators are escaped for JavaScript */
	STR("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"\n");
	STR("\xe2\x80\xa7", "\"\xe2\x80\xa7\"\n");
}

static void test_utf8_invalid(void)
{
	/* lone continuation bytes, one U+FFFD each */
	STR("a\x80" "b", "\"a\\ufffdb\"\n");
	STR("\x80\xbf", "\"\\ufffd\\ufffd\"\n");
	/* bytes that never start a sequence */
	STR("\xc0\xaf", "\"\\ufffd\\ufffd\"\n");	/* overlong '/' */
	STR("\xc1\xbf", "\"\\ufffd\\ufffd\"\n");
	STR("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n");
	STR("\xff", "\"\\ufffd\"\n");
	/* overlong 3 and 4 byte forms */
	STR("\xe0\x80\x80", "\"\\ufffd\\ufffd\\ufffd\"\n");
	STR("\xf0\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n");
	/* surrogates and code points above U+10FFFF */
	STR("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"\n");
	STR("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"\n");
	/* truncated sequences: the maximal subpart is one U+FFFD */
	STR("\xe2\x82", "\"\\ufffd\"\n");
	STR("\xe2\x82x", "\"\\ufffdx\"\n");
	STR("\xf0\x9f\x98", "\"\\ufffd\"\n");
	STR("\xf0\x9f\x98\"", "\"\\ufffd\\\"\"\n");
	STR("\xc3", "\"\\ufffd\"\n");
	STR("\xc3\xc3\xa9", "\"\\ufffd\xc3\xa9\"\n");
	/* a NUL-terminated string stops at its end */
	start(false);
	ng_json_str(&j, "x\xe2");
	expect("\"x\\ufffd\"\n");
}

static void test_misuse(void)
{
	/* a key outside an object */
	start(false);
	ng_json_key(&j, "k");
	expect_status(-EINVAL, "");

	/* a value in an object without its key */
	start(false);
	ng_json_obj_begin(&j);
	ng_json_u64(&j, 1);
	expect_status(-EINVAL, NULL);

	/* a key in an array */
	start(false);
	ng_json_arr_begin(&j);
	ng_json_key(&j, "k");
	expect_status(-EINVAL, NULL);

	/* two keys in a row, and a key left without value */
	start(false);
	ng_json_obj_begin(&j);
	ng_json_key(&j, "a");
	ng_json_key(&j, "b");
	expect_status(-EINVAL, NULL);
	start(false);
	ng_json_obj_begin(&j);
	ng_json_key(&j, "a");
	ng_json_obj_end(&j);
	expect_status(-EINVAL, NULL);

	/* mismatched and extra closes */
	start(false);
	ng_json_obj_begin(&j);
	ng_json_arr_end(&j);
	expect_status(-EINVAL, NULL);
	start(false);
	ng_json_arr_end(&j);
	expect_status(-EINVAL, "");

	/* unbalanced at the end */
	start(false);
	ng_json_arr_begin(&j);
	expect_status(-EINVAL, "[");

	/* after misuse nothing more is written */
	start(false);
	ng_json_arr_begin(&j);
	ng_json_u64(&j, 1);
	ng_json_key(&j, "k");
	ng_json_u64(&j, 2);
	ng_json_arr_end(&j);
	expect_status(-EINVAL, "[1");
}

static void test_depth_limit(void)
{
	int i;

	start(false);
	for (i = 0; i < NG_JSON_MAX_DEPTH; i++)
		ng_json_arr_begin(&j);
	for (i = 0; i < NG_JSON_MAX_DEPTH; i++)
		ng_json_arr_end(&j);
	CU_ASSERT_EQUAL(ng_json_finish(&j), 0);
	fclose(mf);
	CU_ASSERT_EQUAL(outlen, 2 * NG_JSON_MAX_DEPTH + 1);
	free(out);

	start(false);
	for (i = 0; i <= NG_JSON_MAX_DEPTH; i++)
		ng_json_arr_begin(&j);
	expect_status(-EINVAL, NULL);
}

static void test_stream_error(void)
{
	FILE *f = fopen("/dev/full", "w");

	if (!f) {
		fprintf(stderr, "(no /dev/full: skipped) ");
		return;
	}
	ng_json_init(&j, f, false);
	ng_json_obj_begin(&j);
	ng_json_kv_str(&j, "k", "v");
	ng_json_obj_end(&j);
	CU_ASSERT_EQUAL(ng_json_finish(&j), -EIO);
	fclose(f);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "compact", test_compact },
		{ "pretty", test_pretty },
		{ "nested arrays", test_nested_arrays },
		{ "json lines", test_json_lines },
		{ "integers and hex", test_numbers },
		{ "doubles", test_doubles },
		{ "key-value helpers", test_kv_helpers },
		{ "escape ascii", test_escape_ascii },
		{ "valid utf-8", test_utf8_valid },
		{ "invalid utf-8", test_utf8_invalid },
		{ "misuse", test_misuse },
		{ "depth limit", test_depth_limit },
		{ "stream error", test_stream_error },
	};
	static const struct ut_suite suite = {
		.name = "json", .verbose = true, UT_TESTS(tests),
	};

	return ut_run(&suite);
}
