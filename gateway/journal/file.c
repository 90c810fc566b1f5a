/* The journal's file, <state>/journal: the format, and reading it at
 * start (the zone served last, and the one more entry that connects it to
 * the zone built at start). write.c writes it (a snapshot when
 * rewritten, entries appended).
 *
 * Format: a header (magic, version, apex), then records [length][CRC-32]
 * [payload]: a snapshot of the whole zone (written when the file is
 * rewritten) and entries appended after it, each with fdatasync. A record
 * cut short by a crash is found by its length or CRC and truncated. */
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

static int rrbuf_put(rrbuf_t *b, const zone_node_t *node, uint16_t type, uint32_t ttl,
                     const uint8_t *rdata, uint16_t rdlen)
{
	size_t len = node->owner_len + DNS_RR_FIXED_LEN + rdlen;
	int ret = rrbuf_reserve(b, len);
	if (ret != GW_OK)
		return ret;
	zone_rr_to_wire(b->data + b->len, node->owner, node->owner_len, type, ttl, rdata, rdlen);
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
typedef struct rref {
	const uint8_t *p;
	size_t len;
} rref_t;

static int rref_cmp(const void *va, const void *vb)
{
	const rref_t *a = va;
	const rref_t *b = vb;
	return gw_octets_cmp(a->p, a->len, b->p, b->len);
}

static rref_t *refs_of(const rrbuf_t *b)
{
	rref_t *r = malloc((b->n > 0 ? b->n : 1) * sizeof(*r));
	if (r == NULL)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		r[i].p = rrbuf_rr(b, i, &r[i].len);
	qsort(r, b->n, sizeof(*r), rref_cmp);
	return r;
}

static bool is_apex_soa(const rref_t *r, const uint8_t *apex)
{
	return gw_journal_rr_type(r->p) == DNS_T_SOA && zone_name_equal(r->p, apex) &&
	       r->len >= (size_t)zone_name_len(r->p, r->len) + DNS_RR_FIXED_LEN + 22;
}

/* Copy to data + o the RRs of a that b lacks (both sorted), but skip;
 * the offset after them. */
static size_t put_only_in(uint8_t *data, size_t o, const rref_t *a, size_t na, const rref_t *b,
                          size_t nb, const rref_t *skip)
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
static int make_entry(gw_journal_entry_t **out, const rref_t *a, size_t na, const rref_t *b,
                      size_t nb, const uint8_t *apex)
{
	size_t size = 0, removed = 0, added = 0;
	const rref_t *soa_a = NULL, *soa_b = NULL;
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

/* ---- reading the file at start ------------------------------------------ */

/* A set of wire RRs (pointers into buffers that outlive it), open
 * addressing. */
#define TOMB ((const uint8_t *)1)

typedef struct rrset_hash {
	const uint8_t **slots;
	size_t *lens;
	size_t cap, n, used;
} rrhash_t;

static uint64_t hash_of(const uint8_t *p, size_t len)
{
	return gw_fnv64(GW_FNV64_INIT, p, len);
}

static int rrhash_grow(rrhash_t *h)
{
	size_t cap = h->cap ? h->cap * 2 : 1024;
	const uint8_t **slots = calloc(cap, sizeof(*slots));
	size_t *lens = calloc(cap, sizeof(*lens));
	if (slots == NULL || lens == NULL) {
		free(slots);
		free(lens);
		return GW_ENOMEM;
	}
	for (size_t i = 0; i < h->cap; i++) {
		if (h->slots[i] == NULL || h->slots[i] == TOMB)
			continue;
		size_t k = hash_of(h->slots[i], h->lens[i]) & (cap - 1);
		while (slots[k] != NULL)
			k = (k + 1) & (cap - 1);
		slots[k] = h->slots[i];
		lens[k] = h->lens[i];
	}
	free(h->slots);
	free(h->lens);
	h->slots = slots;
	h->lens = lens;
	h->cap = cap;
	h->used = h->n;
	return GW_OK;
}

/* Slot of (p, len), or of the first free slot when absent. */
static size_t rrhash_slot(const rrhash_t *h, const uint8_t *p, size_t len, bool *found)
{
	size_t k = hash_of(p, len) & (h->cap - 1);
	size_t free_slot = SIZE_MAX;
	for (;;) {
		const uint8_t *s = h->slots[k];
		if (s == NULL)
			break;
		if (s == TOMB) {
			if (free_slot == SIZE_MAX)
				free_slot = k;
		} else if (h->lens[k] == len && memcmp(s, p, len) == 0) {
			*found = true;
			return k;
		}
		k = (k + 1) & (h->cap - 1);
	}
	*found = false;
	return free_slot != SIZE_MAX ? free_slot : k;
}

/* Add (GW_EEXIST when present) or remove (GW_ENOTFOUND when absent). */
static int rrhash_add(rrhash_t *h, const uint8_t *p, size_t len)
{
	bool found;
	if ((h->used + 1) * 2 > h->cap && rrhash_grow(h) != GW_OK)
		return GW_ENOMEM;
	size_t k = rrhash_slot(h, p, len, &found);
	if (found)
		return GW_EEXIST;
	if (h->slots[k] == NULL)
		h->used++;
	h->slots[k] = p;
	h->lens[k] = len;
	h->n++;
	return GW_OK;
}

static int rrhash_remove(rrhash_t *h, const uint8_t *p, size_t len)
{
	bool found;
	if (h->cap == 0)
		return GW_ENOTFOUND;
	size_t k = rrhash_slot(h, p, len, &found);
	if (!found)
		return GW_ENOTFOUND;
	h->slots[k] = TOMB;
	h->n--;
	return GW_OK;
}

/* A record of the file, pointing into its buffer. */
typedef struct rec {
	uint8_t kind;
	uint32_t from, to; /* an entry; a snapshot's serial is in to */
	uint32_t removed, added, count;
	const uint8_t *rrs;
	size_t size;
} rec_t;

/* Check that size octets at p hold exactly n RRs. */
static bool rrs_valid(const uint8_t *p, size_t size, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = gw_journal_rr_len(p + o, size - o);
		if (l == 0)
			return false;
		o += l;
	}
	return o == size;
}

static bool parse_record(const uint8_t *p, size_t len, rec_t *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 1)
		return false;
	r->kind = p[0];
	if (r->kind == REC_ENTRY && len >= ENTRY_HEAD) {
		r->from = gw_journal_get32(p + 1);
		r->to = gw_journal_get32(p + 5);
		r->removed = gw_journal_get32(p + 9);
		r->added = gw_journal_get32(p + 13);
		r->rrs = p + ENTRY_HEAD;
		r->size = len - ENTRY_HEAD;
		return r->removed >= 1 && r->added >= 1 &&
		       rrs_valid(r->rrs, r->size, (size_t)r->removed + r->added);
	}
	if (r->kind == REC_SNAPSHOT && len >= SNAP_HEAD) {
		r->to = gw_journal_get32(p + 1);
		r->count = gw_journal_get32(p + 5);
		r->rrs = p + SNAP_HEAD;
		r->size = len - SNAP_HEAD;
		return rrs_valid(r->rrs, r->size, r->count);
	}
	return false;
}

