// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "nogap" generic netlink family (uapi/linux/nogap.h).
 *
 * Every command has a policy of its own, so the netlink core refuses
 * attributes of the wrong type or size, and attributes the command does
 * not take, before a handler runs. Handlers only check presence and
 * meaning. The family runs its handlers in parallel (parallel_ops): the
 * registry, the DB and each VM have locks of their own, and a DB commit
 * (hashing megabytes) must not hold up every other genl family.
 */

#include <linux/glob.h>
#include <linux/kvm_host.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"


enum ng_mcgrp {
	NG_MCGRP_EVENTS,
};

static const struct genl_multicast_group ng_mcgrps[] = {
	[NG_MCGRP_EVENTS] = {
		.name = NOGAP_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* ---- policies ---- */

static struct netlink_range_validation ng_sigdb_size_range = {
	.min = sizeof(struct ngdb_header),
	.max = NOGAP_SIGDB_MAX_SIZE,
};

static struct netlink_range_validation ng_sigdb_off_range = {
	.min = 0,
	.max = NOGAP_SIGDB_MAX_SIZE - 1,
};

/* No attribute at all. */
static const struct nla_policy ng_status_policy[NOGAP_A_MAX + 1] = {
};

static const struct nla_policy ng_vm_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy ng_sigdb_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_SIGDB_OP] = NLA_POLICY_RANGE(NLA_U8, NOGAP_SIGDB_BEGIN,
					      NOGAP_SIGDB_OP_MAX),
	[NOGAP_A_SIGDB_SIZE] = NLA_POLICY_FULL_RANGE(NLA_U64,
						     &ng_sigdb_size_range),
	[NOGAP_A_SIGDB_OFFSET] = NLA_POLICY_FULL_RANGE(NLA_U64,
						       &ng_sigdb_off_range),
	[NOGAP_A_SIGDB_DATA] = { .type = NLA_BINARY,
				 .len = NOGAP_SIGDB_CHUNK_MAX },
	[NOGAP_A_SIGDB_CRC32] = { .type = NLA_U32 },
};

static const struct nla_policy ng_identify_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_A_IDENT_FLAGS] = NLA_POLICY_MASK(NLA_U32,
						NOGAP_IDENTIFY_F_ALL),
};

static const struct nla_policy ng_symbols_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_A_SYM_FILTER] = { .type = NLA_NUL_STRING,
				 .len = NOGAP_SYM_FILTER_MAX - 1 },
};

/* A required attribute: its absence is reported like the core would. */
#define NG_REQUIRE(extack, attrs, type, msg)				\
	({								\
		bool __missing = !(attrs)[type];			\
		if (__missing) {					\
			NL_SET_ERR_MSG(extack, msg);			\
			NL_SET_ERR_ATTR_MISS(extack, NULL, type);	\
		}							\
		__missing;						\
	})

/* ---- message contents ---- */

static int ng_put_status(struct sk_buff *skb)
{
	struct nlattr *kernels, *k;
	struct ng_db *db;
	u32 i;
	int ret = -EMSGSIZE;

	if (nla_put_string(skb, NOGAP_A_STATUS_VERSION, NG_VERSION) ||
	    nla_put_u64_64bit(skb, NOGAP_A_STATUS_EXITS, ng_exits_total(),
			      NOGAP_A_PAD) ||
	    nla_put_u64_64bit(skb, NOGAP_A_STATUS_ANCHORS,
			      atomic64_read(&ng_stats.anchors), NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_STATUS_VMS, ng_vm_count()) ||
	    nla_put_u32(skb, NOGAP_A_STATUS_VMS_SEEN,
			atomic_read(&ng_stats.vms_seen)) ||
	    nla_put_u32(skb, NOGAP_A_STATUS_IDENT_DONE,
			atomic_read(&ng_stats.ident_done)) ||
	    nla_put_u32(skb, NOGAP_A_STATUS_IDENT_FAILED,
			atomic_read(&ng_stats.ident_failed)) ||
	    nla_put_u32(skb, NOGAP_A_STATUS_IDENT_RUNNING,
			atomic_read(&ng_stats.ident_running)) ||
	    ng_instr_put_status(skb))
		return -EMSGSIZE;

	db = ng_db_get();
	if (nla_put_u8(skb, NOGAP_A_STATUS_SIGDB_LOADED, !!db))
		goto out;
	if (!db) {
		ret = 0;
		goto out;
	}
	if (nla_put_u64_64bit(skb, NOGAP_A_SIGDB_SIZE, db->size, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_SIGDB_GENERATION, db->generation))
		goto out;
	kernels = nla_nest_start(skb, NOGAP_A_SIGDB_KERNELS);
	if (!kernels)
		goto out;
	for (i = 0; i < db->db.nkernels; i++) {
		const struct ng_sigdb_kernel *dk = &db->db.k[i];

		k = nla_nest_start(skb, i);
		if (!k ||
		    nla_put_string(skb, NOGAP_KERNEL_A_LABEL, dk->label) ||
		    nla_put_u64_64bit(skb, NOGAP_KERNEL_A_TEXT_SIZE,
				      dk->text_size, NOGAP_KERNEL_A_PAD) ||
		    nla_put_u32(skb, NOGAP_KERNEL_A_FRAGMENTS, dk->nfrags) ||
		    nla_put_u32(skb, NOGAP_KERNEL_A_NAMES, dk->nnames))
			goto out;
		nla_nest_end(skb, k);
	}
	nla_nest_end(skb, kernels);
	ret = 0;
out:
	ng_db_put(db);
	return ret;
}

