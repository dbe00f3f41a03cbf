// SPDX-License-Identifier: GPL-2.0
/*
 * test_guest_walk.c - the page-table walker over page tables built in a
 * fake guest-physical memory (a byte array; reads outside it fail).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "guest_walk.h"
#include "ut.h"

#define MEM_SIZE	(4u << 20)	/* 4 MiB of "guest RAM" */
#define PG		4096ull

#define P		(1ull << 0)
#define RW		(1ull << 1)
#define US		(1ull << 2)
#define PS		(1ull << 7)
#define G		(1ull << 8)
#define NX		(1ull << 63)

struct fakemem {
	u8 *bytes;
	size_t size;
	unsigned long reads;	/* calls to read(), for the bound checks */
};

static int fake_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	struct fakemem *m = ctx;

	m->reads++;
	if (gpa >= m->size || len > m->size - gpa)
		return -EFAULT;
	memcpy(buf, m->bytes + gpa, len);
	return 0;
}

static struct fakemem fm;
static struct ng_physmem pm = { .ctx = &fm, .read = fake_read };
static u64 next_page;		/* bump allocator for table pages */

static void mem_reset(void)
{
	memset(fm.bytes, 0, fm.size);
	fm.reads = 0;
	next_page = PG;		/* keep page 0 unused */
}

static u64 alloc_page(void)
{
	u64 p = next_page;

	next_page += PG;
	CU_ASSERT_FATAL(next_page <= fm.size);
	return p;
}

static void put64(u64 gpa, u64 v)
{
	int i;

	for (i = 0; i < 8; i++)
		fm.bytes[gpa + i] = (u8)(v >> (8 * i));
}

static u64 get64(u64 gpa)
{
	return ng_le64(fm.bytes + gpa);
}

/*
 * Map va in the tables under root with a leaf at level leaf_level (1 = 4K,
 * 2 = 2M, 3 = 1G) to frame. mid[] are the flags of the non-leaf entries
 * from the top level down (P added), leaf the leaf flags (P added).
 * Existing intermediate tables are reused (their flags are overwritten).
 * Returns the gpa of the leaf entry.
 */
static u64 map(u64 root, int levels, u64 va, int leaf_level, u64 frame,
	       const u64 *mid, u64 leaf)
{
	u64 table = root;
	int level, i = 0;

	for (level = levels; level > leaf_level; level--, i++) {
		u64 slot = table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
		u64 e = get64(slot), next;

		if (e & P)
			next = e & 0x000ffffffffff000ull;
		else
			next = alloc_page();
		put64(slot, next | P | (mid ? mid[i] : (RW | US)));
		table = next;
	}
	{
		u64 slot = table + ((va >> (12 + 9 * (leaf_level - 1))) & 511) * 8;

		put64(slot, frame | P | leaf | (leaf_level > 1 ? PS : 0));
		return slot;
	}
}

/* The gpa of the entry at `level` on the walk of va (tables must exist). */
static u64 entry_at(u64 root, int levels, u64 va, int level)
{
	u64 table = root;
	int l;

	for (l = levels; l > level; l--)
		table = get64(table + ((va >> (12 + 9 * (l - 1))) & 511) * 8) &
			0x000ffffffffff000ull;
	return table + ((va >> (12 + 9 * (level - 1))) & 511) * 8;
}

static struct ng_mmu mmu_for(u64 cr3, bool la57, bool nxe)
{
	struct ng_mmu m = { .mem = &pm, .cr3 = cr3, .la57 = la57,
			    .nxe = nxe };
	return m;
}

