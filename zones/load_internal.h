/* The zone file reader's parts shared by zones/load.c (a reader of a
 * range of the text, the TTLs, the whole load) and zones/load_split.c (a
 * second reader for the second half of a large text, on a thread of its
 * own). Nothing outside these two files includes this. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ldns/ldns.h>

#include "zones/internal.h"

/* ldns gives a record without a TTL the default we pass in; this value
 * marks "no TTL written", so that the RFC 1035/2308 defaults can be
 * applied in file order afterwards. A TTL of exactly 4294967295 in a file
 * reads as absent. */
#define LOAD_TTL_ABSENT UINT32_MAX

typedef struct loader {
	const char *path; /* borrowed: names the text in messages */
	char *errbuf;     /* borrowed: the message, or NULL to log it */
	size_t errlen;
	char *data; /* borrowed: the whole text (only read) */
	size_t size;
	size_t line_pos; /* offset up to which newlines are counted */
	size_t line;     /* line number at line_pos */
} loader_t;

/* A $TTL line, in force from the batch's entry at on. */
typedef struct load_ttl_mark {
	size_t at;
	uint32_t ttl;
} load_ttl_mark_t;

/* What a reader of a range of the text gave besides its records, which
 * went into a batch with their TTLs as written (LOAD_TTL_ABSENT where
 * none): its $TTL lines, and the first failure, which ends the range. */
typedef struct load_out {
	load_ttl_mark_t *marks; /* owned, mark_count entries */
	size_t mark_count;
	size_t mark_cap;
	int code;    /* GW_OK, or the failure's */
	size_t line; /* the failure's line; 0: not a line's */
	char msg[ZONE_NAME_STRLEN + 256];
	bool done;  /* read to the range's end or to a failure, not stopped */
	size_t end; /* where the reading stopped */
} load_out_t;

/* Read ld->data from base on into batch, one record at a time, up to the
 * first record that starts at or after stop_at (SIZE_MAX: to the end);
 * out->end is where that one starts, or the end. origin and prev are
 * ldns's state between records (the current $ORIGIN and the previous
 * owner), carried on. Stops early, with done false, once *stop is set
 * (stop may be NULL). Never logs. */
void load_read_range(loader_t *ld, size_t base, size_t stop_at, ldns_rdf **origin, ldns_rdf **prev,
                     zone_batch_t *batch, load_out_t *out, const atomic_bool *stop);
void load_out_free(load_out_t *out);

/* ---- the second reader (zones/load_split.c) ---------------------------- */

typedef struct load_second load_second_t;

/* Start a second reader for zone on the second half of ld's text, if the
 * text is large enough. It looks for a line where it can start (see
 * load_split.c) and reads from there. *out is NULL when there is no
 * second reader; the caller then reads everything. GW_OK or GW_ENOMEM. */
int load_second_start(load_second_t **out, const loader_t *ld, const zone_t *zone);
/* Where it starts, at or after the middle of the text, once it has found
 * the place (this waits for that); SIZE_MAX if there is none. */
size_t load_second_base(load_second_t *sec);
/* Wait for it. True when it read its whole range; *batch and *out then
 * are its records and the rest (borrowed: freed by load_second_free()).
 * False: it could not, and the caller reads the range itself. */
bool load_second_join(load_second_t *sec, zone_batch_t **batch, load_out_t **out);
/* The $ORIGIN it started with (borrowed; after a true join). */
const ldns_rdf *load_second_origin(const load_second_t *sec);
/* Stop it if it still runs, and free it; NULL is allowed. */
void load_second_free(load_second_t *sec);
