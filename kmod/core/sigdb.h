/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sigdb.h - the signature database: on-disk format and validated view.
 *
 * The format is documented in docs/sigdb-format.md. All integers are
 * little-endian; all offsets are from the start of the file and 8-byte
 * aligned. A DB is untrusted input: ng_sigdb_open() checks every offset,
 * count, index and string before anything else may look at it, in the
 * kernel and in userspace alike.
 */
#ifndef NG_SIGDB_H
#define NG_SIGDB_H

#include "ng_env.h"
#include "md5.h"

struct ng_hasher;

#define NG_SIGDB_MAGIC		"NGSIGDB\0"
#define NG_SIGDB_VERSION	2
#define NG_SIGDB_MAX_KERNELS	16
#define NG_SIGDB_MAX_SIZE	(256u << 20)
#define NG_SIGDB_LABEL_LEN	64

struct ngdb_header {
	char magic[8];
	u32 version;
	u32 header_size;	/* sizeof(struct ngdb_header) */
	u64 file_size;
	u32 nkernels;
	u32 flags;		/* 0 */
	u8 md5[NG_MD5_LEN];	/* MD5 of bytes [header_size, file_size) */
	u8 reserved[16];	/* 0 */
};

struct ngdb_kernel {
	char label[NG_SIGDB_LABEL_LEN];	/* NUL-terminated */
	u64 text_size;
	u64 frags_off;
	u64 names_off;
	u64 edges_off;
	u64 strs_off;
	u64 index_off;		/* u32 fragment indices sorted by full hash */
	u32 nfrags;
	u32 nnames;
	u32 nedges;
	u32 strs_size;
};

struct ngdb_frag {
	u8 full[NG_MD5_LEN];	/* MD5 of the masked instruction stream */
	u64 spec;		/* hash of its constants */
	u32 addr;		/* offset from the start of the text */
	u32 size;
	u32 ninsn;
	u32 name0;		/* first ngdb_name */
	u32 edge0;		/* first ngdb_edge */
	u16 nnames;
	u16 flags;		/* NG_FRAG_* */
	u32 nedges;
	u32 pad;
};

struct ngdb_name {
	u32 off;		/* offset of the symbol inside its fragment */
	u32 str;		/* offset into the string table */
};

#define NGDB_EDGE_KIND_MASK	0x00ff	/* enum ng_edge_kind */
#define NGDB_EDGE_TEXT		0x0100	/* a = fragment index, b = offset */
#define NGDB_EDGE_DATA		0x0200	/* a = string, b = addend (s32) */
/* neither: target unknown */

struct ngdb_edge {
	u32 kind;
	u32 a;
	u32 b;
};

/* A validated DB: pointers into the caller's buffer. */
struct ng_sigdb_kernel {
	const char *label;
	u64 text_size;
	const struct ngdb_frag *frags;
	const struct ngdb_name *names;
	const struct ngdb_edge *edges;
	const char *strs;
	const u32 *index;
	u32 nfrags, nnames, nedges, strs_size;
};

struct ng_sigdb {
	const u8 *buf;
	u64 size;
	u32 nkernels;
	struct ng_sigdb_kernel k[NG_SIGDB_MAX_KERNELS];
};

/*
 * Validate buf[0..size) and fill db. Returns 0 or a negative errno with a
 * one-line reason in *why (a static string).
 */
int ng_sigdb_open(struct ng_sigdb *db, const u8 *buf, u64 size,
		  const struct ng_hasher *h, const char **why);

static inline const char *ng_sigdb_str(const struct ng_sigdb_kernel *k, u32 off)
{
	return off < k->strs_size ? k->strs + off : "?";
}

/* Compare full hashes (for the index). */
static inline int ng_full_cmp(const u8 *a, const u8 *b)
{
	return memcmp(a, b, NG_MD5_LEN);
}

#endif /* NG_SIGDB_H */
