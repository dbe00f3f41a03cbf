// SPDX-License-Identifier: GPL-2.0
/*
 * test_sigdb.c - CUnit tests for the signature DB: ng_dbk_build() and
 * ng_sigdb_serialize() (userspace/sigdb_build.c) and the validation in
 * ng_sigdb_open() (kmod/core/sigdb.c).
 *
 *  - synthetic kernels (hand-assembled text + a struct ng_kallsyms filled
 *    in directly): names land on the right fragments and offsets, edges
 *    name their callee fragment or their data symbol and addend;
 *  - round trip of one and of three kernels through serialise + open;
 *  - rejection with the right reason: truncations (with and without the
 *    header fixed up), header fields, 500 flipped bytes (checksum), and,
 *    with the MD5 recomputed, every table/count/index/string check;
 *  - 3000 random corruptions of 1-8 bytes with the MD5 fixed up: open
 *    fails or succeeds, and a DB that opens is used by ng_identify() and
 *    ng_ident_names() (the AddressSanitizer build checks every access).
 */
#include <CUnit/Basic.h>
#include "asmb.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "fragment.h"
#include "match.h"
#include "sigdb.h"
#include "sigdb_build.h"
#include "kallsyms.h"
#include "ut.h"

#define DATA0	0xffffffff82400000ull	/* data symbols: DATA0 + k * 0x100 */
#define NDATA	6
#define NFN_MAX	64
#define NSYM_MAX (2 * NFN_MAX + NDATA + 8)

/* --- a synthetic reference kernel ---------------------------------------- */

struct synth {
	u64 base;
	u32 nfn, variant;
	u64 fn[NFN_MAX];	/* function addresses */
	u64 inner;		/* the interior label of fn_04 */
	u8 *text;		/* exactly text_size bytes */
	u64 text_size;
	struct ng_ksym syms[NSYM_MAX];
	char names[NSYM_MAX][40];
	struct ng_kallsyms ks;
	struct ng_image img;
};

static u64 data_addr(u32 k)
{
	return DATA0 + (u64)k * 0x100;
}

/*
 * Function i of variant v, at here(a). fn[] holds the function addresses
 * (on the first pass: anything; instruction lengths do not depend on it).
 */
static void emit_fn(struct asmb *a, struct synth *s, u32 i)
{
	u32 v = s->variant, n = s->nfn;

	PUT(a, 0x0f, 0x1f, 0x44, 0x00, 0x00);	/* nopl 0(%rax,%rax): ftrace */
	if (i % 2)
		PUT(a, 0x55);			/* push %rbp */
	PUT(a, 0x48, 0x8b, 0x47, (8 * i + v) & 0x7f); /* mov d(%rdi),%rax */
	if (i % 3 == 0) {
		PUT(a, 0x48, 0x8b, 0x15);	/* mov data+addend(%rip),%rdx */
		rel32(a, data_addr(i % NDATA) + 8 * (i % 4), 0);
	}
	if (i % 4 == 1) {
		PUT(a, 0xe8);			/* call fn[(i + 5) % n] */
		rel32(a, s->fn[(i + 5) % n], 0);
	}
	if (i % 5 == 2) {
		PUT(a, 0x48, 0xc7, 0xc7);	/* mov $data,%rdi (imm32 sign-ext.) */
		put32(a, (u32)data_addr((i / 5) % NDATA));
	}
	if (i == 4)
		s->inner = here(a);		/* fn_04_inner: a local label */
	if (i % 7 == 3) {
		PUT(a, 0x48, 0x85, 0xc0);	/* test %rax,%rax */
		PUT(a, 0x74, 0x02);		/* je 1f */
		PUT(a, 0x31, 0xc0);		/* xor %eax,%eax */
	}					/* 1: */
	PUT(a, 0x48, 0x83, 0xc0, i & 0x7f);	/* add $i,%rax */
	if (i % 2)
		PUT(a, 0x5d);			/* pop %rbp */
	PUT(a, 0xc3);				/* ret */
	PUT(a, 0xcc);				/* int3 */
	while (here(a) & 15)
		PUT(a, 0xcc);			/* int3 padding */
}

static void add_sym(struct synth *s, size_t *n, u64 addr, char type,
		    const char *fmt, u32 arg)
{
	CU_ASSERT_FATAL(*n < NSYM_MAX);
	snprintf(s->names[*n], sizeof(s->names[*n]), fmt, arg);
	s->syms[*n].addr = addr;
	s->syms[*n].type = type;
	s->syms[*n].name = s->names[*n];
	(*n)++;
}

static int cmp_sym(const void *x, const void *y)
{
	const struct ng_ksym *a = x, *b = y;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;	/* stable */
}

