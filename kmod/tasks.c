// SPDX-License-Identifier: GPL-2.0
/*
 * tasks.c - the guest's processes as seen from the host, and hidden-process
 * detection.
 *
 * The task list: identification (ident.c) keeps where matched code puts
 * init_task and init_mm, and the offsets at which that code addresses
 * init_task. From them the engine (core/analyse.c, the code `nogapctl ps
 * --dump` runs) derives the task_struct layout with live invariants over
 * the guest's own list, once per identification result. Guest memory is
 * read from a worker of ng_tasks_wq with the VMM's mm borrowed, through the
 * guest's page tables: a root whose kernel half (the upper 256 entries,
 * the same in every process) is the kernel's. The root of a process may be
 * freed once the process exits, so each use checks the root's kernel half
 * against the one seen when the layout was derived, and falls back to the
 * latest root seen (breakpoint hits, anchors).
 *
 * NOGAP_CMD_PS_GET reads the list in such a worker and dumps the snapshot.
 *
 * Hidden processes (core/hidden.h has the rules): a breakpoint on the
 * context switch (__switch_to_asm, else __switch_to: prev in rdi, next in
 * rsi; named by an exact code hash) records the next task in a small set,
 * in O(1) on the exit path, no guest reads. Every NG_SCAN_INTERVAL a
 * worker reads the list, takes the set and judges the tasks that ran
 * while off the list. A task found hidden goes through the policy
 * (NOGAP_EVENT_HIDDEN_PROCESS): an event, a log line, and for KILL (never
 * for a kernel thread) a call of the guest's send_sig(SIGKILL, task, 1)
 * at a safe stop (ng_call), after its pid and comm are read once more;
 * then a NOGAP_EVENT_KILL event with the result.
 *
 * Detection runs while the policy wants hidden-process events for the VM
 * (ng_tasks_update after identification and after each policy load);
 * ng_tasks_stop removes the breakpoint and waits for the workers.
 *
 * Locking: ng_tasks_mutex guards vm->tasks; t->lock the layout, the list
 * and the detection state; t->seen_lock the set the breakpoint fills.
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "nogap.h"
#include "core/analyse.h"
#include "core/hidden.h"

#define NG_SCAN_INTERVAL	msecs_to_jiffies(500)
#define NG_CFG_RETRY		(2 * HZ)
#define NG_CFG_TRIES		15
#define NG_REPORTS_MAX		4	/* hidden tasks reported a round */
#define NG_KILL_TIMEOUT_MS	2000
#define NG_SIGKILL		9
#define NG_CR3_ADDR		0x000ffffffffff000ull
#define NG_KHALF		2048	/* upper half of a top-level table */
#define NG_ROOT_FAILS		10	/* rounds before the root is re-taken */
#define NG_PS_TRIES		3	/* walks of a list that changes */

static struct workqueue_struct *ng_tasks_wq;
static DEFINE_MUTEX(ng_tasks_mutex);	/* vm->tasks */

struct ng_tasks {
	struct kref ref;
	struct ng_vm *vm;		/* outlives us: we go in its retire */
	bool dead;			/* stopping: no more work */

	struct mutex lock;		/* all below but the seen set */
	struct ng_physmem pm;
	/* the page-table root for kernel addresses, and its kernel half */
	bool have_khalf;
	u64 root;
	u32 root_fails;
	u8 *khalf, *kbuf;		/* NG_KHALF each */
	/* the layout, from identification result gen */
	bool have_layout;
	u32 gen;
	u64 init_task;
	struct ng_task_layout lo;
	/* detection */
	struct delayed_work cfg_work;
	struct delayed_work scan_work;
	u32 cfg_tries;
	bool detect;			/* breakpoint set, scan running */
	u32 det_gen;			/* layout gen it runs with */
	u32 warned_gen;			/* + 1: why it cannot run, said */
	u32 bp_id;
	u64 hid_init;			/* init_task of hid's reports */
	u64 send_sig;
	struct ng_tlist list;
	struct ng_hidden *hid;
	u64 rounds, walk_fails, root_failed, killed;

	/* filled by the breakpoint handler, taken by the scan */
	spinlock_t seen_lock;
	struct ng_seen *seen, *spare;
	u64 hit_cr3;
	u64 hits, dropped;
};

