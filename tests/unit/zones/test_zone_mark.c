/* Marks on the served zone's RRsets (zones/mark.c): which RRsets the
 * static records hold, kept by every change; the reload's diff from them
 * and the static-name lookup. */
#include "zone_util.h"

/* A served zone: from's RRsets, marked, beside unmarked ones of other
 * writers (the mirror's names and types, the signer's NSEC and
 * signatures). */
static const char *const g_others[] = {
    "mirror.d.test. 10 IN A 192.0.2.99",
    "Keep.d.test. 10 IN HINFO \"mirror\" \"only\"",
    "keep.d.test. 10 IN NSEC multi.d.test. A HINFO TXT RRSIG NSEC",
    "Zz.d.test. 10 IN TXT \"after every name\"",
    NULL,
};

static void add_texts(zone_t *zone, const char *const *rrs)
{
	for (; *rrs != NULL; rrs++) {
		ldns_rr *rr = trr(*rrs);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
}

static zone_t *tserved(const zone_t *from)
{
	uint8_t name[ZONE_NAME_MAXLEN], sig[2 + 20] = {0, 20, 1, 2, 3};
	zone_t *zone = NULL;
	CU_ASSERT_FATAL(zone_new(&zone, zone_apex(from)) == GW_OK);
	CU_ASSERT_FATAL(zone_add_zone(zone, from, NULL, NULL) == GW_OK);
	zone_mark_static(zone, from, NULL, NULL);
	add_texts(zone, g_others);
	if (trrset(zone, "keep.d.test.", LDNS_RR_TYPE_A) != NULL)
		CU_ASSERT_FATAL(zone_set_sigs(zone, tname(name, "keep.d.test."), LDNS_RR_TYPE_A,
		                              sig, sizeof(sig)) == GW_OK);
	return zone;
}

static bool marked(const zone_t *zone, const char *owner, uint16_t type)
{
	const zone_rrset_t *rs = trrset(zone, owner, type);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	return rs->mark & ZONE_MARK_STATIC;
}

static bool has(const zone_t *zone, const zone_t *exact, const char *name)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	return zone_name_marked(zone, exact, tname(wire, name));
}

/* Two changesets hold the same RRs in the same order, owners in the same
 * letter case. */
static void check_same_changes(const zone_changeset_t *a, const zone_changeset_t *b)
{
	const ldns_rr_list *la[2] = {a->remove, a->add}, *lb[2] = {b->remove, b->add};
	for (int s = 0; s < 2; s++) {
		size_t n = ldns_rr_list_rr_count(la[s]);
		CU_ASSERT_EQUAL_FATAL(n, ldns_rr_list_rr_count(lb[s]));
		for (size_t i = 0; i < n; i++) {
			char *x = ldns_rr2str(ldns_rr_list_rr(la[s], i));
			char *y = ldns_rr2str(ldns_rr_list_rr(lb[s], i));
			CU_ASSERT_STRING_EQUAL(x, y);
			free(x);
			free(y);
		}
	}
}

static const char *const g_zone[] = {
    "d.test. 3600 IN SOA ns.d.test. h.d.test. 1 3600 600 86400 30",
    "d.test. 3600 IN NS ns.d.test.",
    "d.test. 300 IN TXT \"one\"",
    "d.test. 300 IN TXT \"two\"",
    "ns.d.test. 60 IN A 192.0.2.1",
    "ns.d.test. 60 IN AAAA 2001:db8::1",
    "Printer._ipp._tcp.Lan.D.test. 120 IN SRV 0 0 631 printer.lan.d.test.",
    "Printer._ipp._tcp.Lan.D.test. 120 IN TXT \"rp=ipp/print\" \"ty=Laser\"",
    "_ipp._tcp.lan.d.test. 120 IN PTR Printer._ipp._tcp.Lan.D.test.",
    "printer.lan.d.test. 120 IN A 192.0.2.7",
    NULL,
};

