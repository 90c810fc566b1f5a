/* gateway/wire.c: the strict query reader.
 *
 * Valid queries are written by ldns (an independent writer) and must parse
 * to what ldns put in; the malformed corpus in tests/data/wire/ (hex text,
 * each file naming its expected outcome) must give exactly that outcome;
 * random mutations of valid packets must never make the reader step outside
 * the packet (each packet sits in a heap block of its exact size, so ASan
 * sees any overread) nor accept a question that is not inside it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/query/wire.h"

#define MAX_PKT 65535

/* CU_ASSERT with a message naming the case, so a corpus failure says which
 * file broke. CUnit copies the text. */
#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		char msg_[512];                                                                    \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                         \
		CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, __LINE__, msg_, __FILE__, "", \
		                        CU_FALSE);                                                 \
	} while (0)

/* A packet in a heap block of exactly its length: one octet read past the
 * end is an ASan report. */
static uint8_t *exact_copy(const uint8_t *data, size_t len)
{
	uint8_t *p = malloc(len > 0 ? len : 1);
	if (p == NULL)
		abort();
	if (len > 0)
		memcpy(p, data, len);
	return p;
}

typedef struct {
	int ret;
	uint8_t rcode;
	gw_query_t q;
} result_t;

static result_t parse(const uint8_t *data, size_t len)
{
	result_t r;
	memset(&r, 0, sizeof(r));
	uint8_t *pkt = exact_copy(data, len);
	r.rcode = 0xff;
	r.ret = gw_wire_parse_query(&r.q, pkt, len, &r.rcode);
	/* The copy is gone: point qname at the same offset in data. */
	r.q.qname = r.q.qname != NULL ? data + (r.q.qname - pkt) : NULL;
	free(pkt);
	return r;
}

/* ---- ldns-built packets ------------------------------------------------ */

static ldns_pkt *new_query(const char *name, ldns_rr_type type, uint16_t flags)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_FATAL(dname != NULL);
	ldns_pkt *pkt = ldns_pkt_query_new(dname, type, LDNS_RR_CLASS_IN, flags);
	CU_ASSERT_FATAL(pkt != NULL);
	ldns_pkt_set_id(pkt, 0xbeef);
	return pkt;
}

/* Wire form of pkt; frees pkt. The caller frees the result. */
static uint8_t *to_wire(ldns_pkt *pkt, size_t *len)
{
	uint8_t *wire = NULL;
	ldns_status st = ldns_pkt2wire(&wire, pkt, len);
	ldns_pkt_free(pkt);
	CU_ASSERT_FATAL(st == LDNS_STATUS_OK && wire != NULL);
	return wire;
}

/* The question name as ldns wrote it, for comparison. */
static void assert_qname(const gw_query_t *q, const uint8_t *wire, const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_FATAL(dname != NULL);
	CU_ASSERT_EQUAL(q->qname, wire + DNS_HEADER_LEN);
	CU_ASSERT_EQUAL(q->qname_len, ldns_rdf_size(dname));
	CU_ASSERT(memcmp(q->qname, ldns_rdf_data(dname), ldns_rdf_size(dname)) == 0);
	ldns_rdf_deep_free(dname);
}

static void test_plain_query(void)
{
	size_t len = 0;
	uint8_t *wire = to_wire(new_query("Www.Example.COM.", LDNS_RR_TYPE_AAAA, LDNS_RD), &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_NONE);
	CU_ASSERT_EQUAL(q.id, 0xbeef);
	CU_ASSERT_EQUAL(q.flags, DNS_FLAG_RD);
	CU_ASSERT_EQUAL(q.opcode, DNS_OPCODE_QUERY);
	CU_ASSERT_EQUAL(q.qdcount, 1);
	CU_ASSERT_EQUAL(q.ancount + q.nscount + q.arcount, 0);
	assert_qname(&q, wire, "Www.Example.COM.");
	CU_ASSERT_EQUAL(q.qtype, LDNS_RR_TYPE_AAAA);
	CU_ASSERT_EQUAL(q.qclass, LDNS_RR_CLASS_IN);
	CU_ASSERT_EQUAL(q.question_end, len);
	CU_ASSERT_FALSE(q.has_edns);
	CU_ASSERT_EQUAL(q.udp_max, 512);
	CU_ASSERT_FALSE(q.has_tsig);

	/* Lowercased copy for lookups; the packet keeps its case. */
	uint8_t lower[DNS_NAME_MAXLEN];
	CU_ASSERT_EQUAL(gw_wire_qname_lower(&q, lower, sizeof(lower)), 17);
	CU_ASSERT(memcmp(lower, "\3www\7example\3com\0", 17) == 0);
	CU_ASSERT(memcmp(q.qname, "\3Www\7Example\3COM\0", 17) == 0);
	CU_ASSERT_EQUAL(gw_wire_qname_lower(&q, lower, 16), GW_ESPACE);
	free(wire);
}

