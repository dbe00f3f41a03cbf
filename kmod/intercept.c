// SPDX-License-Identifier: GPL-2.0
/* intercept.c - placeholder while the breakpoint engine is written. */
#include "nogap.h"

const struct nla_policy ng_call_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = { .type = NLA_U32 },
};
const struct nla_policy ng_watch_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = { .type = NLA_U32 },
};
const struct nla_policy ng_bp_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = { .type = NLA_U32 },
};

int ng_instr_init(void) { return 0; }
void ng_instr_exit(void) { }
void ng_instr_stop(struct ng_vm *vm) { }
int ng_instr_put_status(struct sk_buff *skb) { return 0; }
void ng_instr_release_portid(u32 portid) { }
int ng_bp_add(struct ng_vm *vm, u64 addr, u8 owner, u32 tag, ng_bp_fn fn,
	      void *ctx, u32 *id, struct netlink_ext_ack *extack)
{ return -EOPNOTSUPP; }
int ng_bp_del(struct ng_vm *vm, u32 id) { return -ENOENT; }
void ng_bp_del_owner(struct ng_vm *vm, u8 owner, u32 tag) { }
int ng_call(struct ng_vm *vm, u64 func, const u64 *args, unsigned int nargs,
	    unsigned int timeout_ms, u64 *ret, struct netlink_ext_ack *extack)
{ return -EOPNOTSUPP; }
int ng_nl_call(struct sk_buff *skb, struct genl_info *info) { return -EOPNOTSUPP; }
int ng_nl_watch(struct sk_buff *skb, struct genl_info *info) { return -EOPNOTSUPP; }
int ng_nl_bp_dump(struct sk_buff *skb, struct netlink_callback *cb) { return -EOPNOTSUPP; }
