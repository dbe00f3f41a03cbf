// SPDX-License-Identifier: GPL-2.0
/*
 * ident.c - identify a VM's kernel functions in a worker.
 *
 * The pipeline is the engine's (kmod/core/, the same code as `nogapctl
 * identify --dump`): anchor -> ng_ktext_find -> ng_ktext_read ->
 * ng_image_analyse -> ng_identify -> names. Guest-physical memory is read
 * with kvm_read_guest(), which copies from the VMM's user mapping of guest
 * RAM: the worker borrows the VMM's mm (kthread_use_mm) while it reads,
 * holding mm_users so the mapping cannot go away under it.
 *
 * Everything read from the guest is untrusted; the engine bounds every
 * loop and allocation by its own limits (NG_KTEXT_MAX, NG_TEXT_MAX, ...),
 * and every read fails fast once the VM is being released (vm->stop).
 */

#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/kvm_host.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"
#include "core/guest_walk.h"
#include "core/ktext.h"
#include "core/match.h"

/* How long to wait for a vCPU to exit in kernel mode. */
#define NG_ANCHOR_WAIT		(2 * HZ)
/* Anchors tried when they land in small code ranges (modules). */
#define NG_ANCHOR_TRIES		4
/* A code range this large is the kernel's own text, not a module's. */
#define NG_KTEXT_GOOD		(4ull << 20)
/* Longest symbol name kept (the DB's are far shorter). */
#define NG_NAME_MAX		512

static_assert((int)NOGAP_EV_NONE == (int)NG_EV_NONE);
static_assert((int)NOGAP_EV_HASH == (int)NG_EV_HASH);
static_assert((int)NOGAP_EV_HASH_ORDER == (int)NG_EV_HASH_ORDER);
static_assert((int)NOGAP_EV_CALLGRAPH == (int)NG_EV_CALLGRAPH);
static_assert((int)NOGAP_EV_LOOSE == (int)NG_EV_LOOSE);
static_assert((int)NOGAP_EV_LOOSE_ORDER == (int)NG_EV_LOOSE_ORDER);
static_assert((int)NOGAP_EV_ORDER == (int)NG_EV_ORDER);
static_assert((int)__NOGAP_EV_MAX == (int)NG_EV__MAX);

static struct workqueue_struct *ng_ident_wq;

void ng_result_free(struct ng_result *r)
{
	if (!r)
		return;
	kvfree(r->syms);
	kvfree(r->names);
	kfree(r);
}

/* struct ng_physmem over kvm_read_guest(); current->mm is the VMM's. */
static int ng_guest_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	struct ng_vm *vm = ctx;
	struct kvm *kvm = vm->kvm;
	int idx, ret;

	if (READ_ONCE(vm->stop))
		return -EINTR;
	idx = srcu_read_lock(&kvm->srcu);
	ret = kvm_read_guest(kvm, gpa, buf, len);
	srcu_read_unlock(&kvm->srcu, idx);
	return ret ? -EFAULT : 0;
}

/* Wait for an anchor newer than seq; 0 or -ETIMEDOUT / -ESRCH. */
static int ng_fresh_anchor(struct ng_vm *vm, struct ng_anchor *a)
{
	unsigned long deadline = jiffies + NG_ANCHOR_WAIT, seq;

	spin_lock_irq(&vm->anchor_lock);
	seq = vm->anchor_seq;
	spin_unlock_irq(&vm->anchor_lock);
	ng_vm_want_anchor(vm);
	for (;;) {
		spin_lock_irq(&vm->anchor_lock);
		if (vm->anchor_seq != seq) {
			*a = vm->anchor;
			spin_unlock_irq(&vm->anchor_lock);
			return 0;
		}
		spin_unlock_irq(&vm->anchor_lock);
		if (READ_ONCE(vm->stop))
			return -ESRCH;
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		msleep(10);
	}
}

/*
 * Find the kernel's code range from fresh anchors. An exit in a module
 * gives the module's range only: try again, keep the largest range.
 */
