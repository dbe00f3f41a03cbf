// SPDX-License-Identifier: GPL-2.0
/*
 * test_fragment.c - CUnit tests for discovery, normalisation and signatures
 * (kmod/core/fragment.c) on hand-assembled code buffers.
 *
 *  a. the same function at two text addresses hashes alike; its edges
 *     point at the callees and at the data it loads;
 *  b. struct displacements (and their size) stay out of `full`, in `spec`;
 *  c. ftrace 5-byte nop and endbr64 at the entry are dropped;
 *  d. jcc rel8 and jcc rel32 to the same internal target hash alike;
 *  e. `ret; int3` equals `ret`; jmp __x86_return_thunk equals ret and
 *     call __fentry__ at the entry equals none (found by statistics);
 *  f. immediates that are kernel addresses are masked (NG_E_ABS edges),
 *     small immediates go to `spec`;
 *  g. discovery: padding-separated functions, call targets in the middle,
 *     endbr64 (also poisoned), __pfx_ areas, far jumps, ud1; trailing
 *     padding outside `size`;
 *  h. robustness: random texts (every fragment inside the text, edge ranges
 *     consistent), all-int3 and all-zero texts, long fragments cut.
 *
 * Every text handed to ng_image_analyse() is a heap block of exactly its
 * size so that the AddressSanitizer build catches any read past it.
 */
#include <CUnit/Basic.h>
#include "asmb.h"
#include <stdio.h>
#include <stdlib.h>

#include "fragment.h"
#include "insn.h"
#include "ut.h"

#define TEXT0	0xffffffff81000000ull	/* a kernel-like text start */
#define DATA0	0xffffffff82001230ull	/* a data address outside the text */
#define EXTFN	0xffffffff80f00000ull	/* a function outside the text */

/* The assembler (asmb.h) over a buffer of its own. */
static void asm_init(struct asmb *a, u64 base, size_t cap)
{
	a->p = malloc(cap);
	CU_ASSERT_FATAL(a->p != NULL);
	a->len = 0;
	a->cap = cap;
	a->base = base;
}

static void asm_free(struct asmb *a)
{
	free(a->p);
	a->p = NULL;
}

/* Fill with `byte` up to the next multiple of align (virtual address). */
static void pad_to(struct asmb *a, unsigned int align, u8 byte)
{
	while (here(a) & (align - 1))
		PUT(a, byte);
}

static void fill_to(struct asmb *a, u64 va, u8 byte)
{
	CU_ASSERT_FATAL(here(a) <= va);
	while (here(a) < va)
		PUT(a, byte);
}

/* A heap copy of exactly the assembled bytes. */
static u8 *exact(const struct asmb *a)
{
	u8 *t = malloc(a->len ? a->len : 1);

	CU_ASSERT_FATAL(t != NULL);
	memcpy(t, a->p, a->len);
	return t;
}

/*
 * Structural invariants of an analysed image: fragments sorted, disjoint,
 * inside the text, at most NG_FRAG_MAX_BYTES long; each fragment's edges
 * are the next run of the edge table, in instruction order, of known kinds.
 * Returns the number of violations.
 */
static unsigned int image_violations(const struct ng_image *img)
{
	unsigned int bad = 0;
	u32 i, e, next_edge = 0;

	/* in offsets: a text may end at the very top of the address space */
	for (i = 0; i < img->nfrags; i++) {
		const struct ng_frag *f = &img->frags[i];
		u64 off = f->addr - img->text_start;

		if (off >= img->text_size || f->size == 0 ||
		    f->size > img->text_size - off ||
		    f->size > NG_FRAG_MAX_BYTES || f->ninsn == 0)
			bad++;
		if (i && off < img->frags[i - 1].addr - img->text_start +
			       img->frags[i - 1].size)
			bad++;
		if (f->edge0 != next_edge ||
		    (u64)f->edge0 + f->nedges > img->nedges)
			bad++;
		else
			for (e = f->edge0; e < f->edge0 + f->nedges; e++) {
				const struct ng_edge *ed = &img->edges[e];

				if (ed->kind > NG_E_ABS || ed->insn >= f->ninsn ||
				    (e > f->edge0 && ed->insn < ed[-1].insn))
					bad++;
			}
		next_edge = f->edge0 + f->nedges;
		if (ng_image_find(img, f->addr) != (long)i)
			bad++;
	}
	if (next_edge != img->nedges)
		bad++;
	return bad;
}

static void analyse(struct ng_image *img, u64 start, const u8 *text, u64 n)
{
	int ret = ng_image_analyse(img, start, text, n, &ng_md5_hasher);

	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(image_violations(img), 0);
}

/* The fragment starting exactly at va, or NULL. */
static const struct ng_frag *frag_at(const struct ng_image *img, u64 va)
{
	long i = ng_image_find(img, va);

	if (i < 0 || img->frags[i].addr != va)
		return NULL;
	return &img->frags[i];
}

static bool same_full(const struct ng_frag *a, const struct ng_frag *b)
{
	return !memcmp(a->full, b->full, NG_MD5_LEN);
}

