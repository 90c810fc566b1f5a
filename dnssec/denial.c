/* Authenticated denial with NSEC (RFC 4034 4, RFC 4035 2.3): the changes
 * that make the chain match the zone, for the whole zone or around the
 * names a change touched. */
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/sorted.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

int sig_nsec_ttl(const zone_t *zone, uint32_t *ttl)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = apex != NULL ? zone_node_rrset(apex, DNS_T_SOA) : NULL;
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;

	if (soa == NULL || !zone_rrset_next(soa, &pos, &rdata, &rdlen))
		return GW_ENOTFOUND;
	/* MINIMUM is the last field; two root names and five fields at
	 * least. */
	if (rdlen < 22)
		return GW_EMALFORMED;
	uint32_t minimum = ldns_read_uint32(rdata + rdlen - 4);
	*ttl = soa->ttl < minimum ? soa->ttl : minimum;
	return GW_OK;
}

#define SIG_NSEC_RDATA_MAX (ZONE_NAME_MAXLEN + 256 * 34)

/* Bitmaps already made, by the node's kind and types (the bitmap depends
 * on nothing else): a zone has a handful of type sets, repeated on every
 * name, and ldns makes each bitmap with allocations and an 8 KiB clear. */
#define BITMAP_SLOTS      8
#define BITMAP_SLOT_TYPES 16
#define BITMAP_SLOT_LEN   64

typedef struct bitmap_slot {
	sig_node_kind_t kind;
	uint16_t ntypes;
	uint16_t types[BITMAP_SLOT_TYPES];
	uint8_t len;
	uint8_t bitmap[BITMAP_SLOT_LEN];
} bitmap_slot_t;

typedef struct bitmap_cache {
	bitmap_slot_t slots[BITMAP_SLOTS];
	size_t used;
	size_t victim; /* the slot the next new bitmap replaces once all are used */
} bitmap_cache_t;

static bool slot_matches(const bitmap_slot_t *slot, const zone_node_t *node, sig_node_kind_t kind)
{
	if (slot->kind != kind || slot->ntypes != node->rrset_count)
		return false;
	for (uint16_t i = 0; i < node->rrset_count; i++)
		if (slot->types[i] != node->rrsets[i].type)
			return false;
	return true;
}

/* node's NSEC bitmap into out (room for SIG_NSEC_RDATA_MAX - 1 octets
 * from the start of the bitmap), through cache when it is not NULL.
 * Returns its length, or GW_ENOMEM or GW_ELIMIT (longer than room). */
static int nsec_bitmap(uint8_t *out, size_t room, const zone_node_t *node, sig_node_kind_t kind,
                       bitmap_cache_t *cache)
{
	for (size_t i = 0; cache != NULL && i < cache->used; i++) {
		const bitmap_slot_t *slot = &cache->slots[i];
		if (slot_matches(slot, node, kind)) {
			memcpy(out, slot->bitmap, slot->len);
			return slot->len;
		}
	}
	ldns_rdf *bitmap = sig_nsec_bitmap(node, kind);
	if (bitmap == NULL)
		return GW_ENOMEM;
	size_t len = ldns_rdf_size(bitmap);
	if (len <= room)
		memcpy(out, ldns_rdf_data(bitmap), len);
	ldns_rdf_deep_free(bitmap);
	if (len > room)
		return GW_ELIMIT;
	if (cache != NULL && len <= BITMAP_SLOT_LEN && node->rrset_count <= BITMAP_SLOT_TYPES) {
		size_t i =
		    cache->used < BITMAP_SLOTS ? cache->used++ : cache->victim++ % BITMAP_SLOTS;
		bitmap_slot_t *slot = &cache->slots[i];
		slot->kind = kind;
		slot->ntypes = node->rrset_count;
		for (uint16_t t = 0; t < node->rrset_count; t++)
			slot->types[t] = node->rrsets[t].type;
		slot->len = (uint8_t)len;
		memcpy(slot->bitmap, out, len);
	}
	return (int)len;
}