static void test_edns_do_large(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_DNSKEY, 0);
	ldns_pkt_set_edns_udp_size(pkt, 4096);
	ldns_pkt_set_edns_do(pkt, true);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_NOERROR);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_TRUE(q.edns_do);
	CU_ASSERT_EQUAL(q.edns_flags, 0x8000);
	CU_ASSERT_EQUAL(q.edns_version, 0);
	CU_ASSERT_EQUAL(q.edns_ext_rcode, 0);
	CU_ASSERT_EQUAL(q.edns_udp_size, 4096);
	CU_ASSERT_EQUAL(q.udp_max, 4096);
	CU_ASSERT_EQUAL(q.arcount, 1);
	/* The OPT is the only RR: right after the question, 11 octets. */
	CU_ASSERT_EQUAL(q.opt_offset, q.question_end);
	CU_ASSERT_EQUAL(q.opt_len, 11);
	CU_ASSERT_EQUAL(q.opt_offset + q.opt_len, len);
	CU_ASSERT_EQUAL(wire[q.opt_offset], 0);
	CU_ASSERT_FALSE(q.has_cookie);
	CU_ASSERT_FALSE(q.has_keepalive);
	CU_ASSERT_FALSE(q.has_nsid);
	free(wire);
}

static void test_edns_small(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_SOA, 0);
	ldns_pkt_set_edns_udp_size(pkt, 200);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_FALSE(q.edns_do);
	CU_ASSERT_EQUAL(q.edns_udp_size, 200);
	CU_ASSERT_EQUAL(q.udp_max, 512); /* RFC 6891 6.2.5: below 512 means 512 */
	free(wire);
}

static void test_edns_version_1(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_SOA, 0);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	ldns_pkt_set_edns_version(pkt, 1);
	ldns_pkt_set_edns_do(pkt, true);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	/* Parses (the OPT is well-formed), and asks for BADVERS. */
	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_BADVERS);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_EQUAL(q.edns_version, 1);
	CU_ASSERT_TRUE(q.edns_do);
	CU_ASSERT_PTR_NOT_NULL(q.qname);
	free(wire);
}

static void push_option(ldns_edns_option_list *list, ldns_edns_option_code code, size_t size,
                        const void *data)
{
	ldns_edns_option *opt = ldns_edns_new_from_data(code, size, data);
	CU_ASSERT_FATAL(opt != NULL);
	CU_ASSERT_FATAL(ldns_edns_option_list_push(list, opt));
}

static void test_edns_options(void)
{
	static const uint8_t cookie[24] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
	                                   13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
	static const uint8_t ecs[] = {0, 1, 24, 0, 192, 0, 2};
	ldns_pkt *pkt = new_query("_ipp._tcp.example.", LDNS_RR_TYPE_PTR, 0);
	ldns_edns_option_list *list = ldns_edns_option_list_new();
	CU_ASSERT_FATAL(list != NULL);
	push_option(list, LDNS_EDNS_NSID, 0, NULL);
	push_option(list, LDNS_EDNS_CLIENT_SUBNET, sizeof(ecs), ecs);
	push_option(list, LDNS_EDNS_COOKIE, sizeof(cookie), cookie);
	push_option(list, LDNS_EDNS_KEEPALIVE, 0, NULL);
	ldns_pkt_set_edns_option_list(pkt, list);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_NOERROR);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_EQUAL(q.opt_len, 11 + 4 + 4 + sizeof(ecs) + 4 + sizeof(cookie) + 4);
	CU_ASSERT_TRUE_FATAL(q.has_cookie);
	CU_ASSERT_EQUAL(q.cookie_len, sizeof(cookie));
	CU_ASSERT_FATAL(q.cookie_offset + q.cookie_len <= len);
	CU_ASSERT(memcmp(wire + q.cookie_offset, cookie, sizeof(cookie)) == 0);
	CU_ASSERT_TRUE(q.has_keepalive);
	CU_ASSERT_EQUAL(q.keepalive_len, 0);
	CU_ASSERT_TRUE(q.has_nsid);
	free(wire);

	/* An NSID with data (RFC 5001 says a query's is empty) still asks;
	 * the data is not read. */
	static const uint8_t junk[] = {'x', 'y', 'z'};
	pkt = new_query("_ipp._tcp.example.", LDNS_RR_TYPE_PTR, 0);
	list = ldns_edns_option_list_new();
	CU_ASSERT_FATAL(list != NULL);
	push_option(list, LDNS_EDNS_NSID, sizeof(junk), junk);
	ldns_pkt_set_edns_option_list(pkt, list);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	wire = to_wire(pkt, &len);
	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_TRUE(q.has_nsid);
	CU_ASSERT_FALSE(q.has_cookie);
	free(wire);
}

static void test_tsig(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_AXFR, 0);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	/* base64 of "secretsecretsecretsecret" */
	CU_ASSERT_FATAL(ldns_pkt_tsig_sign(pkt, "xfr.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", 300,
	                                   "hmac-sha256.", NULL) == LDNS_STATUS_OK);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(q.arcount, 2);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_TRUE_FATAL(q.has_tsig);
	/* ldns writes the OPT, then the TSIG last. */
	CU_ASSERT_EQUAL(q.opt_offset + q.opt_len, q.tsig_offset);
	CU_ASSERT_EQUAL(q.tsig_offset + q.tsig_len, len);
	CU_ASSERT(memcmp(wire + q.tsig_offset, "\3xfr\0\0\xfa\0\xff", 9) == 0);
	free(wire);
}

