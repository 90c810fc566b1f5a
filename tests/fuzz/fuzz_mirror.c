/* libFuzzer target for the mirror behind the translation: what devices on
 * the links announce, as avahi-core reports it (mdns_mirror_inject_record()
 * and mdns_mirror_inject_link()), through the mirror's vetting, limits,
 * fair shares, watches and publishing (mdns/mirror*.c) into a zone. The
 * input is a program of operations (below) on a mirror of two links
 * ("lan" on eth0, "lab" on eth1) built without discovery, with small
 * limits so that they are reached, committing into two unsigned zones:
 * home.arpa., showing both links, that holds names of its own
 * (static.lan.home.arpa., a delegation at cut.lan.home.arpa., a DNAME at
 * moved.lab.home.arpa., and lab's type list and default browse domain,
 * _services and db._dns-sd._udp), and guest.test., showing lan
 * only through a policy (instances named *printer* denied, then _ipp._tcp or a host host-* allowed,
 * the rest denied).
 *
 * Records are shaped as Avahi gives them (names uncompressed and valid,
 * TXT as strings, addresses of their size); what is in them is the
 * device's: any octet in a label ('*', NUL, '.', '_'), names up to 63
 * octets a label, TTLs, goodbyes, the same name on both links and both
 * transports, links going down and up between them.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks (see
 * check_zone()): every commit applies; the zones' own records stay as
 * they were, and nothing is published below a delegation or DNAME of
 * theirs; what the mirror publishes is PTR, SRV, TXT, A or AAAA strictly
 * below the apex, never under a wildcard label, with a TTL within the
 * cap; what a browsing client follows leads somewhere (check_leads());
 * guest.test. shows lan only, and of it what its policy allows; and a
 * restart on the state the mirror saved at its end serves the same
 * records (check_restart()).
 *
 * Operations, one octet each (op & 7) followed by its arguments:
 *   0..2  a record: the next octets choose its kind (browse PTR, subtype
 *         PTR, enumeration PTR, SRV, TXT, A, AAAA, or a type heard
 *         announced, mdns/heard.c), the link, the
 *         transport, add or goodbye (or the flush of a lost interface),
 *         the TTL, the instance, type and host labels (from the slots
 *         below) and the data
 *   3     set a label slot from the input (1..63 octets, any)
 *   4     a link goes down or comes up
 *   5     flush the pending batch (a commit), then check the zones and
 *         that the mirror's published records are the zones' (with op
 *         >> 3 of 1 to 3, the batch is held with the zones as at a
 *         reload, then released: both commits go in, home.arpa.'s is
 *         lost, or both are; a lost one is committed by the next flush)
 *   6     time passes: the timers armed now fire, all of them or one kind
 *         (op >> 3: the batch window, the end of the warm-up, a lost
 *         link's grace, a returned link's reconcile, the state saves, the
 *         log flush, the end of the heard types' holds), then the batch
 *         is flushed and the zones checked
 *   7     a reload to one of the configurations below (VARIANTS), then
 *         check the zones (its batch is committed by the call; with op
 *         >> 3 of 8 to 15 into zones held as at the daemon's reload,
 *         and lost in home.arpa. or in both, see op 5); with
 *         op >> 3 of 16 or more, the zone file's reload instead: it
 *         delegates lab.home.arpa. (a link's whole subdomain), or no
 *         longer does, the mirror is told (mdns_mirror_statics_changed())
 *         and its batch flushed, and the zones checked
 *
 * The loop never runs: a timer fires only through op 6, which hands its
 * watcher to the loop as due (ev_feed_event()), as the loop would once
 * its time came, whatever the clock says.
 * A link's types are browsed once the link enumerates them
 * (_services._dns-sd._udp), its instances once a browse PTR names them:
 * records of anything else are ignored, as Avahi would not report them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "mdns/mdns.h"
#include "mdns/mirror.h"
#include "mdns/mirror_internal.h"
#include "mdns/policy.h"
#include "zones/zone.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_mirror: broken promise: %s (line %d)\n", #cond,      \
			        __LINE__);                                                         \
			broken();                                                                  \
		}                                                                                  \
	} while (0)

/* A broken promise: the state directory goes (abort() runs no atexit
 * handler, and a run that finds a bug would leave it in /dev/shm), then
 * libFuzzer sees the crash. */
static void remove_state(void);
__attribute__((noreturn)) static void broken(void)
{
	remove_state();
	abort();
}

#define OPS_MAX 512
#define TTL_CAP 10

