/* gateway/zonemgr/zonemgr.c: the one commit path, unsigned and signed
 * (P-256 with NSEC, Ed25519 with NSEC3): a commit applies its changeset,
 * moves the serial forward once, calls the hook with it, and a reference
 * taken before stays valid; a failing changeset changes nothing; the zone
 * file's names are reserved (what else it may hold: test_zonemgr_statics.c);
 * a reload commits the file's difference in
 * one step and a broken file changes nothing; signatures are refreshed
 * when due; the serial moves forward across restarts, past what the
 * journal shows served, and a start that fails writes no state. */
#include "common/dns.h"
#include "log_capture.h"
#include "zonemgr_fixture.h"

/* ---- start -------------------------------------------------------------- */

/* The zone file's serial on a first start, and its names reserved for
 * the operator (the mirror's reserved callback); nothing else is. */
static void test_start_zone_file(void)
{
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true});
	CU_ASSERT(serial_of(served(f)) == 100);
	CU_ASSERT(data_is(served(f), data_v1));
	CU_ASSERT(is_static(f, "home.arpa."));
	CU_ASSERT(is_static(f, "ns.home.arpa."));
	CU_ASSERT(is_static(f, "WWW.Home.Arpa."));
	CU_ASSERT(!is_static(f, "printer.lan.home.arpa."));
	CU_ASSERT(!is_static(f, "lan.home.arpa."));
	CU_ASSERT(f->hooks == 0);
	teardown(f);
}

/* No zone file: SOA and NS at the apex, the serial from the clock, and
 * only the apex reserved. */
static void test_start_builtin(void)
{
	static const char *const data[] = {"home.arpa. 3600 IN NS ns.home.arpa.", NULL};
	time_t before = time(NULL);
	fixture_t *f = setup(&(zm_opts_t){.zone_file = false});
	uint32_t serial = serial_of(served(f));
	CU_ASSERT(serial >= (uint32_t)before && serial <= (uint32_t)time(NULL));
	CU_ASSERT(data_is(served(f), data));
	CU_ASSERT(is_static(f, "home.arpa."));
	CU_ASSERT(!is_static(f, "ns.home.arpa."));
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK); /* nothing to reload */
	CU_ASSERT(serial_of(served(f)) == serial);
	CU_ASSERT(f->hooks == 0);
	teardown(f);
}

/* ---- commit ------------------------------------------------------------- */

static const char *const mirror_add[] = {
    "printer.lan.home.arpa. 10 IN A 192.0.2.10",
    "printer.lan.home.arpa. 10 IN AAAA 2001:db8::10",
    NULL,
};
static const char *const mirror_remove[] = {"www.home.arpa. 300 IN A 192.0.2.80", NULL};

static const char *const data_after_commit[] = {
    "home.arpa. 3600 IN NS ns.home.arpa.",
    "ns.home.arpa. 3600 IN A 192.0.2.53",
    "printer.lan.home.arpa. 10 IN A 192.0.2.10",
    "printer.lan.home.arpa. 10 IN AAAA 2001:db8::10",
    NULL,
};

/* One commit: the changes, one serial step, the hook with the new serial
 * (the zone already at it), a reference taken before still usable, also
 * after the manager is gone. Signed: the changed RRsets and the SOA
 * signed, and the whole zone verifies. */
