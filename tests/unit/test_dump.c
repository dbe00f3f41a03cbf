// SPDX-License-Identifier: GPL-2.0
/*
 * test_dump.c - ELF core dumps: synthetic QEMU-style cores built here (two
 * vCPUs, three memory segments with page tables), then every kind of
 * damage. Each damaged file must be refused with a one-line message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>

#include "dump.h"
#include "ut.h"

static char tmpdir[64];
static char path[256];

/* ---- building cores ---------------------------------------------------- */

#define NSEG_MAX	8
#define NCPU_MAX	8
#define PRSTATUS_SZ	336	/* QEMU's x86_64_elf_prstatus */
#define QCS_SZ		440	/* QEMUCPUState with kernel_gs_base */

#define RIP_KERNEL	0xffffffff81000123ull
#define CR3_ROOT	0x1000ull

struct seg {
	u64 gpa, size;
	u64 memsz;		/* 0: same as size */
};

struct cpu {
	u64 rip, rsp, rflags, cr0, cr3, cr4;
	u16 cs;
	u32 cs_flags;
};

struct spec {
	struct seg seg[NSEG_MAX];
	unsigned int nseg;
	struct cpu cpu[NCPU_MAX];
	unsigned int ncpu;
	unsigned int nprstatus;	/* default ncpu */
	bool no_qemu, xnum;
};

struct core {
	u8 *b;
	size_t len;
	/* where things are, for targeted damage */
	size_t phoff, note_off, note_len, seg_off[NSEG_MAX];
	size_t qemu_note[NCPU_MAX], prstatus_note[NCPU_MAX];
	size_t shoff;
};

static void w16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void w32(u8 *p, u32 v)
{
	w16(p, (u16)v);
	w16(p + 2, (u16)(v >> 16));
}

static void w64(u8 *p, u64 v)
{
	w32(p, (u32)v);
	w32(p + 4, (u32)(v >> 32));
}

static u8 pattern(u64 gpa)
{
	return (u8)(gpa * 131 + (gpa >> 8) + 7);
}

/* The standard guest: vCPU 0 in user mode, vCPU 1 in the kernel. */
static struct spec std_spec(void)
{
	struct spec s = { 0 };

	/* listed out of order on purpose: the reader sorts them */
	s.seg[0] = (struct seg){ 0x100000, 0x2000, 0 };	/* kernel "text" */
	s.seg[1] = (struct seg){ 0x0, 0x10000, 0 };	/* page tables */
	s.seg[2] = (struct seg){ 0x10000, 0x4000, 0 };	/* adjacent to [1] */
	s.nseg = 3;
	s.cpu[0] = (struct cpu){ .rip = 0x401000, .rsp = 0x7ffc0000,
		.rflags = 0x246, .cr0 = 0x80050033, .cr3 = 0x5000,
		.cr4 = 0x6f0, .cs = 0x33, .cs_flags = 0xa0fb00 };
	s.cpu[1] = (struct cpu){ .rip = RIP_KERNEL, .rsp = 0xffffc90000003e90,
		.rflags = 0x246, .cr0 = 0x80050033, .cr3 = CR3_ROOT | 0x7,
		.cr4 = 0x6f0, .cs = 0x10, .cs_flags = 0xaf9b00 };
	s.ncpu = 2;
	s.nprstatus = 2;
	return s;
}

/* 4-level tables in [0, 0x10000): RIP_KERNEL's page -> 0x100000, the next
 * page -> 0x101000 (segment at 0x100000). */
static void put_tables(u8 *mem)	/* mem = the bytes of gpa 0 */
{
	u64 va = RIP_KERNEL;

	memset(mem + 0x1000, 0, 0x4000);
	w64(mem + 0x1000 + ((va >> 39) & 511) * 8, 0x2000 | 3);
	w64(mem + 0x2000 + ((va >> 30) & 511) * 8, 0x3000 | 3);
	w64(mem + 0x3000 + ((va >> 21) & 511) * 8, 0x4000 | 3);
	w64(mem + 0x4000 + ((va >> 12) & 511) * 8, 0x100000 | 1);
	w64(mem + 0x4000 + (((va >> 12) + 1) & 511) * 8, 0x101000 | 1);
}

