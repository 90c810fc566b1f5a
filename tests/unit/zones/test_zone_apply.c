/* zones/changeset.c: changesets, zone_apply rules, atomicity. */
#include "zone_util.h"
#include "zones/internal.h" /* zone_alloc_fail_after */

static const char *const base_rrs[] = {
    "example. 3600 IN SOA ns.example. host.example. 1 3600 600 86400 30",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    "www.example. 300 IN A 192.0.2.1",
    "www.example. 300 IN A 192.0.2.2",
    "www.example. 300 IN TXT \"hello\"",
    "alias.example. 300 IN CNAME www.example.",
    "_ipp._tcp.example. 120 IN PTR Printer\\ 1._ipp._tcp.example.",
    "_ipp._tcp.example. 120 IN PTR Printer\\ 2._ipp._tcp.example.",
    NULL,
};

static zone_t *base_zone(void)
{
	return tzone("example.", base_rrs);
}

/* Apply cs and check the result code; frees the changeset. */
static int apply(zone_t *zone, zone_changeset_t *cs, zone_change_t **changed, size_t *count)
{
	int ret = zone_apply(zone, cs, changed, count);
	zone_changeset_deinit(cs);
	return ret;
}

static bool has_change(const zone_change_t *changes, size_t count, const char *owner, uint16_t type)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	uint8_t lower[ZONE_NAME_MAXLEN];
	int len = zone_name_lower(lower, tname(name, owner));

	for (size_t i = 0; i < count; i++) {
		if (changes[i].type == type && memcmp(changes[i].owner, lower, (size_t)len) == 0)
			return true;
	}
	return false;
}

