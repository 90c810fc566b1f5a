/* Helpers and fixtures shared by the configuration suites
 * (tests/unit/config/test_config_*.c) and the access control suite
 * (tests/unit/xfr/test_access.c), which checks the address lists these
 * files give. Header-only: each suite is its own program. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/config/config.h"

static inline void data_path(char *buf, size_t len, const char *name)
{
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(buf, len, "%s/config/%s", dir != NULL ? dir : "tests/data", name);
}

/* Load tests/data/config/name; *cfg is NULL unless the load succeeded. */
static inline int load_data(const char *name, gw_config_t **cfg, gw_config_errors_t *errs)
{
	char path[1024];
	data_path(path, sizeof(path), name);
	*cfg = NULL;
	gw_config_errors_init(errs);
	return gw_config_load(cfg, path, errs);
}

static inline int parse_text(const char *text, gw_config_t **cfg, gw_config_errors_t *errs)
{
	*cfg = NULL;
	gw_config_errors_init(errs);
	return gw_config_parse(cfg, "inline.yaml", text, strlen(text), errs);
}

/* The problem reported at line, or NULL. Checks that the text starts with
 * "FILE:LINE:" so that the place a user reads is the place stored. */
static inline const char *error_at(const gw_config_errors_t *errs, const char *file, unsigned line)
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

static inline struct sockaddr_in sin4(const char *addr)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	CU_ASSERT_EQUAL(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	return sa;
}

static inline struct sockaddr_in6 sin6(const char *addr)
{
	struct sockaddr_in6 sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin6_family = AF_INET6;
	CU_ASSERT_EQUAL(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	return sa;
}

static inline void assert_endpoint(const gw_endpoint_t *ep, const char *text)
{
	char buf[64];
	CU_ASSERT_EQUAL(gw_config_endpoint_format(ep, buf, sizeof(buf)), GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, text);
}

/* dnssec, links and mdns as docs/configuration.md gives their defaults. */
static inline void assert_mirror_defaults(const gw_config_t *cfg)
{
	static const char *const g_default_subtypes[] = {
	    "_universal._sub._ipp._tcp",  "_print._sub._ipp._tcp",    "_cups._sub._ipp._tcp",
	    "_universal._sub._ipps._tcp", "_printer._sub._http._tcp",
	};

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

static inline bool same_string(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static inline bool same_strings(char *const *a, size_t na, char *const *b, size_t nb)
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
static inline void assert_same_mirror(const gw_config_t *a, const gw_config_t *b)
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
		CU_ASSERT_EQUAL_FATAL(a->links[i].browse_count, b->links[i].browse_count);
		for (size_t j = 0; j < a->links[i].browse_count; j++)
			CU_ASSERT_STRING_EQUAL(a->links[i].browse[j], b->links[i].browse[j]);
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

/* What --check-config -v prints loads back to the same values. */
static inline void assert_round_trip(const gw_config_t *a)
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
	CU_ASSERT_EQUAL(a->server.tcp_message_timeout_ms, b->server.tcp_message_timeout_ms);
	CU_ASSERT_EQUAL(a->server.tcp_max_per_client, b->server.tcp_max_per_client);
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

#define SECRET_A "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

/* test_null_and_empty_values: nulls, and an empty transfer.allow. */
#define NULL_AND_EMPTY_YAML                                                                        \
	"zone: {domain: example.org., file: null}\n"                                               \
	"identity: ~\n"                                                                            \
	"version: null\n"                                                                          \
	"ports-file:\n"                                                                            \
	"transfer: {allow: []}\n"

/* test_tsig_and_transfer: keys, and address lists that name them. */
#define TSIG_TRANSFER_YAML                                                                         \
	"zone: {domain: a}\n"                                                                      \
	"tsig-keys:\n"                                                                             \
	"  - {name: XFR, secret: \"" SECRET_A "\"}\n"                                              \
	"  - {name: b.example., algorithm: HMAC-SHA512, secret: \"c2Vj cmV0\"}\n"                  \
	"  - {name: c, algorithm: hmac-sha384., secret: \"" SECRET_A "\"}\n"                       \
	"  - {name: d, algorithm: hmac-sha1, secret: \"" SECRET_A "\"}\n"                          \
	"transfer:\n"                                                                              \
	"  allow: [\"192.0.2.0/24\", \"key b.example\", \"127.0.0.1 key xfr.\"]\n"                 \
	"  notify: [\"192.0.2.53\", \"[2001:db8::53]@5353 key xfr\"]\n"                            \
	"  journal-size: 512k\n"                                                                   \
	"  journal-entries: 0\n"
