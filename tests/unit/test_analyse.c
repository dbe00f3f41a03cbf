// SPDX-License-Identifier: GPL-2.0
/*
 * test_analyse.c - task_struct layout derivation and the task-list walk
 * (kmod/core/analyse.c) over a fake guest.
 *
 * The guest is a byte array of "physical memory" (reads outside it fail)
 * with 4-level page tables mapping a direct map of all RAM (2M pages at
 * 0xffff888000000000) and a kernel-image window of 4K pages at
 * 0xffffffff82a00000 that holds init_task and init_mm. Tasks are built
 * field by field after a layout description: two realistic layouts with
 * different offsets, other list_heads beside the task list (children and
 * sibling lists linking the same tasks at other offsets, empty self-pointing
 * lists), refcounts, flags, CPU numbers and stack pointers near __state.
 * Then hostile guests: broken, cyclic and over-long lists, unreadable or
 * renamed init_task, bad comms, duplicate pids, short task images, and 500
 * random guests (fixed seed), all of which must end in an error or a sane
 * answer, never in a crash (the ASan build checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "analyse.h"
#include "hidden.h"
#include "ut.h"

#define MEM_SIZE	(16u << 20)	/* 16 MiB of "guest RAM" */
#define PG		4096ull
#define MB2		(2ull << 20)

#define P		(1ull << 0)
#define RW		(1ull << 1)
#define PS		(1ull << 7)
#define NX		(1ull << 63)
#define ADDR_MASK	0x000ffffffffff000ull

#define DMAP		0xffff888000000000ull	/* direct map, 2M pages */
#define KVA		0xffffffff82a00000ull	/* kernel .data, 4K pages */
#define KPHYS		0x10000ull		/* its frames */
#define KPAGES		32
#define HEAP0		0x40000ull		/* tasks, mms: direct map */
#define INIT_VA		(KVA + 0xc940)		/* not page aligned */
#define INIT_MM		(KVA + 0x1200)
#define VSTACK		0xffffc90000000000ull	/* vmapped stacks (unmapped) */
#define NONE		0xffffffffu

#define MAXT		64

/* --- fake guest-physical memory --------------------------------------- */

struct fakemem {
	u8 *bytes;
	size_t size;
	size_t dirty;		/* bytes [0, dirty) may be non-zero */
	unsigned long reads;
	/* an optional hook: on_hit() runs at the hit_at-th read covering
	 * the byte at watch (to change the guest while it is being read) */
	u64 watch;
	unsigned long hits, hit_at;
	void (*on_hit)(void);
};

static struct fakemem fm;

static int fake_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	struct fakemem *m = ctx;

	m->reads++;
	if (gpa >= m->size || len > m->size - gpa)
		return -EFAULT;
	if (m->on_hit && gpa <= m->watch && m->watch < gpa + len &&
	    ++m->hits == m->hit_at)
		m->on_hit();
	memcpy(buf, m->bytes + gpa, len);
	return 0;
}

static struct ng_physmem pm = { .ctx = &fm, .read = fake_read };
static struct ng_mmu mmu;
static u64 root, next_table, heap;

static void touch(u64 gpa, size_t len)
{
	CU_ASSERT_FATAL(gpa < fm.size && len <= fm.size - gpa);
	if (gpa + len > fm.dirty)
		fm.dirty = gpa + len;
}

static void put64(u64 gpa, u64 v)
{
	int i;

	touch(gpa, 8);
	for (i = 0; i < 8; i++)
		fm.bytes[gpa + i] = (u8)(v >> (8 * i));
}

static u64 get64(u64 gpa)
{
	return ng_le64(fm.bytes + gpa);
}

static u64 alloc_table(void)
{
	u64 p = next_table;

	next_table += PG;
	CU_ASSERT_FATAL(next_table <= KPHYS);
	return p;
}

/* Map va with a leaf at leaf_level (1 = 4K, 2 = 2M) to frame. */
static void map(u64 va, int leaf_level, u64 frame, u64 leaf)
{
	u64 table = root;
	int level;

	for (level = 4; level > leaf_level; level--) {
		u64 slot = table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
		u64 e = get64(slot), next;

		next = (e & P) ? e & ADDR_MASK : alloc_table();
		put64(slot, next | P | RW);
		table = next;
	}
	put64(table + ((va >> (12 + 9 * (leaf_level - 1))) & 511) * 8,
	      frame | P | leaf | (leaf_level > 1 ? PS : 0));
}

/* The gpa of the leaf entry of a 4K page of the kernel window. */
static u64 kpte(u64 va)
{
	u64 table = root;
	int l;

	for (l = 4; l > 1; l--)
		table = get64(table + ((va >> (12 + 9 * (l - 1))) & 511) * 8) &
			ADDR_MASK;
	return table + ((va >> 12) & 511) * 8;
}

static void unmap_kpage(u64 va)
{
	put64(kpte(va), 0);
}

static void mem_reset(void)
{
	u64 i;

	memset(fm.bytes, 0, fm.dirty);
	fm.dirty = 0;
	fm.reads = 0;
	fm.on_hit = NULL;
	fm.hits = fm.hit_at = 0;
	next_table = PG;	/* page 0 unused */
	heap = HEAP0;
	root = alloc_table();
	for (i = 0; i < MEM_SIZE; i += MB2)
		map(DMAP + i, 2, i, RW | NX);
	for (i = 0; i < KPAGES; i++)
		map(KVA + i * PG, 1, KPHYS + i * PG, RW | NX);
	mmu.mem = &pm;
	mmu.cr3 = root;
	mmu.la57 = false;
	mmu.nxe = true;
}

/* Guest-virtual to backing gpa for the test's own writes (mapped or not). */
static u64 gpa_of(u64 va, size_t len)
{
	if (va >= DMAP && va - DMAP < MEM_SIZE && len <= MEM_SIZE - (va - DMAP))
		return va - DMAP;
	if (va >= KVA && va - KVA < KPAGES * PG &&
	    len <= KPAGES * PG - (va - KVA))
		return KPHYS + va - KVA;
	CU_FAIL_FATAL("test bug: write outside the fake guest");
	return 0;
}

static void wr64(u64 va, u64 v)
{
	put64(gpa_of(va, 8), v);
}

static void wr32(u64 va, u32 v)
{
	u64 g = gpa_of(va, 4);
	int i;

	touch(g, 4);
	for (i = 0; i < 4; i++)
		fm.bytes[g + i] = (u8)(v >> (8 * i));
}

static void wrbytes(u64 va, const void *p, size_t n)
{
	u64 g = gpa_of(va, n);

	touch(g, n);
	memcpy(fm.bytes + g, p, n);
}

static u64 halloc(u64 size)
{
	u64 p = heap;

	heap = (heap + size + 63) & ~63ull;
	CU_ASSERT_FATAL(heap <= MEM_SIZE);
	return DMAP + p;
}

/* --- synthetic task_structs ------------------------------------------- */

struct layout {
	u32 stride;		/* bytes allocated per task */
	u32 cpu, state, stack, usage, pflags;
	u32 tasks;
	u32 pushable;		/* an empty list (self-pointing) */
	u32 ptraced;		/* another */
	u32 mm;			/* active_mm at mm + 8 */
	u32 exit_signal;	/* exit_signal, pdeath_signal */
	u32 pid;		/* tgid at pid + 4 */
	u32 group_leader;
	u32 real_parent, parent, children, sibling;
	u32 comm;
	u32 dup;		/* NONE or a second list linking all tasks */
};

/* 6.1-like (x86-64 defconfig-ish offsets) */
static const struct layout LA = {
	.stride = 0x2600, .cpu = 20, .state = 24, .stack = 32, .usage = 40,
	.pflags = 44, .tasks = 0x890, .pushable = 0x8a8, .mm = 0x8e0,
	.exit_signal = 0x958, .pid = 0x970, .real_parent = 0x980,
	.parent = 0x988, .children = 0x990, .sibling = 0x9a0,
	.group_leader = 0x9b0, .ptraced = 0x9b8, .comm = 0xba0, .dup = NONE,
};

/*
 * Other offsets everywhere: __state after the refcount, the children and
 * sibling lists and an empty list before the task list, group_leader
 * (which is init_task in init_task, and a task in every task) before
 * real_parent.
 */
static const struct layout LB = {
	.stride = 0x1000, .cpu = 4, .usage = 8, .pflags = 12, .stack = 24,
	.state = 48, .children = 0x300, .sibling = 0x310, .ptraced = 0x390,
	.tasks = 0x3a8, .pushable = 0x3b8, .mm = 0x420, .exit_signal = 0x4e0,
	.group_leader = 0x5c0, .pid = 0x5d0, .real_parent = 0x5f8,
	.parent = 0x600, .comm = 0x7d8, .dup = NONE,
};

struct gtask {
	const char *comm;
	u32 pid, state;
	int parent;		/* index into the table */
	bool user;		/* has an mm */
	u64 va, mm;		/* filled in by build() */
};

#define I_IDLE	0x402	/* TASK_IDLE */
#define T(c, p, s, par, u) \
	{ .comm = (c), .pid = (p), .state = (s), .parent = (par), .user = (u) }

