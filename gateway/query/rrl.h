/* Response rate limiting (RRL) for answers over UDP, in the manner of NSD's
 * and Knot's: a spoofed query costs the attacker little and the victim a
 * large answer, so answers to one client prefix are counted per kind of
 * answer and limited once a prefix asks for the same thing too often.
 *
 * Accounting: one token bucket per (client prefix, response class, name
 * and, for positive answers, QTYPE). The name is what the answer is about,
 * so that a flood of random names still lands in one bucket:
 *   POSITIVE  the QNAME (and QTYPE)          an answer with data
 *   NODATA    the zone apex                  NOERROR, no data for the type
 *   NXDOMAIN  the zone apex                  the name does not exist
 *   REFERRAL  the delegation point           a referral to a child zone
 *   ERROR     no name: one bucket a prefix   REFUSED, FORMERR, SERVFAIL, ...
 * A bucket holds `rate` tokens and refills at `rate` per second; each
 * response takes one. A response that finds the bucket empty is limited:
 * every `slip`th limited response is sent truncated (TC=1, no records, so a
 * real client retries over TCP), the others are dropped.
 *
 * Memory: one fixed table of buckets allocated by gw_rrl_new(); the hot
 * path neither allocates nor makes a system call. When the table is full
 * a stale bucket (untouched for a second, so full again and forgettable)
 * is reused; when none is near, the query shares a bucket with another key,
 * which can only limit more, never less.
 *
 * Cookies (RFC 7873, gateway/query/cookie.h): a query with a valid server
 * cookie proved that it came from the address it names, so the caller
 * does not call gw_rrl_check() for it at all (and for TCP neither). That
 * decision is the caller's, which has parsed the cookie.
 *
 * Not thread-safe: one gw_rrl_t per thread that answers, or the caller
 * serialises. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gateway/config/acl.h"

/* What to do with a response. */
typedef enum {
	GW_RRL_PASS = 0, /* send it */
	GW_RRL_SLIP,     /* send a truncated reply instead: header, question, OPT, TC=1 */
	GW_RRL_DROP,     /* send nothing */
} gw_rrl_action_t;

/* The kind of response, as the answer path decided it. */
typedef enum {
	GW_RRL_POSITIVE = 0,
	GW_RRL_NODATA,
	GW_RRL_NXDOMAIN,
	GW_RRL_REFERRAL,
	GW_RRL_ERROR,
	GW_RRL_CLASSES
} gw_rrl_class_t;

/* What a response is about. name is borrowed for the call only: the name
 * in wire form, uncompressed, any letter case (it is compared as DNS
 * compares names); NULL for GW_RRL_ERROR. qtype counts for GW_RRL_POSITIVE
 * only. */
typedef struct gw_rrl_key {
	gw_rrl_class_t cls;
	uint16_t qtype;
	const uint8_t *name;
	size_t name_len;
} gw_rrl_key_t;

/* Defaults. 20 responses a second for one name to one /24 (or /56) is
 * far above what a legitimate client sends: a resolver caches the answer
 * for its TTL and a stub asks once per lookup, so even a /24 full of
 * browsing hosts asks one PTR a few times a second. It is the same limit
 * Knot suggests, and a tenth of NSD's per-prefix 200, which counts all
 * names together. At the limit, a reflection attack through this server
 * gets 20 answers a second per name per victim /24 (plus the slipped
 * truncated replies, which are no larger than the query). */
#define GW_RRL_DEFAULT_RATE        20
#define GW_RRL_DEFAULT_SLIP        2
#define GW_RRL_DEFAULT_IPV4_PREFIX 24
#define GW_RRL_DEFAULT_IPV6_PREFIX 56
#define GW_RRL_DEFAULT_TABLE_SIZE  65536

/* Bounds on the options, checked by gw_rrl_new(). */
#define GW_RRL_RATE_MAX       1000000
#define GW_RRL_SLIP_MAX       100
#define GW_RRL_TABLE_SIZE_MIN 16
#define GW_RRL_TABLE_SIZE_MAX (1u << 24)

typedef struct gw_rrl_opts {
	uint32_t rate;       /* responses per second per bucket, 1..GW_RRL_RATE_MAX */
	uint32_t slip;       /* 0: drop all limited; 1: truncate all; N: every Nth */
	uint8_t ipv4_prefix; /* 1..32 */
	uint8_t ipv6_prefix; /* 1..128 */
	uint32_t table_size; /* buckets, rounded up to a power of two */
	/* Prefixes never limited (entries with a TSIG key are ignored).
	 * Borrowed: must outlive the gw_rrl_t; NULL for none. */
	const gw_acl_t *whitelist;
} gw_rrl_opts_t;

/* Counts since gw_rrl_new(). */
typedef struct gw_rrl_stats {
	uint64_t passed;      /* responses sent as they were (whitelisted included) */
	uint64_t slipped;     /* sent truncated */
	uint64_t dropped;     /* not sent */
	uint64_t whitelisted; /* of passed: never counted, the client is whitelisted */
	uint64_t shared;      /* a bucket was shared for want of a free one */
} gw_rrl_stats_t;

typedef struct gw_rrl gw_rrl_t;

/* The defaults above, no whitelist. */
void gw_rrl_opts_default(gw_rrl_opts_t *opts);

/* A new limiter with opts (copied; the whitelist it points to is
 * borrowed). The seed of the bucket hash is random, so that nobody can
 * aim two keys at one bucket. Returns GW_OK and *out (owned by the
 * caller, free with gw_rrl_free()), GW_EINVAL for an option out of its
 * bounds (logged, naming it), GW_ENOMEM, or GW_ECRYPTO when no random
 * seed could be had. */
int gw_rrl_new(gw_rrl_t **out, const gw_rrl_opts_t *opts);

/* Accepts NULL. */
void gw_rrl_free(gw_rrl_t *rrl);

/* Count a response to client (borrowed; AF_INET or AF_INET6, an
 * IPv4-mapped address counts as IPv4) about key, at now_ms (monotonic
 * milliseconds, never going back). Returns what to do with it. A client
 * of another family is never limited. At most once a second a log line
 * (notice) tells the responses limited since the last one and the latest
 * prefix limited. */
gw_rrl_action_t gw_rrl_check(gw_rrl_t *rrl, const struct sockaddr *client, const gw_rrl_key_t *key,
                             uint64_t now_ms);

void gw_rrl_stats(const gw_rrl_t *rrl, gw_rrl_stats_t *out);

/* Name of a class for logs ("positive", "nxdomain", ...), static. */
const char *gw_rrl_class_str(gw_rrl_class_t cls);
