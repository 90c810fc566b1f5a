/* Sessions and subscriptions against a fake connection that records what
 * it is sent: the responses and their rcodes, the initial PUSH, PUSH
 * content for additions and removals from a real commit's diff, the
 * matching (name case, type, ANY without DNSSEC types), the limits, the
 * error rules that close or abort a connection, and the RFC 8490 / RFC
 * 8765 details docs/push.md lists (message size, timers, padding, RETRY
 * DELAY, duplicates). */
#include <stdlib.h>
#include <string.h>

#include "cunit.h"
#include "zone_util.h"
#include "common/error.h"
#include "gateway/push/dso.h"
#include "gateway/push/push.h"

#define MAXMSG 16

typedef struct {
	uint8_t msg[MAXMSG][16384];
	size_t len[MAXMSG];
	size_t count;
	int fail; /* send returns this */
} conn_t;

static int fake_send(void *arg, const uint8_t *msg, size_t len)
{
	conn_t *c = arg;
	if (c->fail != GW_OK)
		return c->fail;
	CU_ASSERT_FATAL(c->count < MAXMSG && len <= sizeof(c->msg[0]));
	memcpy(c->msg[c->count], msg, len);
	c->len[c->count++] = len;
	return GW_OK;
}

static const char *const zone_rrs[] = {
    "t. 3600 IN SOA ns.t. h.t. 1 3600 600 86400 300",
    "t. 3600 IN NS ns.t.",
    "_ipp._tcp.lan.t. 10 IN PTR a._ipp._tcp.lan.t.",
    "a._ipp._tcp.lan.t. 10 IN SRV 0 0 631 h.lan.t.",
    "a._ipp._tcp.lan.t. 10 IN TXT \"x=1\"",
    NULL,
};

typedef struct {
	zone_t *zone; /* owned by ref */
	gw_zoneref_t *ref;
	gw_push_t *p;
} fixture_t;

static void setup(fixture_t *f, unsigned per_session, unsigned total)
{
	f->zone = tzone("t.", zone_rrs);
	CU_ASSERT_FATAL(f->zone != NULL);
	CU_ASSERT_FATAL(gw_zoneref_new(&f->ref, f->zone) == GW_OK);
	gw_push_opts_t o = {.inactivity_ms = 15000,
	                    .keepalive_ms = 20000,
	                    .retry_delay_ms = 60000,
	                    .max_sessions = 2,
	                    .max_subscriptions = total,
	                    .max_per_session = per_session};
	CU_ASSERT_FATAL(gw_push_new(&f->p, &o, f->ref) == GW_OK);
	gw_zoneref_put(f->ref); /* the push service holds its own */
}

static void teardown(fixture_t *f)
{
	gw_push_free(f->p);
}

/* A DSO request or unidirectional message with one TLV. */
static size_t build(uint8_t *out, uint16_t id, uint16_t type, const uint8_t *data, uint16_t len)
{
	size_t n = gw_dso_begin(out, 512, id, false, 0);
	gw_dso_tlv_put(out, 512, &n, type, data, len);
	return n;
}

static size_t sub_data(uint8_t *out, const char *name, uint16_t type, uint16_t rrclass)
{
	uint8_t wire[256];
	tname(wire, name);
	size_t n = (size_t)zone_name_len(wire, sizeof(wire));
	memcpy(out, wire, n);
	out[n] = (uint8_t)(type >> 8);
	out[n + 1] = (uint8_t)type;
	out[n + 2] = (uint8_t)(rrclass >> 8);
	out[n + 3] = (uint8_t)rrclass;
	return n + 4;
}

static gw_push_verdict_t subscribe(gw_push_session_t *s, uint16_t id, const char *name,
                                   uint16_t type)
{
	uint8_t d[260], msg[512];
	size_t dl = sub_data(d, name, type, 1);
	size_t n = build(msg, id, GW_DSO_SUBSCRIBE, d, (uint16_t)dl);
	return gw_push_session_message(s, msg, n, 0.0);
}

