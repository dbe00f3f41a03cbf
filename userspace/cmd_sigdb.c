// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_sigdb.c - `nogapctl sigdb build` and `nogapctl sigdb info`.
 */
#include <getopt.h>
#include <stdio.h>
#include <libgen.h>
#include "nogapctl.h"
#include "json.h"
#include "fileio.h"
#include "offline.h"
#include "sigdb_build.h"

/* Default label: the dump's file name without directory and extension. */
static void default_label(char *out, size_t n, const char *dump)
{
	char tmp[512], *b, *dot;

	snprintf(tmp, sizeof(tmp), "%s", dump);
	b = basename(tmp);
	dot = strrchr(b, '.');
	if (dot && dot != b)
		*dot = 0;
	snprintf(out, n, "%s", b);
}

static int build_one(const char *cmd, struct ng_dbk *k, const char *dump,
		     const char *ksyms, const char *label)
{
	struct ng_kallsyms ks;
	struct ng_target t;
	char err[512], lbl[NG_SIGDB_LABEL_LEN];
	int ret;

	ret = ng_kallsyms_load(&ks, ksyms, err, sizeof(err));
	if (ret)
		return ng_err(cmd, "%s", err);
	ng_progress("%s: reading the kernel text", dump);
	ret = ng_target_open(&t, dump, err, sizeof(err));
	if (ret) {
		ng_kallsyms_free(&ks);
		return ng_err(cmd, "%s", err);
	}
	if (label)
		snprintf(lbl, sizeof(lbl), "%s", label);
	else
		default_label(lbl, sizeof(lbl), dump);
	ng_progress("%s: labelling %u fragments", dump, t.img.nfrags);
	ret = ng_dbk_build(k, &t.img, &ks, lbl, err, sizeof(err));
	ng_target_close(&t);
	ng_kallsyms_free(&ks);
	if (ret)
		return ng_err(cmd, "%s: %s", ksyms, err);
	/* most text symbols must land: else kallsyms is from another boot */
	if ((u64)k->named_syms * 2 < k->text_syms || k->named_syms < 100) {
		ng_err(cmd, "%s does not match %s: only %u of %u text symbols fall on its code (another boot?)",
		       ksyms, dump, k->named_syms, k->text_syms);
		ng_dbk_free(k);
		return NG_EXIT_FAIL;
	}
	return 0;
}

int cmd_sigdb_build(int argc, char **argv)
{
	static const char *cmd = "sigdb build";
	static const struct option opts[] = {
		{ "dump", required_argument, NULL, 'd' },
		{ "kallsyms", required_argument, NULL, 'k' },
		{ "label", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dumps[NG_SIGDB_MAX_KERNELS], *syms[NG_SIGDB_MAX_KERNELS];
	const char *labels[NG_SIGDB_MAX_KERNELS] = { NULL };
	const char *out = NULL;
	u32 nd = 0, nk = 0, nl = 0, i, built = 0;
	struct ng_dbk *ks = NULL;
	struct ng_outfile of;
	char err[512];
	u8 *img = NULL;
	u64 len;
	int c, ret = NG_EXIT_FAIL;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "d:k:l:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (nd == NG_SIGDB_MAX_KERNELS)
				return ng_usage_err(cmd, "at most %d kernels",
						    NG_SIGDB_MAX_KERNELS);
			dumps[nd++] = optarg;
			break;
		case 'k':
			if (nk == NG_SIGDB_MAX_KERNELS)
				return ng_usage_err(cmd, "at most %d kernels",
						    NG_SIGDB_MAX_KERNELS);
			syms[nk++] = optarg;
			break;
		case 'l':
			if (nl == NG_SIGDB_MAX_KERNELS)
				return ng_usage_err(cmd, "too many labels");
			labels[nl++] = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		}
	}
	if (optind != argc)
		return ng_usage_err(cmd, "unexpected argument '%s'", argv[optind]);
	if (!out)
		return ng_usage_err(cmd, "-o DB is required");
	if (!nd || nd != nk)
		return ng_usage_err(cmd, "give --dump and --kallsyms in pairs");
	if (nl && nl != nd)
		return ng_usage_err(cmd, "give one --label per --dump, or none");

	ks = calloc(nd, sizeof(*ks));
	if (!ks)
		return ng_err(cmd, "out of memory");
	for (i = 0; i < nd; i++) {
		if (build_one(cmd, &ks[i], dumps[i], syms[i], labels[i]))
			goto out;
		built++;
	}
	ng_progress_done();
	ret = ng_sigdb_serialize(ks, nd, &img, &len);
	if (ret) {
		ret = ng_err(cmd, "cannot serialise: %s", strerror(-ret));
		goto out;
	}
	if (ng_outfile_open(&of, out, err, sizeof(err))) {
		ret = ng_err(cmd, "%s", err);
		goto out;
	}
	ng_outfile_write(&of, img, len);
	if (ng_outfile_commit(&of, err, sizeof(err))) {
		ret = ng_err(cmd, "%s", err);
		goto out;
	}
	for (i = 0; i < nd; i++)
		fprintf(stderr, "%s: %u fragments, %u of %u text symbols placed\n",
			ks[i].label, ks[i].nfrags, ks[i].named_syms,
			ks[i].text_syms);
	fprintf(stderr, "%s: %u kernel(s), %llu bytes\n", out, nd,
		(unsigned long long)len);
	ret = 0;
out:
	free(img);
	for (i = 0; i < built; i++)
		ng_dbk_free(&ks[i]);
	free(ks);
	return ret;
}

