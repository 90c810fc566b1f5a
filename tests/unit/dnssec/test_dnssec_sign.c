/* dnssec/ signing: RRSIGs, the NSEC chain, verification, refresh, and the
 * incremental commit path, checked against ldns and ldns-verify-zone. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static sig_key_t *make_key(const char *apex, sig_role_t role)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	sig_key_t *key = NULL;

	CU_ASSERT_FATAL(
	    sig_key_generate(&key, SIG_ALG_ECDSAP256SHA256, role, tname(name, apex), 0) == GW_OK);
	return key;
}

static void add_dnskeys(zone_t *zone, sig_key_t *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = NULL;
		CU_ASSERT_FATAL(sig_key_dnskey_rr(keys[i], 3600, &rr) == GW_OK);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
}

static sig_signer_t make_signer(const zone_t *zone, sig_key_t *const *keys, size_t n)
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

static int chain_update(const zone_t *zone, uint32_t ttl, zone_changeset_t *cs)
{
	return with_nsec3 ? sig_nsec3_update(zone, ttl, cs) : sig_nsec_update(zone, ttl, cs);
}

/* The incremental chain is the whole-zone chain: a full pass finds
 * nothing to change. */
static bool chain_is_current(const zone_t *zone)
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
static void sign_all(const sig_signer_t *signer, zone_t *zone, time_t now, unsigned threads)
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

static bool verifies(const zone_t *zone, sig_key_t *const *keys, size_t n, time_t now)
{
	char err[512];
	int ret = sig_verify_zone(zone, keys, n, now, err, sizeof(err));

	if (ret != GW_OK)
		fprintf(stderr, "\n  sig_verify_zone: %s\n", err);
	return ret == GW_OK;
}

/* Dump the zone (its DNSKEYs are in it) and run ldns-verify-zone and
 * BIND's dnssec-verify on it. Returns the first failing tool's exit status,
 * 0 when both accept it, -1 when one could not run. */
static int ldns_verify_zone_file(const zone_t *zone)
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
	FILE *pp = popen(cmd, "r");
	CU_ASSERT_FATAL(pp != NULL);
	while (fgets(line, sizeof(line), pp) != NULL)
		fprintf(stderr, "  ldns-verify-zone: %s", line);
	status = pclose(pp);
	int result = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

static const zone_rrset_t *rrset_of(const zone_t *zone, const char *owner, uint16_t type)
{
	const zone_rrset_t *rrset = trrset(zone, owner, type);
	if (rrset == NULL)
		fprintf(stderr, "\n  no RRset %s %u\n", owner, type);
	CU_ASSERT_FATAL(rrset != NULL);
	return rrset;
}

/* The i-th RRSIG rdata of an RRset. */
static const uint8_t *sig_at(const zone_rrset_t *rrset, unsigned idx, uint16_t *len)
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

/* (1) A small zone: our verifier and ldns-verify-zone both accept it, and
 * both notice a flipped signature bit. */
static void test_sign_small_zone(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);

	/* Every node has its NSEC, the last wraps to the apex. */
	const zone_rrset_t *nsec = rrset_of(zone, "www." APEX, LDNS_RR_TYPE_NSEC);
	uint8_t apex[ZONE_NAME_MAXLEN];
	tname(apex, APEX);
	CU_ASSERT(nsec->rdata_len > 2 + 15 && memcmp(nsec->rdata + 2, apex, 15) == 0);
	nsec = rrset_of(zone, "ns1." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT(nsec->rdata_len > 2 + 1 && memcmp(nsec->rdata + 2, "\001*\004wild", 7) == 0);

	/* A corrupted signature must fail both checks. */
	const zone_rrset_t *mx = rrset_of(zone, APEX, LDNS_RR_TYPE_MX);
	uint8_t *copy = malloc(mx->sigs_len);
	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, mx->sigs, mx->sigs_len);
	copy[mx->sigs_len - 1] ^= 0x01;
	uint8_t owner[ZONE_NAME_MAXLEN];
	CU_ASSERT_FATAL(
	    zone_set_sigs(zone, tname(owner, APEX), LDNS_RR_TYPE_MX, copy, mx->sigs_len) == GW_OK);
	free(copy);
	char err[512] = "";
	CU_ASSERT(sig_verify_zone(zone, keys, 1, now, err, sizeof(err)) == GW_ECRYPTO);
	CU_ASSERT(strstr(err, "MX") != NULL);
	fprintf(stderr, "\n  (a failure is expected next)\n");
	CU_ASSERT(ldns_verify_zone_file(zone) != 0);

	sig_key_free(keys[0]);
	zone_free(zone);
}

/* (1b) Two threads sign the same as one: every RRset, valid. */
static void test_sign_threads(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	size_t one = 0;
	size_t two = 0;

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 2);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(sig_sign_zone(&signer, zone, now, true, 1, &one) == GW_OK);
	CU_ASSERT(sig_sign_zone(&signer, zone, now, true, 2, &two) == GW_OK);
	CU_ASSERT(one == two && one > 10);
	CU_ASSERT(verifies(zone, keys, 1, now));
	/* Nothing needs signing right after signing. */
	CU_ASSERT(sig_sign_zone(&signer, zone, now, false, 2, &two) == GW_OK);
	CU_ASSERT(two == 0);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* Ed25519 and RSA/SHA-256 sign and verify too, here and in ldns. */
