/* SPDX-License-Identifier: GPL-2.0 */
/*
 * json.h - a small streaming JSON writer to a FILE *.
 *
 * Commas, colons and (in pretty mode) indentation are automatic: open an
 * object or array, write keys and values, close it. Each complete top-level
 * value is followed by a newline, so a compact writer that writes several
 * top-level values produces JSON lines (one object per line).
 *
 *	struct ng_json j;
 *
 *	ng_json_init(&j, stdout, false);
 *	ng_json_obj_begin(&j);
 *	ng_json_kv_hex(&j, "address", 0xffffffff81000000);
 *	ng_json_key(&j, "names");
 *	ng_json_arr_begin(&j);
 *	ng_json_str(&j, "schedule");
 *	ng_json_arr_end(&j);
 *	ng_json_obj_end(&j);
 *	if (ng_json_finish(&j)) ...
 *
 * prints {"address":"0xffffffff81000000","names":["schedule"]}.
 *
 * Strings are escaped fully: quote, backslash, every control character,
 * DEL, U+2028 and U+2029; bytes that are not valid UTF-8 become U+FFFD
 * (one per maximal invalid subsequence), so any byte string from an
 * untrusted source still gives valid JSON. Doubles that are not finite are
 * written as null.
 *
 * Misuse (a key outside an object, a value without its key, a close that
 * does not match, nesting deeper than NG_JSON_MAX_DEPTH) writes nothing more
 * and is reported by ng_json_finish(), as are errors of the stream.
 */
#ifndef NG_JSON_H
#define NG_JSON_H

#include <stdio.h>

#include "ng_env.h"

#define NG_JSON_MAX_DEPTH	32

struct ng_json {
	FILE *f;
	bool pretty;
	bool want_value;	/* a key was written, its value comes next */
	int depth;
	int err;		/* first error: -EINVAL misuse, -EIO stream */
	struct {
		bool is_obj;
		u32 count;	/* members or elements written */
	} stack[NG_JSON_MAX_DEPTH];
};

/* pretty: two-space indentation, one member per line, ": " after keys. */
void ng_json_init(struct ng_json *j, FILE *f, bool pretty);

void ng_json_obj_begin(struct ng_json *j);
void ng_json_obj_end(struct ng_json *j);
void ng_json_arr_begin(struct ng_json *j);
void ng_json_arr_end(struct ng_json *j);

/* A member's key, inside an object; its value is the next thing written. */
void ng_json_key(struct ng_json *j, const char *key);

void ng_json_str(struct ng_json *j, const char *s);		/* NULL: null */
void ng_json_strn(struct ng_json *j, const char *s, size_t len);
void ng_json_u64(struct ng_json *j, u64 v);
void ng_json_s64(struct ng_json *j, s64 v);
void ng_json_double(struct ng_json *j, double v);
void ng_json_bool(struct ng_json *j, bool v);
void ng_json_null(struct ng_json *j);
/* An address or mask as a string: "0xffffffff81000000" (no padding). */
void ng_json_hex(struct ng_json *j, u64 v);

/* key + value in one call */
void ng_json_kv_str(struct ng_json *j, const char *key, const char *s);
void ng_json_kv_u64(struct ng_json *j, const char *key, u64 v);
void ng_json_kv_s64(struct ng_json *j, const char *key, s64 v);
void ng_json_kv_double(struct ng_json *j, const char *key, double v);
void ng_json_kv_bool(struct ng_json *j, const char *key, bool v);
void ng_json_kv_null(struct ng_json *j, const char *key);
void ng_json_kv_hex(struct ng_json *j, const char *key, u64 v);

/*
 * 0 when everything written so far is well-formed and reached the stream;
 * -EINVAL after misuse or while a value is still open; -EIO when the
 * stream failed (fflush or ferror). Flushes the stream.
 */
int ng_json_finish(struct ng_json *j);

#endif /* NG_JSON_H */
