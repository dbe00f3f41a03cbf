/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ng_env.h - the one place where the engine learns whether it is built
 * into nogap.ko or into userspace (nogapctl, tests, benchmarks).
 *
 * Everything in kmod/core/ includes only this header for system facilities.
 * The engine never calls libc or kernel APIs directly except through the few
 * names defined here.
 */
#ifndef NG_ENV_H
#define NG_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/sort.h>
#include <linux/bug.h>
#include <linux/sched.h>

#define ng_alloc(sz)		kvmalloc((sz), GFP_KERNEL)
#define ng_zalloc(sz)		kvzalloc((sz), GFP_KERNEL)
#define ng_free(p)		kvfree(p)
#define ng_sort(b, n, s, c)	sort((b), (n), (s), (c), NULL)
#define ng_cond_resched()	cond_resched()
#include <linux/bitops.h>
/* no libgcc in the kernel: the kernel's own population count */
#define ng_popcount64(x)	hweight64(x)
#else /* userspace */
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <stdlib.h>
#include <errno.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ng_alloc(sz)		malloc(sz)
#define ng_zalloc(sz)		calloc(1, (sz))
#define ng_free(p)		free(p)
#define ng_sort(b, n, s, c)	qsort((b), (n), (s), (c))
#define ng_cond_resched()	do { } while (0)
#define ng_popcount64(x)	__builtin_popcountll(x)
/* The value of a hex digit, -1 for anything else (hex_to_bin in the kernel). */
static inline int ng_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
#ifndef likely
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#endif /* __KERNEL__ */

/* Little-endian loads from byte buffers (x86 guests are little-endian). */
static inline u16 ng_le16(const u8 *p)
{
	return (u16)p[0] | (u16)p[1] << 8;
}

static inline u32 ng_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 ng_le64(const u8 *p)
{
	return (u64)ng_le32(p) | (u64)ng_le32(p + 4) << 32;
}

#endif /* NG_ENV_H */
