#include "gateway/xfr/tsig.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/error.h"
#include "common/log.h"
#include "common/str_table.h"
#include "gateway/config/secret.h"
#include "gateway/query/response.h"
#include "zones/zone.h"

/* The digest of each TSIG algorithm: its name for OpenSSL's HMAC and its
 * EVP_MD, for the MAC's size. An unknown algorithm gets the default's. */
typedef struct tsig_digest {
	const char *name;
	const EVP_MD *(*md)(void);
} tsig_digest_t;

static const tsig_digest_t *digest_of(gw_tsig_alg_t alg)
{
	static const tsig_digest_t digests[] = {
	    [GW_TSIG_HMAC_SHA256] = {"SHA256", EVP_sha256},
	    [GW_TSIG_HMAC_SHA384] = {"SHA384", EVP_sha384},
	    [GW_TSIG_HMAC_SHA512] = {"SHA512", EVP_sha512},
	    [GW_TSIG_HMAC_SHA1] = {"SHA1", EVP_sha1},
	};
	if ((unsigned)alg >= sizeof(digests) / sizeof(digests[0]))
		alg = GW_TSIG_HMAC_SHA256;
	return &digests[alg];
}

int gw_tsig_keyring_init(gw_tsig_keyring_t *kr, const gw_tsig_keyring_opts_t *opts)
{
	memset(kr, 0, sizeof(*kr));
	if (opts->count == 0)
		return GW_OK;
	kr->keys = calloc(opts->count, sizeof(*kr->keys));
	if (kr->keys == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < opts->count; i++) {
		const gw_tsig_key_config_t *c = &opts->keys[i];
		gw_tsig_key_t *k = &kr->keys[i];
		k->cfg = c;
		k->index = (int)i;
		kr->count++;
		int secret = gw_config_secret_decode(c->secret, strlen(c->secret), k->secret,
		                                     sizeof(k->secret));
		if (zone_name_from_str(k->name, c->name, NULL) <= 0 ||
		    zone_name_from_str(k->alg_name, gw_config_tsig_alg_name(c->algorithm), NULL) <=
		        0 ||
		    secret <= 0) {
			gw_err("TSIG key %s cannot be used", c->name);
			gw_tsig_keyring_deinit(kr);
			return GW_ECONFIG;
		}
		zone_name_lower(k->name, k->name);
		k->secret_len = (size_t)secret;
		k->mac_len = (size_t)EVP_MD_get_size(digest_of(c->algorithm)->md());
		k->own_mac = c->algorithm == GW_TSIG_HMAC_SHA384;
	}
	return GW_OK;
}

void gw_tsig_keyring_deinit(gw_tsig_keyring_t *kr)
{
	if (kr->keys != NULL)
		OPENSSL_cleanse(kr->keys, kr->count * sizeof(*kr->keys));
	free(kr->keys);
	kr->keys = NULL;
	kr->count = 0;
}

const gw_tsig_key_t *gw_tsig_keyring_get(const gw_tsig_keyring_t *kr, int index)
{
	if (kr == NULL || index < 0 || (size_t)index >= kr->count)
		return NULL;
	return &kr->keys[index];
}

const char *gw_tsig_error_str(uint16_t error)
{
	static const char *const tsig_errors[] = {
	    [GW_TSIG_NOERROR] = "NOERROR",
	    [GW_TSIG_BADSIG] = "BADSIG",
	    [GW_TSIG_BADKEY] = "BADKEY",
	    [GW_TSIG_BADTIME] = "BADTIME",
	};
	return GW_STR_TABLE(tsig_errors, error, "unknown TSIG error");
}

size_t gw_tsig_room(const gw_tsig_ctx_t *ctx)
{
	const gw_tsig_key_t *k = ctx->key;
	if (k == NULL)
		return 0;
	/* owner, type/class/TTL/rdlength, algorithm, time, fudge, MAC size,
	 * MAC, original ID, error, other length, six octets of other data */
	return (size_t)zone_name_len(k->name, sizeof(k->name)) + 10 +
	       (size_t)zone_name_len(k->alg_name, sizeof(k->alg_name)) + 10 + k->mac_len + 6 + 6;
}

