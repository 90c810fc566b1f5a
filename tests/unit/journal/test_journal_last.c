/* gateway/journal/: the zone served last, walked from <state>/journal
 * without building it (gw_journal_each_last()): after several changes, a
 * snapshot, and changes after the snapshot (a kill -9), the walk hands
 * out exactly the zone served last, RRset by RRset in canonical order,
 * RRSIGs with their RRset; a file cut inside its snapshot and a snapshot
 * out of canonical order give an error and nothing else, and the journal
 * of such a file is discarded at open. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/dns.h"
#include "gateway/journal/journal.h"
#include "journal_file_util.h"
#include "zone_util.h"

#define APEX "example."

static const char *const base_zone[] = {
    "example. 3600 IN SOA ns.example. host.example. 100 3600 600 86400 300",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    "www.example. 300 IN A 192.0.2.80",
    "www.example. 300 IN A 192.0.2.81",
    "_http._tcp.example. 300 IN PTR web._http._tcp.example.",
    NULL,
};

typedef struct fixture {
	zone_t *zone;
	char dir[64];
	char path[96];
	gw_journal_opts_t opts;
} fixture_t;

static void fixture_init(fixture_t *f)
{
	memset(f, 0, sizeof(*f));
	f->zone = tzone(APEX, base_zone);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-journal-last.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	snprintf(f->path, sizeof(f->path), "%s/journal", f->dir);
	f->opts = (gw_journal_opts_t){.state_dir = f->dir, .max_entries = 100, .max_size = 1 << 20};
}

static void fixture_deinit(fixture_t *f)
{
	char cmd[128];
	zone_free(f->zone);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	CU_ASSERT(system(cmd) == 0);
}

/* One change through the journal: add (and remove, when not NULL) an RR,
 * the next serial. */
static void commit(fixture_t *f, gw_journal_t *j, const char *add, const char *remove)
{
	uint32_t serial = 0;
	zone_changeset_t cs;
	zone_rrdiff_t diff = {0};
	CU_ASSERT_FATAL(zone_serial(f->zone, &serial) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, add);
	if (remove != NULL)
		tcs_remove(&cs, remove);
	CU_ASSERT_FATAL(zone_commit(f->zone, &cs, serial + 1, &diff) == GW_OK);
	gw_journal_append(j, &diff, f->zone);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
}

/* A signature-shaped rdata over type: what the walk must hand out with
 * the RRset (the journal does not check signatures). */
static void fake_sig(zone_t *zone, const char *owner, uint16_t type)
{
	uint8_t sig[2 + 18 + 9 + 4] = {0, 18 + 9 + 4};
	uint8_t name[ZONE_NAME_MAXLEN];
	sig[2] = (uint8_t)(type >> 8);
	sig[3] = (uint8_t)type;
	sig[4] = 13; /* algorithm */
	memcpy(sig + 2 + 18, tname(name, APEX), 9);
	memcpy(sig + 2 + 18 + 9, "sig!", 4);
	CU_ASSERT_FATAL(zone_set_sigs(zone, tname(name, owner), type, sig, sizeof(sig)) == GW_OK);
}

/* What the walk saw: each RRset's owner and type in turn, checked against
 * the zone (same RRs, same TTL, same signatures), and the order. */
typedef struct seen {
	const zone_t *zone;
	size_t rrsets, mismatches, disorder;
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint16_t type;
} seen_t;

static bool same_rrs(const zone_rrset_t *a, const zone_rrset_t *b)
{
	if (a->count != b->count || a->rdata_len != b->rdata_len || a->ttl != b->ttl)
		return false;
	zone_rdref_t *ra = calloc(2 * (size_t)a->count, sizeof(*ra));
	zone_rdref_t *rb = ra + a->count;
	bool same = true;
	zone_rrset_sorted(a, ra);
	zone_rrset_sorted(b, rb);
	for (size_t i = 0; i < a->count && same; i++)
		same = zone_rdref_cmp(&ra[i], &rb[i]) == 0;
	free(ra);
	return same;
}

