/* DNSSEC keys: OpenSSL EVP keys with their DNSKEY rdata, key tag and
 * signing in DNSSEC wire form. */
#include "dnssec/dnssec.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "dnssec/keyfile.h"

#define EC_COORD_LEN  32 /* P-256: one coordinate, r or s */
#define ED25519_LEN   32
#define RSA_MIN_BITS  2048
#define RSA_MAX_BITS  4096 /* RFC 3110 */
#define DNSKEY_FIXED  4    /* flags, protocol, algorithm */
#define DNSKEY_PROTO  3
#define ECDSA_DER_MAX 80 /* a DER P-256 signature is at most 72 octets */
#define RSA_DEF_BITS  2048

struct sig_key {
	EVP_PKEY *pkey; /* provider-native, never modified after creation */
	EVP_MD *md;     /* SHA-256, fetched once; NULL for Ed25519 */
	uint8_t *rdata; /* DNSKEY rdata, wire form */
	uint16_t rdata_len;
	uint16_t flags;
	uint16_t tag;
	uint8_t alg;
	sig_role_t role;
	size_t sig_len; /* signature length in DNSSEC wire form */
	uint64_t id;    /* unique per key ever made: names it in signing caches */
	uint16_t apex_len;
	uint8_t apex[ZONE_NAME_MAXLEN]; /* lowercase wire */
};

static const struct {
	uint8_t alg;
	const char *name;
} g_algs[] = {
    {SIG_ALG_RSASHA256, "RSASHA256"},
    {SIG_ALG_ECDSAP256SHA256, "ECDSAP256SHA256"},
    {SIG_ALG_ED25519, "ED25519"},
};

/* Log the first OpenSSL error with context and empty the thread's queue,
 * so that a later failure does not report this one. */
static int crypto_error(const char *what, const char *subject)
{
	char buf[256] = "no detail from OpenSSL";
	unsigned long e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	gw_err("%s %s: %s", what, subject, buf);
	return GW_ECRYPTO;
}

/* PEM readers ask on the terminal for a passphrase by default; a daemon
 * must never block there, and our key files are never encrypted. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool alg_supported(uint8_t alg)
{
	for (size_t i = 0; i < sizeof(g_algs) / sizeof(g_algs[0]); i++) {
		if (alg == g_algs[i].alg)
			return true;
	}
	return false;
}

int sig_algorithm_parse(const char *text, uint8_t *alg)
{
	if (text == NULL)
		return GW_EINVAL;
	for (size_t i = 0; i < sizeof(g_algs) / sizeof(g_algs[0]); i++) {
		if (strcasecmp(text, g_algs[i].name) == 0) {
			*alg = g_algs[i].alg;
			return GW_OK;
		}
	}
	size_t n = strlen(text);
	if (n == 0 || n > 3 || strspn(text, "0123456789") != n)
		return GW_EINVAL;
	unsigned long num = strtoul(text, NULL, 10);
	if (num > UINT8_MAX || !alg_supported((uint8_t)num))
		return GW_EINVAL;
	*alg = (uint8_t)num;
	return GW_OK;
}

const char *sig_algorithm_name(uint8_t alg)
{
	for (size_t i = 0; i < sizeof(g_algs) / sizeof(g_algs[0]); i++) {
		if (alg == g_algs[i].alg)
			return g_algs[i].name;
	}
	return "unknown";
}

static uint16_t role_flags(sig_role_t role)
{
	switch (role) {
	case SIG_ROLE_CSK:
	case SIG_ROLE_KSK:
		return SIG_FLAGS_KSK;
	case SIG_ROLE_ZSK:
		return SIG_FLAGS_ZSK;
	}
	return 0;
}

/* Is pkey a private key of algorithm alg? subject names the key's origin
 * in the log line. */
