/* dnssec/ signatures kept across a restart: a reloaded signed zone keeps
 * the RRSIGs that are still good. */
#include "sign_fixture.h"

/* The zone as a file would give it back: RRSIGs as RRSIG RRsets. */
static zone_t *reloaded(const zone_t *zone)
{
	char path[] = "/tmp/gw-test-adopt-XXXXXX";
	int fd = mkstemp(path);
	zone_t *copy = NULL;
	char err[256];

	CU_ASSERT_FATAL(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT_FATAL(zone_dump(zone, fp) == GW_OK);
	fclose(fp);
	int ret = zone_load_file(&copy, zone_apex(zone), path, err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "\n  reload: %s\n", err);
	CU_ASSERT_FATAL(ret == GW_OK);
	unlink(path);
	return copy;
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
	zone_t *served = reloaded(before);

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

	CU_ASSERT(sig_adopt_signatures(&signer, zone, served, &adopted) == GW_OK);
	size_t rrsets = 0;
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n))
		rrsets += n->rrset_count;
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

	/* Another zone's journal is refused. */
	zone_t *other = tzone("other.example.", NULL);
	CU_ASSERT(sig_adopt_signatures(&signer, zone, other, &adopted) == GW_EINVAL);
	zone_free(other);

	/* A new key: what was taken over is signed again, all of it. */
	zone_t *fresh = tzone(APEX, small_zone);
	sig_key_t *next[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer2 = make_signer(fresh, next, 1);
	add_dnskeys(fresh, next, 1);
	CU_ASSERT_FATAL(sig_nsec_ttl(fresh, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(fresh, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(fresh, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(sig_adopt_signatures(&signer2, fresh, served, &adopted) == GW_OK);
	CU_ASSERT(adopted > 0);
	rrsets = 0;
	for (const zone_node_t *n = zone_first(fresh); n != NULL; n = zone_next(fresh, n))
		rrsets += n->rrset_count;
	CU_ASSERT(sig_sign_zone(&signer2, fresh, now, false, 1, &count) == GW_OK);
	CU_ASSERT_EQUAL(count, rrsets);
	CU_ASSERT(verifies(fresh, next, 1, now));

	sig_key_free(next[0]);
	sig_key_free(keys[0]);
	zone_free(fresh);
	zone_free(served);
	zone_free(zone);
	zone_free(before);
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
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec_sign adopt", tests);
}
