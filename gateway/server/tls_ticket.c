/* Session ticket keys (RFC 5077 section 5.5, RFC 8446 section 4.6.1),
 * made and rotated here instead of by OpenSSL.
 *
 * OpenSSL makes one set of ticket keys per context, at random, and keeps
 * it for the context's life: on a daemon that runs for months, a ticket
 * recorded on the first day could still be opened with the key in memory,
 * and with it every session that ticket resumes. Here each context holds
 * at most two keys: the newest encrypts new tickets, the one before still
 * opens those it made (and the client gets a fresh ticket), and the one
 * before that is erased at each rotation. The server rotates once per
 * ticket lifetime, which is also the sessions' timeout, so a ticket is
 * always opened while it is valid and never after two lifetimes.
 *
 * Tickets are AES-256-CBC with HMAC-SHA256 over them, as OpenSSL's own
 * are; the key name (16 random octets) says which key made a ticket. */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/server/tls.h"

#define TICKET_NAME_LEN 16
#define TICKET_AES_LEN  32
#define TICKET_HMAC_LEN 32
#define TICKET_KEYS     2

typedef struct ticket_key {
	uint8_t name[TICKET_NAME_LEN];
	uint8_t aes[TICKET_AES_LEN];
	uint8_t hmac[TICKET_HMAC_LEN];
} ticket_key_t;

typedef struct ticket_keys {
	ticket_key_t key[TICKET_KEYS]; /* [0] the newest */
	size_t count;
	uint64_t rotations;
	/* Owned: AES-256-CBC, fetched once rather than by name at every
	 * ticket (an implicit fetch per resumed handshake). */
	EVP_CIPHER *aes;
} ticket_keys_t;

static int g_index = -1;
static pthread_once_t g_index_once = PTHREAD_ONCE_INIT;

static void keys_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (ptr != NULL) {
		EVP_CIPHER_free(((ticket_keys_t *)ptr)->aes);
		OPENSSL_cleanse(ptr, sizeof(ticket_keys_t));
		OPENSSL_free(ptr);
	}
}

static void index_init(void)
{
	g_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, keys_free);
}

static ticket_keys_t *keys_of(const SSL_CTX *ctx)
{
	pthread_once(&g_index_once, index_init);
	return g_index < 0 ? NULL : SSL_CTX_get_ex_data(ctx, g_index);
}

/* A new key in k, from the private random generator (the name, which goes
 * out in every ticket, from the public one). */
static int key_make(ticket_key_t *k)
{
	if (RAND_bytes(k->name, sizeof(k->name)) != 1 ||
	    RAND_priv_bytes(k->aes, sizeof(k->aes)) != 1 ||
	    RAND_priv_bytes(k->hmac, sizeof(k->hmac)) != 1) {
		OPENSSL_cleanse(k, sizeof(*k));
		return GW_ECRYPTO;
	}
	return GW_OK;
}

static int hmac_init(EVP_MAC_CTX *hctx, const ticket_key_t *k)
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, sizeof(k->hmac)),
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	return EVP_MAC_CTX_set_params(hctx, params) == 1 ? GW_OK : GW_ECRYPTO;
}

/* OpenSSL's ticket callback (SSL_CTX_set_tlsext_ticket_key_evp_cb(3)):
 * enc 1 seals a new ticket with the newest key; enc 0 opens one: 1 with
 * the newest key, 2 with the older one (a new ticket then replaces it), 0
 * when no key has its name (a full handshake), -1 on failure. */
static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *cctx,
                     EVP_MAC_CTX *hctx, int enc)
{
	const ticket_keys_t *keys = keys_of(SSL_get_SSL_CTX(ssl));
	if (keys == NULL || keys->count == 0)
		return enc ? -1 : 0;
	if (enc) {
		const ticket_key_t *k = &keys->key[0];
		int ivlen = EVP_CIPHER_get_iv_length(keys->aes);
		if (ivlen <= 0 || RAND_bytes(iv, ivlen) != 1 ||
		    EVP_EncryptInit_ex(cctx, keys->aes, NULL, k->aes, iv) != 1 ||
		    hmac_init(hctx, k) != GW_OK)
			return -1;
		memcpy(name, k->name, TICKET_NAME_LEN);
		return 1;
	}
	for (size_t i = 0; i < keys->count; i++) {
		const ticket_key_t *k = &keys->key[i];
		if (memcmp(name, k->name, TICKET_NAME_LEN) != 0)
			continue;
		if (hmac_init(hctx, k) != GW_OK ||
		    EVP_DecryptInit_ex(cctx, keys->aes, NULL, k->aes, iv) != 1)
			return -1;
		return i == 0 ? 1 : 2;
	}
	return 0;
}

int gw_tls_tickets_init(SSL_CTX *ctx)
{
	pthread_once(&g_index_once, index_init);
	if (g_index < 0)
		return GW_ECRYPTO;
	ticket_keys_t *keys = OPENSSL_zalloc(sizeof(*keys));
	if (keys == NULL)
		return GW_ENOMEM;
	keys->aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	if (keys->aes == NULL || key_make(&keys->key[0]) != GW_OK) {
		keys_free(NULL, keys, NULL, 0, 0, NULL);
		return GW_ECRYPTO;
	}
	keys->count = 1;
	/* From here the context owns keys: its ex_data free erases them. */
	if (SSL_CTX_set_ex_data(ctx, g_index, keys) != 1) {
		keys_free(NULL, keys, NULL, 0, 0, NULL);
		return GW_ECRYPTO;
	}
	if (SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb) != 1)
		return GW_ECRYPTO;
	return GW_OK;
}

int gw_tls_tickets_rotate(SSL_CTX *ctx)
{
	ticket_keys_t *keys = keys_of(ctx);
	ticket_key_t next;

	if (keys == NULL)
		return GW_EINVAL;
	/* Made first: if the generator fails, the keys stay as they were. */
	if (key_make(&next) != GW_OK) {
		gw_err("TLS: no new session ticket key (the random generator failed); "
		       "the current one stays in use");
		return GW_ECRYPTO;
	}
	keys->key[1] = keys->key[0];
	keys->key[0] = next;
	OPENSSL_cleanse(&next, sizeof(next));
	keys->count = TICKET_KEYS;
	keys->rotations++;
	return GW_OK;
}

int gw_tls_tickets_take(SSL_CTX *to, const SSL_CTX *from)
{
	ticket_keys_t *dst = keys_of(to);
	const ticket_keys_t *src = keys_of(from);

	if (dst == NULL || src == NULL)
		return GW_EINVAL;
	if (dst == src)
		return GW_OK;
	/* The keys; each context keeps its own cipher. */
	memcpy(dst->key, src->key, sizeof(dst->key));
	dst->count = src->count;
	dst->rotations = src->rotations;
	return GW_OK;
}

uint64_t gw_tls_tickets_rotations(const SSL_CTX *ctx)
{
	const ticket_keys_t *keys = keys_of(ctx);
	return keys != NULL ? keys->rotations : 0;
}
