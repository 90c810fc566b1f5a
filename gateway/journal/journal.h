/* The journal of zone diffs for IXFR (RFC 1995): one entry per serial
 * change, holding every RR the change removed and added in the signed
 * zone (data, NSEC or NSEC3, RRSIG, DNSKEY, the SOA), bounded by entries
 * and octets (the oldest are dropped), and kept in <state>/journal so
 * that secondaries still get IXFR after a restart. max_size
 * (transfer.journal-size) bounds that file, its snapshot included.
 *
 * Flow: the commit itself says what it changed. gw_zonemgr_commit() runs
 * sig_zone_commit() (or, unsigned, zone_commit(); for a signature refresh
 * sig_zone_refresh()), which saves every RRset it is about to touch and,
 * once done, compares those with the zone: that zone_rrdiff_t (old SOA,
 * removals, new SOA, additions) is handed to gw_journal_append(), which
 * takes its buffer as the entry as it is, appends it to the file and
 * trims. Nothing is snapshotted or compared here; an entry that does not
 * start at the newest serial (the zone changed some other way) drops the
 * history instead. The unit tests check each entry against the zones
 * before and after (old zone + entry == new zone).
 *
 * File (file.c): a header (magic, version, apex), then records [length]
 * [CRC-32][payload]: a snapshot of the whole zone (written when the file
 * is rewritten) and entries appended after it, each with fdatasync. A
 * record cut short by a crash is found by its length or CRC and
 * truncated. The file stays within max_size: the entries get what the
 * snapshot leaves, and an append that would not fit rewrites the file
 * with the oldest dropped down to half that room. A max_size that leaves
 * less than a quarter of the snapshot is too small (logged once): the
 * file may then reach the snapshot and the larger of that quarter and
 * the newest entry. With opts.background a rewrite runs in a child
 * process (background.c) while the loop goes on: the entries made
 * meanwhile stay in memory, and are appended to the new file once the
 * child has written it, before it takes the old one's place.
 *
 * Memory (disk.c): once an entry is in the file (appended and flushed,
 * or written by a rewrite), memory keeps its index only (serials,
 * counts, size, where its record is); gw_journal_find() reads the data
 * back and checks its CRC. The data stays in memory only while it is not
 * in the file: no state directory, a file that cannot be written, from
 * the start to the first rewrite; bounded by max_size as the entries
 * are. At start the snapshot and the entries after it give the last
 * zone served, walked in canonical order through a bounded window
 * (window.c, scan.c, last.c), never held whole; its difference to the
 * zone built at start, found by merging that walk with the zone's own
 * order, becomes one more entry, so the journal connects to the served
 * serial, or, when it cannot, is discarded with a log line.
 *
 * Errors never stop a commit or a start: an entry that does not connect
 * drops the history (logged) and IXFR falls back to AXFR until new
 * entries exist; a file that cannot be written keeps the history in
 * memory and is tried again (gw_journal_sync()). Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "zones/zone.h"

/* One serial change. Immutable once made; readers (an IXFR being sent)
 * hold a reference, so trimming the journal does not free it under them.
 * data holds removed RRs then added RRs, each in uncompressed wire form
 * [owner][type][class][ttl][rdlength][rdata]; the old SOA is the first
 * removed RR and the new SOA the first added one, as IXFR sends them. */
typedef struct gw_journal_entry {
	unsigned refs;
	uint32_t from, to; /* serials */
	uint32_t removed;  /* RRs removed, the old SOA included */
	uint32_t added;    /* RRs added, the new SOA included */
	size_t size;       /* octets in data */
	/* Owned. NULL in the journal's own index once the entry is in the
	 * file (its record at off): gw_journal_find() and
	 * gw_journal_newest() read it back, so entries they return always
	 * have it. */
	uint8_t *data;
	uint64_t off;
} gw_journal_entry_t;

/* Drop a reference. Accepts NULL. */
void gw_journal_entry_put(gw_journal_entry_t *e);

/* Drop a reference on each of the n entries of list, then free list
 * (owned; NULL when n is 0). */
void gw_journal_entries_put(gw_journal_entry_t **list, size_t n);

/* Length of the wire RR at p (at most max octets), 0 when malformed. */
size_t gw_journal_rr_len(const uint8_t *p, size_t max);

typedef struct gw_journal gw_journal_t;

typedef struct gw_journal_opts {
	const char *state_dir; /* borrowed; NULL keeps the journal in memory only */
	/* Octets of the file, snapshot included (in memory only: of the
	 * entries). */
	uint64_t max_size;
	uint32_t max_entries; /* entries kept; 0 turns the journal off */
	/* Borrowed; NULL: a file that cannot be written is tried again at the
	 * next change only, not by a timer. */
	struct ev_loop *loop;
	/* Rewrite the file in a child process (fork()), so that the loop
	 * goes on meanwhile (needs loop; the process must have no other
	 * thread then), once the zone's snapshot takes background_min
	 * octets or more; false, or a smaller snapshot: in the call that
	 * needs it. */
	bool background;
	uint64_t background_min;
} gw_journal_opts_t;

