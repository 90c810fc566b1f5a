/* dnssec/keystore_state.c: keys/state read strictly, as the store
 * writes it: damaged, crafted and oversized files are refused and change
 * nothing; times either side of 1970 load. */
#include "dnssec/keystore_internal.h"
#include "keys_fixture.h"

/* text with field (0: "key") of its first key line replaced by fmt,
 * whose %s, if any, is the field as it was; into out. */
static void replace_field(const char *text, int field, const char *fmt, char *out, size_t len)
{
	const char *line = strstr(text, "\nkey ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	size_t at = (size_t)(line + 1 - text);
	for (int f = 0; f < field; f++)
		at += strcspn(text + at, " ") + 1;
	size_t n = strcspn(text + at, " \n");
	char old[64], repl[96];
	snprintf(old, sizeof(old), "%.*s", (int)n, text + at);
	snprintf(repl, sizeof(repl), fmt, old);
	snprintf(out, len, "%.*s%s%s", (int)at, text, repl, text + at + n);
}

static void test_keystore_bad_state(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;
	join(path, sizeof(path), state, "keys/state");
	char *good = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(good);

	static const char *const bad[] = {
	    "",
	    "dnssd-gateway-keys 2\nzone example.\n",
	    "something else\n",
	    "dnssd-gateway-keys 1\nzone example.\n",
	    "dnssd-gateway-keys 1\nzone example.\nkey 1 13 csk 257 ../../x.pem 1 1 1\n",
	    "dnssd-gateway-keys 1\nzone example.\nkey 1 13 csk 256 1-13-csk.pem 1 1 1\n",
	    "dnssd-gateway-keys 1\nzone example.\nkey 1 13 csk 257 1-13-csk.pem 1 1\n",
	    "dnssd-gateway-keys 1\nzone example.\nunknown line\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_text(path, bad[i], 0600);
		char before[65536] = "", after[65536] = "";
		snapshot_dir(state, before, sizeof(before));
		int ret = sig_keystore_open(&ks, state, g_apex, &p);
		CU_ASSERT(ret == GW_EPARSE || ret == GW_EKEY);
		CU_ASSERT_PTR_NULL(ks);
		snapshot_dir(state, after, sizeof(after));
		CU_ASSERT_STRING_EQUAL(before, after);
	}
	/* The original state loads again. */
	write_text(path, good, 0600);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;
	/* Its key listed twice would load one key twice (found by
	 * fuzz_keystore). */
	const char *key_line = strstr(good, "\nkey ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(key_line);
	char twice[4096];
	snprintf(twice, sizeof(twice), "%s%s", good, key_line + 1);
	write_text(path, twice, 0600);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EPARSE);
	CU_ASSERT_PTR_NULL(ks);
	write_text(path, good, 0600);

	/* Fields read strictly, as they are written (sscanf() took these):
	 * a sign, a number past its type (undefined behaviour; glibc gave
	 * LLONG_MAX for a time, and "4294967297" as the tag 1), two spaces,
	 * a tab; a rollover starting past year 9999, or at a step its kind
	 * does not have. */
	static const struct {
		int field; /* of the key line, 0 = "key"; -1: a roll line added */
		const char *text;
	} strict[] = {
	    {1, "+%s"},
	    {1, "0%s"},
	    {1, "4294967297"},
	    {6, "99999999999999999999"},
	    {7, "253402300800"},
	    {8, "-"},
	    {8, "%s "},
	    {8, "%s\t"},
	    {5, " %s"},
	    {-1, "roll csk publish 1 13 2 13 9223372036854775807"},
	    {-1, "roll csk publish 1 13 2 13 1700000000 1"},
	    /* A step its kind does not have. */
	    {-1, "roll zsk ds-wait 1 13 2 13 1700000000"},
	    {-1, "roll zsk revoke 1 13 2 13 1700000000"},
	    {-1, "roll algorithm active 1 13 2 8 1700000000"},
	    {-1, "roll ksk sign 1 13 2 13 1700000000"},
	};
	for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++) {
		char text[4096];
		if (strict[i].field < 0)
			snprintf(text, sizeof(text), "%s%s\n", good, strict[i].text);
		else
			replace_field(good, strict[i].field, strict[i].text, text, sizeof(text));
		write_text(path, text, 0600);
		CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EPARSE);
		CU_ASSERT_PTR_NULL(ks);
		if (ks != NULL) {
			fprintf(stderr, "loaded, should not have: %s\n", text);
			sig_keystore_free(ks);
			ks = NULL;
		}
	}
	/* Damage the reader did not see: a NUL inside a key line (the
	 * text after it was never read), and a file past 64 KiB, which
	 * getline() read whatever its length (here comment lines, which
	 * loaded). */
	{
		const char *use = strrchr(strstr(good, "\nkey "), ' ');
		CU_ASSERT_PTR_NOT_NULL_FATAL(use);
		size_t at = (size_t)(strchr(use, '\n') - good);
		FILE *fp = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fwrite(good, 1, at, fp);
		fwrite("\0 junk", 1, 7, fp);
		fputs(good + at, fp);
		CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
		CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EPARSE);
		CU_ASSERT_PTR_NULL(ks);
		fp = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
		fputs(good, fp);
		for (int i = 0; i < 1100; i++)
			fprintf(fp, "# %060d\n", i);
		CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
		CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EKEY);
		CU_ASSERT_PTR_NULL(ks);
		sig_keystore_free(ks);
		ks = NULL;
	}
	/* A time before 1970 is read (a rollover's start moves with a clock
	 * set back), as are 0 and the largest. */
	char a[4096], b[4096];
	replace_field(good, 6, "-1", a, sizeof(a));
	replace_field(a, 7, "0", b, sizeof(b));
	replace_field(b, 8, "253402300799", a, sizeof(a));
	write_text(path, a, 0600);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;
	write_text(path, good, 0600);
	free(good);

	/* A state directory that others may write to is refused. */
	CU_ASSERT_FATAL(chmod(state, 0777) == 0);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EPERM);
	CU_ASSERT_FATAL(chmod(state, 0770) == 0);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_EPERM);
	CU_ASSERT_FATAL(chmod(state, 0755) == 0);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	sig_keystore_free(ks);
	ks = NULL;
	rm_tree(dir);
}

