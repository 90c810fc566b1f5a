/* dnssec/: keys, RRset signing, authenticated denial, key storage.
 *
 * Prefix sig_. Depends on common/, zones/ (the zone data types), ldns
 * (canonical form, RR text and wire forms, DS digests, BIND key files)
 * and OpenSSL 3 EVP (keys and signatures; no deprecated low-level APIs).
 *
 * Algorithms: 13 ECDSAP256SHA256 (default), 15 ED25519, 8 RSASHA256
 * (2048 bits or more).
 *
 * Threading: a sig_key_t is immutable after creation and may be used by
 * several signing threads at once (each signature gets its own EVP
 * context). Everything that touches a zone_t runs on the loop thread,
 * except sig_sign_zone(), which reads the zone from worker threads while
 * the caller waits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ldns/ldns.h>

#include "dnssec/roll_timing.h"
#include "zones/zone.h"

#define SIG_ALG_RSASHA256       8
#define SIG_ALG_ECDSAP256SHA256 13
#define SIG_ALG_ED25519         15

#define SIG_FLAGS_ZSK    256    /* Zone Key */
#define SIG_FLAGS_KSK    257    /* Zone Key + Secure Entry Point */
#define SIG_FLAGS_REVOKE 0x0080 /* RFC 5011 2.1 */

typedef enum {
	SIG_ROLE_CSK = 0, /* signs everything (flags 257) */
	SIG_ROLE_KSK = 1, /* signs the apex DNSKEY, CDS, CDNSKEY (flags 257) */
	SIG_ROLE_ZSK = 2, /* signs everything else (flags 256) */
} sig_role_t;

/* ---- keys (dnssec/key.c) ------------------------------------------------ */

typedef struct sig_key sig_key_t;

/* Parse "ecdsap256sha256", "ed25519", "rsasha256" (case-insensitive) or
 * the number. GW_OK or GW_EINVAL. */
int sig_algorithm_parse(const char *text, uint8_t *alg);
/* Mnemonic of an algorithm ("ECDSAP256SHA256"), static, never NULL. */
const char *sig_algorithm_name(uint8_t alg);

/* Generate a new key for zone apex (wire name, copied). rsa_bits is used
 * for RSASHA256 only (>= 2048). On success *out owns the key. Errors:
 * GW_EINVAL (algorithm), GW_ECRYPTO. */
int sig_key_generate(sig_key_t **out, uint8_t alg, sig_role_t role, const uint8_t *apex,
                     int rsa_bits);

/* Load a PKCS#8 PEM private key (a file of the key store). The file must
 * not be readable or writable by group or others (GW_EPERM with a log
 * line naming the file and the mode), nor a symbolic link (GW_EKEY,
 * logged); a missing file is -ENOENT; a key whose type does not match alg
 * is GW_EKEY. On success *out owns the key. */
int sig_key_load_pem(sig_key_t **out, const char *path, uint8_t alg, sig_role_t role,
                     const uint8_t *apex);

/* Write the private key as PKCS#8 PEM, mode 0600, atomically (temporary
 * file, fsync, rename, fsync of the directory). GW_OK, -errno or
 * GW_ECRYPTO. */
int sig_key_save_pem(const sig_key_t *key, const char *path);

/* Import a BIND/ldns key pair: public K<zone>+<alg>+<tag>.key and private
 * K<zone>+<alg>+<tag>.private (the private file's permissions are checked
 * as for PEM). The role follows the flags in the .key file (257: KSK, or
 * CSK when csk is true; 256: ZSK). The DNSKEY and so the key tag stay the
 * same, so the parent's DS does not change. */
int sig_key_import_bind(sig_key_t **out, const char *key_path, const char *private_path,
                        const uint8_t *apex, bool csk);

/* The same key with the REVOKE flag set (RFC 5011 2.1): a new DNSKEY,
 * so a new key tag; it signs as the original does. On success *out owns
 * it. GW_ECRYPTO, GW_ENOMEM. */
int sig_key_revoke(sig_key_t **out, const sig_key_t *key);

/* Accepts NULL. */
void sig_key_free(sig_key_t *key);

uint8_t sig_key_algorithm(const sig_key_t *key);
sig_role_t sig_key_role(const sig_key_t *key);
uint16_t sig_key_flags(const sig_key_t *key);
uint16_t sig_key_tag(const sig_key_t *key);

