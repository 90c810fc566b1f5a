/* Who the daemon runs as: user: and group: against the user and group
 * databases and the ids it was started with. */
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/account.h"
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

/* How user: or group: is told that an unprivileged daemon cannot take
 * the name it gives. */
typedef struct own_id {
	const char *key;     /* "user" */
	const char *missing; /* the fix when the name does not exist */
	const char *cannot;  /* what the daemon cannot do */
	const char *id;      /* "uid" */
	const char *start;   /* the fix when it names another: how to start the daemon */
} own_id_t;

static const own_id_t g_own_user = {"user",
                                    "name the user the daemon is started as, or leave user: out",
                                    "become another user", "uid", "as"};
static const own_id_t g_own_group = {"group", "name the daemon's own group, or leave group: out",
                                     "change its group", "gid", "with group"};

/* name (of the kind k; exists: in its database, with the id named) must
 * be the daemon's own id, own. GW_OK, GW_ENOTFOUND or GW_EPERM with the
 * reason in err. */
static int check_own(const own_id_t *k, const char *name, bool exists, unsigned long named,
                     unsigned long own, char *err, size_t errlen)
{
	if (!exists) {
		snprintf(err, errlen, "%s: %s does not exist; %s", k->key, name, k->missing);
		return GW_ENOTFOUND;
	}
	if (named != own) {
		snprintf(err, errlen,
		         "%s: %s: the daemon was not started as root and cannot %s (it runs as %s "
		         "%lu); start it as root or %s %s",
		         k->key, name, k->cannot, k->id, own, k->start, name);
		return GW_EPERM;
	}
	return GW_OK;
}

/* Not started as root: nobody can be become, so user: and group: may only
 * name who the daemon already is. */
static int resolve_unprivileged(gw_identity_t *out, const char *user, const char *group, char *err,
                                size_t errlen)
{
	int ret = GW_OK;
	if (user != NULL) {
		const struct passwd *pw = getpwnam(user);
		ret = check_own(&g_own_user, user, pw != NULL, pw != NULL ? pw->pw_uid : 0,
		                out->uid, err, errlen);
	}
	if (ret == GW_OK && group != NULL) {
		const struct group *gr = getgrnam(group);
		ret = check_own(&g_own_group, group, gr != NULL, gr != NULL ? gr->gr_gid : 0,
		                out->gid, err, errlen);
	}
	if (ret != GW_OK)
		return ret;
	gw_user_name(out->user, sizeof(out->user), out->uid);
	gw_group_name(out->group, sizeof(out->group), out->gid);
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
		gw_group_name(out->group, sizeof(out->group), out->gid);
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
