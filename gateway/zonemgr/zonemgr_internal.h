/* gateway/zonemgr/zonemgr_internal.h: the manager's insides, shared by
 * zonemgr.c (the zone and its commits) and rollover.c (key rollovers).
 * Private to gateway/zonemgr/. */
#pragma once

#include <stdbool.h>

#include <ev.h>

#include "dnssec/dnssec.h"
#include "gateway/zonemgr/ds_check.h"
#include "gateway/zonemgr/serial_store.h"
#include "gateway/zonemgr/zonemgr.h"

#define GW_ZONEMGR_KEYS_MAX 16

struct gw_zonemgr {
	struct ev_loop *loop;
	gw_zonemgr_opts_t opts;
	/* The static records (zone file, apex, the gateway's own) are the
	 * served zone's RRsets marked ZONE_MARK_STATIC: what a reload diffs
	 * against and what gw_zonemgr_is_static_name() asks. owned: their
	 * own copy of the marked RRsets that also hold other RRs (the
	 * mirror's, at a name both write), as they gave them; NULL: none. */
	zone_t *exact;
	/* owned: the static records a reload loaded while commits are held,
	 * until the held commit is in (they then mark the zone); NULL:
	 * none. */
	zone_t *pending_statics;
	gw_zoneref_t *zone; /* one reference: the served zone */
	gw_serial_t serial;
	sig_keystore_t *keys; /* owned; NULL when unsigned */
	sig_signer_t signer;
	/* What signer points at: the keys that sign now and which of them
	 * sign the keyset only (gw_zonemgr_use_keys()). */
	sig_key_t *sign_keys[GW_ZONEMGR_KEYS_MAX];
	bool keyset_only[GW_ZONEMGR_KEYS_MAX];
	ev_timer roll;  /* the next rollover step or key lifetime */
	time_t roll_at; /* wall clock it fires; 0: stopped */
	/* The keys' last change (apply_keys()) failed: the roll timer tries
	 * it again first. keys_late: it failed in the zone, whose DNSKEY and
	 * signatures are behind keys/state; no step is taken until they
	 * catch up, and the step under way counts from then. */
	bool keys_retry;
	bool keys_late;
	/* static: why the zone is late (keys_late), for the notice when it
	 * catches up: the zone could not take the change, or keys/state could
	 * not record when it did. */
	const char *keys_late_why;
	/* The keys' last change is being signed into the zone in parts
	 * (gw_zonemgr_resign_part()): keys_late until the last, whose end
	 * (gw_zonemgr_keys_resigned()) takes the step's effect and ticks. */
	bool keys_resigning;
	/* owned: the ds-check in flight (one at a time), for the key
	 * ds_check_tag; NULL: none. */
	gw_ds_check_t *ds_check;
	uint16_t ds_check_tag;
	unsigned sign_threads;
	ev_timer refresh;
	/* The refresh timer re-armed on the loop's next turn, after the
	 * queries read by then (gw_zonemgr_schedule_refresh_soon()). */
	ev_timer rearm;
	/* The journal's first write at start, once the loop has nothing
	 * else to do: the snapshot of a large zone takes about a second. */
	ev_idle first_sync;
	gw_journal_t *journal; /* owned: the diffs of every commit, for IXFR */
	gw_zonemgr_hook_fn hook;
	void *hook_arg;
	gw_zonemgr_diff_fn diff_hook; /* the commit's diff, for DNS Push */
	void *diff_arg;
	gw_zonemgr_stats_t stats;
	bool held;                /* gw_zonemgr_hold(): commits go to pending */
	zone_changeset_t pending; /* owned while held */
	size_t pending_commits;
	/* What gw_zonemgr_get_info() shows. */
	time_t refresh_at;  /* wall clock the refresh timer fires; 0: stopped */
	time_t refresh_due; /* the first RRset due for re-signing; 0: none */
	/* A refresh in parts (zonemgr.c, REFRESH_CHUNK), or a key change's
	 * re-signing: RRsets re-signed and commits so far, logged once it
	 * ends. While refresh_parts is not 0, parts are under way and the
	 * refresh timer is theirs (gw_zonemgr_schedule_refresh() leaves it). */
	size_t refresh_run;
	unsigned refresh_parts;
	time_t last_commit;
	uint32_t last_commit_serial;
};

