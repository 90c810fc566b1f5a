/* The mirror publishing into two zones from one discovery: each zone its
 * own links and policy, its own changesets; the enumeration records
 * (b/db/lb) of every zone and link; the TXT rule (RFC 6763 section 6). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "mdns_event.h"
#include "mirror_commit.h"
#include "mdns/mirror.h"
#include "zone_util.h"

#define IF1 7 /* "Building 1" */
#define IF2 8 /* lan2 */

/* One zone as the test sees it: the zone, its commit, and the text of
 * every change its changesets carried ("+ <rr>" / "- <rr>" lines). */
typedef struct tzone_s {
	gw_zoneref_t *zone;
	gw_commit_t commit;
	uint8_t domain[ZONE_NAME_MAXLEN];
	char *log;
	size_t log_len;
	unsigned commits;
} tz_t;

static struct {
	struct ev_loop *loop;
	mdns_mirror_t *mirror;
	mdns_mirror_config_t cfg;
	mdns_mirror_zone_t zcfg[2];
	tz_t z[2];
	mdns_link_config_t links[2];
	char *browse1[2];
	const char *guest_links[1];
	mdns_policy_rule_t rules[3];
	mdns_policy_t guest;
	char *subtypes[1];
} T;

static void log_rrs(tz_t *z, const ldns_rr_list *list, char sign)
{
	for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
		char *s = ldns_rr2str(ldns_rr_list_rr(list, i));
		CU_ASSERT_FATAL(s != NULL);
		size_t n = strlen(s);
		char *grown = realloc(z->log, z->log_len + n + 3);
		CU_ASSERT_FATAL(grown != NULL);
		z->log = grown;
		z->log[z->log_len++] = sign;
		z->log[z->log_len++] = ' ';
		memcpy(z->log + z->log_len, s, n + 1);
		z->log_len += n;
		free(s);
	}
}

static int logging_commit(void *arg, const zone_changeset_t *cs)
{
	tz_t *z = arg;
	z->commits++;
	log_rrs(z, cs->remove, '-');
	log_rrs(z, cs->add, '+');
	return gw_commit_apply(&z->commit, cs);
}

/* Did zone i's changesets ever carry text? (case-sensitive) */
static bool logged(int i, const char *text)
{
	return T.z[i].log != NULL && strstr(T.z[i].log, text) != NULL;
}

static void zone_up(tz_t *z, const char *apex)
{
	char soa[256], ns[256];
	snprintf(soa, sizeof(soa), "%s 3600 IN SOA ns.%s hostmaster.%s 1 3600 600 86400 10", apex,
	         apex, apex);
	snprintf(ns, sizeof(ns), "%s 3600 IN NS ns.%s", apex, apex);
	const char *rrs[] = {soa, ns, NULL};
	CU_ASSERT_FATAL(gw_zoneref_new(&z->zone, tzone(apex, rrs)) == GW_OK);
	CU_ASSERT_FATAL(gw_commit_init(&z->commit, &z->zone) == GW_OK);
	CU_ASSERT_FATAL(zone_name_from_str(z->domain, apex, NULL) > 0);
}

/* campus.test. shows both links, everything; guest.test. shows lan2,
 * only _ipp._tcp and _ipps._tcp. Link "Building 1" advertises itself and
 * the apex as browse domains; lan2 the default (itself). */
