// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz - malformed requests to the "nogap" generic netlink family, for
 * the lab (run in L1 as root, with nogap.ko loaded).
 *
 *   nlfuzz [-v] [DB]       DB defaults to $LAB_DB; $LAB_VMID (optional) is
 *                          a VM id the module watches
 *
 * It loads DB first (chunked upload, the way nogapctl does) and notes what
 * STATUS says about it. Then every case below must be refused with an
 * error, and (but for an unknown command, which the generic netlink core
 * refuses by itself) with an extended ACK message: wrong attribute types
 * and lengths, attributes a command does not take, missing and oversized
 * attributes, unknown commands, a non-zero reserved header byte, chunks
 * out of order, beyond the declared size or with a bad CRC, commits of
 * incomplete uploads and of DBs with a bad checksum or magic, an upload
 * hijacked from another socket; then a few thousand random requests. At
 * the end the module must still answer STATUS and the DB loaded first must
 * still be the active one (same size, kernels and generation).
 *
 * Prints a line per failure and per group of cases (a line per case with
 * -v or NLFUZZ_VERBOSE=1) and, last, `nlfuzz: PASS` or `nlfuzz: FAIL
 * <what>`; exit status 0 only with PASS. Raw netlink, no libnl: it needs
 * nothing but libc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/nogap.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

#define BUF_MAX		(NOGAP_SIGDB_CHUNK_MAX + 8192)
#define RANDOM_CASES	3000

struct sock {
	int fd;
	uint32_t seq;
	int family;
};

struct reply {
	int err;		/* negative errno, 0: success */
	char msg[256];		/* extended ACK message */
	/* STATUS: what the tests compare */
	bool got_status;
	bool db_loaded;
	uint64_t db_size;
	uint32_t db_gen;
	int db_kernels;
};

static int failures, passed;
static char first_failure[256];
static bool verbose;		/* -v or NLFUZZ_VERBOSE=1: a line per case */

static void failf(const char *fmt, ...)
{
	va_list ap;
	char buf[256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("nlfuzz: fail %s\n", buf);
	if (!failures++)
		snprintf(first_failure, sizeof(first_failure), "%s", buf);
}

/* ---- messages ---- */

struct msg {
	union {
		struct nlmsghdr nlh;
		char buf[BUF_MAX];
	};
};

static void msg_init(struct msg *m, int type, int flags, uint8_t cmd,
		     uint8_t version, uint16_t reserved)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nlh.nlmsg_type = (uint16_t)type;
	m->nlh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	g->reserved = reserved;
}

/* An attribute with any type and payload; nla_len may lie (fake_len). */
static void put_raw(struct msg *m, uint16_t type, const void *data,
		    size_t len, int fake_len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nlh.nlmsg_len));
	size_t total = NLA_HDRLEN + len;

	if (NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(total) > sizeof(m->buf)) {
		fprintf(stderr, "nlfuzz: internal: message too big\n");
		exit(2);
	}
	a->nla_type = type;
	a->nla_len = fake_len >= 0 ? (uint16_t)fake_len : (uint16_t)total;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + total, 0, NLA_ALIGN(total) - total);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(total);
}

static void put(struct msg *m, uint16_t type, const void *data, size_t len)
{
	put_raw(m, type, data, len, -1);
}

static void put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	put(m, type, &v, 1);
}

static void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put(m, type, &v, 4);
}

static void put_u64(struct msg *m, uint16_t type, uint64_t v)
{
	put(m, type, &v, 8);
}

static void put_str(struct msg *m, uint16_t type, const char *s)
{
	put(m, type, s, strlen(s) + 1);
}

/* ---- socket ---- */

static int sock_open(struct sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 30 };
	int one = 1;

	memset(s, 0, sizeof(*s));
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	s->seq = (uint32_t)time(NULL);
	return 0;
}

/* Step over attribute a within rem bytes; the bytes left. */
static size_t attr_skip(const struct nlattr **a, size_t rem)
{
	size_t step = NLA_ALIGN((size_t)(*a)->nla_len);

	if (step > rem)
		step = rem;
	*a = (const struct nlattr *)((const char *)*a + step);
	return rem - step;
}

