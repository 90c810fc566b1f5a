/* dnssec/key.c: key generation, DNSKEY/DS encoding, signatures checked
 * by ldns, PEM files, BIND import. */
#include "keys_fixture.h"

/* ---- algorithms ---------------------------------------------------------- */

static void test_algorithm_parse(void)
{
	uint8_t alg = 0;
	CU_ASSERT_EQUAL(sig_algorithm_parse("ecdsap256sha256", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 13);
	CU_ASSERT_EQUAL(sig_algorithm_parse("ECDSAP256SHA256", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 13);
	CU_ASSERT_EQUAL(sig_algorithm_parse("Ed25519", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 15);
	CU_ASSERT_EQUAL(sig_algorithm_parse("rsasha256", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 8);
	CU_ASSERT_EQUAL(sig_algorithm_parse("8", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 8);
	CU_ASSERT_EQUAL(sig_algorithm_parse("13", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 13);
	CU_ASSERT_EQUAL(sig_algorithm_parse("15", &alg), GW_OK);
	CU_ASSERT_EQUAL(alg, 15);
	alg = 99;
	const char *bad[] = {"",      "5",   "rsasha1", "ecdsap384sha384",
	                     "13x",   "-13", "1300",    " 13",
	                     "ed448", "14",  NULL};
	for (size_t i = 0; bad[i] != NULL; i++)
		CU_ASSERT_EQUAL(sig_algorithm_parse(bad[i], &alg), GW_EINVAL);
	CU_ASSERT_EQUAL(alg, 99);
	CU_ASSERT_EQUAL(sig_algorithm_parse(NULL, &alg), GW_EINVAL);

	CU_ASSERT_STRING_EQUAL(sig_algorithm_name(8), "RSASHA256");
	CU_ASSERT_STRING_EQUAL(sig_algorithm_name(13), "ECDSAP256SHA256");
	CU_ASSERT_STRING_EQUAL(sig_algorithm_name(15), "ED25519");
	CU_ASSERT_PTR_NOT_NULL(sig_algorithm_name(200));
}

/* ---- generated keys ------------------------------------------------------ */

static void check_generated(uint8_t alg, sig_role_t role)
{
	sig_key_t *key = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&key, alg, role, g_apex, 2048), GW_OK);
	CU_ASSERT_EQUAL(sig_key_algorithm(key), alg);
	CU_ASSERT_EQUAL(sig_key_role(key), role);
	uint16_t want_flags = role == SIG_ROLE_ZSK ? 256 : 257;
	CU_ASSERT_EQUAL(sig_key_flags(key), want_flags);

	/* DNSKEY rdata: flags, protocol 3, algorithm, public key in the
	 * encoding of RFC 6605 / 8080 / 3110. */
	uint16_t len = 0;
	const uint8_t *rdata = sig_key_dnskey_rdata(key, &len);
	CU_ASSERT_FATAL(len > 4);
	CU_ASSERT_EQUAL((rdata[0] << 8) | rdata[1], want_flags);
	CU_ASSERT_EQUAL(rdata[2], 3);
	CU_ASSERT_EQUAL(rdata[3], alg);
	if (alg == SIG_ALG_ECDSAP256SHA256)
		CU_ASSERT_EQUAL(len, 4 + 64);
	if (alg == SIG_ALG_ED25519)
		CU_ASSERT_EQUAL(len, 4 + 32);
	if (alg == SIG_ALG_RSASHA256) {
		/* 65537 in a one-octet length field, then a 2048-bit modulus
		 * with its top bit set. */
		CU_ASSERT_EQUAL(len, 4 + 1 + 3 + 256);
		CU_ASSERT_EQUAL(rdata[4], 3);
		CU_ASSERT(memcmp(rdata + 5, "\x01\x00\x01", 3) == 0);
		CU_ASSERT(rdata[8] & 0x80);
	}

	/* The key tag as ldns computes it from the DNSKEY RR. */
	ldns_rr *dnskey = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_dnskey_rr(key, 3600, &dnskey), GW_OK);
	CU_ASSERT_EQUAL(ldns_rr_get_type(dnskey), LDNS_RR_TYPE_DNSKEY);
	CU_ASSERT_EQUAL(ldns_rr_ttl(dnskey), 3600);
	CU_ASSERT_EQUAL(ldns_calc_keytag(dnskey), sig_key_tag(key));
	size_t wire_len = 0;
	uint8_t *wire = rdata_wire(dnskey, &wire_len);
	CU_ASSERT(wire_len == len && memcmp(wire, rdata, len) == 0);
	free(wire);

	/* Signatures in DNSSEC wire form, checked by ldns with the DNSKEY
	 * alone. */
	assert_signs(key, dnskey);
	/* r or s below 2^248 (one signature in 128) needs its leading zero
	 * octets kept: sign often enough to meet some. */
	for (int i = 0; alg == SIG_ALG_ECDSAP256SHA256 && i < 300; i++)
		CU_ASSERT_EQUAL(sign_and_verify(key, dnskey, false), LDNS_STATUS_OK);
	uint8_t sig[512];
	size_t sig_len = 0;
	CU_ASSERT_EQUAL(sig_key_sign(key, (const uint8_t *)"abc", 3, sig, sizeof(sig), &sig_len),
	                GW_OK);
	CU_ASSERT_EQUAL(sig_len, alg == SIG_ALG_RSASHA256 ? 256 : 64);
	CU_ASSERT_EQUAL(sig_key_sign(key, (const uint8_t *)"abc", 3, sig, sig_len - 1, &sig_len),
	                GW_ESPACE);

	/* The same key under another name does not verify: the signature
	 * covers our data, not just anything. */
	sig_key_t *other = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&other, alg, role, g_apex, 2048), GW_OK);
	ldns_rr *other_rr = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_dnskey_rr(other, 3600, &other_rr), GW_OK);
	CU_ASSERT_NOT_EQUAL(sign_and_verify(key, other_rr, false), LDNS_STATUS_OK);
	ldns_rr_free(other_rr);
	sig_key_free(other);

	ldns_rr_free(dnskey);
	sig_key_free(key);
}

