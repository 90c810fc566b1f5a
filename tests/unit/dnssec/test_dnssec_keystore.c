/* dnssec/keystore.c: the key store (CSK or KSK/ZSK, crashes, lost
 * state, import) and its DS and trust anchor files. */
#include "dnssec/keystore_internal.h"
#include "keys_fixture.h"
#include "log_capture.h"

/* ---- a key generator the tests can steer ------------------------------------- */

/* This program links with -Wl,--wrap=sig_key_generate
 * (tests/CMakeLists.txt): the store's calls come here. By default a key
 * is made as usual; a test can have the next calls hand out copies of a
 * key file instead (a key the store already has, or one whose file name
 * is taken), or fail, to walk sig_ks_generate()'s retries. */
int __real_sig_key_generate(sig_key_t **out, uint8_t alg, sig_role_t role, const uint8_t *apex,
                            int rsa_bits);
int __wrap_sig_key_generate(sig_key_t **out, uint8_t alg, sig_role_t role, const uint8_t *apex,
                            int rsa_bits);

static struct {
	unsigned calls;        /* calls so far */
	unsigned copies;       /* the next this many calls load copy_path */
	const char *copy_path; /* borrowed */
	uint8_t copy_alg;
	sig_role_t copy_role;
	int fail; /* a project code the next call returns; GW_OK: none */
} g_keygen;

int __wrap_sig_key_generate(sig_key_t **out, uint8_t alg, sig_role_t role, const uint8_t *apex,
                            int rsa_bits)
{
	g_keygen.calls++;
	if (g_keygen.fail != GW_OK) {
		int ret = g_keygen.fail;
		g_keygen.fail = GW_OK;
		return ret;
	}
	if (g_keygen.copies > 0) {
		g_keygen.copies--;
		return sig_key_load_pem(out, g_keygen.copy_path, g_keygen.copy_alg,
		                        g_keygen.copy_role, apex);
	}
	return __real_sig_key_generate(out, alg, role, apex, rsa_bits);
}

/* The next copies calls hand out the key of path (alg, role). */
static void keygen_copies(unsigned copies, const char *path, uint8_t alg, sig_role_t role)
{
	g_keygen.calls = 0;
	g_keygen.copies = copies;
	g_keygen.copy_path = path;
	g_keygen.copy_alg = alg;
	g_keygen.copy_role = role;
}

/* ---- key store --------------------------------------------------------------- */

/* Tags of the store's keys, in order, as "t1,t2,". */
static void store_tags(const sig_keystore_t *ks, char *buf, size_t len)
{
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%u/%d/%u,", sig_key_tag(keys[i]),
		         (int)sig_key_role(keys[i]), sig_key_algorithm(keys[i]));
	}
}

static void key_file(char *buf, size_t len, const char *state, const sig_key_t *key)
{
	static const char *const roles[] = {"csk", "ksk", "zsk"};
	int n = snprintf(buf, len, "%s/keys/%u-%u-%s.pem", state, sig_key_tag(key),
	                 sig_key_algorithm(key), roles[sig_key_role(key)]);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < len);
}

static void test_keystore_csk(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024], tags[256], tags2[256];
	join(state, sizeof(state), dir, "state"); /* created by the store */
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);

	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	CU_ASSERT_EQUAL(sig_key_role(keys[0]), SIG_ROLE_CSK);
	CU_ASSERT_EQUAL(sig_key_algorithm(keys[0]), SIG_ALG_ECDSAP256SHA256);
	CU_ASSERT_EQUAL(sig_key_flags(keys[0]), 257);
	CU_ASSERT_EQUAL(file_mode(state), 0700);
	join(path, sizeof(path), state, "keys");
	CU_ASSERT_EQUAL(file_mode(path), 0700);
	key_file(path, sizeof(path), state, keys[0]);
	CU_ASSERT_EQUAL(file_mode(path), 0600);
	join(path, sizeof(path), state, "keys/state");
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT(strncmp(text, "dnssd-gateway-keys 2\n", 21) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nzone example.\n"));
	free(text);
	store_tags(ks, tags, sizeof(tags));

	/* A second store on the same directory is refused while this one
	 * is open. */
	sig_keystore_t *busy = NULL;
	CU_ASSERT_EQUAL(sig_keystore_open(&busy, state, g_apex, &p), GW_EBUSY);
	CU_ASSERT_PTR_NULL(busy);
	sig_keystore_free(ks);
	ks = NULL;

	/* Second start: the same keys, nothing new on disk. */
	char before[65536] = "", after[65536] = "";
	snapshot_dir(state, before, sizeof(before));
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags2, sizeof(tags2));
	CU_ASSERT_STRING_EQUAL(tags, tags2);
	snapshot_dir(state, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(before, after);
	sig_keystore_free(ks);
	ks = NULL;

	/* Another algorithm in the configuration: the keys stay. */
	sig_key_policy_t p15 = policy(SIG_ALG_ED25519, true);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p15), GW_OK);
	store_tags(ks, tags2, sizeof(tags2));
	CU_ASSERT_STRING_EQUAL(tags, tags2);
	sig_keystore_free(ks);
	ks = NULL;

	/* The keys of this store are not used for another zone. */
	static const uint8_t other[] = "\x05"
	                               "other";
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, other, &p), GW_EKEY);
	CU_ASSERT_PTR_NULL(ks);
	sig_keystore_free(NULL);
	rm_tree(dir);
}

