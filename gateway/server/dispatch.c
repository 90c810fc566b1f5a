/* The server's work off the query path: transfer requests (access
 * control, TSIG, AXFR or IXFR), IXFR over UDP and NOTIFY. Only messages
 * that ask for these come here, so the allocations of TSIG and of the
 * IXFR query's parsing (ldns) never touch ordinary queries. */
#include <string.h>

#include "common/clock.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/xfr/notify.h"
#include "gateway/query/response.h"
#include "gateway/server/internal.h"

/* Room for a peer's address and port in log lines. */
#define PEER_TEXT_LEN 64

/* No Extended DNS Error for error_reply(). */
#define NO_EDE (-1)

/* A refusal or error reply, with the Extended DNS Error ede (RFC 8914,
 * DNS_EDE_*, or NO_EDE) when the request had an OPT; signed when the
 * request's TSIG verified (RFC 8945 5.3: a signed request gets a signed
 * answer). */
static size_t error_reply(gw_server_t *srv, const gw_query_t *q, uint8_t rcode, int ede,
                          gw_tsig_ctx_t *tsig, uint8_t *out, size_t cap)
{
	size_t reserve = tsig != NULL ? gw_tsig_room(tsig) : 0;
	if (cap < reserve)
		return 0;
	size_t n = gw_answer_error(q, true, rcode, out, cap - reserve, srv->env.udp_payload);
	if (n > 0 && ede != NO_EDE) {
		gw_query_t why = {.has_ede = true, .ede = (uint16_t)ede};
		n = gw_reply_extras(out, n, cap - reserve, &why, NULL);
	}
	if (n > 0 && tsig != NULL && tsig->key != NULL &&
	    gw_tsig_sign_reply(tsig, out, &n, cap) != GW_OK)
		return 0;
	return n;
}

/* The verdict of access control as a reply; 0 with *go for the caller to
 * proceed. */
static size_t check(gw_server_t *srv, const gw_access_t *access, const char *what,
                    const gw_query_t *q, const uint8_t *pkt, size_t len,
                    const struct sockaddr_storage *peer, const char *peer_text, gw_tsig_ctx_t *tsig,
                    uint8_t *out, size_t cap, bool *go)
{
	time_t now = gw_clock_wall();
	*go = false;
	gw_access_verdict_t v = gw_access_check(access, what, (const struct sockaddr *)peer,
	                                        peer_text, pkt, len, q, now, tsig);
	if (v != GW_ACCESS_OK)
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_REFUSED);
	switch (v) {
	case GW_ACCESS_OK:
		*go = true;
		return 0;
	case GW_ACCESS_NOTAUTH:
		srv->stats.xfr_refused++;
		return gw_tsig_error_reply(tsig, q, now, srv->env.udp_payload, out, cap);
	case GW_ACCESS_FORMERR:
		srv->stats.xfr_refused++;
		return error_reply(srv, q, DNS_RCODE_FORMERR, NO_EDE, NULL, out, cap);
	case GW_ACCESS_REFUSED:
	default:
		srv->stats.xfr_refused++;
		return error_reply(srv, q, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED, tsig, out, cap);
	}
}

/* The zone whose apex q names (a transfer's question), or the rcode to
 * answer with in *rcode. */
static const gw_server_zone_t *xfr_zone(const gw_server_t *srv, const gw_query_t *q, int *rcode)
{
	*rcode = 0;
	if (srv->zone_count == 0) {
		*rcode = DNS_RCODE_SERVFAIL;
		return NULL;
	}
	int i = q->qclass == DNS_C_IN ? zone_pick(srv->zone_ptrs, srv->zone_count, q->qname) : -1;
	if (i < 0 || !zone_name_equal(q->qname, zone_apex(srv->zone_ptrs[i]))) {
		*rcode = DNS_RCODE_NOTAUTH;
		return NULL;
	}
	return &srv->zones[i];
}

