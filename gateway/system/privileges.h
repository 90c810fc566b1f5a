/* gateway/system: who the daemon runs as after its start.
 *
 * Started as root, the daemon binds its sockets, opens the state directory
 * and loads its keys, then gives the state directory to its user and
 * becomes that user with no capability left (gw_privileges_drop). Started
 * unprivileged (a systemd unit with User= and
 * AmbientCapabilities=CAP_NET_BIND_SERVICE), it keeps its user and clears
 * the capabilities it was given once the sockets are bound.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The user the daemon runs as when started as root and user: is not set. */
#define GW_DEFAULT_USER "dnssd-gateway"

#define GW_NAME_MAX 64 /* bytes of a user or group name, NUL included */

/* Limits of the walk that gives the state directory to the user. */
#define GW_CHOWN_ENTRIES_MAX 10000
#define GW_CHOWN_DEPTH_MAX   8

typedef enum {
	/* Not started as root: stays who it is, its capabilities are cleared. */
	GW_RUN_UNPRIVILEGED,
	/* Started as root: becomes uid and gid, without capabilities. */
	GW_RUN_SWITCH,
	/* Started as root with user: root: keeps every privilege. */
	GW_RUN_ROOT,
} gw_run_mode_t;

typedef struct gw_identity {
	gw_run_mode_t mode;
	uid_t uid; /* GW_RUN_SWITCH and GW_RUN_ROOT: the target */
	gid_t gid;
	char user[GW_NAME_MAX];  /* its name, for initgroups() and the log */
	char group[GW_NAME_MAX]; /* the group's name, for the log */
} gw_identity_t;

/* Decide who the daemon runs as from the configuration's user and group
 * (NULL: not set) and the effective ids it was started with. Logs a
 * notice when user or group is ignored (not started as root) and a
 * warning for user: root. Errors: GW_ENOTFOUND (no such user or group),
 * GW_EPERM (another user asked for without root), GW_EINVAL; err then
 * holds one line that says what to do. Reads the user and group
 * databases; called before anything is bound or written. */
int gw_identity_resolve(gw_identity_t *out, const char *user, const char *group, uid_t euid,
                        gid_t egid, char *err, size_t errlen);

/* Started as root, the daemon reads its configuration (path, as given on
 * the command line) as root: the file, and every directory above it both
 * as given and as its symbolic links resolve, must belong to root and be
 * closed to writes by group and others (a directory with the sticky bit
 * excepted). GW_OK; GW_EPERM, -errno or GW_ELIMIT with one line in err
 * that names the entry and the fix. Reads only file status. */
int gw_root_input_check(const char *path, char *err, size_t errlen);

/* Give the directory dir and everything in it to uid:gid. Symbolic links
 * are changed themselves, never followed (but for dir itself); a regular
 * file with several hard links is left alone (it may be any file on the
 * same file system) with a warning; entries already owned are not
 * touched. At most GW_CHOWN_ENTRIES_MAX entries, GW_CHOWN_DEPTH_MAX deep,
 * else GW_ELIMIT. Errors are logged with the path. */
int gw_state_chown(const char *dir, uid_t uid, gid_t gid);

/* Become id: to be called once every socket is bound and every file that
 * needs root is read, while the process has one thread (capabilities are
 * per thread). GW_RUN_SWITCH gives state_dir to the user, empties the
 * capability bounding set (when CAP_SETPCAP allows), sets the groups, gid
 * and uid, checks that root cannot be regained, clears every capability
 * (ambient ones too) and sets no_new_privs. GW_RUN_UNPRIVILEGED does the
 * same but for the state directory and the ids. GW_RUN_ROOT does nothing. Errors are logged; the
 * daemon must not go on after one. */
int gw_privileges_drop(const gw_identity_t *id, const char *state_dir);
