/* gateway/zonemgr/ds_check.c: the DS check asks a fake parent, a UDP
 * socket on 127.0.0.1 served by the same loop, so the check is
 * asynchronous or the test hangs. DS present: OK; DS absent, no answer
 * (timeout) or a truncated answer: not yet; a reply with a wrong ID, or
 * with TSIG records ldns would leak, is ignored; other watchers run while
 * a check waits; a cancelled check calls nobody. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <ldns/ldns.h>

#include "common/container.h"
#include "common/error.h"
#include "cunit.h"
#include "gateway/zonemgr/ds_check.h"
#include "hidden_tsig.h"

#define APEX_TEXT "home.arpa."
#define KEY_NEW                                                                                    \
	APEX_TEXT                                                                                  \
	" 3600 IN DNSKEY 257 3 13 "                                                                \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7"         \
	"PD0+Pw=="
#define KEY_OLD                                                                                    \
	APEX_TEXT                                                                                  \
	" 3600 IN DNSKEY 257 3 13 "                                                                \
	"QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7"         \
	"fH1+fw=="
#define TIMEOUT_MS 300
#define RUN_MAX_S  5.0 /* longest a test runs the loop */

/* How the fake parent answers. */
typedef enum {
	ANSWER_DS,       /* the DS of the new key (and the old one's) */
	ANSWER_OLD_DS,   /* only the old key's DS */
	ANSWER_NOTHING,  /* silent */
	ANSWER_WRONG_ID, /* first the new DS under another ID, then the old DS */
	ANSWER_TC,       /* an empty answer with TC set */
	ANSWER_SPOOFED,  /* the new DS from another port, then the old DS */
	ANSWER_HIDDEN,   /* the new DS with hidden TSIG records, then the old DS */
} answer_t;

typedef struct parent {
	int fd;
	ev_io io;
	answer_t answer;
	ldns_rr *ds_new, *ds_old; /* owned */
	unsigned queries;
	struct sockaddr_storage addr; /* where it listens */
} parent_t;

typedef struct fixture {
	struct ev_loop *loop;
	parent_t parent;
	ldns_rr *key_new; /* owned */
	uint8_t apex[64];
	ev_timer guard; /* ends a test that would hang */
	ev_timer tick;  /* another watcher, which must keep firing */
	unsigned ticks, ticks_at_verdict;
	bool called, timed_out;
	int ret;
	char why[512];
} fixture_t;

/* hide: with TSIG records that ldns reads and the counts do not show
 * (hidden_tsig.h). */
static void send_reply(int fd, const struct sockaddr_storage *to, socklen_t tolen,
                       const ldns_pkt *query, uint16_t id, const ldns_rr *ds, bool tc, bool hide)
{
	ldns_pkt *r = ldns_pkt_new();
	uint8_t *wire = NULL;
	size_t len = 0;
	CU_ASSERT_FATAL(r != NULL);
	ldns_pkt_set_id(r, id);
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_tc(r, tc);
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
	                 ldns_rr_clone(ldns_rr_list_rr(ldns_pkt_question(query), 0)));
	if (ds != NULL)
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, ldns_rr_clone(ds));
	CU_ASSERT_FATAL(ldns_pkt2wire(&wire, r, &len) == LDNS_STATUS_OK);
	uint8_t msg[1024];
	CU_ASSERT_FATAL(len <= sizeof(msg));
	memcpy(msg, wire, len);
	if (hide)
		hide_tsig(msg, &len, sizeof(msg), len);
	CU_ASSERT(sendto(fd, msg, len, 0, (const struct sockaddr *)to, tolen) == (ssize_t)len);
	LDNS_FREE(wire);
	ldns_pkt_free(r);
}

static void on_query(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	parent_t *p = container_of(w, parent_t, io);
	uint8_t buf[4096];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n = recvfrom(p->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	ldns_pkt *q = NULL;
	CU_ASSERT_FATAL(ldns_wire2pkt(&q, buf, (size_t)n) == LDNS_STATUS_OK);
	p->queries++;
	const ldns_rr *qr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	CU_ASSERT(qr != NULL && ldns_rr_get_type(qr) == LDNS_RR_TYPE_DS);
	uint16_t id = ldns_pkt_id(q);
	switch (p->answer) {
	case ANSWER_DS:
		send_reply(p->fd, &from, fromlen, q, id, p->ds_new, false, false);
		break;
	case ANSWER_OLD_DS:
		send_reply(p->fd, &from, fromlen, q, id, p->ds_old, false, false);
		break;
	case ANSWER_NOTHING:
		break;
	case ANSWER_WRONG_ID:
		send_reply(p->fd, &from, fromlen, q, (uint16_t)(id ^ 0x5a5a), p->ds_new, false,
		           false);
		send_reply(p->fd, &from, fromlen, q, id, p->ds_old, false, false);
		break;
	case ANSWER_TC:
		send_reply(p->fd, &from, fromlen, q, id, NULL, true, false);
		break;
	case ANSWER_HIDDEN:
		send_reply(p->fd, &from, fromlen, q, id, p->ds_new, false, true);
		send_reply(p->fd, &from, fromlen, q, id, p->ds_old, false, false);
		break;
	case ANSWER_SPOOFED: {
		/* Right ID and question, wrong source port. */
		int other = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		CU_ASSERT_FATAL(other >= 0);
		send_reply(other, &from, fromlen, q, id, p->ds_new, false, false);
		close(other);
		send_reply(p->fd, &from, fromlen, q, id, p->ds_old, false, false);
		break;
	}
	}
	ldns_pkt_free(q);
}

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	fixture_t *f = container_of(w, fixture_t, guard);
	f->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	fixture_t *f = container_of(w, fixture_t, tick);
	f->ticks++;
}

