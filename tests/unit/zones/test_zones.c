/* zones/: names, canonical order, lookup, iteration, RRsets, serial, sigs. */
#include "common/dns.h"
#include "zone_util.h"

/* ---- names ------------------------------------------------------------ */

static void test_name_len(void)
{
	static const uint8_t ok[] = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	static const uint8_t root[] = {0};
	static const uint8_t pointer[] = {3, 'w', 'w', 'w', 0xC0, 0x0C};
	static const uint8_t ext40[] = {0x41, 'x', 0};
	static const uint8_t ext80[] = {0x80, 0};
	uint8_t label64[66] = {64};
	uint8_t label63[66] = {63};
	uint8_t long_name[300];
	size_t pos = 0;

	CU_ASSERT_EQUAL(zone_name_len(ok, sizeof(ok)), 13);
	CU_ASSERT_EQUAL(zone_name_len(ok, 100), 13);
	CU_ASSERT_EQUAL(zone_name_len(root, 1), 1);
	/* Reading stops at maxlen, also inside a label and before the root. */
	CU_ASSERT_EQUAL(zone_name_len(ok, 12), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(ok, 5), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(ok, 0), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(NULL, 10), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(pointer, sizeof(pointer)), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(ext40, sizeof(ext40)), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_name_len(ext80, sizeof(ext80)), GW_EMALFORMED);
	memset(label64 + 1, 'a', 64);
	label64[65] = 0;
	CU_ASSERT_EQUAL(zone_name_len(label64, sizeof(label64)), GW_EMALFORMED);
	memset(label63 + 1, 'a', 63);
	label63[64] = 0;
	CU_ASSERT_EQUAL(zone_name_len(label63, sizeof(label63)), 65);

	/* 255 octets is the limit: 3 x 63 + a 61-octet label + root. */
	memset(long_name, 'a', sizeof(long_name));
	for (int i = 0; i < 3; i++) {
		long_name[pos] = 63;
		pos += 64;
	}
	long_name[pos] = 61;
	long_name[pos + 62] = 0;
	CU_ASSERT_EQUAL(zone_name_len(long_name, sizeof(long_name)), 255);
	long_name[pos] = 62; /* now 256 octets */
	long_name[pos + 62] = 'a';
	long_name[pos + 63] = 0;
	CU_ASSERT_EQUAL(zone_name_len(long_name, sizeof(long_name)), GW_EMALFORMED);
}

static void test_name_basics(void)
{
	uint8_t a[ZONE_NAME_MAXLEN], b[ZONE_NAME_MAXLEN], low[ZONE_NAME_MAXLEN];

	CU_ASSERT_EQUAL(zone_name_labels(tname(a, ".")), 0);
	CU_ASSERT_EQUAL(zone_name_labels(tname(a, "www.Example.COM.")), 3);

	CU_ASSERT_EQUAL(zone_name_lower(low, tname(a, "WwW.ExAmple.")), 13);
	CU_ASSERT_EQUAL(memcmp(low, "\3www\7example\0", 13), 0);

	CU_ASSERT_TRUE(zone_name_equal(tname(a, "WWW.example."), tname(b, "www.EXAMPLE.")));
	CU_ASSERT_FALSE(zone_name_equal(tname(a, "www.example."), tname(b, "ww.example.")));
	CU_ASSERT_FALSE(zone_name_equal(tname(a, "a.b.example."), tname(b, "ab.example.")));
	/* Only ASCII letters fold: 0xC1 and 0xE1 stay different. */
	CU_ASSERT_FALSE(zone_name_equal(tname(a, "\\193.example."), tname(b, "\\225.example.")));

	tname(b, "Example.");
	CU_ASSERT_TRUE(zone_name_is_subdomain(tname(a, "example."), b));
	CU_ASSERT_TRUE(zone_name_is_subdomain(tname(a, "x.y.EXAMPLE."), b));
	CU_ASSERT_FALSE(zone_name_is_subdomain(tname(a, "xexample."), b));
	CU_ASSERT_FALSE(zone_name_is_subdomain(tname(a, "example.com."), b));
	CU_ASSERT_FALSE(zone_name_is_subdomain(tname(a, "."), b));
	CU_ASSERT_TRUE(zone_name_is_subdomain(b, tname(a, ".")));
}