static void synth_make(struct synth *s, u64 base, u32 nfn, u32 variant)
{
	struct asmb a;
	size_t n = 0;
	u32 i, pass;

	memset(s, 0, sizeof(*s));
	CU_ASSERT_FATAL(nfn >= 8 && nfn <= NFN_MAX);
	s->base = base;
	s->nfn = nfn;
	s->variant = variant;
	a.cap = 64 * nfn + 64;
	a.p = malloc(a.cap);
	CU_ASSERT_FATAL(a.p != NULL);
	a.base = base;
	for (i = 0; i < nfn; i++)
		s->fn[i] = base;
	for (pass = 0; pass < 2; pass++) {
		a.len = 0;
		for (i = 0; i < nfn; i++) {
			CU_ASSERT_FATAL(pass == 0 || s->fn[i] == here(&a));
			s->fn[i] = here(&a);
			emit_fn(&a, s, i);
		}
	}
	s->text_size = a.len;
	s->text = malloc(a.len);
	CU_ASSERT_FATAL(s->text != NULL);
	memcpy(s->text, a.p, a.len);
	free(a.p);

	for (i = 0; i < nfn; i++) {
		add_sym(s, &n, s->fn[i], (i % 3) ? 'T' : 't', "fn_%02u", i);
		if (i == 6)
			add_sym(s, &n, s->fn[i], 'T', "fn_%02u_alias", i);
		if (i == 7)	/* a padding label: not a function name */
			add_sym(s, &n, s->fn[i] - 4, 't', "__pfx_fn_%02u", i);
	}
	add_sym(s, &n, s->inner, 't', "fn_%02u_inner", 4);
	for (i = 0; i < NDATA; i++)
		add_sym(s, &n, data_addr(i), "DdbB"[i % 4], "data_%u", i);
	/* a data symbol far below the text, and one far past the data */
	add_sym(s, &n, 0xffffffff80000000ull, 'D', "low_%u", 0);
	add_sym(s, &n, DATA0 + 0x10000000ull, 'b', "high_%u", 0);
	qsort(s->syms, n, sizeof(s->syms[0]), cmp_sym);
	s->ks.syms = s->syms;
	s->ks.nsyms = n;
	s->ks.strings = NULL;
	CU_ASSERT_EQUAL_FATAL(ng_image_analyse(&s->img, base, s->text,
					       s->text_size, &ng_md5_hasher), 0);
}

static void synth_free(struct synth *s)
{
	ng_image_free(&s->img);
	free(s->text);
	s->text = NULL;
}

