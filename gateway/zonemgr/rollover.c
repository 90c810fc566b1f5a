/* Key rollovers in the running daemon: a timer takes each step of the
 * key store's state machine when it falls due (dnssec/keyroll.c) and key
 * lifetimes start new rollovers; commands start one, confirm the DS or
 * ask for CDS DELETE. Every change is written to keys/state first, then
 * made in the zone, so a restart resumes from the state file. */
#include <string.h>

#include "common/clock.h"
#include "common/container.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/zonemgr/ds_check.h"
#include "gateway/zonemgr/zonemgr_internal.h"

/* Each server of ds-check gets this long to answer (milliseconds); the
 * queries go out together and wait on the loop. */
#define DS_CHECK_TIMEOUT_MS 1000

/* Steps at most per tick: each has its own wait, so more than one is due
 * only after a long stop. */
#define STEPS_PER_TICK 8
/* A failed step is tried again this much later (seconds). */
#define ROLL_RETRY 60.0

static uint32_t max_zone_ttl(const zone_t *zone)
{
	uint32_t max = 0;
	/* By index, not zone_next(), which searches for each node. */
	const zone_node_t *node;
	for (size_t k = 0; (node = zone_node_at(zone, k)) != NULL; k++)
		for (uint16_t i = 0; i < node->rrset_count; i++)
			if (node->rrsets[i].ttl > max)
				max = node->rrsets[i].ttl;
	return max;
}

void gw_zonemgr_roll_intervals(const gw_zonemgr_t *m, sig_roll_intervals_t *iv)
{
	const gw_zonemgr_opts_t *o = &m->opts;
	sig_roll_inputs_t in = {
	    .dnskey_ttl = o->dnssec.dnskey_ttl,
	    .max_zone_ttl = max_zone_ttl(m->zone->zone),
	    .propagation_delay = (uint32_t)o->dnssec.policy.propagation_delay,
	    .parent_ds_ttl = o->dnssec.policy.parent_ds_ttl,
	    .parent_propagation = (uint32_t)o->dnssec.policy.parent_propagation_delay,
	    /* One commit re-signs the whole zone. */
	    .sign_delay = 0,
	    .hold_down = (uint32_t)o->dnssec.policy.hold_down,
	};
	sig_roll_intervals(&in, iv);
}

/* Why a step is late when the zone could not take the key change. */
#define LATE_IN_ZONE "the zone could not take it before"

/* The step under way took effect in the zone now: its waits count from
 * now. why: what held it up, said as a notice; NULL: the zone was signed
 * again in parts, which takes seconds at most and is said as info. */
static int took_effect(gw_zonemgr_t *m, const char *why)
{
	int64_t late = 0;
	int ret = sig_keystore_roll_took_effect(m->keys, (int64_t)gw_clock_wall(), &late);
	if (ret != GW_OK || late == 0)
		return ret;
	/* Only the kind and the step are read: no intervals needed. */
	const sig_roll_intervals_t iv = {0};
	sig_roll_info_t info;
	sig_keystore_roll_info(m->keys, &iv, &info);
	if (why != NULL)
		gw_notice("zone %s: %s rollover, step %s: in effect in the zone only now, %lld s "
		          "after it was taken (%s); its waits count from now",
		          m->opts.domain_str, sig_roll_kind_name(info.kind),
		          sig_roll_step_name(info.step), (long long)late, why);
	else
		gw_info("zone %s: %s rollover, step %s: in effect once the zone was signed again, "
		        "%lld s after it was taken; its waits count from then",
		        m->opts.domain_str, sig_roll_kind_name(info.kind),
		        sig_roll_step_name(info.step), (long long)late);
	return GW_OK;
}

/* The zone follows keys/state: the apex records change in one commit,
 * then every RRset whose signatures no longer match the signing keys is
 * signed again in a second. Both keep the zone valid on their own: a key
 * stops being published only once its signatures are gone.
 *
 * A rollover's waits count from the time its step took effect, which
 * keys/state records when the step is taken. When the zone cannot follow
 * then (a full disk past the serial's ceiling), the zone is late:
 * gw_zonemgr_roll_tick() takes no further step until this has
 * succeeded, and the step's time becomes the time it did, so that no
 * resolver meets signatures by a key it could not have fetched yet. */
