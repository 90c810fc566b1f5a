/* zones/: the zone data model.
 *
 * A zone is a set of nodes (owner names) kept in DNSSEC canonical order
 * (RFC 4034 section 6.1), each node holding its RRsets ready in wire form
 * so that the query path only looks up and copies. Changes arrive as
 * changesets (RRs to remove, RRs to add) applied in one step; zone files
 * are read and written through ldns.
 *
 * Names: unless said otherwise a "name" is an uncompressed wire-format
 * domain name (length-prefixed labels ending with the root label), at most
 * 255 octets, in any letter case. Comparisons are case-insensitive (ASCII).
 *
 * Threading: a zone_t is owned by one thread (the loop thread); readers on
 * that thread may hold node and RRset pointers until the next call that
 * modifies the zone.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldns/ldns.h>

#define ZONE_NAME_MAXLEN 255
/* Canonical lookup key: labels reversed, lowercased, each followed by a 0
 * separator, with octets 0x00 and 0x01 inside labels escaped as 0x01 0x01
 * and 0x01 0x02, so that memcmp() on two keys gives canonical order. */
#define ZONE_KEY_MAXLEN (2 * ZONE_NAME_MAXLEN)

/* ---- names (zones/name.c) ---------------------------------------------- */

/* Length of the wire name at name, reading at most maxlen octets; no
 * compression pointers allowed. Returns the length (>= 1) or GW_EMALFORMED. */
int zone_name_len(const uint8_t *name, size_t maxlen);

/* Number of labels, not counting the root label. name must be valid. */
int zone_name_labels(const uint8_t *name);

/* Canonical comparison (RFC 4034 6.1): <0, 0 or >0. Both must be valid. */
int zone_name_cmp(const uint8_t *a, const uint8_t *b);

/* Case-insensitive equality. */
bool zone_name_equal(const uint8_t *a, const uint8_t *b);

/* Text of a type ("AAAA", "TYPE65534") into buf of size len, for
 * messages. */
void zone_type_str(char *buf, size_t len, uint16_t type);

/* True when name is parent or equal to it (name is at or below parent). */
bool zone_name_is_subdomain(const uint8_t *name, const uint8_t *parent);

/* Lowercase copy of a valid name into out (ZONE_NAME_MAXLEN octets). Returns
 * the length. */
int zone_name_lower(uint8_t *out, const uint8_t *name);

/* Build the canonical lookup key of a valid name into key (ZONE_KEY_MAXLEN
 * octets). Returns the key length. */
int zone_name_key(uint8_t *key, const uint8_t *name);

/* Text form ("www.example.", escapes as in zone files) into buf of size
 * len; always NUL-terminated (truncated on GW_ESPACE). Returns GW_OK or
 * GW_ESPACE (also GW_EMALFORMED for an invalid name, GW_ENOMEM). */
int zone_name_to_str(char *buf, size_t len, const uint8_t *name);

/* Parse a text name (absolute or relative to origin, which may be NULL)
 * into out (ZONE_NAME_MAXLEN octets). Returns the wire length or
 * GW_EPARSE. "@" is the origin; with origin NULL a relative name is taken
 * as absolute. */
int zone_name_from_str(uint8_t *out, const char *text, const uint8_t *origin);

/* ---- RRsets and nodes -------------------------------------------------- */

/* One RRset: every RR of one type at one owner. The rdata of all RRs is
 * kept in one buffer as a sequence of [RDLENGTH: 2 octets, network order]
 * [RDATA], uncompressed, letter case as received (the signer derives the
 * canonical form itself). RRs are unique (no duplicate rdata; rdata are
 * compared octet for octet, so names in rdata that differ only in letter
 * case are distinct RRs here), in the order they were first added. */
typedef struct zone_rrset {
	uint16_t type;
	uint16_t count; /* number of RRs, >= 1 while in a node */
	uint32_t ttl;   /* one TTL for the RRset (RFC 2181 5.2) */
	uint8_t *rdata; /* owned by the node: count x [len][data] */
	uint32_t rdata_len;
	/* Signatures over this RRset (dnssec/): RRSIG RRs in the same
	 * [len][data] layout, NULL and 0 when unsigned. Owned by the node; set
	 * with zone_set_sigs(). Dropped whenever the RRset's data or TTL
	 * changes (zone_apply) and, for the SOA, when the serial changes. */
	uint8_t *sigs;
	uint32_t sigs_len;
	uint16_t sig_count;
	/* Where the RRset came from: ZONE_MARK_STATIC when the static
	 * records (zone file, apex, the gateway's own) hold it
	 * (zone_mark_static()). Kept by every change of the RRset's data,
	 * TTL or signatures and by a failed commit's restore; an RRset a
	 * change creates starts at 0. In the struct's padding. */
	uint8_t mark;
} zone_rrset_t;

