/* SPDX-License-Identifier: GPL-2.0 */
/*
 * analyse.h - from named code to kernel data: the task list and the
 * task_struct fields NoGap needs, with no per-kernel profile.
 *
 * init_task and init_mm come from matched code (ng_ident_data()). Field
 * offsets come from the offsets at which matched code addresses init_task
 * directly (candidates) and from a bounded search of init_task, and each is
 * accepted only when it holds as a live invariant over the whole task list:
 * list links point back, comm is printable, pids are unique and in range,
 * parents are tasks of the list, mm is NULL exactly for kernel threads.
 * The PF_* flags word is optional: the word in which PF_KTHREAD is set
 * exactly for the tasks without an mm (exiting tasks, which drop their mm
 * before they are reaped, aside) and init_task is an idle kernel thread.
 */
#ifndef NG_ANALYSE_H
#define NG_ANALYSE_H

#include "guest_walk.h"

#define NG_TASKS_MAX		32768	/* bound on any walk of the task list */
#define NG_TASK_SCAN		12288	/* bytes of init_task searched */
#define NG_COMM_LEN		16

/* PF_* bits of task_struct.flags: the same values since Linux 4.x. */
#define NG_PF_IDLE		0x00000002u	/* an idle task */
#define NG_PF_EXITING		0x00000004u	/* in do_exit() */
#define NG_PF_KTHREAD		0x00200000u	/* a kernel thread */

struct ng_task_layout {
	u32 tasks;		/* struct list_head tasks */
	u32 pid, tgid;		/* pid_t */
	u32 comm;		/* char comm[16] */
	u32 real_parent;	/* struct task_struct * */
	u32 mm;			/* struct mm_struct * (active_mm follows) */
	u32 state;		/* unsigned int __state */
	u32 ntasks;		/* tasks on the list when it was derived */
	u32 flags;		/* unsigned int flags (PF_*), if has_flags */
	bool has_flags;
};

struct ng_task {
	u64 addr;		/* guest virtual address of the task_struct */
	u32 pid, tgid, ppid;
	u32 state;
	u64 mm;
	u32 flags;		/* PF_*, 0 when the layout has no flags */
	char comm[NG_COMM_LEN];	/* NUL-terminated, non-printables as '?' */
};

/*
 * Derive the layout. hints (may be NULL) are offsets at which matched code
 * addresses init_task; they are tried first for the task list link.
 * Returns 0, or -ENOENT with a reason in *why.
 */
int ng_task_layout_find(const struct ng_mmu *mmu, u64 init_task, u64 init_mm,
			const u32 *hints, u32 nhints,
			struct ng_task_layout *lo, const char **why);

/*
 * Walk the task list from init_task (which is reported first). Calls fn for
 * each task; stops when fn returns non-zero. Returns the number of tasks,
 * -EFAULT at a broken link (next->prev not pointing back, unreadable),
 * -E2BIG after NG_TASKS_MAX tasks without getting back to init_task.
 */
typedef int (*ng_task_fn)(void *arg, const struct ng_task *t);
int ng_task_walk(const struct ng_mmu *mmu, u64 init_task,
		 const struct ng_task_layout *lo, ng_task_fn fn, void *arg);

/* Read one task at addr with the layout (for tasks met outside the list). */
int ng_task_read(const struct ng_mmu *mmu, u64 addr,
		 const struct ng_task_layout *lo, struct ng_task *t);

#endif /* NG_ANALYSE_H */
