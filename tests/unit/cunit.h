/* Shared CUnit runner: each test_*.c defines gw_test_register(), which adds
 * its suites; cunit_main.c runs them all and fails on any failure. */
#pragma once

#include <CUnit/Basic.h>

/* Add this program's suites to the registry. Returns 0 or a CUnit error. */
int gw_test_register(void);

/* Add a suite with tests in one call; NULL-terminated list of
 * {name, function}. Returns 0 or a CUnit error. */
typedef struct {
	const char *name;
	CU_TestFunc fn;
} gw_test_t;
int gw_test_suite(const char *name, const gw_test_t *tests);
