/* A zone's records in one buffer. The zone file's records are kept for as
 * long as the gateway runs, only to diff a reload against and to tell the
 * mirror which names are the operator's; as a zone_t they cost a node, a
 * key, an RRset header and several allocations per name (at 10k services,
 * several times the records themselves).
 *
 * Layout of data, node after node in canonical order:
 *   [shared: 1][rest: 1][rest octets of the reversed owner]
 *   [RRset count: 2]
 *   per RRset: [type: 2][TTL: 4][RR count: 2][rdata octets: 4][rdata]
 * The reversed owner is the owner's labels from the apex down (length
 * octet and octets, letter case kept, no root label). Names next to each
 * other in canonical order begin alike in that form, so a node stores
 * only the octets after the first shared ones of the node before it
 * (compared octet for octet, so letter case is kept). Every RESTART-th
 * node shares nothing: restarts[] holds their offsets, where a binary
 * search can start decoding. The rdata is zone_rrset_t's [len][data]
 * sequence. Numbers are in host order: the buffer never leaves the
 * process. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/word.h"
#include "zones/internal.h"
#include "zones/zone.h"

/* Nodes per restart: a lookup decodes at most this many names after its
 * binary search; an index entry per RESTART nodes costs next to nothing. */
#define RESTART    16
#define RRSET_HEAD 12 /* type, TTL, RR count, rdata octets */

struct zone_flat {
	uint8_t *data; /* owned */
	size_t size;
	size_t *restarts; /* owned: offsets of nodes 0, RESTART, 2 x RESTART, ... */
	size_t restart_count;
	size_t node_count;
};

/* The labels of in (len octets of labels, no root label) in the opposite
 * order into out (len octets): a wire name's labels into the reversed
 * owner form, and back. */
static void reverse_labels(uint8_t *out, const uint8_t *in, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t l = 1 + (size_t)in[pos];
		memcpy(out + len - pos - l, in + pos, l);
		pos += l;
	}
}

/* Canonical order (RFC 4034 6.1) of two reversed owners: label by label
 * from the apex, each compared as lowercase octets, a label that is a
 * prefix of the other first, and an owner that is an ancestor of the
 * other first. */
static int rname_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		size_t la = a[i], lb = b[j];
		size_t n = la < lb ? la : lb;
		for (size_t k = 1; k <= n; k++) {
			int d = gw_lower8(a[i + k]) - gw_lower8(b[j + k]);
			if (d != 0)
				return d;
		}
		if (la != lb)
			return la < lb ? -1 : 1;
		i += 1 + la;
		j += 1 + lb;
	}
	return (i < alen) - (j < blen);
}

/* Append n octets at p to out (when out is not NULL) at *pos. */
static void put(uint8_t *out, size_t *pos, const void *p, size_t n)
{
	if (out != NULL)
		memcpy(out + *pos, p, n);
	*pos += n;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Write the RRsets of node at *pos (measure only with out NULL). */
static void put_rrsets(uint8_t *out, size_t *pos, const zone_node_t *node)
{
	put(out, pos, &node->rrset_count, 2);
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		const zone_rrset_t *rs = &node->rrsets[i];
		put(out, pos, &rs->type, 2);
		put(out, pos, &rs->ttl, 4);
		put(out, pos, &rs->count, 2);
		put(out, pos, &rs->rdata_len, 4);
		put(out, pos, rs->rdata, rs->rdata_len);
	}
}

/* Write zone's nodes into out and their restart offsets into restarts,
 * or with both NULL only measure. Returns the octets. */
static size_t encode(const zone_t *zone, uint8_t *out, size_t *restarts)
{
	uint8_t prev[ZONE_NAME_MAXLEN], cur[ZONE_NAME_MAXLEN];
	size_t prev_len = 0, pos = 0, n = 0;

	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node), n++) {
		size_t len = node->owner_len - 1u;
		size_t shared = 0;
		reverse_labels(cur, node->owner, len);
		if (n % RESTART == 0) {
			if (restarts != NULL)
				restarts[n / RESTART] = pos;
		} else {
			while (shared < len && shared < prev_len && cur[shared] == prev[shared])
				shared++;
		}
		uint8_t head[2] = {(uint8_t)shared, (uint8_t)(len - shared)};
		put(out, &pos, head, 2);
		put(out, &pos, cur + shared, len - shared);
		put_rrsets(out, &pos, node);
		memcpy(prev, cur, len);
		prev_len = len;
	}
	return pos;
}

void zone_flat_free(zone_flat_t *flat)
{
	if (flat == NULL)
		return;
	free(flat->data);
	free(flat->restarts);
	free(flat);
}

int zone_flat_new(zone_flat_t **out, const zone_t *zone)
{
	int ret = GW_ENOMEM;
	zone_flat_t *flat = calloc(1, sizeof(*flat));

	if (flat == NULL)
		goto out;
	/* Measured first, then written: the buffer is allocated once, at its
	 * size (no slack, no copy while growing). */
	flat->node_count = zone_node_count(zone);
	flat->restart_count = (flat->node_count + RESTART - 1) / RESTART;
	flat->size = encode(zone, NULL, NULL);
	if (flat->size > 0) {
		flat->data = malloc(flat->size);
		flat->restarts = malloc(flat->restart_count * sizeof(*flat->restarts));
		if (flat->data == NULL || flat->restarts == NULL)
			goto out;
		encode(zone, flat->data, flat->restarts);
	}
	*out = flat;
	flat = NULL;
	ret = GW_OK;
out:
	zone_flat_free(flat);
	return ret;
}