static void test_keystore_split(void)
{
	char *dir = make_tmpdir();
	char tags[256], tags2[256];
	for (size_t a = 0; a < sizeof(g_algs); a++) {
		char state[1024];
		snprintf(state, sizeof(state), "%s/s%zu", dir, a);
		sig_key_policy_t p = policy(g_algs[a], true);
		sig_keystore_t *ks = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
		size_t count = 0;
		sig_key_t *const *keys = sig_keystore_keys(ks, &count);
		CU_ASSERT_EQUAL_FATAL(count, 2);
		CU_ASSERT_EQUAL(sig_key_role(keys[0]), SIG_ROLE_KSK);
		CU_ASSERT_EQUAL(sig_key_flags(keys[0]), 257);
		CU_ASSERT_EQUAL(sig_key_role(keys[1]), SIG_ROLE_ZSK);
		CU_ASSERT_EQUAL(sig_key_flags(keys[1]), 256);
		CU_ASSERT_NOT_EQUAL(sig_key_tag(keys[0]), sig_key_tag(keys[1]));
		for (size_t i = 0; i < count; i++) {
			CU_ASSERT_EQUAL(sig_key_algorithm(keys[i]), g_algs[a]);
			char path[1024];
			key_file(path, sizeof(path), state, keys[i]);
			CU_ASSERT_EQUAL(file_mode(path), 0600);
		}
		store_tags(ks, tags, sizeof(tags));
		sig_keystore_free(ks);
		ks = NULL;

		CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
		store_tags(ks, tags2, sizeof(tags2));
		CU_ASSERT_STRING_EQUAL(tags, tags2);
		/* Loaded keys sign for the DNSKEYs they had. */
		keys = sig_keystore_keys(ks, &count);
		for (size_t i = 0; i < count; i++) {
			ldns_rr *dnskey = NULL;
			CU_ASSERT_EQUAL_FATAL(sig_key_dnskey_rr(keys[i], 3600, &dnskey), GW_OK);
			assert_signs(keys[i], dnskey);
			ldns_rr_free(dnskey);
		}
		sig_keystore_free(ks);
		ks = NULL;
	}
	rm_tree(dir);
}

static void test_keystore_missing_key(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, true);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_FATAL(count == 2);
	key_file(path, sizeof(path), state, keys[1]);
	sig_keystore_free(ks);
	ks = NULL;

	CU_ASSERT_FATAL(unlink(path) == 0);
	char before[65536] = "", after[65536] = "";
	snapshot_dir(state, before, sizeof(before));
	for (int attempt = 0; attempt < 2; attempt++) {
		CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
		CU_ASSERT_PTR_NULL(ks);
	}
	/* Nothing regenerated, nothing rewritten. */
	CU_ASSERT_FALSE(exists(path));
	after[0] = '\0';
	snapshot_dir(state, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(before, after);

	/* A key file that others can read is refused too, and left alone. */
	sig_key_policy_t csk = policy(SIG_ALG_ED25519, false);
	char state2[1024];
	join(state2, sizeof(state2), dir, "state2");
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_OK);
	keys = sig_keystore_keys(ks, &count);
	key_file(path, sizeof(path), state2, keys[0]);
	sig_keystore_free(ks);
	ks = NULL;
	CU_ASSERT_FATAL(chmod(path, 0644) == 0);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_EPERM);
	CU_ASSERT_EQUAL(file_mode(path), 0644);

	/* A key file grown past 64 KiB: the PEM reader would take it whole
	 * (the key, then anything), so it is refused by its size. Cut back,
	 * it loads. */
	CU_ASSERT_FATAL(chmod(path, 0600) == 0);
	struct stat st;
	CU_ASSERT_FATAL(stat(path, &st) == 0);
	FILE *fp = fopen(path, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	for (int i = 0; i < 1100; i++)
		fprintf(fp, "%063d\n", i);
	CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_EKEY);
	CU_ASSERT_PTR_NULL(ks);
	CU_ASSERT_FATAL(truncate(path, st.st_size) == 0);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;

	/* A key file that holds another key than the state lists. */
	sig_key_t *stranger = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&stranger, 15, SIG_ROLE_CSK, g_apex, 0), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_key_save_pem(stranger, path), GW_OK);
	sig_key_free(stranger);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_EKEY);
	rm_tree(dir);
}

