/* The zone served last, walked from <state>/journal without building it:
 * the snapshot's RRs as the window (window.c) reads them, with what the
 * diffs after it (a restart after kill -9) removed left out and what they
 * added merged in, in canonical order, handed out one RRset at a time
 * with its RRSIGs. The restart takes the earlier signatures over
 * (gw_journal_each_last()) and connects the journal to the zone built at
 * start (file.c) from that walk; neither keeps a second copy of the zone.
 *
 * The order is the snapshot's: owners in canonical order, within an owner
 * by type, each RRset's RRSIGs right after it (scan.c refuses a snapshot
 * out of that order). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ldns/util.h>

#include "common/array.h"
#include "common/error.h"
#include "common/file.h"
#include "common/htab.h"
#include "common/sorted.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

uint16_t gw_journal_rrsig_covers(const uint8_t *rr)
{
	int n = zone_name_len(rr, ZONE_NAME_MAXLEN);
	size_t rdlen = (size_t)rr[n + 8] << 8 | rr[n + 9];
	return rdlen >= 2 ? (uint16_t)(rr[n + 10] << 8 | rr[n + 11]) : 0;
}

/* ---- a set of wire RRs (pointers into the entries), open addressing ---- */

#define TOMB ((const uint8_t *)1)

typedef struct rrhash {
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
	size_t cap = h->cap ? h->cap * 2 : 64;
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
	*found = false;
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
	return free_slot != SIZE_MAX ? free_slot : k;
}

static bool rrhash_has(const rrhash_t *h, const uint8_t *p, size_t len)
{
	bool found = false;
	if (h->n > 0)
		(void)rrhash_slot(h, p, len, &found);
	return found;
}

/* Add (GW_EEXIST when present). */
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

/* Remove; false when absent. */
static bool rrhash_remove(rrhash_t *h, const uint8_t *p, size_t len)
{
	bool found = false;
	if (h->n == 0)
		return false;
	size_t k = rrhash_slot(h, p, len, &found);
	if (found) {
		h->slots[k] = TOMB;
		h->n--;
	}
	return found;
}

static void rrhash_free(rrhash_t *h)
{
	free(h->slots);
	free(h->lens);
}

/* ---- what the diffs after the snapshot changed ------------------------- */

typedef struct delta {
	rrhash_t removed, added;  /* net: nothing in both */
	gw_journal_rref_t *order; /* added, in the walk's order */
	size_t norder;
} delta_t;

static int rref_order(const void *va, const void *vb)
{
	const gw_journal_rref_t *a = va, *b = vb;
	int c = gw_journal_rr_order(a->p, b->p);
	return c != 0 ? c : gw_octets_cmp(a->p, a->len, b->p, b->len);
}

/* The net change of the entries after the snapshot. GW_ESEMANTIC when
 * one removes what is not there or adds what is (the next check, against
 * the snapshot, is the walk's). */
static int delta_build(delta_t *d, const gw_jscan_t *s)
{
	for (size_t i = s->after; i < s->n; i++) {
		const gw_journal_entry_t *e = s->recs[i];
		size_t o = 0;
		for (uint32_t k = 0; k < e->removed + e->added; k++) {
			const uint8_t *p = e->data + o;
			size_t l = gw_journal_rr_len(p, e->size - o);
			bool add = k >= e->removed;
			int ret = GW_OK;
			o += l;
			if (rrhash_remove(add ? &d->removed : &d->added, p, l))
				continue;
			ret = rrhash_add(add ? &d->added : &d->removed, p, l);
			if (ret != GW_OK)
				return ret == GW_EEXIST ? GW_ESEMANTIC : ret;
		}
	}
	d->order = malloc((d->added.n > 0 ? d->added.n : 1) * sizeof(*d->order));
	if (d->order == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < d->added.cap; i++) {
		if (d->added.slots[i] != NULL && d->added.slots[i] != TOMB)
			d->order[d->norder++] =
			    (gw_journal_rref_t){.p = d->added.slots[i], .len = d->added.lens[i]};
	}
	qsort(d->order, d->norder, sizeof(*d->order), rref_order);
	return GW_OK;
}

static void delta_free(delta_t *d)
{
	rrhash_free(&d->removed);
	rrhash_free(&d->added);
	free(d->order);
}

