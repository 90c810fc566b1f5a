/* mdns/mirror*.c: limits (services, records, TXT, changes per second)
 * and the names that are refused. The shares one device may take:
 * test_mirror_shares.c. */
#include "log_capture.h"
#include "mirror_fixture.h"

static void small_limits(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 3;
	cfg->limits.records_per_name = 2;
	cfg->limits.txt_size = 100;
}

static void test_limits(void)
{
	fixture_t *f = setup(small_limits);
	char inst[64];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	/* Not browsed yet: no SRV points at it. */
	addr(f, true, AF_INET, "web.local", "192.0.2.79");
	for (int i = 0; i < 5; i++) {
		snprintf(inst, sizeof(inst), "site%d._http._tcp.local", i);
		ptr(f, true, "_http._tcp.local", inst);
		srv(f, true, inst, 80, "web.local");
		if (i >= 2)
			txt(f, true, inst, "path=/");
	}
	/* records per name: the third address of one host is refused */
	addr(f, true, AF_INET, "web.local", "192.0.2.80");
	addr(f, true, AF_INET, "web.local", "192.0.2.81");
	addr(f, true, AF_INET, "web.local", "192.0.2.82");
	/* TXT size */
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	txt(f, true, "site0._http._tcp.local", big);
	txt(f, true, "site1._http._tcp.local", "path=/");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 3);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_SERVICES], 2);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_RECORDS], 1);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_TXT], 1);
	/* site0's TXT was refused: site0 is held back (RFC 6763 section 6) */
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_NO_TXT], 1);
	CU_ASSERT_FALSE(has_name(f, "site0._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_name(f, "site2._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "site3._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "site4._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "site1._http._tcp.lan.home.arpa. 10 IN TXT \"path=/\""));
	CU_ASSERT_FALSE(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR "
	                          "site0._http._tcp.lan.home.arpa."));
	CU_ASSERT_PTR_NULL(
	    trrset(f->zone->zone, "site0._http._tcp.lan.home.arpa.", LDNS_RR_TYPE_TXT));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "web.lan.home.arpa.", LDNS_RR_TYPE_A)->count, 2);
	CU_ASSERT_FALSE(has_rr(f, "web.lan.home.arpa. 10 IN A 192.0.2.79"));
	/* One goes: room for another. */
	ptr(f, false, "_http._tcp.local", "site0._http._tcp.local");
	ptr(f, true, "_http._tcp.local", "site4._http._tcp.local");
	srv(f, true, "site4._http._tcp.local", 80, "web.local");
	txt(f, true, "site4._http._tcp.local", "path=/");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "site0._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_name(f, "site4._http._tcp.lan.home.arpa."));
	teardown(f);
}

static void slow_rate(mdns_mirror_config_t *cfg)
{
	cfg->limits.changes_per_second = 4;
}

static void test_rate(void)
{
	fixture_t *f = setup_link(slow_rate);
	run_for(f, 1100); /* the enumeration took tokens; let them refill */
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	/* At most 4 of the printer's 7 records in the first second; the
	 * addresses first, never a PTR before its SRV. (6: b/db/lb at the
	 * apex and under the link.) */
	CU_ASSERT(st.published <= 6 + 4);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_RATE] >= 1);
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	/* Deferred, not lost. */
	run_for(f, 2500);
	expect_printer(f, true);
	teardown(f);
}

static mdns_link_config_t g_two_links[] = {
    {.interface = "eth0", .subdomain = "lan"},
    {.interface = "eth1", .subdomain = "wifi"},
};

static void slow_rate_two_links(mdns_mirror_config_t *cfg)
{
	cfg->limits.changes_per_second = 4;
	cfg->links = g_two_links;
	cfg->link_count = 2;
}

/* A link out of tokens is not computed again until it has one: a compute
 * walks all of the link's records and could apply nothing. Each compute
 * that defers counts one refusal, so the count says how often it ran.
 * Its wait does not hold back another link's change. */