static void test_changeset_basics(void)
{
	zone_changeset_t cs;

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	CU_ASSERT_TRUE(zone_changeset_empty(&cs));
	tcs_add(&cs, "a.example. 60 IN A 192.0.2.1");
	CU_ASSERT_FALSE(zone_changeset_empty(&cs));
	tcs_remove(&cs, "b.example. 60 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(cs.add), 1);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(cs.remove), 1);
	zone_changeset_deinit(&cs);
	CU_ASSERT_PTR_NULL(cs.add);
	zone_changeset_deinit(&cs); /* twice is fine */
	zone_changeset_deinit(NULL);
	CU_ASSERT_EQUAL(zone_changeset_add(&cs, trr("a.example. 60 IN A 192.0.2.1")), GW_EINVAL);

	/* An empty changeset changes nothing. */
	zone_t *zone = base_zone();
	zone_change_t *changed = (zone_change_t *)1;
	size_t count = 99;
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_PTR_NULL(changed);
	CU_ASSERT_EQUAL(count, 0);
	zone_free(zone);
}

static void test_add_remove(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	zone_change_t *changed = NULL;
	size_t count = 0;
	uint8_t name[ZONE_NAME_MAXLEN];

	CU_ASSERT_EQUAL(zone_node_count(zone), 5);
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "New.Example. 60 IN AAAA 2001:db8::1");
	tcs_add(&cs, "www.example. 300 IN A 192.0.2.3");
	tcs_add(&cs, "www.example. 300 IN A 192.0.2.4");
	tcs_remove(&cs, "www.example. 300 IN TXT \"hello\"");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.99");  /* absent: fine */
	tcs_remove(&cs, "gone.example. 300 IN A 192.0.2.99"); /* absent node: fine */
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 3);
	CU_ASSERT_TRUE(has_change(changed, count, "new.example.", LDNS_RR_TYPE_AAAA));
	CU_ASSERT_TRUE(has_change(changed, count, "www.example.", LDNS_RR_TYPE_A));
	CU_ASSERT_TRUE(has_change(changed, count, "www.example.", LDNS_RR_TYPE_TXT));
	/* Owners reported in lowercase, the rest of the buffer zeroed. */
	for (size_t i = 0; i < count; i++) {
		if (changed[i].type == LDNS_RR_TYPE_AAAA) {
			CU_ASSERT_EQUAL(memcmp(changed[i].owner, "\3new\7example\0", 13), 0);
			CU_ASSERT_EQUAL(changed[i].owner[13], 0);
		}
	}
	free(changed);
	CU_ASSERT_EQUAL(zone_node_count(zone), 6);
	CU_ASSERT_EQUAL(trrset(zone, "www.example.", LDNS_RR_TYPE_A)->count, 4);
	CU_ASSERT_PTR_NULL(trrset(zone, "www.example.", LDNS_RR_TYPE_TXT));
	/* The new node keeps its case. */
	const zone_node_t *node = zone_find(zone, tname(name, "new.example."));
	CU_ASSERT_FATAL(node != NULL);
	CU_ASSERT_EQUAL(memcmp(node->owner, "\3New\7Example\0", 13), 0);

	/* Removing the last RR of an RRset removes it; the last RRset, the
	 * node. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "new.example. 60 IN AAAA 2001:db8::1");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 2);
	free(changed);
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "new.example.")));
	CU_ASSERT_EQUAL(zone_node_count(zone), 5);
	CU_ASSERT_EQUAL(trrset(zone, "www.example.", LDNS_RR_TYPE_A)->count, 3);

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.2");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.3");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.4");
	tcs_remove(&cs, "ns.example. 3600 IN A 192.0.2.53");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "www.example.")));
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "ns.example.")));
	CU_ASSERT_EQUAL(zone_node_count(zone), 3);

	/* Changes that change nothing report nothing. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "alias.example. 300 IN CNAME www.example.");
	tcs_remove(&cs, "alias.example. 300 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_PTR_NULL(changed);
	zone_free(zone);
}

static void test_remove_then_add(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	zone_change_t *changed = NULL;
	size_t count = 0;

	/* Removals go first: the same RR removed and added stays. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "www.example. 300 IN A 192.0.2.1");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.1");
	tcs_add(&cs, "fresh.example. 300 IN A 192.0.2.7");
	tcs_remove(&cs, "fresh.example. 300 IN A 192.0.2.7");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(trrset(zone, "www.example.", LDNS_RR_TYPE_A)->count, 2);
	CU_ASSERT_PTR_NOT_NULL(trrset(zone, "fresh.example.", LDNS_RR_TYPE_A));
	/* www's A RRset is the same set as before: not a change. */
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_TRUE(has_change(changed, count, "fresh.example.", LDNS_RR_TYPE_A));
	free(changed);

	/* Replacing a CNAME target and an SOA: remove and add in one go. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "alias.example. 300 IN CNAME www.example.");
	tcs_add(&cs, "alias.example. 300 IN CNAME ns.example.");
	tcs_remove(&cs, "example. 3600 IN SOA ns.example. host.example. 1 3600 600 86400 30");
	tcs_add(&cs, "example. 3600 IN SOA ns.example. host.example. 2 3600 600 86400 30");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	uint32_t serial = 0;
	CU_ASSERT_EQUAL(zone_serial(zone, &serial), GW_OK);
	CU_ASSERT_EQUAL(serial, 2);
	const zone_rrset_t *cname = trrset(zone, "alias.example.", LDNS_RR_TYPE_CNAME);
	CU_ASSERT_EQUAL(cname->count, 1);
	CU_ASSERT_EQUAL(memcmp(cname->rdata, "\0\14\2ns\7example\0", 14), 0);
	zone_free(zone);
}

static void test_duplicates_and_order(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	zone_change_t *changed = NULL;
	size_t count = 0;

	/* Adding what is there: no change. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "www.example. 300 IN A 192.0.2.2");
	tcs_add(&cs, "www.example. 300 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 0);
	CU_ASSERT_EQUAL(trrset(zone, "www.example.", LDNS_RR_TYPE_A)->count, 2);

	/* Duplicates inside one changeset collapse; order is first arrival;
	 * rdata keeps its letter case, and case makes rdata distinct. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "p.example. 60 IN PTR B.example.");
	tcs_add(&cs, "p.example. 60 IN PTR a.example.");
	tcs_add(&cs, "p.example. 60 IN PTR B.example.");
	tcs_add(&cs, "p.example. 60 IN PTR b.example.");
	tcs_add(&cs, "p.example. 60 IN PTR a.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 1);
	free(changed);
	const zone_rrset_t *ptr = trrset(zone, "p.example.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_FATAL(ptr != NULL);
	CU_ASSERT_EQUAL(ptr->count, 3);
	static const uint8_t want[] = "\0\13\1B\7example\0"
	                              "\0\13\1a\7example\0"
	                              "\0\13\1b\7example\0";
	CU_ASSERT_EQUAL(ptr->rdata_len, 3 * 13);
	CU_ASSERT_EQUAL(memcmp(ptr->rdata, want, 3 * 13), 0);
	zone_free(zone);
}

static void test_ttl_rule(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	zone_change_t *changed = NULL;
	size_t count = 0;

	/* An added RR's TTL becomes the RRset's, even for an RR already
	 * present; that is a change. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "www.example. 10 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	CU_ASSERT_EQUAL(count, 1);
	CU_ASSERT_TRUE(has_change(changed, count, "www.example.", LDNS_RR_TYPE_A));
	free(changed);
	const zone_rrset_t *a = trrset(zone, "www.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->ttl, 10);
	CU_ASSERT_EQUAL(a->count, 2);

	/* Within one changeset, the last added RR wins. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "www.example. 20 IN A 192.0.2.5");
	tcs_add(&cs, "www.example. 40 IN A 192.0.2.6");
	tcs_add(&cs, "www.example. 30 IN A 192.0.2.5");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	a = trrset(zone, "www.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->ttl, 30);
	CU_ASSERT_EQUAL(a->count, 4);

	/* A removal's TTL does not matter. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 99999 IN A 192.0.2.5");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	a = trrset(zone, "www.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->ttl, 30);
	CU_ASSERT_EQUAL(a->count, 3);
	zone_free(zone);
}

/* Apply a one-RR (or two-RR) changeset that must fail with code and leave
 * the zone as it was. */
