/* gateway/config/diff.c: what a reload changes, each key classified as
 * applied live or taking a restart, and the configuration in force after
 * it (the running values of the keys that take a restart). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

#define BASE       "zone: {domain: example.}\n"
#define BASE_LINKS BASE "links: [{interface: eth0, subdomain: lan}]\n"
#define KEYS                                                                                       \
	"tsig-keys:\n"                                                                             \
	"  - {name: xfr, secret: \"" SECRET_A "\"}\n"

/* One key changed from the defaults (after BASE), and what a reload does
 * with it. */
typedef struct row {
	const char *key;
	const char *text; /* the whole file but BASE; NULL zone: text holds it */
	bool live;
} row_t;

static const row_t g_rows[] = {
    {"zone.domain", "zone: {domain: other.example.}\n", false},
    {"zone.file", "zone: {domain: example., file: /tmp/z}\n", false},
    {"listen", BASE "listen: [\"127.0.0.1@5300\"]\n", false},
    {"ports-file", BASE "ports-file: /tmp/p\n", false},
    {"state-dir", BASE "state-dir: /tmp/s\n", false},
    {"user", BASE "user: nobody\n", false},
    {"group", BASE "group: nogroup\n", false},
    {"log.level", BASE "log: {level: debug}\n", true},
    {"server.udp-payload", BASE "server: {udp-payload: 1400}\n", false},
    {"server.tcp-idle-timeout", BASE "server: {tcp-idle-timeout: 3s}\n", false},
    {"server.tcp-max-connections", BASE "server: {tcp-max-connections: 10}\n", false},
    {"server.tcp-max-pipelined", BASE "server: {tcp-max-pipelined: 3}\n", false},
    {"server.tcp-message-timeout", BASE "server: {tcp-message-timeout: 2s}\n", false},
    {"server.tcp-max-per-client", BASE "server: {tcp-max-per-client: 3}\n", false},
    {"identity", BASE "identity: gw1\n", false},
    {"version", BASE "version: v1\n", false},
    {"tsig-keys", BASE KEYS, true},
    {"transfer.allow", BASE "transfer: {allow: [\"192.0.2.0/24\"]}\n", true},
    {"transfer.notify", BASE "transfer: {notify: [\"192.0.2.53\"]}\n", true},
    {"transfer.journal-size", BASE "transfer: {journal-size: 1M}\n", false},
    {"transfer.journal-entries", BASE "transfer: {journal-entries: 10}\n", false},
    {"transfer.journal-background-size", BASE "transfer: {journal-background-size: 0}\n", false},
    {"rate-limit.rate", BASE "rate-limit: {rate: 5}\n", true},
    {"rate-limit.slip", BASE "rate-limit: {slip: 0}\n", true},
    {"rate-limit.ipv4-prefix", BASE "rate-limit: {ipv4-prefix: 32}\n", true},
    {"rate-limit.ipv6-prefix", BASE "rate-limit: {ipv6-prefix: 64}\n", true},
    {"rate-limit.table-size", BASE "rate-limit: {table-size: 1024}\n", true},
    {"rate-limit.whitelist", BASE "rate-limit: {whitelist: [\"192.0.2.1\"]}\n", true},
    {"cookies.enable", BASE "cookies: {enable: false}\n", true},
    {"dnssec.enable", BASE "dnssec: {enable: false}\n", false},
    {"dnssec.algorithm", BASE "dnssec: {algorithm: 15}\n", false},
    {"dnssec.keys", BASE "dnssec: {keys: ksk-zsk}\n", false},
    {"dnssec.rsa-bits", BASE "dnssec: {rsa-bits: 3072}\n", false},
    {"dnssec.denial", BASE "dnssec: {denial: nsec3}\n", false},
    {"dnssec.signature-validity", BASE "dnssec: {signature-validity: 20d}\n", false},
    {"dnssec.refresh", BASE "dnssec: {refresh: 6d}\n", false},
    {"dnssec.jitter", BASE "dnssec: {jitter: 2h}\n", false},
    {"dnssec.inception-offset", BASE "dnssec: {inception-offset: 2h}\n", false},
    {"dnssec.dnskey-ttl", BASE "dnssec: {dnskey-ttl: 600}\n", false},
    {"dnssec.sign-threads", BASE "dnssec: {sign-threads: 2}\n", false},
    {"dnssec.import", BASE "dnssec: {import: [/tmp/Kexample.+013+00001.key]}\n", false},
    {"links", BASE "links: [{interface: eth0, subdomain: lan}]\n", true},
    /* the same zone, now in the form of a list */
    {"zones", "zones: [{domain: example.}]\n", false},
    /* (compared with BASE_LINKS: reverse zones need links) */
    {"reverse.enable", BASE_LINKS "reverse: {enable: true}\n", false},
    {"reverse.prefixes", BASE "reverse: {prefixes: [192.0.2.0/24]}\n", false},
    {"metrics.listen", BASE "metrics: {listen: [\"127.0.0.1@9153\"]}\n", false},
    {"metrics.hosts", BASE "metrics: {hosts: [router.lan]}\n", true},
    {"metrics.allow", BASE "metrics: {allow: [\"192.0.2.0/24\"]}\n", true},
    {"metrics.max-connections", BASE "metrics: {max-connections: 4}\n", false},
    {"metrics.timeout", BASE "metrics: {timeout: 3s}\n", false},
    {"tls.listen", BASE "tls: {listen: [\"127.0.0.1@853\"]}\n", false},
    {"tls.server-name", BASE "tls: {server-name: dns.example.}\n", false},
    {"tls.tlsa-ttl", BASE "tls: {tlsa-ttl: 600}\n", false},
    {"tls.ticket-lifetime", BASE "tls: {ticket-lifetime: 600}\n", false},
    {"control.enable", BASE "control: {enable: false}\n", false},
    {"control.socket", BASE "control: {socket: /tmp/other.sock}\n", false},
    {"mdns.enable", BASE "mdns: {enable: false}\n", false},
    {"mdns.ipv4", BASE "mdns: {ipv4: false}\n", false},
    {"mdns.ipv6", BASE "mdns: {ipv6: false}\n", false},
    {"mdns.ttl-cap", BASE "mdns: {ttl-cap: 20s}\n", true},
    {"mdns.batch-window", BASE "mdns: {batch-window: 10ms}\n", true},
    {"mdns.warm-up", BASE "mdns: {warm-up: 1s}\n", true},
    {"mdns.link-grace", BASE "mdns: {link-grace: 1s}\n", true},
    {"mdns.drop-private", BASE "mdns: {drop-private: true}\n", true},
    {"mdns.subtypes", BASE "mdns: {subtypes: []}\n", true},
    {"mdns.limits.services-per-link", BASE "mdns: {limits: {services-per-link: 1}}\n", true},
    {"mdns.limits.records-per-name", BASE "mdns: {limits: {records-per-name: 2}}\n", true},
    {"mdns.limits.txt-size", BASE "mdns: {limits: {txt-size: 100}}\n", true},
    {"mdns.limits.changes-per-second", BASE "mdns: {limits: {changes-per-second: 5}}\n", true},
    {"mdns.limits.services-per-host", BASE "mdns: {limits: {services-per-host: 5}}\n", true},
    {"mdns.limits.services-per-address", BASE "mdns: {limits: {services-per-address: 5}}\n", true},
};

