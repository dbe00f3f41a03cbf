// SPDX-License-Identifier: GPL-2.0
/*
 * intercept.c - breakpoints in guest kernel code, on the vCPU exit path.
 *
 * A breakpoint is an INT3 (0xcc) written over the first byte of a guest
 * function, found through the guest's page tables and written through
 * the VMM's mapping of guest memory (see ng_kvm_write). The
 * guest's INT3 must then exit to KVM instead of raising #BP in the guest:
 *
 *   - the #BP exception intercept (exit 0x43 on SVM; a #BP "exception or
 *     NMI" exit on VMX), which real processors use for INT3, and
 *   - on SVM also the INTn intercept: QEMU's TCG (the lab's L0) reports a
 *     guest INT3 as a software-interrupt exit (SVM_EXIT_SWINT, 0x75) and
 *     never as 0x43.
 *
 * Only a vCPU's own thread may change its VMCB/VMCS (KVM changes the same
 * words without atomics), so the intercepts are set from KVM's kvm_entry
 * tracepoint, on the vCPU's thread just before it enters the guest: each
 * VM has a wanted state and a generation, each vCPU records the
 * generation it applied. Arming kicks every vCPU and waits until each one
 * has applied it or is outside guest mode (it applies it before it runs
 * guest code again); only then is an INT3 written.
 *
 * KVM has no handler for 0x75 and would hand 0x43 to the VMM as
 * KVM_EXIT_DEBUG, so the vendor exit handler (svm_handle_exit or
 * vmx_handle_exit, not exported) is redirected with ftrace (IPMODIFY, the
 * livepatch mechanism) to ng_handle_exit(), which runs on the vCPU thread,
 * preemptible, and consumes the exits that are INT3s:
 *
 *   - ours (a site at RIP, kernel mode): the handlers of the site's
 *     breakpoints run, then the displaced instruction is stepped over
 *     without lifting the INT3 (other vCPUs keep hitting it): a no-op
 *     (the 5-byte NOP of __fentry__, endbr64, ...) by moving RIP, anything
 *     else by KVM's instruction emulator on the saved original bytes
 *     (kvm_emulate_instruction_from_buffer). A breakpoint is refused on an
 *     instruction the emulator is not known to handle (see ng_classify).
 *   - an INT3 of the guest (its kprobes, text_poke): #BP re-injected with
 *     kvm_queue_exception(), as if we were not there;
 *   - at an address where our INT3 was removed since it trapped: RIP is
 *     left alone, the restored instruction runs;
 *   - INT n (n != 3, exit 0x75 only; e.g. int $0x80 of 32-bit programs):
 *     re-injected as a software interrupt through KVM's own re-injection
 *     path (vcpu->arch.interrupt with soft set), INTO as #OF.
 *
 * Breakpoints live in a per-VM hash table keyed by guest-virtual address;
 * the exit path looks RIP up under SRCU (it may sleep: guest memory, the
 * emulator). Removing one writes the original byte back first (if the
 * byte is still 0xcc: a guest that rewrote it keeps its own and this is
 * counted), then unlinks it, then waits for SRCU readers.
 *
 * Watches (NOGAP_CMD_WATCH) are breakpoints whose handler queues the hit
 * in a small ring; a worker turns hits into NOGAP_EVENT_CALL events,
 * rate-limited, counting what it drops. A watch belongs to the netlink
 * socket that asked for it and goes when it closes.
 */

#include <linux/delay.h>
#include <linux/ftrace.h>
#include <linux/kprobes.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"
#include "instr.h"
#include "core/guest_walk.h"
#include "core/insn.h"

/* kvm.ko's tracepoints: trace_kvm_entry(vcpu[, force_immediate_exit]) */
extern struct tracepoint __tracepoint_kvm_entry;
extern struct tracepoint __tracepoint_kvm_exit;

#define NG_BP_MAX		256	/* breakpoints per VM */
#define NG_ARM_WAIT_MS		2000	/* vCPUs taking a new intercept state */
#define NG_WATCH_RING		256	/* hits queued per watch */
#define NG_WATCH_RATE		1000	/* events per second per watch */
#define NG_INSTR_HASH_BITS	6

DEFINE_STATIC_SRCU(ng_instr_srcu);

/* An extended ACK message that is not a literal (a static string). */
#define NG_ERR_MSG_PTR(extack, m)	\
	do {				\
		if (extack)		\
			(extack)->_msg = (m);	\
	} while (0)

static DEFINE_HASHTABLE(ng_instr_hash, NG_INSTR_HASH_BITS);
static DEFINE_MUTEX(ng_instr_reg_lock);
static atomic_t ng_instr_nr = ATOMIC_INIT(0);
static struct workqueue_struct *ng_instr_wq;
static bool ng_entry_probe_on;

static struct {
	atomic_t bps;
	atomic64_t hits;
	atomic64_t foreign;
	atomic64_t soft_int;
	atomic64_t stale;
	atomic64_t emul_fail;
	atomic64_t rewritten;
	atomic64_t calls;
	atomic64_t call_timeouts;
	atomic64_t events;
	atomic64_t event_drops;
	atomic64_t arm_timeouts;
} ng_ctr;

void ng_instr_count_call(bool timeout)
{
	atomic64_inc(timeout ? &ng_ctr.call_timeouts : &ng_ctr.calls);
}

/* ---- kernel symbols ---- */

static unsigned long ng_kallsyms(const char *name)
{
	static unsigned long (*lookup)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

	if (!lookup) {
		if (register_kprobe(&kp))
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup ? lookup(name) : 0;
}

/* ---- the exit-path hook ---- */

static DEFINE_MUTEX(ng_hook_lock);
static bool ng_hooked;
static u8 ng_hook_vendor;
static struct module *ng_hook_mod;	/* kvm-amd or kvm-intel, pinned */
static int (*ng_orig_exit)(struct kvm_vcpu *vcpu, fastpath_t fp);
static atomic_t ng_hook_inflight = ATOMIC_INIT(0);

static int ng_exit(struct kvm_vcpu *vcpu);

/* Where the redirected handler goes: ours first, KVM's for the rest. */
static int ng_handle_exit(struct kvm_vcpu *vcpu, fastpath_t fp)
{
	int ret;

	atomic_inc(&ng_hook_inflight);
	ret = ng_exit(vcpu);
	if (ret < 0)
		ret = ng_orig_exit(vcpu, fp);
	atomic_dec(&ng_hook_inflight);
	return ret;
}

static void notrace ng_ftrace_cb(unsigned long ip, unsigned long parent_ip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ftrace_get_regs(fregs);

	/* our own call of the original is not redirected */
	if (!regs || within_module(parent_ip, THIS_MODULE))
		return;
	regs->ip = (unsigned long)ng_handle_exit;
}

static struct ftrace_ops ng_fops = {
	.func = ng_ftrace_cb,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
};

/* Hook the exit handler of the vendor module that runs vendor's VMs. */
static int ng_hook(u8 vendor, struct netlink_ext_ack *extack)
{
	const char *fn = vendor == NOGAP_VENDOR_SVM ? "svm_handle_exit" :
			 vendor == NOGAP_VENDOR_VMX ? "vmx_handle_exit" : NULL;
	unsigned long addr;
	struct module *mod;
	int ret;

	mutex_lock(&ng_hook_lock);
	if (ng_hooked) {
		ret = ng_hook_vendor == vendor ? 0 : -EOPNOTSUPP;
		if (ret)
			NL_SET_ERR_MSG(extack, "exit path hooked for the other vendor");
		goto out;
	}
	ret = -EOPNOTSUPP;
	if (!fn) {
		NL_SET_ERR_MSG(extack, "unknown virtualization vendor");
		goto out;
	}
	addr = ng_kallsyms(fn);
	if (!addr) {
		NL_SET_ERR_MSG(extack, "vendor exit handler not found (kallsyms)");
		goto out;
	}
	/* pinned while hooked ("module:symbol" finds it in that module) */
	mod = (struct module *)ng_kallsyms(vendor == NOGAP_VENDOR_SVM ?
					   "kvm_amd:__this_module" :
					   "kvm_intel:__this_module");
	if (!mod || !try_module_get(mod)) {
		NL_SET_ERR_MSG(extack, "vendor kvm module not usable");
		goto out;
	}
	ng_orig_exit = (void *)addr;
	ret = ftrace_set_filter(&ng_fops, (unsigned char *)fn, strlen(fn), 1);
	if (!ret)
		ret = register_ftrace_function(&ng_fops);
	if (ret) {
		ftrace_free_filter(&ng_fops);
		module_put(mod);
		NL_SET_ERR_MSG(extack, "cannot hook the vcpu exit path (ftrace)");
		goto out;
	}
	ng_hook_mod = mod;
	ng_hook_vendor = vendor;
	WRITE_ONCE(ng_hooked, true);
	pr_info("breakpoints: %s redirected\n", fn);
out:
	mutex_unlock(&ng_hook_lock);
	return ret;
}

static void ng_unhook(void)
{
	if (!ng_hooked)
		return;
	unregister_ftrace_function(&ng_fops);
	/* every task redirected before has entered ng_handle_exit */
	synchronize_rcu_tasks();
	while (atomic_read(&ng_hook_inflight))
		msleep(1);
	/* ... and left it (the instructions after the decrement) */
	synchronize_rcu_tasks();
	ftrace_free_filter(&ng_fops);
	module_put(ng_hook_mod);
	ng_hooked = false;
}

/* ---- vendor dispatch ---- */

static u8 ng_trap_of(u8 vendor, struct kvm_vcpu *vcpu)
{
	if (vendor == NOGAP_VENDOR_SVM)
		return ng_svm_trap(vcpu);
	if (vendor == NOGAP_VENDOR_VMX)
		return ng_vmx_trap(vcpu);
	return NG_TRAP_NONE;
}

static bool ng_view(u8 vendor, struct kvm_vcpu *vcpu, struct ng_vcpu_view *v)
{
	if (vendor == NOGAP_VENDOR_SVM)
		return ng_svm_view(vcpu, v);
	if (vendor == NOGAP_VENDOR_VMX)
		return ng_vmx_view(vcpu, v);
	return false;
}

static bool ng_arm_vcpu(u8 vendor, struct kvm_vcpu *vcpu, bool on,
			bool remote)
{
	if (vendor == NOGAP_VENDOR_SVM)
		return ng_svm_arm(vcpu, on, remote);
	if (vendor == NOGAP_VENDOR_VMX)
		return ng_vmx_arm(vcpu, on, remote);
	return false;
}

/* ---- guest memory ---- */

static int ng_kvm_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	struct kvm *kvm = ctx;
	int idx, ret;

	idx = srcu_read_lock(&kvm->srcu);
	ret = kvm_read_guest(kvm, gpa, buf, len);
	srcu_read_unlock(&kvm->srcu, idx);
	return ret ? -EFAULT : 0;
}