static void dbk_make(struct ng_dbk *k, const struct synth *s, const char *lbl)
{
	char err[256] = "";
	int ret = ng_dbk_build(k, &s->img, &s->ks, lbl, err, sizeof(err));

	if (ret)
		fprintf(stderr, "\nng_dbk_build: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
}

/* --- what ng_dbk_build produced ------------------------------------------ */

static const char *dbk_str(const struct ng_dbk *k, u32 off)
{
	return off < k->strs_size ? k->strs + off : "<bad>";
}

/* Names of DB fragment i, "name@off name@off ...", into out. */
static void frag_names(const struct ngdb_frag *f, const struct ngdb_name *names,
		       const char *strs, u32 strs_size, char *out, size_t n)
{
	size_t l = 0;
	u32 j;

	out[0] = 0;
	for (j = 0; j < f->nnames && l < n; j++) {
		const struct ngdb_name *nm = &names[f->name0 + j];

		l += snprintf(out + l, n - l, "%s%s@%u", j ? " " : "",
			      nm->str < strs_size ? strs + nm->str : "<bad>",
			      nm->off);
	}
}

static void check_labels(const struct ng_dbk *k, const struct synth *s)
{
	char got[256], want[256];
	u32 i, e;

	CU_ASSERT_EQUAL_FATAL(k->nfrags, s->nfn);
	CU_ASSERT_EQUAL(k->text_size, s->text_size);
	CU_ASSERT_EQUAL(k->text_syms, s->nfn + 2);	/* + alias + inner */
	CU_ASSERT_EQUAL(k->named_syms, s->nfn + 2);
	CU_ASSERT_EQUAL(k->nnames, s->nfn + 2);
	for (i = 0; i < s->nfn; i++) {
		const struct ngdb_frag *f = &k->frags[i];

		CU_ASSERT_EQUAL(f->addr, s->fn[i] - s->base);
		CU_ASSERT_EQUAL(f->flags & NG_FRAG_ENTRY_FTRACE,
				NG_FRAG_ENTRY_FTRACE);
		frag_names(f, k->names, k->strs, k->strs_size, got, sizeof(got));
		if (i == 6)
			snprintf(want, sizeof(want), "fn_06@0 fn_06_alias@0");
		else if (i == 4)
			snprintf(want, sizeof(want), "fn_04@0 fn_04_inner@%u",
				 (u32)(s->inner - s->fn[4]));
		else
			snprintf(want, sizeof(want), "fn_%02u@0", i);
		CU_ASSERT_STRING_EQUAL(got, want);

		/* edges: callee fragment, data symbol + addend */
		for (e = 0; e < f->nedges; e++) {
			const struct ngdb_edge *d = &k->edges[f->edge0 + e];
			u32 kind = d->kind & NGDB_EDGE_KIND_MASK;

			switch (kind) {
			case NG_E_CALL:
				CU_ASSERT_EQUAL(i % 4, 1);
				CU_ASSERT_EQUAL(d->kind, NG_E_CALL | NGDB_EDGE_TEXT);
				CU_ASSERT_EQUAL(d->a, (i + 5) % s->nfn);
				CU_ASSERT_EQUAL(d->b, 0);
				break;
			case NG_E_REF:
				CU_ASSERT_EQUAL(i % 3, 0);
				CU_ASSERT_EQUAL(d->kind, NG_E_REF | NGDB_EDGE_DATA);
				snprintf(want, sizeof(want), "data_%u", i % NDATA);
				CU_ASSERT_STRING_EQUAL(dbk_str(k, d->a), want);
				CU_ASSERT_EQUAL(d->b, 8 * (i % 4));
				break;
			case NG_E_ABS:
				CU_ASSERT_EQUAL(i % 5, 2);
				CU_ASSERT_EQUAL(d->kind, NG_E_ABS | NGDB_EDGE_DATA);
				snprintf(want, sizeof(want), "data_%u",
					 (i / 5) % NDATA);
				CU_ASSERT_STRING_EQUAL(dbk_str(k, d->a), want);
				CU_ASSERT_EQUAL(d->b, 0);
				break;
			default:
				CU_FAIL("unexpected edge kind");
			}
		}
		CU_ASSERT_EQUAL(f->nedges, (i % 3 == 0) + (i % 4 == 1) +
					   (i % 5 == 2));
	}
	/* the hash index: a permutation sorted by full hash */
	for (i = 0; i < k->nfrags; i++) {
		CU_ASSERT(k->index[i] < k->nfrags);
		if (i)
			CU_ASSERT(ng_full_cmp(k->frags[k->index[i - 1]].full,
					      k->frags[k->index[i]].full) <= 0);
	}
}

/* An opened kernel equals what ng_dbk_build produced. */
static void check_same(const struct ng_sigdb_kernel *d, const struct ng_dbk *k)
{
	CU_ASSERT_STRING_EQUAL(d->label, k->label);
	CU_ASSERT_EQUAL(d->text_size, k->text_size);
	CU_ASSERT_EQUAL_FATAL(d->nfrags, k->nfrags);
	CU_ASSERT_EQUAL_FATAL(d->nnames, k->nnames);
	CU_ASSERT_EQUAL_FATAL(d->nedges, k->nedges);
	CU_ASSERT_EQUAL_FATAL(d->strs_size, k->strs_size);
	CU_ASSERT(!memcmp(d->frags, k->frags, k->nfrags * sizeof(*k->frags)));
	CU_ASSERT(!memcmp(d->names, k->names, k->nnames * sizeof(*k->names)));
	CU_ASSERT(!memcmp(d->edges, k->edges, k->nedges * sizeof(*k->edges)));
	CU_ASSERT(!memcmp(d->strs, k->strs, k->strs_size));
	CU_ASSERT(!memcmp(d->index, k->index, k->nfrags * sizeof(u32)));
}

/* Exact-size heap copy (AddressSanitizer sees reads past the file). */
static u8 *dup_buf(const u8 *b, u64 n)
{
	u8 *c = ut_memdup(b, n);

	CU_ASSERT_FATAL(c != NULL);
	return c;
}

static void fix_md5(u8 *buf, u64 len)
{
	struct ngdb_header *h = (void *)buf;

	ng_md5(buf + sizeof(*h), len - sizeof(*h), h->md5);
}

static int open_copy(const u8 *buf, u64 len, struct ng_sigdb *db,
		     const char **why, u8 **copy)
{
	*copy = dup_buf(buf, len);
	return ng_sigdb_open(db, *copy, len, &ng_md5_hasher, why);
}

/* ng_sigdb_open() must refuse buf with a reason containing `what`. */
static bool refused(const u8 *buf, u64 len, const char *what)
{
	struct ng_sigdb db;
	const char *why = NULL;
	u8 *c;
	int ret = open_copy(buf, len, &db, &why, &c);
	bool ok = ret < 0 && why && strstr(why, what);

	if (!ok)
		fprintf(stderr, "\n  expected \"%s\", got %d \"%s\"\n", what,
			ret, why ? why : "(null)");
	free(c);
	return ok;
}

/* ng_sigdb_open() accepts buf. */
static bool opens(const u8 *buf, u64 len)
{
	struct ng_sigdb db;
	const char *why = NULL;
	u8 *c;
	int ret = open_copy(buf, len, &db, &why, &c);

	if (ret)
		fprintf(stderr, "\n  refused: %d \"%s\"\n", ret, why);
	free(c);
	return ret == 0;
}

/* --- tests ----------------------------------------------------------------- */

static void test_build_labels(void)
{
	struct synth s;
	struct ng_dbk k;

	synth_make(&s, 0xffffffff81000000ull, 24, 0);
	CU_ASSERT_EQUAL(s.img.nfrags, 24);
	dbk_make(&k, &s, "synthetic-0");
	check_labels(&k, &s);
	ng_dbk_free(&k);
	synth_free(&s);
}

static void test_round_trip(void)
{
	struct synth s;
	struct ng_dbk k;
	struct ng_sigdb db;
	struct ng_ident id;
	const char *why;
	u8 *buf;
	u64 len;
	u32 i, self = 0;

	synth_make(&s, 0xffffffff81000000ull, 24, 0);
	dbk_make(&k, &s, "synthetic-0");
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(&k, 1, &buf, &len), 0);
	CU_ASSERT_EQUAL(len % 8, 0);
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_open(&db, buf, len, &ng_md5_hasher,
					    &why), 0);
	CU_ASSERT_EQUAL(db.nkernels, 1);
	check_same(&db.k[0], &k);
	check_labels(&k, &s);

	/* the reference names itself, every fragment by its own entry */
	CU_ASSERT_EQUAL_FATAL(ng_identify(&id, &s.img, &db), 0);
	for (i = 0; i < id.nfrags; i++)
		self += id.m[i].evidence == NG_EV_HASH && id.m[i].dbfrag == i &&
			id.m[i].same_code;
	CU_ASSERT_EQUAL(self, s.nfn);
	ng_ident_free(&id);

	/* bad arguments to the serialiser */
	CU_ASSERT_EQUAL(ng_sigdb_serialize(&k, 0, &buf, &len), -EINVAL);
	CU_ASSERT_EQUAL(ng_sigdb_serialize(&k, NG_SIGDB_MAX_KERNELS + 1, &buf,
					   &len), -EINVAL);
	free((void *)db.buf);
	ng_dbk_free(&k);
	synth_free(&s);
}