#define ZONE_MARK_STATIC 0x01

typedef struct zone_node {
	uint8_t *owner; /* owned: wire name, case as first added */
	uint8_t *key;   /* owned: canonical lookup key */
	uint16_t owner_len;
	uint16_t key_len;
	uint16_t rrset_count;
	zone_rrset_t *rrsets; /* owned: rrset_count entries, sorted by type */
} zone_node_t;

/* The RRset of type at node, or NULL. */
const zone_rrset_t *zone_node_rrset(const zone_node_t *node, uint16_t type);

/* Octets of rrset (at node) in uncompressed wire form, which is the size
 * of its canonical form (RFC 4034 6.2): validators (Unbound, BIND) check
 * none past ZONE_RRSET_VALIDATABLE_MAX. */
#define ZONE_RRSET_VALIDATABLE_MAX 65535
size_t zone_rrset_wire_size(const zone_node_t *node, const zone_rrset_t *rrset);

/* Iterate the RRs of an RRset: *pos starts at 0; on each call returns true
 * and sets *rdata (points into the RRset) and *rdlen, false at the end. */
bool zone_rrset_next(const zone_rrset_t *rrset, uint32_t *pos, const uint8_t **rdata,
                     uint16_t *rdlen);

/* One RR of an RRset: its rdata (borrowed, inside the RRset) and length. */
typedef struct zone_rdref {
	const uint8_t *p;
	uint16_t len;
} zone_rdref_t;

/* The RRs of rrset into out (room for rrset->count), in canonical order
 * (RFC 4034 6.3: octet by octet, the shorter first); returns how many. */
size_t zone_rrset_sorted(const zone_rrset_t *rrset, zone_rdref_t *out);
/* That order: < 0 when a sorts first, 0 when equal, > 0. */
int zone_rdref_cmp(const zone_rdref_t *a, const zone_rdref_t *b);

/* ---- the zone ---------------------------------------------------------- */

typedef struct zone zone_t;

/* Create an empty zone for apex (wire name). On success *out owns the zone,
 * freed with zone_free(). Returns GW_OK, GW_EINVAL or GW_ENOMEM. */
int zone_new(zone_t **out, const uint8_t *apex);

/* Free a zone and everything it holds. Accepts NULL. */
void zone_free(zone_t *zone);

/* The apex name (lowercase wire), borrowed from the zone. */
const uint8_t *zone_apex(const zone_t *zone);

/* Octets in zone_apex(), the root label included. */
size_t zone_apex_len(const zone_t *zone);

/* Of zones (count entries, NULL ones skipped), the index of the one whose
 * apex is the longest suffix of name (at or above it), -1 when none
 * holds it (zones/pick.c). No allocation: the query path calls it. */
int zone_pick(const zone_t *const *zones, size_t count, const uint8_t *name);

/* Number of nodes (owner names that hold at least one RRset). */
size_t zone_node_count(const zone_t *zone);

/* The apex node, or NULL while the zone is empty. */
const zone_node_t *zone_apex_node(const zone_t *zone);

/* Does any name below the apex hold NS (is there a delegation)? Cheap: a
 * count kept by every change. */
bool zone_has_delegations(const zone_t *zone);

/* Does any name hold DNAME (RFC 6672)? Cheap, as zone_has_delegations(). */
bool zone_has_dnames(const zone_t *zone);

/* Of the names strictly above name, up to the apex, the one closest to
 * the apex that holds an RRset of type (NS: the cut that makes name glue
 * or occluded, the apex's own NS not counting; DNAME: the one that
 * redirects it); NULL when none, and for a name not below the apex. One
 * lookup per label between them: callers test zone_has_delegations() or
 * zone_has_dnames() first. */
const zone_node_t *zone_ancestor_with(const zone_t *zone, const uint8_t *name, uint16_t type);

