#include "gateway/query/guard.h"

#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/error.h"
#include "gateway/query/answer.h"
#include "gateway/query/response.h"

#define OPT_LEN (1 + DNS_RR_FIXED_LEN) /* root owner, fixed fields, no options yet */

struct gw_guard {
	gw_rrl_t *rrl;    /* NULL: no limit */
	gw_cookie_t *ck;  /* NULL: no cookies */
	uint16_t payload; /* ours, for BADCOOKIE's OPT */
	gw_guard_stats_t stats;
};

void gw_guard_free(gw_guard_t *g)
{
	if (g == NULL)
		return;
	gw_rrl_free(g->rrl);
	gw_cookie_free(g->ck);
	free(g);
}

int gw_guard_new(gw_guard_t **out, const gw_guard_opts_t *opts)
{
	int ret = GW_OK;
	gw_guard_t *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return GW_ENOMEM;
	g->payload = opts->udp_payload;
	if (opts->rrl != NULL && opts->rrl->rate > 0) {
		ret = gw_rrl_new(&g->rrl, opts->rrl);
		if (ret != GW_OK)
			goto out;
	}
	if (opts->cookie_secret_file != NULL) {
		gw_cookie_secret_t secret;
		ret = gw_cookie_secret_load(&secret, opts->cookie_secret_file);
		if (ret == GW_OK)
			ret = gw_cookie_new(&g->ck, &secret);
		memset(&secret, 0, sizeof(secret));
		if (ret != GW_OK)
			goto out;
	}
	*out = g;
	g = NULL;
out:
	gw_guard_free(g);
	return ret;
}

bool gw_guard_cookies(const gw_guard_t *g)
{
	return g != NULL && g->ck != NULL;
}

/* The limiter's view of a reply, from its header: what kind of answer it
 * is and which name it counts against (RFC-less, as Knot and NSD do it: a
 * positive answer per name and type, negative ones per zone, so that
 * random names do not each get a bucket). */
static gw_rrl_key_t rrl_key(const gw_query_t *q, const uint8_t *apex, size_t apex_len,
                            const uint8_t *out)
{
	gw_rrl_key_t key = {.cls = GW_RRL_ERROR};
	uint16_t flags = ldns_read_uint16(out + 2);
	uint16_t an = ldns_read_uint16(out + 6), ns = ldns_read_uint16(out + 8);
	switch (flags & DNS_FLAG_RCODE) {
	case DNS_RCODE_NOERROR:
		if (an > 0 && q->qname != NULL) {
			key.cls = GW_RRL_POSITIVE;
			key.qtype = q->qtype;
			key.name = q->qname;
			key.name_len = q->qname_len;
			return key;
		}
		key.cls = (flags & DNS_FLAG_AA) || ns == 0 ? GW_RRL_NODATA : GW_RRL_REFERRAL;
		break;
	case DNS_RCODE_NXDOMAIN:
		key.cls = GW_RRL_NXDOMAIN;
		break;
	default:
		return key;
	}
	if (apex != NULL) {
		key.name = apex;
		key.name_len = apex_len;
	}
	return key;
}

/* Add the COOKIE option to the OPT RR that ends the reply. False when
 * the reply does not end in an option-less OPT or has no room. */
static bool add_cookie(uint8_t *out, size_t *len, size_t cap, const uint8_t *cookie)
{
	size_t n = *len;
	if (n < DNS_HEADER_LEN + OPT_LEN || ldns_read_uint16(out + 10) == 0)
		return false;
	uint8_t *opt = out + n - OPT_LEN;
	if (opt[0] != 0 || ldns_read_uint16(opt + 1) != DNS_T_OPT || ldns_read_uint16(opt + 9) != 0)
		return false;
	if (cap - n < GW_GUARD_COOKIE_SPACE)
		return false;
	ldns_write_uint16(out + n, DNS_EDNS_COOKIE);
	ldns_write_uint16(out + n + 2, GW_COOKIE_REPLY_LEN);
	memcpy(out + n + 4, cookie, GW_COOKIE_REPLY_LEN);
	ldns_write_uint16(opt + 9, GW_GUARD_COOKIE_SPACE);
	*len = n + GW_GUARD_COOKIE_SPACE;
	return true;
}

/* A slipped reply: the header with TC, the question, and the OPT, so that
 * a real client retries over TCP while a spoofed victim gets no more than
 * the attacker sent (RFC-less, as Knot's and NSD's slip). */
static void truncate_reply(const gw_query_t *q, uint8_t *out, size_t *len)
{
	size_t qend = DNS_HEADER_LEN;
	if (ldns_read_uint16(out + 4) == 1 && q->qname != NULL)
		qend += (size_t)q->qname_len + 4;
	bool opt = q->has_edns && *len >= qend + OPT_LEN;
	if (opt)
		memmove(out + qend, out + *len - OPT_LEN, OPT_LEN);
	ldns_write_uint16(out + 2, (uint16_t)(ldns_read_uint16(out + 2) | DNS_FLAG_TC));
	ldns_write_uint16(out + 6, 0);
	ldns_write_uint16(out + 8, 0);
	ldns_write_uint16(out + 10, opt ? 1 : 0);
	*len = qend + (opt ? OPT_LEN : 0);
}

