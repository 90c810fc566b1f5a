/* gateway/xfr/notify.c, outgoing NOTIFY: a secondary on a loopback UDP
 * socket of the test's own records every NOTIFY it gets and answers as
 * each test says. The resend schedule is the notifier's option, set to
 * milliseconds here so that the libev loop runs it in well under a
 * second: resends after 1, 2, 4 and 8 units, five tries in all; a newer
 * serial replaces a pending one; the answer with the right ID from the
 * target, echoing the question, stops the resends; a wrong ID, another
 * address or another question does not. */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <ldns/ldns.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/xfr/notify.h"
#include "zone_util.h"

#define QUERIES_MAX 16

typedef enum {
	ANSWER_NONE,              /* stay silent */
	ANSWER_RIGHT,             /* the query's ID, from the target's address */
	ANSWER_WRONG_ID,          /* another ID, from the target's address */
	ANSWER_OTHER_ADDR,        /* the query's ID, from another port */
	ANSWER_UPPER,             /* the question echoed in upper case */
	ANSWER_OTHER_NAME,        /* another name in the question */
	ANSWER_OTHER_TYPE,        /* the question's type not SOA */
	ANSWER_NO_QUESTION,       /* no question, rcode 0 */
	ANSWER_NO_QUESTION_ERROR, /* no question, rcode NOTIMP */
} answer_t;

/* The secondary: what it received, and how it answers query n (0-based). */
typedef struct secondary {
	struct ev_loop *loop;
	int fd, other_fd;
	gw_endpoint_t ep; /* where fd listens */
	ev_io io;
	answer_t answer[QUERIES_MAX];
	unsigned count;
	double at[QUERIES_MAX]; /* ev_now() at arrival */
	uint16_t id[QUERIES_MAX];
	uint16_t port[QUERIES_MAX]; /* the NOTIFY's source port */
	uint32_t serial[QUERIES_MAX];
	/* On query replace_at (1-based; 0: never), announce this zone; with
	 * replace_all, on every query before the last. */
	unsigned replace_at;
	bool replace_all;
	gw_notify_t *notify;
	const zone_t *newer;
	/* Descriptors open before the first NOTIFY and at the deadline: the
	 * notifier holds a socket only while a NOTIFY waits. */
	int fds_before, fds_at_end;
} secondary_t;

static int open_fds(void)
{
	int count = 0;
	DIR *d = opendir("/proc/self/fd");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while (readdir(d) != NULL)
		count++;
	closedir(d);
	return count;
}

