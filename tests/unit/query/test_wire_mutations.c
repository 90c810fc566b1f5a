/* gateway/query/wire.c: random mutations of valid packets (the corpus's,
 * and one ldns writes with options, compression and TSIG) must never make
 * the strict reader step outside the packet (each sits in a heap block of
 * its exact size, so ASan sees any overread) nor accept a question that is
 * not inside it; what it accepts, ldns reads the same way. */
#include <stdbool.h>
#include <stdint.h>

#include "wire_util.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
	/* xorshift64*: the same sequence on every platform and libc. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Independent check of an accepted question name: labels up to 63, no
 * pointer, the root exactly at qname_len, all inside [pkt, pkt + len). */
static bool qname_sane(const gw_query_t *q, const uint8_t *pkt, size_t len)
{
	if (q->qname < pkt + DNS_HEADER_LEN || q->qname_len < 1 || q->qname_len > DNS_NAME_MAXLEN ||
	    (size_t)(q->qname - pkt) + q->qname_len > len)
		return false;
	size_t i = 0;
	while (q->qname[i] != 0) {
		if (q->qname[i] > 63)
			return false;
		i += 1 + (size_t)q->qname[i];
		if (i >= q->qname_len)
			return false;
	}
	return i + 1 == q->qname_len &&
	       q->question_end == (size_t)(q->qname - pkt) + q->qname_len + 4 &&
	       q->question_end <= len;
}

static void mutate(uint8_t *buf, size_t *len, size_t cap)
{
	static const uint8_t interesting[] = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80,
	                                      0xbf, 0xc0, 0xc0, 0xff, 0x0c, 0x29};
	unsigned rounds = 1 + rnd() % 4;
	for (unsigned i = 0; i < rounds; i++) {
		size_t pos = *len > 0 ? rnd() % *len : 0;
		switch (rnd() % 7) {
		case 0: /* flip a bit */
			if (*len > 0)
				buf[pos] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1: /* an octet that means something to a name parser */
			if (*len > 0)
				buf[pos] = interesting[rnd() % sizeof(interesting)];
			break;
		case 2: /* any octet */
			if (*len > 0)
				buf[pos] = (uint8_t)rnd();
			break;
		case 3: /* truncate */
			*len = *len > 0 ? rnd() % *len : 0;
			break;
		case 4: /* append */
			if (*len < cap)
				buf[(*len)++] = (uint8_t)rnd();
			break;
		case 5: /* a count: 0, small, or huge */
			if (*len >= DNS_HEADER_LEN) {
				size_t c = 4 + 2 * (rnd() % 4);
				uint16_t v = (rnd() & 1) ? 0xffff : (uint16_t)(rnd() % 4);
				buf[c] = (uint8_t)(v >> 8);
				buf[c + 1] = (uint8_t)v;
			}
			break;
		default: /* a compression pointer anywhere */
			if (*len >= 2) {
				uint16_t t = (uint16_t)(0xc000 | (rnd() % (*len + 8)));
				pos = rnd() % (*len - 1);
				buf[pos] = (uint8_t)(t >> 8);
				buf[pos + 1] = (uint8_t)t;
			}
			break;
		}
	}
}

/* When both readers accept a packet, they must agree on what it says. */
static void compare_with_ldns(const gw_query_t *q, const uint8_t *pkt, size_t len, unsigned *agreed)
{
	ldns_pkt *lp = NULL;
	if (ldns_wire2pkt(&lp, pkt, len) != LDNS_STATUS_OK)
		return;
	ldns_rr *question = ldns_rr_list_rr(ldns_pkt_question(lp), 0);
	bool same = question != NULL && ldns_pkt_id(lp) == q->id &&
	            ldns_rr_get_type(question) == q->qtype &&
	            ldns_rr_get_class(question) == q->qclass &&
	            ldns_rdf_size(ldns_rr_owner(question)) == q->qname_len &&
	            memcmp(ldns_rdf_data(ldns_rr_owner(question)), q->qname, q->qname_len) == 0 &&
	            ldns_pkt_edns(lp) == q->has_edns;
	if (same && q->has_edns)
		same = ldns_pkt_edns_udp_size(lp) == q->edns_udp_size &&
		       ldns_pkt_edns_version(lp) == q->edns_version &&
		       ldns_pkt_edns_do(lp) == q->edns_do;
	CHECK_MSG(same, "ldns reads this accepted packet differently (%zu octets)", len);
	*agreed += same;
	ldns_pkt_free(lp);
}

