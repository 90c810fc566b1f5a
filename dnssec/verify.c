/* Whole-zone verification with ldns, independent of how sign.c builds the
 * signed data: what a validating resolver would accept, plus the rules
 * this signer keeps (signer name, original TTL, one NSEC or NSEC3 per
 * name).
 *
 * The signed data is rebuilt from each RRSIG as ldns parsed it (its own
 * original TTL, labels and wildcard owner), canonicalised, sorted and
 * written by ldns, and checked against a public key made once per call
 * from the key's DNSKEY. ldns_verify_rrsig_time() does the same but makes
 * the OpenSSL key again for every signature, which cost ten times the
 * verification itself and made the change-stream test take a minute
 * under AddressSanitizer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

typedef struct verifier {
	const zone_t *zone;
	sig_key_t *const *keys;
	size_t key_count;
	EVP_PKEY **pkeys;        /* one public key per key */
	sig_verify_memo_t *memo; /* borrowed; NULL: verify every signature */
	ldns_buffer *data;
	ldns_buffer *rawsig;
	time_t now;
	char *errbuf;
	size_t errlen;
} verifier_t;

__attribute__((format(printf, 5, 6))) static int fail(verifier_t *v, int code, const uint8_t *owner,
                                                      uint16_t type, const char *fmt, ...)
{
	char what[4 * ZONE_NAME_MAXLEN + 32];
	char why[4 * ZONE_NAME_MAXLEN + 256];
	va_list ap;

	if (v->errbuf == NULL || v->errlen == 0)
		return code;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (owner != NULL) {
		sig_describe(what, sizeof(what), owner, type);
		snprintf(v->errbuf, v->errlen, "%s: %s", what, why);
	} else {
		snprintf(v->errbuf, v->errlen, "%s", why);
	}
	return code;
}

static int rrset_to_list(const zone_node_t *node, const zone_rrset_t *rrset, ldns_rr_list **out)
{
	ldns_rr_list *list = ldns_rr_list_new();
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;
	int ret = GW_OK;

	if (list == NULL)
		return GW_ENOMEM;
	while (ret == GW_OK && zone_rrset_next(rrset, &pos, &rdata, &rdlen)) {
		ldns_rr *rr = NULL;
		ret = zone_rr_to_ldns(&rr, node, rrset, rdata, rdlen);
		if (ret == GW_OK && !ldns_rr_list_push_rr(list, rr)) {
			ldns_rr_free(rr);
			ret = GW_ENOMEM;
		}
	}
	if (ret != GW_OK) {
		ldns_rr_list_deep_free(list);
		return ret;
	}
	*out = list;
	return GW_OK;
}

/* RSA public key from DNSKEY key material (RFC 3110 2): exponent length
 * in one octet, or zero and two octets, then exponent, then modulus. */
