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

#endif /* __KERNEL__ */
#endif /* NG_COMPAT_H */
