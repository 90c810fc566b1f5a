/* mdns/translate.c: .local names into unicast names, table-driven. */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "cunit.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

/* A wire name from labels separated by '|' (so that labels may hold dots,
 * spaces and backslashes as data). */
static int wire(uint8_t *out, const char *labels)
{
	size_t pos = 0;
	const char *p = labels;
	while (*p != '\0') {
		const char *end = strchr(p, '|');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		out[pos++] = (uint8_t)len;
		memcpy(out + pos, p, len);
		pos += len;
		p += len;
		if (*p == '|')
			p++;
	}
	out[pos++] = 0;
	return (int)pos;
}

static const struct {
	const char *avahi;  /* Avahi's escaped text */
	const char *labels; /* expected labels, '|'-separated; NULL: error */
	int error;
} from_text[] = {
    {"printer.local", "printer|local", 0},
    {"printer.local.", "printer|local", 0},
    /* Avahi escapes a space and every octet outside [A-Za-z0-9_-] as \DDD */
    {"My\\032Printer._ipp._tcp.local", "My Printer|_ipp|_tcp|local", 0},
    /* a dot and a backslash inside a label */
    {"Floor\\.2\\\\West._ipp._tcp.local", "Floor.2\\West|_ipp|_tcp|local", 0},
    /* UTF-8, escaped (as Avahi does) and raw */
    {"B\\195\\188ro._http._tcp.local", "B\xc3\xbcro|_http|_tcp|local", 0},
    {"B\xc3\xbcro Drucker._http._tcp.local", "B\xc3\xbcro Drucker|_http|_tcp|local", 0},
    {"\\.\\.\\..local", "...|local", 0},
    {"a..local", NULL, GW_EMALFORMED},
    {".local", NULL, GW_EMALFORMED},
    {"", NULL, GW_EMALFORMED},
    {".", NULL, GW_EMALFORMED},
    {"bad\\25.local", NULL, GW_EMALFORMED},
    {"bad\\256.local", NULL, GW_EMALFORMED},
    {"trailing\\", NULL, GW_EMALFORMED},
    {"0123456789012345678901234567890123456789012345678901234567890123.local", NULL, GW_ELIMIT},
};

static void test_from_text(void)
{
	for (size_t i = 0; i < sizeof(from_text) / sizeof(from_text[0]); i++) {
		uint8_t got[MDNS_NAME_MAX], want[MDNS_NAME_MAX];
		int ret = mdns_name_from_text(got, from_text[i].avahi);
		if (from_text[i].labels == NULL) {
			if (ret != from_text[i].error)
				fprintf(stderr, "case %zu (%s): got %d\n", i, from_text[i].avahi,
				        ret);
			CU_ASSERT_EQUAL(ret, from_text[i].error);
			continue;
		}
		int len = wire(want, from_text[i].labels);
		if (ret != len || memcmp(got, want, (size_t)len) != 0)
			fprintf(stderr, "case %zu (%s): got %d\n", i, from_text[i].avahi, ret);
		CU_ASSERT_EQUAL(ret, len);
		CU_ASSERT(ret == len && memcmp(got, want, (size_t)len) == 0);
	}
}

static void test_from_text_long(void)
{
	/* 4 labels of 63 octets: 256 octets of wire name, one too many. */
	char text[512] = "";
	uint8_t out[MDNS_NAME_MAX];
	for (int i = 0; i < 4; i++) {
		strcat(text, "012345678901234567890123456789012345678901234567890123456789012");
		strcat(text, ".");
	}
	CU_ASSERT_EQUAL(mdns_name_from_text(out, text), GW_ELIMIT);
	/* 3 of 63 and one of 61: 254 + root = 255, the largest. */
	text[3 * 64 + 61] = '\0';
	CU_ASSERT_EQUAL(mdns_name_from_text(out, text), 255);
}

static const struct {
	const char *in;     /* labels, .local */
	const char *suffix; /* labels */
	int min_labels;
	const char *out; /* labels; NULL: error */
	int error;
} translations[] = {
    {"My Printer|_ipp|_tcp|local", "lan|home|arpa", 1, "My Printer|_ipp|_tcp|lan|home|arpa", 0},
    {"Floor.2\\West|_ipp|_tcp|local", "lan|home|arpa", 1, "Floor.2\\West|_ipp|_tcp|lan|home|arpa",
     0},
    {"B\xc3\xbcro Drucker|_http|_tcp|local", "wlan0|example|org", 1,
     "B\xc3\xbcro Drucker|_http|_tcp|wlan0|example|org", 0},
    /* subtypes keep their _sub label */
    {"_universal|_sub|_ipp|_tcp|local", "lan|home|arpa", 1,
     "_universal|_sub|_ipp|_tcp|lan|home|arpa", 0},
    {"host|LOCAL", "lan|home|arpa", 1, "host|lan|home|arpa", 0},
    {"local", "lan|home|arpa", 1, NULL, GW_EINVAL},
    {"printer|example|com", "lan|home|arpa", 1, NULL, GW_EINVAL},
    {"printer|locale", "lan|home|arpa", 1, NULL, GW_EINVAL},
    {"_ipp|_tcp|local", "lan|home|arpa", 3, NULL, GW_EINVAL},
};

