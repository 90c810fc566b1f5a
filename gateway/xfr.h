/* AXFR out (RFC 5936): the zone streamed as a sequence of DNS messages
 * over one TCP connection, SOA first and last, every other RRset once in
 * canonical order, with its signatures. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gateway/wire.h"
#include "gateway/zoneref.h"

typedef struct gw_xfr {
	gw_zoneref_t *zone;      /* one reference, held until deinit */
	const zone_node_t *node; /* next node to send from, NULL when body done */
	uint16_t rrset;          /* next RRset index in node */
	int phase;               /* 0 first SOA, 1 body, 2 closing SOA, 3 done */
	uint32_t serial;          /* the SOA serial the transfer started with */
	uint16_t id;
	uint16_t flags;
	uint16_t qtype, qclass;
	uint8_t qname[ZONE_NAME_MAXLEN];
	unsigned messages;
	size_t rrs;
} gw_xfr_t;

/* Start a transfer of zone for query q (AXFR, already allowed). Takes a
 * reference on zone. GW_OK, or GW_ENOTFOUND when the zone has no SOA. */
int gw_xfr_init(gw_xfr_t *x, gw_zoneref_t *zone, const gw_query_t *q);

/* Write the next message into out (cap octets, at most 65535). Returns the
 * message length, 0 when the transfer is complete, or a negative error
 * (GW_ESPACE: an RRset larger than a message; GW_EBUSY: the zone changed
 * under the transfer, which the caller ends so the client retries and
 * gets one consistent version). */
int gw_xfr_next(gw_xfr_t *x, uint8_t *out, size_t cap);

/* Release the zone reference. Accepts a zeroed or finished x. */
void gw_xfr_deinit(gw_xfr_t *x);
