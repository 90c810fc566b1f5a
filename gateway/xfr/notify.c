#include "gateway/xfr/notify.h"
#include "gateway/xfr/notify_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/query_id.h"
#include "common/log.h"
#include "gateway/query/answer.h"
#include "gateway/query/response.h"
#include "common/container.h"
#include "common/word.h"
#include "zones/zone.h"

/* Lines that a packet from the network triggers (a NOTIFY received, an
 * answer to ours): each line below has its own limit, a few lines per
 * interval, the rest counted (common/log.h). */
static gw_log_limit_t g_peer_lines[5] = {
    {.burst = 10}, {.burst = 10}, {.burst = 10}, {.burst = 10}, {.burst = 10},
};
/* A socket that cannot be opened, once per serial change. */
static gw_log_limit_t g_local_line = {.burst = 10};

#define NOTIFY_MSG_MAX (512 + GW_TSIG_RESERVE)

typedef struct notify_target {
	gw_notify_t *owner;
	const gw_notify_target_t *cfg; /* borrowed from the options */
	const gw_tsig_key_t *key;      /* borrowed from the keyring; NULL: unsigned */
	char text[80];
	ev_timer timer;
	/* The socket of the NOTIFY under way, connect()ed to the target:
	 * each serial gets a new one, so a new source port (RFC 5452 9.2)
	 * besides a new ID, and the kernel drops datagrams from any other
	 * address or port. Closed when the wait ends. -1: none. It counts
	 * in the pool's used while open. */
	int fd;
	ev_io io;
	/* Waiting for a socket of the pool: in its queue (prev and next
	 * borrowed), pending, nothing sent yet. */
	bool queued;
	struct notify_target *prev, *next;
	bool pending;
	uint32_t serial;
	uint16_t id;
	unsigned tries;
	uint8_t msg[NOTIFY_MSG_MAX];
	size_t msg_len; /* unsigned until the first try signs it */
	gw_tsig_ctx_t tsig;
	/* What gw_notify_targets() shows. */
	time_t last_sent, last_answer;
	uint32_t answered_serial;
	const char *result; /* NULL: never sent */
	unsigned rcode;
} target_t;

struct gw_notify {
	struct ev_loop *loop;
	double first_retry;
	unsigned tries;
	target_t *targets; /* owned */
	size_t count;
	gw_notify_pool_t *pool; /* borrowed from the options, or own_pool */
	gw_notify_pool_t own_pool;
	gw_notify_stats_t stats;
};

static void on_read(struct ev_loop *loop, ev_io *w, int revents);
static void start(target_t *t);

void gw_notify_pool_init(gw_notify_pool_t *pool, unsigned max)
{
	memset(pool, 0, sizeof(*pool));
	pool->max = max > 0 ? max : 1;
}

static void enqueue(gw_notify_pool_t *p, target_t *t)
{
	t->queued = true;
	t->next = NULL;
	t->prev = p->tail;
	if (p->tail != NULL)
		p->tail->next = t;
	else
		p->head = t;
	p->tail = t;
}

static void dequeue(gw_notify_pool_t *p, target_t *t)
{
	if (!t->queued)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		p->head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	else
		p->tail = t->prev;
	t->queued = false;
	t->prev = t->next = NULL;
}

/* The oldest waiting NOTIFYs take the sockets free. A start that fails
 * gives its socket back through release(), which comes here again: the
 * flag keeps that to this one loop rather than a recursion as deep as
 * the queue. */
static void drain(gw_notify_pool_t *p)
{
	if (p->draining)
		return;
	p->draining = true;
	while (p->used < p->max && p->head != NULL) {
		target_t *w = p->head;
		dequeue(p, w);
		start(w);
	}
	p->draining = false;
}

/* t's socket closed, its place in the pool free (no one takes it yet). */
static void close_socket(gw_notify_t *n, target_t *t)
{
	if (t->fd < 0)
		return;
	ev_io_stop(n->loop, &t->io);
	close(t->fd);
	t->fd = -1;
	n->pool->used--;
}