static uint64_t get48(const uint8_t *p)
{
	return (uint64_t)p[0] << 40 | (uint64_t)p[1] << 32 | (uint64_t)p[2] << 24 |
	       (uint64_t)p[3] << 16 | (uint64_t)p[4] << 8 | p[5];
}

static void put48(uint8_t *p, uint64_t v)
{
	for (int i = 5; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* The TSIG RR's owner and fixed fields: class ANY and TTL 0 (RFC 8945
 * 4.2). *rdlen points at the RDLENGTH, for the caller to fill once the
 * RDATA is written; returns where the RDATA starts. */
static uint8_t *put_tsig_head(uint8_t *p, const uint8_t *name, size_t name_len, uint8_t **rdlen)
{
	memcpy(p, name, name_len);
	p += name_len;
	ldns_write_uint16(p, DNS_T_TSIG);
	ldns_write_uint16(p + 2, DNS_C_ANY);
	memset(p + 4, 0, 4);
	*rdlen = p + 8;
	return p + 10;
}

/* A name rdf into a lowercase wire copy; false when it does not fit. */
static bool copy_name(const ldns_rdf *rdf, uint8_t *out, uint16_t *len)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	size_t n = ldns_rdf_size(rdf);
	if (n == 0 || n > DNS_NAME_MAXLEN || zone_name_len(ldns_rdf_data(rdf), n) != (int)n)
		return false;
	zone_name_lower(out, ldns_rdf_data(rdf));
	*len = (uint16_t)n;
	return true;
}

static bool time_ok(uint64_t signed_at, uint16_t fudge, time_t now)
{
	int64_t diff = (int64_t)now - (int64_t)signed_at;
	return diff <= fudge && -diff <= fudge;
}

/* ---- MACs computed here (RFC 8945 4.3) ---------------------------------- */

/* The TSIG variables that enter a digest. */
typedef struct tsig_vars {
	uint64_t time_signed;
	uint16_t fudge;
	uint16_t error;
	const uint8_t *other;
	uint16_t other_len;
} tsig_vars_t;

/* HMAC over: prior MAC (with its size) when given, the message (msg_len
 * octets without the TSIG record, its ID replaced by orig_id and its
 * ARCOUNT by arcount), then all TSIG variables or, with timers_only, Time
 * Signed and Fudge. */
static int own_digest(const gw_tsig_key_t *key, const uint8_t *prior, size_t prior_len,
                      const uint8_t *msg, size_t msg_len, uint16_t orig_id, uint16_t arcount,
                      const tsig_vars_t *v, bool timers_only, uint8_t *mac)
{
	int ret = GW_ECRYPTO;
	uint8_t head[DNS_HEADER_LEN];
	uint8_t vars[2 * DNS_NAME_MAXLEN + 32];
	size_t n = 0;
	size_t mac_len = 0;

	if (msg_len < DNS_HEADER_LEN || v->other_len > 6)
		return GW_EMALFORMED;
	memcpy(head, msg, sizeof(head));
	ldns_write_uint16(head, orig_id);
	ldns_write_uint16(head + 10, arcount);
	if (!timers_only) {
		int l = zone_name_len(key->name, sizeof(key->name));
		memcpy(vars, key->name, (size_t)l);
		n = (size_t)l;
		ldns_write_uint16(vars + n, DNS_C_ANY);
		memset(vars + n + 2, 0, 4); /* TTL */
		n += 6;
		l = zone_name_len(key->alg_name, sizeof(key->alg_name));
		memcpy(vars + n, key->alg_name, (size_t)l);
		n += (size_t)l;
	}
	put48(vars + n, v->time_signed);
	ldns_write_uint16(vars + n + 6, v->fudge);
	n += 8;
	if (!timers_only) {
		ldns_write_uint16(vars + n, v->error);
		ldns_write_uint16(vars + n + 2, v->other_len);
		if (v->other_len > 0)
			memcpy(vars + n + 4, v->other, v->other_len);
		n += 4 + v->other_len;
	}
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = hmac != NULL ? EVP_MAC_CTX_new(hmac) : NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string("digest", (char *)digest_of(key->cfg->algorithm)->name,
	                                     0),
	    OSSL_PARAM_construct_end(),
	};
	if (c == NULL || EVP_MAC_init(c, key->secret, key->secret_len, params) != 1 ||
	    (prior_len > 0 && EVP_MAC_update(c, prior, prior_len) != 1) ||
	    EVP_MAC_update(c, head, sizeof(head)) != 1 ||
	    EVP_MAC_update(c, msg + sizeof(head), msg_len - sizeof(head)) != 1 ||
	    EVP_MAC_update(c, vars, n) != 1 ||
	    EVP_MAC_final(c, mac, &mac_len, GW_TSIG_MAC_MAX) != 1 || mac_len != key->mac_len)
		goto out;
	ret = GW_OK;