/* RFC 4034 section 6.1, in canonical order. */
static const char *const rfc4034_order[] = {
    "example.",   "a.example.",       "yljkjljk.a.example.", "Z.a.example.",     "zABC.a.EXAMPLE.",
    "z.example.", "\\001.z.example.", "*.z.example.",        "\\200.z.example.",
};

/* Labels with 0x00 and 0x01 octets, which the key escapes, in order. */
static const char *const escape_order[] = {
    "example.",
    "\\000.example.",
    "\\000\\000.example.",
    "\\000\\001.example.",
    "\\000\\002.example.",
    "\\001.example.",
    "\\001\\000.example.",
    "\\001\\001.example.",
    "\\002.example.",
    "a.example.",
    "\\000.a.example.",
    "a\\000.example.",
    "\\000.a\\000.example.",
    "A\\001.example.",
    "ab.example.",
    "\\000.ab.example.",
    "\\255.example.",
};

static void check_order(const char *const *names, size_t count)
{
	uint8_t a[ZONE_NAME_MAXLEN], b[ZONE_NAME_MAXLEN];
	uint8_t ka[ZONE_KEY_MAXLEN], kb[ZONE_KEY_MAXLEN];

	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < count; j++) {
			tname(a, names[i]);
			tname(b, names[j]);
			int cmp = zone_name_cmp(a, b);
			int want = (i > j) - (i < j);
			if ((cmp > 0) - (cmp < 0) != want)
				fprintf(stderr, "order: %s vs %s gave %d\n", names[i], names[j],
				        cmp);
			CU_ASSERT_EQUAL((cmp > 0) - (cmp < 0), want);
			/* The keys alone give the same order with memcmp. */
			int la = zone_name_key(ka, a);
			int lb = zone_name_key(kb, b);
			int kc = memcmp(ka, kb, (size_t)(la < lb ? la : lb));
			if (kc == 0)
				kc = la - lb;
			CU_ASSERT_EQUAL((kc > 0) - (kc < 0), want);
		}
	}
}

static void test_canonical_order(void)
{
	uint8_t a[ZONE_NAME_MAXLEN], b[ZONE_NAME_MAXLEN];

	check_order(rfc4034_order, sizeof(rfc4034_order) / sizeof(rfc4034_order[0]));
	check_order(escape_order, sizeof(escape_order) / sizeof(escape_order[0]));
	CU_ASSERT_EQUAL(zone_name_cmp(tname(a, "ABC.Example."), tname(b, "abc.example.")), 0);
	CU_ASSERT_TRUE(zone_name_cmp(tname(a, "."), tname(b, "example.")) < 0);
}

static void test_name_key(void)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	uint8_t key[ZONE_KEY_MAXLEN];
	static const uint8_t want[] = "example\0a\x01\x01\x01\x02"
	                              "b";
	uint8_t all_zero[ZONE_NAME_MAXLEN];
	size_t pos = 0;

	int len = zone_name_key(key, tname(name, "A\\000\\001B.Example."));
	CU_ASSERT_EQUAL(len, 15);
	CU_ASSERT_EQUAL(memcmp(key, want, 14), 0);
	CU_ASSERT_EQUAL(key[14], 0);
	CU_ASSERT_EQUAL(zone_name_key(key, tname(name, ".")), 0);

	/* The longest key: a 255-octet name of 0x00 octets fits. */
	memset(all_zero, 0, sizeof(all_zero));
	for (int i = 0; i < 3; i++) {
		all_zero[pos] = 63;
		pos += 64;
	}
	all_zero[pos] = 61;
	CU_ASSERT_EQUAL(zone_name_len(all_zero, sizeof(all_zero)), 255);
	len = zone_name_key(key, all_zero);
	CU_ASSERT_EQUAL(len, 2 * (3 * 63 + 61) + 4);
	CU_ASSERT_TRUE(len <= ZONE_KEY_MAXLEN);
}

