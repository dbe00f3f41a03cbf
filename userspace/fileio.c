// SPDX-License-Identifier: GPL-2.0
/*
 * fileio.c - whole-file reads with a size bound, and atomic output files
 * that never leave anything half-written behind (see fileio.h).
 *
 * The temporary files of open outfiles sit in a fixed registry that an
 * atexit handler and the handler of the terminating signals walk to unlink
 * them. The signal handler only reads it, and the registry changes only
 * with those signals blocked, so it always sees a consistent slot. Each slot
 * remembers its process, so a forked child's exit never removes its
 * parent's temporary file.
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

/* Longest destination base name kept in the temporary file's name. */
#define TMP_BASE_MAX	200

static struct {
	volatile sig_atomic_t used;
	pid_t owner;
	char tmp[PATH_MAX];
} slots[NG_OUTFILE_MAX];

static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
static bool cleanup_installed;

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Async-signal-safe: unlink and unlist this process's temporary files. */
static void unlink_temps(void)
{
	pid_t self = getpid();
	int i;

	for (i = 0; i < NG_OUTFILE_MAX; i++) {
		if (slots[i].used && slots[i].owner == self) {
			unlink(slots[i].tmp);
			slots[i].used = 0;
		}
	}
}

static void on_signal(int sig)
{
	int saved = errno;

	unlink_temps();
	/* SA_RESETHAND put back the default action: die of the signal */
	raise(sig);
	errno = saved;
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(cleanup_signals); i++)
		sigaddset(&set, cleanup_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

/*
 * Once per process: atexit, and a handler for each terminating signal that
 * still has its default action (an ignored SIGHUP under nohup, or a handler
 * of the program's own, stays as it is).
 */
static void install_cleanup(void)
{
	struct sigaction sa, old;
	size_t i;

	if (cleanup_installed)
		return;
	cleanup_installed = true;
	atexit(unlink_temps);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_SIZE(cleanup_signals); i++) {
		if (sigaction(cleanup_signals[i], NULL, &old) == 0 &&
		    old.sa_handler == SIG_DFL && !(old.sa_flags & SA_SIGINFO))
			sigaction(cleanup_signals[i], &sa, NULL);
	}
}

static void release_slot(struct ng_outfile *o, bool remove)
{
	sigset_t old;

	if (o->slot < 0)
		return;
	block_signals(&old);
	if (remove)
		unlink(slots[o->slot].tmp);
	slots[o->slot].used = 0;
	restore_signals(&old);
	o->slot = -1;
}

static mode_t file_mode(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return 0644 & ~mask;
}

int ng_outfile_open(struct ng_outfile *o, const char *path, char *err,
		    size_t errlen)
{
	const char *slash, *base;
	struct stat st;
	sigset_t old;
	int slot, fd, n, e;
	size_t dirlen;

	memset(o, 0, sizeof(*o));
	o->path = path;
	o->slot = -1;
	if (!*path) {
		seterr(err, errlen, "empty output file name");
		return -EINVAL;
	}

	slash = strrchr(path, '/');
	base = slash ? slash + 1 : path;
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!*base || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		seterr(err, errlen, "%s: is a directory", path);
		return -EISDIR;
	}

	install_cleanup();
	block_signals(&old);
	for (slot = 0; slot < NG_OUTFILE_MAX && slots[slot].used; slot++)
		;
	if (slot == NG_OUTFILE_MAX) {
		restore_signals(&old);
		seterr(err, errlen, "%s: too many output files open", path);
		return -EMFILE;
	}
	n = snprintf(slots[slot].tmp, PATH_MAX, "%.*s.%.*s.XXXXXX",
		     (int)dirlen, path, TMP_BASE_MAX, base);
	if (n < 0 || n >= PATH_MAX) {
		restore_signals(&old);
		seterr(err, errlen, "%s: %s", path, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	fd = mkostemp(slots[slot].tmp, O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		restore_signals(&old);
		seterr(err, errlen, "%s: cannot create a temporary file: %s",
		       path, strerror(e));
		return -e;
	}
	slots[slot].owner = getpid();
	slots[slot].used = 1;
	restore_signals(&old);
	o->slot = slot;
	o->tmp = slots[slot].tmp;

	if (fchmod(fd, file_mode()) < 0 || !(o->f = fdopen(fd, "w"))) {
		e = errno;
		if (!o->f)
			close(fd);
		release_slot(o, true);
		seterr(err, errlen, "%s: cannot create a temporary file: %s",
		       path, strerror(e));
		return -e;
	}
	return 0;
}

/* Record the first error; return the sticky one. */
static int fail(struct ng_outfile *o, int e)
{
	if (!o->err)
		o->err = -(e ? e : EIO);
	return o->err;
}

int ng_outfile_write(struct ng_outfile *o, const void *buf, size_t len)
{
	if (o->err)
		return o->err;
	if (!o->f)
		return fail(o, EBADF);
	if (len && fwrite(buf, 1, len, o->f) != len)
		return fail(o, errno);
	return 0;
}

int ng_outfile_printf(struct ng_outfile *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->err)
		return o->err;
	if (!o->f)
		return fail(o, EBADF);
	va_start(ap, fmt);
	n = vfprintf(o->f, fmt, ap);
	va_end(ap);
	return n < 0 ? fail(o, errno) : 0;
}

