/* gateway/control/status*.c: every topic of gw_status_json() on a daemon
 * built in process (a signed zone manager, a mirror on two injected links
 * committing into it, a NOTIFY target that never answers), checked for
 * content: serials, keys and DS against the zone, links and services with
 * filters and the bound, refusals with their reasons. */
#include <arpa/inet.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>
#include <ldns/ldns.h>

#include "common/clock.h"
#include "common/error.h"
#include "cunit.h"
#include "mdns_event.h"
#include "dnssec/dnssec.h"
#include "gateway/control/status.h"

#define IF_LAN  7
#define IF_WLAN 8

static const char CONFIG[] = "zone: {domain: home.arpa}\n"
                             "listen: [127.0.0.1@0]\n"
                             "state-dir: /nonexistent\n"
                             "transfer: {notify: [192.0.2.53@53]}\n"
                             "links:\n"
                             "  - {interface: eth0, subdomain: lan}\n"
                             "  - {interface: wlan0, subdomain: wlan}\n"
                             "mdns:\n"
                             "  batch-window: 10ms\n"
                             "  limits: {services-per-link: 3}\n";

/* A link with a rich-text label (RFC 8766 section 5.3). */
static const char CONFIG_RICH[] = "zone: {domain: home.arpa}\n"
                                  "listen: [127.0.0.1@0]\n"
                                  "state-dir: /nonexistent\n"
                                  "links:\n"
                                  "  - {interface: eth0, subdomain: \"Building 1\"}\n"
                                  "mdns:\n"
                                  "  batch-window: 10ms\n";

/* Two zones: guest.test. shows wlan only, and of it _ipp._tcp and the
 * instances named tv*. */
static const char CONFIG_ZONES[] = "zones:\n"
                                   "  - {domain: home.arpa}\n"
                                   "  - domain: guest.test\n"
                                   "    links: [wlan]\n"
                                   "    policy:\n"
                                   "      default: deny\n"
                                   "      rules:\n"
                                   "        - {action: allow, type: _ipp._tcp}\n"
                                   "        - {action: allow, instance: \"tv*\"}\n"
                                   "listen: [127.0.0.1@0]\n"
                                   "state-dir: /nonexistent\n"
                                   "links:\n"
                                   "  - {interface: eth0, subdomain: lan}\n"
                                   "  - {interface: wlan0, subdomain: wlan}\n"
                                   "mdns:\n"
                                   "  batch-window: 10ms\n";

/* The configuration setup() loads. */
static const char *g_config = CONFIG;

typedef struct fixture {
	char dir[64];
	struct ev_loop *loop;
	gw_config_t *cfg;
	gw_zonemgr_t *zones;
	mdns_mirror_t *mirror;
	mdns_mirror_zone_t mzone[2]; /* the mirror's zones, borrowed by it */
	char mstate[2][128];
	gw_notify_t *notify;
	gw_tsig_keyring_t keys;
	gw_view_t view;
} fixture_t;

static fixture_t F;

static int commit(void *arg, const zone_changeset_t *cs)
{
	return gw_zonemgr_commit(arg, cs);
}

/* The second zone's commits: the view reads the mirror, not that zone. */
static int commit_nowhere(void *arg, const zone_changeset_t *cs)
{
	(void)arg;
	(void)cs;
	return GW_OK;
}