static void setup(void)
{
	memset(&T, 0, sizeof(T));
	T.loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(T.loop != NULL);
	zone_up(&T.z[0], "campus.test.");
	zone_up(&T.z[1], "guest.test.");
	T.browse1[0] = "Building 1";
	T.browse1[1] = "@";
	T.links[0] = (mdns_link_config_t){
	    .interface = "eth0", .subdomain = "Building 1", .browse = T.browse1, .browse_count = 2};
	T.links[1] = (mdns_link_config_t){.interface = "eth1", .subdomain = "lan2"};
	T.guest_links[0] = "LAN2"; /* by subdomain, without case */
	T.rules[0] = (mdns_policy_rule_t){.action = MDNS_POLICY_ALLOW, .type = "_ipp._tcp"};
	T.rules[1] = (mdns_policy_rule_t){.action = MDNS_POLICY_ALLOW, .type = "_ipps._tcp"};
	T.guest = (mdns_policy_t){.fallback = MDNS_POLICY_DENY, .rules = T.rules, .rule_count = 2};
	for (int i = 0; i < 2; i++) {
		T.zcfg[i] = (mdns_mirror_zone_t){
		    .domain = T.z[i].domain,
		    .domain_len = (size_t)zone_name_len(T.z[i].domain, ZONE_NAME_MAXLEN),
		    .domain_str = i == 0 ? "campus.test." : "guest.test.",
		    .commit = logging_commit,
		    .commit_arg = &T.z[i],
		    .reserved = gw_commit_reserved,
		    .reserved_arg = &T.z[i].commit,
		};
	}
	T.zcfg[1].links = T.guest_links;
	T.zcfg[1].link_count = 1;
	T.zcfg[1].policy = &T.guest;
	T.subtypes[0] = "_universal._sub._ipp._tcp";
	T.cfg = (mdns_mirror_config_t){
	    .zones = T.zcfg,
	    .zone_count = 2,
	    .links = T.links,
	    .link_count = 2,
	    .ipv4 = true,
	    .ipv6 = true,
	    .ttl_cap = 10,
	    .batch_window_ms = 20,
	    .warmup_ms = 150,
	    .link_grace_ms = 150,
	    .subtypes = T.subtypes,
	    .subtype_count = 1,
	    .limits = {.services_per_link = 1000,
	               .records_per_name = 32,
	               .txt_size = 1300,
	               .changes_per_second = 100000},
	};
	mdns_mirror_opts_t opts = {.cfg = T.cfg, .discover = false};
	CU_ASSERT_FATAL(mdns_mirror_new(&T.mirror, T.loop, &opts) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(T.mirror) == GW_OK);
}

static void teardown(void)
{
	mdns_mirror_free(T.mirror);
	for (int i = 0; i < 2; i++) {
		gw_commit_deinit(&T.z[i].commit);
		gw_zoneref_put(T.z[i].zone);
		free(T.z[i].log);
	}
	ev_loop_destroy(T.loop);
}

/* ---- events ----------------------------------------------------------------- */

static void event(int ifindex, bool add, uint16_t type, const char *owner, const uint8_t *rdata,
                  size_t rdlen)
{
	CU_ASSERT_EQUAL_FATAL(
	    mdns_event(T.mirror, ifindex, AF_INET, add, type, 120, owner, rdata, rdlen), GW_OK);
}

static void ptr(int ifindex, const char *owner, const char *target)
{
	uint8_t rd[MDNS_NAME_MAX];
	int len = mdns_name_from_text(rd, target);
	CU_ASSERT_FATAL(len > 0);
	event(ifindex, true, DNS_T_PTR, owner, rd, (size_t)len);
}

static void txt(int ifindex, bool add, const char *owner, const char *s)
{
	uint8_t rd[256];
	size_t len = strlen(s);
	rd[0] = (uint8_t)len;
	memcpy(rd + 1, s, len);
	event(ifindex, add, DNS_T_TXT, owner, rd, len + 1);
}

/* One service: type listed, browse PTR, SRV to host (port 80), TXT
 * unless with_txt is false, the host's address. */
