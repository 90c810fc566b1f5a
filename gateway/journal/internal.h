/* gateway/journal/ private declarations shared by journal.c (entries in
 * memory, IXFR lookup), file.c (the file's format, reading it at start),
 * write.c (writing it, its bound) and disk.c (entries whose data is in
 * the file only). Nothing outside gateway/journal/ includes this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <ev.h>
#include <zlib.h>

#include "common/dns.h"
#include "gateway/journal/journal.h"

/* The file's format (file.c; floor.c reads the record heads). */
#define FILE_MAGIC   "DNSSDGWJ"
#define FILE_VERSION 1
#define REC_ENTRY    1
#define REC_SNAPSHOT 2
#define REC_HEAD     8  /* [length][CRC-32] */
#define ENTRY_HEAD   17 /* kind, from, to, removed, added */
#define SNAP_HEAD    9  /* kind, serial, count */

struct gw_journal {
	gw_journal_opts_t opts;
	char *path; /* owned: <state>/journal; NULL in memory only */
	int fd;     /* appends; -1 when closed */
	uint8_t apex[ZONE_NAME_MAXLEN];
	gw_journal_entry_t **entries; /* owned references, oldest first */
	size_t count, ecap;
	uint64_t bytes;
	bool have_serial;
	uint32_t serial; /* the zone's serial the newest entry (or the snapshot) ends at */
	/* The file: its size, and where its snapshot ends (the header and
	 * the snapshot: what the entries' room is measured against), both as
	 * of the last rewrite and the appends since. */
	uint64_t file_size;
	uint64_t snap_end;
	bool need_rewrite;
	bool small_noted; /* the notice that journal-size is too small was given */
	/* Entries in the file that could not be read back (disk.c). */
	uint64_t damaged;
	time_t damage_logged;
	uint64_t resets;
	/* A file that cannot be written: the history stays in memory and the
	 * timer tries again, backing off (journal.c). */
	ev_timer retry;
	double retry_delay; /* seconds until the next try */
	unsigned retries;   /* tries since the file last failed */
	int file_error;     /* the last error writing it; 0 when it is fine */
	const zone_t *zone; /* borrowed: the zone of the last open, append or sync */
	/* A rewrite in a child process (background.c); pid 0 when none. The
	 * child writes the entries the index held at the fork; those the
	 * index drops from its front meanwhile are counted here, so that the
	 * rest can be found in the new file. */
	struct {
		pid_t pid;            /* until reaped */
		bool writing;         /* until its file is in place (or given up) */
		ev_io io;             /* the pipe's read end: the child's result, then its end */
		int release;          /* the write end of the pipe the child waits on; -1 */
		size_t kept;          /* entries of the fork still in the index, at its front */
		size_t front;         /* entries of the fork dropped from the front since */
		uint64_t front_bytes; /* their records' octets */
		bool stale;           /* the history was dropped since: write again */
		bool compact;
		bool fail_noted; /* a child could not be made: said once */
		double started;  /* ms, CLOCK_MONOTONIC */
	} bg;
};

/* ---- entries (journal.c) ------------------------------------------------ */

/* The type of the valid wire RR at rr. */
uint16_t gw_journal_rr_type(const uint8_t *rr);
/* The serial of the valid wire SOA RR at rr, len octets. */
uint32_t gw_journal_soa_serial(const uint8_t *rr, size_t len);

/* Put every entry. */
void gw_journal_drop_entries(gw_journal_t *j);
/* Take e as the newest entry (the journal then ends at e->to). GW_OK or
 * GW_ENOMEM (e is put). */
int gw_journal_push(gw_journal_t *j, gw_journal_entry_t *e);
/* Drop the oldest entries until the bounds hold. */
void gw_journal_trim(gw_journal_t *j);
/* Drop the n oldest entries. */
void gw_journal_drop_oldest(gw_journal_t *j, size_t n);

/* ---- the file (file.c reads it, write.c writes it) ---------------------- */

/* CRC-32 (IEEE 802.3, zlib's) of the records, continued from crc (0 to
 * start). */
