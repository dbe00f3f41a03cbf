// SPDX-License-Identifier: GPL-2.0
/*
 * match.c - name a target kernel's fragments from a signature DB.
 *
 * Stages (docs/design.md has the reasoning and the figures):
 *  1. exact: full + spec hash unique in the target and in the DB kernel;
 *  2. call graph: a matched pair with the same code calls the same
 *     functions at the same sites, so its callees pair up too;
 *  3. loose: full hash alone (struct offsets, per-CPU offsets changed);
 *  4. order: functions keep their link order, so between two matched
 *     neighbours a hash that is unique in the gap, or a gap of equal
 *     length with compatible sizes, pairs up.
 * Stages 2-4 repeat until nothing changes (bounded). Every pairing is
 * one-to-one.
 */
#include "match.h"

const char *const ng_evidence_name[NG_EV__MAX] = {
	[NG_EV_NONE] = "none",
	[NG_EV_HASH] = "hash",
	[NG_EV_HASH_ORDER] = "hash+order",
	[NG_EV_CALLGRAPH] = "callgraph",
	[NG_EV_LOOSE] = "loose",
	[NG_EV_LOOSE_ORDER] = "loose+order",
	[NG_EV_ORDER] = "order",
};

struct tkey {
	u8 full[NG_MD5_LEN];
	u64 spec;
	u32 idx;
	u32 pad;
};

struct mctx {
	const struct ng_image *img;
	const struct ng_sigdb_kernel *k;
	u32 kidx;
	struct ng_ident *id;
	u8 *used;		/* per DB fragment */
	u32 *wl;		/* worklist: target fragments to propagate */
	u32 nwl;
	struct tkey *keys;	/* target keys sorted by full, spec */
};

/* Largest group of equal hashes we look into (bounds quadratic work). */
#define GROUP_MAX	4096
/* Largest gap product (target x DB) the order stage examines. */
#define GAP_MAX		(1u << 20)
#define ROUNDS_MAX	8
/* A data address needs two agreeing references (one alone is 85% right). */
#define NG_DATA_MIN_VOTES	2

