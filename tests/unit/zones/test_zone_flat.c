/* zone_flat_t: a zone's records in one buffer, what a reload diffs against
 * and what tells the mirror which names are static. */
#include "zone_util.h"

/* A flat copy of zone (asserted). */
static zone_flat_t *tflat(const zone_t *zone)
{
	zone_flat_t *flat = NULL;
	CU_ASSERT_FATAL(zone_flat_new(&flat, zone) == GW_OK);
	CU_ASSERT_FATAL(flat != NULL);
	return flat;
}

static bool has(const zone_flat_t *flat, const char *name)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	return zone_flat_has_name(flat, tname(wire, name));
}

/* Walk flat and zone side by side: the same nodes in the same order, the
 * owner octet for octet (letter case too), the same RRsets and rdata;
 * no signatures. Returns the nodes seen. */
static size_t check_same(const zone_flat_t *flat, const zone_t *zone)
{
	zone_flat_iter_t it;
	const zone_node_t *a = NULL;
	const zone_node_t *b = zone_first(zone);
	size_t n = 0;

	zone_flat_iter_init(&it, flat);
	CU_ASSERT_FATAL(zone_flat_iter_next(&it, &a) == GW_OK);
	for (; a != NULL && b != NULL; b = zone_next(zone, b), n++) {
		CU_ASSERT_EQUAL_FATAL(a->owner_len, b->owner_len);
		CU_ASSERT(memcmp(a->owner, b->owner, b->owner_len) == 0);
		CU_ASSERT_EQUAL_FATAL(a->key_len, b->key_len);
		CU_ASSERT(memcmp(a->key, b->key, b->key_len) == 0);
		CU_ASSERT_EQUAL_FATAL(a->rrset_count, b->rrset_count);
		for (uint16_t i = 0; i < b->rrset_count; i++) {
			const zone_rrset_t *x = &a->rrsets[i], *y = &b->rrsets[i];
			CU_ASSERT_EQUAL(x->type, y->type);
			CU_ASSERT_EQUAL(x->ttl, y->ttl);
			CU_ASSERT_EQUAL(x->count, y->count);
			CU_ASSERT_EQUAL_FATAL(x->rdata_len, y->rdata_len);
			CU_ASSERT(memcmp(x->rdata, y->rdata, y->rdata_len) == 0);
			CU_ASSERT_PTR_NULL(x->sigs);
			CU_ASSERT_EQUAL(x->sigs_len, 0);
		}
		CU_ASSERT_FATAL(zone_flat_iter_next(&it, &a) == GW_OK);
	}
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_PTR_NULL(b);
	zone_flat_iter_deinit(&it);
	CU_ASSERT_EQUAL(zone_flat_node_count(flat), n);
	return n;
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

static void test_round_trip(void)
{
	zone_t *zone = tzone("d.test.", g_zone);
	uint8_t name[ZONE_NAME_MAXLEN], sig[2 + 20] = {0, 20, 1, 2, 3};
	/* Signatures are the signer's, not the zone file's: left out. */
	CU_ASSERT_FATAL(zone_set_sigs(zone, tname(name, "ns.d.test."), LDNS_RR_TYPE_A, sig,
	                              sizeof(sig)) == GW_OK);
	zone_flat_t *flat = tflat(zone);
	CU_ASSERT_EQUAL(check_same(flat, zone), zone_node_count(zone));
	CU_ASSERT_EQUAL(zone_flat_node_count(flat), 5);

	/* Nothing to change against the zone it was made of. */
	zone_changeset_t cs;
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_flat_diff(flat, zone, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_TRUE(zone_changeset_empty(&cs));
	zone_changeset_deinit(&cs);
	zone_flat_free(flat);
	zone_free(zone);
}

/* RFC 4034 6.1's example, under d.test. */
static const char *const g_canonical[] = {
    "d.test.",   "a.d.test.",       "yljkjljk.a.d.test.", "Z.a.d.test.",     "zABC.a.D.TEST.",
    "z.d.test.", "\\001.z.d.test.", "*.z.d.test.",        "\\200.z.d.test.",
};
#define CANONICAL_COUNT (sizeof(g_canonical) / sizeof(g_canonical[0]))

static void test_canonical_order(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN], name[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;
	char text[512];
	CU_ASSERT_FATAL(zone_new(&zone, tname(apex, "d.test.")) == GW_OK);
	/* Added last to first: the order is the flat copy's own. */
	for (size_t i = CANONICAL_COUNT; i-- > 0;) {
		snprintf(text, sizeof(text), "%s 60 IN TXT \"%zu\"", g_canonical[i], i);
		ldns_rr *rr = trr(text);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
	zone_flat_t *flat = tflat(zone);
	zone_flat_iter_t it;
	const zone_node_t *node = NULL;
	size_t n = 0;
	zone_flat_iter_init(&it, flat);
	while (zone_flat_iter_next(&it, &node) == GW_OK && node != NULL) {
		CU_ASSERT_FATAL(n < CANONICAL_COUNT);
		tname(name, g_canonical[n]);
		CU_ASSERT_EQUAL(zone_name_len(node->owner, node->owner_len), node->owner_len);
		CU_ASSERT(node->owner_len == zone_name_len(name, sizeof(name)) &&
		          memcmp(node->owner, name, node->owner_len) == 0);
		n++;
	}
	CU_ASSERT_EQUAL(n, CANONICAL_COUNT);
	zone_flat_iter_deinit(&it);
	for (size_t i = 0; i < CANONICAL_COUNT; i++)
		CU_ASSERT(has(flat, g_canonical[i]));
	CU_ASSERT(!has(flat, "b.a.d.test."));
	CU_ASSERT(!has(flat, "y.d.test."));
	CU_ASSERT(!has(flat, "\\000.z.d.test."));
	CU_ASSERT(!has(flat, "zz.d.test."));
	zone_flat_free(flat);
	zone_free(zone);
}

/* A label of 63 octets of c. */
static void label63(char *out, char c)
{
	memset(out, c, 63);
	out[63] = '\0';
}

/* Owners that share most of their octets with the one before (long
 * labels, four deep) mixed with short ones and one of the longest a name
 * may be: each comes back octet for octet, letter case included, and the
 * shared octets are stored once. */
static void test_prefix_compression(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	char a[64], b[64], c[64], cu[64], other[64], text[600], owner[300];
	zone_t *zone = NULL;
	size_t owner_octets = 0, names = 0;
	label63(a, 'a');
	label63(b, 'b');
	label63(c, 'c');
	label63(cu, 'C'); /* the same label as c, in capitals */
	label63(other, 'b');
	other[0] = 'x';
	CU_ASSERT_FATAL(zone_new(&zone, tname(apex, "d.test.")) == GW_OK);
	for (int i = 0; i < 40; i++) {
		/* Now and then the second label in capitals: the copy must
		 * not lend one owner's letters to the next. */
		snprintf(owner, sizeof(owner), "h%d.%s.%s.%s.d.test.", i, i % 8 == 7 ? cu : c, b,
		         a);
		snprintf(text, sizeof(text), "%s 60 IN A 192.0.2.%d", owner, i);
		ldns_rr *rr = trr(text);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
		owner_octets += strlen(owner) + 1;
		names++;
	}
	/* 255 octets: 55 + 3 x 64 + "d.test." (8). */
	char last[55];
	memset(last, 'L', 54);
	last[54] = '\0';
	snprintf(owner, sizeof(owner), "%s.%s.%s.%s.d.test.", last, c, b, a);
	uint8_t wire[ZONE_NAME_MAXLEN];
	CU_ASSERT_EQUAL_FATAL(zone_name_from_str(wire, owner, NULL), 255);
	const char *const shorts[] = {
	    "s.d.test. 60 IN A 192.0.2.200",
	    "t.s.d.test. 60 IN A 192.0.2.201",
	    "zz.d.test. 60 IN A 192.0.2.202",
	};
	snprintf(text, sizeof(text), "%s 60 IN A 192.0.2.250", owner);
	ldns_rr *rr = trr(text);
	CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
	ldns_rr_free(rr);
	for (size_t i = 0; i < 3; i++) {
		rr = trr(shorts[i]);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
	zone_flat_t *flat = tflat(zone);
	CU_ASSERT_EQUAL(check_same(flat, zone), names + 4);
	/* Stored whole, the owners alone would take owner_octets; shared,
	 * each takes its first label and a few octets, and a whole owner
	 * every 16 nodes. */
	CU_ASSERT(zone_flat_bytes(flat) < owner_octets / 2);
	CU_ASSERT(has(flat, owner));
	for (int i = 0; i < 40; i++) {
		snprintf(owner, sizeof(owner), "H%d.%s.%s.%s.D.TEST.", i, i % 8 == 7 ? c : cu, b,
		         a);
		CU_ASSERT(has(flat, owner));
		/* The same first labels under another third label are not
		 * names of the zone. */
		snprintf(owner, sizeof(owner), "h%d.%s.%s.%s.d.test.", i, c, other, a);
		CU_ASSERT(!has(flat, owner));
	}
	CU_ASSERT(has(flat, "s.d.test."));
	CU_ASSERT(has(flat, "T.s.d.test."));
	CU_ASSERT(has(flat, "zz.d.test."));
	zone_flat_free(flat);
	zone_free(zone);
}

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

/* The flat copy's diff is zone_diff()'s from the zone it was made of. */
static void check_diff(const zone_t *from, const zone_t *to, zone_diff_skip_fn skip, size_t removed,
                       size_t added)
{
	zone_changeset_t want, got;
	CU_ASSERT_FATAL(zone_changeset_init(&want) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&got) == GW_OK);
	zone_flat_t *flat = tflat(from);
	CU_ASSERT_FATAL(zone_diff(from, to, skip, NULL, &want) == GW_OK);
	CU_ASSERT_FATAL(zone_flat_diff(flat, to, skip, NULL, &got) == GW_OK);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(got.remove), removed);
	CU_ASSERT_EQUAL(ldns_rr_list_rr_count(got.add), added);
	check_same_changes(&got, &want);
	zone_flat_free(flat);
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

	/* Applied, the flat diff turns from into to (the owner of a new
	 * node in to's letter case). */
	zone_changeset_t cs;
	zone_flat_t *flat = tflat(from);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_flat_diff(flat, to, NULL, NULL, &cs) == GW_OK);
	CU_ASSERT_FATAL(zone_apply(from, &cs, NULL, NULL) == GW_OK);
	char *x = tdump(from), *y = tdump(to);
	CU_ASSERT_STRING_EQUAL(x, y);
	CU_ASSERT_PTR_NOT_NULL(strstr(x, "New.d.test."));
	free(x);
	free(y);
	zone_changeset_deinit(&cs);
	zone_flat_free(flat);
	zone_free(from);
	zone_free(to);
}

/* Many nodes (several restart points), a few empty non-terminals: the
 * lookup says what zone_find() says. */
static void test_is_static(void)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	char text[256];
	zone_t *zone = tzone("d.test.", g_zone);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "h%03d.x.lan.d.test. 60 IN A 192.0.2.%d", i * 2, i);
		ldns_rr *rr = trr(text);
		CU_ASSERT_FATAL(zone_add_rr(zone, rr) == GW_OK);
		ldns_rr_free(rr);
	}
	zone_flat_t *flat = tflat(zone);
	for (int i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "H%03d.X.lan.d.test.", i);
		CU_ASSERT_EQUAL(has(flat, text), i % 2 == 0);
		CU_ASSERT_EQUAL(has(flat, text), zone_find(zone, tname(wire, text)) != NULL);
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
	 * after the last, and outside the zone. */
	const char *const no[] = {
	    "lan.d.test.",
	    "_tcp.lan.d.test.",
	    "x.lan.d.test.",
	    "a.ns.d.test.",
	    "h000.h000.x.lan.d.test.",
	    "a.d.test.",
	    "zzz.d.test.",
	    "test.",
	    "other.test.",
	    ".",
	};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CU_ASSERT(has(flat, yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		CU_ASSERT(!has(flat, no[i]));
		CU_ASSERT_PTR_NULL(zone_find(zone, tname(wire, no[i])));
	}
	zone_flat_free(flat);
	zone_free(zone);
}

static void test_empty_zone(void)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_t *empty = NULL;
	CU_ASSERT_FATAL(zone_new(&empty, tname(apex, "d.test.")) == GW_OK);
	zone_flat_t *flat = tflat(empty);
	CU_ASSERT_EQUAL(zone_flat_node_count(flat), 0);
	CU_ASSERT(!has(flat, "d.test."));
	CU_ASSERT_EQUAL(check_same(flat, empty), 0);
	zone_t *full = tzone("d.test.", g_to);
	/* Everything added, then everything removed. */
	check_diff(empty, full, NULL, 0, 9);
	check_diff(full, empty, NULL, 9, 0);
	zone_flat_free(flat);
	zone_free(full);
	zone_free(empty);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "zone_flat", (gw_test_t[]){
	                     {"round trip", test_round_trip},
	                     {"canonical order", test_canonical_order},
	                     {"prefix compression, long and short owners", test_prefix_compression},
	                     {"diff: the changes zone_diff() makes", test_diff},
	                     {"is-static lookup", test_is_static},
	                     {"empty zone", test_empty_zone},
	                     {NULL, NULL},
	                 });
}
