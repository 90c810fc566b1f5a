/* gateway/config/: defaults, whole files that load, what --check-config
 * -v prints and loads back, durations, endpoint forms, the docs example. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"
#include "gateway/config/duration.h"

static void test_defaults(void)
{
	gw_config_t *cfg = NULL;
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);

	CU_ASSERT_PTR_NULL(cfg->source);
	CU_ASSERT_STRING_EQUAL(cfg->zone.domain_str, "home.arpa.");
	CU_ASSERT_EQUAL(cfg->zone.domain_len, 11);
	CU_ASSERT_EQUAL(memcmp(cfg->zone.domain, "\4home\4arpa\0", 11), 0);
	CU_ASSERT_PTR_NULL(cfg->zone.file);
	CU_ASSERT_EQUAL_FATAL(cfg->listen_count, 2);
	assert_endpoint(&cfg->listen[0], "0.0.0.0@53");
	CU_ASSERT_EQUAL(cfg->listen[0].addrlen, sizeof(struct sockaddr_in));
	assert_endpoint(&cfg->listen[1], "[::]@53");
	CU_ASSERT_EQUAL(cfg->listen[1].addrlen, sizeof(struct sockaddr_in6));
	CU_ASSERT_PTR_NULL(cfg->ports_file);
	CU_ASSERT_TRUE(cfg->control.enable);
	CU_ASSERT_PTR_NULL(cfg->control.socket);
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, "/var/lib/dnssd-gateway");
	/* null: dnssd-gateway and its group, decided at the start */
	CU_ASSERT_PTR_NULL(cfg->user);
	CU_ASSERT_PTR_NULL(cfg->group);
	CU_ASSERT_EQUAL(cfg->log.level, GW_LOG_INFO);
	CU_ASSERT_EQUAL(cfg->server.udp_payload, 1232);
	CU_ASSERT_EQUAL(cfg->server.tcp_idle_timeout_ms, 10000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_connections, 256);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_pipelined, 32);
	CU_ASSERT_EQUAL(cfg->server.tcp_message_timeout_ms, 5000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_per_client, 0);
	CU_ASSERT_PTR_NULL(cfg->identity);
	CU_ASSERT_PTR_NULL(cfg->version);
	CU_ASSERT_EQUAL(cfg->transfer.allow.count, 2);
	assert_mirror_defaults(cfg);
	gw_config_free(cfg);
	gw_config_free(NULL);
}

