/* The strict DNS query reader of the hot path (RFC 1035 4.1, RFC 6891,
 * RFC 7873, RFC 7828, RFC 8945): header, question, OPT and the position
 * of a TSIG, read in place with every offset checked against the packet
 * length. Everything else in the packet is walked with the same bounds but
 * not interpreted. Allocation-free; nothing here keeps state between calls,
 * so any thread may use it.
 *
 * This is the one hand-written wire parser of the project (everything else
 * goes through ldns); it is fuzzed by tests/fuzz/fuzz_wire.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns.h"

/* Returned by gw_wire_parse_query() for a packet that gets no reply at all
 * (shorter than a header, or a response). It is an outcome, not a failure:
 * gw_strerror() does not know it; log gw_wire_reason_str(q->reason). */
#define GW_WIRE_DROP (-1100)

/* Returned by gw_wire_parse_query() for a QUERY without a question whose
 * OPT has a COOKIE option: a client asking for a server cookie alone (RFC
 * 7873 5.4, RFC 9619 4). Also an outcome: q->cookie_only is set, qname is
 * NULL, the header and EDNS fields are set, *rcode is NOERROR; whether the
 * reply is a cookie or FORMERR is the answerer's call (gw_answer()). */
#define GW_WIRE_COOKIE_ONLY (-1101)

/* Why a packet was refused, for logs and tests. */
typedef enum {
	GW_WIRE_R_NONE = 0,       /* the packet is a well-formed query */
	GW_WIRE_R_SHORT,          /* shorter than a header (drop) */
	GW_WIRE_R_RESPONSE,       /* QR set (drop: never answer a response) */
	GW_WIRE_R_OPCODE,         /* opcode other than QUERY or NOTIFY (NOTIMP) */
	GW_WIRE_R_QDCOUNT,        /* QDCOUNT is not 1 */
	GW_WIRE_R_QNAME_POINTER,  /* compression pointer in the question name */
	GW_WIRE_R_LABEL,          /* label length > 63 (reserved label types) */
	GW_WIRE_R_NAME_LONG,      /* name longer than 255 octets */
	GW_WIRE_R_NAME_TRUNC,     /* name runs past the end of the packet */
	GW_WIRE_R_QUESTION_TRUNC, /* QTYPE/QCLASS past the end */
	GW_WIRE_R_PTR_FORWARD,    /* pointer not strictly backwards (loops too) */
	GW_WIRE_R_PTR_HEADER,     /* pointer into the header */
	GW_WIRE_R_PTR_JUMPS,      /* more than GW_WIRE_MAX_JUMPS pointers in a name */
	GW_WIRE_R_RR_TRUNC,       /* RR fixed fields past the end (counts too high) */
	GW_WIRE_R_RDATA_TRUNC,    /* RDLENGTH past the end */
	GW_WIRE_R_TRAILING,       /* octets after the last RR */
	GW_WIRE_R_OPT_DUP,        /* more than one OPT */
	GW_WIRE_R_OPT_OWNER,      /* OPT owner is not the root */
	GW_WIRE_R_OPT_SECTION,    /* OPT outside the additional section */
	GW_WIRE_R_OPT_OPTION,     /* an EDNS option runs past the OPT RDATA */
	GW_WIRE_R_COOKIE,         /* COOKIE option malformed (of several, the first counts) */
	GW_WIRE_R_TSIG_NOT_LAST,  /* TSIG not the last RR of the additional section */
} gw_wire_reason_t;

/* Most compression pointers followed in one name. Pointers must go
 * strictly backwards, so loops are impossible anyway; this bounds the cost
 * of a long chain. */
#define GW_WIRE_MAX_JUMPS 127

/* A parsed query. Pointers and offsets refer to the packet given to
 * gw_wire_parse_query(); q borrows it and is valid as long as it lives. */
