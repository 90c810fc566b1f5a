/* gateway/xfr: an AXFR sends the version of the zone it began with while
 * commits change the zone under it (gateway/xfr/keep.c). A signed zone
 * is sent in small messages; between them, commits add and remove names
 * ahead of the transfer and behind it, change the TTL of an RRset ahead,
 * and change the name under way, before and after the RRsets sent of it.
 * What the transfer sent is exactly the zone as it was at its start, and
 * a transfer begun after the commits sends the zone as it is then. More
 * change than a transfer keeps (or all of them together), or a change it
 * did not hear of, ends it (GW_EBUSY) as before. The zone's octets (what
 * an IXFR weighs the journal against) follow each commit. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnssec/dnssec.h"
#include "gateway/xfr/xfr.h"
#include "diff_util.h"
#include "zone_util.h"

#define APEX    "dnssd.test."
#define NAMES   40
#define MSG_CAP 600

typedef struct fixture {
	zone_t *zone; /* owned by ref */
	gw_zoneref_t *ref;
	sig_key_t *key;
	sig_signer_t signer;
	time_t now;
	uint8_t *query;
	size_t query_len;
	gw_query_t q;
} fixture_t;

/* A signed NSEC zone of NAMES names, each with an A, a TXT and an AAAA,
 * so that a message of MSG_CAP octets holds an RRset or two. */
static void setup(fixture_t *f)
{
	static const char *const base[] = {
	    APEX " 3600 IN SOA ns." APEX " host." APEX " 100 3600 600 86400 300",
	    APEX " 3600 IN NS ns." APEX,
	    "ns." APEX " 3600 IN A 192.0.2.53",
	    NULL,
	};
	uint8_t name[ZONE_NAME_MAXLEN];
	memset(f, 0, sizeof(*f));
	f->zone = tzone(APEX, base);
	CU_ASSERT_FATAL(sig_key_generate(&f->key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK,
	                                 tname(name, APEX), 0) == GW_OK);
	ldns_rr *dnskey = NULL;
	CU_ASSERT_FATAL(sig_key_dnskey_rr(f->key, 3600, &dnskey) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(f->zone, dnskey) == GW_OK);
	ldns_rr_free(dnskey);
	for (int i = 0; i < NAMES; i++) {
		char rr[512];
		const char *forms[] = {"n%02d." APEX " 300 IN A 192.0.2.%d",
		                       "n%02d." APEX " 300 IN TXT \"%0120d\"",
		                       "n%02d." APEX " 300 IN AAAA 2001:db8::%d"};
		for (size_t k = 0; k < 3; k++) {
			snprintf(rr, sizeof(rr), forms[k], i, i + 1);
			ldns_rr *r = trr(rr);
			CU_ASSERT_FATAL(zone_add_rr(f->zone, r) == GW_OK);
			ldns_rr_free(r);
		}
	}
	f->signer = (sig_signer_t){.keys = &f->key,
	                           .key_count = 1,
	                           .apex = zone_apex(f->zone),
	                           .validity = 14 * 86400,
	                           .refresh = 7 * 86400,
	                           .jitter = 3600,
	                           .inception_offset = 3600};
	f->now = time(NULL);
	zone_changeset_t cs;
	uint32_t ttl = 0;
	CU_ASSERT_FATAL(sig_nsec_ttl(f->zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_nsec_update(f->zone, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(f->zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(&f->signer, f->zone, f->now, true, 1, NULL) == GW_OK);
	CU_ASSERT_FATAL(gw_zoneref_new(&f->ref, f->zone) == GW_OK);

	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&p, APEX, LDNS_RR_TYPE_AXFR, LDNS_RR_CLASS_IN,
	                                           0) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt2wire(&f->query, p, &f->query_len) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	uint8_t rcode = 0;
	CU_ASSERT_FATAL(gw_wire_parse_query(&f->q, f->query, f->query_len, &rcode) == GW_OK);
}

static void teardown(fixture_t *f)
{
	gw_zoneref_put(f->ref);
	sig_key_free(f->key);
	free(f->query);
}

/* Commit the text RRs (each "+RR" or "-RR") as the zone manager does,
 * signed, the NSEC chain kept, and tell the watchers; tell: false leaves
 * them out (a change nobody heard of). */
static void commit(fixture_t *f, const char *const *changes, bool tell)
{
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (; *changes != NULL; changes++) {
		if (**changes == '+')
			tcs_add(&cs, *changes + 1);
		else
			tcs_remove(&cs, *changes + 1);
	}
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_serial(f->zone, &serial) == GW_OK);
	zone_rrdiff_t diff = {0};
	CU_ASSERT_FATAL(
	    sig_zone_commit(&f->signer, f->zone, &cs, f->now, serial + 1, NULL, &diff) == GW_OK);
	if (tell)
		gw_zoneref_changed(f->ref, &diff);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
}

/* The next message of x into sent (its answer RRs as text); returns
 * gw_xfr_next()'s result. */
static int step(gw_xfr_t *x, lines_t *sent)
{
	uint8_t buf[MSG_CAP];
	int n = gw_xfr_next(x, buf, sizeof(buf));
	if (n <= 0)
		return n;
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, buf, (size_t)n) == LDNS_STATUS_OK);
	ldns_rr_list *an = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
		lines_add(sent, rr_str(ldns_rr_list_rr(an, i)));
	ldns_pkt_free(p);
	return n;
}