static void test_keystore_crash(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024], tags[256], tags2[256];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ED25519, true);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags, sizeof(tags));
	sig_keystore_free(ks);
	ks = NULL;

	/* A crash while rewriting the state or a key leaves temporary files:
	 * they are never read (one holds garbage) and they are cleaned up. */
	char tmp_state[1024], tmp_key[1024];
	join(tmp_state, sizeof(tmp_state), state, "keys/.state.tmp.Ab12Cd");
	write_text(tmp_state, "dnssd-gateway-keys 1\nzone exa", 0600);
	join(tmp_key, sizeof(tmp_key), state, "keys/.1-15-zsk.pem.tmp.xYz789");
	write_text(tmp_key, "-----BEGIN PRIV", 0600);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags2, sizeof(tags2));
	CU_ASSERT_STRING_EQUAL(tags, tags2);
	CU_ASSERT_FALSE(exists(tmp_state));
	CU_ASSERT_FALSE(exists(tmp_key));
	sig_keystore_free(ks);
	ks = NULL;

	/* A crash on first start after the key files but before the state
	 * file: the next start makes a complete new set. Such a start leaves
	 * keys/pending naming its key files (written before them). */
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	char pending[4096] = "", old_files[2][1024];
	size_t old_count = 0;
	sig_key_t *const *old_keys = sig_keystore_keys(ks, &old_count);
	CU_ASSERT_FATAL(old_count == 2);
	for (size_t i = 0; i < old_count; i++) {
		key_file(old_files[i], sizeof(old_files[i]), state, old_keys[i]);
		strcat(pending, strrchr(old_files[i], '/') + 1);
		strcat(pending, "\n");
	}
	sig_keystore_free(ks);
	ks = NULL;
	join(path, sizeof(path), state, "keys/pending");
	write_text(path, pending, 0600);
	join(path, sizeof(path), state, "keys/state");
	CU_ASSERT_FATAL(unlink(path) == 0);
	/* A line longer than any name the list holds is no name: its last
	 * piece (here a file beside the list) was taken for one and removed.
	 * Left, that file is a key of an earlier store to the start, which
	 * then makes no keys; without it the start goes on. */
	char bystander[1024], long_line[4096 + 300];
	join(bystander, sizeof(bystander), state, "keys/K1-bystander.pem");
	write_text(bystander, "not a key of the list", 0600);
	snprintf(long_line, sizeof(long_line), "%s%0255dK1-bystander.pem\n", pending, 0);
	join(path, sizeof(path), state, "keys/pending");
	write_text(path, long_line, 0600);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
	CU_ASSERT_PTR_NULL(ks);
	CU_ASSERT_TRUE(exists(bystander));
	CU_ASSERT_EQUAL(unlink(bystander), 0);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	for (size_t i = 0; i < old_count; i++)
		CU_ASSERT_FALSE(exists(old_files[i]));
	join(path, sizeof(path), state, "keys/pending");
	CU_ASSERT_FALSE(exists(path));
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL(count, 2);
	store_tags(ks, tags2, sizeof(tags2));
	CU_ASSERT_STRING_NOT_EQUAL(tags, tags2);
	for (size_t i = 0; i < count; i++) {
		key_file(path, sizeof(path), state, keys[i]);
		CU_ASSERT(exists(path));
	}
	sig_keystore_free(ks);
	ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags, sizeof(tags));
	CU_ASSERT_STRING_EQUAL(tags, tags2);
	sig_keystore_free(ks);
	ks = NULL;
	rm_tree(dir);
}

/* The key state lost beside the keys of an earlier store (a restore that
 * missed a file, a hand edit), or only the DS files left: never new keys
 * without being told, since the parent's DS names the old ones. */
