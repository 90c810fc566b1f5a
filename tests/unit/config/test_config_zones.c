/* gateway/config/: several zones (zones:), their links, policies and own
 * dnssec:/transfer: sections, the one-zone form as zones[0], reverse:,
 * and the printed form of all of them loading back the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

#define ZONES_YAML                                                                                 \
	"state-dir: /var/lib/gw\n"                                                                 \
	"tsig-keys:\n"                                                                             \
	"  - {name: xfr, secret: \"" SECRET_A "\"}\n"                                              \
	"transfer: {allow: [127.0.0.1], journal-entries: 5}\n"                                     \
	"dnssec: {algorithm: 15, signature-validity: 20d}\n"                                       \
	"links:\n"                                                                                 \
	"  - {interface: veth-l1, subdomain: b1}\n"                                                \
	"  - {interface: veth-l2, subdomain: lan2}\n"                                              \
	"zones:\n"                                                                                 \
	"  - domain: Campus.Test\n"                                                                \
	"    file: /etc/gw/campus.zone\n"                                                          \
	"    links: [b1, veth-l2]\n"                                                               \
	"  - domain: guest.test.\n"                                                                \
	"    links: [lan2]\n"                                                                      \
	"    policy:\n"                                                                            \
	"      default: deny\n"                                                                    \
	"      rules:\n"                                                                           \
	"        - action: allow\n"                                                                \
	"          type: \"_ipp._tcp\"\n"                                                          \
	"        - {action: DENY, instance: \"HP*\", host: \"printer*\", link: lan2}\n"            \
	"        - {action: allow, type: \"_ipps._tcp\"}\n"                                        \
	"    dnssec: {denial: nsec3, refresh: 5d}\n"                                               \
	"    transfer: {allow: [192.0.2.10, \"key xfr\"], notify: [192.0.2.53]}\n"                 \
	"reverse:\n"                                                                               \
	"  enable: true\n"                                                                         \
	"  prefixes: [192.0.2.0/25, \"2001:db8:1::/64\", 198.51.100.128/25]\n"

static void test_zones(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	int ret = parse_text(ZONES_YAML, &cfg, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	CU_ASSERT_TRUE(cfg->zone_list);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 2);

	const gw_zone_config_t *c = &cfg->zones[0];
	CU_ASSERT_STRING_EQUAL(c->domain_str, "campus.test.");
	CU_ASSERT_EQUAL(c->domain_len, 13);
	CU_ASSERT_EQUAL(memcmp(c->domain, "\6campus\4test", 13), 0);
	CU_ASSERT_STRING_EQUAL(c->file, "/etc/gw/campus.zone");
	CU_ASSERT_STRING_EQUAL(c->state_dir, "/var/lib/gw/zones/campus.test");
	CU_ASSERT_FALSE(c->reverse);
	CU_ASSERT_EQUAL_FATAL(c->link_count, 2);
	CU_ASSERT_STRING_EQUAL(c->links[0], "b1");
	CU_ASSERT_STRING_EQUAL(c->links[1], "veth-l2");
	CU_ASSERT_EQUAL(c->policy.fallback, MDNS_POLICY_ALLOW);
	CU_ASSERT_EQUAL(c->policy.rule_count, 0);
	/* no own sections: the top level's, borrowed */
	CU_ASSERT_PTR_EQUAL(c->dnssec, &cfg->dnssec);
	CU_ASSERT_PTR_EQUAL(c->transfer, &cfg->transfer);
	CU_ASSERT_PTR_NULL(c->own_dnssec);
	CU_ASSERT_PTR_NULL(c->own_transfer);

	const gw_zone_config_t *g = &cfg->zones[1];
	CU_ASSERT_STRING_EQUAL(g->domain_str, "guest.test.");
	CU_ASSERT_PTR_NULL(g->file);
	CU_ASSERT_STRING_EQUAL(g->state_dir, "/var/lib/gw/zones/guest.test");
	CU_ASSERT_EQUAL_FATAL(g->link_count, 1);
	CU_ASSERT_STRING_EQUAL(g->links[0], "lan2");
	CU_ASSERT_EQUAL(g->policy.fallback, MDNS_POLICY_DENY);
	CU_ASSERT_EQUAL_FATAL(g->policy.rule_count, 3);
	const mdns_policy_rule_t *r = g->policy.rules;
	CU_ASSERT_EQUAL(r[0].action, MDNS_POLICY_ALLOW);
	CU_ASSERT_STRING_EQUAL(r[0].type, "_ipp._tcp");
	CU_ASSERT_PTR_NULL(r[0].instance);
	CU_ASSERT_PTR_NULL(r[0].host);
	CU_ASSERT_PTR_NULL(r[0].link);
	CU_ASSERT_EQUAL(r[1].action, MDNS_POLICY_DENY);
	CU_ASSERT_PTR_NULL(r[1].type);
	CU_ASSERT_STRING_EQUAL(r[1].instance, "HP*");
	CU_ASSERT_STRING_EQUAL(r[1].host, "printer*");
	CU_ASSERT_STRING_EQUAL(r[1].link, "lan2");
	CU_ASSERT_STRING_EQUAL(r[2].type, "_ipps._tcp");

	/* own dnssec: the keys given, the rest from the top level */
	CU_ASSERT_PTR_NOT_NULL_FATAL(g->own_dnssec);
	CU_ASSERT_PTR_EQUAL(g->dnssec, g->own_dnssec);
	CU_ASSERT_TRUE(g->dnssec->nsec3);
	CU_ASSERT_EQUAL(g->dnssec->refresh_ms, 5 * 86400000ULL);
	CU_ASSERT_EQUAL(g->dnssec->algorithm, 15);
	CU_ASSERT_EQUAL(g->dnssec->validity_ms, 20 * 86400000ULL);
	CU_ASSERT_EQUAL(g->dnssec->dnskey_ttl, 3600);
	/* the top level is untouched */
	CU_ASSERT_FALSE(cfg->dnssec.nsec3);
	CU_ASSERT_EQUAL(cfg->dnssec.refresh_ms, 7 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.algorithm, 15);

	CU_ASSERT_PTR_NOT_NULL_FATAL(g->own_transfer);
	CU_ASSERT_PTR_EQUAL(g->transfer, g->own_transfer);
	CU_ASSERT_EQUAL_FATAL(g->transfer->allow.count, 2);
	CU_ASSERT_EQUAL(g->transfer->allow.entries[0].family, AF_INET);
	CU_ASSERT_EQUAL(memcmp(g->transfer->allow.entries[0].addr, "\xc0\x00\x02\x0a", 4), 0);
	CU_ASSERT_EQUAL(g->transfer->allow.entries[1].key, 0);
	CU_ASSERT_EQUAL_FATAL(g->transfer->notify_count, 1);
	assert_endpoint(&g->transfer->notify[0].ep, "192.0.2.53@53");
	CU_ASSERT_EQUAL(g->transfer->journal_entries, 5);
	CU_ASSERT_EQUAL(g->transfer->journal_size, 16 << 20);
	CU_ASSERT_EQUAL_FATAL(cfg->transfer.allow.count, 1);
	CU_ASSERT_EQUAL(cfg->transfer.notify_count, 0);
	CU_ASSERT_NOT_EQUAL(g->transfer->allow.entries, cfg->transfer.allow.entries);

	/* zone: follows the first zone, for code that knows one zone */
	CU_ASSERT_STRING_EQUAL(cfg->zone.domain_str, "campus.test.");
	CU_ASSERT_STRING_EQUAL(cfg->zone.file, "/etc/gw/campus.zone");

	CU_ASSERT_TRUE(cfg->reverse.enable);
	CU_ASSERT_EQUAL_FATAL(cfg->reverse.prefix_count, 3);
	const gw_acl_entry_t *p = cfg->reverse.prefixes;
	CU_ASSERT_EQUAL(p[0].family, AF_INET);
	CU_ASSERT_EQUAL(p[0].prefix, 25);
	CU_ASSERT_EQUAL(memcmp(p[0].addr, "\xc0\x00\x02\x00", 4), 0);
	CU_ASSERT_EQUAL(p[1].family, AF_INET6);
	CU_ASSERT_EQUAL(p[1].prefix, 64);
	CU_ASSERT_EQUAL(memcmp(p[1].addr, "\x20\x01\x0d\xb8\x00\x01\0\0\0\0\0\0\0\0\0\0", 16), 0);
	CU_ASSERT_EQUAL(p[2].prefix, 25);
	CU_ASSERT_EQUAL(p[2].addr[3], 128);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* Without links: every interface is a link; zones name interfaces. */
