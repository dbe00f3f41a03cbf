// SPDX-License-Identifier: GPL-2.0
/*
 * test_match.c - CUnit tests for ng_identify() and ng_ident_names()
 * (kmod/core/match.c) on synthetic kernels.
 *
 * A "reference" text of 40 small hand-assembled functions (varied bodies,
 * calls between them, four identical stubs that differ only in position,
 * a pair of identical functions whose callers differ) is labelled with fake
 * kallsyms and turned into a DB. The "target" is the same code at another
 * base address with three functions' struct displacements changed, one
 * function removed and a new one inserted elsewhere. Every name given must
 * be right (precision 100% on this case), every unchanged unique function
 * must be named by its hash, the changed ones and the stubs by the later
 * stages, the new function not at all. A DB of two kernels picks the one
 * the target resembles most as primary, and names from the other what only
 * the other has.
 */
#include <CUnit/Basic.h>
#include "asmb.h"
#include <stdio.h>
#include <stdlib.h>

#include "fragment.h"
#include "match.h"
#include "sigdb.h"
#include "sigdb_build.h"
#include "kallsyms.h"
#include "ut.h"

#define DATA0	0xffffffff82800000ull	/* data symbols */
#define NDATA	8

/* --- memory operands (the rest of the assembler is asmb.h) ------------ */

/*
 * A memory operand disp(%base) with register `reg`, after the opcode bytes
 * op[0..n): disp8 (mod 01) when it fits, else disp32 (mod 10).
 */
static void mem_op(struct asmb *a, const u8 *op, size_t n, u8 reg, u8 base,
		   u32 disp)
{
	put(a, op, n);
	if (disp < 0x80) {
		PUT(a, 0x40 | reg << 3 | base, disp);
	} else {
		PUT(a, 0x80 | reg << 3 | base);
		put32(a, disp);
	}
}

/* --- the function table ----------------------------------------------------- */

enum { BODY_RANDOM, BODY_STUB, BODY_TWIN };

#define NREF	40		/* functions 0..39: the reference */
#define ID_NEW	40		/* only in the target */
#define ID_K0	41		/* only in kernel 0 of the 2-kernel DB */
#define NFUNC	42

/* special members of the reference */
#define ID_STUB_A	5
#define ID_CALLER_1	8
#define ID_STUB_B_CALLER 10
#define ID_REMOVED	12
#define ID_STUB_B	15
#define ID_TWIN_1	20
#define ID_TWIN_2	21
#define ID_STUB_C	25
#define ID_STUB_D	26
#define ID_NEW_AFTER	29	/* the new function goes after this one */
#define ID_CALLER_2	33

static const u32 changed3[] = { 7, 19, 31 };

struct func {
	char name[24];
	int body;
	u32 seed;
	int callee[2];		/* function ids called, -1: none */
};

static struct func funcs[NFUNC];

static bool is_special_callee(int id)
{
	return id == ID_STUB_A || id == ID_STUB_C || id == ID_STUB_D ||
	       id == ID_REMOVED || id == ID_TWIN_1 || id == ID_TWIN_2 ||
	       id >= NREF;
}

static void funcs_init(void)
{
	int i;

	for (i = 0; i < NFUNC; i++) {
		struct func *f = &funcs[i];

		snprintf(f->name, sizeof(f->name), "func_%02d", i);
		f->body = BODY_RANDOM;
		f->seed = 0x1000 + 77 * i;
		f->callee[0] = f->callee[1] = -1;
		/* calls between unique functions */
		if (i % 3 == 0 && i < NREF) {
			int c = (i * 7 + 3) % NREF;

			if (!is_special_callee(c) && c != i)
				f->callee[0] = c;
		}
	}
	snprintf(funcs[ID_STUB_A].name, 24, "stub_a");
	snprintf(funcs[ID_STUB_B].name, 24, "stub_b");
	snprintf(funcs[ID_STUB_C].name, 24, "stub_c");
	snprintf(funcs[ID_STUB_D].name, 24, "stub_d");
	funcs[ID_STUB_A].body = funcs[ID_STUB_B].body = BODY_STUB;
	funcs[ID_STUB_C].body = funcs[ID_STUB_D].body = BODY_STUB;
	funcs[ID_STUB_A].callee[0] = funcs[ID_STUB_B].callee[0] = -1;
	funcs[ID_STUB_C].callee[0] = funcs[ID_STUB_D].callee[0] = -1;
	funcs[ID_STUB_B_CALLER].callee[1] = ID_STUB_B;

	snprintf(funcs[ID_TWIN_1].name, 24, "twin_1");
	snprintf(funcs[ID_TWIN_2].name, 24, "twin_2");
	funcs[ID_TWIN_1].body = funcs[ID_TWIN_2].body = BODY_TWIN;
	funcs[ID_TWIN_1].callee[0] = funcs[ID_TWIN_2].callee[0] = -1;
	snprintf(funcs[ID_CALLER_1].name, 24, "caller_1");
	snprintf(funcs[ID_CALLER_2].name, 24, "caller_2");
	funcs[ID_CALLER_1].callee[1] = ID_TWIN_1;
	funcs[ID_CALLER_2].callee[1] = ID_TWIN_2;

	snprintf(funcs[ID_REMOVED].name, 24, "removed_fn");
	snprintf(funcs[ID_NEW].name, 24, "new_fn");
	snprintf(funcs[ID_K0].name, 24, "only_in_k0");
}