static int ng_put_anchor(struct sk_buff *skb, const struct ng_anchor *a)
{
	if (nla_put_u64_64bit(skb, NOGAP_A_ANCHOR_RIP, a->rip, NOGAP_A_PAD) ||
	    nla_put_u64_64bit(skb, NOGAP_A_ANCHOR_CR3, a->cr3, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_ANCHOR_VCPU, a->vcpu))
		return -EMSGSIZE;
	return 0;
}

/* The identification state; with_anchor: the result's anchor too. */
static int ng_put_ident(struct sk_buff *skb, struct ng_vm *vm,
			bool with_anchor)
{
	const struct ng_result *r;

	mutex_lock(&vm->ident_lock);
	r = vm->result;
	if (nla_put_u8(skb, NOGAP_A_IDENT_STATE, vm->ident_state))
		goto err;
	if (vm->ident_state == NOGAP_IDENT_FAILED &&
	    (nla_put_u32(skb, NOGAP_A_IDENT_ERRNO, -vm->ident_err) ||
	     nla_put_string(skb, NOGAP_A_IDENT_MSG,
			    vm->ident_msg ? vm->ident_msg : "unknown")))
		goto err;
	if (r &&
	    (nla_put_string(skb, NOGAP_A_IDENT_KERNEL, r->kernel) ||
	     nla_put_u64_64bit(skb, NOGAP_A_IDENT_TEXT_START, r->text_start,
			       NOGAP_A_PAD) ||
	     nla_put_u64_64bit(skb, NOGAP_A_IDENT_TEXT_SIZE, r->text_size,
			       NOGAP_A_PAD) ||
	     nla_put_u32(skb, NOGAP_A_IDENT_FRAGMENTS, r->nfrags) ||
	     nla_put_u32(skb, NOGAP_A_IDENT_MATCHED, r->nmatched) ||
	     nla_put_u32(skb, NOGAP_A_IDENT_SYMBOLS, r->nsyms) ||
	     nla_put_u32(skb, NOGAP_A_IDENT_HOLES, r->holes) ||
	     nla_put_u32(skb, NOGAP_A_IDENT_MSECS, r->msecs) ||
	     (with_anchor && ng_put_anchor(skb, &r->anchor))))
		goto err;
	mutex_unlock(&vm->ident_lock);
	return 0;
err:
	mutex_unlock(&vm->ident_lock);
	return -EMSGSIZE;
}

static int ng_put_vm_head(struct sk_buff *skb, struct ng_vm *vm)
{
	if (nla_put_u32(skb, NOGAP_A_VM_ID, vm->id) ||
	    nla_put_u32(skb, NOGAP_A_VM_PID, vm->pid))
		return -EMSGSIZE;
	return 0;
}

