// SPDX-License-Identifier: GPL-2.0
/*
 * fragment.c - discover function entries in a kernel text, cut it into
 * fragments, normalise each fragment and sign it.
 *
 * Discovery is a linear sweep (kernel text is code and padding only) that
 * marks entry candidates; see docs/design.md for the rules and the figures
 * that chose them. Normalisation keeps the instruction skeleton (prefixes,
 * opcode, ModRM, SIB) in the MD5 "full" hash and moves every constant that
 * depends on position or on struct layout into the "spec" hash, so that
 * full-hash equality means "same code up to constants" and full+spec
 * equality means "same code".
 */
#include "fragment.h"
#include "insn.h"

static int own_md5(void *ctx, const void *data, size_t len, u8 out[NG_MD5_LEN])
{
	ng_md5(data, len, out);
	return 0;
}

const struct ng_hasher ng_md5_hasher = { .ctx = NULL, .md5 = own_md5 };

/* Bitmap helpers over text offsets. */
static inline void bm_set(u64 *bm, u64 i)
{
	bm[i >> 6] |= 1ull << (i & 63);
}

/* First set bit at or after i, or n. */
static u64 bm_next(const u64 *bm, u64 i, u64 n)
{
	u64 w;

	if (i >= n)
		return n;
	w = bm[i >> 6] & (~0ull << (i & 63));
	i &= ~63ull;
	while (!w) {
		i += 64;
		if (i >= n)
			return n;
		w = bm[i >> 6];
	}
	i += (u64)__builtin_ctzll(w);
	return i < n ? i : n;
}

/* Length of the run of int3 filler bytes at p (at most left). */
static u64 int3_run_len(const u8 *p, u64 left)
{
	u64 i = 0;

	while (i < left && p[i] == 0xcc)
		i++;
	return i;
}

static bool is_pad(const struct ng_insn *in)
{
	return in->kind == NG_K_NOP || in->kind == NG_K_INT3;
}

/* 16 single-byte NOPs before: the __pfx_ area of 6.2+ kernels. */
static bool after_pfx(const u8 *t, u64 off)
{
	u64 i;

	if (off < 16)
		return false;
	for (i = off - 16; i < off; i++)
		if (t[i] != 0x90)
			return false;
	return true;
}

/* endbr64 as the kernel poisons it when IBT is off: nopw (%rax). */
static bool is_endbr_poison(const u8 *p, u64 left)
{
	return left >= 4 && p[0] == 0x66 && p[1] == 0x0f && p[2] == 0x1f &&
	       p[3] == 0x00;
}

static bool is_ftrace_nop(const u8 *p, u64 left)
{
	return left >= 5 && p[0] == 0x0f && p[1] == 0x1f && p[2] == 0x44 &&
	       p[3] == 0x00 && p[4] == 0x00;
}

