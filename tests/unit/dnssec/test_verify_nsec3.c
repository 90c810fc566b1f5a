/* dnssec/verify.c on NSEC3 zones: sig_verify_zone() accepts a DNS-SD zone
 * that ldns-signzone signed with NSEC3 (an implementation independent of
 * ours, tests/data/verify-nsec3) and a one-name zone built by hand, and
 * names the first problem of each broken variant. Hashes in the tests
 * come from ldns, not from dnssec/nsec3.c. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "dnssec/dnssec.h"
#include "file_util.h"
#include "zone_util.h"

#define APEX     "dnssd.example."
#define KEY_BASE "Kdnssd.example.+013+06567"
/* The fixture's NSEC3 owners: 13 names and 8 empty non-terminals. */
#define FIXTURE_NSEC3 21

/* NSEC3 rdata fields as ldns numbers them. */
#define F_FLAGS      1
#define F_ITERATIONS 2
#define F_SALT       3
#define F_NEXT       4
#define F_BITMAP     5

typedef struct fixture {
	zone_t *zone;
	sig_key_t *key;
	sig_signer_t signer;
	time_t now;
} fixture_t;

static const char *data_path(const char *file)
{
	static char path[4096];
	const char *dir = getenv("GW_TEST_DATA");
	snprintf(path, sizeof(path), "%s/verify-nsec3/%s", dir != NULL ? dir : "tests/data", file);
	return path;
}

/* The fixture's key, imported as a CSK. Git keeps the private file 0644,
 * which the importer refuses: it is read from a 0600 copy. */
static sig_key_t *import_key(void)
{
	char tmpl[] = "/tmp/gw-verify-nsec3-XXXXXX";
	char key_path[256];
	char priv_path[256];
	uint8_t apex[ZONE_NAME_MAXLEN];
	sig_key_t *key = NULL;
	char *dir = mkdtemp(tmpl);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(key_path, sizeof(key_path), "%s/%s.key", dir, KEY_BASE);
	snprintf(priv_path, sizeof(priv_path), "%s/%s.private", dir, KEY_BASE);
	copy_file(data_path(KEY_BASE ".key"), key_path, 0644);
	copy_file(data_path(KEY_BASE ".private"), priv_path, 0600);
	int ret = sig_key_import_bind(&key, key_path, priv_path, tname(apex, APEX), true);
	unlink(key_path);
	unlink(priv_path);
	rmdir(dir);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	return key;
}

/* One RRset's signatures, collected from the loaded RRSIG RRsets. */
typedef struct pending_sigs {
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint16_t type;
	uint8_t buf[2048];
	uint32_t len;
} pending_sigs_t;

/* zone_load_file() keeps RRSIGs as RRSIG RRsets of their own; the
 * verifier wants them attached to the RRsets they cover, as the signer
 * leaves them. */
static void attach_loaded_sigs(zone_t *zone)
{
	static pending_sigs_t pending[128];
	size_t count = 0;
	zone_changeset_t cs;

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		const zone_rrset_t *rrsigs = zone_node_rrset(node, LDNS_RR_TYPE_RRSIG);
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t pos = 0;
		while (rrsigs != NULL && zone_rrset_next(rrsigs, &pos, &rd, &rdlen)) {
			uint16_t covered = (uint16_t)(rd[0] << 8 | rd[1]);
			pending_sigs_t *p = NULL;
			for (size_t i = 0; i < count && p == NULL; i++) {
				if (pending[i].type == covered &&
				    zone_name_equal(pending[i].owner, node->owner))
					p = &pending[i];
			}
			if (p == NULL) {
				CU_ASSERT_FATAL(count < sizeof(pending) / sizeof(pending[0]));
				p = &pending[count++];
				memcpy(p->owner, node->owner, node->owner_len);
				p->type = covered;
				p->len = 0;
			}
			CU_ASSERT_FATAL(p->len + 2u + rdlen <= sizeof(p->buf));
			p->buf[p->len] = (uint8_t)(rdlen >> 8);
			p->buf[p->len + 1] = (uint8_t)rdlen;
			memcpy(p->buf + p->len + 2, rd, rdlen);
			p->len += 2u + rdlen;
			ldns_rr *rr = NULL;
			CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, rrsigs, rd, rdlen) == GW_OK);
			CU_ASSERT_FATAL(zone_changeset_remove(&cs, rr) == GW_OK);
		}
	}
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(count > FIXTURE_NSEC3);
	for (size_t i = 0; i < count; i++)
		CU_ASSERT_FATAL(zone_set_sigs(zone, pending[i].owner, pending[i].type,
		                              pending[i].buf, pending[i].len) == GW_OK);
}

