/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nogapctl.h - what the nogapctl commands share: the handler contract, the
 * global options, one-line errors and progress.
 *
 * A command handler is called by main() with argv[0] set to the command's
 * own name ("build" for `nogapctl sigdb build`, "identify", ...) and the
 * command's arguments after it. It parses them with getopt_long (set
 * optind = 0 and opterr = 0 first: optind = 0 makes glibc forget any state
 * of an earlier parse), accepts -j/--json where JSON output makes sense
 * (setting ng_opt_json), and returns:
 *
 *	0	success
 *	1	runtime error, already reported on stderr (use ng_err)
 *	2	usage error, already reported on stderr (use ng_usage_err)
 *
 * Handlers never print their own help: main() answers -h/--help anywhere
 * in a command's arguments (before a "--") from the command table.
 *
 * Errors are one line on stderr: `nogapctl: <cmd>: <message>`, where <cmd>
 * is the full command name ("sigdb build"). Results go to stdout only.
 */
#ifndef NG_NOGAPCTL_H
#define NG_NOGAPCTL_H

#include <stdbool.h>

#ifndef NOGAP_VERSION
#define NOGAP_VERSION		"0.1.0"
#endif

#define NG_EXIT_OK		0
#define NG_EXIT_FAIL		1
#define NG_EXIT_USAGE		2

/*
 * An entry of the command table (nogapctl.c). A group (sub != NULL) has no
 * handler; its commands are named "<group> <name>". Tables end with an
 * entry whose name is NULL.
 */
struct ng_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const struct ng_cmd *sub;
	const char *usage;	/* the arguments, as after `nogapctl <name> ` */
	const char *help;	/* one line, lowercase, no period */
	const char *options;	/* option lines for the command's help, or NULL */
};

/* The handlers (userspace/cmd_*.c). */
int cmd_sigdb_build(int argc, char **argv);
int cmd_sigdb_info(int argc, char **argv);
int cmd_identify(int argc, char **argv);
/* cmd_online.c: nogap.ko through generic netlink */
int cmd_identify_any(int argc, char **argv);
int cmd_vm_list(int argc, char **argv);
int cmd_sigdb_load(int argc, char **argv);
int cmd_symbols(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_ps(int argc, char **argv);
/* cmd_instr.c: breakpoints and guest calls */
int cmd_call(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_bp_list(int argc, char **argv);
/* cmd_policy.c: security policies */
int cmd_policy_check(int argc, char **argv);
int cmd_policy_load(int argc, char **argv);
int cmd_policy_show(int argc, char **argv);
int cmd_policy_test(int argc, char **argv);

/* -j/--json: print JSON on stdout instead of human text. */
extern bool ng_opt_json;

/*
 * The options of a command whose only option is -j/--json (setting
 * ng_opt_json); optind is then its first operand. 0, or NG_EXIT_USAGE
 * (reported) for any other option.
 */
int ng_opt_json_only(const char *cmd, int argc, char **argv);

/*
 * A VM id operand (1 to 2^32 - 1, decimal) into *id: 0, or NG_EXIT_USAGE
 * (reported, pointing at `nogapctl vm list`).
 */
int ng_parse_vm_id(const char *cmd, const char *s, unsigned int *id);

/*
 * Print `nogapctl: <cmd>: <message>` on stderr and return 1. cmd may be
 * NULL (`nogapctl: <message>`). The message has no trailing newline.
 */
int ng_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Like ng_err, with ` (try 'nogapctl help <cmd>')` appended; returns 2.
 */
int ng_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* `nogapctl: <cmd>: warning: <message>` on stderr; the work goes on. */
void ng_warn(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Progress of long work, on stderr, only when stderr is a terminal or
 * NOGAP_PROGRESS=1 (NOGAP_PROGRESS=0 silences it on a terminal too). On a
 * terminal each message replaces the previous one on the same line; else
 * each is a line of its own. Messages have no trailing newline; call
 * ng_progress_done() when the work is over (ng_err and ng_warn do it).
 */
void ng_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ng_progress_done(void);
bool ng_progress_enabled(void);

#endif /* NG_NOGAPCTL_H */