static fixture_t *setup(void)
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-status.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	CU_ASSERT_FATAL(gw_config_parse(&f->cfg, "test.yaml", g_config, strlen(g_config), NULL) ==
	                GW_OK);
	free(f->cfg->state_dir);
	f->cfg->state_dir = strdup(f->dir);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	const gw_config_t *c = f->cfg;
	gw_zonemgr_opts_t zo = {
	    .domain = c->zone.domain,
	    .domain_str = c->zone.domain_str,
	    .state_dir = c->state_dir,
	    .dnssec = {.enable = true,
	               .algorithm = SIG_ALG_ECDSAP256SHA256,
	               .split_keys = true,
	               .validity_ms = 14 * 86400000ULL,
	               .refresh_ms = 7 * 86400000ULL,
	               .inception_offset_ms = 3600000ULL,
	               .dnskey_ttl = c->dnssec.dnskey_ttl,
	               .sign_threads = 1},
	    .journal_size = 1 << 20,
	    .journal_entries = 100,
	};
	CU_ASSERT_FATAL(gw_zonemgr_new(&f->zones, f->loop, &zo) == GW_OK);
	CU_ASSERT_FATAL(gw_zonemgr_start(f->zones) == GW_OK);
	gw_tsig_keyring_opts_t ko = {0};
	CU_ASSERT_FATAL(gw_tsig_keyring_init(&f->keys, &ko) == GW_OK);
	gw_notify_opts_t no = {.targets = c->transfer.notify,
	                       .target_count = c->transfer.notify_count,
	                       .keys = &f->keys,
	                       .first_retry = 30};
	CU_ASSERT_FATAL(gw_notify_new(&f->notify, f->loop, &no) == GW_OK);
	snprintf(f->mstate[0], sizeof(f->mstate[0]), "%.100s/mirror.zone", f->dir);
	f->mzone[0] = (mdns_mirror_zone_t){.domain = c->zone.domain,
	                                   .domain_len = c->zone.domain_len,
	                                   .domain_str = c->zone.domain_str,
	                                   .state_file = f->mstate[0],
	                                   .commit = commit,
	                                   .commit_arg = f->zones};
	if (c->zone_count > 1) {
		const gw_zone_config_t *zc = &c->zones[1];
		snprintf(f->mstate[1], sizeof(f->mstate[1]), "%.100s/mirror2.zone", f->dir);
		f->mzone[1] = (mdns_mirror_zone_t){.domain = zc->domain,
		                                   .domain_len = zc->domain_len,
		                                   .domain_str = zc->domain_str,
		                                   .links = (const char *const *)zc->links,
		                                   .link_count = zc->link_count,
		                                   .policy = &zc->policy,
		                                   .state_file = f->mstate[1],
		                                   .commit = commit_nowhere};
	}
	mdns_mirror_opts_t mo = {
	    .cfg = {.zones = f->mzone,
	            .zone_count = c->zone_count > 1 ? 2 : 1,
	            .links = c->links,
	            .link_count = c->link_count,
	            .ipv4 = true,
	            .ipv6 = true,
	            .ttl_cap = c->mdns.ttl_cap,
	            .batch_window_ms = c->mdns.batch_window_ms,
	            .warmup_ms = 0,
	            .link_grace_ms = c->mdns.link_grace_ms,
	            .limits = {c->mdns.limits.services_per_link, c->mdns.limits.records_per_name,
	                       c->mdns.limits.txt_size, c->mdns.limits.changes_per_second,
	                       c->mdns.limits.services_per_host,
	                       c->mdns.limits.services_per_address}},
	    .discover = false,
	};
	CU_ASSERT_FATAL(mdns_mirror_new(&f->mirror, f->loop, &mo) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(f->mirror) == GW_OK);
	f->view = (gw_view_t){
	    .cfg = f->cfg,
	    .zones = f->zones,
	    .mirror = f->mirror,
	    .notify = f->notify,
	    .started = gw_clock_wall() - 5,
	    .started_ns = gw_clock_mono_ns() - 5000000000ULL,
	};
	return f;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void teardown(fixture_t *f)
{
	mdns_mirror_free(f->mirror);
	gw_notify_free(f->notify);
	gw_zonemgr_free(f->zones);
	gw_tsig_keyring_deinit(&f->keys);
	gw_config_free(f->cfg);
	ev_loop_destroy(f->loop);
	nftw(f->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* ---- synthetic mDNS ---------------------------------------------------- */

static void event(fixture_t *f, int ifindex, uint16_t type, const char *owner, const uint8_t *rdata,
                  size_t rdlen)
{
	CU_ASSERT_EQUAL_FATAL(
	    mdns_event(f->mirror, ifindex, AF_INET, true, type, 120, owner, rdata, rdlen), GW_OK);
}

/* A _http._tcp service inst on ifindex, at host:port with one address. */
static void service(fixture_t *f, int ifindex, const char *inst, const char *host, uint16_t port,
                    const char *a)
{
	uint8_t rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, (uint8_t)(port >> 8), (uint8_t)port};
	uint8_t name[MDNS_NAME_MAX];
	char owner[256];
	snprintf(owner, sizeof(owner), "%s._http._tcp.local", inst);
	int len = mdns_name_from_text(name, "_http._tcp.local");
	event(f, ifindex, DNS_T_PTR, "_services._dns-sd._udp.local", name, (size_t)len);
	len = mdns_name_from_text(name, owner);
	event(f, ifindex, DNS_T_PTR, "_http._tcp.local", name, (size_t)len);
	len = mdns_name_from_text(rd + 6, host);
	event(f, ifindex, DNS_T_SRV, owner, rd, 6 + (size_t)len);
	event(f, ifindex, DNS_T_TXT, owner, (const uint8_t *)"\006path=/", 7);
	uint8_t ip[4];
	CU_ASSERT_FATAL(inet_pton(AF_INET, a, ip) == 1);
	event(f, ifindex, DNS_T_A, host, ip, 4);
}

/* The link labelled label in a links topic. */
static json_object *link_of(json_object *links, const char *label)
{
	for (size_t i = 0; i < json_object_array_length(links); i++) {
		json_object *l = json_object_array_get_idx(links, i), *v = NULL;
		if (json_object_object_get_ex(l, "label", &v) &&
		    strcmp(json_object_get_string(v), label) == 0)
			return l;
	}
	CU_FAIL_FATAL("link not listed");
	return NULL;
}

static json_object *topic(fixture_t *f, gw_status_topic_t t, const char *link)
{
	json_object *out = NULL;
	gw_status_query_t q = {.topic = t, .link = link};
	CU_ASSERT_FATAL(gw_status_json(&f->view, &q, &out) == GW_OK);
	CU_ASSERT_FATAL(out != NULL);
	return out;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, key, &v));
	return v;
}

