/* NSEC3 proofs for the answerer (RFC 5155 section 7.2): which NSEC3 RRsets
 * prove that a name or a type does not exist. The answerer decides which
 * proof a reply needs and writes the RRsets; this module finds them.
 * Allocation-free; every proof costs at most three SHA-1 hashes.
 *
 * Names are wire names at or below the zone's apex. Nodes returned are
 * NSEC3 owners (zone_hashed_*), borrowed from the zone like any node. */
#pragma once

#include <stdbool.h>

#include "zones/zone.h"

/* The most NSEC3 RRsets one proof takes (RFC 5155 7.2.2: the closest
 * encloser's, the one covering the next closer name, the one covering
 * the wildcard). */
#define GW_DENIAL_MAX 3

/* One proof: the NSEC3 owners to put in the authority section, in order,
 * possibly the same node more than once (the answerer writes each once). */
typedef struct gw_denial {
	const zone_node_t *nsec3[GW_DENIAL_MAX]; /* borrowed from the zone */
	int count;
} gw_denial_t;

/* The proofs below fill *d (reset first) with what the zone holds. A part
 * that the zone lacks (a broken chain, an apex too long to hash under) is
 * left out and the call returns GW_ENOTFOUND, GW_ELIMIT or GW_ECRYPTO; d
 * then holds the other parts. GW_OK when the proof is complete. name has
 * encloser_labels labels in its closest encloser, as zone_lookup() (and
 * gw_denial_encloser()) count them. */

/* 7.2.2 NXDOMAIN: closest encloser proof plus the NSEC3 covering the
 * wildcard at the closest encloser. */
int gw_denial_nxdomain(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                       int encloser_labels);

/* 7.2.3, 7.2.4 NODATA (also for DS, and at an empty non-terminal): the
 * NSEC3 matching name. */
int gw_denial_nodata(gw_denial_t *d, const zone_t *zone, const uint8_t *name);

/* 7.2.4 and 7.2.7: no DS at name (a zone cut): the NSEC3 matching name
 * or, when the chain has none for it (opt-out), the closest provable
 * encloser proof: the NSEC3 matching the closest ancestor the chain holds
 * and the one covering the next closer name. */
int gw_denial_ds(gw_denial_t *d, const zone_t *zone, const uint8_t *name);

/* 7.2.5 wildcard NODATA: closest encloser proof plus the NSEC3 matching
 * the wildcard at the closest encloser. */
int gw_denial_wildcard_nodata(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                              int encloser_labels);

/* 7.2.6 wildcard answer: the NSEC3 covering the next closer name, proving
 * that name itself does not exist. */
int gw_denial_wildcard_answer(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                              int encloser_labels);

/* 7.2.8: is node an NSEC3 owner and nothing else (only NSEC3 and RRSIG
 * RRsets, no names below it)? Such a name is answered for as if it did
 * not exist, whatever the type asked. */
bool gw_denial_hidden(const zone_t *zone, const zone_node_t *node);

/* 7.2.8 for a name that does not exist: when its closest encloser (of
 * encloser_labels labels) is a hidden NSEC3 owner, the closest encloser is
 * the apex; returns the labels of the closest encloser to use. */
int gw_denial_encloser(const zone_t *zone, const uint8_t *name, int encloser_labels);
