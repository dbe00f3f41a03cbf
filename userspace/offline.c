// SPDX-License-Identifier: GPL-2.0
/*
 * offline.c - the identification engine over a memory dump.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include "nogapctl.h"
#include "fileio.h"
#include "sigdb.h"
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

int ng_load_sigdb(const char *cmd, const char *path, struct ng_sigdb *db,
		  u8 **buf)
{
	char err[256];
	const char *why;
	size_t len;
	int ret;

	ret = ng_read_file(path, buf, &len, NG_SIGDB_MAX_SIZE, err, sizeof(err));
	if (ret)
		return ng_err(cmd, "%s", err);
	ret = ng_sigdb_open(db, *buf, len, &ng_md5_hasher, &why);
	if (ret) {
		free(*buf);
		*buf = NULL;
		return ng_err(cmd, "%s: %s", path, why);
	}
	return 0;
}

int ng_parse_dump_db(const char *cmd, int argc, char **argv,
		     const char **dump, const char **db, const char *extra_usage)
{
	static const struct option opts[] = {
		{ "dump", required_argument, NULL, 'd' },
		{ "db", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*dump = NULL;
	*db = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:b:j", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			*dump = optarg;
			break;
		case 'b':
			*db = optarg;
			break;
		case 'j':
			ng_opt_json = true;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ng_usage_err(cmd, "%s '%s'", extra_usage, argv[optind]);
	if (!*dump || !*db)
		return ng_usage_err(cmd, "--dump and --db are required");
	return 0;
}

int ng_session_open(struct ng_session *s, const char *cmd, const char *dump,
		    const char *dbpath)
{
	char err[512];
	double t0;
	int ret;

	memset(s, 0, sizeof(*s));
	if (ng_load_sigdb(cmd, dbpath, &s->db, &s->dbbuf))
		return NG_EXIT_FAIL;
	ng_progress("reading %s", dump);
	ret = ng_target_open(&s->t, dump, err, sizeof(err));
	if (ret) {
		free(s->dbbuf);
		s->dbbuf = NULL;
		return ng_err(cmd, "%s", err);
	}
	ng_progress("matching %u fragments", s->t.img.nfrags);
	t0 = ng_now();
	ret = ng_identify(&s->id, &s->t.img, &s->db);
	s->t_match = ng_now() - t0;
	ng_progress_done();
	if (ret) {
		ng_target_close(&s->t);
		free(s->dbbuf);
		s->dbbuf = NULL;
		return ng_err(cmd, "identification failed: %s", strerror(-ret));
	}
	return 0;
}

void ng_session_close(struct ng_session *s)
{
	ng_ident_free(&s->id);
	ng_target_close(&s->t);
	free(s->dbbuf);
	s->dbbuf = NULL;
}