static void test_keystore_lost_state(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024], tags[256], tags2[256];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ED25519, false);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_publish_ds(ks, 3600), GW_OK);
	store_tags(ks, tags, sizeof(tags));
	/* The first start's pending list outlived a crash between the state
	 * file and its removal: its keys are committed, and the DS written.
	 * They stay with the state lost (they used to be removed as those of
	 * an unfinished start, before the refusal that said they stay). */
	char pending[4096] = "", kf[1024];
	size_t kcount = 0;
	sig_key_t *const *kk = sig_keystore_keys(ks, &kcount);
	for (size_t i = 0; i < kcount; i++) {
		key_file(kf, sizeof(kf), state, kk[i]);
		strcat(pending, strrchr(kf, '/') + 1);
		strcat(pending, "\n");
	}
	join(path, sizeof(path), state, "keys/pending");
	write_text(path, pending, 0600);
	sig_keystore_free(ks);
	ks = NULL;

	join(path, sizeof(path), state, "keys/state");
	CU_ASSERT_FATAL(unlink(path) == 0);
	char before[65536] = "", after[65536] = "";
	snapshot_dir(state, before, sizeof(before));
	for (int attempt = 0; attempt < 2; attempt++) {
		CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
		CU_ASSERT_PTR_NULL(ks);
	}
	snapshot_dir(state, after, sizeof(after));
	CU_ASSERT_STRING_EQUAL(before, after);

	/* The key files gone too, the DS and trust anchors still there. */
	char keys[1024];
	join(keys, sizeof(keys), state, "keys");
	rm_tree(strdup(keys));
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
	CU_ASSERT_PTR_NULL(ks);
	join(path, sizeof(path), state, "ds");
	CU_ASSERT(exists(path));

	/* Told to: a new chain of trust, with new keys. */
	p.new_keys = true;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags2, sizeof(tags2));
	CU_ASSERT_STRING_NOT_EQUAL(tags, tags2);
	sig_keystore_free(ks);
	ks = NULL;
	/* And the next start loads them, without the flag. */
	p.new_keys = false;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	store_tags(ks, tags, sizeof(tags));
	CU_ASSERT_STRING_EQUAL(tags, tags2);
	sig_keystore_free(ks);
	rm_tree(dir);
}

