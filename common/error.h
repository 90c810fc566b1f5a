/* Project-wide error codes. Every function that can fail returns int:
 * GW_OK (0) or one of the negative codes below, or a negated errno value
 * (-ENOMEM, -EACCES, ...) where the cause is a system call. */
#pragma once

#include <stdbool.h>

enum {
	GW_OK = 0,
	GW_ERROR = -1000,      /* unspecified failure (prefer a precise code) */
	GW_ENOMEM = -1001,     /* allocation failed */
	GW_EINVAL = -1002,     /* invalid argument or value */
	GW_EPARSE = -1003,     /* text or file could not be parsed */
	GW_EMALFORMED = -1004, /* wire data is malformed */
	GW_ELIMIT = -1005,     /* a configured or protocol limit was hit */
	GW_ENOTFOUND = -1006,  /* no such name, record, key or entry */
	GW_EEXIST = -1007,     /* already present */
	GW_EOUTOFZONE = -1008, /* name is not inside the zone */
	GW_ESPACE = -1009,     /* output buffer too small */
	GW_ECONFIG = -1010,    /* invalid configuration */
	GW_ESEMANTIC = -1011,  /* breaks a zone rule (CNAME and other data, no SOA, ...) */
	GW_EIO = -1012,        /* read, write or fsync failed */
	GW_ECRYPTO = -1013,    /* the crypto library failed */
	GW_EKEY = -1014,       /* key missing, unreadable or invalid */
	GW_EPERM = -1015,      /* file permissions are unsafe or access denied */
	GW_EBUSY = -1016,      /* resource busy or temporarily exhausted */
	GW_ENOTFILE = -1017,   /* not a regular file (a FIFO, a device, a directory) */
};

/* Human-readable text for a code from this file or a negated errno.
 * Never returns NULL; the string is static. */
const char *gw_strerror(int code);

/* Whether a failure is of this host rather than of the data handled: a
 * system call (a full disk, an I/O error), memory, the crypto library,
 * keys, permissions, a busy resource. Such a failure may pass; the same
 * data may go through later, so it must not be judged bad for it. */
bool gw_error_is_local(int code);
