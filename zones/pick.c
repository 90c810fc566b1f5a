/* Which of several zones holds a name: the one whose apex is the longest
 * suffix of it (RFC 1034 4.3.2 step 2, for the handful of zones one
 * server holds; a linear scan beats any index at that size). */
#include "zones/zone.h"

int zone_pick(const zone_t *const *zones, size_t count, const uint8_t *name)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < count; i++) {
		if (zones[i] == NULL)
			continue;
		size_t len = zone_apex_len(zones[i]);
		if ((best < 0 || len > best_len) &&
		    zone_name_is_subdomain(name, zone_apex(zones[i]))) {
			best = (int)i;
			best_len = len;
		}
	}
	return best;
}
