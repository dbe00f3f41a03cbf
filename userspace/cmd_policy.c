// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_policy.c - security policies (docs/policy.md):
 *
 *	policy check FILE [-j]	validate a policy file (no module needed)
 *	policy load FILE [-j]	validate it, then make it nogap.ko's policy
 *	policy show [-j]	the policy nogap.ko applies now
 *	policy test FILE EVENT [vm=ID] [FIELD=VALUE]... [-j]
 *				what FILE does with such an event (no module;
 *				the module's own evaluation, core/peval.c)
 *
 * A file with any error is never sent: each error is printed as
 * `FILE:LINE: message` on stderr and the exit status is 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#include "fileio.h"
#include "json.h"
#include "nl.h"
#include "nogapctl.h"
#include "peval.h"
#include "policy.h"

static int parse_args(const char *cmd, int argc, char **argv, int nargs,
		      const char *what)
{
	if (ng_opt_json_only(cmd, argc, argv))
		return NG_EXIT_USAGE;
	if (nargs < 0)		/* checked by the caller */
		return 0;
	if (argc - optind < nargs)
		return ng_usage_err(cmd, "missing %s", what);
	if (argc - optind > nargs)
		return ng_usage_err(cmd, "unexpected argument '%s'",
				    argv[optind + nargs]);
	return 0;
}

/*
 * Read and parse path into *pol (allocated). 0, or 1 after printing every
 * error as FILE:LINE: message.
 */
static int load_file(const char *cmd, const char *path, struct ng_pol **pol)
{
	struct ng_pol_errs errs;
	char err[512];
	size_t len = 0;
	u8 *buf = NULL;
	u32 i, n;
	int ret;

	*pol = NULL;
	ret = ng_read_file(path, &buf, &len, NG_POLICY_FILE_MAX, err,
			   sizeof(err));
	if (ret == -EFBIG)
		return ng_err(cmd, "%s: larger than %u bytes", path,
			      NG_POLICY_FILE_MAX);
	if (ret)
		return ng_err(cmd, "%s", err);
	*pol = calloc(1, sizeof(**pol));
	if (!*pol) {
		free(buf);
		return ng_err(cmd, "out of memory");
	}
	/* NOGAP_POLICY_LAX=1: leave the checks to the module (tests) */
	n = ng_policy_parse_flags((const char *)buf, len, *pol, &errs,
				  getenv("NOGAP_POLICY_LAX") ? NG_POLICY_LAX : 0);
	free(buf);
	if (!n)
		return 0;
	for (i = 0; i < errs.n; i++) {
		if (errs.e[i].line)
			fprintf(stderr, "%s:%u: %s\n", path, errs.e[i].line,
				errs.e[i].msg);
		else
			fprintf(stderr, "%s: %s\n", path, errs.e[i].msg);
	}
	if (errs.more)
		fprintf(stderr, "%s: too many errors (%u), stopped after %u\n",
			path, n, errs.n);
	ng_err(cmd, "%s: %u error%s: nothing loaded", path, n,
	       n == 1 ? "" : "s");
	free(*pol);
	*pol = NULL;
	return NG_EXIT_FAIL;
}

static void json_rule(struct ng_json *j, const struct ng_pol_rule *r)
{
	char text[2048];
	u32 k, bit;

	ng_policy_rule_text(r, text, sizeof(text));
	ng_json_obj_begin(j);
	if (r->line)
		ng_json_kv_u64(j, "line", r->line);
	else
		ng_json_kv_null(j, "line");
	ng_json_kv_str(j, "event", ng_policy_event_name(r->event));
	if (r->has_vm)
		ng_json_kv_u64(j, "vm", r->vm);
	else
		ng_json_kv_null(j, "vm");
	ng_json_key(j, "conditions");
	ng_json_arr_begin(j);
	for (k = 0; k < r->nconds; k++) {
		ng_json_obj_begin(j);
		ng_json_kv_str(j, "field",
			       ng_policy_field_name(r->conds[k].field));
		ng_json_kv_str(j, "op", ng_policy_op_name(r->conds[k].op));
		ng_json_kv_str(j, "value", r->conds[k].value);
		ng_json_obj_end(j);
	}
	ng_json_arr_end(j);
	ng_json_key(j, "actions");
	ng_json_arr_begin(j);
	for (bit = 1; bit <= NOGAP_ACTION_ALL; bit <<= 1)
		if (r->actions & bit)
			ng_json_str(j, ng_policy_action_name(bit));
	ng_json_arr_end(j);
	ng_json_kv_str(j, "text", text);
	ng_json_obj_end(j);
}

/* "default": what applies when no rule matches. */
static void json_default(struct ng_json *j)
{
	static const unsigned int ev[] = { NOGAP_EVENT_HIDDEN_PROCESS,
					   NOGAP_EVENT_TEXT_WRITE };
	u32 i, bit;

	ng_json_key(j, "default");
	ng_json_obj_begin(j);
	for (i = 0; i < 2; i++) {
		ng_json_key(j, ng_policy_event_name(ev[i]));
		ng_json_arr_begin(j);
		for (bit = 1; bit <= NOGAP_ACTION_ALL; bit <<= 1)
			if (ng_policy_default_actions(ev[i]) & bit)
				ng_json_str(j, ng_policy_action_name(bit));
		ng_json_arr_end(j);
	}
	ng_json_obj_end(j);
}

static void human_rules(const struct ng_pol *pol)
{
	char text[2048];
	u32 i;

	for (i = 0; i < pol->nrules; i++) {
		ng_policy_rule_text(&pol->rules[i], text, sizeof(text));
		if (pol->rules[i].line)
			printf("%-5u %s\n", pol->rules[i].line, text);
		else
			printf("%-5s %s\n", "-", text);
	}
}

static void human_default(void)
{
	char a1[64], a2[64];

	ng_policy_actions_text(ng_policy_default_actions(NOGAP_EVENT_HIDDEN_PROCESS),
			       a1, sizeof(a1));
	ng_policy_actions_text(ng_policy_default_actions(NOGAP_EVENT_TEXT_WRITE),
			       a2, sizeof(a2));
	printf("no rule matches: hidden-process -> %s; text-write -> %s\n",
	       a1, a2);
}

/* ---- policy check ---- */

int cmd_policy_check(int argc, char **argv)
{
	static const char *cmd = "policy check";
	struct ng_pol *pol;
	struct ng_json j;
	const char *path;
	int ret;

	ret = parse_args(cmd, argc, argv, 1, "FILE");
	if (ret)
		return ret;
	path = argv[optind];
	if (load_file(cmd, path, &pol))
		return NG_EXIT_FAIL;
	if (ng_opt_json) {
		u32 i;

		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "file", path);
		ng_json_kv_bool(&j, "valid", true);
		ng_json_key(&j, "rules");
		ng_json_arr_begin(&j);
		for (i = 0; i < pol->nrules; i++)
			json_rule(&j, &pol->rules[i]);
		ng_json_arr_end(&j);
		json_default(&j);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
	} else {
		printf("%s: valid, %u rule%s\n", path, pol->nrules,
		       pol->nrules == 1 ? "" : "s");
		ret = 0;
	}
	free(pol);
	return ret;
}

