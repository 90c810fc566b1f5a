/* mdns/heard.c: the service types an mDNS response names, as the packets
 * of the link carry them (built with ldns, as a responder would). */
#include <ldns/ldns.h>
#include <string.h>

#include "cunit.h"
#include "common/error.h"
#include "mdns/internal.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

typedef struct packet {
	uint8_t *wire;
	size_t len;
} packet_t;

/* A packet of the given records ("S RR": S the section, A answer, N
 * authority, D additional), a response unless query. */
static packet_t build(bool query, ldns_pkt_rcode rcode, const char *const *rrs)
{
	ldns_pkt *p = ldns_pkt_new();
	CU_ASSERT_FATAL(p != NULL);
	ldns_pkt_set_qr(p, !query);
	ldns_pkt_set_aa(p, !query);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	for (; *rrs != NULL; rrs++) {
		ldns_rr *rr = NULL;
		const char *text = *rrs + 2;
		bool flush = strncmp(text, "flush ", 6) == 0;
		if (flush)
			text += 6;
		CU_ASSERT_FATAL(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) == LDNS_STATUS_OK);
		if (flush)
			ldns_rr_set_class(rr, (ldns_rr_class)(LDNS_RR_CLASS_IN | 0x8000));
		ldns_pkt_section s = **rrs == 'A'   ? LDNS_SECTION_ANSWER
		                     : **rrs == 'N' ? LDNS_SECTION_AUTHORITY
		                                    : LDNS_SECTION_ADDITIONAL;
		CU_ASSERT_FATAL(ldns_pkt_push_rr(p, s, rr));
	}
	packet_t out = {0};
	CU_ASSERT_FATAL(ldns_pkt2wire(&out.wire, p, &out.len) == LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return out;
}

static char found[MDNS_HEARD_PER_PACKET][256];

/* The types the packet names, as text into found; the count. */
static int types_of(packet_t pk)
{
	uint8_t types[MDNS_HEARD_PER_PACKET][MDNS_NAME_MAX];
	int n = mdns_heard_types(pk.wire, pk.len, types);
	for (int i = 0; i < n; i++) {
		ldns_rdf *d = ldns_rdf_new_frm_data(
		    LDNS_RDF_TYPE_DNAME, (size_t)zone_name_len(types[i], MDNS_NAME_MAX), types[i]);
		CU_ASSERT_FATAL(d != NULL);
		char *t = ldns_rdf2str(d);
		snprintf(found[i], sizeof(found[i]), "%s", t);
		free(t);
		ldns_rdf_deep_free(d);
	}
	free(pk.wire);
	return n;
}

static void test_announcement(void)
{
	/* A printer as python-zeroconf announces it: no enumeration record;
	 * its subtype names the same type once. */
	const char *const rrs[] = {
	    "A _ipp._tcp.local. 4500 IN PTR My\\032Printer._ipp._tcp.local.",
	    "A _universal._sub._ipp._tcp.local. 4500 IN PTR My\\032Printer._ipp._tcp.local.",
	    "A flush My\\032Printer._ipp._tcp.local. 120 IN SRV 0 0 631 printer.local.",
	    "A flush My\\032Printer._ipp._tcp.local. 4500 IN TXT \"rp=ipp/print\"",
	    "D flush printer.local. 120 IN A 192.0.2.10",
	    NULL,
	};
	CU_ASSERT_EQUAL_FATAL(types_of(build(false, LDNS_RCODE_NOERROR, rrs)), 1);
	CU_ASSERT_STRING_EQUAL(found[0], "_ipp._tcp.local.");
}

static void test_subtype_and_additional(void)
{
	/* A subtype alone names its base type; the additional section counts;
	 * letter case does not make two types; the cache-flush bit is only
	 * the class's top bit. */
	const char *const rrs[] = {
	    "A _print._sub._ipp._tcp.local. 4500 IN PTR P._ipp._tcp.local.",
	    "D _IPP._TCP.local. 4500 IN PTR P._ipp._tcp.local.",
	    "D flush _airplay._tcp.local. 4500 IN PTR Speaker._airplay._tcp.local.",
	    "D _raop._udp.local. 4500 IN PTR x._raop._udp.local.",
	    NULL,
	};
	CU_ASSERT_EQUAL_FATAL(types_of(build(false, LDNS_RCODE_NOERROR, rrs)), 3);
	CU_ASSERT_STRING_EQUAL(found[0], "_ipp._tcp.local.");
	CU_ASSERT_STRING_EQUAL(found[1], "_airplay._tcp.local.");
	CU_ASSERT_STRING_EQUAL(found[2], "_raop._udp.local.");
}

