/* The NSEC3 owners of a zone, in order, beside the node array.
 *
 * RFC 5155 puts hashed owner names one label below the apex, where they
 * sort among the zone's other names: a walk of the NSEC3 chain through the
 * node array would step over every name in between (a whole link's
 * services can sit between two hashes). This second array holds only the
 * nodes one label below the apex that have an NSEC3 RRset, so finding the
 * NSEC3 that matches or covers a hash is one binary search. Like the hash
 * index, it is sized before a change commits and updated by the commit
 * without allocating. */
#include <stdint.h>
#include <stdlib.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "zones/internal.h"

bool zone_hashed_holds(const zone_t *zone, const zone_node_t *node, const zone_rrset_t *rrsets,
                       size_t rrset_count)
{
	if (zone_name_labels(node->owner) != zone->apex_labels + 1)
		return false;
	for (size_t i = 0; i < rrset_count; i++) {
		if (rrsets[i].type == DNS_T_NSEC3)
			return true;
	}
	return false;
}

int zone_hashed_reserve(zone_t *zone, size_t count)
{
	return gw_array_reserve_with(&zone->hashed, &zone->hashed_cap, count, sizeof(*zone->hashed),
	                             16, zone_realloc);
}

size_t zone_hashed_position(const zone_t *zone, const zone_node_t *node)
{
	bool found;
	size_t idx =
	    zone_nodes_search(zone->hashed, zone->hashed_count, node->key, node->key_len, &found);

	return found ? idx : SIZE_MAX;
}

void zone_hashed_compact(zone_t *zone)
{
	size_t w = 0;

	for (size_t r = 0; r < zone->hashed_count; r++) {
		if (zone->hashed[r] != NULL)
			zone->hashed[w++] = zone->hashed[r];
	}
	zone->hashed_count = w;
}

void zone_hashed_insert_sorted(zone_t *zone, const zone_node_t *const *nodes, size_t count)
{
	/* From the back, as the node array does: each run of old entries
	 * moves once. nodes are in key order and none is present yet. */
	size_t old_i = zone->hashed_count;
	size_t w = zone->hashed_count + count;

	for (size_t k = count; k > 0; k--) {
		const zone_node_t *node = nodes[k - 1];
		bool found;
		/* Entries before old_i have not moved yet. */
		size_t pos =
		    zone_nodes_search(zone->hashed, old_i, node->key, node->key_len, &found);
		size_t run = old_i - pos;
		w -= run;
		memmove(&zone->hashed[w], &zone->hashed[pos], run * sizeof(*zone->hashed));
		old_i = pos;
		zone->hashed[--w] = node;
	}
	zone->hashed_count += count;
}

size_t zone_hashed_count(const zone_t *zone)
{
	return zone->hashed_count;
}

const zone_node_t *zone_hashed_at(const zone_t *zone, size_t i)
{
	return i < zone->hashed_count ? zone->hashed[i] : NULL;
}

void zone_hashed_lookup(const zone_t *zone, const uint8_t *name, const zone_node_t **node,
                        const zone_node_t **prev)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	size_t key_len = (size_t)zone_name_key(key, name);
	bool found;

	*node = NULL;
	*prev = NULL;
	if (zone->hashed_count == 0)
		return;
	size_t idx = zone_nodes_search(zone->hashed, zone->hashed_count, key, key_len, &found);
	if (found)
		*node = zone->hashed[idx];
	*prev = zone->hashed[idx > 0 ? idx - 1 : zone->hashed_count - 1];
}

const zone_node_t *zone_hashed_next_wrap(const zone_t *zone, const zone_node_t *node)
{
	bool found;
	size_t idx =
	    zone_nodes_search(zone->hashed, zone->hashed_count, node->key, node->key_len, &found);

	if (zone->hashed_count == 0)
		return NULL;
	if (found)
		idx++;
	return zone->hashed[idx < zone->hashed_count ? idx : 0];
}