static void expect_reject(zone_t *zone, const char *add1, const char *add2, const char *remove,
                          int code)
{
	zone_changeset_t cs;
	zone_change_t *changed = (zone_change_t *)1;
	size_t count = 77;
	char *before = tdump(zone);

	CU_ASSERT_EQUAL_FATAL(zone_changeset_init(&cs), GW_OK);
	if (remove != NULL)
		tcs_remove(&cs, remove);
	if (add1 != NULL)
		tcs_add(&cs, add1);
	if (add2 != NULL)
		tcs_add(&cs, add2);
	int ret = apply(zone, &cs, &changed, &count);
	if (ret != code)
		fprintf(stderr, "expected %d, got %d for %s / %s / %s\n", code, ret,
		        add1 ? add1 : "-", add2 ? add2 : "-", remove ? remove : "-");
	CU_ASSERT_EQUAL(ret, code);
	CU_ASSERT_PTR_EQUAL(changed, (zone_change_t *)1);
	CU_ASSERT_EQUAL(count, 77);
	char *after = tdump(zone);
	CU_ASSERT_STRING_EQUAL(after, before);
	free(before);
	free(after);
}

static void test_cname_rules(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;

	/* Beside existing data, either way round. */
	expect_reject(zone, "www.example. 300 IN CNAME ns.example.", NULL, NULL, GW_ESEMANTIC);
	expect_reject(zone, "alias.example. 300 IN TXT \"x\"", NULL, NULL, GW_ESEMANTIC);
	/* Both new in one changeset. */
	expect_reject(zone, "c.example. 300 IN CNAME ns.example.", "c.example. 300 IN A 192.0.2.1",
	              NULL, GW_ESEMANTIC);
	/* Two CNAMEs. */
	expect_reject(zone, "alias.example. 300 IN CNAME ns.example.", NULL, NULL, GW_ESEMANTIC);
	/* At the apex. */
	expect_reject(zone, "example. 300 IN CNAME ns.example.", NULL, NULL, GW_ESEMANTIC);
	/* Removing the other data first makes room. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "alias.example. 300 IN CNAME www.example.");
	tcs_add(&cs, "alias.example. 300 IN TXT \"now a TXT\"");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_PTR_NULL(trrset(zone, "alias.example.", LDNS_RR_TYPE_CNAME));

	/* RRSIG and NSEC may sit beside a CNAME. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "c.example. 300 IN CNAME ns.example.");
	tcs_add(&cs, "c.example. 300 IN NSEC d.example. CNAME RRSIG NSEC");
	tcs_add(&cs, "c.example. 300 IN RRSIG CNAME 13 2 300 20300101000000 20200101000000 "
	             "4660 example. AQID");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_PTR_NOT_NULL(trrset(zone, "c.example.", LDNS_RR_TYPE_CNAME));
	CU_ASSERT_PTR_NOT_NULL(trrset(zone, "c.example.", LDNS_RR_TYPE_NSEC));
	CU_ASSERT_PTR_NOT_NULL(trrset(zone, "c.example.", LDNS_RR_TYPE_RRSIG));
	zone_free(zone);
}

static void test_other_rules(void)
{
	zone_t *zone = base_zone();

	/* SOA: only one, only at the apex. */
	expect_reject(zone, "example. 3600 IN SOA ns.example. host.example. 9 1 1 1 1", NULL, NULL,
	              GW_ESEMANTIC);
	expect_reject(zone, "sub.example. 3600 IN SOA ns.example. host.example. 9 1 1 1 1", NULL,
	              NULL, GW_ESEMANTIC);
	/* Class IN only, in removals too. */
	expect_reject(zone, "www.example. 300 CH TXT \"x\"", NULL, NULL, GW_ESEMANTIC);
	expect_reject(zone, NULL, NULL, "www.example. 300 CH TXT \"hello\"", GW_ESEMANTIC);
	/* Owners outside the zone, in removals too. */
	expect_reject(zone, "www.example.com. 300 IN A 192.0.2.1", NULL, NULL, GW_EOUTOFZONE);
	expect_reject(zone, "xexample. 300 IN A 192.0.2.1", NULL, NULL, GW_EOUTOFZONE);
	expect_reject(zone, NULL, NULL, "www.other. 300 IN A 192.0.2.1", GW_EOUTOFZONE);
	/* Meta types are not data. */
	expect_reject(zone, "www.example. 300 IN ANY \\# 0", NULL, NULL, GW_ESEMANTIC);

	/* Malformed: an A RR without rdata. */
	ldns_rr *rr = ldns_rr_new_frm_type(LDNS_RR_TYPE_A);
	ldns_rr_set_owner(rr, ldns_dname_new_frm_str("bad.example."));
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	CU_ASSERT_EQUAL(zone_add_rr(zone, rr), GW_EMALFORMED);
	ldns_rr_free(rr);
	zone_free(zone);
}