static void test_rate_wait(void)
{
	fixture_t *f = setup_link(slow_rate_two_links);
	mdns_mirror_inject_link(f->mirror, IFY, "eth1", true);
	run_for(f, 1100); /* the enumerations took tokens; let them refill */
	service_on(f, IFX, "a", "192.0.2.11");
	service_on(f, IFX, "b", "192.0.2.12");
	service_on(f, IFX, "c", "192.0.2.13");
	mdns_mirror_flush(f->mirror);
	/* Four of the fifteen records: the addresses first, then one more. */
	CU_ASSERT(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.11"));
	CU_ASSERT(has_rr(f, "c.lan.home.arpa. 10 IN A 192.0.2.13"));
	CU_ASSERT_FALSE(has_name(f, "a._http._tcp.lan.home.arpa.") &&
	                has_name(f, "b._http._tcp.lan.home.arpa.") &&
	                has_name(f, "c._http._tcp.lan.home.arpa."));
	/* eth0 waits about 0.25 s for its next token; eth1 has its own. */
	service_on(f, IFY, "d", "192.0.2.14");
	run_for(f, 100);
	CU_ASSERT(has_rr(f, "d.wifi.home.arpa. 10 IN A 192.0.2.14"));

	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	uint64_t before = st.refused[MDNS_MIRROR_REFUSED_RATE];
	run_for(f, 600);
	mdns_mirror_get_stats(f->mirror, &st);
	/* 0.6 s brings each link 2.4 tokens: a few computes, where one every
	 * 5 ms (the batch's settle) would be over a hundred. */
	uint64_t computes = st.refused[MDNS_MIRROR_REFUSED_RATE] - before;
	CU_ASSERT(computes >= 1);
	CU_ASSERT(computes <= 8);
	/* Deferred, not lost. */
	run_for(f, 3000);
	CU_ASSERT(has_name(f, "c._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "c.lan.home.arpa. 10 IN A 192.0.2.13"));
	CU_ASSERT(has_name(f, "d._http._tcp.wifi.home.arpa."));
	teardown(f);
}

static void test_reserved(void)
{
	fixture_t *f = setup_link(NULL);
	/* Types and targets on the gateway's _dns-sd._udp names */
	ptr(f, true, "_services._dns-sd._udp.local", "_dns-sd._udp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_services._dns-sd._udp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "notatype.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	ptr(f, true, "_http._tcp.local", "evil._http._tcp.local");
	srv(f, true, "evil._http._tcp.local", 80, "b._dns-sd._udp.local");
	ptr(f, true, "_http._tcp.local", "other._ipp._tcp.local");
	/* A host on a static name of the zone */
	ptr(f, true, "_http._tcp.local", "clash._http._tcp.local");
	srv(f, true, "clash._http._tcp.local", 80, "static.local");
	addr(f, true, AF_INET, "static.local", "192.0.2.201");
	/* An instance whose name is the gateway's, as one label */
	ptr(f, true, "_http._tcp.local", "b\\._dns-sd\\._udp._http._tcp.local");
	srv(f, true, "b\\._dns-sd\\._udp._http._tcp.local", 80, "ok.local");
	txt(f, true, "b\\._dns-sd\\._udp._http._tcp.local", "path=/");
	addr(f, true, AF_INET, "ok.local", "192.0.2.202");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_RESERVED] >= 3);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_INVALID] >= 2);
	CU_ASSERT_FALSE(has_name(f, "_dns-sd._udp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "evil._http._tcp.lan.home.arpa."));
	/* b._dns-sd._udp.lan.home.arpa. is the link's enumeration, nothing
	 * else (no host's address there). */
	CU_ASSERT_PTR_NULL(trrset(f->zone->zone, "b._dns-sd._udp.lan.home.arpa.", LDNS_RR_TYPE_A));
	CU_ASSERT_EQUAL(
	    trrset(f->zone->zone, "b._dns-sd._udp.lan.home.arpa.", LDNS_RR_TYPE_PTR)->count, 1);
	/* The static record is untouched, and nothing was merged into it. */
	CU_ASSERT(has_rr(f, "static.lan.home.arpa. 300 IN A 192.0.2.200"));
	CU_ASSERT_FALSE(has_rr(f, "static.lan.home.arpa. 10 IN A 192.0.2.201"));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "static.lan.home.arpa.", LDNS_RR_TYPE_A)->count, 1);
	/* nor does a service lead there */
	CU_ASSERT_FALSE(has_name(f, "clash._http._tcp.lan.home.arpa."));
	/* The dotted label is data, one label under the type: allowed. */
	CU_ASSERT(has_rr(f, "b\\._dns-sd\\._udp._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
	                    "ok.lan.home.arpa."));
	/* The apex SOA and NS are the gateway's. */
	CU_ASSERT(has_rr(f, "home.arpa. 3600 IN NS ns.home.arpa."));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "home.arpa.", LDNS_RR_TYPE_NS)->count, 1);
	teardown(f);
}

