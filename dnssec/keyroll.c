/* Key rollovers as a state machine kept in keys/state.
 *
 * ZSK, pre-publish (RFC 7583 3.2.1):
 *   publish  new key in the DNSKEY RRset only          wait Ipub = Dprp + TTLkey
 *   active   new key signs, old one stays published    wait Iret = Dsgn + Dprp + TTLsig
 *   retire   old key out of the DNSKEY RRset           wait Dprp + TTLkey, delete it
 * KSK, double-DS (RFC 7583 3.3.2) with the DNSKEY RRset signed by both
 * keys throughout, so that any mix of cached DS and DNSKEY RRsets
 * validates:
 *   publish  new key published and signing the keyset  wait Ipub (or the hold-down)
 *   ds-wait  CDS/CDNSKEY for both keys                 until the DS is seen
 *   ds-seen  the parent has the new DS                 wait Dprp(P) + TTLds
 *   retire   old key out, CDS/CDNSKEY for the new one  wait Dprp + TTLkey, delete it
 * CSK: as the KSK, except that the new key signs only the keyset until
 * the parent has its DS, then takes over the zone data (active, waiting
 * Iret) before the old one goes.
 *
 * Each step is written to keys/state before it takes effect: the zone is
 * built from the USE column, so a restart from any state file serves
 * exactly what that step serves. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "dnssec/keystore_internal.h"

#define P SIG_USE_PUBLISH
#define S SIG_USE_SIGN
#define K SIG_USE_KEYSET
#define D SIG_USE_DS

/* One step of one kind: what the old and new keys do in it, and what
 * ends it (an interval of sig_roll_intervals_t, or the DS seen). */
typedef enum {
	WAIT_PUBLISH,
	WAIT_PUBLISH_SEP,
	WAIT_DS,
	WAIT_PARENT,
	WAIT_SIGS,
	WAIT_REMOVE
} wait_t;

typedef struct {
	sig_roll_step_t step;
	uint8_t old_use, new_use;
	wait_t wait;
} step_t;

static const step_t g_zsk[] = {
    {SIG_STEP_PUBLISH, P | S, P, WAIT_PUBLISH},
    {SIG_STEP_ACTIVE, P, P | S, WAIT_SIGS},
    {SIG_STEP_RETIRE, 0, P | S, WAIT_REMOVE},
};
static const step_t g_ksk[] = {
    {SIG_STEP_PUBLISH, P | S | D, P | S, WAIT_PUBLISH_SEP},
    {SIG_STEP_DS_WAIT, P | S | D, P | S | D, WAIT_DS},
    {SIG_STEP_DS_SEEN, P | S | D, P | S | D, WAIT_PARENT},
    {SIG_STEP_RETIRE, 0, P | S | D, WAIT_REMOVE},
};
static const step_t g_csk[] = {
    {SIG_STEP_PUBLISH, P | S | D, P | K, WAIT_PUBLISH_SEP},
    {SIG_STEP_DS_WAIT, P | S | D, P | K | D, WAIT_DS},
    {SIG_STEP_DS_SEEN, P | S | D, P | K | D, WAIT_PARENT},
    {SIG_STEP_ACTIVE, P | D, P | S | D, WAIT_SIGS},
    {SIG_STEP_RETIRE, 0, P | S | D, WAIT_REMOVE},
};

static const step_t *steps_of(sig_roll_kind_t kind, size_t *n)
{
	switch (kind) {
	case SIG_ROLL_ZSK:
		*n = sizeof(g_zsk) / sizeof(g_zsk[0]);
		return g_zsk;
	case SIG_ROLL_KSK:
		*n = sizeof(g_ksk) / sizeof(g_ksk[0]);
		return g_ksk;
	case SIG_ROLL_CSK:
		*n = sizeof(g_csk) / sizeof(g_csk[0]);
		return g_csk;
	default:
		*n = 0;
		return NULL;
	}
}

/* Index of the current step in its table, or -1. */
static int step_index(const ks_roll_t *r)
{
	size_t n;
	const step_t *t = steps_of(r->kind, &n);
	for (size_t i = 0; i < n; i++)
		if (t[i].step == r->step)
			return (int)i;
	return -1;
}

