/* Writing DNS messages: header, question, RRs from zone RRsets, with name
 * compression, into a caller's buffer. Allocation-free (the query path).
 *
 * Compression: every name written (owner names, and names inside the rdata
 * of the types RFC 3597 section 4 allows: NS, CNAME, SOA, PTR, MX) is
 * compressed against the names already in the message: it points at the
 * longest suffix of it already written (the first written among equal
 * ones). The suffixes written are kept in a small table (at most
 * GW_COMP_MAX, pointers reach 14 bits) with a hash index, so that finding
 * the match costs one pass over the name and a probe or two, however many
 * names the message holds. SRV targets and all other rdata are written as
 * stored. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dns.h"
#include "gateway/query/wire.h"
#include "zones/zone.h"

#define GW_COMP_MAX   64
#define GW_COMP_SLOTS 128 /* hash index of the table, a power of two */

enum { GW_SEC_ANSWER = 0, GW_SEC_AUTHORITY = 1, GW_SEC_ADDITIONAL = 2 };

/* One name suffix already in the message: the suffix starting at name
 * (our memory, uncompressed wire, len octets) was written at offset off. */
typedef struct gw_comp_entry {
	const uint8_t *name;
	uint32_t hash; /* of the suffix, letter case folded */
	uint16_t off;
	uint8_t len;
	uint8_t next; /* next entry of its hash slot + 1, 0 at the end;
	               * GW_COMP_UNLINKED for a repeat of an earlier one */
} gw_comp_entry_t;

#define GW_COMP_UNLINKED 0xFF

typedef struct gw_resp {
	uint8_t *buf; /* borrowed: the output buffer */
	size_t cap;   /* what the message may use (reserve already taken off) */
	size_t len;   /* octets written so far */
	uint16_t count[3];
	uint16_t comp_count;
	gw_comp_entry_t comp[GW_COMP_MAX];
	uint8_t comp_slot[GW_COMP_SLOTS]; /* newest entry + 1 per hash, 0 = none */
} gw_resp_t;

/* Start a message in buf (cap octets available to records). Writes the
 * header with id and flags and zero counts. */
void gw_resp_init(gw_resp_t *r, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags);

/* Write the question (qname copied with its case, it is the compression
 * target for everything after it). GW_OK or GW_ESPACE. */
int gw_resp_put_question(gw_resp_t *r, const uint8_t *qname, uint16_t qtype, uint16_t qclass);

/* Write a name with compression. GW_OK or GW_ESPACE (r->len unchanged). */
int gw_resp_put_name(gw_resp_t *r, const uint8_t *name);

/* Write every RR of rrset with owner (wire name) into section; when
 * with_sigs, the RRset's RRSIGs follow. ttl_override < 0 keeps the RRset
 * TTL. All or nothing: GW_OK, or GW_ESPACE with the message unchanged;
 * GW_EINVAL, also unchanged, when a later section already has records
 * (sections are written in order, as the reader counts them). */
int gw_resp_put_rrset(gw_resp_t *r, int section, const uint8_t *owner, const zone_rrset_t *rrset,
                      bool with_sigs, int64_t ttl_override);

/* Write one RR from raw parts (rdata written as is, no compression inside).
 * GW_OK, or GW_ESPACE or GW_EINVAL as gw_resp_put_rrset() (message
 * unchanged). */
int gw_resp_put_rr(gw_resp_t *r, int section, const uint8_t *owner, uint16_t type, uint16_t rclass,
                   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* Undo everything after a saved length (and restore counts): for
 * truncation. */
typedef struct gw_resp_mark {
	size_t len;
	uint16_t count[3];
	uint16_t comp_count;
} gw_resp_mark_t;
void gw_resp_mark(const gw_resp_t *r, gw_resp_mark_t *m);
void gw_resp_rewind(gw_resp_t *r, const gw_resp_mark_t *m);

/* Write the section counts into the header; returns the message length. */
size_t gw_resp_finish(gw_resp_t *r);

/* Octets of the OPT record gw_resp_add_opt() writes: root owner, fixed
 * fields, no options. */
#define GW_RESP_OPT_LEN (1 + DNS_RR_FIXED_LEN)

/* Append to the finished message msg (*len octets, cap of room, borrowed)
 * the OPT record a reply to q carries when q had one (RFC 6891 7: every
 * reply to an EDNS query, errors, NOTIFY and transfers included):
 * udp_payload, the upper bits of rcode, DO echoed, no options; ARCOUNT
 * one more. Before a TSIG record, which comes last. GW_OK (nothing
 * written when q had no OPT) or GW_ESPACE. */
int gw_resp_add_opt(const gw_query_t *q, uint16_t rcode, uint16_t udp_payload, uint8_t *msg,
                    size_t *len, size_t cap);

/* The same OPT record whatever the query: for messages built after the
 * query is gone (a transfer's), which keep whether it had one. */
int gw_resp_add_opt_rr(uint16_t rcode, uint16_t udp_payload, bool dnssec_ok, uint8_t *msg,
                       size_t *len, size_t cap);