static void test_4k(void)
{
	u64 root, va = 0xffffffff81234567ull, frame;
	struct ng_mmu m;
	struct ng_xlate x;

	mem_reset();
	root = alloc_page();
	frame = alloc_page();
	map(root, 4, va, 1, frame, NULL, RW | G);
	m = mmu_for(root, false, true);
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 4);
	CU_ASSERT_EQUAL(x.gpa, frame + 0x567);
	CU_ASSERT_EQUAL(x.page_base, 0xffffffff81234000ull);
	CU_ASSERT_EQUAL(x.page_size, PG);
	CU_ASSERT_EQUAL(x.flags, NG_PG_WRITE | NG_PG_GLOBAL);

	/* PCID bits (and the no-flush bit) in CR3 are ignored */
	m.cr3 = root | 0x5a5 | (1ull << 63);
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, frame + 0x567);

	/* the neighbour page is not mapped */
	CU_ASSERT_EQUAL(ng_translate(&m, va + PG, &x), -EFAULT);
	/* a low user address in the same tables */
	map(root, 4, 0x400000, 1, frame, NULL, US);
	CU_ASSERT_EQUAL(ng_translate(&m, 0x400010, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, frame + 0x10);
	CU_ASSERT_EQUAL(x.flags, NG_PG_USER);
}

static void test_2m_1g(void)
{
	u64 root, va2m = 0xffffffff81400000ull, va1g = 0xffff888040000000ull;
	struct ng_mmu m;
	struct ng_xlate x;

	mem_reset();
	root = alloc_page();
	map(root, 4, va2m, 2, 0x200000, NULL, RW);
	/* a 1G frame far beyond our RAM: translation does not read it */
	map(root, 4, va1g, 3, 0x3c0000000ull, NULL, RW | NX);
	m = mmu_for(root, false, true);

	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, va2m + 0x12345, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 3);
	CU_ASSERT_EQUAL(x.gpa, 0x200000 + 0x12345);
	CU_ASSERT_EQUAL(x.page_base, va2m);
	CU_ASSERT_EQUAL(x.page_size, 2ull << 20);
	CU_ASSERT_EQUAL(x.flags, NG_PG_WRITE);

	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, va1g + 0x3fffffff, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 2);
	CU_ASSERT_EQUAL(x.gpa, 0x3c0000000ull + 0x3fffffff);
	CU_ASSERT_EQUAL(x.page_base, va1g);
	CU_ASSERT_EQUAL(x.page_size, 1ull << 30);
	CU_ASSERT_EQUAL(x.flags, NG_PG_WRITE | NG_PG_NX);

	/* PAT (bit 12) is allowed in large pages, other low bits are not */
	put64(entry_at(root, 4, va2m, 2), 0x200000 | P | PS | (1ull << 12));
	CU_ASSERT_EQUAL(ng_translate(&m, va2m, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, 0x200000);
	put64(entry_at(root, 4, va2m, 2), 0x200000 | P | PS | (1ull << 13));
	CU_ASSERT_EQUAL(ng_translate(&m, va2m, &x), -EFAULT);
	put64(entry_at(root, 4, va1g, 3), 0x3c0000000ull | P | PS | (1ull << 20));
	CU_ASSERT_EQUAL(ng_translate(&m, va1g, &x), -EFAULT);
	put64(entry_at(root, 4, va1g, 3), 0x3c0000000ull | P | PS | (1ull << 12));
	CU_ASSERT_EQUAL(ng_translate(&m, va1g, &x), 0);

	/* PS in a PML4E is reserved */
	put64(entry_at(root, 4, va1g, 4), 0x40000000ull | P | PS);
	CU_ASSERT_EQUAL(ng_translate(&m, va1g, &x), -EFAULT);
}