static const char *const g_kind_names[] = {"none", "zsk", "ksk", "csk"};
static const char *const g_step_names[] = {"publish", "ds-wait", "ds-seen", "active", "retire"};

const char *sig_roll_kind_name(sig_roll_kind_t kind)
{
	return (unsigned)kind < 4 ? g_kind_names[kind] : "unknown";
}

const char *sig_roll_step_name(sig_roll_step_t step)
{
	return (unsigned)step < 5 ? g_step_names[step] : "unknown";
}

int sig_roll_kind_parse(const char *text, sig_roll_kind_t *kind)
{
	for (int i = SIG_ROLL_ZSK; i <= SIG_ROLL_CSK; i++) {
		if (strcasecmp(text, g_kind_names[i]) == 0) {
			*kind = (sig_roll_kind_t)i;
			return GW_OK;
		}
	}
	return GW_EINVAL;
}

static int find_key(const sig_keystore_t *ks, uint16_t tag, uint8_t alg)
{
	for (size_t i = 0; i < ks->count; i++)
		if (sig_key_tag(ks->keys[i]) == tag && sig_key_algorithm(ks->keys[i]) == alg)
			return (int)i;
	return -1;
}

static uint64_t wait_of(wait_t w, const sig_roll_intervals_t *iv)
{
	switch (w) {
	case WAIT_PUBLISH:
		return iv->publish;
	case WAIT_PUBLISH_SEP:
		return iv->publish_sep;
	case WAIT_PARENT:
		return iv->parent;
	case WAIT_SIGS:
		return iv->retire_sigs;
	case WAIT_REMOVE:
		return iv->remove;
	default:
		return 0;
	}
}

void sig_keystore_roll_info(const sig_keystore_t *ks, const sig_roll_intervals_t *iv,
                            sig_roll_info_t *out)
{
	const ks_roll_t *r = &ks->roll;
	memset(out, 0, sizeof(*out));
	out->kind = r->kind;
	if (r->kind == SIG_ROLL_NONE)
		return;
	out->step = r->step;
	out->old_tag = r->old_tag;
	out->new_tag = r->new_tag;
	out->old_alg = r->old_alg;
	out->new_alg = r->new_alg;
	out->since = r->since;
	int i = step_index(r);
	size_t n;
	const step_t *t = steps_of(r->kind, &n);
	if (i >= 0 && t[i].wait != WAIT_DS)
		out->next = r->since + (int64_t)wait_of(t[i].wait, iv);
}

/* Set the keys' use to step i of the rollover (in memory). */
static void apply_step(sig_keystore_t *ks, const step_t *st, int old_i, int new_i)
{
	if (old_i >= 0)
		ks->meta[old_i].use = st->old_use;
	if (new_i >= 0)
		ks->meta[new_i].use = st->new_use;
}

static sig_role_t role_of(sig_roll_kind_t kind)
{
	return kind == SIG_ROLL_ZSK ? SIG_ROLE_ZSK
	                            : (kind == SIG_ROLL_KSK ? SIG_ROLE_KSK : SIG_ROLE_CSK);
}

/* Drop key i from memory (its file stays until the caller unlinks it). */
static void drop_key(sig_keystore_t *ks, size_t i)
{
	sig_key_free(ks->keys[i]);
	memmove(&ks->keys[i], &ks->keys[i + 1], (ks->count - i - 1) * sizeof(ks->keys[0]));
	memmove(&ks->meta[i], &ks->meta[i + 1], (ks->count - i - 1) * sizeof(ks->meta[0]));
	ks->count--;
}