static int udp_socket(struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof(*addr);
	CU_ASSERT_FATAL(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(bind(fd, (struct sockaddr *)addr, sizeof(*addr)) == 0);
	CU_ASSERT_FATAL(getsockname(fd, (struct sockaddr *)addr, &len) == 0);
	return fd;
}

/* The serial in the NOTIFY's answer section (RFC 1996 3.7). */
static uint32_t notify_serial(const uint8_t *buf, size_t len)
{
	ldns_pkt *p = NULL;
	uint32_t serial = 0;
	CU_ASSERT_FATAL(ldns_wire2pkt(&p, buf, len) == LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_pkt_get_opcode(p), LDNS_PACKET_NOTIFY);
	CU_ASSERT_FALSE(ldns_pkt_qr(p));
	CU_ASSERT_EQUAL_FATAL(ldns_pkt_ancount(p), 1);
	ldns_rr *soa = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	CU_ASSERT_EQUAL_FATAL(ldns_rr_get_type(soa), LDNS_RR_TYPE_SOA);
	serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	ldns_pkt_free(p);
	return serial;
}

static void on_query(struct ev_loop *loop, ev_io *w, int revents)
{
	secondary_t *s = w->data;
	uint8_t buf[4096];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(w->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

	(void)revents;
	if (n < 12 || s->count >= QUERIES_MAX)
		return;
	unsigned i = s->count++;
	s->at[i] = ev_now(loop);
	s->id[i] = (uint16_t)(buf[0] << 8 | buf[1]);
	s->port[i] = ntohs(((const struct sockaddr_in *)&from)->sin_port);
	s->serial[i] = notify_serial(buf, (size_t)n);
	if (s->replace_at == i + 1 || (s->replace_all && i + 1 < QUERIES_MAX))
		gw_notify_send(s->notify, s->newer);
	if (s->answer[i] == ANSWER_NONE)
		return;
	buf[2] |= 0x80; /* QR: the answer, the question echoed */
	/* The question's name starts at 12: "\5dnssd\4test\0", type at 24. */
	switch (s->answer[i]) {
	case ANSWER_WRONG_ID:
		buf[1] ^= 0x01;
		break;
	case ANSWER_UPPER:
		for (size_t k = 13; k < 24; k++)
			if (buf[k] >= 'a' && buf[k] <= 'z')
				buf[k] = (uint8_t)(buf[k] - 'a' + 'A');
		break;
	case ANSWER_OTHER_NAME:
		buf[13] = 'x';
		break;
	case ANSWER_OTHER_TYPE:
		buf[25] = 2; /* NS */
		break;
	case ANSWER_NO_QUESTION_ERROR:
		buf[3] = (uint8_t)((buf[3] & 0xf0) | 4); /* NOTIMP */
		                                         /* fall through */
	case ANSWER_NO_QUESTION:
		buf[5] = 0;
		n = 12;
		break;
	default:
		break;
	}
	int fd = s->answer[i] == ANSWER_OTHER_ADDR ? s->other_fd : s->fd;
	CU_ASSERT(sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) == n);
}

static void assert_stats(const gw_notify_stats_t *st, uint64_t sent, uint64_t acked,
                         uint64_t failed)
{
	CU_ASSERT_EQUAL(st->sent, sent);
	CU_ASSERT_EQUAL(st->acked, acked);
	CU_ASSERT_EQUAL(st->failed, failed);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	secondary_t *s = w->data;
	s->fds_at_end = open_fds();
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static zone_t *zone_with_serial(unsigned serial)
{
	char soa[128];
	snprintf(soa, sizeof(soa),
	         "dnssd.test. 3600 IN SOA ns.dnssd.test. hostmaster.dnssd.test. %u 3600 600 86400 "
	         "10",
	         serial);
	const char *rrs[] = {soa, "dnssd.test. 3600 IN NS ns.dnssd.test.", NULL};
	return tzone("dnssd.test.", rrs);
}

/* The secondary s listens on loop (its answers set by the caller). */
static void secondary_open(secondary_t *s, struct ev_loop *loop)
{
	struct sockaddr_in addr, other;
	s->loop = loop;
	s->fd = udp_socket(&addr);
	s->other_fd = udp_socket(&other);
	memcpy(&s->ep.addr, &addr, sizeof(addr));
	s->ep.addrlen = sizeof(addr);
	ev_io_init(&s->io, on_query, s->fd, EV_READ);
	s->io.data = s;
	ev_io_start(s->loop, &s->io);
}

static void secondary_close(secondary_t *s)
{
	ev_io_stop(s->loop, &s->io);
	close(s->fd);
	close(s->other_fd);
}

/* Run loop for seconds; s (may be NULL) counts the descriptors open at
 * the end. */
static void run_loop(struct ev_loop *loop, secondary_t *s, double seconds)
{
	ev_timer deadline;
	ev_timer_init(&deadline, on_deadline, seconds, 0.0);
	secondary_t dummy = {0};
	deadline.data = s != NULL ? s : &dummy;
	ev_timer_start(loop, &deadline);
	ev_run(loop, 0);
	ev_timer_stop(loop, &deadline);
}

/* Announce serial 1 to the secondary s (answers set by the caller), with
 * resends after first_retry seconds, doubling, tries sends in all (0: the
 * default); run the loop for seconds; the notifier's counters into st. */
static void run(secondary_t *s, double first_retry, unsigned tries, double seconds,
                gw_notify_stats_t *st)
{
	gw_notify_t *n = NULL;
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	secondary_open(s, loop);

	gw_notify_target_t target = {.ep = s->ep, .key = -1};
	gw_tsig_keyring_t keys = {NULL, 0};
	gw_notify_opts_t opts = {
	    .targets = &target,
	    .target_count = 1,
	    .keys = &keys,
	    .first_retry = first_retry,
	    .tries = tries,
	};
	CU_ASSERT_FATAL(gw_notify_new(&n, s->loop, &opts) == GW_OK);
	s->notify = n;
	zone_t *zone = zone_with_serial(1);
	s->fds_before = open_fds();
	gw_notify_send(n, zone);
	run_loop(loop, s, seconds);

	gw_notify_get_stats(n, st);
	gw_notify_free(n);
	zone_free(zone);
	secondary_close(s);
	ev_loop_destroy(loop);
}

/* No answer: five tries, 1, 2, 4 and 8 units apart, then given up. */
static void test_resend_schedule(void)
{
	secondary_t s = {0};
	gw_notify_stats_t st;
	/* A unit large enough that a loaded machine's scheduling delay (tens
	 * of milliseconds) stays inside the margins below. */
	const double unit = 0.1;

	run(&s, unit, 0, 4.0, &st);
	CU_ASSERT_EQUAL_FATAL(s.count, GW_NOTIFY_TRIES);
	for (unsigned i = 1; i < s.count; i++) {
		double want = unit * (double)(1u << (i - 1));
		double got = s.at[i] - s.at[i - 1];
		/* Arrivals, not sends, are timed: a late arrival shortens the
		 * next gap, so the margin below; a fixed gap still fails. */
		if (got < want * 0.75 || got > want + 0.3)
			fprintf(stderr, "\nresend %u after %.3f s, want %.3f s\n", i, got, want);
		CU_ASSERT(got >= want * 0.75);
		CU_ASSERT(got <= want + 0.3);
		/* a resend is the same query: same ID, same serial, from the
		 * same socket */
		CU_ASSERT_EQUAL(s.id[i], s.id[0]);
		CU_ASSERT_EQUAL(s.serial[i], 1);
		CU_ASSERT_EQUAL(s.port[i], s.port[0]);
	}
	assert_stats(&st, GW_NOTIFY_TRIES, 0, 1);
	CU_ASSERT_EQUAL(s.fds_at_end, s.fds_before); /* closed once given up */
}

/* The right answer to the first resend: nothing more is sent. */
static void test_answer_stops(void)
{
	secondary_t s = {0};
	gw_notify_stats_t st;

	s.answer[1] = ANSWER_RIGHT;
	run(&s, 0.05, 0, 0.5, &st);
	CU_ASSERT_EQUAL(s.count, 2);
	assert_stats(&st, 2, 1, 0);
	CU_ASSERT_EQUAL(s.fds_at_end, s.fds_before); /* closed once answered */
}

/* Answers with another ID, or from another port of the target's host,
 * are not the target's: every try is sent. */
static void test_wrong_answers(void)
{
	static const answer_t wrong[] = {ANSWER_WRONG_ID, ANSWER_OTHER_ADDR};
	for (size_t w = 0; w < sizeof(wrong) / sizeof(wrong[0]); w++) {
		secondary_t s = {0};
		gw_notify_stats_t st;
		for (unsigned i = 0; i < QUERIES_MAX; i++)
			s.answer[i] = wrong[w];
		run(&s, 0.01, 0, 0.6, &st);
		CU_ASSERT_EQUAL(s.count, GW_NOTIFY_TRIES);
		assert_stats(&st, GW_NOTIFY_TRIES, 0, 1);
	}
}

/* The question must be the NOTIFY's own (RFC 5452 9.1), its name in any
 * case; a reply without a question counts only as an error answer. */
static void test_answer_question(void)
{
	static const struct {
		answer_t answer;
		unsigned sent, acked, failed;
	} cases[] = {
	    {ANSWER_UPPER, 1, 1, 0},
	    {ANSWER_OTHER_NAME, GW_NOTIFY_TRIES, 0, 1},
	    {ANSWER_OTHER_TYPE, GW_NOTIFY_TRIES, 0, 1},
	    {ANSWER_NO_QUESTION, GW_NOTIFY_TRIES, 0, 1},
	    {ANSWER_NO_QUESTION_ERROR, 1, 0, 1},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		secondary_t s = {0};
		gw_notify_stats_t st;
		for (unsigned i = 0; i < QUERIES_MAX; i++)
			s.answer[i] = cases[c].answer;
		run(&s, 0.01, 0, 0.6, &st);
		CU_ASSERT_EQUAL(s.count, cases[c].sent);
		assert_stats(&st, cases[c].sent, cases[c].acked, cases[c].failed);
	}
}

/* Serial 2 while serial 1 waits: the next query carries 2 under a new
 * ID, the late answer to the old ID is ignored, and the right answer to
 * the new one stops the resends. */
static void test_newer_serial(void)
{
	secondary_t s = {0};
	gw_notify_stats_t st;
	zone_t *newer = zone_with_serial(2);

	s.replace_at = 1;
	s.newer = newer;
	s.answer[0] = ANSWER_RIGHT; /* sent after serial 2 replaced it: too late */
	s.answer[2] = ANSWER_RIGHT;
	run(&s, 0.05, 0, 0.5, &st);
	CU_ASSERT_EQUAL_FATAL(s.count, 3);
	CU_ASSERT_EQUAL(s.serial[0], 1);
	CU_ASSERT_EQUAL(s.serial[1], 2);
	CU_ASSERT_EQUAL(s.serial[2], 2);
	CU_ASSERT_EQUAL(s.id[2], s.id[1]);
	assert_stats(&st, 3, 1, 0);
	zone_free(newer);
}

/* Each serial's NOTIFY comes from a socket of its own (RFC 5452 9.2): a
 * new source port from the kernel's random choice. Sixteen announcements
 * in a row from one port would be one chance in about 28 000^15. */
static void test_new_port(void)
{
	secondary_t s = {0};
	gw_notify_stats_t st;
	zone_t *newer = zone_with_serial(2);

	s.replace_all = true;
	s.newer = newer;
	run(&s, 1.0, 0, 0.5, &st);
	CU_ASSERT_EQUAL_FATAL(s.count, QUERIES_MAX);
	bool other_port = false;
	for (unsigned i = 1; i < s.count; i++) {
		other_port = other_port || s.port[i] != s.port[0];
		CU_ASSERT_EQUAL(s.serial[i], 2);
	}
	CU_ASSERT_TRUE(other_port);
	/* The last NOTIFY still waits, on the one socket left open. */
	CU_ASSERT_EQUAL(s.fds_at_end, s.fds_before + 1);
	zone_free(newer);
}

/* tries: fewer sends in all when asked. */
static void test_tries_option(void)
{
	secondary_t s = {0};
	gw_notify_stats_t st;

	run(&s, 0.01, 2, 0.3, &st);
	CU_ASSERT_EQUAL(s.count, 2);
	assert_stats(&st, 2, 0, 1);
}

/* Out of descriptors: the NOTIFY gets no socket, so it is not sent and
 * its wait ends at once as "no socket", counted as failed. The soft limit
 * goes to the lowest free descriptor, so that the next socket() fails
 * with EMFILE. */
static void test_no_socket(void)
{
	struct sockaddr_in addr;
	int fd = udp_socket(&addr);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	gw_notify_target_t target = {.key = -1};
	memcpy(&target.ep.addr, &addr, sizeof(addr));
	target.ep.addrlen = sizeof(addr);
	gw_tsig_keyring_t keys = {NULL, 0};
	gw_notify_opts_t opts = {.targets = &target, .target_count = 1, .keys = &keys};
	gw_notify_t *n = NULL;
	CU_ASSERT_FATAL(gw_notify_new(&n, loop, &opts) == GW_OK);
	zone_t *zone = zone_with_serial(1);

	struct rlimit saved, low;
	CU_ASSERT_FATAL(getrlimit(RLIMIT_NOFILE, &saved) == 0);
	int lowest = dup(0);
	CU_ASSERT_FATAL(lowest >= 0);
	close(lowest);
	low = saved;
	low.rlim_cur = (rlim_t)lowest;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
	gw_notify_send(n, zone);
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &saved) == 0);

	gw_notify_stats_t st;
	gw_notify_get_stats(n, &st);
	assert_stats(&st, 0, 0, 1);
	gw_notify_target_info_t info;
	CU_ASSERT_EQUAL(gw_notify_targets(n, &info, 1), 1);
	CU_ASSERT_FALSE(info.pending);
	CU_ASSERT_STRING_EQUAL(info.result, "no socket");
	char buf[64];
	CU_ASSERT(recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0); /* nothing sent */
	/* With descriptors again, the next serial goes out. */
	gw_notify_send(n, zone);
	gw_notify_get_stats(n, &st);
	assert_stats(&st, 1, 0, 1);
	gw_notify_free(n);
	zone_free(zone);
	close(fd);
	ev_loop_destroy(loop);
}