/* The transfer's RRs as a zone's lines: its SOA once (the last RR, the
 * same as the first, dropped), sorted; and no RR twice. */
static void as_zone(lines_t *sent)
{
	CU_ASSERT_FATAL(sent->n >= 2);
	CU_ASSERT_STRING_EQUAL(sent->items[0], sent->items[sent->n - 1]);
	free(sent->items[--sent->n]);
	qsort(sent->items, sent->n, sizeof(*sent->items), cmp_str);
	for (size_t i = 1; i < sent->n; i++)
		CU_ASSERT(strcmp(sent->items[i - 1], sent->items[i]) != 0);
}

/* a and b hold the same lines; say: print those that differ. */
static bool same_lines(const lines_t *a, const lines_t *b, bool say)
{
	bool same = a->n == b->n;
	for (size_t i = 0; same && i < a->n; i++)
		same = strcmp(a->items[i], b->items[i]) == 0;
	if (!same && say) {
		for (size_t i = 0, j = 0; i < a->n || j < b->n;) {
			int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->items[i], b->items[j]);
			if (c != 0)
				fprintf(stderr, "\n  %s %s", c < 0 ? "only sent:" : "only zone:",
				        c < 0 ? a->items[i] : b->items[j]);
			i += c <= 0;
			j += c >= 0;
		}
	}
	return same;
}

/* The name under way, as text ("" when none). */
static void cur_name(const gw_xfr_t *x, char *out, size_t len)
{
	out[0] = '\0';
	if (x->cur_from != GW_XFR_CUR_NONE)
		zone_name_to_str(out, len, x->cur);
}

