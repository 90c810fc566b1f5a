/* dnssec/key.c and dnssec/keystore.c: key generation, DNSKEY/DS encoding,
 * signatures checked by ldns, PEM files, BIND import, the key store and
 * its trust anchor files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "common/error.h"
#include "cunit.h"
#include "dnssec/dnssec.h"

static const uint8_t g_apex[] = "\x07"
                                "example";

typedef struct {
	const char *dir;
	const char *base;
	uint8_t alg;
	uint16_t tag;
	uint16_t flags;
} fixture_t;

/* tests/data/dnssec: BIND key pairs made by ldns-keygen and dnssec-keygen. */
static const fixture_t g_fixtures[] = {
    {"ldns", "Kexample.+013+02854", SIG_ALG_ECDSAP256SHA256, 2854, 257},
    {"ldns", "Kexample.+015+11329", SIG_ALG_ED25519, 11329, 256},
    {"ldns", "Kexample.+008+17874", SIG_ALG_RSASHA256, 17874, 256},
    {"bind", "Kexample.+015+42187", SIG_ALG_ED25519, 42187, 257},
    {"bind", "Kexample.+013+28790", SIG_ALG_ECDSAP256SHA256, 28790, 256},
    {"bind", "Kexample.+008+64702", SIG_ALG_RSASHA256, 64702, 257},
};
#define FIXTURE_COUNT (sizeof(g_fixtures) / sizeof(g_fixtures[0]))

static const uint8_t g_algs[] = {SIG_ALG_ECDSAP256SHA256, SIG_ALG_ED25519, SIG_ALG_RSASHA256};

/* ---- helpers ------------------------------------------------------------ */

static void data_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(buf, len, "%s/dnssec/%s", dir != NULL ? dir : "tests/data", rel);
}

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/gw-keys-XXXXXX";
	char *dir = mkdtemp(tmpl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	return strdup(dir);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void rm_tree(char *dir)
{
	if (dir == NULL)
		return;
	/* Tests chmod directories on purpose; make sure they can go. */
	chmod(dir, 0700);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static void join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < len);
}

static void copy_file(const char *src, const char *dst, mode_t mode)
{
	FILE *in = fopen(src, "rb");
	if (in == NULL)
		fprintf(stderr, "\ncannot open %s; run from the source tree or set GW_TEST_DATA\n",
		        src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		CU_ASSERT_FATAL(write(fd, buf, n) == (ssize_t)n);
	fclose(in);
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

static char *read_text(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (fp == NULL)
		return NULL;
	char *buf = calloc(1, 65536);
	size_t n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

static mode_t file_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Sorted listing of dir and its subdirectories: name, mode, size, mtime
 * and content hash; equal snapshots mean nothing was touched. */
static void snapshot_dir(const char *dir, char *out, size_t len)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, NULL, alphasort);
	CU_ASSERT_FATAL(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			char path[1024];
			struct stat st;
			join(path, sizeof(path), dir, name);
			CU_ASSERT_FATAL(lstat(path, &st) == 0);
			size_t used = strlen(out);
			snprintf(out + used, len - used, "%s %o %lld %lld.%09ld\n", path,
			         (unsigned)st.st_mode, (long long)st.st_size,
			         (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
			if (S_ISREG(st.st_mode)) {
				char *text = read_text(path);
				used = strlen(out);
				snprintf(out + used, len - used, "%s\n", text ? text : "?");
				free(text);
			} else if (S_ISDIR(st.st_mode)) {
				snapshot_dir(path, out, len);
			}
		}
		free(names[i]);
	}
	free(names);
}

/* The DNSKEY RR of a .key file, parsed by ldns alone. */
static ldns_rr *read_key_file(const char *path)
{
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	ldns_rr *found = NULL;
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (line[0] == ';')
			continue;
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) == LDNS_STATUS_OK);
		CU_ASSERT_FATAL(ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY);
		CU_ASSERT_FATAL(found == NULL);
		found = rr;
	}
	free(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(found);
	return found;
}

/* RRs from a zone-file text, comments and blank lines skipped. */
static ldns_rr_list *read_rr_file(const char *path)
{
	char *text = read_text(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	ldns_rr_list *list = ldns_rr_list_new();
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (line[0] == ';' || line[0] == '\0')
			continue;
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, line, 3600, NULL, NULL) == LDNS_STATUS_OK);
		ldns_rr_list_push_rr(list, rr);
	}
	free(text);
	return list;
}

