/* SPDX-License-Identifier: GPL-2.0 */
/*
 * out.h - one record (an event of `monitor`, a call seen by `watch`, the
 * result of `call`) described once, field by field, and written either as
 * a JSON object on one line or as a line of text.
 *
 * Each field is written with its JSON key. A layout, a table given to
 * ng_out_begin(), says how text shows the fields: the text before each
 * value, or nothing (the field is JSON only), and how arrays are joined;
 * its last entry (key NULL) stands for every field it does not name.
 *
 *	static const struct ng_out_text layout[] = {
 *		{ .key = "func", .before = "", .raw = true },
 *		{ .key = "args", .before = "(", .sep = ", ", .after = ")" },
 *		{ .key = "vcpu", .before = " on vcpu " },
 *		{ .key = NULL },			// the others: JSON only
 *	};
 *	struct ng_out o;
 *
 *	ng_out_begin(&o, stdout, json, layout);
 *	ng_out_u64(&o, "seq", 12);
 *	ng_out_str(&o, "func", "msleep");
 *	ng_out_arr_begin(&o, "args");
 *	ng_out_arr_hex(&o, 20);
 *	ng_out_arr_end(&o);
 *	ng_out_u64(&o, "vcpu", 1);
 *	if (ng_out_end(&o)) ...
 *
 * prints {"seq":12,"func":"msleep","args":["0x14"],"vcpu":1}
 * or msleep(0x14) on vcpu 1.
 *
 * In text, numbers are decimal, hex values 0x..., booleans yes/no, strings
 * quoted with every byte that is not printable ASCII (and '"') shown as
 * '?', NULL strings as -, nulls not at all. What fields cannot say (a
 * nested JSON object) is written through o->j when o->json, else on o->f.
 */
#ifndef NG_OUT_H
#define NG_OUT_H

#include <stdio.h>

#include "json.h"

/* How text shows a field; or, key NULL, every field not named before. */
struct ng_out_text {
	const char *key;
	const char *before;	/* text before the value; NULL: JSON only */
	bool keyed;		/* before is " KEY " */
	bool raw;		/* strings as they are (our own, not quoted) */
	bool errno_form;	/* a u64 in -4095..-1 shown negative */
	const char *sep;	/* arrays: between elements */
	const char *after;	/* arrays: after the last one */
	const char *empty;	/* arrays: when there is none */
};

struct ng_out {
	FILE *f;
	bool json;
	struct ng_json j;
	const struct ng_out_text *layout;
	const struct ng_out_text *arr;	/* the text array open, or NULL */
	unsigned int arr_n;		/* its elements so far */
};

/* Begin a record on f: a JSON object (json) or a line of text. */
void ng_out_begin(struct ng_out *o, FILE *f, bool json,
		  const struct ng_out_text *layout);
/*
 * End it (the newline) and flush f: 0, or -EIO when f failed (-EINVAL
 * after a misuse of the JSON writer).
 */
int ng_out_end(struct ng_out *o);

void ng_out_u64(struct ng_out *o, const char *key, u64 v);
void ng_out_s64(struct ng_out *o, const char *key, s64 v);
void ng_out_hex(struct ng_out *o, const char *key, u64 v);
void ng_out_bool(struct ng_out *o, const char *key, bool v);
void ng_out_double(struct ng_out *o, const char *key, double v);
void ng_out_str(struct ng_out *o, const char *key, const char *s);
/* A JSON null; nothing in text. */
void ng_out_null(struct ng_out *o, const char *key);

/* An array: its elements, then its end. */
void ng_out_arr_begin(struct ng_out *o, const char *key);
void ng_out_arr_hex(struct ng_out *o, u64 v);
void ng_out_arr_str(struct ng_out *o, const char *s);
void ng_out_arr_end(struct ng_out *o);

#endif /* NG_OUT_H */
