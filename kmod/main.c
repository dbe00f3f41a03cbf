// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - nogap.ko: name a KVM guest's kernel functions from the host.
 *
 * Loads on a stock KVM host (kvm.ko with kvm-amd or kvm-intel); no KVM
 * patch. See nogap.h for the parts and uapi/linux/nogap.h for the
 * interface.
 */

#include <linux/module.h>
#include <linux/percpu.h>

#include "nogap.h"

struct ng_stats ng_stats;
static DEFINE_PER_CPU(u64, ng_exits);

void ng_count_exit(void)
{
	this_cpu_inc(ng_exits);
}

u64 ng_exits_total(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(ng_exits, cpu);
	return sum;
}

static int __init ng_init(void)
{
	int ret;

	ret = ng_hash_init();
	if (ret)
		return ret;
	ret = ng_db_init();
	if (ret)
		goto err_hash;
	ret = ng_ident_init();
	if (ret)
		goto err_db;
	ret = ng_policy_init();
	if (ret)
		goto err_ident;
	ret = ng_instr_init();
	if (ret)
		goto err_policy;
	ret = ng_tasks_init();
	if (ret)
		goto err_instr;
	ret = ng_wtrack_init();
	if (ret)
		goto err_tasks;
	ret = ng_netlink_init();
	if (ret)
		goto err_wtrack;
	/* last: from here on VM exits are observed */
	ret = ng_vm_init();
	if (ret)
		goto err_netlink;
	pr_info("version %s loaded: watching KVM exits\n", NG_VERSION);
	return 0;

err_netlink:
	ng_netlink_exit();
err_wtrack:
	ng_wtrack_exit();
err_tasks:
	ng_tasks_exit();
err_instr:
	ng_instr_exit();
err_policy:
	ng_policy_exit();
err_ident:
	ng_ident_exit();
err_db:
	ng_db_exit();
err_hash:
	ng_hash_exit();
	return ret;
}

static void __exit ng_exit(void)
{
	/* first: detach from KVM and release every VM (events still go out) */
	ng_vm_exit();
	ng_netlink_exit();
	ng_wtrack_exit();
	ng_tasks_exit();
	ng_instr_exit();
	ng_policy_exit();
	ng_ident_exit();
	ng_db_exit();
	ng_hash_exit();
	pr_info("unloaded\n");
}

module_init(ng_init);
module_exit(ng_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NoGap: identify KVM guest kernel functions from the host");
MODULE_VERSION(NG_VERSION);
MODULE_ALIAS_GENL_FAMILY("nogap");