static size_t note(u8 *p, const char *name, u32 type, u32 descsz)
{
	u32 namesz = (u32)strlen(name) + 1;

	if (p) {
		w32(p, namesz);
		w32(p + 4, descsz);
		w32(p + 8, type);
		memcpy(p + 12, name, namesz);
	}
	return 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
}

static void build(const struct spec *s, struct core *c)
{
	unsigned int nph = 1 + s->nseg, i;
	size_t off, notes_len = 0;
	u8 *b;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < s->nprstatus; i++)
		notes_len += note(NULL, "CORE", 1, PRSTATUS_SZ);
	if (!s->no_qemu)
		for (i = 0; i < s->ncpu; i++)
			notes_len += note(NULL, "QEMU", 0, QCS_SZ);
	c->phoff = 64;
	c->shoff = c->phoff + nph * 56;
	c->note_off = c->shoff + (s->xnum ? 64 : 0);
	c->note_len = notes_len;
	off = c->note_off + notes_len;
	for (i = 0; i < s->nseg; i++) {
		c->seg_off[i] = off;
		off += s->seg[i].size;
	}
	c->len = off;
	b = c->b = calloc(1, c->len);
	CU_ASSERT_FATAL(b != NULL);

	/* ELF header, with QEMU's wrong e_ehsize */
	memcpy(b, "\177ELF", 4);
	b[4] = 2;
	b[5] = 1;
	b[6] = 1;
	w16(b + 16, 4);		/* ET_CORE */
	w16(b + 18, 62);	/* EM_X86_64 */
	w32(b + 20, 1);
	w64(b + 32, c->phoff);
	w16(b + 52, 8);
	w16(b + 54, 56);
	w16(b + 56, (u16)nph);
	if (s->xnum) {
		w16(b + 56, 0xffff);
		w64(b + 40, c->shoff);
		w16(b + 58, 64);
		w16(b + 60, 1);
		w32(b + c->shoff + 44, nph);	/* sh_info */
	}

	/* program headers */
	w32(b + c->phoff, 4);
	w64(b + c->phoff + 8, c->note_off);
	w64(b + c->phoff + 32, notes_len);
	w64(b + c->phoff + 40, notes_len);
	for (i = 0; i < s->nseg; i++) {
		u8 *ph = b + c->phoff + (1 + i) * 56;
		u64 j;

		w32(ph, 1);
		w64(ph + 8, c->seg_off[i]);
		w64(ph + 24, s->seg[i].gpa);
		w64(ph + 32, s->seg[i].size);
		w64(ph + 40, s->seg[i].memsz ? s->seg[i].memsz :
			     s->seg[i].size);
		for (j = 0; j < s->seg[i].size; j++)
			b[c->seg_off[i] + j] = pattern(s->seg[i].gpa + j);
		if (s->seg[i].gpa == 0 && s->seg[i].size >= 0x5000)
			put_tables(b + c->seg_off[i]);
	}

	/* notes: all NT_PRSTATUS, then all QEMU states, as QEMU writes */
	off = c->note_off;
	for (i = 0; i < s->nprstatus; i++) {
		const struct cpu *v = &s->cpu[i % NCPU_MAX];
		u8 *r = b + off + 20 + 112;

		c->prstatus_note[i] = off;
		note(b + off, "CORE", 1, PRSTATUS_SZ);
		w32(b + off + 20 + 32, i);	/* pr_pid */
		w64(r + 16 * 8, v->rip);
		w64(r + 17 * 8, v->cs);
		w64(r + 18 * 8, v->rflags);
		w64(r + 19 * 8, v->rsp);
		off += note(NULL, "CORE", 1, PRSTATUS_SZ);
	}
	for (i = 0; !s->no_qemu && i < s->ncpu; i++) {
		const struct cpu *v = &s->cpu[i];
		u8 *q = b + off + 20;

		c->qemu_note[i] = off;
		note(b + off, "QEMU", 0, QCS_SZ);
		w32(q, 1);
		w32(q + 4, QCS_SZ);
		w64(q + 8, 0x1111);			/* rax */
		w64(q + 8 + 6 * 8, v->rsp);
		w64(q + 8 + 16 * 8, v->rip);
		w64(q + 8 + 17 * 8, v->rflags);
		w32(q + 152, v->cs);			/* cs.selector */
		w32(q + 152 + 4, 0xffffffff);		/* cs.limit */
		w32(q + 152 + 8, v->cs_flags);
		w64(q + 392, v->cr0);
		w64(q + 392 + 2 * 8, 0x5794a9);		/* cr2 */
		w64(q + 392 + 3 * 8, v->cr3);
		w64(q + 392 + 4 * 8, v->cr4);
		off += note(NULL, "QEMU", 0, QCS_SZ);
	}
}

