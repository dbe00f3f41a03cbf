/* SPDX-License-Identifier: GPL-2.0 */
/*
 * hidden.h - hidden-process detection: tasks the guest's scheduler runs
 * that its task list does not hold.
 *
 * The module records every task the scheduler switches to (a breakpoint on
 * the context switch; the next task is an argument) in a small set, and,
 * every round, reads the task list from init_task and judges the tasks of
 * the set that are not on it. Not on the list, and fine:
 *
 *   - idle tasks (pid 0; PF_IDLE when the flags are known): only the boot
 *     CPU's, init_task, is the list's head;
 *   - threads: only thread group leaders are on the list; a thread is fine
 *     when a listed task has its tgid as pid;
 *   - exiting tasks: a task is unlinked by the kernel itself (release_task)
 *     while it may still run its last steps (autoreaped children, kernel
 *     threads): PF_EXITING is set long before, and such a task never runs
 *     for long after it is unlinked.
 *
 * Anything else is a candidate. It is reported only once it has been seen
 * running, still unlisted and the same task (pid, tgid, comm), and not
 * exiting, in NG_HID_SIGHTINGS different rounds: the list is read again in
 * each of them, and the set of a round is taken after the list is read, so
 * that all but the first sighting happened after a reading of the list
 * that did not hold the task. A task that exits, or that turns up on the
 * list, stops being a candidate. Each task is reported once.
 *
 * Everything is bounded: the set (NG_SEEN_SLOTS, NG_SEEN_PROBES probes an
 * insertion, extra tasks dropped and counted), the list (NG_TASKS_MAX),
 * candidates (NG_HID_CANDS) and the reports kept (NG_HID_REPORTED).
 */
#ifndef NG_HIDDEN_H
#define NG_HIDDEN_H

#include "analyse.h"

#define NG_SEEN_SLOTS		1024	/* power of two */
#define NG_SEEN_PROBES		8
#define NG_HID_CANDS		64
#define NG_HID_REPORTED		128
#define NG_HID_SIGHTINGS	3	/* rounds seen running while unlisted */
#define NG_HID_TTL		120	/* rounds a candidate lives unseen */

/* The tasks switched to in a round: an open-addressing set of addresses. */
struct ng_seen {
	u64 slot[NG_SEEN_SLOTS];
	u32 n;
	u32 dropped;		/* not recorded: set full around its slot */
	u32 bad;		/* not a kernel address */
};

void ng_seen_clear(struct ng_seen *s);
/* O(1): at most NG_SEEN_PROBES slots looked at. False when dropped. */
bool ng_seen_add(struct ng_seen *s, u64 addr);

/* The task list of one moment: its task addresses and pids, sorted. */
struct ng_tlist {
	u64 *addr;
	u32 *pid;
	u32 n, cap;
};

int ng_tlist_alloc(struct ng_tlist *l, u32 cap);
void ng_tlist_free(struct ng_tlist *l);
/*
 * Read the list from init_task (included). Returns the number of tasks,
 * -EFAULT at a broken link, -E2BIG when it does not end within l->cap.
 */
int ng_tlist_read(struct ng_tlist *l, const struct ng_mmu *mmu,
		  u64 init_task, const struct ng_task_layout *lo);
bool ng_tlist_has(const struct ng_tlist *l, u64 addr);
bool ng_tlist_has_pid(const struct ng_tlist *l, u32 pid);

struct ng_hcand {
	u64 addr;		/* 0: free */
	u32 pid, tgid;
	char comm[NG_COMM_LEN];
	u32 sightings;		/* rounds it was seen running, unlisted */
	u32 first, last;	/* rounds of the first and last sighting */
};

struct ng_hfound {
	struct ng_task task;
	bool kthread;
	u32 rounds;		/* from its first sighting to the report */
};

struct ng_hidden {
	struct ng_hcand cand[NG_HID_CANDS];
	u64 rep_addr[NG_HID_REPORTED];
	u32 rep_pid[NG_HID_REPORTED];
	u32 nrep, rep_next;
	u32 round;
	/* counters: tasks looked at outside the list, and why they passed */
	u64 rounds, offlist, idle, threads, exiting, unreadable, cands_full;
	u64 found;
};

void ng_hidden_init(struct ng_hidden *h);
/* Detection resumes after a pause: candidates start over, reports stay. */
void ng_hidden_resume(struct ng_hidden *h);

/*
 * One round: seen holds the tasks switched to since the previous round,
 * taken after list was read. Tasks found hidden (for the first time) go to
 * out, at most max (the others stay candidates for the next round);
 * returns their number.
 */
u32 ng_hidden_round(struct ng_hidden *h, const struct ng_mmu *mmu,
		    const struct ng_task_layout *lo, const struct ng_tlist *list,
		    const struct ng_seen *seen, struct ng_hfound *out, u32 max);

/* A kernel thread: PF_KTHREAD when the layout has the flags, else no mm. */
bool ng_task_kthread(const struct ng_task_layout *lo, const struct ng_task *t);

#endif /* NG_HIDDEN_H */