static void test_notify(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_SOA, LDNS_AA);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_NOTIFY);
	ldns_rr *soa = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&soa,
	                                    "example. 3600 IN SOA ns.example. admin.example. "
	                                    "7 3600 600 86400 300",
	                                    0, NULL, NULL) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, soa));
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(q.opcode, DNS_OPCODE_NOTIFY);
	CU_ASSERT_EQUAL(q.ancount, 1);
	CU_ASSERT(q.flags & DNS_FLAG_AA);
	CU_ASSERT_EQUAL(q.qtype, LDNS_RR_TYPE_SOA);
	free(wire);
}

static void test_response_dropped(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_SOA, 0);
	ldns_pkt_set_qr(pkt, true);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_WIRE_DROP);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_RESPONSE);
	CU_ASSERT_PTR_NULL(q.qname);
	free(wire);
}

static void test_update_notimp(void)
{
	ldns_pkt *pkt = new_query("example.", LDNS_RR_TYPE_SOA, LDNS_RD | LDNS_CD);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_UPDATE);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_EINVAL);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_NOTIMP);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_OPCODE);
	/* Enough to echo the header. */
	CU_ASSERT_EQUAL(q.id, 0xbeef);
	CU_ASSERT_EQUAL(q.opcode, 5);
	CU_ASSERT_PTR_NULL(q.qname);

	uint8_t out[DNS_HEADER_LEN];
	/* RD and CD are QUERY's (RFC 6895 2): not echoed for UPDATE. */
	uint16_t flags = gw_wire_reply_flags(&q, rcode);
	CU_ASSERT_EQUAL(flags, DNS_FLAG_QR | (5 << 11) | 4);
	CU_ASSERT_EQUAL(gw_wire_write_header(out, sizeof(out), q.id, flags, 0, 0, 0, 0), GW_OK);
	CU_ASSERT(memcmp(out, "\xbe\xef\xa8\x04\0\0\0\0\0\0\0\0", 12) == 0);
	CU_ASSERT_EQUAL(gw_wire_write_header(out, 11, q.id, flags, 0, 0, 0, 0), GW_ESPACE);
	free(wire);
}

/* Error replies carry OPT when the query had a well-formed one (RFC 6891
 * 7), also where the strict walk stopped before it; an OPT at fault is
 * not looked for again. */
static void test_error_opt(void)
{
	/* Two questions (FORMERR), then an OPT with DO and size 1232. */
	static const uint8_t two_q[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	                                0x00, 0x01, 0x01, 'a',  0x00, 0x00, 0x01, 0x00, 0x01, 0x01,
	                                'b',  0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04,
	                                0xd0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00};
	/* UPDATE (NOTIMP) with one zone entry and an OPT. */
	static const uint8_t update[] = {0x12, 0x34, 0x28, 0x00, 0x00, 0x01, 0x00, 0x00,
	                                 0x00, 0x00, 0x00, 0x01, 0x01, 'a',  0x00, 0x00,
	                                 0x06, 0x00, 0x01, 0x00, 0x00, 0x29, 0x02, 0x00,
	                                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	/* An OPT owner that is not the root: FORMERR, no OPT. */
	static const uint8_t bad_opt[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
	                                  0x00, 0x00, 0x00, 0x01, 0x01, 'a',  0x00, 0x00,
	                                  0x01, 0x00, 0x01, 0x01, 'x',  0x00, 0x00, 0x29,
	                                  0x04, 0xd0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	gw_query_t q;
	uint8_t rcode = 0;

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, two_q, sizeof(two_q), &rcode), GW_EMALFORMED);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_FORMERR);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_QDCOUNT);
	CU_ASSERT_TRUE(q.has_edns && q.edns_do);
	CU_ASSERT_EQUAL(q.udp_max, 1232);
	CU_ASSERT_EQUAL(q.opt_offset, 26);

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, update, sizeof(update), &rcode), GW_EINVAL);
	CU_ASSERT_EQUAL(rcode, DNS_RCODE_NOTIMP);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_OPCODE);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_FALSE(q.edns_do);
	CU_ASSERT_EQUAL(q.udp_max, 512);
	CU_ASSERT_PTR_NULL(q.qname);

	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, bad_opt, sizeof(bad_opt), &rcode), GW_EMALFORMED);
	CU_ASSERT_EQUAL(q.reason, GW_WIRE_R_OPT_OWNER);
	CU_ASSERT_FALSE(q.has_edns);
}

static void test_reply_flags(void)
{
	gw_query_t q = {.flags = DNS_FLAG_RD | DNS_FLAG_AD | DNS_FLAG_TC | DNS_FLAG_AA |
	                         DNS_FLAG_Z | 0x0003};
	/* BADVERS keeps only its low bits (0) in the header. */
	CU_ASSERT_EQUAL(gw_wire_reply_flags(&q, DNS_RCODE_BADVERS), DNS_FLAG_QR | DNS_FLAG_RD);
	CU_ASSERT_EQUAL(gw_wire_reply_flags(&q, DNS_RCODE_FORMERR), DNS_FLAG_QR | DNS_FLAG_RD | 1);

	for (int r = GW_WIRE_R_NONE; r <= GW_WIRE_R_TSIG_NOT_LAST; r++)
		CU_ASSERT(strcmp(gw_wire_reason_str((gw_wire_reason_t)r), "unknown reason") != 0);
	CU_ASSERT_STRING_EQUAL(gw_wire_reason_str((gw_wire_reason_t)-1), "unknown reason");

	uint8_t out[4];
	gw_query_t none;
	memset(&none, 0, sizeof(none));
	CU_ASSERT_EQUAL(gw_wire_qname_lower(&none, out, sizeof(out)), GW_EINVAL);
}

