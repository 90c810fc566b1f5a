/* The UDP defences on real replies of the answerer: the server cookie
 * added to the OPT, a slipped reply cut to header, question and OPT,
 * BADCOOKIE for a stale cookie over the limit, a valid cookie never
 * limited, a query for a cookie alone; over TCP the server cookie alone.
 * Replies are read back with ldns. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/query/answer.h"
#include "gateway/query/guard.h"
#include "zone_util.h"

static const char *const g_records[] = {
    "guard.test. 3600 IN SOA ns.guard.test. h.guard.test. 1 3600 600 86400 30",
    "guard.test. 3600 IN NS ns.guard.test.",
    "ns.guard.test. 3600 IN A 192.0.2.53",
    "www.guard.test. 120 IN A 192.0.2.80",
    NULL,
};

typedef struct run {
	uint8_t pkt[512], out[1500];
	size_t pkt_len, out_len;
	gw_query_t q;
	bool sent;
} run_t;

static zone_t *g_zone;
static char g_dir[64];
static struct sockaddr_in g_client = {.sin_family = AF_INET};

/* A query for www with EDNS, and the COOKIE option data in hex if any. */
static void ask(gw_guard_t *g, run_t *r, const char *cookie_hex, uint64_t now_ms)
{
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_pkt_query_new_frm_str(&p, "www.guard.test.", LDNS_RR_TYPE_A,
	                                           LDNS_RR_CLASS_IN, 0) == LDNS_STATUS_OK);
	ldns_pkt_set_id(p, 77);
	ldns_pkt_set_edns_udp_size(p, 1232);
	if (cookie_hex != NULL) {
		size_t n = strlen(cookie_hex) / 2;
		uint8_t opt[4 + 40] = {0, 10, 0, (uint8_t)n};
		for (size_t i = 0; i < n; i++)
			sscanf(cookie_hex + 2 * i, "%2hhx", &opt[4 + i]);
		ldns_rdf *data = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, 4 + n, opt);
		ldns_pkt_set_edns_data(p, data);
	} else {
		ldns_pkt_set_edns_do(p, true); /* an EDNS query without options */
	}
	uint8_t *wire = NULL;
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, p, &r->pkt_len) == LDNS_STATUS_OK);
	memcpy(r->pkt, wire, r->pkt_len);
	free(wire);
	ldns_pkt_free(p);
	gw_answer_env_t env = {.zone = g_zone,
	                       .udp_payload = 1232,
	                       .cookie_reserve = gw_guard_cookies(g) ? GW_GUARD_COOKIE_SPACE : 0};
	CU_ASSERT_FATAL(gw_answer(&env, r->pkt, r->pkt_len, false, r->out, sizeof(r->out),
	                          &r->out_len, &r->q) == GW_ANSWER_SENT);
	r->sent = gw_guard_reply(g, &r->q, r->pkt, (const struct sockaddr *)&g_client,
	                         zone_apex(g_zone), zone_apex_len(g_zone), r->out, &r->out_len,
	                         sizeof(r->out), (time_t)(now_ms / 1000), now_ms);
}

/* As ask(), answered over TCP: the answerer, then gw_guard_stream_reply(). */
static void ask_stream(gw_guard_t *g, run_t *r, const char *cookie_hex, time_t now)
{
	ask(NULL, r, cookie_hex, 0); /* the query; a guard of NULL passes the reply */
	gw_answer_env_t env = {.zone = g_zone,
	                       .udp_payload = 1232,
	                       .cookie_reserve = gw_guard_cookies(g) ? GW_GUARD_COOKIE_SPACE : 0};
	CU_ASSERT_FATAL(gw_answer(&env, r->pkt, r->pkt_len, true, r->out, sizeof(r->out),
	                          &r->out_len, &r->q) == GW_ANSWER_SENT);
	gw_guard_stream_reply(g, &r->q, r->pkt, (const struct sockaddr *)&g_client, r->out,
	                      &r->out_len, sizeof(r->out), now);
}

/* The reply's COOKIE option as hex ("" without one). */
static void reply_cookie(const run_t *r, char *hex, size_t cap)
{
	hex[0] = '\0';
	const uint8_t *opt = r->out + r->out_len;
	/* The OPT is the last RR; its options end the message. */
	for (size_t i = DNS_HEADER_LEN; i + 4 <= r->out_len; i++) {
		if (r->out[i] == 0 && r->out[i + 1] == 10 && r->out[i + 2] == 0 &&
		    r->out[i + 3] == 24 && i + 4 + 24 == r->out_len) {
			opt = r->out + i + 4;
			break;
		}
	}
	if (opt == r->out + r->out_len)
		return;
	for (size_t i = 0; i < 24 && 2 * i + 2 < cap; i++)
		snprintf(hex + 2 * i, 3, "%02x", opt[i]);
}

