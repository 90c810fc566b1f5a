/* Private to the push module: the subscription table (subs.c) and the
 * sessions (session.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "gateway/push/push.h"

/* RFC 8765 6.3.1: a PUSH message is at most 16,382 octets (16 KiB with
 * the TCP length prefix). */
#define PUSH_MSG_MAX 16382

/* One subscription: a session's (name, type, class), in the table's hash
 * chain of its name and in its session's list. */
typedef struct sub {
	gw_push_session_t *s;    /* borrowed: the session that holds it */
	struct sub *hnext;       /* the next of its hash chain */
	struct sub **hpprev;     /* what points at it in the chain: removed at once */
	struct sub *prev, *next; /* the session's list */
	uint32_t hash;
	uint16_t id; /* the SUBSCRIBE's message ID (UNSUBSCRIBE names it) */
	uint16_t type, rrclass;
	uint8_t name_len;
	uint8_t name[]; /* lowercase wire form */
} sub_t;

struct gw_push_session {
	gw_push_t *p;         /* borrowed */
	gw_push_send_fn send; /* to the connection */
	void *conn;           /* borrowed: the connection */
	bool established;
	bool clocked;     /* active_at set */
	double active_at; /* the last message that was not a KEEPALIVE (RFC 8490 6.3) */
	sub_t *subs;      /* owned: the session's subscriptions */
	unsigned sub_count;
	gw_push_session_t *prev, *next; /* p->sessions */
	/* The PUSH being built by gw_push_commit(): a whole DSO message
	 * (header, PUSH TLV header, RRs). */
	uint8_t *pend; /* owned while the commit runs */
	size_t pend_len;
	size_t last_rr;             /* 1 + index of the last RR added (no duplicates) */
	gw_push_session_t *touched; /* the commit's list of sessions with a PUSH */
	bool in_touched;
};

struct gw_push {
	gw_push_opts_t opts;
	/* The zones answered for: zone_count references, and their zones
	 * (for zone_pick()) in the same order. Owned arrays. */
	gw_zoneref_t **zones;
	const zone_t **zone_ptrs;
	size_t zone_count;
	sub_t **buckets; /* owned: nbuckets chains */
	size_t nbuckets; /* a power of two */
	uint32_t seed;   /* random: which names share a chain is not the clients' to choose */
	gw_push_session_t *sessions;
	gw_push_stats_t stats;
	gw_log_limit_t lim_sessions, lim_subs, lim_errors, lim_reconfirm;
};

/* The zone holding name (lowercase wire), NULL when none does. */
const zone_t *push_zone_of(const gw_push_t *p, const uint8_t *name);

/* FNV-1a of a lowercase wire name, from a basis mixed with seed. */
uint32_t push_name_hash(uint32_t seed, const uint8_t *lower, size_t len);

/* Add a subscription for s (name lowercase); GW_OK or GW_ENOMEM. */
int push_sub_add(gw_push_session_t *s, uint16_t id, const uint8_t *lower, size_t len, uint16_t type,
                 uint16_t rrclass, sub_t **out);
/* The subscription of s with message ID id, or NULL. */
sub_t *push_sub_find(gw_push_session_t *s, uint16_t id);
void push_sub_remove(sub_t *sub);

/* Does a subscription to (type, rrclass) cover an RR of rrtype in class
 * IN? ANY covers every type but the DNSSEC ones (docs/push.md). */
bool push_sub_covers(uint16_t type, uint16_t rrclass, uint16_t rrtype);

/* Send the current answers of sub in PUSH messages (after its SUBSCRIBE
 * response). GW_OK or the send error. */
int push_initial(gw_push_session_t *s, const sub_t *sub);
