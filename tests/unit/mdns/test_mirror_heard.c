/* mdns/mirror_heard.c: a service type heard announced is browsed at once,
 * within the link's type limit, held for a while by its hearing and then
 * by its instances alone. */
#include "mirror_fixture.h"
#include "mdns/mirror_internal.h"

/* Holds of 0.2 s rather than a minute. */
#define HOLD_MS 200

static void hear(fixture_t *f, int ifindex, const char *type)
{
	uint8_t w[MDNS_NAME_MAX];
	wire_text(w, type);
	mdns_mirror_inject_type(f->mirror, ifindex, w);
}

static bool watched_on(fixture_t *f, int ifindex, const char *name)
{
	uint8_t w[MDNS_NAME_MAX];
	wire_text(w, name);
	return mdns_mirror_is_watched(f->mirror, ifindex, w, DNS_T_PTR);
}

static bool watched(fixture_t *f, const char *name)
{
	return watched_on(f, IFX, name);
}

static uint64_t heard(fixture_t *f)
{
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	return st.types_heard;
}

static fixture_t *setup_heard(void (*tweak)(mdns_mirror_config_t *))
{
	fixture_t *f = setup_link(tweak);
	f->mirror->heard_hold = HOLD_MS / 1000.0;
	return f;
}

static void test_heard_browsed(void)
{
	fixture_t *f = setup_heard(NULL);
	CU_ASSERT_FALSE(watched(f, "_ipp._tcp.local"));
	hear(f, IFX, "_ipp._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_ipp._tcp.local"));
	CU_ASSERT_EQUAL(heard(f), 1);
	/* Heard again while held: nothing more. */
	hear(f, IFX, "_IPP._tcp.local");
	CU_ASSERT_EQUAL(heard(f), 1);
	/* Its browse reports the instances (Avahi's cache has them). */
	printer_unlisted(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	/* The hold ends; the instance keeps the type browsed and published. */
	run_for(f, HOLD_MS + 150);
	CU_ASSERT_TRUE(watched(f, "_ipp._tcp.local"));
	expect_printer(f, true);
	/* The instance goes: the type with it. */
	ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(watched(f, "_ipp._tcp.local"));
	CU_ASSERT_FALSE(has_rr(f, "_ipp._tcp.lan.home.arpa. 10 IN PTR "
	                          "My\\032Printer._ipp._tcp.lan.home.arpa."));
	teardown(f);
}

static void test_heard_expires(void)
{
	fixture_t *f = setup_heard(NULL);
	hear(f, IFX, "_http._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_http._tcp.local"));
	run_for(f, HOLD_MS / 2);
	CU_ASSERT_TRUE(watched(f, "_http._tcp.local"));
	/* No instance came: the type is no longer browsed. */
	run_for(f, HOLD_MS);
	CU_ASSERT_FALSE(watched(f, "_http._tcp.local"));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.known, 0); /* the hold's record is gone */
	/* Heard again later: browsed again, counted again. */
	hear(f, IFX, "_http._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_http._tcp.local"));
	CU_ASSERT_EQUAL(heard(f), 2);
	teardown(f);
}

static void test_heard_listed(void)
{
	fixture_t *f = setup_heard(NULL);
	/* Listed by the enumeration: hearing it changes nothing. */
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	hear(f, IFX, "_ipp._tcp.local");
	CU_ASSERT_EQUAL(heard(f), 0);
	/* Heard first, listed after: the enumeration's goodbye alone does
	 * not end the hold, nor the hold's end the listing. */
	hear(f, IFX, "_ssh._tcp.local");
	CU_ASSERT_EQUAL(heard(f), 1);
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, "_ssh._tcp.local");
	event(f, true, AF_INET, DNS_T_PTR, "_services._dns-sd._udp.local", rd, (size_t)len);
	run_for(f, HOLD_MS + 150);
	CU_ASSERT_TRUE(watched(f, "_ssh._tcp.local"));
	event(f, false, AF_INET, DNS_T_PTR, "_services._dns-sd._udp.local", rd, (size_t)len);
	CU_ASSERT_FALSE(watched(f, "_ssh._tcp.local"));
	teardown(f);
}