/*
 * Write guest memory through the VMM's mapping of it (current->mm is the
 * VMM's). Not kvm_write_guest(): outside a vCPU's context it warns when
 * it marks the page dirty (kvm_get_running_vcpu() is NULL in a worker).
 * The page is not marked in KVM's dirty log: a VM migrated while it has
 * breakpoints would arrive with or without the int3s (docs/design.md).
 */
static int ng_kvm_write(struct kvm *kvm, u64 gpa, const void *buf,
			size_t len)
{
	unsigned long hva;
	int idx, ret = 0;
	size_t n;

	idx = srcu_read_lock(&kvm->srcu);
	while (len && !ret) {
		n = min_t(size_t, len, PAGE_SIZE - (gpa & ~PAGE_MASK));
		hva = gfn_to_hva(kvm, gpa >> PAGE_SHIFT);
		if (kvm_is_error_hva(hva) ||
		    copy_to_user((void __user *)(hva + (gpa & ~PAGE_MASK)),
				 buf, n))
			ret = -EFAULT;
		gpa += n;
		buf += n;
		len -= n;
	}
	srcu_read_unlock(&kvm->srcu, idx);
	return ret;
}

/*
 * Guest-virtual access through the guest's page tables from cr3 (current
 * must have the VMM's mm). The paging mode is KVM's copy of CR4/EFER:
 * LA57 and NX changes always exit.
 */
static void ng_mmu_init(struct kvm *kvm, u64 cr3, struct ng_mmu *m,
			struct ng_physmem *pm, struct kvm_vcpu *vcpu)
{
	pm->ctx = kvm;
	pm->read = ng_kvm_read;
	m->mem = pm;
	m->cr3 = cr3;
	m->la57 = false;
	m->nxe = true;
	if (!vcpu)
		vcpu = kvm_get_vcpu(kvm, 0);
	if (vcpu) {
		m->la57 = !!(vcpu->arch.cr4 & X86_CR4_LA57);
		m->nxe = !!(vcpu->arch.efer & EFER_NX);
	}
}

static int ng_read_virt_k(struct kvm *kvm, struct kvm_vcpu *vcpu, u64 cr3,
			  u64 gva, void *buf, size_t len)
{
	struct ng_physmem pm;
	struct ng_mmu m;

	ng_mmu_init(kvm, cr3, &m, &pm, vcpu);
	return ng_read_virt(&m, gva, buf, len);
}

static int ng_gpa_of(struct kvm *kvm, u64 cr3, u64 gva, u64 *gpa)
{
	struct ng_physmem pm;
	struct ng_xlate x;
	struct ng_mmu m;
	int ret;

	ng_mmu_init(kvm, cr3, &m, &pm, NULL);
	ret = ng_translate(&m, gva, &x);
	if (!ret)
		*gpa = x.gpa;
	return ret;
}

/* Write len bytes (within one page) at gva; exit path or with the mm. */
int ng_guest_write_virt(struct kvm *kvm, u64 cr3, u64 gva, const void *buf,
			size_t len)
{
	u64 gpa;
	int ret;

	if ((gva & ~PAGE_MASK) + len > PAGE_SIZE)
		return -EINVAL;
	ret = ng_gpa_of(kvm, cr3, gva, &gpa);
	if (ret)
		return ret;
	return ng_kvm_write(kvm, gpa, buf, len);
}

/*
 * Run fn with the VMM's mm: directly on the exit path (the vCPU thread),
 * borrowed in a kernel thread, else in a worker (netlink handlers run in
 * the requesting process).
 */
struct ng_mm_work {
	struct work_struct work;
	struct completion done;
	struct ng_instr *in;
	int (*fn)(struct ng_instr *in, void *arg);
	void *arg;
	int ret;
};

static int ng_mm_call(struct ng_instr *in,
		      int (*fn)(struct ng_instr *in, void *arg), void *arg)
{
	struct mm_struct *mm = in->kvm->mm;
	int ret;

	if (!mm || !mmget_not_zero(mm))
		return -ESRCH;
	if (current->mm == mm) {
		ret = fn(in, arg);
	} else {
		kthread_use_mm(mm);
		ret = fn(in, arg);
		kthread_unuse_mm(mm);
	}
	mmput(mm);
	return ret;
}

static void ng_mm_work_fn(struct work_struct *work)
{
	struct ng_mm_work *w = container_of(work, struct ng_mm_work, work);

	w->ret = ng_mm_call(w->in, w->fn, w->arg);
	complete(&w->done);
}

static int ng_with_mm(struct ng_instr *in,
		      int (*fn)(struct ng_instr *in, void *arg), void *arg)
{
	struct ng_mm_work w;

	if (current->mm == in->kvm->mm ||
	    ((current->flags & PF_KTHREAD) && !current->mm))
		return ng_mm_call(in, fn, arg);
	w.in = in;
	w.fn = fn;
	w.arg = arg;
	init_completion(&w.done);
	INIT_WORK_ONSTACK(&w.work, ng_mm_work_fn);
	queue_work(ng_instr_wq, &w.work);
	wait_for_completion(&w.done);
	destroy_work_on_stack(&w.work);
	return w.ret;
}

/* ---- registers ---- */

void ng_set_reg(struct kvm_vcpu *vcpu, int reg, u64 val)
{
	vcpu->arch.regs[reg] = val;
	vcpu->arch.regs_avail |= BIT(reg);
	vcpu->arch.regs_dirty |= BIT(reg);
}

/* ---- per-VM state ---- */

static struct ng_instr *ng_instr_lookup(struct kvm *kvm)
{
	struct ng_instr *in;

	hash_for_each_possible_rcu(ng_instr_hash, in, hnode,
				   (unsigned long)kvm,
				   srcu_read_lock_held(&ng_instr_srcu))
		if (in->kvm == kvm)
			return in;
	return NULL;
}

static void ng_instr_release(struct kref *ref)
{
	struct ng_instr *in = container_of(ref, struct ng_instr, ref);

	kvfree(in->vcpu_gen);
	kvfree(in->exit_traced);
	kfree(in);
}

void ng_instr_put(struct ng_instr *in)
{
	if (in)
		kref_put(&in->ref, ng_instr_release);
}

