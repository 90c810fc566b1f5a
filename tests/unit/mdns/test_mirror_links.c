/* mdns/mirror*.c: link grace, rediscovery, default links, warm-up and
 * reconcile with the saved state. */
#include "mirror_fixture.h"

static void test_grace(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	/* Avahi's flush of a lost interface is not a goodbye. */
	uint8_t o[MDNS_NAME_MAX], rd[MDNS_NAME_MAX];
	wire_text(o, "_ipp._tcp.local");
	int len = wire_text(rd, "My\\032Printer._ipp._tcp.local");
	mdns_record_t lost = {.ifindex = IFX,
	                      .family = AF_INET,
	                      .add = false,
	                      .link_lost = true,
	                      .type = DNS_T_PTR,
	                      .owner = o,
	                      .rdata = rd,
	                      .rdlen = (uint16_t)len};
	mdns_mirror_inject_record(f->mirror, &lost);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", false);
	run_for(f, 60);
	expect_printer(f, true);
	/* Back within the grace period under a new index: kept, rediscovered. */
	mdns_mirror_inject_link(f->mirror, IFX + 1, "eth0", true);
	run_for(f, 200);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 0); /* not announced again: reconciled away */
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	teardown(f);
}

static void test_grace_expiry(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", false);
	run_for(f, 50);
	expect_printer(f, true);
	run_for(f, 250);
	/* Grace over: everything of the link goes, enumeration included. */
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "b._dns-sd._udp.home.arpa."));
	/* Back later: rediscovered from scratch. */
	mdns_mirror_inject_link(f->mirror, IFX + 2, "eth0", true);
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "_services._dns-sd._udp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX + 2, name, DNS_T_PTR));
	teardown(f);
}

static void test_link_back_rediscovered(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", false);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	/* Every name is browsed again at once, and announced again. */
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	printer(f, true);
	run_for(f, 250);
	expect_printer(f, true);
	teardown(f);
}

static void test_restart_warmup(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	ptr(f, true, "_http._tcp.local",
	    "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.local");
	srv(f, true, "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.local", 80,
	    "printer.local");
	txt(f, true, "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.local", "");
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	static const char *utf8 =
	    "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.lan.home.arpa. "
	    "10 IN SRV 0 0 80 printer.lan.home.arpa.";
	CU_ASSERT(has_rr(f, utf8));
	/* Shutdown saves; a new daemon starts with a fresh zone. */
	mirror_down(f);
	CU_ASSERT(access(f->state, R_OK) == 0);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
	/* Served at once, before any discovery. */
	expect_printer(f, true);
	CU_ASSERT(has_rr(f, utf8));
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true); /* the printer is back; the other service is not */
	run_for(f, 100);
	expect_printer(f, true);
	CU_ASSERT(has_rr(f, utf8));
	/* Warm-up over: reconciled with what was found. */
	run_for(f, 150);
	expect_printer(f, true);
	CU_ASSERT_FALSE(has_rr(f, utf8));
	CU_ASSERT_FALSE(has_name(f, "_http._tcp.lan.home.arpa."));
	teardown(f);
}

/* An instance whose name starts with '@' survives the state file (the
 * text form of earlier versions escaped it: ldns reads "@home..." back as
 * the origin). */
static void test_state_at_label(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	ptr(f, true, "_http._tcp.local", "\\064home._http._tcp.local");
	srv(f, true, "\\064home._http._tcp.local", 80, "printer.local");
	txt(f, true, "\\064home._http._tcp.local", "");
	mdns_mirror_flush(f->mirror);
	static const char *at_srv =
	    "\\064home._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 printer.lan.home.arpa.";
	CU_ASSERT(has_rr(f, at_srv));
	mirror_down(f);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
	/* Served from the saved state, before any discovery. */
	CU_ASSERT(has_rr(f, at_srv));
	CU_ASSERT(has_name(f, "_http._tcp.lan.home.arpa."));
	teardown(f);
}

static void default_links(mdns_mirror_config_t *cfg)
{
	cfg->links = NULL;
	cfg->link_count = 0;
}

static void test_default_links(void)
{
	fixture_t *f = setup(default_links);
	mdns_mirror_inject_link(f->mirror, 3, "Wlan0.Guest", true);
	mdns_mirror_inject_link(f->mirror, 4, "eth1", true);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR wlan0-guest.home.arpa."));
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR eth1.home.arpa."));
	/* one lb (and db): the first link, by interface index */
	CU_ASSERT(has_rr(f, "lb._dns-sd._udp.home.arpa. 10 IN PTR wlan0-guest.home.arpa."));
	CU_ASSERT_FALSE(has_rr(f, "lb._dns-sd._udp.home.arpa. 10 IN PTR eth1.home.arpa."));
	teardown(f);
}

/* A state file saved before "*" labels were refused (the text form of
 * those versions) does not bring a wildcard back at the next start. */
static void test_state_wildcard(void)
{
	fixture_t *f = setup(NULL);
	mirror_down(f);
	FILE *fp = fopen(f->state, "we");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("*._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 evil.lan.home.arpa.\n"
	      "_http._tcp.lan.home.arpa. 10 IN PTR *._http._tcp.lan.home.arpa.\n"
	      "x._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 *.lan.home.arpa.\n"
	      "*.lan.home.arpa. 10 IN A 192.0.2.66\n"
	      "ok._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 ok.lan.home.arpa.\n",
	      fp);
	CU_ASSERT_FATAL(fclose(fp) == 0);
	mirror_up(f);
	CU_ASSERT(has_rr(f, "ok._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 ok.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "*._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "*.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "x._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_http._tcp.lan.home.arpa."));
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"link down and back within grace", test_grace},
	    {"link grace expiry", test_grace_expiry},
	    {"link back: browsed and announced again", test_link_back_rediscovered},
	    {"restart: saved state until warm-up", test_restart_warmup},
	    {"default links are named after interfaces", test_default_links},
	    {"saved state: no wildcard comes back", test_state_wildcard},
	    {"saved state: an instance named @... comes back", test_state_at_label},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror links", tests);
}
