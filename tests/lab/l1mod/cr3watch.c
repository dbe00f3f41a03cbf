// SPDX-License-Identifier: GPL-2.0
/*
 * cr3watch.c - a lab probe (L1 module; not part of NoGap): does KVM ever
 * write a stale CR3 into a guest's VMCB?
 *
 * With nested paging the guest's CR3 lives in the VMCB; KVM's copy
 * (vcpu->arch.cr3) is refreshed at each exit by svm_handle_exit(), and
 * svm_load_mmu_pgd() writes that copy back into the VMCB whenever KVM
 * loads an MMU root. A copy older than the VMCB would move the guest to
 * another address space. The lab saw L2 lose its address space under load
 * (docs/results.md); this counts and reports every svm_load_mmu_pgd()
 * call where the two differ, with the caller's stack once.
 * Loaded by l1-init.sh when L1's command line has lab.cr3watch=1.
 */

#include <linux/module.h>
#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <asm/svm.h>

struct cw_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
};

static atomic_long_t cw_calls = ATOMIC_LONG_INIT(0);
static atomic_long_t cw_stale = ATOMIC_LONG_INIT(0);

static int cw_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(kp->arg));
}

static const struct kernel_param_ops cw_ops = { .get = cw_get };
module_param_cb(calls, &cw_ops, &cw_calls, 0444);
module_param_cb(stale, &cw_ops, &cw_stale, 0444);

static int cw_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm_vcpu *vcpu = (struct kvm_vcpu *)regs->di;
	struct vmcb *vmcb;
	u64 v, a;

	atomic_long_inc(&cw_calls);
	if (!vcpu || (vcpu->arch.hflags & HF_GUEST_MASK))
		return 0;
	vmcb = container_of(vcpu, struct cw_vcpu_svm_head, vcpu)->vmcb;
	if (!vmcb || !PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb))
		return 0;
	if (!(vmcb->control.nested_ctl & SVM_NESTED_CTL_NP_ENABLE))
		return 0;
	v = READ_ONCE(vmcb->save.cr3);
	a = vcpu->arch.cr3;
	if (v == a)
		return 0;
	if (atomic_long_inc_return(&cw_stale) == 1) {
		pr_err("vcpu %d: svm_load_mmu_pgd writes cr3 %llx over %llx\n",
		       vcpu->vcpu_idx, a, v);
		dump_stack();
	} else {
		pr_err_ratelimited("vcpu %d: svm_load_mmu_pgd writes cr3 %llx over %llx\n",
				   vcpu->vcpu_idx, a, v);
	}
	return 0;
}

static struct kprobe cw_kp = {
	.symbol_name = "svm_load_mmu_pgd",
	.pre_handler = cw_pre,
};

static int __init cw_init(void)
{
	int ret = register_kprobe(&cw_kp);

	if (ret)
		return ret;
	pr_info("watching svm_load_mmu_pgd\n");
	return 0;
}

static void __exit cw_exit(void)
{
	unregister_kprobe(&cw_kp);
}

module_init(cw_init);
module_exit(cw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NoGap lab: stale CR3 writes by KVM (probe)");
