// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - security policy files: parser, canonical text and the netlink
 * encoding (see policy.h and docs/policy.md).
 *
 * The grammar, one rule per line:
 *
 *	rule    := "on" EVENT [ "vm" ID ] [ "if" cond { "and" cond } ]
 *		   "do" action { "," action }
 *	cond    := FIELD OP VALUE
 *	OP      := "=" | "!=" | "~" | "!~"
 *	VALUE   := WORD | STRING
 *	WORD    := 1*( ALPHA / DIGIT / "_" / "-" / "." / "*" / "?" / "[" /
 *		   "]" / "^" / "/" / ":" / "@" / "+" / "$" / "%" )
 *	STRING  := '"' { char | '\"' | '\\' | '\x' HEX HEX } '"'
 *
 * '#' outside a string starts a comment; spaces and tabs separate tokens
 * (not needed around operators and commas); keywords are lowercase.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peval.h"
#include "policy.h"

/* ---- names ---- */

const char *ng_policy_event_name(unsigned int event)
{
	switch (event) {
	case NOGAP_EVENT_HIDDEN_PROCESS:
		return "hidden-process";
	case NOGAP_EVENT_TEXT_WRITE:
		return "text-write";
	}
	return NULL;
}

const char *ng_policy_field_name(unsigned int field)
{
	switch (field) {
	case NOGAP_FIELD_COMM:
		return "comm";
	case NOGAP_FIELD_KTHREAD:
		return "kthread";
	case NOGAP_FIELD_WRITER:
		return "writer";
	case NOGAP_FIELD_TARGET:
		return "target";
	}
	return NULL;
}

const char *ng_policy_op_name(unsigned int op)
{
	switch (op) {
	case NOGAP_OP_EQ:
		return "=";
	case NOGAP_OP_NE:
		return "!=";
	case NOGAP_OP_GLOB:
		return "~";
	case NOGAP_OP_NGLOB:
		return "!~";
	}
	return NULL;
}

const char *ng_policy_action_name(u32 bit)
{
	switch (bit) {
	case NOGAP_ACTION_REPORT:
		return "report";
	case NOGAP_ACTION_LOG:
		return "log";
	case NOGAP_ACTION_KILL:
		return "kill";
	}
	return NULL;
}

u32 ng_policy_default_actions(unsigned int event)
{
	return ng_peval_default((u8)event);
}

void ng_policy_to_prules(const struct ng_pol *pol, struct ng_prule *rules,
			 struct ng_pcond *conds)
{
	u32 i, k, n = 0;

	for (i = 0; i < pol->nrules; i++) {
		const struct ng_pol_rule *r = &pol->rules[i];

		rules[i].event = r->event;
		rules[i].nconds = (u8)r->nconds;
		rules[i].any_vm = !r->has_vm;
		rules[i].cond0 = (u16)n;
		rules[i].vm = r->vm;
		rules[i].actions = r->actions;
		rules[i].line = r->line;
		for (k = 0; k < r->nconds; k++, n++) {
			conds[n].field = r->conds[k].field;
			conds[n].op = r->conds[k].op;
			memcpy(conds[n].value, r->conds[k].value,
			       sizeof(conds[n].value));
		}
	}
}

static bool field_for_event(unsigned int field, unsigned int event)
{
	return ng_peval_field_ok((u8)event, (u8)field);
}

static const char *event_fields(unsigned int event)
{
	return event == NOGAP_EVENT_HIDDEN_PROCESS ? "comm, kthread" :
	       "writer, target";
}

/* ---- tokens ---- */

enum tok_kind {
	T_END,		/* end of line (or a comment) */
	T_WORD,
	T_STRING,
	T_OP,		/* = != ~ !~ */
	T_COMMA,
	T_BAD,		/* error already recorded */
};

struct tok {
	enum tok_kind kind;
	u8 op;
	size_t len;		/* of text */
	char text[NG_POLICY_LINE_MAX + 1];
};

struct lexer {
	const char *p, *end;	/* the current line, without its newline */
	u32 line;
	struct ng_pol_errs *errs;
	u32 nerr;		/* errors found in the whole file */
	bool line_failed;	/* one error per line is enough */
	bool lax;		/* NG_POLICY_LAX */
};

