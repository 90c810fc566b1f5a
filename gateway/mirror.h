/* gateway/: the mirror, from what mDNS sees on the links to changesets of
 * the unicast zone.
 *
 * Per link it keeps what is known there (the records avahi-core reports,
 * browsed by records: service types, each type's instances, their SRV and
 * TXT, the hosts' A and AAAA) and what is published. Each batch (a short
 * window, cfg->mdns.batch_window_ms) publishes the difference between
 * what should be in the zone and what is, as one changeset handed to the
 * commit function: a flapping device costs nothing net, a failed commit
 * is retried whole.
 *
 *   <instance>.<_type>.<_tcp|_udp>.<link>.<domain>  SRV, TXT
 *   <_type>.<_tcp|_udp>.<link>.<domain>             PTR (browse), and subtypes
 *   <host>.<link>.<domain>                          A, AAAA (filtered)
 *   _services._dns-sd._udp.<link>.<domain>          PTR (types seen there)
 *   b, db, lb._dns-sd._udp.<domain>                 PTR <link>.<domain>
 *
 * TTLs are capped (cfg->mdns.ttl_cap); link-local, loopback (and, with
 * drop_private, RFC 1918 and ULA) addresses are never published, nor a
 * service whose host has none left; every input is limited per link
 * (services, records per name, TXT size, changes per second), with one log
 * line per kind per link per minute. The published records are saved to
 * <state-dir>/mirror.zone and served again at the next start until the
 * warm-up ends; a link that goes down keeps its records for the grace
 * period. Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "gateway/config.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

/* Apply one batch to the served zone. cs is borrowed for the call. Returns
 * GW_OK, or an error: the mirror then keeps the batch as not published and
 * retries it (with later changes) shortly. */
typedef int (*gw_mirror_commit_fn)(void *arg, const zone_changeset_t *cs);

/* True when name (wire) is owned by someone else than the mirror (the
 * static zone): the mirror then never publishes there. */
typedef bool (*gw_mirror_reserved_fn)(void *arg, const uint8_t *name);

typedef struct gw_mirror_opts {
	const gw_config_t *cfg; /* borrowed for the mirror's life */
	gw_mirror_commit_fn commit;
	void *commit_arg;               /* borrowed, passed to commit */
	gw_mirror_reserved_fn reserved; /* may be NULL */
	void *reserved_arg;             /* borrowed, passed to reserved */
	/* false: no avahi-core and no link monitor; records and links come
	 * only through gw_mirror_inject_*() (unit tests). */
	bool discover;
	/* Where the mirrored records are saved; NULL: <state_dir>/mirror.zone.
	 * Borrowed. */
	const char *state_file;
} gw_mirror_opts_t;

typedef struct gw_mirror gw_mirror_t;

/* Create the mirror on loop (nothing runs before gw_mirror_start()). On
 * success *out owns it. GW_ENOMEM, GW_ECONFIG (two links with one
 * subdomain, a subtype that is not "_x._sub._svc._tcp|_udp"), or an
 * error from mdns_new(). */
int gw_mirror_new(gw_mirror_t **out, struct ev_loop *loop, const gw_mirror_opts_t *opts);

/* Load the saved state and commit it at once (so a restart does not blank
 * the zone), start the warm-up timer, then start discovery. Returns GW_OK
 * or the commit's or mdns_start()'s error; an unreadable state file is
 * logged and ignored. */
int gw_mirror_start(gw_mirror_t *m);

/* Save the state if it changed, stop everything, free. The published
 * records stay in the zone (the daemon is going away with it). Accepts
 * NULL. */
void gw_mirror_free(gw_mirror_t *m);

/* The served zone was replaced (reload): everything the mirror wants is
 * committed again, at once. */
void gw_mirror_resync(gw_mirror_t *m);

/* Kinds of refused input, for the stats and the log lines. */
typedef enum {
	GW_MIRROR_REFUSED_SERVICES = 0, /* services per link */
	GW_MIRROR_REFUSED_TYPES,        /* service types per link (same limit) */
	GW_MIRROR_REFUSED_RECORDS,      /* records per name */
	GW_MIRROR_REFUSED_TXT,          /* TXT size */
	GW_MIRROR_REFUSED_RATE,         /* changes per second: deferred, not lost */
	GW_MIRROR_REFUSED_LENGTH,       /* a name too long once rewritten */
	GW_MIRROR_REFUSED_RESERVED,     /* a name on gateway-owned data */
	GW_MIRROR_REFUSED_INVALID,      /* not DNS-SD: bad type, instance or target */
	GW_MIRROR_REFUSED_KINDS
} gw_mirror_refused_t;

typedef struct gw_mirror_stats {
	size_t links_active; /* links up or in their grace period */
	size_t services;     /* instances known, every link */
	size_t known;        /* records known from the links */
	size_t published;    /* records in the zone from the mirror */
	size_t watches;      /* (name, type) browsed */
	uint64_t commits, commit_failures;
	uint64_t refused[GW_MIRROR_REFUSED_KINDS];
	uint64_t filtered; /* addresses not published (link-local, ...) */
} gw_mirror_stats_t;

void gw_mirror_get_stats(const gw_mirror_t *m, gw_mirror_stats_t *st);

/* ---- entry points for tests (no network) --------------------------------- */

/* As if the link monitor / avahi-core had reported it. */
void gw_mirror_inject_link(gw_mirror_t *m, int ifindex, const char *ifname, bool up);
void gw_mirror_inject_record(gw_mirror_t *m, const mdns_record_t *rec);

/* Run the pending batch now instead of at the end of its window. Returns
 * the commit's result (GW_OK when there was nothing to do). */
int gw_mirror_flush(gw_mirror_t *m);

/* True while (ifindex, name, type) is browsed; name is wire. */
bool gw_mirror_is_watched(const gw_mirror_t *m, int ifindex, const uint8_t *name, uint16_t type);