static void test_multi_kernel(void)
{
	static const struct {
		u64 base;
		u32 nfn;
	} kv[3] = {
		{ 0xffffffff81000000ull, 24 },
		{ 0xffffffff9a000000ull, 30 },
		{ 0xffffffffa0200000ull, 17 },
	};
	struct synth *s = calloc(3, sizeof(*s));
	struct ng_dbk k[3];
	struct ng_sigdb db;
	const char *why;
	char lbl[32];
	u8 *buf, *c;
	u64 len;
	u32 i;

	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < 3; i++) {
		synth_make(&s[i], kv[i].base, kv[i].nfn, i);
		snprintf(lbl, sizeof(lbl), "synthetic-%u", i);
		dbk_make(&k[i], &s[i], lbl);
		check_labels(&k[i], &s[i]);
	}
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(k, 3, &buf, &len), 0);
	CU_ASSERT_EQUAL_FATAL(open_copy(buf, len, &db, &why, &c), 0);
	CU_ASSERT_EQUAL(db.nkernels, 3);
	for (i = 0; i < 3; i++)
		check_same(&db.k[i], &k[i]);
	/* tables are 8-aligned and inside the file */
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(((const u8 *)db.k[i].frags - c) % 8, 0);
		CU_ASSERT_EQUAL(((const u8 *)db.k[i].names - c) % 8, 0);
		CU_ASSERT_EQUAL(((const u8 *)db.k[i].edges - c) % 8, 0);
		CU_ASSERT_EQUAL(((const u8 *)db.k[i].strs - c) % 8, 0);
		CU_ASSERT_EQUAL(((const u8 *)db.k[i].index - c) % 8, 0);
	}
	free(c);
	free(buf);
	for (i = 0; i < 3; i++) {
		ng_dbk_free(&k[i]);
		synth_free(&s[i]);
	}
	free(s);
}

