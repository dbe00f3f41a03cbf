// SPDX-License-Identifier: GPL-2.0
/*
 * json.c - a small streaming JSON writer (see json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "json.h"

void ng_json_init(struct ng_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

static void misuse(struct ng_json *j)
{
	if (!j->err)
		j->err = -EINVAL;
}

static void indent(struct ng_json *j, int depth)
{
	int i;

	putc('\n', j->f);
	for (i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/*
 * Everything before a value: its comma and indentation in an array, the
 * check that its key came first in an object. False on misuse.
 */
static bool before_value(struct ng_json *j)
{
	if (j->err)
		return false;
	if (!j->depth)
		return true;
	if (j->stack[j->depth - 1].is_obj) {
		if (!j->want_value) {
			misuse(j);
			return false;
		}
		j->want_value = false;
		return true;
	}
	if (j->stack[j->depth - 1].count++)
		putc(',', j->f);
	if (j->pretty)
		indent(j, j->depth);
	return true;
}

/* After a value: a finished top-level value ends its line. */
static void after_value(struct ng_json *j)
{
	if (!j->depth)
		putc('\n', j->f);
}

static void open_container(struct ng_json *j, bool is_obj)
{
	if (!before_value(j))
		return;
	if (j->depth == NG_JSON_MAX_DEPTH) {
		misuse(j);
		return;
	}
	j->stack[j->depth].is_obj = is_obj;
	j->stack[j->depth].count = 0;
	j->depth++;
	putc(is_obj ? '{' : '[', j->f);
}

static void close_container(struct ng_json *j, bool is_obj)
{
	if (j->err)
		return;
	if (!j->depth || j->stack[j->depth - 1].is_obj != is_obj ||
	    j->want_value) {
		misuse(j);
		return;
	}
	j->depth--;
	if (j->pretty && j->stack[j->depth].count)
		indent(j, j->depth);
	putc(is_obj ? '}' : ']', j->f);
	after_value(j);
}

void ng_json_obj_begin(struct ng_json *j)
{
	open_container(j, true);
}

void ng_json_obj_end(struct ng_json *j)
{
	close_container(j, true);
}

void ng_json_arr_begin(struct ng_json *j)
{
	open_container(j, false);
}

void ng_json_arr_end(struct ng_json *j)
{
	close_container(j, false);
}

/*
 * Length of the well-formed UTF-8 sequence at s (at most len bytes), or,
 * negated, the length of its maximal invalid subpart (at least 1), which
 * becomes one U+FFFD. Ranges from the Unicode standard, table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF.
 */
static int utf8_seq(const u8 *s, size_t len)
{
	u8 lo = 0x80, hi = 0xbf;
	int need, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return -1;
	if (s[0] < 0xe0) {
		need = 2;
	} else if (s[0] < 0xf0) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	}
	for (i = 1; i < need; i++) {
		if ((size_t)i >= len || s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return need;
}

static void put_escaped(struct ng_json *j, const char *str, size_t len)
{
	const u8 *s = (const u8 *)str, *run = s, *end = s + len;
	FILE *f = j->f;

	putc('"', f);
	while (s < end) {
		const char *esc = NULL;
		char ubuf[8];
		int n;

		if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') {
			s++;
			continue;
		}
		n = utf8_seq(s, end - s);
		if (n > 1 && !(s[0] == 0xe2 && s[1] == 0x80 &&
			       (s[2] == 0xa8 || s[2] == 0xa9))) {
			s += n;		/* well-formed, printed as is */
			continue;
		}
		fwrite(run, 1, s - run, f);
		switch (*s) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (n < 0) {
				esc = "\\ufffd";
			} else if (n == 3) {	/* U+2028, U+2029 */
				esc = s[2] == 0xa8 ? "\\u2028" : "\\u2029";
			} else {		/* other controls, DEL */
				snprintf(ubuf, sizeof(ubuf), "\\u%04x", *s);
				esc = ubuf;
			}
			break;
		}
		fputs(esc, f);
		s += n < 0 ? -n : n;
		run = s;
	}
	fwrite(run, 1, s - run, f);
	putc('"', f);
}

void ng_json_key(struct ng_json *j, const char *key)
{
	if (j->err)
		return;
	if (!j->depth || !j->stack[j->depth - 1].is_obj || j->want_value ||
	    !key) {
		misuse(j);
		return;
	}
	if (j->stack[j->depth - 1].count++)
		putc(',', j->f);
	if (j->pretty)
		indent(j, j->depth);
	put_escaped(j, key, strlen(key));
	fputs(j->pretty ? ": " : ":", j->f);
	j->want_value = true;
}

void ng_json_strn(struct ng_json *j, const char *s, size_t len)
{
	if (!before_value(j))
		return;
	put_escaped(j, s, len);
	after_value(j);
}

void ng_json_str(struct ng_json *j, const char *s)
{
	if (!s)
		ng_json_null(j);
	else
		ng_json_strn(j, s, strlen(s));
}

/* A value that is a single preformatted token. */
static void put_token(struct ng_json *j, const char *tok)
{
	if (!before_value(j))
		return;
	fputs(tok, j->f);
	after_value(j);
}

void ng_json_u64(struct ng_json *j, u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	put_token(j, buf);
}

void ng_json_s64(struct ng_json *j, s64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	put_token(j, buf);
}

void ng_json_hex(struct ng_json *j, u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "\"0x%" PRIx64 "\"", v);
	put_token(j, buf);
}

/* The shortest of %.15g and %.17g that reads back as the same double. */
void ng_json_double(struct ng_json *j, double v)
{
	char buf[32];

	if (!isfinite(v)) {
		put_token(j, "null");
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	put_token(j, buf);
}

void ng_json_bool(struct ng_json *j, bool v)
{
	put_token(j, v ? "true" : "false");
}

void ng_json_null(struct ng_json *j)
{
	put_token(j, "null");
}

void ng_json_kv_str(struct ng_json *j, const char *key, const char *s)
{
	ng_json_key(j, key);
	ng_json_str(j, s);
}

void ng_json_kv_u64(struct ng_json *j, const char *key, u64 v)
{
	ng_json_key(j, key);
	ng_json_u64(j, v);
}

void ng_json_kv_s64(struct ng_json *j, const char *key, s64 v)
{
	ng_json_key(j, key);
	ng_json_s64(j, v);
}

void ng_json_kv_double(struct ng_json *j, const char *key, double v)
{
	ng_json_key(j, key);
	ng_json_double(j, v);
}

void ng_json_kv_bool(struct ng_json *j, const char *key, bool v)
{
	ng_json_key(j, key);
	ng_json_bool(j, v);
}

void ng_json_kv_null(struct ng_json *j, const char *key)
{
	ng_json_key(j, key);
	ng_json_null(j);
}

void ng_json_kv_hex(struct ng_json *j, const char *key, u64 v)
{
	ng_json_key(j, key);
	ng_json_hex(j, v);
}

int ng_json_finish(struct ng_json *j)
{
	if (fflush(j->f) || ferror(j->f))
		return -EIO;
	if (j->err)
		return j->err;
	if (j->depth || j->want_value)
		return -EINVAL;
	return 0;
}
