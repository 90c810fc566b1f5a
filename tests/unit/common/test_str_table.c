/* common/str_table.h and gw_strerror() built on it: the entry of a
 * table when the index is inside it and the slot is set, the fallback
 * otherwise (below, past the end, a hole); gw_error_is_local(); gw_plural_s(). */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "common/str_table.h"
#include "cunit.h"

static const char *const names[] = {
    [0] = "zero",
    [2] = "two",
};

static void test_lookup(void)
{
	CU_ASSERT_STRING_EQUAL(GW_STR_TABLE(names, 0, "none"), "zero");
	CU_ASSERT_STRING_EQUAL(GW_STR_TABLE(names, 2, "none"), "two");
	/* The hole at 1, a negative index and one past the end. */
	CU_ASSERT_STRING_EQUAL(GW_STR_TABLE(names, 1, "none"), "none");
	CU_ASSERT_STRING_EQUAL(GW_STR_TABLE(names, -1, "none"), "none");
	CU_ASSERT_STRING_EQUAL(GW_STR_TABLE(names, 3, "none"), "none");
	CU_ASSERT_STRING_EQUAL(gw_str_table(names, 2, 2, "none"), "none");
}

static void test_strerror(void)
{
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_OK), "success");
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_ERROR), "failure");
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_ENOMEM), "out of memory");
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_ESEMANTIC), "zone semantic error");
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_EBUSY), "resource busy");
	CU_ASSERT_STRING_EQUAL(gw_strerror(-ENOENT), strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_ENOTFILE), "not a regular file");
	CU_ASSERT_STRING_EQUAL(gw_strerror(GW_ENOTFILE - 1), "unknown error");
	CU_ASSERT_STRING_EQUAL(gw_strerror(1), "unknown error");
}

/* The ending of a count in a log or status line: only exactly one is
 * singular (zero, negative counts and large ones are not). */
static void test_plural(void)
{
	CU_ASSERT_STRING_EQUAL(gw_plural_s(1), "");
	CU_ASSERT_STRING_EQUAL(gw_plural_s(0), "s");
	CU_ASSERT_STRING_EQUAL(gw_plural_s(2), "s");
	CU_ASSERT_STRING_EQUAL(gw_plural_s(-1), "s");
	CU_ASSERT_STRING_EQUAL(gw_plural_s(1LL << 32 | 1), "s");
}

/* The host's failures (a system call, memory, crypto, keys, permissions,
 * busy) against the data's (a zone rule, a limit, malformed input). */
static void test_error_is_local(void)
{
	static const int local[] = {-ENOSPC, -EIO,       -1,      -999,     GW_ENOMEM,
	                            GW_EIO,  GW_ECRYPTO, GW_EKEY, GW_EPERM, GW_EBUSY};
	static const int data[] = {
	    GW_OK,      GW_ERROR,     GW_EINVAL,   GW_EPARSE,       GW_EMALFORMED,
	    GW_ELIMIT,  GW_ENOTFOUND, GW_EEXIST,   GW_EOUTOFZONE,   GW_ESPACE,
	    GW_ECONFIG, GW_ESEMANTIC, GW_ENOTFILE, GW_ENOTFILE - 1, 1};
	for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
		CU_ASSERT_TRUE(gw_error_is_local(local[i]));
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		CU_ASSERT_FALSE(gw_error_is_local(data[i]));
}

int gw_test_register(void)
{
	return gw_test_suite("str_table", (gw_test_t[]){
	                                      {"lookup", test_lookup},
	                                      {"strerror", test_strerror},
	                                      {"plural", test_plural},
	                                      {"local or data", test_error_is_local},
	                                      {NULL, NULL},
	                                  });
}
