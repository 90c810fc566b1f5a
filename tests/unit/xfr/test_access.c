/* gateway/xfr/access.c: who may transfer the zone. The address lists as
 * the configuration gives them (moved here from the configuration suite
 * with the matcher). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "config/config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"
#include "gateway/xfr/access.h"

static bool match4(const gw_acl_t *acl, const char *addr)
{
	struct sockaddr_in sa = sin4(addr);
	return gw_acl_match(acl, (const struct sockaddr *)&sa);
}

static bool match6(const gw_acl_t *acl, const char *addr)
{
	struct sockaddr_in6 sa = sin6(addr);
	return gw_acl_match(acl, (const struct sockaddr *)&sa);
}

/* The built-in list: loopback of both families, and nothing else. */
static void test_default_allow(void)
{
	gw_config_t *cfg = NULL;
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);
	CU_ASSERT_TRUE(match4(&cfg->transfer.allow, "127.0.0.1"));
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "::1"));
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "::ffff:127.0.0.1"));
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "127.0.0.2"));
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "192.0.2.1"));
	CU_ASSERT_FALSE(match6(&cfg->transfer.allow, "::2"));
	gw_config_free(cfg);
}

/* tests/data/config/full.yaml: a file's list replaces the default. */
static void test_full_file_allow(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(load_data("full.yaml", &cfg, &errs), GW_OK);
	const gw_acl_t *acl = &cfg->transfer.allow;
	CU_ASSERT_TRUE(match4(acl, "192.0.2.200"));
	CU_ASSERT_TRUE(match4(acl, "198.51.100.9"));
	CU_ASSERT_TRUE(match4(acl, "203.0.113.7"));
	CU_ASSERT_FALSE(match4(acl, "203.0.113.8"));
	CU_ASSERT_TRUE(match6(acl, "2001:db8:ffff::1"));
	CU_ASSERT_FALSE(match6(acl, "2001:db9::1"));
	/* loopback was the default; a file's list replaces it */
	CU_ASSERT_FALSE(match4(acl, "127.0.0.1"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_empty_allow(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text(NULL_AND_EMPTY_YAML, &cfg, &errs), GW_OK);
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "127.0.0.1"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_acl_match(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = "zone: {domain: a}\n"
	                   "transfer:\n"
	                   "  allow:\n"
	                   "    - 192.0.2.0/23\n"             /* odd prefix, v4 */
	                   "    - 10.1.2.3\n"                 /* host, no prefix: /32 */
	                   "    - 2001:db8:0:1::/64\n"        /* v6 /64 */
	                   "    - 2001:db8:fe::/47\n"         /* v6 odd prefix */
	                   "    - fd00::1/128\n"              /* v6 host */
	                   "    - ::ffff:198.51.100.0/120\n"; /* v4-mapped: kept as v4 /24 */
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	const gw_acl_t *acl = &cfg->transfer.allow;

	CU_ASSERT_TRUE(match4(acl, "192.0.2.1"));
	CU_ASSERT_TRUE(match4(acl, "192.0.3.255"));
	CU_ASSERT_FALSE(match4(acl, "192.0.4.0"));
	CU_ASSERT_FALSE(match4(acl, "192.0.1.255"));
	CU_ASSERT_TRUE(match4(acl, "10.1.2.3"));
	CU_ASSERT_FALSE(match4(acl, "10.1.2.4"));
	CU_ASSERT_TRUE(match6(acl, "2001:db8:0:1:ffff::1"));
	CU_ASSERT_FALSE(match6(acl, "2001:db8:0:2::1"));
	CU_ASSERT_TRUE(match6(acl, "2001:db8:fe::1"));
	CU_ASSERT_TRUE(match6(acl, "2001:db8:ff:ffff::1"));
	CU_ASSERT_FALSE(match6(acl, "2001:db8:fd:ffff::1"));
	CU_ASSERT_FALSE(match6(acl, "2001:db8:100::1"));
	CU_ASSERT_TRUE(match6(acl, "fd00::1"));
	CU_ASSERT_FALSE(match6(acl, "fd00::2"));

	/* An IPv4 client on a dual-stack socket arrives v4-mapped. */
	CU_ASSERT_TRUE(match6(acl, "::ffff:192.0.2.77"));
	CU_ASSERT_TRUE(match6(acl, "::ffff:10.1.2.3"));
	CU_ASSERT_FALSE(match6(acl, "::ffff:10.1.2.4"));
	/* a v4-mapped rule matches both forms of the client */
	CU_ASSERT_TRUE(match4(acl, "198.51.100.200"));
	CU_ASSERT_TRUE(match6(acl, "::ffff:198.51.100.200"));
	CU_ASSERT_FALSE(match4(acl, "198.51.101.1"));
	/* an IPv4-compatible or NAT64 address is not IPv4 */
	CU_ASSERT_FALSE(match6(acl, "::10.1.2.3"));
	CU_ASSERT_FALSE(match6(acl, "64:ff9b::10.1.2.3"));

	struct sockaddr_un_like {
		sa_family_t family;
		char path[32];
	} un = {.family = AF_UNIX};
	CU_ASSERT_FALSE(gw_acl_match(acl, (const struct sockaddr *)&un));
	CU_ASSERT_FALSE(gw_acl_match(acl, NULL));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* /0 covers its family only */
	CU_ASSERT_EQUAL_FATAL(
	    parse_text("zone: {domain: a}\ntransfer: {allow: [0.0.0.0/0]}\n", &cfg, &errs), GW_OK);
	CU_ASSERT_TRUE(match4(&cfg->transfer.allow, "203.0.113.1"));
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "::ffff:203.0.113.1"));
	CU_ASSERT_FALSE(match6(&cfg->transfer.allow, "2001:db8::1"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	CU_ASSERT_EQUAL_FATAL(
	    parse_text("zone: {domain: a}\ntransfer: {allow: [\"::/0\"]}\n", &cfg, &errs), GW_OK);
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "2001:db8::1"));
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "203.0.113.1"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* Entries that name TSIG keys: listed, allowed with the key, matched. */
static void test_allow_with_keys(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text(TSIG_TRANSFER_YAML, &cfg, &errs), GW_OK);
	const gw_acl_t *acl = &cfg->transfer.allow;
	struct sockaddr_in lo = sin4("127.0.0.1"), net = sin4("192.0.2.9"),
	                   far = sin4("203.0.113.1");
	struct sockaddr_in6 v6 = sin6("2001:db8::1");
	const struct sockaddr *plo = (const struct sockaddr *)&lo;
	const struct sockaddr *pnet = (const struct sockaddr *)&net;
	const struct sockaddr *pfar = (const struct sockaddr *)&far;
	const struct sockaddr *pv6 = (const struct sockaddr *)&v6;
	/* Listed: every address, since "key b.example" covers all. */
	CU_ASSERT_TRUE(gw_acl_listed(acl, plo));
	CU_ASSERT_TRUE(gw_acl_listed(acl, pfar));
	CU_ASSERT_TRUE(gw_acl_listed(acl, pv6));
	/* Allowed: the network without a key, 127.0.0.1 only with xfr,
	 * anyone with b.example. */
	CU_ASSERT_TRUE(gw_acl_allows(acl, pnet, -1));
	CU_ASSERT_TRUE(gw_acl_allows(acl, pnet, 3));
	CU_ASSERT_FALSE(gw_acl_allows(acl, plo, -1));
	CU_ASSERT_TRUE(gw_acl_allows(acl, plo, 0));
	CU_ASSERT_FALSE(gw_acl_allows(acl, plo, 2));
	CU_ASSERT_TRUE(gw_acl_allows(acl, plo, 1));
	CU_ASSERT_TRUE(gw_acl_allows(acl, pv6, 1));
	CU_ASSERT_FALSE(gw_acl_allows(acl, pv6, 0));
	CU_ASSERT_FALSE(gw_acl_allows(acl, pfar, -1));
	/* The address-only view ignores entries that want a key. */
	CU_ASSERT_TRUE(gw_acl_match(acl, pnet));
	CU_ASSERT_FALSE(gw_acl_match(acl, plo));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	return gw_test_suite("access", (gw_test_t[]){
	                                   {"default allow list", test_default_allow},
	                                   {"full file allow list", test_full_file_allow},
	                                   {"empty allow list", test_empty_allow},
	                                   {"acl match", test_acl_match},
	                                   {"allow list with keys", test_allow_with_keys},
	                                   {NULL, NULL},
	                               });
}
