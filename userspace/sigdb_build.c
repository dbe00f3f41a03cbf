// SPDX-License-Identifier: GPL-2.0
/*
 * sigdb_build.c - turn a reference boot (dump + kallsyms) into the tables
 * of a signature DB, and serialise DBs.
 */
#include <stdio.h>
#include "sigdb_build.h"

bool ng_sym_is_function(const char *name)
{
	/* 6.2+ padding labels (call depth tracking / CFI), not functions */
	return strncmp(name, "__pfx_", 6) && strncmp(name, "__cfi_", 6);
}

static u32 str_hash(const char *s)
{
	u32 h = 2166136261u;

	while (*s)
		h = (h ^ (u8)*s++) * 16777619u;
	return h;
}

static int str_grow(struct ng_dbk *k)
{
	u32 ncap = k->strtab_cap ? k->strtab_cap * 2 : 1 << 16, i;
	u32 *nt = calloc(ncap, sizeof(u32));

	if (!nt)
		return -ENOMEM;
	for (i = 0; i < k->strtab_cap; i++) {
		u32 v = k->strtab[i], j;

		if (!v)
			continue;
		j = str_hash(k->strs + v - 1) & (ncap - 1);
		while (nt[j])
			j = (j + 1) & (ncap - 1);
		nt[j] = v;
	}
	free(k->strtab);
	k->strtab = nt;
	k->strtab_cap = ncap;
	return 0;
}

/* Intern a string; returns its offset or -errno. */
static long str_add(struct ng_dbk *k, const char *s)
{
	size_t len = strlen(s) + 1;
	u32 j;

	if (k->strs_size >= k->strtab_cap / 2 && str_grow(k))
		return -ENOMEM;
	j = str_hash(s) & (k->strtab_cap - 1);
	while (k->strtab[j]) {
		if (!strcmp(k->strs + k->strtab[j] - 1, s))
			return k->strtab[j] - 1;
		j = (j + 1) & (k->strtab_cap - 1);
	}
	if (k->strs_size + len > k->strs_cap) {
		u32 ncap = k->strs_cap ? k->strs_cap * 2 : 1 << 20;
		char *ns;

		while (ncap < k->strs_size + len)
			ncap *= 2;
		ns = realloc(k->strs, ncap);
		if (!ns)
			return -ENOMEM;
		k->strs = ns;
		k->strs_cap = ncap;
	}
	memcpy(k->strs + k->strs_size, s, len);
	k->strtab[j] = k->strs_size + 1;
	k->strs_size += len;
	return k->strtab[j] - 1;
}

/* Nearest symbol at or below addr (any type), or NULL. */
static const struct ng_ksym *sym_below(const struct ng_kallsyms *ks, u64 addr)
{
	size_t lo = 0, hi = ks->nsyms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->syms[lo - 1] : NULL;
}

static const struct ng_dbk *cmp_k;

static int cmp_index(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;
	int c = ng_full_cmp(cmp_k->frags[x].full, cmp_k->frags[y].full);

	if (c)
		return c;
	return x < y ? -1 : x > y;
}

#define ERR(...) do { snprintf(err, errlen, __VA_ARGS__); ret = -EINVAL; \
		      goto fail; } while (0)

