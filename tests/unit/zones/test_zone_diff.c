/* zone_diff: the changeset that turns one zone into another. */
#include "zone_util.h"

static const char *const g_from[] = {
    "d.test. 3600 IN SOA ns.d.test. h.d.test. 1 3600 600 86400 30",
    "d.test. 3600 IN NS ns.d.test.",
    "keep.d.test. 60 IN A 192.0.2.1",
    "gone.d.test. 60 IN A 192.0.2.2",
    "multi.d.test. 60 IN TXT \"a\"",
    "multi.d.test. 60 IN TXT \"b\"",
    "ttl.d.test. 60 IN AAAA 2001:db8::1",
    "skip.d.test. 60 IN NSEC keep.d.test. A RRSIG NSEC",
    NULL,
};

static const char *const g_to[] = {
    "d.test. 3600 IN SOA ns.d.test. h.d.test. 1 3600 600 86400 30",
    "d.test. 3600 IN NS ns.d.test.",
    "keep.d.test. 60 IN A 192.0.2.1",
    "new.d.test. 60 IN A 192.0.2.3",
    "multi.d.test. 60 IN TXT \"b\"",
    "multi.d.test. 60 IN TXT \"c\"",
    "ttl.d.test. 300 IN AAAA 2001:db8::1",
    NULL,
};

static void test_diff_turns_from_into_to(void)
{
	zone_t *from = tzone("d.test.", g_from);
	zone_t *to = tzone("d.test.", g_to);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(from, to, NULL, NULL, &cs) == GW_OK);
	/* gone A, multi "a", the stale NSEC: 3 removals; new A, multi "c",
	 * the re-TTLed AAAA: 3 additions. Unchanged RRs are not touched. */
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(cs.remove), 3);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(cs.add), 3);
	CU_ASSERT_FATAL(zone_apply(from, &cs, NULL, NULL) == GW_OK);
	char *a = tdump(from), *b = tdump(to);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	zone_changeset_deinit(&cs);

	/* Equal zones: an empty diff. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(from, to, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_TRUE(zone_changeset_empty(&cs));
	zone_changeset_deinit(&cs);
	zone_free(from);
	zone_free(to);
}

static bool skip_nsec(uint16_t type, void *arg)
{
	(void)arg;
	return type == LDNS_RR_TYPE_NSEC;
}

static void test_diff_skips_types(void)
{
	zone_t *from = tzone("d.test.", g_from);
	zone_t *to = tzone("d.test.", g_to);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(from, to, skip_nsec, NULL, &cs) == GW_OK);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(cs.remove), 2);
	for (size_t i = 0; i < ldns_rr_list_rr_count(cs.remove); i++)
		CU_ASSERT_NOT_EQUAL(ldns_rr_get_type(ldns_rr_list_rr(cs.remove, i)),
		                    LDNS_RR_TYPE_NSEC);
	zone_changeset_deinit(&cs);
	zone_free(from);
	zone_free(to);
}

int gw_test_register(void)
{
	return gw_test_suite("zone_diff",
	                     (gw_test_t[]){
	                         {"diff applied turns from into to", test_diff_turns_from_into_to},
	                         {"skipped types are left alone", test_diff_skips_types},
	                         {NULL, NULL},
	                     });
}
