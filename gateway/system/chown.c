/* Giving the state directory to the daemon's user, as systemd's
 * StateDirectory= does: a directory that an earlier start as root (or an
 * administrator) filled must be writable after the drop.
 *
 * The walk works on file descriptors (openat with O_PATH | O_NOFOLLOW,
 * fchownat on the descriptor): a name swapped for a symbolic link while
 * root walks can redirect nothing. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/system/privileges.h"

typedef struct walk {
	uid_t uid;
	gid_t gid;
	size_t entries;
	const char *top; /* for messages */
} walk_t;

static int walk_dir(walk_t *w, int fd, unsigned depth);

/* fd: an O_PATH descriptor of one entry (name, for messages). */
static int give(walk_t *w, int fd, const char *name, unsigned depth)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int ret = -errno;
		gw_err("state directory %s: cannot stat %s: %s", w->top, name, strerror(errno));
		return ret;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		gw_warn("state directory %s: %s has %lu hard links, left to its owner (a hard link "
		        "may be any file); replace it by a copy if the daemon must write it",
		        w->top, name, (unsigned long)st.st_nlink);
		return GW_OK;
	}
	/* A device is never the daemon's state: given to the user, a node
	 * (or a hard link to one, where protected_hardlinks is off) would
	 * be its device. */
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		gw_warn("state directory %s: %s is a device, left to its owner; the state "
		        "directory holds none, remove it",
		        w->top, name);
		return GW_OK;
	}
	if ((st.st_uid != w->uid || st.st_gid != w->gid) &&
	    fchownat(fd, "", w->uid, w->gid, AT_EMPTY_PATH) != 0) {
		int ret = -errno;
		gw_err("state directory %s: cannot give %s to uid %lu: %s", w->top, name,
		       (unsigned long)w->uid, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode))
		return GW_OK;
	if (depth >= GW_CHOWN_DEPTH_MAX) {
		gw_err("state directory %s: %s is more than %d levels deep; the state directory "
		       "holds no such tree, move it away",
		       w->top, name, GW_CHOWN_DEPTH_MAX);
		return GW_ELIMIT;
	}
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int ret = -errno;
		gw_err("state directory %s: cannot open %s: %s", w->top, name, strerror(errno));
		return ret;
	}
	return walk_dir(w, dfd, depth + 1);
}

/* Takes fd (a directory opened for reading). */
static int walk_dir(walk_t *w, int fd, unsigned depth)
{
	int ret = GW_OK;
	DIR *dir = fdopendir(fd);
	if (dir == NULL) {
		ret = -errno;
		close(fd);
		gw_err("state directory %s: cannot read a directory: %s", w->top, strerror(-ret));
		return ret;
	}
	for (;;) {
		errno = 0;
		const struct dirent *de = readdir(dir);
		if (de == NULL) {
			if (errno != 0) {
				ret = -errno;
				gw_err("state directory %s: cannot read a directory: %s", w->top,
				       strerror(errno));
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++w->entries > GW_CHOWN_ENTRIES_MAX) {
			gw_err("state directory %s: more than %d entries; it holds a few files of "
			       "the daemon's, clean it up",
			       w->top, GW_CHOWN_ENTRIES_MAX);
			ret = GW_ELIMIT;
			break;
		}
		int efd = openat(dirfd(dir), de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (efd < 0) {
			ret = -errno;
			gw_err("state directory %s: cannot open %s: %s", w->top, de->d_name,
			       strerror(errno));
			break;
		}
		ret = give(w, efd, de->d_name, depth);
		close(efd);
		if (ret != GW_OK)
			break;
	}
	closedir(dir);
	return ret;
}

int gw_state_chown(const char *dir, uid_t uid, gid_t gid)
{
	walk_t w = {.uid = uid, .gid = gid, .top = dir};
	/* The top may be a symbolic link an administrator made
	 * (/var/lib/dnssd-gateway -> /srv/...): followed, unlike the rest. */
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;
		gw_err("state directory %s: cannot open it: %s", dir, strerror(errno));
		return ret;
	}
	int ret = give(&w, fd, dir, 0);
	close(fd);
	return ret;
}
