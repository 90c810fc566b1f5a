/* libFuzzer target for the query path behind the reader: gw_answer()
 * (gateway/answer.c, gateway/denial.c, gateway/response.c) on a signed
 * DNS-SD zone, once with NSEC and once with NSEC3, with DO or not, over
 * UDP sizes or TCP.
 *
 * The zones are built and signed in process from tests/data/nsec3/
 * dnssd.zone with the project's own signer, so every RRset carries its
 * RRSIGs and the denial code walks a real chain. Besides ASan and UBSan,
 * the target aborts when a reply breaks what a client relies on: it fits
 * the size it was allowed with room left for the cookie and the NSID the
 * server adds, it is a DNS message ldns can read, it answers
 * the query's ID with QR set, and with the question echoed; and each
 * record is in its section: the answer holds only the question's name
 * and the CNAME targets before it (so no proof of a wildcard hop), the
 * authority only SOA, NS, DS and the denial records with their RRSIGs,
 * and nothing over TCP is truncated. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "gateway/query/answer.h"

/* Octets after the OPT: a server cookie (its option header and 24
 * octets), an NSID of 255. */
#define COOKIE_ROOM (4 + 24)
#define NSID_ROOM   (4 + 255)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_answer: broken promise: %s (line %d)\n", #cond,      \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static zone_t *zones[2]; /* NSEC, NSEC3 */
static sig_key_t *key;

static zone_t *signed_zone(bool nsec3)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;
	ldns_rr *dnskey = NULL;
	zone_changeset_t cs;
	char err[256];
	uint32_t ttl = 0;
	size_t count = 0;

	CHECK(zone_name_from_str(apex, "dnssd.test.", NULL) > 0);
	if (zone_load_file(&zone, apex, GW_FUZZ_DATA "/nsec3/dnssd.zone", err, sizeof(err)) !=
	    GW_OK) {
		fprintf(stderr, "fuzz_answer: %s\n", err);
		abort();
	}
	if (key == NULL)
		CHECK(sig_key_generate(&key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, apex, 0) ==
		      GW_OK);
	CHECK(sig_key_dnskey_rr(key, 3600, &dnskey) == GW_OK);
	CHECK(zone_add_rr(zone, dnskey) == GW_OK);
	ldns_rr_free(dnskey);
	CHECK(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CHECK(zone_changeset_init(&cs) == GW_OK);
	CHECK((nsec3 ? sig_nsec3_update(zone, ttl, &cs) : sig_nsec_update(zone, ttl, &cs)) ==
	      GW_OK);
	CHECK(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	sig_key_t *keys[1] = {key};
	sig_signer_t signer = {.keys = keys,
	                       .key_count = 1,
	                       .apex = zone_apex(zone),
	                       .validity = 14 * 86400,
	                       .refresh = 7 * 86400,
	                       .jitter = 86400,
	                       .inception_offset = 3600};
	CHECK(sig_sign_zone(&signer, zone, time(NULL), true, 1, &count) == GW_OK);
	return zone;
}

/* Every owner in the answer section is the question's name or the target
 * of a CNAME before it (RFC 1034 4.3.2: the chain, in order), or a DNAME
 * above one of those (RFC 6672). */
static void check_answer_chain(const ldns_pkt *reply)
{
	const ldns_rr_list *qd = ldns_pkt_question(reply);
	const ldns_rr_list *an = ldns_pkt_answer(reply);
	const ldns_rdf *names[16];
	size_t count = 0;
	names[count++] = ldns_rr_owner(ldns_rr_list_rr(qd, 0));
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		bool known = false;
		bool dname =
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME ||
		    (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
		     ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == LDNS_RR_TYPE_DNAME);
		for (size_t j = 0; j < count && !known; j++)
			known = ldns_dname_compare(ldns_rr_owner(rr), names[j]) == 0 ||
			        (dname && ldns_dname_is_subdomain(names[j], ldns_rr_owner(rr)));
		CHECK(known);
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && count < 16)
			names[count++] = ldns_rr_rdf(rr, 0);
	}
}

/* The authority section: the SOA, a referral's NS and DS, proofs. */
static void check_authority_types(const ldns_pkt *reply)
{
	const ldns_rr_list *ns = ldns_pkt_authority(reply);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(ns, i));
		CHECK(t == LDNS_RR_TYPE_SOA || t == LDNS_RR_TYPE_NS || t == LDNS_RR_TYPE_DS ||
		      t == LDNS_RR_TYPE_NSEC || t == LDNS_RR_TYPE_NSEC3 || t == LDNS_RR_TYPE_RRSIG);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gw_log_set_level(GW_LOG_ERR);
	zones[0] = signed_zone(false);
	zones[1] = signed_zone(true);
	return 0;
}

/* Input: one control octet (bit 0: the NSEC3 zone; bit 1: TCP; bits 2-7:
 * our UDP payload size in steps), then the query packet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[65535];
	gw_query_t q;
	size_t outlen = 0;

	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	bool tcp = (ctl & 2) != 0;
	gw_answer_env_t env = {
	    .zone = zones[ctl & 1],
	    .udp_payload = (uint16_t)(512 + (ctl >> 2) * 56), /* 512..4040 */
	    .identity = "fuzz",
	    .version = NULL,
	    /* what the server keeps for a cookie and a 255-octet NSID */
	    .cookie_reserve = COOKIE_ROOM,
	    .nsid_reserve = NSID_ROOM,
	};
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;
	size_t outcap = tcp ? sizeof(out) : 4096;
	gw_answer_result_t r = gw_answer(&env, pkt, len, tcp, out, outcap, &outlen, &q);
	if (r != GW_ANSWER_SENT) {
		CHECK(outlen == 0);
		return 0;
	}
	CHECK(outlen >= 12 && outlen <= outcap);
	if (!tcp) {
		/* UDP: the client's size (512 without EDNS) capped by ours. */
		size_t limit = q.udp_max;
		if (limit > env.udp_payload)
			limit = env.udp_payload;
		if (limit < 512)
			limit = 512;
		CHECK(outlen <= limit);
		/* The room for what the server adds after the answerer: the
		 * cookie always, NSID where the question fits beside it. */
		if (q.has_edns && !(out[2] & 0x02)) {
			size_t room = q.has_cookie ? COOKIE_ROOM : 0;
			if (q.has_nsid &&
			    limit >= 11 + room + NSID_ROOM + 12 + (size_t)q.qname_len + 4)
				room += NSID_ROOM;
			CHECK(outlen + room <= limit);
		}
	}
	CHECK(out[0] == pkt[0] && out[1] == pkt[1]);
	CHECK((out[2] & 0x80) != 0);
	/* Over TCP every reply of this small zone fits: TC there would be a
	 * record refused for coming after a later section's (response.c). */
	if (tcp)
		CHECK((out[2] & 0x02) == 0);
	ldns_pkt *reply = NULL;
	CHECK(ldns_wire2pkt(&reply, out, outlen) == LDNS_STATUS_OK);
	if (q.qname != NULL && ldns_pkt_qdcount(reply) == 1) {
		const ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(reply), 0);
		const ldns_rdf *owner = ldns_rr_owner(question);
		CHECK(ldns_rdf_size(owner) == q.qname_len);
		CHECK(zone_name_equal(ldns_rdf_data(owner), q.qname));
		check_answer_chain(reply);
	}
	check_authority_types(reply);
	ldns_pkt_free(reply);
	return 0;
}