out:
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(hmac);
	return ret;
}

/* Sign msg here: the digest, then the TSIG record appended (ARCOUNT + 1). */
static int own_sign(gw_tsig_ctx_t *ctx, uint8_t *msg, size_t *len, size_t cap, bool prior,
                    bool timers_only, const tsig_vars_t *v)
{
	const gw_tsig_key_t *key = ctx->key;
	uint8_t mac[GW_TSIG_MAC_MAX];
	if (*len < DNS_HEADER_LEN || *len + gw_tsig_room(ctx) > cap)
		return GW_ESPACE;
	uint16_t id = (uint16_t)(msg[0] << 8 | msg[1]);
	uint16_t arcount = (uint16_t)(msg[10] << 8 | msg[11]);
	int ret = own_digest(key, prior ? ctx->mac : NULL, prior ? ctx->mac_len : 0, msg, *len, id,
	                     arcount, v, timers_only, mac);
	if (ret != GW_OK)
		return ret;
	uint8_t *rdlen;
	int l = zone_name_len(key->name, sizeof(key->name));
	uint8_t *p = put_tsig_head(msg + *len, key->name, (size_t)l, &rdlen);
	uint8_t *rdata = p;
	l = zone_name_len(key->alg_name, sizeof(key->alg_name));
	memcpy(p, key->alg_name, (size_t)l);
	p += l;
	put48(p, v->time_signed);
	ldns_write_uint16(p + 6, v->fudge);
	ldns_write_uint16(p + 8, (uint16_t)key->mac_len);
	p += 10;
	memcpy(p, mac, key->mac_len);
	p += key->mac_len;
	ldns_write_uint16(p, id);
	ldns_write_uint16(p + 2, v->error);
	ldns_write_uint16(p + 4, v->other_len);
	p += 6;
	if (v->other_len > 0)
		memcpy(p, v->other, v->other_len);
	p += v->other_len;
	ldns_write_uint16(rdlen, (uint16_t)(p - rdata));
	ldns_write_uint16(msg + 10, (uint16_t)(arcount + 1));
	*len = (size_t)(p - msg);
	ctx->mac_len = (uint16_t)(2 + key->mac_len);
	ldns_write_uint16(ctx->mac, (uint16_t)key->mac_len);
	memcpy(ctx->mac + 2, mac, key->mac_len);
	return GW_OK;
}

/* Where the TSIG record of a message starts: after every other RR, none
 * of which may be a TSIG record. */
static int tsig_offset(const uint8_t *wire, size_t len, size_t *off)
{
	if (len < DNS_HEADER_LEN || ldns_read_uint16(wire + 10) == 0)
		return GW_EMALFORMED;
	return zone_pkt_last_rr(wire, len, off);
}

