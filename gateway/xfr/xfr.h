/* Zone transfers out over one TCP connection, message by message:
 * - AXFR (RFC 5936): SOA first and last, every other RRset once in
 *   canonical order, with its signatures;
 * - IXFR (RFC 1995 section 4): the newest SOA, then for each journal
 *   entry from the client's serial on the old SOA, the RRs removed, the
 *   new SOA, the RRs added, and the newest SOA again; a client at our
 *   serial (or past it) gets that SOA alone; a serial the journal does
 *   not reach back to gets the whole zone in AXFR form;
 * every message signed when the request was (RFC 8945 5.3.1). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gateway/journal/journal.h"
#include "gateway/xfr/keep.h"
#include "gateway/xfr/tsig.h"
#include "gateway/query/wire.h"
#include "gateway/zonemgr/zoneref.h"

typedef enum {
	GW_XFR_AXFR = 0, /* the whole zone (also the answer to an IXFR we cannot patch) */
	GW_XFR_IXFR,     /* journal entries */
	GW_XFR_SOA,      /* the SOA alone: the client is up to date */
} gw_xfr_mode_t;

/* How a transfer request ended, for the statistics (the server counts
 * them per AXFR and IXFR). */
typedef enum {
	GW_XFR_RESULT_OK = 0,   /* sent whole (AXFR, or IXFR from the journal) */
	GW_XFR_RESULT_CURRENT,  /* IXFR: the client is up to date, the SOA alone */
	GW_XFR_RESULT_FALLBACK, /* IXFR answered in AXFR form (not in the journal) */
	GW_XFR_RESULT_UDP,      /* IXFR over UDP: the SOA, the client retries over TCP */
	GW_XFR_RESULT_REFUSED,  /* access control or TSIG said no */
	GW_XFR_RESULT_ERROR,    /* not our zone, FORMERR, SERVFAIL */
	GW_XFR_RESULT_ABORTED,  /* stopped midway: the zone changed, an error, the
	                           connection closed */
	GW_XFR_RESULTS
} gw_xfr_result_t;

/* Name of a result ("ok", "current", "fallback_axfr", ...), static. */
const char *gw_xfr_result_str(gw_xfr_result_t r);

/* Where an AXFR's body stands in the name under way (gw_xfr_t.cur). */
typedef enum {
	GW_XFR_CUR_NONE = 0, /* none: the next name is to be picked */
	GW_XFR_CUR_ZONE,     /* from the zone, untouched since the transfer began */
	GW_XFR_CUR_KEPT,     /* as kept (keep.h) */
} gw_xfr_cur_t;

typedef struct gw_xfr {
	gw_xfr_mode_t mode;
	gw_zoneref_t *zone; /* one reference, held until deinit */
	int phase;          /* 0 first SOA, 1 body, 2 closing SOA, 3 done */
	uint32_t serial;    /* the SOA serial the transfer started with */
	/* AXFR: the version it began with. The zone changes in place; each
	 * commit is heard (watch), and the names it changes that are still
	 * to be sent are kept as they were (keep.h). */
	gw_zoneref_watch_t watch; /* on zone's list from init to deinit */
	gw_xfr_keep_t keep;
	uint32_t heard; /* the zone's serial after the last commit heard */
	uint8_t *soa;   /* owned: the SOA it began with, for its last RR */
	size_t soa_len;
	/* AXFR: where the body stands. Names up to done are sent (none while
	 * done_set is false); cur is the name under way (from the zone or
	 * from keep, or none), sent up to its RRsets of type next_type. */
	uint8_t done[ZONE_NAME_MAXLEN];
	bool done_set;
	gw_xfr_cur_t cur_from;
	uint8_t cur[ZONE_NAME_MAXLEN];
	uint16_t next_type;
	/* RRs of the RRset of type next_type sent already, when it did not
	 * fit in a message of its own and goes out over several (its RRs,
	 * then its RRSIGs, each in the order keep.h keeps them). */
	uint32_t split_sent;
	uint16_t rrset;         /* from the zone: its next RRset index */
	size_t kept_off;        /* from keep: its next RR's offset */
	size_t index;           /* the zone's first node after done, or cur's */
	uint32_t index_at;      /* the serial at which index was found */
	uint32_t client_serial; /* IXFR: the serial the client has */
	/* Static: why an IXFR is answered with the whole zone ("serial N is
	 * not in the journal", ...); NULL otherwise. */
	const char *whole_why;
	/* IXFR: owned references on the entries to send, oldest first. */
	gw_journal_entry_t **entries;
	size_t entry_count;
	size_t entry;           /* next entry to send */
	size_t offset;          /* next RR in it */
	const uint8_t *new_soa; /* the newest SOA, in the last entry's data */
	size_t new_soa_len;
	gw_tsig_ctx_t tsig; /* tsig.key NULL: messages are not signed */
	uint16_t id;
	uint16_t flags;
	/* The query had an OPT: every message carries one (RFC 6891 7), our
	 * payload in it and DO echoed, before any TSIG. */
	bool opt, opt_do;
	uint16_t opt_payload;
	uint16_t qtype, qclass;
	uint8_t qname[ZONE_NAME_MAXLEN];
	unsigned messages;
	size_t rrs;
} gw_xfr_t;

/* Start an AXFR of zone for query q (already allowed); udp_payload is
 * ours, for the OPT of each message when q had one. Takes a reference on
 * zone and watches its commits until gw_xfr_deinit(): x must stay where
 * it is until then. GW_OK, GW_ENOTFOUND when the zone has no SOA, or
 * GW_ENOMEM. */
int gw_xfr_init(gw_xfr_t *x, gw_zoneref_t *zone, const gw_query_t *q, uint16_t udp_payload);

/* Start the answer to an IXFR query q (already allowed) from a client at
 * client_serial: IXFR from journal (may be NULL), the SOA alone, or AXFR
 * form, as the header says. Takes a reference on zone. GW_OK,
 * GW_ENOTFOUND (no SOA), GW_ENOMEM. */
int gw_xfr_init_ixfr(gw_xfr_t *x, gw_zoneref_t *zone, gw_journal_t *journal, const gw_query_t *q,
                     uint16_t udp_payload, uint32_t client_serial);

/* Sign every message with tsig (a verified request's context, copied). */
void gw_xfr_set_tsig(gw_xfr_t *x, const gw_tsig_ctx_t *tsig);

/* Write the next message into out (cap octets, at most 65535). Returns the
 * message length, 0 when the transfer is complete, or a negative error
 * (GW_ESPACE: an RRset larger than a message; GW_EBUSY: the zone changed
 * under an AXFR by more than it keeps (GW_XFR_KEEP_MAX), which the caller
 * ends so the client retries and gets one consistent version;
 * GW_ECRYPTO: signing failed). */
int gw_xfr_next(gw_xfr_t *x, uint8_t *out, size_t cap);

/* The client serial of an IXFR query: the serial of the SOA in its
 * authority section (RFC 1995 section 3). GW_OK, or GW_EMALFORMED. */
int gw_xfr_ixfr_serial(const uint8_t *pkt, size_t len, const gw_query_t *q, uint32_t *serial);

/* Release the zone reference and the entries. Accepts a zeroed or
 * finished x. */
void gw_xfr_deinit(gw_xfr_t *x);
