/* The SOA serial across restarts: it only goes forward (RFC 1982), even
 * after kill -9. A ceiling is kept durably in <state>/serial; every serial
 * served is at or below it, and it is raised (in blocks, so that a commit
 * rarely waits for fsync) before a serial past it is served. A floor (the
 * newest serial <state>/journal shows served) covers a serial file
 * restored from an old backup or removed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SERIAL_BLOCK 1024

typedef struct gw_serial {
	char *path;       /* owned: <state>/serial */
	uint32_t ceiling; /* every serial served so far is <= this */
	bool known;       /* a ceiling was read or written */
	/* ceiling was reserved (gw_serial_reserve()) but is not in the file
	 * yet: nothing may be served until gw_serial_sync(). */
	bool pending;
	bool have_floor;
	uint32_t floor; /* a serial served before, whatever the file says */
} gw_serial_t;

/* Read the ceiling from state_dir (absent: a first start). GW_OK, GW_EPARSE
 * for a corrupt file (logged with the path), -errno. */
int gw_serial_init(gw_serial_t *s, const char *state_dir);
void gw_serial_deinit(gw_serial_t *s);

/* Every serial the first one is picked after must also be ahead of
 * served (RFC 1982). Call before gw_serial_reserve() / gw_serial_first(). */
void gw_serial_set_floor(gw_serial_t *s, uint32_t served);

/* The ceiling in the file's contents, len octets at text (need not be
 * NUL-terminated): exactly decimal digits and one newline. GW_OK with the
 * value in *out, or GW_EPARSE. */
int gw_serial_parse(const char *text, size_t len, uint32_t *out);

/* The serial to start serving with, given the zone's own (from the zone
 * file or the clock): greater than everything served before (the ceiling,
 * the start of its block, the floor). Its block is reserved in memory
 * only: a start that fails before gw_serial_sync() (or the first
 * gw_serial_next()) leaves the file as it was, and the next start picks
 * the same serial again instead of burning a block. Cannot fail. */
void gw_serial_reserve(gw_serial_t *s, uint32_t zone_serial, uint32_t *out);

/* Write a reserved ceiling to the file (nothing to do when none is
 * pending). GW_OK or -errno (logged with the path). */
int gw_serial_sync(gw_serial_t *s);

/* gw_serial_reserve() and gw_serial_sync() in one: raises the ceiling
 * durably. */
int gw_serial_first(gw_serial_t *s, uint32_t zone_serial, uint32_t *out);

/* The serial after current; writes the ceiling when it is pending or
 * when the serial is past it (then a block higher). */
int gw_serial_next(gw_serial_t *s, uint32_t current, uint32_t *out);