static void perr(struct lexer *lx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void perr(struct lexer *lx, const char *fmt, ...)
{
	struct ng_pol_err *e;
	va_list ap;

	if (lx->line_failed)
		return;
	lx->line_failed = true;
	lx->nerr++;
	if (lx->errs->n >= NG_POLICY_ERRORS_MAX) {
		lx->errs->more = true;
		return;
	}
	e = &lx->errs->e[lx->errs->n++];
	e->line = lx->line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_-.*?[]^/:@+$%", c);
}

/* A printable form of a token for messages: at most 40 bytes. */
static const char *shown(const struct tok *t, char *buf, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < t->len && o + 5 < n && i < 40; i++) {
		unsigned char c = (unsigned char)t->text[i];

		if (c >= 0x20 && c < 0x7f)
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (i < t->len && o + 4 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static void next(struct lexer *lx, struct tok *t)
{
	unsigned char c;

	t->len = 0;
	t->text[0] = '\0';
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' ||
				   *lx->p == '\r'))
		lx->p++;
	if (lx->p == lx->end || *lx->p == '#') {
		t->kind = T_END;
		return;
	}
	c = (unsigned char)*lx->p;
	if (c == ',') {
		lx->p++;
		t->kind = T_COMMA;
		return;
	}
	if (c == '=' || c == '~' || c == '!') {
		t->kind = T_OP;
		if (c == '=') {
			t->op = NOGAP_OP_EQ;
			lx->p++;
		} else if (c == '~') {
			t->op = NOGAP_OP_GLOB;
			lx->p++;
		} else if (lx->end - lx->p >= 2 && lx->p[1] == '=') {
			t->op = NOGAP_OP_NE;
			lx->p += 2;
		} else if (lx->end - lx->p >= 2 && lx->p[1] == '~') {
			t->op = NOGAP_OP_NGLOB;
			lx->p += 2;
		} else {
			perr(lx, "'!' must be followed by '=' or '~'");
			t->kind = T_BAD;
		}
		return;
	}
	if (c == '"') {
		lx->p++;
		t->kind = T_STRING;
		while (lx->p < lx->end && *lx->p != '"') {
			c = (unsigned char)*lx->p++;
			if (c == '\\') {
				int h, l;

				if (lx->p == lx->end)
					break;
				c = (unsigned char)*lx->p++;
				if (c == 'x') {
					h = lx->end - lx->p >= 2 ?
					    ng_hexval((unsigned char)lx->p[0]) : -1;
					l = h >= 0 ? ng_hexval((unsigned char)lx->p[1]) : -1;
					if (l < 0 || (h | l) == 0) {
						perr(lx, "bad escape in string: \\x takes two hex digits, not 00");
						t->kind = T_BAD;
						return;
					}
					lx->p += 2;
					c = (unsigned char)(h << 4 | l);
				} else if (c != '"' && c != '\\') {
					perr(lx, "bad escape '\\%c' in string (\\\", \\\\ or \\xHH)",
					     c >= 0x20 && c < 0x7f ? c : '?');
					t->kind = T_BAD;
					return;
				}
			} else if (c < 0x20 || c == 0x7f) {
				perr(lx, "control character in string (write it as \\x%02x)",
				     c);
				t->kind = T_BAD;
				return;
			}
			t->text[t->len++] = (char)c;	/* len <= line length */
		}
		if (lx->p == lx->end) {
			perr(lx, "unterminated string");
			t->kind = T_BAD;
			return;
		}
		lx->p++;	/* closing quote */
		t->text[t->len] = '\0';
		return;
	}
	if (!word_char(c)) {
		if (c >= 0x20 && c < 0x7f)
			perr(lx, "unexpected character '%c' (quote values that have it)",
			     c);
		else
			perr(lx, "unexpected byte 0x%02x (quote values that have it)",
			     c);
		t->kind = T_BAD;
		return;
	}
	t->kind = T_WORD;
	while (lx->p < lx->end && word_char((unsigned char)*lx->p))
		t->text[t->len++] = *lx->p++;
	t->text[t->len] = '\0';
}

static bool is_word(const struct tok *t, const char *w)
{
	return t->kind == T_WORD && !strcmp(t->text, w);
}

static const char *tok_desc(const struct tok *t, char *buf, size_t n)
{
	char s[64];

	switch (t->kind) {
	case T_END:
		return "the end of the line";
	case T_COMMA:
		return "','";
	case T_OP:
		snprintf(buf, n, "'%s'", ng_policy_op_name(t->op));
		return buf;
	case T_STRING:
		snprintf(buf, n, "\"%s\"", shown(t, s, sizeof(s)));
		return buf;
	default:
		snprintf(buf, n, "'%s'", shown(t, s, sizeof(s)));
		return buf;
	}
}

/* ---- rules ---- */

static unsigned int parse_event(const char *w)
{
	if (!strcmp(w, "hidden-process"))
		return NOGAP_EVENT_HIDDEN_PROCESS;
	if (!strcmp(w, "text-write"))
		return NOGAP_EVENT_TEXT_WRITE;
	return 0;
}

static unsigned int parse_field(const char *w)
{
	unsigned int f;

	for (f = NOGAP_FIELD_COMM; f < __NOGAP_FIELD_MAX; f++)
		if (!strcmp(w, ng_policy_field_name(f)))
			return f;
	return 0;
}

static bool parse_vm_id(const char *w, u32 *id)
{
	unsigned long long v = 0;
	size_t i;

	if (!*w || strlen(w) > 10 || w[0] == '0')
		return false;
	for (i = 0; w[i]; i++) {
		if (w[i] < '0' || w[i] > '9')
			return false;
		v = v * 10 + (unsigned)(w[i] - '0');
	}
	if (!v || v > 0xffffffffULL)
		return false;
	*id = (u32)v;
	return true;
}

static void parse_cond(struct lexer *lx, struct tok *t,
		       struct ng_pol_rule *r)
{
	struct ng_pol_cond *c;
	unsigned int field;
	char b1[96];

	if (t->kind != T_WORD) {
		perr(lx, "expected a condition (%s) after 'if'/'and', not %s",
		     event_fields(r->event), tok_desc(t, b1, sizeof(b1)));
		return;
	}
	field = parse_field(t->text);
	if (!field) {
		perr(lx, "unknown field '%s' (%s for %s)",
		     shown(t, b1, sizeof(b1)), event_fields(r->event),
		     ng_policy_event_name(r->event));
		return;
	}
	if (!lx->lax && !field_for_event(field, r->event)) {
		perr(lx, "field '%s' does not apply to %s (%s)", t->text,
		     ng_policy_event_name(r->event), event_fields(r->event));
		return;
	}
	if (r->nconds == NOGAP_RULE_CONDS_MAX) {
		perr(lx, "more than %d conditions in a rule",
		     NOGAP_RULE_CONDS_MAX);
		return;
	}
	c = &r->conds[r->nconds];
	c->field = (u8)field;
	next(lx, t);
	if (t->kind == T_BAD)
		return;
	if (t->kind != T_OP) {
		perr(lx, "expected an operator (= != ~ !~) after '%s', not %s",
		     ng_policy_field_name(field), tok_desc(t, b1, sizeof(b1)));
		return;
	}
	c->op = t->op;
	next(lx, t);
	if (t->kind == T_BAD)
		return;
	if (t->kind != T_WORD && t->kind != T_STRING) {
		perr(lx, "expected a value after '%s %s', not %s",
		     ng_policy_field_name(field), ng_policy_op_name(c->op),
		     tok_desc(t, b1, sizeof(b1)));
		return;
	}
	if (!t->len) {
		perr(lx, "empty value");
		return;
	}
	if (t->len >= NOGAP_COND_VALUE_MAX) {
		perr(lx, "value longer than %d bytes", NOGAP_COND_VALUE_MAX - 1);
		return;
	}
	if (memchr(t->text, '\0', t->len)) {
		perr(lx, "NUL byte in value");
		return;
	}
	if (field == NOGAP_FIELD_KTHREAD && !lx->lax) {
		if (c->op != NOGAP_OP_EQ && c->op != NOGAP_OP_NE) {
			perr(lx, "kthread takes = or !=, not %s",
			     ng_policy_op_name(c->op));
			return;
		}
		if (strcmp(t->text, "yes") && strcmp(t->text, "no")) {
			perr(lx, "kthread is yes or no, not '%s'",
			     shown(t, b1, sizeof(b1)));
			return;
		}
	}
	memcpy(c->value, t->text, t->len + 1);
	r->nconds++;
	next(lx, t);
}

static void parse_actions(struct lexer *lx, struct tok *t,
			  struct ng_pol_rule *r)
{
	bool ignore = false;
	u32 n = 0, bit;
	char b1[96];

	for (;;) {
		next(lx, t);
		if (t->kind == T_BAD)
			return;
		if (t->kind != T_WORD) {
			perr(lx, "expected an action (report, log, kill, ignore), not %s",
			     tok_desc(t, b1, sizeof(b1)));
			return;
		}
		if (!strcmp(t->text, "ignore")) {
			bit = 0;
			ignore = true;
		} else if (!strcmp(t->text, "report")) {
			bit = NOGAP_ACTION_REPORT;
		} else if (!strcmp(t->text, "log")) {
			bit = NOGAP_ACTION_LOG;
		} else if (!strcmp(t->text, "kill")) {
			bit = NOGAP_ACTION_KILL;
			if (r->event != NOGAP_EVENT_HIDDEN_PROCESS && !lx->lax) {
				perr(lx, "kill is for hidden-process rules only");
				return;
			}
		} else {
			perr(lx, "unknown action '%s' (report, log, kill, ignore)",
			     shown(t, b1, sizeof(b1)));
			return;
		}
		if (bit & r->actions) {
			perr(lx, "action '%s' given twice", t->text);
			return;
		}
		r->actions |= bit;
		n++;
		if (ignore && n > 1) {
			perr(lx, "ignore cannot be combined with other actions");
			return;
		}
		next(lx, t);
		if (t->kind == T_BAD)
			return;
		if (t->kind == T_END)
			return;
		if (t->kind != T_COMMA) {
			perr(lx, "unexpected %s after the actions (separate actions with ',')",
			     tok_desc(t, b1, sizeof(b1)));
			return;
		}
	}
}

/* One non-empty line: a rule into r; errors through lx. */
static void parse_rule(struct lexer *lx, struct ng_pol_rule *r)
{
	struct tok *t;
	char b1[96];

	t = malloc(sizeof(*t));
	if (!t) {
		perr(lx, "out of memory");
		return;
	}
	memset(r, 0, sizeof(*r));
	r->line = lx->line;
	next(lx, t);
	if (t->kind == T_BAD)
		goto out;
	if (!is_word(t, "on")) {
		perr(lx, "a rule starts with 'on EVENT', not %s",
		     tok_desc(t, b1, sizeof(b1)));
		goto out;
	}
	next(lx, t);
	if (t->kind == T_BAD)
		goto out;
	if (t->kind != T_WORD || !(r->event = (u8)parse_event(t->text))) {
		perr(lx, "unknown event %s (hidden-process or text-write)",
		     tok_desc(t, b1, sizeof(b1)));
		goto out;
	}
	next(lx, t);
	if (is_word(t, "vm")) {
		next(lx, t);
		if (t->kind == T_BAD)
			goto out;
		if (t->kind != T_WORD || !parse_vm_id(t->text, &r->vm)) {
			perr(lx, "bad VM id %s (a number from 1 to 4294967295)",
			     tok_desc(t, b1, sizeof(b1)));
			goto out;
		}
		r->has_vm = true;
		next(lx, t);
	}
	if (is_word(t, "if")) {
		next(lx, t);
		if (t->kind == T_BAD)
			goto out;
		parse_cond(lx, t, r);
		while (!lx->line_failed && is_word(t, "and")) {
			next(lx, t);
			if (t->kind == T_BAD)
				goto out;
			parse_cond(lx, t, r);
		}
		if (lx->line_failed)
			goto out;
	}
	if (t->kind == T_BAD)
		goto out;
	if (!is_word(t, "do")) {
		if (t->kind == T_END)
			perr(lx, "missing 'do ACTION' at the end of the rule");
		else
			perr(lx, "expected %s'do', not %s",
			     r->nconds ? "'and' or " : (r->has_vm ? "'if' or " : "'vm', 'if' or "),
			     tok_desc(t, b1, sizeof(b1)));
		goto out;
	}
	parse_actions(lx, t, r);
out:
	free(t);
}

u32 ng_policy_parse(const char *text, size_t len, struct ng_pol *pol,
		    struct ng_pol_errs *errs)
{
	return ng_policy_parse_flags(text, len, pol, errs, 0);
}

u32 ng_policy_parse_flags(const char *text, size_t len, struct ng_pol *pol,
			  struct ng_pol_errs *errs, unsigned int flags)
{
	struct lexer lx = { .errs = errs, .lax = flags & NG_POLICY_LAX };
	const char *p = text, *end = text + len, *eol;
	struct ng_pol_rule r;
	bool too_many = false, too_big = false;
	size_t encoded = 0;

	memset(pol, 0, sizeof(*pol));
	memset(errs, 0, sizeof(*errs));
	if (len > NG_POLICY_FILE_MAX) {
		lx.line = 0;
		perr(&lx, "larger than %u bytes", NG_POLICY_FILE_MAX);
		return lx.nerr;
	}
	while (p < end) {
		lx.line++;
		lx.line_failed = false;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		lx.p = p;
		lx.end = eol;
		p = eol < end ? eol + 1 : end;
		if (eol - lx.p > NG_POLICY_LINE_MAX) {
			perr(&lx, "line longer than %d bytes", NG_POLICY_LINE_MAX);
			continue;
		}
		if (memchr(lx.p, '\0', (size_t)(eol - lx.p))) {
			perr(&lx, "NUL byte in the line");
			continue;
		}
		/* blank or comment only */
		{
			const char *q = lx.p;

			while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q == eol || *q == '#')
				continue;
		}
		parse_rule(&lx, &r);
		if (lx.line_failed)
			continue;
		if (pol->nrules == NOGAP_POLICY_RULES_MAX) {
			if (!too_many)
				perr(&lx, "more than %d rules",
				     NOGAP_POLICY_RULES_MAX);
			too_many = true;
			continue;
		}
		encoded += ng_policy_rule_size(&r);
		if (encoded > NG_POLICY_ENCODED_MAX) {
			if (!too_big)
				perr(&lx, "the rules up to here take more than %u bytes encoded (netlink's limit): use fewer or shorter conditions",
				     NG_POLICY_ENCODED_MAX);
			too_big = true;
			continue;
		}
		pol->rules[pol->nrules++] = r;
	}
	return lx.nerr;
}