static const struct gtask std_tasks[] = {
	T("swapper/0", 0, 0, 0, false),
	T("init", 1, 1, 0, true),
	T("kthreadd", 2, 1, 0, false),
	T("rcu_gp", 3, I_IDLE, 2, false),
	T("rcu_par_gp", 4, I_IDLE, 2, false),
	T("kworker/0:0H", 6, I_IDLE, 2, false),
	T("mm_percpu_wq", 8, I_IDLE, 2, false),
	T("ksoftirqd/0", 9, 1, 2, false),
	T("rcu_sched", 10, I_IDLE, 2, false),
	T("migration/0", 11, 1, 2, false),
	T("cpuhp/0", 12, 1, 2, false),
	T("kdevtmpfs", 15, 1, 2, false),
	T("khungtaskd", 20, 1, 2, false),
	T("kworker/u4:1", 35, I_IDLE, 2, false),
	T("jbd2/vda1-8", 180, 1, 2, false),
	T("kworker/1:1H", 181, I_IDLE, 2, false),
	T("systemd-journal", 210, 1, 1, true),
	T("systemd-udevd", 240, 1, 1, true),
	T("sshd", 400, 1, 1, true),
	T("sshd", 1402, 1, 18, true),
	T("bash", 1410, 1, 19, true),
	T("dd", 1500, 2, 20, true),		/* TASK_UNINTERRUPTIBLE */
	T("ps", 1523, 0, 20, true),		/* running */
	T("kworker/0:2", 1530, I_IDLE, 2, false),
	T("cron", 123456, 1, 1, true),
};

static struct {
	const struct layout *l;
	struct gtask t[MAXT];
	int n;
	u64 init_active;	/* init_task's active_mm */
} G;

static void set_comm(u64 task, const char *s)
{
	char c[NG_COMM_LEN] = { 0 };

	memcpy(c, s, strnlen(s, sizeof(c)));
	wrbytes(task + G.l->comm, c, sizeof(c));
}

static void list_self(u64 head)
{
	wr64(head, head);
	wr64(head + 8, head);
}

/* Link the tasks into a circular list at offset off, in table order. */
static void link_all(u32 off)
{
	int i, n = G.n;

	for (i = 0; i < n; i++) {
		wr64(G.t[i].va + off, G.t[(i + 1) % n].va + off);
		wr64(G.t[i].va + off + 8, G.t[(i + n - 1) % n].va + off);
	}
}

/* PF_* of task i: init_task KTHREAD|IDLE, processes, kernel threads */
static u32 pflags_of(int i)
{
	return i == 0 ? 0x00200002 : G.t[i].user ? 0x00400100 : 0x00208040;
}

/* init_active: init_task's active_mm; 0 means the first user task's mm */
static void build(const struct layout *l, const struct gtask *spec, int n,
		  u64 init_active)
{
	int i, j;

	CU_ASSERT_FATAL(n <= MAXT);
	mem_reset();
	G.l = l;
	G.n = n;
	memcpy(G.t, spec, n * sizeof(*spec));
	for (i = 0; i < n; i++) {
		G.t[i].va = i ? halloc(l->stride) : INIT_VA;
		G.t[i].mm = G.t[i].user ? halloc(0x400) : 0;
	}
	G.init_active = init_active;
	if (!G.init_active)
		for (i = 0; i < n && !G.init_active; i++)
			G.init_active = G.t[i].mm;
	for (i = 0; i < n; i++) {
		const struct gtask *t = &G.t[i];
		u64 a = t->va, active = t->mm;
		int first = -1, last = -1, prev = -1;

		if (l->cpu != NONE)
			wr32(a + l->cpu, i % 4);
		wr32(a + l->state, t->state);
		wr64(a + l->stack, VSTACK + (u64)i * 0x4000);
		wr32(a + l->usage, i ? 1 : 2);	/* init_task starts at 2 */
		wr32(a + l->pflags, pflags_of(i));
		list_self(a + l->pushable);
		list_self(a + l->ptraced);
		if (!i)
			active = G.init_active;
		else if (!t->user)	/* lazy TLB: init_mm, a user mm, none */
			active = i % 3 == 0 ? INIT_MM :
				 i % 3 == 1 ? G.init_active : 0;
		wr64(a + l->mm, t->mm);
		wr64(a + l->mm + 8, active);
		wr32(a + l->exit_signal, i ? 17 : 0);
		wr32(a + l->pid, t->pid);
		wr32(a + l->pid + 4, t->pid);
		wr64(a + l->group_leader, a);
		wr64(a + l->real_parent, G.t[t->parent].va);
		wr64(a + l->parent, G.t[t->parent].va);
		/* children: the sibling links of the tasks this one parents */
		for (j = 1; j < n; j++) {
			if (G.t[j].parent != i)
				continue;
			if (first < 0)
				first = j;
			if (prev >= 0) {
				wr64(G.t[prev].va + l->sibling,
				     G.t[j].va + l->sibling);
				wr64(G.t[j].va + l->sibling + 8,
				     G.t[prev].va + l->sibling);
			} else {
				wr64(G.t[j].va + l->sibling + 8,
				     a + l->children);
			}
			prev = last = j;
		}
		if (first < 0) {
			list_self(a + l->children);
		} else {
			wr64(a + l->children, G.t[first].va + l->sibling);
			wr64(a + l->children + 8, G.t[last].va + l->sibling);
			wr64(G.t[last].va + l->sibling, a + l->children);
		}
		set_comm(a, t->comm);
	}
	list_self(INIT_VA + l->sibling);	/* init_task is nobody's child */
	link_all(l->tasks);
	if (l->dup != NONE)
		link_all(l->dup);
}

static void build_std(const struct layout *l)
{
	build(l, std_tasks, ARRAY_SIZE(std_tasks), 0);
}

/* --- running the engine ----------------------------------------------- */

static struct ng_task *seen;
static u32 nseen, seen_cap;
static int stop_after;		/* collect() returns stop_ret at this count */
static int stop_ret;

static int collect(void *arg, const struct ng_task *t)
{
	if (nseen < seen_cap)
		seen[nseen] = *t;
	nseen++;
	if (stop_after && (int)nseen == stop_after)
		return stop_ret;
	return 0;
}

static int walk(u64 init, const struct ng_task_layout *lo)
{
	nseen = 0;
	return ng_task_walk(&mmu, init, lo, collect, NULL);
}

static int find(u64 init, const u32 *hints, u32 nh, struct ng_task_layout *lo,
		const char **why)
{
	int ret;

	*why = NULL;
	ret = ng_task_layout_find(&mmu, init, INIT_MM, hints, nh, lo, why);
	CU_ASSERT_PTR_NOT_NULL_FATAL(*why);
	return ret;
}

static bool has(const char *why, const char *word)
{
	return why && strstr(why, word);
}

static void check_layout(const struct ng_task_layout *lo,
			 const struct layout *l, u32 n)
{
	CU_ASSERT_EQUAL(lo->tasks, l->tasks);
	CU_ASSERT_EQUAL(lo->pid, l->pid);
	CU_ASSERT_EQUAL(lo->tgid, l->pid + 4);
	CU_ASSERT_EQUAL(lo->comm, l->comm);
	CU_ASSERT_EQUAL(lo->real_parent, l->real_parent);
	CU_ASSERT_EQUAL(lo->mm, l->mm);
	CU_ASSERT_EQUAL(lo->state, l->state);
	CU_ASSERT_EQUAL(lo->ntasks, n);
	CU_ASSERT(lo->has_flags);
	CU_ASSERT_EQUAL(lo->flags, l->pflags);
}

/* Find the layout of G and check it is exactly G.l's. */
static void find_exact(const u32 *hints, u32 nh)
{
	struct ng_task_layout lo;
	const char *why;
	int ret = find(INIT_VA, hints, nh, &lo, &why);

	if (ret)
		printf("\n  unexpected failure: %s ", why);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_STRING_EQUAL(why, "");
	check_layout(&lo, G.l, G.n);
}

/* Walk G with its true layout; every task as built. */
static void check_walk_of(const struct ng_task_layout *lo)
{
	int ret = walk(INIT_VA, lo), i;

	CU_ASSERT_EQUAL(ret, G.n);
	CU_ASSERT_EQUAL_FATAL(nseen, (u32)G.n);
	for (i = 0; i < G.n; i++) {
		const struct gtask *g = &G.t[i];
		const struct ng_task *t = &seen[i];

		CU_ASSERT_EQUAL(t->addr, g->va);
		CU_ASSERT_EQUAL(t->pid, g->pid);
		CU_ASSERT_EQUAL(t->tgid, g->pid);
		/* init_task is its own parent: ppid 0 */
		CU_ASSERT_EQUAL(t->ppid, i ? G.t[g->parent].pid : 0);
		CU_ASSERT_EQUAL(t->state, g->state);
		CU_ASSERT_EQUAL(t->mm, g->mm);
		CU_ASSERT_STRING_EQUAL(t->comm, g->comm);
		CU_ASSERT_EQUAL(t->flags, lo->has_flags ? pflags_of(i) : 0);
	}
}