static gw_push_verdict_t unsubscribe(gw_push_session_t *s, uint16_t id)
{
	uint8_t msg[64], d[2] = {(uint8_t)(id >> 8), (uint8_t)id};
	size_t n = build(msg, 0, GW_DSO_UNSUBSCRIBE, d, 2);
	return gw_push_session_message(s, msg, n, 0.0);
}

static uint8_t rcode_of(const conn_t *c, size_t i)
{
	return c->msg[i][3] & 0x0f;
}

/* The RRs of PUSH message i: count, and the type and TTL of the k-th. */
static size_t push_rrs(const conn_t *c, size_t i, uint16_t *types, uint32_t *ttls, size_t cap)
{
	gw_dso_msg_t m;
	CU_ASSERT_FATAL(gw_dso_read(c->msg[i], c->len[i], &m) == GW_OK);
	CU_ASSERT_FATAL(m.id == 0 && m.primary.type == GW_DSO_PUSH);
	size_t off = 0, k = 0;
	while (off < m.primary.len && k < cap) {
		const uint8_t *rr = m.primary.data + off;
		int nl = zone_name_len(rr, m.primary.len - off);
		CU_ASSERT_FATAL(nl > 0);
		types[k] = (uint16_t)(rr[nl] << 8 | rr[nl + 1]);
		CU_ASSERT_EQUAL(rr[nl + 2] << 8 | rr[nl + 3], 1); /* class IN */
		ttls[k] = (uint32_t)rr[nl + 4] << 24 | (uint32_t)rr[nl + 5] << 16 |
		          (uint32_t)rr[nl + 6] << 8 | rr[nl + 7];
		off += (size_t)nl + 10 + (size_t)(rr[nl + 8] << 8 | rr[nl + 9]);
		k++;
	}
	CU_ASSERT_EQUAL(off, m.primary.len);
	return k;
}

static void test_subscribe_initial(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT(!gw_push_session_established(s));
	/* Letter case of the question does not matter. */
	CU_ASSERT_EQUAL(subscribe(s, 5, "_IPP._tcp.LAN.t.", 12), GW_PUSH_KEEP);
	CU_ASSERT(gw_push_session_established(s));
	/* Response, the PUSH right after it (RFC 8765 6.3), then the
	 * unidirectional KEEPALIVE (established by SUBSCRIBE). */
	CU_ASSERT_EQUAL_FATAL(c.count, 3);
	CU_ASSERT_EQUAL(c.msg[0][0] << 8 | c.msg[0][1], 5);
	CU_ASSERT(c.msg[0][2] & 0x80);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 0);
	CU_ASSERT_EQUAL(c.len[0], 12);
	gw_dso_msg_t m;
	CU_ASSERT_FATAL(gw_dso_read(c.msg[2], c.len[2], &m) == GW_OK);
	CU_ASSERT_EQUAL(m.id, 0);
	CU_ASSERT_EQUAL(m.primary.type, GW_DSO_KEEPALIVE);
	uint16_t types[8];
	uint32_t ttls[8];
	CU_ASSERT_EQUAL(push_rrs(&c, 1, types, ttls, 8), 1);
	CU_ASSERT_EQUAL(types[0], 12);
	CU_ASSERT_EQUAL(ttls[0], 10);
	/* ANY at the instance: SRV and TXT. */
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 6, "a._ipp._tcp.lan.t.", 255), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 2);
	CU_ASSERT_EQUAL(push_rrs(&c, 1, types, ttls, 8), 2);
	/* Outside the zone: NOTAUTH, nothing pushed; a name without data:
	 * NOERROR without PUSH. */
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 7, "example.com.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(subscribe(s, 8, "b._ipp._tcp.lan.t.", 33), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 2);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 9);
	CU_ASSERT_EQUAL(rcode_of(&c, 1), 0);
	gw_push_stats_t st;
	gw_push_get_stats(f.p, &st);
	CU_ASSERT_EQUAL(st.subscriptions, 3);
	CU_ASSERT_EQUAL(st.sessions, 1);
	gw_push_session_free(s);
	gw_push_get_stats(f.p, &st);
	CU_ASSERT_EQUAL(st.subscriptions, 0);
	CU_ASSERT_EQUAL(st.sessions, 0);
	teardown(&f);
}

