#include "common/error.h"

#include <string.h>

const char *gw_strerror(int code)
{
	switch (code) {
	case GW_OK:
		return "success";
	case GW_ERROR:
		return "failure";
	case GW_ENOMEM:
		return "out of memory";
	case GW_EINVAL:
		return "invalid argument";
	case GW_EPARSE:
		return "parse error";
	case GW_EMALFORMED:
		return "malformed data";
	case GW_ELIMIT:
		return "limit exceeded";
	case GW_ENOTFOUND:
		return "not found";
	case GW_EEXIST:
		return "already exists";
	case GW_EOUTOFZONE:
		return "name is outside the zone";
	case GW_ESPACE:
		return "not enough space";
	case GW_ECONFIG:
		return "invalid configuration";
	case GW_ESEMANTIC:
		return "zone semantic error";
	case GW_EIO:
		return "input/output error";
	case GW_ECRYPTO:
		return "cryptographic library error";
	case GW_EKEY:
		return "key error";
	case GW_EPERM:
		return "unsafe permissions or access denied";
	case GW_EBUSY:
		return "resource busy";
	default:
		break;
	}
	if (code < 0 && code > -1000)
		return strerror(-code);
	return "unknown error";
}
