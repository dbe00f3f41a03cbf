/* SPDX-License-Identifier: GPL-2.0 */
/*
 * asmb.h - a tiny x86 byte assembler for the tests that build synthetic
 * kernel text (test_fragment, test_sigdb, test_match). Include after
 * <CUnit/CUnit.h>.
 */
#ifndef NG_TEST_ASMB_H
#define NG_TEST_ASMB_H

#include <stdint.h>
#include <string.h>
#include "ng_env.h"

struct asmb {
	u8 *p;
	size_t len, cap;
	u64 base;		/* virtual address of p[0] */
};

/* Virtual address of the next byte. */
static inline u64 here(const struct asmb *a)
{
	return a->base + a->len;
}

static inline void put(struct asmb *a, const u8 *b, size_t n)
{
	CU_ASSERT_FATAL(a->len + n <= a->cap);
	memcpy(a->p + a->len, b, n);
	a->len += n;
}

#define PUT(a, ...)	put((a), (const u8[]){ __VA_ARGS__ }, \
			    sizeof((const u8[]){ __VA_ARGS__ }))

static inline void put32(struct asmb *a, u32 v)
{
	PUT(a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24);
}

/*
 * The rel32 field of an instruction whose remaining `trail` bytes follow
 * the field: target - (address of the next instruction).
 */
static inline void rel32(struct asmb *a, u64 target, unsigned int trail)
{
	s64 d = (s64)(target - (here(a) + 4 + trail));

	CU_ASSERT_FATAL(d >= INT32_MIN && d <= INT32_MAX);
	put32(a, (u32)(s32)d);
}

#endif /* NG_TEST_ASMB_H */
