/* gateway/xfr/access.c: who may transfer the zone. The address lists as
 * the configuration gives them (moved here from the configuration suite
 * with the matcher), a table of entries and clients (prefixes of both
 * families, IPv4-mapped clients, key-only entries, listed against
 * allowed, the key index rule), and the verdicts of gw_access_check() for
 * unsigned requests. */
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

/* ---- address lists of the configuration --------------------------------- */

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

/* ---- the matcher, entry by entry ---------------------------------------- */

/* An entry for addr/prefix ("*": any address) that wants key (-1: none). */
static gw_acl_entry_t entry(const char *addr, unsigned prefix, int key)
{
	gw_acl_entry_t e = {.family = AF_UNSPEC, .prefix = (uint8_t)prefix, .key = key};
	if (strcmp(addr, "*") != 0) {
		e.family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
		CU_ASSERT_FATAL(inet_pton(e.family, addr, e.addr) == 1);
	}
	return e;
}

/* A client as a socket shows it: IPv4, IPv6 or IPv4-mapped IPv6. */
static struct sockaddr_storage client(const char *addr)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		CU_ASSERT_FATAL(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		CU_ASSERT_FATAL(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
	}
	return ss;
}

/* List 0: prefixes of both families, some wanting a key (indices 0..2);
 * list 1: the same and "key 3" (any address that signs with key 3). */
static void make_lists(gw_acl_entry_t *entries, gw_acl_t *lists)
{
	entries[0] = entry("192.0.2.0", 24, -1);
	entries[1] = entry("198.51.100.0", 25, 0);
	entries[2] = entry("2001:db8::", 32, -1);
	entries[3] = entry("fd00::", 8, 1);
	entries[4] = entry("203.0.113.7", 32, 2);
	entries[5] = entry("*", 0, 3);
	lists[0] = (gw_acl_t){entries, 5};
	lists[1] = (gw_acl_t){entries, 6};
}

static void test_table(void)
{
	static const struct {
		int list;
		const char *addr;
		int key; /* the request's verified key; -1: unsigned */
		bool listed, allows, match;
	} cases[] = {
	    /* a prefix without a key: any request, signed or not */
	    {0, "192.0.2.1", -1, true, true, true},
	    {0, "192.0.2.255", 4, true, true, true},
	    {0, "192.0.3.1", -1, false, false, false},
	    {0, "::ffff:192.0.2.1", -1, true, true, true}, /* dual-stack socket */
	    {0, "::ffff:192.0.3.1", -1, false, false, false},
	    {0, "::192.0.2.1", -1, false, false, false}, /* IPv4-compatible is IPv6 */
	    {0, "c000:201::", -1, false, false, false},  /* the same bits, IPv6 */
	    {0, "2001:db8:5::1", -1, true, true, true},
	    {0, "2001:db9::1", -1, false, false, false},
	    /* a prefix with a key: listed; allowed with that key only */
	    {0, "198.51.100.1", -1, true, false, false},
	    {0, "198.51.100.1", 0, true, true, false},
	    {0, "198.51.100.1", 1, true, false, false},
	    {0, "::ffff:198.51.100.1", 0, true, true, false},
	    {0, "198.51.100.128", 0, false, false, false}, /* past the /25 */
	    {0, "fd00::53", 1, true, true, false},
	    {0, "fd00::53", -1, true, false, false},
	    {0, "fd00::53", 0, true, false, false},
	    {0, "203.0.113.7", 2, true, true, false},
	    {0, "203.0.113.8", 2, false, false, false},
	    /* a key alone: every address listed, allowed with that key */
	    {1, "192.0.3.1", -1, true, false, false},
	    {1, "192.0.3.1", 3, true, true, false},
	    {1, "2001:db9::1", 3, true, true, false},
	    {1, "2001:db9::1", 2, true, false, false},
	    {1, "198.51.100.1", 3, true, true, false},
	    {1, "192.0.2.1", -1, true, true, true},
	};
	gw_acl_entry_t entries[6];
	gw_acl_t lists[2];
	make_lists(entries, lists);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_storage ss = client(cases[i].addr);
		const struct sockaddr *sa = (const struct sockaddr *)&ss;
		const gw_acl_t *acl = &lists[cases[i].list];
		bool listed = gw_acl_listed(acl, sa);
		bool allows = gw_acl_allows(acl, sa, cases[i].key);
		bool match = gw_acl_match(acl, sa);
		if (listed != cases[i].listed || allows != cases[i].allows ||
		    match != cases[i].match)
			fprintf(stderr, "\ncase %zu (%s, key %d): listed %d allows %d match %d\n",
			        i, cases[i].addr, cases[i].key, listed, allows, match);
		CU_ASSERT_EQUAL(listed, cases[i].listed);
		CU_ASSERT_EQUAL(allows, cases[i].allows);
		CU_ASSERT_EQUAL(match, cases[i].match);
		/* allowed implies listed: a client no entry covers is refused
		 * before its TSIG is looked at */
		CU_ASSERT(!allows || listed);
	}

	/* No list, no address, or an address of another family: nobody. */
	struct sockaddr_storage ss = client("192.0.2.1");
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	CU_ASSERT_FALSE(gw_acl_listed(NULL, sa));
	CU_ASSERT_FALSE(gw_acl_allows(NULL, sa, -1));
	CU_ASSERT_FALSE(gw_acl_listed(&lists[1], NULL));
	CU_ASSERT_FALSE(gw_acl_allows(&lists[1], NULL, 3));
	ss.ss_family = AF_UNIX;
	CU_ASSERT_FALSE(gw_acl_listed(&lists[1], sa));
	CU_ASSERT_FALSE(gw_acl_allows(&lists[1], sa, 3));
	/* An empty list. */
	gw_acl_t none = {NULL, 0};
	ss = client("192.0.2.1");
	CU_ASSERT_FALSE(gw_acl_listed(&none, sa));
	CU_ASSERT_FALSE(gw_acl_allows(&none, sa, -1));
}

