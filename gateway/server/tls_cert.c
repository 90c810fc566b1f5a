/* The gateway's own TLS key and certificate, and the key's digest for
 * DANE. Without a configured certificate a client cannot check the
 * gateway's name against a CA; it checks the key against the TLSA record
 * in the signed zone instead (DANE-EE, RFC 7671 5.1), so the certificate
 * is self-signed and what matters is that the key stays the same: it is
 * made once and reused, and a certificate that no longer fits (another
 * server name) is remade around the same key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/server/tls.h"

/* Ten years: the certificate's dates are not what a DANE-EE client
 * checks (RFC 7671 5.1), and a CA-less certificate has nobody to renew
 * it. */
#define CERT_DAYS 3650

static int read_key(const char *path, EVP_PKEY **out)
{
	FILE *fp = NULL;
	int ret = gw_file_fopen_regular_max(path, GW_TLS_KEY_MAX, &fp);
	if (ret != GW_OK)
		return ret;
	*out = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	ERR_clear_error();
	return *out != NULL ? GW_OK : GW_EKEY;
}

static X509 *read_cert(const char *path)
{
	FILE *fp = NULL;
	if (gw_file_fopen_regular_max(path, GW_TLS_CERT_MAX, &fp) != GW_OK)
		return NULL;
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	ERR_clear_error();
	return x;
}

static int fill_key(FILE *fp, const void *arg)
{
	return PEM_write_PrivateKey(fp, (EVP_PKEY *)arg, NULL, NULL, 0, NULL, NULL) == 1
	           ? GW_OK
	           : GW_ECRYPTO;
}

static int fill_cert(FILE *fp, const void *arg)
{
	return PEM_write_X509(fp, (X509 *)arg) == 1 ? GW_OK : GW_ECRYPTO;
}

/* own_key()'s message names the bound. */
_Static_assert(GW_TLS_KEY_MAX == 64 * 1024, "the TLS key message says 64 KiB");

/* The key at path: read, or made when there is none. */
static int own_key(const char *path, EVP_PKEY **out)
{
	int ret = read_key(path, out);
	if (ret == GW_OK)
		return GW_OK;
	if (ret != -ENOENT) {
		gw_err("TLS key %s cannot be used (%s); it is not replaced: restore it, or remove "
		       "it to make a new key (clients that pinned the old key by its TLSA record "
		       "fail until their cache expires)",
		       path,
		       ret == GW_EKEY     ? "not a PEM private key"
		       : ret == GW_ELIMIT ? "larger than 64 KiB, where a key is some hundred bytes"
		                          : gw_strerror(ret));
		return GW_EKEY;
	}
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (*out == NULL) {
		gw_err("TLS: cannot make a key");
		return GW_ECRYPTO;
	}
	ret = gw_file_write_with(path, 0600, fill_key, *out);
	if (ret != GW_OK)
		return ret;
	gw_notice("TLS: made a new key (ECDSA P-256) in %s", path);
	return GW_OK;
}

/* Whether the certificate x is ours for key and name. */
static bool cert_fits(X509 *x, EVP_PKEY *key, const char *name)
{
	return x != NULL && X509_check_private_key(x, key) == 1 &&
	       X509_check_host(x, name, strlen(name), 0, NULL) == 1;
}

static int x509_spki_sha256(X509 *x, uint8_t out[32]);

static int make_cert(EVP_PKEY *key, const char *name, X509 **out)
{
	int ret = GW_ECRYPTO;
	char san[300];
	X509 *x = X509_new();
	X509_NAME *subject = X509_NAME_new();
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	X509V3_CTX v3;
	X509_EXTENSION *ext = NULL;

	if (x == NULL || subject == NULL || X509_set_version(x, X509_VERSION_3) != 1)
		goto out;
	/* A random serial: a remade certificate must not look like the old
	 * one to a client's cache. */
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8, (const unsigned char *)name,
	                               -1, -1, 0) != 1 ||
	    X509_set_subject_name(x, subject) != 1 || X509_set_issuer_name(x, subject) != 1)
		goto out;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) == NULL)
		goto out;
	if (X509_set_pubkey(x, key) != 1)
		goto out;
	snprintf(san, sizeof(san), "DNS:%s", name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	if (ext == NULL || X509_add_ext(x, ext, -1) != 1)
		goto out;
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto out;
	*out = x;
	x = NULL;
	ret = GW_OK;
out:
	X509_EXTENSION_free(ext);
	BN_free(bn);
	X509_NAME_free(subject);
	X509_free(x);
	ERR_clear_error();
	return ret;
}

