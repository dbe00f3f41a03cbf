// SPDX-License-Identifier: GPL-2.0
/*
 * policy.c - the active security policy (docs/policy.md).
 *
 * A policy is a list of rules; the first rule whose event type, VM and
 * conditions all match an event decides its actions. An event no rule
 * matches gets the built-in default of its type: hidden-process -> report
 * + log, text-write -> report; never kill. How rules judge an event is
 * core/peval.c, shared with `nogapctl policy test`.
 *
 * The active policy is one allocation behind an RCU pointer: readers (the
 * detectors, maybe in atomic context) take no lock and never allocate;
 * NOGAP_CMD_POLICY_SET builds and checks a whole new policy first, then
 * swaps it in under ng_policy_lock, so a request that fails anywhere
 * changes nothing.
 */

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "nogap.h"
#include "core/peval.h"

struct ng_policy {
	struct rcu_head rcu;	/* first: kvfree_rcu wants a small offset */
	u32 generation;
	u32 nrules;
	u32 nconds;
	char name[NOGAP_POLICY_NAME_MAX];
	struct ng_pcond *conds;	/* in the same allocation, after rules */
	struct ng_prule rules[];
};

static struct ng_policy __rcu *ng_policy;
static DEFINE_MUTEX(ng_policy_lock);	/* writers of ng_policy */
static u32 ng_policy_gen;		/* ng_policy_lock */

/* ---- evaluation (RCU readers: no sleeping, no allocation) ---- */

u32 ng_policy_actions(u8 type, u32 vm, const struct ng_subject *s)
{
	const struct ng_policy *p;
	u32 actions;

	rcu_read_lock();
	p = rcu_dereference(ng_policy);
	if (p)
		actions = ng_peval_actions(p->rules, p->nrules, p->conds, type,
					   vm, s, NULL);
	else
		actions = ng_peval_actions(NULL, 0, NULL, type, vm, s, NULL);
	rcu_read_unlock();
	return actions;
}

bool ng_policy_wants(u8 type, u32 vm)
{
	const struct ng_policy *p;
	bool wants;

	rcu_read_lock();
	p = rcu_dereference(ng_policy);
	wants = ng_peval_wants(p ? p->rules : NULL, p ? p->nrules : 0, type,
			       vm);
	rcu_read_unlock();
	return wants;
}

/* ---- POLICY_SET ---- */

static const struct nla_policy ng_cond_policy[NOGAP_COND_A_MAX + 1] = {
	[NOGAP_COND_A_FIELD] = NLA_POLICY_RANGE(NLA_U8, NOGAP_FIELD_COMM,
						__NOGAP_FIELD_MAX - 1),
	[NOGAP_COND_A_OP] = NLA_POLICY_RANGE(NLA_U8, NOGAP_OP_EQ,
					     __NOGAP_OP_MAX - 1),
	[NOGAP_COND_A_VALUE] = { .type = NLA_NUL_STRING,
				 .len = NOGAP_COND_VALUE_MAX - 1 },
};

static const struct nla_policy ng_rule_policy[NOGAP_RULE_A_MAX + 1] = {
	[NOGAP_RULE_A_EVENT] = NLA_POLICY_RANGE(NLA_U8, NOGAP_EVENT_VM_ADDED,
						__NOGAP_EVENT_MAX - 1),
	[NOGAP_RULE_A_VM] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_RULE_A_ACTIONS] = NLA_POLICY_MASK(NLA_U32, NOGAP_ACTION_ALL),
	[NOGAP_RULE_A_CONDS] = NLA_POLICY_NESTED_ARRAY(ng_cond_policy),
	[NOGAP_RULE_A_LINE] = { .type = NLA_U32 },
};

const struct nla_policy ng_policy_set_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_POLICY_NAME] = { .type = NLA_NUL_STRING,
				  .len = NOGAP_POLICY_NAME_MAX - 1 },
	[NOGAP_A_POLICY_RULES] = NLA_POLICY_NESTED_ARRAY(ng_rule_policy),
};

/* No attribute at all. */
const struct nla_policy ng_policy_get_policy[NOGAP_A_MAX + 1] = {
};

/*
 * A refused rule: the attribute is marked (userspace maps its offset back
 * to the rule and so to its line) and the message names the line where
 * the kernel can format messages.
 */