static int ng_fill_vm(struct sk_buff *skb, struct ng_vm *vm, u32 portid,
		      u32 seq, int flags)
{
	struct ng_anchor a;
	bool have;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &ng_family, flags,
			  NOGAP_CMD_VM_GET);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock_irq(&vm->anchor_lock);
	have = vm->have_anchor;
	a = vm->anchor;
	spin_unlock_irq(&vm->anchor_lock);
	if (ng_put_vm_head(skb, vm) ||
	    nla_put_u32(skb, NOGAP_A_VM_VCPUS,
			atomic_read(&vm->kvm->online_vcpus)) ||
	    nla_put_u8(skb, NOGAP_A_VM_STATE,
		       vm->exiting ? NOGAP_VM_EXITING : NOGAP_VM_RUNNING) ||
	    nla_put_u8(skb, NOGAP_A_VM_VENDOR, vm->vendor) ||
	    nla_put_u64_64bit(skb, NOGAP_A_VM_EXITS, atomic64_read(&vm->exits),
			      NOGAP_A_PAD) ||
	    (have && ng_put_anchor(skb, &a)) ||
	    ng_put_ident(skb, vm, false))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- STATUS_GET ---- */

static int ng_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ng_family, 0,
				NOGAP_CMD_STATUS_GET);
	ret = -EMSGSIZE;
	if (!hdr)
		goto err;
	ret = ng_put_status(msg);
	if (ret)
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return ret;
}

/* ---- VM_GET ---- */

static int ng_nl_vm_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct ng_vm *vm;
	int ret;

	if (NG_REQUIRE(info->extack, info->attrs, NOGAP_A_VM_ID,
		       "missing vm id (or ask for a dump)"))
		return -EINVAL;
	vm = ng_vm_get_id(nla_get_u32(info->attrs[NOGAP_A_VM_ID]));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NOGAP_A_VM_ID],
				    "no such vm");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	ret = -ENOMEM;
	if (!msg)
		goto out;
	ret = ng_fill_vm(msg, vm, info->snd_portid, info->snd_seq, 0);
	if (ret) {
		nlmsg_free(msg);
		goto out;
	}
	ret = genlmsg_reply(msg, info);
out:
	ng_vm_put(vm);
	return ret;
}

struct ng_vm_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	int n;
};

static int ng_vm_dump_one(struct ng_vm *vm, void *arg)
{
	struct ng_vm_dump *d = arg;

	if (ng_fill_vm(d->skb, vm, NETLINK_CB(d->cb->skb).portid,
		       d->cb->nlh->nlmsg_seq, NLM_F_MULTI))
		return -EMSGSIZE;
	d->n++;
	return 0;
}

/* cb->args[0]: first VM id of this part; cb->args[1]: 1 when done. */
static int ng_nl_vm_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ng_vm_dump d = { .skb = skb, .cb = cb };
	u32 stopped = 0;
	int ret;

	if (cb->args[1])
		return 0;
	ret = ng_vm_for_each((u32)cb->args[0], ng_vm_dump_one, &d, &stopped);
	if (ret == -EMSGSIZE && d.n) {
		cb->args[0] = stopped;
		return skb->len;
	}
	if (ret)
		return ret;
	cb->args[1] = 1;
	return skb->len;
}

/* ---- SIGDB_LOAD ---- */

static int ng_nl_sigdb_load(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **attrs = info->attrs;
	struct net *net = genl_info_net(info);
	u32 portid = info->snd_portid;
	struct sk_buff *msg;
	u32 crc, *crcp = NULL;
	void *hdr;
	int ret;

	if (NG_REQUIRE(extack, attrs, NOGAP_A_SIGDB_OP,
		       "missing signature db operation"))
		return -EINVAL;
	switch (nla_get_u8(attrs[NOGAP_A_SIGDB_OP])) {
	case NOGAP_SIGDB_BEGIN:
		if (NG_REQUIRE(extack, attrs, NOGAP_A_SIGDB_SIZE,
			       "missing signature db size"))
			return -EINVAL;
		return ng_db_begin(portid, net,
				   nla_get_u64(attrs[NOGAP_A_SIGDB_SIZE]),
				   extack);
	case NOGAP_SIGDB_CHUNK:
		if (NG_REQUIRE(extack, attrs, NOGAP_A_SIGDB_OFFSET,
			       "missing chunk offset") ||
		    NG_REQUIRE(extack, attrs, NOGAP_A_SIGDB_DATA,
			       "missing chunk data"))
			return -EINVAL;
		if (attrs[NOGAP_A_SIGDB_CRC32]) {
			crc = nla_get_u32(attrs[NOGAP_A_SIGDB_CRC32]);
			crcp = &crc;
		}
		return ng_db_chunk(portid, net,
				   nla_get_u64(attrs[NOGAP_A_SIGDB_OFFSET]),
				   nla_data(attrs[NOGAP_A_SIGDB_DATA]),
				   nla_len(attrs[NOGAP_A_SIGDB_DATA]), crcp,
				   extack);
	case NOGAP_SIGDB_COMMIT:
		ret = ng_db_commit(portid, net, extack);
		if (ret)
			return ret;
		/* the new state, as STATUS_GET gives it */
		msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
		if (!msg)
			return 0;	/* loaded; the reply is a courtesy */
		hdr = genlmsg_put_reply(msg, info, &ng_family, 0,
					NOGAP_CMD_SIGDB_LOAD);
		if (!hdr || ng_put_status(msg)) {
			nlmsg_free(msg);
			return 0;
		}
		genlmsg_end(msg, hdr);
		return genlmsg_reply(msg, info);
	case NOGAP_SIGDB_ABORT:
		return ng_db_abort(portid, net, extack);
	}
	/* the policy's range keeps us from here */
	NL_SET_ERR_MSG_ATTR(extack, attrs[NOGAP_A_SIGDB_OP],
			    "unknown signature db operation");
	return -EINVAL;
}