static const struct ng_edge *edge(const struct ng_image *img,
				  const struct ng_frag *f, u32 i)
{
	return &img->edges[f->edge0 + i];
}

/*
 * Analyse a text holding one function and return a copy of its fragment
 * (the one at the text start).
 */
static struct ng_frag one_frag(const struct asmb *a)
{
	struct ng_image img;
	struct ng_frag f = { 0 };
	const struct ng_frag *p;
	u8 *t = exact(a);

	analyse(&img, a->base, t, a->len);
	p = frag_at(&img, a->base);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		f = *p;
	ng_image_free(&img);
	free(t);
	return f;
}

/* --- a. position independence ------------------------------------------ */

/*
 * helper: a leaf at the start of the text.
 * F: a function at fn_off that loads DATA0 RIP-relative, calls helper and
 * a function outside the text.
 */
static void emit_pos_text(struct asmb *a, u64 fn_off)
{
	u64 helper = here(a);

	PUT(a, 0x31, 0xc0);			/* xor %eax,%eax */
	PUT(a, 0xc3);				/* ret */
	fill_to(a, a->base + fn_off, 0xcc);	/* int3 padding */

	PUT(a, 0x0f, 0x1f, 0x44, 0x00, 0x00);	/* nopl 0(%rax,%rax): ftrace */
	PUT(a, 0x55);				/* 0: push %rbp */
	PUT(a, 0x48, 0x89, 0xe5);		/* 1: mov %rsp,%rbp */
	PUT(a, 0x48, 0x8b, 0x05);		/* 2: mov DATA0(%rip),%rax */
	rel32(a, DATA0, 0);
	PUT(a, 0x48, 0x89, 0xc7);		/* 3: mov %rax,%rdi */
	PUT(a, 0xe8);				/* 4: call helper */
	rel32(a, helper, 0);
	PUT(a, 0x48, 0x83, 0x3d);		/* 5: cmpq $0x7,DATA0+8(%rip) */
	rel32(a, DATA0 + 8, 1);
	PUT(a, 0x07);
	PUT(a, 0xe8);				/* 6: call EXTFN */
	rel32(a, EXTFN, 0);
	PUT(a, 0x48, 0x83, 0xc0, 0x08);		/* 7: add $0x8,%rax */
	PUT(a, 0x5d);				/* 8: pop %rbp */
	PUT(a, 0xc3);				/* 9: ret */
	PUT(a, 0xcc);				/* int3 */
}

static void test_position(void)
{
	static const struct {
		u64 base, off;
	} pl[2] = {
		{ TEXT0, 0x100 },
		{ 0xffffffff81200000ull, 0x2340 },
	};
	struct ng_image img[2];
	const struct ng_frag *f[2], *h[2];
	struct asmb a[2];
	u8 *t[2];
	int i;

	for (i = 0; i < 2; i++) {
		asm_init(&a[i], pl[i].base, 0x3000);
		emit_pos_text(&a[i], pl[i].off);
		t[i] = exact(&a[i]);
		analyse(&img[i], a[i].base, t[i], a[i].len);
		CU_ASSERT_EQUAL(img[i].nfrags, 2);
		h[i] = frag_at(&img[i], pl[i].base);
		f[i] = frag_at(&img[i], pl[i].base + pl[i].off);
		CU_ASSERT_PTR_NOT_NULL_FATAL(h[i]);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f[i]);
		CU_ASSERT_EQUAL(h[i]->size, 3);
		CU_ASSERT_EQUAL(f[i]->ninsn, 10);
		/* ftrace nop + 9 instructions; trailing int3 not counted */
		CU_ASSERT_EQUAL(f[i]->size, a[i].len - 1 - pl[i].off);
		CU_ASSERT(f[i]->flags & NG_FRAG_ENTRY_FTRACE);

		/* edges in instruction order, targets where they point */
		CU_ASSERT_EQUAL_FATAL(f[i]->nedges, 4);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 0)->kind, NG_E_REF);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 0)->target, DATA0);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 0)->insn, 2);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 1)->kind, NG_E_CALL);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 1)->target, pl[i].base);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 1)->insn, 4);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 2)->kind, NG_E_REF);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 2)->target, DATA0 + 8);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 2)->insn, 5);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 3)->kind, NG_E_CALL);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 3)->target, EXTFN);
		CU_ASSERT_EQUAL(edge(&img[i], f[i], 3)->insn, 6);
	}
	CU_ASSERT(same_full(f[0], f[1]));
	CU_ASSERT_EQUAL(f[0]->spec, f[1]->spec);
	CU_ASSERT(same_full(h[0], h[1]));
	CU_ASSERT_EQUAL(h[0]->spec, h[1]->spec);
	CU_ASSERT(!same_full(f[0], h[0]));
	for (i = 0; i < 2; i++) {
		ng_image_free(&img[i]);
		free(t[i]);
		asm_free(&a[i]);
	}
}

/* --- b. struct displacements -------------------------------------------- */

