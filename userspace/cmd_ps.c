// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_ps.c - the guest's processes as seen from outside:
 *
 *	ps --dump DUMP --db DB [-j]	from a memory dump
 *	ps VM [-j]			from a running VM (nogap.ko, PS_GET)
 *
 * init_task comes from matched code; the task_struct layout is derived and
 * checked against the live task list (kmod/core/analyse.c), by nogapctl
 * for a dump and by the module for a VM. Both print the same rows.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include "nogapctl.h"
#include "json.h"
#include "nl.h"
#include "offline.h"
#include "match.h"
#include "analyse.h"

static const char *CMD = "ps";

struct ps_out {
	struct ng_json j;
	u32 n;
};

/* ps(1)'s letters for TASK_* states */
static const char *state_name(u32 s)
{
	if (s == 0)
		return "R";
	if (s == 0x402)
		return "I";
	if (s & 1)
		return "S";
	if (s & 2)
		return "D";
	if (s & 4)
		return "T";
	if (s & 8)
		return "t";
	return "?";
}

static void print_row(struct ps_out *o, const struct ng_task *t, bool kthread)
{
	o->n++;
	if (ng_opt_json) {
		ng_json_obj_begin(&o->j);
		ng_json_kv_u64(&o->j, "pid", t->pid);
		ng_json_kv_u64(&o->j, "tgid", t->tgid);
		ng_json_kv_u64(&o->j, "ppid", t->ppid);
		ng_json_kv_str(&o->j, "comm", t->comm);
		ng_json_kv_str(&o->j, "state", state_name(t->state));
		ng_json_kv_bool(&o->j, "kernel_thread", kthread);
		ng_json_kv_hex(&o->j, "task", t->addr);
		ng_json_kv_hex(&o->j, "mm", t->mm);
		ng_json_obj_end(&o->j);
	} else {
		printf("%7u %7u %-2s %-16s 0x%016llx%s\n", t->pid, t->ppid,
		       state_name(t->state), t->comm,
		       (unsigned long long)t->addr, kthread ? "  [kernel]" : "");
	}
}

static int print_task(void *arg, const struct ng_task *t)
{
	print_row(arg, t, !t->mm);
	return 0;
}

/* ---- ps VM: the module reads the list ---- */

struct ps_rows {
	struct ng_task *v;
	bool *kthread;
	size_t n, cap;
};

static int on_tasks(struct nlattr **a, void *arg)
{
	struct ps_rows *rows = arg;
	struct nlattr *e;
	int rem;

	if (!a[NOGAP_A_TASKS])
		return 0;
	nla_for_each_nested(e, a[NOGAP_A_TASKS], rem) {
		struct nlattr *tb[NOGAP_TASK_A_MAX + 1];
		struct ng_task *t;
		const char *comm;
		size_t i;

		if (ng_nl_parse_task(tb, e) ||
		    !tb[NOGAP_TASK_A_ADDR] || !tb[NOGAP_TASK_A_PID] ||
		    !tb[NOGAP_TASK_A_COMM])
			return -EBADMSG;
		if (rows->n == rows->cap) {
			size_t nc = rows->cap ? rows->cap * 2 : 256;
			struct ng_task *nv = realloc(rows->v, nc * sizeof(*nv));
			bool *nk;

			if (!nv)
				return -ENOMEM;
			rows->v = nv;
			nk = realloc(rows->kthread, nc * sizeof(*nk));
			if (!nk)
				return -ENOMEM;
			rows->kthread = nk;
			rows->cap = nc;
		}
		t = &rows->v[rows->n];
		memset(t, 0, sizeof(*t));
		t->addr = nla_get_u64(tb[NOGAP_TASK_A_ADDR]);
		t->pid = nla_get_u32(tb[NOGAP_TASK_A_PID]);
		if (tb[NOGAP_TASK_A_TGID])
			t->tgid = nla_get_u32(tb[NOGAP_TASK_A_TGID]);
		if (tb[NOGAP_TASK_A_PPID])
			t->ppid = nla_get_u32(tb[NOGAP_TASK_A_PPID]);
		if (tb[NOGAP_TASK_A_STATE])
			t->state = nla_get_u32(tb[NOGAP_TASK_A_STATE]);
		if (tb[NOGAP_TASK_A_MM])
			t->mm = nla_get_u64(tb[NOGAP_TASK_A_MM]);
		/* the module sanitised it; never trust that on output */
		comm = nla_data(tb[NOGAP_TASK_A_COMM]);
		for (i = 0; i + 1 < NG_COMM_LEN &&
			    i < (size_t)nla_len(tb[NOGAP_TASK_A_COMM]) && comm[i];
		     i++)
			t->comm[i] = comm[i] >= 0x20 && comm[i] <= 0x7e ?
				     comm[i] : '?';
		rows->kthread[rows->n] = tb[NOGAP_TASK_A_KTHREAD] ?
			!!nla_get_u8(tb[NOGAP_TASK_A_KTHREAD]) : !t->mm;
		rows->n++;
	}
	return 0;
}