int gw_tls_own_new(const char *server_name, EVP_PKEY **key, X509 **cert)
{
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (*key == NULL) {
		ERR_clear_error();
		gw_err("TLS: cannot make a key");
		return GW_ECRYPTO;
	}
	int ret = make_cert(*key, server_name, cert);
	if (ret != GW_OK) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return ret;
}

/* The certificate and the chain served with it, for gw_file_write_with(). */
typedef struct served_chain {
	X509 *leaf;
	STACK_OF(X509) * chain; /* may be NULL */
} served_chain_t;

static int fill_chain(FILE *fp, const void *arg)
{
	const served_chain_t *c = arg;
	if (fill_cert(fp, c->leaf) != GW_OK)
		return GW_ECRYPTO;
	for (int i = 0; c->chain != NULL && i < sk_X509_num(c->chain); i++) {
		if (PEM_write_X509(fp, sk_X509_value(c->chain, i)) != 1)
			return GW_ECRYPTO;
	}
	return GW_OK;
}

/* The key, then the certificate with its chain, each atomic: the own
 * pair and a rollover's previous pair are written alike. */
static int write_pair(const char *cert_path, const char *key_path, EVP_PKEY *key,
                      const served_chain_t *c)
{
	int ret = gw_file_write_with(key_path, 0600, fill_key, key);
	if (ret == GW_OK)
		ret = gw_file_write_with(cert_path, 0600, fill_chain, c);
	return ret;
}

int gw_tls_own_write(const char *cert_path, const char *key_path, EVP_PKEY *key, X509 *cert)
{
	served_chain_t c = {.leaf = cert};
	return write_pair(cert_path, key_path, key, &c);
}

int gw_tls_x509_spki_sha256(X509 *x, uint8_t out[32])
{
	return x509_spki_sha256(x, out);
}

int gw_tls_own_cert(const char *state_dir, const char *server_name, char *cert_path, char *key_path,
                    size_t len)
{
	int ret;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/%s", state_dir, GW_TLS_DIR);
	ret = gw_file_refuse_link(dir);
	if (ret != GW_OK)
		return ret;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		ret = -errno;
		gw_err("cannot create %s: %s", dir, strerror(errno));
		return ret;
	}
	if ((size_t)snprintf(key_path, len, "%s/%s", dir, GW_TLS_KEY_FILE) >= len ||
	    (size_t)snprintf(cert_path, len, "%s/%s", dir, GW_TLS_CERT_FILE) >= len)
		return GW_ESPACE;
	ret = own_key(key_path, &key);
	if (ret != GW_OK)
		goto out;
	x = read_cert(cert_path);
	if (cert_fits(x, key, server_name))
		goto out;
	X509_free(x);
	x = NULL;
	ret = make_cert(key, server_name, &x);
	if (ret == GW_OK)
		ret = gw_file_write_with(cert_path, 0600, fill_cert, x);
	if (ret != GW_OK)
		goto out;
	gw_notice("TLS: made a self-signed certificate for %s in %s", server_name, cert_path);
out:
	ERR_clear_error();
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

/* SHA-256 of x's SubjectPublicKeyInfo. */
static int x509_spki_sha256(X509 *x, uint8_t out[32])
{
	unsigned char *der = NULL;
	unsigned mdlen = 0;
	int ret = GW_EKEY;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (n > 0 && EVP_Digest(der, (size_t)n, out, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == 32)
		ret = GW_OK;
	OPENSSL_free(der);
	ERR_clear_error();
	return ret;
}

int gw_tls_spki_sha256(const char *cert_file, uint8_t out[32])
{
	X509 *x = read_cert(cert_file);
	if (x == NULL) {
		gw_err("TLS: cannot read a certificate from %s", cert_file);
		return GW_EKEY;
	}
	int ret = x509_spki_sha256(x, out);
	X509_free(x);
	return ret;
}

int gw_tls_ctx_spki_sha256(SSL_CTX *ctx, uint8_t out[32])
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	return x != NULL ? x509_spki_sha256(x, out) : GW_EKEY;
}

int gw_tls_ctx_save(SSL_CTX *ctx, const char *cert_file, const char *key_file)
{
	served_chain_t c = {.leaf = SSL_CTX_get0_certificate(ctx)};
	EVP_PKEY *key = SSL_CTX_get0_privatekey(ctx);
	if (c.leaf == NULL || key == NULL || SSL_CTX_get0_chain_certs(ctx, &c.chain) != 1)
		return GW_ECRYPTO;
	/* With the intermediates it was served with (read again with
	 * SSL_CTX_use_certificate_chain_file()): a restart during the wait
	 * serves the same chain, which clients that check it by a CA need. */
	return write_pair(cert_file, key_file, key, &c);
}
