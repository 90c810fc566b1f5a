/* DSO sessions (RFC 8490) and the DNS Push requests in them (RFC 8765):
 * one session per connection, made at the connection's first DSO
 * message, established by the first DSO request answered NOERROR (RFC
 * 8490 5.1). The error rules, in short (docs/push.md): a malformed
 * request gets FORMERR with a RETRY DELAY and the connection closes; a
 * fatal error (RFC 8490 5.3.1: a malformed or unexpected unidirectional
 * message, a unidirectional TLV sent as a request, any response, a
 * duplicate SUBSCRIBE) aborts it without a response; an unknown primary
 * TLV in a request gets DSOTYPENI and the session goes on. */
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"
#include "common/seed.h"
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
	/* A client picks the names; without a secret basis it could put
	 * thousands in one chain, and each commit that changes one of them
	 * would walk it. */
	p->seed = gw_hash_seed();
	if (zone != NULL && gw_push_set_zones(p, &zone, 1) != GW_OK) {
		free(p->buckets);
		free(p);
		return GW_ENOMEM;
	}
	*out = p;
	return GW_OK;
}

static void drop_zones(gw_push_t *p)
{
	for (size_t i = 0; i < p->zone_count; i++)
		gw_zoneref_put(p->zones[i]);
	free(p->zones);
	free(p->zone_ptrs);
	p->zones = NULL;
	p->zone_ptrs = NULL;
	p->zone_count = 0;
}

int gw_push_set_zones(gw_push_t *p, gw_zoneref_t *const *zones, size_t count)
{
	gw_zoneref_t **refs = count > 0 ? calloc(count, sizeof(*refs)) : NULL;
	const zone_t **ptrs = count > 0 ? calloc(count, sizeof(*ptrs)) : NULL;
	if (count > 0 && (refs == NULL || ptrs == NULL)) {
		free(refs);
		free(ptrs);
		return GW_ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		refs[i] = gw_zoneref_get(zones[i]);
		ptrs[i] = zones[i] != NULL ? zones[i]->zone : NULL;
	}
	drop_zones(p);
	p->zones = refs;
	p->zone_ptrs = ptrs;
	p->zone_count = count;
	return GW_OK;
}

void gw_push_set_zone(gw_push_t *p, gw_zoneref_t *zone)
{
	if (zone == NULL || gw_push_set_zones(p, &zone, 1) != GW_OK)
		drop_zones(p); /* out of memory: SERVFAIL rather than an old zone */
}

const zone_t *push_zone_of(const gw_push_t *p, const uint8_t *name)
{
	int i = zone_pick(p->zone_ptrs, p->zone_count, name);
	return i >= 0 ? p->zone_ptrs[i] : NULL;
}

void gw_push_free(gw_push_t *p)
{
	if (p == NULL)
		return;
	while (p->sessions != NULL)
		gw_push_session_free(p->sessions);
	drop_zones(p);
	free(p->buckets);
	free(p);
}