static int on_rrset(void *ctx, const uint8_t *owner, const zone_rrset_t *rrset)
{
	seen_t *s = ctx;
	const zone_node_t *node = zone_find(s->zone, owner);
	const zone_rrset_t *now = node != NULL ? zone_node_rrset(node, rrset->type) : NULL;
	if (now == NULL || !same_rrs(now, rrset) || now->sigs_len != rrset->sigs_len ||
	    now->sig_count != rrset->sig_count ||
	    (rrset->sigs_len > 0 && memcmp(now->sigs, rrset->sigs, rrset->sigs_len) != 0))
		s->mismatches++;
	if (s->rrsets > 0) {
		int c = zone_name_cmp(s->owner, owner);
		if (c > 0 || (c == 0 && s->type >= rrset->type))
			s->disorder++;
	}
	memcpy(s->owner, owner, (size_t)zone_name_len(owner, ZONE_NAME_MAXLEN));
	s->type = rrset->type;
	s->rrsets++;
	return GW_OK;
}

static size_t rrsets_of(const zone_t *zone)
{
	size_t n = 0;
	for (const zone_node_t *node = zone_first(zone); node != NULL; node = zone_next(zone, node))
		n += node->rrset_count;
	return n;
}

/* Several changes, a snapshot (close), more changes after it and no
 * snapshot (a kill -9): the walk is the zone as it was last served. */
static void test_walk_last_state(void)
{
	fixture_t f;
	gw_journal_t *j = NULL;
	fixture_init(&f);
	fake_sig(f.zone, "ns." APEX, DNS_T_A);
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	commit(&f, j, "a.example. 10 IN A 192.0.2.1", NULL);
	commit(&f, j, "b.example. 10 IN A 192.0.2.2", NULL);
	commit(&f, j, "www.example. 300 IN A 192.0.2.82", "www.example. 300 IN A 192.0.2.80");
	gw_journal_close(j, f.zone);

	seen_t seen = {.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen), GW_OK);
	CU_ASSERT_EQUAL(seen.rrsets, rrsets_of(f.zone));
	CU_ASSERT_EQUAL(seen.mismatches, 0);
	CU_ASSERT_EQUAL(seen.disorder, 0);

	/* After the snapshot: an RR removed from the snapshot's RRset, a
	 * name added before the others, one removed again. */
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	commit(&f, j, "0.example. 10 IN TXT \"first\"", "www.example. 300 IN A 192.0.2.81");
	commit(&f, j, "z.example. 10 IN A 192.0.2.26", "a.example. 10 IN A 192.0.2.1");
	commit(&f, j, "www.example. 300 IN A 192.0.2.83", NULL);
	gw_journal_close(j, NULL);

	seen = (seen_t){.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen), GW_OK);
	CU_ASSERT_EQUAL(seen.rrsets, rrsets_of(f.zone));
	CU_ASSERT_EQUAL(seen.mismatches, 0);
	CU_ASSERT_EQUAL(seen.disorder, 0);
	CU_ASSERT_PTR_NOT_NULL(trrset(f.zone, "0." APEX, DNS_T_TXT));
	CU_ASSERT_PTR_NULL(trrset(f.zone, "a." APEX, DNS_T_A));

	/* Another zone's state (one RR more) is not what the walk gives. */
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "extra.example. 10 IN A 192.0.2.99");
	CU_ASSERT_FATAL(zone_apply(f.zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	seen = (seen_t){.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen), GW_OK);
	CU_ASSERT_EQUAL(seen.rrsets + 1, rrsets_of(f.zone));
	fixture_deinit(&f);
}

/* A file cut inside its snapshot: no snapshot, an error, nothing
 * handed out; the journal opened on it starts afresh. */
static void test_walk_truncated(void)
{
	fixture_t f;
	gw_journal_t *j = NULL;
	struct stat st;
	fixture_init(&f);
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	gw_journal_close(j, f.zone);
	CU_ASSERT_FATAL(stat(f.path, &st) == 0);
	CU_ASSERT_FATAL(truncate(f.path, st.st_size - 20) == 0);

	seen_t seen = {.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen),
	                GW_ESEMANTIC);
	CU_ASSERT_EQUAL(seen.rrsets, 0);
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	gw_journal_stats_t stats;
	gw_journal_get_stats(j, &stats);
	CU_ASSERT_EQUAL(stats.entries, 0);
	gw_journal_close(j, NULL);
	fixture_deinit(&f);
}

/* A journal file of f's zone holding a snapshot of its RRs, in the
 * zone's order or with the first two nodes swapped. */