/* RRs of several types in every section, written by ldns with name
 * compression: the reader must accept every pointer ldns makes, and refuse
 * every truncation of the packet and any octet added after it. */
static void test_compressed_sections(void)
{
	static const struct {
		ldns_pkt_section section;
		const char *rr;
	} rrs[] = {
	    {LDNS_SECTION_ANSWER, "www.example.com. 60 IN CNAME web.example.com."},
	    {LDNS_SECTION_ANSWER, "web.example.com. 60 IN A 192.0.2.1"},
	    {LDNS_SECTION_ANSWER, "printer._ipp._tcp.example.com. 60 IN SRV 0 0 631 "
	                          "printer.lan.example.com."},
	    {LDNS_SECTION_AUTHORITY, "example.com. 60 IN NS ns1.example.com."},
	    {LDNS_SECTION_AUTHORITY, "example.com. 60 IN SOA ns1.example.com. "
	                             "admin.example.com. 1 2 3 4 5"},
	    {LDNS_SECTION_ADDITIONAL, "ns1.example.com. 60 IN AAAA 2001:db8::1"},
	    {LDNS_SECTION_ADDITIONAL, "example.com. 60 IN MX 10 mx.example.com."},
	    {LDNS_SECTION_ADDITIONAL, "printer.lan.example.com. 60 IN A 192.0.2.7"},
	};
	ldns_pkt *pkt = new_query("www.example.com.", LDNS_RR_TYPE_A, LDNS_RD);
	for (size_t i = 0; i < sizeof(rrs) / sizeof(rrs[0]); i++) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, rrs[i].rr, 0, NULL, NULL) ==
		                LDNS_STATUS_OK);
		CU_ASSERT_FATAL(ldns_pkt_push_rr(pkt, rrs[i].section, rr));
	}
	ldns_pkt_set_edns_udp_size(pkt, 1400);
	size_t len = 0;
	uint8_t *wire = to_wire(pkt, &len);
	gw_query_t q;
	uint8_t rcode = 0xff;

	CU_ASSERT_EQUAL_FATAL(gw_wire_parse_query(&q, wire, len, &rcode), GW_OK);
	CU_ASSERT_EQUAL(q.ancount, 3);
	CU_ASSERT_EQUAL(q.nscount, 2);
	CU_ASSERT_EQUAL(q.arcount, 4);
	CU_ASSERT_TRUE(q.has_edns);
	CU_ASSERT_EQUAL(q.opt_offset + q.opt_len, len);
	/* ldns did compress: the first answer owner is a pointer to 12. */
	CU_ASSERT(wire[q.question_end] == 0xc0 && wire[q.question_end + 1] == 0x0c);

	for (size_t cut = 0; cut < len; cut++) {
		result_t r = parse(wire, cut);
		CHECK_MSG(r.ret != GW_OK, "packet cut to %zu of %zu octets accepted", cut, len);
	}
	uint8_t *longer = malloc(len + 1);
	CU_ASSERT_FATAL(longer != NULL);
	memcpy(longer, wire, len);
	longer[len] = 0;
	result_t r = parse(longer, len + 1);
	CU_ASSERT_EQUAL(r.ret, GW_EMALFORMED);
	CU_ASSERT_EQUAL(r.q.reason, GW_WIRE_R_TRAILING);
	free(longer);
	free(wire);
}

/* ---- the corpus --------------------------------------------------------- */

typedef struct {
	uint8_t data[MAX_PKT];
	size_t len;
	char outcome[32];
	char reason[32];
} corpus_pkt_t;

/* Read a hex corpus file: '#' starts a comment, whitespace separates
 * nothing, and a comment line "# expect: OUTCOME [REASON]" gives the
 * expected result. Returns 0, or -1 with the problem in err. */
static int load_hex(const char *path, corpus_pkt_t *p, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "re");
	if (fp == NULL) {
		snprintf(err, errlen, "cannot open %s", path);
		return -1;
	}
	char line[1024];
	int ret = -1;
	int hi = -1;
	p->len = 0;
	p->outcome[0] = p->reason[0] = '\0';
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "# expect:", 9) == 0 &&
		    sscanf(line + 9, "%31s %31s", p->outcome, p->reason) < 1) {
			snprintf(err, errlen, "%s: empty expect line", path);
			goto out;
		}
		for (char *c = line; *c != '\0' && *c != '#'; c++) {
			int v;
			if (*c >= '0' && *c <= '9')
				v = *c - '0';
			else if (*c >= 'a' && *c <= 'f')
				v = *c - 'a' + 10;
			else if (*c >= 'A' && *c <= 'F')
				v = *c - 'A' + 10;
			else if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
				continue;
			else {
				snprintf(err, errlen, "%s: stray character '%c'", path, *c);
				goto out;
			}
			if (hi < 0) {
				hi = v;
				continue;
			}
			if (p->len >= MAX_PKT) {
				snprintf(err, errlen, "%s: more than %d octets", path, MAX_PKT);
				goto out;
			}
			p->data[p->len++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0) {
		snprintf(err, errlen, "%s: odd number of hex digits", path);
		goto out;
	}
	if (p->outcome[0] == '\0') {
		snprintf(err, errlen, "%s: no '# expect:' line", path);
		goto out;
	}
	ret = 0;
out:
	fclose(fp);
	return ret;
}