/* A journal file larger than this is not one the daemon wrote: the file
 * holds a snapshot of the zone and the entries appended since it was
 * last rewritten, which it is as soon as they exceed twice
 * transfer.journal-size (journal.c, keep()), each entry being at most
 * journal-size; four times journal-size bounds them. The snapshot is
 * bounded by the zone, which is far below JOURNAL_SNAPSHOT_MAX for any
 * DNS-SD zone (a million RRs of 1 kB). Refusing a larger file keeps a
 * damaged or foreign file from being read whole into memory at start. */
#define JOURNAL_SNAPSHOT_MAX (1024ULL * 1024 * 1024)

static uint64_t file_max(const gw_journal_opts_t *opts)
{
	uint64_t entries = opts->max_size > UINT64_MAX / 8 ? UINT64_MAX / 2 : 4 * opts->max_size;
	return entries + JOURNAL_SNAPSHOT_MAX;
}

/* The whole file into *out (caller frees), *len octets. GW_OK, -errno,
 * GW_ENOMEM, or GW_ELIMIT when it is larger than max (why says so). */
static int read_whole(const char *path, uint64_t max, uint8_t **out, size_t *len, char *why,
                      size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int ret = GW_OK;
	uint8_t *buf = NULL;
	if (fstat(fd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size > max || (uint64_t)st.st_size > SIZE_MAX) {
		snprintf(why, why_len,
		         "it is %lld octets, more than the %llu a journal of this "
		         "transfer.journal-size can reach",
		         (long long)st.st_size, (unsigned long long)max);
		ret = GW_ELIMIT;
		goto out;
	}
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			ret = k < 0 ? -errno : GW_EIO;
			goto out;
		}
		got += (size_t)k;
	}
	*out = buf;
	*len = got;
	buf = NULL;