int sig_keystore_roll_start(sig_keystore_t *ks, sig_roll_kind_t kind, int64_t now)
{
	int ret = GW_OK;
	sig_key_t *key = NULL;
	char *path = NULL;
	size_t n;
	const step_t *t = steps_of(kind, &n);

	if (t == NULL)
		return GW_EINVAL;
	if (ks->roll.kind != SIG_ROLL_NONE)
		return GW_EBUSY;
	sig_role_t role = role_of(kind);
	int old_i = -1;
	for (size_t i = 0; i < ks->count && old_i < 0; i++)
		if (sig_key_role(ks->keys[i]) == role && (ks->meta[i].use & SIG_USE_SIGN))
			old_i = (int)i;
	if (old_i < 0) {
		gw_err("cannot start a %s rollover for %s: the zone has no active %s",
		       sig_roll_kind_name(kind), ks->apex_text, sig_ks_role_names[role]);
		return GW_EINVAL;
	}
	uint8_t alg = sig_key_algorithm(ks->keys[old_i]);
	for (int tries = 0; tries < 8 && key == NULL; tries++) {
		ret = sig_key_generate(&key, alg, role, ks->apex, ks->rsa_bits);
		if (ret != GW_OK)
			return ret;
		for (size_t i = 0; i < ks->count && key != NULL; i++) {
			if (sig_key_tag(ks->keys[i]) == sig_key_tag(key)) {
				sig_key_free(key);
				key = NULL;
			}
		}
	}
	if (key == NULL)
		return GW_ECRYPTO;
	ret = sig_ks_add_key(ks, key, now);
	if (ret != GW_OK) {
		sig_key_free(key);
		return ret;
	}
	size_t new_i = ks->count - 1;
	path = sig_ks_path_join(ks->keys_dir, ks->meta[new_i].file);
	if (path == NULL) {
		ret = GW_ENOMEM;
		goto fail;
	}
	/* The key file first: the state that names it is the commit. */
	ret = sig_key_save_pem(key, path);
	if (ret != GW_OK)
		goto fail;
	ks->roll = (ks_roll_t){.kind = kind,
	                       .step = t[0].step,
	                       .old_tag = sig_key_tag(ks->keys[old_i]),
	                       .old_alg = alg,
	                       .new_tag = sig_key_tag(key),
	                       .new_alg = alg,
	                       .since = now};
	uint8_t old_use = ks->meta[old_i].use;
	apply_step(ks, &t[0], old_i, (int)new_i);
	ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		ks->meta[old_i].use = old_use;
		memset(&ks->roll, 0, sizeof(ks->roll));
		unlink(path);
		goto fail;
	}
	gw_notice("%s rollover for %s started: new key %u (%s), replacing key %u",
	          sig_roll_kind_name(kind), ks->apex_text, sig_key_tag(key),
	          sig_algorithm_name(alg), ks->roll.old_tag);
	free(path);
	return GW_OK;
fail:
	drop_key(ks, new_i);
	free(path);
	return ret;
}

/* The last step is over: the old key leaves the store. */
static int finish(sig_keystore_t *ks, int old_i, int new_i)
{
	ks_roll_t saved = ks->roll;
	uint8_t new_use = new_i >= 0 ? ks->meta[new_i].use : 0;
	sig_key_t *old_key = old_i >= 0 ? ks->keys[old_i] : NULL;
	ks_meta_t old_meta;
	char *path = NULL;

	if (old_i >= 0) {
		old_meta = ks->meta[old_i];
		path = sig_ks_path_join(ks->keys_dir, old_meta.file);
		if (path == NULL)
			return GW_ENOMEM;
	}
	if (new_i >= 0)
		ks->meta[new_i].use = sig_ks_default_use(sig_key_role(ks->keys[new_i]));
	memset(&ks->roll, 0, sizeof(ks->roll));
	/* Out of the arrays without freeing, so a failed write can put the
	 * store back as it was. */
	if (old_i >= 0) {
		memmove(&ks->keys[old_i], &ks->keys[old_i + 1],
		        (ks->count - (size_t)old_i - 1) * sizeof(ks->keys[0]));
		memmove(&ks->meta[old_i], &ks->meta[old_i + 1],
		        (ks->count - (size_t)old_i - 1) * sizeof(ks->meta[0]));
		ks->count--;
	}
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		if (old_i >= 0) {
			memmove(&ks->keys[old_i + 1], &ks->keys[old_i],
			        (ks->count - (size_t)old_i) * sizeof(ks->keys[0]));
			memmove(&ks->meta[old_i + 1], &ks->meta[old_i],
			        (ks->count - (size_t)old_i) * sizeof(ks->meta[0]));
			ks->keys[old_i] = old_key;
			ks->meta[old_i] = old_meta;
			ks->count++;
		}
		if (new_i >= 0)
			ks->meta[new_i].use = new_use;
		ks->roll = saved;
		free(path);
		return ret;
	}
	/* A kill before this unlink leaves a file the state does not list;
	 * the next start warns about it, nothing uses it. */
	if (path != NULL && unlink(path) != 0)
		gw_warn("cannot remove the retired key file %s", path);
	gw_notice("%s rollover for %s done: key %u retired and deleted, key %u in use",
	          sig_roll_kind_name(saved.kind), ks->apex_text, saved.old_tag, saved.new_tag);
	sig_key_free(old_key);
	free(path);
	return GW_OK;
}

