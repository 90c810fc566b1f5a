/* dnssec/roll_timing.c, keyroll.c, keyroll_zone.c: the RFC 7583
 * intervals, the rollover state machine with its state file (a reload
 * from disk after every step stands for a kill -9), the CDS/CDNSKEY
 * content, and whole rollovers on a fake clock where, after every tick,
 * every combination of DS, DNSKEY and data RRsets a resolver could hold
 * under the TTLs still validates. */
#include <ftw.h>
#include <limits.h>

#include "common/dns.h"
#include "sign_fixture.h"

/* ---- timing: RFC 7583 worked by hand ------------------------------------ */

static void test_timing(void)
{
	sig_roll_intervals_t iv;
	/* RFC 7583 3.2.1 (ZSK pre-publish) with TTLkey = 3600 s (the DNSKEY
	 * RRset), Dprp = 300 s (five minutes to the last secondary), a zone
	 * whose largest TTL (TTLsig) is one day and a re-signing delay Dsgn
	 * of 0 (the signer re-signs the whole zone in one commit):
	 *   Ipub = Dprp + TTLkey          = 300 + 3600          = 3900
	 *   Iret = Dsgn + Dprp + TTLsig   = 0 + 300 + 86400     = 86700
	 *   removal wait = Dprp + TTLkey  = 3900
	 * RFC 7583 3.3.2 (double-DS) with the parent's DS TTL of one day and
	 * its propagation delay of one hour:
	 *   Dprp(P) + TTLds = 3600 + 86400 = 90000 */
	sig_roll_inputs_t in = {.dnskey_ttl = 3600,
	                        .max_zone_ttl = 86400,
	                        .propagation_delay = 300,
	                        .parent_ds_ttl = 86400,
	                        .parent_propagation = 3600};
	sig_roll_intervals(&in, &iv);
	CU_ASSERT_EQUAL(iv.publish, 3900);
	CU_ASSERT_EQUAL(iv.publish_sep, 3900);
	CU_ASSERT_EQUAL(iv.retire_sigs, 86700);
	CU_ASSERT_EQUAL(iv.parent, 90000);
	CU_ASSERT_EQUAL(iv.remove, 3900);

	/* A signer that needs Dsgn = 2 hours to go through the zone (RFC 7583
	 * 3.2.1's Dsgn): Iret = 7200 + 300 + 86400 = 93900. */
	in.sign_delay = 7200;
	sig_roll_intervals(&in, &iv);
	CU_ASSERT_EQUAL(iv.retire_sigs, 93900);

	/* RFC 5011 2.4.1: a new KSK must be seen for the add hold-down (30
	 * days = 2592000 s) before resolvers trust it; it reaches the last
	 * resolver Dprp after publication, so the KSK waits
	 *   Dprp + hold-down = 300 + 2592000 = 2592300
	 * instead of 3900, and the ZSK's Ipub does not change. */
	in.hold_down = 30 * 86400;
	sig_roll_intervals(&in, &iv);
	CU_ASSERT_EQUAL(iv.publish_sep, 2592300);
	CU_ASSERT_EQUAL(iv.publish, 3900);
	/* The old KSK stays revoked as long (RFC 5011 2.4.2's remove
	 * hold-down is no longer than the add hold-down): 2592300. */
	CU_ASSERT_EQUAL(iv.revoke, 2592300);

	/* A hold-down shorter than Ipub does not shorten it, nor the
	 * revocation below the removal wait (Dprp + TTLkey = 3900). */
	in.hold_down = 60;
	sig_roll_intervals(&in, &iv);
	CU_ASSERT_EQUAL(iv.publish_sep, 3900);
	CU_ASSERT_EQUAL(iv.revoke, 3900);
	/* No RFC 5011: no revocation step. */
	in.hold_down = 0;
	sig_roll_intervals(&in, &iv);
	CU_ASSERT_EQUAL(iv.revoke, 0);

	/* Largest inputs: 64-bit sums, no wrap. */
	sig_roll_inputs_t big = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX,
	                         UINT32_MAX, UINT32_MAX, 0};
	sig_roll_intervals(&big, &iv);
	CU_ASSERT_EQUAL(iv.retire_sigs, 3ULL * UINT32_MAX);
	CU_ASSERT_EQUAL(iv.parent, 2ULL * UINT32_MAX);
}

/* ---- a store in a temporary directory ------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

typedef struct {
	char dir[64];
	char state[PATH_MAX];
	uint8_t apex[ZONE_NAME_MAXLEN];
	sig_key_policy_t policy;
	sig_keystore_t *ks;
} store_t;

static void store_open(store_t *s)
{
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&s->ks, s->state, s->apex, &s->policy), GW_OK);
}

/* kill -9 and restart: everything in memory goes, the store is read back. */
static void store_reload(store_t *s)
{
	sig_keystore_free(s->ks);
	s->ks = NULL;
	store_open(s);
}

static void store_init_alg(store_t *s, bool split, uint8_t alg)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/gw-roll-XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(s->dir) != NULL);
	snprintf(s->state, sizeof(s->state), "%s/state", s->dir);
	tname(s->apex, APEX);
	s->policy = (sig_key_policy_t){.algorithm = alg, .split = split, .rsa_bits = 2048};
	store_open(s);
}

static void store_init(store_t *s, bool split)
{
	store_init_alg(s, split, SIG_ALG_ECDSAP256SHA256);
}

/* Start kind (to_alg for an algorithm rollover). */
static int start(sig_keystore_t *ks, sig_roll_kind_t kind, uint8_t to_alg, int64_t now)
{
	return kind == SIG_ROLL_ALG ? sig_keystore_roll_start_alg(ks, to_alg, now)
	                            : sig_keystore_roll_start(ks, kind, now);
}

