/* Taking over signatures after a restart.
 *
 * The zone built at start is, RRset for RRset, mostly what was served
 * before the restart, whose signatures are still good for days. Signing
 * it all again costs a full signing pass, and, worse, makes every RRSIG
 * new: the first IXFR after the restart then carries the whole zone.
 * Here the RRSIGs of the zone served before (the journal keeps it and
 * hands it out RRset by RRset, gw_journal_each_last(), without a second
 * zone in memory) are attached to every RRset whose data and TTL did not
 * change, those of keys still in use and good for longer than the refresh
 * window; the signer then signs only what has none
 * (sig_rrset_needs_signing()). */
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

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

/* Is the RRSIG rd, rdlen octets, over rrset's type and TTL, by the
 * signer's zone, and good at now for longer than the refresh window? */
static bool good_in_time(const sig_signer_t *signer, const zone_rrset_t *rrset, const uint8_t *rd,
                         uint16_t rdlen, time_t now)
{
	if (rdlen <= SIG_RRSIG_FIXED || ldns_read_uint16(rd + SIG_RRSIG_OFF_TYPE) != rrset->type ||
	    ldns_read_uint32(rd + SIG_RRSIG_OFF_TTL) != rrset->ttl)
		return false;
	int signer_len = zone_name_len(rd + SIG_RRSIG_FIXED, rdlen - SIG_RRSIG_FIXED);
	if (signer_len < 0 || !zone_name_equal(rd + SIG_RRSIG_FIXED, signer->apex))
		return false;
	time_t expire = sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_EXPIRE), now);
	time_t incept = sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_INCEPT), now);
	return incept <= now && expire - now >= (time_t)signer->refresh;
}

/* The signer's key (index) that made the RRSIG rd and signs rrset's type
 * now; -1: none. */
static int signing_key_of(const sig_signer_t *signer, const zone_rrset_t *rrset, const uint8_t *rd)
{
	for (size_t i = 0; i < signer->key_count; i++) {
		if (ldns_read_uint16(rd + SIG_RRSIG_OFF_TAG) == sig_key_tag(signer->keys[i]) &&
		    rd[SIG_RRSIG_OFF_ALG] == sig_key_algorithm(signer->keys[i]) &&
		    sig_key_signs(signer, i, rrset->type))
			return (int)i;
	}
	return -1;
}

/* Does a key that signs rrset's type now have none of the signatures
 * kept (bit i of kept: key i has one)? */
static bool key_missing(const sig_signer_t *signer, const zone_rrset_t *rrset, uint64_t kept)
{
	for (size_t i = 0; i < signer->key_count && i < 64; i++) {
		if (sig_key_signs(signer, i, rrset->type) && !(kept & ((uint64_t)1 << i)))
			return true;
	}
	return false;
}

int sig_adopt_rrset(const sig_signer_t *signer, zone_t *zone, const uint8_t *owner,
                    const zone_rrset_t *old, time_t now, bool *adopted, bool *behind)
{
	const zone_rrset_t sigs = {.rdata = old->sigs, .rdata_len = old->sigs_len};
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0, len = 0;
	bool same = false, timely = false;
	uint64_t kept = 0;

	*adopted = false;
	*behind = false;
	if (old->sigs_len == 0)
		return GW_OK;
	const zone_node_t *node = zone_find(zone, owner);
	const zone_rrset_t *rrset = node != NULL ? zone_node_rrset(node, old->type) : NULL;
	if (rrset == NULL || rrset->sigs_len > 0 ||
	    !sig_rrset_signable(sig_node_kind(zone, node), rrset->type))
		return GW_OK;
	/* Over 64 KiB in canonical form: such RRsets were signed wrong
	 * until December 2026 (canonical_rrset() in sign.c says how), and
	 * the journal of a gateway that ran then holds those signatures. One
	 * RRset signed again at start costs less than one that any validator
	 * rejects until its refresh. */
	if (zone_rrset_wire_size(node, rrset) > ZONE_RRSET_VALIDATABLE_MAX)
		return GW_OK;
	int ret = same_rrset(rrset, old, &same);
	if (ret != GW_OK || !same)
		return ret;
	uint8_t *buf = malloc(old->sigs_len);
	if (buf == NULL)
		return GW_ENOMEM;
	while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
		if (!good_in_time(signer, rrset, rd, rdlen, now))
			continue;
		timely = true;
		int key = signing_key_of(signer, rrset, rd);
		if (key < 0)
			continue;
		if (key < 64)
			kept |= (uint64_t)1 << key;
		buf[len] = (uint8_t)(rdlen >> 8);
		buf[len + 1] = (uint8_t)rdlen;
		memcpy(buf + len + 2, rd, rdlen);
		len += 2 + (uint32_t)rdlen;
	}
	/* Node and RRset pointers stay valid across this. */
	if (len > 0)
		ret = zone_set_sigs(zone, node->owner, rrset->type, buf, len);
	*adopted = len > 0 && ret == GW_OK;
	/* Signed in good time, but not by every key that signs it now: the
	 * zone served was not yet signed for the keys (a key change cut off
	 * in its parts), not merely due for a refresh. */
	*behind = ret == GW_OK && timely && key_missing(signer, rrset, kept);
	free(buf);
	return ret;
}