/* A notifier of target (s's address) that takes its sockets from pool. */
static gw_notify_t *pooled(struct ev_loop *loop, const secondary_t *s, gw_notify_pool_t *pool,
                           gw_notify_target_t *target)
{
	static gw_tsig_keyring_t keys = {NULL, 0};
	*target = (gw_notify_target_t){.ep = s->ep, .key = -1};
	gw_notify_opts_t opts = {.targets = target,
	                         .target_count = 1,
	                         .keys = &keys,
	                         .first_retry = 0.05,
	                         .tries = 3,
	                         .pool = pool};
	gw_notify_t *n = NULL;
	CU_ASSERT_FATAL(gw_notify_new(&n, loop, &opts) == GW_OK);
	return n;
}

static const char *result_of(const gw_notify_t *n)
{
	gw_notify_target_info_t info;
	CU_ASSERT_EQUAL_FATAL(gw_notify_targets(n, &info, 1), 1);
	return info.result;
}

/* Three notifiers share a pool of two sockets: the third NOTIFY waits
 * (queued, counted, nothing sent) until one of the first two is answered,
 * then goes out; a secondary that never answers holds its socket to the
 * end of its tries. Every socket is given back at the end. */
static void test_pool_queue(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	secondary_t s[3] = {{0}};
	gw_notify_target_t target[3];
	gw_notify_t *n[3];
	gw_notify_pool_t pool;
	gw_notify_pool_init(&pool, 2);
	for (int i = 0; i < 3; i++) {
		secondary_open(&s[i], loop);
		n[i] = pooled(loop, &s[i], &pool, &target[i]);
	}
	s[1].answer[0] = ANSWER_RIGHT; /* s[0] stays silent */
	s[2].answer[0] = ANSWER_RIGHT;
	zone_t *zone = zone_with_serial(1);
	int fds_before = open_fds();

	for (int i = 0; i < 3; i++)
		gw_notify_send(n[i], zone);
	CU_ASSERT_EQUAL(pool.used, 2);
	CU_ASSERT_EQUAL(open_fds(), fds_before + 2);
	CU_ASSERT_STRING_EQUAL(result_of(n[0]), "pending");
	CU_ASSERT_STRING_EQUAL(result_of(n[2]), "queued");
	gw_notify_stats_t st;
	gw_notify_get_stats(n[2], &st);
	CU_ASSERT_EQUAL(st.sent, 0);
	CU_ASSERT_EQUAL(st.queued, 1);

	/* s[0]: 3 tries, given up 0.05 + 0.1 + 0.2 s after the first. */
	run_loop(loop, &s[0], 0.8);
	CU_ASSERT_EQUAL(s[0].count, 3);
	CU_ASSERT_EQUAL(s[1].count, 1);
	CU_ASSERT_EQUAL_FATAL(s[2].count, 1);
	CU_ASSERT(s[2].at[0] >= s[1].at[0]); /* after s[1]'s answer freed a socket */
	CU_ASSERT_STRING_EQUAL(result_of(n[0]), "no answer");
	CU_ASSERT_STRING_EQUAL(result_of(n[1]), "acknowledged");
	CU_ASSERT_STRING_EQUAL(result_of(n[2]), "acknowledged");
	gw_notify_get_stats(n[2], &st);
	assert_stats(&st, 1, 1, 0);
	gw_notify_get_stats(n[0], &st);
	assert_stats(&st, 3, 0, 1);
	CU_ASSERT_EQUAL(st.queued, 0);
	CU_ASSERT_EQUAL(pool.used, 0);
	CU_ASSERT_EQUAL(s[0].fds_at_end, fds_before);

	for (int i = 0; i < 3; i++) {
		gw_notify_free(n[i]);
		secondary_close(&s[i]);
	}
	zone_free(zone);
	ev_loop_destroy(loop);
}