static void test_name_text(void)
{
	uint8_t name[ZONE_NAME_MAXLEN], origin[ZONE_NAME_MAXLEN];
	char buf[300];
	const char *instance = "Device\\ 00000\\ \\(Floor\\ 2\\)._ipp._tcp.link-000.dnssd.example.";

	/* Escaped instance names survive text -> wire -> text -> wire. */
	int len = zone_name_from_str(name, instance, NULL);
	CU_ASSERT_TRUE(len > 0);
	CU_ASSERT_EQUAL(name[0], 22);
	CU_ASSERT_EQUAL(memcmp(name + 1, "Device 00000 (Floor 2)", 22), 0);
	CU_ASSERT_EQUAL(zone_name_to_str(buf, sizeof(buf), name), GW_OK);
	uint8_t again[ZONE_NAME_MAXLEN];
	CU_ASSERT_EQUAL(zone_name_from_str(again, buf, NULL), len);
	CU_ASSERT_EQUAL(memcmp(again, name, (size_t)len), 0);

	CU_ASSERT_EQUAL(zone_name_to_str(buf, sizeof(buf), tname(name, "a\\000b.Example.")), GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, "a\\000b.Example.");
	CU_ASSERT_EQUAL(zone_name_to_str(buf, sizeof(buf), tname(name, ".")), GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, ".");

	/* Too small: truncated, still terminated. */
	CU_ASSERT_EQUAL(zone_name_to_str(buf, 5, tname(name, "www.example.")), GW_ESPACE);
	CU_ASSERT_STRING_EQUAL(buf, "www.");

	/* Relative names take the origin; "@" is the origin. */
	tname(origin, "dnssd.example.");
	len = zone_name_from_str(name, "host-1.link-000", origin);
	CU_ASSERT_EQUAL(len, zone_name_len(tname(again, "host-1.link-000.dnssd.example."), 255));
	CU_ASSERT_EQUAL(memcmp(name, again, (size_t)len), 0);
	CU_ASSERT_EQUAL(zone_name_from_str(name, "@", origin), 15);
	CU_ASSERT_EQUAL(memcmp(name, origin, 15), 0);
	CU_ASSERT_EQUAL(zone_name_from_str(name, "www.other.", origin), 11);
	CU_ASSERT_EQUAL(memcmp(name, "\3www\5other\0", 11), 0);
	/* An escaped final dot is part of a label: still relative. */
	CU_ASSERT_EQUAL(zone_name_from_str(name, "a\\.", origin), 3 + 15);
	CU_ASSERT_EQUAL(name[0], 2);

	CU_ASSERT_EQUAL(zone_name_from_str(name, "@", NULL), GW_EPARSE);
	CU_ASSERT_EQUAL(zone_name_from_str(name, "", NULL), GW_EPARSE);
	CU_ASSERT_EQUAL(zone_name_from_str(name, NULL, NULL), GW_EPARSE);
	/* A 64-octet label. */
	char label[80];
	memset(label, 'a', 64);
	strcpy(label + 64, ".example.");
	CU_ASSERT_EQUAL(zone_name_from_str(name, label, NULL), GW_EPARSE);
	/* 245 octets alone; with the origin 259, over the limit. */
	char rel[300];
	size_t p = 0;
	for (int i = 0; i < 4; i++) {
		memset(rel + p, 'a', 60);
		p += 60;
		rel[p++] = '.';
	}
	rel[p - 1] = '\0';
	CU_ASSERT_TRUE(zone_name_from_str(name, rel, NULL) > 0);
	CU_ASSERT_EQUAL(zone_name_from_str(name, rel, origin), GW_EPARSE);
}

/* ---- the zone --------------------------------------------------------- */

static void test_zone_new(void)
{
	static const uint8_t bad[] = {0xC0, 0x0C};
	uint8_t apex[ZONE_NAME_MAXLEN];
	zone_t *zone = NULL;

	CU_ASSERT_EQUAL(zone_new(&zone, bad), GW_EINVAL);
	CU_ASSERT_PTR_NULL(zone);
	CU_ASSERT_EQUAL(zone_new(&zone, tname(apex, "Example.COM.")), GW_OK);
	CU_ASSERT_EQUAL(memcmp(zone_apex(zone), "\7example\3com\0", 13), 0);
	CU_ASSERT_EQUAL(zone_node_count(zone), 0);
	CU_ASSERT_PTR_NULL(zone_apex_node(zone));
	CU_ASSERT_PTR_NULL(zone_first(zone));
	uint32_t serial = 7;
	CU_ASSERT_EQUAL(zone_serial(zone, &serial), GW_ENOTFOUND);
	CU_ASSERT_EQUAL(serial, 7);
	CU_ASSERT_EQUAL(zone_set_serial(zone, 9), GW_ENOTFOUND);
	zone_free(zone);
	zone_free(NULL);
}

