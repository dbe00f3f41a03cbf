/* SPDX-License-Identifier: GPL-2.0 */
/*
 * peval.h - how a security policy judges an event (docs/policy.md): the
 * rules as nogap.ko holds them, first-match evaluation, the built-in
 * default, and the glob matcher of the rules' ~ and !~. The same code runs
 * in nogap.ko (kmod/policy.c) and in `nogapctl policy test`, so a policy
 * can be tried offline with the module's exact semantics.
 *
 * Everything here is bounded, allocates nothing and never sleeps: the
 * module evaluates from atomic context.
 */
#ifndef NG_PEVAL_H
#define NG_PEVAL_H

#include "ng_env.h"
#ifdef __KERNEL__
#include "uapi/linux/nogap.h"
#else
#include <linux/nogap.h>
#endif

/* What an event is about, for the rules' conditions; NULL: unknown. */
struct ng_subject {
	const char *comm;
	const char *writer;
	const char *target;
	int kthread;		/* -1 unknown, 0, 1 */
};

struct ng_pcond {
	u8 field;		/* enum nogap_field */
	u8 op;			/* enum nogap_cond_op */
	char value[NOGAP_COND_VALUE_MAX];	/* NUL-terminated */
};

struct ng_prule {
	u8 event;		/* enum nogap_event */
	u8 nconds;		/* <= NOGAP_RULE_CONDS_MAX */
	bool any_vm;
	u16 cond0;		/* first condition in the conds array */
	u32 vm;
	u32 actions;		/* NOGAP_ACTION_* */
	u32 line;		/* in the policy file, 0 if not given */
};

/* The actions for events no rule matches. */
u32 ng_peval_default(u8 type);
/* Event types rules can be written for; fields that exist for one. */
bool ng_peval_event_ok(u8 type);
bool ng_peval_field_ok(u8 event, u8 field);

/*
 * The actions for an event of type on vm about s (NULL: nothing known):
 * the first rule whose event, VM and conditions all match, else the
 * default. A condition on a field s lacks never holds, whatever its
 * operator. KILL is dropped unless type is hidden-process and s->kthread
 * is 0. *rule (if not NULL) is the index of the deciding rule, or nrules
 * when the default decided. conds must hold every rule's conditions
 * (cond0 + nconds within nconds_total, checked when the rules were made).
 */
u32 ng_peval_actions(const struct ng_prule *rules, u32 nrules,
		     const struct ng_pcond *conds, u8 type, u32 vm,
		     const struct ng_subject *s, u32 *rule);

/*
 * Whether any event of type on vm could get actions: a rule with actions
 * comes before every unconditional "ignore", or the default has actions.
 * A detector runs only while this is true.
 */
bool ng_peval_wants(const struct ng_prule *rules, u32 nrules, u8 type,
		    u32 vm);

/*
 * Glob: * any run of bytes, ? one byte, [abc] [a-z] a class, [!a-z] its
 * complement (a ']' first in a class is a member), \x the byte x; a '['
 * without its ']' is a plain '['. Matches the whole string. At most
 * strlen(pat) * strlen(str) steps.
 */
bool ng_glob(const char *pat, const char *str);

#endif /* NG_PEVAL_H */
