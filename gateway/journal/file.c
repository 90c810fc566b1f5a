/* The journal's file, <state>/journal: the format, and connecting it at
 * start to the zone built then: the one more entry from the zone served
 * last (last.c walks it from the file) to that zone. write.c writes the
 * file (a snapshot when rewritten, entries appended), scan.c reads its
 * records through window.c.
 *
 * Format: a header (magic, version, apex), then records [length][CRC-32]
 * [payload]: a snapshot of the whole zone (written when the file is
 * rewritten) and entries appended after it, each with fdatasync. A record
 * cut short by a crash is found by its length or CRC and truncated.
 *
 * Size: transfer.journal-size bounds the whole file, snapshot included
 * (as Knot's journal-max-usage does). The entries get what the snapshot
 * leaves; an append that would take the file past it rewrites the file
 * with the oldest entries dropped down to half that room. A journal-size
 * that leaves the entries less than a quarter of the snapshot is too
 * small (logged once, with the size to set): the file may then reach the
 * snapshot and the larger of that quarter and the newest entry. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/array.h"
#include "common/error.h"
#include "common/file.h"
#include "common/htab.h"
#include "common/log.h"
#include "common/sorted.h"
#include "gateway/journal/internal.h"

/* ---- whole zones as lists of wire RRs ----------------------------------- */

/* A list of RRs: one buffer, and where each starts. */
typedef struct rrbuf {
	uint8_t *data;
	size_t len, cap;
	size_t *offs;
	size_t n, ncap;
} rrbuf_t;

static void rrbuf_free(rrbuf_t *b)
{
	free(b->data);
	free(b->offs);
	memset(b, 0, sizeof(*b));
}

static int rrbuf_reserve(rrbuf_t *b, size_t more)
{
	if (gw_array_reserve(&b->offs, &b->ncap, b->n + 1, sizeof(*b->offs), 64) != GW_OK)
		return GW_ENOMEM;
	return gw_array_reserve(&b->data, &b->cap, b->len + more, 1, 4096);
}

static int rrbuf_put(rrbuf_t *b, const uint8_t *owner, uint16_t type, uint32_t ttl,
                     const uint8_t *rdata, uint16_t rdlen)
{
	size_t olen = (size_t)zone_name_len(owner, ZONE_NAME_MAXLEN);
	size_t len = olen + DNS_RR_FIXED_LEN + rdlen;
	int ret = rrbuf_reserve(b, len);
	if (ret != GW_OK)
		return ret;
	zone_rr_to_wire(b->data + b->len, owner, olen, type, ttl, rdata, rdlen);
	b->offs[b->n++] = b->len;
	b->len += len;
	return GW_OK;
}

static const uint8_t *rrbuf_rr(const rrbuf_t *b, size_t i, size_t *len)
{
	size_t end = i + 1 < b->n ? b->offs[i + 1] : b->len;
	*len = end - b->offs[i];
	return b->data + b->offs[i];
}

int gw_journal_each_rr(const zone_node_t *node, gw_journal_rr_fn fn, void *ctx)
{
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		const zone_rrset_t *rs = &node->rrsets[i];
		const zone_rrset_t sigs = {.rdata = rs->sigs, .rdata_len = rs->sigs_len};
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t pos = 0;
		while (zone_rrset_next(rs, &pos, &rd, &rdlen)) {
			int ret = fn(ctx, node, rs->type, rs->ttl, rd, rdlen);
			if (ret != GW_OK)
				return ret;
		}
		pos = 0;
		while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
			int ret = fn(ctx, node, DNS_T_RRSIG, rs->ttl, rd, rdlen);
			if (ret != GW_OK)
				return ret;
		}
	}
	return GW_OK;
}

/* A total order on wire RRs, for the difference of two lists. */
static int rref_cmp(const void *va, const void *vb)
{
	const gw_journal_rref_t *a = va;
	const gw_journal_rref_t *b = vb;
	return gw_octets_cmp(a->p, a->len, b->p, b->len);
}

static gw_journal_rref_t *refs_of(const rrbuf_t *b)
{
	gw_journal_rref_t *r = malloc((b->n > 0 ? b->n : 1) * sizeof(*r));
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		r[i].p = rrbuf_rr(b, i, &r[i].len);
	qsort(r, b->n, sizeof(*r), rref_cmp);
	return r;
}