static EVP_PKEY *rsa_pkey(const uint8_t *pub, size_t len)
{
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL;
	BIGNUM *e = NULL;
	size_t off = 1;
	size_t elen;

	if (len < 3)
		return NULL;
	elen = pub[0];
	if (elen == 0) {
		elen = (size_t)pub[1] << 8 | pub[2];
		off = 3;
	}
	if (elen == 0 || len <= off + elen)
		return NULL;
	e = BN_bin2bn(pub + off, (int)elen, NULL);
	n = BN_bin2bn(pub + off + elen, (int)(len - off - elen), NULL);
	bld = OSSL_PARAM_BLD_new();
	if (e == NULL || n == NULL || bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

/* The public key of a DNSKEY rdata (flags, protocol, algorithm, key). */
static EVP_PKEY *dnskey_pkey(const uint8_t *rdata, uint16_t len)
{
	if (len < 5)
		return NULL;
	switch (rdata[3]) {
	case SIG_ALG_ECDSAP256SHA256:
		return ldns_ecdsa2pkey_raw(rdata + 4, len - 4u, rdata[3]);
	case SIG_ALG_ED25519:
		return ldns_ed255192pkey_raw(rdata + 4, len - 4u);
	case SIG_ALG_RSASHA256:
		return rsa_pkey(rdata + 4, len - 4u);
	default:
		return NULL;
	}
}

/* The data a validator checks the signature over (RFC 4035 5.3.2), built
 * from what the RRSIG says rather than from the zone: its original TTL,
 * and for fewer labels than the owner has, the wildcard it came from. */
static ldns_status signed_data(ldns_buffer *out, const ldns_rr_list *rrset, const ldns_rr *rrsig)
{
	ldns_status s = LDNS_STATUS_MEM_ERR;
	ldns_rr_list *copy = ldns_rr_list_clone(rrset);
	ldns_rdf *wild = NULL;

	ldns_buffer_clear(out);
	if (copy == NULL || ldns_rr_list_rr_count(copy) == 0)
		goto out;
	uint32_t ttl = ldns_rdf2native_int32(ldns_rr_rrsig_origttl(rrsig));
	uint8_t labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(rrsig));
	const ldns_rdf *owner = ldns_rr_owner(ldns_rr_list_rr(copy, 0));
	uint8_t owner_labels = ldns_dname_label_count(owner);
	if (labels > owner_labels) {
		s = LDNS_STATUS_CRYPTO_BOGUS;
		goto out;
	}
	if (labels < owner_labels) {
		ldns_rdf *star = ldns_dname_new_frm_str("*");
		ldns_rdf *parent = ldns_dname_clone_from(owner, owner_labels - labels);
		if (star != NULL && parent != NULL)
			wild = ldns_dname_cat_clone(star, parent);
		ldns_rdf_deep_free(star);
		ldns_rdf_deep_free(parent);
		if (wild == NULL)
			goto out;
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(copy); i++) {
		ldns_rr *rr = ldns_rr_list_rr(copy, i);
		ldns_rr_set_ttl(rr, ttl);
		if (wild != NULL) {
			ldns_rdf *name = ldns_rdf_clone(wild);
			if (name == NULL)
				goto out;
			ldns_rdf_deep_free(ldns_rr_owner(rr));
			ldns_rr_set_owner(rr, name);
		}
		ldns_rr2canonical(rr);
	}
	/* RRs that differ only in the case of names in their rdata are one
	 * RR in canonical form; a validator keeps one of them (RFC 4034
	 * 6.3). */
	ldns_rr_list_sort(copy);
	size_t count = ldns_rr_list_rr_count(copy);
	size_t kept = 1;
	for (size_t i = 1; i < count; i++) {
		ldns_rr *rr = ldns_rr_list_rr(copy, i);
		if (ldns_rr_compare(ldns_rr_list_rr(copy, kept - 1), rr) == 0)
			ldns_rr_free(rr);
		else
			ldns_rr_list_set_rr(copy, rr, kept++);
	}
	ldns_rr_list_set_rr_count(copy, kept);
	s = ldns_rrsig2buffer_wire(out, rrsig);
	/* One RR at a time through a buffer of its own, as the signer does:
	 * ldns_rr_list2buffer_wire() misplaces RDLENGTHs past 64 KiB. */
	for (size_t i = 0; s == LDNS_STATUS_OK && i < kept; i++) {
		uint8_t *wire = NULL;
		size_t len = 0;
		s = ldns_rr2wire(&wire, ldns_rr_list_rr(copy, i), LDNS_SECTION_ANY, &len);
		if (s == LDNS_STATUS_OK && !ldns_buffer_reserve(out, len))
			s = LDNS_STATUS_MEM_ERR;
		if (s == LDNS_STATUS_OK)
			ldns_buffer_write(out, wire, len);
		free(wire);
	}
out:
	ldns_rdf_deep_free(wild);
	if (copy != NULL)
		ldns_rr_list_deep_free(copy);
	return s;
}

/* Check the signature of rrsig over data with pkey. */
static ldns_status verify_signature(verifier_t *v, EVP_PKEY *pkey, const ldns_rr *rrsig)
{
	const ldns_rdf *sig = ldns_rr_rrsig_sig(rrsig);
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(rrsig));
	const EVP_MD *md = alg == SIG_ALG_ED25519 ? NULL : EVP_sha256();
	const uint8_t *raw;
	size_t raw_len;
	EVP_MD_CTX *ctx = NULL;
	ldns_status s = LDNS_STATUS_CRYPTO_BOGUS;

	if (sig == NULL)
		return LDNS_STATUS_CRYPTO_BOGUS;
	raw = ldns_rdf_data(sig);
	raw_len = ldns_rdf_size(sig);
	if (alg == SIG_ALG_ECDSAP256SHA256) {
		/* DNSSEC has r||s (RFC 6605 4), OpenSSL wants DER. */
		ldns_buffer_clear(v->rawsig);
		if (ldns_convert_ecdsa_rrsig_rdf2asn1(v->rawsig, sig) != LDNS_STATUS_OK)
			return LDNS_STATUS_CRYPTO_BOGUS;
		raw = ldns_buffer_begin(v->rawsig);
		raw_len = ldns_buffer_position(v->rawsig);
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return LDNS_STATUS_MEM_ERR;
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
	    EVP_DigestVerify(ctx, raw, raw_len, ldns_buffer_begin(v->data),
	                     ldns_buffer_position(v->data)) == 1)
		s = LDNS_STATUS_OK;
	EVP_MD_CTX_free(ctx);
	return s;
}

/* verify_signature() with key k, unless the memo has seen this key, data
 * and signature verify before; a signature that verifies is added. */