static void test_full_file(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(load_data("full.yaml", &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);

	CU_ASSERT_PTR_NOT_NULL(strstr(cfg->source, "full.yaml"));
	/* "Gateway.Example.COM": made absolute and lowercase */
	CU_ASSERT_STRING_EQUAL(cfg->zone.domain_str, "gateway.example.com.");
	CU_ASSERT_EQUAL(cfg->zone.domain_len, 21);
	CU_ASSERT_EQUAL(memcmp(cfg->zone.domain, "\7gateway\7example\3com\0", 21), 0);
	CU_ASSERT_STRING_EQUAL(cfg->zone.file, "/etc/dnssd-gateway/static.zone");
	CU_ASSERT_EQUAL_FATAL(cfg->listen_count, 4);
	assert_endpoint(&cfg->listen[0], "[::1]@5353");
	assert_endpoint(&cfg->listen[1], "127.0.0.1@0");
	assert_endpoint(&cfg->listen[2], "192.0.2.1@53");
	assert_endpoint(&cfg->listen[3], "[::]@8053");
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&cfg->listen[0].addr;
	CU_ASSERT_EQUAL(a6->sin6_family, AF_INET6);
	CU_ASSERT_EQUAL(ntohs(a6->sin6_port), 5353);
	CU_ASSERT_TRUE(IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr));
	CU_ASSERT_STRING_EQUAL(cfg->ports_file, "/run/dnssd-gateway/ports");
	CU_ASSERT_FALSE(cfg->control.enable);
	CU_ASSERT_STRING_EQUAL(cfg->control.socket, "/run/gw-test/control.sock");
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, "/var/lib/dnssd-gateway-test");
	CU_ASSERT_STRING_EQUAL(cfg->user, "gw-test");
	CU_ASSERT_STRING_EQUAL(cfg->group, "gw-test-group");
	CU_ASSERT_EQUAL(cfg->log.level, GW_LOG_DEBUG);
	CU_ASSERT_EQUAL(cfg->server.udp_payload, 4096);
	CU_ASSERT_EQUAL(cfg->server.tcp_idle_timeout_ms, 2500);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_connections, 1000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_pipelined, 8);
	CU_ASSERT_EQUAL(cfg->server.tcp_message_timeout_ms, 2000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_per_client, 4);
	CU_ASSERT_STRING_EQUAL(cfg->identity, "gw1.example.com");
	CU_ASSERT_STRING_EQUAL(cfg->version, "dnssd-gateway \"test\"");

	const gw_acl_t *acl = &cfg->transfer.allow;
	CU_ASSERT_EQUAL_FATAL(acl->count, 4);
	CU_ASSERT_EQUAL(acl->entries[0].family, AF_INET);
	CU_ASSERT_EQUAL(acl->entries[0].prefix, 24);
	/* ::ffff:198.51.100.0/120 is kept as IPv4 198.51.100.0/24 */
	CU_ASSERT_EQUAL(acl->entries[2].family, AF_INET);
	CU_ASSERT_EQUAL(acl->entries[2].prefix, 24);

	CU_ASSERT_FALSE(cfg->dnssec.enable);
	CU_ASSERT_EQUAL(cfg->dnssec.algorithm, 8);
	CU_ASSERT_TRUE(cfg->dnssec.split_keys);
	CU_ASSERT_EQUAL(cfg->dnssec.rsa_bits, 3072);
	CU_ASSERT_TRUE(cfg->dnssec.nsec3);
	CU_ASSERT_EQUAL(cfg->dnssec.validity_ms, 30 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.refresh_ms, 10 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.jitter_ms, 12 * 3600000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.inception_offset_ms, 300000);
	CU_ASSERT_EQUAL(cfg->dnssec.dnskey_ttl, 7200);
	CU_ASSERT_EQUAL(cfg->dnssec.sign_threads, 4);
	CU_ASSERT_EQUAL_FATAL(cfg->dnssec.import_count, 2);
	CU_ASSERT_STRING_EQUAL(cfg->dnssec.import[0],
	                       "/etc/bind/keys/Kgateway.example.com.+008+12345.key");
	CU_ASSERT_STRING_EQUAL(cfg->dnssec.import[1], "Kgateway.example.com.+008+54321.key");

	CU_ASSERT_EQUAL_FATAL(cfg->link_count, 3);
	CU_ASSERT_STRING_EQUAL(cfg->links[0].interface, "eth0");
	CU_ASSERT_STRING_EQUAL(cfg->links[0].subdomain, "LAN"); /* case kept (RFC 8766 5.3) */
	/* no subdomain: the interface name, case kept */
	CU_ASSERT_STRING_EQUAL(cfg->links[1].interface, "Wlan0");
	CU_ASSERT_STRING_EQUAL(cfg->links[1].subdomain, "Wlan0");
	CU_ASSERT_STRING_EQUAL(cfg->links[2].interface, "br-guest.10");
	CU_ASSERT_STRING_EQUAL(cfg->links[2].subdomain, "guest");

	CU_ASSERT_FALSE(cfg->mdns.enable); /* "off" */
	CU_ASSERT_TRUE(cfg->mdns.ipv4);    /* "yes" */
	CU_ASSERT_FALSE(cfg->mdns.ipv6);
	CU_ASSERT_EQUAL(cfg->mdns.ttl_cap, 2); /* 2500ms, rounded down */
	CU_ASSERT_EQUAL(cfg->mdns.batch_window_ms, 0);
	CU_ASSERT_EQUAL(cfg->mdns.warmup_ms, 600000);
	CU_ASSERT_EQUAL(cfg->mdns.link_grace_ms, 86400000ULL);
	CU_ASSERT_TRUE(cfg->mdns.drop_private);
	CU_ASSERT_EQUAL_FATAL(cfg->mdns.subtype_count, 2);
	CU_ASSERT_STRING_EQUAL(cfg->mdns.subtypes[0], "_printer._sub._http._tcp");
	CU_ASSERT_STRING_EQUAL(cfg->mdns.subtypes[1], "_x-y_z._sub._my-svc._udp");
	CU_ASSERT_EQUAL(cfg->mdns.limits.services_per_link, 100000);
	CU_ASSERT_EQUAL(cfg->mdns.limits.records_per_name, 1);
	CU_ASSERT_EQUAL(cfg->mdns.limits.txt_size, 8900);
	CU_ASSERT_EQUAL(cfg->mdns.limits.changes_per_second, 5);

	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_minimal_file(void)
{
	gw_config_t *cfg;
	gw_config_t *def;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(load_data("minimal.yaml", &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&def), GW_OK);

	/* "home.arpa" without the final dot is the same absolute name */
	CU_ASSERT_STRING_EQUAL(cfg->zone.domain_str, "home.arpa.");
	CU_ASSERT_EQUAL(cfg->zone.domain_len, def->zone.domain_len);
	CU_ASSERT_EQUAL(memcmp(cfg->zone.domain, def->zone.domain, def->zone.domain_len), 0);
	CU_ASSERT_EQUAL(cfg->listen_count, def->listen_count);
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, def->state_dir);
	CU_ASSERT_EQUAL(cfg->server.udp_payload, def->server.udp_payload);
	CU_ASSERT_EQUAL(cfg->server.tcp_idle_timeout_ms, def->server.tcp_idle_timeout_ms);
	CU_ASSERT_EQUAL(cfg->transfer.allow.count, 2);
	CU_ASSERT_PTR_NULL(cfg->identity);
	assert_mirror_defaults(cfg);
	assert_same_mirror(cfg, def);

	gw_config_free(def);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_null_and_empty_values(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = NULL_AND_EMPTY_YAML;
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_PTR_NULL(cfg->zone.file);
	CU_ASSERT_PTR_NULL(cfg->identity);
	CU_ASSERT_PTR_NULL(cfg->version);
	CU_ASSERT_PTR_NULL(cfg->ports_file);
	/* an empty list means nobody, unlike an absent key (loopback) */
	CU_ASSERT_EQUAL(cfg->transfer.allow.count, 0);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_print_round_trip(void)
{
	const char *names[] = {"full.yaml", "minimal.yaml"};
	gw_config_t *a;
	gw_config_errors_t errs;

	for (size_t n = 0; n < 2; n++) {
		CU_ASSERT_EQUAL_FATAL(load_data(names[n], &a, &errs), GW_OK);
		gw_config_errors_deinit(&errs);
		assert_round_trip(a);
		gw_config_free(a);
	}
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&a), GW_OK);
	assert_round_trip(a);
	gw_config_free(a);

	/* Empty lists print as [] and load back empty: no subtypes, not the
	 * default five. */
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\n"
	                                 "dnssec: {import: [], algorithm: 15}\n"
	                                 "mdns: {subtypes: [], ipv4: off}\n",
	                                 &a, &errs),
	                      GW_OK);
	CU_ASSERT_EQUAL(a->mdns.subtype_count, 0);
	CU_ASSERT_EQUAL(a->dnssec.algorithm, 15);
	assert_round_trip(a);
	gw_config_free(a);
	gw_config_errors_deinit(&errs);
}

