// SPDX-License-Identifier: GPL-2.0
/*
 * nl.c - nogapctl's generic netlink client for nogap.ko (see nl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "nl.h"
#include "nogapctl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

/*
 * What replies and events may hold: types and sizes are checked before
 * use. One table for every message of the family (an attribute has one
 * type whichever message carries it).
 */
struct nla_policy ng_nl_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = { .type = NLA_U32 },
	[NOGAP_A_VM_PID] = { .type = NLA_U32 },
	[NOGAP_A_VM_VCPUS] = { .type = NLA_U32 },
	[NOGAP_A_VM_STATE] = { .type = NLA_U8 },
	[NOGAP_A_VM_VENDOR] = { .type = NLA_U8 },
	[NOGAP_A_VM_EXITS] = { .type = NLA_U64 },
	[NOGAP_A_ANCHOR_RIP] = { .type = NLA_U64 },
	[NOGAP_A_ANCHOR_CR3] = { .type = NLA_U64 },
	[NOGAP_A_ANCHOR_VCPU] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_STATE] = { .type = NLA_U8 },
	[NOGAP_A_IDENT_ERRNO] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_MSG] = { .type = NLA_STRING },
	[NOGAP_A_IDENT_KERNEL] = { .type = NLA_STRING },
	[NOGAP_A_IDENT_TEXT_START] = { .type = NLA_U64 },
	[NOGAP_A_IDENT_TEXT_SIZE] = { .type = NLA_U64 },
	[NOGAP_A_IDENT_FRAGMENTS] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_MATCHED] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_SYMBOLS] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_HOLES] = { .type = NLA_U32 },
	[NOGAP_A_IDENT_MSECS] = { .type = NLA_U32 },
	[NOGAP_A_SIGDB_SIZE] = { .type = NLA_U64 },
	[NOGAP_A_SIGDB_GENERATION] = { .type = NLA_U32 },
	[NOGAP_A_SIGDB_KERNELS] = { .type = NLA_NESTED },
	[NOGAP_A_SYMBOLS] = { .type = NLA_NESTED },
	[NOGAP_A_STATUS_VERSION] = { .type = NLA_STRING },
	[NOGAP_A_STATUS_EXITS] = { .type = NLA_U64 },
	[NOGAP_A_STATUS_ANCHORS] = { .type = NLA_U64 },
	[NOGAP_A_STATUS_VMS] = { .type = NLA_U32 },
	[NOGAP_A_STATUS_VMS_SEEN] = { .type = NLA_U32 },
	[NOGAP_A_STATUS_IDENT_DONE] = { .type = NLA_U32 },
	[NOGAP_A_STATUS_IDENT_FAILED] = { .type = NLA_U32 },
	[NOGAP_A_STATUS_IDENT_RUNNING] = { .type = NLA_U32 },
	[NOGAP_A_STATUS_SIGDB_LOADED] = { .type = NLA_U8 },
	[NOGAP_A_EVENT_TYPE] = { .type = NLA_U8 },
	[NOGAP_A_EVENT_SEQ] = { .type = NLA_U64 },
	[NOGAP_A_EVENT_DROPS] = { .type = NLA_U64 },
	[NOGAP_A_TASK] = { .type = NLA_NESTED },
	[NOGAP_A_CALL_ARGS] = { .type = NLA_NESTED },
	[NOGAP_A_HIT_VCPU] = { .type = NLA_U32 },
	[NOGAP_A_HIT_RET_ADDR] = { .type = NLA_U64 },
	[NOGAP_A_HIT_RSP] = { .type = NLA_U64 },
	[NOGAP_A_ACTIONS] = { .type = NLA_U32 },
	[NOGAP_A_ACTION_RESULT] = { .type = NLA_U32 },
	[NOGAP_A_WRITE_GPA] = { .type = NLA_U64 },
	[NOGAP_A_WRITE_GVA] = { .type = NLA_U64 },
	[NOGAP_A_WRITE_LEN] = { .type = NLA_U32 },
	[NOGAP_A_WRITER_RIP] = { .type = NLA_U64 },
	[NOGAP_A_WRITER_FUNC] = { .type = NLA_STRING },
	[NOGAP_A_TARGET_FUNC] = { .type = NLA_STRING },
	[NOGAP_A_WRITE_COUNT] = { .type = NLA_U32 },
	[NOGAP_A_WRITER_VIA] = { .type = NLA_STRING },
	[NOGAP_A_POLICY_RULES] = { .type = NLA_NESTED },
	[NOGAP_A_POLICY_GENERATION] = { .type = NLA_U32 },
	[NOGAP_A_POLICY_NAME] = { .type = NLA_STRING },
	[NOGAP_A_POLICY_NRULES] = { .type = NLA_U32 },
	[NOGAP_A_FUNC_NAME] = { .type = NLA_STRING },
	[NOGAP_A_FUNC_ADDR] = { .type = NLA_U64 },
	[NOGAP_A_CALL_RET] = { .type = NLA_U64 },
	[NOGAP_A_CALL_MSECS] = { .type = NLA_U32 },
	[NOGAP_A_BP_ID] = { .type = NLA_U32 },
	[NOGAP_A_BPS] = { .type = NLA_NESTED },
	[NOGAP_A_STATUS_INSTR] = { .type = NLA_NESTED },
};