static int check_pkey(EVP_PKEY *pkey, uint8_t alg, const char *subject)
{
	char group[64] = "";
	size_t group_len = 0;
	int bits = 0;

	switch (alg) {
	case SIG_ALG_ECDSAP256SHA256:
		if (EVP_PKEY_is_a(pkey, "EC") &&
		    EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
		                                   sizeof(group), &group_len) == 1 &&
		    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
			return GW_OK;
		break;
	case SIG_ALG_ED25519:
		if (EVP_PKEY_is_a(pkey, "ED25519"))
			return GW_OK;
		break;
	case SIG_ALG_RSASHA256:
		if (!EVP_PKEY_is_a(pkey, "RSA"))
			break;
		bits = EVP_PKEY_get_bits(pkey);
		if (bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS)
			return GW_OK;
		ERR_clear_error();
		gw_err("key %s: RSA modulus of %d bits; %s needs %d to %d bits", subject, bits,
		       sig_algorithm_name(alg), RSA_MIN_BITS, RSA_MAX_BITS);
		return GW_EKEY;
	default:
		gw_err("key %s: unsupported algorithm %u", subject, alg);
		return GW_EKEY;
	}
	ERR_clear_error();
	gw_err("key %s is a %s key, not %s", subject, EVP_PKEY_get0_type_name(pkey),
	       sig_algorithm_name(alg));
	return GW_EKEY;
}

/* Two of the public key's numbers (RSA n and e, EC x and y); the caller
 * frees them, also on failure. GW_OK or GW_ECRYPTO. */
static int pub_numbers(EVP_PKEY *pkey, const char *a_name, BIGNUM **a, const char *b_name,
                       BIGNUM **b)
{
	if (EVP_PKEY_get_bn_param(pkey, a_name, a) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, b_name, b) != 1)
		return GW_ECRYPTO;
	return GW_OK;
}

/* RFC 6605 section 4: X || Y, each 32 octets, without the 0x04 prefix of
 * the SEC1 encoding. Read as coordinates so the point format that the key
 * was stored with does not matter. */