/* A kernel: which functions, in which order, where, with what changes. */
struct layout {
	u64 base;
	int ids[NFUNC];
	u32 n;
	u32 delta[NFUNC];	/* struct displacement change per function id */
	u64 addr[NFUNC];	/* by function id, 0 if absent */
	u8 *text;
	u64 text_size;
	struct ng_image img;
	struct ng_ksym syms[NFUNC + NDATA];
	struct ng_kallsyms ks;
};

static u32 lrng(u64 *s)
{
	return (u32)(ut_xorshift(s) >> 32);
}

static void emit_call(struct asmb *a, const struct layout *l, int callee)
{
	PUT(a, 0xe8);				/* call callee */
	rel32(a, l->addr[callee] ? l->addr[callee] : here(a) + 4, 0);
}

/* One function of layout l at here(a), then int3 padding to 16. */
static void emit_func(struct asmb *a, const struct layout *l, int id)
{
	const struct func *f = &funcs[id];
	u32 delta = l->delta[id], nops, k;
	u64 s = f->body == BODY_TWIN ? 0xabcdef : f->seed;

	if (f->body == BODY_STUB) {
		PUT(a, 0x31, 0xc0);		/* xor %eax,%eax */
		PUT(a, 0xc3);			/* ret */
		goto pad;
	}
	lrng(&s);
	nops = 4 + lrng(&s) % 7;
	PUT(a, 0x0f, 0x1f, 0x44, 0x00, 0x00);	/* nopl 0(%rax,%rax): ftrace */
	if (s & 1)
		PUT(a, 0x55);			/* push %rbp */
	/* always one struct access first */
	mem_op(a, (const u8[]){ 0x48, 0x8b }, 2, 0, 7,	/* mov d(%rdi),%rax */
	       (lrng(&s) & 0x78) + delta);
	for (k = 0; k < nops; k++) {
		u32 d = (lrng(&s) & 0x78) + delta, imm = lrng(&s) & 0x7f;

		if (k == 1 && f->callee[0] >= 0)
			emit_call(a, l, f->callee[0]);
		if (k == 2 && f->callee[1] >= 0)
			emit_call(a, l, f->callee[1]);
		switch (lrng(&s) % 13) {
		case 0:
			mem_op(a, (const u8[]){ 0x48, 0x8b }, 2, 0, 7, d); /* mov d(%rdi),%rax */
			break;
		case 1:
			mem_op(a, (const u8[]){ 0x48, 0x89 }, 2, 0, 6, d); /* mov %rax,d(%rsi) */
			break;
		case 2:
			PUT(a, 0x48, 0x83, 0xc0, imm);	/* add $imm,%rax */
			break;
		case 3:
			PUT(a, 0x48, 0x85, 0xc0);	/* test %rax,%rax */
			PUT(a, 0x74, 0x02);		/* je 1f */
			PUT(a, 0x31, 0xc0);		/* xor %eax,%eax; 1: */
			break;
		case 4:
			mem_op(a, (const u8[]){ 0x8b }, 1, 2, 0, d); /* mov d(%rax),%edx */
			break;
		case 5:
			mem_op(a, (const u8[]){ 0x48, 0x8d }, 2, 1, 7, d); /* lea d(%rdi),%rcx */
			break;
		case 6:
			PUT(a, 0x48, 0x6b, 0xd2, imm);	/* imul $imm,%rdx,%rdx */
			break;
		case 7:
			PUT(a, 0x48, 0xc1, 0xe0, imm & 63); /* shl $imm,%rax */
			break;
		case 8:
			mem_op(a, (const u8[]){ 0x0f, 0xb6 }, 2, 0, 7, d); /* movzbl d(%rdi),%eax */
			break;
		case 9:
			PUT(a, 0x83, 0xf8, imm);	/* cmp $imm,%eax */
			break;
		case 10:
			PUT(a, 0x48, 0x8b, 0x05);	/* mov data(%rip),%rax */
			rel32(a, DATA0 + 0x40 * (imm % NDATA), 0);
			break;
		case 11:
			PUT(a, 0x48, 0x09, 0xd0);	/* or %rdx,%rax */
			break;
		default:
			PUT(a, 0x48, 0xc7, 0xc7);	/* mov $data,%rdi */
			put32(a, (u32)(DATA0 + 0x40 * (imm % NDATA)));
			break;
		}
	}
	if (s & 1)
		PUT(a, 0x5d);			/* pop %rbp */
	PUT(a, 0xc3);				/* ret */
pad:
	PUT(a, 0xcc);				/* int3 */
	while (here(a) & 15)
		PUT(a, 0xcc);			/* int3 padding */
}

