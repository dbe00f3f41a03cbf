// SPDX-License-Identifier: GPL-2.0
/*
 * test_fileio.c - atomic output files (commit, abort, write errors, exit
 * and signals leave nothing behind) and bounded whole-file reads.
 */
#include <CUnit/Basic.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "ut.h"

static char dir[64];
static char dest[128];
static char err[512];

static int count_entries(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static int init_suite(void)
{
	if (ut_mkdtemp(dir, sizeof(dir), "ng-fileio"))
		return -1;
	snprintf(dest, sizeof(dest), "%s/out.bin", dir);
	return 0;
}

static int clean_suite(void)
{
	return ut_rmdir(dir);
}

/* The whole content of path, NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *len)
{
	u8 *buf;

	if (ng_read_file(path, &buf, len, 1 << 20, err, sizeof(err)))
		return NULL;
	return (char *)buf;
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(s, f);
	fclose(f);
}

static void test_commit(void)
{
	struct ng_outfile o;
	struct stat st;
	mode_t mask;
	char *s;
	size_t len;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	/* the temporary file sits beside the destination, hidden */
	CU_ASSERT_EQUAL(strncmp(o.tmp, dir, strlen(dir)), 0);
	CU_ASSERT_EQUAL(o.tmp[strlen(dir) + 1], '.');
	CU_ASSERT_EQUAL(access(o.tmp, F_OK), 0);
	CU_ASSERT_EQUAL(ng_outfile_write(&o, "hello ", 6), 0);
	CU_ASSERT_EQUAL(ng_outfile_printf(&o, "%s %d", "world", 42), 0);
	CU_ASSERT_EQUAL(access(dest, F_OK), -1);
	CU_ASSERT_EQUAL(count_entries(), 1);
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), 0);

	s = slurp(dest, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s, "hello world 42");
	CU_ASSERT_EQUAL(len, 14);
	free(s);
	CU_ASSERT_EQUAL(count_entries(), 1);
	mask = umask(0);
	umask(mask);
	CU_ASSERT_EQUAL(stat(dest, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0777, 0644 & ~mask);
	/* a second commit or abort of a closed outfile is harmless */
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), -EBADF);
	ng_outfile_abort(&o);
	CU_ASSERT_EQUAL(count_entries(), 1);
}

static void test_replace(void)
{
	struct ng_outfile o;
	char *s;
	size_t len;

	ut_empty_dir(dir);
	write_file(dest, "old");
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "new content", 11);
	s = slurp(dest, &len);
	CU_ASSERT_STRING_EQUAL(s, "old");	/* untouched until commit */
	free(s);
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), 0);
	s = slurp(dest, &len);
	CU_ASSERT_STRING_EQUAL(s, "new content");
	free(s);
	CU_ASSERT_EQUAL(count_entries(), 1);
}

static void test_abort(void)
{
	struct ng_outfile o;
	char *s;
	size_t len;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "x", 1);
	ng_outfile_abort(&o);
	ng_outfile_abort(&o);
	CU_ASSERT_EQUAL(count_entries(), 0);

	write_file(dest, "keep");
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "y", 1);
	ng_outfile_abort(&o);
	CU_ASSERT_EQUAL(count_entries(), 1);
	s = slurp(dest, &len);
	CU_ASSERT_STRING_EQUAL(s, "keep");
	free(s);
}

static void test_binary_helpers(void)
{
	static const u8 want[] = {
		'H', 'D', 'R', '!', 0x34, 0x12, 0x78, 0x56, 0x34, 0x12,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0,
		0, 0, 'e',
	};
	struct ng_outfile o;
	u8 *buf;
	size_t len;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "????", 4);
	ng_outfile_le16(&o, 0x1234);
	ng_outfile_le32(&o, 0x12345678);
	ng_outfile_le64(&o, 0x0102030405060708ULL);
	CU_ASSERT_EQUAL(ng_outfile_tell(&o), 18);
	CU_ASSERT_EQUAL(ng_outfile_pad(&o, 8), 0);
	CU_ASSERT_EQUAL(ng_outfile_tell(&o), 24);
	CU_ASSERT_EQUAL(ng_outfile_pad(&o, 8), 0);	/* aligned: no-op */
	CU_ASSERT_EQUAL(ng_outfile_tell(&o), 24);
	fputc('e', ng_outfile_fp(&o));
	CU_ASSERT_EQUAL(o.err, 0);
	/* backpatch the header */
	CU_ASSERT_EQUAL(ng_outfile_pwrite(&o, 0, "HDR!", 4), 0);
	CU_ASSERT_EQUAL(ng_outfile_tell(&o), 25);
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), 0);

	CU_ASSERT_EQUAL_FATAL(ng_read_file(dest, &buf, &len, 100, err,
					   sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, sizeof(want));
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof(want)), 0);
	free(buf);
}

