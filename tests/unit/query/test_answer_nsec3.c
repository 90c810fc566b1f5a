/* NSEC3 denial in answers (RFC 5155 7.2), against a zone that ldns-signzone
 * signed (tests/data/nsec3/), with queries written and replies read by
 * ldns. What each reply must prove is spelled out per test (which name is
 * the closest encloser, which the next closer); whether an NSEC3 matches
 * or covers a name is judged independently of the code under test: hashes
 * from ldns, intervals from the next-hashed-owner fields of the NSEC3s in
 * the reply and in the signed zone file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "dnssec/dnssec.h"
#include "ask_util.h"
#include "gateway/query/answer.h"
#include "zones/zone.h"

#define APEX      "dnssd.test."
#define HASH_LEN  20
#define CHAIN_MAX 64
#define GOT_MAX   8

/* One NSEC3 of the signed zone file: owner hash and next hashed owner. */
typedef struct link {
	uint8_t hash[HASH_LEN];
	uint8_t next[HASH_LEN];
} link_t;

static zone_t *g_nsec3;
static zone_t *g_nsec;
static link_t g_chain[CHAIN_MAX];
static size_t g_chain_len;

static const char *data_path(const char *file)
{
	static char path[4096];
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(path, sizeof(path), "%s/nsec3/%s", dir != NULL ? dir : "tests/data", file);
	return path;
}

static int b32hex_value(uint8_t ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'v')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'V')
		return ch - 'A' + 10;
	return -1;
}

/* RFC 4648 base32hex, no padding: 32 characters into 20 octets. */
static bool b32hex_decode(const uint8_t *text, size_t len, uint8_t out[HASH_LEN])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;

	if (len != 32)
		return false;
	for (size_t i = 0; i < len; i++) {
		int v = b32hex_value(text[i]);
		if (v < 0)
			return false;
		acc = (acc << 5) | (uint32_t)v;
		bits += 5;
		if (bits >= 8) {
			out[n++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
			acc &= (1u << bits) - 1;
		}
	}
	return n == HASH_LEN;
}

/* The hash in the first label of an NSEC3 owner (wire). */
static bool owner_hash(const uint8_t *owner, uint8_t out[HASH_LEN])
{
	return b32hex_decode(owner + 1, owner[0], out);
}

/* The next hashed owner field of an NSEC3 RR, as ldns parsed it. */
static bool next_hash(const ldns_rr *rr, uint8_t out[HASH_LEN])
{
	const ldns_rdf *next = ldns_nsec3_next_owner(rr);
	if (next == NULL || ldns_rdf_size(next) != 1 + HASH_LEN ||
	    ldns_rdf_data(next)[0] != HASH_LEN)
		return false;
	memcpy(out, ldns_rdf_data(next) + 1, HASH_LEN);
	return true;
}

/* RFC 5155 hash of a text name, computed by ldns (SHA-1, no salt, no
 * extra iterations). */
static void nsec3_hash(const char *name, uint8_t out[HASH_LEN])
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dname);
	ldns_dname2canonical(dname);
	ldns_rdf *hashed = ldns_nsec3_hash_name(dname, LDNS_SHA1, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hashed);
	CU_ASSERT_FATAL(owner_hash(ldns_rdf_data(hashed), out));
	ldns_rdf_deep_free(hashed);
	ldns_rdf_deep_free(dname);
}

/* Text name of the NSEC3 owner of name, from ldns's hash. */
static void nsec3_owner_text(char *buf, size_t len, const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dname);
	ldns_dname2canonical(dname);
	ldns_rdf *hashed = ldns_nsec3_hash_name(dname, LDNS_SHA1, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(hashed);
	char *label = ldns_rdf2str(hashed); /* "<hash>." */
	snprintf(buf, len, "%s%s", label, APEX);
	free(label);
	ldns_rdf_deep_free(hashed);
	ldns_rdf_deep_free(dname);
}

/* Does the interval owner..next (cyclic, both ends excluded) hold h? */
static bool hash_between(const uint8_t *h, const uint8_t *owner, const uint8_t *next)
{
	int after_owner = memcmp(owner, h, HASH_LEN) < 0;
	int before_next = memcmp(h, next, HASH_LEN) < 0;
	if (memcmp(owner, next, HASH_LEN) < 0)
		return after_owner && before_next;
	/* The last NSEC3 points back to the first. */
	return after_owner || before_next;
}

