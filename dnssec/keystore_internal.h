/* dnssec/keystore_internal.h: the key store's insides, shared by
 * keystore.c (files) and keyroll.c (the rollover state machine). Internal
 * to dnssec/. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "dnssec/dnssec.h"

#define SIG_KS_FILE_NAME_MAX 64
#define SIG_KS_KEYS_MAX      16 /* far more than any rollover keeps at once */
#define SIG_KS_NAME_TEXT_MAX (LDNS_MAX_DOMAINLEN * 4 + 1)

typedef struct {
	char file[SIG_KS_FILE_NAME_MAX]; /* name inside keys/ */
	uint16_t file_tag;               /* the tag without REVOKE: names the key in keys/state */
	int64_t created;
	int64_t published;
	int64_t active;
	uint8_t use; /* SIG_USE_* */
} ks_meta_t;

/* The rollover under way (kind SIG_ROLL_NONE: none). Keys are named by
 * tag and algorithm, which the store keeps unique (sig_ks_key_fresh()). */
typedef struct {
	sig_roll_kind_t kind;
	sig_roll_step_t step;
	uint16_t old_tag, new_tag;
	uint8_t old_alg, new_alg;
	int64_t since; /* when the step took effect */
	/* since was taken from this process's clock, not read from
	 * keys/state: a step of that clock moves it (it was written under
	 * the clock now corrected); one read was written by an earlier start,
	 * under a clock that step says nothing of. */
	bool here;
} ks_roll_t;

struct sig_keystore {
	sig_key_t **keys; /* owned; count entries */
	ks_meta_t *meta;  /* count entries, parallel to keys */
	size_t count;
	ks_roll_t roll;
	bool cds_delete; /* CDS/CDNSKEY DELETE (RFC 8078) instead of the keys' */
	char *state_dir;
	char *keys_dir;
	char *state_path;
	char *pending_path; /* keys/pending: key files of an unfinished first start */
	int lock_fd;        /* keys/ opened and flock'ed while the store is open */
	uint8_t apex[ZONE_NAME_MAXLEN];
	char apex_text[SIG_KS_NAME_TEXT_MAX];
	int rsa_bits; /* for keys made by a rollover */
};

extern const char *const sig_ks_role_names[3];

/* dir/name, malloc'ed; NULL when out of memory. */
char *sig_ks_path_join(const char *dir, const char *name);

/* Append key (taken on GW_OK) with its file name and times; use per
 * role. GW_ELIMIT, GW_ENOMEM. */
int sig_ks_add_key(sig_keystore_t *ks, sig_key_t *key, int64_t now);

/* Whether key (borrowed) may join ks: *fresh is false when its tag, or
 * the tag it will have once revoked, is a tag that a key of ks has, had
 * before it was revoked or will have once revoked (validators cope with
 * two keys sharing a tag, but keys/ and keys/state name keys by tag and
 * algorithm), or when its file name is taken in keys/. GW_OK, GW_ENOMEM. */
int sig_ks_key_fresh(const sig_keystore_t *ks, const sig_key_t *key, bool *fresh);

/* Generate a key of alg and role (RSA: rsa_bits) that is fresh for ks
 * and append it as sig_ks_add_key() does; not saved. A few tries; then
 * GW_EEXIST. Else sig_key_generate()'s and sig_ks_add_key()'s errors. */
int sig_ks_generate(sig_keystore_t *ks, uint8_t alg, sig_role_t role, int rsa_bits, int64_t now);

/* Drop key i from memory (its file stays until the caller unlinks it). */
void sig_ks_drop_key(sig_keystore_t *ks, size_t i);

/* Replace key i by its revoked form (RFC 5011) and mark it so (in
 * memory). *was (may be NULL: freed) gets the key object replaced, the
 * caller's, to put back if what follows fails; NULL when i was revoked
 * already. GW_OK, GW_ECRYPTO, GW_ENOMEM. */
int sig_ks_revoke(sig_keystore_t *ks, size_t i, sig_key_t **was);

/* A usable set has a key for the apex DNSKEY RRset (CSK or KSK) and one
 * for everything else (CSK or ZSK): GW_OK, else GW_EKEY, logged with
 * origin (what the keys came from). */
int sig_ks_check_roles(const sig_keystore_t *ks, const char *origin);

/* ---- keys/state (keystore_state.c) ---- */

/* Write keys/state from ks, atomically (the commit point of every
 * change). GW_OK or -errno / GW_EIO. */
int sig_ks_save_state(const sig_keystore_t *ks);

/* Read keys/state from fp (borrowed; the caller closes it) into ks, each
 * key it lists loaded from its file in keys/; every problem logged.
 * GW_OK, GW_EPARSE (a line not as it is written, a NUL in one), GW_EKEY
 * (a file past 64 KiB, a version, a zone or a key that does not fit),
 * GW_EPERM, GW_ECRYPTO, GW_ENOMEM, -errno (fstat). */
int sig_ks_load_state(sig_keystore_t *ks, FILE *fp);

/* keyroll.c: is step one of kind's (the RFC 5011 revoke step: a KSK's
 * or a CSK's)? keys/state names no other. */
bool sig_ks_roll_step_known(sig_roll_kind_t kind, sig_roll_step_t step);

/* What a key of role does when no rollover says otherwise. */
static inline uint8_t sig_ks_default_use(sig_role_t role)
{
	return (uint8_t)(SIG_USE_PUBLISH | SIG_USE_SIGN | (role == SIG_ROLE_ZSK ? 0 : SIG_USE_DS));
}
