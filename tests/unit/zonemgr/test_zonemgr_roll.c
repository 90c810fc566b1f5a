/* gateway/zonemgr/rollover.c when the zone cannot follow keys/state: a
 * rollover step is written, but its commit fails (the serial's ceiling
 * cannot be written: a full disk past the block of serials on disk). No
 * further step is taken while the zone is behind, the zone catches up by
 * itself once the commit can be made, and the step's waits count from
 * then: no resolver meets a key's signatures, or its DS at the parent,
 * before it could have fetched the key. The DS files alone unwritable:
 * the zone goes on, and the files are written again within a minute. */
#include "log_capture.h"
#include "zonemgr_fixture.h"

/* The rollover's waits are counted in wall-clock seconds (keys/state,
 * the zone manager): this suite's binary links time() to this one
 * (tests/CMakeLists.txt: --wrap=time), which pass_seconds() moves on,
 * so a wait of seconds costs none. The loop's own timers (the parts'
 * gaps) keep the real clock. */
time_t __real_time(time_t *t);
time_t __wrap_time(time_t *t);
static time_t clock_ahead;

time_t __wrap_time(time_t *t)
{
	time_t now = __real_time(NULL) + clock_ahead;
	if (t != NULL)
		*t = now;
	return now;
}

static void pass_seconds(time_t s)
{
	clock_ahead += s;
}

/* keys/state's writes fail while this is set (tests/CMakeLists.txt:
 * --wrap=sig_ks_save_state): a full disk, which root meets too. */
int __real_sig_ks_save_state(const sig_keystore_t *ks);
int __wrap_sig_ks_save_state(const sig_keystore_t *ks);
static bool state_unwritable;

int __wrap_sig_ks_save_state(const sig_keystore_t *ks)
{
	return state_unwritable ? -ENOSPC : __real_sig_ks_save_state(ks);
}

/* DNSKEY RRs in the served zone. */
static unsigned dnskeys(const fixture_t *f)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(served(f), tname(apex, APEX));
	const zone_rrset_t *set = node != NULL ? zone_node_rrset(node, LDNS_RR_TYPE_DNSKEY) : NULL;
	return set != NULL ? set->count : 0;
}

/* The zone verifies with the old key alone (before the new one is
 * published): every RRset signed by it, the chain whole. */
static bool valid_with_old_key(const fixture_t *f, const sig_roll_info_t *info)
{
	size_t n = 0;
	char err[512] = "";
	sig_key_t *const *keys = sig_keystore_keys(gw_zonemgr_keystore(f->m), &n);
	for (size_t i = 0; i < n; i++) {
		if (sig_key_tag(keys[i]) != info->old_tag)
			continue;
		int ret = sig_verify_zone(served(f), &keys[i], 1, time(NULL), err, sizeof(err));
		if (ret != GW_OK)
			fprintf(stderr, "\n  zone does not verify: %s\n", err);
		return ret == GW_OK;
	}
	return false;
}

/* The zone verifies with every key but the old one (the keys that sign
 * now): each RRset signed by the keys its role needs. say: print why
 * not. */
static bool valid_with_new_keys(const fixture_t *f, const sig_roll_info_t *info, bool say)
{
	size_t n = 0, k = 0;
	char err[512] = "";
	sig_key_t *use[8];
	sig_key_t *const *keys = sig_keystore_keys(gw_zonemgr_keystore(f->m), &n);
	for (size_t i = 0; i < n && k < 8; i++) {
		if (sig_key_tag(keys[i]) != info->old_tag)
			use[k++] = keys[i];
	}
	int ret = sig_verify_zone(served(f), use, k, time(NULL), err, sizeof(err));
	if (ret != GW_OK && say)
		fprintf(stderr, "\n  zone does not verify: %s\n", err);
	return k > 0 && ret == GW_OK;
}

static void roll_info(const fixture_t *f, sig_roll_info_t *info)
{
	int64_t auto_at = 0;
	sig_roll_kind_t auto_kind = SIG_ROLL_NONE;
	gw_zonemgr_roll_info(f->m, info, &auto_at, &auto_kind);
}

/* A signed zone with a CSK whose rollover waits 2 s after publishing
 * (DNSKEY TTL 1 s, propagation 1 s), started as the daemon starts it
 * (the serial's ceiling on disk). */
