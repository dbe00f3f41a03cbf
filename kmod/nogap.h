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

#include "core/fragment.h"
#include "core/sigdb.h"

#define NG_VERSION	"0.1.0"

struct kvm;
struct kvm_vcpu;

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

/* ---- identification results (ident.c) ---- */

struct ng_sym {
	u64 addr;
	u32 size;
	u32 name;		/* offset in ng_result.names */
	u8 evidence;		/* enum nogap_evidence */
	u8 confidence;
};

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

void ng_event_vm(struct ng_vm *vm, u8 type);
void ng_event_identified(struct ng_vm *vm);
void ng_event_sigdb(const struct ng_db *db);

#endif /* NG_NOGAP_H */
