/* gateway/mirror.c: from synthetic mDNS events to the zone, without a
 * network: publishing, filtering, goodbyes, batching, limits, gateway-owned
 * names, link grace, warm-up and reconcile with the saved state. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "mirror_commit.h"
#include "mdns/mirror.h"
#include "zone_util.h"

#define IFX 7

typedef struct fixture {
	mdns_mirror_config_t cfg;
	uint8_t domain[ZONE_NAME_MAXLEN];
	char domain_str[256];
	mdns_link_config_t link;
	char *subtypes[1];
	char dir[64];
	char state[96];
	struct ev_loop *loop;
	gw_zoneref_t *zone;
	gw_commit_t commit;
	mdns_mirror_t *mirror;
	unsigned commits;
	int fail; /* commits to fail from now */
} fixture_t;

static fixture_t F;

static int counting_commit(void *arg, const zone_changeset_t *cs)
{
	fixture_t *f = arg;
	if (f->fail > 0) {
		f->fail--;
		return GW_ENOMEM;
	}
	f->commits++;
	return gw_commit_apply(&f->commit, cs);
}

static void config_defaults(fixture_t *f)
{
	memset(&f->cfg, 0, sizeof(f->cfg));
	f->cfg.domain = f->domain;
	f->cfg.domain_str = f->domain_str;
	f->cfg.domain_len = (size_t)zone_name_from_str(f->domain, "home.arpa.", NULL);
	snprintf(f->domain_str, sizeof(f->domain_str), "home.arpa.");
	f->cfg.state_dir = f->dir;
	f->link.interface = "eth0";
	f->link.subdomain = "lan";
	f->cfg.links = &f->link;
	f->cfg.link_count = 1;
	f->subtypes[0] = "_universal._sub._ipp._tcp";
	f->cfg.subtypes = f->subtypes;
	f->cfg.subtype_count = 1;
	f->cfg.ipv4 = f->cfg.ipv6 = true;
	f->cfg.ttl_cap = 10;
	f->cfg.batch_window_ms = 20;
	f->cfg.warmup_ms = 150;
	f->cfg.link_grace_ms = 150;
	f->cfg.limits.services_per_link = 1000;
	f->cfg.limits.records_per_name = 32;
	f->cfg.limits.txt_size = 1300;
	f->cfg.limits.changes_per_second = 100000;
}

/* A fresh zone with a static host that the mirror must leave alone. */
static void zone_new_static(fixture_t *f)
{
	static const char *const rrs[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 100 3600 600 86400 10",
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "static.lan.home.arpa. 300 IN A 192.0.2.200",
	    NULL,
	};
	CU_ASSERT_FATAL(gw_zoneref_new(&f->zone, tzone("home.arpa.", rrs)) == GW_OK);
	CU_ASSERT_FATAL(gw_commit_init(&f->commit, &f->zone) == GW_OK);
}

static void mirror_up(fixture_t *f)
{
	mdns_mirror_opts_t opts = {
	    .cfg = f->cfg,
	    .commit = counting_commit,
	    .commit_arg = f,
	    .reserved = gw_commit_reserved,
	    .reserved_arg = &f->commit,
	    .discover = false,
	    .state_file = f->state,
	};
	CU_ASSERT_FATAL(mdns_mirror_new(&f->mirror, f->loop, &opts) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(f->mirror) == GW_OK);
}

/* Fresh fixture with the given changes to the default configuration. */
static fixture_t *setup(void (*tweak)(mdns_mirror_config_t *))
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-mirror.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	snprintf(f->state, sizeof(f->state), "%.63s/mirror.zone", f->dir);
	config_defaults(f);
	if (tweak != NULL)
		tweak(&f->cfg);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	zone_new_static(f);
	mirror_up(f);
	return f;
}

static void mirror_down(fixture_t *f)
{
	mdns_mirror_free(f->mirror);
	f->mirror = NULL;
}

static void teardown(fixture_t *f)
{
	mirror_down(f);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	ev_loop_destroy(f->loop);
	unlink(f->state);
	rmdir(f->dir);
}

static void on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop for about ms milliseconds. */
static void run_for(fixture_t *f, double ms)
{
	ev_timer t;
	ev_timer_init(&t, on_stop, ms / 1000.0, 0.);
	ev_timer_start(f->loop, &t);
	ev_run(f->loop, 0);
	ev_timer_stop(f->loop, &t);
}

/* ---- synthetic events ---------------------------------------------------- */

static int wire_text(uint8_t *out, const char *text)
{
	int len = mdns_name_from_text(out, text);
	CU_ASSERT_FATAL(len > 0);
	return len;
}

