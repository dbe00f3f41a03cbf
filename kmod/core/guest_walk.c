// SPDX-License-Identifier: GPL-2.0
/*
 * guest_walk.c - x86-64 guest page-table walker (4- and 5-level paging).
 *
 * The walk follows the architecture (Intel SDM vol. 3 ch. 4.5, AMD APM
 * vol. 2 ch. 5.3): one table per level, so at most 5 reads of 8 bytes per
 * translation whatever the tables contain. A cyclic table (an entry that
 * points back at its own table) just makes the walk read the same page
 * again at the next level; it ends at level 1 like any other walk.
 *
 * Reserved bits make the walk fail like a #PF with PFEC.RSVD would: PS in a
 * PML5E/PML4E, the bits below a large page's frame other than PAT, NX when
 * EFER.NXE is clear. The physical-address width is taken as 52 bits (the
 * architectural maximum), so bits 51..M are never treated as reserved: a
 * guest cannot hide memory from us that way, and any address the tables name
 * is handed to the physical reader, which rejects what is not backed.
 */
#include "guest_walk.h"

#define PTE_P		(1ull << 0)
#define PTE_RW		(1ull << 1)
#define PTE_US		(1ull << 2)
#define PTE_PS		(1ull << 7)
#define PTE_G		(1ull << 8)
#define PTE_NX		(1ull << 63)
#define PTE_ADDR	0x000ffffffffff000ull	/* bits 51..12 */

/* Reserved low frame bits of large pages (bit 12 is PAT). */
#define PDPTE_1G_RSVD	0x000000003fffe000ull	/* bits 29..13 */
#define PDE_2M_RSVD	0x00000000001fe000ull	/* bits 20..13 */

static bool is_canonical(u64 va, bool la57)
{
	unsigned int bits = la57 ? 57 : 48;

	/* sign-extend from bit bits-1 and compare */
	return (u64)((s64)(va << (64 - bits)) >> (64 - bits)) == va;
}

int ng_translate(const struct ng_mmu *mmu, u64 va, struct ng_xlate *out)
{
	u64 table = mmu->cr3 & PTE_ADDR;
	u32 flags = NG_PG_WRITE | NG_PG_USER;
	int level = mmu->la57 ? 5 : 4;

	if (!is_canonical(va, mmu->la57))
		return -EINVAL;

	for (; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);
		u64 idx = (va >> shift) & 511;
		u64 size = 1ull << shift;
		u8 raw[8];
		u64 e;
		int ret;

		ret = mmu->mem->read(mmu->mem->ctx, table + idx * 8, raw, 8);
		if (ret)
			return -EFAULT;		/* table not backed */
		e = ng_le64(raw);
		if (!(e & PTE_P))
			return -EFAULT;
		if (e & PTE_NX) {
			if (!mmu->nxe)	/* NX is reserved without NXE */
				return -EFAULT;
			flags |= NG_PG_NX;
		}
		if (!(e & PTE_RW))
			flags &= ~NG_PG_WRITE;
		if (!(e & PTE_US))
			flags &= ~NG_PG_USER;

		if (level == 1 || (e & PTE_PS)) {
			u64 frame;

			if (level >= 4)	/* PS is reserved there */
				return -EFAULT;
			if (level == 3 && (e & PDPTE_1G_RSVD))
				return -EFAULT;
			if (level == 2 && (e & PDE_2M_RSVD))
				return -EFAULT;
			frame = e & PTE_ADDR & ~(size - 1);
			if (e & PTE_G)
				flags |= NG_PG_GLOBAL;
			out->gpa = frame | (va & (size - 1));
			out->page_base = va & ~(size - 1);
			out->page_size = size;
			out->flags = flags;
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -EFAULT;	/* not reached: level 1 always ends the walk */
}

int ng_read_virt(const struct ng_mmu *mmu, u64 va, void *buf, size_t len)
{
	u8 *dst = buf;

	if (!len)
		return 0;
	if (va + (len - 1) < va)	/* wraps around */
		return -EINVAL;
	while (len) {
		struct ng_xlate x;
		u64 room;
		size_t n;
		int ret;

		ret = ng_translate(mmu, va, &x);
		if (ret)
			return ret;
		room = x.page_base + x.page_size - va;
		n = len < room ? len : (size_t)room;
		ret = mmu->mem->read(mmu->mem->ctx, x.gpa, dst, n);
		if (ret)
			return -EFAULT;
		dst += n;
		va += n;
		len -= n;
	}
	return 0;
}
