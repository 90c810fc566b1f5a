/* DNS messages from the network read through ldns. ldns_wire2pkt() keeps
 * the last TSIG record of the additional section and leaks any before it
 * (dropping each from ARCOUNT, so it reads on into the next record), and
 * it reads the rdata of known types by their fields, not by RDLENGTH:
 * the octets an AFSDB, say, leaves unread become records the counts and
 * our own reader (gateway/query/wire.c) do not see. A message with a
 * TSIG record anywhere but last is therefore refused before ldns reads
 * it, by a walk that reads the records exactly as ldns_wire2pkt() will. */
#include "zones/zone.h"

#include "common/dns.h"
#include "common/error.h"

int zone_pkt_last_rr(const uint8_t *wire, size_t len, size_t *off)
{
	if (len < DNS_HEADER_LEN)
		return GW_EMALFORMED;
	size_t total = (size_t)ldns_read_uint16(wire + 4) + ldns_read_uint16(wire + 6) +
	               ldns_read_uint16(wire + 8) + ldns_read_uint16(wire + 10);
	size_t questions = ldns_read_uint16(wire + 4);
	size_t pos = DNS_HEADER_LEN;
	/* Everything but the last record; ldns's section only matters for
	 * the question, which has no TTL and rdata. A question for type TSIG
	 * is no record ldns keeps aside. */
	for (size_t i = 0; i + 1 < total; i++) {
		ldns_rr *rr = NULL;
		if (ldns_wire2rr(&rr, wire, len, &pos,
		                 i < questions ? LDNS_SECTION_QUESTION : LDNS_SECTION_ANSWER) !=
		    LDNS_STATUS_OK)
			return GW_EMALFORMED;
		bool tsig = i >= questions && ldns_rr_get_type(rr) == LDNS_RR_TYPE_TSIG;
		ldns_rr_free(rr);
		if (tsig)
			return GW_EMALFORMED;
	}
	*off = pos;
	return GW_OK;
}

int zone_pkt_read(ldns_pkt **out, const uint8_t *wire, size_t len)
{
	size_t off = 0;
	*out = NULL;
	if (zone_pkt_last_rr(wire, len, &off) != GW_OK)
		return GW_EMALFORMED;
	if (ldns_wire2pkt(out, wire, len) != LDNS_STATUS_OK) {
		ldns_pkt_free(*out);
		*out = NULL;
		return GW_EMALFORMED;
	}
	return GW_OK;
}
