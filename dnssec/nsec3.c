/* Authenticated denial with NSEC3 (RFC 5155), parameters per RFC 9276.
 *
 * The chain is kept like the NSEC one: a full pass at start, and after
 * each change only the hashes of the names it touched, their ancestors
 * (empty non-terminals come and go with them) and the neighbours whose
 * next hashed owner moves. The hash order lives in zones/ (zone_hashed_*),
 * so a neighbour is one binary search away however many names sort
 * between two hashes. */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/sorted.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

#define NSEC3_ALG_SHA1 1

int sig_nsec3_hash(const uint8_t *name, uint8_t hash[SIG_NSEC3_HASH_LEN])
{
	uint8_t lower[ZONE_NAME_MAXLEN];
	int len = zone_name_lower(lower, name);

	/* SHA1() is OpenSSL 3's one-shot digest (not among the deprecated
	 * low-level calls); with no salt and 0 iterations RFC 5155 5 is a
	 * single hash of the name. */
	if (SHA1(lower, (size_t)len, hash) == NULL)
		return GW_ECRYPTO;
	return GW_OK;
}

/* <base32hex(hash)>.<apex> into out; the length or GW_ELIMIT. */
static int hashed_owner(uint8_t *out, const uint8_t hash[SIG_NSEC3_HASH_LEN], const uint8_t *apex)
{
	int apex_len = zone_name_len(apex, ZONE_NAME_MAXLEN);
	char text[SIG_NSEC3_LABEL_LEN + 1];

	if (apex_len < 0 || 1 + SIG_NSEC3_LABEL_LEN + apex_len > ZONE_NAME_MAXLEN)
		return GW_ELIMIT;
	if (ldns_b32_ntop_extended_hex(hash, SIG_NSEC3_HASH_LEN, text, sizeof(text)) !=
	    SIG_NSEC3_LABEL_LEN)
		return GW_ECRYPTO;
	out[0] = SIG_NSEC3_LABEL_LEN;
	for (int i = 0; i < SIG_NSEC3_LABEL_LEN; i++) {
		char ch = text[i];
		out[1 + i] = (uint8_t)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	memcpy(out + 1 + SIG_NSEC3_LABEL_LEN, apex, (size_t)apex_len);
	return 1 + SIG_NSEC3_LABEL_LEN + apex_len;
}

/* The NSEC3 owner of hash (*node, or NULL) and the one before it in hash
 * order (*prev, wrapping); owner (may be NULL) receives the hashed name. */
static int find_hash(const zone_t *zone, const uint8_t hash[SIG_NSEC3_HASH_LEN],
                     const zone_node_t **node, const zone_node_t **prev, uint8_t *owner)
{
	uint8_t buf[ZONE_NAME_MAXLEN];
	uint8_t *name = owner != NULL ? owner : buf;
	int ret = hashed_owner(name, hash, zone_apex(zone));

	if (ret < 0)
		return ret;
	zone_hashed_lookup(zone, name, node, prev);
	return GW_OK;
}

int sig_nsec3_owner(uint8_t *out, const uint8_t *name, const uint8_t *apex)
{
	uint8_t hash[SIG_NSEC3_HASH_LEN];
	int ret = sig_nsec3_hash(name, hash);

	if (ret != GW_OK)
		return ret;
	return hashed_owner(out, hash, apex);
}

int sig_nsec3_find(const zone_t *zone, const uint8_t *name, uint8_t *owner,
                   const zone_node_t **match, const zone_node_t **prev)
{
	uint8_t hash[SIG_NSEC3_HASH_LEN];
	int ret = sig_nsec3_hash(name, hash);

	if (ret != GW_OK)
		return ret;
	return find_hash(zone, hash, match, prev, owner);
}

bool sig_zone_uses_nsec3(const zone_t *zone)
{
	const zone_node_t *apex = zone_apex_node(zone);

	return apex != NULL && zone_node_rrset(apex, DNS_T_NSEC3PARAM) != NULL;
}

bool sig_node_is_nsec3(const zone_t *zone, const zone_node_t *node)
{
	return zone_node_rrset(node, DNS_T_NSEC3) != NULL &&
	       zone_name_labels(node->owner) == zone_name_labels(zone_apex(zone)) + 1;
}

/* ---- the chain ----------------------------------------------------------- */

/* NSEC3 rdata: algorithm, flags, iterations (2), salt length, hash length,
 * next hashed owner, type bitmap. */
#define NSEC3_FIXED (1 + 1 + 2 + 1 + 1 + SIG_NSEC3_HASH_LEN)
#define BITMAP_MAX  (256 * 34)

static const uint8_t nsec3param_rdata[5] = {NSEC3_ALG_SHA1, 0, 0, 0, 0};

/* A name that should (or, for the incremental update, may no longer)
 * have an NSEC3. */
typedef struct want {
	uint8_t hash[SIG_NSEC3_HASH_LEN];
	const uint8_t *name;     /* borrowed: a node owner or a change's owner */
	const zone_node_t *node; /* NULL for an empty non-terminal (or gone) */
	sig_node_kind_t kind;
	bool in; /* in the chain */
} want_t;

typedef struct wants {
	want_t *items;
	size_t count;
	size_t cap;
} wants_t;

static int wants_push(wants_t *w, const want_t *item)
{
	if (gw_array_reserve(&w->items, &w->cap, w->count + 1, sizeof(*w->items), 64) != GW_OK)
		return GW_ENOMEM;
	w->items[w->count++] = *item;
	return GW_OK;
}

static int cmp_want_hash(const void *pa, const void *pb)
{
	return memcmp(pa, pb, SIG_NSEC3_HASH_LEN);
}

static int cmp_want(const void *pa, const void *pb)
{
	return memcmp(((const want_t *)pa)->hash, ((const want_t *)pb)->hash, SIG_NSEC3_HASH_LEN);
}

/* Sort by hash and keep one entry per name; two names with one hash
 * cannot both be in the chain (RFC 5155 7.1 leaves such a zone
 * unsignable): GW_ESEMANTIC. */
static int wants_unique(wants_t *w)
{
	size_t k = 0;

	if (w->count == 0)
		return GW_OK;
	qsort(w->items, w->count, sizeof(*w->items), cmp_want);
	for (size_t i = 1; i < w->count; i++) {
		want_t *last = &w->items[k];
		if (cmp_want(last, &w->items[i]) != 0) {
			w->items[++k] = w->items[i];
			continue;
		}
		if (!zone_name_equal(last->name, w->items[i].name)) {
			char a[4 * ZONE_NAME_MAXLEN + 2];
			char b[4 * ZONE_NAME_MAXLEN + 2];
			(void)zone_name_to_str(a, sizeof(a), last->name);
			(void)zone_name_to_str(b, sizeof(b), w->items[i].name);
			gw_err("NSEC3: %s and %s have the same hash; the zone cannot be signed "
			       "with NSEC3 (use denial: nsec)",
			       a, b);
			return GW_ESEMANTIC;
		}
	}
	w->count = k + 1;
	return GW_OK;
}

/* True when some ancestor strictly between the apex and name holds NS. */
static bool below_cut(const zone_t *zone, const uint8_t *name)
{
	int apex_labels = zone_name_labels(zone_apex(zone));
	const uint8_t *p = name;

	for (int labels = zone_name_labels(name) - 1; labels > apex_labels; labels--) {
		p += *p + 1;
		const zone_node_t *anc = zone_find(zone, p);
		if (anc != NULL && zone_node_rrset(anc, DNS_T_NS) != NULL)
			return true;
	}
	return false;
}

/* Where name stands now (RFC 5155 7.1): a node with data that is not
 * below a delegation, or an empty non-terminal above such nodes, is in
 * the chain. NSEC3 owners are not names of the zone. */
static int want_of(const zone_t *zone, const uint8_t *name, want_t *w)
{
	const zone_node_t *node = zone_find(zone, name);

	memset(w, 0, sizeof(*w));
	w->name = name;
	int ret = sig_nsec3_hash(name, w->hash);
	if (ret != GW_OK)
		return ret;
	if (node != NULL) {
		if (sig_node_is_nsec3(zone, node))
			return GW_OK;
		w->node = node;
		w->kind = sig_node_kind(zone, node);
		w->in = w->kind != SIG_NODE_OUT;
		return GW_OK;
	}
	zone_lookup_t lk;
	if (zone_lookup(zone, name, &lk) != GW_OK)
		return GW_OK;
	w->in = lk.empty_nonterminal && !below_cut(zone, name);
	return GW_OK;
}

/* The type bitmap of a name in the chain into out (BITMAP_MAX octets);
 * at the apex with the NSEC3PARAM, which the full pass adds in the same
 * change that writes the apex's NSEC3. */
static int want_bitmap(const zone_t *zone, const want_t *w, uint8_t *out, size_t *len)
{
	ldns_rdf *rdf = NULL;

	*len = 0;
	if (w->node == NULL)
		return GW_OK; /* empty non-terminal: no types */
	int ret =
	    sig_type_bitmap(w->node, w->kind, DNS_T_NSEC3, w->node == zone_apex_node(zone), &rdf);
	if (ret == GW_OK && rdf != NULL) {
		if (ldns_rdf_size(rdf) > BITMAP_MAX) {
			ret = GW_ELIMIT;
		} else {
			memcpy(out, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
			*len = ldns_rdf_size(rdf);
		}
	}
	ldns_rdf_deep_free(rdf);
	return ret;
}

static size_t nsec3_rdata(uint8_t *out, const uint8_t next[SIG_NSEC3_HASH_LEN],
                          const uint8_t *bitmap, size_t bitmap_len)
{
	out[0] = NSEC3_ALG_SHA1;
	out[1] = 0; /* flags: no opt-out */
	out[2] = 0; /* iterations */
	out[3] = 0;
	out[4] = 0; /* salt length */
	out[5] = SIG_NSEC3_HASH_LEN;
	memcpy(out + 6, next, SIG_NSEC3_HASH_LEN);
	memcpy(out + NSEC3_FIXED, bitmap, bitmap_len);
	return NSEC3_FIXED + bitmap_len;
}

/* The bitmap of an existing NSEC3 of ours (rdata laid out as we write
 * it), or false. */
static bool existing_bitmap(const zone_node_t *node, const uint8_t **bitmap, size_t *len)
{
	const zone_rrset_t *nsec3 = zone_node_rrset(node, DNS_T_NSEC3);
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;

	if (nsec3 == NULL || !zone_rrset_next(nsec3, &pos, &rdata, &rdlen) || rdlen < NSEC3_FIXED ||
	    memcmp(rdata, nsec3param_rdata, 5) != 0 || rdata[5] != SIG_NSEC3_HASH_LEN)
		return false;
	*bitmap = rdata + NSEC3_FIXED;
	*len = rdlen - NSEC3_FIXED;
	return true;
}

/* Make the RRset (owner, type) exactly the one RR rdata at ttl: nothing
 * when it already is, else remove the others and add it. existing is the
 * node at owner or NULL. */
static int put_one(zone_changeset_t *cs, const uint8_t *owner, const zone_node_t *existing,
                   uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen)
{
	const zone_rrset_t *cur = existing != NULL ? zone_node_rrset(existing, type) : NULL;
	int ret;

	if (cur != NULL && cur->count == 1 && cur->ttl == ttl && cur->rdata_len == rdlen + 2 &&
	    memcmp(cur->rdata + 2, rdata, rdlen) == 0)
		return GW_OK;
	if (cur != NULL) {
		/* A TTL change replaces the whole RRset: zone_apply() takes the
		 * added RR's TTL, so only other rdata need removing. */
		ret = zone_changeset_remove_rrset(cs, existing, type, rdata, rdlen);
		if (ret != GW_OK)
			return ret;
	}
	uint8_t name[ZONE_NAME_MAXLEN];
	int len = zone_name_lower(name, owner);
	const zone_node_t node = {.owner = name, .owner_len = (uint16_t)len};
	const zone_rrset_t rrset = {.type = type, .ttl = ttl};
	ldns_rr *rr = NULL;
	ret = zone_rr_to_ldns(&rr, &node, &rrset, rdata, (uint16_t)rdlen);
	if (ret != GW_OK)
		return ret;
	return zone_changeset_add(cs, rr); /* takes rr, also on error */
}

static int put_nsec3param(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs)
{
	return put_one(cs, zone_apex(zone), zone_apex_node(zone), DNS_T_NSEC3PARAM, ttl,
	               nsec3param_rdata, sizeof(nsec3param_rdata));
}

/* Write the NSEC3 of w with next, unless the zone has it already. */
static int put_nsec3(const zone_t *zone, uint32_t ttl, const uint8_t hash[SIG_NSEC3_HASH_LEN],
                     const uint8_t next[SIG_NSEC3_HASH_LEN], const uint8_t *bitmap,
                     size_t bitmap_len, zone_changeset_t *cs)
{
	static __thread uint8_t rdata[NSEC3_FIXED + BITMAP_MAX];
	uint8_t owner[ZONE_NAME_MAXLEN];
	const zone_node_t *node;
	const zone_node_t *prev;

	int ret = find_hash(zone, hash, &node, &prev, owner);
	if (ret != GW_OK)
		return ret;
	size_t len = nsec3_rdata(rdata, next, bitmap, bitmap_len);
	return put_one(cs, owner, node, DNS_T_NSEC3, ttl, rdata, len);
}

/* The hash an NSEC3 owner stands for, from its first label. */
static bool owner_hash(const zone_node_t *node, uint8_t hash[SIG_NSEC3_HASH_LEN])
{
	uint8_t buf[SIG_NSEC3_HASH_LEN + 8];

	if (node->owner[0] != SIG_NSEC3_LABEL_LEN)
		return false;
	return ldns_b32_pton_extended_hex((const char *)node->owner + 1, SIG_NSEC3_LABEL_LEN, buf,
	                                  sizeof(buf)) == SIG_NSEC3_HASH_LEN &&
	       memcpy(hash, buf, SIG_NSEC3_HASH_LEN) != NULL;
}

int sig_nsec3_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs)
{
	static __thread uint8_t bitmap[BITMAP_MAX];
	wants_t wants = {0};
	sig_walk_t walk = {0};
	const uint8_t *last_in = NULL;
	int apex_labels = zone_name_labels(zone_apex(zone));
	int ret = GW_OK;

	if (zone_apex_node(zone) == NULL)
		return GW_OK;
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		ret = zone_changeset_remove_rrset(cs, node, DNS_T_NSEC, NULL, 0);
		if (ret != GW_OK)
			goto out;
		if (sig_node_is_nsec3(zone, node))
			continue;
		want_t w = {.name = node->owner, .node = node};
		w.kind = sig_walk_kind(&walk, zone, node);
		if (w.kind == SIG_NODE_OUT)
			continue;
		w.in = true;
		ret = sig_nsec3_hash(node->owner, w.hash);
		if (ret == GW_OK)
			ret = wants_push(&wants, &w);
		if (ret != GW_OK)
			goto out;
		/* Empty non-terminals above it, up to the first ancestor that
		 * is a node; one already pushed for the previous name in the
		 * chain is not pushed again. */
		const uint8_t *p = node->owner;
		for (int labels = zone_name_labels(p) - 1; labels > apex_labels; labels--) {
			p += *p + 1;
			if (zone_find(zone, p) != NULL ||
			    (last_in != NULL && zone_name_is_subdomain(last_in, p)))
				break;
			want_t ent = {.name = p, .in = true};
			ret = sig_nsec3_hash(p, ent.hash);
			if (ret == GW_OK)
				ret = wants_push(&wants, &ent);
			if (ret != GW_OK)
				goto out;
		}
		last_in = node->owner;
	}
	ret = wants_unique(&wants);
	if (ret == GW_OK)
		ret = put_nsec3param(zone, ttl, cs);
	if (ret != GW_OK)
		goto out;

	/* Both lists are in hash order: write what differs, drop what is
	 * not wanted. */
	size_t e = 0;
	size_t existing = zone_hashed_count(zone);
	for (size_t i = 0; i < wants.count; i++) {
		const want_t *w = &wants.items[i];
		uint8_t eh[SIG_NSEC3_HASH_LEN];
		for (; e < existing; e++) {
			const zone_node_t *old = zone_hashed_at(zone, e);
			if (!owner_hash(old, eh) || memcmp(eh, w->hash, sizeof(eh)) < 0) {
				ret = zone_changeset_remove_rrset(cs, old, DNS_T_NSEC3, NULL, 0);
				if (ret != GW_OK)
					goto out;
				continue;
			}
			if (memcmp(eh, w->hash, sizeof(eh)) == 0)
				e++;
			break;
		}
		size_t bitmap_len;
		ret = want_bitmap(zone, w, bitmap, &bitmap_len);
		if (ret == GW_OK)
			ret = put_nsec3(zone, ttl, w->hash, wants.items[(i + 1) % wants.count].hash,
			                bitmap, bitmap_len, cs);
		if (ret != GW_OK)
			goto out;
	}
	for (; e < existing; e++) {
		ret =
		    zone_changeset_remove_rrset(cs, zone_hashed_at(zone, e), DNS_T_NSEC3, NULL, 0);
		if (ret != GW_OK)
			goto out;
	}
out:
	free(wants.items);
	return ret;
}

