#include "gateway/xfr/keep.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/error.h"

/* What all transfers keep, and its bound; the keeps that hold something
 * (listed), to find the largest when all together are at the bound. */
static size_t g_total;
static size_t g_total_max = GW_XFR_KEEP_TOTAL_MAX;
static gw_xfr_keep_t *g_keeps;

static void list_add(gw_xfr_keep_t *keep)
{
	if (keep->listed)
		return;
	keep->prev = NULL;
	keep->next = g_keeps;
	if (g_keeps != NULL)
		g_keeps->prev = keep;
	g_keeps = keep;
	keep->listed = true;
}

static void list_remove(gw_xfr_keep_t *keep)
{
	if (!keep->listed)
		return;
	if (keep->prev != NULL)
		keep->prev->next = keep->next;
	else
		g_keeps = keep->next;
	if (keep->next != NULL)
		keep->next->prev = keep->prev;
	keep->prev = keep->next = NULL;
	keep->listed = false;
}

/* Free what keep holds; it stays as it is otherwise (max, full). */
static void release(gw_xfr_keep_t *keep)
{
	list_remove(keep);
	g_total -= keep->octets;
	for (size_t i = 0; i < keep->count; i++) {
		free(keep->names[i].owner);
		free(keep->names[i].rrs);
	}
	free(keep->names);
	keep->names = NULL;
	keep->count = keep->cap = 0;
	keep->octets = 0;
}

/* Room for keep to take octets more within the bound of all transfers.
 * Past it, the transfer that keeps most ends (full: its client asks
 * again) when it keeps more than keep would: a reader that drains slowly
 * (its idle deadline moves with each write it takes) holds what it kept
 * through every commit since it began, and would otherwise end every
 * other transfer that has to keep something. */
static bool make_room(gw_xfr_keep_t *keep, size_t octets)
{
	while (g_total + octets > g_total_max) {
		gw_xfr_keep_t *big = NULL;
		for (gw_xfr_keep_t *k = g_keeps; k != NULL; k = k->next)
			if (k != keep && (big == NULL || k->octets > big->octets))
				big = k;
		if (big == NULL || big->octets <= keep->octets + octets)
			return false;
		release(big);
		big->full = true;
	}
	return true;
}

/* One RR of a commit's diff. */
typedef struct diff_rr {
	const uint8_t *rr;
	size_t len;
	size_t owner_len;
	bool added;
} diff_rr_t;

/* One RR of a name's former records, and the order it is sent in. */
typedef struct kept_rr {
	const uint8_t *rr;
	size_t len;
	uint16_t type; /* gw_xfr_kept_type() */
	bool sig;
} kept_rr_t;

typedef struct wbuf {
	uint8_t *data;
	size_t len, cap;
} wbuf_t;

/* Length of the RR at p (at most left octets, the journal's form) and of
 * its owner; 0 when it does not fit. */
static size_t rr_len(const uint8_t *p, size_t left, size_t *owner_len)
{
	size_t len = zone_rr_wire_len(p, left);
	if (len > 0)
		*owner_len = (size_t)zone_name_len(p, left);
	return len;
}

uint16_t gw_xfr_kept_type(const uint8_t *rr, size_t len)
{
	size_t n = 0;
	if (rr_len(rr, len, &n) == 0)
		return 0;
	uint16_t type = ldns_read_uint16(rr + n);
	if (type == DNS_T_RRSIG && n + 12 <= len)
		return ldns_read_uint16(rr + n + 10);
	return type;
}

static int by_owner(const void *a, const void *b)
{
	return zone_name_cmp(((const diff_rr_t *)a)->rr, ((const diff_rr_t *)b)->rr);
}

static int by_type(const void *a, const void *b)
{
	const kept_rr_t *x = a, *y = b;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->sig != y->sig)
		return x->sig ? 1 : -1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->rr, y->rr, x->len);
}

static int reserve(wbuf_t *b, size_t more)
{
	if (b->len + more <= b->cap)
		return GW_OK;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (p == NULL)
		return GW_ENOMEM;
	b->data = p;
	b->cap = cap;
	return GW_OK;
}

