/* The fixture of the signing tests (test_dnssec_sign_*.c): keys, signers,
 * the NSEC or NSEC3 chain, verification by ldns and ldns-verify-zone, and
 * readers of RRSIG rdata. Header-only, included once per test program. */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ldns/util.h>

#include "common/error.h"
#include "cunit.h"
#include "dnssec/dnssec.h"
#include "zone_util.h"

#define APEX "dnssd.example."

/* RRSIG rdata fields (RFC 4034 3.1). */
#define RRSIG_LABELS 3
#define RRSIG_TTL    4
#define RRSIG_EXPIRE 8
#define RRSIG_TAG    16

static inline sig_key_t *make_key(const char *apex, sig_role_t role)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	sig_key_t *key = NULL;

	CU_ASSERT_FATAL(
	    sig_key_generate(&key, SIG_ALG_ECDSAP256SHA256, role, tname(name, apex), 0) == GW_OK);
	return key;
}

static inline void add_dnskeys(zone_t *zone, sig_key_t *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(sig_key_dnskey_rr(keys[i], 3600, &rr) == GW_OK);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
}

static inline sig_signer_t make_signer(const zone_t *zone, sig_key_t *const *keys, size_t n)
{
	return (sig_signer_t){
	    .keys = keys,
	    .key_count = n,
	    .apex = zone_apex(zone),
	    .validity = 14 * 86400,
	    .refresh = 7 * 86400,
	    .jitter = 86400,
	    .inception_offset = 3600,
	};
}

/* Which denial the tests that run in both forms build: NSEC (false) or
 * NSEC3. */
static bool with_nsec3;

static inline int chain_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs)
{
	return with_nsec3 ? sig_nsec3_update(zone, ttl, cs) : sig_nsec_update(zone, ttl, cs);
}

/* The incremental chain is the whole-zone chain: a full pass finds
 * nothing to change. */
static inline bool chain_is_current(const zone_t *zone)
{
	zone_changeset_t cs;
	uint32_t ttl = 0;

	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT(chain_update(zone, ttl, &cs) == GW_OK);
	bool current = zone_changeset_empty(&cs);
	if (!current) {
		fprintf(stderr, "\n  the chain is not current; a full pass would change:\n");
		for (size_t i = 0; i < ldns_rr_list_rr_count(cs.remove); i++) {
			char *t = ldns_rr2str(ldns_rr_list_rr(cs.remove, i));
			fprintf(stderr, "  - %s", t);
			free(t);
		}
		for (size_t i = 0; i < ldns_rr_list_rr_count(cs.add); i++) {
			char *t = ldns_rr2str(ldns_rr_list_rr(cs.add, i));
			fprintf(stderr, "  + %s", t);
			free(t);
		}
	}
	zone_changeset_deinit(&cs);
	return current;
}

/* Build the whole NSEC (or NSEC3) chain and sign everything. */
static inline void sign_all(const sig_signer_t *signer, zone_t *zone, time_t now, unsigned threads)
{
	zone_changeset_t cs;
	uint32_t ttl = 0;
	size_t count = 0;

	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(zone, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(signer, zone, now, true, threads, &count) == GW_OK);
	CU_ASSERT(count > 0);
}

/* A zone of rrs at APEX signed whole with one CSK, now: where most
 * signing tests start. csk_zone_free() frees the zone and the key. */
typedef struct {
	zone_t *zone;
	sig_key_t *keys[1];
	sig_signer_t signer;
	time_t now;
} csk_zone_t;

static inline void csk_zone_sign(csk_zone_t *f, const char *const *rrs, unsigned threads)
{
	f->zone = tzone(APEX, rrs);
	f->keys[0] = make_key(APEX, SIG_ROLE_CSK);
	f->signer = make_signer(f->zone, f->keys, 1);
	f->now = time(NULL);
	add_dnskeys(f->zone, f->keys, 1);
	sign_all(&f->signer, f->zone, f->now, threads);
}

static inline void csk_zone_free(csk_zone_t *f)
{
	sig_key_free(f->keys[0]);
	zone_free(f->zone);
}

/* sig_verify_zone_memo(); memo NULL verifies every signature. */
static inline bool verifies_memo(const zone_t *zone, sig_key_t *const *keys, size_t n, time_t now,
                                 sig_verify_memo_t *memo)
{
	char err[512];
	int ret = sig_verify_zone_memo(zone, keys, n, now, memo, err, sizeof(err));

	if (ret != GW_OK)
		fprintf(stderr, "\n  sig_verify_zone: %s\n", err);
	return ret == GW_OK;
}

