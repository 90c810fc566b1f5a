/* sign_zone_bench: how fast dnssec/ signs a zone, and what one change
 * costs.
 *
 *   sign_zone_bench ZONEFILE ORIGIN [--threads N] [--changes N] [--out FILE]
 *                   [--verify] [--journal DIR [--journal-size OCTETS]
 *                   [--journal-background]] [--debug]
 *
 * Loads the zone, makes an ECDSA P-256 CSK, builds the NSEC chain, then
 * signs the whole zone with 1 thread and with N (default 2) threads,
 * timing each pass. Then it commits --changes one-service changes (add a
 * DNS-SD service: PTR, SRV, TXT, A, AAAA; remove it again) through
 * sig_zone_commit() and reports the latency percentiles. With --journal
 * each diff also goes to a journal in DIR (DIR/journal, bounded by
 * --journal-size, 16 MiB by default), as the daemon keeps it: the
 * appends' latency (a rewrite shows as the maximum), the file's size,
 * the diffs' octets still in memory, and what malloc_trim(0), which each
 * rewrite calls, costs on the heap the zone and the churn left (--debug
 * logs each rewrite with its time and its malloc_trim's). With
 * --journal-background the journal rewrites its file in a child process,
 * as the daemon's does, and after each append the loop runs once (the
 * child's result taken, the file put in place): the appends' latency is
 * then that of the append and that loop pass, what the daemon's loop
 * stops for. Results are "key=value" lines on stdout for bench/sign.py. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "bench_util.h"
#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "zones/zone.h"

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count_rrsets(const zone_t *zone, size_t *sigs)
{
	size_t n = 0;

	*sigs = 0;
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			n++;
			*sigs += node->rrsets[i].sig_count;
		}
	}
	return n;
}

static int add_rr(zone_changeset_t *cs, bool add, const char *text)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, text, 120, NULL, NULL) != LDNS_STATUS_OK) {
		fprintf(stderr, "cannot parse %s\n", text);
		return GW_EPARSE;
	}
	return add ? zone_changeset_add(cs, rr) : zone_changeset_remove(cs, rr);
}

/* The RRs of one service of the generated zones' shape, on link-000. */
static int service_changes(zone_changeset_t *cs, bool add, unsigned id, const char *origin)
{
	char text[4][512];
	int ret = GW_OK;

	snprintf(text[0], sizeof(text[0]),
	         "_ipp._tcp.link-000.%s 4500 IN PTR Bench\\ %u._ipp._tcp.link-000.%s", origin, id,
	         origin);
	snprintf(text[1], sizeof(text[1]),
	         "Bench\\ %u._ipp._tcp.link-000.%s 120 IN SRV 0 0 631 bench-%u.link-000.%s", id,
	         origin, id, origin);
	snprintf(text[2], sizeof(text[2]),
	         "Bench\\ %u._ipp._tcp.link-000.%s 4500 IN TXT \"txtvers=1\" \"id=%u\"", id, origin,
	         id);
	snprintf(text[3], sizeof(text[3]), "bench-%u.link-000.%s 120 IN A 192.0.2.%u", id, origin,
	         id % 250 + 1);
	for (int i = 0; i < 4 && ret == GW_OK; i++)
		ret = add_rr(cs, add, text[i]);
	if (ret == GW_OK) {
		snprintf(text[0], sizeof(text[0]),
		         "bench-%u.link-000.%s 120 IN AAAA 2001:db8:ffff::%x", id, origin, id);
		ret = add_rr(cs, add, text[0]);
	}
	return ret;
}

static void print_latency(const char *what, double *lat, unsigned n, size_t resigned)
{
	double sum = 0;

	if (n == 0)
		return;
	qsort(lat, n, sizeof(*lat), bench_cmp_double);
	for (unsigned i = 0; i < n; i++)
		sum += lat[i];
	printf("%s changes=%u p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f mean_us=%.1f "
	       "rrsets_per_change=%.1f\n",
	       what, n, lat[n / 2] * 1e6, lat[n * 90 / 100] * 1e6, lat[n * 99 / 100] * 1e6,
	       lat[n - 1] * 1e6, sum / n * 1e6, (double)resigned / n);
}

/* The journal's numbers after the commits: appends (lat, n), the file,
 * the memory, and a malloc_trim(0) timed. */
static void print_journal(gw_journal_t *j, double *lat, unsigned n)
{
	gw_journal_stats_t st;
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += lat[i];
	qsort(lat, n, sizeof(*lat), bench_cmp_double);
	gw_journal_get_stats(j, &st);
	printf("journal appends=%u p50_us=%.1f p99_us=%.1f max_ms=%.1f mean_us=%.1f entries=%zu "
	       "diff_octets=%llu file_octets=%llu mem_octets=%llu\n",
	       n, lat[n / 2] * 1e6, lat[n * 99 / 100] * 1e6, lat[n - 1] * 1e3, sum / n * 1e6,
	       st.entries, (unsigned long long)st.bytes, (unsigned long long)st.file_size,
	       (unsigned long long)st.mem_bytes);
	double t0 = seconds();
	malloc_trim(0);
	printf("malloc_trim trim_ms=%.2f\n", (seconds() - t0) * 1e3);
}