/* ---- policy load ---- */

struct summary {
	bool got;
	u32 generation, nrules;
	char name[NOGAP_POLICY_NAME_MAX];
};

static void summary_from(struct summary *s, struct nlattr **a)
{
	s->got = true;
	s->generation = a[NOGAP_A_POLICY_GENERATION] ?
			nla_get_u32(a[NOGAP_A_POLICY_GENERATION]) : 0;
	s->nrules = a[NOGAP_A_POLICY_NRULES] ?
		    nla_get_u32(a[NOGAP_A_POLICY_NRULES]) : 0;
	snprintf(s->name, sizeof(s->name), "%s",
		 a[NOGAP_A_POLICY_NAME] ?
		 nla_get_string(a[NOGAP_A_POLICY_NAME]) : "");
}

static int on_summary(struct nlattr **a, void *arg)
{
	summary_from(arg, a);
	return 0;
}

/* An upper bound of the encoded size of pol. */
static size_t encoded_size(const struct ng_pol *pol)
{
	size_t n = 64 + NOGAP_POLICY_NAME_MAX;
	u32 i;

	for (i = 0; i < pol->nrules; i++)
		n += 64 + (size_t)pol->rules[i].nconds *
			  (32 + NOGAP_COND_VALUE_MAX);
	return n;
}