static const char *const lookup_rrs[] = {
    "example. 3600 IN SOA ns.example. host.example. 1 2 3 4 5",
    "example. 3600 IN NS ns.example.",
    "a.example. 60 IN A 192.0.2.1",
    "x.b.example. 60 IN A 192.0.2.2", /* b.example. is an empty non-terminal */
    "ns.example. 60 IN A 192.0.2.3",
    "z.example. 60 IN TXT \"z\"",
    "*.z.example. 60 IN TXT \"wild\"",
    NULL,
};

static bool is_node(const zone_node_t *node, const char *name)
{
	uint8_t buf[ZONE_NAME_MAXLEN];
	return node != NULL && zone_name_equal(node->owner, tname(buf, name));
}

static void test_lookup(void)
{
	zone_t *zone = tzone("example.", lookup_rrs);
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_lookup_t res;

	CU_ASSERT_EQUAL(zone_node_count(zone), 6);

	/* Exact, in any case. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "A.EXAMPLE."), &res), GW_OK);
	CU_ASSERT_TRUE(is_node(res.node, "a.example."));
	CU_ASSERT_TRUE(is_node(res.prev, "example."));
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_FALSE(res.empty_nonterminal);

	/* The apex: prev wraps to the last node. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "example."), &res), GW_OK);
	CU_ASSERT_TRUE(is_node(res.node, "example."));
	CU_ASSERT_TRUE(is_node(res.prev, "*.z.example."));
	CU_ASSERT_EQUAL(res.encloser_labels, 1);

	/* Empty non-terminal. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "b.example."), &res), GW_OK);
	CU_ASSERT_PTR_NULL(res.node);
	CU_ASSERT_TRUE(res.empty_nonterminal);
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_TRUE(is_node(res.prev, "a.example."));
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "b.example.")));

	/* Below the empty non-terminal: it is the closest encloser. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "y.b.example."), &res), GW_OK);
	CU_ASSERT_PTR_NULL(res.node);
	CU_ASSERT_FALSE(res.empty_nonterminal);
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_TRUE(is_node(res.prev, "x.b.example."));
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "a.b.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_TRUE(is_node(res.prev, "a.example."));

	/* Names that do not exist. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "c.example."), &res), GW_OK);
	CU_ASSERT_PTR_NULL(res.node);
	CU_ASSERT_FALSE(res.empty_nonterminal);
	CU_ASSERT_EQUAL(res.encloser_labels, 1);
	CU_ASSERT_TRUE(is_node(res.prev, "x.b.example."));
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "q.r.a.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_TRUE(is_node(res.prev, "a.example."));
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "x.x.b.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 3);
	CU_ASSERT_TRUE(is_node(res.prev, "x.b.example."));
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "zz.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 1);
	CU_ASSERT_TRUE(is_node(res.prev, "*.z.example."));
	/* Under the wildcard's parent: z.example. encloses, and "a" sorts
	 * after "*" (0x2a < 0x61). */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "a.z.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 2);
	CU_ASSERT_TRUE(is_node(res.prev, "*.z.example."));
	/* Shares a label prefix with a node but no label. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "aa.example."), &res), GW_OK);
	CU_ASSERT_EQUAL(res.encloser_labels, 1);
	CU_ASSERT_FALSE(res.empty_nonterminal);

	/* Out of zone. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "example.com."), &res), GW_EOUTOFZONE);
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "xexample."), &res), GW_EOUTOFZONE);
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "."), &res), GW_EOUTOFZONE);
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "a.example.net."), &res), GW_EOUTOFZONE);

	CU_ASSERT_TRUE(is_node(zone_find(zone, tname(name, "X.B.Example.")), "x.b.example."));
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "b.example.")));
	CU_ASSERT_PTR_NULL(zone_find(zone, tname(name, "example.com.")));
	zone_free(zone);
}

/* zone_ancestor_with(): the highest proper ancestor holding the type, the
 * apex counting for DNAME but not for its own NS. */
static void test_ancestor_with(void)
{
	static const char *const rrs[] = {
	    "anc.test. 60 IN SOA ns.anc.test. h.anc.test. 1 60 60 60 60",
	    "anc.test. 60 IN NS ns.anc.test.",
	    "sub.anc.test. 60 IN NS ns.example.net.",
	    "deep.x.sub.anc.test. 60 IN NS ns.example.net.",
	    "old.anc.test. 60 IN DNAME new.anc.test.",
	    NULL,
	};
	zone_t *zone = tzone("anc.test.", rrs);
	uint8_t name[ZONE_NAME_MAXLEN];
	CU_ASSERT_TRUE(
	    is_node(zone_ancestor_with(zone, tname(name, "a.deep.x.SUB.anc.test."), DNS_T_NS),
	            "sub.anc.test."));
	CU_ASSERT_TRUE(
	    is_node(zone_ancestor_with(zone, tname(name, "deep.x.sub.anc.test."), DNS_T_NS),
	            "sub.anc.test."));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "sub.anc.test."), DNS_T_NS));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "www.anc.test."), DNS_T_NS));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "anc.test."), DNS_T_NS));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "a.sub.example."), DNS_T_NS));
	CU_ASSERT_TRUE(
	    is_node(zone_ancestor_with(zone, tname(name, "a.b.old.anc.test."), DNS_T_DNAME),
	            "old.anc.test."));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "old.anc.test."), DNS_T_DNAME));
	zone_free(zone);
	/* A DNAME at the apex redirects every name below it. */
	static const char *const apex_dname[] = {
	    "anc.test. 60 IN SOA ns.anc.test. h.anc.test. 1 60 60 60 60",
	    "anc.test. 60 IN DNAME other.example.",
	    NULL,
	};
	zone = tzone("anc.test.", apex_dname);
	CU_ASSERT_TRUE(is_node(zone_ancestor_with(zone, tname(name, "a.anc.test."), DNS_T_DNAME),
	                       "anc.test."));
	CU_ASSERT_PTR_NULL(zone_ancestor_with(zone, tname(name, "anc.test."), DNS_T_DNAME));
	zone_free(zone);
}