static void test_generate_ecdsa(void)
{
	check_generated(SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK);
	check_generated(SIG_ALG_ECDSAP256SHA256, SIG_ROLE_ZSK);
}

static void test_generate_ed25519(void)
{
	check_generated(SIG_ALG_ED25519, SIG_ROLE_KSK);
	check_generated(SIG_ALG_ED25519, SIG_ROLE_ZSK);
}

static void test_generate_rsa(void)
{
	check_generated(SIG_ALG_RSASHA256, SIG_ROLE_CSK);
	sig_key_t *key = NULL;
	CU_ASSERT_EQUAL(sig_key_generate(&key, SIG_ALG_RSASHA256, SIG_ROLE_CSK, g_apex, 1024),
	                GW_EINVAL);
	CU_ASSERT_EQUAL(sig_key_generate(&key, SIG_ALG_RSASHA256, SIG_ROLE_CSK, g_apex, 8192),
	                GW_EINVAL);
	CU_ASSERT_PTR_NULL(key);
}

static void test_generate_invalid(void)
{
	sig_key_t *key = NULL;
	CU_ASSERT_EQUAL(sig_key_generate(&key, 5, SIG_ROLE_CSK, g_apex, 0), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_key_generate(&key, 14, SIG_ROLE_CSK, g_apex, 0), GW_EINVAL);
	CU_ASSERT_EQUAL(sig_key_generate(&key, 13, (sig_role_t)7, g_apex, 0), GW_EINVAL);
	CU_ASSERT_PTR_NULL(key);
	sig_key_free(NULL);
}

/* ---- DNSKEY, CDNSKEY, DS, CDS ------------------------------------------- */