/* Values at the edges of their ranges and other spellings that must load. */
static void test_mirror_values_valid(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;

	/* short signature times, as tests use them; jitter 0; limits at 1 */
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\n"
	                                 "dnssec:\n"
	                                 "  algorithm: 13\n"
	                                 "  enable: No\n"
	                                 "  signature-validity: 1m\n"
	                                 "  refresh: 30s\n"
	                                 "  jitter: 0\n"
	                                 "  inception-offset: 1d\n"
	                                 "  dnskey-ttl: 86400\n"
	                                 "  sign-threads: 64\n"
	                                 "  rsa-bits: 4096\n"
	                                 "  keys: KSK-ZSK\n"
	                                 "  denial: NSEC3\n"
	                                 "links: []\n"
	                                 "mdns:\n"
	                                 "  ipv6: false\n"
	                                 "  ttl-cap: 1h\n"
	                                 "  batch-window: 10s\n"
	                                 "  warm-up: 0s\n"
	                                 "  link-grace: 0\n"
	                                 "  limits: {services-per-link: 1, txt-size: 1}\n",
	                                 &cfg, &errs),
	                      GW_OK);
	CU_ASSERT_EQUAL(cfg->dnssec.algorithm, 13);
	CU_ASSERT_FALSE(cfg->dnssec.enable);
	CU_ASSERT_EQUAL(cfg->dnssec.validity_ms, 60000);
	CU_ASSERT_EQUAL(cfg->dnssec.refresh_ms, 30000);
	CU_ASSERT_EQUAL(cfg->dnssec.jitter_ms, 0);
	CU_ASSERT_EQUAL(cfg->dnssec.inception_offset_ms, 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.dnskey_ttl, 86400);
	CU_ASSERT_EQUAL(cfg->dnssec.sign_threads, 64);
	CU_ASSERT_EQUAL(cfg->dnssec.rsa_bits, 4096);
	CU_ASSERT_TRUE(cfg->dnssec.split_keys);
	CU_ASSERT_TRUE(cfg->dnssec.nsec3);
	CU_ASSERT_EQUAL(cfg->link_count, 0); /* []: every multicast interface */
	CU_ASSERT_TRUE(cfg->mdns.ipv4);
	CU_ASSERT_FALSE(cfg->mdns.ipv6);
	CU_ASSERT_EQUAL(cfg->mdns.ttl_cap, 3600);
	CU_ASSERT_EQUAL(cfg->mdns.batch_window_ms, 10000);
	CU_ASSERT_EQUAL(cfg->mdns.warmup_ms, 0);
	CU_ASSERT_EQUAL(cfg->mdns.link_grace_ms, 0);
	CU_ASSERT_EQUAL(cfg->mdns.limits.services_per_link, 1);
	CU_ASSERT_EQUAL(cfg->mdns.limits.txt_size, 1);
	CU_ASSERT_EQUAL(cfg->mdns.limits.records_per_name, 32); /* untouched: default */
	CU_ASSERT_EQUAL(cfg->mdns.subtype_count, 5);            /* absent: the default list */
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* algorithm names in any case and as numbers; ttl-cap rounds down */
	static const struct {
		const char *text;
		uint8_t alg;
	} algs[] = {
	    {"ED25519", 15}, {"15", 15}, {"rsasha256", 8}, {"8", 8}, {"EcdsaP256Sha256", 13}};
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text),
		         "zone: {domain: a}\ndnssec: {algorithm: %s}\nmdns: {ttl-cap: 1999ms}\n",
		         algs[i].text);
		CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
		CU_ASSERT_EQUAL(cfg->dnssec.algorithm, algs[i].alg);
		CU_ASSERT_EQUAL(cfg->mdns.ttl_cap, 1);
		gw_config_free(cfg);
		gw_config_errors_deinit(&errs);
	}
}

