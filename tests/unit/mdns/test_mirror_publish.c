/* mdns/mirror*.c: from synthetic mDNS events to the zone, without a
 * network: publishing, filtering, goodbyes, batching, TTLs, a failed commit. */
#include "mirror_fixture.h"

/* ---- tests -------------------------------------------------------------------- */

static void test_publish(void)
{
	fixture_t *f = setup(NULL);
	uint8_t name[MDNS_NAME_MAX];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	wire_text(name, "_services._dns-sd._udp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_PTR));
	wire_text(name, "_universal._sub._ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_PTR));
	printer(f, true);
	/* Browsing follows the records: type, instance, host. */
	wire_text(name, "_ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_PTR));
	wire_text(name, "My\\032Printer._ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_SRV));
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_TXT));
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_AAAA));
	CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK);
	expect_printer(f, true);
	/* Link-local addresses are never published. */
	CU_ASSERT_FALSE(has_rr(f, "printer.lan.home.arpa. 10 IN AAAA fe80::10"));
	CU_ASSERT_FALSE(has_rr(f, "printer.lan.home.arpa. 10 IN A 169.254.9.9"));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.filtered, 2);
	CU_ASSERT_EQUAL(st.services, 1);
	CU_ASSERT_EQUAL(st.published, 13); /* and b/db/lb under the link */
	CU_ASSERT(has_rr(f, "static.lan.home.arpa. 300 IN A 192.0.2.200"));
	teardown(f);
}

static void test_no_address(void)
{
	fixture_t *f = setup_link(NULL);
	ptr(f, true, "_services._dns-sd._udp.local", "_ssh._tcp.local");
	ptr(f, true, "_ssh._tcp.local", "box._ssh._tcp.local");
	srv(f, true, "box._ssh._tcp.local", 22, "box.local");
	txt(f, true, "box._ssh._tcp.local", "");
	addr(f, true, AF_INET6, "box.local", "fe80::1");
	mdns_mirror_flush(f->mirror);
	/* Only a link-local address: neither the service nor its PTR. */
	CU_ASSERT_FALSE(has_name(f, "box._ssh._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ssh._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_services._dns-sd._udp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "box.lan.home.arpa."));
	addr(f, true, AF_INET, "box.local", "192.0.2.22");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "_ssh._tcp.lan.home.arpa. 10 IN PTR box._ssh._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "box._ssh._tcp.lan.home.arpa. 10 IN SRV 0 0 22 box.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "box.lan.home.arpa. 10 IN A 192.0.2.22"));
	/* The address goes: so does the service. */
	addr(f, false, AF_INET, "box.local", "192.0.2.22");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "box._ssh._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ssh._tcp.lan.home.arpa."));
	teardown(f);
}