static const char *str(json_object *o, const char *key)
{
	return json_object_get_string(get(o, key));
}

static int64_t num(json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key));
}

/* ---- tests ------------------------------------------------------------- */

static void test_topics(void)
{
	gw_status_topic_t t;
	CU_ASSERT(gw_status_topic_parse("secondaries", &t) == GW_OK && t == GW_STATUS_SECONDARIES);
	CU_ASSERT(gw_status_topic_parse("ds", &t) == GW_OK && t == GW_STATUS_DS);
	CU_ASSERT(gw_status_topic_parse("reload", &t) == GW_EINVAL);
	CU_ASSERT(gw_status_topic_parse("Status", &t) == GW_EINVAL);
	for (int i = 0; i < GW_STATUS_TOPICS; i++) {
		CU_ASSERT(gw_status_topic_parse(gw_status_topic_name(i), &t) == GW_OK);
		CU_ASSERT_EQUAL((int)t, i);
	}
	CU_ASSERT_STRING_EQUAL(gw_status_topic_name(GW_STATUS_TOPICS), "?");
}

static void test_status(void)
{
	fixture_t *f = setup();
	uint32_t serial = 0;
	CU_ASSERT(zone_serial(gw_zonemgr_zone(f->zones)->zone, &serial) == GW_OK);
	json_object *o = topic(f, GW_STATUS_STATUS, NULL);
	CU_ASSERT(num(o, "uptime_seconds") >= 5);
	CU_ASSERT(strlen(str(o, "version")) > 0);
	CU_ASSERT_EQUAL(strlen(str(o, "started")), strlen("2026-12-02T10:00:00Z"));
	json_object *zones = get(o, "zones");
	CU_ASSERT_FATAL(json_object_array_length(zones) == 1);
	json_object *z = json_object_array_get_idx(zones, 0);
	CU_ASSERT_STRING_EQUAL(str(z, "name"), "home.arpa.");
	CU_ASSERT_EQUAL(num(z, "serial"), serial);
	json_object *d = get(z, "dnssec");
	CU_ASSERT(json_object_get_boolean(get(d, "enabled")));
	CU_ASSERT_STRING_EQUAL(str(d, "algorithm"), "ECDSAP256SHA256");
	CU_ASSERT_STRING_EQUAL(str(d, "denial"), "NSEC");
	CU_ASSERT_EQUAL(num(d, "keys"), 2);
	/* Signatures last 14 days, the refresh comes 7 days before. */
	const char *exp = str(d, "earliest_expiry");
	CU_ASSERT_PTR_NOT_NULL(exp);
	CU_ASSERT_PTR_NOT_NULL(str(d, "next_refresh"));
	json_object_put(o);

	/* A commit shows as the last one, with its serial. */
	service(f, IF_LAN, "web", "web.local", 80, "192.0.2.80");
	mdns_mirror_inject_link(f->mirror, IF_LAN, "eth0", true);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT(zone_serial(gw_zonemgr_zone(f->zones)->zone, &serial) == GW_OK);
	o = topic(f, GW_STATUS_STATUS, NULL);
	z = json_object_array_get_idx(get(o, "zones"), 0);
	CU_ASSERT_EQUAL(num(z, "serial"), serial);
	CU_ASSERT_EQUAL(num(get(z, "last_commit"), "serial"), serial);
	CU_ASSERT(num(z, "commits") >= 1);
	CU_ASSERT_EQUAL(num(get(o, "mdns"), "links"), 2);
	json_object_put(o);
	teardown(f);
}