/* The tag key has with its REVOKE flag flipped: the tag it will have once
 * revoked, or, for a revoked key, the tag it had before. GW_OK,
 * GW_ENOMEM. */
int sig_key_flipped_tag(const sig_key_t *key, uint16_t *tag);

/* DNSKEY rdata in wire form (flags, protocol 3, algorithm, public key),
 * borrowed from the key. */
const uint8_t *sig_key_dnskey_rdata(const sig_key_t *key, uint16_t *len);

/* New RRs for the key at the apex, caller owns them: DNSKEY, CDNSKEY (same
 * rdata), DS and CDS with a SHA-256 digest (RFC 4509). */
int sig_key_dnskey_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out);
int sig_key_cdnskey_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out);
int sig_key_ds_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out);
int sig_key_cds_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out);

/* Sign data (the RFC 4034 3.1.8.1 signed data) with key; writes the
 * signature in DNSSEC wire form (ECDSA: r||s, 64 octets; Ed25519: 64;
 * RSA: modulus length) into sig (cap octets) and its length into *len.
 * Thread-safe. GW_OK, GW_ESPACE or GW_ECRYPTO. */
int sig_key_sign(const sig_key_t *key, const uint8_t *data, size_t data_len, uint8_t *sig,
                 size_t cap, size_t *len);

/* Octets of the key's signatures in DNSSEC wire form (the *len of
 * sig_key_sign()). */
size_t sig_key_sig_len(const sig_key_t *key);

/* ---- key store (dnssec/keystore.c) -------------------------------------- */

/* What a key does in the zone (keys/state, the USE column). */
#define SIG_USE_PUBLISH 0x01 /* in the apex DNSKEY RRset */
#define SIG_USE_SIGN    0x02 /* signs the types of its role */
#define SIG_USE_KEYSET  0x04 /* signs DNSKEY, CDS and CDNSKEY only */
#define SIG_USE_DS      0x08 /* the parent should hold its DS: CDS/CDNSKEY, ds files */
#define SIG_USE_REVOKED 0x10 /* published with the REVOKE flag (RFC 5011) */

typedef enum {
	SIG_ROLL_NONE = 0,
	SIG_ROLL_ZSK, /* pre-publish (RFC 7583 3.2.1) */
	SIG_ROLL_KSK, /* double-DS with a double-signed DNSKEY RRset */
	SIG_ROLL_CSK, /* the same, then the zone data moves to the new key */
	SIG_ROLL_ALG, /* every key to a new algorithm (RFC 6781 4.1.4) */
} sig_roll_kind_t;

/* Steps of a rollover; which ones a kind goes through is in keyroll.c. */
typedef enum {
	SIG_STEP_PUBLISH = 0, /* new key in the DNSKEY RRset, waiting for caches */
	SIG_STEP_DS_WAIT,     /* CDS/CDNSKEY name both keys; waiting for the parent */
	SIG_STEP_DS_SEEN,     /* the parent has the new DS; waiting for its caches */
	SIG_STEP_ACTIVE,      /* the new key signs; old signatures expire from caches */
	SIG_STEP_RETIRE,      /* the old key is gone from the zone; then deleted */
	SIG_STEP_SIGN,        /* algorithm: new keys sign, not yet published */
	SIG_STEP_REVOKE,      /* RFC 5011: the old KSK published revoked, signing the keyset */
} sig_roll_step_t;

typedef struct sig_key_policy {
	uint8_t algorithm; /* default SIG_ALG_ECDSAP256SHA256 */
	bool split;        /* false: one CSK; true: a KSK and a ZSK */
	int rsa_bits;      /* RSASHA256 only, default 2048 */
	/* BIND key pairs to import on first start instead of generating:
	 * paths of the .key files (the .private file sits beside each).
	 * Borrowed; NULL when import_count is 0. */
	const char *const *import;
	size_t import_count;
	/* With no key state but signs of an earlier store (key files in
	 * keys/, or the DS and trust anchor files): false refuses to start
	 * (GW_EKEY, the files and the way out logged), true makes new keys
	 * anyway, which needs a new DS at the parent (--new-keys). */
	bool new_keys;
} sig_key_policy_t;