static fixture_t *setup_waiting(uint64_t propagation_s)
{
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true,
	                                  .sign = true,
	                                  .algorithm = SIG_ALG_ED25519,
	                                  .dnskey_ttl = 1,
	                                  .propagation_s = propagation_s});
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	return f;
}

static fixture_t *setup_started(void)
{
	return setup_waiting(1);
}

static void test_roll_commit_fails(void)
{
	char err[256] = "";
	char saved[32] = "";
	sig_roll_info_t info;
	fixture_t *f = setup_started();
	CU_ASSERT_EQUAL(dnskeys(f), 1);
	uint32_t before = serial_of(served(f));

	/* The step is written, the zone does not get the new key. */
	ceiling_unwritable(f, true, saved, sizeof(saved));
	CU_ASSERT_EQUAL(gw_zonemgr_roll_start(f->m, SIG_ROLL_CSK, 0, err, sizeof(err)), GW_OK);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.kind, SIG_ROLL_CSK);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT_EQUAL(dnskeys(f), 1);
	CU_ASSERT_EQUAL(serial_of(served(f)), before);
	CU_ASSERT(valid_with_old_key(f, &info));

	/* Past the step's wait (2 s) as keys/state counts it: still behind,
	 * so no step. */
	pass_seconds(3);
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT_EQUAL(dnskeys(f), 1);

	/* Room again: the zone catches up at the next try, and the step's
	 * wait begins only now. */
	ceiling_unwritable(f, false, saved, sizeof(saved));
	int64_t caught_up = (int64_t)time(NULL);
	char log[4096];
	log_capture_t cap;
	log_capture_start(&cap);
	gw_zonemgr_roll_tick(f->m);
	log_capture_end(&cap, log, sizeof(log));
	CU_ASSERT(strstr(log, "csk rollover, step publish: in effect in the zone only now") !=
	          NULL);
	CU_ASSERT(strstr(log, "(the zone could not take it before); its waits count from now") !=
	          NULL);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(dnskeys(f), 2);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT(info.since >= caught_up);
	CU_ASSERT(info.next >= caught_up + 2);
	CU_ASSERT(serial_of(served(f)) != before);
	/* And the timer would come back when that wait is over. */
	CU_ASSERT(f->m->roll_at >= (time_t)caught_up + 2);
	teardown(f);
}

/* The timer alone brings the zone up to date: the retry it arms runs
 * apply_keys() first. */