static size_t seed_packets(uint8_t **seeds, size_t *lens, size_t max)
{
	static corpus_pkt_t p;
	static const char *const ok_files[] = {
	    "ok-plain",     "ok-edns-do-cookie-keepalive", "ok-notify-soa",
	    "ok-opt-tsig",  "ok-sections-compressed",      "ok-cookie-40",
	    "ok-qname-255", "badvers-edns-version-1",
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(ok_files) / sizeof(ok_files[0]) && n < max; i++) {
		result_t r = corpus_case(ok_files[i], &p);
		CU_ASSERT_EQUAL(r.ret, GW_OK);
		seeds[n] = exact_copy(p.data, p.len);
		lens[n++] = p.len;
	}
	/* One written by ldns with options, compression and TSIG. */
	ldns_pkt *pkt = new_query("printer._ipp._tcp.lan.example.", LDNS_RR_TYPE_SRV, LDNS_RD);
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, "lan.example. 60 IN NS ns.lan.example.", 0, NULL,
	                                    NULL) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_pkt_push_rr(pkt, LDNS_SECTION_AUTHORITY, rr));
	ldns_edns_option_list *list = ldns_edns_option_list_new();
	CU_ASSERT_FATAL(list != NULL);
	push_option(list, LDNS_EDNS_COOKIE, 16, "0123456789abcdef");
	push_option(list, LDNS_EDNS_KEEPALIVE, 0, NULL);
	ldns_pkt_set_edns_option_list(pkt, list);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	ldns_pkt_set_edns_do(pkt, true);
	CU_ASSERT_FATAL(ldns_pkt_tsig_sign(pkt, "xfr.", "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", 300,
	                                   "hmac-sha256.", NULL) == LDNS_STATUS_OK);
	if (n < max) {
		seeds[n] = to_wire(pkt, &lens[n]);
		n++;
	} else {
		ldns_pkt_free(pkt);
	}
	return n;
}

static void test_random_mutations(void)
{
	enum { ITERATIONS = 200000, MAX_SEEDS = 16, CAP = 1024 };
	uint8_t *seeds[MAX_SEEDS];
	size_t lens[MAX_SEEDS];
	size_t nseeds = seed_packets(seeds, lens, MAX_SEEDS);
	unsigned accepted = 0, refused = 0, dropped = 0, agreed = 0, bad = 0;
	uint8_t buf[CAP];

	for (unsigned i = 0; i < ITERATIONS && bad < 10; i++) {
		size_t s = rnd() % nseeds;
		size_t len = lens[s] < CAP ? lens[s] : CAP;
		memcpy(buf, seeds[s], len);
		mutate(buf, &len, CAP);

		uint8_t *pkt = exact_copy(buf, len);
		gw_query_t q;
		uint8_t rcode = 0xff;
		int ret = gw_wire_parse_query(&q, pkt, len, &rcode);

		/* Whatever the outcome, a reported question lies inside the
		 * packet: the server echoes it in FORMERR replies too. */
		bool ok = q.qname == NULL ? q.question_end == 0 : qname_sane(&q, pkt, len);
		if (ret == GW_OK) {
			accepted++;
			ok = ok && q.qname != NULL && q.reason == GW_WIRE_R_NONE &&
			     (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_BADVERS);
			ok = ok && (!q.has_edns || q.opt_offset + q.opt_len <= len);
			ok = ok && (!q.has_cookie || q.cookie_offset + q.cookie_len <= len);
			ok = ok && (!q.has_tsig || q.tsig_offset + q.tsig_len == len);
			compare_with_ldns(&q, pkt, len, &agreed);
		} else if (ret == GW_WIRE_DROP) {
			dropped++;
			ok = ok && q.qname == NULL;
		} else {
			refused++;
			ok = ok && q.reason != GW_WIRE_R_NONE && q.reason_offset <= len &&
			     ((ret == GW_EMALFORMED && rcode == DNS_RCODE_FORMERR) ||
			      (ret == GW_EINVAL && rcode == DNS_RCODE_NOTIMP));
		}
		if (!ok) {
			bad++;
			CHECK_MSG(false, "iteration %u: ret %d (%s), %zu octets", i, ret,
			          gw_wire_reason_str(q.reason), len);
		}
		free(pkt);
	}
	/* The mutations must reach both sides, or this test proves nothing. */
	CU_ASSERT(accepted > ITERATIONS / 100);
	CU_ASSERT(refused > ITERATIONS / 2);
	CU_ASSERT(dropped > 0);
	CU_ASSERT(agreed > 0);
	for (size_t i = 0; i < nseeds; i++)
		free(seeds[i]);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "wire mutations",
	    (gw_test_t[]){{"random mutations", test_random_mutations}, {NULL, NULL}});
}