static void check_commit(const zm_opts_t *o)
{
	fixture_t *f = setup(o);
	gw_zoneref_t *old = gw_zoneref_get(gw_zonemgr_zone(f->m));
	uint32_t before = serial_of(old->zone);
	CU_ASSERT(before == 100);
	commit_text(f, mirror_add, mirror_remove, GW_OK);
	CU_ASSERT(serial_of(served(f)) == before + 1);
	CU_ASSERT(f->hooks == 1);
	CU_ASSERT(f->hook_serial == before + 1);
	CU_ASSERT(f->hook_zone == before + 1);
	CU_ASSERT(data_is(served(f), data_after_commit));
	CU_ASSERT(!is_static(f, "printer.lan.home.arpa."));
	CU_ASSERT(is_static(f, "www.home.arpa.")); /* still the operator's name */
	if (o->sign) {
		CU_ASSERT(is_signed(served(f), "printer.lan.home.arpa.", T_A));
		CU_ASSERT(is_signed(served(f), "printer.lan.home.arpa.", 28));
		CU_ASSERT(is_signed(served(f), APEX, T_SOA));
		CU_ASSERT(trrset(served(f), "www.home.arpa.", 47) == NULL); /* no stale NSEC */
	}

	/* An empty changeset changes nothing: no serial, no hook. */
	zone_changeset_t cs = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT(gw_zonemgr_commit(f->m, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(serial_of(served(f)) == before + 1);
	CU_ASSERT(f->hooks == 1 && f->hook_serial == before + 1);

	zm_free(f);
	CU_ASSERT(serial_of(old->zone) == before + 1);
	CU_ASSERT(data_is(old->zone, data_after_commit));
	if (o->sign)
		verify_signed(f, old->zone, o->algorithm);
	gw_zoneref_put(old);
	teardown(f);
}

static void test_commit_unsigned(void)
{
	check_commit(&(zm_opts_t){.zone_file = true});
}

static void test_commit_p256_nsec(void)
{
	check_commit(
	    &(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ECDSAP256SHA256});
}

static void test_commit_ed25519_nsec3(void)
{
	check_commit(&(zm_opts_t){
	    .zone_file = true, .sign = true, .algorithm = SIG_ALG_ED25519, .nsec3 = true});
}

/* A changeset the zone refuses: the error comes back, and the zone
 * (signatures included), the serial and the hook are as before; the next
 * good commit takes the next serial. Removing an RR that is not there is
 * not an error. */
static void check_commit_fails(const zm_opts_t *o)
{
	static const char *const out_of_zone[] = {"x.example. 300 IN A 192.0.2.1", NULL};
	static const char *const cname[] = {"www.home.arpa. 300 IN CNAME ns.home.arpa.", NULL};
	static const char *const absent[] = {"nothere.home.arpa. 300 IN A 192.0.2.9", NULL};
	static const char *const ok[] = {"printer.lan.home.arpa. 10 IN A 192.0.2.10", NULL};
	fixture_t *f = setup(o);
	char *dump = tdump(served(f));
	commit_text(f, out_of_zone, NULL, GW_EOUTOFZONE);
	commit_text(f, cname, NULL, GW_ESEMANTIC);
	/* A good RR with a bad one: none of it. */
	static const char *const mixed[] = {"printer.lan.home.arpa. 10 IN A 192.0.2.10",
	                                    "x.example. 300 IN A 192.0.2.1", NULL};
	commit_text(f, mixed, NULL, GW_EOUTOFZONE);
	char *after = tdump(served(f));
	CU_ASSERT_STRING_EQUAL(after, dump);
	free(after);
	free(dump);
	CU_ASSERT(serial_of(served(f)) == 100);
	CU_ASSERT(f->hooks == 0);

	commit_text(f, ok, absent, GW_OK);
	CU_ASSERT(serial_of(served(f)) == 101);
	CU_ASSERT(f->hooks == 1 && f->hook_serial == 101);
	CU_ASSERT(trrset(served(f), "printer.lan.home.arpa.", T_A) != NULL);

	/* The gateway's own records whose commit the zone refuses (a CNAME
	 * beside the mirror's A): nothing changes, and the log says so of
	 * them, not of a reload. */
	static const char *const own_cname[] = {"printer.lan.home.arpa. 60 IN CNAME ns.home.arpa."};
	log_capture_t cap_log;
	char log[2048];
	log_capture_start(&cap_log);
	CU_ASSERT(gw_zonemgr_set_extra(f->m, own_cname, 1) == GW_ESEMANTIC);
	log_capture_end(&cap_log, log, sizeof(log));
	CU_ASSERT(strstr(log, "zone home.arpa.: the gateway's own records not changed") != NULL);
	CU_ASSERT(strstr(log, "reload") == NULL);
	CU_ASSERT(serial_of(served(f)) == 101);
	CU_ASSERT(trrset(served(f), "printer.lan.home.arpa.", DNS_T_CNAME) == NULL);
	if (o->sign)
		free_and_verify(f, o->algorithm);
	teardown(f);
}

static void test_commit_fails_unsigned(void)
{
	check_commit_fails(&(zm_opts_t){.zone_file = true});
}

static void test_commit_fails_signed(void)
{
	check_commit_fails(
	    &(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ECDSAP256SHA256});
}

/* ---- reload ------------------------------------------------------------- */

/* zone_v1 with www gone, mail added, the SOA's refresh changed and a
 * serial that is behind. */
static const char *const zone_v2 = "$ORIGIN home.arpa.\n"
                                   "@ 3600 IN SOA ns hostmaster 50 7200 600 86400 300\n"
                                   "@ 3600 IN NS ns\n"
                                   "ns 3600 IN A 192.0.2.53\n"
                                   "mail 300 IN A 192.0.2.25\n";

static const char *const data_v2_mirror[] = {
    "home.arpa. 3600 IN NS ns.home.arpa.",
    "ns.home.arpa. 3600 IN A 192.0.2.53",
    "mail.home.arpa. 300 IN A 192.0.2.25",
    "printer.lan.home.arpa. 10 IN A 192.0.2.10",
    NULL,
};

/* The SOA refresh field of the served zone. */
static uint32_t soa_refresh(const zone_t *zone)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *apex = zone_find(zone, tname(name, APEX));
	const zone_rrset_t *soa = apex ? zone_node_rrset(apex, T_SOA) : NULL;
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(soa != NULL);
	CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, apex, soa, soa->rdata + 2,
	                                (uint16_t)(soa->rdata_len - 2)) == GW_OK);
	uint32_t refresh = ldns_rdf2native_int32(ldns_rr_rdf(rr, 3));
	ldns_rr_free(rr);
	return refresh;
}

/* A reload after the mirror added a name: one commit with exactly the
 * file's difference (the journal entry: old SOA and www out, new SOA and
 * mail in), our serial kept moving forward with the file's other SOA
 * fields, the mirror's name untouched, the reserved names follow the
 * file. A broken or missing file afterwards changes nothing. */
