/* gateway/zonemgr: what a zone file may hold. Data below a DNAME is
 * refused; names below a delegation or a DNAME are the operator's; what
 * it should not hold (the DNSSEC RRsets the gateway makes, an RRset too
 * big to validate) is warned of at each reload and served or ignored as
 * before. */
#include "common/dns.h"
#include "log_capture.h"
#include "zonemgr_fixture.h"

/* A zone file's apex and two names. */
static const char *const zone_base = "$ORIGIN home.arpa.\n"
                                     "@ 3600 IN SOA ns hostmaster 50 7200 600 86400 300\n"
                                     "@ 3600 IN NS ns\n"
                                     "ns 3600 IN A 192.0.2.53\n"
                                     "mail 300 IN A 192.0.2.25\n";

static bool covers(const fixture_t *f, const char *name)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	return gw_zonemgr_covers_below(f->m, tname(wire, name));
}

/* A zone file with data below a DNAME (RFC 6672 2.4 forbids it; no query
 * would reach it) is refused with the names in the message; a DNAME with
 * nothing below it, and a name beside it, load. */
static void test_data_below_dname(void)
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	tdir_make(f->dir, "zonemgr");
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	char err[512] = "";
	tdir_write(f->dir, FILE_NAME,
	           "$ORIGIN home.arpa.\n"
	           "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	           "@ 3600 IN NS ns\n"
	           "old 300 IN DNAME new.home.arpa.\n"
	           "old2 300 IN A 192.0.2.1\n"
	           "a.b.old 300 IN A 192.0.2.2\n");
	CU_ASSERT(zm_new(f, &(zm_opts_t){.zone_file = true}) == GW_ESEMANTIC);
	zone_t *zone = NULL;
	CU_ASSERT(gw_zonemgr_load_static(&zone, &f->opts, err, sizeof(err)) == GW_ESEMANTIC);
	CU_ASSERT_PTR_NULL(zone);
	CU_ASSERT(strstr(err, "a.b.old.home.arpa. is below the DNAME at old.home.arpa.") != NULL);
	tdir_write(f->dir, FILE_NAME,
	           "$ORIGIN home.arpa.\n"
	           "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	           "@ 3600 IN NS ns\n"
	           "old 300 IN DNAME new.home.arpa.\n"
	           "old2 300 IN A 192.0.2.1\n");
	CU_ASSERT(gw_zonemgr_load_static(&zone, &f->opts, err, sizeof(err)) == GW_OK);
	zone_free(zone);
	teardown(f);
}

/* Names below a delegation or a DNAME of the zone file are reserved too:
 * the mirror's records there would never be answered. A CNAME hides
 * nothing below it, and a name beside the cut is free. */
static void test_reserved_below_cut(void)
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	tdir_make(f->dir, "zonemgr");
	tdir_write(f->dir, FILE_NAME,
	           "$ORIGIN home.arpa.\n"
	           "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
	           "@ 3600 IN NS ns\n"
	           "ns 3600 IN A 192.0.2.53\n"
	           "lab 3600 IN NS ns.example.net.\n"
	           "old 300 IN DNAME new.home.arpa.\n"
	           "alias 300 IN CNAME www.example.net.\n");
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	CU_ASSERT_FATAL(zm_new(f, &(zm_opts_t){.zone_file = true}) == GW_OK);
	CU_ASSERT(is_static(f, "lab.home.arpa."));
	CU_ASSERT(is_static(f, "printer.lab.home.arpa."));
	CU_ASSERT(is_static(f, "Printer._ipp._tcp.LAB.home.arpa."));
	CU_ASSERT(is_static(f, "host.old.home.arpa."));
	CU_ASSERT(!is_static(f, "printer.lan.home.arpa."));
	CU_ASSERT(!is_static(f, "laboratory.home.arpa."));
	CU_ASSERT(!is_static(f, "printer.alias.home.arpa."));
	CU_ASSERT(!is_static(f, "printer.new.home.arpa."));
	CU_ASSERT(!is_static(f, "printer.example.net."));
	/* What the mirror asks of a link's subdomain: covered when the name
	 * or one above it is the cut or the DNAME; not the apex (its NS is
	 * the zone's own), nor a CNAME, nor a name beside the cut. */
	CU_ASSERT(covers(f, "lab.home.arpa."));
	CU_ASSERT(covers(f, "LAB.home.arpa."));
	CU_ASSERT(covers(f, "sub.lab.home.arpa."));
	CU_ASSERT(covers(f, "old.home.arpa."));
	CU_ASSERT(covers(f, "x.old.home.arpa."));
	CU_ASSERT(!covers(f, "home.arpa."));
	CU_ASSERT(!covers(f, "lan.home.arpa."));
	CU_ASSERT(!covers(f, "laboratory.home.arpa."));
	CU_ASSERT(!covers(f, "alias.home.arpa."));
	CU_ASSERT(!covers(f, "ns.home.arpa."));
	CU_ASSERT(!covers(f, "lab.example.net."));
	teardown(f);
}