static int cmp_sym(const void *x, const void *y)
{
	const struct ng_ksym *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Assemble, analyse and label layout l (ids/n/base/delta set). */
static void layout_build(struct layout *l)
{
	struct asmb a;
	u32 i, pass, ns = 0;

	memset(l->addr, 0, sizeof(l->addr));
	a.cap = 128 * l->n + 64;
	a.p = malloc(a.cap);
	CU_ASSERT_FATAL(a.p != NULL);
	a.base = l->base;
	for (pass = 0; pass < 2; pass++) {
		a.len = 0;
		for (i = 0; i < l->n; i++) {
			CU_ASSERT_FATAL(!pass || l->addr[l->ids[i]] == here(&a));
			l->addr[l->ids[i]] = here(&a);
			emit_func(&a, l, l->ids[i]);
		}
	}
	l->text_size = a.len;
	l->text = malloc(a.len);
	CU_ASSERT_FATAL(l->text != NULL);
	memcpy(l->text, a.p, a.len);
	free(a.p);
	CU_ASSERT_EQUAL_FATAL(ng_image_analyse(&l->img, l->base, l->text,
					       l->text_size, &ng_md5_hasher), 0);
	/* the fixture: one fragment per function */
	CU_ASSERT_EQUAL_FATAL(l->img.nfrags, l->n);
	for (i = 0; i < l->n; i++)
		CU_ASSERT_EQUAL_FATAL(l->img.frags[i].addr, l->addr[l->ids[i]]);

	for (i = 0; i < l->n; i++) {
		l->syms[ns].addr = l->addr[l->ids[i]];
		l->syms[ns].type = (i & 1) ? 't' : 'T';
		l->syms[ns].name = funcs[l->ids[i]].name;
		ns++;
	}
	for (i = 0; i < NDATA; i++) {
		static const char *const dn[NDATA] = {
			"data_0", "data_1", "data_2", "data_3",
			"data_4", "data_5", "data_6", "data_7",
		};

		l->syms[ns].addr = DATA0 + 0x40 * i;
		l->syms[ns].type = 'D';
		l->syms[ns].name = dn[i];
		ns++;
	}
	qsort(l->syms, ns, sizeof(l->syms[0]), cmp_sym);
	l->ks.syms = l->syms;
	l->ks.nsyms = ns;
	l->ks.strings = NULL;
}

static void layout_free(struct layout *l)
{
	ng_image_free(&l->img);
	free(l->text);
	l->text = NULL;
}

static void layout_ref(struct layout *l, u64 base)
{
	u32 i;

	memset(l, 0, sizeof(*l));
	l->base = base;
	for (i = 0; i < NREF; i++)
		l->ids[l->n++] = i;
}

/* The reference minus removed_fn, plus new_fn after func_29. */
static void layout_target(struct layout *l, u64 base)
{
	u32 i;

	memset(l, 0, sizeof(*l));
	l->base = base;
	for (i = 0; i < NREF; i++) {
		if (i != ID_REMOVED)
			l->ids[l->n++] = i;
		if (i == ID_NEW_AFTER)
			l->ids[l->n++] = ID_NEW;
	}
	for (i = 0; i < ARRAY_SIZE(changed3); i++)
		l->delta[changed3[i]] = 0x48;
}

/* Serialise kernels built from layouts into an opened DB. */
static void make_db(struct layout **ls, u32 n, struct ng_sigdb *db, u8 **buf)
{
	struct ng_dbk k[4];
	char err[256], lbl[32];
	const char *why;
	u64 len;
	u32 i;

	CU_ASSERT_FATAL(n <= 4);
	for (i = 0; i < n; i++) {
		snprintf(lbl, sizeof(lbl), "synthetic-%u", i);
		CU_ASSERT_EQUAL_FATAL(ng_dbk_build(&k[i], &ls[i]->img,
						   &ls[i]->ks, lbl, err,
						   sizeof(err)), 0);
		CU_ASSERT_EQUAL(k[i].named_syms, ls[i]->n);
	}
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(k, n, buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_open(db, *buf, len, &ng_md5_hasher,
					    &why), 0);
	for (i = 0; i < n; i++)
		ng_dbk_free(&k[i]);
}

/* --- checking the names ---------------------------------------------------- */

struct seen {
	u32 calls;
	u64 addr;
	const char *name;
	bool bad_fm;
	const struct ng_fmatch *want_fm;
};

static int on_name(void *arg, u64 addr, const char *name,
		   const struct ng_fmatch *fm)
{
	struct seen *s = arg;

	s->calls++;
	s->addr = addr;
	s->name = name;
	if (fm != s->want_fm)
		s->bad_fm = true;
	return 0;
}

struct verdict {
	u32 named, right, wrong;
	int ev[NFUNC];		/* evidence by function id, -1 absent */
	int kernel[NFUNC];	/* DB kernel by function id */
};

/*
 * Name every target fragment; compare with the target's own layout.
 * Returns the counts; prints every wrong name.
 */
static void judge(const struct ng_ident *id, const struct layout *t,
		  const struct ng_sigdb *db, struct verdict *v)
{
	u32 i, sum = 0, e;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < NFUNC; i++)
		v->ev[i] = v->kernel[i] = -1;
	CU_ASSERT_EQUAL_FATAL(id->nfrags, t->img.nfrags);
	CU_ASSERT(id->primary < db->nkernels);
	for (i = 0; i < id->nfrags; i++) {
		const struct ng_fmatch *fm = &id->m[i];
		int fid = t->ids[i];
		struct seen s = { .want_fm = fm };

		CU_ASSERT(fm->confidence <= 100);
		CU_ASSERT(fm->evidence < NG_EV__MAX);
		CU_ASSERT_EQUAL(ng_ident_names(id, &t->img, db, i, on_name, &s),
				0);
		v->ev[fid] = fm->evidence;
		if (fm->evidence == NG_EV_NONE) {
			CU_ASSERT_EQUAL(s.calls, 0);
			continue;
		}
		v->kernel[fid] = fm->kernel;
		CU_ASSERT(fm->kernel < db->nkernels);
		CU_ASSERT(fm->confidence > 0);
		CU_ASSERT(!s.bad_fm);
		/* one name per fragment start, no interior names here */
		CU_ASSERT_EQUAL(s.calls, 1);
		CU_ASSERT_EQUAL(s.addr, t->img.frags[i].addr);
		v->named++;
		if (s.calls == 1 && s.name && !strcmp(s.name, funcs[fid].name)) {
			v->right++;
		} else {
			v->wrong++;
			fprintf(stderr, "\n  wrong: %s named %s (%s)",
				funcs[fid].name, s.name ? s.name : "-",
				ng_evidence_name[fm->evidence]);
		}
	}
	CU_ASSERT_EQUAL(id->nmatched, v->named);
	for (e = 0; e < NG_EV__MAX; e++)
		sum += id->by_evidence[e];
	CU_ASSERT_EQUAL(sum, id->nmatched);
	CU_ASSERT_EQUAL(id->by_evidence[NG_EV_NONE], 0);
	/* out of range */
	CU_ASSERT_EQUAL(ng_ident_names(id, &t->img, db, id->nfrags, on_name,
				       &(struct seen){ 0 }), -EINVAL);
}