static void write_file(const u8 *b, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	if (len)
		CU_ASSERT_FATAL(fwrite(b, 1, len, f) == len);
	fclose(f);
}

/* Open bytes as a dump file. */
static int open_bytes(const u8 *b, size_t len, struct ng_dump *d, char *err,
		      size_t errlen)
{
	write_file(b, len);
	err[0] = '\0';
	return ng_dump_open(d, path, err, errlen);
}

static unsigned long refusals;

/* The bytes must be refused with a one-line message containing want. */
static void expect_error(const u8 *b, size_t len, const char *want)
{
	struct ng_dump d;
	char err[512];
	int ret;

	ret = open_bytes(b, len, &d, err, sizeof(err));
	CU_ASSERT(ret < 0);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));
	CU_ASSERT_PTR_NULL(d.map);
	CU_ASSERT_PTR_NULL(d.segs);
	CU_ASSERT_PTR_NULL(d.vcpus);
	if (want && !strstr(err, want)) {
		CU_FAIL("unexpected message");
		fprintf(stderr, "\n  want \"%s\", got \"%s\"\n", want, err);
	}
	if (ret == 0)
		ng_dump_close(&d);
	refusals++;
}

/* ---- valid cores ------------------------------------------------------- */

static void test_valid(void)
{
	struct spec s = std_spec();
	struct core c;
	struct ng_dump d;
	struct ng_mmu mmu;
	struct ng_xlate x;
	char err[512];
	u8 buf[0x6000];
	const u8 *ptr;
	unsigned int i;

	build(&s, &c);
	CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);

	/* segments sorted */
	CU_ASSERT_EQUAL(d.nsegs, 3);
	CU_ASSERT_EQUAL(d.segs[0].gpa, 0);
	CU_ASSERT_EQUAL(d.segs[0].size, 0x10000);
	CU_ASSERT_EQUAL(d.segs[0].off, c.seg_off[1]);
	CU_ASSERT_EQUAL(d.segs[1].gpa, 0x10000);
	CU_ASSERT_EQUAL(d.segs[2].gpa, 0x100000);

	/* vCPUs */
	CU_ASSERT_EQUAL_FATAL(d.nvcpus, 2);
	CU_ASSERT_EQUAL(d.vcpus[0].rip, 0x401000);
	CU_ASSERT_EQUAL(d.vcpus[0].cpl, 3);
	CU_ASSERT_EQUAL(d.vcpus[0].cs_sel, 0x33);
	CU_ASSERT(d.vcpus[0].has_qemu_note);
	CU_ASSERT_EQUAL(d.vcpus[1].rip, RIP_KERNEL);
	CU_ASSERT_EQUAL(d.vcpus[1].rsp, 0xffffc90000003e90ull);
	CU_ASSERT_EQUAL(d.vcpus[1].rflags, 0x246);
	CU_ASSERT_EQUAL(d.vcpus[1].cpl, 0);
	CU_ASSERT_EQUAL(d.vcpus[1].cs_sel, 0x10);
	CU_ASSERT_EQUAL(d.vcpus[1].cr0, 0x80050033);
	CU_ASSERT_EQUAL(d.vcpus[1].cr3, CR3_ROOT | 7);
	CU_ASSERT_EQUAL(d.vcpus[1].cr4, 0x6f0);
	CU_ASSERT_EQUAL(d.vcpus[1].efer, 0);
	CU_ASSERT_EQUAL(ng_dump_anchor(&d), 1);

	/* physical reads: inside, across the adjacent pair, gaps, ends */
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x100010, buf, 16), 0);
	for (i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(buf[i], pattern(0x100010 + i));
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0xf000, buf, 0x2000), 0);
	for (i = 0; i < 0x2000; i++)
		if (buf[i] != pattern(0x11000 - 0x2000 + i))
			break;
	CU_ASSERT_EQUAL(i, 0x2000);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x13ff0, buf, 16), 0);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x13ff0, buf, 17), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x14000, buf, 1), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0xfffff, buf, 2), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x101ff8, buf, 8), 0);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x101ff8, buf, 9), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, ~0ull, buf, 1), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, ~0ull - 4, buf, 8), -EFAULT);
	CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0, buf, 0x14000 > sizeof(buf) ?
				   sizeof(buf) : 0x14000), 0);

	ptr = ng_dump_ptr(&d, 0x100000, 0x2000);
	CU_ASSERT_PTR_EQUAL(ptr, d.map + c.seg_off[0]);
	CU_ASSERT_PTR_NULL(ng_dump_ptr(&d, 0x100000, 0x2001));
	CU_ASSERT_PTR_NULL(ng_dump_ptr(&d, 0xf000, 0x2000));	/* spans */
	CU_ASSERT_PTR_NULL(ng_dump_ptr(&d, 0x20000, 1));
	CU_ASSERT_PTR_NULL(ng_dump_ptr(&d, ~0ull, 1));
	CU_ASSERT_PTR_NOT_NULL(ng_dump_ptr(&d, 0x13fff, 1));

	/* the anchor's code through its CR3 */
	mmu.mem = &d.mem;
	mmu.cr3 = d.vcpus[1].cr3;
	mmu.la57 = false;
	mmu.nxe = true;
	CU_ASSERT_EQUAL(ng_translate(&mmu, RIP_KERNEL, &x), 0);
	CU_ASSERT_EQUAL(x.gpa, 0x100123);
	CU_ASSERT_EQUAL(ng_read_virt(&mmu, RIP_KERNEL + 0xf00, buf, 0x200), 0);
	for (i = 0; i < 0x200; i++)
		CU_ASSERT_EQUAL(buf[i], pattern(0x101023 + i));
	ng_dump_close(&d);
	CU_ASSERT_PTR_NULL(d.map);
	free(c.b);
}

