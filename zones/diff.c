/* The difference between two zones as a changeset: what turns one into the
 * other. Used to apply a reloaded zone file through the same path as every
 * other change (signed incrementally, one serial bump). */
#include <string.h>

#include "common/error.h"
#include "zones/internal.h"
#include "zones/zone.h"

static bool rrset_has(const zone_rrset_t *rs, const uint8_t *rd, uint16_t len)
{
	uint32_t pos = 0;
	const uint8_t *d;
	uint16_t l;
	while (zone_rrset_next(rs, &pos, &d, &l)) {
		if (l == len && memcmp(d, rd, len) == 0)
			return true;
	}
	return false;
}

/* Queue every RR of rs (at node) that other lacks (every RR when all). */
static int queue_rrs(zone_changeset_t *cs, bool add, const zone_node_t *node,
                     const zone_rrset_t *rs, const zone_rrset_t *other, bool all)
{
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	while (zone_rrset_next(rs, &pos, &rd, &len)) {
		if (!all && other != NULL && rrset_has(other, rd, len))
			continue;
		ldns_rr *rr = NULL;
		int ret = zone_rr_to_ldns(&rr, node, rs, rd, len);
		if (ret != GW_OK)
			return ret;
		ret = add ? zone_changeset_add(cs, rr) : zone_changeset_remove(cs, rr);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

/* Queue the RRs of node that other (the same name on the other side, or
 * NULL) lacks: removals, or with add, additions. */
static int diff_side(zone_changeset_t *cs, bool add, const zone_node_t *node,
                     const zone_node_t *other, zone_diff_skip_fn skip, void *arg)
{
	int ret = GW_OK;

	for (uint16_t i = 0; i < node->rrset_count && ret == GW_OK; i++) {
		const zone_rrset_t *rs = &node->rrsets[i];
		if (skip != NULL && skip(rs->type, arg))
			continue;
		const zone_rrset_t *ro = other ? zone_node_rrset(other, rs->type) : NULL;
		/* A new TTL is a change of the whole RRset: re-adding every RR
		 * carries it (the added TTL wins). */
		bool all = ro == NULL || (add && ro->ttl != rs->ttl);
		ret = queue_rrs(cs, add, node, rs, ro, all);
	}
	return ret;
}

static int diff_node(zone_changeset_t *cs, const zone_node_t *a, const zone_node_t *b,
                     zone_diff_skip_fn skip, void *arg)
{
	int ret = a != NULL ? diff_side(cs, false, a, b, skip, arg) : GW_OK;

	if (ret == GW_OK && b != NULL)
		ret = diff_side(cs, true, b, a, skip, arg);
	return ret;
}

int zone_diff_walk(zone_node_next_fn next_from, void *from, const zone_t *to,
                   zone_diff_skip_fn skip, void *arg, zone_changeset_t *cs)
{
	/* to by index: zone_next() searches for each node. */
	const zone_node_t *a = NULL;
	size_t bi = 0;
	const zone_node_t *b = zone_node_at(to, bi);
	int ret = next_from(from, &a);
	while ((a != NULL || b != NULL) && ret == GW_OK) {
		int c = a == NULL   ? 1
		        : b == NULL ? -1
		                    : zone_key_cmp(a->key, a->key_len, b->key, b->key_len);
		ret = diff_node(cs, c <= 0 ? a : NULL, c >= 0 ? b : NULL, skip, arg);
		if (ret == GW_OK && c <= 0)
			ret = next_from(from, &a);
		if (c >= 0)
			b = zone_node_at(to, ++bi);
	}
	return ret;
}

int zone_index_walk_next(void *ctx, const zone_node_t **node)
{
	zone_index_walk_t *w = ctx;
	*node = zone_node_at(w->zone, w->next);
	if (*node != NULL)
		w->next++;
	return GW_OK;
}

int zone_diff(const zone_t *from, const zone_t *to, zone_diff_skip_fn skip, void *arg,
              zone_changeset_t *cs)
{
	zone_index_walk_t w = {.zone = from};
	return zone_diff_walk(zone_index_walk_next, &w, to, skip, arg, cs);
}