static void test_keeps_its_version(void)
{
	fixture_t f;
	setup(&f);
	lines_t start = lines_of(f.zone);
	uint64_t octets = gw_zoneref_octets(f.ref);
	CU_ASSERT(octets > 0 && octets == zone_octets(f.zone));
	gw_xfr_t x;
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	lines_t sent = {0};

	/* A few messages in: some names sent, one under way. */
	for (int i = 0; i < 12; i++)
		CU_ASSERT_FATAL(step(&x, &sent) > 0);
	CU_ASSERT_FATAL(x.done_set);
	char done[ZONE_NAME_MAXLEN * 4];
	zone_name_to_str(done, sizeof(done), x.done);
	/* Behind it (n00 is sent), ahead of it (n30 to n39), and new. */
	CU_ASSERT_FATAL(strcmp(done, "n02." APEX) >= 0 && strcmp(done, "n25." APEX) < 0);
	char txt31[256];
	snprintf(txt31, sizeof(txt31), "-n31." APEX " 300 IN TXT \"%0120d\"", 32);
	commit(&f,
	       (const char *const[]){"-n00." APEX " 300 IN A 192.0.2.1",
	                             "+n00." APEX " 300 IN A 198.51.100.1",
	                             /* the whole name goes */
	                             "-n31." APEX " 300 IN A 192.0.2.32", txt31,
	                             "-n31." APEX " 300 IN AAAA 2001:db8::32",
	                             "+n30a." APEX " 300 IN A 198.51.100.30",
	                             "-n35." APEX " 300 IN AAAA 2001:db8::36",
	                             "+n35." APEX " 300 IN AAAA 2001:db8::3535", NULL},
	       true);
	CU_ASSERT(x.keep.count > 0);

	/* Until a name is under way from the zone, cut between its RRsets:
	 * then change it, what is sent of it and what is not. */
	bool cut = false;
	for (int i = 0; i < 200 && !cut; i++) {
		CU_ASSERT_FATAL(step(&x, &sent) > 0);
		cut = x.cur_from == GW_XFR_CUR_ZONE && x.next_type == LDNS_RR_TYPE_AAAA;
	}
	CU_ASSERT_FATAL(cut);
	char cur[ZONE_NAME_MAXLEN * 4];
	cur_name(&x, cur, sizeof(cur));
	int k = atoi(cur + 1);
	char a_old[sizeof(cur) + 64], a_new[sizeof(cur) + 64];
	char aaaa_old[sizeof(cur) + 64], aaaa_new[sizeof(cur) + 64];
	snprintf(a_old, sizeof(a_old), "-%s 300 IN A 192.0.2.%d", cur, k + 1);
	snprintf(a_new, sizeof(a_new), "+%s 300 IN A 198.51.100.%d", cur, k + 1);
	snprintf(aaaa_old, sizeof(aaaa_old), "-%s 300 IN AAAA 2001:db8::%d", cur, k + 1);
	snprintf(aaaa_new, sizeof(aaaa_new), "+%s 600 IN AAAA 2001:db8::%d", cur, k + 1);
	commit(&f, (const char *const[]){a_old, a_new, aaaa_old, aaaa_new, NULL}, true);
	/* n30a goes again, n31 comes back otherwise: kept already, as they
	 * were before the first commit. */
	commit(&f,
	       (const char *const[]){"-n30a." APEX " 300 IN A 198.51.100.30",
	                             "+n31." APEX " 300 IN A 198.51.100.31", NULL},
	       true);

	int n;
	while ((n = step(&x, &sent)) > 0)
		;
	CU_ASSERT_EQUAL(n, 0);
	as_zone(&sent);
	CU_ASSERT(same_lines(&sent, &start, true));
	gw_xfr_deinit(&x);
	CU_ASSERT_PTR_NULL(f.ref->watches);
	/* The zone's octets, which each IXFR weighs the journal against,
	 * followed the commits without a walk of the zone. */
	CU_ASSERT(gw_zoneref_octets(f.ref) != octets);
	CU_ASSERT_EQUAL(gw_zoneref_octets(f.ref), zone_octets(f.zone));

	/* Begun now: the zone as it is now. */
	lines_t now = lines_of(f.zone);
	lines_t again = {0};
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	while ((n = step(&x, &again)) > 0)
		;
	CU_ASSERT_EQUAL(n, 0);
	as_zone(&again);
	CU_ASSERT(same_lines(&again, &now, true));
	CU_ASSERT(!same_lines(&now, &start, false));
	gw_xfr_deinit(&x);
	lines_free(&again);
	lines_free(&now);
	lines_free(&sent);
	lines_free(&start);
	teardown(&f);
}

/* An RRset bigger than a message (30 TXT of 40 octets and its RRSIG,
 * past MSG_CAP) goes out RR by RR over several; begun again, with a
 * commit that changes it when half of it is sent, the rest comes from
 * the copy kept of it: no RR twice, none missing. */