/* vm's instrumentation state with a reference; create: make it. */
struct ng_instr *ng_instr_get(struct ng_vm *vm, bool create)
{
	struct ng_instr *in;

	mutex_lock(&ng_instr_reg_lock);
	in = vm->instr;
	if (in) {
		kref_get(&in->ref);
		goto out;
	}
	if (!create || READ_ONCE(vm->exiting) || READ_ONCE(vm->stop))
		goto out;
	in = kzalloc(sizeof(*in), GFP_KERNEL);
	if (!in)
		goto out;
	in->vcpu_gen = kvcalloc(KVM_MAX_VCPUS, sizeof(u32), GFP_KERNEL);
	in->exit_traced = kvcalloc(KVM_MAX_VCPUS, sizeof(u8), GFP_KERNEL);
	if (!in->vcpu_gen || !in->exit_traced) {
		kvfree(in->vcpu_gen);
		kvfree(in->exit_traced);
		kfree(in);
		in = NULL;
		goto out;
	}
	kref_init(&in->ref);		/* vm->instr's */
	in->kvm = vm->kvm;
	in->vm = vm;
	in->vendor = vm->vendor;
	mutex_init(&in->lock);
	hash_init(in->sites);
	INIT_LIST_HEAD(&in->bps);
	in->next_id = 1;
	ng_call_ctx_init(in);
	vm->instr = in;
	hash_add_rcu(ng_instr_hash, &in->hnode, (unsigned long)in->kvm);
	atomic_inc(&ng_instr_nr);
	kref_get(&in->ref);
out:
	mutex_unlock(&ng_instr_reg_lock);
	return in;
}

/* ---- arming the vCPUs ---- */

/*
 * kvm_entry tracepoint: the vCPU's thread, interrupts off, right before
 * it enters the guest. (6.9+ pass a second argument; it is not used.)
 */
static void ng_kvm_entry_probe(void *data, struct kvm_vcpu *vcpu)
{
	struct ng_instr *in;
	int idx;

	if (likely(!atomic_read(&ng_instr_nr)))
		return;
	idx = srcu_read_lock(&ng_instr_srcu);
	in = ng_instr_lookup(vcpu->kvm);
	if (in && vcpu->vcpu_idx >= 0 && vcpu->vcpu_idx < KVM_MAX_VCPUS) {
		u32 g = READ_ONCE(in->gen);
		bool want;

		WRITE_ONCE(in->exit_traced[vcpu->vcpu_idx], 0);

		smp_rmb();	/* want as of gen */
		want = READ_ONCE(in->want);
		/* armed: every entry, KVM may have recomputed its bitmap */
		if ((want || READ_ONCE(in->vcpu_gen[vcpu->vcpu_idx]) != g) &&
		    ng_arm_vcpu(in->vendor, vcpu, want, false))
			WRITE_ONCE(in->vcpu_gen[vcpu->vcpu_idx], g);
	}
	srcu_read_unlock(&ng_instr_srcu, idx);
}

/* kvm_exit tracepoint: whether it fires before the exit handler or in it. */
static void ng_kvm_exit_probe(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct ng_instr *in;
	int idx;

	if (likely(!atomic_read(&ng_instr_nr)))
		return;
	idx = srcu_read_lock(&ng_instr_srcu);
	in = ng_instr_lookup(vcpu->kvm);
	if (in && vcpu->vcpu_idx >= 0 && vcpu->vcpu_idx < KVM_MAX_VCPUS)
		WRITE_ONCE(in->exit_traced[vcpu->vcpu_idx], 1);
	srcu_read_unlock(&ng_instr_srcu, idx);
}

/*
 * Make every vCPU take the intercept state on (or off) and wait. A vCPU
 * outside guest mode takes it at its next entry, before any guest code,
 * so for arming it need not be waited for (KVM's mode change is ordered
 * before its entry by a full barrier). For the final disarm (the hook may
 * go away next) each vCPU must really have applied it; a vCPU that does
 * not enter for a while (blocked in HLT, or its VM paused) is disarmed
 * from here.
 * Called with in->lock held.
 */
static int ng_arm_sync(struct ng_instr *in, bool on, bool final)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(NG_ARM_WAIT_MS);
	unsigned long grace = jiffies + msecs_to_jiffies(50);
	struct kvm_vcpu *vcpu;
	unsigned long i;
	u32 g, pending;

	WRITE_ONCE(in->want, on);
	smp_wmb();
	g = in->gen + 1;
	WRITE_ONCE(in->gen, g);
	smp_mb();	/* gen before each vCPU's mode */
	kvm_for_each_vcpu(i, vcpu, in->kvm)
		kvm_vcpu_kick(vcpu);
	for (;;) {
		pending = 0;
		kvm_for_each_vcpu(i, vcpu, in->kvm) {
			u32 vi = vcpu->vcpu_idx;

			if (vi >= KVM_MAX_VCPUS ||
			    READ_ONCE(in->vcpu_gen[vi]) == g)
				continue;
			if (!final &&
			    READ_ONCE(vcpu->mode) == OUTSIDE_GUEST_MODE)
				continue;
			/*
			 * Not entering soon: outside any ioctl (its mutex is
			 * free: a paused VM) or blocked in HLT. Nobody
			 * touches its VMCB then; atomics for the latter.
			 */
			if (final && time_after(jiffies, grace) &&
			    mutex_trylock(&vcpu->mutex)) {
				bool ok = ng_arm_vcpu(in->vendor, vcpu, on,
						      true);

				mutex_unlock(&vcpu->mutex);
				if (ok) {
					WRITE_ONCE(in->vcpu_gen[vi], g);
					continue;
				}
			}
			if (final && time_after(jiffies, grace) &&
			    kvm_vcpu_is_blocking(vcpu) &&
			    ng_arm_vcpu(in->vendor, vcpu, on, true)) {
				WRITE_ONCE(in->vcpu_gen[vi], g);
				continue;
			}
			pending++;
			kvm_vcpu_kick(vcpu);
		}
		if (!pending)
			return 0;
		if (time_after(jiffies, deadline)) {
			atomic64_add(pending, &ng_ctr.arm_timeouts);
			return -ETIMEDOUT;
		}
		usleep_range(500, 1000);
	}
}

/* ---- breakpoints ---- */

static struct ng_site *ng_site_find(struct ng_instr *in, u64 addr)
{
	struct ng_site *s;

	hash_for_each_possible_rcu(in->sites, s, hnode, addr,
				   srcu_read_lock_held(&ng_instr_srcu) ||
				   lockdep_is_held(&in->lock))
		if (s->addr == addr)
			return s;
	return NULL;
}

/*
 * How to step over the first instruction of a function: what KVM's
 * emulator is known to handle among the instructions functions begin
 * with, or a no-op that needs no emulation. Anything else is refused.
 */
static int ng_classify(const u8 *b, size_t n, u8 *len, u8 *step)
{
	struct ng_insn d;
	u8 op, mod, reg, rex;
	int l;

	l = ng_insn_decode(&d, b, n);
	if (l <= 0)
		return -EINVAL;
	*len = l;
	if (d.flags & (NG_IF_LOCK | NG_IF_SEG | NG_IF_VEX | NG_IF_EVEX |
		       NG_IF_XOP | NG_IF_ADSIZE))
		return -EINVAL;
	if (d.kind == NG_K_NOP || d.kind == NG_K_ENDBR) {
		*step = NOGAP_BP_STEP_SKIP;
		return 0;
	}
	*step = NOGAP_BP_STEP_EMULATE;
	op = d.opcode;
	rex = d.rex;
	mod = (d.modrm >> 6) & 3;
	reg = (d.modrm >> 3) & 7;
	if (d.map != 0 || (d.flags & (NG_IF_REP | NG_IF_REPNE)))
		return -EINVAL;
	/* push r64 */
	if (op >= 0x50 && op <= 0x57 && !(d.flags & NG_IF_OPSIZE) &&
	    (!rex || rex == 0x41))
		return 0;
	if (d.flags & NG_IF_OPSIZE)
		return -EINVAL;
	/* call/jmp rel32, jmp rel8 */
	if (d.kind == NG_K_CALL_REL || (d.kind == NG_K_JMP_REL))
		return 0;
	/* register-only ALU and moves: mov, add/or/and/sub/xor/cmp, test */
	if ((d.flags & NG_IF_MODRM) && mod == 3) {
		switch (op) {
		case 0x89: case 0x8b:			/* mov */
		case 0x01: case 0x03: case 0x09: case 0x0b:
		case 0x21: case 0x23: case 0x29: case 0x2b:
		case 0x31: case 0x33: case 0x39: case 0x3b:
		case 0x85:				/* test */
		case 0x81: case 0x83:			/* group 1 imm */
			return 0;
		}
	}
	/* mov $imm32, r32/r64 */
	if (op >= 0xb8 && op <= 0xbf)
		return 0;
	(void)reg;
	return -EINVAL;
}