/* The NSEC rdata of node (next's name lowercased, then node's bitmap, of
 * kind) into out (SIG_NSEC_RDATA_MAX octets), the bitmap through cache
 * (may be NULL). Returns its length, or GW_ENOMEM or GW_ELIMIT. */
static int nsec_rdata(uint8_t *out, const zone_node_t *node, sig_node_kind_t kind,
                      const zone_node_t *next, bitmap_cache_t *cache)
{
	int next_len = zone_name_lower(out, next->owner);
	int len =
	    nsec_bitmap(out + next_len, SIG_NSEC_RDATA_MAX - (size_t)next_len, node, kind, cache);

	return len < 0 ? len : next_len + len;
}

/* Queue what makes node's NSEC right: none when kind is SIG_NODE_OUT,
 * else exactly one with next's name and node's bitmap, at ttl. */
static int fix_node(zone_changeset_t *cs, const zone_node_t *node, sig_node_kind_t kind,
                    const zone_node_t *next, uint32_t ttl)
{
	const zone_rrset_t *nsec = zone_node_rrset(node, DNS_T_NSEC);
	ldns_rr *rr = NULL;
	uint8_t want[SIG_NSEC_RDATA_MAX];
	int ret;

	if (kind == SIG_NODE_OUT)
		return zone_changeset_remove_rrset(cs, node, DNS_T_NSEC, NULL, 0);

	ret = nsec_rdata(want, node, kind, next, NULL);
	if (ret < 0)
		return ret;
	size_t want_len = (size_t)ret;
	if (nsec != NULL && nsec->count == 1 && nsec->ttl == ttl &&
	    nsec->rdata_len == want_len + 2 && memcmp(nsec->rdata + 2, want, want_len) == 0)
		return GW_OK;
	if (nsec != NULL) {
		ret = zone_changeset_remove_rrset(cs, node, DNS_T_NSEC, want, want_len);
		if (ret != GW_OK)
			return ret;
	}

	uint8_t owner[ZONE_NAME_MAXLEN];
	int owner_len = zone_name_lower(owner, node->owner);
	ret = zone_rr_from_wire(&rr, owner, (size_t)owner_len, DNS_T_NSEC, ttl, want,
	                        (uint16_t)want_len);
	if (ret == GW_OK)
		ret = zone_changeset_add(cs, rr); /* takes rr, also on error */
	return ret;
}

typedef struct chain_entry {
	const zone_node_t *node;
	sig_node_kind_t kind;
} chain_entry_t;

/* The nodes of the chain in canonical order, with their kinds, into
 * *chain (malloc'ed, caller frees; NULL when *n is 0). With cs, what
 * removes the NSEC of each node out of the chain is queued there; without
 * it *has_nsec tells whether some node out of the chain holds one. *names
 * is the octets of the chain's owner names. GW_OK or GW_ENOMEM, the errors
 * of fix_node(). */