static const struct {
	const char *name;
	gw_wire_reason_t reason;
} reasons[] = {
    {"short", GW_WIRE_R_SHORT},
    {"response", GW_WIRE_R_RESPONSE},
    {"opcode", GW_WIRE_R_OPCODE},
    {"qdcount", GW_WIRE_R_QDCOUNT},
    {"qname_pointer", GW_WIRE_R_QNAME_POINTER},
    {"label", GW_WIRE_R_LABEL},
    {"name_long", GW_WIRE_R_NAME_LONG},
    {"name_trunc", GW_WIRE_R_NAME_TRUNC},
    {"question_trunc", GW_WIRE_R_QUESTION_TRUNC},
    {"ptr_forward", GW_WIRE_R_PTR_FORWARD},
    {"ptr_header", GW_WIRE_R_PTR_HEADER},
    {"ptr_jumps", GW_WIRE_R_PTR_JUMPS},
    {"rr_trunc", GW_WIRE_R_RR_TRUNC},
    {"rdata_trunc", GW_WIRE_R_RDATA_TRUNC},
    {"trailing", GW_WIRE_R_TRAILING},
    {"opt_dup", GW_WIRE_R_OPT_DUP},
    {"opt_owner", GW_WIRE_R_OPT_OWNER},
    {"opt_section", GW_WIRE_R_OPT_SECTION},
    {"opt_option", GW_WIRE_R_OPT_OPTION},
    {"cookie", GW_WIRE_R_COOKIE},
    {"tsig_not_last", GW_WIRE_R_TSIG_NOT_LAST},
};

static int reason_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		if (strcmp(reasons[i].name, name) == 0)
			return (int)reasons[i].reason;
	}
	return -1;
}

/* The cases this suite promises to cover; the corpus may hold more. */
static const char *const required[] = {
    "drop-truncated-header",
    "drop-qr-set",
    "notimp-opcode-update",
    "formerr-qname-truncated",
    "formerr-question-truncated",
    "formerr-qname-label-64",
    "formerr-qname-256",
    "formerr-qname-pointer",
    "formerr-ptr-forward",
    "formerr-ptr-self",
    "formerr-ptr-loop-label",
    "formerr-ptr-loop-two",
    "formerr-ptr-loop-two-additional",
    "formerr-ptr-jumps-128",
    "formerr-huge-counts",
    "formerr-rdlength-past-end",
    "formerr-opt-two",
    "formerr-opt-owner-nonroot",
    "formerr-opt-option-past-end",
    "formerr-tsig-not-last",
    "formerr-trailing-octet",
    "ok-plain",
    "ok-ptr-chain-127-jumps",
    "cookie-qdcount-zero",
    "formerr-qdcount-zero-cookie-answer",
    "badvers-edns-version-1",
};
#define N_REQUIRED (sizeof(required) / sizeof(required[0]))

static const char *corpus_dir(char *buf, size_t len)
{
	const char *data = getenv("GW_TEST_DATA");
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	snprintf(buf, len, "%s/wire", data);
	return buf;
}

static void check_corpus_case(const char *name, const corpus_pkt_t *p)
{
	result_t r = parse(p->data, p->len);
	int want_ret, want_rcode = -1;

	if (strcmp(p->outcome, "ok") == 0) {
		want_ret = GW_OK;
		want_rcode = DNS_RCODE_NOERROR;
	} else if (strcmp(p->outcome, "badvers") == 0) {
		want_ret = GW_OK;
		want_rcode = DNS_RCODE_BADVERS;
	} else if (strcmp(p->outcome, "drop") == 0) {
		want_ret = GW_WIRE_DROP;
	} else if (strcmp(p->outcome, "notimp") == 0) {
		want_ret = GW_EINVAL;
		want_rcode = DNS_RCODE_NOTIMP;
	} else if (strcmp(p->outcome, "formerr") == 0) {
		want_ret = GW_EMALFORMED;
		want_rcode = DNS_RCODE_FORMERR;
	} else if (strcmp(p->outcome, "cookie") == 0) {
		want_ret = GW_WIRE_COOKIE_ONLY;
		want_rcode = DNS_RCODE_NOERROR;
	} else {
		CHECK_MSG(false, "%s: unknown outcome '%s'", name, p->outcome);
		return;
	}
	CHECK_MSG(r.ret == want_ret, "%s: expected %s, got %d (%s at %zu)", name, p->outcome, r.ret,
	          gw_wire_reason_str(r.q.reason), r.q.reason_offset);
	if (want_rcode >= 0)
		CHECK_MSG(r.rcode == want_rcode, "%s: rcode %u, expected %d", name, r.rcode,
		          want_rcode);
	if (want_ret == GW_WIRE_COOKIE_ONLY) {
		CHECK_MSG(r.q.reason == GW_WIRE_R_NONE && r.q.cookie_only && r.q.has_edns &&
		              r.q.has_cookie && r.q.qname == NULL,
		          "%s: not a cookie query", name);
		return;
	}
	if (want_ret == GW_OK) {
		CHECK_MSG(r.q.reason == GW_WIRE_R_NONE, "%s: reason set on success", name);
		CHECK_MSG(r.q.qname != NULL && r.q.question_end <= p->len, "%s: no question", name);
		return;
	}
	int want_reason = reason_by_name(p->reason);
	CHECK_MSG(want_reason >= 0, "%s: unknown reason '%s'", name, p->reason);
	CHECK_MSG((int)r.q.reason == want_reason, "%s: reason '%s', expected %s", name,
	          gw_wire_reason_str(r.q.reason), p->reason);
	CHECK_MSG(r.q.reason_offset <= p->len, "%s: fault offset %zu past the end", name,
	          r.q.reason_offset);
	if (want_ret != GW_WIRE_DROP || want_reason != GW_WIRE_R_SHORT) {
		/* A header was there: its id must be reported for the echo. */
		CHECK_MSG(r.q.id == (p->data[0] << 8 | p->data[1]), "%s: id not reported", name);
	}
}

