/* A chained hash table of entries that embed their link (intrusive): the
 * table owns only its slot array, each entry is allocated and freed by its
 * owner. Slots double when the entries reach their number; a chain holds
 * the newest entry first. Not for the query path: the zone index
 * (zones/index.c) and response compression (gateway/query/response.c) keep
 * tables of their own, tuned for it.
 *
 * Also the FNV-1a hash (32 and 64 bits) that the tables off the query path
 * use, with a letter-case folding variant for DNS names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/container.h"
#include "common/word.h"

/* Embedded in every entry; the table sets both fields. */
typedef struct gw_hlink {
	struct gw_hlink *next;
	uint32_t hash;
} gw_hlink_t;

typedef struct gw_htab {
	gw_hlink_t **slots; /* owned array of size chains; NULL while size is 0 */
	size_t size;
	size_t count;
} gw_htab_t;

/* Slots taken on the first insert into a table of size 0. */
#define GW_HTAB_MIN_SIZE 64

/* A table of size slots (0: none until the first insert). GW_OK or
 * GW_ENOMEM. */
int gw_htab_init(gw_htab_t *t, size_t size);
/* Free the slot array (not the entries). Accepts a zeroed table. */
void gw_htab_deinit(gw_htab_t *t);

/* Add link with its hash. The table grows first when it is full; if that
 * fails the chains get longer, and only a table without slots fails:
 * GW_OK or GW_ENOMEM. */
int gw_htab_insert(gw_htab_t *t, gw_hlink_t *link, uint32_t hash);
/* Take link (in the table) out. */
void gw_htab_remove(gw_htab_t *t, gw_hlink_t *link);
/* Take every link out, then call fn(link, arg) on it (fn may free the
 * entry). The table keeps its slots, empty. */
void gw_htab_drain(gw_htab_t *t, void (*fn)(gw_hlink_t *link, void *arg), void *arg);

/* The chain where entries with this hash are, or NULL. */
static inline gw_hlink_t *gw_htab_chain(const gw_htab_t *t, uint32_t hash)
{
	return t->size > 0 ? t->slots[hash % t->size] : NULL;
}

/* Every link of t, as gw_hlink_t *h, slot by slot. Two nested loops: leave
 * with return or goto, not break. The body must not insert or remove. */
#define GW_HTAB_FOREACH(t, h)                                                                      \
	for (size_t h##_slot = 0; h##_slot < (t)->size; h##_slot++)                                \
		for (gw_hlink_t *h = (t)->slots[h##_slot]; h != NULL; h = h->next)

#define GW_FNV32_INIT 2166136261u
#define GW_FNV64_INIT 0xcbf29ce484222325ULL

/* FNV-1a over n octets at p, from h. */
static inline uint32_t gw_fnv32(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static inline uint64_t gw_fnv64(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* The same with ASCII letters folded to lower case (DNS names). */
static inline uint32_t gw_fnv32_ci(uint32_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ gw_lower8(p[i])) * 16777619u;
	return h;
}

static inline uint64_t gw_fnv64_ci(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ gw_lower8(p[i])) * 0x100000001b3ULL;
	return h;
}
