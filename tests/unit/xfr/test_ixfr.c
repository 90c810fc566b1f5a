/* gateway/xfr.c: IXFR out (RFC 1995 section 4) from the journal, read
 * back with ldns: the newest SOA first and last, one sequence per diff,
 * and applied to the zone the client had it gives the zone served; split
 * over several messages, each signed and chained (RFC 8945 5.3.1); the
 * SOA alone for an up-to-date client; AXFR form for a serial the journal
 * does not reach; the client serial read from the query. The same for an
 * NSEC3 zone, whose diffs carry the NSEC3s of new empty non-terminals. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "gateway/xfr/tsig.h"
#include "gateway/xfr/xfr.h"
#include "hidden_tsig.h"
#include "diff_util.h"
#include "zone_util.h"

#define SECRET "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="

static const char *const base_zone[] = {
    "dnssd.test. 3600 IN SOA ns.dnssd.test. host.dnssd.test. 100 3600 600 86400 300",
    "dnssd.test. 3600 IN NS ns.dnssd.test.",
    "ns.dnssd.test. 3600 IN A 192.0.2.53",
    NULL,
};

static uint32_t soa_serial_of(const ldns_rr *rr)
{
	return ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
}

/* A query for zone of type (IXFR with the client's SOA at serial in the
 * authority section), in wire form; signed with key "xfr." when sign. */
static uint8_t *query(ldns_rr_type type, uint32_t serial, bool sign, size_t *len)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&p, "dnssd.test.", type, LDNS_RR_CLASS_IN, 0) ==
	                LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 4321);
	if (type == LDNS_RR_TYPE_IXFR) {
		char soa[160];
		snprintf(
		    soa, sizeof(soa),
		    "dnssd.test. 3600 IN SOA ns.dnssd.test. host.dnssd.test. %u 3600 600 86400 300",
		    serial);
		ldns_rr *rr = trr(soa);
		CU_ASSERT_FATAL(ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr));
	}
	/* A signed request also has EDNS: each message's OPT must come before
	 * its TSIG, which must still verify. */
	if (sign) {
		ldns_pkt_set_edns_udp_size(p, 1232);
		CU_ASSERT_FATAL(ldns_pkt_tsig_sign(p, "xfr.", SECRET, 300, "hmac-sha256.", NULL) ==
		                LDNS_STATUS_OK);
	}
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, len) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

/* Run the transfer to its end with messages of at most cap octets; the
 * answer RRs in order go to rrs. With prior (the request MAC) every
 * message must verify with ldns, chained. Returns the message count. */
static unsigned run(gw_xfr_t *x, size_t cap, ldns_rr_list *rrs, ldns_rdf *prior)
{
	uint8_t *buf = malloc(65535);
	unsigned messages = 0;
	for (;;) {
		int n = gw_xfr_next(x, buf, cap);
		CU_ASSERT_FATAL(n >= 0);
		if (n == 0)
			break;
		CU_ASSERT((size_t)n <= cap);
		ldns_pkt *p = NULL;
		CU_ASSERT_FATAL(ldns_wire2pkt(&p, buf, (size_t)n) == LDNS_STATUS_OK);
		CU_ASSERT_EQUAL(ldns_pkt_qdcount(p), messages == 0 ? 1 : 0);
		CU_ASSERT(ldns_pkt_aa(p));
		/* An OPT in every message when the query had one (RFC 6891 7). */
		CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), x->opt ? 1232 : 0);
		if (prior != NULL) {
			CU_ASSERT(ldns_pkt_tsig_verify_next(p, buf, (size_t)n, "xfr.", SECRET,
			                                    prior, messages > 0));
			ldns_rdf_deep_free(prior);
			prior = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
		}
		ldns_rr_list *an = ldns_pkt_answer(p);
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++)
			ldns_rr_list_push_rr(rrs, ldns_rr_clone(ldns_rr_list_rr(an, i)));
		ldns_pkt_free(p);
		messages++;
	}
	ldns_rdf_deep_free(prior);
	free(buf);
	return messages;
}

