/* The DS at the parent, asked for: Knot's "parent" check. A resolver in
 * the list sees what resolvers see (after the parent's caches); the
 * parent's own servers see it first. Each server gets one UDP query from
 * its own connect()ed socket, so the kernel drops datagrams from any
 * other address or port; the ID and the question screen the rest. */
#include "gateway/zonemgr/ds_check.h"
#include "gateway/zonemgr/ds_check_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/container.h"
#include "common/error.h"
#include "common/query_id.h"
#include "zones/zone.h"

/* Largest reply read: a UDP datagram. */
#define REPLY_MAX 65535

typedef struct server {
	gw_ds_check_t *owner; /* borrowed */
	struct sockaddr_storage addr;
	int fd; /* -1: closed */
	ev_io io;
	ev_timer timer;
	uint16_t id;
	bool done, found;
	char what[192]; /* why not found; set early when the send failed */
} server_t;

struct gw_ds_check {
	struct ev_loop *loop;
	ldns_rdf *name;    /* owned: the apex */
	ldns_rr *dnskey;   /* owned: the new key */
	server_t *servers; /* owned, count entries */
	size_t count, pending;
	gw_ds_check_fn fn;
	void *arg;
};

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	uint16_t port = 0;
	ldns_rdf *a = ldns_sockaddr_storage2rdf(ss, &port);
	char *t = a != NULL ? ldns_rdf2str(a) : NULL;
	snprintf(buf, len, "%s@%u", t != NULL ? t : "?", (unsigned)port);
	LDNS_FREE(t);
	ldns_rdf_deep_free(a);
}

static void server_close(gw_ds_check_t *c, server_t *s)
{
	ev_io_stop(c->loop, &s->io);
	ev_timer_stop(c->loop, &s->timer);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* The server has its verdict; the last one calls fn, which may free c:
 * nothing touches c after it. */
static void server_done(gw_ds_check_t *c, server_t *s)
{
	server_close(c, s);
	s->done = true;
	if (--c->pending > 0)
		return;
	int ret = GW_OK;
	char why[288] = ""; /* "addr: what" */
	for (size_t i = 0; i < c->count && ret == GW_OK; i++) {
		if (c->servers[i].found)
			continue;
		char addr[80];
		addr_text(&c->servers[i].addr, addr, sizeof(addr));
		snprintf(why, sizeof(why), "%s: %s", addr, c->servers[i].what);
		ret = GW_ENOTFOUND;
	}
	c->fn(c, ret, why, c->arg);
}

/* The reply to our query: from a response with our ID, asking what we
 * asked. Anything else is someone else's datagram. */
static bool is_ours(const gw_ds_check_t *c, const server_t *s, const ldns_pkt *pkt)
{
	if (!ldns_pkt_qr(pkt) || ldns_pkt_id(pkt) != s->id || ldns_pkt_qdcount(pkt) != 1)
		return false;
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	return q != NULL && ldns_rr_get_type(q) == LDNS_RR_TYPE_DS &&
	       ldns_rr_get_class(q) == LDNS_RR_CLASS_IN && ldns_rr_owner(q) != NULL &&
	       ldns_dname_compare(ldns_rr_owner(q), c->name) == 0;
}

static void judge(const gw_ds_check_t *c, server_t *s, const ldns_pkt *pkt)
{
	if (ldns_pkt_tc(pkt)) {
		snprintf(s->what, sizeof(s->what), "truncated answer (not asked again over TCP)");
		return;
	}
	ldns_rr_list *ds = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_DS, LDNS_SECTION_ANSWER);
	for (size_t i = 0; ds != NULL && i < ldns_rr_list_rr_count(ds) && !s->found; i++)
		s->found = ldns_rr_compare_ds(ldns_rr_list_rr(ds, i), c->dnskey);
	if (!s->found) {
		ldns_lookup_table *rc =
		    ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));
		snprintf(s->what, sizeof(s->what),
		         "%zu DS records, none for the new key (rcode %s)",
		         ds != NULL ? ldns_rr_list_rr_count(ds) : 0, rc != NULL ? rc->name : "?");
	}
	ldns_rr_list_deep_free(ds);
}

int gw_ds_check_reply(gw_ds_check_t *c, size_t server, const uint8_t *buf, size_t len)
{
	if (server >= c->count || c->servers[server].done)
		return GW_EINVAL;
	server_t *s = &c->servers[server];
	ldns_pkt *pkt = NULL;
	if (zone_pkt_read(&pkt, buf, len) != GW_OK)
		return GW_EMALFORMED;
	bool ours = is_ours(c, s, pkt);
	if (ours)
		judge(c, s, pkt);
	ldns_pkt_free(pkt);
	if (!ours)
		return GW_ENOTFOUND;
	server_done(c, s);
	return GW_OK;
}

