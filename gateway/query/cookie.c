#include "gateway/query/cookie.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "common/addr.h"

#define VERSION  1
#define HASH_LEN 8
/* client cookie, version, reserved, timestamp, IPv6 address */
#define INPUT_MAX (GW_COOKIE_CLIENT_LEN + 8 + 16)

/* Two lines of 32 hex digits and their newlines; anything much longer is
 * not a secret file. */
#define FILE_MAX 256

struct gw_cookie {
	EVP_MAC *mac;     /* owned */
	EVP_MAC_CTX *ctx; /* owned: SipHash-2-4 with an 8-octet output */
	gw_cookie_secret_t secret;
};

/* ---- keys and the hash ---------------------------------------------------- */

void gw_cookie_free(gw_cookie_t *ck)
{
	if (ck == NULL)
		return;
	EVP_MAC_CTX_free(ck->ctx);
	EVP_MAC_free(ck->mac);
	OPENSSL_cleanse(&ck->secret, sizeof(ck->secret));
	free(ck);
}

int gw_cookie_new(gw_cookie_t **out, const gw_cookie_secret_t *secret)
{
	int ret = GW_ECRYPTO;
	gw_cookie_t *ck = calloc(1, sizeof(*ck));
	if (ck == NULL)
		return GW_ENOMEM;
	ck->secret = *secret;
	size_t size = HASH_LEN;
	OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
	                       OSSL_PARAM_END};
	ck->mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	ck->ctx = ck->mac != NULL ? EVP_MAC_CTX_new(ck->mac) : NULL;
	/* The output size is set once here: each hash then only re-keys the
	 * prepared context, which costs a fraction of a new one. */
	if (ck->ctx == NULL ||
	    EVP_MAC_init(ck->ctx, secret->current, GW_COOKIE_SECRET_LEN, params) != 1) {
		gw_err("cookies: OpenSSL has no SipHash-2-4 (EVP_MAC \"SIPHASH\")");
		goto out;
	}
	*out = ck;
	ck = NULL;
	ret = GW_OK;
out:
	gw_cookie_free(ck);
	return ret;
}

static bool siphash(gw_cookie_t *ck, const uint8_t *key, const uint8_t *in, size_t len,
                    uint8_t out[HASH_LEN])
{
	size_t outlen = 0;
	return EVP_MAC_init(ck->ctx, key, GW_COOKIE_SECRET_LEN, NULL) == 1 &&
	       EVP_MAC_update(ck->ctx, in, len) == 1 &&
	       EVP_MAC_final(ck->ctx, out, &outlen, HASH_LEN) == 1 && outlen == HASH_LEN;
}

/* The hash input: client cookie, the first 8 octets of the server cookie
 * (version, reserved, timestamp) and the client address. */
static size_t hash_input(uint8_t in[INPUT_MAX], const uint8_t *client, const uint8_t *head,
                         const uint8_t *addr, size_t alen)
{
	memcpy(in, client, GW_COOKIE_CLIENT_LEN);
	memcpy(in + GW_COOKIE_CLIENT_LEN, head, 8);
	memcpy(in + GW_COOKIE_CLIENT_LEN + 8, addr, alen);
	return GW_COOKIE_CLIENT_LEN + 8 + alen;
}

/* ---- the hot path --------------------------------------------------------- */