static void test_keystore_import(void)
{
	char *dir = make_tmpdir();
	char src_dir[1024], state[1024], key_path[1024], priv_path[1024];
	join(src_dir, sizeof(src_dir), dir, "bind");
	CU_ASSERT_FATAL(mkdir(src_dir, 0700) == 0);

	/* One KSK (flags 257) as the CSK, keeping its tag, so the parent's DS
	 * stays valid. */
	const fixture_t *ksk = &g_fixtures[0]; /* ECDSA, 257 */
	stage_pair(src_dir, ksk, key_path, priv_path, sizeof(key_path));
	const char *import[] = {key_path};
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	p.import = import;
	p.import_count = 1;
	join(state, sizeof(state), dir, "state");
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	CU_ASSERT_EQUAL(sig_key_tag(keys[0]), ksk->tag);
	CU_ASSERT_EQUAL(sig_key_role(keys[0]), SIG_ROLE_CSK);
	sig_keystore_free(ks);
	ks = NULL;
	/* Later starts need only our copy. */
	unlink(key_path);
	unlink(priv_path);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	CU_ASSERT_EQUAL(sig_key_tag(keys[0]), ksk->tag);
	sig_keystore_free(ks);
	ks = NULL;

	/* A KSK and a ZSK of one algorithm, as a split pair. */
	const fixture_t *ed_zsk = &g_fixtures[1]; /* Ed25519, 256 */
	const fixture_t *ed_ksk = &g_fixtures[3]; /* Ed25519, 257 */
	char zsk_key[1024], zsk_priv[1024];
	stage_pair(src_dir, ed_zsk, zsk_key, zsk_priv, sizeof(zsk_key));
	stage_pair(src_dir, ed_ksk, key_path, priv_path, sizeof(key_path));
	const char *pair[] = {key_path, zsk_key};
	sig_key_policy_t ps = policy(SIG_ALG_ED25519, true);
	ps.import = pair;
	ps.import_count = 2;
	join(state, sizeof(state), dir, "state-split");
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &ps), GW_OK);
	keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_EQUAL(sig_key_tag(keys[0]), ed_ksk->tag);
	CU_ASSERT_EQUAL(sig_key_role(keys[0]), SIG_ROLE_KSK);
	CU_ASSERT_EQUAL(sig_key_tag(keys[1]), ed_zsk->tag);
	CU_ASSERT_EQUAL(sig_key_role(keys[1]), SIG_ROLE_ZSK);
	sig_keystore_free(ks);
	ks = NULL;

	/* A ZSK with policy csk is a configuration error, and the store stays
	 * empty so that a corrected retry works. */
	sig_key_policy_t pc = policy(SIG_ALG_ED25519, false);
	pc.import = pair;
	pc.import_count = 2;
	join(state, sizeof(state), dir, "state-csk");
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &pc), GW_ECONFIG);
	char path[1024];
	join(path, sizeof(path), state, "keys/state");
	CU_ASSERT_FALSE(exists(path));
	/* Only a ZSK: nothing signs the DNSKEY RRset. */
	const char *zsk_only[] = {zsk_key};
	ps.import = zsk_only;
	ps.import_count = 1;
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &ps), GW_EKEY);
	/* A mismatched pair is refused by the store as well. */
	char mk[1024], mp[1024], src[1024];
	data_path(src, sizeof(src), "mismatch/Kexample.+013+39244.key");
	join(mk, sizeof(mk), src_dir, "Kexample.+013+39244.key");
	copy_file(src, mk, 0644);
	data_path(src, sizeof(src), "mismatch/Kexample.+013+39244.private");
	join(mp, sizeof(mp), src_dir, "Kexample.+013+39244.private");
	copy_file(src, mp, 0600);
	const char *mismatch[] = {mk};
	p.import = mismatch;
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
	CU_ASSERT_FALSE(exists(path));
	CU_ASSERT_PTR_NULL(ks);
	/* A KSK and a ZSK with one tag (clash/: found among 400 of each): the
	 * store names keys by tag and algorithm, so it refuses the pair. */
	static const fixture_t clash[] = {
	    {"clash/ksk", "Kexample.+013+16520", SIG_ALG_ECDSAP256SHA256, 16520, 257},
	    {"clash/zsk", "Kexample.+013+16520", SIG_ALG_ECDSAP256SHA256, 16520, 256},
	};
	char clash_dir[2][1024], clash_key[2][1024], clash_priv[2][1024];
	for (size_t i = 0; i < 2; i++) {
		join(clash_dir[i], sizeof(clash_dir[i]), dir, i == 0 ? "ksk" : "zsk");
		CU_ASSERT_FATAL(mkdir(clash_dir[i], 0700) == 0);
		stage_pair(clash_dir[i], &clash[i], clash_key[i], clash_priv[i],
		           sizeof(clash_key[i]));
	}
	const char *clashing[] = {clash_key[0], clash_key[1]};
	sig_key_policy_t pcl = policy(SIG_ALG_ECDSAP256SHA256, true);
	pcl.import = clashing;
	pcl.import_count = 2;
	join(state, sizeof(state), dir, "state-clash");
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &pcl), GW_EKEY);
	CU_ASSERT_PTR_NULL(ks);
	join(path, sizeof(path), state, "keys/state");
	CU_ASSERT_FALSE(exists(path));
	/* Each alone imports, with that tag. */
	for (size_t i = 0; i < 2; i++) {
		sig_key_t *key = NULL;
		CU_ASSERT_EQUAL(
		    sig_key_import_bind(&key, clash_key[i], clash_priv[i], g_apex, false), GW_OK);
		CU_ASSERT_EQUAL(key != NULL ? sig_key_tag(key) : 0, 16520);
		sig_key_free(key);
	}
	rm_tree(dir);
}

/* ---- DS and trust anchor files ----------------------------------------- */