/* Who may transfer z. */
static const gw_access_t *zone_access(const gw_server_t *srv, const gw_server_zone_t *z)
{
	return z->access != NULL ? z->access : srv->opts.xfr_access;
}

/* The zone a transfer (what, for log lines) asks for, when peer may have
 * it. Otherwise NULL, with the reply (*n octets) in out and the refusal
 * counted. peer_text (PEER_TEXT_LEN octets) gets the peer's address for log lines,
 * tsig the request's TSIG state. quiet: a question for a zone not ours is
 * not logged (IXFR over UDP). */
static const gw_server_zone_t *admit(gw_server_t *srv, const char *what, bool quiet,
                                     const gw_query_t *q, const uint8_t *pkt, size_t len,
                                     const struct sockaddr_storage *peer, char *peer_text,
                                     gw_tsig_ctx_t *tsig, uint8_t *out, size_t cap, size_t *n)
{
	bool go = false;
	int rcode = 0;

	gw_sockaddr_str(peer, peer_text, PEER_TEXT_LEN);
	const gw_server_zone_t *z = xfr_zone(srv, q, &rcode);
	if (z == NULL) {
		if (!quiet) {
			/* Anyone can ask: limited. */
			static gw_log_limit_t lim;
			gw_log_limited(&lim, GW_LOG_NOTICE, "%s from %s: not for our zone; %s",
			               what, peer_text,
			               rcode == DNS_RCODE_SERVFAIL ? "SERVFAIL" : "NOTAUTH");
		}
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_ERROR);
		*n = error_reply(srv, q, (uint8_t)rcode,
		                 rcode == DNS_RCODE_SERVFAIL ? DNS_EDE_NOT_READY
		                                             : DNS_EDE_NOT_AUTHORITATIVE,
		                 NULL, out, cap);
		return NULL;
	}
	*n = check(srv, zone_access(srv, z), what, q, pkt, len, peer, peer_text, tsig, out, cap,
	           &go);
	return go ? z : NULL;
}

int gw_server_xfr_start(gw_server_t *srv, gw_xfr_t *x, const gw_query_t *q, const uint8_t *pkt,
                        size_t len, const struct sockaddr_storage *peer, uint8_t *out, size_t cap,
                        size_t *outlen, bool *started)
{
	char peer_text[PEER_TEXT_LEN] = "?";
	gw_tsig_ctx_t tsig;
	bool ixfr = q->qtype == DNS_T_IXFR;
	int ret;

	*started = false;
	*outlen = 0;
	const gw_server_zone_t *z = admit(srv, ixfr ? "IXFR" : "AXFR", false, q, pkt, len, peer,
	                                  peer_text, &tsig, out, cap, outlen);
	if (z == NULL)
		return GW_OK;
	uint32_t client = 0;
	if (ixfr && gw_xfr_ixfr_serial(pkt, len, q, &client) != GW_OK) {
		static gw_log_limit_t formerr_lim = GW_XFR_LOG_LIMIT;
		gw_log_limited(&formerr_lim, GW_LOG_NOTICE,
		               "IXFR from %s: no SOA with the client's serial in the authority "
		               "section; FORMERR",
		               peer_text);
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_ERROR);
		*outlen = error_reply(srv, q, DNS_RCODE_FORMERR, NO_EDE, &tsig, out, cap);
		return GW_OK;
	}
	ret = ixfr ? gw_xfr_init_ixfr(x, z->zone, z->journal, q, srv->env.udp_payload, client)
	           : gw_xfr_init(x, z->zone, q, srv->env.udp_payload);
	if (ret != GW_OK) {
		gw_xfr_deinit(x);
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_ERROR);
		if (ret == GW_ENOMEM)
			return ret;
		*outlen = error_reply(srv, q, DNS_RCODE_SERVFAIL, NO_EDE, &tsig, out, cap);
		return GW_OK;
	}
	if (tsig.key != NULL)
		gw_xfr_set_tsig(x, &tsig);
	char keyinfo[GW_CONFIG_NAME_STR_MAX + 16] = "";
	if (tsig.key != NULL)
		snprintf(keyinfo, sizeof(keyinfo), ", TSIG key %s", tsig.key_text);
	gw_server_xfr_note(srv, peer,
	                   !ixfr                    ? "AXFR"
	                   : x->mode == GW_XFR_IXFR ? "IXFR"
	                   : x->mode == GW_XFR_SOA  ? "IXFR-SOA"
	                                            : "IXFR-AXFR",
	                   x->serial);
	static gw_log_limit_t start_lim = GW_XFR_LOG_LIMIT;
	if (!ixfr) {
		srv->stats.axfr++;
		gw_log_limited(&start_lim, GW_LOG_INFO, "AXFR to %s started: serial %u%s",
		               peer_text, x->serial, keyinfo);
	} else if (x->mode == GW_XFR_IXFR) {
		srv->stats.ixfr++;
		gw_log_limited(&start_lim, GW_LOG_INFO,
		               "IXFR to %s started: serial %u -> %u, %zu diffs%s", peer_text,
		               client, x->serial, x->entry_count, keyinfo);
	} else if (x->mode == GW_XFR_SOA) {
		srv->stats.ixfr++;
		gw_log_limited(&start_lim, GW_LOG_INFO,
		               "IXFR to %s: serial %u is current, SOA only%s", peer_text, client,
		               keyinfo);
	} else {
		srv->stats.axfr++;
		gw_log_limited(&start_lim, GW_LOG_INFO,
		               "IXFR to %s started: serial %u -> %u, %s: the whole zone (AXFR "
		               "form)%s",
		               peer_text, client, x->serial,
		               x->whole_why != NULL ? x->whole_why : "not in the journal", keyinfo);
	}
	*started = true;
	return GW_OK;
}

