// SPDX-License-Identifier: GPL-2.0
/*
 * vm.c - the registry of the VMs nogap.ko watches.
 *
 * VMs are learnt from KVM's kvm_exit tracepoint (exported by kvm.ko): the
 * first exit of a VM we do not know puts it, with a reference taken by
 * kvm_get_kvm_safe(), into a small ring; a worker then registers it. The
 * probe allocates nothing and never sleeps: it counts, looks the VM up in
 * an RCU hash table and, when asked to, copies the vCPU's anchor (a
 * kernel-mode RIP with its CR3) for the identification worker.
 *
 * A VM's end: our reference keeps struct kvm alive, so KVM never destroys
 * it by itself. Every reference KVM hands out belongs to a file (the VM
 * fd, vCPU fds, device fds) or to short-lived work; once the VMM has
 * closed all of them ours is the only one left, and nobody can take a new
 * one (the VM is unreachable). A reaper checks for that twice a second,
 * unlinks the VM, stops its identification and drops the reference, which
 * lets KVM destroy the VM as it would have without us. No KVM internals
 * are hooked for that; rmmod does the same for every VM.
 *
 * The VMM's memory is not pinned: identification takes mm_users only for
 * the time it reads guest memory (mmget_not_zero), so a VMM that exits
 * frees its memory at once.
 */

#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"

/* kvm.ko's tracepoint: trace_kvm_exit(vcpu, isa) in arch/x86/kvm/trace.h */
extern struct tracepoint __tracepoint_kvm_exit;

#define NG_VM_HASH_BITS		8
#define NG_VM_MAX		4096		/* VMs watched at once */
#define NG_PENDING_MAX		32		/* new VMs for the worker */
#define NG_REAP_INTERVAL	(HZ / 2)
/* The probe prefers anchors from HLT exits (the idle loop is core kernel
 * text, never a module); after this long it takes any kernel-mode exit. */
#define NG_ANCHOR_PATIENCE	(HZ / 4)
/*
 * The reaper keeps each VM's last anchor at most this old while the VM
 * runs: identification wants a fresh one, but a paused VM does not exit,
 * and the first anchor of a VM may come from early boot (page tables the
 * guest frees later).
 */
#define NG_ANCHOR_REFRESH	(5 * HZ)

static DEFINE_HASHTABLE(ng_vm_hash, NG_VM_HASH_BITS);
static LIST_HEAD(ng_vm_list);		/* by id */
static DEFINE_MUTEX(ng_vm_lock);	/* ng_vm_list, hash writers, below */
static u32 ng_vm_next_id = 1;
static u32 ng_vm_nr;
static bool ng_vm_closing;

struct ng_pending {
	struct kvm *kvm;	/* with a reference */
	pid_t pid;
	u8 vendor;
};

static DEFINE_SPINLOCK(ng_pending_lock);
static struct ng_pending ng_pending[NG_PENDING_MAX];
static unsigned int ng_npending;

static struct workqueue_struct *ng_ctl_wq;
static void ng_discover(struct work_struct *work);
static void ng_reap(struct work_struct *work);
static DECLARE_WORK(ng_discover_work, ng_discover);
static DECLARE_DELAYED_WORK(ng_reap_work, ng_reap);

static u8 ng_isa_vendor(u32 isa)
{
	switch (isa) {
	case NG_KVM_ISA_SVM:
		return NOGAP_VENDOR_SVM;
	case NG_KVM_ISA_VMX:
		return NOGAP_VENDOR_VMX;
	default:
		return NOGAP_VENDOR_UNKNOWN;
	}
}

/* Under rcu_read_lock(). */
static struct ng_vm *ng_vm_lookup(struct kvm *kvm)
{
	struct ng_vm *vm;

	hash_for_each_possible_rcu(ng_vm_hash, vm, hnode, (unsigned long)kvm)
		if (vm->kvm == kvm)
			return vm;
	return NULL;
}