static void test_lookup_wrap_and_empty(void)
{
	static const char *const rrs[] = {
	    "b.example. 60 IN A 192.0.2.1",
	    "c.example. 60 IN A 192.0.2.2",
	    NULL,
	};
	zone_t *zone = tzone("example.", NULL);
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_lookup_t res;

	/* Empty zone: nothing before, the apex still encloses. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "a.example."), &res), GW_OK);
	CU_ASSERT_PTR_NULL(res.node);
	CU_ASSERT_PTR_NULL(res.prev);
	CU_ASSERT_EQUAL(res.encloser_labels, 1);
	CU_ASSERT_FALSE(res.empty_nonterminal);
	zone_free(zone);

	/* Without an apex node, a name before every node wraps to the last. */
	zone = tzone("example.", rrs);
	CU_ASSERT_PTR_NULL(zone_apex_node(zone));
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "a.example."), &res), GW_OK);
	CU_ASSERT_PTR_NULL(res.node);
	CU_ASSERT_TRUE(is_node(res.prev, "c.example."));
	CU_ASSERT_EQUAL(res.encloser_labels, 1);
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "b.example."), &res), GW_OK);
	CU_ASSERT_TRUE(is_node(res.node, "b.example."));
	CU_ASSERT_TRUE(is_node(res.prev, "c.example."));
	/* The apex without a node but with descendants. */
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "example."), &res), GW_OK);
	CU_ASSERT_TRUE(res.empty_nonterminal);
	CU_ASSERT_TRUE(is_node(res.prev, "c.example."));
	zone_free(zone);
}

static void test_iteration(void)
{
	/* Inserted out of order, one RR per change. */
	static const size_t shuffle[] = {5, 2, 8, 0, 7, 3, 1, 6, 4};
	size_t count = sizeof(shuffle) / sizeof(shuffle[0]);
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_t *zone = tzone("example.", NULL);

	for (size_t i = 0; i < count; i++) {
		char text[300];
		snprintf(text, sizeof(text), "%s 60 IN TXT \"%zu\"", rfc4034_order[shuffle[i]],
		         shuffle[i]);
		ldns_rr *rr = trr(text);
		CU_ASSERT_EQUAL(zone_add_rr(zone, rr), GW_OK);
		ldns_rr_free(rr);
	}
	CU_ASSERT_EQUAL(zone_node_count(zone), count);
	size_t i = 0;
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node), i++) {
		CU_ASSERT_FATAL(i < count);
		CU_ASSERT_TRUE(zone_name_equal(node->owner, tname(name, rfc4034_order[i])));
		/* Owners keep the case they arrived with. */
		CU_ASSERT_EQUAL(memcmp(node->owner, name, node->owner_len), 0);
		const zone_node_t *want = i + 1 < count ? zone_next(zone, node) : zone_first(zone);
		CU_ASSERT_PTR_EQUAL(zone_next_wrap(zone, node), want);
	}
	CU_ASSERT_EQUAL(i, count);
	CU_ASSERT_TRUE(is_node(zone_apex_node(zone), "example."));
	zone_free(zone);
}