/* mov d1(%rdi),%rax; mov d2(%rdi),%rcx; add %rcx,%rax; ret */
static struct ng_frag disp_fn(u32 d1, u32 d2, u8 base_reg)
{
	struct asmb a;
	struct ng_frag f;

	asm_init(&a, TEXT0, 64);
	if (d1 < 0x80) {
		PUT(&a, 0x48, 0x8b, 0x40 | base_reg, d1);	/* mov d1(%reg),%rax: disp8 */
	} else {
		PUT(&a, 0x48, 0x8b, 0x80 | base_reg);		/* mov d1(%reg),%rax: disp32 */
		put32(&a, d1);
	}
	if (d2 < 0x80) {
		PUT(&a, 0x48, 0x8b, 0x48 | base_reg, d2);	/* mov d2(%reg),%rcx: disp8 */
	} else {
		PUT(&a, 0x48, 0x8b, 0x88 | base_reg);		/* mov d2(%reg),%rcx: disp32 */
		put32(&a, d2);
	}
	PUT(&a, 0x48, 0x01, 0xc8);				/* add %rcx,%rax */
	PUT(&a, 0xc3);						/* ret */
	f = one_frag(&a);
	asm_free(&a);
	return f;
}

static void test_displacement(void)
{
	struct ng_frag v0 = disp_fn(0x68, 0x10, 7);	/* rdi */
	struct ng_frag v1 = disp_fn(0x88, 0x10, 7);	/* 0x68 -> 0x88 (disp8 -> disp32) */
	struct ng_frag v2 = disp_fn(0x68, 0x100, 7);	/* 0x10 -> 0x100 (disp8 -> disp32) */
	struct ng_frag v3 = disp_fn(0x88, 0x100, 7);
	struct ng_frag v4 = disp_fn(0x68, 0x10, 6);	/* base %rsi: other code */

	CU_ASSERT(same_full(&v0, &v1));
	CU_ASSERT(same_full(&v0, &v2));
	CU_ASSERT(same_full(&v0, &v3));
	CU_ASSERT_NOT_EQUAL(v0.spec, v1.spec);
	CU_ASSERT_NOT_EQUAL(v0.spec, v2.spec);
	CU_ASSERT_NOT_EQUAL(v0.spec, v3.spec);
	CU_ASSERT_NOT_EQUAL(v1.spec, v2.spec);
	CU_ASSERT_NOT_EQUAL(v1.spec, v3.spec);
	CU_ASSERT_NOT_EQUAL(v2.spec, v3.spec);
	CU_ASSERT_EQUAL(v0.ninsn, 4);
	CU_ASSERT_EQUAL(v3.ninsn, 4);
	CU_ASSERT_EQUAL(v0.nedges, 0);
	CU_ASSERT(!same_full(&v0, &v4));
}

/* --- c. entry canonicalisation ------------------------------------------- */

/* [endbr64] [ftrace nop] mov 0x8(%rdi),%rax; mov 0x10(%rax),%eax; ret */
static struct ng_frag entry_fn(bool endbr, bool ftrace)
{
	struct asmb a;
	struct ng_frag f;

	asm_init(&a, TEXT0, 64);
	if (endbr)
		PUT(&a, 0xf3, 0x0f, 0x1e, 0xfa);	/* endbr64 */
	if (ftrace)
		PUT(&a, 0x0f, 0x1f, 0x44, 0x00, 0x00);	/* nopl 0(%rax,%rax): ftrace */
	PUT(&a, 0x48, 0x8b, 0x47, 0x08);		/* mov 0x8(%rdi),%rax */
	PUT(&a, 0x8b, 0x40, 0x10);			/* mov 0x10(%rax),%eax */
	PUT(&a, 0xc3);					/* ret */
	f = one_frag(&a);
	asm_free(&a);
	return f;
}

static void test_entry(void)
{
	struct ng_frag plain = entry_fn(false, false);
	struct ng_frag ft = entry_fn(false, true);
	struct ng_frag eb = entry_fn(true, false);
	struct ng_frag ebft = entry_fn(true, true);

	CU_ASSERT(same_full(&plain, &ft));
	CU_ASSERT(same_full(&plain, &eb));
	CU_ASSERT(same_full(&plain, &ebft));
	CU_ASSERT_EQUAL(plain.spec, ft.spec);
	CU_ASSERT_EQUAL(plain.spec, eb.spec);
	CU_ASSERT_EQUAL(plain.spec, ebft.spec);
	CU_ASSERT_EQUAL(plain.ninsn, 3);
	CU_ASSERT_EQUAL(ft.ninsn, 3);
	CU_ASSERT_EQUAL(eb.ninsn, 3);
	CU_ASSERT_EQUAL(ebft.ninsn, 3);
	CU_ASSERT_EQUAL(plain.flags & (NG_FRAG_ENTRY_FTRACE | NG_FRAG_ENTRY_ENDBR), 0);
	CU_ASSERT_EQUAL(ft.flags & (NG_FRAG_ENTRY_FTRACE | NG_FRAG_ENTRY_ENDBR),
			NG_FRAG_ENTRY_FTRACE);
	CU_ASSERT_EQUAL(eb.flags & (NG_FRAG_ENTRY_FTRACE | NG_FRAG_ENTRY_ENDBR),
			NG_FRAG_ENTRY_ENDBR);
	CU_ASSERT(ebft.flags & NG_FRAG_ENTRY_ENDBR);
	CU_ASSERT_EQUAL(plain.size, 8);
	CU_ASSERT_EQUAL(ft.size, 13);
	CU_ASSERT_EQUAL(eb.size, 12);
	CU_ASSERT_EQUAL(ebft.size, 17);
}

