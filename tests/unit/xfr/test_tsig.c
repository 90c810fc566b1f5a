/* gateway/tsig.c against ldns as the other side: requests signed by ldns
 * verify here and replies signed here verify with ldns (every message of
 * a transfer, chained), for each algorithm; wrong keys, secrets and times
 * give BADKEY, BADSIG and BADTIME with the error replies of RFC 8945
 * 5.3.2 (a signed BADTIME that ldns verifies); our signed request and its
 * reply; base64. */
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/config/config.h"
#include "gateway/config/secret.h"
#include "gateway/query/response.h"
#include "gateway/xfr/tsig.h"
#include "gateway/query/wire.h"
#include "zones/zone.h"
#include "hidden_tsig.h"

#define SECRET "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI="
#define OTHER  "b3RoZXJvdGhlcm90aGVyb3RoZXJvdGhlcm90aGVyMTI="

static gw_config_t *config_with(const char *algorithm)
{
	char text[512];
	gw_config_t *cfg = NULL;
	gw_config_errors_t errs;
	snprintf(text, sizeof(text),
	         "zone: {domain: dnssd.test.}\n"
	         "tsig-keys:\n"
	         "  - {name: xfr, algorithm: %s, secret: \"" SECRET "\"}\n"
	         "  - {name: Second.Key., secret: \"" OTHER "\"}\n",
	         algorithm);
	gw_config_errors_init(&errs);
	CU_ASSERT_FATAL(gw_config_parse(&cfg, "t.yaml", text, strlen(text), &errs) == GW_OK);
	gw_config_errors_deinit(&errs);
	return cfg;
}

/* A query signed by ldns, in wire form (caller frees). */
/* edns: with an OPT record (payload 1232) before the TSIG. */
static uint8_t *signed_query_edns(const char *type, const char *key, const char *secret,
                                  const char *alg, bool edns, size_t *len)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&p, "dnssd.test.",
	                                           ldns_get_rr_type_by_name(type), LDNS_RR_CLASS_IN,
	                                           0) == LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 777);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	if (key != NULL)
		CU_ASSERT_FATAL(ldns_pkt_tsig_sign(p, key, secret, 300, alg, NULL) ==
		                LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, len) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

static uint8_t *signed_query(const char *type, const char *key, const char *secret, const char *alg,
                             size_t *len)
{
	return signed_query_edns(type, key, secret, alg, false, len);
}

/* A reply message for q: the question (first only) and one A record. */
static size_t reply_msg(const gw_query_t *q, bool first, unsigned n, uint8_t *out, size_t cap,
                        size_t reserve)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	char name[64];
	uint8_t rdata[4] = {192, 0, 2, (uint8_t)n};
	gw_resp_t r;
	snprintf(name, sizeof(name), "h%u.dnssd.test.", n);
	CU_ASSERT_FATAL(zone_name_from_str(owner, name, NULL) > 0);
	gw_resp_init(&r, out, cap - reserve, q->id, 0x8400);
	if (first)
		CU_ASSERT_FATAL(gw_resp_put_question(&r, q->qname, q->qtype, q->qclass) == GW_OK);
	CU_ASSERT_FATAL(gw_resp_put_rr(&r, GW_SEC_ANSWER, owner, 1, 1, 60, rdata, 4) == GW_OK);
	return gw_resp_finish(&r);
}

static ldns_rdf *mac_of(const uint8_t *wire, size_t len)
{
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, wire, len) == LDNS_STATUS_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ldns_pkt_tsig(p));
	ldns_rdf *mac = ldns_rdf_clone(ldns_rr_rdf(ldns_pkt_tsig(p), 3));
	ldns_pkt_free(p);
	return mac;
}

/* ldns verifies wire (len) against prior (a MAC rdf, may be NULL). */
static bool ldns_verifies(const uint8_t *wire, size_t len, const char *key, const char *secret,
                          const ldns_rdf *prior, bool timers_only)
{
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, wire, len) == LDNS_STATUS_OK);
	bool ok = ldns_pkt_tsig_verify_next(p, wire, len, key, secret, prior, timers_only);
	ldns_pkt_free(p);
	return ok;
}

/* A request signed with key (by ldns, or here when ldns cannot), replies
 * signed here; with own, our MACs are computed by our own HMAC code and
 * must agree with ldns all the same. */