static void ng_capture(struct ng_vm *vm, struct kvm_vcpu *vcpu, u8 vendor)
{
	struct ng_anchor a;
	unsigned long flags;
	bool ok;

	if (vendor == NOGAP_VENDOR_SVM)
		ok = ng_svm_anchor(vcpu, &a);
	else if (vendor == NOGAP_VENDOR_VMX)
		ok = ng_vmx_anchor(vcpu, &a);
	else
		ok = false;
	if (!ok)
		return;

	spin_lock_irqsave(&vm->anchor_lock, flags);
	if (vm->want_anchor &&
	    (a.hlt ||
	     time_after(jiffies, vm->want_since + NG_ANCHOR_PATIENCE))) {
		vm->anchor = a;
		vm->have_anchor = true;
		vm->anchor_seq++;
		vm->anchor_time = jiffies;
		WRITE_ONCE(vm->want_anchor, false);
		atomic64_inc(&ng_stats.anchors);
	}
	spin_unlock_irqrestore(&vm->anchor_lock, flags);
}

/* A VM we do not know yet: queue it for the discovery worker. */
static void ng_note_new(struct kvm_vcpu *vcpu, u8 vendor)
{
	struct kvm *kvm = vcpu->kvm;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ng_pending_lock, flags);
	for (i = 0; i < ng_npending; i++)
		if (ng_pending[i].kvm == kvm)
			goto out;
	if (ng_npending == NG_PENDING_MAX) {
		atomic_inc(&ng_stats.pending_full);
		goto out;
	}
	/* the vCPU's thread holds a reference: this cannot fail, but... */
	if (!kvm_get_kvm_safe(kvm))
		goto out;
	ng_pending[ng_npending].kvm = kvm;
	ng_pending[ng_npending].pid = current->tgid;
	ng_pending[ng_npending].vendor = vendor;
	ng_npending++;
	queue_work(ng_ctl_wq, &ng_discover_work);
out:
	spin_unlock_irqrestore(&ng_pending_lock, flags);
}

/*
 * The kvm_exit tracepoint: on the vCPU's thread, preemption (and on some
 * paths interrupts) off, once per exit of every VM. Keep it short.
 */
static void ng_kvm_exit_probe(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct ng_vm *vm;

	ng_count_exit();
	rcu_read_lock();
	vm = ng_vm_lookup(vcpu->kvm);
	if (likely(vm)) {
		atomic64_inc(&vm->exits);
		if (unlikely(READ_ONCE(vm->want_anchor)))
			ng_capture(vm, vcpu, vm->vendor);
	} else {
		ng_note_new(vcpu, ng_isa_vendor(isa));
	}
	rcu_read_unlock();
}

static void ng_vm_release(struct kref *ref)
{
	struct ng_vm *vm = container_of(ref, struct ng_vm, ref);

	/* may destroy the VM when its VMM is gone: process context only */
	kvm_put_kvm(vm->kvm);
	ng_result_free(vm->result);
	mutex_destroy(&vm->ident_lock);
	/* the exit probe may still look at it until a grace period ends */
	kfree_rcu(vm, rcu);
}

void ng_vm_put(struct ng_vm *vm)
{
	if (vm)
		kref_put(&vm->ref, ng_vm_release);
}

void ng_vm_want_anchor(struct ng_vm *vm)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->anchor_lock, flags);
	vm->want_since = jiffies;
	WRITE_ONCE(vm->want_anchor, true);
	spin_unlock_irqrestore(&vm->anchor_lock, flags);
}