/* ---- RRs grouped into RRsets ------------------------------------------- */

typedef struct group {
	gw_journal_rrset_fn fn; /* NULL: check only */
	void *ctx;
	bool open, mixed;
	uint8_t owner[ZONE_NAME_MAXLEN];
	zone_rrset_t rs;
	uint32_t rcap, scap;
} group_t;

static int group_flush(group_t *g)
{
	int ret = GW_OK;
	if (!g->open)
		return GW_OK;
	g->open = false;
	/* The daemon writes RRSIGs after their RRset, with its TTL: anything
	 * else is not a zone it served. */
	if (g->rs.count == 0 || g->mixed)
		ret = GW_ESEMANTIC;
	else if (g->fn != NULL)
		ret = g->fn(g->ctx, g->owner, &g->rs);
	g->rs.count = g->rs.sig_count = 0;
	g->rs.rdata_len = g->rs.sigs_len = 0;
	g->mixed = false;
	return ret;
}

static int put_rdata(uint8_t **buf, uint32_t *len, uint32_t *cap, const uint8_t *rd, size_t n)
{
	/* No RRset of a zone comes near this; a crafted file might. */
	if (*len > UINT32_MAX / 2 - 2 - n)
		return GW_ESEMANTIC;
	if (*len + 2 + n > *cap) {
		uint32_t want = *len + 2 + (uint32_t)n;
		uint32_t grown = *cap ? *cap : 256;
		while (grown < want)
			grown *= 2;
		uint8_t *p = realloc(*buf, grown);
		if (p == NULL)
			return GW_ENOMEM;
		*buf = p;
		*cap = grown;
	}
	(*buf)[*len] = (uint8_t)(n >> 8);
	(*buf)[*len + 1] = (uint8_t)n;
	memcpy(*buf + *len + 2, rd, n);
	*len += 2 + (uint32_t)n;
	return GW_OK;
}

static int group_feed(group_t *g, const uint8_t *rr, size_t len)
{
	int n = zone_name_len(rr, len);
	uint16_t type = gw_journal_rr_type(rr);
	bool sig = type == DNS_T_RRSIG;
	uint16_t covers = sig ? gw_journal_rrsig_covers(rr) : type;
	uint32_t ttl = ldns_read_uint32(rr + n + 4);
	const uint8_t *rd = rr + n + DNS_RR_FIXED_LEN;
	size_t rdlen = len - (size_t)n - DNS_RR_FIXED_LEN;

	if (g->open && (g->rs.type != covers || zone_name_cmp(g->owner, rr) != 0 ||
	                (!sig && g->rs.sig_count > 0))) {
		int ret = group_flush(g);
		if (ret != GW_OK)
			return ret;
	}
	if (!g->open) {
		g->open = true;
		memcpy(g->owner, rr, (size_t)n);
		g->rs.type = covers;
		g->rs.ttl = ttl;
	}
	if ((sig ? g->rs.sig_count : g->rs.count) == UINT16_MAX)
		return GW_ESEMANTIC; /* more RRs than an RRset holds */
	if (ttl != g->rs.ttl)
		g->mixed = true;
	if (sig) {
		g->rs.sig_count++;
		return put_rdata(&g->rs.sigs, &g->rs.sigs_len, &g->scap, rd, rdlen);
	}
	g->rs.count++;
	return put_rdata(&g->rs.rdata, &g->rs.rdata_len, &g->rcap, rd, rdlen);
}

/* ---- the walk ----------------------------------------------------------- */