/* Commit cs to the fixture's zone and hand the diff to push. */
static void commit(fixture_t *f, const char *add, const char *remove)
{
	zone_changeset_t cs;
	zone_rrdiff_t diff = {0};
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	if (add != NULL)
		tcs_add(&cs, add);
	if (remove != NULL)
		tcs_remove(&cs, remove);
	CU_ASSERT_FATAL(zone_serial(f->zone, &serial) == GW_OK);
	CU_ASSERT_FATAL(zone_commit(f->zone, &cs, serial + 1, &diff) == GW_OK);
	gw_push_commit(f->p, &diff);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
}

static void test_push_changes(void)
{
	fixture_t f;
	conn_t c1 = {0}, c2 = {0};
	gw_push_session_t *s1, *s2;
	uint16_t types[8];
	uint32_t ttls[8];
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s1, f.p, fake_send, &c1) == GW_OK);
	CU_ASSERT_FATAL(gw_push_session_new(&s2, f.p, fake_send, &c2) == GW_OK);
	subscribe(s1, 1, "_ipp._tcp.lan.t.", 12);
	/* Two subscriptions of one session that cover the same RR: it is sent once. */
	subscribe(s1, 2, "_ipp._tcp.lan.t.", 255);
	subscribe(s2, 1, "b._ipp._tcp.lan.t.", 33);
	c1.count = c2.count = 0;
	/* An addition: s1 gets the PTR with its TTL, s2 nothing. */
	commit(&f, "_ipp._tcp.lan.t. 10 IN PTR b._ipp._tcp.lan.t.", NULL);
	CU_ASSERT_EQUAL_FATAL(c1.count, 1);
	CU_ASSERT_EQUAL(c2.count, 0);
	CU_ASSERT_EQUAL(push_rrs(&c1, 0, types, ttls, 8), 1);
	CU_ASSERT_EQUAL(ttls[0], 10);
	/* A removal: the RR with TTL 0xFFFFFFFF (RFC 8765 6.3.1). */
	commit(&f, NULL, "_ipp._tcp.lan.t. 10 IN PTR a._ipp._tcp.lan.t.");
	CU_ASSERT_EQUAL_FATAL(c1.count, 2);
	CU_ASSERT_EQUAL(push_rrs(&c1, 1, types, ttls, 8), 1);
	CU_ASSERT_EQUAL(ttls[0], GW_PUSH_TTL_DELETE_RR);
	/* An SRV for s2's name; the SOA's change reaches no one. */
	commit(&f, "b._ipp._tcp.lan.t. 10 IN SRV 0 0 631 h.lan.t.", NULL);
	CU_ASSERT_EQUAL(c1.count, 2);
	CU_ASSERT_EQUAL_FATAL(c2.count, 1);
	CU_ASSERT_EQUAL(push_rrs(&c2, 0, types, ttls, 8), 1);
	CU_ASSERT_EQUAL(types[0], 33);
	/* UNSUBSCRIBE (unidirectional): no more PUSH to s2. */
	CU_ASSERT_EQUAL(unsubscribe(s2, 1), GW_PUSH_KEEP);
	commit(&f, NULL, "b._ipp._tcp.lan.t. 10 IN SRV 0 0 631 h.lan.t.");
	CU_ASSERT_EQUAL(c2.count, 1);
	gw_push_session_free(s1);
	gw_push_session_free(s2);
	teardown(&f);
}

/* 200 subscriptions of one session share a table of 256 chains, many of
 * them two or more to a chain: every other one unsubscribed (removed
 * from the middle of its chain), the others still get their PUSH, and
 * the session's end removes the rest. */
