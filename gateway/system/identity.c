/* Who the daemon runs as: user: and group: against the user and group
 * databases and the ids it was started with. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/system/privileges.h"

static int set_name(char *dst, const char *src, const char *what, char *err, size_t errlen)
{
	if (strlen(src) >= GW_NAME_MAX) {
		snprintf(err, errlen, "%s: '%.64s...' is too long for a %s name (at most %d bytes)",
		         what, src, what, GW_NAME_MAX - 1);
		return GW_EINVAL;
	}
	strcpy(dst, src);
	return GW_OK;
}

/* The name of gid for the log, or the number when it has none. */
static void group_name(char *dst, gid_t gid)
{
	const struct group *gr = getgrgid(gid);
	if (gr != NULL && strlen(gr->gr_name) < GW_NAME_MAX)
		strcpy(dst, gr->gr_name);
	else
		snprintf(dst, GW_NAME_MAX, "%lu", (unsigned long)gid);
}

/* Not started as root: nobody can be become, so user: and group: may only
 * name who the daemon already is. */
static int resolve_unprivileged(gw_identity_t *out, const char *user, const char *group, char *err,
                                size_t errlen)
{
	if (user != NULL) {
		const struct passwd *pw = getpwnam(user);
		if (pw == NULL) {
			snprintf(err, errlen,
			         "user: %s does not exist; name the user the daemon is started as, "
			         "or leave user: out",
			         user);
			return GW_ENOTFOUND;
		}
		if (pw->pw_uid != out->uid) {
			snprintf(err, errlen,
			         "user: %s: the daemon was not started as root and cannot become "
			         "another user (it runs as uid %lu); start it as root or as %s",
			         user, (unsigned long)out->uid, user);
			return GW_EPERM;
		}
	}
	if (group != NULL) {
		const struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, errlen,
			         "group: %s does not exist; name the daemon's own group, or leave "
			         "group: out",
			         group);
			return GW_ENOTFOUND;
		}
		if (gr->gr_gid != out->gid) {
			snprintf(
			    err, errlen,
			    "group: %s: the daemon was not started as root and cannot change "
			    "its group (it runs as gid %lu); start it as root or with group %s",
			    group, (unsigned long)out->gid, group);
			return GW_EPERM;
		}
	}
	const struct passwd *self = getpwuid(out->uid);
	if (self != NULL && strlen(self->pw_name) < GW_NAME_MAX)
		strcpy(out->user, self->pw_name);
	else
		snprintf(out->user, sizeof(out->user), "%lu", (unsigned long)out->uid);
	group_name(out->group, out->gid);
	if (user != NULL || group != NULL) {
		const char *what = user == NULL    ? "group"
		                   : group == NULL ? "user"
		                                   : "user and group";
		gw_notice("%s: ignored, the daemon was not started as root and runs as %s:%s", what,
		          out->user, out->group);
	}
	return GW_OK;
}

int gw_identity_resolve(gw_identity_t *out, const char *user, const char *group, uid_t euid,
                        gid_t egid, char *err, size_t errlen)
{
	*out = (gw_identity_t){.mode = GW_RUN_UNPRIVILEGED, .uid = euid, .gid = egid};
	if (euid != 0)
		return resolve_unprivileged(out, user, group, err, errlen);

	const char *name = user != NULL ? user : GW_DEFAULT_USER;
	int ret = set_name(out->user, name, "user", err, errlen);
	if (ret != GW_OK)
		return ret;
	const struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		snprintf(err, errlen,
		         "user%s %s does not exist: create it (adduser --system --group %s) or "
		         "name an existing user with user: in the configuration",
		         user != NULL ? ":" : "", name, name);
		return GW_ENOTFOUND;
	}
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (group != NULL) {
		ret = set_name(out->group, group, "group", err, errlen);
		if (ret != GW_OK)
			return ret;
		const struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(
			    err, errlen,
			    "group: %s does not exist: create it (addgroup --system %s) or leave "
			    "group: out to use the primary group of %s",
			    group, group, name);
			return GW_ENOTFOUND;
		}
		out->gid = gr->gr_gid;
	} else {
		group_name(out->group, out->gid);
	}
	if (out->uid == 0) {
		out->mode = GW_RUN_ROOT;
		gw_warn("user: %s: the daemon keeps every privilege of root after the start; a "
		        "system user of its own is safer (adduser --system --group %s)",
		        name, GW_DEFAULT_USER);
	} else {
		out->mode = GW_RUN_SWITCH;
	}
	return GW_OK;
}
