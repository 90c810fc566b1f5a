#include "gateway/query/rrl.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/error.h"
#include "common/log.h"
#include "common/word.h"
#include "common/addr.h"

/* Tokens are counted in thousandths, so that a bucket refills by `rate`
 * per millisecond with integer arithmetic and nothing is lost to
 * rounding however closely responses follow each other. */
#define MILLI 1000u

/* A bucket untouched this long has refilled completely: it remembers
 * nothing a fresh one would not, so another key may take it. */
#define STALE_MS 1000u

/* Buckets looked at for a key: its own slot and the next ones. Four
 * 24-octet buckets are one or two cache lines. */
#define WINDOW 4

/* At most one log line a second. */
#define LOG_INTERVAL_MS 1000u

typedef struct bucket {
	uint64_t key;      /* hash of the key; 0: never used */
	uint64_t stamp_ms; /* when the tokens were last brought up to date */
	uint32_t tokens;   /* thousandths of a response */
	uint32_t limited;  /* responses limited in this bucket, for the slip count */
} bucket_t;

struct gw_rrl {
	bucket_t *table; /* owned: mask + 1 buckets */
	size_t mask;
	uint64_t seed[2];
	uint32_t rate; /* also the refill in thousandths per millisecond */
	uint32_t slip;
	uint8_t prefix4, prefix6;
	uint64_t mask4[2], mask6[2]; /* network bits of the padded address */
	const gw_acl_t *whitelist;   /* borrowed */
	gw_rrl_stats_t stats;

	/* The log line: responses limited since the last one. */
	uint64_t log_ms;
	bool logged;
	uint64_t log_dropped, log_slipped;
};

static const char *const g_class_names[GW_RRL_CLASSES] = {
    [GW_RRL_POSITIVE] = "positive", [GW_RRL_NODATA] = "nodata", [GW_RRL_NXDOMAIN] = "nxdomain",
    [GW_RRL_REFERRAL] = "referral", [GW_RRL_ERROR] = "error",
};

const char *gw_rrl_class_str(gw_rrl_class_t cls)
{
	return (unsigned)cls < GW_RRL_CLASSES ? g_class_names[cls] : "?";
}

void gw_rrl_opts_default(gw_rrl_opts_t *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->rate = GW_RRL_DEFAULT_RATE;
	opts->slip = GW_RRL_DEFAULT_SLIP;
	opts->ipv4_prefix = GW_RRL_DEFAULT_IPV4_PREFIX;
	opts->ipv6_prefix = GW_RRL_DEFAULT_IPV6_PREFIX;
	opts->table_size = GW_RRL_DEFAULT_TABLE_SIZE;
}

static int check_opts(const gw_rrl_opts_t *o)
{
	if (o->rate < 1 || o->rate > GW_RRL_RATE_MAX) {
		gw_err("rate-limit: rate %" PRIu32
		       " is out of range; use 1 to %u responses a second",
		       o->rate, GW_RRL_RATE_MAX);
		return GW_EINVAL;
	}
	if (o->slip > GW_RRL_SLIP_MAX) {
		gw_err("rate-limit: slip %" PRIu32 " is out of range; use 0 (drop all) to %u",
		       o->slip, GW_RRL_SLIP_MAX);
		return GW_EINVAL;
	}
	if (o->ipv4_prefix < 1 || o->ipv4_prefix > 32 || o->ipv6_prefix < 1 ||
	    o->ipv6_prefix > 128) {
		gw_err("rate-limit: prefix lengths %u (IPv4) and %u (IPv6) must be 1..32 and "
		       "1..128",
		       o->ipv4_prefix, o->ipv6_prefix);
		return GW_EINVAL;
	}
	if (o->table_size < GW_RRL_TABLE_SIZE_MIN || o->table_size > GW_RRL_TABLE_SIZE_MAX) {
		gw_err("rate-limit: table size %" PRIu32 " is out of range; use %u to %u buckets",
		       o->table_size, GW_RRL_TABLE_SIZE_MIN, GW_RRL_TABLE_SIZE_MAX);
		return GW_EINVAL;
	}
	return GW_OK;
}