static ldns_rr *rr_from_str(const char *text)
{
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) == LDNS_STATUS_OK);
	return rr;
}

static bool rdata_equal(const ldns_rr *a, const ldns_rr *b)
{
	if (ldns_rr_rd_count(a) != ldns_rr_rd_count(b))
		return false;
	for (size_t i = 0; i < ldns_rr_rd_count(a); i++) {
		const ldns_rdf *x = ldns_rr_rdf(a, i);
		const ldns_rdf *y = ldns_rr_rdf(b, i);
		if (ldns_rdf_size(x) != ldns_rdf_size(y) ||
		    memcmp(ldns_rdf_data(x), ldns_rdf_data(y), ldns_rdf_size(x)) != 0)
			return false;
	}
	return true;
}

/* Rdata of an RR in wire form; *len set. Caller frees. */
static uint8_t *rdata_wire(const ldns_rr *rr, size_t *len)
{
	ldns_buffer *buf = ldns_buffer_new(4096);
	CU_ASSERT_FATAL(ldns_rr_rdata2buffer_wire(buf, rr) == LDNS_STATUS_OK);
	*len = ldns_buffer_position(buf);
	uint8_t *out = malloc(*len);
	memcpy(out, ldns_buffer_begin(buf), *len);
	ldns_buffer_free(buf);
	return out;
}

/* Sign a two-RR A RRset with key through sig_key_sign(), build the RRSIG
 * with ldns and let ldns verify it against dnskey (an RR that ldns parsed
 * or that the key produced). With tamper, the RRset changes after
 * signing, which must make verification fail. */
static ldns_status sign_and_verify(const sig_key_t *key, const ldns_rr *dnskey, bool tamper)
{
	ldns_rr_list *rrset = ldns_rr_list_new();
	ldns_rr_list_push_rr(rrset, rr_from_str("www.example. 3600 IN A 192.0.2.2"));
	ldns_rr_list_push_rr(rrset, rr_from_str("www.example. 3600 IN A 192.0.2.1"));
	ldns_rr_list_sort(rrset);

	time_t now = time(NULL);
	ldns_rr *rrsig = ldns_rr_new();
	ldns_rr_set_type(rrsig, LDNS_RR_TYPE_RRSIG);
	ldns_rr_set_owner(rrsig, ldns_rdf_clone(ldns_rr_owner(ldns_rr_list_rr(rrset, 0))));
	ldns_rr_set_ttl(rrsig, 3600);
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_TYPE, LDNS_RR_TYPE_A));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, sig_key_algorithm(key)));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, 2));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, 3600));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, (uint32_t)now + 86400));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, (uint32_t)now - 3600));
	ldns_rr_push_rdf(rrsig, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, sig_key_tag(key)));
	ldns_rr_push_rdf(rrsig, ldns_dname_new_frm_str("example."));

	/* RFC 4034 3.1.8.1: RRSIG rdata without the signature, then the
	 * RRset in canonical form and order. */
	ldns_buffer *data = ldns_buffer_new(4096);
	for (size_t i = 0; i < 8; i++)
		CU_ASSERT_FATAL(ldns_rdf2buffer_wire_canonical(data, ldns_rr_rdf(rrsig, i)) ==
		                LDNS_STATUS_OK);
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrset); i++)
		CU_ASSERT_FATAL(ldns_rr2buffer_wire_canonical(data, ldns_rr_list_rr(rrset, i),
		                                              LDNS_SECTION_ANSWER) ==
		                LDNS_STATUS_OK);
	uint8_t sig[1024];
	size_t sig_len = 0;
	CU_ASSERT_FATAL(sig_key_sign(key, ldns_buffer_begin(data), ldns_buffer_position(data), sig,
	                             sizeof(sig), &sig_len) == GW_OK);
	ldns_buffer_free(data);
	ldns_rr_push_rdf(rrsig, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, sig_len, sig));

	if (tamper) {
		ldns_rr *changed = rr_from_str("www.example. 3600 IN A 192.0.2.3");
		ldns_rr_free(ldns_rr_list_set_rr(rrset, changed, 1));
	}
	ldns_rr_list *keys = ldns_rr_list_new();
	ldns_rr_list_push_rr(keys, ldns_rr_clone(dnskey));
	ldns_rr_list *good = ldns_rr_list_new();
	ldns_status st = ldns_verify_rrsig_keylist(rrset, rrsig, keys, good);
	ldns_rr_list_free(good);
	ldns_rr_list_deep_free(keys);
	ldns_rr_list_deep_free(rrset);
	ldns_rr_free(rrsig);
	return st;
}