#define NG_RULE_ERR(extack, attr, line, msg)				\
	do {								\
		if (line)						\
			NG_SET_ERR_MSG_FMT(extack, msg, "line %u: " msg,	\
					   line);			\
		else							\
			NL_SET_ERR_MSG(extack, msg);			\
		NL_SET_BAD_ATTR(extack, attr);				\
	} while (0)

/* Count rules and conditions; -errno with extack when over a limit. */
static int ng_policy_count(const struct nlattr *rules, u32 *nrules,
			   u32 *nconds, struct netlink_ext_ack *extack)
{
	const struct nlattr *r, *conds, *c;
	int rem, crem;
	u32 nr = 0, nc = 0, k;

	nla_for_each_nested(r, rules, rem) {
		if (++nr > NOGAP_POLICY_RULES_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, r, "too many rules");
			return -E2BIG;
		}
		/* the conditions, found without trusting the rule yet */
		conds = nla_find_nested(r, NOGAP_RULE_A_CONDS);
		if (!conds)
			continue;
		k = 0;
		nla_for_each_nested(c, conds, crem)
			k++;
		if (k > NOGAP_RULE_CONDS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, r,
					    "too many conditions in a rule");
			return -E2BIG;
		}
		nc += k;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, rules, "trailing bytes in the rules");
		return -EINVAL;
	}
	*nrules = nr;
	*nconds = nc;
	return 0;
}

static int ng_policy_fill_cond(struct ng_pcond *pc, u8 event, u32 line,
			       const struct nlattr *c,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NOGAP_COND_A_MAX + 1];
	const char *v;
	int ret;

	ret = nla_parse_nested(tb, NOGAP_COND_A_MAX, c, ng_cond_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[NOGAP_COND_A_FIELD] || !tb[NOGAP_COND_A_OP] ||
	    !tb[NOGAP_COND_A_VALUE]) {
		NG_RULE_ERR(extack, c, line,
			    "condition needs a field, an operator and a value");
		return -EINVAL;
	}
	pc->field = nla_get_u8(tb[NOGAP_COND_A_FIELD]);
	pc->op = nla_get_u8(tb[NOGAP_COND_A_OP]);
	v = nla_data(tb[NOGAP_COND_A_VALUE]);
	if (!ng_peval_field_ok(event, pc->field)) {
		NG_RULE_ERR(extack, tb[NOGAP_COND_A_FIELD], line,
			    "field does not exist for this event");
		return -EINVAL;
	}
	if (!*v) {
		NG_RULE_ERR(extack, tb[NOGAP_COND_A_VALUE], line,
			    "empty value in condition");
		return -EINVAL;
	}
	if (pc->field == NOGAP_FIELD_KTHREAD &&
	    ((pc->op != NOGAP_OP_EQ && pc->op != NOGAP_OP_NE) ||
	     (strcmp(v, "yes") && strcmp(v, "no")))) {
		NG_RULE_ERR(extack, c, line,
			    "kthread takes = or != and yes or no");
		return -EINVAL;
	}
	strscpy(pc->value, v, sizeof(pc->value));
	return 0;
}