/* The SOA serial; GW_ENOTFOUND when there is no SOA. */
int zone_serial(const zone_t *zone, uint32_t *serial);

/* Set the SOA serial in place (the loop thread only). GW_ENOTFOUND when
 * there is no SOA. A new serial drops the SOA's signatures. */
int zone_set_serial(zone_t *zone, uint32_t serial);

/* Attach signatures to the RRset (owner, type): sigs is sigs_len octets of
 * RRSIG rdata in the [len][data] layout of zone_rrset_t, copied (the caller
 * keeps its buffer); sigs_len 0 removes them. Returns GW_OK, GW_ENOTFOUND
 * (no such RRset), GW_EMALFORMED (layout), GW_ELIMIT, GW_ENOMEM. Node and
 * RRset pointers stay valid. */
int zone_set_sigs(zone_t *zone, const uint8_t *owner, uint16_t type, const uint8_t *sigs,
                  uint32_t sigs_len);

/* zone_set_sigs() that takes the caller's malloc'ed buffer instead of
 * copying it (the signer hands over a whole zone's signatures at once):
 * on GW_OK the zone owns *sigs and *sigs is set to NULL; on an error the
 * caller still owns it. */
int zone_take_sigs(zone_t *zone, const uint8_t *owner, uint16_t type, uint8_t **sigs,
                   uint32_t sigs_len);

/* zone_take_sigs() for the RRset of type at node, a node of zone (NULL:
 * GW_ENOTFOUND), without looking the owner up: a whole zone's signatures
 * go in at once. */
int zone_node_take_sigs(zone_t *zone, const zone_node_t *node, uint16_t type, uint8_t **sigs,
                        uint32_t sigs_len);

/* Exact match (case-insensitive); NULL when no node holds that name. An
 * empty non-terminal has no node. */
const zone_node_t *zone_find(const zone_t *zone, const uint8_t *name);

/* Result of zone_lookup(). All pointers are borrowed from the zone. */
typedef struct zone_lookup {
	const zone_node_t *node; /* exact match, or NULL */
	/* Node that sorts immediately before name in canonical order (the
	 * NSEC that covers it); the last node when name sorts before all
	 * (wraps around); NULL only when the zone is empty. When node is set,
	 * prev is the node before it (wrapping). */
	const zone_node_t *prev;
	/* Labels of the closest encloser: the longest ancestor of name (or
	 * name itself) that exists in the zone, as a node or as an empty
	 * non-terminal. Counts labels of name from the right, so the closest
	 * encloser is the last encloser_labels labels of name. Never less
	 * than the apex's labels (also while the zone is empty). */
	int encloser_labels;
	bool empty_nonterminal; /* name itself is an empty non-terminal */
} zone_lookup_t;

/* Look up name (must be at or below the apex). Returns GW_OK and fills res,
 * or GW_EOUTOFZONE. */
int zone_lookup(const zone_t *zone, const uint8_t *name, zone_lookup_t *res);

/* Iterate nodes in canonical order: zone_first() then zone_next() until
 * NULL. Pointers stay valid until the zone is modified. */
const zone_node_t *zone_first(const zone_t *zone);
const zone_node_t *zone_next(const zone_t *zone, const zone_node_t *node);

/* The i-th node in canonical order, NULL when i is past the end: a walk
 * of the whole zone without zone_next()'s search per node. */
const zone_node_t *zone_node_at(const zone_t *zone, size_t i);

/* zone walked beside another zone's nodes, taken in canonical order:
 * *at (0 for the first) moves past zone's names before node's, and the
 * node of zone with node's name is returned, or NULL. Walking two zones
 * side by side so costs one pass over each, with no lookup of each name. */
const zone_node_t *zone_node_seek(const zone_t *zone, size_t *at, const zone_node_t *node);

/* Where name stands in canonical order: the index (for zone_node_at())
 * of the first node after name, or of name's own node with at. Counts
 * from 0; zone_node_count() when none follows. */
size_t zone_index_of(const zone_t *zone, const uint8_t *name, bool at);

/* The node that follows node in canonical order, wrapping to the apex
 * (what an NSEC next name points to). */
const zone_node_t *zone_next_wrap(const zone_t *zone, const zone_node_t *node);

/* ---- NSEC3 owners (zones/hashed.c) -------------------------------------- */

