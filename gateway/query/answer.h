/* Answering one query from the zone: the authoritative logic (RFC 1034
 * 4.3.2, with referrals at delegations: RFC 4035 3.1.4, RFC 9471), EDNS
 * (RFC 6891), ANY (RFC 8482), CHAOS identity, truncation. Allocation-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/query/wire.h"
#include "zones/zone.h"

/* What the answerer needs besides the query. All pointers borrowed. */
typedef struct gw_answer_env {
	const zone_t *zone; /* the zone served; NULL answers SERVFAIL */
	/* Several zones (zone_count > 0; zone then unused): each query is
	 * answered from the one whose apex is the longest suffix of its
	 * name (zone_pick()); a name in none is REFUSED. Borrowed array. */
	const zone_t *const *zones;
	size_t zone_count;
	uint16_t udp_payload; /* our EDNS UDP payload size (512..4096) */
	const char *identity; /* id.server / hostname.bind TXT, NULL = REFUSED */
	const char *version;  /* version.bind / version.server TXT, NULL = REFUSED */
	/* A query that carries TSIG is left to the server (GW_ANSWER_SPECIAL)
	 * unless the server verified it and asks again with tsig_checked,
	 * keeping tsig_reserve octets free for the TSIG of the reply. */
	bool tsig_checked;
	uint16_t tsig_reserve;
	/* Octets kept free after the OPT of a reply to a query with a COOKIE
	 * option, for the server cookie the caller adds (guard.h); 0 when
	 * the server gives no cookies. */
	uint16_t cookie_reserve;
	/* Octets kept free after the OPT of a reply to a query with an NSID
	 * option, for the option with identity the caller adds (RFC 5001,
	 * gateway/server/reply_opt.c); 0 when identity is not set. */
	uint16_t nsid_reserve;
} gw_answer_env_t;

/* The outcome, for statistics and logging. */
typedef enum {
	GW_ANSWER_DROP = 0, /* nothing to send (a response, or garbage) */
	GW_ANSWER_SENT,     /* a reply is in out */
	GW_ANSWER_SPECIAL,  /* nothing written: NOTIFY, IXFR, AXFR over TCP, or a
	                       query with TSIG, which the server answers off the
	                       query path (TSIG, journal, transfers); q is parsed */
} gw_answer_result_t;

/* Answer the query in pkt (len octets) into out (outcap octets, at least
 * 512). tcp selects the size limit (UDP: the client's EDNS size capped by
 * ours, 512 without EDNS; TCP: outcap). On return *outlen is the reply
 * length, 0 when the query is dropped. q receives the parsed query (for
 * the caller's dispatch and logs); q->qname points into pkt. */
gw_answer_result_t gw_answer(const gw_answer_env_t *env, const uint8_t *pkt, size_t len, bool tcp,
                             uint8_t *out, size_t outcap, size_t *outlen, gw_query_t *q);

/* The largest UDP reply q may get: the client's size (512 without EDNS),
 * no more than our own udp_payload. */
size_t gw_answer_udp_limit(const gw_answer_env_t *env, const gw_query_t *q);

/* Write a header-only (or question-only, when the question parsed) error
 * reply for q with rcode into out. Returns the length, 0 if outcap is too
 * small. Used for FORMERR/NOTIMP/REFUSED from outside the answerer. */
size_t gw_answer_error(const gw_query_t *q, bool with_question, uint8_t rcode, uint8_t *out,
                       size_t outcap, uint16_t udp_payload);
