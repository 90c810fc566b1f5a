/* gateway/journal/: every entry is exactly the difference between the
 * zone before and after a commit (a random stream of changes to an
 * unsigned, an NSEC and an NSEC3 zone: services, delegations, SOA
 * changes, signature refreshes; in the NSEC3 zone empty non-terminals
 * that come and go), neighbouring NSEC3s, a change the journal did not
 * see drops the history, bounds, the file across restarts, a torn tail,
 * a journal that does not connect; and a dump mode for comparing two
 * builds of the journal. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "diff_util.h"
#include "journal_file_util.h"
#include "zone_util.h"

#include "journal_fixture.h"

/* The dump mode writes its entries here (test_dump()). */
static FILE *dump_fp;

/* Service types for many_types: instance n has the type n % 4, three
 * instances each, so that the first of a type and the last one come and
 * go, and with them the empty non-terminals above (_tcp.wlan and wlan
 * exist only with an _ssh instance, _udp.lan only with a _printer one). */
static const char *const service_types[] = {
    "_http._tcp.lan",
    "_ipp._tcp.lan",
    "_ssh._tcp.wlan",
    "_printer._udp.lan",
};

/* A random change among service-like names, TTL changes, delegations with
 * glue, and now and then a new SOA (TTL and MINIMUM, so every NSEC TTL).
 * Without many_types every service is an _http._tcp.lan one. */
static void random_changes(zone_changeset_t *cs, unsigned *seed, const zone_t *zone,
                           bool many_types)
{
	char rr[256];
	int kinds = 1 + rand_r(seed) % 3;
	for (int k = 0; k < kinds; k++) {
		int n = rand_r(seed) % 12;
		int what = rand_r(seed) % 100;
		const char *svc = many_types ? service_types[n % 4] : service_types[0];
		if (what < 30) {
			snprintf(rr, sizeof(rr),
			         "s%d.%s.example. 10 IN SRV 0 0 80 h%d.lan.example.", n, svc, n);
			tcs_add(cs, rr);
			snprintf(rr, sizeof(rr), "%s.example. 10 IN PTR s%d.%s.example.", svc, n,
			         svc);
			tcs_add(cs, rr);
			snprintf(rr, sizeof(rr), "h%d.lan.example. 10 IN A 192.0.2.%d", n, 1 + n);
			tcs_add(cs, rr);
		} else if (what < 55) {
			snprintf(rr, sizeof(rr),
			         "s%d.%s.example. 10 IN SRV 0 0 80 h%d.lan.example.", n, svc, n);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
			snprintf(rr, sizeof(rr), "%s.example. 10 IN PTR s%d.%s.example.", svc, n,
			         svc);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
			snprintf(rr, sizeof(rr), "h%d.lan.example. 10 IN A 192.0.2.%d", n, 1 + n);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
			/* The whole instance, so that a type's last one can go. */
			for (int v = 0; many_types && v < 4; v++) {
				snprintf(rr, sizeof(rr), "s%d.%s.example. 10 IN TXT \"v=%d\"", n,
				         svc, v);
				CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
			}
		} else if (what < 70) {
			/* new TXT (a TTL change now and then) */
			snprintf(rr, sizeof(rr), "s%d.%s.example. %d IN TXT \"v=%d\"", n, svc,
			         10 + rand_r(seed) % 3, rand_r(seed) % 4);
			tcs_add(cs, rr);
		} else if (what < 80) {
			snprintf(rr, sizeof(rr), "s%d.%s.example. 10 IN TXT \"v=%d\"", n, svc,
			         rand_r(seed) % 4);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
		} else if (what < 88) {
			snprintf(rr, sizeof(rr), "d%d.example. 3600 IN NS ns.d%d.example.", n % 3,
			         n % 3);
			tcs_add(cs, rr);
			snprintf(rr, sizeof(rr), "ns.d%d.example. 3600 IN A 198.51.100.%d", n % 3,
			         n);
			tcs_add(cs, rr);
		} else if (what < 95) {
			snprintf(rr, sizeof(rr), "d%d.example. 3600 IN NS ns.d%d.example.", n % 3,
			         n % 3);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, trr(rr)) == GW_OK);
		} else {
			/* A new SOA: same serial (the commit sets it), another MINIMUM. */
			uint32_t serial = serial_of(zone);
			const zone_node_t *apex = zone_apex_node(zone);
			const zone_rrset_t *soa = zone_node_rrset(apex, 6);
			ldns_rr *old = NULL;
			CU_ASSERT_FATAL(zone_rr_to_ldns(&old, apex, soa, soa->rdata + 2,
			                                (uint16_t)(soa->rdata_len - 2)) == GW_OK);
			CU_ASSERT_FATAL(zone_changeset_remove(cs, old) == GW_OK);
			snprintf(
			    rr, sizeof(rr),
			    "example. %d IN SOA ns.example. host.example. %u 3600 600 86400 %d",
			    3000 + rand_r(seed) % 2, serial, 200 + rand_r(seed) % 3 * 50);
			tcs_add(cs, rr);
		}
	}
}

