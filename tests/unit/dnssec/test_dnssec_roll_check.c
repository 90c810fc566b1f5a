/* dnssec/keyroll.c, keyroll_zone.c: whole rollovers on a fake clock
 * where, after every tick, every combination of DS, DNSKEY and data
 * RRsets a resolver could hold under the TTLs still validates. */
#include "common/dns.h"
#include "roll_store.h"

/* ---- whole rollovers against a model of every resolver's cache ---------- */

#define T_KEY  60  /* DNSKEY TTL */
#define T_MAX  120 /* the zone's largest TTL */
#define T_PRP  5   /* propagation delay to secondaries */
#define T_DS   100 /* the parent's DS TTL */
#define T_PPRP 5   /* the parent's propagation delay */
#define T_TICK 5

/* One version of an RRset as served from from until to (INT64_MAX: still
 * served), with its RRSIGs. */
typedef struct {
	int64_t from, to;
	ldns_rr_list *rrs, *sigs;
	char *text;
} ver_t;

typedef struct {
	ver_t v[64];
	size_t n;
	int64_t hold; /* a cache may hold a version this long after it was last served */
} hist_t;

static void hist_free(hist_t *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ldns_rr_list_deep_free(h->v[i].rrs);
		ldns_rr_list_deep_free(h->v[i].sigs);
		free(h->v[i].text);
	}
	h->n = 0;
}

static char *list_text(const ldns_rr_list *a, const ldns_rr_list *b)
{
	char *x = ldns_rr_list2str(a);
	char *y = b != NULL ? ldns_rr_list2str(b) : strdup("");
	size_t len = strlen(x) + strlen(y) + 2;
	char *all = malloc(len);
	snprintf(all, len, "%s|%s", x, y);
	free(x);
	free(y);
	return all;
}

/* Takes rrs and sigs. */
static void hist_record(hist_t *h, int64_t t, ldns_rr_list *rrs, ldns_rr_list *sigs)
{
	ldns_rr_list_sort(rrs);
	ldns_rr_list_sort(sigs);
	char *text = list_text(rrs, sigs);
	if (h->n > 0 && strcmp(h->v[h->n - 1].text, text) == 0) {
		free(text);
		ldns_rr_list_deep_free(rrs);
		ldns_rr_list_deep_free(sigs);
		return;
	}
	CU_ASSERT_FATAL(h->n < 64);
	if (h->n > 0)
		h->v[h->n - 1].to = t;
	h->v[h->n++] = (ver_t){.from = t, .to = INT64_MAX, .rrs = rrs, .sigs = sigs, .text = text};
}

static bool holdable(const hist_t *h, size_t i, int64_t t)
{
	return h->v[i].from <= t && (h->v[i].to == INT64_MAX || h->v[i].to + h->hold > t);
}

/* The RRset of type at owner and its RRSIGs, from the zone. */
static void snap(const zone_t *zone, const char *owner, uint16_t type, ldns_rr_list **rrs,
                 ldns_rr_list **sigs)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(name, owner));
	const zone_rrset_t *set = node != NULL ? zone_node_rrset(node, type) : NULL;
	*rrs = ldns_rr_list_new();
	*sigs = ldns_rr_list_new();
	if (set == NULL)
		return;
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	while (zone_rrset_next(set, &pos, &rd, &rdlen)) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, set, rd, rdlen) == GW_OK);
		ldns_rr_list_push_rr(*rrs, rr);
	}
	zone_rrset_t sigset = {.type = DNS_T_RRSIG,
	                       .ttl = set->ttl,
	                       .rdata = set->sigs,
	                       .rdata_len = set->sigs_len,
	                       .count = set->sig_count};
	pos = 0;
	while (zone_rrset_next(&sigset, &pos, &rd, &rdlen)) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, &sigset, rd, rdlen) == GW_OK);
		ldns_rr_list_push_rr(*sigs, rr);
	}
}

static bool some_sig_verifies(ldns_rr_list *rrs, const ldns_rr_list *sigs, ldns_rr *key, int64_t t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
		if (ldns_verify_rrsig_time(rrs, ldns_rr_list_rr(sigs, i), key, (time_t)t) ==
		    LDNS_STATUS_OK)
			return true;
	return false;
}