static void test_translate(void)
{
	for (size_t i = 0; i < sizeof(translations) / sizeof(translations[0]); i++) {
		uint8_t in[MDNS_NAME_MAX], sfx[MDNS_NAME_MAX], want[MDNS_NAME_MAX];
		uint8_t got[MDNS_NAME_MAX];
		wire(in, translations[i].in);
		wire(sfx, translations[i].suffix);
		int ret = mdns_translate_name(got, in, sfx, translations[i].min_labels);
		if (translations[i].out == NULL) {
			CU_ASSERT_EQUAL(ret, translations[i].error);
			continue;
		}
		int len = wire(want, translations[i].out);
		CU_ASSERT_EQUAL(ret, len);
		CU_ASSERT(ret == len && memcmp(got, want, (size_t)len) == 0);
	}
}

/* The text form a zone file or kdig shows, and back: escapes survive. */
static void test_text_round_trip(void)
{
	static const char *const names[] = {
	    "My Printer|_ipp|_tcp|lan|home|arpa",
	    "Floor.2\\West|_ipp|_tcp|lan|home|arpa",
	    "B\xc3\xbcro \"Drucker\"; 2|_http|_tcp|lan|home|arpa",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t name[MDNS_NAME_MAX], back[ZONE_NAME_MAXLEN];
		char text[1024];
		int len = wire(name, names[i]);
		CU_ASSERT_EQUAL_FATAL(zone_name_to_str(text, sizeof(text), name), GW_OK);
		CU_ASSERT_EQUAL(zone_name_from_str(back, text, NULL), len);
		CU_ASSERT(memcmp(back, name, (size_t)len) == 0);
		/* one label stays one label: dots inside are escaped */
		CU_ASSERT_EQUAL(zone_name_labels(back), zone_name_labels(name));
	}
}

static void test_overlong(void)
{
	/* Fits under .local (255 octets), not under a longer suffix. */
	uint8_t in[MDNS_NAME_MAX], sfx[MDNS_NAME_MAX], out[MDNS_NAME_MAX];
	char labels[512];
	snprintf(labels, sizeof(labels), "%.63s|%.63s|%.63s|%.55s|local",
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	         "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
	         "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC",
	         "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD");
	int len = wire(in, labels);
	CU_ASSERT_EQUAL(len, 64 * 3 + 56 + 6 + 1);
	wire(sfx, "lan|home|arpa");
	CU_ASSERT_EQUAL(mdns_translate_name(out, in, sfx, 1), GW_ELIMIT);
	wire(sfx, "a");
	CU_ASSERT_EQUAL(mdns_translate_name(out, in, sfx, 1), len - 4);
}