static void test_goodbye(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	/* The same PTR over IPv6 too: one record, two transports. */
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, "My\\032Printer._ipp._tcp.local");
	event(f, true, AF_INET6, DNS_T_PTR, "_ipp._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	event(f, false, AF_INET6, DNS_T_PTR, "_ipp._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	/* Nothing points at the instance any more: it goes with its host. */
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_services._dns-sd._udp.lan.home.arpa."));
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "My\\032Printer._ipp._tcp.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_SRV));
	wire_text(name, "printer.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	/* The domain enumeration stays while the link is up. */
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	teardown(f);
}

/* Avahi compares the names in PTR and SRV data without case: an equal
 * record in another case replaces the cached one unreported, and its
 * goodbye (or expiry) then comes in that case. The goodbye must find the
 * record; a device could otherwise leave instances behind for good, and
 * hold a link's share with them. */
static void test_goodbye_other_case(void)
{
	fixture_t *f = setup_link(NULL);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	http_service(f, "web._http._tcp.local", "box.local", "192.0.2.22");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FATAL(has_name(f, "web._http._tcp.lan.home.arpa."));
	srv(f, false, "web._http._tcp.local", 80, "BOX.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "box.lan.home.arpa."));
	ptr(f, false, "_http._tcp.local", "WEB._http._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "web._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_http._tcp.lan.home.arpa."));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 0);
	/* Seen in two cases (over IPv4, then IPv6): one record, gone with
	 * both goodbyes. */
	http_service(f, "web._http._tcp.local", "box.local", "192.0.2.22");
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, "Web._http._tcp.local");
	event(f, true, AF_INET6, DNS_T_PTR, "_http._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR web._http._tcp.lan.home.arpa."));
	ptr(f, false, "_http._tcp.local", "WEB._http._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_name(f, "web._http._tcp.lan.home.arpa."));
	event(f, false, AF_INET6, DNS_T_PTR, "_http._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "web._http._tcp.lan.home.arpa."));
	teardown(f);
}

/* Two responders offer one type; one of them says goodbye to the shared
 * type-list record. The other's instances stay, and the type stays
 * browsed until its last instance goes. */
static void test_shared_type_goodbye(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	ptr(f, true, "_ipp._tcp.local", "Other._ipp._tcp.local");
	srv(f, true, "Other._ipp._tcp.local", 631, "other.local");
	txt(f, true, "Other._ipp._tcp.local", "rp=ipp/print");
	addr(f, true, AF_INET, "other.local", "192.0.2.11");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_name(f, "Other._ipp._tcp.lan.home.arpa."));

	ptr(f, false, "_services._dns-sd._udp.local", "_ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	CU_ASSERT(has_rr(f, "_ipp._tcp.lan.home.arpa. 10 IN PTR Other._ipp._tcp.lan.home.arpa."));
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "_ipp._tcp.local");
	CU_ASSERT(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_PTR));

	/* The last instances go: so does the type. */
	ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_ipp._tcp.local", "Other._ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "Other._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_PTR));
	teardown(f);
}

static void test_batching(void)
{
	fixture_t *f = setup(NULL);
	uint32_t s0 = serial(f);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	CU_ASSERT_EQUAL(f->commits, 0);
	run_for(f, 80);
	/* Everything of the window in one changeset, one serial step. */
	CU_ASSERT_EQUAL(f->commits, 1);
	CU_ASSERT_EQUAL(zone_serial_cmp(s0, serial(f)), -1);
	expect_printer(f, true);
	uint32_t s1 = serial(f);
	/* A device that flaps within the window costs nothing. */
	for (int i = 0; i < 5; i++) {
		ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
		ptr(f, true, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
		addr(f, false, AF_INET, "printer.local", "192.0.2.10");
		addr(f, true, AF_INET, "printer.local", "192.0.2.10");
	}
	run_for(f, 80);
	CU_ASSERT_EQUAL(f->commits, 1);
	CU_ASSERT_EQUAL(serial(f), s1);
	expect_printer(f, true);
	teardown(f);
}

/* The first change after a quiet window is committed after the short
 * settle, not at the window's end; a change within the window of that
 * commit waits for the window's end (one commit per window). */
static void test_quiet_first_change(void)
{
	fixture_t *f = setup_link(NULL); /* window: 20 ms */
	printer(f, true);
	run_for(f, 12);
	CU_ASSERT_EQUAL(f->commits, 1);
	expect_printer(f, true);
	addr(f, true, AF_INET, "printer.local", "192.0.2.11");
	run_for(f, 3);
	CU_ASSERT_EQUAL(f->commits, 1);
	run_for(f, 40);
	CU_ASSERT_EQUAL(f->commits, 2);
	/* Quiet again: the next change is committed after the settle. */
	run_for(f, 30);
	addr(f, true, AF_INET, "printer.local", "192.0.2.12");
	run_for(f, 12);
	CU_ASSERT_EQUAL(f->commits, 3);
	teardown(f);
}

static void test_commit_failure(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	f->fail = 1;
	CU_ASSERT_NOT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	/* The whole difference is retried. */
	run_for(f, 1200);
	expect_printer(f, true);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.commit_failures, 1);
	teardown(f);
}

/* Commits into a held zone (a reload) return GW_OK and apply nothing
 * until the release; mirror_hold_round() runs one flush so, then
 * releases with result, applying the held changes first when it is
 * GW_OK. */
static void mirror_hold_round(fixture_t *f, int result)
{
	zone_changeset_t held;
	CU_ASSERT_FATAL(zone_changeset_init(&held) == GW_OK);
	mdns_mirror_hold(f->mirror);
	f->held = &held;
	CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK);
	f->held = NULL;
	if (result == GW_OK && !zone_changeset_empty(&held))
		CU_ASSERT_EQUAL(gw_commit_apply(&f->commit, &held), GW_OK);
	mdns_mirror_release(f->mirror, &result, 1);
	zone_changeset_deinit(&held);
}

/* A batch committed into a held zone whose release then fails (a full
 * disk at a reload) is not taken as published: the printer that left,
 * and the one that came, are committed again by the next batches; one
 * whose release succeeds is not. The published count follows. */
/* The printer's own records (PRINTER_RRS but the apex's three). */
static void expect_device(fixture_t *f, bool present)
{
	for (const char *const *rr = PRINTER_RRS + 3; *rr != NULL; rr++) {
		bool has = has_rr(f, *rr);
		if (has != present)
			fprintf(stderr, "expected %s: %s\n", present ? "present" : "absent", *rr);
		CU_ASSERT_EQUAL(has, present);
	}
}

static void test_held_commit_lost(void)
{
	mdns_mirror_stats_t st;
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_flush(f->mirror), GW_OK);
	expect_printer(f, true);
	mdns_mirror_get_stats(f->mirror, &st);
	size_t all = st.published;

	/* Withdrawn while held, the release fails: withdrawn again (the six
	 * b, db and lb PTRs, at the apex and under the link, stay: the link
	 * is up). */
	printer(f, false);
	mirror_hold_round(f, -ENOSPC);
	expect_printer(f, true);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.published, all);
	run_for(f, 100);
	expect_device(f, false);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.published, 6);

	/* Added while held, the release fails: added again. */
	printer(f, true);
	mirror_hold_round(f, GW_ESEMANTIC);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	run_for(f, 100);
	expect_printer(f, true);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.published, all);

	/* Withdrawn while held, the release succeeds: nothing more. */
	printer(f, false);
	mirror_hold_round(f, GW_OK);
	expect_device(f, false);
	unsigned commits = f->commits;
	run_for(f, 100);
	CU_ASSERT_EQUAL(f->commits, commits);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.published, 6);
	teardown(f);
}