static int ec_pubkey(EVP_PKEY *pkey, uint8_t *out)
{
	BIGNUM *x = NULL;
	BIGNUM *y = NULL;
	int ret = pub_numbers(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
	if (ret == GW_OK && (BN_bn2binpad(x, out, EC_COORD_LEN) != EC_COORD_LEN ||
	                     BN_bn2binpad(y, out + EC_COORD_LEN, EC_COORD_LEN) != EC_COORD_LEN))
		ret = GW_ECRYPTO;
	BN_free(x);
	BN_free(y);
	return ret;
}

/* RFC 3110 section 2: exponent length (1 octet, or 0 and 2 octets), the
 * exponent, the modulus. *len gets the field's length; the field is
 * written to out unless out is NULL. */
static int rsa_pubkey(EVP_PKEY *pkey, uint8_t *out, size_t *len)
{
	BIGNUM *n = NULL;
	BIGNUM *e = NULL;
	int ret = pub_numbers(pkey, OSSL_PKEY_PARAM_RSA_N, &n, OSSL_PKEY_PARAM_RSA_E, &e);
	if (ret != GW_OK)
		goto out;
	size_t n_len = (size_t)BN_num_bytes(n);
	size_t e_len = (size_t)BN_num_bytes(e);
	ret = GW_EKEY;
	if (e_len == 0 || e_len > 0xFFFF)
		goto out;
	size_t head = e_len <= 255 ? 1 : 3;
	*len = head + e_len + n_len;
	ret = GW_OK;
	if (out == NULL)
		goto out;
	if (head == 1) {
		out[0] = (uint8_t)e_len;
	} else {
		out[0] = 0;
		out[1] = (uint8_t)(e_len >> 8);
		out[2] = (uint8_t)e_len;
	}
	BN_bn2bin(e, out + head);
	BN_bn2bin(n, out + head + e_len);
out:
	BN_free(n);
	BN_free(e);
	return ret;
}

/* The public key field of the DNSKEY rdata; *out is malloc'ed. */
static int encode_pubkey(EVP_PKEY *pkey, uint8_t alg, uint8_t **out, size_t *out_len)
{
	size_t len = 0;
	int ret = GW_OK;

	switch (alg) {
	case SIG_ALG_RSASHA256:
		ret = rsa_pubkey(pkey, NULL, &len); /* its length, from the key */
		break;
	case SIG_ALG_ECDSAP256SHA256:
		len = 2 * EC_COORD_LEN;
		break;
	case SIG_ALG_ED25519:
		len = ED25519_LEN;
		break;
	default:
		return GW_EINVAL;
	}
	if (ret != GW_OK)
		return ret;
	uint8_t *buf = malloc(len);
	if (buf == NULL)
		return GW_ENOMEM;
	if (alg == SIG_ALG_RSASHA256) {
		ret = rsa_pubkey(pkey, buf, &len);
	} else if (alg == SIG_ALG_ECDSAP256SHA256) {
		ret = ec_pubkey(pkey, buf);
	} else {
		/* RFC 8080 section 3: the 32 raw octets. */
		size_t raw_len = len;
		if (EVP_PKEY_get_raw_public_key(pkey, buf, &raw_len) != 1 || raw_len != len)
			ret = GW_ECRYPTO;
	}
	if (ret != GW_OK) {
		free(buf);
		return ret;
	}
	*out = buf;
	*out_len = len;
	return GW_OK;
}

/* Build a key around pkey. On success the key owns the EVP_PKEY and
 * *pkey is set to NULL; on failure the caller still owns it. */
static int key_new(sig_key_t **out, EVP_PKEY **pkey, uint8_t alg, sig_role_t role, uint16_t flags,
                   const uint8_t *apex, const char *subject)
{
	int ret = GW_OK;
	sig_key_t *key = NULL;
	uint8_t *pub = NULL;
	size_t pub_len = 0;

	int apex_len = zone_name_len(apex, ZONE_NAME_MAXLEN);
	if (apex_len < 0 || role_flags(role) == 0) {
		ret = GW_EINVAL;
		goto out;
	}
	ret = check_pkey(*pkey, alg, subject);
	if (ret != GW_OK)
		goto out;
	ret = encode_pubkey(*pkey, alg, &pub, &pub_len);
	if (ret == GW_ECRYPTO)
		ret = crypto_error("cannot read the public key of", subject);
	if (ret != GW_OK)
		goto out;
	if (pub_len > UINT16_MAX - DNSKEY_FIXED) {
		ret = GW_EKEY;
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	static atomic_uint_fast64_t next_id = 1;
	key->id = atomic_fetch_add(&next_id, 1);
	key->rdata_len = (uint16_t)(DNSKEY_FIXED + pub_len);
	key->rdata = malloc(key->rdata_len);
	if (key->rdata == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	key->rdata[0] = (uint8_t)(flags >> 8);
	key->rdata[1] = (uint8_t)flags;
	key->rdata[2] = DNSKEY_PROTO;
	key->rdata[3] = alg;
	memcpy(key->rdata + DNSKEY_FIXED, pub, pub_len);
	key->tag = ldns_calc_keytag_raw(key->rdata, key->rdata_len);
	key->flags = flags;
	key->alg = alg;
	key->role = role;
	key->apex_len = (uint16_t)zone_name_lower(key->apex, apex);
	if (alg == SIG_ALG_ED25519) {
		key->sig_len = 2 * ED25519_LEN;
	} else {
		/* Fetched once here rather than implicitly on every signature. */
		key->md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (key->md == NULL) {
			ret = crypto_error("cannot fetch SHA-256 for", subject);
			goto out;
		}
		key->sig_len =
		    alg == SIG_ALG_RSASHA256 ? (size_t)EVP_PKEY_get_size(*pkey) : 2 * EC_COORD_LEN;
	}
	key->pkey = *pkey;
	*pkey = NULL;
	*out = key;
	key = NULL;
out:
	sig_key_free(key);
	free(pub);
	return ret;
}

int sig_key_generate(sig_key_t **out, uint8_t alg, sig_role_t role, const uint8_t *apex,
                     int rsa_bits)
{
	int ret = GW_OK;
	EVP_PKEY *pkey = NULL;

	if (role_flags(role) == 0 || zone_name_len(apex, ZONE_NAME_MAXLEN) < 0)
		return GW_EINVAL;
	switch (alg) {
	case SIG_ALG_ECDSAP256SHA256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case SIG_ALG_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case SIG_ALG_RSASHA256:
		if (rsa_bits == 0)
			rsa_bits = RSA_DEF_BITS;
		if (rsa_bits < RSA_MIN_BITS || rsa_bits > RSA_MAX_BITS) {
			gw_err("RSA keys must have %d to %d bits, not %d", RSA_MIN_BITS,
			       RSA_MAX_BITS, rsa_bits);
			return GW_EINVAL;
		}
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)rsa_bits);
		break;
	default:
		return GW_EINVAL;
	}
	if (pkey == NULL)
		return crypto_error("cannot generate a key of algorithm", sig_algorithm_name(alg));
	ret = key_new(out, &pkey, alg, role, role_flags(role), apex, "(new)");
	EVP_PKEY_free(pkey);
	return ret;
}

int sig_key_load_pem(sig_key_t **out, const char *path, uint8_t alg, sig_role_t role,
                     const uint8_t *apex)
{
	int ret = GW_OK;
	FILE *fp = NULL;
	EVP_PKEY *pkey = NULL;

	if (role_flags(role) == 0)
		return GW_EINVAL;
	ret = sig_file_open_private(&fp, path, true);
	if (ret != GW_OK)
		goto out;
	pkey = PEM_read_PrivateKey(fp, NULL, no_password, NULL);
	if (pkey == NULL) {
		crypto_error("no unencrypted PEM private key in", path);
		ret = GW_EKEY;
		goto out;
	}
	ret = key_new(out, &pkey, alg, role, role_flags(role), apex, path);
out:
	EVP_PKEY_free(pkey);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

static int write_pem(FILE *fp, const void *arg)
{
	const sig_key_t *key = arg;
	/* PKCS#8, unencrypted: the file's mode protects it, and a daemon
	 * has nobody to ask for a passphrase. */
	if (PEM_write_PrivateKey(fp, key->pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		char tag[8];
		snprintf(tag, sizeof(tag), "%u", key->tag);
		return crypto_error("cannot encode the private key of key", tag);
	}
	return GW_OK;
}

int sig_key_save_pem(const sig_key_t *key, const char *path)
{
	return gw_file_write_with(path, 0600, write_pem, key);
}

/* The DNSKEY RR in a BIND .key file: comments and $TTL/$ORIGIN lines are
 * skipped, exactly one DNSKEY is expected. */
static int read_dnskey_file(ldns_rr **out, const char *path, const uint8_t *apex)
{
	int ret = GW_OK;
	FILE *fp = NULL;
	ldns_rr *found = NULL;
	ldns_rdf *origin = NULL;
	ldns_rdf *prev = NULL;
	uint32_t ttl = 3600;
	int line = 1;

	/* ldns reads a file of any length line by line: a .key of a few
	 * hundred octets is refused past the private files' bound. */
	ret = gw_file_fopen_regular_max(path, SIG_KEY_FILE_MAX, &fp);
	if (ret == GW_ELIMIT) {
		gw_err("key file %s is more than %d bytes; a BIND .key file holds one DNSKEY "
		       "record: give the right file",
		       path, SIG_KEY_FILE_MAX);
		ret = GW_EKEY;
		goto out;
	}
	if (ret != GW_OK) {
		gw_err("cannot open key file %s: %s", path, gw_strerror(ret));
		goto out;
	}
	/* Relative owner names in a key file are relative to the zone. */
	origin = ldns_dname_new_frm_data((uint16_t)zone_name_len(apex, ZONE_NAME_MAXLEN), apex);
	if (origin == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	while (!feof(fp)) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st != LDNS_STATUS_OK) {
			gw_err("key file %s, line %d: %s", path, line, ldns_get_errorstr_by_id(st));
			ret = GW_EPARSE;
			goto out;
		}
		if (ldns_rr_get_type(rr) != DNS_T_DNSKEY) {
			ldns_rr_free(rr);
			continue;
		}
		if (found != NULL) {
			ldns_rr_free(rr);
			gw_err("key file %s holds more than one DNSKEY", path);
			ret = GW_EKEY;
			goto out;
		}
		found = rr;
	}
	if (found == NULL) {
		gw_err("key file %s holds no DNSKEY record", path);
		ret = GW_EKEY;
		goto out;
	}
	if (ldns_rr_rd_count(found) != 4) {
		gw_err("key file %s: malformed DNSKEY", path);
		ret = GW_EKEY;
		goto out;
	}
	*out = found;
	found = NULL;
out:
	ldns_rr_free(found);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

/* ldns hands out keys built with OpenSSL's legacy types (EC_KEY, RSA).
 * Re-encoding through PKCS#8 gives a provider-native key, whose
 * parameters the encoders above can read and which signing threads can
 * share without OpenSSL converting it behind their back. */
static int native_pkey(EVP_PKEY *legacy, EVP_PKEY **out, const char *subject)
{
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(legacy);
	if (p8 == NULL)
		return crypto_error("cannot convert the private key in", subject);
	*out = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (*out == NULL)
		return crypto_error("cannot convert the private key in", subject);
	return GW_OK;
}

int sig_key_import_bind(sig_key_t **out, const char *key_path, const char *private_path,
                        const uint8_t *apex, bool csk)
{
	int ret = GW_OK;
	ldns_rr *dnskey = NULL;
	FILE *fp = NULL;
	ldns_key *lkey = NULL;
	EVP_PKEY *pkey = NULL;
	sig_key_t *key = NULL;
	int line = 0;

	if (zone_name_len(apex, ZONE_NAME_MAXLEN) < 0)
		return GW_EINVAL;
	ret = read_dnskey_file(&dnskey, key_path, apex);
	if (ret != GW_OK)
		goto out;

	const ldns_rdf *owner = ldns_rr_owner(dnskey);
	if (zone_name_len(ldns_rdf_data(owner), ldns_rdf_size(owner)) < 0 ||
	    !zone_name_equal(ldns_rdf_data(owner), apex)) {
		char want[LDNS_MAX_DOMAINLEN * 4 + 1];
		zone_name_to_str(want, sizeof(want), apex);
		char *have = ldns_rdf2str(owner);
		gw_err("key file %s is for %s, not for zone %s", key_path, have ? have : "?", want);
		free(have);
		ret = GW_EKEY;
		goto out;
	}
	uint16_t flags = ldns_rdf2native_int16(ldns_rr_rdf(dnskey, 0));
	uint8_t proto = ldns_rdf2native_int8(ldns_rr_rdf(dnskey, 1));
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rdf(dnskey, 2));
	if ((flags != SIG_FLAGS_KSK && flags != SIG_FLAGS_ZSK) || proto != DNSKEY_PROTO) {
		gw_err("key file %s: DNSKEY flags %u protocol %u; only 256 (ZSK) and 257 "
		       "(KSK) with protocol 3 can be imported",
		       key_path, flags, proto);
		ret = GW_EKEY;
		goto out;
	}
	if (!alg_supported(alg)) {
		gw_err("key file %s: algorithm %u is not supported (use %u, %u or %u)", key_path,
		       alg, SIG_ALG_ECDSAP256SHA256, SIG_ALG_ED25519, SIG_ALG_RSASHA256);
		ret = GW_EKEY;
		goto out;
	}

	ret = sig_file_open_private(&fp, private_path, false);
	if (ret != GW_OK) {
		if (ret != GW_EPERM && ret != GW_EKEY)
			gw_err("cannot open private key file %s: %s", private_path,
			       gw_strerror(ret));
		goto out;
	}
	/* ldns reads the BIND private-key format (v1.2 and v1.3) for all
	 * three algorithms, Ed25519 included, into an EVP_PKEY. */
	ldns_status st = ldns_key_new_frm_fp_l(&lkey, fp, &line);
	if (st != LDNS_STATUS_OK || lkey == NULL) {
		gw_err("private key file %s, line %d: %s", private_path, line,
		       ldns_get_errorstr_by_id(st));
		ret = GW_EKEY;
		goto out;
	}
	if ((uint8_t)ldns_key_algorithm(lkey) != alg || ldns_key_evp_key(lkey) == NULL) {
		gw_err("private key file %s does not hold an algorithm %u key like %s",
		       private_path, alg, key_path);
		ret = GW_EKEY;
		goto out;
	}
	ret = native_pkey(ldns_key_evp_key(lkey), &pkey, private_path);
	if (ret != GW_OK)
		goto out;
	sig_role_t role = flags == SIG_FLAGS_ZSK ? SIG_ROLE_ZSK : csk ? SIG_ROLE_CSK : SIG_ROLE_KSK;
	ret = key_new(&key, &pkey, alg, role, flags, apex, private_path);
	if (ret != GW_OK)
		goto out;

	/* The public key derived from the private one must be the DNSKEY
	 * that the parent's DS covers; otherwise the pair was mixed up. */
	const ldns_rdf *pub = ldns_rr_rdf(dnskey, 3);
	if (ldns_rdf_size(pub) != (size_t)key->rdata_len - DNSKEY_FIXED ||
	    memcmp(ldns_rdf_data(pub), key->rdata + DNSKEY_FIXED, ldns_rdf_size(pub)) != 0) {
		gw_err("private key %s does not match the public key in %s", private_path,
		       key_path);
		ret = GW_EKEY;
		goto out;
	}
	*out = key;
	key = NULL;
out:
	sig_key_free(key);
	EVP_PKEY_free(pkey);
	if (lkey != NULL) /* unlike our _free()s, ldns's does not accept NULL */
		ldns_key_deep_free(lkey);
	if (fp != NULL)
		fclose(fp);
	ldns_rr_free(dnskey);
	return ret;
}

int sig_key_revoke(sig_key_t **out, const sig_key_t *key)
{
	EVP_PKEY *pkey = key->pkey;
	if (EVP_PKEY_up_ref(pkey) != 1)
		return GW_ECRYPTO;
	int ret = key_new(out, &pkey, key->alg, key->role, key->flags | SIG_FLAGS_REVOKE, key->apex,
	                  "(revoked)");
	EVP_PKEY_free(pkey); /* NULL when key_new() took it */
	return ret;
}

void sig_key_free(sig_key_t *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	EVP_MD_free(key->md);
	free(key->rdata);
	free(key);
}

uint8_t sig_key_algorithm(const sig_key_t *key)
{
	return key->alg;
}

sig_role_t sig_key_role(const sig_key_t *key)
{
	return key->role;
}

uint16_t sig_key_flags(const sig_key_t *key)
{
	return key->flags;
}

uint16_t sig_key_tag(const sig_key_t *key)
{
	return key->tag;
}

int sig_key_flipped_tag(const sig_key_t *key, uint16_t *tag)
{
	uint8_t *rdata = malloc(key->rdata_len);
	if (rdata == NULL)
		return GW_ENOMEM;
	memcpy(rdata, key->rdata, key->rdata_len);
	/* The flags lead the rdata, big-endian: REVOKE is in the second
	 * octet. The tag's sum carries (RFC 4034 B), so it is computed anew
	 * rather than moved by 128. */
	rdata[1] ^= (uint8_t)SIG_FLAGS_REVOKE;
	*tag = ldns_calc_keytag_raw(rdata, key->rdata_len);
	free(rdata);
	return GW_OK;
}

size_t sig_key_sig_len(const sig_key_t *key)
{
	return key->sig_len;
}

const uint8_t *sig_key_dnskey_rdata(const sig_key_t *key, uint16_t *len)
{
	*len = key->rdata_len;
	return key->rdata;
}

/* A DNSKEY-shaped RR (DNSKEY or CDNSKEY) at the apex. */
static int key_rr(const sig_key_t *key, uint32_t ttl, ldns_rr_type type, ldns_rr **out)
{
	return zone_rr_from_wire(out, key->apex, key->apex_len, (uint16_t)type, ttl, key->rdata,
	                         key->rdata_len);
}

int sig_key_dnskey_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out)
{
	return key_rr(key, ttl, DNS_T_DNSKEY, out);
}

int sig_key_cdnskey_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out)
{
	return key_rr(key, ttl, DNS_T_CDNSKEY, out);
}