/* Does some key of alg (0: any) in keys sign rrs with one of sigs? */
static bool signed_by(const ver_t *keys, ver_t *data, uint8_t alg, int64_t t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(keys->rrs); i++) {
		ldns_rr *k = ldns_rr_list_rr(keys->rrs, i);
		if (alg != 0 && ldns_rdf2native_int8(ldns_rr_rdf(k, 2)) != alg)
			continue;
		if (some_sig_verifies(data->rrs, data->sigs, k, t))
			return true;
	}
	return false;
}

/* What a validator does with this DS RRset (from the parent), this DNSKEY
 * RRset and this data RRset, all of which it may hold at t. Strictly: the
 * data must be signed with every algorithm the DS RRset names (Unbound's
 * harden-algo-downgrade), which an algorithm rollover done in the wrong
 * order fails. */
static bool validates(const ver_t *ds, const ver_t *key, ver_t *data, int64_t t)
{
	bool trusted = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(key->rrs) && !trusted; i++) {
		ldns_rr *k = ldns_rr_list_rr(key->rrs, i);
		bool named = false;
		for (size_t j = 0; j < ldns_rr_list_rr_count(ds->rrs); j++)
			named = named || ldns_rr_compare_ds(ldns_rr_list_rr(ds->rrs, j), k);
		trusted = named && some_sig_verifies(key->rrs, key->sigs, k, t);
	}
	if (!trusted)
		return false;
	for (size_t j = 0; j < ldns_rr_list_rr_count(ds->rrs); j++) {
		uint8_t alg = ldns_rdf2native_int8(ldns_rr_rdf(ldns_rr_list_rr(ds->rrs, j), 1));
		if (!signed_by(key, data, alg, t))
			return false;
	}
	return signed_by(key, data, 0, t);
}

typedef struct {
	store_t s;
	zone_t *zone;
	sig_roll_intervals_t iv;
	hist_t ds, key, data, apex; /* apex: the SOA, signed by the ZSK side too */
	ldns_rr_list *parent;       /* the DS RRset the parent serves */
	uint32_t serial;
	size_t failures;
	size_t checks;
} run_t;

static const char *const g_roll_zone[] = {
    APEX " 60 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 60",
    APEX " 60 IN NS ns1." APEX,
    "ns1." APEX " 60 IN A 192.0.2.53",
    "www." APEX " 120 IN A 192.0.2.80",
    NULL,
};

static sig_signer_t run_signer(run_t *r, sig_key_t **keys, bool *keyset_only, size_t *n)
{
	*n = sig_keystore_signing_keys(r->s.ks, keys, keyset_only, 16);
	sig_signer_t signer = make_signer(r->zone, keys, *n);
	signer.keyset_only = keyset_only;
	return signer;
}

/* The zone follows the store: apex records, then whatever needs signing
 * again, as zonemgr does. */
static void run_apply(run_t *r, int64_t now)
{
	sig_key_t *keys[16];
	bool keyset_only[16];
	size_t n;
	sig_signer_t signer = run_signer(r, keys, keyset_only, &n);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_keystore_apex_changes(r->s.ks, r->zone, T_KEY, &cs) == GW_OK);
	CU_ASSERT_FATAL(
	    sig_zone_commit(&signer, r->zone, &cs, (time_t)now, ++r->serial, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_zone_refresh(&signer, r->zone, (time_t)now, 1, 0, ++r->serial, NULL,
	                                 NULL) == GW_OK);
	r->serial = serial_of(r->zone);
	/* Every signing key signs everything it must: only when no key signs
	 * the keyset alone, which sig_verify_zone() does not know of. */
	bool plain = true;
	for (size_t i = 0; i < n; i++)
		plain = plain && !keyset_only[i];
	/* Nor while a key signs unpublished (an algorithm rollover). */
	size_t all = 0;
	sig_keystore_keys(r->s.ks, &all);
	for (size_t i = 0; i < all; i++) {
		uint8_t use = sig_keystore_key_use(r->s.ks, i);
		plain = plain && (!(use & SIG_USE_SIGN) || (use & SIG_USE_PUBLISH));
	}
	if (plain)
		CU_ASSERT(verifies(r->zone, keys, n, (time_t)now));
}

