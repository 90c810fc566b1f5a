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
 * Algorithm (RFC 6781 4.1.4, conservative): every key of the old
 * algorithm is replaced by one of the new, old keys being those of the
 * old algorithm, so a KSK and a ZSK move together:
 *   sign     new keys sign everything, unpublished     wait Dprp + TTLsig
 *   publish  new DNSKEYs published                     wait Ipub (or the hold-down)
 *   ds-wait  CDS/CDNSKEY name the new SEP key only     until the DS is seen
 *   ds-seen  the parent has the new DS                 wait Dprp(P) + TTLds
 *   retire   old DNSKEYs gone, old signatures stay     wait Dprp + TTLkey
 *   then the old keys stop signing and are deleted. Both algorithms sign
 * every RRset while both are published (RFC 4035 2.2).
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
#define R SIG_USE_REVOKED

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
	/* Algorithm rollovers: the ZSKs' use (old_use, new_use are the
	 * KSK's or CSK's). */
	uint8_t old_zsk_use, new_zsk_use;
} step_t;

static const step_t g_zsk[] = {
    {SIG_STEP_PUBLISH, P | S, P, WAIT_PUBLISH, 0, 0},
    {SIG_STEP_ACTIVE, P, P | S, WAIT_SIGS, 0, 0},
    {SIG_STEP_RETIRE, 0, P | S, WAIT_REMOVE, 0, 0},
};
static const step_t g_ksk[] = {
    {SIG_STEP_PUBLISH, P | S | D, P | S, WAIT_PUBLISH_SEP, 0, 0},
    {SIG_STEP_DS_WAIT, P | S | D, P | S | D, WAIT_DS, 0, 0},
    {SIG_STEP_DS_SEEN, P | S | D, P | S | D, WAIT_PARENT, 0, 0},
    {SIG_STEP_RETIRE, 0, P | S | D, WAIT_REMOVE, 0, 0},
};
static const step_t g_csk[] = {
    {SIG_STEP_PUBLISH, P | S | D, P | K, WAIT_PUBLISH_SEP, 0, 0},
    {SIG_STEP_DS_WAIT, P | S | D, P | K | D, WAIT_DS, 0, 0},
    {SIG_STEP_DS_SEEN, P | S | D, P | K | D, WAIT_PARENT, 0, 0},
    {SIG_STEP_ACTIVE, P | D, P | S | D, WAIT_SIGS, 0, 0},
    {SIG_STEP_RETIRE, 0, P | S | D, WAIT_REMOVE, 0, 0},
};

static const step_t g_alg[] = {
    {SIG_STEP_SIGN, P | S | D, S, WAIT_SIGS, P | S, S},
    {SIG_STEP_PUBLISH, P | S | D, P | S, WAIT_PUBLISH_SEP, P | S, P | S},
    {SIG_STEP_DS_WAIT, P | S, P | S | D, WAIT_DS, P | S, P | S},
    {SIG_STEP_DS_SEEN, P | S, P | S | D, WAIT_PARENT, P | S, P | S},
    {SIG_STEP_RETIRE, S, P | S | D, WAIT_REMOVE, S, P | S},
};