/* Context-switch functions with the next task as second argument. */
static const char *const ng_switch_fns[] = { "__switch_to_asm", "__switch_to" };

/* ---- guest memory ---- */

static int ng_tasks_gpa(void *ctx, u64 gpa, void *buf, size_t len)
{
	return ng_gpa_read(ctx, gpa, buf, len);
}

/* Borrow the VMM's mm for kvm_read_guest (NULL: the VMM is exiting). */
static struct mm_struct *ng_tasks_use_mm(struct ng_vm *vm)
{
	struct mm_struct *mm = vm->kvm->mm;

	if (READ_ONCE(vm->stop) || !mm || !mmget_not_zero(mm))
		return NULL;
	kthread_use_mm(mm);
	return mm;
}

static void ng_tasks_unuse_mm(struct mm_struct *mm)
{
	kthread_unuse_mm(mm);
	mmput(mm);
}

static bool ng_khalf_read(struct ng_tasks *t, u64 cr3, u8 *buf)
{
	return cr3 && !ng_gpa_read(t->vm, (cr3 & NG_CR3_ADDR) + NG_KHALF, buf,
				   NG_KHALF);
}

/*
 * An mmu for kernel addresses (t->lock, mm borrowed): the root used last,
 * the latest breakpoint hit's, the latest anchor's; the first whose kernel
 * half is the one adopted. The first time (or after many failures), the
 * anchor's root is adopted.
 */
static int ng_tasks_mmu(struct ng_tasks *t, struct ng_mmu *m)
{
	struct ng_vm *vm = t->vm;
	unsigned long flags;
	u64 cand[3];
	bool have;
	int i;

	memset(m, 0, sizeof(*m));
	m->mem = &t->pm;
	spin_lock_irqsave(&vm->anchor_lock, flags);
	have = vm->have_anchor;
	cand[2] = have ? vm->anchor.cr3 : 0;
	m->la57 = vm->anchor.la57;
	m->nxe = have ? vm->anchor.nxe : true;
	spin_unlock_irqrestore(&vm->anchor_lock, flags);
	cand[0] = t->root;
	spin_lock_irqsave(&t->seen_lock, flags);
	cand[1] = t->hit_cr3;
	spin_unlock_irqrestore(&t->seen_lock, flags);

	if (t->have_khalf) {
		for (i = 0; i < 3; i++) {
			if (ng_khalf_read(t, cand[i], t->kbuf) &&
			    !memcmp(t->kbuf, t->khalf, NG_KHALF)) {
				t->root = cand[i];
				t->root_fails = 0;
				m->cr3 = t->root;
				return 0;
			}
		}
		if (++t->root_fails < NG_ROOT_FAILS)
			return -EFAULT;
		t->have_khalf = false;	/* the kernel half moved: take anew */
	}
	for (i = 2; i >= 1; i--) {
		u64 any = 0;
		u32 k;

		if (!ng_khalf_read(t, cand[i], t->khalf))
			continue;
		for (k = 0; k < NG_KHALF; k += 8)
			any |= t->khalf[k] & 1;	/* a present entry */
		if (!any)
			continue;
		t->have_khalf = true;
		t->root = cand[i];
		t->root_fails = 0;
		m->cr3 = t->root;
		return 0;
	}
	ng_vm_want_anchor(vm);
	return -EFAULT;
}

/*
 * The layout for the current identification result (t->lock, mm
 * borrowed, m from ng_tasks_mmu). 0 or -errno with a static reason.
 */
