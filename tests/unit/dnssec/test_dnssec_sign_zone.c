/* dnssec/ signing of whole zones: RRSIGs, the NSEC and NSEC3 chains,
 * algorithms, threads, refresh, KSK/ZSK, wildcards, TTL changes and
 * delegations, checked against ldns and ldns-verify-zone. */
#include "dnssec/sign_internal.h" /* the memo's digests */
#include "sign_fixture.h"

/* (1) A small zone: our verifier and ldns-verify-zone both accept it, and
 * both notice a flipped signature bit. */
static void test_sign_small_zone(void)
{
	csk_zone_t f;

	csk_zone_sign(&f, small_zone, 1);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(ldns_verify_zone_file(f.zone) == 0);

	/* Every node has its NSEC, the last wraps to the apex. */
	const zone_rrset_t *nsec = rrset_of(f.zone, "www." APEX, LDNS_RR_TYPE_NSEC);
	uint8_t apex[ZONE_NAME_MAXLEN];
	tname(apex, APEX);
	CU_ASSERT(nsec->rdata_len > 2 + 15 && memcmp(nsec->rdata + 2, apex, 15) == 0);
	nsec = rrset_of(f.zone, "ns1." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT(nsec->rdata_len > 2 + 1 && memcmp(nsec->rdata + 2, "\001*\004wild", 7) == 0);

	/* A corrupted signature must fail both checks. */
	const zone_rrset_t *mx = rrset_of(f.zone, APEX, LDNS_RR_TYPE_MX);
	uint8_t *copy = malloc(mx->sigs_len);
	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, mx->sigs, mx->sigs_len);
	copy[mx->sigs_len - 1] ^= 0x01;
	uint8_t owner[ZONE_NAME_MAXLEN];
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, tname(owner, APEX), LDNS_RR_TYPE_MX, copy,
	                              mx->sigs_len) == GW_OK);
	free(copy);
	char err[512] = "";
	CU_ASSERT(sig_verify_zone(f.zone, f.keys, 1, f.now, err, sizeof(err)) == GW_ECRYPTO);
	CU_ASSERT(strstr(err, "MX") != NULL);
	fprintf(stderr, "\n  (a failure is expected next)\n");
	CU_ASSERT(ldns_verify_zone_file(f.zone) != 0);

	csk_zone_free(&f);
}

/* (1a) An RRset whose canonical form is over 64 KiB (900 browse PTRs of
 * 79 octets each, as a link with many printers has): its signature
 * verifies, by our verifier and by BIND's. ldns-verify-zone cannot tell:
 * ldns writes such an RRset wrong (its RDLENGTHs' places kept in 16
 * bits), which is how the signer once signed it wrong. */
static void test_sign_big_rrset(void)
{
	csk_zone_t f;
	csk_zone_sign(&f, small_zone_big_ptrs(), 1);
	CU_ASSERT_EQUAL(rrset_of(f.zone, BIG_OWNER, LDNS_RR_TYPE_PTR)->count, BIG_PTRS);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(verify_zone_file(f.zone, false) == 0);
	csk_zone_free(&f);
}

/* Replace the RR from by to in one change (the RRset loses its
 * signatures). */
static void swap_rr(zone_t *zone, const char *from, const char *to)
{
	zone_changeset_t cs;

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_remove(&cs, trr(from)) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_add(&cs, trr(to)) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
}

/* (1b) The memo at SIG_VERIFY_MEMO_MAX digests forgets them all at the
 * next, and goes on remembering from there: it stays bounded, and a
 * zone still verifies through it. */
static void test_verify_memo_bound(void)
{
	csk_zone_t f;
	sig_verify_memo_t *memo = NULL;
	uint8_t digest[SIG_VERIFY_DIGEST_LEN] = {0}, first[SIG_VERIFY_DIGEST_LEN] = {0};

	csk_zone_sign(&f, small_zone, 1);
	CU_ASSERT_FATAL(sig_verify_memo_new(&memo) == GW_OK);
	for (uint32_t i = 0; i < SIG_VERIFY_MEMO_MAX; i++) {
		/* Spread over the table: the hash is the first four octets. */
		uint32_t k = i * 2654435761u;
		memcpy(digest, &k, sizeof(k));
		memcpy(digest + 4, &i, sizeof(i));
		CU_ASSERT_FATAL(sig_verify_memo_add(memo, digest) == GW_OK);
		if (i == 0)
			memcpy(first, digest, sizeof(first));
	}
	CU_ASSERT(sig_verify_memo_count(memo) == SIG_VERIFY_MEMO_MAX);
	CU_ASSERT(sig_verify_memo_has(memo, first) && sig_verify_memo_has(memo, digest));

	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));
	size_t seen = sig_verify_memo_count(memo);
	CU_ASSERT(seen > 10 && seen < 100);
	CU_ASSERT(!sig_verify_memo_has(memo, first) && !sig_verify_memo_has(memo, digest));
	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));
	CU_ASSERT(sig_verify_memo_count(memo) == seen);
	sig_verify_memo_free(memo);
	csk_zone_free(&f);
}