static int ng_policy_fill_rule(struct ng_policy *p, struct ng_prule *pr,
			       u32 *ncond, const struct nlattr *r,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NOGAP_RULE_A_MAX + 1];
	const struct nlattr *c;
	int ret, rem;
	u32 line;

	ret = nla_parse_nested(tb, NOGAP_RULE_A_MAX, r, ng_rule_policy,
			       extack);
	if (ret)
		return ret;
	line = tb[NOGAP_RULE_A_LINE] ? nla_get_u32(tb[NOGAP_RULE_A_LINE]) : 0;
	pr->line = line;
	if (!tb[NOGAP_RULE_A_EVENT] || !tb[NOGAP_RULE_A_ACTIONS]) {
		NG_RULE_ERR(extack, r, line, "rule needs an event and actions");
		return -EINVAL;
	}
	pr->event = nla_get_u8(tb[NOGAP_RULE_A_EVENT]);
	pr->actions = nla_get_u32(tb[NOGAP_RULE_A_ACTIONS]);
	if (!ng_peval_event_ok(pr->event)) {
		NG_RULE_ERR(extack, tb[NOGAP_RULE_A_EVENT], line,
			    "rules are for hidden-process and text-write events only");
		return -EINVAL;
	}
	if ((pr->actions & NOGAP_ACTION_KILL) &&
	    pr->event != NOGAP_EVENT_HIDDEN_PROCESS) {
		NG_RULE_ERR(extack, tb[NOGAP_RULE_A_ACTIONS], line,
			    "kill is for hidden-process events only");
		return -EINVAL;
	}
	pr->any_vm = !tb[NOGAP_RULE_A_VM];
	pr->vm = pr->any_vm ? 0 : nla_get_u32(tb[NOGAP_RULE_A_VM]);
	pr->cond0 = *ncond;
	pr->nconds = 0;
	if (!tb[NOGAP_RULE_A_CONDS])
		return 0;
	nla_for_each_nested(c, tb[NOGAP_RULE_A_CONDS], rem) {
		/* counted before: cannot overflow, but stay bounded */
		if (pr->nconds >= NOGAP_RULE_CONDS_MAX || *ncond >= p->nconds) {
			NG_RULE_ERR(extack, c, line, "too many conditions");
			return -E2BIG;
		}
		ret = ng_policy_fill_cond(&p->conds[*ncond], pr->event, line,
					  c, extack);
		if (ret)
			return ret;
		(*ncond)++;
		pr->nconds++;
	}
	if (rem) {
		NG_RULE_ERR(extack, tb[NOGAP_RULE_A_CONDS], line,
			    "trailing bytes in the conditions");
		return -EINVAL;
	}
	return 0;
}

/* The policy described by attrs, checked whole; NULL and extack if not. */
static struct ng_policy *ng_policy_build(struct nlattr **attrs, int *err,
					 struct netlink_ext_ack *extack)
{
	const struct nlattr *rules = attrs[NOGAP_A_POLICY_RULES];
	const struct nlattr *r;
	struct ng_policy *p;
	u32 nrules = 0, nconds = 0, i = 0, ncond = 0;
	size_t size;
	int rem;

	if (rules) {
		*err = ng_policy_count(rules, &nrules, &nconds, extack);
		if (*err)
			return NULL;
	}
	size = struct_size(p, rules, nrules);
	size += (size_t)nconds * sizeof(struct ng_pcond);
	p = kvzalloc(size, GFP_KERNEL);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->nrules = nrules;
	p->nconds = nconds;
	p->conds = (struct ng_pcond *)&p->rules[nrules];
	if (attrs[NOGAP_A_POLICY_NAME])
		strscpy(p->name, nla_data(attrs[NOGAP_A_POLICY_NAME]),
			sizeof(p->name));
	if (rules) {
		nla_for_each_nested(r, rules, rem) {
			if (i >= nrules) {	/* counted before */
				*err = -EINVAL;
				goto fail;
			}
			*err = ng_policy_fill_rule(p, &p->rules[i], &ncond, r,
						   extack);
			if (*err)
				goto fail;
			i++;
		}
	}
	*err = 0;
	return p;
fail:
	kvfree(p);
	return NULL;
}

static int ng_policy_put_summary(struct sk_buff *skb,
				 const struct ng_policy *p, u32 gen)
{
	if (nla_put_u32(skb, NOGAP_A_POLICY_GENERATION, gen) ||
	    nla_put_u32(skb, NOGAP_A_POLICY_NRULES, p ? p->nrules : 0) ||
	    (p && p->name[0] &&
	     nla_put_string(skb, NOGAP_A_POLICY_NAME, p->name)))
		return -EMSGSIZE;
	return 0;
}

static void ng_policy_event(const struct ng_policy *p)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ng_event_new(NOGAP_EVENT_POLICY_LOADED, NULL, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (ng_policy_put_summary(skb, p, p->generation)) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
}

int ng_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct ng_policy *p, *old;
	struct sk_buff *msg;
	void *hdr;
	int err;

	p = ng_policy_build(info->attrs, &err, info->extack);
	if (!p)
		return err;

	mutex_lock(&ng_policy_lock);
	p->generation = ++ng_policy_gen;
	old = rcu_replace_pointer(ng_policy, p,
				  lockdep_is_held(&ng_policy_lock));
	if (old)
		kvfree_rcu(old, rcu);
	/* the name comes from userspace: escaped */
	pr_info("policy %u loaded: \"%*pE\", %u rules\n", p->generation,
		(int)strnlen(p->name, sizeof(p->name)), p->name, p->nrules);
	/* the detectors follow the new policy */
	ng_vm_update_all();
	ng_policy_event(p);

	/* the reply: what is active now (p stays while we hold the lock) */
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto unlock;
	hdr = genlmsg_put_reply(msg, info, &ng_family, 0,
				NOGAP_CMD_POLICY_SET);
	if (!hdr || ng_policy_put_summary(msg, p, p->generation)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto unlock;
	}
	genlmsg_end(msg, hdr);
	mutex_unlock(&ng_policy_lock);
	return genlmsg_reply(msg, info);
