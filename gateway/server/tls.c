/* DNS over TLS (RFC 7858, RFC 8310): a TLS session on a stream connection
 * of tcp.c. Everything else (framing, pipelining, transfers, the limits
 * and deadlines, admission) is the TCP code's: a TLS connection is a TCP
 * connection whose octets go through OpenSSL.
 *
 * - Non-blocking: every OpenSSL call here returns at once; WANT_READ and
 *   WANT_WRITE become EAGAIN for tcp.c, which watches the socket the way
 *   OpenSSL asked (c->tls_want_write).
 * - The handshake is bounded like a first message: it must end, and the
 *   first query arrive whole, within tcp-message-timeout of the accept.
 * - TLS 1.2 at least, 1.3 preferred (OpenSSL picks the highest both
 *   sides have); ALPN "dot" (RFC 7858 bis, RFC 9461) when the client
 *   offers it; a client that offers only other protocols is refused.
 * - Resumption: stateless session tickets under keys of our own that
 *   the server rotates (tls_ticket.c), kept in memory only, so a restart
 *   invalidates every ticket; and OpenSSL's server-side session cache for
 *   TLS 1.2 session IDs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/server/internal.h"
#include "gateway/server/tls.h"

#define ALPN_DOT     "dot"
#define ALPN_DOT_LEN 3

/* The first OpenSSL error as text, the queue emptied. */
static const char *ssl_err_text(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	if (e == 0)
		snprintf(buf, len, "unknown error");
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
	return buf;
}

/* ALPN (RFC 7301): "dot" when the client offers it. A client that offers
 * protocols but not DNS is speaking something else: refused. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	static const unsigned char dot[] = {ALPN_DOT_LEN, 'd', 'o', 't'};
	unsigned char *sel = NULL;
	if (SSL_select_next_proto(&sel, outlen, dot, sizeof(dot), in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* A file the daemon's user cannot read: said plainly (OpenSSL's text is
 * "system library::Permission denied"). The files are read by that user
 * at the start as at every reload, after the privileges are dropped. */
static bool unreadable(const char *what, const char *path)
{
	char hint[96];
	if (access(path, R_OK) == 0 ||
	    gw_file_unreadable_hint(hint, sizeof(hint), errno)[0] == '\0')
		return false;
	gw_err("TLS: cannot read the %s %s: %s%s", what, path, strerror(EACCES), hint);
	return true;
}

/* OpenSSL opens the files by their paths and reads them whole: a FIFO
 * in a state file's place (tls/previous-*.pem of a rollover) would hang
 * the start, and a damaged file of any length would be read. Each is
 * checked first, without waiting; what cannot be opened is left to
 * unreadable() and OpenSSL's own messages, as before. */
static bool not_small_file(const char *what, const char *path, size_t max)
{
	int fd = -1;
	struct stat st;
	int ret = gw_file_open_regular(path, 0, &fd, &st);
	if (ret == GW_ENOTFILE) {
		gw_err("TLS: the %s %s is not a regular file", what, path);
		return true;
	}
	if (ret != GW_OK)
		return false;
	close(fd);
	if ((uint64_t)st.st_size <= (uint64_t)max)
		return false;
	gw_err("TLS: the %s %s is %lld bytes, more than the %zu KiB read; restore it or give "
	       "the right file",
	       what, path, (long long)st.st_size, max / 1024);
	return true;
}

/* A private key others may read, or group or others may change, is
 * served all the same (peers do so too, and a start refused after an
 * upgrade helps no one) but said at every start and reload: group read
 * is what the daemon's user needs (docs/tls.md), the rest is exposure. */
static void say_key_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0 || (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) == 0)
		return;
	gw_warn("TLS: the key %s has mode %04o: %s; chmod 640 it (readable by the daemon's "
	        "group) or 600",
	        path, (unsigned)(st.st_mode & 07777),
	        (st.st_mode & S_IROTH) != 0 ? "every local user can read the private key"
	                                    : "others than its owner can change it");
}

void gw_tls_ctx_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