static struct ev_loop *g_loop;
static uint8_t g_apex[ZONE_NAME_MAXLEN];
static uint8_t g_static[ZONE_NAME_MAXLEN];
static uint8_t g_ns[ZONE_NAME_MAXLEN];
static uint8_t g_cut[ZONE_NAME_MAXLEN];   /* a delegation of the zone file */
static uint8_t g_dname[ZONE_NAME_MAXLEN]; /* a DNAME of the zone file */
static uint8_t g_lan[ZONE_NAME_MAXLEN];   /* lan.home.arpa. */
static uint8_t g_lab[ZONE_NAME_MAXLEN];   /* lab.home.arpa. */
/* The zone file lists lab's service types and its default browse domain
 * itself: _services._dns-sd._udp.lab.home.arpa., db._dns-sd._udp.lab. */
static uint8_t g_file_enum[2][ZONE_NAME_MAXLEN];
/* The second zone, guest.test.: link lan only, and a policy. */
static uint8_t g_apex2[ZONE_NAME_MAXLEN];
static uint8_t g_ns2[ZONE_NAME_MAXLEN];
static uint8_t g_lan2[ZONE_NAME_MAXLEN]; /* lan.guest.test. */
static uint8_t g_lab2[ZONE_NAME_MAXLEN]; /* lab.guest.test. */
static const char *const g_zone2_links[] = {"lan"};
static const char *const g_zone2_lab[] = {"lab"};
static int g_variant;  /* the configuration in use, see VARIANTS */
static bool g_lab_cut; /* the zone file delegates lab.home.arpa. (operation 7) */
/* Denied: an instance whose name has "printer" in it (any case); shown:
 * type _ipp._tcp, or a host named host-*; the rest denied. */
static char g_pat_printer[] = "*printer*", g_pat_ipp[] = "_ipp._tcp", g_pat_host[] = "host-*";
static mdns_policy_rule_t g_rules[] = {
    {.action = MDNS_POLICY_DENY, .instance = g_pat_printer},
    {.action = MDNS_POLICY_ALLOW, .type = g_pat_ipp},
    {.action = MDNS_POLICY_ALLOW, .host = g_pat_host},
};
static const mdns_policy_t g_policy = {
    .fallback = MDNS_POLICY_DENY,
    .rules = g_rules,
    .rule_count = sizeof(g_rules) / sizeof(g_rules[0]),
};
static const mdns_link_config_t g_links[] = {
    {.interface = "eth0", .subdomain = "lan"},
    {.interface = "eth1", .subdomain = "lab"},
};
static char g_subtype[] = "_universal._sub._ipp._tcp";
static char *const g_subtypes[] = {g_subtype};

#include "mirror_ops.h"

/* The zone's own names, and the names below its delegation or DNAME,
 * where no query reaches (as gw_zonemgr_is_static_name() says). */
static bool is_own(const zone_t *zone, const uint8_t *name)
{
	if (zone_name_equal(zone_apex(zone), g_apex2))
		return zone_name_equal(name, g_apex2) || zone_name_equal(name, g_ns2);
	return zone_name_equal(name, g_apex) || zone_name_equal(name, g_ns) ||
	       zone_name_equal(name, g_static) || zone_name_equal(name, g_cut) ||
	       zone_name_equal(name, g_dname) || zone_name_equal(name, g_file_enum[0]) ||
	       zone_name_equal(name, g_file_enum[1]) ||
	       (g_lab_cut && zone_name_equal(name, g_lab)) ||
	       zone_ancestor_with(zone, name, DNS_T_NS) != NULL ||
	       zone_ancestor_with(zone, name, DNS_T_DNAME) != NULL;
}

static bool reserved(void *arg, const uint8_t *name)
{
	return is_own(arg, name);
}

/* The names of the zone file itself (below a cut or not). */
static bool is_file_name(const zone_t *zone, const uint8_t *name)
{
	if (zone_name_equal(zone_apex(zone), g_apex2))
		return zone_name_equal(name, g_apex2) || zone_name_equal(name, g_ns2);
	return zone_name_equal(name, g_apex) || zone_name_equal(name, g_ns) ||
	       zone_name_equal(name, g_static) || zone_name_equal(name, g_cut) ||
	       zone_name_equal(name, g_dname) || zone_name_equal(name, g_file_enum[0]) ||
	       zone_name_equal(name, g_file_enum[1]) || (g_lab_cut && zone_name_equal(name, g_lab));
}

/* mdns_mirror_zone_t.covered, as the zone manager answers it: name or a
 * name above it (below the apex) is a delegation or a DNAME. */