/* Check the MAC of t (the TSIG record of wire, at off) here. */
static bool own_verify(const gw_tsig_key_t *key, const uint8_t *wire, size_t off, const ldns_rr *t,
                       const uint8_t *prior, size_t prior_len)
{
	uint8_t mac[GW_TSIG_MAC_MAX];
	const ldns_rdf *pkt_mac = ldns_rr_rdf(t, 3);
	const ldns_rdf *other = ldns_rr_rdf(t, 6);
	if (ldns_rdf_size(pkt_mac) != 2 + key->mac_len || ldns_rdf_size(other) < 2 ||
	    ldns_rdf_size(ldns_rr_rdf(t, 4)) != 2 || ldns_rdf_size(ldns_rr_rdf(t, 5)) != 2)
		return false;
	tsig_vars_t v = {
	    .time_signed = get48(ldns_rdf_data(ldns_rr_rdf(t, 1))),
	    .fudge = ldns_rdf2native_int16(ldns_rr_rdf(t, 2)),
	    .error = ldns_rdf2native_int16(ldns_rr_rdf(t, 5)),
	    .other = ldns_rdf_data(other) + 2,
	    .other_len = (uint16_t)(ldns_rdf_size(other) - 2),
	};
	uint16_t arcount = (uint16_t)((wire[10] << 8 | wire[11]) - 1);
	if (own_digest(key, prior, prior_len, wire, off, ldns_rdf2native_int16(ldns_rr_rdf(t, 4)),
	               arcount, &v, false, mac) != GW_OK)
		return false;
	return CRYPTO_memcmp(mac, ldns_rdf_data(pkt_mac) + 2, key->mac_len) == 0;
}

int gw_tsig_verify_request(const gw_tsig_keyring_t *kr, const uint8_t *pkt, size_t len,
                           const gw_query_t *q, time_t now, gw_tsig_ctx_t *ctx)
{
	int ret = GW_EMALFORMED;
	ldns_pkt *p = NULL;

	memset(ctx, 0, sizeof(*ctx));
	snprintf(ctx->key_text, sizeof(ctx->key_text), "?");
	if (!q->has_tsig || zone_pkt_read(&p, pkt, len) != GW_OK)
		goto out;
	ldns_rr *t = ldns_pkt_tsig(p);
	if (t == NULL || ldns_rr_rd_count(t) < 7)
		goto out;
	const ldns_rdf *time_rdf = ldns_rr_rdf(t, 1);
	const ldns_rdf *fudge_rdf = ldns_rr_rdf(t, 2);
	const ldns_rdf *mac_rdf = ldns_rr_rdf(t, 3);
	if (!copy_name(ldns_rr_owner(t), ctx->req_name, &ctx->req_name_len) ||
	    !copy_name(ldns_rr_rdf(t, 0), ctx->req_alg, &ctx->req_alg_len) ||
	    ldns_rdf_size(time_rdf) != 6 || ldns_rdf_size(fudge_rdf) != 2 ||
	    ldns_rdf_size(mac_rdf) < 2 || ldns_rdf_size(mac_rdf) > sizeof(ctx->mac))
		goto out;
	ctx->req_time = get48(ldns_rdf_data(time_rdf));
	ctx->req_fudge = ldns_rdf2native_int16(fudge_rdf);
	zone_name_to_str(ctx->key_text, sizeof(ctx->key_text), ctx->req_name);

	ret = GW_EPERM;
	const gw_tsig_key_t *key = NULL;
	for (size_t i = 0; kr != NULL && i < kr->count; i++) {
		if (zone_name_equal(kr->keys[i].name, ctx->req_name))
			key = &kr->keys[i];
	}
	if (key == NULL || !zone_name_equal(key->alg_name, ctx->req_alg)) {
		ctx->error = GW_TSIG_BADKEY;
		goto out;
	}
	/* A truncated MAC (RFC 8945 5.2.2.1) is not accepted: local policy
	 * wants the whole digest. */
	bool good = ldns_rdf_size(mac_rdf) - 2 == key->mac_len;
	if (good && key->own_mac)
		good = own_verify(key, pkt, q->tsig_offset, t, NULL, 0);
	else if (good)
		good = ldns_pkt_tsig_verify_next(p, pkt, len, key->cfg->name, key->cfg->secret,
		                                 NULL, 0);
	if (!good) {
		ctx->error = GW_TSIG_BADSIG;
		goto out;
	}
	/* The MAC is good: from here on replies are signed, errors too. */
	ctx->key = key;
	memcpy(ctx->mac, ldns_rdf_data(mac_rdf), ldns_rdf_size(mac_rdf));
	ctx->mac_len = (uint16_t)ldns_rdf_size(mac_rdf);
	if (!time_ok(ctx->req_time, ctx->req_fudge, now)) {
		ctx->error = GW_TSIG_BADTIME;
		goto out;
	}
	ret = GW_OK;
out:
	ldns_pkt_free(p);
	return ret;
}

