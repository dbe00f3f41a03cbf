// SPDX-License-Identifier: GPL-2.0
/* policy.c - placeholder while the policy store is written. */
#include "nogap.h"

const struct nla_policy ng_policy_set_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_POLICY_NAME] = { .type = NLA_NUL_STRING },
};
const struct nla_policy ng_policy_get_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_POLICY_NAME] = { .type = NLA_NUL_STRING },
};
int ng_policy_init(void) { return 0; }
void ng_policy_exit(void) { }
u32 ng_policy_actions(u8 type, u32 vm, const struct ng_subject *s) { return NOGAP_ACTION_REPORT; }
bool ng_policy_wants(u8 type, u32 vm) { return false; }
int ng_nl_policy_set(struct sk_buff *skb, struct genl_info *info) { return -EOPNOTSUPP; }
int ng_nl_policy_get(struct sk_buff *skb, struct genl_info *info) { return -EOPNOTSUPP; }
