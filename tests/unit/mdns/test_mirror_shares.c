/* mdns/mirror_limits.c, mirror_addr.c: the shares of a link that one
 * device may take, per SRV target host and per host address, and the
 * records it may not put at another device's names: a flood from one
 * device leaves room for the others. */
#include "mirror_fixture.h"

static void host_limits(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 10;
	cfg->limits.services_per_host = 4;
}

/* Issue 16, finding 4: one device (one SRV target) floods the link; its
 * services past its share are refused and give their place back, so a
 * service from another host that comes later is still published. */
static void flood_then_other(fixture_t *f, int n, bool ptrs_first)
{
	char inst[64];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	for (int i = 0; i < n; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		if (!ptrs_first) {
			srv(f, true, inst, 80, "flooder.local");
			txt(f, true, inst, "x=1");
		}
	}
	for (int i = 0; ptrs_first && i < n; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		srv(f, true, inst, 80, "flooder.local");
		txt(f, true, inst, "x=1");
	}
	/* browsed once an SRV points at it */
	addr(f, true, AF_INET, "flooder.local", "192.0.2.66");
	http_service(f, "real._http._tcp.local", "realhost.local", "192.0.2.80");
	mdns_mirror_flush(f->mirror);
}

static void test_host_fair(void)
{
	for (int order = 0; order < 2; order++) {
		fixture_t *f = setup(host_limits);
		flood_then_other(f, 20, order == 1);
		mdns_mirror_stats_t st;
		mdns_mirror_get_stats(f->mirror, &st);
		CU_ASSERT_EQUAL(st.services, 5); /* 4 of the flood, and the real one */
		CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_HOST] >= 1);
		/* one at a time: every flood service past the fourth is refused
		 * by its host's share, never by the link's */
		if (order == 0) {
			CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_HOST], 16);
			CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_SERVICES], 0);
		}
		CU_ASSERT(has_rr(f, "real._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
		                    "realhost.lan.home.arpa."));
		CU_ASSERT(has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR "
		                    "real._http._tcp.lan.home.arpa."));
		const zone_rrset_t *rs =
		    trrset(f->zone->zone, "_flood._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		CU_ASSERT_EQUAL(rs->count, 4);
		/* A refused instance is no longer browsed. */
		uint8_t name[MDNS_NAME_MAX];
		wire_text(name, "f19._flood._tcp.local");
		CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_SRV));
		/* The flooder's services that stay keep their place: a new port
		 * for one of them is not refused. */
		srv(f, true, order == 0 ? "f0._flood._tcp.local" : "f3._flood._tcp.local", 81,
		    "flooder.local");
		mdns_mirror_stats_t st2;
		mdns_mirror_get_stats(f->mirror, &st2);
		CU_ASSERT_EQUAL(st2.refused[MDNS_MIRROR_REFUSED_HOST],
		                st.refused[MDNS_MIRROR_REFUSED_HOST]);
		teardown(f);
	}
}

static void link_100(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 100;
}

/* Without a configured share: the larger of 64 and an eighth of the
 * link's services. */
static void test_host_default(void)
{
	fixture_t *f = setup(link_100);
	flood_then_other(f, 80, false);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 65);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_HOST], 16);
	CU_ASSERT(has_name(f, "real._http._tcp.lan.home.arpa."));
	teardown(f);
	f = setup(NULL); /* 1000 per link: 125 per host */
	flood_then_other(f, 130, false);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 126);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_HOST], 5);
	teardown(f);
}

static void address_limits(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 20;
	cfg->limits.services_per_address = 4;
}

/* Services f<from>..f<to - 1> of _flood._tcp, each on a host of its own
 * (h<i>), all at the address 192.0.2.66. */
