/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nogap.h - what the parts of nogap.ko share.
 *
 *   main.c	module init/exit, counters
 *   vm.c	the VM registry: kvm_exit tracepoint, discovery, reaping
 *   svm.c	AMD SVM specifics: the anchor from the VMCB
 *   vmx.c	Intel VMX specifics: the anchor from the VMCS
 *   ident.c	identification worker: guest memory, engine, results
 *   db.c	the active signature DB and chunked uploads
 *   hash.c	MD5 through the kernel crypto API for the engine
 *   netlink.c	the "nogap" generic netlink family and its events
 *   intercept.c	breakpoints on the vCPU exit path, step-over, watch
 *   call.c	calling guest kernel functions at a safe stop
 *   tasks.c	the guest's processes, hidden-process detection
 *   wtrack.c	write tracking of guest kernel text (page tracking)
 *   policy.c	the active security policy
 *   core/	the identification engine, shared with userspace
 */
#ifndef NG_NOGAP_H
#define NG_NOGAP_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "core/fragment.h"
#include "core/sigdb.h"
#include "core/peval.h"
#include "uapi/linux/nogap.h"

#define NG_VERSION	"0.1.0"

struct kvm;
struct kvm_vcpu;
struct ng_instr;
struct ng_tasks;
struct ng_wtrack;

/* ---- counters (main.c) ---- */

struct ng_stats {
	atomic64_t anchors;
	atomic_t vms_seen;
	atomic_t ident_done;
	atomic_t ident_failed;
	atomic_t ident_running;
	atomic_t pending_full;	/* new VMs not queued: ring full */
};

extern struct ng_stats ng_stats;
u64 ng_exits_total(void);
void ng_count_exit(void);

/* ---- vendor specifics (svm.c, vmx.c) ---- */

/* A kernel-mode instruction address and the paging state of that moment. */
struct ng_anchor {
	u64 rip;
	u64 cr3;
	bool la57;
	bool nxe;
	bool hlt;		/* taken at a HLT exit (the idle loop) */
	u32 vcpu;
};

/* The kvm_exit tracepoint's isa argument (arch/x86/kvm/trace.h). */
#define NG_KVM_ISA_VMX	1
#define NG_KVM_ISA_SVM	2

/*
 * Take the anchor from a vCPU at its VM exit, when it was running 64-bit
 * kernel code in its own (not a nested guest's) context. Called from the
 * kvm_exit tracepoint: no sleeping, no allocation.
 */
bool ng_svm_anchor(struct kvm_vcpu *vcpu, struct ng_anchor *a);
bool ng_vmx_anchor(struct kvm_vcpu *vcpu, struct ng_anchor *a);

/*
 * For the breakpoint engine (intercept.c). ng_*_trap: what this exit is
 * (enum ng_trap). ng_*_view: the vCPU at an exit the engine consumes
 * (makes KVM's register cache current for its emulator). ng_*_arm:
 * intercept INT3 (and on SVM software interrupts) or stop, from the vCPU's
 * thread; false when it cannot be done now (nested guest, remote).
 */
enum ng_trap {
	NG_TRAP_NONE,
	NG_TRAP_BP,		/* #BP exception exit (INT3) */
	NG_TRAP_SWINT,		/* software interrupt exit (SVM INTn) */
};

struct ng_vcpu_view {
	u64 cr3;
	u8 cpl;
	bool nested;		/* running a nested guest of its own */
	bool long_mode;		/* 64-bit code segment */
};

u8 ng_svm_trap(struct kvm_vcpu *vcpu);
bool ng_svm_view(struct kvm_vcpu *vcpu, struct ng_vcpu_view *v);
bool ng_svm_arm(struct kvm_vcpu *vcpu, bool on, bool remote);
u8 ng_vmx_trap(struct kvm_vcpu *vcpu);
bool ng_vmx_view(struct kvm_vcpu *vcpu, struct ng_vcpu_view *v);
bool ng_vmx_arm(struct kvm_vcpu *vcpu, bool on, bool remote);

/* ---- identification results (ident.c) ---- */

struct ng_sym {
	u64 addr;
	u32 size;
	u32 name;		/* offset in ng_result.names */
	u8 evidence;		/* enum nogap_evidence */
	u8 confidence;
};

#define NG_TASK_HINTS	32