/* Sign msg through ldns: prior is the MAC the digest starts with (NULL
 * for a request of ours), timers_only for the later messages of a
 * transfer. */
static int sign_msg(gw_tsig_ctx_t *ctx, uint8_t *msg, size_t *len, size_t cap, bool prior,
                    bool timers_only)
{
	int ret = GW_EMALFORMED;
	ldns_pkt *p = NULL;
	ldns_rdf *prior_rdf = NULL;
	uint8_t *wire = NULL;
	size_t wire_len = 0;
	const gw_tsig_key_t *key = ctx->key;

	if (key == NULL)
		return GW_EINVAL;
	if (key->own_mac) {
		tsig_vars_t v = {.time_signed = (uint64_t)time(NULL), .fudge = GW_TSIG_FUDGE};
		return own_sign(ctx, msg, len, cap, prior, timers_only, &v);
	}
	if (ldns_wire2pkt(&p, msg, *len) != LDNS_STATUS_OK)
		goto out;
	if (prior) {
		prior_rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, ctx->mac_len, ctx->mac);
		if (prior_rdf == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
	}
	ret = GW_ECRYPTO;
	if (ldns_pkt_tsig_sign_next(p, key->cfg->name, key->cfg->secret, GW_TSIG_FUDGE,
	                            gw_config_tsig_alg_name(key->cfg->algorithm), prior_rdf,
	                            timers_only) != LDNS_STATUS_OK)
		goto out;
	const ldns_rr *t = ldns_pkt_tsig(p);
	const ldns_rdf *mac = t != NULL ? ldns_rr_rdf(t, 3) : NULL;
	if (mac == NULL || ldns_rdf_size(mac) > sizeof(ctx->mac))
		goto out;
	ret = GW_ENOMEM;
	if (ldns_pkt2wire(&wire, p, &wire_len) != LDNS_STATUS_OK)
		goto out;
	ret = GW_ESPACE;
	if (wire_len > cap)
		goto out;
	memcpy(msg, wire, wire_len);
	*len = wire_len;
	memcpy(ctx->mac, ldns_rdf_data(mac), ldns_rdf_size(mac));
	ctx->mac_len = (uint16_t)ldns_rdf_size(mac);
	ret = GW_OK;
out:
	free(wire);
	ldns_rdf_deep_free(prior_rdf);
	ldns_pkt_free(p);
	return ret;
}

int gw_tsig_sign_reply(gw_tsig_ctx_t *ctx, uint8_t *msg, size_t *len, size_t cap)
{
	int ret = sign_msg(ctx, msg, len, cap, true, ctx->signed_count > 0);
	if (ret == GW_OK)
		ctx->signed_count++;
	return ret;
}

int gw_tsig_sign_request(gw_tsig_ctx_t *ctx, const gw_tsig_key_t *key, uint8_t *msg, size_t *len,
                         size_t cap)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->key = key;
	snprintf(ctx->key_text, sizeof(ctx->key_text), "%s", key->cfg->name);
	return sign_msg(ctx, msg, len, cap, false, false);
}