/* A one-kernel DB of the 24-function synthetic kernel. */
static void make_db(u8 **buf, u64 *len, struct synth *s)
{
	struct ng_dbk k;

	synth_make(s, 0xffffffff81000000ull, 24, 0);
	dbk_make(&k, s, "synthetic-0");
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(&k, 1, buf, len), 0);
	ng_dbk_free(&k);
}

/* End of the last table: a file cut at or past it still holds everything. */
static u64 tables_end(const u8 *buf)
{
	const struct ngdb_header *h = (const void *)buf;
	const struct ngdb_kernel *dk = (const void *)(buf + sizeof(*h));
	u64 end = sizeof(*h) + (u64)h->nkernels * sizeof(*dk), e;
	u32 i;

	for (i = 0; i < h->nkernels; i++) {
		e = dk[i].frags_off + (u64)dk[i].nfrags * sizeof(struct ngdb_frag);
		end = e > end ? e : end;
		e = dk[i].names_off + (u64)dk[i].nnames * sizeof(struct ngdb_name);
		end = e > end ? e : end;
		e = dk[i].edges_off + (u64)dk[i].nedges * sizeof(struct ngdb_edge);
		end = e > end ? e : end;
		e = dk[i].strs_off + dk[i].strs_size;
		end = e > end ? e : end;
		e = dk[i].index_off + (u64)dk[i].nfrags * sizeof(u32);
		end = e > end ? e : end;
	}
	return end;
}

static void test_truncation(void)
{
	struct synth s;
	u8 *buf, *t;
	u64 len, n, need, step;
	unsigned int bad = 0, bad_fixed = 0, tried = 0;

	make_db(&buf, &len, &s);
	need = tables_end(buf);
	step = len / 400 ? len / 400 : 1;
	for (n = 0; n < len; n += (n < 200 ? 1 : step)) {
		tried++;
		if (!refused(buf, n, n < 64 ? "too short" : "size mismatch"))
			bad++;
		if (n < sizeof(struct ngdb_header))
			continue;
		/* the same cut with file_size and MD5 made to agree */
		t = dup_buf(buf, n);
		((struct ngdb_header *)t)->file_size = n;
		fix_md5(t, n);
		if (n < need && !refused(t, n, "outside the file"))
			bad_fixed++;
		free(t);
	}
	CU_ASSERT(tried > 400);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(bad_fixed, 0);
	/* one byte more than the file: refused too */
	t = malloc(len + 1);
	CU_ASSERT_FATAL(t != NULL);
	memcpy(t, buf, len);
	t[len] = 0;
	CU_ASSERT(refused(t, len + 1, "size mismatch"));
	free(t);
	free(buf);
	synth_free(&s);
}

