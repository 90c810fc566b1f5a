/* What the daemon shows of itself: the running parts the control socket,
 * the metrics and the status page read. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "gateway/config/config.h"
#include "gateway/push/push.h"
#include "gateway/server/server.h"
#include "gateway/xfr/notify.h"
#include "gateway/zonemgr/zonemgr.h"
#include "mdns/mirror.h"

/* One zone served, as the view shows it. */
typedef struct gw_view_zone {
	gw_zonemgr_t *mgr;   /* borrowed: the zone, its keys and journal */
	const char *name;    /* borrowed: "campus.test." */
	gw_notify_t *notify; /* borrowed: its NOTIFY; NULL: none */
	/* Borrowed: how it is signed (dnskey-ttl for its DS); NULL: cfg's
	 * top-level dnssec. */
	const gw_dnssec_config_t *dnssec;
} gw_view_zone_t;

/* Owned by the daemon, which keeps it current (a reload replaces cfg);
 * readers keep a pointer to the view, never a copy of a field. Every
 * pointer is borrowed; one is NULL while that part is not running. */
typedef struct gw_view {
	const gw_config_t *cfg; /* borrowed: the configuration in force */
	gw_server_t *server;    /* borrowed */
	gw_zonemgr_t *zones;    /* borrowed: the first zone, its keys and journal */
	mdns_mirror_t *mirror;  /* borrowed */
	gw_notify_t *notify;    /* borrowed: NOTIFY to the secondaries */
	gw_push_t *push;        /* borrowed: DNS Push; NULL when off */
	time_t started;         /* wall clock (gw_clock_wall) at start */
	uint64_t started_ns;    /* gw_clock_mono_ns() at start, for the uptime */
	uint64_t reloads;       /* configuration reloads applied */
	/* Borrowed: every zone served, in the configuration's order
	 * (zone_list[0] is zones'); zone_count 0: zones alone, named by
	 * cfg's zone.domain_str. */
	const gw_view_zone_t *zone_list;
	size_t zone_count;
} gw_view_t;

/* How many zones v shows. */
static inline size_t gw_view_zones(const gw_view_t *v)
{
	return v->zone_count > 0 ? v->zone_count : v->zones != NULL ? 1 : 0;
}

/* Zone i (< gw_view_zones(v)) of v. */
static inline gw_view_zone_t gw_view_zone(const gw_view_t *v, size_t i)
{
	if (v->zone_count > 0)
		return v->zone_list[i];
	return (gw_view_zone_t){.mgr = v->zones,
	                        .name = v->cfg != NULL ? v->cfg->zone.domain_str : "",
	                        .notify = v->notify};
}

/* The zone of v named name ("campus.test." or without the final dot, any
 * case; NULL: the first), false when v shows none of that name. */
bool gw_view_zone_find(const gw_view_t *v, const char *name, gw_view_zone_t *out);

/* NOTIFY's counters summed over every zone of v. */
void gw_view_notify_stats(const gw_view_t *v, gw_notify_stats_t *st);
