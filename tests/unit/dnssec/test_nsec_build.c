/* dnssec/denial.c: sig_nsec_build(), the start's NSEC chain in wire form,
 * makes the same zone as sig_nsec_update() applied through a changeset,
 * and the zone signs and verifies after it. */
#include "sign_fixture.h"

/* Delegation with glue (below it no NSEC), empty non-terminals (the
 * _tcp and _udp labels, wild.), a wildcard, mixed case owners and
 * targets (next names are lowercased), a CNAME. */
static const char *const cut_zone[] = {
    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 300",
    APEX " 3600 IN NS ns1." APEX,
    "ns1." APEX " 3600 IN A 192.0.2.53",
    "Sub." APEX " 3600 IN NS ns.sub." APEX,
    "sub." APEX " 3600 IN DS 12345 13 2 "
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ns.sub." APEX " 3600 IN A 192.0.2.99",
    "deep.ns.sub." APEX " 3600 IN TXT \"occluded\"",
    "subway." APEX " 300 IN A 192.0.2.100",
    "Printer._ipp._tcp." APEX " 120 IN SRV 0 0 631 Host-1." APEX,
    "Printer._ipp._tcp." APEX " 120 IN TXT \"rp=ipp\"",
    "_ipp._tcp." APEX " 120 IN PTR Printer._ipp._tcp." APEX,
    "b._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
    "Host-1." APEX " 120 IN A 192.0.2.1",
    "Host-1." APEX " 120 IN AAAA 2001:db8::1",
    "www." APEX " 600 IN CNAME host-1." APEX,
    "*.wild." APEX " 300 IN TXT \"any\"",
    "a.b.c.wild." APEX " 300 IN A 192.0.2.7",
    NULL,
};

static uint32_t nsec_ttl(const zone_t *zone)
{
	uint32_t ttl = 0;

	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	return ttl;
}