int cmd_policy_load(int argc, char **argv)
{
	static const char *cmd = "policy load";
	struct ng_pol_span *spans = NULL;
	struct summary s = { 0 };
	struct ng_pol *pol;
	struct nl_msg *m;
	struct ng_nl nl;
	struct ng_json j;
	const char *path;
	char name[NOGAP_POLICY_NAME_MAX];
	u32 line;
	int ret;

	ret = parse_args(cmd, argc, argv, 1, "FILE");
	if (ret)
		return ret;
	path = argv[optind];
	if (load_file(cmd, path, &pol))
		return NG_EXIT_FAIL;
	spans = calloc(pol->nrules + 1, sizeof(*spans));
	if (!spans) {
		free(pol);
		return ng_err(cmd, "out of memory");
	}
	if (ng_nl_open(&nl, cmd)) {
		free(pol);
		free(spans);
		return NG_EXIT_FAIL;
	}
	/* a full policy is far larger than libnl's default socket buffer */
	nl_socket_set_buffer_size(nl.sk, 1 << 20, 1 << 20);
	/* the name policy show gives: the file's absolute path */
	{
		char *abs = realpath(path, NULL);

		snprintf(name, sizeof(name), "%s", abs ? abs : path);
		free(abs);
	}
	m = ng_nl_msg(&nl, NOGAP_CMD_POLICY_SET, 0, encoded_size(pol));
	if (m && (nla_put_string(m, NOGAP_A_POLICY_NAME, name) ||
		  ng_policy_encode(m, pol, spans))) {
		nlmsg_free(m);
		m = NULL;
	}
	ret = ng_nl_request(&nl, m, on_summary, &s);
	if (ret) {
		line = nl.ext_off ?
		       ng_policy_span_line(spans, pol->nrules, nl.ext_off) : 0;
		if (line && nl.ext_msg[0])
			fprintf(stderr, "%s:%u: kernel reports: %s\n", path,
				line, nl.ext_msg);
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "loaded", path);
		ng_json_kv_u64(&j, "generation", s.generation);
		ng_json_kv_u64(&j, "rules", s.got ? s.nrules : pol->nrules);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	if (s.got)
		printf("loaded %s: %u rule%s, generation %u\n", path, s.nrules,
		       s.nrules == 1 ? "" : "s", s.generation);
	else
		printf("loaded %s: %u rule%s\n", path, pol->nrules,
		       pol->nrules == 1 ? "" : "s");
	ret = 0;
out:
	ng_nl_close(&nl);
	free(spans);
	free(pol);
	return ret;
}

/* ---- policy show ---- */

struct show {
	struct summary s;
	struct ng_pol *pol;
	int err;
};

static int on_show(struct nlattr **a, void *arg)
{
	struct show *sh = arg;
	int ret;

	summary_from(&sh->s, a);
	if (!a[NOGAP_A_POLICY_RULES])
		return 0;
	ret = ng_policy_decode(a[NOGAP_A_POLICY_RULES], sh->pol);
	return ret;
}

int cmd_policy_show(int argc, char **argv)
{
	static const char *cmd = "policy show";
	struct show sh = { 0 };
	struct ng_nl nl;
	struct ng_json j;
	int ret, tries;
	u32 i;

	ret = parse_args(cmd, argc, argv, 0, "");
	if (ret)
		return ret;
	sh.pol = calloc(1, sizeof(*sh.pol));
	if (!sh.pol)
		return ng_err(cmd, "out of memory");
	if (ng_nl_open(&nl, cmd)) {
		free(sh.pol);
		return NG_EXIT_FAIL;
	}
	/* a dump interrupted by a new policy is read again */
	for (tries = 0; tries < 3; tries++) {
		memset(&sh.s, 0, sizeof(sh.s));
		sh.pol->nrules = 0;
		ret = ng_nl_request(&nl, ng_nl_msg(&nl, NOGAP_CMD_POLICY_GET,
						   NLM_F_DUMP, 0),
				    on_show, &sh);
		if (ret != -EAGAIN)
			break;
	}
	if (ret == -EAGAIN) {
		ret = ng_err(cmd, "the policy changed while reading it: try again");
		goto out;
	}
	if (!ret && !sh.s.got)
		ret = -EBADMSG;
	if (!ret && sh.pol->nrules != sh.s.nrules)
		ret = -EBADMSG;
	if (ret) {
		ret = ng_nl_fail(&nl, ret);
		goto out;
	}
	if (ng_opt_json) {
		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_u64(&j, "generation", sh.s.generation);
		if (sh.s.generation)
			ng_json_kv_str(&j, "name", sh.s.name);
		else
			ng_json_kv_null(&j, "name");
		ng_json_kv_bool(&j, "builtin", sh.s.generation == 0);
		ng_json_key(&j, "rules");
		ng_json_arr_begin(&j);
		for (i = 0; i < sh.pol->nrules; i++)
			json_rule(&j, &sh.pol->rules[i]);
		ng_json_arr_end(&j);
		json_default(&j);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
		goto out;
	}
	if (!sh.s.generation)
		printf("no policy loaded: the built-in default applies\n");
	else
		printf("policy %s: generation %u, %u rule%s\n",
		       sh.s.name[0] ? sh.s.name : "(unnamed)", sh.s.generation,
		       sh.s.nrules, sh.s.nrules == 1 ? "" : "s");
	if (sh.pol->nrules) {
		printf("%-5s %s\n", "LINE", "RULE (first match wins)");
		human_rules(sh.pol);
	}
	human_default();
	ret = 0;
out:
	ng_nl_close(&nl);
	free(sh.pol);
	return ret;
}

/* ---- policy test ---- */