/* ---- around a change ----------------------------------------------------- */

typedef struct hashes {
	uint8_t (*items)[SIG_NSEC3_HASH_LEN];
	size_t count;
} hashes_t;

static int hash_cmp(const void *elem, const void *key)
{
	return memcmp(elem, key, SIG_NSEC3_HASH_LEN);
}

static bool hashes_has(const hashes_t *h, const uint8_t hash[SIG_NSEC3_HASH_LEN])
{
	return gw_sorted_find(h->items, h->count, sizeof(*h->items), hash, hash_cmp) != NULL;
}

/* The chain after the change, F = (NSEC3 owners now, less gone) + added,
 * seen from one hash: the next and the previous member of F. gone and
 * added are sorted. */
typedef struct chain_view {
	const zone_t *zone;
	const hashes_t *gone;
	const hashes_t *added;
} chain_view_t;

/* Order of x going forward from t: after t first (by value), then those
 * at or before t (wrapped). */
static int forward_cmp(const uint8_t *t, const uint8_t *x, const uint8_t *y)
{
	bool xw = memcmp(x, t, SIG_NSEC3_HASH_LEN) <= 0;
	bool yw = memcmp(y, t, SIG_NSEC3_HASH_LEN) <= 0;

	if (xw != yw)
		return xw ? 1 : -1;
	return memcmp(x, y, SIG_NSEC3_HASH_LEN);
}