static struct ng_task_layout true_layout(const struct layout *l)
{
	struct ng_task_layout lo = {
		.tasks = l->tasks, .pid = l->pid, .tgid = l->pid + 4,
		.comm = l->comm, .real_parent = l->real_parent, .mm = l->mm,
		.state = l->state,
	};
	return lo;
}

/* --- the layout on sane guests ---------------------------------------- */

static void test_layout_a(void)
{
	build_std(&LA);
	find_exact(NULL, 0);
	/* init_task's active_mm may also be init_mm */
	build(&LA, std_tasks, ARRAY_SIZE(std_tasks), INIT_MM);
	find_exact(NULL, 0);
}

static void test_layout_b(void)
{
	build_std(&LB);
	find_exact(NULL, 0);
}

/* The same guest with every task moved: nothing depends on addresses. */
static void test_layout_moved(void)
{
	struct layout l = LA;
	int k;

	for (k = 0; k < 4; k++) {
		l.stride = 0x2600 + 0x1c0 * k;	/* odd strides, page crossings */
		build_std(&l);
		find_exact(NULL, 0);
	}
}

/* A small system: init_task, init, kthreadd and one idle kworker. */
static void test_layout_minimal(void)
{
	static const struct gtask t[] = {
		T("swapper/0", 0, 0, 0, false),
		T("init", 1, 1, 0, true),
		T("kthreadd", 2, 1, 0, false),
		T("kworker/0:0", 5, I_IDLE, 2, false),
	};

	build(&LA, t, ARRAY_SIZE(t), 0);
	find_exact(NULL, 0);
	build(&LB, t, ARRAY_SIZE(t), 0);
	find_exact(NULL, 0);
}

static void test_hints(void)
{
	struct layout l = LA;
	u32 h[8];

	/* a valid hint gives the same answer */
	build_std(&LA);
	h[0] = LA.tasks;
	find_exact(h, 1);

	/*
	 * A second list links every task at 0x100, below the task list: the
	 * scan alone takes the first of the two; a hint is taken first.
	 */
	l.dup = 0x100;
	build_std(&l);
	{
		struct ng_task_layout lo;
		const char *why;

		CU_ASSERT_EQUAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
		CU_ASSERT_EQUAL(lo.tasks, 0x100);
		CU_ASSERT_EQUAL(lo.pid, l.pid);
	}
	h[0] = l.tasks;
	find_exact(h, 1);

	/* wrong hints are ignored, before or after the right one */
	h[0] = l.children;	/* links tasks at another offset */
	h[1] = l.sibling;	/* empty in init_task */
	h[2] = l.pushable;	/* empty everywhere */
	h[3] = l.tasks + 4;	/* misaligned */
	h[4] = l.comm + 8;	/* past comm */
	h[5] = 0xfffffff8;	/* wraps when 16 is added */
	h[6] = l.tasks;
	h[7] = 0x100;
	find_exact(h, 8);
	/* only wrong hints: the scan decides (and finds the first list) */
	{
		struct ng_task_layout lo;
		const char *why;

		CU_ASSERT_EQUAL(find(INIT_VA, h, 6, &lo, &why), 0);
		CU_ASSERT_EQUAL(lo.tasks, 0x100);
	}
	/* the same on the plain guest: the task list itself */
	build_std(&LB);
	h[0] = LB.children;
	h[1] = LB.sibling;
	h[2] = LB.ptraced;
	h[3] = 3;
	h[4] = 0xfffffff8;
	h[5] = 0x10000;
	find_exact(h, 6);
}

/* --- the walk ----------------------------------------------------------- */

static void test_walk(void)
{
	struct ng_task_layout lo;
	const char *why;

	build_std(&LA);
	CU_ASSERT_EQUAL_FATAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	check_walk_of(&lo);
	build_std(&LB);
	CU_ASSERT_EQUAL_FATAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	check_walk_of(&lo);

	/* fn's return value stops the walk */
	stop_after = 3;
	stop_ret = 7;
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), 3);
	CU_ASSERT_EQUAL(nseen, 3);
	stop_ret = -EINTR;
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EINTR);
	CU_ASSERT_EQUAL(nseen, 3);
	stop_after = 1;
	stop_ret = 1;
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), 1);
	CU_ASSERT_EQUAL(nseen, 1);
	CU_ASSERT_EQUAL(seen[0].addr, INIT_VA);
	stop_after = 0;
	stop_ret = 0;
}

static void test_task_read(void)
{
	static const u8 bad[NG_COMM_LEN] = { 'a', 'b', 0x01, 0xff, 'c', 0x7f,
					     0x1f, 0x80, ' ', '~', 0 };
	struct ng_task_layout lo = true_layout(&LA);
	struct ng_task t;
	u64 a;

	build_std(&LA);
	a = G.t[20].va;		/* bash */
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_EQUAL(t.addr, a);
	CU_ASSERT_EQUAL(t.pid, 1410);
	CU_ASSERT_EQUAL(t.tgid, 1410);
	CU_ASSERT_EQUAL(t.ppid, 1402);
	CU_ASSERT_EQUAL(t.state, 1);
	CU_ASSERT_EQUAL(t.mm, G.t[20].mm);
	CU_ASSERT_STRING_EQUAL(t.comm, "bash");

	/* non-printable bytes become '?', the rest is kept */
	wrbytes(a + LA.comm, bad, sizeof(bad));
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_STRING_EQUAL(t.comm, "ab?\?c?\?? ~");
	/* 16 bytes without a NUL: cut to 15 */
	wrbytes(a + LA.comm, "0123456789abcdef", 16);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_STRING_EQUAL(t.comm, "0123456789abcde");
	/* an empty comm stays empty */
	wrbytes(a + LA.comm, (const u8[NG_COMM_LEN]){ 0 }, 16);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_STRING_EQUAL(t.comm, "");

	/* a parent that is not readable or not a kernel pointer: ppid 0 */
	wr64(a + LA.real_parent, DMAP + MEM_SIZE + 0x1000);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_EQUAL(t.ppid, 0);
	wr64(a + LA.real_parent, 0x1000);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), 0);
	CU_ASSERT_EQUAL(t.ppid, 0);

	/* unreadable tasks */
	CU_ASSERT_EQUAL(ng_task_read(&mmu, DMAP + MEM_SIZE, &lo, &t), -EFAULT);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, 0, &lo, &t), -EFAULT);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, 0x8000000000000000ull, &lo, &t),
			-EFAULT);
	/* the comm on an unmapped page, the rest mapped */
	a = KVA + 20 * PG - LA.comm - 8;
	unmap_kpage(KVA + 20 * PG);
	CU_ASSERT_EQUAL(ng_task_read(&mmu, a, &lo, &t), -EFAULT);
	/* the walk stops on such a task */
	wr64(G.t[5].va + LA.tasks, a + LA.tasks);
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
	CU_ASSERT_EQUAL(nseen, 6);
}

/* --- hostile guests --------------------------------------------------- */

/* The derivation succeeds with layout l (whatever the task count). */
static void expect_layout_ignoring(u64 init, const struct layout *l)
{
	struct ng_task_layout lo;
	const char *why;

	CU_ASSERT_EQUAL(find(init, NULL, 0, &lo, &why), 0);
	CU_ASSERT_EQUAL(lo.tasks, l->tasks);
	CU_ASSERT_EQUAL(lo.pid, l->pid);
	CU_ASSERT_EQUAL(lo.comm, l->comm);
	CU_ASSERT_EQUAL(lo.real_parent, l->real_parent);
	CU_ASSERT_EQUAL(lo.mm, l->mm);
	CU_ASSERT_EQUAL(lo.state, l->state);
}

/* The derivation fails with a reason containing word. */
static void expect_fail(u64 init, const char *word)
{
	struct ng_task_layout lo;
	const char *why;
	int ret = find(init, NULL, 0, &lo, &why);

	CU_ASSERT_EQUAL(ret, -ENOENT);
	if (ret != -ENOENT || !has(why, word))
		printf("\n  expected a failure about \"%s\": %d \"%s\" ", word,
		       ret, why);
	CU_ASSERT(has(why, word));
	/* and with the right hint too */
	ret = ng_task_layout_find(&mmu, init, INIT_MM, &G.l->tasks, 1, &lo,
				  &why);
	CU_ASSERT_EQUAL(ret, -ENOENT);
	CU_ASSERT(has(why, word));
}

