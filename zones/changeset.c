/* Changesets: the RRs a change removes and adds, as ldns lists, and the
 * merge of several into one (a reload's hold). zones/batch.c applies
 * them. */
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
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

/* True when list holds rr (owner, class, type and rdata: the TTL aside, as
 * a removal matches). */
static bool list_has(const ldns_rr_list *list, const ldns_rr *rr)
{
	for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		if (ldns_rr_compare(ldns_rr_list_rr(list, i), rr) == 0)
			return true;
	}
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
	ldns_rr_list *kept = ldns_rr_list_new();
	if (kept == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < ldns_rr_list_rr_count(acc->add); i++) {
		ldns_rr *rr = ldns_rr_list_rr(acc->add, i);
		if (list_has(next->remove, rr))
			ldns_rr_free(rr);
		else if (!ldns_rr_list_push_rr(kept, rr)) {
			/* Put the rest back, so that acc still owns every RR. */
			for (size_t j = i; j < ldns_rr_list_rr_count(acc->add); j++)
				ldns_rr_list_push_rr(kept, ldns_rr_list_rr(acc->add, j));
			ldns_rr_list_free(acc->add);
			acc->add = kept;
			return GW_ENOMEM;
		}
	}
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