static int ng_tasks_layout(struct ng_tasks *t, const struct ng_mmu *m,
			   const char **why)
{
	struct ng_vm *vm = t->vm;
	u32 hints[NG_TASK_HINTS], nh = 0, gen = 0;
	struct ng_task_layout lo;
	u64 it = 0, im = 0;
	bool have;
	int ret;

	mutex_lock(&vm->ident_lock);
	have = vm->result;
	if (have) {
		it = vm->result->init_task;
		im = vm->result->init_mm;
		nh = min_t(u32, vm->result->ntask_hints, NG_TASK_HINTS);
		memcpy(hints, vm->result->task_hints, nh * sizeof(u32));
		gen = vm->result_gen;
	}
	mutex_unlock(&vm->ident_lock);
	if (!have) {
		*why = "vm not identified yet (nogapctl identify)";
		return -ENODATA;
	}
	if (t->have_layout && t->gen == gen)
		return 0;
	t->have_layout = false;
	if (!it) {
		*why = "init_task not located: no matched code references it";
		return -ENOENT;
	}
	ret = ng_task_layout_find(m, it, im, hints, nh, &lo, why);
	if (ret)
		return ret;
	t->lo = lo;
	t->init_task = it;
	t->gen = gen;
	t->have_layout = true;
	pr_info("vm %u: task list from init_task 0x%llx: %u tasks; task_struct tasks +0x%x pid +0x%x comm +0x%x mm +0x%x state +0x%x flags %s0x%x (%u offsets from code)\n",
		vm->id, it, lo.ntasks, lo.tasks, lo.pid, lo.comm, lo.mm,
		lo.state, lo.has_flags ? "+" : "none, ", lo.flags, nh);
	return 0;
}

/* ---- lifetime ---- */

static void ng_tasks_cfg_work(struct work_struct *work);
static void ng_tasks_scan_work(struct work_struct *work);

static void ng_tasks_release(struct kref *ref)
{
	struct ng_tasks *t = container_of(ref, struct ng_tasks, ref);

	ng_tlist_free(&t->list);
	kfree(t->hid);
	kfree(t->seen);
	kfree(t->spare);
	kfree(t->khalf);
	kfree(t->kbuf);
	mutex_destroy(&t->lock);
	kfree(t);
}

static void ng_tasks_put(struct ng_tasks *t)
{
	kref_put(&t->ref, ng_tasks_release);
}

static struct ng_tasks *ng_tasks_new(struct ng_vm *vm)
{
	struct ng_tasks *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (!t)
		return NULL;
	kref_init(&t->ref);
	t->vm = vm;
	mutex_init(&t->lock);
	spin_lock_init(&t->seen_lock);
	t->pm.ctx = vm;
	t->pm.read = ng_tasks_gpa;
	INIT_DELAYED_WORK(&t->cfg_work, ng_tasks_cfg_work);
	INIT_DELAYED_WORK(&t->scan_work, ng_tasks_scan_work);
	t->khalf = kmalloc(NG_KHALF, GFP_KERNEL);
	t->kbuf = kmalloc(NG_KHALF, GFP_KERNEL);
	if (!t->khalf || !t->kbuf) {
		ng_tasks_put(t);
		return NULL;
	}
	return t;
}

/* vm's tasks with a reference (ng_tasks_put), or NULL. */
static struct ng_tasks *ng_tasks_get(struct ng_vm *vm)
{
	struct ng_tasks *t;

	mutex_lock(&ng_tasks_mutex);
	t = vm->tasks;
	if (t)
		kref_get(&t->ref);
	mutex_unlock(&ng_tasks_mutex);
	return t;
}

/* ---- hidden-process detection ---- */

/* On the vCPU's exit path: remember the next task. O(1), no guest reads. */
static void ng_tasks_hit(struct ng_vm *vm, const struct ng_bp_hit *hit,
			 void *ctx)
{
	struct ng_tasks *t = ctx;
	unsigned long flags;

	spin_lock_irqsave(&t->seen_lock, flags);
	if (!ng_seen_add(t->seen, hit->args[1]))
		t->dropped++;
	t->hit_cr3 = hit->cr3;
	t->hits++;
	spin_unlock_irqrestore(&t->seen_lock, flags);
}

static void ng_tasks_detect_off(struct ng_tasks *t)
{
	struct ng_hidden *h = t->hid;
	unsigned long flags;
	u64 hits, dropped;

	if (!t->detect)
		return;
	t->detect = false;
	ng_bp_del_owner(t->vm, NOGAP_BP_OWNER_SCHED, 0);
	spin_lock_irqsave(&t->seen_lock, flags);
	hits = t->hits;
	dropped = t->dropped;
	spin_unlock_irqrestore(&t->seen_lock, flags);
	pr_info("vm %u: hidden-process detection off; this boot so far: %llu rounds, %llu switches (%llu not recorded), %llu walks failed, %llu root misses; off the list: %llu idle, %llu threads, %llu exiting, %llu unreadable; %llu hidden, %llu killed\n",
		t->vm->id, t->rounds, hits, dropped, t->walk_fails,
		t->root_failed, h->idle, h->threads, h->exiting, h->unreadable,
		h->found, t->killed);
}