static bool covered(void *arg, const uint8_t *name)
{
	const zone_t *zone = arg;
	const zone_node_t *n = zone_find(zone, name);
	if (n != NULL && !zone_name_equal(name, zone_apex(zone)) &&
	    (zone_node_rrset(n, DNS_T_NS) != NULL || zone_node_rrset(n, DNS_T_DNAME) != NULL))
		return true;
	return zone_ancestor_with(zone, name, DNS_T_NS) != NULL ||
	       zone_ancestor_with(zone, name, DNS_T_DNAME) != NULL;
}

/* The commit into the zone: it must always apply. */
/* While g_holding (op 5, held), commits are merged into g_held[k] for
 * the zone g_hzone[k], as a held zone manager does, and GW_OK. */
static bool g_holding;
static zone_changeset_t g_held[2];
static const zone_t *g_hzone[2];

static int commit(void *arg, const zone_changeset_t *cs)
{
	if (g_holding) {
		int ret = zone_changeset_merge(&g_held[arg == g_hzone[0] ? 0 : 1], cs);
		CHECK(ret == GW_OK);
		return ret;
	}
	int ret = zone_apply(arg, cs, NULL, NULL);
	CHECK(ret == GW_OK);
	return ret;
}

static bool has_wildcard_label(const uint8_t *name)
{
	for (; *name != 0; name += 1 + *name) {
		if (name[0] == 1 && name[1] == '*')
			return true;
	}
	return false;
}

static void check_static(const zone_t *zone)
{
	if (zone_name_equal(zone_apex(zone), g_apex2)) {
		const zone_node_t *ns = zone_find(zone, g_ns2);
		CHECK(ns != NULL && ns->rrset_count == 1 && zone_node_rrset(ns, DNS_T_A) != NULL);
		return;
	}
	const zone_node_t *node = zone_find(zone, g_static);
	CHECK(node != NULL && node->rrset_count == 1);
	const zone_rrset_t *a = zone_node_rrset(node, DNS_T_A);
	CHECK(a != NULL && a->count == 1 && a->ttl == 300);
	static const uint8_t want[4] = {192, 0, 2, 200};
	uint32_t pos = 0;
	const uint8_t *rd = NULL;
	uint16_t rdlen = 0;
	CHECK(zone_rrset_next(a, &pos, &rd, &rdlen) && rdlen == 4 && memcmp(rd, want, 4) == 0);
	node = zone_find(zone, g_ns);
	CHECK(node != NULL && node->rrset_count == 1 && zone_node_rrset(node, DNS_T_A) != NULL);
	node = zone_find(zone, g_cut);
	CHECK(node != NULL && node->rrset_count == 1 && zone_node_rrset(node, DNS_T_NS) != NULL);
	node = zone_find(zone, g_dname);
	CHECK(node != NULL && node->rrset_count == 1 && zone_node_rrset(node, DNS_T_DNAME) != NULL);
	/* The file's own enumeration: nothing merged into it, its TTL kept. */
	for (int i = 0; i < 2; i++) {
		node = zone_find(zone, g_file_enum[i]);
		const zone_rrset_t *ptr = node != NULL ? zone_node_rrset(node, DNS_T_PTR) : NULL;
		CHECK(node != NULL && node->rrset_count == 1 && ptr != NULL && ptr->count == 1 &&
		      ptr->ttl == 300);
	}
}

static bool node_has(const zone_t *zone, const uint8_t *name, uint16_t type)
{
	const zone_node_t *node = zone_find(zone, name);
	return node != NULL && zone_node_rrset(node, type) != NULL;
}

/* The labels _dns-sd._udp right below the first label: an enumeration
 * name (_services, b, db, lb), the gateway's own. */
static bool is_enumeration(const uint8_t *name)
{
	const uint8_t *second = name + 1 + name[0];
	return second[0] == 7 && memcmp(second + 1, "_dns-sd", 7) == 0 && second[8] == 4 &&
	       memcmp(second + 9, "_udp", 4) == 0;
}

/* What a browsing client follows leads somewhere (RFC 8766 5.5.2, docs
 * mdns.md): a browse or subtype PTR to an instance with its SRV and TXT,
 * an SRV to a host with an address, a type listed under
 * _services._dns-sd._udp to a type with instances. */
