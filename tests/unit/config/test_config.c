/* gateway/config.c and gateway/duration.c: defaults, a full file, every
 * kind of error with its place in the file, durations, address lists. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/config/config.h"
#include "gateway/config/duration.h"

/* ---- helpers ------------------------------------------------------------ */

static void data_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(buf, len, "%s/config/%s", dir != NULL ? dir : "tests/data", name);
}

/* Load tests/data/config/name; *cfg is NULL unless the load succeeded. */
static int load_data(const char *name, gw_config_t **cfg, gw_config_errors_t *errs)
{
	char path[1024];
	data_path(path, sizeof(path), name);
	*cfg = NULL;
	gw_config_errors_init(errs);
	return gw_config_load(cfg, path, errs);
}

static int parse_text(const char *text, gw_config_t **cfg, gw_config_errors_t *errs)
{
	*cfg = NULL;
	gw_config_errors_init(errs);
	return gw_config_parse(cfg, "inline.yaml", text, strlen(text), errs);
}

/* The problem reported at line, or NULL. Checks that the text starts with
 * "FILE:LINE:" so that the place a user reads is the place stored. */
static const char *error_at(const gw_config_errors_t *errs, const char *file, unsigned line)
{
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s:%u:", file, line);
	for (size_t i = 0; i < errs->count; i++) {
		const gw_config_error_t *e = &errs->items[i];
		if (e->line != line)
			continue;
		const char *base = strstr(e->text, prefix);
		if (base == e->text || (base != NULL && base[-1] == '/'))
			return e->text;
	}
	return NULL;
}

/* One problem at line whose text contains every one of the needles. */
#define ASSERT_ERROR(errs, file, line, ...)                                                        \
	do {                                                                                       \
		const char *text_ = error_at((errs), (file), (line));                              \
		CU_ASSERT_PTR_NOT_NULL_FATAL(text_);                                               \
		const char *needles_[] = {__VA_ARGS__};                                            \
		for (size_t k_ = 0; k_ < sizeof(needles_) / sizeof(needles_[0]); k_++) {           \
			if (strstr(text_, needles_[k_]) == NULL)                                   \
				fprintf(stderr, "\n'%s' lacks '%s'\n", text_, needles_[k_]);       \
			CU_ASSERT_PTR_NOT_NULL(strstr(text_, needles_[k_]));                       \
		}                                                                                  \
	} while (0)

static struct sockaddr_in sin4(const char *addr)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	CU_ASSERT_EQUAL(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	return sa;
}

static struct sockaddr_in6 sin6(const char *addr)
{
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	CU_ASSERT_EQUAL(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	return sa;
}

static bool match4(const gw_acl_t *acl, const char *addr)
{
	struct sockaddr_in sa = sin4(addr);
	return gw_config_acl_match(acl, (const struct sockaddr *)&sa);
}

static bool match6(const gw_acl_t *acl, const char *addr)
{
	struct sockaddr_in6 sa = sin6(addr);
	return gw_config_acl_match(acl, (const struct sockaddr *)&sa);
}

static void assert_endpoint(const gw_endpoint_t *ep, const char *text)
{
	char buf[64];
	CU_ASSERT_EQUAL(gw_config_endpoint_format(ep, buf, sizeof(buf)), GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, text);
}

/* ---- defaults and valid files ------------------------------------------- */

static const char *const g_default_subtypes[] = {
    "_universal._sub._ipp._tcp",  "_print._sub._ipp._tcp",    "_cups._sub._ipp._tcp",
    "_universal._sub._ipps._tcp", "_printer._sub._http._tcp",
};

/* dnssec, links and mdns as docs/configuration.md gives their defaults. */
static void assert_mirror_defaults(const gw_config_t *cfg)
{
	CU_ASSERT_TRUE(cfg->dnssec.enable);
	CU_ASSERT_EQUAL(cfg->dnssec.algorithm, 13);
	CU_ASSERT_FALSE(cfg->dnssec.split_keys);
	CU_ASSERT_EQUAL(cfg->dnssec.rsa_bits, 2048);
	CU_ASSERT_FALSE(cfg->dnssec.nsec3);
	CU_ASSERT_EQUAL(cfg->dnssec.validity_ms, 14 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.refresh_ms, 7 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.jitter_ms, 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.inception_offset_ms, 3600000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.dnskey_ttl, 3600);
	CU_ASSERT_EQUAL(cfg->dnssec.sign_threads, 0);
	CU_ASSERT_EQUAL(cfg->dnssec.import_count, 0);
	CU_ASSERT_PTR_NULL(cfg->dnssec.import);

	CU_ASSERT_EQUAL(cfg->link_count, 0);
	CU_ASSERT_PTR_NULL(cfg->links);

	CU_ASSERT_TRUE(cfg->mdns.enable);
	CU_ASSERT_TRUE(cfg->mdns.ipv4);
	CU_ASSERT_TRUE(cfg->mdns.ipv6);
	CU_ASSERT_EQUAL(cfg->mdns.ttl_cap, 10);
	CU_ASSERT_EQUAL(cfg->mdns.batch_window_ms, 50);
	CU_ASSERT_EQUAL(cfg->mdns.warmup_ms, 5000);
	CU_ASSERT_EQUAL(cfg->mdns.link_grace_ms, 30000);
	CU_ASSERT_FALSE(cfg->mdns.drop_private);
	CU_ASSERT_EQUAL_FATAL(cfg->mdns.subtype_count, 5);
	for (size_t i = 0; i < 5; i++)
		CU_ASSERT_STRING_EQUAL(cfg->mdns.subtypes[i], g_default_subtypes[i]);
	CU_ASSERT_EQUAL(cfg->mdns.limits.services_per_link, 1000);
	CU_ASSERT_EQUAL(cfg->mdns.limits.records_per_name, 32);
	CU_ASSERT_EQUAL(cfg->mdns.limits.txt_size, 1300);
	CU_ASSERT_EQUAL(cfg->mdns.limits.changes_per_second, 200);
}

static bool same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_strings(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (!same_string(a[i], b[i]))
			return false;
	}
	return true;
}