static void test_ds_records(void)
{
	/* Mixed case apex: the DS digest covers the canonical (lowercase)
	 * owner name. */
	static const uint8_t upper[] = "\x07"
	                               "ExAmPlE";
	static const uint8_t lower_name[] = "\x07"
	                                    "example";
	for (size_t a = 0; a < sizeof(g_algs); a++) {
		sig_key_t *key = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_key_generate(&key, g_algs[a], SIG_ROLE_KSK, upper, 0),
		                      GW_OK);
		uint16_t len = 0;
		const uint8_t *rdata = sig_key_dnskey_rdata(key, &len);
		uint8_t digest[32];
		ds_digest(lower_name, sizeof(lower_name), rdata, len, digest);

		ldns_rr *ds = NULL, *cds = NULL, *dnskey = NULL, *cdnskey = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_key_ds_rr(key, 86400, &ds), GW_OK);
		CU_ASSERT_EQUAL_FATAL(sig_key_cds_rr(key, 300, &cds), GW_OK);
		CU_ASSERT_EQUAL_FATAL(sig_key_dnskey_rr(key, 300, &dnskey), GW_OK);
		CU_ASSERT_EQUAL_FATAL(sig_key_cdnskey_rr(key, 300, &cdnskey), GW_OK);

		CU_ASSERT_EQUAL(ldns_rr_get_type(ds), LDNS_RR_TYPE_DS);
		CU_ASSERT_EQUAL(ldns_rr_ttl(ds), 86400);
		CU_ASSERT_EQUAL(ldns_rr_get_class(ds), LDNS_RR_CLASS_IN);
		CU_ASSERT_EQUAL(ldns_rr_rd_count(ds), 4);
		CU_ASSERT_EQUAL(ldns_rdf2native_int16(ldns_rr_rdf(ds, 0)), sig_key_tag(key));
		CU_ASSERT_EQUAL(ldns_rdf2native_int8(ldns_rr_rdf(ds, 1)), g_algs[a]);
		CU_ASSERT_EQUAL(ldns_rdf2native_int8(ldns_rr_rdf(ds, 2)), 2);
		CU_ASSERT_EQUAL(ldns_rdf_size(ldns_rr_rdf(ds, 3)), 32);
		CU_ASSERT(memcmp(ldns_rdf_data(ldns_rr_rdf(ds, 3)), digest, 32) == 0);
		/* Owner is the apex, lowercase. */
		char *owner = ldns_rdf2str(ldns_rr_owner(ds));
		CU_ASSERT_STRING_EQUAL(owner, "example.");
		free(owner);

		CU_ASSERT_EQUAL(ldns_rr_get_type(cds), LDNS_RR_TYPE_CDS);
		CU_ASSERT_EQUAL(ldns_rr_ttl(cds), 300);
		CU_ASSERT(rdata_equal(ds, cds));
		CU_ASSERT_EQUAL(ldns_rr_get_type(cdnskey), LDNS_RR_TYPE_CDNSKEY);
		CU_ASSERT(rdata_equal(dnskey, cdnskey));
		/* ldns's own DS from our DNSKEY agrees. */
		CU_ASSERT(ldns_rr_compare_ds(ds, dnskey));

		ldns_rr_free(ds);
		ldns_rr_free(cds);
		ldns_rr_free(dnskey);
		ldns_rr_free(cdnskey);
		sig_key_free(key);
	}
}

/* ---- threads ---------------------------------------------------------------- */

#define THREADS    4
#define PER_THREAD 50

typedef struct {
	const sig_key_t *key;
	uint8_t sigs[PER_THREAD][64];
	int failures;
} thread_arg_t;