/* Start detection (t->lock, layout in place). 0 or -errno, said once. */
static int ng_tasks_detect_on(struct ng_tasks *t)
{
	struct ng_vm *vm = t->vm;
	const char *fn = NULL, *why;
	unsigned long flags;
	u64 addr = 0;
	bool fresh;
	u32 i, id;
	int ret;

	t->send_sig = ng_sym_addr_exact(vm, "send_sig");
	ret = -ENOMEM;
	why = "out of memory";
	if (!t->list.addr && ng_tlist_alloc(&t->list, NG_TASKS_MAX))
		goto fail;
	if (!t->hid) {
		t->hid = kmalloc(sizeof(*t->hid), GFP_KERNEL);
		t->hid_init = 0;
	}
	if (!t->seen)
		t->seen = kmalloc(sizeof(*t->seen), GFP_KERNEL);
	if (!t->spare)
		t->spare = kmalloc(sizeof(*t->spare), GFP_KERNEL);
	if (!t->hid || !t->seen || !t->spare)
		goto fail;
	/*
	 * A task is reported once, across policy changes and identifications
	 * of the same boot (the same init_task) too.
	 */
	fresh = t->hid_init != t->init_task;
	spin_lock_irqsave(&t->seen_lock, flags);
	ng_seen_clear(t->seen);
	ng_seen_clear(t->spare);
	if (fresh)
		t->hits = t->dropped = 0;
	spin_unlock_irqrestore(&t->seen_lock, flags);
	if (fresh) {
		ng_hidden_init(t->hid);
		t->hid_init = t->init_task;
		t->rounds = t->walk_fails = t->root_failed = t->killed = 0;
	} else {
		ng_hidden_resume(t->hid);
	}
	/* the first that takes a breakpoint */
	ret = -ENOENT;
	why = "no context-switch function named by an exact code hash";
	for (i = 0; i < ARRAY_SIZE(ng_switch_fns); i++) {
		u64 a = ng_sym_addr_exact(vm, ng_switch_fns[i]);

		if (!a)
			continue;
		ret = ng_bp_add(vm, a, NOGAP_BP_OWNER_SCHED, 0, ng_tasks_hit,
				t, &id, NULL);
		why = "cannot set a breakpoint on the context switch";
		if (!ret) {
			fn = ng_switch_fns[i];
			addr = a;
			break;
		}
	}
	if (ret)
		goto fail;
	t->bp_id = id;
	t->detect = true;
	t->det_gen = t->gen;
	queue_delayed_work(ng_tasks_wq, &t->scan_work, NG_SCAN_INTERVAL);
	pr_info("vm %u: hidden-process detection on: breakpoint on %s (0x%llx), kill through send_sig %s0x%llx\n",
		vm->id, fn, addr, t->send_sig ? "at " : "(not named) ",
		t->send_sig);
	return 0;
fail:
	if (t->warned_gen != t->gen + 1) {
		t->warned_gen = t->gen + 1;
		pr_info("vm %u: hidden-process detection cannot run: %s (%d)\n",
			vm->id, why, ret);
	}
	return ret;
}