/* Each reload warns of what the zone file holds that it should not: the
 * DNSSEC RRsets the gateway makes itself (ignored) and an RRset over
 * 65535 octets (served, but no validator checks it). The next reload
 * of a mended file warns of nothing. */
static void test_reload_warns(void)
{
	fixture_t *f = setup(&(zm_opts_t){.zone_file = true});
	size_t cap = 128 * 1024, len = 0;
	char *text = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	len += (size_t)snprintf(text + len, cap - len, "%s", zone_base);
	size_t mended = len;
	len += (size_t)snprintf(text + len, cap - len,
	                        "@ 3600 IN DNSKEY 257 3 13 "
	                        "mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+ "
	                        "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==\n");
	/* 800 PTRs of about 90 octets each in canonical form. */
	for (int i = 0; i < 800; i++)
		len +=
		    (size_t)snprintf(text + len, cap - len,
		                     "_ipp._tcp 10 IN PTR Printer-%03d-on-the-second-floor-by-the-"
		                     "window._ipp._tcp\n",
		                     i);
	CU_ASSERT_FATAL(len < cap);
	tdir_write(f->dir, FILE_NAME, text);
	log_capture_t cap_log;
	char log[4096];
	for (int round = 0; round < 3; round++) {
		if (round == 2) {
			text[mended] = '\0';
			tdir_write(f->dir, FILE_NAME, text);
		}
		log_capture_start(&cap_log);
		CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
		log_capture_end(&cap_log, log, sizeof(log));
		bool warned = round < 2;
		CU_ASSERT_EQUAL(strstr(log, "1 DNSSEC RRsets (DNSKEY, RRSIG, NSEC, NSEC3, CDS, "
		                            "CDNSKEY) ignored") != NULL,
		                warned);
		CU_ASSERT_EQUAL(strstr(log, "1 RRsets over 65535 octets (the first: "
		                            "_ipp._tcp.home.arpa. PTR") != NULL,
		                warned);
		/* Served all the same while in the file. */
		const zone_rrset_t *big = trrset(served(f), "_ipp._tcp.home.arpa.", DNS_T_PTR);
		CU_ASSERT_EQUAL(big != NULL && big->count == 800, warned);
	}
	/* Gone once mended. */
	CU_ASSERT_PTR_NULL(trrset(served(f), "_ipp._tcp.home.arpa.", DNS_T_PTR));
	CU_ASSERT(trrset(served(f), "mail.home.arpa.", T_A) != NULL);
	free(text);
	teardown(f);
}

/* A reload re-arms the signature refresh for the zone it leaves, on the
 * loop's next turn (the walk over every signature is not added to the
 * reload's own time on the loop); a held one only once it is released:
 * held, the zone is as it was and nothing is walked. */
