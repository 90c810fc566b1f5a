/* zones/ private declarations shared by the module's .c files. Nothing
 * outside zones/ includes this (tests excepted, for the allocation hook). */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldns/ldns.h>

#include "zones/zone.h"

struct zone {
	zone_node_t **nodes; /* owned, count entries sorted by node key */
	size_t count;
	size_t cap;
	zone_node_t **hslots; /* owned: hash index of nodes (zones/index.c) */
	size_t hcap;          /* slots, a power of two, >= 2 x count; 0 = none */
	/* Borrowed from nodes: the NSEC3 owners in key order (zones/hashed.c). */
	const zone_node_t **hashed; /* owned array */
	size_t hashed_count;
	size_t hashed_cap;
	uint8_t apex[ZONE_NAME_MAXLEN]; /* lowercase */
	uint8_t apex_key[ZONE_KEY_MAXLEN];
	uint16_t apex_len;
	uint16_t apex_key_len;
	int apex_labels;
	/* Nodes below the apex holding NS (delegation points and NS below
	 * them): lets the query path skip the cut search in zones with none. */
	size_t ns_below_apex;
	/* Nodes holding DNAME: lets the query path skip the DNAME search in
	 * zones with none (every DNS-SD zone). */
	size_t dname_nodes;
};

/* ---- the hash index (zones/index.c) ---------------------------------- */

/* The node whose key equals key, or NULL. */
const zone_node_t *zone_index_find(const zone_t *zone, const uint8_t *key, size_t key_len);
/* Make room for count nodes (rehashing the current ones into a larger
 * table when needed). The only step that allocates. GW_OK or GW_ENOMEM
 * (the index is then unchanged). */
int zone_index_reserve(zone_t *zone, size_t count);
/* Add / drop a node; room must have been reserved. */
void zone_index_insert(zone_t *zone, zone_node_t *node);
void zone_index_remove(zone_t *zone, const zone_node_t *node);

/* ---- NSEC3 owners (zones/hashed.c) ----------------------------------- */

/* Would node, holding rrsets, be an NSEC3 owner: one label below the apex
 * with an NSEC3 RRset? */
bool zone_hashed_holds(const zone_t *zone, const zone_node_t *node, const zone_rrset_t *rrsets,
                       size_t rrset_count);
/* Make room for count entries. The only step that allocates. */
int zone_hashed_reserve(zone_t *zone, size_t count);
/* node's index in the array, or SIZE_MAX. */
size_t zone_hashed_position(const zone_t *zone, const zone_node_t *node);
/* Close the holes left by entries set to NULL. */
void zone_hashed_compact(zone_t *zone);
/* Insert nodes (key order, none present yet); room must be reserved. */
void zone_hashed_insert_sorted(zone_t *zone, const zone_node_t *const *nodes, size_t count);

/* Room for the text form of any name: every octet escaped as \DDD. */
#define ZONE_NAME_STRLEN (4 * ZONE_NAME_MAXLEN + 2)

/* memcmp order on keys, the shorter first when one is a prefix. Inline:
 * it is the inner loop of every lookup. */
static inline int zone_key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int cmp = memcmp(a, b, alen < blen ? alen : blen);

	if (cmp != 0)
		return cmp;
	return (alen > blen) - (alen < blen);
}

/* Index of the first node whose key is >= key; *found tells whether that
 * node's key equals key. */
size_t zone_search(const zone_t *zone, const uint8_t *key, size_t key_len, bool *found);
/* The same over any n node pointers at nodes (zone_node_t *[], in key
 * order): the node array and the NSEC3 owners (zones/hashed.c). */
size_t zone_nodes_search(const void *nodes, size_t n, const uint8_t *key, size_t key_len,
                         bool *found);

/* A node for owner (valid wire name) with no RRsets; owner and key live in
 * the same allocation as the node. NULL when out of memory. */
zone_node_t *zone_node_new(const uint8_t *owner);
/* Free a node, its RRsets and their buffers. Accepts NULL. */
void zone_node_free(zone_node_t *node);

/* Free the rdata and sigs buffers of the RRsets in a that no RRset of the
 * same type in b shares (compared by pointer). Changes keep unchanged
 * buffers by reference, so this frees exactly what the other side does not
 * hold: the old side after a commit, the new side after a failure. */
void zone_rrsets_release_unshared(zone_rrset_t *a, size_t a_count, const zone_rrset_t *b,
                                  size_t b_count);