static bool is_apex_soa(const gw_journal_rref_t *r, const uint8_t *apex)
{
	return gw_journal_rr_type(r->p) == DNS_T_SOA && zone_name_equal(r->p, apex) &&
	       r->len >= (size_t)zone_name_len(r->p, r->len) + DNS_RR_FIXED_LEN + 22;
}

/* Copy to data + o the RRs of a that b lacks (both sorted), but skip;
 * the offset after them. */
static size_t put_only_in(uint8_t *data, size_t o, const gw_journal_rref_t *a, size_t na,
                          const gw_journal_rref_t *b, size_t nb, const gw_journal_rref_t *skip)
{
	for (size_t i = 0, k = 0; i < na; i++) {
		while (k < nb && rref_cmp(&b[k], &a[i]) < 0)
			k++;
		if ((k < nb && rref_cmp(&b[k], &a[i]) == 0) || &a[i] == skip)
			continue;
		memcpy(data + o, a[i].p, a[i].len);
		o += a[i].len;
	}
	return o;
}

/* The entry that turns a (sorted) into b (sorted): removed then added,
 * the SOAs first. GW_ESEMANTIC when either side lacks the apex SOA. */
static int make_entry(gw_journal_entry_t **out, const gw_journal_rref_t *a, size_t na,
                      const gw_journal_rref_t *b, size_t nb, const uint8_t *apex)
{
	size_t size = 0, removed = 0, added = 0;
	const gw_journal_rref_t *soa_a = NULL, *soa_b = NULL;
	size_t i = 0, k = 0;

	/* First pass: sizes and the SOAs. */
	while (i < na || k < nb) {
		int c = i == na ? 1 : k == nb ? -1 : rref_cmp(&a[i], &b[k]);
		if (c == 0) {
			i++;
			k++;
		} else if (c < 0) {
			if (is_apex_soa(&a[i], apex))
				soa_a = &a[i];
			size += a[i++].len;
			removed++;
		} else {
			if (is_apex_soa(&b[k], apex))
				soa_b = &b[k];
			size += b[k++].len;
			added++;
		}
	}
	if (soa_a == NULL || soa_b == NULL)
		return GW_ESEMANTIC;
	gw_journal_entry_t *e = calloc(1, sizeof(*e));
	uint8_t *data = malloc(size);
	if (e == NULL || data == NULL) {
		free(e);
		free(data);
		return GW_ENOMEM;
	}
	e->refs = 1;
	e->data = data;
	e->size = size;
	e->removed = (uint32_t)removed;
	e->added = (uint32_t)added;
	e->from = gw_journal_soa_serial(soa_a->p, soa_a->len);
	e->to = gw_journal_soa_serial(soa_b->p, soa_b->len);
	size_t o = 0;
	memcpy(data + o, soa_a->p, soa_a->len);
	o += soa_a->len;
	o = put_only_in(data, o, a, na, b, nb, soa_a);
	memcpy(data + o, soa_b->p, soa_b->len);
	o += soa_b->len;
	o = put_only_in(data, o, b, nb, a, na, soa_b);
	*out = e;
	return GW_OK;
}

/* A journal file larger than this is not one the daemon wrote. The file
 * holds a snapshot of the zone and entries: within
 * transfer.journal-size, or, when that is too small for the snapshot,
 * the snapshot and the larger of a quarter of it and the newest entry
 * (write.c, room()), each entry being at most journal-size. Files of
 * the rule before it (rewritten once their entries exceeded twice
 * journal-size: the snapshot and at most three times journal-size) are
 * still read, and rewritten within the bound. The snapshot is bounded by
 * the zone, which is far below JOURNAL_SNAPSHOT_MAX for any DNS-SD zone
 * (a million RRs of 1 kB). The snapshot is only ever read through the
 * window; the entries are read into memory, which the limit keeps a
 * damaged or foreign file from making large. */
#define JOURNAL_SNAPSHOT_MAX (1024ULL * 1024 * 1024)

uint64_t gw_journal_file_max(const gw_journal_opts_t *opts)
{
	uint64_t entries = opts->max_size > UINT64_MAX / 8 ? UINT64_MAX / 2 : 4 * opts->max_size;
	return entries + JOURNAL_SNAPSHOT_MAX + JOURNAL_SNAPSHOT_MAX / 4;
}

/* ---- the zone served last against the zone built at start --------------- */

/* Both in canonical order, RRset by RRset: the zone's node and RRset the
 * walk has reached, and the RRs only one side holds. */
typedef struct merge {
	const zone_t *zone;
	const zone_node_t *node;
	uint16_t i; /* RRset of node */
	rrbuf_t removed, added;
} merge_t;