/* DS per RFC 4509 (SHA-256), by ldns; CDS carries the same rdata. */
static int ds_rr(const sig_key_t *key, uint32_t ttl, ldns_rr_type type, ldns_rr **out)
{
	ldns_rr *dnskey = NULL;
	int ret = key_rr(key, ttl, DNS_T_DNSKEY, &dnskey);
	if (ret != GW_OK)
		return ret;
	ldns_rr *ds = ldns_key_rr2ds(dnskey, LDNS_SHA256);
	ldns_rr_free(dnskey);
	if (ds == NULL)
		return GW_ENOMEM;
	ldns_rr_set_type(ds, type);
	ldns_rr_set_ttl(ds, ttl);
	*out = ds;
	return GW_OK;
}

int sig_key_ds_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out)
{
	return ds_rr(key, ttl, DNS_T_DS, out);
}

int sig_key_cds_rr(const sig_key_t *key, uint32_t ttl, ldns_rr **out)
{
	return ds_rr(key, ttl, DNS_T_CDS, out);
}

/* OpenSSL gives ECDSA signatures in DER; RFC 6605 section 4 wants r and s
 * as two 32-octet big-endian integers. */
static int ecdsa_der_to_dnssec(const uint8_t *der, size_t der_len, uint8_t *sig)
{
	const unsigned char *p = der;
	const BIGNUM *r = NULL;
	const BIGNUM *s = NULL;
	ECDSA_SIG *esig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	if (esig == NULL)
		return GW_ECRYPTO;
	ECDSA_SIG_get0(esig, &r, &s);
	int ret = GW_OK;
	if (BN_bn2binpad(r, sig, EC_COORD_LEN) != EC_COORD_LEN ||
	    BN_bn2binpad(s, sig + EC_COORD_LEN, EC_COORD_LEN) != EC_COORD_LEN)
		ret = GW_ECRYPTO;
	ECDSA_SIG_free(esig);
	return ret;
}

