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