/* t's wait is over: out of the queue, its socket closed and given back
 * to the pool. */
static void release(target_t *t)
{
	gw_notify_t *n = t->owner;
	dequeue(n->pool, t);
	close_socket(n, t);
	drain(n->pool);
}

/* A new socket for t's next NOTIFY, connect()ed to the target, in place
 * of the one it holds (the pool's count unchanged) or from the pool
 * (which the caller saw had one free). */
static int open_socket(gw_notify_t *n, target_t *t)
{
	close_socket(n, t);
	int fd = socket(t->cfg->ep.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&t->cfg->ep.addr, t->cfg->ep.addrlen) != 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	t->fd = fd;
	n->pool->used++;
	ev_io_init(&t->io, on_read, fd, EV_READ);
	ev_io_start(n->loop, &t->io);
	return GW_OK;
}

static void send_one(gw_notify_t *n, target_t *t)
{
	ssize_t k = send(t->fd, t->msg, t->msg_len, MSG_DONTWAIT | MSG_NOSIGNAL);
	t->tries++;
	n->stats.sent++;
	t->last_sent = gw_clock_wall();
	t->result = "pending";
	if (k < 0)
		gw_debug("NOTIFY to %s (serial %u, try %u): %s", t->text, t->serial, t->tries,
		         strerror(errno));
	else
		gw_debug("NOTIFY to %s: serial %u, try %u", t->text, t->serial, t->tries);
	/* 2, 4, 8, 16 s between tries (by default), then the last one gets
	 * 32 s. */
	ev_timer_stop(n->loop, &t->timer);
	ev_timer_set(&t->timer, n->first_retry * (double)(1u << (t->tries - 1)), 0.0);
	ev_timer_start(n->loop, &t->timer);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	target_t *t = container_of(w, target_t, timer);
	if (!t->pending)
		return;
	if (t->tries >= t->owner->tries) {
		gw_warn("NOTIFY to %s for serial %u: no answer after %u tries; the secondary "
		        "will find the change at its next refresh",
		        t->text, t->serial, t->tries);
		t->pending = false;
		t->owner->stats.failed++;
		t->result = "no answer";
		release(t);
		return;
	}
	send_one(t->owner, t);
}

/* The NOTIFY query: our SOA in the question and, as a hint of the serial
 * (RFC 1996 3.7), in the answer section. */
static int build(gw_notify_t *n, target_t *t, const zone_t *zone)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = apex != NULL ? zone_node_rrset(apex, DNS_T_SOA) : NULL;
	if (soa == NULL)
		return GW_ENOTFOUND;
	gw_resp_t r;
	uint16_t flags = (uint16_t)(DNS_OPCODE_NOTIFY << 11) | DNS_FLAG_AA;
	gw_resp_init(&r, t->msg, sizeof(t->msg) - GW_TSIG_RESERVE, t->id, flags);
	if (gw_resp_put_question(&r, apex->owner, DNS_T_SOA, DNS_C_IN) != GW_OK ||
	    gw_resp_put_rrset(&r, GW_SEC_ANSWER, apex->owner, soa, false, -1) != GW_OK)
		return GW_ESPACE;
	t->msg_len = gw_resp_finish(&r);
	return GW_OK;
}

/* The first try of t's NOTIFY (built, not yet signed): a socket (t's own
 * or one the pool has free), the TSIG (signed now, as a NOTIFY that
 * waited in the queue would have an old time), the send. */
static void start(target_t *t)
{
	gw_notify_t *n = t->owner;
	int ret = open_socket(n, t);
	if (ret != GW_OK) {
		/* Local (out of descriptors, no route), and a change a second
		 * would say it each time. */
		gw_log_limited(&g_local_line, GW_LOG_ERR,
		               "NOTIFY to %s for serial %u: cannot open a socket: %s; the "
		               "secondary will find the change at its next refresh",
		               t->text, t->serial, gw_strerror(ret));
		t->pending = false;
		t->result = "no socket";
		n->stats.failed++;
		release(t);
		return;
	}
	memset(&t->tsig, 0, sizeof(t->tsig));
	if (t->key != NULL)
		ret = gw_tsig_sign_request(&t->tsig, t->key, t->msg, &t->msg_len, sizeof(t->msg));
	if (ret != GW_OK) {
		gw_err("NOTIFY to %s for serial %u: %s", t->text, t->serial, gw_strerror(ret));
		t->pending = false;
		release(t);
		return;
	}
	send_one(n, t);
}