static int chain_next(const chain_view_t *v, const uint8_t t[SIG_NSEC3_HASH_LEN],
                      uint8_t out[SIG_NSEC3_HASH_LEN])
{
	const zone_node_t *node;
	const zone_node_t *prev;
	bool have = false;
	uint8_t best[SIG_NSEC3_HASH_LEN];

	int ret = find_hash(v->zone, t, &node, &prev, NULL);
	if (ret != GW_OK)
		return ret;
	const zone_node_t *e = node != NULL
	                           ? zone_hashed_next_wrap(v->zone, node)
	                           : (prev != NULL ? zone_hashed_next_wrap(v->zone, prev) : NULL);
	for (size_t guard = v->gone->count + 1; e != NULL && guard > 0; guard--) {
		uint8_t h[SIG_NSEC3_HASH_LEN];
		if (owner_hash(e, h) && !hashes_has(v->gone, h)) {
			memcpy(best, h, sizeof(best));
			have = true;
			break;
		}
		e = zone_hashed_next_wrap(v->zone, e);
	}
	if (v->added->count > 0) {
		/* First added hash after t, wrapping. */
		size_t lo = gw_upper_bound(v->added->items, v->added->count,
		                           sizeof(*v->added->items), t, hash_cmp);
		const uint8_t *a = v->added->items[lo < v->added->count ? lo : 0];
		if (!have || forward_cmp(t, a, best) < 0) {
			memcpy(best, a, sizeof(best));
			have = true;
		}
	}
	if (!have)
		return GW_ENOTFOUND;
	memcpy(out, best, SIG_NSEC3_HASH_LEN);
	return GW_OK;
}

