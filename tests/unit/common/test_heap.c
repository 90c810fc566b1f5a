/* common/heap.h: bulk reads nest, glibc keeps a freed heap top only while
 * one is open, and gives it back at once between release begin and end. */
#include <stdlib.h>

#include "common/heap.h"
#include "cunit.h"

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#include <malloc.h>
#define GLIBC_HEAP 1

#define BLOCKS     2048
#define BLOCK_SIZE 2048 /* above tcache's and fastbins' sizes, below mmap's */

/* Allocate 4 MB in small blocks from the main arena's top, free them
 * from the last on, so that each merges into the top: the top's free
 * size glibc keeps afterwards. */
static size_t kept_after_churn(void)
{
	static void *blocks[BLOCKS];
	for (int i = 0; i < BLOCKS; i++) {
		blocks[i] = malloc(BLOCK_SIZE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(blocks[i]);
	}
	for (int i = BLOCKS - 1; i >= 0; i--)
		free(blocks[i]);
	return mallinfo2().keepcost;
}
#endif

static void test_nesting(void)
{
	unsigned base = gw_heap_bulk_depth();
	CU_ASSERT_EQUAL(base, 0);
	gw_heap_bulk_begin();
	gw_heap_bulk_begin();
	gw_heap_bulk_end();
#ifdef __GLIBC__
	CU_ASSERT_EQUAL(gw_heap_bulk_depth(), 1);
#endif
	gw_heap_bulk_end();
	CU_ASSERT_EQUAL(gw_heap_bulk_depth(), 0);
	/* An end too many does not wrap. */
	gw_heap_bulk_end();
	CU_ASSERT_EQUAL(gw_heap_bulk_depth(), 0);
}

#ifdef GLIBC_HEAP
static void test_trim(void)
{
	gw_heap_bulk_begin();
	size_t bulk = kept_after_churn();
	gw_heap_bulk_end();
	size_t after = kept_after_churn();
	/* 4 MB freed at the top: kept under the 8 MB threshold, given back
	 * past glibc's 128 KB once the bulk read ends. */
	CU_ASSERT(bulk >= (size_t)BLOCKS * BLOCK_SIZE * 3 / 4);
	CU_ASSERT(after < 1024 * 1024);
}

static void test_release(void)
{
	gw_heap_bulk_begin();
	gw_heap_release_begin();
	size_t released = kept_after_churn();
	gw_heap_release_end();
	/* Back to the bulk's threshold, not glibc's default. */
	size_t bulk = kept_after_churn();
	gw_heap_bulk_end();
	CU_ASSERT(released < 1024 * 1024);
	CU_ASSERT(bulk >= (size_t)BLOCKS * BLOCK_SIZE * 3 / 4);
	CU_ASSERT_EQUAL(gw_heap_bulk_depth(), 0);
}
#endif

int gw_test_register(void)
{
	return gw_test_suite("heap", (gw_test_t[]){
	                                 {"nesting", test_nesting},
#ifdef GLIBC_HEAP
	                                 {"trim", test_trim},
	                                 {"release", test_release},
#endif
	                                 {NULL, NULL},
	                             });
}