static void test_cyclic(void)
{
	struct ng_task_layout lo = true_layout(&LA);
	const struct layout *l = &LA;
	int last;

	/*
	 * Tasks 1..last form a ring that never comes back to init_task,
	 * every next/prev pair consistent within the ring.
	 */
	build_std(l);
	last = G.n - 1;
	wr64(G.t[last].va + l->tasks, G.t[1].va + l->tasks);
	wr64(G.t[1].va + l->tasks + 8, G.t[last].va + l->tasks);
	fm.reads = 0;
	expect_fail(INIT_VA, "no list");
	/* bounded: two derivations of at most NG_TASKS_MAX steps each */
	CU_ASSERT(fm.reads < 2ul * 40 * NG_TASKS_MAX);
	/* the walk stops at the bound */
	CU_ASSERT(walk(INIT_VA, &lo) <= NG_TASKS_MAX);
	CU_ASSERT(nseen <= NG_TASKS_MAX);

	/* a ring 3..last: last->next->prev is not last */
	build_std(l);
	wr64(G.t[last].va + l->tasks, G.t[3].va + l->tasks);
	wr64(G.t[3].va + l->tasks + 8, G.t[last].va + l->tasks);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT(walk(INIT_VA, &lo) <= NG_TASKS_MAX);
	CU_ASSERT(nseen <= NG_TASKS_MAX);

	/* a task whose list points to itself */
	build_std(l);
	list_self(G.t[7].va + l->tasks);
	wr64(G.t[6].va + l->tasks, G.t[7].va + l->tasks);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT(walk(INIT_VA, &lo) <= NG_TASKS_MAX);
	CU_ASSERT(nseen <= NG_TASKS_MAX);

	/* init_task's own list empty: nothing to derive from */
	build_std(l);
	list_self(INIT_VA + l->tasks);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), 1);
}

static void test_broken_links(void)
{
	struct ng_task_layout lo = true_layout(&LA);
	const struct layout *l = &LA;

	/* next into unmapped kernel space */
	build_std(l);
	wr64(G.t[9].va + l->tasks, DMAP + MEM_SIZE + 0x10000);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
	CU_ASSERT_EQUAL(nseen, 10);

	/* next into a page mapped to a frame beyond RAM */
	build_std(l);
	map(DMAP + 0x4000000000ull, 2, 0x40000000ull, RW | NX);
	wr64(G.t[9].va + l->tasks, DMAP + 0x4000000000ull + 0x890);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);

	/* next not a kernel pointer (NULL, user, non-canonical) */
	build_std(l);
	wr64(G.t[4].va + l->tasks, 0);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
	wr64(G.t[4].va + l->tasks, 0x00007fffdead0000ull);
	expect_fail(INIT_VA, "no list");
	wr64(G.t[4].va + l->tasks, 0x8000000000000890ull);
	expect_fail(INIT_VA, "no list");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);

	/* a prev link in the middle that does not point back */
	build_std(l);
	wr64(G.t[12].va + l->tasks + 8, G.t[2].va + l->tasks);
	expect_fail(INIT_VA, "no list");
	/* init_task's prev not pointing to the last task */
	build_std(l);
	wr64(INIT_VA + l->tasks + 8, G.t[3].va + l->tasks);
	expect_fail(INIT_VA, "no list");

	/* a task whose comm lies on an unmapped page */
	build_std(l);
	{
		u64 a = KVA + 22 * PG - l->comm - 4;

		unmap_kpage(KVA + 22 * PG);
		wr64(a + l->tasks, G.t[9].va + l->tasks);
		wr64(a + l->tasks + 8, G.t[8].va + l->tasks);
		wr64(G.t[8].va + l->tasks, a + l->tasks);
		wr64(G.t[9].va + l->tasks + 8, a + l->tasks);
		/* one unreadable member is left out; the others decide */
		expect_layout_ignoring(INIT_VA, l);
		CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
	}

	/* a task whose start is unmapped, its list and comm mapped */
	build_std(l);
	{
		u64 a = KVA + 24 * PG - 0x800;	/* tasks, comm on page 24 */

		unmap_kpage(KVA + 23 * PG);
		wr64(a + l->tasks, G.t[9].va + l->tasks);
		wr64(a + l->tasks + 8, G.t[8].va + l->tasks);
		wr64(G.t[8].va + l->tasks, a + l->tasks);
		wr64(G.t[9].va + l->tasks + 8, a + l->tasks);
		set_comm(a, "evil");
		expect_layout_ignoring(INIT_VA, l);
		CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
		CU_ASSERT_EQUAL(nseen, 9);
	}
}

static void test_bad_comm(void)
{
	struct ng_task_layout lo = true_layout(&LA);
	static const char *bad[] = { "ba\x01sh", "\xc3\xa9t\xc3\xa9", "\x7f" };
	size_t k;

	size_t i;

	/*
	 * One process renaming itself to garbage (prctl(PR_SET_NAME) needs no
	 * privilege) must not hide the whole task list: it is tolerated...
	 */
	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		build_std(&LA);
		set_comm(G.t[20].va, bad[k]);
		expect_layout_ignoring(INIT_VA, &LA);
	}
	/* an empty comm */
	build_std(&LA);
	set_comm(G.t[20].va, "");
	expect_layout_ignoring(INIT_VA, &LA);
	/* 16 printable bytes, no NUL */
	build_std(&LA);
	wrbytes(G.t[20].va + LA.comm, "0123456789abcdef", 16);
	expect_layout_ignoring(INIT_VA, &LA);
	/* ... but a list where a third of the members have none is refused */
	build_std(&LA);
	for (i = 1; i < (size_t)G.n; i += 3)
		set_comm(G.t[i].va, "\x01");
	expect_fail(INIT_VA, "printable");
	/* the walk still reports every task, with '?' for the bad bytes */
	build_std(&LA);
	set_comm(G.t[20].va, "ba\x01sh");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), G.n);
	CU_ASSERT_STRING_EQUAL(seen[20].comm, "ba?sh");
}

static void test_bad_pids(void)
{
	const struct layout *l = &LA;

	/* two tasks with the same pid */
	build_std(l);
	wr32(G.t[22].va + l->pid, 1410);
	wr32(G.t[22].va + l->pid + 4, 1410);
	expect_fail(INIT_VA, "pid");
	/* duplicated pid 1 */
	build_std(l);
	wr32(G.t[5].va + l->pid, 1);
	wr32(G.t[5].va + l->pid + 4, 1);
	expect_fail(INIT_VA, "pid");
	/* no pid 1 */
	build_std(l);
	wr32(G.t[1].va + l->pid, 77);
	wr32(G.t[1].va + l->pid + 4, 77);
	expect_fail(INIT_VA, "pid");
	/* a pid above PID_MAX_LIMIT */
	build_std(l);
	wr32(G.t[24].va + l->pid, 4194305);
	wr32(G.t[24].va + l->pid + 4, 4194305);
	expect_fail(INIT_VA, "pid");
	/* init_task with a pid */
	build_std(l);
	wr32(INIT_VA + l->pid, 3);
	expect_fail(INIT_VA, "pid");
	/* a parent outside the list */
	build_std(l);
	wr64(G.t[20].va + l->real_parent, G.t[20].mm);
	wr64(G.t[20].va + l->parent, G.t[20].mm);
	expect_fail(INIT_VA, "parent");
	/* pid 1 not a child of init_task */
	build_std(l);
	wr64(G.t[1].va + l->real_parent, G.t[2].va);
	wr64(G.t[1].va + l->parent, G.t[2].va);
	expect_fail(INIT_VA, "parent");
	/* a user task whose active_mm differs from its mm */
	build_std(l);
	wr64(G.t[18].va + l->mm + 8, INIT_MM);
	expect_fail(INIT_VA, "mm");
	/* no task in TASK_IDLE */
	build_std(l);
	{
		int i;

		for (i = 0; i < G.n; i++)
			if (G.t[i].state == I_IDLE)
				wr32(G.t[i].va + l->state, 1);
	}
	expect_fail(INIT_VA, "state");
}

static void test_init_task(void)
{
	const struct layout *l = &LA;
	struct ng_task_layout lo = true_layout(l);
	u64 a;

	build_std(l);
	/* not mapped, NULL, non-canonical, a user address */
	expect_fail(0xffffffff90000000ull, "not readable");
	expect_fail(0, "not readable");
	expect_fail(0x8000000000000000ull, "not readable");
	expect_fail(0x400000, "not readable");
	expect_fail(0xfffffffffffff000ull, "not readable");
	CU_ASSERT_EQUAL(walk(0xffffffff90000000ull, &lo), -EFAULT);
	CU_ASSERT_EQUAL(nseen, 0);

	/* only 512 bytes readable */
	a = KVA + 27 * PG - 512;
	unmap_kpage(KVA + 27 * PG);
	expect_fail(a, "not readable");
	/* 0x800 bytes readable: comm at 0xba0 is beyond */
	a = KVA + 27 * PG - 0x800;
	expect_fail(a, "swapper");
	/* the page of init_task unmapped */
	build_std(l);
	unmap_kpage(INIT_VA);
	expect_fail(INIT_VA, "not readable");
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), -EFAULT);
	/* its frame beyond RAM */
	build_std(l);
	put64(kpte(INIT_VA), 0x7fff0000ull | P | RW | NX);
	expect_fail(INIT_VA, "not readable");

	/* not swapper */
	build_std(l);
	set_comm(INIT_VA, "systemd");
	expect_fail(INIT_VA, "swapper");
	set_comm(INIT_VA, "swapperX");
	expect_fail(INIT_VA, "swapper");
	set_comm(INIT_VA, "swap");
	expect_fail(INIT_VA, "swapper");
	/* plain "swapper" (old kernels) is fine */
	set_comm(INIT_VA, "swapper");
	find_exact(NULL, 0);
	/* a task in the middle of the list passed as init_task */
	expect_fail(G.t[5].va, "swapper");
}

