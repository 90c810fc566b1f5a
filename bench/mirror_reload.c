/* mirror_reload_bench: what a zone file reload costs the mirror, whose
 * links are all computed again then (mdns_mirror_statics_changed(), from
 * gw_daemon_reload(), in the loop: no query is answered meanwhile).
 *
 *   mirror_reload_bench SERVICES [--per-link N] [--runs R]
 *
 * Builds a mirror without discovery on SERVICES DNS-SD services, N a link
 * (default 500, as issue 11's campus: 200 links at 100 000), fed as
 * avahi-core reports them (per link an enumeration of 20 types; per
 * instance a browse PTR, an SRV, a TXT; per host of 50 instances an A and
 * an AAAA), and publishes them (the first flush, timed). Then R times
 * (default 5) it does what a reload does: mdns_mirror_statics_changed()
 * and the flush, timed; nothing changes, so each batch is empty and the
 * time is the mirror's own. The commit counts the records and applies
 * nothing; reserved() looks names up in a small static zone, as the zone
 * manager does. Results are "key=value" lines: medians and maxima in ms,
 * the records, the peak RSS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <ev.h>

#include "common/dns.h"
#include "bench_util.h"
#include "common/error.h"
#include "common/log.h"
#include "mdns/mdns.h"
#include "mdns/mirror.h"
#include "mdns_event.h"
#include "zones/zone.h"

#define TYPES    20
#define PER_HOST 50

static size_t g_changes;

static int counting_commit(void *arg, const zone_changeset_t *cs)
{
	(void)arg;
	g_changes += (cs->add != NULL ? ldns_rr_list_rr_count(cs->add) : 0) +
	             (cs->remove != NULL ? ldns_rr_list_rr_count(cs->remove) : 0);
	return GW_OK;
}

static bool reserved(void *arg, const uint8_t *name)
{
	return zone_find(arg, name) != NULL;
}

/* One record as avahi-core reports it (over IPv4), with the TTLs
 * devices give. */
static void inject(mdns_mirror_t *m, int ifindex, uint16_t type, const char *owner,
                   const uint8_t *rdata, size_t rdlen)
{
	uint32_t ttl = type == DNS_T_PTR || type == DNS_T_TXT ? 4500 : 120;
	if (mdns_event(m, ifindex, AF_INET, true, type, ttl, owner, rdata, rdlen) != GW_OK) {
		fprintf(stderr, "mirror_reload_bench: bad name %s\n", owner);
		exit(1);
	}
}

static void inject_ptr(mdns_mirror_t *m, int ifindex, const char *owner, const char *target)
{
	uint8_t rd[MDNS_NAME_MAX];
	int len = mdns_name_from_text(rd, target);
	if (len <= 0)
		exit(1);
	inject(m, ifindex, DNS_T_PTR, owner, rd, (size_t)len);
}

/* Link k's services: the enumeration first, then each instance and its
 * host, in the order a browser learns them. */
static void feed_link(mdns_mirror_t *m, unsigned k, unsigned services)
{
	int ifindex = (int)k + 1;
	char owner[256], target[256];
	for (unsigned t = 0; t < TYPES && t < services; t++) {
		snprintf(target, sizeof(target), "_svc%u._tcp.local", t);
		inject_ptr(m, ifindex, "_services._dns-sd._udp.local", target);
	}
	for (unsigned i = 0; i < services; i++) {
		unsigned t = i % TYPES, h = i / PER_HOST;
		snprintf(owner, sizeof(owner), "_svc%u._tcp.local", t);
		snprintf(target, sizeof(target), "Service\\032%u._svc%u._tcp.local", i, t);
		inject_ptr(m, ifindex, owner, target);
		uint8_t srv[6 + MDNS_NAME_MAX] = {
		    0, 0, 0, 0, (uint8_t)((1024 + i) >> 8), (uint8_t)(1024 + i)};
		snprintf(owner, sizeof(owner), "host%u-%u.local", k, h);
		int len = mdns_name_from_text(srv + 6, owner);
		if (len <= 0)
			exit(1);
		inject(m, ifindex, DNS_T_SRV, target, srv, 6 + (size_t)len);
		static const uint8_t txt[] = "\011txtvers=1\024note=a bench service";
		inject(m, ifindex, DNS_T_TXT, target, txt, sizeof(txt) - 1);
		if (i % PER_HOST == 0) {
			uint8_t a[4] = {198, 51, (uint8_t)(h >> 8), (uint8_t)h};
			uint8_t aaaa[16] = {0x20,
			                    0x01,
			                    0x0d,
			                    0xb8,
			                    0,
			                    0,
			                    0,
			                    0,
			                    0,
			                    0,
			                    (uint8_t)(k >> 8),
			                    (uint8_t)k,
			                    0,
			                    0,
			                    (uint8_t)(h >> 8),
			                    (uint8_t)h};
			inject(m, ifindex, DNS_T_A, owner, a, sizeof(a));
			inject(m, ifindex, DNS_T_AAAA, owner, aaaa, sizeof(aaaa));
		}
	}
}