/* Three types: the configured subtype's browse name is one. */
static void two_types(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 3;
}

static void test_heard_limits(void)
{
	fixture_t *f = setup_heard(two_types);
	/* Neither another link nor a name that is no type is browsed. */
	hear(f, IFX + 5, "_ipp._tcp.local");
	CU_ASSERT_EQUAL(heard(f), 0);
	hear(f, IFX, "_dns-sd._udp.local");
	CU_ASSERT_FALSE(watched(f, "_dns-sd._udp.local"));
	CU_ASSERT_EQUAL(heard(f), 0);
	/* The link's type limit holds for heard types as for listed ones. */
	hear(f, IFX, "_a._tcp.local");
	hear(f, IFX, "_b._tcp.local");
	hear(f, IFX, "_c._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_a._tcp.local"));
	CU_ASSERT_TRUE(watched(f, "_b._tcp.local"));
	CU_ASSERT_FALSE(watched(f, "_c._tcp.local"));
	CU_ASSERT_EQUAL(heard(f), 2);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_TYPES], 1);
	/* Heard again within its hold: not tried again, not counted again. */
	hear(f, IFX, "_c._tcp.local");
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_TYPES], 1);
	/* Their holds end: room again. */
	run_for(f, HOLD_MS + 150);
	hear(f, IFX, "_c._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_c._tcp.local"));
	teardown(f);
}

/* Five links: eth0 (lan, IFX), then eth1..eth4 (l1..l4, IFX + 1..4). */
static mdns_link_config_t five[5];

static void five_links(mdns_mirror_config_t *cfg)
{
	static char names[5][8], labels[5][8];
	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "eth%d", i);
		snprintf(labels[i], sizeof(labels[i]), i == 0 ? "lan" : "l%d", i);
		five[i] = (mdns_link_config_t){.interface = names[i], .subdomain = labels[i]};
	}
	cfg->links = five;
	cfg->link_count = 5;
}

static void test_heard_holds_bounded(void)
{
	fixture_t *f = setup_heard(five_links);
	char name[64];
	for (int k = 1; k < 5; k++) {
		snprintf(name, sizeof(name), "eth%d", k);
		mdns_mirror_inject_link(f->mirror, IFX + k, name, true);
	}
	/* One link takes its share of holds, not more. */
	for (int i = 0; i < MIRROR_HEARD_PER_LINK + 4; i++) {
		snprintf(name, sizeof(name), "_t%d._tcp.local", i);
		hear(f, IFX, name);
	}
	CU_ASSERT_EQUAL(heard(f), MIRROR_HEARD_PER_LINK);
	snprintf(name, sizeof(name), "_t%d._tcp.local", MIRROR_HEARD_PER_LINK - 1);
	CU_ASSERT_TRUE(watched(f, name));
	snprintf(name, sizeof(name), "_t%d._tcp.local", MIRROR_HEARD_PER_LINK);
	CU_ASSERT_FALSE(watched(f, name));
	/* The other links have theirs, up to the cap on all of them. */
	for (int k = 1; k < 4; k++) {
		for (int i = 0; i < MIRROR_HEARD_PER_LINK; i++) {
			snprintf(name, sizeof(name), "_t%d._tcp.local", i);
			hear(f, IFX + k, name);
		}
		CU_ASSERT_TRUE(watched_on(f, IFX + k, "_t0._tcp.local"));
	}
	CU_ASSERT_EQUAL(heard(f), MIRROR_HEARD_MAX);
	hear(f, IFX + 4, "_t0._tcp.local");
	CU_ASSERT_FALSE(watched_on(f, IFX + 4, "_t0._tcp.local"));
	/* Every hold ends by itself, and frees its place. */
	run_for(f, HOLD_MS + 150);
	CU_ASSERT_FALSE(watched(f, "_t0._tcp.local"));
	hear(f, IFX + 4, "_t0._tcp.local");
	CU_ASSERT_TRUE(watched_on(f, IFX + 4, "_t0._tcp.local"));
	hear(f, IFX, name);
	CU_ASSERT_TRUE(watched(f, name));
	teardown(f);
}