/*
 * A compact layout for long lists: state 0, tasks 8, mm 24, pid 40,
 * real_parent 48, comm 64; every third task a user process, every
 * fourth idle, the others asleep; parents come before their children.
 */
#define C_STRIDE	96

static void build_long(u32 n, bool cyclic_tail)
{
	u64 base, a, prev;
	u32 i;

	mem_reset();
	base = halloc((u64)n * C_STRIDE);
	for (i = 0; i < n; i++) {
		char c[NG_COMM_LEN] = { 0 };

		a = i ? base + (u64)i * C_STRIDE : INIT_VA;
		wr32(a, i ? (i % 4 ? 1 : I_IDLE) : 0);
		wr64(a + 24, i && i % 3 == 0 ? DMAP + 0xf00000 + i * 64ull : 0);
		wr64(a + 32, i ? (i % 3 == 0 ? DMAP + 0xf00000 + i * 64ull : 0)
			       : INIT_MM);
		wr32(a + 40, i);
		wr32(a + 44, i);
		wr64(a + 48, i < 3 ? INIT_VA : base + (u64)(i / 2) * C_STRIDE);
		snprintf(c, sizeof(c), i ? "t%u" : "swapper/0", i);
		wrbytes(a + 64, c, sizeof(c));
	}
	prev = INIT_VA;
	for (i = 1; i <= n; i++) {
		a = i < n ? base + (u64)i * C_STRIDE : INIT_VA;
		if (i == n && cyclic_tail)
			a = base + (u64)(n / 2) * C_STRIDE;
		wr64(prev + 8, a + 8);
		if (!(i == n && cyclic_tail))
			wr64(a + 16, prev + 8);
		prev = a;
	}
}

static const struct ng_task_layout LC = {
	.tasks = 8, .pid = 40, .tgid = 44, .comm = 64, .real_parent = 48,
	.mm = 24, .state = 0,
};

static void test_long_lists(void)
{
	struct ng_task_layout lo;
	const char *why;
	int ret;

	/* over 4096 tasks: the layout from the first 4096, ntasks all */
	build_long(5000, false);
	ret = find(INIT_VA, NULL, 0, &lo, &why);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(lo.tasks, 8);
	CU_ASSERT_EQUAL(lo.pid, 40);
	CU_ASSERT_EQUAL(lo.real_parent, 48);
	CU_ASSERT_EQUAL(lo.mm, 24);
	CU_ASSERT_EQUAL(lo.state, 0);
	CU_ASSERT_EQUAL(lo.comm, 64);
	CU_ASSERT_EQUAL(lo.ntasks, 5000);
	CU_ASSERT_EQUAL(walk(INIT_VA, &lo), 5000);
	CU_ASSERT_EQUAL(seen[4999].pid, 4999);
	CU_ASSERT_STRING_EQUAL(seen[4999].comm, "t4999");
	CU_ASSERT_EQUAL(seen[4999].ppid, 2499);

	/* exactly the bound */
	build_long(NG_TASKS_MAX, false);
	ret = find(INIT_VA, NULL, 0, &lo, &why);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(lo.ntasks, NG_TASKS_MAX);
	CU_ASSERT_EQUAL(walk(INIT_VA, &LC), NG_TASKS_MAX);
	CU_ASSERT_EQUAL(nseen, NG_TASKS_MAX);

	/*
	 * One over, and 40000: the layout is derived from the first
	 * NG_TASKS_MAX (no task met twice), reads stay bounded, and the walk
	 * says it was cut (-E2BIG) after reporting NG_TASKS_MAX tasks.
	 */
	build_long(NG_TASKS_MAX + 1, false);
	ret = find(INIT_VA, NULL, 0, &lo, &why);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(lo.ntasks, NG_TASKS_MAX);
	build_long(40000, false);
	fm.reads = 0;
	ret = find(INIT_VA, NULL, 0, &lo, &why);
	CU_ASSERT_EQUAL(ret, 0);
	CU_ASSERT_EQUAL(lo.tasks, LC.tasks);
	CU_ASSERT(fm.reads < 50ul * NG_TASKS_MAX);
	CU_ASSERT_EQUAL(walk(INIT_VA, &LC), -E2BIG);
	CU_ASSERT_EQUAL(nseen, NG_TASKS_MAX);
	CU_ASSERT_EQUAL(seen[NG_TASKS_MAX - 1].pid, NG_TASKS_MAX - 1);

	/* 40000 tasks whose tail loops back into the middle: never ends */
	build_long(40000, true);
	ret = find(INIT_VA, &LC.tasks, 1, &lo, &why);
	CU_ASSERT(walk(INIT_VA, &LC) == -E2BIG || walk(INIT_VA, &LC) == -EFAULT);
	CU_ASSERT(nseen <= NG_TASKS_MAX);
}

/*
 * The task images the derivation reads are comm + 16 bytes long; __state
 * is searched in the first 64 bytes. With comm at 40 (the list at 8, pid
 * at 0, mm at 24 and active_mm == real_parent at 32, which a hostile guest
 * can arrange) the state search must not read past the images.
 */
static void test_short_image(void)
{
	struct ng_task_layout lo;
	const char *why;
	u64 it, p1;
	int ret;

	mem_reset();
	it = halloc(PG);
	p1 = halloc(PG);
	/* init_task: pid 0, list to pid 1, mm NULL, active_mm = itself */
	wr64(it + 8, p1 + 8);
	wr64(it + 16, p1 + 8);
	wr64(it + 32, it);
	wrbytes(it + 40, "swapper/0", 10);
	/* pid 1: mm = active_mm = real_parent = init_task */
	wr32(p1, 1);
	wr32(p1 + 4, 1);
	wr64(p1 + 8, it + 8);
	wr64(p1 + 16, it + 8);
	wr64(p1 + 24, it);
	wr64(p1 + 32, it);
	wrbytes(p1 + 40, "init", 5);
	ret = find(it, NULL, 0, &lo, &why);
	/* list, pid, parent and mm hold; no state word within the images */
	CU_ASSERT_EQUAL(ret, -ENOENT);
	CU_ASSERT(has(why, "state"));

	/* the same with comm at 16 and the list at 0 */
	mem_reset();
	it = halloc(PG);
	p1 = halloc(PG);
	wr64(it, p1);
	wr64(it + 8, p1);
	wrbytes(it + 16, "swapper", 8);
	wr64(p1, it);
	wr64(p1 + 8, it);
	wrbytes(p1 + 16, "init", 5);
	ret = find(it, NULL, 0, &lo, &why);
	CU_ASSERT_EQUAL(ret, -ENOENT);
}

/* The list changes between the search and the second read. */
static void unlink_task5(void)
{
	const struct layout *l = G.l;

	wr64(G.t[4].va + l->tasks, G.t[6].va + l->tasks);
	wr64(G.t[6].va + l->tasks + 8, G.t[4].va + l->tasks);
}

static void test_changing(void)
{
	struct ng_task_layout lo;
	const char *why;

	build_std(&LA);
	/* reads of init_task.tasks.next: the whole-struct read, the hint's
	 * list, the second read */
	fm.watch = gpa_of(INIT_VA + LA.tasks, 8);
	fm.hit_at = 3;
	fm.on_hit = unlink_task5;
	CU_ASSERT_EQUAL(find(INIT_VA, &LA.tasks, 1, &lo, &why), -ENOENT);
	CU_ASSERT(has(why, "changed"));
	CU_ASSERT_EQUAL(fm.hits, 3);
	fm.on_hit = NULL;
	/* the shorter list is a fine list */
	CU_ASSERT_EQUAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	CU_ASSERT_EQUAL(lo.tasks, LA.tasks);
	CU_ASSERT_EQUAL(lo.ntasks, (u32)G.n - 1);
}

/* --- the PF_* flags word ------------------------------------------------ */

static void expect_flags(bool found)
{
	struct ng_task_layout lo;
	const char *why;

	CU_ASSERT_EQUAL_FATAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	CU_ASSERT_EQUAL(lo.has_flags, found);
	if (found)
		CU_ASSERT_EQUAL(lo.flags, G.l->pflags);
}