static int apply_keys(gw_zonemgr_t *m)
{
	zone_changeset_t cs;
	int ret = zone_changeset_init(&cs);
	if (ret != GW_OK)
		goto out;
	gw_zonemgr_use_keys(m);
	ret = sig_keystore_apex_changes(m->keys, m->zone->zone, m->opts.dnssec.dnskey_ttl, &cs);
	if (ret == GW_OK && !zone_changeset_empty(&cs))
		ret = gw_zonemgr_commit_now(m, &cs, NULL);
	zone_changeset_deinit(&cs);
	size_t resigned = 0;
	bool more = false;
	if (ret == GW_OK)
		ret = gw_zonemgr_resign_part(m, &resigned, &more);
	if (ret != GW_OK || more) {
		/* Behind, or not signed whole yet: with more, the parts go on
		 * by the refresh timer (REFRESH_CHUNK RRsets a commit, the loop
		 * answering in between), and the step takes effect at the
		 * last. */
		if (ret != GW_OK)
			m->keys_late_why = LATE_IN_ZONE;
		m->keys_late = true;
	} else if (m->keys_late) {
		/* keys_late_why: the zone, or keys/state (which then failed
		 * with the zone whole). */
		ret = took_effect(m, m->keys_late_why != NULL ? m->keys_late_why : LATE_IN_ZONE);
		if (ret == GW_OK)
			m->keys_late = false;
	}
	m->keys_resigning = ret == GW_OK && more;
	if (ret == GW_OK)
		ret = sig_keystore_publish_ds(m->keys, m->opts.dnssec.dnskey_ttl);
out:
	m->keys_retry = ret != GW_OK;
	if (ret != GW_OK)
		gw_err("zone %s: cannot apply the key change: %s (retrying)", m->opts.domain_str,
		       gw_strerror(ret));
	else if (!m->keys_resigning)
		gw_info("zone %s: keys applied, %zu RRsets signed again", m->opts.domain_str,
		        resigned);
	/* While the parts go on, the refresh timer is theirs. */
	if (!m->keys_resigning)
		gw_zonemgr_schedule_refresh(m);
	return ret;
}

int gw_zonemgr_keys_caught_up(gw_zonemgr_t *m, size_t behind)
{
	if (behind == 0)
		return GW_OK;
	char why[160];
	snprintf(why, sizeof(why),
	         "the zone served before the restart was not yet signed for it: %zu RRsets",
	         behind);
	return took_effect(m, why);
}

int gw_zonemgr_keys_unknown(gw_zonemgr_t *m)
{
	if (!sig_keystore_roll_signs_anew(m->keys))
		return GW_OK;
	return took_effect(m, "the zone served before the restart is not known, no journal "
	                      "holding it, and may not have been signed for it whole");
}

void gw_zonemgr_keys_resigned(gw_zonemgr_t *m, size_t resigned, unsigned parts)
{
	m->keys_resigning = false;
	int ret = took_effect(m, NULL);
	if (ret == GW_OK) {
		m->keys_late = false;
	} else {
		/* The zone is whole; the tick records the step's time again. */
		m->keys_late_why = "keys/state could not record it when the zone was signed again";
		m->keys_retry = true;
	}
	gw_info("zone %s: keys applied, %zu RRsets signed again, in %u commits", m->opts.domain_str,
	        resigned, parts);
	gw_zonemgr_roll_tick(m);
}

static uint64_t lifetime_of(const gw_zonemgr_t *m, sig_role_t role)
{
	switch (role) {
	case SIG_ROLE_ZSK:
		return m->opts.dnssec.policy.zsk_lifetime;
	case SIG_ROLE_KSK:
		return m->opts.dnssec.policy.ksk_lifetime;
	default:
		return m->opts.dnssec.policy.csk_lifetime;
	}
}

static sig_roll_kind_t kind_of(sig_role_t role)
{
	return role == SIG_ROLE_ZSK ? SIG_ROLL_ZSK
	                            : (role == SIG_ROLE_KSK ? SIG_ROLL_KSK : SIG_ROLL_CSK);
}

