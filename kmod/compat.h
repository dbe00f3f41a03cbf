/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every difference between the kernels nogap.ko builds for, in
 * one place. Force-included into each object by Kbuild. Each shim is named
 * after the capability it stands for, never after a version number; the
 * version tests below only decide whether a capability is there.
 *
 * Built and checked against Debian 12's 6.1 and 6.12 kernels.
 */
#ifndef NG_COMPAT_H
#define NG_COMPAT_H

#ifdef __KERNEL__

/* Every message of the module, engine included, starts with "nogap: ". */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>

/*
 * Formatted extended ACK messages (NL_SET_ERR_MSG_FMT, 6.2+). Without
 * them the fixed fallback message is used.
 */
#include <linux/netlink.h>
#ifdef NETLINK_MAX_FMTMSG_LEN
#define NG_SET_ERR_MSG_FMT(extack, fallback, fmt, args...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##args)
#else
#define NG_SET_ERR_MSG_FMT(extack, fallback, fmt, args...) \
	NL_SET_ERR_MSG(extack, fallback)
#endif

/*
 * The parsed attributes of a dump request: struct genl_dumpit_info gained
 * a whole struct genl_info in 6.2 (genl_info_dump()); before, it had an
 * attrs pointer of its own.
 */
#include <net/genetlink.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
#define NG_HAVE_GENL_DUMPIT_INFO_INFO 1
#endif

static inline struct nlattr **ng_dump_attrs(struct netlink_callback *cb)
{
#ifdef NG_HAVE_GENL_DUMPIT_INFO_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Capability checks on joining a multicast group (6.7+, and backported to
 * Debian's 6.1). Without them, anyone may listen to the events group:
 * events carry ids and counters, never guest data.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#define GENL_MCAST_CAP_NET_ADMIN	0
#endif

/*
 * Guest page write tracking (arch/x86/kvm/mmu/page_track.c), reworked in
 * 6.6. Before: kvm_slot_page_track_add_page/remove_page on a memslot the
 * caller looked up, holding kvm->srcu and kvm->mmu_lock for write; the
 * write callback gets the writing vCPU; a track_flush_slot hook when a
 * memslot is moved or deleted; register cannot fail. Since: gfn-based
 * kvm_write_track_add_gfn/remove_gfn that take the locks themselves; the
 * write callback has no vCPU (the writer is kvm_get_running_vcpu(), the
 * callback runs on its thread); a track_remove_region hook; register
 * returns an error unless current->mm is the VM's, and holds a reference
 * to the VM until unregister.
 *
 * wtrack.c writes its callbacks with NG_TRACK_WRITE_FN(name) (the vCPU is
 * NG_TRACK_WRITE_VCPU inside, gpa/bytes/node by those names) and
 * NG_TRACK_REMOVE_FN(name) (NG_TRACK_REMOVE_BASE/NPAGES inside, node),
 * installs the second as NG_TRACK_REMOVE_HOOK, and calls
 * ng_track_register() (0 or -errno), ng_track_add_gfn() and
 * ng_track_remove_gfn() (0 or -EINVAL: no memslot) with kvm->srcu held;
 * before 6.6 the last two are wtrack.c's ng_track_slot_gfn().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define NG_HAVE_WRITE_TRACK_GFN 1
#endif

#ifdef NG_HAVE_WRITE_TRACK_GFN
#define NG_TRACK_WRITE_FN(name)						\
	void name(gpa_t gpa, const u8 *new, int bytes,			\
		  struct kvm_page_track_notifier_node *node)
#define NG_TRACK_WRITE_VCPU		kvm_get_running_vcpu()
#define NG_TRACK_REMOVE_FN(name)					\
	void name(gfn_t ng_rm_base, unsigned long ng_rm_npages,		\
		  struct kvm_page_track_notifier_node *node)
#define NG_TRACK_REMOVE_BASE		ng_rm_base
#define NG_TRACK_REMOVE_NPAGES		ng_rm_npages
#define NG_TRACK_REMOVE_HOOK		track_remove_region
#define ng_track_register(kvm, n)	kvm_page_track_register_notifier(kvm, n)
#define ng_track_add_gfn(kvm, gfn)	kvm_write_track_add_gfn(kvm, gfn)
#define ng_track_remove_gfn(kvm, gfn)	kvm_write_track_remove_gfn(kvm, gfn)
/* register took a VM reference of its own (see wtrack.c) */
#define NG_TRACK_REGISTER_GETS_KVM	1
#else
#define NG_TRACK_WRITE_FN(name)						\
	void name(struct kvm_vcpu *ng_wr_vcpu, gpa_t gpa, const u8 *new,	\
		  int bytes, struct kvm_page_track_notifier_node *node)
#define NG_TRACK_WRITE_VCPU		ng_wr_vcpu
#define NG_TRACK_REMOVE_FN(name)					\
	void name(struct kvm *ng_rm_kvm, struct kvm_memory_slot *ng_rm_slot, \
		  struct kvm_page_track_notifier_node *node)
#define NG_TRACK_REMOVE_BASE		ng_rm_slot->base_gfn
#define NG_TRACK_REMOVE_NPAGES		ng_rm_slot->npages
#define NG_TRACK_REMOVE_HOOK		track_flush_slot
#define ng_track_register(kvm, n)					\
	({ kvm_page_track_register_notifier(kvm, n); 0; })
#define ng_track_add_gfn(kvm, gfn)	ng_track_slot_gfn(kvm, gfn, true)
#define ng_track_remove_gfn(kvm, gfn)	ng_track_slot_gfn(kvm, gfn, false)
#endif

#endif /* __KERNEL__ */
#endif /* NG_COMPAT_H */
