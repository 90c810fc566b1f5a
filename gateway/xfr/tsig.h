/* TSIG (RFC 8945) for zone transfers and NOTIFY: verifying a signed
 * request, signing the replies (every message of a multi-message
 * transfer, each chained to the MAC before it, section 5.3.1), signing a
 * request of ours (NOTIFY) and verifying its reply, and the NOTAUTH
 * error replies of section 5.3.2.
 *
 * MACs are computed and checked through ldns (ldns_pkt_tsig_sign_next,
 * ldns_pkt_tsig_verify_next) where ldns can: HMAC-SHA256 (the default),
 * -SHA512 and -SHA1. Two cases are computed here instead, with OpenSSL's
 * HMAC over the digest components of RFC 8945 4.3: HMAC-SHA384, whose
 * name ldns 1.8 misspells in its algorithm table ("hmac-shac384.") so
 * that it can neither sign nor verify it, and the signed BADTIME reply,
 * whose TSIG carries an error and our time that ldns does not put in a
 * signed record. The unit tests check both paths against each other.
 * None of this is on the query path: it runs only for messages that carry
 * a TSIG record or go to a secondary configured with a key. Loop thread
 * only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gateway/config/config.h"
#include "gateway/query/wire.h"

#define GW_TSIG_FUDGE   300 /* seconds of clock skew accepted (RFC 8945 10) */
#define GW_TSIG_MAC_MAX 64  /* HMAC-SHA512 */
/* Room a signed message needs for its TSIG record: owner and algorithm
 * names, fixed fields, the MAC and six octets of other data. */
#define GW_TSIG_RESERVE (2 * DNS_NAME_MAXLEN + 10 + 16 + GW_TSIG_MAC_MAX + 6)

/* TSIG error codes (RFC 8945 section 3). */
#define GW_TSIG_NOERROR 0
#define GW_TSIG_BADSIG  16
#define GW_TSIG_BADKEY  17
#define GW_TSIG_BADTIME 18

/* One key of the configuration, ready for use. */
typedef struct gw_tsig_key {
	const gw_tsig_key_config_t *cfg;           /* borrowed from the config: name, secret */
	int index;                                 /* in the config's tsig_keys */
	uint8_t name[DNS_NAME_MAXLEN];             /* wire form, lowercase */
	uint8_t alg_name[DNS_NAME_MAXLEN];         /* wire form, e.g. hmac-sha256. */
	uint8_t secret[GW_CONFIG_TSIG_SECRET_MAX]; /* decoded */
	size_t secret_len;
	size_t mac_len; /* digest length of the algorithm */
	/* MACs of this key are computed here, not by ldns (HMAC-SHA384);
	 * tests set it on other keys to compare both paths. */
	bool own_mac;
} gw_tsig_key_t;

typedef struct gw_tsig_keyring {
	gw_tsig_key_t *keys; /* owned; count entries, config order */
	size_t count;
} gw_tsig_keyring_t;

/* What the keyring is made of; the daemon fills it from the
 * configuration. */
typedef struct gw_tsig_keyring_opts {
	/* Borrowed: count keys (tsig-keys), which must outlive the keyring
	 * (its keys point at them); their order gives the key indices. */
	const gw_tsig_key_config_t *keys;
	size_t count;
} gw_tsig_keyring_opts_t;

/* Build the keyring of opts. GW_OK, GW_ENOMEM or GW_ECONFIG (a secret that
 * does not decode). */
int gw_tsig_keyring_init(gw_tsig_keyring_t *kr, const gw_tsig_keyring_opts_t *opts);
/* Wipes the secrets. Accepts a zeroed keyring. */
void gw_tsig_keyring_deinit(gw_tsig_keyring_t *kr);

/* The key at config index, or NULL. */
const gw_tsig_key_t *gw_tsig_keyring_get(const gw_tsig_keyring_t *kr, int index);

/* One signed exchange: a request and its replies. Lives in caller
 * storage, zeroed before use. */