static int ng_find_text(struct ng_vm *vm, struct ng_physmem *pm,
			struct ng_anchor *best, struct ng_mmu *mmu,
			u64 *start, u64 *end, const char **msg)
{
	u64 best_size = 0;
	int i, ret, found = -EFAULT;

	for (i = 0; i < NG_ANCHOR_TRIES; i++) {
		struct ng_anchor a;
		struct ng_mmu m = { .mem = pm };
		u64 s, e;

		ret = ng_fresh_anchor(vm, &a);
		if (ret == -ESRCH) {
			*msg = "the vm is being released";
			return ret;
		}
		if (ret) {
			/* no exit in kernel mode lately: the last one seen */
			spin_lock_irq(&vm->anchor_lock);
			if (vm->have_anchor) {
				a = vm->anchor;
				ret = 0;
			}
			spin_unlock_irq(&vm->anchor_lock);
			if (ret) {
				*msg = "no vcpu exit in 64-bit kernel mode seen";
				return -EAGAIN;
			}
		}
		m.cr3 = a.cr3;
		m.la57 = a.la57;
		m.nxe = a.nxe;
		ret = ng_ktext_find(&m, a.rip, &s, &e);
		if (ret) {
			found = ret;
			continue;
		}
		if (e - s > best_size) {
			best_size = e - s;
			*best = a;
			*mmu = m;
			*start = s;
			*end = e;
		}
		if (best_size >= NG_KTEXT_GOOD)
			break;
	}
	if (!best_size) {
		*msg = found == -E2BIG ? "guest kernel code range too large" :
			"anchor not in mapped kernel code";
		return found;
	}
	return 0;
}

/* Collecting names: one pass counts, the second fills. */
struct ng_collect {
	struct ng_result *r;
	bool fill;
	u32 n;			/* symbols so far */
	u64 bytes;		/* name bytes so far */
	u64 last_addr;
	u32 last_frag;
	u32 frag;		/* current target fragment */
	u64 frag_end;
};

static int ng_collect_name(void *arg, u64 addr, const char *name,
			   const struct ng_fmatch *fm)
{
	struct ng_collect *c = arg;
	struct ng_result *r = c->r;
	struct ng_sym *s;
	size_t len;

	if (c->n && c->last_addr == addr)
		return 0;	/* one name per address: the first */
	len = strnlen(name, NG_NAME_MAX - 1);
	if (c->fill) {
		if (c->n >= r->nsyms || c->bytes + len + 1 > r->names_len)
			return -EOVERFLOW;
		s = &r->syms[c->n];
		s->addr = addr;
		s->size = (u32)(c->frag_end - addr);
		s->name = (u32)c->bytes;
		s->evidence = fm->evidence;
		s->confidence = fm->confidence;
		memcpy(r->names + c->bytes, name, len);
		r->names[c->bytes + len] = '\0';
		/* an interior name ends the fragment's previous function */
		if (c->n && c->last_frag == c->frag)
			r->syms[c->n - 1].size = (u32)(addr - c->last_addr);
	}
	c->n++;
	c->bytes += len + 1;
	c->last_addr = addr;
	c->last_frag = c->frag;
	if (c->n == U32_MAX || c->bytes > U32_MAX / 2)
		return -E2BIG;
	return 0;
}

static int ng_collect_pass(struct ng_collect *c, const struct ng_ident *id,
			   const struct ng_image *img,
			   const struct ng_sigdb *db)
{
	u32 i;
	int ret;

	for (i = 0; i < id->nfrags; i++) {
		c->frag = i;
		c->frag_end = img->frags[i].addr + img->frags[i].size;
		ret = ng_ident_names(id, img, db, i, ng_collect_name, c);
		if (ret)
			return ret;
		if (!(i & 4095))
			cond_resched();
	}
	return 0;
}

