/* A key store in a temporary directory, for the rollover tests
 * (test_dnssec_roll.c, test_dnssec_roll_check.c). Header-only, included
 * once per test program. */
#pragma once

#include <ftw.h>
#include <limits.h>

#include "sign_fixture.h"

/* ---- a store in a temporary directory ------------------------------------- */

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

typedef struct {
	char dir[64];
	char state[PATH_MAX];
	uint8_t apex[ZONE_NAME_MAXLEN];
	sig_key_policy_t policy;
	sig_keystore_t *ks;
} store_t;

static inline void store_open(store_t *s)
{
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&s->ks, s->state, s->apex, &s->policy), GW_OK);
}

/* kill -9 and restart: everything in memory goes, the store is read back. */
static inline void store_reload(store_t *s)
{
	sig_keystore_free(s->ks);
	s->ks = NULL;
	store_open(s);
}

static inline void store_init_alg(store_t *s, bool split, uint8_t alg)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/gw-roll-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(s->dir) != NULL);
	snprintf(s->state, sizeof(s->state), "%s/state", s->dir);
	tname(s->apex, APEX);
	s->policy = (sig_key_policy_t){.algorithm = alg, .split = split, .rsa_bits = 2048};
	store_open(s);
}

static inline void store_init(store_t *s, bool split)
{
	store_init_alg(s, split, SIG_ALG_ECDSAP256SHA256);
}

/* Start kind (to_alg for an algorithm rollover). */
static inline int start(sig_keystore_t *ks, sig_roll_kind_t kind, uint8_t to_alg, int64_t now)
{
	return kind == SIG_ROLL_ALG ? sig_keystore_roll_start_alg(ks, to_alg, now)
	                            : sig_keystore_roll_start(ks, kind, now);
}

static inline void store_done(store_t *s)
{
	sig_keystore_free(s->ks);
	nftw(s->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}
