// SPDX-License-Identifier: GPL-2.0
/*
 * sigdb.c - validate a signature DB before use.
 */
#include "sigdb.h"
#include "fragment.h"

_Static_assert(sizeof(struct ngdb_header) == 64, "header layout");
_Static_assert(sizeof(struct ngdb_kernel) == 128, "kernel layout");
_Static_assert(sizeof(struct ngdb_frag) == 56, "frag layout");
_Static_assert(sizeof(struct ngdb_name) == 8, "name layout");
_Static_assert(sizeof(struct ngdb_edge) == 12, "edge layout");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the signature DB is read in place: little-endian hosts only"
#endif

/* Is [off, off + n * sz) inside the file and 8-byte aligned? */
static bool in_file(u64 size, u64 off, u64 n, u64 sz)
{
	if (off & 7 || off > size)
		return false;
	if (n && sz > (size - off) / n)
		return false;
	return true;
}

static bool memchr_inv_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return true;
	return false;
}

#define FAIL(msg) do { *why = (msg); return -EINVAL; } while (0)

static int check_kernel(struct ng_sigdb *db, const struct ngdb_kernel *dk,
			struct ng_sigdb_kernel *k, const char **why)
{
	u8 *seen;
	u32 i;

	if (memchr(dk->label, 0, sizeof(dk->label)) == NULL)
		FAIL("kernel label not terminated");
	if (!in_file(db->size, dk->frags_off, dk->nfrags,
		     sizeof(struct ngdb_frag)) ||
	    !in_file(db->size, dk->names_off, dk->nnames,
		     sizeof(struct ngdb_name)) ||
	    !in_file(db->size, dk->edges_off, dk->nedges,
		     sizeof(struct ngdb_edge)) ||
	    !in_file(db->size, dk->index_off, dk->nfrags, sizeof(u32)) ||
	    !in_file(db->size, dk->strs_off, dk->strs_size, 1))
		FAIL("table outside the file");
	if (!dk->nfrags)
		FAIL("kernel without fragments");
	if (dk->text_size == 0 || dk->text_size > 0xffffffffull)
		FAIL("bad text size");
	k->label = dk->label;
	k->text_size = dk->text_size;
	k->frags = (const void *)(db->buf + dk->frags_off);
	k->names = (const void *)(db->buf + dk->names_off);
	k->edges = (const void *)(db->buf + dk->edges_off);
	k->strs = (const void *)(db->buf + dk->strs_off);
	k->index = (const void *)(db->buf + dk->index_off);
	k->nfrags = dk->nfrags;
	k->nnames = dk->nnames;
	k->nedges = dk->nedges;
	k->strs_size = dk->strs_size;

	if (!k->strs_size || k->strs[k->strs_size - 1] != '\0')
		FAIL("string table not terminated");
	for (i = 0; i < k->nfrags; i++) {
		const struct ngdb_frag *f = &k->frags[i];

		if (i && f->addr <= k->frags[i - 1].addr)
			FAIL("fragments not sorted");
		if ((u64)f->addr + f->size > k->text_size)
			FAIL("fragment outside the text");
		if ((u64)f->name0 + f->nnames > k->nnames ||
		    (u64)f->edge0 + f->nedges > k->nedges)
			FAIL("fragment table index out of range");
	}
	for (i = 0; i < k->nnames; i++)
		if (k->names[i].str >= k->strs_size)
			FAIL("name outside the string table");
	for (i = 0; i < k->nedges; i++) {
		const struct ngdb_edge *e = &k->edges[i];

		if ((e->kind & NGDB_EDGE_KIND_MASK) > NG_E_ABS)
			FAIL("bad edge kind");
		if ((e->kind & NGDB_EDGE_TEXT) && e->a >= k->nfrags)
			FAIL("edge to a missing fragment");
		if ((e->kind & NGDB_EDGE_TEXT) &&
		    e->b >= k->text_size - k->frags[e->a].addr)
			FAIL("edge offset outside the text");
		if ((e->kind & NGDB_EDGE_TEXT) && (e->kind & NGDB_EDGE_DATA))
			FAIL("bad edge kind");
		if ((e->kind & NGDB_EDGE_DATA) && e->a >= k->strs_size)
			FAIL("edge name outside the string table");
	}
	seen = ng_zalloc(k->nfrags / 8 + 1);
	if (!seen) {
		*why = "out of memory";
		return -ENOMEM;
	}
	for (i = 0; i < k->nfrags; i++) {
		u32 x = k->index[i];

		if (x >= k->nfrags || (seen[x / 8] >> (x % 8) & 1)) {
			ng_free(seen);
			FAIL("hash index is not a permutation");
		}
		seen[x / 8] |= 1 << (x % 8);
		if (i && ng_full_cmp(k->frags[k->index[i - 1]].full,
				     k->frags[x].full) > 0) {
			ng_free(seen);
			FAIL("hash index not sorted");
		}
	}
	ng_free(seen);
	return 0;
}

int ng_sigdb_open(struct ng_sigdb *db, const u8 *buf, u64 size,
		  const struct ng_hasher *h, const char **why)
{
	const struct ngdb_header *hd = (const void *)buf;
	const struct ngdb_kernel *dk;
	u8 sum[NG_MD5_LEN];
	u32 i;
	int ret;

	memset(db, 0, sizeof(*db));
	*why = "";
	if (size < sizeof(*hd))
		FAIL("file too short for a signature db");
	if (memcmp(hd->magic, NG_SIGDB_MAGIC, 8))
		FAIL("not a nogap signature db (bad magic)");
	if (hd->version != NG_SIGDB_VERSION)
		FAIL("unsupported signature db version");
	if (hd->header_size != sizeof(*hd))
		FAIL("bad header size");
	if (hd->flags || memchr_inv_zero(hd->reserved, sizeof(hd->reserved)))
		FAIL("unknown header flags");
	if (hd->file_size != size)
		FAIL("size mismatch (truncated or extended file)");
	if (size > NG_SIGDB_MAX_SIZE)
		FAIL("signature db too large");
	if (!hd->nkernels || hd->nkernels > NG_SIGDB_MAX_KERNELS)
		FAIL("bad kernel count");
	ret = h->md5(h->ctx, buf + sizeof(*hd), size - sizeof(*hd), sum);
	if (ret) {
		*why = "cannot compute checksum";
		return ret;
	}
	if (memcmp(sum, hd->md5, NG_MD5_LEN))
		FAIL("checksum mismatch (corrupt file)");
	db->buf = buf;
	db->size = size;
	if (!in_file(size, sizeof(*hd), hd->nkernels, sizeof(*dk)))
		FAIL("kernel table outside the file");
	dk = (const void *)(buf + sizeof(*hd));
	for (i = 0; i < hd->nkernels; i++) {
		ret = check_kernel(db, &dk[i], &db->k[i], why);
		if (ret)
			return ret;
	}
	db->nkernels = hd->nkernels;
	return 0;
}