static void test_durations(void)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t ms;
	} cases[] = {
	    {"500ms", GW_OK, 500},
	    {"30s", GW_OK, 30000},
	    {"5m", GW_OK, 300000},
	    {"2h", GW_OK, 7200000},
	    {"14d", GW_OK, 1209600000},
	    {"10", GW_OK, 10000}, /* bare number: seconds */
	    {"0", GW_OK, 0},
	    {"0ms", GW_OK, 0},
	    {"007s", GW_OK, 7000},
	    {"18446744073709551615ms", GW_OK, UINT64_MAX},
	    {"18446744073709551616ms", GW_ELIMIT, 0},
	    {"18446744073709552s", GW_ELIMIT, 0},
	    {"213503982335d", GW_ELIMIT, 0},
	    {"99999999999999999999999999d", GW_ELIMIT, 0},
	    {"", GW_EINVAL, 0},
	    {"s", GW_EINVAL, 0},
	    {"-1s", GW_EINVAL, 0},
	    {"+1s", GW_EINVAL, 0},
	    {" 1s", GW_EINVAL, 0},
	    {"1s ", GW_EINVAL, 0},
	    {"1 s", GW_EINVAL, 0},
	    {"1.5s", GW_EINVAL, 0},
	    {"1S", GW_EINVAL, 0},
	    {"1w", GW_EINVAL, 0},
	    {"1h30m", GW_EINVAL, 0},
	    {"0x10s", GW_EINVAL, 0},
	    {"99999999999999999999999x", GW_EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t ms = 12345;
		int ret = gw_duration_parse(cases[i].text, &ms);
		if (ret != cases[i].ret)
			fprintf(stderr, "\n'%s': got %d, want %d\n", cases[i].text, ret,
			        cases[i].ret);
		CU_ASSERT_EQUAL(ret, cases[i].ret);
		CU_ASSERT_EQUAL(ms, cases[i].ret == GW_OK ? cases[i].ms : 12345);
	}
	CU_ASSERT_EQUAL(gw_duration_parse(NULL, &(uint64_t){0}), GW_EINVAL);

	static const struct {
		uint64_t ms;
		const char *text;
	} fmt[] = {
	    {0, "0s"},       {1, "1ms"},          {1500, "1500ms"},
	    {10000, "10s"},  {90000, "90s"},      {120000, "2m"},
	    {7200000, "2h"}, {1209600000, "14d"}, {UINT64_MAX, "18446744073709551615ms"},
	};
	for (size_t i = 0; i < sizeof(fmt) / sizeof(fmt[0]); i++) {
		char buf[32];
		uint64_t back = 0;
		CU_ASSERT_EQUAL(gw_duration_format(fmt[i].ms, buf, sizeof(buf)), GW_OK);
		CU_ASSERT_STRING_EQUAL(buf, fmt[i].text);
		CU_ASSERT_EQUAL(gw_duration_parse(buf, &back), GW_OK);
		CU_ASSERT_EQUAL(back, fmt[i].ms);
	}
	char small[3];
	CU_ASSERT_EQUAL(gw_duration_format(1500, small, sizeof(small)), GW_ESPACE);
	CU_ASSERT_EQUAL(small[2], '\0');
}