static void test_rrset_next(void)
{
	static const char *const rrs[] = {
	    "h.example. 60 IN A 192.0.2.3",         "h.example. 60 IN A 192.0.2.1",
	    "h.example. 60 IN A 192.0.2.2",         "h.example. 60 IN AAAA 2001:db8::1",
	    "h.example. 60 IN MX 10 Mail.Example.", NULL,
	};
	static const uint8_t want[3][4] = {{192, 0, 2, 3}, {192, 0, 2, 1}, {192, 0, 2, 2}};
	zone_t *zone = tzone("example.", rrs);
	const zone_rrset_t *a = trrset(zone, "h.example.", LDNS_RR_TYPE_A);
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;
	int n = 0;

	CU_ASSERT_FATAL(a != NULL);
	CU_ASSERT_EQUAL(a->count, 3);
	CU_ASSERT_EQUAL(a->rdata_len, 3 * 6);
	while (zone_rrset_next(a, &pos, &rdata, &rdlen)) {
		CU_ASSERT_FATAL(n < 3);
		CU_ASSERT_EQUAL(rdlen, 4);
		/* In the order they were added. */
		CU_ASSERT_EQUAL(memcmp(rdata, want[n], 4), 0);
		n++;
	}
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(pos, a->rdata_len);
	CU_ASSERT_FALSE(zone_rrset_next(a, &pos, &rdata, &rdlen));

	/* Names in rdata are uncompressed and keep their case. */
	const zone_rrset_t *mx = trrset(zone, "h.example.", LDNS_RR_TYPE_MX);
	CU_ASSERT_FATAL(mx != NULL);
	pos = 0;
	CU_ASSERT_TRUE(zone_rrset_next(mx, &pos, &rdata, &rdlen));
	CU_ASSERT_EQUAL(rdlen, 2 + 14);
	CU_ASSERT_EQUAL(memcmp(rdata, "\0\12\4Mail\7Example\0", 16), 0);

	/* RRsets sorted by type; absent types give NULL. */
	uint8_t name[ZONE_NAME_MAXLEN];
	const zone_node_t *node = zone_find(zone, tname(name, "h.example."));
	CU_ASSERT_FATAL(node != NULL);
	CU_ASSERT_EQUAL(node->rrset_count, 3);
	CU_ASSERT_EQUAL(node->rrsets[0].type, LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(node->rrsets[1].type, LDNS_RR_TYPE_MX);
	CU_ASSERT_EQUAL(node->rrsets[2].type, LDNS_RR_TYPE_AAAA);
	CU_ASSERT_PTR_NULL(zone_node_rrset(node, LDNS_RR_TYPE_TXT));
	zone_free(zone);
}

static void test_serial_get_set(void)
{
	zone_t *zone = tzone("example.", lookup_rrs);
	uint32_t serial = 0;

	CU_ASSERT_EQUAL(zone_serial(zone, &serial), GW_OK);
	CU_ASSERT_EQUAL(serial, 1);
	CU_ASSERT_EQUAL(zone_set_serial(zone, 4000000000u), GW_OK);
	CU_ASSERT_EQUAL(zone_serial(zone, &serial), GW_OK);
	CU_ASSERT_EQUAL(serial, 4000000000u);
	char *text = tdump(zone);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "SOA\tns.example. host.example. 4000000000 2 3 4 5\n"));
	free(text);
	zone_free(zone);
}