/* The chain, read from the signed file by ldns rather than zones/. */
static int read_chain(const char *path)
{
	FILE *fp = fopen(path, "r");
	ldns_zone *z = NULL;
	ldns_rdf *origin = ldns_dname_new_frm_str(APEX);
	int ret = -1;

	if (fp == NULL || origin == NULL ||
	    ldns_zone_new_frm_fp(&z, fp, origin, 3600, LDNS_RR_CLASS_IN) != LDNS_STATUS_OK)
		goto out;
	g_chain_len = 0;
	const ldns_rr_list *rrs = ldns_zone_rrs(z);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3)
			continue;
		if (g_chain_len == CHAIN_MAX)
			goto out;
		link_t *l = &g_chain[g_chain_len++];
		if (!owner_hash(ldns_rdf_data(ldns_rr_owner(rr)), l->hash) ||
		    !next_hash(rr, l->next))
			goto out;
	}
	ret = g_chain_len > 1 ? 0 : -1;
out:
	ldns_zone_deep_free(z);
	ldns_rdf_deep_free(origin);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

static int suite_init(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	char err[512];

	if (zone_name_from_str(apex, APEX, NULL) < 0)
		return -1;
	if (zone_load_file(&g_nsec3, apex, data_path("dnssd.nsec3.signed"), err, sizeof(err)) !=
	    GW_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (zone_load_file(&g_nsec, apex, data_path("dnssd.nsec.signed"), err, sizeof(err)) !=
	    GW_OK) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return read_chain(data_path("dnssd.nsec3.signed"));
}

static int suite_clean(void)
{
	zone_free(g_nsec3);
	zone_free(g_nsec);
	g_nsec3 = NULL;
	g_nsec = NULL;
	return 0;
}

/* Ask zone for name/type over UDP; edns adds an OPT (1232 octets) with DO
 * set when dnssec_ok. Returns the parsed reply (caller frees). */
static ldns_pkt *ask_zone(const zone_t *zone, const char *name, ldns_rr_type type, bool edns,
                          bool dnssec_ok)
{
	gw_answer_env_t env = {.zone = zone, .udp_payload = 1232};
	ldns_pkt *reply =
	    test_ask(&env, name, type, LDNS_RR_CLASS_IN, edns, 1232, dnssec_ok, false);

	CU_ASSERT_PTR_NOT_NULL_FATAL(reply);
	CU_ASSERT_FALSE(ldns_pkt_tc(reply));
	CU_ASSERT_TRUE(ldns_pkt_aa(reply));
	return reply;
}

static ldns_pkt *ask(const char *name, ldns_rr_type type)
{
	return ask_zone(g_nsec3, name, type, true, true);
}

static size_t count_type(const ldns_rr_list *list, ldns_rr_type type)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		if (ldns_rr_get_type(ldns_rr_list_rr(list, i)) == type)
			n++;
	}
	return n;
}

/* What one part of a proof says about a name. */
enum { MATCH, COVER };
typedef struct part {
	int kind;
	const char *name;
} part_t;

/* An NSEC3 of the reply. */
typedef struct got {
	uint8_t hash[HASH_LEN];
	uint8_t next[HASH_LEN];
	bool used;
} got_t;

/* The NSEC3 the zone file's chain says covers h. */
static const link_t *chain_cover(const uint8_t *h)
{
	const link_t *found = NULL;
	int n = 0;
	for (size_t i = 0; i < g_chain_len; i++) {
		if (hash_between(h, g_chain[i].hash, g_chain[i].next)) {
			found = &g_chain[i];
			n++;
		}
	}
	CU_ASSERT_EQUAL(n, 1); /* a sound chain covers a hash once */
	return found;
}