static sig_signer_t make_signer(const zone_t *zone, sig_key_t *const *key)
{
	return (sig_signer_t){
	    .keys = key,
	    .key_count = 1,
	    .apex = zone_apex(zone),
	    .validity = 14 * 86400,
	    .refresh = 7 * 86400,
	    .jitter = 86400,
	    .inception_offset = 3600,
	};
}

static void fixture_open(fixture_t *f)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	char err[512] = "";

	memset(f, 0, sizeof(*f));
	f->now = time(NULL);
	f->key = import_key();
	int ret = zone_load_file(&f->zone, tname(apex, APEX), data_path("dnssd.example.signed"),
	                         err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	attach_loaded_sigs(f->zone);
	f->signer = make_signer(f->zone, &f->key);
}

static void fixture_close(fixture_t *f)
{
	zone_free(f->zone);
	sig_key_free(f->key);
}

static int verify(const fixture_t *f, char *err, size_t len)
{
	err[0] = '\0';
	return sig_verify_zone(f->zone, &f->key, 1, f->now, err, len);
}

static bool verifies(const fixture_t *f)
{
	char err[512];
	int ret = verify(f, err, sizeof(err));

	if (ret != GW_OK)
		fprintf(stderr, "\n  sig_verify_zone: %s\n", err);
	return ret == GW_OK;
}

/* The verifier must fail with code and a message that starts with
 * "<owner> <TYPE>: " and contains what. */
static void expect_fail(const fixture_t *f, int code, const char *owner_type, const char *what)
{
	char err[512];
	int ret = verify(f, err, sizeof(err));
	bool ok = ret == code && strncmp(err, owner_type, strlen(owner_type)) == 0 &&
	          strstr(err, what) != NULL;

	if (!ok)
		fprintf(stderr, "\n  got %d \"%s\"\n  want %d \"%s...%s\"\n", ret, err, code,
		        owner_type, what);
	CU_ASSERT(ok);
}

