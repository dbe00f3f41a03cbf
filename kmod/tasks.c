// SPDX-License-Identifier: GPL-2.0
/* tasks.c - placeholder while the process view is written. */
#include "nogap.h"

const struct nla_policy ng_ps_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = { .type = NLA_U32 },
};
int ng_tasks_init(void) { return 0; }
void ng_tasks_exit(void) { }
void ng_tasks_update(struct ng_vm *vm) { }
void ng_tasks_stop(struct ng_vm *vm) { }
int ng_nl_ps_dump(struct sk_buff *skb, struct netlink_callback *cb) { return -EOPNOTSUPP; }