static void service(int ifindex, const char *type, const char *inst, const char *host,
                    const char *addr, bool with_txt)
{
	char tname_[128], iname[256], hname[128];
	snprintf(tname_, sizeof(tname_), "%s.local", type);
	snprintf(iname, sizeof(iname), "%s.%s.local", inst, type);
	snprintf(hname, sizeof(hname), "%s.local", host);
	ptr(ifindex, "_services._dns-sd._udp.local", tname_);
	ptr(ifindex, tname_, iname);
	uint8_t rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, 0, 80};
	int len = mdns_name_from_text(rd + 6, hname);
	CU_ASSERT_FATAL(len > 0);
	event(ifindex, true, DNS_T_SRV, iname, rd, 6 + (size_t)len);
	if (with_txt)
		txt(ifindex, true, iname, "x=1");
	uint8_t a[4];
	CU_ASSERT_FATAL(inet_pton(AF_INET, addr, a) == 1);
	event(ifindex, true, DNS_T_A, hname, a, 4);
}

/* Printers, a camera and an SSH host on two links. */
static void devices(void)
{
	mdns_mirror_inject_link(T.mirror, IF1, "eth0", true);
	mdns_mirror_inject_link(T.mirror, IF2, "eth1", true);
	service(IF1, "_ipp._tcp", "Printer\\0321", "p1", "192.0.2.11", true);
	service(IF2, "_ipp._tcp", "Printer\\0322", "p2", "192.0.2.140", true);
	ptr(IF2, "_universal._sub._ipp._tcp.local", "Printer\\0322._ipp._tcp.local");
	service(IF2, "_ipps._tcp", "Printer\\0322", "p2", "192.0.2.140", true);
	service(IF2, "_rtsp._tcp", "Cam", "cam", "192.0.2.141", true);
	service(IF2, "_ssh._tcp", "Box", "box", "192.0.2.142", true);
	CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
}

/* ---- zone checks -------------------------------------------------------------- */

static bool has_rr(int i, const char *text)
{
	bool found = zone_has_rr(T.z[i].zone->zone, text);
	if (!found)
		fprintf(stderr, "not in zone %d: %s\n", i, text);
	return found;
}

static bool has_name(int i, const char *name)
{
	uint8_t w[ZONE_NAME_MAXLEN];
	return zone_find(T.z[i].zone->zone, tname(w, name)) != NULL;
}

static size_t ptr_count(int i, const char *owner)
{
	const zone_rrset_t *rs = trrset(T.z[i].zone->zone, owner, LDNS_RR_TYPE_PTR);
	return rs != NULL ? rs->count : 0;
}

static void on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