static void on_verdict(gw_ds_check_t *c, int ret, const char *why, void *arg)
{
	fixture_t *f = arg;
	CU_ASSERT(!f->called); /* once */
	f->called = true;
	f->ret = ret;
	f->ticks_at_verdict = f->ticks;
	snprintf(f->why, sizeof(f->why), "%s", why);
	gw_ds_check_free(c);
	ev_break(f->loop, EVBREAK_ALL);
}

static void setup(fixture_t *f, answer_t answer)
{
	memset(f, 0, sizeof(*f));
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	ldns_rr *old = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&f->key_new, KEY_NEW, 0, NULL, NULL) == LDNS_STATUS_OK);
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&old, KEY_OLD, 0, NULL, NULL) == LDNS_STATUS_OK);
	parent_t *p = &f->parent;
	p->answer = answer;
	p->ds_new = ldns_key_rr2ds(f->key_new, LDNS_SHA256);
	p->ds_old = ldns_key_rr2ds(old, LDNS_SHA256);
	ldns_rr_free(old);
	CU_ASSERT_FATAL(p->ds_new != NULL && p->ds_old != NULL);
	/* The apex in wire form, as the zone manager holds it. */
	ldns_rdf *name = ldns_rr_owner(f->key_new);
	CU_ASSERT_FATAL(ldns_rdf_size(name) <= sizeof(f->apex));
	memcpy(f->apex, ldns_rdf_data(name), ldns_rdf_size(name));

	struct sockaddr_in *sin = (struct sockaddr_in *)&p->addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(p->fd >= 0);
	CU_ASSERT_FATAL(bind(p->fd, (struct sockaddr *)sin, sizeof(*sin)) == 0);
	socklen_t len = sizeof(*sin);
	CU_ASSERT_FATAL(getsockname(p->fd, (struct sockaddr *)sin, &len) == 0);
	ev_io_init(&p->io, on_query, p->fd, EV_READ);
	ev_io_start(f->loop, &p->io);
	ev_timer_init(&f->guard, on_guard, RUN_MAX_S, 0.0);
	ev_timer_start(f->loop, &f->guard);
	ev_timer_init(&f->tick, on_tick, 0.02, 0.02);
	ev_timer_start(f->loop, &f->tick);
}

static void teardown(fixture_t *f)
{
	ev_io_stop(f->loop, &f->parent.io);
	ev_timer_stop(f->loop, &f->guard);
	ev_timer_stop(f->loop, &f->tick);
	close(f->parent.fd);
	ldns_rr_free(f->parent.ds_new);
	ldns_rr_free(f->parent.ds_old);
	ldns_rr_free(f->key_new);
	ev_loop_destroy(f->loop);
}

/* Ask the fake parent (count times, as count servers) and run the loop
 * until the verdict. */
static void run_check(fixture_t *f, size_t count)
{
	struct sockaddr_storage servers[2] = {f->parent.addr, f->parent.addr};
	gw_ds_check_t *c = NULL;
	CU_ASSERT_FATAL(gw_ds_check_start(&c, f->loop, servers, count, f->apex, f->key_new,
	                                  TIMEOUT_MS, on_verdict, f) == GW_OK);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT(!f->called); /* never from the start */
	ev_run(f->loop, 0);
	CU_ASSERT(!f->timed_out);
	CU_ASSERT(f->called);
	CU_ASSERT(f->parent.queries == count);
}

static void test_ds_present(void)
{
	fixture_t f;
	setup(&f, ANSWER_DS);
	run_check(&f, 2);
	CU_ASSERT(f.ret == GW_OK);
	teardown(&f);
}

static void test_ds_absent(void)
{
	fixture_t f;
	setup(&f, ANSWER_OLD_DS);
	run_check(&f, 1);
	CU_ASSERT(f.ret == GW_ENOTFOUND);
	CU_ASSERT(strstr(f.why, "127.0.0.1@") == f.why);
	CU_ASSERT(strstr(f.why, "1 DS records, none for the new key (rcode NOERROR)") != NULL);
	teardown(&f);
}