static int ng_collect_names(struct ng_result *r, const struct ng_ident *id,
			    const struct ng_image *img,
			    const struct ng_sigdb *db)
{
	struct ng_collect c = { .r = r };
	int ret;

	ret = ng_collect_pass(&c, id, img, db);
	if (ret)
		return ret;
	r->nsyms = c.n;
	r->names_len = (u32)c.bytes;
	r->syms = kvmalloc_array(c.n ? c.n : 1, sizeof(*r->syms), GFP_KERNEL);
	r->names = kvmalloc(c.bytes ? c.bytes : 1, GFP_KERNEL);
	if (!r->syms || !r->names)
		return -ENOMEM;
	memset(&c, 0, sizeof(c));
	c.r = r;
	c.fill = true;
	ret = ng_collect_pass(&c, id, img, db);
	if (ret)
		return ret;
	return c.n == r->nsyms ? 0 : -EOVERFLOW;
}

/*
 * init_task, init_mm and the offsets at which matched code addresses
 * init_task (hints for the task list), for tasks.c; as `nogapctl ps
 * --dump` finds them. Missing data is no failure of identification.
 */
static void ng_collect_data(struct ng_result *r, const struct ng_ident *id,
			    const struct ng_image *img,
			    const struct ng_sigdb *db)
{
	const struct ng_datasym *it, *im;
	struct ng_datasym *ds = NULL;
	u32 nds = 0;

	if (ng_ident_data(id, img, db, &ds, &nds))
		return;
	it = ng_datasym_find(ds, nds, "init_task");
	im = ng_datasym_find(ds, nds, "init_mm");
	if (it) {
		r->init_task = it->addr;
		if (ng_ident_ref_offsets(id, img, db, "init_task", it->addr,
					 r->task_hints, NG_TASK_HINTS,
					 &r->ntask_hints))
			r->ntask_hints = 0;
	}
	if (im)
		r->init_mm = im->addr;
	ng_free(ds);
}

/* The whole pipeline; fills res, or returns -errno with a reason. */
static int ng_identify_vm(struct ng_vm *vm, struct ng_result *res,
			  const char **msg)
{
	struct ng_physmem pm = { .ctx = vm, .read = ng_guest_read };
	struct ng_image img = { };
	struct ng_ident id = { };
	struct mm_struct *mm;
	struct ng_mmu mmu;
	struct ng_db *db;
	u64 start = 0, end = 0, holes = 0;
	ktime_t t0 = ktime_get();
	u8 *text = NULL;
	int ret;

	db = ng_db_get();
	if (!db) {
		*msg = "no signature database loaded";
		return -ENOENT;
	}

	mm = vm->kvm->mm;
	if (!mm || !mmget_not_zero(mm)) {
		*msg = "the vmm is exiting";
		ret = -ESRCH;
		goto out;
	}
	kthread_use_mm(mm);
	ret = ng_find_text(vm, &pm, &res->anchor, &mmu, &start, &end, msg);
	if (!ret) {
		text = kvmalloc(end - start, GFP_KERNEL);
		if (!text) {
			*msg = "out of memory for the guest kernel code";
			ret = -ENOMEM;
		} else {
			ret = ng_ktext_read(&mmu, start, end, text, &holes);
			if (ret)
				*msg = "cannot read the guest kernel code";
		}
	}
	kthread_unuse_mm(mm);
	mmput(mm);
	/* reads fail once the VM is released: say why, not what failed */
	if (READ_ONCE(vm->stop)) {
		*msg = "the vm is being released";
		ret = -ESRCH;
	}
	if (ret)
		goto out;

	ret = ng_image_analyse(&img, start, text, end - start,
			       &ng_crypto_hasher);
	if (ret) {
		*msg = "cannot analyse the guest kernel code";
		goto out;
	}
	ret = ng_identify(&id, &img, &db->db);
	if (ret) {
		*msg = "matching against the signature database failed";
		goto out;
	}
	ret = ng_collect_names(res, &id, &img, &db->db);
	if (ret) {
		*msg = "cannot collect the symbol names";
		goto out;
	}
	ng_collect_data(res, &id, &img, &db->db);
	strscpy(res->kernel, db->db.k[id.primary].label, sizeof(res->kernel));
	res->text_start = start;
	res->text_size = end - start;
	res->nfrags = img.nfrags;
	res->nmatched = id.nmatched;
	res->holes = (u32)min_t(u64, holes, U32_MAX);
	res->msecs = (u32)ktime_ms_delta(ktime_get(), t0);
out:
	ng_ident_free(&id);
	ng_image_free(&img);
	kvfree(text);
	ng_db_put(db);
	return ret;
}

