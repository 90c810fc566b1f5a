/* The signing topics: keys, ds. */
#include "gateway/control/internal.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "dnssec/dnssec.h"

static const char *role_name(sig_role_t role)
{
	switch (role) {
	case SIG_ROLE_KSK:
		return "KSK";
	case SIG_ROLE_ZSK:
		return "ZSK";
	default:
		return "CSK";
	}
}

/* The keys of the zone, borrowed; *count 0 when unsigned. */
static sig_key_t *const *zone_keys(const gw_view_t *v, const sig_keystore_t **ks, size_t *count)
{
	*count = 0;
	*ks = v->zones != NULL ? gw_zonemgr_keystore(v->zones) : NULL;
	return *ks != NULL ? sig_keystore_keys(*ks, count) : NULL;
}

int gw_status_keys(const gw_view_t *v, json_object *obj)
{
	const sig_keystore_t *ks;
	size_t count;
	sig_key_t *const *keys = zone_keys(v, &ks, &count);
	json_object *arr = json_object_new_array();
	if (arr == NULL || !gw_json_add_str(obj, "zone", v->cfg->zone.domain_str) ||
	    !gw_json_add_bool(obj, "dnssec", ks != NULL) || !gw_json_add(obj, "keys", arr))
		return GW_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int64_t created = 0, published = 0;
		sig_keystore_key_times(ks, i, &created, &published);
		json_object *o = json_object_new_object();
		if (o == NULL || json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			return GW_ENOMEM;
		}
		uint8_t alg = sig_key_algorithm(keys[i]);
		if (!gw_json_add_u64(o, "tag", sig_key_tag(keys[i])) ||
		    !gw_json_add_str(o, "algorithm", sig_algorithm_name(alg)) ||
		    !gw_json_add_u64(o, "algorithm_number", alg) ||
		    !gw_json_add_str(o, "role", role_name(sig_key_role(keys[i]))) ||
		    !gw_json_add_u64(o, "flags", sig_key_flags(keys[i])) ||
		    !gw_json_add_time(o, "created", (time_t)created) ||
		    !gw_json_add_time(o, "published", (time_t)published))
			return GW_ENOMEM;
	}
	return GW_OK;
}

/* One DS as JSON: its parts and its zone file line. */
static int ds_json(const sig_key_t *key, uint32_t ttl, json_object *arr)
{
	int ret = GW_ENOMEM;
	ldns_rr *ds = NULL;
	char *text = NULL, *digest = NULL;
	json_object *o = NULL;
	ret = sig_key_ds_rr(key, ttl, &ds);
	if (ret != GW_OK)
		return ret;
	ret = GW_ENOMEM;
	/* Without comments: ldns would append a bubblebabble form. */
	text = ldns_rr2str_fmt(ldns_output_format_nocomments, ds);
	const ldns_rdf *d = ldns_rr_rdf(ds, 3);
	digest = d != NULL ? ldns_rdf2str(d) : NULL;
	if (text == NULL || digest == NULL)
		goto out;
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	o = json_object_new_object();
	if (o == NULL || json_object_array_add(arr, o) != 0)
		goto out;
	json_object *own = o;
	o = NULL; /* the array holds it */
	if (gw_json_add_u64(own, "tag", ldns_rdf2native_int16(ldns_rr_rdf(ds, 0))) &&
	    gw_json_add_u64(own, "algorithm", ldns_rdf2native_int8(ldns_rr_rdf(ds, 1))) &&
	    gw_json_add_u64(own, "digest_type", ldns_rdf2native_int8(ldns_rr_rdf(ds, 2))) &&
	    gw_json_add_str(own, "digest", digest) && gw_json_add_str(own, "text", text))
		ret = GW_OK;
out:
	json_object_put(o);
	free(digest);
	free(text);
	ldns_rr_free(ds);
	return ret;
}

int gw_status_ds(const gw_view_t *v, json_object *obj)
{
	const sig_keystore_t *ks;
	size_t count;
	sig_key_t *const *keys = zone_keys(v, &ks, &count);
	json_object *arr = json_object_new_array();
	if (arr == NULL || !gw_json_add_str(obj, "zone", v->cfg->zone.domain_str) ||
	    !gw_json_add_bool(obj, "dnssec", ks != NULL) || !gw_json_add(obj, "ds", arr))
		return GW_ENOMEM;
	/* The parent's DS names the keys that sign the DNSKEY RRset. */
	for (size_t i = 0; i < count; i++) {
		if (sig_key_role(keys[i]) == SIG_ROLE_ZSK)
			continue;
		int ret = ds_json(keys[i], v->cfg->dnssec.dnskey_ttl, arr);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}
