/* The journal in memory: entries made from the commits' diffs, the
 * bounds, and the lookup IXFR makes. The file is file.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>
#include <unistd.h>

#include "common/array.h"
#include "common/container.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

/* A file that cannot be written is tried again after this long, doubling
 * up to the most (seconds). */
#define RETRY_FIRST 1.0
#define RETRY_MAX   300.0

/* ---- RRs in wire form --------------------------------------------------- */

size_t gw_journal_rr_len(const uint8_t *p, size_t max)
{
	return zone_rr_wire_len(p, max);
}

uint16_t gw_journal_rr_type(const uint8_t *rr)
{
	int n = zone_name_len(rr, ZONE_NAME_MAXLEN);
	return (uint16_t)(rr[n] << 8 | rr[n + 1]);
}

uint32_t gw_journal_soa_serial(const uint8_t *rr, size_t len)
{
	/* The serial is the first of the five numbers that end the rdata. */
	return ldns_read_uint32(rr + len - 20);
}

/* ---- entries ------------------------------------------------------------ */

void gw_journal_entry_put(gw_journal_entry_t *e)
{
	if (e == NULL || --e->refs > 0)
		return;
	free(e->data);
	free(e);
}

void gw_journal_entries_put(gw_journal_entry_t **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		gw_journal_entry_put(list[i]);
	free(list);
}

void gw_journal_drop_entries(gw_journal_t *j)
{
	/* The history a child is writing ends here: its file is of no use,
	 * even without entries (its snapshot is at a serial the journal
	 * no longer goes on from). */
	if (gw_journal_bg_busy(j))
		j->bg.stale = true;
	for (size_t i = 0; i < j->count; i++)
		gw_journal_entry_put(j->entries[i]);
	j->count = 0;
	j->bytes = 0;
}

static void reset(gw_journal_t *j, const char *why)
{
	if (j->count > 0)
		gw_warn("journal: %zu diffs dropped (%s); secondaries behind get AXFR until new "
		        "changes are journaled",
		        j->count, why);
	else
		gw_notice("journal: %s", why);
	gw_journal_drop_entries(j);
	j->have_serial = false;
	j->need_rewrite = true;
	j->resets++;
}

void gw_journal_drop_oldest(gw_journal_t *j, size_t n)
{
	if (n == 0)
		return;
	gw_journal_bg_dropping(j, n);
	for (size_t i = 0; i < n; i++) {
		j->bytes -= j->entries[i]->size;
		gw_journal_entry_put(j->entries[i]);
	}
	memmove(j->entries, j->entries + n, (j->count - n) * sizeof(*j->entries));
	j->count -= n;
}

void gw_journal_trim(gw_journal_t *j)
{
	size_t drop = 0;
	uint64_t bytes = j->bytes;
	while (drop < j->count &&
	       (j->count - drop > j->opts.max_entries || bytes > j->opts.max_size)) {
		bytes -= j->entries[drop]->size;
		drop++;
	}
	gw_journal_drop_oldest(j, drop);
}

int gw_journal_push(gw_journal_t *j, gw_journal_entry_t *e)
{
	if (gw_array_reserve(&j->entries, &j->ecap, j->count + 1, sizeof(*j->entries), 64) !=
	    GW_OK) {
		gw_journal_entry_put(e);
		return GW_ENOMEM;
	}
	j->entries[j->count++] = e;
	j->bytes += e->size;
	j->have_serial = true;
	j->serial = e->to;
	return GW_OK;
}

/* ---- writing the file ---------------------------------------------------- */

/* What the operator can do about err writing the journal. */
static const char *remedy(int err)
{
	switch (-err) {
	case EISDIR:
	case ENOTDIR:
	case ENOTEMPTY:
	case EEXIST:
		return "something else is in its place: move it away";
	case EACCES:
	case EPERM:
		return "let the daemon's user write it and its directory (owner, mode, chattr -i)";
	case ENOSPC:
	case EDQUOT:
		return "free some space on its filesystem";
	case EROFS:
		return "its filesystem is mounted read-only";
	default:
		return "fix what stops the daemon writing it";
	}
}

static void arm_retry(gw_journal_t *j)
{
	if (j->opts.loop == NULL)
		return;
	ev_timer_set(&j->retry, j->retry_delay, 0.0);
	ev_timer_start(j->opts.loop, &j->retry);
}

/* The file failed with err: one line when the reason is new, then the
 * timer. */
