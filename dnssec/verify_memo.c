/* The memo of sig_verify_zone_memo() (dnssec.h): a set of SHA-256
 * digests, one per (key, signed data, signature) found valid. Only the
 * tests that verify a zone after each of a thousand small changes use it;
 * it makes their cost that of the new signatures instead of every
 * signature each time. */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "common/htab.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

typedef struct memo_entry {
	gw_hlink_t link;
	uint8_t digest[SIG_VERIFY_DIGEST_LEN];
} memo_entry_t;

struct sig_verify_memo {
	gw_htab_t set;    /* of memo_entry_t (owned) */
	EVP_MD_CTX *hash; /* owned; reused for every digest */
};

static void entry_free(gw_hlink_t *link, void *arg)
{
	(void)arg;
	free(container_of(link, memo_entry_t, link));
}

int sig_verify_memo_new(sig_verify_memo_t **out)
{
	sig_verify_memo_t *memo = calloc(1, sizeof(*memo));

	*out = NULL;
	if (memo == NULL)
		return GW_ENOMEM;
	memo->hash = EVP_MD_CTX_new();
	if (memo->hash == NULL || gw_htab_init(&memo->set, 0) != GW_OK) {
		sig_verify_memo_free(memo);
		return GW_ENOMEM;
	}
	*out = memo;
	return GW_OK;
}

void sig_verify_memo_free(sig_verify_memo_t *memo)
{
	if (memo == NULL)
		return;
	gw_htab_drain(&memo->set, entry_free, NULL);
	gw_htab_deinit(&memo->set);
	EVP_MD_CTX_free(memo->hash);
	free(memo);
}

size_t sig_verify_memo_count(const sig_verify_memo_t *memo)
{
	return memo->set.count;
}

int sig_verify_memo_digest(sig_verify_memo_t *memo, const uint8_t *dnskey, size_t dnskey_len,
                           const uint8_t *data, size_t data_len, const uint8_t *sig, size_t sig_len,
                           uint8_t digest[SIG_VERIFY_DIGEST_LEN])
{
	unsigned int len = 0;
	uint8_t lens[6] = {(uint8_t)(dnskey_len >> 8), (uint8_t)dnskey_len,
	                   (uint8_t)(data_len >> 8),   (uint8_t)data_len,
	                   (uint8_t)(sig_len >> 8),    (uint8_t)sig_len};

	/* The lengths first, so that no two triples hash the same bytes. */
	if (EVP_DigestInit_ex(memo->hash, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(memo->hash, lens, sizeof(lens)) != 1 ||
	    EVP_DigestUpdate(memo->hash, dnskey, dnskey_len) != 1 ||
	    EVP_DigestUpdate(memo->hash, data, data_len) != 1 ||
	    EVP_DigestUpdate(memo->hash, sig, sig_len) != 1 ||
	    EVP_DigestFinal_ex(memo->hash, digest, &len) != 1 || len != SIG_VERIFY_DIGEST_LEN)
		return GW_ECRYPTO;
	return GW_OK;
}

static uint32_t digest_hash(const uint8_t *digest)
{
	return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 |
	       digest[3];
}

bool sig_verify_memo_has(const sig_verify_memo_t *memo, const uint8_t *digest)
{
	uint32_t hash = digest_hash(digest);

	for (gw_hlink_t *h = gw_htab_chain(&memo->set, hash); h != NULL; h = h->next) {
		const memo_entry_t *e = container_of(h, memo_entry_t, link);
		if (h->hash == hash && memcmp(e->digest, digest, SIG_VERIFY_DIGEST_LEN) == 0)
			return true;
	}
	return false;
}

int sig_verify_memo_add(sig_verify_memo_t *memo, const uint8_t *digest)
{
	memo_entry_t *e;

	if (memo->set.count >= SIG_VERIFY_MEMO_MAX)
		gw_htab_drain(&memo->set, entry_free, NULL);
	e = malloc(sizeof(*e));
	if (e == NULL)
		return GW_ENOMEM;
	memcpy(e->digest, digest, SIG_VERIFY_DIGEST_LEN);
	int ret = gw_htab_insert(&memo->set, &e->link, digest_hash(digest));
	if (ret != GW_OK)
		free(e);
	return ret;
}