static bool is_changed(int id)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(changed3); i++)
		if ((int)changed3[i] == id)
			return true;
	return false;
}

static bool is_stub_or_twin(int id)
{
	return funcs[id].body != BODY_RANDOM;
}

static void print_evidence(const struct verdict *v, const char *what)
{
	u32 n[NG_EV__MAX] = { 0 }, i;

	for (i = 0; i < NFUNC; i++)
		if (v->ev[i] >= 0)
			n[v->ev[i]]++;
	printf("\n    %s: %u named, %u right, %u wrong;", what, v->named,
	       v->right, v->wrong);
	for (i = 0; i < NG_EV__MAX; i++)
		if (n[i])
			printf(" %s %u", ng_evidence_name[i], n[i]);
	printf(" ");
}

/* --- tests ----------------------------------------------------------------- */

static void test_fixture(void)
{
	struct layout *r = calloc(1, sizeof(*r));
	u32 i, j, same_full = 0, same_both = 0;

	CU_ASSERT_FATAL(r != NULL);
	layout_ref(r, 0xffffffff81000000ull);
	layout_build(r);
	/* the duplicates are exactly the designed ones */
	for (i = 0; i < r->img.nfrags; i++)
		for (j = i + 1; j < r->img.nfrags; j++) {
			const struct ng_frag *a = &r->img.frags[i];
			const struct ng_frag *b = &r->img.frags[j];

			if (memcmp(a->full, b->full, NG_MD5_LEN))
				continue;
			same_full++;
			same_both += a->spec == b->spec;
		}
	/* 4 stubs: 6 pairs; twins: 1 pair */
	CU_ASSERT_EQUAL(same_full, 7);
	CU_ASSERT_EQUAL(same_both, 7);
	layout_free(r);
	free(r);
}