struct ng_result {
	struct ng_sym *syms;	/* sorted by address */
	u32 nsyms;
	char *names;
	u32 names_len;
	char kernel[NG_SIGDB_LABEL_LEN];
	struct ng_anchor anchor;
	u64 text_start;
	u64 text_size;
	u32 nfrags;
	u32 nmatched;
	u32 holes;
	u32 msecs;
	/* kernel data located through the matched code; 0: not located */
	u64 init_task;
	u64 init_mm;
	u32 task_hints[NG_TASK_HINTS];	/* offsets code uses in init_task */
	u32 ntask_hints;
};

void ng_result_free(struct ng_result *r);

/* ---- the VM registry (vm.c) ---- */

struct ng_vm {
	struct hlist_node hnode;	/* ng_vm_hash by kvm, RCU */
	struct list_head node;		/* ng_vm_list by id, ng_vm_lock */
	struct kref ref;
	struct kvm *kvm;		/* one reference, dropped at release */
	u32 id;
	pid_t pid;			/* VMM process (tgid) */
	u8 vendor;			/* enum nogap_vendor */
	bool exiting;			/* VMM closed it (ng_vm_lock) */
	bool stop;			/* stop guest reads now */
	atomic64_t exits;

	/* Anchor capture: the exit path fills it when want_anchor is set. */
	spinlock_t anchor_lock;
	bool want_anchor;
	bool have_anchor;
	unsigned long want_since;	/* jiffies */
	unsigned long anchor_time;	/* jiffies of the last capture */
	unsigned long anchor_seq;	/* bumped at each capture */
	struct ng_anchor anchor;

	/* Identification: state and result under ident_lock. */
	struct mutex ident_lock;
	u8 ident_state;			/* enum nogap_ident_state */
	int ident_err;			/* negative errno when FAILED */
	const char *ident_msg;		/* static reason when FAILED */
	struct ng_result *result;	/* last successful result, or NULL */
	u32 result_gen;			/* bumped when result changes */
	struct work_struct ident_work;

	/*
	 * Instrumentation. Each part owns its pointer and its locking; the
	 * parts are brought in line with the policy by their *_update()
	 * after identification and after a policy load, and stopped in
	 * reverse order when the VM is retired (wtrack, tasks, instr).
	 */
	struct ng_instr *instr;		/* intercept.c, call.c */
	struct ng_tasks *tasks;		/* tasks.c */
	struct ng_wtrack *wtrack;	/* wtrack.c */

	struct rcu_head rcu;
};

int ng_vm_init(void);
void ng_vm_exit(void);

/* Find a VM by id with a reference (ng_vm_put), or NULL. */
struct ng_vm *ng_vm_get_id(u32 id);
void ng_vm_put(struct ng_vm *vm);
u32 ng_vm_count(void);
/* Ask the exit path for a fresh anchor (anchor_seq moves when it comes). */
void ng_vm_want_anchor(struct ng_vm *vm);

/*
 * Call fn for each VM with id >= from, in id order, under the registry
 * lock (fn may sleep briefly but must not call into the registry). Stops
 * at the first non-zero return and returns it; *stopped is that VM's id.
 */
int ng_vm_for_each(u32 from, int (*fn)(struct ng_vm *vm, void *arg),
		   void *arg, u32 *stopped);

/*
 * After identification succeeded and after a policy load: let every
 * detector (tasks, wtrack) start or stop as the policy wants (vm.c).
 */
void ng_vm_update(struct ng_vm *vm);
void ng_vm_update_all(void);

/* ---- identification (ident.c) ---- */

int ng_ident_init(void);
void ng_ident_exit(void);
void ng_ident_work(struct work_struct *work);

/*
 * Queue identification of vm. Returns 0 (queued, or already queued or
 * running) or -errno with a message in extack.
 */
int ng_ident_start(struct ng_vm *vm, bool restart,
		   struct netlink_ext_ack *extack);
/* Stop using guest memory and wait for identification to end. */
void ng_ident_cancel(struct ng_vm *vm);

/*
 * Symbols of the last successful identification (process context, takes
 * ident_lock). ng_sym_addr: the address of the function called name, 0
 * when none; ng_sym_addr_exact: the same, but only for a name given by an
 * exact code hash (evidence NOGAP_EV_HASH or NOGAP_EV_HASH_ORDER).
 * ng_sym_find: the function that contains addr (its start, and its name
 * copied into buf when buf), 0 when none.
 */
