/* Referrals at zone cuts (RFC 1034 4.3.2, RFC 4035 3.1.4, RFC 5155 7.2.7,
 * RFC 9471), against zones signed in memory by dnssec/ with NSEC and with
 * NSEC3, queries written and replies read by ldns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "dnssec/dnssec.h"
#include "ask_util.h"
#include "gateway/query/answer.h"
#include "zone_util.h"
#include "zones/zone.h"

#define APEX "ref.test."

static const char *const g_records[] = {
    "ref.test. 3600 IN SOA ns1.ref.test. hostmaster.ref.test. 7 3600 600 86400 30",
    "ref.test. 3600 IN NS ns1.ref.test.",
    "ns1.ref.test. 3600 IN A 192.0.2.53",
    "www.ref.test. 120 IN A 192.0.2.80",
    /* A signed child: DS at the cut, in-domain glue. */
    "secure.ref.test. 120 IN NS ns.secure.ref.test.",
    "secure.ref.test. 120 IN DS 12345 13 2 "
    "4E06E833CF61401CD288424225A4668F767DA45BBC0503762C3BD9EA08767745",
    "ns.secure.ref.test. 120 IN A 192.0.2.54",
    "ns.secure.ref.test. 120 IN AAAA 2001:db8::54",
    /* An unsigned child: in-domain, sibling and out-of-zone NS targets,
     * and a wildcard below the cut, which must not match. */
    "plain.ref.test. 120 IN NS ns.plain.ref.test.",
    "plain.ref.test. 120 IN NS ns1.ref.test.",
    "plain.ref.test. 120 IN NS ns.example.net.",
    "ns.plain.ref.test. 120 IN A 192.0.2.55",
    "*.plain.ref.test. 120 IN TXT \"occluded\"",
    "alias.ref.test. 120 IN CNAME host.secure.ref.test.",
    /* Sibling glue only, more than 512 octets of it. */
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-01.hosts.ref.test.",
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-02.hosts.ref.test.",
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-03.hosts.ref.test.",
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-04.hosts.ref.test.",
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-05.hosts.ref.test.",
    "sib.ref.test. 120 IN NS a-rather-long-name-server-label-number-06.hosts.ref.test.",
    "a-rather-long-name-server-label-number-01.hosts.ref.test. 120 IN AAAA 2001:db8::1",
    "a-rather-long-name-server-label-number-02.hosts.ref.test. 120 IN AAAA 2001:db8::2",
    "a-rather-long-name-server-label-number-03.hosts.ref.test. 120 IN AAAA 2001:db8::3",
    "a-rather-long-name-server-label-number-04.hosts.ref.test. 120 IN AAAA 2001:db8::4",
    "a-rather-long-name-server-label-number-05.hosts.ref.test. 120 IN AAAA 2001:db8::5",
    "a-rather-long-name-server-label-number-06.hosts.ref.test. 120 IN AAAA 2001:db8::6",
    NULL,
};

/* The same names as in-domain glue of "big": required, so they must all
 * fit or the reply is truncated. */
static const char *const g_big[] = {
    "a-rather-long-name-server-label-number-01.big.ref.test.",
    "a-rather-long-name-server-label-number-02.big.ref.test.",
    "a-rather-long-name-server-label-number-03.big.ref.test.",
    "a-rather-long-name-server-label-number-04.big.ref.test.",
    "a-rather-long-name-server-label-number-05.big.ref.test.",
    "a-rather-long-name-server-label-number-06.big.ref.test.",
    NULL,
};

typedef enum { NSEC, NSEC3 } denial_t;

static zone_t *g_zone[2];
static sig_key_t *g_key;

static zone_t *make_zone(denial_t denial)
{
	char line[512];
	uint32_t ttl = 0;
	zone_changeset_t cs;
	ldns_rr *rr = NULL;
	zone_t *zone = tzone(APEX, g_records);

	for (const char *const *n = g_big; *n != NULL; n++) {
		snprintf(line, sizeof(line), "big.ref.test. 120 IN NS %s", *n);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr = trr(line)) == GW_OK);
		ldns_rr_free(rr);
		snprintf(line, sizeof(line), "%s 120 IN AAAA 2001:db8::99", *n);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr = trr(line)) == GW_OK);
		ldns_rr_free(rr);
	}
	CU_ASSERT_FATAL(sig_key_dnskey_rr(g_key, 3600, &rr) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
	ldns_rr_free(rr);
	sig_signer_t signer = {.keys = &g_key,
	                       .key_count = 1,
	                       .apex = zone_apex(zone),
	                       .validity = 14 * 86400,
	                       .refresh = 7 * 86400,
	                       .inception_offset = 3600};
	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL((denial == NSEC3 ? sig_nsec3_update(zone, ttl, &cs)
	                                 : sig_nsec_update(zone, ttl, &cs)) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(&signer, zone, time(NULL), true, 1, NULL) == GW_OK);
	return zone;
}

