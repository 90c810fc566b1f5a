/* A reference-counted handle on a served zone, so that a reload can
 * replace the zone while a transfer still streams the old one, and so
 * that a transfer under way hears of every commit to it (each commit
 * changes the zone in place). Loop thread only. */
#pragma once

#include "zones/zone.h"

/* A watcher of the commits to a zone: changed() runs after each, with
 * the zone as it is now and what the commit removed and added. */
typedef struct gw_zoneref_watch gw_zoneref_watch_t;
struct gw_zoneref_watch {
	void (*changed)(gw_zoneref_watch_t *w, const zone_t *zone, const zone_rrdiff_t *diff);
	gw_zoneref_watch_t *prev, *next; /* the zoneref's list; not owned */
};

typedef struct gw_zoneref {
	zone_t *zone; /* owned: freed with the last reference */
	unsigned refs;
	gw_zoneref_watch_t *watches; /* not owned: each removed by its owner */
	/* zone_octets() of the zone, once asked for, kept up to date by
	 * each commit's diff: every IXFR weighs the journal against it. */
	uint64_t octets;
	bool octets_known;
} gw_zoneref_t;

/* Wrap zone (taking ownership) with one reference held by the caller.
 * GW_OK or GW_ENOMEM (zone is then freed). */
int gw_zoneref_new(gw_zoneref_t **out, zone_t *zone);

/* Take another reference; returns ref. Accepts NULL. */
gw_zoneref_t *gw_zoneref_get(gw_zoneref_t *ref);

/* Drop a reference; the last one frees the zone. Accepts NULL. */
void gw_zoneref_put(gw_zoneref_t *ref);

/* Add w (borrowed until gw_zoneref_unwatch(), which its owner calls
 * before w goes; w->changed set) to the watchers of ref. */
void gw_zoneref_watch(gw_zoneref_t *ref, gw_zoneref_watch_t *w);
void gw_zoneref_unwatch(gw_zoneref_t *ref, gw_zoneref_watch_t *w);

/* zone_octets() of ref's zone: walked once, then followed commit by
 * commit (gw_zoneref_changed()). */
uint64_t gw_zoneref_octets(gw_zoneref_t *ref);

/* A commit changed ref's zone by diff: tell each watcher. A watcher may
 * not add or remove watchers from changed(). */
void gw_zoneref_changed(gw_zoneref_t *ref, const zone_rrdiff_t *diff);
