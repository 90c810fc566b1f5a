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

int gw_serial_parse(const char *text, size_t len, uint32_t *out)
{
	/* Exactly what raise_to() writes: digits and one newline. A file cut
	 * short by a crash ("123" of "12345\n") would read as a lower serial
	 * and send the zone backwards, so anything else is corrupt. */
	uint64_t v = 0;
	size_t digits = 0;
	while (digits < len && text[digits] >= '0' && text[digits] <= '9' && digits < 10)
		v = v * 10 + (uint64_t)(text[digits++] - '0');
	if (digits == 0 || digits + 1 != len || text[digits] != '\n' || v > UINT32_MAX)
		return GW_EPARSE;
	*out = (uint32_t)v;
	return GW_OK;
}

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
	uint32_t v = 0;
	if (gw_serial_parse(text, len, &v) != GW_OK) {
		gw_err("%s is corrupt (not a serial number); restore it from a backup, or "
		       "remove it and make sure the zone file's serial is above every serial "
		       "served before",
		       s->path);
		free(text);
		return GW_EPARSE;
	}
	free(text);
	s->ceiling = v;
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
	/* RFC 1982 order is not transitive: the zone's serial must also be
	 * ahead of the start of the last block, or it could be behind a
	 * serial served in that block. */
	if (s->known && zone_serial_cmp(serial, s->ceiling - GW_SERIAL_BLOCK) != 1)
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