size_t zone_flat_node_count(const zone_flat_t *flat)
{
	return flat->node_count;
}

size_t zone_flat_bytes(const zone_flat_t *flat)
{
	return sizeof(*flat) + flat->size + flat->restart_count * sizeof(*flat->restarts);
}

/* Decode the owner of the node at pos into rname (which holds the owner
 * of the node before, for the shared octets); returns where its RRsets
 * begin. */
static size_t decode_owner(const uint8_t *data, size_t pos, uint8_t *rname, size_t *rname_len)
{
	size_t shared = data[pos], rest = data[pos + 1];

	memcpy(rname + shared, data + pos + 2, rest);
	*rname_len = shared + rest;
	return pos + 2 + rest;
}

/* Where the node after the RRsets at pos begins. */
static size_t skip_rrsets(const uint8_t *data, size_t pos)
{
	uint16_t count = get16(data + pos);

	pos += 2;
	for (uint16_t i = 0; i < count; i++)
		pos += RRSET_HEAD + get32(data + pos + 8);
	return pos;
}

bool zone_flat_has_name(const zone_flat_t *flat, const uint8_t *name)
{
	uint8_t want[ZONE_NAME_MAXLEN], cur[ZONE_NAME_MAXLEN];
	size_t cur_len = 0;
	int len = zone_name_len(name, ZONE_NAME_MAXLEN);

	if (flat == NULL || flat->node_count == 0 || len < 1)
		return false;
	size_t want_len = (size_t)len - 1;
	reverse_labels(want, name, want_len);
	/* The last restart whose owner sorts at or before name (the first
	 * when none does): the only stretch of nodes that may hold it. */
	size_t lo = 0, hi = flat->restart_count;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		decode_owner(flat->data, flat->restarts[mid], cur, &cur_len);
		if (rname_cmp(cur, cur_len, want, want_len) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	size_t pos = flat->restarts[lo];
	size_t end = lo + 1 < flat->restart_count ? flat->restarts[lo + 1] : flat->size;
	while (pos < end) {
		pos = decode_owner(flat->data, pos, cur, &cur_len);
		int c = rname_cmp(cur, cur_len, want, want_len);
		if (c >= 0)
			return c == 0;
		pos = skip_rrsets(flat->data, pos);
	}
	return false;
}

void zone_flat_iter_init(zone_flat_iter_t *it, const zone_flat_t *flat)
{
	memset(it, 0, sizeof(*it));
	it->flat = flat;
}

void zone_flat_iter_deinit(zone_flat_iter_t *it)
{
	free(it->rrsets);
	it->rrsets = NULL;
	it->cap = 0;
}

int zone_flat_iter_next(zone_flat_iter_t *it, const zone_node_t **node)
{
	const zone_flat_t *flat = it->flat;

	*node = NULL;
	if (flat == NULL || it->pos >= flat->size)
		return GW_OK;
	size_t pos = decode_owner(flat->data, it->pos, it->rname, &it->rname_len);
	uint16_t count = get16(flat->data + pos);
	pos += 2;
	if (count > it->cap) {
		zone_rrset_t *grown = realloc(it->rrsets, count * sizeof(*grown));
		if (grown == NULL)
			return GW_ENOMEM;
		it->rrsets = grown;
		it->cap = count;
	}
	for (uint16_t i = 0; i < count; i++) {
		const uint8_t *head = flat->data + pos;
		it->rrsets[i] = (zone_rrset_t){
		    .type = get16(head),
		    .ttl = get32(head + 2),
		    .count = get16(head + 6),
		    .rdata_len = get32(head + 8),
		    .rdata = flat->data + pos + RRSET_HEAD,
		};
		pos += RRSET_HEAD + it->rrsets[i].rdata_len;
	}
	reverse_labels(it->owner, it->rname, it->rname_len);
	it->owner[it->rname_len] = 0;
	it->node = (zone_node_t){
	    .owner = it->owner,
	    .key = it->key,
	    .owner_len = (uint16_t)(it->rname_len + 1),
	    .key_len = (uint16_t)zone_name_key(it->key, it->owner),
	    .rrset_count = count,
	    .rrsets = it->rrsets,
	};
	it->pos = pos;
	*node = &it->node;
	return GW_OK;
}

static int iter_next(void *ctx, const zone_node_t **node)
{
	return zone_flat_iter_next(ctx, node);
}

int zone_flat_diff(const zone_flat_t *from, const zone_t *to, zone_diff_skip_fn skip, void *arg,
                   zone_changeset_t *cs)
{
	zone_flat_iter_t it;

	zone_flat_iter_init(&it, from);
	int ret = zone_diff_walk(iter_next, &it, to, skip, arg, cs);
	zone_flat_iter_deinit(&it);
	return ret;
}
