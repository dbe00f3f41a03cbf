/* SPDX-License-Identifier: GPL-2.0 */
/* md5.h - MD5 (RFC 1321), freestanding. The module hashes with the kernel
 * crypto API instead (see fragment.h: struct ng_hasher). */
#ifndef NG_MD5_H
#define NG_MD5_H

#include "ng_env.h"

#define NG_MD5_LEN	16

struct ng_md5 {
	u32 h[4];
	u64 bytes;		/* total length so far */
	u8 buf[64];		/* pending partial block */
};

void ng_md5_init(struct ng_md5 *c);
void ng_md5_update(struct ng_md5 *c, const void *data, size_t len);
void ng_md5_final(struct ng_md5 *c, u8 out[NG_MD5_LEN]);
/* One-shot convenience. */
void ng_md5(const void *data, size_t len, u8 out[NG_MD5_LEN]);

#endif /* NG_MD5_H */