/* A zone file that delegates lan.home.arpa. when g_cut is set: every
 * name below it is reserved, and the link's subdomain covered. */
static bool g_cut;

static bool below_lan(const uint8_t *name, bool strictly)
{
	uint8_t lan[ZONE_NAME_MAXLEN];
	tname(lan, "lan.home.arpa.");
	return g_cut && zone_name_is_subdomain(name, lan) &&
	       !(strictly && zone_name_equal(name, lan));
}

static bool cut_reserved(void *arg, const uint8_t *name)
{
	return gw_commit_reserved(arg, name) || below_lan(name, true);
}

static bool cut_covered(void *arg, const uint8_t *name)
{
	(void)arg;
	return below_lan(name, false);
}

static void with_cut(mdns_mirror_config_t *cfg)
{
	(void)cfg;
	F.zcfg.reserved = cut_reserved;
	F.zcfg.covered = cut_covered;
}

static size_t count_of(const char *log, const char *text)
{
	size_t n = 0;
	for (const char *p = strstr(log, text); p != NULL; p = strstr(p + 1, text))
		n++;
	return n;
}

/* The zone file changes under a running mirror (a reload): told, the
 * mirror withdraws what is now below a delegation, the link's own browse
 * domains included, says so once, and publishes it again when the
 * delegation goes. */
static void test_statics_changed(void)
{
	static char log[8192];
	log_capture_t cap;
	g_cut = false;
	fixture_t *f = setup_link(with_cut);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	CU_ASSERT(has_name(f, "b._dns-sd._udp.lan.home.arpa."));

	/* Delegated: nothing of the mirror's below lan.home.arpa. is left;
	 * the apex still names the link as a browse domain. */
	log_capture_start(&cap);
	g_cut = true;
	mdns_mirror_statics_changed(f->mirror);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_statics_changed(f->mirror);
	mdns_mirror_flush(f->mirror);
	log_capture_end(&cap, log, sizeof(log));
	static const char *const gone[] = {
	    "_services._dns-sd._udp.lan.home.arpa.",   "_ipp._tcp.lan.home.arpa.",
	    "My\\032Printer._ipp._tcp.lan.home.arpa.", "printer.lan.home.arpa.",
	    "b._dns-sd._udp.lan.home.arpa.",           "lb._dns-sd._udp.lan.home.arpa.",
	};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		if (has_name(f, gone[i]))
			fprintf(stderr, "left below the cut: %s\n", gone[i]);
		CU_ASSERT_FALSE(has_name(f, gone[i]));
	}
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	CU_ASSERT(has_rr(f, "static.lan.home.arpa. 300 IN A 192.0.2.200"));
	CU_ASSERT_EQUAL(count_of(log, "link lan: nothing of it is published in zone home.arpa.: "
	                              "lan.home.arpa. is at or below a delegation"),
	                1);

	/* The delegation gone: all back, and said. */
	log_capture_start(&cap);
	g_cut = false;
	mdns_mirror_statics_changed(f->mirror);
	mdns_mirror_flush(f->mirror);
	log_capture_end(&cap, log, sizeof(log));
	expect_printer(f, true);
	CU_ASSERT(has_name(f, "b._dns-sd._udp.lan.home.arpa."));
	CU_ASSERT_EQUAL(count_of(log, "link lan: lan.home.arpa. is no longer delegated"), 1);
	teardown(f);
}

static void slow_rate_cut(mdns_mirror_config_t *cfg)
{
	slow_rate(cfg);
	with_cut(cfg);
}

/* Out of tokens, what must go goes at once: the rate bounds what devices
 * add, and each withdrawal ends what an addition paid for. A device's
 * goodbye is not held back, nor is what a zone file reload delegates
 * (left, it would sit below the cut). */