static void test_header(void)
{
	struct synth s;
	struct ngdb_header *h;
	u8 *buf, *t;
	u64 len;
	void *big;

	make_db(&buf, &len, &s);
	h = (void *)buf;
	CU_ASSERT(opens(buf, len));	/* the intact DB opens */

	h->magic[0] ^= 0x20;
	CU_ASSERT(refused(buf, len, "bad magic"));
	h->magic[0] ^= 0x20;
	h->magic[7] = '1';
	CU_ASSERT(refused(buf, len, "bad magic"));
	h->magic[7] = 0;
	h->version = NG_SIGDB_VERSION + 1;
	CU_ASSERT(refused(buf, len, "version"));
	h->version = NG_SIGDB_VERSION - 1;	/* an old DB: rebuild it */
	CU_ASSERT(refused(buf, len, "version"));
	h->version = NG_SIGDB_VERSION;
	h->header_size = 72;
	CU_ASSERT(refused(buf, len, "header size"));
	h->header_size = 0;
	CU_ASSERT(refused(buf, len, "header size"));
	h->header_size = sizeof(*h);
	h->file_size = len + 8;
	CU_ASSERT(refused(buf, len, "size mismatch"));
	h->file_size = len - 8;
	CU_ASSERT(refused(buf, len, "size mismatch"));
	h->file_size = len;
	h->nkernels = 0;
	CU_ASSERT(refused(buf, len, "kernel count"));
	h->nkernels = NG_SIGDB_MAX_KERNELS + 1;
	CU_ASSERT(refused(buf, len, "kernel count"));
	h->nkernels = 0xffffffff;
	CU_ASSERT(refused(buf, len, "kernel count"));
	h->nkernels = 1;
	CU_ASSERT(opens(buf, len));

	/* two kernels announced, room for one in a file of 64 + 128 bytes */
	t = dup_buf(buf, sizeof(*h) + sizeof(struct ngdb_kernel));
	((struct ngdb_header *)t)->nkernels = 2;
	((struct ngdb_header *)t)->file_size = sizeof(*h) +
					       sizeof(struct ngdb_kernel);
	fix_md5(t, sizeof(*h) + sizeof(struct ngdb_kernel));
	CU_ASSERT(refused(t, sizeof(*h) + sizeof(struct ngdb_kernel),
			  "kernel table outside the file"));
	free(t);

	/* a file over 256 MiB (mapped lazily, only the header is written) */
	big = mmap(NULL, NG_SIGDB_MAX_SIZE + 8ull, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (big != MAP_FAILED) {
		struct ng_sigdb db;
		const char *why = NULL;

		memcpy(big, buf, sizeof(*h));
		((struct ngdb_header *)big)->file_size = NG_SIGDB_MAX_SIZE + 8ull;
		CU_ASSERT(ng_sigdb_open(&db, big, NG_SIGDB_MAX_SIZE + 8ull,
					&ng_md5_hasher, &why) < 0);
		CU_ASSERT(why && strstr(why, "too large"));
		munmap(big, NG_SIGDB_MAX_SIZE + 8ull);
	}
	free(buf);
	synth_free(&s);
}

static void test_checksum(void)
{
	struct synth s;
	u8 *buf;
	u64 len, pos;
	unsigned int i, bad = 0;

	make_db(&buf, &len, &s);
	for (i = 0; i < 500; i++) {
		u8 x = (u8)(1 + ut_rnd() % 255);

		/* anywhere the MD5 covers, or the MD5 itself */
		if (i % 10 == 0)
			pos = offsetof(struct ngdb_header, md5) +
			      ut_rnd() % NG_MD5_LEN;
		else
			pos = sizeof(struct ngdb_header) +
			      ut_rnd() % (len - sizeof(struct ngdb_header));
		buf[pos] ^= x;
		if (!refused(buf, len, "checksum"))
			bad++;
		buf[pos] ^= x;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(opens(buf, len));
	free(buf);
	synth_free(&s);
}

/* Corrupt a copy through fn, recompute the MD5, expect `what`. */
struct corrupt {
	const char *what;	/* expected reason */
	void (*fn)(u8 *buf, struct ngdb_kernel *dk, u64 len);
};

#define KF(b, dk)	((struct ngdb_frag *)((b) + (dk)->frags_off))
#define KN(b, dk)	((struct ngdb_name *)((b) + (dk)->names_off))
#define KE(b, dk)	((struct ngdb_edge *)((b) + (dk)->edges_off))
#define KS(b, dk)	((char *)((b) + (dk)->strs_off))
#define KI(b, dk)	((u32 *)((b) + (dk)->index_off))

static void c_frags_off_past(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->frags_off = len + 8;
}

static void c_frags_off_misaligned(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->frags_off += 4;
}

static void c_names_off_end(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->names_off = len & ~7ull;	/* inside, but the table is not */
}

static void c_edges_off_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->edges_off = ~7ull;
}

static void c_strs_off_misaligned(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->strs_off |= 1;
}

static void c_index_off_past(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->index_off = len - 4 * (dk->nfrags / 2);
	dk->index_off &= ~7ull;
}

static void c_nfrags_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nfrags = 0x10000000;
}

static void c_nfrags_wrap(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nfrags = 0xffffffff;
}

static void c_nfrags_zero(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nfrags = 0;
}

static void c_nnames_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nnames += 1000000;
}

static void c_nedges_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nedges = 0xfffffff0;
}

static void c_strs_size_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->strs_size = 0xffffffff;
}

static void c_nedges_zero(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nedges = 0;
}

static void c_nnames_less(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->nnames -= 1;
}

static void c_name0(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[dk->nfrags - 1].name0 = dk->nnames;
}

static void c_nnames_frag(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[dk->nfrags - 1].nnames = 2;
}

static void c_edge0_wrap(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[0].edge0 = 0xffffffff;
	KF(b, dk)[0].nedges = 2;
}

static void c_nedges_frag(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[dk->nfrags - 1].nedges = dk->nedges + 1;
}

static void c_index_range(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KI(b, dk)[3] = dk->nfrags;
}

static void c_index_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KI(b, dk)[0] = 0xffffffff;
}

static void c_index_unsorted(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	u32 *ix = KI(b, dk), t = ix[0];

	ix[0] = ix[dk->nfrags - 1];
	ix[dk->nfrags - 1] = t;
}

static void c_frags_unsorted(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	struct ngdb_frag *f = KF(b, dk), t = f[1];

	f[1] = f[2];
	f[2] = t;
}

static void c_frags_same_addr(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[5].addr = KF(b, dk)[4].addr;
}

static void c_frag_outside(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[dk->nfrags - 1].size = (u32)dk->text_size;
}

static void c_frag_addr_wrap(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KF(b, dk)[dk->nfrags - 1].addr = 0xfffffff0;
	KF(b, dk)[dk->nfrags - 1].size = 0x20;
}

