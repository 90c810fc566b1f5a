/* A reference-counted handle on a served zone, so that a reload can
 * replace the zone while a transfer still streams the old one. Loop
 * thread only. */
#pragma once

#include "zones/zone.h"

typedef struct gw_zoneref {
	zone_t *zone; /* owned: freed with the last reference */
	unsigned refs;
} gw_zoneref_t;

/* Wrap zone (taking ownership) with one reference held by the caller.
 * GW_OK or GW_ENOMEM (zone is then freed). */
int gw_zoneref_new(gw_zoneref_t **out, zone_t *zone);

/* Take another reference; returns ref. Accepts NULL. */
gw_zoneref_t *gw_zoneref_get(gw_zoneref_t *ref);

/* Drop a reference; the last one frees the zone. Accepts NULL. */
void gw_zoneref_put(gw_zoneref_t *ref);
