/* SPDX-License-Identifier: GPL-2.0 */
/*
 * match.h - name a target's fragments from a signature DB.
 */
#ifndef NG_MATCH_H
#define NG_MATCH_H

#include "fragment.h"
#include "sigdb.h"

enum ng_evidence {
	NG_EV_NONE = 0,
	NG_EV_HASH,		/* full + spec hash, unique on both sides */
	NG_EV_HASH_ORDER,	/* full + spec hash, unique between neighbours */
	NG_EV_CALLGRAPH,	/* callee at the same site of a matched caller */
	NG_EV_LOOSE,		/* full hash only (constants differ), unique */
	NG_EV_LOOSE_ORDER,	/* full hash only, unique between neighbours */
	NG_EV_ORDER,		/* same place between matched neighbours */
	NG_EV__MAX
};

extern const char *const ng_evidence_name[NG_EV__MAX];

struct ng_fmatch {
	u32 dbfrag;		/* index in the DB kernel's fragments */
	u8 kernel;		/* DB kernel */
	u8 evidence;		/* enum ng_evidence, NONE = unmatched */
	u8 confidence;		/* 0..100 */
	u8 same_code;		/* full hash equal: interior offsets hold */
};

struct ng_ident {
	struct ng_fmatch *m;	/* one per target fragment */
	u32 nfrags;
	u32 primary;		/* the DB kernel most like the target */
	u32 nmatched;
	u32 by_evidence[NG_EV__MAX];
	u32 conflicts;		/* call-graph proposals refused */
};

int ng_identify(struct ng_ident *id, const struct ng_image *img,
		const struct ng_sigdb *db);
void ng_ident_free(struct ng_ident *id);

/*
 * Iterate the names given to target fragment i: calls fn(arg, address,
 * name, fmatch) for each; interior names only where the code is the same.
 */
typedef int (*ng_name_fn)(void *arg, u64 addr, const char *name,
			  const struct ng_fmatch *fm);
int ng_ident_names(const struct ng_ident *id, const struct ng_image *img,
		   const struct ng_sigdb *db, u32 i, ng_name_fn fn, void *arg);


/* A data symbol located through matched code. */
struct ng_datasym {
	const char *name;	/* in the DB's string table */
	u64 addr;
	u32 votes;		/* references that agree on addr */
	u32 refs;		/* references to name seen in all */
};

/*
 * Data addresses: every matched fragment with the same code as its DB
 * fragment gives, for each data reference, name = target - addend. The
 * address most references agree on wins, if it has a strict majority and
 * at least two votes.
 * *out is allocated (ng_free); sorted by name.
 */
int ng_ident_data(const struct ng_ident *id, const struct ng_image *img,
		  const struct ng_sigdb *db, struct ng_datasym **out, u32 *n);

/* Look a data symbol up by name in a result of ng_ident_data(). */
const struct ng_datasym *ng_datasym_find(const struct ng_datasym *v, u32 n,
					 const char *name);

/*
 * Offsets from base at which matched code (same code as in the DB)
 * addresses the data symbol name at a non-zero addend: the fields of that
 * object the code uses directly. Distinct values, at most max, in order met.
 */
int ng_ident_ref_offsets(const struct ng_ident *id, const struct ng_image *img,
			 const struct ng_sigdb *db, const char *name, u64 base,
			 u32 *out, u32 max, u32 *n);

#endif /* NG_MATCH_H */