static void on_reply(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	server_t *s = container_of(w, server_t, io);
	gw_ds_check_t *c = s->owner;
	uint8_t buf[REPLY_MAX];
	/* Bounded: a flood of foreign datagrams waits for the next turn. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		if (n < 0) {
			/* An ICMP error on the connected socket (refused,
			 * unreachable): this server will not answer. */
			snprintf(s->what, sizeof(s->what), "no answer (%s)", strerror(errno));
			server_done(c, s);
			return;
		}
		/* The answer ends the server's wait, and the last one's
		 * verdict may free c. */
		if (gw_ds_check_reply(c, (size_t)(s - c->servers), buf, (size_t)n) == GW_OK)
			return;
	}
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	server_t *s = container_of(w, server_t, timer);
	/* what is already set when the query could not be sent. */
	if (s->what[0] == '\0')
		snprintf(s->what, sizeof(s->what), "no answer (timeout)");
	server_done(s->owner, s);
}

/* Open s's socket and send the query. GW_OK, or a failure written in
 * s->what (the server then counts as not answering). */
static int server_send(gw_ds_check_t *c, server_t *s)
{
	int ret = GW_ENOMEM;
	uint8_t *wire = NULL;
	size_t len = 0;
	/* RD: a resolver in the list looks it up; the parent's servers
	 * ignore it. */
	ldns_pkt *q =
	    ldns_pkt_query_new(ldns_rdf_clone(c->name), LDNS_RR_TYPE_DS, LDNS_RR_CLASS_IN, LDNS_RD);
	if (q == NULL)
		goto out;
	s->id = gw_query_id();
	ldns_pkt_set_id(q, s->id);
	if (ldns_pkt2wire(&wire, q, &len) != LDNS_STATUS_OK)
		goto out;
	socklen_t alen = s->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
	                                               : sizeof(struct sockaddr_in);
	s->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 || connect(s->fd, (const struct sockaddr *)&s->addr, alen) != 0 ||
	    send(s->fd, wire, len, MSG_DONTWAIT) != (ssize_t)len) {
		snprintf(s->what, sizeof(s->what), "no answer (cannot send: %s)", strerror(errno));
		ret = GW_EIO;
		goto out;
	}
	ret = GW_OK;
out:
	LDNS_FREE(wire);
	ldns_pkt_free(q);
	if (ret == GW_ENOMEM)
		snprintf(s->what, sizeof(s->what), "no answer (cannot build the query)");
	return ret;
}

int gw_ds_check_start(gw_ds_check_t **out, struct ev_loop *loop,
                      const struct sockaddr_storage *servers, size_t count, const uint8_t *apex,
                      const ldns_rr *dnskey, unsigned timeout_ms, gw_ds_check_fn fn, void *arg)
{
	*out = NULL;
	int len = zone_name_len(apex, ZONE_NAME_MAXLEN);
	if (len < 0 || count == 0 || fn == NULL)
		return GW_EINVAL;
	gw_ds_check_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return GW_ENOMEM;
	c->loop = loop;
	c->fn = fn;
	c->arg = arg;
	c->servers = calloc(count, sizeof(*c->servers));
	c->name = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, (size_t)len, apex);
	c->dnskey = ldns_rr_clone(dnskey);
	if (c->servers == NULL || c->name == NULL || c->dnskey == NULL) {
		gw_ds_check_free(c);
		return GW_ENOMEM;
	}
	c->count = count;
	c->pending = count;
	for (size_t i = 0; i < count; i++) {
		server_t *s = &c->servers[i];
		s->owner = c;
		s->addr = servers[i];
		s->fd = -1;
		ev_io_init(&s->io, on_reply, 0, EV_READ);
		/* A server the query could not reach times out at once, from
		 * the loop: fn is never called from here. */
		double wait = (double)timeout_ms / 1000.0;
		if (server_send(c, s) == GW_OK) {
			ev_io_set(&s->io, s->fd, EV_READ);
			ev_io_start(loop, &s->io);
		} else {
			server_close(c, s);
			wait = 0.0;
		}
		ev_timer_init(&s->timer, on_timeout, wait, 0.0);
		ev_timer_start(loop, &s->timer);
	}
	*out = c;
	return GW_OK;
}

void gw_ds_check_free(gw_ds_check_t *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->servers != NULL && i < c->count; i++)
		server_close(c, &c->servers[i]);
	free(c->servers);
	ldns_rdf_deep_free(c->name);
	ldns_rr_free(c->dnskey);
	free(c);
}