/* ---- IDENTIFY ---- */

static int ng_nl_identify(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct sk_buff *msg;
	struct ng_vm *vm;
	u32 flags = 0;
	void *hdr;
	int ret;

	if (NG_REQUIRE(info->extack, attrs, NOGAP_A_VM_ID, "missing vm id"))
		return -EINVAL;
	if (attrs[NOGAP_A_IDENT_FLAGS])
		flags = nla_get_u32(attrs[NOGAP_A_IDENT_FLAGS]);
	vm = ng_vm_get_id(nla_get_u32(attrs[NOGAP_A_VM_ID]));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[NOGAP_A_VM_ID],
				    "no such vm");
		return -ENOENT;
	}
	if (!(flags & NOGAP_IDENTIFY_F_QUERY)) {
		ret = ng_ident_start(vm, flags & NOGAP_IDENTIFY_F_RESTART,
				     info->extack);
		if (ret)
			goto out;
	}
	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &ng_family, 0, NOGAP_CMD_IDENTIFY);
	if (!hdr || ng_put_vm_head(msg, vm) || ng_put_ident(msg, vm, true)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out:
	ng_vm_put(vm);
	return ret;
}

/* ---- SYMBOLS_GET ---- */

/*
 * The request is checked in the first dumpit call, not in a .start
 * callback: before 6.2 the generic netlink core gives .start no extended
 * ACK, while errors of dumpit reach the client in NLMSG_DONE with their
 * message on every kernel we build for.
 *
 * cb->args[0]: VM id; [1]: next symbol; [2]: 1 once checked.
 */
static struct ng_vm *ng_symbols_vm(struct netlink_callback *cb,
				   struct nlattr **attrs, int *err)
{
	struct ng_vm *vm;

	if (cb->args[2]) {
		vm = ng_vm_get_id((u32)cb->args[0]);
		if (!vm) {
			NL_SET_ERR_MSG(cb->extack, "the vm went away");
			*err = -ENOENT;
		}
		return vm;
	}
	if (NG_REQUIRE(cb->extack, attrs, NOGAP_A_VM_ID, "missing vm id")) {
		*err = -EINVAL;
		return NULL;
	}
	vm = ng_vm_get_id(nla_get_u32(attrs[NOGAP_A_VM_ID]));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attrs[NOGAP_A_VM_ID],
				    "no such vm");
		*err = -ENOENT;
		return NULL;
	}
	cb->args[0] = vm->id;
	cb->args[1] = 0;
	cb->args[2] = 1;
	return vm;
}

static bool ng_name_match(const char *name, const char *filter, bool glob)
{
	if (!filter)
		return true;
	return glob ? glob_match(filter, name) : !!strstr(name, filter);
}

static int ng_put_sym(struct sk_buff *skb, const struct ng_result *r,
		      const struct ng_sym *s, int idx)
{
	struct nlattr *e = nla_nest_start(skb, idx);

	if (!e)
		return -EMSGSIZE;
	if (nla_put_string(skb, NOGAP_SYM_A_NAME, r->names + s->name) ||
	    nla_put_u64_64bit(skb, NOGAP_SYM_A_ADDR, s->addr,
			      NOGAP_SYM_A_PAD) ||
	    nla_put_u32(skb, NOGAP_SYM_A_SIZE, s->size) ||
	    nla_put_u8(skb, NOGAP_SYM_A_EVIDENCE, s->evidence) ||
	    nla_put_u8(skb, NOGAP_SYM_A_CONFIDENCE, s->confidence)) {
		nla_nest_cancel(skb, e);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, e);
	return 0;
}

