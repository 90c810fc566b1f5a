/* Several zones in one answerer (gw_answer_env_t.zones): each query is
 * answered from the zone whose apex is the longest suffix of its name,
 * a name in none is REFUSED; zone_pick() itself. Queries written and
 * replies read by ldns. */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "ask_util.h"
#include "common/error.h"
#include "cunit.h"
#include "gateway/query/answer.h"
#include "zone_util.h"
#include "zones/zone.h"

static const char *const g_campus[] = {
    "campus.test. 3600 IN SOA ns.campus.test. h.campus.test. 11 3600 600 86400 30",
    "campus.test. 3600 IN NS ns.campus.test.",
    "ns.campus.test. 3600 IN A 192.0.2.1",
    "printer.campus.test. 120 IN A 192.0.2.10",
    NULL,
};

static const char *const g_guest[] = {
    "guest.test. 3600 IN SOA ns.guest.test. h.guest.test. 22 3600 600 86400 30",
    "guest.test. 3600 IN NS ns.guest.test.",
    "ns.guest.test. 3600 IN A 192.0.2.2",
    "printer.guest.test. 120 IN A 192.0.2.20",
    NULL,
};

/* A zone below another (the contract forbids it in zones:, the
 * answerer must still pick the longer apex). */
static const char *const g_inner[] = {
    "lab.campus.test. 3600 IN SOA ns.campus.test. h.campus.test. 33 3600 600 86400 30",
    "lab.campus.test. 3600 IN NS ns.campus.test.",
    "scope.lab.campus.test. 120 IN A 192.0.2.30",
    NULL,
};

static zone_t *g_zones[3];
static gw_answer_env_t g_env;

/* Made at the first test (tzone() asserts, which CUnit allows only
 * inside a test). */
static void setup(void)
{
	if (g_zones[0] != NULL)
		return;
	g_zones[0] = tzone("campus.test.", g_campus);
	g_zones[1] = tzone("guest.test.", g_guest);
	g_zones[2] = tzone("lab.campus.test.", g_inner);
	g_env = (gw_answer_env_t){
	    .zones = (const zone_t *const *)g_zones, .zone_count = 3, .udp_payload = 1232};
}

static int suite_clean(void)
{
	for (size_t i = 0; i < 3; i++)
		zone_free(g_zones[i]);
	return 0;
}

/* The rcode of name/type, and with NOERROR the A record's address and
 * the SOA serial of the authority section (NXDOMAIN) in *serial. */
static int ask(const char *name, ldns_rr_type type, char *addr, size_t len, uint32_t *serial,
               bool *aa)
{
	setup();
	ldns_pkt *p = test_ask(&g_env, name, type, LDNS_RR_CLASS_IN, true, 1232, false, false);
	CU_ASSERT_FATAL(p != NULL);
	int rcode = ldns_pkt_get_rcode(p);
	*aa = ldns_pkt_aa(p);
	addr[0] = '\0';
	*serial = 0;
	ldns_rr_list *an = ldns_pkt_answer(p);
	if (ldns_rr_list_rr_count(an) > 0 && ldns_rr_get_type(ldns_rr_list_rr(an, 0)) == type &&
	    type == LDNS_RR_TYPE_A) {
		char *t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 0));
		snprintf(addr, len, "%s", t);
		free(t);
	}
	ldns_rr_list *ns = ldns_pkt_authority(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ns, i);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			*serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
	}
	if (type == LDNS_RR_TYPE_SOA && ldns_rr_list_rr_count(an) > 0)
		*serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(an, 0), 2));
	ldns_pkt_free(p);
	return rcode;
}