void gw_push_get_stats(const gw_push_t *p, gw_push_stats_t *st)
{
	*st = p->stats;
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

bool gw_push_session_established(const gw_push_session_t *s)
{
	return s != NULL && s->established;
}

double gw_push_session_deadline(const gw_push_session_t *s, double last_traffic)
{
	const gw_push_opts_t *o = &s->p->opts;
	double keepalive = last_traffic + 2.0 * o->keepalive_ms / 1000.0;
	/* An active subscription is an operation in progress: no inactivity
	 * timeout (RFC 8490 6.3). */
	if (s->sub_count > 0 || !s->clocked)
		return keepalive;
	double idle = 2.0 * o->inactivity_ms / 1000.0;
	double inactive = s->active_at + (idle > 5.0 ? idle : 5.0);
	return inactive < keepalive ? inactive : keepalive;
}

void gw_push_session_touch(gw_push_session_t *s, double now)
{
	if (s == NULL)
		return;
	s->active_at = now;
	s->clocked = true;
}

#define PUSH_PAD_BLOCK 468 /* RFC 8467 4.1: responses padded to 468-octet blocks */

/* How long a client should wait before it tries a request again that got
 * rcode (RFC 8765 6.2.2's recommendations; REFUSED: push.retry-delay). */
static uint32_t retry_delay_for(const gw_push_t *p, uint8_t rcode)
{
	switch (rcode) {
	case DNS_RCODE_SERVFAIL:
		return 60 * 1000;
	case DNS_RCODE_REFUSED:
		return p->opts.retry_delay_ms;
	default: /* FORMERR, NOTAUTH, others */
		return 5 * 60 * 1000;
	}
}

/* A message from us: the response to request id (0: a unidirectional
 * message) with rcode; with tlv_type KEEPALIVE our timeouts, with
 * RETRY_DELAY the delay for rcode (RFC 8490 7.2.2, RFC 8765 6.2.2); an
 * ENCRYPTION PADDING TLV when pad (the request had one: RFC 8490 7.3). */
static int respond(gw_push_session_t *s, uint16_t id, uint8_t rcode, uint16_t tlv_type, bool pad)
{
	const gw_push_opts_t *o = &s->p->opts;
	uint8_t msg[PUSH_PAD_BLOCK];
	size_t n = gw_dso_begin(msg, sizeof(msg), id, id != 0, rcode);
	if (tlv_type == GW_DSO_KEEPALIVE)
		gw_dso_keepalive_put(msg, sizeof(msg), &n, o->inactivity_ms, o->keepalive_ms);
	else if (tlv_type == GW_DSO_RETRY_DELAY)
		gw_dso_retry_delay_put(msg, sizeof(msg), &n, retry_delay_for(s->p, rcode));
	if (pad)
		gw_dso_padding_put(msg, sizeof(msg), &n, PUSH_PAD_BLOCK);
	return s->send(s->conn, msg, n);
}

/* An error response to m: rcode and the RETRY DELAY that RFC 8765 6.2.2
 * asks to append to every nonzero rcode. */
static int respond_error(gw_push_session_t *s, const gw_dso_msg_t *m, uint8_t rcode)
{
	return respond(s, m->id, rcode, GW_DSO_RETRY_DELAY, m->padded);
}

/* A fatal error (RFC 8490 5.3.1): counted, logged (limited), the
 * connection aborted without a response. */
static gw_push_verdict_t fail(gw_push_session_t *s, const char *why)
{
	s->p->stats.errors++;
	gw_log_limited(&s->p->lim_errors, GW_LOG_NOTICE,
	               "push: DSO protocol error: %s; aborting the connection", why);
	return GW_PUSH_ABORT;
}

/* A malformed request: FORMERR with a RETRY DELAY (RFC 8490 5.4, RFC 8765
 * 6.2.2); on an established session also the RETRY DELAY message that
 * ends it (RFC 8490 6.6.1, 7.2.1: rcode FORMERR); then the connection
 * closes once that is written. */
static gw_push_verdict_t formerr(gw_push_session_t *s, const gw_dso_msg_t *m, const char *why)
{
	s->p->stats.errors++;
	gw_log_limited(&s->p->lim_errors, GW_LOG_NOTICE,
	               "push: DSO protocol error: %s; FORMERR, closing", why);
	respond_error(s, m, DNS_RCODE_FORMERR);
	if (s->established)
		respond(s, 0, DNS_RCODE_FORMERR, GW_DSO_RETRY_DELAY, false);
	return GW_PUSH_CLOSE;
}

/* Room for this session to be established; false (and a REFUSED
 * response with RETRY DELAY sent: RFC 8490 7.2.2) when there are too
 * many. No unidirectional RETRY DELAY: before a NOERROR response the
 * server sends no DSO message of its own (RFC 8490 5.1). */
static bool may_establish(gw_push_session_t *s, const gw_dso_msg_t *m)
{
	gw_push_t *p = s->p;
	if (s->established || p->stats.sessions < p->opts.max_sessions)
		return true;
	p->stats.refused++;
	gw_log_limited(&p->lim_sessions, GW_LOG_WARNING,
	               "push: %u DSO sessions open (push.max-sessions); a new one is "
	               "refused with RETRY DELAY %u ms",
	               p->opts.max_sessions, p->opts.retry_delay_ms);
	respond_error(s, m, DNS_RCODE_REFUSED);
	return false;
}

/* The session is established by the NOERROR response being sent (RFC
 * 8490 5.1.2). */
static void establish(gw_push_session_t *s)
{
	if (s->established)
		return;
	s->established = true;
	s->p->stats.sessions++;
}

/* The session's subscription to the same name, type and class, or NULL. */
static sub_t *sub_same(gw_push_session_t *s, const uint8_t *lower, size_t n, uint16_t type,
                       uint16_t rrclass)
{
	for (sub_t *sub = s->subs; sub != NULL; sub = sub->next)
		if (sub->type == type && sub->rrclass == rrclass && sub->name_len == n &&
		    memcmp(sub->name, lower, n) == 0)
			return sub;
	return NULL;
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
		return formerr(s, m, "SUBSCRIBE TLV malformed");
	if (meta_type(type))
		return formerr(s, m, "SUBSCRIBE for a meta type");
	/* RFC 8490 5.4.1, RFC 8765 6.2.1: the ID of an active subscription is
	 * in use; the RFCs name no answer for its reuse: a malformed request. */
	if (push_sub_find(s, m->id) != NULL)
		return formerr(s, m, "SUBSCRIBE with the message ID of an active subscription");
	size_t n = (size_t)zone_name_lower(lower, name);
	/* RFC 8765 6.2.1: a duplicate of an active subscription (name, type,
	 * class; the name without regard to case) is a fatal error. */
	if (sub_same(s, lower, n, type, rrclass) != NULL)
		return fail(s, "SUBSCRIBE duplicating an active subscription");
	if (!may_establish(s, m))
		return GW_PUSH_CLOSE;
	uint8_t rcode = DNS_RCODE_NOERROR;
	if (p->zone_count == 0)
		rcode = DNS_RCODE_SERVFAIL;
	else if ((rrclass != DNS_C_IN && rrclass != DNS_C_ANY) || push_zone_of(p, lower) == NULL)
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
	if (rcode != DNS_RCODE_NOERROR)
		return respond_error(s, m, rcode) == GW_OK ? GW_PUSH_KEEP : GW_PUSH_CLOSE;
	bool was = s->established;
	if (respond(s, m->id, rcode, 0, m->padded) != GW_OK)
		return GW_PUSH_CLOSE;
	establish(s);
	/* RFC 8765 6.3: the current answers (when there are any) immediately
	 * follow the response. */
	if (push_initial(s, sub) != GW_OK)
		return GW_PUSH_CLOSE;
	/* A session established by SUBSCRIBE learns our timeouts from a
	 * unidirectional KEEPALIVE (RFC 8490 7.1), after those answers. */
	if (!was && respond(s, 0, 0, GW_DSO_KEEPALIVE, false) != GW_OK)
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
			return formerr(s, m, "KEEPALIVE TLV malformed");
		if (!may_establish(s, m))
			return GW_PUSH_CLOSE;
		if (respond(s, m->id, DNS_RCODE_NOERROR, GW_DSO_KEEPALIVE, m->padded) != GW_OK)
			return GW_PUSH_CLOSE;
		establish(s);
		return GW_PUSH_KEEP;
	case GW_DSO_SUBSCRIBE:
		return subscribe(s, m);
	case GW_DSO_RETRY_DELAY:
		/* RFC 8490 7.2.1: never from a client. */
		return fail(s, "RETRY DELAY from the client");
	case GW_DSO_PUSH:
		/* RFC 8765 6.3: never from a client. */
		return fail(s, "PUSH from the client");
	case GW_DSO_UNSUBSCRIBE:
	case GW_DSO_RECONFIRM:
		/* RFC 8490 5.4.1: a unidirectional type cannot ask for a response. */
		return fail(s, "a unidirectional TLV with a message ID");
	default:
		/* RFC 8490 5.1.1, 5.4.5: not a session establishment either; no
		 * copy of the TLV. */
		return respond(s, m->id, GW_DSO_DSOTYPENI, 0, m->padded) == GW_OK ? GW_PUSH_KEEP
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

gw_push_verdict_t gw_push_session_message(gw_push_session_t *s, const uint8_t *pkt, size_t len,
                                          double now)
{
	gw_dso_msg_t m;
	int ret = gw_dso_read(pkt, len, &m);
	/* RFC 8490 6.3: every message but a KEEPALIVE restarts the inactivity
	 * timer; the first one starts it. */
	if (!s->clocked || !m.has_primary || m.primary.type != GW_DSO_KEEPALIVE)
		gw_push_session_touch(s, now);
	if (ret != GW_OK) {
		/* RFC 8490 5.4: nonzero counts (or other damage) in a request:
		 * FORMERR; in anything else there is no one to answer. */
		if (len >= GW_DSO_HEADER && !m.response && m.id != 0)
			return formerr(s, &m, "malformed DSO message");
		return fail(s, "malformed DSO message");
	}
	/* We send no DSO request, so no response is expected. */
	if (m.response)
		return fail(s, "DSO response from the client");
	return m.id != 0 ? request(s, &m) : unidirectional(s, &m);
}