static void store_done(store_t *s)
{
	sig_keystore_free(s->ks);
	nftw(s->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* The tag of key without its REVOKE bit (RFC 5011): the tag less 128 is
 * off by one when the bit carries in the sum (RFC 4034 B). */
static uint16_t tag_unrevoked(const sig_key_t *key)
{
	uint16_t tag = sig_key_tag(key);
	if (sig_key_flags(key) & SIG_FLAGS_REVOKE)
		CU_ASSERT_EQUAL_FATAL(sig_key_flipped_tag(key, &tag), GW_OK);
	return tag;
}

/* The USE of the key with tag, or -1 when the store has none. */
static int use_of(const sig_keystore_t *ks, uint16_t tag)
{
	size_t n = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &n);
	for (size_t i = 0; i < n; i++)
		if (tag_unrevoked(keys[i]) == tag)
			return sig_keystore_key_use(ks, i);
	return -1;
}

static const sig_roll_intervals_t g_iv = {
    .publish = 100, .publish_sep = 150, .retire_sigs = 200, .parent = 300, .remove = 400};

#define P SIG_USE_PUBLISH
#define S SIG_USE_SIGN
#define K SIG_USE_KEYSET
#define D SIG_USE_DS

typedef struct {
	sig_roll_step_t step;
	int old_use, new_use; /* -1: key gone */
	uint64_t wait;        /* 0: waits for the DS */
} expect_t;

/* Walk one rollover of kind through every step: nothing moves before its
 * time, each step is in the state file (a reload shows it), and a reload
 * before a due step neither skips nor repeats it. */
static void walk_iv(bool split, sig_roll_kind_t kind, const expect_t *ex, size_t n,
                    const sig_roll_intervals_t *iv)
{
	const uint8_t to_alg = SIG_ALG_ED25519;
	store_t s;
	store_init(&s, split);
	int64_t now = 1700000000;
	bool changed = false;
	int64_t next = 0;

	/* No rollover: nothing to do. */
	CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, iv, now, &changed, &next), GW_OK);
	CU_ASSERT_FALSE(changed);
	CU_ASSERT_EQUAL(next, 0);
	CU_ASSERT_EQUAL(sig_keystore_ds_seen(s.ks, now), GW_EINVAL);

	CU_ASSERT_EQUAL_FATAL(start(s.ks, kind, to_alg, now), GW_OK);
	CU_ASSERT_EQUAL(start(s.ks, kind, to_alg, now), GW_EBUSY);
	store_reload(&s);
	sig_roll_info_t info;
	sig_keystore_roll_info(s.ks, iv, &info);
	CU_ASSERT_EQUAL_FATAL(info.kind, kind);
	uint16_t old_tag = info.old_tag, new_tag = info.new_tag;
	CU_ASSERT_NOT_EQUAL(old_tag, new_tag);

	for (size_t i = 0; i < n; i++) {
		sig_keystore_roll_info(s.ks, iv, &info);
		CU_ASSERT_EQUAL(info.kind, kind);
		CU_ASSERT_EQUAL(info.step, ex[i].step);
		CU_ASSERT_EQUAL(info.since, now);
		CU_ASSERT_EQUAL(use_of(s.ks, old_tag), ex[i].old_use);
		CU_ASSERT_EQUAL(use_of(s.ks, new_tag), ex[i].new_use);
		if (ex[i].wait == 0) {
			CU_ASSERT_EQUAL(info.next, 0);
			/* Waiting for the parent: time alone does not move it. */
			CU_ASSERT_EQUAL(
			    sig_keystore_roll_advance(s.ks, iv, now + 1000000, &changed, &next),
			    GW_OK);
			CU_ASSERT_FALSE(changed);
			now += 7;
			CU_ASSERT_EQUAL(sig_keystore_ds_seen(s.ks, now), GW_OK);
			store_reload(&s);
			continue;
		}
		CU_ASSERT_EQUAL(info.next, now + (int64_t)ex[i].wait);
		/* One second early: no step. */
		CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, iv, info.next - 1, &changed, &next),
		                GW_OK);
		CU_ASSERT_FALSE(changed);
		CU_ASSERT_EQUAL(next, info.next);
		/* Killed just before the step: after the restart it comes once. */
		store_reload(&s);
		CU_ASSERT_EQUAL(use_of(s.ks, new_tag), ex[i].new_use);
		now = info.next;
		CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, iv, now, &changed, &next), GW_OK);
		CU_ASSERT_TRUE(changed);
		/* And again at the same time: nothing more (the next step has
		 * its own wait). */
		CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, iv, now, &changed, &next), GW_OK);
		CU_ASSERT_FALSE(changed);
		store_reload(&s);
	}
	sig_keystore_roll_info(s.ks, iv, &info);
	CU_ASSERT_EQUAL(info.kind, SIG_ROLL_NONE);
	CU_ASSERT_EQUAL(use_of(s.ks, old_tag), -1);
	CU_ASSERT_EQUAL(use_of(s.ks, new_tag), kind == SIG_ROLL_ZSK ? (P | S) : (P | S | D));
	/* The retired key's file is gone, the new one's is there. */
	const char *role =
	    kind == SIG_ROLL_ALG ? (split ? "ksk" : "csk") : sig_roll_kind_name(kind);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/keys/%u-13-%s.pem", s.state, old_tag, role);
	CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/keys/%u-%u-%s.pem", s.state, new_tag,
	         kind == SIG_ROLL_ALG ? (unsigned)to_alg : 13u, role);
	CU_ASSERT_EQUAL(access(path, F_OK), 0);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(s.ks, &count);
	CU_ASSERT_EQUAL(count, split ? 2 : 1);
	for (size_t i = 0; i < count; i++)
		CU_ASSERT_EQUAL(sig_key_algorithm(keys[i]), kind == SIG_ROLL_ALG ? to_alg : 13);
	/* A second rollover may start now. */
	CU_ASSERT_EQUAL(start(s.ks, kind, SIG_ALG_ECDSAP256SHA256, now), GW_OK);
	store_done(&s);
}