static const char *const g_from[] = {
    "d.test. 3600 IN SOA ns.d.test. h.d.test. 1 3600 600 86400 30",
    "d.test. 3600 IN NS ns.d.test.",
    "Keep.d.test. 60 IN A 192.0.2.1",
    "gone.d.test. 60 IN A 192.0.2.2",
    "gone.d.test. 60 IN TXT \"x\"",
    "multi.d.test. 60 IN TXT \"a\"",
    "multi.d.test. 60 IN TXT \"b\"",
    "ttl.d.test. 60 IN AAAA 2001:db8::1",
    "ttl.d.test. 60 IN AAAA 2001:db8::2",
    "skip.d.test. 60 IN NSEC keep.d.test. A RRSIG NSEC",
    NULL,
};

static const char *const g_to[] = {
    "d.test. 3600 IN SOA ns.d.test. h.d.test. 2 3600 600 86400 30",
    "d.test. 3600 IN NS ns.d.test.",
    "Keep.d.test. 60 IN A 192.0.2.1",
    "keep.d.test. 60 IN TXT \"new type\"",
    "New.d.test. 60 IN A 192.0.2.3",
    "multi.d.test. 60 IN TXT \"b\"",
    "multi.d.test. 60 IN TXT \"c\"",
    "ttl.d.test. 300 IN AAAA 2001:db8::1",
    "ttl.d.test. 300 IN AAAA 2001:db8::2",
    NULL,
};

static bool skip_nsec_soa(uint16_t type, void *arg)
{
	(void)arg;
	return type == LDNS_RR_TYPE_NSEC || type == LDNS_RR_TYPE_SOA;
}

/* Only the marked RRsets count: nothing to change against the records
 * they were marked from, whatever else the zone holds. */