/* Did the commit add this RR of the group's name? Compared from the type
 * on: the owners are the same name, in the same letter case. */
static bool added_by(const diff_rr_t *group, size_t n, const uint8_t *rr, size_t owner_len,
                     size_t len)
{
	for (size_t i = 0; i < n; i++) {
		const diff_rr_t *d = &group[i];
		if (d->added && d->len - d->owner_len == len - owner_len &&
		    memcmp(d->rr + d->owner_len, rr + owner_len, len - owner_len) == 0)
			return true;
	}
	return false;
}

/* The RRs of a set (its data, or its signatures as RRSIG RRs), but for
 * those the commit added, onto b. */
static int put_set(wbuf_t *b, const diff_rr_t *group, size_t n, const zone_node_t *node,
                   const zone_rrset_t *set, uint16_t type, uint32_t ttl)
{
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	while (zone_rrset_next(set, &pos, &rd, &rdlen)) {
		int ret = reserve(b, node->owner_len + 10u + rdlen);
		if (ret != GW_OK)
			return ret;
		size_t len = zone_rr_to_wire(b->data + b->len, node->owner, node->owner_len, type,
		                             ttl, rd, rdlen);
		if (!added_by(group, n, b->data + b->len, node->owner_len, len))
			b->len += len;
	}
	return GW_OK;
}

/* The records of the group's name before the commit: the zone's now,
 * less what the commit added, plus what it removed; into out, in the
 * order they are sent. */