int gw_tsig_verify_reply(const gw_tsig_ctx_t *ctx, const uint8_t *pkt, size_t len, time_t now)
{
	int ret = GW_EPERM;
	ldns_pkt *p = NULL;
	ldns_rdf *prior = NULL;
	uint8_t name[DNS_NAME_MAXLEN], alg[DNS_NAME_MAXLEN];
	uint16_t name_len, alg_len;

	/* The walk first: a reply (from a secondary, or spoofed) with
	 * several TSIG records would leak all but one inside ldns. */
	size_t off = 0;
	if (ctx->key == NULL || tsig_offset(pkt, len, &off) != GW_OK ||
	    ldns_wire2pkt(&p, pkt, len) != LDNS_STATUS_OK)
		goto out;
	ldns_rr *t = ldns_pkt_tsig(p);
	if (t == NULL || ldns_rr_rd_count(t) < 7 || !copy_name(ldns_rr_owner(t), name, &name_len) ||
	    !copy_name(ldns_rr_rdf(t, 0), alg, &alg_len) ||
	    !zone_name_equal(name, ctx->key->name) || !zone_name_equal(alg, ctx->key->alg_name) ||
	    ldns_rdf_size(ldns_rr_rdf(t, 1)) != 6 || ldns_rdf_size(ldns_rr_rdf(t, 5)) != 2 ||
	    ldns_rdf2native_int16(ldns_rr_rdf(t, 5)) != GW_TSIG_NOERROR)
		goto out;
	prior = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_INT16_DATA, ctx->mac_len, ctx->mac);
	if (prior == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (ctx->key->own_mac ? !own_verify(ctx->key, pkt, off, t, ctx->mac, ctx->mac_len)
	                      : !ldns_pkt_tsig_verify_next(p, pkt, len, ctx->key->cfg->name,
	                                                   ctx->key->cfg->secret, prior, 0))
		goto out;
	if (!time_ok(get48(ldns_rdf_data(ldns_rr_rdf(t, 1))),
	             ldns_rdf2native_int16(ldns_rr_rdf(t, 2)), now))
		goto out;
	ret = GW_OK;
out:
	ldns_rdf_deep_free(prior);
	ldns_pkt_free(p);
	return ret;
}

size_t gw_tsig_error_reply(gw_tsig_ctx_t *ctx, const gw_query_t *q, time_t now,
                           uint16_t udp_payload, uint8_t *out, size_t cap)
{
	gw_resp_t r;
	size_t room = DNS_NAME_MAXLEN + 10 + DNS_NAME_MAXLEN + 16 + GW_TSIG_MAC_MAX + 6;

	if (cap < DNS_HEADER_LEN + DNS_NAME_MAXLEN + 4 + GW_RESP_OPT_LEN + room ||
	    ctx->req_name_len == 0)
		return 0;
	gw_resp_init(&r, out, cap - room - GW_RESP_OPT_LEN, q->id,
	             gw_wire_reply_flags(q, DNS_RCODE_NOTAUTH));
	if (q->qname != NULL && gw_resp_put_question(&r, q->qname, q->qtype, q->qclass) != GW_OK)
		return 0;
	size_t len = gw_resp_finish(&r);
	/* The OPT, when the request had one, before the TSIG (RFC 8945 5.1:
	 * TSIG is the last record). */
	if (gw_resp_add_opt(q, DNS_RCODE_NOTAUTH, udp_payload, out, &len, cap - room) != GW_OK)
		return 0;

	if (ctx->error == GW_TSIG_BADTIME && ctx->key != NULL) {
		/* RFC 8945 5.2.3, 5.3.2: signed over the request MAC, with the
		 * request's Time Signed and our time in Other Data, so that
		 * the client can see the skew. */
		uint8_t other[6];
		put48(other, (uint64_t)now);
		tsig_vars_t v = {.time_signed = ctx->req_time,
		                 .fudge = GW_TSIG_FUDGE,
		                 .error = ctx->error,
		                 .other = other,
		                 .other_len = 6};
		return own_sign(ctx, out, &len, cap, true, false, &v) == GW_OK ? len : 0;
	}
	/* BADKEY, BADSIG: unsigned, an empty MAC. */
	uint8_t *rdlen;
	uint8_t *p = put_tsig_head(out + len, ctx->req_name, ctx->req_name_len, &rdlen);
	uint8_t *rdata = p;
	memcpy(p, ctx->req_alg, ctx->req_alg_len);
	p += ctx->req_alg_len;
	put48(p, ctx->req_time);
	ldns_write_uint16(p + 6, ctx->req_fudge);
	ldns_write_uint16(p + 8, 0); /* MAC size */
	ldns_write_uint16(p + 10, q->id);
	ldns_write_uint16(p + 12, ctx->error);
	ldns_write_uint16(p + 14, 0); /* other length */
	p += 16;
	ldns_write_uint16(rdlen, (uint16_t)(p - rdata));
	ldns_write_uint16(out + 10, (uint16_t)(ldns_read_uint16(out + 10) + 1)); /* the TSIG */
	return (size_t)(p - out);
}