/* The default of background_min (transfer.journal-background-size).
 * After a fork() every page the daemon
 * writes takes one fault (copy-on-write), about 15 us each on a
 * paravirtualised host, however short-lived the child: some 330 ms of
 * CPU for an 80 MB heap. A smaller snapshot is written in place sooner
 * than that (10 000 services: 7.4 MB, 70 to 130 ms); from 32 MiB on
 * (some 20 000 services, 150 ms and more) the stall is worse. */
#define GW_JOURNAL_BACKGROUND_MIN (32ULL << 20)

/* Open the journal for zone (the zone just built and about to be served):
 * read <state>/journal and connect it to the zone's serial with one more
 * entry, in memory. A journal that does not connect (another apex, a
 * broken chain, an unreadable file) is discarded and the reason logged.
 * The file is not written yet (a start that fails leaves it as it was):
 * gw_journal_sync() or the first gw_journal_append() writes it. zone is
 * borrowed until the next append, sync or close. On success *out owns the
 * journal. GW_ENOMEM. */
int gw_journal_open(gw_journal_t **out, const gw_journal_opts_t *opts, const zone_t *zone);

/* Write the file now (a snapshot of zone and the entries) unless it is up
 * to date. A file that cannot be written does not stop anything: the
 * history stays in memory (IXFR keeps working), one line says which file,
 * why and what to do, and a timer (opts.loop) tries again after 1 s,
 * doubling to 5 min, and says when it worked. Accepts j NULL. */
void gw_journal_sync(gw_journal_t *j, const zone_t *zone);

/* Called for each RRset of the zone served last: owner (wire) and rrset
 * (type, TTL, RRs, and its RRSIGs in sigs, sigs_len and sig_count) are
 * borrowed for the call. A value other than GW_OK stops the walk. */
typedef int (*gw_journal_rrset_fn)(void *ctx, const uint8_t *owner, const zone_rrset_t *rrset);

/* Walk the signed zone served last as <state>/journal records it (its
 * snapshot and the entries after it) without building it: fn for each
 * RRset, owners in canonical order, types in order, so that a restart can
 * take over the signatures that still hold (sig_adopt_rrset()). The file
 * is read through a window of 256 KiB, whatever the zone's size. Reads
 * only (a torn tail is cut off). GW_OK; GW_ENOTFOUND without a journal
 * (none yet, or journaling off); fn's error; another error (logged with
 * the reason) when the file cannot be used: not a journal of this zone,
 * a snapshot out of canonical order (GW_ESEMANTIC), larger than the
 * journal-size allows (GW_ELIMIT). */
int gw_journal_each_last(const gw_journal_opts_t *opts, const uint8_t *apex, gw_journal_rrset_fn fn,
                         void *ctx);

/* The newest serial <state>/journal records as served (its last entry's
 * new serial, or its snapshot's), read from the heads of its records
 * only: a floor for the first serial at start that holds when
 * <state>/serial was restored lower or removed. apex: the zone's, wire
 * form. GW_OK with *out; GW_ENOTFOUND without a file, a record, or when
 * the file is another zone's; another error (logged with the path) when
 * the file cannot be read. */
int gw_journal_read_floor(const char *state_dir, const uint8_t *apex, uint32_t *out);

/* Write a snapshot of zone (the zone served last; NULL: write nothing,
 * e.g. when nothing was served) so that the next start needs no replay,
 * then free. Accepts NULL. */
void gw_journal_close(gw_journal_t *j, const zone_t *zone);

/* After a commit succeeded: diff is what it changed (zone_commit(),
 * sig_zone_commit(), sig_zone_refresh()) and zone the zone now. The entry
 * takes diff's buffer (diff is left empty; the caller still deinitialises
 * it) and is appended to the file. An empty diff adds nothing. A diff
 * that does not go from the newest serial to another through the apex
 * SOA drops the history (logged). Accepts j NULL. */
void gw_journal_append(gw_journal_t *j, zone_rrdiff_t *diff, const zone_t *zone);

/* The entries that lead from serial to the newest serial, oldest first,
 * with their data (read back from the file for those only there).
 * On GW_OK *entries is a malloc'ed array (caller frees it and puts each
 * entry) of *count referenced entries, and *bytes their total size.
 * GW_ENOTFOUND when the journal does not reach back to serial (or serial
 * is the newest), GW_ELIMIT when their total size is over max_bytes
 * (*bytes: it; nothing read, from the index alone), GW_ENOMEM, GW_EIO
 * when an entry cannot be read back (logged; it and the older ones are
 * dropped: answer with the whole zone). */
int gw_journal_find(gw_journal_t *j, uint32_t serial, size_t max_bytes,
                    gw_journal_entry_t ***entries, size_t *count, size_t *bytes);

/* Statistics and tests. */
typedef struct gw_journal_stats {
	size_t entries;
	uint64_t bytes;
	bool have_serial;
	uint32_t oldest, newest; /* serials the entries span, when entries > 0 */
	uint64_t resets;         /* histories dropped after an error */
	uint64_t mem_bytes;      /* octets of entries' data held in memory */
	uint64_t file_size;      /* octets of the file (0 without one) */
	bool rewriting;          /* a child process is rewriting the file */
} gw_journal_stats_t;
void gw_journal_get_stats(const gw_journal_t *j, gw_journal_stats_t *st);

/* The newest entry with its data (a reference; put it), or NULL (none,
 * or it cannot be read back). For tests. */
gw_journal_entry_t *gw_journal_newest(gw_journal_t *j);