static void ext_ack(struct reply *r, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;
	size_t rem;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= nlh->nlmsg_len)
		return;
	rem = nlh->nlmsg_len - off;
	a = (const struct nlattr *)((const char *)nlh + off);
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
			snprintf(r->msg, sizeof(r->msg), "%.*s",
				 (int)(a->nla_len - NLA_HDRLEN),
				 (const char *)a + NLA_HDRLEN);
		rem = attr_skip(&a, rem);
	}
}

/* STATUS_GET reply: the DB's size, generation and kernel count. */
static void parse_status(struct reply *r, const struct nlmsghdr *nlh)
{
	const struct nlattr *a, *k;
	size_t rem, krem;

	r->got_status = true;
	a = (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= rem) {
		const void *d = (const char *)a + NLA_HDRLEN;
		int len = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case NOGAP_A_STATUS_SIGDB_LOADED:
			if (len >= 1)
				r->db_loaded = *(const uint8_t *)d;
			break;
		case NOGAP_A_SIGDB_SIZE:
			if (len >= 8)
				memcpy(&r->db_size, d, 8);
			break;
		case NOGAP_A_SIGDB_GENERATION:
			if (len >= 4)
				memcpy(&r->db_gen, d, 4);
			break;
		case NOGAP_A_SIGDB_KERNELS:
			k = d;
			krem = (size_t)len;
			while (krem >= NLA_HDRLEN && k->nla_len >= NLA_HDRLEN &&
			       k->nla_len <= krem) {
				r->db_kernels++;
				krem = attr_skip(&k, krem);
			}
			break;
		}
		rem = attr_skip(&a, rem);
	}
}

/*
 * Send m and read replies until the ACK, the error or the end of a dump.
 * Returns 0 when the exchange completed (result in *r), -errno on socket
 * trouble.
 */
static int transact(struct sock *s, struct msg *m, struct reply *r)
{
	static char buf[1 << 17];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	uint32_t seq = ++s->seq;

	memset(r, 0, sizeof(*r));
	m->nlh.nlmsg_seq = seq;
	m->nlh.nlmsg_pid = 0;
	if (sendto(s->fd, m->buf, m->nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh;
		size_t left;

		if (n < 0)
			return -errno;
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* a late reply to an earlier case */
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);
				size_t off = NLMSG_HDRLEN + sizeof(*e);

				if (nlh->nlmsg_len < off)
					return -EBADMSG;
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
					off += NLMSG_ALIGN(e->msg.nlmsg_len -
							   sizeof(e->msg));
				r->err = e->error;
				ext_ack(r, nlh, off);
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					memcpy(&err, NLMSG_DATA(nlh), sizeof(int));
				r->err = err < 0 ? err : 0;
				ext_ack(r, nlh, NLMSG_HDRLEN + sizeof(int));
				return 0;
			}
			if (nlh->nlmsg_type == s->family &&
			    nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
				const struct genlmsghdr *g = NLMSG_DATA(nlh);

				if (g->cmd == NOGAP_CMD_STATUS_GET ||
				    g->cmd == NOGAP_CMD_SIGDB_LOAD)
					parse_status(r, nlh);
			}
		}
	}
}

static int resolve_family(struct sock *s)
{
	static char buf[8192];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct msg *m = calloc(1, sizeof(*m));
	struct nlmsghdr *nlh;
	ssize_t n;
	size_t left;
	int family = -ENOENT;

	if (!m)
		return -ENOMEM;
	msg_init(m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, 0);
	put_str(m, CTRL_ATTR_FAMILY_NAME, NOGAP_GENL_NAME);
	m->nlh.nlmsg_seq = ++s->seq;
	if (sendto(s->fd, m->buf, m->nlh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		free(m);
		return -errno;
	}
	free(m);
	for (;;) {
		n = recv(s->fd, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		left = (size_t)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, left);
		     nlh = NLMSG_NEXT(nlh, left)) {
			const struct nlattr *a;
			size_t rem;

			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (e->error)
					return e->error;
				return family;	/* the ACK ends it */
			}
			if (nlh->nlmsg_type != GENL_ID_CTRL)
				continue;
			a = (const struct nlattr *)((const char *)nlh +
						    NLMSG_HDRLEN + GENL_HDRLEN);
			rem = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
			       a->nla_len <= rem) {
				if ((a->nla_type & NLA_TYPE_MASK) ==
				    CTRL_ATTR_FAMILY_ID && a->nla_len >= 6)
					family = *(const uint16_t *)
						((const char *)a + NLA_HDRLEN);
				rem = attr_skip(&a, rem);
			}
		}
	}
}