/* Both links of the configurations up. */
static void links_up(fixture_t *f)
{
	mdns_mirror_inject_link(f->mirror, IF_LAN, "eth0", true);
	mdns_mirror_inject_link(f->mirror, IF_WLAN, "wlan0", true);
}

/* The services topic for zone and link (either NULL), which must be
 * answered; the caller puts the reply. */
static json_object *services_in(fixture_t *f, const char *zone, const char *link)
{
	json_object *out = NULL;
	gw_status_query_t q = {.topic = GW_STATUS_SERVICES, .zone = zone, .link = link};
	CU_ASSERT_FATAL(gw_status_json(&f->view, &q, &out) == GW_OK);
	return out;
}

static void test_links_services(void)
{
	fixture_t *f = setup();
	links_up(f);
	service(f, IF_LAN, "web", "web.local", 80, "192.0.2.80");
	service(f, IF_LAN, "nas", "nas.local", 5000, "192.0.2.81");
	service(f, IF_WLAN, "tv", "tv.local", 8080, "192.0.2.90");
	mdns_mirror_flush(f->mirror);

	json_object *o = topic(f, GW_STATUS_LINKS, NULL);
	json_object *links = get(o, "links");
	CU_ASSERT_FATAL(json_object_array_length(links) == 2);
	json_object *lan = link_of(links, "lan");
	CU_ASSERT_STRING_EQUAL(str(lan, "ifname"), "eth0");
	CU_ASSERT_STRING_EQUAL(str(lan, "label"), "lan");
	CU_ASSERT_STRING_EQUAL(str(lan, "name"), "lan.home.arpa.");
	CU_ASSERT_STRING_EQUAL(str(lan, "state"), "up");
	CU_ASSERT_EQUAL(num(lan, "ifindex"), IF_LAN);
	CU_ASSERT_EQUAL(num(lan, "services"), 2);
	CU_ASSERT_EQUAL(num(link_of(links, "wlan"), "services"), 1);
	json_object_put(o);

	/* Down: in its grace period, records kept. */
	mdns_mirror_inject_link(f->mirror, IF_WLAN, "wlan0", false);
	o = topic(f, GW_STATUS_LINKS, NULL);
	CU_ASSERT_STRING_EQUAL(str(link_of(get(o, "links"), "wlan"), "state"), "grace");
	json_object_put(o);

	o = topic(f, GW_STATUS_SERVICES, NULL);
	CU_ASSERT_EQUAL(num(o, "total"), 3);
	CU_ASSERT_EQUAL(num(o, "omitted"), 0);
	json_object_put(o);

	o = topic(f, GW_STATUS_SERVICES, "lan");
	json_object *svcs = get(o, "services");
	CU_ASSERT_FATAL(json_object_array_length(svcs) == 2);
	bool seen_nas = false;
	for (size_t i = 0; i < 2; i++) {
		json_object *s = json_object_array_get_idx(svcs, i);
		CU_ASSERT_STRING_EQUAL(str(s, "link"), "lan");
		CU_ASSERT_STRING_EQUAL(str(s, "type"), "_http._tcp");
		if (strcmp(str(s, "instance"), "nas") == 0) {
			seen_nas = true;
			CU_ASSERT_STRING_EQUAL(str(s, "host"), "nas.local.");
			CU_ASSERT_EQUAL(num(s, "port"), 5000);
			CU_ASSERT_EQUAL(num(s, "addresses"), 1);
			CU_ASSERT_STRING_EQUAL(str(s, "name"), "nas._http._tcp.lan.home.arpa.");
		}
	}
	CU_ASSERT(seen_nas);
	json_object_put(o);

	/* Bounded: the rest is counted. */
	json_object *out = NULL;
	gw_status_query_t q = {.topic = GW_STATUS_SERVICES, .limit = 1, .zone = "HOME.ARPA"};
	CU_ASSERT_FATAL(gw_status_json(&f->view, &q, &out) == GW_OK);
	CU_ASSERT_EQUAL(json_object_array_length(get(out, "services")), 1);
	CU_ASSERT_EQUAL(num(out, "listed"), 1);
	CU_ASSERT_EQUAL(num(out, "omitted"), 2);
	json_object_put(out);

	/* Filters that name nothing of ours are errors, with a reason. */
	char err[128] = "";
	out = NULL;
	q = (gw_status_query_t){.topic = GW_STATUS_SERVICES, .link = "nope"};
	CU_ASSERT(gw_status_json_err(&f->view, &q, &out, err, sizeof(err)) == GW_ENOTFOUND);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nope"));
	q = (gw_status_query_t){.topic = GW_STATUS_SERVICES, .zone = "example.com."};
	CU_ASSERT(gw_status_json(&f->view, &q, &out) == GW_ENOTFOUND);
	q = (gw_status_query_t){.topic = GW_STATUS_TOPICS};
	CU_ASSERT(gw_status_json(&f->view, &q, &out) == GW_EINVAL);
	teardown(f);
}

