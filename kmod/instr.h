/* SPDX-License-Identifier: GPL-2.0 */
/*
 * instr.h - what intercept.c (breakpoints) and call.c (guest calls) share;
 * private to those two files.
 */
#ifndef NG_INSTR_H
#define NG_INSTR_H

#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include "nogap.h"

#define NG_INSN_BUF		16
#define NG_BP_NAME		64
/* Safe-stop breakpoints a call sets at once. */
#define NG_CALL_STOPS		6

/*
 * Everything the exit path looks at (instr, sites, bps) is read under
 * intercept.c's SRCU and freed after synchronize_srcu(): the exit path
 * may sleep (guest memory, KVM's emulator).
 */

/* One patched address; several breakpoints (owners) may share it. */
struct ng_site {
	struct hlist_node hnode;	/* ng_instr.sites */
	struct list_head bps;		/* struct ng_bp.node */
	struct list_head dead;		/* freed after synchronize_srcu() */
	u64 addr;			/* guest-virtual */
	u64 gpa;
	u8 insn[NG_INSN_BUF];		/* the displaced instruction */
	u8 len;
	u8 step;			/* enum nogap_bp_step */
	bool stop;			/* a safe stop for guest calls */
	atomic64_t hits;
};

struct ng_bp {
	struct list_head node;		/* site->bps */
	struct list_head all;		/* ng_instr.bps, in id order */
	struct ng_site *site;
	u32 id;
	u32 tag;
	u8 owner;
	ng_bp_fn fn;
	void *ctx;
	atomic64_t hits;
	char name[NG_BP_NAME];
};

enum ng_call_state {
	NG_CALL_IDLE,
	NG_CALL_WAIT,		/* waiting for a vCPU at a safe stop */
	NG_CALL_RUNNING,	/* the function runs in the guest */
	NG_CALL_DONE,		/* returned, registers restored */
	NG_CALL_ABANDONED,	/* timed out while running: restore on return */
	NG_CALL_CLEANUP,	/* returned after all: stops being removed */
};

struct ng_call_ctx {
	struct mutex one;		/* one call at a time per VM */
	struct mutex lock;		/* below; the exit path takes it too */
	wait_queue_head_t wq;
	u8 state;			/* enum ng_call_state */
	u64 func;
	u64 args[6];
	/* the vCPU's state at the stop, restored at the return trap */
	u64 saved[NR_VCPU_REGS];
	u64 rflags;
	u64 trap;			/* return address: a stop site */
	u64 frame;			/* RSP at the function's entry */
	u64 ret;
	u32 vcpu;			/* where it started */
	u32 ret_vcpu;			/* where it returned */
	u32 stops[NG_CALL_STOPS];	/* breakpoint ids */
	u32 nstops;
	struct work_struct cleanup;	/* remove stops after an abandoned call */
};

struct ng_instr {
	struct hlist_node hnode;	/* ng_instr_hash by kvm */
	struct kref ref;
	struct kvm *kvm;
	struct ng_vm *vm;
	u8 vendor;			/* enum nogap_vendor */
	bool dead;			/* stopped: no new breakpoints */
	struct mutex lock;		/* sites, bps, arming */
	DECLARE_HASHTABLE(sites, 6);
	struct list_head bps;
	u32 next_id;
	u32 nsites;
	u32 nbps;
	/* intercept state the vCPUs should have, applied at each entry */
	bool want;
	u32 gen;
	u32 *vcpu_gen;			/* KVM_MAX_VCPUS: gen each applied */
	u8 *exit_traced;		/* KVM_MAX_VCPUS: kvm_exit fired already */
	struct ng_call_ctx call;
};

/* intercept.c, for call.c */
struct ng_instr *ng_instr_get(struct ng_vm *vm, bool create);
void ng_instr_put(struct ng_instr *in);
int ng_guest_write_virt(struct kvm *kvm, u64 cr3, u64 gva, const void *buf,
			size_t len);
void ng_set_reg(struct kvm_vcpu *vcpu, int reg, u64 val);
/* VM id and function (FUNC_NAME or FUNC_ADDR) of a request, vm with a
 * reference, or ERR_PTR with a message; addr NULL: the VM only. */
struct ng_vm *ng_nl_vm_func(struct genl_info *info, u64 *addr, char *name,
			    size_t len);
void ng_instr_count_call(bool timeout);

/* call.c, for intercept.c */
void ng_call_ctx_init(struct ng_instr *in);
/*
 * A hit at a site, on the exit path: 1 when the call machinery consumed
 * it (took the vCPU over for a call, or caught a call's return), else 0.
 */
int ng_call_hit(struct ng_instr *in, struct kvm_vcpu *vcpu,
		struct ng_site *site, const struct ng_vcpu_view *v,
		const struct ng_bp_hit *hit);
/* The VM is being stopped: end the call (waits for a running one). */
void ng_call_stop(struct ng_instr *in);
bool ng_call_busy(struct ng_instr *in);

#endif /* NG_INSTR_H */