/* (1a) The verification memo spares only what it has seen verify: a
 * flipped signature bit, the same signature over changed data, and an
 * expired signature all still fail with it. */
static void test_verify_memo(void)
{
	csk_zone_t f;
	sig_verify_memo_t *memo = NULL;
	uint8_t apex[ZONE_NAME_MAXLEN];
	char err[512] = "";

	csk_zone_sign(&f, small_zone, 1);
	tname(apex, APEX);
	CU_ASSERT_FATAL(sig_verify_memo_new(&memo) == GW_OK);
	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));
	size_t seen = sig_verify_memo_count(memo);
	size_t sigs = 0;
	for (const zone_node_t *n = zone_first(f.zone); n != NULL; n = zone_next(f.zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++)
			sigs += n->rrsets[i].sigs_len > 0;
	}
	CU_ASSERT(seen == sigs && seen > 10);
	/* Again: every signature is known, none added. */
	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));
	CU_ASSERT(sig_verify_memo_count(memo) == seen);

	/* A flipped bit in a known signature. */
	const zone_rrset_t *mx = rrset_of(f.zone, APEX, LDNS_RR_TYPE_MX);
	uint16_t len = mx->sigs_len;
	uint8_t *good = malloc(len);
	uint8_t *bad = malloc(len);
	CU_ASSERT_FATAL(good != NULL && bad != NULL);
	memcpy(good, mx->sigs, len);
	memcpy(bad, mx->sigs, len);
	bad[len - 1] ^= 0x01;
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, apex, LDNS_RR_TYPE_MX, bad, len) == GW_OK);
	CU_ASSERT(sig_verify_zone_memo(f.zone, f.keys, 1, f.now, memo, err, sizeof(err)) ==
	          GW_ECRYPTO);
	CU_ASSERT(strstr(err, "MX") != NULL && strstr(err, "does not verify") != NULL);
	CU_ASSERT(sig_verify_memo_count(memo) == seen);
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, apex, LDNS_RR_TYPE_MX, good, len) == GW_OK);
	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));

	/* The known signature over other data of the same length (MX 10
	 * becomes MX 20). */
	swap_rr(f.zone, APEX " 3600 IN MX 10 mail." APEX, APEX " 3600 IN MX 20 mail." APEX);
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, apex, LDNS_RR_TYPE_MX, good, len) == GW_OK);
	CU_ASSERT(sig_verify_zone_memo(f.zone, f.keys, 1, f.now, memo, err, sizeof(err)) ==
	          GW_ECRYPTO);
	CU_ASSERT(strstr(err, "MX") != NULL && strstr(err, "does not verify") != NULL);

	/* Known signatures past their expiry. */
	swap_rr(f.zone, APEX " 3600 IN MX 20 mail." APEX, APEX " 3600 IN MX 10 mail." APEX);
	CU_ASSERT_FATAL(zone_set_sigs(f.zone, apex, LDNS_RR_TYPE_MX, good, len) == GW_OK);
	CU_ASSERT(verifies_memo(f.zone, f.keys, 1, f.now, memo));
	CU_ASSERT(sig_verify_zone_memo(f.zone, f.keys, 1, f.now + 30 * 86400, memo, err,
	                               sizeof(err)) == GW_ECRYPTO);
	CU_ASSERT(strstr(err, "expired") != NULL);

	free(good);
	free(bad);
	sig_verify_memo_free(memo);
	csk_zone_free(&f);
}