typedef struct gw_tsig_ctx {
	const gw_tsig_key_t *key; /* borrowed from the keyring; NULL: unsigned */
	/* The last MAC of the exchange with its two-octet size, as it enters
	 * the next digest (the request MAC, then each reply's). */
	uint8_t mac[2 + GW_TSIG_MAC_MAX];
	uint16_t mac_len;
	unsigned signed_count; /* replies signed so far */
	/* What the request's TSIG said, for an error reply (also when the
	 * key is unknown). */
	uint16_t error; /* GW_TSIG_* of the request's verification */
	uint8_t req_name[DNS_NAME_MAXLEN];
	uint16_t req_name_len;
	uint8_t req_alg[DNS_NAME_MAXLEN];
	uint16_t req_alg_len;
	uint64_t req_time; /* Time Signed, 48 bits */
	uint16_t req_fudge;
	char key_text[GW_CONFIG_NAME_STR_MAX]; /* the key name for logs */
} gw_tsig_ctx_t;

/* Octets the TSIG record of a message signed with ctx takes (0 when
 * ctx->key is NULL). */
size_t gw_tsig_room(const gw_tsig_ctx_t *ctx);

/* Verify the TSIG of the request in pkt (len octets, q from
 * gw_wire_parse_query() with q->has_tsig) against kr at now. On GW_OK
 * ctx->key is the key and ctx holds the request MAC for the reply. On
 * GW_EPERM ctx->error says why (BADKEY: unknown key or algorithm; BADSIG:
 * the MAC does not match; BADTIME: outside the fudge) and the reply must
 * be gw_tsig_error_reply(). GW_EMALFORMED: the TSIG record does not
 * parse (FORMERR). */
int gw_tsig_verify_request(const gw_tsig_keyring_t *kr, const uint8_t *pkt, size_t len,
                           const gw_query_t *q, time_t now, gw_tsig_ctx_t *ctx);

/* Sign the reply message in msg (*len octets, cap octets of room; the
 * message leaves GW_TSIG_RESERVE octets free) for ctx: the first reply
 * covers the request MAC and all TSIG variables, later replies the prior
 * MAC and the timers only (RFC 8945 5.3.1). On GW_OK *len is the signed
 * length. GW_ESPACE, GW_EMALFORMED, GW_ECRYPTO. */
int gw_tsig_sign_reply(gw_tsig_ctx_t *ctx, uint8_t *msg, size_t *len, size_t cap);

/* The reply to a request whose TSIG failed (ctx->error set by
 * gw_tsig_verify_request()): NOTAUTH, the question, an OPT with
 * udp_payload when q had one, and a TSIG record with the error; unsigned
 * for BADKEY and BADSIG, signed and carrying our time for BADTIME (RFC
 * 8945 5.2, 5.3.2). Returns the length, 0 when cap is too small. */
size_t gw_tsig_error_reply(gw_tsig_ctx_t *ctx, const gw_query_t *q, time_t now,
                           uint16_t udp_payload, uint8_t *out, size_t cap);

/* Sign a request of ours (msg, *len, cap) with key; ctx (zeroed by the
 * call) keeps its MAC to verify the reply. GW_OK, GW_ESPACE,
 * GW_EMALFORMED, GW_ECRYPTO. */
int gw_tsig_sign_request(gw_tsig_ctx_t *ctx, const gw_tsig_key_t *key, uint8_t *msg, size_t *len,
                         size_t cap);

/* Verify the reply in pkt (len octets) to the request signed with ctx.
 * GW_OK, or GW_EPERM (unsigned, another key, a bad MAC, a TSIG error, or
 * outside the fudge at now). */
int gw_tsig_verify_reply(const gw_tsig_ctx_t *ctx, const uint8_t *pkt, size_t len, time_t now);

/* Text of a TSIG error code ("BADSIG"), static. */
const char *gw_tsig_error_str(uint16_t error);
