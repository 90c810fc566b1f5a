#include "gateway/query/wire.h"

#include <string.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/str_table.h"
#include "common/word.h"

/* Smallest UDP payload a client can ask for (RFC 6891 6.2.3). */
#define UDP_MIN 512

static int fault(gw_query_t *q, gw_wire_reason_t reason, size_t offset)
{
	q->reason = reason;
	q->reason_offset = offset;
	return GW_EMALFORMED;
}

/* Check the name at pos and set *end just past it in the message (after
 * its first pointer, or its root label).
 *
 * The question name is the first name of the message, so a compression
 * pointer there could only point into the header: in the question
 * (question set) any pointer is refused, which also lets q->qname point
 * straight into the packet.
 *
 * Elsewhere a pointer must point strictly before the start of the run of
 * labels that contains it ("seg"): a compressor only refers to names it
 * wrote earlier, whose own pointers go further back still, so every valid
 * message passes, and since seg decreases at every jump no loop is
 * possible, whatever the octets say. Pointers may land inside earlier
 * RDATA (an NS or CNAME target), which this reader does not parse, so the
 * target is not checked against a list of known label starts; instead the
 * octets found there are checked as labels like any others. */
static inline int walk_name(gw_query_t *q, const uint8_t *pkt, size_t len, size_t pos, size_t *end,
                            bool question)
{
	size_t seg = pos;
	size_t name_len = 1; /* the root label */
	unsigned jumps = 0;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return fault(q, GW_WIRE_R_NAME_TRUNC, pos);
		uint8_t b = pkt[pos];
		if (b == 0)
			break;
		if ((b & 0xc0) == 0xc0) {
			if (question)
				return fault(q, GW_WIRE_R_QNAME_POINTER, pos);
			if (len - pos < 2)
				return fault(q, GW_WIRE_R_NAME_TRUNC, pos);
			size_t target = ldns_read_uint16(pkt + pos) & 0x3fff;
			if (target >= seg)
				return fault(q, GW_WIRE_R_PTR_FORWARD, pos);
			if (target < DNS_HEADER_LEN)
				return fault(q, GW_WIRE_R_PTR_HEADER, pos);
			if (++jumps > GW_WIRE_MAX_JUMPS)
				return fault(q, GW_WIRE_R_PTR_JUMPS, pos);
			if (!jumped) {
				*end = pos + 2;
				jumped = true;
			}
			pos = seg = target;
			continue;
		}
		if (b > 63)
			return fault(q, GW_WIRE_R_LABEL, pos);
		/* This label, what came before, and the root still to come. */
		name_len += 1 + (size_t)b;
		if (name_len > DNS_NAME_MAXLEN)
			return fault(q, GW_WIRE_R_NAME_LONG, pos);
		/* The label and at least one more length octet. */
		if (len - pos <= 1 + (size_t)b)
			return fault(q, GW_WIRE_R_NAME_TRUNC, pos);
		pos += 1 + (size_t)b;
	}
	if (!jumped)
		*end = pos + 1;
	return GW_OK;
}

/* Walk the options in the OPT RDATA [pos, end). */
static int read_edns_options(gw_query_t *q, const uint8_t *pkt, size_t pos, size_t end)
{
	while (pos < end) {
		if (end - pos < 4)
			return fault(q, GW_WIRE_R_OPT_OPTION, pos);
		uint16_t code = ldns_read_uint16(pkt + pos);
		uint16_t olen = ldns_read_uint16(pkt + pos + 2);
		if (end - pos - 4 < olen)
			return fault(q, GW_WIRE_R_OPT_OPTION, pos);
		switch (code) {
		case DNS_EDNS_COOKIE:
			/* A client cookie of 8 octets, then nothing or a server
			 * cookie of 8 to 32 (RFC 7873 4, 5.2.2: anything else is
			 * FORMERR). Of several, the first counts (RFC 7873 5.2)
			 * and the others are not looked at. */
			if (q->has_cookie)
				break;
			if (olen < 8 || olen > 40 || (olen > 8 && olen < 16))
				return fault(q, GW_WIRE_R_COOKIE, pos);
			q->has_cookie = true;
			q->cookie_offset = pos + 4;
			q->cookie_len = olen;
			break;
		case DNS_EDNS_KEEPALIVE:
			/* Whether a TIMEOUT in a query is an error depends on the
			 * transport (RFC 7828 3.2.1), so it is only reported. The
			 * RFC says nothing of repeats; the first one counts. */
			if (!q->has_keepalive) {
				q->has_keepalive = true;
				q->keepalive_len = olen;
			}
			break;
		case DNS_EDNS_PADDING:
			/* Any length, any content (RFC 7830 3): only noted. */
			q->has_padding = true;
			break;
		case DNS_EDNS_NSID:
			/* The client asks who answers (RFC 5001 2.1); what it
			 * put in the option (it should be empty) is not read. */
			q->has_nsid = true;
			break;
		default:
			/* Unknown options are ignored (RFC 6891 6.1.2). */
			break;
		}
		pos += 4 + (size_t)olen;
	}
	return GW_OK;
}

