/* dnssec/roll_timing.c, keyroll.c, keyroll_zone.c: the RFC 7583
 * intervals, the rollover state machine with its state file (a reload
 * from disk after every step stands for a kill -9), and the CDS/CDNSKEY
 * content. Whole rollovers against a model of every resolver's cache:
 * test_dnssec_roll_check.c. */
#include "common/dns.h"
#include "roll_store.h"

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
		/* The steps that wait for the new keys' signatures. */
		CU_ASSERT_EQUAL(sig_keystore_roll_signs_anew(s.ks),
		                ex[i].step == SIG_STEP_ACTIVE || ex[i].step == SIG_STEP_SIGN);
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

int gw_test_register(void)
{
	return gw_test_suite("dnssec rollover", (gw_test_t[]){
	                                            {"timing (RFC 7583)", test_timing},
	                                            {"machine zsk", test_machine_zsk},
	                                            {"machine ksk", test_machine_ksk},
	                                            {"machine csk", test_machine_csk},
	                                            {"machine algorithm", test_machine_alg},
	                                            {"machine rfc5011", test_machine_rfc5011},
	                                            {"machine rfc5011, the revoke step not written",
	                                             test_revoke_not_written},
	                                            {"machine errors", test_machine_errors},
	                                            {"cds", test_cds},
	                                            {NULL, NULL},
	                                        });
}
