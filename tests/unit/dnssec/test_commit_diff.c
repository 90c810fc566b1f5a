/* The diff a commit reports (sig_zone_commit(), sig_zone_refresh(),
 * zone_commit()): applied to the zone before, it gives the zone after,
 * every RR accounted for (data, NSEC or NSEC3, RRSIG, DNSKEY, the SOA),
 * the old and the new SOA first. Over NSEC, NSEC3 and unsigned zones,
 * with delegations that come and go (glue losing and regaining
 * signatures), SOA TTL and MINIMUM changes (every NSEC TTL), RRset TTL
 * changes, refreshes (whole, and in parts); and no diff from a commit
 * that fails. */
#include <stdlib.h>
#include <string.h>

#include "diff_util.h"
#include "dnssec/dnssec.h"
#include "zone_util.h"

#define APEX "example."

static const char *const base_zone[] = {
    "example. 3600 IN SOA ns.example. host.example. 100 3600 600 86400 300",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    "www.example. 300 IN A 192.0.2.80",
    "a.sub.example. 300 IN A 192.0.2.81",
    "b.sub.example. 300 IN TXT \"below a future cut\"",
    NULL,
};

typedef enum { UNSIGNED, NSEC, NSEC3 } denial_t;

typedef struct fixture {
	zone_t *zone;
	sig_key_t *key;
	sig_signer_t signer;
	time_t now;
	size_t refresh_max; /* a refresh's bound (sig_zone_refresh()'s max) */
} fixture_t;