static void *sign_thread(void *p)
{
	thread_arg_t *arg = p;
	for (int i = 0; i < PER_THREAD; i++) {
		uint8_t msg[8] = {'m', 's', 'g', (uint8_t)i};
		size_t len = 0;
		if (sig_key_sign(arg->key, msg, sizeof(msg), arg->sigs[i], 64, &len) != GW_OK ||
		    len != 64)
			arg->failures++;
	}
	return NULL;
}

static void test_sign_threads(void)
{
	sig_key_t *key = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&key, SIG_ALG_ED25519, SIG_ROLE_CSK, g_apex, 0),
	                      GW_OK);
	static thread_arg_t args[THREADS];
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++) {
		memset(&args[t], 0, sizeof(args[t]));
		args[t].key = key;
		CU_ASSERT_FATAL(pthread_create(&th[t], NULL, sign_thread, &args[t]) == 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	/* Ed25519 is deterministic: every thread must produce exactly the
	 * signature that a single-threaded call produces. */
	for (int i = 0; i < PER_THREAD; i++) {
		uint8_t msg[8] = {'m', 's', 'g', (uint8_t)i};
		uint8_t want[64];
		size_t len = 0;
		CU_ASSERT_EQUAL(sig_key_sign(key, msg, sizeof(msg), want, sizeof(want), &len),
		                GW_OK);
		for (int t = 0; t < THREADS; t++)
			CU_ASSERT(memcmp(args[t].sigs[i], want, 64) == 0);
	}
	for (int t = 0; t < THREADS; t++)
		CU_ASSERT_EQUAL(args[t].failures, 0);
	sig_key_free(key);
}

/* ---- PEM files ------------------------------------------------------------ */

static void test_pem_roundtrip(void)
{
	char *dir = make_tmpdir();
	char path[1024];
	join(path, sizeof(path), dir, "key.pem");
	for (size_t a = 0; a < sizeof(g_algs); a++) {
		sig_key_t *key = NULL, *loaded = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_key_generate(&key, g_algs[a], SIG_ROLE_ZSK, g_apex, 0),
		                      GW_OK);
		/* The file is 0600 whatever the umask. */
		mode_t old = umask(0);
		int ret = sig_key_save_pem(key, path);
		umask(old);
		CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
		CU_ASSERT_EQUAL(file_mode(path), 0600);
		char *text = read_text(path);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		CU_ASSERT(strncmp(text, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
		free(text);

		CU_ASSERT_EQUAL_FATAL(
		    sig_key_load_pem(&loaded, path, g_algs[a], SIG_ROLE_ZSK, g_apex), GW_OK);
		CU_ASSERT_EQUAL(sig_key_tag(loaded), sig_key_tag(key));
		uint16_t l1 = 0, l2 = 0;
		const uint8_t *r1 = sig_key_dnskey_rdata(key, &l1);
		const uint8_t *r2 = sig_key_dnskey_rdata(loaded, &l2);
		CU_ASSERT(l1 == l2 && memcmp(r1, r2, l1) == 0);
		/* The loaded private key signs for the original DNSKEY. */
		ldns_rr *dnskey = NULL;
		CU_ASSERT_EQUAL_FATAL(sig_key_dnskey_rr(key, 3600, &dnskey), GW_OK);
		assert_signs(loaded, dnskey);
		ldns_rr_free(dnskey);
		sig_key_free(loaded);
		loaded = NULL;

		/* Loaded as another role it takes that role's flags. */
		CU_ASSERT_EQUAL_FATAL(
		    sig_key_load_pem(&loaded, path, g_algs[a], SIG_ROLE_KSK, g_apex), GW_OK);
		CU_ASSERT_EQUAL(sig_key_flags(loaded), 257);
		sig_key_free(loaded);
		loaded = NULL;

		/* A key of another algorithm is refused. */
		uint8_t wrong = g_algs[(a + 1) % sizeof(g_algs)];
		CU_ASSERT_EQUAL(sig_key_load_pem(&loaded, path, wrong, SIG_ROLE_ZSK, g_apex),
		                GW_EKEY);
		CU_ASSERT_PTR_NULL(loaded);
		sig_key_free(key);
	}
	/* Replacing a file leaves no temporary behind. */
	DIR *d = opendir(dir);
	struct dirent *de;
	int entries = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
			entries++;
	}
	closedir(d);
	CU_ASSERT_EQUAL(entries, 1);

	sig_key_t *key = NULL;
	join(path, sizeof(path), dir, "missing.pem");
	CU_ASSERT_EQUAL(sig_key_load_pem(&key, path, 13, SIG_ROLE_ZSK, g_apex), -ENOENT);
	join(path, sizeof(path), dir, "garbage.pem");
	write_text(path, "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
	           0600);
	CU_ASSERT_EQUAL(sig_key_load_pem(&key, path, 13, SIG_ROLE_ZSK, g_apex), GW_EKEY);
	CU_ASSERT_EQUAL(sig_key_load_pem(&key, dir, 13, SIG_ROLE_ZSK, g_apex), GW_EKEY);
	/* No directory to write into. */
	sig_key_t *gen = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&gen, 13, SIG_ROLE_ZSK, g_apex, 0), GW_OK);
	join(path, sizeof(path), dir, "nodir/key.pem");
	CU_ASSERT_EQUAL(sig_key_save_pem(gen, path), -ENOENT);
	sig_key_free(gen);
	CU_ASSERT_PTR_NULL(key);
	rm_tree(dir);
}