/* Nodes one label below the apex that hold an NSEC3 RRset (RFC 5155
 * hashed owner names) are also kept in an ordered list of their own, kept
 * up to date by every change, so that the NSEC3 chain is walked and
 * searched without the other names that sort between its owners. */

/* Number of NSEC3 owners. */
size_t zone_hashed_count(const zone_t *zone);

/* The i-th NSEC3 owner in canonical order, NULL when i is past the end. */
const zone_node_t *zone_hashed_at(const zone_t *zone, size_t i);

/* name (at or below the apex): *node is the NSEC3 owner equal to it or
 * NULL; *prev the NSEC3 owner that sorts last before it (wrapping to the
 * last one; NULL only when there is none), i.e. the one whose NSEC3
 * covers name when *node is NULL. */
void zone_hashed_lookup(const zone_t *zone, const uint8_t *name, const zone_node_t **node,
                        const zone_node_t **prev);

/* The NSEC3 owner after node (an NSEC3 owner), wrapping to the first. */
const zone_node_t *zone_hashed_next_wrap(const zone_t *zone, const zone_node_t *node);

/* ---- changesets (zones/changeset.c) ------------------------------------ */

/* RRs to remove and RRs to add, applied in one step. The lists own their
 * ldns_rr. */
typedef struct zone_changeset {
	ldns_rr_list *remove;
	ldns_rr_list *add;
} zone_changeset_t;

/* Initialise an empty changeset in caller storage. GW_OK or GW_ENOMEM. */
int zone_changeset_init(zone_changeset_t *cs);
/* Free the RRs the changeset holds. Accepts an already deinitialised one. */
void zone_changeset_deinit(zone_changeset_t *cs);

/* Take ownership of rr and queue it for removal / addition. On error rr is
 * freed. */
int zone_changeset_remove(zone_changeset_t *cs, ldns_rr *rr);
int zone_changeset_add(zone_changeset_t *cs, ldns_rr *rr);

bool zone_changeset_empty(const zone_changeset_t *cs);

/* Fold next into acc, so that applying acc once does what applying acc
 * and then next did (zone_apply() removes first, then adds): acc's
 * additions that next removes are dropped, then next's removals and
 * additions are appended (copies; next is borrowed). GW_OK or GW_ENOMEM
 * (acc then holds part of next: discard it). */
int zone_changeset_merge(zone_changeset_t *acc, const zone_changeset_t *next);

/* Queue the removal of every RR of type at node except the one whose
 * rdata is keep (keep_len octets; NULL: none kept). GW_OK or the errors of
 * zone_rr_to_ldns() and zone_changeset_remove(). */
int zone_changeset_remove_rrset(zone_changeset_t *cs, const zone_node_t *node, uint16_t type,
                                const uint8_t *keep, size_t keep_len);

/* One (owner, type) pair that a change touched, for the signer. */
typedef struct zone_change {
	uint8_t owner[ZONE_NAME_MAXLEN]; /* lowercase wire name */
	uint16_t type;
} zone_change_t;

/* Apply a changeset: removals first (removing an RR that is absent is not
 * an error), then additions (adding an RR already present is not an
 * error; an added RR's TTL becomes the RRset's TTL). Either all of it takes
 * effect or, on error, the zone is unchanged. Errors: GW_EOUTOFZONE (an
 * owner outside the zone), GW_ESEMANTIC (CNAME beside other data than
 * RRSIG/NSEC, more than one CNAME, CNAME at the apex, class not IN, a
 * second SOA or one below the apex, a meta type such as ANY or OPT),
 * GW_EMALFORMED, GW_ELIMIT (more than 65535 RRs or types), GW_ENOMEM; the
 * reason (name, type, rule) is logged as a warning.
 * When changed is not NULL, on success *changed is set to a malloc'ed
 * array (caller frees) of the distinct (owner, type) pairs whose RRset
 * changed (data or TTL), in canonical order, and *changed_count to its
 * length (NULL and 0 when nothing changed); both untouched on error. A
 * changed RRset loses its signatures. */
int zone_apply(zone_t *zone, const zone_changeset_t *cs, zone_change_t **changed,
               size_t *changed_count);

/* Add one RR (convenience used by loaders and tests; same rules as
 * zone_apply with a one-RR changeset). */
int zone_add_rr(zone_t *zone, const ldns_rr *rr);