static void test_heard_link_down(void)
{
	fixture_t *f = setup_heard(NULL);
	f->mirror->heard_hold = 1.0;
	hear(f, IFX, "_ipp._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_ipp._tcp.local"));
	/* Down, past its grace, then up again before the hold ended: the
	 * link lost the type with its records, and the hold's end finds
	 * nothing to take back. */
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", false);
	run_for(f, 250);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	CU_ASSERT_FALSE(watched(f, "_ipp._tcp.local"));
	run_for(f, 900);
	CU_ASSERT_FALSE(watched(f, "_ipp._tcp.local"));
	hear(f, IFX, "_ipp._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_ipp._tcp.local"));
	teardown(f);
}

static void test_heard_rediscovery(void)
{
	fixture_t *f = setup_heard(NULL);
	f->mirror->heard_hold = 1.0;
	hear(f, IFX, "_http._tcp.local");
	hear(f, IFX, "_ssh._tcp.local");
	CU_ASSERT_EQUAL(heard(f), 2);
	/* Discovery restarts (a reload that changes the interfaces, a clock
	 * step): what is not announced again within the warm-up (150 ms)
	 * goes. One type is heard again meanwhile, within its hold (in
	 * another letter case too): it stays, and is not counted again; the
	 * other goes. */
	mirror_links_restart(f->mirror);
	run_for(f, 50);
	hear(f, IFX, "_HTTP._tcp.local");
	hear(f, IFX, "_http._tcp.local");
	run_for(f, 250);
	CU_ASSERT_TRUE(watched(f, "_http._tcp.local"));
	CU_ASSERT_FALSE(watched(f, "_ssh._tcp.local"));
	CU_ASSERT_EQUAL(heard(f), 2);
	/* Its hold ends as it would have: no instance came (the record of
	 * the type in either case gone). */
	run_for(f, 850);
	CU_ASSERT_FALSE(watched(f, "_http._tcp.local"));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.known, 0);
	teardown(f);
}

/* A heard type whose name is not UTF-8 (the reader of raw datagrams
 * takes any octets; Avahi refuses such a name, and logged each time): a
 * service name is text, so it is refused as invalid, counted, not
 * browsed. */
static void test_heard_not_utf8(void)
{
	fixture_t *f = setup_heard(NULL);
	mdns_mirror_stats_t before, st;
	mdns_mirror_get_stats(f->mirror, &before);
	hear(f, IFX, "_\\255\\254._tcp.local");
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_FALSE(watched(f, "_\\255\\254._tcp.local"));
	CU_ASSERT_EQUAL(st.types_heard, before.types_heard);
	CU_ASSERT_EQUAL(st.watches, before.watches);
	/* UTF-8 is a name like any other. */
	hear(f, IFX, "_dru\\195\\188ck._tcp.local");
	CU_ASSERT_TRUE(watched(f, "_dru\\195\\188ck._tcp.local"));
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"heard type browsed, kept by its instance", test_heard_browsed},
	    {"heard type without instances expires", test_heard_expires},
	    {"heard and listed types", test_heard_listed},
	    {"heard types within the link's limits", test_heard_limits},
	    {"holds bounded, per link and in all", test_heard_holds_bounded},
	    {"heard type and a link lost", test_heard_link_down},
	    {"heard type again after discovery restarts", test_heard_rediscovery},
	    {"a heard type that is not UTF-8", test_heard_not_utf8},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror heard types", tests);
}