static void test_corpus(void)
{
	char dir[4096];
	DIR *d = opendir(corpus_dir(dir, sizeof(dir)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	static corpus_pkt_t p;
	bool seen[N_REQUIRED] = {false};
	unsigned files = 0;

	for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".hex") != 0)
			continue;
		char path[8192], err[512];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (load_hex(path, &p, err, sizeof(err)) != 0) {
			CHECK_MSG(false, "%s", err);
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)(n - 4), e->d_name);
		/* The file name starts with its outcome, so a listing reads
		 * like the table it is. */
		CHECK_MSG(strncmp(name, p.outcome, strlen(p.outcome)) == 0,
		          "%s: name does not start with its outcome '%s'", name, p.outcome);
		check_corpus_case(name, &p);
		for (size_t i = 0; i < N_REQUIRED; i++) {
			if (strcmp(required[i], name) == 0)
				seen[i] = true;
		}
		files++;
	}
	closedir(d);
	for (size_t i = 0; i < N_REQUIRED; i++)
		CHECK_MSG(seen[i], "corpus case %s missing", required[i]);
	CU_ASSERT(files >= N_REQUIRED);
}

/* Field-level checks on corpus cases whose outcome alone says little. */
static result_t corpus_case(const char *name, corpus_pkt_t *p)
{
	char dir[4096], path[8192], err[512];
	snprintf(path, sizeof(path), "%s/%s.hex", corpus_dir(dir, sizeof(dir)), name);
	int ret = load_hex(path, p, err, sizeof(err));
	CHECK_MSG(ret == 0, "%s", err);
	CU_ASSERT_FATAL(ret == 0);
	return parse(p->data, p->len);
}