/* ---- helpers over the family ---- */

static struct sock S, S2;
static struct msg M;

static void req(struct sock *s, uint8_t cmd, int flags)
{
	msg_init(&M, s->family, flags, cmd, NOGAP_GENL_VERSION, 0);
}

static int must_transact(struct sock *s, struct reply *r, const char *what)
{
	int ret = transact(s, &M, r);

	if (ret) {
		failf("%s: netlink exchange failed: %s", what, strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * The request in M must be refused: an error, with an extended ACK message
 * unless msg_optional. want_err (0: any) is the errno expected.
 */
static void expect_refused(struct sock *s, const char *what, int want_err,
			   bool msg_optional)
{
	struct reply r;

	if (must_transact(s, &r, what))
		return;
	if (r.err >= 0) {
		failf("%s: accepted", what);
		return;
	}
	if (want_err && r.err != -want_err) {
		failf("%s: %s, expected %s", what, strerror(-r.err),
		      strerror(want_err));
		return;
	}
	if (!r.msg[0] && !msg_optional) {
		failf("%s: %s without an extack message", what,
		      strerror(-r.err));
		return;
	}
	passed++;
	if (verbose)
		printf("nlfuzz: ok %s: %s%s%s%s\n", what, strerror(-r.err),
		       r.msg[0] ? ": \"" : "", r.msg, r.msg[0] ? "\"" : "");
}

/* The request in M must succeed. */
static void expect_accepted(struct sock *s, const char *what)
{
	struct reply r;

	if (must_transact(s, &r, what))
		return;
	if (r.err < 0) {
		failf("%s: refused: %s%s%s", what, strerror(-r.err),
		      r.msg[0] ? ": " : "", r.msg);
		return;
	}
	passed++;
	if (verbose)
		printf("nlfuzz: ok %s: accepted\n", what);
}

static int status(struct sock *s, struct reply *r)
{
	req(s, NOGAP_CMD_STATUS_GET, 0);
	if (must_transact(s, r, "status"))
		return -1;
	if (r->err || !r->got_status) {
		failf("status: %s", r->err ? strerror(-r->err) : "no reply");
		return -1;
	}
	return 0;
}

static void sigdb_begin(struct sock *s, uint64_t size)
{
	req(s, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u8(&M, NOGAP_A_SIGDB_OP, NOGAP_SIGDB_BEGIN);
	put_u64(&M, NOGAP_A_SIGDB_SIZE, size);
}

static uint32_t crc32_ieee(const void *buf, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;
	size_t i;

	if (!table[1]) {
		for (i = 0; i < 256; i++) {
			uint32_t c = (uint32_t)i;
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

static void sigdb_chunk(struct sock *s, uint64_t off, const void *data,
			size_t len, bool crc, uint32_t crc_xor)
{
	req(s, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u8(&M, NOGAP_A_SIGDB_OP, NOGAP_SIGDB_CHUNK);
	put_u64(&M, NOGAP_A_SIGDB_OFFSET, off);
	put(&M, NOGAP_A_SIGDB_DATA, data, len);
	if (crc)
		put_u32(&M, NOGAP_A_SIGDB_CRC32, crc32_ieee(data, len) ^ crc_xor);
}

static void sigdb_simple(struct sock *s, uint8_t op)
{
	req(s, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u8(&M, NOGAP_A_SIGDB_OP, op);
}

/* Upload buf entirely; 0 when every step was accepted. */
static int upload(struct sock *s, const uint8_t *buf, size_t len,
		  const char *what)
{
	struct reply r;
	size_t off;

	sigdb_begin(s, len);
	if (must_transact(s, &r, what))
		return -1;
	if (r.err) {
		failf("%s: begin refused: %s %s", what, strerror(-r.err), r.msg);
		return -1;
	}
	for (off = 0; off < len; off += NOGAP_SIGDB_CHUNK_MAX) {
		size_t n = len - off < NOGAP_SIGDB_CHUNK_MAX ?
			len - off : NOGAP_SIGDB_CHUNK_MAX;

		sigdb_chunk(s, off, buf + off, n, true, 0);
		if (must_transact(s, &r, what))
			return -1;
		if (r.err) {
			failf("%s: chunk at %zu refused: %s %s", what, off,
			      strerror(-r.err), r.msg);
			return -1;
		}
	}
	return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > NOGAP_SIGDB_MAX_SIZE) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = malloc((size_t)st.st_size);
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* ---- the cases ---- */

static void cases_policy(uint32_t vmid)
{
	static char big[NOGAP_SIGDB_CHUNK_MAX + 16];
	char filter[NOGAP_SYM_FILTER_MAX + 64];
	uint32_t v32 = 1;

	req(&S, 99, 0);
	expect_refused(&S, "unknown command 99", EOPNOTSUPP, true);
	req(&S, NOGAP_CMD_EVENT, 0);
	expect_refused(&S, "event command sent to the kernel", EOPNOTSUPP, true);
	req(&S, NOGAP_CMD_UNSPEC, 0);
	expect_refused(&S, "command 0", EOPNOTSUPP, true);

	msg_init(&M, S.family, 0, NOGAP_CMD_STATUS_GET, NOGAP_GENL_VERSION, 7);
	expect_refused(&S, "non-zero reserved genl header", EINVAL, false);

	req(&S, NOGAP_CMD_STATUS_GET, 0);
	put_u32(&M, NOGAP_A_VM_ID, 1);
	expect_refused(&S, "status with an attribute it does not take", EINVAL, false);

	req(&S, NOGAP_CMD_STATUS_GET, 0);
	put_u32(&M, NOGAP_A_MAX + 7, 1);
	expect_refused(&S, "unknown attribute type", EINVAL, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	expect_refused(&S, "vm get without vm id", EINVAL, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_u8(&M, NOGAP_A_VM_ID, 1);
	expect_refused(&S, "vm id as u8", EINVAL, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_u64(&M, NOGAP_A_VM_ID, 1);
	expect_refused(&S, "vm id as u64", EINVAL, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_u32(&M, NOGAP_A_VM_ID, 0);
	expect_refused(&S, "vm id 0", ERANGE, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_u32(&M, NOGAP_A_VM_ID, 0xfffffff0u);
	expect_refused(&S, "vm get of a vm that does not exist", ENOENT, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_raw(&M, NOGAP_A_VM_ID, &v32, 4, 200);
	expect_refused(&S, "attribute longer than the message", EINVAL, false);

	req(&S, NOGAP_CMD_VM_GET, 0);
	put_raw(&M, NOGAP_A_VM_ID, &v32, 4, 2);
	expect_refused(&S, "attribute shorter than its header", EINVAL, false);

	req(&S, NOGAP_CMD_IDENTIFY, 0);
	expect_refused(&S, "identify without vm id", EINVAL, false);

	req(&S, NOGAP_CMD_IDENTIFY, 0);
	put_str(&M, NOGAP_A_VM_ID, "1");
	expect_refused(&S, "identify with vm id as a string", EINVAL, false);

	req(&S, NOGAP_CMD_IDENTIFY, 0);
	put_u32(&M, NOGAP_A_VM_ID, 0xfffffff0u);
	put_u32(&M, NOGAP_A_IDENT_FLAGS, NOGAP_IDENTIFY_F_QUERY);
	expect_refused(&S, "identify a vm that does not exist", ENOENT, false);

	req(&S, NOGAP_CMD_IDENTIFY, 0);
	put_u32(&M, NOGAP_A_VM_ID, vmid ? vmid : 1);
	put_u32(&M, NOGAP_A_IDENT_FLAGS, 0x80000000u);
	expect_refused(&S, "identify with unknown flags", EINVAL, false);

	req(&S, NOGAP_CMD_IDENTIFY, 0);
	put_u32(&M, NOGAP_A_VM_ID, vmid ? vmid : 1);
	put_u64(&M, NOGAP_A_SIGDB_SIZE, 4096);
	expect_refused(&S, "identify with a sigdb attribute", EINVAL, false);

	req(&S, NOGAP_CMD_SYMBOLS_GET, NLM_F_DUMP);
	expect_refused(&S, "symbols without vm id", EINVAL, false);

	req(&S, NOGAP_CMD_SYMBOLS_GET, NLM_F_DUMP);
	put_u32(&M, NOGAP_A_VM_ID, 0xfffffff0u);
	expect_refused(&S, "symbols of a vm that does not exist", ENOENT, false);

	memset(filter, 'a', sizeof(filter));
	filter[sizeof(filter) - 1] = '\0';
	req(&S, NOGAP_CMD_SYMBOLS_GET, NLM_F_DUMP);
	put_u32(&M, NOGAP_A_VM_ID, vmid ? vmid : 1);
	put_str(&M, NOGAP_A_SYM_FILTER, filter);
	expect_refused(&S, "oversized symbol filter", EINVAL, false);

	req(&S, NOGAP_CMD_SYMBOLS_GET, NLM_F_DUMP);
	put_u32(&M, NOGAP_A_VM_ID, vmid ? vmid : 1);
	put(&M, NOGAP_A_SYM_FILTER, "abc", 3);
	expect_refused(&S, "symbol filter without its NUL", EINVAL, false);

	req(&S, NOGAP_CMD_SIGDB_LOAD, 0);
	expect_refused(&S, "sigdb load without operation", EINVAL, false);

	sigdb_simple(&S, 99);
	expect_refused(&S, "sigdb load with operation 99", ERANGE, false);

	req(&S, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u32(&M, NOGAP_A_SIGDB_OP, NOGAP_SIGDB_BEGIN);
	expect_refused(&S, "sigdb operation as u32", EINVAL, false);

	sigdb_simple(&S, NOGAP_SIGDB_BEGIN);
	expect_refused(&S, "sigdb begin without size", EINVAL, false);

	sigdb_begin(&S, (uint64_t)NOGAP_SIGDB_MAX_SIZE + 1);
	expect_refused(&S, "sigdb begin beyond the size limit", ERANGE, false);

	sigdb_begin(&S, 10);
	expect_refused(&S, "sigdb begin too small", ERANGE, false);

	sigdb_begin(&S, ~0ull);
	expect_refused(&S, "sigdb begin of 2^64-1 bytes", ERANGE, false);

	memset(big, 0x5a, sizeof(big));
	sigdb_begin(&S, 1 << 20);
	expect_accepted(&S, "sigdb begin of 1 MiB");
	req(&S, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u8(&M, NOGAP_A_SIGDB_OP, NOGAP_SIGDB_CHUNK);
	put_u64(&M, NOGAP_A_SIGDB_OFFSET, 0);
	put(&M, NOGAP_A_SIGDB_DATA, big, NOGAP_SIGDB_CHUNK_MAX + 1);
	expect_refused(&S, "oversized chunk", 0, false);

	sigdb_simple(&S, NOGAP_SIGDB_ABORT);
	expect_accepted(&S, "sigdb abort");
}

/* The chunk protocol; db is the good DB (len bytes). */
static void cases_upload(const uint8_t *db, size_t len)
{
	uint8_t *bad;
	struct reply r;

	sigdb_chunk(&S, 0, db, 64, true, 0);
	expect_refused(&S, "chunk without an upload", ENOENT, false);

	sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
	expect_refused(&S, "commit without an upload", ENOENT, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S, 100, db + 100, 64, true, 0);
	expect_refused(&S, "chunk out of order (a gap)", EINVAL, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S, 0, db, 128, true, 0);
	expect_accepted(&S, "first chunk");
	sigdb_chunk(&S, 0, db, 128, true, 0);
	expect_refused(&S, "chunk out of order (sent twice)", EINVAL, false);

	sigdb_begin(&S, 100);
	expect_accepted(&S, "sigdb begin of 100 bytes");
	sigdb_chunk(&S, 0, db, 200, true, 0);
	expect_refused(&S, "chunk beyond the declared size", EINVAL, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S, 0, db, 4096, true, 0x10);
	expect_refused(&S, "chunk with a bad crc32 (corrupt chunk)", EINVAL, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S, 0, db, 0, false, 0);
	expect_refused(&S, "empty chunk", EINVAL, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	req(&S, NOGAP_CMD_SIGDB_LOAD, 0);
	put_u8(&M, NOGAP_A_SIGDB_OP, NOGAP_SIGDB_CHUNK);
	put(&M, NOGAP_A_SIGDB_DATA, db, 64);
	expect_refused(&S, "chunk without offset", EINVAL, false);

	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S, 0, db, 4096, true, 0);
	expect_accepted(&S, "first chunk");
	sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
	expect_refused(&S, "commit of an incomplete upload", EINVAL, false);

	/* an upload belongs to the socket that began it */
	sigdb_begin(&S, len);
	expect_accepted(&S, "sigdb begin");
	sigdb_chunk(&S2, 0, db, 4096, true, 0);
	expect_refused(&S2, "chunk from another socket", EBUSY, false);
	sigdb_simple(&S2, NOGAP_SIGDB_COMMIT);
	expect_refused(&S2, "commit from another socket", EBUSY, false);
	sigdb_simple(&S, NOGAP_SIGDB_ABORT);
	expect_accepted(&S, "sigdb abort");

	bad = malloc(len);
	if (!bad) {
		failf("out of memory");
		return;
	}
	/* a byte of the body flipped, the chunks' own CRCs right */
	memcpy(bad, db, len);
	bad[len / 2] ^= 0x55;
	if (!upload(&S, bad, len, "upload of a corrupt db")) {
		sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
		expect_refused(&S, "commit of a db with a bad checksum", EINVAL, false);
	}
	/* the header's magic wrong */
	memcpy(bad, db, len);
	bad[0] ^= 0xff;
	if (!upload(&S, bad, len, "upload of a db with a bad magic")) {
		sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
		expect_refused(&S, "commit of a db with a bad magic", EINVAL, false);
	}
	/* the header's size field disagrees with the upload */
	memcpy(bad, db, len);
	bad[16] ^= 0x01;
	if (!upload(&S, bad, len, "upload of a db with a bad size field")) {
		sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
		expect_refused(&S, "commit of a db with a wrong size field", EINVAL, false);
	}
	/* a truncated db */
	if (len > 4096 && !upload(&S, db, len - 4096, "upload of a truncated db")) {
		sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
		expect_refused(&S, "commit of a truncated db", EINVAL, false);
	}
	free(bad);

	/* after all that, a commit has nothing left to commit */
	sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
	expect_refused(&S, "commit after a refused commit", ENOENT, false);
	(void)r;
}

/* Random attributes of random types and lengths for every command. */
static void cases_random(uint32_t vmid)
{
	static const uint8_t cmds[] = {
		NOGAP_CMD_STATUS_GET, NOGAP_CMD_VM_GET, NOGAP_CMD_SIGDB_LOAD,
		NOGAP_CMD_IDENTIFY, NOGAP_CMD_SYMBOLS_GET, NOGAP_CMD_EVENT,
	};
	uint8_t data[512];
	struct reply r;
	int i, k, refused = 0, accepted = 0;

	for (i = 0; i < RANDOM_CASES; i++) {
		uint8_t cmd = cmds[rnd() % sizeof(cmds)];
		int nattr = (int)(rnd() % 5);

		req(&S, cmd, (cmd == NOGAP_CMD_SYMBOLS_GET ||
			      (cmd == NOGAP_CMD_VM_GET && rnd() % 2)) ?
		    NLM_F_DUMP : 0);
		for (k = 0; k < nattr; k++) {
			uint16_t type = (uint16_t)(rnd() % (NOGAP_A_MAX + 4));
			size_t len = (size_t)(rnd() % 3 ? rnd() % 13 : rnd() % sizeof(data));
			size_t b;

			for (b = 0; b < len; b++)
				data[b] = (uint8_t)rnd();
			/* never a valid begin of a big upload, nor a real identify */
			if (type == NOGAP_A_SIGDB_OP && len == 1)
				data[0] = (uint8_t)(NOGAP_SIGDB_OP_MAX + 1 + rnd() % 8);
			if (type == NOGAP_A_VM_ID && len == 4 && vmid)
				memcpy(data, &(uint32_t){ 0xfffffff0u }, 4);
			put(&M, type, data, len);
		}
		if (transact(&S, &M, &r)) {
			failf("random case %d: netlink exchange failed", i);
			return;
		}
		if (r.err < 0) {
			refused++;
			if (!r.msg[0] && r.err != -EOPNOTSUPP && r.err != -ENOENT) {
				failf("random case %d (cmd %u): %s without an extack message",
				      i, cmd, strerror(-r.err));
				return;
			}
		} else {
			accepted++;
		}
	}
	printf("nlfuzz: ok %d random requests: %d refused, %d accepted\n",
	       RANDOM_CASES, refused, accepted);
}

int main(int argc, char **argv)
{
	const char *path, *vm = getenv("LAB_VMID");
	const char *v = getenv("NLFUZZ_VERBOSE");
	struct reply before, after, r;
	uint32_t vmid = vm && *vm ? (uint32_t)strtoul(vm, NULL, 10) : 0;
	uint8_t *db;
	size_t len = 0;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	verbose = v && *v == '1';
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argc--;
		argv++;
	}
	path = argc > 1 ? argv[1] : getenv("LAB_DB");
	if (!path) {
		fprintf(stderr, "usage: nlfuzz [-v] DB (or LAB_DB=DB nlfuzz)\n");
		return 2;
	}
	db = read_file(path, &len);
	if (!db || len < 8192) {
		printf("nlfuzz: FAIL cannot read the db %s\n", path);
		return 1;
	}
	if ((ret = sock_open(&S)) || (ret = sock_open(&S2))) {
		printf("nlfuzz: FAIL netlink socket: %s\n", strerror(-ret));
		return 1;
	}
	S.family = resolve_family(&S);
	if (S.family < 0) {
		printf("nlfuzz: FAIL no nogap family (%s): is nogap.ko loaded?\n",
		       strerror(-S.family));
		return 1;
	}
	S2.family = S.family;

	/* the reference: the good DB, loaded the way nogapctl does */
	if (upload(&S, db, len, "upload of the good db")) {
		printf("nlfuzz: FAIL %s\n", first_failure);
		return 1;
	}
	sigdb_simple(&S, NOGAP_SIGDB_COMMIT);
	if (must_transact(&S, &r, "commit of the good db") || r.err) {
		printf("nlfuzz: FAIL commit of the good db: %s %s\n",
		       strerror(-r.err), r.msg);
		return 1;
	}
	if (status(&S, &before) || !before.db_loaded ||
	    before.db_size != len) {
		printf("nlfuzz: FAIL status after loading %s: loaded=%d size=%llu\n",
		       path, before.db_loaded, (unsigned long long)before.db_size);
		return 1;
	}
	printf("nlfuzz: ok loaded %s: %llu bytes, %d kernels, generation %u\n",
	       path, (unsigned long long)before.db_size, before.db_kernels,
	       before.db_gen);

	cases_policy(vmid);
	printf("nlfuzz: ok %d policy and parsing cases refused with a message\n",
	       passed);
	passed = 0;
	cases_upload(db, len);
	printf("nlfuzz: ok %d upload protocol cases (corrupt, out-of-order, oversized chunks; bad dbs)\n",
	       passed);
	cases_random(vmid);

	if (vmid) {
		req(&S, NOGAP_CMD_IDENTIFY, 0);
		put_u32(&M, NOGAP_A_VM_ID, vmid);
		put_u32(&M, NOGAP_A_IDENT_FLAGS, NOGAP_IDENTIFY_F_QUERY);
		expect_accepted(&S, "identify query of the watched vm");
	}
	if (!status(&S, &after)) {
		if (!after.db_loaded || after.db_size != before.db_size ||
		    after.db_kernels != before.db_kernels ||
		    after.db_gen != before.db_gen)
			failf("the db changed: size %llu -> %llu, kernels %d -> %d, generation %u -> %u",
			      (unsigned long long)before.db_size,
			      (unsigned long long)after.db_size,
			      before.db_kernels, after.db_kernels,
			      before.db_gen, after.db_gen);
		else
			printf("nlfuzz: ok status answers; the db is still %llu bytes, %d kernels, generation %u\n",
			       (unsigned long long)after.db_size,
			       after.db_kernels, after.db_gen);
	}
	free(db);
	close(S.fd);
	close(S2.fd);
	if (failures) {
		printf("nlfuzz: FAIL %s%s\n", first_failure,
		       failures > 1 ? " (and more above)" : "");
		return 1;
	}
	printf("nlfuzz: PASS\n");
	return 0;
}