static void test_one_kernel(void)
{
	struct layout *r = calloc(1, sizeof(*r)), *t = calloc(1, sizeof(*t));
	struct ng_sigdb db;
	struct ng_ident id;
	struct verdict v;
	u8 *buf;
	u32 i;

	CU_ASSERT_FATAL(r && t);
	layout_ref(r, 0xffffffff81000000ull);
	layout_build(r);
	layout_target(t, 0xffffffff9b400000ull);
	layout_build(t);
	make_db(&r, 1, &db, &buf);

	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &t->img, &db), 0);
	CU_ASSERT_EQUAL(id.primary, 0);
	judge(&id, t, &db, &v);
	print_evidence(&v, "one kernel");
	CU_ASSERT_EQUAL(v.wrong, 0);
	CU_ASSERT_EQUAL(v.named, t->n - 1);	/* all but new_fn */
	CU_ASSERT_EQUAL(v.ev[ID_NEW], NG_EV_NONE);
	CU_ASSERT_EQUAL(v.ev[ID_REMOVED], -1);
	for (i = 0; i < NREF; i++) {
		if (i == ID_REMOVED)
			continue;
		if (is_changed(i)) {
			CU_ASSERT(v.ev[i] == NG_EV_LOOSE ||
				  v.ev[i] == NG_EV_LOOSE_ORDER ||
				  v.ev[i] == NG_EV_CALLGRAPH ||
				  v.ev[i] == NG_EV_ORDER);
		} else if (is_stub_or_twin(i)) {
			CU_ASSERT(v.ev[i] == NG_EV_HASH_ORDER ||
				  v.ev[i] == NG_EV_CALLGRAPH ||
				  v.ev[i] == NG_EV_ORDER);
		} else {
			CU_ASSERT_EQUAL(v.ev[i], NG_EV_HASH);
		}
	}
	/* the twins have different callers: the call graph tells them apart */
	CU_ASSERT_EQUAL(v.ev[ID_TWIN_1], NG_EV_CALLGRAPH);
	CU_ASSERT_EQUAL(v.ev[ID_TWIN_2], NG_EV_CALLGRAPH);
	CU_ASSERT_EQUAL(v.ev[ID_STUB_B], NG_EV_CALLGRAPH);
	/* same_code: full hash equal, also for the loose ones */
	for (i = 0; i < id.nfrags; i++) {
		if (id.m[i].evidence != NG_EV_NONE)
			CU_ASSERT(id.m[i].same_code);
	}
	ng_ident_free(&id);
	CU_ASSERT_PTR_NULL(id.m);
	free(buf);
	layout_free(r);
	layout_free(t);
	free(r);
	free(t);
}

/* The reference against itself at another base: everything, all by hash
 * or (duplicates) by call graph and order. */
static void test_self(void)
{
	struct layout *r = calloc(1, sizeof(*r)), *t = calloc(1, sizeof(*t));
	struct ng_sigdb db;
	struct ng_ident id;
	struct verdict v;
	u8 *buf;

	CU_ASSERT_FATAL(r && t);
	layout_ref(r, 0xffffffff81000000ull);
	layout_build(r);
	layout_ref(t, 0xffffffffa1230000ull);
	layout_build(t);
	make_db(&r, 1, &db, &buf);
	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &t->img, &db), 0);
	judge(&id, t, &db, &v);
	CU_ASSERT_EQUAL(v.wrong, 0);
	CU_ASSERT_EQUAL(v.named, NREF);
	CU_ASSERT_EQUAL(id.by_evidence[NG_EV_HASH], NREF - 6);
	ng_ident_free(&id);
	free(buf);
	layout_free(r);
	layout_free(t);
	free(r);
	free(t);
}

