/* The DNS vocabulary of the project: RR types, classes, rcodes, opcodes,
 * header flag bits and EDNS option codes. Every module uses these, not
 * private copies and not ldns's enums, so that the query path needs no
 * ldns header and each number is written down once. Plain #defines, not
 * an enum: they are compared with ldns's enum values, and two different
 * enum types in one comparison warn. The values are the IANA registry's;
 * tests/unit/zones/test_dns_vocabulary.c holds them against ldns's. */
#pragma once

#include <stdint.h>

/* Sizes (RFC 1035 3.1, 4.1.1, 4.1.3). */
#define DNS_HEADER_LEN   12
#define DNS_NAME_MAXLEN  255
#define DNS_RR_FIXED_LEN 10 /* type, class, TTL, rdlength after the owner */

/* RR types (RFC 1035, 2782, 3596, 4034, 5155, 6672, 6891, 7344, 8945, 1995). */
#define DNS_T_A          1
#define DNS_T_NS         2
#define DNS_T_CNAME      5
#define DNS_T_SOA        6
#define DNS_T_PTR        12
#define DNS_T_MX         15
#define DNS_T_TXT        16
#define DNS_T_AAAA       28
#define DNS_T_DNAME      39
#define DNS_T_SRV        33
#define DNS_T_OPT        41
#define DNS_T_DS         43
#define DNS_T_RRSIG      46
#define DNS_T_NSEC       47
#define DNS_T_DNSKEY     48
#define DNS_T_NSEC3      50
#define DNS_T_NSEC3PARAM 51
#define DNS_T_CDS        59
#define DNS_T_CDNSKEY    60
#define DNS_T_TKEY       249
#define DNS_T_TSIG       250
#define DNS_T_IXFR       251
#define DNS_T_AXFR       252
#define DNS_T_MAILB      253
#define DNS_T_MAILA      254
#define DNS_T_ANY        255

/* Classes (RFC 1035 3.2.4, 3.2.5). */
#define DNS_C_IN  1
#define DNS_C_CH  3
#define DNS_C_ANY 255

/* Rcodes (RFC 1035 4.1.1, RFC 2136 2.2). BADVERS (RFC 6891 6.1.3) is an
 * extended rcode: its upper 8 bits go into the OPT record of the reply. */
#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_FORMERR  1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP   4
#define DNS_RCODE_REFUSED  5
#define DNS_RCODE_YXDOMAIN 6
#define DNS_RCODE_NOTAUTH  9
#define DNS_RCODE_BADVERS  16

/* Opcodes (RFC 1035 4.1.1, RFC 1996). */
#define DNS_OPCODE_QUERY  0
#define DNS_OPCODE_NOTIFY 4

/* Bits of the header flags word (RFC 1035 4.1.1, RFC 4035 3.2). */
#define DNS_FLAG_QR     0x8000
#define DNS_FLAG_OPCODE 0x7800
#define DNS_FLAG_AA     0x0400
#define DNS_FLAG_TC     0x0200
#define DNS_FLAG_RD     0x0100
#define DNS_FLAG_RA     0x0080
#define DNS_FLAG_Z      0x0040
#define DNS_FLAG_AD     0x0020
#define DNS_FLAG_CD     0x0010
#define DNS_FLAG_RCODE  0x000f

/* The opcode field of a header flags word. */
#define DNS_OPCODE(flags) ((uint8_t)(((flags) >> 11) & 0x0f))

/* EDNS (RFC 6891): the DO bit of the OPT flags (RFC 3225), and the option
 * codes the code looks at. */
#define DNS_EDNS_FLAG_DO   0x8000
#define DNS_EDNS_NSID      3  /* RFC 5001 */
#define DNS_EDNS_COOKIE    10 /* RFC 7873 */
#define DNS_EDNS_KEEPALIVE 11 /* RFC 7828 */
#define DNS_EDNS_PADDING   12 /* RFC 7830 */
#define DNS_EDNS_EDE       15 /* Extended DNS Errors, RFC 8914 */

/* EDE INFO-CODEs (RFC 8914 4) the server gives. */
#define DNS_EDE_NOT_READY         14
#define DNS_EDE_PROHIBITED        18
#define DNS_EDE_NOT_AUTHORITATIVE 20
#define DNS_EDE_NOT_SUPPORTED     21