static void run_for(double ms)
{
	ev_timer t;
	ev_timer_init(&t, on_stop, ms / 1000.0, 0.);
	ev_timer_start(T.loop, &t);
	ev_run(T.loop, 0);
	ev_timer_stop(T.loop, &t);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_two_zones(void)
{
	setup();
	devices();
	/* campus.test.: everything of both links */
	CU_ASSERT(has_rr(0, "Printer\\0321._ipp._tcp.Building\\0321.campus.test. 10 IN SRV 0 0 80 "
	                    "p1.Building\\0321.campus.test."));
	CU_ASSERT(has_rr(0, "p1.Building\\0321.campus.test. 10 IN A 192.0.2.11"));
	CU_ASSERT(has_rr(0, "Cam._rtsp._tcp.lan2.campus.test. 10 IN SRV 0 0 80 "
	                    "cam.lan2.campus.test."));
	CU_ASSERT(has_rr(0, "Box._ssh._tcp.lan2.campus.test. 10 IN TXT \"x=1\""));
	CU_ASSERT_EQUAL(ptr_count(0, "_services._dns-sd._udp.lan2.campus.test."), 4);
	/* guest.test.: the printers of lan2, nothing else */
	CU_ASSERT(has_rr(1, "_ipp._tcp.lan2.guest.test. 10 IN PTR "
	                    "Printer\\0322._ipp._tcp.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "_universal._sub._ipp._tcp.lan2.guest.test. 10 IN PTR "
	                    "Printer\\0322._ipp._tcp.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "Printer\\0322._ipp._tcp.lan2.guest.test. 10 IN SRV 0 0 80 "
	                    "p2.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "Printer\\0322._ipp._tcp.lan2.guest.test. 10 IN TXT \"x=1\""));
	CU_ASSERT(has_rr(1, "Printer\\0322._ipps._tcp.lan2.guest.test. 10 IN SRV 0 0 80 "
	                    "p2.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "p2.lan2.guest.test. 10 IN A 192.0.2.140"));
	CU_ASSERT(has_rr(1, "_services._dns-sd._udp.lan2.guest.test. 10 IN PTR "
	                    "_ipp._tcp.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "_services._dns-sd._udp.lan2.guest.test. 10 IN PTR "
	                    "_ipps._tcp.lan2.guest.test."));
	CU_ASSERT_EQUAL(ptr_count(1, "_services._dns-sd._udp.lan2.guest.test."), 2);
	CU_ASSERT_FALSE(has_name(1, "Cam._rtsp._tcp.lan2.guest.test."));
	CU_ASSERT_FALSE(has_name(1, "_rtsp._tcp.lan2.guest.test."));
	CU_ASSERT_FALSE(has_name(1, "cam.lan2.guest.test."));
	CU_ASSERT_FALSE(has_name(1, "box.lan2.guest.test."));
	CU_ASSERT_FALSE(has_name(1, "Building\\0321.guest.test."));
	/* Each zone's changesets carry only its own records. */
	CU_ASSERT(T.z[0].commits >= 1);
	CU_ASSERT(T.z[1].commits >= 1);
	CU_ASSERT_FALSE(logged(0, "guest.test."));
	CU_ASSERT_FALSE(logged(1, "campus.test."));
	CU_ASSERT_FALSE(logged(1, "Cam"));
	CU_ASSERT_FALSE(logged(1, "cam."));
	CU_ASSERT_FALSE(logged(1, "Box"));
	CU_ASSERT_FALSE(logged(1, "_ssh"));
	CU_ASSERT_FALSE(logged(1, "_rtsp"));
	CU_ASSERT_FALSE(logged(1, "Building"));
	CU_ASSERT_FALSE(logged(1, "p1."));
	CU_ASSERT(logged(1, "+ Printer\\0322._ipps._tcp.lan2.guest.test."));
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(T.mirror, &st);
	CU_ASSERT_EQUAL(st.services, 5); /* discovered once */
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_NO_TXT], 0);
	teardown();
}

/* The enumeration of each zone at its apex and under each link it shows. */
static void test_enumeration(void)
{
	setup();
	devices();
	/* campus apex: b each link, db and lb one, the first configured link */
	CU_ASSERT(has_rr(0, "b._dns-sd._udp.campus.test. 10 IN PTR Building\\0321.campus.test."));
	CU_ASSERT(has_rr(0, "b._dns-sd._udp.campus.test. 10 IN PTR lan2.campus.test."));
	CU_ASSERT_EQUAL(ptr_count(0, "b._dns-sd._udp.campus.test."), 2);
	CU_ASSERT(has_rr(0, "db._dns-sd._udp.campus.test. 10 IN PTR Building\\0321.campus.test."));
	CU_ASSERT(has_rr(0, "lb._dns-sd._udp.campus.test. 10 IN PTR Building\\0321.campus.test."));
	CU_ASSERT_EQUAL(ptr_count(0, "db._dns-sd._udp.campus.test."), 1);
	CU_ASSERT_EQUAL(ptr_count(0, "lb._dns-sd._udp.campus.test."), 1);
	/* campus, Building 1: its browse domains, itself and the apex ("@") */
	CU_ASSERT(has_rr(0, "b._dns-sd._udp.Building\\0321.campus.test. 10 IN PTR "
	                    "Building\\0321.campus.test."));
	CU_ASSERT(has_rr(0, "b._dns-sd._udp.Building\\0321.campus.test. 10 IN PTR campus.test."));
	CU_ASSERT_EQUAL(ptr_count(0, "b._dns-sd._udp.Building\\0321.campus.test."), 2);
	CU_ASSERT(has_rr(0, "db._dns-sd._udp.Building\\0321.campus.test. 10 IN PTR "
	                    "Building\\0321.campus.test."));
	CU_ASSERT(has_rr(0, "lb._dns-sd._udp.Building\\0321.campus.test. 10 IN PTR "
	                    "Building\\0321.campus.test."));
	CU_ASSERT_EQUAL(ptr_count(0, "db._dns-sd._udp.Building\\0321.campus.test."), 1);
	CU_ASSERT_EQUAL(ptr_count(0, "lb._dns-sd._udp.Building\\0321.campus.test."), 1);
	/* campus, lan2: the default, itself */
	static const char *const p[] = {"b", "db", "lb"};
	char owner[128], rr[256];
	for (int i = 0; i < 3; i++) {
		snprintf(owner, sizeof(owner), "%s._dns-sd._udp.lan2.campus.test.", p[i]);
		snprintf(rr, sizeof(rr), "%s 10 IN PTR lan2.campus.test.", owner);
		CU_ASSERT(has_rr(0, rr));
		CU_ASSERT_EQUAL(ptr_count(0, owner), 1);
	}
	/* guest apex and lan2: lan2 only; nothing under Building 1 */
	for (int i = 0; i < 3; i++) {
		snprintf(owner, sizeof(owner), "%s._dns-sd._udp.guest.test.", p[i]);
		snprintf(rr, sizeof(rr), "%s 10 IN PTR lan2.guest.test.", owner);
		CU_ASSERT(has_rr(1, rr));
		CU_ASSERT_EQUAL(ptr_count(1, owner), 1);
		snprintf(owner, sizeof(owner), "%s._dns-sd._udp.lan2.guest.test.", p[i]);
		snprintf(rr, sizeof(rr), "%s 10 IN PTR lan2.guest.test.", owner);
		CU_ASSERT(has_rr(1, rr));
		CU_ASSERT_EQUAL(ptr_count(1, owner), 1);
		snprintf(owner, sizeof(owner), "%s._dns-sd._udp.Building\\0321.guest.test.", p[i]);
		CU_ASSERT_FALSE(has_name(1, owner));
	}
	/* Building 1 goes down past its grace: gone from campus's apex, db and
	 * lb move to lan2. */
	mdns_mirror_inject_link(T.mirror, IF1, "eth0", false);
	run_for(400); /* the grace period is 150 ms */
	CU_ASSERT(has_rr(0, "db._dns-sd._udp.campus.test. 10 IN PTR lan2.campus.test."));
	CU_ASSERT_EQUAL(ptr_count(0, "b._dns-sd._udp.campus.test."), 1);
	CU_ASSERT_FALSE(has_name(0, "b._dns-sd._udp.Building\\0321.campus.test."));
	teardown();
}

/* A zone's policy and links change live: what it no longer shows is
 * withdrawn, what it now shows published, the other zone untouched. */
static void test_reconfigure_policy(void)
{
	setup();
	devices();
	unsigned campus = T.z[0].commits;
	mdns_policy_rule_t rules[3] = {
	    T.rules[0],
	    {.action = MDNS_POLICY_ALLOW, .type = "_rtsp._tcp"},
	};
	mdns_policy_t pol = {.fallback = MDNS_POLICY_DENY, .rules = rules, .rule_count = 2};
	mdns_mirror_zone_t zones[2] = {T.zcfg[0], T.zcfg[1]};
	zones[1].policy = &pol;
	mdns_mirror_config_t cfg = T.cfg;
	cfg.zones = zones;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(T.mirror, &cfg), GW_OK);
	CU_ASSERT(has_rr(1, "Cam._rtsp._tcp.lan2.guest.test. 10 IN SRV 0 0 80 "
	                    "cam.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "cam.lan2.guest.test. 10 IN A 192.0.2.141"));
	CU_ASSERT_FALSE(has_name(1, "Printer\\0322._ipps._tcp.lan2.guest.test."));
	CU_ASSERT_FALSE(has_name(1, "_ipps._tcp.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "p2.lan2.guest.test. 10 IN A 192.0.2.140")); /* still _ipp's */
	CU_ASSERT_EQUAL(T.z[0].commits, campus);                         /* nothing changed there */

	/* guest now shows Building 1 instead of lan2 */
	const char *b1[] = {"eth0"};
	zones[1].links = b1;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(T.mirror, &cfg), GW_OK);
	CU_ASSERT_FALSE(has_name(1, "lan2.guest.test."));
	CU_ASSERT(has_rr(1, "Printer\\0321._ipp._tcp.Building\\0321.guest.test. 10 IN SRV 0 0 80 "
	                    "p1.Building\\0321.guest.test."));
	CU_ASSERT(has_rr(1, "b._dns-sd._udp.guest.test. 10 IN PTR Building\\0321.guest.test."));
	CU_ASSERT_EQUAL(ptr_count(1, "b._dns-sd._udp.guest.test."), 1);
	CU_ASSERT_EQUAL(T.z[0].commits, campus);
	/* A domain changes only with a restart (the mirror still borrows
	 * zones: the change is made in a copy). */
	uint8_t other[ZONE_NAME_MAXLEN];
	mdns_mirror_zone_t moved[2] = {zones[0], zones[1]};
	moved[1].domain_len = (size_t)zone_name_from_str(other, "other.test.", NULL);
	moved[1].domain = other;
	cfg.zones = moved;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(T.mirror, &cfg), GW_EINVAL);
	cfg.zones = zones;
	cfg.zone_count = 1;
	CU_ASSERT_EQUAL(mdns_mirror_reconfigure(T.mirror, &cfg), GW_EINVAL);
	CU_ASSERT(has_rr(1, "b._dns-sd._udp.guest.test. 10 IN PTR Building\\0321.guest.test."));
	teardown();
}

/* An instance with SRVs to two hosts, in a zone whose policy allows one
 * host: shown with that host only; the other SRV and the other host's
 * address stay out (the policy judges each host), whichever SRV came
 * first. The zone without a policy shows both. */
static void test_policy_two_hosts(void)
{
	setup();
	mdns_policy_rule_t rules[1] = {{.action = MDNS_POLICY_ALLOW, .host = "print-*"}};
	mdns_policy_t pol = {.fallback = MDNS_POLICY_DENY, .rules = rules, .rule_count = 1};
	mdns_mirror_zone_t zones[2] = {T.zcfg[0], T.zcfg[1]};
	zones[1].policy = &pol;
	mdns_mirror_config_t cfg = T.cfg;
	cfg.zones = zones;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_reconfigure(T.mirror, &cfg), GW_OK);
	mdns_mirror_inject_link(T.mirror, IF2, "eth1", true);
	for (int order = 0; order < 2; order++) {
		const char *inst = order == 0 ? "Web._http._tcp.local" : "Web2._http._tcp.local";
		const char *hosts[2] = {order == 0 ? "print-1.local" : "other.local",
		                        order == 0 ? "other.local" : "print-1.local"};
		ptr(IF2, "_services._dns-sd._udp.local", "_http._tcp.local");
		ptr(IF2, "_http._tcp.local", inst);
		for (int h = 0; h < 2; h++) {
			uint8_t rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, 0, (uint8_t)(80 + h)};
			int len = mdns_name_from_text(rd + 6, hosts[h]);
			CU_ASSERT_FATAL(len > 0);
			event(IF2, true, DNS_T_SRV, inst, rd, 6 + (size_t)len);
		}
		txt(IF2, true, inst, "x=1");
		uint8_t a[4] = {192, 0, 2, 160}, b[4] = {192, 0, 2, 161};
		event(IF2, true, DNS_T_A, "print-1.local", a, 4);
		event(IF2, true, DNS_T_A, "other.local", b, 4);
		CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
		char print_srv[256], other_srv[256], print_campus[256], other_campus[256];
		const char *label = order == 0 ? "Web" : "Web2";
		int port_print = order == 0 ? 80 : 81, port_other = order == 0 ? 81 : 80;
		snprintf(print_srv, sizeof(print_srv),
		         "%s._http._tcp.lan2.guest.test. 10 IN SRV 0 0 %d print-1.lan2.guest.test.",
		         label, port_print);
		snprintf(other_srv, sizeof(other_srv),
		         "%s._http._tcp.lan2.guest.test. 10 IN SRV 0 0 %d other.lan2.guest.test.",
		         label, port_other);
		snprintf(
		    print_campus, sizeof(print_campus),
		    "%s._http._tcp.lan2.campus.test. 10 IN SRV 0 0 %d print-1.lan2.campus.test.",
		    label, port_print);
		snprintf(other_campus, sizeof(other_campus),
		         "%s._http._tcp.lan2.campus.test. 10 IN SRV 0 0 %d other.lan2.campus.test.",
		         label, port_other);
		CU_ASSERT(has_rr(1, print_srv));
		CU_ASSERT_FALSE(has_rr(1, other_srv));
		CU_ASSERT(has_rr(1, "print-1.lan2.guest.test. 10 IN A 192.0.2.160"));
		CU_ASSERT_FALSE(has_name(1, "other.lan2.guest.test."));
		CU_ASSERT(has_rr(0, print_campus));
		CU_ASSERT(has_rr(0, other_campus));
		CU_ASSERT(has_rr(0, "other.lan2.campus.test. 10 IN A 192.0.2.161"));
	}
	teardown();
}