u64 ng_sym_addr(struct ng_vm *vm, const char *name);
u64 ng_sym_addr_exact(struct ng_vm *vm, const char *name);
u64 ng_sym_find(struct ng_vm *vm, u64 addr, char *buf, size_t len);

/*
 * Guest memory for the instrumentation parts, from process context
 * (worker or exit path; current->mm must be the VMM's, or the caller
 * borrowed it with kthread_use_mm). Guest-physical, and guest-virtual
 * through the guest's page tables from cr3 (the kernel's half is the same
 * in every process). 0 or -EFAULT. No writer here: kvm_write_guest marks
 * the page dirty for the running vCPU and WARNs without one (dirty ring).
 */
int ng_gpa_read(struct ng_vm *vm, u64 gpa, void *buf, size_t len);
int ng_gva_to_gpa(struct ng_vm *vm, u64 cr3, u64 gva, u64 *gpa);
int ng_gva_read(struct ng_vm *vm, u64 cr3, u64 gva, void *buf, size_t len);

/* ---- the signature DB (db.c) ---- */

struct ng_db {
	struct kref ref;
	struct ng_sigdb db;
	u8 *buf;
	u64 size;
	u32 generation;
};

int ng_db_init(void);
void ng_db_exit(void);
/* The active DB with a reference (ng_db_put), or NULL. */
struct ng_db *ng_db_get(void);
void ng_db_put(struct ng_db *db);

int ng_db_begin(u32 portid, struct net *net, u64 size,
		struct netlink_ext_ack *extack);
int ng_db_chunk(u32 portid, struct net *net, u64 off, const void *data,
		u32 len, const u32 *crc, struct netlink_ext_ack *extack);
int ng_db_commit(u32 portid, struct net *net, struct netlink_ext_ack *extack);
int ng_db_abort(u32 portid, struct net *net, struct netlink_ext_ack *extack);

/* ---- hashing (hash.c) ---- */

extern struct ng_hasher ng_crypto_hasher;
int ng_hash_init(void);
void ng_hash_exit(void);

/* ---- netlink (netlink.c) ---- */

int ng_netlink_init(void);
void ng_netlink_exit(void);

/*
 * Events: ng_event_new builds one (type, sequence number, drop count and,
 * with vm, NOGAP_A_VM_ID/PID) or returns NULL when nobody listens or it
 * cannot (a drop); add attributes, then ng_event_send, or ng_event_cancel
 * (counted as a drop). GFP_ATOMIC where sleeping is not allowed.
 */
struct sk_buff *ng_event_new(u8 type, struct ng_vm *vm, gfp_t gfp,
			     void **hdr);
void ng_event_send(struct sk_buff *skb, void *hdr, gfp_t gfp);
void ng_event_cancel(struct sk_buff *skb);
/* n events were lost before they were built (rate limits, full rings):
 * counted as drops when someone listens. */
void ng_event_dropped(u64 n);
bool ng_event_listened(void);
u64 ng_events_sent(void);
u64 ng_events_dropped(void);

void ng_event_vm(struct ng_vm *vm, u8 type);
void ng_event_identified(struct ng_vm *vm);
void ng_event_sigdb(const struct ng_db *db);

/* ---- instrumentation (intercept.c, call.c) ---- */

/* What a breakpoint hit saw: the vCPU at the function's first byte. */
struct ng_bp_hit {
	u64 rip;
	u64 rsp;
	u64 ret;		/* return address, read at [rsp]; 0 if unread */
	u64 args[6];		/* rdi rsi rdx rcx r8 r9 */
	u64 cr3;
	u32 vcpu;
};

/*
 * A breakpoint's handler: on the vCPU's exit path (preemptible, but keep
 * it short: no guest calls, no breakpoint changes, no long sleeps).
 */
typedef void (*ng_bp_fn)(struct ng_vm *vm, const struct ng_bp_hit *hit,
			 void *ctx);

int ng_instr_init(void);
void ng_instr_exit(void);
/* Remove every breakpoint of vm (bytes restored) and end its calls. */
void ng_instr_stop(struct ng_vm *vm);
int ng_instr_put_status(struct sk_buff *skb);