static void test_variants(void)
{
	struct spec s;
	struct core c;
	struct ng_dump d;
	char err[512];

	/* PN_XNUM: the count in section header 0 */
	s = std_spec();
	s.xnum = true;
	build(&s, &c);
	CU_ASSERT_EQUAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.nsegs, 3);
	ng_dump_close(&d);
	w16(c.b + 58, 40);	/* bad e_shentsize */
	expect_error(c.b, c.len, "bad section header");
	w16(c.b + 58, 64);
	w64(c.b + 40, c.len);	/* e_shoff at the end */
	expect_error(c.b, c.len, "bad section header");
	w64(c.b + 40, c.shoff);
	w32(c.b + c.shoff + 44, 0x7fffffff);
	expect_error(c.b, c.len, "truncated program headers");
	free(c.b);

	/* more NT_PRSTATUS than QEMU notes: the rest from NT_PRSTATUS */
	s = std_spec();
	s.nprstatus = 3;
	s.cpu[2] = (struct cpu){ .rip = 0xffffffff81000555ull, .cs = 0x10 };
	build(&s, &c);
	CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.nvcpus, 3);
	CU_ASSERT(d.vcpus[1].has_qemu_note);
	CU_ASSERT(!d.vcpus[2].has_qemu_note);
	CU_ASSERT_EQUAL(d.vcpus[2].rip, 0xffffffff81000555ull);
	CU_ASSERT_EQUAL(d.vcpus[2].cpl, 0);
	CU_ASSERT_EQUAL(ng_dump_anchor(&d), 1);
	ng_dump_close(&d);
	free(c.b);

	/* QEMU notes only; an older, shorter QEMUCPUState (no
	 * kernel_gs_base) */
	s = std_spec();
	s.nprstatus = 0;
	build(&s, &c);
	w32(c.b + c.qemu_note[0] + 20 + 4, 432);
	w32(c.b + c.qemu_note[1] + 20 + 4, 432);
	CU_ASSERT_EQUAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.nvcpus, 2);
	CU_ASSERT_EQUAL(ng_dump_anchor(&d), 1);
	ng_dump_close(&d);
	free(c.b);

	/* memsz > filesz: only the file part is readable; a segment with
	 * nothing in the file is no segment */
	s = std_spec();
	s.seg[0].memsz = 0x3000;
	s.seg[3] = (struct seg){ 0x200000, 0, 0x1000 };
	s.nseg = 4;
	build(&s, &c);
	CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	{
		u8 b[8];

		CU_ASSERT_EQUAL(d.nsegs, 3);
		CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x101ff8, b, 8), 0);
		CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x102000, b, 8), -EFAULT);
		CU_ASSERT_EQUAL(d.mem.read(d.mem.ctx, 0x200000, b, 8), -EFAULT);
	}
	ng_dump_close(&d);
	free(c.b);
}