static void test_5level(void)
{
	u64 root, frame, va = 0xff12345678901abcull;
	struct ng_mmu m;
	struct ng_xlate x;

	mem_reset();
	root = alloc_page();
	frame = alloc_page();
	map(root, 5, va, 1, frame, NULL, RW);
	m = mmu_for(root, true, true);
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 5);
	CU_ASSERT_EQUAL(x.gpa, frame + 0xabc);
	CU_ASSERT_EQUAL(x.page_size, PG);
	/* the same address is not canonical with 4 levels */
	m.la57 = false;
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EINVAL);
	m.la57 = true;

	/* PS in a PML5E is reserved */
	put64(entry_at(root, 5, va, 5), get64(entry_at(root, 5, va, 5)) | PS);
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);

	/* 5-level 2M and 1G leaves */
	mem_reset();
	root = alloc_page();
	map(root, 5, 0xffa0000000000000ull, 3, 0x80000000ull, NULL, 0);
	map(root, 5, 0x00f0000000200000ull, 2, 0x600000ull, NULL, US);
	m = mmu_for(root, true, true);
	CU_ASSERT_EQUAL(ng_translate(&m, 0xffa0000012345678ull, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, 0x80000000ull + 0x12345678);
	CU_ASSERT_EQUAL(x.page_size, 1ull << 30);
	CU_ASSERT_EQUAL(x.flags, 0);
	CU_ASSERT_EQUAL(ng_translate(&m, 0x00f0000000212345ull, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, 0x612345ull);
	CU_ASSERT_EQUAL(x.flags, NG_PG_USER);
}

static void test_flags(void)
{
	u64 va = 0xffffffff81000000ull;
	int leaf, lev;

	/* each of RW, US, NX taken away/added at each level of each size */
	for (leaf = 1; leaf <= 3; leaf++) {
		for (lev = 4; lev >= leaf; lev--) {
			u64 mid[4] = { RW | US, RW | US, RW | US, RW | US };
			u64 leafflags = RW | US;
			struct ng_xlate x;
			struct ng_mmu m;
			u64 root;
			int k;

			for (k = 0; k < 3; k++) {
				u64 clear = k == 0 ? RW : k == 1 ? US : 0;
				u64 set = k == 2 ? NX : 0;
				u32 want = NG_PG_WRITE | NG_PG_USER;

				memcpy(mid, (u64[4]){ RW | US, RW | US, RW | US,
						      RW | US }, sizeof(mid));
				leafflags = RW | US;
				if (lev == leaf)
					leafflags = (leafflags & ~clear) | set;
				else
					mid[4 - lev] = (mid[4 - lev] & ~clear) |
						       set;
				mem_reset();
				root = alloc_page();
				map(root, 4, va, leaf, 0x40000000ull, mid,
				    leafflags);
				m = mmu_for(root, false, true);
				CU_ASSERT_EQUAL_FATAL(ng_translate(&m, va, &x),
						      0);
				if (k == 0)
					want &= ~NG_PG_WRITE;
				if (k == 1)
					want &= ~NG_PG_USER;
				if (k == 2)
					want |= NG_PG_NX;
				CU_ASSERT_EQUAL(x.flags, want);
				/* without EFER.NXE the NX bit is reserved */
				m.nxe = false;
				CU_ASSERT_EQUAL(ng_translate(&m, va, &x),
						k == 2 ? -EFAULT : 0);
			}
		}
	}
}

static void test_not_present(void)
{
	int levels, lev;

	for (levels = 4; levels <= 5; levels++) {
		for (lev = levels; lev >= 1; lev--) {
			u64 va = levels == 5 ? 0xfff0000081234000ull :
					       0xffffffff81234000ull;
			struct ng_xlate x;
			struct ng_mmu m;
			u64 root, slot;

			mem_reset();
			root = alloc_page();
			map(root, levels, va, 1, alloc_page(), NULL, RW);
			m = mmu_for(root, levels == 5, true);
			CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
			slot = entry_at(root, levels, va, lev);
			/* P clear, everything else kept */
			put64(slot, get64(slot) & ~P);
			CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);
			/* an all-ones entry without P is still not present */
			put64(slot, ~P);
			CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);
			CU_ASSERT_EQUAL(ng_read_virt(&m, va, &x, 8), -EFAULT);
		}
	}
}