static void test_pem_permissions(void)
{
	char *dir = make_tmpdir();
	char path[1024];
	join(path, sizeof(path), dir, "key.pem");
	sig_key_t *key = NULL, *loaded = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&key, 13, SIG_ROLE_CSK, g_apex, 0), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_key_save_pem(key, path), GW_OK);

	static const mode_t refused[] = {0644, 0640, 0604, 0620, 0602, 0660, 0666};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		CU_ASSERT_FATAL(chmod(path, refused[i]) == 0);
		CU_ASSERT_EQUAL(sig_key_load_pem(&loaded, path, 13, SIG_ROLE_CSK, g_apex),
		                GW_EPERM);
		CU_ASSERT_PTR_NULL(loaded);
	}
	static const mode_t accepted[] = {0600, 0400};
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		CU_ASSERT_FATAL(chmod(path, accepted[i]) == 0);
		CU_ASSERT_EQUAL(sig_key_load_pem(&loaded, path, 13, SIG_ROLE_CSK, g_apex), GW_OK);
		CU_ASSERT(loaded != NULL && sig_key_tag(loaded) == sig_key_tag(key));
		sig_key_free(loaded);
		loaded = NULL;
	}
	/* A link to the key, even a good one, is not the store's file. */
	char link[1024];
	join(link, sizeof(link), dir, "link.pem");
	CU_ASSERT_FATAL(symlink(path, link) == 0);
	CU_ASSERT_EQUAL(sig_key_load_pem(&loaded, link, 13, SIG_ROLE_CSK, g_apex), GW_EKEY);
	CU_ASSERT_PTR_NULL(loaded);
	CU_ASSERT_FATAL(unlink(link) == 0);
	/* Saving over a 0644 file makes it 0600 again. */
	CU_ASSERT_FATAL(chmod(path, 0644) == 0);
	CU_ASSERT_EQUAL(sig_key_save_pem(key, path), GW_OK);
	CU_ASSERT_EQUAL(file_mode(path), 0600);
	sig_key_free(key);
	rm_tree(dir);
}