/* A changeset with one bad RR at the end leaves the zone byte for byte as
 * it was, whatever came before it. */
static void test_atomic(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	char *before = tdump(zone);

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.1");
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.2");
	tcs_remove(&cs, "www.example. 300 IN TXT \"hello\"");
	tcs_remove(&cs, "_ipp._tcp.example. 120 IN PTR Printer\\ 1._ipp._tcp.example.");
	tcs_add(&cs, "new.example. 60 IN A 192.0.2.9");
	tcs_add(&cs, "ns.example. 5 IN A 192.0.2.53");
	tcs_add(&cs, "_ipp._tcp.example. 120 IN PTR Printer\\ 3._ipp._tcp.example.");
	tcs_add(&cs, "zzz.example. 60 IN A 192.0.2.10");
	tcs_add(&cs, "bad.example.net. 60 IN A 192.0.2.11");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_EOUTOFZONE);
	char *after = tdump(zone);
	CU_ASSERT_STRING_EQUAL(after, before);
	free(after);

	/* The same with a rule broken only by the result (CNAME beside the
	 * new data), found after the other owners were prepared. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 300 IN A 192.0.2.1");
	tcs_add(&cs, "a.example. 60 IN A 192.0.2.9");
	tcs_add(&cs, "ns.example. 5 IN A 192.0.2.53");
	tcs_add(&cs, "zzz.example. 60 IN A 192.0.2.10");
	tcs_add(&cs, "zzz.example. 60 IN CNAME www.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_ESEMANTIC);
	after = tdump(zone);
	CU_ASSERT_STRING_EQUAL(after, before);
	free(after);
	CU_ASSERT_EQUAL(zone_node_count(zone), 5);
	free(before);
	zone_free(zone);
}

/* The changeset for the allocation failure test: new nodes, a removed
 * node, changed, grown and re-TTLed RRsets, and signatures to drop. */
static void big_changeset(zone_changeset_t *cs)
{
	CU_ASSERT_EQUAL_FATAL(zone_changeset_init(cs), GW_OK);
	tcs_remove(cs, "www.example. 300 IN A 192.0.2.1");
	tcs_remove(cs, "www.example. 300 IN A 192.0.2.2");
	tcs_remove(cs, "alias.example. 300 IN CNAME www.example.");
	tcs_add(cs, "a.example. 60 IN A 192.0.2.9");
	tcs_add(cs, "ns.example. 5 IN A 192.0.2.53");
	tcs_add(cs, "ns.example. 5 IN AAAA 2001:db8::53");
	tcs_add(cs, "_ipp._tcp.example. 120 IN PTR Printer\\ 3._ipp._tcp.example.");
	tcs_add(cs, "www.example. 300 IN TXT \"more\"");
	tcs_add(cs, "zzz.example. 60 IN A 192.0.2.10");
	tcs_add(cs, "m.example. 60 IN MX 10 zzz.example.");
}

static void test_alloc_failure_rollback(void)
{
	static const uint8_t sig[] = {0, 4, 1, 2, 3, 4};
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_t *expected = base_zone();
	zone_changeset_t cs;
	char *want;
	int ret;
	long n;

	CU_ASSERT_EQUAL(
	    zone_set_sigs(expected, tname(name, "ns.example."), LDNS_RR_TYPE_A, sig, sizeof(sig)),
	    GW_OK);
	big_changeset(&cs);
	CU_ASSERT_EQUAL(apply(expected, &cs, NULL, NULL), GW_OK);
	want = tdump(expected);

	/* Fail the first allocation, then the second, ... until the change
	 * goes through: each failure must leave the zone untouched (and
	 * ASan must see no leak). */
	for (n = 0; n < 1000; n++) {
		zone_t *zone = base_zone();
		CU_ASSERT_EQUAL(zone_set_sigs(zone, tname(name, "ns.example."), LDNS_RR_TYPE_A, sig,
		                              sizeof(sig)),
		                GW_OK);
		char *before = tdump(zone);
		zone_change_t *changed = NULL;
		size_t count = 0;
		big_changeset(&cs);
		zone_alloc_fail_after = n;
		ret = zone_apply(zone, &cs, &changed, &count);
		zone_alloc_fail_after = -1;
		zone_changeset_deinit(&cs);
		char *after = tdump(zone);
		if (ret == GW_OK) {
			CU_ASSERT_STRING_EQUAL(after, want);
			CU_ASSERT_EQUAL(count, 9);
			CU_ASSERT_EQUAL(trrset(zone, "ns.example.", LDNS_RR_TYPE_A)->sig_count, 0);
			free(changed);
		} else {
			CU_ASSERT_EQUAL(ret, GW_ENOMEM);
			CU_ASSERT_STRING_EQUAL(after, before);
			CU_ASSERT_EQUAL(trrset(zone, "ns.example.", LDNS_RR_TYPE_A)->sig_count, 1);
		}
		free(before);
		free(after);
		zone_free(zone);
		if (ret == GW_OK)
			break;
	}
	/* Several allocations happen, and each one was failed once. */
	CU_ASSERT_TRUE(n > 10);
	CU_ASSERT_EQUAL(ret, GW_OK);
	free(want);
	zone_free(expected);
}