static void test_cyclic(void)
{
	u64 root, va;
	struct ng_mmu m;
	struct ng_xlate x;
	int i;

	/* the recursive slot: PML4[0x1ed] points to the PML4 itself */
	mem_reset();
	root = alloc_page();
	put64(root + 0x1ed * 8, root | P | RW);
	m = mmu_for(root, false, true);
	va = 0xffff000000000000ull | 0x1edull << 39 | 0x1edull << 30 |
	     0x1edull << 21 | 0x1edull << 12 | 0x123;
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 4);
	/* the walk ends at the PML4 page, seen as a 4K data page */
	CU_ASSERT_EQUAL(x.gpa, root + 0x123);
	CU_ASSERT_EQUAL(x.page_size, PG);
	CU_ASSERT_EQUAL(x.flags, NG_PG_WRITE);
	/* another index under the loop is not present */
	CU_ASSERT_EQUAL(ng_translate(&m, va ^ (1ull << 12), &x), -EFAULT);

	/* a table whose every entry points to itself: everything maps */
	mem_reset();
	root = alloc_page();
	for (i = 0; i < 512; i++)
		put64(root + i * 8, root | P | RW | US);
	m = mmu_for(root, false, true);
	for (i = 0; i < 1000; i++) {
		u64 v = ((u64)rand() << 33 ^ (u64)rand() << 12 ^ rand());

		v = (u64)((s64)(v << 16) >> 16);	/* canonical */
		fm.reads = 0;
		CU_ASSERT_EQUAL(ng_translate(&m, v, &x), 0);
		CU_ASSERT_EQUAL(fm.reads, 4);
		CU_ASSERT_EQUAL(x.gpa, root + (v & 4095));
	}
	/* and with 5 levels */
	m.la57 = true;
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_translate(&m, 0x00ffffffffffffffull, &x), 0);
	CU_ASSERT_EQUAL(fm.reads, 5);
	/* a read through the loop works and is bounded by len */
	{
		u8 buf[3 * 4096];

		CU_ASSERT_EQUAL(ng_read_virt(&m, 0x1000, buf, sizeof(buf)), 0);
		CU_ASSERT_EQUAL(memcmp(buf, fm.bytes + root, 4096), 0);
		CU_ASSERT_EQUAL(memcmp(buf + 8192, fm.bytes + root, 4096), 0);
	}
}

static void test_outside_memory(void)
{
	u64 root, va = 0xffffffff81000000ull;
	struct ng_mmu m;
	struct ng_xlate x;
	u8 b[16];

	mem_reset();
	root = alloc_page();
	m = mmu_for(root, false, true);
	map(root, 4, va, 1, 0x7ffff000ull, NULL, RW);	/* frame beyond RAM */
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, 0x7ffff000ull);
	CU_ASSERT_EQUAL(ng_read_virt(&m, va, b, sizeof(b)), -EFAULT);

	/* a PDPT beyond RAM, with the highest frame number possible */
	put64(entry_at(root, 4, va, 4), 0x000ffffffffff000ull | P | RW);
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);
	/* a PD that starts in RAM's last page: entries past the end */
	put64(entry_at(root, 4, va, 4), (MEM_SIZE - PG) | P | RW);
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);	/* zeros */
	/* CR3 beyond RAM */
	m.cr3 = 0x123456789000ull;
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);
	m.cr3 = 0xfffffffffffff000ull;	/* bits above 51 are not address */
	CU_ASSERT_EQUAL(ng_translate(&m, va, &x), -EFAULT);
}