int gw_tls_ctx_new(SSL_CTX **out, const char *cert_file, const char *key_file)
{
	int ret = GW_ECRYPTO;
	char err[256];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		gw_err("TLS: cannot make a context: %s", ssl_err_text(err, sizeof(err)));
		goto out;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		goto out;
	/* RFC 8310 / BCP 195: forward secrecy, no compression, no
	 * renegotiation; the server's order of ciphers. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* tcp.c's output buffer moves and is written in pieces. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
	                          SSL_MODE_RELEASE_BUFFERS);
	if (unreadable("certificate", cert_file) || unreadable("key", key_file) ||
	    not_small_file("certificate", cert_file, GW_TLS_CERT_MAX) ||
	    not_small_file("key", key_file, GW_TLS_KEY_MAX)) {
		ret = GW_EKEY;
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		gw_err("TLS: cannot use the certificate %s: %s", cert_file,
		       ssl_err_text(err, sizeof(err)));
		ret = GW_EKEY;
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		gw_err("TLS: cannot use the key %s with the certificate %s: %s", key_file,
		       cert_file, ssl_err_text(err, sizeof(err)));
		ret = GW_EKEY;
		goto out;
	}
	say_key_mode(key_file);
	static const unsigned char sid[] = "dnssd-gateway-dot";
	SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	/* Two tickets by default: one is plenty for a resolver. */
	SSL_CTX_set_num_tickets(ctx, 1);
	ret = gw_tls_tickets_init(ctx);
	if (ret != GW_OK) {
		gw_err("TLS: cannot make a session ticket key: %s", ssl_err_text(err, sizeof(err)));
		goto out;
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	*out = ctx;
	ctx = NULL;
	ret = GW_OK;
out:
	SSL_CTX_free(ctx);
	return ret;
}

int gw_tls_conn_init(gw_tcp_conn_t *c)
{
	static gw_log_limit_t lim;
	char err[256];
	if (c->srv->tls_ctx == NULL)
		return GW_ECRYPTO;
	c->ssl = SSL_new(c->srv->tls_ctx);
	if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		gw_log_limited(&lim, GW_LOG_WARNING, "TLS: cannot start a session: %s",
		               ssl_err_text(err, sizeof(err)));
		return GW_ECRYPTO;
	}
	SSL_set_accept_state(c->ssl);
	c->handshaking = true;
	c->srv->stats.tls_conns++;
	return GW_OK;
}

/* After an OpenSSL call returned r <= 0: whether it only waits for the
 * socket (which way in c->tls_want_write). */
static bool would_block(gw_tcp_conn_t *c, int r)
{
	int e = SSL_get_error(c->ssl, r);
	c->tls_want_write = e == SSL_ERROR_WANT_WRITE;
	return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

int gw_tls_handshake(gw_tcp_conn_t *c)
{
	ERR_clear_error();
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		c->handshaking = false;
		c->tls_want_write = false;
		c->srv->stats.tls_handshakes++;
		if (SSL_session_reused(c->ssl))
			c->srv->stats.tls_resumed++;
		return GW_OK;
	}
	if (would_block(c, r))
		return GW_EBUSY;
	c->srv->stats.tls_failed++;
	if (gw_log_enabled(GW_LOG_DEBUG)) {
		char err[256], peer[64];
		gw_sockaddr_str(&c->peer, peer, sizeof(peer));
		gw_debug_limited("TLS handshake with %s failed: %s", peer,
		                 ssl_err_text(err, sizeof(err)));
	}
	ERR_clear_error();
	return GW_ECRYPTO;
}

ssize_t gw_tls_recv(gw_tcp_conn_t *c, uint8_t *buf, size_t len)
{
	size_t got = 0;
	ERR_clear_error();
	c->tls_want_write = false;
	int r = SSL_read_ex(c->ssl, buf, len, &got);
	c->tls_read_data = r == 1;
	if (r == 1)
		return (ssize_t)got;
	if (would_block(c, r)) {
		errno = EAGAIN;
		return -1;
	}
	if (SSL_get_error(c->ssl, r) == SSL_ERROR_ZERO_RETURN)
		return 0; /* close_notify */
	ERR_clear_error();
	errno = ECONNRESET;
	return -1;
}

ssize_t gw_tls_send(gw_tcp_conn_t *c, const uint8_t *buf, size_t len)
{
	size_t put = 0;
	ERR_clear_error();
	int r = SSL_write_ex(c->ssl, buf, len, &put);
	if (r == 1)
		return (ssize_t)put;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
		errno = EAGAIN;
		return -1;
	}
	ERR_clear_error();
	errno = EPIPE;
	return -1;
}

bool gw_tls_pending(const gw_tcp_conn_t *c)
{
	/* SSL_has_pending() is also true for part of a record. Were that fed
	 * back as a read event, the read would find too little, the octets
	 * would still be there and the event fed again: libev runs a fed
	 * event in the same pass, so the loop would serve nothing else while
	 * a client kept one octet of a record back. After a read that
	 * returned data the next read either returns more or stops this. */
	return SSL_pending(c->ssl) > 0 || (c->tls_read_data && SSL_has_pending(c->ssl));
}

void gw_tls_conn_deinit(gw_tcp_conn_t *c)
{
	/* A courtesy: one attempt, no wait for the client's reply (RFC 8446
	 * 6.1 lets a side close without it). */
	if (!c->handshaking)
		(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
	SSL_free(c->ssl);
	c->ssl = NULL;
}
