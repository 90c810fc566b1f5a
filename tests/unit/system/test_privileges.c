/* gateway/system: whom the daemon becomes (gw_identity_resolve: user: and
 * group: against the databases and the ids it was started with) and the
 * walk that gives the state directory to that user (gw_state_chown). The
 * accounts used are those every Debian system has: root, daemon (uid 1,
 * group daemon), nobody (group nogroup). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/system/privileges.h"

static uid_t uid_of(const char *user)
{
	const struct passwd *pw = getpwnam(user);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
	return pw->pw_uid;
}

static gid_t gid_of(const char *group)
{
	const struct group *gr = getgrnam(group);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gr);
	return gr->gr_gid;
}

/* Started as root: the user named, its primary group unless group: says
 * otherwise; root itself keeps root. */
static void test_root_start(void)
{
	gw_identity_t id;
	char err[256] = "";
	CU_ASSERT_EQUAL_FATAL(gw_identity_resolve(&id, "daemon", NULL, 0, 0, err, sizeof(err)),
	                      GW_OK);
	CU_ASSERT_EQUAL(id.mode, GW_RUN_SWITCH);
	CU_ASSERT_EQUAL(id.uid, uid_of("daemon"));
	CU_ASSERT_EQUAL(id.gid, getpwnam("daemon")->pw_gid);
	CU_ASSERT_STRING_EQUAL(id.user, "daemon");
	CU_ASSERT_STRING_EQUAL(id.group, getgrgid(id.gid)->gr_name);

	CU_ASSERT_EQUAL_FATAL(gw_identity_resolve(&id, "daemon", "nogroup", 0, 0, err, sizeof(err)),
	                      GW_OK);
	CU_ASSERT_EQUAL(id.mode, GW_RUN_SWITCH);
	CU_ASSERT_EQUAL(id.gid, gid_of("nogroup"));
	CU_ASSERT_STRING_EQUAL(id.group, "nogroup");

	CU_ASSERT_EQUAL_FATAL(gw_identity_resolve(&id, "root", NULL, 0, 0, err, sizeof(err)),
	                      GW_OK);
	CU_ASSERT_EQUAL(id.mode, GW_RUN_ROOT);
	CU_ASSERT_EQUAL(id.uid, 0);
}

/* No user: dnssd-gateway, which must exist (scripts/setup.sh makes it);
 * the error, when it does not, is the same as for a named user. */
static void test_root_default_user(void)
{
	gw_identity_t id;
	char err[256] = "";
	int ret = gw_identity_resolve(&id, NULL, NULL, 0, 0, err, sizeof(err));
	if (getpwnam(GW_DEFAULT_USER) != NULL) {
		CU_ASSERT_EQUAL(ret, GW_OK);
		CU_ASSERT_EQUAL(id.mode, GW_RUN_SWITCH);
		CU_ASSERT_EQUAL(id.uid, uid_of(GW_DEFAULT_USER));
		CU_ASSERT_STRING_EQUAL(id.user, GW_DEFAULT_USER);
	} else {
		CU_ASSERT_EQUAL(ret, GW_ENOTFOUND);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "adduser --system --group dnssd-gateway"));
	}
}

/* What does not exist: one line that names it and says what to do. */
static void test_missing(void)
{
	gw_identity_t id;
	char err[256] = "";
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, "gw-no-such-user", NULL, 0, 0, err, sizeof(err)),
	                GW_ENOTFOUND);
	CU_ASSERT_STRING_EQUAL(err, "user: gw-no-such-user does not exist: create it (adduser "
	                            "--system --group gw-no-such-user) or name an existing "
	                            "user with user: in the configuration");
	err[0] = '\0';
	CU_ASSERT_EQUAL(
	    gw_identity_resolve(&id, "daemon", "gw-no-such-group", 0, 0, err, sizeof(err)),
	    GW_ENOTFOUND);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "group: gw-no-such-group does not exist"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "primary group of daemon"));
	CU_ASSERT_PTR_NULL(strchr(err, '\n'));

	char longname[100];
	memset(longname, 'u', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, longname, NULL, 0, 0, err, sizeof(err)),
	                GW_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too long"));
}

/* Not started as root: stays who it is; user: and group: may name only
 * that, anything else is an error. */