void gw_notify_send(gw_notify_t *n, const zone_t *zone)
{
	uint32_t serial = 0;
	if (n == NULL || zone_serial(zone, &serial) != GW_OK)
		return;
	for (size_t i = 0; i < n->count; i++) {
		target_t *t = &n->targets[i];
		/* A newer serial replaces the one still waiting: the answer to
		 * the old query (its ID) no longer counts. */
		t->pending = true;
		t->serial = serial;
		t->id = gw_query_id();
		t->tries = 0;
		ev_timer_stop(n->loop, &t->timer);
		int ret = build(n, t, zone);
		if (ret != GW_OK) {
			gw_err("NOTIFY to %s for serial %u: %s", t->text, serial, gw_strerror(ret));
			t->pending = false;
			release(t);
			continue;
		}
		/* One that waits for a socket keeps its place in the queue. */
		if (t->queued)
			continue;
		if (t->fd < 0 && n->pool->used >= n->pool->max) {
			enqueue(n->pool, t);
			t->result = "queued";
			n->stats.queued++;
			continue;
		}
		start(t);
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* Whether the answer pkt (len octets) is to t's question (RFC 5452 9.1:
 * ID, address and question). The name compares without case, as a
 * secondary may echo it in its own. A secondary that could not read the
 * query may answer an error without the question; an acknowledgement
 * always echoes it. */
static bool same_question(const target_t *t, const uint8_t *pkt, size_t len, unsigned rcode)
{
	unsigned qdcount = (unsigned)(pkt[4] << 8 | pkt[5]);
	if (qdcount == 0)
		return rcode != 0;
	if (qdcount != 1)
		return false;
	const uint8_t *ours = t->msg + DNS_HEADER_LEN;
	int name_len = zone_name_len(ours, t->msg_len - DNS_HEADER_LEN);
	if (name_len < 0 || len < DNS_HEADER_LEN + (size_t)name_len + 4)
		return false;
	const uint8_t *theirs = pkt + DNS_HEADER_LEN;
	/* zone_name_len() refuses compression pointers, which cannot stand
	 * in the first name of a message anyway. */
	if (zone_name_len(theirs, (size_t)name_len) != name_len)
		return false;
	return gw_octets_equal_ci(ours, theirs, (size_t)name_len) &&
	       memcmp(ours + name_len, theirs + name_len, 4) == 0;
}

void gw_notify_on_answer(gw_notify_t *n, const uint8_t *pkt, size_t len,
                         const struct sockaddr_storage *from)
{
	if (len < DNS_HEADER_LEN)
		return;
	uint16_t id = (uint16_t)(pkt[0] << 8 | pkt[1]);
	uint16_t flags = (uint16_t)(pkt[2] << 8 | pkt[3]);
	if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != DNS_OPCODE_NOTIFY)
		return;
	for (size_t i = 0; i < n->count; i++) {
		target_t *t = &n->targets[i];
		/* One still queued has sent nothing (its ID not yet out). */
		if (!t->pending || t->queued || t->id != id || !same_addr(&t->cfg->ep.addr, from) ||
		    !same_question(t, pkt, len, flags & DNS_FLAG_RCODE))
			continue;
		if (t->key != NULL &&
		    gw_tsig_verify_reply(&t->tsig, pkt, len, gw_clock_wall()) != GW_OK) {
			gw_log_limited(
			    &g_peer_lines[0], GW_LOG_WARNING,
			    "NOTIFY to %s for serial %u: the answer's TSIG (key %s) does not "
			    "verify; ignored",
			    t->text, t->serial, t->key->cfg->name);
			return;
		}
		t->pending = false;
		ev_timer_stop(n->loop, &t->timer);
		unsigned rcode = flags & DNS_FLAG_RCODE;
		t->last_answer = gw_clock_wall();
		t->answered_serial = t->serial;
		t->rcode = rcode;
		t->result = rcode != 0 ? "error rcode" : "acknowledged";
		if (rcode != 0) {
			gw_log_limited(
			    &g_peer_lines[1], GW_LOG_WARNING,
			    "NOTIFY to %s for serial %u: answered with rcode %u; check that it "
			    "serves the zone as a secondary and allows NOTIFY from us (and the "
			    "key)",
			    t->text, t->serial, rcode);
			n->stats.failed++;
			return;
		}
		n->stats.acked++;
		gw_debug("NOTIFY to %s: serial %u acknowledged", t->text, t->serial);
		return;
	}
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	target_t *t = container_of(w, target_t, io);
	gw_notify_t *n = t->owner;
	uint8_t buf[4096];
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t k = recvfrom(w->fd, buf, sizeof(buf), MSG_DONTWAIT,
		                     (struct sockaddr *)&from, &flen);
		if (k < 0)
			return;
		gw_notify_on_answer(n, buf, (size_t)k, &from);
		/* Answered: the socket has done its part. */
		if (!t->pending) {
			release(t);
			return;
		}
	}
}