static int ng_nl_symbols_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = ng_dump_attrs(cb);
	const char *filter = NULL;
	const struct ng_result *r;
	struct nlattr *list;
	struct ng_vm *vm;
	bool glob = false;
	int n = 0, ret;
	void *hdr;
	u64 i;

	if (attrs[NOGAP_A_SYM_FILTER]) {
		filter = nla_data(attrs[NOGAP_A_SYM_FILTER]);
		glob = strpbrk(filter, "*?[");
	}
	vm = ng_symbols_vm(cb, attrs, &ret);
	if (!vm)
		return ret;
	mutex_lock(&vm->ident_lock);
	r = vm->result;
	if (!r) {
		NL_SET_ERR_MSG(cb->extack,
			       "vm not identified yet (nogapctl identify)");
		ret = -ENODATA;
		goto out;
	}
	ret = 0;
	i = cb->args[1];
	if (i >= r->nsyms)
		goto out;

	/* identified again since the dump began: flag NLM_F_DUMP_INTR */
	cb->seq = vm->result_gen;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ng_family, NLM_F_MULTI, NOGAP_CMD_SYMBOLS_GET);
	ret = -EMSGSIZE;
	if (!hdr)
		goto out;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, NOGAP_A_VM_ID, vm->id))
		goto cancel;
	list = nla_nest_start(skb, NOGAP_A_SYMBOLS);
	if (!list)
		goto cancel;
	for (; i < r->nsyms; i++) {
		const struct ng_sym *s = &r->syms[i];

		if (!ng_name_match(r->names + s->name, filter, glob))
			continue;
		if (ng_put_sym(skb, r, s, n))
			break;
		n++;
	}
	cb->args[1] = i;
	if (!n) {
		/* nothing fitted, or nothing matched up to the end */
		if (i < r->nsyms)
			goto cancel;	/* cannot happen: one always fits */
		genlmsg_cancel(skb, hdr);
		ret = 0;
		goto out;
	}
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	ret = skb->len;
	goto out;
cancel:
	genlmsg_cancel(skb, hdr);
	ret = -EMSGSIZE;
out:
	mutex_unlock(&vm->ident_lock);
	ng_vm_put(vm);
	return ret;
}

/* ---- the family ---- */