/* Does the zone hold an NSEC3 for name (text)? */
static bool has_nsec3(const zone_t *zone, const char *name)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	uint8_t hashed[ZONE_NAME_MAXLEN];
	CU_ASSERT_FATAL(sig_nsec3_owner(hashed, tname(wire, name), zone_apex(zone)) > 0);
	const zone_node_t *node = zone_find(zone, hashed);
	return node != NULL && zone_node_rrset(node, 50) != NULL;
}

/* Every entry from serial first on, into dump_fp: its serials and
 * counts, the SOA that opens each side, then the other RRs of each side
 * in sorted text form (the order within a side is not part of an
 * entry's meaning). */
static void dump_entries(gw_journal_t *j, uint32_t first, const char *stream)
{
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_FATAL(gw_journal_find(j, first, SIZE_MAX, &list, &count, &bytes) == GW_OK);
	fprintf(dump_fp, "stream %s: %zu entries\n", stream, count);
	for (size_t i = 0; i < count; i++) {
		const gw_journal_entry_t *e = list[i];
		size_t pos = 0;
		fprintf(dump_fp, "entry %u -> %u: %u removed, %u added\n", e->from, e->to,
		        e->removed, e->added);
		for (int side = 0; side < 2; side++) {
			uint32_t n = side == 0 ? e->removed : e->added;
			char **rrs = calloc(n, sizeof(*rrs));
			CU_ASSERT_FATAL(rrs != NULL);
			for (uint32_t k = 0; k < n; k++)
				rrs[k] = rr_line(e, &pos);
			fprintf(dump_fp, "%c %s\n", side == 0 ? '<' : '>', rrs[0]);
			qsort(rrs + 1, n - 1, sizeof(*rrs), cmp_str);
			for (uint32_t k = 0; k < n; k++) {
				if (k > 0)
					fprintf(dump_fp, "%c %s\n", side == 0 ? '-' : '+', rrs[k]);
				free(rrs[k]);
			}
			free(rrs);
		}
		gw_journal_entry_put(list[i]);
	}
	free(list);
}

/* Empty non-terminals that the NSEC3 stream makes and unmakes. */
static const char *const stream_ents[] = {"wlan.example.", "_tcp.wlan.example.",
                                          "_udp.lan.example."};
#define STREAM_ENTS (sizeof(stream_ents) / sizeof(stream_ents[0]))