static ldns_status verify_remembered(verifier_t *v, int k, const ldns_rr *rrsig)
{
	const ldns_rdf *sig = ldns_rr_rrsig_sig(rrsig);
	uint8_t digest[SIG_VERIFY_DIGEST_LEN];
	uint16_t key_len = 0;
	const uint8_t *key = sig_key_dnskey_rdata(v->keys[k], &key_len);

	if (v->memo == NULL || sig == NULL)
		return verify_signature(v, v->pkeys[k], rrsig);
	if (sig_verify_memo_digest(v->memo, key, key_len, ldns_buffer_begin(v->data),
	                           ldns_buffer_position(v->data), ldns_rdf_data(sig),
	                           ldns_rdf_size(sig), digest) != GW_OK)
		return LDNS_STATUS_CRYPTO_BOGUS;
	if (sig_verify_memo_has(v->memo, digest))
		return LDNS_STATUS_OK;
	ldns_status s = verify_signature(v, v->pkeys[k], rrsig);
	if (s == LDNS_STATUS_OK && sig_verify_memo_add(v->memo, digest) != GW_OK)
		s = LDNS_STATUS_MEM_ERR;
	return s;
}

static int find_key(const verifier_t *v, uint16_t tag, uint8_t alg)
{
	for (size_t i = 0; i < v->key_count; i++) {
		if (sig_key_tag(v->keys[i]) == tag && sig_key_algorithm(v->keys[i]) == alg)
			return (int)i;
	}
	return -1;
}

/* Check one RRSIG rdata over rrset; on success set the signing key's bit
 * in *good. */
static int check_rrsig(verifier_t *v, const zone_node_t *node, const zone_rrset_t *rrset,
                       ldns_rr_list *list, const uint8_t *rd, uint16_t rdlen, bool *good)
{
	const uint8_t *owner = node->owner;
	uint16_t type = rrset->type;
	ldns_rr *sig = NULL;
	int ret;

	if (rdlen < SIG_RRSIG_FIXED + 1)
		return fail(v, GW_ECRYPTO, owner, type, "truncated RRSIG");
	uint16_t tag = ldns_read_uint16(rd + SIG_RRSIG_OFF_TAG);
	uint8_t alg = rd[SIG_RRSIG_OFF_ALG];
	int labels = zone_name_labels(owner) - (owner[0] == 1 && owner[1] == '*' ? 1 : 0);
	int signer_len = zone_name_len(rd + SIG_RRSIG_FIXED, rdlen - SIG_RRSIG_FIXED);
	time_t incept = sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_INCEPT), v->now);
	time_t expire = sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_EXPIRE), v->now);

	if (ldns_read_uint16(rd + SIG_RRSIG_OFF_TYPE) != type)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by key %u covers type %u", tag,
		            ldns_read_uint16(rd + SIG_RRSIG_OFF_TYPE));
	if (rd[SIG_RRSIG_OFF_LABELS] != labels)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by key %u has labels %u, not %d",
		            tag, rd[SIG_RRSIG_OFF_LABELS], labels);
	if (ldns_read_uint32(rd + SIG_RRSIG_OFF_TTL) != rrset->ttl)
		return fail(v, GW_ECRYPTO, owner, type,
		            "RRSIG by key %u has original TTL %u, the RRset %u", tag,
		            ldns_read_uint32(rd + SIG_RRSIG_OFF_TTL), rrset->ttl);
	if (signer_len < 0 || (size_t)signer_len >= (size_t)rdlen - SIG_RRSIG_FIXED ||
	    !zone_name_equal(rd + SIG_RRSIG_FIXED, zone_apex(v->zone)) ||
	    memcmp(rd + SIG_RRSIG_FIXED, zone_apex(v->zone), (size_t)signer_len) != 0)
		return fail(v, GW_ECRYPTO, owner, type,
		            "RRSIG by key %u: signer name is not the apex in lowercase", tag);
	if (incept > v->now)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by key %u: inception %lld after now",
		            tag, (long long)incept);
	if (expire < v->now)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by key %u expired at %lld", tag,
		            (long long)expire);
	int k = find_key(v, tag, alg);
	if (k < 0)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by unknown key %u (algorithm %u)",
		            tag, alg);
	if (!sig_role_signs(sig_key_role(v->keys[k]), type))
		return fail(v, GW_ECRYPTO, owner, type, "signed by key %u, whose role must not",
		            tag);

	ret = zone_rr_to_ldns(&sig, node, rrset, rd, rdlen);
	if (ret != GW_OK)
		return fail(v, ret, owner, type, "RRSIG unreadable: %s", gw_strerror(ret));
	ldns_status s = signed_data(v->data, list, sig);
	if (s == LDNS_STATUS_OK)
		s = verify_remembered(v, k, sig);
	ldns_rr_free(sig);
	if (s != LDNS_STATUS_OK)
		return fail(v, GW_ECRYPTO, owner, type, "RRSIG by key %u does not verify: %s", tag,
		            ldns_get_errorstr_by_id(s));
	good[k] = true;
	return GW_OK;
}

