// SPDX-License-Identifier: GPL-2.0
/*
 * wtrack.c - write tracking of guest kernel text through KVM page tracking.
 *
 * Once a VM is identified, and while the policy wants text-write events
 * for it, every 4 KiB page of the guest kernel's code (the identified
 * range, guest-virtual) is translated to its guest frame through the
 * anchor's page tables, and each frame is write-tracked with KVM's page
 * tracking (the mechanism KVMGT uses; Debian's kernels are built with
 * CONFIG_KVM_EXTERNAL_WRITE_TRACKING, so it works with nested paging).
 * A guest write to a tracked frame faults into KVM, which emulates it and
 * then calls our notifier: the write has happened, we only report it.
 * Host writes (kvm_write_guest, the breakpoint engine's int3s) do not go
 * through the emulator and are never reported as guest writes.
 *
 * The notifier runs on the vCPU's thread inside KVM's emulator, for every
 * emulated write of the VM: it looks the frame up in a table sorted by
 * frame (binary search), and for our frames copies the write (address,
 * length, the vCPU's RIP) into a per-VM ring, merging repeats of the same
 * instruction on the same page. It never sleeps and allocates nothing. A
 * worker drains the ring: names the writer's function and the written
 * function (ng_sym_find), asks the policy what to do, and sends
 * NOGAP_EVENT_TEXT_WRITE events, at most NG_WT_EVENTS_PER_S per VM; what
 * the ring or the budgets cannot take is counted as dropped events.
 *
 * Lifetime: the table is built, the notifier registered and the frames
 * tracked in a worker that borrows the VMM's mm (guest memory is read
 * through the VMM's mapping; register needs current->mm on 6.6+). The
 * table is immutable while the notifier is registered: it is freed only
 * after unregister, which waits for running notifiers (SRCU). Stopping
 * untracks every frame this part tracked, exactly once: a memslot that
 * KVM moves or deletes takes its counters with it (its hook clears our
 * flags first), so a frame is only untracked where it was tracked.
 *
 * Locks: ng_wt_mutex (vm->wtrack) -> wt->lock (state, table) ->
 * wt->slot_lock (the per-frame tracked flags, held across each add or
 * remove so that KVM's memslot hook cannot interleave) -> kvm->srcu,
 * kvm->mmu_lock. wt->ring_lock is a leaf.
 */

#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"
#include "core/guest_walk.h"
#include "core/ktext.h"

/* The most frames tracked per VM: the identification's own code limit. */
#define NG_WT_MAX_PAGES		((u32)(NG_KTEXT_MAX >> PAGE_SHIFT))
/* Records waiting for the worker (a power of two). */
#define NG_WT_RING		512
/* Records taken per VM and second; beyond, writes are counted only. */
#define NG_WT_RECORDS_PER_S	4096
/* Events sent per VM and second; beyond, dropped (and counted). */
#define NG_WT_EVENTS_PER_S	100
/* Function names in events (the DB's are far shorter). */
#define NG_WT_NAME		128

struct ng_wt_page {
	u64 gfn;
	u64 gva;		/* the text address mapping it */
	bool tracked;		/* slot_lock; read locklessly by the notifier */
};

/* One guest write (or a run of them: same vCPU, RIP, [rsp] and page). */
struct ng_wt_rec {
	u64 gpa;
	u64 gva;
	u64 rip;		/* 0: unknown (no vCPU, nested guest) */
	u64 ret;		/* [rsp] at the write, 0: unread */
	u32 len;
	u32 vcpu;
	u32 count;
};

struct ng_wtrack {
	struct ng_vm *vm;		/* outlives us: stopped at retire */
	struct kvm_page_track_notifier_node node;
	struct work_struct apply;	/* start/stop as the policy says */
	struct work_struct report;	/* ring -> events */
	bool dying;