static void test_anchor(void)
{
	struct spec s;
	struct core c;
	struct ng_dump d;
	char err[512];
	int k;

	/* no anchor: every vCPU in user mode, or otherwise unsuitable */
	for (k = 0; k < 7; k++) {
		s = std_spec();
		switch (k) {
		case 0:	/* both CPL 3 */
			s.cpu[1].cs = 0x33;
			s.cpu[1].cs_flags = 0xa0fb00;
			break;
		case 1:	/* DPL 3 in the descriptor, RPL 0 in the selector */
			s.cpu[1].cs_flags = 0xa0fb00;
			break;
		case 2:	/* RPL 3, DPL 0 */
			s.cpu[1].cs = 0x13;
			break;
		case 3:	/* CPL 0 but a lower-half RIP */
			s.cpu[1].rip = 0x00007fffffff0000ull;
			break;
		case 4:	/* no CR3 */
			s.cpu[1].cr3 = 0;
			break;
		case 5:	/* paging off */
			s.cpu[1].cr0 = 0x11;
			break;
		case 6:	/* a 5-level lower half address that 4-level would
			 * call upper half is still refused under LA57 */
			s.cpu[1].cr4 |= 1u << 12;
			s.cpu[1].rip = 0xfe00000000000000ull;
			break;
		}
		build(&s, &c);
		CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err,
						 sizeof(err)), 0);
		CU_ASSERT_EQUAL(ng_dump_anchor(&d), -ENOENT);
		ng_dump_close(&d);
		free(c.b);
	}

	/* the first suitable vCPU wins */
	s = std_spec();
	s.cpu[0] = s.cpu[1];
	s.cpu[0].rip = 0xffffffff81000999ull;
	build(&s, &c);
	CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ng_dump_anchor(&d), 0);
	ng_dump_close(&d);
	free(c.b);

	/* NT_PRSTATUS alone says CPL 0, but no QEMU note: no CR3, no anchor */
	s = std_spec();
	s.nprstatus = 3;
	s.cpu[0].cs = 0x33;
	s.cpu[1].cs = 0x33;
	s.cpu[1].cs_flags = 0xa0fb00;
	s.cpu[2] = (struct cpu){ .rip = RIP_KERNEL, .cs = 0x10 };
	build(&s, &c);
	CU_ASSERT_EQUAL_FATAL(open_bytes(c.b, c.len, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ng_dump_anchor(&d), -ENOENT);
	ng_dump_close(&d);
	free(c.b);
}

/* ---- damage ------------------------------------------------------------ */

static void test_not_elf(void)
{
	static const u8 text[] = "hello, this is not a memory dump\n";
	struct spec s = std_spec();
	struct core c;
	u8 *b;

	expect_error(NULL, 0, "empty file");
	expect_error(text, sizeof(text) - 1, "not an ELF file");
	expect_error((const u8 *)"\177EL", 3, "not an ELF file");
	expect_error((const u8 *)"\177ELF\2\1", 6, "truncated ELF header");

	build(&s, &c);
	b = c.b;
	b[4] = 1;		/* ELFCLASS32 */
	expect_error(b, c.len, "not a 64-bit ELF file");
	b[4] = 2;
	b[5] = 2;		/* big-endian */
	expect_error(b, c.len, "not a little-endian ELF file");
	b[5] = 1;
	w16(b + 16, 2);		/* ET_EXEC */
	expect_error(b, c.len, "not an ELF core file");
	w16(b + 16, 4);
	w16(b + 18, 3);		/* EM_386 */
	expect_error(b, c.len, "not an x86-64 core");
	w16(b + 18, 183);	/* EM_AARCH64 */
	expect_error(b, c.len, "not an x86-64 core");
	w16(b + 18, 62);
	free(c.b);

	/* a directory and a missing file */
	{
		struct ng_dump d;
		char err[512], p[300];

		CU_ASSERT(ng_dump_open(&d, tmpdir, err, sizeof(err)) < 0);
		CU_ASSERT(strstr(err, "not a regular file") != NULL);
		snprintf(p, sizeof(p), "%s/nope.elf", tmpdir);
		CU_ASSERT_EQUAL(ng_dump_open(&d, p, err, sizeof(err)),
				-ENOENT);
		CU_ASSERT(strstr(err, "nope.elf") != NULL);
	}
}

