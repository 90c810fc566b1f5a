/* common/array.h: growth by doubling from a minimum, contents kept,
 * nothing changed on failure, and the allocation function honoured. */
#include <stdint.h>
#include <stdlib.h>

#include "common/array.h"
#include "common/error.h"
#include "cunit.h"

static void test_growth(void)
{
	uint32_t *v = NULL;
	size_t cap = 0;

	CU_ASSERT_EQUAL(gw_array_reserve(&v, &cap, 0, sizeof(*v), 8), GW_OK);
	CU_ASSERT_EQUAL(cap, 0);
	CU_ASSERT_PTR_NULL(v);
	for (uint32_t i = 0; i < 1000; i++) {
		size_t before = cap;
		CU_ASSERT_EQUAL_FATAL(gw_array_reserve(&v, &cap, i + 1, sizeof(*v), 8), GW_OK);
		/* Grows only when full, to the minimum, then by doubling. */
		size_t want = i < before ? before : before == 0 ? 8 : 2 * before;
		CU_ASSERT_EQUAL(cap, want);
		v[i] = i * 7;
	}
	CU_ASSERT_EQUAL(cap, 1024);
	for (uint32_t i = 0; i < 1000; i++)
		CU_ASSERT_EQUAL(v[i], i * 7);
	/* A jump: doubled as often as needed. */
	CU_ASSERT_EQUAL(gw_array_reserve(&v, &cap, 5000, sizeof(*v), 8), GW_OK);
	CU_ASSERT_EQUAL(cap, 8192);
	CU_ASSERT_EQUAL(v[999], 999 * 7);
	free(v);
}

static int calls;
static void *failing_realloc(void *ptr, size_t size)
{
	calls++;
	(void)ptr;
	(void)size;
	return NULL;
}

static void test_failure(void)
{
	char *buf = malloc(16);
	CU_ASSERT_FATAL(buf != NULL);
	char *before = buf;
	size_t cap = 16;

	calls = 0;
	CU_ASSERT_EQUAL(gw_array_reserve_with(&buf, &cap, 17, 1, 4, failing_realloc), GW_ENOMEM);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_PTR_EQUAL(buf, before);
	CU_ASSERT_EQUAL(cap, 16);
	/* No call at all when there is room. */
	CU_ASSERT_EQUAL(gw_array_reserve_with(&buf, &cap, 16, 1, 4, failing_realloc), GW_OK);
	CU_ASSERT_EQUAL(calls, 1);
	/* Sizes that overflow fail without allocating. */
	CU_ASSERT_EQUAL(gw_array_reserve(&buf, &cap, SIZE_MAX / 2 + 2, 1, 4), GW_ENOMEM);
	CU_ASSERT_EQUAL(gw_array_reserve(&buf, &cap, SIZE_MAX / 8, 16, 4), GW_ENOMEM);
	CU_ASSERT_EQUAL(cap, 16);
	free(buf);
}

int gw_test_register(void)
{
	return gw_test_suite("array", (gw_test_t[]){
	                                  {"growth", test_growth},
	                                  {"failure", test_failure},
	                                  {NULL, NULL},
	                              });
}
