/* The TLS side of the server the daemon sees: the context (tls.c) and
 * the key and certificate (tls_cert.c): configured files, or a key and a
 * self-signed certificate the gateway makes in its state directory, and
 * the SHA-256 of the key for DANE (TLSA 3 1 1, RFC 6698, RFC 7671). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

/* Under the state directory. */
#define GW_TLS_DIR       "tls"
#define GW_TLS_KEY_FILE  "key.pem"
#define GW_TLS_CERT_FILE "cert.pem"

/* A server context for cert_file (PEM, chain allowed) and key_file (PEM):
 * TLS 1.2 at least, ALPN "dot", session tickets. On success *out owns
 * it. GW_EKEY (unusable files, logged with the path), GW_ECRYPTO. */
int gw_tls_ctx_new(SSL_CTX **out, const char *cert_file, const char *key_file);
void gw_tls_ctx_free(SSL_CTX *ctx); /* accepts NULL */

/* The gateway's own key and certificate in <state_dir>/tls/: the key
 * (ECDSA P-256) is made when missing and reused when present, never
 * replaced (a damaged one stops the start with GW_EKEY and a message
 * naming the file); the self-signed certificate for server_name (text,
 * no final dot) is made when missing, or when it no longer matches the
 * key or the name. Files 0600, written atomically. cert_path and
 * key_path (len octets each) get the paths. GW_OK, GW_EKEY, GW_ECRYPTO,
 * -errno (logged). */
int gw_tls_own_cert(const char *state_dir, const char *server_name, char *cert_path, char *key_path,
                    size_t len);

/* SHA-256 of the SubjectPublicKeyInfo of the first certificate in
 * cert_file (TLSA 3 1 1) into out. GW_OK, GW_EKEY (logged). */
int gw_tls_spki_sha256(const char *cert_file, uint8_t out[32]);