static void check_anchor_files(const char *state, const sig_keystore_t *ks, size_t want_ds)
{
	char path[1024];
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);

	/* The DS of every KSK or CSK, as sig_key_ds_rr() makes it. */
	ldns_rr_list *want = ldns_rr_list_new();
	for (size_t i = 0; i < count; i++) {
		if (sig_key_role(keys[i]) == SIG_ROLE_ZSK)
			continue;
		ldns_rr *ds = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_key_ds_rr(keys[i], 7200, &ds), GW_OK);
		ldns_rr_list_push_rr(want, ds);
	}
	CU_ASSERT_EQUAL_FATAL(ldns_rr_list_rr_count(want), want_ds);

	static const char *const ds_files[] = {"ds", "trust-anchor.ds"};
	for (size_t f = 0; f < 2; f++) {
		join(path, sizeof(path), state, ds_files[f]);
		CU_ASSERT_EQUAL(file_mode(path), 0644);
		ldns_rr_list *got = read_rr_file(path);
		CU_ASSERT_EQUAL_FATAL(ldns_rr_list_rr_count(got), want_ds);
		for (size_t i = 0; i < want_ds; i++) {
			CU_ASSERT_EQUAL(
			    ldns_rr_compare(ldns_rr_list_rr(got, i), ldns_rr_list_rr(want, i)), 0);
			CU_ASSERT_EQUAL(ldns_rr_ttl(ldns_rr_list_rr(got, i)), 7200);
		}
		ldns_rr_list_deep_free(got);
	}

	/* BIND 9.18 trust-anchors clause, text compared line by line. */
	char expect[4096];
	snprintf(expect, sizeof(expect), "trust-anchors {\n");
	for (size_t i = 0; i < want_ds; i++) {
		const ldns_rr *ds = ldns_rr_list_rr(want, i);
		size_t used = strlen(expect);
		snprintf(expect + used, sizeof(expect) - used,
		         "\t\"example.\" static-ds %u %u %u \"",
		         ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)),
		         ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)),
		         ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)));
		const ldns_rdf *digest = ldns_rr_rdf(ds, 3);
		for (size_t j = 0; j < ldns_rdf_size(digest); j++) {
			used = strlen(expect);
			snprintf(expect + used, sizeof(expect) - used, "%02X",
			         ldns_rdf_data(digest)[j]);
		}
		used = strlen(expect);
		snprintf(expect + used, sizeof(expect) - used, "\";\n");
	}
	size_t used = strlen(expect);
	snprintf(expect + used, sizeof(expect) - used, "};\n");
	join(path, sizeof(path), state, "trust-anchor.conf");
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	const char *body = strstr(text, "trust-anchors {");
	CU_ASSERT_PTR_NOT_NULL_FATAL(body);
	CU_ASSERT_STRING_EQUAL(body, expect);
	/* Anything before the clause is a comment. */
	for (const char *line = text; line < body; line = strchr(line, '\n') + 1)
		CU_ASSERT(line[0] == '#');
	free(text);
	ldns_rr_list_deep_free(want);

	/* No temporary file stays behind. */
	DIR *d = opendir(state);
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		CU_ASSERT_PTR_NULL(strstr(de->d_name, ".tmp."));
	closedir(d);
}

static void test_publish_ds(void)
{
	char *dir = make_tmpdir();
	char state[1024];
	sig_keystore_t *ks = NULL;

	join(state, sizeof(state), dir, "csk");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(ks, 7200), GW_OK);
	check_anchor_files(state, ks, 1);
	/* Publishing again replaces the files with the same content. */
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(ks, 7200), GW_OK);
	check_anchor_files(state, ks, 1);
	sig_keystore_free(ks);
	ks = NULL;

	join(state, sizeof(state), dir, "split");
	p = policy(SIG_ALG_RSASHA256, true);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(ks, 7200), GW_OK);
	check_anchor_files(state, ks, 1); /* the KSK only */
	sig_keystore_free(ks);
	ks = NULL;

	/* The DS of an imported key is the one ldns-key2ds gave for it. */
	const fixture_t *f = &g_fixtures[5]; /* BIND RSA KSK */
	char key_path[1024], priv_path[1024], ds_path[1024], name[256], path[1024];
	stage_pair(dir, f, key_path, priv_path, sizeof(key_path));
	const char *import[] = {key_path};
	p = policy(SIG_ALG_RSASHA256, false);
	p.import = import;
	p.import_count = 1;
	join(state, sizeof(state), dir, "imported");
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	CU_ASSERT_EQUAL(sig_keystore_publish_ds(ks, 3600), GW_OK);
	snprintf(name, sizeof(name), "%s/%s.ds", f->dir, f->base);
	data_path(ds_path, sizeof(ds_path), name);
	ldns_rr_list *want = read_rr_file(ds_path);
	join(path, sizeof(path), state, "ds");
	ldns_rr_list *got = read_rr_file(path);
	CU_ASSERT_EQUAL_FATAL(ldns_rr_list_rr_count(got), 1);
	CU_ASSERT_EQUAL(ldns_rr_compare(ldns_rr_list_rr(got, 0), ldns_rr_list_rr(want, 0)), 0);
	ldns_rr_list_deep_free(got);
	ldns_rr_list_deep_free(want);
	sig_keystore_free(ks);
	ks = NULL;
	rm_tree(dir);
}

/* A first start that imports a key whose file name keys/ already holds
 * (keys/state lost, --new-keys): another key there is never written over;
 * the same key may stay. */
