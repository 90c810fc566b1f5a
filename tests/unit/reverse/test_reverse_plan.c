/* gateway/reverse/plan.c: the reverse zones and their records for the
 * campus of issue 12 (two links, "Building 1" and lan2, each with an
 * IPv4 /25 of one /24 and an IPv6 /64; campus.test. shows both,
 * guest.test. only lan2), configured prefixes, merging, labels any DNS
 * label may hold, and the errors. */
#include <CUnit/CUnit.h>
#include <ldns/ldns.h>
#include <stdio.h>

#include "cunit.h"
#include "reverse_util.h"

static const uint8_t campus[] = "\x06"
                                "campus\x04test";
static const uint8_t guest[] = "\x05guest\x04test";

typedef struct {
	gw_reverse_prefix_t p1[2], p2[2], p3[1];
	gw_reverse_link_t links[3];
	size_t guest_links[1];
	size_t campus_links[2];
	gw_reverse_domain_t domains[2];
	gw_reverse_input_t in;
} campus_t;

/* Links 0 "Building 1" and 1 "lan2" as the issue has them; link 2 "lab"
 * (198.51.100.0/24) is in no zone. */
static void campus_init(campus_t *c)
{
	memset(c, 0, sizeof(*c));
	c->p1[0] = prefix_of("192.0.2.1/25", "veth-l1");
	c->p1[1] = prefix_of("2001:db8:1::1/64", "veth-l1");
	c->p2[0] = prefix_of("192.0.2.129/25", "veth-l2");
	c->p2[1] = prefix_of("2001:db8:2::1/64", "veth-l2");
	c->p3[0] = prefix_of("198.51.100.1/24", "veth-l3");
	c->links[0] = (gw_reverse_link_t){(const uint8_t *)"Building 1", 10, c->p1, 2};
	c->links[1] = (gw_reverse_link_t){(const uint8_t *)"lan2", 4, c->p2, 2};
	c->links[2] = (gw_reverse_link_t){(const uint8_t *)"lab", 3, c->p3, 1};
	c->campus_links[0] = 0;
	c->campus_links[1] = 1;
	c->guest_links[0] = 1;
	c->domains[0] = (gw_reverse_domain_t){campus, false, c->campus_links, 2};
	c->domains[1] = (gw_reverse_domain_t){guest, false, c->guest_links, 1};
	c->in = (gw_reverse_input_t){c->links, 3, c->domains, 2, NULL, 0, 10};
}

/* The line with tabs as single spaces, for comparison. */
static const char *spaced(const char *line)
{
	static char buf[4][1200];
	static int next;
	char *b = buf[next++ % 4];
	size_t i = 0;

	for (; line[i] != '\0' && i + 1 < sizeof(buf[0]); i++)
		b[i] = line[i] == '\t' ? ' ' : line[i];
	b[i] = '\0';
	return b;
}

/* The zone with that apex text, or NULL. */
static const gw_reverse_zone_t *zone_of(const gw_reverse_plan_t *plan, const char *apex)
{
	for (size_t i = 0; i < plan->zone_count; i++) {
		if (strcmp(plan->zones[i].apex_str, apex) == 0)
			return &plan->zones[i];
	}
	return NULL;
}

/* Exactly these lines, in this order. Each must also be what ldns reads
 * back as a PTR in the zone (the zone manager parses them so). */
static void expect_rrs(const gw_reverse_zone_t *z, const char *const *want, size_t n)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	if (z->rr_count != n) {
		fprintf(stderr, "\n%s has %zu records, not %zu:\n", z->apex_str, z->rr_count, n);
		for (size_t i = 0; i < z->rr_count; i++)
			fprintf(stderr, "  %s\n", spaced(z->rrs[i]));
	}
	CU_ASSERT_EQUAL_FATAL(z->rr_count, n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(spaced(z->rrs[i]), want[i]) != 0)
			fprintf(stderr, "\nrecord %zu: '%s', want '%s'\n", i, spaced(z->rrs[i]),
			        want[i]);
		CU_ASSERT_STRING_EQUAL(spaced(z->rrs[i]), want[i]);
		ldns_rr *rr = NULL;
		CU_ASSERT_EQUAL_FATAL(ldns_rr_new_frm_str(&rr, z->rrs[i], 0, NULL, NULL),
		                      LDNS_STATUS_OK);
		CU_ASSERT_EQUAL(ldns_rr_get_type(rr), LDNS_RR_TYPE_PTR);
		ldns_rdf *apex = ldns_dname_new_frm_data((uint16_t)z->apex_len, z->apex);
		CU_ASSERT_TRUE(ldns_dname_is_subdomain(ldns_rr_owner(rr), apex));
		ldns_rdf_deep_free(apex);
		ldns_rr_free(rr);
	}
}

