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

/* Write ceiling to the file, then take it. */
static int write_ceiling(gw_serial_t *s, uint32_t ceiling)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "%" PRIu32 "\n", ceiling);
	int ret = gw_file_write_atomic(s->path, text, (size_t)n, 0600);
	if (ret != GW_OK)
		return ret; /* logged with the path */
	s->ceiling = ceiling;
	s->known = true;
	s->pending = false;
	return GW_OK;
}

void gw_serial_set_floor(gw_serial_t *s, uint32_t served)
{
	s->have_floor = true;
	s->floor = served;
}

/* serial moved past limit when it is not ahead of it. */
static uint32_t past(uint32_t serial, uint32_t limit)
{
	return zone_serial_cmp(serial, limit) == 1 ? serial : zone_serial_next(limit, 0);
}

void gw_serial_reserve(gw_serial_t *s, uint32_t zone_serial, uint32_t *out)
{
	uint32_t serial = zone_serial;
	/* Everything up to the ceiling may have been served (the daemon may
	 * have died anywhere in its block), so start past it. RFC 1982 order
	 * is not transitive: the serial must also be ahead of the start of
	 * the last block, or it could be behind a serial served in that
	 * block; and ahead of the floor, which the journal saw served even
	 * when the file was restored lower. Moving past one limit can fall
	 * behind another only when it was not ahead of it already, hence the
	 * second round (the limits lie within one block and the distance to
	 * the floor, far less than 2^31). */
	for (int round = 0; round < 2; round++) {
		if (s->known) {
			serial = past(serial, s->ceiling - GW_SERIAL_BLOCK);
			serial = past(serial, s->ceiling);
		}
		if (s->have_floor)
			serial = past(serial, s->floor);
	}
	/* known keeps saying whether a ceiling was read or written. */
	s->ceiling = serial + GW_SERIAL_BLOCK;
	s->pending = true;
	*out = serial;
}

int gw_serial_sync(gw_serial_t *s)
{
	return s->pending ? write_ceiling(s, s->ceiling) : GW_OK;
}

int gw_serial_first(gw_serial_t *s, uint32_t zone_serial, uint32_t *out)
{
	uint32_t serial = 0;
	gw_serial_reserve(s, zone_serial, &serial);
	int ret = gw_serial_sync(s);
	if (ret == GW_OK)
		*out = serial;
	return ret;
}

int gw_serial_next(gw_serial_t *s, uint32_t current, uint32_t *out)
{
	uint32_t serial = zone_serial_next(current, 0);
	int ret = GW_OK;
	if ((!s->known && !s->pending) || zone_serial_cmp(serial, s->ceiling) == 1)
		ret = write_ceiling(s, serial + GW_SERIAL_BLOCK);
	else
		ret = gw_serial_sync(s); /* a committed serial may be served */
	if (ret != GW_OK)
		return ret;
	*out = serial;
	return GW_OK;
}