static int suite_init(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	if (zone_name_from_str(apex, APEX, NULL) < 0 ||
	    sig_key_generate(&g_key, SIG_ALG_ED25519, SIG_ROLE_CSK, apex, 0) != GW_OK)
		return -1;
	return 0;
}

/* Signed zones are made inside the first test that needs them, where
 * CUnit assertions count. */
static zone_t *zone_of(denial_t d)
{
	if (g_zone[d] == NULL)
		g_zone[d] = make_zone(d);
	return g_zone[d];
}

static int suite_clean(void)
{
	zone_free(g_zone[NSEC]);
	zone_free(g_zone[NSEC3]);
	g_zone[NSEC] = g_zone[NSEC3] = NULL;
	sig_key_free(g_key);
	return 0;
}

/* Ask name/type of zone; edns with DO and bufsize, or no EDNS at all
 * (512). Returns the parsed reply (caller frees); fails the test if none. */
static ldns_pkt *ask_full(const zone_t *zone, const char *name, ldns_rr_type type, bool edns,
                          uint16_t bufsize, bool tcp)
{
	gw_answer_env_t env = {.zone = zone, .udp_payload = 1232};
	ldns_pkt *reply = test_ask(&env, name, type, LDNS_RR_CLASS_IN, edns, bufsize, edns, tcp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply);
	return reply;
}

static ldns_pkt *ask(denial_t d, const char *name, ldns_rr_type type, bool dnssec)
{
	return ask_full(zone_of(d), name, type, dnssec, 1232, false);
}

/* RRs of type (or RRSIGs covering covered, with type RRSIG) at owner
 * (NULL: any owner) in list. */
static size_t count(const ldns_rr_list *list, const char *owner, ldns_rr_type type,
                    ldns_rr_type covered)
{
	ldns_rdf *want = owner != NULL ? ldns_dname_new_frm_str(owner) : NULL;
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		if (ldns_rr_get_type(rr) != type)
			continue;
		if (want != NULL && ldns_dname_compare(ldns_rr_owner(rr), want) != 0)
			continue;
		if (type == LDNS_RR_TYPE_RRSIG &&
		    ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) != covered)
			continue;
		n++;
	}
	ldns_rdf_deep_free(want);
	return n;
}

#define AN(p)  ldns_pkt_answer(p)
#define NS(p)  ldns_pkt_authority(p)
#define AR(p)  ldns_pkt_additional(p)
#define NONE   LDNS_RR_TYPE_A /* "covered" when type is not RRSIG */
#define RRSIG  LDNS_RR_TYPE_RRSIG
#define T_NSEC LDNS_RR_TYPE_NSEC

/* A referral's frame: NOERROR, AA clear, no answer, the cut's NS
 * (ns_count RRs) unsigned, no SOA. */
static void check_referral(const ldns_pkt *p, const char *cut, size_t ns_count)
{
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_FALSE(ldns_pkt_aa(p));
	CU_ASSERT_FALSE(ldns_pkt_tc(p));
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(count(NS(p), cut, LDNS_RR_TYPE_NS, NONE), ns_count);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NS, NONE), ns_count);
	CU_ASSERT_EQUAL(count(NS(p), NULL, RRSIG, LDNS_RR_TYPE_NS), 0);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_SOA, NONE), 0);
}

/* NODATA for DS at a cut, from the parent (AA), not a referral. */
static void check_ds_nodata(const ldns_pkt *p)
{
	CU_ASSERT_TRUE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(count(NS(p), APEX, LDNS_RR_TYPE_SOA, NONE), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NS, NONE), 0);
}

/* The NSEC3 owner of name, hashed by ldns (RFC 9276 parameters). */
static ldns_rdf *nsec3_owner(const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	ldns_rdf *apex = ldns_dname_new_frm_str(APEX);
	ldns_dname2canonical(dname);
	ldns_rdf *hashed = ldns_nsec3_hash_name(dname, LDNS_SHA1, 0, 0, NULL);
	CU_ASSERT_FATAL(hashed != NULL);
	CU_ASSERT_FATAL(ldns_dname_cat(hashed, apex) == LDNS_STATUS_OK);
	ldns_rdf_deep_free(dname);
	ldns_rdf_deep_free(apex);
	return hashed;
}

