/* The fixture of the zone manager's suites (test_zonemgr*.c): a manager
 * built as the daemon builds it, on a fresh state directory holding
 * zone_v1, with its commit hook counted, and the checks on what it
 * serves. Header-only, included once per test program. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/heap.h"
#include "cunit.h"
#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "gateway/zonemgr/zonemgr.h"
#include "gateway/zonemgr/zonemgr_internal.h" /* ceiling_unwritable() */
#include "state_dir.h"
#include "zone_util.h"

#define APEX      "home.arpa."
#define T_SOA     6
#define T_A       1
#define FILE_NAME "zone.db"
#define RUN_MAX_S 15.0 /* longest a test runs the loop */

/* What a test asks of the manager. */
typedef struct zm_opts {
	bool zone_file;           /* serve <state>/zone.db; false: the built-in apex */
	bool sign;                /* DNSSEC on */
	uint8_t algorithm;        /* with sign: SIG_ALG_* */
	bool nsec3;               /* with sign: NSEC3 instead of NSEC */
	uint32_t validity_s;      /* with sign: signature validity; 0 = the default */
	uint32_t refresh_s;       /* with validity_s: re-sign when less remains */
	const char *const *extra; /* the gateway's own records, NULL-terminated */
	uint32_t dnskey_ttl;      /* with sign: 0 = the default (3600) */
	uint64_t propagation_s;   /* with sign: rollovers' propagation delay */
	bool split_keys;          /* with sign: a KSK and a ZSK instead of a CSK */
} zm_opts_t;

typedef struct fixture {
	char dir[TDIR_MAX]; /* the state directory, which also holds zone.db */
	struct ev_loop *loop;
	gw_zonemgr_opts_t opts; /* what the manager was built from */
	char state[TDIR_MAX], zone_file[TDIR_MAX];
	gw_zonemgr_t *m;
	unsigned hooks;       /* hook calls */
	uint32_t hook_serial; /* the serial of the last one */
	uint32_t hook_zone;   /* the served zone's serial during that call */
	bool break_on_hook;   /* stop the loop in the hook */
} fixture_t;

/* ---- the only place that builds a manager ------------------------------- */

/* Build f->m from o with the state (and zone.db) in f->dir. Returns what
 * gw_zonemgr_new() returns. */
static inline int zm_new(fixture_t *f, const zm_opts_t *o)
{
	static const uint8_t apex[] = "\x04home\x04"
	                              "arpa";
	gw_zonemgr_opts_t *z = &f->opts;
	memset(z, 0, sizeof(*z));
	z->domain = apex;
	z->domain_str = "home.arpa.";
	_Static_assert(sizeof(f->state) == sizeof(f->dir), "the state directory is dir");
	memcpy(f->state, f->dir, sizeof(f->state));
	z->state_dir = f->state;
	if (o->zone_file)
		z->zone_file = tdir_path(f->zone_file, f->dir, FILE_NAME);
	/* The configuration's defaults (docs/configuration.md). */
	z->dnssec.enable = o->sign;
	z->dnssec.algorithm = o->algorithm != 0 ? o->algorithm : 13;
	z->dnssec.nsec3 = o->nsec3;
	z->dnssec.split_keys = o->split_keys;
	z->dnssec.rsa_bits = 2048;
	z->dnssec.validity_ms = 14 * 86400000ULL;
	z->dnssec.refresh_ms = 7 * 86400000ULL;
	z->dnssec.jitter_ms = 86400000ULL;
	z->dnssec.inception_offset_ms = 3600000ULL;
	z->dnssec.dnskey_ttl = o->dnskey_ttl != 0 ? o->dnskey_ttl : 3600;
	z->dnssec.policy.propagation_delay = o->propagation_s;
	z->dnssec.sign_threads = 1;
	if (o->validity_s != 0) {
		z->dnssec.validity_ms = o->validity_s * 1000ULL;
		z->dnssec.refresh_ms = o->refresh_s * 1000ULL;
		z->dnssec.jitter_ms = 0;
	}
	z->journal_size = 16u << 20;
	z->journal_entries = 1000;
	z->extra_rrs = o->extra;
	for (z->extra_count = 0; o->extra != NULL && o->extra[z->extra_count] != NULL;)
		z->extra_count++;
	int ret = gw_zonemgr_new(&f->m, f->loop, z);
	/* The start's bulk (common/heap.h) is closed on every way out: left
	 * open, the daemon would keep glibc's 8 MB trim threshold for good. */
	CU_ASSERT_EQUAL(gw_heap_bulk_depth(), 0);
	if (ret != GW_OK)
		f->m = NULL;
	return ret;
}

static inline void zm_free(fixture_t *f)
{
	gw_zonemgr_free(f->m);
	f->m = NULL;
}