/* --- d. short and near branches -------------------------------------------- */

static struct ng_frag jcc_fn(bool near, bool external)
{
	struct asmb a;
	struct ng_frag f;

	asm_init(&a, TEXT0, 64);
	PUT(&a, 0x48, 0x85, 0xff);		/* test %rdi,%rdi */
	if (external) {
		PUT(&a, 0x0f, 0x84);		/* je EXTFN (leaves the function) */
		rel32(&a, EXTFN, 0);
	} else if (near) {
		PUT(&a, 0x0f, 0x84);		/* je .Lnull (rel32) */
		put32(&a, 5);
	} else {
		PUT(&a, 0x74, 0x05);		/* je .Lnull (rel8) */
	}
	PUT(&a, 0x48, 0x8b, 0x47, 0x08);	/* mov 0x8(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	PUT(&a, 0x31, 0xc0);			/* .Lnull: xor %eax,%eax */
	PUT(&a, 0xc3);				/* ret */
	f = one_frag(&a);
	asm_free(&a);
	return f;
}

static void test_branches(void)
{
	struct ng_frag short_ = jcc_fn(false, false);
	struct ng_frag near = jcc_fn(true, false);
	struct ng_frag ext = jcc_fn(true, true);

	CU_ASSERT(same_full(&short_, &near));
	CU_ASSERT_EQUAL(short_.ninsn, 6);
	CU_ASSERT_EQUAL(near.ninsn, 6);
	CU_ASSERT_EQUAL(short_.nedges, 0);
	CU_ASSERT_EQUAL(near.nedges, 0);
	/* a branch that leaves the function is another skeleton, and an edge */
	CU_ASSERT(!same_full(&near, &ext));
	CU_ASSERT_EQUAL(ext.nedges, 1);
}

/* --- e. returns, return thunk, __fentry__ --------------------------------- */

static struct ng_frag ret_fn(bool int3, bool at_end)
{
	struct asmb a;
	struct ng_frag f;

	asm_init(&a, TEXT0, 64);
	if (!at_end) {
		PUT(&a, 0x48, 0x85, 0xff);	/* test %rdi,%rdi */
		PUT(&a, 0x74, int3 ? 0x06 : 0x05); /* je .L1 */
		PUT(&a, 0x48, 0x8b, 0x47, 0x08); /* mov 0x8(%rdi),%rax */
		PUT(&a, 0xc3);			/* ret */
		if (int3)
			PUT(&a, 0xcc);		/* int3 (SLS) */
		PUT(&a, 0x31, 0xc0);		/* .L1: xor %eax,%eax */
	} else {
		PUT(&a, 0x31, 0xc0);		/* xor %eax,%eax */
	}
	PUT(&a, 0xc3);				/* ret */
	if (int3)
		PUT(&a, 0xcc);			/* int3 (SLS) */
	f = one_frag(&a);
	asm_free(&a);
	return f;
}

static void test_ret_int3(void)
{
	struct ng_frag a = ret_fn(false, true), b = ret_fn(true, true);
	struct ng_frag c = ret_fn(false, false), d = ret_fn(true, false);

	CU_ASSERT(same_full(&a, &b));
	CU_ASSERT_EQUAL(a.spec, b.spec);
	CU_ASSERT_EQUAL(a.size, 3);
	CU_ASSERT_EQUAL(b.size, 3);
	CU_ASSERT_EQUAL(a.ninsn, b.ninsn);
	/* inside a function: the int3 moves the internal target only */
	CU_ASSERT(same_full(&c, &d));
	CU_ASSERT_EQUAL(c.ninsn, d.ninsn);
}

/*
 * 4500 functions "call __fentry__; mov 0x8(%rdi),%rax; jmp
 * __x86_return_thunk": enough for the statistics to find both helpers;
 * then each function hashes like "mov 0x8(%rdi),%rax; ret".
 */
