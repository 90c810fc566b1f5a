#include "common/file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"

#define TEMP_MARK ".tmp."

/* Split path into its directory ("." when none) and base name. */
static int split_path(const char *path, char *dir, size_t dir_len, const char **base)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL) {
		*base = path;
		return snprintf(dir, dir_len, ".") < (int)dir_len ? GW_OK : GW_ESPACE;
	}
	*base = slash + 1;
	size_t n = (size_t)(slash - path);
	if (n == 0)
		n = 1; /* "/name": the directory is "/" */
	if (n >= dir_len)
		return GW_ESPACE;
	memcpy(dir, path, n);
	dir[n] = '\0';
	return GW_OK;
}

int gw_file_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = GW_OK;
	if (fsync(fd) != 0)
		ret = -errno;
	close(fd);
	return ret;
}

bool gw_file_is_temp(const char *name)
{
	if (name[0] != '.')
		return false;
	const char *mark = strstr(name, TEMP_MARK);
	/* mkostemp() replaces exactly six X's. */
	return mark != NULL && strlen(mark + strlen(TEMP_MARK)) == 6;
}

/* The most entries looked at: a start is not held up by a directory
 * someone filled. */
#define TEMPS_SCAN_MAX 10000

int gw_file_remove_temps(const char *dir)
{
	/* A link in the directory's place is not followed: what it points
	 * at is not ours to clean. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	DIR *d = fdopendir(fd);
	if (d == NULL) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	int removed = 0;
	struct dirent *de;
	for (unsigned seen = 0; seen < TEMPS_SCAN_MAX && (de = readdir(d)) != NULL; seen++) {
		struct stat st;
		if (!gw_file_is_temp(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || unlinkat(dirfd(d), de->d_name, 0) != 0)
			continue;
		gw_info("removed %s/%s (%lld bytes), left by an interrupted write", dir, de->d_name,
		        (long long)st.st_size);
		removed++;
	}
	closedir(d);
	return removed;
}

int gw_file_write_with(const char *path, mode_t mode, gw_file_fill_fn fill, const void *arg)
{
	int ret = GW_OK;
	char dir[PATH_MAX];
	char tmp[PATH_MAX];
	const char *base = NULL;
	FILE *fp = NULL;
	int fd = -1;
	bool created = false;

	ret = split_path(path, dir, sizeof(dir), &base);
	if (ret == GW_OK && base[0] == '\0')
		ret = GW_EINVAL;
	if (ret == GW_OK &&
	    snprintf(tmp, sizeof(tmp), "%s/.%s" TEMP_MARK "XXXXXX", dir, base) >= (int)sizeof(tmp))
		ret = GW_ESPACE;
	if (ret != GW_OK)
		goto out;

	/* mkostemp() opens with O_CREAT|O_EXCL and mode 0600: a private key
	 * is never readable by others, not even for a moment. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	created = true;
	if (mode != 0600 && fchmod(fd, mode) != 0) {
		ret = -errno;
		goto out;
	}
	fp = fdopen(fd, "w");
	if (fp == NULL) {
		ret = -errno;
		goto out;
	}
	fd = -1;
	ret = fill(fp, arg);
	if (ret != GW_OK)
		goto out;
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
		ret = errno != 0 ? -errno : GW_EIO;
		goto out;
	}
	int rc = fclose(fp);
	fp = NULL;
	if (rc != 0) {
		ret = GW_EIO;
		goto out;
	}
	if (rename(tmp, path) != 0) {
		ret = -errno;
		goto out;
	}
	created = false;
	/* Without this the rename itself may be lost on power failure. But
	 * the new file is in place now, and what the caller does next must
	 * go by that: a failure here is said, not returned (a caller that
	 * undid its change would undo what the file already holds). */
	int sync = gw_file_sync_dir(dir);
	if (sync != GW_OK)
		gw_warn("wrote %s, but could not sync its directory %s: %s; a power failure may "
		        "bring the previous file back",
		        path, dir, gw_strerror(sync));
out:
	if (fp != NULL)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmp);
	if (ret != GW_OK)
		gw_err("cannot write %s: %s", path, gw_strerror(ret));
	return ret;
}

int gw_file_sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *base = NULL;
	int ret = split_path(path, dir, sizeof(dir), &base);
	return ret == GW_OK ? gw_file_sync_dir(dir) : ret;
}

typedef struct blob {
	const void *data;
	size_t len;
} blob_t;

static int fill_blob(FILE *fp, const void *arg)
{
	const blob_t *b = arg;
	return b->len == 0 || fwrite(b->data, 1, b->len, fp) == b->len ? GW_OK : GW_EIO;
}

