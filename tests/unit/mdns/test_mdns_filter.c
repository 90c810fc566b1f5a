/* mdns/filter.c: which addresses may be published (RFC 8766 5.5.2). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cunit.h"
#include "mdns/mdns.h"

static const struct {
	const char *addr;
	bool plain;   /* publishable by default */
	bool private; /* publishable with drop_private */
} cases[] = {
    {"192.0.2.10", true, true},
    {"198.51.100.7", true, true},
    {"169.254.1.1", false, false},
    {"169.254.255.255", false, false},
    {"169.253.1.1", true, true},
    {"127.0.0.1", false, false},
    {"127.255.0.9", false, false},
    {"0.0.0.0", false, false},
    {"224.0.0.251", false, false},
    {"255.255.255.255", false, false},
    {"10.1.2.3", true, false},
    {"172.16.0.1", true, false},
    {"172.31.255.255", true, false},
    {"172.32.0.1", true, true},
    {"192.168.1.1", true, false},
    {"2001:db8::10", true, true},
    {"fe80::1", false, false},
    {"febf::1", false, false},
    {"fec0::1", true, true},
    {"::1", false, false},
    {"::", false, false},
    {"ff02::fb", false, false},
    {"fd00::2", true, false},
    {"fc00::1", true, false},
    {"::ffff:169.254.3.4", false, false},
    {"::ffff:192.0.2.1", true, true},
    {"::ffff:10.0.0.1", true, false},
};

static void test_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t a[16];
		uint16_t type = DNS_T_A, len = 4;
		if (strchr(cases[i].addr, ':') != NULL) {
			type = DNS_T_AAAA;
			len = 16;
			CU_ASSERT_FATAL(inet_pton(AF_INET6, cases[i].addr, a) == 1);
		} else {
			CU_ASSERT_FATAL(inet_pton(AF_INET, cases[i].addr, a) == 1);
		}
		bool plain = mdns_address_publishable(type, a, len, false);
		bool priv = mdns_address_publishable(type, a, len, true);
		if (plain != cases[i].plain || priv != cases[i].private)
			fprintf(stderr, "filter case %s: %d %d\n", cases[i].addr, plain, priv);
		CU_ASSERT_EQUAL(plain, cases[i].plain);
		CU_ASSERT_EQUAL(priv, cases[i].private);
	}
}

static void test_lengths(void)
{
	static const uint8_t a[16] = {192, 0, 2, 1};
	CU_ASSERT_FALSE(mdns_address_publishable(DNS_T_A, a, 3, false));
	CU_ASSERT_FALSE(mdns_address_publishable(DNS_T_A, a, 16, false));
	CU_ASSERT_FALSE(mdns_address_publishable(DNS_T_AAAA, a, 4, false));
	CU_ASSERT_FALSE(mdns_address_publishable(DNS_T_TXT, a, 4, false));
	CU_ASSERT_TRUE(mdns_address_publishable(DNS_T_A, a, 4, false));
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"addresses", test_table},
	    {"rdata lengths", test_lengths},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_filter", tests);
}