static void test_rate_withdraw(void)
{
	g_cut = false;
	fixture_t *f = setup_link(slow_rate_cut);
	run_for(f, 1100); /* the enumeration took tokens; let them refill */
	printer(f, true);
	run_for(f, 2500);
	expect_printer(f, true);
	/* Three services spend the tokens; most of them wait. */
	service_on(f, IFX, "a", "192.0.2.11");
	service_on(f, IFX, "b", "192.0.2.12");
	service_on(f, IFX, "c", "192.0.2.13");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "_http._tcp.lan.home.arpa.")); /* PTRs come last */
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_RATE] >= 1);

	printer(f, false);
	mdns_mirror_flush(f->mirror);
	/* The printer's own records: the link's browse PTRs at the apex stay
	 * for the services still there. */
	for (const char *const *rr = PRINTER_RRS + 3; *rr != NULL; rr++) {
		if (has_rr(f, *rr))
			fprintf(stderr, "goodbye held back: %s\n", *rr);
		CU_ASSERT_FALSE(has_rr(f, *rr));
	}
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));

	g_cut = true;
	mdns_mirror_statics_changed(f->mirror);
	mdns_mirror_flush(f->mirror);
	static const char *const gone[] = {
	    "_services._dns-sd._udp.lan.home.arpa.",
	    "_http._tcp.lan.home.arpa.",
	    "a.lan.home.arpa.",
	    "b.lan.home.arpa.",
	    "b._dns-sd._udp.lan.home.arpa.",
	    "lb._dns-sd._udp.lan.home.arpa.",
	};
	for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		if (has_name(f, gone[i]))
			fprintf(stderr, "left below the cut: %s\n", gone[i]);
		CU_ASSERT_FALSE(has_name(f, gone[i]));
	}
	CU_ASSERT(has_rr(f, "static.lan.home.arpa. 300 IN A 192.0.2.200"));

	/* The delegation gone, the link comes back as tokens allow. */
	g_cut = false;
	mdns_mirror_statics_changed(f->mirror);
	run_for(f, 6000);
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR c._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "c.lan.home.arpa. 10 IN A 192.0.2.13"));
	teardown(f);
}

/* Out of tokens, a record replaced in place (a TXT rewritten, a host's
 * address renewed) keeps its old value until its successor's token
 * comes: withdrawn at once, it would take the service out of the zone
 * until then. */
static const char a_ptr[] = "_http._tcp.lan.home.arpa. 10 IN PTR a._http._tcp.lan.home.arpa.";

/* At 4 changes a second: service a in the zone, then b's, c's and d's
 * records, which take the four tokens (b's address among them) and more. */
static fixture_t *a_then_out_of_tokens(void)
{
	fixture_t *f = setup_link(slow_rate);
	run_for(f, 1100); /* the enumeration took tokens; let them refill */
	service_on(f, IFX, "a", "192.0.2.11");
	run_for(f, 2500);
	CU_ASSERT_FATAL(has_rr(f, a_ptr));
	service_on(f, IFX, "b", "192.0.2.12");
	service_on(f, IFX, "c", "192.0.2.13");
	service_on(f, IFX, "d", "192.0.2.14");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "b.lan.home.arpa. 10 IN A 192.0.2.12"));
	return f;
}