static int before(const zone_t *zone, const diff_rr_t *group, size_t n, gw_xfr_kept_t *out)
{
	wbuf_t b = {0};
	kept_rr_t *rrs = NULL;
	uint8_t *sorted = NULL;
	size_t count = 0;
	int ret = GW_OK;

	memset(out, 0, sizeof(*out));
	const zone_node_t *node = zone_find(zone, group[0].rr);
	for (uint16_t i = 0; node != NULL && i < node->rrset_count && ret == GW_OK; i++) {
		const zone_rrset_t *rs = &node->rrsets[i];
		const zone_rrset_t sigs = {.rdata = rs->sigs, .rdata_len = rs->sigs_len};
		ret = put_set(&b, group, n, node, rs, rs->type, rs->ttl);
		if (ret == GW_OK)
			ret = put_set(&b, group, n, node, &sigs, DNS_T_RRSIG, rs->ttl);
	}
	for (size_t i = 0; i < n && ret == GW_OK; i++) {
		if (group[i].added)
			continue;
		ret = reserve(&b, group[i].len);
		if (ret == GW_OK) {
			memcpy(b.data + b.len, group[i].rr, group[i].len);
			b.len += group[i].len;
		}
	}
	if (ret != GW_OK)
		goto out;
	out->owner = malloc(group[0].owner_len);
	if (out->owner == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	memcpy(out->owner, group[0].rr, group[0].owner_len);
	if (b.len == 0)
		goto out;
	for (size_t off = 0, own = 0, len; off < b.len; off += len, count++) {
		len = rr_len(b.data + off, b.len - off, &own);
		if (len == 0) {
			ret = GW_EMALFORMED;
			goto out;
		}
	}
	rrs = calloc(count, sizeof(*rrs));
	sorted = malloc(b.len);
	if (rrs == NULL || sorted == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	size_t off = 0;
	for (size_t i = 0; i < count; i++) {
		size_t own = 0;
		size_t len = rr_len(b.data + off, b.len - off, &own);
		rrs[i] = (kept_rr_t){
		    .rr = b.data + off,
		    .len = len,
		    .type = gw_xfr_kept_type(b.data + off, len),
		    .sig = ldns_read_uint16(b.data + off + own) == DNS_T_RRSIG,
		};
		off += len;
	}
	qsort(rrs, count, sizeof(*rrs), by_type);
	off = 0;
	for (size_t i = 0; i < count; i++) {
		memcpy(sorted + off, rrs[i].rr, rrs[i].len);
		off += rrs[i].len;
	}
	out->rrs = sorted;
	out->size = b.len;
	sorted = NULL;
out:
	if (ret != GW_OK) {
		free(out->owner);
		out->owner = NULL;
	}
	free(sorted);
	free(rrs);
	free(b.data);
	return ret;
}

/* Where owner is or would go among the kept names. */
static size_t search(const gw_xfr_keep_t *keep, const uint8_t *owner, bool *found)
{
	size_t lo = 0, hi = keep->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (zone_name_cmp(keep->names[mid].owner, owner) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < keep->count && zone_name_cmp(keep->names[lo].owner, owner) == 0;
	return lo;
}

static int insert(gw_xfr_keep_t *keep, size_t at, const gw_xfr_kept_t *kept)
{
	if (keep->count == keep->cap) {
		size_t cap = keep->cap ? keep->cap * 2 : 64;
		gw_xfr_kept_t *p = realloc(keep->names, cap * sizeof(*p));
		if (p == NULL)
			return GW_ENOMEM;
		keep->names = p;
		keep->cap = cap;
	}
	memmove(&keep->names[at + 1], &keep->names[at], (keep->count - at) * sizeof(*keep->names));
	keep->names[at] = *kept;
	keep->count++;
	return GW_OK;
}

int gw_xfr_keep_diff(gw_xfr_keep_t *keep, const zone_t *zone, const zone_rrdiff_t *diff,
                     gw_xfr_ahead_fn ahead, const void *arg)
{
	size_t n = (size_t)diff->removed + diff->added;
	diff_rr_t *rrs = NULL;
	int ret = GW_OK;

	if (keep->full)
		return GW_ESPACE;
	if (n == 0)
		return GW_OK;
	rrs = calloc(n, sizeof(*rrs));
	if (rrs == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t own = 0;
		size_t len =
		    off < diff->size ? rr_len(diff->data + off, diff->size - off, &own) : 0;
		if (len == 0) {
			ret = GW_EMALFORMED;
			goto out;
		}
		rrs[i] = (diff_rr_t){.rr = diff->data + off,
		                     .len = len,
		                     .owner_len = own,
		                     .added = i >= diff->removed};
		off += len;
	}
	qsort(rrs, n, sizeof(*rrs), by_owner);
	for (size_t i = 0, j; i < n && ret == GW_OK; i = j) {
		for (j = i + 1; j < n && zone_name_cmp(rrs[j].rr, rrs[i].rr) == 0; j++)
			;
		bool found;
		size_t at = search(keep, rrs[i].rr, &found);
		if (found || !ahead(arg, rrs[i].rr))
			continue;
		gw_xfr_kept_t kept;
		ret = before(zone, &rrs[i], j - i, &kept);
		if (ret != GW_OK)
			break;
		size_t octets = rrs[i].owner_len + kept.size;
		if (keep->octets + octets > (keep->max > 0 ? keep->max : GW_XFR_KEEP_MAX) ||
		    !make_room(keep, octets))
			ret = GW_ESPACE;
		else
			ret = insert(keep, at, &kept);
		if (ret != GW_OK) {
			free(kept.owner);
			free(kept.rrs);
			break;
		}
		keep->octets += octets;
		g_total += octets;
		list_add(keep);
	}
out:
	if (ret == GW_ENOMEM || ret == GW_ESPACE)
		keep->full = true;
	free(rrs);
	return ret;
}

const gw_xfr_kept_t *gw_xfr_keep_find(const gw_xfr_keep_t *keep, const uint8_t *owner)
{
	bool found;
	size_t at = search(keep, owner, &found);
	return found ? &keep->names[at] : NULL;
}

const gw_xfr_kept_t *gw_xfr_keep_next(const gw_xfr_keep_t *keep, const uint8_t *owner)
{
	bool found = false;
	size_t at = owner != NULL ? search(keep, owner, &found) : 0;
	if (found)
		at++;
	return at < keep->count ? &keep->names[at] : NULL;
}

void gw_xfr_keep_deinit(gw_xfr_keep_t *keep)
{
	size_t max = keep->max;
	release(keep);
	memset(keep, 0, sizeof(*keep));
	keep->max = max;
}

size_t gw_xfr_keep_total(void)
{
	return g_total;
}

void gw_xfr_keep_set_total_max(size_t max)
{
	g_total_max = max > 0 ? max : GW_XFR_KEEP_TOTAL_MAX;
}