static inline uint32_t gw_journal_crc32(uint32_t crc, const uint8_t *p, size_t len)
{
	return (uint32_t)crc32_z(crc, p, len);
}

/* The format's numbers are 32 bits, most significant octet first: read
 * and written with ldns_read_uint32() and ldns_write_uint32(). */

typedef int (*gw_journal_rr_fn)(void *ctx, const zone_node_t *node, uint16_t type, uint32_t ttl,
                                const uint8_t *rdata, uint16_t rdlen);

/* fn for every RR of node, each RRset's RRSIGs after it with the RRset's
 * TTL, as AXFR sends them (the snapshot's order); stops at the first
 * error and returns it. */
int gw_journal_each_rr(const zone_node_t *node, gw_journal_rr_fn fn, void *ctx);

/* Read <state>/journal and connect it to zone: the entries it holds plus
 * the difference from the last zone it describes to zone. A file that
 * cannot be used is discarded (logged). GW_OK or GW_ENOMEM. */
int gw_journal_file_load(gw_journal_t *j, const zone_t *zone);

/* <path>.tmp, where a rewrite writes the new file, into buf. */
void gw_journal_tmp_path(const gw_journal_t *j, char *buf, size_t len);

/* Make <path>.tmp anew for a rewrite (what was there removed; a link or
 * a FIFO is never followed or waited on): GW_OK with *fd, or -errno. */
int gw_journal_tmp_open(const gw_journal_t *j, int *fd);

/* Open the written <path>.tmp again to append (O_RDWR | O_APPEND), and
 * only if it is the regular file itself: GW_OK with *fd, -errno, or
 * GW_ENOTFILE. */
int gw_journal_tmp_reopen(const gw_journal_t *j, int *fd);

/* Write the new file into fd (from gw_journal_tmp_open()): header, a
 * snapshot of zone, the newest entries that fit the entries' room
 * (compact: half of it), then fsync. The entries left out (and those that
 * do not end at zone's serial, and any that cannot be read back) are
 * dropped from j, from its front. *snap_end and *end get where the
 * snapshot and the file end. GW_OK or an error; fd stays open. */
int gw_journal_tmp_write(gw_journal_t *j, int fd, const zone_t *zone, bool compact,
                         uint64_t *snap_end, uint64_t *end);

/* Put <path>.tmp, open as fd (O_APPEND) and ending at end, in place of
 * the file: rename, fsync of the directory. j's entries are in it from
 * first_off on, one after the other: memory keeps their index only. fd
 * becomes j->fd. On error fd is closed and <path>.tmp removed. */
int gw_journal_tmp_install(gw_journal_t *j, int fd, uint64_t first_off, uint64_t snap_end,
                           uint64_t end);

/* Rewrite the file (write.c): header, a snapshot of zone, the newest
 * entries that fit the entries' room (compact: half of it, so that the
 * next rewrite is that far off), atomically; the entries left out (and
 * those that do not end at zone's serial) are dropped from memory too.
 * GW_OK or an error, not logged: the caller says what follows
 * (journal.c). */
int gw_journal_file_rewrite(gw_journal_t *j, const zone_t *zone, bool compact);

/* The octets the file may reach before a rewrite: transfer.journal-size,
 * or, when the snapshot leaves its entries less than a quarter of the
 * snapshot, the snapshot and that quarter (write.c says why). */
uint64_t gw_journal_file_bound(const gw_journal_t *j);
/* The same for a snapshot ending at snap_end. */
uint64_t gw_journal_bound_at(const gw_journal_t *j, uint64_t snap_end);

/* The octets e takes in the file, its record's head included. */
static inline uint64_t gw_journal_rec_size(const gw_journal_entry_t *e)
{
	return REC_HEAD + ENTRY_HEAD + (uint64_t)e->size;
}

/* Append e to the open file and flush it to disk (write.c). GW_OK or
 * -errno. */
