#include "common/htab.h"

#include <stdlib.h>

#include "common/error.h"

int gw_htab_init(gw_htab_t *t, size_t size)
{
	t->slots = NULL;
	t->size = 0;
	t->count = 0;
	if (size == 0)
		return GW_OK;
	t->slots = calloc(size, sizeof(*t->slots));
	if (t->slots == NULL)
		return GW_ENOMEM;
	t->size = size;
	return GW_OK;
}

void gw_htab_deinit(gw_htab_t *t)
{
	free(t->slots);
	t->slots = NULL;
	t->size = 0;
	t->count = 0;
}

/* Rehash into twice the slots. Chains are walked from their heads, so
 * entries of one old chain end up in reverse order: the order of a chain
 * means nothing to the users. */
static int grow(gw_htab_t *t)
{
	size_t size = t->size > 0 ? t->size * 2 : GW_HTAB_MIN_SIZE;
	gw_hlink_t **slots = calloc(size, sizeof(*slots));
	if (slots == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < t->size; i++) {
		gw_hlink_t *h = t->slots[i];
		while (h != NULL) {
			gw_hlink_t *next = h->next;
			h->next = slots[h->hash % size];
			slots[h->hash % size] = h;
			h = next;
		}
	}
	free(t->slots);
	t->slots = slots;
	t->size = size;
	return GW_OK;
}

int gw_htab_insert(gw_htab_t *t, gw_hlink_t *link, uint32_t hash)
{
	if (t->count >= t->size && grow(t) != GW_OK && t->size == 0)
		return GW_ENOMEM;
	link->hash = hash;
	link->next = t->slots[hash % t->size];
	t->slots[hash % t->size] = link;
	t->count++;
	return GW_OK;
}

void gw_htab_remove(gw_htab_t *t, gw_hlink_t *link)
{
	gw_hlink_t **pp = &t->slots[link->hash % t->size];

	while (*pp != link)
		pp = &(*pp)->next;
	*pp = link->next;
	t->count--;
}

void gw_htab_drain(gw_htab_t *t, void (*fn)(gw_hlink_t *link, void *arg), void *arg)
{
	for (size_t i = 0; i < t->size; i++) {
		gw_hlink_t *h = t->slots[i];
		t->slots[i] = NULL;
		while (h != NULL) {
			gw_hlink_t *next = h->next;
			fn(h, arg);
			h = next;
		}
	}
	t->count = 0;
}