static void check_reload(const zm_opts_t *o)
{
	static const char *const mirror[] = {"printer.lan.home.arpa. 10 IN A 192.0.2.10", NULL};
	fixture_t *f = setup(o);
	commit_text(f, mirror, NULL, GW_OK);
	CU_ASSERT(serial_of(served(f)) == 101);

	/* The file unchanged, or an empty change: no new serial, no hook,
	 * no journal entry (secondaries would be told of nothing). */
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	commit_text(f, NULL, NULL, GW_OK);
	CU_ASSERT(serial_of(served(f)) == 101);
	CU_ASSERT(f->hooks == 1);
	gw_journal_entry_t *e = gw_journal_newest(gw_zonemgr_journal(f->m));
	CU_ASSERT(e != NULL && e->from == 100 && e->to == 101);
	gw_journal_entry_put(e);

	tdir_write(f->dir, FILE_NAME, zone_v2);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(serial_of(served(f)) == 102);
	CU_ASSERT(f->hooks == 2 && f->hook_serial == 102);
	CU_ASSERT(soa_refresh(served(f)) == 7200);
	CU_ASSERT(data_is(served(f), data_v2_mirror));
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	CU_ASSERT(!is_static(f, "www.home.arpa."));
	e = gw_journal_newest(gw_zonemgr_journal(f->m));
	CU_ASSERT(e != NULL && e->from == 101 && e->to == 102);
	if (e != NULL && !o->sign)
		CU_ASSERT(e->removed == 2 && e->added == 2);
	gw_journal_entry_put(e);

	/* Broken files: the reason is returned, nothing moves. */
	char *dump = tdump(served(f));
	tdir_write(f->dir, FILE_NAME,
	           "$ORIGIN home.arpa.\n"
	           "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	           "@ 3600 IN NS ns\n"
	           "bad 300 IN A 192.0.2.300\n");
	CU_ASSERT(gw_zonemgr_reload(f->m) != GW_OK);
	tdir_write(f->dir, FILE_NAME, "$ORIGIN home.arpa.\n@ 3600 IN NS ns\n"); /* no SOA */
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_ESEMANTIC);
	char path[TDIR_MAX];
	CU_ASSERT_FATAL(unlink(tdir_path(path, f->dir, FILE_NAME)) == 0);
	CU_ASSERT(gw_zonemgr_reload(f->m) == -ENOENT);
	char *after = tdump(served(f));
	CU_ASSERT_STRING_EQUAL(after, dump);
	free(after);
	free(dump);
	CU_ASSERT(serial_of(served(f)) == 102);
	CU_ASSERT(f->hooks == 2);
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	CU_ASSERT(!is_static(f, "www.home.arpa."));

	if (o->sign)
		free_and_verify(f, o->algorithm);
	teardown(f);
}

static void on_read_done(void *arg)
{
	fixture_t *f = arg;
	f->hooks += 100; /* told once */
	ev_break(f->loop, EVBREAK_ONE);
}

/* The zone files read on a thread, the loop told at the end: each result
 * taken once, an error with its reason; the read applied as a reload
 * applies the file, the gateway's own records of the manager added on the
 * loop. */