static void event(fixture_t *f, bool add, int family, uint16_t type, const char *owner,
                  const uint8_t *rdata, size_t rdlen)
{
	uint8_t o[MDNS_NAME_MAX];
	wire_text(o, owner);
	mdns_record_t rec = {
	    .ifindex = IFX,
	    .family = family,
	    .add = add,
	    .type = type,
	    .ttl = type == MDNS_T_A || type == MDNS_T_AAAA || type == MDNS_T_SRV ? 120 : 4500,
	    .owner = o,
	    .rdata = rdata,
	    .rdlen = (uint16_t)rdlen,
	};
	mdns_mirror_inject_record(f->mirror, &rec);
}

static void ptr(fixture_t *f, bool add, const char *owner, const char *target)
{
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, target);
	event(f, add, AF_INET, MDNS_T_PTR, owner, rd, (size_t)len);
}

static void srv(fixture_t *f, bool add, const char *owner, uint16_t port, const char *target)
{
	uint8_t rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, (uint8_t)(port >> 8), (uint8_t)port};
	int len = wire_text(rd + 6, target);
	event(f, add, AF_INET, MDNS_T_SRV, owner, rd, 6 + (size_t)len);
}

static void txt(fixture_t *f, bool add, const char *owner, const char *s)
{
	uint8_t rd[300];
	size_t len = strlen(s);
	rd[0] = (uint8_t)len;
	memcpy(rd + 1, s, len);
	event(f, add, AF_INET, MDNS_T_TXT, owner, rd, len + 1);
}

static void addr(fixture_t *f, bool add, int family, const char *owner, const char *a)
{
	uint8_t rd[16];
	if (strchr(a, ':') != NULL) {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, a, rd) == 1);
		event(f, add, family, MDNS_T_AAAA, owner, rd, 16);
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET, a, rd) == 1);
		event(f, add, family, MDNS_T_A, owner, rd, 4);
	}
}

/* One _http._tcp service: browse PTR, SRV to host, and the host's
 * address unless a is NULL. */
static void http_service(fixture_t *f, const char *inst, const char *host, const char *a)
{
	ptr(f, true, "_http._tcp.local", inst);
	srv(f, true, inst, 80, host);
	if (a != NULL)
		addr(f, true, AF_INET, host, a);
}

/* One printer as a device announces it. */
static void printer(fixture_t *f, bool add)
{
	ptr(f, add, "_services._dns-sd._udp.local", "_ipp._tcp.local");
	ptr(f, add, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, add, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	srv(f, add, "My\\032Printer._ipp._tcp.local", 631, "printer.local");
	txt(f, add, "My\\032Printer._ipp._tcp.local", "rp=ipp/print");
	addr(f, add, AF_INET, "printer.local", "192.0.2.10");
	addr(f, add, AF_INET6, "printer.local", "2001:db8::10");
	addr(f, add, AF_INET6, "printer.local", "fe80::10");
	addr(f, add, AF_INET, "printer.local", "169.254.9.9");
}

/* ---- zone checks ------------------------------------------------------------ */

/* Is the RR (text, absolute names) in the zone, with its TTL? */
static bool has_rr(fixture_t *f, const char *text)
{
	ldns_rr *want = trr(text);
	uint8_t owner[ZONE_NAME_MAXLEN];
	bool found = false;
	char *ostr = ldns_rdf2str(ldns_rr_owner(want));
	const zone_node_t *node = zone_find(f->zone->zone, tname(owner, ostr));
	free(ostr);
	const zone_rrset_t *rs =
	    node ? zone_node_rrset(node, (uint16_t)ldns_rr_get_type(want)) : NULL;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	while (rs != NULL && !found && zone_rrset_next(rs, &pos, &rd, &rdlen)) {
		ldns_rr *got = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&got, node, rs, rd, rdlen) == GW_OK);
		found = ldns_rr_compare(got, want) == 0 && ldns_rr_ttl(got) == ldns_rr_ttl(want);
		ldns_rr_free(got);
	}
	ldns_rr_free(want);
	return found;
}

static bool has_name(fixture_t *f, const char *name)
{
	uint8_t w[ZONE_NAME_MAXLEN];
	return zone_find(f->zone->zone, tname(w, name)) != NULL;
}

static uint32_t serial(fixture_t *f)
{
	uint32_t s = 0;
	CU_ASSERT(zone_serial(f->zone->zone, &s) == GW_OK);
	return s;
}