static void ng_vm_add(const struct ng_pending *p)
{
	struct ng_vm *vm;

	mutex_lock(&ng_vm_lock);
	rcu_read_lock();
	vm = ng_vm_lookup(p->kvm);
	rcu_read_unlock();
	if (vm || ng_vm_closing)
		goto drop;
	if (ng_vm_nr >= NG_VM_MAX) {
		pr_warn_ratelimited("too many VMs (%u): not watching another\n",
				    ng_vm_nr);
		goto drop;
	}
	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		goto drop;
	kref_init(&vm->ref);		/* the registry's */
	vm->kvm = p->kvm;		/* takes over the pending reference */
	vm->id = ng_vm_next_id++;
	vm->pid = p->pid;
	vm->vendor = p->vendor;
	atomic64_set(&vm->exits, 0);
	spin_lock_init(&vm->anchor_lock);
	vm->want_since = jiffies;
	vm->want_anchor = true;		/* a first anchor for VM_GET */
	mutex_init(&vm->ident_lock);
	vm->ident_state = NOGAP_IDENT_NONE;
	INIT_WORK(&vm->ident_work, ng_ident_work);
	list_add_tail(&vm->node, &ng_vm_list);
	hash_add_rcu(ng_vm_hash, &vm->hnode, (unsigned long)vm->kvm);
	ng_vm_nr++;
	atomic_inc(&ng_stats.vms_seen);
	kref_get(&vm->ref);		/* for the event below */
	mutex_unlock(&ng_vm_lock);

	pr_info("vm %u: watching (VMM pid %d, %s)\n", vm->id, vm->pid,
		vm->vendor == NOGAP_VENDOR_SVM ? "svm" :
		vm->vendor == NOGAP_VENDOR_VMX ? "vmx" : "unknown");
	ng_event_vm(vm, NOGAP_EVENT_VM_ADDED);
	ng_vm_put(vm);
	return;
drop:
	mutex_unlock(&ng_vm_lock);
	kvm_put_kvm(p->kvm);
}

static void ng_discover(struct work_struct *work)
{
	struct ng_pending batch[NG_PENDING_MAX];
	unsigned int i, n;

	spin_lock_irq(&ng_pending_lock);
	n = ng_npending;
	memcpy(batch, ng_pending, n * sizeof(batch[0]));
	ng_npending = 0;
	spin_unlock_irq(&ng_pending_lock);

	for (i = 0; i < n; i++)
		ng_vm_add(&batch[i]);
}

/* Take vm out of the registry (ng_vm_lock held); the caller retires it. */
static void ng_vm_unlink(struct ng_vm *vm, struct list_head *to)
{
	hash_del_rcu(&vm->hnode);
	list_move_tail(&vm->node, to);
	vm->exiting = true;
	ng_vm_nr--;
}

/* Stop identification, tell listeners, drop the registry's reference. */
static void ng_vm_retire(struct ng_vm *vm)
{
	/* detectors first: they use breakpoints and guest calls */
	ng_wtrack_stop(vm);
	ng_tasks_stop(vm);
	ng_instr_stop(vm);
	ng_ident_cancel(vm);
	pr_info("vm %u: released\n", vm->id);
	ng_event_vm(vm, NOGAP_EVENT_VM_REMOVED);
	ng_vm_put(vm);
}

static void ng_retire_list(struct list_head *dead)
{
	struct ng_vm *vm, *tmp;

	list_for_each_entry_safe(vm, tmp, dead, node) {
		list_del_init(&vm->node);
		ng_vm_retire(vm);
	}
}

static void ng_reap(struct work_struct *work)
{
	struct ng_vm *vm, *tmp;
	LIST_HEAD(dead);

	mutex_lock(&ng_vm_lock);
	list_for_each_entry_safe(vm, tmp, &ng_vm_list, node) {
		/* ours is the last reference: the VMM has let go */
		if (refcount_read(&vm->kvm->users_count) <= 1) {
			ng_vm_unlink(vm, &dead);
			continue;
		}
		if (!READ_ONCE(vm->want_anchor) &&
		    time_after(jiffies, READ_ONCE(vm->anchor_time) +
			       NG_ANCHOR_REFRESH))
			ng_vm_want_anchor(vm);
	}
	mutex_unlock(&ng_vm_lock);

	ng_retire_list(&dead);
	if (!READ_ONCE(ng_vm_closing))
		queue_delayed_work(ng_ctl_wq, &ng_reap_work, NG_REAP_INTERVAL);
}

