/* The fixture the journal suites share: a zone signed by a fresh key
 * (or, in test_journal's dump mode, a fixed one), commits through the
 * signer that hand each diff to the journal, and a journal opened on the
 * fixture's state directory. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "diff_util.h"
#include "zone_util.h"

#define APEX "example."

static const char *const base_zone[] = {
    "example. 3600 IN SOA ns.example. host.example. 100 3600 600 86400 300",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    "www.example. 300 IN A 192.0.2.80",
    "b._dns-sd._udp.example. 300 IN PTR lan.example.",
    NULL,
};

/* The text line of the wire RR at e->data + *pos. */
static inline char *rr_line(const gw_journal_entry_t *e, size_t *pos)
{
	return tdiff_line(e->data, e->size, pos);
}

/* Apply e to before and compare with after (tdiff_exact()). */
static inline bool entry_exact(const gw_journal_entry_t *e, lines_t *before, const lines_t *after)
{
	return tdiff_exact(e->data, e->size, e->removed, e->added, before, after);
}

/* ---- a signed test zone ------------------------------------------------- */

typedef enum denial {
	UNSIGNED,
	NSEC,
	NSEC3,
} denial_t;

typedef struct fixture {
	zone_t *zone;
	sig_key_t *key;
	sig_signer_t signer;
	time_t now;
	char dir[64];
} fixture_t;

/* The dump mode (test_dump()): an Ed25519 key from this file, a fixed
 * clock, no expiration jitter, and the entries written to dump_fp. */
static const char *dump_key;

static inline void fixture_init(fixture_t *f, denial_t denial)
{
	uint8_t name[ZONE_NAME_MAXLEN];
	memset(f, 0, sizeof(*f));
	f->zone = tzone(APEX, base_zone);
	f->now = dump_key != NULL ? 1767225600 : time(NULL);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-journal.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	if (denial == UNSIGNED)
		return;
	int kret = dump_key != NULL ? sig_key_load_pem(&f->key, dump_key, SIG_ALG_ED25519,
	                                               SIG_ROLE_CSK, tname(name, APEX))
	                            : sig_key_generate(&f->key, SIG_ALG_ECDSAP256SHA256,
	                                               SIG_ROLE_CSK, tname(name, APEX), 0);
	CU_ASSERT_FATAL(kret == GW_OK);
	ldns_rr *rr = NULL;
	CU_ASSERT_FATAL(sig_key_dnskey_rr(f->key, 3600, &rr) == GW_OK);
	CU_ASSERT_FATAL(zone_add_rr(f->zone, rr) == GW_OK);
	ldns_rr_free(rr);
	f->signer = (sig_signer_t){
	    .keys = &f->key,
	    .key_count = 1,
	    .apex = zone_apex(f->zone),
	    .validity = 14 * 86400,
	    .refresh = 7 * 86400,
	    .jitter = dump_key != NULL ? 0 : 86400,
	    .inception_offset = 3600,
	};
	zone_changeset_t cs;
	uint32_t ttl = 0;
	CU_ASSERT_FATAL(sig_nsec_ttl(f->zone, &ttl) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	int ret = denial == NSEC3 ? sig_nsec3_update(f->zone, ttl, &cs)
	                          : sig_nsec_update(f->zone, ttl, &cs);
	CU_ASSERT_FATAL(ret == GW_OK);
	CU_ASSERT_FATAL(zone_apply(f->zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	CU_ASSERT_FATAL(sig_sign_zone(&f->signer, f->zone, f->now, true, 1, NULL) == GW_OK);
	CU_ASSERT_FATAL(sig_zone_uses_nsec3(f->zone) == (denial == NSEC3));
}

static inline void fixture_deinit(fixture_t *f)
{
	char cmd[128];
	zone_free(f->zone);
	sig_key_free(f->key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	CU_ASSERT(system(cmd) == 0);
}

static inline uint32_t serial_of(const zone_t *zone)
{
	uint32_t s = 0;
	CU_ASSERT(zone_serial(zone, &s) == GW_OK);
	return s;
}

/* One commit through the journal, as gw_zonemgr_commit() does it; with
 * cs NULL a signature refresh. */
static inline int commit(fixture_t *f, gw_journal_t *j, const zone_changeset_t *cs)
{
	uint32_t serial = serial_of(f->zone) + 1;
	zone_rrdiff_t diff = {0};
	int ret;
	if (cs == NULL)
		ret = sig_zone_refresh(&f->signer, f->zone, f->now, 1, 0, serial, NULL, &diff);
	else if (f->key != NULL)
		ret = sig_zone_commit(&f->signer, f->zone, cs, f->now, serial, NULL, &diff);
	else
		ret = zone_commit(f->zone, cs, serial, &diff);
	if (ret == GW_OK)
		gw_journal_append(j, &diff, f->zone);
	zone_rrdiff_deinit(&diff);
	return ret;
}

/* Commits that each add the host n<i>.example., for i in [from, to). */
static inline void add_hosts(fixture_t *f, gw_journal_t *j, int from, int to)
{
	char rr[128];
	for (int i = from; i < to; i++) {
		zone_changeset_t cs;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		snprintf(rr, sizeof(rr), "n%d.example. 10 IN A 192.0.2.%d", i, i % 250 + 1);
		tcs_add(&cs, rr);
		CU_ASSERT_FATAL(commit(f, j, &cs) == GW_OK);
		zone_changeset_deinit(&cs);
	}
}

static inline gw_journal_t *open_journal(fixture_t *f, uint32_t entries, uint64_t size)
{
	gw_journal_t *j = NULL;
	gw_journal_opts_t opts = {.state_dir = f->dir, .max_entries = entries, .max_size = size};
	CU_ASSERT_FATAL(gw_journal_open(&j, &opts, f->zone) == GW_OK);
	return j;
}