bool gw_guard_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                    const struct sockaddr *client, const uint8_t *apex, size_t apex_len,
                    uint8_t *out, size_t *len, size_t cap, time_t now, uint64_t now_ms)
{
	gw_cookie_req_t req = {.cls = GW_COOKIE_NONE};
	gw_cookie_class_t cls = GW_COOKIE_NONE;

	if (g == NULL || *len < DNS_HEADER_LEN)
		return *len > 0;
	if (g->ck != NULL && q->has_cookie) {
		cls = gw_cookie_check(g->ck, pkt + q->cookie_offset, q->cookie_len, client,
		                      (int64_t)now, &req);
		g->stats.cookie_client_only += cls == GW_COOKIE_CLIENT_ONLY;
		g->stats.cookie_valid += cls == GW_COOKIE_VALID;
		g->stats.cookie_invalid += cls == GW_COOKIE_INVALID;
	}
	/* A query for a cookie alone learns from the rcode whether the
	 * server cookie it showed is still good (RFC 7873 5.4). */
	bool badcookie = cls == GW_COOKIE_INVALID && q->cookie_only;
	if (g->rrl != NULL && cls != GW_COOKIE_VALID) {
		gw_rrl_key_t key = rrl_key(q, apex, apex_len, out);
		gw_rrl_action_t act = gw_rrl_check(g->rrl, client, &key, now_ms);
		if (act != GW_RRL_PASS && cls == GW_COOKIE_INVALID) {
			/* RFC 7873 5.2.4: tell the client its cookie is stale
			 * rather than drop it; the reply is a few octets. */
			badcookie = true;
		} else if (act == GW_RRL_DROP) {
			return false;
		} else if (act == GW_RRL_SLIP) {
			truncate_reply(q, out, len);
		}
	}
	if (badcookie) {
		*len = gw_answer_error(q, true, GW_COOKIE_RCODE_BADCOOKIE, out,
		                       cap - GW_GUARD_COOKIE_SPACE, g->payload);
		g->stats.badcookie++;
	}
	if (cls == GW_COOKIE_CLIENT_ONLY || cls == GW_COOKIE_INVALID || cls == GW_COOKIE_VALID) {
		uint8_t cookie[GW_COOKIE_REPLY_LEN];
		if (gw_cookie_make(g->ck, &req, client, (int64_t)now, cookie) == GW_OK)
			(void)add_cookie(out, len, cap, cookie);
	}
	return *len > 0;
}

/* A reply gw_answer() did not write may end in a TSIG, which must stay
 * last: cut to its header and question, TC set, and the OPT that q asked
 * for written anew. Smaller than the query, which held the same header,
 * question and OPT (and the TSIG). */
static void truncate_special(const gw_query_t *q, uint16_t payload, uint8_t *out, size_t *len,
                             size_t cap)
{
	size_t qend = DNS_HEADER_LEN;
	if (ldns_read_uint16(out + 4) == 1 && q->qname != NULL &&
	    qend + (size_t)q->qname_len + 4 <= *len)
		qend += (size_t)q->qname_len + 4;
	else
		ldns_write_uint16(out + 4, 0);
	uint16_t flags = ldns_read_uint16(out + 2);
	ldns_write_uint16(out + 2, (uint16_t)(flags | DNS_FLAG_TC));
	ldns_write_uint16(out + 6, 0);
	ldns_write_uint16(out + 8, 0);
	ldns_write_uint16(out + 10, 0);
	*len = qend;
	/* The room is there: the OPT was in the query, and the reply it
	 * came from was no shorter. Without it the client only loses EDNS
	 * for its retry, which goes to TCP. */
	(void)gw_resp_add_opt(q, flags & DNS_FLAG_RCODE, payload, out, len, cap);
}

bool gw_guard_special_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                            const struct sockaddr *client, const uint8_t *apex, size_t apex_len,
                            const gw_guard_special_t *sp, uint8_t *out, size_t *len, size_t cap,
                            time_t now, uint64_t now_ms)
{
	if (*len < DNS_HEADER_LEN)
		return false;
	bool slip = *len > sp->limit;
	if (g != NULL && g->rrl != NULL) {
		gw_cookie_class_t cls = GW_COOKIE_NONE;
		if (g->ck != NULL && q->has_cookie) {
			gw_cookie_req_t req = {.cls = GW_COOKIE_NONE};
			cls = gw_cookie_check(g->ck, pkt + q->cookie_offset, q->cookie_len, client,
			                      (int64_t)now, &req);
		}
		if (cls != GW_COOKIE_VALID) {
			gw_rrl_key_t key = rrl_key(q, apex, apex_len, out);
			gw_rrl_action_t act = gw_rrl_check(g->rrl, client, &key, now_ms);
			if (act == GW_RRL_DROP)
				return false;
			slip = slip || act == GW_RRL_SLIP;
		}
	}
	if (slip)
		truncate_special(q, sp->payload, out, len, cap);
	return true;
}

void gw_guard_stream_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                           const struct sockaddr *client, uint8_t *out, size_t *len, size_t cap,
                           time_t now)
{
	if (g == NULL || g->ck == NULL || !q->has_cookie || q->cookie_only || *len < DNS_HEADER_LEN)
		return;
	gw_cookie_req_t req = {.cls = GW_COOKIE_NONE};
	gw_cookie_class_t cls = gw_cookie_check(g->ck, pkt + q->cookie_offset, q->cookie_len,
	                                        client, (int64_t)now, &req);
	uint8_t cookie[GW_COOKIE_REPLY_LEN];
	if ((cls == GW_COOKIE_CLIENT_ONLY || cls == GW_COOKIE_INVALID || cls == GW_COOKIE_VALID) &&
	    gw_cookie_make(g->ck, &req, client, (int64_t)now, cookie) == GW_OK)
		(void)add_cookie(out, len, cap, cookie);
}

void gw_guard_get_stats(const gw_guard_t *g, gw_guard_stats_t *st)
{
	memset(st, 0, sizeof(*st));
	if (g == NULL)
		return;
	*st = g->stats;
	if (g->rrl != NULL)
		gw_rrl_stats(g->rrl, &st->rrl);
}