/* The registrar of RFC 8078: the parent's DS becomes the child's CDS. */
static void run_registrar(run_t *r, int64_t now)
{
	ldns_rr_list *cds, *sigs;
	snap(r->zone, APEX, DNS_T_CDS, &cds, &sigs);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list *ds = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(cds); i++) {
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(cds, i));
		ldns_rr_set_type(rr, LDNS_RR_TYPE_DS);
		ldns_rr_set_ttl(rr, T_DS);
		ldns_rr_list_push_rr(ds, rr);
	}
	ldns_rr_list_deep_free(cds);
	if (ldns_rr_list_rr_count(ds) == 0) {
		ldns_rr_list_deep_free(ds);
		return;
	}
	hist_record(&r->ds, now, ldns_rr_list_clone(ds), ldns_rr_list_new());
	if (r->parent != NULL)
		ldns_rr_list_deep_free(r->parent);
	r->parent = ds;
}

/* The zone publishes a revoked DNSKEY (flags 385) that signs the DNSKEY
 * RRset itself (RFC 5011 2.1). */
static int revoked_self_signed(run_t *r)
{
	ldns_rr_list *rrs, *sigs;
	snap(r->zone, APEX, DNS_T_DNSKEY, &rrs, &sigs);
	int found = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *k = ldns_rr_list_rr(rrs, i);
		if (ldns_rdf2native_int16(ldns_rr_rdf(k, 0)) != 385)
			continue;
		CU_ASSERT_TRUE(some_sig_verifies(rrs, sigs, k, (int64_t)time(NULL)));
		found++;
	}
	CU_ASSERT_EQUAL(found, 1);
	ldns_rr_list_deep_free(rrs);
	ldns_rr_list_deep_free(sigs);
	return found;
}

static bool parent_has(const run_t *r, uint16_t tag)
{
	for (size_t i = 0; r->parent != NULL && i < ldns_rr_list_rr_count(r->parent); i++)
		if (ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(r->parent, i), 0)) == tag)
			return true;
	return false;
}

/* Record what is served at now and check every combination a resolver
 * could hold. */
static void run_check(run_t *r, int64_t now)
{
	ldns_rr_list *rrs, *sigs;
	snap(r->zone, APEX, DNS_T_DNSKEY, &rrs, &sigs);
	hist_record(&r->key, now, rrs, sigs);
	snap(r->zone, "www." APEX, DNS_T_A, &rrs, &sigs);
	hist_record(&r->data, now, rrs, sigs);
	snap(r->zone, APEX, DNS_T_SOA, &rrs, &sigs);
	hist_record(&r->apex, now, rrs, sigs);
	for (size_t d = 0; d < r->ds.n; d++) {
		if (!holdable(&r->ds, d, now))
			continue;
		for (size_t k = 0; k < r->key.n; k++) {
			if (!holdable(&r->key, k, now))
				continue;
			hist_t *datas[] = {&r->data, &r->apex};
			for (size_t h = 0; h < 2; h++) {
				for (size_t x = 0; x < datas[h]->n; x++) {
					if (!holdable(datas[h], x, now))
						continue;
					r->checks++;
					if (validates(&r->ds.v[d], &r->key.v[k], &datas[h]->v[x],
					              now))
						continue;
					r->failures++;
					fprintf(stderr,
					        "\n  t=%lld: bogus with DS v%zu, DNSKEY v%zu, %s "
					        "v%zu\n",
					        (long long)now, d, k, h ? "SOA" : "www A", x);
				}
			}
		}
	}
}

/* A signed zone on a new store, served (and checked) at now, with the
 * registrar's DS in the parent. */
/* RFC 5011 hold-down of the next run (0: none). */
static uint32_t g_hold_down;