gw_cookie_class_t gw_cookie_check(gw_cookie_t *ck, const uint8_t *opt, size_t len,
                                  const struct sockaddr *client, int64_t now, gw_cookie_req_t *req)
{
	memset(req, 0, sizeof(*req));
	if (opt == NULL || len == 0)
		return req->cls = GW_COOKIE_NONE;
	if (len < GW_COOKIE_CLIENT_LEN || (len > GW_COOKIE_CLIENT_LEN && len < 16) || len > 40)
		return req->cls = GW_COOKIE_MALFORMED;
	memcpy(req->client, opt, GW_COOKIE_CLIENT_LEN);
	if (len == GW_COOKIE_CLIENT_LEN)
		return req->cls = GW_COOKIE_CLIENT_ONLY;

	/* From here on a server cookie that is not ours, or no longer valid,
	 * is INVALID whatever the reason: the caller does the same for all. */
	req->cls = GW_COOKIE_INVALID;
	const uint8_t *server = opt + GW_COOKIE_CLIENT_LEN;
	if (len != GW_COOKIE_REPLY_LEN || server[0] != VERSION)
		return req->cls;
	/* Serial number arithmetic (RFC 1982, RFC 9018 4.3): the timestamp
	 * wraps in 2106, and the difference stays right across that. */
	int32_t age = (int32_t)((uint32_t)now - ldns_read_uint32(server + 4));
	if (age > GW_COOKIE_LIFETIME_S || age < -GW_COOKIE_FUTURE_S)
		return req->cls;
	uint8_t addr[16];
	size_t alen = gw_client_addr(client, addr);
	if (alen == 0)
		return req->cls;

	uint8_t in[INPUT_MAX], hash[HASH_LEN];
	size_t n = hash_input(in, req->client, server, addr, alen);
	if (siphash(ck, ck->secret.current, in, n, hash) &&
	    CRYPTO_memcmp(hash, server + 8, HASH_LEN) == 0) {
		req->cls = GW_COOKIE_VALID;
		/* Reserved octets are 0 in what this server makes; anything
		 * else was made elsewhere and is not handed out again. */
		req->reuse = age >= 0 && age < GW_COOKIE_RENEW_S && server[1] == 0 &&
		             server[2] == 0 && server[3] == 0;
		if (req->reuse)
			memcpy(req->server, server, GW_COOKIE_SERVER_LEN);
		return req->cls;
	}
	if (ck->secret.has_previous && siphash(ck, ck->secret.previous, in, n, hash) &&
	    CRYPTO_memcmp(hash, server + 8, HASH_LEN) == 0)
		req->cls = GW_COOKIE_VALID; /* renewed with the current secret */
	return req->cls;
}

int gw_cookie_make(gw_cookie_t *ck, const gw_cookie_req_t *req, const struct sockaddr *client,
                   int64_t now, uint8_t out[GW_COOKIE_REPLY_LEN])
{
	if (req->cls != GW_COOKIE_CLIENT_ONLY && req->cls != GW_COOKIE_INVALID &&
	    req->cls != GW_COOKIE_VALID)
		return GW_EINVAL;
	uint8_t addr[16];
	size_t alen = gw_client_addr(client, addr);
	if (alen == 0)
		return GW_EINVAL;
	memcpy(out, req->client, GW_COOKIE_CLIENT_LEN);
	uint8_t *server = out + GW_COOKIE_CLIENT_LEN;
	if (req->reuse) {
		memcpy(server, req->server, GW_COOKIE_SERVER_LEN);
		return GW_OK;
	}
	uint32_t ts = (uint32_t)now;
	const uint8_t head[8] = {
	    VERSION,    0, 0, 0, (uint8_t)(ts >> 24), (uint8_t)(ts >> 16), (uint8_t)(ts >> 8),
	    (uint8_t)ts};
	memcpy(server, head, sizeof(head));
	uint8_t in[INPUT_MAX];
	size_t n = hash_input(in, req->client, head, addr, alen);
	return siphash(ck, ck->secret.current, in, n, server + 8) ? GW_OK : GW_ECRYPTO;
}

/* ---- the secret file ------------------------------------------------------ */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One line of exactly 32 hex digits at text[*pos], its newline (optional
 * at the end of the text) consumed. */
static bool parse_line(const char *text, size_t len, size_t *pos, uint8_t out[16])
{
	size_t p = *pos;
	if (len - p < 2 * GW_COOKIE_SECRET_LEN)
		return false;
	for (size_t i = 0; i < GW_COOKIE_SECRET_LEN; i++, p += 2) {
		int hi = hex_value(text[p]), lo = hex_value(text[p + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (p < len && text[p++] != '\n')
		return false;
	*pos = p;
	return true;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < len; i++)
		acc |= p[i];
	return acc == 0;
}

int gw_cookie_secret_parse(gw_cookie_secret_t *out, const char *text, size_t len, char *why,
                           size_t why_len)
{
	gw_cookie_secret_t s;
	size_t pos = 0;
	memset(&s, 0, sizeof(s));
	if (!parse_line(text, len, &pos, s.current)) {
		snprintf(why, why_len,
		         "the first line must be the current secret, 32 hex digits (16 octets)");
		return GW_EPARSE;
	}
	if (pos < len) {
		if (!parse_line(text, len, &pos, s.previous)) {
			snprintf(why, why_len,
			         "the second line, if any, must be the previous "
			         "secret, 32 hex digits (16 octets)");
			return GW_EPARSE;
		}
		s.has_previous = true;
	}
	if (pos < len) {
		snprintf(why, why_len,
		         "more than two lines; the file holds the current and at most "
		         "the previous secret");
		return GW_EPARSE;
	}
	if (all_zero(s.current, sizeof(s.current))) {
		snprintf(why, why_len,
		         "the current secret is all zeros; remove the file to have "
		         "a random one made");
		return GW_EPARSE;
	}
	*out = s;
	OPENSSL_cleanse(&s, sizeof(s));
	return GW_OK;
}

static void hex_line(char *p, const uint8_t *secret)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < GW_COOKIE_SECRET_LEN; i++) {
		*p++ = digits[secret[i] >> 4];
		*p++ = digits[secret[i] & 0x0f];
	}
	*p = '\n';
}