static void test_flags(void)
{
	const struct layout *l = &LA;
	int i;

	build_std(&LA);
	expect_flags(true);
	build_std(&LB);
	expect_flags(true);

	/* a zombie: no mm any more, PF_EXITING: still the flags */
	build_std(l);
	wr64(G.t[21].va + l->mm, 0);
	wr64(G.t[21].va + l->mm + 8, 0);
	wr32(G.t[21].va + l->pflags, 0x00400104);
	expect_flags(true);
	/* a process without an mm that is not exiting: no flags word */
	wr32(G.t[21].va + l->pflags, 0x00400100);
	expect_flags(false);
	/* a kernel thread without PF_KTHREAD */
	build_std(l);
	wr32(G.t[9].va + l->pflags, 0x00008040);
	expect_flags(false);
	/* init_task not idle */
	build_std(l);
	wr32(INIT_VA + l->pflags, 0x00200000);
	expect_flags(false);
	/* kernel threads that borrow an mm: one in sixteen at most */
	build_std(l);
	wr64(G.t[9].va + l->mm, G.t[1].mm);
	wr64(G.t[9].va + l->mm + 8, G.t[1].mm);
	expect_flags(false);	/* 1 of 15: too many */
	/* most tasks exiting: not a flags word to trust */
	build_std(l);
	for (i = 1; i < G.n; i++)
		if (G.t[i].user && i % 2)
			wr32(G.t[i].va + l->pflags, 0x00400104);
	for (i = 2; i < 12; i++)
		wr32(G.t[i].va + l->pflags, 0x00208044);
	expect_flags(false);
}

/* --- hidden tasks --------------------------------------------------------- */

/* A task_struct that is on no list (LA layout). */
static u64 mk_task(u32 pid, u32 tgid, const char *comm, u32 flags, bool user)
{
	const struct layout *l = &LA;
	u64 a = halloc(l->stride), mm = user ? halloc(0x400) : 0;

	wr32(a + l->state, 1);
	wr32(a + l->pflags, flags);
	wr64(a + l->mm, mm);
	wr64(a + l->mm + 8, mm);
	wr32(a + l->pid, pid);
	wr32(a + l->pid + 4, tgid);
	wr64(a + l->real_parent, INIT_VA);
	list_self(a + l->tasks);
	set_comm(a, comm);
	return a;
}

/* Take task i off the task list as hide.ko does (it keeps running). */
static void unlink_task(int i)
{
	const struct layout *l = G.l;
	u64 prev, next;

	prev = get64(gpa_of(G.t[i].va + l->tasks + 8, 8));
	next = get64(gpa_of(G.t[i].va + l->tasks, 8));
	wr64(prev, next);
	wr64(next + 8, prev);
	list_self(G.t[i].va + l->tasks);
}

static void relink_task(int i)
{
	const struct layout *l = G.l;
	u64 head = INIT_VA + l->tasks, first;

	first = get64(gpa_of(head, 8));
	wr64(G.t[i].va + l->tasks, first);
	wr64(G.t[i].va + l->tasks + 8, head);
	wr64(first + 8, G.t[i].va + l->tasks);
	wr64(head, G.t[i].va + l->tasks);
}

static struct ng_tlist hl;
static struct ng_seen hs;
static struct ng_hidden hh;
static struct ng_hfound hf[8];

/* One round with every task of the guest and extra[] seen running. */
static u32 hround(const struct ng_task_layout *lo, const u64 *extra, int n,
		  u32 max)
{
	int i;

	CU_ASSERT_FATAL(ng_tlist_read(&hl, &mmu, INIT_VA, lo) > 0);
	ng_seen_clear(&hs);
	for (i = 0; i < (int)hl.n; i++)
		ng_seen_add(&hs, hl.addr[i]);
	for (i = 0; i < n; i++)
		CU_ASSERT(ng_seen_add(&hs, extra[i]));
	return ng_hidden_round(&hh, &mmu, lo, &hl, &hs, hf, max);
}

static void test_seen_set(void)
{
	u64 a, same[NG_SEEN_PROBES + 2];
	u32 i, k = 0, h0 = 0;

	ng_seen_clear(&hs);
	CU_ASSERT(ng_seen_add(&hs, DMAP + 0x1000));
	CU_ASSERT(ng_seen_add(&hs, DMAP + 0x1000));
	CU_ASSERT_EQUAL(hs.n, 1);
	CU_ASSERT(!ng_seen_add(&hs, 0));
	CU_ASSERT(!ng_seen_add(&hs, 0x00007fff00001000ull));
	CU_ASSERT_EQUAL(hs.bad, 2);
	CU_ASSERT_EQUAL(hs.n, 1);
	/* addresses that all hash to one slot: the probes are bounded */
	ng_seen_clear(&hs);
	for (a = DMAP; k < ARRAY_SIZE(same); a += 0x40) {
		u32 h = (u32)(((a >> 3) * 0x9e3779b97f4a7c15ull) >> 54);

		if (!k)
			h0 = h;
		if (h == h0)
			same[k++] = a;
	}
	for (i = 0; i < NG_SEEN_PROBES; i++)
		CU_ASSERT(ng_seen_add(&hs, same[i]));
	CU_ASSERT(!ng_seen_add(&hs, same[NG_SEEN_PROBES]));
	CU_ASSERT_EQUAL(hs.dropped, 1);
	CU_ASSERT(ng_seen_add(&hs, same[3]));	/* already in */
	/* a full set: every address in or counted as dropped */
	ng_seen_clear(&hs);
	for (i = 0; i < 3 * NG_SEEN_SLOTS; i++)
		ng_seen_add(&hs, DMAP + 0x2600ull * i);
	CU_ASSERT(hs.n <= NG_SEEN_SLOTS);
	CU_ASSERT_EQUAL(hs.n + hs.dropped, 3 * NG_SEEN_SLOTS);
	CU_ASSERT(hs.n > NG_SEEN_SLOTS / 2);
}

static void test_tlist(void)
{
	struct ng_task_layout lo = true_layout(&LA);
	struct ng_tlist small;
	int i;

	build_std(&LA);
	CU_ASSERT_EQUAL(ng_tlist_read(&hl, &mmu, INIT_VA, &lo), G.n);
	for (i = 0; i < G.n; i++) {
		CU_ASSERT(ng_tlist_has(&hl, G.t[i].va));
		CU_ASSERT(ng_tlist_has_pid(&hl, G.t[i].pid));
	}
	CU_ASSERT(!ng_tlist_has(&hl, G.t[3].va + 8));
	CU_ASSERT(!ng_tlist_has_pid(&hl, 7));
	CU_ASSERT_EQUAL_FATAL(ng_tlist_alloc(&small, 5), 0);
	CU_ASSERT_EQUAL(ng_tlist_read(&small, &mmu, INIT_VA, &lo), -E2BIG);
	ng_tlist_free(&small);
	/* broken links */
	wr64(G.t[4].va + LA.tasks + 8, G.t[2].va + LA.tasks);
	CU_ASSERT_EQUAL(ng_tlist_read(&hl, &mmu, INIT_VA, &lo), -EFAULT);
	build_std(&LA);
	wr64(G.t[4].va + LA.tasks, DMAP + MEM_SIZE + 0x100);
	CU_ASSERT_EQUAL(ng_tlist_read(&hl, &mmu, INIT_VA, &lo), -EFAULT);
	/* a ring that never comes back: bounded by the capacity */
	build_long(40000, true);
	CU_ASSERT(ng_tlist_read(&hl, &mmu, INIT_VA, &LC) < 0);
}