static const step_t *steps_of(sig_roll_kind_t kind, size_t *n)
{
	switch (kind) {
	case SIG_ROLL_ALG:
		*n = sizeof(g_alg) / sizeof(g_alg[0]);
		return g_alg;
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

/* Index of step in the table of kind, or -1. */
static int index_of(sig_roll_kind_t kind, sig_roll_step_t step)
{
	size_t n;
	const step_t *t = steps_of(kind, &n);
	for (size_t i = 0; i < n; i++)
		if (t[i].step == step)
			return (int)i;
	return -1;
}

bool sig_ks_roll_step_known(sig_roll_kind_t kind, sig_roll_step_t step)
{
	if (step == SIG_STEP_REVOKE)
		return kind == SIG_ROLL_KSK || kind == SIG_ROLL_CSK;
	return index_of(kind, step) >= 0;
}

/* Index of the current step, or -1. The RFC 5011 revoke step sits
 * between the entry before retire and retire: it counts as the former. */
static int step_index(const ks_roll_t *r)
{
	if (r->step == SIG_STEP_REVOKE) {
		int i = index_of(r->kind, SIG_STEP_RETIRE);
		return i > 0 ? i - 1 : -1;
	}
	return index_of(r->kind, r->step);
}

static const char *const g_kind_names[] = {"none", "zsk", "ksk", "csk", "algorithm"};
static const char *const g_step_names[] = {"publish", "ds-wait", "ds-seen", "active",
                                           "retire",  "sign",    "revoke"};

const char *sig_roll_kind_name(sig_roll_kind_t kind)
{
	return (unsigned)kind <= SIG_ROLL_ALG ? g_kind_names[kind] : "unknown";
}

const char *sig_roll_step_name(sig_roll_step_t step)
{
	return (unsigned)step <= SIG_STEP_REVOKE ? g_step_names[step] : "unknown";
}

int sig_roll_kind_parse(const char *text, sig_roll_kind_t *kind)
{
	for (int i = SIG_ROLL_ZSK; i <= SIG_ROLL_ALG; i++) {
		if (strcasecmp(text, g_kind_names[i]) == 0) {
			*kind = (sig_roll_kind_t)i;
			return GW_OK;
		}
	}
	return GW_EINVAL;
}

/* By the tag keys/state names it with (without REVOKE). */
static int find_key(const sig_keystore_t *ks, uint16_t tag, uint8_t alg)
{
	for (size_t i = 0; i < ks->count; i++)
		if (ks->meta[i].file_tag == tag && sig_key_algorithm(ks->keys[i]) == alg)
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
	if (r->step == SIG_STEP_REVOKE)
		out->next = r->since + (int64_t)(iv->revoke > iv->remove ? iv->revoke : iv->remove);
	else if (i >= 0 && t[i].wait != WAIT_DS)
		out->next = r->since + (int64_t)wait_of(t[i].wait, iv);
}

/* RFC 5011 2.1: before the old KSK (or CSK) leaves, it is published
 * with the REVOKE bit and signs the DNSKEY RRset, so that resolvers
 * following RFC 5011 drop it as a trust anchor. */
static const step_t g_revoke_ksk = {SIG_STEP_REVOKE, P | S | R, P | S | D, WAIT_REMOVE, 0, 0};
static const step_t g_revoke_csk = {SIG_STEP_REVOKE, P | K | R, P | S | D, WAIT_REMOVE, 0, 0};

/* Set the keys' use to step st of the rollover (in memory). */
static void apply_step(sig_keystore_t *ks, const step_t *st, int old_i, int new_i)
{
	if (ks->roll.kind == SIG_ROLL_ALG) {
		for (size_t i = 0; i < ks->count; i++) {
			uint8_t alg = sig_key_algorithm(ks->keys[i]);
			bool zsk = sig_key_role(ks->keys[i]) == SIG_ROLE_ZSK;
			if (alg == ks->roll.old_alg)
				ks->meta[i].use = zsk ? st->old_zsk_use : st->old_use;
			else if (alg == ks->roll.new_alg)
				ks->meta[i].use = zsk ? st->new_zsk_use : st->new_use;
		}
		return;
	}
	if (old_i >= 0)
		ks->meta[old_i].use = st->old_use;
	if (new_i >= 0)
		ks->meta[new_i].use = st->new_use;
}

/* The uses of all keys, to put back after a failed write. */
static void save_uses(const sig_keystore_t *ks, uint8_t *uses)
{
	for (size_t i = 0; i < ks->count; i++)
		uses[i] = ks->meta[i].use;
}

static void restore_uses(sig_keystore_t *ks, const uint8_t *uses)
{
	for (size_t i = 0; i < ks->count; i++)
		ks->meta[i].use = uses[i];
}

static sig_role_t role_of(sig_roll_kind_t kind)
{
	return kind == SIG_ROLL_ZSK ? SIG_ROLE_ZSK
	                            : (kind == SIG_ROLL_KSK ? SIG_ROLE_KSK : SIG_ROLE_CSK);
}

static int new_key(sig_keystore_t *ks, uint8_t alg, sig_role_t role, int64_t now, size_t *index);

int sig_keystore_roll_start(sig_keystore_t *ks, sig_roll_kind_t kind, int64_t now)
{
	size_t n;
	const step_t *t = steps_of(kind, &n);

	if (t == NULL || kind == SIG_ROLL_ALG)
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
	size_t new_i = 0;
	int ret = new_key(ks, alg, role, now, &new_i);
	if (ret != GW_OK)
		return ret;
	sig_key_t *key = ks->keys[new_i];
	ks->roll = (ks_roll_t){.kind = kind,
	                       .step = t[0].step,
	                       .old_tag = sig_key_tag(ks->keys[old_i]),
	                       .old_alg = alg,
	                       .new_tag = sig_key_tag(key),
	                       .new_alg = alg,
	                       .since = now,
	                       .here = true};
	uint8_t old_use = ks->meta[old_i].use;
	apply_step(ks, &t[0], old_i, (int)new_i);
	ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		ks->meta[old_i].use = old_use;
		memset(&ks->roll, 0, sizeof(ks->roll));
		char *path = sig_ks_path_join(ks->keys_dir, ks->meta[new_i].file);
		if (path != NULL)
			unlink(path);
		free(path);
		sig_ks_drop_key(ks, new_i);
		return ret;
	}
	gw_notice("%s rollover for %s started: new key %u (%s), replacing key %u",
	          sig_roll_kind_name(kind), ks->apex_text, sig_key_tag(key),
	          sig_algorithm_name(alg), ks->roll.old_tag);
	return GW_OK;
}

/* Is key i one the finished rollover retires? */
static bool retiring(const sig_keystore_t *ks, size_t i)
{
	const sig_key_t *k = ks->keys[i];
	if (ks->roll.kind == SIG_ROLL_ALG)
		return sig_key_algorithm(k) == ks->roll.old_alg;
	return ks->meta[i].file_tag == ks->roll.old_tag && sig_key_algorithm(k) == ks->roll.old_alg;
}

/* The last step is over: the old keys leave the store (the state first,
 * then their files), the new ones do what their role says. */
static int finish(sig_keystore_t *ks)
{
	sig_key_t *keys[SIG_KS_KEYS_MAX];
	ks_meta_t meta[SIG_KS_KEYS_MAX];
	size_t count = ks->count;
	ks_roll_t saved = ks->roll;
	memcpy(keys, ks->keys, count * sizeof(keys[0]));
	memcpy(meta, ks->meta, count * sizeof(meta[0]));

	size_t n = 0;
	for (size_t i = 0; i < count; i++) {
		if (retiring(ks, i))
			continue;
		ks->keys[n] = keys[i];
		ks->meta[n] = meta[i];
		ks->meta[n].use = sig_ks_default_use(sig_key_role(keys[i]));
		n++;
	}
	ks->count = n;
	memset(&ks->roll, 0, sizeof(ks->roll));
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		memcpy(ks->keys, keys, count * sizeof(keys[0]));
		memcpy(ks->meta, meta, count * sizeof(meta[0]));
		ks->count = count;
		ks->roll = saved;
		return ret;
	}
	for (size_t i = 0; i < count; i++) {
		bool kept = false;
		for (size_t j = 0; j < n && !kept; j++)
			kept = ks->keys[j] == keys[i];
		if (kept)
			continue;
		/* A kill before this unlink leaves a file the state does not
		 * list; the next start warns about it, nothing uses it. */
		char *path = sig_ks_path_join(ks->keys_dir, meta[i].file);
		if (path == NULL || unlink(path) != 0)
			gw_warn("cannot remove the retired key file %s/%s", ks->keys_dir,
			        meta[i].file);
		free(path);
		sig_key_free(keys[i]);
	}
	gw_notice("%s rollover for %s done: key %u retired and deleted, key %u in use",
	          sig_roll_kind_name(saved.kind), ks->apex_text, saved.old_tag, saved.new_tag);
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
		int ret = finish(ks);
		if (ret == GW_OK)
			*changed = true;
		return ret;
	}
	const step_t *st = &t[i + 1];
	if (st->step == SIG_STEP_RETIRE && ks->roll.step != SIG_STEP_REVOKE && iv->revoke > 0 &&
	    (ks->roll.kind == SIG_ROLL_KSK || ks->roll.kind == SIG_ROLL_CSK))
		st = ks->roll.kind == SIG_ROLL_KSK ? &g_revoke_ksk : &g_revoke_csk;
	ks_roll_t saved = ks->roll;
	uint8_t uses[SIG_KS_KEYS_MAX];
	save_uses(ks, uses);
	ks->roll.step = st->step;
	ks->roll.since = now;
	ks->roll.here = true;
	apply_step(ks, st, old_i, new_i);
	int ret = GW_OK;
	sig_key_t *was = NULL;
	/* The revoked form in memory first (a new DNSKEY, a new tag); the
	 * state written next says R, so a restart makes the same. Not
	 * written, the key goes back as it was: the zone's next refresh
	 * would sign with a tag no DNSKEY has. */
	if ((st->old_use & R) && old_i >= 0)
		ret = sig_ks_revoke(ks, (size_t)old_i, &was);
	if (ret == GW_OK)
		ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		if (was != NULL) {
			sig_key_free(ks->keys[old_i]);
			ks->keys[old_i] = was;
		}
		ks->roll = saved;
		restore_uses(ks, uses);
		return ret;
	}
	sig_key_free(was);
	gw_notice("%s rollover for %s: %s (key %u -> %u)", sig_roll_kind_name(ks->roll.kind),
	          ks->apex_text, sig_roll_step_name(ks->roll.step), ks->roll.old_tag,
	          ks->roll.new_tag);
	*changed = true;
	sig_keystore_roll_info(ks, iv, &info);
	*next = info.next;
	return GW_OK;
}