/* One pass over the snapshot merged with d; fn NULL checks only. */
static int walk(gw_jscan_t *s, const delta_t *d, gw_journal_rrset_fn fn, void *ctx)
{
	group_t g = {.fn = fn, .ctx = ctx};
	uint64_t pos = s->snap_off;
	size_t next = 0, hits = 0;
	int ret = GW_OK;

	for (uint32_t i = 0; i < s->snap_count && ret == GW_OK; i++) {
		const uint8_t *p;
		size_t len;
		ret = gw_jwin_rr(&s->win, pos, s->snap_end, &p, &len);
		if (ret != GW_OK)
			break;
		pos += len;
		while (ret == GW_OK && next < d->norder &&
		       gw_journal_rr_order(d->order[next].p, p) < 0) {
			ret = group_feed(&g, d->order[next].p, d->order[next].len);
			next++;
		}
		if (ret != GW_OK)
			break;
		if (rrhash_has(&d->removed, p, len)) {
			hits++;
			continue;
		}
		if (rrhash_has(&d->added, p, len)) {
			ret = GW_ESEMANTIC;
			break;
		}
		/* p points into the window: the group copies what it keeps. */
		ret = group_feed(&g, p, len);
	}
	for (; ret == GW_OK && next < d->norder; next++)
		ret = group_feed(&g, d->order[next].p, d->order[next].len);
	if (ret == GW_OK)
		ret = group_flush(&g);
	if (ret == GW_OK && hits != d->removed.n)
		ret = GW_ESEMANTIC;
	free(g.rs.rdata);
	free(g.rs.sigs);
	return ret;
}

int gw_jscan_walk(gw_jscan_t *s, gw_journal_rrset_fn fn, void *ctx, char *why, size_t why_len)
{
	delta_t d = {0};
	int ret = delta_build(&d, s);

	/* With diffs after the snapshot, a first pass checks that they apply
	 * before fn sees anything. */
	if (ret == GW_OK && s->after < s->n)
		ret = walk(s, &d, NULL, NULL);
	if (ret == GW_OK)
		ret = walk(s, &d, fn, ctx);
	if (ret == GW_ESEMANTIC)
		snprintf(why, why_len,
		         "its snapshot (serial %u) and the diffs after it do not make a zone",
		         s->snap_serial);
	delta_free(&d);
	return ret;
}

int gw_journal_last_fd(int fd, const uint8_t *apex, size_t win, gw_journal_rrset_fn fn, void *ctx,
                       uint64_t *torn, char *why, size_t why_len)
{
	gw_jscan_t s = {.path = "journal"};
	int ret = gw_jscan_read(&s, fd, apex, win, why, why_len);
	*torn = s.torn;
	if (ret == GW_OK)
		ret = gw_jscan_walk(&s, fn, ctx, why, why_len);
	gw_jscan_deinit(&s);
	return ret;
}

/* ---- <state>/journal ---------------------------------------------------- */

int gw_journal_path_open(const gw_journal_opts_t *opts, const char *path, int *fd, char *why,
                         size_t why_len)
{
	struct stat st;
	uint64_t max = gw_journal_file_max(opts);

	int ret = gw_file_open_regular(path, 0, fd, &st);
	if (ret != GW_OK) {
		*fd = -1;
		return ret;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(why, why_len,
		         "it is %lld octets, more than the %llu a journal of this "
		         "transfer.journal-size can reach",
		         (long long)st.st_size, (unsigned long long)max);
		close(*fd);
		*fd = -1;
		return GW_ELIMIT;
	}
	return GW_OK;
}

void gw_journal_cut(const char *path, uint64_t torn, int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && torn < (uint64_t)st.st_size && truncate(path, (off_t)torn) != 0)
		gw_warn("journal: cannot truncate %s: %s", path, strerror(errno));
}

int gw_journal_each_last(const gw_journal_opts_t *opts, const uint8_t *apex, gw_journal_rrset_fn fn,
                         void *ctx)
{
	char path[4096];
	char why[200] = "";
	int fd = -1;
	int ret;

	if (opts->state_dir == NULL || opts->max_entries == 0)
		return GW_ENOTFOUND;
	snprintf(path, sizeof(path), "%s/journal", opts->state_dir);
	ret = gw_journal_path_open(opts, path, &fd, why, sizeof(why));
	if (ret == -ENOENT)
		return GW_ENOTFOUND;
	if (ret == GW_OK) {
		gw_jscan_t s = {.path = path};
		ret = gw_jscan_read(&s, fd, apex, GW_JWIN_SIZE, why, sizeof(why));
		gw_journal_cut(path, s.torn, fd);
		if (ret == GW_OK)
			ret = gw_jscan_walk(&s, fn, ctx, why, sizeof(why));
		gw_jscan_deinit(&s);
		close(fd);
	}
	if (ret != GW_OK)
		gw_warn("journal: %s gives no earlier signatures (%s); the zone is signed anew",
		        path, why[0] != '\0' ? why : gw_strerror(ret));
	return ret;
}