/* The owner hash sig_nsec3_owner() gives name, checked against ldns. */
static void check_owner_function(const char *name, const uint8_t *h)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	uint8_t apex[ZONE_NAME_MAXLEN];
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint8_t oh[HASH_LEN];
	CU_ASSERT_FATAL(zone_name_from_str(wire, name, NULL) > 0);
	CU_ASSERT_FATAL(zone_name_from_str(apex, APEX, NULL) > 0);
	CU_ASSERT_FATAL(sig_nsec3_owner(owner, wire, apex) > 0);
	CU_ASSERT_FATAL(owner_hash(owner, oh));
	CU_ASSERT(memcmp(oh, h, HASH_LEN) == 0);
	CU_ASSERT(zone_name_equal(owner + 1 + owner[0], apex));
}

/* The authority section holds the NSEC3s that prove parts, each once and
 * nothing else of NSEC or NSEC3 kind. Returns how many NSEC3s it holds. */
static size_t check_proof(const ldns_pkt *p, const part_t *parts, size_t nparts)
{
	got_t got[GOT_MAX];
	size_t ngot = 0;
	const ldns_rr_list *auth = ldns_pkt_authority(p);

	CU_ASSERT_EQUAL(count_type(ldns_pkt_answer(p), LDNS_RR_TYPE_NSEC3), 0);
	CU_ASSERT_EQUAL(count_type(auth, LDNS_RR_TYPE_NSEC), 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(auth, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC3)
			continue;
		CU_ASSERT_FATAL(ngot < GOT_MAX);
		got_t *g = &got[ngot++];
		CU_ASSERT_FATAL(owner_hash(ldns_rdf_data(ldns_rr_owner(rr)), g->hash));
		CU_ASSERT_FATAL(next_hash(rr, g->next));
		g->used = false;
		for (size_t j = 0; j + 1 < ngot; j++)
			CU_ASSERT(memcmp(got[j].hash, g->hash, HASH_LEN) != 0);
	}
	for (size_t k = 0; k < nparts; k++) {
		uint8_t h[HASH_LEN];
		nsec3_hash(parts[k].name, h);
		size_t hit = ngot;
		for (size_t i = 0; i < ngot && hit == ngot; i++) {
			if (parts[k].kind == MATCH ? memcmp(got[i].hash, h, HASH_LEN) == 0
			                           : hash_between(h, got[i].hash, got[i].next))
				hit = i;
		}
		if (hit == ngot) {
			fprintf(stderr, "\nno NSEC3 that %s %s\n",
			        parts[k].kind == MATCH ? "matches" : "covers", parts[k].name);
			CU_FAIL("a part of the proof is missing");
			continue;
		}
		got[hit].used = true;
		if (parts[k].kind == MATCH) {
			check_owner_function(parts[k].name, h);
		} else {
			/* The reply's NSEC3 is the zone's, next field and all. */
			const link_t *l = chain_cover(h);
			CU_ASSERT_PTR_NOT_NULL_FATAL(l);
			CU_ASSERT(memcmp(l->hash, got[hit].hash, HASH_LEN) == 0);
			CU_ASSERT(memcmp(l->next, got[hit].next, HASH_LEN) == 0);
		}
	}
	for (size_t i = 0; i < ngot; i++)
		CU_ASSERT(got[i].used);
	return ngot;
}

/* ldns's own NSEC3 denial check (the one drill uses) on the NSEC3s of an
 * NXDOMAIN reply, a second opinion beside check_proof(). Not used for
 * NODATA: ldns 1.8.3 accepts a NODATA reply without any NSEC3. */
static void check_ldns_denies(const ldns_pkt *p)
{
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	ldns_rr_list *nsec3s =
	    ldns_pkt_rr_list_by_type(p, LDNS_RR_TYPE_NSEC3, LDNS_SECTION_AUTHORITY);
	ldns_rr_list *sigs = ldns_rr_list_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nsec3s);
	ldns_status s = ldns_dnssec_verify_denial_nsec3(
	    question, nsec3s, sigs, ldns_pkt_get_rcode(p), ldns_rr_get_type(question), true);
	if (s != LDNS_STATUS_OK) {
		char *name = ldns_rdf2str(ldns_rr_owner(question));
		fprintf(stderr, "\nldns: %s type %d: %s\n", name, ldns_rr_get_type(question),
		        ldns_get_errorstr_by_id(s));
		free(name);
	}
	CU_ASSERT_EQUAL(s, LDNS_STATUS_OK);
	ldns_rr_list_deep_free(nsec3s);
	ldns_rr_list_free(sigs);
}