static void test_thunks(void)
{
	enum { NFN = 4500 };
	struct ng_frag ref = entry_fn(false, false);
	struct ng_frag ref2;
	struct ng_image img;
	struct asmb a, b;
	u64 fentry, thunk;
	unsigned int i, good = 0, flagged = 0, noedge = 0;
	u8 *t;

	/* the 'mov 0x10(%rax),%eax' of entry_fn is not wanted here */
	asm_init(&b, TEXT0, 64);
	PUT(&b, 0x48, 0x8b, 0x47, 0x08);	/* mov 0x8(%rdi),%rax */
	PUT(&b, 0xc3);				/* ret */
	ref2 = one_frag(&b);
	asm_free(&b);
	CU_ASSERT(!same_full(&ref, &ref2));

	asm_init(&a, TEXT0, 16 * (NFN + 4));
	fentry = here(&a);
	PUT(&a, 0xc3);				/* __fentry__: ret */
	pad_to(&a, 16, 0xcc);
	thunk = here(&a);
	PUT(&a, 0xc3);				/* __x86_return_thunk: ret */
	PUT(&a, 0xcc);				/* int3 */
	pad_to(&a, 16, 0xcc);
	for (i = 0; i < NFN; i++) {
		PUT(&a, 0xe8);			/* call __fentry__ */
		rel32(&a, fentry, 0);
		PUT(&a, 0x48, 0x8b, 0x47, 0x08); /* mov 0x8(%rdi),%rax */
		PUT(&a, 0xe9);			/* jmp __x86_return_thunk */
		rel32(&a, thunk, 0);
		pad_to(&a, 16, 0xcc);		/* int3 padding */
	}
	t = exact(&a);
	analyse(&img, a.base, t, a.len);
	CU_ASSERT_EQUAL(img.fentry, fentry);
	CU_ASSERT_EQUAL(img.ret_thunk, thunk);
	CU_ASSERT_EQUAL(img.nfrags, NFN + 2);
	for (i = 0; i < NFN; i++) {
		const struct ng_frag *f = frag_at(&img, TEXT0 + 32 + 16 * i);

		if (!f)
			continue;
		good += same_full(f, &ref2) && f->spec == ref2.spec &&
			f->ninsn == 2 && f->size == 14;
		flagged += !!(f->flags & NG_FRAG_ENTRY_FTRACE);
		noedge += f->nedges == 0;
	}
	CU_ASSERT_EQUAL(good, NFN);
	CU_ASSERT_EQUAL(flagged, NFN);
	CU_ASSERT_EQUAL(noedge, NFN);
	ng_image_free(&img);
	free(t);
	asm_free(&a);
}

/* --- f. kernel addresses as immediates ----------------------------------- */

static struct ng_frag imm_fn(u32 kaddr32, u32 small, u64 kaddr64,
			     struct ng_edge *edges, u32 maxe)
{
	struct ng_image img;
	const struct ng_frag *p;
	struct ng_frag f = { 0 };
	struct asmb a;
	u32 i;
	u8 *t;

	asm_init(&a, TEXT0, 64);
	PUT(&a, 0x48, 0xc7, 0xc7);		/* mov $kaddr32 (sign-extended),%rdi */
	put32(&a, kaddr32);
	PUT(&a, 0x48, 0xc7, 0xc6);		/* mov $small,%rsi */
	put32(&a, small);
	PUT(&a, 0x48, 0xba);			/* movabs $kaddr64,%rdx */
	put32(&a, (u32)kaddr64);
	put32(&a, (u32)(kaddr64 >> 32));
	PUT(&a, 0xe9);				/* jmp EXTFN (tail call) */
	rel32(&a, EXTFN, 0);
	t = exact(&a);
	analyse(&img, a.base, t, a.len);
	p = frag_at(&img, a.base);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p) {
		f = *p;
		for (i = 0; i < f.nedges && i < maxe; i++)
			edges[i] = *edge(&img, p, i);
	}
	ng_image_free(&img);
	free(t);
	asm_free(&a);
	return f;
}

static void test_kaddr_imm(void)
{
	struct ng_edge e0[4], e1[4], e2[4];
	struct ng_frag v0 = imm_fn(0x81234567, 0x10, 0xffffffff82000040ull, e0, 4);
	struct ng_frag v1 = imm_fn(0x81765432, 0x10, 0xffffffff83123450ull, e1, 4);
	struct ng_frag v2 = imm_fn(0x81234567, 0x20, 0xffffffff82000040ull, e2, 4);

	CU_ASSERT(same_full(&v0, &v1));
	CU_ASSERT_EQUAL(v0.spec, v1.spec);
	CU_ASSERT(same_full(&v0, &v2));
	CU_ASSERT_NOT_EQUAL(v0.spec, v2.spec);
	CU_ASSERT_EQUAL_FATAL(v0.nedges, 3);
	CU_ASSERT_EQUAL_FATAL(v1.nedges, 3);
	CU_ASSERT_EQUAL(e0[0].kind, NG_E_ABS);
	CU_ASSERT_EQUAL(e0[0].target, 0xffffffff81234567ull);
	CU_ASSERT_EQUAL(e0[0].insn, 0);
	CU_ASSERT_EQUAL(e1[0].target, 0xffffffff81765432ull);
	CU_ASSERT_EQUAL(e0[1].kind, NG_E_ABS);
	CU_ASSERT_EQUAL(e0[1].target, 0xffffffff82000040ull);
	CU_ASSERT_EQUAL(e0[1].insn, 2);
	CU_ASSERT_EQUAL(e1[1].target, 0xffffffff83123450ull);
	CU_ASSERT_EQUAL(e0[2].kind, NG_E_JMP);
	CU_ASSERT_EQUAL(e0[2].target, EXTFN);
	CU_ASSERT_EQUAL(e0[2].insn, 3);
	CU_ASSERT_EQUAL(e2[0].kind, NG_E_ABS);
}