/* RFC 6763 section 6: an instance is published with its TXT or not at
 * all; one held back is counted once until its TXT comes. */
static void test_txt_rule(void)
{
	setup();
	mdns_mirror_inject_link(T.mirror, IF2, "eth1", true);
	service(IF2, "_ipp._tcp", "NoTxt", "nt", "192.0.2.150", false);
	CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_FALSE(has_name(i, i == 0 ? "NoTxt._ipp._tcp.lan2.campus.test."
		                                   : "NoTxt._ipp._tcp.lan2.guest.test."));
		CU_ASSERT_FALSE(has_name(i, i == 0 ? "_ipp._tcp.lan2.campus.test."
		                                   : "_ipp._tcp.lan2.guest.test."));
		CU_ASSERT_FALSE(
		    has_name(i, i == 0 ? "nt.lan2.campus.test." : "nt.lan2.guest.test."));
	}
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(T.mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_NO_TXT], 1); /* once, not per zone */
	mdns_mirror_refusal_t r;
	CU_ASSERT_EQUAL_FATAL(mdns_mirror_recent_refusals(T.mirror, &r, 1), 1);
	CU_ASSERT_EQUAL(r.kind, MDNS_MIRROR_REFUSED_NO_TXT);
	CU_ASSERT_STRING_EQUAL(mdns_mirror_refused_name(r.kind), "no_txt");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.name, "NoTxt"));
	/* computed again (another change on the link): still counted once */
	service(IF2, "_ipp._tcp", "Other", "ot", "192.0.2.151", true);
	CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
	mdns_mirror_get_stats(T.mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_NO_TXT], 1);
	CU_ASSERT(has_name(0, "Other._ipp._tcp.lan2.campus.test."));
	CU_ASSERT_FALSE(has_name(0, "NoTxt._ipp._tcp.lan2.campus.test."));
	/* its TXT comes: published whole, in both zones */
	txt(IF2, true, "NoTxt._ipp._tcp.local", "rp=ipp");
	CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
	CU_ASSERT(has_rr(0, "NoTxt._ipp._tcp.lan2.campus.test. 10 IN TXT \"rp=ipp\""));
	CU_ASSERT(has_rr(0, "_ipp._tcp.lan2.campus.test. 10 IN PTR "
	                    "NoTxt._ipp._tcp.lan2.campus.test."));
	CU_ASSERT(
	    has_rr(1, "NoTxt._ipp._tcp.lan2.guest.test. 10 IN SRV 0 0 80 nt.lan2.guest.test."));
	CU_ASSERT(has_rr(1, "nt.lan2.guest.test. 10 IN A 192.0.2.150"));
	/* its TXT goes: withdrawn whole, counted again */
	txt(IF2, false, "NoTxt._ipp._tcp.local", "rp=ipp");
	CU_ASSERT_EQUAL(mdns_mirror_flush(T.mirror), GW_OK);
	CU_ASSERT_FALSE(has_name(0, "NoTxt._ipp._tcp.lan2.campus.test."));
	CU_ASSERT_FALSE(has_name(0, "nt.lan2.campus.test."));
	CU_ASSERT_FALSE(has_rr(0, "_ipp._tcp.lan2.campus.test. 10 IN PTR "
	                          "NoTxt._ipp._tcp.lan2.campus.test."));
	CU_ASSERT(has_name(0, "Other._ipp._tcp.lan2.campus.test."));
	mdns_mirror_get_stats(T.mirror, &st);
	CU_ASSERT_EQUAL(st.refused[MDNS_MIRROR_REFUSED_NO_TXT], 2);
	teardown();
}