static void test_keystore_import_over(void)
{
	char *dir = make_tmpdir();
	char src_dir[1024], state[1024], keys_dir[1024], other_state[1024];
	char key_path[1024], priv_path[1024], file[1024], ours[1024];
	join(src_dir, sizeof(src_dir), dir, "bind");
	CU_ASSERT_FATAL(mkdir(src_dir, 0700) == 0);
	const fixture_t *ksk = &g_fixtures[0]; /* ECDSA, 257, tag 2854 */
	stage_pair(src_dir, ksk, key_path, priv_path, sizeof(key_path));
	const char *import[] = {key_path};
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	p.import = import;
	p.import_count = 1;
	p.new_keys = true;

	/* The key as the store keeps it, from a store of its own. */
	sig_keystore_t *ks = NULL;
	join(other_state, sizeof(other_state), dir, "other");
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, other_state, g_apex, &p), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;
	join(ours, sizeof(ours), other_state, "keys/2854-13-csk.pem");
	CU_ASSERT_FATAL(exists(ours));

	/* keys/ of an earlier store, its key under the import's file name. */
	join(state, sizeof(state), dir, "state");
	join(keys_dir, sizeof(keys_dir), state, "keys");
	CU_ASSERT_FATAL(mkdir(state, 0700) == 0 && mkdir(keys_dir, 0700) == 0);
	join(file, sizeof(file), keys_dir, "2854-13-csk.pem");
	sig_key_t *other = NULL;
	CU_ASSERT_EQUAL_FATAL(
	    sig_key_generate(&other, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, g_apex, 0), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_key_save_pem(other, file), GW_OK);
	sig_key_free(other);
	char *before = read_text(file);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EEXIST);
	CU_ASSERT_PTR_NULL(ks);
	char *after = read_text(file);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_STRING_EQUAL(before, after);
	free(before);
	free(after);
	char path[1024];
	join(path, sizeof(path), keys_dir, "state");
	CU_ASSERT_FALSE(exists(path));

	/* The same key under that name, but readable by others: refused, as
	 * a file that cannot be read as a key (not "another key"). */
	copy_file(ours, file, 0644);
	char log[4096];
	log_capture_t cap;
	log_capture_start(&cap);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EEXIST);
	log_capture_end(&cap, log, sizeof(log));
	CU_ASSERT_PTR_NULL(ks);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "(mode 0644)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "is there and cannot be read as a key"));
	CU_ASSERT_PTR_NULL(strstr(log, "another key"));
	CU_ASSERT_EQUAL(file_mode(file), 0644);

	/* The same key under that name: the import goes ahead. */
	copy_file(ours, file, 0600);
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_EQUAL(count > 0 ? sig_key_tag(keys[0]) : 0, ksk->tag);
	sig_keystore_free(ks);
	rm_tree(dir);
}

/* sig_ks_key_fresh() for key, asserting that it answers. */
static bool fresh_for(const sig_keystore_t *ks, const sig_key_t *key)
{
	bool fresh = false;
	CU_ASSERT_EQUAL(sig_ks_key_fresh(ks, key, &fresh), GW_OK);
	return fresh;
}

/* A new key may join the store only when none of its tags (as made, and
 * once revoked) is a tag of a key there in either form, and its file name
 * is free: a revoked key keeps its file and its line in keys/state under
 * its tag from before, and a key made with that tag would have written
 * over its file. */
static void test_keystore_fresh(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 1);

	/* The CSK again, from its file, and revoked. */
	sig_key_t *same = NULL, *revoked = NULL;
	key_file(path, sizeof(path), state, keys[0]);
	CU_ASSERT_EQUAL_FATAL(
	    sig_key_load_pem(&same, path, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, g_apex), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_key_revoke(&revoked, keys[0]), GW_OK);
	uint16_t flipped = 0;
	CU_ASSERT_EQUAL(sig_key_flipped_tag(same, &flipped), GW_OK);
	CU_ASSERT_EQUAL(flipped, sig_key_tag(revoked));
	CU_ASSERT_EQUAL(sig_key_flipped_tag(revoked, &flipped), GW_OK);
	CU_ASSERT_EQUAL(flipped, sig_key_tag(same));
	CU_ASSERT_NOT_EQUAL(sig_key_tag(same), sig_key_tag(revoked));

	CU_ASSERT_FALSE(fresh_for(ks, same));
	CU_ASSERT_FALSE(fresh_for(ks, revoked));
	/* The store's key revoked: the unrevoked tag still names it. */
	CU_ASSERT_EQUAL_FATAL(sig_ks_revoke(ks, 0, NULL), GW_OK);
	CU_ASSERT_EQUAL(sig_key_tag(keys[0]), sig_key_tag(revoked));
	CU_ASSERT_FALSE(fresh_for(ks, same));
	CU_ASSERT_FALSE(fresh_for(ks, revoked));

	/* A key made by the store: fresh, so its tags are none of the
	 * CSK's; then its file name taken by a file keys/state does not
	 * list. */
	CU_ASSERT_EQUAL_FATAL(sig_ks_generate(ks, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, 0, 0),
	                      GW_OK);
	keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	sig_key_t *made = keys[1];
	CU_ASSERT_EQUAL(sig_key_flipped_tag(made, &flipped), GW_OK);
	uint16_t made_tags[2] = {sig_key_tag(made), flipped};
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_NOT_EQUAL(made_tags[i], sig_key_tag(same));
		CU_ASSERT_NOT_EQUAL(made_tags[i], sig_key_tag(revoked));
	}
	sig_key_t *other = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_revoke(&other, made), GW_OK);
	sig_ks_drop_key(ks, 1);
	CU_ASSERT_TRUE(fresh_for(ks, other));
	key_file(path, sizeof(path), state, other);
	FILE *fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fclose(fp);
	CU_ASSERT_FALSE(fresh_for(ks, other));

	sig_key_free(other);
	sig_key_free(same);
	sig_key_free(revoked);
	sig_keystore_free(ks);
	rm_tree(dir);
}

