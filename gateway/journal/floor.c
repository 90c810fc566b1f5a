/* The newest serial <state>/journal records, from the heads of its
 * records only: a floor for the first serial at start (gateway/zonemgr/
 * serial_store.h) that costs a few small reads, not a rebuild of the zone
 * the file describes (file.c does that later, and only when needed). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

/* Walk the records of fd (size octets, header checked) and take the serial
 * the last sound one ends at. The walk stops where file.c would cut the
 * file (a record longer than what is left, an unknown kind) and where the
 * entries stop following each other or going forward (RFC 1982): without
 * the CRC that is what tells a damaged head from a sound one. */
static int walk(int fd, off_t pos, off_t size, uint32_t *out)
{
	bool found = false, have_entry = false;
	uint32_t newest = 0, last_to = 0;
	uint8_t head[REC_HEAD + ENTRY_HEAD];

	while (size - pos >= REC_HEAD + SNAP_HEAD) {
		size_t want =
		    size - pos >= (off_t)sizeof(head) ? sizeof(head) : REC_HEAD + SNAP_HEAD;
		int ret = gw_journal_read_at(fd, head, want, pos);
		if (ret != GW_OK)
			return ret;
		uint32_t plen = ldns_read_uint32(head);
		if ((off_t)plen > size - pos - REC_HEAD)
			break;
		uint8_t kind = head[REC_HEAD];
		uint32_t serial = ldns_read_uint32(head + REC_HEAD + 1);
		if (kind == REC_SNAPSHOT && plen >= SNAP_HEAD) {
			newest = serial;
		} else if (kind == REC_ENTRY && plen >= ENTRY_HEAD && want == sizeof(head)) {
			uint32_t to = ldns_read_uint32(head + REC_HEAD + 5);
			if ((have_entry && serial != last_to) || zone_serial_cmp(to, serial) != 1)
				break;
			have_entry = true;
			last_to = newest = to;
		} else {
			break;
		}
		found = true;
		pos += REC_HEAD + (off_t)plen;
	}
	if (!found)
		return GW_ENOTFOUND;
	*out = newest;
	return GW_OK;
}

int gw_journal_floor_fd(int fd, const char *path, const uint8_t *apex, uint32_t *out)
{
	uint8_t head[13 + ZONE_NAME_MAXLEN];
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : GW_EIO;
	size_t alen = (size_t)zone_name_len(apex, ZONE_NAME_MAXLEN);
	int ret = gw_journal_read_at(fd, head, 13 + alen, 0);
	if (ret != GW_OK)
		return ret;
	if (memcmp(head, FILE_MAGIC, 8) != 0 || ldns_read_uint32(head + 8) != FILE_VERSION)
		return GW_EPARSE;
	if (head[12] != alen || !zone_name_equal(head + 13, apex)) {
		/* Another zone's serials say nothing about this one's. */
		gw_info("journal: %s is another zone's; it sets no floor for the serial", path);
		return GW_ENOTFOUND;
	}
	return walk(fd, (off_t)(13 + alen), st.st_size, out);
}

int gw_journal_read_floor(const char *state_dir, const uint8_t *apex, uint32_t *out)
{
	char path[4096];
	int ret;

	snprintf(path, sizeof(path), "%s/journal", state_dir);
	int fd = -1;
	ret = gw_file_open_regular(path, 0, &fd, NULL);
	if (ret == -ENOENT)
		ret = GW_ENOTFOUND;
	else if (ret == GW_OK)
		ret = gw_journal_floor_fd(fd, path, apex, out);
	if (ret != GW_OK && ret != GW_ENOTFOUND)
		gw_warn("journal: cannot read %s (%s); it sets no floor for the serial, only "
		        "%s/serial keeps it going forward",
		        path, ret == GW_EPARSE ? "not a journal of this version" : gw_strerror(ret),
		        state_dir);
	if (fd >= 0)
		close(fd);
	return ret;
}