static void test_reload_read(void)
{
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true});
	static const char *const own[] = {"_dns-push-tls._tcp.home.arpa. 3600 IN SRV 0 0 853 "
	                                  "ns.home.arpa.",
	                                  NULL};
	CU_ASSERT_FATAL(gw_zonemgr_set_extra(f->m, own, 1) == GW_OK);
	CU_ASSERT(serial_of(served(f)) == 101);
	f->hooks = 0;
	tdir_write(f->dir, FILE_NAME, zone_v2);
	gw_zonemgr_opts_t opts[2] = {f->opts, f->opts};
	opts[1].zone_file = "/nonexistent/zone.db";
	gw_zonemgr_read_t *r = NULL;
	CU_ASSERT_FATAL(gw_zonemgr_read_start(&r, f->loop, opts, 2, on_read_done, f) == GW_OK);
	zone_t *z = NULL;
	char err[256] = "";
	CU_ASSERT(gw_zonemgr_read_take(r, 0, &z, err, sizeof(err)) == GW_EINVAL); /* not yet */
	ev_run(f->loop, 0);
	CU_ASSERT(f->hooks == 100);
	CU_ASSERT(gw_zonemgr_read_take(r, 1, &z, err, sizeof(err)) == -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/zone.db"));
	CU_ASSERT(gw_zonemgr_read_take(r, 0, &z, err, sizeof(err)) == GW_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	zone_t *again = NULL;
	CU_ASSERT(gw_zonemgr_read_take(r, 0, &again, err, sizeof(err)) == GW_OK);
	CU_ASSERT_PTR_NULL(again); /* taken */
	CU_ASSERT(gw_zonemgr_read_take(r, 2, &again, err, sizeof(err)) == GW_EINVAL);
	gw_zonemgr_read_free(r);
	CU_ASSERT(gw_zonemgr_reload_read(f->m, z) == GW_OK);
	CU_ASSERT(serial_of(served(f)) == 102);
	CU_ASSERT(f->hooks == 101);
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	CU_ASSERT(!is_static(f, "www.home.arpa."));
	CU_ASSERT(trrset(served(f), "_dns-push-tls._tcp.home.arpa.", 33) != NULL);

	/* Freed before the loop heard of the end: waited for, nothing leaks. */
	CU_ASSERT_FATAL(gw_zonemgr_read_start(&r, f->loop, opts, 2, on_read_done, f) == GW_OK);
	gw_zonemgr_read_free(r);
	CU_ASSERT(f->hooks == 101);
	teardown(f);
}

/* A configuration reload: the zone file's difference and two mirror
 * batches (one adds a name, the next removes it and adds another) held
 * and released as one commit: one serial, one hook call, one journal
 * entry, and the zone as the three commits one after the other would
 * have left it. Releasing with nothing held changes nothing. */
static void check_hold(const zm_opts_t *o)
{
	static const char *const add1[] = {"printer.lan.home.arpa. 10 IN A 192.0.2.10",
	                                   "gone.lan.home.arpa. 10 IN A 192.0.2.11", NULL};
	static const char *const remove2[] = {"gone.lan.home.arpa. 10 IN A 192.0.2.11", NULL};
	fixture_t *f = setup(o);
	uint32_t serial = 0;
	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_OK);
	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_EINVAL);
	tdir_write(f->dir, FILE_NAME, zone_v2);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	commit_text(f, add1, NULL, GW_OK);
	commit_text(f, NULL, remove2, GW_OK);
	CU_ASSERT(serial_of(served(f)) == 100); /* nothing served yet */
	CU_ASSERT(f->hooks == 0);
	gw_zonemgr_statics_t st = GW_ZONEMGR_STATICS_NONE;
	CU_ASSERT(gw_zonemgr_release(f->m, &serial, &st) == GW_OK);
	CU_ASSERT(serial == 101 && st == GW_ZONEMGR_STATICS_IN);
	CU_ASSERT(serial_of(served(f)) == 101);
	CU_ASSERT(f->hooks == 1 && f->hook_serial == 101);
	CU_ASSERT(data_is(served(f), data_v2_mirror));
	gw_journal_entry_t *e = gw_journal_newest(gw_zonemgr_journal(f->m));
	CU_ASSERT(e != NULL && e->from == 100 && e->to == 101);
	if (e != NULL && !o->sign)
		CU_ASSERT(e->removed == 2 && e->added == 3); /* SOA, www; SOA, mail, printer */
	gw_journal_entry_put(e);

	CU_ASSERT(gw_zonemgr_release(f->m, NULL, NULL) == GW_EINVAL);
	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_OK);
	CU_ASSERT(gw_zonemgr_release(f->m, &serial, &st) == GW_OK);
	CU_ASSERT(serial == 101 && f->hooks == 1 && st == GW_ZONEMGR_STATICS_NONE);

	/* A change the zone refuses among the held ones (mail holds an A):
	 * the release fails, the other writer's changes are not applied (it
	 * is told, and commits them again), and the zone file's difference
	 * goes in alone, in one serial. */
	static const char *const zone_v3 = "$ORIGIN home.arpa.\n"
	                                   "@ 3600 IN SOA ns hostmaster 50 7200 600 86400 300\n"
	                                   "@ 3600 IN NS ns\n"
	                                   "ns 3600 IN A 192.0.2.53\n"
	                                   "mail 300 IN A 192.0.2.25\n"
	                                   "files 300 IN A 192.0.2.30\n";
	static const char *const refused[] = {"mail.home.arpa. 300 IN CNAME ns.home.arpa.", NULL};
	static const char *const add3[] = {"scanner.lan.home.arpa. 10 IN A 192.0.2.12", NULL};
	static const char *const data_v3[] = {
	    "home.arpa. 3600 IN NS ns.home.arpa.",       "ns.home.arpa. 3600 IN A 192.0.2.53",
	    "mail.home.arpa. 300 IN A 192.0.2.25",       "files.home.arpa. 300 IN A 192.0.2.30",
	    "printer.lan.home.arpa. 10 IN A 192.0.2.10", NULL,
	};
	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_OK);
	tdir_write(f->dir, FILE_NAME, zone_v3);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	commit_text(f, add3, NULL, GW_OK);
	commit_text(f, refused, NULL, GW_OK);
	CU_ASSERT(is_static(f, "files.home.arpa."));
	CU_ASSERT(gw_zonemgr_release(f->m, &serial, &st) == GW_ESEMANTIC);
	CU_ASSERT(serial == 102 && f->hooks == 2 && st == GW_ZONEMGR_STATICS_ALONE);
	CU_ASSERT(data_is(served(f), data_v3));
	CU_ASSERT(is_static(f, "files.home.arpa."));
	CU_ASSERT(!is_static(f, "scanner.lan.home.arpa."));
	e = gw_journal_newest(gw_zonemgr_journal(f->m));
	CU_ASSERT(e != NULL && e->from == 101 && e->to == 102);
	if (e != NULL && !o->sign)
		CU_ASSERT(e->removed == 1 && e->added == 2); /* SOA; SOA, files */
	gw_journal_entry_put(e);
	/* Not held any more: the same refused change fails at once. */
	commit_text(f, refused, NULL, GW_ESEMANTIC);
	if (o->sign)
		free_and_verify(f, o->algorithm);
	teardown(f);
}

/* A held reload whose release fails, and its difference alone too (a
 * full disk past the serial's ceiling): nothing of it is served, the
 * release says so (what the daemon's reload reports, and how DANE learns
 * its records are not in), the names stay the mirror's; a reload once
 * the disk has room takes the file. */