int gw_notify_new(gw_notify_t **out, struct ev_loop *loop, const gw_notify_opts_t *opts)
{
	int ret = GW_ENOMEM;
	gw_notify_t *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return GW_ENOMEM;
	n->loop = loop;
	n->first_retry = opts->first_retry > 0 ? opts->first_retry : GW_NOTIFY_FIRST_RETRY;
	n->tries = opts->tries > 0 ? opts->tries : GW_NOTIFY_TRIES;
	gw_notify_pool_init(&n->own_pool, GW_NOTIFY_SOCKETS_MAX);
	n->pool = opts->pool != NULL ? opts->pool : &n->own_pool;
	if (opts->target_count > 0) {
		n->targets = calloc(opts->target_count, sizeof(*n->targets));
		if (n->targets == NULL)
			goto out;
	}
	for (size_t i = 0; i < opts->target_count; i++) {
		target_t *t = &n->targets[i];
		t->owner = n;
		t->cfg = &opts->targets[i];
		t->key = gw_tsig_keyring_get(opts->keys, t->cfg->key);
		gw_config_endpoint_format(&t->cfg->ep, t->text, sizeof(t->text));
		t->fd = -1;
		ev_init(&t->timer, on_timer);
		n->count++;
	}
	ret = GW_OK;
	*out = n;
	n = NULL;
out:
	gw_notify_free(n);
	return ret;
}

void gw_notify_get_stats(const gw_notify_t *n, gw_notify_stats_t *st)
{
	memset(st, 0, sizeof(*st));
	if (n != NULL)
		*st = n->stats;
}

void gw_notify_free(gw_notify_t *n)
{
	if (n == NULL)
		return;
	/* Out of the queue first, so that a socket given back below goes to
	 * another notifier's NOTIFY, not to one of these. */
	for (size_t i = 0; i < n->count; i++) {
		ev_timer_stop(n->loop, &n->targets[i].timer);
		n->targets[i].pending = false;
		dequeue(n->pool, &n->targets[i]);
	}
	for (size_t i = 0; i < n->count; i++)
		release(&n->targets[i]);
	free(n->targets);
	free(n);
}

/* ---- NOTIFY received ----------------------------------------------------- */

/* At most this many NOTIFY log lines a second: a flood costs answers,
 * not the log. */
#define NOTIFY_LOG_PER_SEC 10

static bool log_ok(time_t now)
{
	static time_t second;
	static unsigned count;
	if (now != second) {
		second = now;
		count = 0;
	}
	return count++ < NOTIFY_LOG_PER_SEC;
}