/* Allocation used by the changeset path (zones/alloc.c). Tests set
 * zone_alloc_fail_after to N >= 0 to make the (N+1)th call from then on
 * fail, to prove that a failed change leaves the zone as it was; -1 (the
 * default) disables it. */
extern long zone_alloc_fail_after;
void *zone_malloc(size_t size);
void *zone_calloc(size_t n, size_t size);
void *zone_realloc(void *ptr, size_t size);

/* ---- batches: the engine behind zone_apply() and zone_load_file() ------ */

/* One RR of a batch in wire form. */
typedef struct zone_entry {
	const uint8_t *owner; /* the batch's arena, or borrowed (zone_add_wire()) */
	const uint8_t *key;
	const uint8_t *rdata;
	size_t ref; /* caller's reference: list index or file line */
	uint32_t seq;
	uint32_t ttl;
	uint32_t group; /* scratch for the RRset builder */
	uint16_t owner_len;
	uint16_t key_len;
	uint16_t rdlen;
	uint16_t type;
	bool add;
} zone_entry_t;

#define ZONE_REF_NONE SIZE_MAX

typedef struct zone_arena_chunk zone_arena_chunk_t;

typedef struct zone_batch {
	const zone_t *zone;
	zone_entry_t *entries;
	size_t count;
	size_t cap;
	zone_arena_chunk_t *chunks;
	ldns_buffer *wire;
	/* Called for every added RR whose TTL differs from the previous added
	 * RR of the same RRset (the loader warns with both lines). */
	void (*ttl_conflict)(void *ctx, const zone_entry_t *earlier, const zone_entry_t *later);
	void *ctx;
	/* Why the last call failed, and the ref of the RR at fault
	 * (ZONE_REF_NONE when no single RR is). */
	char reason[ZONE_NAME_STRLEN + 96];
	size_t err_ref;
} zone_batch_t;

int zone_batch_init(zone_batch_t *batch, const zone_t *zone);
void zone_batch_deinit(zone_batch_t *batch);

/* Convert rr and queue it (add or remove). Checks what one RR can break on
 * its own: GW_EOUTOFZONE, GW_ESEMANTIC (class, meta type, SOA or CNAME
 * placement), GW_EMALFORMED, GW_ENOMEM. */
int zone_batch_rr(zone_batch_t *batch, const ldns_rr *rr, bool add, size_t ref);

/* Move every RR of src, in its order, behind those of dst (both batches
 * of the same zone), with src's arena; src is left empty. GW_OK or
 * GW_ENOMEM (then both are as they were). */
int zone_batch_append(zone_batch_t *dst, zone_batch_t *src);

/* Zone texts from this size on are read by two threads (zones/load.c)
 * when more than one CPU is online; 0 reads every text that way, which
 * tests use. */
extern size_t zone_load_split_min;
/* Loads whose second half the second reader gave (tests check it did). */
extern atomic_size_t zone_load_splits;

/* Apply every queued RR to zone, all or nothing (see zone_apply()). */
int zone_batch_apply(zone_t *zone, zone_batch_t *batch, zone_change_t **changed,
                     size_t *changed_count);

/* ---- differences (zones/diff.c) --------------------------------------- */

/* Gives the next node of a walk in canonical order (the first on the
 * first call) into *node, NULL at the end; GW_OK or an error. */
typedef int (*zone_node_next_fn)(void *ctx, const zone_node_t **node);

/* zone_node_next_fn over a zone's nodes by index (zone_next() searches
 * for each node); start with {.zone = zone}. */
typedef struct zone_index_walk {
	const zone_t *zone;
	size_t next; /* the index of the node to give next */
} zone_index_walk_t;
int zone_index_walk_next(void *ctx, const zone_node_t **node);

/* zone_diff() with the from side's nodes given by next_from(from, ...):
 * a zone's, or its marked RRsets' (zones/mark.c). */
int zone_diff_walk(zone_node_next_fn next_from, void *from, const zone_t *to,
                   zone_diff_skip_fn skip, void *arg, zone_changeset_t *cs);

/* zone_add_zone() with the nodes of a walk instead of a zone's (their
 * owners and rdata must outlive the call). */
int zone_add_walk(zone_t *zone, zone_node_next_fn next, void *ctx, zone_diff_skip_fn skip,
                  void *arg);
