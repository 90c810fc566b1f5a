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

/* The largest key file and certificate file read: the gateway's own are
 * well under a kilobyte, a configured chain some kilobytes. Past them a
 * damaged file is refused by its size, before OpenSSL's PEM reader
 * takes it whole. */
#define GW_TLS_KEY_MAX  (64 * 1024)
#define GW_TLS_CERT_MAX (1024 * 1024)

/* A server context for cert_file (PEM, chain allowed) and key_file (PEM):
 * TLS 1.2 at least, ALPN "dot", session tickets under a key of its own
 * (below). Each file must be a regular file within its bound above
 * (checked before OpenSSL opens it by its path: a FIFO would hang it).
 * On success *out owns it. GW_EKEY (unusable files, logged with the
 * path), GW_ECRYPTO. */
int gw_tls_ctx_new(SSL_CTX **out, const char *cert_file, const char *key_file);
void gw_tls_ctx_free(SSL_CTX *ctx); /* accepts NULL */

/* Session ticket keys (tls_ticket.c), held by the context and erased
 * with it. gw_tls_ctx_new() calls gw_tls_tickets_init(): one new key,
 * and the callback that seals and opens tickets with it. GW_OK,
 * GW_ENOMEM, GW_ECRYPTO. */
int gw_tls_tickets_init(SSL_CTX *ctx);
/* A new key seals tickets from now on; the one it replaces still opens
 * those it sealed (the client then gets a new ticket), and the one before
 * that is erased. On GW_ECRYPTO (the random generator failed; logged) the
 * keys are as they were. GW_EINVAL: ctx has no keys of ours. */
int gw_tls_tickets_rotate(SSL_CTX *ctx);
/* Give to the keys of from (a certificate reload keeps the tickets
 * already out). GW_OK, GW_EINVAL. */
int gw_tls_tickets_take(SSL_CTX *to, const SSL_CTX *from);
/* Rotations so far of ctx's keys (taken ones included). */
uint64_t gw_tls_tickets_rotations(const SSL_CTX *ctx);

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

/* A new key (ECDSA P-256) and a self-signed certificate for server_name,
 * in memory; on success the caller owns both. GW_ECRYPTO (logged). */
int gw_tls_own_new(const char *server_name, EVP_PKEY **key, X509 **cert);
/* Write key and cert to key_path and cert_path (0600, atomic, the key
 * first). GW_OK, -errno, GW_EIO (logged with the path). */
int gw_tls_own_write(const char *cert_path, const char *key_path, EVP_PKEY *key, X509 *cert);
/* SHA-256 of x's SPKI. GW_OK, GW_EKEY. */
int gw_tls_x509_spki_sha256(X509 *x, uint8_t out[32]);

/* SHA-256 of the SubjectPublicKeyInfo of the first certificate in
 * cert_file (TLSA 3 1 1) into out. GW_OK, GW_EKEY (logged). */
int gw_tls_spki_sha256(const char *cert_file, uint8_t out[32]);

/* The TLSA rollover state file (tls_state.c): the key being published
 * (SHA-256 of its SPKI) and the wall-clock second it was first published.
 * Parse len octets of text: GW_OK, or GW_EPARSE for anything but one line
 * "<64 lowercase hex> <decimal seconds>\n" (out-parameters untouched). */
int gw_tls_rollover_parse(const char *text, size_t len, uint8_t spki[32], int64_t *published);
/* That line into buf (len >= 88). GW_OK or GW_ESPACE. */
int gw_tls_rollover_format(char *buf, size_t len, const uint8_t spki[32], int64_t published);

/* Write the certificate ctx serves, with the intermediates it sends, and
 * its key to cert_file and key_file (0600, atomic): the key in use kept
 * while a rollover waits, when its source files already hold the next
 * one. GW_OK, GW_ECRYPTO, -errno. */
int gw_tls_ctx_save(SSL_CTX *ctx, const char *cert_file, const char *key_file);

/* SHA-256 of the SPKI of the certificate ctx serves. GW_OK, GW_EKEY. */
int gw_tls_ctx_spki_sha256(SSL_CTX *ctx, uint8_t out[32]);