size_t gw_notify_answer(const gw_tsig_keyring_t *keys, const zone_t *zone, const gw_query_t *q,
                        const uint8_t *pkt, size_t len, const char *peer_text, time_t now,
                        uint16_t udp_payload, uint8_t *out, size_t cap)
{
	gw_tsig_ctx_t tsig;
	char name[4 * DNS_NAME_MAXLEN + 2] = "?";
	memset(&tsig, 0, sizeof(tsig));
	zone_name_to_str(name, sizeof(name), q->qname);
	if (q->has_tsig) {
		int ret = gw_tsig_verify_request(keys, pkt, len, q, now, &tsig);
		if (ret == GW_EMALFORMED)
			return gw_answer_error(q, true, DNS_RCODE_FORMERR, out, cap, udp_payload);
		if (ret != GW_OK) {
			if (log_ok(now))
				gw_log_limited(&g_peer_lines[2], GW_LOG_WARNING,
				               "NOTIFY from %s for %s refused: TSIG key %s: %s",
				               peer_text, name, tsig.key_text,
				               gw_tsig_error_str(tsig.error));
			return gw_tsig_error_reply(&tsig, q, now, udp_payload, out, cap);
		}
	}
	bool ours = zone != NULL && q->qclass == DNS_C_IN && q->qtype == DNS_T_SOA &&
	            zone_name_equal(q->qname, zone_apex(zone));
	if (log_ok(now)) {
		if (ours)
			gw_log_limited(
			    &g_peer_lines[3], GW_LOG_INFO,
			    "NOTIFY from %s for %s%s%s: this server is the primary; answered, "
			    "nothing to do",
			    peer_text, name, tsig.key ? ", TSIG key " : "",
			    tsig.key ? tsig.key_text : "");
		else
			gw_log_limited(&g_peer_lines[4], GW_LOG_NOTICE,
			               "NOTIFY from %s for %s: not our zone; NOTAUTH", peer_text,
			               name);
	}
	size_t reserve = gw_tsig_room(&tsig);
	if (cap < DNS_HEADER_LEN + DNS_NAME_MAXLEN + 4 + GW_RESP_OPT_LEN + reserve)
		return 0;
	gw_resp_t r;
	uint8_t rcode = ours ? DNS_RCODE_NOERROR : DNS_RCODE_NOTAUTH;
	uint16_t flags = gw_wire_reply_flags(q, rcode);
	if (ours)
		flags |= DNS_FLAG_AA;
	gw_resp_init(&r, out, cap - reserve - GW_RESP_OPT_LEN, q->id, flags);
	if (gw_resp_put_question(&r, q->qname, q->qtype, q->qclass) != GW_OK)
		return 0;
	size_t n = gw_resp_finish(&r);
	/* An OPT when the NOTIFY had one (RFC 6891 7), before the TSIG. */
	if (gw_resp_add_opt(q, rcode, udp_payload, out, &n, cap - reserve) != GW_OK)
		return 0;
	if (tsig.key != NULL && gw_tsig_sign_reply(&tsig, out, &n, cap) != GW_OK)
		return 0;
	return n;
}

size_t gw_notify_targets(const gw_notify_t *n, gw_notify_target_info_t *out, size_t cap)
{
	if (n == NULL)
		return 0;
	for (size_t i = 0; i < n->count && i < cap; i++) {
		const target_t *t = &n->targets[i];
		gw_notify_target_info_t *o = &out[i];
		memset(o, 0, sizeof(*o));
		memcpy(o->addr, t->text,
		       sizeof(o->addr) < sizeof(t->text) ? sizeof(o->addr) : sizeof(t->text));
		o->addr[sizeof(o->addr) - 1] = '\0';
		o->sa = t->cfg->ep.addr;
		o->key = t->key != NULL ? t->key->cfg->name : NULL;
		o->last_sent = t->last_sent;
		o->sent_serial = t->serial;
		o->tries = t->tries;
		o->pending = t->pending;
		o->last_answer = t->last_answer;
		o->answered_serial = t->answered_serial;
		o->result = t->result != NULL ? t->result : "never sent";
		o->rcode = t->rcode;
	}
	return n->count;
}