static void test_hold_lost(void)
{
	static const char *const add[] = {"printer.lan.home.arpa. 10 IN A 192.0.2.10", NULL};
	char saved[32] = "";
	uint32_t serial = 0;
	gw_zonemgr_statics_t st = GW_ZONEMGR_STATICS_NONE;
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true});
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	uint32_t before = serial_of(served(f));
	unsigned hooks = f->hooks;

	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_OK);
	tdir_write(f->dir, FILE_NAME, zone_v2);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	commit_text(f, add, NULL, GW_OK);
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	ceiling_unwritable(f, true, saved, sizeof(saved));
	CU_ASSERT(gw_zonemgr_release(f->m, &serial, &st) != GW_OK);
	CU_ASSERT(st == GW_ZONEMGR_STATICS_LOST);
	CU_ASSERT(serial == before && serial_of(served(f)) == before && f->hooks == hooks);
	CU_ASSERT(data_is(served(f), data_v1));
	CU_ASSERT(!is_static(f, "mail.home.arpa.") && is_static(f, "www.home.arpa."));

	ceiling_unwritable(f, false, saved, sizeof(saved));
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(serial_of(served(f)) == before + 1);
	CU_ASSERT(is_static(f, "mail.home.arpa.") && !is_static(f, "www.home.arpa."));
	commit_text(f, add, NULL, GW_OK);
	CU_ASSERT(data_is(served(f), data_v2_mirror));
	teardown(f);
}

/* A name both the file and another writer (the mirror's browse-domain
 * PTRs) write, and a file's RRset the mirror removed: reloads change
 * only what the file changed (as a diff from the file before), the
 * other writer's RRs stay, and the names stay the file's until it drops
 * them. Two reloads held together make the changes of both. */
static void check_shared(const zm_opts_t *o)
{
	static const char *const file_a = "$ORIGIN home.arpa.\n"
	                                  "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	                                  "@ 3600 IN NS ns\n"
	                                  "ns 3600 IN A 192.0.2.53\n"
	                                  "www 300 IN A 192.0.2.80\n"
	                                  "b._dns-sd._udp 300 IN PTR lan\n";
	static const char *const file_b = "$ORIGIN home.arpa.\n"
	                                  "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	                                  "@ 3600 IN NS ns\n"
	                                  "ns 3600 IN A 192.0.2.53\n"
	                                  "www 300 IN A 192.0.2.80\n"
	                                  "mail 300 IN A 192.0.2.25\n"
	                                  "b._dns-sd._udp 300 IN PTR office\n";
	static const char *const file_c = "$ORIGIN home.arpa.\n"
	                                  "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	                                  "@ 3600 IN NS ns\n"
	                                  "ns 3600 IN A 192.0.2.53\n"
	                                  "mail 300 IN A 192.0.2.26\n";
	static const char *const other_add[] = {
	    "b._dns-sd._udp.home.arpa. 300 IN PTR wifi.home.arpa.", NULL};
	static const char *const other_remove[] = {"www.home.arpa. 300 IN A 192.0.2.80", NULL};
	static const char *const want_b[] = {
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "ns.home.arpa. 3600 IN A 192.0.2.53",
	    "mail.home.arpa. 300 IN A 192.0.2.25",
	    "b._dns-sd._udp.home.arpa. 300 IN PTR wifi.home.arpa.",
	    "b._dns-sd._udp.home.arpa. 300 IN PTR office.home.arpa.",
	    NULL,
	};
	static const char *const want_c[] = {
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "ns.home.arpa. 3600 IN A 192.0.2.53",
	    "mail.home.arpa. 300 IN A 192.0.2.26",
	    "b._dns-sd._udp.home.arpa. 300 IN PTR wifi.home.arpa.",
	    NULL,
	};
	fixture_t *f = setup(o);
	tdir_write(f->dir, FILE_NAME, file_a);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	commit_text(f, other_add, other_remove, GW_OK);
	CU_ASSERT(is_static(f, "www.home.arpa."));
	CU_ASSERT(is_static(f, "b._dns-sd._udp.home.arpa."));

	tdir_write(f->dir, FILE_NAME, file_b);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(data_is(served(f), want_b));
	gw_journal_entry_t *e = gw_journal_newest(gw_zonemgr_journal(f->m));
	if (e != NULL && !o->sign)
		CU_ASSERT(e->removed == 2 && e->added == 3); /* SOA, lan; SOA, office, mail */
	gw_journal_entry_put(e);
	CU_ASSERT(is_static(f, "www.home.arpa."));
	CU_ASSERT(is_static(f, "mail.home.arpa."));

	/* The same file again: nothing of the data changes. */
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(data_is(served(f), want_b));

	/* Held: file_a back, then file_c; released, what file_c says. */
	CU_ASSERT(gw_zonemgr_hold(f->m) == GW_OK);
	tdir_write(f->dir, FILE_NAME, file_a);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(!is_static(f, "mail.home.arpa."));
	tdir_write(f->dir, FILE_NAME, file_c);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(gw_zonemgr_release(f->m, NULL, NULL) == GW_OK);
	CU_ASSERT(data_is(served(f), want_c));
	CU_ASSERT(!is_static(f, "www.home.arpa."));
	CU_ASSERT(!is_static(f, "b._dns-sd._udp.home.arpa."));
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	if (o->sign)
		free_and_verify(f, o->algorithm);
	teardown(f);
}

static void test_shared_unsigned(void)
{
	check_shared(&(zm_opts_t){.zone_file = true});
}

static void test_shared_signed(void)
{
	check_shared(&(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ED25519});
}

static void test_hold_unsigned(void)
{
	check_hold(&(zm_opts_t){.zone_file = true});
}

static void test_hold_signed(void)
{
	check_hold(&(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ED25519});
}