static int check_rrset(verifier_t *v, const zone_node_t *node, const zone_rrset_t *rrset,
                       bool *good)
{
	const zone_rrset_t sigs = {.rdata = rrset->sigs, .rdata_len = rrset->sigs_len};
	ldns_rr_list *list = NULL;
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	int ret;

	if (rrset->sigs_len == 0)
		return fail(v, GW_ECRYPTO, node->owner, rrset->type, "no RRSIG");
	ret = rrset_to_list(node, rrset, &list);
	if (ret != GW_OK)
		return fail(v, ret, node->owner, rrset->type, "unreadable: %s", gw_strerror(ret));
	memset(good, 0, v->key_count * sizeof(*good));
	while (ret == GW_OK && zone_rrset_next(&sigs, &pos, &rd, &rdlen))
		ret = check_rrsig(v, node, rrset, list, rd, rdlen, good);
	ldns_rr_list_deep_free(list);
	if (ret != GW_OK)
		return ret;
	for (size_t i = 0; i < v->key_count; i++) {
		if (!good[i] && sig_role_signs(sig_key_role(v->keys[i]), rrset->type))
			return fail(v, GW_ECRYPTO, node->owner, rrset->type, "no RRSIG by key %u",
			            sig_key_tag(v->keys[i]));
	}
	return GW_OK;
}

/* The NSEC of a chain node: one RR, next name, bitmap, TTL. */
static int check_nsec(verifier_t *v, const zone_node_t *node, sig_node_kind_t kind,
                      const zone_node_t *next, uint32_t ttl)
{
	const zone_rrset_t *nsec = zone_node_rrset(node, DNS_T_NSEC);
	uint8_t next_lower[ZONE_NAME_MAXLEN];
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	int ret = GW_OK;

	if (nsec == NULL)
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC, "missing");
	if (nsec->count != 1)
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC, "%u NSEC RRs, not 1",
		            nsec->count);
	if (nsec->ttl != ttl)
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC, "TTL %u, RFC 9077 wants %u",
		            nsec->ttl, ttl);
	if (!zone_rrset_next(nsec, &pos, &rd, &rdlen))
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC, "unreadable");
	size_t next_len = (size_t)zone_name_lower(next_lower, next->owner);
	if (rdlen < next_len || memcmp(rd, next_lower, next_len) != 0) {
		char name[4 * ZONE_NAME_MAXLEN + 2];
		(void)zone_name_to_str(name, sizeof(name), next_lower);
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC, "next name is not %s", name);
	}
	ldns_rdf *bitmap = sig_nsec_bitmap(node, kind);
	if (bitmap == NULL)
		return fail(v, GW_ENOMEM, node->owner, DNS_T_NSEC, "out of memory");
	if (rdlen - next_len != ldns_rdf_size(bitmap) ||
	    memcmp(rd + next_len, ldns_rdf_data(bitmap), ldns_rdf_size(bitmap)) != 0)
		ret = fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC,
		           "type bitmap does not match the name's types");
	ldns_rdf_deep_free(bitmap);
	return ret;
}

/* Every key is published in the apex DNSKEY RRset. */
static int check_dnskeys(verifier_t *v)
{
	const zone_node_t *apex = zone_apex_node(v->zone);
	const zone_rrset_t *set = apex != NULL ? zone_node_rrset(apex, DNS_T_DNSKEY) : NULL;

	for (size_t i = 0; i < v->key_count; i++) {
		uint16_t len = 0;
		const uint8_t *want = sig_key_dnskey_rdata(v->keys[i], &len);
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t pos = 0;
		bool found = false;
		while (set != NULL && !found && zone_rrset_next(set, &pos, &rd, &rdlen))
			found = rdlen == len && memcmp(rd, want, len) == 0;
		if (!found)
			return fail(v, GW_ESEMANTIC, zone_apex(v->zone), DNS_T_DNSKEY,
			            "key %u is not published", sig_key_tag(v->keys[i]));
	}
	return GW_OK;
}

typedef struct chain_entry {
	const zone_node_t *node;
	sig_node_kind_t kind;
} chain_entry_t;

/* ---- NSEC3 (RFC 5155, parameters per RFC 9276) ---------------------------
 *
 * The expected chain is rebuilt from the zone's names alone (which names
 * need an NSEC3, their hashes, their bitmaps) and then compared with the
 * NSEC3 owners the zone holds, so a signer that forgets a name, keeps a
 * stale hash or links the chain wrongly is caught whatever it believed. */

#define NSEC3_ALG_SHA1 1

/* One name that must have an NSEC3 (RFC 5155 7.1). */
typedef struct nsec3_name {
	uint8_t hash[SIG_NSEC3_HASH_LEN];
	/* The name: a chain node's owner, or for an empty non-terminal a
	 * suffix of the owner of the node below it (both borrowed). */
	const uint8_t *name;
	const zone_node_t *node; /* borrowed; NULL for an empty non-terminal */
	sig_node_kind_t kind;
	const zone_node_t *nsec3; /* borrowed: the NSEC3 owner found for it */
} nsec3_name_t;

typedef struct nsec3_names {
	nsec3_name_t *items;
	size_t count;
	size_t cap;
} nsec3_names_t;