static void check_negative(const ldns_pkt *p, ldns_pkt_rcode rcode)
{
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), rcode);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA), 1);
}

/* NXDOMAIN for name below closest encloser ce, next closer nc. */
static size_t check_nxdomain(const char *name, ldns_rr_type type, const char *ce, const char *nc,
                             const char *wild)
{
	ldns_pkt *p = ask(name, type);
	check_negative(p, LDNS_RCODE_NXDOMAIN);
	const part_t parts[] = {{MATCH, ce}, {COVER, nc}, {COVER, wild}};
	size_t n = check_proof(p, parts, 3);
	check_ldns_denies(p);
	ldns_pkt_free(p);
	return n;
}

static void test_nxdomain(void)
{
	check_nxdomain("missing." APEX, LDNS_RR_TYPE_A, APEX, "missing." APEX, "*." APEX);
	/* DNS-SD instance names, escaped space, mixed case. */
	check_nxdomain("Nobody\\ Here._ipp._tcp.lan." APEX, LDNS_RR_TYPE_SRV, "_ipp._tcp.lan." APEX,
	               "nobody\\ here._ipp._tcp.lan." APEX, "*._ipp._tcp.lan." APEX);
	check_nxdomain("x.Y.printer.LAN." APEX, LDNS_RR_TYPE_A, "printer.lan." APEX,
	               "y.printer.lan." APEX, "*.printer.lan." APEX);
	/* The closest encloser is an empty non-terminal, with its own NSEC3. */
	check_nxdomain("db._dns-sd._udp." APEX, LDNS_RR_TYPE_PTR, "_dns-sd._udp." APEX,
	               "db._dns-sd._udp." APEX, "*._dns-sd._udp." APEX);
	check_nxdomain("_http._tcp.lan." APEX, LDNS_RR_TYPE_PTR, "_tcp.lan." APEX,
	               "_http._tcp.lan." APEX, "*._tcp.lan." APEX);
}

/* Names under the apex, where the closest encloser is the apex: the
 * proof's parts fall in one NSEC3 for some of them (the next closer name
 * covered by the apex's own NSEC3, or by the one covering the wildcard),
 * and each NSEC3 is in the reply once. The zone file's chain says which
 * names those are, so the test does not depend on luck. */
static void test_nxdomain_coinciding(void)
{
	uint8_t h_apex[HASH_LEN];
	uint8_t h_wild[HASH_LEN];
	nsec3_hash(APEX, h_apex);
	nsec3_hash("*." APEX, h_wild);
	const link_t *wild_cover = chain_cover(h_wild);
	CU_ASSERT_PTR_NOT_NULL_FATAL(wild_cover);
	int seen[4] = {0}; /* by how many parts coincide: 0, 1 (either kind), 2 */
	for (int i = 0; i < 300; i++) {
		char name[64];
		uint8_t h[HASH_LEN];
		snprintf(name, sizeof(name), "n%d." APEX, i);
		nsec3_hash(name, h);
		const link_t *cover = chain_cover(h);
		CU_ASSERT_PTR_NOT_NULL_FATAL(cover);
		int same = (cover == wild_cover) + (memcmp(cover->hash, h_apex, HASH_LEN) == 0);
		seen[same]++;
		CU_ASSERT_EQUAL(check_nxdomain(name, LDNS_RR_TYPE_A, APEX, name, "*." APEX),
		                (size_t)(3 - same));
	}
	CU_ASSERT(seen[0] > 0);
	CU_ASSERT(seen[1] > 0);
}

static void check_nodata(const char *name, ldns_rr_type type, const char *match)
{
	ldns_pkt *p = ask(name, type);
	check_negative(p, LDNS_RCODE_NOERROR);
	const part_t parts[] = {{MATCH, match}};
	CU_ASSERT_EQUAL(check_proof(p, parts, 1), 1);
	ldns_pkt_free(p);
}