static void test_algorithms(void)
{
	static const struct {
		uint8_t alg;
		int bits;
	} algs[] = {{SIG_ALG_ED25519, 0}, {SIG_ALG_RSASHA256, 2048}};

	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		zone_t *zone = tzone(APEX, small_zone);
		uint8_t apex[ZONE_NAME_MAXLEN];
		sig_key_t *keys[1] = {NULL};
		CU_ASSERT_FATAL(sig_key_generate(&keys[0], algs[a].alg, SIG_ROLE_CSK,
		                                 tname(apex, APEX), algs[a].bits) == GW_OK);
		sig_signer_t signer = make_signer(zone, keys, 1);
		time_t now = time(NULL);
		add_dnskeys(zone, keys, 1);
		sign_all(&signer, zone, now, 2);
		CU_ASSERT(verifies(zone, keys, 1, now));
		CU_ASSERT(ldns_verify_zone_file(zone) == 0);
		/* A flipped bit in a signature is caught. */
		const zone_rrset_t *a_rr = rrset_of(zone, "mail." APEX, LDNS_RR_TYPE_A);
		uint8_t *copy = malloc(a_rr->sigs_len);
		CU_ASSERT_FATAL(copy != NULL);
		memcpy(copy, a_rr->sigs, a_rr->sigs_len);
		copy[a_rr->sigs_len - 5] ^= 0x40;
		uint8_t owner[ZONE_NAME_MAXLEN];
		CU_ASSERT(zone_set_sigs(zone, tname(owner, "mail." APEX), LDNS_RR_TYPE_A, copy,
		                        a_rr->sigs_len) == GW_OK);
		free(copy);
		CU_ASSERT(sig_verify_zone(zone, keys, 1, now, NULL, 0) == GW_ECRYPTO);
		sig_key_free(keys[0]);
		zone_free(zone);
	}
}

/* (2) Owner names and PTR/SRV targets in uppercase: the canonical form
 * lowercases them, and RRs that differ only in case are signed once. */
static void test_sign_mixed_case(void)
{
	static const char *const rrs[] = {
	    APEX " 3600 IN SOA NS1.DNSSD.example. HostMaster." APEX " 1 3600 600 86400 300",
	    APEX " 3600 IN NS NS1." APEX,
	    "NS1.DnsSd.Example. 3600 IN A 192.0.2.53",
	    "_IPP._TCP.Link-0." APEX " 120 IN PTR Printer\\ One._ipp._tcp.LINK-0.DNSSD.EXAMPLE.",
	    "_ipp._tcp.link-0." APEX " 120 IN PTR printer\\ one._ipp._tcp.link-0." APEX,
	    "Printer\\ One._IPP._tcp.Link-0." APEX " 120 IN SRV 0 0 631 HOST-1.LINK-0." APEX,
	    "Printer\\ One._ipp._tcp.link-0." APEX " 120 IN TXT \"Note=Upper CASE stays\"",
	    "HOST-1.Link-0." APEX " 120 IN A 192.0.2.1",
	    NULL,
	};
	zone_t *zone = tzone(APEX, rrs);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);

	/* The PTR RRset holds two RRs that are one in canonical form: the
	 * signature must verify over the single lowercase RR. */
	const zone_rrset_t *ptr = rrset_of(zone, "_ipp._tcp.link-0." APEX, LDNS_RR_TYPE_PTR);
	CU_ASSERT_FATAL(ptr->count == 2);
	uint8_t owner[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(owner, "_ipp._tcp.link-0." APEX));
	uint16_t len = 0;
	const uint8_t *rd = sig_at(ptr, 0, &len);
	ldns_rr *sig = NULL;
	CU_ASSERT_FATAL(zone_rr_to_ldns(&sig, node, ptr, rd, len) == GW_OK);
	ldns_rr_list *one = ldns_rr_list_new();
	ldns_rr_list_push_rr(
	    one, trr("_ipp._tcp.link-0." APEX " 120 IN PTR printer\\ one._ipp._tcp.link-0." APEX));
	ldns_rr *dnskey = NULL;
	CU_ASSERT_FATAL(sig_key_dnskey_rr(keys[0], 3600, &dnskey) == GW_OK);
	CU_ASSERT(ldns_verify_rrsig_time(one, sig, dnskey, now) == LDNS_STATUS_OK);
	/* Both copies, as a signer that keeps duplicates would sign them,
	 * must not verify: the signature is over the canonical set. */
	ldns_rr_list_push_rr(
	    one, trr("_ipp._tcp.link-0." APEX " 120 IN PTR printer\\ one._ipp._tcp.link-1." APEX));
	CU_ASSERT(ldns_verify_rrsig_time(one, sig, dnskey, now) != LDNS_STATUS_OK);
	ldns_rr_list_deep_free(one);
	ldns_rr_free(sig);
	ldns_rr_free(dnskey);

	/* NSEC next names are lowercase: "_tcp" sorts before "host-1". */
	const zone_rrset_t *nsec =
	    rrset_of(zone, "printer\\ one._ipp._tcp.link-0." APEX, LDNS_RR_TYPE_NSEC);
	uint8_t next[ZONE_NAME_MAXLEN];
	int next_len = zone_name_from_str(next, "host-1.link-0." APEX, NULL);
	CU_ASSERT_FATAL(nsec->rdata_len > 2 + (uint32_t)next_len);
	CU_ASSERT(memcmp(nsec->rdata + 2, next, (size_t)next_len) == 0);

	sig_key_free(keys[0]);
	zone_free(zone);
}