/* The zone's keys and their metadata, kept in the state directory:
 *   <state>/keys/<tag>-<alg>-<role>.pem   private keys, 0600
 *   <state>/keys/state                    metadata, written atomically
 *   <state>/ds                            DS records (zone file form)
 *   <state>/trust-anchor.conf             for delv and BIND (-a FILE)
 *   <state>/trust-anchor.ds               for Unbound (trust-anchor-file)
 * Directories are created 0700. */
typedef struct sig_keystore sig_keystore_t;

/* Open the store for apex under state_dir. With no metadata yet, keys are
 * made (or imported) per policy and saved; with metadata, every key it
 * lists is loaded and a missing or unreadable key file is an error
 * (GW_EKEY, logged with the path): never a silent new key, which would
 * break the chain of trust. Metadata missing beside key files or DS files
 * of an earlier store is GW_EKEY too, unless policy->new_keys. A store whose keys do not match the
 * policy's algorithm keeps its keys and logs a warning (rollovers are separate). While open, the
 * store holds a lock on <state>/keys: a second open of the same directory, by this process or
 * another, is GW_EBUSY until sig_keystore_free(). On success *out owns the store. */
int sig_keystore_open(sig_keystore_t **out, const char *state_dir, const uint8_t *apex,
                      const sig_key_policy_t *policy);

/* Accepts NULL. */
void sig_keystore_free(sig_keystore_t *ks);

/* The keys, borrowed; count in *count. */
sig_key_t *const *sig_keystore_keys(const sig_keystore_t *ks, size_t *count);

/* When key i (an index into sig_keystore_keys()) was made and first
 * published, seconds since the epoch as keys/state keeps them (an
 * imported key: when it was imported). GW_OK or GW_ENOTFOUND. */
int sig_keystore_key_times(const sig_keystore_t *ks, size_t i, int64_t *created,
                           int64_t *published);

/* Write the DS file and the trust anchor files (atomically) and log the
 * DS records. GW_OK or -errno. */
int sig_keystore_publish_ds(const sig_keystore_t *ks, uint32_t ttl);

/* What key i does now (SIG_USE_*). */
uint8_t sig_keystore_key_use(const sig_keystore_t *ks, size_t i);

/* True while CDS/CDNSKEY DELETE is asked for (sig_keystore_set_insecure). */
bool sig_keystore_insecure(const sig_keystore_t *ks);

/* ---- rollovers (dnssec/keyroll.c) ---------------------------------------
 *
 * One rollover at a time, as a state machine kept in keys/state: every
 * step is written there (atomically) before the caller makes it take
 * effect in the zone, and the zone is always built from what the state
 * says, so a kill at any point resumes at the step written last, without
 * skipping or repeating one. Times are the caller's clock (seconds). */

typedef struct sig_roll_info {
	sig_roll_kind_t kind; /* SIG_ROLL_NONE: no rollover */
	sig_roll_step_t step;
	uint16_t old_tag, new_tag;
	uint8_t old_alg, new_alg;
	int64_t since; /* when the step took effect */
	/* When the next step is due; 0 when it waits for the DS at the
	 * parent (sig_keystore_ds_seen()). */
	int64_t next;
} sig_roll_info_t;

const char *sig_roll_kind_name(sig_roll_kind_t kind);
const char *sig_roll_step_name(sig_roll_step_t step);
/* "zsk", "ksk", "csk", "algorithm" into *kind. GW_OK or GW_EINVAL. */
int sig_roll_kind_parse(const char *text, sig_roll_kind_t *kind);

/* The rollover under way with its next due time under iv. */
void sig_keystore_roll_info(const sig_keystore_t *ks, const sig_roll_intervals_t *iv,
                            sig_roll_info_t *out);

/* Start a rollover of kind now: a new key of the same algorithm as the
 * one it replaces, saved, and the state written. GW_EBUSY (a rollover is
 * under way), GW_EINVAL (no key of that role: a ZSK rollover of a CSK
 * zone, ...), GW_ECRYPTO, -errno. */
int sig_keystore_roll_start(sig_keystore_t *ks, sig_roll_kind_t kind, int64_t now);

/* Start an algorithm rollover to alg now (RFC 6781 4.1.4): a new key of
 * alg for each role in use (a CSK, or a KSK and a ZSK), saved, and the
 * state written. GW_EINVAL also when the keys already use alg. */
int sig_keystore_roll_start_alg(sig_keystore_t *ks, uint8_t alg, int64_t now);

