/* common/file.h: a private file is opened only when it is a regular file
 * closed to group and others; a whole-file read stops at its limit, and a
 * private one clears what it lets go of; an update writes only what
 * differs. */
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "cunit.h"

#define DIR_TEMPLATE "/tmp/gw_test_file.XXXXXX"

static char dir[sizeof(DIR_TEMPLATE)];
static char path[sizeof(dir) + 16];

static void make_dir(void)
{
	memcpy(dir, DIR_TEMPLATE, sizeof(dir));
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/secret", dir);
}

static void write_file(const char *text, mode_t mode)
{
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(gw_file_write_atomic(path, text, strlen(text), mode), GW_OK);
}

static void remove_dir(void)
{
	unlink(path);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* Open and read path as a private file: the return of the first step
 * that fails, or of the read. */
static int read_private(int extra_flags, char *buf, size_t max, size_t *len, mode_t *mode)
{
	int fd = -1;
	int ret = gw_file_open_private(path, extra_flags, &fd, mode);
	if (ret != GW_OK)
		return ret;
	ret = gw_file_read_fd(fd, buf, max, len);
	close(fd);
	return ret;
}

static void test_private(void)
{
	char buf[9];
	size_t len = 99;
	mode_t mode = 0;

	make_dir();
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), -ENOENT);

	write_file("abc\n", 0600);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_OK);
	CU_ASSERT_EQUAL(len, 4);
	CU_ASSERT_STRING_EQUAL(buf, "abc\n");
	CU_ASSERT_EQUAL(mode, 0600);

	/* Readable or writable by group or others: refused, with the mode. */
	write_file("abc\n", 0640);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_EPERM);
	CU_ASSERT_EQUAL(mode, 0640);
	write_file("abc\n", 0602);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_EPERM);
	CU_ASSERT_EQUAL(mode, 0602);
	/* Only the owner's bits matter beyond that. */
	write_file("", 0400);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_OK);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_STRING_EQUAL(buf, "");

	/* A directory is not a regular file. */
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_ENOTFILE);
	CU_ASSERT_EQUAL(rmdir(path), 0);
	remove_dir();
}

static void test_symlink(void)
{
	char target[sizeof(path) + 8];
	char buf[9];
	size_t len = 0;
	mode_t mode = 0;

	make_dir();
	snprintf(target, sizeof(target), "%s/target", dir);
	CU_ASSERT_EQUAL_FATAL(gw_file_write_atomic(target, "k", 1, 0600), GW_OK);
	CU_ASSERT_EQUAL_FATAL(symlink(target, path), 0);
	/* Followed unless the caller adds O_NOFOLLOW. */
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, "k");
	CU_ASSERT_EQUAL(read_private(O_NOFOLLOW, buf, 8, &len, &mode), -ELOOP);
	unlink(target);
	remove_dir();
}

static void test_limit(void)
{
	char buf[9];
	size_t len = 99;
	mode_t mode = 0;

	make_dir();
	/* Exactly max octets is whole; one more is over the limit. */
	write_file("12345678", 0600);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_OK);
	CU_ASSERT_EQUAL(len, 8);
	CU_ASSERT_STRING_EQUAL(buf, "12345678");
	len = 99;
	write_file("123456789", 0600);
	CU_ASSERT_EQUAL(read_private(0, buf, 8, &len, &mode), GW_ELIMIT);
	CU_ASSERT_EQUAL(len, 99);
	/* gw_file_fopen_regular_max(): the same bound, on a stream. */
	FILE *fp = NULL;
	CU_ASSERT_EQUAL(gw_file_fopen_regular_max(path, 8, &fp), GW_ELIMIT);
	CU_ASSERT_PTR_NULL(fp);
	CU_ASSERT_EQUAL_FATAL(gw_file_fopen_regular_max(path, 9, &fp), GW_OK);
	CU_ASSERT_EQUAL(fread(buf, 1, sizeof(buf), fp), 9);
	fclose(fp);
	fp = NULL;
	CU_ASSERT_EQUAL(gw_file_fopen_regular_max(dir, 1 << 20, &fp), GW_ENOTFILE);
	CU_ASSERT_PTR_NULL(fp);
	remove_dir();
}

