/* Changesets: the RRs a change removes and adds, as ldns lists, and the
 * merge of several into one (a reload's hold). zones/batch.c applies
 * them. */
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/htab.h"
#include "common/log.h"
#include "common/sorted.h"
#include "zones/internal.h"
#include "zones/zone.h"

/* ---- changesets ------------------------------------------------------- */

void zone_changeset_deinit(zone_changeset_t *cs)
{
	if (cs == NULL)
		return;
	if (cs->remove != NULL)
		ldns_rr_list_deep_free(cs->remove);
	if (cs->add != NULL)
		ldns_rr_list_deep_free(cs->add);
	cs->remove = NULL;
	cs->add = NULL;
}

int zone_changeset_init(zone_changeset_t *cs)
{
	cs->remove = ldns_rr_list_new();
	cs->add = ldns_rr_list_new();
	if (cs->remove == NULL || cs->add == NULL) {
		zone_changeset_deinit(cs);
		return GW_ENOMEM;
	}
	return GW_OK;
}

static int changeset_push(ldns_rr_list *list, ldns_rr *rr)
{
	if (list == NULL || rr == NULL || !ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_free(rr);
		return rr == NULL || list == NULL ? GW_EINVAL : GW_ENOMEM;
	}
	return GW_OK;
}

int zone_changeset_remove(zone_changeset_t *cs, ldns_rr *rr)
{
	return changeset_push(cs->remove, rr);
}

int zone_changeset_add(zone_changeset_t *cs, ldns_rr *rr)
{
	return changeset_push(cs->add, rr);
}

/* The RRs of a list by the hash of owner (any case), class and type: an
 * RR equal to another as ldns_rr_compare() has it has the same. A merge
 * looks up each RR it holds among the next change's removals: a scan of
 * the list for each took |adds| x |removals| comparisons (a reload that
 * changes every mirrored record's TTL, then a zone file's removals: seconds
 * on the loop at 10 000 services). */
typedef struct rr_key {
	uint32_t hash;
	const ldns_rr *rr; /* borrowed */
} rr_key_t;

static uint32_t rr_hash(const ldns_rr *rr)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);
	uint32_t h = GW_FNV32_INIT;
	if (owner != NULL)
		h = gw_fnv32_ci(h, ldns_rdf_data(owner), ldns_rdf_size(owner));
	h = (h ^ (uint32_t)ldns_rr_get_type(rr)) * 16777619u;
	return (h ^ (uint32_t)ldns_rr_get_class(rr)) * 16777619u;
}

static int key_cmp(const void *a, const void *b)
{
	const rr_key_t *x = a, *y = b;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* keys (n of them, sorted): does one equal rr (owner, class, type and
 * rdata: the TTL aside, as a removal matches)? */
static bool keys_have(const rr_key_t *keys, size_t n, const ldns_rr *rr)
{
	rr_key_t key = {.hash = rr_hash(rr)};
	for (size_t i = gw_lower_bound(keys, n, sizeof(*keys), &key, key_cmp);
	     i < n && keys[i].hash == key.hash; i++)
		if (ldns_rr_compare(keys[i].rr, rr) == 0)
			return true;
	return false;
}

static int append_copies(ldns_rr_list *to, const ldns_rr_list *from)
{
	for (size_t i = 0; from != NULL && i < ldns_rr_list_rr_count(from); i++) {
		int ret = changeset_push(to, ldns_rr_clone(ldns_rr_list_rr(from, i)));
		if (ret != GW_OK)
			return GW_ENOMEM;
	}
	return GW_OK;
}

int zone_changeset_merge(zone_changeset_t *acc, const zone_changeset_t *next)
{
	size_t n = next->remove != NULL ? ldns_rr_list_rr_count(next->remove) : 0;
	rr_key_t *keys = calloc(n > 0 ? n : 1, sizeof(*keys));
	ldns_rr_list *kept = keys != NULL ? ldns_rr_list_new() : NULL;
	if (kept == NULL) {
		free(keys);
		return GW_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(next->remove, i);
		keys[i] = (rr_key_t){.hash = rr_hash(rr), .rr = rr};
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < ldns_rr_list_rr_count(acc->add); i++) {
		ldns_rr *rr = ldns_rr_list_rr(acc->add, i);
		if (keys_have(keys, n, rr))
			ldns_rr_free(rr);
		else if (!ldns_rr_list_push_rr(kept, rr)) {
			/* Put the rest back, so that acc still owns every RR. */
			for (size_t j = i; j < ldns_rr_list_rr_count(acc->add); j++)
				ldns_rr_list_push_rr(kept, ldns_rr_list_rr(acc->add, j));
			ldns_rr_list_free(acc->add);
			acc->add = kept;
			free(keys);
			return GW_ENOMEM;
		}
	}
	free(keys);
	ldns_rr_list_free(acc->add); /* the list only: its RRs moved or were freed */
	acc->add = kept;
	int ret = append_copies(acc->remove, next->remove);
	if (ret == GW_OK)
		ret = append_copies(acc->add, next->add);
	return ret;
}

int zone_changeset_remove_rrset(zone_changeset_t *cs, const zone_node_t *node, uint16_t type,
                                const uint8_t *keep, size_t keep_len)
{
	const zone_rrset_t *rrset = zone_node_rrset(node, type);
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;

	while (rrset != NULL && zone_rrset_next(rrset, &pos, &rdata, &rdlen)) {
		ldns_rr *rr = NULL;
		if (keep != NULL && rdlen == keep_len && memcmp(rdata, keep, keep_len) == 0)
			continue;
		int ret = zone_rr_to_ldns(&rr, node, rrset, rdata, rdlen);
		if (ret == GW_OK)
			ret = zone_changeset_remove(cs, rr);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

bool zone_changeset_empty(const zone_changeset_t *cs)
{
	return (cs->remove == NULL || ldns_rr_list_rr_count(cs->remove) == 0) &&
	       (cs->add == NULL || ldns_rr_list_rr_count(cs->add) == 0);
}