/* Bring detection in line with the policy (and the identification). */
static void ng_tasks_cfg_work(struct work_struct *work)
{
	struct ng_tasks *t = container_of(to_delayed_work(work),
					  struct ng_tasks, cfg_work);
	struct ng_vm *vm = t->vm;
	struct mm_struct *mm;
	const char *why = "";
	struct ng_mmu m;
	bool want, again = false;
	int ret;

	if (READ_ONCE(t->dead))
		return;
	want = ng_policy_wants(NOGAP_EVENT_HIDDEN_PROCESS, vm->id);
	mutex_lock(&t->lock);
	if (!want) {
		ng_tasks_detect_off(t);
		goto out;
	}
	mm = ng_tasks_use_mm(vm);
	if (!mm)
		goto out;
	ret = ng_tasks_mmu(t, &m);
	if (ret)
		why = "no page-table root for the guest kernel yet";
	else
		ret = ng_tasks_layout(t, &m, &why);
	ng_tasks_unuse_mm(mm);
	if (ret) {
		/* no breakpoint left where the old result put it */
		ng_tasks_detect_off(t);
		if (ret == -ENODATA)
			goto out;
		/* the guest may be busy changing its list: a few more tries */
		again = ++t->cfg_tries < NG_CFG_TRIES;
		if (!again)
			pr_info("vm %u: no task list: %s\n", vm->id, why);
		goto out;
	}
	t->cfg_tries = 0;
	if (t->detect && t->det_gen == t->gen)
		goto out;
	ng_tasks_detect_off(t);	/* identified again: start over */
	ng_tasks_detect_on(t);
out:
	mutex_unlock(&t->lock);
	if (again && !READ_ONCE(t->dead))
		queue_delayed_work(ng_tasks_wq, &t->cfg_work, NG_CFG_RETRY);
}

static int ng_put_task(struct sk_buff *skb, int type, const struct ng_task *k,
		       bool kthread)
{
	struct nlattr *e = nla_nest_start(skb, type);

	if (!e)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NOGAP_TASK_A_ADDR, k->addr,
			      NOGAP_TASK_A_PAD) ||
	    nla_put_u32(skb, NOGAP_TASK_A_PID, k->pid) ||
	    nla_put_u32(skb, NOGAP_TASK_A_TGID, k->tgid) ||
	    nla_put_u32(skb, NOGAP_TASK_A_PPID, k->ppid) ||
	    nla_put_string(skb, NOGAP_TASK_A_COMM, k->comm) ||
	    nla_put_u32(skb, NOGAP_TASK_A_STATE, k->state) ||
	    nla_put_u8(skb, NOGAP_TASK_A_KTHREAD, kthread) ||
	    nla_put_u64_64bit(skb, NOGAP_TASK_A_MM, k->mm, NOGAP_TASK_A_PAD)) {
		nla_nest_cancel(skb, e);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, e);
	return 0;
}

/* Kill a hidden task: send_sig(SIGKILL, task, 1) in the guest. */
static void ng_tasks_kill(struct ng_tasks *t, const struct ng_hfound *f,
			  u32 act)
{
	u64 args[3] = { NG_SIGKILL, f->task.addr, 1 }, ret = 0;
	struct ng_vm *vm = t->vm;
	struct mm_struct *mm;
	struct ng_task now;
	struct sk_buff *skb;
	u64 send_sig = 0;
	struct ng_mmu m;
	int err = -ESRCH;
	u32 result;
	void *hdr;

	/* the same task still there, and not on its way out */
	mutex_lock(&t->lock);
	mm = ng_tasks_use_mm(vm);
	if (mm) {
		if (t->detect && !ng_tasks_mmu(t, &m) &&
		    !ng_task_read(&m, f->task.addr, &t->lo, &now) &&
		    now.pid == f->task.pid && now.tgid == f->task.tgid &&
		    !strcmp(now.comm, f->task.comm) &&
		    !(t->lo.has_flags && (now.flags & NG_PF_EXITING)))
			err = 0;
		ng_tasks_unuse_mm(mm);
	}
	send_sig = t->send_sig;
	mutex_unlock(&t->lock);
	if (!err && !send_sig)
		err = -ENOENT;
	if (!err)
		err = ng_call(vm, send_sig, args, ARRAY_SIZE(args),
			      NG_KILL_TIMEOUT_MS, &ret, NULL);
	result = err ? -err : (s32)ret < 0 ? -(s32)ret : 0;
	if (!result)
		t->killed++;
	if (act & NOGAP_ACTION_LOG)
		pr_info("vm %u: kill of hidden process %u (%s): %s, send_sig returned %d\n",
			vm->id, f->task.pid, f->task.comm,
			err ? "not done" : "done", err ? err : (s32)ret);
	if (!(act & NOGAP_ACTION_REPORT))
		return;
	skb = ng_event_new(NOGAP_EVENT_KILL, vm, GFP_KERNEL, &hdr);
	if (!skb)
		return;
	if (ng_put_task(skb, NOGAP_A_TASK, &f->task, f->kthread) ||
	    nla_put_u64_64bit(skb, NOGAP_A_CALL_RET, ret, NOGAP_A_PAD) ||
	    nla_put_u32(skb, NOGAP_A_ACTION_RESULT, result)) {
		ng_event_cancel(skb);
		return;
	}
	ng_event_send(skb, hdr, GFP_KERNEL);
}