/* A failure of the host (the serial ceiling's file on a full disk:
 * -ENOSPC) that outlasts the three batches after which the records are
 * tried one by one: no record is judged bad for it. Once it passes, the
 * zone is what the link says: the printer that left is gone, the service
 * that came is there. */
static void test_local_failure_drops_nothing(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_flush(f->mirror), GW_OK);
	expect_printer(f, true);
	printer(f, false);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	http_service(f, "Web._http._tcp.local", "web.local", "192.0.2.20");
	f->fail = 5;
	f->fail_with = -ENOSPC;
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), -ENOSPC);
	expect_printer(f, true); /* nothing changed yet */
	CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "Web._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 web.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "web.lan.home.arpa. 10 IN A 192.0.2.20"));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.commit_failures, 5);
	teardown(f);
}

/* A record the zone itself refuses (GW_ESEMANTIC) holds back the whole
 * batch three times; then the records are tried one by one, and only
 * that owner's stay out. */
static void test_refused_record_alone(void)
{
	fixture_t *f = setup_link(NULL);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	http_service(f, "Web._http._tcp.local", "web.local", "192.0.2.20");
	http_service(f, "Bad._http._tcp.local", "bad.local", "192.0.2.21");
	f->refuse = "bad.lan.home.arpa.";
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_ESEMANTIC);
	CU_ASSERT_FALSE(has_name(f, "web.lan.home.arpa."));
	mdns_mirror_flush(f->mirror); /* the third: one by one */
	CU_ASSERT(has_rr(f, "web.lan.home.arpa. 10 IN A 192.0.2.20"));
	CU_ASSERT(has_rr(f, "Bad._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 bad.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "bad.lan.home.arpa."));
	CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK); /* nothing left to try */
	teardown(f);
}

static void test_ttl(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	/* A record announced with a TTL below the cap keeps it, and its
	 * RRset shares it. */
	static const uint8_t rd[4] = {192, 0, 2, 11};
	CU_ASSERT_EQUAL(
	    mdns_event(f->mirror, IFX, AF_INET, true, DNS_T_A, 4, "printer.local", rd, 4), GW_OK);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 4 IN A 192.0.2.11"));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 4 IN A 192.0.2.10"));
	CU_ASSERT(has_rr(
	    f, "_ipp._tcp.lan.home.arpa. 10 IN PTR My\\032Printer._ipp._tcp.lan.home.arpa."));
	/* A browse PTR RRset holds many devices' PTRs: another device's PTR
	 * with a short TTL leaves it at the cap, the printer's with it. */
	uint8_t inst[MDNS_NAME_MAX];
	int len = wire_text(inst, "Other._ipp._tcp.local");
	CU_ASSERT_EQUAL(mdns_event(f->mirror, IFX, AF_INET, true, DNS_T_PTR, 2, "_ipp._tcp.local",
	                           inst, (size_t)len),
	                GW_OK);
	srv(f, true, "Other._ipp._tcp.local", 631, "printer.local");
	txt(f, true, "Other._ipp._tcp.local", "rp=x");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "_ipp._tcp.lan.home.arpa. 10 IN PTR Other._ipp._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(
	    f, "_ipp._tcp.lan.home.arpa. 10 IN PTR My\\032Printer._ipp._tcp.lan.home.arpa."));
	teardown(f);
}

static void no_ipv6(mdns_mirror_config_t *cfg)
{
	cfg->ipv6 = false;
}

static void test_ipv4_only(void)
{
	fixture_t *f = setup_link(no_ipv6);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_AAAA));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	CU_ASSERT_PTR_NULL(trrset(f->zone->zone, "printer.lan.home.arpa.", LDNS_RR_TYPE_AAAA));
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"a printer is published", test_publish},
	    {"no publishable address, no service", test_no_address},
	    {"goodbyes remove, per transport", test_goodbye},
	    {"one changeset per window, flapping is free", test_batching},
	    {"the first change after a quiet window is not held", test_quiet_first_change},
	    {"shared type-list goodbye keeps other instances", test_shared_type_goodbye},
	    {"failed commit is retried whole", test_commit_failure},
	    {"a failure of the host drops no record", test_local_failure_drops_nothing},
	    {"a batch held with the zone and lost is committed again", test_held_commit_lost},
	    {"a record the zone refuses stays out alone", test_refused_record_alone},
	    {"TTLs capped, one per RRset, a browse RRset's the cap", test_ttl},
	    {"mdns.ipv6 off: no AAAA", test_ipv4_only},
	    {"a goodbye in another letter case", test_goodbye_other_case},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror publish", tests);
}