static void test_many_in_chains(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	char name[64];
	setup(&f, 200, 400);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%d.lan.t.", i);
		CU_ASSERT_EQUAL_FATAL(subscribe(s, (uint16_t)(i + 1), name, 1), GW_PUSH_KEEP);
		c.count = 0; /* its answer */
	}
	for (int i = 1; i < 200; i += 2)
		CU_ASSERT_EQUAL_FATAL(unsubscribe(s, (uint16_t)(i + 1)), GW_PUSH_KEEP);
	gw_push_stats_t st;
	gw_push_get_stats(f.p, &st);
	CU_ASSERT_EQUAL(st.subscriptions, 100);
	zone_changeset_t cs;
	zone_rrdiff_t diff = {0};
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int i = 0; i < 200; i++) {
		char rr[96];
		snprintf(rr, sizeof(rr), "n%d.lan.t. 10 IN A 192.0.2.%d", i, i);
		tcs_add(&cs, rr);
	}
	CU_ASSERT_FATAL(zone_serial(f.zone, &serial) == GW_OK);
	CU_ASSERT_FATAL(zone_commit(f.zone, &cs, serial + 1, &diff) == GW_OK);
	c.count = 0;
	gw_push_commit(f.p, &diff);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
	size_t rrs = 0;
	uint16_t types[128];
	uint32_t ttls[128];
	for (size_t i = 0; i < c.count; i++)
		rrs += push_rrs(&c, i, types, ttls, 128);
	CU_ASSERT_EQUAL(rrs, 100);
	gw_push_session_free(s);
	gw_push_get_stats(f.p, &st);
	CU_ASSERT_EQUAL(st.subscriptions, 0);
	teardown(&f);
}

static void test_any_skips_dnssec(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	subscribe(s, 1, "x.lan.t.", 255);
	subscribe(s, 2, "y.lan.t.", 46);
	c.count = 0;
	commit(&f, "x.lan.t. 10 IN A 192.0.2.1", NULL);
	commit(&f, "x.lan.t. 10 IN NSEC y.lan.t. A RRSIG NSEC", NULL);
	commit(&f, "y.lan.t. 10 IN NSEC t. A RRSIG NSEC", NULL);
	/* The A, not the NSEC (ANY); RRSIG only when asked for: nothing. */
	CU_ASSERT_EQUAL(c.count, 1);
	CU_ASSERT(!gw_push_session_established(NULL));
	gw_push_session_free(s);
	teardown(&f);
}