static void test_nodata(void)
{
	check_nodata("printer.lan." APEX, LDNS_RR_TYPE_TXT, "printer.lan." APEX);
	check_nodata("Office\\ Printer._ipp._tcp.lan." APEX, LDNS_RR_TYPE_A,
	             "office\\ printer._ipp._tcp.lan." APEX);
	check_nodata("b._dns-sd._udp." APEX, LDNS_RR_TYPE_TXT, "b._dns-sd._udp." APEX);
	check_nodata(APEX, LDNS_RR_TYPE_MX, APEX);
	/* An NSEC3 query at a name of the zone: NODATA like any type. */
	check_nodata("printer.lan." APEX, LDNS_RR_TYPE_NSEC3, "printer.lan." APEX);
	/* DS (7.2.4): the matching NSEC3, there being no opt-out. */
	check_nodata("printer.lan." APEX, LDNS_RR_TYPE_DS, "printer.lan." APEX);
	check_nodata("_tcp.lan." APEX, LDNS_RR_TYPE_DS, "_tcp.lan." APEX);
}

static void test_nodata_empty_nonterminal(void)
{
	check_nodata("_tcp.lan." APEX, LDNS_RR_TYPE_PTR, "_tcp.lan." APEX);
	check_nodata("lan." APEX, LDNS_RR_TYPE_A, "lan." APEX);
	check_nodata("_dns-sd._udp." APEX, LDNS_RR_TYPE_PTR, "_dns-sd._udp." APEX);
	check_nodata("wild." APEX, LDNS_RR_TYPE_A, "wild." APEX);
}

static void test_wildcard_answer(void)
{
	ldns_pkt *p = ask("a.b.wild." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), 0)));
	CU_ASSERT_STRING_EQUAL(owner, "a.b.wild." APEX);
	free(owner);
	/* Closest encloser wild.<apex>: b.wild is the next closer name. */
	const part_t parts[] = {{COVER, "b.wild." APEX}};
	CU_ASSERT_EQUAL(check_proof(p, parts, 1), 1);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA), 0);
	ldns_pkt_free(p);

	p = ask("host.wild." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	const part_t self[] = {{COVER, "host.wild." APEX}};
	CU_ASSERT_EQUAL(check_proof(p, self, 1), 1);
	ldns_pkt_free(p);

	/* ANY from a wildcard carries the same proof. */
	p = ask("c.wild." APEX, LDNS_RR_TYPE_ANY);
	CU_ASSERT(ldns_pkt_ancount(p) >= 1);
	const part_t any[] = {{COVER, "c.wild." APEX}};
	CU_ASSERT_EQUAL(check_proof(p, any, 1), 1);
	ldns_pkt_free(p);
}

static void test_wildcard_nodata(void)
{
	ldns_pkt *p = ask("a.b.wild." APEX, LDNS_RR_TYPE_TXT);
	check_negative(p, LDNS_RCODE_NOERROR);
	const part_t parts[] = {
	    {MATCH, "wild." APEX},
	    {COVER, "b.wild." APEX},
	    {MATCH, "*.wild." APEX},
	};
	CU_ASSERT_EQUAL(check_proof(p, parts, 3), 3);
	ldns_pkt_free(p);
}

/* 7.2.8: an NSEC3 owner name is answered for as if it did not exist. */
static void test_nsec3_owner_name(void)
{
	char owner[512];
	nsec3_owner_text(owner, sizeof(owner), "printer.lan." APEX);
	uint8_t wire[ZONE_NAME_MAXLEN];
	CU_ASSERT_FATAL(zone_name_from_str(wire, owner, NULL) > 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(zone_find(g_nsec3, wire)); /* it is a node */

	const ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_NSEC3, LDNS_RR_TYPE_ANY,
	                              LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_DS};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ldns_pkt *p = ask(owner, types[i]);
		check_negative(p, LDNS_RCODE_NXDOMAIN);
		const part_t parts[] = {{MATCH, APEX}, {COVER, owner}, {COVER, "*." APEX}};
		check_proof(p, parts, 3);
		check_ldns_denies(p);
		ldns_pkt_free(p);
	}

	/* Without DO: still NXDOMAIN, and the NSEC3 is no answer. */
	ldns_pkt *p = ask_zone(g_nsec3, owner, LDNS_RR_TYPE_NSEC3, false, false);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
}