/* (4) Refresh: short validity and refresh windows, with jitter. */
static void test_refresh(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);

	signer.validity = 100;
	signer.refresh = 50;
	signer.jitter = 40;
	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	CU_ASSERT(verifies(zone, keys, 1, now));

	uint32_t first = 0;
	bool spread = false;
	size_t rrsets = 0;
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			uint16_t len;
			uint32_t expire = get_u32(sig_at(r, 0, &len) + RRSIG_EXPIRE);
			CU_ASSERT(!sig_rrset_needs_signing(&signer, r, now));
			/* Expirations are in (now + 60, now + 100]. */
			CU_ASSERT(!sig_rrset_needs_signing(&signer, r, now + 9));
			CU_ASSERT(sig_rrset_needs_signing(&signer, r, now + 60));
			CU_ASSERT(expire <= (uint32_t)now + 100 && expire > (uint32_t)now + 50);
			if (rrsets++ == 0)
				first = expire;
			else if (expire != first)
				spread = true;
		}
	}
	CU_ASSERT(rrsets > 10);
	CU_ASSERT(spread);
	time_t next = sig_zone_next_refresh(&signer, zone);
	CU_ASSERT(next <= now + 50 && next > now);

	/* A refresh pass at now + 60 re-signs everything, once. */
	size_t count = 0;
	CU_ASSERT(sig_sign_zone(&signer, zone, now + 60, false, 2, &count) == GW_OK);
	CU_ASSERT(count == rrsets);
	CU_ASSERT(sig_sign_zone(&signer, zone, now + 60, false, 2, &count) == GW_OK);
	CU_ASSERT(count == 0);
	CU_ASSERT(verifies(zone, keys, 1, now + 60));
	CU_ASSERT(sig_zone_next_refresh(&signer, zone) > now + 60);
	/* Expired signatures fail verification. */
	CU_ASSERT(sig_verify_zone(zone, keys, 1, now + 200, NULL, 0) == GW_ECRYPTO);
	/* A removed key's signatures ask for re-signing. */
	sig_key_t *other[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t rolled = make_signer(zone, other, 1);
	CU_ASSERT(
	    sig_rrset_needs_signing(&rolled, rrset_of(zone, APEX, LDNS_RR_TYPE_SOA), now + 60));
	sig_key_free(other[0]);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* (5) KSK/ZSK split: the KSK signs DNSKEY only, the ZSK everything else. */
static void test_ksk_zsk(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[2] = {make_key(APEX, SIG_ROLE_KSK), make_key(APEX, SIG_ROLE_ZSK)};
	sig_signer_t signer = make_signer(zone, keys, 2);
	time_t now = time(NULL);
	uint16_t ksk = sig_key_tag(keys[0]);
	uint16_t zsk = sig_key_tag(keys[1]);

	add_dnskeys(zone, keys, 2);
	sign_all(&signer, zone, now, 2);
	CU_ASSERT(verifies(zone, keys, 2, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			uint16_t len;
			CU_ASSERT(r->sig_count == 1);
			uint16_t tag = get_u16(sig_at(r, 0, &len) + RRSIG_TAG);
			CU_ASSERT(tag == (r->type == LDNS_RR_TYPE_DNSKEY ? ksk : zsk));
		}
	}
	/* Without the ZSK nothing but the DNSKEY RRset can be signed. */
	sig_signer_t ksk_only = make_signer(zone, keys, 1);
	uint8_t *sigs = NULL;
	uint32_t len = 0;
	uint16_t count = 0;
	uint8_t apex[ZONE_NAME_MAXLEN];
	CU_ASSERT(sig_sign_rrset(&ksk_only, tname(apex, APEX),
	                         rrset_of(zone, APEX, LDNS_RR_TYPE_SOA), now, &sigs, &len,
	                         &count) == GW_EKEY);
	CU_ASSERT(sig_sign_rrset(&ksk_only, apex, rrset_of(zone, APEX, LDNS_RR_TYPE_DNSKEY), now,
	                         &sigs, &len, &count) == GW_OK);
	CU_ASSERT(count == 1);
	free(sigs);
	/* The verifier notices a missing ZSK signature. */
	CU_ASSERT(zone_set_sigs(zone, apex, LDNS_RR_TYPE_MX, NULL, 0) == GW_OK);
	char err[512];
	CU_ASSERT(sig_verify_zone(zone, keys, 2, now, err, sizeof(err)) == GW_ECRYPTO);
	CU_ASSERT(strstr(err, "MX") != NULL);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	zone_free(zone);
}

/* (6) A wildcard owner's RRSIG counts its labels without the '*'. */
static void test_wildcard_labels(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	uint16_t len;

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	/* *.wild.dnssd.example.: 4 labels, 3 in the RRSIG. */
	const zone_rrset_t *wild = rrset_of(zone, "*.wild." APEX, LDNS_RR_TYPE_TXT);
	CU_ASSERT(sig_at(wild, 0, &len)[RRSIG_LABELS] == 3);
	const zone_rrset_t *nsec = rrset_of(zone, "*.wild." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT(sig_at(nsec, 0, &len)[RRSIG_LABELS] == 3);
	const zone_rrset_t *a = rrset_of(zone, "a.wild." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(sig_at(a, 0, &len)[RRSIG_LABELS] == 4);
	CU_ASSERT(verifies(zone, keys, 1, now));
	sig_key_free(keys[0]);
	zone_free(zone);
}

static uint32_t serial_of(const zone_t *zone)
{
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_serial(zone, &serial) == GW_OK);
	return serial;
}

/* (7) A TTL change is a data change: a new signature with the new
 * original TTL, through the commit path. */
static void test_ttl_change(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t cs;
	size_t resigned = 0;
	uint16_t len;

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	const zone_rrset_t *a = rrset_of(zone, "mail." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(get_u32(sig_at(a, 0, &len) + RRSIG_TTL) == 3600);

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "mail." APEX " 60 IN A 192.0.2.25");
	uint32_t serial = zone_serial_next(serial_of(zone), 0);
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, serial, &resigned, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	/* The A RRset and the SOA; the NSEC chain did not change. */
	CU_ASSERT(resigned == 2);
	a = rrset_of(zone, "mail." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(a->ttl == 60);
	CU_ASSERT(get_u32(sig_at(a, 0, &len) + RRSIG_TTL) == 60);
	CU_ASSERT(serial_of(zone) == serial);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* Delegations: NS below the apex and glue are not signed and the glue has
 * no NSEC; DS is signed; adding and removing the cut through the commit
 * path keeps the zone valid. */
static void test_delegation(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t cs;

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "sub." APEX " 3600 IN NS ns.sub." APEX);
	tcs_add(&cs, "sub." APEX " 3600 IN DS 12345 13 2 "
	             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	tcs_add(&cs, "ns.sub." APEX " 3600 IN A 192.0.2.99");
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, zone_serial_next(serial_of(zone), 0),
	                          NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(rrset_of(zone, "sub." APEX, LDNS_RR_TYPE_NS)->sig_count == 0);
	CU_ASSERT(rrset_of(zone, "sub." APEX, LDNS_RR_TYPE_DS)->sig_count == 1);
	CU_ASSERT(rrset_of(zone, "ns.sub." APEX, LDNS_RR_TYPE_A)->sig_count == 0);
	CU_ASSERT(trrset(zone, "ns.sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(chain_is_current(zone));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);

	/* A name right after the glue: the NSEC before it is the delegation
	 * point's, past the glue. Then it goes again. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "subway." APEX " 300 IN A 192.0.2.100");
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, zone_serial_next(serial_of(zone), 0),
	                          NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "subway." APEX " 300 IN A 192.0.2.100");
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, zone_serial_next(serial_of(zone), 0),
	                          NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(zone, keys, 1, now));

	/* The cut goes: the former glue becomes authoritative data. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "sub." APEX " 3600 IN NS ns.sub." APEX);
	tcs_remove(&cs, "sub." APEX " 3600 IN DS 12345 13 2 "
	                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, zone_serial_next(serial_of(zone), 0),
	                          NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(rrset_of(zone, "ns.sub." APEX, LDNS_RR_TYPE_A)->sig_count == 1);
	CU_ASSERT(trrset(zone, "sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(chain_is_current(zone));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* A commit that cannot sign leaves the zone exactly as it was, and one
 * with a serial that goes back is refused. */
static void test_commit_atomic(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[2] = {make_key(APEX, SIG_ROLE_KSK), make_key(APEX, SIG_ROLE_ZSK)};
	sig_signer_t signer = make_signer(zone, keys, 2);
	time_t now = time(NULL);
	zone_changeset_t cs;

	add_dnskeys(zone, keys, 2);
	sign_all(&signer, zone, now, 1);
	char *before = tdump(zone);
	uint32_t serial = serial_of(zone);

	/* A KSK alone cannot sign the new A RRset: everything is undone,
	 * the removed name, the NSEC chain, the serial and all signatures. */
	sig_signer_t ksk_only = make_signer(zone, keys, 1);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "new." APEX " 60 IN A 192.0.2.1");
	tcs_remove(&cs, "mail." APEX " 3600 IN A 192.0.2.25");
	tcs_remove(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::25");
	CU_ASSERT(sig_zone_commit(&ksk_only, zone, &cs, now, serial + 1, NULL, NULL) == GW_EKEY);
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, serial - 1, NULL, NULL) == GW_EINVAL);
	char *after = tdump(zone);
	CU_ASSERT(strcmp(before, after) == 0);
	CU_ASSERT(verifies(zone, keys, 2, now));

	/* The same change with both keys goes through. */
	size_t resigned = 0;
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, serial + 1, &resigned, NULL) == GW_OK);
	CU_ASSERT(verifies(zone, keys, 2, now));
	CU_ASSERT(trrset(zone, "mail." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(zone_find(zone, tname((uint8_t[ZONE_NAME_MAXLEN]){0}, "mail." APEX)) == NULL);
	/* new's A and NSEC, its predecessor's NSEC, the SOA. */
	CU_ASSERT(resigned == 4);
	zone_changeset_deinit(&cs);
	free(before);
	free(after);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	zone_free(zone);
}

/* A big batch (a link with many services coming up, then going away)
 * in one commit: signed on several threads, the chain rebuilt around
 * every new name. */
static void test_big_commit(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t add;
	zone_changeset_t remove;
	size_t resigned = 0;
	char text[256];

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	size_t nodes = zone_node_count(zone);
	CU_ASSERT_FATAL(zone_changeset_init(&add) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&remove) == GW_OK);
	for (int i = 0; i < 60; i++) {
		const char *const fmt[] = {
		    "_ipp._tcp.lab." APEX " 120 IN PTR P%d._ipp._tcp.lab." APEX,
		    "P%d._ipp._tcp.lab." APEX " 120 IN SRV 0 0 631 h%d.lab." APEX,
		    "P%d._ipp._tcp.lab." APEX " 120 IN TXT \"n=%d\"",
		    "h%d.lab." APEX " 120 IN A 192.0.2.%d",
		};
		for (int f = 0; f < 4; f++) {
			snprintf(text, sizeof(text), fmt[f], i, i);
			tcs_add(&add, text);
			tcs_remove(&remove, text);
		}
	}
	CU_ASSERT(sig_zone_commit(&signer, zone, &add, now, zone_serial_next(serial_of(zone), 0),
	                          &resigned, NULL) == GW_OK);
	/* PTR and NSEC at the type's name; SRV, TXT, NSEC per instance; A,
	 * NSEC per host; the NSEC before the new block of names; the SOA. */
	CU_ASSERT(resigned == 2 + 60 * 5 + 1 + 1);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	CU_ASSERT(sig_zone_commit(&signer, zone, &remove, now, zone_serial_next(serial_of(zone), 0),
	                          &resigned, NULL) == GW_OK);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(zone_node_count(zone) == nodes);
	zone_changeset_deinit(&add);
	zone_changeset_deinit(&remove);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* ---- (3) the stream ------------------------------------------------------ */

#define STREAM_STEPS    1000
#define STREAM_LINKS    3
#define STREAM_SLOTS    32
#define STREAM_TYPES    4
#define STREAM_INITIAL  12
#define STREAM_TARGET   16
#define STREAM_TEXT_MAX 512

static const char *const stream_types[STREAM_TYPES] = {"_ipp._tcp", "_http._tcp", "_ssh._tcp",
                                                       "_AirPlay._tcp"};
static const char *const stream_places[] = {"Lab", "Floor\\ 2", "Library", "OFFICE"};

typedef struct svc {
	bool alive;
	int link;
	int type;
	uint32_t srv_ttl;
	uint32_t txt_ttl;
	unsigned txt_ver;
	unsigned port;
	char inst[128]; /* instance label, escaped */
	char host[64];
} svc_t;

typedef struct stream {
	uint64_t rng;
	svc_t svcs[STREAM_SLOTS];
	int type_count[STREAM_LINKS][STREAM_TYPES];
	int alive;
} stream_t;

static uint32_t rnd(stream_t *s, uint32_t n)
{
	/* xorshift64*: reproducible runs from a fixed seed. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)(((s->rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

static void q(zone_changeset_t *cs, bool add, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void q(zone_changeset_t *cs, bool add, const char *fmt, ...)
{
	char text[STREAM_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (add)
		tcs_add(cs, text);
	else
		tcs_remove(cs, text);
}

static void svc_srv(zone_changeset_t *cs, bool add, const svc_t *v)
{
	q(cs, add, "%s.%s.link-%d." APEX " %u IN SRV 0 0 %u %s.link-%d." APEX, v->inst,
	  stream_types[v->type], v->link, v->srv_ttl, v->port, v->host, v->link);
}

static void svc_txt(zone_changeset_t *cs, bool add, const svc_t *v)
{
	q(cs, add, "%s.%s.link-%d." APEX " %u IN TXT \"txtvers=1\" \"rev=%u\"", v->inst,
	  stream_types[v->type], v->link, v->txt_ttl, v->txt_ver);
}

/* Every RR of a service, added or removed, with the type's enumeration
 * PTR when the service is its link's first or last of that type. */
static void svc_rrs(stream_t *s, zone_changeset_t *cs, bool add, svc_t *v, int id)
{
	const char *type = stream_types[v->type];
	int *count = &s->type_count[v->link][v->type];

	q(cs, add, "%s.link-%d." APEX " 120 IN PTR %s.%s.link-%d." APEX, type, v->link, v->inst,
	  type, v->link);
	svc_srv(cs, add, v);
	svc_txt(cs, add, v);
	q(cs, add, "%s.link-%d." APEX " 120 IN A 192.0.2.%d", v->host, v->link, id + 1);
	q(cs, add, "%s.link-%d." APEX " 120 IN AAAA 2001:db8::%x", v->host, v->link, id + 1);
	if ((add && (*count)++ == 0) || (!add && --(*count) == 0))
		q(cs, add, "_services._dns-sd._udp.link-%d." APEX " 4500 IN PTR %s.link-%d." APEX,
		  v->link, type, v->link);
}

static void svc_add(stream_t *s, zone_changeset_t *cs, int id)
{
	svc_t *v = &s->svcs[id];
	static unsigned generation;

	*v = (svc_t){.alive = true,
	             .link = (int)rnd(s, STREAM_LINKS),
	             .type = (int)rnd(s, STREAM_TYPES),
	             .srv_ttl = 120,
	             .txt_ttl = 4500,
	             .txt_ver = rnd(s, 1000),
	             .port = 1 + rnd(s, 65535)};
	/* Names come back after removal, sometimes in another case. */
	snprintf(v->inst, sizeof(v->inst), "%s\\ %d\\ \\(%s\\)",
	         rnd(s, 3) == 0 ? "DEVICE" : "Device", id, stream_places[rnd(s, 4)]);
	snprintf(v->host, sizeof(v->host), "%s-%d-%u", rnd(s, 2) ? "Host" : "host", id,
	         generation++ % 3);
	svc_rrs(s, cs, true, v, id);
	s->alive++;
}

static void svc_remove(stream_t *s, zone_changeset_t *cs, int id)
{
	svc_rrs(s, cs, false, &s->svcs[id], id);
	s->svcs[id].alive = false;
	s->alive--;
}

/* One random changeset of one to three operations on distinct services. */
static void stream_changeset(stream_t *s, zone_changeset_t *cs)
{
	bool touched[STREAM_SLOTS] = {false};
	uint32_t ops = 1 + rnd(s, 3);

	for (uint32_t op = 0; op < ops; op++) {
		int id = (int)rnd(s, STREAM_SLOTS);
		if (touched[id])
			continue;
		touched[id] = true;
		svc_t *v = &s->svcs[id];
		uint32_t what = rnd(s, 100);
		if (!v->alive) {
			if (s->alive < STREAM_TARGET || what < 30)
				svc_add(s, cs, id);
			continue;
		}
		if (what < 30 && s->alive > 4) {
			svc_remove(s, cs, id);
		} else if (what < 65) {
			svc_txt(cs, false, v);
			v->txt_ver++;
			svc_txt(cs, true, v);
		} else if (what < 85) {
			v->srv_ttl = v->srv_ttl == 120 ? 60 + rnd(s, 60) : 120;
			svc_srv(cs, true, v);
		} else {
			v->txt_ttl = v->txt_ttl == 4500 ? 600 + rnd(s, 3000) : 4500;
			svc_txt(cs, true, v);
		}
	}
}

/* Every RRset of the zone: data and signatures, in canonical order. */
typedef struct snap_rrset {
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	uint32_t rdata_len;
	uint8_t *sigs;
	uint32_t sigs_len;
} snap_rrset_t;

typedef struct snap {
	snap_rrset_t *items;
	size_t count;
} snap_t;

static void *dup_bytes(const void *p, size_t len)
{
	void *copy = malloc(len > 0 ? len : 1);
	CU_ASSERT_FATAL(copy != NULL);
	if (len > 0)
		memcpy(copy, p, len);
	return copy;
}

static void snap_take(snap_t *snap, const zone_t *zone)
{
	size_t cap = 0;

	memset(snap, 0, sizeof(*snap));
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n))
		cap += n->rrset_count;
	snap->items = calloc(cap + 1, sizeof(*snap->items));
	CU_ASSERT_FATAL(snap->items != NULL);
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			snap_rrset_t *s = &snap->items[snap->count++];
			zone_name_lower(s->owner, n->owner);
			s->type = r->type;
			s->ttl = r->ttl;
			s->rdata = dup_bytes(r->rdata, r->rdata_len);
			s->rdata_len = r->rdata_len;
			s->sigs = dup_bytes(r->sigs, r->sigs_len);
			s->sigs_len = r->sigs_len;
		}
	}
}

static void snap_free(snap_t *snap)
{
	for (size_t i = 0; i < snap->count; i++) {
		free(snap->items[i].rdata);
		free(snap->items[i].sigs);
	}
	free(snap->items);
}

static const snap_rrset_t *snap_find(const snap_t *snap, const uint8_t *owner, uint16_t type)
{
	size_t lo = 0;
	size_t hi = snap->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const snap_rrset_t *s = &snap->items[mid];
		int cmp = zone_name_cmp(s->owner, owner);
		if (cmp == 0)
			cmp = (s->type > type) - (s->type < type);
		if (cmp == 0)
			return s;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* RRsets whose data and TTL did not change kept their exact signature
 * bytes; the others got new signatures; and resigned counts exactly the
 * latter. */
static void snap_compare(const snap_t *before, const zone_t *zone, size_t resigned, int step)
{
	size_t kept = 0;
	size_t changed = 0;

	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			const snap_rrset_t *s = snap_find(before, n->owner, r->type);
			bool same = s != NULL && s->ttl == r->ttl && s->rdata_len == r->rdata_len &&
			            memcmp(s->rdata, r->rdata, r->rdata_len) == 0;
			bool same_sigs = s != NULL && s->sigs_len == r->sigs_len &&
			                 memcmp(s->sigs, r->sigs, r->sigs_len) == 0;
			if (same) {
				kept++;
				CU_ASSERT(same_sigs);
			} else {
				changed++;
				CU_ASSERT(!same_sigs && r->sigs_len > 0);
			}
		}
	}
	if (changed != resigned)
		fprintf(stderr, "\n  step %d: %zu RRsets changed, %zu re-signed\n", step, changed,
		        resigned);
	CU_ASSERT(changed == resigned);
	CU_ASSERT(kept > changed);
}

static void test_stream(void)
{
	stream_t s = {.rng = 0x9e3779b97f4a7c15ULL};
	static const char *const base[] = {
	    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 30",
	    APEX " 3600 IN NS ns1." APEX,
	    "ns1." APEX " 3600 IN A 192.0.2.53",
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-1." APEX,
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-2." APEX,
	    "lb._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
	    NULL,
	};
	zone_t *zone = tzone(APEX, base);
	sig_key_t *keys[2] = {make_key(APEX, SIG_ROLE_KSK), make_key(APEX, SIG_ROLE_ZSK)};
	sig_signer_t signer = make_signer(zone, keys, 2);
	time_t now = time(NULL);
	zone_changeset_t cs;
	struct timespec t0, t1;
	size_t total_resigned = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	add_dnskeys(zone, keys, 2);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int id = 0; id < STREAM_INITIAL; id++)
		svc_add(&s, &cs, id);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	sign_all(&signer, zone, now, 2);
	CU_ASSERT_FATAL(verifies(zone, keys, 2, now));

	for (int step = 0; step < STREAM_STEPS; step++) {
		bool check = step % 100 == 99;
		snap_t before = {0};
		size_t resigned = 0;

		now++;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		stream_changeset(&s, &cs);
		if (check)
			snap_take(&before, zone);
		uint32_t serial = zone_serial_next(serial_of(zone), 0);
		int ret = sig_zone_commit(&signer, zone, &cs, now, serial, &resigned, NULL);
		zone_changeset_deinit(&cs);
		if (ret != GW_OK)
			fprintf(stderr, "\n  step %d: commit: %s\n", step, gw_strerror(ret));
		CU_ASSERT_FATAL(ret == GW_OK);
		total_resigned += resigned;
		if (!verifies(zone, keys, 2, now)) {
			fprintf(stderr, "  step %d\n", step);
			CU_FAIL_FATAL("the zone does not verify after a commit");
		}
		CU_ASSERT(serial_of(zone) == serial);
		if (!chain_is_current(zone)) {
			fprintf(stderr, "  step %d\n", step);
			CU_FAIL_FATAL("the incremental chain differs from a full pass");
		}
		/* A removed name leaves no node holding only its NSEC. */
		for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
			bool data = false;
			for (uint16_t i = 0; i < n->rrset_count; i++)
				data |= n->rrsets[i].type != LDNS_RR_TYPE_NSEC;
			CU_ASSERT(data);
		}
		if (!check)
			continue;
		snap_compare(&before, zone, resigned, step);
		snap_free(&before);
		/* At a few points, the external verifiers as well. */
		if (step % 300 == 299)
			CU_ASSERT(ldns_verify_zone_file(zone) == 0);
		uint32_t ttl = 0;
		CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
		CU_ASSERT(ttl == 30);
	}
	/* A full signing pass finds nothing left to do. */
	size_t count = 1;
	CU_ASSERT(sig_sign_zone(&signer, zone, now, false, 2, &count) == GW_OK);
	CU_ASSERT(count == 0);
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (with_nsec3)
		CU_ASSERT(zone_hashed_count(zone) > (size_t)s.alive);
	fprintf(stderr,
	        "\n  stream%s: %d changesets, %zu services at the end, %zu nodes, %zu RRsets "
	        "re-signed, %.2f s\n",
	        with_nsec3 ? " (NSEC3)" : "", STREAM_STEPS, (size_t)s.alive, zone_node_count(zone),
	        total_resigned,
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	zone_free(zone);
}