/* The zone and the state directory, made by the first test (tzone()
 * asserts, which CUnit allows inside tests only). */
static void setup(void)
{
	if (g_zone != NULL)
		return;
	g_zone = tzone("guard.test.", g_records);
	snprintf(g_dir, sizeof(g_dir), "/tmp/gw-guard.XXXXXX");
	g_client.sin_addr.s_addr = htonl(0xc0000201); /* 192.0.2.1 */
	CU_ASSERT_FATAL(g_zone != NULL && mkdtemp(g_dir) != NULL);
}

static gw_guard_t *guard_new(uint32_t rate, uint32_t slip, bool cookies)
{
	setup();
	char secret[128];
	snprintf(secret, sizeof(secret), "%s/cookie-secret", g_dir);
	gw_rrl_opts_t rrl;
	gw_rrl_opts_default(&rrl);
	rrl.rate = rate;
	rrl.slip = slip;
	gw_guard_opts_t o = {
	    .rrl = &rrl, .cookie_secret_file = cookies ? secret : NULL, .udp_payload = 1232};
	gw_guard_t *g = NULL;
	CU_ASSERT_FATAL(gw_guard_new(&g, &o) == GW_OK);
	return g;
}

static int suite_clean(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/cookie-secret", g_dir);
	if (g_zone == NULL)
		return 0;
	unlink(path);
	rmdir(g_dir);
	zone_free(g_zone);
	return 0;
}

static void test_cookie_added(void)
{
	gw_guard_t *g = guard_new(0, 2, true);
	run_t r;
	ask(g, &r, "0102030405060708", 1000000);
	CU_ASSERT_TRUE(r.sent);
	char hex[64];
	reply_cookie(&r, hex, sizeof(hex));
	CU_ASSERT_EQUAL(strlen(hex), 48);
	CU_ASSERT(strncmp(hex, "0102030405060708", 16) == 0);
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, r.out, r.out_len) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);

	/* The server cookie sent back: valid, and the same one returned. */
	char again[64];
	ask(g, &r, hex, 1000000);
	reply_cookie(&r, again, sizeof(again));
	CU_ASSERT_STRING_EQUAL(again, hex);
	gw_guard_stats_t st;
	gw_guard_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.cookie_client_only, 1);
	CU_ASSERT_EQUAL(st.cookie_valid, 1);
	/* Without a COOKIE in the query, none in the reply. */
	ask(g, &r, NULL, 1000000);
	reply_cookie(&r, again, sizeof(again));
	CU_ASSERT_STRING_EQUAL(again, "");
	gw_guard_free(g);
}

static void test_slip_and_drop(void)
{
	gw_guard_t *g = guard_new(2, 2, false);
	run_t r;
	unsigned full = 0, tc = 0, dropped = 0;
	for (int i = 0; i < 20; i++) {
		ask(g, &r, NULL, 5000000); /* one instant: only the burst passes */
		if (!r.sent) {
			dropped++;
			continue;
		}
		ldns_pkt *p = NULL;
		CU_ASSERT_FATAL(ldns_wire2pkt(&p, r.out, r.out_len) == LDNS_STATUS_OK);
		if (ldns_pkt_tc(p)) {
			tc++;
			/* Header, question, OPT: nothing to amplify with. */
			CU_ASSERT_EQUAL(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
			CU_ASSERT_EQUAL(ldns_pkt_qdcount(p), 1);
			CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), 1232);
			CU_ASSERT(r.out_len <= r.pkt_len);
		} else {
			full++;
		}
		ldns_pkt_free(p);
	}
	CU_ASSERT(full >= 1 && full <= 3);
	CU_ASSERT_EQUAL(tc + dropped, 20 - full);
	CU_ASSERT(tc >= 8 && dropped >= 8); /* slip 2: every other limited one */
	gw_guard_free(g);
}