static void write_snapshot(const fixture_t *f, bool swap)
{
	static uint8_t buf[8192];
	uint8_t rrs[4][1024];
	size_t lens[4] = {0};
	size_t n = 0, count = 0;
	const zone_node_t *nodes[4] = {0};
	for (const zone_node_t *node = zone_first(f->zone); node != NULL && n < 4;
	     node = zone_next(f->zone, node))
		nodes[n++] = node;
	CU_ASSERT_FATAL(n == 4);
	if (swap) {
		const zone_node_t *t = nodes[0];
		nodes[0] = nodes[1];
		nodes[1] = t;
	}
	/* The nodes' RRs, each node into one slot. */
	for (size_t i = 0; i < n; i++) {
		for (uint16_t k = 0; k < nodes[i]->rrset_count; k++) {
			const zone_rrset_t *rs = &nodes[i]->rrsets[k];
			const uint8_t *rd;
			uint16_t rdlen;
			uint32_t pos = 0;
			while (zone_rrset_next(rs, &pos, &rd, &rdlen)) {
				lens[i] += zone_rr_to_wire(rrs[i] + lens[i], nodes[i]->owner,
				                           nodes[i]->owner_len, rs->type, rs->ttl,
				                           rd, rdlen);
				count++;
			}
		}
	}
	uint8_t apex[ZONE_NAME_MAXLEN];
	size_t o = 0;
	memcpy(buf, "DNSSDGWJ", 8);
	o = 8 + put_be32(buf + 8, 1);
	buf[o++] = 9;
	memcpy(buf + o, tname(apex, APEX), 9);
	o += 9;
	size_t rec = o;
	o += 8;
	buf[o++] = 2; /* a snapshot */
	o += put_be32(buf + o, 100);
	o += put_be32(buf + o, (uint32_t)count);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + o, rrs[i], lens[i]);
		o += lens[i];
	}
	put_be32(buf + rec, (uint32_t)(o - rec - 8));
	put_be32(buf + rec + 4, crc32_bits(buf + rec + 8, o - rec - 8));
	int fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, buf, o) == (ssize_t)o);
	close(fd);
}

/* The same snapshot in canonical order is walked; out of it, refused:
 * an error, nothing handed out, the journal discarded at open. */
static void test_walk_out_of_order(void)
{
	fixture_t f;
	gw_journal_t *j = NULL;
	gw_journal_stats_t stats;
	fixture_init(&f);

	write_snapshot(&f, false);
	seen_t seen = {.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen), GW_OK);
	CU_ASSERT_EQUAL(seen.rrsets, 5);
	CU_ASSERT_EQUAL(seen.mismatches, 0);

	write_snapshot(&f, true);
	seen = (seen_t){.zone = f.zone};
	CU_ASSERT_EQUAL(gw_journal_each_last(&f.opts, zone_apex(f.zone), on_rrset, &seen),
	                GW_ESEMANTIC);
	CU_ASSERT_EQUAL(seen.rrsets, 0);

	/* The zone moved on: the journal would need the restart diff, but
	 * its snapshot is refused: no entries, the zone's serial. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, 101) == GW_OK);
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	gw_journal_get_stats(j, &stats);
	CU_ASSERT_EQUAL(stats.entries, 0);
	CU_ASSERT(stats.have_serial);
	gw_journal_close(j, NULL);

	/* In order, the same open gives the restart diff 100 -> 101. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, 100) == GW_OK);
	write_snapshot(&f, false);
	CU_ASSERT_FATAL(zone_set_serial(f.zone, 101) == GW_OK);
	CU_ASSERT_FATAL(gw_journal_open(&j, &f.opts, f.zone) == GW_OK);
	gw_journal_get_stats(j, &stats);
	CU_ASSERT_EQUAL(stats.entries, 1);
	gw_journal_entry_t *e = gw_journal_newest(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->from, 100);
	CU_ASSERT_EQUAL(e->to, 101);
	CU_ASSERT_EQUAL(e->removed, 1);
	CU_ASSERT_EQUAL(e->added, 1);
	gw_journal_entry_put(e);
	gw_journal_close(j, NULL);
	fixture_deinit(&f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"the walk is the zone served last", test_walk_last_state},
	    {"a file cut inside its snapshot", test_walk_truncated},
	    {"a snapshot out of canonical order", test_walk_out_of_order},
	    {NULL, NULL},
	};
	return gw_test_suite("journal last", tests);
}