/* The OPT RR at rr, its fixed fields at fixed, its RDATA ending at end. */
static int read_opt(gw_query_t *q, const uint8_t *pkt, size_t rr, size_t fixed, size_t end,
                    bool additional)
{
	if (!additional)
		return fault(q, GW_WIRE_R_OPT_SECTION, rr);
	if (q->has_edns)
		return fault(q, GW_WIRE_R_OPT_DUP, rr);
	/* The owner is the root (RFC 6891 6.1.2); a pointer to some root
	 * label would be legal compression in principle, but no client sends
	 * one, and refusing it keeps the OPT at a fixed shape. */
	if (pkt[rr] != 0)
		return fault(q, GW_WIRE_R_OPT_OWNER, rr);

	int ret = read_edns_options(q, pkt, fixed + DNS_RR_FIXED_LEN, end);
	if (ret != GW_OK)
		return ret;

	q->edns_udp_size = ldns_read_uint16(pkt + fixed + 2);
	q->edns_ext_rcode = pkt[fixed + 4];
	q->edns_version = pkt[fixed + 5];
	q->edns_flags = ldns_read_uint16(pkt + fixed + 6);
	q->edns_do = (q->edns_flags & DNS_EDNS_FLAG_DO) != 0;
	q->udp_max = q->edns_udp_size < UDP_MIN ? UDP_MIN : q->edns_udp_size;
	q->opt_offset = rr;
	q->opt_len = end - rr;
	q->has_edns = true;
	return GW_OK;
}

/* Walk answer, authority and additional from pos to the end of the packet.
 * Every RR takes at least 11 octets, so absurd counts end in
 * GW_WIRE_R_RR_TRUNC after at most len / 11 rounds. */
static int read_records(gw_query_t *q, const uint8_t *pkt, size_t len, size_t pos)
{
	const size_t additional = (size_t)q->ancount + q->nscount;
	const size_t total = additional + q->arcount;

	for (size_t i = 0; i < total; i++) {
		const size_t rr = pos;
		size_t fixed = 0;
		int ret = walk_name(q, pkt, len, pos, &fixed, false);
		if (ret != GW_OK)
			return ret;
		if (len - fixed < DNS_RR_FIXED_LEN)
			return fault(q, GW_WIRE_R_RR_TRUNC, rr);
		uint16_t type = ldns_read_uint16(pkt + fixed);
		uint16_t rdlen = ldns_read_uint16(pkt + fixed + 8);
		if (len - fixed - DNS_RR_FIXED_LEN < rdlen)
			return fault(q, GW_WIRE_R_RDATA_TRUNC, fixed + 8);
		const size_t end = fixed + DNS_RR_FIXED_LEN + rdlen;

		if (type == DNS_T_OPT) {
			ret = read_opt(q, pkt, rr, fixed, end, i >= additional);
			if (ret != GW_OK)
				return ret;
		} else if (type == DNS_T_TSIG) {
			/* RFC 8945 5.1: anywhere but last is FORMERR; this also
			 * refuses a second TSIG. */
			if (i + 1 != total || i < additional)
				return fault(q, GW_WIRE_R_TSIG_NOT_LAST, rr);
			q->has_tsig = true;
			q->tsig_offset = rr;
			q->tsig_len = end - rr;
		}
		pos = end;
	}
	/* Octets after the last RR are refused as Knot does: they are either
	 * a broken client or an attempt to smuggle data past the counts, and
	 * TSIG covers the message only up to its own RR. */
	if (pos != len)
		return fault(q, GW_WIRE_R_TRAILING, pos);
	return GW_OK;
}

/* Faults in the OPT record itself: nothing more to look for (a first OPT
 * read before a second one stays reported). */
static bool opt_fault(gw_wire_reason_t reason)
{
	return reason == GW_WIRE_R_OPT_SECTION || reason == GW_WIRE_R_OPT_DUP ||
	       reason == GW_WIRE_R_OPT_OWNER || reason == GW_WIRE_R_OPT_OPTION ||
	       reason == GW_WIRE_R_COOKIE;
}