static void test_roll_retry_armed(void)
{
	char err[256] = "";
	char saved[32] = "";
	fixture_t *f = setup_started();
	ceiling_unwritable(f, true, saved, sizeof(saved));
	CU_ASSERT_EQUAL(gw_zonemgr_roll_start(f->m, SIG_ROLL_CSK, 0, err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(dnskeys(f), 1);
	time_t now = time(NULL);
	CU_ASSERT(f->m->roll_at > now && f->m->roll_at <= now + 61);
	CU_ASSERT(f->m->keys_late && f->m->keys_retry);
	ceiling_unwritable(f, false, saved, sizeof(saved));
	teardown(f);
}

/* <state>/ds as a directory that holds a file (its atomic write fails),
 * or back as a file. */
static void ds_unwritable(fixture_t *f, bool on)
{
	char path[TDIR_MAX + 16], inner[TDIR_MAX + 32];
	snprintf(path, sizeof(path), "%s/ds", f->dir);
	snprintf(inner, sizeof(inner), "%s/ds/x", f->dir);
	if (on) {
		CU_ASSERT_FATAL(unlink(path) == 0 && mkdir(path, 0700) == 0);
		FILE *fp = fopen(inner, "w");
		CU_ASSERT_FATAL(fp != NULL);
		fclose(fp);
		return;
	}
	CU_ASSERT_FATAL(unlink(inner) == 0 && rmdir(path) == 0);
}

/* DS records in <state>/ds, the file the parent's DS are taken from. */
static unsigned ds_lines(const fixture_t *f)
{
	char path[TDIR_MAX + 16], line[512];
	unsigned n = 0;
	snprintf(path, sizeof(path), "%s/ds", f->dir);
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		n += line[0] != ';' && strstr(line, "\tDS\t") != NULL;
	fclose(fp);
	return n;
}

/* A key change whose commit goes in but whose DS files cannot be
 * written: the zone has the new key and the step's time stands; the
 * change is tried again within a minute though the step waits an hour,
 * and that writes the files. */
static void test_roll_ds_files_fail(void)
{
	char err[256] = "";
	sig_roll_info_t info;
	fixture_t *f = setup_waiting(3600);
	CU_ASSERT_EQUAL(ds_lines(f), 1);
	ds_unwritable(f, true);
	CU_ASSERT_EQUAL(gw_zonemgr_roll_start(f->m, SIG_ROLL_CSK, 0, err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(dnskeys(f), 2);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	int64_t since = info.since;
	time_t now = time(NULL);
	CU_ASSERT(f->m->roll_at > now && f->m->roll_at <= now + 61);

	ds_unwritable(f, false);
	CU_ASSERT_EQUAL(ds_lines(f), 0);
	gw_zonemgr_roll_tick(f->m);
	CU_ASSERT(ds_lines(f) >= 1);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT_EQUAL(info.since, since);
	/* Written: the timer is back to the step's own wait. */
	CU_ASSERT(f->m->roll_at > time(NULL) + 600);
	teardown(f);
}

/* The wall clock set during a step's wait (a time sync after a boot
 * without a clock): the step keeps the time it has waited, in memory and
 * in keys/state (a restart reads the same start), both ways; the
 * refresh timer is armed again. */
static void test_roll_clock_set(void)
{
	char err[256] = "";
	sig_roll_info_t info;
	fixture_t *f = setup_waiting(3600);
	CU_ASSERT_EQUAL(gw_zonemgr_roll_start(f->m, SIG_ROLL_CSK, 0, err, sizeof(err)), GW_OK);
	roll_info(f, &info);
	int64_t since = info.since, next = info.next;
	CU_ASSERT(next > since);

	gw_zonemgr_clock_set(f->m, 30 * 86400);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT_EQUAL(info.since, since + 30 * 86400);
	CU_ASSERT_EQUAL(info.next, next + 30 * 86400);
	CU_ASSERT(f->m->refresh_at > time(NULL));
	CU_ASSERT(f->m->roll_at == (time_t)info.next);

	/* What a restart reads. */
	zm_free(f);
	CU_ASSERT_FATAL(zm_new(f, &(zm_opts_t){.zone_file = true,
	                                       .sign = true,
	                                       .algorithm = SIG_ALG_ED25519,
	                                       .dnskey_ttl = 1,
	                                       .propagation_s = 3600}) == GW_OK);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.since, since + 30 * 86400);

	/* Set after the restart: the start it read was written under the
	 * clock of the start before, which this step says nothing of, and
	 * stays (a box without a clock starts at 1970 and learns the time
	 * from NTP: moved by decades, the rollover would wait as long). */
	char log[4096];
	log_capture_t cap;
	log_capture_start(&cap);
	gw_zonemgr_clock_set(f->m, 40L * 365 * 86400);
	log_capture_end(&cap, log, sizeof(log));
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.since, since + 30 * 86400);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT(strstr(log, "keeps its start, written before this start") != NULL);

	/* A step this start takes moves with a set back (by a little
	 * more), and still waits. */
	pass_seconds((time_t)(info.next - (int64_t)time(NULL)) + 1);
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL_FATAL(info.step, SIG_STEP_DS_WAIT);
	since = info.since;
	gw_zonemgr_clock_set(f->m, -30 * 86400 - 100);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.since, since - 30 * 86400 - 100);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_DS_WAIT);
	teardown(f);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

/* What zsk_roll_started() builds its manager from. */
static const zm_opts_t zsk_roll_opts = {.zone_file = true,
                                        .sign = true,
                                        .algorithm = SIG_ALG_ED25519,
                                        .dnskey_ttl = 1,
                                        .propagation_s = 1,
                                        .split_keys = true};

/* A zone bigger than a refresh's part (4096 RRsets: zone_v1 and 2500
 * hosts), served, and a ZSK rollover started: its new key is published. */
static fixture_t *zsk_roll_started(void)
{
	char err[256] = "";
	fixture_t *f = setup_hosts(&zsk_roll_opts, 2500);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	CU_ASSERT_EQUAL(gw_zonemgr_roll_start(f->m, SIG_ROLL_ZSK, 0, err, sizeof(err)), GW_OK);
	return f;
}

/* A ZSK rollover on a zone bigger than a part: at its active step the new ZSK signs the
 * whole zone, in parts, each a commit, the loop answering in between. No
 * step is taken while a part is left; the step takes effect, and its
 * wait begins, once the last part is in, and the zone then verifies. */
static void test_roll_in_parts(void)
{
	char log[8192];
	log_capture_t cap;
	sig_roll_info_t info;
	fixture_t *f = zsk_roll_started();
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT(!f->m->keys_resigning);

	/* Past the publish wait (2 s): the new ZSK signs, its first part. */
	pass_seconds(3);
	unsigned hooks = f->hooks;
	gw_zonemgr_roll_tick(f->m);
	int64_t first = (int64_t)time(NULL);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(f->m->keys_resigning && f->m->keys_late);
	CU_ASSERT_EQUAL(f->hooks, hooks + 1);
	CU_ASSERT_EQUAL(f->m->roll_at, 0);
	CU_ASSERT(!valid_with_new_keys(f, &info, false));
	/* The tick again: nothing while a part is left. */
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT_EQUAL(f->hooks, hooks + 1);

	/* The loop: the next part, the last. */
	f->break_on_hook = true;
	ev_timer guard;
	ev_timer_init(&guard, on_guard, RUN_MAX_S, 0.0);
	ev_timer_start(f->loop, &guard);
	log_capture_start(&cap);
	ev_run(f->loop, 0);
	log_capture_end(&cap, log, sizeof(log));
	ev_timer_stop(f->loop, &guard);
	CU_ASSERT_EQUAL(f->hooks, hooks + 2);
	CU_ASSERT(!f->m->keys_resigning && !f->m->keys_late);
	CU_ASSERT(strstr(log, "RRsets signed again, in 2 commits") != NULL);
	CU_ASSERT(strstr(log, "signature refresh") == NULL);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(info.since >= first);
	CU_ASSERT(f->m->roll_at != 0 && f->m->roll_at >= (time_t)info.since);
	CU_ASSERT(valid_with_new_keys(f, &info, true));
	gw_zonemgr_stop(f->m);
	teardown(f);
}

static void on_guard_flag(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	*(bool *)w->data = true;
	ev_break(loop, EVBREAK_ONE);
}

/* The loop until a key change's parts are all in (at most RUN_MAX_S). */
static void run_parts(fixture_t *f)
{
	bool timed_out = false;
	ev_timer guard;
	ev_timer_init(&guard, on_guard_flag, RUN_MAX_S, 0.0);
	guard.data = &timed_out;
	ev_timer_start(f->loop, &guard);
	f->break_on_hook = true;
	while (f->m->keys_resigning && !timed_out)
		ev_run(f->loop, 0);
	ev_timer_stop(f->loop, &guard);
	CU_ASSERT(!timed_out);
}

/* run_parts();
 * then what the end shows: the step in effect from since or later (its
 * wait from then), the zone whole under the new keys. */
static void parts_run_out(fixture_t *f, int64_t since, char *log, size_t len)
{
	log_capture_t cap;
	sig_roll_info_t info;
	log_capture_start(&cap);
	run_parts(f);
	log_capture_end(&cap, log, len);
	CU_ASSERT(!f->m->keys_resigning && !f->m->keys_late);
	CU_ASSERT(strstr(log, "RRsets signed again, in 2 commits") != NULL);
	/* Routine: not said as if something had held the step up. */
	CU_ASSERT(strstr(log, "only now") == NULL);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(info.since >= since);
	CU_ASSERT(f->m->roll_at != 0 && f->m->roll_at >= (time_t)info.since);
	CU_ASSERT(valid_with_new_keys(f, &info, true));
}

/* A reload of the zone file between the parts (a SIGHUP, or the release
 * after a configuration reload) and the wall clock set: the parts go on,
 * and the key change ends as it does alone. The refresh timer must not
 * go to the signatures' next expiry, days away, which does not see the
 * RRsets still signed by the old ZSK: the rollover would wait for it. */
static void test_roll_in_parts_reload(void)
{
	fixture_t *f = zsk_roll_started();
	pass_seconds(3);
	int64_t first = (int64_t)time(NULL);
	gw_zonemgr_roll_tick(f->m);
	CU_ASSERT_FATAL(f->m->keys_resigning);

	CU_ASSERT_EQUAL(gw_zonemgr_reload(f->m), GW_OK);
	gw_zonemgr_clock_set(f->m, 0);
	CU_ASSERT(f->m->keys_resigning);
	/* The next part within its gap, not at an expiry. */
	CU_ASSERT(ev_is_active(&f->m->refresh));
	CU_ASSERT(ev_timer_remaining(f->loop, &f->m->refresh) < 1.0);

	char log[8192];
	parts_run_out(f, first, log, sizeof(log));
	/* Then the refresh timer is the signatures' again. */
	CU_ASSERT(f->m->refresh_at > time(NULL) + 3600);
	gw_zonemgr_stop(f->m);
	teardown(f);
}

/* A part of a key change that cannot be committed (the serial's ceiling
 * unwritable): the zone stays as the parts before left it (both ZSKs
 * published, each RRset signed by one); no step is taken; the part is
 * tried again by the refresh's retry, and once there is room the rest
 * goes in and the step takes effect then, not when it was taken. */
static void test_roll_part_fails(void)
{
	char log[8192];
	char saved[32] = "";
	log_capture_t cap;
	sig_roll_info_t info;
	fixture_t *f = zsk_roll_started();
	pass_seconds(3);
	gw_zonemgr_roll_tick(f->m);
	CU_ASSERT_FATAL(f->m->keys_resigning);
	uint32_t first = serial_of(served(f));

	ceiling_unwritable(f, true, saved, sizeof(saved));
	/* The loop until the part has been tried (the journal's first
	 * write may come first). */
	uint64_t failures = f->m->stats.commit_failures;
	log_capture_start(&cap);
	for (int i = 0; i < 10 && f->m->stats.commit_failures == failures; i++)
		ev_run(f->loop, EVRUN_ONCE);
	log_capture_end(&cap, log, sizeof(log));
	CU_ASSERT(strstr(log, "signature refresh failed") != NULL);
	CU_ASSERT_EQUAL(serial_of(served(f)), first);
	CU_ASSERT(f->m->keys_resigning && f->m->keys_late);
	CU_ASSERT(ev_is_active(&f->m->refresh));
	CU_ASSERT(ev_timer_remaining(f->loop, &f->m->refresh) > 30.0);
	/* The tick does not move the step on. */
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT_EQUAL(f->m->roll_at, 0);
	CU_ASSERT(ev_timer_remaining(f->loop, &f->m->refresh) > 30.0);

	/* Room again; the retry comes (here at once, not in a minute). */
	ceiling_unwritable(f, false, saved, sizeof(saved));
	pass_seconds(1);
	int64_t room = (int64_t)time(NULL);
	ev_timer_stop(f->loop, &f->m->refresh);
	ev_timer_set(&f->m->refresh, 0.001, 0.0);
	ev_timer_start(f->loop, &f->m->refresh);
	parts_run_out(f, room, log, sizeof(log));
	CU_ASSERT(strstr(log, "zsk rollover, step active: in effect once the zone was signed "
	                      "again") != NULL);
	gw_zonemgr_stop(f->m);
	teardown(f);
}

/* zsk_roll_started(), past the publish wait: the active step taken
 * (*taken: its time in keys/state), its first part in, the rest to come. */
static fixture_t *roll_first_part(int64_t *taken)
{
	sig_roll_info_t info;
	fixture_t *f = zsk_roll_started();
	pass_seconds(3);
	gw_zonemgr_roll_tick(f->m);
	CU_ASSERT_FATAL(f->m->keys_resigning);
	roll_info(f, &info);
	*taken = info.since;
	return f;
}

/* The manager stopped and freed, down seconds, and built again on the
 * same state directory (the start's log into log, len octets); the
 * rollover as the new one reads it into *info. */
static void restart_after(fixture_t *f, time_t seconds, char *log, size_t len,
                          sig_roll_info_t *info)
{
	log_capture_t cap;
	gw_zonemgr_stop(f->m);
	zm_free(f);
	pass_seconds(seconds);
	log_capture_start(&cap);
	CU_ASSERT_FATAL(zm_new(f, &zsk_roll_opts) == GW_OK);
	log_capture_end(&cap, log, len);
	roll_info(f, info);
	CU_ASSERT_EQUAL(info->step, SIG_STEP_ACTIVE);
}

/* A restart with the step's parts cut off: keys/state has the step
 * taken, the journal the zone as served, the first part signed by the
 * new ZSK and the rest by the old one alone. The start signs the zone
 * whole, and the step takes effect then: counted from when it was taken,
 * its wait would have ended during the downtime, while secondaries and
 * caches held the old signatures. A restart once the parts are in leaves
 * the step's time as it is. */
static void test_roll_restart_in_parts(void)
{
	char log[8192];
	sig_roll_info_t info;
	int64_t taken = 0;
	fixture_t *f = roll_first_part(&taken);

	restart_after(f, 600, log, sizeof(log), &info);
	CU_ASSERT(info.since >= taken + 600);
	CU_ASSERT(strstr(log, "zsk rollover, step active: in effect in the zone only now") != NULL);
	CU_ASSERT(strstr(log, "the zone served before the restart was not yet signed for it") !=
	          NULL);
	CU_ASSERT(valid_with_new_keys(f, &info, true));
	int64_t since = info.since;
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	CU_ASSERT(!f->m->keys_resigning && !f->m->keys_late);

	restart_after(f, 60, log, sizeof(log), &info);
	CU_ASSERT_EQUAL(info.since, since);
	CU_ASSERT(strstr(log, "only now") == NULL);
	teardown(f);
}

/* The same with no journal to read at the restart (transfer.journal-
 * entries 0, or the file lost): nothing tells how far the parts went, so
 * the step takes effect at the start as if cut off, and the start's tick
 * takes no step although the wait counted from when it was taken is over.
 * A step that does not sign anew (publish) keeps its time. */
static void test_roll_restart_no_journal(void)
{
	char log[8192];
	char path[TDIR_MAX + 16];
	sig_roll_info_t info;
	int64_t taken = 0;
	fixture_t *f = roll_first_part(&taken);
	snprintf(path, sizeof(path), "%s/journal", f->dir);

	log_capture_t cap;
	gw_zonemgr_stop(f->m);
	zm_free(f);
	CU_ASSERT(unlink(path) == 0);
	pass_seconds(7200);
	log_capture_start(&cap);
	CU_ASSERT_FATAL(zm_new(f, &zsk_roll_opts) == GW_OK);
	log_capture_end(&cap, log, sizeof(log));
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(info.since >= taken + 7200);
	CU_ASSERT(strstr(log, "zsk rollover, step active: in effect in the zone only now") != NULL);
	CU_ASSERT(strstr(log, "is not known, no journal holding it") != NULL);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(valid_with_new_keys(f, &info, true));
	teardown(f);

	f = zsk_roll_started();
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	int64_t published = info.since;
	gw_zonemgr_stop(f->m);
	zm_free(f);
	snprintf(path, sizeof(path), "%s/journal", f->dir);
	CU_ASSERT(unlink(path) == 0);
	CU_ASSERT_FATAL(zm_new(f, &zsk_roll_opts) == GW_OK);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_PUBLISH);
	CU_ASSERT_EQUAL(info.since, published);
	teardown(f);
}