/* The old way: a changeset of ldns RRs, applied. */
static void build_by_changeset(zone_t *zone)
{
	zone_changeset_t cs;

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_nsec_update(zone, nsec_ttl(zone), &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
}

/* Build the chain in a and b both ways; their dumps must be the same
 * text, and the chain must be what a full pass leaves alone. Returns the
 * number of NSEC RRs. */
static size_t assert_same_chain(zone_t *by_cs, zone_t *by_wire)
{
	build_by_changeset(by_cs);
	CU_ASSERT_FATAL(sig_nsec_build(by_wire, nsec_ttl(by_wire)) == GW_OK);
	char *a = tdump(by_cs);
	char *b = tdump(by_wire);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	CU_ASSERT_STRING_EQUAL(a, b);
	size_t nsecs = 0;
	for (const char *p = b; (p = strstr(p, "\tNSEC\t")) != NULL; p++)
		nsecs++;
	free(a);
	free(b);
	CU_ASSERT(chain_is_current(by_wire));
	return nsecs;
}

/* (1) The small zone: same zone both ways, NSECs only where the chain
 * goes, and it signs and verifies (ours, ldns-verify-zone, dnssec-verify). */
static void test_small_zone(void)
{
	zone_t *by_cs = tzone(APEX, cut_zone);
	zone_t *by_wire = tzone(APEX, cut_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};

	/* The DNSKEY goes in first, as at a start: the apex bitmap lists it. */
	add_dnskeys(by_cs, keys, 1);
	add_dnskeys(by_wire, keys, 1);
	/* apex, ns1, printer, _ipp._tcp, b._dns-sd._udp, host-1, sub (the
	 * cut), subway, www, *.wild, a.b.c.wild: not ns.sub nor below. */
	CU_ASSERT_EQUAL(assert_same_chain(by_cs, by_wire), 11);
	CU_ASSERT(trrset(by_wire, "ns.sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(trrset(by_wire, "deep.ns.sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	/* The cut's next skips the glue; Host-1 is named lowercased; the
	 * last name wraps to the apex. */
	uint8_t apex[ZONE_NAME_MAXLEN];
	const zone_rrset_t *nsec = trrset(by_wire, "sub." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT_FATAL(nsec != NULL);
	CU_ASSERT(memcmp(nsec->rdata + 2, "\006subway", 7) == 0);
	nsec = trrset(by_wire, "b._dns-sd._udp." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT_FATAL(nsec != NULL);
	CU_ASSERT(memcmp(nsec->rdata + 2, "\006host-1", 7) == 0);
	nsec = trrset(by_wire, "www." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT_FATAL(nsec != NULL);
	CU_ASSERT(memcmp(nsec->rdata + 2, tname(apex, APEX), 15) == 0);

	sig_signer_t signer = make_signer(by_wire, keys, 1);
	time_t now = time(NULL);
	size_t count = 0;
	CU_ASSERT(sig_sign_zone(&signer, by_wire, now, true, 2, &count) == GW_OK);
	CU_ASSERT(count > 10);
	CU_ASSERT(verifies(by_wire, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(by_wire) == 0);
	sig_key_free(keys[0]);
	zone_free(by_cs);
	zone_free(by_wire);
}

/* (2) An apex alone: its NSEC names itself. */
static void test_apex_only(void)
{
	static const char *const apex_only[] = {
	    APEX " 3600 IN SOA ns1.example. hostmaster.example. 1 3600 600 86400 300",
	    NULL,
	};
	zone_t *by_cs = tzone(APEX, apex_only);
	zone_t *by_wire = tzone(APEX, apex_only);
	uint8_t apex[ZONE_NAME_MAXLEN];

	CU_ASSERT_EQUAL(assert_same_chain(by_cs, by_wire), 1);
	const zone_rrset_t *nsec = trrset(by_wire, APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT_FATAL(nsec != NULL);
	CU_ASSERT(memcmp(nsec->rdata + 2, tname(apex, APEX), 15) == 0);
	zone_free(by_cs);
	zone_free(by_wire);
}

/* Delegations in generated_zone(): one every CUT_EVERY instances. */
#define CUT_EVERY 50

/* A DNS-SD like zone of twice instances names: instances (SRV, TXT), hosts
 * (A, AAAA or both, some with more types), browse PTRs, delegations with
 * glue, CNAMEs: more type sets than the bitmap cache has slots, in an
 * order that keeps replacing them. */
static zone_t *generated_zone(unsigned instances)
{
	static const char *const hosts[] = {
	    "%s 120 IN A 192.0.2.%u",
	    "%s 120 IN AAAA 2001:db8::%x",
	    "%s 120 IN TXT \"t%u\"",
	    "%s 120 IN HINFO \"cpu\" \"os%u\"",
	    "%s 120 IN MX %u mail." APEX,
	    "%s 120 IN LOC 52 22 23.000 N 4 53 32.000 E %u.00m 1m 10000m 10m",
	    "%s 120 IN RP mbox.%u." APEX " .",
	    "%s 120 IN SSHFP 1 1 0123456789abcdef0123456789abcdef012345%02x",
	    "%s 120 IN URI 10 1 \"https://host/%u\"",
	    "%s 120 IN CAA 0 issue \"ca%u.example\"",
	};
	const size_t kinds = sizeof(hosts) / sizeof(hosts[0]);
	static const char *const base[] = {
	    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 300",
	    APEX " 3600 IN NS ns1." APEX,
	    "ns1." APEX " 3600 IN A 192.0.2.53",
	    NULL,
	};
	zone_t *zone = tzone(APEX, base);
	zone_changeset_t cs;
	char owner[128];
	char text[512];

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (unsigned i = 0; i < instances; i++) {
		unsigned link = i % 7;
		snprintf(owner, sizeof(owner), "Svc-%u._http._tcp.L%u." APEX, i, link);
		snprintf(text, sizeof(text), "%s 120 IN SRV 0 0 80 h%u.l%u." APEX, owner, i, link);
		tcs_add(&cs, text);
		snprintf(text, sizeof(text), "%s 120 IN TXT \"path=/%u\"", owner, i);
		tcs_add(&cs, text);
		snprintf(text, sizeof(text), "_http._tcp.l%u." APEX " 120 IN PTR %s", link, owner);
		tcs_add(&cs, text);

		/* A host with a run of the types above: i picks both which
		 * and how many, so that the sets change from name to name. */
		snprintf(owner, sizeof(owner), "h%u.l%u." APEX, i, link);
		size_t first = i % kinds;
		size_t count = 1 + (i / kinds) % 3;
		for (size_t k = 0; k < count; k++) {
			snprintf(text, sizeof(text), hosts[(first + k * 3) % kinds], owner,
			         (i % 250) + 1);
			tcs_add(&cs, text);
		}
		if (i % CUT_EVERY == 0) {
			snprintf(text, sizeof(text), "cut%u." APEX " 3600 IN NS ns.cut%u." APEX, i,
			         i);
			tcs_add(&cs, text);
			snprintf(text, sizeof(text), "ns.cut%u." APEX " 3600 IN A 192.0.2.%u", i,
			         (i % 250) + 1);
			tcs_add(&cs, text);
		}
		if (i % 30 == 0) {
			snprintf(text, sizeof(text), "alias%u." APEX " 300 IN CNAME h%u.l%u." APEX,
			         i, i, link);
			tcs_add(&cs, text);
		}
	}
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	return zone;
}

/* (3) A generated zone of some thousand names: same zone both ways, and
 * signed after the fast path it verifies. */
static void test_generated_zone(void)
{
	const unsigned instances = 2000;
	zone_t *by_cs = generated_zone(instances);
	zone_t *by_wire = generated_zone(instances);
	size_t nodes = zone_node_count(by_wire);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};

	add_dnskeys(by_cs, keys, 1);
	add_dnskeys(by_wire, keys, 1);

	CU_ASSERT(nodes > 2 * instances);
	/* The walk sig_nsec_build() takes: zone_node_at() is zone_next(). */
	size_t i = 0;
	for (const zone_node_t *node = zone_first(by_wire); node != NULL;
	     node = zone_next(by_wire, node), i++)
		CU_ASSERT(zone_node_at(by_wire, i) == node);
	CU_ASSERT(i == nodes);
	CU_ASSERT(zone_node_at(by_wire, nodes) == NULL);
	size_t nsecs = assert_same_chain(by_cs, by_wire);
	/* Every node but the glue below the cuts. */
	CU_ASSERT_EQUAL(nsecs, nodes - (instances + CUT_EVERY - 1) / CUT_EVERY);

	sig_signer_t signer = make_signer(by_wire, keys, 1);
	time_t now = time(NULL);
	size_t count = 0;
	CU_ASSERT(sig_sign_zone(&signer, by_wire, now, true, 2, &count) == GW_OK);
	CU_ASSERT(count > nsecs);
	CU_ASSERT(verifies(by_wire, keys, 1, now));
	sig_key_free(keys[0]);
	zone_free(by_cs);
	zone_free(by_wire);
}

/* (4) A zone that holds NSECs already (a stale one on a name that lost
 * its data, one at a name now below a cut, a wrong next name) gets the
 * same zone as through the changeset. */
static void test_existing_nsecs(void)
{
	zone_t *by_cs = tzone(APEX, cut_zone);
	zone_t *by_wire = tzone(APEX, cut_zone);
	zone_t *zones[2] = {by_cs, by_wire};

	for (int i = 0; i < 2; i++) {
		zone_changeset_t cs;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		tcs_add(&cs, "gone." APEX " 300 IN NSEC www." APEX " NSEC RRSIG");
		tcs_add(&cs, "ns.sub." APEX " 300 IN NSEC subway." APEX " A NSEC RRSIG");
		tcs_add(&cs, "www." APEX " 300 IN NSEC ns1." APEX " CNAME NSEC RRSIG");
		CU_ASSERT_FATAL(zone_apply(zones[i], &cs, NULL, NULL) == GW_OK);
		zone_changeset_deinit(&cs);
	}
	CU_ASSERT_EQUAL(assert_same_chain(by_cs, by_wire), 11);
	CU_ASSERT(trrset(by_wire, "gone." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(trrset(by_wire, "ns.sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	zone_free(by_cs);
	zone_free(by_wire);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"small zone: same as the changeset, verifies", test_small_zone},
	    {"apex alone", test_apex_only},
	    {"generated zone: same as the changeset, verifies", test_generated_zone},
	    {"zone with NSECs already: same as the changeset", test_existing_nsecs},
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec nsec build", tests);
}