static void test_reload_unsigned(void)
{
	check_reload(&(zm_opts_t){.zone_file = true});
}

static void test_reload_signed(void)
{
	check_reload(
	    &(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ECDSAP256SHA256});
}

/* ---- signature refresh -------------------------------------------------- */

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

/* Signatures valid 4 s, re-signed when less than 3 s remain. */
static const zm_opts_t refresh_opts = {
    .zone_file = true,
    .sign = true,
    .algorithm = SIG_ALG_ED25519,
    .validity_s = 4,
    .refresh_s = 3,
};

/* The refresh timer fires within about two seconds and commits once, new
 * signatures and a new serial, and the zone still verifies. */
static void test_refresh(void)
{
	const zm_opts_t o = refresh_opts;
	fixture_t *f = setup(&o);
	uint32_t expires = sig_expiration(served(f), APEX, T_SOA);
	uint32_t www_expires = sig_expiration(served(f), "www.home.arpa.", T_A);
	CU_ASSERT(expires != 0 && www_expires != 0);
	f->break_on_hook = true;
	ev_timer guard;
	ev_timer_init(&guard, on_timeout, RUN_MAX_S, 0.0);
	ev_timer_start(f->loop, &guard);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	ev_run(f->loop, 0);
	ev_timer_stop(f->loop, &guard);
	gw_zonemgr_stop(f->m);

	CU_ASSERT(f->hooks == 1);
	CU_ASSERT(f->hook_serial == 101);
	CU_ASSERT(serial_of(served(f)) == 101);
	CU_ASSERT(data_is(served(f), data_v1));
	CU_ASSERT(zone_serial_cmp(sig_expiration(served(f), APEX, T_SOA), expires) == 1);
	CU_ASSERT(zone_serial_cmp(sig_expiration(served(f), "www.home.arpa.", T_A), www_expires) ==
	          1);
	free_and_verify(f, o.algorithm);
	teardown(f);
}

/* Every signature falls due at once (as when the wall clock is set
 * forward past them) in a zone bigger than a refresh's part (4096
 * RRsets): zone_v1 and 2500 hosts, 5008 RRsets with the NSECs. The
 * refresh goes in two parts, each a commit with its serial, the second
 * right after the first, logged as one refresh; every signature is new
 * and the zone verifies. */
static void test_refresh_parts(void)
{
	const zm_opts_t o = refresh_opts;
	fixture_t *f = setup_hosts(&o, 2500);
	/* The first host in canonical order and the last. */
	uint32_t first = sig_expiration(served(f), "h0.home.arpa.", T_A);
	uint32_t last = sig_expiration(served(f), "www.home.arpa.", T_A);
	CU_ASSERT(first != 0 && last != 0);

	log_capture_t cap_log;
	char log[8192];
	f->break_on_hook = true;
	ev_timer guard;
	ev_timer_init(&guard, on_timeout, RUN_MAX_S, 0.0);
	ev_timer_start(f->loop, &guard);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	log_capture_start(&cap_log);
	ev_run(f->loop, 0);
	unsigned after_first = f->hooks;
	ev_run(f->loop, 0);
	log_capture_end(&cap_log, log, sizeof(log));
	ev_timer_stop(f->loop, &guard);
	gw_zonemgr_stop(f->m);

	CU_ASSERT_EQUAL(after_first, 1);
	CU_ASSERT_EQUAL(f->hooks, 2);
	CU_ASSERT_EQUAL(f->hook_serial, 102);
	CU_ASSERT(strstr(log, "RRsets re-signed, in 2 commits") != NULL);
	CU_ASSERT(zone_serial_cmp(sig_expiration(served(f), "h0.home.arpa.", T_A), first) == 1);
	CU_ASSERT(zone_serial_cmp(sig_expiration(served(f), "www.home.arpa.", T_A), last) == 1);
	free_and_verify(f, o.algorithm);
	teardown(f);
}

/* ---- restarts ----------------------------------------------------------- */

/* Three commits, a restart with the same zone file (serial 100): the
 * serial is past the durable ceiling, so past all three. A corrupt serial
 * file stops the start and is left for the operator. */
static void test_restart(void)
{
	static const char *const rr1[] = {"a.lan.home.arpa. 10 IN A 192.0.2.1", NULL};
	static const char *const rr2[] = {"b.lan.home.arpa. 10 IN A 192.0.2.2", NULL};
	static const char *const rr3[] = {"c.lan.home.arpa. 10 IN A 192.0.2.3", NULL};
	const zm_opts_t o = {.zone_file = true};
	fixture_t *f = setup(&o);
	commit_text(f, rr1, NULL, GW_OK);
	commit_text(f, rr2, NULL, GW_OK);
	commit_text(f, rr3, NULL, GW_OK);
	CU_ASSERT(serial_of(served(f)) == 103);
	zm_free(f);

	CU_ASSERT_FATAL(zm_new(f, &o) == GW_OK);
	uint32_t serial = serial_of(served(f));
	CU_ASSERT(zone_serial_cmp(serial, 103) == 1);
	CU_ASSERT(serial == 100 + 1024 + 1);
	CU_ASSERT(data_is(served(f), data_v1)); /* the mirror's names are its own to restore */
	zm_free(f);

	char text[64];
	tdir_write(f->dir, "serial", "12a\n");
	CU_ASSERT(zm_new(f, &o) == GW_EPARSE);
	CU_ASSERT(f->m == NULL);
	CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), f->dir, "serial"), "12a\n");
	teardown(f);
}