static void test_hidden(void)
{
	struct ng_task_layout lo;
	const char *why;
	u64 x[8];
	u32 n, r;

	build_std(&LA);
	CU_ASSERT_EQUAL_FATAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	CU_ASSERT_FATAL(lo.has_flags);
	x[0] = mk_task(0, 0, "swapper/1", 0x00200042, false);	/* idle */
	x[1] = mk_task(401, 400, "sshd", 0x00400140, true);	/* thread */
	x[2] = mk_task(1600, 1600, "sleep", 0x00400104, false);	/* exiting */
	x[3] = mk_task(1411, 1410, "bash", 0x00400140, true);	/* bash's */
	x[4] = G.t[20].va;					/* bash */
	x[5] = mk_task(77, 77, "kworker/0:7", 0x00208040, false);

	/* nothing hidden: the idle task, a thread, an exiting task pass */
	ng_hidden_init(&hh);
	for (r = 0; r < 10; r++)
		CU_ASSERT_EQUAL(hround(&lo, x, 3, 8), 0);
	CU_ASSERT_EQUAL(hh.idle, 10);
	CU_ASSERT_EQUAL(hh.threads, 10);
	CU_ASSERT_EQUAL(hh.exiting, 10);
	CU_ASSERT_EQUAL(hh.found, 0);
	/* bash's thread while bash is listed */
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 8), 0);
	CU_ASSERT_EQUAL(hh.threads, 11);

	/* bash unlinked: found in its third round, once; so is its thread */
	unlink_task(20);
	CU_ASSERT_EQUAL(hround(&lo, x, 5, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x, 5, 8), 0);
	n = hround(&lo, x, 5, 8);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	if (hf[0].task.addr != x[4]) {
		struct ng_hfound tmp = hf[0];

		hf[0] = hf[1];
		hf[1] = tmp;
	}
	CU_ASSERT_EQUAL(hf[0].task.addr, x[4]);
	CU_ASSERT_EQUAL(hf[0].task.pid, 1410);
	CU_ASSERT_EQUAL(hf[0].task.tgid, 1410);
	CU_ASSERT_STRING_EQUAL(hf[0].task.comm, "bash");
	CU_ASSERT_EQUAL(hf[0].rounds, 2);
	CU_ASSERT(!hf[0].kthread);
	CU_ASSERT_EQUAL(hf[1].task.addr, x[3]);
	CU_ASSERT_EQUAL(hf[1].task.pid, 1411);
	CU_ASSERT(!hf[1].kthread);
	for (r = 0; r < 5; r++)
		CU_ASSERT_EQUAL(hround(&lo, x, 5, 8), 0);
	CU_ASSERT_EQUAL(hh.found, 2);
	/* detection paused and resumed (a policy load): still not again */
	ng_hidden_resume(&hh);
	for (r = 0; r < 5; r++)
		CU_ASSERT_EQUAL(hround(&lo, x, 5, 8), 0);
	CU_ASSERT_EQUAL(hh.found, 2);

	/* a hidden kernel thread: reported as one */
	ng_hidden_init(&hh);
	hround(&lo, x + 5, 1, 8);
	hround(&lo, x + 5, 1, 8);
	CU_ASSERT_EQUAL_FATAL(hround(&lo, x + 5, 1, 8), 1);
	CU_ASSERT(hf[0].kthread);
	CU_ASSERT_EQUAL(hf[0].task.pid, 77);

	/* rounds without a sighting do not count; at most max a round */
	ng_hidden_init(&hh);
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 1), 0);
	CU_ASSERT_EQUAL(hround(&lo, NULL, 0, 1), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 1), 0);
	CU_ASSERT_EQUAL(hround(&lo, NULL, 0, 1), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 1), 1);
	CU_ASSERT_EQUAL(hf[0].rounds, 4);
	CU_ASSERT_EQUAL(hround(&lo, NULL, 0, 1), 0);	/* not seen */
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 1), 1);	/* the other one */
	CU_ASSERT_EQUAL(hround(&lo, x + 3, 2, 1), 0);

	/* back on the list: no longer a candidate; counted again after */
	ng_hidden_init(&hh);
	hround(&lo, x + 4, 1, 8);
	hround(&lo, x + 4, 1, 8);
	relink_task(20);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	unlink_task(20);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 1);

	/* another task at the same address: counted from one again */
	ng_hidden_init(&hh);
	hround(&lo, x + 4, 1, 8);
	hround(&lo, x + 4, 1, 8);
	wr32(x[4] + LA.pid, 1999);
	wr32(x[4] + LA.pid + 4, 1999);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 1);
	CU_ASSERT_EQUAL(hf[0].task.pid, 1999);
	/* and once it begins to exit, it is no candidate */
	ng_hidden_init(&hh);
	hround(&lo, x + 4, 1, 8);
	hround(&lo, x + 4, 1, 8);
	wr32(x[4] + LA.pflags, 0x00400104);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hround(&lo, x + 4, 1, 8), 0);
	CU_ASSERT_EQUAL(hh.exiting, 3);
	CU_ASSERT_EQUAL(hh.found, 0);

	/*
	 * Without the flags word an exiting task is a candidate like any
	 * other (in a real guest it does not run in three rounds once
	 * unlinked); idle tasks are known by their pid alone.
	 */
	lo.has_flags = false;
	ng_hidden_init(&hh);
	hround(&lo, x, 3, 8);
	hround(&lo, x, 3, 8);
	CU_ASSERT_EQUAL_FATAL(hround(&lo, x, 3, 8), 1);
	CU_ASSERT_EQUAL(hf[0].task.pid, 1600);
	CU_ASSERT(hf[0].kthread);	/* no mm */
	CU_ASSERT_EQUAL(hh.idle, 3);
	CU_ASSERT_EQUAL(hh.threads, 3);
	lo.has_flags = true;

	/* a pid 0 task that is no idle task is judged like the others */
	x[6] = mk_task(0, 0, "swapper/1", 0x00400100, true);
	ng_hidden_init(&hh);
	hround(&lo, x + 6, 1, 8);
	hround(&lo, x + 6, 1, 8);
	CU_ASSERT_EQUAL(hround(&lo, x + 6, 1, 8), 1);

	/* unreadable tasks are counted, never reported */
	x[7] = DMAP + MEM_SIZE + 0x10000;
	ng_hidden_init(&hh);
	for (r = 0; r < 5; r++)
		CU_ASSERT_EQUAL(hround(&lo, x + 7, 1, 8), 0);
	CU_ASSERT_EQUAL(hh.unreadable, 5);
}

/* More candidates than slots: bounded, the oldest make room. */
static void test_hidden_many(void)
{
	struct ng_task_layout lo;
	const char *why;
	static u64 x[NG_HID_CANDS + 20];
	u32 i, r, total = 0;

	build_std(&LA);
	CU_ASSERT_EQUAL_FATAL(find(INIT_VA, NULL, 0, &lo, &why), 0);
	for (i = 0; i < ARRAY_SIZE(x); i++)
		x[i] = mk_task(3000 + i, 3000 + i, "h", 0x00400100, true);
	ng_hidden_init(&hh);
	for (r = 0; r < 40; r++)
		total += hround(&lo, x, ARRAY_SIZE(x), 8);
	CU_ASSERT(hh.cands_full > 0);
	CU_ASSERT(total <= ARRAY_SIZE(x));
	/* with room for all, every one is found exactly once */
	ng_hidden_init(&hh);
	total = 0;
	for (r = 0; r < 40; r++)
		total += hround(&lo, x, NG_HID_CANDS, 8);
	CU_ASSERT_EQUAL(total, NG_HID_CANDS);
}

/* --- random guests ----------------------------------------------------- */

static u64 rnd_word(u64 lo, u64 span)
{
	switch (ut_rnd() % 8) {
	case 0: case 1: case 2:		/* a pointer into the guest */
		return lo + (ut_rnd() % 3 ? (ut_rnd() % span) & ~7ull :
			     ut_rnd() % span);
	case 3:
		return ut_rnd() % 0x500;
	case 4:
		return ut_rnd();
	case 5: {			/* text */
		u64 v = 0;
		int i;

		for (i = 0; i < 8; i++)
			v |= (u64)(ut_rnd() % 5 ? 0x20 + ut_rnd() % 95 : 0) << (8 * i);
		return v;
	}
	case 6:
		return I_IDLE | (ut_rnd() % 4 ? 0 : ut_rnd() << 32);
	default:
		return 0;
	}
}

static unsigned long rnd_ok, rnd_err, rnd_exact;

