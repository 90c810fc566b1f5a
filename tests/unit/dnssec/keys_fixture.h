/* The fixture of the key tests (test_dnssec_keys.c, test_dnssec_keystore.c,
 * test_dnssec_keystore_state.c): the BIND key pairs of tests/data/dnssec,
 * temporary directories and files, and signatures checked by ldns.
 * Header-only, included once per test program. */
#pragma once

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
#include "file_util.h"

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

static inline void data_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(buf, len, "%s/dnssec/%s", dir != NULL ? dir : "tests/data", rel);
}

/* A key policy for a store: alg, one key or a KSK and a ZSK. */
static inline sig_key_policy_t policy(uint8_t alg, bool split)
{
	sig_key_policy_t p = {.algorithm = alg, .split = split, .rsa_bits = 2048};
	return p;
}

static inline char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/gw-keys-XXXXXX";
	char *dir = mkdtemp(tmpl);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	return strdup(dir);
}

static inline int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void rm_tree(char *dir)
{
	if (dir == NULL)
		return;
	/* Tests chmod directories on purpose; make sure they can go. */
	chmod(dir, 0700);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline void join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < len);
}

static inline char *read_text(const char *path)
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

static inline void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}

static inline mode_t file_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static inline bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Sorted listing of dir and its subdirectories: name, mode, size, mtime
 * and content hash; equal snapshots mean nothing was touched. */
static inline void snapshot_dir(const char *dir, char *out, size_t len)
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
static inline ldns_rr *read_key_file(const char *path)
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
static inline ldns_rr_list *read_rr_file(const char *path)
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

static inline ldns_rr *rr_from_str(const char *text)
{
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, text, 3600, NULL, NULL) == LDNS_STATUS_OK);
	return rr;
}

static inline bool rdata_equal(const ldns_rr *a, const ldns_rr *b)
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
static inline uint8_t *rdata_wire(const ldns_rr *rr, size_t *len)
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
static inline ldns_status sign_and_verify(const sig_key_t *key, const ldns_rr *dnskey, bool tamper)
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

static inline void assert_signs(const sig_key_t *key, const ldns_rr *dnskey)
{
	CU_ASSERT_EQUAL(sign_and_verify(key, dnskey, false), LDNS_STATUS_OK);
	CU_ASSERT_NOT_EQUAL(sign_and_verify(key, dnskey, true), LDNS_STATUS_OK);
}

/* SHA-256 over owner (lowercase wire) and DNSKEY rdata, computed here
 * with OpenSSL, without ldns or the code under test. */
static inline void ds_digest(const uint8_t *owner, size_t owner_len, const uint8_t *rdata,
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

/* ---- BIND import ------------------------------------------------------------ */

/* Copy a fixture pair into dir, the private file 0600. */
static inline void stage_pair(const char *dir, const fixture_t *f, char *key_path, char *priv_path,
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