static void one_host_each(fixture_t *f, int from, int to)
{
	char inst[64], host[64];
	for (int i = from; i < to; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		snprintf(host, sizeof(host), "h%d.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		srv(f, true, inst, 80, host);
		txt(f, true, inst, "x=1");
		addr(f, true, AF_INET, host, "192.0.2.66");
	}
}

/* One device under many host names (one service each, one address): the
 * hosts at that address share one device's quota. */
static void test_address_fair(void)
{
	fixture_t *f = setup(address_limits);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	one_host_each(f, 0, 10);
	/* a new service on a host whose address is full */
	ptr(f, true, "_flood._tcp.local", "extra._flood._tcp.local");
	srv(f, true, "extra._flood._tcp.local", 80, "h0.local");
	http_service(f, "real._http._tcp.local", "realhost.local", "192.0.2.80");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_ADDRESS], 7);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_HOST], 0);
	CU_ASSERT_EQUAL(st.services, 5);
	const zone_rrset_t *rs =
	    trrset(f->zone->zone, "_flood._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->count, 4);
	CU_ASSERT_FALSE(has_name(f, "h4.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "extra._flood._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "real._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
	                    "realhost.lan.home.arpa."));
	/* the refused host is no longer browsed */
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "h9.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	/* One of the four goes: room for one more at that address, not two. */
	ptr(f, false, "_flood._tcp.local", "f0._flood._tcp.local");
	one_host_each(f, 20, 22);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_ADDRESS], 8);
	CU_ASSERT_FALSE(has_name(f, "f0._flood._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "h20.lan.home.arpa. 10 IN A 192.0.2.66"));
	CU_ASSERT_FALSE(has_name(f, "h21.lan.home.arpa."));
	rs = trrset(f->zone->zone, "_flood._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->count, 4);
	teardown(f);
}

/* A device's address that comes after its services (a flood lost the
 * packet that held it): the host keeps the services that fit beside the
 * other hosts at that address, as if the address had come first, rather
 * than losing them all. */
static void test_address_late(void)
{
	fixture_t *f = setup(address_limits);
	char inst[64];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	http_service(f, "first._http._tcp.local", "first.local", "192.0.2.66");
	for (int i = 0; i < 6; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		srv(f, true, inst, 80, "late.local");
		txt(f, true, inst, "x=1");
	}
	mdns_mirror_flush(f->mirror);
	addr(f, true, AF_INET, "late.local", "192.0.2.66");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_ADDRESS], 3);
	CU_ASSERT_EQUAL(st.services, 4);
	CU_ASSERT(has_rr(f, "late.lan.home.arpa. 10 IN A 192.0.2.66"));
	CU_ASSERT(has_rr(f, "first._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
	                    "first.lan.home.arpa."));
	const zone_rrset_t *rs =
	    trrset(f->zone->zone, "_flood._tcp.lan.home.arpa.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->count, 3);
	/* the first services stay: the newest were given up */
	CU_ASSERT(has_name(f, "f0._flood._tcp.lan.home.arpa."));
	CU_ASSERT(has_name(f, "f2._flood._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "f3._flood._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "f5._flood._tcp.lan.home.arpa."));
	teardown(f);
}

/* A host whose one instance has two SRVs to it, at an address with room
 * for one service more: that instance goes, and with it every service of
 * the host, which so takes no address either. The address used to be
 * kept on a name with no services left, and lost with it (a device could
 * leak memory at will). */
static void test_address_two_srvs(void)
{
	fixture_t *f = setup(address_limits);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	one_host_each(f, 0, 3);
	ptr(f, true, "_flood._tcp.local", "dual._flood._tcp.local");
	srv(f, true, "dual._flood._tcp.local", 80, "late.local");
	srv(f, true, "dual._flood._tcp.local", 81, "late.local");
	txt(f, true, "dual._flood._tcp.local", "x=1");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t before, st;
	mdns_mirror_get_stats(f->mirror, &before);
	CU_ASSERT_EQUAL(before.services, 4);

	addr(f, true, AF_INET, "late.local", "192.0.2.66");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 3);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_ADDRESS],
	                before.refused[MDNS_MIRROR_REFUSED_ADDRESS] + 1);
	/* dual's PTR, its two SRVs and its TXT gone, no address taken */
	CU_ASSERT_EQUAL(st.known, before.known - 4);
	CU_ASSERT_FALSE(has_name(f, "dual._flood._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "late.lan.home.arpa."));
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "late.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, DNS_T_A));
	/* It comes back as any host would, within the share. */
	ptr(f, false, "_flood._tcp.local", "f0._flood._tcp.local");
	http_service(f, "back._http._tcp.local", "late.local", "192.0.2.66");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "late.lan.home.arpa. 10 IN A 192.0.2.66"));
	teardown(f);
}

static void impostor_limits(mdns_mirror_config_t *cfg)
{
	cfg->limits.services_per_link = 40;
	cfg->limits.services_per_host = 4;
	cfg->limits.services_per_address = 4;
}

/* A device that has used up its share (four services on evil.local at
 * 192.0.2.66) announces records at a victim's names: an SRV of the
 * victim's instance to its own full host, an address of its own at the
 * victim's host. Each is refused alone; the victim's service stays. They
 * used to evict the victim's instance, or every service of its host,
 * until its records left Avahi's cache. */
static void test_impostor_records(void)
{
	fixture_t *f = setup(impostor_limits);
	char inst[64];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	http_service(f, "victim._http._tcp.local", "victim.local", "192.0.2.80");
	for (int i = 0; i < 6; i++) {
		snprintf(inst, sizeof(inst), "e%d._flood._tcp.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		srv(f, true, inst, 80, "evil.local");
	}
	addr(f, true, AF_INET, "evil.local", "192.0.2.66");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t before, st;
	mdns_mirror_get_stats(f->mirror, &before);
	CU_ASSERT_EQUAL_FATAL(before.services, 5); /* the victim and four of evil.local's */

	srv(f, true, "victim._http._tcp.local", 80, "evil.local");
	addr(f, true, AF_INET, "victim.local", "192.0.2.66");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 5);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_HOST],
	                before.refused[MDNS_MIRROR_REFUSED_HOST] + 1);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_ADDRESS],
	                before.refused[MDNS_MIRROR_REFUSED_ADDRESS] + 1);
	CU_ASSERT(
	    has_rr(f, "_http._tcp.lan.home.arpa. 10 IN PTR victim._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "victim._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
	                    "victim.lan.home.arpa."));
	CU_ASSERT_FALSE(has_rr(f, "victim._http._tcp.lan.home.arpa. 10 IN SRV 0 0 80 "
	                          "evil.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "victim.lan.home.arpa. 10 IN A 192.0.2.80"));
	CU_ASSERT_FALSE(has_rr(f, "victim.lan.home.arpa. 10 IN A 192.0.2.66"));
	/* A new service of evil.local's own is still refused whole. */
	ptr(f, true, "_flood._tcp.local", "late._flood._tcp.local");
	srv(f, true, "late._flood._tcp.local", 80, "evil.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "late._flood._tcp.lan.home.arpa."));
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.services, 5);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"services per host: a flood leaves room for others", test_host_fair},
	    {"services per host: default share", test_host_default},
	    {"services per address: many host names, one device", test_address_fair},
	    {"services per address: the address after the services", test_address_late},
	    {"services per address: a host's one instance with two SRVs", test_address_two_srvs},
	    {"records at another device's names are refused alone", test_impostor_records},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror shares", tests);
}