/*
 * Page-table roots to find a function through: the latest anchor and the
 * identification's. A root can go stale (the anchor's process exits and
 * its page tables are freed): every root that translates must give the
 * same guest-physical address, and one at least must; else the caller
 * tries again with a fresh anchor alone.
 */
struct ng_site_prep {
	struct ng_site *site;
	u64 cr3[2];
	u32 ncr3;
	const char *msg;
};

static int ng_site_prepare(struct ng_instr *in, void *arg)
{
	struct ng_site_prep *p = arg;
	struct ng_site *s = p->site;
	u8 buf[NG_INSN_BUF];
	u64 gpa, cr3 = 0;
	int ret;

	bool found = false;
	u32 i;

	for (i = 0; i < p->ncr3; i++) {
		if (ng_gpa_of(in->kvm, p->cr3[i], s->addr, &gpa))
			continue;
		if (found && gpa != s->gpa) {
			p->msg = "the guest's page tables disagree about that address";
			return -EFAULT;
		}
		found = true;
		s->gpa = gpa;
		cr3 = p->cr3[i];
	}
	if (!found) {
		p->msg = "function address not mapped in the guest";
		return -EFAULT;
	}
	/* the instruction may run into the next page: read what is there */
	memset(buf, 0, sizeof(buf));
	ret = ng_read_virt_k(in->kvm, NULL, cr3, s->addr, buf, sizeof(buf));
	if (ret &&
	    ng_read_virt_k(in->kvm, NULL, cr3, s->addr, buf,
			   min_t(u64, sizeof(buf),
				 PAGE_SIZE - (s->addr & ~PAGE_MASK))))
		ret = -EFAULT;
	else
		ret = 0;
	if (ret) {
		p->msg = "cannot read the guest's code there";
		return ret;
	}
	if (buf[0] == 0xcc) {
		p->msg = "an int3 is already there (the guest's, or another breakpoint)";
		return -EBUSY;
	}
	if (ng_classify(buf, sizeof(buf), &s->len, &s->step)) {
		p->msg = "cannot step over the first instruction there (not a nop, push, mov, alu or branch the emulator is known to handle)";
		return -EINVAL;
	}
	memcpy(s->insn, buf, s->len);
	return 0;
}

/* Write the INT3; the byte must still be the original one. */
static int ng_site_patch(struct ng_instr *in, void *arg)
{
	struct ng_site *s = arg;
	u8 b, cc = 0xcc;

	if (ng_kvm_read(in->kvm, s->gpa, &b, 1))
		return -EFAULT;
	if (b != s->insn[0])
		return -EAGAIN;
	return ng_kvm_write(in->kvm, s->gpa, &cc, 1);
}

/* Put the original byte back if the INT3 is still ours. */
static int ng_site_unpatch(struct ng_instr *in, void *arg)
{
	struct ng_site *s = arg;
	u8 b;

	if (ng_kvm_read(in->kvm, s->gpa, &b, 1))
		return -EFAULT;
	if (b != 0xcc) {
		atomic64_inc(&ng_ctr.rewritten);
		pr_info("vm %u: breakpoint at %llx overwritten by the guest (0x%02x): left as it is\n",
			in->vm->id, s->addr, b);
		return 0;
	}
	return ng_kvm_write(in->kvm, s->gpa, &s->insn[0], 1);
}

static int ng_unpatch_all(struct ng_instr *in, void *arg)
{
	struct ng_site *s;
	unsigned int bkt;
	int ret = 0;

	hash_for_each(in->sites, bkt, s, hnode)
		if (ng_site_unpatch(in, s))
			ret = -EFAULT;
	return ret;
}

static void ng_watch_free(void *ctx);

static void ng_bp_free(struct ng_bp *bp)
{
	if (bp->owner == NOGAP_BP_OWNER_WATCH)
		ng_watch_free(bp->ctx);
	kfree(bp);
}

/* The roots for ng_site_prepare; fresh: wait (1 s at most) for a new anchor. */
static void ng_prep_roots(struct ng_vm *vm, struct ng_site_prep *p,
			  bool fresh)
{
	unsigned long seq, end = jiffies + HZ;

	if (fresh) {
		spin_lock_irq(&vm->anchor_lock);
		seq = vm->anchor_seq;
		spin_unlock_irq(&vm->anchor_lock);
		ng_vm_want_anchor(vm);
		while (time_before(jiffies, end) &&
		       READ_ONCE(vm->anchor_seq) == seq && !READ_ONCE(vm->stop))
			msleep(10);
	}
	p->ncr3 = 0;
	spin_lock_irq(&vm->anchor_lock);
	if (vm->have_anchor)
		p->cr3[p->ncr3++] = vm->anchor.cr3;
	spin_unlock_irq(&vm->anchor_lock);
	/* a second opinion the first time; a fresh anchor alone after */
	if (fresh && p->ncr3)
		return;
	mutex_lock(&vm->ident_lock);
	if (vm->result && (!p->ncr3 || vm->result->anchor.cr3 != p->cr3[0]))
		p->cr3[p->ncr3++] = vm->result->anchor.cr3;
	mutex_unlock(&vm->ident_lock);
}

int ng_bp_add(struct ng_vm *vm, u64 addr, u8 owner, u32 tag, ng_bp_fn fn,
	      void *ctx, u32 *id, struct netlink_ext_ack *extack)
{
	struct ng_site_prep prep = { };
	struct ng_site *site = NULL;
	struct ng_instr *in;
	struct ng_bp *bp;
	int ret, tries;
	bool have;

	if (!addr || addr < 0xffff800000000000ull) {
		NL_SET_ERR_MSG(extack, "not a guest kernel address");
		return -EINVAL;
	}
	spin_lock_irq(&vm->anchor_lock);
	have = vm->have_anchor;
	spin_unlock_irq(&vm->anchor_lock);
	if (!have) {
		NL_SET_ERR_MSG(extack, "no kernel-mode anchor of the vm yet");
		return -ENODATA;
	}
	if (!ng_entry_probe_on) {
		NL_SET_ERR_MSG(extack, "no kvm_entry tracepoint: breakpoints unavailable");
		return -EOPNOTSUPP;
	}
	ret = ng_hook(vm->vendor, extack);
	if (ret)
		return ret;
	bp = kzalloc(sizeof(*bp), GFP_KERNEL);
	if (!bp)
		return -ENOMEM;
	bp->owner = owner;
	bp->tag = tag;
	bp->fn = fn;
	bp->ctx = ctx;
	atomic64_set(&bp->hits, 0);
	if (!ng_sym_find(vm, addr, bp->name, sizeof(bp->name)))
		snprintf(bp->name, sizeof(bp->name), "0x%llx", addr);

	in = ng_instr_get(vm, true);
	if (!in) {
		kfree(bp);
		NL_SET_ERR_MSG(extack, "the vm is going away");
		return -ESRCH;
	}
	mutex_lock(&in->lock);
	ret = -ESRCH;
	if (in->dead) {
		NL_SET_ERR_MSG(extack, "the vm is going away");
		goto unlock;
	}
	ret = -ENOSPC;
	if (in->nbps >= NG_BP_MAX) {
		NL_SET_ERR_MSG(extack, "too many breakpoints in this vm");
		goto unlock;
	}
	site = ng_site_find(in, addr);
	if (site) {
		bp->site = site;
		list_add_tail_rcu(&bp->node, &site->bps);
		site = NULL;
		goto added;
	}
	site = kzalloc(sizeof(*site), GFP_KERNEL);
	ret = -ENOMEM;
	if (!site)
		goto unlock;
	site->addr = addr;
	INIT_LIST_HEAD(&site->bps);
	atomic64_set(&site->hits, 0);
	prep.site = site;
	for (tries = 0; tries < 3; tries++) {
		ng_prep_roots(vm, &prep, tries > 0);
		ret = ng_with_mm(in, ng_site_prepare, &prep);
		if (ret != -EFAULT)
			break;
	}
	if (ret) {
		NG_ERR_MSG_PTR(extack, prep.msg ? prep.msg : "the vmm is exiting");
		goto unlock;
	}
	ret = ng_arm_sync(in, true, false);
	if (ret) {
		NL_SET_ERR_MSG(extack, "vcpus did not take the int3 intercept in time");
		goto disarm;
	}
	/* reachable before the int3 is: a vCPU may hit it at once */
	bp->site = site;
	list_add_tail_rcu(&bp->node, &site->bps);
	hash_add_rcu(in->sites, &site->hnode, addr);
	in->nsites++;
	ret = ng_with_mm(in, ng_site_patch, site);
	if (ret) {
		hash_del_rcu(&site->hnode);
		in->nsites--;
		mutex_unlock(&in->lock);
		synchronize_srcu(&ng_instr_srcu);
		mutex_lock(&in->lock);
		NG_ERR_MSG_PTR(extack, ret == -EAGAIN ?
			       "the guest changed that code meanwhile" :
			       "cannot write the guest's code there");
		goto disarm;
	}
	site = NULL;
added:
	if (owner == NOGAP_BP_OWNER_STOP)
		bp->site->stop = true;
	bp->id = in->next_id++;
	if (!in->next_id)
		in->next_id = 1;
	list_add_tail(&bp->all, &in->bps);
	in->nbps++;
	atomic_inc(&ng_ctr.bps);
	if (id)
		*id = bp->id;
	mutex_unlock(&in->lock);
	ng_instr_put(in);
	return 0;

disarm:
	if (!in->nsites && !ng_call_busy(in))
		ng_arm_sync(in, false, false);
unlock:
	mutex_unlock(&in->lock);
	ng_instr_put(in);
	kfree(site);
	kfree(bp);
	return ret;
}

