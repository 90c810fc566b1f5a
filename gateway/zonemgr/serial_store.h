/* The SOA serial across restarts: it only goes forward (RFC 1982), even
 * after kill -9. A ceiling is kept durably in <state>/serial; every serial
 * served is at or below it, and it is raised (in blocks, so that a commit
 * rarely waits for fsync) before a serial past it is served. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_SERIAL_BLOCK 1024

typedef struct gw_serial {
	char *path;       /* owned: <state>/serial */
	uint32_t ceiling; /* every serial served so far is <= this */
	bool known;       /* a ceiling was read or written */
} gw_serial_t;

/* Read the ceiling from state_dir (absent: a first start). GW_OK, GW_EPARSE
 * for a corrupt file (logged with the path), -errno. */
int gw_serial_init(gw_serial_t *s, const char *state_dir);
void gw_serial_deinit(gw_serial_t *s);

/* The ceiling in the file's contents, len octets at text (need not be
 * NUL-terminated): exactly decimal digits and one newline. GW_OK with the
 * value in *out, or GW_EPARSE. */
int gw_serial_parse(const char *text, size_t len, uint32_t *out);

/* The serial to start serving with, given the zone's own (from the zone
 * file or the clock): greater than everything served before. Raises the
 * ceiling durably. */
int gw_serial_first(gw_serial_t *s, uint32_t zone_serial, uint32_t *out);

/* The serial after current; raises the ceiling durably when needed. */
int gw_serial_next(gw_serial_t *s, uint32_t current, uint32_t *out);
