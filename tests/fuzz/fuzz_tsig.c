/* libFuzzer target for TSIG (gateway/xfr/tsig.c) and the TSIG key file
 * reader (key_file_secret(), gateway/config/secret.c).
 *
 * The first octet chooses (its value modulo 4):
 *   0  the rest is a request as it reaches the server: the query reader,
 *      then gw_tsig_verify_request() when it carries a TSIG record, then
 *      the error reply (gw_tsig_error_reply()) when verification fails;
 *   1  the rest is a request the target signs first, when the query
 *      reader accepts it and ldns writes back what it read, with one of
 *      its keys (bits 2-3 of the octet), as a secondary would:
 *      gw_tsig_sign_request(), then the same path;
 *   2  the rest is the content of a key file;
 *   3  the rest is a reply to a request the target signed with key 0:
 *      gw_tsig_verify_reply().
 * Besides ASan and UBSan, the target aborts when a promise breaks: the
 * outcome of a verification is one of the documented ones with its error
 * code; a request signed with a key of the keyring now is accepted with
 * that key, and the client that signed it accepts the signed reply; an
 * error reply fits and parses; a secret read from a key file is base64 of
 * at least one octet without blanks. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/config/internal.h"
#include "gateway/config/secret.h"
#include "gateway/xfr/tsig.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_tsig: broken promise: %s (line %d)\n", #cond,        \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define PKT_MAX 4096

/* One key per way of computing MACs: through ldns (SHA-256, SHA-1, and
 * SHA-512 here) and our own (SHA-384, and SHA-512 again). */