/* ---- text ---- */

struct sbuf {
	char *p;
	size_t n, len;
};

static void sb_put(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (!b->n || b->len >= b->n - 1)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	b->len += (size_t)k;
	if (b->len > b->n - 1)
		b->len = b->n - 1;
}

void ng_policy_actions_text(u32 actions, char *buf, size_t n)
{
	struct sbuf b = { buf, n, 0 };
	u32 bit;
	bool first = true;

	if (n)
		buf[0] = '\0';
	if (!actions) {
		sb_put(&b, "ignore");
		return;
	}
	for (bit = 1; bit && bit <= NOGAP_ACTION_ALL; bit <<= 1) {
		if (!(actions & bit))
			continue;
		sb_put(&b, "%s%s", first ? "" : ",",
		       ng_policy_action_name(bit) ?: "?");
		first = false;
	}
	if (actions & ~NOGAP_ACTION_ALL)
		sb_put(&b, "%s0x%x", first ? "" : ",", actions & ~NOGAP_ACTION_ALL);
}

static void value_text(struct sbuf *b, const char *v)
{
	size_t i, len = strlen(v);
	bool bare = len > 0;

	for (i = 0; i < len; i++)
		if (!word_char((unsigned char)v[i]))
			bare = false;
	if (bare) {
		sb_put(b, "%s", v);
		return;
	}
	sb_put(b, "\"");
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\')
			sb_put(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sb_put(b, "\\x%02x", c);
		else
			sb_put(b, "%c", c);
	}
	sb_put(b, "\"");
}