/* With several zones, --zone names any of them: what that zone shows
 * (its links, its policy), named under it. */
static void test_services_zones(void)
{
	g_config = CONFIG_ZONES;
	fixture_t *f = setup();
	g_config = CONFIG;
	links_up(f);
	service(f, IF_LAN, "web", "web.local", 80, "192.0.2.80");
	service(f, IF_WLAN, "tv", "tv.local", 8080, "192.0.2.90");
	service(f, IF_WLAN, "laptop", "laptop.local", 22, "192.0.2.91");
	mdns_mirror_flush(f->mirror);

	json_object *out = services_in(f, "Guest.Test", NULL);
	CU_ASSERT_STRING_EQUAL(str(out, "zone"), "guest.test.");
	json_object *svcs = get(out, "services");
	CU_ASSERT_FATAL(json_object_array_length(svcs) == 1);
	json_object *s = json_object_array_get_idx(svcs, 0);
	CU_ASSERT_STRING_EQUAL(str(s, "instance"), "tv");
	CU_ASSERT_STRING_EQUAL(str(s, "name"), "tv._http._tcp.wlan.guest.test.");
	CU_ASSERT_STRING_EQUAL(str(s, "dns_name"), "tv._http._tcp.wlan.guest.test.");
	CU_ASSERT_EQUAL(num(out, "total"), 1);
	json_object_put(out);

	/* The first zone shows every link, without a policy. */
	out = services_in(f, "home.arpa.", NULL);
	CU_ASSERT_EQUAL(num(out, "total"), 3);
	json_object_put(out);
	/* A link the zone does not show: nothing. */
	out = services_in(f, "guest.test", "lan");
	CU_ASSERT_EQUAL(num(out, "total"), 0);
	json_object_put(out);
	out = NULL;
	gw_status_query_t q = {.topic = GW_STATUS_SERVICES, .zone = "other.test"};
	CU_ASSERT(gw_status_json(&f->view, &q, &out) == GW_ENOTFOUND);
	teardown(f);
}