static void test_changed_list(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	zone_change_t *changed = NULL;
	size_t count = 0;
	uint8_t name[ZONE_NAME_MAXLEN];

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "Z.example. 60 IN A 192.0.2.1");
	tcs_add(&cs, "z.EXAMPLE. 60 IN A 192.0.2.2");
	tcs_add(&cs, "a.example. 60 IN TXT \"1\"");
	tcs_add(&cs, "a.example. 60 IN A 192.0.2.3");
	tcs_add(&cs, "a.example. 60 IN TXT \"2\"");
	CU_ASSERT_EQUAL(apply(zone, &cs, &changed, &count), GW_OK);
	/* Distinct pairs, in canonical order, types ascending. */
	CU_ASSERT_EQUAL_FATAL(count, 3);
	CU_ASSERT_EQUAL(memcmp(changed[0].owner, tname(name, "a.example."), 11), 0);
	CU_ASSERT_EQUAL(changed[0].type, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(memcmp(changed[1].owner, name, 11), 0);
	CU_ASSERT_EQUAL(changed[1].type, LDNS_RR_TYPE_TXT);
	CU_ASSERT_EQUAL(memcmp(changed[2].owner, tname(name, "z.example."), 11), 0);
	CU_ASSERT_EQUAL(changed[2].type, LDNS_RR_TYPE_A);
	free(changed);
	CU_ASSERT_EQUAL(trrset(zone, "z.example.", LDNS_RR_TYPE_A)->count, 2);
	/* One node for both spellings, with the first one's case. */
	const zone_node_t *node = zone_find(zone, tname(name, "z.example."));
	CU_ASSERT_EQUAL(node->owner[1], 'Z');
	zone_free(zone);
}

