/* Writing the journal's file: the records (see file.c for the format),
 * an entry appended with fdatasync, and the whole file rewritten as a
 * snapshot of the zone plus the entries kept, atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/file.h"
#include "common/heap.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;
	while (len > 0) {
		ssize_t k = write(fd, p, len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return GW_OK;
}

/* One record: [length][CRC-32] over head and body, then head and body. */
static int write_record(int fd, const uint8_t *head, size_t head_len, const uint8_t *body,
                        size_t body_len)
{
	uint8_t rec[REC_HEAD];
	if (head_len + body_len > UINT32_MAX)
		return GW_ELIMIT;
	uint32_t crc = gw_journal_crc32(0, head, head_len);
	crc = gw_journal_crc32(crc, body, body_len);
	ldns_write_uint32(rec, (uint32_t)(head_len + body_len));
	ldns_write_uint32(rec + 4, crc);
	int ret = write_all(fd, rec, sizeof(rec));
	if (ret == GW_OK)
		ret = write_all(fd, head, head_len);
	if (ret == GW_OK && body_len > 0)
		ret = write_all(fd, body, body_len);
	return ret;
}

int gw_journal_write_entry(int fd, const gw_journal_entry_t *e)
{
	uint8_t head[ENTRY_HEAD];
	head[0] = REC_ENTRY;
	ldns_write_uint32(head + 1, e->from);
	ldns_write_uint32(head + 5, e->to);
	ldns_write_uint32(head + 9, e->removed);
	ldns_write_uint32(head + 13, e->added);
	return write_record(fd, head, sizeof(head), e->data, e->size);
}

int gw_journal_file_append(gw_journal_t *j, const gw_journal_entry_t *e)
{
	int ret = gw_journal_write_entry(j->fd, e);

	if (ret == GW_OK && fdatasync(j->fd) != 0)
		ret = -errno;
	return ret;
}

static int write_header(int fd, const uint8_t *apex)
{
	uint8_t head[8 + 4 + 1 + ZONE_NAME_MAXLEN];
	int alen = zone_name_len(apex, ZONE_NAME_MAXLEN);
	memcpy(head, FILE_MAGIC, 8);
	ldns_write_uint32(head + 8, FILE_VERSION);
	head[12] = (uint8_t)alen;
	memcpy(head + 13, apex, (size_t)alen);
	return write_all(fd, head, 13 + (size_t)alen);
}

/* The snapshot record, streamed: the zone's RRs go to the file through a
 * small buffer rather than as one buffer of the whole zone (at 100 000
 * services some 160 MiB, doubled while it grew), and the record's length
 * and CRC, known at the end, are written into its head last. */
typedef struct snap_writer {
	int fd;
	int ret;
	uint32_t crc;
	uint64_t len; /* payload octets so far */
	size_t used;
	uint8_t buf[65536];
} snap_writer_t;

static void snap_flush(snap_writer_t *w)
{
	if (w->ret == GW_OK && w->used > 0)
		w->ret = write_all(w->fd, w->buf, w->used);
	w->used = 0;
}

static void snap_put(snap_writer_t *w, const uint8_t *p, size_t n)
{
	w->crc = gw_journal_crc32(w->crc, p, n);
	w->len += n;
	while (n > 0) {
		if (w->used == sizeof(w->buf))
			snap_flush(w);
		size_t k = sizeof(w->buf) - w->used < n ? sizeof(w->buf) - w->used : n;
		memcpy(w->buf + w->used, p, k);
		w->used += k;
		p += k;
		n -= k;
	}
}

static int snap_put_rr(void *ctx, const zone_node_t *node, uint16_t type, uint32_t ttl,
                       const uint8_t *rdata, uint16_t rdlen)
{
	snap_writer_t *w = ctx;
	uint8_t fixed[DNS_RR_FIXED_LEN];
	fixed[0] = (uint8_t)(type >> 8);
	fixed[1] = (uint8_t)type;
	fixed[2] = (uint8_t)(DNS_C_IN >> 8);
	fixed[3] = (uint8_t)DNS_C_IN;
	ldns_write_uint32(fixed + 4, ttl);
	fixed[8] = (uint8_t)(rdlen >> 8);
	fixed[9] = (uint8_t)rdlen;
	snap_put(w, node->owner, node->owner_len);
	snap_put(w, fixed, sizeof(fixed));
	snap_put(w, rdata, rdlen);
	return w->ret;
}

/* The RRs of zone in gw_journal_each_rr()'s order and form, as a snapshot record
 * at the file's current offset. */