static void fixture_init(fixture_t *f, denial_t denial)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_changeset_t cs;
	uint32_t ttl = 0;
	ldns_rr *rr = NULL;

	memset(f, 0, sizeof(*f));
	f->zone = tzone(APEX, base_zone);
	f->now = 1767225600; /* 2026-01-01 */
	if (denial == UNSIGNED)
		return;
	CU_ASSERT_FATAL(sig_key_generate(&f->key, SIG_ALG_ED25519, SIG_ROLE_CSK, tname(apex, APEX),
	                                 0) == GW_OK);
	CU_ASSERT_FATAL(sig_key_dnskey_rr(f->key, 3600, &rr) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(f->zone, rr) == GW_OK);
	ldns_rr_free(rr);
	f->signer = (sig_signer_t){.keys = &f->key,
	                           .key_count = 1,
	                           .apex = zone_apex(f->zone),
	                           .validity = 14 * 86400,
	                           .refresh = 7 * 86400,
	                           .jitter = 86400,
	                           .inception_offset = 3600};
	CU_ASSERT_FATAL(sig_nsec_ttl(f->zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL((denial == NSEC3 ? sig_nsec3_update(f->zone, ttl, &cs)
	                                 : sig_nsec_update(f->zone, ttl, &cs)) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(f->zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(&f->signer, f->zone, f->now, true, 1, NULL) == GW_OK);
}

static void fixture_deinit(fixture_t *f)
{
	zone_free(f->zone);
	sig_key_free(f->key);
}

static uint32_t serial_of(const zone_t *zone)
{
	uint32_t s = 0;
	CU_ASSERT(zone_serial(zone, &s) == GW_OK);
	return s;
}

/* Lines of the diff of one type (text, e.g. "NSEC") on one side. */
static unsigned count_type(const zone_rrdiff_t *d, bool added, const char *type)
{
	char tab[32];
	unsigned n = 0;
	size_t pos = 0;

	snprintf(tab, sizeof(tab), "\t%s\t", type);
	for (uint32_t i = 0; i < d->removed + d->added; i++) {
		char *line = tdiff_line(d->data, d->size, &pos);
		if ((i >= d->removed) == added && strstr(line, tab) != NULL)
			n++;
		free(line);
	}
	return n;
}

/* Commit cs (NULL: a refresh at f->now) and check the diff against the
 * zone before and after. The diff is left in d (caller deinitialises). */
static int commit_checked(fixture_t *f, const zone_changeset_t *cs, zone_rrdiff_t *d)
{
	lines_t before = lines_of(f->zone);
	uint32_t serial = serial_of(f->zone) + 1;
	int ret;

	if (cs == NULL)
		ret = sig_zone_refresh(&f->signer, f->zone, f->now, 2, f->refresh_max, serial, NULL,
		                       d);
	else if (f->key != NULL)
		ret = sig_zone_commit(&f->signer, f->zone, cs, f->now, serial, NULL, d);
	else
		ret = zone_commit(f->zone, cs, serial, d);
	if (ret == GW_OK && cs == NULL && serial_of(f->zone) == serial - 1) {
		/* A refresh with nothing due: no change at all. */
		lines_t after = lines_of(f->zone);
		CU_ASSERT_EQUAL(after.n, before.n);
		CU_ASSERT_EQUAL(d->removed + d->added, 0);
		lines_free(&after);
	} else if (ret == GW_OK) {
		lines_t after = lines_of(f->zone);
		CU_ASSERT_EQUAL(serial_of(f->zone), serial);
		CU_ASSERT(tdiff_exact(d->data, d->size, d->removed, d->added, &before, &after));
		lines_free(&after);
	} else {
		lines_t after = lines_of(f->zone);
		/* A failed commit: the zone as before, no diff. */
		CU_ASSERT_EQUAL(after.n, before.n);
		for (size_t i = 0; i < before.n && i < after.n; i++)
			CU_ASSERT_STRING_EQUAL(after.items[i], before.items[i]);
		CU_ASSERT_EQUAL(d->removed + d->added, 0);
		lines_free(&after);
	}
	lines_free(&before);
	return ret;
}

/* A changeset from text RRs, "-" in front for a removal. */
static void make_cs(zone_changeset_t *cs, const char *const *rrs)
{
	CU_ASSERT_FATAL(zone_changeset_init(cs) == GW_OK);
	for (; *rrs != NULL; rrs++) {
		if ((*rrs)[0] == '-')
			tcs_remove(cs, *rrs + 1);
		else
			tcs_add(cs, *rrs);
	}
}

static void commit_rrs(fixture_t *f, const char *const *rrs, zone_rrdiff_t *d)
{
	zone_changeset_t cs;
	make_cs(&cs, rrs);
	CU_ASSERT_FATAL(commit_checked(f, &cs, d) == GW_OK);
	zone_changeset_deinit(&cs);
}

/* Scripted changes: each kind of change the signer makes around a
 * commit, with what the diff must hold. */
static void run_cases(denial_t denial)
{
	fixture_t f;
	zone_rrdiff_t d = {0};
	const char *chain = denial == NSEC3 ? "NSEC3" : "NSEC";
	bool sign = denial != UNSIGNED;

	fixture_init(&f, denial);
	size_t names = zone_node_count(f.zone) - (denial == NSEC3 ? zone_hashed_count(f.zone) : 0);

	/* A service: new data, new chain links, their signatures. */
	commit_rrs(&f,
	           (const char *const[]){"s1._http._tcp.example. 10 IN SRV 0 0 80 www.example.",
	                                 "_http._tcp.example. 10 IN PTR s1._http._tcp.example.",
	                                 NULL},
	           &d);
	CU_ASSERT_EQUAL(count_type(&d, true, "SRV"), 1);
	CU_ASSERT_EQUAL(count_type(&d, true, "PTR"), 1);
	CU_ASSERT_EQUAL(count_type(&d, false, "SOA"), 1);
	CU_ASSERT_EQUAL(count_type(&d, true, "SOA"), 1);
	if (sign) {
		CU_ASSERT(count_type(&d, true, chain) >= 2);
		CU_ASSERT(count_type(&d, false, chain) >= 1);
		CU_ASSERT(count_type(&d, true, "RRSIG") >= 4);
	}

	/* An RRset's TTL: every RR of it and its signatures go and come. */
	commit_rrs(&f, (const char *const[]){"www.example. 600 IN A 192.0.2.80", NULL}, &d);
	CU_ASSERT_EQUAL(count_type(&d, false, "A"), 1);
	CU_ASSERT_EQUAL(count_type(&d, true, "A"), 1);

	/* A delegation over sub: the names below turn into glue (their
	 * signatures and chain links go); then it goes again. */
	commit_rrs(&f,
	           (const char *const[]){"sub.example. 3600 IN NS ns.sub.example.",
	                                 "ns.sub.example. 3600 IN A 198.51.100.1", NULL},
	           &d);
	CU_ASSERT_EQUAL(count_type(&d, true, "NS"), 1);
	if (sign) {
		CU_ASSERT(count_type(&d, false, "RRSIG") >= 3);
		CU_ASSERT(count_type(&d, false, chain) >= 2);
	}
	commit_rrs(&f, (const char *const[]){"-sub.example. 3600 IN NS ns.sub.example.", NULL}, &d);
	if (sign)
		CU_ASSERT(count_type(&d, true, "RRSIG") >= 4);

	/* A new SOA TTL and MINIMUM: every NSEC or NSEC3 TTL changes. */
	const zone_node_t *apex = zone_apex_node(f.zone);
	const zone_rrset_t *soa = zone_node_rrset(apex, LDNS_RR_TYPE_SOA);
	ldns_rr *old = NULL;
	CU_ASSERT_FATAL(zone_rr_to_ldns(&old, apex, soa, soa->rdata + 2,
	                                (uint16_t)(soa->rdata_len - 2)) == GW_OK);
	char text[160];
	snprintf(text, sizeof(text),
	         "example. 1800 IN SOA ns.example. host.example. %u 3600 600 86400 120",
	         serial_of(f.zone));
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, old) == GW_OK);
	tcs_add(&cs, text);
	CU_ASSERT_FATAL(commit_checked(&f, &cs, &d) == GW_OK);
	zone_changeset_deinit(&cs);
	size_t now_names =
	    zone_node_count(f.zone) - (denial == NSEC3 ? zone_hashed_count(f.zone) : 0);
	if (sign) {
		CU_ASSERT(now_names > names);
		CU_ASSERT(count_type(&d, false, chain) >= names);
		CU_ASSERT_EQUAL(count_type(&d, false, chain), count_type(&d, true, chain));
	}

	/* The DNSKEY: a new TTL re-signs it. */
	if (sign) {
		ldns_rr *key = NULL;
		CU_ASSERT_FATAL(sig_key_dnskey_rr(f.key, 7200, &key) == GW_OK);
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		CU_ASSERT_FATAL(zone_changeset_add(&cs, key) == GW_OK);
		CU_ASSERT_FATAL(commit_checked(&f, &cs, &d) == GW_OK);
		zone_changeset_deinit(&cs);
		CU_ASSERT_EQUAL(count_type(&d, false, "DNSKEY"), 1);
		CU_ASSERT_EQUAL(count_type(&d, true, "DNSKEY"), 1);
	}

	/* A change the zone refuses (CNAME beside other data): no change,
	 * no diff. */
	zone_rrdiff_deinit(&d);
	make_cs(&cs, (const char *const[]){"www.example. 10 IN CNAME ns.example.", NULL});
	CU_ASSERT(commit_checked(&f, &cs, &d) == GW_ESEMANTIC);
	zone_changeset_deinit(&cs);

	if (sign) {
		char err[256];
		/* Nothing falls due yet: a refresh changes nothing. */
		size_t n = 1;
		uint32_t serial = serial_of(f.zone);
		CU_ASSERT(sig_zone_refresh(&f.signer, f.zone, f.now, 1, 0, serial + 1, &n, &d) ==
		          GW_OK);
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_EQUAL(serial_of(f.zone), serial);
		CU_ASSERT_EQUAL(d.removed + d.added, 0);
		/* Eight days on, everything does: each signature is replaced. */
		f.now += 8 * 86400;
		size_t rrsigs = 0;
		for (const zone_node_t *node = zone_first(f.zone); node != NULL;
		     node = zone_next(f.zone, node))
			for (uint16_t i = 0; i < node->rrset_count; i++)
				rrsigs += node->rrsets[i].sig_count;
		CU_ASSERT_FATAL(commit_checked(&f, NULL, &d) == GW_OK);
		CU_ASSERT_EQUAL(count_type(&d, false, "RRSIG"), rrsigs);
		CU_ASSERT_EQUAL(count_type(&d, true, "RRSIG"), rrsigs);
		CU_ASSERT_EQUAL(d.removed, rrsigs + 1);
		CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) == GW_OK);
	}
	zone_rrdiff_deinit(&d);
	fixture_deinit(&f);
}