static void ng_tasks_report(struct ng_tasks *t, const struct ng_hfound *f)
{
	struct ng_subject s = {
		.comm = f->task.comm,
		.kthread = f->kthread,
	};
	struct ng_vm *vm = t->vm;
	struct sk_buff *skb;
	void *hdr;
	u32 act;

	act = ng_policy_actions(NOGAP_EVENT_HIDDEN_PROCESS, vm->id, &s);
	if (f->kthread)
		act &= ~NOGAP_ACTION_KILL;	/* reported, never killed */
	if (act & NOGAP_ACTION_LOG)
		pr_info("vm %u: hidden process: pid %u tgid %u (%s%s, task 0x%llx) runs but is not on the task list (%u rounds, %u ms); actions 0x%x\n",
			vm->id, f->task.pid, f->task.tgid, f->task.comm,
			f->kthread ? ", kernel thread" : "", f->task.addr,
			f->rounds, f->rounds * jiffies_to_msecs(NG_SCAN_INTERVAL),
			act);
	if (act & NOGAP_ACTION_REPORT) {
		skb = ng_event_new(NOGAP_EVENT_HIDDEN_PROCESS, vm, GFP_KERNEL,
				   &hdr);
		if (skb) {
			if (ng_put_task(skb, NOGAP_A_TASK, &f->task,
					f->kthread) ||
			    nla_put_u32(skb, NOGAP_A_ACTIONS, act))
				ng_event_cancel(skb);
			else
				ng_event_send(skb, hdr, GFP_KERNEL);
		}
	}
	if (act & NOGAP_ACTION_KILL)
		ng_tasks_kill(t, f, act);
}

/* One round (t->lock, mm borrowed): read the list, then take the set. */
static u32 ng_tasks_round(struct ng_tasks *t, struct ng_hfound *out)
{
	struct ng_seen *s;
	unsigned long flags;
	struct ng_mmu m;
	u32 n;

	if (ng_tasks_mmu(t, &m)) {
		t->root_failed++;
		return 0;
	}
	if (ng_tlist_read(&t->list, &m, t->init_task, &t->lo) < 0) {
		/* changing under us, or not a list now: the set waits */
		t->walk_fails++;
		return 0;
	}
	spin_lock_irqsave(&t->seen_lock, flags);
	s = t->seen;
	t->seen = t->spare;
	t->spare = s;
	spin_unlock_irqrestore(&t->seen_lock, flags);
	t->rounds++;
	n = ng_hidden_round(t->hid, &m, &t->lo, &t->list, s, out,
			    NG_REPORTS_MAX);
	ng_seen_clear(s);
	return n;
}

static void ng_tasks_scan_work(struct work_struct *work)
{
	struct ng_tasks *t = container_of(to_delayed_work(work),
					  struct ng_tasks, scan_work);
	struct ng_hfound found[NG_REPORTS_MAX];
	struct mm_struct *mm;
	bool stale;
	u32 i, n = 0;

	mutex_lock(&t->lock);
	if (!t->detect || READ_ONCE(t->dead)) {
		mutex_unlock(&t->lock);
		return;
	}
	mutex_lock(&t->vm->ident_lock);
	stale = !t->vm->result || t->vm->result_gen != t->det_gen;
	mutex_unlock(&t->vm->ident_lock);
	mm = stale ? NULL : ng_tasks_use_mm(t->vm);
	if (mm) {
		n = ng_tasks_round(t, found);
		ng_tasks_unuse_mm(mm);
	}
	mutex_unlock(&t->lock);
	if (stale) {
		/* identified again: the configuration starts over */
		queue_delayed_work(ng_tasks_wq, &t->cfg_work, 0);
		return;
	}
	for (i = 0; i < n && !READ_ONCE(t->dead); i++)
		ng_tasks_report(t, &found[i]);
	if (READ_ONCE(t->detect) && !READ_ONCE(t->dead))
		queue_delayed_work(ng_tasks_wq, &t->scan_work, NG_SCAN_INTERVAL);
}