static void test_plan_campus(void)
{
	campus_t c;
	gw_reverse_plan_t plan;

	campus_init(&c);
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	/* Both /25s share the /24's zone; lab, in no zone, makes none. */
	CU_ASSERT_EQUAL_FATAL(plan.zone_count, 3);
	CU_ASSERT_STRING_EQUAL(plan.zones[0].apex_str, "2.0.192.in-addr.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[1].apex_str, "0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[2].apex_str, "0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	CU_ASSERT_EQUAL(plan.zones[0].apex_len, 22);
	CU_ASSERT_EQUAL(memcmp(plan.zones[0].apex,
	                       "\x01"
	                       "2\x01"
	                       "0\x03"
	                       "192\x07in-addr\x04"
	                       "arpa",
	                       22),
	                0);

	static const char *const v4[] = {
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "db._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    /* lan2 is shown by two zones: b lists both, db and lb the first. */
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "lb._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	};
	expect_rrs(&plan.zones[0], v4, 7);
#define S1 "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
#define S2 "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
	static const char *const v6a[] = {
	    "b._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	    "db._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	};
	expect_rrs(&plan.zones[1], v6a, 3);
	static const char *const v6b[] = {
	    "b._dns-sd._udp." S2 " 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp." S2 " 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp." S2 " 10 IN PTR lan2.campus.test.",
	    "lb._dns-sd._udp." S2 " 10 IN PTR lan2.campus.test.",
	};
	expect_rrs(&plan.zones[2], v6b, 4);
	gw_reverse_plan_deinit(&plan);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	CU_ASSERT_PTR_NULL(plan.zones);
	gw_reverse_plan_deinit(&plan); /* twice is harmless */
}

static void test_plan_every_link_and_order(void)
{
	campus_t c;
	gw_reverse_plan_t plan;

	/* guest.test. first and showing every link: it comes first in b,
	 * and is what db and lb give; lab now has its zone. */
	campus_init(&c);
	gw_reverse_domain_t swapped[2] = {{guest, true, NULL, 0}, c.domains[0]};
	c.in.domains = swapped;
	c.in.ttl = 3600;
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	CU_ASSERT_EQUAL_FATAL(plan.zone_count, 4);
	CU_ASSERT_STRING_EQUAL(plan.zones[3].apex_str, "100.51.198.in-addr.arpa.");
	static const char *const lab[] = {
	    "b._dns-sd._udp.0.100.51.198.in-addr.arpa. 3600 IN PTR lab.guest.test.",
	    "db._dns-sd._udp.0.100.51.198.in-addr.arpa. 3600 IN PTR lab.guest.test.",
	    "lb._dns-sd._udp.0.100.51.198.in-addr.arpa. 3600 IN PTR lab.guest.test.",
	};
	expect_rrs(zone_of(&plan, "100.51.198.in-addr.arpa."), lab, 3);
	static const char *const v4[] = {
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 3600 IN PTR Building\\0321.guest.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 3600 IN PTR Building\\0321.campus.test.",
	    "db._dns-sd._udp.0.2.0.192.in-addr.arpa. 3600 IN PTR Building\\0321.guest.test.",
	    "lb._dns-sd._udp.0.2.0.192.in-addr.arpa. 3600 IN PTR Building\\0321.guest.test.",
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 3600 IN PTR lan2.guest.test.",
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 3600 IN PTR lan2.campus.test.",
	    "db._dns-sd._udp.128.2.0.192.in-addr.arpa. 3600 IN PTR lan2.guest.test.",
	    "lb._dns-sd._udp.128.2.0.192.in-addr.arpa. 3600 IN PTR lan2.guest.test.",
	};
	expect_rrs(zone_of(&plan, "2.0.192.in-addr.arpa."), v4, 8);
	gw_reverse_plan_deinit(&plan);
}

static void test_plan_no_domain(void)
{
	campus_t c;
	gw_reverse_plan_t plan;

	/* No zone shows any link: no prefix is used, no zone made. */
	campus_init(&c);
	c.in.domain_count = 0;
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	gw_reverse_plan_deinit(&plan);

	/* A zone that lists no link shows none. */
	campus_init(&c);
	c.domains[0].link_count = 0;
	c.domains[1].link_count = 0;
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	gw_reverse_plan_deinit(&plan);
}

static void test_plan_configured_prefixes(void)
{
	campus_t c;
	gw_reverse_plan_t plan;
	gw_reverse_prefix_t conf[] = {
	    /* Both links' /25s fall in it; its subnet name is link 1's. */
	    prefix_of("192.0.2.0/24", NULL),
	    /* Inside link 1's /64. */
	    prefix_of("2001:db8:1::/80", NULL),
	    /* lab's: lab is in no zone, so the zone has no records. */
	    prefix_of("198.51.100.0/24", NULL),
	    /* No link at all. */
	    prefix_of("203.0.113.0/24", NULL),
	};

	campus_init(&c);
	c.in.prefixes = conf;
	c.in.prefix_count = 4;
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	/* Only the configured prefixes: lan2's /64 has no zone. */
	CU_ASSERT_EQUAL_FATAL(plan.zone_count, 4);
	CU_ASSERT_STRING_EQUAL(plan.zones[0].apex_str, "2.0.192.in-addr.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[1].apex_str,
	                       "0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[2].apex_str, "100.51.198.in-addr.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[3].apex_str, "113.0.203.in-addr.arpa.");
	static const char *const v4[] = {
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	};
	expect_rrs(&plan.zones[0], v4, 5);
	static const char *const v6[] = {
	    "b._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	    "db._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp." S1 " 10 IN PTR Building\\0321.campus.test.",
	};
	expect_rrs(&plan.zones[1], v6, 3);
	CU_ASSERT_EQUAL(plan.zones[2].rr_count, 0);
	CU_ASSERT_EQUAL(plan.zones[3].rr_count, 0);
	gw_reverse_plan_deinit(&plan);
}

static void test_plan_merge(void)
{
	campus_t c;
	gw_reverse_plan_t plan;
	gw_reverse_prefix_t conf[] = {
	    prefix_of("192.0.2.128/25", NULL),
	    prefix_of("192.0.2.0/25", NULL),
	    prefix_of("192.0.2.0/24", NULL), /* the same subnet name as the /25 */
	    prefix_of("192.0.0.0/16", NULL), /* holds the /24's zone */
	    prefix_of("2001:db8:2::/64", NULL),
	    prefix_of("2001:db8::/32", NULL), /* holds the /64's */
	};

	campus_init(&c);
	c.in.prefixes = conf;
	c.in.prefix_count = 6;
	CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	CU_ASSERT_EQUAL_FATAL(plan.zone_count, 2);
	CU_ASSERT_STRING_EQUAL(plan.zones[0].apex_str, "0.192.in-addr.arpa.");
	CU_ASSERT_STRING_EQUAL(plan.zones[1].apex_str, "8.b.d.0.1.0.0.2.ip6.arpa.");
	/* The /16 overlaps both links, but its subnet name 0.0.0.192 is its
	 * own; 0.2.0.192 joins the /25's link 1 and the /24's two links,
	 * each target once. */
	static const char *const v4[] = {
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "lb._dns-sd._udp.128.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp.0.2.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "b._dns-sd._udp.0.0.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "b._dns-sd._udp.0.0.0.192.in-addr.arpa. 10 IN PTR lan2.campus.test.",
	    "b._dns-sd._udp.0.0.0.192.in-addr.arpa. 10 IN PTR lan2.guest.test.",
	    "db._dns-sd._udp.0.0.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	    "lb._dns-sd._udp.0.0.0.192.in-addr.arpa. 10 IN PTR Building\\0321.campus.test.",
	};
	expect_rrs(&plan.zones[0], v4, 14);
	/* The /64: lan2 in two zones (4); the /32: both links (5). */
	CU_ASSERT_EQUAL(plan.zones[1].rr_count, 4 + 5);
	gw_reverse_plan_deinit(&plan);
}

/* Labels DNS allows and zone-file text must escape: each record read back
 * by ldns gives the label's octets exactly. */
static void test_plan_labels(void)
{
	static const char *const labels[] = {
	    "Building 1", "Biblioth\xc3\xa8que", "a.b",     "semi;colon",
	    "quote\"d",   "back\\slash",         "(paren)", "@x",
	    "$ORIGIN",    "tab\there",           "-",       "x y z ",
	    " lead",
	};
	size_t n = sizeof(labels) / sizeof(labels[0]);

	for (size_t i = 0; i < n; i++) {
		gw_reverse_prefix_t p = prefix_of("192.0.2.1/25", "l");
		gw_reverse_link_t link = {(const uint8_t *)labels[i], strlen(labels[i]), &p, 1};
		gw_reverse_domain_t d = {campus, true, NULL, 0};
		gw_reverse_input_t in = {&link, 1, &d, 1, NULL, 0, 60};
		gw_reverse_plan_t plan;

		CU_ASSERT_EQUAL_FATAL(gw_reverse_plan_init(&plan, &in), GW_OK);
		CU_ASSERT_EQUAL_FATAL(plan.zone_count, 1);
		CU_ASSERT_EQUAL_FATAL(plan.zones[0].rr_count, 3);
		for (size_t r = 0; r < 3; r++) {
			ldns_rr *rr = NULL;
			const char *line = plan.zones[0].rrs[r];
			CU_ASSERT_EQUAL_FATAL(ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL),
			                      LDNS_STATUS_OK);
			CU_ASSERT_EQUAL(ldns_rr_ttl(rr), 60);
			const ldns_rdf *t = ldns_rr_rdf(rr, 0);
			const uint8_t *w = ldns_rdf_data(t);
			size_t len = strlen(labels[i]);
			CU_ASSERT_EQUAL(ldns_rdf_size(t), 1 + len + sizeof(campus));
			CU_ASSERT_EQUAL(w[0], len);
			if (w[0] != len || memcmp(w + 1, labels[i], len) != 0)
				fprintf(stderr, "\nlabel '%s' came back from: %s\n", labels[i],
				        line);
			CU_ASSERT_EQUAL(memcmp(w + 1, labels[i], len), 0);
			CU_ASSERT_EQUAL(memcmp(w + 1 + len, campus, sizeof(campus)), 0);
			ldns_rr_free(rr);
		}
		gw_reverse_plan_deinit(&plan);
	}

	/* ldns reads a first label "@" as the origin, however it is escaped:
	 * refused, not published as the domain's apex. */
	gw_reverse_prefix_t p = prefix_of("192.0.2.1/25", "l");
	gw_reverse_link_t at = {(const uint8_t *)"@", 1, &p, 1};
	gw_reverse_domain_t d = {campus, true, NULL, 0};
	gw_reverse_input_t in = {&at, 1, &d, 1, NULL, 0, 60};
	gw_reverse_plan_t plan;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &in), GW_EINVAL);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
}

