// SPDX-License-Identifier: GPL-2.0
/*
 * util.c - one-line errors, warnings and progress for the nogapctl commands.
 * Part of the tool library, so handlers and tests link without nogapctl.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nogapctl.h"

bool ng_opt_json;

/* At most this often does a terminal progress line change (ns). */
#define PROGRESS_INTERVAL_NS	(100 * 1000 * 1000LL)

enum progress_mode {
	PROGRESS_UNKNOWN,
	PROGRESS_OFF,
	PROGRESS_TTY,		/* one line, rewritten in place */
	PROGRESS_LINES,		/* a line per message (logs) */
};

static enum progress_mode progress_mode;
static bool progress_line_open;
static long long progress_last_ns;

static enum progress_mode progress_detect(void)
{
	const char *env = getenv("NOGAP_PROGRESS");
	const char *term = getenv("TERM");
	bool tty = isatty(STDERR_FILENO);

	if (env && !strcmp(env, "0"))
		return PROGRESS_OFF;
	if (tty && !(term && !strcmp(term, "dumb")))
		return PROGRESS_TTY;
	if (tty || (env && !strcmp(env, "1")))
		return PROGRESS_LINES;
	return PROGRESS_OFF;
}

bool ng_progress_enabled(void)
{
	if (progress_mode == PROGRESS_UNKNOWN)
		progress_mode = progress_detect();
	return progress_mode != PROGRESS_OFF;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void ng_progress(const char *fmt, ...)
{
	va_list ap;

	if (!ng_progress_enabled())
		return;
	if (progress_mode == PROGRESS_TTY) {
		long long now = now_ns();

		if (progress_line_open &&
		    now - progress_last_ns < PROGRESS_INTERVAL_NS)
			return;
		progress_last_ns = now;
		fputs("\r\033[K", stderr);
	}
	fputs("nogapctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (progress_mode == PROGRESS_TTY)
		progress_line_open = true;
	else
		fputc('\n', stderr);
	fflush(stderr);
}

void ng_progress_done(void)
{
	if (!progress_line_open)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_line_open = false;
}

static void vmessage(const char *cmd, const char *kind, const char *fmt,
		     va_list ap)
{
	ng_progress_done();
	fputs("nogapctl: ", stderr);
	if (cmd && *cmd)
		fprintf(stderr, "%s: ", cmd);
	if (kind)
		fputs(kind, stderr);
	vfprintf(stderr, fmt, ap);
}

int ng_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, NULL, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return NG_EXIT_FAIL;
}

int ng_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, NULL, fmt, ap);
	va_end(ap);
	if (cmd && *cmd)
		fprintf(stderr, " (try 'nogapctl help %s')\n", cmd);
	else
		fputs(" (try 'nogapctl help')\n", stderr);
	return NG_EXIT_USAGE;
}

int ng_opt_json_only(const char *cmd, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return ng_usage_err(cmd, "bad option '%s'",
					    argv[optind - 1]);
		ng_opt_json = true;
	}
	return 0;
}

int ng_parse_vm_id(const char *cmd, const char *s, unsigned int *id)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > 0xffffffffUL || *s == '-')
		return ng_usage_err(cmd, "bad VM id '%s' (see 'nogapctl vm list')",
				    s);
	*id = (unsigned int)v;
	return 0;
}

void ng_warn(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(cmd, "warning: ", fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