int gw_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	blob_t b = {.data = data, .len = len};
	return gw_file_write_with(path, mode, fill_blob, &b);
}

/* Whether path is a regular file of mode holding exactly data (len
 * octets). Opened without blocking and without following a link: a FIFO
 * or a link planted in its place is simply "not the same". */
static bool holds(const char *path, mode_t mode, const char *data, size_t len)
{
	int fd = -1;
	struct stat st;
	if (gw_file_open_regular(path, O_NOFOLLOW, &fd, &st) != GW_OK)
		return false;
	bool same = (st.st_mode & 07777) == mode && (uint64_t)st.st_size == (uint64_t)len;
	char buf[4096];
	for (size_t at = 0; same && at < len;) {
		size_t want = len - at < sizeof(buf) ? len - at : sizeof(buf), got = 0;
		same = gw_file_read_full(fd, buf, want, (off_t)at, &got) == GW_OK && got == want &&
		       memcmp(buf, data + at, want) == 0;
		at += want;
	}
	close(fd);
	return same;
}

int gw_file_update_with(const char *path, mode_t mode, gw_file_fill_fn fill, const void *arg,
                        bool *written)
{
	char *text = NULL;
	size_t len = 0;
	if (written != NULL)
		*written = false;
	FILE *fp = open_memstream(&text, &len);
	if (fp == NULL)
		return GW_ENOMEM;
	int ret = fill(fp, arg);
	if (fclose(fp) != 0 && ret == GW_OK)
		ret = GW_ENOMEM;
	if (ret != GW_OK || holds(path, mode, text, len))
		goto out;
	ret = gw_file_write_atomic(path, text, len, mode);
	if (ret == GW_OK && written != NULL)
		*written = true;
out:
	free(text);
	return ret;
}

/* The open and the type check of gw_file_open_regular() and
 * gw_file_open_regular_or_fifo(): on the open file, so that what is
 * checked is what is read. */
static int open_checked(const char *path, int flags, bool fifo_ok, int *fd, struct stat *st)
{
	struct stat own;
	if (st == NULL)
		st = &own;
	int f = open(path, O_RDONLY | O_CLOEXEC | flags);
	if (f < 0)
		return -errno;
	if (fstat(f, st) != 0) {
		int ret = -errno;
		close(f);
		return ret;
	}
	if (!S_ISREG(st->st_mode) && !(fifo_ok && S_ISFIFO(st->st_mode))) {
		close(f);
		return GW_ENOTFILE;
	}
	*fd = f;
	return GW_OK;
}

int gw_file_open_regular(const char *path, int extra_flags, int *fd, struct stat *st)
{
	int f = -1;
	int ret = open_checked(path, O_NONBLOCK | extra_flags, false, &f, st);
	if (ret != GW_OK)
		return ret;
	if (!(extra_flags & O_NONBLOCK)) {
		int fl = fcntl(f, F_GETFL);
		if (fl >= 0)
			(void)fcntl(f, F_SETFL, fl & ~O_NONBLOCK);
	}
	*fd = f;
	return GW_OK;
}

int gw_file_open_regular_or_fifo(const char *path, int *fd, struct stat *st)
{
	return open_checked(path, 0, true, fd, st);
}

int gw_file_refuse_link(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode))
		return GW_OK;
	gw_err("%s is a symbolic link; a directory inside the state directory must be the "
	       "directory itself (a link would send the daemon's writes, some made as root, "
	       "wherever it points): put the directory there instead of the link",
	       path);
	return GW_EPERM;
}

int gw_file_fdopen(int fd, FILE **out)
{
	*out = fdopen(fd, "r");
	if (*out != NULL)
		return GW_OK;
	int ret = -errno;
	close(fd);
	return ret;
}

int gw_file_fopen_regular(const char *path, FILE **out)
{
	int fd = -1;
	int ret = gw_file_open_regular(path, 0, &fd, NULL);
	return ret == GW_OK ? gw_file_fdopen(fd, out) : ret;
}

int gw_file_fopen_regular_max(const char *path, size_t max, FILE **out)
{
	int fd = -1;
	struct stat st;
	int ret = gw_file_open_regular(path, 0, &fd, &st);
	if (ret != GW_OK)
		return ret;
	if ((uint64_t)st.st_size > (uint64_t)max) {
		close(fd);
		return GW_ELIMIT;
	}
	return gw_file_fdopen(fd, out);
}

const char *gw_file_unreadable_hint(char *buf, size_t len, int err)
{
	if (len == 0)
		return "";
	buf[0] = '\0';
	if (err == EACCES && geteuid() != 0)
		snprintf(buf, len, "; the daemon runs as uid %u, which must be able to read it",
		         (unsigned)geteuid());
	return buf;
}