static int write_snapshot(int fd, const zone_t *zone, uint32_t serial)
{
	snap_writer_t *w = calloc(1, sizeof(*w));
	uint32_t count = 0;
	off_t at = lseek(fd, 0, SEEK_CUR);

	if (w == NULL)
		return GW_ENOMEM;
	if (at < 0) {
		free(w);
		return -errno;
	}
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++)
			count += (uint32_t)n->rrsets[i].count + n->rrsets[i].sig_count;
	}
	w->fd = fd;
	uint8_t head[REC_HEAD + SNAP_HEAD] = {0}; /* length and CRC: below */
	head[REC_HEAD] = REC_SNAPSHOT;
	ldns_write_uint32(head + REC_HEAD + 1, serial);
	ldns_write_uint32(head + REC_HEAD + 5, count);
	w->ret = write_all(fd, head, REC_HEAD);
	snap_put(w, head + REC_HEAD, SNAP_HEAD);
	for (const zone_node_t *n = zone_first(zone); n != NULL && w->ret == GW_OK;
	     n = zone_next(zone, n))
		(void)gw_journal_each_rr(n, snap_put_rr, w); /* an error stays in w->ret */
	snap_flush(w);
	int ret = w->ret;
	if (ret == GW_OK && w->len > UINT32_MAX)
		ret = GW_ELIMIT;
	if (ret == GW_OK) {
		ldns_write_uint32(head, (uint32_t)w->len);
		ldns_write_uint32(head + 4, w->crc);
		ssize_t k = pwrite(fd, head, REC_HEAD, at);
		if (k < 0)
			ret = -errno;
		else if (k != REC_HEAD)
			ret = GW_EIO;
	}
	free(w);
	return ret;
}

/* The entries' room in the file: transfer.journal-size less the header
 * and snapshot (snap_end octets), but at least a quarter of them. Less
 * would have a rewrite, which writes the whole zone, follow every few
 * changes; the bound is then the snapshot and that quarter, and the
 * notice says so once (kept_room()). */
static uint64_t room(const gw_journal_t *j, uint64_t snap_end, bool *small)
{
	uint64_t least = snap_end / 4;
	uint64_t left = j->opts.max_size > snap_end ? j->opts.max_size - snap_end : 0;
	*small = left < least;
	return *small ? least : left;
}

uint64_t gw_journal_bound_at(const gw_journal_t *j, uint64_t snap_end)
{
	bool small;
	return snap_end + room(j, snap_end, &small);
}

uint64_t gw_journal_file_bound(const gw_journal_t *j)
{
	return gw_journal_bound_at(j, j->snap_end);
}

/* After the snapshot (ending at snap_end) was written: drop the oldest
 * entries until the rest fit in the room (compact: half of it). The
 * newest stays when it fits the whole room, or when journal-size is too
 * small (then the newest change at least goes by IXFR, and the bound is
 * the snapshot and the larger of the room and that change); else
 * nothing is kept. */