/* Every field of dnssec, links and mdns. */
static void assert_same_mirror(const gw_config_t *a, const gw_config_t *b)
{
	CU_ASSERT_EQUAL(a->dnssec.enable, b->dnssec.enable);
	CU_ASSERT_EQUAL(a->dnssec.algorithm, b->dnssec.algorithm);
	CU_ASSERT_EQUAL(a->dnssec.split_keys, b->dnssec.split_keys);
	CU_ASSERT_EQUAL(a->dnssec.rsa_bits, b->dnssec.rsa_bits);
	CU_ASSERT_EQUAL(a->dnssec.nsec3, b->dnssec.nsec3);
	CU_ASSERT_EQUAL(a->dnssec.validity_ms, b->dnssec.validity_ms);
	CU_ASSERT_EQUAL(a->dnssec.refresh_ms, b->dnssec.refresh_ms);
	CU_ASSERT_EQUAL(a->dnssec.jitter_ms, b->dnssec.jitter_ms);
	CU_ASSERT_EQUAL(a->dnssec.inception_offset_ms, b->dnssec.inception_offset_ms);
	CU_ASSERT_EQUAL(a->dnssec.dnskey_ttl, b->dnssec.dnskey_ttl);
	CU_ASSERT_EQUAL(a->dnssec.sign_threads, b->dnssec.sign_threads);
	CU_ASSERT_TRUE(same_strings(a->dnssec.import, a->dnssec.import_count, b->dnssec.import,
	                            b->dnssec.import_count));
	CU_ASSERT_EQUAL_FATAL(a->link_count, b->link_count);
	for (size_t i = 0; i < a->link_count; i++) {
		CU_ASSERT_STRING_EQUAL(a->links[i].interface, b->links[i].interface);
		CU_ASSERT_STRING_EQUAL(a->links[i].subdomain, b->links[i].subdomain);
	}
	CU_ASSERT_EQUAL(a->mdns.enable, b->mdns.enable);
	CU_ASSERT_EQUAL(a->mdns.ipv4, b->mdns.ipv4);
	CU_ASSERT_EQUAL(a->mdns.ipv6, b->mdns.ipv6);
	CU_ASSERT_EQUAL(a->mdns.ttl_cap, b->mdns.ttl_cap);
	CU_ASSERT_EQUAL(a->mdns.batch_window_ms, b->mdns.batch_window_ms);
	CU_ASSERT_EQUAL(a->mdns.warmup_ms, b->mdns.warmup_ms);
	CU_ASSERT_EQUAL(a->mdns.link_grace_ms, b->mdns.link_grace_ms);
	CU_ASSERT_EQUAL(a->mdns.drop_private, b->mdns.drop_private);
	CU_ASSERT_TRUE(same_strings(a->mdns.subtypes, a->mdns.subtype_count, b->mdns.subtypes,
	                            b->mdns.subtype_count));
	CU_ASSERT_EQUAL(a->mdns.limits.services_per_link, b->mdns.limits.services_per_link);
	CU_ASSERT_EQUAL(a->mdns.limits.records_per_name, b->mdns.limits.records_per_name);
	CU_ASSERT_EQUAL(a->mdns.limits.txt_size, b->mdns.limits.txt_size);
	CU_ASSERT_EQUAL(a->mdns.limits.changes_per_second, b->mdns.limits.changes_per_second);
}

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
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, "/var/lib/dnssd-gateway");
	CU_ASSERT_EQUAL(cfg->log.level, GW_LOG_INFO);
	CU_ASSERT_EQUAL(cfg->server.udp_payload, 1232);
	CU_ASSERT_EQUAL(cfg->server.tcp_idle_timeout_ms, 10000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_connections, 256);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_pipelined, 32);
	CU_ASSERT_PTR_NULL(cfg->identity);
	CU_ASSERT_PTR_NULL(cfg->version);
	CU_ASSERT_EQUAL(cfg->transfer.allow.count, 2);
	CU_ASSERT_TRUE(match4(&cfg->transfer.allow, "127.0.0.1"));
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "::1"));
	CU_ASSERT_TRUE(match6(&cfg->transfer.allow, "::ffff:127.0.0.1"));
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "127.0.0.2"));
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "192.0.2.1"));
	CU_ASSERT_FALSE(match6(&cfg->transfer.allow, "::2"));
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
	CU_ASSERT_STRING_EQUAL(cfg->state_dir, "/var/lib/dnssd-gateway-test");
	CU_ASSERT_EQUAL(cfg->log.level, GW_LOG_DEBUG);
	CU_ASSERT_EQUAL(cfg->server.udp_payload, 4096);
	CU_ASSERT_EQUAL(cfg->server.tcp_idle_timeout_ms, 2500);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_connections, 1000);
	CU_ASSERT_EQUAL(cfg->server.tcp_max_pipelined, 8);
	CU_ASSERT_STRING_EQUAL(cfg->identity, "gw1.example.com");
	CU_ASSERT_STRING_EQUAL(cfg->version, "dnssd-gateway \"test\"");

	const gw_acl_t *acl = &cfg->transfer.allow;
	CU_ASSERT_EQUAL_FATAL(acl->count, 4);
	CU_ASSERT_EQUAL(acl->entries[0].family, AF_INET);
	CU_ASSERT_EQUAL(acl->entries[0].prefix, 24);
	/* ::ffff:198.51.100.0/120 is kept as IPv4 198.51.100.0/24 */
	CU_ASSERT_EQUAL(acl->entries[2].family, AF_INET);
	CU_ASSERT_EQUAL(acl->entries[2].prefix, 24);
	CU_ASSERT_TRUE(match4(acl, "192.0.2.200"));
	CU_ASSERT_TRUE(match4(acl, "198.51.100.9"));
	CU_ASSERT_TRUE(match4(acl, "203.0.113.7"));
	CU_ASSERT_FALSE(match4(acl, "203.0.113.8"));
	CU_ASSERT_TRUE(match6(acl, "2001:db8:ffff::1"));
	CU_ASSERT_FALSE(match6(acl, "2001:db9::1"));
	/* loopback was the default; a file's list replaces it */
	CU_ASSERT_FALSE(match4(acl, "127.0.0.1"));

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
	CU_ASSERT_STRING_EQUAL(cfg->links[0].subdomain, "lan"); /* "LAN" lowercased */
	/* no subdomain: the interface name, lowercased; the interface keeps its case */
	CU_ASSERT_STRING_EQUAL(cfg->links[1].interface, "Wlan0");
	CU_ASSERT_STRING_EQUAL(cfg->links[1].subdomain, "wlan0");
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
	const char *text = "zone: {domain: example.org., file: null}\n"
	                   "identity: ~\n"
	                   "version: null\n"
	                   "ports-file:\n"
	                   "transfer: {allow: []}\n";
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_PTR_NULL(cfg->zone.file);
	CU_ASSERT_PTR_NULL(cfg->identity);
	CU_ASSERT_PTR_NULL(cfg->version);
	CU_ASSERT_PTR_NULL(cfg->ports_file);
	/* an empty list means nobody, unlike an absent key (loopback) */
	CU_ASSERT_EQUAL(cfg->transfer.allow.count, 0);
	CU_ASSERT_FALSE(match4(&cfg->transfer.allow, "127.0.0.1"));
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* What --check-config -v prints loads back to the same values. */
static void assert_round_trip(const gw_config_t *a)
{
	gw_config_t *b = NULL;
	gw_config_errors_t errs;
	char *text = NULL;
	size_t len = 0;

	FILE *fp = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(gw_config_print(a, fp), GW_OK);
	fclose(fp);
	gw_config_errors_init(&errs);
	int ret = gw_config_parse(&b, "printed.yaml", text, len, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);

	CU_ASSERT_STRING_EQUAL(a->zone.domain_str, b->zone.domain_str);
	CU_ASSERT_TRUE(same_string(a->zone.file, b->zone.file));
	CU_ASSERT_EQUAL_FATAL(a->listen_count, b->listen_count);
	for (size_t i = 0; i < a->listen_count; i++) {
		CU_ASSERT_EQUAL(a->listen[i].addrlen, b->listen[i].addrlen);
		CU_ASSERT_EQUAL(
		    memcmp(&a->listen[i].addr, &b->listen[i].addr, a->listen[i].addrlen), 0);
	}
	CU_ASSERT_TRUE(same_string(a->ports_file, b->ports_file));
	CU_ASSERT_STRING_EQUAL(a->state_dir, b->state_dir);
	CU_ASSERT_EQUAL(a->log.level, b->log.level);
	CU_ASSERT_EQUAL(a->server.udp_payload, b->server.udp_payload);
	CU_ASSERT_EQUAL(a->server.tcp_idle_timeout_ms, b->server.tcp_idle_timeout_ms);
	CU_ASSERT_EQUAL(a->server.tcp_max_connections, b->server.tcp_max_connections);
	CU_ASSERT_EQUAL(a->server.tcp_max_pipelined, b->server.tcp_max_pipelined);
	CU_ASSERT_TRUE(same_string(a->identity, b->identity));
	CU_ASSERT_TRUE(same_string(a->version, b->version));
	CU_ASSERT_EQUAL_FATAL(a->transfer.allow.count, b->transfer.allow.count);
	CU_ASSERT_EQUAL(memcmp(a->transfer.allow.entries, b->transfer.allow.entries,
	                       a->transfer.allow.count * sizeof(gw_acl_entry_t)),
	                0);
	CU_ASSERT_EQUAL_FATAL(a->transfer.notify_count, b->transfer.notify_count);
	if (a->transfer.notify_count > 0)
		CU_ASSERT_EQUAL(memcmp(a->transfer.notify, b->transfer.notify,
		                       a->transfer.notify_count * sizeof(gw_notify_target_t)),
		                0);
	CU_ASSERT_EQUAL(a->transfer.journal_size, b->transfer.journal_size);
	CU_ASSERT_EQUAL(a->transfer.journal_entries, b->transfer.journal_entries);
	CU_ASSERT_EQUAL_FATAL(a->tsig_key_count, b->tsig_key_count);
	for (size_t i = 0; i < a->tsig_key_count; i++) {
		CU_ASSERT_STRING_EQUAL(a->tsig_keys[i].name, b->tsig_keys[i].name);
		CU_ASSERT_EQUAL(a->tsig_keys[i].algorithm, b->tsig_keys[i].algorithm);
		CU_ASSERT_STRING_EQUAL(a->tsig_keys[i].secret, b->tsig_keys[i].secret);
		CU_ASSERT_TRUE(same_string(a->tsig_keys[i].file, b->tsig_keys[i].file));
	}
	assert_same_mirror(a, b);
	free(text);
	gw_config_free(b);
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

/* ---- errors ------------------------------------------------------------- */

static void test_unknown_keys(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL(load_data("unknown_key.yaml", &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	/* all three at once, in file order, each at its key */
	CU_ASSERT_EQUAL(errs.count, 3);
	ASSERT_ERROR(&errs, "unknown_key.yaml", 3, "unknown_key.yaml:3:1: listn: unknown key",
	             "did you mean 'listen'");
	ASSERT_ERROR(&errs, "unknown_key.yaml", 6, ":6:3: server.tcp-idle-timout: unknown key",
	             "'tcp-idle-timeout'");
	ASSERT_ERROR(&errs, "unknown_key.yaml", 9, "transfer.notifyy: unknown key", "allow");
	CU_ASSERT_EQUAL(errs.items[0].line, 3);
	CU_ASSERT_EQUAL(errs.items[1].line, 6);
	CU_ASSERT_EQUAL(errs.items[2].line, 9);
	gw_config_errors_deinit(&errs);
}

static void test_wrong_types(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL(load_data("wrong_type.yaml", &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_EQUAL(errs.count, 4);
	ASSERT_ERROR(&errs, "wrong_type.yaml", 3, "listen: expects a list, found a single value");
	ASSERT_ERROR(&errs, "wrong_type.yaml", 4, "log: expects a mapping");
	ASSERT_ERROR(&errs, "wrong_type.yaml", 6,
	             "server.udp-payload: expects a single value, found a list");
	ASSERT_ERROR(&errs, "wrong_type.yaml", 7,
	             "identity: expects a single value, found a mapping");
	gw_config_errors_deinit(&errs);

	/* Scalar content is libcyaml's to judge; its message is captured and
	 * placed at the value. */
	CU_ASSERT_EQUAL(load_data("wrong_number.yaml", &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_EQUAL(errs.count, 1);
	ASSERT_ERROR(&errs, "wrong_number.yaml", 5,
	             "wrong_number.yaml:5:16: server.udp-payload: 'twelve' is not a whole number",
	             "write digits only");
	gw_config_errors_deinit(&errs);
}

/* A file that fits the schema, with every value wrong: all reported. */
static void test_bad_values(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "bad_values.yaml";
	CU_ASSERT_EQUAL(load_data(f, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(errs.count, 13);
	CU_ASSERT_EQUAL(errs.omitted, 0);
	ASSERT_ERROR(&errs, f, 3, "zone.domain: 'home..arpa' has an empty label");
	ASSERT_ERROR(&errs, f, 6, "bad_values.yaml:6:5: listen[1]: '0.0.0.0:53' is not ADDR@PORT",
	             "write e.g. 0.0.0.0@53");
	ASSERT_ERROR(&errs, f, 7, "listen[2]: '[::1]@70000' has port 70000, out of range",
	             "0 to 65535");
	ASSERT_ERROR(&errs, f, 8, "listen[3]: 'gateway.local@53'", "not resolved");
	ASSERT_ERROR(&errs, f, 9, "listen[4]: '127.0.0.1@53' is listed twice");
	ASSERT_ERROR(&errs, f, 11, "log.level: 'verbose' is not a log level", "debug");
	ASSERT_ERROR(&errs, f, 13, "server.udp-payload: 100 is out of range; use 512 to 4096");
	ASSERT_ERROR(&errs, f, 14, "server.tcp-idle-timeout: '10 seconds' is not a duration",
	             "e.g. 10s");
	ASSERT_ERROR(&errs, f, 15, "server.tcp-max-connections: 0 is out of range");
	ASSERT_ERROR(&errs, f, 16, "server.tcp-max-pipelined: '0x10' is not a plain decimal");
	ASSERT_ERROR(&errs, f, 19, "transfer.allow[0]: '192.0.2.1/24' has address bits set",
	             "write 192.0.2.0/24");
	ASSERT_ERROR(&errs, f, 20, "transfer.allow[1]: '2001:db8::/129' has prefix length");
	ASSERT_ERROR(&errs, f, 21, "transfer.allow[2]: 'localhost' is not an IP address");
	for (size_t i = 1; i < errs.count; i++)
		CU_ASSERT_TRUE(errs.items[i - 1].line <= errs.items[i].line);
	gw_config_errors_deinit(&errs);
}

static void test_bad_dnssec_and_links(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "bad_dnssec.yaml";
	CU_ASSERT_EQUAL(load_data(f, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(errs.count, 20);
	CU_ASSERT_EQUAL(errs.omitted, 0);
	ASSERT_ERROR(&errs, f, 5,
	             "bad_dnssec.yaml:5:11: dnssec.enable: 'ture' is not true or false",
	             "write true or false");
	ASSERT_ERROR(&errs, f, 6, "dnssec.algorithm: 'rsasha1' is not a signing algorithm",
	             "RFC 8624", "ecdsap256sha256 (13", "ed25519 (15)", "rsasha256 (8)");
	ASSERT_ERROR(&errs, f, 7, "dnssec.keys: 'zsk' is not csk or ksk-zsk");
	ASSERT_ERROR(&errs, f, 8, "dnssec.rsa-bits: 1024 is out of range; use 2048 to 4096");
	ASSERT_ERROR(&errs, f, 9, "dnssec.denial: 'nsec5' is not nsec or nsec3");
	ASSERT_ERROR(&errs, f, 10, "dnssec.signature-validity: '30s' is out of range; use 1m to");
	ASSERT_ERROR(&errs, f, 11, "dnssec.refresh: '1w' is not a duration", "(ms, s, m, h, d)");
	ASSERT_ERROR(&errs, f, 12, "dnssec.jitter: '1.5d' is not a duration");
	ASSERT_ERROR(&errs, f, 13, "dnssec.inception-offset: '2d' is out of range; use 0s to 1d");
	ASSERT_ERROR(&errs, f, 14, "dnssec.dnskey-ttl: 0 is out of range; use 1 to 86400");
	ASSERT_ERROR(&errs, f, 15, "dnssec.sign-threads: 65 is out of range; use 0 to 64",
	             "one per CPU");
	ASSERT_ERROR(&errs, f, 17, "bad_dnssec.yaml:17:7: dnssec.import[0]:", "private half",
	             ".key");
	ASSERT_ERROR(&errs, f, 18, "dnssec.import[1]:", "ending in .key");
	ASSERT_ERROR(&errs, f, 21,
	             "bad_dnssec.yaml:21:17: links[1].interface: 'eth0' is listed "
	             "twice");
	ASSERT_ERROR(&errs, f, 22,
	             "links[2].subdomain: subdomain 'lan' is already that of "
	             "interface eth0");
	ASSERT_ERROR(&errs, f, 23, "links[3].interface: 'averyveryverylongname0' is 22 characters",
	             "at most 15");
	ASSERT_ERROR(&errs, f, 24, "links[4].subdomain: 'lan.two' is not one DNS label",
	             "e.g. lan");
	ASSERT_ERROR(&errs, f, 25, "links[5].interface: 'eth0.10' cannot serve as the subdomain",
	             "subdomain: lan}");
	ASSERT_ERROR(&errs, f, 26, "links[6].interface: 'eth 3' is not an interface name");
	ASSERT_ERROR(&errs, f, 27, "links[7].subdomain: '-lan' is not one DNS label");
	for (size_t i = 1; i < errs.count; i++)
		CU_ASSERT_TRUE(errs.items[i - 1].line <= errs.items[i].line);
	gw_config_errors_deinit(&errs);
}

static void test_bad_mdns(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "bad_mdns.yaml";
	CU_ASSERT_EQUAL(load_data(f, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL(errs.count, 19);
	/* ipv4: false is fine alone; ipv6 is wrong, so "both false" is not claimed */
	CU_ASSERT_PTR_NULL(error_at(&errs, f, 5));
	ASSERT_ERROR(&errs, f, 6, "bad_mdns.yaml:6:9: mdns.ipv6: 'nope' is not true or false");
	ASSERT_ERROR(&errs, f, 7, "mdns.ttl-cap: '2h' is out of range; use 1s to 1h", "RFC 8766");
	ASSERT_ERROR(&errs, f, 8, "mdns.batch-window: '11s' is out of range; use 0s to 10s");
	ASSERT_ERROR(&errs, f, 9, "mdns.warm-up: '11m' is out of range; use 0s to 10m");
	ASSERT_ERROR(&errs, f, 10, "mdns.link-grace: '2d' is out of range; use 0s to 1d");
	ASSERT_ERROR(&errs, f, 11, "mdns.drop-private: 'maybe' is not true or false");
	ASSERT_ERROR(&errs, f, 13,
	             "bad_mdns.yaml:13:7: mdns.subtypes[0]: '_ipp._tcp' is a service "
	             "type, not a subtype",
	             "e.g. _printer._sub._http._tcp");
	ASSERT_ERROR(&errs, f, 14, "mdns.subtypes[1]:", "more than four labels", "no .local");
	ASSERT_ERROR(&errs, f, 15, "mdns.subtypes[2]:", "ends in a dot", "without the final dot");
	ASSERT_ERROR(&errs, f, 16, "mdns.subtypes[3]:", "bad subtype label 'printer'",
	             "starts with '_'");
	ASSERT_ERROR(&errs, f, 17, "mdns.subtypes[4]:", "must end in ._tcp or ._udp");
	/* line 18 is valid; line 19 differs only in case, so it is the same name */
	CU_ASSERT_PTR_NULL(error_at(&errs, f, 18));
	ASSERT_ERROR(&errs, f, 19, "mdns.subtypes[6]: '_printer._sub._http._tcp' is listed twice");
	ASSERT_ERROR(&errs, f, 20, "mdns.subtypes[7]:", "bad service label", "RFC 6335");
	ASSERT_ERROR(&errs, f, 21, "mdns.subtypes[8]:", "bad service label '_ipp--x'");
	ASSERT_ERROR(&errs, f, 22, "mdns.subtypes[9]:", "is not a subtype name");
	ASSERT_ERROR(&errs, f, 24,
	             "mdns.limits.services-per-link: 0 is out of range; use 1 to "
	             "100000");
	ASSERT_ERROR(&errs, f, 25,
	             "mdns.limits.records-per-name: 1001 is out of range; use 1 to "
	             "1000");
	ASSERT_ERROR(&errs, f, 26, "mdns.limits.txt-size: 8901 is out of range; use 1 to 8900");
	ASSERT_ERROR(&errs, f, 27,
	             "mdns.limits.changes-per-second: 100001 is out of range; use 1 "
	             "to 100000");
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

static void test_structure_errors(void)
{
	static const struct {
		const char *file;
		unsigned line;
		const char *needle;
	} cases[] = {
	    {"syntax.yaml", 4, "YAML syntax error"},
	    {"empty.yaml", 1, "the file is empty"},
	    {"missing_domain.yaml", 2, "zone.domain: required key is missing"},
	    {"duplicate.yaml", 5, "state-dir: given twice (first on line 3)"},
	    {"two_documents.yaml", 4, "a second YAML document"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gw_config_t *cfg;
		gw_config_errors_t errs;
		CU_ASSERT_EQUAL(load_data(cases[i].file, &cfg, &errs), GW_ECONFIG);
		CU_ASSERT_PTR_NULL(cfg);
		CU_ASSERT_EQUAL(errs.count, 1);
		ASSERT_ERROR(&errs, cases[i].file, cases[i].line, cases[i].needle);
		gw_config_errors_deinit(&errs);
	}
}

/* One wrong value at a time, to pin each message to its key and line. */
static void test_value_errors_inline(void)
{
	static const struct {
		const char *yaml;
		unsigned line;
		const char *needle;
	} cases[] = {
	    {"zone: {domain: .}\n", 1, "zone.domain: the root zone"},
	    {"zone:\n  domain: http://home.arpa\n", 2, "has the character ':'"},
	    {"zone:\n  domain: a.bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"
	     "lmnopqrstuvwxyz\n",
	     2, "label longer than 63"},
	    {"zone: {domain: a}\nlisten: [\"[::1]:53\"]\n", 2, "write e.g. [::1]@53"},
	    {"zone: {domain: a}\nlisten: [\"1.2.3.4@x\"]\n", 2,
	     "listen[0]: '1.2.3.4@x' has port 'x'"},
	    {"zone: {domain: a}\nlisten: [\"[1.2.3.4]@53\"]\n", 2, "not ADDR@PORT"},
	    {"zone: {domain: a}\nlisten: []\n", 2, "listen: has 0 entries, at least 1"},
	    {"zone: {domain: a}\nlisten: [~]\n", 2, "listen[0]: empty entry"},
	    {"zone: {domain: a}\nserver:\n  udp-payload: 4097\n", 3, "4097 is out of range"},
	    {"zone: {domain: a}\nserver:\n  udp-payload: 511\n", 3, "511 is out of range"},
	    {"zone: {domain: a}\nserver:\n  udp-payload: -1\n", 3, "server.udp-payload: '-1'"},
	    {"zone: {domain: a}\nserver:\n  udp-payload: 01232\n", 3, "not a plain decimal"},
	    {"zone: {domain: a}\nserver:\n  tcp-max-connections: 123456789012345678901234\n", 3,
	     "too large"},
	    {"zone: {domain: a}\nserver:\n  tcp-idle-timeout: 99ms\n", 3, "'99ms' is out of range"},
	    {"zone: {domain: a}\nserver:\n  tcp-idle-timeout: 2h\n", 3, "'2h' is out of range"},
	    {"zone: {domain: a}\nserver:\n  tcp-idle-timeout: 1.5s\n", 3, "not a duration"},
	    {"zone: {domain: a}\nserver:\n  tcp-max-pipelined: 1025\n", 3, "1025 is out of range"},
	    {"zone: {domain: a}\nstate-dir:\n", 2, "state-dir: has no value"},
	    {"zone: {domain: a}\nidentity: \"\"\n", 2, "identity: is empty"},
	    {"zone: {domain: a}\ntransfer: {allow: [\"::/0\", 10.0.0.0/33]}\n", 2,
	     "transfer.allow[1]: '10.0.0.0/33' has prefix length"},
	    {"zone: {domain: a}\nlog: {level: }\n", 2, "log.level: has no value"},
	    {"- zone\n", 1, "the file must be a mapping"},
	    {"zone: {domain: a}\n? [x]\n: 1\n", 2, "a key must be a plain word"},
	    {"zone: {domain: a}\nlisten: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]\n", 2,
	     "nested more than 16 deep"},
	    {"zone: {domain: a}\nidentity: \"a\x01\"\n", 2, "cannot be read as YAML text"},
	    /* dnssec: refresh < validity, reported at the key the file gives */
	    {"zone: {domain: a}\ndnssec:\n  signature-validity: 7d\n  refresh: 7d\n", 4,
	     "dnssec.refresh: refresh 7d is not shorter than signature-validity 7d"},
	    {"zone: {domain: a}\ndnssec:\n  signature-validity: 5d\n", 3,
	     "dnssec.signature-validity: refresh 7d is not shorter than signature-validity 5d"},
	    /* jitter < validity - refresh */
	    {"zone: {domain: a}\ndnssec:\n  refresh: 7d\n  jitter: 7d\n", 4,
	     "dnssec.jitter: jitter 7d is not shorter than signature-validity 14d minus refresh 7d "
	     "(7d)"},
	    {"zone: {domain: a}\ndnssec: {refresh: 13d}\n", 2,
	     "dnssec.refresh: jitter 1d is not shorter than"},
	    {"zone: {domain: a}\ndnssec:\n  signature-validity: 59s\n", 3, "use 1m to 3660d"},
	    {"zone: {domain: a}\ndnssec:\n  signature-validity: 3661d\n", 3, "use 1m to 3660d"},
	    {"zone: {domain: a}\ndnssec:\n  refresh: 0s\n", 3,
	     "dnssec.refresh: '0s' is out of range"},
	    {"zone: {domain: a}\ndnssec: {algorithm: ecdsap384sha384}\n", 2,
	     "not supported by this gateway"},
	    {"zone: {domain: a}\ndnssec: {algorithm: 14}\n", 2, "not a signing algorithm"},
	    {"zone: {domain: a}\ndnssec: {algorithm: ecdsa}\n", 2, "'ecdsa' is not a signing"},
	    {"zone: {domain: a}\ndnssec: {dnskey-ttl: 86401}\n", 2, "86401 is out of range"},
	    {"zone: {domain: a}\ndnssec: {rsa-bits: 4097}\n", 2, "4097 is out of range"},
	    {"zone: {domain: a}\ndnssec: {import: [.key]}\n", 2, "dnssec.import[0]: '.key'"},
	    {"zone: {domain: a}\ndnssec:\n  import: [a.key, b.key, a.key]\n", 3,
	     "dnssec.import[2]: 'a.key' is listed twice"},
	    {"zone: {domain: a}\ndnssec:\n  import: [\"\"]\n", 3, "dnssec.import[0]: is empty"},
	    {"zone: {domain: a}\ndnssec: {enable: 1}\n", 2, "'1' is not true or false"},
	    {"zone: {domain: a}\ndnssec: {enble: true}\n", 2, "did you mean 'enable'"},
	    /* links */
	    {"zone: {domain: a}\nlinks:\n  - {subdomain: lan}\n", 3,
	     "links[0].interface: required key is missing; add 'interface:' to this entry"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomian: lan}\n", 3,
	     "links[0].subdomian: unknown key; did you mean 'subdomain'"},
	    {"zone: {domain: a}\nlinks: eth0\n", 2, "links: expects a list"},
	    {"zone: {domain: a}\nlinks: [eth0]\n", 2, "links[0]: expects a mapping"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: a_b}\n", 3,
	     "'a_b' is not one DNS label"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: lan-}\n", 3,
	     "'lan-' is not one DNS label"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: "
	     "a1234567890123456789012345678901234567890123456789012345678901234}\n",
	     3, "is not one DNS label"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: lan}\n"
	     "  - {interface: lan}\n",
	     4, "links[1].interface: subdomain 'lan' is already that of interface eth0"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: a/b, subdomain: x}\n", 3,
	     "'a/b' is not an interface name"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: \"..\", subdomain: x}\n", 3,
	     "'..' is not an interface name"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: abcdefghijklmnop, subdomain: x}\n", 3,
	     "is 16 characters"},
	    /* mdns */
	    {"zone: {domain: a}\nmdns:\n  ipv4: false\n  ipv6: false\n", 4,
	     "mdns.ipv6: ipv4 and ipv6 are both false"},
	    {"zone: {domain: a}\nmdns:\n  ttl-cap: 999ms\n", 3,
	     "mdns.ttl-cap: '999ms' is out of range; use 1s to 1h"},
	    {"zone: {domain: a}\nmdns:\n  ttl-cap: 0\n", 3, "'0' is out of range"},
	    {"zone: {domain: a}\nmdns:\n  batch-window: 10001ms\n", 3, "'10001ms' is out of range"},
	    {"zone: {domain: a}\nmdns:\n  limits: {records-per-name: 0}\n", 3,
	     "mdns.limits.records-per-name: 0 is out of range"},
	    {"zone: {domain: a}\nmdns:\n  limits: {txt-size: 01300}\n", 3, "not a plain decimal"},
	    {"zone: {domain: a}\nmdns:\n  limits: {changes-per-second: 0}\n", 3,
	     "changes-per-second: 0 is out of range"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [_printer._sub._http]\n", 3,
	     "is not a subtype name"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [\"_x y._sub._http._tcp\"]\n", 3,
	     "bad subtype label"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [_x._sub._-ipp._tcp]\n", 3,
	     "bad service label"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [_x._sub._123._tcp]\n", 3, "bad service label"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [_x._sub.._tcp]\n", 3, "bad service label"},
	    {"zone: {domain: a}\nmdns:\n  subtypes: [\"\"]\n", 3, "mdns.subtypes[0]: is empty"},
	    {"zone: {domain: a}\nmdns:\n  subtypes:\n", 3, "mdns.subtypes: has no value"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gw_config_t *cfg;
		gw_config_errors_t errs;
		int ret = parse_text(cases[i].yaml, &cfg, &errs);
		CU_ASSERT_EQUAL(ret, GW_ECONFIG);
		CU_ASSERT_PTR_NULL(cfg);
		const char *text = error_at(&errs, "inline.yaml", cases[i].line);
		if (text == NULL || strstr(text, cases[i].needle) == NULL)
			fprintf(stderr, "\ncase %zu: want line %u '%s', got %zu: %s\n", i,
			        cases[i].line, cases[i].needle, errs.count,
			        errs.count > 0 ? errs.items[0].text : "(none)");
		CU_ASSERT_PTR_NOT_NULL(text);
		CU_ASSERT_PTR_NOT_NULL(text != NULL ? strstr(text, cases[i].needle) : NULL);
		gw_config_free(cfg);
		gw_config_errors_deinit(&errs);
	}
}

static void test_limits(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	char *text = malloc(16384);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);

	/* listen: GW_CONFIG_LISTEN_MAX entries pass, one more does not */
	for (int extra = 0; extra < 2; extra++) {
		size_t o = (size_t)sprintf(text, "zone: {domain: a}\nlisten:\n");
		for (int i = 0; i < GW_CONFIG_LISTEN_MAX + extra; i++)
			o += (size_t)sprintf(text + o, "  - 127.0.%d.%d@53\n", i / 200, i % 200);
		int ret = parse_text(text, &cfg, &errs);
		if (extra == 0) {
			CU_ASSERT_EQUAL(ret, GW_OK);
			CU_ASSERT_EQUAL(cfg != NULL ? cfg->listen_count : 0, GW_CONFIG_LISTEN_MAX);
		} else {
			CU_ASSERT_EQUAL(ret, GW_ECONFIG);
			ASSERT_ERROR(&errs, "inline.yaml", 3, "listen: has 65 entries, at most 64");
		}
		gw_config_free(cfg);
		gw_config_errors_deinit(&errs);
	}

	/* links, subtypes and import: their maxima pass, one more does not */
	static const struct {
		const char *head;
		const char *fmt;
		int max;
		const char *needle;
	} lists[] = {
	    {"links:\n", "  - {interface: e%d, subdomain: l%d}\n", GW_CONFIG_LINKS_MAX,
	     "links: has 257 entries, at most 256"},
	    {"mdns:\n  subtypes:\n", "    - _s%d._sub._x%d._tcp\n", GW_CONFIG_SUBTYPES_MAX,
	     "mdns.subtypes: has 65 entries, at most 64"},
	    {"dnssec:\n  import:\n", "    - K%d.%d.key\n", GW_CONFIG_IMPORT_MAX,
	     "dnssec.import: has 17 entries, at most 16"},
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		for (int extra = 0; extra < 2; extra++) {
			size_t o = (size_t)sprintf(text, "zone: {domain: a}\n%s", lists[l].head);
			for (int i = 0; i < lists[l].max + extra; i++)
				o += (size_t)sprintf(text + o, lists[l].fmt, i, i);
			int ret = parse_text(text, &cfg, &errs);
			if (extra == 0) {
				CU_ASSERT_EQUAL(ret, GW_OK);
				size_t got = cfg == NULL ? 0
				             : l == 0    ? cfg->link_count
				             : l == 1    ? cfg->mdns.subtype_count
				                         : cfg->dnssec.import_count;
				CU_ASSERT_EQUAL(got, (size_t)lists[l].max);
			} else {
				CU_ASSERT_EQUAL(ret, GW_ECONFIG);
				const char *e = errs.count > 0 ? errs.items[0].text : "";
				CU_ASSERT_PTR_NOT_NULL(strstr(e, lists[l].needle));
			}
			gw_config_free(cfg);
			gw_config_errors_deinit(&errs);
		}
	}

	/* identity: one TXT string, 255 bytes */
	size_t o = (size_t)sprintf(text, "zone: {domain: a}\nidentity: ");
	memset(text + o, 'x', 256);
	strcpy(text + o + 256, "\n");
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, "inline.yaml", 2, "identity: is 256 bytes long, at most 255");
	gw_config_errors_deinit(&errs);

	/* problems beyond GW_CONFIG_ERRORS_MAX are counted, not kept */
	o = (size_t)sprintf(text, "zone: {domain: a}\n");
	for (int i = 0; i < GW_CONFIG_ERRORS_MAX + 8; i++)
		o += (size_t)sprintf(text + o, "bogus%d: 1\n", i);
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_EQUAL(errs.count, GW_CONFIG_ERRORS_MAX);
	CU_ASSERT_EQUAL(errs.omitted, 8);
	ASSERT_ERROR(&errs, "inline.yaml", 2, "bogus0: unknown key");
	gw_config_errors_deinit(&errs);
	free(text);
}

static void test_file_missing(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL(load_data("no-such-file.yaml", &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_EQUAL(errs.items[0].line, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "no-such-file.yaml: cannot open"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "No such file"));
	gw_config_errors_deinit(&errs);

	/* a directory is not a file */
	char dir[1024];
	data_path(dir, sizeof(dir), "");
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, dir, &errs), GW_ECONFIG);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "is a directory"));
	gw_config_errors_deinit(&errs);

	/* without a list, problems are logged and the result is the same */
	CU_ASSERT_EQUAL(gw_config_load(&cfg, "/nonexistent/dnssd-gateway.yaml", NULL), GW_ECONFIG);
}

static void test_file_too_large(void)
{
	char path[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	/* valid YAML: only the size is wrong */
	fputs("zone: {domain: a}\n", fp);
	while (ftell(fp) <= GW_CONFIG_FILE_MAX)
		fprintf(fp, "# %-60s\n", "padding");
	fclose(fp);

	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, path, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "larger than the 1048576-byte limit"));
	gw_config_errors_deinit(&errs);
	unlink(path);

	/* the same limit applies to a buffer */
	char *big = calloc(GW_CONFIG_FILE_MAX + 1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, '#', GW_CONFIG_FILE_MAX + 1);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_parse(&cfg, "big.yaml", big, GW_CONFIG_FILE_MAX + 1, &errs),
	                GW_ECONFIG);
	CU_ASSERT_EQUAL(errs.count, 1);
	gw_config_errors_deinit(&errs);
	free(big);
}

/* ---- durations ---------------------------------------------------------- */

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

/* ---- address lists ------------------------------------------------------ */

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
	CU_ASSERT_FALSE(gw_config_acl_match(acl, (const struct sockaddr *)&un));
	CU_ASSERT_FALSE(gw_config_acl_match(acl, NULL));
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

/* ---- TSIG keys, transfer access, NOTIFY, the journal -------------------- */

#define SECRET_A "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

static void test_tsig_and_transfer(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text =
	    "zone: {domain: a}\n"
	    "tsig-keys:\n"
	    "  - {name: XFR, secret: \"" SECRET_A "\"}\n"
	    "  - {name: b.example., algorithm: HMAC-SHA512, secret: \"c2Vj cmV0\"}\n"
	    "  - {name: c, algorithm: hmac-sha384., secret: \"" SECRET_A "\"}\n"
	    "  - {name: d, algorithm: hmac-sha1, secret: \"" SECRET_A "\"}\n"
	    "transfer:\n"
	    "  allow: [\"192.0.2.0/24\", \"key b.example\", \"127.0.0.1 key xfr.\"]\n"
	    "  notify: [\"192.0.2.53\", \"[2001:db8::53]@5353 key xfr\"]\n"
	    "  journal-size: 512k\n"
	    "  journal-entries: 0\n";
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->tsig_key_count, 4);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].name, "xfr.");
	CU_ASSERT_EQUAL(cfg->tsig_keys[0].algorithm, GW_TSIG_HMAC_SHA256);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[1].name, "b.example.");
	CU_ASSERT_EQUAL(cfg->tsig_keys[1].algorithm, GW_TSIG_HMAC_SHA512);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[1].secret, "c2VjcmV0"); /* blanks removed */
	CU_ASSERT_EQUAL(cfg->tsig_keys[2].algorithm, GW_TSIG_HMAC_SHA384);
	CU_ASSERT_EQUAL(cfg->tsig_keys[3].algorithm, GW_TSIG_HMAC_SHA1);
	CU_ASSERT_PTR_NULL(cfg->tsig_keys[0].file);
	CU_ASSERT_STRING_EQUAL(gw_config_tsig_alg_name(GW_TSIG_HMAC_SHA384), "hmac-sha384.");

	const gw_acl_t *acl = &cfg->transfer.allow;
	CU_ASSERT_EQUAL_FATAL(acl->count, 3);
	CU_ASSERT_EQUAL(acl->entries[0].key, -1);
	CU_ASSERT_EQUAL(acl->entries[1].family, AF_UNSPEC);
	CU_ASSERT_EQUAL(acl->entries[1].key, 1);
	CU_ASSERT_EQUAL(acl->entries[2].key, 0);
	struct sockaddr_in lo = sin4("127.0.0.1"), net = sin4("192.0.2.9"),
	                   far = sin4("203.0.113.1");
	struct sockaddr_in6 v6 = sin6("2001:db8::1");
	const struct sockaddr *plo = (const struct sockaddr *)&lo;
	const struct sockaddr *pnet = (const struct sockaddr *)&net;
	const struct sockaddr *pfar = (const struct sockaddr *)&far;
	const struct sockaddr *pv6 = (const struct sockaddr *)&v6;
	/* Listed: every address, since "key b.example" covers all. */
	CU_ASSERT_TRUE(gw_config_acl_listed(acl, plo));
	CU_ASSERT_TRUE(gw_config_acl_listed(acl, pfar));
	CU_ASSERT_TRUE(gw_config_acl_listed(acl, pv6));
	/* Allowed: the network without a key, 127.0.0.1 only with xfr,
	 * anyone with b.example. */
	CU_ASSERT_TRUE(gw_config_acl_allows(acl, pnet, -1));
	CU_ASSERT_TRUE(gw_config_acl_allows(acl, pnet, 3));
	CU_ASSERT_FALSE(gw_config_acl_allows(acl, plo, -1));
	CU_ASSERT_TRUE(gw_config_acl_allows(acl, plo, 0));
	CU_ASSERT_FALSE(gw_config_acl_allows(acl, plo, 2));
	CU_ASSERT_TRUE(gw_config_acl_allows(acl, plo, 1));
	CU_ASSERT_TRUE(gw_config_acl_allows(acl, pv6, 1));
	CU_ASSERT_FALSE(gw_config_acl_allows(acl, pv6, 0));
	CU_ASSERT_FALSE(gw_config_acl_allows(acl, pfar, -1));
	/* The address-only view ignores entries that want a key. */
	CU_ASSERT_TRUE(gw_config_acl_match(acl, pnet));
	CU_ASSERT_FALSE(gw_config_acl_match(acl, plo));

	CU_ASSERT_EQUAL_FATAL(cfg->transfer.notify_count, 2);
	assert_endpoint(&cfg->transfer.notify[0].ep, "192.0.2.53@53");
	CU_ASSERT_EQUAL(cfg->transfer.notify[0].key, -1);
	assert_endpoint(&cfg->transfer.notify[1].ep, "[2001:db8::53]@5353");
	CU_ASSERT_EQUAL(cfg->transfer.notify[1].key, 0);
	CU_ASSERT_EQUAL(cfg->transfer.journal_size, 512 * 1024);
	CU_ASSERT_EQUAL(cfg->transfer.journal_entries, 0);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	/* Defaults. */
	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);
	CU_ASSERT_EQUAL(cfg->tsig_key_count, 0);
	CU_ASSERT_EQUAL(cfg->transfer.notify_count, 0);
	CU_ASSERT_EQUAL(cfg->transfer.journal_size, 16 << 20);
	CU_ASSERT_EQUAL(cfg->transfer.journal_entries, 1000);
	gw_config_free(cfg);
}