/* Errors are sticky, and a failed commit leaves nothing behind. */
static void test_sticky_error(void)
{
	struct ng_outfile o;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "abc", 3);
	CU_ASSERT_EQUAL(ng_outfile_pwrite(&o, 2, "xy", 2), -EINVAL);
	CU_ASSERT_EQUAL(ng_outfile_write(&o, "d", 1), -EINVAL);
	CU_ASSERT_EQUAL(count_entries(), 1);
	ng_outfile_abort(&o);
	CU_ASSERT_EQUAL(count_entries(), 0);

	/* a bad alignment is an error too */
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ng_outfile_pad(&o, 3), -EINVAL);
	CU_ASSERT_EQUAL(ng_outfile_write(&o, "d", 1), -EINVAL);
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, dest));
	CU_ASSERT_EQUAL(count_entries(), 0);
}

static void test_open_errors(void)
{
	struct ng_outfile o;
	char p[256];

	ut_empty_dir(dir);
	snprintf(p, sizeof(p), "%s/missing/out.bin", dir);
	CU_ASSERT_EQUAL(ng_outfile_open(&o, p, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));

	CU_ASSERT_EQUAL(ng_outfile_open(&o, "", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(ng_outfile_open(&o, dir, err, sizeof(err)), -EISDIR);
	snprintf(p, sizeof(p), "%s/", dir);
	CU_ASSERT_EQUAL(ng_outfile_open(&o, p, err, sizeof(err)), -EISDIR);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

static void test_too_many(void)
{
	struct ng_outfile o[NG_OUTFILE_MAX + 1];
	char p[NG_OUTFILE_MAX + 1][128];
	int i;

	ut_empty_dir(dir);
	for (i = 0; i <= NG_OUTFILE_MAX; i++)
		snprintf(p[i], sizeof(p[i]), "%s/f%d", dir, i);
	for (i = 0; i < NG_OUTFILE_MAX; i++)
		CU_ASSERT_EQUAL(ng_outfile_open(&o[i], p[i], err,
						sizeof(err)), 0);
	CU_ASSERT_EQUAL(ng_outfile_open(&o[i], p[i], err, sizeof(err)),
			-EMFILE);
	for (i = 0; i < NG_OUTFILE_MAX; i++)
		ng_outfile_abort(&o[i]);
	CU_ASSERT_EQUAL(count_entries(), 0);
	/* the slots are free again */
	CU_ASSERT_EQUAL(ng_outfile_open(&o[0], p[0], err, sizeof(err)), 0);
	ng_outfile_abort(&o[0]);
}

/* Run fn in a child process; its wait status. */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* A file grows past RLIMIT_FSIZE: write fails, commit fails, no trace. */
static int child_fsize(void)
{
	struct rlimit rl = { 4096, 4096 };
	static char block[65536];
	struct ng_outfile o;
	int i;

	signal(SIGXFSZ, SIG_IGN);
	if (ng_outfile_open(&o, dest, err, sizeof(err)))
		return 10;
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 11;
	for (i = 0; i < 16; i++)
		ng_outfile_write(&o, block, sizeof(block));
	if (ng_outfile_commit(&o, err, sizeof(err)) != -EFBIG)
		return 12;
	if (!strstr(err, dest) || strchr(err, '\n'))
		return 13;
	return 0;
}

static void test_write_error(void)
{
	int st;

	ut_empty_dir(dir);
	st = in_child(child_fsize);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

/* exit() without commit: the atexit handler removes the temporary file. */
static int child_exit(void)
{
	struct ng_outfile o;

	if (ng_outfile_open(&o, dest, err, sizeof(err)))
		return 10;
	ng_outfile_write(&o, "partial", 7);
	fflush(ng_outfile_fp(&o));
	exit(3);
}

static void test_exit_cleanup(void)
{
	int st;

	ut_empty_dir(dir);
	st = in_child(child_exit);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

static int child_signal_wait(int sig)
{
	struct ng_outfile o;

	if (ng_outfile_open(&o, dest, err, sizeof(err)))
		return 10;
	ng_outfile_write(&o, "partial", 7);
	fflush(ng_outfile_fp(&o));
	raise(sig);
	return 11;		/* not reached: the signal kills us */
}

static int child_sigterm(void)
{
	return child_signal_wait(SIGTERM);
}

static int child_sigint(void)
{
	return child_signal_wait(SIGINT);
}

static void test_signal_cleanup(void)
{
	int st;

	ut_empty_dir(dir);
	st = in_child(child_sigterm);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CU_ASSERT_EQUAL(count_entries(), 0);

	st = in_child(child_sigint);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGINT);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

/* A signal from outside while the child is blocked in the middle. */
static void test_signal_from_parent(void)
{
	struct ng_outfile o;
	int pfd[2], st;
	char c;
	pid_t pid;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (ng_outfile_open(&o, dest, err, sizeof(err)))
			_exit(10);
		ng_outfile_write(&o, "partial", 7);
		fflush(ng_outfile_fp(&o));
		if (write(pfd[1], "r", 1) != 1)
			_exit(11);
		for (;;)
			pause();
	}
	close(pfd[1]);
	CU_ASSERT_EQUAL(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	CU_ASSERT_EQUAL(count_entries(), 1);	/* the temporary file */
	kill(pid, SIGTERM);
	CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
	CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	CU_ASSERT_EQUAL(count_entries(), 0);
}

/* A forked child that exits must not remove its parent's temporary file. */
static int child_plain_exit(void)
{
	exit(0);
}

static void test_fork_keeps_parent_temp(void)
{
	struct ng_outfile o;
	char *s;
	size_t len;
	int st;

	ut_empty_dir(dir);
	CU_ASSERT_EQUAL_FATAL(ng_outfile_open(&o, dest, err, sizeof(err)), 0);
	ng_outfile_write(&o, "parent", 6);
	st = in_child(child_plain_exit);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(access(o.tmp, F_OK), 0);
	CU_ASSERT_EQUAL(ng_outfile_commit(&o, err, sizeof(err)), 0);
	s = slurp(dest, &len);
	CU_ASSERT_STRING_EQUAL(s, "parent");
	free(s);
}

static void test_read_file(void)
{
	char p[256];
	u8 *buf;
	size_t len;

	ut_empty_dir(dir);
	write_file(dest, "0123456789");
	CU_ASSERT_EQUAL(ng_read_file(dest, &buf, &len, 10, err,
				     sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_STRING_EQUAL((char *)buf, "0123456789");
	free(buf);

	CU_ASSERT_EQUAL(ng_read_file(dest, &buf, &len, 9, err, sizeof(err)),
			-EFBIG);
	CU_ASSERT_PTR_NULL(buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, dest));

	write_file(dest, "");
	CU_ASSERT_EQUAL(ng_read_file(dest, &buf, &len, 10, err,
				     sizeof(err)), 0);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_EQUAL(buf[0], 0);
	free(buf);

	snprintf(p, sizeof(p), "%s/nonexistent", dir);
	CU_ASSERT_EQUAL(ng_read_file(p, &buf, &len, 10, err, sizeof(err)),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));

	CU_ASSERT_EQUAL(ng_read_file(dir, &buf, &len, 10, err, sizeof(err)),
			-EISDIR);
}

/* Files whose size stat() does not tell: read to the end, or to max. */
static void test_read_special(void)
{
	u8 *buf;
	size_t len;

	CU_ASSERT_EQUAL(ng_read_file("/proc/self/status", &buf, &len,
				     1 << 20, err, sizeof(err)), 0);
	CU_ASSERT(len > 0);
	CU_ASSERT_PTR_NOT_NULL(buf ? strstr((char *)buf, "Pid:") : NULL);
	CU_ASSERT_EQUAL(buf ? strlen((char *)buf) : 0, len);
	free(buf);

	/* an endless stream stops at the bound */
	CU_ASSERT_EQUAL(ng_read_file("/dev/zero", &buf, &len, 100000, err,
				     sizeof(err)), -EFBIG);
	CU_ASSERT_PTR_NULL(buf);
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "commit", test_commit },
		{ "replace existing", test_replace },
		{ "abort", test_abort },
		{ "binary helpers and pwrite", test_binary_helpers },
		{ "sticky error", test_sticky_error },
		{ "open errors", test_open_errors },
		{ "too many open", test_too_many },
		{ "write error (RLIMIT_FSIZE)", test_write_error },
		{ "exit without commit", test_exit_cleanup },
		{ "signal without commit", test_signal_cleanup },
		{ "signal from another process", test_signal_from_parent },
		{ "forked child exits", test_fork_keeps_parent_temp },
		{ "read file", test_read_file },
		{ "read special files", test_read_special },
	};
	static const struct ut_suite suite = {
		.name = "fileio", .verbose = true, UT_TESTS(tests),
		.init = init_suite, .clean = clean_suite,
	};

	/*
	 * A shell starts background jobs (CI runs us so) with SIGINT ignored,
	 * and the cleanup rightly leaves an ignored signal alone: the tests
	 * are about the default action.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return ut_run(&suite);
}
