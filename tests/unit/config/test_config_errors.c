/* gateway/config/: every kind of problem, each with its place in the
 * file; limits on lists, values, problems and the file itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

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
	ASSERT_ERROR(&errs, f, 27, "links[7].subdomain: '_lan' is not one DNS label",
	             "starting with '_' is DNS-SD structure");
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
	    {"zone: {domain: a}\nserver:\n  tcp-message-timeout: 99ms\n", 3,
	     "'99ms' is out of range"},
	    {"zone: {domain: a}\nserver:\n  tcp-message-timeout: 6m\n", 3, "'6m' is out of range"},
	    {"zone: {domain: a}\nserver:\n  tcp-max-per-client: 65536\n", 3,
	     "65536 is out of range"},
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
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: _ab}\n", 3,
	     "'_ab' is not one DNS label"},
	    {"zone: {domain: a}\nlinks:\n  - {interface: eth0, subdomain: \"*\"}\n", 3,
	     "'*' is not one DNS label: a lone '*' is a wildcard"},
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
	    /* control */
	    {"zone: {domain: a}\ncontrol:\n  socket: run/control.sock\n", 3,
	     "control.socket: 'run/control.sock' is not an absolute path"},
	    {"zone: {domain: a}\ncontrol:\n  socket: /run/"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaa"
	     ".sock\n",
	     3, "control.socket: the path is 113 octets, longer than a Unix socket's 107"},
	    {"zone: {domain: a}\ncontrol:\n  enable: maybe\n", 3, "control.enable:"},
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

	/* user: a name of at most 63 bytes */
	o = (size_t)sprintf(text, "zone: {domain: a}\nuser: ");
	memset(text + o, 'u', 64);
	strcpy(text + o + 64, "\n");
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	ASSERT_ERROR(&errs, "inline.yaml", 2, "user: is 64 bytes long, at most 63");
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

/* What is read as a configuration: a regular file; at the start a pipe
 * too (`-c <(...)`); never a device. A reload (gw_config_load_regular())
 * refuses a FIFO on the open file, without waiting for a writer: if it
 * waited, this test would hang until ctest's timeout. */
static void test_file_kinds(void)
{
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;

	/* a pipe, as bash's <(...) gives one: /proc/self/fd/N */
	int p[2];
	CU_ASSERT_FATAL(pipe(p) == 0);
	static const char text[] = "zone: {domain: piped.example}\n";
	CU_ASSERT_FATAL(write(p[1], text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(p[1]);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, path, &errs), GW_OK);
	CU_ASSERT_EQUAL(errs.count, 0);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	gw_config_free(cfg);
	cfg = NULL;
	gw_config_errors_deinit(&errs);
	close(p[0]);

	/* a device: /dev/null is not an empty configuration */
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load(&cfg, "/dev/null", &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "/dev/null"));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "is not a regular file or a pipe"));
	gw_config_errors_deinit(&errs);

	/* a reload: a FIFO with no writer, refused at once */
	char dir[] = "/tmp/test_config_XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char fifo[64];
	snprintf(fifo, sizeof(fifo), "%s/fifo.yaml", dir);
	CU_ASSERT_FATAL(mkfifo(fifo, 0600) == 0);
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load_regular(&cfg, fifo, &errs), GW_ENOTFILE);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, fifo));
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text,
	                              "a reload reads the configuration only from a regular file"));
	gw_config_errors_deinit(&errs);
	unlink(fifo);
	rmdir(dir);

	/* a reload: a directory, and a regular file */
	char file[1024];
	data_path(file, sizeof(file), "minimal.yaml");
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load_regular(&cfg, file, &errs), GW_OK);
	CU_ASSERT_PTR_NOT_NULL(cfg);
	gw_config_free(cfg);
	cfg = NULL;
	CU_ASSERT_EQUAL(errs.count, 0);
	gw_config_errors_deinit(&errs);
	data_path(file, sizeof(file), "");
	gw_config_errors_init(&errs);
	CU_ASSERT_EQUAL(gw_config_load_regular(&cfg, file, &errs), GW_ENOTFILE);
	CU_ASSERT_EQUAL_FATAL(errs.count, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs.items[0].text, "is a directory"));
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	return gw_test_suite("config errors",
	                     (gw_test_t[]){
	                         {"unknown keys", test_unknown_keys},
	                         {"wrong types", test_wrong_types},
	                         {"bad values", test_bad_values},
	                         {"bad dnssec and links", test_bad_dnssec_and_links},
	                         {"bad mdns", test_bad_mdns},
	                         {"structure errors", test_structure_errors},
	                         {"value errors", test_value_errors_inline},
	                         {"limits", test_limits},
	                         {"file missing", test_file_missing},
	                         {"file too large", test_file_too_large},
	                         {"file kinds", test_file_kinds},
	                         {NULL, NULL},
	                     });
}