void ng_policy_rule_text(const struct ng_pol_rule *r, char *buf, size_t n)
{
	struct sbuf b = { buf, n, 0 };
	char acts[64];
	u32 k;

	if (n)
		buf[0] = '\0';
	sb_put(&b, "on %s", ng_policy_event_name(r->event) ?: "?");
	if (r->has_vm)
		sb_put(&b, " vm %u", r->vm);
	for (k = 0; k < r->nconds && k < NOGAP_RULE_CONDS_MAX; k++) {
		const struct ng_pol_cond *c = &r->conds[k];

		sb_put(&b, " %s %s %s ", k ? "and" : "if",
		       ng_policy_field_name(c->field) ?: "?",
		       ng_policy_op_name(c->op) ?: "?");
		value_text(&b, c->value);
	}
	ng_policy_actions_text(r->actions, acts, sizeof(acts));
	sb_put(&b, " do %s", acts);
}

/* ---- netlink ---- */

size_t ng_policy_rule_size(const struct ng_pol_rule *r)
{
	size_t n = NLA_HDRLEN + nla_total_size(1) + nla_total_size(4);
	u32 k;

	if (r->has_vm)
		n += (size_t)nla_total_size(4);
	if (r->line)
		n += (size_t)nla_total_size(4);
	if (r->nconds)
		n += NLA_HDRLEN;
	for (k = 0; k < r->nconds && k < NOGAP_RULE_CONDS_MAX; k++)
		n += NLA_HDRLEN + 2 * (size_t)nla_total_size(1) +
		     (size_t)nla_total_size((int)strlen(r->conds[k].value) + 1);
	return n;
}