/* gw_file_read(): a buffer the size of the file, not of max; a file longer
 * than its size said (as /proc's, whose size is 0) read whole; max octets
 * whole, one more over the limit. */
static void test_read_sizes(void)
{
	char *text = NULL;
	size_t len = 0;

	make_dir();
	write_file("abc", 0600);
	/* A terabyte as the limit: only the file's three octets are asked
	 * of the allocator (a buffer of max could not be had). */
	CU_ASSERT_EQUAL_FATAL(gw_file_read(path, (size_t)1 << 40, &text, &len), GW_OK);
	CU_ASSERT_EQUAL(len, 3);
	CU_ASSERT_STRING_EQUAL(text, "abc");
	free(text);
	CU_ASSERT_EQUAL_FATAL(gw_file_read(path, SIZE_MAX, &text, &len), GW_OK);
	CU_ASSERT_EQUAL(len, 3);
	free(text);
	write_file("12345678", 0600);
	CU_ASSERT_EQUAL(gw_file_read(path, 8, &text, &len), GW_OK);
	CU_ASSERT_EQUAL(len, 8);
	free(text);
	text = NULL;
	len = 99;
	CU_ASSERT_EQUAL(gw_file_read(path, 7, &text, &len), GW_ELIMIT);
	CU_ASSERT_PTR_NULL(text);
	CU_ASSERT_EQUAL(len, 99);
	/* A file larger than max by its size is refused before a buffer of
	 * max is asked for: a sparse terabyte against half of it (a buffer
	 * that size is more than the machine has: GW_ENOMEM had it been
	 * asked for). */
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, (off_t)1 << 40), 0);
	close(fd);
	CU_ASSERT_EQUAL(gw_file_read(path, (size_t)1 << 39, &text, &len), GW_ELIMIT);
	CU_ASSERT_PTR_NULL(text);
	remove_dir();
	/* Size 0 by fstat(), some hundred octets when read. */
	CU_ASSERT_EQUAL(gw_file_read("/proc/self/status", 1 << 20, &text, &len), GW_OK);
	CU_ASSERT(len > 100);
	CU_ASSERT(text != NULL && strncmp(text, "Name:", 5) == 0 && strlen(text) == len);
	free(text);
	CU_ASSERT_EQUAL(gw_file_read("/proc/self/status", 10, &text, &len), GW_ELIMIT);
}

/* The suite is linked with free() and realloc() wrapped (tests/CMakeLists.txt):
 * while secret_mark is set, every block let go of is searched for it. */
void __real_free(void *p);
void *__real_realloc(void *p, size_t n);
static const char *secret_mark;
static unsigned secret_blocks; /* blocks let go of that still held it */

static void check_let_go(void *p)
{
	if (p != NULL && secret_mark != NULL &&
	    memmem(p, malloc_usable_size(p), secret_mark, strlen(secret_mark)) != NULL)
		secret_blocks++;
}

void __wrap_free(void *p)
{
	check_let_go(p);
	__real_free(p);
}

void *__wrap_realloc(void *p, size_t n)
{
	check_let_go(p); /* a block realloc() moves is freed as it is */
	return __real_realloc(p, n);
}

/* fsync() is wrapped too: while dir_fsync_fails, a directory's fails
 * (EIO), as on a failing disk. */
int __real_fsync(int fd);
static bool dir_fsync_fails;

int __wrap_fsync(int fd)
{
	struct stat st;
	if (dir_fsync_fails && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EIO;
		return -1;
	}
	return __real_fsync(fd);
}

/* The directory's fsync fails after the rename: the new file is in place
 * all the same, so the write succeeded (logged). Reported as a failure,
 * callers undid what the file now says (a key the new keys/state lists
 * removed). */
static void test_write_dir_sync_fails(void)
{
	make_dir();
	write_file("old\n", 0600);
	dir_fsync_fails = true;
	int ret = gw_file_write_atomic(path, "new\n", 4, 0600);
	dir_fsync_fails = false;
	CU_ASSERT_EQUAL(ret, GW_OK);
	char *text = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(gw_file_read(path, 64, &text, &len), GW_OK);
	CU_ASSERT(len == 4 && memcmp(text, "new\n", 4) == 0);
	free(text);
	remove_dir();
}