static void round_trip(const char *alg_word, const char *alg_wire, bool own)
{
	gw_config_t *cfg = config_with(alg_word);
	gw_tsig_keyring_t kr;
	CU_ASSERT_FATAL(gw_tsig_keyring_init(
	                    &kr, &(gw_tsig_keyring_opts_t){cfg->tsig_keys, cfg->tsig_key_count}) ==
	                GW_OK);
	bool ldns_can = strcmp(alg_word, "hmac-sha384") != 0;
	CU_ASSERT_EQUAL(kr.keys[0].own_mac, !ldns_can);
	size_t len = 0;
	uint8_t *wire = NULL;
	uint8_t req[1024];
	if (ldns_can) {
		wire = signed_query("AXFR", "xfr.", SECRET, alg_wire, &len);
	} else {
		gw_tsig_ctx_t sctx;
		wire = signed_query("AXFR", NULL, NULL, NULL, &len);
		memcpy(req, wire, len);
		CU_ASSERT_FATAL(gw_tsig_sign_request(&sctx, &kr.keys[0], req, &len, sizeof(req)) ==
		                GW_OK);
		uint8_t *grown = realloc(wire, len);
		CU_ASSERT_FATAL(grown != NULL);
		wire = grown;
		memcpy(wire, req, len);
	}
	kr.keys[0].own_mac = own || !ldns_can;
	gw_query_t q;
	uint8_t rcode = 0;
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_TRUE_FATAL(q.has_tsig);
	gw_tsig_ctx_t ctx;
	CU_ASSERT_EQUAL_FATAL(gw_tsig_verify_request(&kr, wire, len, &q, time(NULL), &ctx), GW_OK);
	CU_ASSERT_PTR_EQUAL(ctx.key, &kr.keys[0]);
	/* owner "xfr.", fixed fields, algorithm, time/fudge/size, MAC,
	 * ID/error/length, six octets of other data */
	CU_ASSERT_EQUAL(gw_tsig_room(&ctx),
	                5 + 10 + strlen(alg_wire) + 1 + 10 + kr.keys[0].mac_len + 12);

	/* Three messages of a transfer; ldns checks each against the MAC
	 * before it, the first against the request's. */
	ldns_rdf *prior = mac_of(wire, len);
	gw_tsig_ctx_t first = ctx;
	for (unsigned i = 0; i < 3; i++) {
		uint8_t msg[2048];
		size_t n = reply_msg(&q, i == 0, i, msg, sizeof(msg), gw_tsig_room(&ctx));
		CU_ASSERT_EQUAL_FATAL(gw_tsig_sign_reply(&ctx, msg, &n, sizeof(msg)), GW_OK);
		if (ldns_can) {
			CU_ASSERT(ldns_verifies(msg, n, "xfr.", SECRET, prior, i > 0));
			/* ... and not with the wrong chain or the wrong secret */
			CU_ASSERT(!ldns_verifies(msg, n, "xfr.", OTHER, prior, i > 0));
			CU_ASSERT(!ldns_verifies(msg, n, "xfr.", SECRET, NULL, i > 0));
		} else if (i == 0) {
			/* The first reply, as the client checks it. */
			CU_ASSERT_EQUAL(gw_tsig_verify_reply(&first, msg, n, time(NULL)), GW_OK);
			msg[n - 20] ^= 1;
			CU_ASSERT_EQUAL(gw_tsig_verify_reply(&first, msg, n, time(NULL)), GW_EPERM);
		}
		ldns_rdf_deep_free(prior);
		prior = mac_of(msg, n);
	}
	ldns_rdf_deep_free(prior);
	free(wire);
	gw_tsig_keyring_deinit(&kr);
	gw_config_free(cfg);
}

static void test_round_trip(void)
{
	round_trip("hmac-sha256", "hmac-sha256.", false);
	round_trip("hmac-sha256", "hmac-sha256.", true);
	round_trip("hmac-sha512", "hmac-sha512.", false);
	round_trip("hmac-sha512", "hmac-sha512.", true);
	round_trip("hmac-sha1", "hmac-sha1.", false);
	round_trip("hmac-sha1", "hmac-sha1.", true);
	round_trip("hmac-sha384", "hmac-sha384.", true);
}

