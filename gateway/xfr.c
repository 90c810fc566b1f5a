#include "gateway/xfr.h"

#include <string.h>

#include "common/error.h"
#include "gateway/response.h"

#define T_SOA 6

int gw_xfr_init(gw_xfr_t *x, gw_zoneref_t *zone, const gw_query_t *q)
{
	memset(x, 0, sizeof(*x));
	const zone_node_t *apex = zone_apex_node(zone->zone);
	if (apex == NULL || zone_node_rrset(apex, T_SOA) == NULL)
		return GW_ENOTFOUND;
	x->zone = gw_zoneref_get(zone);
	x->node = zone_first(zone->zone);
	zone_serial(zone->zone, &x->serial);
	x->id = q->id;
	/* QR and AA, opcode and RD copied as in any answer. */
	x->flags = (uint16_t)(0x8000 | 0x0400 | (q->flags & (0x7800 | 0x0100)));
	x->qtype = q->qtype;
	x->qclass = q->qclass;
	memcpy(x->qname, q->qname, q->qname_len);
	return GW_OK;
}

int gw_xfr_next(gw_xfr_t *x, uint8_t *out, size_t cap)
{
	if (x->phase >= 3)
		return 0;
	const zone_t *zone = x->zone->zone;
	/* Every change to a served zone moves its serial; node pointers kept
	 * across messages are only valid while it stays put. */
	uint32_t serial = 0;
	if (zone_serial(zone, &serial) != GW_OK || serial != x->serial)
		return GW_EBUSY;
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = zone_node_rrset(apex, T_SOA);
	gw_resp_t r;
	gw_resp_init(&r, out, cap, x->id, x->flags);
	/* The question goes in the first message only (RFC 5936 2.2). */
	if (x->messages == 0 && gw_resp_put_question(&r, x->qname, x->qtype, x->qclass) != GW_OK)
		return GW_ESPACE;
	bool wrote = false;
	if (x->phase == 0) {
		if (gw_resp_put_rrset(&r, GW_SEC_ANSWER, apex->owner, soa, true, -1) != GW_OK)
			return GW_ESPACE;
		x->phase = 1;
		x->rrs += soa->count;
		wrote = true;
	}
	while (x->phase == 1 && x->node != NULL) {
		const zone_node_t *n = x->node;
		while (x->rrset < n->rrset_count) {
			const zone_rrset_t *rs = &n->rrsets[x->rrset];
			if (n == apex && rs->type == T_SOA) {
				x->rrset++;
				continue;
			}
			if (gw_resp_put_rrset(&r, GW_SEC_ANSWER, n->owner, rs, true, -1) != GW_OK) {
				if (!wrote)
					return GW_ESPACE;
				goto done;
			}
			wrote = true;
			x->rrs += rs->count + rs->sig_count;
			x->rrset++;
		}
		x->node = zone_next(zone, n);
		x->rrset = 0;
	}
	if (x->phase == 1)
		x->phase = 2;
	if (x->phase == 2) {
		if (gw_resp_put_rrset(&r, GW_SEC_ANSWER, apex->owner, soa, false, -1) != GW_OK) {
			if (!wrote)
				return GW_ESPACE;
			goto done;
		}
		x->rrs += soa->count;
		x->phase = 3;
	}
done:
	x->messages++;
	return (int)gw_resp_finish(&r);
}

void gw_xfr_deinit(gw_xfr_t *x)
{
	gw_zoneref_put(x->zone);
	x->zone = NULL;
	x->phase = 3;
}
