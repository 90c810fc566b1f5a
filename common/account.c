/* The names of users and groups, for messages. */
#include "common/account.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

/* name into dst when it fits (true), else the number id. */
static bool name_or_number(char *dst, size_t len, const char *name, unsigned long id)
{
	if (name != NULL && strlen(name) < len) {
		memcpy(dst, name, strlen(name) + 1);
		return true;
	}
	if (len > 0)
		snprintf(dst, len, "%lu", id);
	return false;
}

bool gw_user_name(char *dst, size_t len, uid_t uid)
{
	const struct passwd *pw = getpwuid(uid);
	return name_or_number(dst, len, pw != NULL ? pw->pw_name : NULL, (unsigned long)uid);
}

bool gw_group_name(char *dst, size_t len, gid_t gid)
{
	const struct group *gr = getgrgid(gid);
	return name_or_number(dst, len, gr != NULL ? gr->gr_name : NULL, (unsigned long)gid);
}
