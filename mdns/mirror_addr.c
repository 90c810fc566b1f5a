/* The services at each host address of a link, for the fair share per
 * address (mirror.c): a chained hash table from an A or AAAA rdata to the
 * number of SRV records that point at hosts holding that address. Kept up
 * to date as hosts gain and lose addresses and SRV references, so that a
 * check costs one lookup however many hosts a flood invents. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>
#include <string.h>

struct acount {
	acount_t *next;
	uint32_t hash;
	uint32_t count;
	uint8_t len; /* 4 or 16 */
	uint8_t addr[16];
};

static uint32_t addr_hash(uint32_t seed, const uint8_t *addr, uint16_t len)
{
	uint32_t h = (2166136261u ^ seed) * 16777619u ^ len;
	for (uint16_t i = 0; i < len; i++)
		h = (h ^ addr[i]) * 16777619u;
	return h ^ (h >> 15);
}

static acount_t **addr_slot(const mlink_t *l, uint32_t hash, const uint8_t *addr, uint16_t len)
{
	acount_t **pp = &l->addrs[hash % l->addr_slots];
	while (*pp != NULL &&
	       !((*pp)->hash == hash && (*pp)->len == len && memcmp((*pp)->addr, addr, len) == 0))
		pp = &(*pp)->next;
	return pp;
}

/* Twice the slots when the table is full; on failure, longer chains. */
static void addrs_grow(mlink_t *l)
{
	size_t slots = l->addr_slots ? l->addr_slots * 2 : 64;
	acount_t **t = calloc(slots, sizeof(*t));
	if (t == NULL)
		return;
	for (size_t i = 0; i < l->addr_slots; i++) {
		acount_t *a = l->addrs[i];
		while (a != NULL) {
			acount_t *next = a->next;
			a->next = t[a->hash % slots];
			t[a->hash % slots] = a;
			a = next;
		}
	}
	free(l->addrs);
	l->addrs = t;
	l->addr_slots = slots;
}

void mirror_addr_adjust(mdns_mirror_t *m, mlink_t *l, const uint8_t *addr, uint16_t len,
                        int64_t delta)
{
	if (delta == 0 || (len != 4 && len != 16))
		return;
	if (l->addr_count >= l->addr_slots)
		addrs_grow(l);
	if (l->addr_slots == 0)
		return; /* out of memory: the share per address is not enforced */
	uint32_t hash = addr_hash(m->seed, addr, len);
	acount_t **pp = addr_slot(l, hash, addr, len);
	acount_t *a = *pp;
	if (a == NULL) {
		if (delta < 0 || (a = calloc(1, sizeof(*a))) == NULL)
			return;
		a->hash = hash;
		a->len = (uint8_t)len;
		memcpy(a->addr, addr, len);
		*pp = a;
		l->addr_count++;
	}
	int64_t count = (int64_t)a->count + delta;
	a->count = count > 0 ? (uint32_t)count : 0;
	if (a->count == 0) {
		*pp = a->next;
		l->addr_count--;
		free(a);
	}
}

uint32_t mirror_addr_services(const mdns_mirror_t *m, const mlink_t *l, const uint8_t *addr,
                              uint16_t len)
{
	if (l->addr_slots == 0)
		return 0;
	const acount_t *a = *addr_slot(l, addr_hash(m->seed, addr, len), addr, len);
	return a != NULL ? a->count : 0;
}

void mirror_addr_clear(mlink_t *l)
{
	for (size_t i = 0; i < l->addr_slots; i++) {
		acount_t *a = l->addrs[i];
		while (a != NULL) {
			acount_t *next = a->next;
			free(a);
			a = next;
		}
	}
	free(l->addrs);
	l->addrs = NULL;
	l->addr_slots = 0;
	l->addr_count = 0;
}
