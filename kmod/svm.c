// SPDX-License-Identifier: GPL-2.0
/*
 * svm.c - AMD SVM specifics: the anchor from the VMCB at a VM exit.
 *
 * kvm-amd keeps a vCPU in struct vcpu_svm (arch/x86/kvm/svm/svm.h, not in
 * the headers package): struct kvm_vcpu first, then the pointer to the
 * current VMCB. That is so in every kernel from 5.x to 6.12; the pointer
 * is checked for plausibility (a page of the direct map) before use, and a
 * layout that does not fit turns SVM anchors off instead of reading
 * garbage.
 *
 * At a #VMEXIT the processor has written the guest state into the VMCB's
 * save area, so it is current when the kvm_exit tracepoint fires; KVM's
 * own copy of CR3 (vcpu->arch.cr3) is stale with nested paging, and asking
 * KVM to refresh it (kvm_x86_cache_reg) is a KVM_BUG_ON on SVM.
 */

#include <linux/kvm_host.h>
#include <asm/svm.h>

#include "nogap.h"

/* The head of struct vcpu_svm: the current VMCB, then vmcb01's pointer. */
struct ng_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
	struct vmcb *vmcb01;	/* struct kvm_vmcb_info begins with it */
};

static bool ng_svm_layout_bad;

static struct vmcb *ng_svm_vmcb(struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb;

	if (READ_ONCE(ng_svm_layout_bad))
		return NULL;
	vmcb = container_of(vcpu, struct ng_vcpu_svm_head, vcpu)->vmcb;
	if (!vmcb || !PAGE_ALIGNED(vmcb) || !virt_addr_valid(vmcb)) {
		WRITE_ONCE(ng_svm_layout_bad, true);
		pr_warn_once("unexpected struct vcpu_svm layout: SVM anchors disabled\n");
		return NULL;
	}
	return vmcb;
}

bool ng_svm_anchor(struct kvm_vcpu *vcpu, struct ng_anchor *a)
{
	const struct vmcb_save_area *save;
	struct vmcb *vmcb;
	bool npt;

	/* In a nested guest the VMCB holds L2's state, not this VM's. */
	if (vcpu->arch.hflags & HF_GUEST_MASK)
		return false;
	/* SEV-ES and later: the save area is encrypted. */
	if (vcpu->arch.guest_state_protected)
		return false;
	vmcb = ng_svm_vmcb(vcpu);
	if (!vmcb)
		return false;
	save = &vmcb->save;
	if (save->cpl != 0 || !(save->efer & EFER_LMA) ||
	    !(save->cs.attrib & SVM_SELECTOR_L_MASK))
		return false;

	npt = vmcb->control.nested_ctl & SVM_NESTED_CTL_NP_ENABLE;
	a->rip = save->rip;
	/* Without nested paging the VMCB holds KVM's shadow root. */
	a->cr3 = npt ? save->cr3 : vcpu->arch.cr3;
	a->la57 = !!((npt ? save->cr4 : vcpu->arch.cr4) & X86_CR4_LA57);
	a->nxe = !!(save->efer & EFER_NX);
	a->hlt = vmcb->control.exit_code == SVM_EXIT_HLT;
	a->vcpu = vcpu->vcpu_idx;
	return true;
}

/* ---- the breakpoint engine (intercept.c) ---- */

/* The VMCB clean bit of the intercept vectors (VMCB_INTERCEPTS). */
#define NG_VMCB_CLEAN_INTERCEPTS	BIT(0)
#define NG_SVM_BP	(INTERCEPT_EXCEPTION_OFFSET + BP_VECTOR)

static bool ng_vmcb_bit(const struct vmcb *v, u32 bit)
{
	return v->control.intercepts[bit / 32] & BIT(bit % 32);
}

u8 ng_svm_trap(struct kvm_vcpu *vcpu)
{
	struct vmcb *vmcb = ng_svm_vmcb(vcpu);

	if (!vmcb)
		return NG_TRAP_NONE;
	switch (vmcb->control.exit_code) {
	case SVM_EXIT_EXCP_BASE + BP_VECTOR:
		return NG_TRAP_BP;
	case SVM_EXIT_SWINT:
		return NG_TRAP_SWINT;
	}
	return NG_TRAP_NONE;
}

/*
 * At an exit we consume, before KVM's own handler would have run: do what
 * svm_handle_exit() does first (KVM's copies of CR0 and CR3 are those of
 * the previous exit otherwise, and KVM's emulator walks the guest's page
 * tables from vcpu->arch.cr3), and describe the vCPU.
 */
bool ng_svm_view(struct kvm_vcpu *vcpu, struct ng_vcpu_view *v)
{
	struct vmcb *vmcb = ng_svm_vmcb(vcpu);
	bool npt;

	if (!vmcb || vcpu->arch.guest_state_protected)
		return false;
	npt = vmcb->control.nested_ctl & SVM_NESTED_CTL_NP_ENABLE;
	if (!(vmcb->control.intercepts[0] & BIT(INTERCEPT_CR0_WRITE)))
		vcpu->arch.cr0 = vmcb->save.cr0;
	if (npt)
		vcpu->arch.cr3 = vmcb->save.cr3;
	v->cr3 = npt ? vmcb->save.cr3 : vcpu->arch.cr3;
	v->cpl = vmcb->save.cpl;
	v->nested = vcpu->arch.hflags & HF_GUEST_MASK;
	v->long_mode = (vmcb->save.efer & EFER_LMA) &&
		       (vmcb->save.cs.attrib & SVM_SELECTOR_L_MASK);
	return true;
}

/*
 * Intercept the guest's INT3 (#BP, exit 0x43) and software interrupts
 * (INTn, exit 0x75: QEMU's TCG reports INT3 that way) when on; when off,
 * #BP only if KVM's own guest debugging wants it. Only the vCPU's own
 * thread may change its VMCB (KVM changes the same words without atomics)
 * except with remote, for a vCPU that is blocked (halted) at teardown:
 * then atomically. vmcb01 only: in a nested guest, false (not done).
 */
bool ng_svm_arm(struct kvm_vcpu *vcpu, bool on, bool remote)
{
	struct ng_vcpu_svm_head *h;
	struct vmcb *vmcb = ng_svm_vmcb(vcpu);
	bool bp, changed = false;
	u32 bits[2] = { NG_SVM_BP, INTERCEPT_INTn };
	bool want[2];
	int i;

	if (!vmcb || (vcpu->arch.hflags & HF_GUEST_MASK))
		return false;
	h = container_of(vcpu, struct ng_vcpu_svm_head, vcpu);
	if (h->vmcb01 != vmcb)
		return false;
	bp = (vcpu->guest_debug & (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)) ==
	     (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
	want[0] = on || bp;
	want[1] = on;
	for (i = 0; i < 2; i++) {
		u32 *w = &vmcb->control.intercepts[bits[i] / 32];
		u32 m = BIT(bits[i] % 32);

		if (ng_vmcb_bit(vmcb, bits[i]) == want[i])
			continue;
		changed = true;
		if (!remote)
			*w = want[i] ? (*w | m) : (*w & ~m);
		else if (want[i])
			atomic_or(m, (atomic_t *)w);
		else
			atomic_andnot(m, (atomic_t *)w);
	}
	if (changed) {
		if (remote)
			atomic_andnot(NG_VMCB_CLEAN_INTERCEPTS,
				      (atomic_t *)&vmcb->control.clean);
		else
			vmcb->control.clean &= ~NG_VMCB_CLEAN_INTERCEPTS;
	}
	return true;
}