static void test_below_nsec3_owner(void)
{
	char owner[512];
	char below[600];
	nsec3_owner_text(owner, sizeof(owner), "_ipp._tcp.lan." APEX);
	snprintf(below, sizeof(below), "x.y.%s", owner);
	ldns_pkt *p = ask(below, LDNS_RR_TYPE_A);
	check_negative(p, LDNS_RCODE_NXDOMAIN);
	/* The closest encloser is the apex, not the NSEC3 owner. */
	const part_t parts[] = {{MATCH, APEX}, {COVER, owner}, {COVER, "*." APEX}};
	check_proof(p, parts, 3);
	check_ldns_denies(p);
	ldns_pkt_free(p);
}

static void test_no_dnssec_ok(void)
{
	/* EDNS without DO, and no EDNS at all: SOA only. */
	for (int edns = 0; edns < 2; edns++) {
		ldns_pkt *p = ask_zone(g_nsec3, "missing." APEX, LDNS_RR_TYPE_A, edns, false);
		check_negative(p, LDNS_RCODE_NXDOMAIN);
		CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
		ldns_pkt_free(p);
		p = ask_zone(g_nsec3, "_tcp.lan." APEX, LDNS_RR_TYPE_PTR, edns, false);
		check_negative(p, LDNS_RCODE_NOERROR);
		CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
		ldns_pkt_free(p);
		p = ask_zone(g_nsec3, "a.b.wild." APEX, LDNS_RR_TYPE_A, edns, false);
		CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
		CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 0);
		ldns_pkt_free(p);
	}
	/* A positive answer with DO brings no denial. */
	ldns_pkt *p = ask("printer.lan." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC3), 0);
	ldns_pkt_free(p);
}

/* The NSECs in the authority section each cover one of names (ldns judges)
 * or sit at one of at (NODATA); all of names and at are proven. */
static void check_nsec(const ldns_pkt *p, const char *const *covers, const char *at)
{
	const ldns_rr_list *auth = ldns_pkt_authority(p);
	size_t n = 0;
	CU_ASSERT_EQUAL(count_type(auth, LDNS_RR_TYPE_NSEC3), 0);
	for (const char *const *c = covers; c != NULL && *c != NULL; c++) {
		ldns_rdf *name = ldns_dname_new_frm_str(*c);
		bool hit = false;
		for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(auth, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC &&
			    ldns_nsec_covers_name(rr, name))
				hit = true;
		}
		CU_ASSERT_TRUE(hit);
		ldns_rdf_deep_free(name);
	}
	if (at != NULL) {
		ldns_rdf *name = ldns_dname_new_frm_str(at);
		bool hit = false;
		for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
			const ldns_rr *rr = ldns_rr_list_rr(auth, i);
			if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC &&
			    ldns_dname_compare(ldns_rr_owner(rr), name) == 0)
				hit = true;
		}
		CU_ASSERT_TRUE(hit);
		ldns_rdf_deep_free(name);
	}
	n = count_type(auth, LDNS_RR_TYPE_NSEC);
	CU_ASSERT(n >= 1 && n <= 2);
}

static void test_nsec_zone_unchanged(void)
{
	/* The same zone signed with NSEC: NSEC proofs as before, no NSEC3. */
	ldns_pkt *p = ask_zone(g_nsec, "missing." APEX, LDNS_RR_TYPE_A, true, true);
	check_negative(p, LDNS_RCODE_NXDOMAIN);
	const char *const nx[] = {"missing." APEX, "*." APEX, NULL};
	check_nsec(p, nx, NULL);
	ldns_pkt_free(p);

	p = ask_zone(g_nsec, "printer.lan." APEX, LDNS_RR_TYPE_TXT, true, true);
	check_negative(p, LDNS_RCODE_NOERROR);
	check_nsec(p, NULL, "printer.lan." APEX);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC), 1);
	ldns_pkt_free(p);

	/* An empty non-terminal: the NSEC before it covers it. */
	p = ask_zone(g_nsec, "_tcp.lan." APEX, LDNS_RR_TYPE_PTR, true, true);
	check_negative(p, LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC), 1);
	ldns_pkt_free(p);

	p = ask_zone(g_nsec, "a.b.wild." APEX, LDNS_RR_TYPE_A, true, true);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	const char *const wa[] = {"a.b.wild." APEX, NULL};
	check_nsec(p, wa, NULL);
	CU_ASSERT_EQUAL(count_type(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC), 1);
	ldns_pkt_free(p);

	p = ask_zone(g_nsec, "a.b.wild." APEX, LDNS_RR_TYPE_TXT, true, true);
	check_negative(p, LDNS_RCODE_NOERROR);
	check_nsec(p, wa, "*.wild." APEX);
	ldns_pkt_free(p);
}

