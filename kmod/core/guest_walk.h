/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_walk.h - x86-64 guest page-table walker over a guest-physical reader.
 *
 * The guest is the attacker: its page tables may be cyclic, point outside
 * memory or map absurd ranges. A single translation visits at most 5 tables;
 * range enumeration is bounded by the caller's limit on visited entries.
 */
#ifndef NG_GUEST_WALK_H
#define NG_GUEST_WALK_H

#include "ng_env.h"

/* Guest-physical memory: read len bytes at gpa; 0 or negative errno
 * (-EFAULT: not backed). Implementations must never block for long. */
struct ng_physmem {
	void *ctx;
	int (*read)(void *ctx, u64 gpa, void *buf, size_t len);
};

/* Result flags: effective permissions along the whole walk. */
#define NG_PG_WRITE	0x1	/* writable at every level */
#define NG_PG_USER	0x2	/* user-accessible at every level */
#define NG_PG_NX	0x4	/* no-execute at some level */
#define NG_PG_GLOBAL	0x8

struct ng_xlate {
	u64 gpa;		/* physical address of va */
	u64 page_base;		/* virtual base of the page that maps va */
	u64 page_size;		/* 4K, 2M or 1G */
	u32 flags;		/* NG_PG_* */
};

struct ng_mmu {
	const struct ng_physmem *mem;
	u64 cr3;		/* root table (bits 12..51 used; PCID bits ignored) */
	bool la57;		/* 5-level paging (CR4.LA57) */
	bool nxe;		/* EFER.NXE: honour the NX bit */
};

/*
 * Translate va. Returns 0, -EFAULT (not present / table unreadable /
 * reserved bits), or -EINVAL (non-canonical address).
 */
int ng_translate(const struct ng_mmu *mmu, u64 va, struct ng_xlate *out);

/*
 * Copy len bytes of guest-virtual memory at va into buf, page by page.
 * Returns 0 or the first error; on error buf content is unspecified.
 */
int ng_read_virt(const struct ng_mmu *mmu, u64 va, void *buf, size_t len);

#endif /* NG_GUEST_WALK_H */