/* Add count RRs in uncompressed wire form (owner, type, class, TTL,
 * RDLENGTH, RDATA; rrs[i] is rr_lens[i] octets, borrowed), all or nothing,
 * as zone_apply() adds a changeset, without ldns: for rebuilding a zone
 * from RRs this program wrote itself (the journal's), fast and without a
 * parsed copy of each. The rdata is taken as it is, not checked against
 * its type's format. GW_OK, GW_EMALFORMED (framing), GW_EOUTOFZONE,
 * GW_ESEMANTIC, GW_ENOMEM. */
int zone_add_wire(zone_t *zone, const uint8_t *const *rrs, const size_t *rr_lens, size_t count);

/* ---- differences (zones/diff.c) ----------------------------------------- */

/* Return true to leave RRsets of this type out of a diff. */
typedef bool (*zone_diff_skip_fn)(uint16_t type, void *arg);

/* Append to cs the changes that turn from into to: RRs only in from are
 * removed, RRs only in to are added, and an RRset whose TTL differs is
 * added whole (its TTL then wins). Types for which skip (may be NULL)
 * returns true are left alone. Both zones are only read. GW_OK, GW_ENOMEM
 * or GW_EMALFORMED. */
int zone_diff(const zone_t *from, const zone_t *to, zone_diff_skip_fn skip, void *arg,
              zone_changeset_t *cs);

/* Add every RR of src whose type skip (may be NULL) does not refuse to
 * zone, all or nothing, as zone_apply() would add them from the changeset
 * zone_diff() makes against an empty zone; without that changeset's ldns
 * objects (several times the zone's size: the start's peak). src is only
 * read and must not be zone. GW_OK, GW_ESEMANTIC, GW_ENOMEM. */
int zone_add_zone(zone_t *zone, const zone_t *src, zone_diff_skip_fn skip, void *arg);

/* ---- marks (zones/mark.c) ---------------------------------------------- */

/* The static records are not kept apart from the served zone: each
 * served RRset they hold carries ZONE_MARK_STATIC. */

/* Mark every RRset of zone that src holds (same owner and type, a type
 * skip, which may be NULL, does not refuse) and clear the mark of every
 * other. src is only read. No allocation. */
void zone_mark_static(zone_t *zone, const zone_t *src, zone_diff_skip_fn skip, void *arg);

/* Does name (case-insensitive) own a marked RRset in zone, or a node
 * in exact (may be NULL; see zone_marked_diff())? Hash lookups; no
 * allocation. */
bool zone_name_marked(const zone_t *zone, const zone_t *exact, const uint8_t *name);

/* zone_diff() from the static records to to: the same changes in the
 * same order as zone_diff() from the zone they were marked from (owners
 * in zone's letter case). The static records are zone's marked RRsets
 * and every RRset of exact (may be NULL): their own copy of those the
 * zone holds otherwise than they gave (more RRs, another TTL, or none:
 * another writer's changes), which stands for the marked RRset of its
 * type. Only reads. GW_OK, GW_ENOMEM or GW_EMALFORMED. */
int zone_marked_diff(const zone_t *zone, const zone_t *exact, const zone_t *to,
                     zone_diff_skip_fn skip, void *arg, zone_changeset_t *cs);

/* Add the static records (as zone_marked_diff() reads them) to dst, all
 * or nothing, as zone_add_zone() adds a zone's: a copy of what the zone
 * was marked from, without reading it again. zone and exact are only
 * read and must not be dst. GW_OK, GW_ESEMANTIC, GW_ENOMEM. */
int zone_add_marked(zone_t *dst, const zone_t *zone, const zone_t *exact, zone_diff_skip_fn skip,
                    void *arg);

/* ---- serial arithmetic (zones/serial.c), RFC 1982 ----------------------- */

/* -1 when a < b, 0 when equal, 1 when a > b, 2 when undefined
 * (distance exactly 2^31). */
int zone_serial_cmp(uint32_t a, uint32_t b);

/* The next serial after current: max(current + 1, wanted) in RFC 1982
 * terms, where wanted may be a clock-based proposal (e.g. unix time) or 0
 * (no proposal: current + 1). Never returns a serial that does not compare
 * greater than current. */
uint32_t zone_serial_next(uint32_t current, uint32_t wanted);

