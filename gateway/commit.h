/* gateway/: applying the mirror's batches to the served zone, unsigned:
 * zone_apply() and a serial bump. The signer will take this place when
 * the zone is signed; the mirror only sees a gw_mirror_commit_fn. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/zoneref.h"

typedef struct gw_commit {
	gw_zoneref_t *const *zone; /* borrowed: the daemon's current zone, read at each commit */
	uint8_t **names;           /* owned: the zone's own names before the mirror, sorted */
	size_t name_count;
} gw_commit_t;

/* Caller owns the storage of c. zone points at the daemon's pointer to the
 * served zone (which a reload replaces). The names the zone holds now are
 * remembered as not the mirror's (see gw_commit_reserved). GW_OK or
 * GW_ENOMEM. */
int gw_commit_init(gw_commit_t *c, gw_zoneref_t *const *zone);

/* Free what c holds. Accepts an already deinitialised one. */
void gw_commit_deinit(gw_commit_t *c);

/* The zone was replaced by a reload: remember the new zone's own names.
 * Call before gw_mirror_resync(). GW_OK or GW_ENOMEM. */
int gw_commit_zone_replaced(gw_commit_t *c);

/* gw_mirror_commit_fn: apply cs to the zone and, when anything changed,
 * move the SOA serial forward (zone_serial_next, proposing the clock).
 * arg is a gw_commit_t. Errors of zone_apply(); the zone is then
 * unchanged. */
int gw_commit_apply(void *arg, const zone_changeset_t *cs);

/* gw_mirror_reserved_fn: true when name is one of the zone's own names
 * (from the zone file or the built-in apex records). arg is a gw_commit_t. */
bool gw_commit_reserved(void *arg, const uint8_t *name);