int cmd_policy_test(int argc, char **argv)
{
	static const char *cmd = "policy test";
	static struct ng_prule rules[NOGAP_POLICY_RULES_MAX];
	static struct ng_pcond conds[NOGAP_POLICY_RULES_MAX * NOGAP_RULE_CONDS_MAX];
	struct ng_subject subj = { .kthread = -1 };
	const char *path, *evname;
	struct ng_pol *pol;
	struct ng_json j;
	char text[2048], acts[64];
	u32 actions, idx, vm = 0;
	bool wants;
	unsigned int ev;
	int i, ret;

	ret = parse_args(cmd, argc, argv, -1, "FILE EVENT");
	if (ret)
		return ret;
	if (argc - optind < 2)
		return ng_usage_err(cmd, "missing %s", argc == optind ? "FILE" : "EVENT");
	path = argv[optind];
	evname = argv[optind + 1];
	if (!strcmp(evname, "hidden-process"))
		ev = NOGAP_EVENT_HIDDEN_PROCESS;
	else if (!strcmp(evname, "text-write"))
		ev = NOGAP_EVENT_TEXT_WRITE;
	else
		return ng_usage_err(cmd, "unknown event '%s' (hidden-process or text-write)",
				    evname);
	for (i = optind + 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		const char *k = argv[i], *v;
		size_t kl;

		if (!eq || eq == argv[i])
			return ng_usage_err(cmd, "'%s' is not FIELD=VALUE", argv[i]);
		kl = (size_t)(eq - argv[i]);
		v = eq + 1;
		if (kl == 2 && !strncmp(k, "vm", 2)) {
			char *end;
			unsigned long x = strtoul(v, &end, 10);

			if (!*v || *end || !x || x > 0xffffffffUL || *v == '-')
				return ng_usage_err(cmd, "bad vm id '%s'", v);
			vm = (u32)x;
		} else if (kl == 4 && !strncmp(k, "comm", 4) &&
			   ev == NOGAP_EVENT_HIDDEN_PROCESS) {
			subj.comm = v;
		} else if (kl == 7 && !strncmp(k, "kthread", 7) &&
			   ev == NOGAP_EVENT_HIDDEN_PROCESS) {
			if (strcmp(v, "yes") && strcmp(v, "no"))
				return ng_usage_err(cmd, "kthread is yes or no");
			subj.kthread = !strcmp(v, "yes");
		} else if (kl == 6 && !strncmp(k, "writer", 6) &&
			   ev == NOGAP_EVENT_TEXT_WRITE) {
			subj.writer = v;
		} else if (kl == 6 && !strncmp(k, "target", 6) &&
			   ev == NOGAP_EVENT_TEXT_WRITE) {
			subj.target = v;
		} else {
			return ng_usage_err(cmd, "'%.*s' is not a field of %s (%s)",
					    (int)kl, k, evname,
					    ev == NOGAP_EVENT_HIDDEN_PROCESS ?
					    "comm, kthread, vm" : "writer, target, vm");
		}
	}
	if (load_file(cmd, path, &pol))
		return NG_EXIT_FAIL;
	ng_policy_to_prules(pol, rules, conds);
	actions = ng_peval_actions(rules, pol->nrules, conds, (u8)ev, vm, &subj,
				   &idx);
	wants = ng_peval_wants(rules, pol->nrules, (u8)ev, vm);
	ng_policy_actions_text(actions, acts, sizeof(acts));
	if (idx < pol->nrules)
		ng_policy_rule_text(&pol->rules[idx], text, sizeof(text));
	if (ng_opt_json) {
		u32 bit;

		ng_json_init(&j, stdout, false);
		ng_json_obj_begin(&j);
		ng_json_kv_str(&j, "event", evname);
		ng_json_key(&j, "actions");
		ng_json_arr_begin(&j);
		for (bit = 1; bit <= NOGAP_ACTION_ALL; bit <<= 1)
			if (actions & bit)
				ng_json_str(&j, ng_policy_action_name(bit));
		ng_json_arr_end(&j);
		if (idx < pol->nrules) {
			ng_json_kv_u64(&j, "line", pol->rules[idx].line);
			ng_json_kv_str(&j, "rule", text);
		} else {
			ng_json_kv_null(&j, "line");
			ng_json_kv_null(&j, "rule");
		}
		ng_json_kv_bool(&j, "detector", wants);
		ng_json_obj_end(&j);
		ret = ng_json_finish(&j) ? NG_EXIT_FAIL : 0;
	} else {
		if (idx < pol->nrules)
			printf("%s: %s (line %u: %s)\n", evname, acts,
			       pol->rules[idx].line, text);
		else
			printf("%s: %s (no rule matches: the built-in default)\n",
			       evname, acts);
		if (!wants)
			printf("the %s detector does not run%s under this policy\n",
			       evname, vm ? " for this vm" : "");
		ret = 0;
	}
	free(pol);
	return ret;
}