/* ---- the parts' interface ---- */

void ng_tasks_update(struct ng_vm *vm)
{
	struct ng_tasks *t;

	mutex_lock(&ng_tasks_mutex);
	if (READ_ONCE(vm->exiting) || READ_ONCE(vm->stop))
		goto out;
	t = vm->tasks;
	if (!t) {
		t = ng_tasks_new(vm);
		if (!t)
			goto out;
		vm->tasks = t;
	}
	t->cfg_tries = 0;
	mod_delayed_work(ng_tasks_wq, &t->cfg_work, 0);
out:
	mutex_unlock(&ng_tasks_mutex);
}

void ng_tasks_stop(struct ng_vm *vm)
{
	struct ng_tasks *t;

	mutex_lock(&ng_tasks_mutex);
	t = vm->tasks;
	vm->tasks = NULL;
	mutex_unlock(&ng_tasks_mutex);
	if (!t)
		return;
	WRITE_ONCE(t->dead, true);
	cancel_delayed_work_sync(&t->cfg_work);
	mutex_lock(&t->lock);
	ng_tasks_detect_off(t);
	mutex_unlock(&t->lock);
	cancel_delayed_work_sync(&t->scan_work);
	ng_tasks_put(t);
}

int ng_tasks_init(void)
{
	ng_tasks_wq = alloc_workqueue("nogap_tasks", WQ_UNBOUND, 4);
	return ng_tasks_wq ? 0 : -ENOMEM;
}

void ng_tasks_exit(void)
{
	destroy_workqueue(ng_tasks_wq);
}

/* ---- NOGAP_CMD_PS_GET ---- */

const struct nla_policy ng_ps_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* A snapshot of the list, dumped over as many messages as it takes. */
struct ng_ps_snap {
	u32 n, cap;
	bool flags;		/* kthread from PF_KTHREAD, else from mm */
	struct ng_task v[];
};

struct ng_ps_req {
	struct work_struct work;
	struct ng_tasks *t;
	struct ng_ps_snap *snap;
	int err;
	const char *msg;
};

static int ng_ps_collect(void *arg, const struct ng_task *k)
{
	struct ng_ps_req *r = arg;
	struct ng_ps_snap *s = r->snap, *ns;

	if (s->n == s->cap) {
		if (s->cap >= NG_TASKS_MAX)
			return -E2BIG;
		ns = kvmalloc(struct_size(ns, v, 2 * s->cap), GFP_KERNEL);
		if (!ns)
			return -ENOMEM;
		memcpy(ns, s, struct_size(s, v, s->n));
		ns->cap = 2 * s->cap;
		kvfree(s);
		r->snap = s = ns;
	}
	s->v[s->n++] = *k;
	return 0;
}

static void ng_ps_work(struct work_struct *work)
{
	struct ng_ps_req *r = container_of(work, struct ng_ps_req, work);
	struct ng_tasks *t = r->t;
	struct mm_struct *mm;
	struct ng_mmu m;
	int ret, i;

	mutex_lock(&t->lock);
	mm = ng_tasks_use_mm(t->vm);
	if (!mm) {
		r->err = -ESRCH;
		r->msg = "the vm is being released";
		goto out;
	}
	ret = ng_tasks_mmu(t, &m);
	if (ret)
		r->msg = "no page-table root for the guest kernel yet";
	else
		ret = ng_tasks_layout(t, &m, &r->msg);
	for (i = 0; !ret && i < NG_PS_TRIES; i++) {
		/* a task that exits as the walk passes breaks the chain */
		r->snap->n = 0;
		ret = ng_task_walk(&m, t->init_task, &t->lo, ng_ps_collect, r);
		if (ret >= 0) {
			ret = 0;
			break;
		}
		if (ret != -EFAULT)
			break;
	}
	ng_tasks_unuse_mm(mm);
	if (ret == -EFAULT && !r->msg)
		r->msg = "the task list kept changing or broke while it was read";
	else if (ret == -E2BIG && !r->msg)
		r->msg = "the task list does not end";
	else if (ret == -ENOMEM && !r->msg)
		r->msg = "out of memory";
	r->err = ret;
	r->snap->flags = t->lo.has_flags;
out:
	mutex_unlock(&t->lock);
}

