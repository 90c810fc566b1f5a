#include "common/error.h"

#include <string.h>

#include "common/str_table.h"

/* Indexed by GW_ERROR - code: the project's codes run down from GW_ERROR. */
static const char *const project_errors[] = {
    [GW_ERROR - GW_ERROR] = "failure",
    [GW_ERROR - GW_ENOMEM] = "out of memory",
    [GW_ERROR - GW_EINVAL] = "invalid argument",
    [GW_ERROR - GW_EPARSE] = "parse error",
    [GW_ERROR - GW_EMALFORMED] = "malformed data",
    [GW_ERROR - GW_ELIMIT] = "limit exceeded",
    [GW_ERROR - GW_ENOTFOUND] = "not found",
    [GW_ERROR - GW_EEXIST] = "already exists",
    [GW_ERROR - GW_EOUTOFZONE] = "name is outside the zone",
    [GW_ERROR - GW_ESPACE] = "not enough space",
    [GW_ERROR - GW_ECONFIG] = "invalid configuration",
    [GW_ERROR - GW_ESEMANTIC] = "zone semantic error",
    [GW_ERROR - GW_EIO] = "input/output error",
    [GW_ERROR - GW_ECRYPTO] = "cryptographic library error",
    [GW_ERROR - GW_EKEY] = "key error",
    [GW_ERROR - GW_EPERM] = "unsafe permissions or access denied",
    [GW_ERROR - GW_EBUSY] = "resource busy",
    [GW_ERROR - GW_ENOTFILE] = "not a regular file",
};

bool gw_error_is_local(int code)
{
	if (code < 0 && code > GW_ERROR)
		return true; /* -errno */
	switch (code) {
	case GW_ENOMEM:
	case GW_EIO:
	case GW_ECRYPTO:
	case GW_EKEY:
	case GW_EPERM:
	case GW_EBUSY:
		return true;
	default:
		return false;
	}
}

const char *gw_strerror(int code)
{
	if (code == GW_OK)
		return "success";
	if (code < 0 && code > -1000)
		return strerror(-code);
	return GW_STR_TABLE(project_errors, (long long)GW_ERROR - code, "unknown error");
}
