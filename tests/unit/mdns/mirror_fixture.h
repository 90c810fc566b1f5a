/* The fixture of the mirror's unit tests (test_mirror_*.c): a mirror on
 * one injected link committing into an unsigned zone, synthetic mDNS
 * events, and checks on the zone. Header-only, included once per test
 * program. */
#pragma once

#include <arpa/inet.h>
#include <stdarg.h>
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

#define IFX 7
#define IFY 8 /* a second link's interface */

typedef struct fixture {
	mdns_mirror_config_t cfg;
	mdns_mirror_zone_t zcfg; /* the one zone, cfg.zones */
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
	int fail;           /* commits to fail from now */
	int fail_with;      /* what they return; 0: GW_ENOMEM */
	const char *refuse; /* a commit adding a record of this owner (text) fails: GW_ESEMANTIC */
	/* Non-NULL: commits are held, as a reload holds the zone: merged
	 * into it and GW_OK, the zone unchanged. */
	zone_changeset_t *held;
} fixture_t;

static fixture_t F;

static inline bool adds_owner(const zone_changeset_t *cs, const char *owner)
{
	ldns_rdf *name = ldns_dname_new_frm_str(owner);
	bool found = false;
	for (size_t i = 0; name != NULL && cs->add != NULL && i < ldns_rr_list_rr_count(cs->add);
	     i++)
		found = found ||
		        ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(cs->add, i)), name) == 0;
	ldns_rdf_deep_free(name);
	return found;
}

static inline int counting_commit(void *arg, const zone_changeset_t *cs)
{
	fixture_t *f = arg;
	if (f->fail > 0) {
		f->fail--;
		return f->fail_with != 0 ? f->fail_with : GW_ENOMEM;
	}
	if (f->refuse != NULL && adds_owner(cs, f->refuse))
		return GW_ESEMANTIC;
	if (f->held != NULL)
		return zone_changeset_merge(f->held, cs);
	f->commits++;
	return gw_commit_apply(&f->commit, cs);
}

static inline void config_defaults(fixture_t *f)
{
	memset(&f->cfg, 0, sizeof(f->cfg));
	memset(&f->zcfg, 0, sizeof(f->zcfg));
	f->zcfg.domain = f->domain;
	f->zcfg.domain_str = f->domain_str;
	f->zcfg.domain_len = (size_t)zone_name_from_str(f->domain, "home.arpa.", NULL);
	snprintf(f->domain_str, sizeof(f->domain_str), "home.arpa.");
	f->zcfg.state_file = f->state;
	f->zcfg.commit = counting_commit;
	f->zcfg.commit_arg = f;
	f->zcfg.reserved = gw_commit_reserved;
	f->zcfg.reserved_arg = &f->commit;
	f->cfg.zones = &f->zcfg;
	f->cfg.zone_count = 1;
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
static inline void zone_new_static(fixture_t *f)
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

static inline void mirror_up(fixture_t *f)
{
	mdns_mirror_opts_t opts = {
	    .cfg = f->cfg,
	    .discover = false,
	};
	CU_ASSERT_FATAL(mdns_mirror_new(&f->mirror, f->loop, &opts) == GW_OK);
	CU_ASSERT_FATAL(mdns_mirror_start(f->mirror) == GW_OK);
}

/* Fresh fixture with the given changes to the default configuration, its
 * state directory and its loop, before the zone and the mirror. */
static inline fixture_t *setup_begin(void (*tweak)(mdns_mirror_config_t *))
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
	return f;
}

/* setup_begin(), the static zone, and the mirror running. */
static inline fixture_t *setup(void (*tweak)(mdns_mirror_config_t *))
{
	fixture_t *f = setup_begin(tweak);
	zone_new_static(f);
	mirror_up(f);
	return f;
}

/* setup(), and the link eth0 (IFX) up. */
static inline fixture_t *setup_link(void (*tweak)(mdns_mirror_config_t *))
{
	fixture_t *f = setup(tweak);
	mdns_mirror_inject_link(f->mirror, IFX, "eth0", true);
	return f;
}

static inline void mirror_down(fixture_t *f)
{
	mdns_mirror_free(f->mirror);
	f->mirror = NULL;
}

static inline void teardown(fixture_t *f)
{
	mirror_down(f);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	ev_loop_destroy(f->loop);
	unlink(f->state);
	rmdir(f->dir);
}

static inline void on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop for about ms milliseconds. */
static inline void run_for(fixture_t *f, double ms)
{
	ev_timer t;
	ev_timer_init(&t, on_stop, ms / 1000.0, 0.);
	ev_timer_start(f->loop, &t);
	ev_run(f->loop, 0);
	ev_timer_stop(f->loop, &t);
}

/* ---- synthetic events ---------------------------------------------------- */

static inline int wire_text(uint8_t *out, const char *text)
{
	int len = mdns_name_from_text(out, text);
	CU_ASSERT_FATAL(len > 0);
	return len;
}

static inline void event(fixture_t *f, bool add, int family, uint16_t type, const char *owner,
                         const uint8_t *rdata, size_t rdlen)
{
	uint32_t ttl = type == DNS_T_A || type == DNS_T_AAAA || type == DNS_T_SRV ? 120 : 4500;
	CU_ASSERT_EQUAL_FATAL(
	    mdns_event(f->mirror, IFX, family, add, type, ttl, owner, rdata, rdlen), GW_OK);
}