static void test_noncanonical(void)
{
	static const u64 bad48[] = {
		0x0000800000000000ull, 0xffff7fffffffffffull,
		0x00ff000000000000ull, 0x8000000000000000ull,
		0x7fffffffffffffffull, 0x0001000000000000ull,
	};
	static const u64 bad57[] = {
		0x0100000000000000ull, 0xfeffffffffffffffull,
		0x8000000000000000ull, 0x7fffffffffffffffull,
	};
	struct ng_mmu m;
	struct ng_xlate x;
	size_t i;
	u8 b[8];

	mem_reset();
	m = mmu_for(alloc_page(), false, true);
	for (i = 0; i < ARRAY_SIZE(bad48); i++) {
		fm.reads = 0;
		CU_ASSERT_EQUAL(ng_translate(&m, bad48[i], &x), -EINVAL);
		CU_ASSERT_EQUAL(fm.reads, 0);
	}
	m.la57 = true;
	for (i = 0; i < ARRAY_SIZE(bad57); i++)
		CU_ASSERT_EQUAL(ng_translate(&m, bad57[i], &x), -EINVAL);
	/* canonical with 57 bits, present or not is another matter */
	CU_ASSERT_EQUAL(ng_translate(&m, 0x00ff000000000000ull, &x), -EFAULT);
	CU_ASSERT_EQUAL(ng_translate(&m, 0xff00000000000000ull, &x), -EFAULT);
	m.la57 = false;
	CU_ASSERT_EQUAL(ng_translate(&m, 0x00007fffffffffffull, &x), -EFAULT);
	CU_ASSERT_EQUAL(ng_translate(&m, 0xffff800000000000ull, &x), -EFAULT);
	/* a read that runs into the hole fails, one that wraps too */
	CU_ASSERT_EQUAL(ng_read_virt(&m, 0x0000800000000000ull - 4, b, 8),
			-EFAULT);
	CU_ASSERT_EQUAL(ng_read_virt(&m, 0xfffffffffffffffcull, b, 8),
			-EINVAL);
}

static void test_read_virt(void)
{
	u64 root, va = 0xffffffff81000000ull, f1, f2, f3;
	struct ng_mmu m;
	u8 *want, *got;
	size_t i, off, len;

	mem_reset();
	root = alloc_page();
	/* va: 4K at f1, va+4K: 4K at f2 (below f1), va+8K: not mapped */
	f2 = alloc_page();
	f1 = alloc_page();
	map(root, 4, va, 1, f1, NULL, RW);
	map(root, 4, va + PG, 1, f2, NULL, RW);
	/* a 2M page followed by a 4K page */
	map(root, 4, va + (2ull << 20), 2, 0x200000, NULL, RW);
	f3 = alloc_page();
	map(root, 4, va + (4ull << 20), 1, f3, NULL, RW);
	/* distinct bytes in the data pages (not in the tables) */
	for (i = 0; i < fm.size; i++)
		if (i / PG == f1 / PG || i / PG == f2 / PG ||
		    i / PG == f3 / PG || (i >= 0x200000 && i < 0x400000))
			fm.bytes[i] = (u8)(i * 7 + (i >> 12));
	m = mmu_for(root, false, true);

	want = malloc(3 << 20);
	got = malloc(3 << 20);
	CU_ASSERT_FATAL(want && got);
	memcpy(want, fm.bytes + f1, PG);
	memcpy(want + PG, fm.bytes + f2, PG);
	for (off = 0; off < 2 * PG; off += 509) {
		for (len = 0; off + len <= 2 * PG; len += 1021) {
			memset(got, 0xee, len + 1);
			CU_ASSERT_EQUAL(ng_read_virt(&m, va + off, got, len), 0);
			CU_ASSERT_EQUAL(memcmp(got, want + off, len), 0);
			CU_ASSERT_EQUAL(got[len], 0xee);	/* no overrun */
		}
	}
	/* crossing into the unmapped third page fails */
	CU_ASSERT_EQUAL(ng_read_virt(&m, va + 2 * PG - 4, got, 8), -EFAULT);
	CU_ASSERT_EQUAL(ng_read_virt(&m, va, got, 0), 0);

	/* the end of the 2M page and the 4K page after it */
	memcpy(want, fm.bytes + 0x200000 + (2ull << 20) - 100, 100);
	memcpy(want + 100, fm.bytes + f3, 200);
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_read_virt(&m, va + (4ull << 20) - 100, got, 300),
			0);
	CU_ASSERT_EQUAL(memcmp(got, want, 300), 0);
	CU_ASSERT(fm.reads <= 2 * 5 + 2);
	/* a whole 2M page read in one go */
	fm.reads = 0;
	CU_ASSERT_EQUAL(ng_read_virt(&m, va + (2ull << 20), got, 2 << 20), 0);
	CU_ASSERT_EQUAL(memcmp(got, fm.bytes + 0x200000, 2 << 20), 0);
	CU_ASSERT_EQUAL(fm.reads, 3 + 1);
	free(want);
	free(got);
}