/* Signing contexts kept per thread and key: setting up an EVP_PKEY_CTX
 * costs about a sixth of an ECDSA signature, and a full sign makes tens of
 * thousands. ECDSA and RSA sign a SHA-256 digest taken here; Ed25519 signs
 * the message itself (pure EdDSA) and has no reusable context. Entries are
 * named by key id (not address: a freed key's address may come back) and
 * freed when the thread ends. */
#define SIGN_CACHE_SLOTS 4

typedef struct sign_cache {
	struct {
		uint64_t id;
		EVP_PKEY_CTX *ctx;
	} slot[SIGN_CACHE_SLOTS];
	unsigned next;
} sign_cache_t;

static pthread_key_t g_cache_key;
static pthread_once_t g_cache_once = PTHREAD_ONCE_INIT;

static void sign_cache_free(void *arg)
{
	sign_cache_t *c = arg;
	for (int i = 0; i < SIGN_CACHE_SLOTS; i++)
		EVP_PKEY_CTX_free(c->slot[i].ctx);
	free(c);
}

static void sign_cache_init(void)
{
	if (pthread_key_create(&g_cache_key, sign_cache_free) != 0)
		g_cache_key = (pthread_key_t)-1;
}

static void sign_cache_release_main(void)
{
	sign_cache_t *c = pthread_getspecific(g_cache_key);
	if (c != NULL) {
		pthread_setspecific(g_cache_key, NULL);
		sign_cache_free(c);
	}
}

