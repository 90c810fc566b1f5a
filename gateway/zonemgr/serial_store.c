#include "gateway/zonemgr/serial_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "zones/zone.h"

int gw_serial_init(gw_serial_t *s, const char *state_dir)
{
	memset(s, 0, sizeof(*s));
	size_t n = strlen(state_dir) + sizeof("/serial");
	s->path = malloc(n);
	if (s->path == NULL)
		return GW_ENOMEM;
	snprintf(s->path, n, "%s/serial", state_dir);
	char *text = NULL;
	size_t len = 0;
	int ret = gw_file_read(s->path, 64, &text, &len);
	if (ret == -ENOENT)
		return GW_OK;
	if (ret != GW_OK) {
		gw_err("cannot read %s: %s", s->path, gw_strerror(ret));
		return ret;
	}
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0') || v > UINT32_MAX) {
		gw_err("%s is corrupt (not a serial number); restore it from a backup, or "
		       "remove it and make sure the zone file's serial is above every serial "
		       "served before",
		       s->path);
		free(text);
		return GW_EPARSE;
	}
	free(text);
	s->ceiling = (uint32_t)v;
	s->known = true;
	return GW_OK;
}

void gw_serial_deinit(gw_serial_t *s)
{
	free(s->path);
	s->path = NULL;
}

static int raise_to(gw_serial_t *s, uint32_t serial)
{
	uint32_t ceiling = serial + GW_SERIAL_BLOCK;
	char text[16];
	int n = snprintf(text, sizeof(text), "%" PRIu32 "\n", ceiling);
	int ret = gw_file_write_atomic(s->path, text, (size_t)n, 0600);
	if (ret != GW_OK)
		return ret; /* logged with the path */
	s->ceiling = ceiling;
	s->known = true;
	return GW_OK;
}

int gw_serial_first(gw_serial_t *s, uint32_t zone_serial, uint32_t *out)
{
	uint32_t serial = zone_serial;
	/* Everything up to the ceiling may have been served (the daemon may
	 * have died anywhere in its block), so start past it. */
	if (s->known && zone_serial_cmp(zone_serial, s->ceiling) != 1)
		serial = zone_serial_next(s->ceiling, 0);
	int ret = raise_to(s, serial);
	if (ret == GW_OK)
		*out = serial;
	return ret;
}

int gw_serial_next(gw_serial_t *s, uint32_t current, uint32_t *out)
{
	uint32_t serial = zone_serial_next(current, 0);
	if (!s->known || zone_serial_cmp(serial, s->ceiling) == 1) {
		int ret = raise_to(s, serial);
		if (ret != GW_OK)
			return ret;
	}
	*out = serial;
	return GW_OK;
}