/* --- g. discovery ---------------------------------------------------------- */

static void test_discovery_padding(void)
{
	struct ng_image img;
	struct asmb a;
	u64 f3_mid = TEXT0 + 0x38;
	u8 *t;

	asm_init(&a, TEXT0, 0x100);
	/* f0 @0x00 */
	PUT(&a, 0xe8);				/* call f3+8 (mid-function) */
	rel32(&a, f3_mid, 0);
	PUT(&a, 0x31, 0xc0);			/* xor %eax,%eax */
	PUT(&a, 0xc3);				/* ret */
	pad_to(&a, 16, 0xcc);			/* int3 x 8 */
	/* f1 @0x10 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x08);	/* mov 0x8(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	PUT(&a, 0x0f, 0x1f, 0x40, 0x00);	/* nopl 0x0(%rax) */
	PUT(&a, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00); /* nopw 0(%rax,%rax) */
	PUT(&a, 0x90);				/* nop */
	/* f2 @0x20 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x10);	/* mov 0x10(%rdi),%rax */
	PUT(&a, 0x48, 0x85, 0xc0);		/* test %rax,%rax */
	PUT(&a, 0xc3);				/* ret */
	pad_to(&a, 16, 0xcc);			/* int3 x 8 */
	/* f3 @0x30 */
	PUT(&a, 0x55);				/* push %rbp */
	PUT(&a, 0x48, 0x89, 0xe5);		/* mov %rsp,%rbp */
	PUT(&a, 0x48, 0x8b, 0x47, 0x18);	/* mov 0x18(%rdi),%rax */
	CU_ASSERT_EQUAL(here(&a), f3_mid);
	PUT(&a, 0x48, 0x8b, 0x40, 0x20);	/* f3+8: mov 0x20(%rax),%rax */
	PUT(&a, 0x5d);				/* pop %rbp */
	PUT(&a, 0xc3);				/* ret */
	PUT(&a, 0xcc, 0xcc, 0xcc);		/* int3 x 3: trailing padding */

	t = exact(&a);
	analyse(&img, a.base, t, a.len);
	CU_ASSERT_EQUAL_FATAL(img.nfrags, 5);
	CU_ASSERT_EQUAL(img.frags[0].addr, TEXT0 + 0x00);
	CU_ASSERT_EQUAL(img.frags[0].size, 8);
	CU_ASSERT_EQUAL(img.frags[0].ninsn, 3);
	CU_ASSERT_EQUAL(img.frags[1].addr, TEXT0 + 0x10);
	CU_ASSERT_EQUAL(img.frags[1].size, 5);
	CU_ASSERT_EQUAL(img.frags[1].ninsn, 2);
	CU_ASSERT_EQUAL(img.frags[2].addr, TEXT0 + 0x20);
	CU_ASSERT_EQUAL(img.frags[2].size, 8);
	CU_ASSERT_EQUAL(img.frags[3].addr, TEXT0 + 0x30);
	CU_ASSERT_EQUAL(img.frags[3].size, 8);
	CU_ASSERT_EQUAL(img.frags[3].ninsn, 3);
	CU_ASSERT_EQUAL(img.frags[4].addr, f3_mid);
	CU_ASSERT_EQUAL(img.frags[4].size, 6);
	CU_ASSERT_EQUAL(img.frags[4].ninsn, 3);
	CU_ASSERT_EQUAL_FATAL(img.frags[0].nedges, 1);
	CU_ASSERT_EQUAL(img.edges[img.frags[0].edge0].kind, NG_E_CALL);
	CU_ASSERT_EQUAL(img.edges[img.frags[0].edge0].target, f3_mid);
	ng_image_free(&img);
	free(t);
	asm_free(&a);
}

/*
 * The other markers: aligned endbr64 right after a ret (no padding), the
 * target of a far jump (a .cold part at an unaligned address), the
 * instruction after ud1 (static call trampolines).
 */
