/* DSO sessions (RFC 8490) and the DNS Push requests in them (RFC 8765):
 * one session per connection, made at the connection's first DSO
 * message, established by the first DSO request answered NOERROR. The
 * error rules, in short: a malformed request gets FORMERR and the
 * connection closes; a malformed or unexpected unidirectional message, or
 * any response (we never send requests), closes it at once; an unknown
 * primary TLV in a request gets DSOTYPENI and the session goes on. */
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"
#include "gateway/push/dso.h"
#include "gateway/push/internal.h"

int gw_push_new(gw_push_t **out, const gw_push_opts_t *opts, gw_zoneref_t *zone)
{
	gw_push_t *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return GW_ENOMEM;
	p->opts = *opts;
	/* About two subscriptions a chain when the table is full. */
	p->nbuckets = 64;
	while (p->nbuckets < opts->max_subscriptions / 2 && p->nbuckets < (1u << 20))
		p->nbuckets <<= 1;
	p->buckets = calloc(p->nbuckets, sizeof(*p->buckets));
	if (p->buckets == NULL) {
		free(p);
		return GW_ENOMEM;
	}
	p->zone = gw_zoneref_get(zone);
	*out = p;
	return GW_OK;
}

void gw_push_set_zone(gw_push_t *p, gw_zoneref_t *zone)
{
	gw_zoneref_t *old = p->zone;
	p->zone = gw_zoneref_get(zone);
	gw_zoneref_put(old);
}

void gw_push_free(gw_push_t *p)
{
	if (p == NULL)
		return;
	while (p->sessions != NULL)
		gw_push_session_free(p->sessions);
	gw_zoneref_put(p->zone);
	free(p->buckets);
	free(p);
}

void gw_push_get_stats(const gw_push_t *p, gw_push_stats_t *st)
{
	*st = p->stats;
}

int gw_push_session_new(gw_push_session_t **out, gw_push_t *p, gw_push_send_fn send, void *conn)
{
	gw_push_session_t *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return GW_ENOMEM;
	s->p = p;
	s->send = send;
	s->conn = conn;
	GW_DLIST_PUSH(p->sessions, s, prev, next);
	*out = s;
	return GW_OK;
}

void gw_push_session_free(gw_push_session_t *s)
{
	if (s == NULL)
		return;
	while (s->subs != NULL)
		push_sub_remove(s->subs);
	if (s->established)
		s->p->stats.sessions--;
	GW_DLIST_UNLINK(s->p->sessions, s, prev, next);
	free(s->pend);
	free(s);
}

bool gw_push_session_established(const gw_push_session_t *s)
{
	return s != NULL && s->established;
}

double gw_push_session_deadline(const gw_push_session_t *s, double last_traffic)
{
	const gw_push_opts_t *o = &s->p->opts;
	if (s->sub_count > 0)
		return last_traffic + 2.0 * o->keepalive_ms / 1000.0;
	double idle = 2.0 * o->inactivity_ms / 1000.0;
	return last_traffic + (idle > 5.0 ? idle : 5.0);
}

/* A response to request id with rcode and, when tlv_type is not 0, that
 * TLV (KEEPALIVE or RETRY DELAY with our values). */
static int respond(gw_push_session_t *s, uint16_t id, uint8_t rcode, uint16_t tlv_type)
{
	const gw_push_opts_t *o = &s->p->opts;
	uint8_t msg[GW_DSO_HEADER + 12];
	size_t n = gw_dso_begin(msg, sizeof(msg), id, id != 0, rcode);
	if (tlv_type == GW_DSO_KEEPALIVE)
		gw_dso_keepalive_put(msg, sizeof(msg), &n, o->inactivity_ms, o->keepalive_ms);
	else if (tlv_type == GW_DSO_RETRY_DELAY)
		gw_dso_retry_delay_put(msg, sizeof(msg), &n, o->retry_delay_ms);
	return s->send(s->conn, msg, n);
}

