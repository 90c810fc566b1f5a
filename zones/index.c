/* A hash index over the zone's nodes, beside the sorted array: an exact
 * lookup (most queries) costs one hash and one or two probes instead of a
 * binary search over long keys with a cache miss at every step. Open
 * addressing with linear probing and backward-shift deletion (no
 * tombstones), load kept at or below one half. The table is sized before a
 * change commits, so the commit itself never allocates. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/word.h"
#include "zones/internal.h"

#define INDEX_MIN_CAP 64

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 32);
}

/* Keys are a few tens of octets: eight at a time, multiply and fold the
 * high half down (slots are taken from the low bits). Loads stay inside
 * the key: the last, partial word is read ending at its last octet. */
static uint64_t key_hash(const uint8_t *key, size_t len)
{
	uint64_t h = len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8)
		h = mix(h, gw_load64le(key + i));
	size_t tail = len - i;
	if (tail > 0) {
		uint64_t w = 0;
		if (len >= 8) {
			w = gw_load64le(key + len - 8) >> (8 * (8 - tail));
		} else {
			for (size_t k = 0; k < tail; k++)
				w |= (uint64_t)key[i + k] << (8 * k);
		}
		h = mix(h, w);
	}
	return mix(h, 0);
}

const zone_node_t *zone_index_find(const zone_t *zone, const uint8_t *key, size_t key_len)
{
	if (zone->hcap == 0)
		return NULL;
	size_t mask = zone->hcap - 1;
	for (size_t i = (size_t)key_hash(key, key_len) & mask;; i = (i + 1) & mask) {
		const zone_node_t *n = zone->hslots[i];
		if (n == NULL)
			return NULL;
		if (n->key_len == key_len && memcmp(n->key, key, key_len) == 0)
			return n;
	}
}

static void put(zone_node_t **slots, size_t cap, zone_node_t *node)
{
	size_t mask = cap - 1;
	size_t i = (size_t)key_hash(node->key, node->key_len) & mask;
	while (slots[i] != NULL)
		i = (i + 1) & mask;
	slots[i] = node;
}

int zone_index_reserve(zone_t *zone, size_t count)
{
	if (count * 2 <= zone->hcap)
		return GW_OK;
	size_t cap = zone->hcap ? zone->hcap : INDEX_MIN_CAP;
	while (cap < count * 2)
		cap *= 2;
	zone_node_t **slots = zone_calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < zone->count; i++)
		put(slots, cap, zone->nodes[i]);
	free(zone->hslots);
	zone->hslots = slots;
	zone->hcap = cap;
	return GW_OK;
}

void zone_index_insert(zone_t *zone, zone_node_t *node)
{
	put(zone->hslots, zone->hcap, node);
}

void zone_index_remove(zone_t *zone, const zone_node_t *node)
{
	size_t mask = zone->hcap - 1;
	size_t i = (size_t)key_hash(node->key, node->key_len) & mask;
	while (zone->hslots[i] != node) {
		if (zone->hslots[i] == NULL)
			return;
		i = (i + 1) & mask;
	}
	/* Backward shift: pull later members of the probe run into the hole
	 * so that lookups never stop early at it. */
	size_t hole = i;
	for (size_t j = (i + 1) & mask; zone->hslots[j] != NULL; j = (j + 1) & mask) {
		size_t home =
		    (size_t)key_hash(zone->hslots[j]->key, zone->hslots[j]->key_len) & mask;
		/* Movable when its home is not in the cyclic range (hole, j]. */
		bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!in_range) {
			zone->hslots[hole] = zone->hslots[j];
			hole = j;
		}
	}
	zone->hslots[hole] = NULL;
}