/* A read of keys/state that fails is an error that says so, never the
 * end of a file that then lists fewer keys (or none: "lists no keys",
 * whose remedy is a restore from a backup). The stream's descriptor is
 * swapped for one opened write-only, so that its read fails (EBADF). */
static void test_keystore_read_error(void)
{
	char *dir = make_tmpdir();
	char state[1024], path[1024];
	join(state, sizeof(state), dir, "state");
	sig_key_policy_t p = policy(SIG_ALG_ECDSAP256SHA256, false);
	sig_keystore_t *ks = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_keystore_open(&ks, state, g_apex, &p), GW_OK);
	join(path, sizeof(path), state, "keys/state");

	/* A store of its own that borrows the open one's paths. */
	sig_keystore_t fresh = {.state_dir = ks->state_dir,
	                        .keys_dir = ks->keys_dir,
	                        .state_path = ks->state_path,
	                        .lock_fd = -1};
	memcpy(fresh.apex, ks->apex, sizeof(fresh.apex));
	memcpy(fresh.apex_text, ks->apex_text, sizeof(fresh.apex_text));
	FILE *fp = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	int wr = open(path, O_WRONLY);
	CU_ASSERT_FATAL(wr >= 0);
	CU_ASSERT_FATAL(dup2(wr, fileno(fp)) == fileno(fp));
	close(wr);
	CU_ASSERT_EQUAL(sig_ks_load_state(&fresh, fp), GW_EIO);
	CU_ASSERT_EQUAL(fresh.count, 0);
	fclose(fp);

	/* The same file read as it is loads every key. */
	fp = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL(sig_ks_load_state(&fresh, fp), GW_OK);
	CU_ASSERT_EQUAL(fresh.count, ks->count);
	fclose(fp);
	for (size_t i = 0; i < fresh.count; i++)
		sig_key_free(fresh.keys[i]);
	free(fresh.keys);
	free(fresh.meta);
	sig_keystore_free(ks);
	rm_tree(dir);
}

int gw_test_register(void)
{
	return gw_test_suite("keystore_state", (gw_test_t[]){
	                                           {"bad state", test_keystore_bad_state},
	                                           {"a read error", test_keystore_read_error},
	                                           {NULL, NULL},
	                                       });
}
