/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fragment.h - kernel code discovery, normalisation and fragment signatures.
 *
 * A kernel image is cut into fragments: each starts at a discovered function
 * entry and runs to the next one. The same discovery runs on reference boots
 * (building a signature DB) and on targets, so that whatever it gets wrong
 * it gets wrong alike on both sides; the DB then records which symbols fall
 * in each fragment. See docs/design.md.
 */
#ifndef NG_FRAGMENT_H
#define NG_FRAGMENT_H

#include "ng_env.h"
#include "md5.h"

/* Hashing through a small interface so nogap.ko can use the crypto API. */
struct ng_hasher {
	void *ctx;
	/* MD5 of data[0..len) into out; 0 or negative errno. */
	int (*md5)(void *ctx, const void *data, size_t len, u8 out[NG_MD5_LEN]);
};

/* The default hasher: the engine's own MD5. */
extern const struct ng_hasher ng_md5_hasher;

/* Fragment edges: direct control transfers and address references. */
enum ng_edge_kind {
	NG_E_CALL = 0,		/* call rel32 */
	NG_E_JMP = 1,		/* jmp/jcc out of the fragment (tail call) */
	NG_E_REF = 2,		/* RIP-relative operand */
	NG_E_ABS = 3,		/* immediate that is a kernel address */
};

struct ng_edge {
	u64 target;
	u32 kind;		/* enum ng_edge_kind */
	u32 insn;		/* instruction index within the fragment */
};

#define NG_FRAG_ENTRY_FTRACE	0x01	/* starts with an ftrace site */
#define NG_FRAG_ENTRY_ENDBR	0x02	/* starts with endbr64 */
#define NG_FRAG_BAD		0x08	/* undecodable bytes inside */

struct ng_frag {
	u64 addr;		/* virtual address of the first byte */
	u32 size;		/* bytes up to the next fragment, padding trimmed */
	u32 ninsn;		/* instructions hashed */
	u8 full[NG_MD5_LEN];	/* MD5 of the masked instruction stream */
	u64 spec;		/* hash of kept constants (displacements, imms) */
	u32 edge0;		/* first edge in ng_image.edges */
	u32 nedges;
	u32 flags;		/* NG_FRAG_* */
};

/* Limits: the guest is untrusted; these bound every loop and allocation. */
#define NG_TEXT_MAX		(128u << 20)	/* biggest text we analyse */
#define NG_FRAG_MAX_BYTES	(1u << 20)	/* a fragment longer is cut */

struct ng_image {
	u64 text_start;		/* virtual address of text[0] */
	u64 text_size;
	const u8 *text;		/* the text bytes (not owned) */

	struct ng_frag *frags;	/* sorted by address */
	u32 nfrags;
	struct ng_edge *edges;
	u32 nedges;

	/* Boot-patched helpers found by statistics, 0 if none. */
	u64 ret_thunk;		/* most common jmp target: __x86_return_thunk */
	u64 fentry;		/* most common call at entries: __fentry__ */

	/* Counters for reports. */
	u64 ninsn;
	u64 nbad;		/* undecodable bytes skipped */
};

/*
 * Discover fragments in text and compute their signatures. Returns 0 or a
 * negative errno; on error the image holds nothing to free.
 */
int ng_image_analyse(struct ng_image *img, u64 text_start, const u8 *text,
		     u64 text_size, const struct ng_hasher *h);
void ng_image_free(struct ng_image *img);

/* Index of the last fragment starting at or before va, or -1. */
long ng_image_find(const struct ng_image *img, u64 va);

#endif /* NG_FRAGMENT_H */