/* The earliest end of a lifetime among the keys in use. */
static int64_t next_auto(const gw_zonemgr_t *m, sig_roll_kind_t *kind)
{
	size_t n = 0;
	int64_t best = 0;
	sig_key_t *const *keys = sig_keystore_keys(m->keys, &n);
	for (size_t i = 0; i < n; i++) {
		int64_t created = 0, published = 0;
		uint64_t life = lifetime_of(m, sig_key_role(keys[i]));
		if (life == 0 || !(sig_keystore_key_use(m->keys, i) & SIG_USE_SIGN) ||
		    sig_keystore_key_times(m->keys, i, &created, &published) != GW_OK)
			continue;
		int64_t at = created + (int64_t)life;
		if (best == 0 || at < best) {
			best = at;
			*kind = kind_of(sig_key_role(keys[i]));
		}
	}
	return best;
}

void gw_zonemgr_roll_info(const gw_zonemgr_t *m, sig_roll_info_t *info, int64_t *auto_at,
                          sig_roll_kind_t *auto_kind)
{
	sig_roll_intervals_t iv;
	memset(info, 0, sizeof(*info));
	*auto_at = 0;
	*auto_kind = SIG_ROLL_NONE;
	if (m->keys == NULL)
		return;
	gw_zonemgr_roll_intervals(m, &iv);
	sig_keystore_roll_info(m->keys, &iv, info);
	if (info->kind == SIG_ROLL_NONE)
		*auto_at = next_auto(m, auto_kind);
}

static void arm(gw_zonemgr_t *m, int64_t at)
{
	ev_timer_stop(m->loop, &m->roll);
	m->roll_at = 0;
	if (at == 0)
		return;
	double in = (double)(at - (int64_t)gw_clock_wall());
	if (in < 0.0)
		in = 0.0;
	/* At most a day at a time: the wall clock may jump. */
	if (in > 86400.0)
		in = 86400.0;
	ev_timer_set(&m->roll, in, 0.0);
	ev_timer_start(m->loop, &m->roll);
	m->roll_at = (time_t)at;
}

void gw_zonemgr_roll_cancel_check(gw_zonemgr_t *m)
{
	gw_ds_check_free(m->ds_check);
	m->ds_check = NULL;
}

/* Still waiting for the DS of the key tag? A command may have moved the
 * rollover on while the servers were asked. */
static bool waits_for(gw_zonemgr_t *m, uint16_t tag)
{
	sig_roll_intervals_t iv;
	sig_roll_info_t info;
	gw_zonemgr_roll_intervals(m, &iv);
	sig_keystore_roll_info(m->keys, &iv, &info);
	return info.step == SIG_STEP_DS_WAIT && info.new_tag == tag;
}

/* The ds-check's verdict: every server has the DS, and the rollover goes
 * on as dnssd-gatewayctl ds-seen would; else the roll timer, armed for
 * the next interval when the check began, asks again. */
static void on_ds_checked(gw_ds_check_t *c, int ret, const char *why, void *arg)
{
	gw_zonemgr_t *m = arg;
	const gw_zonemgr_opts_t *o = &m->opts;
	uint16_t tag = m->ds_check_tag;
	if (ret == GW_OK)
		gw_notice("zone %s: every ds-check server has the DS of key %u", o->domain_str,
		          tag);
	else
		gw_info("zone %s: the DS of key %u is not at the parent yet: %s", o->domain_str,
		        tag, ret == GW_ENOTFOUND ? why : gw_strerror(ret));
	gw_ds_check_free(c);
	m->ds_check = NULL;
	if (ret != GW_OK || !waits_for(m, tag) ||
	    sig_keystore_ds_seen(m->keys, (int64_t)gw_clock_wall()) != GW_OK)
		return;
	gw_zonemgr_roll_tick(m);
}

/* ds-check: ask the servers for the new DS, unless a check is in flight;
 * on_ds_checked() hears the verdict. */
static void ds_check_begin(gw_zonemgr_t *m, const sig_roll_info_t *info)
{
	if (m->ds_check != NULL)
		return;
	size_t n = 0;
	sig_key_t *const *keys = sig_keystore_keys(m->keys, &n);
	ldns_rr *dnskey = NULL;
	for (size_t i = 0; i < n && dnskey == NULL; i++)
		if (sig_key_tag(keys[i]) == info->new_tag &&
		    sig_key_algorithm(keys[i]) == info->new_alg &&
		    sig_key_dnskey_rr(keys[i], 0, &dnskey) != GW_OK)
			dnskey = NULL;
	if (dnskey == NULL)
		return;
	const gw_zonemgr_opts_t *o = &m->opts;
	int ret = gw_ds_check_start(&m->ds_check, m->loop, o->dnssec.policy.ds_check,
	                            o->dnssec.policy.ds_check_count, o->domain, dnskey,
	                            DS_CHECK_TIMEOUT_MS, on_ds_checked, m);
	ldns_rr_free(dnskey);
	if (ret != GW_OK)
		gw_err("zone %s: cannot ask the ds-check servers: %s", o->domain_str,
		       gw_strerror(ret));
	else
		m->ds_check_tag = info->new_tag;
}