static void test_two_kernels(void)
{
	struct layout *k0 = calloc(1, sizeof(*k0)), *k1 = calloc(1, sizeof(*k1));
	struct layout *t = calloc(1, sizeof(*t));
	struct layout *ls[2];
	struct ng_sigdb db;
	struct ng_ident id;
	struct verdict v;
	u8 *buf;
	u32 i, n;

	CU_ASSERT_FATAL(k0 && k1 && t);
	/* kernel 0: the reference, 10 functions changed, plus only_in_k0 */
	layout_ref(k0, 0xffffffff81000000ull);
	k0->ids[k0->n++] = ID_K0;
	for (i = 1; i < NREF; i += 4)
		k0->delta[i] = 0x18;
	layout_build(k0);
	/* kernel 1: exactly the target's code (without only_in_k0) */
	layout_target(k1, 0xffffffff8c000000ull);
	layout_build(k1);
	/* target: kernel 1's code with only_in_k0 inserted early */
	layout_target(t, 0xffffffff9b400000ull);
	memmove(&t->ids[4], &t->ids[3], (t->n - 3) * sizeof(t->ids[0]));
	t->ids[3] = ID_K0;
	t->n++;
	layout_build(t);

	ls[0] = k0;
	ls[1] = k1;
	make_db(ls, 2, &db, &buf);
	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &t->img, &db), 0);
	CU_ASSERT_EQUAL(id.primary, 1);
	judge(&id, t, &db, &v);
	print_evidence(&v, "two kernels");
	CU_ASSERT_EQUAL(v.wrong, 0);
	CU_ASSERT_EQUAL(v.named, t->n);
	CU_ASSERT_EQUAL(v.ev[ID_K0], NG_EV_HASH);
	CU_ASSERT_EQUAL(v.kernel[ID_K0], 0);
	CU_ASSERT_EQUAL(v.kernel[ID_NEW], 1);
	for (i = 0, n = 0; i < NFUNC; i++)
		n += v.kernel[i] == 1;
	CU_ASSERT_EQUAL(n, t->n - 1);
	ng_ident_free(&id);
	free(buf);

	/* the same DB with the kernels swapped: primary follows */
	ls[0] = k1;
	ls[1] = k0;
	make_db(ls, 2, &db, &buf);
	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &t->img, &db), 0);
	CU_ASSERT_EQUAL(id.primary, 0);
	judge(&id, t, &db, &v);
	CU_ASSERT_EQUAL(v.wrong, 0);
	CU_ASSERT_EQUAL(v.named, t->n);
	CU_ASSERT_EQUAL(v.kernel[ID_K0], 1);
	ng_ident_free(&id);
	free(buf);

	layout_free(k0);
	layout_free(k1);
	layout_free(t);
	free(k0);
	free(k1);
	free(t);
}

static void test_bad_args(void)
{
	struct layout *r = calloc(1, sizeof(*r));
	struct ng_sigdb db, empty;
	struct ng_image none;
	struct ng_ident id;
	u8 *buf;

	CU_ASSERT_FATAL(r != NULL);
	layout_ref(r, 0xffffffff81000000ull);
	layout_build(r);
	make_db(&r, 1, &db, &buf);
	memset(&empty, 0, sizeof(empty));
	memset(&none, 0, sizeof(none));
	CU_ASSERT_EQUAL(ng_identify(&id, &r->img, &empty), -EINVAL);
	CU_ASSERT_PTR_NULL(id.m);
	CU_ASSERT_EQUAL(ng_identify(&id, &none, &db), -EINVAL);
	CU_ASSERT_PTR_NULL(id.m);
	free(buf);
	layout_free(r);
	free(r);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "fixture: designed duplicates only", test_fixture },
		{ "reference vs itself elsewhere", test_self },
		{ "changed, removed, inserted, stubs, twins", test_one_kernel },
		{ "two kernels: primary and fallback", test_two_kernels },
		{ "bad arguments", test_bad_args },
	};
	static const struct ut_suite suite = {
		.name = "match", .verbose = true, UT_TESTS(tests),
	};

	funcs_init();
	return ut_run(&suite);
}