static void test_unprivileged_start(void)
{
	gw_identity_t id;
	char err[256] = "";
	uid_t d = uid_of("daemon");
	gid_t g = gid_of("daemon");
	CU_ASSERT_EQUAL_FATAL(gw_identity_resolve(&id, NULL, NULL, d, g, err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(id.mode, GW_RUN_UNPRIVILEGED);
	CU_ASSERT_EQUAL(id.uid, d);
	CU_ASSERT_EQUAL(id.gid, g);
	CU_ASSERT_STRING_EQUAL(id.user, "daemon");

	/* Naming itself: ignored (with a notice). */
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, "daemon", "daemon", d, g, err, sizeof(err)),
	                GW_OK);
	CU_ASSERT_EQUAL(id.mode, GW_RUN_UNPRIVILEGED);

	CU_ASSERT_EQUAL(gw_identity_resolve(&id, "nobody", NULL, d, g, err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not started as root"));
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, "root", NULL, d, g, err, sizeof(err)), GW_EPERM);
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, NULL, "nogroup", d, g, err, sizeof(err)),
	                GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot change its group"));
	CU_ASSERT_EQUAL(gw_identity_resolve(&id, "gw-no-such-user", NULL, d, g, err, sizeof(err)),
	                GW_ENOTFOUND);
}

/* ---- the state directory's owner ------------------------------------------ */

static char g_dir[64];

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", g_dir, name);
}