/* The zone as a file would give it back: RRSIGs as RRSIG RRsets. */
static zone_t *reloaded(const zone_t *zone)
{
	char path[] = "/tmp/gw-test-adopt-XXXXXX";
	int fd = mkstemp(path);
	zone_t *copy = NULL;
	char err[256];

	CU_ASSERT_FATAL(fd >= 0);
	FILE *fp = fdopen(fd, "w");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT_FATAL(zone_dump(zone, fp) == GW_OK);
	fclose(fp);
	int ret = zone_load_file(&copy, zone_apex(zone), path, err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "\n  reload: %s\n", err);
	CU_ASSERT_FATAL(ret == GW_OK);
	unlink(path);
	return copy;
}

/* (5) After a restart the unchanged RRsets keep the signatures served
 * before; changed ones (data, TTL), the new SOA, and everything signed by
 * a key no longer in use are signed again. */
static void test_adopt_signatures(void)
{
	zone_t *before = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(before, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t cs;
	size_t adopted = 0;
	size_t count = 0;

	add_dnskeys(before, keys, 1);
	sign_all(&signer, before, now, 1);
	zone_t *served = reloaded(before);

	/* The zone built at the next start: one RRset changed, one TTL
	 * changed, a new serial. */
	zone_t *zone = tzone(APEX, small_zone);
	signer.apex = zone_apex(zone);
	add_dnskeys(zone, keys, 1);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::25");
	tcs_add(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::26");
	tcs_add(&cs, "a.wild." APEX " 60 IN A 192.0.2.7");
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(zone_set_serial(zone, 2) == GW_OK);
	uint32_t ttl = 0;
	CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(zone, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);

	CU_ASSERT(sig_adopt_signatures(&signer, zone, served, &adopted) == GW_OK);
	size_t rrsets = 0;
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n))
		rrsets += n->rrset_count;
	/* All but the SOA (new serial) and the changed AAAA and A took
	 * signatures, with the exact bytes served before. */
	CU_ASSERT_EQUAL(adopted, rrsets - 3);
	CU_ASSERT(rrset_of(zone, "mail." APEX, LDNS_RR_TYPE_AAAA)->sig_count == 0);
	CU_ASSERT(rrset_of(zone, "a.wild." APEX, LDNS_RR_TYPE_A)->sig_count == 0);
	CU_ASSERT(rrset_of(zone, APEX, LDNS_RR_TYPE_SOA)->sig_count == 0);
	const zone_rrset_t *mx_then = rrset_of(before, APEX, LDNS_RR_TYPE_MX);
	const zone_rrset_t *mx_now = rrset_of(zone, APEX, LDNS_RR_TYPE_MX);
	CU_ASSERT(mx_now->sigs_len == mx_then->sigs_len &&
	          memcmp(mx_now->sigs, mx_then->sigs, mx_then->sigs_len) == 0);
	CU_ASSERT(sig_sign_zone(&signer, zone, now, false, 1, &count) == GW_OK);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT(verifies(zone, keys, 1, now));

	/* Another zone's journal is refused. */
	zone_t *other = tzone("other.example.", NULL);
	CU_ASSERT(sig_adopt_signatures(&signer, zone, other, &adopted) == GW_EINVAL);
	zone_free(other);

	/* A new key: what was taken over is signed again, all of it. */
	zone_t *fresh = tzone(APEX, small_zone);
	sig_key_t *next[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer2 = make_signer(fresh, next, 1);
	add_dnskeys(fresh, next, 1);
	CU_ASSERT_FATAL(sig_nsec_ttl(fresh, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(chain_update(fresh, ttl, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(fresh, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(sig_adopt_signatures(&signer2, fresh, served, &adopted) == GW_OK);
	CU_ASSERT(adopted > 0);
	rrsets = 0;
	for (const zone_node_t *n = zone_first(fresh); n != NULL; n = zone_next(fresh, n))
		rrsets += n->rrset_count;
	CU_ASSERT(sig_sign_zone(&signer2, fresh, now, false, 1, &count) == GW_OK);
	CU_ASSERT_EQUAL(count, rrsets);
	CU_ASSERT(verifies(fresh, next, 1, now));

	sig_key_free(next[0]);
	sig_key_free(keys[0]);
	zone_free(fresh);
	zone_free(served);
	zone_free(zone);
	zone_free(before);
}

static void test_adopt_signatures_nsec3(void)
{
	with_nsec3 = true;
	test_adopt_signatures();
	with_nsec3 = false;
}

/* The same two with NSEC3 (RFC 5155, RFC 9276 parameters). */
static void test_delegation_nsec3(void)
{
	with_nsec3 = true;
	test_delegation();
	with_nsec3 = false;
}

static void test_stream_nsec3(void)
{
	with_nsec3 = true;
	test_stream();
	with_nsec3 = false;
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"sign a small zone, verify twice", test_sign_small_zone},
	    {"two threads", test_sign_threads},
	    {"Ed25519 and RSA/SHA-256", test_algorithms},
	    {"mixed case owners and targets", test_sign_mixed_case},
	    {"refresh and jitter", test_refresh},
	    {"KSK/ZSK split", test_ksk_zsk},
	    {"wildcard labels", test_wildcard_labels},
	    {"TTL change re-signs", test_ttl_change},
	    {"delegation and glue", test_delegation},
	    {"commit is atomic", test_commit_atomic},
	    {"a big commit", test_big_commit},
	    {"stream of 1000 changesets", test_stream},
	    {"signatures kept across a restart", test_adopt_signatures},
	    {"signatures kept across a restart, NSEC3", test_adopt_signatures_nsec3},
	    {"delegation and glue, NSEC3", test_delegation_nsec3},
	    {"stream of 1000 changesets, NSEC3", test_stream_nsec3},
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec_sign", tests);
}
