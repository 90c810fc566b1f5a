/* Another writer's withdrawal spares the static records. The mirror and
 * the zone file may both put the same RR in the zone (a device's address
 * that the admin also wrote into the file, to pin it): the zone holds it
 * once. When the mirror then withdraws its copy (the name is now the
 * file's, or the device left), the RR must stay for the file; removed,
 * it would also stay out across later reloads, which diff the file
 * against the file's own records and find nothing to add. */
#include <ldns/ldns.h>
#include <string.h>

#include "common/error.h"
#include "gateway/zonemgr/zonemgr_internal.h"

/* Does zone hold owner/type with exactly this rdata? */
static bool zone_holds(const zone_t *zone, const uint8_t *owner, uint16_t type, const uint8_t *rd,
                       size_t rdlen)
{
	const zone_node_t *node = zone != NULL ? zone_find(zone, owner) : NULL;
	const zone_rrset_t *rs = node != NULL ? zone_node_rrset(node, type) : NULL;
	uint32_t pos = 0;
	const uint8_t *have;
	uint16_t len;
	while (rs != NULL && zone_rrset_next(rs, &pos, &have, &len))
		if (len == rdlen && memcmp(have, rd, rdlen) == 0)
			return true;
	return false;
}

/* Do the static records hold rr? Those of a reload held (not in the zone
 * yet), else the zone's marked RRsets: as the file gave them when they
 * were copied (exact), else as the zone holds them. wire: scratch. */
static bool statics_hold(const gw_zonemgr_t *m, const ldns_rr *rr, ldns_buffer *wire)
{
	const ldns_rdf *owner_rdf = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	if (owner_rdf == NULL || gw_zonemgr_skip_owned_and_soa(type, NULL))
		return false;
	const uint8_t *owner = ldns_rdf_data(owner_rdf);
	if (zone_rr_rdata_wire(rr, wire) != GW_OK)
		return false; /* the commit refuses it, or it matches nothing */
	const uint8_t *rd = ldns_buffer_begin(wire);
	size_t rdlen = ldns_buffer_position(wire);

	if (m->pending_statics != NULL)
		return zone_holds(m->pending_statics, owner, type, rd, rdlen);
	const zone_t *zone = m->zone->zone;
	const zone_node_t *node = zone_find(zone, owner);
	const zone_rrset_t *rs = node != NULL ? zone_node_rrset(node, type) : NULL;
	if (rs == NULL || !(rs->mark & ZONE_MARK_STATIC))
		return false;
	const zone_node_t *copied = m->exact != NULL ? zone_find(m->exact, owner) : NULL;
	if (copied != NULL && zone_node_rrset(copied, type) != NULL)
		return zone_holds(m->exact, owner, type, rd, rdlen);
	return zone_holds(zone, owner, type, rd, rdlen);
}

int gw_zonemgr_spare_statics(const gw_zonemgr_t *m, const zone_changeset_t *cs,
                             zone_changeset_t *out, bool *spared)
{
	*spared = false;
	size_t n = cs->remove != NULL ? ldns_rr_list_rr_count(cs->remove) : 0;
	if (n == 0)
		return GW_OK;
	ldns_buffer *wire = ldns_buffer_new(512);
	if (wire == NULL)
		return GW_ENOMEM;
	int ret = GW_OK;
	size_t i = 0;
	while (i < n && !statics_hold(m, ldns_rr_list_rr(cs->remove, i), wire))
		i++;
	if (i == n)
		goto out; /* the usual case: nothing to spare, nothing copied */
	ret = zone_changeset_init(out);
	for (size_t k = 0; k < n && ret == GW_OK; k++) {
		const ldns_rr *rr = ldns_rr_list_rr(cs->remove, k);
		if (k != i && (k < i || !statics_hold(m, rr, wire)))
			ret = zone_changeset_remove(out, ldns_rr_clone(rr));
	}
	for (size_t k = 0; cs->add != NULL && k < ldns_rr_list_rr_count(cs->add) && ret == GW_OK;
	     k++)
		ret = zone_changeset_add(out, ldns_rr_clone(ldns_rr_list_rr(cs->add, k)));
	if (ret != GW_OK)
		zone_changeset_deinit(out);
	else
		*spared = true;
out:
	ldns_buffer_free(wire);
	return ret;
}