static void test_nothing_named(void)
{
	/* The enumeration's own record names a type in its rdata, not as its
	 * owner: Avahi reports that one. Goodbyes, other types, other names,
	 * and the authority section name none. */
	const char *const rrs[] = {
	    "A _services._dns-sd._udp.local. 4500 IN PTR _ipp._tcp.local.",
	    "A _http._tcp.local. 0 IN PTR gone._http._tcp.local.",
	    "A _ssh._tcp.local. 4500 IN TXT \"x\"",
	    "A printer.local. 4500 IN PTR x.local.",
	    "A x._ipp._tcp.local. 4500 IN PTR y._ipp._tcp.local.",
	    "A _ipp._tcp.example. 4500 IN PTR y._ipp._tcp.example.",
	    "A b._dns-sd._udp.local. 4500 IN PTR local.",
	    "N _smb._tcp.local. 4500 IN PTR s._smb._tcp.local.",
	    NULL,
	};
	CU_ASSERT_EQUAL(types_of(build(false, LDNS_RCODE_NOERROR, rrs)), 0);
	/* A query's known answers are the asker's, not an announcement. */
	const char *const known[] = {
	    "A _ipp._tcp.local. 4500 IN PTR P._ipp._tcp.local.",
	    NULL,
	};
	CU_ASSERT_EQUAL(types_of(build(true, LDNS_RCODE_NOERROR, known)), 0);
	/* Nor does a response with an error. */
	CU_ASSERT_EQUAL(types_of(build(false, LDNS_RCODE_SERVFAIL, known)), 0);
	/* Nor a response of another opcode (NOTIFY, 4): the header's QR and
	 * opcode bits are read from the wire, the AA bit aside. */
	packet_t notify = build(false, LDNS_RCODE_NOERROR, known);
	notify.wire[2] |= 4 << 3;
	CU_ASSERT_EQUAL(types_of(notify), 0);
	packet_t plain = build(false, LDNS_RCODE_NOERROR, known);
	plain.wire[2] &= (uint8_t)~0x04;
	CU_ASSERT_EQUAL(types_of(plain), 1);
}

static void test_bounded(void)
{
	/* More types than MDNS_HEARD_PER_PACKET: the first ones only. */
	static char text[MDNS_HEARD_PER_PACKET + 4][80];
	const char *rrs[MDNS_HEARD_PER_PACKET + 5];
	for (int i = 0; i < MDNS_HEARD_PER_PACKET + 4; i++) {
		snprintf(text[i], sizeof(text[i]),
		         "A _t%d._tcp.local. 4500 IN PTR x._t%d._tcp.local.", i, i);
		rrs[i] = text[i];
	}
	rrs[MDNS_HEARD_PER_PACKET + 4] = NULL;
	CU_ASSERT_EQUAL_FATAL(types_of(build(false, LDNS_RCODE_NOERROR, rrs)),
	                      MDNS_HEARD_PER_PACKET);
	CU_ASSERT_STRING_EQUAL(found[0], "_t0._tcp.local.");
	CU_ASSERT_STRING_EQUAL(found[MDNS_HEARD_PER_PACKET - 1], "_t7._tcp.local.");
}

static void test_malformed(void)
{
	const char *const rrs[] = {
	    "A _ipp._tcp.local. 4500 IN PTR My\\032Printer._ipp._tcp.local.",
	    NULL,
	};
	packet_t pk = build(false, LDNS_RCODE_NOERROR, rrs);
	uint8_t types[MDNS_HEARD_PER_PACKET][MDNS_NAME_MAX];
	/* Cut anywhere: refused, never a type read past the end. */
	for (size_t cut = 0; cut < pk.len; cut++)
		CU_ASSERT_EQUAL(mdns_heard_types(pk.wire, cut, types), GW_EMALFORMED);
	CU_ASSERT_EQUAL(mdns_heard_types(pk.wire, pk.len, types), 1);
	/* A compression pointer to itself. */
	uint8_t loop[] = {0,    0,  0x84, 0,  0, 0, 0, 1, 0, 0, 0, 0,
	                  0xc0, 12, 0,    12, 0, 1, 0, 0, 0, 9, 0, 0};
	CU_ASSERT_EQUAL(mdns_heard_types(loop, sizeof(loop), types), GW_EMALFORMED);
	/* Longer than any mDNS packet. */
	static uint8_t big[MDNS_RDATA_MAX + 1];
	memcpy(big, pk.wire, pk.len);
	CU_ASSERT_EQUAL(mdns_heard_types(big, sizeof(big), types), GW_EMALFORMED);
	free(pk.wire);
}

/* Append len octets of records to pk's additional section, count more
 * in its ARCOUNT. */