/* Take the next step when it is due at now. *changed is true when a step
 * was written (the caller rebuilds the zone's keys, signatures and DS
 * files); *next is when to call again (0: only after ds_seen or a start).
 * A failed write leaves the store as it was. */
int sig_keystore_roll_advance(sig_keystore_t *ks, const sig_roll_intervals_t *iv, int64_t now,
                              bool *changed, int64_t *next);

/* The step under way took effect in the zone only at now (its commit
 * failed when the step was taken, a full disk, and went in later; or the
 * zone was signed again in parts): its waits count from now, and the
 * state is written. *late: the seconds the step moved (0: none; the
 * caller says why). GW_OK also with no rollover, or a step already
 * stamped at now or later; a failed write leaves the store as it was. */
int sig_keystore_roll_took_effect(sig_keystore_t *ks, int64_t now, int64_t *late);

/* Does the step under way wait for the signatures of keys that sign
 * anew (a ZSK's or CSK's active step, an algorithm rollover's sign)? */
bool sig_keystore_roll_signs_anew(const sig_keystore_t *ks);

/* The wall clock was set, moving it by delta seconds against elapsed time
 * (a time sync after a boot without a clock): the step under way keeps
 * the time it has waited, its start moved by delta, and the state is
 * written. Counted from the old start, a step forward would pass for time
 * the new keys were out, and the next step could come before any resolver
 * could have fetched them. Only a start this process took from its clock
 * moves: one read from keys/state was written by an earlier start, under
 * another clock. GW_OK also with no rollover; on a failed write the
 * moved start is kept in memory (the caller logs the error). */
int sig_keystore_roll_clock_set(sig_keystore_t *ks, int64_t delta);

/* The new DS is at the parent (a command, or the ds-check query): from
 * SIG_STEP_DS_WAIT to SIG_STEP_DS_SEEN. GW_EINVAL when not waiting. */
int sig_keystore_ds_seen(sig_keystore_t *ks, int64_t now);

/* Publish CDS/CDNSKEY DELETE (RFC 8078) instead of the keys' records, or
 * stop doing so. Persisted. */
int sig_keystore_set_insecure(sig_keystore_t *ks, bool on);

/* ---- the keys in the zone (dnssec/keyroll_zone.c) ----------------------- */

/* The keys that sign now (USE S or K), for a sig_signer_t: into keys and
 * keyset_only (true for K: the keyset only), at most cap. Returns the
 * number. Borrowed from the store until its next change. */
size_t sig_keystore_signing_keys(const sig_keystore_t *ks, sig_key_t **keys, bool *keyset_only,
                                 size_t cap);

/* The apex records the store asks for, appended to out (caller owns
 * them): a DNSKEY per published key, CDS and CDNSKEY per key whose DS the
 * parent should hold, or instead the RFC 8078 DELETE pair (CDS 0 0 0 00,
 * CDNSKEY 0 3 0 AA==) after sig_keystore_set_insecure(). GW_OK or
 * GW_ENOMEM. */
int sig_keystore_apex_rrs(const sig_keystore_t *ks, uint32_t ttl, ldns_rr_list *out);

/* Queue into cs what turns the apex DNSKEY, CDS and CDNSKEY RRsets of
 * zone into sig_keystore_apex_rrs(): only the RRs that differ. */
int sig_keystore_apex_changes(const sig_keystore_t *ks, const zone_t *zone, uint32_t ttl,
                              zone_changeset_t *cs);

/* ---- signing (dnssec/sign.c) -------------------------------------------- */

typedef struct sig_signer {
	sig_key_t *const *keys; /* borrowed: the keys that sign */
	size_t key_count;
	/* Borrowed, key_count entries, or NULL: where true, the key signs
	 * only DNSKEY, CDS and CDNSKEY whatever its role (a new CSK before
	 * the parent has its DS). */
	const bool *keyset_only;
	const uint8_t *apex;       /* borrowed: signer name (wire, lowercase) */
	uint32_t validity;         /* seconds a signature is valid, default 14 days */
	uint32_t refresh;          /* re-sign when less than this remains, default 7 days */
	uint32_t jitter;           /* expiration spread: up to this much earlier */
	uint32_t inception_offset; /* inception this far in the past, default 3600 */
} sig_signer_t;