static void test_split_rrset(void)
{
	enum { BIG_TXT = 30 };
	fixture_t f;
	setup(&f);
	char add[BIG_TXT][96];
	const char *changes[BIG_TXT + 1];
	for (int i = 0; i < BIG_TXT; i++) {
		snprintf(add[i], sizeof(add[i]), "+big." APEX " 300 IN TXT \"%040d\"", i);
		changes[i] = add[i];
	}
	changes[BIG_TXT] = NULL;
	commit(&f, changes, true);
	for (int pass = 0; pass < 2; pass++) {
		lines_t start = lines_of(f.zone);
		gw_xfr_t x;
		CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
		lines_t sent = {0};
		bool split = false;
		int n;
		while ((n = step(&x, &sent)) > 0) {
			if (split || x.split_sent == 0)
				continue;
			split = true;
			if (pass == 1)
				commit(&f,
				       (const char *const[]){
				           "-big." APEX " 300 IN TXT \""
				           "0000000000000000000000000000000000000000\"",
				           "+big." APEX " 300 IN TXT \"changed\"", NULL},
				       true);
		}
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT(split);
		as_zone(&sent);
		CU_ASSERT(same_lines(&sent, &start, true));
		gw_xfr_deinit(&x);
		lines_free(&sent);
		lines_free(&start);
	}
	teardown(&f);
}

/* Two transfers at once, begun at different serials: each keeps its own. */
static void test_two_transfers(void)
{
	fixture_t f;
	setup(&f);
	lines_t v1 = lines_of(f.zone);
	gw_xfr_t x, y;
	lines_t sx = {0}, sy = {0};
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&x, &sx) > 0);
	commit(&f, (const char *const[]){"+n20b." APEX " 300 IN A 198.51.100.20", NULL}, true);
	lines_t v2 = lines_of(f.zone);
	CU_ASSERT_FATAL(gw_xfr_init(&y, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&y, &sy) > 0);
	commit(&f, (const char *const[]){"-n20b." APEX " 300 IN A 198.51.100.20", NULL}, true);
	int nx, ny;
	do {
		nx = step(&x, &sx);
		ny = step(&y, &sy);
	} while (nx > 0 || ny > 0);
	CU_ASSERT(nx == 0 && ny == 0);
	as_zone(&sx);
	as_zone(&sy);
	CU_ASSERT(same_lines(&sx, &v1, true));
	CU_ASSERT(same_lines(&sy, &v2, true));
	gw_xfr_deinit(&x);
	gw_xfr_deinit(&y);
	lines_free(&sx);
	lines_free(&sy);
	lines_free(&v1);
	lines_free(&v2);
	teardown(&f);
}

/* More than the transfer keeps, more than all transfers keep together,
 * or a change it did not hear of: it ends (GW_EBUSY), and the client
 * asks again. */
static void test_ends_when_it_cannot_keep(void)
{
	fixture_t f;
	setup(&f);
	gw_xfr_t x;
	lines_t sent = {0};
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	x.keep.max = 400;
	CU_ASSERT_FATAL(step(&x, &sent) > 0);
	commit(&f,
	       (const char *const[]){"-n38." APEX " 300 IN A 192.0.2.39",
	                             "-n39." APEX " 300 IN A 192.0.2.40", NULL},
	       true);
	CU_ASSERT(x.keep.full);
	CU_ASSERT_EQUAL(step(&x, &sent), GW_EBUSY);
	gw_xfr_deinit(&x);

	CU_ASSERT_EQUAL(gw_xfr_keep_total(), 0);

	/* Two transfers, each within its own bound, past the bound of all
	 * together: the second to keep ends. */
	gw_xfr_t y;
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(gw_xfr_init(&y, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&x, &sent) > 0);
	CU_ASSERT_FATAL(step(&y, &sent) > 0);
	/* Each keeps the apex and n38 (some 1300 octets); then the bound
	 * leaves room for half that: the next commit's n39 (some 600) fits
	 * in one of them, not in both. */
	commit(&f, (const char *const[]){"+n38." APEX " 300 IN A 192.0.2.39", NULL}, true);
	size_t both = gw_xfr_keep_total();
	CU_ASSERT(both > 0 && both == x.keep.octets + y.keep.octets);
	size_t max = both + x.keep.octets / 2;
	gw_xfr_keep_set_total_max(max);
	commit(&f, (const char *const[]){"+n39." APEX " 300 IN A 192.0.2.40", NULL}, true);
	CU_ASSERT(x.keep.full != y.keep.full);
	CU_ASSERT(gw_xfr_keep_total() > both && gw_xfr_keep_total() <= max);
	gw_xfr_deinit(&x);
	gw_xfr_deinit(&y);
	CU_ASSERT_EQUAL(gw_xfr_keep_total(), 0);
	gw_xfr_keep_set_total_max(0);

	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&x, &sent) > 0);
	commit(&f, (const char *const[]){"+n38a." APEX " 300 IN A 192.0.2.39", NULL}, false);
	CU_ASSERT_EQUAL(step(&x, &sent), GW_EBUSY);
	gw_xfr_deinit(&x);
	lines_free(&sent);
	teardown(&f);
}