static void test_zones_without_links(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text("state-dir: /srv/gw//\n"
	                                 "zones:\n"
	                                 "  - {domain: a.test., links: [eth0, wlan0]}\n"
	                                 "  - domain: b.test.\n"
	                                 "    policy: {rules: [{action: deny, link: eth0}]}\n",
	                                 &cfg, &errs),
	                      GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 2);
	CU_ASSERT_EQUAL(cfg->zones[0].link_count, 2);
	CU_ASSERT_STRING_EQUAL(cfg->zones[0].state_dir, "/srv/gw/zones/a.test");
	CU_ASSERT_EQUAL(cfg->zones[1].link_count, 0);
	CU_ASSERT_EQUAL_FATAL(cfg->zones[1].policy.rule_count, 1);
	CU_ASSERT_EQUAL(cfg->zones[1].policy.fallback, MDNS_POLICY_ALLOW);
	CU_ASSERT_STRING_EQUAL(cfg->zones[1].policy.rules[0].link, "eth0");
	CU_ASSERT_FALSE(cfg->reverse.enable);
	CU_ASSERT_EQUAL(cfg->reverse.prefix_count, 0);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

/* The one-zone form: zones[0] with the values of zone:, state-dir,
 * dnssec: and transfer:, as before zones: existed. */