/* Fragments whose full+spec hash is shared with another one. */
static u32 ambiguous(const struct ng_sigdb_kernel *k, u32 *groups)
{
	u32 i = 0, n = 0;

	*groups = 0;
	while (i < k->nfrags) {
		u32 j = i + 1;

		while (j < k->nfrags &&
		       !ng_full_cmp(k->frags[k->index[j]].full,
				    k->frags[k->index[i]].full))
			j++;
		if (j - i > 1) {
			n += j - i;
			(*groups)++;
		}
		i = j;
	}
	return n;
}

int cmd_sigdb_info(int argc, char **argv)
{
	static const char *cmd = "sigdb info";
	struct ng_sigdb db;
	struct ng_json j;
	u8 *buf = NULL;
	u32 i;

	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (optind + 1 != argc)
		return ng_usage_err(cmd, "give exactly one DB file");
	if (ng_load_sigdb(cmd, argv[optind], &db, &buf))
		return NG_EXIT_FAIL;

	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "file", argv[optind]);
		ng_json_kv_u64(&j, "version", NG_SIGDB_VERSION);
		ng_json_kv_u64(&j, "size", db.size);
		ng_json_key(&j, "kernels");
		ng_json_arr_begin(&j);
	} else {
		printf("%s: NoGap signature DB v%d, %llu bytes, %u kernel(s)\n",
		       argv[optind], NG_SIGDB_VERSION,
		       (unsigned long long)db.size, db.nkernels);
		printf("%-32s %10s %9s %9s %9s %10s\n", "KERNEL", "TEXT",
		       "FRAGS", "NAMES", "EDGES", "AMBIGUOUS");
	}
	for (i = 0; i < db.nkernels; i++) {
		const struct ng_sigdb_kernel *k = &db.k[i];
		u32 groups, amb = ambiguous(k, &groups);

		if (ng_opt_json) {
			ng_json_obj_begin(&j);
			ng_json_kv_str(&j, "label", k->label);
			ng_json_kv_u64(&j, "text_size", k->text_size);
			ng_json_kv_u64(&j, "fragments", k->nfrags);
			ng_json_kv_u64(&j, "names", k->nnames);
			ng_json_kv_u64(&j, "edges", k->nedges);
			ng_json_kv_u64(&j, "strings_bytes", k->strs_size);
			ng_json_kv_u64(&j, "ambiguous_fragments", amb);
			ng_json_kv_u64(&j, "collision_groups", groups);
			ng_json_obj_end(&j);
		} else {
			printf("%-32s %10llu %9u %9u %9u %10u\n", k->label,
			       (unsigned long long)k->text_size, k->nfrags,
			       k->nnames, k->nedges, amb);
		}
	}
	if (ng_opt_json) {
		ng_json_arr_end(&j);
		ng_json_obj_end(&j);
		ng_json_finish(&j);
	}
	free(buf);
	return NG_EXIT_OK;
}
