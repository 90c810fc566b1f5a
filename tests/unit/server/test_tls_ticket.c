/* gateway/server/tls_ticket.c: session tickets sealed with the newest key
 * resume their session; after one rotation they still do, after two they
 * do not (a full handshake instead); a context that takes another's keys
 * resumes the other's tickets. Over TLS 1.3 and 1.2, with real handshakes
 * between OpenSSL clients and gw_tls_ctx_new() servers in memory. And
 * the key file's mode: one others may read or change is served, and
 * said. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "cunit.h"
#include "log_capture.h"
#include "common/error.h"
#include "gateway/server/tls.h"

static char g_dir[] = "/tmp/gw-test-tickets-XXXXXX";
static char g_cert[2][sizeof(g_dir) + 16];
static char g_key[2][sizeof(g_dir) + 16];

static void remove_certs(void)
{
	for (int i = 0; i < 2; i++) {
		if (g_cert[i][0] != '\0')
			unlink(g_cert[i]);
		if (g_key[i][0] != '\0')
			unlink(g_key[i]);
	}
	rmdir(g_dir);
}

/* Two keys and certificates, for two server contexts; removed at exit,
 * also when a test stops at a fatal assertion. */
static void make_certs(void)
{
	if (g_cert[0][0] != '\0')
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(g_dir));
	atexit(remove_certs);
	for (int i = 0; i < 2; i++) {
		EVP_PKEY *key = NULL;
		X509 *cert = NULL;
		snprintf(g_cert[i], sizeof(g_cert[i]), "%s/cert%d.pem", g_dir, i);
		snprintf(g_key[i], sizeof(g_key[i]), "%s/key%d.pem", g_dir, i);
		CU_ASSERT_EQUAL_FATAL(gw_tls_own_new("dns.example", &key, &cert), GW_OK);
		CU_ASSERT_EQUAL_FATAL(gw_tls_own_write(g_cert[i], g_key[i], key, cert), GW_OK);
		EVP_PKEY_free(key);
		X509_free(cert);
	}
}

static SSL_CTX *server_ctx(int which)
{
	SSL_CTX *ctx = NULL;
	make_certs();
	CU_ASSERT_EQUAL_FATAL(gw_tls_ctx_new(&ctx, g_cert[which], g_key[which]), GW_OK);
	return ctx;
}

/* A client of one TLS version; it does not check the certificate (the
 * tickets are what is tested). */
static SSL_CTX *client_ctx(int version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_EQUAL_FATAL(SSL_CTX_set_min_proto_version(ctx, version), 1);
	CU_ASSERT_EQUAL_FATAL(SSL_CTX_set_max_proto_version(ctx, version), 1);
	return ctx;
}

/* One connection from cctx to sctx over a BIO pair, offering sess (may be
 * NULL); then an octet from the server, which makes the client read the
 * TLS 1.3 ticket. Whether the server resumed; *out gets the client's
 * session (the caller frees it). */
static bool connect_once(SSL_CTX *sctx, SSL_CTX *cctx, SSL_SESSION *sess, SSL_SESSION **out)
{
	SSL *s = SSL_new(sctx);
	SSL *c = SSL_new(cctx);
	BIO *sb = NULL, *cb = NULL;
	CU_ASSERT_FATAL(s != NULL && c != NULL);
	CU_ASSERT_EQUAL_FATAL(BIO_new_bio_pair(&sb, 0, &cb, 0), 1);
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	SSL_set_accept_state(s);
	SSL_set_connect_state(c);
	if (sess != NULL)
		CU_ASSERT_EQUAL_FATAL(SSL_set_session(c, sess), 1);
	bool sdone = false, cdone = false;
	/* A handshake is a few flights: 50 rounds without progress is a
	 * failure, not a wait. */
	for (int i = 0; i < 50 && !(sdone && cdone); i++) {
		if (!cdone) {
			int r = SSL_do_handshake(c);
			cdone = r == 1;
			CU_ASSERT_FATAL(cdone || SSL_get_error(c, r) == SSL_ERROR_WANT_READ);
		}
		if (!sdone) {
			int r = SSL_do_handshake(s);
			sdone = r == 1;
			CU_ASSERT_FATAL(sdone || SSL_get_error(s, r) == SSL_ERROR_WANT_READ);
		}
	}
	CU_ASSERT_FATAL(sdone && cdone);
	uint8_t octet = 'x';
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(SSL_write_ex(s, &octet, 1, &n), 1);
	CU_ASSERT_EQUAL_FATAL(SSL_read_ex(c, &octet, 1, &n), 1);
	CU_ASSERT_EQUAL(octet, 'x');
	bool reused = SSL_session_reused(s) == 1;
	CU_ASSERT_EQUAL(SSL_session_reused(c) == 1, reused);
	*out = SSL_get1_session(c);
	CU_ASSERT_FATAL(*out != NULL && SSL_SESSION_is_resumable(*out) == 1);
	/* Closed cleanly: OpenSSL marks the session of a connection freed
	 * without a shutdown as not resumable. */
	SSL_set_shutdown(c, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_set_shutdown(s, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(c);
	SSL_free(s);
	return reused;
}

static void rotations(int version)
{
	SSL_CTX *sctx = server_ctx(0);
	SSL_CTX *cctx = client_ctx(version);
	SSL_SESSION *t0 = NULL, *t1 = NULL, *t2 = NULL, *tmp = NULL;

	CU_ASSERT_FALSE(connect_once(sctx, cctx, NULL, &t0));
	CU_ASSERT_TRUE(connect_once(sctx, cctx, t0, &tmp));
	SSL_SESSION_free(tmp);

	/* One rotation: t0's key still opens it, and the client gets a
	 * ticket under the new key (t1). */
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(sctx), GW_OK);
	CU_ASSERT_EQUAL(gw_tls_tickets_rotations(sctx), 1);
	CU_ASSERT_TRUE(connect_once(sctx, cctx, t0, &t1));

	/* Two: t0's key is erased, t1's is the older one. */
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(sctx), GW_OK);
	CU_ASSERT_FALSE(connect_once(sctx, cctx, t0, &t2));
	CU_ASSERT_TRUE(connect_once(sctx, cctx, t1, &tmp));
	SSL_SESSION_free(tmp);
	/* The full handshake's ticket (t2) is under the newest key. */
	CU_ASSERT_TRUE(connect_once(sctx, cctx, t2, &tmp));
	SSL_SESSION_free(tmp);

	/* Three: t1's key is gone too. */
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(sctx), GW_OK);
	CU_ASSERT_FALSE(connect_once(sctx, cctx, t1, &tmp));
	SSL_SESSION_free(tmp);
	CU_ASSERT_EQUAL(gw_tls_tickets_rotations(sctx), 3);

	SSL_SESSION_free(t0);
	SSL_SESSION_free(t1);
	SSL_SESSION_free(t2);
	SSL_CTX_free(cctx);
	gw_tls_ctx_free(sctx);
}