static void check_leads(const zone_t *zone, const zone_node_t *node, const zone_rrset_t *rs)
{
	uint32_t pos = 0;
	const uint8_t *rd = NULL;
	uint16_t rdlen = 0;
	bool enumeration = is_enumeration(node->owner);
	bool services =
	    enumeration && node->owner[0] == 9 && memcmp(node->owner + 1, "_services", 9) == 0;
	while (zone_rrset_next(rs, &pos, &rd, &rdlen)) {
		if (rs->type == DNS_T_PTR && services)
			CHECK(node_has(zone, rd, DNS_T_PTR));
		else if (rs->type == DNS_T_PTR && !enumeration)
			CHECK(node_has(zone, rd, DNS_T_SRV) && node_has(zone, rd, DNS_T_TXT));
		else if (rs->type == DNS_T_SRV)
			CHECK(node_has(zone, rd + 6, DNS_T_A) ||
			      node_has(zone, rd + 6, DNS_T_AAAA));
	}
}

/* An octet of a label, ASCII letters lowercase (as DNS compares them). */
static uint8_t fold(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

/* Does the label hold lower (lowercase ASCII) as a part, without case? */
static bool label_has(const uint8_t *label, const char *lower)
{
	size_t n = strlen(lower);
	for (size_t i = 0; i + n <= label[0]; i++) {
		size_t k = 0;
		while (k < n && fold(label[1 + i + k]) == (uint8_t)lower[k])
			k++;
		if (k == n)
			return true;
	}
	return false;
}

static bool label_starts(const uint8_t *label, const char *lower)
{
	size_t n = strlen(lower);
	size_t k = 0;
	while (k < n && k < label[0] && fold(label[1 + k]) == (uint8_t)lower[k])
		k++;
	return k == n;
}

/* guest.test. shows its link only, and of it what its policy allows: an
 * SRV there is an instance the policy shows. */
static void check_policy(const zone_node_t *node, const zone_rrset_t *rs)
{
	if (!zone_name_is_subdomain(node->owner, g_apex2))
		return;
	CHECK(zone_name_is_subdomain(node->owner, g_variant == 2 ? g_lab2 : g_lan2) ||
	      is_enumeration(node->owner));
	if (rs->type != DNS_T_SRV || g_variant == 1)
		return;
	const uint8_t *inst = node->owner, *type = inst + 1 + inst[0];
	const uint8_t *proto = type + 1 + type[0];
	uint32_t pos = 0;
	const uint8_t *rd = NULL;
	uint16_t rdlen = 0;
	CHECK(zone_rrset_next(rs, &pos, &rd, &rdlen) && rdlen > 6);
	CHECK(!label_has(inst, "printer"));
	CHECK((type[0] == 4 && label_starts(type, "_ipp") && proto[0] == 4 &&
	       label_starts(proto, "_tcp")) ||
	      label_starts(rd + 6, "host-"));
}

static void check_zone(const zone_t *zone)
{
	check_static(zone);
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		/* Nothing of the mirror's at the zone's own names, nor below
		 * its delegation or DNAME (check_static() for the former). */
		if (is_own(zone, node->owner)) {
			CHECK(is_file_name(zone, node->owner));
			continue;
		}
		const uint8_t *apex = zone_apex(zone);
		CHECK(zone_name_is_subdomain(node->owner, apex));
		CHECK(!has_wildcard_label(node->owner));
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rs = &node->rrsets[i];
			CHECK(rs->type == DNS_T_PTR || rs->type == DNS_T_SRV ||
			      rs->type == DNS_T_TXT || rs->type == DNS_T_A ||
			      rs->type == DNS_T_AAAA);
			CHECK(rs->ttl <= TTL_CAP);
			uint32_t pos = 0;
			const uint8_t *rd = NULL;
			uint16_t rdlen = 0;
			while (zone_rrset_next(rs, &pos, &rd, &rdlen)) {
				/* Targets lead into the zone, never to a wildcard. */
				if (rs->type == DNS_T_PTR)
					CHECK(zone_name_is_subdomain(rd, apex) &&
					      !has_wildcard_label(rd));
				if (rs->type == DNS_T_SRV)
					CHECK(rdlen > 6 && zone_name_is_subdomain(rd + 6, apex) &&
					      !has_wildcard_label(rd + 6));
			}
			check_leads(zone, node, rs);
			check_policy(node, rs);
		}
	}
}

/* Nothing of the mirror's is left at or below under (NULL: anywhere in
 * the zone), and no PTR leads there: what a link gone for good, or the
 * end of the warm-up with no link back, leaves. */