static void test_reload_rearms_refresh(void)
{
	fixture_t *f =
	    setup(&(zm_opts_t){.zone_file = true, .sign = true, .algorithm = SIG_ALG_ED25519});
	gw_zonemgr_t *m = f->m;
	char text[1024];
	/* Not started: no refresh armed. */
	CU_ASSERT_FALSE(ev_is_active(&m->refresh));

	snprintf(text, sizeof(text), "%shost1 300 IN A 192.0.2.1\n", zone_base);
	tdir_write(f->dir, FILE_NAME, text);
	CU_ASSERT_FATAL(gw_zonemgr_hold(m) == GW_OK);
	CU_ASSERT(gw_zonemgr_reload(m) == GW_OK);
	ev_run(f->loop, EVRUN_NOWAIT);
	CU_ASSERT_FALSE(ev_is_active(&m->refresh));
	CU_ASSERT(gw_zonemgr_release(m, NULL, NULL) == GW_OK);
	CU_ASSERT(trrset(served(f), "host1.home.arpa.", T_A) != NULL);
	ev_run(f->loop, EVRUN_NOWAIT);
	CU_ASSERT(ev_is_active(&m->refresh));
	CU_ASSERT(m->refresh_due != 0);
	CU_ASSERT_EQUAL(m->refresh_due, sig_zone_next_refresh(&m->signer, served(f)));

	/* Unheld, the same once the reload is in. */
	gw_zonemgr_stop(m);
	CU_ASSERT_FALSE(ev_is_active(&m->refresh));
	snprintf(text, sizeof(text), "%shost2 300 IN A 192.0.2.2\n", zone_base);
	tdir_write(f->dir, FILE_NAME, text);
	CU_ASSERT(gw_zonemgr_reload(m) == GW_OK);
	CU_ASSERT(trrset(served(f), "host2.home.arpa.", T_A) != NULL);
	ev_run(f->loop, EVRUN_NOWAIT);
	CU_ASSERT(ev_is_active(&m->refresh));
	CU_ASSERT_EQUAL(m->refresh_due, sig_zone_next_refresh(&m->signer, served(f)));
	gw_zonemgr_stop(m);
	teardown(f);
}

/* The mirror published an address that the admin then also writes into
 * the zone file; the name becomes the file's and the mirror withdraws its
 * copy. The zone holds the RR once, for both: the withdrawal must spare
 * it, or it is gone, and stays gone across reloads, which find the file
 * unchanged. Held (a configuration reload: the file's change and the
 * mirror's in one commit) and not. */
static void writer_remove(fixture_t *f, const char *rr)
{
	zone_changeset_t cs = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, rr);
	CU_ASSERT(gw_zonemgr_commit_writer(f->m, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
}

static void test_mirror_spares_file_rr(void)
{
	static const char *const mirrored[] = {"printer.home.arpa. 10 IN A 192.0.2.10", NULL};
	static const char *const other[] = {"printer.home.arpa. 10 IN A 192.0.2.11", NULL};
	char text[1024];
	snprintf(text, sizeof(text), "%sprinter 300 IN A 192.0.2.10\n", zone_base);
	for (int held = 0; held < 2; held++) {
		fixture_t *f = setup(&(zm_opts_t){.zone_file = true});
		tdir_write(f->dir, FILE_NAME, zone_base);
		commit_text(f, mirrored, NULL, GW_OK);
		commit_text(f, other, NULL, GW_OK);
		tdir_write(f->dir, FILE_NAME, text);
		if (held)
			CU_ASSERT_FATAL(gw_zonemgr_hold(f->m) == GW_OK);
		CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
		CU_ASSERT(is_static(f, "printer.home.arpa."));
		/* Both of the mirror's go; the one the file also holds stays. */
		writer_remove(f, mirrored[0]);
		writer_remove(f, other[0]);
		if (held)
			CU_ASSERT(gw_zonemgr_release(f->m, NULL, NULL) == GW_OK);
		const zone_rrset_t *rs = trrset(served(f), "printer.home.arpa.", T_A);
		CU_ASSERT_FATAL(rs != NULL);
		CU_ASSERT_EQUAL(rs->count, 1);
		CU_ASSERT_EQUAL(rs->ttl, 300);
		char *dump = tdump(served(f));
		CU_ASSERT(strstr(dump, "192.0.2.10") != NULL);
		CU_ASSERT(strstr(dump, "192.0.2.11") == NULL);
		free(dump);
		/* A later reload keeps it; one without it in the file takes it. */
		CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
		CU_ASSERT(trrset(served(f), "printer.home.arpa.", T_A) != NULL);
		tdir_write(f->dir, FILE_NAME, zone_base);
		CU_ASSERT(gw_zonemgr_reload(f->m) == GW_OK);
		CU_ASSERT_PTR_NULL(trrset(served(f), "printer.home.arpa.", T_A));
		teardown(f);
	}
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"data below a DNAME refused", test_data_below_dname},
	    {"names below a cut or a DNAME reserved", test_reserved_below_cut},
	    {"reload: each one warns of what the zone file should not hold", test_reload_warns},
	    {"reload: the signature refresh re-armed once the zone changed",
	     test_reload_rearms_refresh},
	    {"the mirror's withdrawal spares an RR the zone file also holds",
	     test_mirror_spares_file_rr},
	    {NULL, NULL},
	};
	return gw_test_suite("zonemgr statics", tests);
}
