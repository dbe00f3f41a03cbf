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

/* ---- the breakpoint engine (intercept.c) ---- */

static bool ng_vmwrite(unsigned long field, unsigned long val)
{
	bool fail;

	asm volatile("vmwrite %[v], %[field]"
		     CC_SET(be)
		     : CC_OUT(be) (fail)
		     : [field] "r" (field), [v] "r" (val)
		     : "cc");
	return !fail;
}

/* An INT3 exits as a software exception #BP; VMX has no INTn exiting. */
u8 ng_vmx_trap(struct kvm_vcpu *vcpu)
{
	unsigned long reason = 0, info = 0;

	preempt_disable();
	if (ng_vmread(VM_EXIT_REASON, &reason) &&
	    (reason & 0xffff) == EXIT_REASON_EXCEPTION_NMI)
		ng_vmread(VM_EXIT_INTR_INFO, &info);
	preempt_enable();
	if ((info & INTR_INFO_VALID_MASK) &&
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_SOFT_EXCEPTION &&
	    (info & INTR_INFO_VECTOR_MASK) == BP_VECTOR)
		return NG_TRAP_BP;
	return NG_TRAP_NONE;
}

/*
 * At an exit we consume: RIP and RSP are read lazily by kvm-intel, so load
 * them into KVM's register cache; the instruction length is what KVM uses
 * to re-inject a software exception.
 */
bool ng_vmx_view(struct kvm_vcpu *vcpu, struct ng_vcpu_view *v)
{
	unsigned long rip, rsp, ss_ar, cs_ar, cr3, len;
	bool ok;

	if (vcpu->arch.guest_state_protected)
		return false;
	preempt_disable();
	ok = ng_vmread(GUEST_RIP, &rip) && ng_vmread(GUEST_RSP, &rsp) &&
	     ng_vmread(GUEST_SS_AR_BYTES, &ss_ar) &&
	     ng_vmread(GUEST_CS_AR_BYTES, &cs_ar) &&
	     ng_vmread(GUEST_CR3, &cr3) &&
	     ng_vmread(VM_EXIT_INSTRUCTION_LEN, &len);
	preempt_enable();
	if (!ok)
		return false;
	if (!(vcpu->arch.regs_avail & BIT(VCPU_REGS_RIP))) {
		vcpu->arch.regs[VCPU_REGS_RIP] = rip;
		vcpu->arch.regs_avail |= BIT(VCPU_REGS_RIP);
	}
	if (!(vcpu->arch.regs_avail & BIT(VCPU_REGS_RSP))) {
		vcpu->arch.regs[VCPU_REGS_RSP] = rsp;
		vcpu->arch.regs_avail |= BIT(VCPU_REGS_RSP);
	}
	vcpu->arch.event_exit_inst_len = len;
	/* without EPT the VMCS holds KVM's shadow root */
	v->cr3 = (vcpu->arch.regs_avail & BIT(VCPU_EXREG_CR3)) ?
		 vcpu->arch.cr3 : cr3;
	v->cpl = NG_VMX_AR_DPL(ss_ar);
	v->nested = vcpu->arch.hflags & HF_GUEST_MASK;
	v->long_mode = (vcpu->arch.efer & EFER_LMA) && (cs_ar & NG_VMX_AR_L);
	return true;
}

/*
 * #BP exiting on or off (off keeps it when KVM's guest debugging wants
 * it). From the vCPU's thread (the kvm_entry tracepoint), where its VMCS
 * is the current one; a remote vCPU's VMCS cannot be written: false.
 */
bool ng_vmx_arm(struct kvm_vcpu *vcpu, bool on, bool remote)
{
	unsigned long eb;
	bool want, ok = false;

	if (remote || (vcpu->arch.hflags & HF_GUEST_MASK))
		return false;
	want = on || (vcpu->guest_debug &
		      (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP)) ==
		     (KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP);
	preempt_disable();
	if (ng_vmread(EXCEPTION_BITMAP, &eb)) {
		ok = true;
		if (!!(eb & BIT(BP_VECTOR)) != want)
			ok = ng_vmwrite(EXCEPTION_BITMAP,
					want ? eb | BIT(BP_VECTOR) :
					eb & ~BIT(BP_VECTOR));
	}
	preempt_enable();
	return ok;
}