	struct mutex lock;		/* below, and the table */
	bool active;			/* registered, frames tracked */
	u32 gen;			/* vm->result_gen of the table */
	u64 text_start, text_size;
	struct ng_mmu mmu;		/* the anchor's paging, for [rsp] */
	struct ng_wt_page *pages;	/* sorted by gfn, unique */
	u32 npages;
	u32 ntracked;

	spinlock_t slot_lock;		/* pages[].tracked */

	spinlock_t ring_lock;
	u32 head, tail;
	unsigned long rec_win;		/* jiffies: record budget window */
	u32 rec_n;
	u64 lost;			/* records not taken, for the worker */
	u64 writes;			/* guest writes seen while active */
	struct ng_wt_rec ring[NG_WT_RING];

	/* the worker's */
	unsigned long ev_win;
	u32 ev_n;
	u64 events, ignored, dropped;
};

static struct workqueue_struct *ng_wt_wq;
static DEFINE_MUTEX(ng_wt_mutex);		/* every vm->wtrack */
static atomic64_t ng_wt_writes = ATOMIC64_INIT(0);
static atomic64_t ng_wt_dropped = ATOMIC64_INIT(0);
static atomic_t ng_wt_live = ATOMIC_INIT(0);

u64 ng_wtrack_count(void)
{
	return atomic64_read(&ng_wt_writes);
}

u64 ng_wtrack_dropped(void)
{
	return atomic64_read(&ng_wt_dropped);
}

#ifndef NG_HAVE_WRITE_TRACK_GFN
/*
 * The gfn-based calls of 6.6+ over the memslot-based ones: the caller
 * holds kvm->srcu; mmu_lock for write is taken here, as 6.6+ does.
 */
static int ng_track_slot_gfn(struct kvm *kvm, gfn_t gfn, bool add)
{
	struct kvm_memory_slot *slot = gfn_to_memslot(kvm, gfn);

	if (!slot)
		return -EINVAL;
	write_lock(&kvm->mmu_lock);
	if (add)
		kvm_slot_page_track_add_page(kvm, slot, gfn,
					     KVM_PAGE_TRACK_WRITE);
	else
		kvm_slot_page_track_remove_page(kvm, slot, gfn,
						KVM_PAGE_TRACK_WRITE);
	write_unlock(&kvm->mmu_lock);
	return 0;
}
#endif

/* Guest-physical reads that never sleep: in the notifier, on the vCPU
 * thread, under kvm->srcu (held by the vCPU's run loop). */
static int ng_wt_read_atomic(void *ctx, u64 gpa, void *buf, size_t len)
{
	return kvm_vcpu_read_guest_atomic(ctx, gpa, buf, len) ? -EFAULT : 0;
}

/*
 * The return address on top of the writer's kernel stack, or 0. Read now:
 * by the time the worker runs, the stack has moved on. Kernel stacks are
 * in the kernel half, the same in every page table: the anchor's CR3 will
 * do. RSP is current when KVM has it cached (always on SVM).
 */
static u64 ng_wt_stack_top(struct ng_wtrack *wt, struct kvm_vcpu *vcpu)
{
	struct ng_physmem pm = { .ctx = vcpu, .read = ng_wt_read_atomic };
	struct ng_mmu m = wt->mmu;
	u64 rsp, ret;

	if (!(vcpu->arch.regs_avail & BIT(VCPU_REGS_RSP)))
		return 0;
	rsp = vcpu->arch.regs[VCPU_REGS_RSP];
	if (rsp < (1ull << 63) || (rsp & 7))
		return 0;
	m.mem = &pm;
	if (ng_read_virt(&m, rsp, &ret, sizeof(ret)))
		return 0;
	return ret;
}

/*
 * The copy and fill routines (memcpy, memcpy_erms, __memmove, memset...)
 * are leaves that push nothing: at their stores the return address into
 * their caller is on top of the stack, and the caller is the writer that
 * matters (text_poke tail-calls memcpy: the caller is __text_poke).
 */