/* Instance names are octets: UTF-8 stays, an octet that is not part of
 * well-formed UTF-8 becomes '?', so that the JSON is valid UTF-8 (control
 * characters never get this far: the mirror refuses such names). */
static void test_instance_text(void)
{
	fixture_t *f = setup();
	mdns_mirror_inject_link(f->mirror, IF_LAN, "eth0", true);
	service(f, IF_LAN, "caf\\195\\169\\255x\\226\\130", "cafe.local", 80, "192.0.2.91");
	mdns_mirror_flush(f->mirror);
	json_object *o = topic(f, GW_STATUS_SERVICES, "lan");
	json_object *svcs = get(o, "services");
	CU_ASSERT_FATAL(json_object_array_length(svcs) == 1);
	CU_ASSERT_STRING_EQUAL(str(json_object_array_get_idx(svcs, 0), "instance"),
	                       "caf\xc3\xa9?x??");
	json_object_put(o);
	teardown(f);
}

static void test_refused(void)
{
	fixture_t *f = setup();
	mdns_mirror_inject_link(f->mirror, IF_LAN, "eth0", true);
	char inst[32];
	for (int i = 0; i < 5; i++) {
		snprintf(inst, sizeof(inst), "site%d", i);
		service(f, IF_LAN, inst, "web.local", 80, "192.0.2.80");
	}
	/* A "*" label: never mirrored. */
	uint8_t rd[MDNS_NAME_MAX];
	int len = mdns_name_from_text(rd, "*._http._tcp.local");
	event(f, IF_LAN, DNS_T_PTR, "_http._tcp.local", rd, (size_t)len);
	mdns_mirror_flush(f->mirror);

	json_object *o = topic(f, GW_STATUS_REFUSED, NULL);
	CU_ASSERT_EQUAL(num(get(o, "limits"), "services_per_link"), 3);
	CU_ASSERT(num(get(o, "counts"), "services_per_link") >= 2);
	CU_ASSERT_EQUAL(num(get(o, "counts"), "wildcard"), 1);
	CU_ASSERT(num(o, "total") >= 3);
	json_object *recent = get(o, "recent");
	size_t n = json_object_array_length(recent);
	CU_ASSERT_FATAL(n >= 3);
	/* Newest first: the wildcard came last. */
	json_object *r = json_object_array_get_idx(recent, 0);
	CU_ASSERT_STRING_EQUAL(str(r, "reason"), "wildcard");
	CU_ASSERT_STRING_EQUAL(str(r, "link"), "lan");
	CU_ASSERT_PTR_NOT_NULL(strstr(str(r, "name"), "*"));
	CU_ASSERT_PTR_NOT_NULL(str(r, "time"));
	bool over = false;
	for (size_t i = 0; i < n; i++) {
		r = json_object_array_get_idx(recent, i);
		if (strcmp(str(r, "reason"), "services_per_link") == 0 &&
		    strstr(str(r, "name"), "site") != NULL)
			over = true;
	}
	CU_ASSERT(over);
	json_object_put(o);

	/* The ring keeps the most recent ones only. */
	for (int i = 0; i < MDNS_MIRROR_RECENT_REFUSALS + 5; i++) {
		snprintf(inst, sizeof(inst), "more%d", i);
		service(f, IF_LAN, inst, "web.local", 80, "192.0.2.80");
	}
	o = topic(f, GW_STATUS_REFUSED, NULL);
	CU_ASSERT_EQUAL(json_object_array_length(get(o, "recent")), MDNS_MIRROR_RECENT_REFUSALS);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(str(json_object_array_get_idx(get(o, "recent"), 0), "name"), "more"));
	json_object_put(o);
	teardown(f);
}