static void kept_room(gw_journal_t *j, uint64_t snap_end, bool compact)
{
	bool small;
	uint64_t full = room(j, snap_end, &small);
	uint64_t limit = compact ? full / 2 : full;
	uint64_t used = 0;
	size_t from = j->count;

	if (small) {
		if (!j->small_noted)
			gw_notice(
			    "journal: the zone's snapshot in %s takes %llu octets of the %llu "
			    "of transfer.journal-size, too few left for its diffs; the file "
			    "may reach %llu octets (the snapshot and a quarter of it, or its "
			    "newest diff when larger). Set "
			    "transfer.journal-size to %lluM or more to keep it within",
			    j->path, (unsigned long long)snap_end,
			    (unsigned long long)j->opts.max_size,
			    (unsigned long long)(snap_end + full),
			    (unsigned long long)((2 * snap_end >> 20) + 1));
		j->small_noted = true;
	} else {
		j->small_noted = false;
	}
	while (from > 0 && used + gw_journal_rec_size(j->entries[from - 1]) <= limit)
		used += gw_journal_rec_size(j->entries[--from]);
	if (from == j->count && from > 0) {
		const gw_journal_entry_t *e = j->entries[from - 1];
		/* Too small a journal-size still keeps the newest change. */
		if (small || gw_journal_rec_size(e) <= full)
			from--;
		else
			gw_notice(
			    "journal: a diff of %zu octets is larger than the room %s has for "
			    "diffs (%llu octets: transfer.journal-size less the zone's "
			    "snapshot); it is not kept",
			    e->size, j->path, (unsigned long long)full);
	}
	gw_journal_drop_oldest(j, from);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The entries kept, after the snapshot (ending at snap_end in fd):
 * those only in the old file (j->fd) are read back from it. One that
 * cannot be read back is dropped with the older ones (which no IXFR can
 * reach without it), and the rest are written again from snap_end. */
static int write_entries(gw_journal_t *j, int fd, off_t snap_end)
{
	size_t i = 0;
	while (i < j->count) {
		gw_journal_entry_t *e = j->entries[i];
		gw_journal_entry_t *copy = NULL;
		if (e->data == NULL) {
			int ret = gw_journal_entry_load(j, j->fd, e, &copy);
			if (ret == GW_ENOMEM)
				return ret;
			if (ret != GW_OK) {
				gw_journal_drop_oldest(j, i + 1);
				if (ftruncate(fd, snap_end) != 0 ||
				    lseek(fd, snap_end, SEEK_SET) < 0)
					return -errno;
				i = 0;
				continue;
			}
			e = copy;
		}
		int ret = gw_journal_write_entry(fd, e);
		gw_journal_entry_put(copy);
		if (ret != GW_OK)
			return ret;
		i++;
	}
	return GW_OK;
}

void gw_journal_tmp_path(const gw_journal_t *j, char *buf, size_t len)
{
	snprintf(buf, len, "%s.tmp", j->path);
}

int gw_journal_tmp_open(const gw_journal_t *j, int *fd)
{
	char tmp[4096 + 8];
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	/* Whatever is there is a rewrite's leftover, or was put there: a
	 * FIFO would hang the open, a link send the write (and after the
	 * rename the journal itself) where it points. Removed, and made
	 * anew or not at all. */
	if (unlink(tmp) != 0 && errno != ENOENT)
		return -errno;
	*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	return *fd < 0 ? -errno : GW_OK;
}

int gw_journal_tmp_reopen(const gw_journal_t *j, int *fd)
{
	char tmp[4096 + 8];
	struct stat st;
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	*fd = open(tmp, O_RDWR | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return GW_ENOTFILE;
	}
	return GW_OK;
}

int gw_journal_tmp_write(gw_journal_t *j, int fd, const zone_t *zone, bool compact,
                         uint64_t *snap_end, uint64_t *end)
{
	uint32_t serial = 0;
	off_t at = 0;
	int ret = zone_serial(zone, &serial);
	if (ret == GW_OK)
		ret = write_header(fd, zone_apex(zone));
	if (ret == GW_OK)
		ret = write_snapshot(fd, zone, serial);
	if (ret == GW_OK && (at = lseek(fd, 0, SEEK_CUR)) < 0)
		ret = -errno;
	if (ret != GW_OK)
		return ret;
	*snap_end = (uint64_t)at;
	/* Entries that do not end at the snapshot's serial cannot be joined
	 * to it at the next start: they are not kept. */
	if (j->have_serial && j->serial != serial)
		gw_journal_drop_entries(j);
	kept_room(j, *snap_end, compact);
	ret = write_entries(j, fd, at);
	if (ret == GW_OK && (at = lseek(fd, 0, SEEK_CUR)) < 0)
		ret = -errno;
	if (ret == GW_OK && fsync(fd) != 0)
		ret = -errno;
	*end = (uint64_t)at;
	return ret;
}

int gw_journal_tmp_install(gw_journal_t *j, int fd, uint64_t first_off, uint64_t snap_end,
                           uint64_t end)
{
	char tmp[4096 + 8];
	int ret = GW_OK;
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	if (rename(tmp, j->path) != 0)
		ret = -errno;
	if (ret == GW_OK)
		ret = gw_file_sync_parent(j->path);
	if (ret != GW_OK) {
		close(fd);
		unlink(tmp);
		return ret;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	/* Every entry kept is in the new file now: memory keeps its index. */
	uint64_t off = first_off;
	for (size_t i = 0; i < j->count; i++) {
		gw_journal_to_disk(j, i, off);
		off += gw_journal_rec_size(j->entries[i]);
	}
	j->snap_end = snap_end;
	j->file_size = end;
	j->need_rewrite = false;
	return GW_OK;
}

/* Rewrite the file: header, a snapshot of zone, the entries kept;
 * atomically (temporary file, fsync, rename, fsync of the directory).
 * The old file stays open until the new one is: the entries only there
 * are read from it, and are where the index says until the new file is
 * in place. */
int gw_journal_file_rewrite(gw_journal_t *j, const zone_t *zone, bool compact)
{
	int ret;
	int fd = -1;
	char tmp[4096 + 8];
	uint64_t snap_end = 0, end = 0;
	double start = now_ms();

	if (j->path == NULL) {
		j->need_rewrite = false;
		return GW_OK;
	}
	j->need_rewrite = true; /* until it is done: no appends to the old file */
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	ret = gw_journal_tmp_open(j, &fd);
	if (ret == GW_OK)
		ret = gw_journal_tmp_write(j, fd, zone, compact, &snap_end, &end);
	if (ret == GW_OK && close(fd) != 0)
		ret = -errno;
	fd = -1;
	if (ret != GW_OK)
		goto out;
	/* Appends go through O_APPEND: the descriptor the writing used is
	 * not that one. */
	ret = gw_journal_tmp_reopen(j, &fd);
	if (ret != GW_OK)
		goto out;
	ret = gw_journal_tmp_install(j, fd, snap_end, snap_end, end);
	fd = -1; /* closed by it on error */
	if (ret != GW_OK)
		goto out;
	/* The entries dropped and the data that went to disk were freed in
	 * small pieces among the zone's; glibc gives such memory back to the
	 * kernel only when asked, so RSS would keep the churn's peak. */
	double t0 = now_ms();
	gw_heap_give_back();
	double t1 = now_ms();
	gw_debug("journal: %s rewritten: %llu octets, %zu diffs, in %.1f ms (malloc_trim %.1f ms)",
	         j->path, (unsigned long long)end, j->count, t1 - start, t1 - t0);
out:
	if (fd >= 0)
		close(fd);
	if (ret != GW_OK)
		unlink(tmp);
	return ret;
}