/* Sign one RRset at owner: one RRSIG per key whose role covers type
 * (KSK: DNSKEY/CDS/CDNSKEY; ZSK: the rest; CSK: all). The signed data is
 * built in canonical form through ldns (RFC 4034 3.1.8.1 and 6.2: owner
 * lowercased, rdata names of the listed types lowercased, RRs sorted,
 * duplicates removed), with the RRset's TTL as original TTL. The
 * expiration is now + validity - jitter * r for a random r in [0,1)
 * drawn per RRset (so signatures of a zone do not all expire together).
 * On success *sigs is a malloc'ed buffer (caller frees) of *count RRSIG
 * rdatas in the zone_rrset_t layout ([2-octet len][rdata]...), ready for
 * zone_set_sigs(), and *len its size. Thread-safe. */
int sig_sign_rrset(const sig_signer_t *signer, const uint8_t *owner, const zone_rrset_t *rrset,
                   time_t now, uint8_t **sigs, uint32_t *len, uint16_t *count);

/* Does this RRset need (re)signing at now: unsigned, or a signature
 * expires within the refresh window, or a key has no signature over it. */
bool sig_rrset_needs_signing(const sig_signer_t *signer, const zone_rrset_t *rrset, time_t now);

/* Sign every RRset of the zone that needs it (all of them with force),
 * using threads workers (<= 1: the calling thread only), then attach the
 * signatures with zone_set_sigs() on the calling thread. *signed_count
 * (may be NULL) receives the number of RRsets signed. */
int sig_sign_zone(const sig_signer_t *signer, zone_t *zone, time_t now, bool force,
                  unsigned threads, size_t *signed_count);

/* Earliest time at which some RRset of the zone will need re-signing
 * (expiration - refresh; now for a signature whose inception is still
 * ahead), or 0 when nothing is signed. For the refresh timer. */
time_t sig_zone_next_refresh(const sig_signer_t *signer, const zone_t *zone);

/* ---- signatures kept across a restart (dnssec/adopt.c) ------------------ */

/* Take over for the RRset (owner, old->type) of zone the signatures it
 * had when served before a restart: old is that RRset as it was (e.g.
 * from gw_journal_each_last()), its RRSIGs in old->sigs. Only when zone's
 * RRset is signable, holds no signatures yet and has exactly old's RRs
 * and TTL, and only the RRSIGs that cover that type and TTL, name the
 * signer's apex, come from a key the signer signs that type with, and
 * hold at now for longer than the refresh window. *adopted is set when
 * some were taken. *behind is set when old had such RRSIGs in good time
 * but not from every key that signs the type now: what was served was
 * not yet signed for the keys (a key change whose re-signing the restart
 * cut off). Run sig_sign_zone() with force false afterwards: it
 * signs what is still missing (a new key, a changed RRset). GW_OK,
 * GW_ENOMEM and the errors of zone_set_sigs(). */
int sig_adopt_rrset(const sig_signer_t *signer, zone_t *zone, const uint8_t *owner,
                    const zone_rrset_t *old, time_t now, bool *adopted, bool *behind);

/* ---- authenticated denial (dnssec/denial.c) ----------------------------- */

/* NSEC TTL per RFC 9077: min(SOA TTL, SOA MINIMUM). GW_ENOTFOUND without
 * an SOA. */
int sig_nsec_ttl(const zone_t *zone, uint32_t *ttl);

/* Fill cs with the changes that make the zone's NSEC chain complete and
 * correct for every node (owner and next name lowercased, type bitmap of
 * the node's types plus NSEC and RRSIG): NSECs to add where missing or
 * wrong, to remove where stale or where the node is gone. Touches only
 * what differs, so after an ordinary changeset it yields the few NSECs
 * around the changed names. The caller applies cs with zone_apply(). */
int sig_nsec_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs);

/* Make the zone's NSEC chain complete and correct, as applying what
 * sig_nsec_update() queues does. A zone without any NSEC yet (a start)
 * gets every NSEC in wire form in one zone_add_wire(), without ldns
 * objects per name; else this goes through sig_nsec_update(). Nothing
 * is held after it returns. GW_OK, GW_ENOMEM, GW_ELIMIT and the errors of
 * zone_apply() and zone_add_wire(); the zone is unchanged on an error. */
int sig_nsec_build(zone_t *zone, uint32_t ttl);

/* Same as sig_nsec_update() but only examines the given owners (lowercase
 * wire names of changed nodes, as zone_apply() reports them) and their
 * neighbours; for incremental changes on large zones. */
