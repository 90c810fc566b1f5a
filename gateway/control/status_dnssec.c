/* The signing topics: keys, ds. */
#include "gateway/control/internal.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "dnssec/dnssec.h"

static const char *role_name(sig_role_t role)
{
	return role == SIG_ROLE_KSK ? "KSK" : role == SIG_ROLE_ZSK ? "ZSK" : "CSK";
}

/* The keys of the zone, borrowed; *count 0 when unsigned. */
static sig_key_t *const *zone_keys(const gw_view_zone_t *z, const sig_keystore_t **ks,
                                   size_t *count)
{
	*count = 0;
	*ks = z->mgr != NULL ? gw_zonemgr_keystore(z->mgr) : NULL;
	return *ks != NULL ? sig_keystore_keys(*ks, count) : NULL;
}

/* What a key does, as words ("published", "signs", "signs-keyset", "ds"). */
static json_object *use_json(uint8_t use)
{
	static const struct {
		uint8_t bit;
		const char *word;
	} words[] = {{SIG_USE_PUBLISH, "published"},
	             {SIG_USE_SIGN, "signs"},
	             {SIG_USE_KEYSET, "signs-keyset"},
	             {SIG_USE_DS, "ds"},
	             {SIG_USE_REVOKED, "revoked"}};
	json_object *arr = json_object_new_array();
	for (size_t i = 0; arr != NULL && i < sizeof(words) / sizeof(words[0]); i++) {
		if (!(use & words[i].bit))
			continue;
		if (json_object_array_add(arr, json_object_new_string(words[i].word)) != 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

/* The rollover under way and the next one a lifetime starts. */
static int roll_json(const gw_view_zone_t *z, json_object *obj)
{
	sig_roll_info_t info;
	int64_t auto_at = 0;
	sig_roll_kind_t auto_kind = SIG_ROLL_NONE;
	gw_zonemgr_roll_info(z->mgr, &info, &auto_at, &auto_kind);
	if (!gw_json_add_bool(obj, "cds_delete",
	                      sig_keystore_insecure(gw_zonemgr_keystore(z->mgr))))
		return GW_ENOMEM;
	json_object *r = NULL;
	if (info.kind != SIG_ROLL_NONE) {
		r = json_object_new_object();
		if (r == NULL || !gw_json_add(obj, "rollover", r))
			return GW_ENOMEM;
		if (!gw_json_add_str(r, "kind", sig_roll_kind_name(info.kind)) ||
		    !gw_json_add_str(r, "step", sig_roll_step_name(info.step)) ||
		    !gw_json_add_u64(r, "old_tag", info.old_tag) ||
		    !gw_json_add_u64(r, "new_tag", info.new_tag) ||
		    !gw_json_add_time(r, "since", (time_t)info.since) ||
		    !gw_json_add_time(r, "next", (time_t)info.next) ||
		    !gw_json_add_bool(r, "waiting_for_ds", info.step == SIG_STEP_DS_WAIT))
			return GW_ENOMEM;
	} else if (!gw_json_add(obj, "rollover", NULL)) {
		return GW_ENOMEM;
	}
	json_object *a = NULL;
	if (auto_at != 0) {
		a = json_object_new_object();
		if (a == NULL || !gw_json_add(obj, "next_rollover", a) ||
		    !gw_json_add_str(a, "kind", sig_roll_kind_name(auto_kind)) ||
		    !gw_json_add_time(a, "at", (time_t)auto_at))
			return GW_ENOMEM;
	} else if (!gw_json_add(obj, "next_rollover", NULL)) {
		return GW_ENOMEM;
	}
	return GW_OK;
}

/* The zone a keys or ds query names (the first when it names none). */
static int pick(const gw_view_t *v, const gw_status_query_t *q, gw_view_zone_t *z, char *err,
                size_t errlen)
{
	if (gw_view_zone_find(v, q->zone, z))
		return GW_OK;
	if (q->zone == NULL) {
		*z = (gw_view_zone_t){.name = v->cfg->zone.domain_str};
		return GW_OK;
	}
	snprintf(err, errlen, "no zone %s here", q->zone);
	return GW_ENOTFOUND;
}

/* What a keys and a ds answer start with: the zone q names and its keys
 * (borrowed), and in obj the zone, whether it is signed, and the empty
 * array named member that the caller fills (obj owns it). */
typedef struct key_list {
	gw_view_zone_t z;
	const sig_keystore_t *ks;
	sig_key_t *const *keys;
	size_t count;
	json_object *arr;
} key_list_t;

static int key_list_start(key_list_t *kl, const gw_view_t *v, const gw_status_query_t *q,
                          json_object *obj, const char *member, char *err, size_t errlen)
{
	int ret = pick(v, q, &kl->z, err, errlen);
	if (ret != GW_OK)
		return ret;
	kl->keys = zone_keys(&kl->z, &kl->ks, &kl->count);
	kl->arr = json_object_new_array();
	if (kl->arr == NULL || !gw_json_add_str(obj, "zone", kl->z.name) ||
	    !gw_json_add_bool(obj, "dnssec", kl->ks != NULL) || !gw_json_add(obj, member, kl->arr))
		return GW_ENOMEM;
	return GW_OK;
}

int gw_status_keys(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                   size_t errlen)
{
	key_list_t kl;
	int ret = key_list_start(&kl, v, q, obj, "keys", err, errlen);
	if (ret != GW_OK)
		return ret;
	const sig_keystore_t *ks = kl.ks;
	sig_key_t *const *keys = kl.keys;
	for (size_t i = 0; i < kl.count; i++) {
		int64_t created = 0, published = 0;
		sig_keystore_key_times(ks, i, &created, &published);
		json_object *o = gw_json_append_object(kl.arr);
		if (o == NULL)
			return GW_ENOMEM;
		uint8_t alg = sig_key_algorithm(keys[i]);
		if (!gw_json_add_u64(o, "tag", sig_key_tag(keys[i])) ||
		    !gw_json_add_str(o, "algorithm", sig_algorithm_name(alg)) ||
		    !gw_json_add_u64(o, "algorithm_number", alg) ||
		    !gw_json_add_str(o, "role", role_name(sig_key_role(keys[i]))) ||
		    !gw_json_add_u64(o, "flags", sig_key_flags(keys[i])) ||
		    !gw_json_add_time(o, "created", (time_t)created) ||
		    !gw_json_add_time(o, "published", (time_t)published) ||
		    !gw_json_add(o, "state", use_json(sig_keystore_key_use(ks, i))))
			return GW_ENOMEM;
	}
	return ks != NULL ? roll_json(&kl.z, obj) : GW_OK;
}

/* The TTL of zone z's DS records: its DNSKEY TTL. */
static uint32_t ds_ttl(const gw_view_t *v, const gw_view_zone_t *z)
{
	return z->dnssec != NULL ? z->dnssec->dnskey_ttl : v->cfg->dnssec.dnskey_ttl;
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

int gw_status_ds(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                 size_t errlen)
{
	key_list_t kl;
	int ret = key_list_start(&kl, v, q, obj, "ds", err, errlen);
	/* The DS records the parent should hold now: during a rollover, for
	 * a while, both keys'. */
	for (size_t i = 0; ret == GW_OK && i < kl.count; i++) {
		if (sig_keystore_key_use(kl.ks, i) & SIG_USE_DS)
			ret = ds_json(kl.keys[i], ds_ttl(v, &kl.z), kl.arr);
	}
	return ret;
}