/* A new key of alg and role, fresh for the store (sig_ks_key_fresh()),
 * added to it and saved to its file. On GW_OK *index is its index. */
static int new_key(sig_keystore_t *ks, uint8_t alg, sig_role_t role, int64_t now, size_t *index)
{
	int ret = sig_ks_generate(ks, alg, role, ks->rsa_bits, now);
	if (ret != GW_OK)
		return ret;
	*index = ks->count - 1;
	const sig_key_t *key = ks->keys[*index];
	char *path = sig_ks_path_join(ks->keys_dir, ks->meta[*index].file);
	/* The key file first: the state that names it is the commit. */
	ret = path != NULL ? sig_key_save_pem(key, path) : GW_ENOMEM;
	free(path);
	if (ret != GW_OK)
		sig_ks_drop_key(ks, *index);
	return ret;
}

int sig_keystore_roll_start_alg(sig_keystore_t *ks, uint8_t alg, int64_t now)
{
	int ret = GW_OK;
	size_t first_new = ks->count;
	int old_sep = -1;
	bool has_zsk = false;

	if (ks->roll.kind != SIG_ROLL_NONE)
		return GW_EBUSY;
	for (size_t i = 0; i < ks->count; i++) {
		if (!(ks->meta[i].use & SIG_USE_SIGN))
			continue;
		if (sig_key_role(ks->keys[i]) == SIG_ROLE_ZSK)
			has_zsk = true;
		else if (old_sep < 0)
			old_sep = (int)i;
	}
	if (old_sep < 0 || sig_key_algorithm(ks->keys[old_sep]) == alg ||
	    strcmp(sig_algorithm_name(alg), "unknown") == 0) {
		gw_err("cannot start an algorithm rollover for %s to %s: %s", ks->apex_text,
		       sig_algorithm_name(alg),
		       old_sep < 0 ? "no active KSK or CSK" : "the keys already use it");
		return GW_EINVAL;
	}
	uint8_t old_alg = sig_key_algorithm(ks->keys[old_sep]);
	sig_role_t sep_role = sig_key_role(ks->keys[old_sep]);
	size_t new_sep = 0, new_zsk = 0;
	ret = new_key(ks, alg, sep_role, now, &new_sep);
	if (ret == GW_OK && has_zsk)
		ret = new_key(ks, alg, SIG_ROLE_ZSK, now, &new_zsk);
	if (ret != GW_OK)
		goto fail;
	ks->roll = (ks_roll_t){.kind = SIG_ROLL_ALG,
	                       .step = g_alg[0].step,
	                       .old_tag = sig_key_tag(ks->keys[old_sep]),
	                       .old_alg = old_alg,
	                       .new_tag = sig_key_tag(ks->keys[new_sep]),
	                       .new_alg = alg,
	                       .since = now,
	                       .here = true};
	uint8_t uses[SIG_KS_KEYS_MAX];
	save_uses(ks, uses);
	apply_step(ks, &g_alg[0], -1, -1);
	ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		restore_uses(ks, uses);
		memset(&ks->roll, 0, sizeof(ks->roll));
		goto fail;
	}
	gw_notice("algorithm rollover for %s started: %s to %s, new key %u%s", ks->apex_text,
	          sig_algorithm_name(old_alg), sig_algorithm_name(alg), ks->roll.new_tag,
	          has_zsk ? " and a new ZSK" : "");
	return GW_OK;