int sig_nsec_update_around(const zone_t *zone, uint32_t ttl, const zone_change_t *changed,
                           size_t changed_count, zone_changeset_t *cs);

/* ---- NSEC3 (dnssec/nsec3.c) ---------------------------------------------
 *
 * RFC 5155 with the parameters RFC 9276 asks for: SHA-1, no additional
 * iterations, an empty salt, no opt-out (flags 0). An NSEC3PARAM at the
 * apex says that the zone uses NSEC3; the NSEC3 RRs live at hashed owner
 * names one label below the apex, as nodes of the zone that zones/ also
 * lists in hash order (zone_hashed_*). Every name of the zone that is in
 * the chain (authoritative names, delegation points, and the empty
 * non-terminals above them, RFC 5155 7.1) has one. */

#define SIG_NSEC3_HASH_LEN 20
/* The hashed label: 32 base32hex characters. */
#define SIG_NSEC3_LABEL_LEN 32

/* Hash of name (any letter case): SHA-1 over its canonical (lowercase)
 * wire form, RFC 5155 5 with 0 iterations and no salt. GW_OK or
 * GW_ECRYPTO. */
int sig_nsec3_hash(const uint8_t *name, uint8_t hash[SIG_NSEC3_HASH_LEN]);

/* The hashed owner name of name in the zone at apex:
 * <base32hex(hash), lowercase>.<apex>, into out (ZONE_NAME_MAXLEN octets).
 * Returns its length, or GW_ELIMIT when apex is too long to hold it, or
 * GW_ECRYPTO. */
int sig_nsec3_owner(uint8_t *out, const uint8_t *name, const uint8_t *apex);

/* The NSEC3 of name in zone: *match is the NSEC3 owner of name's hash
 * (NULL when the zone has none), *prev the NSEC3 owner before that hash in
 * hash order, wrapping (the one that covers it when *match is NULL; NULL
 * only without NSEC3s). owner (ZONE_NAME_MAXLEN octets, may be NULL)
 * receives the hashed owner name. GW_OK or the errors of
 * sig_nsec3_owner(). */
int sig_nsec3_find(const zone_t *zone, const uint8_t *name, uint8_t *owner,
                   const zone_node_t **match, const zone_node_t **prev);

/* Does the zone use NSEC3 (an NSEC3PARAM RRset at the apex)? */
bool sig_zone_uses_nsec3(const zone_t *zone);

/* Is node an NSEC3 owner (a hashed name, not one of the zone's own
 * names)? */
bool sig_node_is_nsec3(const zone_t *zone, const zone_node_t *node);

/* Fill cs with the changes that make the zone an NSEC3 zone whose chain
 * is complete and correct: the NSEC3PARAM at the apex, one NSEC3 per name
 * in the chain (next hashed owner, type bitmap of the name's types plus
 * RRSIG where the name is signed; empty for an empty non-terminal), at
 * ttl; stale NSEC3s and any NSEC removed. Touches only what differs. The
 * caller applies cs with zone_apply(). */
int sig_nsec3_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs);

/* Same as sig_nsec3_update() but only for the names a change touched
 * (changed, as zone_apply() reports them), their ancestors (which may
 * become or stop being empty non-terminals) and, when NS changed below
 * the apex, every name below it; plus the NSEC3s whose next hashed owner
 * moves because one came or went. Falls back to the whole chain when
 * the TTL or the NSEC3PARAM differ. */
int sig_nsec3_update_around(const zone_t *zone, uint32_t ttl, const zone_change_t *changed,
                            size_t changed_count, zone_changeset_t *cs);

/* ---- verification, for tests and self-checks (dnssec/verify.c) --------- */

/* Verify the whole zone in process with ldns: every RRset has a valid
 * RRSIG from each key that must sign it, at now; the NSEC chain covers
 * every node in canonical order and wraps to the apex; bitmaps match.
 * When the apex has an NSEC3PARAM (sig_zone_uses_nsec3()), the NSEC3
 * chain instead: the NSEC3PARAM is one RR with the RFC 9276 parameters;
 * no NSEC anywhere; every name of the chain and every empty non-terminal
 * above one has an NSEC3 at its hashed owner (RFC 9276 parameters, NSEC
 * TTL, bitmap of its types plus RRSIG where signed) and no other NSEC3
 * owner exists; no two names share a hash; in hash order each next
 * hashed owner is the following hash, the last wrapping to the first;
 * NSEC3 owners hold nothing else. On failure returns GW_ECRYPTO (a
 * signature) or GW_ESEMANTIC (the records; GW_EINVAL without keys,
 * GW_ENOMEM) and writes the first problem (name and what is wrong) into
 * errbuf. */