static void check_gone(const zone_t *zone, const uint8_t *under)
{
	for (const zone_node_t *node = zone_first(zone); node != NULL;
	     node = zone_next(zone, node)) {
		if (is_own(zone, node->owner))
			continue;
		if (under == NULL || zone_name_is_subdomain(node->owner, under)) {
			if (getenv("FUZZ_MIRROR_SHOW") != NULL) {
				char text[ZONE_NAME_MAXLEN * 4];
				zone_name_to_str(text, sizeof(text), node->owner);
				fprintf(stderr, "left: %s\n", text);
			}
			CHECK(false);
		}
		const zone_rrset_t *rs = zone_node_rrset(node, DNS_T_PTR);
		uint32_t pos = 0;
		const uint8_t *rd = NULL;
		uint16_t rdlen = 0;
		while (under != NULL && rs != NULL && zone_rrset_next(rs, &pos, &rd, &rdlen))
			CHECK(!zone_name_is_subdomain(rd, under));
	}
}

static zone_t *zone_from(const uint8_t *apex, const char *const *rrs, size_t count)
{
	zone_t *zone = NULL;
	if (zone_new(&zone, apex) != GW_OK)
		abort();
	for (size_t i = 0; i < count; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, rrs[i], 3600, NULL, NULL) != LDNS_STATUS_OK ||
		    zone_add_rr(zone, rr) != GW_OK)
			abort();
		ldns_rr_free(rr);
	}
	return zone;
}

#define LAB_CUT "lab.home.arpa. 300 IN NS ns.elsewhere.example."