void gw_zonemgr_roll_tick(gw_zonemgr_t *m)
{
	sig_roll_intervals_t iv;
	int64_t next = 0;
	if (m->keys == NULL)
		return;
	/* A key change still being signed in parts: no step until it is
	 * whole; its end ticks again (gw_zonemgr_keys_resigned()). */
	if (m->keys_resigning) {
		arm(m, 0);
		return;
	}
	gw_zonemgr_roll_intervals(m, &iv);
	/* The last change of the keys first; while the zone is behind, no
	 * step is taken (its waits have not begun). Caught up but signed in
	 * parts, it is behind until the last part, whose end ticks again:
	 * its step's wait counts from then. */
	if (m->keys_retry) {
		if (apply_keys(m) != GW_OK && m->keys_late) {
			arm(m, (int64_t)gw_clock_wall() + (int64_t)ROLL_RETRY);
			return;
		}
		if (m->keys_resigning) {
			arm(m, 0);
			return;
		}
	}
	for (int i = 0; i < STEPS_PER_TICK; i++) {
		int64_t now = (int64_t)gw_clock_wall();
		bool changed = false;
		sig_roll_info_t info;
		sig_keystore_roll_info(m->keys, &iv, &info);
		/* Past the DS wait: a check still asking is for nothing. */
		if (info.step != SIG_STEP_DS_WAIT)
			gw_zonemgr_roll_cancel_check(m);
		if (info.kind == SIG_ROLL_NONE) {
			sig_roll_kind_t kind = SIG_ROLL_NONE;
			int64_t at = next_auto(m, &kind);
			next = at;
			if (at == 0 || at > now)
				break;
			gw_notice("zone %s: the %s has reached its lifetime; starting a rollover",
			          m->opts.domain_str, sig_roll_kind_name(kind));
			if (sig_keystore_roll_start(m->keys, kind, now) != GW_OK) {
				next = now + (int64_t)ROLL_RETRY;
				break;
			}
			changed = true;
		} else if (info.step == SIG_STEP_DS_WAIT &&
		           m->opts.dnssec.policy.ds_check_count > 0) {
			/* The verdict comes later (on_ds_checked()); meanwhile
			 * the timer asks again after the interval. */
			uint64_t every = m->opts.dnssec.policy.ds_check_interval;
			next = now + (int64_t)(every > 0 ? every : 60);
			ds_check_begin(m, &info);
			break;
		} else {
			int ret = sig_keystore_roll_advance(m->keys, &iv, now, &changed, &next);
			/* A failed step may have replaced a key object (the revoked
			 * form): the signer must not keep the freed one. */
			gw_zonemgr_use_keys(m);
			if (ret != GW_OK) {
				next = now + (int64_t)ROLL_RETRY;
				break;
			}
		}
		if (!changed)
			break;
		if (apply_keys(m) != GW_OK) {
			/* The state is written: the zone catches up at the retry,
			 * before any further step. */
			next = now + (int64_t)ROLL_RETRY;
			break;
		}
		if (m->keys_resigning) {
			next = 0;
			break;
		}
		sig_keystore_roll_info(m->keys, &iv, &info);
		next = info.next;
	}
	/* A change of the keys not all made (the DS files) is tried again
	 * within ROLL_RETRY, even while the rollover waits for the parent. */
	int64_t retry = (int64_t)gw_clock_wall() + (int64_t)ROLL_RETRY;
	if (m->keys_retry && (next == 0 || next > retry))
		next = retry;
	arm(m, next);
}

void gw_zonemgr_clock_set(gw_zonemgr_t *m, int64_t delta)
{
	if (m->keys == NULL)
		return;
	gw_notice("zone %s: its signatures and key rollover follow the new time",
	          m->opts.domain_str);
	int ret = sig_keystore_roll_clock_set(m->keys, delta);
	if (ret != GW_OK)
		gw_err(
		    "zone %s: the rollover's state, its start moved with the clock, could not be "
		    "written: %s; a restart before its next step would count the move as time "
		    "waited",
		    m->opts.domain_str, gw_strerror(ret));
	gw_zonemgr_schedule_refresh(m);
	gw_zonemgr_roll_tick(m);
}