static gw_tsig_key_config_t g_keys[] = {
    {.name = "xfr.",
     .algorithm = GW_TSIG_HMAC_SHA256,
     .secret = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80="},
    {.name = "k384.example.",
     .algorithm = GW_TSIG_HMAC_SHA384,
     .secret = "ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8="},
    {.name = "k1.", .algorithm = GW_TSIG_HMAC_SHA1, .secret = "c2VjcmV0IGtleSBmb3IgU0hBLTE="},
    {.name = "k512.",
     .algorithm = GW_TSIG_HMAC_SHA512,
     .secret = "3q2+7wEjRWeJq83vASNFZ4mrze8BI0VniavN7wEjRWc="},
};
#define KEY_COUNT (sizeof(g_keys) / sizeof(g_keys[0]))

static gw_tsig_keyring_t g_kr;
/* The request ctx of a client that signed with key 0 (mode 3). */
static gw_tsig_ctx_t g_client;

static void setup(void)
{
	gw_log_set_level(GW_LOG_ERR);
	gw_log_set_stderr(false);
	gw_tsig_keyring_opts_t opts = {.keys = g_keys, .count = KEY_COUNT};
	if (gw_tsig_keyring_init(&g_kr, &opts) != GW_OK)
		abort();
	g_kr.keys[3].own_mac = true;
	/* A request of ours (SOA query for example.) signed with key 0. */
	uint8_t msg[512] = {0x12, 0x34, 0,   0,   0,   1,   0,   0, 0, 0, 0, 0, 7,
	                    'e',  'x',  'a', 'm', 'p', 'l', 'e', 0, 0, 6, 0, 1};
	size_t len = 25;
	if (gw_tsig_sign_request(&g_client, &g_kr.keys[0], msg, &len, sizeof(msg)) != GW_OK)
		abort();
}

/* A reply to the request of g_client, as a server sends it. */
static void verify_reply(const uint8_t *data, size_t len)
{
	uint8_t *pkt = malloc(len > 0 ? len : 1);
	if (pkt == NULL)
		abort();
	memcpy(pkt, data, len);
	int ret = gw_tsig_verify_reply(&g_client, pkt, len, time(NULL));
	CHECK(ret == GW_OK || ret == GW_EPERM);
	free(pkt);
}

static void verify(const uint8_t *pkt, size_t len, const gw_tsig_key_t *signer,
                   const gw_tsig_ctx_t *client)
{
	gw_query_t q;
	uint8_t rcode = 0;
	time_t now = time(NULL);
	int ret = gw_wire_parse_query(&q, pkt, len, &rcode);
	if (ret != GW_OK || !q.has_tsig) {
		/* What we signed carries its TSIG, whatever else the reader
		 * finds in the message. */
		if (signer != NULL && ret == GW_OK)
			CHECK(q.has_tsig);
		return;
	}
	gw_tsig_ctx_t ctx;
	ret = gw_tsig_verify_request(&g_kr, pkt, len, &q, now, &ctx);
	CHECK(ret == GW_OK || ret == GW_EPERM || ret == GW_EMALFORMED);
	if (signer != NULL) {
		CHECK(ret == GW_OK);
		CHECK(ctx.key == signer);
	}
	if (ret == GW_OK) {
		CHECK(ctx.key != NULL && ctx.error == GW_TSIG_NOERROR);
		uint8_t reply[PKT_MAX + GW_TSIG_RESERVE];
		size_t rlen = DNS_HEADER_LEN;
		memcpy(reply, pkt, DNS_HEADER_LEN);
		reply[2] |= 0x80;
		memset(reply + 4, 0, 8);
		CHECK(gw_tsig_sign_reply(&ctx, reply, &rlen, sizeof(reply)) == GW_OK);
		/* The client that signed the request accepts the reply. */
		if (client != NULL)
			CHECK(gw_tsig_verify_reply(client, reply, rlen, now) == GW_OK);
		return;
	}
	if (ret == GW_EMALFORMED)
		return;
	CHECK(ctx.error == GW_TSIG_BADKEY || ctx.error == GW_TSIG_BADSIG ||
	      ctx.error == GW_TSIG_BADTIME);
	uint8_t out[PKT_MAX + GW_TSIG_RESERVE];
	size_t n = gw_tsig_error_reply(&ctx, &q, now, 1232, out, sizeof(out));
	CHECK(n > 0 && n <= sizeof(out));
	ldns_pkt *p = NULL;
	CHECK(ldns_wire2pkt(&p, out, n) == LDNS_STATUS_OK);
	CHECK(ldns_pkt_tsig(p) != NULL);
	/* An OPT exactly when the request had one (RFC 6891 7). */
	CHECK((ldns_pkt_edns_udp_size(p) == 1232) == q.has_edns);
	ldns_pkt_free(p);
}

static void sign_and_verify(uint8_t control, const uint8_t *data, size_t len)
{
	uint8_t msg[PKT_MAX + GW_TSIG_RESERVE];
	const gw_tsig_key_t *key = &g_kr.keys[(control >> 2) % KEY_COUNT];
	if (len > PKT_MAX)
		return;
	/* Only a well-formed request is signed, as a secondary would send
	 * it: trailing octets would become part of the TSIG record. */
	gw_query_t q;
	uint8_t rcode = 0;
	if (gw_wire_parse_query(&q, data, len, &rcode) != GW_OK || q.has_tsig)
		return;
	/* ...and one ldns reads as it is: verification reads the message
	 * through ldns, which reads the rdata of known types by their fields,
	 * not by RDLENGTH (extra octets in an AFSDB become the next RR), and
	 * the query reader does not look into rdata. */
	ldns_pkt *p = NULL;
	uint8_t *back = NULL;
	size_t back_len = 0;
	bool same = ldns_wire2pkt(&p, data, len) == LDNS_STATUS_OK &&
	            ldns_pkt2wire(&back, p, &back_len) == LDNS_STATUS_OK && back_len == len &&
	            memcmp(back, data, len) == 0;
	free(back);
	ldns_pkt_free(p);
	if (!same)
		return;
	memcpy(msg, data, len);
	gw_tsig_ctx_t ctx;
	size_t mlen = len;
	if (gw_tsig_sign_request(&ctx, key, msg, &mlen, sizeof(msg)) != GW_OK)
		return;
	/* An exact copy: ASan sees every read past the message's end. */
	uint8_t *copy = malloc(mlen);
	if (copy == NULL)
		abort();
	memcpy(copy, msg, mlen);
	verify(copy, mlen, key, &ctx);
	free(copy);
}

static void key_file(const uint8_t *data, size_t len)
{
	char why[WHY_MAX] = "";
	gw_config_errors_t errs;
	load_ctx_t *ctx = calloc(1, sizeof(*ctx));
	char *buf = malloc(len + 1);
	if (ctx == NULL || buf == NULL)
		abort();
	gw_config_errors_init(&errs);
	ctx->sink.errs = &errs;
	memcpy(buf, data, len);
	buf[len] = '\0';
	char *secret = key_file_secret(ctx, buf, len, why, sizeof(why));
	if (secret == NULL) {
		CHECK(why[0] != '\0' || ctx->sink.oom);
	} else {
		uint8_t raw[GW_CONFIG_TSIG_SECRET_MAX];
		CHECK(strpbrk(secret, " \t\r\n") == NULL);
		CHECK(gw_config_secret_decode(secret, strlen(secret), raw, sizeof(raw)) > 0);
		free(secret);
	}
	gw_config_errors_deinit(&errs);
	free(buf);
	free(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_kr.keys == NULL)
		setup();
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0: {
		uint8_t *pkt = malloc(size - 1 > 0 ? size - 1 : 1);
		if (pkt == NULL)
			abort();
		memcpy(pkt, data + 1, size - 1);
		verify(pkt, size - 1, NULL, NULL);
		free(pkt);
		break;
	}
	case 1:
		sign_and_verify(data[0], data + 1, size - 1);
		break;
	case 2:
		key_file(data + 1, size - 1);
		break;
	default:
		verify_reply(data + 1, size - 1);
		break;
	}
	return 0;
}