static void c_text_size_zero(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->text_size = 0;
}

static void c_text_size_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->text_size = 1ull << 32;
}

static void c_strs_unterminated(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KS(b, dk)[dk->strs_size - 1] = 'x';
}

static void c_strs_empty(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	dk->strs_size = 0;
}

static void c_name_str(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KN(b, dk)[dk->nnames - 1].str = dk->strs_size;
}

static void c_label(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	memset(dk->label, 'A', sizeof(dk->label));
}

static struct ngdb_edge *find_edge(u8 *b, struct ngdb_kernel *dk, u32 flag)
{
	u32 i;

	for (i = 0; i < dk->nedges; i++)
		if (KE(b, dk)[i].kind & flag)
			return &KE(b, dk)[i];
	CU_FAIL_FATAL("no such edge in the synthetic DB");
	return NULL;
}

static void c_edge_kind(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KE(b, dk)[0].kind = (KE(b, dk)[0].kind & ~0xffu) | 4;
}

static void c_edge_kind_ff(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	KE(b, dk)[dk->nedges - 1].kind |= 0xff;
}

static void c_edge_frag(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	find_edge(b, dk, NGDB_EDGE_TEXT)->a = dk->nfrags;
}

static void c_edge_frag_huge(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	find_edge(b, dk, NGDB_EDGE_TEXT)->a = 0xffffffff;
}

static void c_edge_str(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	find_edge(b, dk, NGDB_EDGE_DATA)->a = dk->strs_size;
}

static void c_edge_both(u8 *b, struct ngdb_kernel *dk, u64 len)
{
	/* a data edge whose name offset is not a fragment index */
	struct ngdb_edge *e = find_edge(b, dk, NGDB_EDGE_DATA);

	e->kind |= NGDB_EDGE_TEXT;
	e->a = dk->nfrags + 1;
}

static const struct corrupt corrupts[] = {
	{ "table outside the file", c_frags_off_past },
	{ "table outside the file", c_frags_off_misaligned },
	{ "table outside the file", c_names_off_end },
	{ "table outside the file", c_edges_off_huge },
	{ "table outside the file", c_strs_off_misaligned },
	{ "table outside the file", c_index_off_past },
	{ "table outside the file", c_nfrags_huge },
	{ "table outside the file", c_nfrags_wrap },
	{ "kernel without fragments", c_nfrags_zero },
	{ "table outside the file", c_nnames_huge },
	{ "table outside the file", c_nedges_huge },
	{ "table outside the file", c_strs_size_huge },
	{ "fragment table index out of range", c_nedges_zero },
	{ "fragment table index out of range", c_nnames_less },
	{ "fragment table index out of range", c_name0 },
	{ "fragment table index out of range", c_nnames_frag },
	{ "fragment table index out of range", c_edge0_wrap },
	{ "fragment table index out of range", c_nedges_frag },
	{ "hash index is not a permutation", c_index_range },
	{ "hash index is not a permutation", c_index_huge },
	{ "hash index not sorted", c_index_unsorted },
	{ "fragments not sorted", c_frags_unsorted },
	{ "fragments not sorted", c_frags_same_addr },
	{ "fragment outside the text", c_frag_outside },
	{ "fragment outside the text", c_frag_addr_wrap },
	{ "bad text size", c_text_size_zero },
	{ "bad text size", c_text_size_huge },
	{ "string table not terminated", c_strs_unterminated },
	{ "string table not terminated", c_strs_empty },
	{ "name outside the string table", c_name_str },
	{ "kernel label not terminated", c_label },
	{ "bad edge kind", c_edge_kind },
	{ "bad edge kind", c_edge_kind_ff },
	{ "edge to a missing fragment", c_edge_frag },
	{ "edge to a missing fragment", c_edge_frag_huge },
	{ "edge name outside the string table", c_edge_str },
	{ "edge to a missing fragment", c_edge_both },
};

