/* From the key store to the zone: which keys sign, and the apex DNSKEY,
 * CDS and CDNSKEY RRsets that the keys' USE says (or RFC 8078 DELETE). */
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/keystore_internal.h"

size_t sig_keystore_signing_keys(const sig_keystore_t *ks, sig_key_t **keys, bool *keyset_only,
                                 size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < ks->count && n < cap; i++) {
		uint8_t use = ks->meta[i].use;
		if (!(use & (SIG_USE_SIGN | SIG_USE_KEYSET)))
			continue;
		keys[n] = ks->keys[i];
		keyset_only[n] = !(use & SIG_USE_SIGN);
		n++;
	}
	return n;
}

static int push(ldns_rr_list *list, int ret, ldns_rr *rr)
{
	if (ret != GW_OK)
		return ret;
	if (!ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_free(rr);
		return GW_ENOMEM;
	}
	return GW_OK;
}

static int delete_rr(const sig_keystore_t *ks, const char *type_rdata, uint32_t ttl, ldns_rr **out)
{
	char text[SIG_KS_NAME_TEXT_MAX + 64];
	snprintf(text, sizeof(text), "%s %u IN %s", ks->apex_text, ttl, type_rdata);
	return ldns_rr_new_frm_str(out, text, 0, NULL, NULL) == LDNS_STATUS_OK ? GW_OK : GW_ENOMEM;
}

int sig_keystore_apex_rrs(const sig_keystore_t *ks, uint32_t ttl, ldns_rr_list *out)
{
	int ret = GW_OK;
	bool any_ds = false;
	for (size_t i = 0; ret == GW_OK && i < ks->count; i++) {
		uint8_t use = ks->meta[i].use;
		ldns_rr *rr = NULL;
		if (use & SIG_USE_PUBLISH) {
			ret = sig_key_dnskey_rr(ks->keys[i], ttl, &rr);
			ret = push(out, ret, rr);
		}
		if (!(use & SIG_USE_DS) || ret != GW_OK)
			continue;
		any_ds = true;
		if (ks->cds_delete)
			continue;
		rr = NULL;
		ret = sig_key_cdnskey_rr(ks->keys[i], ttl, &rr);
		ret = push(out, ret, rr);
		rr = NULL;
		if (ret == GW_OK)
			ret = sig_key_cds_rr(ks->keys[i], ttl, &rr);
		ret = push(out, ret, rr);
	}
	/* RFC 8078 4: the DELETE pair, alone in its RRsets. */
	if (ret == GW_OK && ks->cds_delete && any_ds) {
		ldns_rr *rr = NULL;
		ret = delete_rr(ks, "CDS 0 0 0 00", ttl, &rr);
		ret = push(out, ret, rr);
		rr = NULL;
		if (ret == GW_OK)
			ret = delete_rr(ks, "CDNSKEY 0 3 0 AA==", ttl, &rr);
		ret = push(out, ret, rr);
	}
	return ret;
}

static bool in_list(const ldns_rr_list *list, const ldns_rr *rr)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		const ldns_rr *o = ldns_rr_list_rr(list, i);
		if (ldns_rr_compare(o, rr) == 0 && ldns_rr_ttl(o) == ldns_rr_ttl(rr))
			return true;
	}
	return false;
}

/* A copy of every RR of from that other lacks, to put (the changeset's
 * add or remove); stops at the first error. */
static int put_missing(zone_changeset_t *cs, int (*put)(zone_changeset_t *, ldns_rr *),
                       const ldns_rr_list *from, const ldns_rr_list *other)
{
	int ret = GW_OK;
	for (size_t i = 0; ret == GW_OK && i < ldns_rr_list_rr_count(from); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(from, i);
		if (in_list(other, rr))
			continue;
		ldns_rr *copy = ldns_rr_clone(rr);
		ret = copy != NULL ? put(cs, copy) : GW_ENOMEM;
	}
	return ret;
}

int sig_keystore_apex_changes(const sig_keystore_t *ks, const zone_t *zone, uint32_t ttl,
                              zone_changeset_t *cs)
{
	static const uint16_t types[] = {DNS_T_DNSKEY, DNS_T_CDS, DNS_T_CDNSKEY};
	int ret = GW_ENOMEM;
	ldns_rr_list *want = ldns_rr_list_new();
	ldns_rr_list *have = ldns_rr_list_new();
	const zone_node_t *apex = zone_apex_node(zone);

	if (want == NULL || have == NULL)
		goto out;
	ret = sig_keystore_apex_rrs(ks, ttl, want);
	for (size_t t = 0; ret == GW_OK && apex != NULL && t < 3; t++) {
		const zone_rrset_t *set = zone_node_rrset(apex, types[t]);
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t pos = 0;
		while (ret == GW_OK && set != NULL && zone_rrset_next(set, &pos, &rd, &rdlen)) {
			ldns_rr *rr = NULL;
			ret = zone_rr_to_ldns(&rr, apex, set, rd, rdlen);
			ret = push(have, ret, rr);
		}
	}
	/* Only what differs, so an unchanged RRset keeps its signatures and
	 * the journal shows the real change. */
	if (ret == GW_OK)
		ret = put_missing(cs, zone_changeset_remove, have, want);
	if (ret == GW_OK)
		ret = put_missing(cs, zone_changeset_add, want, have);
out:
	if (want != NULL)
		ldns_rr_list_deep_free(want);
	if (have != NULL)
		ldns_rr_list_deep_free(have);
	return ret;
}
