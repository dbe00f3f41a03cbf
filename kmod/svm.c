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

/* The head of struct vcpu_svm. */
struct ng_vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
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