static void run_stream(denial_t denial, unsigned steps)
{
	fixture_t f;
	bool sign = denial != UNSIGNED;
	fixture_init(&f, denial);
	gw_journal_t *j = open_journal(&f, 100000, 1ULL << 30);
	uint32_t first = serial_of(f.zone);
	unsigned seed = 20240611;
	unsigned done = 0;
	bool ent_was[STREAM_ENTS] = {false};
	unsigned ent_flips[STREAM_ENTS] = {0};
	for (unsigned i = 0; i < steps; i++) {
		zone_changeset_t cs;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		lines_t before = lines_of(f.zone);
		bool refresh = sign && i % 17 == 16;
		if (refresh) {
			/* Time passes: some signatures fall due (jittered
			 * expirations), the refresh re-signs them and bumps
			 * the serial. */
			f.now += 6 * 86400 + (time_t)(rand_r(&seed) % 86400);
		} else {
			random_changes(&cs, &seed, f.zone, denial == NSEC3);
		}
		uint32_t serial = serial_of(f.zone);
		int ret = commit(&f, j, refresh ? NULL : &cs);
		zone_changeset_deinit(&cs);
		if (ret != GW_OK) {
			/* A change the zone refuses (CNAME rules and such):
			 * nothing changed, nothing journaled. */
			CU_ASSERT_EQUAL(serial_of(f.zone), serial);
			lines_free(&before);
			continue;
		}
		if (refresh && serial_of(f.zone) == serial) {
			/* Nothing fell due (no jitter in the dump mode). */
			lines_free(&before);
			continue;
		}
		done++;
		lines_t after = lines_of(f.zone);
		gw_journal_entry_t *e = gw_journal_newest(j);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		CU_ASSERT_EQUAL(e->from, serial);
		CU_ASSERT_EQUAL(e->to, serial_of(f.zone));
		bool exact = entry_exact(e, &before, &after);
		CU_ASSERT(exact);
		if (!exact)
			fprintf(stderr, "  step %u%s\n", i, refresh ? " (refresh)" : "");
		gw_journal_entry_put(e);
		lines_free(&before);
		lines_free(&after);
		if (!exact)
			break;
		for (size_t k = 0; denial == NSEC3 && k < STREAM_ENTS; k++) {
			bool now = has_nsec3(f.zone, stream_ents[k]);
			ent_flips[k] += now != ent_was[k];
			ent_was[k] = now;
		}
	}
	/* The stream did make and unmake empty non-terminals, more than
	 * once each. */
	for (size_t k = 0; denial == NSEC3 && k < STREAM_ENTS; k++)
		CU_ASSERT(ent_flips[k] >= 4);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.resets, 0);
	CU_ASSERT_EQUAL(st.entries, done);
	CU_ASSERT(done > steps / 2);
	if (sign) {
		char err[256];
		CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) == GW_OK);
	}
	if (dump_fp != NULL)
		dump_entries(j, first, denial == NSEC3 ? "NSEC3" : "NSEC");
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

static void test_exact_signed(void)
{
	run_stream(NSEC, 300);
}

static void test_exact_nsec3(void)
{
	run_stream(NSEC3, 300);
}

static void test_exact_unsigned(void)
{
	run_stream(UNSIGNED, 200);
}