/* The zone file's reload: lab.home.arpa. delegated, or no longer. */
static void toggle_lab_cut(mdns_mirror_t *m, zone_t *zone)
{
	zone_changeset_t cs;
	ldns_rr *rr = NULL;
	if (zone_changeset_init(&cs) != GW_OK ||
	    ldns_rr_new_frm_str(&rr, LAB_CUT, 300, NULL, NULL) != LDNS_STATUS_OK ||
	    (g_lab_cut ? zone_changeset_remove(&cs, rr) : zone_changeset_add(&cs, rr)) != GW_OK)
		abort();
	CHECK(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	g_lab_cut = !g_lab_cut;
	mdns_mirror_statics_changed(m);
}

static void zones_up(zone_t *zones[2])
{
	static const char *const home[] = {
	    "home.arpa. 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 100 3600 600 86400 10",
	    "home.arpa. 3600 IN NS ns.home.arpa.",
	    "ns.home.arpa. 3600 IN A 192.0.2.1",
	    "static.lan.home.arpa. 300 IN A 192.0.2.200",
	    "cut.lan.home.arpa. 300 IN NS ns.elsewhere.example.",
	    "moved.lab.home.arpa. 300 IN DNAME elsewhere.example.",
	    "_services._dns-sd._udp.lab.home.arpa. 300 IN PTR _custom._tcp.lab.home.arpa.",
	    "db._dns-sd._udp.lab.home.arpa. 300 IN PTR elsewhere.example.",
	    LAB_CUT,
	};
	static const char *const guest[] = {
	    "guest.test. 3600 IN SOA ns.guest.test. hostmaster.guest.test. 1 3600 600 86400 10",
	    "guest.test. 3600 IN NS ns.guest.test.",
	    "ns.guest.test. 3600 IN A 192.0.2.2",
	};
	zones[0] = zone_from(g_apex, home, sizeof(home) / sizeof(home[0]) - (g_lab_cut ? 0 : 1));
	zones[1] = zone_from(g_apex2, guest, sizeof(guest) / sizeof(guest[0]));
}

/* The configurations a reload may switch between (operation 7):
 *   0  as built: guest.test. shows lan through the policy
 *   1  guest.test. shows every service of lan (no policy)
 *   2  guest.test. shows lab, through the policy
 *   3  as 0, with lower limits (4 services a link, 2 a host and address)
 *   4  as 0, with 4 changes a second: the links run out of tokens, and
 *      what is left waits for them (the clock is real there) */
#define VARIANTS 5

/* The zones of each configuration: borrowed by the mirror while in use. */
static mdns_mirror_zone_t g_zc[VARIANTS][2];

static void zone_configs_init(void)
{
	for (int v = 0; v < VARIANTS; v++) {
		g_zc[v][0] = (mdns_mirror_zone_t){
		    .domain = g_apex,
		    .domain_str = "home.arpa.",
		    .commit = commit,
		    .reserved = reserved,
		    .covered = covered,
		};
		g_zc[v][1] = (mdns_mirror_zone_t){
		    .domain = g_apex2,
		    .domain_str = "guest.test.",
		    .links = v == 2 ? g_zone2_lab : g_zone2_links,
		    .link_count = 1,
		    .policy = v == 1 ? NULL : &g_policy,
		    .commit = commit,
		    .reserved = reserved,
		    .covered = covered,
		};
	}
}

/* Configuration v over zones (borrowed). */
static mdns_mirror_config_t config(int v, zone_t *zones[2])
{
	for (int i = 0; i < 2; i++) {
		mdns_mirror_zone_t *zc = &g_zc[v][i];
		zc->domain_len = (size_t)zone_name_len(zc->domain, ZONE_NAME_MAXLEN);
		zc->commit_arg = zones[i];
		zc->reserved_arg = zones[i];
	}
	uint32_t services = v == 3 ? 4 : 8, per_host = v == 3 ? 2 : 3;
	return (mdns_mirror_config_t){
	    .zones = g_zc[v],
	    .zone_count = 2,
	    .links = g_links,
	    .link_count = 2,
	    .subtypes = g_subtypes,
	    .subtype_count = 1,
	    .ipv4 = true,
	    .ipv6 = true,
	    .ttl_cap = TTL_CAP,
	    .batch_window_ms = 20,
	    .warmup_ms = 150,
	    .link_grace_ms = 150,
	    /* Small, so that inputs reach them. */
	    .limits = {.services_per_link = services,
	               .records_per_name = 4,
	               .txt_size = 200,
	               .changes_per_second = v == 4 ? 4 : 100000,
	               .services_per_host = per_host,
	               .services_per_address = per_host},
	};
}

static mdns_mirror_t *mirror_up(zone_t *zones[2])
{
	mdns_mirror_opts_t opts = {.cfg = config(g_variant, zones), .discover = false};
	mdns_mirror_t *m = NULL;
	if (mdns_mirror_new(&m, g_loop, &opts) != GW_OK || mdns_mirror_start(m) != GW_OK)
		abort();
	/* The loop's clock stands still here: a heard type's hold ends
	 * when its timer fires (op 6), not a minute of it later. */
	m->heard_hold = 0.0;
	return m;
}

/* Timer t fires when it is armed: stopped, as the loop stops a timer
 * without repeat before calling it, and called. */
static void fire(ev_timer *t)
{
	if (!ev_is_active(t))
		return;
	ev_timer_stop(g_loop, t);
	ev_feed_event(g_loop, t, EV_TIMER);
	ev_invoke_pending(g_loop);
}

enum { T_ALL, T_BATCH, T_WARMUP, T_GRACE, T_RECONCILE, T_SAVE, T_LOGFLUSH, T_HEARD, T_KINDS };

/* Time passes for the timers of kind (T_ALL: every kind, in the order
 * above). */
static void time_passes(mdns_mirror_t *m, int kind)
{
	for (int k = T_BATCH; k < T_KINDS; k++) {
		if (kind != T_ALL && kind != k)
			continue;
		switch (k) {
		case T_BATCH:
			fire(&m->batch);
			break;
		case T_WARMUP:
			fire(&m->warmup);
			break;
		case T_GRACE:
		case T_RECONCILE:
			for (mlink_t *l = m->links; l != NULL; l = l->next)
				fire(k == T_GRACE ? &l->grace : &l->reconcile);
			break;
		case T_SAVE:
			for (size_t i = 0; i < m->zone_count; i++)
				fire(&m->zones[i].save);
			break;
		case T_LOGFLUSH:
			fire(&m->logflush);
			break;
		default:
			fire(&m->heard_timer);
			break;
		}
	}
}

/* Each zone's state file, in a directory of the target's own. */
static char g_dir[64];
static char g_state[2][96];

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* At exit: the state files and their directory go. */
static void remove_state(void)
{
	unlink(g_state[0]);
	unlink(g_state[1]);
	rmdir(g_dir);
}

/* The zone as text, its lines sorted: the RRs of an RRset are a set, in
 * whatever order they were added (caller frees). */
static char *dump(const zone_t *zone)
{
	char *text = NULL, *out = NULL;
	size_t len = 0, count = 0;
	FILE *fp = open_memstream(&text, &len);
	if (fp == NULL || zone_dump(zone, fp) != GW_OK)
		abort();
	fclose(fp);
	char **lines = calloc(len + 1, sizeof(*lines));
	out = malloc(len + 1);
	if (lines == NULL || out == NULL)
		abort();
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save))
		lines[count++] = l;
	qsort(lines, count, sizeof(*lines), cmp_lines);
	size_t at = 0;
	for (size_t i = 0; i < count; i++) {
		size_t n = strlen(lines[i]);
		memcpy(out + at, lines[i], n);
		at += n;
		out[at++] = '\n';
	}
	out[at] = '\0';
	free(lines);
	free(text);
	return out;
}

