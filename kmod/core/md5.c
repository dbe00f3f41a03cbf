// SPDX-License-Identifier: GPL-2.0
/*
 * md5.c - MD5 message digest (RFC 1321), freestanding.
 *
 * The compression function is fully unrolled with the 16 message words
 * loaded once into locals. Round 2 computes G as (b & d) + (c & ~d): the
 * two terms never share a set bit, so the addition equals the OR and the
 * compiler may start adding c & ~d before b is known, which shortens the
 * serial dependency chain that bounds MD5's speed.
 */
#include "md5.h"

static inline u32 rol32_(u32 x, unsigned int n)
{
	return (x << n) | (x >> (32 - n));
}

#define F1(b, c, d)	((d) ^ ((b) & ((c) ^ (d))))
#define F3(b, c, d)	((b) ^ (c) ^ (d))
#define F4(b, c, d)	((c) ^ ((b) | ~(d)))

#define STEP1(a, b, c, d, m, k, s) do {					\
		(a) += F1(b, c, d) + (m) + (u32)(k);			\
		(a) = rol32_(a, s) + (b);				\
	} while (0)

#define STEP2(a, b, c, d, m, k, s) do {					\
		(a) += (m) + (u32)(k) + ((c) & ~(d));			\
		(a) += (b) & (d);					\
		(a) = rol32_(a, s) + (b);				\
	} while (0)

#define STEP3(a, b, c, d, m, k, s) do {					\
		(a) += F3(b, c, d) + (m) + (u32)(k);			\
		(a) = rol32_(a, s) + (b);				\
	} while (0)

#define STEP4(a, b, c, d, m, k, s) do {					\
		(a) += F4(b, c, d) + (m) + (u32)(k);			\
		(a) = rol32_(a, s) + (b);				\
	} while (0)

/* Process nblocks 64-byte blocks at p. */
static void md5_blocks(u32 h[4], const u8 *p, size_t nblocks)
{
	u32 a, b, c, d;

	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	while (nblocks--) {
		const u32 m0 = ng_le32(p + 0), m1 = ng_le32(p + 4);
		const u32 m2 = ng_le32(p + 8), m3 = ng_le32(p + 12);
		const u32 m4 = ng_le32(p + 16), m5 = ng_le32(p + 20);
		const u32 m6 = ng_le32(p + 24), m7 = ng_le32(p + 28);
		const u32 m8 = ng_le32(p + 32), m9 = ng_le32(p + 36);
		const u32 m10 = ng_le32(p + 40), m11 = ng_le32(p + 44);
		const u32 m12 = ng_le32(p + 48), m13 = ng_le32(p + 52);
		const u32 m14 = ng_le32(p + 56), m15 = ng_le32(p + 60);
		const u32 a0 = a, b0 = b, c0 = c, d0 = d;

		STEP1(a, b, c, d, m0, 0xd76aa478, 7);
		STEP1(d, a, b, c, m1, 0xe8c7b756, 12);
		STEP1(c, d, a, b, m2, 0x242070db, 17);
		STEP1(b, c, d, a, m3, 0xc1bdceee, 22);
		STEP1(a, b, c, d, m4, 0xf57c0faf, 7);
		STEP1(d, a, b, c, m5, 0x4787c62a, 12);
		STEP1(c, d, a, b, m6, 0xa8304613, 17);
		STEP1(b, c, d, a, m7, 0xfd469501, 22);
		STEP1(a, b, c, d, m8, 0x698098d8, 7);
		STEP1(d, a, b, c, m9, 0x8b44f7af, 12);
		STEP1(c, d, a, b, m10, 0xffff5bb1, 17);
		STEP1(b, c, d, a, m11, 0x895cd7be, 22);
		STEP1(a, b, c, d, m12, 0x6b901122, 7);
		STEP1(d, a, b, c, m13, 0xfd987193, 12);
		STEP1(c, d, a, b, m14, 0xa679438e, 17);
		STEP1(b, c, d, a, m15, 0x49b40821, 22);

		STEP2(a, b, c, d, m1, 0xf61e2562, 5);
		STEP2(d, a, b, c, m6, 0xc040b340, 9);
		STEP2(c, d, a, b, m11, 0x265e5a51, 14);
		STEP2(b, c, d, a, m0, 0xe9b6c7aa, 20);
		STEP2(a, b, c, d, m5, 0xd62f105d, 5);
		STEP2(d, a, b, c, m10, 0x02441453, 9);
		STEP2(c, d, a, b, m15, 0xd8a1e681, 14);
		STEP2(b, c, d, a, m4, 0xe7d3fbc8, 20);
		STEP2(a, b, c, d, m9, 0x21e1cde6, 5);
		STEP2(d, a, b, c, m14, 0xc33707d6, 9);
		STEP2(c, d, a, b, m3, 0xf4d50d87, 14);
		STEP2(b, c, d, a, m8, 0x455a14ed, 20);
		STEP2(a, b, c, d, m13, 0xa9e3e905, 5);
		STEP2(d, a, b, c, m2, 0xfcefa3f8, 9);
		STEP2(c, d, a, b, m7, 0x676f02d9, 14);
		STEP2(b, c, d, a, m12, 0x8d2a4c8a, 20);

		STEP3(a, b, c, d, m5, 0xfffa3942, 4);
		STEP3(d, a, b, c, m8, 0x8771f681, 11);
		STEP3(c, d, a, b, m11, 0x6d9d6122, 16);
		STEP3(b, c, d, a, m14, 0xfde5380c, 23);
		STEP3(a, b, c, d, m1, 0xa4beea44, 4);
		STEP3(d, a, b, c, m4, 0x4bdecfa9, 11);
		STEP3(c, d, a, b, m7, 0xf6bb4b60, 16);
		STEP3(b, c, d, a, m10, 0xbebfbc70, 23);
		STEP3(a, b, c, d, m13, 0x289b7ec6, 4);
		STEP3(d, a, b, c, m0, 0xeaa127fa, 11);
		STEP3(c, d, a, b, m3, 0xd4ef3085, 16);
		STEP3(b, c, d, a, m6, 0x04881d05, 23);
		STEP3(a, b, c, d, m9, 0xd9d4d039, 4);
		STEP3(d, a, b, c, m12, 0xe6db99e5, 11);
		STEP3(c, d, a, b, m15, 0x1fa27cf8, 16);
		STEP3(b, c, d, a, m2, 0xc4ac5665, 23);

		STEP4(a, b, c, d, m0, 0xf4292244, 6);
		STEP4(d, a, b, c, m7, 0x432aff97, 10);
		STEP4(c, d, a, b, m14, 0xab9423a7, 15);
		STEP4(b, c, d, a, m5, 0xfc93a039, 21);
		STEP4(a, b, c, d, m12, 0x655b59c3, 6);
		STEP4(d, a, b, c, m3, 0x8f0ccc92, 10);
		STEP4(c, d, a, b, m10, 0xffeff47d, 15);
		STEP4(b, c, d, a, m1, 0x85845dd1, 21);
		STEP4(a, b, c, d, m8, 0x6fa87e4f, 6);
		STEP4(d, a, b, c, m15, 0xfe2ce6e0, 10);
		STEP4(c, d, a, b, m6, 0xa3014314, 15);
		STEP4(b, c, d, a, m13, 0x4e0811a1, 21);
		STEP4(a, b, c, d, m4, 0xf7537e82, 6);
		STEP4(d, a, b, c, m11, 0xbd3af235, 10);
		STEP4(c, d, a, b, m2, 0x2ad7d2bb, 15);
		STEP4(b, c, d, a, m9, 0xeb86d391, 21);

		a += a0;
		b += b0;
		c += c0;
		d += d0;
		p += 64;
	}
	h[0] = a;
	h[1] = b;
	h[2] = c;
	h[3] = d;
}

