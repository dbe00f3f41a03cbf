// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms.c - parse a /proc/kallsyms text.
 *
 * Each line is exactly
 *
 *	<hex address> <type> <name>[\t[<module>]]
 *
 * with one space between the fields, a type letter, and a name of 1 to 511
 * printable non-blank characters. Lines of modules are checked and skipped.
 * Anything else is an error with its line number: this file is the truth
 * for scoring, so a damaged one must not pass quietly.
 *
 * The names are cut in place in the file buffer, which becomes
 * ks->strings.
 */
#include <stdio.h>
#include "kallsyms.h"
#include "fileio.h"

#define KSYM_NAME_MAX	511
#define KALLSYMS_MAX	(1ull << 30)	/* a sanity bound on the file */

static bool is_name_char(char c)
{
	return c > ' ' && c < 0x7f;
}

static bool is_type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Parse one line [p, end) (without its newline). On success fills *sym
 * (name NUL-terminated in place) and *module, returns NULL; else returns
 * the reason.
 */
static const char *parse_line(char *p, char *end, struct ng_ksym *sym,
			      bool *module)
{
	char *name;
	u64 addr = 0;
	int ndig = 0, v;

	if (p == end)
		return "empty line";
	while (p < end && (v = ng_hexval(*p)) >= 0) {
		if (++ndig > 16)
			return "bad address";
		addr = addr << 4 | (u64)v;
		p++;
	}
	if (!ndig || p == end || *p != ' ')
		return "bad address";
	p++;
	if (p == end || !is_type_char(*p))
		return "bad type";
	sym->type = *p++;
	if (p == end || *p != ' ')
		return p == end ? "missing name" : "bad type";
	p++;
	name = p;
	while (p < end && is_name_char(*p))
		p++;
	if (p == name)
		return "missing name";
	if (p - name > KSYM_NAME_MAX)
		return "name too long";
	*module = false;
	if (p < end) {
		char *mod;

		if (*p != '\t')
			return "bad name";
		*p++ = '\0';
		if (p == end || *p != '[' || end[-1] != ']' || end - p < 3)
			return "bad module suffix";
		for (mod = p + 1; mod < end - 1; mod++)
			if (!is_name_char(*mod) || *mod == '[' || *mod == ']')
				return "bad module suffix";
		*module = true;
	} else {
		*p = '\0';	/* the newline, or the buffer's final NUL */
	}
	sym->addr = addr;
	sym->name = name;
	return NULL;
}

/*
 * Stable order by address: names lie in the buffer in file order, so the
 * name pointer is the original position.
 */
static int cmp_ksym(const void *a, const void *b)
{
	const struct ng_ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->name != y->name)
		return x->name < y->name ? -1 : 1;
	return 0;
}

int ng_kallsyms_load(struct ng_kallsyms *ks, const char *path, char *err,
		     size_t errlen)
{
	size_t len, nlines = 1, i, lineno = 0;
	bool nonzero = false;
	char *buf, *p, *end;
	u8 *raw;
	int ret;

	memset(ks, 0, sizeof(*ks));
	ret = ng_read_file(path, &raw, &len, KALLSYMS_MAX, err, errlen);
	if (ret)
		return ret;
	buf = (char *)raw;
	end = buf + len;
	for (i = 0; i < len; i++)
		nlines += buf[i] == '\n';
	ks->syms = malloc(nlines * sizeof(*ks->syms));
	if (!ks->syms) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	ks->strings = buf;

	for (p = buf; p < end; ) {
		char *eol = memchr(p, '\n', end - p);
		struct ng_ksym sym;
		const char *why;
		bool module;

		if (!eol)
			eol = end;
		lineno++;
		why = parse_line(p, eol, &sym, &module);
		if (why) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
			ret = -EINVAL;
			goto fail;
		}
		if (sym.addr)
			nonzero = true;
		if (!module)
			ks->syms[ks->nsyms++] = sym;
		p = eol + 1;
	}
	if (!ks->nsyms) {
		snprintf(err, errlen, "%s: no symbols", path);
		ret = -ENODATA;
		goto fail;
	}
	if (!nonzero) {
		snprintf(err, errlen,
			 "%s: addresses are all zero (kptr_restrict?)", path);
		ret = -EINVAL;
		goto fail;
	}
	qsort(ks->syms, ks->nsyms, sizeof(*ks->syms), cmp_ksym);
	return 0;
fail:
	ng_kallsyms_free(ks);
	return ret;
}

void ng_kallsyms_free(struct ng_kallsyms *ks)
{
	free(ks->syms);
	free(ks->strings);
	memset(ks, 0, sizeof(*ks));
}