/* IXFR over UDP: the SOA alone, which tells the client to come back over
 * TCP (RFC 1995 2: what does not fit in a datagram). */
static size_t ixfr_udp(gw_server_t *srv, const gw_query_t *q, const uint8_t *pkt, size_t len,
                       const struct sockaddr_storage *peer, uint8_t *out, size_t cap)
{
	char peer_text[PEER_TEXT_LEN] = "?";
	gw_tsig_ctx_t tsig;
	gw_xfr_t x;
	size_t n = 0;

	const gw_server_zone_t *z =
	    admit(srv, "IXFR", true, q, pkt, len, peer, peer_text, &tsig, out, cap, &n);
	if (z == NULL)
		return n;
	/* Over UDP too an IXFR names the client's serial (RFC 1995 3): the
	 * same FORMERR as over TCP without it. */
	uint32_t client = 0;
	if (gw_xfr_ixfr_serial(pkt, len, q, &client) != GW_OK) {
		static gw_log_limit_t bad;
		gw_log_limited(&bad, GW_LOG_NOTICE,
		               "IXFR over UDP from %s: no SOA with the client's serial in the "
		               "authority section; FORMERR",
		               peer_text);
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_ERROR);
		return error_reply(srv, q, DNS_RCODE_FORMERR, NO_EDE, &tsig, out, cap);
	}
	if (gw_xfr_init(&x, z->zone, q, srv->env.udp_payload) != GW_OK) {
		gw_xfr_deinit(&x);
		gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_ERROR);
		return error_reply(srv, q, DNS_RCODE_SERVFAIL, NO_EDE, &tsig, out, cap);
	}
	x.mode = GW_XFR_SOA;
	if (tsig.key != NULL)
		gw_xfr_set_tsig(&x, &tsig);
	size_t limit = q->udp_max < srv->env.udp_payload ? q->udp_max : srv->env.udp_payload;
	if (limit < 512)
		limit = 512;
	if (cap > limit)
		cap = limit;
	int k = gw_xfr_next(&x, out, cap);
	gw_xfr_deinit(&x);
	srv->stats.ixfr++;
	gw_server_count_xfr(srv, q->qtype, GW_XFR_RESULT_UDP);
	gw_server_xfr_note(srv, peer, "IXFR-UDP", x.serial);
	/* An allowed address can be forged over UDP: limited. */
	static gw_log_limit_t lim;
	gw_log_limited(
	    &lim, GW_LOG_INFO,
	    "IXFR over UDP from %s: SOA only (serial %u); the client asks again over TCP",
	    peer_text, x.serial);
	return k > 0 ? (size_t)k : 0;
}