/* The member of F before t that is an NSEC3 owner now (not added), or
 * NULL when the one before t is an added hash (which is written anyway). */
static int chain_prev_existing(const chain_view_t *v, const uint8_t t[SIG_NSEC3_HASH_LEN],
                               const zone_node_t **out)
{
	const zone_node_t *node;
	const zone_node_t *prev;
	const zone_node_t *found = NULL;
	uint8_t fh[SIG_NSEC3_HASH_LEN];

	*out = NULL;
	int ret = find_hash(v->zone, t, &node, &prev, NULL);
	if (ret != GW_OK)
		return ret;
	const zone_node_t *e = prev;
	for (size_t guard = v->gone->count + 1; e != NULL && guard > 0; guard--) {
		if (owner_hash(e, fh) && !hashes_has(v->gone, fh)) {
			found = e;
			break;
		}
		const zone_node_t *unused;
		zone_hashed_lookup(v->zone, e->owner, &unused, &e);
	}
	if (found == NULL)
		return GW_OK;
	if (v->added->count > 0) {
		/* Last added hash before t, wrapping; if it lies between found
		 * and t, it is the predecessor instead. */
		size_t lo = gw_lower_bound(v->added->items, v->added->count,
		                           sizeof(*v->added->items), t, hash_cmp);
		const uint8_t *a = v->added->items[lo > 0 ? lo - 1 : v->added->count - 1];
		/* a is nearer to t going backwards when found comes first
		 * going forward from a. */
		if (memcmp(a, t, SIG_NSEC3_HASH_LEN) != 0 && forward_cmp(a, fh, t) > 0 &&
		    memcmp(a, fh, SIG_NSEC3_HASH_LEN) != 0)
			return GW_OK;
	}
	*out = found;
	return GW_OK;
}