static void assert_signs(const sig_key_t *key, const ldns_rr *dnskey)
{
	CU_ASSERT_EQUAL(sign_and_verify(key, dnskey, false), LDNS_STATUS_OK);
	CU_ASSERT_NOT_EQUAL(sign_and_verify(key, dnskey, true), LDNS_STATUS_OK);
}

/* SHA-256 over owner (lowercase wire) and DNSKEY rdata, computed here
 * with OpenSSL, without ldns or the code under test. */
static void ds_digest(const uint8_t *owner, size_t owner_len, const uint8_t *rdata,
                      size_t rdata_len, uint8_t *digest)
{
	uint8_t buf[4096];
	for (size_t i = 0; i < owner_len; i++)
		buf[i] = (owner[i] >= 'A' && owner[i] <= 'Z') ? (uint8_t)(owner[i] + 32) : owner[i];
	memcpy(buf + owner_len, rdata, rdata_len);
	unsigned int len = 0;
	CU_ASSERT_FATAL(EVP_Digest(buf, owner_len + rdata_len, digest, &len, EVP_sha256(), NULL) ==
	                1);
	CU_ASSERT_FATAL(len == 32);
}

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
	/* Saving over a 0644 file makes it 0600 again. */
	CU_ASSERT_FATAL(chmod(path, 0644) == 0);
	CU_ASSERT_EQUAL(sig_key_save_pem(key, path), GW_OK);
	CU_ASSERT_EQUAL(file_mode(path), 0600);
	sig_key_free(key);
	rm_tree(dir);
}

/* ---- BIND import ------------------------------------------------------------ */

/* Copy a fixture pair into dir, the private file 0600. */
static void stage_pair(const char *dir, const fixture_t *f, char *key_path, char *priv_path,
                       size_t len)
{
	char src[1024], name[256];
	snprintf(name, sizeof(name), "%s/%s.key", f->dir, f->base);
	data_path(src, sizeof(src), name);
	snprintf(key_path, len, "%s/%s.key", dir, f->base);
	copy_file(src, key_path, 0644);
	snprintf(name, sizeof(name), "%s/%s.private", f->dir, f->base);
	data_path(src, sizeof(src), name);
	snprintf(priv_path, len, "%s/%s.private", dir, f->base);
	copy_file(src, priv_path, 0600);
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

	CU_ASSERT_PTR_NULL(key);
	rm_tree(dir);
}

/* ---- key store --------------------------------------------------------------- */

static sig_key_policy_t policy(uint8_t alg, bool split)
{
	sig_key_policy_t p = {.algorithm = alg, .split = split, .rsa_bits = 2048};
	return p;
}

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
	CU_ASSERT(strncmp(text, "dnssd-gateway-keys 1\n", 21) == 0);
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

	/* A key file that holds another key than the state lists. */
	CU_ASSERT_FATAL(chmod(path, 0600) == 0);
	sig_key_t *stranger = NULL;
	CU_ASSERT_EQUAL_FATAL(sig_key_generate(&stranger, 15, SIG_ROLE_CSK, g_apex, 0), GW_OK);
	CU_ASSERT_EQUAL_FATAL(sig_key_save_pem(stranger, path), GW_OK);
	sig_key_free(stranger);
	CU_ASSERT_EQUAL(sig_keystore_open(&ks, state2, g_apex, &csk), GW_EKEY);
	rm_tree(dir);
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

int gw_test_register(void)
{
	int ret = gw_test_suite("dnssec keys", (gw_test_t[]){
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
	if (ret != 0)
		return ret;
	return gw_test_suite("dnssec keystore", (gw_test_t[]){
	                                            {"csk", test_keystore_csk},
	                                            {"split", test_keystore_split},
	                                            {"missing key", test_keystore_missing_key},
	                                            {"bad state", test_keystore_bad_state},
	                                            {"crash", test_keystore_crash},
	                                            {"lost state", test_keystore_lost_state},
	                                            {"import", test_keystore_import},
	                                            {"publish ds", test_publish_ds},
	                                            {NULL, NULL},
	                                        });
}
