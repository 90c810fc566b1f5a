/* Taking over signatures after a restart.
 *
 * The zone built at start is, RRset for RRset, mostly what was served
 * before the restart, whose signatures are still good for days. Signing
 * it all again costs a full signing pass, and, worse, makes every RRSIG
 * new: the first IXFR after the restart then carries the whole zone.
 * Here the RRSIGs of the zone served before (the journal keeps it) are
 * attached to every RRset whose data and TTL did not change; the signer
 * then re-signs only what has no usable signature
 * (sig_rrset_needs_signing(): none, expiring, a key without one, or one
 * from a key no longer in use). */
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

/* The same RRs (in any order) and the same TTL: the RRSIGs over one are
 * RRSIGs over the other (the signed data is the canonical, sorted form;
 * rdata equal octet for octet have one canonical form). */
static int same_rrset(const zone_rrset_t *a, const zone_rrset_t *b, bool *same)
{
	*same = false;
	if (a->type != b->type || a->ttl != b->ttl || a->count != b->count ||
	    a->rdata_len != b->rdata_len)
		return GW_OK;
	zone_rdref_t *ra = malloc(2 * (size_t)a->count * sizeof(*ra));
	if (ra == NULL)
		return GW_ENOMEM;
	zone_rdref_t *rb = ra + a->count;
	zone_rrset_sorted(a, ra);
	zone_rrset_sorted(b, rb);
	*same = true;
	for (size_t i = 0; i < a->count && *same; i++)
		*same = zone_rdref_cmp(&ra[i], &rb[i]) == 0;
	free(ra);
	return GW_OK;
}

/* The RRSIG rdatas of old_sigs (an RRSIG RRset) that cover type and were
 * made by the signer's zone, in the [len][rdata] layout, into buf. */
static uint32_t covering(const sig_signer_t *signer, const zone_rrset_t *old_sigs, uint16_t type,
                         uint8_t *buf)
{
	uint32_t pos = 0;
	uint32_t len = 0;
	const uint8_t *p;
	uint16_t rdlen;

	while (zone_rrset_next(old_sigs, &pos, &p, &rdlen)) {
		if (rdlen <= SIG_RRSIG_FIXED || sig_read_u16(p + SIG_RRSIG_OFF_TYPE) != type)
			continue;
		int signer_len = zone_name_len(p + SIG_RRSIG_FIXED, rdlen - SIG_RRSIG_FIXED);
		if (signer_len < 0 || !zone_name_equal(p + SIG_RRSIG_FIXED, signer->apex))
			continue;
		buf[len] = (uint8_t)(rdlen >> 8);
		buf[len + 1] = (uint8_t)rdlen;
		memcpy(buf + len + 2, p, rdlen);
		len += 2 + (uint32_t)rdlen;
	}
	return len;
}

int sig_adopt_signatures(const sig_signer_t *signer, zone_t *zone, const zone_t *old,
                         size_t *adopted)
{
	sig_walk_t walk = {0};
	uint8_t *buf = NULL;
	uint32_t cap = 0;
	int ret = GW_OK;

	*adopted = 0;
	if (old == NULL || !zone_name_equal(zone_apex(zone), zone_apex(old)))
		return GW_EINVAL;
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		sig_node_kind_t kind = sig_walk_kind(&walk, zone, node);
		if (kind == SIG_NODE_OUT)
			continue;
		const zone_node_t *prev = zone_find(old, node->owner);
		const zone_rrset_t *old_sigs =
		    prev != NULL ? zone_node_rrset(prev, DNS_T_RRSIG) : NULL;
		if (old_sigs == NULL)
			continue;
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rrset = &node->rrsets[i];
			const zone_rrset_t *before = zone_node_rrset(prev, rrset->type);
			bool same = false;
			if (!sig_rrset_signable(kind, rrset->type) || rrset->sigs_len > 0 ||
			    before == NULL)
				continue;
			ret = same_rrset(rrset, before, &same);
			if (ret != GW_OK)
				goto out;
			if (!same)
				continue;
			if (old_sigs->rdata_len > cap) {
				uint8_t *grown = realloc(buf, old_sigs->rdata_len);
				if (grown == NULL) {
					ret = GW_ENOMEM;
					goto out;
				}
				buf = grown;
				cap = old_sigs->rdata_len;
			}
			uint32_t len = covering(signer, old_sigs, rrset->type, buf);
			if (len == 0)
				continue;
			/* Node and RRset pointers stay valid across this. */
			ret = zone_set_sigs(zone, node->owner, rrset->type, buf, len);
			if (ret != GW_OK)
				goto out;
			(*adopted)++;
		}
	}
out:
	free(buf);
	return ret;
}
