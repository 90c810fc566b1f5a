#include "dnssec/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"

int sig_file_open_private(FILE **out, const char *path)
{
	int ret = GW_OK;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* fstat() on the open file: what is checked is what is read. */
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		gw_err("key file %s is not a regular file", path);
		ret = GW_EKEY;
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		gw_err("key file %s is %s by others (mode %04o); chmod 600 %s", path,
		       (st.st_mode & 044) != 0 ? "readable" : "writable",
		       (unsigned)(st.st_mode & 07777), path);
		ret = GW_EPERM;
		goto out;
	}
	*out = fdopen(fd, "r");
	if (*out == NULL) {
		ret = -errno;
		goto out;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}