/* The lowercase base32hex text of a hash, for messages. */
static void hash_text(char out[SIG_NSEC3_LABEL_LEN + 1], const uint8_t *hash)
{
	if (ldns_b32_ntop_extended_hex(hash, SIG_NSEC3_HASH_LEN, out, SIG_NSEC3_LABEL_LEN + 1) !=
	    SIG_NSEC3_LABEL_LEN)
		snprintf(out, SIG_NSEC3_LABEL_LEN + 1, "?");
	for (char *p = out; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
}

/* The hash an NSEC3 owner name stands for: its first label decoded.
 * False when the label is not 32 base32hex characters. */
static bool owner_hash(const zone_node_t *node, uint8_t hash[SIG_NSEC3_HASH_LEN])
{
	if (node->owner[0] != SIG_NSEC3_LABEL_LEN)
		return false;
	return ldns_b32_pton_extended_hex((const char *)node->owner + 1, SIG_NSEC3_LABEL_LEN, hash,
	                                  SIG_NSEC3_HASH_LEN) == SIG_NSEC3_HASH_LEN;
}

/* The parameters RFC 9276 asks for, shared by NSEC3 and NSEC3PARAM (same
 * first four fields); flags must be 0 in both since opt-out is not used. */
static int check_nsec3_params(verifier_t *v, const uint8_t *owner, uint16_t type, const ldns_rr *rr)
{
	if (ldns_nsec3_algorithm(rr) != NSEC3_ALG_SHA1)
		return fail(v, GW_ESEMANTIC, owner, type, "hash algorithm %u, not 1 (SHA-1)",
		            ldns_nsec3_algorithm(rr));
	if (ldns_nsec3_flags(rr) != 0)
		return fail(v, GW_ESEMANTIC, owner, type, "flags %u, not 0 (no opt-out)",
		            ldns_nsec3_flags(rr));
	if (ldns_nsec3_iterations(rr) != 0)
		return fail(v, GW_ESEMANTIC, owner, type, "iterations %u, RFC 9276 wants 0",
		            ldns_nsec3_iterations(rr));
	if (ldns_nsec3_salt_length(rr) != 0)
		return fail(v, GW_ESEMANTIC, owner, type, "salt of %u octets, RFC 9276 wants none",
		            ldns_nsec3_salt_length(rr));
	return GW_OK;
}

/* The NSEC3PARAM at the apex: one RR with the RFC 9276 parameters (its
 * signature is checked with the other RRsets). */
static int check_nsec3param(verifier_t *v)
{
	const zone_node_t *apex = zone_apex_node(v->zone);
	const zone_rrset_t *param = zone_node_rrset(apex, DNS_T_NSEC3PARAM);
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	ldns_rr *rr = NULL;

	if (param->count != 1)
		return fail(v, GW_ESEMANTIC, apex->owner, param->type, "%u NSEC3PARAM RRs, not 1",
		            param->count);
	if (!zone_rrset_next(param, &pos, &rd, &rdlen) ||
	    zone_rr_to_ldns(&rr, apex, param, rd, rdlen) != GW_OK)
		return fail(v, GW_ESEMANTIC, apex->owner, param->type, "unreadable");
	int ret = check_nsec3_params(v, apex->owner, param->type, rr);
	ldns_rr_free(rr);
	return ret;
}

/* What a node may hold in an NSEC3 zone: no NSEC anywhere, NSEC3 only at
 * hashed owner names one label below the apex, nothing else there, and
 * no name below one (it would make the hashed name an empty non-terminal
 * that needs an NSEC3 of its own). */
static int check_nsec3_node(verifier_t *v, const zone_node_t *node, bool hashed)
{
	int apex_labels = zone_name_labels(zone_apex(v->zone));
	int labels = zone_name_labels(node->owner);

	if (zone_node_rrset(node, DNS_T_NSEC) != NULL)
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC,
		            hashed ? "NSEC at an NSEC3 owner name"
		                   : "NSEC in a zone signed with NSEC3");
	if (hashed) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			uint16_t type = node->rrsets[i].type;
			if (type != DNS_T_NSEC3 && type != DNS_T_RRSIG)
				return fail(v, GW_ESEMANTIC, node->owner, type,
				            "data at an NSEC3 owner name");
		}
		return GW_OK;
	}
	if (zone_node_rrset(node, DNS_T_NSEC3) != NULL)
		return fail(v, GW_ESEMANTIC, node->owner, DNS_T_NSEC3,
		            "NSEC3 not one label below the apex");
	if (labels > apex_labels + 1) {
		const uint8_t *top = node->owner;
		for (int i = labels; i > apex_labels + 1; i--)
			top += *top + 1;
		const zone_node_t *anc = zone_find(v->zone, top);
		if (anc != NULL && sig_node_is_nsec3(v->zone, anc))
			return fail(v, GW_ESEMANTIC, node->owner, node->rrsets[0].type,
			            "name below an NSEC3 owner");
	}
	return GW_OK;
}

static int names_add(nsec3_names_t *names, const uint8_t *name, const zone_node_t *node,
                     sig_node_kind_t kind)
{
	if (gw_array_reserve(&names->items, &names->cap, names->count + 1, sizeof(*names->items),
	                     64) != GW_OK)
		return GW_ENOMEM;
	nsec3_name_t *e = &names->items[names->count];
	*e = (nsec3_name_t){.name = name, .node = node, .kind = kind};
	if (sig_nsec3_hash(name, e->hash) != GW_OK)
		return GW_ECRYPTO;
	names->count++;
	return GW_OK;
}