static void test_tsig_and_transfer_errors(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "inline.yaml";
	const char *text = "zone: {domain: a}\n"                                            /* 1 */
	                   "tsig-keys:\n"                                                   /* 2 */
	                   "  - {name: xfr, secret: \"" SECRET_A "\"}\n"                    /* 3 */
	                   "  - {name: XFR., secret: \"" SECRET_A "\"}\n"                   /* 4 */
	                   "  - {name: \"bad name\", secret: \"" SECRET_A "\"}\n"           /* 5 */
	                   "  - {name: m, algorithm: hmac-md5, secret: \"" SECRET_A "\"}\n" /* 6 */
	                   "  - {name: s, secret: \"not base64!\"}\n"                       /* 7 */
	                   "  - {name: t}\n"                                                /* 8 */
	                   "  - {name: u, secret: \"" SECRET_A "\", file: /x}\n"            /* 9 */
	                   "  - {name: v, secret: \"Zg=\"}\n"                               /* 10 */
	                   "transfer:\n"                                                    /* 11 */
	                   "  allow:\n"                                                     /* 12 */
	                   "    - \"127.0.0.1 key nosuch\"\n"                               /* 13 */
	                   "    - \"127.0.0.1 xfr\"\n"                                      /* 14 */
	                   "    - \"127.0.0.1 key xfr extra\"\n"                            /* 15 */
	                   "    - \"key\"\n"                                                /* 16 */
	                   "  notify:\n"                                                    /* 17 */
	                   "    - \"192.0.2.1@0\"\n"                                        /* 18 */
	                   "    - \"192.0.2.1:53\"\n"                                       /* 19 */
	                   "    - \"192.0.2.2 key nosuch\"\n"                               /* 20 */
	                   "    - \"192.0.2.3@53\"\n"                                       /* 21 */
	                   "    - \"192.0.2.3\"\n"                                          /* 22 */
	                   "  journal-size: 1T\n"                                           /* 23 */
	                   "  journal-entries: 100001\n";                                   /* 24 */
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	ASSERT_ERROR(&errs, f, 4, "tsig-keys[1].name", "defined twice");
	ASSERT_ERROR(&errs, f, 5, "tsig-keys[2].name", "not allowed in a key name");
	ASSERT_ERROR(&errs, f, 6, "tsig-keys[3].algorithm", "hmac-sha256", "obsolete");
	ASSERT_ERROR(&errs, f, 7, "tsig-keys[4].secret", "not valid base64");
	ASSERT_ERROR(&errs, f, 8, "tsig-keys[5]", "exactly one of secret");
	ASSERT_ERROR(&errs, f, 9, "tsig-keys[6]", "exactly one of secret");
	ASSERT_ERROR(&errs, f, 10, "tsig-keys[7].secret", "not valid base64");
	ASSERT_ERROR(&errs, f, 13, "transfer.allow[0]", "key 'nosuch' is not one of tsig-keys");
	ASSERT_ERROR(&errs, f, 14, "transfer.allow[1]", "is not 'key'");
	ASSERT_ERROR(&errs, f, 15, "transfer.allow[2]", "ADDR/LEN key NAME");
	ASSERT_ERROR(&errs, f, 16, "transfer.allow[3]", "not an IP address");
	ASSERT_ERROR(&errs, f, 18, "transfer.notify[0]", "port 0");
	ASSERT_ERROR(&errs, f, 19, "transfer.notify[1]", "192.0.2.1@53");
	ASSERT_ERROR(&errs, f, 20, "transfer.notify[2]", "not one of tsig-keys");
	ASSERT_ERROR(&errs, f, 22, "transfer.notify[4]", "listed twice");
	ASSERT_ERROR(&errs, f, 23, "transfer.journal-size", "not a size");
	ASSERT_ERROR(&errs, f, 24, "transfer.journal-entries", "out of range");
	gw_config_errors_deinit(&errs);

	CU_ASSERT_EQUAL(
	    parse_text("zone: {domain: a}\ntransfer: {journal-size: 1000}\n", &cfg, &errs),
	    GW_ECONFIG);
	ASSERT_ERROR(&errs, f, 2, "transfer.journal-size", "64k to 4G");
	gw_config_errors_deinit(&errs);
}