/* A zone's state file: only its records; a zone without one saves none. */
static void test_state_per_zone(void)
{
	char dir[] = "/tmp/gw-zones.XXXXXX", file[64];
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/guest.zone", dir);
	memset(&T, 0, sizeof(T));
	setup();
	mdns_mirror_free(T.mirror);
	T.zcfg[1].state_file = file;
	mdns_mirror_opts_t opts = {.cfg = T.cfg, .discover = false};
	CU_ASSERT_FATAL(mdns_mirror_new(&T.mirror, T.loop, &opts) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(T.mirror) == GW_OK);
	devices();
	mdns_mirror_free(T.mirror); /* saves */
	T.mirror = NULL;
	/* The file holds wire records (mirror_state.c): names as labels. */
	static char data[1 << 16];
	FILE *fp = fopen(file, "r");
	CU_ASSERT_FATAL(fp != NULL);
	size_t n = fread(data, 1, sizeof(data), fp);
	fclose(fp);
	CU_ASSERT_FATAL(n > 0);
	static const char printer2[] = "\x09Printer 2\x05_ipps\x04_tcp\x04lan2\x05guest\x04test";
	static const char campus[] = "\x06"
	                             "campus\x04test";
	CU_ASSERT_PTR_NOT_NULL(memmem(data, n, printer2, sizeof(printer2)));
	CU_ASSERT_PTR_NULL(memmem(data, n, campus, sizeof(campus)));
	CU_ASSERT_PTR_NULL(memmem(data, n, "Cam", 3));
	/* a new mirror serves the saved records at once */
	gw_zoneref_put(T.z[1].zone);
	gw_commit_deinit(&T.z[1].commit);
	zone_up(&T.z[1], "guest.test.");
	CU_ASSERT_FATAL(mdns_mirror_new(&T.mirror, T.loop, &opts) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(T.mirror) == GW_OK);
	CU_ASSERT(has_rr(1, "p2.lan2.guest.test. 10 IN A 192.0.2.140"));
	CU_ASSERT(has_rr(1, "b._dns-sd._udp.lan2.guest.test. 10 IN PTR lan2.guest.test."));
	teardown();
	unlink(file);
	rmdir(dir);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"two zones: own links, policy and changesets", test_two_zones},
	    {"enumeration for every zone and link", test_enumeration},
	    {"a zone's policy and links change live", test_reconfigure_policy},
	    {"a policy on the host, an instance with two hosts", test_policy_two_hosts},
	    {"TXT rule: held back, counted once", test_txt_rule},
	    {"state file per zone", test_state_per_zone},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror zones", tests);
}
