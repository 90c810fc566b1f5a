/* dnssec/sign_internal.h: what the signing files (sign.c, denial.c,
 * verify.c, commit.c, authority.c) share. Internal to dnssec/.
 *
 * Authority (RFC 4035 2.2 and 2.3): a name in the NSEC chain holds data
 * (an RRset other than NSEC and RRSIG) and is not below a delegation
 * point. At a delegation point (NS below the apex) only DS and NSEC are
 * signed and the bitmap lists NS, DS, NSEC and RRSIG; names below it are
 * glue or occluded: no NSEC, no signatures. A node holding only an NSEC
 * (its data was removed) is not a live name either. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dnssec/dnssec.h"
#include "zones/zone.h"

/* RRSIG rdata (RFC 4034 3.1): fixed fields, then the signer name, then
 * the signature. */
#define SIG_RRSIG_FIXED      18
#define SIG_RRSIG_OFF_TYPE   0
#define SIG_RRSIG_OFF_ALG    2
#define SIG_RRSIG_OFF_LABELS 3
#define SIG_RRSIG_OFF_TTL    4
#define SIG_RRSIG_OFF_EXPIRE 8
#define SIG_RRSIG_OFF_INCEPT 12
#define SIG_RRSIG_OFF_TAG    16

/* ---- the verification memo (verify_memo.c, for verify.c) ---------------- */

#define SIG_VERIFY_DIGEST_LEN 32

/* digest = SHA-256 of the three lengths, then the key's DNSKEY rdata, the
 * signed data and the signature. GW_OK or GW_ECRYPTO. */
int sig_verify_memo_digest(sig_verify_memo_t *memo, const uint8_t *dnskey, size_t dnskey_len,
                           const uint8_t *data, size_t data_len, const uint8_t *sig, size_t sig_len,
                           uint8_t digest[SIG_VERIFY_DIGEST_LEN]);
/* Was digest added (and not forgotten since)? */
bool sig_verify_memo_has(const sig_verify_memo_t *memo, const uint8_t *digest);
/* Remember digest (a copy). GW_OK or GW_ENOMEM. */
int sig_verify_memo_add(sig_verify_memo_t *memo, const uint8_t *digest);

/* Does a key of role sign RRsets of type (the table of sig_role_t)? */
bool sig_role_signs(sig_role_t role, uint16_t type);

/* Does the signer's key i sign RRsets of type (its role, or DNSKEY, CDS
 * and CDNSKEY only while keyset_only)? */
bool sig_key_signs(const sig_signer_t *signer, size_t i, uint16_t type);

/* The time a 32-bit RRSIG time field stands for: the one nearest ref
 * (RFC 4034 3.1.5 serial number arithmetic). */
time_t sig_time_from_wire(uint32_t t, time_t ref);

typedef enum {
	SIG_NODE_OUT = 0, /* not in the chain: no data, or below a delegation */
	SIG_NODE_AUTH,    /* authoritative name (the apex too) */
	SIG_NODE_CUT,     /* delegation point: NS below the apex */
} sig_node_kind_t;

/* True when node holds an RRset other than NSEC and RRSIG. */
bool sig_node_has_data(const zone_node_t *node);

/* Kind of one node, looking its ancestors up in the zone (for the few
 * nodes around a change). */
sig_node_kind_t sig_node_kind(const zone_t *zone, const zone_node_t *node);

/* Kinds of all nodes in one pass: call sig_walk_kind() for every node in
 * canonical order, starting from a zeroed sig_walk_t. Descendants follow
 * their ancestor in canonical order, so the last delegation point seen is
 * enough to know whether a node is below one. */
typedef struct sig_walk {
	const uint8_t *cut_key; /* key of the last delegation point, borrowed */
	uint16_t cut_key_len;
} sig_walk_t;

sig_node_kind_t sig_walk_kind(sig_walk_t *walk, const zone_t *zone, const zone_node_t *node);

/* Is an RRset of type at a node of kind signed? */
bool sig_rrset_signable(sig_node_kind_t kind, uint16_t type);

/* The type bitmap (RFC 4034 4.1.2, RFC 5155 3.2) that the denial record
 * of type denial (NSEC or NSEC3) of node, of kind (not SIG_NODE_OUT),
 * lists: the node's types (at a delegation point NS and DS only), RRSIG
 * when something listed is signed, and for NSEC the NSEC itself; with
 * apex set, an NSEC3 bitmap lists NSEC3PARAM whether the node holds it yet
 * or not. *out (caller frees) is NULL when nothing is listed. GW_OK or
 * GW_ENOMEM. */
int sig_type_bitmap(const zone_node_t *node, sig_node_kind_t kind, uint16_t denial, bool apex,
                    ldns_rdf **out);
/* The NSEC bitmap of node: never empty. Caller frees; NULL when out of
 * memory. */
ldns_rdf *sig_nsec_bitmap(const zone_node_t *node, sig_node_kind_t kind);

/* The next node in the NSEC chain after node (wrapping to the apex),
 * skipping nodes that are not in the chain; node itself when it is the
 * only one. */
const zone_node_t *sig_chain_next(const zone_t *zone, const zone_node_t *node);

/* "owner TYPE" for messages into buf (always NUL-terminated). */
void sig_describe(char *buf, size_t len, const uint8_t *owner, uint16_t type);

/* One RRset to sign (or, with sign false, whose signatures to remove). */
typedef struct sig_job {
	const zone_node_t *node;
	const zone_rrset_t *rrset;
	bool sign;
	uint8_t *sigs; /* result, owned by the caller; NULL and 0 when not signed */
	uint32_t len;
} sig_job_t;

/* Sign the jobs whose sign is set, split into threads slices (the calling
 * thread signs one; threads <= 1: the calling thread only). Workers only
 * read the zone and write their own jobs, so the zone must not change
 * meanwhile. GW_OK or the first error of sig_sign_rrset(); results of
 * other jobs are left for the caller to free either way. */
int sig_sign_jobs(const sig_signer_t *signer, sig_job_t *jobs, size_t count, time_t now,
                  unsigned threads);

/* The jobs of the whole zone, in canonical order: every signable RRset
 * that needs signing at now (all of them with force) and every RRset
 * that holds signatures it must not have (glue, data below a delegation);
 * with max > 0, only the first max RRsets to sign (and the RRsets to
 * clear before the last of them). On GW_OK *jobs is a malloc'ed array
 * (caller frees it, and the sigs of each job once signed; NULL when
 * *count is 0). GW_ENOMEM. */
int sig_zone_jobs(const sig_signer_t *signer, const zone_t *zone, time_t now, bool force,
                  size_t max, sig_job_t **jobs, size_t *count);

/* sig_sign_jobs(), then every job's signatures into zone (the signed ones
 * and the emptied ones alike), adding the signed ones to *nsigned. GW_OK,
 * the errors of sig_sign_jobs() or zone_set_sigs(). */
int sig_sign_jobs_into(const sig_signer_t *signer, zone_t *zone, sig_job_t *jobs, size_t count,
                       time_t now, unsigned threads, size_t *nsigned);