/* Secrets in files: the key file and a file with inline secrets must not
 * be open to group or others. */
static void test_secret_files(void)
{
	char dir[] = "/tmp/gw-cfg.XXXXXX";
	char key[128], cfgpath[128], text[512];
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(key, sizeof(key), "%s/xfr.key", dir);
	snprintf(cfgpath, sizeof(cfgpath), "%s/gw.yaml", dir);

	/* A key file as tsig-keygen writes it, then a bare secret. */
	FILE *fp = fopen(key, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fprintf(fp, "key \"xfr\" {\n\talgorithm hmac-sha256;\n\tsecret \"%s\";\n};\n", SECRET_A);
	fclose(fp);
	snprintf(text, sizeof(text), "zone: {domain: a}\ntsig-keys: [{name: xfr, file: %s}]\n",
	         key);
	fp = fopen(cfgpath, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chmod(key, 0644) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[0].file", "mode 0644", "chmod 600");
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chmod(key, 0600) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].secret, SECRET_A);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].file, key);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	fp = fopen(key, "w");
	fprintf(fp, "%s\n", SECRET_A);
	fclose(fp);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL_FATAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	CU_ASSERT_STRING_EQUAL(cfg->tsig_keys[0].secret, SECRET_A);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
	fp = fopen(key, "w");
	fputs("secret: \"nope!\"\n", fp);
	fclose(fp);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, cfgpath, 2, "tsig-keys[0].file", "not valid base64", "in key file");
	gw_config_errors_deinit(&errs);

	/* Inline secrets: the configuration itself must be private. */
	snprintf(text, sizeof(text), "zone: {domain: a}\ntsig-keys: [{name: x, secret: \"%s\"}]\n",
	         SECRET_A);
	fp = fopen(cfgpath, "w");
	fputs(text, fp);
	fclose(fp);
	CU_ASSERT_FATAL(chmod(cfgpath, 0640) == 0);
	cfg = NULL;
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "mode 0640"));
	gw_config_errors_deinit(&errs);
	CU_ASSERT_FATAL(chmod(cfgpath, 0600) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, cfgpath, &errs), GW_OK);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	unlink(key);
	unlink(cfgpath);
	rmdir(dir);
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
	return gw_test_suite("config",
	                     (gw_test_t[]){
	                         {"defaults", test_defaults},
	                         {"full file", test_full_file},
	                         {"minimal file", test_minimal_file},
	                         {"null and empty values", test_null_and_empty_values},
	                         {"print round trip", test_print_round_trip},
	                         {"unknown keys", test_unknown_keys},
	                         {"wrong types", test_wrong_types},
	                         {"bad values", test_bad_values},
	                         {"bad dnssec and links", test_bad_dnssec_and_links},
	                         {"bad mdns", test_bad_mdns},
	                         {"mirror values valid", test_mirror_values_valid},
	                         {"structure errors", test_structure_errors},
	                         {"value errors", test_value_errors_inline},
	                         {"limits", test_limits},
	                         {"file missing", test_file_missing},
	                         {"file too large", test_file_too_large},
	                         {"durations", test_durations},
	                         {"acl match", test_acl_match},
	                         {"tsig keys and transfer", test_tsig_and_transfer},
	                         {"tsig and transfer errors", test_tsig_and_transfer_errors},
	                         {"secret files", test_secret_files},
	                         {"endpoint forms", test_endpoint_forms},
	                         {"docs example", test_docs_example},
	                         {NULL, NULL},
	                     });
}