int ng_outfile_le16(struct ng_outfile *o, u16 v)
{
	u8 b[2] = { v, v >> 8 };

	return ng_outfile_write(o, b, sizeof(b));
}

int ng_outfile_le32(struct ng_outfile *o, u32 v)
{
	u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	return ng_outfile_write(o, b, sizeof(b));
}

int ng_outfile_le64(struct ng_outfile *o, u64 v)
{
	int ret = ng_outfile_le32(o, (u32)v);

	return ret ? ret : ng_outfile_le32(o, (u32)(v >> 32));
}

int ng_outfile_pad(struct ng_outfile *o, size_t align)
{
	static const u8 zeros[64];
	u64 pos = ng_outfile_tell(o);
	size_t n, chunk;
	int ret = 0;

	if (!align || (align & (align - 1)))
		return fail(o, EINVAL);
	n = (size_t)(-pos & (align - 1));

	while (n && !ret) {
		chunk = n < sizeof(zeros) ? n : sizeof(zeros);
		ret = ng_outfile_write(o, zeros, chunk);
		n -= chunk;
	}
	return ret ? ret : o->err;
}

u64 ng_outfile_tell(struct ng_outfile *o)
{
	off_t pos;

	if (!o->f)
		return 0;
	pos = ftello(o->f);
	if (pos < 0) {
		fail(o, errno);
		return 0;
	}
	return (u64)pos;
}

int ng_outfile_pwrite(struct ng_outfile *o, u64 off, const void *buf,
		      size_t len)
{
	const u8 *p = buf;
	u64 end = ng_outfile_tell(o);
	ssize_t n;

	if (o->err)
		return o->err;
	if (off > end || len > end - off)
		return fail(o, EINVAL);
	if (fflush(o->f))
		return fail(o, errno);
	while (len) {
		n = pwrite(fileno(o->f), p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(o, n < 0 ? errno : EIO);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

FILE *ng_outfile_fp(struct ng_outfile *o)
{
	return o->f;
}

/* Make the rename durable; best effort, the file is in place already. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	fsync(fd);
	close(fd);
}

int ng_outfile_commit(struct ng_outfile *o, char *err, size_t errlen)
{
	const char *what = "write failed";
	sigset_t old;
	int e;

	if (!o->f) {
		seterr(err, errlen, "%s: not open for writing", o->path);
		return -EBADF;
	}
	if (!o->err && (fflush(o->f) || ferror(o->f)))
		fail(o, errno);
	if (!o->err && fsync(fileno(o->f)) && errno != EINVAL)
		fail(o, errno);
	if (fclose(o->f) && !o->err)
		fail(o, errno);
	o->f = NULL;
	if (!o->err) {
		block_signals(&old);
		if (rename(o->tmp, o->path) == 0) {
			slots[o->slot].used = 0;
			o->slot = -1;
		} else {
			fail(o, errno);
			what = "cannot move the temporary file into place";
		}
		restore_signals(&old);
	}
	if (o->err) {
		e = o->err;
		release_slot(o, true);
		seterr(err, errlen, "%s: %s: %s", o->path, what, strerror(-e));
		return e;
	}
	sync_dir(o->path);
	return 0;
}

void ng_outfile_abort(struct ng_outfile *o)
{
	if (o->f) {
		fclose(o->f);
		o->f = NULL;
	}
	release_slot(o, true);
}

int ng_read_file(const char *path, u8 **buf, size_t *len, size_t max,
		 char *err, size_t errlen)
{
	size_t limit = max < SIZE_MAX - 1 ? max + 1 : SIZE_MAX - 1;
	size_t cap, n = 0;
	struct stat st;
	u8 *b = NULL, *nb;
	ssize_t r;
	int fd, e;

	*buf = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		seterr(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		goto fail_errno;
	}
	if (S_ISDIR(st.st_mode)) {
		e = EISDIR;
		goto fail_errno;
	}
	if (S_ISREG(st.st_mode) && (u64)st.st_size > max)
		goto too_big;

	/* room for one byte past max, to see a file grow past it */
	cap = S_ISREG(st.st_mode) && st.st_size > 0 ?
		(size_t)st.st_size + 1 : 65536;
	if (cap > limit)
		cap = limit;
	b = malloc(cap + 1);
	if (!b) {
		e = ENOMEM;
		goto fail_errno;
	}
	for (;;) {
		if (n == cap) {
			if (cap == limit)
				break;
			cap = cap > limit / 2 ? limit : cap * 2;
			nb = realloc(b, cap + 1);
			if (!nb) {
				e = ENOMEM;
				goto fail_errno;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail_errno;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n > max)
		goto too_big;
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;

too_big:
	free(b);
	close(fd);
	seterr(err, errlen, "%s: too large (more than %zu bytes)", path, max);
	return -EFBIG;
fail_errno:
	free(b);
	close(fd);
	seterr(err, errlen, "%s: %s", path, strerror(e));
	return -e;
}
