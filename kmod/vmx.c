// SPDX-License-Identifier: GPL-2.0
/*
 * vmx.c - Intel VMX specifics: the anchor from the VMCS at a VM exit.
 *
 * kvm-intel reads guest state with VMREAD from the current VMCS
 * (vmcs_readl() in arch/x86/kvm/vmx/vmx_ops.h, not exported, not in the
 * headers package). The kvm_exit tracepoint fires at the end of
 * vmx_vcpu_run(), on the vCPU's thread with preemption off, while the
 * vCPU's VMCS is still the current one on this CPU; so VMREAD is issued
 * here directly. KVM's register cache is not used: kvm_read_cr3() would
 * have to VMREAD anyway (the cache is invalid after each exit with EPT),
 * and it is an inline of a private header.
 *
 * This file builds on every kernel but cannot run in the project's lab
 * (QEMU's TCG emulates SVM only); it is kept small and symmetric with
 * svm.c.
 */

#include <linux/kvm_host.h>
#include <asm/asm.h>
#include <asm/vmx.h>

#include "nogap.h"

/* VMREAD of field into *val; false on VMfailInvalid/VMfailValid. */
static bool ng_vmread(unsigned long field, unsigned long *val)
{
	unsigned long v;
	bool fail;

	asm volatile("vmread %[field], %[v]"
		     CC_SET(be)
		     : CC_OUT(be) (fail), [v] "=r" (v)
		     : [field] "r" (field)
		     : "cc");
	*val = v;
	return !fail;
}

/* Segment access rights (VMCS format): DPL and the 64-bit code flag. */
#define NG_VMX_AR_DPL(ar)	(((ar) >> 5) & 3)
#define NG_VMX_AR_L		(1ul << 13)

bool ng_vmx_anchor(struct kvm_vcpu *vcpu, struct ng_anchor *a)
{
	unsigned long rip, cr3, ss_ar, cs_ar, ctl, ctl2 = 0, reason = 0;
	bool ept;

	/* In a nested guest the current VMCS is vmcs02 (L2's state). */
	if (vcpu->arch.hflags & HF_GUEST_MASK)
		return false;
	if (vcpu->arch.guest_state_protected)
		return false;
	if (!(vcpu->arch.efer & EFER_LMA))
		return false;
	/* SS.DPL is the CPL (SDM vol. 3, 5.5) */
	if (!ng_vmread(GUEST_SS_AR_BYTES, &ss_ar) || NG_VMX_AR_DPL(ss_ar) != 0)
		return false;
	if (!ng_vmread(GUEST_CS_AR_BYTES, &cs_ar) || !(cs_ar & NG_VMX_AR_L))
		return false;
	if (!ng_vmread(GUEST_RIP, &rip) ||
	    !ng_vmread(CPU_BASED_VM_EXEC_CONTROL, &ctl))
		return false;
	if ((ctl & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
	    !ng_vmread(SECONDARY_VM_EXEC_CONTROL, &ctl2))
		return false;
	ept = ctl2 & SECONDARY_EXEC_ENABLE_EPT;
	/* Without EPT the VMCS holds KVM's shadow root; CR3 writes exit. */
	if (ept) {
		if (!ng_vmread(GUEST_CR3, &cr3))
			return false;
	} else {
		cr3 = vcpu->arch.cr3;
	}
	a->rip = rip;
	a->cr3 = cr3;
	/* LA57 is never a guest-owned CR4 bit: KVM's copy is current. */
	a->la57 = !!(vcpu->arch.cr4 & X86_CR4_LA57);
	a->nxe = !!(vcpu->arch.efer & EFER_NX);
	ng_vmread(VM_EXIT_REASON, &reason);
	a->hlt = (reason & 0xffff) == EXIT_REASON_HLT;
	a->vcpu = vcpu->vcpu_idx;
	return true;
}