int sig_keystore_roll_advance(sig_keystore_t *ks, const sig_roll_intervals_t *iv, int64_t now,
                              bool *changed, int64_t *next)
{
	sig_roll_info_t info;
	*changed = false;
	*next = 0;
	if (ks->roll.kind == SIG_ROLL_NONE)
		return GW_OK;
	int i = step_index(&ks->roll);
	int old_i = find_key(ks, ks->roll.old_tag, ks->roll.old_alg);
	int new_i = find_key(ks, ks->roll.new_tag, ks->roll.new_alg);
	if (i < 0 || new_i < 0) {
		gw_err("%s: the rollover names key %u, which the store does not hold; restore the "
		       "key directory from a backup",
		       ks->state_path, ks->roll.new_tag);
		return GW_EKEY;
	}
	sig_keystore_roll_info(ks, iv, &info);
	if (info.next == 0 || now < info.next) {
		*next = info.next;
		return GW_OK;
	}
	size_t n;
	const step_t *t = steps_of(ks->roll.kind, &n);
	if ((size_t)i + 1 == n) {
		int ret = finish(ks, old_i, new_i);
		if (ret == GW_OK)
			*changed = true;
		return ret;
	}
	ks_roll_t saved = ks->roll;
	uint8_t old_use = old_i >= 0 ? ks->meta[old_i].use : 0;
	uint8_t new_use = ks->meta[new_i].use;
	ks->roll.step = t[i + 1].step;
	ks->roll.since = now;
	apply_step(ks, &t[i + 1], old_i, new_i);
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		ks->roll = saved;
		if (old_i >= 0)
			ks->meta[old_i].use = old_use;
		ks->meta[new_i].use = new_use;
		return ret;
	}
	gw_notice("%s rollover for %s: %s (key %u -> %u)", sig_roll_kind_name(ks->roll.kind),
	          ks->apex_text, sig_roll_step_name(ks->roll.step), ks->roll.old_tag,
	          ks->roll.new_tag);
	*changed = true;
	sig_keystore_roll_info(ks, iv, &info);
	*next = info.next;
	return GW_OK;
}

int sig_keystore_ds_seen(sig_keystore_t *ks, int64_t now)
{
	if (ks->roll.kind == SIG_ROLL_NONE || ks->roll.step != SIG_STEP_DS_WAIT)
		return GW_EINVAL;
	ks_roll_t saved = ks->roll;
	ks->roll.step = SIG_STEP_DS_SEEN;
	ks->roll.since = now;
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		ks->roll = saved;
		return ret;
	}
	gw_notice("%s rollover for %s: the DS of key %u is at the parent",
	          sig_roll_kind_name(ks->roll.kind), ks->apex_text, ks->roll.new_tag);
	return GW_OK;
}

int sig_keystore_set_insecure(sig_keystore_t *ks, bool on)
{
	if (ks->cds_delete == on)
		return GW_OK;
	ks->cds_delete = on;
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK)
		ks->cds_delete = !on;
	else if (on)
		gw_notice("%s: publishing CDS/CDNSKEY DELETE (RFC 8078): the parent may remove "
		          "the DS and the zone becomes insecure",
		          ks->apex_text);
	return ret;
}
