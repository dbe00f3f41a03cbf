/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl.h - nogapctl's one path to nogap.ko: a generic netlink socket
 * (libnl-genl-3) to the "nogap" family, requests and their replies, and
 * kernel errors with their extended ACK messages.
 *
 *	struct ng_nl nl;
 *	struct nl_msg *m;
 *
 *	if (ng_nl_open(&nl, "status"))
 *		return 1;			// error already printed
 *	m = ng_nl_msg(&nl, NOGAP_CMD_STATUS_GET, 0, 0);
 *	ret = ng_nl_request(&nl, m, on_reply, &state);
 *	if (ret)
 *		ret = ng_nl_fail(&nl, ret);	// "kernel reports: ..."
 *	ng_nl_close(&nl);
 */
#ifndef NG_NL_H
#define NG_NL_H

#include <stdbool.h>
#include <stdio.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/nogap.h>

#include "ng_env.h"

struct ng_nl {
	struct nl_sock *sk;
	struct nl_cb *cb;
	int family;
	const char *cmd;		/* the nogapctl command, for messages */
	/* state of the request in progress */
	bool done;
	bool intr;			/* a dump part had NLM_F_DUMP_INTR */
	int err;			/* negative errno from the kernel */
	char ext_msg[256];		/* its extended ACK message, or "" */
	unsigned int ext_off;		/* its NLMSGERR_ATTR_OFFS: offset of the
				   refused attribute in the request, or 0 */
	int (*fn)(struct nlattr **attrs, void *arg);
	void *arg;
	int fn_err;			/* first error returned by fn */
};

/*
 * Connect and resolve the family. Returns 0, or 1 after printing a one-line
 * error (`nogapctl: CMD: nogap module not loaded (modprobe nogap)`).
 */
int ng_nl_open(struct ng_nl *nl, const char *cmd);
void ng_nl_close(struct ng_nl *nl);

/*
 * A request of the family: cmd, NLM_F_* flags (NLM_F_DUMP for dumps) and
 * room for payload bytes of attributes (0: the default page). NULL when
 * out of memory.
 */
struct nl_msg *ng_nl_msg(struct ng_nl *nl, int cmd, int flags,
			 size_t payload);

/*
 * Send msg (consumed) and read every reply until the ACK or the end of the
 * dump. fn (may be NULL) is called with the top-level attributes of each
 * reply message, indexed by enum nogap_attr; a non-zero return stops
 * calling it and becomes the result. Returns 0, a negative errno from the
 * kernel (nl->ext_msg holds its message) or from fn, or -EAGAIN when a dump
 * was interrupted by a change (NLM_F_DUMP_INTR).
 */
int ng_nl_request(struct ng_nl *nl, struct nl_msg *msg,
		  int (*fn)(struct nlattr **attrs, void *arg), void *arg);

/*
 * Print the failure of a request as one line and return 1:
 * `nogapctl: CMD: kernel reports: MESSAGE` when the kernel gave a message,
 * else `nogapctl: CMD: <strerror>` (with a hint for EPERM).
 */
int ng_nl_fail(struct ng_nl *nl, int err);

/* Parse a nested attribute against the reply policy of its kind. */
/* Types of every attribute of the family's replies and events. */
extern struct nla_policy ng_nl_policy[];
int ng_nl_parse_sym(struct nlattr **tb, struct nlattr *nest);
/* One task (an element of NOGAP_A_TASKS, or NOGAP_A_TASK). */
int ng_nl_parse_task(struct nlattr **tb, struct nlattr *nest);
int ng_nl_parse_kernel(struct nlattr **tb, struct nlattr *nest);

/* Names for the enums of linux/nogap.h ("?" when unknown). */
const char *ng_nl_ident_state(unsigned int s);
const char *ng_nl_vm_state(unsigned int s);
const char *ng_nl_vendor(unsigned int v);
const char *ng_nl_evidence(unsigned int e);
const char *ng_nl_event(unsigned int e);

/*
 * One NOGAP_CMD_EVENT message as `nogapctl monitor` prints it (cmd_online.c):
 * a line of text, or a JSON object (json), on out, flushed. *last_seq is
 * the sequence number of the previous event (0: none); a gap is reported
 * on stderr. 0, or -EBADMSG for a malformed event (reported, not printed).
 */
int ng_monitor_event(FILE *out, bool json, struct nlmsghdr *nlh,
		     unsigned long long *last_seq);
/* The module came (added) or went: "module-added", "module-removed". */
void ng_monitor_module_event(FILE *out, bool json, bool added);

/* What `nogapctl call` prints of a guest call's result (cmd_instr.c). */
struct ng_call_result {
	u32 vm;
	const char *func;		/* as the module names it */
	u64 addr;
	const u64 *args;
	int nargs;
	u64 ret;
	u32 msecs;
};

/*
 * The return value alone as a line of text (negative when it is an errno),
 * or a JSON object, on out. 0, or the error of ng_json_finish().
 */
int ng_call_print(FILE *out, bool json, const struct ng_call_result *r);

/*
 * One NOGAP_CMD_EVENT message as `nogapctl watch` prints it (cmd_instr.c):
 * only a call of breakpoint bp in vm, as `FUNC(ARG, ...) from RET_ADDR vcpu
 * N` or a JSON object, on out, flushed. 1 when printed, 0 for any other
 * event, -EBADMSG for a malformed one (not printed).
 */
int ng_watch_event(FILE *out, bool json, struct nlmsghdr *nlh, u32 vm,
		   u32 bp, const char *func);

/* CRC-32 (IEEE 802.3, zlib's crc32()) of a buffer. */
unsigned int ng_crc32(const void *buf, size_t len);

#endif /* NG_NL_H */
