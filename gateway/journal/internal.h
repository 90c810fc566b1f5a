/* gateway/journal/ private declarations shared by journal.c (entries in
 * memory, IXFR lookup), file.c (the file's format, reading it at start)
 * and write.c (writing it). Nothing outside gateway/journal/ includes
 * this. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

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
	/* The file: entries appended since it was last rewritten. */
	size_t file_entries;
	uint64_t file_bytes;
	bool need_rewrite;
	uint64_t resets;
	/* A file that cannot be written: the history stays in memory and the
	 * timer tries again, backing off (journal.c). */
	ev_timer retry;
	double retry_delay; /* seconds until the next try */
	unsigned retries;   /* tries since the file last failed */
	int file_error;     /* the last error writing it; 0 when it is fine */
	const zone_t *zone; /* borrowed: the zone of the last open, append or sync */
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

/* ---- the file (file.c reads it, write.c writes it) ---------------------- */

/* CRC-32 (IEEE 802.3) of the records, continued from crc (0 to start). */
uint32_t gw_journal_crc32(uint32_t crc, const uint8_t *p, size_t len);

/* The format's numbers: 32 bits, most significant octet first. */
static inline void gw_journal_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t gw_journal_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

/* Rewrite the file (write.c): header, a snapshot of zone, the entries
 * kept (those that do not end at zone's serial are dropped); atomically.
 * GW_OK or an error, not logged: the caller says what follows
 * (journal.c). */
int gw_journal_file_rewrite(gw_journal_t *j, const zone_t *zone);

/* Append e to the open file and flush it to disk (write.c). GW_OK or
 * -errno. */
int gw_journal_file_append(gw_journal_t *j, const gw_journal_entry_t *e);

/* The reading of the file from its contents, len octets at buf, for the
 * two functions that read it (and the fuzz target). *torn gets the offset
 * of a damaged tail the caller cuts off the file, len when there is none.
 * Nothing past buf + len is read, whatever the contents. */

/* gw_journal_file_load() on buf: connect j (empty, with its apex and
 * opts) to zone. A file that cannot be used is discarded (logged).
 * GW_OK or GW_ENOMEM. */
int gw_journal_load_buf(gw_journal_t *j, const zone_t *zone, const uint8_t *buf, size_t len,
                        size_t *torn);

/* gw_journal_read_last() on buf: the last zone served, a new zone in *out
 * (caller frees) with j's apex. GW_OK, GW_ENOMEM, or another error with
 * the reason in why. */
int gw_journal_rebuild(gw_journal_t *j, const uint8_t *buf, size_t len, zone_t **out, size_t *torn,
                       char *why, size_t why_len);