static void file_failed(gw_journal_t *j, int err)
{
	if (err != j->file_error) {
		if (j->opts.loop != NULL)
			gw_err("journal: cannot write %s: %s; %s. IXFR is answered from memory "
			       "meanwhile; trying again in %.0f s, then less often (at most every "
			       "%.0f s)",
			       j->path, gw_strerror(err), remedy(err), j->retry_delay, RETRY_MAX);
		else
			gw_err("journal: cannot write %s: %s; %s. IXFR is answered from memory "
			       "meanwhile; the next change tries again",
			       j->path, gw_strerror(err), remedy(err));
	} else {
		gw_debug("journal: still cannot write %s: %s", j->path, gw_strerror(err));
	}
	j->file_error = err;
	arm_retry(j);
}

/* A rewrite succeeded: after a failure, the history is on disk again. */
static void file_written(gw_journal_t *j)
{
	if (j->file_error == 0)
		return;
	gw_notice("journal: %s written (try %u after the error); the IXFR history is on "
	          "disk again",
	          j->path, j->retries + 1);
	j->file_error = 0;
	j->retries = 0;
	j->retry_delay = RETRY_FIRST;
}

static void write_file(gw_journal_t *j, const zone_t *zone, bool compact);

/* The retry writes the file as any rewrite does, in a child process for
 * a large zone: on a full disk it comes back every few minutes, and in
 * the daemon each try would stop the answers for the whole snapshot's
 * write (a second at 100 000 services). The next wait doubles, unless
 * it succeeds. */
static void on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	gw_journal_t *j = container_of(w, gw_journal_t, retry);
	(void)loop;
	(void)revents;
	j->retries++;
	j->retry_delay = j->retry_delay * 2 < RETRY_MAX ? j->retry_delay * 2 : RETRY_MAX;
	write_file(j, j->zone, false);
}

/* The octets zone's snapshot takes: the last one written, or before
 * that an estimate from the zone (each RR's owner, fixed part and
 * rdata). */
static uint64_t snapshot_octets(const gw_journal_t *j, const zone_t *zone)
{
	if (j->snap_end > 0)
		return j->snap_end;
	return zone_octets(zone);
}

/* Rewrite the file with a snapshot of zone (compact: see
 * gw_journal_file_rewrite()), unless the retry timer is due to do it or
 * a child process is writing it (it takes what came meanwhile). With
 * opts.background, in a child process; when it cannot be made, here. */
static void write_file(gw_journal_t *j, const zone_t *zone, bool compact)
{
	j->zone = zone;
	if (j->path == NULL || ev_is_active(&j->retry) || gw_journal_bg_busy(j))
		return;
	if (j->opts.background && j->opts.loop != NULL &&
	    snapshot_octets(j, zone) >= j->opts.background_min) {
		int ret = gw_journal_bg_start(j, zone, compact);
		if (ret == GW_OK)
			return;
		/* fork() fails under strict overcommit (vm.overcommit_memory
		 * 2) with too little memory left, or at the task limit. */
		if (!j->bg.fail_noted)
			gw_notice(
			    "journal: cannot rewrite %s in a child process (%s); rewriting it "
			    "in the daemon, which stops answering meanwhile",
			    j->path, gw_strerror(ret));
		j->bg.fail_noted = true;
	}
	int ret = gw_journal_file_rewrite(j, zone, compact);
	if (ret != GW_OK)
		file_failed(j, ret);
	else
		file_written(j);
}

void gw_journal_bg_done(gw_journal_t *j, int ret, bool again, bool compact)
{
	if (ret != GW_OK) {
		file_failed(j, ret);
		return;
	}
	file_written(j);
	if (again)
		write_file(j, j->zone, compact);
}

void gw_journal_sync(gw_journal_t *j, const zone_t *zone)
{
	if (j == NULL || j->opts.max_entries == 0)
		return;
	j->zone = zone;
	if (j->need_rewrite || j->fd < 0)
		write_file(j, zone, false);
}

static void keep(gw_journal_t *j, gw_journal_entry_t *e, const zone_t *zone)
{
	j->zone = zone;
	/* The trim drops the oldest first: e itself only when it alone is
	 * over the bound, and with it the journal's reference, the last. */
	size_t size = e->size;
	if (gw_journal_push(j, e) != GW_OK) {
		reset(j, "out of memory");
		return;
	}
	gw_journal_trim(j);
	if (j->count == 0) {
		gw_notice("journal: a diff of %zu octets is larger than transfer.journal-size "
		          "(%llu); it is not kept",
		          size, (unsigned long long)j->opts.max_size);
		j->have_serial = true;
		j->need_rewrite = true;
	}
	/* While the file fails, the timer writes all of it; while a child
	 * process writes it, the entries wait in memory for it to end. */
	if (j->path == NULL || ev_is_active(&j->retry) || gw_journal_bg_busy(j))
		return;
	if (j->need_rewrite || j->fd < 0 || j->count == 0) {
		write_file(j, zone, false);
		return;
	}
	/* An append that would take the file past its bound rewrites it
	 * with the oldest entries dropped down to half their room instead:
	 * the file never exceeds the bound, and rewrites (each writes the
	 * whole zone) come only every half room of appends. */
	uint64_t rec = gw_journal_rec_size(e);
	if (j->file_size + rec > gw_journal_file_bound(j)) {
		write_file(j, zone, true);
		return;
	}
	int ret = gw_journal_file_append(j, e);
	if (ret != GW_OK) {
		gw_err("journal: cannot append to %s: %s; rewriting it", j->path, gw_strerror(ret));
		j->need_rewrite = true;
		write_file(j, zone, false);
		return;
	}
	/* On disk now: memory keeps the index only. */
	gw_journal_to_disk(j, j->count - 1, j->file_size);
	j->file_size += rec;
}

