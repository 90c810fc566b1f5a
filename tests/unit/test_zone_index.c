/* The hash index behind zone_find(): it must agree with the sorted array
 * through growth, removals (backward-shift deletion) and re-additions. */
#include "zone_util.h"

#define NAMES 3000

static void name_for(char *buf, size_t len, int i)
{
	snprintf(buf, len, "h%d.l%d.idx.test.", i, i % 7);
}

static void test_index_agrees(void)
{
	static const char *const apex[] = {
	    "idx.test. 60 IN SOA ns.idx.test. h.idx.test. 1 60 60 60 60", NULL};
	zone_t *zone = tzone("idx.test.", apex);
	zone_changeset_t cs;
	char text[128], rr[256];
	uint8_t name[ZONE_NAME_MAXLEN];

	/* Grow through several table sizes. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int i = 0; i < NAMES; i++) {
		name_for(text, sizeof(text), i);
		snprintf(rr, sizeof(rr), "%s 60 IN A 192.0.2.%d", text, i % 250);
		CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(rr)) == GW_OK);
	}
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);

	/* Remove every third name, in one changeset. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int i = 0; i < NAMES; i += 3) {
		name_for(text, sizeof(text), i);
		snprintf(rr, sizeof(rr), "%s 60 IN A 192.0.2.%d", text, i % 250);
		CU_ASSERT_FATAL(zone_changeset_remove(&cs, trr(rr)) == GW_OK);
	}
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);

	int wrong = 0;
	for (int i = 0; i < NAMES; i++) {
		name_for(text, sizeof(text), i);
		const zone_node_t *n = zone_find(zone, tname(name, text));
		zone_lookup_t lk;
		CU_ASSERT_FATAL(zone_lookup(zone, name, &lk) == GW_OK);
		/* zone_lookup searches the sorted array: the two must agree. */
		if (n != lk.node || (n == NULL) != (i % 3 == 0))
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(zone_node_count(zone), 1 + NAMES - (NAMES + 2) / 3);

	/* Case does not matter; names never added are absent. */
	CU_ASSERT_PTR_NOT_NULL(zone_find(zone, tname(name, "H1.L1.IDX.TEST.")));
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "nope.idx.test.")));
	zone_free(zone);
}

int gw_test_register(void)
{
	return gw_test_suite("zone_index",
	                     (gw_test_t[]){
	                         {"hash index agrees with the sorted array", test_index_agrees},
	                         {NULL, NULL},
	                     });
}