/* Unsigned requests: the verdict follows listed and allowed. */
static void test_check_unsigned(void)
{
	gw_acl_entry_t entries[6];
	gw_acl_t lists[2];
	gw_tsig_keyring_t keys = {NULL, 0};
	gw_query_t q;
	gw_tsig_ctx_t tsig;
	make_lists(entries, lists);
	memset(&q, 0, sizeof(q));
	gw_access_t a = {.allow = &lists[0], .keys = &keys};

	struct sockaddr_storage ok = client("192.0.2.1"), keyed = client("198.51.100.1"),
	                        far = client("192.0.3.1");
	CU_ASSERT_EQUAL(
	    gw_access_check(&a, "AXFR", (const struct sockaddr *)&ok, "ok", NULL, 0, &q, 0, &tsig),
	    GW_ACCESS_OK);
	CU_ASSERT_PTR_NULL(tsig.key);
	CU_ASSERT_EQUAL(gw_access_check(&a, "AXFR", (const struct sockaddr *)&keyed, "keyed", NULL,
	                                0, &q, 0, &tsig),
	                GW_ACCESS_REFUSED);
	CU_ASSERT_EQUAL(gw_access_check(&a, "IXFR", (const struct sockaddr *)&far, "far", NULL, 0,
	                                &q, 0, &tsig),
	                GW_ACCESS_REFUSED);
	/* No access control at all: nobody transfers. */
	CU_ASSERT_EQUAL(gw_access_check(NULL, "AXFR", (const struct sockaddr *)&ok, "ok", NULL, 0,
	                                &q, 0, &tsig),
	                GW_ACCESS_REFUSED);
}

int gw_test_register(void)
{
	return gw_test_suite("access", (gw_test_t[]){
	                                   {"default allow list", test_default_allow},
	                                   {"full file allow list", test_full_file_allow},
	                                   {"empty allow list", test_empty_allow},
	                                   {"acl match", test_acl_match},
	                                   {"allow list with keys", test_allow_with_keys},
	                                   {"table", test_table},
	                                   {"check unsigned", test_check_unsigned},
	                                   {NULL, NULL},
	                               });
}