static void test_corrupt_fixed_md5(void)
{
	struct synth s;
	u8 *buf, *t;
	u64 len;
	unsigned int i, bad = 0;

	make_db(&buf, &len, &s);
	for (i = 0; i < ARRAY_SIZE(corrupts); i++) {
		t = dup_buf(buf, len);
		corrupts[i].fn(t, (struct ngdb_kernel *)(t +
			       sizeof(struct ngdb_header)), len);
		fix_md5(t, len);
		if (!refused(t, len, corrupts[i].what)) {
			fprintf(stderr, "  (corruption #%u)\n", i);
			bad++;
		}
		free(t);
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
	synth_free(&s);
}

/* The same corruptions in the middle kernel of a three-kernel DB. */
static void test_corrupt_second_kernel(void)
{
	struct synth *s = calloc(3, sizeof(*s));
	struct ng_dbk k[3];
	u8 *buf, *t;
	u64 len;
	unsigned int i, bad = 0;

	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < 3; i++) {
		synth_make(&s[i], 0xffffffff81000000ull + (u64)i * 0x1000000,
			   20 + 4 * i, i);
		dbk_make(&k[i], &s[i], "k");
	}
	CU_ASSERT_EQUAL_FATAL(ng_sigdb_serialize(k, 3, &buf, &len), 0);
	CU_ASSERT(opens(buf, len));
	for (i = 0; i < ARRAY_SIZE(corrupts); i++) {
		t = dup_buf(buf, len);
		corrupts[i].fn(t, (struct ngdb_kernel *)(t +
			       sizeof(struct ngdb_header)) + 1, len);
		fix_md5(t, len);
		if (!refused(t, len, corrupts[i].what)) {
			fprintf(stderr, "  (corruption #%u, kernel 1)\n", i);
			bad++;
		}
		free(t);
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
	for (i = 0; i < 3; i++) {
		ng_dbk_free(&k[i]);
		synth_free(&s[i]);
	}
	free(s);
}

static int count_name(void *arg, u64 addr, const char *name,
		      const struct ng_fmatch *fm)
{
	(*(unsigned long *)arg) += strlen(name) + (addr & 1) + fm->confidence;
	return 0;
}

static void test_fuzz(void)
{
	enum { ITER = 3000 };
	struct synth s, tgt;
	u8 *buf;
	u64 len;
	unsigned int it, opened = 0, identified = 0, names_err = 0;
	unsigned long sink = 0;

	make_db(&buf, &len, &s);
	/* a target: the same functions, other base, other displacements */
	synth_make(&tgt, 0xffffffff9c000000ull, 26, 1);
	for (it = 0; it < ITER; it++) {
		struct ng_sigdb db;
		struct ng_ident id;
		const char *why;
		u8 *t = dup_buf(buf, len);
		unsigned int n = 1 + ut_rnd() % 8, j;
		const struct ng_image *img = (it & 1) ? &tgt.img : &s.img;

		for (j = 0; j < n; j++) {
			u64 pos;

			/* mostly the kernel table and the tables after it */
			if (ut_rnd() % 8 == 0)
				pos = ut_rnd() % len;
			else
				pos = sizeof(struct ngdb_header) +
				      ut_rnd() % (len - sizeof(struct ngdb_header));
			switch (ut_rnd() % 4) {
			case 0:
				t[pos] ^= (u8)(1u << (ut_rnd() % 8));
				break;
			case 1:
				t[pos] = 0;
				break;
			case 2:
				t[pos] = 0xff;
				break;
			default:
				t[pos] = (u8)ut_rnd();
				break;
			}
		}
		fix_md5(t, len);
		if (ng_sigdb_open(&db, t, len, &ng_md5_hasher, &why) == 0) {
			opened++;
			if (ng_identify(&id, img, &db) == 0) {
				u32 i;

				identified++;
				for (i = 0; i < id.nfrags; i++) {
					CU_ASSERT(id.m[i].confidence <= 100);
					if (ng_ident_names(&id, img, &db, i,
							   count_name, &sink))
						names_err++;
				}
				ng_ident_free(&id);
			}
		} else {
			CU_ASSERT(why && *why);
		}
		free(t);
	}
	printf("\n    fuzz: %u/%u corrupted DBs opened, %u identified ",
	       opened, ITER, identified);
	CU_ASSERT_EQUAL(names_err, 0);
	CU_ASSERT(opened > ITER / 20);	/* the loop did reach the matcher */
	CU_ASSERT(opened < ITER);
	CU_ASSERT(sink > 0);
	free(buf);
	synth_free(&s);
	synth_free(&tgt);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "build: names, offsets, edges", test_build_labels },
		{ "round trip, one kernel", test_round_trip },
		{ "round trip, three kernels", test_multi_kernel },
		{ "truncations", test_truncation },
		{ "header fields", test_header },
		{ "500 flipped bytes: checksum", test_checksum },
		{ "corruptions with the MD5 fixed up", test_corrupt_fixed_md5 },
		{ "corruptions in the 2nd of 3 kernels",
		  test_corrupt_second_kernel },
		{ "fuzz: 3000 corruptions, open + identify", test_fuzz },
	};
	static const struct ut_suite suite = {
		.name = "sigdb", .verbose = true, UT_TESTS(tests),
	};

	ut_rnd_seed(0x9e3779b97f4a7c15ull);
	return ut_run(&suite);
}