static void test_sigs(void)
{
	/* RRSIG rdata: type covered A, alg 13, labels 2, TTL 60, expiration,
	 * inception, key tag, signer example., a 4-octet signature. */
	static const uint8_t sig[] = {
	    0,    1,    13, 2,   0,   0,   0,   60,  0x65, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00,
	    0x12, 0x34, 7,  'e', 'x', 'a', 'm', 'p', 'l',  'e',  0,    1,    2,    3,    4};
	uint8_t sigs[2 * (2 + sizeof(sig))];
	uint8_t name[ZONE_NAME_MAXLEN];
	zone_t *zone = tzone("example.", lookup_rrs);

	for (int i = 0; i < 2; i++) {
		uint8_t *p = sigs + i * (2 + sizeof(sig));
		p[0] = 0;
		p[1] = sizeof(sig);
		memcpy(p + 2, sig, sizeof(sig));
		p[2 + sizeof(sig) - 1] = (uint8_t)i; /* two distinct signatures */
	}
	tname(name, "a.example.");
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_AAAA, sigs, sizeof(sigs)),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_A, sigs, sizeof(sigs) - 1),
	                GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_A, sigs, 1), GW_EMALFORMED);
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_A, sigs, sizeof(sigs)), GW_OK);
	const zone_rrset_t *a = trrset(zone, "a.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->sig_count, 2);
	CU_ASSERT_EQUAL(a->sigs_len, sizeof(sigs));
	CU_ASSERT_PTR_NOT_EQUAL(a->sigs, sigs);

	/* zone_take_sigs(): the zone keeps the buffer itself; on an error the
	 * caller still owns it. */
	uint8_t *taken = malloc(sizeof(sigs));
	CU_ASSERT_FATAL(taken != NULL);
	memcpy(taken, sigs, sizeof(sigs));
	CU_ASSERT_EQUAL(zone_take_sigs(zone, name, LDNS_RR_TYPE_A, &taken, sizeof(sigs) - 1),
	                GW_EMALFORMED);
	CU_ASSERT_PTR_NOT_NULL(taken);
	uint8_t *kept = taken;
	CU_ASSERT_EQUAL(zone_take_sigs(zone, name, LDNS_RR_TYPE_A, &taken, sizeof(sigs)), GW_OK);
	CU_ASSERT_PTR_NULL(taken);
	a = trrset(zone, "a.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_EQUAL(a->sigs, kept);
	CU_ASSERT_EQUAL(a->sig_count, 2);
	CU_ASSERT_EQUAL(a->sigs_len, sizeof(sigs));

	/* zone_node_take_sigs(): the same, by node. */
	taken = malloc(sizeof(sigs));
	CU_ASSERT_FATAL(taken != NULL);
	memcpy(taken, sigs, sizeof(sigs));
	CU_ASSERT_EQUAL(zone_node_take_sigs(zone, NULL, LDNS_RR_TYPE_A, &taken, sizeof(sigs)),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(zone_node_take_sigs(zone, zone_find(zone, name), LDNS_RR_TYPE_AAAA, &taken,
	                                    sizeof(sigs)),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(zone_node_take_sigs(zone, zone_find(zone, name), LDNS_RR_TYPE_A, &taken,
	                                    sizeof(sigs) - 1),
	                GW_EMALFORMED);
	CU_ASSERT_PTR_EQUAL(a->sigs, kept);
	kept = taken;
	CU_ASSERT_EQUAL(
	    zone_node_take_sigs(zone, zone_find(zone, name), LDNS_RR_TYPE_A, &taken, sizeof(sigs)),
	    GW_OK);
	CU_ASSERT_PTR_NULL(taken);
	a = trrset(zone, "a.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_PTR_EQUAL(a->sigs, kept);
	CU_ASSERT_EQUAL(a->sig_count, 2);
	CU_ASSERT_EQUAL(a->sigs_len, sizeof(sigs));

	/* A signature converts as an RRSIG with the RRset's TTL. */
	ldns_rr *rr = NULL;
	CU_ASSERT_EQUAL(zone_rr_to_ldns(&rr, zone_find(zone, name), a, a->sigs + 2, sizeof(sig)),
	                GW_OK);
	CU_ASSERT_EQUAL(ldns_rr_get_type(rr), LDNS_RR_TYPE_RRSIG);
	CU_ASSERT_EQUAL(ldns_rr_ttl(rr), 60);
	ldns_rr_free(rr);
	char *text = tdump(zone);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "a.example.\t60\tIN\tA\t192.0.2.1\na.example.\t60\tIN\t"
	                                    "RRSIG\tA 13 2 60 "));
	free(text);

	/* A change elsewhere at the node keeps them; a change of the RRset,
	 * even of its TTL only, drops them. */
	ldns_rr *aaaa = trr("a.example. 60 IN AAAA 2001:db8::1");
	CU_ASSERT_EQUAL(zone_add_rr(zone, aaaa), GW_OK);
	ldns_rr_free(aaaa);
	a = trrset(zone, "a.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->sig_count, 2);
	ldns_rr *same = trr("a.example. 60 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(zone_add_rr(zone, same), GW_OK);
	ldns_rr_free(same);
	CU_ASSERT_EQUAL(trrset(zone, "a.example.", LDNS_RR_TYPE_A)->sig_count, 2);
	ldns_rr *ttl = trr("a.example. 30 IN A 192.0.2.1");
	CU_ASSERT_EQUAL(zone_add_rr(zone, ttl), GW_OK);
	ldns_rr_free(ttl);
	a = trrset(zone, "a.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->ttl, 30);
	CU_ASSERT_EQUAL(a->sig_count, 0);
	CU_ASSERT_PTR_NULL(a->sigs);

	/* Removing them; a new serial drops the SOA's. */
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_A, sigs, sizeof(sigs)), GW_OK);
	CU_ASSERT_EQUAL(zone_set_sigs(zone, name, LDNS_RR_TYPE_A, NULL, 0), GW_OK);
	CU_ASSERT_PTR_NULL(trrset(zone, "a.example.", LDNS_RR_TYPE_A)->sigs);
	CU_ASSERT_EQUAL(
	    zone_set_sigs(zone, tname(name, "example."), LDNS_RR_TYPE_SOA, sigs, sizeof(sigs)),
	    GW_OK);
	CU_ASSERT_EQUAL(zone_set_serial(zone, 1), GW_OK);
	CU_ASSERT_EQUAL(trrset(zone, "example.", LDNS_RR_TYPE_SOA)->sig_count, 2);
	CU_ASSERT_EQUAL(zone_set_serial(zone, 2), GW_OK);
	CU_ASSERT_EQUAL(trrset(zone, "example.", LDNS_RR_TYPE_SOA)->sig_count, 0);
	zone_free(zone);
}

/* zone_rr_from_wire(): owner, type, class IN, TTL and the rdata split by
 * the type's descriptor; rdata that does not fit the type is refused. */
static void test_rr_from_wire(void)
{
	static const uint8_t owner[] = "\003www\007example";
	static const uint8_t mx[] = {0, 10, 4, 'm', 'a', 'i', 'l', 0};
	ldns_rr *rr = NULL;
	ldns_rr *want = NULL;

	CU_ASSERT_EQUAL_FATAL(
	    zone_rr_from_wire(&rr, owner, sizeof(owner), LDNS_RR_TYPE_MX, 300, mx, sizeof(mx)),
	    GW_OK);
	CU_ASSERT_EQUAL_FATAL(
	    ldns_rr_new_frm_str(&want, "www.example. 300 IN MX 10 mail.", 0, NULL, NULL),
	    LDNS_STATUS_OK);
	CU_ASSERT_EQUAL(ldns_rr_compare(rr, want), 0);
	CU_ASSERT_EQUAL(ldns_rr_ttl(rr), 300);
	CU_ASSERT_EQUAL(ldns_rr_rd_count(rr), 2);
	ldns_rr_free(rr);
	ldns_rr_free(want);
	rr = NULL;
	CU_ASSERT_EQUAL(zone_rr_from_wire(&rr, owner, sizeof(owner), LDNS_RR_TYPE_A, 300, mx, 3),
	                GW_EMALFORMED);
	CU_ASSERT_PTR_NULL(rr);
}

int gw_test_register(void)
{
	return gw_test_suite("zone names",
	                     (gw_test_t[]){
	                         {"name_len", test_name_len},
	                         {"name_basics", test_name_basics},
	                         {"canonical_order", test_canonical_order},
	                         {"name_key", test_name_key},
	                         {"name_text", test_name_text},
	                         {NULL, NULL},
	                     }) ||
	       gw_test_suite("zone lookup",
	                     (gw_test_t[]){
	                         {"zone_new", test_zone_new},
	                         {"lookup", test_lookup},
	                         {"ancestor holding a type", test_ancestor_with},
	                         {"lookup_wrap_and_empty", test_lookup_wrap_and_empty},
	                         {"iteration", test_iteration},
	                         {"rrset_next", test_rrset_next},
	                         {"serial_get_set", test_serial_get_set},
	                         {"sigs", test_sigs},
	                         {"rr_from_wire", test_rr_from_wire},
	                         {NULL, NULL},
	                     });
}