/* An error reply to a query that had an OPT record carries one too (RFC
 * 6891 7), so the EDNS fields are wanted even where the strict walk
 * stopped before the OPT (a second question, an opcode whose sections are
 * not ours to judge). Walk the questions and records again, bounded as
 * before, on a scratch copy: only a well-formed OPT found on the way is
 * taken over, and q keeps its own reason. */
static void salvage_opt(gw_query_t *q, const uint8_t *pkt, size_t len)
{
	gw_query_t scan = *q;
	size_t pos = DNS_HEADER_LEN;

	if (q->has_edns || opt_fault(q->reason))
		return;
	scan.has_cookie = scan.has_keepalive = scan.has_padding = scan.has_nsid = scan.has_tsig =
	    false;
	for (size_t i = 0; i < q->qdcount; i++) {
		size_t end = 0;
		if (walk_name(&scan, pkt, len, pos, &end, false) != GW_OK || len - end < 4)
			return;
		pos = end + 4;
	}
	(void)read_records(&scan, pkt, len, pos);
	if (!scan.has_edns)
		return;
	q->has_edns = true;
	q->edns_udp_size = scan.edns_udp_size;
	q->edns_ext_rcode = scan.edns_ext_rcode;
	q->edns_version = scan.edns_version;
	q->edns_flags = scan.edns_flags;
	q->edns_do = scan.edns_do;
	q->udp_max = scan.udp_max;
	q->opt_offset = scan.opt_offset;
	q->opt_len = scan.opt_len;
}

static int parse_query(gw_query_t *q, const uint8_t *pkt, size_t len, uint8_t *rcode);

int gw_wire_parse_query(gw_query_t *q, const uint8_t *pkt, size_t len, uint8_t *rcode)
{
	int ret = parse_query(q, pkt, len, rcode);
	if (ret != GW_OK && ret != GW_WIRE_DROP && ret != GW_WIRE_COOKIE_ONLY)
		salvage_opt(q, pkt, len);
	return ret;
}

static int parse_query(gw_query_t *q, const uint8_t *pkt, size_t len, uint8_t *rcode)
{
	memset(q, 0, sizeof(*q));
	q->udp_max = UDP_MIN;
	*rcode = DNS_RCODE_FORMERR;

	if (len < DNS_HEADER_LEN) {
		q->reason = GW_WIRE_R_SHORT;
		return GW_WIRE_DROP;
	}
	q->id = ldns_read_uint16(pkt);
	q->flags = ldns_read_uint16(pkt + 2);
	q->opcode = DNS_OPCODE(q->flags);
	q->qdcount = ldns_read_uint16(pkt + 4);
	q->ancount = ldns_read_uint16(pkt + 6);
	q->nscount = ldns_read_uint16(pkt + 8);
	q->arcount = ldns_read_uint16(pkt + 10);

	/* Answering a response could start a loop between two servers. */
	if (q->flags & DNS_FLAG_QR) {
		q->reason = GW_WIRE_R_RESPONSE;
		q->reason_offset = 2;
		return GW_WIRE_DROP;
	}
	/* The layout of other opcodes (UPDATE, DSO) is not ours to judge:
	 * NOTIMP from the header alone (and the OPT, when one is found). */
	if (q->opcode != DNS_OPCODE_QUERY && q->opcode != DNS_OPCODE_NOTIFY) {
		*rcode = DNS_RCODE_NOTIMP;
		q->reason = GW_WIRE_R_OPCODE;
		q->reason_offset = 2;
		return GW_EINVAL;
	}
	/* QDCOUNT 0 with a COOKIE option is the way to learn a server cookie
	 * without asking anything (RFC 7873 5.4, RFC 9619 4); any other count
	 * but 1 is FORMERR, as is a cookie query that carries records an
	 * empty question has no use for. */
	if (q->qdcount == 0 && q->opcode == DNS_OPCODE_QUERY) {
		int ret = read_records(q, pkt, len, DNS_HEADER_LEN);
		if (ret != GW_OK)
			return ret;
		if (!q->has_cookie || q->ancount != 0 || q->nscount != 0 || q->has_tsig)
			return fault(q, GW_WIRE_R_QDCOUNT, 4);
		q->cookie_only = true;
		*rcode = DNS_RCODE_NOERROR;
		return GW_WIRE_COOKIE_ONLY;
	}
	if (q->qdcount != 1)
		return fault(q, GW_WIRE_R_QDCOUNT, 4);

	size_t qname_end = 0;
	int ret = walk_name(q, pkt, len, DNS_HEADER_LEN, &qname_end, true);
	if (ret != GW_OK)
		return ret;
	if (len - qname_end < 4)
		return fault(q, GW_WIRE_R_QUESTION_TRUNC, qname_end);
	q->qname = pkt + DNS_HEADER_LEN;
	q->qname_len = (uint16_t)(qname_end - DNS_HEADER_LEN);
	q->qtype = ldns_read_uint16(pkt + qname_end);
	q->qclass = ldns_read_uint16(pkt + qname_end + 2);
	q->question_end = qname_end + 4;

	ret = read_records(q, pkt, len, q->question_end);
	if (ret != GW_OK)
		return ret;

	/* Not a parse error: the query is fine, the version is not ours
	 * (RFC 6891 6.1.3). */
	*rcode = q->has_edns && q->edns_version > 0 ? DNS_RCODE_BADVERS : DNS_RCODE_NOERROR;
	return GW_OK;
}