static void test_one_zone_form(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: Example.ORG, file: /tmp/z}\n"
	                                 "state-dir: /tmp/s\n"
	                                 "dnssec: {denial: nsec3}\n",
	                                 &cfg, &errs),
	                      GW_OK);
	CU_ASSERT_FALSE(cfg->zone_list);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 1);
	const gw_zone_config_t *z = &cfg->zones[0];
	CU_ASSERT_STRING_EQUAL(z->domain_str, "example.org.");
	CU_ASSERT_EQUAL(z->domain_len, cfg->zone.domain_len);
	CU_ASSERT_EQUAL(memcmp(z->domain, cfg->zone.domain, z->domain_len), 0);
	CU_ASSERT_STRING_EQUAL(z->file, "/tmp/z");
	CU_ASSERT_STRING_EQUAL(z->state_dir, "/tmp/s"); /* the earlier layout */
	CU_ASSERT_EQUAL(z->link_count, 0);
	CU_ASSERT_EQUAL(z->policy.rule_count, 0);
	CU_ASSERT_EQUAL(z->policy.fallback, MDNS_POLICY_ALLOW);
	CU_ASSERT_PTR_EQUAL(z->dnssec, &cfg->dnssec);
	CU_ASSERT_PTR_EQUAL(z->transfer, &cfg->transfer);
	CU_ASSERT_TRUE(z->dnssec->nsec3);
	CU_ASSERT_PTR_NULL(z->own_dnssec);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 1);
	CU_ASSERT_STRING_EQUAL(cfg->zones[0].domain_str, "home.arpa.");
	CU_ASSERT_STRING_EQUAL(cfg->zones[0].state_dir, "/var/lib/dnssd-gateway");
	CU_ASSERT_FALSE(cfg->reverse.enable);
	gw_config_free(cfg);
}

typedef struct bad {
	const char *text;
	unsigned line;
	const char *needle1, *needle2;
} bad_t;

/* 60 octets: four of them make a 245-octet domain. */
#define L60   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LINKS "links: [{interface: veth-l1, subdomain: b1}, {interface: veth-l2}]\n" /* line 1 */