/* Parse an error reply: rcode, TSIG error, MAC size, other length. */
static void error_fields(const uint8_t *wire, size_t len, unsigned *rcode, unsigned *error,
                         size_t *mac_size, size_t *other_len)
{
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, wire, len) == LDNS_STATUS_OK);
	ldns_rr *t = ldns_pkt_tsig(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	*rcode = ldns_pkt_get_rcode(p);
	*error = ldns_rdf2native_int16(ldns_rr_rdf(t, 5));
	*mac_size = ldns_rdf_size(ldns_rr_rdf(t, 3)) - 2;
	*other_len = ldns_rdf_size(ldns_rr_rdf(t, 6)) - 2;
	ldns_pkt_free(p);
}

static void test_errors(void)
{
	gw_config_t *cfg = config_with("hmac-sha256");
	gw_tsig_keyring_t kr;
	CU_ASSERT_FATAL(gw_tsig_keyring_init(
	                    &kr, &(gw_tsig_keyring_opts_t){cfg->tsig_keys, cfg->tsig_key_count}) ==
	                GW_OK);
	gw_query_t q;
	gw_tsig_ctx_t ctx;
	uint8_t rcode = 0, out[1024];
	unsigned rc, err;
	size_t mac, other, len = 0;
	time_t now = time(NULL);

	/* Wrong secret: BADSIG, unsigned reply. */
	uint8_t *wire = signed_query("AXFR", "xfr.", OTHER, "hmac-sha256.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_EPERM);
	CU_ASSERT_EQUAL(ctx.error, GW_TSIG_BADSIG);
	CU_ASSERT_PTR_NULL(ctx.key);
	size_t n = gw_tsig_error_reply(&ctx, &q, now, 1232, out, sizeof(out));
	CU_ASSERT_FATAL(n > 0);
	error_fields(out, n, &rc, &err, &mac, &other);
	CU_ASSERT_EQUAL(rc, 9);
	CU_ASSERT_EQUAL(err, GW_TSIG_BADSIG);
	CU_ASSERT_EQUAL(mac, 0);
	free(wire);

	/* Unknown key, and a known name with another algorithm: BADKEY. */
	wire = signed_query("AXFR", "nokey.", SECRET, "hmac-sha256.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_EPERM);
	CU_ASSERT_EQUAL(ctx.error, GW_TSIG_BADKEY);
	CU_ASSERT_STRING_EQUAL(ctx.key_text, "nokey.");
	n = gw_tsig_error_reply(&ctx, &q, now, 1232, out, sizeof(out));
	error_fields(out, n, &rc, &err, &mac, &other);
	CU_ASSERT_EQUAL(err, GW_TSIG_BADKEY);
	free(wire);
	wire = signed_query("AXFR", "xfr.", SECRET, "hmac-sha512.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_EPERM);
	CU_ASSERT_EQUAL(ctx.error, GW_TSIG_BADKEY);
	free(wire);

	/* The second key, named in another letter case. */
	wire = signed_query("IXFR", "second.key.", OTHER, "hmac-sha256.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_OK);
	CU_ASSERT_EQUAL(ctx.key->index, 1);
	free(wire);

	/* Ten minutes later: BADTIME, signed, with our time in Other Data,
	 * and ldns verifies that MAC (request MAC, reply, error, other). */
	wire = signed_query("AXFR", "xfr.", SECRET, "hmac-sha256.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now + 600, &ctx), GW_EPERM);
	CU_ASSERT_EQUAL(ctx.error, GW_TSIG_BADTIME);
	n = gw_tsig_error_reply(&ctx, &q, now + 600, 1232, out, sizeof(out));
	error_fields(out, n, &rc, &err, &mac, &other);
	CU_ASSERT_EQUAL(rc, 9);
	CU_ASSERT_EQUAL(err, GW_TSIG_BADTIME);
	CU_ASSERT_EQUAL(mac, 32);
	CU_ASSERT_EQUAL(other, 6);
	ldns_rdf *req_mac = mac_of(wire, len);
	CU_ASSERT(ldns_verifies(out, n, "xfr.", SECRET, req_mac, false));
	out[n - 1] ^= 1; /* the last octet of Other Data */
	CU_ASSERT(!ldns_verifies(out, n, "xfr.", SECRET, req_mac, false));
	ldns_rdf_deep_free(req_mac);
	free(wire);

	/* A request with EDNS gets an OPT in the error reply too (RFC 6891
	 * 7), before the TSIG, which still verifies (BADTIME). */
	for (int late = 0; late <= 1; late++) {
		time_t at = now + (late ? 600 : 0);
		wire = signed_query_edns("AXFR", late ? "xfr." : "nokey.", SECRET, "hmac-sha256.",
		                         true, &len);
		CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
		CU_ASSERT_FATAL(q.has_edns);
		CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, at, &ctx), GW_EPERM);
		n = gw_tsig_error_reply(&ctx, &q, at, 1400, out, sizeof(out));
		CU_ASSERT_FATAL(n > 0);
		ldns_pkt *p = NULL;
		CU_ASSERT_FATAL(ldns_wire2pkt(&p, out, n) == LDNS_STATUS_OK);
		CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), 1400);
		CU_ASSERT_PTR_NOT_NULL(ldns_pkt_tsig(p));
		ldns_pkt_free(p);
		error_fields(out, n, &rc, &err, &mac, &other);
		CU_ASSERT_EQUAL(rc, 9);
		CU_ASSERT_EQUAL(err, late ? GW_TSIG_BADTIME : GW_TSIG_BADKEY);
		if (late) {
			req_mac = mac_of(wire, len);
			CU_ASSERT(ldns_verifies(out, n, "xfr.", SECRET, req_mac, false));
			ldns_rdf_deep_free(req_mac);
		}
		free(wire);
	}

	/* A request whose TSIG is not the last RR does not parse. */
	wire = signed_query("AXFR", NULL, NULL, NULL, &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_FALSE(q.has_tsig);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_EMALFORMED);
	free(wire);

	/* A question for type TSIG is no TSIG record: the request verifies
	 * (fuzz_tsig). */
	wire = signed_query("TSIG", "xfr.", SECRET, "hmac-sha256.", &len);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, wire, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, wire, len, &q, now, &ctx), GW_OK);
	free(wire);

	/* A signed request with TSIG records hidden in an AFSDB before its
	 * TSIG (found by fuzz_peer_replies): the query reader sees the last
	 * one only, ldns read two others and leaked one, from anyone and
	 * before any key was looked at. Refused before ldns reads it
	 * (FORMERR), where it was BADSIG. */
	wire = signed_query("AXFR", "xfr.", SECRET, "hmac-sha256.", &len);
	uint8_t msg[1024];
	CU_ASSERT_FATAL(len <= sizeof(msg));
	memcpy(msg, wire, len);
	free(wire);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, msg, len, &rcode) == GW_OK);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, msg, len, &q, now, &ctx), GW_OK);
	hide_tsig(msg, &len, sizeof(msg), q.tsig_offset);
	CU_ASSERT_FATAL(gw_wire_parse_query(&q, msg, len, &rcode) == GW_OK);
	CU_ASSERT(q.has_tsig);
	CU_ASSERT_EQUAL(gw_tsig_verify_request(&kr, msg, len, &q, now, &ctx), GW_EMALFORMED);
	gw_tsig_keyring_deinit(&kr);
	gw_config_free(cfg);
}