static inline void ptr(fixture_t *f, bool add, const char *owner, const char *target)
{
	uint8_t rd[MDNS_NAME_MAX];
	int len = wire_text(rd, target);
	event(f, add, AF_INET, DNS_T_PTR, owner, rd, (size_t)len);
}

static inline void srv(fixture_t *f, bool add, const char *owner, uint16_t port, const char *target)
{
	uint8_t rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, (uint8_t)(port >> 8), (uint8_t)port};
	int len = wire_text(rd + 6, target);
	event(f, add, AF_INET, DNS_T_SRV, owner, rd, 6 + (size_t)len);
}

static inline void txt(fixture_t *f, bool add, const char *owner, const char *s)
{
	uint8_t rd[300];
	size_t len = strlen(s);
	rd[0] = (uint8_t)len;
	memcpy(rd + 1, s, len);
	event(f, add, AF_INET, DNS_T_TXT, owner, rd, len + 1);
}

static inline void addr(fixture_t *f, bool add, int family, const char *owner, const char *a)
{
	uint8_t rd[16];
	if (strchr(a, ':') != NULL) {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, a, rd) == 1);
		event(f, add, family, DNS_T_AAAA, owner, rd, 16);
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET, a, rd) == 1);
		event(f, add, family, DNS_T_A, owner, rd, 4);
	}
}

/* One _http._tcp service: browse PTR, SRV to host, TXT, and the host's
 * address unless a is NULL. */
static inline void http_service(fixture_t *f, const char *inst, const char *host, const char *a)
{
	ptr(f, true, "_http._tcp.local", inst);
	srv(f, true, inst, 80, host);
	txt(f, true, inst, "path=/");
	if (a != NULL)
		addr(f, true, AF_INET, host, a);
}

/* One printer as a device that does not announce the type list
 * (python-zeroconf) announces it. */

/* A record on interface ifindex (the fixture's helpers use IFX). */
static inline void event_on(fixture_t *f, int ifindex, uint16_t type, const char *owner,
                            const uint8_t *rdata, size_t rdlen)
{
	CU_ASSERT_EQUAL_FATAL(
	    mdns_event(f->mirror, ifindex, AF_INET, true, type, 120, owner, rdata, rdlen), GW_OK);
}

/* One _http._tcp service "<name>" on host <name>.local at a. */
static inline void service_on(fixture_t *f, int ifindex, const char *name, const char *a)
{
	char inst[128], host[128];
	uint8_t rd[MDNS_NAME_MAX];
	uint8_t srv_rd[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, 0, 80};
	snprintf(inst, sizeof(inst), "%s._http._tcp.local", name);
	snprintf(host, sizeof(host), "%s.local", name);
	int len = wire_text(rd, "_http._tcp.local");
	event_on(f, ifindex, DNS_T_PTR, "_services._dns-sd._udp.local", rd, (size_t)len);
	len = wire_text(rd, inst);
	event_on(f, ifindex, DNS_T_PTR, "_http._tcp.local", rd, (size_t)len);
	len = wire_text(srv_rd + 6, host);
	event_on(f, ifindex, DNS_T_SRV, inst, srv_rd, 6 + (size_t)len);
	event_on(f, ifindex, DNS_T_TXT, inst, (const uint8_t *)"\006path=/", 7);
	CU_ASSERT_FATAL(inet_pton(AF_INET, a, rd) == 1);
	event_on(f, ifindex, DNS_T_A, host, rd, 4);
}

static inline void printer_unlisted(fixture_t *f, bool add)
{
	ptr(f, add, "_ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	ptr(f, add, "_universal._sub._ipp._tcp.local", "My\\032Printer._ipp._tcp.local");
	srv(f, add, "My\\032Printer._ipp._tcp.local", 631, "printer.local");
	txt(f, add, "My\\032Printer._ipp._tcp.local", "rp=ipp/print");
	addr(f, add, AF_INET, "printer.local", "192.0.2.10");
	addr(f, add, AF_INET6, "printer.local", "2001:db8::10");
	addr(f, add, AF_INET6, "printer.local", "fe80::10");
	addr(f, add, AF_INET, "printer.local", "169.254.9.9");
}

/* One printer as a device announces it, its type listed first. */
static inline void printer(fixture_t *f, bool add)
{
	ptr(f, add, "_services._dns-sd._udp.local", "_ipp._tcp.local");
	printer_unlisted(f, add);
}

/* ---- zone checks ------------------------------------------------------------ */

/* Is the RR (text, absolute names) in the zone, with its TTL? */
static inline bool has_rr(fixture_t *f, const char *text)
{
	return zone_has_rr(f->zone->zone, text);
}

static inline bool has_name(fixture_t *f, const char *name)
{
	uint8_t w[ZONE_NAME_MAXLEN];
	return zone_find(f->zone->zone, tname(w, name)) != NULL;
}

static inline uint32_t serial(fixture_t *f)
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

static inline void expect_printer(fixture_t *f, bool present)
{
	for (const char *const *rr = PRINTER_RRS; *rr != NULL; rr++) {
		bool has = has_rr(f, *rr);
		if (has != present)
			fprintf(stderr, "expected %s: %s\n", present ? "present" : "absent", *rr);
		CU_ASSERT_EQUAL(has, present);
	}
}