/* A pool of one: the queue is oldest first; a queued NOTIFY that gets a
 * newer serial keeps its place and sends only the newest; a notifier
 * freed while queued leaves the queue; one freed while it holds the
 * socket hands it to the next in line. */
static void test_pool_order(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	secondary_t s[4] = {{0}};
	gw_notify_target_t target[4];
	gw_notify_t *n[4];
	gw_notify_pool_t pool;
	gw_notify_pool_init(&pool, 1);
	for (int i = 0; i < 4; i++) {
		secondary_open(&s[i], loop);
		n[i] = pooled(loop, &s[i], &pool, &target[i]);
	}
	zone_t *one = zone_with_serial(1), *two = zone_with_serial(2);
	int fds_before = open_fds();

	for (int i = 0; i < 4; i++) /* n[0] sends; n[1], n[2], n[3] wait */
		gw_notify_send(n[i], one);
	gw_notify_send(n[2], two);
	gw_notify_free(n[1]); /* queued: it leaves the queue */
	n[1] = NULL;
	gw_notify_free(n[0]); /* holds the socket: n[2] takes it */
	n[0] = NULL;
	CU_ASSERT_EQUAL(pool.used, 1);
	CU_ASSERT_STRING_EQUAL(result_of(n[2]), "pending");
	CU_ASSERT_STRING_EQUAL(result_of(n[3]), "queued");
	run_loop(loop, NULL, 0.02);
	CU_ASSERT_EQUAL(s[0].count, 1);
	CU_ASSERT_EQUAL(s[1].count, 0);
	CU_ASSERT_EQUAL_FATAL(s[2].count, 1);
	CU_ASSERT_EQUAL(s[2].serial[0], 2);
	CU_ASSERT_EQUAL(s[3].count, 0);
	gw_notify_free(n[2]); /* n[3] next */
	CU_ASSERT_STRING_EQUAL(result_of(n[3]), "pending");
	gw_notify_free(n[3]);
	CU_ASSERT_EQUAL(pool.used, 0);
	CU_ASSERT_PTR_NULL(pool.head);
	CU_ASSERT_EQUAL(open_fds(), fds_before);

	for (int i = 0; i < 4; i++)
		secondary_close(&s[i]);
	zone_free(one);
	zone_free(two);
	ev_loop_destroy(loop);
}

int gw_test_register(void)
{
	return gw_test_suite("notify", (gw_test_t[]){
	                                   {"resend schedule", test_resend_schedule},
	                                   {"answer stops resends", test_answer_stops},
	                                   {"wrong answers", test_wrong_answers},
	                                   {"answer's question", test_answer_question},
	                                   {"newer serial", test_newer_serial},
	                                   {"tries option", test_tries_option},
	                                   {"a new port per serial", test_new_port},
	                                   {"no socket", test_no_socket},
	                                   {"pool: queue", test_pool_queue},
	                                   {"pool: order and free", test_pool_order},
	                                   {NULL, NULL},
	                               });
}
