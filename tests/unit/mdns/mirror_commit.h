/* The mirror's commit for its unit tests: zone_apply() and a serial bump on
 * an unsigned zone, and the zone's own names as reserved. The daemon
 * commits through gateway/zonemgr.c instead; the mirror only sees a
 * mdns_mirror_commit_fn either way. And zone_has_rr(), the check on a zone
 * the mirror tests share. Header-only: included by mirror_fixture.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gateway/zonemgr/zoneref.h"

typedef struct gw_commit {
	gw_zoneref_t *const *zone; /* borrowed: the daemon's current zone, read at each commit */
	uint8_t **names;           /* owned: the zone's own names before the mirror, sorted */
	size_t name_count;
} gw_commit_t;

/* Caller owns the storage of c. zone points at the daemon's pointer to the
 * served zone (which a reload replaces). The names the zone holds now are
 * remembered as not the mirror's (see gw_commit_reserved). GW_OK or
 * GW_ENOMEM. */

/* Free what c holds. Accepts an already deinitialised one. */

/* mdns_mirror_commit_fn: apply cs to the zone and, when anything changed,
 * move the SOA serial forward (zone_serial_next, proposing the clock).
 * arg is a gw_commit_t. Errors of zone_apply(); the zone is then
 * unchanged. */

/* mdns_mirror_reserved_fn: true when name is one of the zone's own names
 * (from the zone file or the built-in apex records). arg is a gw_commit_t. */

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "zone_util.h"

static int cmp_names(const void *a, const void *b)
{
	return zone_name_cmp(*(uint8_t *const *)a, *(uint8_t *const *)b);
}

static void free_names(gw_commit_t *c)
{
	for (size_t i = 0; i < c->name_count; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->name_count = 0;
}

/* Snapshot of the names the zone holds before the mirror adds any: data
 * from the link must never merge into, or later remove, the operator's
 * records. */
static int snapshot(gw_commit_t *c)
{
	const zone_t *zone = (*c->zone)->zone;
	size_t n = zone_node_count(zone), k = 0;
	uint8_t **names = calloc(n > 0 ? n : 1, sizeof(*names));
	if (names == NULL)
		return GW_ENOMEM;
	for (const zone_node_t *node = zone_first(zone); node != NULL && k < n;
	     node = zone_next(zone, node)) {
		names[k] = malloc(node->owner_len);
		if (names[k] == NULL) {
			for (size_t i = 0; i < k; i++)
				free(names[i]);
			free(names);
			return GW_ENOMEM;
		}
		memcpy(names[k++], node->owner, node->owner_len);
	}
	qsort(names, k, sizeof(*names), cmp_names);
	free_names(c);
	c->names = names;
	c->name_count = k;
	return GW_OK;
}

static int gw_commit_init(gw_commit_t *c, gw_zoneref_t *const *zone)
{
	c->zone = zone;
	c->names = NULL;
	c->name_count = 0;
	return snapshot(c);
}

static void gw_commit_deinit(gw_commit_t *c)
{
	free_names(c);
}

static int gw_commit_apply(void *arg, const zone_changeset_t *cs)
{
	gw_commit_t *c = arg;
	zone_t *zone = (*c->zone)->zone;
	zone_change_t *changed = NULL;
	size_t count = 0;
	uint32_t serial = 0;
	int ret = zone_serial(zone, &serial);
	if (ret != GW_OK)
		return ret;
	ret = zone_apply(zone, cs, &changed, &count);
	if (ret != GW_OK)
		return ret;
	free(changed);
	if (count == 0)
		return GW_OK;
	/* Every change moves the serial, so that transfers in progress stop
	 * and secondaries follow (the clock keeps it ahead across restarts). */
	uint32_t next = zone_serial_next(serial, (uint32_t)gw_clock_wall());
	ret = zone_set_serial(zone, next);
	if (ret == GW_OK)
		gw_debug("zone: %zu RRsets changed by the mirror, serial %u", count, next);
	return ret;
}

static bool gw_commit_reserved(void *arg, const uint8_t *name)
{
	const gw_commit_t *c = arg;
	return bsearch(&name, c->names, c->name_count, sizeof(*c->names), cmp_names) != NULL;
}

/* Is the RR (text, absolute names) in the zone, with its TTL? */
static inline bool zone_has_rr(const zone_t *zone, const char *text)
{
	ldns_rr *want = trr(text);
	uint8_t owner[ZONE_NAME_MAXLEN];
	bool found = false;
	char *ostr = ldns_rdf2str(ldns_rr_owner(want));
	const zone_node_t *node = zone_find(zone, tname(owner, ostr));
	free(ostr);
	const zone_rrset_t *rs =
	    node ? zone_node_rrset(node, (uint16_t)ldns_rr_get_type(want)) : NULL;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	while (rs != NULL && !found && zone_rrset_next(rs, &pos, &rd, &rdlen)) {
		ldns_rr *got = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&got, node, rs, rd, rdlen) == GW_OK);
		found = ldns_rr_compare(got, want) == 0 && ldns_rr_ttl(got) == ldns_rr_ttl(want);
		ldns_rr_free(got);
	}
	ldns_rr_free(want);
	return found;
}