/* (1b) Two threads sign the same as one: every RRset, valid. */
static void test_sign_threads(void)
{
	csk_zone_t f;
	size_t one = 0;
	size_t two = 0;

	csk_zone_sign(&f, small_zone, 2);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(sig_sign_zone(&f.signer, f.zone, f.now, true, 1, &one) == GW_OK);
	CU_ASSERT(sig_sign_zone(&f.signer, f.zone, f.now, true, 2, &two) == GW_OK);
	CU_ASSERT(one == two && one > 10);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	/* Nothing needs signing right after signing. */
	CU_ASSERT(sig_sign_zone(&f.signer, f.zone, f.now, false, 2, &two) == GW_OK);
	CU_ASSERT(two == 0);
	csk_zone_free(&f);
}

/* (1c) A zone of some 1 400 RRsets: workers sign runs of jobs before
 * handing each its own block, so a chunk holds several runs and a short
 * last one, with one thread and with two. Single SRVs take the short way
 * when no octet of their rdata is an uppercase letter, ldns's otherwise:
 * a lowercase target, an uppercase one, and port 16706 ("AB" on the
 * wire) beside a lowercase target. ldns-verify-zone and dnssec-verify
 * check every signature, independently of the signer. */
static void test_sign_many_runs(void)
{
	enum { HOSTS = 300 };
	const char *rrs[4 * HOSTS + 8] = {
	    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 300",
	    APEX " 3600 IN NS ns1." APEX,
	    "ns1." APEX " 3600 IN A 192.0.2.53",
	};
	static char texts[4 * HOSTS][160];
	size_t n = 3;

	for (unsigned i = 0; i < HOSTS; i++) {
		const char *target = i % 3 == 1 ? "HOST-%u.Link." APEX : "host-%u.link." APEX;
		char fmt[128];
		unsigned port = i % 3 == 2 ? 16706 : 631;
		snprintf(fmt, sizeof(fmt), "s%%u._ipp._tcp.link." APEX " 120 IN SRV 0 0 %%u %s",
		         target);
		snprintf(texts[4 * i], sizeof(texts[0]), fmt, i, port, i);
		snprintf(texts[4 * i + 1], sizeof(texts[0]),
		         "s%u._ipp._tcp.link." APEX " 120 IN TXT \"rp=Queue%u\"", i, i);
		snprintf(texts[4 * i + 2], sizeof(texts[0]),
		         "_ipp._tcp.link." APEX " 120 IN PTR s%u._ipp._tcp.link." APEX, i);
		snprintf(texts[4 * i + 3], sizeof(texts[0]),
		         "host-%u.link." APEX " 120 IN A 192.0.2.%u", i, 1 + i % 250);
		for (unsigned k = 0; k < 4; k++)
			rrs[n++] = texts[4 * i + k];
	}
	rrs[n] = NULL;

	for (unsigned threads = 1; threads <= 2; threads++) {
		csk_zone_t f;
		size_t count = 0;
		csk_zone_sign(&f, rrs, threads);
		CU_ASSERT(sig_sign_zone(&f.signer, f.zone, f.now, true, threads, &count) == GW_OK);
		/* SRV, TXT, A and NSEC per host, NSEC per service, the PTR
		 * RRset, the apex's and ns1's. */
		CU_ASSERT(count > 4 * HOSTS);
		CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
		CU_ASSERT(ldns_verify_zone_file(f.zone) == 0);
		csk_zone_free(&f);
	}
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
	    /* canonical order: by length octet first, then lowercase octets */
	    "_http._tcp.link-0." APEX " 120 IN PTR Zed._http._tcp.link-0." APEX,
	    "_http._tcp.link-0." APEX " 120 IN PTR ab._http._tcp.link-0." APEX,
	    "_http._tcp.link-0." APEX " 120 IN PTR B._http._tcp.link-0." APEX,
	    "_http._tcp.link-0." APEX " 120 IN PTR a._http._tcp.link-0." APEX,
	    "_http._tcp.link-0." APEX " 120 IN PTR AB._http._tcp.link-0." APEX,
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

/* (3b) An NSEC's next name is signed as written, uppercase too (RFC 6840
 * 5.1: not lowercased in the canonical form, as ldns's verifier agrees);
 * sign.c's canonical_single() writes NSEC rdata without ldns. */
static void test_sign_nsec_case(void)
{
	static const char upper[] = "HOST." APEX " 300 IN NSEC WWW.DnsSd.Example. A RRSIG NSEC";
	static const char lower[] = "www." APEX " 300 IN NSEC " APEX " A RRSIG NSEC";
	static const char *const rrs[] = {
	    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 300",
	    APEX " 3600 IN NS ns1." APEX,
	    "host." APEX " 300 IN A 192.0.2.1",
	    upper,
	    "www." APEX " 300 IN A 192.0.2.2",
	    lower,
	    NULL,
	};
	static const char *const texts[] = {upper, lower};
	static const char *const owners[] = {"host." APEX, "www." APEX};
	zone_t *zone = tzone(APEX, rrs);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	size_t count = 0;
	ldns_rr *dnskey = NULL;

	CU_ASSERT_FATAL(sig_sign_zone(&signer, zone, now, true, 1, &count) == GW_OK);
	CU_ASSERT_FATAL(sig_key_dnskey_rr(keys[0], 3600, &dnskey) == GW_OK);
	for (size_t i = 0; i < 2; i++) {
		const zone_rrset_t *nsec = rrset_of(zone, owners[i], LDNS_RR_TYPE_NSEC);
		uint8_t owner[ZONE_NAME_MAXLEN];
		const zone_node_t *node = zone_find(zone, tname(owner, owners[i]));
		uint16_t len = 0;
		const uint8_t *rd = sig_at(nsec, 0, &len);
		ldns_rr *sig = NULL;
		CU_ASSERT_FATAL(zone_rr_to_ldns(&sig, node, nsec, rd, len) == GW_OK);
		ldns_rr_list *one = ldns_rr_list_new();
		ldns_rr_list_push_rr(one, trr(texts[i]));
		CU_ASSERT(ldns_verify_rrsig_time(one, sig, dnskey, now) == LDNS_STATUS_OK);
		ldns_rr_list_deep_free(one);
		ldns_rr_free(sig);
	}
	ldns_rr_free(dnskey);
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
			uint32_t expire = ldns_read_uint32(sig_at(r, 0, &len) + RRSIG_EXPIRE);
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

	/* Signed while the wall clock was two hours ahead, which has been set
	 * right since: the inceptions are still ahead, every RRset needs
	 * signing, and the refresh is due now, not at the expirations. */
	signer.validity = 14 * 86400;
	signer.refresh = 7 * 86400;
	signer.jitter = 0;
	CU_ASSERT(sig_sign_zone(&signer, zone, now + 7200, true, 1, &count) == GW_OK);
	CU_ASSERT(sig_rrset_needs_signing(&signer, rrset_of(zone, APEX, LDNS_RR_TYPE_SOA), now));
	CU_ASSERT(sig_zone_next_refresh(&signer, zone) <= time(NULL));
	/* Signed at the right time: due a week from now. */
	CU_ASSERT(sig_sign_zone(&signer, zone, now, true, 1, &count) == GW_OK);
	CU_ASSERT(sig_zone_next_refresh(&signer, zone) >= now + 7 * 86400 - 5);
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
			uint16_t tag = ldns_read_uint16(sig_at(r, 0, &len) + RRSIG_TAG);
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
	csk_zone_t f;
	uint16_t len;

	csk_zone_sign(&f, small_zone, 1);
	/* *.wild.dnssd.example.: 4 labels, 3 in the RRSIG. */
	const zone_rrset_t *wild = rrset_of(f.zone, "*.wild." APEX, LDNS_RR_TYPE_TXT);
	CU_ASSERT(sig_at(wild, 0, &len)[RRSIG_LABELS] == 3);
	const zone_rrset_t *nsec = rrset_of(f.zone, "*.wild." APEX, LDNS_RR_TYPE_NSEC);
	CU_ASSERT(sig_at(nsec, 0, &len)[RRSIG_LABELS] == 3);
	const zone_rrset_t *a = rrset_of(f.zone, "a.wild." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(sig_at(a, 0, &len)[RRSIG_LABELS] == 4);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	csk_zone_free(&f);
}

/* (7) A TTL change is a data change: a new signature with the new
 * original TTL, through the commit path. */
static void test_ttl_change(void)
{
	csk_zone_t f;
	zone_changeset_t cs;
	size_t resigned = 0;
	uint16_t len;

	csk_zone_sign(&f, small_zone, 1);
	const zone_rrset_t *a = rrset_of(f.zone, "mail." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(ldns_read_uint32(sig_at(a, 0, &len) + RRSIG_TTL) == 3600);

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "mail." APEX " 60 IN A 192.0.2.25");
	uint32_t serial = zone_serial_next(serial_of(f.zone), 0);
	CU_ASSERT(sig_zone_commit(&f.signer, f.zone, &cs, f.now, serial, &resigned, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	/* The A RRset and the SOA; the NSEC chain did not change. */
	CU_ASSERT(resigned == 2);
	a = rrset_of(f.zone, "mail." APEX, LDNS_RR_TYPE_A);
	CU_ASSERT(a->ttl == 60);
	CU_ASSERT(ldns_read_uint32(sig_at(a, 0, &len) + RRSIG_TTL) == 60);
	CU_ASSERT(serial_of(f.zone) == serial);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(ldns_verify_zone_file(f.zone) == 0);
	csk_zone_free(&f);
}

/* Delegations: NS below the apex and glue are not signed and the glue has
 * no NSEC; DS is signed; adding and removing the cut through the commit
 * path keeps the zone valid. */
static void test_delegation(void)
{
	csk_zone_t f;
	zone_changeset_t cs;

	csk_zone_sign(&f, small_zone, 1);

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "sub." APEX " 3600 IN NS ns.sub." APEX);
	tcs_add(&cs, "sub." APEX " 3600 IN DS 12345 13 2 "
	             "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	tcs_add(&cs, "ns.sub." APEX " 3600 IN A 192.0.2.99");
	CU_ASSERT(sig_zone_commit(&f.signer, f.zone, &cs, f.now,
	                          zone_serial_next(serial_of(f.zone), 0), NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(rrset_of(f.zone, "sub." APEX, LDNS_RR_TYPE_NS)->sig_count == 0);
	CU_ASSERT(rrset_of(f.zone, "sub." APEX, LDNS_RR_TYPE_DS)->sig_count == 1);
	CU_ASSERT(rrset_of(f.zone, "ns.sub." APEX, LDNS_RR_TYPE_A)->sig_count == 0);
	CU_ASSERT(trrset(f.zone, "ns.sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(chain_is_current(f.zone));
	CU_ASSERT(ldns_verify_zone_file(f.zone) == 0);

	/* A name right after the glue: the NSEC before it is the delegation
	 * point's, past the glue. Then it goes again. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "subway." APEX " 300 IN A 192.0.2.100");
	CU_ASSERT(sig_zone_commit(&f.signer, f.zone, &cs, f.now,
	                          zone_serial_next(serial_of(f.zone), 0), NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "subway." APEX " 300 IN A 192.0.2.100");
	CU_ASSERT(sig_zone_commit(&f.signer, f.zone, &cs, f.now,
	                          zone_serial_next(serial_of(f.zone), 0), NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));

	/* The cut goes: the former glue becomes authoritative data. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "sub." APEX " 3600 IN NS ns.sub." APEX);
	tcs_remove(&cs, "sub." APEX " 3600 IN DS 12345 13 2 "
	                "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CU_ASSERT(sig_zone_commit(&f.signer, f.zone, &cs, f.now,
	                          zone_serial_next(serial_of(f.zone), 0), NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(verifies(f.zone, f.keys, 1, f.now));
	CU_ASSERT(rrset_of(f.zone, "ns.sub." APEX, LDNS_RR_TYPE_A)->sig_count == 1);
	CU_ASSERT(trrset(f.zone, "sub." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(chain_is_current(f.zone));
	CU_ASSERT(ldns_verify_zone_file(f.zone) == 0);
	csk_zone_free(&f);
}

/* The same two with NSEC3 (RFC 5155, RFC 9276 parameters). */
static void test_delegation_nsec3(void)
{
	with_nsec3 = true;
	test_delegation();
	with_nsec3 = false;
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"sign a small zone, verify twice", test_sign_small_zone},
	    {"an RRset over 64 KiB", test_sign_big_rrset},
	    {"the verification memo", test_verify_memo},
	    {"the verification memo's bound", test_verify_memo_bound},
	    {"two threads", test_sign_threads},
	    {"Ed25519 and RSA/SHA-256", test_algorithms},
	    {"many runs of jobs, SRVs with and without uppercase octets", test_sign_many_runs},
	    {"mixed case owners and targets", test_sign_mixed_case},
	    {"NSEC next name in uppercase", test_sign_nsec_case},
	    {"refresh and jitter", test_refresh},
	    {"KSK/ZSK split", test_ksk_zsk},
	    {"wildcard labels", test_wildcard_labels},
	    {"TTL change re-signs", test_ttl_change},
	    {"delegation and glue", test_delegation},
	    {"delegation and glue, NSEC3", test_delegation_nsec3},
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec_sign zone", tests);
}