static void test_discovery_markers(void)
{
	const u64 cold = TEXT0 + 0x18003;
	struct ng_image img;
	const struct ng_frag *f;
	struct asmb a;
	u8 *t;

	asm_init(&a, TEXT0, 0x18100);
	/* @0x00 */
	PUT(&a, 0xf3, 0x0f, 0x1e, 0xfa);	/* endbr64 */
	PUT(&a, 0x8b, 0x47, 0x08);		/* mov 0x8(%rdi),%eax */
	PUT(&a, 0x0f, 0x85);			/* jne f.cold (96 KiB away) */
	rel32(&a, cold, 0);
	PUT(&a, 0x31, 0xc0);			/* xor %eax,%eax */
	PUT(&a, 0xc3);				/* ret */
	/* @0x10: aligned endbr64 directly after code, no padding */
	CU_ASSERT_EQUAL(here(&a), TEXT0 + 0x10);
	PUT(&a, 0xf3, 0x0f, 0x1e, 0xfa);	/* endbr64 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x10);	/* mov 0x10(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	pad_to(&a, 16, 0xcc);			/* int3 padding */
	/* @0x20: a static call trampoline, then code right after its ud1 */
	PUT(&a, 0xe9);				/* jmp EXTFN */
	rel32(&a, EXTFN, 0);
	PUT(&a, 0x0f, 0xb9, 0xcc);		/* ud1 %esp,%ecx */
	/* @0x28 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x18);	/* mov 0x18(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	fill_to(&a, cold, 0xcc);		/* int3 up to an unaligned address */
	/* @0x18003: f.cold */
	PUT(&a, 0x31, 0xc0);			/* xor %eax,%eax */
	PUT(&a, 0xc3);				/* ret */

	t = exact(&a);
	analyse(&img, a.base, t, a.len);
	f = frag_at(&img, TEXT0);
	CU_ASSERT(f && f->size == 16 && (f->flags & NG_FRAG_ENTRY_ENDBR) &&
		  f->nedges == 1);
	if (f && f->nedges == 1) {
		CU_ASSERT_EQUAL(img.edges[f->edge0].kind, NG_E_JMP);
		CU_ASSERT_EQUAL(img.edges[f->edge0].target, cold);
	}
	f = frag_at(&img, TEXT0 + 0x10);
	CU_ASSERT(f && f->size == 9 && (f->flags & NG_FRAG_ENTRY_ENDBR));
	f = frag_at(&img, TEXT0 + 0x20);
	CU_ASSERT(f && f->size == 8 && f->ninsn == 2);
	f = frag_at(&img, TEXT0 + 0x28);
	CU_ASSERT(f && f->size == 5 && f->ninsn == 2);
	f = frag_at(&img, cold);
	CU_ASSERT(f && f->size == 3 && f->ninsn == 2);
	CU_ASSERT_EQUAL(img.nfrags, 5);
	ng_image_free(&img);
	free(t);
	asm_free(&a);
}

/*
 * 6.2+ kernels: a __pfx_ area of 16 one-byte NOPs before a function, and
 * endbr64 poisoned into "nopw (%rax)" when IBT is off. A function that
 * opens with the poisoned endbr64 (itself a NOP) starts at it.
 */
static void test_discovery_pfx(void)
{
	struct ng_image img;
	const struct ng_frag *f;
	struct ng_frag plain;
	struct asmb a, b;
	int i;
	u8 *t;

	asm_init(&b, TEXT0, 64);
	PUT(&b, 0x48, 0x8b, 0x47, 0x10);	/* mov 0x10(%rdi),%rax */
	PUT(&b, 0xc3);				/* ret */
	plain = one_frag(&b);
	asm_free(&b);

	asm_init(&a, TEXT0, 0x100);
	/* f0 @0x00 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x08);	/* mov 0x8(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	pad_to(&a, 16, 0xcc);			/* int3 padding */
	/* @0x10: __pfx_f1 */
	for (i = 0; i < 16; i++)
		PUT(&a, 0x90);			/* nop */
	/* f1 @0x20 */
	PUT(&a, 0x66, 0x0f, 0x1f, 0x00);	/* nopw (%rax): poisoned endbr64 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x10);	/* mov 0x10(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	pad_to(&a, 16, 0xcc);			/* int3 padding */
	/* f2 @0x30: no __pfx_ area */
	PUT(&a, 0x66, 0x0f, 0x1f, 0x00);	/* nopw (%rax): poisoned endbr64 */
	PUT(&a, 0x48, 0x8b, 0x47, 0x10);	/* mov 0x10(%rdi),%rax */
	PUT(&a, 0xc3);				/* ret */
	PUT(&a, 0xcc);				/* int3 */

	t = exact(&a);
	analyse(&img, a.base, t, a.len);
	CU_ASSERT_EQUAL(img.nfrags, 3);
	f = frag_at(&img, TEXT0);
	CU_ASSERT(f && f->size == 5);		/* the __pfx_ area is padding */
	f = frag_at(&img, TEXT0 + 0x20);
	CU_ASSERT(f && f->size == 9 && f->ninsn == 2 && same_full(f, &plain) &&
		  f->spec == plain.spec);
	f = frag_at(&img, TEXT0 + 0x30);
	CU_ASSERT(f && f->size == 9 && f->ninsn == 2 && same_full(f, &plain) &&
		  f->spec == plain.spec);
	ng_image_free(&img);
	free(t);
	asm_free(&a);
}

/* --- h. robustness --------------------------------------------------------- */

