/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fileio.h - whole-file reads with a size bound, and atomic output files.
 *
 * An output file is written to a temporary file beside its destination
 * (same directory, so the final rename(2) is atomic) and only appears
 * under its name at ng_outfile_commit(). Until then, ng_outfile_abort(),
 * exit() and SIGINT/SIGTERM/SIGHUP/SIGPIPE all remove the temporary file:
 * nothing half-written is ever left at the destination or as a stray
 * temporary. (A crash - SIGSEGV, SIGKILL - can still leave the temporary,
 * never a half-written destination.)
 *
 * Write errors are sticky: after the first failure, further writes do
 * nothing and return the same error, and commit fails with it. So a writer
 * may check only the commit.
 *
 * Errors come back as a negative errno plus a one-line message naming the
 * file (no trailing newline), ready for ng_err().
 */
#ifndef NG_FILEIO_H
#define NG_FILEIO_H

#include <stdio.h>

#include "ng_env.h"

/* Output files that may be open (uncommitted) at the same time. */
#define NG_OUTFILE_MAX		8

struct ng_outfile {
	const char *path;	/* the destination, as given */
	const char *tmp;	/* the temporary file's path */
	FILE *f;
	int slot;		/* in the cleanup registry; -1 when closed */
	int err;		/* first error, negative errno, or 0 */
};

/*
 * Create the temporary file for path (mode 0644 less the umask). path must
 * stay valid until commit or abort. Fails if the directory cannot take a
 * new file or path is a directory.
 */
int ng_outfile_open(struct ng_outfile *o, const char *path, char *err,
		    size_t errlen);

int ng_outfile_write(struct ng_outfile *o, const void *buf, size_t len);
int ng_outfile_printf(struct ng_outfile *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int ng_outfile_le16(struct ng_outfile *o, u16 v);
int ng_outfile_le32(struct ng_outfile *o, u32 v);
int ng_outfile_le64(struct ng_outfile *o, u64 v);
/* Zero bytes up to the next multiple of align (a power of two). */
int ng_outfile_pad(struct ng_outfile *o, size_t align);

/* Bytes written so far (the offset of the next write). */
u64 ng_outfile_tell(struct ng_outfile *o);

/*
 * Overwrite bytes already written, e.g. a header whose checksum and table
 * offsets are known only at the end. off + len must not pass the end.
 */
int ng_outfile_pwrite(struct ng_outfile *o, u64 off, const void *buf,
		      size_t len);

/*
 * The stream, for writers that take a FILE * (the JSON writer). Errors on
 * it are found at commit.
 */
FILE *ng_outfile_fp(struct ng_outfile *o);

/*
 * Flush, fsync, rename over the destination, fsync the directory. On any
 * failure the temporary file is removed and the destination is untouched.
 * The outfile is closed either way.
 */
int ng_outfile_commit(struct ng_outfile *o, char *err, size_t errlen);

/* Remove the temporary file; the destination is untouched. Idempotent. */
void ng_outfile_abort(struct ng_outfile *o);

/*
 * Read a whole file into a fresh buffer (free() it), at most max bytes, or
 * -EFBIG. The buffer has a NUL after the last byte, not counted in len, so
 * text can be parsed in place. Files whose size stat(2) does not know
 * (/proc, pipes) are read to their end all the same.
 */
int ng_read_file(const char *path, u8 **buf, size_t *len, size_t max,
		 char *err, size_t errlen);

#endif /* NG_FILEIO_H */