static void on_roll(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	gw_zonemgr_roll_tick(container_of(w, gw_zonemgr_t, roll));
}

void gw_zonemgr_roll_init(gw_zonemgr_t *m)
{
	ev_init(&m->roll, on_roll);
}

static int need_keys(const gw_zonemgr_t *m, char *err, size_t errlen)
{
	if (m->keys != NULL)
		return GW_OK;
	snprintf(err, errlen, "zone %s is not signed (dnssec.enable is false)", m->opts.domain_str);
	return GW_EINVAL;
}

int gw_zonemgr_roll_start(gw_zonemgr_t *m, sig_roll_kind_t kind, uint8_t alg, char *err,
                          size_t errlen)
{
	int ret = need_keys(m, err, errlen);
	if (ret != GW_OK)
		return ret;
	int64_t now = (int64_t)gw_clock_wall();
	ret = kind == SIG_ROLL_ALG ? sig_keystore_roll_start_alg(m->keys, alg, now)
	                           : sig_keystore_roll_start(m->keys, kind, now);
	if (ret == GW_EBUSY) {
		sig_roll_info_t info;
		sig_roll_intervals_t iv;
		gw_zonemgr_roll_intervals(m, &iv);
		sig_keystore_roll_info(m->keys, &iv, &info);
		snprintf(err, errlen, "a %s rollover is under way (step %s); one at a time",
		         sig_roll_kind_name(info.kind), sig_roll_step_name(info.step));
		return ret;
	}
	if (ret == GW_EINVAL && kind == SIG_ROLL_ALG) {
		snprintf(err, errlen, "the keys already use %s", sig_algorithm_name(alg));
		return ret;
	}
	if (ret == GW_EINVAL) {
		snprintf(err, errlen, "the zone has no %s to roll (dnssec.keys is %s)",
		         sig_roll_kind_name(kind), m->opts.dnssec.split_keys ? "ksk-zsk" : "csk");
		return ret;
	}
	if (ret != GW_OK) {
		snprintf(err, errlen, "cannot start the rollover: %s", gw_strerror(ret));
		return ret;
	}
	/* The tick makes the change (once) before anything else. */
	m->keys_retry = true;
	gw_zonemgr_roll_tick(m);
	return GW_OK;
}

int gw_zonemgr_ds_seen(gw_zonemgr_t *m, char *err, size_t errlen)
{
	int ret = need_keys(m, err, errlen);
	if (ret != GW_OK)
		return ret;
	ret = sig_keystore_ds_seen(m->keys, (int64_t)gw_clock_wall());
	if (ret == GW_EINVAL) {
		sig_roll_info_t info;
		sig_roll_intervals_t iv;
		gw_zonemgr_roll_intervals(m, &iv);
		sig_keystore_roll_info(m->keys, &iv, &info);
		if (info.kind == SIG_ROLL_NONE)
			snprintf(err, errlen, "no rollover is under way");
		else
			snprintf(err, errlen,
			         "the %s rollover is at step %s, not waiting for the DS (ds-wait)",
			         sig_roll_kind_name(info.kind), sig_roll_step_name(info.step));
		return ret;
	}
	if (ret != GW_OK) {
		snprintf(err, errlen, "cannot record the DS: %s", gw_strerror(ret));
		return ret;
	}
	gw_zonemgr_roll_tick(m);
	return GW_OK;
}

int gw_zonemgr_set_insecure(gw_zonemgr_t *m, bool on, char *err, size_t errlen)
{
	int ret = need_keys(m, err, errlen);
	if (ret != GW_OK)
		return ret;
	ret = sig_keystore_set_insecure(m->keys, on);
	if (ret != GW_OK) {
		snprintf(err, errlen, "cannot write the key state: %s", gw_strerror(ret));
		return ret;
	}
	ret = apply_keys(m);
	if (ret != GW_OK) {
		snprintf(err, errlen, "recorded, but the zone did not change yet: %s (retrying)",
		         gw_strerror(ret));
		arm(m, (int64_t)gw_clock_wall() + (int64_t)ROLL_RETRY);
	}
	return ret;
}
