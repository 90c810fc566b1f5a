/* dnssec/ signatures kept across a restart: a reloaded signed zone keeps
 * the RRSIGs that are still good. */
#include "sign_fixture.h"

/* sig_adopt_rrset() for every RRset of served (its signatures attached,
 * as the journal's walk hands them out); the number that took some, and
 * in *behind_out (NULL: not asked) the number served without the signatures
 * of a key that signs now. */
static size_t adopt_all(const sig_signer_t *signer, zone_t *zone, const zone_t *served, time_t now,
                        size_t *behind_out)
{
	size_t n = 0, b = 0;
	for (const zone_node_t *node = zone_first(served); node != NULL;
	     node = zone_next(served, node)) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			bool adopted = false, behind = false;
			CU_ASSERT_FATAL(sig_adopt_rrset(signer, zone, node->owner, &node->rrsets[i],
			                                now, &adopted, &behind) == GW_OK);
			n += adopted;
			b += behind;
		}
	}
	if (behind_out != NULL)
		*behind_out = b;
	return n;
}

/* The RRsets of zone, every name's. */
static size_t rrset_total(const zone_t *zone)
{
	size_t n = 0;
	for (const zone_node_t *node = zone_first(zone); node != NULL; node = zone_next(zone, node))
		n += node->rrset_count;
	return n;
}

/* (5) After a restart the unchanged RRsets keep the signatures served
 * before; changed ones (data, TTL), the new SOA, and everything signed by
 * a key no longer in use are signed again. */
static void test_adopt_signatures(void)
{
	zone_t *before = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(before, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t cs;
	size_t adopted = 0;
	size_t count = 0;

	add_dnskeys(before, keys, 1);
	sign_all(&signer, before, now, 1);
	const zone_t *served = before;

	/* The zone built at the next start: one RRset changed, one TTL
	 * changed, a new serial. */
	zone_t *zone = tzone(APEX, small_zone);
	signer.apex = zone_apex(zone);
	add_dnskeys(zone, keys, 1);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::25");
	tcs_add(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::26");
	tcs_add(&cs, "a.wild." APEX " 60 IN A 192.0.2.7");
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(zone_set_serial(zone, 2) == GW_OK);
	uint32_t ttl = 0;
	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(zone, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);

	size_t behind = 99;
	adopted = adopt_all(&signer, zone, served, now, &behind);
	CU_ASSERT_EQUAL(behind, 0); /* signed by the key that signs now */
	size_t rrsets = rrset_total(zone);
	/* All but the SOA (new serial) and the changed AAAA and A took
	 * signatures, with the exact bytes served before. */
	CU_ASSERT_EQUAL(adopted, rrsets - 3);
	CU_ASSERT(rrset_of(zone, "mail." APEX, LDNS_RR_TYPE_AAAA)->sig_count == 0);
	CU_ASSERT(rrset_of(zone, "a.wild." APEX, LDNS_RR_TYPE_A)->sig_count == 0);
	CU_ASSERT(rrset_of(zone, APEX, LDNS_RR_TYPE_SOA)->sig_count == 0);
	const zone_rrset_t *mx_then = rrset_of(before, APEX, LDNS_RR_TYPE_MX);
	const zone_rrset_t *mx_now = rrset_of(zone, APEX, LDNS_RR_TYPE_MX);
	CU_ASSERT(mx_now->sigs_len == mx_then->sigs_len &&
	          memcmp(mx_now->sigs, mx_then->sigs, mx_then->sigs_len) == 0);
	CU_ASSERT(sig_sign_zone(&signer, zone, now, false, 1, &count) == GW_OK);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT(verifies(zone, keys, 1, now));

	/* Signatures that expire within the refresh window are not taken:
	 * a day before the old ones expire, nothing is. */
	zone_t *late = tzone(APEX, small_zone);
	add_dnskeys(late, keys, 1);
	CU_ASSERT_EQUAL(adopt_all(&signer, late, served, now + signer.validity - 86400, &behind),
	                0);
	CU_ASSERT_EQUAL(behind, 0); /* due for a refresh: not behind the keys */
	zone_free(late);

	/* A new key: nothing of the old one's is taken; all is signed anew.
	 * Every RRset served as it is now was signed in good time, but not
	 * by the key that signs now: behind (all but the DNSKEY RRset, which
	 * changed with the key). */
	zone_t *fresh = tzone(APEX, small_zone);
	sig_key_t *next[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer2 = make_signer(fresh, next, 1);
	add_dnskeys(fresh, next, 1);
	CU_ASSERT_FATAL(sig_nsec_ttl(fresh, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(fresh, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(fresh, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_EQUAL(adopt_all(&signer2, fresh, served, now, &behind), 0);
	rrsets = rrset_total(fresh);
	CU_ASSERT_EQUAL(behind, rrsets - 1);
	CU_ASSERT(sig_sign_zone(&signer2, fresh, now, false, 1, &count) == GW_OK);
	CU_ASSERT_EQUAL(count, rrsets);
	CU_ASSERT(verifies(fresh, next, 1, now));

	sig_key_free(next[0]);
	sig_key_free(keys[0]);
	zone_free(fresh);
	zone_free(zone);
	zone_free(before);
}

/* (5b) An RRset over 64 KiB in canonical form does not keep its
 * signatures: gateways before the fix in canonical_rrset() signed it
 * wrong, and their journals hold those. The rest keep theirs. */
static void test_adopt_big_rrset(void)
{
	csk_zone_t before;
	csk_zone_sign(&before, small_zone_big_ptrs(), 1);
	sig_signer_t signer = before.signer;

	zone_t *zone = tzone(APEX, small_zone_big_ptrs());
	signer.apex = zone_apex(zone);
	add_dnskeys(zone, before.keys, 1);
	size_t behind = 99;
	size_t adopted = adopt_all(&signer, zone, before.zone, before.now, &behind);
	CU_ASSERT_EQUAL(behind, 0);
	/* The chain is not built here: only the zone's own RRsets. */
	CU_ASSERT_EQUAL(adopted, rrset_total(zone) - 1);
	CU_ASSERT_EQUAL(rrset_of(zone, BIG_OWNER, LDNS_RR_TYPE_PTR)->sig_count, 0);
	CU_ASSERT(rrset_of(zone, APEX, LDNS_RR_TYPE_MX)->sig_count > 0);
	zone_free(zone);
	csk_zone_free(&before);
}

static void test_adopt_signatures_nsec3(void)
{
	with_nsec3 = true;
	test_adopt_signatures();
	with_nsec3 = false;
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"signatures kept across a restart", test_adopt_signatures},
	    {"signatures kept across a restart, NSEC3", test_adopt_signatures_nsec3},
	    {"an RRset over 64 KiB signed again", test_adopt_big_rrset},
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec_sign adopt", tests);
}