static void test_each_zone_answers_its_names(void)
{
	char a[64];
	uint32_t serial;
	bool aa;
	CU_ASSERT_EQUAL(ask("printer.campus.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NOERROR);
	CU_ASSERT_STRING_EQUAL(a, "192.0.2.10");
	CU_ASSERT(aa);
	CU_ASSERT_EQUAL(ask("printer.guest.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NOERROR);
	CU_ASSERT_STRING_EQUAL(a, "192.0.2.20");
	CU_ASSERT_EQUAL(ask("guest.test.", LDNS_RR_TYPE_SOA, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(serial, 22);
	CU_ASSERT_EQUAL(ask("CAMPUS.test.", LDNS_RR_TYPE_SOA, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(serial, 11);
}

static void test_nxdomain_comes_from_the_right_zone(void)
{
	char a[64];
	uint32_t serial;
	bool aa;
	CU_ASSERT_EQUAL(ask("camera.guest.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(serial, 22);
	CU_ASSERT(aa);
	CU_ASSERT_EQUAL(ask("camera.campus.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(serial, 11);
}

static void test_longest_suffix_wins(void)
{
	char a[64];
	uint32_t serial;
	bool aa;
	CU_ASSERT_EQUAL(ask("scope.lab.campus.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NOERROR);
	CU_ASSERT_STRING_EQUAL(a, "192.0.2.30");
	CU_ASSERT_EQUAL(ask("none.lab.campus.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(serial, 33);
}

static void test_outside_every_zone_is_refused(void)
{
	char a[64];
	uint32_t serial;
	bool aa;
	CU_ASSERT_EQUAL(ask("example.org.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_REFUSED);
	CU_ASSERT(!aa);
	/* A sibling that shares a suffix in text but not in labels. */
	CU_ASSERT_EQUAL(ask("xguest.test.", LDNS_RR_TYPE_A, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(ask("test.", LDNS_RR_TYPE_SOA, a, sizeof(a), &serial, &aa),
	                LDNS_RCODE_REFUSED);
}

static void test_zone_pick(void)
{
	uint8_t n[ZONE_NAME_MAXLEN];
	setup();
	const zone_t *const *z = (const zone_t *const *)g_zones;
	CU_ASSERT_EQUAL(zone_pick(z, 3, tname(n, "a.b.guest.test.")), 1);
	CU_ASSERT_EQUAL(zone_pick(z, 3, tname(n, "campus.test.")), 0);
	CU_ASSERT_EQUAL(zone_pick(z, 3, tname(n, "x.lab.campus.test.")), 2);
	CU_ASSERT_EQUAL(zone_pick(z, 2, tname(n, "x.lab.campus.test.")), 0);
	CU_ASSERT_EQUAL(zone_pick(z, 3, tname(n, "org.")), -1);
	CU_ASSERT_EQUAL(zone_pick(z, 0, tname(n, "campus.test.")), -1);
	/* NULL entries (a zone not loaded yet) are skipped. */
	const zone_t *holes[] = {NULL, g_zones[1]};
	CU_ASSERT_EQUAL(zone_pick(holes, 2, tname(n, "guest.test.")), 1);
	CU_ASSERT_EQUAL(zone_pick(holes, 2, tname(n, "campus.test.")), -1);
}

static void test_no_zones_is_servfail(void)
{
	gw_answer_env_t env = {.udp_payload = 1232};
	ldns_pkt *p = test_ask(&env, "campus.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, true, 1232,
	                       false, false);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
}

int gw_test_register(void)
{
	CU_pSuite s = CU_add_suite("answer_zones", NULL, suite_clean);
	if (s == NULL)
		return CU_get_error();
	CU_add_test(s, "each zone answers its names", test_each_zone_answers_its_names);
	CU_add_test(s, "NXDOMAIN from the right zone", test_nxdomain_comes_from_the_right_zone);
	CU_add_test(s, "the longest suffix wins", test_longest_suffix_wins);
	CU_add_test(s, "outside every zone: REFUSED", test_outside_every_zone_is_refused);
	CU_add_test(s, "zone_pick", test_zone_pick);
	CU_add_test(s, "no zones: SERVFAIL", test_no_zones_is_servfail);
	return CU_get_error();
}