/* The loop of a journal rewritten in the background (NULL: none): one
 * pass, without waiting. */
static void loop_pass(struct ev_loop *loop)
{
	if (loop != NULL)
		ev_run(loop, EVRUN_NOWAIT);
}

/* Run loop until no child rewrites the journal's file. */
static void loop_settle(struct ev_loop *loop, gw_journal_t *j)
{
	gw_journal_stats_t st;
	for (gw_journal_get_stats(j, &st); loop != NULL && st.rewriting;
	     gw_journal_get_stats(j, &st))
		ev_run(loop, EVRUN_ONCE);
}

static int bench_commits(const sig_signer_t *signer, zone_t *zone, unsigned changes,
                         const char *origin, gw_journal_t *journal, struct ev_loop *loop)
{
	double *lat = calloc(changes > 0 ? changes : 1, sizeof(*lat));
	double *adds = calloc(changes > 0 ? changes : 1, sizeof(*adds));
	double *removes = calloc(changes > 0 ? changes : 1, sizeof(*removes));
	double *appends = calloc(changes > 0 ? changes : 1, sizeof(*appends));
	size_t resigned_total = 0;
	size_t resigned_add = 0;
	int ret = GW_OK;

	if (lat == NULL || adds == NULL || removes == NULL || appends == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < changes && ret == GW_OK; i++) {
		zone_changeset_t cs;
		uint32_t serial = 0;
		size_t resigned = 0;
		/* Even steps add service i/2, odd steps remove it again. */
		ret = zone_changeset_init(&cs);
		if (ret == GW_OK)
			ret = service_changes(&cs, i % 2 == 0, i / 2, origin);
		if (ret == GW_OK)
			ret = zone_serial(zone, &serial);
		if (ret == GW_OK) {
			/* With the diff the journal takes, as the daemon commits. */
			zone_rrdiff_t diff = {0};
			double t0 = seconds();
			ret = sig_zone_commit(signer, zone, &cs, time(NULL),
			                      zone_serial_next(serial, 0), &resigned, &diff);
			lat[i] = seconds() - t0;
			if (ret == GW_OK && journal != NULL) {
				t0 = seconds();
				gw_journal_append(journal, &diff, zone);
				loop_pass(loop);
				appends[i] = seconds() - t0;
			}
			zone_rrdiff_deinit(&diff);
			if (i % 2 == 0) {
				adds[i / 2] = lat[i];
				resigned_add += resigned;
			} else {
				removes[i / 2] = lat[i];
			}
			resigned_total += resigned;
		}
		zone_changeset_deinit(&cs);
	}
	if (ret == GW_OK) {
		print_latency("commit", lat, changes, resigned_total);
		print_latency("commit-add", adds, (changes + 1) / 2, resigned_add);
		print_latency("commit-remove", removes, changes / 2, resigned_total - resigned_add);
		if (journal != NULL && changes > 0) {
			loop_settle(loop, journal);
			print_journal(journal, appends, changes);
		}
	}
out:
	free(appends);
	free(lat);
	free(adds);
	free(removes);
	return ret;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	const char *origin = NULL;
	const char *out = NULL;
	gw_journal_opts_t jopts = {.max_entries = 100000, .max_size = 16ULL << 20};
	gw_journal_t *journal = NULL;
	struct ev_loop *loop = NULL;
	unsigned threads = 2;
	unsigned changes = 2000;
	bool verify = false;
	bool nsec3 = false;
	bool by_changeset = false;
	bool debug = false;
	zone_t *zone = NULL;
	sig_key_t *key = NULL;
	ldns_rr *dnskey = NULL;
	zone_changeset_t cs = {0};
	uint8_t apex[ZONE_NAME_MAXLEN];
	char err[512];
	int ret = GW_EINVAL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--changes") == 0 && i + 1 < argc)
			changes = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--verify") == 0)
			verify = true;
		else if (strcmp(argv[i], "--nsec3") == 0)
			nsec3 = true;
		else if (strcmp(argv[i], "--changeset") == 0)
			by_changeset = true;
		else if (strcmp(argv[i], "--debug") == 0)
			debug = true;
		else if (strcmp(argv[i], "--journal") == 0 && i + 1 < argc)
			jopts.state_dir = argv[++i];
		else if (strcmp(argv[i], "--journal-size") == 0 && i + 1 < argc)
			jopts.max_size = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--journal-background") == 0) {
			jopts.background = true;
			jopts.background_min = GW_JOURNAL_BACKGROUND_MIN;
		} else if (path == NULL)
			path = argv[i];
		else if (origin == NULL)
			origin = argv[i];
		else
			path = NULL;
	}
	if (path == NULL || origin == NULL || threads < 1 ||
	    zone_name_from_str(apex, origin, NULL) < 0) {
		fprintf(stderr,
		        "usage: %s ZONEFILE ORIGIN [--threads N] [--changes N] "
		        "[--out FILE] [--verify] [--nsec3] [--changeset] [--journal DIR "
		        "[--journal-size N] [--journal-background]] "
		        "[--debug]\n",
		        argv[0]);
		return 2;
	}
	gw_log_set_level(debug ? GW_LOG_DEBUG : GW_LOG_WARNING);

	double t0 = seconds();
	ret = zone_load_file(&zone, apex, path, err, sizeof(err));
	if (ret != GW_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	double t_load = seconds() - t0;
	ret = sig_key_generate(&key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, apex, 0);
	if (ret == GW_OK)
		ret = sig_key_dnskey_rr(key, 3600, &dnskey);
	if (ret == GW_OK)
		ret = zone_add_rr(zone, dnskey);
	if (ret != GW_OK)
		goto out;
	sig_key_t *keys[1] = {key};
	sig_signer_t signer = {.keys = keys,
	                       .key_count = 1,
	                       .apex = zone_apex(zone),
	                       .validity = 14 * 86400,
	                       .refresh = 7 * 86400,
	                       .jitter = 86400,
	                       .inception_offset = 3600};

	t0 = seconds();
	uint32_t ttl = 0;
	ret = sig_nsec_ttl(zone, &ttl);
	/* The start builds the NSEC chain in one go (sig_nsec_build());
	 * --changeset times the way reloads take. */
	if (ret == GW_OK && !nsec3 && !by_changeset) {
		ret = sig_nsec_build(zone, ttl);
	} else if (ret == GW_OK) {
		ret = zone_changeset_init(&cs);
		if (ret == GW_OK)
			ret = nsec3 ? sig_nsec3_update(zone, ttl, &cs)
			            : sig_nsec_update(zone, ttl, &cs);
		if (ret == GW_OK)
			ret = zone_apply(zone, &cs, NULL, NULL);
		zone_changeset_deinit(&cs);
	}
	if (ret != GW_OK)
		goto out;
	double t_nsec = seconds() - t0;
	size_t sigs = 0;
	size_t rrsets = count_rrsets(zone, &sigs);
	printf("zone nodes=%zu rrsets=%zu load_s=%.3f nsec_s=%.3f denial=%s%s\n",
	       zone_node_count(zone), rrsets, t_load, t_nsec, nsec3 ? "nsec3" : "nsec",
	       by_changeset ? " (changeset)" : "");

	unsigned passes[2] = {1, threads};
	for (int p = 0; p < (threads > 1 ? 2 : 1); p++) {
		size_t count = 0;
		t0 = seconds();
		ret = sig_sign_zone(&signer, zone, time(NULL), true, passes[p], &count);
		double t = seconds() - t0;
		if (ret != GW_OK)
			goto out;
		count_rrsets(zone, &sigs);
		printf("sign threads=%u rrsets=%zu sigs=%zu sign_s=%.3f rrsets_per_s=%.0f "
		       "sigs_per_s=%.0f\n",
		       passes[p], count, sigs, t, (double)count / t, (double)sigs / t);
		fflush(stdout);
	}
	if (verify) {
		t0 = seconds();
		ret = sig_verify_zone(zone, keys, 1, time(NULL), err, sizeof(err));
		if (ret != GW_OK) {
			fprintf(stderr, "verify: %s\n", err);
			goto out;
		}
		printf("verify ok verify_s=%.3f\n", seconds() - t0);
	}
	if (out != NULL) {
		FILE *fp = fopen(out, "we");
		if (fp == NULL) {
			perror(out);
			ret = GW_EIO;
			goto out;
		}
		t0 = seconds();
		ret = zone_dump(zone, fp);
		if (fclose(fp) != 0 && ret == GW_OK)
			ret = GW_EIO;
		if (ret != GW_OK)
			goto out;
		printf("dump dump_s=%.3f\n", seconds() - t0);
	}
	if (jopts.state_dir != NULL) {
		if (jopts.background) {
			loop = ev_loop_new(EVFLAG_AUTO);
			if (loop == NULL) {
				ret = GW_ENOMEM;
				goto out;
			}
			jopts.loop = loop;
		}
		ret = gw_journal_open(&journal, &jopts, zone);
		if (ret != GW_OK)
			goto out;
		t0 = seconds();
		gw_journal_sync(journal, zone);
		double t1 = seconds();
		loop_settle(loop, journal);
		printf("journal-write write_s=%.3f loop_s=%.3f\n", seconds() - t0, t1 - t0);
	}
	ret = bench_commits(&signer, zone, changes, origin, journal, loop);
	if (ret == GW_OK && verify && changes > 0) {
		ret = sig_verify_zone(zone, keys, 1, time(NULL), err, sizeof(err));
		if (ret != GW_OK)
			fprintf(stderr, "verify after commits: %s\n", err);
		else
			printf("verify-after-commits ok\n");
	}
out:
	if (ret != GW_OK)
		fprintf(stderr, "sign_zone_bench: %s\n", gw_strerror(ret));
	gw_journal_close(journal, NULL);
	if (loop != NULL)
		ev_loop_destroy(loop);
	ldns_rr_free(dnskey);
	sig_key_free(key);
	zone_free(zone);
	return ret == GW_OK ? 0 : 1;
}
