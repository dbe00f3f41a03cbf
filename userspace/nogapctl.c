// SPDX-License-Identifier: GPL-2.0
/*
 * nogapctl.c - the command table and main(): global options, dispatch to
 * the command handlers, and every help text, all from the table.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "nogapctl.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct ng_cmd sigdb_cmds[] = {
	{
		.name = "build",
		.fn = cmd_sigdb_build,
		.usage = "--dump DUMP --kallsyms KALLSYMS [--dump DUMP --kallsyms KALLSYMS]... -o DB",
		.help = "build a signature database from reference boots",
		.options =
		"  --dump DUMP          memory dump of a reference boot (ELF core)\n"
		"  --kallsyms KALLSYMS  /proc/kallsyms saved during that same boot\n"
		"                       (one pair per kernel; several make one DB)\n"
		"  --label LABEL        a name for that kernel in the DB (one per\n"
		"                       --dump, or none)\n"
		"  -o, --output DB      database to write, replaced atomically\n",
	},
	{
		.name = "info",
		.fn = cmd_sigdb_info,
		.usage = "[-j] DB",
		.help = "describe a signature database: kernels, sizes, collisions",
		.options =
		"  -j, --json           print one JSON object\n",
	},
	{
		.name = "load",
		.fn = cmd_sigdb_load,
		.usage = "DB [-j]",
		.help = "load a signature database into nogap.ko, replacing the active one",
		.options =
		"  -j, --json           print one JSON object: the loaded database\n",
	},
	{ }
};

static const struct ng_cmd policy_cmds[] = {
	{
		.name = "check",
		.fn = cmd_policy_check,
		.usage = "FILE [-j]",
		.help = "validate a policy file (no module needed); errors as FILE:LINE: message",
		.options =
		"  -j, --json           print one JSON object: the parsed rules\n",
	},
	{
		.name = "load",
		.fn = cmd_policy_load,
		.usage = "FILE [-j]",
		.help = "make a policy file nogap.ko's policy, replacing the active one whole",
		.options =
		"  FILE                 the policy (docs/policy.md); a file with any\n"
		"                       error changes nothing\n"
		"  -j, --json           print one JSON object: file, generation, rules\n",
	},
	{
		.name = "show",
		.fn = cmd_policy_show,
		.usage = "[-j]",
		.help = "show the policy nogap.ko applies now",
		.options =
		"  -j, --json           one JSON object: generation, name, a \"rules\"\n"
		"                       array and the \"default\" actions\n",
	},
	{
		.name = "test",
		.fn = cmd_policy_test,
		.usage = "FILE EVENT [vm=ID] [FIELD=VALUE]... [-j]",
		.help = "show what a policy file does with an event, as the module would (no module needed)",
		.options =
		"  EVENT                hidden-process or text-write\n"
		"  FIELD=VALUE          what the event is about: comm=, kthread=yes|no\n"
		"                       (hidden-process), writer=, target= (text-write);\n"
		"                       a field not given is unknown\n"
		"  vm=ID                the VM the event comes from\n"
		"  -j, --json           one JSON object: actions, the deciding rule and\n"
		"                       its line (null: the built-in default), detector\n",
	},
	{ }
};

static const struct ng_cmd vm_cmds[] = {
	{
		.name = "list",
		.fn = cmd_vm_list,
		.usage = "[-j]",
		.help = "list the VMs nogap.ko watches and their identification",
		.options =
		"  -j, --json           one JSON object with a \"vms\" array: id, pid,\n"
		"                       vcpus, state, identification\n",
	},
	{ }
};

static const struct ng_cmd bp_cmds[] = {
	{
		.name = "list",
		.fn = cmd_bp_list,
		.usage = "VM [-j]",
		.help = "list the breakpoints nogap.ko has set in a VM",
		.options =
		"  -j, --json           one JSON object with a \"breakpoints\" array:\n"
		"                       id, func, addr, gpa, owner, hits, orig (the\n"
		"                       displaced instruction, hex), step\n",
	},
	{ }
};

static const struct ng_cmd commands[] = {
	{
		.name = "sigdb",
		.sub = sigdb_cmds,
		.usage = "COMMAND [ARGS]",
		.help = "build, inspect and load signature databases",
	},
	{
		.name = "identify",
		.fn = cmd_identify_any,
		.usage = "VM [--wait] [--timeout S] [--restart] [-j] | --dump DUMP --db DB [-j]",
		.help = "name the kernel functions of a running VM (nogap.ko) or of a memory dump",
		.options =
		"  VM                   id of a running VM ('nogapctl vm list'); nogap.ko\n"
		"                       identifies it in the background\n"
		"  --wait               wait until identification has ended\n"
		"  --timeout S          give up waiting after S seconds (900)\n"
		"  --restart            identify again a VM identified before\n"
		"  --dump DUMP          memory dump of the guest (ELF core from QEMU\n"
		"                       dump-guest-memory or virsh dump --memory-only)\n"
		"  --db DB              signature database from 'nogapctl sigdb build'\n"
		"  -j, --json           print one JSON object: the state and figures\n"
		"                       of a VM's identification; for a dump the anchor,\n"
		"                       the kernel text range and a \"functions\" array\n",
	},
	{
		.name = "symbols",
		.fn = cmd_symbols,
		.usage = "VM [PATTERN] [-j]",
		.help = "list the kernel functions named in a running VM",
		.options =
		"  PATTERN              only names containing PATTERN, or matching it\n"
		"                       when it has any of *?[ (a glob)\n"
		"  -j, --json           one JSON object with a \"symbols\" array: name,\n"
		"                       address, size, evidence, confidence\n",
	},
	{
		.name = "vm",
		.sub = vm_cmds,
		.usage = "COMMAND [ARGS]",
		.help = "the VMs nogap.ko watches",
	},
	{
		.name = "status",
		.fn = cmd_status,
		.usage = "[-j]",
		.help = "show nogap.ko's status, counters and signature database",
		.options =
		"  -j, --json           print one JSON object\n",
	},
	{
		.name = "monitor",
		.fn = cmd_monitor,
		.usage = "[-j] [--syslog]",
		.help = "print nogap.ko's events as they happen, one line each",
		.options =
		"  -j, --json           one JSON object per line: \"type\", \"seq\",\n"
		"                       \"drops\", \"vm\" and the event's fields\n"
		"  --syslog             send each event to syslog/journald too (as JSON)\n",
	},
	{
		.name = "ps",
		.fn = cmd_ps,
		.usage = "VM [-j] | --dump DUMP --db DB [-j]",
		.help = "list the guest's processes from outside (task list found through code)",
		.options =
		"  VM                   id of a running, identified VM; nogap.ko reads\n"
		"                       its task list\n"
		"  --dump DUMP          memory dump of the guest\n"
		"  --db DB              signature database from 'nogapctl sigdb build'\n"
		"  -j, --json           one JSON object with a \"processes\" array: pid,\n"
		"                       tgid, ppid, comm, state, kernel_thread, task,\n"
		"                       mm; for a dump also init_task and the derived\n"
		"                       task_struct layout\n",
	},
	{
		.name = "policy",
		.sub = policy_cmds,
		.usage = "COMMAND [ARGS]",
		.help = "check, load and show security policies (what to do with events)",
	},
	{
		.name = "call",
		.fn = cmd_call,
		.usage = "VM FUNC [ARG...] [-t MS] [-j]",
		.help = "call a guest kernel function at a safe stop and print its return value",
		.options =
		"  FUNC                 an identified function ('nogapctl symbols VM')\n"
		"  ARG                  up to 6 integer arguments (decimal, 0x hex,\n"
		"                       negative decimal), in rdi, rsi, rdx, rcx, r8, r9\n"
		"  -t, --timeout MS     give up after MS milliseconds (2000, at most\n"
		"                       60000)\n"
		"  -j, --json           one JSON object: func, addr, args, ret,\n"
		"                       ret_hex, ret_signed, msecs\n",
	},
	{
		.name = "watch",
		.fn = cmd_watch,
		.usage = "VM FUNC [-j] [-c N] [-d S] [-q]",
		.help = "print each call of a guest kernel function until Ctrl-C",
		.options =
		"  -c, --count N        stop after N calls\n"
		"  -d, --duration S     stop after S seconds\n"
		"  -q, --quiet          report nothing per call: count the calls and\n"
		"                       print the number at the end\n"
		"  -j, --json           one JSON object per call: func, addr, args,\n"
		"                       ret_addr, rsp, vcpu, seq, drops\n",
	},
	{
		.name = "bp",
		.sub = bp_cmds,
		.usage = "COMMAND [ARGS]",
		.help = "the breakpoints nogap.ko has set",
	},
	{
		.name = "help",
		.fn = cmd_help,
		.usage = "[COMMAND]",
		.help = "show the commands, or the usage of one command",
	},
	{
		.name = "version",
		.fn = cmd_version,
		.usage = "",
		.help = "print the version",
	},
	{ }
};

/* Longest full command name ("sigdb build") we build. */
#define NAME_MAX_LEN	64

