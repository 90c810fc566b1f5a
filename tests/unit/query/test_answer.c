/* The answer engine against a zone built in memory, with queries written
 * and replies read by ldns, an independent implementation. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "ask_util.h"
#include "gateway/query/answer.h"
#include "gateway/query/response.h"
#include "zones/zone.h"

static zone_t *g_zone;

static const char *const g_records[] = {
    "dnssd.test. 3600 IN SOA ns1.dnssd.test. hostmaster.dnssd.test. 7 3600 600 86400 30",
    "dnssd.test. 3600 IN NS ns1.dnssd.test.",
    "ns1.dnssd.test. 3600 IN A 192.0.2.53",
    "_ipp._tcp.lan.dnssd.test. 120 IN PTR Office\\ Printer._ipp._tcp.lan.dnssd.test.",
    "Office\\ Printer._ipp._tcp.lan.dnssd.test. 120 IN SRV 0 0 631 printer.lan.dnssd.test.",
    "Office\\ Printer._ipp._tcp.lan.dnssd.test. 120 IN TXT \"txtvers=1\"",
    "printer.lan.dnssd.test. 120 IN A 192.0.2.10",
    "printer.lan.dnssd.test. 120 IN AAAA 2001:db8::10",
    "alias.dnssd.test. 120 IN CNAME printer.lan.dnssd.test.",
    "loop1.dnssd.test. 120 IN CNAME loop2.dnssd.test.",
    "loop2.dnssd.test. 120 IN CNAME loop1.dnssd.test.",
    "*.wild.dnssd.test. 120 IN A 192.0.2.7",
    NULL,
};

/* A zone of dnssd.test. holding records (NULL-terminated text); NULL
 * when one does not parse or is refused. */
static zone_t *zone_of(const char *const *records)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;
	if (zone_name_from_str(apex, "dnssd.test.", NULL) < 0 || zone_new(&zone, apex) != GW_OK)
		return NULL;
	for (const char *const *r = records; *r != NULL; r++) {
		ldns_rr *rr = NULL;
		int ret = GW_EPARSE;
		if (ldns_rr_new_frm_str(&rr, *r, 0, NULL, NULL) == LDNS_STATUS_OK)
			ret = zone_add_rr(zone, rr);
		ldns_rr_free(rr);
		if (ret != GW_OK) {
			zone_free(zone);
			return NULL;
		}
	}
	return zone;
}

static int suite_init(void)
{
	g_zone = zone_of(g_records);
	return g_zone != NULL ? 0 : -1;
}

static int suite_clean(void)
{
	zone_free(g_zone);
	g_zone = NULL;
	return 0;
}

/* Ask name/type; returns the parsed reply (caller frees) or NULL. */
static ldns_pkt *ask_full(const char *name, ldns_rr_type type, ldns_rr_class cls, bool edns,
                          uint16_t bufsize, bool tcp)
{
	gw_answer_env_t env = {.zone = g_zone, .udp_payload = 1232, .version = "test-1"};
	return test_ask(&env, name, type, cls, edns, bufsize, edns, tcp);
}

static ldns_pkt *ask(const char *name, ldns_rr_type type)
{
	return ask_full(name, type, LDNS_RR_CLASS_IN, true, 1232, false);
}

static void test_positive(void)
{
	ldns_pkt *p = ask("Office\\ Printer._ipp._tcp.lan.dnssd.test.", LDNS_RR_TYPE_SRV);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_id(p), 4242);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_TRUE(ldns_pkt_aa(p));
	CU_ASSERT_TRUE(ldns_pkt_qr(p));
	CU_ASSERT_TRUE(ldns_pkt_rd(p));
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	/* SRV target addresses as additional data (A and AAAA). */
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(ldns_pkt_additional(p)), 2);
	CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), 1232);
	CU_ASSERT_TRUE(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}

