/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktext.h - find the guest kernel's code from one kernel-mode RIP + CR3.
 */
#ifndef NG_KTEXT_H
#define NG_KTEXT_H

#include "guest_walk.h"

/* Bound on the text we accept (and on the pages the search visits). */
#define NG_KTEXT_MAX	(64ull << 20)

/*
 * The kernel code range around anchor: the maximal run of present,
 * supervisor, executable pages (Linux maps its text RX and its rodata NX).
 * Returns 0 with [*start, *end), -EFAULT if the anchor is not mapped as
 * kernel code, -E2BIG if the run exceeds NG_KTEXT_MAX.
 */
int ng_ktext_find(const struct ng_mmu *mmu, u64 anchor, u64 *start, u64 *end);

/*
 * Read [start, end) into buf (end - start bytes). Pages that cannot be read
 * are filled with int3 (0xcc) and counted in *holes. Returns 0 or -errno.
 */
int ng_ktext_read(const struct ng_mmu *mmu, u64 start, u64 end, u8 *buf,
		  u64 *holes);

#endif /* NG_KTEXT_H */