int ng_policy_encode(struct nl_msg *msg, const struct ng_pol *pol,
		     struct ng_pol_span *spans)
{
	struct nlattr *list, *e, *conds, *ce;
	char *base = (char *)nlmsg_hdr(msg);
	u32 i, k;

	list = nla_nest_start(msg, NOGAP_A_POLICY_RULES | NLA_F_NESTED);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < pol->nrules; i++) {
		const struct ng_pol_rule *r = &pol->rules[i];

		e = nla_nest_start(msg, (int)(i + 1) | NLA_F_NESTED);
		if (!e)
			return -EMSGSIZE;
		if (nla_put_u8(msg, NOGAP_RULE_A_EVENT, r->event) ||
		    nla_put_u32(msg, NOGAP_RULE_A_ACTIONS, r->actions) ||
		    (r->has_vm && nla_put_u32(msg, NOGAP_RULE_A_VM, r->vm)) ||
		    (r->line && nla_put_u32(msg, NOGAP_RULE_A_LINE, r->line)))
			return -EMSGSIZE;
		if (r->nconds) {
			conds = nla_nest_start(msg, NOGAP_RULE_A_CONDS |
					       NLA_F_NESTED);
			if (!conds)
				return -EMSGSIZE;
			for (k = 0; k < r->nconds; k++) {
				const struct ng_pol_cond *c = &r->conds[k];

				ce = nla_nest_start(msg, (int)(k + 1) |
						    NLA_F_NESTED);
				if (!ce ||
				    nla_put_u8(msg, NOGAP_COND_A_FIELD, c->field) ||
				    nla_put_u8(msg, NOGAP_COND_A_OP, c->op) ||
				    nla_put_string(msg, NOGAP_COND_A_VALUE,
						   c->value))
					return -EMSGSIZE;
				nla_nest_end(msg, ce);
			}
			nla_nest_end(msg, conds);
		}
		nla_nest_end(msg, e);
		if (spans) {
			/* libnl never moves a message's buffer */
			spans[i].start = (u32)((char *)e - base);
			spans[i].end = spans[i].start + e->nla_len;
			spans[i].line = r->line;
		}
	}
	nla_nest_end(msg, list);
	return 0;
}