/* The apex SOA that opens a side of a diff at p (max octets): its length,
 * or 0 when the side does not open with one. */
static size_t soa_len(const gw_journal_t *j, const uint8_t *p, size_t max)
{
	size_t len = max > 0 ? gw_journal_rr_len(p, max) : 0;

	if (len == 0 || gw_journal_rr_type(p) != DNS_T_SOA || !zone_name_equal(p, j->apex) ||
	    len < (size_t)zone_name_len(p, len) + DNS_RR_FIXED_LEN + 22)
		return 0;
	return len;
}

/* Why diff cannot follow the journal's newest serial, or NULL when it
 * can; e gets the serials it spans. */
static const char *check_diff(const gw_journal_t *j, const zone_rrdiff_t *diff,
                              gw_journal_entry_t *e)
{
	size_t old_len = soa_len(j, diff->data, diff->size);
	size_t off = 0;

	for (uint32_t i = 0; i < diff->removed && off < diff->size; i++) {
		size_t len = gw_journal_rr_len(diff->data + off, diff->size - off);
		if (len == 0)
			return "a change's diff is malformed";
		off += len;
	}
	size_t new_len = diff->removed > 0 && diff->added > 0
	                     ? soa_len(j, diff->data + off, diff->size - off)
	                     : 0;
	if (old_len == 0 || new_len == 0)
		return "a change did not go through a new SOA";
	e->from = gw_journal_soa_serial(diff->data, old_len);
	e->to = gw_journal_soa_serial(diff->data + off, new_len);
	if (j->have_serial && e->from != j->serial)
		return "the zone changed outside the journal";
	if (e->from == e->to)
		return "a change kept the serial";
	return NULL;
}

void gw_journal_append(gw_journal_t *j, zone_rrdiff_t *diff, const zone_t *zone)
{
	gw_journal_entry_t probe = {0};
	uint32_t serial = 0;
	const char *why = NULL;

	if (j == NULL || j->opts.max_entries == 0 || zone_serial(zone, &serial) != GW_OK)
		return;
	if (diff->removed == 0 && diff->added == 0) {
		if (!j->have_serial || j->serial == serial)
			return;
		why = "the zone changed outside the journal";
	} else {
		why = check_diff(j, diff, &probe);
	}
	if (why == NULL) {
		gw_journal_entry_t *e = malloc(sizeof(*e));
		if (e == NULL) {
			why = "out of memory";
		} else {
			*e = probe;
			e->refs = 1;
			e->removed = diff->removed;
			e->added = diff->added;
			e->size = diff->size;
			e->data = diff->data;
			memset(diff, 0, sizeof(*diff));
			gw_debug("journal: %u -> %u, %u RRs removed, %u added, %zu octets", e->from,
			         e->to, e->removed, e->added, e->size);
			keep(j, e, zone);
			return;
		}
	}
	reset(j, why);
	j->have_serial = true;
	j->serial = serial;
	write_file(j, zone, false);
}

int gw_journal_open(gw_journal_t **out, const gw_journal_opts_t *opts, const zone_t *zone)
{
	int ret = GW_ENOMEM;
	gw_journal_t *j = calloc(1, sizeof(*j));
	if (j == NULL)
		return GW_ENOMEM;
	j->opts = *opts;
	j->opts.state_dir = NULL; /* not kept: the path is */
	j->fd = -1;
	j->zone = zone;
	j->retry_delay = RETRY_FIRST;
	j->bg.release = -1;
	ev_init(&j->retry, on_retry);
	zone_name_lower(j->apex, zone_apex(zone));
	if (opts->max_entries == 0) {
		*out = j;
		return GW_OK;
	}
	if (opts->state_dir != NULL) {
		size_t n = strlen(opts->state_dir) + sizeof("/journal");
		j->path = malloc(n);
		if (j->path == NULL)
			goto out;
		snprintf(j->path, n, "%s/journal", opts->state_dir);
		ret = gw_journal_file_load(j, zone);
		if (ret != GW_OK)
			goto out;
	}
	uint32_t serial = 0;
	if (!j->have_serial && zone_serial(zone, &serial) == GW_OK) {
		j->have_serial = true;
		j->serial = serial;
	}
	/* Written by gw_journal_sync() or the first append. */
	j->need_rewrite = true;
	ret = GW_OK;
	*out = j;
	j = NULL;
out:
	if (j != NULL) {
		gw_journal_drop_entries(j);
		free(j->entries);
		free(j->path);
		free(j);
	}
	return ret;
}

