// SPDX-License-Identifier: GPL-2.0
/*
 * peval.c - how a security policy judges an event (see peval.h).
 */
#include "peval.h"

u32 ng_peval_default(u8 type)
{
	if (type == NOGAP_EVENT_HIDDEN_PROCESS)
		return NOGAP_ACTION_REPORT | NOGAP_ACTION_LOG;
	return NOGAP_ACTION_REPORT;
}

bool ng_peval_event_ok(u8 type)
{
	return type == NOGAP_EVENT_HIDDEN_PROCESS ||
	       type == NOGAP_EVENT_TEXT_WRITE;
}

bool ng_peval_field_ok(u8 event, u8 field)
{
	switch (field) {
	case NOGAP_FIELD_COMM:
	case NOGAP_FIELD_KTHREAD:
		return event == NOGAP_EVENT_HIDDEN_PROCESS;
	case NOGAP_FIELD_WRITER:
	case NOGAP_FIELD_TARGET:
		return event == NOGAP_EVENT_TEXT_WRITE;
	}
	return false;
}

/*
 * A class after its '[': whether c is in it (*in), and where the pattern
 * goes on after its ']'; NULL when the class has no ']'.
 */
static const char *glob_class(const char *p, unsigned char c, bool *in)
{
	bool neg = false, hit = false;
	unsigned char lo, hi;

	if (*p == '!') {
		neg = true;
		p++;
	}
	do {
		lo = (unsigned char)*p;
		if (!lo)
			return NULL;
		hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = (unsigned char)p[2];
			p += 3;
		} else {
			p++;
		}
		if (lo <= c && c <= hi)
			hit = true;
	} while (*p != ']');
	*in = hit != neg;
	return p + 1;
}

bool ng_glob(const char *pat, const char *str)
{
	/* after the last '*': where the pattern resumes, and the string */
	const char *star_pat = NULL, *star_str = NULL, *next;
	unsigned char c, d;
	bool in;

	for (;;) {
		c = (unsigned char)*str;
		d = (unsigned char)*pat;
		switch (d) {
		case '*':
			pat++;
			if (!*pat)
				return true;
			star_pat = pat;
			star_str = str;
			continue;
		case '?':
			if (!c)
				goto back;
			pat++;
			str++;
			continue;
		case '[':
			if (!c)
				goto back;
			next = glob_class(pat + 1, c, &in);
			if (next) {
				if (!in)
					goto back;
				pat = next;
				str++;
				continue;
			}
			break;		/* no ']': a plain '[' */
		case '\\':
			if (pat[1]) {
				pat++;
				d = (unsigned char)*pat;
			}
			break;
		}
		/* a literal byte */
		if (c != d)
			goto back;
		if (!c)
			return true;
		pat++;
		str++;
		continue;
back:
		/* let the last '*' take one more byte, if there is one */
		if (!star_pat || !*star_str)
			return false;
		star_str++;
		pat = star_pat;
		str = star_str;
	}
}

static bool cond_holds(const struct ng_pcond *c, const struct ng_subject *s)
{
	const char *v = NULL;
	bool eq;

	switch (c->field) {
	case NOGAP_FIELD_COMM:
		v = s->comm;
		break;
	case NOGAP_FIELD_WRITER:
		v = s->writer;
		break;
	case NOGAP_FIELD_TARGET:
		v = s->target;
		break;
	case NOGAP_FIELD_KTHREAD:
		if (s->kthread < 0)
			return false;
		v = s->kthread ? "yes" : "no";
		break;
	}
	if (!v)
		return false;
	switch (c->op) {
	case NOGAP_OP_EQ:
	case NOGAP_OP_NE:
		eq = !strcmp(c->value, v);
		return c->op == NOGAP_OP_EQ ? eq : !eq;
	case NOGAP_OP_GLOB:
	case NOGAP_OP_NGLOB:
		eq = ng_glob(c->value, v);
		return c->op == NOGAP_OP_GLOB ? eq : !eq;
	}
	return false;
}

static bool rule_applies(const struct ng_prule *r, u8 type, u32 vm)
{
	return r->event == type && (r->any_vm || r->vm == vm);
}

u32 ng_peval_actions(const struct ng_prule *rules, u32 nrules,
		     const struct ng_pcond *conds, u8 type, u32 vm,
		     const struct ng_subject *s, u32 *rule)
{
	u32 actions = ng_peval_default(type), i, k;

	for (i = 0; i < nrules; i++) {
		const struct ng_prule *r = &rules[i];

		if (!rule_applies(r, type, vm))
			continue;
		if (r->nconds && !s)
			continue;
		for (k = 0; k < r->nconds; k++)
			if (!cond_holds(&conds[r->cond0 + k], s))
				break;
		if (k < r->nconds)
			continue;
		actions = r->actions;
		break;
	}
	if (rule)
		*rule = i;
	/* kernel threads are reported, never killed (nor unknown ones) */
	if (type != NOGAP_EVENT_HIDDEN_PROCESS || !s || s->kthread != 0)
		actions &= ~NOGAP_ACTION_KILL;
	return actions;
}

bool ng_peval_wants(const struct ng_prule *rules, u32 nrules, u8 type,
		    u32 vm)
{
	u32 i;

	for (i = 0; i < nrules; i++) {
		const struct ng_prule *r = &rules[i];

		if (!rule_applies(r, type, vm))
			continue;
		if (r->actions)
			return true;	/* it may match some event */
		if (!r->nconds)
			return false;	/* ignores everything left */
	}
	return ng_peval_default(type) != 0;
}