/* gw_file_read_stream() and gw_file_read_stream_private(): wipe clears
 * every buffer it lets go of, and reads past stdio's own buffer. */
static int read_stream(FILE *fp, size_t max, bool wipe, char **out, size_t *len)
{
	int ret = GW_OK;
	char *buf = NULL;
	struct stat st;
	if (fstat(fileno(fp), &st) != 0)
		return -errno;
	/* Unbuffered, fread() reads straight into buf: a small file would
	 * otherwise pass through a stdio buffer that fclose() frees as it
	 * is. */
	if (wipe && setvbuf(fp, NULL, _IONBF, 0) != 0)
		return GW_EIO;
	/* Room for what the file holds now, not for max: max bounds a
	 * damaged file (256 MiB for the mirror's state), and a buffer of that
	 * size for a file of a few kB would be asked of the allocator at
	 * every start. One octet more shows a file that grew since the
	 * fstat(), read on in larger pieces up to max + 1 (a FIFO's size is
	 * 0: all of it is read so). */
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4; /* max + 1, and the doubling below, stay in range */
	/* Refused before a buffer of max is asked for and filled: a limit
	 * can be large (a zone file's is a gigabyte). */
	if ((uint64_t)st.st_size > (uint64_t)max)
		return GW_ELIMIT;
	size_t cap = ((uint64_t)st.st_size < max ? (size_t)st.st_size : max) + 1;
	size_t n = 0;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return GW_ENOMEM;
	for (;;) {
		n += fread(buf + n, 1, cap - n, fp);
		if (ferror(fp)) {
			ret = GW_EIO;
			goto out;
		}
		if (n < cap)
			break; /* the end of the file */
		if (n > max) {
			ret = GW_ELIMIT;
			goto out;
		}
		size_t more = cap > max / 2 ? max + 1 : cap * 2;
		char *grown = NULL;
		if (!wipe) {
			grown = realloc(buf, more + 1);
		} else if ((grown = malloc(more + 1)) != NULL) {
			/* realloc() would free the smaller copy as it is. */
			memcpy(grown, buf, n);
			explicit_bzero(buf, n);
			free(buf);
		}
		if (grown == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
		buf = grown;
		cap = more;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	if (buf != NULL && wipe)
		explicit_bzero(buf, n);
	free(buf);
	return ret;
}

int gw_file_read_stream(FILE *fp, size_t max, char **out, size_t *len)
{
	return read_stream(fp, max, false, out, len);
}

int gw_file_read_stream_private(FILE *fp, size_t max, char **out, size_t *len)
{
	return read_stream(fp, max, true, out, len);
}

int gw_file_read(const char *path, size_t max, char **out, size_t *len)
{
	FILE *fp = NULL;
	int ret = gw_file_fopen_regular(path, &fp);
	if (ret != GW_OK)
		return ret;
	ret = gw_file_read_stream(fp, max, out, len);
	fclose(fp);
	return ret;
}

int gw_file_open_private(const char *path, int extra_flags, int *fd, mode_t *mode)
{
	struct stat st;
	int f = -1;
	int ret = gw_file_open_regular(path, extra_flags, &f, &st);
	if (ret != GW_OK)
		return ret;
	*mode = st.st_mode & 07777;
	if ((st.st_mode & 077) != 0) {
		close(f);
		return GW_EPERM;
	}
	*fd = f;
	return GW_OK;
}

bool gw_file_secret_mode_ok(const struct stat *st)
{
	mode_t shared = st->st_mode & 077;
	return shared == 0 || (shared == S_IRGRP && st->st_uid == 0);
}

int gw_file_open_secret(const char *path, int *fd, struct stat *st)
{
	int f = -1;
	int ret = gw_file_open_regular(path, 0, &f, st);
	if (ret != GW_OK)
		return ret;
	if (!gw_file_secret_mode_ok(st)) {
		close(f);
		return GW_EPERM;
	}
	*fd = f;
	return GW_OK;
}

int gw_file_read_full(int fd, void *buf, size_t len, off_t off, size_t *got)
{
	uint8_t *p = buf;
	size_t n = 0;

	while (n < len) {
		ssize_t r =
		    off < 0 ? read(fd, p + n, len - n) : pread(fd, p + n, len - n, off + (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return GW_OK;
}

int gw_file_read_fd(int fd, char *buf, size_t max, size_t *len)
{
	size_t n = 0;

	/* One octet more than max: a file of exactly max octets is whole. */
	int ret = gw_file_read_full(fd, buf, max + 1, -1, &n);
	if (ret != GW_OK)
		return ret;
	if (n > max)
		return GW_ELIMIT;
	buf[n] = '\0';
	*len = n;
	return GW_OK;
}