out:
	if (ret != GW_OK && ret != -ENOENT && why[0] == '\0')
		snprintf(why, why_len, "cannot read it: %s", gw_strerror(ret));
	free(buf);
	close(fd);
	return ret;
}

/* Cut the damaged tail parse_file() found at torn off the file. */
static void cut_file(const gw_journal_t *j, size_t torn, size_t len)
{
	if (torn < len && truncate(j->path, (off_t)torn) != 0)
		gw_warn("journal: cannot truncate %s: %s", j->path, strerror(errno));
}

static gw_journal_entry_t *entry_from_rec(const rec_t *r)
{
	gw_journal_entry_t *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->data = malloc(r->size > 0 ? r->size : 1);
	if (e->data == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->data, r->rrs, r->size);
	e->refs = 1;
	e->from = r->from;
	e->to = r->to;
	e->removed = r->removed;
	e->added = r->added;
	e->size = r->size;
	return e;
}

/* Apply the RRs of an entry record to the set: removals then additions.
 * False when the set does not hold what is removed (or already holds what
 * is added): the entry does not follow the state. */
static int apply_rec(rrhash_t *h, const rec_t *r)
{
	size_t o = 0;
	for (uint32_t i = 0; i < r->removed + r->added; i++) {
		size_t l = gw_journal_rr_len(r->rrs + o, r->size - o);
		int ret =
		    i < r->removed ? rrhash_remove(h, r->rrs + o, l) : rrhash_add(h, r->rrs + o, l);
		if (ret != GW_OK)
			return ret;
		o += l;
	}
	return GW_OK;
}

/* The apex SOA at serial, as the RR at p (size octets). */
static bool soa_at(const uint8_t *p, size_t size, const uint8_t *apex, uint32_t serial)
{
	rref_t r = {.p = p, .len = gw_journal_rr_len(p, size)};
	return r.len > 0 && is_apex_soa(&r, apex) && gw_journal_soa_serial(r.p, r.len) == serial;
}

/* A snapshot holds the apex SOA of its serial; an entry opens each side
 * with the apex SOA of its serial, as IXFR sends it. A record the CRC
 * passes may still not be one the daemon wrote (another version, a
 * hand-made file): the serials alone are not trusted. */
static bool rec_soas_valid(const rec_t *r, const uint8_t *apex)
{
	size_t o = 0;
	if (r->kind == REC_SNAPSHOT) {
		for (uint32_t i = 0; i < r->count; i++) {
			if (soa_at(r->rrs + o, r->size - o, apex, r->to))
				return true;
			o += gw_journal_rr_len(r->rrs + o, r->size - o);
		}
		return false;
	}
	if (!soa_at(r->rrs, r->size, apex, r->from))
		return false;
	for (uint32_t i = 0; i < r->removed; i++)
		o += gw_journal_rr_len(r->rrs + o, r->size - o);
	return soa_at(r->rrs + o, r->size - o, apex, r->to);
}

/* The records of the file, entries and the last snapshot; a torn tail is
 * cut off the file. why gets the reason when the file cannot be used. */
