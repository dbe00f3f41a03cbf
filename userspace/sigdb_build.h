/* SPDX-License-Identifier: GPL-2.0 */
/* sigdb_build.h - build signature DBs from reference boots (userspace). */
#ifndef NG_SIGDB_BUILD_H
#define NG_SIGDB_BUILD_H

#include "fragment.h"
#include "sigdb.h"
#include "kallsyms.h"

/* One reference kernel being built. */
struct ng_dbk {
	char label[NG_SIGDB_LABEL_LEN];
	u64 text_size;
	struct ngdb_frag *frags;
	u32 nfrags;
	struct ngdb_name *names;
	u32 nnames;
	struct ngdb_edge *edges;
	u32 nedges;
	char *strs;
	u32 strs_size, strs_cap;
	u32 *index;
	/* string dedup table */
	u32 *strtab;
	u32 strtab_cap;
	/* statistics for `sigdb build` and `sigdb info` */
	u32 named_syms;		/* text symbols placed in a fragment */
	u32 text_syms;		/* text symbols in the text range */
};

/* Label the fragments of a reference image with its kallsyms. */
int ng_dbk_build(struct ng_dbk *k, const struct ng_image *img,
		 const struct ng_kallsyms *ks, const char *label,
		 char *err, size_t errlen);
void ng_dbk_free(struct ng_dbk *k);

/* Serialise kernels into one DB image (malloc'ed). 0 or -errno. */
int ng_sigdb_serialize(const struct ng_dbk *ks, u32 n, u8 **out, u64 *len);

/* Is this a symbol we name (not a padding label)? */
bool ng_sym_is_function(const char *name);

#endif /* NG_SIGDB_BUILD_H */