int sig_verify_zone(const zone_t *zone, sig_key_t *const *keys, size_t key_count, time_t now,
                    char *errbuf, size_t errlen);

/* Signatures a verification found valid, remembered by the SHA-256 of the
 * key's DNSKEY rdata, the signed data (RRSIG fields and the canonical
 * RRset) and the signature: a caller that verifies the same zone after
 * every small change (the change-stream tests) then pays the public-key
 * operation only for the signatures it has not seen. The result is the
 * same as without it: a signature is a function of exactly those bytes,
 * and every other rule (inception, expiry, labels, TTL, signer, chains) is
 * checked on every call. At most SIG_VERIFY_MEMO_MAX digests; past that
 * it forgets them all and starts again. */
typedef struct sig_verify_memo sig_verify_memo_t;

#define SIG_VERIFY_MEMO_MAX 65536

/* *out (owned by the caller, freed with sig_verify_memo_free()): an empty
 * memo. GW_OK or GW_ENOMEM. */
int sig_verify_memo_new(sig_verify_memo_t **out);
/* Accepts NULL. */
void sig_verify_memo_free(sig_verify_memo_t *memo);
/* Digests remembered now. */
size_t sig_verify_memo_count(const sig_verify_memo_t *memo);

/* sig_verify_zone() that asks memo (borrowed; NULL: none) before each
 * public-key operation and adds each signature that verifies. */
int sig_verify_zone_memo(const zone_t *zone, sig_key_t *const *keys, size_t key_count, time_t now,
                         sig_verify_memo_t *memo, char *errbuf, size_t errlen);

/* ---- one signed change (dnssec/commit.c) -------------------------------- */

/* Apply cs to a signed zone and keep it signed, as one step: apply the
 * changes (zone_apply() rules), bring the NSEC chain up to date around the
 * changed names (sig_nsec_update_around(); the whole chain when the NSEC
 * TTL changed), set the SOA serial to new_serial, then sign what changed:
 * the changed RRsets, the changed NSECs and the SOA (and drop signatures
 * from data that a new delegation point turned into glue). Every other
 * signature is left as it is. new_serial must equal the current serial or
 * follow it in RFC 1982 terms (GW_EINVAL otherwise). On any error the zone
 * is as it was before the call (data, NSECs, serial and signatures).
 * *resigned (may be NULL) receives the number of RRsets signed. When diff
 * is not NULL, on success it receives every RR the commit removed and
 * added (zone_rrdiff_t: data, NSEC or NSEC3, RRSIG, DNSKEY, the SOA; its
 * previous content is freed; the caller deinitialises it). Loop thread
 * only. Errors: those of zone_apply(), sig_sign_rrset() (GW_EKEY,
 * GW_ECRYPTO), GW_ENOTFOUND (no SOA), GW_ENOMEM. */
int sig_zone_commit(const sig_signer_t *signer, zone_t *zone, const zone_changeset_t *cs,
                    time_t now, uint32_t new_serial, size_t *resigned, zone_rrdiff_t *diff);

/* The signature refresh as a commit: re-sign every RRset that needs it at
 * now (sig_rrset_needs_signing(); signatures over glue dropped), using
 * threads workers, set the serial to new_serial and sign the SOA, all or
 * nothing as sig_zone_commit(), with *resigned and diff as there. With
 * max > 0, only the first max RRsets due in canonical order (a node's
 * RRsets are taken whole, and the SOA comes on top), so that a zone
 * whose signatures all fall due at once (the wall clock set forward
 * past them) is re-signed in parts, each a commit, rather than in one
 * that holds the loop for seconds; what is left is due at the next
 * call. When nothing needs signing the zone is left alone (serial
 * included), *resigned is 0 and diff is not touched. */
int sig_zone_refresh(const sig_signer_t *signer, zone_t *zone, time_t now, unsigned threads,
                     size_t max, uint32_t new_serial, size_t *resigned, zone_rrdiff_t *diff);
