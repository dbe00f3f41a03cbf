// SPDX-License-Identifier: GPL-2.0
/*
 * hash.c - MD5 for the engine through the kernel crypto API.
 *
 * The engine hashes through struct ng_hasher (core/fragment.h). In the
 * module that is crypto_alloc_shash("md5"): the kernel's implementation,
 * possibly accelerated. The transform is keyless, so one is shared by
 * every caller, each with a descriptor of its own on the stack. Should no
 * "md5" be available (a kernel without CONFIG_CRYPTO_MD5), the engine's
 * own MD5 (core/md5.c, the one userspace uses) is taken instead, and the
 * results are the same.
 */

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "nogap.h"

/* Hash long inputs (a whole DB) in pieces, rescheduling in between. */
#define NG_HASH_STEP	(1u << 20)

static struct crypto_shash *ng_md5_tfm;

static int ng_crypto_md5(void *ctx, const void *data, size_t len,
			 u8 out[NG_MD5_LEN])
{
	SHASH_DESC_ON_STACK(desc, ng_md5_tfm);
	const u8 *p = data;
	int ret;

	desc->tfm = ng_md5_tfm;
	if (len <= NG_HASH_STEP) {
		ret = crypto_shash_digest(desc, p, len, out);
		goto out;
	}
	ret = crypto_shash_init(desc);
	while (!ret && len) {
		size_t n = min_t(size_t, len, NG_HASH_STEP);

		ret = crypto_shash_update(desc, p, n);
		p += n;
		len -= n;
		cond_resched();
	}
	if (!ret)
		ret = crypto_shash_final(desc, out);
out:
	shash_desc_zero(desc);
	return ret;
}

struct ng_hasher ng_crypto_hasher = { .md5 = ng_crypto_md5 };

/* The crypto API's MD5 must agree with the engine's (RFC 1321 vectors). */
static bool ng_hash_selftest(void)
{
	static const char *const in[] = {
		"", "abc", "message digest",
		"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	};
	u8 a[NG_MD5_LEN], b[NG_MD5_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		ng_md5(in[i], strlen(in[i]), a);
		if (ng_crypto_md5(NULL, in[i], strlen(in[i]), b) ||
		    memcmp(a, b, NG_MD5_LEN))
			return false;
	}
	return true;
}

int ng_hash_init(void)
{
	struct crypto_shash *tfm = crypto_alloc_shash("md5", 0, 0);

	if (IS_ERR(tfm)) {
		pr_warn("no md5 in the crypto API (%ld): using the built-in one\n",
			PTR_ERR(tfm));
		ng_crypto_hasher = ng_md5_hasher;
		return 0;
	}
	ng_md5_tfm = tfm;
	if (crypto_shash_digestsize(tfm) != NG_MD5_LEN || !ng_hash_selftest()) {
		pr_warn("the crypto API's md5 (%s) disagrees with RFC 1321: using the built-in one\n",
			crypto_shash_driver_name(tfm));
		crypto_free_shash(tfm);
		ng_md5_tfm = NULL;
		ng_crypto_hasher = ng_md5_hasher;
	}
	return 0;
}

void ng_hash_exit(void)
{
	if (ng_md5_tfm)
		crypto_free_shash(ng_md5_tfm);
	ng_md5_tfm = NULL;
}