static void touch_at(const char *name)
{
	char p[sizeof(dir) + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *fp = fopen(p, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("x", fp);
	fclose(fp);
}

static bool exists_at(const char *name)
{
	char p[sizeof(dir) + 64];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* Leftovers of interrupted writes go; everything else stays: files that
 * only look alike, a directory and a link named as a leftover. A link in
 * the directory's place is not followed. */
static void test_remove_temps(void)
{
	make_dir();
	touch_at(".mirror.zone.tmp.Ab12Cd");
	touch_at(".serial.tmp.xyzXYZ");
	touch_at("serial");
	touch_at(".serial.tmp.short");
	touch_at("journal.tmp");
	char p[sizeof(dir) + 64], q[sizeof(dir) + 64];
	snprintf(p, sizeof(p), "%s/.d.tmp.AAAAAA", dir);
	CU_ASSERT_FATAL(mkdir(p, 0700) == 0);
	snprintf(q, sizeof(q), "%s/.l.tmp.BBBBBB", dir);
	CU_ASSERT_FATAL(symlink("serial", q) == 0);
	CU_ASSERT_EQUAL(gw_file_remove_temps(dir), 2);
	CU_ASSERT_FALSE(exists_at(".mirror.zone.tmp.Ab12Cd"));
	CU_ASSERT_FALSE(exists_at(".serial.tmp.xyzXYZ"));
	CU_ASSERT_TRUE(exists_at("serial"));
	CU_ASSERT_TRUE(exists_at(".serial.tmp.short"));
	CU_ASSERT_TRUE(exists_at("journal.tmp"));
	CU_ASSERT_TRUE(exists_at(".d.tmp.AAAAAA"));
	CU_ASSERT_TRUE(exists_at(".l.tmp.BBBBBB"));
	CU_ASSERT_EQUAL(gw_file_remove_temps(dir), 0);
	/* Through a link to the directory: nothing. */
	char link[sizeof(dir) + 16];
	snprintf(link, sizeof(link), "%s.link", dir);
	CU_ASSERT_FATAL(symlink(dir, link) == 0);
	touch_at(".again.tmp.CCCCCC");
	CU_ASSERT(gw_file_remove_temps(link) < 0);
	CU_ASSERT_TRUE(exists_at(".again.tmp.CCCCCC"));
	CU_ASSERT_EQUAL(gw_file_remove_temps("/nonexistent/gw-test"), 0);
	unlink(link);
	rmdir(p);
	unlink(q);
	static const char *const rest[] = {".serial.tmp.short", "journal.tmp", ".again.tmp.CCCCCC",
	                                   "serial"};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, rest[i]);
		unlink(p);
	}
	remove_dir();
}

/* A configuration with TSIG secrets read from a pipe (`-c <(...)`): its
 * size is not known, so the buffer grows many times (from one octet), and
 * gw_file_read_stream_private() lets go of no buffer that still holds
 * what it read, whether it gives back the whole text or refuses it past
 * its limit. The plain reader does (realloc()), which shows that the
 * check sees such a block. */
static void test_read_private(void)
{
	static const char mark[] = "c2VjcmV0IGtleQ==";
	static const struct {
		bool private;
		size_t max;
		int ret;
	} cases[] = {{true, 1 << 20, GW_OK}, {false, 1 << 20, GW_OK}, {true, 5000, GW_ELIMIT}};
	char text[12000];
	size_t at = 0;
	while (at + sizeof(mark) + 20 < sizeof(text))
		at += (size_t)snprintf(text + at, sizeof(text) - at, "- secret: %s\n", mark);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fds[2];
		CU_ASSERT_EQUAL_FATAL(pipe(fds), 0); /* 64 KiB of pipe buffer: no writer thread */
		CU_ASSERT_EQUAL_FATAL(write(fds[1], text, at), (ssize_t)at);
		close(fds[1]);
		FILE *fp = fdopen(fds[0], "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		char *out = NULL;
		size_t len = 0;
		secret_mark = mark;
		secret_blocks = 0;
		int ret = cases[i].private
		              ? gw_file_read_stream_private(fp, cases[i].max, &out, &len)
		              : gw_file_read_stream(fp, cases[i].max, &out, &len);
		unsigned let_go = secret_blocks;
		secret_mark = NULL;
		fclose(fp);
		CU_ASSERT_EQUAL(ret, cases[i].ret);
		CU_ASSERT(cases[i].private ? let_go == 0 : let_go > 0);
		if (ret != GW_OK) {
			CU_ASSERT_PTR_NULL(out);
			continue;
		}
		CU_ASSERT_EQUAL(len, at);
		CU_ASSERT(out != NULL && memcmp(out, text, at) == 0 && out[len] == '\0');
		if (out != NULL)
			explicit_bzero(out, len);
		free(out);
	}
}

/* gw_file_read_full(): from the file's position (which moves) or at an
 * offset (which leaves it), short only at the end of the file. */
static void test_read_full(void)
{
	char tmpl[] = "/tmp/gw-test-read-full-XXXXXX";
	int fd = mkstemp(tmpl);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(tmpl);
	CU_ASSERT_FATAL(write(fd, "0123456789", 10) == 10);
	char buf[16] = {0};
	size_t got = 0;

	CU_ASSERT_EQUAL(gw_file_read_full(fd, buf, 4, 3, &got), GW_OK);
	CU_ASSERT_EQUAL(got, 4);
	CU_ASSERT_EQUAL(memcmp(buf, "3456", 4), 0);
	CU_ASSERT_EQUAL(gw_file_read_full(fd, buf, 8, 6, &got), GW_OK);
	CU_ASSERT_EQUAL(got, 4);
	CU_ASSERT_EQUAL(memcmp(buf, "6789", 4), 0);
	CU_ASSERT_EQUAL(lseek(fd, 2, SEEK_SET), 2);
	CU_ASSERT_EQUAL(gw_file_read_full(fd, buf, 3, -1, &got), GW_OK);
	CU_ASSERT_EQUAL(got, 3);
	CU_ASSERT_EQUAL(memcmp(buf, "234", 3), 0);
	CU_ASSERT_EQUAL(gw_file_read_full(fd, buf, 16, -1, &got), GW_OK);
	CU_ASSERT_EQUAL(got, 5);
	CU_ASSERT_EQUAL(memcmp(buf, "56789", 5), 0);
	close(fd);
	CU_ASSERT_EQUAL(gw_file_read_full(fd, buf, 4, -1, &got), -EBADF);
}

static int fill_text(FILE *fp, const void *arg)
{
	fputs(arg, fp);
	return ferror(fp) ? GW_EIO : GW_OK;
}

static ino_t inode_of(const char *p)
{
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(lstat(p, &st), 0);
	return st.st_ino;
}

/* gw_file_update_with(): written when missing, different, of another
 * mode, or not a regular file (a FIFO does not block it, a link is
 * replaced and its target left alone); left as it is (the same inode)
 * when it holds the text already. */
static void test_update(void)
{
	bool written = false;
	make_dir();
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_TRUE(written);
	ino_t first = inode_of(path);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_FALSE(written);
	CU_ASSERT_EQUAL(inode_of(path), first);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\ntwo\n", &written), GW_OK);
	CU_ASSERT_TRUE(written);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_TRUE(written); /* shorter: a prefix is not the same */
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_TRUE(written);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0644);

	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0644), 0);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_TRUE(written);
	CU_ASSERT_EQUAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));

	char target[sizeof(dir) + 16];
	snprintf(target, sizeof(target), "%s/target", dir);
	CU_ASSERT_EQUAL_FATAL(gw_file_write_atomic(target, "one\n", 4, 0644), GW_OK);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(symlink(target, path), 0);
	CU_ASSERT_EQUAL(gw_file_update_with(path, 0644, fill_text, "one\n", &written), GW_OK);
	CU_ASSERT_TRUE(written);
	CU_ASSERT_EQUAL(lstat(path, &st), 0);
	CU_ASSERT_TRUE(S_ISREG(st.st_mode));
	CU_ASSERT_EQUAL(unlink(target), 0);
	remove_dir();
}

