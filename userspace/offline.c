// SPDX-License-Identifier: GPL-2.0
/*
 * offline.c - the identification engine over a memory dump.
 */
#include <stdio.h>
#include <time.h>
#include "offline.h"
#include "ktext.h"

double ng_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int ng_target_open(struct ng_target *t, const char *path, char *err,
		   size_t errlen)
{
	const struct ng_vcpu_state *v;
	double t0 = ng_now();
	int ret;

	memset(t, 0, sizeof(*t));
	t->path = path;
	ret = ng_dump_open(&t->dump, path, err, errlen);
	if (ret)
		return ret;
	t->vcpu = ng_dump_anchor(&t->dump);
	if (t->vcpu < 0) {
		snprintf(err, errlen,
			 "%s: no vCPU in kernel mode (no anchor): take the dump while the guest runs",
			 path);
		ret = -ENOENT;
		goto fail;
	}
	v = &t->dump.vcpus[t->vcpu];
	t->anchor = v->rip;
	t->cr3 = v->cr3;
	t->mmu.mem = &t->dump.mem;
	t->mmu.cr3 = v->cr3;
	t->mmu.la57 = !!(v->cr4 & (1ull << 12));
	t->mmu.nxe = true;	/* long mode kernels run with EFER.NXE */
	t->t_open = ng_now() - t0;

	t0 = ng_now();
	ret = ng_ktext_find(&t->mmu, t->anchor, &t->text_start, &t->text_end);
	if (ret) {
		snprintf(err, errlen,
			 "%s: anchor 0x%llx (vCPU %d) is not in mapped kernel code: %s",
			 path, (unsigned long long)t->anchor, t->vcpu,
			 ret == -E2BIG ? "code range too large" :
			 "not mapped as kernel code");
		goto fail;
	}
	t->text = malloc(t->text_end - t->text_start);
	if (!t->text) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	ret = ng_ktext_read(&t->mmu, t->text_start, t->text_end, t->text,
			    &t->holes);
	if (ret) {
		snprintf(err, errlen, "%s: cannot read the kernel text", path);
		goto fail;
	}
	t->t_text = ng_now() - t0;

	t0 = ng_now();
	ret = ng_image_analyse(&t->img, t->text_start, t->text,
			       t->text_end - t->text_start, &ng_md5_hasher);
	if (ret) {
		snprintf(err, errlen, "%s: cannot analyse the kernel text: %s",
			 path, strerror(-ret));
		goto fail;
	}
	t->t_analyse = ng_now() - t0;
	return 0;
fail:
	free(t->text);
	t->text = NULL;
	ng_dump_close(&t->dump);
	return ret;
}

void ng_target_close(struct ng_target *t)
{
	ng_image_free(&t->img);
	free(t->text);
	t->text = NULL;
	ng_dump_close(&t->dump);
}
