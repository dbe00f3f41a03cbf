// SPDX-License-Identifier: GPL-2.0
/*
 * tcgfix.c - the lab's workaround for QEMU's TCG delivering an interrupt
 * to a nested guest twice (L1 module; not part of NoGap).
 *
 * The bug (QEMU 7.2, Debian 12's, and upstream as of 2026): when VMRUN
 * injects an external interrupt (VMCB EVENTINJ of type INTR), TCG's
 * helper_vmrun() delivers it at once but leaves its vector in
 * cs->exception_index. Until the guest next raises an exception or exits,
 * a bare kick of that vCPU thread (cpu_exit(): another vCPU entering an
 * exclusive section, e.g. for a CMPXCHG16B that TCG cannot do in
 * parallel, or any async work) makes the main loop take the stale vector
 * for a pending exception and deliver the interrupt a second time, at
 * whatever instruction the guest is at, IF=0 or not. At the first
 * instruction of entry_SYSCALL_64 (user RSP) that is a double fault; in
 * the exit-to-user path (user GS base) it is garbage, a wild CR3, a hang.
 * The lab's guests died that way under load (docs/design.md, "The lab's
 * emulator"); the signature is an exit_int_info of exception type with a
 * vector >= 32 (QEMU's own delivery recorded as an event).
 *
 * The workaround: right before each VMRUN that injects an INTR (KVM's
 * kvm_entry tracepoint, interrupts off, GIF clear), send this CPU a
 * reschedule IPI, as KVM itself does to force an immediate exit. It stays
 * pending until VMRUN sets GIF; TCG then delivers the injected vector and,
 * before the guest's first instruction, takes the physical interrupt as an
 * INTR exit, which clears the stale vector. Cost: one exit per injected
 * interrupt. Real hardware needs none of this: tcgfix.ko exists in the lab
 * only, and is loaded on request (lab.tcgfix=1): with it, two full lab runs
 * lost L2 early in the breakpoints stage, which no partial run reproduced;
 * until that is understood it is a tool for the soak, not the default.
 */

#include <linux/module.h>
#include <linux/kvm_host.h>
#include <linux/tracepoint.h>
#include <asm/svm.h>
#include <asm/smp.h>

extern struct tracepoint __tracepoint_kvm_entry;

/* struct vcpu_svm begins with the vCPU, then its current VMCB */
struct tf_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
};

static atomic64_t tf_kicks = ATOMIC64_INIT(0);
static bool tf_layout_bad;

static int tf_kicks_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(&tf_kicks));
}

static const struct kernel_param_ops tf_kicks_ops = {
	.get = tf_kicks_get,
};
module_param_cb(kicks, &tf_kicks_ops, NULL, 0444);
MODULE_PARM_DESC(kicks, "VMRUNs with an injected interrupt followed by an immediate exit");

/* 6.1 passes the vCPU only; 6.9+ add force_immediate_exit (not used). */
static void tf_entry(void *data, struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb;
	u32 inj;

	if (READ_ONCE(tf_layout_bad) || (vcpu->arch.hflags & HF_GUEST_MASK))
		return;
	vmcb = container_of(vcpu, struct tf_vcpu_svm_head, vcpu)->vmcb;
	if (!vmcb || !PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb)) {
		WRITE_ONCE(tf_layout_bad, true);
		pr_warn_once("unexpected struct vcpu_svm layout: off\n");
		return;
	}
	inj = READ_ONCE(vmcb->control.event_inj);
	if ((inj & (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_MASK)) !=
	    (SVM_EVTINJ_VALID | SVM_EVTINJ_TYPE_INTR))
		return;
	atomic64_inc(&tf_kicks);
	smp_send_reschedule(smp_processor_id());
}

static int __init tf_init(void)
{
	int ret;

	if (!boot_cpu_has(X86_FEATURE_SVM))
		return -ENODEV;
	ret = tracepoint_probe_register(&__tracepoint_kvm_entry, tf_entry,
					NULL);
	if (ret)
		return ret;
	pr_info("on: an immediate exit after each injected interrupt (QEMU TCG workaround, lab only)\n");
	return 0;
}

static void __exit tf_exit(void)
{
	tracepoint_probe_unregister(&__tracepoint_kvm_entry, tf_entry, NULL);
	tracepoint_synchronize_unregister();
}

module_init(tf_init);
module_exit(tf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NoGap lab: QEMU TCG double interrupt delivery workaround");
