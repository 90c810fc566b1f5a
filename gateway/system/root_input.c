/* What root reads at start must be root's alone. The configuration
 * decides who the daemon becomes (user:) and which tree root gives away
 * (state-dir:): if the daemon's user could change it, a compromised
 * daemon would choose, at root's next start, to keep root or to be given
 * /etc. So the file and every directory above it must be root's and
 * closed to writes by group and others. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/account.h"
#include "common/error.h"
#include "gateway/system/privileges.h"

/* One entry of the chain: the file itself, or a directory above it. A
 * directory with the sticky bit (/tmp) may be open to writes: there only
 * an entry's owner may rename or remove it. */
static int check_entry(const char *entry, bool is_file, const char *file, char *err, size_t errlen)
{
	struct stat st;
	char what[PATH_MAX + 32] = "it";

	if (!is_file)
		snprintf(what, sizeof(what), "its directory %s", entry);
	if (stat(entry, &st) != 0) {
		int e = errno;
		snprintf(err, errlen, "the configuration %s: cannot check %s: %s", file, entry,
		         strerror(e));
		return -e;
	}
	if (st.st_uid != 0) {
		char name[64], who[96];
		unsigned long uid = (unsigned long)st.st_uid;
		if (gw_user_name(name, sizeof(name), st.st_uid))
			snprintf(who, sizeof(who), "%lu (%s)", uid, name);
		else
			snprintf(who, sizeof(who), "%lu", uid);
		snprintf(
		    err, errlen,
		    "the configuration %s is read as root, but %s belongs to uid %s, who could "
		    "then choose what root does at the next start; chown root %s, or keep the "
		    "configuration in a directory of root's (/etc/dnssd-gateway)",
		    file, what, who, entry);
		return GW_EPERM;
	}
	bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) != 0;
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && !sticky_dir) {
		snprintf(err, errlen,
		         "the configuration %s is read as root, but %s has mode %04o: group or "
		         "others may change it; chmod go-w %s",
		         file, what, (unsigned)(st.st_mode & 07777), entry);
		return GW_EPERM;
	}
	return GW_OK;
}

/* path (absolute, at most PATH_MAX octets) and each directory above it. */
static int check_chain(const char *path, const char *file, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (bool first = true;; first = false) {
		int ret = check_entry(buf, first, file, err, errlen);
		if (ret != GW_OK || strcmp(buf, "/") == 0)
			return ret;
		char *slash = strrchr(buf, '/');
		if (slash == buf)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int gw_root_input_check(const char *path, char *err, size_t errlen)
{
	char given[PATH_MAX];
	char cwd[PATH_MAX];
	int ret;

	if (path[0] == '/') {
		ret = snprintf(given, sizeof(given), "%s", path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			int e = errno;
			snprintf(err, errlen, "the configuration %s: cannot tell the directory: %s",
			         path, strerror(e));
			return -e;
		}
		ret =
		    snprintf(given, sizeof(given), "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
	}
	if (ret < 0 || (size_t)ret >= sizeof(given)) {
		snprintf(err, errlen, "the configuration %.200s...: the path is too long", path);
		return GW_ELIMIT;
	}
	/* The directories of the path as given hold the symbolic links on
	 * the way; those of the path it resolves to hold the file. */
	ret = check_chain(given, path, err, errlen);
	if (ret != GW_OK)
		return ret;
	char *real = realpath(path, NULL);
	if (real == NULL) {
		int e = errno;
		snprintf(err, errlen, "the configuration %s: %s", path, strerror(e));
		return -e;
	}
	ret = check_chain(real, path, err, errlen);
	free(real);
	return ret;
}