static const struct ng_cmd *find_cmd(const struct ng_cmd *tab,
				     const char *name)
{
	for (; tab->name; tab++)
		if (!strcmp(tab->name, name))
			return tab;
	return NULL;
}

static void join_name(char *full, const char *name)
{
	size_t len = strlen(full);

	snprintf(full + len, NAME_MAX_LEN - len, "%s%s", len ? " " : "", name);
}

static int unknown_cmd(const char *group, const char *word)
{
	if (!*group) {
		fprintf(stderr,
			"nogapctl: unknown command '%s' (try 'nogapctl help')\n",
			word);
	} else {
		fprintf(stderr,
			"nogapctl: unknown command '%s %s' (try 'nogapctl help %s')\n",
			group, word, group);
	}
	return NG_EXIT_USAGE;
}

/*
 * Resolve argv[0], argv[1], ... to an entry, descending into groups while
 * words are left. Returns the entry and how many words it took, with its
 * full name in full; NULL (error printed) for an unknown word.
 */
static const struct ng_cmd *resolve(int argc, char **argv, int *used,
				    char *full)
{
	const struct ng_cmd *tab = commands, *c = NULL;
	int i;

	full[0] = '\0';
	for (i = 0; i < argc && tab; i++) {
		c = find_cmd(tab, argv[i]);
		if (!c) {
			unknown_cmd(full, argv[i]);
			return NULL;
		}
		join_name(full, c->name);
		tab = c->sub;
	}
	*used = i;
	return c;
}