static void test_reserved(void)
{
	static const struct {
		const char *labels;
		bool reserved;
	} cases[] = {
	    {"_dns-sd|_udp|local", true},
	    {"b|_dns-sd|_udp|local", true},
	    {"_services|_dns-sd|_udp|local", true},
	    {"x|_DNS-SD|_UDP|local", true},
	    {"_dns-sd|x|_udp|local", false},
	    {"_dns-sd._udp|local", false}, /* one label with a dot: just an instance name */
	    {"My Printer|_ipp|_tcp|local", false},
	    {"_dns-sd|_tcp|local", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t name[MDNS_NAME_MAX];
		wire(name, cases[i].labels);
		CU_ASSERT_EQUAL(mdns_name_is_reserved(name), cases[i].reserved);
	}
}

static void test_kind(void)
{
	static const struct {
		const char *labels;
		mdns_name_kind_t kind;
	} cases[] = {
	    {"_ipp|_tcp|local", MDNS_NAME_TYPE},
	    {"_ssh|_TCP|local", MDNS_NAME_TYPE},
	    {"_printer|_udp|local", MDNS_NAME_TYPE},
	    {"_services|_dns-sd|_udp|local", MDNS_NAME_SERVICES},
	    {"_universal|_sub|_ipp|_tcp|local", MDNS_NAME_SUBTYPE},
	    {"_x|_sub|_dns-sd|_udp|local", MDNS_NAME_OTHER},
	    {"_dns-sd|_udp|local", MDNS_NAME_OTHER},
	    {"ipp|_tcp|local", MDNS_NAME_OTHER},
	    {"_|_tcp|local", MDNS_NAME_OTHER},
	    {"_ipp|_sctp|local", MDNS_NAME_OTHER},
	    {"_ipp|_tcp|example", MDNS_NAME_OTHER},
	    {"x|_ipp|_tcp|local", MDNS_NAME_OTHER},
	    {"local", MDNS_NAME_OTHER},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t name[MDNS_NAME_MAX];
		wire(name, cases[i].labels);
		if (mdns_name_kind(name) != cases[i].kind)
			fprintf(stderr, "kind case %zu (%s)\n", i, cases[i].labels);
		CU_ASSERT_EQUAL(mdns_name_kind(name), cases[i].kind);
	}
}

static void test_instance_of(void)
{
	uint8_t type[MDNS_NAME_MAX], inst[MDNS_NAME_MAX], sub[MDNS_NAME_MAX];
	wire(type, "_ipp|_tcp|local");
	wire(inst, "My Printer.2|_IPP|_tcp|local");
	CU_ASSERT_TRUE(mdns_instance_of(inst, type));
	wire(inst, "a|b|_ipp|_tcp|local");
	CU_ASSERT_FALSE(mdns_instance_of(inst, type));
	wire(inst, "_ipp|_tcp|local");
	CU_ASSERT_FALSE(mdns_instance_of(inst, type));
	wire(inst, "x|_http|_tcp|local");
	CU_ASSERT_FALSE(mdns_instance_of(inst, type));
	/* a subtype's instances are instances of its base type */
	wire(sub, "_universal|_sub|_ipp|_tcp|local");
	wire(inst, "My Printer|_ipp|_tcp|local");
	CU_ASSERT_TRUE(mdns_instance_of(inst, mdns_name_skip(sub, 2)));
	CU_ASSERT_PTR_NULL(mdns_name_skip(type, 4));
}

static void test_rdata(void)
{
	uint8_t sfx[MDNS_NAME_MAX], rd[600], out[MDNS_RDATA_MAX], want[MDNS_NAME_MAX];
	wire(sfx, "lan|home|arpa");
	/* SRV 0 0 631 printer.local */
	rd[0] = 0, rd[1] = 0, rd[2] = 0, rd[3] = 0, rd[4] = 631 >> 8, rd[5] = 631 & 0xff;
	int n = wire(rd + 6, "printer|local");
	int ret = mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n), sfx, 1);
	int wl = wire(want, "printer|lan|home|arpa");
	CU_ASSERT_EQUAL(ret, 6 + wl);
	CU_ASSERT(memcmp(out, rd, 6) == 0 && memcmp(out + 6, want, (size_t)wl) == 0);
	/* a target outside .local, on gateway names, or malformed */
	n = wire(rd + 6, "printer|example|com");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n), sfx, 1),
	                GW_EINVAL);
	n = wire(rd + 6, "b|_dns-sd|_udp|local");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n), sfx, 1),
	                GW_EPERM);
	n = wire(rd + 6, "printer|local");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n - 1), sfx, 1),
	                GW_EMALFORMED);
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, 5, sfx, 1), GW_EMALFORMED);
	rd[6] = 64; /* a label length no name may have */
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n), sfx, 1),
	                GW_EMALFORMED);
	/* PTR */
	n = wire(rd, "My Printer|_ipp|_tcp|local");
	wl = wire(want, "My Printer|_ipp|_tcp|lan|home|arpa");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_PTR, rd, (uint16_t)n, sfx, 1), wl);
	CU_ASSERT(memcmp(out, want, (size_t)wl) == 0);
	/* TXT is data: copied as is */
	memcpy(rd, "\x05txtvers=1", 11);
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_TXT, rd, 11, sfx, 1), 11);
	CU_ASSERT(memcmp(out, rd, 11) == 0);
}