static void walk(bool split, sig_roll_kind_t kind, const expect_t *ex, size_t n)
{
	walk_iv(split, kind, ex, n, &g_iv);
}

static void test_machine_zsk(void)
{
	const expect_t ex[] = {
	    {SIG_STEP_PUBLISH, P | S, P, 100},
	    {SIG_STEP_ACTIVE, P, P | S, 200},
	    {SIG_STEP_RETIRE, 0, P | S, 400},
	};
	walk(true, SIG_ROLL_ZSK, ex, 3);
}

static void test_machine_ksk(void)
{
	const expect_t ex[] = {
	    {SIG_STEP_PUBLISH, P | S | D, P | S, 150},
	    {SIG_STEP_DS_WAIT, P | S | D, P | S | D, 0},
	    {SIG_STEP_DS_SEEN, P | S | D, P | S | D, 300},
	    {SIG_STEP_RETIRE, 0, P | S | D, 400},
	};
	walk(true, SIG_ROLL_KSK, ex, 4);
}

static void test_machine_csk(void)
{
	const expect_t ex[] = {
	    {SIG_STEP_PUBLISH, P | S | D, P | K, 150},
	    {SIG_STEP_DS_WAIT, P | S | D, P | K | D, 0},
	    {SIG_STEP_DS_SEEN, P | S | D, P | K | D, 300},
	    {SIG_STEP_ACTIVE, P | D, P | S | D, 200},
	    {SIG_STEP_RETIRE, 0, P | S | D, 400},
	};
	walk(false, SIG_ROLL_CSK, ex, 5);
}

/* RFC 5011: the old KSK is revoked (published with the REVOKE bit and
 * signing the keyset) for the revoke interval before it goes. */
static void test_machine_rfc5011(void)
{
	sig_roll_intervals_t iv = g_iv;
	iv.revoke = 500;
	const expect_t ex[] = {
	    {SIG_STEP_PUBLISH, P | S | D, P | S, 150},
	    {SIG_STEP_DS_WAIT, P | S | D, P | S | D, 0},
	    {SIG_STEP_DS_SEEN, P | S | D, P | S | D, 300},
	    {SIG_STEP_REVOKE, P | S | SIG_USE_REVOKED, P | S | D, 500},
	    {SIG_STEP_RETIRE, 0, P | S | D, 400},
	};
	walk_iv(true, SIG_ROLL_KSK, ex, 5, &iv);
	const expect_t exc[] = {
	    {SIG_STEP_PUBLISH, P | S | D, P | K, 150},
	    {SIG_STEP_DS_WAIT, P | S | D, P | K | D, 0},
	    {SIG_STEP_DS_SEEN, P | S | D, P | K | D, 300},
	    {SIG_STEP_ACTIVE, P | D, P | S | D, 200},
	    {SIG_STEP_REVOKE, P | K | SIG_USE_REVOKED, P | S | D, 500},
	    {SIG_STEP_RETIRE, 0, P | S | D, 400},
	};
	walk_iv(false, SIG_ROLL_CSK, exc, 6, &iv);
}

/* The revoke step cannot be written (keys/state stands in the way of its
 * rename): the step is not taken, and the old KSK stays in memory as it
 * was, not in its revoked form, whose tag no published DNSKEY has. Once
 * it can be written, the step comes. */
static void test_revoke_not_written(void)
{
	sig_roll_intervals_t iv = g_iv;
	iv.revoke = 500;
	store_t s;
	store_init(&s, true);
	int64_t now = 1700000000;
	bool changed = false;
	int64_t next = 0;
	sig_roll_info_t info;
	CU_ASSERT_EQUAL_FATAL(start(s.ks, SIG_ROLL_KSK, 0, now), GW_OK);
	sig_keystore_roll_info(s.ks, &iv, &info);
	uint16_t old_tag = info.old_tag;
	now = info.next; /* publish -> ds-wait */
	CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, &iv, now, &changed, &next), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_ds_seen(s.ks, now), GW_OK);
	sig_keystore_roll_info(s.ks, &iv, &info);
	CU_ASSERT_EQUAL_FATAL(info.step, SIG_STEP_DS_SEEN);
	now = info.next;

	char path[PATH_MAX + 16], inner[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/keys/state", s.state);
	snprintf(inner, sizeof(inner), "%s/x", path);
	FILE *fp = fopen(path, "r");
	CU_ASSERT_FATAL(fp != NULL);
	char text[8192];
	size_t len = fread(text, 1, sizeof(text), fp);
	fclose(fp);
	CU_ASSERT_FATAL(len > 0 && len < sizeof(text));
	CU_ASSERT_FATAL(unlink(path) == 0 && mkdir(path, 0700) == 0 && mkdir(inner, 0700) == 0);
	CU_ASSERT_NOT_EQUAL(sig_keystore_roll_advance(s.ks, &iv, now, &changed, &next), GW_OK);
	CU_ASSERT_FALSE(changed);
	sig_keystore_roll_info(s.ks, &iv, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_DS_SEEN);
	CU_ASSERT_EQUAL(use_of(s.ks, old_tag), P | S | D);
	size_t n = 0;
	sig_key_t *const *keys = sig_keystore_keys(s.ks, &n);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_FALSE(sig_key_flags(keys[i]) & SIG_FLAGS_REVOKE);

	CU_ASSERT_FATAL(rmdir(inner) == 0 && rmdir(path) == 0);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT(fwrite(text, 1, len, fp) == len);
	CU_ASSERT(fclose(fp) == 0);
	CU_ASSERT(chmod(path, 0600) == 0);
	CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, &iv, now, &changed, &next), GW_OK);
	CU_ASSERT_TRUE(changed);
	sig_keystore_roll_info(s.ks, &iv, &info);
	CU_ASSERT_EQUAL(info.step, SIG_STEP_REVOKE);
	CU_ASSERT_EQUAL(use_of(s.ks, old_tag), P | S | SIG_USE_REVOKED);
	store_done(&s);
}

