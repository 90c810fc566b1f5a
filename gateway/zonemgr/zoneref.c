#include "gateway/zonemgr/zoneref.h"

#include <stdlib.h>

#include "common/error.h"

int gw_zoneref_new(gw_zoneref_t **out, zone_t *zone)
{
	gw_zoneref_t *ref = malloc(sizeof(*ref));
	if (ref == NULL) {
		zone_free(zone);
		return GW_ENOMEM;
	}
	ref->zone = zone;
	ref->refs = 1;
	ref->watches = NULL;
	ref->octets = 0;
	ref->octets_known = false;
	*out = ref;
	return GW_OK;
}

gw_zoneref_t *gw_zoneref_get(gw_zoneref_t *ref)
{
	if (ref != NULL)
		ref->refs++;
	return ref;
}

void gw_zoneref_put(gw_zoneref_t *ref)
{
	if (ref == NULL || --ref->refs > 0)
		return;
	zone_free(ref->zone);
	free(ref);
}

void gw_zoneref_watch(gw_zoneref_t *ref, gw_zoneref_watch_t *w)
{
	w->prev = NULL;
	w->next = ref->watches;
	if (ref->watches != NULL)
		ref->watches->prev = w;
	ref->watches = w;
}

void gw_zoneref_unwatch(gw_zoneref_t *ref, gw_zoneref_watch_t *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else if (ref->watches == w)
		ref->watches = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

uint64_t gw_zoneref_octets(gw_zoneref_t *ref)
{
	if (!ref->octets_known) {
		ref->octets = zone_octets(ref->zone);
		ref->octets_known = true;
	}
	return ref->octets;
}

void gw_zoneref_changed(gw_zoneref_t *ref, const zone_rrdiff_t *diff)
{
	if (ref->octets_known) {
		uint64_t removed = 0, added = 0;
		zone_rrdiff_octets(diff, &removed, &added);
		ref->octets = ref->octets + added - removed;
	}
	for (gw_zoneref_watch_t *w = ref->watches; w != NULL; w = w->next)
		w->changed(w, ref->zone, diff);
}
