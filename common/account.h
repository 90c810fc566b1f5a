/* The names of users and groups, for messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The name of user uid into dst (len octets), or its number when the
 * user database has no such user or the name does not fit. Whether it
 * wrote the name. */
bool gw_user_name(char *dst, size_t len, uid_t uid);

/* As gw_user_name(), for group gid. */
bool gw_group_name(char *dst, size_t len, gid_t gid);