static int collect_chain(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs,
                         chain_entry_t **chain, size_t *n, bool *has_nsec, size_t *names)
{
	size_t total = zone_node_count(zone);
	sig_walk_t walk = {0};
	int ret;

	*chain = NULL;
	*n = 0;
	*has_nsec = false;
	*names = 0;
	if (total == 0)
		return GW_OK;
	*chain = malloc(total * sizeof(**chain));
	if (*chain == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < total; i++) {
		const zone_node_t *node = zone_node_at(zone, i);
		sig_node_kind_t kind = sig_walk_kind(&walk, zone, node);
		*has_nsec |= zone_node_rrset(node, DNS_T_NSEC) != NULL;
		if (kind != SIG_NODE_OUT) {
			(*chain)[(*n)++] = (chain_entry_t){.node = node, .kind = kind};
			*names += node->owner_len;
			continue;
		}
		if (cs == NULL)
			continue;
		ret = fix_node(cs, node, SIG_NODE_OUT, NULL, ttl);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int sig_nsec_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs)
{
	chain_entry_t *chain = NULL;
	size_t n = 0;
	size_t names;
	bool has_nsec;
	int ret = collect_chain(zone, ttl, cs, &chain, &n, &has_nsec, &names);

	for (size_t i = 0; i < n && ret == GW_OK; i++)
		ret = fix_node(cs, chain[i].node, chain[i].kind, chain[(i + 1) % n].node, ttl);
	free(chain);
	return ret;
}

/* The chain through sig_nsec_update(), a changeset and zone_apply(). */
static int build_by_changeset(zone_t *zone, uint32_t ttl)
{
	zone_changeset_t cs;
	int ret = zone_changeset_init(&cs);

	if (ret == GW_OK)
		ret = sig_nsec_update(zone, ttl, &cs);
	if (ret == GW_OK)
		ret = zone_apply(zone, &cs, NULL, NULL);
	zone_changeset_deinit(&cs);
	return ret;
}

int sig_nsec_build(zone_t *zone, uint32_t ttl)
{
	chain_entry_t *chain = NULL;
	size_t n = 0;
	size_t names;
	bool has_nsec;
	uint8_t *wire = NULL;
	size_t cap = 0;
	size_t used = 0;
	size_t *lens = NULL;
	const uint8_t **rrs = NULL;
	uint8_t rdata[SIG_NSEC_RDATA_MAX];
	uint8_t owner[ZONE_NAME_MAXLEN];
	bitmap_cache_t cache = {0};
	int ret = collect_chain(zone, ttl, NULL, &chain, &n, &has_nsec, &names);

	if (ret == GW_OK && has_nsec) {
		free(chain);
		chain = NULL;
		ret = build_by_changeset(zone, ttl);
		goto out;
	}
	if (ret != GW_OK || n == 0)
		goto out;
	/* Every chain name is an owner once and a next name once; a bitmap
	 * of a name with a few types in one window is a few octets. */
	ret = GW_ENOMEM;
	lens = malloc(n * sizeof(*lens));
	if (lens == NULL ||
	    gw_array_reserve(&wire, &cap, 2 * names + n * (DNS_RR_FIXED_LEN + 8), 1, 1) != GW_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int len = nsec_rdata(rdata, chain[i].node, chain[i].kind, chain[(i + 1) % n].node,
		                     &cache);
		if (len < 0) {
			ret = len;
			goto out;
		}
		int owner_len = zone_name_lower(owner, chain[i].node->owner);
		size_t need = used + (size_t)owner_len + DNS_RR_FIXED_LEN + (size_t)len;
		if (gw_array_reserve(&wire, &cap, need, 1, 1) != GW_OK)
			goto out;
		lens[i] = zone_rr_to_wire(wire + used, owner, (size_t)owner_len, DNS_T_NSEC, ttl,
		                          rdata, (uint16_t)len);
		used += lens[i];
	}
	/* The RRs are in place: no more growing, so pointers hold. The chain
	 * is not needed any more; the batch's own arrays come next. */
	free(chain);
	chain = NULL;
	rrs = malloc(n * sizeof(*rrs));
	if (rrs == NULL)
		goto out;
	for (size_t i = 0, off = 0; i < n; off += lens[i], i++)
		rrs[i] = wire + off;
	ret = zone_add_wire(zone, rrs, lens, n);
out:
	free(rrs);
	free(lens);
	free(wire);
	free(chain);
	return ret;
}

typedef struct node_set {
	const zone_node_t **nodes;
	size_t count;
	size_t cap;
} node_set_t;

static int set_add(node_set_t *set, const zone_node_t *node)
{
	if (gw_array_reserve(&set->nodes, &set->cap, set->count + 1, sizeof(*set->nodes), 32) !=
	    GW_OK)
		return GW_ENOMEM;
	set->nodes[set->count++] = node;
	return GW_OK;
}

static int cmp_node_key(const void *pa, const void *pb)
{
	const zone_node_t *a = *(const zone_node_t *const *)pa;
	const zone_node_t *b = *(const zone_node_t *const *)pb;

	return gw_octets_cmp(a->key, a->key_len, b->key, b->key_len);
}

static const zone_node_t *prev_node(const zone_t *zone, const zone_node_t *node)
{
	zone_lookup_t res;

	if (zone_lookup(zone, node->owner, &res) != GW_OK)
		return NULL;
	return res.prev;
}

/* The nodes whose NSEC may have to change because owner changed: its own
 * node, the chain predecessor of its place (whose next pointed at it or
 * must now), the nodes without data passed on the way there (stale NSECs
 * to remove), and, when NS changed below the apex, everything below owner
 * (it became glue or stopped being glue). */
static int collect_around(const zone_t *zone, const zone_change_t *change, node_set_t *set)
{
	const zone_node_t *node = zone_find(zone, change->owner);
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_node_t *p;
	zone_lookup_t res;
	int ret;

	if (zone_lookup(zone, change->owner, &res) != GW_OK)
		return GW_OK; /* outside the zone: nothing of ours */
	if (node != NULL) {
		ret = set_add(set, node);
		if (ret != GW_OK)
			return ret;
	}
	if (change->type == DNS_T_NS && !zone_name_equal(change->owner, zone_apex(zone))) {
		uint8_t key[ZONE_KEY_MAXLEN];
		size_t key_len = (size_t)zone_name_key(key, change->owner);
		for (const zone_node_t *d = zone_next(zone, res.prev); d != NULL;
		     d = zone_next(zone, d)) {
			if (d->key_len < key_len || memcmp(d->key, key, key_len) != 0)
				break;
			ret = set_add(set, d);
			if (ret != GW_OK)
				return ret;
		}
	}
	p = res.prev;
	for (size_t guard = zone_node_count(zone); p != NULL && guard > 0; guard--) {
		ret = set_add(set, p);
		if (ret != GW_OK)
			return ret;
		if (p == apex || sig_node_kind(zone, p) != SIG_NODE_OUT)
			break;
		p = prev_node(zone, p);
	}
	return GW_OK;
}

int sig_nsec_update_around(const zone_t *zone, uint32_t ttl, const zone_change_t *changed,
                           size_t changed_count, zone_changeset_t *cs)
{
	int ret = GW_OK;
	node_set_t set = {0};
	const zone_node_t *apex = zone_apex_node(zone);

	if (changed_count == 0 || apex == NULL)
		return GW_OK;
	/* A new NSEC TTL (SOA TTL or MINIMUM) touches every NSEC. */
	const zone_rrset_t *apex_nsec = zone_node_rrset(apex, DNS_T_NSEC);
	if (apex_nsec != NULL && apex_nsec->ttl != ttl)
		return sig_nsec_update(zone, ttl, cs);

	for (size_t i = 0; i < changed_count; i++) {
		/* zone_apply() reports one entry per type; an owner once is
		 * enough unless NS changed. */
		if (i > 0 && changed[i].type != DNS_T_NS &&
		    zone_name_equal(changed[i].owner, changed[i - 1].owner))
			continue;
		ret = collect_around(zone, &changed[i], &set);
		if (ret != GW_OK)
			goto out;
	}
	/* Not with none: qsort() takes no NULL, even for no items. */
	if (set.count > 1)
		qsort(set.nodes, set.count, sizeof(*set.nodes), cmp_node_key);
	for (size_t i = 0; i < set.count; i++) {
		const zone_node_t *node = set.nodes[i];
		if (i > 0 && node == set.nodes[i - 1])
			continue;
		sig_node_kind_t kind = sig_node_kind(zone, node);
		const zone_node_t *next = kind != SIG_NODE_OUT ? sig_chain_next(zone, node) : NULL;
		ret = fix_node(cs, node, kind, next, ttl);
		if (ret != GW_OK)
			goto out;
	}
out:
	free(set.nodes);
	return ret;
}
