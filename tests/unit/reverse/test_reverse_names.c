/* gateway/reverse/names.c: the zone apex and the subnet name of a prefix,
 * for the prefix lengths links have (IPv4 /8 to /25, IPv6 /48 to /64). */
#include <CUnit/CUnit.h>

#include "cunit.h"
#include "reverse_util.h"

typedef struct {
	const char *prefix; /* as configured or found, host bits possibly set */
	const char *apex;
	const char *subnet;
} names_case_t;

static const names_case_t cases[] = {
    {"10.1.2.3/8", "10.in-addr.arpa.", "0.0.0.10.in-addr.arpa."},
    {"192.0.0.0/16", "0.192.in-addr.arpa.", "0.0.0.192.in-addr.arpa."},
    {"192.0.2.0/24", "2.0.192.in-addr.arpa.", "0.2.0.192.in-addr.arpa."},
    {"192.0.2.1/25", "2.0.192.in-addr.arpa.", "0.2.0.192.in-addr.arpa."},
    {"192.0.2.129/25", "2.0.192.in-addr.arpa.", "128.2.0.192.in-addr.arpa."},
    {"192.0.5.7/22", "0.192.in-addr.arpa.", "0.4.0.192.in-addr.arpa."},
    {"198.51.100.77/30", "100.51.198.in-addr.arpa.", "76.100.51.198.in-addr.arpa."},
    {"0.0.0.0/0", "in-addr.arpa.", "0.0.0.0.in-addr.arpa."},
    {"2001:db8:1::/48", "1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
    {"2001:db8:1:ab00::/56", "b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
    {"2001:db8:1::1/64", "0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
    {"2001:db8:1:abcd::1/60", "c.b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
    /* Not on a nibble: the zone is the /60's, the subnet keeps 2 bits. */
    {"2001:db8:1:abcd::1/62", "c.b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.c.b.a.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
    {"fd00:abcd:ef01:2345::/64", "5.4.3.2.1.0.f.e.d.c.b.a.0.0.d.f.ip6.arpa.",
     "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.5.4.3.2.1.0.f.e.d.c.b.a.0.0.d.f.ip6.arpa."},
};

static void test_names_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gw_reverse_prefix_t p = prefix_of(cases[i].prefix, NULL);
		uint8_t apex[255], subnet[255];
		int alen = gw_reverse_apex(apex, &p);
		int slen = gw_reverse_subnet(subnet, &p);

		CU_ASSERT_TRUE_FATAL(alen > 0);
		CU_ASSERT_TRUE_FATAL(slen > 0);
		CU_ASSERT_EQUAL(alen, zone_name_len(apex, sizeof(apex)));
		CU_ASSERT_EQUAL(slen, zone_name_len(subnet, sizeof(subnet)));
		if (strcmp(name_text(apex), cases[i].apex) != 0 ||
		    strcmp(name_text(subnet), cases[i].subnet) != 0)
			fprintf(stderr, "\n%s: apex %s subnet %s\n", cases[i].prefix,
			        name_text(apex), name_text(subnet));
		CU_ASSERT_STRING_EQUAL(name_text(apex), cases[i].apex);
		CU_ASSERT_STRING_EQUAL(name_text(subnet), cases[i].subnet);
		/* The subnet name is inside the zone that serves it. */
		CU_ASSERT_TRUE(zone_name_is_subdomain(subnet, apex));
	}
}

static void test_names_invalid(void)
{
	uint8_t out[255];
	gw_reverse_prefix_t p = prefix_of("192.0.2.0/24", NULL);

	p.len = 33;
	CU_ASSERT_EQUAL(gw_reverse_apex(out, &p), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_reverse_subnet(out, &p), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_reverse_prefix_normalize(&p), GW_EINVAL);
	p = prefix_of("2001:db8::/64", NULL);
	p.len = 129;
	CU_ASSERT_EQUAL(gw_reverse_apex(out, &p), GW_EINVAL);
	p.len = 64;
	p.family = AF_UNIX;
	CU_ASSERT_EQUAL(gw_reverse_apex(out, &p), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_reverse_subnet(out, &p), GW_EINVAL);
}

static void test_prefix_normalize(void)
{
	gw_reverse_prefix_t p = prefix_of("192.0.2.255/25", NULL);
	gw_reverse_prefix_t want = prefix_of("192.0.2.128/25", NULL);

	CU_ASSERT_EQUAL(gw_reverse_prefix_normalize(&p), GW_OK);
	CU_ASSERT_EQUAL(memcmp(p.addr, want.addr, sizeof(p.addr)), 0);
	p = prefix_of("2001:db8:1:ffff:ffff::1/61", NULL);
	want = prefix_of("2001:db8:1:fff8::/61", NULL);
	CU_ASSERT_EQUAL(gw_reverse_prefix_normalize(&p), GW_OK);
	CU_ASSERT_EQUAL(memcmp(p.addr, want.addr, sizeof(p.addr)), 0);
	/* IPv4 uses 4 octets: whatever lies past them is cleared. */
	p = prefix_of("192.0.2.1/32", NULL);
	p.addr[4] = 0xff;
	CU_ASSERT_EQUAL(gw_reverse_prefix_normalize(&p), GW_OK);
	CU_ASSERT_EQUAL(p.addr[3], 1);
	CU_ASSERT_EQUAL(p.addr[4], 0);
}

static void test_prefix_overlaps(void)
{
	gw_reverse_prefix_t a = prefix_of("192.0.2.0/24", NULL);
	gw_reverse_prefix_t b = prefix_of("192.0.2.128/25", NULL);
	gw_reverse_prefix_t c = prefix_of("192.0.2.0/25", NULL);
	gw_reverse_prefix_t d = prefix_of("192.0.3.0/24", NULL);
	gw_reverse_prefix_t e = prefix_of("2001:db8:1::/64", NULL);
	gw_reverse_prefix_t f = prefix_of("2001:db8::/32", NULL);
	gw_reverse_prefix_t g = prefix_of("2001:db8:2::/64", NULL);
	gw_reverse_prefix_t zero4 = prefix_of("0.0.0.0/0", NULL);

	CU_ASSERT_TRUE(gw_reverse_prefix_overlaps(&a, &b));
	CU_ASSERT_TRUE(gw_reverse_prefix_overlaps(&b, &a));
	CU_ASSERT_TRUE(gw_reverse_prefix_overlaps(&a, &a));
	CU_ASSERT_FALSE(gw_reverse_prefix_overlaps(&b, &c));
	CU_ASSERT_FALSE(gw_reverse_prefix_overlaps(&a, &d));
	CU_ASSERT_TRUE(gw_reverse_prefix_overlaps(&e, &f));
	CU_ASSERT_FALSE(gw_reverse_prefix_overlaps(&e, &g));
	CU_ASSERT_TRUE(gw_reverse_prefix_overlaps(&zero4, &d));
	/* No family holds the other's addresses. */
	CU_ASSERT_FALSE(gw_reverse_prefix_overlaps(&zero4, &e));
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"apex and subnet names per prefix length", test_names_table},
	    {"invalid prefixes", test_names_invalid},
	    {"host bits cleared", test_prefix_normalize},
	    {"prefix overlap", test_prefix_overlaps},
	    {NULL, NULL},
	};
	return gw_test_suite("reverse_names", tests);
}