/* Most frequent value of a sorted array, with its count. */
static u64 most_frequent(u64 *v, u32 n, u32 *count)
{
	u64 best = 0;
	u32 bestn = 0, i = 0;

	while (i < n) {
		u32 j = i;

		while (j < n && v[j] == v[i])
			j++;
		if (j - i > bestn) {
			bestn = j - i;
			best = v[i];
		}
		i = j;
	}
	*count = bestn;
	return best;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Threshold for calling a target "the" return thunk / fentry. */
#define NG_STAT_MIN	4096

/* Jumps further than this leave their function (.text.unlikely parts). */
#define FAR_JUMP	(64u << 10)

/*
 * Entry candidates (docs/design.md has what each finds):
 *  - a direct call target;
 *  - an aligned address after padding (nops, int3);
 *  - an aligned ftrace site, endbr64 or its poisoned form;
 *  - an aligned address after 16 one-byte NOPs (__pfx_ areas);
 *  - the target of a jump further than FAR_JUMP (.cold parts);
 *  - the instruction after ud1 (static call trampolines).
 * Tried and dropped: "after an int3 run" and "aligned, right after a
 * jump/ret" (on Debian 6.1 ~6,000 false entries: under SLS every ret is
 * followed by int3, inside functions too; about a point of recall lost).
 */

/*
 * Pass 1: sweep the text, mark entry candidates in starts, collect jump and
 * call targets for the boot-patch statistics.
 */
static int sweep(struct ng_image *img, u64 *starts, u64 **jmpt, u32 *njmp)
{
	const u8 *t = img->text;
	u64 n = img->text_size, off = 0;
	u32 cap = 1 << 16, nj = 0;
	u64 *jt = ng_alloc(cap * sizeof(*jt));
	struct ng_insn in;
	bool pad_run = false, prev_ud1 = false;
	u64 ret_end = ~0ull;	/* offset right after the last 1-byte ret */

	if (!jt)
		return -ENOMEM;
	bm_set(starts, 0);
	while (off < n) {
		int len;
		bool aligned;

		if (t[off] == 0xcc) {
			u64 run = int3_run_len(t + off, n - off);

			/*
			 * `ret; int3 x4` is how the kernel patches a 5-byte
			 * `jmp __x86_return_thunk` on CPUs that need no return
			 * thunk: those four are part of the return, not
			 * padding, or where the return sits decides (by CPU)
			 * whether the next address looks like an entry.
			 */
			if (off == ret_end) {
				u64 slot = run < 4 ? run : 4;

				off += slot;
				run -= slot;
				if (!run)
					continue;
			}
			/* int3 filler (alignment gaps, SLS): one padding run */
			off += run;
			pad_run = true;
			continue;
		}
		len = ng_insn_decode(&in, t + off, n - off);
		aligned = (((img->text_start + off) & 15) == 0);

		if (len <= 0) {
			img->nbad++;
			off++;
			pad_run = false;
			continue;
		}
		img->ninsn++;
		if (aligned && (is_ftrace_nop(t + off, n - off) ||
				is_endbr_poison(t + off, n - off) ||
				after_pfx(t, off))) {
			/*
			 * The ftrace site or (poisoned) endbr opens a function,
			 * so does the end of a __pfx_ area: not padding.
			 */
			bm_set(starts, off);
			pad_run = false;
		} else if (!is_pad(&in)) {
			if ((aligned && (pad_run || in.kind == NG_K_ENDBR)) ||
			    prev_ud1)
				bm_set(starts, off);
			pad_run = false;
			prev_ud1 = in.kind == NG_K_UD && in.map == 1 &&
				   in.opcode == 0xb9;
			if (in.kind == NG_K_RET && in.len == 1)
				ret_end = off + 1;
		} else {
			pad_run = true;
		}
		if (in.flags & NG_IF_REL) {
			u64 tgt = ng_insn_target(&in, img->text_start + off);
			u64 to = tgt - img->text_start;

			if (to < n) {
				if (in.kind == NG_K_CALL_REL ||
				    (to > off ? to - off : off - to) >= FAR_JUMP)
					bm_set(starts, to);
				if (in.kind == NG_K_JMP_REL && in.imm_len == 4) {
					if (nj == cap) {
						u64 *nt;

						if (cap >= (1u << 26))
							goto skip;
						nt = ng_alloc(2 * (size_t)cap *
							      sizeof(*nt));
						if (!nt) {
							ng_free(jt);
							return -ENOMEM;
						}
						memcpy(nt, jt, cap * sizeof(*nt));
						ng_free(jt);
						jt = nt;
						cap *= 2;
					}
					jt[nj++] = tgt;
				}
			}
		}
skip:
		off += len;
		if ((off & 0xfffff) < (u64)len)
			ng_cond_resched();
	}
	*jmpt = jt;
	*njmp = nj;
	return 0;
}

/* Normalised streams of one fragment. */
struct norm {
	u8 *buf;		/* full stream */
	u32 len, cap;
	u64 spec;		/* FNV-1a 64 over kept constants */
};

#define FNV_OFF		0xcbf29ce484222325ull
#define FNV_PRIME	0x100000001b3ull

static inline void spec_add(struct norm *nm, u64 v)
{
	int i;

	for (i = 0; i < 8; i++) {
		nm->spec ^= (u8)(v >> (8 * i));
		nm->spec *= FNV_PRIME;
	}
}

static inline void put(struct norm *nm, u8 b)
{
	if (nm->len < nm->cap)
		nm->buf[nm->len++] = b;
}

/* Token bytes appended after each instruction skeleton. */
#define TOK_PLAIN	0x00
#define TOK_INTERNAL	0x01	/* relative branch inside the fragment */
#define TOK_EXTERNAL	0x02	/* relative branch leaving it */
#define TOK_CALL	0x03
#define TOK_RET		0x04
#define TOK_RIPREL	0x05
#define TOK_ADDR	0x06	/* immediate/moffs that is a kernel address */

static bool is_kaddr(u64 v)
{
	return v >= 0xffff800000000000ull;
}

/*
 * Append the skeleton of one instruction: every byte up to and including
 * ModRM/SIB, with the short forms of jumps widened and ModRM.mod folded so
 * that a displacement changing size does not change the skeleton.
 */
static void put_skeleton(struct norm *nm, const u8 *p, const struct ng_insn *in)
{
	u32 end = in->opc_off + 1, i;

	if (in->kind == NG_K_JCC_REL && in->map == 0 && in->opcode >= 0x70 &&
	    in->opcode <= 0x7f) {
		/* jcc rel8 -> the 0f 8x form */
		for (i = 0; i < in->opc_off; i++)
			put(nm, p[i]);
		put(nm, 0x0f);
		put(nm, in->opcode + 0x10);
		return;
	}
	if (in->kind == NG_K_JMP_REL && in->map == 0 && in->opcode == 0xeb) {
		for (i = 0; i < in->opc_off; i++)
			put(nm, p[i]);
		put(nm, 0xe9);
		return;
	}
	for (i = 0; i < end && i < in->len; i++)
		put(nm, p[i]);
	if (in->flags & NG_IF_MODRM) {
		u8 m = in->modrm, mod = m >> 6, rm = m & 7;
		bool special = (mod == 0 && rm == 5) ||
			       (mod == 0 && rm == 4 && (in->flags & NG_IF_SIB) &&
				(in->sib & 7) == 5);

		if (mod != 3 && !special)
			m = (m & 0x3f) | 0x80;
		put(nm, m);
		if (in->flags & NG_IF_SIB)
			put(nm, in->sib);
	}
}

static int add_edge(struct ng_image *img, u32 *cap, u64 target, u32 kind,
		    u32 insn)
{
	struct ng_edge *e;

	if (img->nedges == *cap) {
		struct ng_edge *ne;
		u32 ncap = *cap ? *cap * 2 : 1 << 16;

		if (ncap > (1u << 26))
			return -E2BIG;
		ne = ng_alloc((size_t)ncap * sizeof(*ne));
		if (!ne)
			return -ENOMEM;
		if (img->nedges)
			memcpy(ne, img->edges, img->nedges * sizeof(*ne));
		ng_free(img->edges);
		img->edges = ne;
		*cap = ncap;
	}
	e = &img->edges[img->nedges++];
	e->target = target;
	e->kind = kind;
	e->insn = insn;
	return 0;
}

/* Normalise and sign fragment f = [off, end) of the text. */
static int sign_frag(struct ng_image *img, struct ng_frag *f, u64 off, u64 end,
		     struct norm *nm, u32 *ecap, const struct ng_hasher *h)
{
	const u8 *t = img->text;
	u64 va0 = img->text_start + off, last_real = off;
	u32 idx = 0;
	struct ng_insn in;
	int ret;

	nm->len = 0;
	nm->spec = FNV_OFF;
	f->addr = va0;
	f->edge0 = img->nedges;
	f->flags = 0;
	if (is_ftrace_nop(t + off, end - off))
		f->flags |= NG_FRAG_ENTRY_FTRACE;

	while (off < end) {
		const u8 *p = t + off;
		u64 va = img->text_start + off;
		int len;

		if (*p == 0xcc) {
			off += int3_run_len(p, end - off);
			continue;
		}
		len = ng_insn_decode(&in, p, end - off);

		if (len <= 0) {
			/* undecodable: hash the byte itself and move on */
			f->flags |= NG_FRAG_BAD;
			put(nm, 0xff);
			put(nm, *p);
			off++;
			last_real = off;
			continue;
		}
		off += len;
		if (in.kind == NG_K_NOP || in.kind == NG_K_INT3)
			continue;
		last_real = off;
		/* clac/stac: SMAP alternatives of a 3-byte nop, by CPU */
		if (in.map == 1 && in.opcode == 0x01 &&
		    (in.modrm == 0xca || in.modrm == 0xcb))
			continue;
		if (in.kind == NG_K_ENDBR) {
			if (va == va0) {
				f->flags |= NG_FRAG_ENTRY_ENDBR;
				if (is_ftrace_nop(p + len, end - off))
					f->flags |= NG_FRAG_ENTRY_FTRACE;
			}
			continue;
		}
		if (in.kind == NG_K_CALL_REL) {
			u64 tgt = ng_insn_target(&in, va);

			if (tgt == img->fentry && img->fentry &&
			    (va == va0 || (idx == 0 && (f->flags &
							NG_FRAG_ENTRY_ENDBR)))) {
				f->flags |= NG_FRAG_ENTRY_FTRACE;
				continue;
			}
			put_skeleton(nm, p, &in);
			put(nm, TOK_CALL);
			ret = add_edge(img, ecap, tgt, NG_E_CALL, idx);
			if (ret)
				return ret;
			idx++;
			continue;
		}
		if (in.flags & NG_IF_REL) {
			u64 tgt = ng_insn_target(&in, va);

			if (in.kind == NG_K_JMP_REL && tgt == img->ret_thunk &&
			    img->ret_thunk) {
				put(nm, 0xc3);
				put(nm, TOK_RET);
				idx++;
				continue;
			}
			put_skeleton(nm, p, &in);
			if (tgt >= va0 && tgt < img->text_start + end) {
				put(nm, TOK_INTERNAL);
				spec_add(nm, tgt - va0);
			} else {
				put(nm, TOK_EXTERNAL);
				ret = add_edge(img, ecap, tgt, NG_E_JMP, idx);
				if (ret)
					return ret;
			}
			idx++;
			continue;
		}
		if (in.kind == NG_K_RET) {
			put(nm, 0xc3);
			put(nm, TOK_RET);
			idx++;
			continue;
		}
		put_skeleton(nm, p, &in);
		if (in.flags & NG_IF_RIPREL) {
			put(nm, TOK_RIPREL);
			ret = add_edge(img, ecap, va + in.len + in.disp,
				       NG_E_REF, idx);
			if (ret)
				return ret;
		} else if (in.flags & NG_IF_MOFFS) {
			put(nm, TOK_ADDR);
			ret = add_edge(img, ecap, (u64)in.disp, NG_E_ABS, idx);
			if (ret)
				return ret;
		} else {
			put(nm, TOK_PLAIN);
			if (in.disp_len)
				spec_add(nm, (u64)in.disp);
		}
		if (in.imm_len) {
			if ((in.imm_len >= 4) && is_kaddr((u64)in.imm)) {
				put(nm, TOK_ADDR);
				ret = add_edge(img, ecap, (u64)in.imm,
					       NG_E_ABS, idx);
				if (ret)
					return ret;
			} else {
				spec_add(nm, (u64)in.imm);
			}
		}
		idx++;
	}
	f->size = (u32)(last_real - (f->addr - img->text_start));
	f->ninsn = idx;
	f->nedges = img->nedges - f->edge0;
	f->spec = nm->spec;
	return h->md5(h->ctx, nm->buf, nm->len, f->full);
}

int ng_image_analyse(struct ng_image *img, u64 text_start, const u8 *text,
		     u64 text_size, const struct ng_hasher *h)
{
	u64 nwords = (text_size + 63) / 64, off;
	u64 *starts = NULL, *jt = NULL, *ct = NULL;
	u32 nj = 0, nc = 0, cnt, nf = 0, ecap = 0, i;
	struct norm nm = { 0 };
	int ret;

	memset(img, 0, sizeof(*img));
	if (!text_size || text_size > NG_TEXT_MAX)
		return -EINVAL;
	img->text_start = text_start;
	img->text_size = text_size;
	img->text = text;

	starts = ng_zalloc(nwords * sizeof(u64));
	if (!starts)
		return -ENOMEM;
	ret = sweep(img, starts, &jt, &nj);
	if (ret)
		goto out;

	/* The return thunk: by far the most frequent jmp rel32 target. */
	ng_sort(jt, nj, sizeof(*jt), cmp_u64);
	img->ret_thunk = most_frequent(jt, nj, &cnt);
	if (cnt < NG_STAT_MIN)
		img->ret_thunk = 0;

	/* Count fragments; gather first-instruction call targets (fentry). */
	for (i = 0; i < nwords; i++)
		nf += ng_popcount64(starts[i]);
	/* fragments longer than NG_FRAG_MAX_BYTES are cut: room for those */
	nf += (u32)(text_size / NG_FRAG_MAX_BYTES) + 1;
	ct = ng_alloc((size_t)nf * sizeof(*ct) + 8);
	img->frags = ng_zalloc((size_t)nf * sizeof(*img->frags) + 8);
	nm.cap = NG_FRAG_MAX_BYTES * 2;
	nm.buf = ng_alloc(nm.cap);
	if (!ct || !img->frags || !nm.buf) {
		ret = -ENOMEM;
		goto out;
	}
	for (off = bm_next(starts, 0, text_size); off < text_size;
	     off = bm_next(starts, off + 1, text_size)) {
		struct ng_insn in;

		if (ng_insn_decode(&in, text + off, text_size - off) > 0 &&
		    in.kind == NG_K_CALL_REL)
			ct[nc++] = ng_insn_target(&in, text_start + off);
	}
	ng_sort(ct, nc, sizeof(*ct), cmp_u64);
	img->fentry = most_frequent(ct, nc, &cnt);
	if (cnt < NG_STAT_MIN)
		img->fentry = 0;

	/* Cut and sign. */
	for (off = 0; off < text_size; ) {
		u64 end = bm_next(starts, off + 1, text_size);
		struct ng_frag *f = &img->frags[img->nfrags];

		if (end - off > NG_FRAG_MAX_BYTES)
			end = off + NG_FRAG_MAX_BYTES;
		if (img->nfrags >= nf) {
			ret = -EOVERFLOW;
			goto out;
		}
		ret = sign_frag(img, f, off, end, &nm, &ecap, h);
		if (ret)
			goto out;
		if (f->ninsn)	/* pure padding is not a fragment */
			img->nfrags++;
		else
			img->nedges = f->edge0;
		off = end;
		ng_cond_resched();
	}
	ret = 0;
out:
	ng_free(nm.buf);
	ng_free(ct);
	ng_free(jt);
	ng_free(starts);
	if (ret)
		ng_image_free(img);
	return ret;
}

void ng_image_free(struct ng_image *img)
{
	ng_free(img->frags);
	ng_free(img->edges);
	img->frags = NULL;
	img->edges = NULL;
	img->nfrags = 0;
	img->nedges = 0;
}

long ng_image_find(const struct ng_image *img, u64 va)
{
	long lo = 0, hi = (long)img->nfrags - 1, best = -1;

	while (lo <= hi) {
		long mid = lo + (hi - lo) / 2;

		if (img->frags[mid].addr <= va) {
			best = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return best;
}