int ng_dbk_build(struct ng_dbk *k, const struct ng_image *img,
		 const struct ng_kallsyms *ks, const char *label,
		 char *err, size_t errlen)
{
	u64 tend = img->text_start + img->text_size;
	size_t s;
	u32 i, e;
	int ret = -ENOMEM;

	memset(k, 0, sizeof(*k));
	snprintf(k->label, sizeof(k->label), "%s", label);
	k->text_size = img->text_size;
	k->nfrags = img->nfrags;
	k->frags = calloc(img->nfrags + 1, sizeof(*k->frags));
	k->index = calloc(img->nfrags + 1, sizeof(u32));
	k->edges = calloc(img->nedges + 1, sizeof(*k->edges));
	k->names = calloc(ks->nsyms + 1, sizeof(*k->names));
	if (!k->frags || !k->index || !k->edges || !k->names)
		goto nomem;
	if (str_add(k, "") < 0)
		goto nomem;

	/* fragments and their edges */
	for (i = 0; i < img->nfrags; i++) {
		const struct ng_frag *f = &img->frags[i];
		struct ngdb_frag *d = &k->frags[i];

		memcpy(d->full, f->full, sizeof(d->full));
		d->spec = f->spec;
		d->addr = (u32)(f->addr - img->text_start);
		d->size = f->size;
		d->ninsn = f->ninsn;
		d->flags = (u16)f->flags;
		d->edge0 = f->edge0;
		d->nedges = f->nedges;
		k->index[i] = i;
	}
	for (e = 0; e < img->nedges; e++) {
		const struct ng_edge *ie = &img->edges[e];
		struct ngdb_edge *de = &k->edges[e];

		de->kind = ie->kind;
		if (ie->target >= img->text_start && ie->target < tend) {
			long fi = ng_image_find(img, ie->target);

			if (fi >= 0) {
				de->kind |= NGDB_EDGE_TEXT;
				de->a = (u32)fi;
				de->b = (u32)(ie->target - img->frags[fi].addr);
			}
		} else {
			const struct ng_ksym *sy = sym_below(ks, ie->target);

			if (sy && ie->target - sy->addr < (1u << 20)) {
				long so = str_add(k, sy->name);

				if (so < 0)
					goto nomem;
				de->kind |= NGDB_EDGE_DATA;
				de->a = (u32)so;
				de->b = (u32)(ie->target - sy->addr);
			}
		}
	}
	k->nedges = img->nedges;

	/* names: text symbols inside the text, in address order */
	for (s = 0; s < ks->nsyms; s++) {
		const struct ng_ksym *sy = &ks->syms[s];
		long fi, so;

		if (!ng_ksym_is_text(sy->type) || sy->addr < img->text_start ||
		    sy->addr >= tend || !ng_sym_is_function(sy->name))
			continue;
		k->text_syms++;
		fi = ng_image_find(img, sy->addr);
		if (fi < 0)
			continue;
		so = str_add(k, sy->name);
		if (so < 0)
			goto nomem;
		if (!k->frags[fi].nnames)
			k->frags[fi].name0 = k->nnames;
		else if (k->frags[fi].name0 + k->frags[fi].nnames != k->nnames)
			continue;	/* not contiguous: cannot happen (sorted) */
		if (k->frags[fi].nnames == 0xffff)
			continue;
		k->names[k->nnames].off = (u32)(sy->addr - img->frags[fi].addr);
		k->names[k->nnames].str = (u32)so;
		k->nnames++;
		k->frags[fi].nnames++;
		k->named_syms++;
	}
	if (!k->text_syms)
		ERR("no text symbols of the kallsyms file fall in the dump's kernel text (kallsyms from another boot?)");

	cmp_k = k;
	qsort(k->index, k->nfrags, sizeof(u32), cmp_index);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	ng_dbk_free(k);
	return ret;
}

void ng_dbk_free(struct ng_dbk *k)
{
	free(k->frags);
	free(k->names);
	free(k->edges);
	free(k->strs);
	free(k->index);
	free(k->strtab);
	memset(k, 0, sizeof(*k));
}

static u64 align8(u64 v)
{
	return (v + 7) & ~7ull;
}

int ng_sigdb_serialize(const struct ng_dbk *ks, u32 n, u8 **out, u64 *len)
{
	struct ngdb_header *hd;
	struct ngdb_kernel *dk;
	u64 size = sizeof(*hd) + (u64)n * sizeof(*dk), off;
	u8 *buf;
	u32 i;

	if (!n || n > NG_SIGDB_MAX_KERNELS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		size += align8((u64)ks[i].nfrags * sizeof(struct ngdb_frag));
		size += align8((u64)ks[i].nnames * sizeof(struct ngdb_name));
		size += align8((u64)ks[i].nedges * sizeof(struct ngdb_edge));
		size += align8(ks[i].strs_size);
		size += align8((u64)ks[i].nfrags * sizeof(u32));
	}
	if (size > NG_SIGDB_MAX_SIZE)
		return -E2BIG;
	buf = calloc(1, size);
	if (!buf)
		return -ENOMEM;
	hd = (void *)buf;
	dk = (void *)(buf + sizeof(*hd));
	memcpy(hd->magic, NG_SIGDB_MAGIC, 8);
	hd->version = NG_SIGDB_VERSION;
	hd->header_size = sizeof(*hd);
	hd->file_size = size;
	hd->nkernels = n;
	off = sizeof(*hd) + (u64)n * sizeof(*dk);
	for (i = 0; i < n; i++) {
		const struct ng_dbk *k = &ks[i];

		memcpy(dk[i].label, k->label, sizeof(dk[i].label));
		dk[i].label[sizeof(dk[i].label) - 1] = 0;
		dk[i].text_size = k->text_size;
		dk[i].nfrags = k->nfrags;
		dk[i].nnames = k->nnames;
		dk[i].nedges = k->nedges;
		dk[i].strs_size = k->strs_size;
#define PUT(field, src, bytes) do { dk[i].field = off; \
		if ((bytes) != 0) \
			memcpy(buf + off, (src), (bytes)); \
		off += align8(bytes); } while (0)
		PUT(frags_off, k->frags, (u64)k->nfrags * sizeof(*k->frags));
		PUT(names_off, k->names, (u64)k->nnames * sizeof(*k->names));
		PUT(edges_off, k->edges, (u64)k->nedges * sizeof(*k->edges));
		PUT(strs_off, k->strs, (u64)k->strs_size);
		PUT(index_off, k->index, (u64)k->nfrags * sizeof(u32));
#undef PUT
	}
	ng_md5(buf + sizeof(*hd), size - sizeof(*hd), hd->md5);
	*out = buf;
	*len = size;
	return 0;
}