/* Every name that needs an NSEC3: the chain nodes (canonical order) and
 * the empty non-terminals above them. A name's descendants follow it in
 * canonical order without a gap, so an ancestor was already listed
 * exactly when the previous chain node is at or below it; that keeps
 * each empty non-terminal to one entry without a set. */
static int collect_nsec3_names(verifier_t *v, const chain_entry_t *chain, size_t n,
                               nsec3_names_t *names)
{
	int apex_labels = zone_name_labels(zone_apex(v->zone));
	const uint8_t *prev = NULL;
	int ret;

	for (size_t i = 0; i < n; i++) {
		const uint8_t *owner = chain[i].node->owner;
		ret = names_add(names, owner, chain[i].node, chain[i].kind);
		if (ret != GW_OK)
			return ret;
		const uint8_t *anc = owner;
		for (int labels = zone_name_labels(owner) - 1; labels > apex_labels; labels--) {
			anc += *anc + 1;
			if (prev != NULL && zone_name_is_subdomain(prev, anc))
				break;
			/* An ancestor with data is a chain name of its own. */
			const zone_node_t *node = zone_find(v->zone, anc);
			if (node != NULL && sig_node_has_data(node))
				continue;
			ret = names_add(names, anc, NULL, SIG_NODE_OUT);
			if (ret != GW_OK)
				return ret;
		}
		prev = owner;
	}
	return GW_OK;
}

static int cmp_hash(const void *pa, const void *pb)
{
	const nsec3_name_t *a = pa;
	const nsec3_name_t *b = pb;

	return memcmp(a->hash, b->hash, SIG_NSEC3_HASH_LEN);
}

/* Pair each name (sorted by hash) with the NSEC3 owner of its hash, both
 * lists in hash order: a name without one, or an NSEC3 owner that is the
 * hash of no name, is the first problem found. */
static int match_nsec3_owners(verifier_t *v, nsec3_names_t *names)
{
	size_t hashed_count = zone_hashed_count(v->zone);
	size_t i = 0;
	size_t j = 0;

	while (i < names->count || j < hashed_count) {
		const zone_node_t *h = zone_hashed_at(v->zone, j);
		uint8_t hash[SIG_NSEC3_HASH_LEN];
		int cmp;

		if (h != NULL && !owner_hash(h, hash))
			return fail(v, GW_ESEMANTIC, h->owner, DNS_T_NSEC3,
			            "owner label is not a base32hex SHA-1 hash");
		if (h == NULL)
			cmp = -1;
		else if (i == names->count)
			cmp = 1;
		else
			cmp = memcmp(names->items[i].hash, hash, SIG_NSEC3_HASH_LEN);
		if (cmp < 0) {
			const nsec3_name_t *e = &names->items[i];
			char want[SIG_NSEC3_LABEL_LEN + 1];
			hash_text(want, e->hash);
			return fail(v, GW_ESEMANTIC, e->name, DNS_T_NSEC3,
			            "%s without NSEC3 (at %s)",
			            e->node == NULL ? "empty non-terminal" : "name", want);
		}
		if (cmp > 0)
			return fail(v, GW_ESEMANTIC, h->owner, DNS_T_NSEC3,
			            "NSEC3 that is the hash of no name in the zone");
		names->items[i++].nsec3 = h;
		j++;
	}
	return GW_OK;
}

/* The types an NSEC3 lists for a name: its own (at a delegation point NS
 * and DS only), with RRSIG where something there is signed; nothing for
 * an empty non-terminal. NSEC3 itself lives at the hashed name, not
 * here. Sets *empty instead of returning an rdf for an empty bitmap. */
static ldns_rdf *nsec3_bitmap(const zone_t *zone, const nsec3_name_t *e, bool *empty)
{
	ldns_rdf *rdf = NULL;

	*empty = false;
	if (e->node == NULL || sig_type_bitmap(e->node, e->kind, DNS_T_NSEC3,
	                                       e->node == zone_apex_node(zone), &rdf) == GW_OK)
		*empty = rdf == NULL;
	return rdf;
}

/* A type bitmap as text ("A AAAA RRSIG", "" when empty) for messages;
 * caller frees, NULL when out of memory. */
static char *bitmap_text(const ldns_rdf *bitmap)
{
	char *text =
	    bitmap != NULL && ldns_rdf_size(bitmap) > 0 ? ldns_rdf2str(bitmap) : strdup("");
	size_t len = text != NULL ? strlen(text) : 0;

	while (len > 0 && text[len - 1] == ' ')
		text[--len] = '\0';
	return text;
}

/* The NSEC3 of one name: one RR, RFC 9276 parameters, TTL, the next
 * hashed owner (the following name's hash), bitmap. */