typedef struct gw_query {
	/* Header: set whenever the packet has one (not for GW_WIRE_R_SHORT). */
	uint16_t id;
	uint16_t flags; /* as received: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE */
	uint8_t opcode;
	uint16_t qdcount, ancount, nscount, arcount;

	/* Question: qname is NULL (and question_end 0) until the whole
	 * question, QTYPE and QCLASS included, has been read. */
	const uint8_t *qname; /* into the packet, uncompressed, letter case as sent */
	uint16_t qname_len;   /* wire length, root label included */
	uint16_t qtype, qclass;
	size_t question_end; /* offset just past the question */

	/* EDNS (RFC 6891): has_edns once a valid OPT record has been read;
	 * the other EDNS fields mean nothing without it. */
	bool has_edns;
	uint8_t edns_version;   /* > 0: the server answers BADVERS */
	uint16_t edns_udp_size; /* as sent by the client (may be < 512) */
	uint16_t udp_max;       /* largest UDP reply the client takes: 512
	                           without EDNS, max(512, edns_udp_size) with */
	uint8_t edns_ext_rcode; /* upper 8 bits of the rcode, 0 in a sane query */
	uint16_t edns_flags;    /* DO and Z bits */
	bool edns_do;
	size_t opt_offset, opt_len; /* the whole OPT RR, owner to end of RDATA */
	bool has_cookie;            /* COOKIE (RFC 7873), 8 or 16..40 octets */
	size_t cookie_offset;       /* of the option data (client cookie first) */
	uint16_t cookie_len;
	bool has_keepalive;     /* edns-tcp-keepalive (RFC 7828) */
	uint16_t keepalive_len; /* must be 0 in a query: a TCP server answers
	                           FORMERR otherwise, UDP ignores the option
	                           (RFC 7828 3.2.1, 3.3.1); the reader does
	                           not know the transport */
	bool has_padding;       /* Padding (RFC 7830): the client pads, so a reply
	                           over an encrypted transport is padded too (RFC 8467) */
	bool has_nsid;          /* NSID (RFC 5001): the reply names the server */
	bool cookie_only;       /* no question, a COOKIE: GW_WIRE_COOKIE_ONLY */

	/* TSIG (RFC 8945): only located here; verified later with ldns. */
	bool has_tsig;
	size_t tsig_offset, tsig_len; /* the whole TSIG RR, owner to end of RDATA */

	/* Set by gw_answer() (gateway/query/answer.h), not by the reader: the
	 * Extended DNS Error (RFC 8914) that says why its reply is an error,
	 * for the server to add once the reply is final. */
	bool has_ede;
	uint16_t ede; /* DNS_EDE_* */

	/* Why the packet was refused, and near which offset. */
	gw_wire_reason_t reason;
	size_t reason_offset;
} gw_query_t;

/* Parse the query in pkt (len octets, borrowed for the lifetime of q).
 * Returns:
 *   GW_OK          a well-formed QUERY or NOTIFY; every field of q is set.
 *                  *rcode is DNS_RCODE_NOERROR, or DNS_RCODE_BADVERS
 *                  when the client's EDNS version is above 0 (the reply
 *                  is then the header, question and an OPT of version 0).
 *   GW_WIRE_DROP   send nothing: shorter than a header, or QR set.
 *   GW_WIRE_COOKIE_ONLY  a QUERY that asks for a server cookie alone
 *                  (no question, no answer or authority records, an OPT
 *                  with a COOKIE, no TSIG); see its definition.
 *   GW_EINVAL      an opcode other than QUERY or NOTIFY; *rcode is
 *                  DNS_RCODE_NOTIMP. Only the header fields are set;
 *                  the reply is header-only.
 *   GW_EMALFORMED  *rcode is DNS_RCODE_FORMERR. Header fields are
 *                  set; qname is set when the question parsed; has_edns
 *                  when a valid OPT was read before the fault.
 * q->reason and q->reason_offset say why in every refused case. */
int gw_wire_parse_query(gw_query_t *q, const uint8_t *pkt, size_t len, uint8_t *rcode);

/* Text for a reason, static, never NULL. */
const char *gw_wire_reason_str(gw_wire_reason_t reason);

/* Copy the question name of a parsed query into out (outcap octets),
 * lowercased (ASCII only, as DNS compares names). Returns the length
 * (q->qname_len), GW_EINVAL when q has no question, or GW_ESPACE. */
int gw_wire_qname_lower(const gw_query_t *q, uint8_t *out, size_t outcap);

/* Flags for a reply to q: QR set, opcode, RD and CD copied (RFC 1035
 * 4.1.1, RFC 4035 3.2.2), AA, TC, RA, AD cleared, the low 4 bits of
 * rcode. */
uint16_t gw_wire_reply_flags(const gw_query_t *q, uint16_t rcode);

/* Write a 12-octet header at out (outcap octets). Returns GW_OK or
 * GW_ESPACE. */
int gw_wire_write_header(uint8_t *out, size_t outcap, uint16_t id, uint16_t flags, uint16_t qdcount,
                         uint16_t ancount, uint16_t nscount, uint16_t arcount);