static void touch(const char *name)
{
	char p[128];
	path(p, sizeof(p), name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
}

static uid_t owner(const char *name)
{
	char p[128];
	struct stat st;
	path(p, sizeof(p), name);
	CU_ASSERT_FATAL(lstat(p, &st) == 0);
	return st.st_uid;
}

static void rm_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Everything in it, symbolic links themselves and not what they point at,
 * a file with a second hard link left alone. Needs root (chown). */
static void test_chown_tree(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0); /* the unit tests run as root */
	snprintf(g_dir, sizeof(g_dir), "/tmp/gw-chown.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	char p[128], q[128], outside[128];
	snprintf(outside, sizeof(outside), "%s.outside", g_dir);
	int fd = open(outside, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);

	touch("serial");
	path(p, sizeof(p), "keys");
	CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
	touch("keys/k1");
	path(p, sizeof(p), "link");
	CU_ASSERT_EQUAL_FATAL(symlink(outside, p), 0);
	path(p, sizeof(p), "keys/dirlink");
	CU_ASSERT_EQUAL_FATAL(symlink("/etc", p), 0);
	touch("linked");
	path(p, sizeof(p), "linked");
	path(q, sizeof(q), "linked2");
	CU_ASSERT_EQUAL_FATAL(link(p, q), 0);
	/* A device node (here /dev/null's numbers): never the state's, and
	 * given to the user it would be the user's device, however many
	 * links it has (a hard link to a disk, where protected_hardlinks is
	 * off). Left to root. */
	path(p, sizeof(p), "dev");
	CU_ASSERT_EQUAL_FATAL(mknod(p, S_IFCHR | 0600, makedev(1, 3)), 0);

	uid_t u = uid_of("daemon");
	gid_t g = gid_of("daemon");
	CU_ASSERT_EQUAL(gw_state_chown(g_dir, u, g), GW_OK);
	CU_ASSERT_EQUAL(owner(""), u);
	CU_ASSERT_EQUAL(owner("serial"), u);
	CU_ASSERT_EQUAL(owner("keys"), u);
	CU_ASSERT_EQUAL(owner("keys/k1"), u);
	CU_ASSERT_EQUAL(owner("link"), u);
	CU_ASSERT_EQUAL(owner("keys/dirlink"), u);
	CU_ASSERT_EQUAL(owner("linked"), 0);
	CU_ASSERT_EQUAL(owner("linked2"), 0);
	CU_ASSERT_EQUAL(owner("dev"), 0);
	struct stat st;
	CU_ASSERT_EQUAL(stat(outside, &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 0);
	CU_ASSERT_EQUAL(stat("/etc", &st), 0);
	CU_ASSERT_EQUAL(st.st_uid, 0);
	unlink(outside);
	rm_tree();
}

/* Deeper than GW_CHOWN_DEPTH_MAX: GW_ELIMIT, not an endless walk. */
static void test_chown_depth(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	snprintf(g_dir, sizeof(g_dir), "/tmp/gw-chown.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	char p[256];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", g_dir);
	for (int i = 0; i <= GW_CHOWN_DEPTH_MAX; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/d");
		CU_ASSERT_EQUAL_FATAL(mkdir(p, 0700), 0);
	}
	CU_ASSERT_EQUAL(gw_state_chown(g_dir, uid_of("daemon"), gid_of("daemon")), GW_ELIMIT);
	rm_tree();
	snprintf(p, sizeof(p), "%s/none", g_dir);
	CU_ASSERT_EQUAL(gw_state_chown(p, 1, 1), -ENOENT);
}

/* root_check(rel): gw_root_input_check() on g_dir/rel; err gets its line. */
static int root_check(const char *rel, char *err, size_t len)
{
	char p[256];
	path(p, sizeof(p), rel);
	err[0] = '\0';
	return gw_root_input_check(p, err, len);
}

/* The configuration read as root: the file and each directory above it
 * root's and closed to writes by group and others, a sticky directory
 * (/tmp) excepted; a symbolic link in another's directory does not pass
 * because its target would. Needs root (chown). */
static void test_root_input(void)
{
	char err[1024], p[256], q[256];
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	snprintf(g_dir, sizeof(g_dir), "/tmp/gw-root-input.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	CU_ASSERT_EQUAL_FATAL(chmod(g_dir, 0755), 0);
	touch("gw.yaml");
	path(p, sizeof(p), "gw.yaml");
	CU_ASSERT_EQUAL_FATAL(chmod(p, 0644), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_OK);

	/* The file another's, or open to writes by its group. */
	CU_ASSERT_EQUAL_FATAL(chown(p, uid_of("daemon"), 0), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "but it belongs to uid 1 (daemon)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chown root"));
	CU_ASSERT_EQUAL_FATAL(chown(p, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(p, 0664), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 0664"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "chmod go-w"));
	CU_ASSERT_EQUAL_FATAL(chmod(p, 0640), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_OK);

	/* Its directory another's, or open to all without the sticky bit. */
	CU_ASSERT_EQUAL_FATAL(chown(g_dir, uid_of("daemon"), 0), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "its directory"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, g_dir));
	CU_ASSERT_EQUAL_FATAL(chown(g_dir, 0, 0), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(g_dir, 0777), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 0777"));
	CU_ASSERT_EQUAL_FATAL(chmod(g_dir, 01777), 0);
	CU_ASSERT_EQUAL(root_check("gw.yaml", err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL_FATAL(chmod(g_dir, 0755), 0);

	/* A path from the working directory. */
	char cwd[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_EQUAL_FATAL(chdir(g_dir), 0);
	CU_ASSERT_EQUAL(gw_root_input_check("gw.yaml", err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(gw_root_input_check("nothere.yaml", err, sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);

	/* A link to it from a directory the daemon's user owns: that user
	 * could point the link elsewhere. A link of another user's in a
	 * directory of root's cannot be changed, so it passes. */
	path(q, sizeof(q), "users");
	CU_ASSERT_EQUAL_FATAL(mkdir(q, 0755), 0);
	CU_ASSERT_EQUAL_FATAL(chown(q, uid_of("daemon"), 0), 0);
	path(q, sizeof(q), "users/gw.yaml");
	CU_ASSERT_EQUAL_FATAL(symlink(p, q), 0);
	CU_ASSERT_EQUAL(root_check("users/gw.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "users belongs to uid 1"));
	path(q, sizeof(q), "link.yaml");
	CU_ASSERT_EQUAL_FATAL(symlink(p, q), 0);
	CU_ASSERT_EQUAL_FATAL(lchown(q, uid_of("daemon"), 0), 0);
	CU_ASSERT_EQUAL(root_check("link.yaml", err, sizeof(err)), GW_OK);
	/* And a link of root's, in root's directory, to a file of another's. */
	path(q, sizeof(q), "users/theirs.yaml");
	touch("users/theirs.yaml");
	path(p, sizeof(p), "to-theirs.yaml");
	CU_ASSERT_EQUAL_FATAL(symlink(q, p), 0);
	CU_ASSERT_EQUAL(root_check("to-theirs.yaml", err, sizeof(err)), GW_EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "users belongs to uid 1"));
	rm_tree();
}

int gw_test_register(void)
{
	return gw_test_suite("privileges", (gw_test_t[]){
	                                       {"started as root", test_root_start},
	                                       {"default user", test_root_default_user},
	                                       {"missing user or group", test_missing},
	                                       {"started unprivileged", test_unprivileged_start},
	                                       {"state directory owner", test_chown_tree},
	                                       {"state directory depth", test_chown_depth},
	                                       {"configuration read as root", test_root_input},
	                                       {NULL, NULL},
	                                   });
}