/* sig_ks_generate()'s retries, with the generator steered: a new key
 * that is the store's own key again, or whose file name keys/ already
 * holds, is dropped and another made (the files there untouched); eight
 * such in a row end in GW_EEXIST with the store as it was; a generator
 * error ends it at once. */
static void test_keystore_retry(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024], stray[1024];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 1);
	uint16_t csk_tag = sig_key_tag(keys[0]);
	key_file(path, sizeof(path), state, keys[0]);
	char *csk_pem = read_text(path);

	/* The store's CSK again, then a key of its own. */
	keygen_copies(1, path, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK);
	CU_ASSERT_EQUAL(sig_ks_generate(ks, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, 0, 0), GW_OK);
	CU_ASSERT_EQUAL(g_keygen.calls, 2);
	keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_NOT_EQUAL(sig_key_tag(keys[1]), csk_tag);
	sig_ks_drop_key(ks, 1);

	/* A key whose file name a stray file (not in keys/state) takes. */
	sig_key_t *stray_key = NULL;
	CU_ASSERT_EQUAL_FATAL(
	    sig_key_generate(&stray_key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, g_apex, 0), GW_OK);
	key_file(stray, sizeof(stray), state, stray_key);
	write_text(stray, "not a key\n", 0600);
	char pem[1024];
	join(pem, sizeof(pem), dir, "stray.pem");
	CU_ASSERT_EQUAL_FATAL(sig_key_save_pem(stray_key, pem), GW_OK);
	keygen_copies(1, pem, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK);
	CU_ASSERT_EQUAL(sig_ks_generate(ks, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, 0, 0), GW_OK);
	CU_ASSERT_EQUAL(g_keygen.calls, 2);
	keys = sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL_FATAL(count, 2);
	CU_ASSERT_NOT_EQUAL(sig_key_tag(keys[1]), sig_key_tag(stray_key));
	sig_ks_drop_key(ks, 1);
	char *text = read_text(stray);
	CU_ASSERT_STRING_EQUAL(text, "not a key\n");
	free(text);

	/* Eight misses: GW_EEXIST, nothing added, the CSK's file as it was. */
	keygen_copies(100, path, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK);
	CU_ASSERT_EQUAL(sig_ks_generate(ks, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, 0, 0),
	                GW_EEXIST);
	CU_ASSERT_EQUAL(g_keygen.calls, 8);
	sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL(count, 1);
	text = read_text(path);
	CU_ASSERT_STRING_EQUAL(text, csk_pem);
	free(text);

	/* The generator fails: that error, no second try. */
	keygen_copies(0, NULL, 0, SIG_ROLE_CSK);
	g_keygen.fail = GW_ECRYPTO;
	CU_ASSERT_EQUAL(sig_ks_generate(ks, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK, 0, 0),
	                GW_ECRYPTO);
	CU_ASSERT_EQUAL(g_keygen.calls, 1);
	sig_keystore_keys(ks, &count);
	CU_ASSERT_EQUAL(count, 1);

	keygen_copies(0, NULL, 0, SIG_ROLE_CSK);
	free(csk_pem);
	sig_key_free(stray_key);
	sig_keystore_free(ks);
	rm_tree(dir);
}

int gw_test_register(void)
{
	return gw_test_suite("dnssec keystore",
	                     (gw_test_t[]){
	                         {"csk", test_keystore_csk},
	                         {"split", test_keystore_split},
	                         {"missing key", test_keystore_missing_key},
	                         {"crash", test_keystore_crash},
	                         {"lost state", test_keystore_lost_state},
	                         {"import", test_keystore_import},
	                         {"publish ds", test_publish_ds},
	                         {"fresh tags", test_keystore_fresh},
	                         {"retry a key not fresh", test_keystore_retry},
	                         {"import over a file", test_keystore_import_over},
	                         {NULL, NULL},
	                     });
}
