/* DNS cookies (RFC 7873) with interoperable server cookies (RFC 9018): a
 * client that shows a server cookie this server made for its address has
 * proved that it receives what is sent there, so its query is not a
 * spoofed one and need not be rate limited (gateway/query/rrl.h).
 *
 * A server cookie is 16 octets: version 1, three reserved octets (0 when
 * made), a 32-bit timestamp (seconds since the epoch, serial arithmetic)
 * and SipHash-2-4, keyed with a 16-octet secret, of
 *     client cookie | version | reserved | timestamp | client address
 * (4 octets for IPv4, an IPv4-mapped IPv6 address counting as IPv4, 16 for
 * IPv6). Servers of an anycast set that share the secret accept each
 * other's cookies. SipHash comes from OpenSSL (EVP_MAC "SIPHASH").
 *
 * What the caller does with each class (RFC 7873 section 5.2, 5.4):
 *   GW_COOKIE_NONE         no COOKIE option: answer as without cookies
 *                          (rate limited, gw_rrl_check()); no COOKIE in
 *                          the reply.
 *   GW_COOKIE_MALFORMED    FORMERR (5.2.2). gateway/query/wire.c already
 *                          refuses these lengths, so this is defensive.
 *   GW_COOKIE_CLIENT_ONLY  (5.2.3) answer normally, rate limited; put a
 *                          fresh cookie (gw_cookie_make()) in the reply,
 *                          the truncated (slipped) one included, so that
 *                          the client learns it. A server that requires
 *                          cookies may answer BADCOOKIE instead; this one
 *                          does not require them.
 *   GW_COOKIE_INVALID      a server cookie that is not ours, or no longer
 *                          valid (made more than an hour ago or more than
 *                          five minutes in the future, RFC 9018 4.3, or
 *                          with a secret no longer kept): treat the query
 *                          as CLIENT_ONLY (5.2.4), a fresh cookie in the
 *                          reply. Where rate limiting would drop or slip
 *                          it, answer BADCOOKIE (rcode 23: 7 in the
 *                          header, 1 in the OPT's extended rcode) with the
 *                          header, question and OPT with a fresh cookie
 *                          only, so that the client retries with it
 *                          (5.2.3 choice 2).
 *   GW_COOKIE_VALID        (5.2.5) answer normally and do not rate limit:
 *                          the client is who it says it is. The reply
 *                          carries gw_cookie_make()'s cookie, which echoes
 *                          the client's server cookie while that is under
 *                          half an hour old and made with the current
 *                          secret, and is fresh otherwise (RFC 9018 4.3).
 * A query without a question (QDCOUNT 0, 5.4) asks only for a cookie: the
 * reply is the header and an OPT with gw_cookie_make()'s cookie, NOERROR
 * for CLIENT_ONLY and VALID, BADCOOKIE for INVALID.
 *
 * Secrets: the current one makes cookies; the current and the previous one
 * are accepted (RFC 9018 4.3, a rollover). Both live in the state
 * directory file "cookie-secret" (gw_cookie_secret_load()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GW_COOKIE_SECRET_LEN 16
#define GW_COOKIE_CLIENT_LEN 8
#define GW_COOKIE_SERVER_LEN 16
/* The COOKIE option data of a reply: client cookie, then server cookie. */
#define GW_COOKIE_REPLY_LEN (GW_COOKIE_CLIENT_LEN + GW_COOKIE_SERVER_LEN)

/* RFC 9018 4.3: a server cookie lives an hour, is renewed after half an
 * hour, and may come from up to five minutes in the future (clock skew
 * across an anycast set). */
#define GW_COOKIE_LIFETIME_S 3600
#define GW_COOKIE_RENEW_S    1800
#define GW_COOKIE_FUTURE_S   300

/* The extended rcode BADCOOKIE (RFC 7873 8). */
#define GW_COOKIE_RCODE_BADCOOKIE 23

/* The file in the state directory that holds the secrets. */
#define GW_COOKIE_SECRET_FILE "cookie-secret"