/* A query signed with TSIG: verified, answered as usual, the answer
 * signed (RFC 8945 5.3); NOTAUTH when the TSIG fails. */
static size_t signed_query(gw_server_t *srv, const gw_query_t *q, const uint8_t *pkt, size_t len,
                           const struct sockaddr_storage *peer, bool tcp, uint8_t *out, size_t cap)
{
	gw_tsig_ctx_t tsig;
	time_t now = gw_clock_wall();
	const gw_tsig_keyring_t *keys =
	    srv->opts.xfr_access != NULL ? srv->opts.xfr_access->keys : NULL;
	int ret = gw_tsig_verify_request(keys, pkt, len, q, now, &tsig);
	if (ret == GW_EMALFORMED)
		return error_reply(srv, q, DNS_RCODE_FORMERR, NO_EDE, NULL, out, cap);
	if (ret != GW_OK) {
		/* Anyone can send a bad signature: limited. */
		static gw_log_limit_t lim;
		char peer_text[PEER_TEXT_LEN] = "?";
		gw_sockaddr_str(peer, peer_text, sizeof(peer_text));
		gw_log_limited(&lim, GW_LOG_NOTICE, "query from %s: TSIG key %s: %s; NOTAUTH",
		               peer_text, tsig.key_text, gw_tsig_error_str(tsig.error));
		return gw_tsig_error_reply(&tsig, q, now, srv->env.udp_payload, out, cap);
	}
	gw_answer_env_t env = srv->env;
	env.tsig_checked = true;
	env.tsig_reserve = (uint16_t)gw_tsig_room(&tsig);
	gw_query_t again;
	size_t n = 0;
	gw_answer(&env, pkt, len, tcp, out, cap, &n, &again);
	if (n == 0 || gw_tsig_sign_reply(&tsig, out, &n, cap) != GW_OK)
		return 0;
	return n;
}

size_t gw_server_special(gw_server_t *srv, const gw_query_t *q, const uint8_t *pkt, size_t len,
                         const struct sockaddr_storage *peer, bool tcp, uint8_t *out, size_t cap)
{
	if (q->has_tsig && q->opcode == DNS_OPCODE_QUERY && (tcp || q->qtype != DNS_T_IXFR))
		return signed_query(srv, q, pkt, len, peer, tcp, out, cap);
	if (q->opcode == DNS_OPCODE_NOTIFY) {
		char peer_text[PEER_TEXT_LEN] = "?";
		gw_sockaddr_str(peer, peer_text, sizeof(peer_text));
		srv->stats.notify_in++;
		const gw_tsig_keyring_t *keys =
		    srv->opts.xfr_access != NULL ? srv->opts.xfr_access->keys : NULL;
		/* The zone the NOTIFY names; another name gets NOTAUTH from
		 * the first zone's answer. */
		int i =
		    q->qname != NULL ? zone_pick(srv->zone_ptrs, srv->zone_count, q->qname) : -1;
		const zone_t *zone = i >= 0                ? srv->zone_ptrs[i]
		                     : srv->zone_count > 0 ? srv->zone_ptrs[0]
		                                           : NULL;
		return gw_notify_answer(keys, zone, q, pkt, len, peer_text, gw_clock_wall(),
		                        srv->env.udp_payload, out, cap);
	}
	if (q->opcode == DNS_OPCODE_QUERY && q->qtype == DNS_T_IXFR && !tcp)
		return ixfr_udp(srv, q, pkt, len, peer, out, cap);
	return gw_answer_error(q, q->qname != NULL, 4, out, cap, srv->env.udp_payload);
}