static void test_marks_set(void)
{
	zone_t *from = tzone("d.test.", g_zone);
	zone_t *zone = tserved(from);
	CU_ASSERT(marked(zone, "d.test.", LDNS_RR_TYPE_SOA));
	CU_ASSERT(marked(zone, "ns.d.test.", LDNS_RR_TYPE_AAAA));
	CU_ASSERT(!marked(zone, "mirror.d.test.", LDNS_RR_TYPE_A));
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_marked_diff(zone, NULL, from, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_TRUE(zone_changeset_empty(&cs));
	zone_changeset_deinit(&cs);

	/* Marked again from other records: what they lack loses its mark,
	 * a type skip refuses is not marked. */
	zone_t *fewer =
	    tzone("d.test.", (const char *const[]){
	                         "d.test. 3600 IN SOA ns.d.test. h.d.test. 1 3600 600 86400 30",
	                         "ns.d.test. 60 IN A 192.0.2.1",
	                         "mirror.d.test. 60 IN A 192.0.2.99",
	                         NULL,
	                     });
	zone_mark_static(zone, fewer, skip_nsec_soa, NULL);
	CU_ASSERT(!marked(zone, "d.test.", LDNS_RR_TYPE_SOA));
	CU_ASSERT(!marked(zone, "d.test.", LDNS_RR_TYPE_NS));
	CU_ASSERT(marked(zone, "ns.d.test.", LDNS_RR_TYPE_A));
	CU_ASSERT(!marked(zone, "ns.d.test.", LDNS_RR_TYPE_AAAA));
	CU_ASSERT(marked(zone, "mirror.d.test.", LDNS_RR_TYPE_A));
	zone_free(fewer);
	zone_free(zone);
	zone_free(from);
}

/* Marking walks both zones side by side: every RRset is marked as a
 * lookup of its name in the source says, with names of either zone alone
 * before, between and after the other's (and letter case mixed), and the
 * zone marked from itself. */
static void test_marks_side_by_side(void)
{
	zone_t *zone = NULL, *src = NULL;
	uint8_t apex[ZONE_NAME_MAXLEN];
	char text[128];
	CU_ASSERT_FATAL(zone_new(&zone, tname(apex, "d.test.")) == GW_OK);
	CU_ASSERT_FATAL(zone_new(&src, apex) == GW_OK);
	for (int i = 0; i < 300; i++) {
		/* Names in an order of their own: i * 7 % 300 spreads them. */
		int k = i * 7 % 300;
		const char *sub = k % 5 == 0 ? "x." : "";
		snprintf(text, sizeof(text), "%sN%03d.d.test. 60 IN A 192.0.2.%d", sub, k, k % 250);
		ldns_rr *a = trr(text);
		snprintf(text, sizeof(text), "%sn%03d.d.test. 60 IN TXT \"%d\"", sub, k, k);
		ldns_rr *txt = trr(text);
		if (k % 3 != 0)
			CU_ASSERT_FATAL(zone_add_rr(zone, a) == GW_OK);
		if (k % 4 != 1)
			CU_ASSERT_FATAL(zone_add_rr(zone, txt) == GW_OK);
		if (k % 2 == 0)
			CU_ASSERT_FATAL(zone_add_rr(src, k % 8 == 0 ? txt : a) == GW_OK);
		ldns_rr_free(a);
		ldns_rr_free(txt);
	}
	for (int pass = 0; pass < 2; pass++) {
		const zone_t *from = pass == 0 ? src : zone;
		zone_mark_static(zone, from, NULL, NULL);
		size_t checked = 0, held = 0;
		const zone_node_t *node;
		for (size_t n = 0; (node = zone_node_at(zone, n)) != NULL; n++) {
			const zone_node_t *there = zone_find(from, node->owner);
			for (uint16_t r = 0; r < node->rrset_count; r++) {
				const zone_rrset_t *rs = &node->rrsets[r];
				bool want =
				    there != NULL && zone_node_rrset(there, rs->type) != NULL;
				CU_ASSERT_EQUAL(!!(rs->mark & ZONE_MARK_STATIC), want);
				checked++;
				held += want;
			}
		}
		/* Both kinds are there from src (the test would see a walk gone
		 * wrong); from itself, every RRset. */
		CU_ASSERT(checked > 400);
		if (pass == 0) {
			CU_ASSERT(held > 50 && held < checked);
		} else {
			CU_ASSERT_EQUAL(held, checked);
		}
	}
	zone_free(src);
	zone_free(zone);
}

/* A change keeps the mark of the RRsets it changes (data, TTL,
 * signatures, the serial); an RRset it makes is not marked, also where
 * a marked one was removed before; a commit that fails puts the marks
 * back with the RRsets. */
static void test_marks_kept(void)
{
	zone_t *from = tzone("d.test.", g_zone);
	zone_t *zone = tserved(from);
	uint8_t name[ZONE_NAME_MAXLEN], sig[2 + 20] = {0, 20, 9};
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "d.test. 300 IN TXT \"three\"");              /* more data */
	tcs_add(&cs, "ns.d.test. 99 IN A 192.0.2.1");              /* a new TTL */
	tcs_remove(&cs, "printer.lan.d.test. 120 IN A 192.0.2.7"); /* gone */
	tcs_add(&cs, "ns.d.test. 60 IN HINFO \"a\" \"b\"");        /* a new type */
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(marked(zone, "d.test.", LDNS_RR_TYPE_TXT));
	CU_ASSERT(marked(zone, "ns.d.test.", LDNS_RR_TYPE_A));
	CU_ASSERT_EQUAL(trrset(zone, "ns.d.test.", LDNS_RR_TYPE_A)->ttl, 99);
	CU_ASSERT(!marked(zone, "ns.d.test.", LDNS_RR_TYPE_HINFO));
	CU_ASSERT_PTR_NULL(trrset(zone, "printer.lan.d.test.", LDNS_RR_TYPE_A));
	CU_ASSERT_FATAL(zone_set_sigs(zone, tname(name, "d.test."), LDNS_RR_TYPE_NS, sig,
	                              sizeof(sig)) == GW_OK);
	CU_ASSERT(marked(zone, "d.test.", LDNS_RR_TYPE_NS));
	CU_ASSERT_FATAL(zone_set_serial(zone, 7) == GW_OK);
	CU_ASSERT(marked(zone, "d.test.", LDNS_RR_TYPE_SOA));

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "printer.lan.d.test. 120 IN A 192.0.2.7");
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(!marked(zone, "printer.lan.d.test.", LDNS_RR_TYPE_A));

	/* Without its SOA the commit fails and every RRset goes back as
	 * it was, the one it removed whole with its mark. */
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "ns.d.test. 60 IN AAAA 2001:db8::1");
	tcs_remove(&cs, "d.test. 3600 IN SOA ns.d.test. h.d.test. 7 3600 600 86400 30");
	CU_ASSERT(zone_commit(zone, &cs, 8, NULL) == GW_ENOTFOUND);
	zone_changeset_deinit(&cs);
	CU_ASSERT(marked(zone, "ns.d.test.", LDNS_RR_TYPE_AAAA));
	CU_ASSERT(marked(zone, "d.test.", LDNS_RR_TYPE_SOA));
	zone_free(zone);
	zone_free(from);
}