/* Many RRs in one RRset: duplicates and removals in bulk. */
static void test_large_rrset(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;
	char text[128];

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	for (int i = 0; i < 3000; i++) {
		snprintf(text, sizeof(text),
		         "_http._tcp.example. 120 IN PTR s%d._http._tcp.example.", i % 2000);
		tcs_add(&cs, text);
	}
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	const zone_rrset_t *ptr = trrset(zone, "_http._tcp.example.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_EQUAL_FATAL(ptr->count, 2000);

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	for (int i = 0; i < 2000; i += 2) {
		snprintf(text, sizeof(text),
		         "_http._tcp.example. 120 IN PTR s%d._http._tcp.example.", i);
		tcs_remove(&cs, text);
	}
	tcs_add(&cs, "_http._tcp.example. 120 IN PTR s0._http._tcp.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	ptr = trrset(zone, "_http._tcp.example.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_EQUAL(ptr->count, 1001);
	/* s0 was removed and added in one changeset: it keeps its place. */
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;
	CU_ASSERT_TRUE(zone_rrset_next(ptr, &pos, &rdata, &rdlen));
	CU_ASSERT_EQUAL(memcmp(rdata, "\2s0", 3), 0);
	CU_ASSERT_TRUE(zone_rrset_next(ptr, &pos, &rdata, &rdlen));
	CU_ASSERT_EQUAL(memcmp(rdata, "\2s1", 3), 0);
	CU_ASSERT_TRUE(zone_rrset_next(ptr, &pos, &rdata, &rdlen));
	CU_ASSERT_EQUAL(memcmp(rdata, "\2s3", 3), 0);
	zone_free(zone);
}

/* Random changesets against a model: after each one the zone holds
 * exactly the names the model says, in canonical order. Exercises node
 * insertion and removal in one commit at every position. */
static void test_random_against_model(void)
{
	enum { POOL = 60, ROUNDS = 300 };
	static const char *const labels[] = {"a", "b", "m", "z", "\\000", "*", "Mm"};
	char names[POOL][64];
	bool present[POOL][2] = {{false}}; /* [name][A, TXT] */
	uint8_t wire[POOL][ZONE_NAME_MAXLEN];
	size_t order[POOL];
	zone_t *zone = tzone("example.", NULL);
	unsigned seed = 12345;

	/* Names at several depths, some only as ancestors of others. */
	for (int i = 0; i < POOL; i++) {
		int a = i % 7, b = (i / 7) % 7, depth = i / 49;
		if (depth == 0 && i < 7)
			snprintf(names[i], sizeof(names[i]), "%s.example.", labels[a]);
		else
			snprintf(names[i], sizeof(names[i]), "%s.%s%s.example.", labels[a],
			         labels[b], depth ? ".d" : "");
		tname(wire[i], names[i]);
		order[i] = (size_t)i;
	}
	/* The model's canonical order (insertion sort with the tested cmp,
	 * itself checked against RFC 4034 in test_zones). */
	for (size_t i = 1; i < POOL; i++) {
		for (size_t j = i; j > 0 && zone_name_cmp(wire[order[j - 1]], wire[order[j]]) > 0;
		     j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
	for (int round = 0; round < ROUNDS; round++) {
		zone_changeset_t cs;
		char text[128];
		CU_ASSERT_EQUAL_FATAL(zone_changeset_init(&cs), GW_OK);
		int ops = 1 + (int)(rand_r(&seed) % 12);
		bool want[POOL][2];
		memcpy(want, present, sizeof(want));
		for (int op = 0; op < ops; op++) {
			int i = (int)(rand_r(&seed) % POOL);
			int t = (int)(rand_r(&seed) % 2);
			bool add = rand_r(&seed) % 2;
			snprintf(text, sizeof(text),
			         t ? "%s 60 IN TXT \"x\"" : "%s 60 IN A 192.0.2.1", names[i]);
			/* Removals go first, so any add of the pair wins. */
			if (add) {
				tcs_add(&cs, text);
				want[i][t] = true;
			} else {
				tcs_remove(&cs, text);
			}
		}
		/* Recompute removals that no add in this changeset overrides. */
		for (size_t k = 0; k < ldns_rr_list_rr_count(cs.remove); k++) {
			ldns_rr *rr = ldns_rr_list_rr(cs.remove, k);
			uint8_t *owner = ldns_rdf_data(ldns_rr_owner(rr));
			int t = ldns_rr_get_type(rr) == LDNS_RR_TYPE_TXT;
			for (int i = 0; i < POOL; i++) {
				if (!zone_name_equal(owner, wire[i]))
					continue;
				bool readded = false;
				for (size_t m = 0; m < ldns_rr_list_rr_count(cs.add); m++) {
					ldns_rr *a = ldns_rr_list_rr(cs.add, m);
					if (ldns_rr_get_type(a) == ldns_rr_get_type(rr) &&
					    zone_name_equal(ldns_rdf_data(ldns_rr_owner(a)),
					                    wire[i]))
						readded = true;
				}
				if (!readded)
					want[i][t] = false;
			}
		}
		CU_ASSERT_EQUAL_FATAL(apply(zone, &cs, NULL, NULL), GW_OK);
		memcpy(present, want, sizeof(present));

		size_t expected = 0;
		const zone_node_t *node = zone_first(zone);
		for (size_t k = 0; k < POOL; k++) {
			size_t i = order[k];
			if (!present[i][0] && !present[i][1])
				continue;
			expected++;
			CU_ASSERT_FATAL(node != NULL);
			CU_ASSERT_TRUE(zone_name_equal(node->owner, wire[i]));
			CU_ASSERT_EQUAL(zone_node_rrset(node, LDNS_RR_TYPE_A) != NULL,
			                present[i][0]);
			CU_ASSERT_EQUAL(zone_node_rrset(node, LDNS_RR_TYPE_TXT) != NULL,
			                present[i][1]);
			node = zone_next(zone, node);
		}
		CU_ASSERT_PTR_NULL(node);
		CU_ASSERT_EQUAL_FATAL(zone_node_count(zone), expected);
	}
	zone_free(zone);
}

static void test_rr_to_ldns(void)
{
	static const char *const rrs[] = {
	    "x.example. 120 IN SRV 0 0 631 Host-1.example.",
	    "x.example. 120 IN TXT \"txtvers=1\" \"rp=ipp/print\" \"\"",
	    "x.example. 120 IN AAAA 2001:db8::1",
	    "x.example. 120 IN MX 10 mail.example.",
	    "x.example. 120 IN TYPE65534 \\# 3 010203",
	    "X.Example. 120 IN NSEC y.example. A MX TXT AAAA SRV RRSIG NSEC",
	    NULL,
	};
	zone_t *zone = tzone("example.", rrs);
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(name, "x.example."));

	CU_ASSERT_FATAL(node != NULL);
	for (const char *const *text = rrs; *text != NULL; text++) {
		ldns_rr *want = trr(*text);
		const zone_rrset_t *rrset = zone_node_rrset(node, (uint16_t)ldns_rr_get_type(want));
		CU_ASSERT_FATAL(rrset != NULL);
		const uint8_t *rdata;
		uint16_t rdlen;
		uint32_t pos = 0;
		CU_ASSERT_TRUE(zone_rrset_next(rrset, &pos, &rdata, &rdlen));
		ldns_rr *got = NULL;
		CU_ASSERT_EQUAL(zone_rr_to_ldns(&got, node, rrset, rdata, rdlen), GW_OK);
		CU_ASSERT_EQUAL(ldns_rr_compare(got, want), 0);
		CU_ASSERT_EQUAL(ldns_rr_ttl(got), 120);
		/* The owner keeps the case it first arrived with. */
		CU_ASSERT_EQUAL(memcmp(ldns_rdf_data(ldns_rr_owner(got)), "\1x\7example", 10), 0);
		ldns_rr_free(got);
		ldns_rr_free(want);
	}

	/* Rdata that is not what the type says cannot be converted. */
	static const uint8_t bad_srv[] = {0, 0, 0, 0, 2, 0x77, 3, 'x', 'x'};
	const zone_rrset_t *srv = zone_node_rrset(node, LDNS_RR_TYPE_SRV);
	ldns_rr *got = NULL;
	CU_ASSERT_EQUAL(zone_rr_to_ldns(&got, node, srv, bad_srv, sizeof(bad_srv)), GW_EMALFORMED);
	CU_ASSERT_PTR_NULL(got);
	zone_free(zone);
}

/* zone_has_delegations(): NS below the apex, whatever change brings or
 * takes it (a new name, a new type at a name, a removed name); NS at the
 * apex does not count; a failed change leaves it as it was. */
static void test_delegations(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;

	CU_ASSERT_FALSE(zone_has_delegations(zone));
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "example. 300 IN NS ns2.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_FALSE(zone_has_delegations(zone));

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "sub.example. 300 IN NS ns.sub.example.");
	tcs_add(&cs, "www.example. 300 IN NS ns.www.example."); /* beside its A */
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_delegations(zone));

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "sub.example. 300 IN NS ns.sub.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_delegations(zone)); /* www still */

	/* A change that fails changes nothing. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 300 IN NS ns.www.example.");
	tcs_add(&cs, "example. 300 IN CNAME elsewhere.example.");
	CU_ASSERT_NOT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_delegations(zone));

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "www.example. 300 IN NS ns.www.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_FALSE(zone_has_delegations(zone));
	zone_free(zone);
}

/* zone_has_dnames(): DNAME at any name, the apex too, whatever change
 * brings or takes it; a failed change leaves it as it was. */
static void test_dnames(void)
{
	zone_t *zone = base_zone();
	zone_changeset_t cs;

	CU_ASSERT_FALSE(zone_has_dnames(zone));
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_add(&cs, "old.example. 300 IN DNAME new.example.");
	tcs_add(&cs, "example. 300 IN DNAME elsewhere.test.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_dnames(zone));

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "example. 300 IN DNAME elsewhere.test.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_dnames(zone)); /* old still */

	/* A change that fails changes nothing. */
	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "old.example. 300 IN DNAME new.example.");
	tcs_add(&cs, "example. 300 IN CNAME elsewhere.example.");
	CU_ASSERT_NOT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_TRUE(zone_has_dnames(zone));

	CU_ASSERT_EQUAL(zone_changeset_init(&cs), GW_OK);
	tcs_remove(&cs, "old.example. 300 IN DNAME new.example.");
	CU_ASSERT_EQUAL(apply(zone, &cs, NULL, NULL), GW_OK);
	CU_ASSERT_FALSE(zone_has_dnames(zone));
	zone_free(zone);
}

/* Merged changesets do in one apply what they did one after the other:
 * an addition a later changeset removes is gone, a TTL changed twice ends
 * at the last TTL, a removal then re-addition leaves the record. */
static void test_merge(void)
{
	static const char *const steps[][2][3] = {
	    /* {adds}, {removes} */
	    {{"a.example. 60 IN A 192.0.2.7", "www.example. 60 IN A 192.0.2.1", NULL},
	     {"www.example. 300 IN TXT \"hello\"", "ns.example. 3600 IN A 192.0.2.53", NULL}},
	    {{"www.example. 30 IN A 192.0.2.1", "ns.example. 3600 IN A 192.0.2.53", NULL},
	     {"a.example. 60 IN A 192.0.2.7", "www.example. 60 IN A 192.0.2.1", NULL}},
	    {{"b.example. 10 IN TXT \"b\"", NULL, NULL}, {NULL, NULL, NULL}},
	};
	zone_t *one_by_one = base_zone();
	zone_t *merged = base_zone();
	zone_changeset_t acc = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&acc) == GW_OK);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		zone_changeset_t cs = {0};
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		for (size_t k = 0; k < 3 && steps[i][0][k] != NULL; k++)
			tcs_add(&cs, steps[i][0][k]);
		for (size_t k = 0; k < 3 && steps[i][1][k] != NULL; k++)
			tcs_remove(&cs, steps[i][1][k]);
		CU_ASSERT(zone_changeset_merge(&acc, &cs) == GW_OK);
		CU_ASSERT(apply(one_by_one, &cs, NULL, NULL) == GW_OK);
	}
	CU_ASSERT(apply(merged, &acc, NULL, NULL) == GW_OK);
	char *a = tdump(one_by_one), *b = tdump(merged);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_PTR_NULL(strstr(b, "a.example."));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "ns.example."));
	CU_ASSERT(trrset(merged, "www.example.", 1) != NULL &&
	          trrset(merged, "www.example.", 1)->ttl == 30);
	free(a);
	free(b);
	zone_free(one_by_one);
	zone_free(merged);
}