static void test_machine_alg(void)
{
	/* The SEP key's use (the ZSKs follow the ZSK columns of g_alg). */
	const expect_t ex[] = {
	    {SIG_STEP_SIGN, P | S | D, S, 200},      {SIG_STEP_PUBLISH, P | S | D, P | S, 150},
	    {SIG_STEP_DS_WAIT, P | S, P | S | D, 0}, {SIG_STEP_DS_SEEN, P | S, P | S | D, 300},
	    {SIG_STEP_RETIRE, S, P | S | D, 400},
	};
	walk(true, SIG_ROLL_ALG, ex, 5);
	walk(false, SIG_ROLL_ALG, ex, 5);
}

static void test_machine_errors(void)
{
	store_t s;
	store_init(&s, false);
	/* A CSK zone has no ZSK or KSK to roll. */
	CU_ASSERT_EQUAL(sig_keystore_roll_start(s.ks, SIG_ROLL_ZSK, 1), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_keystore_roll_start(s.ks, SIG_ROLL_KSK, 1), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_keystore_roll_start(s.ks, SIG_ROLL_NONE, 1), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_keystore_roll_start(s.ks, SIG_ROLL_ALG, 1), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_keystore_roll_start_alg(s.ks, SIG_ALG_ECDSAP256SHA256, 1), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_keystore_roll_start_alg(s.ks, 14, 1), GW_EINVAL);
	size_t n = 0;
	sig_keystore_keys(s.ks, &n);
	CU_ASSERT_EQUAL(n, 1);
	sig_roll_kind_t kind;
	CU_ASSERT_EQUAL(sig_roll_kind_parse("KSK", &kind), GW_OK);
	CU_ASSERT_EQUAL(kind, SIG_ROLL_KSK);
	CU_ASSERT_EQUAL(sig_roll_kind_parse("none", &kind), GW_EINVAL);

	/* A version 1 state file (before rollovers) still loads, with the
	 * keys doing what their role says. */
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/keys/state", s.state);
	FILE *fp = fopen(path, "r");
	CU_ASSERT_FATAL(fp != NULL);
	char text[4096];
	size_t len = fread(text, 1, sizeof(text) - 1, fp);
	fclose(fp);
	text[len] = '\0';
	char *key = strstr(text, "\nkey ");
	CU_ASSERT_FATAL(key != NULL);
	char *eol = strchr(key + 1, '\n');
	CU_ASSERT_FATAL(eol != NULL && eol - key > 4);
	/* Drop the USE column (" PSD") and say version 1. */
	char *sp = eol;
	while (sp > key && *sp != ' ')
		sp--;
	char v1[4096];
	snprintf(v1, sizeof(v1), "dnssd-gateway-keys 1\nzone " APEX "\n%.*s\n", (int)(sp - key - 1),
	         key + 1);
	fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(v1, fp);
	fclose(fp);
	store_reload(&s);
	CU_ASSERT_EQUAL(sig_keystore_key_use(s.ks, 0), P | S | D);
	store_done(&s);
}

/* ---- CDS / CDNSKEY --------------------------------------------------------- */

/* "TYPE rdata" of every CDS and CDNSKEY the store asks for, sorted. */
static void cds_text(const sig_keystore_t *ks, char *out, size_t len)
{
	ldns_rr_list *list = ldns_rr_list_new();
	CU_ASSERT_FATAL(sig_keystore_apex_rrs(ks, 60, list) == GW_OK);
	ldns_rr_list_sort(list);
	out[0] = '\0';
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_CDS && t != LDNS_RR_TYPE_CDNSKEY)
			continue;
		size_t used = strlen(out);
		if (t == LDNS_RR_TYPE_CDS)
			snprintf(out + used, len - used, "CDS %u %u %u;",
			         ldns_rdf2native_int16(ldns_rr_rdf(rr, 0)),
			         ldns_rdf2native_int8(ldns_rr_rdf(rr, 1)),
			         ldns_rdf2native_int8(ldns_rr_rdf(rr, 2)));
		else {
			/* ldns computes tags of DNSKEY RRs only. */
			ldns_rr *as_key = ldns_rr_clone(rr);
			ldns_rr_set_type(as_key, LDNS_RR_TYPE_DNSKEY);
			snprintf(out + used, len - used, "CDNSKEY %u;", ldns_calc_keytag(as_key));
			ldns_rr_free(as_key);
		}
	}
	ldns_rr_list_deep_free(list);
}

