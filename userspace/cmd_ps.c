// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_ps.c - `nogapctl ps --dump DUMP --db DB [-j]`: the guest's processes
 * as seen from outside, from a memory dump (the online form, `ps VM`, asks
 * nogap.ko). init_task comes from matched code; the task_struct layout is
 * derived and checked against the live task list (kmod/core/analyse.c).
 */
#include <stdio.h>
#include "nogapctl.h"
#include "json.h"
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

static int print_task(void *arg, const struct ng_task *t)
{
	struct ps_out *o = arg;

	o->n++;
	if (ng_opt_json) {
		ng_json_obj_begin(&o->j);
		ng_json_kv_u64(&o->j, "pid", t->pid);
		ng_json_kv_u64(&o->j, "tgid", t->tgid);
		ng_json_kv_u64(&o->j, "ppid", t->ppid);
		ng_json_kv_str(&o->j, "comm", t->comm);
		ng_json_kv_str(&o->j, "state", state_name(t->state));
		ng_json_kv_bool(&o->j, "kernel_thread", !t->mm);
		ng_json_kv_hex(&o->j, "task", t->addr);
		ng_json_kv_hex(&o->j, "mm", t->mm);
		ng_json_obj_end(&o->j);
	} else {
		printf("%7u %7u %-2s %-16s 0x%016llx%s\n", t->pid, t->ppid,
		       state_name(t->state), t->comm,
		       (unsigned long long)t->addr, t->mm ? "" : "  [kernel]");
	}
	return 0;
}

int cmd_ps(int argc, char **argv)
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