/* The types of list's records in order, as "CNAME A". */
static void types_of(const ldns_rr_list *list, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(list) && at < len; i++) {
		char *t = ldns_rr_type2str(ldns_rr_get_type(ldns_rr_list_rr(list, i)));
		at += (size_t)snprintf(buf + at, len - at, "%s%s", i > 0 ? " " : "", t);
		free(t);
	}
}

/* A CNAME from a wildcard (*.walias) to printer.lan: the whole chain in
 * the answer section, then the proof that x.walias does not exist in the
 * authority section (RFC 4035 3.1.3.3, RFC 5155 7.2.6). The proof was
 * written right after the CNAME, so the A landed in the authority
 * section and validators rejected the reply. (The zone is loaded without
 * its signatures: the records and proofs are what is checked here.) */
static void test_wildcard_cname(void)
{
	char types[128];
	ldns_pkt *p = ask("x.walias." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	types_of(ldns_pkt_answer(p), types, sizeof(types));
	CU_ASSERT_STRING_EQUAL(types, "CNAME A");
	char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), 0)));
	CU_ASSERT_STRING_EQUAL(owner, "x.walias." APEX);
	free(owner);
	/* Closest encloser walias (an empty non-terminal): the next closer
	 * name is x.walias itself. */
	const part_t parts[] = {{COVER, "x.walias." APEX}};
	CU_ASSERT_EQUAL(check_proof(p, parts, 1), 1);
	types_of(ldns_pkt_authority(p), types, sizeof(types));
	CU_ASSERT_STRING_EQUAL(types, "NSEC3");
	ldns_pkt_free(p);

	p = ask_zone(g_nsec, "x.walias." APEX, LDNS_RR_TYPE_A, true, true);
	types_of(ldns_pkt_answer(p), types, sizeof(types));
	CU_ASSERT_STRING_EQUAL(types, "CNAME A");
	const char *const wa[] = {"x.walias." APEX, NULL};
	check_nsec(p, wa, NULL);
	types_of(ldns_pkt_authority(p), types, sizeof(types));
	CU_ASSERT_STRING_EQUAL(types, "NSEC");
	ldns_pkt_free(p);

	/* NODATA at the chain's end: the proof of x.walias beside
	 * printer.lan's own NSEC3. */
	p = ask("x.walias." APEX, LDNS_RR_TYPE_TXT);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	types_of(ldns_pkt_answer(p), types, sizeof(types));
	CU_ASSERT_STRING_EQUAL(types, "CNAME");
	const part_t nodata[] = {{COVER, "x.walias." APEX}, {MATCH, "printer.lan." APEX}};
	CU_ASSERT_EQUAL(check_proof(p, nodata, 2), 2);
	ldns_pkt_free(p);
}

int gw_test_register(void)
{
	CU_pSuite s = CU_add_suite("answer_nsec3", suite_init, suite_clean);
	if (s == NULL)
		return CU_get_error();
	const gw_test_t tests[] = {
	    {"NXDOMAIN: closest encloser proof and wildcard", test_nxdomain},
	    {"NXDOMAIN: coinciding NSEC3s once", test_nxdomain_coinciding},
	    {"NODATA and DS NODATA: matching NSEC3", test_nodata},
	    {"NODATA at empty non-terminals", test_nodata_empty_nonterminal},
	    {"wildcard answer: next closer covered", test_wildcard_answer},
	    {"wildcard NODATA", test_wildcard_nodata},
	    {"query for an NSEC3 owner name", test_nsec3_owner_name},
	    {"query below an NSEC3 owner name", test_below_nsec3_owner},
	    {"no proofs without DO", test_no_dnssec_ok},
	    {"NSEC zone unchanged", test_nsec_zone_unchanged},
	    {"CNAME from a wildcard: proof after the chain", test_wildcard_cname},
	    {NULL, NULL},
	};
	for (const gw_test_t *t = tests; t->name != NULL; t++) {
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return CU_get_error();
	}
	return 0;
}
