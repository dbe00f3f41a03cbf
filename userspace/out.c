// SPDX-License-Identifier: GPL-2.0
/*
 * out.c - records described once, written as JSON or as text (see out.h).
 */
#include <inttypes.h>

#include "out.h"

void ng_out_begin(struct ng_out *o, FILE *f, bool json,
		  const struct ng_out_text *layout)
{
	memset(o, 0, sizeof(*o));
	o->f = f;
	o->json = json;
	o->layout = layout;
	if (json) {
		ng_json_init(&o->j, f, false);
		ng_json_obj_begin(&o->j);
	}
}

int ng_out_end(struct ng_out *o)
{
	if (o->json) {
		ng_json_obj_end(&o->j);
		return ng_json_finish(&o->j);
	}
	fputc('\n', o->f);
	if (fflush(o->f) || ferror(o->f))
		return -EIO;
	return 0;
}

/* The layout's entry for key: its own, or the last one. */
static const struct ng_out_text *text_of(const struct ng_out *o,
					 const char *key)
{
	const struct ng_out_text *t = o->layout;

	while (t->key && strcmp(t->key, key))
		t++;
	return t;
}

/*
 * Everything before a field's value: its key in JSON; in text, the words
 * before it, and its layout entry, or NULL when text does not show it.
 */
static const struct ng_out_text *field(struct ng_out *o, const char *key)
{
	const struct ng_out_text *t;

	if (o->json) {
		ng_json_key(&o->j, key);
		return NULL;
	}
	t = text_of(o, key);
	if (t->keyed)
		fprintf(o->f, " %s ", key);
	else if (t->before)
		fputs(t->before, o->f);
	else
		return NULL;
	return t;
}

void ng_out_u64(struct ng_out *o, const char *key, u64 v)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_u64(&o->j, v);
	else if (t && t->errno_form && (s64)v < 0 && (s64)v > -4096)
		fprintf(o->f, "%" PRId64, (s64)v);
	else if (t)
		fprintf(o->f, "%" PRIu64, v);
}

void ng_out_s64(struct ng_out *o, const char *key, s64 v)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_s64(&o->j, v);
	else if (t)
		fprintf(o->f, "%" PRId64, v);
}

void ng_out_hex(struct ng_out *o, const char *key, u64 v)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_hex(&o->j, v);
	else if (t)
		fprintf(o->f, "0x%" PRIx64, v);
}

void ng_out_bool(struct ng_out *o, const char *key, bool v)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_bool(&o->j, v);
	else if (t)
		fputs(v ? "yes" : "no", o->f);
}

void ng_out_double(struct ng_out *o, const char *key, double v)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_double(&o->j, v);
	else if (t)
		fprintf(o->f, "%.15g", v);
}

/* A string from the guest or the module: shown safely in text too. */
static void put_str(FILE *f, const char *s, bool raw)
{
	const unsigned char *p;

	if (!s) {
		fputc('-', f);
		return;
	}
	if (raw) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++)
		fputc(*p >= 0x20 && *p < 0x7f && *p != '"' ? *p : '?', f);
	fputc('"', f);
}

void ng_out_str(struct ng_out *o, const char *key, const char *s)
{
	const struct ng_out_text *t = field(o, key);

	if (o->json)
		ng_json_str(&o->j, s);
	else if (t)
		put_str(o->f, s, t->raw);
}

void ng_out_null(struct ng_out *o, const char *key)
{
	if (o->json)
		ng_json_kv_null(&o->j, key);
}

void ng_out_arr_begin(struct ng_out *o, const char *key)
{
	o->arr = field(o, key);
	o->arr_n = 0;
	if (o->json)
		ng_json_arr_begin(&o->j);
}

/* Text: the separator before an element; false when text does not show it. */
static bool arr_next(struct ng_out *o)
{
	if (!o->arr)
		return false;
	if (o->arr_n++ && o->arr->sep)
		fputs(o->arr->sep, o->f);
	return true;
}

void ng_out_arr_hex(struct ng_out *o, u64 v)
{
	if (o->json)
		ng_json_hex(&o->j, v);
	else if (arr_next(o))
		fprintf(o->f, "0x%" PRIx64, v);
}

void ng_out_arr_str(struct ng_out *o, const char *s)
{
	if (o->json)
		ng_json_str(&o->j, s);
	else if (arr_next(o))
		put_str(o->f, s, o->arr->raw);
}

void ng_out_arr_end(struct ng_out *o)
{
	if (o->json) {
		ng_json_arr_end(&o->j);
		return;
	}
	if (!o->arr)
		return;
	if (!o->arr_n && o->arr->empty)
		fputs(o->arr->empty, o->f);
	if (o->arr->after)
		fputs(o->arr->after, o->f);
	o->arr = NULL;
}
