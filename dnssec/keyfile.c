#include "dnssec/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"

int sig_file_open_private(FILE **out, const char *path, bool nofollow)
{
	mode_t mode = 0;
	int fd = -1;
	int ret = gw_file_open_private(path, nofollow ? O_NOFOLLOW : 0, &fd, &mode);
	if (ret == -ELOOP && nofollow) {
		/* Followed, a link would have the daemon (root at start) sign
		 * with whatever private key it points at. */
		gw_err("key file %s is a symbolic link; a key of the store must be the file "
		       "itself: put the key file there instead of the link",
		       path);
		return GW_EKEY;
	}
	if (ret == GW_ENOTFILE) {
		gw_err("key file %s is not a regular file", path);
		return GW_EKEY;
	}
	if (ret == GW_EPERM) {
		gw_err("key file %s is %s by others (mode %04o); chmod 600 %s", path,
		       (mode & 044) != 0 ? "readable" : "writable", (unsigned)mode, path);
		return ret;
	}
	if (ret != GW_OK)
		return ret;
	/* The PEM and BIND readers take a file of any length into memory:
	 * a damaged one is refused by its size before a line is read. */
	struct stat st;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (st.st_size > SIG_KEY_FILE_MAX) {
		gw_err("key file %s is %lld bytes; a key file holds a few kilobytes (at most %d "
		       "read): restore it from a backup",
		       path, (long long)st.st_size, SIG_KEY_FILE_MAX);
		close(fd);
		return GW_EKEY;
	}
	return gw_file_fdopen(fd, out);
}