/* Push name and its ancestors down to the apex. */
static int push_with_ancestors(wants_t *names, const uint8_t *name, int stop_labels)
{
	const uint8_t *p = name;
	int labels = zone_name_labels(name);

	for (;;) {
		want_t w = {.name = p};
		int ret = wants_push(names, &w);
		if (ret != GW_OK || labels <= stop_labels)
			return ret;
		p += *p + 1;
		labels--;
	}
}

static bool nsec3_current(const zone_t *zone, uint32_t ttl)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *param = apex ? zone_node_rrset(apex, DNS_T_NSEC3PARAM) : NULL;
	const zone_node_t *first = zone_hashed_at(zone, 0);
	const zone_rrset_t *nsec3 = first ? zone_node_rrset(first, DNS_T_NSEC3) : NULL;

	return param != NULL && param->count == 1 && param->ttl == ttl &&
	       param->rdata_len == 2 + sizeof(nsec3param_rdata) &&
	       memcmp(param->rdata + 2, nsec3param_rdata, sizeof(nsec3param_rdata)) == 0 &&
	       nsec3 != NULL && nsec3->ttl == ttl;
}

static int hashes_from(hashes_t *h, const wants_t *w, bool in, bool present, const zone_t *zone)
{
	h->items = malloc((w->count > 0 ? w->count : 1) * sizeof(*h->items));
	h->count = 0;
	if (h->items == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < w->count; i++) {
		const want_t *x = &w->items[i];
		const zone_node_t *node;
		const zone_node_t *prev;
		int ret = find_hash(zone, x->hash, &node, &prev, NULL);
		if (ret != GW_OK)
			return ret;
		if (x->in == in && (node != NULL) == present)
			memcpy(h->items[h->count++], x->hash, SIG_NSEC3_HASH_LEN);
	}
	return GW_OK;
}