int gw_journal_file_append(gw_journal_t *j, const gw_journal_entry_t *e);
/* Write e's record at fd's position (no flush). GW_OK or -errno. */
int gw_journal_write_entry(int fd, const gw_journal_entry_t *e);

/* ---- the rewrite in a child process (background.c) ---------------------- */

/* Start rewriting the file as gw_journal_file_rewrite() would, in a
 * child process that shares zone's pages copy-on-write, so that the loop
 * goes on; when it is done the loop appends the entries made meanwhile
 * (held in memory until then), installs the file and calls
 * gw_journal_bg_done(). GW_OK, or an error (nothing started: rewrite in
 * place instead). Needs j->opts.loop. */
int gw_journal_bg_start(gw_journal_t *j, const zone_t *zone, bool compact);
/* True while a child rewrites the file. */
static inline bool gw_journal_bg_busy(const gw_journal_t *j)
{
	return j->bg.writing;
}
/* For tests: a descriptor the child reads one octet from before it
 * writes anything, so that a test can act while it surely runs; -1 (the
 * default): none. */
extern int gw_journal_bg_hold;
/* Kill the child, if any, and remove its file. */
void gw_journal_bg_stop(gw_journal_t *j);
/* drop_oldest() is about to drop the n oldest entries. */
void gw_journal_bg_dropping(gw_journal_t *j, size_t n);
/* The child's rewrite ended (journal.c): ret its outcome, once
 * installed or not; again when the file must be written anew (the history
 * was dropped meanwhile, or what came since does not fit). */
void gw_journal_bg_done(gw_journal_t *j, int ret, bool again, bool compact);

/* A journal file larger than this cannot be one the daemon wrote
 * (file.c says why); it is refused before anything is read. */
uint64_t gw_journal_file_max(const gw_journal_opts_t *opts);

/* Open path for reading, refusing a file larger than
 * gw_journal_file_max() (GW_ELIMIT, the reason in why). GW_OK with *fd
 * (caller closes), -errno. */
int gw_journal_path_open(const gw_journal_opts_t *opts, const char *path, int *fd, char *why,
                         size_t why_len);

/* Cut the file at path (open as fd) at torn, when that is before its end. */
void gw_journal_cut(const char *path, uint64_t torn, int fd);

/* ---- entries whose data is in the file only (disk.c) ------------------- */

/* Exactly len octets of fd at off: GW_OK, -errno, GW_EIO (the file is
 * shorter). */
int gw_journal_read_at(int fd, void *buf, size_t len, off_t off);

/* Entry i (in memory, or in the file at off) is now in the file at off:
 * its data leaves memory (an IXFR holding it keeps it). */
void gw_journal_to_disk(gw_journal_t *j, size_t i, uint64_t off);

/* e's data read back from fd (its record at e->off, checked against the
 * CRC, the length, the serials and counts): *out a new entry (one
 * reference) with data. GW_OK, GW_ENOMEM, GW_EIO or -errno (logged, at
 * most once a minute). */
int gw_journal_entry_load(gw_journal_t *j, int fd, const gw_journal_entry_t *e,
                          gw_journal_entry_t **out);

/* ---- the bounded window (window.c) -------------------------------------- */

#define GW_JWIN_SIZE (256 * 1024)

/* A window of at most cap octets onto a file, refilled as the reader
 * moves forward. */
typedef struct gw_jwin {
	int fd;       /* borrowed */
	uint8_t *buf; /* owned, cap octets */
	size_t cap;
	uint64_t start; /* file offset of buf[0] */
	size_t len;     /* octets of the file in buf */
	uint64_t size;  /* the file's size when opened */
} gw_jwin_t;

/* A window of cap octets (0: GW_JWIN_SIZE) onto fd, a regular file.
 * GW_OK, -errno, GW_EIO (not a regular file), GW_ENOMEM. Deinit it
 * also after an error. */
int gw_jwin_init(gw_jwin_t *w, int fd, size_t cap);
void gw_jwin_deinit(gw_jwin_t *w);
/* The n octets at off: *p points into the window until the next call.
 * The window grows when n is larger than it. GW_OK, GW_EIO (the file ends
 * first), -errno, GW_ENOMEM. */