/*
 * Set a breakpoint at addr (an identified function's first byte) for
 * owner (enum nogap_bp_owner) and tag (a netlink portid for watches, else
 * 0). Sleeps. 0 and *id, or -errno with a message in extack (may be NULL).
 */
int ng_bp_add(struct ng_vm *vm, u64 addr, u8 owner, u32 tag, ng_bp_fn fn,
	      void *ctx, u32 *id, struct netlink_ext_ack *extack);
/* Remove a breakpoint: the original byte is back, fn no longer runs. */
int ng_bp_del(struct ng_vm *vm, u32 id);
void ng_bp_del_owner(struct ng_vm *vm, u8 owner, u32 tag);

/*
 * Run the guest function at func with up to 6 integer arguments at the
 * next safe stop of vm (plain process context in the guest kernel), and
 * wait for its return value; registers are restored afterwards. Sleeps up
 * to timeout_ms. 0, -ETIMEDOUT, -ENOENT (no safe stop could be set up),
 * -EINTR (the VM went away), ...
 */
int ng_call(struct ng_vm *vm, u64 func, const u64 *args, unsigned int nargs,
	    unsigned int timeout_ms, u64 *ret, struct netlink_ext_ack *extack);

/* ---- the guest's processes (tasks.c) ---- */

int ng_tasks_init(void);
void ng_tasks_exit(void);
/* Start or stop hidden-process detection as the policy says. */
void ng_tasks_update(struct ng_vm *vm);
void ng_tasks_stop(struct ng_vm *vm);

/* ---- text write tracking (wtrack.c) ---- */

int ng_wtrack_init(void);
void ng_wtrack_exit(void);
/*
 * Start or stop tracking writes to vm's kernel text as the policy says
 * (after identification and policy loads; queues a worker, idempotent);
 * stop for good (VM retire; sleeps until nothing of it runs).
 */
void ng_wtrack_update(struct ng_vm *vm);
void ng_wtrack_stop(struct ng_vm *vm);
/* Guest writes to tracked kernel text since load (all VMs), and the
 * text-write events lost to the ring or the per-VM rate limit. */
u64 ng_wtrack_count(void);
u64 ng_wtrack_dropped(void);

/* ---- the security policy (policy.c) ---- */

/* struct ng_subject: what an event is about (core/peval.h). */

int ng_policy_init(void);
void ng_policy_exit(void);
/*
 * NOGAP_ACTION_* for an event of type on vm (RCU inside, never sleeps,
 * any context): the first matching rule's, else the built-in default
 * (hidden-process: REPORT|LOG, others: REPORT). A condition on a field
 * the subject lacks (NULL, kthread -1) never holds. KILL is only ever
 * returned for a hidden-process whose s->kthread is 0.
 */
u32 ng_policy_actions(u8 type, u32 vm, const struct ng_subject *s);
/* Whether any rule could act on events of type on vm: run the detector. */
bool ng_policy_wants(u8 type, u32 vm);

/* ---- netlink handlers that live with their parts ---- */

extern const struct nla_policy ng_ps_policy[NOGAP_A_MAX + 1];
extern const struct nla_policy ng_call_policy[NOGAP_A_MAX + 1];
extern const struct nla_policy ng_watch_policy[NOGAP_A_MAX + 1];
extern const struct nla_policy ng_bp_policy[NOGAP_A_MAX + 1];
extern const struct nla_policy ng_policy_set_policy[NOGAP_A_MAX + 1];
extern const struct nla_policy ng_policy_get_policy[NOGAP_A_MAX + 1];
int ng_nl_ps_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ng_nl_ps_done(struct netlink_callback *cb);
int ng_nl_call(struct sk_buff *skb, struct genl_info *info);
int ng_nl_watch(struct sk_buff *skb, struct genl_info *info);
int ng_nl_bp_dump(struct sk_buff *skb, struct netlink_callback *cb);
int ng_nl_policy_set(struct sk_buff *skb, struct genl_info *info);
int ng_nl_policy_get(struct sk_buff *skb, struct netlink_callback *cb);
/* The family, for the parts that build their own replies. */
extern struct genl_family ng_family;
/* A socket that goes away: drop what it owned (watches). */
void ng_instr_release_portid(u32 portid);

#endif /* NG_NOGAP_H */