/* A restart: what the mirror saved at its end (mdns_mirror_free()) is
 * served again by the next start, record for record, before any link is
 * back (mdns_mirror_start()). */
/* Is (owner, type, rdata) in zone with that TTL? */
static bool zone_holds(const zone_t *zone, const uint8_t *owner, uint16_t type,
                       const uint8_t *rdata, uint16_t rdlen, uint32_t ttl)
{
	const zone_node_t *node = zone_find(zone, owner);
	const zone_rrset_t *rs = node != NULL ? zone_node_rrset(node, type) : NULL;
	uint32_t pos = 0;
	const uint8_t *rd = NULL;
	uint16_t len = 0;
	while (rs != NULL && zone_rrset_next(rs, &pos, &rd, &len)) {
		if (len == rdlen && memcmp(rd, rdata, len) == 0)
			return rs->ttl == ttl;
	}
	return false;
}

/* What the mirror takes as published is what the zone holds of it:
 * every entry it counts as published is there with its TTL, and the
 * zone holds no record of the mirror's besides (counted: every record
 * at a name that is not the zone file's). A batch lost with a held
 * zone (op 5) must leave them equal too. */
static void check_published(mdns_mirror_t *m, zone_t *zones[2])
{
	for (size_t k = 0; k < 2 && k < m->zone_count; k++) {
		const mzone_t *z = &m->zones[k];
		const zone_t *zone = zones[k];
		size_t pub = 0;
		GW_HTAB_FOREACH(&z->ents, h) {
			const ent_t *e = ent_of(h);
			if (!e->pub)
				continue;
			pub++;
			CHECK(zone_holds(zone, e->data, e->type, e->data + e->owner_len, e->rdlen,
			                 e->pub_ttl));
		}
		CHECK(pub == z->published);
		size_t in_zone = 0;
		for (const zone_node_t *node = zone_first(zone); node != NULL;
		     node = zone_next(zone, node)) {
			if (is_own(zone, node->owner))
				continue;
			for (uint16_t i = 0; i < node->rrset_count; i++)
				in_zone += node->rrsets[i].count;
		}
		CHECK(in_zone == pub);
	}
}

/* Commits from now on go into zones held as at a reload (hold_end()). */
static void hold_begin(mdns_mirror_t *m, zone_t *zones[2])
{
	for (int k = 0; k < 2; k++) {
		CHECK(zone_changeset_init(&g_held[k]) == GW_OK);
		g_hzone[k] = zones[k];
	}
	mdns_mirror_hold(m);
	g_holding = true;
}

/* The zones released: both held commits go in (how 1), home.arpa.'s is
 * lost (2), or both are (3); the mirror is told, its published records
 * must be the zones' at once, and a lost batch is committed by the next
 * flush. */
static void hold_end(mdns_mirror_t *m, zone_t *zones[2], int how)
{
	int results[2] = {how >= 2 ? -ENOSPC : GW_OK, how == 3 ? GW_ESEMANTIC : GW_OK};
	g_holding = false;
	for (int k = 0; k < 2; k++) {
		if (results[k] == GW_OK)
			CHECK(zone_apply(zones[k], &g_held[k], NULL, NULL) == GW_OK);
		zone_changeset_deinit(&g_held[k]);
	}
	mdns_mirror_release(m, results, 2);
	check_published(m, zones);
	mdns_mirror_flush(m);
}