/* A reader that drains slowly keeps, through every commit since its
 * transfer began, up to its own bound. At the bound of all transfers
 * together it is the one that ends, not another that must keep one name:
 * else one slow reader per few connections ends every other transfer of
 * a busy zone. */
static void test_slow_reader_makes_room(void)
{
	fixture_t f;
	setup(&f);
	lines_t sent = {0};
	uint8_t n06[ZONE_NAME_MAXLEN];
	tname(n06, "n06." APEX);
	gw_xfr_t x, y;
	CU_ASSERT_FATAL(gw_xfr_init(&x, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&x, &sent) > 0);
	/* x keeps five names it has yet to send, then sends past n06. */
	commit(&f,
	       (const char *const[]){
	           "-n35." APEX " 300 IN A 192.0.2.36", "-n36." APEX " 300 IN A 192.0.2.37",
	           "-n37." APEX " 300 IN A 192.0.2.38", "-n38." APEX " 300 IN A 192.0.2.39",
	           "-n39." APEX " 300 IN A 192.0.2.40", NULL},
	       true);
	for (int i = 0; i < 200 && !(x.done_set && zone_name_cmp(x.done, n06) >= 0); i++)
		CU_ASSERT_FATAL(step(&x, &sent) > 0);
	CU_ASSERT_FATAL(x.done_set && zone_name_cmp(x.done, n06) >= 0);
	size_t slow = x.keep.octets;
	CU_ASSERT_FATAL(slow > 0 && !x.keep.full);

	/* y begins; then a commit only y must keep (x sent n02 already),
	 * with room for less than it. */
	CU_ASSERT_FATAL(gw_xfr_init(&y, f.ref, &f.q, 1232) == GW_OK);
	CU_ASSERT_FATAL(step(&y, &sent) > 0);
	gw_xfr_keep_set_total_max(gw_xfr_keep_total() + 64);
	commit(&f, (const char *const[]){"-n02." APEX " 300 IN A 192.0.2.3", NULL}, true);
	CU_ASSERT(x.keep.full);
	CU_ASSERT_EQUAL(x.keep.octets, 0);
	CU_ASSERT(!y.keep.full);
	CU_ASSERT(y.keep.octets > 0 && y.keep.octets < slow);
	CU_ASSERT_EQUAL(gw_xfr_keep_total(), y.keep.octets);
	CU_ASSERT_EQUAL(step(&x, &sent), GW_EBUSY);
	CU_ASSERT(step(&y, &sent) > 0);
	gw_xfr_deinit(&x);
	gw_xfr_deinit(&y);
	CU_ASSERT_EQUAL(gw_xfr_keep_total(), 0);
	gw_xfr_keep_set_total_max(0);
	lines_free(&sent);
	teardown(&f);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "axfr keeps its version",
	    (gw_test_t[]){
	        {"commits during a transfer", test_keeps_its_version},
	        {"an RRset bigger than a message", test_split_rrset},
	        {"two transfers at different serials", test_two_transfers},
	        {"more change than it keeps", test_ends_when_it_cannot_keep},
	        {"a slow reader makes room for the others", test_slow_reader_makes_room},
	        {NULL, NULL},
	    });
}