void ng_ident_work(struct work_struct *work)
{
	struct ng_vm *vm = container_of(work, struct ng_vm, ident_work);
	struct ng_result *res, *old = NULL;
	const char *msg = NULL;
	int ret = -ENOMEM;

	mutex_lock(&vm->ident_lock);
	vm->ident_state = NOGAP_IDENT_RUNNING;
	mutex_unlock(&vm->ident_lock);

	res = kzalloc(sizeof(*res), GFP_KERNEL);
	if (res)
		ret = ng_identify_vm(vm, res, &msg);
	if (ret && !msg)
		msg = ret == -ENOMEM ? "out of memory" : "identification failed";

	mutex_lock(&vm->ident_lock);
	if (ret) {
		vm->ident_state = NOGAP_IDENT_FAILED;
		vm->ident_err = ret;
		vm->ident_msg = msg;
		old = res;
	} else {
		old = vm->result;
		vm->result = res;
		vm->result_gen++;
		vm->ident_state = NOGAP_IDENT_DONE;
		vm->ident_err = 0;
		vm->ident_msg = NULL;
	}
	mutex_unlock(&vm->ident_lock);
	ng_result_free(old);

	atomic_dec(&ng_stats.ident_running);
	if (ret) {
		atomic_inc(&ng_stats.ident_failed);
		pr_info("vm %u: identification failed: %s (%d)\n", vm->id, msg,
			ret);
	} else {
		atomic_inc(&ng_stats.ident_done);
		pr_info("vm %u: identified: %u symbols, kernel like %s, code 0x%llx+0x%llx, %u ms\n",
			vm->id, res->nsyms, res->kernel, res->text_start,
			res->text_size, res->msecs);
	}
	ng_event_identified(vm);
	if (!ret)
		ng_vm_update(vm);
	ng_vm_put(vm);	/* the work's reference */
}

int ng_ident_start(struct ng_vm *vm, bool restart,
		   struct netlink_ext_ack *extack)
{
	struct ng_db *db;
	bool put = false;
	int ret = 0;

	db = ng_db_get();
	if (!db) {
		NL_SET_ERR_MSG(extack,
			       "no signature database loaded (nogapctl sigdb load)");
		return -ENOENT;
	}
	ng_db_put(db);

	mutex_lock(&vm->ident_lock);
	if (vm->stop) {
		NL_SET_ERR_MSG(extack, "the vm is being released");
		ret = -ESRCH;
		goto out;
	}
	if (vm->ident_state == NOGAP_IDENT_QUEUED ||
	    vm->ident_state == NOGAP_IDENT_RUNNING)
		goto out;
	if (vm->ident_state == NOGAP_IDENT_DONE && !restart)
		goto out;
	kref_get(&vm->ref);		/* the work's */
	if (WARN_ON_ONCE(!queue_work(ng_ident_wq, &vm->ident_work))) {
		/* cannot happen: neither queued nor running per the state */
		put = true;
		ret = -EBUSY;
		goto out;
	}
	vm->ident_state = NOGAP_IDENT_QUEUED;
	atomic_inc(&ng_stats.ident_running);
out:
	mutex_unlock(&vm->ident_lock);
	if (put)
		ng_vm_put(vm);	/* not the last: the caller has one */
	return ret;
}