/* The journal shows 103 served: a serial file restored from an older
 * backup (50) or removed does not send the serial behind it. A manager
 * that is built but neither started nor committed to (a start that
 * failed later) leaves the serial file and the journal as they were: the
 * next start takes the same serial; gw_zonemgr_start() writes both. */
static void test_restart_floor(void)
{
	static const char *const rr1[] = {"a.lan.home.arpa. 10 IN A 192.0.2.1", NULL};
	static const char *const rr2[] = {"b.lan.home.arpa. 10 IN A 192.0.2.2", NULL};
	static const char *const rr3[] = {"c.lan.home.arpa. 10 IN A 192.0.2.3", NULL};
	const zm_opts_t o = {.zone_file = true};
	char text[64], path[TDIR_MAX];
	struct stat before, after;
	fixture_t *f = setup(&o);
	commit_text(f, rr1, NULL, GW_OK);
	commit_text(f, rr2, NULL, GW_OK);
	commit_text(f, rr3, NULL, GW_OK);
	zm_free(f);

	tdir_write(f->dir, "serial", "50\n");
	CU_ASSERT_FATAL(zm_new(f, &o) == GW_OK);
	CU_ASSERT(serial_of(served(f)) == 104);
	zm_free(f); /* never started */
	CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), f->dir, "serial"), "50\n");

	CU_ASSERT_FATAL(unlink(tdir_path(path, f->dir, "serial")) == 0);
	CU_ASSERT_FATAL(stat(tdir_path(path, f->dir, "journal"), &before) == 0);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_FATAL(zm_new(f, &o) == GW_OK);
		CU_ASSERT(serial_of(served(f)) == 104);
		zm_free(f);
		CU_ASSERT(access(tdir_path(path, f->dir, "serial"), F_OK) != 0);
		CU_ASSERT_FATAL(stat(tdir_path(path, f->dir, "journal"), &after) == 0);
		CU_ASSERT(after.st_ino == before.st_ino && after.st_size == before.st_size);
	}

	CU_ASSERT_FATAL(zm_new(f, &o) == GW_OK);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	gw_zonemgr_stop(f->m);
	CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), f->dir, "serial"), "1128\n");
	CU_ASSERT_FATAL(stat(tdir_path(path, f->dir, "journal"), &after) == 0);
	CU_ASSERT(after.st_ino != before.st_ino);
	teardown(f);
}

/* The first snapshot waits until the loop is idle, so that a large zone
 * answers queries before the journal is written: gw_zonemgr_start()
 * leaves no file, one idle turn of the loop writes it, and a stop
 * before that turn writes it too. */
static void test_first_snapshot(void)
{
	const zm_opts_t o = {.zone_file = true};
	char path[TDIR_MAX];
	fixture_t *f = setup(&o);
	tdir_path(path, f->dir, "journal");
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	CU_ASSERT(access(path, F_OK) != 0);
	ev_run(f->loop, EVRUN_NOWAIT);
	CU_ASSERT(access(path, F_OK) == 0);
	gw_zonemgr_stop(f->m);
	zm_free(f);

	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL(zm_new(f, &o) == GW_OK);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->m) == GW_OK);
	CU_ASSERT(access(path, F_OK) != 0);
	gw_zonemgr_stop(f->m);
	CU_ASSERT(access(path, F_OK) == 0);
	teardown(f);
}

/* ---- the gateway's own records (TLSA, SRV, addresses) ------------------ */

#define TLSA_A                                                                                     \
	"_853._tcp.dns.home.arpa. 3600 IN TLSA 3 1 1 "                                             \
	"0101010101010101010101010101010101010101010101010101010101010101"
#define TLSA_B                                                                                     \
	"_853._tcp.dns.home.arpa. 3600 IN TLSA 3 1 1 "                                             \
	"0202020202020202020202020202020202020202020202020202020202020202"
#define PUSH_SRV "_dns-push-tls._tcp.home.arpa. 3600 IN SRV 0 0 853 dns.home.arpa."
#define DNS_A    "dns.home.arpa. 3600 IN A 192.0.2.1"

/* Published with the zone file's records, signed, their names reserved
 * from the mirror; a name and type the file gives stays the file's; a
 * change of them is one commit, and a bad one changes nothing. */