static void run_setup(run_t *r, bool split, uint8_t alg, int64_t now)
{
	memset(r, 0, sizeof(*r));
	store_init_alg(&r->s, split, alg);
	sig_roll_inputs_t in = {.dnskey_ttl = T_KEY,
	                        .max_zone_ttl = T_MAX,
	                        .propagation_delay = T_PRP,
	                        .parent_ds_ttl = T_DS,
	                        .parent_propagation = T_PPRP,
	                        .hold_down = g_hold_down};
	sig_roll_intervals(&in, &r->iv);
	r->ds.hold = T_DS + T_PPRP;
	r->key.hold = T_KEY + T_PRP;
	r->data.hold = r->apex.hold = T_MAX + T_PRP;
	r->zone = tzone(APEX, g_roll_zone);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_keystore_apex_changes(r->s.ks, r->zone, T_KEY, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(r->zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	sig_key_t *keys[16];
	bool keyset_only[16];
	size_t n;
	sig_signer_t signer = run_signer(r, keys, keyset_only, &n);
	sign_all(&signer, r->zone, (time_t)now, 1);
	r->serial = serial_of(r->zone);
	run_registrar(r, now);
	run_check(r, now);
}

static void run_done(run_t *r)
{
	hist_free(&r->ds);
	hist_free(&r->key);
	hist_free(&r->data);
	hist_free(&r->apex);
	ldns_rr_list_deep_free(r->parent);
	zone_free(r->zone);
	store_done(&r->s);
}

static void run_rollover(bool split, sig_roll_kind_t kind, uint8_t from_alg, uint8_t to_alg)
{
	run_t r;
	/* Real time, so that ldns-verify-zone (which checks signatures at
	 * the real clock) accepts every step: the rollover spans less than
	 * the signatures' inception offset. */
	int64_t now = (int64_t)time(NULL);
	run_setup(&r, split, from_alg, now);

	CU_ASSERT_EQUAL_FATAL(start(r.s.ks, kind, to_alg, now), GW_OK);
	run_apply(&r, now);
	run_check(&r, now);
	sig_roll_info_t info;
	sig_keystore_roll_info(r.s.ks, &r.iv, &info);
	uint16_t new_tag = info.new_tag;
	int steps = 1;
	int revoked_seen = 0;
	int64_t end = now + 3000;
	for (now += T_TICK; now < end; now += T_TICK) {
		bool changed = false;
		int64_t next = 0;
		CU_ASSERT_FATAL(sig_keystore_roll_advance(r.s.ks, &r.iv, now, &changed, &next) ==
		                GW_OK);
		sig_keystore_roll_info(r.s.ks, &r.iv, &info);
		/* The operator confirms once the registrar has put the DS in. */
		if (info.kind != SIG_ROLL_NONE && info.step == SIG_STEP_DS_WAIT &&
		    parent_has(&r, new_tag)) {
			CU_ASSERT_EQUAL(sig_keystore_ds_seen(r.s.ks, now), GW_OK);
			changed = true;
		}
		if (changed) {
			steps++;
			/* kill -9 right after the step was written. */
			store_reload(&r.s);
			run_apply(&r, now);
			CU_ASSERT_EQUAL(ldns_verify_zone_file(r.zone), 0);
		}
		if (info.kind != SIG_ROLL_NONE && info.step == SIG_STEP_REVOKE)
			revoked_seen += revoked_self_signed(&r);
		run_registrar(&r, now);
		run_check(&r, now);
		if (info.kind == SIG_ROLL_NONE)
			break;
	}
	CU_ASSERT_EQUAL(info.kind, SIG_ROLL_NONE);
	int want_steps = kind == SIG_ROLL_ZSK ? 4 : (kind == SIG_ROLL_KSK ? 5 : 6);
	if (g_hold_down > 0 && (kind == SIG_ROLL_KSK || kind == SIG_ROLL_CSK))
		want_steps++;
	CU_ASSERT_EQUAL(steps, want_steps);
	CU_ASSERT_TRUE(g_hold_down == 0 || kind == SIG_ROLL_ZSK || revoked_seen > 0);
	size_t count = 0;
	sig_key_t *const *left = sig_keystore_keys(r.s.ks, &count);
	CU_ASSERT_EQUAL(count, split ? 2 : 1);
	for (size_t i = 0; i < count; i++)
		CU_ASSERT_EQUAL(sig_key_algorithm(left[i]),
		                kind == SIG_ROLL_ALG ? to_alg : from_alg);
	CU_ASSERT_EQUAL(r.failures, 0);
	CU_ASSERT(r.checks > 100);
	/* Caches drain: keep checking until no old version can be held. */
	for (int64_t stop = now + T_MAX + T_DS + 2 * T_PRP; now < stop; now += T_TICK) {
		run_registrar(&r, now);
		run_check(&r, now);
	}
	CU_ASSERT_EQUAL(r.failures, 0);
	/* Only the new key is at the parent and in the trust anchor file. */
	CU_ASSERT_TRUE(kind == SIG_ROLL_ZSK || parent_has(&r, new_tag));
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(r.parent), 1);
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(r.s.ks, T_DS), GW_OK);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/trust-anchor.ds", r.s.state);
	FILE *fp = fopen(path, "r");
	CU_ASSERT_FATAL(fp != NULL);
	char text[2048];
	size_t len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	fclose(fp);
	ldns_rr *only = ldns_rr_list_rr(r.parent, 0);
	char tag[16];
	snprintf(tag, sizeof(tag), "DS\t%u ", ldns_rdf2native_int16(ldns_rr_rdf(only, 0)));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, tag));
	fprintf(stderr, " [%zu combinations checked] ", r.checks);
	run_done(&r);
}

