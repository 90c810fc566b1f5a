/* zones/serial.c: RFC 1982 serial number arithmetic. */
#include "cunit.h"
#include "zones/zone.h"

static void test_cmp(void)
{
	CU_ASSERT_EQUAL(zone_serial_cmp(0, 0), 0);
	CU_ASSERT_EQUAL(zone_serial_cmp(4294967295u, 4294967295u), 0);
	CU_ASSERT_EQUAL(zone_serial_cmp(1, 2), -1);
	CU_ASSERT_EQUAL(zone_serial_cmp(2, 1), 1);
	CU_ASSERT_EQUAL(zone_serial_cmp(0, 0x7FFFFFFFu), -1);
	CU_ASSERT_EQUAL(zone_serial_cmp(0x7FFFFFFFu, 0), 1);
	/* Wraparound: 0 and small values follow the top of the space. */
	CU_ASSERT_EQUAL(zone_serial_cmp(4294967295u, 0), -1);
	CU_ASSERT_EQUAL(zone_serial_cmp(0, 4294967295u), 1);
	CU_ASSERT_EQUAL(zone_serial_cmp(4000000000u, 100), -1);
	CU_ASSERT_EQUAL(zone_serial_cmp(100, 4000000000u), 1);
	/* Distance just below 2^31 is defined, in both directions. */
	CU_ASSERT_EQUAL(zone_serial_cmp(10, 10 + 0x7FFFFFFFu), -1);
	CU_ASSERT_EQUAL(zone_serial_cmp(10 + 0x7FFFFFFFu, 10), 1);
	CU_ASSERT_EQUAL(zone_serial_cmp(10, 12 + 0x7FFFFFFFu), 1);
	/* Distance exactly 2^31 is undefined, both ways round. */
	CU_ASSERT_EQUAL(zone_serial_cmp(0, 0x80000000u), 2);
	CU_ASSERT_EQUAL(zone_serial_cmp(0x80000000u, 0), 2);
	CU_ASSERT_EQUAL(zone_serial_cmp(4294967295u, 0x7FFFFFFFu), 2);
	CU_ASSERT_EQUAL(zone_serial_cmp(12345, 12345 + 0x80000000u), 2);
}

static void test_next(void)
{
	/* No proposal, or one that is not ahead: one step. */
	CU_ASSERT_EQUAL(zone_serial_next(1, 0), 2);
	CU_ASSERT_EQUAL(zone_serial_next(100, 50), 101);
	CU_ASSERT_EQUAL(zone_serial_next(100, 100), 101);
	CU_ASSERT_EQUAL(zone_serial_next(100, 101), 101);
	/* A clock-based proposal ahead of the current serial wins. */
	CU_ASSERT_EQUAL(zone_serial_next(100, 1700000000u), 1700000000u);
	CU_ASSERT_EQUAL(zone_serial_next(2024010100u, 2024010105u), 2024010105u);
	/* Wraparound. */
	CU_ASSERT_EQUAL(zone_serial_next(4294967295u, 0), 0);
	CU_ASSERT_EQUAL(zone_serial_next(4294967295u, 5), 5);
	CU_ASSERT_EQUAL(zone_serial_next(4294967290u, 4294967000u), 4294967291u);
	/* 0 is no proposal, even where it would compare greater. */
	CU_ASSERT_EQUAL(zone_serial_next(0x80000001u, 0), 0x80000002u);
	/* Undefined distance is not "greater". */
	CU_ASSERT_EQUAL(zone_serial_next(5, 5 + 0x80000000u), 6);
	/* Whatever the inputs, the result compares greater than current. */
	static const uint32_t values[] = {0,           1,           2,           0x7FFFFFFEu,
	                                  0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFEu,
	                                  0xFFFFFFFFu, 1700000000u};
	size_t n = sizeof(values) / sizeof(values[0]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++)
			CU_ASSERT_EQUAL(
			    zone_serial_cmp(zone_serial_next(values[i], values[j]), values[i]), 1);
	}
}

int gw_test_register(void)
{
	return gw_test_suite("serial", (gw_test_t[]){
	                                   {"cmp", test_cmp},
	                                   {"next", test_next},
	                                   {NULL, NULL},
	                               });
}