static void test_bad_phdrs(void)
{
	struct spec s = std_spec();
	struct core c;
	u8 *b, *ph;

	build(&s, &c);
	b = c.b;
	w16(b + 56, 0);
	expect_error(b, c.len, "no program headers");
	w16(b + 56, 4);
	w16(b + 54, 32);
	expect_error(b, c.len, "bad program header size");
	w16(b + 54, 56);
	w64(b + 32, c.len - 100);
	expect_error(b, c.len, "truncated program headers");
	w64(b + 32, ~0ull - 8);
	expect_error(b, c.len, "truncated program headers");
	w64(b + 32, c.len);
	expect_error(b, c.len, "truncated program headers");
	w64(b + 32, 64);
	w16(b + 56, 5);		/* one more than there are: the notes' first
				 * bytes read as type 5 (PT_SHLIB), ignored */
	{
		struct ng_dump d;
		char err[512];

		CU_ASSERT_EQUAL(open_bytes(b, c.len, &d, err, sizeof(err)), 0);
		ng_dump_close(&d);
	}
	w16(b + 56, 0xfff0);
	expect_error(b, c.len, "truncated program headers");
	w16(b + 56, 4);

	/* segment ranges */
	ph = b + c.phoff + 2 * 56;	/* the PT_LOAD of gpa 0 */
	w64(ph + 8, c.len - 0x100);
	expect_error(b, c.len, "beyond the end of the file");
	w64(ph + 8, ~0ull - 0x100);
	expect_error(b, c.len, "beyond the end of the file");
	w64(ph + 8, c.seg_off[1]);
	w64(ph + 32, ~0ull);
	expect_error(b, c.len, "beyond the end of the file");
	w64(ph + 32, 0x10000);
	w64(ph + 40, 0xffff);	/* memsz < filesz */
	expect_error(b, c.len, "file size exceeds memory size");
	w64(ph + 40, 0x10000);
	w64(ph + 24, ~0ull - 0x1000);	/* wraps */
	expect_error(b, c.len, "wraps around");
	w64(ph + 24, 0x0);
	/* the PT_NOTE beyond the file */
	w64(b + c.phoff + 32, c.len);
	expect_error(b, c.len, "beyond the end of the file");
	w64(b + c.phoff + 32, c.note_len);

	/* overlaps: [0, 64K) and [64K, 80K) made to overlap by one byte,
	 * then a segment inside another, then identical ones */
	w64(ph + 40, 0x10001);
	expect_error(b, c.len, "overlap");
	w64(ph + 40, 0x10000);
	w64(b + c.phoff + 3 * 56 + 24, 0x8000);
	expect_error(b, c.len, "overlap");
	w64(b + c.phoff + 3 * 56 + 24, 0x0);
	expect_error(b, c.len, "overlap");
	w64(b + c.phoff + 3 * 56 + 24, 0x10000);

	/* no memory: PT_LOADs turned into other types */
	w32(b + c.phoff + 56, 6);
	w32(b + c.phoff + 2 * 56, 6);
	w32(b + c.phoff + 3 * 56, 0x6474e550);
	expect_error(b, c.len, "no memory segments");
	free(c.b);

	/* no notes at all, and only NT_PRSTATUS */
	s = std_spec();
	build(&s, &c);
	w32(c.b + c.phoff, 6);	/* the PT_NOTE becomes PT_PHDR */
	expect_error(c.b, c.len, "no QEMU CPU state notes");
	free(c.b);
	s = std_spec();
	s.no_qemu = true;
	build(&s, &c);
	expect_error(c.b, c.len,
		     "no QEMU CPU state notes (need dump-guest-memory or virsh dump --memory-only)");
	free(c.b);
}