/* ---- messages from the network (zones/pkt.c) ---------------------------- */

/* Walk the records of the DNS message wire (len octets) as
 * ldns_wire2pkt() reads them, all but the last: *off is where the last
 * one starts. GW_EMALFORMED when one does not read or is a TSIG record
 * (RFC 8945 5.1: TSIG comes last), which ldns would leak; a question for
 * type TSIG is not one. */
int zone_pkt_last_rr(const uint8_t *wire, size_t len, size_t *off);

/* ldns_wire2pkt() on a message from the network (wire, len octets;
 * borrowed), refusing first what zone_pkt_last_rr() refuses. On GW_OK
 * *out owns the message (ldns_pkt_free()); otherwise *out is NULL.
 * GW_EMALFORMED. */
int zone_pkt_read(ldns_pkt **out, const uint8_t *wire, size_t len);

/* ---- files (zones/load.c, zones/dump.c) --------------------------------- */

/* Load a zone file through ldns. origin is the zone apex (wire); the file's
 * $ORIGIN and relative names resolve against it. On success *out owns a
 * new zone. On error returns GW_EPARSE / GW_EOUTOFZONE / GW_ESEMANTIC /
 * -errno and, when errbuf is not NULL, writes a one-line reason with the
 * file name and line number into errbuf (always NUL-terminated); with
 * errbuf NULL the reason is logged. A zone without an apex SOA is
 * GW_ESEMANTIC. The rules of zone_apply() hold; $INCLUDE is refused. A
 * record without a TTL takes the previous record's TTL when it continues
 * its RRset, else $TTL, else the last TTL written (RFC 1035 5.1). When the
 * RRs of one RRset disagree on the TTL, the last one wins and each
 * disagreement is logged as a warning with its line. */
int zone_load_file(zone_t **out, const uint8_t *origin, const char *path, char *errbuf,
                   size_t errlen);

/* As zone_load_file(), from the file's content: size octets at data (need
 * not be NUL-terminated; only read), with name standing for the file in
 * messages. */
int zone_load_text(zone_t **out, const uint8_t *origin, const char *name, const char *data,
                   size_t size, char *errbuf, size_t errlen);

/* Write the zone in zone file form (one RR per line, absolute names,
 * canonical order, the SOA first) to fp; the signatures of an RRset follow
 * it as RRSIG lines (they reload as an RRSIG RRset). GW_OK or GW_EIO
 * (GW_ENOMEM, GW_EMALFORMED from zone_rr_to_ldns()). */
int zone_dump(const zone_t *zone, FILE *fp);

/* A new ldns_rr owner (wire name, owner_len octets) IN type ttl with the
 * wire rdata (rdlen octets), split into fields by ldns's descriptor for
 * type. On success *out is owned by the caller. GW_ENOMEM or
 * GW_EMALFORMED (rdata that ldns cannot read as the type). */