/* No answer: each server times out, and meanwhile the loop runs. */
static void test_timeout(void)
{
	fixture_t f;
	setup(&f, ANSWER_NOTHING);
	ev_tstamp t0 = ev_time();
	run_check(&f, 2);
	ev_tstamp took = ev_time() - t0;
	CU_ASSERT(f.ret == GW_ENOTFOUND);
	CU_ASSERT(strstr(f.why, "no answer (timeout)") != NULL);
	/* Both servers waited together, not one after the other. */
	CU_ASSERT(took >= TIMEOUT_MS / 1000.0 - 0.01);
	CU_ASSERT(took < 2 * TIMEOUT_MS / 1000.0);
	/* The 20 ms tick fired while the check was outstanding. */
	CU_ASSERT(f.ticks_at_verdict >= 5);
	teardown(&f);
}

/* The check asks once and the fake parent answers as answer says: the
 * reply with the old DS only is the answer, whatever came before it. */
static void only_old_ds_counts(answer_t answer)
{
	fixture_t f;
	setup(&f, answer);
	run_check(&f, 1);
	CU_ASSERT(f.ret == GW_ENOTFOUND);
	CU_ASSERT(strstr(f.why, "1 DS records, none for the new key") != NULL);
	teardown(&f);
}

/* The reply with the new DS under another ID is not the answer. */
static void test_wrong_id(void)
{
	only_old_ds_counts(ANSWER_WRONG_ID);
}

/* The new DS with the right ID from another port is not the answer. */
static void test_spoofed(void)
{
	only_old_ds_counts(ANSWER_SPOOFED);
}

/* The new DS with TSIG records hidden in an AFSDB's rdata (found by
 * fuzz_peer_replies) is not the answer: ldns read two of them and leaked
 * one, from any datagram of the server's address; now refused before
 * ldns reads it. */
static void test_hidden_tsig(void)
{
	only_old_ds_counts(ANSWER_HIDDEN);
}

static void test_truncated(void)
{
	fixture_t f;
	setup(&f, ANSWER_TC);
	run_check(&f, 1);
	CU_ASSERT(f.ret == GW_ENOTFOUND);
	CU_ASSERT(strstr(f.why, "truncated") != NULL);
	teardown(&f);
}

/* Cancelled before any answer: the callback never runs, the sockets
 * are closed and the loop has nothing of it left. */
static void test_cancel(void)
{
	fixture_t f;
	setup(&f, ANSWER_NOTHING);
	struct sockaddr_storage servers[1] = {f.parent.addr};
	gw_ds_check_t *c = NULL;
	CU_ASSERT_FATAL(gw_ds_check_start(&c, f.loop, servers, 1, f.apex, f.key_new, TIMEOUT_MS,
	                                  on_verdict, &f) == GW_OK);
	gw_ds_check_free(c);
	ev_timer_stop(f.loop, &f.guard);
	ev_timer_stop(f.loop, &f.tick);
	/* Only the parent's watcher is left: the loop would block on it, so
	 * stop it too and the loop must have nothing to run. */
	ev_io_stop(f.loop, &f.parent.io);
	CU_ASSERT(ev_run(f.loop, 0) == 0);
	CU_ASSERT(!f.called);
	teardown(&f);
}

/* A server nobody listens on: the refusal is "not yet" too. */
static void test_refused(void)
{
	fixture_t f;
	setup(&f, ANSWER_DS);
	struct sockaddr_storage servers[2] = {f.parent.addr, f.parent.addr};
	/* The second: a port bound then closed, so nothing answers there. */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in *sin = (struct sockaddr_in *)&servers[1];
	sin->sin_port = 0;
	CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)sin, sizeof(*sin)) == 0);
	socklen_t len = sizeof(*sin);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)sin, &len) == 0);
	close(fd);
	gw_ds_check_t *c = NULL;
	CU_ASSERT_FATAL(gw_ds_check_start(&c, f.loop, servers, 2, f.apex, f.key_new, TIMEOUT_MS,
	                                  on_verdict, &f) == GW_OK);
	ev_run(f.loop, 0);
	CU_ASSERT(f.called && !f.timed_out);
	CU_ASSERT(f.ret == GW_ENOTFOUND);
	CU_ASSERT(strstr(f.why, "no answer") != NULL);
	teardown(&f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"DS present at every server", test_ds_present},
	    {"DS absent", test_ds_absent},
	    {"no answer: timeout, the loop keeps running", test_timeout},
	    {"a reply with a wrong ID is ignored", test_wrong_id},
	    {"a reply from another port is ignored", test_spoofed},
	    {"a reply with hidden TSIG records is ignored", test_hidden_tsig},
	    {"a truncated reply is not yet", test_truncated},
	    {"a cancelled check calls nobody", test_cancel},
	    {"a refused server is not yet", test_refused},
	    {NULL, NULL},
	};
	return gw_test_suite("ds_check", tests);
}