static struct nla_policy sym_policy[NOGAP_SYM_A_MAX + 1] = {
	[NOGAP_SYM_A_NAME] = { .type = NLA_STRING },
	[NOGAP_SYM_A_ADDR] = { .type = NLA_U64 },
	[NOGAP_SYM_A_SIZE] = { .type = NLA_U32 },
	[NOGAP_SYM_A_EVIDENCE] = { .type = NLA_U8 },
	[NOGAP_SYM_A_CONFIDENCE] = { .type = NLA_U8 },
};

static struct nla_policy kernel_policy[NOGAP_KERNEL_A_MAX + 1] = {
	[NOGAP_KERNEL_A_LABEL] = { .type = NLA_STRING },
	[NOGAP_KERNEL_A_TEXT_SIZE] = { .type = NLA_U64 },
	[NOGAP_KERNEL_A_FRAGMENTS] = { .type = NLA_U32 },
	[NOGAP_KERNEL_A_NAMES] = { .type = NLA_U32 },
};

static struct nla_policy task_policy[NOGAP_TASK_A_MAX + 1] = {
	[NOGAP_TASK_A_ADDR] = { .type = NLA_U64 },
	[NOGAP_TASK_A_PID] = { .type = NLA_U32 },
	[NOGAP_TASK_A_TGID] = { .type = NLA_U32 },
	[NOGAP_TASK_A_PPID] = { .type = NLA_U32 },
	[NOGAP_TASK_A_COMM] = { .type = NLA_STRING },
	[NOGAP_TASK_A_STATE] = { .type = NLA_U32 },
	[NOGAP_TASK_A_KTHREAD] = { .type = NLA_U8 },
	[NOGAP_TASK_A_MM] = { .type = NLA_U64 },
};

int ng_nl_parse_task(struct nlattr **tb, struct nlattr *nest)
{
	return nla_parse_nested(tb, NOGAP_TASK_A_MAX, nest, task_policy);
}

int ng_nl_parse_sym(struct nlattr **tb, struct nlattr *nest)
{
	return nla_parse_nested(tb, NOGAP_SYM_A_MAX, nest, sym_policy);
}

int ng_nl_parse_kernel(struct nlattr **tb, struct nlattr *nest)
{
	return nla_parse_nested(tb, NOGAP_KERNEL_A_MAX, nest, kernel_policy);
}

