/* The batch engine that applies changesets and builds zones.
 *
 * A batch turns every RR into wire form first (owner, key, rdata), so that
 * nothing below depends on ldns. Applying sorts the entries by (owner key,
 * type, order of arrival), builds for every touched owner a new RRset array
 * that borrows the buffers of untouched and unchanged RRsets, checks the
 * zone rules on the result, and only then commits: swaps arrays, frees what
 * is no longer used and merges new nodes into the sorted node array. Every
 * allocation happens before the commit, so a failure frees the new side
 * and leaves the zone as it was. */
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sorted.h"
#include "zones/internal.h"
#include "zones/zone.h"

/* ---- batches: conversion ---------------------------------------------- */

/* Chunks start small (one RR per change is common) and double up to
 * ARENA_CHUNK for loads. */
#define ARENA_FIRST 1024
#define ARENA_CHUNK 65536

struct zone_arena_chunk {
	zone_arena_chunk_t *next;
	size_t used;
	size_t size;
	uint8_t data[];
};

static uint8_t *arena_alloc(zone_batch_t *batch, size_t size)
{
	zone_arena_chunk_t *chunk = batch->chunks;

	if (chunk == NULL || chunk->size - chunk->used < size) {
		size_t step = chunk == NULL ? ARENA_FIRST : chunk->size * 2;
		if (step > ARENA_CHUNK)
			step = ARENA_CHUNK;
		size_t want = size > step ? size : step;
		chunk = zone_malloc(sizeof(*chunk) + want);
		if (chunk == NULL)
			return NULL;
		chunk->used = 0;
		chunk->size = want;
		/* A big single item goes behind the current chunk, which may
		 * still have room for small ones. */
		if (size > step && batch->chunks != NULL) {
			chunk->next = batch->chunks->next;
			batch->chunks->next = chunk;
		} else {
			chunk->next = batch->chunks;
			batch->chunks = chunk;
		}
	}
	uint8_t *p = chunk->data + chunk->used;
	chunk->used += size;
	return p;
}

int zone_batch_init(zone_batch_t *batch, const zone_t *zone)
{
	memset(batch, 0, sizeof(*batch));
	batch->zone = zone;
	batch->wire = ldns_buffer_new(512);
	return batch->wire != NULL ? GW_OK : GW_ENOMEM;
}

void zone_batch_deinit(zone_batch_t *batch)
{
	zone_arena_chunk_t *chunk = batch->chunks;

	while (chunk != NULL) {
		zone_arena_chunk_t *next = chunk->next;
		free(chunk);
		chunk = next;
	}
	free(batch->entries);
	if (batch->wire != NULL)
		ldns_buffer_free(batch->wire);
	memset(batch, 0, sizeof(*batch));
}

static int batch_fail(zone_batch_t *batch, int code, size_t ref, const uint8_t *owner,
                      uint16_t type, const char *what)
{
	char name[ZONE_NAME_STRLEN] = "?";
	char type_str[16];

	if (owner != NULL)
		(void)zone_name_to_str(name, sizeof(name), owner);
	zone_type_str(type_str, sizeof(type_str), type);
	snprintf(batch->reason, sizeof(batch->reason), "%s %s: %s", name, type_str, what);
	batch->err_ref = ref;
	return code;
}

/* A failure no single RR is to blame for. */
static int batch_fail_any(zone_batch_t *batch, int code)
{
	snprintf(batch->reason, sizeof(batch->reason), "%s", gw_strerror(code));
	batch->err_ref = ZONE_REF_NONE;
	return code;
}

static bool meta_type(uint16_t type)
{
	switch (type) {
	case 0:
	case DNS_T_OPT:
	case DNS_T_TKEY:
	case DNS_T_TSIG:
	case DNS_T_IXFR:
	case DNS_T_AXFR:
	case DNS_T_MAILB:
	case DNS_T_MAILA:
	case DNS_T_ANY:
		return true;
	default:
		return false;
	}
}

/* Check one RR in wire form and queue it; owner is owner_len octets (a
 * valid name), rdata rdlen octets. The checks zone_batch_rr() documents,
 * less the rdata's format against its type. With borrow, the entry points
 * at owner and rdata, which must then outlive the batch; else they are
 * copied into its arena. */