static void test_extra(void)
{
	static const char *const extra[] = {TLSA_A, PUSH_SRV, DNS_A,
	                                    "www.home.arpa. 60 IN A 192.0.2.99", NULL};
	static const char *const want[] = {"home.arpa. 3600 IN NS ns.home.arpa.",
	                                   "ns.home.arpa. 3600 IN A 192.0.2.53",
	                                   "www.home.arpa. 300 IN A 192.0.2.80",
	                                   TLSA_A,
	                                   PUSH_SRV,
	                                   DNS_A,
	                                   NULL};
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true, .sign = true, .extra = extra});
	CU_ASSERT(data_is(served(f), want));
	CU_ASSERT(is_signed(served(f), "_853._tcp.dns.home.arpa.", 52 /* TLSA */));
	CU_ASSERT(is_signed(served(f), "_dns-push-tls._tcp.home.arpa.", 33 /* SRV */));
	CU_ASSERT(is_static(f, "dns.home.arpa."));
	CU_ASSERT(is_static(f, "_853._tcp.dns.home.arpa."));
	CU_ASSERT(is_static(f, "_dns-push-tls._tcp.home.arpa."));
	CU_ASSERT(!is_static(f, "printer.lan.home.arpa."));

	/* A rollover's step: two TLSA at one name, one commit. The zone
	 * file was edited meanwhile, and not reloaded: the step leaves the
	 * edit to the reload (it is not read, a broken one blocks nothing). */
	static const char *const both[] = {TLSA_A, TLSA_B, PUSH_SRV, DNS_A};
	tdir_write(f->dir, FILE_NAME, zone_v2);
	static const char *const want_both[] = {"home.arpa. 3600 IN NS ns.home.arpa.",
	                                        "ns.home.arpa. 3600 IN A 192.0.2.53",
	                                        "www.home.arpa. 300 IN A 192.0.2.80",
	                                        TLSA_A,
	                                        TLSA_B,
	                                        PUSH_SRV,
	                                        DNS_A,
	                                        NULL};
	uint32_t before = serial_of(served(f));
	unsigned hooks = f->hooks;
	CU_ASSERT(gw_zonemgr_set_extra(f->m, both, 4) == GW_OK);
	CU_ASSERT(data_is(served(f), want_both));
	CU_ASSERT(f->hooks == hooks + 1);
	CU_ASSERT(serial_of(served(f)) != before);
	CU_ASSERT(is_signed(served(f), "_853._tcp.dns.home.arpa.", 52 /* TLSA */));

	tdir_write(f->dir, FILE_NAME, "$ORIGIN home.arpa.\nbroken 300 IN A 192.0.2.300\n");
	CU_ASSERT(gw_zonemgr_set_extra(f->m, extra, 4) == GW_OK);
	CU_ASSERT(data_is(served(f), want));
	CU_ASSERT(gw_zonemgr_set_extra(f->m, both, 4) == GW_OK);
	CU_ASSERT(data_is(served(f), want_both));

	/* A record that does not parse: nothing changes. */
	static const char *const bad[] = {TLSA_B, "dns.home.arpa. 3600 IN A not-an-address"};
	CU_ASSERT(gw_zonemgr_set_extra(f->m, bad, 2) != GW_OK);
	CU_ASSERT(data_is(served(f), want_both));

	/* The reload takes the file, the gateway's records stay. */
	static const char *const want_v2[] = {"home.arpa. 3600 IN NS ns.home.arpa.",
	                                      "ns.home.arpa. 3600 IN A 192.0.2.53",
	                                      "mail.home.arpa. 300 IN A 192.0.2.25",
	                                      TLSA_A,
	                                      TLSA_B,
	                                      PUSH_SRV,
	                                      DNS_A,
	                                      NULL};
	tdir_write(f->dir, FILE_NAME, zone_v2);
	CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
	CU_ASSERT(data_is(served(f), want_v2));
	CU_ASSERT(is_static(f, "mail.home.arpa."));
	CU_ASSERT(!is_static(f, "www.home.arpa."));
	/* Now that the file gives no www, the gateway's own www goes in. */
	CU_ASSERT(gw_zonemgr_set_extra(f->m, extra, 4) == GW_OK);
	static const char *const want_v2_www[] = {"home.arpa. 3600 IN NS ns.home.arpa.",
	                                          "ns.home.arpa. 3600 IN A 192.0.2.53",
	                                          "mail.home.arpa. 300 IN A 192.0.2.25",
	                                          "www.home.arpa. 60 IN A 192.0.2.99",
	                                          TLSA_A,
	                                          PUSH_SRV,
	                                          DNS_A,
	                                          NULL};
	CU_ASSERT(data_is(served(f), want_v2_www));
	CU_ASSERT(is_static(f, "www.home.arpa."));
	CU_ASSERT(gw_zonemgr_set_extra(f->m, both, 4) == GW_OK);
	CU_ASSERT(data_is(served(f), want_v2));
	CU_ASSERT(!is_static(f, "www.home.arpa."));
	free_and_verify(f, 13);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"start with a zone file", test_start_zone_file},
	    {"start with the built-in apex", test_start_builtin},
	    {"commit, unsigned", test_commit_unsigned},
	    {"commit, P-256 and NSEC", test_commit_p256_nsec},
	    {"commit, Ed25519 and NSEC3", test_commit_ed25519_nsec3},
	    {"failing commit, unsigned", test_commit_fails_unsigned},
	    {"failing commit, signed", test_commit_fails_signed},
	    {"reload, unsigned", test_reload_unsigned},
	    {"reload, signed", test_reload_signed},
	    {"reload: the zone file read on a thread", test_reload_read},
	    {"hold and release, unsigned", test_hold_unsigned},
	    {"hold and release, signed", test_hold_signed},
	    {"hold and release, all lost (a full disk)", test_hold_lost},
	    {"reloads beside another writer, unsigned", test_shared_unsigned},
	    {"reloads beside another writer, signed", test_shared_signed},
	    {"signature refresh", test_refresh},
	    {"signature refresh in parts", test_refresh_parts},
	    {"restart", test_restart},
	    {"restart: the journal's floor, a start that fails", test_restart_floor},
	    {"the first snapshot once the loop is idle, or at the stop", test_first_snapshot},
	    {"the gateway's own records", test_extra},
	    {NULL, NULL},
	};
	return gw_test_suite("zonemgr", tests);
}