u32 ng_policy_span_line(const struct ng_pol_span *spans, u32 n, u32 off)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (off >= spans[i].start && off < spans[i].end)
			return spans[i].line;
	return 0;
}

static struct nla_policy rule_policy[NOGAP_RULE_A_MAX + 1] = {
	[NOGAP_RULE_A_EVENT] = { .type = NLA_U8 },
	[NOGAP_RULE_A_VM] = { .type = NLA_U32 },
	[NOGAP_RULE_A_ACTIONS] = { .type = NLA_U32 },
	[NOGAP_RULE_A_CONDS] = { .type = NLA_NESTED },
	[NOGAP_RULE_A_LINE] = { .type = NLA_U32 },
};

static struct nla_policy cond_policy[NOGAP_COND_A_MAX + 1] = {
	[NOGAP_COND_A_FIELD] = { .type = NLA_U8 },
	[NOGAP_COND_A_OP] = { .type = NLA_U8 },
	[NOGAP_COND_A_VALUE] = { .type = NLA_STRING },
};

int ng_policy_decode(const struct nlattr *rules, struct ng_pol *pol)
{
	struct nlattr *e, *c;
	int rem, crem;

	nla_for_each_nested(e, (struct nlattr *)rules, rem) {
		struct nlattr *tb[NOGAP_RULE_A_MAX + 1];
		struct ng_pol_rule *r;

		if (pol->nrules == NOGAP_POLICY_RULES_MAX)
			return -E2BIG;
		if (nla_parse_nested(tb, NOGAP_RULE_A_MAX, e, rule_policy) ||
		    !tb[NOGAP_RULE_A_EVENT] || !tb[NOGAP_RULE_A_ACTIONS])
			return -EBADMSG;
		r = &pol->rules[pol->nrules];
		memset(r, 0, sizeof(*r));
		r->event = nla_get_u8(tb[NOGAP_RULE_A_EVENT]);
		r->actions = nla_get_u32(tb[NOGAP_RULE_A_ACTIONS]);
		if (!ng_policy_event_name(r->event))
			return -EBADMSG;
		if (tb[NOGAP_RULE_A_VM]) {
			r->has_vm = true;
			r->vm = nla_get_u32(tb[NOGAP_RULE_A_VM]);
		}
		if (tb[NOGAP_RULE_A_LINE])
			r->line = nla_get_u32(tb[NOGAP_RULE_A_LINE]);
		if (tb[NOGAP_RULE_A_CONDS]) {
			nla_for_each_nested(c, tb[NOGAP_RULE_A_CONDS], crem) {
				struct nlattr *cb[NOGAP_COND_A_MAX + 1];
				struct ng_pol_cond *pc;
				size_t vlen;

				if (r->nconds == NOGAP_RULE_CONDS_MAX)
					return -EBADMSG;
				if (nla_parse_nested(cb, NOGAP_COND_A_MAX, c,
						     cond_policy) ||
				    !cb[NOGAP_COND_A_FIELD] ||
				    !cb[NOGAP_COND_A_OP] ||
				    !cb[NOGAP_COND_A_VALUE])
					return -EBADMSG;
				pc = &r->conds[r->nconds];
				pc->field = nla_get_u8(cb[NOGAP_COND_A_FIELD]);
				pc->op = nla_get_u8(cb[NOGAP_COND_A_OP]);
				if (!ng_policy_field_name(pc->field) ||
				    !ng_policy_op_name(pc->op))
					return -EBADMSG;
				vlen = strnlen(nla_data(cb[NOGAP_COND_A_VALUE]),
					       (size_t)nla_len(cb[NOGAP_COND_A_VALUE]));
				if (vlen >= NOGAP_COND_VALUE_MAX)
					return -EBADMSG;
				memcpy(pc->value, nla_data(cb[NOGAP_COND_A_VALUE]),
				       vlen);
				pc->value[vlen] = '\0';
				r->nconds++;
			}
		}
		pol->nrules++;
	}
	return 0;
}
