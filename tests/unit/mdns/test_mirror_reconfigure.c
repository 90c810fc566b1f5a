/* mdns/mirror.c: mdns_mirror_reconfigure(), a reload of the mirror's
 * configuration: links added and removed, limits, the TTL cap, subtypes,
 * and configurations it refuses without changing anything. */
#include "mirror_fixture.h"

static mdns_link_config_t g_two[] = {
    {.interface = "eth0", .subdomain = "lan"},
    {.interface = "eth1", .subdomain = "wifi"},
};

/* A second link configured: discovered when its interface comes up, its
 * services under its subdomain, the first link untouched. */
static void test_link_added(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	/* Not configured yet: eth1 is not mirrored. */
	mdns_mirror_inject_link(f->mirror, IFY, "eth1", true);
	service_on(f, IFY, "cam", "192.0.2.30");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "cam._http._tcp.wifi.home.arpa."));

	mdns_mirror_config_t cfg = f->cfg;
	cfg.links = g_two;
	cfg.link_count = 2;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	mdns_mirror_inject_link(f->mirror, IFY, "eth1", true);
	service_on(f, IFY, "cam", "192.0.2.30");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "cam._http._tcp.wifi.home.arpa. 10 IN SRV 0 0 80 "
	                    "cam.wifi.home.arpa."));
	CU_ASSERT(has_rr(f, "cam.wifi.home.arpa. 10 IN A 192.0.2.30"));
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR wifi.home.arpa."));
	expect_printer(f, true);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.links_active, 2);
	teardown(f);
}

/* A link no longer configured: every record of it withdrawn in the one
 * commit the reconfiguration makes, the enumeration too; its events are
 * ignored afterwards. */
static void test_link_removed(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_config_t cfg = f->cfg;
	cfg.links = g_two;
	cfg.link_count = 2;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	mdns_mirror_inject_link(f->mirror, IFY, "eth1", true);
	printer(f, true);
	service_on(f, IFY, "cam", "192.0.2.30");
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	CU_ASSERT(has_name(f, "cam._http._tcp.wifi.home.arpa."));

	unsigned before = f->commits;
	cfg.links = &g_two[1];
	cfg.link_count = 1;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	CU_ASSERT_EQUAL(f->commits, before + 1);
	expect_printer(f, false);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR wifi.home.arpa."));
	CU_ASSERT(has_name(f, "cam._http._tcp.wifi.home.arpa."));
	CU_ASSERT(has_name(f, "static.lan.home.arpa.")); /* the static zone's */
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.links_active, 1);
	CU_ASSERT_EQUAL(st.services, 1);
	teardown(f);
}

/* A lowered services-per-link: what is there stays, a new service over
 * the limit is held back; a new TTL cap re-publishes with that TTL. */
static void test_limits_and_ttl(void)
{
	fixture_t *f = setup_link(NULL);
	service_on(f, IFX, "one", "192.0.2.31");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "one.lan.home.arpa. 10 IN A 192.0.2.31"));

	mdns_mirror_config_t cfg = f->cfg;
	cfg.limits.services_per_link = 1;
	cfg.ttl_cap = 5;
	unsigned before = f->commits;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	CU_ASSERT_EQUAL(f->commits, before + 1);
	CU_ASSERT(has_rr(f, "one.lan.home.arpa. 5 IN A 192.0.2.31"));
	CU_ASSERT(has_rr(f, "one._http._tcp.lan.home.arpa. 5 IN SRV 0 0 80 one.lan.home.arpa."));
	service_on(f, IFX, "two", "192.0.2.32");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "two._http._tcp.lan.home.arpa."));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_SERVICES] >= 1);
	CU_ASSERT_EQUAL(st.services, 1);
	/* Raised again: the next announcement gets in. */
	cfg.limits.services_per_link = 10;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	service_on(f, IFX, "two", "192.0.2.32");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "two.lan.home.arpa. 5 IN A 192.0.2.32"));
	teardown(f);
}

static void test_subtypes(void)
{
	fixture_t *f = setup(NULL);
	uint8_t universal[MDNS_NAME_MAX], print[MDNS_NAME_MAX];
	wire_text(universal, "_universal._sub._ipp._tcp.local");
	wire_text(print, "_print._sub._ipp._tcp.local");
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, universal, DNS_T_PTR));
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, print, DNS_T_PTR));
	char *subs[] = {"_print._sub._ipp._tcp"};
	mdns_mirror_config_t cfg = f->cfg;
	cfg.subtypes = subs;
	cfg.subtype_count = 1;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, universal, DNS_T_PTR));
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, print, DNS_T_PTR));
	teardown(f);
}

/* What takes a restart, links named twice, a bad subtype: refused, and
 * the mirror goes on as it was. */
static void test_refused(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	unsigned before = f->commits;

	mdns_mirror_config_t cfg = f->cfg;
	cfg.ipv6 = false;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_EINVAL);
	uint8_t other[ZONE_NAME_MAXLEN];
	mdns_mirror_zone_t oz = f->zcfg;
	cfg = f->cfg;
	oz.domain_len = (size_t)zone_name_from_str(other, "example.", NULL);
	oz.domain = other;
	cfg.zones = &oz;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_EINVAL);
	mdns_link_config_t twice[] = {{.interface = "eth0", .subdomain = "lan"},
	                              {.interface = "eth1", .subdomain = "lan"}};
	cfg = f->cfg;
	cfg.links = twice;
	cfg.link_count = 2;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_ECONFIG);
	char *bad[] = {"_x._tcp"};
	cfg = f->cfg;
	cfg.subtypes = bad;
	cfg.subtype_count = 1;
	cfg.ttl_cap = 3;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_ECONFIG);

	CU_ASSERT_EQUAL(f->commits, before);
	expect_printer(f, true); /* TTL 10 still: nothing was applied */
	uint8_t universal[MDNS_NAME_MAX];
	wire_text(universal, "_universal._sub._ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, universal, DNS_T_PTR));
	teardown(f);
}

/* From configured links to the default rule (every interface): the
 * configured link goes, an interface reported up is mirrored under its
 * own name. */
static void test_to_default_rule(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_config_t cfg = f->cfg;
	cfg.links = NULL;
	cfg.link_count = 0;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(f->mirror, &cfg), GW_OK);
	expect_printer(f, false);
	mdns_mirror_inject_link(f->mirror, IFY, "eth1", true);
	service_on(f, IFY, "cam", "192.0.2.30");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "cam.eth1.home.arpa. 10 IN A 192.0.2.30"));
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"a link added", test_link_added},
	    {"a link removed", test_link_removed},
	    {"limits and TTL cap", test_limits_and_ttl},
	    {"subtypes", test_subtypes},
	    {"refused configurations", test_refused},
	    {"to the default rule", test_to_default_rule},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror_reconfigure", tests);
}