static void append(packet_t *pk, const uint8_t *rrs, size_t len, int count)
{
	uint8_t *grown = realloc(pk->wire, pk->len + len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(grown);
	memcpy(grown + pk->len, rrs, len);
	pk->wire = grown;
	pk->len += len;
	ldns_write_uint16(pk->wire + 10, (uint16_t)(ldns_read_uint16(pk->wire + 10) + count));
}

/* A TSIG record: root owner, class ANY, no MAC. */
static const uint8_t tsig_rr[] = {
    0,    0,    250, 0, 255, 0, 0, 0, 0, 0, 17, /* owner, type, class, TTL, RDLENGTH */
    0,                                          /* algorithm: the root */
    0,    0,    0,   0, 0,   1,                 /* time signed */
    1,    44,                                   /* fudge */
    0,    0,                                    /* MAC size */
    0x12, 0x34,                                 /* original ID */
    0,    0,                                    /* error */
    0,    0,                                    /* other length */
};

static void test_tsig(void)
{
	/* mDNS has no TSIG, but a device may send it: a record like any
	 * other. ldns_wire2pkt() keeps a message's last TSIG record aside,
	 * leaks the others and takes one off ARCOUNT for each, so it read
	 * a record short; a flood of such packets (MDNS_HEARD_RATE a second,
	 * 9000 octets each) leaked megabytes a second. */
	const char *const ptr_rrs[] = {
	    "D _ipp._tcp.local. 4500 IN PTR My\\032Printer._ipp._tcp.local.",
	    NULL,
	};
	const char *const none[] = {NULL};
	uint8_t types[MDNS_HEARD_PER_PACKET][MDNS_NAME_MAX];
	packet_t ptr = build(false, LDNS_RCODE_NOERROR, ptr_rrs);
	/* The PTR, then a TSIG. */
	packet_t pk = build(false, LDNS_RCODE_NOERROR, ptr_rrs);
	append(&pk, tsig_rr, sizeof(tsig_rr), 1);
	CU_ASSERT_EQUAL(mdns_heard_types(pk.wire, pk.len, types), 1);
	/* Another TSIG, and ARCOUNT one past the records, as a crafted
	 * packet's: the record missing refuses the packet. */
	append(&pk, tsig_rr, sizeof(tsig_rr), 2);
	CU_ASSERT_EQUAL(mdns_heard_types(pk.wire, pk.len, types), GW_EMALFORMED);
	free(pk.wire);
	/* Two TSIGs before the PTR: each record is read, the PTR too. */
	pk = build(false, LDNS_RCODE_NOERROR, none);
	append(&pk, tsig_rr, sizeof(tsig_rr), 1);
	append(&pk, tsig_rr, sizeof(tsig_rr), 1);
	append(&pk, ptr.wire + 12, ptr.len - 12, 1);
	free(ptr.wire);
	CU_ASSERT_EQUAL_FATAL(types_of(pk), 1);
	CU_ASSERT_STRING_EQUAL(found[0], "_ipp._tcp.local.");
}

static void no_record(void *arg, const mdns_record_t *rec)
{
	(void)arg;
	(void)rec;
}

static void no_link(void *arg, int ifindex, const char *name, bool up)
{
	(void)arg;
	(void)ifindex;
	(void)name;
	(void)up;
}

static void on_stop(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

/* The parse budget: MDNS_HEARD_RATE_LINK a second for each link, so that
 * one flooding link leaves the others theirs, MDNS_HEARD_RATE in all,
 * none for an interface that is not a link; a second later, again. */
static void test_budget(void)
{
	static const char *const none[] = {"gwheard-none0"};
	mdns_opts_t o = {.ipv4 = true,
	                 .interfaces = none,
	                 .interface_count = 1,
	                 .on_record = no_record,
	                 .on_link = no_link};
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	mdns_t *m = NULL;
	CU_ASSERT_EQUAL_FATAL(mdns_new(&m, loop, &o), GW_OK);
	/* Six links, as a scan of the interfaces would have found them. */
	m->ifaces = calloc(6, sizeof(*m->ifaces));
	CU_ASSERT_PTR_NOT_NULL_FATAL(m->ifaces);
	m->iface_count = 6;
	for (int i = 0; i < 6; i++)
		m->ifaces[i] = (mdns_iface_t){.ifindex = 10 + i, .up = true};
	CU_ASSERT_FALSE(mdns_heard_budget(m, 99));
	unsigned passed = 0;
	for (int i = 0; i < 2 * MDNS_HEARD_RATE_LINK; i++)
		passed += mdns_heard_budget(m, 10);
	CU_ASSERT_EQUAL(passed, MDNS_HEARD_RATE_LINK);
	CU_ASSERT_TRUE(mdns_heard_budget(m, 11));
	/* Every link together: MDNS_HEARD_RATE. */
	passed = MDNS_HEARD_RATE_LINK + 1;
	for (int k = 11; k < 16; k++) {
		for (int i = 0; i < MDNS_HEARD_RATE_LINK; i++)
			passed += mdns_heard_budget(m, k);
	}
	CU_ASSERT_EQUAL(passed, MDNS_HEARD_RATE);
	CU_ASSERT_FALSE(mdns_heard_budget(m, 15));
	/* The next second. */
	ev_timer t;
	ev_timer_init(&t, on_stop, 1.05, 0.);
	ev_timer_start(loop, &t);
	ev_run(loop, 0);
	CU_ASSERT_TRUE(mdns_heard_budget(m, 10));
	CU_ASSERT_TRUE(mdns_heard_budget(m, 15));
	mdns_free(m);
	ev_loop_destroy(loop);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"an announcement names its type", test_announcement},
	    {"subtypes, additional section, case, cache flush", test_subtype_and_additional},
	    {"what names no type", test_nothing_named},
	    {"types per packet bounded", test_bounded},
	    {"malformed packets", test_malformed},
	    {"TSIG records read as any other", test_tsig},
	    {"parse budget, per link and in all", test_budget},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns heard types", tests);
}
