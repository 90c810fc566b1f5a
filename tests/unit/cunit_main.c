#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "cunit.h"

int gw_test_suite(const char *name, const gw_test_t *tests)
{
	CU_pSuite suite = CU_add_suite(name, NULL, NULL);
	if (suite == NULL)
		return CU_get_error();
	for (; tests->name != NULL; tests++) {
		if (CU_add_test(suite, tests->name, tests->fn) == NULL)
			return CU_get_error();
	}
	return 0;
}

int main(void)
{
	/* Error paths are exercised on purpose; keep their log lines out of
	 * the summary unless asked for. */
	if (getenv("GW_TEST_VERBOSE") == NULL)
		gw_log_set_stderr(false);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (gw_test_register() != 0) {
		fprintf(stderr, "cannot register tests: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned ran = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (ran == 0) {
		fprintf(stderr, "no test ran\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}