static void test_badcookie_and_exempt(void)
{
	gw_guard_t *g = guard_new(1, 0, true);
	run_t r;
	char valid[64], hex[64];
	ask(g, &r, "1111111111111111", 9000000);
	reply_cookie(&r, valid, sizeof(valid));
	CU_ASSERT_EQUAL_FATAL(strlen(valid), 48);
	/* A valid cookie is never limited, however fast. */
	for (int i = 0; i < 30; i++) {
		ask(g, &r, valid, 9000000);
		CU_ASSERT_TRUE(r.sent);
		CU_ASSERT_EQUAL(r.out[3] & 0xf, 0);
	}
	/* A forged server cookie over the limit: BADCOOKIE with a fresh one. */
	unsigned bad = 0;
	for (int i = 0; i < 10; i++) {
		ask(g, &r, "111111111111111101000000aaaaaaaabbbbbbbbcccccccc", 9000000);
		CU_ASSERT_TRUE(r.sent);
		ldns_pkt *p = NULL;
		CU_ASSERT_FATAL(ldns_wire2pkt(&p, r.out, r.out_len) == LDNS_STATUS_OK);
		if (ldns_pkt_get_rcode(p) == 7 && ldns_pkt_edns_extended_rcode(p) == 1) {
			bad++;
			reply_cookie(&r, hex, sizeof(hex));
			CU_ASSERT_EQUAL(strlen(hex), 48);
			CU_ASSERT(strncmp(hex, "1111111111111111", 16) == 0);
		}
		ldns_pkt_free(p);
	}
	CU_ASSERT(bad >= 9);
	gw_guard_free(g);
}

/* A query without a question, an OPT with the COOKIE option cookie_hex
 * (RFC 7873 5.4), answered over UDP (through the guard g; NULL: a server
 * without cookies) or TCP (the answerer alone). */
static void ask_cookie_only(gw_guard_t *g, run_t *r, const char *cookie_hex, bool tcp)
{
	size_t n = strlen(cookie_hex) / 2;
	/* Header: id 88, ARCOUNT 1; the OPT: root, type 41, payload 1232,
	 * RDLENGTH, the COOKIE option's code and length. */
	const char *head_hex = "00580000000000000000000100002904d000000000";
	uint8_t head[21 + 6];
	for (size_t i = 0; i < 21; i++)
		sscanf(head_hex + 2 * i, "%2hhx", &head[i]);
	const uint8_t lens[6] = {0, (uint8_t)(4 + n), 0, 10, 0, (uint8_t)n};
	memcpy(head + 21, lens, sizeof(lens));
	memcpy(r->pkt, head, sizeof(head));
	for (size_t i = 0; i < n; i++)
		sscanf(cookie_hex + 2 * i, "%2hhx", &r->pkt[sizeof(head) + i]);
	r->pkt_len = sizeof(head) + n;
	gw_answer_env_t env = {.zone = g_zone,
	                       .udp_payload = 1232,
	                       .cookie_reserve = gw_guard_cookies(g) ? GW_GUARD_COOKIE_SPACE : 0};
	CU_ASSERT_FATAL(gw_answer(&env, r->pkt, r->pkt_len, tcp, r->out, sizeof(r->out),
	                          &r->out_len, &r->q) == GW_ANSWER_SENT);
	CU_ASSERT(r->q.cookie_only);
	r->sent = true;
	if (!tcp)
		r->sent = gw_guard_reply(g, &r->q, r->pkt, (const struct sockaddr *)&g_client, NULL,
		                         0, r->out, &r->out_len, sizeof(r->out), 9000, 9000000);
}

/* The reply's rcode, header and OPT's extended bits together; -1 when it
 * does not parse or has no OPT. */
