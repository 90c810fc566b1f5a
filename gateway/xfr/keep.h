/* What an AXFR under way must still send as it was when it began, for the
 * names that commits have changed since (gateway/xfr/xfr.c). The zone is
 * changed in place, and a transfer must send one version of it: each name
 * the transfer has yet to send is kept, the first time a commit touches
 * it, as it was before that commit; later commits leave a kept name as it
 * is. A name a commit made is kept empty (the transfer skips it), and a
 * name it removed keeps its records (the transfer still sends them).
 * Bounded by GW_XFR_KEEP_MAX octets a transfer and GW_XFR_KEEP_TOTAL_MAX
 * in all: past them the transfer ends as it did before it kept anything,
 * and the client tries again; past the bound of all, the one that keeps
 * most ends, when it keeps more than the one asking would. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zones/zone.h"

/* Octets of RRs one transfer keeps at most (16 MiB): the changes of a
 * busy campus zone during its transfer, not a whole re-signing. */
#define GW_XFR_KEEP_MAX ((size_t)16 << 20)
/* ... and all transfers together (64 MiB): the transfers a secondary may
 * hold open at once (its share of the TCP connections) cannot make it
 * more. */
#define GW_XFR_KEEP_TOTAL_MAX ((size_t)64 << 20)

typedef struct gw_xfr_kept {
	uint8_t *owner; /* owned: the wire name, as the zone writes it */
	/* owned: the RRs, each [owner][type][class][TTL][rdlength][rdata]
	 * (the journal's form), by type, each RRset's signatures after it;
	 * NULL when the name did not exist */
	uint8_t *rrs;
	size_t size; /* octets in rrs */
} gw_xfr_kept_t;

typedef struct gw_xfr_keep {
	gw_xfr_kept_t *names; /* owned: count entries in canonical order */
	size_t count, cap;
	size_t octets; /* owners and RRs kept */
	size_t max;    /* octets kept at most; 0: GW_XFR_KEEP_MAX */
	bool full;     /* past a bound, or out of memory, or made room for another */
	/* borrowed: the others that keep something, while this one does
	 * (listed), for the bound of all together */
	struct gw_xfr_keep *prev, *next;
	bool listed;
} gw_xfr_keep_t;

/* Does the transfer still have to send owner (arg: the transfer)? */
typedef bool (*gw_xfr_ahead_fn)(const void *arg, const uint8_t *owner);

/* A commit applied diff to zone (zone as it is after it): keep each name
 * that diff touches, ahead says is still to be sent and is not kept
 * already, as it was before. GW_OK; GW_ESPACE or GW_ENOMEM with full set
 * (nothing more is kept); GW_EMALFORMED for a diff not in its form. May
 * end another transfer's keep to make room (it is then full and empty). */
int gw_xfr_keep_diff(gw_xfr_keep_t *keep, const zone_t *zone, const zone_rrdiff_t *diff,
                     gw_xfr_ahead_fn ahead, const void *arg);

/* The kept name equal to owner (borrowed, valid until the next
 * gw_xfr_keep_diff()), or NULL. */
const gw_xfr_kept_t *gw_xfr_keep_find(const gw_xfr_keep_t *keep, const uint8_t *owner);

/* The first kept name after owner in canonical order (owner NULL: the
 * first of all), borrowed as above, or NULL. */
const gw_xfr_kept_t *gw_xfr_keep_next(const gw_xfr_keep_t *keep, const uint8_t *owner);

/* The type an RR of a kept name is sent with: its own, or for an RRSIG
 * the type it covers. rr is one RR of gw_xfr_kept_t.rrs. */
uint16_t gw_xfr_kept_type(const uint8_t *rr, size_t len);

/* Free what is kept; keep is then empty. Accepts a zeroed keep. */
void gw_xfr_keep_deinit(gw_xfr_keep_t *keep);

/* Octets kept by all transfers now. Loop thread only, as all of this. */
size_t gw_xfr_keep_total(void);

/* The bound of all transfers together (tests); 0: GW_XFR_KEEP_TOTAL_MAX. */
void gw_xfr_keep_set_total_max(size_t max);