/*
 * Take bp out (in->lock held); an emptied site is unpatched and unlinked.
 * Both go on the dead lists, freed after synchronize_srcu().
 */
static void ng_bp_unlink(struct ng_instr *in, struct ng_bp *bp,
			 struct list_head *dead_bps,
			 struct list_head *dead_sites)
{
	struct ng_site *site = bp->site;
	struct ng_bp *o;

	list_del_rcu(&bp->node);
	list_move_tail(&bp->all, dead_bps);
	in->nbps--;
	atomic_dec(&ng_ctr.bps);
	if (!list_empty(&site->bps)) {
		site->stop = false;
		list_for_each_entry(o, &site->bps, node)
			if (o->owner == NOGAP_BP_OWNER_STOP)
				site->stop = true;
		return;
	}
	/* the original byte first: a trap that comes later finds it there */
	ng_with_mm(in, ng_site_unpatch, site);
	hash_del_rcu(&site->hnode);
	in->nsites--;
	list_add_tail(&site->dead, dead_sites);
}

static void ng_free_dead(struct list_head *dead_bps,
			 struct list_head *dead_sites)
{
	struct ng_site *s, *stmp;
	struct ng_bp *bp, *tmp;

	if (list_empty(dead_bps) && list_empty(dead_sites))
		return;
	synchronize_srcu(&ng_instr_srcu);
	list_for_each_entry_safe(bp, tmp, dead_bps, all) {
		list_del(&bp->all);
		ng_bp_free(bp);
	}
	list_for_each_entry_safe(s, stmp, dead_sites, dead) {
		list_del(&s->dead);
		kfree(s);
	}
}

static void ng_maybe_disarm(struct ng_instr *in)
{
	if (!in->nsites && !in->dead && !ng_call_busy(in))
		ng_arm_sync(in, false, false);
}

int ng_bp_del(struct ng_vm *vm, u32 id)
{
	struct ng_instr *in = ng_instr_get(vm, false);
	LIST_HEAD(dead_bps);
	LIST_HEAD(dead_sites);
	struct ng_bp *bp;
	int ret = -ENOENT;

	if (!in)
		return -ENOENT;
	mutex_lock(&in->lock);
	list_for_each_entry(bp, &in->bps, all) {
		if (bp->id == id) {
			ng_bp_unlink(in, bp, &dead_bps, &dead_sites);
			ret = 0;
			break;
		}
	}
	if (!ret)
		ng_maybe_disarm(in);
	mutex_unlock(&in->lock);
	ng_free_dead(&dead_bps, &dead_sites);
	ng_instr_put(in);
	return ret;
}

void ng_bp_del_owner(struct ng_vm *vm, u8 owner, u32 tag)
{
	struct ng_instr *in = ng_instr_get(vm, false);
	struct ng_bp *bp, *tmp;
	LIST_HEAD(dead_bps);
	LIST_HEAD(dead_sites);

	if (!in)
		return;
	mutex_lock(&in->lock);
	list_for_each_entry_safe(bp, tmp, &in->bps, all)
		if (bp->owner == owner && bp->tag == tag)
			ng_bp_unlink(in, bp, &dead_bps, &dead_sites);
	ng_maybe_disarm(in);
	mutex_unlock(&in->lock);
	ng_free_dead(&dead_bps, &dead_sites);
	ng_instr_put(in);
}

/* ---- the exit path ---- */

/* Step over the displaced instruction of site: 1, or KVM's verdict. */
static int ng_step(struct kvm_vcpu *vcpu, struct ng_site *site)
{
	int ret;

	if (site->step == NOGAP_BP_STEP_SKIP &&
	    !(kvm_get_rflags(vcpu) & X86_EFLAGS_TF)) {
		ng_set_reg(vcpu, VCPU_REGS_RIP, site->addr + site->len);
		return 1;
	}
	ret = kvm_emulate_instruction_from_buffer(vcpu, site->insn, site->len);
	if (ret != 1)
		atomic64_inc(&ng_ctr.emul_fail);
	return ret;
}

static int ng_site_hit(struct ng_instr *in, struct kvm_vcpu *vcpu,
		       struct ng_site *site, const struct ng_vcpu_view *v)
{
	struct ng_bp_hit hit = { };
	struct ng_bp *bp;
	unsigned long *r = vcpu->arch.regs;

	atomic64_inc(&site->hits);
	atomic64_inc(&ng_ctr.hits);
	hit.rip = site->addr;
	hit.rsp = r[VCPU_REGS_RSP];
	hit.args[0] = r[VCPU_REGS_RDI];
	hit.args[1] = r[VCPU_REGS_RSI];
	hit.args[2] = r[VCPU_REGS_RDX];
	hit.args[3] = r[VCPU_REGS_RCX];
	hit.args[4] = r[VCPU_REGS_R8];
	hit.args[5] = r[VCPU_REGS_R9];
	hit.cr3 = v->cr3;
	hit.vcpu = vcpu->vcpu_idx;
	if (ng_read_virt_k(in->kvm, vcpu, v->cr3, hit.rsp, &hit.ret, 8))
		hit.ret = 0;

	if (ng_call_hit(in, vcpu, site, v, &hit))
		return 1;
	list_for_each_entry_srcu(bp, &site->bps, node,
				 srcu_read_lock_held(&ng_instr_srcu)) {
		atomic64_inc(&bp->hits);
		if (bp->fn)
			bp->fn(in->vm, &hit, bp->ctx);
	}
	return ng_step(vcpu, site);
}

/*
 * Hand the guest the event its INT3/INT n would have raised. After a #BP
 * exception exit (real hardware) KVM's own re-injection is right: it
 * knows the instruction's length (NextRIP, VM-exit instruction length).
 * After a software-interrupt exit without NextRIP (QEMU's TCG) KVM would
 * decode guest memory again when it injects, and a guest that is patching
 * that very instruction (text_poke: int3 first, then the rest) may have
 * changed it by then: the lab saw the guest's #BP lost that way. So here
 * RIP moves past the instruction read at the exit, and the vector is
 * injected as an event that moves nothing (KVM's re-injection of an
 * interrupted external interrupt): the guest's handler sees exactly what
 * the instruction would have given it.
 */
static void ng_reinject(struct kvm_vcpu *vcpu, u8 trap, u8 vector, u8 len)
{
	struct kvm_vcpu_arch *a = &vcpu->arch;

	if (trap == NG_TRAP_SWINT && !a->interrupt.injected &&
	    !a->exception.pending && !a->exception.injected &&
	    !a->nmi_injected) {
		ng_set_reg(vcpu, VCPU_REGS_RIP, a->regs[VCPU_REGS_RIP] + len);
		a->interrupt.injected = true;
		a->interrupt.soft = false;
		a->interrupt.nr = vector;
		kvm_make_request(KVM_REQ_EVENT, vcpu);
		return;
	}
	a->event_exit_inst_len = len;
	if (vector == BP_VECTOR || vector == OF_VECTOR) {
		kvm_queue_exception(vcpu, vector);
		return;
	}
	a->interrupt.injected = true;
	a->interrupt.soft = true;
	a->interrupt.nr = vector;
	kvm_make_request(KVM_REQ_EVENT, vcpu);
}