/* Names that would change DNS meaning once mirrored (issue 16). */
static void test_vet(void)
{
	static const struct {
		const char *labels;
		mdns_use_t use;
		mdns_vet_t want;
	} cases[] = {
	    {"My Printer|_ipp|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_OK},
	    {"*|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_WILDCARD},
	    {"*|local", MDNS_USE_HOST, MDNS_VET_WILDCARD},
	    {"a|*|local", MDNS_USE_HOST, MDNS_VET_WILDCARD},
	    {"*x|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_OK}, /* not a wildcard */
	    {"a*|local", MDNS_USE_HOST, MDNS_VET_OK},
	    {"_sub|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_SUB},
	    {"_SUB|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_SUB},
	    {"_subway|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_OK},
	    {"_ipp|_tcp|local", MDNS_USE_HOST, MDNS_VET_UNDERSCORE},
	    {"web|_http|_tcp|local", MDNS_USE_HOST, MDNS_VET_UNDERSCORE},
	    {"_x|_sub|_ipp|_tcp|local", MDNS_USE_HOST, MDNS_VET_UNDERSCORE},
	    {"my_host|local", MDNS_USE_HOST, MDNS_VET_OK},
	    {"printer|local", MDNS_USE_HOST, MDNS_VET_OK},
	    {"b|_dns-sd|_udp|local", MDNS_USE_HOST, MDNS_VET_RESERVED},
	    {"_dns-sd|_udp|local", MDNS_USE_TYPE, MDNS_VET_RESERVED},
	    {"_ipp|_tcp|local", MDNS_USE_TYPE, MDNS_VET_OK},
	    {"_i\x7fp|_tcp|local", MDNS_USE_TYPE, MDNS_VET_CONTROL},
	    {"bad\nname|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_CONTROL},
	    {"B\xc3\xbcro|_http|_tcp|local", MDNS_USE_INSTANCE, MDNS_VET_OK},
	};
	uint8_t name[MDNS_NAME_MAX];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wire(name, cases[i].labels);
		mdns_vet_t got = mdns_name_vet(name, cases[i].use);
		if (got != cases[i].want)
			fprintf(stderr, "vet %s: %d, want %d\n", cases[i].labels, got,
			        cases[i].want);
		CU_ASSERT_EQUAL(got, cases[i].want);
		CU_ASSERT_PTR_NOT_NULL(mdns_vet_str(got));
	}
	/* NUL inside a label (wire() cannot write one) */
	static const uint8_t nul[] = {4, 'a', 0, 'b', 'c', 5, 'l', 'o', 'c', 'a', 'l', 0};
	memcpy(name, nul, sizeof(nul));
	CU_ASSERT_EQUAL(mdns_name_vet(name, MDNS_USE_HOST), MDNS_VET_CONTROL);
	CU_ASSERT_STRING_EQUAL(mdns_vet_str(MDNS_VET_OK), "");
}

/* Translation itself never writes a "*" label, whoever calls it. */
static void test_wildcard(void)
{
	uint8_t sfx[MDNS_NAME_MAX], name[MDNS_NAME_MAX], out[MDNS_RDATA_MAX], rd[300];
	wire(sfx, "lan|home|arpa");
	wire(name, "*|_http|_tcp|local");
	CU_ASSERT_EQUAL(mdns_translate_name(out, name, sfx, 1), GW_EPERM);
	wire(name, "a|*|local");
	CU_ASSERT_EQUAL(mdns_translate_name(out, name, sfx, 1), GW_EPERM);
	wire(name, "*|example|com");
	CU_ASSERT_EQUAL(mdns_translate_name(out, name, sfx, 1), GW_EINVAL);
	memset(rd, 0, 6);
	int n = wire(rd + 6, "*|local");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_SRV, rd, (uint16_t)(6 + n), sfx, 1),
	                GW_EPERM);
	n = wire(rd, "*|_http|_tcp|local");
	CU_ASSERT_EQUAL(mdns_translate_rdata(out, DNS_T_PTR, rd, (uint16_t)n, sfx, 1), GW_EPERM);
}

static void test_ttl(void)
{
	CU_ASSERT_EQUAL(mdns_ttl_cap(4500, 10), 10);
	CU_ASSERT_EQUAL(mdns_ttl_cap(120, 10), 10);
	CU_ASSERT_EQUAL(mdns_ttl_cap(5, 10), 5);
	CU_ASSERT_EQUAL(mdns_ttl_cap(0, 10), 0);
	CU_ASSERT_EQUAL(mdns_ttl_cap(4500, 3600), 3600);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"name from Avahi's text", test_from_text},
	    {"name from text: 255 octets", test_from_text_long},
	    {".local rewritten", test_translate},
	    {"text round trip of escaped labels", test_text_round_trip},
	    {"over-long after rewriting", test_overlong},
	    {"gateway-owned names", test_reserved},
	    {"DNS-SD name kinds", test_kind},
	    {"instance of a type", test_instance_of},
	    {"PTR and SRV rdata", test_rdata},
	    {"TTL cap", test_ttl},
	    {"names that would change DNS meaning", test_vet},
	    {"a * label never translates", test_wildcard},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_translate", tests);
}