static void check_restart(mdns_mirror_t *m, zone_t *zones[2])
{
	char *before[2] = {dump(zones[0]), dump(zones[1])};
	mdns_mirror_free(m);
	zone_t *again[2];
	zones_up(again);
	m = mirror_up(again);
	for (int i = 0; i < 2; i++) {
		char *after = dump(again[i]);
		CHECK(strcmp(before[i], after) == 0);
		free(after);
		free(before[i]);
	}
	/* A zone file reload during the warm-up (lab delegated, or no longer):
	 * the saved records are held to it at once. */
	toggle_lab_cut(m, again[0]);
	mdns_mirror_flush(m);
	check_zone(again[0]);
	check_zone(again[1]);
	/* No link comes back: at the end of the warm-up the saved records
	 * go, every one. */
	time_passes(m, T_WARMUP);
	mdns_mirror_flush(m);
	check_gone(again[0], NULL);
	check_gone(again[1], NULL);
	mdns_mirror_free(m);
	zone_free(again[0]);
	zone_free(again[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_loop == NULL) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
		g_loop = ev_loop_new(EVFLAG_AUTO);
		if (g_loop == NULL || zone_name_from_str(g_apex, "home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_static, "static.lan.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_ns, "ns.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_cut, "cut.lan.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_dname, "moved.lab.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_lan, "lan.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_lab, "lab.home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_file_enum[0], "_services._dns-sd._udp.lab.home.arpa.",
		                       NULL) < 0 ||
		    zone_name_from_str(g_file_enum[1], "db._dns-sd._udp.lab.home.arpa.", NULL) <
		        0 ||
		    zone_name_from_str(g_apex2, "guest.test.", NULL) < 0 ||
		    zone_name_from_str(g_ns2, "ns.guest.test.", NULL) < 0 ||
		    zone_name_from_str(g_lan2, "lan.guest.test.", NULL) < 0 ||
		    zone_name_from_str(g_lab2, "lab.guest.test.", NULL) < 0)
			abort();
		zone_configs_init();
		/* tmpfs where there is one: the saves fsync. */
		snprintf(g_dir, sizeof(g_dir), "%s/fuzz_mirror.XXXXXX",
		         access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(g_dir) == NULL)
			abort();
		atexit(remove_state);
		for (int i = 0; i < 2; i++) {
			snprintf(g_state[i], sizeof(g_state[i]), "%s/zone%d", g_dir, i);
			for (int v = 0; v < VARIANTS; v++)
				g_zc[v][i].state_file = g_state[i];
		}
	}
	/* Each input starts as built, with nothing saved. */
	g_variant = 0;
	g_lab_cut = false;
	unlink(g_state[0]);
	unlink(g_state[1]);
	input_t in = {.p = data, .left = size};
	bool up[2] = {true, true};
	slots_reset();
	zone_t *zones[2];
	zones_up(zones);
	mdns_mirror_t *m = mirror_up(zones);
	mdns_mirror_inject_link(m, 1, "eth0", true);
	mdns_mirror_inject_link(m, 2, "eth1", true);
	for (int ops = 0; in.left > 0 && ops < OPS_MAX; ops++) {
		uint8_t op = next(&in);
		switch (op & 7) {
		case 0:
		case 1:
		case 2:
			record(m, &in);
			break;
		case 3: {
			label_t *l = &g_slot[next(&in) % SLOTS];
			l->len = (uint8_t)(1 + next(&in) % 63);
			for (uint8_t i = 0; i < l->len; i++)
				l->data[i] = next(&in);
			break;
		}
		case 4: {
			int k = (op >> 3) & 1;
			up[k] = !up[k];
			mdns_mirror_inject_link(m, 1 + k, k == 0 ? "eth0" : "eth1", up[k]);
			break;
		}
		case 6: {
			int kind = (op >> 3) % T_KINDS;
			time_passes(m, kind);
			mdns_mirror_flush(m);
			check_zone(zones[0]);
			check_zone(zones[1]);
			/* A link down past its grace has nothing left. */
			for (int k = 0; k < 2 && (kind == T_ALL || kind == T_GRACE); k++) {
				if (up[k])
					continue;
				check_gone(zones[0], k == 0 ? g_lan : g_lab);
				check_gone(zones[1], k == 0 ? g_lan2 : g_lab2);
			}
			break;
		}
		case 7: { /* a reload */
			if ((op >> 3) >= 16) {
				toggle_lab_cut(m, zones[0]);
				mdns_mirror_flush(m);
				check_zone(zones[0]);
				check_zone(zones[1]);
				break;
			}
			g_variant = (op >> 3) % VARIANTS;
			mdns_mirror_config_t cfg = config(g_variant, zones);
			/* op >> 3 of 8 to 15: held as the daemon's reload holds
			 * it, and its commits lost, in home.arpa. or both. */
			bool held = ((op >> 3) & 8) != 0;
			if (held)
				hold_begin(m, zones);
			CHECK(mdns_mirror_reconfigure(m, &cfg) == GW_OK);
			if (held)
				hold_end(m, zones, ((op >> 3) & 4) != 0 ? 3 : 2);
			check_zone(zones[0]);
			check_zone(zones[1]);
			check_published(m, zones);
			break;
		}
		default:
			if (((op >> 3) & 3) != 0) {
				hold_begin(m, zones);
				mdns_mirror_flush(m);
				hold_end(m, zones, (op >> 3) & 3);
			} else {
				mdns_mirror_flush(m);
			}
			check_zone(zones[0]);
			check_zone(zones[1]);
			check_published(m, zones);
			break;
		}
	}
	mdns_mirror_flush(m);
	check_zone(zones[0]);
	check_zone(zones[1]);
	check_published(m, zones);
	check_restart(m, zones);
	zone_free(zones[0]);
	zone_free(zones[1]);
	return 0;
}
