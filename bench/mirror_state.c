/* mirror_state_bench: what the mirror's saved state (<state>/mirror.zone)
 * costs the loop that saves it and the start that reads it back.
 *
 *   mirror_state_bench SERVICES [--runs N] [--dir DIR]
 *
 * Writes a state file for SERVICES DNS-SD services on one link (20
 * service types, 50 instances a host: per instance a PTR, SRV and TXT,
 * per host an A and an AAAA, as bench/zones.py builds them) in the text
 * form earlier versions wrote, then starts a mirror on it without
 * discovery, as the daemon with mdns.enable false does: the load, timed,
 * and the records published at once. Then it saves the state N times
 * (default 5), timed (mirror_state_save(), which the loop runs about once
 * a second while the mirror changes), and starts a second mirror on the
 * file it saved, timed, to check that every record comes back. Results
 * are "key=value" lines: medians in ms, the file's octets, the records.
 * DIR (default a new directory under /tmp) holds the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "bench_util.h"
#include "common/error.h"
#include "common/log.h"
#include "mdns/mirror_internal.h"

#define TYPES    20
#define PER_HOST 50

static int no_commit(void *arg, const zone_changeset_t *cs)
{
	(void)arg;
	(void)cs;
	return GW_OK;
}

/* The text state of services services on link lan of home.arpa. */
static int write_text_state(const char *path, unsigned services)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL)
		return GW_ERROR;
	fprintf(fp, "; dnssd-gateway: records mirrored from mDNS\n");
	fprintf(fp, "b._dns-sd._udp.home.arpa.\t10\tIN\tPTR\tlan.home.arpa.\n");
	for (unsigned t = 0; t < TYPES && t < services; t++)
		fprintf(fp,
		        "_services._dns-sd._udp.lan.home.arpa.\t10\tIN\tPTR\t_svc%u._tcp.lan.home."
		        "arpa.\n",
		        t);
	for (unsigned i = 0; i < services; i++) {
		unsigned t = i % TYPES, h = i / PER_HOST;
		const char *inst = "Service\\032";
		fprintf(
		    fp,
		    "_svc%u._tcp.lan.home.arpa.\t10\tIN\tPTR\t%s%u._svc%u._tcp.lan.home.arpa.\n", t,
		    inst, i, t);
		fprintf(
		    fp,
		    "%s%u._svc%u._tcp.lan.home.arpa.\t10\tIN\tSRV\t0 0 %u host%u.lan.home.arpa.\n",
		    inst, i, t, 1024 + i % 60000, h);
		fprintf(fp,
		        "%s%u._svc%u._tcp.lan.home.arpa.\t10\tIN\tTXT\t\"txtvers=1\" \"id=%u\" "
		        "\"note=a bench service\"\n",
		        inst, i, t, i);
		if (i % PER_HOST == 0) {
			fprintf(fp, "host%u.lan.home.arpa.\t10\tIN\tA\t198.51.%u.%u\n", h,
			        (h >> 8) & 255, h & 255);
			fprintf(fp, "host%u.lan.home.arpa.\t10\tIN\tAAAA\t2001:db8::%x\n", h, h);
		}
	}
	return fclose(fp) == 0 ? GW_OK : GW_ERROR;
}

static mdns_mirror_t *mirror_on(struct ev_loop *loop, mdns_mirror_zone_t *zone,
                                const mdns_link_config_t *link, unsigned services)
{
	mdns_mirror_t *m = NULL;
	mdns_mirror_opts_t opts = {
	    .cfg =
	        {
	            .zones = zone,
	            .zone_count = 1,
	            .links = link,
	            .link_count = 1,
	            .ipv4 = true,
	            .ipv6 = true,
	            .ttl_cap = 10,
	            .batch_window_ms = 20,
	            .warmup_ms = 3600 * 1000,
	            .link_grace_ms = 150,
	            .limits = {.services_per_link = services * 2 + 16,
	                       .records_per_name = 32,
	                       .txt_size = 1300,
	                       .changes_per_second = 0},
	        },
	    .discover = false,
	};
	if (mdns_mirror_new(&m, loop, &opts) != GW_OK) {
		fprintf(stderr, "mirror_state_bench: cannot make the mirror\n");
		exit(1);
	}
	return m;
}

int main(int argc, char **argv)
{
	unsigned services = 0, runs = 5;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else if (services == 0)
			services = (unsigned)atoi(argv[i]);
		else
			services = 0, i = argc;
	}
	if (services == 0 || runs == 0 || runs > 100) {
		fprintf(stderr, "usage: %s SERVICES [--runs N] [--dir DIR]\n", argv[0]);
		return 2;
	}
	char tmpl[] = "/tmp/mirror-state-bench.XXXXXX";
	if (dir == NULL && (dir = mkdtemp(tmpl)) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/mirror.zone", dir);
	if (write_text_state(path, services) != GW_OK) {
		perror(path);
		return 1;
	}
	gw_log_set_level(GW_LOG_WARNING);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	uint8_t domain[ZONE_NAME_MAXLEN];
	mdns_mirror_zone_t zone = {
	    .domain = domain,
	    .domain_len = (size_t)zone_name_from_str(domain, "home.arpa.", NULL),
	    .domain_str = "home.arpa.",
	    .state_file = path,
	    .commit = no_commit,
	};
	const mdns_link_config_t link = {.interface = "eth0", .subdomain = "lan"};

	double t0 = bench_now_ms();
	mdns_mirror_t *m = mirror_on(loop, &zone, &link, services);
	if (mdns_mirror_start(m) != GW_OK)
		return 1;
	double load_text = bench_now_ms() - t0;
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(m, &st);
	size_t published = st.published;

	double *t = calloc(runs, sizeof(*t));
	if (t == NULL)
		return 1;
	for (unsigned r = 0; r < runs; r++) {
		double s = bench_now_ms();
		if (mirror_state_save(&m->zones[0]) != GW_OK)
			return 1;
		t[r] = bench_now_ms() - s;
	}
	qsort(t, runs, sizeof(*t), bench_cmp_double);
	mdns_mirror_free(m);
	FILE *fp = fopen(path, "r");
	long octets = -1;
	if (fp != NULL && fseek(fp, 0, SEEK_END) == 0)
		octets = ftell(fp);
	if (fp != NULL)
		fclose(fp);

	t0 = bench_now_ms();
	m = mirror_on(loop, &zone, &link, services);
	if (mdns_mirror_start(m) != GW_OK)
		return 1;
	double load_saved = bench_now_ms() - t0;
	mdns_mirror_get_stats(m, &st);
	mdns_mirror_free(m);
	ev_loop_destroy(loop);

	printf("services=%u records=%zu reloaded=%zu file_octets=%ld\n", services, published,
	       st.published, octets);
	printf("load_text_ms=%.1f save_ms=%.1f save_min_ms=%.1f save_max_ms=%.1f "
	       "load_saved_ms=%.1f\n",
	       load_text, t[runs / 2], t[0], t[runs - 1], load_saved);
	free(t);
	if (st.published != published) {
		fprintf(stderr, "mirror_state_bench: %zu records published, %zu after the reload\n",
		        published, st.published);
		return 1;
	}
	return 0;
}