static void print_cmd_lines(FILE *f, const struct ng_cmd *tab,
			    const char *prefix, int width)
{
	char full[NAME_MAX_LEN];

	for (; tab->name; tab++) {
		snprintf(full, sizeof(full), "%s%s%s", prefix,
			 *prefix ? " " : "", tab->name);
		if (tab->sub)
			print_cmd_lines(f, tab->sub, full, width);
		else
			fprintf(f, "  %-*s  %s\n", width, full, tab->help);
	}
}

static int name_width(const struct ng_cmd *tab, int prefix_len)
{
	int w = 0, n;

	for (; tab->name; tab++) {
		n = prefix_len + (prefix_len ? 1 : 0) + (int)strlen(tab->name);
		if (tab->sub)
			n = name_width(tab->sub, n);
		if (n > w)
			w = n;
	}
	return w;
}

static void print_usage(FILE *f)
{
	fputs("Usage: nogapctl [-j] [-h] [-V] COMMAND [ARGS]\n"
	      "\n"
	      "Name the functions of a guest Linux kernel in raw memory by\n"
	      "signatures of its code, with no profile of that kernel.\n"
	      "\n"
	      "Commands:\n", f);
	print_cmd_lines(f, commands, "", name_width(commands, 0));
	fputs("\n"
	      "Options:\n"
	      "  -j, --json     print JSON instead of text\n"
	      "  -h, --help     show this help, or a command's with COMMAND\n"
	      "  -V, --version  print the version\n"
	      "\n"
	      "Run 'nogapctl help COMMAND' for the usage of a command.\n", f);
}

/* The one-line help as a sentence: capitalised, with a full stop. */
static void print_sentence(FILE *f, const char *s)
{
	fprintf(f, "%c%s.\n", toupper((unsigned char)s[0]), s + 1);
}

static void print_cmd_usage(FILE *f, const struct ng_cmd *c, const char *full)
{
	fprintf(f, "Usage: nogapctl %s%s%s\n\n", full, *c->usage ? " " : "",
		c->usage);
	print_sentence(f, c->help);
	if (c->sub) {
		fputs("\nCommands:\n", f);
		print_cmd_lines(f, c->sub, full,
				name_width(c->sub, (int)strlen(full)));
	}
	if (c->options)
		fprintf(f, "\nOptions:\n%s", c->options);
}