void ng_vm_update(struct ng_vm *vm)
{
	if (READ_ONCE(vm->exiting) || READ_ONCE(vm->stop))
		return;
	ng_tasks_update(vm);
	ng_wtrack_update(vm);
}

void ng_vm_update_all(void)
{
	struct ng_vm **vms;
	struct ng_vm *vm;
	u32 n = 0, i;

	/* a snapshot with references: updates sleep, set breakpoints... */
	mutex_lock(&ng_vm_lock);
	vms = kcalloc(max_t(u32, ng_vm_nr, 1), sizeof(*vms), GFP_KERNEL);
	if (vms) {
		list_for_each_entry(vm, &ng_vm_list, node) {
			if (n == ng_vm_nr)
				break;
			kref_get(&vm->ref);
			vms[n++] = vm;
		}
	}
	mutex_unlock(&ng_vm_lock);
	if (!vms)
		return;
	for (i = 0; i < n; i++) {
		ng_vm_update(vms[i]);
		ng_vm_put(vms[i]);
	}
	kfree(vms);
}

struct ng_vm *ng_vm_get_id(u32 id)
{
	struct ng_vm *vm, *found = NULL;

	mutex_lock(&ng_vm_lock);
	list_for_each_entry(vm, &ng_vm_list, node) {
		if (vm->id == id) {
			kref_get(&vm->ref);
			found = vm;
			break;
		}
		if (vm->id > id)
			break;
	}
	mutex_unlock(&ng_vm_lock);
	return found;
}

u32 ng_vm_count(void)
{
	return READ_ONCE(ng_vm_nr);
}

int ng_vm_for_each(u32 from, int (*fn)(struct ng_vm *vm, void *arg),
		   void *arg, u32 *stopped)
{
	struct ng_vm *vm;
	int ret = 0;

	mutex_lock(&ng_vm_lock);
	list_for_each_entry(vm, &ng_vm_list, node) {
		if (vm->id < from)
			continue;
		ret = fn(vm, arg);
		if (ret) {
			*stopped = vm->id;
			break;
		}
	}
	mutex_unlock(&ng_vm_lock);
	return ret;
}

int ng_vm_init(void)
{
	int ret;

	ng_ctl_wq = alloc_workqueue("nogap_ctl", WQ_UNBOUND, 1);
	if (!ng_ctl_wq)
		return -ENOMEM;
	ret = tracepoint_probe_register(&__tracepoint_kvm_exit,
					ng_kvm_exit_probe, NULL);
	if (ret) {
		pr_err("cannot attach to the kvm_exit tracepoint: %d\n", ret);
		destroy_workqueue(ng_ctl_wq);
		return ret;
	}
	queue_delayed_work(ng_ctl_wq, &ng_reap_work, NG_REAP_INTERVAL);
	return 0;
}

void ng_vm_exit(void)
{
	struct ng_vm *vm, *tmp;
	LIST_HEAD(dead);
	unsigned int i;

	WRITE_ONCE(ng_vm_closing, true);
	tracepoint_probe_unregister(&__tracepoint_kvm_exit, ng_kvm_exit_probe,
				    NULL);
	/* no probe runs any more, none will */
	tracepoint_synchronize_unregister();
	cancel_delayed_work_sync(&ng_reap_work);
	cancel_work_sync(&ng_discover_work);

	/* VMs seen but never registered */
	for (i = 0; i < ng_npending; i++)
		kvm_put_kvm(ng_pending[i].kvm);
	ng_npending = 0;

	mutex_lock(&ng_vm_lock);
	list_for_each_entry_safe(vm, tmp, &ng_vm_list, node)
		ng_vm_unlink(vm, &dead);
	mutex_unlock(&ng_vm_lock);
	ng_retire_list(&dead);

	destroy_workqueue(ng_ctl_wq);
	/* kfree_rcu callbacks point into nothing of ours, but be tidy */
	rcu_barrier();
}