/* Apply an IXFR answer to have (the zone text the client holds). */
static void apply_ixfr(const ldns_rr_list *rrs, lines_t *have, uint32_t newest)
{
	size_t n = ldns_rr_list_rr_count(rrs);
	CU_ASSERT_FATAL(n >= 2);
	CU_ASSERT_EQUAL(soa_serial_of(ldns_rr_list_rr(rrs, 0)), newest);
	CU_ASSERT_EQUAL(soa_serial_of(ldns_rr_list_rr(rrs, n - 1)), newest);
	bool adding = true;
	unsigned sequences = 0;
	for (size_t i = 1; i + 1 < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		char *text = rr_str(rr);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			/* A delimiter: the old SOA starts the deletions, the
			 * new one the additions; both are RRs of the zone. */
			adding = !adding;
			sequences += !adding;
		}
		if (adding) {
			lines_add(have, text);
			continue;
		}
		size_t k;
		for (k = 0; k < have->n && strcmp(have->items[k], text) != 0; k++)
			;
		CU_ASSERT(k < have->n);
		if (k < have->n) {
			free(have->items[k]);
			have->items[k] = have->items[--have->n];
		}
		free(text);
	}
	CU_ASSERT(adding);
	CU_ASSERT(sequences >= 1);
	qsort(have->items, have->n, sizeof(*have->items), cmp_str);
}