/* NOTIFY out: we sign, ldns answers signed over our MAC, we verify; own
 * computes our MACs with our own code. */
static void request_and_reply(bool own)
{
	gw_config_t *cfg = config_with("hmac-sha256");
	gw_tsig_keyring_t kr;
	CU_ASSERT_FATAL(gw_tsig_keyring_init(
	                    &kr, &(gw_tsig_keyring_opts_t){cfg->tsig_keys, cfg->tsig_key_count}) ==
	                GW_OK);
	kr.keys[0].own_mac = own;
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&p, "dnssd.test.", LDNS_RR_TYPE_SOA,
	                                           LDNS_RR_CLASS_IN, LDNS_AA) == LDNS_STATUS_OK);
	ldns_pkt_set_opcode(p, LDNS_PACKET_NOTIFY);
	ldns_pkt_set_id(p, 99);
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, &wlen) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	uint8_t msg[1024];
	size_t len = wlen;
	memcpy(msg, wire, wlen);
	free(wire);
	gw_tsig_ctx_t ctx;
	CU_ASSERT_EQUAL_FATAL(gw_tsig_sign_request(&ctx, &kr.keys[0], msg, &len, sizeof(msg)),
	                      GW_OK);
	size_t tsig_len = len - wlen; /* the reply's TSIG record is as long */
	CU_ASSERT(ldns_verifies(msg, len, "xfr.", SECRET, NULL, false));

	/* The secondary's answer, signed by ldns over our MAC. */
	ldns_rdf *req_mac = mac_of(msg, len);
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, msg, len) == LDNS_STATUS_OK);
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	ldns_pkt_set_qr(p, true);
	CU_ASSERT_FATAL(ldns_pkt_tsig_sign(p, "xfr.", SECRET, 300, "hmac-sha256.", req_mac) ==
	                LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, &wlen) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	CU_ASSERT_EQUAL(gw_tsig_verify_reply(&ctx, wire, wlen, time(NULL)), GW_OK);
	/* Its TSIG record three times (found by fuzz_tsig): refused before
	 * ldns reads it, which would leak one (ldns drops a TSIG record from
	 * ARCOUNT as it reads it, so the third one makes it read the second;
	 * the ASan build checks). */
	uint8_t thrice[1024];
	CU_ASSERT_FATAL(wlen + 2 * tsig_len <= sizeof(thrice) && tsig_len < wlen);
	memcpy(thrice, wire, wlen);
	memcpy(thrice + wlen, wire + wlen - tsig_len, tsig_len);
	memcpy(thrice + wlen + tsig_len, wire + wlen - tsig_len, tsig_len);
	thrice[11] += 2;
	CU_ASSERT_EQUAL(gw_tsig_verify_reply(&ctx, thrice, wlen + 2 * tsig_len, time(NULL)),
	                GW_EPERM);
	CU_ASSERT_EQUAL(gw_tsig_verify_reply(&ctx, wire, wlen, time(NULL) + 1000), GW_EPERM);
	wire[wlen - 10] ^= 0x40; /* inside the MAC */
	CU_ASSERT_EQUAL(gw_tsig_verify_reply(&ctx, wire, wlen, time(NULL)), GW_EPERM);
	free(wire);

	/* An unsigned answer does not do. */
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, msg, len) == LDNS_STATUS_OK);
	ldns_rr_free(ldns_pkt_tsig(p));
	ldns_pkt_set_tsig(p, NULL);
	ldns_pkt_set_qr(p, true);
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, &wlen) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	CU_ASSERT_EQUAL(gw_tsig_verify_reply(&ctx, wire, wlen, time(NULL)), GW_EPERM);
	free(wire);
	ldns_rdf_deep_free(req_mac);
	gw_tsig_keyring_deinit(&kr);
	gw_config_free(cfg);
}