static void test_random_texts(void)
{
	enum { NCASE = 200, MAXSZ = 256 << 10 };
	unsigned int i, fails = 0, viol = 0;
	u64 total_frags = 0;

	for (i = 0; i < NCASE; i++) {
		struct ng_image img;
		u64 size, start;
		u8 *t;
		int ret;

		/* sizes from 1 byte to 256 KiB, spread over every magnitude */
		if (i == 0)
			size = 1;
		else if (i == 1)
			size = MAXSZ;
		else
			size = 1 + ut_rnd() % (1ull << (1 + ut_rnd() % 18));
		if (size > MAXSZ)
			size = MAXSZ;
		if (i % 10 == 9)	/* text that ends at the top of memory */
			start = (0 - size) & ~15ull;
		else
			start = TEXT0 + (ut_rnd() & 0xfff);
		if (start + size < start && start + size != 0)
			start = TEXT0;
		t = malloc(size);
		CU_ASSERT_FATAL(t != NULL);
		for (u64 j = 0; j < size; j++)
			t[j] = (u8)(ut_rnd() >> 56);
		/* some texts with kernel-ish padding and branches mixed in */
		if (i % 3 == 0)
			for (u64 j = 0; j + 16 <= size; j += 64 + ut_rnd() % 128)
				memset(t + j, (ut_rnd() & 1) ? 0xcc : 0x90,
				       1 + ut_rnd() % 15);
		ret = ng_image_analyse(&img, start, t, size, &ng_md5_hasher);
		if (ret) {
			fails++;
		} else {
			viol += image_violations(&img);
			total_frags += img.nfrags;
			ng_image_free(&img);
		}
		free(t);
	}
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT_EQUAL(viol, 0);
	CU_ASSERT(total_frags > NCASE);
}

static void test_uniform_texts(void)
{
	static const size_t sizes[] = { 1, 15, 16, 64, 4096, 65537, 3u << 20 };
	unsigned int i, k;

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		u8 *t = malloc(n);

		CU_ASSERT_FATAL(t != NULL);
		for (i = 0; i < 2; i++) {
			struct ng_image img;
			u64 covered = 0;
			u32 j;

			memset(t, i ? 0x00 : 0xcc, n);
			analyse(&img, TEXT0, t, n);
			if (i == 0 || n == 1) {
				/*
				 * all int3: padding only, no fragment; one
				 * zero byte: not an instruction, no fragment
				 */
				CU_ASSERT_EQUAL(img.nfrags, 0);
				CU_ASSERT_EQUAL(img.nedges, 0);
			} else {
				/*
				 * all zero: "add %al,(%rax)" (2 bytes) again
				 * and again, cut every NG_FRAG_MAX_BYTES
				 */
				for (j = 0; j < img.nfrags; j++)
					covered += img.frags[j].size;
				CU_ASSERT(img.nfrags >= 1);
				CU_ASSERT_EQUAL(covered, n);
				CU_ASSERT_EQUAL(img.nfrags,
						n <= NG_FRAG_MAX_BYTES ? 1 :
						(n + NG_FRAG_MAX_BYTES - 1) /
						NG_FRAG_MAX_BYTES);
			}
			ng_image_free(&img);
		}
		free(t);
	}
}

static void test_bad_args(void)
{
	struct ng_image img;
	u8 b = 0xc3;

	CU_ASSERT_EQUAL(ng_image_analyse(&img, TEXT0, &b, 0, &ng_md5_hasher),
			-EINVAL);
	CU_ASSERT_PTR_NULL(img.frags);
	CU_ASSERT_EQUAL(ng_image_analyse(&img, TEXT0, &b,
					 (u64)NG_TEXT_MAX + 1, &ng_md5_hasher),
			-EINVAL);
	CU_ASSERT_PTR_NULL(img.frags);
	/* a single ret */
	analyse(&img, TEXT0, &b, 1);
	CU_ASSERT_EQUAL(img.nfrags, 1);
	CU_ASSERT_EQUAL(ng_image_find(&img, TEXT0 - 1), -1);
	CU_ASSERT_EQUAL(ng_image_find(&img, TEXT0 + 100), 0);
	ng_image_free(&img);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "a: same function at two addresses", test_position },
		{ "b: struct displacements in spec only", test_displacement },
		{ "c: ftrace nop and endbr64 at entry", test_entry },
		{ "d: jcc rel8 vs rel32", test_branches },
		{ "e: ret; int3 vs ret", test_ret_int3 },
		{ "e: return thunk and __fentry__ statistics", test_thunks },
		{ "f: kernel-address immediates", test_kaddr_imm },
		{ "g: discovery: padding, mid-function call target",
		  test_discovery_padding },
		{ "g: discovery: endbr64, far jump, ud1",
		  test_discovery_markers },
		{ "g: discovery: __pfx_ area, poisoned endbr64",
		  test_discovery_pfx },
		{ "h: 200 random texts", test_random_texts },
		{ "h: all-int3 and all-zero texts", test_uniform_texts },
		{ "bad arguments, one-byte text", test_bad_args },
	};
	static const struct ut_suite suite = {
		.name = "fragment", .verbose = true, UT_TESTS(tests),
	};

	ut_rnd_seed(0x2545f4914f6cdd1dull);
	return ut_run(&suite);
}