static void test_bad_notes(void)
{
	struct spec s = std_spec();
	struct core c;
	size_t q, pr, end;
	u8 *b;

	build(&s, &c);
	b = c.b;
	q = c.qemu_note[1];
	pr = c.prstatus_note[0];
	end = c.note_off + c.note_len;

	/* lying sizes */
	w32(b + pr, 0xffffffff);
	expect_error(b, c.len, "size beyond its segment");
	w32(b + pr, 0xfffffffd);	/* namesz + 3 must not wrap */
	expect_error(b, c.len, "size beyond its segment");
	w32(b + pr, 5);
	w32(b + pr + 4, 0xffffffff);
	expect_error(b, c.len, "size beyond its segment");
	w32(b + pr + 4, PRSTATUS_SZ);
	w32(b + q + 4, QCS_SZ + 1);	/* one past the segment's end */
	expect_error(b, c.len, "size beyond its segment");
	w32(b + q + 4, (u32)(end - q - 20));	/* exactly to the end: ok */
	{
		struct ng_dump d;
		char err[512];

		CU_ASSERT_EQUAL(open_bytes(b, c.len, &d, err, sizeof(err)), 0);
		ng_dump_close(&d);
	}
	w32(b + q + 4, QCS_SZ);
	/* the PT_NOTE's length cuts the last note */
	w64(b + c.phoff + 32, c.note_len - 1);
	expect_error(b, c.len, "size beyond its segment");
	w64(b + c.phoff + 32, c.note_len);

	/* short descriptors */
	w32(b + pr + 4, 100);
	expect_error(b, c.len, NULL);	/* short, and the next note misread */
	w32(b + pr + 4, PRSTATUS_SZ);
	w32(b + q + 4, 4);
	expect_error(b, c.len, NULL);
	w32(b + q + 4, QCS_SZ);

	/* QEMU state header */
	w32(b + q + 20, 2);
	expect_error(b, c.len, "unsupported QEMU CPU state version 2");
	w32(b + q + 20, 1);
	w32(b + q + 24, QCS_SZ + 8);
	expect_error(b, c.len, "bad QEMU CPU state size");
	w32(b + q + 24, 100);
	expect_error(b, c.len, "bad QEMU CPU state size");
	w32(b + q + 24, QCS_SZ);
	free(c.b);

	/* a QEMU note whose descriptor is shorter than the structure */
	s = std_spec();
	build(&s, &c);
	b = c.b;
	q = c.qemu_note[1];
	w32(b + q + 4, 400);
	w32(b + q + 24, 400);
	expect_error(b, c.len, "bad QEMU CPU state size");
	w32(b + q + 4, 4);
	expect_error(b, c.len, "QEMU CPU state too short");
	/* a short NT_PRSTATUS at the very end of the notes */
	free(c.b);
	s = std_spec();
	s.no_qemu = true;
	build(&s, &c);
	w32(c.b + c.prstatus_note[1] + 4, 200);
	expect_error(c.b, c.len, "NT_PRSTATUS too short");
	free(c.b);
}

static void test_truncated(void)
{
	struct spec s = std_spec();
	struct core c;
	size_t cut;

	build(&s, &c);
	/* every byte through the headers and notes, then sparser */
	for (cut = 0; cut < c.seg_off[0] + 64; cut++)
		expect_error(c.b, cut, NULL);
	for (; cut < c.len; cut += 997)
		expect_error(c.b, cut, NULL);
	expect_error(c.b, c.len - 1, "beyond the end of the file");
	free(c.b);
}

