#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

static int fsync_dir_of(const char *path)
{
	char buf[4096];
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = fsync(fd) == 0 ? GW_OK : -errno;
	close(fd);
	return ret;
}

int gw_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	int ret = GW_OK;
	char tmp[4096];
	int fd = -1;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* open() honours the umask; the mode asked for is the mode wanted. */
	if (fchmod(fd, mode) != 0)
		goto fail;
	const char *p = data;
	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += k;
		len -= (size_t)k;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return fsync_dir_of(path);
fail:
	ret = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return ret;
}

int gw_file_read(const char *path, size_t max, char **out, size_t *len)
{
	int ret = GW_OK;
	char *buf = NULL;
	FILE *fp = fopen(path, "re");
	if (fp == NULL)
		return -errno;
	buf = malloc(max + 1);
	if (buf == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	size_t n = fread(buf, 1, max + 1, fp);
	if (ferror(fp)) {
		ret = GW_EIO;
		goto out;
	}
	if (n > max) {
		ret = GW_ELIMIT;
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(fp);
	return ret;
}
