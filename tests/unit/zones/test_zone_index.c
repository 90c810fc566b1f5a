/* The hash index behind zone_find() and the NSEC3 owner list
 * (zone_hashed_*): both must agree with the sorted array through growth,
 * removals and re-additions. */
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

/* The NSEC3 owner list is exactly the nodes one label below the apex
 * holding NSEC3, in canonical order, whatever else sorts between them. */
static void check_hashed(const zone_t *zone)
{
	size_t k = 0;
	int apex_labels = zone_name_labels(zone_apex(zone));

	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		if (zone_name_labels(n->owner) != apex_labels + 1 ||
		    zone_node_rrset(n, LDNS_RR_TYPE_NSEC3) == NULL)
			continue;
		CU_ASSERT_PTR_EQUAL(zone_hashed_at(zone, k), n);
		k++;
	}
	CU_ASSERT_EQUAL(zone_hashed_count(zone), k);
	CU_ASSERT_PTR_NULL(zone_hashed_at(zone, k));
}

static void nsec3_rr(char *rr, size_t len, int i)
{
	/* Labels from the base32hex alphabet, in an order unrelated to i. */
	unsigned v = (unsigned)i * 2654435761u;
	snprintf(rr, len,
	         "%08x%08x%08x%08x.idx.test. 60 IN NSEC3 1 0 0 - "
	         "0123456789abcdefghijklmnopqrstuv A RRSIG",
	         v % 0x9ffffff, v / 3 % 0x9ffffff, (unsigned)i, v % 977);
}

static void test_hashed_list(void)
{
	static const char *const apex[] = {
	    "idx.test. 60 IN SOA ns.idx.test. h.idx.test. 1 60 60 60 60", NULL};
	zone_t *zone = tzone("idx.test.", apex);
	zone_changeset_t cs;
	char rr[256];
	uint8_t name[ZONE_NAME_MAXLEN];

	/* NSEC3 owners among names of the same length and other subtrees. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int i = 0; i < 2000; i++) {
		nsec3_rr(rr, sizeof(rr), i);
		CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(rr)) == GW_OK);
		snprintf(rr, sizeof(rr), "%08d%024d.idx.test. 60 IN A 192.0.2.1", i, i);
		CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(rr)) == GW_OK);
		snprintf(rr, sizeof(rr),
		         "x.%08d.idx.test. 60 IN NSEC3 1 0 0 - "
		         "0123456789abcdefghijklmnopqrstuv A",
		         i);
		CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(rr)) == GW_OK);
	}
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	check_hashed(zone);
	CU_ASSERT_EQUAL(zone_hashed_count(zone), 2000);

	/* Remove some, add others back, and give a removed owner other data
	 * (it leaves the list but not the zone). */
	for (int round = 0; round < 3; round++) {
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		for (int i = round; i < 2000; i += 3 + round) {
			nsec3_rr(rr, sizeof(rr), i);
			CU_ASSERT_FATAL(zone_changeset_remove(&cs, trr(rr)) == GW_OK);
		}
		for (int i = 2000 + round * 100; i < 2100 + round * 100; i++) {
			nsec3_rr(rr, sizeof(rr), i);
			CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(rr)) == GW_OK);
		}
		CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
		zone_changeset_deinit(&cs);
		check_hashed(zone);
	}

	/* Lookup: an owner matches itself; any other name is covered by the
	 * owner before it, wrapping to the last. */
	size_t count = zone_hashed_count(zone);
	for (size_t i = 0; i < count; i++) {
		const zone_node_t *n = zone_hashed_at(zone, i);
		const zone_node_t *match;
		const zone_node_t *prev;
		zone_hashed_lookup(zone, n->owner, &match, &prev);
		CU_ASSERT_PTR_EQUAL(match, n);
		CU_ASSERT_PTR_EQUAL(prev, zone_hashed_at(zone, i > 0 ? i - 1 : count - 1));
		CU_ASSERT_PTR_EQUAL(zone_hashed_next_wrap(zone, n),
		                    zone_hashed_at(zone, i + 1 < count ? i + 1 : 0));
	}
	const zone_node_t *match;
	const zone_node_t *prev;
	zone_hashed_lookup(zone, tname(name, "0.idx.test."), &match, &prev);
	CU_ASSERT_PTR_NULL(match);
	CU_ASSERT_PTR_EQUAL(prev, zone_hashed_at(zone, count - 1));
	zone_hashed_lookup(zone, tname(name, "zzzz.idx.test."), &match, &prev);
	CU_ASSERT_PTR_NULL(match);
	CU_ASSERT_PTR_EQUAL(prev, zone_hashed_at(zone, count - 1));
	zone_free(zone);
}

int gw_test_register(void)
{
	return gw_test_suite("zone_index",
	                     (gw_test_t[]){
	                         {"hash index agrees with the sorted array", test_index_agrees},
	                         {"NSEC3 owner list", test_hashed_list},
	                         {NULL, NULL},
	                     });
}