#define ECDSA SIG_ALG_ECDSAP256SHA256

static void test_roll_zsk(void)
{
	run_rollover(true, SIG_ROLL_ZSK, ECDSA, ECDSA);
}

static void test_roll_ksk(void)
{
	run_rollover(true, SIG_ROLL_KSK, ECDSA, ECDSA);
}

static void test_roll_csk(void)
{
	run_rollover(false, SIG_ROLL_CSK, ECDSA, ECDSA);
}

/* RFC 5011: a hold-down of 30 s lengthens the publish step and adds the
 * revoke step; the checker still finds nothing bogus. */
static void test_roll_ksk_rfc5011(void)
{
	g_hold_down = 30;
	run_rollover(true, SIG_ROLL_KSK, ECDSA, ECDSA);
	run_rollover(false, SIG_ROLL_CSK, ECDSA, ECDSA);
	g_hold_down = 0;
}

/* RFC 6781 4.1.4 with the examples of the issue: RSA to ECDSA (a KSK and
 * a ZSK), ECDSA to Ed25519 (a CSK). */
static void test_roll_alg_rsa_ecdsa(void)
{
	run_rollover(true, SIG_ROLL_ALG, SIG_ALG_RSASHA256, ECDSA);
}

static void test_roll_alg_ecdsa_ed25519(void)
{
	run_rollover(false, SIG_ROLL_ALG, ECDSA, SIG_ALG_ED25519);
}

/* The checker itself: retiring the old KSK without waiting for the DS
 * (a rollover done wrong) must be caught. */
static void test_checker_catches(void)
{
	run_t r;
	int64_t now = (int64_t)time(NULL);
	run_setup(&r, false, SIG_ALG_ECDSAP256SHA256, now);
	CU_ASSERT_EQUAL(r.failures, 0);
	/* A brand-new store's key replaces the old at once: the cached DS
	 * names a key that is gone. */
	store_t other;
	store_init(&other, false);
	sig_keystore_t *mine = r.s.ks;
	r.s.ks = other.ks;
	run_apply(&r, now + T_TICK);
	run_check(&r, now + T_TICK);
	CU_ASSERT(r.failures > 0);
	r.s.ks = mine;
	store_done(&other);
	run_done(&r);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "dnssec rollover against every cache",
	    (gw_test_t[]){
	        {"checker catches", test_checker_catches},
	        {"zsk rollover", test_roll_zsk},
	        {"ksk rollover", test_roll_ksk},
	        {"csk rollover", test_roll_csk},
	        {"ksk and csk rollover, rfc5011", test_roll_ksk_rfc5011},
	        {"algorithm rollover rsa to ecdsa", test_roll_alg_rsa_ecdsa},
	        {"algorithm rollover ecdsa to ed25519", test_roll_alg_ecdsa_ed25519},
	        {NULL, NULL},
	    });
}