static const struct genl_ops ng_ops[] = {
	{
		.cmd = NOGAP_CMD_STATUS_GET,
		.doit = ng_nl_status,
		.policy = ng_status_policy,
		.maxattr = NOGAP_A_MAX,
	},
	{
		.cmd = NOGAP_CMD_VM_GET,
		.doit = ng_nl_vm_get,
		.dumpit = ng_nl_vm_dump,
		.policy = ng_vm_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_SIGDB_LOAD,
		.doit = ng_nl_sigdb_load,
		.policy = ng_sigdb_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_IDENTIFY,
		.doit = ng_nl_identify,
		.policy = ng_identify_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_SYMBOLS_GET,
		.dumpit = ng_nl_symbols_dump,
		.policy = ng_symbols_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_PS_GET,
		.dumpit = ng_nl_ps_dump,
		.done = ng_nl_ps_done,
		.policy = ng_ps_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_CALL,
		.doit = ng_nl_call,
		.policy = ng_call_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_WATCH,
		.doit = ng_nl_watch,
		.policy = ng_watch_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_BP_GET,
		.dumpit = ng_nl_bp_dump,
		.policy = ng_bp_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_POLICY_SET,
		.doit = ng_nl_policy_set,
		.policy = ng_policy_set_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = NOGAP_CMD_POLICY_GET,
		.dumpit = ng_nl_policy_get,
		.policy = ng_policy_get_policy,
		.maxattr = NOGAP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

struct genl_family ng_family __ro_after_init = {
	.name = NOGAP_GENL_NAME,
	.version = NOGAP_GENL_VERSION,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = ng_ops,
	.n_ops = ARRAY_SIZE(ng_ops),
	/* strict checks (reserved header bytes, attributes) for every op */
	.resv_start_op = NOGAP_CMD_STATUS_GET,
	.mcgrps = ng_mcgrps,
	.n_mcgrps = ARRAY_SIZE(ng_mcgrps),
};

/* ---- events ---- */

/*
 * Every event gets the next sequence number when it is built; an event
 * that cannot be built or delivered (no memory, a listener's buffer full)
 * counts as dropped. A listener sees a gap in NOGAP_A_EVENT_SEQ and the
 * total in NOGAP_A_EVENT_DROPS. No listener: nothing is built, nothing
 * counted.
 */
static bool ng_events_on;
static atomic64_t ng_event_seq = ATOMIC64_INIT(0);
static atomic64_t ng_event_drops = ATOMIC64_INIT(0);
static atomic64_t ng_event_sent = ATOMIC64_INIT(0);

u64 ng_events_sent(void)
{
	return atomic64_read(&ng_event_sent);
}

u64 ng_events_dropped(void)
{
	return atomic64_read(&ng_event_drops);
}

bool ng_event_listened(void)
{
	return READ_ONCE(ng_events_on) &&
	       genl_has_listeners(&ng_family, &init_net, NG_MCGRP_EVENTS);
}

struct sk_buff *ng_event_new(u8 type, struct ng_vm *vm, gfp_t gfp,
			     void **hdr)
{
	struct sk_buff *skb;
	u64 seq;

	if (!ng_event_listened())
		return NULL;
	seq = atomic64_inc_return(&ng_event_seq);
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		goto drop;
	*hdr = genlmsg_put(skb, 0, 0, &ng_family, 0, NOGAP_CMD_EVENT);
	if (!*hdr || nla_put_u8(skb, NOGAP_A_EVENT_TYPE, type) ||
	    nla_put_u64_64bit(skb, NOGAP_A_EVENT_SEQ, seq, NOGAP_A_PAD) ||
	    nla_put_u64_64bit(skb, NOGAP_A_EVENT_DROPS,
			      atomic64_read(&ng_event_drops), NOGAP_A_PAD) ||
	    (vm && ng_put_vm_head(skb, vm))) {
		nlmsg_free(skb);
		goto drop;
	}
	return skb;
drop:
	atomic64_inc(&ng_event_drops);
	return NULL;
}

void ng_event_cancel(struct sk_buff *skb)
{
	nlmsg_free(skb);
	atomic64_inc(&ng_event_drops);
}

void ng_event_dropped(u64 n)
{
	if (n && ng_event_listened())
		atomic64_add(n, &ng_event_drops);
}

void ng_event_send(struct sk_buff *skb, void *hdr, gfp_t gfp)
{
	int ret;

	genlmsg_end(skb, hdr);
	ret = genlmsg_multicast(&ng_family, skb, 0, NG_MCGRP_EVENTS, gfp);
	if (ret && ret != -ESRCH)
		atomic64_inc(&ng_event_drops);
	else if (!ret)
		atomic64_inc(&ng_event_sent);
}

void ng_event_vm(struct ng_vm *vm, u8 type)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ng_event_new(type, vm, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (type == NOGAP_EVENT_VM_ADDED &&
	    (nla_put_u32(skb, NOGAP_A_VM_VCPUS,
			 atomic_read(&vm->kvm->online_vcpus)) ||
	     nla_put_u8(skb, NOGAP_A_VM_VENDOR, vm->vendor))) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
}

void ng_event_identified(struct ng_vm *vm)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ng_event_new(NOGAP_EVENT_IDENTIFY_DONE, vm, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (ng_put_ident(skb, vm, true)) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
}

void ng_event_sigdb(const struct ng_db *db)
{
	struct sk_buff *skb;
	void *hdr;

	skb = ng_event_new(NOGAP_EVENT_SIGDB_LOADED, NULL, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (nla_put_u64_64bit(skb, NOGAP_A_SIGDB_SIZE, db->size, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_SIGDB_GENERATION, db->generation)) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
}

/* A generic netlink socket closed: what it owned (watches) goes. */
static int ng_netlink_notify(struct notifier_block *nb, unsigned long state,
			     void *ptr)
{
	struct netlink_notify *n = ptr;

	if (state == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid)
		ng_instr_release_portid(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block ng_netlink_nb = {
	.notifier_call = ng_netlink_notify,
};

int ng_netlink_init(void)
{
	int ret = genl_register_family(&ng_family);

	if (ret)
		return ret;
	ret = netlink_register_notifier(&ng_netlink_nb);
	if (ret) {
		genl_unregister_family(&ng_family);
		return ret;
	}
	WRITE_ONCE(ng_events_on, true);
	return 0;
}

void ng_netlink_exit(void)
{
	WRITE_ONCE(ng_events_on, false);
	netlink_unregister_notifier(&ng_netlink_nb);
	genl_unregister_family(&ng_family);
}