/* Room again after keys/state could not take a step's time: the first
 * tick records it and takes no step, and its notice says why (why: the
 * words in brackets), not that the zone could not take the change. */
static void tick_records(fixture_t *f, const char *why)
{
	char log[8192];
	log_capture_t cap;
	sig_roll_info_t info;
	int64_t room = (int64_t)time(NULL);
	log_capture_start(&cap);
	gw_zonemgr_roll_tick(f->m);
	log_capture_end(&cap, log, sizeof(log));
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(info.since >= room);
	CU_ASSERT(!f->m->keys_late && !f->m->keys_retry);
	CU_ASSERT(strstr(log, "zsk rollover, step active: in effect in the zone only now") != NULL);
	CU_ASSERT(strstr(log, why) != NULL);
	CU_ASSERT(strstr(log, "the zone could not take it") == NULL);
}

/* The same restart on a full disk: keys/state cannot take the step's
 * new time. The start serves all the same and says so; the rollover
 * takes no step until the first tick that can write it has. */
static void test_roll_restart_in_parts_full(void)
{
	char log[8192];
	sig_roll_info_t info;
	int64_t taken = 0;
	fixture_t *f = roll_first_part(&taken);

	state_unwritable = true;
	restart_after(f, 600, log, sizeof(log), &info);
	state_unwritable = false;
	CU_ASSERT_EQUAL(info.since, taken);
	CU_ASSERT(strstr(log, "cannot record in keys/state that the rollover's step is in effect "
	                      "only now") != NULL);
	CU_ASSERT(f->m->keys_late && f->m->keys_retry);
	CU_ASSERT(valid_with_new_keys(f, &info, true));

	/* The zone took it at the start; keys/state is what was late. */
	tick_records(f, "(the zone served before the restart was not yet signed for it, and "
	                "keys/state could not record it at the start)");
	teardown(f);
}