static int count_char(const char *s, char c)
{
	int n = 0;
	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

static void test_cds(void)
{
	store_t s;
	store_init(&s, true);
	char got[512], want[512];
	size_t n = 0;
	sig_key_t *const *keys = sig_keystore_keys(s.ks, &n);
	uint16_t ksk = sig_key_tag(keys[sig_key_role(keys[0]) == SIG_ROLE_KSK ? 0 : 1]);

	/* The KSK's, never the ZSK's. */
	cds_text(s.ks, got, sizeof(got));
	snprintf(want, sizeof(want), "CDS %u 13 2;CDNSKEY %u;", ksk, ksk);
	CU_ASSERT_STRING_EQUAL(got, want);

	CU_ASSERT_EQUAL_FATAL(sig_keystore_roll_start(s.ks, SIG_ROLL_KSK, 1000), GW_OK);
	sig_roll_info_t info;
	sig_keystore_roll_info(s.ks, &g_iv, &info);
	/* publish: the new key is not at the parent yet. */
	cds_text(s.ks, got, sizeof(got));
	CU_ASSERT_STRING_EQUAL(got, want);
	bool changed;
	int64_t next;
	CU_ASSERT_EQUAL(sig_keystore_roll_advance(s.ks, &g_iv, 1150, &changed, &next), GW_OK);
	/* ds-wait: both. */
	cds_text(s.ks, got, sizeof(got));
	char both[512];
	CU_ASSERT_PTR_NOT_NULL(strstr(got, "CDNSKEY"));
	snprintf(both, sizeof(both), "CDS %u 13 2;", ksk);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, both));
	snprintf(both, sizeof(both), "CDS %u 13 2;", info.new_tag);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, both));
	CU_ASSERT_EQUAL(count_char(got, ';'), 4);

	/* Go insecure: the RFC 8078 DELETE pair and nothing else, kept across
	 * a restart. */
	CU_ASSERT_EQUAL(sig_keystore_set_insecure(s.ks, true), GW_OK);
	store_reload(&s);
	CU_ASSERT_TRUE(sig_keystore_insecure(s.ks));
	ldns_rr_list *list = ldns_rr_list_new();
	CU_ASSERT_FATAL(sig_keystore_apex_rrs(s.ks, 60, list) == GW_OK);
	int deletes = 0, others = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		if (t != LDNS_RR_TYPE_CDS && t != LDNS_RR_TYPE_CDNSKEY)
			continue;
		char *all = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
		if (t == LDNS_RR_TYPE_CDS && strstr(all, "CDS\t0 0 0 00") != NULL)
			deletes++;
		else if (t == LDNS_RR_TYPE_CDNSKEY && strstr(all, "CDNSKEY\t0 3 0 AA==") != NULL)
			deletes++;
		else
			others++;
		free(all);
	}
	ldns_rr_list_deep_free(list);
	CU_ASSERT_EQUAL(deletes, 2);
	CU_ASSERT_EQUAL(others, 0);
	CU_ASSERT_EQUAL(sig_keystore_set_insecure(s.ks, false), GW_OK);
	cds_text(s.ks, got, sizeof(got));
	CU_ASSERT_EQUAL(count_char(got, ';'), 4);
	store_done(&s);
}

/* ---- whole rollovers against a model of every resolver's cache ---------- */

#define T_KEY  60  /* DNSKEY TTL */
#define T_MAX  120 /* the zone's largest TTL */
#define T_PRP  5   /* propagation delay to secondaries */
#define T_DS   100 /* the parent's DS TTL */
#define T_PPRP 5   /* the parent's propagation delay */
#define T_TICK 5

/* One version of an RRset as served from from until to (INT64_MAX: still
 * served), with its RRSIGs. */
typedef struct {
	int64_t from, to;
	ldns_rr_list *rrs, *sigs;
	char *text;
} ver_t;

typedef struct {
	ver_t v[64];
	size_t n;
	int64_t hold; /* a cache may hold a version this long after it was last served */
} hist_t;

static void hist_free(hist_t *h)
{
	for (size_t i = 0; i < h->n; i++) {
		ldns_rr_list_deep_free(h->v[i].rrs);
		ldns_rr_list_deep_free(h->v[i].sigs);
		free(h->v[i].text);
	}
	h->n = 0;
}

static char *list_text(const ldns_rr_list *a, const ldns_rr_list *b)
{
	char *x = ldns_rr_list2str(a);
	char *y = b != NULL ? ldns_rr_list2str(b) : strdup("");
	size_t len = strlen(x) + strlen(y) + 2;
	char *all = malloc(len);
	snprintf(all, len, "%s|%s", x, y);
	free(x);
	free(y);
	return all;
}

/* Takes rrs and sigs. */
static void hist_record(hist_t *h, int64_t t, ldns_rr_list *rrs, ldns_rr_list *sigs)
{
	ldns_rr_list_sort(rrs);
	ldns_rr_list_sort(sigs);
	char *text = list_text(rrs, sigs);
	if (h->n > 0 && strcmp(h->v[h->n - 1].text, text) == 0) {
		free(text);
		ldns_rr_list_deep_free(rrs);
		ldns_rr_list_deep_free(sigs);
		return;
	}
	CU_ASSERT_FATAL(h->n < 64);
	if (h->n > 0)
		h->v[h->n - 1].to = t;
	h->v[h->n++] = (ver_t){.from = t, .to = INT64_MAX, .rrs = rrs, .sigs = sigs, .text = text};
}

static bool holdable(const hist_t *h, size_t i, int64_t t)
{
	return h->v[i].from <= t && (h->v[i].to == INT64_MAX || h->v[i].to + h->hold > t);
}

/* The RRset of type at owner and its RRSIGs, from the zone. */
static void snap(const zone_t *zone, const char *owner, uint16_t type, ldns_rr_list **rrs,
                 ldns_rr_list **sigs)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(name, owner));
	const zone_rrset_t *set = node != NULL ? zone_node_rrset(node, type) : NULL;
	*rrs = ldns_rr_list_new();
	*sigs = ldns_rr_list_new();
	if (set == NULL)
		return;
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	while (zone_rrset_next(set, &pos, &rd, &rdlen)) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, set, rd, rdlen) == GW_OK);
		ldns_rr_list_push_rr(*rrs, rr);
	}
	zone_rrset_t sigset = {.type = DNS_T_RRSIG,
	                       .ttl = set->ttl,
	                       .rdata = set->sigs,
	                       .rdata_len = set->sigs_len,
	                       .count = set->sig_count};
	pos = 0;
	while (zone_rrset_next(&sigset, &pos, &rd, &rdlen)) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, &sigset, rd, rdlen) == GW_OK);
		ldns_rr_list_push_rr(*sigs, rr);
	}
}