static int parse_file(gw_journal_t *j, const uint8_t *buf, size_t len, rec_t **recs_out,
                      size_t *nrecs, rec_t *snap, bool *have_snap, size_t *torn, char *why,
                      size_t why_len)
{
	size_t alen = (size_t)zone_name_len(j->apex, ZONE_NAME_MAXLEN);
	rec_t *recs = NULL;
	size_t n = 0, cap = 0;

	*have_snap = false;
	*torn = len;
	if (len < 13 || memcmp(buf, FILE_MAGIC, 8) != 0 ||
	    gw_journal_get32(buf + 8) != FILE_VERSION) {
		snprintf(why, why_len, "not a journal of this version");
		return GW_EPARSE;
	}
	/* The apex is walked within the length the header declares: a name
	 * that runs past it is not ours, whatever follows. */
	if (buf[12] != alen || len < 13 + alen || zone_name_len(buf + 13, alen) != (int)alen ||
	    !zone_name_equal(buf + 13, j->apex)) {
		snprintf(why, why_len, "the journal of another zone");
		return GW_EPARSE;
	}
	size_t pos = 13 + alen;
	while (pos < len) {
		rec_t r;
		size_t plen = len - pos >= REC_HEAD ? gw_journal_get32(buf + pos) : SIZE_MAX;
		if (plen == SIZE_MAX || plen > len - pos - REC_HEAD ||
		    gw_journal_crc32(0, buf + pos + REC_HEAD, plen) !=
		        gw_journal_get32(buf + pos + 4) ||
		    !parse_record(buf + pos + REC_HEAD, plen, &r)) {
			gw_notice("journal: %s: the record at offset %zu is incomplete or damaged "
			          "(a crash while it was written?); cut off",
			          j->path, pos);
			*torn = pos;
			break;
		}
		pos += REC_HEAD + plen;
		if (r.kind == REC_SNAPSHOT) {
			*snap = r;
			*have_snap = true;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			rec_t *grown = realloc(recs, cap * sizeof(*grown));
			if (grown == NULL) {
				free(recs);
				return GW_ENOMEM;
			}
			recs = grown;
		}
		recs[n++] = r;
	}
	*recs_out = recs;
	*nrecs = n;
	return GW_OK;
}

/* What the file (len octets at buf) says was served last: its records
 * (*recs, pointing into buf) and the zone they lead to, as a set of wire
 * RRs (*h), at serial *last; *torn as parse_file() gives it. GW_OK;
 * GW_ENOMEM; another error with the reason in why. The caller frees
 * *recs and h's arrays, also on error. */
static int last_served(gw_journal_t *j, const uint8_t *buf, size_t len, rec_t **recs, size_t *nrecs,
                       rrhash_t *h, uint32_t *last, size_t *torn, char *why, size_t why_len)
{
	rec_t snap = {0};
	bool have_snap = false;
	size_t n = 0;

	int ret = parse_file(j, buf, len, recs, nrecs, &snap, &have_snap, torn, why, why_len);
	if (ret != GW_OK)
		return ret;
	n = *nrecs;
	if (!have_snap) {
		snprintf(why, why_len, "it has no snapshot of the zone");
		return GW_ESEMANTIC;
	}
	if (!rec_soas_valid(&snap, j->apex)) {
		snprintf(why, why_len, "its snapshot lacks the SOA of serial %u", snap.to);
		return GW_ESEMANTIC;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rec_soas_valid(&(*recs)[i], j->apex)) {
			snprintf(why, why_len, "the diff %u -> %u does not open with their SOAs",
			         (*recs)[i].from, (*recs)[i].to);
			return GW_ESEMANTIC;
		}
	}
	for (size_t i = 1; i < n; i++) {
		if ((*recs)[i - 1].to != (*recs)[i].from) {
			snprintf(why, why_len, "its diffs do not follow each other (%u, then %u)",
			         (*recs)[i - 1].to, (*recs)[i].from);
			return GW_ESEMANTIC;
		}
	}
	/* The last zone served: the snapshot and the diffs after it. */
	size_t k = 0;
	while (k < n && (*recs)[k].from != snap.to)
		k++;
	if (k == n && n > 0 && (*recs)[n - 1].to != snap.to) {
		snprintf(why, why_len, "its diffs do not reach its snapshot (serial %u)", snap.to);
		return GW_ESEMANTIC;
	}
	size_t o = 0;
	for (uint32_t i = 0; i < snap.count; i++) {
		size_t l = gw_journal_rr_len(snap.rrs + o, snap.size - o);
		if (rrhash_add(h, snap.rrs + o, l) == GW_ENOMEM)
			return GW_ENOMEM;
		o += l;
	}
	for (size_t i = k; i < n; i++) {
		int r = apply_rec(h, &(*recs)[i]);
		if (r != GW_OK) {
			snprintf(why, why_len, "the diff %u -> %u does not apply to its snapshot",
			         (*recs)[i].from, (*recs)[i].to);
			return r == GW_ENOMEM ? r : GW_ESEMANTIC;
		}
	}
	*last = n > 0 ? (*recs)[n - 1].to : snap.to;
	return GW_OK;
}