static void run_ixfr(bool nsec3)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	char dir[] = "/tmp/gw-ixfr.XXXXXX";
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	zone_t *zone = tzone("dnssd.test.", base_zone);
	sig_key_t *key = NULL;
	CU_ASSERT_FATAL(sig_key_generate(&key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK,
	                                 tname(name, "dnssd.test."), 0) == GW_OK);
	ldns_rr *dnskey = NULL;
	CU_ASSERT_FATAL(sig_key_dnskey_rr(key, 3600, &dnskey) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(zone, dnskey) == GW_OK);
	ldns_rr_free(dnskey);
	/* Enough zone that the diffs weigh less than it (else AXFR form). */
	for (int i = 0; i < 60; i++) {
		char rr[512];
		snprintf(rr, sizeof(rr), "f%d.dnssd.test. 300 IN TXT \"%0200d\"", i, i);
		ldns_rr *f = trr(rr);
		CU_ASSERT_FATAL(zone_add_rr(zone, f) == GW_OK);
		ldns_rr_free(f);
	}
	sig_signer_t signer = {.keys = &key,
	                       .key_count = 1,
	                       .apex = zone_apex(zone),
	                       .validity = 14 * 86400,
	                       .refresh = 7 * 86400,
	                       .jitter = 3600,
	                       .inception_offset = 3600};
	time_t now = time(NULL);
	zone_changeset_t cs;
	uint32_t ttl = 0;
	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	int ret = nsec3 ? sig_nsec3_update(zone, ttl, &cs) : sig_nsec_update(zone, ttl, &cs);
	CU_ASSERT_FATAL(ret == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(&signer, zone, now, true, 1, NULL) == GW_OK);

	gw_journal_t *j = NULL;
	gw_journal_opts_t opts = {.state_dir = dir, .max_entries = 100, .max_size = 1 << 24};
	CU_ASSERT_FATAL(gw_journal_open(&j, &opts, zone) == GW_OK);
	lines_t at100 = lines_of(zone);
	/* Ten services, one commit each, each with a big TXT so that the
	 * transfer needs several small messages. */
	for (int i = 0; i < 10; i++) {
		char rr[512];
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		snprintf(rr, sizeof(rr),
		         "s%d._http._tcp.dnssd.test. 10 IN SRV 0 0 80 ns.dnssd.test.", i);
		tcs_add(&cs, rr);
		snprintf(rr, sizeof(rr),
		         "s%d._http._tcp.dnssd.test. 10 IN TXT \"%0200d\" \"%0100d\"", i, i, i);
		tcs_add(&cs, rr);
		if (i == 5) {
			CU_ASSERT_FATAL(
			    zone_changeset_remove(&cs, trr("s2._http._tcp.dnssd.test. 10 IN "
			                                   "SRV 0 0 80 ns.dnssd.test.")) == GW_OK);
		}
		uint32_t serial = 0;
		CU_ASSERT_FATAL(zone_serial(zone, &serial) == GW_OK);
		zone_rrdiff_t diff = {0};
		CU_ASSERT_FATAL(sig_zone_commit(&signer, zone, &cs, now, serial + 1, NULL, &diff) ==
		                GW_OK);
		gw_journal_append(j, &diff, zone);
		zone_rrdiff_deinit(&diff);
		zone_changeset_deinit(&cs);
	}
	lines_t at110 = lines_of(zone);
	gw_zoneref_t *ref = NULL;
	CU_ASSERT_FATAL(gw_zoneref_new(&ref, zone) == GW_OK);

	/* The keyring and a signed IXFR query from serial 100. */
	const char *text = "zone: {domain: dnssd.test.}\n"
	                   "tsig-keys: [{name: xfr, secret: \"" SECRET "\"}]\n";
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	CU_ASSERT_FATAL(gw_config_parse(&cfg, "t.yaml", text, strlen(text), &errs) == GW_OK);
	gw_config_errors_deinit(&errs);
	gw_tsig_keyring_t kr;
	CU_ASSERT_FATAL(gw_tsig_keyring_init(
	                    &kr, &(gw_tsig_keyring_opts_t){cfg->tsig_keys, cfg->tsig_key_count}) ==
	                GW_OK);

	size_t len = 0;
	uint8_t *wire = query(LDNS_RR_TYPE_IXFR, 100, true, &len);
	gw_query_t q;
	uint8_t rcode = 0;
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	uint32_t client = 0;
	CU_ASSERT_EQUAL(gw_xfr_ixfr_serial(wire, len, &q, &client), GW_OK);
	CU_ASSERT_EQUAL(client, 100);
	gw_tsig_ctx_t tsig;
	CU_ASSERT_FATAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &tsig) == GW_OK);

	gw_xfr_t x;
	CU_ASSERT_FATAL(gw_xfr_init_ixfr(&x, ref, j, &q, 1232, client) == GW_OK);
	CU_ASSERT_EQUAL(x.mode, GW_XFR_IXFR);
	CU_ASSERT(x.opt);
	CU_ASSERT_PTR_NULL(x.whole_why);
	CU_ASSERT_EQUAL(x.entry_count, 10);
	gw_xfr_set_tsig(&x, &tsig);
	ldns_rr_list *rrs = ldns_rr_list_new();
	ldns_pkt *qp = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&qp, wire, len) == LDNS_STATUS_OK);
	ldns_rdf *req_mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(qp), 3));
	ldns_pkt_free(qp);
	unsigned messages = run(&x, 1200, rrs, req_mac);
	CU_ASSERT(messages >= 5);
	gw_xfr_deinit(&x);
	/* The denial the zone uses, and only that one, is in the diffs. */
	unsigned nsecs = 0, nsec3s = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(rrs, i));
		nsecs += t == LDNS_RR_TYPE_NSEC;
		nsec3s += t == LDNS_RR_TYPE_NSEC3;
	}
	CU_ASSERT(nsec3 ? nsec3s > 0 && nsecs == 0 : nsecs > 0 && nsec3s == 0);
	apply_ixfr(rrs, &at100, 110);
	CU_ASSERT_EQUAL_FATAL(at100.n, at110.n);
	for (size_t i = 0; i < at100.n; i++)
		CU_ASSERT_STRING_EQUAL(at100.items[i], at110.items[i]);
	ldns_rr_list_deep_free(rrs);
	free(wire);

	/* From serial 107: three sequences. */
	wire = query(LDNS_RR_TYPE_IXFR, 107, false, &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_FATAL(gw_xfr_init_ixfr(&x, ref, j, &q, 1232, 107) == GW_OK);
	CU_ASSERT_EQUAL(x.entry_count, 3);
	rrs = ldns_rr_list_new();
	CU_ASSERT_EQUAL(run(&x, 65535, rrs, NULL), 1);
	unsigned soas = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++)
		soas += ldns_rr_get_type(ldns_rr_list_rr(rrs, i)) == LDNS_RR_TYPE_SOA;
	CU_ASSERT_EQUAL(soas, 2 + 2 * 3);
	gw_xfr_deinit(&x);
	ldns_rr_list_deep_free(rrs);

	/* Up to date (and ahead): the SOA alone, without its RRSIG. */
	CU_ASSERT_FATAL(gw_xfr_init_ixfr(&x, ref, j, &q, 1232, 110) == GW_OK);
	CU_ASSERT_EQUAL(x.mode, GW_XFR_SOA);
	rrs = ldns_rr_list_new();
	CU_ASSERT_EQUAL(run(&x, 65535, rrs, NULL), 1);
	CU_ASSERT_EQUAL_FATAL(ldns_rr_list_rr_count(rrs), 1);
	CU_ASSERT_EQUAL(soa_serial_of(ldns_rr_list_rr(rrs, 0)), 110);
	gw_xfr_deinit(&x);
	ldns_rr_list_deep_free(rrs);
	CU_ASSERT_FATAL(gw_xfr_init_ixfr(&x, ref, j, &q, 1232, 111) == GW_OK);
	CU_ASSERT_EQUAL(x.mode, GW_XFR_SOA);
	gw_xfr_deinit(&x);

	/* A serial the journal does not know: the whole zone, AXFR form. */
	CU_ASSERT_FATAL(gw_xfr_init_ixfr(&x, ref, j, &q, 1232, 50) == GW_OK);
	CU_ASSERT_EQUAL(x.mode, GW_XFR_AXFR);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x.whole_why);
	CU_ASSERT_STRING_EQUAL(x.whole_why, "not in the journal");
	rrs = ldns_rr_list_new();
	run(&x, 65535, rrs, NULL);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(rrs), at110.n + 1);
	CU_ASSERT_EQUAL(ldns_rr_get_type(ldns_rr_list_rr(rrs, 0)), LDNS_RR_TYPE_SOA);
	gw_xfr_deinit(&x);
	ldns_rr_list_deep_free(rrs);
	free(wire);

	/* The client serial must be there. */
	wire = query(LDNS_RR_TYPE_AXFR, 0, false, &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_xfr_ixfr_serial(wire, len, &q, &client), GW_EMALFORMED);
	free(wire);

	lines_free(&at100);
	lines_free(&at110);
	gw_tsig_keyring_deinit(&kr);
	gw_config_free(cfg);
	gw_journal_close(j, ref->zone);
	gw_zoneref_put(ref);
	sig_key_free(key);
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CU_ASSERT(system(cmd) == 0);
}

