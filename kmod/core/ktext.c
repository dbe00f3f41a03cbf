// SPDX-License-Identifier: GPL-2.0
/*
 * ktext.c - the kernel code range from one kernel-mode instruction address.
 */
#include "ktext.h"

static bool is_kcode(const struct ng_xlate *x)
{
	return !(x->flags & (NG_PG_USER | NG_PG_NX));
}

int ng_ktext_find(const struct ng_mmu *mmu, u64 anchor, u64 *start, u64 *end)
{
	struct ng_xlate x;
	u64 lo, hi;
	int ret;

	ret = ng_translate(mmu, anchor, &x);
	if (ret)
		return ret;
	if (!is_kcode(&x))
		return -EFAULT;
	lo = x.page_base;
	hi = x.page_base + x.page_size;

	/* Downwards: each step moves to a lower page; bounded by the size. */
	while (hi - lo <= NG_KTEXT_MAX && lo >= 0xffff800000000000ull + 4096) {
		if (ng_translate(mmu, lo - 1, &x) || !is_kcode(&x))
			break;
		lo = x.page_base;
	}
	/* Upwards. */
	while (hi - lo <= NG_KTEXT_MAX && hi != 0) {
		if (ng_translate(mmu, hi, &x) || !is_kcode(&x))
			break;
		hi = x.page_base + x.page_size;
	}
	if (hi - lo > NG_KTEXT_MAX)
		return -E2BIG;
	*start = lo;
	*end = hi;
	return 0;
}

int ng_ktext_read(const struct ng_mmu *mmu, u64 start, u64 end, u8 *buf,
		  u64 *holes)
{
	u64 va = start;

	*holes = 0;
	if (end <= start || end - start > NG_KTEXT_MAX)
		return -EINVAL;
	while (va < end) {
		u64 n = 4096 - (va & 4095);

		if (n > end - va)
			n = end - va;
		if (ng_read_virt(mmu, va, buf + (va - start), n)) {
			memset(buf + (va - start), 0xcc, n);
			(*holes)++;
		}
		va += n;
		if (!(va & 0xfffff))
			ng_cond_resched();
	}
	return 0;
}