static void test_plan_errors(void)
{
	campus_t c;
	gw_reverse_plan_t plan;

	campus_init(&c);
	c.links[0].label_len = 0;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_EINVAL);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	c.links[0].label_len = 64;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_EINVAL);

	campus_init(&c);
	c.guest_links[0] = 3; /* no such link */
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_EINVAL);

	campus_init(&c);
	c.p2[1].len = 129;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_EINVAL);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	CU_ASSERT_PTR_NULL(plan.zones);

	campus_init(&c);
	static const uint8_t bad[] = "\x40"; /* a label of 64 octets */
	c.domains[1].domain = bad;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_EINVAL);

	/* 63 + 1 octets of label before a 197-octet domain: 261 > 255. */
	uint8_t long_domain[255];
	size_t pos = 0;
	for (int i = 0; i < 3; i++) {
		long_domain[pos++] = 63;
		memset(long_domain + pos, 'x', 63);
		pos += 63;
	}
	long_domain[pos++] = 3;
	memcpy(long_domain + pos, "com", 3);
	pos += 3;
	long_domain[pos++] = 0;
	CU_ASSERT_EQUAL(pos, 197);
	campus_init(&c);
	char label[63];
	memset(label, 'y', sizeof(label));
	c.links[1].label = (const uint8_t *)label;
	c.links[1].label_len = 63;
	c.domains[1].domain = long_domain;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_ELIMIT);
	CU_ASSERT_EQUAL(plan.zone_count, 0);
	/* The same label fits a domain 2 octets shorter. */
	c.links[1].label_len = 57;
	CU_ASSERT_EQUAL(gw_reverse_plan_init(&plan, &c.in), GW_OK);
	gw_reverse_plan_deinit(&plan);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"two /25 links in one /24 zone and two /64s", test_plan_campus},
	    {"a zone showing every link, listed first", test_plan_every_link_and_order},
	    {"links shown by no zone", test_plan_no_domain},
	    {"configured prefixes", test_plan_configured_prefixes},
	    {"zones under others merged, subnet names shared", test_plan_merge},
	    {"labels with spaces, dots, UTF-8", test_plan_labels},
	    {"errors", test_plan_errors},
	    {NULL, NULL},
	};
	return gw_test_suite("reverse_plan", tests);
}