static int check_nsec3(verifier_t *v, const nsec3_name_t *e, const nsec3_name_t *next, uint32_t ttl)
{
	const zone_node_t *owner = e->nsec3;
	const zone_rrset_t *nsec3 = zone_node_rrset(owner, DNS_T_NSEC3);
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	ldns_rr *rr = NULL;
	ldns_rdf *want = NULL;
	char name[4 * ZONE_NAME_MAXLEN + 2];
	int ret;

	if (nsec3->count != 1)
		return fail(v, GW_ESEMANTIC, owner->owner, nsec3->type, "%u NSEC3 RRs, not 1",
		            nsec3->count);
	if (nsec3->ttl != ttl)
		return fail(v, GW_ESEMANTIC, owner->owner, nsec3->type, "TTL %u, RFC 9077 wants %u",
		            nsec3->ttl, ttl);
	if (!zone_rrset_next(nsec3, &pos, &rd, &rdlen) ||
	    zone_rr_to_ldns(&rr, owner, nsec3, rd, rdlen) != GW_OK)
		return fail(v, GW_ESEMANTIC, owner->owner, nsec3->type, "unreadable");
	ret = check_nsec3_params(v, owner->owner, nsec3->type, rr);
	if (ret != GW_OK)
		goto out;

	/* The next hashed owner field is a length octet and the hash. */
	const ldns_rdf *next_rdf = ldns_nsec3_next_owner(rr);
	if (next_rdf == NULL || ldns_rdf_size(next_rdf) != 1 + SIG_NSEC3_HASH_LEN ||
	    ldns_rdf_data(next_rdf)[0] != SIG_NSEC3_HASH_LEN) {
		ret = fail(v, GW_ESEMANTIC, owner->owner, nsec3->type,
		           "next hashed owner is not a %d-octet SHA-1 hash", SIG_NSEC3_HASH_LEN);
		goto out;
	}
	if (memcmp(ldns_rdf_data(next_rdf) + 1, next->hash, SIG_NSEC3_HASH_LEN) != 0) {
		char have[SIG_NSEC3_LABEL_LEN + 1];
		char need[SIG_NSEC3_LABEL_LEN + 1];
		hash_text(have, ldns_rdf_data(next_rdf) + 1);
		hash_text(need, next->hash);
		ret = fail(v, GW_ESEMANTIC, owner->owner, nsec3->type,
		           "next hashed owner %s, the chain wants %s", have, need);
		goto out;
	}

	bool empty = false;
	want = nsec3_bitmap(v->zone, e, &empty);
	if (want == NULL && !empty) {
		ret = fail(v, GW_ENOMEM, owner->owner, nsec3->type, "out of memory");
		goto out;
	}
	const ldns_rdf *have = ldns_nsec3_bitmap(rr);
	size_t have_len = have != NULL ? ldns_rdf_size(have) : 0;
	size_t want_len = want != NULL ? ldns_rdf_size(want) : 0;
	if (have_len != want_len ||
	    (want_len > 0 && memcmp(ldns_rdf_data(have), ldns_rdf_data(want), want_len) != 0)) {
		char *have_text = bitmap_text(have);
		char *want_text = bitmap_text(want);
		if (zone_name_to_str(name, sizeof(name), e->name) != GW_OK)
			snprintf(name, sizeof(name), "?");
		ret =
		    fail(v, GW_ESEMANTIC, owner->owner, nsec3->type,
		         "type bitmap does not match the types of %s%s: lists \"%s\", wants \"%s\"",
		         name, e->node == NULL ? " (an empty non-terminal: none)" : "",
		         have_text != NULL ? have_text : "?", want_text != NULL ? want_text : "?");
		free(have_text);
		free(want_text);
		goto out;
	}
	ret = GW_OK;
out:
	ldns_rdf_deep_free(want);
	ldns_rr_free(rr);
	return ret;
}

/* The NSEC3 chain: every name has its NSEC3 and no NSEC3 is left over,
 * no two names share a hash, and each NSEC3 is right and points to the
 * next hash, the last wrapping to the first. */
static int check_nsec3_chain(verifier_t *v, const chain_entry_t *chain, size_t n, uint32_t ttl)
{
	nsec3_names_t names = {0};
	int ret;

	ret = collect_nsec3_names(v, chain, n, &names);
	if (ret != GW_OK) {
		fail(v, ret, NULL, 0, "cannot list the names of the NSEC3 chain: %s",
		     gw_strerror(ret));
		goto out;
	}
	/* Not with none: qsort() takes no NULL, even for no items. */
	if (names.count > 1)
		qsort(names.items, names.count, sizeof(*names.items), cmp_hash);
	for (size_t i = 1; i < names.count; i++) {
		if (cmp_hash(&names.items[i - 1], &names.items[i]) == 0) {
			char other[4 * ZONE_NAME_MAXLEN + 2];
			if (zone_name_to_str(other, sizeof(other), names.items[i - 1].name) !=
			    GW_OK)
				snprintf(other, sizeof(other), "?");
			ret = fail(v, GW_ESEMANTIC, names.items[i].name, DNS_T_NSEC3,
			           "same NSEC3 hash as %s", other);
			goto out;
		}
	}
	ret = match_nsec3_owners(v, &names);
	if (ret != GW_OK)
		goto out;
	for (size_t i = 0; i < names.count; i++) {
		ret = check_nsec3(v, &names.items[i], &names.items[(i + 1) % names.count], ttl);
		if (ret != GW_OK)
			goto out;
	}
	ret = GW_OK;
out:
	free(names.items);
	return ret;
}