static void test_import_bind(void)
{
	char *dir = make_tmpdir();
	for (size_t i = 0; i < FIXTURE_COUNT; i++) {
		const fixture_t *f = &g_fixtures[i];
		char key_path[1024], priv_path[1024], ds_path[1024], name[256];
		stage_pair(dir, f, key_path, priv_path, sizeof(key_path));
		ldns_rr *file_rr = read_key_file(key_path);

		for (int csk = 0; csk <= 1; csk++) {
			sig_key_t *key = NULL;
			CU_ASSERT_EQUAL_FATAL(
			    sig_key_import_bind(&key, key_path, priv_path, g_apex, csk), GW_OK);
			CU_ASSERT_EQUAL(sig_key_algorithm(key), f->alg);
			CU_ASSERT_EQUAL(sig_key_flags(key), f->flags);
			sig_role_t want = f->flags == 256 ? SIG_ROLE_ZSK
			                  : csk           ? SIG_ROLE_CSK
			                                  : SIG_ROLE_KSK;
			CU_ASSERT_EQUAL(sig_key_role(key), want);
			/* Same key tag and DNSKEY rdata as the .key file. */
			CU_ASSERT_EQUAL(sig_key_tag(key), f->tag);
			CU_ASSERT_EQUAL(sig_key_tag(key), ldns_calc_keytag(file_rr));
			size_t wire_len = 0;
			uint8_t *wire = rdata_wire(file_rr, &wire_len);
			uint16_t len = 0;
			const uint8_t *rdata = sig_key_dnskey_rdata(key, &len);
			CU_ASSERT(wire_len == len && memcmp(wire, rdata, len) == 0);
			free(wire);

			/* DS as ldns-key2ds wrote it for this .key file. */
			snprintf(name, sizeof(name), "%s/%s.ds", f->dir, f->base);
			data_path(ds_path, sizeof(ds_path), name);
			ldns_rr_list *want_ds = read_rr_file(ds_path);
			CU_ASSERT_EQUAL_FATAL(ldns_rr_list_rr_count(want_ds), 1);
			ldns_rr *ds = NULL;
			CU_ASSERT_EQUAL_FATAL(sig_key_ds_rr(key, 3600, &ds), GW_OK);
			CU_ASSERT_EQUAL(ldns_rr_compare(ds, ldns_rr_list_rr(want_ds, 0)), 0);
			ldns_rr_free(ds);
			ldns_rr_list_deep_free(want_ds);

			/* It signs for the DNSKEY of the .key file. */
			assert_signs(key, file_rr);

			/* Kept as our PEM, it is still the same key. */
			char pem[1024];
			join(pem, sizeof(pem), dir, "copy.pem");
			CU_ASSERT_EQUAL(sig_key_save_pem(key, pem), GW_OK);
			sig_key_t *again = NULL;
			CU_ASSERT_EQUAL_FATAL(
			    sig_key_load_pem(&again, pem, f->alg, sig_key_role(key), g_apex),
			    GW_OK);
			CU_ASSERT_EQUAL(sig_key_tag(again), f->tag);
			sig_key_free(again);
			sig_key_free(key);
		}
		ldns_rr_free(file_rr);
	}
	rm_tree(dir);
}

/* path: the DNSKEY of the .key file key_path behind `comments` comment
 * lines of 64 octets. */
static void write_commented_key(const char *path, const char *key_path, int comments)
{
	ldns_rr *rr = read_key_file(key_path);
	char *text = ldns_rr2str(rr);
	FILE *fp = fopen(path, "w");
	CU_ASSERT_FATAL(text != NULL && fp != NULL);
	for (int i = 0; i < comments; i++)
		fprintf(fp, "; %060d\n", i);
	fputs(text, fp);
	CU_ASSERT_FATAL(fclose(fp) == 0);
	free(text);
	ldns_rr_free(rr);
}