int sig_nsec3_update_around(const zone_t *zone, uint32_t ttl, const zone_change_t *changed,
                            size_t changed_count, zone_changeset_t *cs)
{
	static __thread uint8_t bitmap[BITMAP_MAX];
	wants_t names = {0};
	hashes_t added = {0};
	hashes_t gone = {0};
	hashes_t touched = {0};
	int apex_labels = zone_name_labels(zone_apex(zone));
	int ret = GW_OK;

	if (changed_count == 0 || zone_apex_node(zone) == NULL)
		return GW_OK;
	if (!nsec3_current(zone, ttl))
		return sig_nsec3_update(zone, ttl, cs);

	/* 1: the names whose place in the chain may have changed. */
	for (size_t i = 0; i < changed_count; i++) {
		const zone_change_t *c = &changed[i];
		if (c->type == DNS_T_NSEC3 || c->type == DNS_T_NSEC3PARAM)
			continue;
		if (i > 0 && c->type != DNS_T_NS && zone_name_equal(c->owner, changed[i - 1].owner))
			continue;
		ret = push_with_ancestors(&names, c->owner, apex_labels);
		if (ret != GW_OK)
			goto out;
		if (c->type != DNS_T_NS || zone_name_equal(c->owner, zone_apex(zone)))
			continue;
		/* A delegation that came or went moves everything below it
		 * into or out of the chain. */
		uint8_t key[ZONE_KEY_MAXLEN];
		size_t key_len = (size_t)zone_name_key(key, c->owner);
		zone_lookup_t res;
		if (zone_lookup(zone, c->owner, &res) != GW_OK || res.prev == NULL)
			continue;
		int stop = zone_name_labels(c->owner);
		for (const zone_node_t *d = zone_next(zone, res.prev); d != NULL;
		     d = zone_next(zone, d)) {
			if (d->key_len < key_len || memcmp(d->key, key, key_len) != 0)
				break;
			ret = push_with_ancestors(&names, d->owner, stop);
			if (ret != GW_OK)
				goto out;
		}
	}
	for (size_t i = 0; i < names.count; i++) {
		ret = want_of(zone, names.items[i].name, &names.items[i]);
		if (ret != GW_OK)
			goto out;
	}
	ret = wants_unique(&names);
	if (ret != GW_OK)
		goto out;

	/* 2: what comes and goes, and the view of the chain after. */
	ret = hashes_from(&added, &names, true, false, zone);
	if (ret == GW_OK)
		ret = hashes_from(&gone, &names, false, true, zone);
	if (ret != GW_OK)
		goto out;
	chain_view_t view = {.zone = zone, .gone = &gone, .added = &added};

	/* 3: the NSEC3s to write: every name in the chain that was looked
	 * at (new, or its bitmap may have changed), and the predecessor of
	 * each hash that came or went (its next field moves). */
	touched.items = malloc((names.count * 2 + 1) * sizeof(*touched.items));
	if (touched.items == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < names.count; i++) {
		const want_t *w = &names.items[i];
		if (w->in)
			memcpy(touched.items[touched.count++], w->hash, SIG_NSEC3_HASH_LEN);
	}
	const hashes_t *moved[2] = {&added, &gone};
	for (int m = 0; m < 2; m++) {
		for (size_t i = 0; i < moved[m]->count; i++) {
			const zone_node_t *p;
			ret = chain_prev_existing(&view, moved[m]->items[i], &p);
			if (ret != GW_OK)
				goto out;
			if (p != NULL && owner_hash(p, touched.items[touched.count]))
				touched.count++;
		}
	}
	qsort(touched.items, touched.count, sizeof(*touched.items), cmp_want_hash);

	for (size_t i = 0; i < touched.count; i++) {
		const uint8_t *h = touched.items[i];
		if (i > 0 && memcmp(h, touched.items[i - 1], SIG_NSEC3_HASH_LEN) == 0)
			continue;
		uint8_t next[SIG_NSEC3_HASH_LEN];
		size_t bitmap_len = 0;
		want_t probe = {.name = NULL};
		memcpy(probe.hash, h, SIG_NSEC3_HASH_LEN);
		const want_t *w =
		    bsearch(&probe, names.items, names.count, sizeof(*names.items), cmp_want);
		if (w != NULL && w->in) {
			ret = want_bitmap(zone, w, bitmap, &bitmap_len);
		} else {
			/* A neighbour whose only change is its next field. */
			const zone_node_t *node;
			const zone_node_t *prev;
			const uint8_t *old;
			ret = find_hash(zone, h, &node, &prev, NULL);
			if (ret != GW_OK)
				goto out;
			if (node == NULL || !existing_bitmap(node, &old, &bitmap_len)) {
				/* Not one of ours: rebuild the chain. */
				ret = GW_ESEMANTIC;
				goto out;
			}
			memcpy(bitmap, old, bitmap_len);
			ret = GW_OK;
		}
		if (ret == GW_OK)
			ret = chain_next(&view, h, next);
		if (ret == GW_OK)
			ret = put_nsec3(zone, ttl, h, next, bitmap, bitmap_len, cs);
		if (ret != GW_OK)
			goto out;
	}
	for (size_t i = 0; i < gone.count; i++) {
		const zone_node_t *node;
		const zone_node_t *prev;
		ret = find_hash(zone, gone.items[i], &node, &prev, NULL);
		if (ret != GW_OK)
			goto out;
		ret = node != NULL ? zone_changeset_remove_rrset(cs, node, DNS_T_NSEC3, NULL, 0)
		                   : GW_OK;
		if (ret != GW_OK)
			goto out;
	}
out:
	free(names.items);
	free(added.items);
	free(gone.items);
	free(touched.items);
	return ret;
}