/* help [COMMAND...]: argv[0] is "help". */
static int cmd_help(int argc, char **argv)
{
	char full[NAME_MAX_LEN];
	const struct ng_cmd *c;
	int used;

	if (argc < 2) {
		print_usage(stdout);
		return NG_EXIT_OK;
	}
	c = resolve(argc - 1, argv + 1, &used, full);
	if (!c)
		return NG_EXIT_USAGE;
	if (used < argc - 1)
		return ng_usage_err("help", "unexpected argument '%s'",
				    argv[used + 1]);
	print_cmd_usage(stdout, c, full);
	return NG_EXIT_OK;
}

static int cmd_version(int argc, char **argv)
{
	struct ng_json j;

	if (argc > 1)
		return ng_usage_err("version", "unexpected argument '%s'",
				    argv[1]);
	if (!ng_opt_json) {
		printf("nogapctl %s\n", NOGAP_VERSION);
		return NG_EXIT_OK;
	}
	ng_json_init(&j, stdout, false);
	ng_json_obj_begin(&j);
	ng_json_kv_str(&j, "name", "nogapctl");
	ng_json_kv_str(&j, "version", NOGAP_VERSION);
	ng_json_obj_end(&j);
	return ng_json_finish(&j) ? NG_EXIT_FAIL : NG_EXIT_OK;
}

static bool is_help_opt(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

/* -h/--help among a command's arguments, before any "--". */
static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (is_help_opt(argv[i]))
			return true;
	}
	return false;
}

static int run(int argc, char **argv)
{
	char full[NAME_MAX_LEN];
	const struct ng_cmd *c;
	int used, rc;

	/* resolve the command words only: stop at the first option */
	for (used = 1; used < argc && argv[used][0] != '-'; used++)
		;
	c = resolve(used, argv, &used, full);
	if (!c)
		return NG_EXIT_USAGE;
	argc -= used - 1;
	argv += used - 1;
	if (c->sub) {
		if (argc > 1 && is_help_opt(argv[1])) {
			print_cmd_usage(stdout, c, full);
			return NG_EXIT_OK;
		}
		if (argc > 1)
			return ng_usage_err(full, "unknown option '%s'",
					    argv[1]);
		return ng_usage_err(full, "missing command");
	}
	if (wants_help(argc, argv)) {
		print_cmd_usage(stdout, c, full);
		return NG_EXIT_OK;
	}

	optind = 0;
	opterr = 0;
	rc = c->fn(argc, argv);
	ng_progress_done();
	return rc;
}

static int unknown_option(const char *opt)
{
	return ng_usage_err(NULL, "unknown option '%s'", opt);
}

int main(int argc, char **argv)
{
	bool help = false, version = false;
	char shortopt[3] = "-?";
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *p;

		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[1] == '-') {
			if (!strcmp(a, "--json"))
				ng_opt_json = true;
			else if (!strcmp(a, "--help"))
				help = true;
			else if (!strcmp(a, "--version"))
				version = true;
			else
				return unknown_option(a);
			continue;
		}
		for (p = a + 1; *p; p++) {
			switch (*p) {
			case 'j':
				ng_opt_json = true;
				break;
			case 'h':
				help = true;
				break;
			case 'V':
				version = true;
				break;
			default:
				shortopt[1] = *p;
				return unknown_option(shortopt);
			}
		}
	}

	if (help) {
		/* nogapctl -h [COMMAND...] is nogapctl help [COMMAND...] */
		argv[i - 1] = "help";
		rc = cmd_help(argc - i + 1, argv + i - 1);
	} else if (version) {
		rc = cmd_version(1, (char *[]){ "version", NULL });
	} else if (i == argc) {
		print_usage(stdout);
		rc = NG_EXIT_OK;
	} else {
		rc = run(argc - i, argv + i);
	}

	/* results that never reached stdout are a failure too */
	if (fflush(stdout) || ferror(stdout)) {
		ng_err(NULL, "error writing standard output: %s",
		       strerror(errno ? errno : EIO));
		if (rc == NG_EXIT_OK)
			rc = NG_EXIT_FAIL;
	}
	return rc;
}