/* rs's RRs (sigs false) or its RRSIGs (sigs true) that other (NULL: none)
 * lacks, into b. Both sides' RRs are sorted; equal rdata at the same
 * owner octets and TTL are the same RR. */
static int put_missing(rrbuf_t *b, const uint8_t *owner, const zone_rrset_t *rs,
                       const zone_rrset_t *other, bool sigs)
{
	const zone_rrset_t one = sigs ? (zone_rrset_t){.rdata = rs->sigs,
	                                               .rdata_len = rs->sigs_len,
	                                               .count = rs->sig_count}
	                              : *rs;
	zone_rrset_t two = {0};
	if (other != NULL && other->ttl == rs->ttl)
		two = sigs ? (zone_rrset_t){.rdata = other->sigs,
		                            .rdata_len = other->sigs_len,
		                            .count = other->sig_count}
		           : *other;
	if (one.count == 0)
		return GW_OK;
	zone_rdref_t *ra = malloc(((size_t)one.count + two.count) * sizeof(*ra));
	if (ra == NULL)
		return GW_ENOMEM;
	zone_rdref_t *rb = ra + one.count;
	size_t na = zone_rrset_sorted(&one, ra);
	size_t nb = two.count > 0 ? zone_rrset_sorted(&two, rb) : 0;
	int ret = GW_OK;
	uint16_t type = sigs ? DNS_T_RRSIG : rs->type;
	for (size_t i = 0, k = 0; i < na && ret == GW_OK; i++) {
		while (k < nb && zone_rdref_cmp(&rb[k], &ra[i]) < 0)
			k++;
		if (k < nb && zone_rdref_cmp(&rb[k], &ra[i]) == 0)
			continue;
		ret = rrbuf_put(b, owner, type, rs->ttl, ra[i].p, ra[i].len);
	}
	free(ra);
	return ret;
}

/* Everything of rs at owner into b, RRs and RRSIGs. */
static int put_all(rrbuf_t *b, const uint8_t *owner, const zone_rrset_t *rs)
{
	int ret = put_missing(b, owner, rs, NULL, false);
	return ret == GW_OK ? put_missing(b, owner, rs, NULL, true) : ret;
}

/* The zone's RRset the merge has reached against (owner, type): < 0 when
 * it comes first, 0 at the same place, > 0 after; 1 past the end. */
static int merge_at(const merge_t *m, const uint8_t *owner, uint16_t type)
{
	if (m->node == NULL)
		return 1;
	int c = zone_name_cmp(m->node->owner, owner);
	if (c != 0)
		return c;
	uint16_t t = m->node->rrsets[m->i].type;
	return t < type ? -1 : t > type;
}

static void merge_step(merge_t *m)
{
	if (++m->i < m->node->rrset_count)
		return;
	m->i = 0;
	do
		m->node = zone_next(m->zone, m->node);
	while (m->node != NULL && m->node->rrset_count == 0);
}

/* The zone's RRsets before (owner, type) are new; at it, compare. */
static int merge_rrset(void *ctx, const uint8_t *owner, const zone_rrset_t *old)
{
	merge_t *m = ctx;
	int c, ret = GW_OK;
	while (ret == GW_OK && (c = merge_at(m, owner, old->type)) < 0) {
		ret = put_all(&m->added, m->node->owner, &m->node->rrsets[m->i]);
		merge_step(m);
	}
	if (ret != GW_OK)
		return ret;
	const zone_rrset_t *now = c == 0 ? &m->node->rrsets[m->i] : NULL;
	/* The same name in another letter case is other RRs. */
	if (now != NULL && memcmp(m->node->owner, owner, m->node->owner_len) != 0) {
		ret = put_all(&m->removed, owner, old);
		if (ret == GW_OK)
			ret = put_all(&m->added, m->node->owner, now);
	} else {
		ret = put_missing(&m->removed, owner, old, now, false);
		if (ret == GW_OK)
			ret = put_missing(&m->removed, owner, old, now, true);
		if (ret == GW_OK && now != NULL)
			ret = put_missing(&m->added, owner, now, old, false);
		if (ret == GW_OK && now != NULL)
			ret = put_missing(&m->added, owner, now, old, true);
	}
	if (now != NULL)
		merge_step(m);
	return ret;
}

