// SPDX-License-Identifier: GPL-2.0
/*
 * labjson - the small JSON reader the lab's shell scripts use in L1, where
 * there is no python or jq. Built statically on the host by build.sh.
 *
 *   labjson check          stdin is exactly one valid JSON value
 *   labjson lines          every non-empty line of stdin is a JSON value
 *                          (JSON lines); prints the number of lines
 *   labjson get KEY        prints the top-level member KEY: a scalar as
 *                          text (strings unquoted), an array as its length
 *   labjson rows KEY F...  KEY is a top-level array of objects: prints one
 *                          line per element with the scalar members F...
 *                          separated by tabs ("-" where one is missing)
 *
 * Exit status: 0 ok, 1 invalid JSON or KEY absent, 2 usage. Errors are one
 * line on stderr with the byte offset.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH	64
#define MAX_FIELDS	16
#define VAL_MAX		4096

struct parser {
	const char *s, *start, *end;
	const char *err;
};

static int fail(struct parser *p, const char *msg)
{
	if (!p->err)
		p->err = msg;
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' ||
				 *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A string; its text (escapes decoded, non-ASCII \u as '?') into out. */
static int parse_string(struct parser *p, char *out, size_t cap)
{
	size_t n = 0;

	if (p->s >= p->end || *p->s != '"')
		return fail(p, "expected a string");
	p->s++;
	while (p->s < p->end && *p->s != '"') {
		char c = *p->s++;

		if ((unsigned char)c < 0x20)
			return fail(p, "control character in a string");
		if (c == '\\') {
			if (p->s >= p->end)
				break;
			c = *p->s++;
			switch (c) {
			case '"': case '\\': case '/':
				break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				int i, v = 0;

				if (p->end - p->s < 4)
					return fail(p, "short \\u escape");
				for (i = 0; i < 4; i++) {
					int h = hexval(*p->s++);

					if (h < 0)
						return fail(p, "bad \\u escape");
					v = v * 16 + h;
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				return fail(p, "bad escape in a string");
			}
		}
		if (out && n + 1 < cap)
			out[n++] = c;
	}
	if (p->s >= p->end)
		return fail(p, "unterminated string");
	p->s++;
	if (out)
		out[n] = '\0';
	return 0;
}

static int parse_number(struct parser *p, char *out, size_t cap)
{
	const char *b = p->s;
	size_t len;

	if (p->s < p->end && *p->s == '-')
		p->s++;
	if (p->s >= p->end || *p->s < '0' || *p->s > '9')
		return fail(p, "bad number");
	while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
		p->s++;
	if (p->s < p->end && *p->s == '.') {
		p->s++;
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return fail(p, "bad number");
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	if (p->s < p->end && (*p->s == 'e' || *p->s == 'E')) {
		p->s++;
		if (p->s < p->end && (*p->s == '+' || *p->s == '-'))
			p->s++;
		if (p->s >= p->end || *p->s < '0' || *p->s > '9')
			return fail(p, "bad number");
		while (p->s < p->end && *p->s >= '0' && *p->s <= '9')
			p->s++;
	}
	if (out) {
		len = (size_t)(p->s - b);
		if (len >= cap)
			len = cap - 1;
		memcpy(out, b, len);
		out[len] = '\0';
	}
	return 0;
}

static int parse_value(struct parser *p, char *out, size_t cap, long *count,
		       int depth);

/* A value; a scalar's text into out, an array's length into count. */
static int parse_compound(struct parser *p, bool is_obj, long *count,
			  int depth)
{
	char close = is_obj ? '}' : ']';
	long n = 0;

	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == close) {
		p->s++;
		goto out;
	}
	for (;;) {
		skip_ws(p);
		if (is_obj) {
			if (parse_string(p, NULL, 0))
				return -1;
			skip_ws(p);
			if (p->s >= p->end || *p->s != ':')
				return fail(p, "expected ':'");
			p->s++;
			skip_ws(p);
		}
		if (parse_value(p, NULL, 0, NULL, depth + 1))
			return -1;
		n++;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == close) {
			p->s++;
			break;
		}
		return fail(p, is_obj ? "expected ',' or '}'" :
				       "expected ',' or ']'");
	}
out:
	if (count)
		*count = n;
	return 0;
}

static int parse_literal(struct parser *p, const char *lit, char *out,
			 size_t cap)
{
	size_t len = strlen(lit);

	if ((size_t)(p->end - p->s) < len || memcmp(p->s, lit, len))
		return fail(p, "unexpected character");
	p->s += len;
	if (out)
		snprintf(out, cap, "%s", lit);
	return 0;
}

static int parse_value(struct parser *p, char *out, size_t cap, long *count,
		       int depth)
{
	skip_ws(p);
	if (p->s >= p->end)
		return fail(p, "unexpected end of input");
	switch (*p->s) {
	case '{':
		if (out)
			snprintf(out, cap, "{object}");
		return parse_compound(p, true, NULL, depth);
	case '[':
		if (parse_compound(p, false, count, depth))
			return -1;
		if (out && count)
			snprintf(out, cap, "%ld", *count);
		else if (out)
			snprintf(out, cap, "[array]");
		return 0;
	case '"':
		return parse_string(p, out, cap);
	case 't':
		return parse_literal(p, "true", out, cap);
	case 'f':
		return parse_literal(p, "false", out, cap);
	case 'n':
		return parse_literal(p, "null", out, cap);
	default:
		return parse_number(p, out, cap);
	}
}