int zone_rr_from_wire(ldns_rr **out, const uint8_t *owner, size_t owner_len, uint16_t type,
                      uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* The rdata of rr in wire form, into wire (cleared first): what the zone
 * stores and a removal matches. GW_EMALFORMED when a field is missing
 * (ldns_rr_new_frm_type() leaves them empty), GW_ENOMEM. */
int zone_rr_rdata_wire(const ldns_rr *rr, ldns_buffer *wire);

/* Convert one RR of a node into a new ldns_rr (for tests, dumps and the
 * signer). rdata may also point into rrset->sigs: the result is then the
 * RRSIG. On success *out is owned by the caller. GW_ENOMEM or
 * GW_EMALFORMED (rdata that ldns cannot read as the type). */
int zone_rr_to_ldns(ldns_rr **out, const zone_node_t *node, const zone_rrset_t *rrset,
                    const uint8_t *rdata, uint16_t rdlen);

/* ---- what a commit changed (zones/image.c) ------------------------------- */

/* The RRs one commit removed and added, each in uncompressed wire form
 * [owner][type][class IN][TTL][rdlength][rdata], the owner in the letter
 * case of its node; signatures are RRSIG RRs of their own with their
 * RRset's TTL (as AXFR and IXFR send them). When the commit changed the
 * apex SOA, the old SOA is the first removed RR and the new SOA the first
 * added one: the order of an IXFR diff. No RR is both removed and added;
 * order within each part is otherwise unspecified. Made on the commit
 * path only (zone_commit(), sig_zone_commit(), sig_zone_refresh()). */
typedef struct zone_rrdiff {
	uint8_t *data;    /* owned: the removed RRs, then the added RRs; NULL when empty */
	size_t size;      /* octets in data */
	uint32_t removed; /* RRs removed */
	uint32_t added;   /* RRs added */
} zone_rrdiff_t;

/* Free the RRs and empty the diff (caller storage, may be zeroed).
 * Accepts NULL. */
void zone_rrdiff_deinit(zone_rrdiff_t *diff);

/* Octets of the zone in transfer form, roughly: for every RR and
 * signature its owner, fixed fields, rdata length and rdata. Walks the
 * whole zone. */
uint64_t zone_octets(const zone_t *zone);

/* What the commit that made diff took from zone_octets() of its zone,
 * and what it added. */
void zone_rrdiff_octets(const zone_rrdiff_t *diff, uint64_t *removed, uint64_t *added);

/* Write one RR in that wire form at out (room for owner_len + 10 + rdlen
 * octets; owner is owner_len octets, written as it is). Returns the
 * octets written. */
size_t zone_rr_to_wire(uint8_t *out, const uint8_t *owner, size_t owner_len, uint16_t type,
                       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/* Length of the RR in that wire form at p (at most max octets); 0 when
 * it is not one. */
size_t zone_rr_wire_len(const uint8_t *p, size_t max);

/* (owner, type) pairs that a commit may change. The owners are borrowed:
 * each must stay valid until the list is used. */
typedef struct zone_rrkey {
	const uint8_t *owner; /* borrowed */
	uint16_t type;
} zone_rrkey_t;

typedef struct zone_rrkeys {
	zone_rrkey_t *items; /* owned array */
	size_t count;
	size_t cap;
} zone_rrkeys_t;

/* Append one pair, or the pair of every RR of list (RRs without a valid
 * owner are skipped: zone_apply() refuses them). Start from a zeroed
 * list. GW_OK or GW_ENOMEM. */
int zone_rrkeys_add(zone_rrkeys_t *keys, const uint8_t *owner, uint16_t type);
int zone_rrkeys_add_rrs(zone_rrkeys_t *keys, const ldns_rr_list *list);
/* Sort canonically by (owner, type) and drop repeats. */
void zone_rrkeys_sort(zone_rrkeys_t *keys);
/* Free the array; the list may be used again. */
void zone_rrkeys_deinit(zone_rrkeys_t *keys);

/* Copies of RRsets (data and signatures) as they were before a commit
 * changed them: what puts the zone back after a failure, and what the
 * commit's diff is computed against. */
typedef struct zone_image zone_image_t;

/* A new empty image; on success *out owns it. GW_OK or GW_ENOMEM. */
int zone_image_new(zone_image_t **out);
/* Accepts NULL. */
void zone_image_free(zone_image_t *img);

/* Save the RRsets named in keys (sorted by zone_rrkeys_sort()) as they
 * are now in zone, absent ones included, except those saved already: an
 * RRset is kept as it was before the first step that named it. GW_OK or
 * GW_ENOMEM (what was saved stays; free or restore as usual). */
int zone_image_save(zone_image_t *img, const zone_t *zone, const zone_rrkeys_t *keys);

/* Put every saved RRset back into zone, data then signatures. GW_OK or
 * the errors of zone_apply() and zone_set_sigs(). */
int zone_image_restore(const zone_image_t *img, zone_t *zone);

/* The RRs in which the saved RRsets and the same RRsets in zone now
 * differ, into diff (its previous content is freed). Exact as long as
 * every RRset the commit changed was saved first. GW_OK or GW_ENOMEM
 * (diff untouched). */
int zone_image_diff(const zone_image_t *img, const zone_t *zone, zone_rrdiff_t *diff);

/* The commit of an unsigned zone: apply cs (zone_apply() rules) and set
 * the SOA serial to new_serial, all or nothing. When diff is not NULL it
 * receives what changed (see zone_rrdiff_t). Errors: those of
 * zone_apply(), GW_ENOTFOUND (no SOA after cs), GW_ENOMEM; the zone is
 * then as before. */
int zone_commit(zone_t *zone, const zone_changeset_t *cs, uint32_t new_serial, zone_rrdiff_t *diff);