static void test_corpus_fields(void)
{
	static corpus_pkt_t p;
	result_t r;

	r = corpus_case("ok-edns-do-cookie-keepalive", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_TRUE(r.q.has_edns && r.q.edns_do);
	CU_ASSERT_EQUAL(r.q.flags, DNS_FLAG_RD | DNS_FLAG_CD);
	CU_ASSERT_TRUE_FATAL(r.q.has_cookie);
	CU_ASSERT_EQUAL(r.q.cookie_len, 8);
	CU_ASSERT_EQUAL(p.data[r.q.cookie_offset], 0xa0);
	CU_ASSERT_EQUAL(p.data[r.q.cookie_offset + 7], 0xa7);
	CU_ASSERT_TRUE(r.q.has_keepalive);
	CU_ASSERT_EQUAL(r.q.keepalive_len, 0);
	CU_ASSERT_EQUAL(r.q.qtype, 28);

	r = corpus_case("ok-edns-udp-small", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.edns_udp_size, 100);
	CU_ASSERT_EQUAL(r.q.udp_max, 512);

	r = corpus_case("ok-cookie-40", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.cookie_len, 40);

	r = corpus_case("ok-qname-255", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.qname_len, 255);
	uint8_t lower[DNS_NAME_MAXLEN];
	CU_ASSERT_EQUAL(gw_wire_qname_lower(&r.q, lower, sizeof(lower)), 255);
	CU_ASSERT_EQUAL(lower[0], 63);
	CU_ASSERT_EQUAL(lower[1], 'a');
	CU_ASSERT_EQUAL(r.q.qname[1], 'A');

	r = corpus_case("ok-qname-case-edges", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(gw_wire_qname_lower(&r.q, lower, sizeof(lower)), 10);
	CU_ASSERT(memcmp(lower, "\10@az[`az{\0", 10) == 0);

	r = corpus_case("ok-keepalive-two", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_TRUE(r.q.has_keepalive);
	CU_ASSERT_EQUAL(r.q.keepalive_len, 0);

	r = corpus_case("ok-cookie-16", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.cookie_len, 16);

	r = corpus_case("ok-root-qname", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.qname_len, 1);
	CU_ASSERT_EQUAL(r.q.qtype, 6);

	r = corpus_case("ok-notify-soa", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_EQUAL(r.q.opcode, DNS_OPCODE_NOTIFY);

	r = corpus_case("ok-opt-tsig", &p);
	CU_ASSERT_EQUAL_FATAL(r.ret, GW_OK);
	CU_ASSERT_TRUE(r.q.has_tsig);
	CU_ASSERT_EQUAL(r.q.tsig_offset, r.q.opt_offset + r.q.opt_len);
	CU_ASSERT_EQUAL(r.q.tsig_offset + r.q.tsig_len, p.len);

	/* FORMERR after a good question: the question can be echoed, and
	 * the OPT read before the fault is reported. */
	r = corpus_case("formerr-opt-two", &p);
	CU_ASSERT_EQUAL(r.ret, GW_EMALFORMED);
	CU_ASSERT_PTR_NOT_NULL(r.q.qname);
	CU_ASSERT_EQUAL(r.q.qtype, 1);
	CU_ASSERT_TRUE(r.q.has_edns);

	/* FORMERR inside the question: nothing of it is reported. */
	r = corpus_case("formerr-question-truncated", &p);
	CU_ASSERT_EQUAL(r.ret, GW_EMALFORMED);
	CU_ASSERT_PTR_NULL(r.q.qname);
	CU_ASSERT_EQUAL(r.q.question_end, 0);
	CU_ASSERT_EQUAL(r.q.reason_offset, 25);

	r = corpus_case("notimp-opcode-iquery-garbage", &p);
	CU_ASSERT_EQUAL(r.q.id, 0x1234);
	CU_ASSERT_EQUAL(r.q.opcode, 1);
	CU_ASSERT_PTR_NULL(r.q.qname);
}

/* ---- random mutations --------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
	/* xorshift64*: the same sequence on every platform and libc. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Independent check of an accepted question name: labels up to 63, no
 * pointer, the root exactly at qname_len, all inside [pkt, pkt + len). */
static bool qname_sane(const gw_query_t *q, const uint8_t *pkt, size_t len)
{
	if (q->qname < pkt + DNS_HEADER_LEN || q->qname_len < 1 || q->qname_len > DNS_NAME_MAXLEN ||
	    (size_t)(q->qname - pkt) + q->qname_len > len)
		return false;
	size_t i = 0;
	while (q->qname[i] != 0) {
		if (q->qname[i] > 63)
			return false;
		i += 1 + (size_t)q->qname[i];
		if (i >= q->qname_len)
			return false;
	}
	return i + 1 == q->qname_len &&
	       q->question_end == (size_t)(q->qname - pkt) + q->qname_len + 4 &&
	       q->question_end <= len;
}

static void mutate(uint8_t *buf, size_t *len, size_t cap)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80,
	                                      0xbf, 0xc0, 0xc0, 0xff, 0x0c, 0x29};
	unsigned rounds = 1 + rnd() % 4;
	for (unsigned i = 0; i < rounds; i++) {
		size_t pos = *len > 0 ? rnd() % *len : 0;
		switch (rnd() % 7) {
		case 0: /* flip a bit */
			if (*len > 0)
				buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1: /* an octet that means something to a name parser */
			if (*len > 0)
				buf[pos] = interesting[rnd() % sizeof(interesting)];
			break;
		case 2: /* any octet */
			if (*len > 0)
				buf[pos] = (uint8_t)rnd();
			break;
		case 3: /* truncate */
			*len = *len > 0 ? rnd() % *len : 0;
			break;
		case 4: /* append */
			if (*len < cap)
				buf[(*len)++] = (uint8_t)rnd();
			break;
		case 5: /* a count: 0, small, or huge */
			if (*len >= DNS_HEADER_LEN) {
				size_t c = 4 + 2 * (rnd() % 4);
				uint16_t v = (rnd() & 1) ? 0xffff : (uint16_t)(rnd() % 4);
				buf[c] = (uint8_t)(v >> 8);
				buf[c + 1] = (uint8_t)v;
			}
			break;
		default: /* a compression pointer anywhere */
			if (*len >= 2) {
				uint16_t t = (uint16_t)(0xc000 | (rnd() % (*len + 8)));
				pos = rnd() % (*len - 1);
				buf[pos] = (uint8_t)(t >> 8);
				buf[pos + 1] = (uint8_t)t;
			}
			break;
		}
	}
}

/* When both readers accept a packet, they must agree on what it says. */
static void compare_with_ldns(const gw_query_t *q, const uint8_t *pkt, size_t len, unsigned *agreed)
{
	ldns_pkt *lp = NULL;
	if (ldns_wire2pkt(&lp, pkt, len) != LDNS_STATUS_OK)
		return;
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(lp), 0);
	bool same = question != NULL && ldns_pkt_id(lp) == q->id &&
	            ldns_rr_get_type(question) == q->qtype &&
	            ldns_rr_get_class(question) == q->qclass &&
	            ldns_rdf_size(ldns_rr_owner(question)) == q->qname_len &&
	            memcmp(ldns_rdf_data(ldns_rr_owner(question)), q->qname, q->qname_len) == 0 &&
	            ldns_pkt_edns(lp) == q->has_edns;
	if (same && q->has_edns)
		same = ldns_pkt_edns_udp_size(lp) == q->edns_udp_size &&
		       ldns_pkt_edns_version(lp) == q->edns_version &&
		       ldns_pkt_edns_do(lp) == q->edns_do;
	CHECK_MSG(same, "ldns reads this accepted packet differently (%zu octets)", len);
	*agreed += same;
	ldns_pkt_free(lp);
}

static size_t seed_packets(uint8_t **seeds, size_t *lens, size_t max)
{
	static corpus_pkt_t p;
	static const char *const ok_files[] = {
	    "ok-plain",     "ok-edns-do-cookie-keepalive", "ok-notify-soa",
	    "ok-opt-tsig",  "ok-sections-compressed",      "ok-cookie-40",
	    "ok-qname-255", "badvers-edns-version-1",
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(ok_files) / sizeof(ok_files[0]) && n < max; i++) {
		result_t r = corpus_case(ok_files[i], &p);
		CU_ASSERT_EQUAL(r.ret, GW_OK);
		seeds[n] = exact_copy(p.data, p.len);
		lens[n++] = p.len;
	}
	/* One written by ldns with options, compression and TSIG. */
	ldns_pkt *pkt = new_query("printer._ipp._tcp.lan.example.", LDNS_RR_TYPE_SRV, LDNS_RD);
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, "lan.example. 60 IN NS ns.lan.example.", 0, NULL,
	                                    NULL) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, rr));
	ldns_edns_option_list *list = ldns_edns_option_list_new();
	CU_ASSERT_FATAL(list != NULL);
	push_option(list, LDNS_EDNS_COOKIE, 16, "0123456789abcdef");
	push_option(list, LDNS_EDNS_KEEPALIVE, 0, NULL);
	ldns_pkt_set_edns_option_list(pkt, list);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	ldns_pkt_set_edns_do(pkt, true);
	CU_ASSERT_FATAL(ldns_pkt_tsig_sign(pkt, "xfr.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", 300,
	                                   "hmac-sha256.", NULL) == LDNS_STATUS_OK);
	if (n < max) {
		seeds[n] = to_wire(pkt, &lens[n]);
		n++;
	} else {
		ldns_pkt_free(pkt);
	}
	return n;
}