static void test_random(void)
{
	struct spec s = std_spec();
	struct core c;
	u8 *b;
	size_t i, j;
	unsigned long opened = 0, refused = 0;

	/* pure noise */
	b = malloc(8192);
	CU_ASSERT_FATAL(b != NULL);
	for (i = 0; i < 200; i++) {
		size_t len = ut_rnd() % 8192;

		for (j = 0; j < len; j++)
			b[j] = (u8)ut_rnd();
		expect_error(b, len, NULL);
	}
	/* noise behind a valid ELF header */
	build(&s, &c);
	for (i = 0; i < 200; i++) {
		size_t len = 64 + ut_rnd() % 8000;

		memcpy(b, c.b, 64);
		for (j = 64; j < len; j++)
			b[j] = (u8)ut_rnd();
		if (i % 2)
			w16(b + 56, ut_rnd() % 8);
		expect_error(b, len, NULL);
	}
	free(b);

	/* a valid core with random bytes changed in its headers and notes:
	 * it may open or not, but must never crash and must be consistent */
	for (i = 0; i < 3000; i++) {
		struct ng_dump d;
		char err[512];
		u8 *m = malloc(c.len);
		size_t k, nflip = 1 + ut_rnd() % 8;
		int ret;

		CU_ASSERT_FATAL(m != NULL);
		memcpy(m, c.b, c.len);
		for (k = 0; k < nflip; k++) {
			size_t at = ut_rnd() % c.seg_off[0];

			if (ut_rnd() % 2)
				m[at] = (u8)ut_rnd();
			else
				m[at] ^= 1u << (ut_rnd() % 8);
		}
		err[0] = '\0';
		ret = open_bytes(m, c.len, &d, err, sizeof(err));
		if (ret == 0) {
			u8 buf[64];
			unsigned int v;

			opened++;
			CU_ASSERT(d.nsegs > 0 && d.nvcpus > 0);
			for (v = 1; v < d.nsegs; v++)
				CU_ASSERT(d.segs[v - 1].gpa + d.segs[v - 1].size
					  <= d.segs[v].gpa);
			for (v = 0; v < d.nsegs; v++)
				CU_ASSERT(d.segs[v].off + d.segs[v].size <=
					  d.size);
			for (v = 0; v < 64; v++)
				d.mem.read(d.mem.ctx, ut_rnd() % 0x200000, buf,
					   ut_rnd() % 64);
			ret = ng_dump_anchor(&d);
			CU_ASSERT(ret == -ENOENT ||
				  (ret >= 0 && (unsigned int)ret < d.nvcpus));
			ng_dump_close(&d);
		} else {
			refused++;
			CU_ASSERT(err[0] != '\0');
			CU_ASSERT_PTR_NULL(strchr(err, '\n'));
		}
		free(m);
	}
	printf("\n  mutated cores: %lu opened, %lu refused ", opened, refused);
	free(c.b);
}

/* A real dump, when the cache has one. */
static void test_real_dump(void)
{
	char p[512], err[512];
	struct ng_dump d;
	struct ng_mmu mmu;
	u8 buf[64];
	int a;

	if (!ut_cached_dump(p, sizeof(p), "6.1.0-50-amd64.elf"))
		return;
	CU_ASSERT_EQUAL_FATAL(ng_dump_open(&d, p, err, sizeof(err)), 0);
	CU_ASSERT(d.nsegs >= 1);
	CU_ASSERT(d.nvcpus >= 1);
	a = ng_dump_anchor(&d);
	CU_ASSERT_FATAL(a >= 0);
	mmu.mem = &d.mem;
	mmu.cr3 = d.vcpus[a].cr3;
	mmu.la57 = d.vcpus[a].cr4 & (1u << 12);
	mmu.nxe = true;
	CU_ASSERT_EQUAL(ng_read_virt(&mmu, d.vcpus[a].rip, buf, sizeof(buf)),
			0);
	printf("\n  %s: %u segments, %u vCPUs, anchor vCPU %d rip %llx ", p,
	       d.nsegs, d.nvcpus, a, (unsigned long long)d.vcpus[a].rip);
	ng_dump_close(&d);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "valid core: segments, vCPUs, reads, walk", test_valid },
		{ "PN_XNUM, extra NT_PRSTATUS, old QEMU state", test_variants },
		{ "anchor choice", test_anchor },
		{ "not ELF, wrong class/machine", test_not_elf },
		{ "bad program headers and segments", test_bad_phdrs },
		{ "notes with lying sizes", test_bad_notes },
		{ "truncated files", test_truncated },
		{ "random bytes and mutations", test_random },
		{ "real dump (cache)", test_real_dump },
	};
	static const struct ut_suite suite = {
		.name = "dump", UT_TESTS(tests),
	};
	int ret;

	if (ut_mkdtemp(tmpdir, sizeof(tmpdir), "ng_test_dump"))
		return 1;
	snprintf(path, sizeof(path), "%s/core.elf", tmpdir);
	ut_rnd_seed(0x8badf00ddeadbeefull);
	ret = ut_run(&suite);
	printf("\n%lu damaged files refused\n", refusals);
	ut_rmdir(tmpdir);
	return ret;
}