static inline bool verifies(const zone_t *zone, sig_key_t *const *keys, size_t n, time_t now)
{
	return verifies_memo(zone, keys, n, now, NULL);
}

/* Dump the zone (its DNSKEYs are in it) and run ldns-verify-zone (with
 * with_ldns) and BIND's dnssec-verify on it. Returns the first failing
 * tool's exit status, 0 when they accept it, -1 when one could not run. */
static inline int verify_zone_file(const zone_t *zone, bool with_ldns)
{
	char path[] = "/tmp/gw-test-sign-XXXXXX";
	char cmd[1400];
	char line[512];
	int fd = mkstemp(path);
	int status;

	CU_ASSERT_FATAL(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT(zone_dump(zone, fp) == GW_OK);
	fclose(fp);
	snprintf(cmd, sizeof(cmd), "ldns-verify-zone -V 1 %s 2>&1", path);
	FILE *pp = NULL;
	int result = 0;
	if (with_ldns) {
		pp = popen(cmd, "r");
		CU_ASSERT_FATAL(pp != NULL);
		while (fgets(line, sizeof(line), pp) != NULL)
			fprintf(stderr, "  ldns-verify-zone: %s", line);
		status = pclose(pp);
		result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	/* BIND's verifier too, an implementation independent of ldns (-z:
	 * a single combined key is not an error). */
	char origin[ZONE_NAME_MAXLEN * 4 + 2];
	CU_ASSERT_FATAL(zone_name_to_str(origin, sizeof(origin), zone_apex(zone)) == GW_OK);
	snprintf(cmd, sizeof(cmd), "dnssec-verify -q -z -o '%s' %s 2>&1", origin, path);
	pp = popen(cmd, "r");
	CU_ASSERT_FATAL(pp != NULL);
	while (fgets(line, sizeof(line), pp) != NULL)
		fprintf(stderr, "  dnssec-verify: %s", line);
	status = pclose(pp);
	if (result == 0)
		result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	unlink(path);
	return result;
}

static inline int ldns_verify_zone_file(const zone_t *zone)
{
	return verify_zone_file(zone, true);
}

static inline const zone_rrset_t *rrset_of(const zone_t *zone, const char *owner, uint16_t type)
{
	const zone_rrset_t *rrset = trrset(zone, owner, type);
	if (rrset == NULL)
		fprintf(stderr, "\n  no RRset %s %u\n", owner, type);
	CU_ASSERT_FATAL(rrset != NULL);
	return rrset;
}

/* The i-th RRSIG rdata of an RRset. */
static inline const uint8_t *sig_at(const zone_rrset_t *rrset, unsigned idx, uint16_t *len)
{
	const zone_rrset_t sigs = {.rdata = rrset->sigs, .rdata_len = rrset->sigs_len};
	const uint8_t *rd = NULL;
	uint32_t pos = 0;

	for (unsigned i = 0; i <= idx; i++)
		CU_ASSERT_FATAL(zone_rrset_next(&sigs, &pos, &rd, len));
	return rd;
}

static const char *const small_zone[] = {
    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 300",
    APEX " 3600 IN NS ns1." APEX,
    "ns1." APEX " 3600 IN A 192.0.2.53",
    APEX " 3600 IN MX 10 mail." APEX,
    "mail." APEX " 3600 IN A 192.0.2.25",
    "mail." APEX " 3600 IN AAAA 2001:db8::25",
    "www." APEX " 600 IN CNAME mail." APEX,
    "b._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
    "*.wild." APEX " 300 IN TXT \"any\"",
    "a.wild." APEX " 300 IN A 192.0.2.7",
    NULL,
};
/* small_zone and BIG_PTRS browse PTRs at _http._tcp.lan., 79 octets each
 * in canonical form, over 64 KiB in all (a link with many printers): a
 * NULL-ended list in static storage. */
#define BIG_PTRS  900
#define BIG_OWNER "_http._tcp.lan." APEX
static inline const char *const *small_zone_big_ptrs(void)
{
	static char text[BIG_PTRS][96];
	static const char *rrs[BIG_PTRS + sizeof(small_zone) / sizeof(small_zone[0])];
	size_t n = 0;
	for (size_t i = 0; small_zone[i] != NULL; i++)
		rrs[n++] = small_zone[i];
	for (int i = 0; i < BIG_PTRS; i++) {
		snprintf(text[i], sizeof(text[i]),
		         BIG_OWNER " 120 IN PTR svc%05d._http._tcp.lan." APEX, i);
		rrs[n++] = text[i];
	}
	rrs[n] = NULL;
	return rrs;
}

static inline uint32_t serial_of(const zone_t *zone)
{
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_serial(zone, &serial) == GW_OK);
	return serial;
}