static int parse_end(struct parser *p)
{
	skip_ws(p);
	return p->s == p->end ? 0 : fail(p, "trailing data after the value");
}

/* rows mode: one object of the array, the wanted fields printed. */
static int print_row(struct parser *p, char **fields, int nfields)
{
	static char vals[MAX_FIELDS][VAL_MAX];
	bool have[MAX_FIELDS] = { false };
	char key[256];
	int i;

	skip_ws(p);
	if (p->s >= p->end || *p->s != '{')
		return parse_value(p, NULL, 0, NULL, 1);	/* not an object */
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == '}') {
		p->s++;
		goto print;
	}
	for (;;) {
		int want = -1;

		skip_ws(p);
		if (parse_string(p, key, sizeof(key)))
			return -1;
		skip_ws(p);
		if (p->s >= p->end || *p->s != ':')
			return fail(p, "expected ':'");
		p->s++;
		for (i = 0; i < nfields; i++)
			if (!strcmp(key, fields[i]))
				want = i;
		if (want >= 0) {
			long n;

			if (parse_value(p, vals[want], VAL_MAX, &n, 2))
				return -1;
			have[want] = true;
		} else if (parse_value(p, NULL, 0, NULL, 2)) {
			return -1;
		}
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == '}') {
			p->s++;
			break;
		}
		return fail(p, "expected ',' or '}'");
	}
print:
	for (i = 0; i < nfields; i++)
		printf("%s%s", i ? "\t" : "", have[i] ? vals[i] : "-");
	putchar('\n');
	return 0;
}

/* get/rows: walk the top-level object to member KEY. */
static int find_member(struct parser *p, const char *want)
{
	char key[256];

	skip_ws(p);
	if (p->s >= p->end || *p->s != '{')
		return fail(p, "top level is not an object");
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == '}')
		return 1;
	for (;;) {
		skip_ws(p);
		if (parse_string(p, key, sizeof(key)))
			return -1;
		skip_ws(p);
		if (p->s >= p->end || *p->s != ':')
			return fail(p, "expected ':'");
		p->s++;
		skip_ws(p);
		if (!strcmp(key, want))
			return 0;
		if (parse_value(p, NULL, 0, NULL, 1))
			return -1;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == '}')
			return 1;
		return fail(p, "expected ',' or '}'");
	}
}

static int do_rows(struct parser *p, char **fields, int nfields)
{
	skip_ws(p);
	if (p->s >= p->end || *p->s != '[')
		return fail(p, "member is not an array");
	p->s++;
	skip_ws(p);
	if (p->s < p->end && *p->s == ']') {
		p->s++;
		return 0;
	}
	for (;;) {
		if (print_row(p, fields, nfields))
			return -1;
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			continue;
		}
		if (p->s < p->end && *p->s == ']') {
			p->s++;
			return 0;
		}
		return fail(p, "expected ',' or ']'");
	}
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t r = fread(buf + n, 1, cap - n, f);

		n += r;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			*len = n;
			return buf;
		}
		cap *= 2;
		char *nb = realloc(buf, cap);

		if (!nb)
			free(buf);
		buf = nb;
	}
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: labjson check | lines | get KEY | "
			"rows KEY FIELD...\n");
	return 2;
}

static int report(struct parser *p)
{
	fprintf(stderr, "labjson: invalid JSON at byte %ld: %s\n",
		(long)(p->s - p->start), p->err ? p->err : "?");
	return 1;
}

int main(int argc, char **argv)
{
	struct parser p = { 0 };
	size_t len;
	char *buf;
	int rc;

	if (argc < 2)
		return usage();
	buf = read_all(stdin, &len);
	if (!buf) {
		perror("labjson: reading stdin");
		return 1;
	}
	p.s = p.start = buf;
	p.end = buf + len;

	if (!strcmp(argv[1], "check") && argc == 2) {
		if (parse_value(&p, NULL, 0, NULL, 0) || parse_end(&p))
			return report(&p);
		return 0;
	}
	if (!strcmp(argv[1], "lines") && argc == 2) {
		long lines = 0;

		while (p.s < p.end) {
			const char *nl = memchr(p.s, '\n', (size_t)(p.end - p.s));
			struct parser l = p;

			l.end = nl ? nl : p.end;
			skip_ws(&l);
			if (l.s < l.end) {
				if (parse_value(&l, NULL, 0, NULL, 0) ||
				    parse_end(&l)) {
					fprintf(stderr, "labjson: line %ld: ",
						lines + 1);
					return report(&l);
				}
				lines++;
			}
			p.s = nl ? nl + 1 : p.end;
		}
		printf("%ld\n", lines);
		return 0;
	}
	if (!strcmp(argv[1], "get") && argc == 3) {
		char val[VAL_MAX];
		long n;

		rc = find_member(&p, argv[2]);
		if (rc < 0)
			return report(&p);
		if (rc > 0) {
			fprintf(stderr, "labjson: no member \"%s\"\n", argv[2]);
			return 1;
		}
		if (parse_value(&p, val, sizeof(val), &n, 1))
			return report(&p);
		printf("%s\n", val);
		return 0;
	}
	if (!strcmp(argv[1], "rows") && argc >= 4 && argc - 3 <= MAX_FIELDS) {
		rc = find_member(&p, argv[2]);
		if (rc < 0)
			return report(&p);
		if (rc > 0) {
			fprintf(stderr, "labjson: no member \"%s\"\n", argv[2]);
			return 1;
		}
		if (do_rows(&p, argv + 3, argc - 3))
			return report(&p);
		return 0;
	}
	return usage();
}