/* The last part of a key change in, but keys/state cannot record when
 * (a full disk): the zone is whole under the new keys, the step keeps
 * its old time and no step is taken until the first tick that can write
 * it has, which says that keys/state, not the zone, held it up. */
static void test_roll_parts_end_full(void)
{
	sig_roll_info_t info;
	int64_t taken = 0;
	fixture_t *f = roll_first_part(&taken);

	/* The parts take long enough for the step's time to move. */
	pass_seconds(5);
	state_unwritable = true;
	run_parts(f);
	state_unwritable = false;
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.since, taken);
	CU_ASSERT(f->m->keys_late && f->m->keys_retry);
	CU_ASSERT(valid_with_new_keys(f, &info, true));

	pass_seconds(1);
	tick_records(f, "(keys/state could not record it when the zone was signed again)");
	gw_zonemgr_stop(f->m);
	teardown(f);
}

/* The active step's change cannot go in (the serial's ceiling on a full
 * disk) for longer than Iret; once it can, it is signed in parts. The
 * tick that brings it in takes no further step: the old ZSK stays
 * published until the last part is in and Iret has passed from then. */
static void test_roll_late_in_parts(void)
{
	char saved[32] = "";
	sig_roll_info_t info;
	sig_roll_intervals_t iv;
	fixture_t *f = zsk_roll_started();
	pass_seconds(3);
	ceiling_unwritable(f, true, saved, sizeof(saved));
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT(f->m->keys_late && !f->m->keys_resigning);
	gw_zonemgr_roll_intervals(f->m, &iv);
	pass_seconds((time_t)iv.retire_sigs + 10);

	ceiling_unwritable(f, false, saved, sizeof(saved));
	int64_t room = (int64_t)time(NULL);
	gw_zonemgr_roll_tick(f->m);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT_EQUAL(dnskeys(f), 3); /* the KSK, both ZSKs */
	CU_ASSERT(f->m->keys_resigning);
	run_parts(f);
	roll_info(f, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_ACTIVE);
	CU_ASSERT_EQUAL(dnskeys(f), 3); /* the KSK, both ZSKs */
	CU_ASSERT(info.since >= room);
	CU_ASSERT(valid_with_new_keys(f, &info, true));
	gw_zonemgr_stop(f->m);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"a rollover step the zone cannot follow waits for it", test_roll_commit_fails},
	    {"the retry is armed", test_roll_retry_armed},
	    {"the DS files unwritable: written again within a minute", test_roll_ds_files_fail},
	    {"the wall clock set during a wait", test_roll_clock_set},
	    {"a key change signed in parts", test_roll_in_parts},
	    {"a key change in parts, a reload and a clock set between", test_roll_in_parts_reload},
	    {"a part of a key change fails", test_roll_part_fails},
	    {"a restart cuts a key change's parts off", test_roll_restart_in_parts},
	    {"... and keys/state cannot be written then", test_roll_restart_in_parts_full},
	    {"... and no journal to read", test_roll_restart_no_journal},
	    {"the last part in, keys/state cannot record when", test_roll_parts_end_full},
	    {"a late key change in parts: no step until they are in", test_roll_late_in_parts},
	    {NULL, NULL},
	};
	return gw_test_suite("zonemgr rollover, commit fails", tests);
}