static int cmp_tkey(const void *a, const void *b)
{
	const struct tkey *x = a, *y = b;
	int c = ng_full_cmp(x->full, y->full);

	if (c)
		return c;
	if (x->spec != y->spec)
		return x->spec < y->spec ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool assign(struct mctx *c, u32 t, u32 d, u8 ev, u8 conf)
{
	struct ng_fmatch *fm = &c->id->m[t];

	if (fm->evidence != NG_EV_NONE || c->used[d])
		return false;
	fm->dbfrag = d;
	fm->kernel = (u8)c->kidx;
	fm->evidence = ev;
	fm->confidence = conf;
	fm->same_code = !ng_full_cmp(c->img->frags[t].full,
				     c->k->frags[d].full);
	c->used[d] = 1;
	c->id->nmatched++;
	c->id->by_evidence[ev]++;
	if (fm->same_code)
		c->wl[c->nwl++] = t;	/* each t enters at most once */
	return true;
}

/* Target fragment starting exactly at va, or -1. */
static long frag_at(const struct ng_image *img, u64 va)
{
	long i = ng_image_find(img, va);

	return (i >= 0 && img->frags[i].addr == va) ? i : -1;
}

static u32 propagate(struct mctx *c)
{
	u32 n = 0;

	while (c->nwl) {
		u32 t = c->wl[--c->nwl], i;
		const struct ng_fmatch *fm = &c->id->m[t];
		const struct ng_frag *tf = &c->img->frags[t];
		const struct ngdb_frag *df = &c->k->frags[fm->dbfrag];

		if (tf->nedges != df->nedges)
			continue;
		for (i = 0; i < tf->nedges; i++) {
			const struct ng_edge *te = &c->img->edges[tf->edge0 + i];
			const struct ngdb_edge *de = &c->k->edges[df->edge0 + i];
			long ti;

			if (!(de->kind & NGDB_EDGE_TEXT) ||
			    (de->kind & NGDB_EDGE_KIND_MASK) != te->kind)
				continue;
			ti = frag_at(c->img, te->target - de->b);
			if (ti < 0)
				continue;
			if (c->id->m[ti].evidence == NG_EV_NONE) {
				if (assign(c, ti, de->a, NG_EV_CALLGRAPH, 90))
					n++;
				else
					c->id->conflicts++;
			} else if (c->id->m[ti].kernel != c->kidx ||
				   c->id->m[ti].dbfrag != de->a) {
				c->id->conflicts++;
			}
		}
	}
	return n;
}

/* DB index range [*lo, *hi) of fragments whose full hash is full. */
static void db_range(const struct ng_sigdb_kernel *k, const u8 *full,
		     u32 *lo, u32 *hi)
{
	u32 a = 0, b = k->nfrags;

	while (a < b) {
		u32 mid = a + (b - a) / 2;

		if (ng_full_cmp(k->frags[k->index[mid]].full, full) < 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	b = k->nfrags;
	while (a < b) {
		u32 mid = a + (b - a) / 2;

		if (ng_full_cmp(k->frags[k->index[mid]].full, full) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*hi = a;
}

/*
 * Unique-on-both-sides pass over the target keys. exact: compare spec too.
 */
static u32 unique_pass(struct mctx *c, bool exact, u8 ev, u8 conf)
{
	u32 n = 0, i = 0, nf = c->img->nfrags;

	while (i < nf) {
		u32 j = i, nt = 0, cand_t = 0, lo, hi, x, nd = 0, cand_d = 0;

		while (j < nf && !ng_full_cmp(c->keys[j].full, c->keys[i].full) &&
		       (!exact || c->keys[j].spec == c->keys[i].spec))
			j++;
		for (x = i; x < j; x++) {
			if (c->id->m[c->keys[x].idx].evidence == NG_EV_NONE) {
				nt++;
				cand_t = c->keys[x].idx;
			}
		}
		if (nt != 1)
			goto next;
		db_range(c->k, c->keys[i].full, &lo, &hi);
		if (hi - lo > GROUP_MAX)
			goto next;
		for (x = lo; x < hi && nd < 2; x++) {
			u32 d = c->k->index[x];

			if (c->used[d])
				continue;
			if (exact && c->k->frags[d].spec != c->keys[i].spec)
				continue;
			nd++;
			cand_d = d;
		}
		if (nd == 1 && assign(c, cand_t, cand_d, ev, conf))
			n++;
next:
		i = j;
	}
	return n;
}

static bool key_eq(const struct ng_frag *t, const struct ngdb_frag *d,
		   bool exact)
{
	return !ng_full_cmp(t->full, d->full) && (!exact || t->spec == d->spec);
}

/* Sizes close enough to pair two fragments by position alone. */
static bool compatible(const struct ng_frag *t, const struct ngdb_frag *d)
{
	u32 a = t->size, b = d->size, ia = t->ninsn, ib = d->ninsn;

	if ((t->flags ^ d->flags) & NG_FRAG_ENTRY_FTRACE)
		return false;
	if (a > b) {
		u32 s = a;

		a = b;
		b = s;
	}
	if (ia > ib) {
		u32 s = ia;

		ia = ib;
		ib = s;
	}
	if (!(4 * a >= 3 * b && 4 * ia >= 3 * ib))
		return false;
	/* as many calls and references, give or take a quarter */
	ia = t->nedges;
	ib = d->nedges;
	if (ia > ib) {
		u32 s = ia;

		ia = ib;
		ib = s;
	}
	return 4 * ia >= 3 * ib;
}

/* Work inside one gap between matched neighbours. */
static u32 fill_gap(struct mctx *c, u32 t0, u32 t1, u32 d0, u32 d1)
{
	u32 n = 0, t, d, nt = 0, nd = 0;
	int pass;

	for (t = t0; t < t1; t++)
		nt += c->id->m[t].evidence == NG_EV_NONE;
	for (d = d0; d < d1; d++)
		nd += !c->used[d];
	if (!nt || !nd)
		return 0;
	if ((u64)(t1 - t0) * (d1 - d0) <= GAP_MAX) {
		for (pass = 0; pass < 2; pass++) {
			bool exact = pass == 0;

			for (t = t0; t < t1; t++) {
				const struct ng_frag *tf = &c->img->frags[t];
				u32 hits = 0, hit = 0, t2, back = 0;

				if (c->id->m[t].evidence != NG_EV_NONE)
					continue;
				for (d = d0; d < d1 && hits < 2; d++) {
					if (!c->used[d] &&
					    key_eq(tf, &c->k->frags[d], exact)) {
						hits++;
						hit = d;
					}
				}
				if (hits != 1)
					continue;
				for (t2 = t0; t2 < t1 && back < 2; t2++)
					if (c->id->m[t2].evidence == NG_EV_NONE &&
					    key_eq(&c->img->frags[t2],
						   &c->k->frags[hit], exact))
						back++;
				if (back == 1 &&
				    assign(c, t, hit, exact ? NG_EV_HASH_ORDER :
					   NG_EV_LOOSE_ORDER, exact ? 95 : 80))
					n++;
			}
		}
	}
	if (n)
		return n;	/* the gap changed: come back next round */

	/* Same number left on both sides: pair in order. */
	if (nt == nd) {
		d = d0;
		for (t = t0; t < t1; t++) {
			if (c->id->m[t].evidence != NG_EV_NONE)
				continue;
			while (d < d1 && c->used[d])
				d++;
			if (d >= d1)
				break;
			if (compatible(&c->img->frags[t], &c->k->frags[d]) &&
			    assign(c, t, d, NG_EV_ORDER, 70))
				n++;
			d++;
		}
	}
	return n;
}

/*
 * Anchors: the longest chain of matches increasing on both sides (LIS over
 * DB indices in target order). Fills gaps between consecutive anchors.
 */
static int order_pass(struct mctx *c, u32 *added)
{
	u32 nf = c->img->nfrags, npairs = 0, len = 0, i;
	u32 *pt = NULL, *tails = NULL, *prev = NULL, *chain = NULL;
	int ret = -ENOMEM;

	*added = 0;
	pt = ng_alloc((size_t)nf * sizeof(u32) + 4);
	tails = ng_alloc((size_t)nf * sizeof(u32) + 4);
	prev = ng_alloc((size_t)nf * sizeof(u32) + 4);
	chain = ng_alloc((size_t)nf * sizeof(u32) + 4);
	if (!pt || !tails || !prev || !chain)
		goto out;
	for (i = 0; i < nf; i++)
		if (c->id->m[i].evidence != NG_EV_NONE &&
		    c->id->m[i].kernel == c->kidx)
			pt[npairs++] = i;
	/* patience LIS on dbfrag, strictly increasing */
	for (i = 0; i < npairs; i++) {
		u32 v = c->id->m[pt[i]].dbfrag, a = 0, b = len;

		while (a < b) {
			u32 mid = a + (b - a) / 2;

			if (c->id->m[pt[tails[mid]]].dbfrag < v)
				a = mid + 1;
			else
				b = mid;
		}
		prev[i] = a ? tails[a - 1] : (u32)-1;
		tails[a] = i;
		if (a == len)
			len++;
	}
	if (len) {
		u32 p = tails[len - 1], k = len;

		while (k--) {
			chain[k] = pt[p];
			p = prev[p];
		}
	}
	for (i = 0; i <= len; i++) {
		u32 t0 = i ? chain[i - 1] + 1 : 0;
		u32 d0 = i ? c->id->m[chain[i - 1]].dbfrag + 1 : 0;
		u32 t1 = i < len ? chain[i] : nf;
		u32 d1 = i < len ? c->id->m[chain[i]].dbfrag : c->k->nfrags;

		if (t1 > t0 && d1 > d0)
			*added += fill_gap(c, t0, t1, d0, d1);
		if (!(i & 1023))
			ng_cond_resched();
	}
	ret = 0;
out:
	ng_free(chain);
	ng_free(prev);
	ng_free(tails);
	ng_free(pt);
	return ret;
}

static u32 exact_hits(const struct ng_image *img,
		      const struct ng_sigdb_kernel *k)
{
	u32 i, n = 0, lo, hi, x;

	for (i = 0; i < img->nfrags; i++) {
		db_range(k, img->frags[i].full, &lo, &hi);
		for (x = lo; x < hi && x < lo + GROUP_MAX; x++) {
			if (k->frags[k->index[x]].spec == img->frags[i].spec) {
				n++;
				break;
			}
		}
	}
	return n;
}

static int run_kernel(struct mctx *c, bool with_order)
{
	u32 round, added;
	int ret;

	memset(c->used, 0, c->k->nfrags);
	/* fragments already named from another kernel keep their name */
	unique_pass(c, true, NG_EV_HASH, 99);
	propagate(c);
	unique_pass(c, false, NG_EV_LOOSE, 85);
	propagate(c);
	for (round = 0; with_order && round < ROUNDS_MAX; round++) {
		ret = order_pass(c, &added);
		if (ret)
			return ret;
		added += propagate(c);
		added += unique_pass(c, true, NG_EV_HASH, 99);
		added += unique_pass(c, false, NG_EV_LOOSE, 85);
		added += propagate(c);
		if (!added)
			break;
	}
	return 0;
}

int ng_identify(struct ng_ident *id, const struct ng_image *img,
		const struct ng_sigdb *db)
{
	struct mctx c = { .img = img, .id = id };
	u32 i, best = 0, besthits = 0, maxfr = 0;
	int ret = -ENOMEM;

	memset(id, 0, sizeof(*id));
	if (!db->nkernels || !img->nfrags)
		return -EINVAL;
	id->nfrags = img->nfrags;
	id->m = ng_zalloc((size_t)img->nfrags * sizeof(*id->m));
	c.wl = ng_alloc((size_t)img->nfrags * sizeof(u32));
	c.keys = ng_alloc((size_t)img->nfrags * sizeof(*c.keys));
	for (i = 0; i < db->nkernels; i++)
		if (db->k[i].nfrags > maxfr)
			maxfr = db->k[i].nfrags;
	c.used = ng_alloc(maxfr);
	if (!id->m || !c.wl || !c.keys || !c.used)
		goto out;
	for (i = 0; i < img->nfrags; i++) {
		memcpy(c.keys[i].full, img->frags[i].full, NG_MD5_LEN);
		c.keys[i].spec = img->frags[i].spec;
		c.keys[i].idx = i;
		c.keys[i].pad = 0;
	}
	ng_sort(c.keys, img->nfrags, sizeof(*c.keys), cmp_tkey);

	for (i = 0; i < db->nkernels; i++) {
		u32 h = exact_hits(img, &db->k[i]);

		if (h > besthits) {
			besthits = h;
			best = i;
		}
	}
	id->primary = best;
	c.kidx = best;
	c.k = &db->k[best];
	ret = run_kernel(&c, true);
	if (ret)
		goto out;
	for (i = 0; i < db->nkernels; i++) {
		if (i == best)
			continue;
		c.kidx = i;
		c.k = &db->k[i];
		ret = run_kernel(&c, false);
		if (ret)
			goto out;
	}
	ret = 0;
out:
	ng_free(c.used);
	ng_free(c.keys);
	ng_free(c.wl);
	if (ret)
		ng_ident_free(id);
	return ret;
}

void ng_ident_free(struct ng_ident *id)
{
	ng_free(id->m);
	id->m = NULL;
	id->nfrags = 0;
}

int ng_ident_names(const struct ng_ident *id, const struct ng_image *img,
		   const struct ng_sigdb *db, u32 i, ng_name_fn fn, void *arg)
{
	const struct ng_fmatch *fm;
	const struct ng_sigdb_kernel *k;
	const struct ngdb_frag *d;
	const struct ng_frag *t;
	u32 j;
	int ret;

	if (i >= id->nfrags)
		return -EINVAL;
	fm = &id->m[i];
	if (fm->evidence == NG_EV_NONE)
		return 0;
	k = &db->k[fm->kernel];
	d = &k->frags[fm->dbfrag];
	t = &img->frags[i];
	for (j = 0; j < d->nnames; j++) {
		const struct ngdb_name *nm = &k->names[d->name0 + j];

		if (nm->off && (!fm->same_code || nm->off >= t->size))
			continue;
		ret = fn(arg, t->addr + nm->off, ng_sigdb_str(k, nm->str), fm);
		if (ret)
			return ret;
	}
	return 0;
}

static int cmp_datasym(const void *a, const void *b)
{
	const struct ng_datasym *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * Visit every data reference of every matched fragment whose code is the
 * same as its DB fragment's (so that edge i corresponds to edge i): fn gets
 * the DB's name for it, the addend, and the target address in the guest.
 * Stops when fn returns non-zero.
 */
typedef int (*data_ref_fn)(void *arg, const char *name, u32 addend,
			   u64 target);

static void for_each_data_ref(const struct ng_ident *id,
			      const struct ng_image *img,
			      const struct ng_sigdb *db, data_ref_fn fn,
			      void *arg)
{
	u32 i, e;

	for (i = 0; i < id->nfrags; i++) {
		const struct ng_fmatch *fm = &id->m[i];
		const struct ng_frag *tf = &img->frags[i];
		const struct ng_sigdb_kernel *k;
		const struct ngdb_frag *df;

		if (!fm->same_code)
			continue;
		k = &db->k[fm->kernel];
		df = &k->frags[fm->dbfrag];
		if (df->nedges != tf->nedges)
			continue;
		for (e = 0; e < tf->nedges; e++) {
			const struct ng_edge *te = &img->edges[tf->edge0 + e];
			const struct ngdb_edge *de = &k->edges[df->edge0 + e];

			if (!(de->kind & NGDB_EDGE_DATA) ||
			    (de->kind & NGDB_EDGE_KIND_MASK) != te->kind)
				continue;
			if (fn(arg, ng_sigdb_str(k, de->a), de->b, te->target))
				return;
		}
	}
}

struct data_votes {
	struct ng_datasym *v;
	u32 n, cap;
};

static int add_vote(void *arg, const char *name, u32 addend, u64 target)
{
	struct data_votes *dv = arg;

	if (dv->n >= dv->cap)
		return 1;
	dv->v[dv->n].name = name;
	dv->v[dv->n].addr = target - addend;
	dv->v[dv->n].votes = 1;
	dv->v[dv->n].refs = 1;
	dv->n++;
	return 0;
}

int ng_ident_data(const struct ng_ident *id, const struct ng_image *img,
		  const struct ng_sigdb *db, struct ng_datasym **out, u32 *n)
{
	struct data_votes dv = { 0 };
	struct ng_datasym *v;
	u32 nv, i, j, nout = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < id->nfrags; i++)
		if (id->m[i].same_code)
			dv.cap += img->frags[i].nedges;
	dv.v = ng_alloc((size_t)dv.cap * sizeof(*dv.v) + sizeof(*dv.v));
	if (!dv.v)
		return -ENOMEM;
	for_each_data_ref(id, img, db, add_vote, &dv);
	v = dv.v;
	nv = dv.n;
	ng_sort(v, nv, sizeof(*v), cmp_datasym);
	/* per name: the address with most votes, if a strict majority */
	for (i = 0; i < nv; ) {
		u32 best = i, bestn = 0, total;

		for (j = i; j < nv && !strcmp(v[j].name, v[i].name); ) {
			u32 k2 = j;

			while (k2 < nv && !strcmp(v[k2].name, v[i].name) &&
			       v[k2].addr == v[j].addr)
				k2++;
			if (k2 - j > bestn) {
				bestn = k2 - j;
				best = j;
			}
			j = k2;
		}
		total = j - i;
		if (2 * bestn > total && bestn >= NG_DATA_MIN_VOTES) {
			v[nout] = v[best];
			v[nout].votes = bestn;
			v[nout].refs = total;
			nout++;
		}
		i = j;
	}
	*out = v;
	*n = nout;
	return 0;
}

const struct ng_datasym *ng_datasym_find(const struct ng_datasym *v, u32 n,
					 const char *name)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].name, name);

		if (!c)
			return &v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

struct ref_offsets {
	const char *name;
	u64 base;
	u32 *out;
	u32 max, n;
};

static int add_offset(void *arg, const char *name, u32 addend, u64 target)
{
	struct ref_offsets *ro = arg;
	u64 off = target - ro->base;
	u32 i;

	if (!addend || off >= (1u << 20) || strcmp(name, ro->name))
		return 0;
	for (i = 0; i < ro->n && ro->out[i] != (u32)off; i++)
		;
	if (i == ro->n && ro->n < ro->max)
		ro->out[ro->n++] = (u32)off;
	return 0;
}

int ng_ident_ref_offsets(const struct ng_ident *id, const struct ng_image *img,
			 const struct ng_sigdb *db, const char *name, u64 base,
			 u32 *out, u32 max, u32 *n)
{
	struct ref_offsets ro = { .name = name, .base = base, .out = out,
				  .max = max };

	for_each_data_ref(id, img, db, add_offset, &ro);
	*n = ro.n;
	return 0;
}