int sig_verify_zone(const zone_t *zone, sig_key_t *const *keys, size_t key_count, time_t now,
                    char *errbuf, size_t errlen)
{
	return sig_verify_zone_memo(zone, keys, key_count, now, NULL, errbuf, errlen);
}

int sig_verify_zone_memo(const zone_t *zone, sig_key_t *const *keys, size_t key_count, time_t now,
                         sig_verify_memo_t *memo, char *errbuf, size_t errlen)
{
	verifier_t v = {.zone = zone,
	                .keys = keys,
	                .key_count = key_count,
	                .memo = memo,
	                .now = now,
	                .errbuf = errbuf,
	                .errlen = errlen};
	chain_entry_t *chain = NULL;
	bool *good = NULL;
	size_t n = 0;
	sig_walk_t walk = {0};
	uint32_t ttl = 0;
	bool nsec3 = sig_zone_uses_nsec3(zone);
	int ret;

	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if (zone_apex_node(zone) == NULL || sig_nsec_ttl(zone, &ttl) != GW_OK)
		return fail(&v, GW_ESEMANTIC, zone_apex(zone), DNS_T_SOA, "no SOA");
	if (key_count == 0)
		return fail(&v, GW_EINVAL, NULL, 0, "no keys to verify with");

	ret = GW_ENOMEM;
	v.pkeys = calloc(key_count, sizeof(*v.pkeys));
	v.data = ldns_buffer_new(4096);
	v.rawsig = ldns_buffer_new(128);
	good = calloc(key_count, sizeof(*good));
	chain = malloc(zone_node_count(zone) * sizeof(*chain));
	if (v.pkeys == NULL || v.data == NULL || v.rawsig == NULL || good == NULL ||
	    chain == NULL) {
		fail(&v, ret, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < key_count; i++) {
		uint16_t len = 0;
		const uint8_t *rdata = sig_key_dnskey_rdata(keys[i], &len);
		v.pkeys[i] = dnskey_pkey(rdata, len);
		if (v.pkeys[i] == NULL) {
			ret = fail(&v, GW_ECRYPTO, NULL, 0, "key %u: unusable public key",
			           sig_key_tag(keys[i]));
			goto out;
		}
	}
	ret = check_dnskeys(&v);
	if (ret == GW_OK && nsec3)
		ret = check_nsec3param(&v);
	if (ret != GW_OK)
		goto out;

	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		sig_node_kind_t kind = sig_walk_kind(&walk, zone, node);
		/* An NSEC3 owner holds data to the walk, but it is not a name
		 * of the zone: its NSEC3 is signed, it is in no chain. */
		bool hashed = nsec3 && sig_node_is_nsec3(zone, node);
		if (nsec3) {
			ret = check_nsec3_node(&v, node, hashed);
			if (ret != GW_OK)
				goto out;
		}
		if (kind != SIG_NODE_OUT && !hashed)
			chain[n++] = (chain_entry_t){.node = node, .kind = kind};
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rrset = &node->rrsets[i];
			if (rrset->type == DNS_T_RRSIG)
				continue;
			if (kind == SIG_NODE_OUT && rrset->type == DNS_T_NSEC) {
				ret = fail(&v, GW_ESEMANTIC, node->owner, rrset->type,
				           sig_node_has_data(node)
				               ? "NSEC below a delegation point"
				               : "NSEC at a name that holds no data");
				goto out;
			}
			if (!sig_rrset_signable(kind, rrset->type)) {
				if (rrset->sigs_len > 0) {
					ret = fail(&v, GW_ECRYPTO, node->owner, rrset->type,
					           "signed, but glue or delegation data must "
					           "not be");
					goto out;
				}
				continue;
			}
			ret = check_rrset(&v, node, rrset, good);
			if (ret != GW_OK)
				goto out;
		}
	}
	if (nsec3) {
		ret = check_nsec3_chain(&v, chain, n, ttl);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ret = check_nsec(&v, chain[i].node, chain[i].kind, chain[(i + 1) % n].node, ttl);
		if (ret != GW_OK)
			goto out;
	}
	ret = GW_OK;
out:
	if (v.pkeys != NULL) {
		for (size_t i = 0; i < key_count; i++)
			EVP_PKEY_free(v.pkeys[i]);
	}
	free(v.pkeys);
	if (v.data != NULL)
		ldns_buffer_free(v.data);
	if (v.rawsig != NULL)
		ldns_buffer_free(v.rawsig);
	free(good);
	free(chain);
	return ret;
}
