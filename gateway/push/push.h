/* DNS Push Notifications (RFC 8765) over DNS Stateful Operations (RFC
 * 8490): the DSO sessions of stream connections, their subscriptions, and
 * the PUSH messages that a zone commit sends to them. Transport-agnostic:
 * the server (gateway/server/tcp.c) gives each session a function that
 * queues one message on its connection, plain TCP or TLS alike. Loop
 * thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/zonemgr/zoneref.h"
#include "zones/zone.h"

typedef struct gw_push gw_push_t;
typedef struct gw_push_session gw_push_session_t;

typedef struct gw_push_opts {
	uint32_t inactivity_ms;     /* announced inactivity timeout (RFC 8490 6.2) */
	uint32_t keepalive_ms;      /* announced keepalive interval (RFC 8490 6.5) */
	uint32_t retry_delay_ms;    /* in RETRY DELAY when a session is refused */
	unsigned max_sessions;      /* DSO sessions at once */
	unsigned max_subscriptions; /* subscriptions at once, every session */
	unsigned max_per_session;   /* subscriptions of one session */
} gw_push_opts_t;

/* Queue msg (len octets, without the TCP length prefix) on the session's
 * connection. GW_OK, or an error (the connection is over its output
 * bound, or out of memory): the connection then closes soon, and frees
 * its session. */
typedef int (*gw_push_send_fn)(void *conn, const uint8_t *msg, size_t len);

/* A new push service answering for zone (a reference is taken, see
 * gw_push_set_zone()). opts copied. GW_OK or GW_ENOMEM. */
int gw_push_new(gw_push_t **out, const gw_push_opts_t *opts, gw_zoneref_t *zone);

/* The zone the initial answers come from, from now on (reference taken,
 * the old one dropped; NULL: SUBSCRIBE answers SERVFAIL). */
void gw_push_set_zone(gw_push_t *p, gw_zoneref_t *zone);

/* Several zones (count, borrowed array; references taken, the old ones
 * dropped): a SUBSCRIBE is for the zone holding its name (the longest
 * apex suffix), NOTAUTH in none. GW_OK or GW_ENOMEM (nothing changed). */
int gw_push_set_zones(gw_push_t *p, gw_zoneref_t *const *zones, size_t count);

/* Accepts NULL. Every session must have been freed first. */
void gw_push_free(gw_push_t *p);

/* A commit changed the zone by diff (gateway/zonemgr: the same diff the
 * journal receives): every subscriber of a changed RR gets one PUSH (or
 * several when it exceeds a message) before this returns. */
void gw_push_commit(gw_push_t *p, const zone_rrdiff_t *diff);

/* What gw_push_session_message() asks of the connection. */
typedef enum {
	GW_PUSH_KEEP = 0, /* go on */
	GW_PUSH_CLOSE,    /* close once what was queued is written (a FORMERR, a refusal) */
	GW_PUSH_ABORT,    /* a fatal error (RFC 8490 5.3.1): abort at once, TCP RST, nothing sent */
} gw_push_verdict_t;

/* The session of one connection, made at its first DSO message. send and
 * conn are kept for the session's life. GW_OK or GW_ENOMEM. */
int gw_push_session_new(gw_push_session_t **out, gw_push_t *p, gw_push_send_fn send, void *conn);

/* Handle one DSO message (opcode 6) of the session's client, received at
 * now (the loop's clock, seconds): responses and PUSH messages go out
 * through send. */
gw_push_verdict_t gw_push_session_message(gw_push_session_t *s, const uint8_t *pkt, size_t len,
                                          double now);

/* Another (non-DSO) whole message of the client at now: activity that
 * restarts the inactivity timer (RFC 8490 6.3). Accepts NULL. */
void gw_push_session_touch(gw_push_session_t *s, double now);

/* Whether the session is established (a DSO request was answered
 * NOERROR): the connection's own idle timeout no longer applies. */
bool gw_push_session_established(const gw_push_session_t *s);

/* When the connection should be aborted, given the time of its last
 * traffic (a whole message from the client, or our output moving): the
 * keepalive interval twice over after the last traffic; and, while no
 * subscription is active, the inactivity timeout twice over (at least
 * 5 s) after the last message that was not a KEEPALIVE, whichever comes
 * first (RFC 8490 6.3, 6.4.1, 6.5.1: a KEEPALIVE restarts only the
 * keepalive timer). */
double gw_push_session_deadline(const gw_push_session_t *s, double last_traffic);

/* Drop the session and its subscriptions (the connection closed).
 * Accepts NULL. */
void gw_push_session_free(gw_push_session_t *s);

/* Counters (metrics, status, tests). */
typedef struct gw_push_stats {
	uint64_t sessions;      /* open now */
	uint64_t subscriptions; /* active now */
	uint64_t pushes;        /* PUSH messages sent */
	uint64_t refused;       /* SUBSCRIBE or sessions refused at a limit */
	uint64_t errors;        /* sessions closed for a protocol error */
	uint64_t reconfirms;    /* RECONFIRM messages received */
} gw_push_stats_t;
void gw_push_get_stats(const gw_push_t *p, gw_push_stats_t *st);