/* A protocol error: counted, logged (limited), the connection closes. */
static gw_push_verdict_t fail(gw_push_session_t *s, const char *why)
{
	s->p->stats.errors++;
	gw_log_limited(&s->p->lim_errors, GW_LOG_NOTICE, "push: DSO protocol error: %s; closing",
	               why);
	return GW_PUSH_CLOSE;
}

static gw_push_verdict_t formerr(gw_push_session_t *s, uint16_t id, const char *why)
{
	respond(s, id, DNS_RCODE_FORMERR, 0);
	return fail(s, why);
}

/* Establish the session at a request; false (and a REFUSED response with
 * RETRY DELAY sent: RFC 8490 7.2) when there are too many. */
static bool establish(gw_push_session_t *s, uint16_t id)
{
	gw_push_t *p = s->p;
	if (s->established)
		return true;
	if (p->stats.sessions >= p->opts.max_sessions) {
		p->stats.refused++;
		gw_log_limited(&p->lim_sessions, GW_LOG_WARNING,
		               "push: %u DSO sessions open (push.max-sessions); a new one is "
		               "refused with RETRY DELAY %u ms",
		               p->opts.max_sessions, p->opts.retry_delay_ms);
		respond(s, id, DNS_RCODE_REFUSED, GW_DSO_RETRY_DELAY);
		return false;
	}
	s->established = true;
	p->stats.sessions++;
	return true;
}

static bool meta_type(uint16_t t)
{
	return t == 0 || t == DNS_T_OPT || (t >= 128 && t <= 254 && t != DNS_T_ANY);
}

static gw_push_verdict_t subscribe(gw_push_session_t *s, const gw_dso_msg_t *m)
{
	gw_push_t *p = s->p;
	uint8_t name[256], lower[256];
	uint16_t type, rrclass;
	if (gw_push_subscribe_read(&m->primary, name, &type, &rrclass) != GW_OK)
		return formerr(s, m->id, "SUBSCRIBE TLV malformed");
	if (meta_type(type))
		return formerr(s, m->id, "SUBSCRIBE for a meta type");
	/* RFC 8490 5.1.1: the ID of an outstanding operation is not reused. */
	if (push_sub_find(s, m->id) != NULL)
		return formerr(s, m->id, "SUBSCRIBE with the message ID of an active subscription");
	bool was = s->established;
	if (!establish(s, m->id))
		return GW_PUSH_CLOSE;
	size_t n = (size_t)zone_name_lower(lower, name);
	uint8_t rcode = DNS_RCODE_NOERROR;
	if (p->zone == NULL)
		rcode = DNS_RCODE_SERVFAIL;
	else if ((rrclass != DNS_C_IN && rrclass != DNS_C_ANY) ||
	         !zone_name_is_subdomain(lower, zone_apex(p->zone->zone)))
		rcode = DNS_RCODE_NOTAUTH;
	else if (s->sub_count >= p->opts.max_per_session ||
	         p->stats.subscriptions >= p->opts.max_subscriptions) {
		rcode = DNS_RCODE_REFUSED;
		p->stats.refused++;
		gw_log_limited(&p->lim_subs, GW_LOG_WARNING, "push: SUBSCRIBE refused: %s (%u)",
		               s->sub_count >= p->opts.max_per_session
		                   ? "the connection holds push.max-subscriptions-per-connection"
		                   : "push.max-subscriptions active",
		               s->sub_count >= p->opts.max_per_session ? p->opts.max_per_session
		                                                       : p->opts.max_subscriptions);
	}
	sub_t *sub = NULL;
	if (rcode == DNS_RCODE_NOERROR &&
	    push_sub_add(s, m->id, lower, n, type, rrclass, &sub) != GW_OK)
		rcode = DNS_RCODE_SERVFAIL;
	if (respond(s, m->id, rcode, 0) != GW_OK)
		return GW_PUSH_CLOSE;
	/* A session established by SUBSCRIBE learns our timeouts from a
	 * unidirectional KEEPALIVE (RFC 8490 7.1.2). */
	if (!was && respond(s, 0, 0, GW_DSO_KEEPALIVE) != GW_OK)
		return GW_PUSH_CLOSE;
	/* RFC 8765 6.2: the current answers follow the response. */
	if (sub != NULL && push_initial(s, sub) != GW_OK)
		return GW_PUSH_CLOSE;
	return GW_PUSH_KEEP;
}