static void test_import_errors(void)
{
	char *dir = make_tmpdir();
	char key_path[1024], priv_path[1024], src[1024], path[1024];
	sig_key_t *key = NULL;

	/* The .key of one key with the .private of another. */
	data_path(src, sizeof(src), "mismatch/Kexample.+013+39244.key");
	join(key_path, sizeof(key_path), dir, "m.key");
	copy_file(src, key_path, 0644);
	data_path(src, sizeof(src), "mismatch/Kexample.+013+39244.private");
	join(priv_path, sizeof(priv_path), dir, "m.private");
	copy_file(src, priv_path, 0600);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, key_path, priv_path, g_apex, true), GW_EKEY);

	const fixture_t *ec = &g_fixtures[0];
	const fixture_t *ed = &g_fixtures[1];
	stage_pair(dir, ec, key_path, priv_path, sizeof(key_path));

	/* A private file others can read. */
	CU_ASSERT_FATAL(chmod(priv_path, 0644) == 0);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, key_path, priv_path, g_apex, true), GW_EPERM);
	CU_ASSERT_FATAL(chmod(priv_path, 0600) == 0);

	/* The keys of another zone: the DS would not match. */
	static const uint8_t other[] = "\x07"
	                               "example"
	                               "\x03"
	                               "com";
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, key_path, priv_path, other, true), GW_EKEY);

	/* Missing files. */
	join(path, sizeof(path), dir, "none.private");
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, key_path, path, g_apex, true), -ENOENT);
	join(path, sizeof(path), dir, "none.key");
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), -ENOENT);
	/* A .key that is a FIFO is refused at once, not waited on (the alarm
	 * ends the suite if it is). */
	join(path, sizeof(path), dir, "fifo.key");
	CU_ASSERT_FATAL(mkfifo(path, 0644) == 0);
	alarm(10);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_ENOTFILE);
	alarm(0);
	CU_ASSERT_PTR_NULL(key);
	unlink(path);

	/* An ECDSA .key with an Ed25519 .private. */
	char ed_key[1024], ed_priv[1024];
	stage_pair(dir, ed, ed_key, ed_priv, sizeof(ed_key));
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, key_path, ed_priv, g_apex, true), GW_EKEY);

	/* A revoked key (flags 385), and a .key with no DNSKEY. */
	join(path, sizeof(path), dir, "revoked.key");
	ldns_rr *rr = read_key_file(key_path);
	ldns_rdf *flags = ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, 385);
	ldns_rdf_deep_free(ldns_rr_set_rdf(rr, flags, 0));
	char *text = ldns_rr2str(rr);
	write_text(path, text, 0644);
	free(text);
	ldns_rr_free(rr);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_EKEY);
	join(path, sizeof(path), dir, "empty.key");
	write_text(path, "; nothing here\n", 0644);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_EKEY);
	join(path, sizeof(path), dir, "broken.key");
	write_text(path, "example. IN DNSKEY 257 3 13 !!!\n", 0644);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_EPARSE);

	/* A .key padded past SIG_KEY_FILE_MAX with comments ldns would skip
	 * line by line: refused by its size before it is read; with a few
	 * comments it is still taken. */
	join(path, sizeof(path), dir, "padded.key");
	write_commented_key(path, key_path, 1200);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_EKEY);
	write_commented_key(path, key_path, 10);
	CU_ASSERT_EQUAL(sig_key_import_bind(&key, path, priv_path, g_apex, true), GW_OK);
	sig_key_free(key);
	key = NULL;

	CU_ASSERT_PTR_NULL(key);
	rm_tree(dir);
}

int gw_test_register(void)
{
	return gw_test_suite("dnssec keys", (gw_test_t[]){
	                                        {"algorithm parse", test_algorithm_parse},
	                                        {"generate ecdsa", test_generate_ecdsa},
	                                        {"generate ed25519", test_generate_ed25519},
	                                        {"generate rsa", test_generate_rsa},
	                                        {"generate invalid", test_generate_invalid},
	                                        {"ds records", test_ds_records},
	                                        {"sign threads", test_sign_threads},
	                                        {"pem roundtrip", test_pem_roundtrip},
	                                        {"pem permissions", test_pem_permissions},
	                                        {"import bind", test_import_bind},
	                                        {"import errors", test_import_errors},
	                                        {NULL, NULL},
	                                    });
}
