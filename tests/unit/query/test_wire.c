/* gateway/query/wire.c: the strict query reader.
 *
 * Valid queries are written by ldns (an independent writer) and must parse
 * to what ldns put in; the malformed corpus in tests/data/wire/ (hex text,
 * each file naming its expected outcome) must give exactly that outcome.
 * Random mutations of valid packets: test_wire_mutations.c. */
#include <dirent.h>

#include "wire_util.h"

/* ---- ldns-built packets ------------------------------------------------ */

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
	                          {NULL, NULL}});
}
