/* The services at each host address of a link, for the fair share per
 * address (mirror_limits.c): a gw_htab from an A or AAAA rdata to the
 * number of SRV records that point at hosts holding that address. Kept up
 * to date as hosts gain and lose addresses and SRV references, so that a
 * check costs one lookup however many hosts a flood invents. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

struct acount {
	gw_hlink_t hl; /* in the link's table of addresses */
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

static acount_t *addr_find(const mlink_t *l, uint32_t hash, const uint8_t *addr, uint16_t len)
{
	for (gw_hlink_t *h = gw_htab_chain(&l->addrs, hash); h != NULL; h = h->next) {
		acount_t *a = container_of(h, acount_t, hl);
		if (h->hash == hash && a->len == len && memcmp(a->addr, addr, len) == 0)
			return a;
	}
	return NULL;
}

void mirror_addr_adjust(mdns_mirror_t *m, mlink_t *l, const uint8_t *addr, uint16_t len,
                        int64_t delta)
{
	if (delta == 0 || (len != 4 && len != 16))
		return;
	uint32_t hash = addr_hash(m->seed, addr, len);
	acount_t *a = addr_find(l, hash, addr, len);
	if (a == NULL) {
		if (delta < 0 || (a = calloc(1, sizeof(*a))) == NULL)
			return;
		a->len = (uint8_t)len;
		memcpy(a->addr, addr, len);
		if (gw_htab_insert(&l->addrs, &a->hl, hash) != GW_OK) {
			free(a); /* out of memory: the share per address is not enforced */
			return;
		}
	}
	int64_t count = (int64_t)a->count + delta;
	a->count = count > 0 ? (uint32_t)count : 0;
	if (a->count == 0) {
		gw_htab_remove(&l->addrs, &a->hl);
		free(a);
	}
}

uint32_t mirror_addr_services(const mdns_mirror_t *m, const mlink_t *l, const uint8_t *addr,
                              uint16_t len)
{
	const acount_t *a = addr_find(l, addr_hash(m->seed, addr, len), addr, len);
	return a != NULL ? a->count : 0;
}

static void addr_drop(gw_hlink_t *h, void *arg)
{
	(void)arg;
	free(container_of(h, acount_t, hl));
}

void mirror_addr_clear(mlink_t *l)
{
	gw_htab_drain(&l->addrs, addr_drop, NULL);
	gw_htab_deinit(&l->addrs);
}