static void test_endpoint_forms(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = "zone: {domain: a}\n"
	                   "listen: [\"::1@53\", \"[fe80::1]@0\", \"0.0.0.0@65535\", \"::\"]\n";
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->listen_count, 4);
	assert_endpoint(&cfg->listen[0], "[::1]@53");
	assert_endpoint(&cfg->listen[1], "[fe80::1]@0");
	assert_endpoint(&cfg->listen[2], "0.0.0.0@65535");
	assert_endpoint(&cfg->listen[3], "[::]@53");
	char small[8];
	CU_ASSERT_EQUAL(gw_config_endpoint_format(&cfg->listen[0], small, sizeof(small)),
	                GW_ESPACE);
	gw_endpoint_t none = {.addrlen = 0};
	CU_ASSERT_EQUAL(gw_config_endpoint_format(&none, small, sizeof(small)), GW_EINVAL);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* The reference example must stay valid, and agree with the defaults. */
static void test_docs_example(void)
{
	char path[1024];
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(path, sizeof(path), "%s/../../docs/dnssd-gateway.yaml",
	         dir != NULL ? dir : "tests/data");
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	int ret = gw_config_load(&cfg, path, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	/* it spells out the defaults, so that it also documents them */
	assert_mirror_defaults(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	return gw_test_suite("config values",
	                     (gw_test_t[]){
	                         {"defaults", test_defaults},
	                         {"full file", test_full_file},
	                         {"minimal file", test_minimal_file},
	                         {"null and empty values", test_null_and_empty_values},
	                         {"print round trip", test_print_round_trip},
	                         {"mirror values valid", test_mirror_values_valid},
	                         {"durations", test_durations},
	                         {"endpoint forms", test_endpoint_forms},
	                         {"docs example", test_docs_example},
	                         {NULL, NULL},
	                     });
}