static int ps_online(int argc, char **argv)
{
	struct ps_rows rows = { 0 };
	struct ps_out o = { .n = 0 };
	unsigned int vm;
	struct ng_nl nl;
	struct nl_msg *m;
	size_t i;
	int ret;

	if (ng_opt_json_only(CMD, argc, argv))
		return NG_EXIT_USAGE;
	if (optind == argc)
		return ng_usage_err(CMD, "missing VM id (or --dump DUMP --db DB)");
	if (optind + 1 != argc)
		return ng_usage_err(CMD, "unexpected argument '%s'",
				    argv[optind + 1]);
	if (ng_parse_vm_id(CMD, argv[optind], &vm))
		return NG_EXIT_USAGE;
	if (ng_nl_open(&nl, CMD))
		return NG_EXIT_FAIL;
	m = ng_nl_msg(&nl, NOGAP_CMD_PS_GET, NLM_F_DUMP, 64);
	if (m && nla_put_u32(m, NOGAP_A_VM_ID, vm)) {
		nlmsg_free(m);
		m = NULL;
	}
	ret = ng_nl_request(&nl, m, on_tasks, &rows);
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&o.j, stdout, false);
		ng_json_obj_begin(&o.j);
		ng_json_kv_u64(&o.j, "vm", vm);
		ng_json_key(&o.j, "processes");
		ng_json_arr_begin(&o.j);
	} else {
		printf("%7s %7s %-2s %-16s %-18s\n", "PID", "PPID", "S", "COMM",
		       "TASK");
	}
	for (i = 0; i < rows.n; i++)
		print_row(&o, &rows.v[i], rows.kthread[i]);
	ret = 0;
	if (ng_opt_json) {
		ng_json_arr_end(&o.j);
		ng_json_obj_end(&o.j);
		ret = ng_json_finish(&o.j) ? NG_EXIT_FAIL : 0;
	}
out:
	free(rows.v);
	free(rows.kthread);
	ng_nl_close(&nl);
	return ret;
}

/* ---- ps --dump DUMP --db DB ---- */

static int ps_offline(int argc, char **argv)
{
	const char *dump, *dbpath, *why;
	const struct ng_datasym *it, *im;
	struct ng_task_layout lo;
	struct ng_datasym *ds = NULL;
	struct ps_out o = { .n = 0 };
	struct ng_session s;
	u32 nds = 0, hints[64], nh = 0;
	int ret;

	ret = ng_parse_dump_db(CMD, argc, argv, &dump, &dbpath,
			       "offline use is --dump DUMP --db DB; got");
	if (ret)
		return ret;
	if (ng_session_open(&s, CMD, dump, dbpath))
		return NG_EXIT_FAIL;
	ret = ng_ident_data(&s.id, &s.t.img, &s.db, &ds, &nds);
	if (ret) {
		ret = ng_err(CMD, "out of memory");
		goto out;
	}
	it = ng_datasym_find(ds, nds, "init_task");
	im = ng_datasym_find(ds, nds, "init_mm");
	if (!it) {
		ret = ng_err(CMD, "%s: init_task not located: no matched code references it", dump);
		goto out;
	}
	ng_ident_ref_offsets(&s.id, &s.t.img, &s.db, "init_task", it->addr,
			     hints, ARRAY_SIZE(hints), &nh);
	ret = ng_task_layout_find(&s.t.mmu, it->addr, im ? im->addr : 0, hints,
				  nh, &lo, &why);
	if (ret) {
		ret = ng_err(CMD, "%s: task layout: %s", dump, why);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&o.j, stdout, false);
		ng_json_obj_begin(&o.j);
		ng_json_kv_hex(&o.j, "init_task", it->addr);
		ng_json_key(&o.j, "layout");
		ng_json_obj_begin(&o.j);
		ng_json_kv_u64(&o.j, "tasks", lo.tasks);
		ng_json_kv_u64(&o.j, "pid", lo.pid);
		ng_json_kv_u64(&o.j, "tgid", lo.tgid);
		ng_json_kv_u64(&o.j, "comm", lo.comm);
		ng_json_kv_u64(&o.j, "real_parent", lo.real_parent);
		ng_json_kv_u64(&o.j, "mm", lo.mm);
		ng_json_kv_u64(&o.j, "state", lo.state);
		if (lo.has_flags)
			ng_json_kv_u64(&o.j, "flags", lo.flags);
		else
			ng_json_kv_null(&o.j, "flags");
		ng_json_obj_end(&o.j);
		ng_json_key(&o.j, "processes");
		ng_json_arr_begin(&o.j);
	} else {
		printf("%7s %7s %-2s %-16s %-18s\n", "PID", "PPID", "S", "COMM",
		       "TASK");
	}
	ret = ng_task_walk(&s.t.mmu, it->addr, &lo, print_task, &o);
	if (ng_opt_json) {
		ng_json_arr_end(&o.j);
		ng_json_obj_end(&o.j);
		ng_json_finish(&o.j);
	}
	if (ret == -E2BIG)
		ret = ng_err(CMD, "%s: the task list does not end after %u tasks",
			     dump, o.n);
	else if (ret < 0)
		ret = ng_err(CMD, "%s: the task list broke after %u tasks", dump,
			     o.n);
	else
		ret = 0;
out:
	ng_free(ds);
	ng_session_close(&s);
	return ret ? NG_EXIT_FAIL : NG_EXIT_OK;
}

int cmd_ps(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strncmp(argv[i], "--dump", 6) || !strncmp(argv[i], "--db", 4))
			return ps_offline(argc, argv);
	}
	return ps_online(argc, argv);
}