static int batch_queue(zone_batch_t *batch, const uint8_t *owner, size_t owner_len, uint16_t cls,
                       uint16_t type, uint32_t ttl, const uint8_t *rdata, size_t rdlen, bool add,
                       size_t ref, bool borrow)
{
	const zone_t *zone = batch->zone;

	if (!zone_name_is_subdomain(owner, zone->apex))
		return batch_fail(batch, GW_EOUTOFZONE, ref, owner, type,
		                  "owner is outside the zone");
	if (cls != DNS_C_IN)
		return batch_fail(batch, GW_ESEMANTIC, ref, owner, type, "class is not IN");
	if (meta_type(type))
		return batch_fail(batch, GW_ESEMANTIC, ref, owner, type,
		                  "type cannot be zone data");
	bool at_apex = zone_name_equal(owner, zone->apex);
	if (add && type == DNS_T_SOA && !at_apex)
		return batch_fail(batch, GW_ESEMANTIC, ref, owner, type,
		                  "SOA outside the zone apex");
	if (add && type == DNS_T_CNAME && at_apex)
		return batch_fail(batch, GW_ESEMANTIC, ref, owner, type, "CNAME at the zone apex");
	if (rdlen > UINT16_MAX)
		return batch_fail(batch, GW_EMALFORMED, ref, owner, type,
		                  "rdata longer than 65535 octets");

	if (gw_array_reserve_with(&batch->entries, &batch->cap, batch->count + 1,
	                          sizeof(*batch->entries), 8, zone_realloc) != GW_OK)
		return batch_fail(batch, GW_ENOMEM, ref, owner, type, "out of memory");
	uint8_t key[ZONE_KEY_MAXLEN];
	int key_len = zone_name_key(key, owner);
	uint8_t *mem = arena_alloc(batch, (size_t)key_len + (borrow ? 0 : owner_len + rdlen));
	if (mem == NULL)
		return batch_fail(batch, GW_ENOMEM, ref, owner, type, "out of memory");
	zone_entry_t *e = &batch->entries[batch->count];
	memset(e, 0, sizeof(*e));
	memcpy(mem, key, (size_t)key_len);
	e->key = mem;
	e->owner = owner;
	e->rdata = rdata;
	if (!borrow) {
		memcpy(mem + key_len, owner, owner_len);
		e->owner = mem + key_len;
		if (rdlen > 0)
			memcpy(mem + key_len + owner_len, rdata, rdlen);
		e->rdata = mem + key_len + owner_len;
	}
	e->owner_len = (uint16_t)owner_len;
	e->key_len = (uint16_t)key_len;
	e->rdlen = (uint16_t)rdlen;
	e->type = type;
	e->ttl = ttl;
	e->add = add;
	e->ref = ref;
	e->seq = (uint32_t)batch->count;
	batch->count++;
	return GW_OK;
}

int zone_rr_rdata_wire(const ldns_rr *rr, ldns_buffer *wire)
{
	ldns_buffer_clear(wire);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		/* ldns_rr_new_frm_type() leaves the fields it sized empty. */
		if (ldns_rr_rdf(rr, i) == NULL)
			return GW_EMALFORMED;
		if (ldns_rdf2buffer_wire(wire, ldns_rr_rdf(rr, i)) != LDNS_STATUS_OK)
			return GW_ENOMEM;
	}
	return GW_OK;
}

int zone_batch_rr(zone_batch_t *batch, const ldns_rr *rr, bool add, size_t ref)
{
	const ldns_rdf *owner_rdf = ldns_rr_owner(rr);
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);

	if (owner_rdf == NULL || ldns_rdf_get_type(owner_rdf) != LDNS_RDF_TYPE_DNAME)
		return batch_fail(batch, GW_EMALFORMED, ref, NULL, type, "no owner name");
	const uint8_t *owner = ldns_rdf_data(owner_rdf);
	size_t owner_size = ldns_rdf_size(owner_rdf);
	int owner_len = zone_name_len(owner, owner_size);
	if (owner_len < 0 || (size_t)owner_len != owner_size)
		return batch_fail(batch, GW_EMALFORMED, ref, NULL, type, "malformed owner name");

	/* ldns has a rdata descriptor for known types; type 0's stands in
	 * for unknown ones, which take any rdata. */
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);
	if (desc != NULL && desc->_type == type &&
	    ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(desc))
		return batch_fail(batch, GW_EMALFORMED, ref, owner, type, "rdata is incomplete");

	ldns_buffer *wire = batch->wire;
	int ret = zone_rr_rdata_wire(rr, wire);
	if (ret != GW_OK)
		return batch_fail(batch, ret, ref, owner, type,
		                  ret == GW_EMALFORMED ? "rdata field missing"
		                                       : "out of memory converting rdata");
	return batch_queue(batch, owner, (size_t)owner_len, (uint16_t)ldns_rr_get_class(rr), type,
	                   ldns_rr_ttl(rr), ldns_buffer_begin(wire), ldns_buffer_position(wire),
	                   add, ref, false);
}

int zone_batch_append(zone_batch_t *dst, zone_batch_t *src)
{
	if (src->count > 0 &&
	    gw_array_reserve_with(&dst->entries, &dst->cap, dst->count + src->count,
	                          sizeof(*dst->entries), 8, zone_realloc) != GW_OK)
		return GW_ENOMEM;
	/* seq is the order of arrival, which applying keeps for RRs of
	 * one RRset: src's come after all of dst's. */
	for (size_t i = 0; i < src->count; i++) {
		zone_entry_t *e = &dst->entries[dst->count + i];
		*e = src->entries[i];
		e->seq = (uint32_t)(dst->count + i);
	}
	dst->count += src->count;
	src->count = 0;
	/* Behind dst's chunks: its first is the one with room. */
	zone_arena_chunk_t **tail = &dst->chunks;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = src->chunks;
	src->chunks = NULL;
	return GW_OK;
}