static int reply_rcode(const run_t *r)
{
	ldns_pkt *p = NULL;
	if (ldns_wire2pkt(&p, r->out, r->out_len) != LDNS_STATUS_OK)
		return -1;
	int rcode = ldns_pkt_edns_udp_size(p) == 1232
	                ? (int)ldns_pkt_get_rcode(p) | ldns_pkt_edns_extended_rcode(p) << 4
	                : -1;
	CU_ASSERT_EQUAL(ldns_pkt_qdcount(p) + ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
	return rcode;
}

static void test_cookie_only(void)
{
	gw_guard_t *g = guard_new(0, 2, true);
	run_t r;
	char hex[64], again[64];
	/* A client cookie alone: NOERROR, with a server cookie. */
	ask_cookie_only(g, &r, "2222222222222222", false);
	CU_ASSERT_TRUE(r.sent);
	CU_ASSERT_EQUAL(reply_rcode(&r), 0);
	reply_cookie(&r, hex, sizeof(hex));
	CU_ASSERT_EQUAL_FATAL(strlen(hex), 48);
	CU_ASSERT(strncmp(hex, "2222222222222222", 16) == 0);
	/* Shown again: NOERROR, the same cookie confirmed. */
	ask_cookie_only(g, &r, hex, false);
	CU_ASSERT_EQUAL(reply_rcode(&r), 0);
	reply_cookie(&r, again, sizeof(again));
	CU_ASSERT_STRING_EQUAL(again, hex);
	/* A server cookie not ours: BADCOOKIE, with a fresh one, even with
	 * no rate limit to pass. */
	ask_cookie_only(g, &r, "222222222222222201000000aaaaaaaabbbbbbbbcccccccc", false);
	CU_ASSERT_EQUAL(reply_rcode(&r), GW_COOKIE_RCODE_BADCOOKIE);
	reply_cookie(&r, again, sizeof(again));
	CU_ASSERT_STRING_EQUAL(again, hex);
	gw_guard_stats_t st;
	gw_guard_get_stats(g, &st);
	CU_ASSERT_EQUAL(st.badcookie, 1);
	/* Over TCP a query for a cookie alone gets FORMERR (as Knot). */
	ask_cookie_only(g, &r, "2222222222222222", true);
	CU_ASSERT_EQUAL(reply_rcode(&r), 1);
	gw_guard_free(g);
	/* A server without cookies: FORMERR, with the OPT (RFC 6891 7). */
	g = guard_new(0, 2, false);
	ask_cookie_only(g, &r, "2222222222222222", false);
	CU_ASSERT_TRUE(r.sent);
	CU_ASSERT_EQUAL(reply_rcode(&r), 1);
	reply_cookie(&r, again, sizeof(again));
	CU_ASSERT_STRING_EQUAL(again, "");
	gw_guard_free(g);
}

/* Over TCP: a fresh server cookie for a query with a COOKIE option,
 * whatever server cookie it showed; never limited, never BADCOOKIE, not
 * counted. The cookie it gets is good over UDP, where it exempts from the
 * limit (a client that a truncated reply sent to TCP). */
static void test_stream_cookie(void)
{
	gw_guard_t *g = guard_new(1, 0, true); /* 1 a second, the rest dropped */
	run_t r;
	char hex[64], first[64];
	for (int i = 0; i < 20; i++) {
		ask_stream(g, &r, "3333333333333333", 9000);
		CU_ASSERT_EQUAL(r.out[3] & 0xf, 0);
		reply_cookie(&r, hex, sizeof(hex));
		CU_ASSERT_EQUAL(strlen(hex), 48);
		CU_ASSERT(strncmp(hex, "3333333333333333", 16) == 0);
		if (i == 0)
			memcpy(first, hex, sizeof(first));
	}
	/* A forged server cookie: answered, with a fresh one, not BADCOOKIE. */
	ask_stream(g, &r, "333333333333333301000000aaaaaaaabbbbbbbbcccccccc", 9000);
	CU_ASSERT_EQUAL(r.out[3] & 0xf, 0); /* BADCOOKIE (23) has 7 here */
	reply_cookie(&r, hex, sizeof(hex));
	CU_ASSERT_STRING_EQUAL(hex, first);
	/* The TCP cookie over UDP: valid, never limited, however fast. */
	for (int i = 0; i < 20; i++) {
		ask(g, &r, first, 9000000);
		CU_ASSERT_TRUE(r.sent);
		CU_ASSERT_EQUAL(r.out[3] & 0xf, 0);
		CU_ASSERT_EQUAL(r.out[2] & 0x02, 0); /* not truncated */
	}
	/* No COOKIE option: nothing added. */
	ask_stream(g, &r, NULL, 9000);
	reply_cookie(&r, hex, sizeof(hex));
	CU_ASSERT_STRING_EQUAL(hex, "");
	/* Only the UDP queries counted. */
	gw_guard_stats_t st;
	gw_guard_get_stats(g, &st);
	CU_ASSERT(st.cookie_client_only == 0 && st.cookie_invalid == 0 && st.badcookie == 0);
	CU_ASSERT_EQUAL(st.cookie_valid, 20);
	gw_guard_free(g);
	/* No guard: nothing either. */
	ask_stream(NULL, &r, "3333333333333333", 9000);
	reply_cookie(&r, hex, sizeof(hex));
	CU_ASSERT_STRING_EQUAL(hex, "");
}

/* r->out made a reply the answerer leaves to others (a TSIG error, say):
 * the query's header, question and OPT as they were, QR and NOTAUTH set,
 * then `extra` octets standing for a TSIG record (ARCOUNT one more). */
static void special_reply(run_t *r, size_t extra)
{
	CU_ASSERT_FATAL(r->pkt_len + extra <= sizeof(r->out));
	memcpy(r->out, r->pkt, r->pkt_len);
	r->out[2] |= 0x80;                           /* QR */
	r->out[3] = (uint8_t)(r->out[3] & 0xf0) | 9; /* NOTAUTH */
	memset(r->out + r->pkt_len, 0x41, extra);
	r->out[11]++;
	r->out_len = r->pkt_len + extra;
}

static bool guard_special(gw_guard_t *g, run_t *r, size_t limit, uint64_t now_ms)
{
	gw_guard_special_t sp = {.limit = limit, .payload = 1232};
	return gw_guard_special_reply(g, &r->q, r->pkt, (const struct sockaddr *)&g_client,
	                              zone_apex(g_zone), zone_apex_len(g_zone), &sp, r->out,
	                              &r->out_len, sizeof(r->out), (time_t)(now_ms / 1000), now_ms);
}

/* A truncated special reply: header and question with TC, and the OPT
 * made anew; smaller than the query. */
static void assert_special_tc(const run_t *r)
{
	ldns_pkt *p = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, r->out, r->out_len) == LDNS_STATUS_OK);
	CU_ASSERT_TRUE(ldns_pkt_tc(p));
	CU_ASSERT_EQUAL(ldns_pkt_get_rcode(p), LDNS_RCODE_NOTAUTH);
	CU_ASSERT_EQUAL(ldns_pkt_qdcount(p), 1);
	CU_ASSERT_EQUAL(ldns_pkt_ancount(p) + ldns_pkt_nscount(p) + ldns_pkt_arcount(p), 0);
	CU_ASSERT_EQUAL(ldns_pkt_edns_udp_size(p), 1232);
	CU_ASSERT(r->out_len <= r->pkt_len);
	ldns_pkt_free(p);
}