/* A trap that is not one of our breakpoints: 1 (handled) or -1 (KVM's). */
static int ng_not_ours(struct kvm_vcpu *vcpu, u8 trap,
		       const struct ng_vcpu_view *v)
{
	u64 rip = vcpu->arch.regs[VCPU_REGS_RIP];
	u8 b[NG_INSN_BUF];
	struct ng_insn d;
	int ret;

	/* the VMM's own debugger (gdbstub) wants its #BP exits */
	if (trap == NG_TRAP_BP &&
	    (vcpu->guest_debug & KVM_GUESTDBG_USE_SW_BP))
		return -1;
	memset(b, 0, sizeof(b));
	ret = ng_read_virt_k(vcpu->kvm, vcpu, v->cr3, rip, b, sizeof(b));
	if (ret)
		ret = ng_read_virt_k(vcpu->kvm, vcpu, v->cr3, rip, b,
				     min_t(u64, sizeof(b),
					   PAGE_SIZE - (rip & ~PAGE_MASK)));
	if (ret) {
		/* cannot look: an INT3 is by far the likeliest */
		if (trap == NG_TRAP_BP)
			return -1;
		atomic64_inc(&ng_ctr.foreign);
		kvm_queue_exception(vcpu, BP_VECTOR);
		return 1;
	}
	if (b[0] == 0xcc) {
		atomic64_inc(&ng_ctr.foreign);
		ng_reinject(vcpu, trap, BP_VECTOR, 1);
		return 1;
	}
	if (trap == NG_TRAP_SWINT && ng_insn_decode(&d, b, sizeof(b)) > 0 &&
	    d.kind == NG_K_INT && d.map == 0 &&
	    (d.opcode == 0xce || d.opcode == 0xcd)) {
		atomic64_inc(&ng_ctr.soft_int);
		/* into (#OF, a trap), int n */
		ng_reinject(vcpu, trap, d.opcode == 0xce ? OF_VECTOR :
			    (u8)d.imm, d.len);
		return 1;
	}
	/* our int3 was taken away since it trapped: run what is there now */
	atomic64_inc(&ng_ctr.stale);
	return 1;
}

/* The redirected exit handler's part: 1/0 (consumed) or -1 (KVM's). */
static int ng_exit(struct kvm_vcpu *vcpu)
{
	struct ng_vcpu_view v;
	struct ng_instr *in;
	struct ng_site *site;
	int idx, ret;
	u8 trap;

	trap = ng_trap_of(ng_hook_vendor, vcpu);
	if (likely(trap == NG_TRAP_NONE))
		return -1;
	if (!ng_view(ng_hook_vendor, vcpu, &v))
		return -1;
	/* a nested guest's #BP: KVM knows whether to reflect it */
	if (v.nested && trap == NG_TRAP_BP)
		return -1;
	idx = srcu_read_lock(&ng_instr_srcu);
	in = ng_instr_lookup(vcpu->kvm);
	if (!in && trap == NG_TRAP_BP) {
		ret = -1;
		goto out;
	}
	if (in && !v.nested && v.cpl == 0 && v.long_mode) {
		site = ng_site_find(in, vcpu->arch.regs[VCPU_REGS_RIP]);
		if (site) {
			ret = ng_site_hit(in, vcpu, site, &v);
			goto out;
		}
	}
	ret = ng_not_ours(vcpu, trap, &v);
out:
	/*
	 * KVM's kvm_exit tracepoint fires inside svm_handle_exit() on 6.1,
	 * which a consumed exit never reaches: then count it ourselves.
	 */
	if (ret >= 0 && in && vcpu->vcpu_idx < KVM_MAX_VCPUS &&
	    !READ_ONCE(in->exit_traced[vcpu->vcpu_idx])) {
		ng_count_exit();
		atomic64_inc(&in->vm->exits);
	}
	srcu_read_unlock(&ng_instr_srcu, idx);
	return ret;
}

/* ---- watches ---- */

struct ng_watch {
	struct ng_vm *vm;		/* lives longer than the watch */
	spinlock_t lock;
	struct ng_bp_hit ring[NG_WATCH_RING];
	u32 head;
	u32 n;
	u64 drops;
	unsigned long window;		/* jiffies: start of the rate window */
	u32 in_window;
	u64 addr;
	u32 id;
	char name[NG_BP_NAME];
	struct work_struct work;
};

static void ng_watch_hit(struct ng_vm *vm, const struct ng_bp_hit *hit,
			 void *ctx)
{
	struct ng_watch *w = ctx;
	unsigned long flags;
	bool queue = false;

	if (!ng_event_listened())
		return;
	spin_lock_irqsave(&w->lock, flags);
	if (time_after(jiffies, w->window + HZ)) {
		w->window = jiffies;
		w->in_window = 0;
	}
	if (w->in_window >= NG_WATCH_RATE || w->n >= NG_WATCH_RING) {
		w->drops++;
	} else {
		w->in_window++;
		w->ring[(w->head + w->n) % NG_WATCH_RING] = *hit;
		w->n++;
		queue = true;
	}
	spin_unlock_irqrestore(&w->lock, flags);
	if (queue)
		queue_work(ng_instr_wq, &w->work);
}

static int ng_put_call_event(struct sk_buff *skb, struct ng_watch *w,
			     const struct ng_bp_hit *h)
{
	struct nlattr *args;
	int i;

	if (nla_put_string(skb, NOGAP_A_FUNC_NAME, w->name) ||
	    nla_put_u64_64bit(skb, NOGAP_A_FUNC_ADDR, w->addr, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_BP_ID, w->id) ||
	    nla_put_u64_64bit(skb, NOGAP_A_HIT_RET_ADDR, h->ret, NOGAP_A_PAD) ||
	    nla_put_u64_64bit(skb, NOGAP_A_HIT_RSP, h->rsp, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_HIT_VCPU, h->vcpu))
		return -EMSGSIZE;
	args = nla_nest_start(skb, NOGAP_A_CALL_ARGS);
	if (!args)
		return -EMSGSIZE;
	for (i = 0; i < 6; i++)
		if (nla_put_u64_64bit(skb, i + 1, h->args[i], 0))
			return -EMSGSIZE;
	nla_nest_end(skb, args);
	return 0;
}

static void ng_watch_work(struct work_struct *work)
{
	struct ng_watch *w = container_of(work, struct ng_watch, work);
	struct ng_bp_hit h;
	struct sk_buff *skb;
	unsigned int budget = NG_WATCH_RING;
	u64 drops;
	void *hdr;

	while (budget--) {
		spin_lock_irq(&w->lock);
		drops = w->drops;
		w->drops = 0;
		if (!w->n) {
			spin_unlock_irq(&w->lock);
			if (drops) {
				atomic64_add(drops, &ng_ctr.event_drops);
				ng_event_dropped(drops);
			}
			return;
		}
		h = w->ring[w->head];
		w->head = (w->head + 1) % NG_WATCH_RING;
		w->n--;
		spin_unlock_irq(&w->lock);
		if (drops) {
			atomic64_add(drops, &ng_ctr.event_drops);
			ng_event_dropped(drops);
		}
		skb = ng_event_new(NOGAP_EVENT_CALL, w->vm, GFP_KERNEL, &hdr);
		if (!skb) {
			atomic64_inc(&ng_ctr.event_drops);
			continue;
		}
		if (ng_put_call_event(skb, w, &h)) {
			ng_event_cancel(skb);
			atomic64_inc(&ng_ctr.event_drops);
			continue;
		}
		ng_event_send(skb, hdr, GFP_KERNEL);
		atomic64_inc(&ng_ctr.events);
		cond_resched();
	}
	/* more came meanwhile: later, after others had their turn */
	queue_work(ng_instr_wq, &w->work);
}

/* After synchronize_srcu(): ng_watch_hit no longer runs. */
static void ng_watch_free(void *ctx)
{
	struct ng_watch *w = ctx;

	if (!w)
		return;
	cancel_work_sync(&w->work);
	kfree(w);
}

/* ---- VM stop, release of a socket's watches ---- */