typedef enum {
	GW_COOKIE_NONE = 0,
	GW_COOKIE_MALFORMED,
	GW_COOKIE_CLIENT_ONLY,
	GW_COOKIE_INVALID,
	GW_COOKIE_VALID,
} gw_cookie_class_t;

/* The secrets: current, and previous when has_previous. */
typedef struct gw_cookie_secret {
	uint8_t current[GW_COOKIE_SECRET_LEN];
	uint8_t previous[GW_COOKIE_SECRET_LEN];
	bool has_previous;
} gw_cookie_secret_t;

/* What gw_cookie_check() learnt from a query, for gw_cookie_make(). */
typedef struct gw_cookie_req {
	gw_cookie_class_t cls;
	uint8_t client[GW_COOKIE_CLIENT_LEN]; /* set unless NONE or MALFORMED */
	/* VALID, under GW_COOKIE_RENEW_S old, made with the current secret:
	 * the reply may carry the same server cookie. */
	bool reuse;
	uint8_t server[GW_COOKIE_SERVER_LEN]; /* the query's, when reuse */
} gw_cookie_req_t;

/* Keys with a prepared SipHash context per secret. Not thread-safe: one
 * per thread that answers (gw_cookie_new() from the same secret). */
typedef struct gw_cookie gw_cookie_t;

/* Keys for secret (copied). Returns GW_OK and *out (owned by the caller,
 * free with gw_cookie_free()), GW_ENOMEM, or GW_ECRYPTO when OpenSSL has
 * no SipHash (logged). */
int gw_cookie_new(gw_cookie_t **out, const gw_cookie_secret_t *secret);

/* Accepts NULL. */
void gw_cookie_free(gw_cookie_t *ck);

/* Classify the COOKIE option data of a query: opt (borrowed; the octets
 * at q->cookie_offset of gw_query_t, q->cookie_len of them; NULL or len 0
 * when the query has none), from client (borrowed; AF_INET or AF_INET6)
 * at now (wall clock seconds). Fills *req and returns req->cls. A
 * server cookie checked against a client of another family is INVALID.
 * Cost: one SipHash (two during a rollover, for a cookie of the previous
 * secret); no allocation. */
gw_cookie_class_t gw_cookie_check(gw_cookie_t *ck, const uint8_t *opt, size_t len,
                                  const struct sockaddr *client, int64_t now, gw_cookie_req_t *req);

/* The COOKIE option data for the reply to req (from gw_cookie_check() on
 * the same query) into out: the client cookie, then the client's server
 * cookie again when req->reuse, else a fresh one made at now. Returns
 * GW_OK, GW_EINVAL when req has no client cookie (NONE, MALFORMED) or
 * client is of another family, or GW_ECRYPTO. */
int gw_cookie_make(gw_cookie_t *ck, const gw_cookie_req_t *req, const struct sockaddr *client,
                   int64_t now, uint8_t out[GW_COOKIE_REPLY_LEN]);

/* The secrets from path (the state directory's GW_COOKIE_SECRET_FILE):
 * one line of 32 hex digits, the current secret, and optionally a second,
 * the previous one. When the file does not exist it is created, mode 0600
 * and atomically, with a random secret. A file that group or others may
 * read, or that holds anything else, is refused with a log line that says
 * what is wrong. Returns GW_OK, GW_EPERM (mode), GW_EPARSE (content),
 * GW_ECRYPTO (no random secret), or -errno / GW_EIO. */
int gw_cookie_secret_load(gw_cookie_secret_t *out, const char *path);

/* Roll the secret over: a new random current secret, the old current one
 * kept as previous, written to path atomically (mode 0600). *secret is
 * updated only when the file was written. Give the result to
 * gw_cookie_new() for the threads that answer. Returns as
 * gw_cookie_secret_load(). */
int gw_cookie_secret_rotate(gw_cookie_secret_t *secret, const char *path);

/* Parse the content of a secret file (text of len octets, need not be
 * NUL-terminated). Returns GW_OK or GW_EPARSE; why (why_len octets) gets
 * the reason on failure. Fuzzed by tests/fuzz/fuzz_cookie_secret.c. */
int gw_cookie_secret_parse(gw_cookie_secret_t *out, const char *text, size_t len, char *why,
                           size_t why_len);