static const bad_t g_bad[] = {
    {"zone: {domain: a.}\nzones: [{domain: b.}]\n", 2, "zones: given with zone: (line 1)",
     "give either zone: (one zone) or zones:"},
    {"log: {level: info}\n", 1, "zone: required key is missing", "'zones:'"},
    {"zones: []\n", 1, "zones: has 0 entries, at least 1", NULL},
    {"zone: {domain: a.}\nreverse: {enable: true}\n", 2,
     "reverse.enable:", "add links: with each interface and its subdomain"},
    {"zones:\n  - {file: /x}\n", 2, "zones[0].domain: required key is missing", NULL},
    {"zones:\n  - {domain: a.test.}\n  - {domain: A.Test}\n", 3,
     "zones[1].domain: 'a.test.' is listed twice", NULL},
    {"zones:\n  - {domain: a.test.}\n  - {domain: x.a.test.}\n", 3,
     "zones[1].domain: 'x.a.test.' and 'a.test.' are one under the other", NULL},
    {"zones:\n  - {domain: x.a.test.}\n  - {domain: a.test.}\n", 3,
     "'a.test.' and 'x.a.test.' are one under the other", NULL},
    {"zones:\n  - {domain: \"a/b.test.\"}\n", 2, "zones[0].domain: 'a/b.test.'", NULL},
    {"zones:\n  - {domain: .}\n", 2, "zones[0].domain: the root zone", NULL},
    {LINKS "zones:\n  - domain: a.\n    links: [b1, lan9]\n", 4,
     "zones[0].links[1]: 'lan9' is not a link", "(e.g. b1)"},
    {LINKS "zones:\n  - domain: a.\n    links: [b1, veth-l1]\n", 4,
     "zones[0].links[1]: 'veth-l1' is listed twice (as 'b1')", NULL},
    {LINKS "zones:\n  - domain: a.\n    links: [veth-l2, veth-l2]\n", 4,
     "zones[0].links[1]: 'veth-l2' is listed twice", NULL},
    {LINKS "zones:\n  - domain: " L60 "." L60 "." L60 "." L60 ".\n", 3,
     "zones[0].domain:", "b._dns-sd._udp.<subdomain>.<domain> would be over 255 octets"},
    {"zones:\n  - domain: a.\n    links: [\"a/b\"]\n", 3, "zones[0].links[0]: 'a/b'",
     "not an interface name"},
    {"zones:\n  - domain: a.\n    links: []\n", 3, "zones[0].links: an empty list",
     "remove links: to show every link"},
    {"zones:\n  - domain: a.\n    policy: {default: maybe}\n", 3,
     "zones[0].policy.default: 'maybe' is not an action", "allow or deny"},
    {"zones:\n  - domain: a.\n    policy:\n      rules:\n        - {action: permit}\n", 5,
     "zones[0].policy.rules[0].action: 'permit' is not an action", NULL},
    {"zones:\n  - domain: a.\n    policy:\n      rules:\n        - {action: allow, type: "
     "\"_ipp\\t\"}\n",
     5, "zones[0].policy.rules[0].type:", "not a pattern"},
    {"zones:\n  - domain: a.\n    policy:\n      rules:\n        - {type: x}\n", 5,
     "zones[0].policy.rules[0].action: required key is missing", NULL},
    {LINKS "zones:\n  - domain: a.\n    policy:\n      rules:\n        - {action: deny, "
           "link: eth0}\n",
     6, "zones[0].policy.rules[0].link: 'eth0' is not a link", NULL},
    {"zones:\n  - domain: a.\n    dnssec: {denial: nsec5}\n", 3,
     "zones[0].dnssec.denial:", "nsec3"},
    {"dnssec: {signature-validity: 10d}\n"
     "zones:\n  - domain: a.\n    dnssec:\n      refresh: 12d\n",
     5, "zones[0].dnssec.refresh: refresh 12d is not shorter than signature-validity 10d", NULL},
    {"zones:\n  - domain: a.\n    transfer: {allow: [\"key nokey\"]}\n", 3,
     "zones[0].transfer.allow[0]:", "nokey"},
    {"zones:\n  - domain: a.\n    color: blue\n", 3, "color", NULL},
    {"zone: {domain: a.}\nreverse: {prefixes: [192.0.2.1/24]}\n", 2,
     "reverse.prefixes[0]: '192.0.2.1/24' has address bits set", NULL},
    {"zone: {domain: a.}\nreverse: {prefixes: [10.0.0.0/7]}\n", 2,
     "reverse.prefixes[0]: '10.0.0.0/7' is shorter than /8", NULL},
    {"zone: {domain: a.}\nreverse: {prefixes: [\"2001:db8::/64\", \"2001:DB8::/64\"]}\n", 2,
     "reverse.prefixes[1]: '2001:DB8::/64' is listed twice", NULL},
    {"zone: {domain: a.}\nreverse: {prefixes: [lan2]}\n", 2,
     "reverse.prefixes[0]: 'lan2' is not an IP address", NULL},
    {"zone: {domain: a.}\nreverse: {enable: perhaps}\n", 2, "reverse.enable:", NULL},
};