unlock:
	mutex_unlock(&ng_policy_lock);
	/* loaded all the same; the reply was a courtesy */
	return 0;
}

/* ---- POLICY_GET (dump) ---- */

static int ng_policy_put_rule(struct sk_buff *skb, const struct ng_policy *p,
			      const struct ng_prule *r, int idx)
{
	struct nlattr *e, *conds, *ce;
	u32 k;

	e = nla_nest_start(skb, idx);
	if (!e)
		return -EMSGSIZE;
	if (nla_put_u8(skb, NOGAP_RULE_A_EVENT, r->event) ||
	    nla_put_u32(skb, NOGAP_RULE_A_ACTIONS, r->actions) ||
	    (!r->any_vm && nla_put_u32(skb, NOGAP_RULE_A_VM, r->vm)) ||
	    (r->line && nla_put_u32(skb, NOGAP_RULE_A_LINE, r->line)))
		goto cancel;
	if (r->nconds) {
		conds = nla_nest_start(skb, NOGAP_RULE_A_CONDS);
		if (!conds)
			goto cancel;
		for (k = 0; k < r->nconds; k++) {
			const struct ng_pcond *c = &p->conds[r->cond0 + k];

			ce = nla_nest_start(skb, k + 1);
			if (!ce ||
			    nla_put_u8(skb, NOGAP_COND_A_FIELD, c->field) ||
			    nla_put_u8(skb, NOGAP_COND_A_OP, c->op) ||
			    nla_put_string(skb, NOGAP_COND_A_VALUE, c->value))
				goto cancel;
			nla_nest_end(skb, ce);
		}
		nla_nest_end(skb, conds);
	}
	nla_nest_end(skb, e);
	return 0;
cancel:
	nla_nest_cancel(skb, e);
	return -EMSGSIZE;
}

/*
 * Every message: the generation and rule count (and name); then as many
 * rules as fit, in order. A policy loaded while the dump runs flags the
 * later messages NLM_F_DUMP_INTR. cb->args[0]: next rule; [1]: done.
 */
int ng_nl_policy_get(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct ng_policy *p;
	struct nlattr *list;
	u32 i, gen;
	int n = 0, ret = -EMSGSIZE;
	void *hdr;

	if (cb->args[1])
		return 0;
	rcu_read_lock();
	p = rcu_dereference(ng_policy);
	gen = p ? p->generation : 0;
	cb->seq = gen + 1;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ng_family, NLM_F_MULTI, NOGAP_CMD_POLICY_GET);
	if (!hdr)
		goto out;
	genl_dump_check_consistent(cb, hdr);
	if (ng_policy_put_summary(skb, p, gen))
		goto cancel;
	i = cb->args[0];
	if (p && i < p->nrules) {
		list = nla_nest_start(skb, NOGAP_A_POLICY_RULES);
		if (!list)
			goto cancel;
		for (; i < p->nrules; i++) {
			if (ng_policy_put_rule(skb, p, &p->rules[i], i + 1))
				break;
			n++;
		}
		if (!n)
			goto cancel;	/* one rule always fits a page */
		nla_nest_end(skb, list);
	}
	cb->args[0] = i;
	if (!p || i >= p->nrules)
		cb->args[1] = 1;
	genlmsg_end(skb, hdr);
	ret = skb->len;
	goto out;
cancel:
	genlmsg_cancel(skb, hdr);
out:
	rcu_read_unlock();
	return ret;
}

/* ---- init/exit ---- */

int ng_policy_init(void)
{
	return 0;
}

void ng_policy_exit(void)
{
	struct ng_policy *old;

	mutex_lock(&ng_policy_lock);
	old = rcu_replace_pointer(ng_policy, NULL,
				  lockdep_is_held(&ng_policy_lock));
	mutex_unlock(&ng_policy_lock);
	if (old) {
		synchronize_rcu();
		kvfree(old);
	}
}
