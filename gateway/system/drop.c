/* Dropping root and capabilities once the sockets are bound. Capabilities
 * and no_new_privs belong to a thread: this runs while the daemon has one
 * (the signing threads come and go inside the zone manager's calls), and
 * every thread made later inherits the result. */
#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/system/privileges.h"

/* Threads of this process, from /proc/self/task; 0 when unknown. */
static size_t thread_count(void)
{
	size_t n = 0;
	DIR *dir = opendir("/proc/self/task");
	if (dir == NULL)
		return 0;
	const struct dirent *de;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

static bool has_setpcap(void)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();
	if (caps != NULL)
		cap_get_flag(caps, CAP_SETPCAP, CAP_EFFECTIVE, &v);
	cap_free(caps);
	return v == CAP_SET;
}

/* Removes every capability from the bounding set, so that no later exec
 * can get one back. That takes CAP_SETPCAP, so it comes before setuid;
 * without it (unprivileged, or root under a unit's narrower
 * CapabilityBoundingSet=) the set stays as it was given, and no_new_privs
 * keeps an exec from using it anyway. */
static int drop_bounding(void)
{
	if (!has_setpcap()) {
		gw_info("privileges: no CAP_SETPCAP, the capability bounding set stays as given");
		return GW_OK;
	}
	for (cap_value_t cap = 0; cap < (cap_value_t)cap_max_bits(); cap++) {
		if (cap_drop_bound(cap) != 0) {
			int ret = -errno;
			gw_err("privileges: cannot drop capability %d from the bounding set: %s",
			       (int)cap, strerror(errno));
			return ret;
		}
	}
	return GW_OK;
}

/* Clears the ambient, permitted, effective and inheritable sets: dropping
 * needs no privilege. */
static int clear_capabilities(void)
{
	int ret = GW_OK;
	/* EINVAL: a kernel before 4.3 has no ambient set. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		ret = -errno;
		gw_err("privileges: cannot clear the ambient capabilities: %s", strerror(errno));
		return ret;
	}
	cap_t caps = cap_get_proc();
	if (caps == NULL || cap_clear(caps) != 0 || cap_set_proc(caps) != 0) {
		ret = -errno;
		gw_err("privileges: cannot clear the capabilities: %s", strerror(errno));
	}
	cap_free(caps);
	return ret;
}

static int no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		int ret = -errno;
		gw_err("privileges: cannot set no_new_privs: %s", strerror(errno));
		return ret;
	}
	return GW_OK;
}

static int switch_user(const gw_identity_t *id)
{
	if (initgroups(id->user, id->gid) != 0) {
		int ret = -errno;
		gw_err("privileges: cannot set the groups of %s: %s", id->user, strerror(errno));
		return ret;
	}
	/* glibc applies these to every thread of the process. */
	if (setresgid(id->gid, id->gid, id->gid) != 0 ||
	    setresuid(id->uid, id->uid, id->uid) != 0) {
		int ret = -errno;
		gw_err("privileges: cannot become %s:%s (uid %lu, gid %lu): %s", id->user,
		       id->group, (unsigned long)id->uid, (unsigned long)id->gid, strerror(errno));
		return ret;
	}
	/* A drop that did not stick must stop the start. */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (setuid(0) == 0 || setgid(0) == 0 || getresuid(&ru, &eu, &su) != 0 ||
	    getresgid(&rg, &eg, &sg) != 0 || ru != id->uid || eu != id->uid || su != id->uid ||
	    rg != id->gid || eg != id->gid || sg != id->gid) {
		gw_err("privileges: root could be regained after becoming %s; not started",
		       id->user);
		return GW_EPERM;
	}
	return GW_OK;
}

int gw_privileges_drop(const gw_identity_t *id, const char *state_dir)
{
	int ret = GW_OK;
	if (id->mode == GW_RUN_ROOT)
		return GW_OK;
	size_t threads = thread_count();
	if (threads != 1) {
		gw_err("privileges: %zu threads at the drop, expected one; not started", threads);
		return GW_ERROR;
	}
	if (id->mode == GW_RUN_SWITCH)
		ret = gw_state_chown(state_dir, id->uid, id->gid);
	if (ret == GW_OK)
		ret = drop_bounding();
	if (ret == GW_OK && id->mode == GW_RUN_SWITCH)
		ret = switch_user(id);
	if (ret == GW_OK)
		ret = clear_capabilities();
	if (ret == GW_OK)
		ret = no_new_privs();
	if (ret != GW_OK)
		return ret;
	gw_notice("privileges: running as %s:%s (uid %lu, gid %lu) without capabilities", id->user,
	          id->group, (unsigned long)id->uid, (unsigned long)id->gid);
	return GW_OK;
}