/* Splitting the zone's RRs against the set of those served last. */
typedef struct split {
	rrhash_t *served;
	rrbuf_t *added;
	uint8_t *wire; /* room for one RR */
} split_t;

static int split_rr(void *ctx, const zone_node_t *node, uint16_t type, uint32_t ttl,
                    const uint8_t *rdata, uint16_t rdlen)
{
	split_t *sp = ctx;
	size_t len =
	    zone_rr_to_wire(sp->wire, node->owner, node->owner_len, type, ttl, rdata, rdlen);

	if (rrhash_remove(sp->served, sp->wire, len) == GW_OK)
		return GW_OK;
	return rrbuf_put(sp->added, node, type, ttl, rdata, rdlen);
}

/* Take every RR of zone that served holds out of it, and put the others
 * into added: served keeps what was removed, added what is new. Only the
 * difference is copied, not the whole zone as a second list (at 100 000
 * services that list and its sorted index were the restart's peak). */
static int not_served(rrhash_t *served, const zone_t *zone, rrbuf_t *added)
{
	split_t sp = {.served = served, .added = added};
	int ret = GW_OK;

	sp.wire = malloc(ZONE_NAME_MAXLEN + DNS_RR_FIXED_LEN + UINT16_MAX);
	if (sp.wire == NULL)
		return GW_ENOMEM;
	for (const zone_node_t *n = zone_first(zone); n != NULL && ret == GW_OK;
	     n = zone_next(zone, n))
		ret = gw_journal_each_rr(n, split_rr, &sp);
	free(sp.wire);
	return ret;
}

int gw_journal_load_buf(gw_journal_t *j, const zone_t *zone, const uint8_t *buf, size_t len,
                        size_t *torn)
{
	rec_t *recs = NULL;
	size_t n = 0;
	rrhash_t h = {0};
	rrbuf_t now = {0};
	rref_t *a = NULL, *b = NULL;
	gw_journal_entry_t *e = NULL;
	char why[160] = "";
	uint32_t serial = 0;
	uint32_t last = 0;

	int ret = last_served(j, buf, len, &recs, &n, &h, &last, torn, why, sizeof(why));
	if (ret != GW_OK)
		goto out;
	ret = zone_serial(zone, &serial);
	if (ret != GW_OK)
		goto out;
	ret = GW_ESEMANTIC;
	if (serial != last && zone_serial_cmp(serial, last) != 1) {
		snprintf(why, sizeof(why), "it ends at serial %u, not before the zone's %u", last,
		         serial);
		goto out;
	}
	/* The entries as they were... */
	for (size_t i = 0; i < n; i++) {
		gw_journal_entry_t *old = entry_from_rec(&recs[i]);
		if (old == NULL || gw_journal_push(j, old) != GW_OK) {
			ret = GW_ENOMEM;
			goto out;
		}
	}
	/* ...and the change from the last zone served to this one. */
	if (serial != last) {
		ret = not_served(&h, zone, &now);
		if (ret != GW_OK)
			goto out;
		size_t na = 0;
		a = malloc((h.n > 0 ? h.n : 1) * sizeof(*a));
		b = refs_of(&now);
		if (a == NULL || b == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < h.cap; i++) {
			if (h.slots[i] != NULL && h.slots[i] != TOMB)
				a[na++] = (rref_t){.p = h.slots[i], .len = h.lens[i]};
		}
		qsort(a, na, sizeof(*a), rref_cmp);
		ret = make_entry(&e, a, na, b, now.n, j->apex);
		if (ret != GW_OK || e->from != last || e->to != serial) {
			if (ret == GW_OK)
				ret = GW_ESEMANTIC;
			snprintf(why, sizeof(why),
			         "the zone at serial %u cannot be rebuilt from it", last);
			goto out;
		}
		gw_info("journal: restart diff %u -> %u: %u RRs removed, %u added", last, serial,
		        e->removed, e->added);
		ret = gw_journal_push(j, e);
		e = NULL;
		if (ret != GW_OK)
			goto out;
	} else {
		j->have_serial = true;
		j->serial = last;
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
		gw_warn("journal: %s discarded: %s; secondaries get AXFR once", j->path, why);
	}
	gw_journal_entry_put(e);
	free(a);
	free(b);
	rrbuf_free(&now);
	free(h.slots);
	free(h.lens);
	free(recs);
	return ret == GW_ENOMEM ? ret : GW_OK;
}