void ng_md5_init(struct ng_md5 *c)
{
	c->h[0] = 0x67452301;
	c->h[1] = 0xefcdab89;
	c->h[2] = 0x98badcfe;
	c->h[3] = 0x10325476;
	c->bytes = 0;
}

void ng_md5_update(struct ng_md5 *c, const void *data, size_t len)
{
	const u8 *p = data;
	size_t used = c->bytes & 63;

	c->bytes += len;
	if (used) {
		size_t n = 64 - used;

		if (len < n) {
			memcpy(c->buf + used, p, len);
			return;
		}
		memcpy(c->buf + used, p, n);
		md5_blocks(c->h, c->buf, 1);
		p += n;
		len -= n;
	}
	if (len >= 64) {
		md5_blocks(c->h, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len)
		memcpy(c->buf, p, len);
}

static inline void put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

void ng_md5_final(struct ng_md5 *c, u8 out[NG_MD5_LEN])
{
	size_t used = c->bytes & 63;
	u64 bits = c->bytes << 3;
	int i;

	c->buf[used++] = 0x80;
	if (used > 56) {
		memset(c->buf + used, 0, 64 - used);
		md5_blocks(c->h, c->buf, 1);
		used = 0;
	}
	memset(c->buf + used, 0, 56 - used);
	put_le32(c->buf + 56, (u32)bits);
	put_le32(c->buf + 60, (u32)(bits >> 32));
	md5_blocks(c->h, c->buf, 1);
	for (i = 0; i < 4; i++)
		put_le32(out + 4 * i, c->h[i]);
	memset(c, 0, sizeof(*c));
}

void ng_md5(const void *data, size_t len, u8 out[NG_MD5_LEN])
{
	struct ng_md5 c;

	ng_md5_init(&c);
	ng_md5_update(&c, data, len);
	ng_md5_final(&c, out);
}