static gw_config_t *parse_ok(const char *text)
{
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	int ret = parse_text(text, &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	gw_config_errors_deinit(&errs);
	CU_ASSERT_EQUAL(ret, GW_OK);
	return cfg;
}

/* Each key alone: found changed, under its name, classified as the table
 * says; and the same file twice changes nothing. */
static void test_each_key_classified(void)
{
	gw_config_t *base = parse_ok(BASE);
	gw_config_t *base_links = parse_ok(BASE_LINKS);
	gw_config_diff_t d;
	CU_ASSERT_PTR_NOT_NULL_FATAL(base);
	CU_ASSERT_PTR_NOT_NULL_FATAL(base_links);
	for (size_t i = 0; i < sizeof(g_rows) / sizeof(g_rows[0]); i++) {
		const row_t *r = &g_rows[i];
		gw_config_t *next = parse_ok(r->text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(next);
		/* BASE_LINKS and more: compared with BASE_LINKS (the links row
		 * itself is BASE_LINKS, compared with BASE) */
		const bool with_links = strncmp(r->text, BASE_LINKS, strlen(BASE_LINKS)) == 0 &&
		                        strlen(r->text) > strlen(BASE_LINKS);
		CU_ASSERT_EQUAL_FATAL(gw_config_diff(with_links ? base_links : base, next, &d),
		                      GW_OK);
		if (d.count != 1 || strcmp(d.items[0].key, r->key) != 0 ||
		    d.items[0].live != r->live)
			fprintf(stderr, "\nrow %s: %zu changes, first %s (%s)\n", r->key, d.count,
			        d.count > 0 ? d.items[0].key : "-",
			        d.count > 0 && d.items[0].live ? "live" : "restart");
		CU_ASSERT_EQUAL(d.count, 1);
		CU_ASSERT_STRING_EQUAL(d.items[0].key, r->key);
		CU_ASSERT_EQUAL(d.items[0].live, r->live);
		CU_ASSERT_EQUAL(d.restart, r->live ? 0 : 1);
		CU_ASSERT_TRUE(gw_config_diff_has(&d, r->key));
		/* Nothing changed: nothing to do. */
		CU_ASSERT_EQUAL_FATAL(gw_config_diff(next, next, &d), GW_OK);
		CU_ASSERT_EQUAL(d.count, 0);
		gw_config_free(next);
	}
	gw_config_free(base);
	gw_config_free(base_links);
}

/* A secret that changed under the same key name is a change of tsig-keys
 * (a key file prints as its path, so the secret itself is compared). */
static void test_secret_change(void)
{
	gw_config_t *a = parse_ok(BASE KEYS);
	gw_config_t *b = parse_ok(BASE "tsig-keys:\n  - {name: xfr, secret: \"c2VjcmV0\"}\n");
	gw_config_diff_t d;
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	free(b->tsig_keys[0].secret);
	b->tsig_keys[0].secret = strdup(a->tsig_keys[0].secret);
	b->tsig_keys[0].file = strdup("/etc/key"); /* same secret, now from a file */
	free(a->tsig_keys[0].secret);
	a->tsig_keys[0].secret = strdup("c2VjcmV0");
	a->tsig_keys[0].file = strdup("/etc/key");
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(a, b, &d), GW_OK);
	CU_ASSERT_EQUAL(d.count, 1);
	CU_ASSERT_TRUE(gw_config_diff_has(&d, "tsig-keys"));
	gw_config_free(a);
	gw_config_free(b);
}

/* Every key that takes a restart changed at once, with live ones: after
 * gw_config_keep_restart() the new configuration differs from the one in
 * force by the live keys only. */
static void test_keep_restart(void)
{
	gw_config_t *cur = parse_ok(BASE "listen: [\"127.0.0.1@5300\", \"[::1]@5300\"]\n"
	                                 "dnssec: {import: [/tmp/Ka.+013+00001.key]}\n");
	gw_config_t *next =
	    parse_ok("zone: {domain: other., file: /tmp/z}\n"
	             "listen: [\"127.0.0.2@53\"]\n"
	             "ports-file: /tmp/p\nstate-dir: /tmp/s\n"
	             "identity: i\nversion: v\n"
	             "server: {udp-payload: 1400, tcp-idle-timeout: 3s,"
	             " tcp-max-connections: 9, tcp-max-pipelined: 3,"
	             " tcp-message-timeout: 2s, tcp-max-per-client: 2}\n"
	             "transfer: {journal-size: 1M, journal-entries: 5,"
	             " allow: [\"192.0.2.0/24\"]}\n"
	             "dnssec: {enable: false, algorithm: 8, keys: ksk-zsk,"
	             " rsa-bits: 3072, denial: nsec3, signature-validity: 20d,"
	             " refresh: 6d, jitter: 2h, inception-offset: 2h,"
	             " dnskey-ttl: 60, sign-threads: 2, import: []}\n"
	             "mdns: {enable: false, ipv4: false, limits: {txt-size: 99}}\n");
	gw_config_diff_t d;
	char live[512], restart[2048];
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	CU_ASSERT_EQUAL(gw_config_diff_list(&d, true, live, sizeof(live)), 2);
	CU_ASSERT_STRING_EQUAL(live, "transfer.allow, mdns.limits.txt-size");
	size_t n = gw_config_diff_list(&d, false, restart, sizeof(restart));
	CU_ASSERT_EQUAL(n, d.restart);
	CU_ASSERT_EQUAL(n, 29); /* every key that takes a restart but mdns.ipv6 */
	CU_ASSERT_PTR_NOT_NULL(strstr(restart, "zone.domain, zone.file, listen, "));

	CU_ASSERT_EQUAL_FATAL(gw_config_keep_restart(next, cur, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	CU_ASSERT_EQUAL(d.restart, 0);
	CU_ASSERT_EQUAL(d.count, 2);
	CU_ASSERT_STRING_EQUAL(next->zone.domain_str, "example.");
	CU_ASSERT_PTR_NULL(next->zone.file);
	CU_ASSERT_EQUAL_FATAL(next->listen_count, 2);
	assert_endpoint(&next->listen[1], "[::1]@5300");
	CU_ASSERT_NOT_EQUAL(next->listen, cur->listen); /* a copy: next owns it */
	CU_ASSERT_EQUAL_FATAL(next->dnssec.import_count, 1);
	CU_ASSERT_STRING_EQUAL(next->dnssec.import[0], "/tmp/Ka.+013+00001.key");
	CU_ASSERT_EQUAL(next->mdns.limits.txt_size, 99);
	CU_ASSERT_EQUAL(next->transfer.allow.count, 1);
	assert_round_trip(next);
	gw_config_free(cur);
	gw_config_free(next);
}

/* zones: takes a restart. What a reload keeps of zone:, zones:,
 * state-dir:, dnssec: and transfer: leaves cfg->zones as a load of the
 * running values would make it: the zones in force, their state
 * directories under the running state-dir, their sections next's own. */
static void test_keep_restart_zones(void)
{
	gw_config_t *cur = parse_ok("state-dir: /tmp/s1\n"
	                            "reverse: {prefixes: [\"2001:db8:1::/64\"]}\n"
	                            "zones:\n"
	                            "  - {domain: a.test.}\n"
	                            "  - {domain: b.test., dnssec: {denial: nsec3},"
	                            " transfer: {journal-entries: 7}}\n");
	gw_config_t *next = parse_ok("state-dir: /tmp/s2\n"
	                             "dnssec: {algorithm: 8}\n"
	                             "transfer: {allow: [\"192.0.2.0/24\"]}\n"
	                             "zones: [{domain: a.test.}, {domain: c.test.}]\n"
	                             "links: [{interface: eth0, subdomain: lan}]\n"
	                             "reverse: {enable: true, prefixes: [192.0.2.0/24]}\n");
	gw_config_diff_t d;
	char restart[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	gw_config_diff_list(&d, false, restart, sizeof(restart));
	CU_ASSERT_STRING_EQUAL(
	    restart, "state-dir, dnssec.algorithm, zones, reverse.enable, reverse.prefixes");
	CU_ASSERT_TRUE(gw_config_diff_has(&d, "transfer.allow"));
	CU_ASSERT_EQUAL_FATAL(gw_config_keep_restart(next, cur, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	CU_ASSERT_EQUAL(d.restart, 0);
	CU_ASSERT_TRUE(next->zone_list);
	CU_ASSERT_EQUAL_FATAL(next->zone_count, 2);
	CU_ASSERT_STRING_EQUAL(next->zones[1].domain_str, "b.test.");
	CU_ASSERT_STRING_EQUAL(next->zones[0].state_dir, "/tmp/s1/zones/a.test");
	CU_ASSERT_STRING_EQUAL(next->zones[1].state_dir, "/tmp/s1/zones/b.test");
	/* a copy, next's own; the borrowed sections are next's */
	CU_ASSERT_PTR_NOT_NULL_FATAL(next->zones[1].own_dnssec);
	CU_ASSERT_NOT_EQUAL(next->zones[1].own_dnssec, cur->zones[1].own_dnssec);
	CU_ASSERT_PTR_EQUAL(next->zones[1].dnssec, next->zones[1].own_dnssec);
	CU_ASSERT_TRUE(next->zones[1].dnssec->nsec3);
	CU_ASSERT_EQUAL(next->zones[1].transfer->journal_entries, 7);
	CU_ASSERT_PTR_EQUAL(next->zones[0].dnssec, &next->dnssec);
	CU_ASSERT_PTR_EQUAL(next->zones[0].transfer, &next->transfer);
	CU_ASSERT_EQUAL(next->zones[0].dnssec->algorithm, 13);    /* the running value */
	CU_ASSERT_EQUAL(next->zones[0].transfer->allow.count, 1); /* live: the new one */
	CU_ASSERT_STRING_EQUAL(next->zone.domain_str, "a.test.");
	CU_ASSERT_FALSE(next->reverse.enable);
	CU_ASSERT_EQUAL_FATAL(next->reverse.prefix_count, 1);
	CU_ASSERT_NOT_EQUAL(next->reverse.prefixes, cur->reverse.prefixes);
	CU_ASSERT_EQUAL(next->reverse.prefixes[0].family, AF_INET6);
	CU_ASSERT_EQUAL(next->reverse.prefixes[0].prefix, 64);
	assert_round_trip(next);
	gw_config_free(next);

	/* zone: to zones:: the one zone in force stays, as the one-zone form */
	gw_config_t *one = parse_ok(BASE "state-dir: /tmp/s1\n");
	next = parse_ok("zones: [{domain: example.}, {domain: other.}]\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(one, next, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_keep_restart(next, one, &d), GW_OK);
	CU_ASSERT_FALSE(next->zone_list);
	CU_ASSERT_EQUAL_FATAL(next->zone_count, 1);
	CU_ASSERT_STRING_EQUAL(next->zones[0].domain_str, "example.");
	CU_ASSERT_STRING_EQUAL(next->zones[0].state_dir, "/tmp/s1");
	CU_ASSERT_PTR_EQUAL(next->zones[0].dnssec, &next->dnssec);
	gw_config_free(next);

	/* zones: to zone:: the zones in force stay */
	next = parse_ok(BASE "state-dir: /tmp/s2\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(next);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_keep_restart(next, cur, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(cur, next, &d), GW_OK);
	CU_ASSERT_EQUAL(d.count, 0);
	CU_ASSERT_TRUE(next->zone_list);
	CU_ASSERT_EQUAL_FATAL(next->zone_count, 2);
	CU_ASSERT_STRING_EQUAL(next->zones[0].state_dir, "/tmp/s1/zones/a.test");
	CU_ASSERT_STRING_EQUAL(next->zone.domain_str, "a.test.");
	gw_config_free(next);

	/* The one-zone form with only state-dir changed: zones[0] follows
	 * the state-dir kept. */
	next = parse_ok(BASE "state-dir: /tmp/s2\n");
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(one, next, &d), GW_OK);
	CU_ASSERT_EQUAL_FATAL(gw_config_keep_restart(next, one, &d), GW_OK);
	CU_ASSERT_STRING_EQUAL(next->state_dir, "/tmp/s1");
	CU_ASSERT_STRING_EQUAL(next->zones[0].state_dir, "/tmp/s1");
	gw_config_free(next);
	gw_config_free(one);
	gw_config_free(cur);
}

static void test_list_cut(void)
{
	gw_config_t *a = parse_ok(BASE);
	gw_config_t *b = parse_ok(BASE "listen: [\"127.0.0.1@1\"]\nstate-dir: /x\n");
	gw_config_diff_t d;
	char buf[8];
	CU_ASSERT_EQUAL_FATAL(gw_config_diff(a, b, &d), GW_OK);
	CU_ASSERT_EQUAL(gw_config_diff_list(&d, false, buf, sizeof(buf)), 2);
	CU_ASSERT_STRING_EQUAL(buf, "listen,");
	CU_ASSERT_EQUAL(gw_config_diff_list(&d, true, buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	gw_config_free(a);
	gw_config_free(b);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"each key classified live or restart", test_each_key_classified},
	    {"a changed secret is a change", test_secret_change},
	    {"keep the running values of restart keys", test_keep_restart},
	    {"keep the running zones", test_keep_restart_zones},
	    {"key lists cut to the buffer", test_list_cut},
	    {NULL, NULL},
	};
	return gw_test_suite("config_diff", tests);
}