static void test_rate_replace(void)
{
	fixture_t *f = a_then_out_of_tokens();
	txt(f, false, "a._http._tcp.local", "path=/");
	txt(f, true, "a._http._tcp.local", "path=/v2");
	addr(f, false, AF_INET, "a.local", "192.0.2.11");
	addr(f, true, AF_INET, "a.local", "192.0.2.21");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "a._http._tcp.lan.home.arpa. 10 IN TXT \"path=/\""));
	CU_ASSERT(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.11"));
	zone_dump(f->zone->zone, stderr); // DEBUG
	/* The service stays in the zone while its successors wait. */
	int missing = 0;
	for (int i = 0; i < 60; i++) {
		run_for(f, 100);
		missing += !has_rr(f, a_ptr);
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT(has_rr(f, "a._http._tcp.lan.home.arpa. 10 IN TXT \"path=/v2\""));
	CU_ASSERT_FALSE(has_rr(f, "a._http._tcp.lan.home.arpa. 10 IN TXT \"path=/\""));
	CU_ASSERT(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.21"));
	CU_ASSERT_FALSE(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.11"));
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR d._http._tcp.lan.home.arpa."));
	/* A goodbye has no successor: it still goes at once. */
	txt(f, false, "d._http._tcp.local", "path=/");
	service_on(f, IFX, "e", "192.0.2.15");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(
	    has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR d._http._tcp.lan.home.arpa."));
	teardown(f);
}

/* Out of tokens, an SRV moves to another host: the old host, to which no
 * SRV points any more, leaves at once, so the old SRV leads nowhere, and
 * the new one waits. The browse PTR to the instance must not stay
 * behind, leading to no SRV. It goes with it, and both come back once
 * there are tokens. */
static void test_rate_leads(void)
{
	fixture_t *f = a_then_out_of_tokens();
	srv(f, false, "a._http._tcp.local", 80, "a.local");
	srv(f, true, "a._http._tcp.local", 80, "b.local");
	mdns_mirror_flush(f->mirror);
	bool srv_left =
	    trrset(f->zone->zone, "a._http._tcp.lan.home.arpa.", LDNS_RR_TYPE_SRV) != NULL;
	CU_ASSERT_FALSE(has_rr(f, "a._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 a.lan.home.arpa."));
	if (!srv_left)
		CU_ASSERT_FALSE(
		    has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR a._http._tcp.lan.home.arpa."));
	run_for(f, 6000);
	CU_ASSERT(has_rr(f, "a._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 b.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR a._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR d._http._tcp.lan.home.arpa."));
	teardown(f);
}

/* Right after a restart the saved records are served until the warm-up
 * ends; a zone file reload that delegates the link meanwhile takes them
 * away at once, and the end of the warm-up, which walks the saved
 * records, finds only those still held (ASan would see a freed one). */
static void test_statics_during_warmup(void)
{
	g_cut = false;
	fixture_t *f = setup_link(with_cut);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	mirror_down(f);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
	CU_ASSERT(has_name(f, "printer.lan.home.arpa.")); /* the saved state, warm */
	g_cut = true;
	mdns_mirror_statics_changed(f->mirror);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "b._dns-sd._udp.lan.home.arpa."));
	run_for(f, 250); /* the warm-up ends */
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	g_cut = false;
	teardown(f);
}

/* A zone file that lists the zone's browse domains, or a link's service
 * types, itself keeps its list: the mirror adds none to it (no merge),
 * and still publishes the link's services and the rest of the
 * enumeration. */
static void test_enum_static(void)
{
	static const char *const rrs[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 100 3600 600 86400 10",
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "b._dns-sd._udp.home.arpa. 300 IN PTR campus.example.",
	    "_services._dns-sd._udp.lan.home.arpa. 300 IN PTR _custom._tcp.lan.home.arpa.",
	    NULL,
	};
	fixture_t *f = setup_begin(NULL);
	CU_ASSERT_FATAL(gw_zoneref_new(&f->zone, tzone("home.arpa.", rrs)) == GW_OK);
	CU_ASSERT_FATAL(gw_commit_init(&f->commit, &f->zone) == GW_OK);
	mirror_up(f);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	const zone_rrset_t *b =
	    trrset(f->zone->zone, "b._dns-sd._udp.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(b->count, 1);
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 300 IN PTR campus.example."));
	CU_ASSERT(has_rr(f, "db._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.lan.home.arpa. 10 IN PTR lan.home.arpa."));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	const zone_rrset_t *types =
	    trrset(f->zone->zone, "_services._dns-sd._udp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(types);
	CU_ASSERT_EQUAL(types->count, 1);
	CU_ASSERT(has_rr(f, "_services._dns-sd._udp.lan.home.arpa. 300 IN PTR "
	                    "_custom._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "_ipp._tcp.lan.home.arpa. 10 IN PTR "
	                    "My\\032Printer._ipp._tcp.lan.home.arpa."));
	teardown(f);
}

static void long_domain(mdns_mirror_config_t *cfg)
{
	static const char *d = "a-rather-long-domain-name-to-make-names-overflow.example.org.";
	fixture_t *f = &F;
	(void)cfg;
	f->zcfg.domain_len = (size_t)zone_name_from_str(f->domain, d, NULL);
	snprintf(f->domain_str, sizeof(f->domain_str), "%s", d);
}

static void test_overlong(void)
{
	fixture_t *f = setup_begin(long_domain);
	/* The zone must be the long domain's. */
	static const char *const rrs[] = {
	    "a-rather-long-domain-name-to-make-names-overflow.example.org. 3600 IN SOA "
	    "ns.example.org. "
	    "h.example.org. 1 3600 600 86400 10",
	    NULL,
	};
	CU_ASSERT_FATAL(gw_zoneref_new(&f->zone, tzone("a-rather-long-domain-name-to-make-names-"
	                                               "overflow.example.org.",
	                                               rrs)) == GW_OK);
	CU_ASSERT_FATAL(gw_commit_init(&f->commit, &f->zone) == GW_OK);
	mirror_up(f);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	char inst[300];
	snprintf(inst, sizeof(inst), "%.63s.%.63s._http._tcp.local",
	         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	         "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
	/* 63 octets of instance label fit; the same with a 63-octet host
	 * label chain does not. */
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	ptr(f, true, "_http._tcp.local",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA._http._tcp.local");
	srv(f, true,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA._http._tcp.local", 80,
	    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC."
	    "DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD."
	    "EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE.local");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_LENGTH], 1);
	CU_ASSERT_EQUAL(st.services, 1);
	CU_ASSERT_FALSE(has_name(f,
	                         "_http._tcp.lan.a-rather-long-domain-name-to-make-names-overflow."
	                         "example.org."));
	teardown(f);
}

/* Issue 16: names that would change what DNS means once mirrored. A "*"
 * instance would be the wildcard *._http._tcp.lan.home.arpa. (RFC 4592),
 * answering for every absent instance of the type. */
static void test_wildcard(void)
{
	fixture_t *f = setup_link(NULL);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	/* the * instance */
	http_service(f, "*._http._tcp.local", "attacker.local", "192.0.2.66");
	/* a * host, and * inside a host name (an empty non-terminal
	 * wildcard *.lan.home.arpa. above a.*.lan.home.arpa.) */
	http_service(f, "star._http._tcp.local", "*.local", "192.0.2.66");
	http_service(f, "deep._http._tcp.local", "a.*.local", "192.0.2.66");
	/* a normal service on the same link */
	http_service(f, "web._http._tcp.local", "web.local", "192.0.2.80");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_WILDCARD], 3);
	CU_ASSERT_FALSE(has_name(f, "*._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "*.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "a.*.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "attacker.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "star._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "deep._http._tcp.lan.home.arpa."));
	/* browsing stops where the names were refused */
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "*._http._tcp.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_SRV));
	wire_text(name, "*.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	CU_ASSERT(has_rr(f, "web._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 web.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR web._http._tcp.lan.home.arpa."));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "_http._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR)->count,
	                1);
	teardown(f);
}

/* The other names that would land on DNS-SD's structure, or carry
 * control characters: refused as not valid DNS-SD, counted. */
static void test_structure(void)
{
	fixture_t *f = setup_link(NULL);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	/* a type with a control character */
	ptr(f, true, "_services._dns-sd._udp.local", "_ht\\010tp._tcp.local");
	/* an instance on the parent of the subtype names */
	http_service(f, "_sub._http._tcp.local", "web.local", NULL);
	/* an instance with a NUL, one with a line break */
	ptr(f, true, "_http._tcp.local", "bad\\000nul._http._tcp.local");
	ptr(f, true, "_http._tcp.local", "bad\\010nl._http._tcp.local");
	/* a host on a service type, on an instance, on a subtype */
	http_service(f, "typehost._http._tcp.local", "_ipp._tcp.local", NULL);
	http_service(f, "insthost._http._tcp.local", "web._http._tcp.local", NULL);
	http_service(f, "subhost._http._tcp.local", "_x._sub._ipp._tcp.local", NULL);
	/* the normal one */
	http_service(f, "web._http._tcp.local", "web.local", "192.0.2.80");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_INVALID], 7);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_WILDCARD], 0);
	CU_ASSERT_EQUAL(st.services, 4); /* web, and the three whose SRV was refused */
	CU_ASSERT_FALSE(has_name(f, "_sub._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "typehost._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "insthost._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "subhost._http._tcp.lan.home.arpa."));
	CU_ASSERT_PTR_NULL(trrset(f->zone->zone, "_ipp._tcp.lan.home.arpa.", LDNS_RR_TYPE_A));
	CU_ASSERT(has_rr(f, "web._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 web.lan.home.arpa."));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "_http._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR)->count,
	                1);
	teardown(f);
}

static void link_1000(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 1000;
}

/* The instance label of printer i: 60 octets. */
static void long_instance(char *out, size_t len, int i)
{
	snprintf(out, len,
	         "Printer-with-a-long-name-on-the-third-floor-number-%09d._ipp._tcp.local", i);
}

/* A type with more instances than its PTR RRset can hold for a validator
 * (600 with 60-octet labels, under the link's limit of 1000): those past
 * 64 KiB in canonical form are refused, counted as rrset_size, and the
 * RRset published stays within it; one gone makes room for another. */
static void test_ptr_rrset_size(void)
{
	enum { PRINTERS = 600, HOSTS = 10 };
	fixture_t *f = setup(link_1000);
	char inst[128], host[32], a[32];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_ipp._tcp.local");
	for (int i = 0; i < PRINTERS; i++) {
		long_instance(inst, sizeof(inst), i);
		snprintf(host, sizeof(host), "p%d.local", i % HOSTS);
		ptr(f, true, "_ipp._tcp.local", inst);
		srv(f, true, inst, 631, host);
		txt(f, true, inst, "rp=ipp/print");
	}
	for (int h = 0; h < HOSTS; h++) {
		snprintf(host, sizeof(host), "p%d.local", h);
		snprintf(a, sizeof(a), "192.0.2.%d", 10 + h);
		addr(f, true, AF_INET, host, a);
	}
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	const zone_rrset_t *rs =
	    trrset(f->zone->zone, "_ipp._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	size_t refused = st.refused[MDNS_MIRROR_REFUSED_RRSET_SIZE];
	CU_ASSERT(refused > 0);
	CU_ASSERT_EQUAL(rs->count + refused, PRINTERS);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_SERVICES], 0);
	/* In canonical form: each RR's owner, type, class, TTL and RDLENGTH,
	 * and rdata_len (each rdata behind its 2-octet length). */
	size_t owner = 25; /* _ipp._tcp.lan.home.arpa. */
	size_t size = (size_t)rs->count * (owner + 8) + rs->rdata_len;
	size_t one = owner + 10 + (size_t)rs->rdata_len / rs->count - 2;
	CU_ASSERT(size <= 65535);
	CU_ASSERT(size + one > 65535);
	mdns_mirror_refusal_t r;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_recent_refusals(f->mirror, &r, 1), 1);
	CU_ASSERT_STRING_EQUAL(mdns_mirror_refused_name(r.kind), "rrset_size");
	CU_ASSERT(strstr(r.detail, "past the 65535 that validators check") != NULL);

	/* One goes: the next one asked for takes its place. */
	uint16_t kept = rs->count;
	long_instance(inst, sizeof(inst), 0);
	ptr(f, false, "_ipp._tcp.local", inst);
	long_instance(inst, sizeof(inst), PRINTERS);
	ptr(f, true, "_ipp._tcp.local", inst);
	srv(f, true, inst, 631, "p0.local");
	txt(f, true, inst, "rp=ipp/print");
	mdns_mirror_flush(f->mirror);
	rs = trrset(f->zone->zone, "_ipp._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->count, kept);
	CU_ASSERT(has_name(f, "Printer-with-a-long-name-on-the-third-floor-number-000000600._ipp._"
	                      "tcp.lan.home.arpa."));
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"limits: services, records per name, TXT", test_limits},
	    {"limit: changes per second defers", test_rate},
	    {"limit: out of tokens, no compute until one", test_rate_wait},
	    {"gateway-owned names are refused", test_reserved},
	    {"a zone file reload: what it delegates is withdrawn", test_statics_changed},
	    {"limit: out of tokens, withdrawals still go at once", test_rate_withdraw},
	    {"limit: out of tokens, a replaced record stays until its successor",
	     test_rate_replace},
	    {"limit: out of tokens, an SRV to a host gone takes its PTR along", test_rate_leads},
	    {"a zone file reload during the warm-up", test_statics_during_warmup},
	    {"the zone file's own browse domains and types are not merged into", test_enum_static},
	    {"over-long names are refused", test_overlong},
	    {"a * label is never mirrored (no wildcard)", test_wildcard},
	    {"names on DNS-SD's structure are refused", test_structure},
	    {"a type's PTR RRset stays within what validators check", test_ptr_rrset_size},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror limits", tests);
}