static const char *const PRINTER_RRS[] = {
    "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa.",
    "db._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa.",
    "lb._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa.",
    "_services._dns-sd._udp.lan.home.arpa. 10 IN PTR _ipp._tcp.lan.home.arpa.",
    "_ipp._tcp.lan.home.arpa. 10 IN PTR My\\032Printer._ipp._tcp.lan.home.arpa.",
    "_universal._sub._ipp._tcp.lan.home.arpa. 10 IN PTR My\\032Printer._ipp._tcp.lan.home.arpa.",
    "My\\032Printer._ipp._tcp.lan.home.arpa. 10 IN SRV 0 0 631 printer.lan.home.arpa.",
    "My\\032Printer._ipp._tcp.lan.home.arpa. 10 IN TXT \"rp=ipp/print\"",
    "printer.lan.home.arpa. 10 IN A 192.0.2.10",
    "printer.lan.home.arpa. 10 IN AAAA 2001:db8::10",
    NULL,
};

static void expect_printer(fixture_t *f, bool present)
{
	for (const char *const *rr = PRINTER_RRS; *rr != NULL; rr++) {
		bool has = has_rr(f, *rr);
		if (has != present)
			fprintf(stderr, "expected %s: %s\n", present ? "present" : "absent", *rr);
		CU_ASSERT_EQUAL(has, present);
	}
}

/* ---- tests -------------------------------------------------------------------- */

static void test_publish(void)
{
	fixture_t *f = setup(NULL);
	uint8_t name[MDNS_NAME_MAX];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	wire_text(name, "_services._dns-sd._udp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_PTR));
	wire_text(name, "_universal._sub._ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_PTR));
	printer(f, true);
	/* Browsing follows the records: type, instance, host. */
	wire_text(name, "_ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_PTR));
	wire_text(name, "My\\032Printer._ipp._tcp.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_SRV));
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_TXT));
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_AAAA));
	CU_ASSERT_EQUAL(mdns_mirror_flush(f->mirror), GW_OK);
	expect_printer(f, true);
	/* Link-local addresses are never published. */
	CU_ASSERT_FALSE(has_rr(f, "printer.lan.home.arpa. 10 IN AAAA fe80::10"));
	CU_ASSERT_FALSE(has_rr(f, "printer.lan.home.arpa. 10 IN A 169.254.9.9"));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT_EQUAL(st.filtered, 2);
	CU_ASSERT_EQUAL(st.services, 1);
	CU_ASSERT_EQUAL(st.published, 10);
	CU_ASSERT(has_rr(f, "static.lan.home.arpa. 300 IN A 192.0.2.200"));
	teardown(f);
}

static void test_no_address(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	/* The same PTR over IPv6 too: one record, two transports. */
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, "My\\032Printer._ipp._tcp.local");
	event(f, true, AF_INET6, MDNS_T_PTR, "_ipp._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	event(f, false, AF_INET6, MDNS_T_PTR, "_ipp._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);
	/* Nothing points at the instance any more: it goes with its host. */
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_services._dns-sd._udp.lan.home.arpa."));
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "My\\032Printer._ipp._tcp.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_SRV));
	wire_text(name, "printer.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
	/* The domain enumeration stays while the link is up. */
	CU_ASSERT(has_rr(f, "b._dns-sd._udp.home.arpa. 10 IN PTR lan.home.arpa."));
	teardown(f);
}

/* Two responders offer one type; one of them says goodbye to the shared
 * type-list record. The other's instances stay, and the type stays
 * browsed until its last instance goes. */