static void test_ixfr(void)
{
	run_ixfr(false);
}

static void test_ixfr_nsec3(void)
{
	run_ixfr(true);
}

/* TSIG records hidden in an AFSDB's rdata after the SOA (found by
 * fuzz_peer_replies): the query reader sees none, ldns reads two and
 * leaked one; the query is refused before ldns reads it (FORMERR), where
 * the serial was taken before. */
static void test_hidden_tsig(void)
{
	size_t len = 0;
	uint8_t *wire = query(LDNS_RR_TYPE_IXFR, 100, false, &len);
	uint8_t msg[1024];
	CU_ASSERT_FATAL(len <= sizeof(msg));
	memcpy(msg, wire, len);
	free(wire);
	gw_query_t q;
	uint8_t rcode = 0;
	uint32_t client = 0;
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, msg, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_xfr_ixfr_serial(msg, len, &q, &client), GW_OK);
	CU_ASSERT_EQUAL(client, 100);
	hide_tsig(msg, &len, sizeof(msg), len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, msg, len, &rcode) == GW_OK);
	CU_ASSERT(!q.has_tsig && q.nscount == 1);
	CU_ASSERT_EQUAL(gw_xfr_ixfr_serial(msg, len, &q, &client), GW_EMALFORMED);
}

int gw_test_register(void)
{
	return gw_test_suite("ixfr", (gw_test_t[]){
	                                 {"IXFR from the journal", test_ixfr},
	                                 {"IXFR from the journal, NSEC3", test_ixfr_nsec3},
	                                 {"hidden TSIG records", test_hidden_tsig},
	                                 {NULL, NULL},
	                             });
}