/* The hint names the uid only for a refusal, and only when not root:
 * checked as root, and in a child that became nobody (65534). */
static void test_unreadable_hint(void)
{
	char hint[96], want[96];
	CU_ASSERT_STRING_EQUAL(gw_file_unreadable_hint(hint, sizeof(hint), ENOENT), "");
	CU_ASSERT_STRING_EQUAL(gw_file_unreadable_hint(hint, 0, EACCES), "");
	snprintf(want, sizeof(want), "; the daemon runs as uid %u, which must be able to read it",
	         (unsigned)geteuid());
	CU_ASSERT_STRING_EQUAL(gw_file_unreadable_hint(hint, sizeof(hint), EACCES),
	                       geteuid() == 0 ? "" : want);
	if (geteuid() != 0)
		return;
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		bool ok =
		    setresuid(65534, 65534, 65534) == 0 &&
		    strcmp(gw_file_unreadable_hint(hint, sizeof(hint), EACCES),
		           "; the daemon runs as uid 65534, which must be able to read it") == 0 &&
		    strcmp(gw_file_unreadable_hint(hint, sizeof(hint), EPERM), "") == 0;
		_exit(ok ? 0 : 1);
	}
	int status = 0;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Only regular files are read: a FIFO is refused at once (an open that
 * waited for a writer would hang the daemon), so are a device behind a
 * link and a directory; a regular file's descriptor is left blocking. */