static void test_request_and_reply(void)
{
	request_and_reply(false);
	request_and_reply(true);
}

static void test_base64(void)
{
	uint8_t out[64];
	CU_ASSERT_EQUAL(gw_config_secret_decode("", 0, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9v", 4, out, sizeof(out)), 3);
	CU_ASSERT_EQUAL(memcmp(out, "foo", 3), 0);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9vYg==", 8, out, sizeof(out)), 4);
	CU_ASSERT_EQUAL(memcmp(out, "foob", 4), 0);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9vYmE=", 8, out, sizeof(out)), 5);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9v\nYmFy", 9, out, sizeof(out)), 6);
	CU_ASSERT_EQUAL(memcmp(out, "foobar", 6), 0);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9vYg", 6, out, sizeof(out)), GW_EPARSE);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9vYh==", 8, out, sizeof(out)), GW_EPARSE);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm=9", 4, out, sizeof(out)), GW_EPARSE);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9v====", 8, out, sizeof(out)), GW_EPARSE);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9*", 4, out, sizeof(out)), GW_EPARSE);
	CU_ASSERT_EQUAL(gw_config_secret_decode("Zm9vYmFy", 8, out, 5), GW_ESPACE);
}

int gw_test_register(void)
{
	return gw_test_suite("tsig", (gw_test_t[]){
	                                 {"round trip with ldns", test_round_trip},
	                                 {"errors", test_errors},
	                                 {"request and reply", test_request_and_reply},
	                                 {"base64", test_base64},
	                                 {NULL, NULL},
	                             });
}