static gw_push_verdict_t request(gw_push_session_t *s, const gw_dso_msg_t *m)
{
	uint32_t inactivity, keepalive;
	switch (m->primary.type) {
	case GW_DSO_KEEPALIVE:
		/* The client's values are its wishes; ours are the answer. */
		if (gw_dso_keepalive_read(&m->primary, &inactivity, &keepalive) != GW_OK)
			return formerr(s, m->id, "KEEPALIVE TLV malformed");
		if (!establish(s, m->id))
			return GW_PUSH_CLOSE;
		return respond(s, m->id, DNS_RCODE_NOERROR, GW_DSO_KEEPALIVE) == GW_OK
		           ? GW_PUSH_KEEP
		           : GW_PUSH_CLOSE;
	case GW_DSO_SUBSCRIBE:
		return subscribe(s, m);
	case GW_DSO_RETRY_DELAY:
	case GW_DSO_PUSH:
	case GW_DSO_UNSUBSCRIBE:
	case GW_DSO_RECONFIRM:
		/* Server-to-client or unidirectional types sent as requests. */
		return formerr(s, m->id, "a TLV that is never a client's request");
	default:
		/* RFC 8490 5.1.1: not a session establishment either. */
		return respond(s, m->id, GW_DSO_DSOTYPENI, 0) == GW_OK ? GW_PUSH_KEEP
		                                                       : GW_PUSH_CLOSE;
	}
}

static gw_push_verdict_t unidirectional(gw_push_session_t *s, const gw_dso_msg_t *m)
{
	gw_push_t *p = s->p;
	uint8_t name[256];
	uint16_t id, type, rrclass, rdlen;
	const uint8_t *rdata;
	if (!s->established)
		return fail(s, "unidirectional message before the session was established");
	switch (m->primary.type) {
	case GW_DSO_UNSUBSCRIBE: {
		if (gw_push_unsubscribe_read(&m->primary, &id) != GW_OK)
			return fail(s, "UNSUBSCRIBE TLV malformed");
		sub_t *sub = push_sub_find(s, id);
		/* An UNSUBSCRIBE that crossed our close of the subscription: nothing to do. */
		if (sub != NULL)
			push_sub_remove(sub);
		return GW_PUSH_KEEP;
	}
	case GW_DSO_RECONFIRM:
		if (gw_push_reconfirm_read(&m->primary, name, &type, &rrclass, &rdata, &rdlen) !=
		    GW_OK)
			return fail(s, "RECONFIRM TLV malformed");
		/* The mirror drops what its links stop announcing (goodbyes, cache
		 * expiry): the zone holds nothing to reconfirm by hand. */
		p->stats.reconfirms++;
		char text[ZONE_NAME_MAXLEN * 4];
		zone_name_to_str(text, sizeof(text), name);
		gw_log_limited(&p->lim_reconfirm, GW_LOG_INFO,
		               "push: RECONFIRM of %s type %u: no action, the mirror follows the "
		               "link's announcements and goodbyes",
		               text, type);
		return GW_PUSH_KEEP;
	default:
		/* KEEPALIVE and RETRY DELAY go only from server to client
		 * unidirectionally; an unknown unidirectional type is fatal
		 * (RFC 8490 5.4.5, 7.1.2, 7.2.2). */
		return fail(s, "unexpected unidirectional message");
	}
}

gw_push_verdict_t gw_push_session_message(gw_push_session_t *s, const uint8_t *pkt, size_t len)
{
	gw_dso_msg_t m;
	if (gw_dso_read(pkt, len, &m) != GW_OK) {
		if (len >= GW_DSO_HEADER && !m.response && m.id != 0)
			return formerr(s, m.id, "malformed DSO message");
		return fail(s, "malformed DSO message");
	}
	/* We send no DSO request, so no response is expected. */
	if (m.response)
		return fail(s, "DSO response from the client");
	return m.id != 0 ? request(s, &m) : unidirectional(s, &m);
}