static void test_zones_errors(void)
{
	for (size_t i = 0; i < sizeof(g_bad) / sizeof(g_bad[0]); i++) {
		const bad_t *b = &g_bad[i];
		gw_config_t *cfg;
		gw_config_errors_t errs;
		CU_ASSERT_EQUAL(parse_text(b->text, &cfg, &errs), GW_ECONFIG);
		CU_ASSERT_PTR_NULL(cfg);
		if (error_at(&errs, "inline.yaml", b->line) == NULL) {
			fprintf(stderr, "\ncase %zu: nothing at line %u:\n", i, b->line);
			for (size_t j = 0; j < errs.count; j++)
				fprintf(stderr, "  %s\n", errs.items[j].text);
		}
		if (b->needle2 != NULL)
			ASSERT_ERROR(&errs, "inline.yaml", b->line, b->needle1, b->needle2);
		else
			ASSERT_ERROR(&errs, "inline.yaml", b->line, b->needle1);
		gw_config_free(cfg);
		gw_config_errors_deinit(&errs);
	}
}

static void assert_same_dnssec(const gw_dnssec_config_t *a, const gw_dnssec_config_t *b)
{
	CU_ASSERT_EQUAL(a->enable, b->enable);
	CU_ASSERT_EQUAL(a->algorithm, b->algorithm);
	CU_ASSERT_EQUAL(a->split_keys, b->split_keys);
	CU_ASSERT_EQUAL(a->rsa_bits, b->rsa_bits);
	CU_ASSERT_EQUAL(a->nsec3, b->nsec3);
	CU_ASSERT_EQUAL(a->validity_ms, b->validity_ms);
	CU_ASSERT_EQUAL(a->refresh_ms, b->refresh_ms);
	CU_ASSERT_EQUAL(a->jitter_ms, b->jitter_ms);
	CU_ASSERT_EQUAL(a->inception_offset_ms, b->inception_offset_ms);
	CU_ASSERT_EQUAL(a->dnskey_ttl, b->dnskey_ttl);
	CU_ASSERT_EQUAL(a->sign_threads, b->sign_threads);
	CU_ASSERT_TRUE(same_strings(a->import, a->import_count, b->import, b->import_count));
	CU_ASSERT_EQUAL(a->policy.zsk_lifetime_ms, b->policy.zsk_lifetime_ms);
	CU_ASSERT_EQUAL(a->policy.hold_down_ms, b->policy.hold_down_ms);
	CU_ASSERT_EQUAL_FATAL(a->policy.ds_check_count, b->policy.ds_check_count);
	if (a->policy.ds_check_count > 0)
		CU_ASSERT_EQUAL(memcmp(a->policy.ds_check, b->policy.ds_check,
		                       a->policy.ds_check_count * sizeof(gw_endpoint_t)),
		                0);
}

static void assert_same_transfer(const gw_transfer_config_t *a, const gw_transfer_config_t *b)
{
	CU_ASSERT_EQUAL_FATAL(a->allow.count, b->allow.count);
	if (a->allow.count > 0)
		CU_ASSERT_EQUAL(memcmp(a->allow.entries, b->allow.entries,
		                       a->allow.count * sizeof(gw_acl_entry_t)),
		                0);
	CU_ASSERT_EQUAL_FATAL(a->notify_count, b->notify_count);
	if (a->notify_count > 0)
		CU_ASSERT_EQUAL(
		    memcmp(a->notify, b->notify, a->notify_count * sizeof(gw_notify_target_t)), 0);
	CU_ASSERT_EQUAL(a->journal_size, b->journal_size);
	CU_ASSERT_EQUAL(a->journal_entries, b->journal_entries);
}

/* Every field of every zone, and reverse:; each zone's sections its own
 * (or both the top level's). */
