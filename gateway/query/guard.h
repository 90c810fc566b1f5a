/* The UDP defences a reply goes through before it leaves: DNS cookies
 * (RFC 7873, with RFC 9018 interoperable server cookies, cookie.h) and
 * response rate limiting (rrl.h), in the order the RFCs ask for:
 *
 *   query without COOKIE     rate limited (slip: a truncated reply)
 *   client cookie only       rate limited; the reply carries a fresh
 *                            server cookie (5.2.3)
 *   invalid server cookie    as client-only; where the limit would drop
 *                            or truncate, BADCOOKIE with a fresh cookie
 *                            instead (5.2.4), so a client that lost its
 *                            cookie learns the new one at once
 *   valid server cookie      never limited (the source address is proven
 *                            by the cookie: nobody spoofed it) (5.2.5)
 *
 * TCP needs no limit: its handshake proves the address, and a reply goes
 * only to whoever asked. A query with a COOKIE option over TCP or TLS
 * still gets a fresh server cookie (gw_guard_stream_reply(), RFC 7873
 * 5.2: over TCP the request is processed normally), so that a client
 * sent there by a truncated reply comes back over UDP with a cookie the
 * limit exempts. Loop thread only; nothing allocates per query. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "gateway/query/cookie.h"
#include "gateway/query/rrl.h"
#include "gateway/query/wire.h"

/* Octets a reply to a query with a COOKIE option needs beyond its OPT RR:
 * the option header and the client and server cookies. gw_answer()
 * keeps them free (gw_answer_env_t.cookie_reserve). */
#define GW_GUARD_COOKIE_SPACE (4 + GW_COOKIE_REPLY_LEN)

typedef struct gw_guard_opts {
	const gw_rrl_opts_t *rrl; /* borrowed for the call; NULL: no limit */
	/* The cookie secret's file (gw_cookie_secret_load(): made, 0600, when
	 * missing); borrowed for the call; NULL: no cookies. */
	const char *cookie_secret_file;
	uint16_t udp_payload; /* ours, for the OPT of a BADCOOKIE reply */
} gw_guard_opts_t;

typedef struct gw_guard_stats {
	uint64_t cookie_client_only; /* queries with a client cookie only */
	uint64_t cookie_valid;       /* with a server cookie of ours */
	uint64_t cookie_invalid;     /* with a server cookie not ours, or too old */
	uint64_t badcookie;          /* BADCOOKIE replies sent */
	gw_rrl_stats_t rrl;          /* what the limiter decided */
} gw_guard_stats_t;

typedef struct gw_guard gw_guard_t;

/* On success *out owns a new guard. GW_OK, GW_ENOMEM, or the error of
 * gw_rrl_new(), gw_cookie_secret_load() or gw_cookie_new() (logged). */
int gw_guard_new(gw_guard_t **out, const gw_guard_opts_t *opts);

/* Accepts NULL. */
void gw_guard_free(gw_guard_t *g);

/* Whether queries with a COOKIE option get one back, for the caller's
 * gw_answer_env_t.cookie_reserve. */
bool gw_guard_cookies(const gw_guard_t *g);

/* Apply the defences to the reply out[0..*len) (cap octets of room) that
 * gw_answer() wrote for q, parsed from pkt, asked by client; apex (wire,
 * apex_len octets, borrowed; NULL: none) names the zone, for the rate
 * limiter's negative answers.
 * Returns false when nothing is to be sent. The reply may change: a
 * COOKIE option added to its OPT, cut to a truncated (TC) reply when the
 * limit slips it, or replaced by BADCOOKIE. now in seconds (cookie
 * timestamps), now_ms for the limiter. */
bool gw_guard_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                    const struct sockaddr *client, const uint8_t *apex, size_t apex_len,
                    uint8_t *out, size_t *len, size_t cap, time_t now, uint64_t now_ms);

/* What gw_guard_special_reply() needs to know of the client and of us. */
typedef struct gw_guard_special {
	size_t limit;     /* the client's UDP size: gw_answer_udp_limit() */
	uint16_t payload; /* ours, for the OPT of a truncated reply */
} gw_guard_special_t;

/* The UDP reply out[0..*len) (cap octets of room) to a query gw_answer()
 * left to others (GW_ANSWER_SPECIAL: a TSIG-signed query or its error, a
 * NOTIFY, an IXFR): the rate limit as for any reply (a valid server
 * cookie exempts it), and the client's size. A reply the limiter slips,
 * or larger than sp->limit, goes out as its header and question with TC
 * and the OPT q had, smaller than the query: no cookie is added, as a
 * TSIG must stay last. Without it a bad signature got its full reply
 * (the question, key and algorithm names written out: up to 2.7 times
 * the query) to any spoofed source, however fast. Returns false when
 * the limiter drops it (or *len is shorter than a header). g may be NULL
 * (no limit: only the size then). */
bool gw_guard_special_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                            const struct sockaddr *client, const uint8_t *apex, size_t apex_len,
                            const gw_guard_special_t *sp, uint8_t *out, size_t *len, size_t cap,
                            time_t now, uint64_t now_ms);

/* A reply over TCP or TLS, to query q parsed from pkt: when cookies are
 * on and q has a COOKIE option, a fresh server cookie goes into the
 * reply's OPT (as gw_guard_reply() does), whatever the server cookie q
 * showed; nothing is limited, no BADCOOKIE sent, nothing counted (the
 * cookie counters are the UDP defence's). A query for a cookie alone is
 * left as gw_answer() made it (FORMERR over TCP, as Knot). g may be
 * NULL. */
void gw_guard_stream_reply(gw_guard_t *g, const gw_query_t *q, const uint8_t *pkt,
                           const struct sockaddr *client, uint8_t *out, size_t *len, size_t cap,
                           time_t now);

void gw_guard_get_stats(const gw_guard_t *g, gw_guard_stats_t *st);