void ng_ident_cancel(struct ng_vm *vm)
{
	mutex_lock(&vm->ident_lock);
	WRITE_ONCE(vm->stop, true);
	mutex_unlock(&vm->ident_lock);

	if (cancel_work_sync(&vm->ident_work)) {
		/* it was queued and never ran */
		mutex_lock(&vm->ident_lock);
		vm->ident_state = NOGAP_IDENT_FAILED;
		vm->ident_err = -ESRCH;
		vm->ident_msg = "the vm is being released";
		mutex_unlock(&vm->ident_lock);
		atomic_dec(&ng_stats.ident_running);
		ng_vm_put(vm);	/* not the last: the caller has one */
	}
}

int ng_ident_init(void)
{
	/* identification is long and memory-hungry: two at a time at most */
	ng_ident_wq = alloc_workqueue("nogap_ident", WQ_UNBOUND, 2);
	return ng_ident_wq ? 0 : -ENOMEM;
}

void ng_ident_exit(void)
{
	destroy_workqueue(ng_ident_wq);
}

/* ---- symbols and guest memory for the instrumentation parts ---- */

static u64 ng_sym_lookup(struct ng_vm *vm, const char *name, bool exact)
{
	const struct ng_result *r;
	u64 addr = 0;
	u32 i;

	mutex_lock(&vm->ident_lock);
	r = vm->result;
	for (i = 0; r && i < r->nsyms; i++) {
		const struct ng_sym *s = &r->syms[i];

		if (s->name < r->names_len && !strcmp(r->names + s->name, name)) {
			if (!exact || s->evidence == NOGAP_EV_HASH ||
			    s->evidence == NOGAP_EV_HASH_ORDER)
				addr = s->addr;
			break;
		}
	}
	mutex_unlock(&vm->ident_lock);
	return addr;
}

u64 ng_sym_addr(struct ng_vm *vm, const char *name)
{
	return ng_sym_lookup(vm, name, false);
}

u64 ng_sym_addr_exact(struct ng_vm *vm, const char *name)
{
	return ng_sym_lookup(vm, name, true);
}

u64 ng_sym_find(struct ng_vm *vm, u64 addr, char *buf, size_t len)
{
	const struct ng_result *r;
	u32 lo, hi, mid;
	u64 start = 0;

	mutex_lock(&vm->ident_lock);
	r = vm->result;
	if (!r || !r->nsyms || addr < r->syms[0].addr)
		goto out;
	/* the last symbol that starts at or before addr */
	lo = 0;
	hi = r->nsyms;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (r->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (addr - r->syms[lo].addr >= max_t(u32, r->syms[lo].size, 1))
		goto out;
	start = r->syms[lo].addr;
	if (buf && len && r->syms[lo].name < r->names_len)
		strscpy(buf, r->names + r->syms[lo].name, len);
out:
	mutex_unlock(&vm->ident_lock);
	return start;
}

int ng_gpa_read(struct ng_vm *vm, u64 gpa, void *buf, size_t len)
{
	return ng_guest_read(vm, gpa, buf, len);
}

static void ng_vm_mmu(struct ng_vm *vm, u64 cr3, struct ng_mmu *m,
		      struct ng_physmem *pm)
{
	unsigned long flags;

	pm->ctx = vm;
	pm->read = ng_guest_read;
	m->mem = pm;
	m->cr3 = cr3;
	spin_lock_irqsave(&vm->anchor_lock, flags);
	m->la57 = vm->anchor.la57;
	m->nxe = vm->anchor.nxe;
	spin_unlock_irqrestore(&vm->anchor_lock, flags);
}

int ng_gva_to_gpa(struct ng_vm *vm, u64 cr3, u64 gva, u64 *gpa)
{
	struct ng_physmem pm;
	struct ng_xlate x;
	struct ng_mmu m;
	int ret;

	ng_vm_mmu(vm, cr3, &m, &pm);
	ret = ng_translate(&m, gva, &x);
	if (ret)
		return ret;
	*gpa = x.gpa;
	return 0;
}

int ng_gva_read(struct ng_vm *vm, u64 cr3, u64 gva, void *buf, size_t len)
{
	struct ng_physmem pm;
	struct ng_mmu m;

	ng_vm_mmu(vm, cr3, &m, &pm);
	return ng_read_virt(&m, gva, buf, len);
}