static void test_regular_only(void)
{
	int fd = -1;
	FILE *fp = NULL;
	char *text = NULL;
	size_t len = 0;
	mode_t mode = 0;
	make_dir();
	CU_ASSERT_EQUAL_FATAL(mkfifo(path, 0600), 0);
	CU_ASSERT_EQUAL(gw_file_open_regular(path, 0, &fd, NULL), GW_ENOTFILE);
	CU_ASSERT_EQUAL(gw_file_fopen_regular(path, &fp), GW_ENOTFILE);
	CU_ASSERT_EQUAL(gw_file_read(path, 64, &text, &len), GW_ENOTFILE);
	CU_ASSERT_EQUAL(gw_file_open_private(path, 0, &fd, &mode), GW_ENOTFILE);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(symlink("/dev/null", path), 0);
	CU_ASSERT_EQUAL(gw_file_read(path, 64, &text, &len), GW_ENOTFILE);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(gw_file_read(path, 64, &text, &len), GW_ENOTFILE);
	CU_ASSERT_EQUAL_FATAL(rmdir(path), 0);

	/* gw_file_refuse_link(): a link in a directory's place, not the
	 * directory or nothing. */
	CU_ASSERT_EQUAL(gw_file_refuse_link(path), GW_OK); /* nothing there yet */
	CU_ASSERT_EQUAL_FATAL(symlink(dir, path), 0);
	CU_ASSERT_EQUAL(gw_file_refuse_link(path), GW_EPERM);
	CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	CU_ASSERT_EQUAL(gw_file_refuse_link(path), GW_OK);
	CU_ASSERT_EQUAL_FATAL(rmdir(path), 0);

	write_file("abc", 0600);
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(gw_file_open_regular(path, 0, &fd, &st), GW_OK);
	CU_ASSERT_EQUAL(st.st_size, 3);
	CU_ASSERT_EQUAL(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	close(fd);
	CU_ASSERT_EQUAL(gw_file_read(path, 64, &text, &len), GW_OK);
	CU_ASSERT_EQUAL(len, 3);
	free(text);
	remove_dir();
}

int gw_test_register(void)
{
	return gw_test_suite("file", (gw_test_t[]){
	                                 {"private", test_private},
	                                 {"symlink", test_symlink},
	                                 {"limit", test_limit},
	                                 {"read sizes", test_read_sizes},
	                                 {"read private", test_read_private},
	                                 {"read_full", test_read_full},
	                                 {"update", test_update},
	                                 {"directory fsync fails", test_write_dir_sync_fails},
	                                 {"leftover temporary files", test_remove_temps},
	                                 {"regular files only", test_regular_only},
	                                 {"unreadable hint", test_unreadable_hint},
	                                 {NULL, NULL},
	                             });
}