/* Read vm's task list now (sleeps). 0 and *snap, or -errno and *msg. */
static int ng_ps_read(struct ng_vm *vm, struct ng_ps_snap **snap,
		      const char **msg)
{
	struct ng_ps_req r = { };
	int ret;

	r.t = ng_tasks_get(vm);
	if (!r.t) {
		*msg = "vm not identified yet (nogapctl identify)";
		return -ENODATA;
	}
	r.snap = kvmalloc(struct_size(r.snap, v, 256), GFP_KERNEL);
	if (!r.snap) {
		ng_tasks_put(r.t);
		*msg = "out of memory";
		return -ENOMEM;
	}
	r.snap->n = 0;
	r.snap->cap = 256;
	INIT_WORK_ONSTACK(&r.work, ng_ps_work);
	queue_work(ng_tasks_wq, &r.work);
	flush_work(&r.work);
	destroy_work_on_stack(&r.work);
	ng_tasks_put(r.t);
	ret = r.err;
	if (ret) {
		kvfree(r.snap);
		*msg = r.msg ? r.msg : "cannot read the task list";
		return ret;
	}
	*snap = r.snap;
	return 0;
}

/*
 * cb->args[0]: VM id; [1]: next task; [2]: 1 once read; [3]: the snapshot,
 * freed by ng_nl_ps_done. Errors are checked in the first call, as for
 * SYMBOLS_GET (netlink.c).
 */
int ng_nl_ps_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = ng_dump_attrs(cb);
	struct ng_ps_snap *snap;
	struct nlattr *list;
	const char *msg = NULL;
	struct ng_vm *vm;
	int n = 0, ret;
	void *hdr;
	u64 i;

	if (!cb->args[2]) {
		if (!attrs[NOGAP_A_VM_ID]) {
			NL_SET_ERR_MSG(cb->extack, "missing vm id");
			NL_SET_ERR_ATTR_MISS(cb->extack, NULL, NOGAP_A_VM_ID);
			return -EINVAL;
		}
		vm = ng_vm_get_id(nla_get_u32(attrs[NOGAP_A_VM_ID]));
		if (!vm) {
			NL_SET_ERR_MSG_ATTR(cb->extack, attrs[NOGAP_A_VM_ID],
					    "no such vm");
			return -ENOENT;
		}
		ret = ng_ps_read(vm, &snap, &msg);
		cb->args[0] = vm->id;
		ng_vm_put(vm);
		if (ret) {
			/* msg is static, like NL_SET_ERR_MSG's literals */
			if (cb->extack)
				cb->extack->_msg = msg;
			return ret;
		}
		cb->args[1] = 0;
		cb->args[2] = 1;
		cb->args[3] = (unsigned long)snap;
	}
	snap = (struct ng_ps_snap *)cb->args[3];
	i = cb->args[1];
	if (!snap || i >= snap->n)
		return 0;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ng_family, NLM_F_MULTI, NOGAP_CMD_PS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NOGAP_A_VM_ID, (u32)cb->args[0]))
		goto cancel;
	list = nla_nest_start(skb, NOGAP_A_TASKS);
	if (!list)
		goto cancel;
	for (; i < snap->n; i++, n++) {
		const struct ng_task *k = &snap->v[i];
		bool kthread = snap->flags ? !!(k->flags & NG_PF_KTHREAD) :
			       !k->mm;

		if (ng_put_task(skb, n, k, kthread))
			break;
	}
	if (!n)
		goto cancel;	/* cannot happen: one always fits */
	cb->args[1] = i;
	nla_nest_end(skb, list);
	genlmsg_end(skb, hdr);
	return skb->len;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int ng_nl_ps_done(struct netlink_callback *cb)
{
	kvfree((void *)cb->args[3]);
	cb->args[3] = 0;
	return 0;
}
