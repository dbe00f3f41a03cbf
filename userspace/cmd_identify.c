// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_identify.c - `nogapctl identify --dump DUMP --db DB [-j]`: name the
 * kernel functions of a memory dump from a signature DB.
 */
#include <stdio.h>
#include "nogapctl.h"
#include "json.h"
#include "offline.h"
#include "match.h"

static const char *CMD = "identify";

struct fname {
	u64 addr;
	u32 size;
	u32 frag;
	const char *name;
	u8 evidence, confidence;
};

struct names {
	struct fname *v;
	size_t n, cap;
	u32 frag;
	u64 frag_end;
};

static int add_name(void *arg, u64 addr, const char *name,
		    const struct ng_fmatch *fm)
{
	struct names *ns = arg;

	if (ns->n && ns->v[ns->n - 1].addr == addr)
		return 0;	/* one name per address: the first */
	if (ns->n == ns->cap) {
		size_t nc = ns->cap ? ns->cap * 2 : 65536;
		struct fname *nv = realloc(ns->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		ns->v = nv;
		ns->cap = nc;
	}
	ns->v[ns->n].addr = addr;
	ns->v[ns->n].frag = ns->frag;
	ns->v[ns->n].size = (u32)(ns->frag_end - addr);
	ns->v[ns->n].name = name;
	ns->v[ns->n].evidence = fm->evidence;
	ns->v[ns->n].confidence = fm->confidence;
	/* an interior name ends the previous function of the fragment */
	if (ns->n && ns->v[ns->n - 1].frag == ns->frag)
		ns->v[ns->n - 1].size = (u32)(addr - ns->v[ns->n - 1].addr);
	ns->n++;
	return 0;
}

static void print_json(const struct ng_target *t, const struct ng_sigdb *db,
		       const struct ng_ident *id, const struct names *ns,
		       const struct ng_datasym *ds, u32 nds, double t_match)
{
	struct ng_json j;
	size_t i;
	int e;

	ng_json_init(&j, stdout, false);
	ng_json_obj_begin(&j);
	ng_json_kv_str(&j, "dump", t->path);
	ng_json_key(&j, "anchor");
	ng_json_obj_begin(&j);
	ng_json_kv_u64(&j, "vcpu", (u64)t->vcpu);
	ng_json_kv_hex(&j, "rip", t->anchor);
	ng_json_kv_hex(&j, "cr3", t->cr3);
	ng_json_obj_end(&j);
	ng_json_key(&j, "text");
	ng_json_obj_begin(&j);
	ng_json_kv_hex(&j, "start", t->text_start);
	ng_json_kv_hex(&j, "end", t->text_end);
	ng_json_kv_u64(&j, "size", t->text_end - t->text_start);
	ng_json_kv_u64(&j, "fragments", t->img.nfrags);
	ng_json_kv_u64(&j, "instructions", t->img.ninsn);
	ng_json_kv_u64(&j, "undecodable_bytes", t->img.nbad);
	ng_json_kv_u64(&j, "unreadable_pages", t->holes);
	ng_json_obj_end(&j);
	ng_json_key(&j, "kernel");
	ng_json_obj_begin(&j);
	ng_json_kv_str(&j, "label", db->k[id->primary].label);
	ng_json_kv_u64(&j, "index", id->primary);
	ng_json_obj_end(&j);
	ng_json_key(&j, "stats");
	ng_json_obj_begin(&j);
	ng_json_kv_u64(&j, "functions", ns->n);
	ng_json_kv_u64(&j, "fragments_matched", id->nmatched);
	ng_json_kv_u64(&j, "callgraph_conflicts", id->conflicts);
	ng_json_key(&j, "by_evidence");
	ng_json_obj_begin(&j);
	for (e = 1; e < NG_EV__MAX; e++)
		ng_json_kv_u64(&j, ng_evidence_name[e], id->by_evidence[e]);
	ng_json_obj_end(&j);
	ng_json_obj_end(&j);
	ng_json_key(&j, "seconds");
	ng_json_obj_begin(&j);
	ng_json_kv_double(&j, "open", t->t_open);
	ng_json_kv_double(&j, "text", t->t_text);
	ng_json_kv_double(&j, "fragments", t->t_analyse);
	ng_json_kv_double(&j, "match", t_match);
	ng_json_obj_end(&j);
	ng_json_key(&j, "functions");
	ng_json_arr_begin(&j);
	for (i = 0; i < ns->n; i++) {
		const struct fname *f = &ns->v[i];

		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "name", f->name);
		ng_json_kv_hex(&j, "address", f->addr);
		ng_json_kv_u64(&j, "size", f->size);
		ng_json_kv_str(&j, "evidence", ng_evidence_name[f->evidence]);
		ng_json_kv_u64(&j, "confidence", f->confidence);
		ng_json_obj_end(&j);
	}
	ng_json_arr_end(&j);
	ng_json_key(&j, "data");
	ng_json_arr_begin(&j);
	for (i = 0; i < nds; i++) {
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "name", ds[i].name);
		ng_json_kv_hex(&j, "address", ds[i].addr);
		ng_json_kv_u64(&j, "votes", ds[i].votes);
		ng_json_kv_u64(&j, "refs", ds[i].refs);
		ng_json_obj_end(&j);
	}
	ng_json_arr_end(&j);
	ng_json_obj_end(&j);
	ng_json_finish(&j);
}