/* The extended ACK message in the TLVs after an error or done payload. */
static void ext_ack_msg(struct ng_nl *nl, const struct nlmsghdr *nlh,
			size_t payload_off)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	len = (int)nlh->nlmsg_len - (int)payload_off;
	if (payload_off > nlh->nlmsg_len || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + payload_off), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_OFFS] && nla_len(tb[NLMSGERR_ATTR_OFFS]) == 4)
		nl->ext_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%.*s",
			 nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (const char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	/* trim the NUL and anything after it */
	nl->ext_msg[strnlen(nl->ext_msg, sizeof(nl->ext_msg) - 1)] = '\0';
}

static int on_error(struct sockaddr_nl *sa, struct nlmsgerr *e, void *arg)
{
	struct ng_nl *nl = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)e - 1;
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	nl->err = e->error;
	/* without NLM_F_CAPPED the request itself is echoed first */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	ext_ack_msg(nl, nlh, off);
	nl->done = true;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct ng_nl *nl = arg;
	const struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	/* a dump that failed midway ends with its errno in NLMSG_DONE */
	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0) {
			nl->err = err;
			ext_ack_msg(nl, nlh, NLMSG_HDRLEN + sizeof(int));
		}
	}
	nl->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ng_nl *nl = arg;

	nl->done = true;
	return NL_STOP;
}

static int on_intr(struct nl_msg *msg, void *arg)
{
	struct ng_nl *nl = arg;

	nl->intr = true;
	return NL_OK;	/* read on to the end, then report */
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct ng_nl *nl = arg;
	struct nlattr *attrs[NOGAP_A_MAX + 1];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int ret;

	if (nlh->nlmsg_type != nl->family || !nl->fn || nl->fn_err)
		return NL_OK;
	ret = genlmsg_parse(nlh, 0, attrs, NOGAP_A_MAX, ng_nl_policy);
	if (ret < 0) {
		nl->fn_err = -EBADMSG;
		return NL_OK;
	}
	ret = nl->fn(attrs, nl->arg);
	if (ret)
		nl->fn_err = ret;
	return NL_OK;
}

int ng_nl_open(struct ng_nl *nl, const char *cmd)
{
	int one = 1, ret;

	memset(nl, 0, sizeof(*nl));
	nl->cmd = cmd;
	nl->sk = nl_socket_alloc();
	nl->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nl->sk || !nl->cb) {
		ng_nl_close(nl);
		return ng_err(cmd, "out of memory");
	}
	ret = genl_connect(nl->sk);
	if (ret) {
		ng_nl_close(nl);
		return ng_err(cmd, "cannot open a generic netlink socket: %s",
			      nl_geterror(ret));
	}
	nl_socket_enable_msg_peek(nl->sk);
	/* the kernel's messages; no echo of our (large) requests in errors */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, NOGAP_GENL_NAME);
	if (nl->family < 0) {
		ret = nl->family;
		ng_nl_close(nl);
		if (ret == -NLE_OBJ_NOTFOUND)
			return ng_err(cmd, "nogap module not loaded (modprobe nogap)");
		return ng_err(cmd, "cannot find the nogap netlink family: %s",
			      nl_geterror(ret));
	}
	nl_cb_err(nl->cb, NL_CB_CUSTOM, on_error, nl);
	nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, nl);
	nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, nl);
	nl_cb_set(nl->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_intr, nl);
	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, nl);
	return 0;
}

void ng_nl_close(struct ng_nl *nl)
{
	if (nl->cb)
		nl_cb_put(nl->cb);
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->cb = NULL;
	nl->sk = NULL;
}

struct nl_msg *ng_nl_msg(struct ng_nl *nl, int cmd, int flags,
			 size_t payload)
{
	struct nl_msg *msg;

	msg = payload ? nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN +
					 payload + 64) : nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags, cmd, NOGAP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int ng_nl_request(struct ng_nl *nl, struct nl_msg *msg,
		  int (*fn)(struct nlattr **attrs, void *arg), void *arg)
{
	int ret;

	if (!msg)
		return -ENOMEM;
	nl->done = false;
	nl->intr = false;
	nl->err = 0;
	nl->ext_msg[0] = '\0';
	nl->ext_off = 0;
	nl->fn = fn;
	nl->arg = arg;
	nl->fn_err = 0;

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return errno ? -errno : -EIO;
	while (!nl->done) {
		ret = nl_recvmsgs(nl->sk, nl->cb);
		if (nl->done)
			break;
		if (ret < 0) {
			snprintf(nl->ext_msg, sizeof(nl->ext_msg),
				 "receiving: %s", nl_geterror(ret));
			return -EIO;
		}
	}
	if (nl->err)
		return nl->err;
	if (nl->fn_err)
		return nl->fn_err;
	return nl->intr ? -EAGAIN : 0;
}