/* Read the file and connect it to zone: the entries it holds plus the
 * difference from the last state it describes to zone. */
int gw_journal_file_load(gw_journal_t *j, const zone_t *zone)
{
	uint8_t *buf = NULL;
	size_t len = 0, torn = 0;
	char why[160] = "";

	int ret = read_whole(j->path, file_max(&j->opts), &buf, &len, why, sizeof(why));
	if (ret == -ENOENT)
		return GW_OK;
	if (ret != GW_OK) {
		gw_warn("journal: %s discarded: %s; secondaries get AXFR once", j->path, why);
		return ret == GW_ENOMEM ? ret : GW_OK;
	}
	ret = gw_journal_load_buf(j, zone, buf, len, &torn);
	cut_file(j, torn, len);
	free(buf);
	return ret;
}

int gw_journal_rebuild(gw_journal_t *j, const uint8_t *buf, size_t len, zone_t **out, size_t *torn,
                       char *why, size_t why_len)
{
	rec_t *recs = NULL;
	size_t n = 0;
	rrhash_t h = {0};
	uint32_t last = 0;
	zone_t *zone = NULL;

	*out = NULL;
	int ret = last_served(j, buf, len, &recs, &n, &h, &last, torn, why, why_len);
	if (ret != GW_OK)
		goto out;
	/* The RRs of the last serial straight from the file's wire form into
	 * the zone: through ldns, the whole signed zone would be parsed into
	 * objects, several times the zone's size at the start's peak. */
	size_t count = 0;
	for (size_t i = 0; i < h.cap; i++) {
		if (h.slots[i] == NULL || h.slots[i] == TOMB)
			continue;
		h.slots[count] = h.slots[i];
		h.lens[count++] = h.lens[i];
	}
	ret = zone_new(&zone, j->apex);
	if (ret == GW_OK)
		ret = zone_add_wire(zone, h.slots, h.lens, count);
	if (ret == GW_EMALFORMED)
		snprintf(why, why_len, "an RR of serial %u does not parse", last);
	if (ret != GW_OK)
		goto out;
	/* What the RRs add up to must be a zone served at that serial: a
	 * crafted file can remove the SOA or leave another (found by
	 * fuzz_journal). */
	uint32_t soa_serial = 0;
	if (zone_serial(zone, &soa_serial) != GW_OK || soa_serial != last) {
		snprintf(why, why_len, "serial %u leaves no SOA of that serial at the apex", last);
		ret = GW_EMALFORMED;
		goto out;
	}
	*out = zone;
	zone = NULL;
out:
	zone_free(zone);
	free(h.slots);
	free(h.lens);
	free(recs);
	return ret;
}

int gw_journal_read_last(const gw_journal_opts_t *opts, const uint8_t *apex, zone_t **out)
{
	gw_journal_t j = {.fd = -1, .opts = *opts};
	uint8_t *buf = NULL;
	size_t len = 0, torn = 0;
	char why[160] = "";
	int ret;

	*out = NULL;
	if (opts->state_dir == NULL || opts->max_entries == 0)
		return GW_ENOTFOUND;
	size_t plen = strlen(opts->state_dir) + sizeof("/journal");
	j.path = malloc(plen);
	if (j.path == NULL)
		return GW_ENOMEM;
	snprintf(j.path, plen, "%s/journal", opts->state_dir);
	zone_name_lower(j.apex, apex);
	ret = read_whole(j.path, file_max(opts), &buf, &len, why, sizeof(why));
	if (ret == -ENOENT) {
		ret = GW_ENOTFOUND;
		goto out;
	}
	if (ret == GW_OK) {
		ret = gw_journal_rebuild(&j, buf, len, out, &torn, why, sizeof(why));
		cut_file(&j, torn, len);
	}
out:
	if (ret != GW_OK && ret != GW_ENOTFOUND)
		gw_info("journal: %s gives no earlier signatures (%s)", j.path,
		        why[0] != '\0' ? why : gw_strerror(ret));
	free(buf);
	free(j.path);
	return ret;
}