/* ---- batches: applying ------------------------------------------------ */

/* What the batch does to one owner, decided before anything is changed. */
typedef struct pending {
	zone_node_t *old;  /* the existing node, or NULL */
	zone_node_t *node; /* a new node to insert (old == NULL), or NULL */
	size_t idx;        /* old's index in the zone */
	zone_rrset_t *rrsets;
	uint16_t rrset_count;
	bool was_hashed;   /* old is an NSEC3 owner (zones/hashed.c) */
	bool will_hashed;  /* and after the change */
	size_t hashed_pos; /* scratch: old's place in the NSEC3 owner list */
} pending_t;

/* One distinct rdata among the changes to one RRset. */
typedef struct group {
	const zone_entry_t *rep;
	uint32_t first_add; /* seq of the first add, UINT32_MAX if none */
	bool removed;
	bool added;
	bool matched; /* the RRset already held this rdata */
	bool emitted;
} group_t;

typedef struct apply {
	zone_t *zone;
	zone_batch_t *batch;
	zone_entry_t **order;  /* all entries by (key, type, seq) */
	zone_entry_t **sorted; /* scratch: one RRset's entries by rdata */
	group_t *groups;
	pending_t *pendings;
	size_t pending_count;
	size_t inserts;
	const zone_node_t **hashed_new; /* NSEC3 owners to add, key order */
	size_t hashed_new_count;
	zone_change_t *changes;
	size_t change_count;
	size_t change_cap;
	bool want_changes;
} apply_t;

static int cmp_rdata(const zone_entry_t *a, const zone_entry_t *b)
{
	if (a->rdlen != b->rdlen)
		return a->rdlen < b->rdlen ? -1 : 1;
	return memcmp(a->rdata, b->rdata, a->rdlen);
}