/* Run both entry points on the guest; all must end sanely. */
static void run_hostile(u64 init, const u32 *hints, u32 nh)
{
	struct ng_task_layout lo, rl = { 0 };
	const char *why = NULL;
	u32 i;
	int ret;

	ret = ng_task_layout_find(&mmu, init, ut_rnd() % 2 ? INIT_MM : 0, hints,
				  nh, &lo, &why);
	CU_ASSERT(ret == 0 || ret == -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(why);
	if (ret == 0) {
		rnd_ok++;
		CU_ASSERT(lo.tasks % 8 == 0 && lo.tasks + 16 <= lo.comm);
		CU_ASSERT(lo.pid + 8 <= lo.comm && lo.tgid == lo.pid + 4);
		CU_ASSERT(lo.real_parent + 8 <= lo.comm);
		CU_ASSERT(lo.mm + 16 <= lo.comm);
		CU_ASSERT(lo.state + 4 <= 64);
		CU_ASSERT(lo.state + 4 <= lo.comm + NG_COMM_LEN);
		CU_ASSERT(lo.ntasks >= 2 && lo.ntasks <= NG_TASKS_MAX);
		CU_ASSERT(!lo.has_flags || lo.flags + 4 <= lo.comm);
		ret = walk(init, &lo);
		CU_ASSERT(ret <= NG_TASKS_MAX);
		CU_ASSERT(nseen <= NG_TASKS_MAX);
		for (i = 0; i < nseen && i < seen_cap; i++) {
			size_t k, len = strnlen(seen[i].comm, NG_COMM_LEN);

			CU_ASSERT(len < NG_COMM_LEN);
			for (k = 0; k < len; k++)
				CU_ASSERT(seen[i].comm[k] >= 0x20 &&
					  seen[i].comm[k] <= 0x7e);
		}
	} else {
		rnd_err++;
	}
	/* a walk with a random layout */
	rl.tasks = ut_rnd() % 0x1000;
	rl.pid = ut_rnd() % 0x1000;
	rl.tgid = rl.pid + 4;
	rl.comm = ut_rnd() % 0x1000;
	rl.real_parent = ut_rnd() % 0x1000;
	rl.mm = ut_rnd() % 0x1000;
	rl.state = ut_rnd() % 64;
	ret = walk(init, &rl);
	CU_ASSERT(ret <= NG_TASKS_MAX);
	CU_ASSERT(nseen <= NG_TASKS_MAX);
}

/* A realistic guest with a few dozen words overwritten. */
static void random_corrupt(void)
{
	const struct layout *l = ut_rnd() % 2 ? &LA : &LB;
	u32 hints[3], nh = ut_rnd() % 4, i, k = 1 + ut_rnd() % 40;
	u64 span;

	build_std(l);
	span = heap - HEAP0;
	for (i = 0; i < k; i++) {
		u64 v = rnd_word(DMAP + HEAP0, span);
		int t = (int)(ut_rnd() % G.n);
		u64 off = ut_rnd() % 5 ? (ut_rnd() % (l->comm + 16)) & ~7ull :
				      ut_rnd() % (l->comm + 8);

		if (ut_rnd() % 3 == 0)	/* aim at the fields that matter */
			off = (u64[]){ l->tasks, l->tasks + 8, l->pid,
				       l->real_parent, l->mm, l->mm + 8,
				       l->state, l->comm }[ut_rnd() % 8];
		wr64(G.t[t].va + off, v);
	}
	if (ut_rnd() % 10 == 0)	/* a page-table entry too */
		put64(PG + (ut_rnd() % (next_table - PG)) / 8 * 8,
		      rnd_word(0, MEM_SIZE) | (ut_rnd() % 2 ? P : 0));
	for (i = 0; i < nh && i < 3; i++)
		hints[i] = ut_rnd() % 2 ? l->tasks : (u32)rnd_word(0, l->comm);
	run_hostile(INIT_VA, hints, nh > 3 ? 3 : nh);
}

/* Nothing but random words, "swapper" somewhere in init_task. */
static void random_garbage(void)
{
	u64 span = 128 << 10, base, i, init;
	u32 hints[2] = { (u32)(ut_rnd() % 0x1000) & ~7u, (u32)ut_rnd() };

	mem_reset();
	base = halloc(span);
	for (i = 0; i < span; i += 8)
		wr64(base + i, rnd_word(base, span));
	init = base + (ut_rnd() % (span / 2));
	if (ut_rnd() % 8)
		wrbytes(init + 16 + ut_rnd() % 0x1000, "swapper/0", 10);
	run_hostile(init, hints, (u32)(ut_rnd() % 3));
}

/*
 * A guest with a random layout: random offsets (sometimes a tiny comm),
 * random or zero filler, random states, pids, parents and mms. With zero
 * filler and every field in place the answer is checked exactly.
 */
static void random_layout(void)
{
	u32 comm = ut_rnd() % 4 ? 64 + (ut_rnd() % 0x300) * 8 :
		   16 + ut_rnd() % 48;
	u32 n = 2 + ut_rnd() % 40, slots = comm / 8, i, j;
	u32 tasks, pid, parent, mm, state, stride = comm + 64;
	bool zero = ut_rnd() % 2, placed;
	u8 used[0x400] = { 0 };
	u64 va[42], base, span;
	u32 pids[42];

	/* fields on distinct 8-byte slots; state in the first 64 bytes */
#define TAKE(var, nslots, max) do {					\
		u32 tries = 0;						\
		placed = false;						\
		while (!placed && tries++ < 64 && (max) >= (nslots)) {	\
			u32 s = ut_rnd() % ((max) - (nslots) + 1), q;	\
			bool free_ = true;				\
			for (q = 0; q < (nslots); q++)			\
				free_ &= !used[s + q];			\
			if (!free_)					\
				continue;				\
			for (q = 0; q < (nslots); q++)			\
				used[s + q] = 1;			\
			(var) = s * 8;					\
			placed = true;					\
		}							\
		if (!placed)						\
			(var) = NONE;					\
	} while (0)
	bool all = true;

	TAKE(state, 1, slots < 8 ? slots : 8);
	all &= placed;
	TAKE(tasks, 2, slots);
	all &= placed;
	TAKE(mm, 2, slots);
	all &= placed;
	TAKE(pid, 1, slots);
	all &= placed;
	TAKE(parent, 1, slots);
	all &= placed;
#undef TAKE
	if (tasks == NONE) {	/* a list there must be */
		tasks = 0;
		all = false;
	}
	mem_reset();
	span = (u64)n * stride;
	base = halloc(span);
	va[0] = INIT_VA;
	for (i = 1; i < n; i++)
		va[i] = base + (u64)i * stride;
	for (i = 0; i < n; i++) {
		char c[NG_COMM_LEN] = { 0 };

		if (!zero)
			for (j = 0; j < comm + 16; j += 8)
				wr64(va[i] + j, rnd_word(base, span));
		do {
			pids[i] = i ? 1 + ut_rnd() % (i < 2 ? 1 : 5000) : 0;
			for (j = 1; j < i && pids[i] != pids[j]; j++)
				;
		} while (i && (j < i || pids[i] == I_IDLE));
		if (i == 1)
			pids[i] = 1;
		if (pid != NONE) {
			wr32(va[i] + pid, pids[i]);
			wr32(va[i] + pid + 4, pids[i]);
		}
		if (state != NONE)
			wr32(va[i] + state, !i ? 0 : i == 1 ? 1 :
				i % 3 ? I_IDLE : (u32)(ut_rnd() % 3));
		if (parent != NONE)
			wr64(va[i] + parent, i < 2 ? INIT_VA :
				va[ut_rnd() % i]);
		if (mm != NONE) {
			u64 m = i && ut_rnd() % 2 ? DMAP + 0xe00000 + i * 64ull : 0;

			wr64(va[i] + mm, m);
			wr64(va[i] + mm + 8, i ? m : INIT_MM);
			if (i == 1)
				wr64(va[i] + mm, DMAP + 0xe00000 + 64),
				wr64(va[i] + mm + 8, DMAP + 0xe00000 + 64);
		}
		snprintf(c, sizeof(c), i ? "task%u" : "swapper/0", i);
		if (ut_rnd() % 50 == 0)
			c[ut_rnd() % 8] = (char)ut_rnd();
		wrbytes(va[i] + comm, c, sizeof(c));
	}
	for (i = 0; i < n; i++) {
		wr64(va[i] + tasks, va[(i + 1) % n] + tasks);
		wr64(va[i] + tasks + 8, va[(i + n - 1) % n] + tasks);
	}
	if (zero && all) {
		struct ng_task_layout lo;
		const char *why;
		bool idle = false;
		u32 asleep = 0;

		for (i = 1; i < n; i++) {
			u32 s = ng_le32(fm.bytes + gpa_of(va[i] + state, 4));

			idle |= s == I_IDLE;
			asleep += !!(s & 3);
		}
		if (idle && 2 * asleep >= n && comm >= 64 &&
		    ng_task_layout_find(&mmu, INIT_VA, INIT_MM, NULL, 0, &lo,
					&why) == 0) {
			rnd_exact++;
			CU_ASSERT_EQUAL(lo.tasks, tasks);
			CU_ASSERT_EQUAL(lo.pid, pid);
			CU_ASSERT_EQUAL(lo.real_parent, parent);
			CU_ASSERT_EQUAL(lo.mm, mm);
			CU_ASSERT_EQUAL(lo.state, state);
			CU_ASSERT_EQUAL(lo.comm, comm);
			CU_ASSERT_EQUAL(lo.ntasks, n);
		}
	}
	run_hostile(INIT_VA, &tasks, (u32)(ut_rnd() % 2));
}

static void test_random(void)
{
	int trial;

	for (trial = 0; trial < 500; trial++) {
		switch (trial % 3) {
		case 0:
			random_corrupt();
			break;
		case 1:
			random_garbage();
			break;
		default:
			random_layout();
			break;
		}
	}
	printf("\n  500 random guests: %lu derived (%lu checked exactly), "
	       "%lu refused ", rnd_ok, rnd_exact, rnd_err);
	CU_ASSERT(rnd_ok > 0 && rnd_err > 0);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "layout A found exactly", test_layout_a },
		{ "layout B found exactly", test_layout_b },
		{ "tasks at other addresses", test_layout_moved },
		{ "four tasks", test_layout_minimal },
		{ "hints first, wrong hints ignored", test_hints },
		{ "walk: every task as built", test_walk },
		{ "task read, comm sanitised", test_task_read },
		{ "cyclic lists", test_cyclic },
		{ "broken links", test_broken_links },
		{ "bad comms", test_bad_comm },
		{ "bad pids, parents, mms, states", test_bad_pids },
		{ "init_task unreadable or not swapper", test_init_task },
		{ "5000, 32768, 32769, 40000 tasks", test_long_lists },
		{ "short task images", test_short_image },
		{ "list changing while read", test_changing },
		{ "PF_* flags word", test_flags },
		{ "seen set bounded", test_seen_set },
		{ "task list as a set", test_tlist },
		{ "hidden tasks judged", test_hidden },
		{ "many hidden tasks", test_hidden_many },
		{ "500 random guests", test_random },
	};
	static const struct ut_suite suite = {
		.name = "analyse", UT_TESTS(tests),
	};
	int ret;

	fm.size = MEM_SIZE;
	fm.bytes = calloc(1, MEM_SIZE);
	seen_cap = NG_TASKS_MAX + 16;
	seen = calloc(seen_cap, sizeof(*seen));
	fm.dirty = MEM_SIZE;
	if (!fm.bytes || !seen || ng_tlist_alloc(&hl, NG_TASKS_MAX))
		return 1;
	ut_rnd_seed(0x9e3779b97f4a7c15ull);
	ret = ut_run(&suite);
	ng_tlist_free(&hl);
	free(seen);
	free(fm.bytes);
	return ret;
}