static void test_hostile_random(void)
{
	const unsigned long n = 100000;
	unsigned long i, ok = 0, errs = 0;
	size_t j;
	u8 *buf = malloc(3 * PG);

	CU_ASSERT_FATAL(buf != NULL);
	/* Random bytes; most entries get P and a frame inside RAM (so walks
	 * go deep), some any frame, some are left as they are. */
	for (j = 0; j < fm.size; j += 8) {
		u64 e = ut_rnd();

		switch (ut_rnd() % 8) {
		case 0:
			break;
		case 1:
			e |= P;
			break;
		case 2:
			e = (e & ~0x000ffffffffff000ull) | P |
			    ((ut_rnd() % (fm.size / PG)) * PG);
			break;
		default:	/* a plausible table entry or 4K leaf */
			e = (e & (RW | US | G | NX)) | P |
			    ((ut_rnd() % (fm.size / PG)) * PG);
			break;
		}
		put64(j, e);
	}
	for (i = 0; i < n; i++) {
		struct ng_mmu m = mmu_for(ut_rnd() % 4 ?
					  (ut_rnd() % (fm.size / PG)) * PG |
					  (ut_rnd() & 0xfff) : ut_rnd(),
					  ut_rnd() & 1, ut_rnd() & 1);
		u64 va = ut_rnd();
		struct ng_xlate x;
		int ret;

		if (ut_rnd() % 4)	/* mostly canonical addresses */
			va = m.la57 ? (u64)((s64)(va << 7) >> 7) :
				      (u64)((s64)(va << 16) >> 16);
		fm.reads = 0;
		ret = ng_translate(&m, va, &x);
		CU_ASSERT(fm.reads <= 5);
		if (ret == 0) {
			ok++;
			CU_ASSERT(x.page_size == PG || x.page_size == 2u << 20 ||
				  x.page_size == 1u << 30);
			CU_ASSERT(va - x.page_base < x.page_size);
			CU_ASSERT((x.page_base & (x.page_size - 1)) == 0);
			CU_ASSERT((x.gpa & (x.page_size - 1)) ==
				  (va & (x.page_size - 1)));
			CU_ASSERT(x.gpa < 1ull << 52);
			CU_ASSERT((x.flags & ~0xfu) == 0);
			if (!m.nxe)
				CU_ASSERT(!(x.flags & NG_PG_NX));
		} else {
			errs++;
			CU_ASSERT(ret == -EFAULT || ret == -EINVAL);
		}
		if (i % 10 == 0) {
			size_t len = ut_rnd() % (3 * PG);

			fm.reads = 0;
			ret = ng_read_virt(&m, va, buf, len);
			CU_ASSERT(ret == 0 || ret == -EFAULT || ret == -EINVAL);
			/* at most 4 pages touched: 4 walks and 4 reads */
			CU_ASSERT(fm.reads <= 4 * 6);
		}
	}
	printf("\n  hostile tables: %lu translated, %lu refused ", ok, errs);
	CU_ASSERT(ok > 1000);	/* the random tables did lead somewhere */
	free(buf);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "4K page, PCID bits", test_4k },
		{ "2M and 1G pages, reserved bits", test_2m_1g },
		{ "5-level paging", test_5level },
		{ "RW/US/NX accumulation", test_flags },
		{ "not present at each level", test_not_present },
		{ "cyclic tables", test_cyclic },
		{ "tables outside memory", test_outside_memory },
		{ "non-canonical addresses", test_noncanonical },
		{ "reads across pages", test_read_virt },
		{ "100000 walks of random tables", test_hostile_random },
	};
	static const struct ut_suite suite = {
		.name = "guest_walk", UT_TESTS(tests),
	};
	int ret;

	fm.size = MEM_SIZE;
	fm.bytes = calloc(1, MEM_SIZE);
	if (!fm.bytes)
		return 1;
	srand(1);
	ut_rnd_seed(0x0123456789abcdefull);
	ret = ut_run(&suite);
	free(fm.bytes);
	return ret;
}