static void print_human(const struct ng_target *t, const struct ng_sigdb *db,
			const struct ng_ident *id, const struct names *ns,
			u32 nds)
{
	size_t i;

	printf("anchor:    vCPU %d rip 0x%llx cr3 0x%llx\n", t->vcpu,
	       (unsigned long long)t->anchor, (unsigned long long)t->cr3);
	printf("text:      0x%llx-0x%llx (%llu KiB, %u fragments)\n",
	       (unsigned long long)t->text_start,
	       (unsigned long long)t->text_end,
	       (unsigned long long)(t->text_end - t->text_start) >> 10,
	       t->img.nfrags);
	printf("kernel:    %s\n", db->k[id->primary].label);
	printf("functions: %zu named\n", ns->n);
	printf("data:      %u symbols located through code (-j lists them)\n\n",
	       nds);
	printf("%-18s %7s %4s %-12s %s\n", "ADDRESS", "SIZE", "CONF",
	       "EVIDENCE", "NAME");
	for (i = 0; i < ns->n; i++) {
		const struct fname *f = &ns->v[i];

		printf("0x%016llx %7u %4u %-12s %s\n",
		       (unsigned long long)f->addr, f->size, f->confidence,
		       ng_evidence_name[f->evidence], f->name);
	}
}

int cmd_identify(int argc, char **argv)
{
	const char *dump, *dbpath;
	struct ng_session s;
	struct names ns = { 0 };
	struct ng_datasym *ds = NULL;
	u32 nds = 0, i;
	double t0;
	int ret;

	ret = ng_parse_dump_db(CMD, argc, argv, &dump, &dbpath,
			       "unexpected argument");
	if (ret)
		return ret;
	if (ng_session_open(&s, CMD, dump, dbpath))
		return NG_EXIT_FAIL;
	t0 = ng_now();
	for (i = 0; i < s.id.nfrags && !ret; i++) {
		ns.frag = i;
		ns.frag_end = s.t.img.frags[i].addr + s.t.img.frags[i].size;
		ret = ng_ident_names(&s.id, &s.t.img, &s.db, i, add_name, &ns);
	}
	if (!ret)
		ret = ng_ident_data(&s.id, &s.t.img, &s.db, &ds, &nds);
	s.t_match += ng_now() - t0;
	if (ret) {
		ng_err(CMD, "out of memory");
	} else {
		if (ng_opt_json)
			print_json(&s.t, &s.db, &s.id, &ns, ds, nds, s.t_match);
		else
			print_human(&s.t, &s.db, &s.id, &ns, nds);
		if (fflush(stdout) || ferror(stdout))
			ret = ng_err(CMD, "cannot write the output");
	}
	ng_free(ds);
	free(ns.v);
	ng_session_close(&s);
	return ret ? NG_EXIT_FAIL : NG_EXIT_OK;
}
