// SPDX-License-Identifier: GPL-2.0
/*
 * bench_md5.c - throughput of ng_md5 against OpenSSL's MD5, side by side:
 * one 64 MiB buffer, then many short messages (16..200 bytes, the size of
 * our code fragments). Each figure is the best of several rounds.
 *
 * Usage: bench_md5 [rounds]
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/md5.h>

#include "md5.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile u8 sink;

static void ours_one(const u8 *p, size_t n)
{
	u8 d[NG_MD5_LEN];

	ng_md5(p, n, d);
	sink ^= d[0];
}

static void ossl_one(const u8 *p, size_t n)
{
	u8 d[MD5_DIGEST_LENGTH];

	MD5(p, n, d);
	sink ^= d[0];
}

/* Seconds to hash the message list (off[i], len[i]) once with fn. */
static double run(void (*fn)(const u8 *, size_t), const u8 *buf,
		  const size_t *off, const size_t *len, size_t nmsg)
{
	double t0 = now();
	size_t i;

	for (i = 0; i < nmsg; i++)
		fn(buf + off[i], len[i]);
	return now() - t0;
}

static void compare(const char *what, const u8 *buf, const size_t *off,
		    const size_t *len, size_t nmsg, int rounds)
{
	double best_ours = 1e9, best_ossl = 1e9, mb = 0;
	size_t i;
	int r;

	for (i = 0; i < nmsg; i++)
		mb += len[i];
	mb /= 1e6;
	for (r = 0; r < rounds; r++) {
		double t;

		t = run(ossl_one, buf, off, len, nmsg);
		if (t < best_ossl)
			best_ossl = t;
		t = run(ours_one, buf, off, len, nmsg);
		if (t < best_ours)
			best_ours = t;
	}
	printf("md5 %-22s ours %8.1f MB/s  openssl %8.1f MB/s  ratio %.3f\n",
	       what, mb / best_ours, mb / best_ossl, best_ossl / best_ours);
}

int main(int argc, char **argv)
{
	const size_t big = 64u << 20;
	const size_t nsmall = 400000;
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	size_t *off, *len, i, pos = 0;
	u64 x = 88172645463325252ull;
	u8 *buf;

	if (rounds < 1)
		rounds = 1;
	buf = malloc(big);
	off = malloc(nsmall * sizeof(*off));
	len = malloc(nsmall * sizeof(*len));
	if (!buf || !off || !len) {
		fprintf(stderr, "bench_md5: out of memory\n");
		return 1;
	}
	for (i = 0; i < big; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (u8)x;
	}

	off[0] = 0;
	len[0] = big;
	compare("64 MiB buffer", buf, off, len, 1, rounds);

	for (i = 0; i < nsmall; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len[i] = 16 + x % 185;
		off[i] = pos;
		pos += len[i];
	}
	compare("16-200 byte messages", buf, off, len, nsmall, rounds);
	return 0;
}