void ng_instr_stop(struct ng_vm *vm)
{
	struct ng_instr *in;
	struct ng_site *site;
	struct hlist_node *tmp;
	struct ng_bp *bp, *btmp;
	unsigned int bkt;
	LIST_HEAD(dead_bps);
	LIST_HEAD(dead_sites);
	bool mm_ok;
	int ret;

	mutex_lock(&ng_instr_reg_lock);
	in = vm->instr;
	mutex_unlock(&ng_instr_reg_lock);
	if (!in)
		return;

	ng_call_stop(in);
	mutex_lock(&in->lock);
	in->dead = true;
	/* bytes back first; no VMM (it exited): nothing to restore in */
	ret = ng_with_mm(in, ng_unpatch_all, NULL);
	mm_ok = ret != -ESRCH;
	if (ret && mm_ok)
		pr_warn("vm %u: could not restore every breakpoint byte\n",
			vm->id);
	if (mm_ok && (in->nsites || in->want) &&
	    ng_arm_sync(in, false, true))
		pr_warn("vm %u: a vcpu kept the int3 intercept (not running)\n",
			vm->id);
	hash_for_each_safe(in->sites, bkt, tmp, site, hnode) {
		hash_del_rcu(&site->hnode);
		list_add_tail(&site->dead, &dead_sites);
	}
	in->nsites = 0;
	list_for_each_entry_safe(bp, btmp, &in->bps, all) {
		list_del_rcu(&bp->node);
		list_move_tail(&bp->all, &dead_bps);
		atomic_dec(&ng_ctr.bps);
	}
	in->nbps = 0;
	mutex_unlock(&in->lock);

	mutex_lock(&ng_instr_reg_lock);
	hash_del_rcu(&in->hnode);
	atomic_dec(&ng_instr_nr);
	vm->instr = NULL;
	mutex_unlock(&ng_instr_reg_lock);

	synchronize_srcu(&ng_instr_srcu);
	ng_free_dead(&dead_bps, &dead_sites);
	cancel_work_sync(&in->call.cleanup);
	ng_instr_put(in);
}

struct ng_release {
	struct work_struct work;
	u32 portid;
};

struct ng_vm_refs {
	struct ng_vm **vms;
	u32 n, max;
};

static int ng_collect_vm(struct ng_vm *vm, void *arg)
{
	struct ng_vm_refs *r = arg;

	if (r->n == r->max)
		return -ENOSPC;
	if (vm->instr) {
		kref_get(&vm->ref);
		r->vms[r->n++] = vm;
	}
	return 0;
}

/* Every VM's watches of a socket; in a worker (guest writes). */
static void ng_release_work(struct work_struct *work)
{
	struct ng_release *rel = container_of(work, struct ng_release, work);
	struct ng_vm_refs r = { };
	u32 next = 0, stopped = 0, i;
	int ret;

	r.max = 64;
	r.vms = kcalloc(r.max, sizeof(*r.vms), GFP_KERNEL);
	if (!r.vms)
		goto out;
	do {
		r.n = 0;
		ret = ng_vm_for_each(next, ng_collect_vm, &r, &stopped);
		for (i = 0; i < r.n; i++) {
			ng_bp_del_owner(r.vms[i], NOGAP_BP_OWNER_WATCH,
					rel->portid);
			ng_bp_del_owner(r.vms[i], NOGAP_BP_OWNER_BENCH,
					rel->portid);
			ng_vm_put(r.vms[i]);
		}
		next = stopped;
	} while (ret == -ENOSPC);
	kfree(r.vms);
out:
	kfree(rel);
}

/* A socket closed: its watches go (in a worker: notifier context). */
void ng_instr_release_portid(u32 portid)
{
	struct ng_release *r;

	if (!atomic_read(&ng_instr_nr))
		return;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return;
	r->portid = portid;
	INIT_WORK(&r->work, ng_release_work);
	queue_work(ng_instr_wq, &r->work);
}

/* ---- status ---- */

int ng_instr_put_status(struct sk_buff *skb)
{
	static const struct {
		int attr;
		atomic64_t *v;
	} ctrs[] = {
		{ NOGAP_INSTR_A_HITS, &ng_ctr.hits },
		{ NOGAP_INSTR_A_FOREIGN_BP, &ng_ctr.foreign },
		{ NOGAP_INSTR_A_EMUL_FAIL, &ng_ctr.emul_fail },
		{ NOGAP_INSTR_A_CALLS, &ng_ctr.calls },
		{ NOGAP_INSTR_A_CALL_TIMEOUTS, &ng_ctr.call_timeouts },
		{ NOGAP_INSTR_A_EVENTS, &ng_ctr.events },
		{ NOGAP_INSTR_A_EVENT_DROPS, &ng_ctr.event_drops },
		{ NOGAP_INSTR_A_SOFT_INT, &ng_ctr.soft_int },
		{ NOGAP_INSTR_A_STALE, &ng_ctr.stale },
		{ NOGAP_INSTR_A_REWRITTEN, &ng_ctr.rewritten },
		{ NOGAP_INSTR_A_ARM_TIMEOUTS, &ng_ctr.arm_timeouts },
	};
	struct nlattr *n = nla_nest_start(skb, NOGAP_A_STATUS_INSTR);
	size_t i;

	if (!n ||
	    nla_put_u32(skb, NOGAP_INSTR_A_BPS, atomic_read(&ng_ctr.bps)) ||
	    nla_put_u64_64bit(skb, NOGAP_INSTR_A_TEXT_WRITES,
			      ng_wtrack_count(), NOGAP_INSTR_A_PAD) ||
	    nla_put_u8(skb, NOGAP_INSTR_A_HOOKED, READ_ONCE(ng_hooked)))
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(ctrs); i++)
		if (nla_put_u64_64bit(skb, ctrs[i].attr,
				      atomic64_read(ctrs[i].v),
				      NOGAP_INSTR_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, n);
	return 0;
}

/* ---- netlink: WATCH, BP_GET ---- */

const struct nla_policy ng_watch_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_A_WATCH_OP] = NLA_POLICY_RANGE(NLA_U8, NOGAP_WATCH_START,
					      NOGAP_WATCH_STOP),
	[NOGAP_A_FUNC_NAME] = { .type = NLA_NUL_STRING,
				.len = NG_BP_NAME - 1 },
	[NOGAP_A_FUNC_ADDR] = { .type = NLA_U64 },
	[NOGAP_A_BP_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_A_WATCH_FLAGS] = NLA_POLICY_MASK(NLA_U32, NOGAP_WATCH_F_ALL),
};

const struct nla_policy ng_bp_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VM id and function (name or address) of a request; vm with a ref. */
struct ng_vm *ng_nl_vm_func(struct genl_info *info, u64 *addr, char *name,
			    size_t len)
{
	struct nlattr **a = info->attrs;
	struct ng_vm *vm;

	if (!a[NOGAP_A_VM_ID]) {
		NL_SET_ERR_MSG(info->extack, "missing vm id");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NOGAP_A_VM_ID);
		return ERR_PTR(-EINVAL);
	}
	vm = ng_vm_get_id(nla_get_u32(a[NOGAP_A_VM_ID]));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[NOGAP_A_VM_ID], "no such vm");
		return ERR_PTR(-ENOENT);
	}
	if (!addr)
		return vm;
	*addr = 0;
	name[0] = '\0';
	if (a[NOGAP_A_FUNC_NAME]) {
		strscpy(name, nla_data(a[NOGAP_A_FUNC_NAME]), len);
		*addr = ng_sym_addr(vm, name);
		if (!*addr) {
			NG_SET_ERR_MSG_FMT(info->extack,
					   "no such function in the vm (nogapctl symbols)",
					   "no function '%s' identified in vm %u",
					   name, vm->id);
			ng_vm_put(vm);
			return ERR_PTR(-ENOENT);
		}
	} else if (a[NOGAP_A_FUNC_ADDR]) {
		*addr = nla_get_u64(a[NOGAP_A_FUNC_ADDR]);
		if (!ng_sym_find(vm, *addr, name, len) || ng_sym_addr(vm, name) != *addr) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[NOGAP_A_FUNC_ADDR],
					    "not the start of an identified function");
			ng_vm_put(vm);
			return ERR_PTR(-ENOENT);
		}
	} else {
		NL_SET_ERR_MSG(info->extack, "missing function name");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NOGAP_A_FUNC_NAME);
		ng_vm_put(vm);
		return ERR_PTR(-EINVAL);
	}
	return vm;
}