/* RRsets that need signing at f->now. */
static size_t due_count(const fixture_t *f)
{
	size_t n = 0;
	for (const zone_node_t *node = zone_first(f->zone); node != NULL;
	     node = zone_next(f->zone, node))
		for (uint16_t i = 0; i < node->rrset_count; i++)
			n += node->rrsets[i].sig_count > 0 &&
			     sig_rrset_needs_signing(&f->signer, &node->rrsets[i], f->now);
	return n;
}

/* The wall clock set forward past every signature: a refresh with a
 * bound re-signs the zone in parts, each a commit with its own serial
 * and an exact diff, at most the bound (a node's RRsets whole, the SOA
 * on top) and at least what is due up to it, until nothing is due; the
 * zone verifies at the end. */
static void run_parts(denial_t denial)
{
	fixture_t f;
	char err[256];
	fixture_init(&f, denial);
	f.now += 20 * 86400;
	size_t due = due_count(&f);
	CU_ASSERT_FATAL(due >= 8);
	CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) != GW_OK);
	f.refresh_max = 2;
	unsigned parts = 0;
	for (;;) {
		zone_rrdiff_t d = {0};
		uint32_t serial = serial_of(f.zone);
		size_t before = due_count(&f);
		CU_ASSERT_FATAL(commit_checked(&f, NULL, &d) == GW_OK);
		size_t after = due_count(&f);
		zone_rrdiff_deinit(&d);
		if (before == 0) {
			CU_ASSERT_EQUAL(serial_of(f.zone), serial);
			break;
		}
		parts++;
		CU_ASSERT_EQUAL(serial_of(f.zone), serial + 1);
		/* The bound, or every RRset due when fewer; the apex node (SOA,
		 * NS, DNSKEY, NSEC) is the widest. */
		CU_ASSERT(before - after >= (before < 2 ? before : 2));
		CU_ASSERT(before - after <= 2 + 4);
		CU_ASSERT_FATAL(parts <= due);
	}
	CU_ASSERT(parts >= 3);
	CU_ASSERT(parts < due);
	CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) == GW_OK);
	fixture_deinit(&f);
}

