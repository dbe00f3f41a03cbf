/* SPDX-License-Identifier: GPL-2.0 */
/* offline.h - the engine over a memory dump: anchor, text, fragments. */
#ifndef NG_OFFLINE_H
#define NG_OFFLINE_H

#include "dump.h"
#include "fragment.h"
#include "match.h"

struct ng_target {
	struct ng_dump dump;
	struct ng_mmu mmu;
	const char *path;
	int vcpu;		/* the anchor's vCPU */
	u64 anchor;		/* its RIP */
	u64 cr3;
	u64 text_start, text_end;
	u64 holes;		/* unreadable text pages */
	u8 *text;
	struct ng_image img;
	/* seconds per stage, for `make bench` */
	double t_open, t_text, t_analyse;
};

/*
 * Open a dump and analyse its kernel text. On error returns -errno with a
 * one-line reason in err; nothing is left to free.
 */
int ng_target_open(struct ng_target *t, const char *path, char *err,
		   size_t errlen);
void ng_target_close(struct ng_target *t);

double ng_now(void);

/* Read and validate a signature DB file; 0, or 1 after printing an error
 * for cmd. *buf holds the file for as long as db is used. */
struct ng_sigdb;
int ng_load_sigdb(const char *cmd, const char *path, struct ng_sigdb *db,
		  u8 **buf);

/* What the offline commands share: a DB, a dump and its identification. */
struct ng_session {
	struct ng_target t;
	struct ng_sigdb db;
	struct ng_ident id;
	u8 *dbbuf;
	double t_match;		/* seconds in ng_identify() */
};

/*
 * Parse `--dump DUMP --db DB [-j]` for cmd. 0, or 2 after a usage error.
 * extra_usage is said when an argument is left over.
 */
int ng_parse_dump_db(const char *cmd, int argc, char **argv,
		     const char **dump, const char **db, const char *extra_usage);

/* Load the DB, open the dump, identify. 0, or 1 after printing an error. */
int ng_session_open(struct ng_session *s, const char *cmd, const char *dump,
		    const char *dbpath);
void ng_session_close(struct ng_session *s);

#endif /* NG_OFFLINE_H */