/* The DS of a key, as ldns computes it from the DNSKEY the zone serves. */
static char *served_ds(fixture_t *f, uint16_t tag)
{
	const zone_t *zone = gw_zonemgr_zone(f->zones)->zone;
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *rs = zone_node_rrset(apex, DNS_T_DNSKEY);
	CU_ASSERT_FATAL(rs != NULL);
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	while (zone_rrset_next(rs, &pos, &rd, &rdlen)) {
		ldns_rr *key = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&key, apex, rs, rd, rdlen) == GW_OK);
		if (ldns_calc_keytag(key) == tag) {
			ldns_rr *ds = ldns_key_rr2ds(key, LDNS_SHA256);
			ldns_rdf *digest = ldns_rr_rdf(ds, 3);
			char *text = ldns_rdf2str(digest);
			ldns_rr_free(ds);
			ldns_rr_free(key);
			return text;
		}
		ldns_rr_free(key);
	}
	return NULL;
}

static void test_keys_ds(void)
{
	fixture_t *f = setup();
	json_object *o = topic(f, GW_STATUS_KEYS, NULL);
	json_object *keys = get(o, "keys");
	CU_ASSERT_FATAL(json_object_array_length(keys) == 2);
	int ksk = -1;
	for (size_t i = 0; i < 2; i++) {
		json_object *k = json_object_array_get_idx(keys, i);
		CU_ASSERT_STRING_EQUAL(str(k, "algorithm"), "ECDSAP256SHA256");
		CU_ASSERT_PTR_NOT_NULL(str(k, "created"));
		if (strcmp(str(k, "role"), "KSK") == 0) {
			ksk = (int)num(k, "tag");
			CU_ASSERT_EQUAL(num(k, "flags"), 257);
		} else {
			CU_ASSERT_STRING_EQUAL(str(k, "role"), "ZSK");
		}
		char *ds = served_ds(f, (uint16_t)num(k, "tag"));
		CU_ASSERT_PTR_NOT_NULL(ds); /* the zone serves that key */
		free(ds);
	}
	CU_ASSERT_FATAL(ksk >= 0);
	json_object_put(o);

	o = topic(f, GW_STATUS_DS, NULL);
	json_object *dss = get(o, "ds");
	CU_ASSERT_FATAL(json_object_array_length(dss) == 1); /* the KSK's only */
	json_object *d = json_object_array_get_idx(dss, 0);
	CU_ASSERT_EQUAL(num(d, "tag"), ksk);
	CU_ASSERT_EQUAL(num(d, "digest_type"), 2);
	CU_ASSERT_EQUAL(num(d, "algorithm"), 13);
	char *want = served_ds(f, (uint16_t)ksk);
	CU_ASSERT_FATAL(want != NULL);
	CU_ASSERT_STRING_EQUAL(str(d, "digest"), want);
	CU_ASSERT_PTR_NOT_NULL(strstr(str(d, "text"), want));
	CU_ASSERT(strncmp(str(d, "text"), "home.arpa.\t", 11) == 0);
	free(want);
	json_object_put(o);
	teardown(f);
}