/* ---- fixture ------------------------------------------------------------ */

__attribute__((unused)) static const char *const zone_v1 =
    "$ORIGIN home.arpa.\n"
    "@ 3600 IN SOA ns hostmaster 100 3600 600 86400 300\n"
    "@ 3600 IN NS ns\n"
    "ns 3600 IN A 192.0.2.53\n"
    "www 300 IN A 192.0.2.80\n";

/* zone_v1's data (all but the SOA). */
__attribute__((unused)) static const char *const data_v1[] = {
    "home.arpa. 3600 IN NS ns.home.arpa.",
    "ns.home.arpa. 3600 IN A 192.0.2.53",
    "www.home.arpa. 300 IN A 192.0.2.80",
    NULL,
};

__attribute__((unused)) static fixture_t F;

static inline void on_commit(void *arg, uint32_t serial)
{
	fixture_t *f = arg;
	f->hooks++;
	f->hook_serial = serial;
	CU_ASSERT(zone_serial(gw_zonemgr_zone(f->m)->zone, &f->hook_zone) == GW_OK);
	if (f->break_on_hook)
		ev_break(f->loop, EVBREAK_ONE);
}

/* A manager per o on a fresh state directory holding zone_v1, with the
 * hook set. */
static inline fixture_t *setup(const zm_opts_t *o)
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	tdir_make(f->dir, "zonemgr");
	tdir_write(f->dir, FILE_NAME, zone_v1);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	CU_ASSERT_FATAL(zm_new(f, o) == GW_OK);
	gw_zonemgr_set_hook(f->m, on_commit, f);
	return f;
}

/* setup() with zone_v1 and hosts more names (h0 ... A records): 2 RRsets
 * each with their NSECs, a zone bigger than a refresh's part (4096 RRsets)
 * from 2049 hosts on. */
__attribute__((unused)) static fixture_t *setup_hosts(const zm_opts_t *o, unsigned hosts)
{
	fixture_t *f = &F;
	memset(f, 0, sizeof(*f));
	tdir_make(f->dir, "zonemgr");
	size_t cap = strlen(zone_v1) + (size_t)hosts * 32 + 1, len = strlen(zone_v1);
	char *text = malloc(cap);
	CU_ASSERT_FATAL(text != NULL);
	memcpy(text, zone_v1, len + 1);
	for (unsigned i = 0; i < hosts; i++)
		len += (size_t)snprintf(text + len, cap - len, "h%u 300 IN A 192.0.2.%u\n", i,
		                        i % 250 + 1);
	tdir_write(f->dir, FILE_NAME, text);
	free(text);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	CU_ASSERT_FATAL(zm_new(f, o) == GW_OK);
	gw_zonemgr_set_hook(f->m, on_commit, f);
	return f;
}

static inline void teardown(fixture_t *f)
{
	zm_free(f);
	ev_loop_destroy(f->loop);
	tdir_remove(f->dir);
}

static inline zone_t *served(const fixture_t *f)
{
	return gw_zonemgr_zone(f->m)->zone;
}

static inline uint32_t serial_of(const zone_t *zone)
{
	uint32_t serial = 0;
	CU_ASSERT_FATAL(zone_serial(zone, &serial) == GW_OK);
	return serial;
}

/* ---- checks ------------------------------------------------------------- */

static inline bool skip_soa_and_dnssec(uint16_t type, void *arg)
{
	(void)arg;
	switch (type) {
	case T_SOA:
	case 46: /* RRSIG */
	case 47: /* NSEC */
	case 48: /* DNSKEY */
	case 50: /* NSEC3 */
	case 51: /* NSEC3PARAM */
	case 59: /* CDS */
	case 60: /* CDNSKEY */
		return true;
	default:
		return false;
	}
}

/* Is the zone's data (all but the SOA and what the signer makes) exactly
 * rrs (NULL-terminated), TTLs included? */
static inline bool data_is(const zone_t *zone, const char *const *rrs)
{
	zone_t *want = tzone(APEX, rrs);
	zone_changeset_t cs = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	CU_ASSERT_FATAL(zone_diff(want, zone, skip_soa_and_dnssec, NULL, &cs) == GW_OK);
	bool same = zone_changeset_empty(&cs);
	if (!same) {
		fprintf(stderr, "\n  unexpected (+) / missing (-) in the served zone:\n");
		for (size_t i = 0; i < ldns_rr_list_rr_count(cs.add); i++)
			ldns_rr_print(stderr, ldns_rr_list_rr(cs.add, i));
		fprintf(stderr, "  -\n");
		for (size_t i = 0; i < ldns_rr_list_rr_count(cs.remove); i++)
			ldns_rr_print(stderr, ldns_rr_list_rr(cs.remove, i));
	}
	zone_changeset_deinit(&cs);
	zone_free(want);
	return same;
}