static void test_shared_type_goodbye(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	ptr(f, true, "_ipp._tcp.local", "Other._ipp._tcp.local");
	srv(f, true, "Other._ipp._tcp.local", 631, "other.local");
	addr(f, true, AF_INET, "other.local", "192.0.2.11");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_name(f, "Other._ipp._tcp.lan.home.arpa."));

	ptr(f, false, "_services._dns-sd._udp.local", "_ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	CU_ASSERT(has_rr(f, "_ipp._tcp.lan.home.arpa. 10 IN PTR Other._ipp._tcp.lan.home.arpa."));
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "_ipp._tcp.local");
	CU_ASSERT(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_PTR));

	/* The last instances go: so does the type. */
	ptr(f, false, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, false, "_ipp._tcp.local", "Other._ipp._tcp.local");
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "Other._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_PTR));
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
	CU_ASSERT(has_name(f, "site0._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_name(f, "site2._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "site3._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "site4._http._tcp.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "site1._http._tcp.lan.home.arpa. 10 IN TXT \"path=/\""));
	CU_ASSERT(zone_find(f->zone->zone, tname((uint8_t[ZONE_NAME_MAXLEN]){0},
	                                         "site0._http._tcp.lan.home.arpa.")) != NULL);
	CU_ASSERT_PTR_NULL(
	    trrset(f->zone->zone, "site0._http._tcp.lan.home.arpa.", LDNS_RR_TYPE_TXT));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "web.lan.home.arpa.", LDNS_RR_TYPE_A)->count, 2);
	CU_ASSERT_FALSE(has_rr(f, "web.lan.home.arpa. 10 IN A 192.0.2.79"));
	/* One goes: room for another. */
	ptr(f, false, "_http._tcp.local", "site0._http._tcp.local");
	ptr(f, true, "_http._tcp.local", "site4._http._tcp.local");
	srv(f, true, "site4._http._tcp.local", 80, "web.local");
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
	fixture_t *f = setup(slow_rate);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	run_for(f, 1100); /* the enumeration took tokens; let them refill */
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	/* At most 4 of the printer's 7 records in the first second; the
	 * addresses first, never a PTR before its SRV. */
	CU_ASSERT(st.published <= 3 + 4);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_RATE] >= 1);
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	/* Deferred, not lost. */
	run_for(f, 2500);
	expect_printer(f, true);
	teardown(f);
}

static void test_reserved(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
	addr(f, true, AF_INET, "ok.local", "192.0.2.202");
	mdns_mirror_flush(f->mirror);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_RESERVED] >= 3);
	CU_ASSERT(st.refused[MDNS_MIRROR_REFUSED_INVALID] >= 2);
	CU_ASSERT_FALSE(has_name(f, "_dns-sd._udp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "evil._http._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "b._dns-sd._udp.lan.home.arpa."));
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

static void long_domain(mdns_mirror_config_t *cfg)
{
	static const char *d = "a-rather-long-domain-name-to-make-names-overflow.example.org.";
	fixture_t *f = &F;
	cfg->domain_len = (size_t)zone_name_from_str(f->domain, d, NULL);
	snprintf(f->domain_str, sizeof(f->domain_str), "%s", d);
}

static void test_overlong(void)
{
	fixture_t *f = &F;
	/* The zone must be the long domain's. */
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-mirror.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	snprintf(f->state, sizeof(f->state), "%.63s/mirror.zone", f->dir);
	config_defaults(f);
	long_domain(&f->cfg);
	f->loop = ev_loop_new(EVFLAG_AUTO);
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

static void test_grace(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
	                      .type = MDNS_T_PTR,
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
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX + 2, name, MDNS_T_PTR));
	teardown(f);
}

static void test_link_back_rediscovered(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", false);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	/* Every name is browsed again at once, and announced again. */
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
	printer(f, true);
	run_for(f, 250);
	expect_printer(f, true);
	teardown(f);
}

static void test_commit_failure(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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

static void test_restart_warmup(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	ptr(f, true, "_http._tcp.local",
	    "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.local");
	srv(f, true, "B\\195\\188ro\\032\\\"Drucker\\\"\\.2\\\\x._http._tcp.local", 80,
	    "printer.local");
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

static void reload(fixture_t *f, const char *const *rrs)
{
	gw_zoneref_put(f->zone);
	CU_ASSERT_FATAL(gw_zoneref_new(&f->zone, tzone("home.arpa.", rrs)) == GW_OK);
	CU_ASSERT(gw_commit_zone_replaced(&f->commit) == GW_OK);
	mdns_mirror_resync(f->mirror);
}

static void test_resync(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	/* A reload swaps in the static zone alone: everything comes back. */
	static const char *const zone2[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 200 3600 600 86400 10",
	    "other.lan.home.arpa. 300 IN TXT \"static\"",
	    NULL,
	};
	reload(f, zone2);
	expect_printer(f, true);
	CU_ASSERT(has_rr(f, "other.lan.home.arpa. 300 IN TXT \"static\""));
	/* The printer's host name is now the static zone's: the service that
	 * leads there is no longer the mirror's to publish. */
	static const char *const zone3[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 300 3600 600 86400 10",
	    "printer.lan.home.arpa. 300 IN TXT \"now static\"",
	    NULL,
	};
	reload(f, zone3);
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 300 IN TXT \"now static\""));
	CU_ASSERT_EQUAL(trrset(f->zone->zone, "printer.lan.home.arpa.", LDNS_RR_TYPE_TXT)->count,
	                1);
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
	CU_ASSERT(has_rr(f, "lb._dns-sd._udp.home.arpa. 10 IN PTR eth1.home.arpa."));
	teardown(f);
}