/* The entry from the zone served last (the file, s) to zone. */
static int restart_entry(gw_jscan_t *s, const zone_t *zone, gw_journal_entry_t **out, char *why,
                         size_t why_len)
{
	merge_t m = {.zone = zone, .node = zone_first(zone)};
	gw_journal_rref_t *a = NULL, *b = NULL;

	while (m.node != NULL && m.node->rrset_count == 0)
		m.node = zone_next(zone, m.node);
	int ret = gw_jscan_walk(s, merge_rrset, &m, why, why_len);
	while (ret == GW_OK && m.node != NULL) {
		ret = put_all(&m.added, m.node->owner, &m.node->rrsets[m.i]);
		merge_step(&m);
	}
	if (ret != GW_OK)
		goto out;
	a = refs_of(&m.removed);
	b = refs_of(&m.added);
	if (a == NULL || b == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	ret = make_entry(out, a, m.removed.n, b, m.added.n, s->apex);
out:
	free(a);
	free(b);
	rrbuf_free(&m.removed);
	rrbuf_free(&m.added);
	return ret;
}

int gw_journal_load_fd(gw_journal_t *j, const zone_t *zone, int fd, size_t win, uint64_t *torn)
{
	gw_jscan_t s = {.path = j->path};
	gw_journal_entry_t *e = NULL;
	char why[200] = "";
	uint32_t serial = 0;

	int ret = gw_jscan_read(&s, fd, j->apex, win, why, sizeof(why));
	*torn = s.torn;
	if (ret != GW_OK)
		goto out;
	ret = zone_serial(zone, &serial);
	if (ret != GW_OK)
		goto out;
	ret = GW_ESEMANTIC;
	if (serial != s.last && zone_serial_cmp(serial, s.last) != 1) {
		snprintf(why, sizeof(why), "it ends at serial %u, not before the zone's %u", s.last,
		         serial);
		goto out;
	}
	/* The change from the last zone served to this one... */
	if (serial != s.last) {
		ret = restart_entry(&s, zone, &e, why, sizeof(why));
		if (ret == GW_OK && (e->from != s.last || e->to != serial))
			ret = GW_ESEMANTIC;
		if (ret != GW_OK) {
			if (why[0] == '\0')
				snprintf(why, sizeof(why),
				         "the zone at serial %u cannot be rebuilt from it", s.last);
			goto out;
		}
		gw_info("journal: restart diff %u -> %u: %u RRs removed, %u added", s.last, serial,
		        e->removed, e->added);
	}
	/* ...after the entries as they were. */
	for (size_t i = 0; i < s.n; i++) {
		gw_journal_entry_t *old = s.recs[i];
		s.recs[i] = NULL; /* the journal's now, or put on error */
		ret = gw_journal_push(j, old);
		if (ret != GW_OK)
			goto out;
	}
	if (e != NULL) {
		ret = gw_journal_push(j, e);
		e = NULL;
		if (ret != GW_OK)
			goto out;
	} else {
		j->have_serial = true;
		j->serial = s.last;
	}
	gw_journal_trim(j);
	gw_info("journal: %zu diffs from %s, IXFR from serial %u on", j->count, j->path,
	        j->count > 0 ? j->entries[0]->from : serial);
	ret = GW_OK;
out:
	if (ret != GW_OK) {
		gw_journal_drop_entries(j);
		j->have_serial = false;
		if (ret == GW_ENOMEM)
			snprintf(why, sizeof(why), "out of memory");
		else if (why[0] == '\0')
			snprintf(why, sizeof(why), "cannot read it: %s", gw_strerror(ret));
		gw_warn("journal: %s discarded: %s; secondaries get AXFR once", j->path, why);
	}
	gw_journal_entry_put(e);
	gw_jscan_deinit(&s);
	return ret == GW_ENOMEM ? ret : GW_OK;
}

int gw_journal_file_load(gw_journal_t *j, const zone_t *zone)
{
	char why[200] = "";
	uint64_t torn = 0;
	int fd = -1;

	int ret = gw_journal_path_open(&j->opts, j->path, &fd, why, sizeof(why));
	if (ret == -ENOENT)
		return GW_OK;
	if (ret != GW_OK) {
		gw_warn("journal: %s discarded: %s; secondaries get AXFR once", j->path,
		        why[0] != '\0' ? why : gw_strerror(ret));
		return GW_OK;
	}
	ret = gw_journal_load_fd(j, zone, fd, GW_JWIN_SIZE, &torn);
	gw_journal_cut(j->path, torn, fd);
	close(fd);
	return ret;
}
