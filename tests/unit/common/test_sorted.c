/* common/sorted.h: lower and upper bounds and exact finds, held against a
 * linear scan on arrays with repeats, gaps and the empty array. */
#include <stdint.h>

#include "common/sorted.h"
#include "cunit.h"

static int int_cmp(const void *elem, const void *key)
{
	int a = *(const int *)elem;
	int b = *(const int *)key;

	return (a > b) - (a < b);
}

static size_t scan_lower(const int *v, size_t n, int key)
{
	size_t i = 0;
	while (i < n && v[i] < key)
		i++;
	return i;
}

static size_t scan_upper(const int *v, size_t n, int key)
{
	size_t i = 0;
	while (i < n && v[i] <= key)
		i++;
	return i;
}

static void test_bounds(void)
{
	static const int v[] = {1, 3, 3, 3, 7, 8, 8, 20};
	for (size_t n = 0; n <= sizeof(v) / sizeof(v[0]); n++) {
		for (int key = -1; key <= 22; key++) {
			CU_ASSERT_EQUAL(gw_lower_bound(v, n, sizeof(int), &key, int_cmp),
			                scan_lower(v, n, key));
			CU_ASSERT_EQUAL(gw_upper_bound(v, n, sizeof(int), &key, int_cmp),
			                scan_upper(v, n, key));
			const int *hit = gw_sorted_find(v, n, sizeof(int), &key, int_cmp);
			size_t lo = scan_lower(v, n, key);
			/* One of the equal ones, or none. */
			if (lo < n && v[lo] == key) {
				CU_ASSERT_FATAL(hit != NULL);
				CU_ASSERT_EQUAL(*hit, key);
				CU_ASSERT(hit >= v && hit < v + n);
			} else {
				CU_ASSERT_PTR_NULL(hit);
			}
		}
	}
}

/* Elements larger than a pointer, found by a member. */
typedef struct wide {
	uint16_t type;
	char pad[13];
} wide_t;

static int wide_cmp(const void *elem, const void *key)
{
	uint16_t a = ((const wide_t *)elem)->type;
	uint16_t b = *(const uint16_t *)key;

	return (a > b) - (a < b);
}

static void test_wide_elements(void)
{
	wide_t v[5] = {{.type = 1}, {.type = 2}, {.type = 6}, {.type = 46}, {.type = 65535}};
	uint16_t key = 46;
	CU_ASSERT_PTR_EQUAL(gw_sorted_find(v, 5, sizeof(*v), &key, wide_cmp), &v[3]);
	key = 65535;
	CU_ASSERT_PTR_EQUAL(gw_sorted_find(v, 5, sizeof(*v), &key, wide_cmp), &v[4]);
	key = 5;
	CU_ASSERT_PTR_NULL(gw_sorted_find(v, 5, sizeof(*v), &key, wide_cmp));
	CU_ASSERT_EQUAL(gw_lower_bound(v, 5, sizeof(*v), &key, wide_cmp), 2);
	CU_ASSERT_PTR_NULL(gw_sorted_find(NULL, 0, sizeof(*v), &key, wide_cmp));
}

/* Octet strings: memcmp order, a prefix before what extends it, octets
 * compared unsigned. */
static void test_octets(void)
{
	const uint8_t ab[] = {'a', 'b'};
	const uint8_t abc[] = {'a', 'b', 'c'};
	const uint8_t ac[] = {'a', 'c'};
	const uint8_t high[] = {0xff};
	const uint8_t low[] = {0x01};
	CU_ASSERT_EQUAL(gw_octets_cmp(ab, 2, ab, 2), 0);
	CU_ASSERT_EQUAL(gw_octets_cmp(ab, 0, ac, 0), 0);
	CU_ASSERT_EQUAL(gw_octets_cmp(ab, 2, abc, 3), -1);
	CU_ASSERT_EQUAL(gw_octets_cmp(abc, 3, ab, 2), 1);
	CU_ASSERT(gw_octets_cmp(abc, 3, ac, 2) < 0);
	CU_ASSERT(gw_octets_cmp(ac, 2, abc, 3) > 0);
	CU_ASSERT(gw_octets_cmp(high, 1, low, 1) > 0);
}

int gw_test_register(void)
{
	return gw_test_suite("sorted", (gw_test_t[]){
	                                   {"bounds", test_bounds},
	                                   {"wide_elements", test_wide_elements},
	                                   {"octets", test_octets},
	                                   {NULL, NULL},
	                               });
}