static const char *const reasons[] = {
    [GW_WIRE_R_NONE] = "well-formed query",
    [GW_WIRE_R_SHORT] = "shorter than a DNS header",
    [GW_WIRE_R_RESPONSE] = "QR bit set (a response)",
    [GW_WIRE_R_OPCODE] = "opcode not implemented",
    [GW_WIRE_R_QDCOUNT] = "QDCOUNT is not 1",
    [GW_WIRE_R_QNAME_POINTER] = "compression pointer in the question name",
    [GW_WIRE_R_LABEL] = "label longer than 63 octets",
    [GW_WIRE_R_NAME_LONG] = "name longer than 255 octets",
    [GW_WIRE_R_NAME_TRUNC] = "name runs past the end of the packet",
    [GW_WIRE_R_QUESTION_TRUNC] = "question truncated",
    [GW_WIRE_R_PTR_FORWARD] = "compression pointer not strictly backwards",
    [GW_WIRE_R_PTR_HEADER] = "compression pointer into the header",
    [GW_WIRE_R_PTR_JUMPS] = "too many compression pointers in one name",
    [GW_WIRE_R_RR_TRUNC] = "resource record truncated (counts too high?)",
    [GW_WIRE_R_RDATA_TRUNC] = "RDLENGTH runs past the end of the packet",
    [GW_WIRE_R_TRAILING] = "trailing octets after the last record",
    [GW_WIRE_R_OPT_DUP] = "more than one OPT record",
    [GW_WIRE_R_OPT_OWNER] = "OPT owner is not the root",
    [GW_WIRE_R_OPT_SECTION] = "OPT outside the additional section",
    [GW_WIRE_R_OPT_OPTION] = "EDNS option runs past the OPT record",
    [GW_WIRE_R_COOKIE] = "malformed or repeated COOKIE option",
    [GW_WIRE_R_TSIG_NOT_LAST] = "TSIG is not the last record",
};

const char *gw_wire_reason_str(gw_wire_reason_t reason)
{
	return GW_STR_TABLE(reasons, reason, "unknown reason");
}

int gw_wire_qname_lower(const gw_query_t *q, uint8_t *out, size_t outcap)
{
	if (q->qname == NULL)
		return GW_EINVAL;
	if (outcap < q->qname_len)
		return GW_ESPACE;
	/* Length octets are at most 63, below 'A', so lowering every octet
	 * leaves them alone. */
	for (size_t i = 0; i < q->qname_len; i++)
		out[i] = gw_lower8(q->qname[i]);
	return q->qname_len;
}

uint16_t gw_wire_reply_flags(const gw_query_t *q, uint16_t rcode)
{
	/* RD and CD are defined for QUERY (RFC 6895 2): copied there only. */
	uint16_t copied = DNS_FLAG_OPCODE;
	if (DNS_OPCODE(q->flags) == DNS_OPCODE_QUERY)
		copied |= DNS_FLAG_RD | DNS_FLAG_CD;
	return (uint16_t)(DNS_FLAG_QR | (q->flags & copied) | (rcode & DNS_FLAG_RCODE));
}

int gw_wire_write_header(uint8_t *out, size_t outcap, uint16_t id, uint16_t flags, uint16_t qdcount,
                         uint16_t ancount, uint16_t nscount, uint16_t arcount)
{
	if (outcap < DNS_HEADER_LEN)
		return GW_ESPACE;
	ldns_write_uint16(out, id);
	ldns_write_uint16(out + 2, flags);
	ldns_write_uint16(out + 4, qdcount);
	ldns_write_uint16(out + 6, ancount);
	ldns_write_uint16(out + 8, nscount);
	ldns_write_uint16(out + 10, arcount);
	return GW_OK;
}