static bool ng_wt_copy_routine(const char *name)
{
	if (name[0] == '_' && name[1] == '_')
		name += 2;
	return !strncmp(name, "mem", 3);
}

/* The table entry of gfn, or NULL. Any context. */
static struct ng_wt_page *ng_wt_find(struct ng_wtrack *wt, u64 gfn)
{
	u32 lo = 0, hi = wt->npages;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (wt->pages[mid].gfn == gfn)
			return &wt->pages[mid];
		if (wt->pages[mid].gfn < gfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * KVM emulated a guest write (any page of the VM): on the vCPU's thread,
 * under KVM's SRCU, inside the emulator. Never sleeps.
 */
static NG_TRACK_WRITE_FN(ng_wt_write)
{
	struct ng_wtrack *wt = container_of(node, struct ng_wtrack, node);
	struct kvm_vcpu *vcpu = NG_TRACK_WRITE_VCPU;
	struct ng_wt_page *p;
	struct ng_wt_rec r = { };
	bool queue = false;

	p = ng_wt_find(wt, gpa >> PAGE_SHIFT);
	if (!p || !READ_ONCE(p->tracked))
		return;
	r.gpa = gpa;
	r.gva = p->gva + offset_in_page(gpa);
	r.len = bytes > 0 ? bytes : 0;
	r.count = 1;
	r.vcpu = U32_MAX;
	if (vcpu && vcpu->kvm == wt->vm->kvm) {
		r.vcpu = vcpu->vcpu_idx;
		/*
		 * The emulator has the instruction's RIP cached (it starts
		 * from kvm_rip_read) and writes the next one back only after
		 * the write: this is the writing instruction. A nested
		 * guest's RIP would mean nothing in this guest's kernel.
		 */
		if (!(vcpu->arch.hflags & HF_GUEST_MASK) &&
		    (vcpu->arch.regs_avail & BIT(VCPU_REGS_RIP))) {
			r.rip = vcpu->arch.regs[VCPU_REGS_RIP];
			r.ret = ng_wt_stack_top(wt, vcpu);
		}
	}
	atomic64_inc(&ng_wt_writes);

	spin_lock(&wt->ring_lock);
	wt->writes++;
	if (wt->head != wt->tail) {
		struct ng_wt_rec *last = &wt->ring[(wt->head - 1) % NG_WT_RING];

		if (last->rip == r.rip && last->ret == r.ret &&
		    last->vcpu == r.vcpu &&
		    (last->gpa >> PAGE_SHIFT) == (r.gpa >> PAGE_SHIFT)) {
			if (last->count < U32_MAX)
				last->count++;
			goto out;
		}
	}
	if (time_after(jiffies, wt->rec_win + HZ)) {
		wt->rec_win = jiffies;
		wt->rec_n = 0;
	}
	if (wt->rec_n >= NG_WT_RECORDS_PER_S ||
	    wt->head - wt->tail >= NG_WT_RING) {
		wt->lost++;
		queue = true;	/* the worker accounts for it */
		goto out;
	}
	wt->rec_n++;
	wt->ring[wt->head % NG_WT_RING] = r;
	wt->head++;
	queue = true;
out:
	spin_unlock(&wt->ring_lock);
	if (queue && !READ_ONCE(wt->dying))
		queue_work(ng_wt_wq, &wt->report);
}

/*
 * KVM moves or deletes a memslot: its tracking counters go with it, so
 * our frames in it are no longer tracked (and must not be untracked).
 * Process context (the memslot ioctl), under KVM's page-track SRCU.
 */
static NG_TRACK_REMOVE_FN(ng_wt_remove_region)
{
	struct ng_wtrack *wt = container_of(node, struct ng_wtrack, node);
	u64 base = NG_TRACK_REMOVE_BASE, end = base + NG_TRACK_REMOVE_NPAGES;
	u32 i, n = 0;

	spin_lock(&wt->slot_lock);
	for (i = 0; i < wt->npages; i++) {
		struct ng_wt_page *p = &wt->pages[i];

		if (p->gfn >= base && p->gfn < end && p->tracked) {
			WRITE_ONCE(p->tracked, false);
			wt->ntracked--;
			n++;
		}
	}
	spin_unlock(&wt->slot_lock);
	if (n)
		pr_info("vm %u: a memslot went away with %u tracked text pages\n",
			wt->vm->id, n);
}

/* ---- events ---- */

static bool ng_wt_event_budget(struct ng_wtrack *wt)
{
	if (time_after(jiffies, wt->ev_win + HZ)) {
		wt->ev_win = jiffies;
		wt->ev_n = 0;
	}
	if (wt->ev_n >= NG_WT_EVENTS_PER_S)
		return false;
	wt->ev_n++;
	return true;
}

static void ng_wt_drop(struct ng_wtrack *wt, u64 n)
{
	wt->dropped += n;
	atomic64_add(n, &ng_wt_dropped);
	ng_event_dropped(n);
}

static void ng_wt_emit(struct ng_wtrack *wt, const struct ng_wt_rec *r)
{
	struct ng_vm *vm = wt->vm;
	char writer[NG_WT_NAME], via[NG_WT_NAME], target[NG_WT_NAME];
	struct ng_subject s = { .kthread = -1 };
	struct sk_buff *skb;
	u32 actions;
	void *hdr;

	writer[0] = via[0] = target[0] = '\0';
	if (r->rip)
		ng_sym_find(vm, r->rip, writer, sizeof(writer));
	/* a store in memcpy & co.: the writer is who called it */
	if (writer[0] && ng_wt_copy_routine(writer) && r->ret &&
	    ng_sym_find(vm, r->ret, target, sizeof(target))) {
		strscpy(via, writer, sizeof(via));
		strscpy(writer, target, sizeof(writer));
	}
	target[0] = '\0';
	ng_sym_find(vm, r->gva, target, sizeof(target));
	s.writer = writer[0] ? writer : NULL;
	s.target = target[0] ? target : NULL;
	actions = ng_policy_actions(NOGAP_EVENT_TEXT_WRITE, vm->id, &s);
	if (!actions) {
		wt->ignored++;
		return;
	}
	if (actions & NOGAP_ACTION_LOG)
		pr_info_ratelimited("vm %u: guest kernel text write: %u bytes at 0x%llx (%s) by rip 0x%llx (%s%s%s), %u times\n",
				    vm->id, r->len, r->gva,
				    target[0] ? target : "?", r->rip,
				    writer[0] ? writer : "?", via[0] ? " via " : "",
				    via, r->count);
	if (!(actions & NOGAP_ACTION_REPORT))
		return;
	if (!ng_event_listened())
		return;
	if (!ng_wt_event_budget(wt)) {
		ng_wt_drop(wt, 1);
		return;
	}
	skb = ng_event_new(NOGAP_EVENT_TEXT_WRITE, vm, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (nla_put_u64_64bit(skb, NOGAP_A_WRITE_GPA, r->gpa, NOGAP_A_PAD) ||
	    nla_put_u64_64bit(skb, NOGAP_A_WRITE_GVA, r->gva, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_WRITE_LEN, r->len) ||
	    nla_put_u32(skb, NOGAP_A_WRITE_COUNT, r->count) ||
	    (r->rip && nla_put_u64_64bit(skb, NOGAP_A_WRITER_RIP, r->rip,
					 NOGAP_A_PAD)) ||
	    (r->vcpu != U32_MAX && nla_put_u32(skb, NOGAP_A_HIT_VCPU, r->vcpu)) ||
	    (writer[0] && nla_put_string(skb, NOGAP_A_WRITER_FUNC, writer)) ||
	    (via[0] && nla_put_string(skb, NOGAP_A_WRITER_VIA, via)) ||
	    (target[0] && nla_put_string(skb, NOGAP_A_TARGET_FUNC, target)) ||
	    nla_put_u32(skb, NOGAP_A_ACTIONS, actions)) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
	wt->events++;
}

static void ng_wt_report(struct work_struct *work)
{
	struct ng_wtrack *wt = container_of(work, struct ng_wtrack, report);
	struct ng_wt_rec r;
	unsigned int n;
	u64 lost;

	/* what is there now, and no more: the ring refills meanwhile */
	for (n = 0; n < NG_WT_RING; n++) {
		spin_lock(&wt->ring_lock);
		if (wt->tail == wt->head) {
			spin_unlock(&wt->ring_lock);
			break;
		}
		r = wt->ring[wt->tail % NG_WT_RING];
		wt->tail++;
		spin_unlock(&wt->ring_lock);
		ng_wt_emit(wt, &r);
		cond_resched();
	}
	spin_lock(&wt->ring_lock);
	lost = wt->lost;
	wt->lost = 0;
	n = wt->head != wt->tail;
	spin_unlock(&wt->ring_lock);
	if (lost)
		ng_wt_drop(wt, lost);
	if (n && !READ_ONCE(wt->dying))
		queue_work(ng_wt_wq, &wt->report);
}

/* ---- start and stop ---- */

static int ng_wt_cmp(const void *a, const void *b)
{
	const struct ng_wt_page *x = a, *y = b;

	if (x->gfn != y->gfn)
		return x->gfn < y->gfn ? -1 : 1;
	return x->gva < y->gva ? -1 : x->gva > y->gva;
}

/*
 * The frames of [start, start + size) through the page tables at cr3;
 * current->mm is the VMM's. Pages that do not translate are left out.
 */
static int ng_wt_build(struct ng_wtrack *wt, u64 start, u64 size,
		       const struct ng_anchor *a)
{
	struct ng_vm *vm = wt->vm;
	struct ng_wt_page *pages;
	u64 gpa, cr3 = a->cr3;
	u32 n, i, k;

	wt->mmu.cr3 = a->cr3;
	wt->mmu.la57 = a->la57;
	wt->mmu.nxe = a->nxe;

	start &= PAGE_MASK;
	n = (u32)min_t(u64, DIV_ROUND_UP(size, PAGE_SIZE), NG_WT_MAX_PAGES);
	if (!n)
		return -ENOENT;
	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		u64 gva = start + ((u64)i << PAGE_SHIFT);

		if (READ_ONCE(wt->dying) || READ_ONCE(vm->stop)) {
			kvfree(pages);
			return -EINTR;
		}
		if (ng_gva_to_gpa(vm, cr3, gva, &gpa))
			continue;
		pages[k].gfn = gpa >> PAGE_SHIFT;
		pages[k].gva = gva;
		k++;
		if (!(i & 255))
			cond_resched();
	}
	sort(pages, k, sizeof(*pages), ng_wt_cmp, NULL);
	/* one entry per frame (KVM counts each add): the lowest address */
	for (i = 0, n = 0; i < k; i++)
		if (!n || pages[n - 1].gfn != pages[i].gfn)
			pages[n++] = pages[i];
	if (!n) {
		kvfree(pages);
		return -EFAULT;
	}
	wt->pages = pages;
	wt->npages = n;
	return 0;
}

/*
 * Track or untrack one frame. Under our srcu section, a memslot being
 * moved or deleted (KVM_MEMSLOT_INVALID) is left alone: its hook runs
 * only after this section and clears what was tracked before it.
 */
static void ng_wt_set(struct ng_wtrack *wt, struct ng_wt_page *p, bool on)
{
	struct kvm *kvm = wt->vm->kvm;
	struct kvm_memory_slot *slot;
	int idx;

	spin_lock(&wt->slot_lock);
	if (p->tracked == on)
		goto out;
	idx = srcu_read_lock(&kvm->srcu);
	slot = gfn_to_memslot(kvm, p->gfn);
	if (on) {
		if (slot && !(slot->flags & KVM_MEMSLOT_INVALID) &&
		    !ng_track_add_gfn(kvm, p->gfn)) {
			WRITE_ONCE(p->tracked, true);
			wt->ntracked++;
		}
	} else {
		if (slot)
			ng_track_remove_gfn(kvm, p->gfn);
		WRITE_ONCE(p->tracked, false);
		wt->ntracked--;
	}
	srcu_read_unlock(&kvm->srcu, idx);
out:
	spin_unlock(&wt->slot_lock);
}

static void ng_wt_off(struct ng_wtrack *wt)
{
	struct kvm *kvm = wt->vm->kvm;
	u64 writes;
	u32 i;

	for (i = 0; i < wt->npages; i++) {
		ng_wt_set(wt, &wt->pages[i], false);
		if (!(i & 63))
			cond_resched();
	}
#ifdef NG_TRACK_REGISTER_GETS_KVM
	kvm_get_kvm(kvm);	/* the reference unregister drops */
#endif
	/* no notifier runs after this */
	kvm_page_track_unregister_notifier(kvm, &wt->node);
	spin_lock(&wt->ring_lock);
	writes = wt->writes;
	spin_unlock(&wt->ring_lock);
	pr_info("vm %u: text write tracking off: %llu writes seen, %llu events, %llu ignored by the policy, %llu dropped\n",
		wt->vm->id, writes, wt->events, wt->ignored, wt->dropped);
	kvfree(wt->pages);
	wt->pages = NULL;
	wt->npages = 0;
	wt->active = false;
}

static void ng_wt_on(struct ng_wtrack *wt, u64 start, u64 size,
		     const struct ng_anchor *a, u32 gen)
{
	struct ng_vm *vm = wt->vm;
	struct kvm *kvm = vm->kvm;
	struct mm_struct *mm = kvm->mm;
	int ret;
	u32 i;

	if (!mm || !mmget_not_zero(mm))
		return;		/* the VMM is exiting */
	kthread_use_mm(mm);
	ret = ng_wt_build(wt, start, size, a);
	if (!ret) {
		ret = ng_track_register(kvm, &wt->node);
		if (ret) {
			kvfree(wt->pages);
			wt->pages = NULL;
			wt->npages = 0;
		}
	}
	kthread_unuse_mm(mm);
	mmput(mm);
	if (ret) {
		if (ret != -EINTR)
			pr_info("vm %u: cannot track writes to the kernel text: %d\n",
				vm->id, ret);
		return;
	}
#ifdef NG_TRACK_REGISTER_GETS_KVM
	/*
	 * Register took a VM reference; ours (vm->kvm) already keeps the VM
	 * alive until we unregister, and the registry tells that the VMM
	 * let go from the count of references. Give it back.
	 */
	kvm_put_kvm(kvm);
#endif
	wt->active = true;
	wt->gen = gen;
	wt->text_start = start;
	wt->text_size = size;
	spin_lock(&wt->ring_lock);
	wt->writes = 0;
	spin_unlock(&wt->ring_lock);
	wt->events = wt->ignored = wt->dropped = 0;
	for (i = 0; i < wt->npages; i++) {
		if (READ_ONCE(wt->dying))
			break;
		ng_wt_set(wt, &wt->pages[i], true);
		if (!(i & 63))
			cond_resched();
	}
	pr_info("vm %u: tracking writes to the kernel text: %u of %u pages (0x%llx+0x%llx)\n",
		vm->id, wt->ntracked, (u32)DIV_ROUND_UP(size, PAGE_SIZE), start,
		size);
}

static void ng_wt_apply(struct work_struct *work)
{
	struct ng_wtrack *wt = container_of(work, struct ng_wtrack, apply);
	struct ng_vm *vm = wt->vm;
	struct ng_anchor a = { };
	u64 start = 0, size = 0;
	bool want;
	u32 gen = 0;

	want = !READ_ONCE(wt->dying) && !READ_ONCE(vm->stop) &&
	       ng_policy_wants(NOGAP_EVENT_TEXT_WRITE, vm->id);
	/* the last successful identification, also while another runs */
	mutex_lock(&vm->ident_lock);
	if (vm->result) {
		start = vm->result->text_start;
		size = vm->result->text_size;
		a = vm->result->anchor;
		gen = vm->result_gen;
	} else {
		want = false;
	}
	mutex_unlock(&vm->ident_lock);

	mutex_lock(&wt->lock);
	if (wt->active && (!want || wt->gen != gen))
		ng_wt_off(wt);
	if (want && !wt->active)
		ng_wt_on(wt, start, size, &a, gen);
	mutex_unlock(&wt->lock);
}

static struct ng_wtrack *ng_wt_alloc(struct ng_vm *vm)
{
	struct ng_wtrack *wt = kzalloc(sizeof(*wt), GFP_KERNEL);

	if (!wt)
		return NULL;
	wt->vm = vm;
	wt->node.track_write = ng_wt_write;
	wt->node.NG_TRACK_REMOVE_HOOK = ng_wt_remove_region;
	INIT_WORK(&wt->apply, ng_wt_apply);
	INIT_WORK(&wt->report, ng_wt_report);
	mutex_init(&wt->lock);
	spin_lock_init(&wt->slot_lock);
	spin_lock_init(&wt->ring_lock);
	wt->rec_win = wt->ev_win = jiffies;
	atomic_inc(&ng_wt_live);
	return wt;
}

void ng_wtrack_update(struct ng_vm *vm)
{
	struct ng_wtrack *wt;

	mutex_lock(&ng_wt_mutex);
	/* retiring VMs are marked exiting before ng_wtrack_stop runs */
	if (READ_ONCE(vm->exiting) || READ_ONCE(vm->stop))
		goto out;
	wt = vm->wtrack;
	if (!wt) {
		if (!ng_policy_wants(NOGAP_EVENT_TEXT_WRITE, vm->id))
			goto out;
		wt = ng_wt_alloc(vm);
		if (!wt)
			goto out;
		vm->wtrack = wt;
	}
	queue_work(ng_wt_wq, &wt->apply);
out:
	mutex_unlock(&ng_wt_mutex);
}

void ng_wtrack_stop(struct ng_vm *vm)
{
	struct ng_wtrack *wt;

	mutex_lock(&ng_wt_mutex);
	wt = vm->wtrack;
	vm->wtrack = NULL;
	mutex_unlock(&ng_wt_mutex);
	if (!wt)
		return;
	WRITE_ONCE(wt->dying, true);
	cancel_work_sync(&wt->apply);
	mutex_lock(&wt->lock);
	if (wt->active)
		ng_wt_off(wt);
	mutex_unlock(&wt->lock);
	/* the notifier is gone: nothing queues the report work any more */
	cancel_work_sync(&wt->report);
	mutex_destroy(&wt->lock);
	kfree(wt);
	atomic_dec(&ng_wt_live);
}

int ng_wtrack_init(void)
{
	/* the notifier queues from a vCPU thread: no CPU affinity needed */
	ng_wt_wq = alloc_workqueue("nogap_wtrack", WQ_UNBOUND, 0);
	return ng_wt_wq ? 0 : -ENOMEM;
}

void ng_wtrack_exit(void)
{
	/* every VM was retired (ng_vm_exit) before we get here */
	if (atomic_read(&ng_wt_live))
		pr_err("text write tracking still active for %d vms at exit\n",
		       atomic_read(&ng_wt_live));
	destroy_workqueue(ng_wt_wq);
}