int ng_nl_watch(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	char name[NG_BP_NAME];
	struct ng_watch *w;
	struct sk_buff *msg;
	struct ng_vm *vm;
	u64 addr;
	u32 id = 0;
	void *hdr;
	int ret;

	if (!a[NOGAP_A_WATCH_OP]) {
		NL_SET_ERR_MSG(info->extack, "missing watch operation");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NOGAP_A_WATCH_OP);
		return -EINVAL;
	}
	if (nla_get_u8(a[NOGAP_A_WATCH_OP]) == NOGAP_WATCH_STOP) {
		if (!a[NOGAP_A_BP_ID]) {
			NL_SET_ERR_MSG(info->extack, "missing breakpoint id");
			NL_SET_ERR_ATTR_MISS(info->extack, NULL, NOGAP_A_BP_ID);
			return -EINVAL;
		}
		vm = ng_nl_vm_func(info, NULL, NULL, 0);
		if (IS_ERR(vm))
			return PTR_ERR(vm);
		ret = ng_bp_del(vm, nla_get_u32(a[NOGAP_A_BP_ID]));
		if (ret)
			NL_SET_ERR_MSG(info->extack, "no such breakpoint");
		ng_vm_put(vm);
		return ret;
	}

	vm = ng_nl_vm_func(info, &addr, name, sizeof(name));
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	if (a[NOGAP_A_WATCH_FLAGS] &&
	    (nla_get_u32(a[NOGAP_A_WATCH_FLAGS]) & NOGAP_WATCH_F_COUNT)) {
		/* hits are counted on the breakpoint, nothing else */
		w = NULL;
		ret = ng_bp_add(vm, addr, NOGAP_BP_OWNER_BENCH,
				info->snd_portid, NULL, NULL, &id,
				info->extack);
		if (ret)
			goto out;
		goto reply;
	}
	ret = -ENOMEM;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		goto out;
	w->vm = vm;
	spin_lock_init(&w->lock);
	w->window = jiffies;
	w->addr = addr;
	strscpy(w->name, name, sizeof(w->name));
	INIT_WORK(&w->work, ng_watch_work);
	/* the id is set before any hit can be queued: ids come first */
	ret = ng_bp_add(vm, addr, NOGAP_BP_OWNER_WATCH, info->snd_portid,
			ng_watch_hit, w, &id, info->extack);
	if (ret) {
		kfree(w);
		goto out;
	}
	WRITE_ONCE(w->id, id);
reply:
	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto undo;
	hdr = genlmsg_put_reply(msg, info, &ng_family, 0, NOGAP_CMD_WATCH);
	if (!hdr || nla_put_u32(msg, NOGAP_A_VM_ID, vm->id) ||
	    nla_put_u32(msg, NOGAP_A_BP_ID, id) ||
	    nla_put_string(msg, NOGAP_A_FUNC_NAME, name) ||
	    nla_put_u64_64bit(msg, NOGAP_A_FUNC_ADDR, addr, NOGAP_A_PAD)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto undo;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
	if (ret)
		goto undo;
	goto out;
undo:
	ng_bp_del(vm, id);
out:
	ng_vm_put(vm);
	return ret;
}

/*
 * BP_GET dump: cb->args[0] VM id, [1] next breakpoint id, [2] checked.
 * The breakpoints are copied under the lock, a message's worth at a time.
 */
struct ng_bp_row {
	u32 id;
	u32 tag;
	u8 owner;
	u8 step;
	u8 len;
	u64 addr;
	u64 gpa;
	u64 hits;
	u8 insn[NG_INSN_BUF];
	char name[NG_BP_NAME];
};

#define NG_BP_ROWS	32

static int ng_put_bp_row(struct sk_buff *skb, const struct ng_bp_row *r,
			 int idx)
{
	struct nlattr *e = nla_nest_start(skb, idx);

	if (!e)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NOGAP_BP_A_ID, r->id) ||
	    nla_put_u64_64bit(skb, NOGAP_BP_A_ADDR, r->addr, NOGAP_BP_A_PAD) ||
	    nla_put_string(skb, NOGAP_BP_A_NAME, r->name) ||
	    nla_put_u8(skb, NOGAP_BP_A_OWNER, r->owner) ||
	    nla_put_u64_64bit(skb, NOGAP_BP_A_HITS, r->hits, NOGAP_BP_A_PAD) ||
	    nla_put(skb, NOGAP_BP_A_ORIG, r->len, r->insn) ||
	    nla_put_u64_64bit(skb, NOGAP_BP_A_GPA, r->gpa, NOGAP_BP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_BP_A_TAG, r->tag) ||
	    nla_put_u8(skb, NOGAP_BP_A_STEP, r->step)) {
		nla_nest_cancel(skb, e);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, e);
	return 0;
}

int ng_nl_bp_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = ng_dump_attrs(cb);
	struct ng_bp_row *rows;
	struct ng_instr *in;
	struct nlattr *list;
	struct ng_vm *vm;
	struct ng_bp *bp;
	int n = 0, i, put = 0, ret;
	void *hdr;

	if (!cb->args[2]) {
		if (!attrs[NOGAP_A_VM_ID]) {
			NL_SET_ERR_MSG(cb->extack, "missing vm id");
			return -EINVAL;
		}
		cb->args[0] = nla_get_u32(attrs[NOGAP_A_VM_ID]);
		cb->args[1] = 1;
		cb->args[2] = 1;
	}
	if (cb->args[2] == 2)
		return 0;
	vm = ng_vm_get_id((u32)cb->args[0]);
	if (!vm) {
		NL_SET_ERR_MSG(cb->extack, "no such vm");
		return -ENOENT;
	}
	rows = kcalloc(NG_BP_ROWS, sizeof(*rows), GFP_KERNEL);
	ret = -ENOMEM;
	if (!rows)
		goto out;
	in = ng_instr_get(vm, false);
	if (in) {
		mutex_lock(&in->lock);
		list_for_each_entry(bp, &in->bps, all) {
			struct ng_bp_row *r = &rows[n];

			if (bp->id < cb->args[1])
				continue;
			if (n == NG_BP_ROWS)
				break;
			r->id = bp->id;
			r->tag = bp->tag;
			r->owner = bp->owner;
			r->step = bp->site->step;
			r->len = bp->site->len;
			r->addr = bp->site->addr;
			r->gpa = bp->site->gpa;
			r->hits = atomic64_read(&bp->hits);
			memcpy(r->insn, bp->site->insn, sizeof(r->insn));
			strscpy(r->name, bp->name, sizeof(r->name));
			n++;
		}
		mutex_unlock(&in->lock);
		ng_instr_put(in);
	}
	ret = 0;
	if (!n) {
		cb->args[2] = 2;
		goto out;
	}
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ng_family, NLM_F_MULTI, NOGAP_CMD_BP_GET);
	ret = -EMSGSIZE;
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, NOGAP_A_VM_ID, vm->id))
		goto cancel;
	list = nla_nest_start(skb, NOGAP_A_BPS);
	if (!list)
		goto cancel;
	for (i = 0; i < n; i++) {
		if (ng_put_bp_row(skb, &rows[i], i))
			break;
		put++;
		cb->args[1] = rows[i].id + 1ull;
	}
	if (!put)
		goto cancel;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	ret = skb->len;
	goto out;
cancel:
	genlmsg_cancel(skb, hdr);
out:
	kfree(rows);
	ng_vm_put(vm);
	return ret;
}

/* ---- module ---- */

int ng_instr_init(void)
{
	int ret;

	ng_instr_wq = alloc_workqueue("nogap_instr", WQ_UNBOUND, 0);
	if (!ng_instr_wq)
		return -ENOMEM;
	ret = tracepoint_probe_register(&__tracepoint_kvm_entry,
					ng_kvm_entry_probe, NULL);
	if (!ret) {
		ret = tracepoint_probe_register(&__tracepoint_kvm_exit,
						ng_kvm_exit_probe, NULL);
		if (ret)
			tracepoint_probe_unregister(&__tracepoint_kvm_entry,
						    ng_kvm_entry_probe, NULL);
	}
	if (ret) {
		pr_warn("cannot attach to the kvm_entry/kvm_exit tracepoints (%d): no breakpoints\n",
			ret);
	} else {
		ng_entry_probe_on = true;
	}
	return 0;
}

void ng_instr_exit(void)
{
	/* every VM was stopped before (ng_vm_exit): no breakpoint is left */
	ng_unhook();
	if (ng_entry_probe_on) {
		tracepoint_probe_unregister(&__tracepoint_kvm_exit,
					    ng_kvm_exit_probe, NULL);
		tracepoint_probe_unregister(&__tracepoint_kvm_entry,
					    ng_kvm_entry_probe, NULL);
		tracepoint_synchronize_unregister();
	}
	destroy_workqueue(ng_instr_wq);
}