/* The network part of a prefix of the given length, as two masks over
 * the address padded to 16 octets. */
static void prefix_mask(uint64_t mask[2], unsigned bits)
{
	uint8_t m[16] = {0};
	for (unsigned i = 0; i < bits; i++)
		m[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	mask[0] = gw_load64le(m);
	mask[1] = gw_load64le(m + 8);
}

void gw_rrl_free(gw_rrl_t *rrl)
{
	if (rrl == NULL)
		return;
	free(rrl->table);
	free(rrl);
}

int gw_rrl_new(gw_rrl_t **out, const gw_rrl_opts_t *opts)
{
	int ret = check_opts(opts);
	gw_rrl_t *rrl = NULL;

	if (ret != GW_OK)
		goto out;
	ret = GW_ENOMEM;
	rrl = calloc(1, sizeof(*rrl));
	if (rrl == NULL)
		goto out;
	size_t size = GW_RRL_TABLE_SIZE_MIN;
	while (size < opts->table_size)
		size <<= 1;
	rrl->table = calloc(size, sizeof(*rrl->table));
	if (rrl->table == NULL)
		goto out;
	rrl->mask = size - 1;
	if (RAND_bytes((unsigned char *)rrl->seed, sizeof(rrl->seed)) != 1) {
		gw_err("rate-limit: no random seed for the bucket hash");
		ret = GW_ECRYPTO;
		goto out;
	}
	rrl->rate = opts->rate;
	rrl->slip = opts->slip;
	rrl->prefix4 = opts->ipv4_prefix;
	rrl->prefix6 = opts->ipv6_prefix;
	prefix_mask(rrl->mask4, rrl->prefix4);
	prefix_mask(rrl->mask6, rrl->prefix6);
	rrl->whitelist = opts->whitelist;
	*out = rrl;
	rrl = NULL;
	ret = GW_OK;
out:
	gw_rrl_free(rrl);
	return ret;
}

void gw_rrl_stats(const gw_rrl_t *rrl, gw_rrl_stats_t *out)
{
	*out = rrl->stats;
}

/* ---- the bucket of a key -------------------------------------------------- */

/* Multiply and fold: every input bit reaches the high bits through the
 * multiplication, the shift brings them down to the bits the table
 * index uses. */
static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* Hash of the name, letter case folded, a word at a time; the last word
 * overlaps the one before rather than reading past the end. */
static uint64_t hash_name(uint64_t h, const uint8_t *name, size_t len)
{
	if (len < 8) {
		uint64_t w = 0;
		for (size_t i = 0; i < len; i++)
			w |= (uint64_t)gw_lower8(name[i]) << (8 * i);
		return mix(h, w);
	}
	for (size_t i = 0;; i += 8) {
		if (i + 8 > len)
			i = len - 8;
		h = mix(h, gw_lower64(gw_load64le(name + i)));
		if (i + 8 == len)
			return h;
	}
}

/* prefix: the client address, 4 or 16 octets (alen), padded with zeros
 * to 16 and cut to the network part here. */
static uint64_t key_hash(const gw_rrl_t *rrl, uint8_t prefix[16], size_t alen,
                         const gw_rrl_key_t *key)
{
	const uint64_t *mask = alen == 4 ? rrl->mask4 : rrl->mask6;
	uint64_t a0 = gw_load64le(prefix) & mask[0];
	uint64_t a1 = gw_load64le(prefix + 8) & mask[1];
	gw_store64le(prefix, a0); /* for the log line */
	gw_store64le(prefix + 8, a1);
	uint64_t h = mix(mix(rrl->seed[0], a0), a1);
	bool named = key->cls != GW_RRL_ERROR && key->name != NULL;
	uint16_t qtype = key->cls == GW_RRL_POSITIVE ? key->qtype : 0;
	h = mix(h, (uint64_t)alen | (uint64_t)key->cls << 8 | (uint64_t)qtype << 16 |
	               (uint64_t)(named ? key->name_len : 0) << 32);
	if (named)
		h = hash_name(h, key->name, key->name_len);
	h = mix(h, rrl->seed[1]);
	return h != 0 ? h : 1; /* 0 marks an unused bucket */
}

/* The bucket of key h: its own if it is in the window, else the first
 * unused or stale one there (made fresh), else the home slot, shared. */
static bucket_t *find_bucket(gw_rrl_t *rrl, uint64_t h, uint64_t now_ms)
{
	size_t home = (size_t)h & rrl->mask;
	bucket_t *free_b = NULL;
	for (size_t k = 0; k < WINDOW; k++) {
		bucket_t *b = &rrl->table[(home + k) & rrl->mask];
		if (b->key == h)
			return b;
		if (free_b == NULL &&
		    (b->key == 0 || now_ms - b->stamp_ms >= STALE_MS || now_ms < b->stamp_ms))
			free_b = b;
	}
	if (free_b == NULL) {
		rrl->stats.shared++;
		return &rrl->table[home];
	}
	free_b->key = h;
	free_b->stamp_ms = now_ms;
	free_b->tokens = rrl->rate * MILLI;
	free_b->limited = 0;
	return free_b;
}

static void refill(const gw_rrl_t *rrl, bucket_t *b, uint64_t now_ms)
{
	if (now_ms <= b->stamp_ms)
		return;
	uint64_t elapsed = now_ms - b->stamp_ms;
	uint64_t cap = (uint64_t)rrl->rate * MILLI;
	uint64_t t = elapsed >= STALE_MS ? cap : b->tokens + elapsed * rrl->rate;
	b->tokens = (uint32_t)(t < cap ? t : cap);
	b->stamp_ms = now_ms;
}

/* ---- the log line --------------------------------------------------------- */

/* Count a limited response for the log line, and write the line when the
 * last one is a second old; it names the prefix limited just now. */
static void log_limited(gw_rrl_t *rrl, const uint8_t *prefix, size_t alen, gw_rrl_class_t cls,
                        gw_rrl_action_t action, uint64_t now_ms)
{
	if (action == GW_RRL_SLIP)
		rrl->log_slipped++;
	else
		rrl->log_dropped++;
	if (rrl->logged && now_ms - rrl->log_ms < LOG_INTERVAL_MS)
		return;
	char text[INET6_ADDRSTRLEN];
	if (inet_ntop(alen == 4 ? AF_INET : AF_INET6, prefix, text, sizeof(text)) == NULL)
		snprintf(text, sizeof(text), "?");
	gw_notice("rate-limit: limiting %s responses to %s/%u; %" PRIu64 " dropped, %" PRIu64
	          " truncated since the last such line",
	          gw_rrl_class_str(cls), text, alen == 4 ? rrl->prefix4 : rrl->prefix6,
	          rrl->log_dropped, rrl->log_slipped);
	rrl->logged = true;
	rrl->log_ms = now_ms;
	rrl->log_dropped = 0;
	rrl->log_slipped = 0;
}

/* ---- the hot path --------------------------------------------------------- */

gw_rrl_action_t gw_rrl_check(gw_rrl_t *rrl, const struct sockaddr *client, const gw_rrl_key_t *key,
                             uint64_t now_ms)
{
	uint8_t prefix[16] = {0};
	size_t alen = gw_client_addr(client, prefix);
	if (alen == 0) {
		rrl->stats.passed++;
		return GW_RRL_PASS;
	}
	if (rrl->whitelist != NULL && gw_acl_match(rrl->whitelist, client)) {
		rrl->stats.passed++;
		rrl->stats.whitelisted++;
		return GW_RRL_PASS;
	}
	bucket_t *b = find_bucket(rrl, key_hash(rrl, prefix, alen, key), now_ms);
	refill(rrl, b, now_ms);
	if (b->tokens >= MILLI) {
		b->tokens -= MILLI;
		rrl->stats.passed++;
		return GW_RRL_PASS;
	}
	b->limited++;
	gw_rrl_action_t action = GW_RRL_DROP;
	if (rrl->slip > 0 && b->limited % rrl->slip == 0)
		action = GW_RRL_SLIP;
	if (action == GW_RRL_SLIP)
		rrl->stats.slipped++;
	else
		rrl->stats.dropped++;
	log_limited(rrl, prefix, alen, key->cls, action, now_ms);
	return action;
}