/* Does the RRset (owner, type) carry signatures? */
static inline bool is_signed(const zone_t *zone, const char *owner, uint16_t type)
{
	const zone_rrset_t *rs = trrset(zone, owner, type);
	return rs != NULL && rs->sig_count > 0;
}

/* The expiration of the first RRSIG over (owner, type), 0 when unsigned. */
static inline uint32_t sig_expiration(const zone_t *zone, const char *owner, uint16_t type)
{
	const zone_rrset_t *rs = trrset(zone, owner, type);
	if (rs == NULL || rs->sig_count == 0)
		return 0;
	/* [len][type covered, algorithm, labels, original TTL][expiration] */
	return ldns_read_uint32(rs->sigs + 2 + 8);
}

/* Verify every signature and the denial chain of zone with the keys in
 * f->dir. The manager must be freed (it holds the key store's lock). */
static inline void verify_signed(const fixture_t *f, const zone_t *zone, uint8_t algorithm)
{
	uint8_t apex[ZONE_NAME_MAXLEN];
	sig_keystore_t *ks = NULL;
	sig_key_policy_t policy = {.algorithm = algorithm};
	char err[512] = "";
	size_t count = 0;
	CU_ASSERT_FATAL(f->m == NULL);
	CU_ASSERT_FATAL(sig_keystore_open(&ks, f->dir, tname(apex, APEX), &policy) == GW_OK);
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CU_ASSERT(count >= 1);
	CU_ASSERT(sig_key_algorithm(keys[0]) == algorithm);
	int ret = sig_verify_zone(zone, keys, count, time(NULL), err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "\n  zone does not verify: %s\n", err);
	CU_ASSERT(ret == GW_OK);
	sig_keystore_free(ks);
}

/* Free the manager and verify the zone it served last. */
static inline void free_and_verify(fixture_t *f, uint8_t algorithm)
{
	gw_zoneref_t *ref = gw_zoneref_get(gw_zonemgr_zone(f->m));
	zm_free(f);
	verify_signed(f, ref->zone, algorithm);
	gw_zoneref_put(ref);
}

static inline void commit_text(fixture_t *f, const char *const *add, const char *const *remove,
                               int want)
{
	zone_changeset_t cs = {0};
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (; add != NULL && *add != NULL; add++)
		tcs_add(&cs, *add);
	for (; remove != NULL && *remove != NULL; remove++)
		tcs_remove(&cs, *remove);
	int ret = gw_zonemgr_commit(f->m, &cs);
	if (ret != want)
		fprintf(stderr, "\n  commit: %s, expected %s\n", gw_strerror(ret),
		        gw_strerror(want));
	CU_ASSERT(ret == want);
	zone_changeset_deinit(&cs);
}

static inline bool is_static(const fixture_t *f, const char *name)
{
	uint8_t wire[ZONE_NAME_MAXLEN];
	return gw_zonemgr_is_static_name(f->m, tname(wire, name));
}

/* ---- a full disk --------------------------------------------------------- */

/* <state>/serial, the ceiling's file, as a directory that holds a file:
 * the ceiling's atomic write (a rename onto it) fails; or back as the
 * file it was. Past the ceiling the store keeps in memory, so that the
 * next commit needs it raised (a full disk past the block of serials on
 * disk). Reaches into the store: otherwise 1024 commits come first. */
__attribute__((unused)) static void ceiling_unwritable(fixture_t *f, bool on, char *saved,
                                                       size_t len)
{
	char path[TDIR_MAX + 16], inner[TDIR_MAX + 32];
	snprintf(path, sizeof(path), "%s/serial", f->dir);
	snprintf(inner, sizeof(inner), "%s/serial/x", f->dir);
	if (on) {
		FILE *fp = fopen(path, "r");
		CU_ASSERT_FATAL(fp != NULL);
		CU_ASSERT_FATAL(fgets(saved, (int)len, fp) != NULL);
		fclose(fp);
		CU_ASSERT_FATAL(unlink(path) == 0 && mkdir(path, 0700) == 0);
		fp = fopen(inner, "w");
		CU_ASSERT_FATAL(fp != NULL);
		fclose(fp);
		/* The next commit needs a new ceiling. */
		f->m->serial.ceiling = serial_of(served(f));
		return;
	}
	CU_ASSERT_FATAL(unlink(inner) == 0 && rmdir(path) == 0);
	FILE *fp = fopen(path, "w");
	CU_ASSERT_FATAL(fp != NULL && fputs(saved, fp) >= 0);
	fclose(fp);
}