static void test_secondaries_stats(void)
{
	fixture_t *f = setup();
	json_object *o = topic(f, GW_STATUS_SECONDARIES, NULL);
	json_object *targets = get(o, "notify");
	CU_ASSERT_FATAL(json_object_array_length(targets) == 1);
	json_object *t = json_object_array_get_idx(targets, 0);
	CU_ASSERT_STRING_EQUAL(str(t, "address"), "192.0.2.53@53");
	CU_ASSERT_STRING_EQUAL(str(t, "result"), "never sent");
	CU_ASSERT(json_object_is_type(get(t, "last_sent"), json_type_null));
	CU_ASSERT(json_object_is_type(get(t, "last_transfer"), json_type_null));
	CU_ASSERT_EQUAL(json_object_array_length(get(o, "transfers")), 0);
	json_object_put(o);

	/* Sent (to an address of the documentation range: nobody answers). */
	uint32_t serial = 0;
	zone_serial(gw_zonemgr_zone(f->zones)->zone, &serial);
	gw_notify_send(f->notify, gw_zonemgr_zone(f->zones)->zone);
	o = topic(f, GW_STATUS_SECONDARIES, NULL);
	t = json_object_array_get_idx(get(o, "notify"), 0);
	CU_ASSERT_STRING_EQUAL(str(t, "result"), "pending");
	CU_ASSERT_EQUAL(num(get(t, "last_sent"), "serial"), serial);
	CU_ASSERT_EQUAL(num(get(t, "last_sent"), "tries"), 1);
	json_object_put(o);

	o = topic(f, GW_STATUS_STATS, NULL);
	CU_ASSERT(json_object_is_type(get(o, "server"), json_type_null)); /* none here */
	CU_ASSERT_EQUAL(num(get(o, "notify"), "sent"), 1);
	CU_ASSERT_EQUAL(num(get(o, "zone"), "serial"), serial);
	CU_ASSERT(json_object_is_type(get(o, "mirror"), json_type_object));
	json_object_put(o);
	teardown(f);
}

/* Names with a rich link label and instance: "name" for a person,
 * "dns_name" as DNS text with escapes; a link is found without case. */
static void test_rich_labels(void)
{
	g_config = CONFIG_RICH;
	fixture_t *f = setup();
	g_config = CONFIG;
	mdns_mirror_inject_link(f->mirror, IF_LAN, "eth0", true);
	service(f, IF_LAN, "HP LaserJet (2)", "hp.local", 631, "192.0.2.82");
	mdns_mirror_flush(f->mirror);

	json_object *o = topic(f, GW_STATUS_LINKS, NULL);
	json_object *l = link_of(get(o, "links"), "Building 1");
	CU_ASSERT_STRING_EQUAL(str(l, "name"), "Building 1.home.arpa.");
	CU_ASSERT_STRING_EQUAL(str(l, "dns_name"), "Building\\0321.home.arpa.");
	json_object_put(o);

	o = topic(f, GW_STATUS_SERVICES, "building 1");
	json_object *svcs = get(o, "services");
	CU_ASSERT_FATAL(json_object_array_length(svcs) == 1);
	json_object *sv = json_object_array_get_idx(svcs, 0);
	CU_ASSERT_STRING_EQUAL(str(sv, "link"), "Building 1");
	CU_ASSERT_STRING_EQUAL(str(sv, "instance"), "HP LaserJet (2)");
	CU_ASSERT_STRING_EQUAL(str(sv, "name"), "HP LaserJet (2)._http._tcp.Building 1.home.arpa.");
	CU_ASSERT_STRING_EQUAL(str(sv, "dns_name"),
	                       "HP\\032LaserJet\\032\\(2\\)._http._tcp.Building\\0321.home.arpa.");
	json_object_put(o);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"topics", test_topics},
	    {"status", test_status},
	    {"links and services", test_links_services},
	    {"services as each zone shows them", test_services_zones},
	    {"instance names as text", test_instance_text},
	    {"rich labels", test_rich_labels},
	    {"refused", test_refused},
	    {"keys and ds", test_keys_ds},
	    {"secondaries and stats", test_secondaries_stats},
	    {NULL, NULL},
	};
	return gw_test_suite("control/status", tests);
}
