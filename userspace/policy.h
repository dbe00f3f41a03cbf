/* SPDX-License-Identifier: GPL-2.0 */
/*
 * policy.h - security policy files (docs/policy.md): the parser, the
 * canonical text of a rule, and the netlink encoding of NOGAP_CMD_POLICY_SET
 * and NOGAP_CMD_POLICY_GET (uapi/linux/nogap.h).
 *
 * One rule per line, '#' comments, blank lines ignored:
 *
 *	on EVENT [vm ID] [if COND [and COND]...] do ACTION[,ACTION...]
 *
 * The parser is strict and bounded: it reports every error it finds (up to
 * NG_POLICY_ERRORS_MAX) with its line, and a policy with any error is not
 * to be sent to the module at all.
 */
#ifndef NG_POLICY_H
#define NG_POLICY_H

#include <stddef.h>
#include <stdbool.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/nogap.h>

#include "ng_env.h"

/* Limits of a policy file (the module's own are in linux/nogap.h). */
#define NG_POLICY_FILE_MAX	(1u << 20)	/* bytes */
#define NG_POLICY_LINE_MAX	1024		/* bytes, without the newline */
#define NG_POLICY_ERRORS_MAX	20		/* reported, then we stop */
/*
 * The rules travel in one netlink attribute, whose length is 16 bits: the
 * encoded rules (ng_policy_rule_size) must fit in this many bytes. Typical
 * rules take 40 to 100 bytes each.
 */
#define NG_POLICY_ENCODED_MAX	(65535u - 4u)

struct ng_pol_cond {
	u8 field;		/* enum nogap_field */
	u8 op;			/* enum nogap_cond_op */
	char value[NOGAP_COND_VALUE_MAX];
};

struct ng_pol_rule {
	u8 event;		/* NOGAP_EVENT_HIDDEN_PROCESS, _TEXT_WRITE */
	bool has_vm;
	u32 vm;
	u32 actions;		/* NOGAP_ACTION_*; 0 is "ignore" */
	u32 line;		/* 0: unknown */
	u32 nconds;
	struct ng_pol_cond conds[NOGAP_RULE_CONDS_MAX];
};

struct ng_pol {
	u32 nrules;
	struct ng_pol_rule rules[NOGAP_POLICY_RULES_MAX];
};

struct ng_pol_err {
	u32 line;		/* 0: the file as a whole */
	char msg[160];
};

struct ng_pol_errs {
	u32 n;			/* kept in e[] */
	bool more;		/* errors were left out after the first n */
	struct ng_pol_err e[NG_POLICY_ERRORS_MAX];
};

/*
 * Parse len bytes of policy text into pol (zeroed first). Returns the
 * number of errors found (0: pol is valid and complete); errors go to
 * errs in line order.
 */
u32 ng_policy_parse(const char *text, size_t len, struct ng_pol *pol,
		    struct ng_pol_errs *errs);

/*
 * The same with flags. NG_POLICY_LAX leaves out the checks the module
 * makes again (kill only for hidden-process, fields of the event, kthread
 * values): only to test the module's own validation
 * (NOGAP_POLICY_LAX=1 nogapctl policy load, in the lab).
 */
#define NG_POLICY_LAX	(1u << 0)
u32 ng_policy_parse_flags(const char *text, size_t len, struct ng_pol *pol,
			  struct ng_pol_errs *errs, unsigned int flags);

/*
 * Where each rule of an encoded request lies: byte offsets from the start
 * of the netlink message, to map the module's error offset
 * (NLMSGERR_ATTR_OFFS) back to a line.
 */
struct ng_pol_span {
	u32 start, end;
	u32 line;
};

/*
 * Append NOGAP_A_POLICY_RULES with every rule of pol to msg (spans, if
 * not NULL, gets pol->nrules entries). 0 or -ENOMEM / -EMSGSIZE.
 */
int ng_policy_encode(struct nl_msg *msg, const struct ng_pol *pol,
		     struct ng_pol_span *spans);

/* Bytes a rule takes in NOGAP_A_POLICY_RULES. */
size_t ng_policy_rule_size(const struct ng_pol_rule *r);

/* The line of the rule holding byte offset off, 0 when none does. */
u32 ng_policy_span_line(const struct ng_pol_span *spans, u32 n, u32 off);

/*
 * Append the rules of a NOGAP_A_POLICY_RULES attribute to pol (a policy
 * dump comes in several messages). 0, -EBADMSG for anything malformed or
 * out of range, -E2BIG past NOGAP_POLICY_RULES_MAX.
 */
int ng_policy_decode(const struct nlattr *rules, struct ng_pol *pol);

/* The canonical text of a rule (parses back to the same rule). */
void ng_policy_rule_text(const struct ng_pol_rule *r, char *buf, size_t n);
/* "report,log", "ignore", ... */
void ng_policy_actions_text(u32 actions, char *buf, size_t n);

/* Names; NULL when unknown. */
const char *ng_policy_event_name(unsigned int event);
const char *ng_policy_field_name(unsigned int field);
const char *ng_policy_op_name(unsigned int op);
const char *ng_policy_action_name(u32 bit);

/*
 * The rules as the module holds them (core/peval.h), to judge events with
 * the module's own code: rules gets pol->nrules entries, conds
 * NOGAP_POLICY_RULES_MAX * NOGAP_RULE_CONDS_MAX at most.
 */
struct ng_prule;
struct ng_pcond;
void ng_policy_to_prules(const struct ng_pol *pol, struct ng_prule *rules,
			 struct ng_pcond *conds);

/* What applies to an event of type when no rule matches. */
u32 ng_policy_default_actions(unsigned int event);

#endif /* NG_POLICY_H */