/* One commit (zonemgr.c): cs applied and signed, or with cs NULL the
 * signatures that need it renewed; a new serial and a journal entry. */
int gw_zonemgr_commit_now(gw_zonemgr_t *m, const zone_changeset_t *cs, size_t *resigned);

/* The first part of a re-signing (zonemgr.c): at most REFRESH_CHUNK
 * RRsets that need signing, in one commit. *more: more may be due, and
 * the refresh timer goes on with them in further parts right away, as
 * the refresh does; the run's end calls gw_zonemgr_keys_resigned() while
 * m->keys_resigning. */
int gw_zonemgr_resign_part(gw_zonemgr_t *m, size_t *resigned, bool *more);

/* rollover.c: a key change signed in parts is in the zone whole (resigned
 * RRsets in all, in parts commits): its step takes effect now, and the
 * next is looked at. */
void gw_zonemgr_keys_resigned(gw_zonemgr_t *m, size_t resigned, unsigned parts);

/* rollover.c: the start signed behind RRsets (served before the restart
 * without the signatures of the keys that sign now: a key change cut off
 * in its parts, or never committed) for the keys: the step under way
 * takes effect now, its waits count from now (keys/state). Nothing
 * without a rollover, or with none behind. */
int gw_zonemgr_keys_caught_up(gw_zonemgr_t *m, size_t behind);

/* rollover.c: the start found nothing of the zone served before the
 * restart (no journal, or none usable): a step whose wait is for the
 * signatures of the keys that sign now (ZSK or CSK active, algorithm
 * sign) may have been cut off in its parts, and takes effect now, as
 * gw_zonemgr_keys_caught_up() does. Nothing for other steps. */
int gw_zonemgr_keys_unknown(gw_zonemgr_t *m);

/* Point the signer at the keys that sign now, per the key store. */
void gw_zonemgr_use_keys(gw_zonemgr_t *m);

/* Re-arm the signature refresh timer (zonemgr.c). */
void gw_zonemgr_schedule_refresh(gw_zonemgr_t *m);

/* The same on the loop's next turn, after the queries it reads (a lower
 * priority than theirs). Finding the first RRset due walks every
 * signature of the zone (a tenth of a reload's time on the loop at
 * 100 000 services, bench/reload.md): a reload's commit does not add
 * that to its own, which the queries meanwhile wait for. Until then the
 * timer stays where it was, which is never later than the zone needs: a
 * commit only adds signatures fresh from the signer. */
void gw_zonemgr_schedule_refresh_soon(gw_zonemgr_t *m);

/* zonemgr.c, for statics.c: the SOA and the types the gateway makes (a
 * zone_diff() skip function, arg unused); and mark the zone from fresh,
 * the static records now in it (taken). */
bool gw_zonemgr_skip_owned_and_soa(uint16_t type, void *arg);
void gw_zonemgr_apply_statics(gw_zonemgr_t *m, zone_t *fresh);

/* statics_spare.c: cs, another writer's (the mirror's), less its
 * removals of RRs that the static records also hold (the zone holds such
 * an RR once, for both). *spared false: none, out untouched (commit cs
 * itself); true: out initialised with the rest (copies), the caller's to
 * deinit. */
int gw_zonemgr_spare_statics(const gw_zonemgr_t *m, const zone_changeset_t *cs,
                             zone_changeset_t *out, bool *spared);

/* Same TTL, RRs and rdata (each RRset keeps its RRs in canonical
 * order). */
bool gw_zonemgr_same_rrset(const zone_rrset_t *a, const zone_rrset_t *b);

/* rollover.c: the rollover timer, started and stopped with the manager;
 * gw_zonemgr_roll_tick() takes what steps are due now and re-arms it. */
void gw_zonemgr_roll_init(gw_zonemgr_t *m);
void gw_zonemgr_roll_tick(gw_zonemgr_t *m);
/* Cancel the ds-check in flight, if any (its verdict is dropped). */
void gw_zonemgr_roll_cancel_check(gw_zonemgr_t *m);