static bool some_sig_verifies(ldns_rr_list *rrs, const ldns_rr_list *sigs, ldns_rr *key, int64_t t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++)
		if (ldns_verify_rrsig_time(rrs, ldns_rr_list_rr(sigs, i), key, (time_t)t) ==
		    LDNS_STATUS_OK)
			return true;
	return false;
}

/* Does some key of alg (0: any) in keys sign rrs with one of sigs? */
static bool signed_by(const ver_t *keys, ver_t *data, uint8_t alg, int64_t t)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(keys->rrs); i++) {
		ldns_rr *k = ldns_rr_list_rr(keys->rrs, i);
		if (alg != 0 && ldns_rdf2native_int8(ldns_rr_rdf(k, 2)) != alg)
			continue;
		if (some_sig_verifies(data->rrs, data->sigs, k, t))
			return true;
	}
	return false;
}

/* What a validator does with this DS RRset (from the parent), this DNSKEY
 * RRset and this data RRset, all of which it may hold at t. Strictly: the
 * data must be signed with every algorithm the DS RRset names (Unbound's
 * harden-algo-downgrade), which an algorithm rollover done in the wrong
 * order fails. */
static bool validates(const ver_t *ds, const ver_t *key, ver_t *data, int64_t t)
{
	bool trusted = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(key->rrs) && !trusted; i++) {
		ldns_rr *k = ldns_rr_list_rr(key->rrs, i);
		bool named = false;
		for (size_t j = 0; j < ldns_rr_list_rr_count(ds->rrs); j++)
			named = named || ldns_rr_compare_ds(ldns_rr_list_rr(ds->rrs, j), k);
		trusted = named && some_sig_verifies(key->rrs, key->sigs, k, t);
	}
	if (!trusted)
		return false;
	for (size_t j = 0; j < ldns_rr_list_rr_count(ds->rrs); j++) {
		uint8_t alg = ldns_rdf2native_int8(ldns_rr_rdf(ldns_rr_list_rr(ds->rrs, j), 1));
		if (!signed_by(key, data, alg, t))
			return false;
	}
	return signed_by(key, data, 0, t);
}

typedef struct {
	store_t s;
	zone_t *zone;
	sig_roll_intervals_t iv;
	hist_t ds, key, data, apex; /* apex: the SOA, signed by the ZSK side too */
	ldns_rr_list *parent;       /* the DS RRset the parent serves */
	uint32_t serial;
	size_t failures;
	size_t checks;
} run_t;

static const char *const g_roll_zone[] = {
    APEX " 60 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 60",
    APEX " 60 IN NS ns1." APEX,
    "ns1." APEX " 60 IN A 192.0.2.53",
    "www." APEX " 120 IN A 192.0.2.80",
    NULL,
};

static sig_signer_t run_signer(run_t *r, sig_key_t **keys, bool *keyset_only, size_t *n)
{
	*n = sig_keystore_signing_keys(r->s.ks, keys, keyset_only, 16);
	sig_signer_t signer = make_signer(r->zone, keys, *n);
	signer.keyset_only = keyset_only;
	return signer;
}

/* The zone follows the store: apex records, then whatever needs signing
 * again, as zonemgr does. */
static void run_apply(run_t *r, int64_t now)
{
	sig_key_t *keys[16];
	bool keyset_only[16];
	size_t n;
	sig_signer_t signer = run_signer(r, keys, keyset_only, &n);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_keystore_apex_changes(r->s.ks, r->zone, T_KEY, &cs) == GW_OK);
	CU_ASSERT_FATAL(
	    sig_zone_commit(&signer, r->zone, &cs, (time_t)now, ++r->serial, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_zone_refresh(&signer, r->zone, (time_t)now, 1, 0, ++r->serial, NULL,
	                                 NULL) == GW_OK);
	r->serial = serial_of(r->zone);
	/* Every signing key signs everything it must: only when no key signs
	 * the keyset alone, which sig_verify_zone() does not know of. */
	bool plain = true;
	for (size_t i = 0; i < n; i++)
		plain = plain && !keyset_only[i];
	/* Nor while a key signs unpublished (an algorithm rollover). */
	size_t all = 0;
	sig_keystore_keys(r->s.ks, &all);
	for (size_t i = 0; i < all; i++) {
		uint8_t use = sig_keystore_key_use(r->s.ks, i);
		plain = plain && (!(use & SIG_USE_SIGN) || (use & SIG_USE_PUBLISH));
	}
	if (plain)
		CU_ASSERT(verifies(r->zone, keys, n, (time_t)now));
}

/* The registrar of RFC 8078: the parent's DS becomes the child's CDS. */
static void run_registrar(run_t *r, int64_t now)
{
	ldns_rr_list *cds, *sigs;
	snap(r->zone, APEX, DNS_T_CDS, &cds, &sigs);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_list *ds = ldns_rr_list_new();
	for (size_t i = 0; i < ldns_rr_list_rr_count(cds); i++) {
		ldns_rr *rr = ldns_rr_clone(ldns_rr_list_rr(cds, i));
		ldns_rr_set_type(rr, LDNS_RR_TYPE_DS);
		ldns_rr_set_ttl(rr, T_DS);
		ldns_rr_list_push_rr(ds, rr);
	}
	ldns_rr_list_deep_free(cds);
	if (ldns_rr_list_rr_count(ds) == 0) {
		ldns_rr_list_deep_free(ds);
		return;
	}
	hist_record(&r->ds, now, ldns_rr_list_clone(ds), ldns_rr_list_new());
	if (r->parent != NULL)
		ldns_rr_list_deep_free(r->parent);
	r->parent = ds;
}

/* The zone publishes a revoked DNSKEY (flags 385) that signs the DNSKEY
 * RRset itself (RFC 5011 2.1). */
