/* Finding a zone of the view by the name a command gives. */
#include "gateway/control/view.h"

#include <string.h>
#include <strings.h>

bool gw_view_zone_find(const gw_view_t *v, const char *name, gw_view_zone_t *out)
{
	size_t n = gw_view_zones(v);
	if (n == 0)
		return false;
	if (name == NULL) {
		*out = gw_view_zone(v, 0);
		return true;
	}
	/* "campus.test" and "campus.test." name the same zone. */
	size_t len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < n; i++) {
		gw_view_zone_t z = gw_view_zone(v, i);
		size_t zl = strlen(z.name);
		if (zl > 1 && z.name[zl - 1] == '.')
			zl--;
		if (zl == len && strncasecmp(z.name, name, len) == 0) {
			*out = z;
			return true;
		}
	}
	return false;
}

void gw_view_notify_stats(const gw_view_t *v, gw_notify_stats_t *st)
{
	if (v->zone_count == 0) {
		gw_notify_get_stats(v->notify, st);
		return;
	}
	*st = (gw_notify_stats_t){0};
	for (size_t i = 0; i < v->zone_count; i++) {
		gw_notify_stats_t z;
		gw_notify_get_stats(v->zone_list[i].notify, &z);
		st->sent += z.sent;
		st->acked += z.acked;
		st->failed += z.failed;
		st->queued += z.queued;
	}
}
