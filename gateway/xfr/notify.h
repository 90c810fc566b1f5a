/* NOTIFY (RFC 1996).
 *
 * Out: on every serial change the secondaries of transfer.notify get a
 * NOTIFY for the zone's SOA over UDP (signed when their entry names a
 * key), resent after 2, 4, 8 and 16 seconds until a matching answer comes
 * (five tries in all; both are options); a newer serial replaces one
 * still waiting. Each NOTIFY under way holds a socket of its own; the
 * notifiers of a pool hold at most its max at once, and a NOTIFY beyond
 * that waits its turn.
 *
 * In: a NOTIFY sent to us is answered (QR, AA, the question echoed) when
 * it names our zone, NOTAUTH otherwise, and logged; the gateway is the
 * primary, so it does nothing else with it. A signed NOTIFY is verified
 * first (NOTAUTH with the TSIG error when it fails) and the answer
 * signed. Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <ev.h>

#include "gateway/config/config.h" /* gw_notify_target_t */
#include "gateway/xfr/tsig.h"
#include "gateway/query/wire.h"
#include "zones/zone.h"

typedef struct gw_notify gw_notify_t;
struct notify_target;

/* The sockets of every notifier that names the pool: at most max open at
 * once, so that many zones with many secondaries cannot take the
 * descriptors the rest of the daemon keeps (TCP_FD_RESERVE). A NOTIFY
 * that finds none free waits, oldest first, and goes out when one is
 * given back. The caller owns the storage; it must outlive every
 * notifier that names it. Loop thread only. */
typedef struct gw_notify_pool {
	unsigned max;                      /* sockets open at once, at most */
	unsigned used;                     /* open now */
	struct notify_target *head, *tail; /* borrowed: the waiting targets, oldest first */
	bool draining;                     /* handing sockets to waiting targets now */
} gw_notify_pool_t;

#define GW_NOTIFY_SOCKETS_MAX 32 /* the daemon's pool: half the descriptors kept spare */

/* An empty pool of max sockets (at least 1). */
void gw_notify_pool_init(gw_notify_pool_t *pool, unsigned max);

#define GW_NOTIFY_TRIES       5   /* sends of one serial to one target, in all */
#define GW_NOTIFY_FIRST_RETRY 2.0 /* seconds before the first resend; then doubling */

/* What the notifier needs; the daemon fills it from the configuration.
 * Everything pointed at is borrowed and must outlive the notifier. */
typedef struct gw_notify_opts {
	const gw_notify_target_t *targets; /* borrowed: target_count entries (transfer.notify) */
	size_t target_count;
	const gw_tsig_keyring_t *keys; /* borrowed: the keys the targets' indices name */
	double first_retry;            /* seconds; 0: GW_NOTIFY_FIRST_RETRY */
	unsigned tries;                /* 0: GW_NOTIFY_TRIES */
	/* borrowed: the sockets it shares with other notifiers; NULL: a pool
	 * of its own of GW_NOTIFY_SOCKETS_MAX */
	gw_notify_pool_t *pool;
} gw_notify_opts_t;

/* A notifier for the targets of opts. Resends after first_retry seconds,
 * doubling, until tries sends. On success *out owns the notifier.
 * GW_ENOMEM. */
int gw_notify_new(gw_notify_t **out, struct ev_loop *loop, const gw_notify_opts_t *opts);

/* The zone has a new serial: NOTIFY every target (zone is read now, not
 * kept). */
void gw_notify_send(gw_notify_t *n, const zone_t *zone);

/* Counters, for tests. */
typedef struct gw_notify_stats {
	uint64_t sent, acked, failed;
	uint64_t queued; /* NOTIFYs that waited for a socket of the pool */
} gw_notify_stats_t;
void gw_notify_get_stats(const gw_notify_t *n, gw_notify_stats_t *st);

/* One target as the notifier last saw it (control socket, status page). */
typedef struct gw_notify_target_info {
	char addr[80];              /* the target, "ADDR@PORT" as configured */
	struct sockaddr_storage sa; /* the same, as a socket address */
	const char *key;          /* borrowed from the keyring: the TSIG key name; NULL: unsigned */
	time_t last_sent;         /* wall clock of the last NOTIFY sent (any try); 0: never */
	uint32_t sent_serial;     /* the serial it announced */
	unsigned tries;           /* sends of that serial so far */
	bool pending;             /* still waiting for an answer */
	time_t last_answer;       /* wall clock of the last answer that matched; 0: never */
	uint32_t answered_serial; /* the serial that answer was for */
	/* static: "acknowledged", "error rcode" (rcode in rcode), "no answer"
	 * (every try sent in vain), "no socket", "pending", "queued" (waiting
	 * for a socket of the pool; pending too), or "never sent" */
	const char *result;
	unsigned rcode; /* the last answer's rcode */
} gw_notify_target_info_t;

/* The targets in configuration order: copies min(cap, count) into out
 * (may be NULL with cap 0) and returns the count. */
size_t gw_notify_targets(const gw_notify_t *n, gw_notify_target_info_t *out, size_t cap);

/* Accepts NULL. */
void gw_notify_free(gw_notify_t *n);

/* The answer to the NOTIFY q (in pkt, len octets) from peer_text, into out
 * (cap octets), with an OPT carrying udp_payload when q had one. zone may
 * be NULL (NOTAUTH). Returns the length, 0 for no answer. */
size_t gw_notify_answer(const gw_tsig_keyring_t *keys, const zone_t *zone, const gw_query_t *q,
                        const uint8_t *pkt, size_t len, const char *peer_text, time_t now,
                        uint16_t udp_payload, uint8_t *out, size_t cap);