static void test_ttl(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	/* A record announced with a TTL below the cap keeps it, and its
	 * RRset shares it. */
	uint8_t o[MDNS_NAME_MAX], rd[4] = {192, 0, 2, 11};
	wire_text(o, "printer.local");
	mdns_record_t rec = {.ifindex = IFX,
	                     .family = AF_INET,
	                     .add = true,
	                     .type = MDNS_T_A,
	                     .ttl = 4,
	                     .owner = o,
	                     .rdata = rd,
	                     .rdlen = 4};
	mdns_mirror_inject_record(f->mirror, &rec);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 4 IN A 192.0.2.11"));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 4 IN A 192.0.2.10"));
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
	fixture_t *f = setup(no_ipv6);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	uint8_t name[MDNS_NAME_MAX];
	wire_text(name, "printer.local");
	CU_ASSERT_TRUE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_AAAA));
	CU_ASSERT(has_rr(f, "printer.lan.home.arpa. 10 IN A 192.0.2.10"));
	CU_ASSERT_PTR_NULL(trrset(f->zone->zone, "printer.lan.home.arpa.", LDNS_RR_TYPE_AAAA));
	teardown(f);
}

/* Issue 16: names that would change what DNS means once mirrored. A "*"
 * instance would be the wildcard *._http._tcp.lan.home.arpa. (RFC 4592),
 * answering for every absent instance of the type. */
static void test_wildcard(void)
{
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_SRV));
	wire_text(name, "*.local");
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
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
	fixture_t *f = setup(NULL);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
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
		if (!ptrs_first)
			srv(f, true, inst, 80, "flooder.local");
	}
	for (int i = 0; ptrs_first && i < n; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		srv(f, true, inst, 80, "flooder.local");
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
		CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_SRV));
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

/* One device under many host names (one service each, one address): the
 * hosts at that address share one device's quota. */
static void test_address_fair(void)
{
	fixture_t *f = setup(address_limits);
	char inst[64], host[64];
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	ptr(f, true, "_services._dns-sd._udp.local", "_flood._tcp.local");
	ptr(f, true, "_services._dns-sd._udp.local", "_http._tcp.local");
	for (int i = 0; i < 10; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		snprintf(host, sizeof(host), "h%d.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		srv(f, true, inst, 80, host);
		addr(f, true, AF_INET, host, "192.0.2.66");
	}
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
	CU_ASSERT_FALSE(mdns_mirror_is_watched(f->mirror, IFX, name, MDNS_T_A));
	/* One of the four goes: room for one more at that address, not two. */
	ptr(f, false, "_flood._tcp.local", "f0._flood._tcp.local");
	for (int i = 20; i < 22; i++) {
		snprintf(inst, sizeof(inst), "f%d._flood._tcp.local", i);
		snprintf(host, sizeof(host), "h%d.local", i);
		ptr(f, true, "_flood._tcp.local", inst);
		srv(f, true, inst, 80, host);
		addr(f, true, AF_INET, host, "192.0.2.66");
	}
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

/* A state file saved before "*" labels were refused does not bring a
 * wildcard back at the next start. */
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
	    {"a printer is published", test_publish},
	    {"no publishable address, no service", test_no_address},
	    {"goodbyes remove, per transport", test_goodbye},
	    {"one changeset per window, flapping is free", test_batching},
	    {"limits: services, records per name, TXT", test_limits},
	    {"limit: changes per second defers", test_rate},
	    {"gateway-owned names are refused", test_reserved},
	    {"over-long names are refused", test_overlong},
	    {"link down and back within grace", test_grace},
	    {"link grace expiry", test_grace_expiry},
	    {"link back: browsed and announced again", test_link_back_rediscovered},
	    {"shared type-list goodbye keeps other instances", test_shared_type_goodbye},
	    {"failed commit is retried whole", test_commit_failure},
	    {"restart: saved state until warm-up", test_restart_warmup},
	    {"reload: resync into the new zone", test_resync},
	    {"default links are named after interfaces", test_default_links},
	    {"TTLs capped, one per RRset", test_ttl},
	    {"mdns.ipv6 off: no AAAA", test_ipv4_only},
	    {"a * label is never mirrored (no wildcard)", test_wildcard},
	    {"names on DNS-SD's structure are refused", test_structure},
	    {"services per host: a flood leaves room for others", test_host_fair},
	    {"services per host: default share", test_host_default},
	    {"services per address: many host names, one device", test_address_fair},
	    {"saved state: no wildcard comes back", test_state_wildcard},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror", tests);
}