/* How many NSEC3 in list are owned by the NSEC3 owner of name. */
static size_t count_nsec3_of(const ldns_rr_list *list, const char *name)
{
	ldns_rdf *owner = nsec3_owner(name);
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		n += ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3 &&
		     ldns_dname_compare(ldns_rr_owner(rr), owner) == 0;
	}
	ldns_rdf_deep_free(owner);
	return n;
}

static void test_referral_nsec(void)
{
	ldns_pkt *p = ask(NSEC, "host.secure.ref.test.", LDNS_RR_TYPE_A, true);
	check_referral(p, "secure.ref.test.", 1);
	CU_ASSERT_EQUAL(count(NS(p), "secure.ref.test.", LDNS_RR_TYPE_DS, NONE), 1);
	CU_ASSERT_EQUAL(count(NS(p), "secure.ref.test.", RRSIG, LDNS_RR_TYPE_DS), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, T_NSEC, NONE), 0);
	CU_ASSERT_EQUAL(count(AR(p), "ns.secure.ref.test.", LDNS_RR_TYPE_A, NONE), 1);
	CU_ASSERT_EQUAL(count(AR(p), "ns.secure.ref.test.", LDNS_RR_TYPE_AAAA, NONE), 1);
	CU_ASSERT_EQUAL(count(AR(p), NULL, RRSIG, LDNS_RR_TYPE_A), 0);
	ldns_pkt_free(p);

	/* No DS: the cut's NSEC, whose bitmap has NS and no DS. */
	p = ask(NSEC, "host.plain.ref.test.", LDNS_RR_TYPE_A, true);
	check_referral(p, "plain.ref.test.", 3);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_DS, NONE), 0);
	CU_ASSERT_EQUAL(count(NS(p), NULL, T_NSEC, NONE), 1);
	CU_ASSERT_EQUAL(count(NS(p), "plain.ref.test.", T_NSEC, NONE), 1);
	CU_ASSERT_EQUAL(count(NS(p), "plain.ref.test.", RRSIG, T_NSEC), 1);
	for (size_t i = 0; i < ldns_rr_list_rr_count(NS(p)); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(NS(p), i);
		if (ldns_rr_get_type(rr) != T_NSEC)
			continue;
		const ldns_rdf *bitmap = ldns_rr_rdf(rr, 1);
		CU_ASSERT_TRUE(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_NS));
		CU_ASSERT_FALSE(ldns_nsec_bitmap_covers_type(bitmap, LDNS_RR_TYPE_DS));
	}
	/* In-domain and sibling glue; nothing for the out-of-zone target. */
	CU_ASSERT_EQUAL(count(AR(p), "ns.plain.ref.test.", LDNS_RR_TYPE_A, NONE), 1);
	CU_ASSERT_EQUAL(count(AR(p), "ns1.ref.test.", LDNS_RR_TYPE_A, NONE), 1);
	CU_ASSERT_EQUAL(count(AR(p), "ns.example.net.", LDNS_RR_TYPE_A, NONE), 0);
	ldns_pkt_free(p);

	/* Without DO: no DNSSEC records at all. */
	p = ask_full(zone_of(NSEC), "host.plain.ref.test.", LDNS_RR_TYPE_A, false, 0, false);
	check_referral(p, "plain.ref.test.", 3);
	CU_ASSERT_EQUAL(count(NS(p), NULL, T_NSEC, NONE), 0);
	CU_ASSERT_EQUAL(count(NS(p), NULL, RRSIG, T_NSEC), 0);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(NS(p)), 3);
	ldns_pkt_free(p);

	/* Glue itself is the child's: a referral, not an answer. */
	p = ask(NSEC, "ns.secure.ref.test.", LDNS_RR_TYPE_A, true);
	check_referral(p, "secure.ref.test.", 1);
	ldns_pkt_free(p);
	/* NS at the cut too. */
	p = ask(NSEC, "secure.ref.test.", LDNS_RR_TYPE_NS, true);
	check_referral(p, "secure.ref.test.", 1);
	ldns_pkt_free(p);
}

