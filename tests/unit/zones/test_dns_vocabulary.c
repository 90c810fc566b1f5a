/* common/dns.h: the project's DNS constants, held against ldns's, which
 * the zone code hands to ldns and compares with what ldns returns. */
#include <ldns/ldns.h>

#include "common/dns.h"
#include "cunit.h"

static void test_types(void)
{
	CU_ASSERT_EQUAL(DNS_T_A, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(DNS_T_NS, LDNS_RR_TYPE_NS);
	CU_ASSERT_EQUAL(DNS_T_CNAME, LDNS_RR_TYPE_CNAME);
	CU_ASSERT_EQUAL(DNS_T_SOA, LDNS_RR_TYPE_SOA);
	CU_ASSERT_EQUAL(DNS_T_PTR, LDNS_RR_TYPE_PTR);
	CU_ASSERT_EQUAL(DNS_T_MX, LDNS_RR_TYPE_MX);
	CU_ASSERT_EQUAL(DNS_T_TXT, LDNS_RR_TYPE_TXT);
	CU_ASSERT_EQUAL(DNS_T_AAAA, LDNS_RR_TYPE_AAAA);
	CU_ASSERT_EQUAL(DNS_T_SRV, LDNS_RR_TYPE_SRV);
	CU_ASSERT_EQUAL(DNS_T_OPT, LDNS_RR_TYPE_OPT);
	CU_ASSERT_EQUAL(DNS_T_DS, LDNS_RR_TYPE_DS);
	CU_ASSERT_EQUAL(DNS_T_RRSIG, LDNS_RR_TYPE_RRSIG);
	CU_ASSERT_EQUAL(DNS_T_NSEC, LDNS_RR_TYPE_NSEC);
	CU_ASSERT_EQUAL(DNS_T_DNSKEY, LDNS_RR_TYPE_DNSKEY);
	CU_ASSERT_EQUAL(DNS_T_NSEC3, LDNS_RR_TYPE_NSEC3);
	CU_ASSERT_EQUAL(DNS_T_NSEC3PARAM, LDNS_RR_TYPE_NSEC3PARAM);
	CU_ASSERT_EQUAL(DNS_T_CDS, LDNS_RR_TYPE_CDS);
	CU_ASSERT_EQUAL(DNS_T_CDNSKEY, LDNS_RR_TYPE_CDNSKEY);
	CU_ASSERT_EQUAL(DNS_T_TKEY, LDNS_RR_TYPE_TKEY);
	CU_ASSERT_EQUAL(DNS_T_TSIG, LDNS_RR_TYPE_TSIG);
	CU_ASSERT_EQUAL(DNS_T_IXFR, LDNS_RR_TYPE_IXFR);
	CU_ASSERT_EQUAL(DNS_T_AXFR, LDNS_RR_TYPE_AXFR);
	CU_ASSERT_EQUAL(DNS_T_MAILB, LDNS_RR_TYPE_MAILB);
	CU_ASSERT_EQUAL(DNS_T_MAILA, LDNS_RR_TYPE_MAILA);
	CU_ASSERT_EQUAL(DNS_T_ANY, LDNS_RR_TYPE_ANY);
}

static void test_classes_codes(void)
{
	CU_ASSERT_EQUAL(DNS_C_IN, LDNS_RR_CLASS_IN);
	CU_ASSERT_EQUAL(DNS_C_CH, LDNS_RR_CLASS_CH);
	CU_ASSERT_EQUAL(DNS_C_ANY, LDNS_RR_CLASS_ANY);
	CU_ASSERT_EQUAL(DNS_RCODE_NOERROR, LDNS_RCODE_NOERROR);
	CU_ASSERT_EQUAL(DNS_RCODE_FORMERR, LDNS_RCODE_FORMERR);
	CU_ASSERT_EQUAL(DNS_RCODE_SERVFAIL, LDNS_RCODE_SERVFAIL);
	CU_ASSERT_EQUAL(DNS_RCODE_NXDOMAIN, LDNS_RCODE_NXDOMAIN);
	CU_ASSERT_EQUAL(DNS_RCODE_NOTIMP, LDNS_RCODE_NOTIMPL);
	CU_ASSERT_EQUAL(DNS_RCODE_REFUSED, LDNS_RCODE_REFUSED);
	CU_ASSERT_EQUAL(DNS_RCODE_NOTAUTH, LDNS_RCODE_NOTAUTH);
	CU_ASSERT_EQUAL(DNS_OPCODE_QUERY, LDNS_PACKET_QUERY);
	CU_ASSERT_EQUAL(DNS_OPCODE_NOTIFY, LDNS_PACKET_NOTIFY);
	CU_ASSERT_EQUAL(DNS_HEADER_LEN, LDNS_HEADER_SIZE);
	CU_ASSERT_EQUAL(DNS_NAME_MAXLEN, LDNS_MAX_DOMAINLEN);
}

/* Flag bits, checked on a header ldns writes. */
static void test_flags(void)
{
	ldns_pkt *pkt = ldns_pkt_new();
	CU_ASSERT_FATAL(pkt != NULL);
	ldns_pkt_set_opcode(pkt, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_rcode(pkt, LDNS_RCODE_NOTAUTH);
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, true);
	ldns_pkt_set_tc(pkt, true);
	ldns_pkt_set_rd(pkt, true);
	ldns_pkt_set_ra(pkt, true);
	ldns_pkt_set_ad(pkt, true);
	ldns_pkt_set_cd(pkt, true);
	uint8_t *wire = NULL;
	size_t len = 0;
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, pkt, &len) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(len >= DNS_HEADER_LEN);
	uint16_t flags = (uint16_t)(wire[2] << 8 | wire[3]);
	CU_ASSERT_EQUAL(flags, DNS_FLAG_QR | DNS_OPCODE_NOTIFY << 11 | DNS_FLAG_AA | DNS_FLAG_TC |
	                           DNS_FLAG_RD | DNS_FLAG_RA | DNS_FLAG_AD | DNS_FLAG_CD |
	                           DNS_RCODE_NOTAUTH);
	CU_ASSERT_EQUAL(DNS_OPCODE(flags), DNS_OPCODE_NOTIFY);
	CU_ASSERT_EQUAL(flags & DNS_FLAG_OPCODE, DNS_OPCODE_NOTIFY << 11);
	CU_ASSERT_EQUAL(flags & DNS_FLAG_RCODE, DNS_RCODE_NOTAUTH);
	CU_ASSERT_EQUAL(flags & DNS_FLAG_Z, 0);
	free(wire);
	ldns_pkt_free(pkt);
}

int gw_test_register(void)
{
	return gw_test_suite("dns_vocabulary", (gw_test_t[]){
	                                           {"types", test_types},
	                                           {"classes_codes", test_classes_codes},
	                                           {"flags", test_flags},
	                                           {NULL, NULL},
	                                       });
}