static void test_random_mutations(void)
{
	enum { ITERATIONS = 200000, MAX_SEEDS = 16, CAP = 1024 };
	uint8_t *seeds[MAX_SEEDS];
	size_t lens[MAX_SEEDS];
	size_t nseeds = seed_packets(seeds, lens, MAX_SEEDS);
	unsigned accepted = 0, refused = 0, dropped = 0, agreed = 0, bad = 0;
	uint8_t buf[CAP];

	for (unsigned i = 0; i < ITERATIONS && bad < 10; i++) {
		size_t s = rnd() % nseeds;
		size_t len = lens[s] < CAP ? lens[s] : CAP;
		memcpy(buf, seeds[s], len);
		mutate(buf, &len, CAP);

		uint8_t *pkt = exact_copy(buf, len);
		gw_query_t q;
		uint8_t rcode = 0xff;
		int ret = gw_wire_parse_query(&q, pkt, len, &rcode);

		/* Whatever the outcome, a reported question lies inside the
		 * packet: the server echoes it in FORMERR replies too. */
		bool ok = q.qname == NULL ? q.question_end == 0 : qname_sane(&q, pkt, len);
		if (ret == GW_OK) {
			accepted++;
			ok = ok && q.qname != NULL && q.reason == GW_WIRE_R_NONE &&
			     (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_BADVERS);
			ok = ok && (!q.has_edns || q.opt_offset + q.opt_len <= len);
			ok = ok && (!q.has_cookie || q.cookie_offset + q.cookie_len <= len);
			ok = ok && (!q.has_tsig || q.tsig_offset + q.tsig_len == len);
			compare_with_ldns(&q, pkt, len, &agreed);
		} else if (ret == GW_WIRE_DROP) {
			dropped++;
			ok = ok && q.qname == NULL;
		} else {
			refused++;
			ok = ok && q.reason != GW_WIRE_R_NONE && q.reason_offset <= len &&
			     ((ret == GW_EMALFORMED && rcode == DNS_RCODE_FORMERR) ||
			      (ret == GW_EINVAL && rcode == DNS_RCODE_NOTIMP));
		}
		if (!ok) {
			bad++;
			CHECK_MSG(false, "iteration %u: ret %d (%s), %zu octets", i, ret,
			          gw_wire_reason_str(q.reason), len);
		}
		free(pkt);
	}
	/* The mutations must reach both sides, or this test proves nothing. */
	CU_ASSERT(accepted > ITERATIONS / 100);
	CU_ASSERT(refused > ITERATIONS / 2);
	CU_ASSERT(dropped > 0);
	CU_ASSERT(agreed > 0);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i]);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "wire", (gw_test_t[]){{"plain query (ldns)", test_plain_query},
	                          {"EDNS, DO, UDP 4096 (ldns)", test_edns_do_large},
	                          {"EDNS, UDP 200 (ldns)", test_edns_small},
	                          {"EDNS version 1 -> BADVERS (ldns)", test_edns_version_1},
	                          {"EDNS options (ldns)", test_edns_options},
	                          {"TSIG last (ldns)", test_tsig},
	                          {"NOTIFY with SOA (ldns)", test_notify},
	                          {"response dropped (ldns)", test_response_dropped},
	                          {"UPDATE -> NOTIMP, header echo (ldns)", test_update_notimp},
	                          {"error replies keep the OPT", test_error_opt},
	                          {"reply flags and helpers", test_reply_flags},
	                          {"compression in every section (ldns)", test_compressed_sections},
	                          {"corpus outcomes", test_corpus},
	                          {"corpus fields", test_corpus_fields},
	                          {"random mutations", test_random_mutations},
	                          {NULL, NULL}});
}