static void test_referral_nsec3(void)
{
	ldns_pkt *p = ask(NSEC3, "host.plain.ref.test.", LDNS_RR_TYPE_A, true);
	check_referral(p, "plain.ref.test.", 3);
	CU_ASSERT_EQUAL(count(NS(p), NULL, T_NSEC, NONE), 0);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NSEC3, NONE), 1);
	CU_ASSERT_EQUAL(count_nsec3_of(NS(p), "plain.ref.test."), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, RRSIG, LDNS_RR_TYPE_NSEC3), 1);
	CU_ASSERT_EQUAL(count(AR(p), "ns.plain.ref.test.", LDNS_RR_TYPE_A, NONE), 1);
	ldns_pkt_free(p);

	p = ask(NSEC3, "host.secure.ref.test.", LDNS_RR_TYPE_A, true);
	check_referral(p, "secure.ref.test.", 1);
	CU_ASSERT_EQUAL(count(NS(p), "secure.ref.test.", RRSIG, LDNS_RR_TYPE_DS), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NSEC3, NONE), 0);
	ldns_pkt_free(p);

	/* No DS at the cut, NODATA by the parent: the NSEC3 matching it. */
	p = ask(NSEC3, "plain.ref.test.", LDNS_RR_TYPE_DS, true);
	check_ds_nodata(p);
	CU_ASSERT_EQUAL(count_nsec3_of(NS(p), "plain.ref.test."), 1);
	ldns_pkt_free(p);
}

/* RFC 5155 7.2.7: a cut the NSEC3 chain does not hold (opt-out): the
 * closest provable encloser (the apex here) and the NSEC3 covering the
 * next closer name (the cut). */
static void test_referral_nsec3_no_match(void)
{
	zone_t *zone = make_zone(NSEC3);
	ldns_rdf *owner = nsec3_owner("plain.ref.test.");
	uint8_t wire[ZONE_NAME_MAXLEN];
	char *text = ldns_rdf2str(owner);
	const zone_rrset_t *nsec3 = trrset(zone, text, LDNS_RR_TYPE_NSEC3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nsec3);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	const zone_node_t *node = zone_find(zone, tname(wire, text));
	ldns_rr *rr = NULL;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	CU_ASSERT_FATAL(zone_rrset_next(nsec3, &pos, &rd, &rdlen));
	CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, nsec3, rd, rdlen) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, rr) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);

	ldns_pkt *p = ask_full(zone, "host.plain.ref.test.", LDNS_RR_TYPE_A, true, 1232, false);
	check_referral(p, "plain.ref.test.", 3);
	CU_ASSERT_EQUAL(count_nsec3_of(NS(p), "plain.ref.test."), 0);
	CU_ASSERT_EQUAL(count_nsec3_of(NS(p), APEX), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NSEC3, NONE), 2);
	ldns_pkt_free(p);
	free(text);
	ldns_rdf_deep_free(owner);
	zone_free(zone);
}

static void test_ds_at_cut(void)
{
	ldns_pkt *p = ask(NSEC, "secure.ref.test.", LDNS_RR_TYPE_DS, true);
	CU_ASSERT_TRUE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(count(AN(p), "secure.ref.test.", LDNS_RR_TYPE_DS, NONE), 1);
	CU_ASSERT_EQUAL(count(AN(p), "secure.ref.test.", RRSIG, LDNS_RR_TYPE_DS), 1);
	CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_NS, NONE), 0);
	ldns_pkt_free(p);

	p = ask(NSEC, "plain.ref.test.", LDNS_RR_TYPE_DS, true);
	check_ds_nodata(p);
	CU_ASSERT_EQUAL(count(NS(p), "plain.ref.test.", T_NSEC, NONE), 1);
	ldns_pkt_free(p);

	/* DS of a name below a cut is the child's business. */
	p = ask(NSEC, "host.secure.ref.test.", LDNS_RR_TYPE_DS, true);
	check_referral(p, "secure.ref.test.", 1);
	ldns_pkt_free(p);
}