static void assert_same_zones(const gw_config_t *a, const gw_config_t *b)
{
	CU_ASSERT_EQUAL(a->zone_list, b->zone_list);
	CU_ASSERT_EQUAL_FATAL(a->zone_count, b->zone_count);
	for (size_t i = 0; i < a->zone_count; i++) {
		const gw_zone_config_t *x = &a->zones[i], *y = &b->zones[i];
		CU_ASSERT_STRING_EQUAL(x->domain_str, y->domain_str);
		CU_ASSERT_EQUAL_FATAL(x->domain_len, y->domain_len);
		CU_ASSERT_EQUAL(memcmp(x->domain, y->domain, x->domain_len), 0);
		CU_ASSERT_TRUE(same_string(x->file, y->file));
		CU_ASSERT_STRING_EQUAL(x->state_dir, y->state_dir);
		CU_ASSERT_TRUE(same_strings(x->links, x->link_count, y->links, y->link_count));
		CU_ASSERT_EQUAL(x->policy.fallback, y->policy.fallback);
		CU_ASSERT_EQUAL_FATAL(x->policy.rule_count, y->policy.rule_count);
		for (size_t j = 0; j < x->policy.rule_count; j++) {
			const mdns_policy_rule_t *p = &x->policy.rules[j], *q = &y->policy.rules[j];
			CU_ASSERT_EQUAL(p->action, q->action);
			CU_ASSERT_TRUE(same_string(p->type, q->type));
			CU_ASSERT_TRUE(same_string(p->instance, q->instance));
			CU_ASSERT_TRUE(same_string(p->host, q->host));
			CU_ASSERT_TRUE(same_string(p->link, q->link));
		}
		CU_ASSERT_EQUAL(x->own_dnssec == NULL, y->own_dnssec == NULL);
		CU_ASSERT_EQUAL(x->own_transfer == NULL, y->own_transfer == NULL);
		CU_ASSERT_PTR_EQUAL(y->dnssec, y->own_dnssec != NULL ? y->own_dnssec : &b->dnssec);
		CU_ASSERT_PTR_EQUAL(y->transfer,
		                    y->own_transfer != NULL ? y->own_transfer : &b->transfer);
		assert_same_dnssec(x->dnssec, y->dnssec);
		assert_same_transfer(x->transfer, y->transfer);
	}
	CU_ASSERT_EQUAL(a->reverse.enable, b->reverse.enable);
	CU_ASSERT_EQUAL_FATAL(a->reverse.prefix_count, b->reverse.prefix_count);
	if (a->reverse.prefix_count > 0)
		CU_ASSERT_EQUAL(memcmp(a->reverse.prefixes, b->reverse.prefixes,
		                       a->reverse.prefix_count * sizeof(gw_acl_entry_t)),
		                0);
}