/* "<hash label>.dnssd.example." of name, hashed by ldns. */
static const char *hashed(char *out, size_t len, const char *name)
{
	ldns_rdf *dname = ldns_dname_new_frm_str(name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dname);
	ldns_rdf *label = ldns_nsec3_hash_name(dname, 1, 0, 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(label);
	char *text = ldns_rdf2str(label);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (char *p = text; *p != '\0'; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	}
	snprintf(out, len, "%s%s", text, APEX); /* text ends with its dot */
	free(text);
	ldns_rdf_deep_free(label);
	ldns_rdf_deep_free(dname);
	return out;
}

/* The hash label alone (32 characters) of name. */
static const char *hash_label(char *out, size_t len, const char *name)
{
	char owner[512];
	snprintf(out, len, "%.32s", hashed(owner, sizeof(owner), name));
	return out;
}

/* The NSEC3 RR of name (caller frees). */
static ldns_rr *nsec3_of(const zone_t *zone, const char *name)
{
	char owner_text[512];
	uint8_t owner[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(owner, hashed(owner_text, 512, name)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(node);
	const zone_rrset_t *rrset = zone_node_rrset(node, LDNS_RR_TYPE_NSEC3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rrset);
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(zone_rr_to_ldns(&rr, node, rrset, rrset->rdata + 2,
	                                (uint16_t)(rrset->rdata[0] << 8 | rrset->rdata[1])) ==
	                GW_OK);
	return rr;
}

/* Apply cs and sign what it left unsigned, so that the verifier gets past
 * the signatures to the denial records. */
static void apply_signed(fixture_t *f, zone_changeset_t *cs)
{
	CU_ASSERT_FATAL(zone_apply(f->zone, cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(cs);
	CU_ASSERT_FATAL(sig_sign_zone(&f->signer, f->zone, f->now, false, 1, NULL) == GW_OK);
}

/* Remove the texts in del and add those in add (NULL-terminated, either
 * may be NULL), then sign. */
static void change(fixture_t *f, const char *const *del, const char *const *add)
{
	zone_changeset_t cs;

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (; del != NULL && *del != NULL; del++)
		tcs_remove(&cs, *del);
	for (; add != NULL && *add != NULL; add++)
		tcs_add(&cs, *add);
	apply_signed(f, &cs);
}

/* Replace rdata field idx of name's NSEC3 with text (NULL: drop the
 * field, for an empty bitmap), then sign. */
static void replace_field(fixture_t *f, const char *name, size_t idx, ldns_rdf_type type,
                          const char *text)
{
	zone_changeset_t cs;
	ldns_rr *old = nsec3_of(f->zone, name);
	ldns_rr *rr = ldns_rr_clone(old);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
	if (text == NULL) {
		while (ldns_rr_rd_count(rr) > idx)
			ldns_rdf_deep_free(ldns_rr_pop_rdf(rr));
	} else {
		ldns_rdf *rdf = ldns_rdf_new_frm_str(type, text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rdf);
		if (idx < ldns_rr_rd_count(rr))
			ldns_rdf_deep_free(ldns_rr_set_rdf(rr, rdf, idx));
		else
			CU_ASSERT_FATAL(idx == ldns_rr_rd_count(rr) && ldns_rr_push_rdf(rr, rdf));
	}
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, old) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_add(&cs, rr) == GW_OK);
	apply_signed(f, &cs);
}

static void remove_nsec3(fixture_t *f, const char *name)
{
	zone_changeset_t cs;

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, nsec3_of(f->zone, name)) == GW_OK);
	apply_signed(f, &cs);
}

/* (1) The zone as ldns-signzone made it: every name and empty
 * non-terminal, the unsigned delegation (bitmap NS alone), the signed
 * one (NS DS RRSIG); also after our signer re-signs everything. */
static void test_accept_ldns_zone(void)
{
	fixture_t f;

	fixture_open(&f);
	CU_ASSERT(sig_zone_uses_nsec3(f.zone));
	CU_ASSERT_EQUAL(zone_hashed_count(f.zone), FIXTURE_NSEC3);
	CU_ASSERT(verifies(&f));
	CU_ASSERT(sig_sign_zone(&f.signer, f.zone, f.now, true, 1, NULL) == GW_OK);
	CU_ASSERT(verifies(&f));
	fixture_close(&f);

	/* The signatures are checked too: the ldns ones are not valid
	 * before 2024. */
	fixture_open(&f);
	f.now = 1672531200; /* 2023-01-01 */
	expect_fail(&f, GW_ECRYPTO, APEX " ", "inception");
	fixture_close(&f);
}

/* (2) A zone with one name: its NSEC3 points to itself. */
static void test_accept_single_name(void)
{
	char owner[512];
	char label[64];
	char nsec3[1024];
	char bad[1024];
	uint8_t apex[ZONE_NAME_MAXLEN];
	fixture_t f = {.now = time(NULL)};

	CU_ASSERT_FATAL(sig_key_generate(&f.key, SIG_ALG_ECDSAP256SHA256, SIG_ROLE_CSK,
	                                 tname(apex, APEX), 0) == GW_OK);
	hashed(owner, sizeof(owner), APEX);
	hash_label(label, sizeof(label), APEX);
	snprintf(nsec3, sizeof(nsec3), "%s 300 IN NSEC3 1 0 0 - %s NS SOA RRSIG DNSKEY NSEC3PARAM",
	         owner, label);
	const char *rrs[] = {
	    APEX " 3600 IN SOA ns.other.example. hostmaster." APEX " 1 3600 600 86400 300",
	    APEX " 3600 IN NS ns.other.example.",
	    APEX " 0 IN NSEC3PARAM 1 0 0 -",
	    nsec3,
	    NULL,
	};
	f.zone = tzone(APEX, rrs);
	ldns_rr *dnskey = NULL;
	CU_ASSERT_FATAL(sig_key_dnskey_rr(f.key, 3600, &dnskey) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(f.zone, dnskey) == GW_OK);
	ldns_rr_free(dnskey);
	f.signer = make_signer(f.zone, &f.key);
	CU_ASSERT_FATAL(sig_sign_zone(&f.signer, f.zone, f.now, true, 1, NULL) == GW_OK);
	CU_ASSERT(verifies(&f));

	/* Pointing anywhere else breaks the loop. */
	snprintf(bad, sizeof(bad), "%s 300 IN NSEC3 1 0 0 - %s NS SOA RRSIG DNSKEY NSEC3PARAM",
	         owner, hash_label(label, sizeof(label), "www." APEX));
	change(&f, (const char *[]){nsec3, NULL}, (const char *[]){bad, NULL});
	expect_fail(&f, GW_ESEMANTIC, owner, "next hashed owner");
	fixture_close(&f);
}

/* (3) A name without an NSEC3: a new one, and one whose NSEC3 was
 * removed. */
static void test_missing_name(void)
{
	fixture_t f;

	fixture_open(&f);
	change(&f, NULL, (const char *[]){"new." APEX " 3600 IN A 192.0.2.99", NULL});
	expect_fail(&f, GW_ESEMANTIC, "new." APEX " NSEC3: ", "name without NSEC3");
	fixture_close(&f);

	fixture_open(&f);
	remove_nsec3(&f, "printer.lan." APEX);
	expect_fail(&f, GW_ESEMANTIC, "printer.lan." APEX " NSEC3: ", "name without NSEC3");
	fixture_close(&f);

	/* A delegation point is in the chain too. */
	fixture_open(&f);
	remove_nsec3(&f, "sub." APEX);
	expect_fail(&f, GW_ESEMANTIC, "sub." APEX " NSEC3: ", "name without NSEC3");
	fixture_close(&f);
}

/* (4) An empty non-terminal without an NSEC3: one whose NSEC3 was
 * removed, and a new one above a new name that got its own. */
static void test_missing_ent(void)
{
	fixture_t f;
	char owner[512];
	char nsec3[1024];

	fixture_open(&f);
	remove_nsec3(&f, "_tcp.lan." APEX);
	expect_fail(&f, GW_ESEMANTIC, "_tcp.lan." APEX " NSEC3: ", "empty non-terminal without");
	fixture_close(&f);

	fixture_open(&f);
	snprintf(nsec3, sizeof(nsec3), "%s 300 IN NSEC3 1 0 0 - %.32s A RRSIG",
	         hashed(owner, sizeof(owner), "x.newent.lan." APEX), owner);
	change(&f, NULL,
	       (const char *[]){"x.newent.lan." APEX " 3600 IN A 192.0.2.98", nsec3, NULL});
	expect_fail(&f, GW_ESEMANTIC, "newent.lan." APEX " NSEC3: ", "empty non-terminal without");
	fixture_close(&f);

	/* Glue below a delegation is not in the chain: no NSEC3 wanted
	 * for it nor for an empty non-terminal above it. */
	fixture_open(&f);
	change(&f, NULL, (const char *[]){"a.b.sub." APEX " 3600 IN A 192.0.2.97", NULL});
	CU_ASSERT(verifies(&f));
	fixture_close(&f);
}

/* (5) A wrong next hashed owner, in the middle and at the wrap. */
static void test_wrong_next(void)
{
	fixture_t f;
	char label[64];
	char next[64];
	char want[200];

	fixture_open(&f);
	/* printer.lan's NSEC3 (5pmuk...) must point to 60p04... */
	replace_field(&f, "printer.lan." APEX, F_NEXT, LDNS_RDF_TYPE_NSEC3_NEXT_OWNER,
	              hash_label(label, sizeof(label), APEX));
	snprintf(want, sizeof(want), "next hashed owner %s, the chain wants %s", label,
	         "60p047htn7afb9865fuessepe9qagfnc");
	expect_fail(&f, GW_ESEMANTIC, "5pmuk654s5eib9jo1vouocnreod2qrad." APEX " NSEC3: ", want);
	fixture_close(&f);

	/* The last hash (v4092..., b._dns-sd._udp) wraps to the first
	 * (0l4hm..., ns1); pointing past it is wrong. */
	fixture_open(&f);
	CU_ASSERT_STRING_EQUAL(hash_label(label, sizeof(label), "b._dns-sd._udp." APEX),
	                       "v4092saspmb1ujru2jd5mfv0506kloqf");
	CU_ASSERT_STRING_EQUAL(hash_label(next, sizeof(next), "ns1." APEX),
	                       "0l4hmc60svevvmob0pamub2curlretve");
	replace_field(&f, "b._dns-sd._udp." APEX, F_NEXT, LDNS_RDF_TYPE_NSEC3_NEXT_OWNER,
	              hash_label(label, sizeof(label), APEX));
	expect_fail(&f, GW_ESEMANTIC, "v4092saspmb1ujru2jd5mfv0506kloqf." APEX " NSEC3: ",
	            "the chain wants 0l4hmc60svevvmob0pamub2curlretve");
	fixture_close(&f);
}

/* (6) NSEC3 owners that stand for no name. */
static void test_extra_nsec3(void)
{
	fixture_t f;
	char owner[512];
	char nsec3[1024];

	/* The hash of a name that does not exist. */
	fixture_open(&f);
	snprintf(nsec3, sizeof(nsec3), "%s 300 IN NSEC3 1 0 0 - %.32s A RRSIG",
	         hashed(owner, sizeof(owner), "ghost." APEX), owner);
	change(&f, NULL, (const char *[]){nsec3, NULL});
	expect_fail(&f, GW_ESEMANTIC, owner, "NSEC3 that is the hash of no name in the zone");
	fixture_close(&f);

	/* A name that went away and left its NSEC3 behind. */
	fixture_open(&f);
	change(&f,
	       (const char *[]){"printer.lan." APEX " 3600 IN A 192.0.2.10",
	                        "printer.lan." APEX " 3600 IN AAAA 2001:db8::10", NULL},
	       NULL);
	expect_fail(&f, GW_ESEMANTIC,
	            "5pmuk654s5eib9jo1vouocnreod2qrad." APEX " NSEC3: ", "hash of no name");
	fixture_close(&f);

	/* A label that is no hash at all. */
	fixture_open(&f);
	change(&f, NULL,
	       (const char *[]){"not-a-hash." APEX
	                        " 300 IN NSEC3 1 0 0 - 0l4hmc60svevvmob0pamub2curlretve A",
	                        NULL});
	expect_fail(&f, GW_ESEMANTIC, "not-a-hash." APEX " NSEC3: ", "not a base32hex");
	fixture_close(&f);
}

/* (7) Bitmaps: a type missing, RRSIG at an unsigned delegation or
 * missing at a signed one, an empty non-terminal with types, NSEC3
 * listed at the apex, NSEC3PARAM missing there. */
static void test_wrong_bitmap(void)
{
	static const struct {
		const char *name;
		const char *owner;
		const char *types;
		const char *what;
	} cases[] = {
	    {"printer.lan." APEX, "5pmuk654s5eib9jo1vouocnreod2qrad." APEX, "A RRSIG",
	     "type bitmap does not match the types of printer.lan." APEX},
	    {"sub." APEX, "bgk6qdnbuql620jem1s5b84dnhreoae9." APEX, "NS RRSIG",
	     "type bitmap does not match the types of sub." APEX},
	    {"secure." APEX, "q9i8tmme57h02lklcuf37d8a7e9gv9tn." APEX, "NS DS",
	     "type bitmap does not match the types of secure." APEX},
	    {"_tcp.lan." APEX, NULL, "PTR", "(an empty non-terminal: none)"},
	    {APEX, "1gnhar1j4v3meol0hnk6t182ukneos9f." APEX, "NS SOA RRSIG DNSKEY NSEC3PARAM NSEC3",
	     "does not match the types of " APEX},
	    /* NSEC3PARAM is one of the apex's types like any other. */
	    {APEX, "1gnhar1j4v3meol0hnk6t182ukneos9f." APEX, "NS SOA RRSIG DNSKEY",
	     "lists \"NS SOA RRSIG DNSKEY\", wants \"NS SOA RRSIG DNSKEY NSEC3PARAM\""},
	};
	char owner[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_t f;
		fixture_open(&f);
		replace_field(&f, cases[i].name, F_BITMAP, LDNS_RDF_TYPE_BITMAP, cases[i].types);
		const char *at = cases[i].owner != NULL
		                     ? cases[i].owner
		                     : hashed(owner, sizeof(owner), cases[i].name);
		if (cases[i].owner != NULL)
			CU_ASSERT_STRING_EQUAL(hashed(owner, sizeof(owner), cases[i].name),
			                       cases[i].owner);
		expect_fail(&f, GW_ESEMANTIC, at, cases[i].what);
		fixture_close(&f);
	}

	/* A name that has types must not have an empty bitmap. */
	fixture_t f;
	fixture_open(&f);
	replace_field(&f, "www." APEX, F_BITMAP, LDNS_RDF_TYPE_BITMAP, NULL);
	expect_fail(&f, GW_ESEMANTIC, hashed(owner, sizeof(owner), "www." APEX),
	            "does not match the types of www." APEX);
	fixture_close(&f);
}

/* (8) NSEC left over in an NSEC3 zone, also at an NSEC3 owner. */
static void test_stale_nsec(void)
{
	fixture_t f;
	char owner[512];
	char nsec[1024];

	fixture_open(&f);
	change(&f, NULL,
	       (const char *[]){"printer.lan." APEX " 300 IN NSEC www." APEX " A AAAA RRSIG NSEC",
	                        NULL});
	expect_fail(&f, GW_ESEMANTIC,
	            "printer.lan." APEX " NSEC: ", "NSEC in a zone signed with NSEC3");
	fixture_close(&f);

	fixture_open(&f);
	snprintf(nsec, sizeof(nsec), "%s 300 IN NSEC www." APEX " NSEC3 RRSIG NSEC",
	         hashed(owner, sizeof(owner), "www." APEX));
	change(&f, NULL, (const char *[]){nsec, NULL});
	expect_fail(&f, GW_ESEMANTIC, owner, "NSEC at an NSEC3 owner name");
	fixture_close(&f);
}

/* (9) NSEC3PARAM: RFC 9276 parameters, one RR. */
static void test_nsec3param(void)
{
	static const struct {
		const char *param;
		const char *what;
	} cases[] = {
	    {"1 0 1 -", "iterations 1, RFC 9276 wants 0"},
	    {"1 0 0 aabb", "salt of 2 octets, RFC 9276 wants none"},
	    {"1 1 0 -", "flags 1, not 0"},
	    {"2 0 0 -", "hash algorithm 2, not 1"},
	};
	char text[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fixture_t f;
		fixture_open(&f);
		snprintf(text, sizeof(text), APEX " 3600 IN NSEC3PARAM %s", cases[i].param);
		change(&f, (const char *[]){APEX " 3600 IN NSEC3PARAM 1 0 0 -", NULL},
		       (const char *[]){text, NULL});
		expect_fail(&f, GW_ESEMANTIC, APEX " NSEC3PARAM: ", cases[i].what);
		fixture_close(&f);
	}

	fixture_t f;
	fixture_open(&f);
	change(&f, NULL, (const char *[]){APEX " 3600 IN NSEC3PARAM 1 0 0 ab", NULL});
	expect_fail(&f, GW_ESEMANTIC, APEX " NSEC3PARAM: ", "2 NSEC3PARAM RRs, not 1");
	fixture_close(&f);

	/* Unsigned: the signature check covers it like any RRset. */
	fixture_open(&f);
	CU_ASSERT_FATAL(
	    zone_set_sigs(f.zone, zone_apex(f.zone), LDNS_RR_TYPE_NSEC3PARAM, NULL, 0) == GW_OK);
	expect_fail(&f, GW_ECRYPTO, APEX " NSEC3PARAM: ", "no RRSIG");
	fixture_close(&f);
}

/* (10) The fields of one NSEC3, its TTL, its signature, and what may
 * sit at or below an NSEC3 owner. */
static void test_nsec3_record(void)
{
	fixture_t f;
	char owner[512];
	char text[1024];
	uint8_t name[ZONE_NAME_MAXLEN];

	hashed(owner, sizeof(owner), "printer.lan." APEX);

	fixture_open(&f);
	replace_field(&f, "printer.lan." APEX, F_ITERATIONS, LDNS_RDF_TYPE_INT16, "1");
	expect_fail(&f, GW_ESEMANTIC, owner, "iterations 1, RFC 9276 wants 0");
	fixture_close(&f);

	fixture_open(&f);
	replace_field(&f, "printer.lan." APEX, F_FLAGS, LDNS_RDF_TYPE_INT8, "1");
	expect_fail(&f, GW_ESEMANTIC, owner, "flags 1, not 0 (no opt-out)");
	fixture_close(&f);

	fixture_open(&f);
	replace_field(&f, "printer.lan." APEX, F_SALT, LDNS_RDF_TYPE_NSEC3_SALT, "aabb");
	expect_fail(&f, GW_ESEMANTIC, owner, "salt of 2 octets");
	fixture_close(&f);

	/* RFC 9077: min(SOA TTL 3600, MINIMUM 300). */
	fixture_open(&f);
	ldns_rr *old = nsec3_of(f.zone, "printer.lan." APEX);
	ldns_rr *rr = ldns_rr_clone(old);
	ldns_rr_set_ttl(rr, 3600);
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, old) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_add(&cs, rr) == GW_OK);
	apply_signed(&f, &cs);
	expect_fail(&f, GW_ESEMANTIC, owner, "TTL 3600, RFC 9077 wants 300");
	fixture_close(&f);

	/* A flipped bit in the NSEC3's signature. */
	fixture_open(&f);
	const zone_rrset_t *set = trrset(f.zone, owner, LDNS_RR_TYPE_NSEC3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	uint8_t *copy = malloc(set->sigs_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	memcpy(copy, set->sigs, set->sigs_len);
	copy[set->sigs_len - 1] ^= 0x01;
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, tname(name, owner), LDNS_RR_TYPE_NSEC3, copy,
	                              set->sigs_len) == GW_OK);
	free(copy);
	expect_fail(&f, GW_ECRYPTO, owner, "does not verify");
	fixture_close(&f);

	/* Data beside an NSEC3, and a name below an NSEC3 owner. */
	fixture_open(&f);
	snprintf(text, sizeof(text), "%s 3600 IN A 192.0.2.1", owner);
	change(&f, NULL, (const char *[]){text, NULL});
	expect_fail(&f, GW_ESEMANTIC, owner, "data at an NSEC3 owner name");
	fixture_close(&f);

	fixture_open(&f);
	snprintf(text, sizeof(text), "x.%s 3600 IN A 192.0.2.1", owner);
	change(&f, NULL, (const char *[]){text, NULL});
	expect_fail(&f, GW_ESEMANTIC, "x.", "name below an NSEC3 owner");
	fixture_close(&f);

	/* An NSEC3 deeper than one label below the apex. */
	fixture_open(&f);
	change(&f, NULL,
	       (const char *[]){
	           "a.b." APEX " 300 IN NSEC3 1 0 0 - 0l4hmc60svevvmob0pamub2curlretve A", NULL});
	expect_fail(&f, GW_ESEMANTIC, "a.b." APEX " NSEC3: ", "not one label below the apex");
	fixture_close(&f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"accept the ldns-signzone NSEC3 zone", test_accept_ldns_zone},
	    {"accept a one-name NSEC3 zone", test_accept_single_name},
	    {"reject a name without NSEC3", test_missing_name},
	    {"reject an empty non-terminal without NSEC3", test_missing_ent},
	    {"reject a wrong next hashed owner", test_wrong_next},
	    {"reject an NSEC3 for no name", test_extra_nsec3},
	    {"reject wrong type bitmaps", test_wrong_bitmap},
	    {"reject NSEC in an NSEC3 zone", test_stale_nsec},
	    {"reject bad NSEC3PARAM", test_nsec3param},
	    {"reject bad NSEC3 fields, TTL, signature, neighbours", test_nsec3_record},
	    {NULL, NULL},
	};
	return gw_test_suite("verify_nsec3", tests);
}