static void test_rotate_tls13(void)
{
	rotations(TLS1_3_VERSION);
}

static void test_rotate_tls12(void)
{
	rotations(TLS1_2_VERSION);
}

/* A certificate reload: the new context takes the old one's keys and
 * resumes its tickets; without them it cannot. */
static void test_take(void)
{
	SSL_CTX *old = server_ctx(0);
	SSL_CTX *cctx = client_ctx(TLS1_3_VERSION);
	SSL_SESSION *t = NULL, *tmp = NULL;

	CU_ASSERT_FALSE(connect_once(old, cctx, NULL, &t));
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(old), GW_OK);

	SSL_CTX *fresh = server_ctx(1);
	CU_ASSERT_FALSE(connect_once(fresh, cctx, t, &tmp));
	SSL_SESSION_free(tmp);

	SSL_CTX *taker = server_ctx(1);
	CU_ASSERT_EQUAL(gw_tls_tickets_take(taker, old), GW_OK);
	CU_ASSERT_EQUAL(gw_tls_tickets_rotations(taker), 1);
	CU_ASSERT_TRUE(connect_once(taker, cctx, t, &tmp));
	SSL_SESSION_free(tmp);
	/* What it took rotates on with it. */
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(taker), GW_OK);
	CU_ASSERT_FALSE(connect_once(taker, cctx, t, &tmp));
	SSL_SESSION_free(tmp);

	/* A context not made by gw_tls_ctx_new() has no keys of ours. */
	SSL_CTX *plain = SSL_CTX_new(TLS_server_method());
	CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
	CU_ASSERT_EQUAL(gw_tls_tickets_rotate(plain), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_tls_tickets_take(plain, old), GW_EINVAL);
	CU_ASSERT_EQUAL(gw_tls_tickets_take(taker, plain), GW_EINVAL);
	SSL_CTX_free(plain);

	SSL_SESSION_free(t);
	SSL_CTX_free(cctx);
	gw_tls_ctx_free(old);
	gw_tls_ctx_free(fresh);
	gw_tls_ctx_free(taker);
}

/* What gw_tls_ctx_new() logs for key 0 with the given mode; it must
 * succeed whatever the mode. */
static void ctx_log_with_mode(mode_t mode, char *log, size_t len)
{
	log_capture_t cap;
	SSL_CTX *ctx = NULL;
	make_certs();
	CU_ASSERT_EQUAL_FATAL(chmod(g_key[0], mode), 0);
	log_capture_start(&cap);
	int ret = gw_tls_ctx_new(&ctx, g_cert[0], g_key[0]);
	log_capture_end(&cap, log, len);
	CU_ASSERT_EQUAL(ret, GW_OK);
	gw_tls_ctx_free(ctx);
}

static void test_key_mode(void)
{
	char log[1024];
	ctx_log_with_mode(0600, log, sizeof(log));
	CU_ASSERT_PTR_NULL(strstr(log, "has mode"));
	/* Group read is what the daemon's group needs. */
	ctx_log_with_mode(0640, log, sizeof(log));
	CU_ASSERT_PTR_NULL(strstr(log, "has mode"));
	ctx_log_with_mode(0644, log, sizeof(log));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "has mode 0644: every local user can read the private "
	                                   "key; chmod 640 it"));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, g_key[0]));
	ctx_log_with_mode(0660, log, sizeof(log));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "has mode 0660: others than its owner can change it"));
	ctx_log_with_mode(0600, log, sizeof(log));
}

int gw_test_register(void)
{
	return gw_test_suite("tls_ticket", (gw_test_t[]){
	                                       {"rotate_tls13", test_rotate_tls13},
	                                       {"rotate_tls12", test_rotate_tls12},
	                                       {"take", test_take},
	                                       {"key_mode", test_key_mode},
	                                       {NULL, NULL},
	                                   });
}