/* IXFR needs the chain from a serial to the newest. */
static void test_find_and_bounds(void)
{
	fixture_t f;
	fixture_init(&f, NSEC);
	gw_journal_t *j = open_journal(&f, 5, 1ULL << 30);
	uint32_t first = serial_of(f.zone);
	add_hosts(&f, j, 0, 10);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 5);
	CU_ASSERT_EQUAL(st.oldest, first + 5);
	CU_ASSERT_EQUAL(st.newest, first + 10);

	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_EQUAL(gw_journal_find(j, first + 4, SIZE_MAX, &list, &count, &bytes),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(gw_journal_find(j, first + 10, SIZE_MAX, &list, &count, &bytes),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL_FATAL(gw_journal_find(j, first + 7, SIZE_MAX, &list, &count, &bytes),
	                      GW_OK);
	CU_ASSERT_EQUAL(count, 3);
	size_t total = 0;
	for (size_t i = 0; i < count; i++) {
		CU_ASSERT_EQUAL(list[i]->from, first + 7 + i);
		CU_ASSERT_EQUAL(list[i]->to, first + 8 + i);
		total += list[i]->size;
	}
	CU_ASSERT_EQUAL(bytes, total);

	/* An IXFR holding entries while the journal trims them. */
	add_hosts(&f, j, 10, 20);
	CU_ASSERT_EQUAL(list[0]->from, first + 7); /* still readable */
	for (size_t i = 0; i < count; i++)
		gw_journal_entry_put(list[i]);
	free(list);

	/* The size bound: every diff here is well over 100 octets. */
	gw_journal_close(j, f.zone);
	j = open_journal(&f, 1000, 65536);
	char big[300];
	for (int i = 0; i < 200; i++) {
		zone_changeset_t cs;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		snprintf(big, sizeof(big), "t%d.example. 10 IN TXT \"%0200d\"", i, i);
		tcs_add(&cs, big);
		CU_ASSERT_FATAL(commit(&f, j, &cs) == GW_OK);
		zone_changeset_deinit(&cs);
	}
	gw_journal_get_stats(j, &st);
	CU_ASSERT(st.bytes <= 65536);
	CU_ASSERT(st.entries > 10 && st.entries < 200);
	CU_ASSERT_EQUAL(st.newest, serial_of(f.zone));
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* One diff larger than journal-size is not kept, nor anything before
 * it: an IXFR across it gets the whole zone. The journal goes on with the
 * next diff. (ASan saw the notice read the dropped entry after its free.) */
static void test_diff_over_size(void)
{
	fixture_t f;
	fixture_init(&f, NSEC);
	gw_journal_t *j = open_journal(&f, 1000, 65536);
	add_hosts(&f, j, 0, 3);
	uint32_t before = serial_of(f.zone);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	char big[300];
	for (int i = 0; i < 400; i++) {
		snprintf(big, sizeof(big), "t%d.example. 10 IN TXT \"%0200d\"", i, i);
		tcs_add(&cs, big);
	}
	CU_ASSERT_FATAL(commit(&f, j, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_EQUAL(gw_journal_find(j, before, SIZE_MAX, &list, &count, &bytes), GW_ENOTFOUND);
	add_hosts(&f, j, 3, 4);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.newest, serial_of(f.zone));
	CU_ASSERT_EQUAL_FATAL(gw_journal_find(j, before + 1, SIZE_MAX, &list, &count, &bytes),
	                      GW_OK);
	CU_ASSERT_EQUAL(count, 1);
	for (size_t i = 0; i < count; i++)
		gw_journal_entry_put(list[i]);
	free(list);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* Restart: close (snapshot), change the zone as a restart does (new
 * serial, every signature new), open: the journal reaches the new serial
 * with one more exact entry. Then a crash (no close), a torn tail. */
static void test_persistence(void)
{
	fixture_t f;
	fixture_init(&f, NSEC);
	gw_journal_t *j = open_journal(&f, 1000, 1ULL << 30);
	uint32_t first = serial_of(f.zone);
	add_hosts(&f, j, 0, 5);
	gw_journal_close(j, f.zone);
	lines_t before = lines_of(f.zone);

	/* The restart: a new serial and a full re-signing. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, first + 100) == GW_OK);
	CU_ASSERT_FATAL(sig_sign_zone(&f.signer, f.zone, f.now + 1, true, 1, NULL) == GW_OK);
	lines_t after = lines_of(f.zone);
	j = open_journal(&f, 1000, 1ULL << 30);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 6);
	CU_ASSERT_EQUAL(st.oldest, first);
	CU_ASSERT_EQUAL(st.newest, first + 100);
	gw_journal_entry_t *e = gw_journal_newest(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->from, first + 5);
	CU_ASSERT(entry_exact(e, &before, &after));
	gw_journal_entry_put(e);
	lines_free(&before);
	lines_free(&after);

	/* A crash: entries appended, no snapshot at the end. */
	add_hosts(&f, j, 5, 8);
	gw_journal_close(j, NULL);
	/* The last append was cut short: 7 octets of it are missing. */
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	struct stat sb;
	CU_ASSERT_FATAL(stat(path, &sb) == 0);
	CU_ASSERT_FATAL(truncate(path, sb.st_size - 7) == 0);
	/* The zone served after the restart: the last serial is lost with
	 * the torn record, so the restart diff starts one serial earlier. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, first + 200) == GW_OK);
	CU_ASSERT_FATAL(sig_sign_zone(&f.signer, f.zone, f.now + 2, false, 1, NULL) == GW_OK);
	j = open_journal(&f, 1000, 1ULL << 30);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 6 + 2 + 1);
	CU_ASSERT_EQUAL(st.newest, first + 200);
	e = gw_journal_newest(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->from, first + 102);
	gw_journal_entry_put(e);
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_EQUAL(gw_journal_find(j, first, SIZE_MAX, &list, &count, &bytes), GW_OK);
	CU_ASSERT_EQUAL(count, 9);
	for (size_t i = 0; i < count; i++)
		gw_journal_entry_put(list[i]);
	free(list);
	gw_journal_close(j, f.zone);

	/* The file of another zone is discarded, and so is garbage. */
	zone_t *other = tzone(
	    "other.", (const char *const[]){
	                  "other. 3600 IN SOA ns.other. h.other. 5 3600 600 86400 300", NULL});
	gw_journal_opts_t opts = {.state_dir = f.dir, .max_entries = 10, .max_size = 1 << 20};
	CU_ASSERT_FATAL(gw_journal_open(&j, &opts, other) == GW_OK);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	gw_journal_close(j, other);
	zone_free(other);
	int fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "garbage", 7) == 7);
	close(fd);
	j = open_journal(&f, 1000, 1ULL << 30);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT(st.have_serial);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* The hashed owner of name (text) in the fixture's zone, as text. */
static void hashed_str(const fixture_t *f, const char *name, char *out, size_t len)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	uint8_t hashed[ZONE_NAME_MAXLEN];
	CU_ASSERT_FATAL(sig_nsec3_owner(hashed, tname(wire, name), zone_apex(f->zone)) > 0);
	CU_ASSERT_FATAL(zone_name_to_str(out, len, hashed) == GW_OK);
}

/* Does e remove (or add) an NSEC3 at the hashed owner of name? */
static bool entry_nsec3(const fixture_t *f, const gw_journal_entry_t *e, bool added,
                        const char *name)
{
	char owner[300];
	bool found = false;
	size_t pos = 0;
	hashed_str(f, name, owner, sizeof(owner));
	size_t olen = strlen(owner);
	for (uint32_t i = 0; i < e->removed + e->added; i++) {
		char *line = rr_line(e, &pos);
		if ((i >= e->removed) == added && strncmp(line, owner, olen) == 0 &&
		    line[olen] == '\t' && strstr(line, "\tNSEC3\t") != NULL)
			found = true;
		free(line);
	}
	return found;
}

/* Commit cs (text RRs, "-" in front for a removal) and check that the
 * newest entry is exact. Returns the entry (put it). */
static gw_journal_entry_t *commit_exact(fixture_t *f, gw_journal_t *j, const char *const *rrs)
{
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (; *rrs != NULL; rrs++) {
		if ((*rrs)[0] == '-')
			tcs_remove(&cs, *rrs + 1);
		else
			tcs_add(&cs, *rrs);
	}
	lines_t before = lines_of(f->zone);
	uint32_t serial = serial_of(f->zone);
	CU_ASSERT_FATAL(commit(f, j, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
	lines_t after = lines_of(f->zone);
	gw_journal_entry_t *e = gw_journal_newest(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->from, serial);
	CU_ASSERT_EQUAL(e->to, serial_of(f->zone));
	CU_ASSERT(entry_exact(e, &before, &after));
	lines_free(&before);
	lines_free(&after);
	return e;
}

/* NSEC3: the first service of a type makes empty non-terminals (each with
 * an NSEC3), the last one removed unmakes them; a delegation takes the
 * names below it out of the chain and puts them back when it goes. Every
 * entry is exact and carries those NSEC3s. */
static void test_nsec3_ents(void)
{
	fixture_t f;
	fixture_init(&f, NSEC3);
	gw_journal_t *j = open_journal(&f, 1000, 1ULL << 30);
	gw_journal_entry_t *e;

	e = commit_exact(
	    &f, j,
	    (const char *const[]){"s1._ipp._tcp.lan.example. 10 IN SRV 0 0 631 h1.lan.example.",
	                          "_ipp._tcp.lan.example. 10 IN PTR s1._ipp._tcp.lan.example.",
	                          "h1.lan.example. 10 IN A 192.0.2.1", NULL});
	CU_ASSERT(entry_nsec3(&f, e, true, "lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "_tcp.lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "_ipp._tcp.lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "s1._ipp._tcp.lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "h1.lan.example."));
	gw_journal_entry_put(e);

	e = commit_exact(&f, j,
	                 (const char *const[]){
	                     "s2._http._tcp.lan.example. 10 IN SRV 0 0 80 h1.lan.example.",
	                     "_http._tcp.lan.example. 10 IN PTR s2._http._tcp.lan.example.", NULL});
	CU_ASSERT(entry_nsec3(&f, e, true, "_http._tcp.lan.example."));
	CU_ASSERT(has_nsec3(f.zone, "_tcp.lan.example."));
	gw_journal_entry_put(e);

	/* The last _ipp one. */
	e = commit_exact(&f, j,
	                 (const char *const[]){
	                     "-s1._ipp._tcp.lan.example. 10 IN SRV 0 0 631 h1.lan.example.",
	                     "-_ipp._tcp.lan.example. 10 IN PTR s1._ipp._tcp.lan.example.", NULL});
	CU_ASSERT(entry_nsec3(&f, e, false, "_ipp._tcp.lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, false, "s1._ipp._tcp.lan.example."));
	gw_journal_entry_put(e);

	/* The last service under lan: _tcp.lan and lan go. */
	e = commit_exact(
	    &f, j,
	    (const char *const[]){"-s2._http._tcp.lan.example. 10 IN SRV 0 0 80 h1.lan.example.",
	                          "-_http._tcp.lan.example. 10 IN PTR s2._http._tcp.lan.example.",
	                          "-h1.lan.example. 10 IN A 192.0.2.1", NULL});
	CU_ASSERT(entry_nsec3(&f, e, false, "_tcp.lan.example."));
	CU_ASSERT(entry_nsec3(&f, e, false, "lan.example."));
	CU_ASSERT(!has_nsec3(f.zone, "lan.example."));
	gw_journal_entry_put(e);

	/* Names below a delegation that comes, then goes. */
	e = commit_exact(&f, j,
	                 (const char *const[]){"a.b.d.example. 10 IN A 192.0.2.7",
	                                       "c.d.example. 10 IN A 192.0.2.8", NULL});
	CU_ASSERT(entry_nsec3(&f, e, true, "b.d.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "d.example."));
	gw_journal_entry_put(e);
	e = commit_exact(&f, j,
	                 (const char *const[]){"d.example. 3600 IN NS ns.d.example.",
	                                       "ns.d.example. 3600 IN A 198.51.100.1", NULL});
	CU_ASSERT(entry_nsec3(&f, e, false, "a.b.d.example."));
	CU_ASSERT(entry_nsec3(&f, e, false, "b.d.example."));
	CU_ASSERT(entry_nsec3(&f, e, false, "c.d.example."));
	CU_ASSERT(!entry_nsec3(&f, e, true, "ns.d.example."));
	gw_journal_entry_put(e);
	e = commit_exact(&f, j,
	                 (const char *const[]){"-d.example. 3600 IN NS ns.d.example.", NULL});
	CU_ASSERT(entry_nsec3(&f, e, true, "a.b.d.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "b.d.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, "ns.d.example."));
	gw_journal_entry_put(e);

	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.resets, 0);
	CU_ASSERT_EQUAL(st.entries, 7);
	char err[256];
	CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) == GW_OK);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* NSEC3: two new names whose hashes fall between the same two NSEC3s
 * (y's right before x's): the entry carries both NSEC3s and is exact.
 * Then a zone changed outside the journal (a serial the journal never
 * saw) drops the history, and the next commit is journaled again. */
static void test_nsec3_neighbours(void)
{
	fixture_t f;
	fixture_init(&f, NSEC3);
	gw_journal_t *j = open_journal(&f, 1000, 1ULL << 30);
	gw_journal_entry_put(
	    commit_exact(&f, j, (const char *const[]){"n0.example. 10 IN A 192.0.2.1", NULL}));

	/* y: a name whose hash falls between x's and the NSEC3 before it. */
	uint8_t x[ZONE_NAME_MAXLEN], y[ZONE_NAME_MAXLEN];
	uint8_t hx[ZONE_NAME_MAXLEN], hy[ZONE_NAME_MAXLEN];
	const zone_node_t *node, *prev_x, *prev_y;
	CU_ASSERT_FATAL(sig_nsec3_owner(hx, tname(x, "x.example."), zone_apex(f.zone)) > 0);
	zone_hashed_lookup(f.zone, hx, &node, &prev_x);
	CU_ASSERT_FATAL(node == NULL && prev_x != NULL);
	char yname[64];
	bool found = false;
	for (int i = 0; i < 100000 && !found; i++) {
		snprintf(yname, sizeof(yname), "y%d.example.", i);
		CU_ASSERT_FATAL(sig_nsec3_owner(hy, tname(y, yname), zone_apex(f.zone)) > 0);
		zone_hashed_lookup(f.zone, hy, &node, &prev_y);
		found = node == NULL && prev_y == prev_x && zone_name_cmp(hy, hx) < 0;
	}
	CU_ASSERT_FATAL(found);

	char rr[128];
	snprintf(rr, sizeof(rr), "%s 10 IN A 192.0.2.3", yname);
	gw_journal_entry_t *e =
	    commit_exact(&f, j, (const char *const[]){"x.example. 10 IN A 192.0.2.2", rr, NULL});
	CU_ASSERT(entry_nsec3(&f, e, true, "x.example."));
	CU_ASSERT(entry_nsec3(&f, e, true, yname));
	gw_journal_entry_put(e);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.resets, 0);
	CU_ASSERT_EQUAL(st.entries, 2);

	/* A serial step the journal did not see. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, serial_of(f.zone) + 5) == GW_OK);
	CU_ASSERT_FATAL(sig_sign_zone(&f.signer, f.zone, f.now, false, 1, NULL) == GW_OK);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "n1.example. 10 IN A 192.0.2.4");
	CU_ASSERT_FATAL(commit(&f, j, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.resets, 1);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT(st.have_serial);
	CU_ASSERT_EQUAL(st.newest, 0);

	/* The next commit is journaled again, from the new serial. */
	gw_journal_entry_put(
	    commit_exact(&f, j, (const char *const[]){"n2.example. 10 IN A 192.0.2.5", NULL}));
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.resets, 1);
	CU_ASSERT_EQUAL(st.entries, 1);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* journal-entries 0: no journal, no file. */
static void test_disabled(void)
{
	fixture_t f;
	fixture_init(&f, UNSIGNED);
	gw_journal_t *j = open_journal(&f, 0, 1ULL << 20);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "x.example. 10 IN A 192.0.2.1");
	CU_ASSERT_FATAL(commit(&f, j, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	gw_journal_close(j, f.zone);
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	CU_ASSERT(access(path, F_OK) != 0);
	fixture_deinit(&f);
}

/* Files the daemon never wrote: a header whose apex name runs past its
 * declared length and the end of the file (read out of bounds once; the
 * ASan build catches a regression), and a file far larger than any
 * journal of its transfer.journal-size (refused before it is read). */
static int count_rrset(void *ctx, const uint8_t *owner, const zone_rrset_t *rrset)
{
	(void)owner;
	(void)rrset;
	(*(size_t *)ctx)++;
	return GW_OK;
}

static void test_damaged_files(void)
{
	static const uint8_t head[] = {'D', 'N', 'S', 'S', 'D', 'G', 'W', 'J', 0,   0,   0,
	                               1,   9,   7,   'e', 'x', 'a', 'm', 'p', 'l', 'e', 5};
	fixture_t f;
	fixture_init(&f, UNSIGNED);
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	gw_journal_opts_t opts = {.state_dir = f.dir, .max_entries = 10, .max_size = 1024};
	size_t rrsets = 0;

	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, head, sizeof(head)) == (ssize_t)sizeof(head));
	close(fd);
	CU_ASSERT_EQUAL(gw_journal_each_last(&opts, zone_apex(f.zone), count_rrset, &rrsets),
	                GW_EPARSE);
	CU_ASSERT_EQUAL(rrsets, 0);
	gw_journal_t *j = open_journal(&f, 10, 1024);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT(st.have_serial);
	gw_journal_close(j, NULL);

	/* 4 x journal-size plus 1.25 GiB for the snapshot: one octet more is
	 * refused (a sparse file: nothing is written). */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, head, 13) == 13);
	CU_ASSERT(ftruncate(fd, (off_t)(4 * 1024 + (5LL << 28) + 1)) == 0);
	close(fd);
	CU_ASSERT_EQUAL(gw_journal_each_last(&opts, zone_apex(f.zone), count_rrset, &rrsets),
	                GW_ELIMIT);
	CU_ASSERT_EQUAL(rrsets, 0);
	j = open_journal(&f, 10, 1024);
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	gw_journal_close(j, NULL);
	fixture_deinit(&f);
}

/* An entry record that passes the CRC but does not hold what it claims
 * (100 -> 101 without the SOAs, as no version of the daemon writes it) is
 * not taken: its serials alone would have IXFR send an A record where the
 * SOA goes. */
static void test_entry_without_soas(void)
{
	fixture_t f;
	fixture_init(&f, UNSIGNED);
	gw_journal_t *j = open_journal(&f, 10, 1 << 20);
	gw_journal_sync(j, f.zone); /* the file, with the zone at 100 */
	gw_journal_close(j, NULL);

	uint8_t rec[256];
	size_t n = 8;
	rec[n++] = 1; /* an entry */
	n += put_be32(rec + n, 100);
	n += put_be32(rec + n, 101);
	n += put_be32(rec + n, 1);
	n += put_be32(rec + n, 1);
	const char *rrs[] = {"www.example. 300 IN A 192.0.2.80",
	                     "www.example. 300 IN A 192.0.2.81"};
	for (size_t i = 0; i < 2; i++) {
		ldns_rr *rr = trr(rrs[i]);
		uint8_t *wire = NULL;
		size_t wlen = 0;
		CU_ASSERT_FATAL(ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &wlen) ==
		                LDNS_STATUS_OK);
		memcpy(rec + n, wire, wlen);
		n += wlen;
		free(wire);
		ldns_rr_free(rr);
	}
	put_be32(rec, (uint32_t)(n - 8));
	put_be32(rec + 4, crc32_bits(rec + 8, n - 8));
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	int fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, rec, n) == (ssize_t)n);
	close(fd);

	/* The zone the entry claims to lead to. */
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, rrs[0]);
	tcs_add(&cs, rrs[1]);
	CU_ASSERT_FATAL(zone_commit(f.zone, &cs, 101, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	j = open_journal(&f, 10, 1 << 20);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* GW_JOURNAL_DUMP=FILE GW_JOURNAL_DUMP_KEY=PEM: instead of the suite,
 * the NSEC and NSEC3 streams over 1000 changesets with deterministic
 * signatures (Ed25519, fixed clock, no jitter), every entry written to
 * FILE; two builds of the journal then compare with diff(1). */
static void test_dump(void)
{
	run_stream(NSEC, 1000);
	run_stream(NSEC3, 1000);
	CU_ASSERT(fclose(dump_fp) == 0);
	dump_fp = NULL;
}

int gw_test_register(void)
{
	const char *dump = getenv("GW_JOURNAL_DUMP");
	if (dump != NULL) {
		dump_key = getenv("GW_JOURNAL_DUMP_KEY");
		dump_fp = fopen(dump, "we");
		if (dump_key == NULL || dump_fp == NULL) {
			fprintf(stderr, "GW_JOURNAL_DUMP needs GW_JOURNAL_DUMP_KEY and a file\n");
			return -1;
		}
		return gw_test_suite("journal dump",
		                     (gw_test_t[]){{"dump", test_dump}, {NULL, NULL}});
	}
	return gw_test_suite(
	    "journal", (gw_test_t[]){
	                   {"exact over a signed stream", test_exact_signed},
	                   {"exact over an NSEC3 stream", test_exact_nsec3},
	                   {"NSEC3: empty non-terminals, delegations", test_nsec3_ents},
	                   {"NSEC3: neighbours, a foreign change resets", test_nsec3_neighbours},
	                   {"exact over an unsigned stream", test_exact_unsigned},
	                   {"damaged files", test_damaged_files},
	                   {"an entry without its SOAs", test_entry_without_soas},
	                   {"find and bounds", test_find_and_bounds},
	                   {"a diff larger than journal-size", test_diff_over_size},
	                   {"persistence, restart, torn tail", test_persistence},
	                   {"disabled", test_disabled},
	                   {NULL, NULL},
	               });
}