/* --check-config -v prints what loads back to the same zones. */
static void test_print_round_trip(void)
{
	gw_config_t *a, *b;
	gw_config_errors_t errs;
	char *text = NULL;
	size_t len = 0;

	CU_ASSERT_EQUAL_FATAL(parse_text(ZONES_YAML, &a, &errs), GW_OK);
	gw_config_errors_deinit(&errs);
	FILE *fp = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(gw_config_print(a, fp), GW_OK);
	fclose(fp);
	/* zones: instead of zone:, never both */
	CU_ASSERT_PTR_NULL(strstr(text, "\nzone:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nzones:\n  - domain: \"campus.test.\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nreverse:\n  enable: true\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "- \"2001:db8:1::/64\"\n"));
	gw_config_errors_init(&errs);
	int ret = gw_config_parse(&b, "printed.yaml", text, len, &errs);
	for (size_t i = 0; i < errs.count; i++)
		fprintf(stderr, "\n%s\n", errs.items[i].text);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	assert_same_zones(a, b);
	assert_round_trip(a);

	/* A reverse zone the daemon added is not printed as an entry. */
	gw_zone_config_t *more = realloc(a->zones, 3 * sizeof(*more));
	CU_ASSERT_PTR_NOT_NULL_FATAL(more);
	a->zones = more;
	memset(&a->zones[2], 0, sizeof(a->zones[2]));
	a->zones[2].reverse = true;
	snprintf(a->zones[2].domain_str, sizeof(a->zones[2].domain_str), "2.0.192.in-addr.arpa.");
	a->zones[2].dnssec = &a->dnssec;
	a->zones[2].transfer = &a->transfer;
	a->zone_count = 3;
	char *again = NULL;
	fp = open_memstream(&again, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(gw_config_print(a, fp), GW_OK);
	fclose(fp);
	CU_ASSERT_STRING_EQUAL(again, text);
	free(again);
	gw_config_free(b);
	gw_config_errors_deinit(&errs);
	free(text);
	gw_config_free(a);
}

/* gw_config_add_reverse_zone(): the zone added with its records, the
 * reverse file and its state directory; a clash with a zone of zones:
 * (equal, above or under) refused. */
static void test_add_reverse_zone(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(
	    parse_text("state-dir: /srv/gw\n"
	               "links: [{interface: e1, subdomain: lan}]\n"
	               "reverse: {enable: true, file: /etc/rev.zone}\n"
	               "zones: [{domain: a.test.}, {domain: 0.192.in-addr.arpa.}]\n",
	               &cfg, &errs),
	    GW_OK);
	gw_config_errors_deinit(&errs);
	static const uint8_t rev[] = "\0012\0010\003192\007in-addr\004arpa";
	static const uint8_t other[] = "\003100\00251\003198\007in-addr\004arpa";
	static const uint8_t above[] = "\003192\007in-addr\004arpa";
	const char *rrs[] = {"b._dns-sd._udp.0.2.0.192.in-addr.arpa. 3600 IN PTR lan.a.test."};
	/* under 0.192.in-addr.arpa., which zones: serves; the same; above it */
	CU_ASSERT_EQUAL(
	    gw_config_add_reverse_zone(cfg, rev, sizeof(rev), "2.0.192.in-addr.arpa.", rrs, 1),
	    GW_EEXIST);
	CU_ASSERT_EQUAL(
	    gw_config_add_reverse_zone(cfg, above, sizeof(above), "192.in-addr.arpa.", rrs, 1),
	    GW_EEXIST);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 2);
	CU_ASSERT_EQUAL_FATAL(gw_config_add_reverse_zone(cfg, other, sizeof(other),
	                                                 "100.51.198.in-addr.arpa.", rrs, 1),
	                      GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 3);
	const gw_zone_config_t *z = &cfg->zones[2];
	CU_ASSERT_TRUE(z->reverse);
	CU_ASSERT_STRING_EQUAL(z->domain_str, "100.51.198.in-addr.arpa.");
	CU_ASSERT_STRING_EQUAL(z->state_dir, "/srv/gw/zones/100.51.198.in-addr.arpa");
	CU_ASSERT_STRING_EQUAL(z->file, "/etc/rev.zone");
	CU_ASSERT_EQUAL_FATAL(z->extra_count, 1);
	CU_ASSERT_STRING_EQUAL(z->extra[0], rrs[0]);
	CU_ASSERT_PTR_EQUAL(z->dnssec, &cfg->dnssec);
	/* the same again: refused */
	CU_ASSERT_EQUAL(gw_config_add_reverse_zone(cfg, other, sizeof(other),
	                                           "100.51.198.in-addr.arpa.", rrs, 1),
	                GW_EEXIST);
	gw_config_free(cfg);
}

/* tests/data/config/zones.yaml (also a seed of fuzz_config). */
static void test_zones_file(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(load_data("zones.yaml", &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->zone_count, 2);
	const gw_zone_config_t *g = &cfg->zones[1];
	CU_ASSERT_EQUAL(g->policy.rule_count, 3);
	CU_ASSERT_STRING_EQUAL(g->policy.rules[1].link, "veth-l2");
	CU_ASSERT_TRUE(g->dnssec->nsec3);
	CU_ASSERT_EQUAL(g->dnssec->policy.zsk_lifetime_ms, 90 * 86400000ULL);
	CU_ASSERT_EQUAL(cfg->dnssec.policy.zsk_lifetime_ms, 0);
	CU_ASSERT_EQUAL(g->transfer->journal_entries, 10);
	CU_ASSERT_EQUAL(cfg->transfer.journal_entries, 1000);
	CU_ASSERT_EQUAL_FATAL(g->transfer->notify_count, 1);
	assert_endpoint(&g->transfer->notify[0].ep, "192.0.2.53@5353");
	CU_ASSERT_EQUAL(cfg->reverse.prefix_count, 2);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"zones", test_zones},
	    {"zones without links", test_zones_without_links},
	    {"one-zone form", test_one_zone_form},
	    {"zones errors", test_zones_errors},
	    {"print round trip", test_print_round_trip},
	    {"a file with zones", test_zones_file},
	    {"reverse zones added at start", test_add_reverse_zone},
	    {NULL, NULL},
	};
	return gw_test_suite("config zones", tests);
}