static void test_parts_nsec(void)
{
	run_parts(NSEC);
}

static void test_parts_nsec3(void)
{
	run_parts(NSEC3);
}

/* A random stream over a small name space: services come and go (and
 * with them empty non-terminals), TTLs change, delegations with glue come
 * and go, now and then the SOA or a refresh. Every diff exact. */
static void run_stream(denial_t denial, unsigned steps)
{
	static const char *const templates[] = {
	    "i%u._ipp._tcp.lan%u.example. 10 IN SRV 0 0 631 h%u.lan%u.example.",
	    "_ipp._tcp.lan%u.example. 10 IN PTR i%u._ipp._tcp.lan%u.example.",
	    "h%u.lan%u.example. 10 IN AAAA 2001:db8::%u",
	    "t%u.lan%u.example. %u IN TXT \"x\"",
	    "cut%u.example. 3600 IN NS ns.cut%u.example.",
	    "ns.cut%u.example. 3600 IN A 198.51.100.%u",
	    "deep.x%u.cut%u.example. 3600 IN A 198.51.100.%u",
	};
	fixture_t f;
	unsigned seed = 7;
	unsigned done = 0;
	unsigned refreshed = 0;

	fixture_init(&f, denial);
	for (unsigned step = 0; step < steps; step++) {
		zone_changeset_t cs;
		zone_rrdiff_t d = {0};
		char text[200];
		bool refresh = denial != UNSIGNED && step % 23 == 22;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		for (int k = rand_r(&seed) % 4; !refresh && k >= 0; k--) {
			unsigned a = (unsigned)rand_r(&seed) % 4;
			unsigned b = (unsigned)rand_r(&seed) % 3;
			unsigned t = (unsigned)rand_r(&seed) % 7;
			switch (t) {
			case 0:
			case 2:
				snprintf(text, sizeof(text), templates[t], a, b, a, b);
				break;
			case 1:
				snprintf(text, sizeof(text), templates[t], b, a, b);
				break;
			case 3:
				snprintf(text, sizeof(text), templates[t], a, b, 10 + a % 2);
				break;
			default:
				snprintf(text, sizeof(text), templates[t], b, b, a + 1);
				break;
			}
			if (rand_r(&seed) % 5 < 2)
				tcs_remove(&cs, text);
			else
				tcs_add(&cs, text);
		}
		if (!refresh && rand_r(&seed) % 40 == 0) {
			snprintf(
			    text, sizeof(text),
			    "example. %d IN SOA ns.example. host.example. %u 3600 600 86400 %d",
			    3000 + rand_r(&seed) % 2, serial_of(f.zone),
			    100 + rand_r(&seed) % 3 * 50);
			const zone_node_t *apex = zone_apex_node(f.zone);
			const zone_rrset_t *soa = zone_node_rrset(apex, LDNS_RR_TYPE_SOA);
			ldns_rr *old = NULL;
			CU_ASSERT_FATAL(zone_rr_to_ldns(&old, apex, soa, soa->rdata + 2,
			                                (uint16_t)(soa->rdata_len - 2)) == GW_OK);
			CU_ASSERT_FATAL(zone_changeset_remove(&cs, old) == GW_OK);
			tcs_add(&cs, text);
		}
		if (refresh)
			f.now += 3 * 86400 + rand_r(&seed) % 86400;
		uint32_t serial = serial_of(f.zone);
		int ret = commit_checked(&f, refresh ? NULL : &cs, &d);
		if (ret == GW_OK && serial_of(f.zone) != serial) {
			done++;
			refreshed += refresh;
		}
		zone_changeset_deinit(&cs);
		zone_rrdiff_deinit(&d);
	}
	CU_ASSERT(done > steps / 2);
	if (denial != UNSIGNED) {
		CU_ASSERT(refreshed >= steps / 23 / 2);
		char err[256];
		CU_ASSERT(sig_verify_zone(f.zone, &f.key, 1, f.now, err, sizeof(err)) == GW_OK);
	}
	fixture_deinit(&f);
}

static void test_cases_nsec(void)
{
	run_cases(NSEC);
}

static void test_cases_nsec3(void)
{
	run_cases(NSEC3);
}

static void test_cases_unsigned(void)
{
	run_cases(UNSIGNED);
}

static void test_stream_nsec(void)
{
	run_stream(NSEC, 400);
}

static void test_stream_nsec3(void)
{
	run_stream(NSEC3, 400);
}

static void test_stream_unsigned(void)
{
	run_stream(UNSIGNED, 200);
}

int gw_test_register(void)
{
	return gw_test_suite("commit diff", (gw_test_t[]){
	                                        {"cases, NSEC", test_cases_nsec},
	                                        {"cases, NSEC3", test_cases_nsec3},
	                                        {"cases, unsigned", test_cases_unsigned},
	                                        {"a refresh in parts, NSEC", test_parts_nsec},
	                                        {"a refresh in parts, NSEC3", test_parts_nsec3},
	                                        {"random stream, NSEC", test_stream_nsec},
	                                        {"random stream, NSEC3", test_stream_nsec3},
	                                        {"random stream, unsigned", test_stream_unsigned},
	                                        {NULL, NULL},
	                                    });
}
