// SPDX-License-Identifier: GPL-2.0
/*
 * analyse.c - the guest's task list and task_struct layout, derived from
 * named code and checked against live invariants (see analyse.h).
 */
#include "analyse.h"

#define PID_MAX		4194304u	/* PID_MAX_LIMIT on 64-bit */

/* Upper half, 4- or 5-level (reads of non-canonical values fail anyway). */
static bool kptr(u64 v)
{
	return v >= 0xff00000000000000ull;
}

static int cmp_u64v(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u32v(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static bool comm_ok(const u8 *c)
{
	int i;

	for (i = 0; i < NG_COMM_LEN; i++) {
		if (!c[i])
			return i > 0;
		if (c[i] < 0x20 || c[i] > 0x7e)
			return false;
	}
	return false;
}

static bool read_u64(const struct ng_mmu *mmu, u64 va, u64 *v)
{
	u8 b[8];

	if (ng_read_virt(mmu, va, b, 8))
		return false;
	*v = ng_le64(b);
	return true;
}

/* Everything the derivation looks at, read once. */
struct snap {
	const struct ng_mmu *mmu;
	u64 init;
	u32 len;		/* bytes of each task image */
	u8 *img;		/* n images of len bytes; [0] is init_task */
	u64 *addr;		/* n task addresses */
	u64 *sorted;		/* every task of the list, sorted */
	u32 n, cap, nsorted;
};

/*
 * Follow the list at offset o from init_task; fills s->addr with init_task
 * then every task met. Every link must point back (next->prev); nine in ten
 * members must have a printable comm (one process renaming itself to
 * garbage must not hide the whole list; a list of other members, such as
 * children/sibling, fails this). A list longer than s->cap is kept
 * truncated. Returns the number of tasks or 0.
 */
static u32 try_list(struct snap *s, u32 o, u32 comm)
{
	u64 head = s->init + o, p, next, back;
	u8 c[NG_COMM_LEN];
	u32 n = 1, good = 0;

	if (!read_u64(s->mmu, head, &p) || !kptr(p))
		return 0;
	if (!read_u64(s->mmu, p + 8, &back) || back != head)
		return 0;
	s->addr[0] = s->init;
	while (p != head && n < s->cap) {
		if (!ng_read_virt(s->mmu, p - o + comm, c, sizeof(c)) &&
		    comm_ok(c))
			good++;
		if (!read_u64(s->mmu, p, &next) || !kptr(next))
			return 0;
		/* p->next->prev must be p */
		if (!read_u64(s->mmu, next + 8, &back) || back != p)
			return 0;
		s->addr[n++] = p - o;
		p = next;
	}
	if (10 * (u64)good < 9 * (u64)(n - 1))
		return 0;
	if (p != head) {
		/* cut at the bound: a real list has no task twice, a ring does */
		u32 i;

		memcpy(s->sorted, s->addr, (size_t)n * sizeof(u64));
		ng_sort(s->sorted, n, sizeof(u64), cmp_u64v);
		for (i = 1; i < n; i++)
			if (s->sorted[i] == s->sorted[i - 1])
				return 0;
	}
	return n;
}

static u64 img64(const struct snap *s, u32 t, u32 off)
{
	return ng_le64(s->img + (size_t)t * s->len + off);
}

static u32 img32(const struct snap *s, u32 t, u32 off)
{
	return ng_le32(s->img + (size_t)t * s->len + off);
}

static bool is_task(const struct snap *s, u64 a)
{
	u32 lo = 0, hi = s->nsorted;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (s->sorted[mid] == a)
			return true;
		if (s->sorted[mid] < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool find_pid(struct snap *s, u32 comm, u32 *out, u32 *tmp)
{
	u32 p, t;

	for (p = 0; p + 8 <= comm; p += 4) {
		bool one = false, ok = true;

		if (img32(s, 0, p) || img32(s, 0, p + 4))
			continue;
		for (t = 1; t < s->n && ok; t++) {
			u32 pid = img32(s, t, p), tgid = img32(s, t, p + 4);

			ok = pid && pid <= PID_MAX && tgid == pid;
			one |= pid == 1;
			tmp[t - 1] = pid;
		}
		if (!ok || !one)
			continue;
		ng_sort(tmp, s->n - 1, sizeof(u32), cmp_u32v);
		for (t = 1; t + 1 < s->n && ok; t++)
			ok = tmp[t] != tmp[t - 1];
		if (ok) {
			*out = p;
			return true;
		}
	}
	return false;
}

static bool find_parent(struct snap *s, u32 comm, u32 pid, u32 *out)
{
	u32 r, t;

	for (r = 0; r + 8 <= comm; r += 8) {
		bool ok = img64(s, 0, r) == s->init;

		for (t = 1; t < s->n && ok; t++) {
			u64 v = img64(s, t, r);

			ok = is_task(s, v);
			if (ok && img32(s, t, pid) == 1)
				ok = v == s->init;
		}
		if (ok) {
			*out = r;
			return true;
		}
	}
	return false;
}

static bool find_mm(struct snap *s, u32 comm, u64 init_mm, u32 *out)
{
	u32 m, t;

	for (m = 0; m + 16 <= comm; m += 8) {
		/*
		 * init_task has no mm; its active_mm is init_mm or, lazily,
		 * the mm of the last process that ran on its CPU.
		 */
		u64 act = img64(s, 0, m + 8);
		bool ok = !img64(s, 0, m) && kptr(act);
		u32 users = 0;

		for (t = 1; t < s->n && ok; t++) {
			u64 v = img64(s, t, m);

			if (!v)
				continue;
			ok = kptr(v) && v != init_mm && img64(s, t, m + 8) == v;
			users++;
		}
		if (ok && users) {
			*out = m;
			return true;
		}
	}
	return false;
}

/*
 * __state: every value a small set of TASK_* bits; at least half of the
 * tasks asleep (TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE set), and idle
 * kworkers in TASK_IDLE (0x402), which no reference count or flag word of a
 * whole task list looks like.
 */
static bool find_state(struct snap *s, u32 *out)
{
	u32 off, t;

	for (off = 0; off + 4 <= 64 && off + 4 <= s->len; off += 4) {
		u32 sleeping = 0, idle = 0;
		bool ok = true;

		for (t = 0; t < s->n && ok; t++) {
			u32 v = img32(s, t, off);

			ok = v < 0x4000;
			sleeping += !!(v & 3);
			idle += v == 0x402;
		}
		if (ok && idle && 2 * sleeping >= s->n) {
			*out = off;
			return true;
		}
	}
	return false;
}

/*
 * The PF_* word: init_task an idle kernel thread; every other task a kernel
 * thread exactly when it has no mm, except exiting tasks (PF_EXITING),
 * which drop their mm in do_exit() and stay on the list until reaped, and
 * a few kernel threads that borrow a user mm (kthread_use_mm); kernel
 * threads and processes both present. Optional: without it, ps works and
 * the hidden-process detector relies on its other checks.
 */
static bool find_flags(struct snap *s, const struct ng_task_layout *lo,
		       u32 *out)
{
	u32 f, t;

	for (f = 0; f + 4 <= lo->comm; f += 4) {
		u32 v0 = img32(s, 0, f), kth = 0, user = 0, exiting = 0;
		u32 borrowed = 0;
		bool ok;

		if (f == lo->state || f == lo->pid || f == lo->tgid)
			continue;
		ok = (v0 & (NG_PF_KTHREAD | NG_PF_IDLE)) ==
		     (NG_PF_KTHREAD | NG_PF_IDLE) && !(v0 & NG_PF_EXITING);
		for (t = 1; t < s->n && ok; t++) {
			u32 v = img32(s, t, f);
			bool mm = img64(s, t, lo->mm) != 0;

			if (v & NG_PF_EXITING) {
				exiting++;
			} else if (v & NG_PF_KTHREAD) {
				kth++;
				borrowed += mm;
			} else {
				ok = mm;
				user++;
			}
		}
		if (ok && kth >= 2 && user >= 1 && 16 * borrowed <= kth &&
		    4 * exiting <= s->n) {
			*out = f;
			return true;
		}
	}
	return false;
}

#define WHY(msg) do { *why = (msg); ret = -ENOENT; goto out; } while (0)

int ng_task_layout_find(const struct ng_mmu *mmu, u64 init_task, u64 init_mm,
			const u32 *hints, u32 nhints,
			struct ng_task_layout *lo, const char **why)
{
	struct snap s = { .mmu = mmu, .init = init_task, .cap = NG_TASKS_MAX };
	u32 comm = 0, i, o, best = 0, bestn = 0, len = NG_TASK_SCAN;
	u32 *tmp = NULL;
	u8 *init = NULL;
	int ret = -ENOMEM;

	memset(lo, 0, sizeof(*lo));
	*why = "out of memory";
	init = ng_alloc(NG_TASK_SCAN);
	s.addr = ng_alloc((size_t)s.cap * sizeof(u64));
	s.sorted = ng_alloc((size_t)s.cap * sizeof(u64));
	if (!init || !s.addr || !s.sorted)
		goto out;
	/* the readable part of init_task, page by page */
	for (i = 0; i < NG_TASK_SCAN; i += 4096 - ((init_task + i) & 4095)) {
		u32 n = 4096 - ((init_task + i) & 4095);

		if (n > NG_TASK_SCAN - i)
			n = NG_TASK_SCAN - i;
		if (ng_read_virt(mmu, init_task + i, init + i, n)) {
			len = i;
			break;
		}
	}
	if (len < 1024)
		WHY("init_task is not readable");
	for (i = 0; i + NG_COMM_LEN <= len; i++) {
		if (!memcmp(init + i, "swapper", 7) &&
		    (init[i + 7] == 0 || init[i + 7] == '/') &&
		    comm_ok(init + i)) {
			comm = i;
			break;
		}
	}
	if (!comm)
		WHY("no \"swapper\" comm in init_task: not init_task?");

	/* the task list: code's offsets first, then every slot */
	for (i = 0; i < nhints + comm / 8; i++) {
		u32 n;

		o = i < nhints ? hints[i] : (i - nhints) * 8;
		if (o & 7 || comm < 16 || o > comm - 16)
			continue;
		n = try_list(&s, o, comm);
		if (n > bestn) {
			bestn = n;
			best = o;
		}
		if (i < nhints && n > 1)
			break;	/* a code-derived offset that holds: take it */
	}
	if (bestn < 2)
		WHY("no list through init_task whose members have a printable comm");
	s.n = try_list(&s, best, comm);
	if (s.n != bestn)
		WHY("the task list changed while it was read");
	if (s.n > 4096)
		s.n = 4096;	/* enough to derive the layout */

	/* one image of each task: the checks below read only these */
	s.len = comm + NG_COMM_LEN;
	s.img = ng_alloc((size_t)s.n * s.len);
	tmp = ng_alloc((size_t)s.n * sizeof(u32));
	if (!s.img || !tmp)
		goto out;
	/* parents may be any task of the list, even one not kept below */
	memcpy(s.sorted, s.addr, (size_t)s.n * sizeof(u64));
	ng_sort(s.sorted, s.n, sizeof(u64), cmp_u64v);
	s.nsorted = s.n;
	/* tasks that cannot be read whole are left out of the derivation */
	for (i = 0, o = 0; i < s.n; i++) {
		if (ng_read_virt(mmu, s.addr[i], s.img + (size_t)o * s.len,
				 s.len)) {
			if (!i)
				WHY("init_task is not readable");
			continue;
		}
		s.addr[o++] = s.addr[i];
	}
	s.n = o;
	if (s.n < 2)
		WHY("no task of the list is readable");

	lo->tasks = best;
	lo->comm = comm;
	lo->ntasks = bestn;
	if (!find_pid(&s, comm, &lo->pid, tmp))
		WHY("no pid/tgid pair holds over the task list");
	lo->tgid = lo->pid + 4;
	if (!find_parent(&s, comm, lo->pid, &lo->real_parent))
		WHY("no parent pointer holds over the task list");
	if (!find_mm(&s, comm, init_mm, &lo->mm))
		WHY("no mm/active_mm pair holds over the task list");
	if (!find_state(&s, &lo->state))
		WHY("no state field holds over the task list");
	lo->has_flags = find_flags(&s, lo, &lo->flags);
	*why = "";
	ret = 0;
out:
	ng_free(tmp);
	ng_free(s.sorted);
	ng_free(s.img);
	ng_free(s.addr);
	ng_free(init);
	return ret;
}

int ng_task_read(const struct ng_mmu *mmu, u64 addr,
		 const struct ng_task_layout *lo, struct ng_task *t)
{
	u8 b[8];
	u64 parent;
	int i;

	memset(t, 0, sizeof(*t));
	t->addr = addr;
	if (ng_read_virt(mmu, addr + lo->pid, b, 8))
		return -EFAULT;
	t->pid = ng_le32(b);
	t->tgid = ng_le32(b + 4);
	if (ng_read_virt(mmu, addr + lo->state, b, 4))
		return -EFAULT;
	t->state = ng_le32(b);
	if (lo->has_flags) {
		if (ng_read_virt(mmu, addr + lo->flags, b, 4))
			return -EFAULT;
		t->flags = ng_le32(b);
	}
	if (!read_u64(mmu, addr + lo->mm, &t->mm) ||
	    !read_u64(mmu, addr + lo->real_parent, &parent))
		return -EFAULT;
	if (ng_read_virt(mmu, addr + lo->comm, t->comm, NG_COMM_LEN))
		return -EFAULT;
	t->comm[NG_COMM_LEN - 1] = 0;
	for (i = 0; i < NG_COMM_LEN && t->comm[i]; i++)
		if ((u8)t->comm[i] < 0x20 || (u8)t->comm[i] > 0x7e)
			t->comm[i] = '?';
	if (parent != addr && kptr(parent) &&
	    !ng_read_virt(mmu, parent + lo->tgid, b, 4))
		t->ppid = ng_le32(b);
	return 0;
}

int ng_task_walk(const struct ng_mmu *mmu, u64 init_task,
		 const struct ng_task_layout *lo, ng_task_fn fn, void *arg)
{
	u64 head = init_task + lo->tasks, p = head, back;
	struct ng_task t;
	u32 n = 0;
	int ret;

	do {
		u64 task = p - lo->tasks, next;

		ret = ng_task_read(mmu, task, lo, &t);
		if (ret)
			return ret;
		ret = fn(arg, &t);
		if (ret)
			return ret < 0 ? ret : (int)n + 1;
		n++;
		if (!read_u64(mmu, p, &next) || !kptr(next) ||
		    !read_u64(mmu, next + 8, &back) || back != p)
			return -EFAULT;	/* a broken link: not a list */
		p = next;
		ng_cond_resched();
	} while (p != head && n < NG_TASKS_MAX);
	return p == head ? (int)n : -E2BIG;
}