static void test_limits(void)
{
	fixture_t f;
	conn_t c1 = {0}, c2 = {0}, c3 = {0};
	gw_push_session_t *s1, *s2, *s3;
	setup(&f, 2, 3);
	CU_ASSERT_FATAL(gw_push_session_new(&s1, f.p, fake_send, &c1) == GW_OK);
	CU_ASSERT_FATAL(gw_push_session_new(&s2, f.p, fake_send, &c2) == GW_OK);
	CU_ASSERT_FATAL(gw_push_session_new(&s3, f.p, fake_send, &c3) == GW_OK);
	subscribe(s1, 1, "a.t.", 1);
	subscribe(s1, 2, "b.t.", 1);
	c1.count = 0;
	CU_ASSERT_EQUAL(subscribe(s1, 3, "c.t.", 1), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(rcode_of(&c1, 0), 5); /* per session */
	subscribe(s2, 1, "a.t.", 1);
	c2.count = 0;
	CU_ASSERT_EQUAL(subscribe(s2, 2, "d.t.", 1), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(rcode_of(&c2, 0), 5); /* in total */
	/* A third session over max_sessions (2): REFUSED with RETRY DELAY, closed. */
	CU_ASSERT_EQUAL(subscribe(s3, 1, "e.t.", 1), GW_PUSH_CLOSE);
	gw_dso_msg_t m;
	CU_ASSERT_FATAL(gw_dso_read(c3.msg[0], c3.len[0], &m) == GW_OK);
	CU_ASSERT_EQUAL(m.rcode, 5);
	CU_ASSERT_EQUAL(m.primary.type, GW_DSO_RETRY_DELAY);
	gw_push_stats_t st;
	gw_push_get_stats(f.p, &st);
	CU_ASSERT_EQUAL(st.refused, 3);
	CU_ASSERT_EQUAL(st.subscriptions, 3);
	gw_push_session_free(s1);
	gw_push_session_free(s2);
	gw_push_session_free(s3);
	teardown(&f);
}

/* The RFC's answers to bad messages: what is sent back, and whether the
 * connection closes. */
static void test_error_rules(void)
{
	fixture_t f;
	setup(&f, 8, 100);
	uint8_t ka[8] = {0};
	uint8_t uid[2] = {0, 1};
	struct {
		const char *what;
		bool establish; /* a KEEPALIVE first */
		uint16_t id, type;
		const uint8_t *data;
		uint16_t len;
		int rcode; /* -1: no response */
		gw_push_verdict_t v;
	} rules[] = {
	    {"unknown request TLV", false, 3, 0x7777, ka, 1, 11, GW_PUSH_KEEP},
	    {"KEEPALIVE of 7 octets", false, 3, GW_DSO_KEEPALIVE, ka, 7, 1, GW_PUSH_CLOSE},
	    /* RFC 8490 5.4.1: a unidirectional type with a message ID. */
	    {"UNSUBSCRIBE as a request", true, 3, GW_DSO_UNSUBSCRIBE, uid, 2, -1, GW_PUSH_ABORT},
	    {"RECONFIRM as a request", true, 3, GW_DSO_RECONFIRM, uid, 2, -1, GW_PUSH_ABORT},
	    /* RFC 8490 7.2.1, RFC 8765 6.3: server-only types. */
	    {"RETRY DELAY from a client", true, 3, GW_DSO_RETRY_DELAY, ka, 4, -1, GW_PUSH_ABORT},
	    {"PUSH from a client", true, 3, GW_DSO_PUSH, ka, 4, -1, GW_PUSH_ABORT},
	    {"unidirectional before a session", false, 0, GW_DSO_UNSUBSCRIBE, uid, 2, -1,
	     GW_PUSH_ABORT},
	    {"unidirectional KEEPALIVE", true, 0, GW_DSO_KEEPALIVE, ka, 8, -1, GW_PUSH_ABORT},
	    {"unknown unidirectional TLV", true, 0, 0x7777, ka, 0, -1, GW_PUSH_ABORT},
	    {"UNSUBSCRIBE of an unknown ID", true, 0, GW_DSO_UNSUBSCRIBE, uid, 2, -1, GW_PUSH_KEEP},
	    {"malformed UNSUBSCRIBE", true, 0, GW_DSO_UNSUBSCRIBE, uid, 1, -1, GW_PUSH_ABORT},
	};
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		conn_t c = {0};
		gw_push_session_t *s;
		uint8_t msg[64];
		CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
		if (rules[i].establish) {
			size_t n = build(msg, 1, GW_DSO_KEEPALIVE, ka, 8);
			CU_ASSERT_FATAL(gw_push_session_message(s, msg, n, 0.0) == GW_PUSH_KEEP);
			c.count = 0;
		}
		size_t n = build(msg, rules[i].id, rules[i].type, rules[i].data, rules[i].len);
		gw_push_verdict_t v = gw_push_session_message(s, msg, n, 0.0);
		if (v != rules[i].v)
			fprintf(stderr, "rule '%s': verdict %d\n", rules[i].what, v);
		CU_ASSERT_EQUAL(v, rules[i].v);
		CU_ASSERT_EQUAL(c.count, rules[i].rcode < 0 ? 0 : 1);
		if (rules[i].rcode >= 0 && c.count == 1)
			CU_ASSERT_EQUAL(rcode_of(&c, 0), rules[i].rcode);
		gw_push_session_free(s);
	}
	/* A response from the client (we send no requests): aborted. */
	conn_t c = {0};
	gw_push_session_t *s;
	uint8_t resp[12];
	size_t n = gw_dso_begin(resp, sizeof(resp), 4, true, 0);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT_EQUAL(gw_push_session_message(s, resp, n, 0.0), GW_PUSH_ABORT);
	CU_ASSERT_EQUAL(c.count, 0);
	gw_push_session_free(s);
	teardown(&f);
}

static size_t keepalive_msg(uint8_t *msg, uint16_t id, bool pad)
{
	uint8_t ka[8] = {0};
	size_t n = build(msg, id, GW_DSO_KEEPALIVE, ka, 8);
	if (pad)
		gw_dso_tlv_put(msg, 512, &n, GW_DSO_PADDING, ka, 3);
	return n;
}

/* RFC 8490 6.3, 6.4.1, 6.5.1, 7.1: a KEEPALIVE restarts the keepalive
 * timer only; other messages restart both; an active subscription stops
 * the inactivity timeout. Fixture: inactivity 15 s, keepalive 20 s. */
static void test_timers(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	uint8_t msg[512];
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT_EQUAL(gw_push_session_message(s, msg, keepalive_msg(msg, 1, false), 10.0),
	                GW_PUSH_KEEP);
	/* The first message starts the inactivity timer: 10 + 30. */
	CU_ASSERT_DOUBLE_EQUAL(gw_push_session_deadline(s, 10.0), 40.0, 1e-9);
	/* KEEPALIVEs at 30 and 38: the connection's traffic moves, the
	 * inactivity deadline does not. */
	CU_ASSERT_EQUAL(gw_push_session_message(s, msg, keepalive_msg(msg, 2, false), 30.0),
	                GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(gw_push_session_message(s, msg, keepalive_msg(msg, 3, false), 38.0),
	                GW_PUSH_KEEP);
	CU_ASSERT_DOUBLE_EQUAL(gw_push_session_deadline(s, 38.0), 40.0, 1e-9);
	/* A query at 39 is activity: 39 + 30 (before 39 + 40). */
	gw_push_session_touch(s, 39.0);
	CU_ASSERT_DOUBLE_EQUAL(gw_push_session_deadline(s, 39.0), 69.0, 1e-9);
	/* With a subscription only the keepalive interval counts. */
	uint8_t d[260];
	size_t dl = sub_data(d, "a.t.", 1, 1);
	size_t n = build(msg, 9, GW_DSO_SUBSCRIBE, d, (uint16_t)dl);
	CU_ASSERT_EQUAL(gw_push_session_message(s, msg, n, 50.0), GW_PUSH_KEEP);
	CU_ASSERT_DOUBLE_EQUAL(gw_push_session_deadline(s, 50.0), 90.0, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(gw_push_session_deadline(s, 200.0), 240.0, 1e-9);
	gw_push_session_free(s);
	teardown(&f);
}

/* RFC 8490 7.3: a request with ENCRYPTION PADDING gets a padded response
 * (to 468 octets, RFC 8467); one without, none. */
static void test_padding(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	uint8_t msg[512];
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	gw_push_session_message(s, msg, keepalive_msg(msg, 1, false), 0.0);
	gw_push_session_message(s, msg, keepalive_msg(msg, 2, true), 0.0);
	CU_ASSERT_EQUAL_FATAL(c.count, 2);
	CU_ASSERT_EQUAL(c.len[0], 24);
	CU_ASSERT_EQUAL(c.len[1], 468);
	gw_dso_msg_t m;
	CU_ASSERT_FATAL(gw_dso_read(c.msg[1], c.len[1], &m) == GW_OK);
	CU_ASSERT_EQUAL(m.primary.type, GW_DSO_KEEPALIVE);
	CU_ASSERT(m.padded);
	gw_push_session_free(s);
	teardown(&f);
}

/* The RETRY DELAY of a response (RFC 8490 7.2.2, RFC 8765 6.2.2), or 0. */
static uint32_t retry_delay_of(const conn_t *c, size_t i)
{
	size_t off = GW_DSO_HEADER;
	while (off + 4 <= c->len[i]) {
		const uint8_t *t = c->msg[i] + off;
		uint16_t type = (uint16_t)(t[0] << 8 | t[1]), len = (uint16_t)(t[2] << 8 | t[3]);
		if (type == GW_DSO_RETRY_DELAY && len == 4)
			return (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 |
			       t[7];
		off += 4 + (size_t)len;
	}
	return 0;
}

/* RFC 8765 6.2.2: a SUBSCRIBE error carries a RETRY DELAY; RFC 8490 5.1:
 * an error response does not establish the session, so the server sends
 * no KEEPALIVE of its own, and a unidirectional message is still fatal. */
static void test_subscribe_errors(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	setup(&f, 1, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT_EQUAL(subscribe(s, 1, "example.com.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 1);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 9);
	CU_ASSERT_EQUAL(retry_delay_of(&c, 0), 5 * 60 * 1000);
	CU_ASSERT(!gw_push_session_established(s));
	/* Over the per-connection limit (1): REFUSED, push.retry-delay. */
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 2, "a.t.", 1), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(subscribe(s, 3, "b.t.", 1), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 3); /* NOERROR, KEEPALIVE, REFUSED */
	CU_ASSERT_EQUAL(rcode_of(&c, 2), 5);
	CU_ASSERT_EQUAL(retry_delay_of(&c, 2), 60000);
	CU_ASSERT_EQUAL(retry_delay_of(&c, 0), 0);
	gw_push_session_free(s);
	/* Before any NOERROR: an UNSUBSCRIBE aborts. */
	c.count = 0;
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT_EQUAL(subscribe(s, 1, "example.com.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL(unsubscribe(s, 1), GW_PUSH_ABORT);
	CU_ASSERT_EQUAL(c.count, 1);
	gw_push_session_free(s);
	teardown(&f);
}

/* RFC 8765 6.2.1: a SUBSCRIBE duplicating the name (in any case), type
 * and class of an active one is fatal; reusing an active subscription's
 * message ID gets FORMERR, a RETRY DELAY, and the RETRY DELAY message
 * that ends the session (RFC 8490 6.6.1). */
static void test_duplicates(void)
{
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	setup(&f, 8, 100);
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	CU_ASSERT_EQUAL(subscribe(s, 1, "_ipp._tcp.lan.t.", 12), GW_PUSH_KEEP);
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 2, "_IPP._tcp.Lan.t.", 12), GW_PUSH_ABORT);
	CU_ASSERT_EQUAL(c.count, 0);
	/* Another type at the same name is no duplicate. */
	CU_ASSERT_EQUAL(subscribe(s, 3, "_ipp._tcp.lan.t.", 33), GW_PUSH_KEEP);
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 1, "other.t.", 1), GW_PUSH_CLOSE);
	CU_ASSERT_EQUAL_FATAL(c.count, 2);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 1);
	CU_ASSERT_EQUAL(retry_delay_of(&c, 0), 5 * 60 * 1000);
	gw_dso_msg_t m;
	CU_ASSERT_FATAL(gw_dso_read(c.msg[1], c.len[1], &m) == GW_OK);
	CU_ASSERT(m.id == 0 && !m.response && m.rcode == 1);
	CU_ASSERT_EQUAL(m.primary.type, GW_DSO_RETRY_DELAY);
	gw_push_session_free(s);
	teardown(&f);
}

/* RFC 8765 6.3.1: no PUSH message over 16,382 octets; a commit larger
 * than that is split, every RR sent once. */
static void test_push_size(void)
{
	fixture_t f;
	static conn_t c;
	gw_push_session_t *s;
	setup(&f, 8, 100);
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	subscribe(s, 1, "big.lan.t.", 16);
	c.count = 0;
	zone_changeset_t cs;
	zone_rrdiff_t diff = {0};
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	char text[400];
	for (int i = 0; i < 300; i++) {
		snprintf(text, sizeof(text), "big.lan.t. 10 IN TXT \"%03d-%s\"", i,
		         "0123456789012345678901234567890123456789012345678901234567890123456789"
		         "0123456789012345678901234567890123456789");
		tcs_add(&cs, text);
	}
	CU_ASSERT_FATAL(zone_serial(f.zone, &serial) == GW_OK);
	CU_ASSERT_FATAL(zone_commit(f.zone, &cs, serial + 1, &diff) == GW_OK);
	gw_push_commit(f.p, &diff);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
	CU_ASSERT(c.count >= 3);
	size_t rrs = 0;
	for (size_t i = 0; i < c.count; i++) {
		CU_ASSERT(c.len[i] <= 16382);
		uint16_t types[400];
		uint32_t ttls[400];
		rrs += push_rrs(&c, i, types, ttls, 400);
	}
	CU_ASSERT_EQUAL(rrs, 300);
	gw_push_session_free(s);
	teardown(&f);
}

/* Several zones (gw_push_set_zones()): a SUBSCRIBE is for the zone
 * holding its name, its initial PUSH from that zone; a name in none is
 * NOTAUTH; a commit of either zone reaches its subscribers. */
static void test_several_zones(void)
{
	static const char *const guest_rrs[] = {
	    "guest. 3600 IN SOA ns.guest. h.guest. 1 3600 600 86400 300",
	    "guest. 3600 IN NS ns.guest.",
	    "_ipp._tcp.guest. 10 IN PTR g._ipp._tcp.guest.",
	    NULL,
	};
	fixture_t f;
	conn_t c = {0};
	gw_push_session_t *s;
	gw_zoneref_t *guest = NULL;
	setup(&f, 8, 100);
	zone_t *gz = tzone("guest.", guest_rrs);
	CU_ASSERT_FATAL(gw_zoneref_new(&guest, gz) == GW_OK);
	gw_zoneref_t *refs[] = {f.ref, guest};
	CU_ASSERT_FATAL(gw_push_set_zones(f.p, refs, 2) == GW_OK);
	gw_zoneref_put(guest); /* the push service holds its own */
	CU_ASSERT_FATAL(gw_push_session_new(&s, f.p, fake_send, &c) == GW_OK);
	uint16_t types[8];
	uint32_t ttls[8];
	CU_ASSERT_EQUAL(subscribe(s, 1, "_ipp._tcp.guest.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 3); /* response, initial PUSH, KEEPALIVE */
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 0);
	CU_ASSERT_EQUAL(push_rrs(&c, 1, types, ttls, 8), 1);
	CU_ASSERT_EQUAL(types[0], 12);
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 2, "_ipp._tcp.lan.t.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 2);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 0);
	CU_ASSERT_EQUAL(push_rrs(&c, 1, types, ttls, 8), 1);
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 3, "example.com.", 12), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 1);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 9); /* NOTAUTH */
	/* A change in the first zone reaches its subscriber only. */
	c.count = 0;
	commit(&f, "_ipp._tcp.lan.t. 10 IN PTR b._ipp._tcp.lan.t.", NULL);
	CU_ASSERT_EQUAL_FATAL(c.count, 1);
	CU_ASSERT_EQUAL(push_rrs(&c, 0, types, ttls, 8), 1);
	/* Back to one zone: the guest zone's names are NOTAUTH. */
	gw_push_set_zone(f.p, f.ref);
	c.count = 0;
	CU_ASSERT_EQUAL(subscribe(s, 4, "x.guest.", 1), GW_PUSH_KEEP);
	CU_ASSERT_EQUAL_FATAL(c.count, 1);
	CU_ASSERT_EQUAL(rcode_of(&c, 0), 9);
	gw_push_session_free(s);
	teardown(&f);
}

int gw_test_register(void)
{
	return gw_test_suite("push",
	                     (gw_test_t[]){
	                         {"SUBSCRIBE and initial PUSH", test_subscribe_initial},
	                         {"PUSH of additions and removals", test_push_changes},
	                         {"ANY leaves out DNSSEC types", test_any_skips_dnssec},
	                         {"many subscriptions in shared chains", test_many_in_chains},
	                         {"limits", test_limits},
	                         {"error rules", test_error_rules},
	                         {"timers", test_timers},
	                         {"padding", test_padding},
	                         {"SUBSCRIBE errors", test_subscribe_errors},
	                         {"duplicates", test_duplicates},
	                         {"PUSH size", test_push_size},
	                         {"several zones", test_several_zones},
	                         {NULL, NULL},
	                     });
}