int gw_jwin_get(gw_jwin_t *w, uint64_t off, size_t n, const uint8_t **p);
/* The wire RR at off, which ends before end: *p (as gw_jwin_get()) and
 * *len. GW_EMALFORMED when it does not parse or runs past end. */
int gw_jwin_rr(gw_jwin_t *w, uint64_t off, uint64_t end, const uint8_t **p, size_t *len);
/* CRC-32 of the n octets at off into *crc. */
int gw_jwin_crc(gw_jwin_t *w, uint64_t off, uint64_t n, uint32_t *crc);

/* ---- the records (scan.c) and the last zone served (last.c) ------------- */

/* A wire RR somewhere in memory. */
typedef struct gw_journal_rref {
	const uint8_t *p; /* borrowed */
	size_t len;
} gw_journal_rref_t;

/* The walk's order of two valid wire RRs: owner (canonical), then type,
 * an RRSIG with the type it covers, after that RRset's RRs. */
int gw_journal_rr_order(const uint8_t *a, const uint8_t *b);
/* The type the valid RRSIG RR at rr covers (0 when its rdata is short). */
uint16_t gw_journal_rrsig_covers(const uint8_t *rr);
/* The apex SOA at serial, as the RR that opens size octets at p. */
bool gw_journal_soa_at(const uint8_t *p, size_t size, const uint8_t *apex, uint32_t serial);

/* What scanning the file found. */
typedef struct gw_jscan {
	gw_jwin_t win;
	const char *path; /* borrowed, for messages */
	uint8_t apex[ZONE_NAME_MAXLEN];
	gw_journal_entry_t **recs; /* owned references: the entries in file order */
	size_t n, cap;
	bool have_snap, snap_soa, snap_ordered;
	uint64_t snap_off, snap_end; /* the last snapshot's RRs in the file */
	uint32_t snap_serial, snap_count;
	size_t after;  /* recs[after..n) follow the snapshot */
	uint32_t last; /* the serial served last */
	uint64_t torn; /* where a damaged tail starts; the file's size without one */
} gw_jscan_t;

/* Scan fd (a window of win octets, 0: GW_JWIN_SIZE) as the journal of
 * apex, into s (zeroed, path set). GW_OK; GW_ENOMEM; -errno; GW_EPARSE or
 * GW_ESEMANTIC with the reason in why. s->torn is set either way.
 * gw_jscan_deinit() it in every case. */
int gw_jscan_read(gw_jscan_t *s, int fd, const uint8_t *apex, size_t win, char *why,
                  size_t why_len);
void gw_jscan_deinit(gw_jscan_t *s);

/* fn for every RRset of the zone served last (s read), in canonical order,
 * its RRSIGs in the RRset's sigs. Stops at fn's first error and returns
 * it; GW_ESEMANTIC (why says it) when the diffs after the snapshot do not
 * apply to it (then fn has seen nothing) or an RRSIG has no RRset. */
int gw_jscan_walk(gw_jscan_t *s, gw_journal_rrset_fn fn, void *ctx, char *why, size_t why_len);

/* For the fuzz target: the reading of an open file. */

/* gw_journal_file_load() on fd: connect j (empty, with its apex, opts and
 * path) to zone. A file that cannot be used is discarded (logged). *torn
 * gets where a damaged tail starts. GW_OK or GW_ENOMEM. */
int gw_journal_load_fd(gw_journal_t *j, const zone_t *zone, int fd, size_t win, uint64_t *torn);

/* gw_journal_read_floor() on fd, the file at path (for the log). */
int gw_journal_floor_fd(int fd, const char *path, const uint8_t *apex, uint32_t *out);

/* gw_jscan_read() and gw_jscan_walk() on fd. */
int gw_journal_last_fd(int fd, const uint8_t *apex, size_t win, gw_journal_rrset_fn fn, void *ctx,
                       uint64_t *torn, char *why, size_t why_len);