/* A prepared signing context for key on this thread, or NULL. */
static EVP_PKEY_CTX *sign_ctx(const sig_key_t *key)
{
	static atomic_flag registered = ATOMIC_FLAG_INIT;
	pthread_once(&g_cache_once, sign_cache_init);
	if (g_cache_key == (pthread_key_t)-1)
		return NULL;
	sign_cache_t *c = pthread_getspecific(g_cache_key);
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL || pthread_setspecific(g_cache_key, c) != 0) {
			free(c);
			return NULL;
		}
		/* The main thread does not run key destructors at exit. */
		if (!atomic_flag_test_and_set(&registered))
			atexit(sign_cache_release_main);
	}
	for (int i = 0; i < SIGN_CACHE_SLOTS; i++) {
		if (c->slot[i].ctx != NULL && c->slot[i].id == key->id)
			return c->slot[i].ctx;
	}
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, key->md) != 1 ||
	    (key->alg == SIG_ALG_RSASHA256 &&
	     EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	unsigned i = c->next++ % SIGN_CACHE_SLOTS;
	EVP_PKEY_CTX_free(c->slot[i].ctx);
	c->slot[i].ctx = ctx;
	c->slot[i].id = key->id;
	return ctx;
}

int sig_key_sign(const sig_key_t *key, const uint8_t *data, size_t data_len, uint8_t *sig,
                 size_t cap, size_t *len)
{
	int ret = GW_ECRYPTO;
	EVP_MD_CTX *ctx = NULL;
	/* OpenSSL writes an ECDSA signature in DER: into der, then turned
	 * into the r|s of RFC 6605; the others go straight into sig. */
	uint8_t der[ECDSA_DER_MAX];
	bool ecdsa = key->alg == SIG_ALG_ECDSAP256SHA256;
	uint8_t *dst = ecdsa ? der : sig;
	size_t out_len = ecdsa ? sizeof(der) : cap;

	if (cap < key->sig_len)
		return GW_ESPACE;
	EVP_PKEY_CTX *pctx = key->alg != SIG_ALG_ED25519 ? sign_ctx(key) : NULL;
	if (pctx != NULL) {
		uint8_t digest[EVP_MAX_MD_SIZE];
		unsigned digest_len = 0;
		if (EVP_Digest(data, data_len, digest, &digest_len, key->md, NULL) != 1 ||
		    EVP_PKEY_sign(pctx, dst, &out_len, digest, digest_len) != 1)
			goto out;
	} else {
		/* One context per call: the key is shared between threads, the
		 * context is not. */
		ctx = EVP_MD_CTX_new();
		if (ctx == NULL)
			return GW_ENOMEM;
		if (EVP_DigestSignInit(ctx, NULL, key->md, NULL, key->pkey) != 1 ||
		    EVP_DigestSign(ctx, dst, &out_len, data, data_len) != 1)
			goto out;
	}
	if (ecdsa ? ecdsa_der_to_dnssec(der, out_len, sig) != GW_OK : out_len != key->sig_len)
		goto out;
	*len = key->sig_len;
	ret = GW_OK;
out:
	EVP_MD_CTX_free(ctx);
	if (ret == GW_ECRYPTO) {
		char tag[8];
		snprintf(tag, sizeof(tag), "%u", key->tag);
		crypto_error("cannot sign with key", tag);
	}
	return ret;
}