static int revoked_self_signed(run_t *r)
{
	ldns_rr_list *rrs, *sigs;
	snap(r->zone, APEX, DNS_T_DNSKEY, &rrs, &sigs);
	int found = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *k = ldns_rr_list_rr(rrs, i);
		if (ldns_rdf2native_int16(ldns_rr_rdf(k, 0)) != 385)
			continue;
		CU_ASSERT_TRUE(some_sig_verifies(rrs, sigs, k, (int64_t)time(NULL)));
		found++;
	}
	CU_ASSERT_EQUAL(found, 1);
	ldns_rr_list_deep_free(rrs);
	ldns_rr_list_deep_free(sigs);
	return found;
}

static bool parent_has(const run_t *r, uint16_t tag)
{
	for (size_t i = 0; r->parent != NULL && i < ldns_rr_list_rr_count(r->parent); i++)
		if (ldns_rdf2native_int16(ldns_rr_rdf(ldns_rr_list_rr(r->parent, i), 0)) == tag)
			return true;
	return false;
}

/* Record what is served at now and check every combination a resolver
 * could hold. */
static void run_check(run_t *r, int64_t now)
{
	ldns_rr_list *rrs, *sigs;
	snap(r->zone, APEX, DNS_T_DNSKEY, &rrs, &sigs);
	hist_record(&r->key, now, rrs, sigs);
	snap(r->zone, "www." APEX, DNS_T_A, &rrs, &sigs);
	hist_record(&r->data, now, rrs, sigs);
	snap(r->zone, APEX, DNS_T_SOA, &rrs, &sigs);
	hist_record(&r->apex, now, rrs, sigs);
	for (size_t d = 0; d < r->ds.n; d++) {
		if (!holdable(&r->ds, d, now))
			continue;
		for (size_t k = 0; k < r->key.n; k++) {
			if (!holdable(&r->key, k, now))
				continue;
			hist_t *datas[] = {&r->data, &r->apex};
			for (size_t h = 0; h < 2; h++) {
				for (size_t x = 0; x < datas[h]->n; x++) {
					if (!holdable(datas[h], x, now))
						continue;
					r->checks++;
					if (validates(&r->ds.v[d], &r->key.v[k], &datas[h]->v[x],
					              now))
						continue;
					r->failures++;
					fprintf(stderr,
					        "\n  t=%lld: bogus with DS v%zu, DNSKEY v%zu, %s "
					        "v%zu\n",
					        (long long)now, d, k, h ? "SOA" : "www A", x);
				}
			}
		}
	}
}

/* A signed zone on a new store, served (and checked) at now, with the
 * registrar's DS in the parent. */
/* RFC 5011 hold-down of the next run (0: none). */
static uint32_t g_hold_down;

static void run_setup(run_t *r, bool split, uint8_t alg, int64_t now)
{
	memset(r, 0, sizeof(*r));
	store_init_alg(&r->s, split, alg);
	sig_roll_inputs_t in = {.dnskey_ttl = T_KEY,
	                        .max_zone_ttl = T_MAX,
	                        .propagation_delay = T_PRP,
	                        .parent_ds_ttl = T_DS,
	                        .parent_propagation = T_PPRP,
	                        .hold_down = g_hold_down};
	sig_roll_intervals(&in, &r->iv);
	r->ds.hold = T_DS + T_PPRP;
	r->key.hold = T_KEY + T_PRP;
	r->data.hold = r->apex.hold = T_MAX + T_PRP;
	r->zone = tzone(APEX, g_roll_zone);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(sig_keystore_apex_changes(r->s.ks, r->zone, T_KEY, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(r->zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	sig_key_t *keys[16];
	bool keyset_only[16];
	size_t n;
	sig_signer_t signer = run_signer(r, keys, keyset_only, &n);
	sign_all(&signer, r->zone, (time_t)now, 1);
	r->serial = serial_of(r->zone);
	run_registrar(r, now);
	run_check(r, now);
}

static void run_done(run_t *r)
{
	hist_free(&r->ds);
	hist_free(&r->key);
	hist_free(&r->data);
	hist_free(&r->apex);
	ldns_rr_list_deep_free(r->parent);
	zone_free(r->zone);
	store_done(&r->s);
}

static void run_rollover(bool split, sig_roll_kind_t kind, uint8_t from_alg, uint8_t to_alg)
{
	run_t r;
	/* Real time, so that ldns-verify-zone (which checks signatures at
	 * the real clock) accepts every step: the rollover spans less than
	 * the signatures' inception offset. */
	int64_t now = (int64_t)time(NULL);
	run_setup(&r, split, from_alg, now);

	CU_ASSERT_EQUAL_FATAL(start(r.s.ks, kind, to_alg, now), GW_OK);
	run_apply(&r, now);
	run_check(&r, now);
	sig_roll_info_t info;
	sig_keystore_roll_info(r.s.ks, &r.iv, &info);
	uint16_t new_tag = info.new_tag;
	int steps = 1;
	int revoked_seen = 0;
	int64_t end = now + 3000;
	for (now += T_TICK; now < end; now += T_TICK) {
		bool changed = false;
		int64_t next = 0;
		CU_ASSERT_FATAL(sig_keystore_roll_advance(r.s.ks, &r.iv, now, &changed, &next) ==
		                GW_OK);
		sig_keystore_roll_info(r.s.ks, &r.iv, &info);
		/* The operator confirms once the registrar has put the DS in. */
		if (info.kind != SIG_ROLL_NONE && info.step == SIG_STEP_DS_WAIT &&
		    parent_has(&r, new_tag)) {
			CU_ASSERT_EQUAL(sig_keystore_ds_seen(r.s.ks, now), GW_OK);
			changed = true;
		}
		if (changed) {
			steps++;
			/* kill -9 right after the step was written. */
			store_reload(&r.s);
			run_apply(&r, now);
			CU_ASSERT_EQUAL(ldns_verify_zone_file(r.zone), 0);
		}
		if (info.kind != SIG_ROLL_NONE && info.step == SIG_STEP_REVOKE)
			revoked_seen += revoked_self_signed(&r);
		run_registrar(&r, now);
		run_check(&r, now);
		if (info.kind == SIG_ROLL_NONE)
			break;
	}
	CU_ASSERT_EQUAL(info.kind, SIG_ROLL_NONE);
	int want_steps = kind == SIG_ROLL_ZSK ? 4 : (kind == SIG_ROLL_KSK ? 5 : 6);
	if (g_hold_down > 0 && (kind == SIG_ROLL_KSK || kind == SIG_ROLL_CSK))
		want_steps++;
	CU_ASSERT_EQUAL(steps, want_steps);
	CU_ASSERT_TRUE(g_hold_down == 0 || kind == SIG_ROLL_ZSK || revoked_seen > 0);
	size_t count = 0;
	sig_key_t *const *left = sig_keystore_keys(r.s.ks, &count);
	CU_ASSERT_EQUAL(count, split ? 2 : 1);
	for (size_t i = 0; i < count; i++)
		CU_ASSERT_EQUAL(sig_key_algorithm(left[i]),
		                kind == SIG_ROLL_ALG ? to_alg : from_alg);
	CU_ASSERT_EQUAL(r.failures, 0);
	CU_ASSERT(r.checks > 100);
	/* Caches drain: keep checking until no old version can be held. */
	for (int64_t stop = now + T_MAX + T_DS + 2 * T_PRP; now < stop; now += T_TICK) {
		run_registrar(&r, now);
		run_check(&r, now);
	}
	CU_ASSERT_EQUAL(r.failures, 0);
	/* Only the new key is at the parent and in the trust anchor file. */
	CU_ASSERT_TRUE(kind == SIG_ROLL_ZSK || parent_has(&r, new_tag));
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(r.parent), 1);
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(r.s.ks, T_DS), GW_OK);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/trust-anchor.ds", r.s.state);
	FILE *fp = fopen(path, "r");
	CU_ASSERT_FATAL(fp != NULL);
	char text[2048];
	size_t len = fread(text, 1, sizeof(text) - 1, fp);
	text[len] = '\0';
	fclose(fp);
	ldns_rr *only = ldns_rr_list_rr(r.parent, 0);
	char tag[16];
	snprintf(tag, sizeof(tag), "DS\t%u ", ldns_rdf2native_int16(ldns_rr_rdf(only, 0)));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, tag));
	fprintf(stderr, " [%zu combinations checked] ", r.checks);
	run_done(&r);
}