int ng_nl_fail(struct ng_nl *nl, int err)
{
	if (err < 0)
		err = -err;
	if (nl->ext_msg[0])
		return ng_err(nl->cmd, "kernel reports: %s (%s)", nl->ext_msg,
			      strerror(err));
	if (err == EPERM)
		return ng_err(nl->cmd, "%s (CAP_NET_ADMIN is needed)",
			      strerror(err));
	return ng_err(nl->cmd, "%s", strerror(err));
}

/* ---- names ---- */

const char *ng_nl_ident_state(unsigned int s)
{
	static const char *const n[] = {
		[NOGAP_IDENT_NONE] = "none",
		[NOGAP_IDENT_QUEUED] = "queued",
		[NOGAP_IDENT_RUNNING] = "running",
		[NOGAP_IDENT_DONE] = "done",
		[NOGAP_IDENT_FAILED] = "failed",
	};

	return s < sizeof(n) / sizeof(n[0]) && n[s] ? n[s] : "?";
}

const char *ng_nl_vm_state(unsigned int s)
{
	switch (s) {
	case NOGAP_VM_RUNNING:
		return "running";
	case NOGAP_VM_EXITING:
		return "exiting";
	default:
		return "?";
	}
}

const char *ng_nl_vendor(unsigned int v)
{
	switch (v) {
	case NOGAP_VENDOR_SVM:
		return "svm";
	case NOGAP_VENDOR_VMX:
		return "vmx";
	default:
		return "unknown";
	}
}

const char *ng_nl_evidence(unsigned int e)
{
	static const char *const n[] = {
		[NOGAP_EV_NONE] = "none",
		[NOGAP_EV_HASH] = "hash",
		[NOGAP_EV_HASH_ORDER] = "hash+order",
		[NOGAP_EV_CALLGRAPH] = "callgraph",
		[NOGAP_EV_LOOSE] = "loose",
		[NOGAP_EV_LOOSE_ORDER] = "loose+order",
		[NOGAP_EV_ORDER] = "order",
	};

	return e < sizeof(n) / sizeof(n[0]) && n[e] ? n[e] : "?";
}

const char *ng_nl_event(unsigned int e)
{
	switch (e) {
	case NOGAP_EVENT_VM_ADDED:
		return "vm-added";
	case NOGAP_EVENT_VM_REMOVED:
		return "vm-removed";
	case NOGAP_EVENT_IDENTIFY_DONE:
		return "identify-done";
	case NOGAP_EVENT_SIGDB_LOADED:
		return "sigdb-loaded";
	case NOGAP_EVENT_HIDDEN_PROCESS:
		return "hidden-process";
	case NOGAP_EVENT_KILL:
		return "kill";
	case NOGAP_EVENT_TEXT_WRITE:
		return "text-write";
	case NOGAP_EVENT_CALL:
		return "call";
	case NOGAP_EVENT_POLICY_LOADED:
		return "policy-loaded";
	default:
		return "unknown";
	}
}

/* ---- CRC-32 ---- */

unsigned int ng_crc32(const void *buf, size_t len)
{
	static unsigned int table[256];
	const unsigned char *p = buf;
	unsigned int crc = 0xffffffffu;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			unsigned int c = (unsigned int)i;
			int k;

			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	}
	for (i = 0; i < len; i++)
		crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return crc ^ 0xffffffffu;
}