static void test_special(void)
{
	/* Past the client's size: truncated, with or without a guard. */
	run_t r;
	ask(NULL, &r, NULL, 0);
	special_reply(&r, 300);
	CU_ASSERT_TRUE(guard_special(NULL, &r, 1232, 0));
	CU_ASSERT_EQUAL(r.out_len, r.pkt_len + 300);
	special_reply(&r, 300);
	CU_ASSERT_TRUE(guard_special(NULL, &r, 200, 0));
	assert_special_tc(&r);

	/* Over the limit: slipped as header and question, or dropped, as any
	 * reply; never the TSIG and names of the full one. */
	gw_guard_t *g = guard_new(2, 2, false);
	unsigned full = 0, tc = 0, dropped = 0;
	for (int i = 0; i < 20; i++) {
		special_reply(&r, 300);
		if (!guard_special(g, &r, 1232, 5000000)) {
			dropped++;
		} else if (r.out_len == r.pkt_len + 300) {
			full++;
		} else {
			tc++;
			assert_special_tc(&r);
		}
	}
	CU_ASSERT(full >= 1 && full <= 3);
	CU_ASSERT_EQUAL(tc + dropped, 20 - full);
	CU_ASSERT(tc >= 8 && dropped >= 8);
	gw_guard_free(g);

	/* A valid server cookie exempts, and no cookie is added after what
	 * stands for the TSIG. */
	g = guard_new(1, 0, true);
	char valid[64];
	ask(g, &r, "2222222222222222", 7000000);
	reply_cookie(&r, valid, sizeof(valid));
	CU_ASSERT_EQUAL_FATAL(strlen(valid), 48);
	for (int i = 0; i < 30; i++) {
		ask(NULL, &r, valid, 0);
		special_reply(&r, 300);
		CU_ASSERT_TRUE(guard_special(g, &r, 1232, 7000000));
		CU_ASSERT_EQUAL(r.out_len, r.pkt_len + 300);
	}
	gw_guard_free(g);
}

int gw_test_register(void)
{
	CU_pSuite s = CU_add_suite("guard", NULL, suite_clean);
	if (s == NULL)
		return CU_get_error();
	const gw_test_t tests[] = {
	    {"server cookie added, then valid", test_cookie_added},
	    {"slip: truncated replies and drops", test_slip_and_drop},
	    {"BADCOOKIE over the limit, valid cookies exempt", test_badcookie_and_exempt},
	    {"a query for a cookie alone (RFC 7873 5.4)", test_cookie_only},
	    {"over TCP: a server cookie, good over UDP", test_stream_cookie},
	    {"special replies (TSIG, NOTIFY): limited, and cut to the client's size", test_special},
	    {NULL, NULL},
	};
	for (const gw_test_t *t = tests; t->name != NULL; t++) {
		if (CU_add_test(s, t->name, t->fn) == NULL)
			return CU_get_error();
	}
	return 0;
}