/* The marked diff is zone_diff()'s from the records marked. */
static void check_diff(const zone_t *from, const zone_t *to, zone_diff_skip_fn skip, size_t removed,
                       size_t added)
{
	zone_changeset_t want, got;
	CU_ASSERT_FATAL(zone_changeset_init(&want) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&got) == GW_OK);
	zone_t *zone = tserved(from);
	CU_ASSERT_FATAL(zone_diff(from, to, skip, NULL, &want) == GW_OK);
	CU_ASSERT_FATAL(zone_marked_diff(zone, NULL, to, skip, NULL, &got) == GW_OK);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(got.remove), removed);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(got.add), added);
	check_same_changes(&got, &want);
	zone_free(zone);
	zone_changeset_deinit(&want);
	zone_changeset_deinit(&got);
}

static void test_diff(void)
{
	zone_t *from = tzone("d.test.", g_from);
	zone_t *to = tzone("d.test.", g_to);
	/* Removed: gone A and TXT, multi "a", the NSEC, the old SOA.
	 * Added: keep's TXT, New's A, multi "c", both AAAA again (new TTL),
	 * the new SOA. */
	check_diff(from, to, NULL, 5, 6);
	check_diff(from, to, skip_nsec_soa, 3, 5);
	check_diff(to, from, NULL, 4, 7);
	check_diff(from, from, NULL, 0, 0);

	/* Applied, the diff turns the static part into to and leaves the
	 * rest (the owner of a new node in to's letter case). */
	zone_changeset_t cs;
	zone_t *zone = tserved(from);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_marked_diff(zone, NULL, to, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_t *want = tzone("d.test.", g_to);
	add_texts(want, g_others);
	uint8_t name[ZONE_NAME_MAXLEN], sig[2 + 20] = {0, 20, 1, 2, 3};
	CU_ASSERT_FATAL(zone_set_sigs(want, tname(name, "keep.d.test."), LDNS_RR_TYPE_A, sig,
	                              sizeof(sig)) == GW_OK);
	char *x = tdump(zone), *y = tdump(want);
	CU_ASSERT_STRING_EQUAL(x, y);
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "New.d.test."));
	free(x);
	free(y);
	zone_changeset_deinit(&cs);
	zone_free(want);
	zone_free(zone);
	zone_free(from);
	zone_free(to);
}

/* Where another writer changed a marked RRset (more RRs, another TTL,
 * removed it), the static records' own copy in exact stands for it: the
 * diff is still zone_diff()'s from the records, and the name still
 * theirs. */
static void test_exact(void)
{
	zone_t *from = tzone("d.test.", g_from);
	zone_t *to = tzone("d.test.", g_to);
	zone_t *zone = tserved(from);
	zone_t *exact = tzone("d.test.", (const char *const[]){
	                                     "gone.d.test. 60 IN A 192.0.2.2",
	                                     "gone.d.test. 60 IN TXT \"x\"",
	                                     "multi.d.test. 60 IN TXT \"a\"",
	                                     "multi.d.test. 60 IN TXT \"b\"",
	                                     NULL,
	                                 });
	zone_changeset_t cs, want;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_remove(&cs, "gone.d.test. 60 IN A 192.0.2.2");
	tcs_remove(&cs, "gone.d.test. 60 IN TXT \"x\"");
	tcs_add(&cs, "multi.d.test. 10 IN TXT \"mirror\"");
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT(marked(zone, "multi.d.test.", LDNS_RR_TYPE_TXT));
	CU_ASSERT(has(zone, exact, "gone.d.test."));
	CU_ASSERT(!has(zone, NULL, "gone.d.test."));

	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&want) == GW_OK);
	CU_ASSERT_FATAL(zone_marked_diff(zone, exact, to, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(from, to, NULL, NULL, &want) == GW_OK);
	check_same_changes(&cs, &want);

	/* The copy of the records is what they were marked from (the skip
	 * left out), whatever the other writers did since. */
	zone_t *copy = NULL;
	zone_changeset_t none;
	CU_ASSERT_FATAL(zone_new(&copy, zone_apex(from)) == GW_OK);
	CU_ASSERT_FATAL(zone_add_marked(copy, zone, exact, skip_nsec_soa, NULL) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&none) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(from, copy, skip_nsec_soa, NULL, &none) == GW_OK);
	CU_ASSERT(zone_changeset_empty(&none));
	CU_ASSERT_PTR_NULL(trrset(copy, "mirror.d.test.", LDNS_RR_TYPE_A));
	CU_ASSERT_PTR_NULL(trrset(copy, "d.test.", LDNS_RR_TYPE_SOA));
	CU_ASSERT_EQUAL(trrset(copy, "multi.d.test.", LDNS_RR_TYPE_TXT)->count, 2);
	CU_ASSERT_PTR_NOT_NULL(trrset(copy, "gone.d.test.", LDNS_RR_TYPE_TXT));
	zone_changeset_deinit(&none);
	zone_free(copy);
	/* Applied: the records' RRs change, the other writer's stay. */
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	CU_ASSERT_EQUAL(trrset(zone, "multi.d.test.", LDNS_RR_TYPE_TXT)->count, 3);
	CU_ASSERT_PTR_NULL(trrset(zone, "multi.d.test.", LDNS_RR_TYPE_NSEC));
	zone_changeset_deinit(&want);
	zone_changeset_deinit(&cs);
	zone_free(exact);
	zone_free(zone);
	zone_free(from);
	zone_free(to);
}

