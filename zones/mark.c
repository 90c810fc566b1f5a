/* Marks on the served zone's RRsets: which the static records (zone
 * file, apex, the gateway's own) hold. They stand for a second copy of
 * those records, kept only to diff a reload against and to tell the
 * mirror which names are the operator's: at 10 000 services that copy
 * was an eighth of the heap, the marks cost nothing (struct padding). */
#include <stdlib.h>

#include "common/error.h"
#include "zones/internal.h"
#include "zones/zone.h"

_Static_assert(sizeof(void *) != 8 || sizeof(zone_rrset_t) == 40,
               "the mark must stay in zone_rrset_t's padding");

void zone_mark_static(zone_t *zone, const zone_t *src, zone_diff_skip_fn skip, void *arg)
{
	/* Both in key order: one pass over both, no lookup of each name (at
	 * 100 000 services the lookups were a fifth of a reload's time on the
	 * loop). */
	size_t at = 0;
	for (size_t i = 0; i < zone->count; i++) {
		zone_node_t *node = zone->nodes[i];
		const zone_node_t *from = zone_node_seek(src, &at, node);
		for (uint16_t j = 0; j < node->rrset_count; j++) {
			zone_rrset_t *rs = &node->rrsets[j];
			bool held = from != NULL && zone_node_rrset(from, rs->type) != NULL &&
			            !(skip != NULL && skip(rs->type, arg));
			uint8_t mark = held ? (uint8_t)(rs->mark | ZONE_MARK_STATIC)
			                    : (uint8_t)(rs->mark & ~ZONE_MARK_STATIC);
			/* Written only when it changes: after a fork (the
			 * journal's rewrite) the first write to each page of
			 * the zone is a fault. Every mark written was a third
			 * of a reload's time on the loop at 100 000 services
			 * (bench/reload.md). */
			if (rs->mark != mark)
				rs->mark = mark;
		}
	}
}

static bool node_marked(const zone_node_t *node)
{
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		if (node->rrsets[i].mark & ZONE_MARK_STATIC)
			return true;
	}
	return false;
}

bool zone_name_marked(const zone_t *zone, const zone_t *exact, const uint8_t *name)
{
	const zone_node_t *node = zone_find(zone, name);

	return (node != NULL && node_marked(node)) || (exact != NULL && zone_find(exact, name));
}

/* zone_node_next_fn over the static records: the marked RRsets of zone
 * merged, name by name in canonical order, with exact's RRsets (which
 * stand for a marked RRset of their type, and for one the zone no longer
 * holds), each name seen as a node of its own. */
typedef struct marked_walk {
	const zone_t *zone;
	const zone_t *exact;
	size_t i, j; /* the next node of zone, of exact */
	zone_node_t view;
	zone_rrset_t *rrsets; /* owned: room for cap RRsets */
	size_t cap;
} marked_walk_t;

/* The view of node a (marked RRsets only) and b (all), either NULL. */
static int marked_view(marked_walk_t *w, const zone_node_t *a, const zone_node_t *b)
{
	size_t na = a != NULL ? a->rrset_count : 0, nb = b != NULL ? b->rrset_count : 0;
	size_t n = 0;

	if (na + nb > w->cap) {
		zone_rrset_t *grown = realloc(w->rrsets, (na + nb) * sizeof(*grown));
		if (grown == NULL)
			return GW_ENOMEM;
		w->rrsets = grown;
		w->cap = na + nb;
	}
	/* Both sorted by type: merge them, exact's first on a tie. */
	for (size_t x = 0, y = 0; x < na || y < nb;) {
		const zone_rrset_t *ra = x < na ? &a->rrsets[x] : NULL;
		const zone_rrset_t *rb = y < nb ? &b->rrsets[y] : NULL;
		if (ra != NULL && !(ra->mark & ZONE_MARK_STATIC)) {
			x++;
			continue;
		}
		if (rb != NULL && (ra == NULL || rb->type <= ra->type)) {
			if (ra != NULL && ra->type == rb->type)
				x++;
			w->rrsets[n++] = *rb;
			y++;
		} else {
			w->rrsets[n++] = *ra;
			x++;
		}
	}
	w->view = a != NULL ? *a : *b;
	w->view.rrsets = w->rrsets;
	w->view.rrset_count = (uint16_t)n;
	return GW_OK;
}

static int marked_next(void *ctx, const zone_node_t **out)
{
	marked_walk_t *w = ctx;
	const zone_node_t *a = NULL;
	const zone_node_t *b = NULL;
	size_t exact_count = w->exact != NULL ? w->exact->count : 0;

	*out = NULL;
	while (w->i < w->zone->count && !node_marked(w->zone->nodes[w->i]))
		w->i++;
	if (w->i < w->zone->count)
		a = w->zone->nodes[w->i];
	if (w->j < exact_count)
		b = w->exact->nodes[w->j];
	if (a == NULL && b == NULL)
		return GW_OK;
	int c = a == NULL   ? 1
	        : b == NULL ? -1
	                    : zone_key_cmp(a->key, a->key_len, b->key, b->key_len);
	if (c <= 0)
		w->i++;
	else
		a = NULL;
	if (c >= 0)
		w->j++;
	else
		b = NULL;
	int ret = marked_view(w, a, b);
	if (ret == GW_OK)
		*out = &w->view;
	return ret;
}

int zone_add_marked(zone_t *dst, const zone_t *zone, const zone_t *exact, zone_diff_skip_fn skip,
                    void *arg)
{
	marked_walk_t w = {.zone = zone, .exact = exact};
	int ret = zone_add_walk(dst, marked_next, &w, skip, arg);

	free(w.rrsets);
	return ret;
}

int zone_marked_diff(const zone_t *zone, const zone_t *exact, const zone_t *to,
                     zone_diff_skip_fn skip, void *arg, zone_changeset_t *cs)
{
	marked_walk_t w = {.zone = zone, .exact = exact};
	int ret = zone_diff_walk(marked_next, &w, to, skip, arg, cs);

	free(w.rrsets);
	return ret;
}