static void test_glue_truncation(void)
{
	/* Six in-domain names with A... AAAA do not fit in 512: TC, and
	 * nothing but the question. */
	ldns_pkt *p =
	    ask_full(zone_of(NSEC), "host.big.ref.test.", LDNS_RR_TYPE_A, false, 0, false);
	CU_ASSERT_TRUE(ldns_pkt_tc(p));
	CU_ASSERT_FALSE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_arcount(p), 0);
	ldns_pkt_free(p);
	/* Over TCP all of it. */
	p = ask_full(zone_of(NSEC), "host.big.ref.test.", LDNS_RR_TYPE_A, false, 0, true);
	check_referral(p, "big.ref.test.", 6);
	CU_ASSERT_EQUAL(count(AR(p), NULL, LDNS_RR_TYPE_AAAA, NONE), 6);
	ldns_pkt_free(p);

	/* Sibling glue is best effort: what fits, no TC. */
	p = ask_full(zone_of(NSEC), "host.sib.ref.test.", LDNS_RR_TYPE_A, false, 0, false);
	check_referral(p, "sib.ref.test.", 6);
	size_t some = count(AR(p), NULL, LDNS_RR_TYPE_AAAA, NONE);
	CU_ASSERT_TRUE(some > 0 && some < 6);
	ldns_pkt_free(p);
	p = ask_full(zone_of(NSEC), "host.sib.ref.test.", LDNS_RR_TYPE_A, false, 0, true);
	CU_ASSERT_EQUAL(count(AR(p), NULL, LDNS_RR_TYPE_AAAA, NONE), 6);
	ldns_pkt_free(p);
}

static void test_any_wildcard_cname(void)
{
	for (int d = NSEC; d <= NSEC3; d++) {
		ldns_pkt *p = ask(d, "secure.ref.test.", LDNS_RR_TYPE_ANY, true);
		check_referral(p, "secure.ref.test.", 1);
		ldns_pkt_free(p);
		p = ask_full(zone_of(d), "host.secure.ref.test.", LDNS_RR_TYPE_ANY, true, 1232,
		             true);
		check_referral(p, "secure.ref.test.", 1);
		ldns_pkt_free(p);

		/* *.plain is below the cut: it answers nothing. */
		p = ask(d, "x.plain.ref.test.", LDNS_RR_TYPE_TXT, true);
		check_referral(p, "plain.ref.test.", 3);
		CU_ASSERT_EQUAL(count(AN(p), NULL, LDNS_RR_TYPE_TXT, NONE), 0);
		ldns_pkt_free(p);

		/* A CNAME into a cut: the CNAME (ours, AA) and the referral. */
		p = ask(d, "alias.ref.test.", LDNS_RR_TYPE_A, true);
		CU_ASSERT_TRUE(ldns_pkt_aa(p));
		CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		CU_ASSERT_EQUAL(count(AN(p), "alias.ref.test.", LDNS_RR_TYPE_CNAME, NONE), 1);
		CU_ASSERT_EQUAL(count(AN(p), "alias.ref.test.", RRSIG, LDNS_RR_TYPE_CNAME), 1);
		CU_ASSERT_EQUAL(count(AN(p), NULL, LDNS_RR_TYPE_A, NONE), 0);
		CU_ASSERT_EQUAL(count(NS(p), "secure.ref.test.", LDNS_RR_TYPE_NS, NONE), 1);
		CU_ASSERT_EQUAL(count(NS(p), NULL, LDNS_RR_TYPE_SOA, NONE), 0);
		ldns_pkt_free(p);
	}
}

/* The name after glue in canonical order: the NSEC that covers it is the
 * cut's (the chain skips the glue). */
static void test_nxdomain_beside_glue(void)
{
	ldns_pkt *p = ask(NSEC, "secure0.ref.test.", LDNS_RR_TYPE_A, true);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_TRUE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(count(NS(p), "secure.ref.test.", T_NSEC, NONE), 1);
	CU_ASSERT_EQUAL(count(NS(p), "ns.secure.ref.test.", T_NSEC, NONE), 0);
	/* and the wildcard's: the apex NSEC */
	CU_ASSERT_EQUAL(count(NS(p), APEX, T_NSEC, NONE), 1);
	ldns_pkt_free(p);
}

int gw_test_register(void)
{
	const gw_test_t tests[] = {
	    {"referral with DS and glue, NSEC proof of no DS", test_referral_nsec},
	    {"referral: NSEC3 proof of no DS", test_referral_nsec3},
	    {"referral: closest provable encloser (RFC 5155 7.2.7)", test_referral_nsec3_no_match},
	    {"DS at the cut is the parent's", test_ds_at_cut},
	    {"required glue must fit, sibling glue best effort", test_glue_truncation},
	    {"ANY, wildcard and CNAME at and below a cut", test_any_wildcard_cname},
	    {"NXDOMAIN beside glue: the cut's NSEC", test_nxdomain_beside_glue},
	    {NULL, NULL},
	};
	CU_pSuite s = CU_add_suite("referral", suite_init, suite_clean);
	if (s == NULL)
		return CU_get_error();
	for (const gw_test_t *t = tests; t->name != NULL; t++) {
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return CU_get_error();
	}
	return 0;
}