static long peak_rss_kib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

int main(int argc, char **argv)
{
	unsigned services = 0, per_link = 500, runs = 5;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--per-link") == 0 && i + 1 < argc)
			per_link = (unsigned)atoi(argv[++i]);
		else if (services == 0)
			services = (unsigned)atoi(argv[i]);
		else
			services = 0, i = argc;
	}
	if (services == 0 || per_link == 0 || runs == 0 || runs > 100) {
		fprintf(stderr, "usage: %s SERVICES [--per-link N] [--runs R]\n", argv[0]);
		return 2;
	}
	unsigned links = (services + per_link - 1) / per_link;
	gw_log_set_level(GW_LOG_WARNING);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);

	static const char *const statics[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 1 3600 600 86400 10",
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "ns.home.arpa. 3600 IN A 192.0.2.1",
	    "printer.l0.home.arpa. 300 IN A 192.0.2.9",
	};
	uint8_t domain[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;
	if (zone_name_from_str(domain, "home.arpa.", NULL) <= 0 || zone_new(&zone, domain) != GW_OK)
		return 1;
	for (size_t i = 0; i < sizeof(statics) / sizeof(statics[0]); i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, statics[i], 0, NULL, NULL) != LDNS_STATUS_OK ||
		    zone_add_rr(zone, rr) != GW_OK)
			return 1;
		ldns_rr_free(rr);
	}

	mdns_link_config_t *lc = calloc(links, sizeof(*lc));
	char(*names)[2][16] = calloc(links, sizeof(*names));
	if (lc == NULL || names == NULL)
		return 1;
	for (unsigned k = 0; k < links; k++) {
		snprintf(names[k][0], sizeof(names[k][0]), "eth%u", k);
		snprintf(names[k][1], sizeof(names[k][1]), "l%u", k);
		lc[k] = (mdns_link_config_t){.interface = names[k][0], .subdomain = names[k][1]};
	}
	mdns_mirror_zone_t zc = {
	    .domain = domain,
	    .domain_len = (size_t)zone_name_len(domain, ZONE_NAME_MAXLEN),
	    .domain_str = "home.arpa.",
	    .commit = counting_commit,
	    .reserved = reserved,
	    .reserved_arg = zone,
	};
	mdns_mirror_opts_t opts = {
	    .cfg =
	        {
	            .zones = &zc,
	            .zone_count = 1,
	            .links = lc,
	            .link_count = links,
	            .ipv4 = true,
	            .ipv6 = true,
	            .ttl_cap = 10,
	            .batch_window_ms = 20,
	            .warmup_ms = 150,
	            .link_grace_ms = 150,
	            .limits = {.services_per_link = per_link * 2 + 16,
	                       .records_per_name = 32,
	                       .txt_size = 1300,
	                       .changes_per_second = 100000000},
	        },
	    .discover = false,
	};
	mdns_mirror_t *m = NULL;
	if (mdns_mirror_new(&m, loop, &opts) != GW_OK || mdns_mirror_start(m) != GW_OK) {
		fprintf(stderr, "mirror_reload_bench: cannot make the mirror\n");
		return 1;
	}
	for (unsigned k = 0; k < links; k++) {
		mdns_mirror_inject_link(m, (int)k + 1, names[k][0], true);
		unsigned n = k + 1 < links ? per_link : services - k * per_link;
		feed_link(m, k, n);
	}
	double t0 = bench_now_ms();
	int ret = mdns_mirror_flush(m);
	double first = bench_now_ms() - t0;
	size_t published = g_changes;
	if (ret != GW_OK) {
		fprintf(stderr, "mirror_reload_bench: the first flush: %s\n", gw_strerror(ret));
		return 1;
	}

	double *t = calloc(runs, sizeof(*t));
	if (t == NULL)
		return 1;
	g_changes = 0;
	for (unsigned r = 0; r < runs; r++) {
		double s = bench_now_ms();
		mdns_mirror_statics_changed(m);
		if (mdns_mirror_flush(m) != GW_OK)
			return 1;
		t[r] = bench_now_ms() - s;
	}
	qsort(t, runs, sizeof(*t), bench_cmp_double);
	printf("services=%u links=%u records=%zu changes_at_reload=%zu\n", services, links,
	       published, g_changes);
	printf("first_flush_ms=%.1f reload_ms=%.1f reload_max_ms=%.1f peak_rss_kib=%ld\n", first,
	       t[runs / 2], t[runs - 1], peak_rss_kib());
	mdns_mirror_free(m);
	zone_free(zone);
	free(t);
	free(lc);
	free(names);
	ev_loop_destroy(loop);
	return 0;
}