static bool skip_ptr(uint16_t type, void *arg)
{
	(void)arg;
	return type == LDNS_RR_TYPE_PTR;
}

/* zone_add_wire(): the RRs of a zone in wire form rebuild the same zone;
 * bad framing and out-of-zone owners are refused and change nothing. */
static void test_add_wire(void)
{
	zone_t *src = base_zone();
	zone_t *dst = NULL;
	uint8_t *rrs[16];
	size_t lens[16];
	size_t n = 0;

	CU_ASSERT_FATAL(zone_new(&dst, zone_apex(src)) == GW_OK);
	for (const zone_node_t *node = zone_first(src); node != NULL; node = zone_next(src, node)) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *set = &node->rrsets[i];
			const uint8_t *rd;
			uint16_t rdlen;
			uint32_t pos = 0;
			while (zone_rrset_next(set, &pos, &rd, &rdlen)) {
				CU_ASSERT_FATAL(n < 16);
				rrs[n] = malloc(node->owner_len + 10u + rdlen);
				lens[n] = zone_rr_to_wire(rrs[n], node->owner, node->owner_len,
				                          set->type, set->ttl, rd, rdlen);
				n++;
			}
		}
	}
	CU_ASSERT_EQUAL(n, 9);

	/* One RR cut short: nothing is added. */
	lens[3]--;
	CU_ASSERT_EQUAL(zone_add_wire(dst, (const uint8_t *const *)rrs, lens, n), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_node_count(dst), 0);
	lens[3]++;

	/* An owner outside the zone. */
	uint8_t other[64];
	static const uint8_t org[] = {3, 'o', 'r', 'g', 0};
	size_t olen = zone_rr_to_wire(other, org, sizeof(org), LDNS_RR_TYPE_A, 60,
	                              (const uint8_t *)"\xc0\x00\x02\x01", 4);
	const uint8_t *bad[] = {rrs[0], other};
	size_t bad_lens[] = {lens[0], olen};
	CU_ASSERT_EQUAL(zone_add_wire(dst, bad, bad_lens, 2), GW_EOUTOFZONE);
	CU_ASSERT_EQUAL(zone_node_count(dst), 0);

	CU_ASSERT_EQUAL(zone_add_wire(dst, (const uint8_t *const *)rrs, lens, n), GW_OK);
	zone_changeset_t cs = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(src, dst, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT(zone_changeset_empty(&cs));
	zone_changeset_deinit(&cs);

	for (size_t i = 0; i < n; i++)
		free(rrs[i]);
	zone_free(dst);

	/* zone_add_zone(): the same zone again, less the types skip refuses. */
	CU_ASSERT_FATAL(zone_new(&dst, zone_apex(src)) == GW_OK);
	CU_ASSERT_EQUAL(zone_add_zone(dst, src, skip_ptr, NULL), GW_OK);
	CU_ASSERT_PTR_NULL(trrset(dst, "_ipp._tcp.example.", LDNS_RR_TYPE_PTR));
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(src, dst, skip_ptr, NULL, &cs) == GW_OK);
	CU_ASSERT(zone_changeset_empty(&cs));
	zone_changeset_deinit(&cs);
	zone_free(dst);
	zone_free(src);
}

int gw_test_register(void)
{
	return gw_test_suite("zone changesets",
	                     (gw_test_t[]){
	                         {"changeset_basics", test_changeset_basics},
	                         {"add_remove", test_add_remove},
	                         {"remove_then_add", test_remove_then_add},
	                         {"duplicates_and_order", test_duplicates_and_order},
	                         {"ttl_rule", test_ttl_rule},
	                         {"cname_rules", test_cname_rules},
	                         {"other_rules", test_other_rules},
	                         {"atomic", test_atomic},
	                         {"alloc_failure_rollback", test_alloc_failure_rollback},
	                         {"changed_list", test_changed_list},
	                         {"large_rrset", test_large_rrset},
	                         {"random_against_model", test_random_against_model},
	                         {"rr_to_ldns", test_rr_to_ldns},
	                         {"delegations", test_delegations},
	                         {"DNAME count", test_dnames},
	                         {"merge", test_merge},
	                         {"add_wire", test_add_wire},
	                         {NULL, NULL},
	                     });
}