#define ECDSA SIG_ALG_ECDSAP256SHA256

static void test_roll_zsk(void)
{
	run_rollover(true, SIG_ROLL_ZSK, ECDSA, ECDSA);
}

static void test_roll_ksk(void)
{
	run_rollover(true, SIG_ROLL_KSK, ECDSA, ECDSA);
}

static void test_roll_csk(void)
{
	run_rollover(false, SIG_ROLL_CSK, ECDSA, ECDSA);
}

/* RFC 5011: a hold-down of 30 s lengthens the publish step and adds the
 * revoke step; the checker still finds nothing bogus. */
static void test_roll_ksk_rfc5011(void)
{
	g_hold_down = 30;
	run_rollover(true, SIG_ROLL_KSK, ECDSA, ECDSA);
	run_rollover(false, SIG_ROLL_CSK, ECDSA, ECDSA);
	g_hold_down = 0;
}

/* RFC 6781 4.1.4 with the examples of the issue: RSA to ECDSA (a KSK and
 * a ZSK), ECDSA to Ed25519 (a CSK). */
static void test_roll_alg_rsa_ecdsa(void)
{
	run_rollover(true, SIG_ROLL_ALG, SIG_ALG_RSASHA256, ECDSA);
}

static void test_roll_alg_ecdsa_ed25519(void)
{
	run_rollover(false, SIG_ROLL_ALG, ECDSA, SIG_ALG_ED25519);
}

/* The checker itself: retiring the old KSK without waiting for the DS
 * (a rollover done wrong) must be caught. */
static void test_checker_catches(void)
{
	run_t r;
	int64_t now = (int64_t)time(NULL);
	run_setup(&r, false, SIG_ALG_ECDSAP256SHA256, now);
	CU_ASSERT_EQUAL(r.failures, 0);
	/* A brand-new store's key replaces the old at once: the cached DS
	 * names a key that is gone. */
	store_t other;
	store_init(&other, false);
	sig_keystore_t *mine = r.s.ks;
	r.s.ks = other.ks;
	run_apply(&r, now + T_TICK);
	run_check(&r, now + T_TICK);
	CU_ASSERT(r.failures > 0);
	r.s.ks = mine;
	store_done(&other);
	run_done(&r);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "dnssec rollover",
	    (gw_test_t[]){
	        {"timing (RFC 7583)", test_timing},
	        {"machine zsk", test_machine_zsk},
	        {"machine ksk", test_machine_ksk},
	        {"machine csk", test_machine_csk},
	        {"machine algorithm", test_machine_alg},
	        {"machine rfc5011", test_machine_rfc5011},
	        {"machine rfc5011, the revoke step not written", test_revoke_not_written},
	        {"machine errors", test_machine_errors},
	        {"cds", test_cds},
	        {"checker catches", test_checker_catches},
	        {"zsk rollover", test_roll_zsk},
	        {"ksk rollover", test_roll_ksk},
	        {"csk rollover", test_roll_csk},
	        {"ksk and csk rollover, rfc5011", test_roll_ksk_rfc5011},
	        {"algorithm rollover rsa to ecdsa", test_roll_alg_rsa_ecdsa},
	        {"algorithm rollover ecdsa to ed25519", test_roll_alg_ecdsa_ed25519},
	        {NULL, NULL},
	    });
}