void gw_journal_close(gw_journal_t *j, const zone_t *zone)
{
	if (j == NULL)
		return;
	if (j->opts.loop != NULL)
		ev_timer_stop(j->opts.loop, &j->retry);
	/* The file is written here and now, from the zone as it is. */
	gw_journal_bg_stop(j);
	if (zone != NULL && j->path != NULL && j->opts.max_entries > 0) {
		int ret = gw_journal_file_rewrite(j, zone, false);
		if (ret != GW_OK)
			gw_err("journal: cannot write %s at exit: %s; %s. Secondaries that are "
			       "behind get AXFR once after the next start",
			       j->path, gw_strerror(ret), remedy(ret));
	}
	if (j->fd >= 0)
		close(j->fd);
	gw_journal_drop_entries(j);
	free(j->entries);
	free(j->path);
	free(j);
}

/* A reference to entry i with its data: the entry itself when memory
 * holds it, else a copy read back from the file. One that cannot be read
 * back drops it and the older entries (no IXFR can pass it) and has the
 * file rewritten without it: GW_EIO. */
static int entry_get(gw_journal_t *j, size_t i, gw_journal_entry_t **out)
{
	gw_journal_entry_t *e = j->entries[i];
	if (e->data != NULL) {
		e->refs++;
		*out = e;
		return GW_OK;
	}
	int ret = gw_journal_entry_load(j, j->fd, e, out);
	if (ret == GW_OK || ret == GW_ENOMEM)
		return ret;
	gw_journal_drop_oldest(j, i + 1);
	j->need_rewrite = true;
	return GW_EIO;
}

int gw_journal_find(gw_journal_t *j, uint32_t serial, size_t max_bytes,
                    gw_journal_entry_t ***entries, size_t *count, size_t *bytes)
{
	size_t i = 0;
	if (j == NULL || !j->have_serial || j->count == 0 || j->serial == serial ||
	    j->entries[j->count - 1]->to != j->serial)
		return GW_ENOTFOUND;
	while (i < j->count && j->entries[i]->from != serial)
		i++;
	if (i == j->count)
		return GW_ENOTFOUND;
	/* The index knows the sizes: an IXFR that would get the whole zone
	 * instead reads nothing back (each read a copy of its own, on the
	 * loop). */
	size_t span = 0;
	for (size_t k = i; k < j->count; k++)
		span += j->entries[k]->size;
	if (span > max_bytes) {
		*bytes = span;
		return GW_ELIMIT;
	}
	gw_journal_entry_t **list = malloc((j->count - i) * sizeof(*list));
	if (list == NULL)
		return GW_ENOMEM;
	size_t n = 0;
	size_t total = 0;
	for (size_t k = i; k < j->count; k++) {
		int ret = entry_get(j, k, &list[n]);
		if (ret != GW_OK) {
			gw_journal_entries_put(list, n);
			return ret;
		}
		total += list[n]->size;
		n++;
	}
	*entries = list;
	*count = n;
	*bytes = total;
	return GW_OK;
}

void gw_journal_get_stats(const gw_journal_t *j, gw_journal_stats_t *st)
{
	memset(st, 0, sizeof(*st));
	if (j == NULL)
		return;
	st->entries = j->count;
	st->bytes = j->bytes;
	st->have_serial = j->have_serial;
	st->resets = j->resets;
	st->file_size = j->fd >= 0 ? j->file_size : 0;
	st->rewriting = gw_journal_bg_busy(j);
	for (size_t i = 0; i < j->count; i++)
		st->mem_bytes += j->entries[i]->data != NULL ? j->entries[i]->size : 0;
	if (j->count > 0) {
		st->oldest = j->entries[0]->from;
		st->newest = j->entries[j->count - 1]->to;
	}
}

gw_journal_entry_t *gw_journal_newest(gw_journal_t *j)
{
	gw_journal_entry_t *e = NULL;
	if (j == NULL || j->count == 0 || entry_get(j, j->count - 1, &e) != GW_OK)
		return NULL;
	return e;
}