static void test_ptr_compression_and_additional(void)
{
	/* Mixed case in the question; the PTR target (lowercase in the
	 * zone) compresses against it and still parses. */
	ldns_pkt *p = ask("_IPP._tcp.LAN.dnssd.test.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	ldns_rr *ptr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	char *owner = ldns_rdf2str(ldns_rr_owner(ptr));
	char *target = ldns_rdf2str(ldns_rr_rdf(ptr, 0));
	CU_ASSERT_STRING_EQUAL(owner, "_IPP._tcp.LAN.dnssd.test.");
	/* Compressed onto the question's suffix, so the case comes from it. */
	CU_ASSERT_EQUAL(strcasecmp(target, "Office\\032Printer._ipp._tcp.lan.dnssd.test."), 0);
	CU_ASSERT_EQUAL(strncmp(target, "Office\\032Printer.", 18), 0);
	free(owner);
	free(target);
	/* SRV, TXT, A, AAAA of the instance (RFC 6763 12.1). */
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(ldns_pkt_additional(p)), 4);
	ldns_pkt_free(p);
}

static void test_nodata_nxdomain_refused(void)
{
	ldns_pkt *p = ask("printer.lan.dnssd.test.", LDNS_RR_TYPE_TXT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_authority(p), 0);
	CU_ASSERT_EQUAL(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	CU_ASSERT_EQUAL(ldns_rr_ttl(soa), 30); /* min(3600, MINIMUM 30) */
	ldns_pkt_free(p);

	p = ask("_tcp.lan.dnssd.test.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR); /* empty non-terminal */
	ldns_pkt_free(p);

	p = ask("missing.dnssd.test.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_TRUE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);

	p = ask("example.org.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	CU_ASSERT_FALSE(ldns_pkt_aa(p));
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
}

static void test_cname_and_wildcard(void)
{
	ldns_pkt *p = ask("alias.dnssd.test.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 2);
	CU_ASSERT_EQUAL(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	                LDNS_RR_TYPE_CNAME);
	CU_ASSERT_EQUAL(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), LDNS_RR_TYPE_A);
	ldns_pkt_free(p);

	/* A CNAME loop stops after a bounded number of hops. */
	p = ask("loop1.dnssd.test.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_TRUE(ldns_pkt_ancount(p) >= 2 && ldns_pkt_ancount(p) <= 9);
	ldns_pkt_free(p);

	p = ask("a.b.wild.dnssd.test.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), 0)));
	CU_ASSERT_STRING_EQUAL(owner, "a.b.wild.dnssd.test.");
	free(owner);
	ldns_pkt_free(p);
}

static void test_sizes(void)
{
	/* Without EDNS the limit is 512 and there is no OPT. */
	ldns_pkt *p =
	    ask_full("printer.lan.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, 0, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_edns(p), false);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	/* ANY: one RRset over UDP, all over TCP. */
	p = ask_full("printer.lan.dnssd.test.", LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_IN, true, 1232,
	             false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask_full("printer.lan.dnssd.test.", LDNS_RR_TYPE_ANY, LDNS_RR_CLASS_IN, true, 1232,
	             true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 2);
	ldns_pkt_free(p);
}

static void test_chaos(void)
{
	ldns_pkt *p =
	    ask_full("version.bind.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, false, 0, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* identity is not configured in env: refused. */
	p = ask_full("id.server.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, false, 0, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ldns_pkt_free(p);
}

/* Ask name/type over UDP with EDNS (bufsize), with an NSID option when
 * nsid; returns the reply's length (0: none) and the parsed reply in
 * *out (caller frees). */
static size_t ask_nsid(const gw_answer_env_t *env, const char *name, ldns_rr_type type,
                       uint16_t bufsize, bool nsid, ldns_pkt **out)
{
	ldns_pkt *query = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0, outlen = 0;
	static uint8_t reply[4096];
	gw_query_t q;
	*out = NULL;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&query, name, type, LDNS_RR_CLASS_IN, 0) ==
	                LDNS_STATUS_OK);
	ldns_pkt_set_edns_udp_size(query, bufsize);
	if (nsid) {
		ldns_edns_option_list *list = ldns_edns_option_list_new();
		ldns_edns_option *o = ldns_edns_new_from_data(LDNS_EDNS_NSID, 0, NULL);
		CU_ASSERT_FATAL(list != NULL && o != NULL && ldns_edns_option_list_push(list, o));
		ldns_pkt_set_edns_option_list(query, list);
	}
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, query, &wlen) == LDNS_STATUS_OK);
	ldns_pkt_free(query);
	if (gw_answer(env, wire, wlen, false, reply, sizeof(reply), &outlen, &q) ==
	        GW_ANSWER_SENT &&
	    ldns_wire2pkt(out, reply, outlen) != LDNS_STATUS_OK)
		*out = NULL;
	free(wire);
	return outlen;
}

/* A query with NSID leaves room for the option the server adds
 * (gateway/server/reply_opt.c), unless that would leave none for the
 * question. */
static void test_nsid_room(void)
{
	/* TXT of 400 octets: 470 with the question, fits 512 alone. */
	char big[1024] = "big.dnssd.test. 120 IN TXT";
	for (int i = 0; i < 4; i++)
		strcat(big, " \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		            "xxxxxxxxxxxxxxxxxxxxxxxxxxx\"");
	const char *records[] = {g_records[0], g_records[1], g_records[2], big, NULL};
	zone_t *zone = zone_of(records);
	CU_ASSERT_PTR_NOT_NULL_FATAL(zone);
	gw_answer_env_t env = {.zone = zone, .udp_payload = 1232, .nsid_reserve = 4 + 255};
	ldns_pkt *p = NULL;

	/* Without NSID the whole answer fits 512; with NSID the identity's
	 * room is kept, so it does not (TC); a larger buffer holds both. */
	static const struct {
		uint16_t bufsize;
		bool nsid;
		size_t max;
		bool tc;
	} cases[] = {
	    {512, false, 512, false},
	    {512, true, 512 - 4 - 255, true},
	    {1232, true, 1232 - 4 - 255, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = ask_nsid(&env, "big.dnssd.test.", LDNS_RR_TYPE_TXT, cases[i].bufsize,
		                    cases[i].nsid, &p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT(n <= cases[i].max);
		CU_ASSERT(cases[i].nsid || n > 512 - 4 - 255);
		CU_ASSERT_EQUAL(ldns_pkt_tc(p), cases[i].tc);
		CU_ASSERT_EQUAL(ldns_pkt_ancount(p), cases[i].tc ? 0 : 1);
		ldns_pkt_free(p);
	}

	/* A name of 243 octets, 512 octets: the question and the identity do
	 * not both fit beside the OPT, and the reply is still sent
	 * (NXDOMAIN, without the room). */
	char name[300] = "";
	for (int i = 0; i < 3; i++)
		strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(name, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dnssd.test.");
	size_t n = ask_nsid(&env, name, LDNS_RR_TYPE_A, 512, true, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(n > 512 - 4 - 255 && n <= 512);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	zone_free(zone);
}

/* The Extended DNS Error the answerer sets for the server to add: none
 * for answers and NXDOMAIN; 0xffff when nothing was sent. */
static int ede_of(const gw_answer_env_t *env, const char *name, ldns_rr_type type,
                  ldns_rr_class cls, uint8_t opcode)
{
	ldns_pkt *query = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0, outlen = 0;
	static uint8_t out[4096];
	gw_query_t q;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&query, name, type, cls, 0) == LDNS_STATUS_OK);
	ldns_pkt_set_edns_udp_size(query, 1232);
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, query, &wlen) == LDNS_STATUS_OK);
	ldns_pkt_free(query);
	wire[2] = (uint8_t)((wire[2] & 0x87) | (opcode << 3));
	gw_answer_result_t r = gw_answer(env, wire, wlen, false, out, sizeof(out), &outlen, &q);
	free(wire);
	if (r != GW_ANSWER_SENT)
		return 0xffff;
	return q.has_ede ? q.ede : -1;
}

static void test_ede(void)
{
	gw_answer_env_t env = {.zone = g_zone, .udp_payload = 1232};
	CU_ASSERT_EQUAL(
	    ede_of(&env, "printer.lan.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0), -1);
	CU_ASSERT_EQUAL(ede_of(&env, "nothing.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
	                -1);
	CU_ASSERT_EQUAL(ede_of(&env, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
	                DNS_EDE_NOT_AUTHORITATIVE);
	CU_ASSERT_EQUAL(ede_of(&env, "dnssd.test.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_HS, 0),
	                DNS_EDE_NOT_SUPPORTED);
	/* CHAOS without identity: REFUSED, which tells a scanner nothing. */
	CU_ASSERT_EQUAL(ede_of(&env, "id.server.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_CH, 0), -1);
	/* An opcode not done (STATUS, 2) and a transfer over UDP. */
	CU_ASSERT_EQUAL(ede_of(&env, "dnssd.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 2),
	                DNS_EDE_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(ede_of(&env, "dnssd.test.", LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN, 0),
	                DNS_EDE_NOT_SUPPORTED);
	/* Several zones, the name in none of them. */
	const zone_t *zones[] = {g_zone};
	gw_answer_env_t multi = {.zones = zones, .zone_count = 1, .udp_payload = 1232};
	CU_ASSERT_EQUAL(ede_of(&multi, "www.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, 0),
	                DNS_EDE_NOT_AUTHORITATIVE);
	/* No zone loaded yet. */
	gw_answer_env_t none = {.udp_payload = 1232};
	CU_ASSERT_EQUAL(ede_of(&none, "dnssd.test.", LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0),
	                DNS_EDE_NOT_READY);
}

static void test_truncation(void)
{
	/* A reply that cannot fit is cut to the question with TC, never
	 * to a partial RRset. */
	uint8_t buf[64];
	gw_resp_t r;
	gw_resp_init(&r, buf, sizeof(buf), 1, 0x8000);
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_name_from_str(name, "printer.lan.dnssd.test.", NULL);
	CU_ASSERT_EQUAL(gw_resp_put_question(&r, name, 1, 1), GW_OK);
	const zone_node_t *n = zone_find(g_zone, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	size_t before = r.len;
	const zone_rrset_t *aaaa = zone_node_rrset(n, 28);
	CU_ASSERT_PTR_NOT_NULL_FATAL(aaaa);
	/* 12 + 28 question, + 2 + 10 + 16 = 68 > 64. */
	CU_ASSERT_EQUAL(gw_resp_put_rrset(&r, GW_SEC_ANSWER, name, aaaa, false, -1), GW_ESPACE);
	CU_ASSERT_EQUAL(r.len, before);
	CU_ASSERT_EQUAL(r.count[GW_SEC_ANSWER], 0);
}

/* Write name (text) and return the octets it took. The table points into
 * the names written, so each gets memory that outlives the message. */
static size_t put_text(gw_resp_t *r, const char *text)
{
	static uint8_t names[2 * GW_COMP_MAX][ZONE_NAME_MAXLEN];
	static size_t used;
	uint8_t *name = names[used++ % (2 * GW_COMP_MAX)];
	size_t before = r->len;
	CU_ASSERT_FATAL(zone_name_from_str(name, text, NULL) > 0);
	CU_ASSERT_EQUAL_FATAL(gw_resp_put_name(r, name), GW_OK);
	return r->len - before;
}

static void test_compression_table(void)
{
	uint8_t buf[4096];
	uint8_t q[ZONE_NAME_MAXLEN];
	gw_resp_t r;
	gw_resp_init(&r, buf, sizeof(buf), 1, 0x8000);
	zone_name_from_str(q, "a.b.example.", NULL);
	CU_ASSERT_EQUAL(gw_resp_put_question(&r, q, 1, 1), GW_OK); /* name at 12 */

	/* The longest suffix already written: b.example. at 14. */
	size_t at = r.len;
	CU_ASSERT_EQUAL(put_text(&r, "c.b.example."), 4);
	CU_ASSERT_EQUAL(memcmp(buf + at, "\001c\xc0\x0e", 4), 0);
	/* The whole name, in another case: a pointer to the question. */
	at = r.len;
	CU_ASSERT_EQUAL(put_text(&r, "A.B.EXAMPLE."), 2);
	CU_ASSERT_EQUAL(memcmp(buf + at, "\xc0\x0c", 2), 0);

	/* What a rewind drops is no target any more. */
	gw_resp_mark_t m;
	gw_resp_mark(&r, &m);
	CU_ASSERT_EQUAL(put_text(&r, "x.y.example."), 6);
	gw_resp_rewind(&r, &m);
	at = r.len;
	CU_ASSERT_EQUAL(put_text(&r, "q.y.example."), 6);
	CU_ASSERT_EQUAL(memcmp(buf + at, "\001q\001y\xc0\x10", 6), 0);
	/* y.example. is a target again, from its new place. */
	at = r.len;
	CU_ASSERT_EQUAL(put_text(&r, "y.example."), 2);
	CU_ASSERT_EQUAL(buf[at + 1], (uint8_t)(at - 4));

	/* A full table: names still point at what it holds, and a name
	 * written after it filled is written again in full. */
	char text[64];
	for (int i = 0; i < GW_COMP_MAX; i++) {
		snprintf(text, sizeof(text), "n%02d.example.", i);
		put_text(&r, text);
	}
	CU_ASSERT_EQUAL(r.comp_count, GW_COMP_MAX);
	CU_ASSERT_EQUAL(put_text(&r, "c.b.example."), 2);
	CU_ASSERT_EQUAL(put_text(&r, "n63.example."), 6);
	CU_ASSERT_EQUAL(put_text(&r, "n63.example."), 6);
}

/* Records go in section order: one for an earlier section after a later
 * section's is refused (it would be read as the later section's), and
 * the message is left as it was. */
static void test_section_order(void)
{
	uint8_t buf[512];
	uint8_t name[ZONE_NAME_MAXLEN];
	static const uint8_t a[4] = {192, 0, 2, 1};
	gw_resp_t r;
	gw_resp_init(&r, buf, sizeof(buf), 1, 0x8000);
	zone_name_from_str(name, "www.example.", NULL);
	CU_ASSERT_EQUAL(gw_resp_put_question(&r, name, DNS_T_A, DNS_C_IN), GW_OK);
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_ANSWER, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_OK);
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_AUTHORITY, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_OK);
	size_t len = r.len;
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_ANSWER, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_EINVAL);
	CU_ASSERT_EQUAL(r.len, len);
	CU_ASSERT_EQUAL(r.count[GW_SEC_ANSWER], 1);
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_ADDITIONAL, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_OK);
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_AUTHORITY, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_EINVAL);
	/* A rewind past the later section's records opens the earlier one. */
	gw_resp_mark_t m = {.len = len, .count = {1, 1, 0}, .comp_count = r.comp_count};
	gw_resp_rewind(&r, &m);
	CU_ASSERT_EQUAL(gw_resp_put_rr(&r, GW_SEC_AUTHORITY, name, DNS_T_A, DNS_C_IN, 60, a, 4),
	                GW_OK);
}

/* Attach one made-up RRSIG over (owner, type) to zone: the answer engine
 * only copies signatures, so their content does not matter here. */
static int fake_sig(zone_t *zone, const char *owner, const char *type, int labels)
{
	char text[512];
	uint8_t sigs[512];
	uint8_t wire[ZONE_NAME_MAXLEN];
	size_t len = 2;
	ldns_rr *rr = NULL;
	snprintf(text, sizeof(text),
	         "%s 120 IN RRSIG %s 13 %d 120 20400101000000 20240101000000 4242 dnssd.test. "
	         "AAECAwQFBgcICQoLDA0ODw==",
	         owner, type, labels);
	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		return GW_EPARSE;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		memcpy(sigs + len, ldns_rdf_data(f), ldns_rdf_size(f));
		len += ldns_rdf_size(f);
	}
	ldns_rr_free(rr);
	sigs[0] = (uint8_t)((len - 2) >> 8);
	sigs[1] = (uint8_t)(len - 2);
	if (zone_name_from_str(wire, owner, NULL) < 0)
		return GW_EPARSE;
	return zone_set_sigs(zone, wire, ldns_get_rr_type_by_name(type), sigs, (uint32_t)len);
}

/* What the answer section of p holds: "RRSIG:A RRSIG:AAAA", each RRSIG
 * with the type it covers, other records by type. */
static void answer_types(const ldns_pkt *p, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)) && at < len; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		char *ts = ldns_rr_type2str(t);
		char *cs = t == LDNS_RR_TYPE_RRSIG
		               ? ldns_rr_type2str(ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)))
		               : NULL;
		at += (size_t)snprintf(buf + at, len - at, "%s%s%s%s", i > 0 ? " " : "", ts,
		                       cs != NULL ? ":" : "", cs != NULL ? cs : "");
		free(ts);
		free(cs);
	}
}

/* A query for RRSIG: the signatures at the name, each with the TTL of
 * what it covers (RFC 4034 3), not the records; a CNAME is not followed
 * (RRSIG stands beside it). Over UDP those of one RRset (RFC 8482, as
 * for ANY), over TCP all. It used to be NODATA (whose NSEC said RRSIG was
 * there), and at a CNAME the chain's end. */
static void test_rrsig_query(void)
{
	zone_t *z = zone_of(g_records);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	CU_ASSERT_EQUAL(fake_sig(z, "printer.lan.dnssd.test.", "A", 3), GW_OK);
	CU_ASSERT_EQUAL(fake_sig(z, "printer.lan.dnssd.test.", "AAAA", 3), GW_OK);
	CU_ASSERT_EQUAL(fake_sig(z, "alias.dnssd.test.", "CNAME", 2), GW_OK);
	CU_ASSERT_EQUAL(fake_sig(z, "*.wild.dnssd.test.", "A", 3), GW_OK);

	gw_answer_env_t env = {.zone = z, .udp_payload = 1232};
	char types[256];
	struct {
		const char *name;
		bool dnssec_ok, tcp;
		const char *answer;
	} cases[] = {
	    {"printer.lan.dnssd.test.", true, false, "RRSIG:A"},
	    {"printer.lan.dnssd.test.", false, false, "RRSIG:A"},
	    {"printer.lan.dnssd.test.", true, true, "RRSIG:A RRSIG:AAAA"},
	    {"alias.dnssd.test.", true, false, "RRSIG:CNAME"},
	    {"alias.dnssd.test.", true, true, "RRSIG:CNAME"},
	    {"x.wild.dnssd.test.", true, false, "RRSIG:A"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_pkt *p = test_ask(&env, cases[i].name, LDNS_RR_TYPE_RRSIG, LDNS_RR_CLASS_IN,
		                       true, 1232, cases[i].dnssec_ok, cases[i].tcp);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
		CU_ASSERT_TRUE(ldns_pkt_aa(p));
		answer_types(p, types, sizeof(types));
		if (strcmp(types, cases[i].answer) != 0)
			fprintf(stderr, "\n%s RRSIG: answer \"%s\", want \"%s\"\n", cases[i].name,
			        types, cases[i].answer);
		CU_ASSERT_STRING_EQUAL(types, cases[i].answer);
		CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 0);
		const ldns_rr *first = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
		if (first != NULL) {
			CU_ASSERT_EQUAL(ldns_rr_ttl(first), 120);
			/* A wildcard's signature under the name asked. */
			char *owner = ldns_rdf2str(ldns_rr_owner(first));
			CU_ASSERT_STRING_EQUAL(owner, cases[i].name);
			free(owner);
		}
		ldns_pkt_free(p);
	}

	/* Nothing signed at a name: NODATA, as before. */
	ldns_pkt *p = test_ask(&env, "ns1.dnssd.test.", LDNS_RR_TYPE_RRSIG, LDNS_RR_CLASS_IN, true,
	                       1232, true, false);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	zone_free(z);
}

/* DNAME (RFC 6672): below the owner, the DNAME and a CNAME synthesised
 * from it, the chain going on inside the zone; the owner itself as any
 * name; YXDOMAIN when the new name would be too long. A DNAME was taken as
 * an ordinary record: every name below it was NXDOMAIN. */
static void test_dname(void)
{
	static const char *const records[] = {
	    "dnssd.test. 3600 IN SOA ns1.dnssd.test. hostmaster.dnssd.test. 7 3600 600 86400 30",
	    "dnssd.test. 3600 IN NS ns1.dnssd.test.",
	    "ns1.dnssd.test. 3600 IN A 192.0.2.53",
	    "old.dnssd.test. 300 IN DNAME new.dnssd.test.",
	    "host.new.dnssd.test. 120 IN A 192.0.2.9",
	    "away.dnssd.test. 300 IN DNAME example.net.",
	    "far.dnssd.test. 300 IN DNAME "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
	    "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.",
	    NULL,
	};
	zone_t *z = zone_of(records);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	CU_ASSERT_EQUAL(fake_sig(z, "old.dnssd.test.", "DNAME", 3), GW_OK);
	gw_answer_env_t env = {.zone = z, .udp_payload = 1232};
	char types[256];
	struct {
		const char *name;
		ldns_rr_type type;
		ldns_pkt_rcode rcode;
		const char *answer;
		const char *cname_target; /* of the CNAME in the answer, NULL: none */
	} cases[] = {
	    /* Into the zone: the chain goes on to host.new's A. */
	    {"host.old.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	     "DNAME RRSIG:DNAME CNAME A", "host.new.dnssd.test."},
	    /* Into the zone, to a name that is not there. */
	    {"x.y.old.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, "DNAME RRSIG:DNAME CNAME",
	     "x.y.new.dnssd.test."},
	    /* A question for the CNAME itself ends at it. */
	    {"host.old.dnssd.test.", LDNS_RR_TYPE_CNAME, LDNS_RCODE_NOERROR,
	     "DNAME RRSIG:DNAME CNAME", "host.new.dnssd.test."},
	    /* Out of the zone: the resolver goes on. */
	    {"www.away.dnssd.test.", LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, "DNAME CNAME",
	     "www.example.net."},
	    /* The owner is not redirected. */
	    {"old.dnssd.test.", LDNS_RR_TYPE_DNAME, LDNS_RCODE_NOERROR, "DNAME RRSIG:DNAME", NULL},
	    {"old.dnssd.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, "", NULL},
	    /* 63 + 1 octets before far., 192 + 1 of target: over 255. */
	    {"ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd.far.dnssd.test.",
	     LDNS_RR_TYPE_A, LDNS_RCODE_YXDOMAIN, "DNAME", NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ldns_pkt *p = test_ask(&env, cases[i].name, cases[i].type, LDNS_RR_CLASS_IN, true,
		                       1232, true, false);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), cases[i].rcode);
		CU_ASSERT_TRUE(ldns_pkt_aa(p));
		answer_types(p, types, sizeof(types));
		if (strcmp(types, cases[i].answer) != 0)
			fprintf(stderr, "\n%s: answer \"%s\", want \"%s\"\n", cases[i].name, types,
			        cases[i].answer);
		CU_ASSERT_STRING_EQUAL(types, cases[i].answer);
		for (size_t j = 0; j < ldns_rr_list_rr_count(ldns_pkt_answer(p)); j++) {
			const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), j);
			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME)
				continue;
			char *owner = ldns_rdf2str(ldns_rr_owner(rr));
			char *target = ldns_rdf2str(ldns_rr_rdf(rr, 0));
			CU_ASSERT_STRING_EQUAL(owner, cases[i].name);
			CU_ASSERT_PTR_NOT_NULL(cases[i].cname_target);
			if (cases[i].cname_target != NULL)
				CU_ASSERT_STRING_EQUAL(target, cases[i].cname_target);
			/* Synthesised: the DNAME's TTL, and no signature. */
			CU_ASSERT_EQUAL(ldns_rr_ttl(rr), 300);
			free(owner);
			free(target);
		}
		ldns_pkt_free(p);
	}
	zone_free(z);
}

int gw_test_register(void)
{
	CU_pSuite s = CU_add_suite("answer", suite_init, suite_clean);
	if (s == NULL)
		return CU_get_error();
	const gw_test_t tests[] = {
	    {"positive answer, flags, additional", test_positive},
	    {"PTR: compression, case, DNS-SD additional", test_ptr_compression_and_additional},
	    {"NODATA, NXDOMAIN, REFUSED", test_nodata_nxdomain_refused},
	    {"CNAME chains, loops, wildcards", test_cname_and_wildcard},
	    {"sizes, EDNS and ANY", test_sizes},
	    {"CHAOS identity", test_chaos},
	    {"room for NSID", test_nsid_room},
	    {"extended DNS errors", test_ede},
	    {"truncation is all or nothing", test_truncation},
	    {"compression: longest suffix, rewind, full table", test_compression_table},
	    {"records in section order", test_section_order},
	    {"query for RRSIG", test_rrsig_query},
	    {"DNAME", test_dname},
	    {NULL, NULL},
	};
	for (const gw_test_t *t = tests; t->name != NULL; t++) {
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return CU_get_error();
	}
	return 0;
}