static int write_secret(const char *path, const gw_cookie_secret_t *s)
{
	char text[2 * (2 * GW_COOKIE_SECRET_LEN + 1)];
	size_t len = 2 * GW_COOKIE_SECRET_LEN + 1;
	hex_line(text, s->current);
	if (s->has_previous) {
		hex_line(text + len, s->previous);
		len *= 2;
	}
	int ret = gw_file_write_atomic(path, text, len, 0600);
	OPENSSL_cleanse(text, sizeof(text));
	return ret;
}

static int random_secret(uint8_t out[GW_COOKIE_SECRET_LEN])
{
	do {
		if (RAND_bytes(out, GW_COOKIE_SECRET_LEN) != 1) {
			gw_err("cookies: no random secret from OpenSSL");
			return GW_ECRYPTO;
		}
	} while (all_zero(out, GW_COOKIE_SECRET_LEN));
	return GW_OK;
}

/* A new random secret in path and *out, after previous (NULL for none):
 * made first, or rolled over. *out is left as it was on failure. */
static int renew_secret(gw_cookie_secret_t *out, const uint8_t *previous, const char *path)
{
	gw_cookie_secret_t s;
	memset(&s, 0, sizeof(s));
	if (previous != NULL) {
		memcpy(s.previous, previous, GW_COOKIE_SECRET_LEN);
		s.has_previous = true;
	}
	int ret = random_secret(s.current);
	if (ret == GW_OK)
		ret = write_secret(path, &s);
	if (ret == GW_OK) {
		*out = s;
		if (previous != NULL)
			gw_notice("cookies: rolled the server cookie secret over in %s", path);
		else
			gw_notice("cookies: made a new server cookie secret in %s", path);
	}
	OPENSSL_cleanse(&s, sizeof(s));
	return ret;
}

int gw_cookie_secret_load(gw_cookie_secret_t *out, const char *path)
{
	char text[FILE_MAX + 1];
	char why[160];
	mode_t mode = 0;
	size_t len = 0;
	int fd = -1;

	int ret = gw_file_open_private(path, O_NOFOLLOW, &fd, &mode);
	if (ret == -ENOENT)
		return renew_secret(out, NULL, path);
	if (ret == GW_ENOTFILE) {
		gw_err("cookies: %s is not a regular file", path);
		return GW_EPARSE;
	}
	if (ret == GW_EPERM) {
		gw_err("cookies: %s has mode %04o: group or others may read the secret; chmod 600 "
		       "it",
		       path, (unsigned)mode);
		return ret;
	}
	if (ret != GW_OK) {
		gw_err("cookies: cannot open %s: %s", path, gw_strerror(ret));
		return ret;
	}
	ret = gw_file_read_fd(fd, text, FILE_MAX, &len);
	if (ret == GW_ELIMIT) {
		gw_err("cookies: %s is longer than %d octets; it should hold one or two lines of "
		       "32 hex digits",
		       path, FILE_MAX);
		ret = GW_EPARSE;
		goto out;
	}
	if (ret != GW_OK) {
		gw_err("cookies: cannot read %s: %s", path, gw_strerror(ret));
		goto out;
	}
	ret = gw_cookie_secret_parse(out, text, len, why, sizeof(why));
	if (ret != GW_OK)
		gw_err("cookies: %s: %s", path, why);
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(fd);
	return ret;
}

int gw_cookie_secret_rotate(gw_cookie_secret_t *secret, const char *path)
{
	return renew_secret(secret, secret->current, path);
}