static int cmp_order(const void *pa, const void *pb)
{
	const zone_entry_t *a = *(const zone_entry_t *const *)pa;
	const zone_entry_t *b = *(const zone_entry_t *const *)pb;
	int cmp = zone_key_cmp(a->key, a->key_len, b->key, b->key_len);

	if (cmp != 0)
		return cmp;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int cmp_by_rdata(const void *pa, const void *pb)
{
	const zone_entry_t *a = *(const zone_entry_t *const *)pa;
	const zone_entry_t *b = *(const zone_entry_t *const *)pb;
	int cmp = cmp_rdata(a, b);

	if (cmp != 0)
		return cmp;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int group_cmp(const void *elem, const void *key)
{
	return cmp_rdata(((const group_t *)elem)->rep, key);
}

static group_t *find_group(group_t *groups, size_t count, const uint8_t *rdata, uint16_t rdlen)
{
	const zone_entry_t probe = {.rdata = rdata, .rdlen = rdlen};

	return gw_sorted_find(groups, count, sizeof(*groups), &probe, group_cmp);
}

static void put_rdata(uint8_t *buf, uint32_t *len, const uint8_t *rdata, uint16_t rdlen)
{
	buf[*len] = (uint8_t)(rdlen >> 8);
	buf[*len + 1] = (uint8_t)rdlen;
	if (rdlen > 0)
		memcpy(buf + *len + 2, rdata, rdlen);
	*len += 2 + (uint32_t)rdlen;
}

/* Build the new state of one RRset from base (or NULL) and its k changes
 * es[] (in arrival order). *out either is *base (nothing changed, buffers
 * borrowed), shares base's rdata (only the TTL changed), owns a new buffer,
 * or has count 0 (the RRset is gone). */
static int build_rrset(apply_t *ap, const zone_rrset_t *base, zone_entry_t *const *es, size_t k,
                       zone_rrset_t *out, bool *changed)
{
	zone_entry_t **sorted = ap->sorted;
	group_t *groups = ap->groups;
	size_t ngroups = 0;
	size_t cap = base != NULL ? base->rdata_len : 0;
	const zone_entry_t *last_add = NULL;

	/* Group the changes by rdata: what an rdata ends up as depends only
	 * on whether it was there, removed and/or added (removals go first,
	 * so an add always wins). */
	memcpy(sorted, es, k * sizeof(*sorted));
	qsort(sorted, k, sizeof(*sorted), cmp_by_rdata);
	for (size_t i = 0; i < k; i++) {
		zone_entry_t *e = sorted[i];
		if (ngroups == 0 || cmp_rdata(groups[ngroups - 1].rep, e) != 0) {
			groups[ngroups] = (group_t){.rep = e, .first_add = UINT32_MAX};
			ngroups++;
		}
		group_t *g = &groups[ngroups - 1];
		e->group = (uint32_t)(ngroups - 1);
		if (e->add) {
			g->added = true;
			if (g->first_add == UINT32_MAX) {
				g->first_add = e->seq;
				cap += 2 + (size_t)e->rdlen;
			}
		} else {
			g->removed = true;
		}
	}
	for (size_t i = 0; i < k; i++) {
		if (!es[i]->add)
			continue;
		if (last_add != NULL && last_add->ttl != es[i]->ttl && ap->batch->ttl_conflict)
			ap->batch->ttl_conflict(ap->batch->ctx, last_add, es[i]);
		last_add = es[i];
	}
	if (cap > UINT32_MAX)
		return batch_fail(ap->batch, GW_ELIMIT, es[k - 1]->ref, es[0]->owner, es[0]->type,
		                  "RRset too large");

	uint8_t *buf = cap > 0 ? zone_malloc(cap) : NULL;
	if (cap > 0 && buf == NULL)
		return batch_fail(ap->batch, GW_ENOMEM, es[k - 1]->ref, es[0]->owner, es[0]->type,
		                  "out of memory");
	uint32_t len = 0;
	size_t count = 0;
	bool content_changed = false;

	/* Existing RRs keep their place; new ones follow in arrival order. */
	if (base != NULL) {
		uint32_t pos = 0;
		const uint8_t *rdata;
		uint16_t rdlen;
		while (zone_rrset_next(base, &pos, &rdata, &rdlen)) {
			group_t *g = find_group(groups, ngroups, rdata, rdlen);
			if (g != NULL) {
				g->matched = true;
				if (g->removed && !g->added) {
					content_changed = true;
					continue;
				}
			}
			put_rdata(buf, &len, rdata, rdlen);
			count++;
		}
	}
	for (size_t i = 0; i < k; i++) {
		group_t *g = &groups[es[i]->group];
		if (!es[i]->add || g->matched || g->emitted)
			continue;
		g->emitted = true;
		put_rdata(buf, &len, es[i]->rdata, es[i]->rdlen);
		count++;
		content_changed = true;
	}
	if (count > UINT16_MAX) {
		free(buf);
		return batch_fail(ap->batch, GW_ELIMIT, es[k - 1]->ref, es[0]->owner, es[0]->type,
		                  "more than 65535 RRs in one RRset");
	}

	uint32_t ttl = last_add != NULL ? last_add->ttl : (base != NULL ? base->ttl : 0);
	memset(out, 0, sizeof(*out));
	out->type = es[0]->type;
	out->mark = base != NULL ? base->mark : 0;
	*changed = false;
	if (!content_changed) {
		free(buf);
		if (base == NULL)
			return GW_OK;
		*out = *base;
		if (ttl != base->ttl) {
			/* Same data, new TTL: a signature covers the TTL. */
			out->ttl = ttl;
			out->sigs = NULL;
			out->sigs_len = 0;
			out->sig_count = 0;
			*changed = true;
		}
		return GW_OK;
	}
	*changed = true;
	if (count == 0) {
		free(buf);
		return GW_OK;
	}
	out->count = (uint16_t)count;
	out->ttl = ttl;
	out->rdata = buf;
	out->rdata_len = len;
	return GW_OK;
}

static int note_change(apply_t *ap, const uint8_t *owner, uint16_t type, size_t ref)
{
	if (!ap->want_changes)
		return GW_OK;
	if (gw_array_reserve_with(&ap->changes, &ap->change_cap, ap->change_count + 1,
	                          sizeof(*ap->changes), 16, zone_realloc) != GW_OK)
		return batch_fail(ap->batch, GW_ENOMEM, ref, owner, type, "out of memory");
	zone_change_t *c = &ap->changes[ap->change_count++];
	memset(c->owner, 0, sizeof(c->owner));
	zone_name_lower(c->owner, owner);
	c->type = type;
	return GW_OK;
}

/* The zone rules that depend on the whole node. blame is the RR named in
 * the error: the last one added at this owner. */
static int check_node(apply_t *ap, const zone_rrset_t *rrsets, size_t count,
                      const zone_entry_t *blame)
{
	const zone_rrset_t *cname = NULL;
	bool other = false;

	for (size_t i = 0; i < count; i++) {
		switch (rrsets[i].type) {
		case DNS_T_CNAME:
			cname = &rrsets[i];
			break;
		case DNS_T_RRSIG:
		case DNS_T_NSEC:
			break;
		case DNS_T_SOA:
			if (rrsets[i].count > 1)
				return batch_fail(ap->batch, GW_ESEMANTIC, blame->ref, blame->owner,
				                  DNS_T_SOA, "a zone has only one SOA");
			other = true;
			break;
		default:
			other = true;
			break;
		}
	}
	if (cname != NULL && cname->count > 1)
		return batch_fail(ap->batch, GW_ESEMANTIC, blame->ref, blame->owner, DNS_T_CNAME,
		                  "more than one CNAME at one name");
	if (cname != NULL && other)
		return batch_fail(ap->batch, GW_ESEMANTIC, blame->ref, blame->owner, blame->type,
		                  "CNAME and other data at one name");
	return GW_OK;
}

/* Decide what happens to the owner whose entries are order[from, to). */
static int prepare_owner(apply_t *ap, size_t from, size_t to)
{
	zone_t *zone = ap->zone;
	const zone_entry_t *first = ap->order[from];
	const zone_entry_t *first_add = NULL;
	const zone_entry_t *last_add = NULL;
	size_t types = 0;
	bool found;
	int ret;

	for (size_t i = from; i < to; i++) {
		const zone_entry_t *e = ap->order[i];
		if (i == from || e->type != ap->order[i - 1]->type)
			types++;
		if (e->add && (first_add == NULL || e->seq < first_add->seq))
			first_add = e;
		if (e->add && (last_add == NULL || e->seq > last_add->seq))
			last_add = e;
	}
	size_t idx = zone_search(zone, first->key, first->key_len, &found);
	zone_node_t *old = found ? zone->nodes[idx] : NULL;
	size_t old_count = old != NULL ? old->rrset_count : 0;
	size_t cap = old_count + types;
	zone_rrset_t *rrsets = zone_malloc(cap * sizeof(*rrsets));
	size_t count = 0;
	bool node_changed = false;
	size_t oi = 0;
	size_t i = from;

	if (rrsets == NULL)
		return batch_fail(ap->batch, GW_ENOMEM, first->ref, first->owner, first->type,
		                  "out of memory");
	/* Merge the old RRsets (sorted by type) with the touched types. */
	while (oi < old_count || i < to) {
		if (i >= to || (oi < old_count && old->rrsets[oi].type < ap->order[i]->type)) {
			rrsets[count++] = old->rrsets[oi++];
			continue;
		}
		uint16_t type = ap->order[i]->type;
		size_t end = i;
		while (end < to && ap->order[end]->type == type)
			end++;
		const zone_rrset_t *base = NULL;
		if (oi < old_count && old->rrsets[oi].type == type)
			base = &old->rrsets[oi++];
		zone_rrset_t built = {0};
		bool changed = false;
		ret = build_rrset(ap, base, ap->order + i, end - i, &built, &changed);
		if (ret != GW_OK)
			goto fail;
		if (built.count > 0)
			rrsets[count++] = built;
		if (changed) {
			node_changed = true;
			ret = note_change(ap, first->owner, type, ap->order[end - 1]->ref);
			if (ret != GW_OK)
				goto fail;
		}
		i = end;
	}
	if (!node_changed) {
		free(rrsets);
		return GW_OK;
	}
	if (last_add != NULL) {
		ret = check_node(ap, rrsets, count, last_add);
		if (ret != GW_OK)
			goto fail;
	}
	if (count > UINT16_MAX) {
		ret = batch_fail(ap->batch, GW_ELIMIT, first->ref, first->owner, first->type,
		                 "too many types at one name");
		goto fail;
	}

	pending_t *p = &ap->pendings[ap->pending_count];
	memset(p, 0, sizeof(*p));
	p->old = old;
	p->idx = idx;
	if (old == NULL && count > 0) {
		/* A new name keeps the letter case it first arrived with. */
		p->node = zone_node_new(first_add->owner);
		if (p->node == NULL) {
			ret = batch_fail(ap->batch, GW_ENOMEM, first->ref, first->owner,
			                 first->type, "out of memory");
			goto fail;
		}
		ap->inserts++;
	}
	if (count == 0) {
		free(rrsets);
		rrsets = NULL;
	}
	p->rrsets = rrsets;
	p->rrset_count = (uint16_t)count;
	ap->pending_count++;
	return GW_OK;
fail:
	zone_rrsets_release_unshared(rrsets, count, old != NULL ? old->rrsets : NULL, old_count);
	free(rrsets);
	return ret;
}

static void release_pendings(apply_t *ap)
{
	for (size_t i = 0; i < ap->pending_count; i++) {
		pending_t *p = &ap->pendings[i];
		zone_rrsets_release_unshared(p->rrsets, p->rrset_count,
		                             p->old != NULL ? p->old->rrsets : NULL,
		                             p->old != NULL ? p->old->rrset_count : 0);
		free(p->rrsets);
		free(p->node);
	}
	ap->pending_count = 0;
}

/* Nothing here allocates or fails. Indices (pending_t.idx) refer to the
 * node array as prepare_owner() saw it, so removed nodes leave holes until
 * the inserts are placed, and the holes are closed last. */
static void commit_hashed(apply_t *ap)
{
	zone_t *zone = ap->zone;
	bool holes = false;

	/* Positions first, while the array is still whole and sorted; then
	 * the holes. */
	for (size_t i = 0; i < ap->pending_count; i++) {
		pending_t *p = &ap->pendings[i];
		p->hashed_pos = p->was_hashed && !p->will_hashed
		                    ? zone_hashed_position(zone, p->old)
		                    : SIZE_MAX;
	}
	for (size_t i = 0; i < ap->pending_count; i++) {
		if (ap->pendings[i].hashed_pos != SIZE_MAX) {
			zone->hashed[ap->pendings[i].hashed_pos] = NULL;
			holes = true;
		}
	}
	if (holes)
		zone_hashed_compact(zone);
	size_t n = 0;
	for (size_t i = 0; i < ap->pending_count; i++) {
		const pending_t *p = &ap->pendings[i];
		if (!p->was_hashed && p->will_hashed)
			ap->hashed_new[n++] = p->old != NULL ? p->old : p->node;
	}
	zone_hashed_insert_sorted(zone, ap->hashed_new, n);
}

/* Count node, holding rrsets, in or out (leaving) of the counters the
 * query path tests: zone_t.ns_below_apex and zone_t.dname_nodes. */
static void count_node(zone_t *zone, const zone_node_t *node, const zone_rrset_t *rrsets,
                       size_t count, bool leaving)
{
	bool ns = false, dname = false;
	if (node == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		ns |= rrsets[i].type == DNS_T_NS;
		dname |= rrsets[i].type == DNS_T_DNAME;
	}
	/* Every node is at or below the apex: a key as long is the apex. */
	if (ns && node->key_len != zone->apex_key_len)
		zone->ns_below_apex = leaving ? zone->ns_below_apex - 1 : zone->ns_below_apex + 1;
	if (dname)
		zone->dname_nodes = leaving ? zone->dname_nodes - 1 : zone->dname_nodes + 1;
}

static void commit(apply_t *ap)
{
	zone_t *zone = ap->zone;
	size_t removed = 0;
	size_t first_hole = zone->count;

	/* Before any node is freed: the NSEC3 owner list borrows them. */
	commit_hashed(ap);
	for (size_t i = 0; i < ap->pending_count; i++) {
		pending_t *p = &ap->pendings[i];
		const zone_node_t *node = p->old != NULL ? p->old : p->node;
		if (p->old != NULL)
			count_node(zone, p->old, p->old->rrsets, p->old->rrset_count, true);
		count_node(zone, node, p->rrsets, p->rrset_count, false);
		if (p->old == NULL)
			continue;
		zone_rrsets_release_unshared(p->old->rrsets, p->old->rrset_count, p->rrsets,
		                             p->rrset_count);
		free(p->old->rrsets);
		p->old->rrsets = p->rrsets;
		p->old->rrset_count = p->rrset_count;
		if (p->rrset_count == 0) {
			zone_index_remove(zone, p->old);
			zone_node_free(p->old);
			zone->nodes[p->idx] = NULL;
			if (removed++ == 0)
				first_hole = p->idx;
		}
	}
	if (ap->inserts > 0) {
		/* From the back: each new node goes before the node that was at
		 * its index; whole runs of old nodes move with one memmove. */
		size_t old_i = zone->count;
		size_t w = zone->count + ap->inserts;
		for (size_t pi = ap->pending_count; pi > 0; pi--) {
			pending_t *p = &ap->pendings[pi - 1];
			if (p->node == NULL)
				continue;
			size_t run = old_i - p->idx;
			w -= run;
			memmove(&zone->nodes[w], &zone->nodes[p->idx], run * sizeof(*zone->nodes));
			old_i = p->idx;
			p->node->rrsets = p->rrsets;
			p->node->rrset_count = p->rrset_count;
			zone->nodes[--w] = p->node;
			zone_index_insert(zone, p->node);
			if (removed > 0 && p->idx <= first_hole)
				first_hole++;
		}
		zone->count += ap->inserts;
	}
	if (removed > 0) {
		size_t w = first_hole;
		for (size_t r = first_hole; r < zone->count; r++) {
			if (zone->nodes[r] != NULL)
				zone->nodes[w++] = zone->nodes[r];
		}
		zone->count = w;
	}
	ap->pending_count = 0;
}

/* Which pendings change the NSEC3 owner list, and room for them. */
static int reserve_hashed(apply_t *ap)
{
	size_t adds = 0;

	for (size_t i = 0; i < ap->pending_count; i++) {
		pending_t *p = &ap->pendings[i];
		const zone_node_t *node = p->old != NULL ? p->old : p->node;
		p->was_hashed =
		    p->old != NULL &&
		    zone_hashed_holds(ap->zone, p->old, p->old->rrsets, p->old->rrset_count);
		p->will_hashed = node != NULL && p->rrset_count > 0 &&
		                 zone_hashed_holds(ap->zone, node, p->rrsets, p->rrset_count);
		adds += !p->was_hashed && p->will_hashed;
	}
	if (adds == 0)
		return GW_OK;
	ap->hashed_new = zone_malloc(adds * sizeof(*ap->hashed_new));
	if (ap->hashed_new == NULL)
		return GW_ENOMEM;
	return zone_hashed_reserve(ap->zone, ap->zone->hashed_count + adds);
}

int zone_batch_apply(zone_t *zone, zone_batch_t *batch, zone_change_t **changed,
                     size_t *changed_count)
{
	int ret = GW_ENOMEM;
	size_t n = batch->count;
	apply_t ap = {.zone = zone, .batch = batch, .want_changes = changed != NULL};

	if (n == 0) {
		if (changed != NULL) {
			*changed = NULL;
			*changed_count = 0;
		}
		return GW_OK;
	}
	ap.order = zone_malloc(n * sizeof(*ap.order));
	ap.sorted = zone_malloc(n * sizeof(*ap.sorted));
	ap.groups = zone_malloc(n * sizeof(*ap.groups));
	ap.pendings = zone_malloc(n * sizeof(*ap.pendings));
	if (ap.order == NULL || ap.sorted == NULL || ap.groups == NULL || ap.pendings == NULL) {
		batch_fail_any(batch, GW_ENOMEM);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ap.order[i] = &batch->entries[i];
	qsort(ap.order, n, sizeof(*ap.order), cmp_order);

	for (size_t from = 0; from < n;) {
		size_t to = from + 1;
		while (to < n && zone_key_cmp(ap.order[to]->key, ap.order[to]->key_len,
		                              ap.order[from]->key, ap.order[from]->key_len) == 0)
			to++;
		ret = prepare_owner(&ap, from, to);
		if (ret != GW_OK)
			goto out;
		from = to;
	}
	if (gw_array_reserve_with(&zone->nodes, &zone->cap, zone->count + ap.inserts,
	                          sizeof(*zone->nodes), 16, zone_realloc) != GW_OK) {
		ret = batch_fail_any(batch, GW_ENOMEM);
		goto out;
	}
	ret = zone_index_reserve(zone, zone->count + ap.inserts);
	if (ret == GW_OK)
		ret = reserve_hashed(&ap);
	if (ret != GW_OK) {
		ret = batch_fail_any(batch, ret);
		goto out;
	}
	commit(&ap);
	if (changed != NULL) {
		*changed = ap.changes;
		*changed_count = ap.change_count;
		ap.changes = NULL;
	}
	ret = GW_OK;
out:
	release_pendings(&ap);
	free(ap.changes);
	free(ap.order);
	free(ap.sorted);
	free(ap.groups);
	free(ap.pendings);
	free(ap.hashed_new);
	return ret;
}

/* ---- the public entry points ------------------------------------------ */

static int apply_lists(zone_t *zone, const ldns_rr_list *remove, const ldns_rr_list *add,
                       zone_change_t **changed, size_t *changed_count)
{
	zone_batch_t batch;
	int ret = zone_batch_init(&batch, zone);
	size_t nrm = remove != NULL ? ldns_rr_list_rr_count(remove) : 0;
	size_t nadd = add != NULL ? ldns_rr_list_rr_count(add) : 0;

	if (ret != GW_OK) {
		batch_fail_any(&batch, ret);
		goto out;
	}
	/* Removals first, so that arrival order (seq) puts them before the
	 * additions. */
	for (size_t i = 0; i < nrm && ret == GW_OK; i++)
		ret = zone_batch_rr(&batch, ldns_rr_list_rr(remove, i), false, i);
	for (size_t i = 0; i < nadd && ret == GW_OK; i++)
		ret = zone_batch_rr(&batch, ldns_rr_list_rr(add, i), true, nrm + i);
	if (ret == GW_OK)
		ret = zone_batch_apply(zone, &batch, changed, changed_count);
out:
	if (ret != GW_OK) {
		char apex[ZONE_NAME_STRLEN];
		(void)zone_name_to_str(apex, sizeof(apex), zone->apex);
		size_t ref = batch.err_ref;
		if (ref == ZONE_REF_NONE)
			gw_warn("zone %s: change not applied: %s", apex, batch.reason);
		else
			gw_warn("zone %s: change not applied (%s %zu): %s", apex,
			        ref >= nrm ? "addition" : "removal", ref >= nrm ? ref - nrm : ref,
			        batch.reason);
	}
	zone_batch_deinit(&batch);
	return ret;
}

int zone_apply(zone_t *zone, const zone_changeset_t *cs, zone_change_t **changed,
               size_t *changed_count)
{
	return apply_lists(zone, cs->remove, cs->add, changed, changed_count);
}

int zone_add_wire(zone_t *zone, const uint8_t *const *rrs, const size_t *rr_lens, size_t count)
{
	zone_batch_t batch;
	int ret = zone_batch_init(&batch, zone);

	/* The entries borrow owners and rdata from rrs, which the caller
	 * keeps until this returns: no second copy of every RR. */
	for (size_t i = 0; i < count && ret == GW_OK; i++) {
		const uint8_t *p = rrs[i];
		int n = zone_name_len(p, rr_lens[i]);
		if (n < 0 || (size_t)n + DNS_RR_FIXED_LEN > rr_lens[i]) {
			ret = GW_EMALFORMED;
			break;
		}
		const uint8_t *f = p + n;
		size_t rdlen = ldns_read_uint16(f + 8);
		if ((size_t)n + DNS_RR_FIXED_LEN + rdlen != rr_lens[i]) {
			ret = GW_EMALFORMED;
			break;
		}
		ret = batch_queue(&batch, p, (size_t)n, ldns_read_uint16(f + 2),
		                  ldns_read_uint16(f), ldns_read_uint32(f + 4),
		                  f + DNS_RR_FIXED_LEN, rdlen, true, i, true);
	}
	if (ret == GW_OK)
		ret = zone_batch_apply(zone, &batch, NULL, NULL);
	zone_batch_deinit(&batch);
	return ret;
}

int zone_add_walk(zone_t *zone, zone_node_next_fn next, void *ctx, zone_diff_skip_fn skip,
                  void *arg)
{
	zone_batch_t batch;
	int ret = zone_batch_init(&batch, zone);
	size_t ref = 0;
	const zone_node_t *node = NULL;

	/* The entries borrow owners and rdata from the walk's zones, which
	 * outlive the batch: only the lookup keys are copied. */
	while (ret == GW_OK && (ret = next(ctx, &node)) == GW_OK && node != NULL) {
		for (uint16_t i = 0; i < node->rrset_count && ret == GW_OK; i++) {
			const zone_rrset_t *rs = &node->rrsets[i];
			const uint8_t *rd;
			uint16_t rdlen;
			uint32_t pos = 0;
			if (skip != NULL && skip(rs->type, arg))
				continue;
			while (ret == GW_OK && zone_rrset_next(rs, &pos, &rd, &rdlen))
				ret = batch_queue(&batch, node->owner, node->owner_len, DNS_C_IN,
				                  rs->type, rs->ttl, rd, rdlen, true, ref++, true);
		}
	}
	if (ret == GW_OK)
		ret = zone_batch_apply(zone, &batch, NULL, NULL);
	zone_batch_deinit(&batch);
	return ret;
}

int zone_add_zone(zone_t *zone, const zone_t *src, zone_diff_skip_fn skip, void *arg)
{
	zone_index_walk_t w = {.zone = src};
	return zone_add_walk(zone, zone_index_walk_next, &w, skip, arg);
}

int zone_add_rr(zone_t *zone, const ldns_rr *rr)
{
	ldns_rr_list *list = ldns_rr_list_new();
	int ret;

	if (list == NULL)
		return GW_ENOMEM;
	/* The list only lends rr: it is freed with ldns_rr_list_free(), which
	 * leaves the RRs alone. */
	if (!ldns_rr_list_push_rr(list, rr)) {
		ldns_rr_list_free(list);
		return GW_ENOMEM;
	}
	ret = apply_lists(zone, NULL, list, NULL, NULL);
	ldns_rr_list_free(list);
	return ret;
}

int zone_rr_from_wire(ldns_rr **out, const uint8_t *owner, size_t owner_len, uint16_t type,
                      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	int ret = GW_ENOMEM;
	size_t len = owner_len + 10 + rdlen;
	uint8_t *wire = malloc(len);
	size_t pos = 0;
	ldns_rr *rr = NULL;

	if (wire == NULL)
		goto out;
	zone_rr_to_wire(wire, owner, owner_len, type, ttl, rdata, rdlen);
	ldns_status s = ldns_wire2rr(&rr, wire, len, &pos, LDNS_SECTION_ANSWER);
	if (s == LDNS_STATUS_MEM_ERR)
		goto out;
	if (s != LDNS_STATUS_OK || pos != len) {
		ret = GW_EMALFORMED;
		goto out;
	}
	*out = rr;
	rr = NULL;
	ret = GW_OK;
out:
	ldns_rr_free(rr);
	free(wire);
	return ret;
}

int zone_rr_to_ldns(ldns_rr **out, const zone_node_t *node, const zone_rrset_t *rrset,
                    const uint8_t *rdata, uint16_t rdlen)
{
	uint16_t type = rrset->type;
	/* An rdata from the RRset's signatures is an RRSIG. */
	if (rrset->sigs != NULL && rdata >= rrset->sigs && rdata < rrset->sigs + rrset->sigs_len)
		type = DNS_T_RRSIG;
	return zone_rr_from_wire(out, node->owner, node->owner_len, type, rrset->ttl, rdata, rdlen);
}