fail:
	while (ks->count > first_new) {
		char *path = sig_ks_path_join(ks->keys_dir, ks->meta[ks->count - 1].file);
		if (path != NULL)
			unlink(path);
		free(path);
		sig_ks_drop_key(ks, ks->count - 1);
	}
	return ret;
}

int sig_keystore_roll_took_effect(sig_keystore_t *ks, int64_t now, int64_t *late)
{
	*late = 0;
	if (ks->roll.kind == SIG_ROLL_NONE || ks->roll.since >= now)
		return GW_OK;
	ks_roll_t saved = ks->roll;
	ks->roll.since = now;
	ks->roll.here = true;
	int ret = sig_ks_save_state(ks);
	if (ret != GW_OK) {
		ks->roll = saved;
		return ret;
	}
	*late = now - saved.since;
	return GW_OK;
}

bool sig_keystore_roll_signs_anew(const sig_keystore_t *ks)
{
	if (ks->roll.kind == SIG_ROLL_NONE || ks->roll.step == SIG_STEP_REVOKE)
		return false;
	size_t n;
	const step_t *t = steps_of(ks->roll.kind, &n);
	int i = step_index(&ks->roll);
	return i >= 0 && t[i].wait == WAIT_SIGS;
}

int sig_keystore_roll_clock_set(sig_keystore_t *ks, int64_t delta)
{
	if (ks->roll.kind == SIG_ROLL_NONE || delta == 0)
		return GW_OK;
	if (!ks->roll.here) {
		/* A box without a clock that starts at 1970 and learns the
		 * time from NTP would move a start written last week by
		 * decades, and the rollover would wait as long. */
		gw_notice("%s rollover for %s: step %s keeps its start, written before this start "
		          "under another clock than the one set now",
		          sig_roll_kind_name(ks->roll.kind), ks->apex_text,
		          sig_roll_step_name(ks->roll.step));
		return GW_OK;
	}
	ks->roll.since += delta;
	gw_notice("%s rollover for %s: step %s keeps the time it has waited (its start moved "
	          "with the clock by %lld s)",
	          sig_roll_kind_name(ks->roll.kind), ks->apex_text,
	          sig_roll_step_name(ks->roll.step), (long long)delta);
	return sig_ks_save_state(ks);
}

int sig_keystore_ds_seen(sig_keystore_t *ks, int64_t now)
{
	if (ks->roll.kind == SIG_ROLL_NONE || ks->roll.step != SIG_STEP_DS_WAIT)
		return GW_EINVAL;
	ks_roll_t saved = ks->roll;
	ks->roll.step = SIG_STEP_DS_SEEN;
	ks->roll.since = now;
	ks->roll.here = true;
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
