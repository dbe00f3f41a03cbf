// SPDX-License-Identifier: GPL-2.0
/*
 * test_md5.c - ng_md5 against RFC 1321's vectors and against OpenSSL.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/Basic.h>
#include <openssl/md5.h>

#include "md5.h"
#include "ut.h"

static void fill(u8 *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (u8)(ut_rnd() >> 56);
}

static void hex(const u8 *d, char *out)
{
	int i;

	for (i = 0; i < NG_MD5_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_rfc1321(void)
{
	static const struct {
		const char *msg, *md5;
	} v[] = {
		{ "", "d41d8cd98f00b204e9800998ecf8427e" },
		{ "a", "0cc175b9c0f1b6a831c399e269772661" },
		{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
		{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
		{ "abcdefghijklmnopqrstuvwxyz",
		  "c3fcd3d76192e4007dfb496cca67e13b" },
		{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
		  "d174ab98d277d9f5a5611c2c9f419d9f" },
		{ "1234567890123456789012345678901234567890"
		  "1234567890123456789012345678901234567890",
		  "57edf4a22be3c955ac49da2e2107b67a" },
	};
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		u8 d[NG_MD5_LEN];
		char h[2 * NG_MD5_LEN + 1];
		struct ng_md5 c;

		ng_md5(v[i].msg, strlen(v[i].msg), d);
		hex(d, h);
		CU_ASSERT_STRING_EQUAL(h, v[i].md5);

		/* byte by byte through update() */
		ng_md5_init(&c);
		for (j = 0; j < strlen(v[i].msg); j++)
			ng_md5_update(&c, v[i].msg + j, 1);
		ng_md5_final(&c, d);
		hex(d, h);
		CU_ASSERT_STRING_EQUAL(h, v[i].md5);
	}
}

/* Hash buf[0..len) with random-sized update() chunks. */
static void md5_chunked(const u8 *buf, size_t len, u8 out[NG_MD5_LEN])
{
	struct ng_md5 c;
	size_t off = 0;

	ng_md5_init(&c);
	while (off < len) {
		size_t n;

		switch (ut_rnd() % 4) {
		case 0:
			n = ut_rnd() % 4;	/* tiny, also empty updates */
			break;
		case 1:
			n = ut_rnd() % 70;
			break;
		case 2:
			n = 64 * (ut_rnd() % 4);
			break;
		default:
			n = ut_rnd() % (len + 1);
			break;
		}
		if (n > len - off)
			n = len - off;
		ng_md5_update(&c, buf + off, n);
		off += n;
	}
	ng_md5_final(&c, out);
}

static void test_random_vs_openssl(void)
{
	enum { N = 10000, MAXLEN = 5000 };
	u8 *buf = malloc(MAXLEN + 16);
	unsigned int i, bad = 0;

	CU_ASSERT_FATAL(buf != NULL);
	for (i = 0; i < N; i++) {
		size_t len = ut_rnd() % (MAXLEN + 1);
		size_t shift = ut_rnd() % 16;	/* unaligned inputs too */
		u8 ours[NG_MD5_LEN], ref[NG_MD5_LEN], one[NG_MD5_LEN];

		fill(buf + shift, len);
		md5_chunked(buf + shift, len, ours);
		ng_md5(buf + shift, len, one);
		MD5(buf + shift, len, ref);
		if (memcmp(ours, ref, NG_MD5_LEN) ||
		    memcmp(one, ref, NG_MD5_LEN)) {
			if (!bad)
				fprintf(stderr, "\nmismatch at length %zu\n",
					len);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	free(buf);
}

static void test_large_and_boundaries(void)
{
	const size_t big = 1 << 20;
	u8 *buf = malloc(big);
	u8 ours[NG_MD5_LEN], ref[NG_MD5_LEN];
	size_t len;

	CU_ASSERT_FATAL(buf != NULL);
	fill(buf, big);
	ng_md5(buf, big, ours);
	MD5(buf, big, ref);
	CU_ASSERT_EQUAL(memcmp(ours, ref, NG_MD5_LEN), 0);
	md5_chunked(buf, big, ours);
	CU_ASSERT_EQUAL(memcmp(ours, ref, NG_MD5_LEN), 0);

	/* the padding cases: around one block and around two blocks */
	for (len = 0; len <= 200; len++) {
		size_t split;

		MD5(buf, len, ref);
		ng_md5(buf, len, ours);
		CU_ASSERT_EQUAL(memcmp(ours, ref, NG_MD5_LEN), 0);
		/* every two-part split of the lengths near 64 */
		if ((len < 50 || len > 70) && (len < 115 || len > 135))
			continue;
		for (split = 0; split <= len; split++) {
			struct ng_md5 c;

			ng_md5_init(&c);
			ng_md5_update(&c, buf, split);
			ng_md5_update(&c, buf + split, len - split);
			ng_md5_final(&c, ours);
			CU_ASSERT_EQUAL(memcmp(ours, ref, NG_MD5_LEN), 0);
		}
	}
	free(buf);
}

static void test_million_a(void)
{
	/* a classic extra vector: one million 'a' */
	u8 d[NG_MD5_LEN];
	char h[2 * NG_MD5_LEN + 1];
	char *a = malloc(1000000);

	CU_ASSERT_FATAL(a != NULL);
	memset(a, 'a', 1000000);
	ng_md5(a, 1000000, d);
	hex(d, h);
	CU_ASSERT_STRING_EQUAL(h, "7707d6ae4e027c70eea2a935c2296f21");
	free(a);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "RFC 1321 A.5 vectors", test_rfc1321 },
		{ "10000 random buffers vs OpenSSL", test_random_vs_openssl },
		{ "1 MiB and padding boundaries", test_large_and_boundaries },
		{ "one million 'a'", test_million_a },
	};
	static const struct ut_suite suite = {
		.name = "md5", UT_TESTS(tests),
	};

	ut_rnd_seed(0x9e3779b97f4a7c15ull);
	return ut_run(&suite);
}