/* Many nodes, a few empty non-terminals, names with only other
 * writers' RRsets: a name is the records' when a marked RRset is
 * there. */
static void test_is_static(void)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	char text[256];
	zone_t *from = tzone("d.test.", g_zone);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "h%03d.x.lan.d.test. 60 IN A 192.0.2.%d", i * 2, i);
		ldns_rr *rr = trr(text);
		CU_ASSERT_FATAL(zone_add_rr(from, rr) == GW_OK);
		ldns_rr_free(rr);
	}
	zone_t *zone = tserved(from);
	for (int i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "H%03d.X.lan.d.test.", i);
		CU_ASSERT_EQUAL(has(zone, NULL, text), i % 2 == 0);
		CU_ASSERT_EQUAL(has(zone, NULL, text), zone_find(from, tname(wire, text)) != NULL);
	}
	const char *const yes[] = {
	    "d.test.",
	    "D.TEST.",
	    "ns.d.test.",
	    "printer._ipp._tcp.lan.d.test.",
	    "_ipp._tcp.lan.d.test.",
	    "printer.lan.d.test.",
	};
	/* Empty non-terminals, names below nodes, before the first and
	 * after the last, other writers' names, and outside the zone. */
	const char *const no[] = {
	    "lan.d.test.",
	    "_tcp.lan.d.test.",
	    "x.lan.d.test.",
	    "a.ns.d.test.",
	    "h000.h000.x.lan.d.test.",
	    "a.d.test.",
	    "zzz.d.test.",
	    "mirror.d.test.",
	    "zz.d.test.",
	    "test.",
	    "other.test.",
	    ".",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CU_ASSERT(has(zone, NULL, yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CU_ASSERT(!has(zone, NULL, no[i]));
		CU_ASSERT_PTR_NULL(zone_find(from, tname(wire, no[i])));
	}
	zone_free(zone);
	zone_free(from);
}

static void test_empty_zone(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_t *empty = NULL;
	CU_ASSERT_FATAL(zone_new(&empty, tname(apex, "d.test.")) == GW_OK);
	CU_ASSERT(!has(empty, NULL, "d.test."));
	zone_t *full = tzone("d.test.", g_to);
	/* Everything added, then everything removed. */
	check_diff(empty, full, NULL, 0, 9);
	check_diff(full, empty, NULL, 9, 0);
	zone_free(full);
	zone_free(empty);
}

int gw_test_register(void)
{
	return gw_test_suite("zone_mark",
	                     (gw_test_t[]){
	                         {"marks set from the static records", test_marks_set},
	                         {"marks set side by side", test_marks_side_by_side},
	                         {"marks kept by changes and a failed commit", test_marks_kept},
	                         {"diff: the changes zone_diff() makes", test_diff},
	                         {"diff: the records' own copy of changed RRsets", test_exact},
	                         {"is-static lookup", test_is_static},
	                         {"empty zone", test_empty_zone},
	                         {NULL, NULL},
	                     });
}
