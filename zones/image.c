/* Before-images of the RRsets a commit touches, and what follows from
 * them: putting the zone back after a failure, and the RR-level diff of
 * the commit (for the journal, and so for IXFR).
 *
 * The commit knows which (owner, type) pairs it may change; saving just
 * those, data and signatures, before each step keeps the cost in line
 * with the size of the change rather than of the zone. The diff compares
 * each saved RRset with what the zone holds afterwards, so it is exact
 * by construction: whatever the commit did to an RRset it had to name. */
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/array.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "common/sorted.h"
#include "zones/zone.h"

/* ---- (owner, type) lists ------------------------------------------------ */

int zone_rrkeys_add(zone_rrkeys_t *k, const uint8_t *owner, uint16_t type)
{
	if (gw_array_reserve(&k->items, &k->cap, k->count + 1, sizeof(*k->items), 32) != GW_OK)
		return GW_ENOMEM;
	k->items[k->count++] = (zone_rrkey_t){.owner = owner, .type = type};
	return GW_OK;
}

int zone_rrkeys_add_rrs(zone_rrkeys_t *k, const ldns_rr_list *list)
{
	size_t n = list != NULL ? ldns_rr_list_rr_count(list) : 0;

	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		/* zone_apply() refuses an RR without a valid owner: nothing
		 * of it can change. */
		if (owner == NULL || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME ||
		    zone_name_len(ldns_rdf_data(owner), ldns_rdf_size(owner)) !=
		        (int)ldns_rdf_size(owner))
			continue;
		int ret = zone_rrkeys_add(k, ldns_rdf_data(owner), (uint16_t)ldns_rr_get_type(rr));
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

static int cmp_owner_type(const uint8_t *ao, uint16_t at, const uint8_t *bo, uint16_t bt)
{
	int cmp = zone_name_cmp(ao, bo);

	if (cmp != 0)
		return cmp;
	return (at > bt) - (at < bt);
}

static int cmp_rrkey(const void *pa, const void *pb)
{
	const zone_rrkey_t *a = pa;
	const zone_rrkey_t *b = pb;

	return cmp_owner_type(a->owner, a->type, b->owner, b->type);
}

void zone_rrkeys_sort(zone_rrkeys_t *k)
{
	size_t w = 0;

	if (k->count == 0)
		return;
	qsort(k->items, k->count, sizeof(*k->items), cmp_rrkey);
	for (size_t i = 1; i < k->count; i++) {
		if (cmp_rrkey(&k->items[w], &k->items[i]) != 0)
			k->items[++w] = k->items[i];
	}
	k->count = w + 1;
}

void zone_rrkeys_deinit(zone_rrkeys_t *k)
{
	free(k->items);
	memset(k, 0, sizeof(*k));
}

/* ---- saving ------------------------------------------------------------- */

/* One RRset as it was before the commit, in the zone's own wire layout
 * (a copy is cheap; ldns RRs are made only if it has to go back). */
typedef struct saved {
	uint8_t owner[ZONE_NAME_MAXLEN];      /* lowercase, for lookups */
	uint8_t node_owner[ZONE_NAME_MAXLEN]; /* the node's letter case */
	uint16_t type;
	bool present;
	uint16_t count;
	uint32_t ttl;
	uint8_t *rdata; /* [len][data]... */
	uint32_t rdata_len;
	uint8_t *sigs;
	uint32_t sigs_len;
	uint8_t mark; /* zone_rrset_t's: an RRset put back keeps it */
} saved_t;

struct zone_image {
	saved_t *items; /* sorted by (owner, type) after each zone_image_save() */
	size_t count;
	size_t cap;
};

int zone_image_new(zone_image_t **out)
{
	*out = calloc(1, sizeof(**out));
	return *out != NULL ? GW_OK : GW_ENOMEM;
}

void zone_image_free(zone_image_t *img)
{
	if (img == NULL)
		return;
	for (size_t i = 0; i < img->count; i++) {
		free(img->items[i].rdata);
		free(img->items[i].sigs);
	}
	free(img->items);
	free(img);
}

static int cmp_saved_key(const void *elem, const void *key)
{
	const saved_t *s = elem;
	const zone_rrkey_t *k = key;

	return cmp_owner_type(s->owner, s->type, k->owner, k->type);
}

static bool image_has(const zone_image_t *img, size_t count, const zone_rrkey_t *key)
{
	return gw_sorted_find(img->items, count, sizeof(*img->items), key, cmp_saved_key) != NULL;
}

static uint8_t *copy_bytes(const uint8_t *p, uint32_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy != NULL && len > 0)
		memcpy(copy, p, len);
	return copy;
}

static int save_one(saved_t *s, const zone_t *zone, const zone_rrkey_t *key)
{
	const zone_node_t *node = zone_find(zone, key->owner);
	const zone_rrset_t *rrset = node != NULL ? zone_node_rrset(node, key->type) : NULL;

	memset(s, 0, sizeof(*s));
	zone_name_lower(s->owner, key->owner);
	s->type = key->type;
	if (rrset == NULL)
		return GW_OK;
	s->present = true;
	memcpy(s->node_owner, node->owner, node->owner_len);
	s->count = rrset->count;
	s->ttl = rrset->ttl;
	s->mark = rrset->mark;
	s->rdata = copy_bytes(rrset->rdata, rrset->rdata_len);
	s->rdata_len = rrset->rdata_len;
	if (s->rdata == NULL)
		return GW_ENOMEM;
	if (rrset->sigs_len > 0) {
		s->sigs = copy_bytes(rrset->sigs, rrset->sigs_len);
		if (s->sigs == NULL)
			return GW_ENOMEM;
		s->sigs_len = rrset->sigs_len;
	}
	return GW_OK;
}

static int cmp_saved(const void *pa, const void *pb)
{
	const saved_t *a = pa;
	const saved_t *b = pb;

	return cmp_owner_type(a->owner, a->type, b->owner, b->type);
}

int zone_image_save(zone_image_t *img, const zone_t *zone, const zone_rrkeys_t *keys)
{
	size_t before = img->count;

	for (size_t i = 0; i < keys->count; i++) {
		if (image_has(img, before, &keys->items[i]))
			continue;
		if (gw_array_reserve(&img->items, &img->cap, img->count + 1, sizeof(*img->items),
		                     16) != GW_OK)
			return GW_ENOMEM;
		int ret = save_one(&img->items[img->count], zone, &keys->items[i]);
		img->count++; /* also on error: zone_image_free() frees what it has */
		if (ret != GW_OK)
			return ret;
	}
	if (img->count > before)
		qsort(img->items, img->count, sizeof(*img->items), cmp_saved);
	return GW_OK;
}

/* ---- putting it back ---------------------------------------------------- */

static int queue_rrset_removal(zone_changeset_t *cs, const zone_t *zone, const saved_t *s)
{
	const zone_node_t *node = zone_find(zone, s->owner);

	return node != NULL ? zone_changeset_remove_rrset(cs, node, s->type, NULL, 0) : GW_OK;
}

int zone_image_restore(const zone_image_t *img, zone_t *zone)
{
	zone_changeset_t cs;
	int ret = zone_changeset_init(&cs);

	for (size_t i = 0; i < img->count && ret == GW_OK; i++) {
		const saved_t *s = &img->items[i];
		ret = queue_rrset_removal(&cs, zone, s);
		if (ret != GW_OK || !s->present)
			continue;
		/* The saved RRset seen through a node and an RRset of its own,
		 * as zone_rr_to_ldns() wants them. */
		uint8_t owner[ZONE_NAME_MAXLEN];
		memcpy(owner, s->node_owner, sizeof(owner));
		const zone_node_t node = {
		    .owner = owner, .owner_len = (uint16_t)zone_name_len(owner, ZONE_NAME_MAXLEN)};
		const zone_rrset_t rrset = {.type = s->type,
		                            .count = s->count,
		                            .ttl = s->ttl,
		                            .rdata = s->rdata,
		                            .rdata_len = s->rdata_len};
		const uint8_t *rdata;
		uint16_t rdlen;
		uint32_t pos = 0;
		while (ret == GW_OK && zone_rrset_next(&rrset, &pos, &rdata, &rdlen)) {
			ldns_rr *rr = NULL;
			ret = zone_rr_to_ldns(&rr, &node, &rrset, rdata, rdlen);
			if (ret == GW_OK)
				ret = zone_changeset_add(&cs, rr);
		}
	}
	if (ret == GW_OK)
		ret = zone_apply(zone, &cs, NULL, NULL);
	for (size_t i = 0; i < img->count && ret == GW_OK; i++) {
		const saved_t *s = &img->items[i];
		const zone_node_t *node = zone_find(zone, s->owner);
		zone_rrset_t *rrset =
		    node != NULL ? (zone_rrset_t *)zone_node_rrset(node, s->type) : NULL;
		if (rrset == NULL)
			continue;
		rrset->mark = s->mark;
		ret = zone_set_sigs(zone, s->owner, s->type, s->sigs, s->sigs_len);
	}
	zone_changeset_deinit(&cs);
	return ret;
}

/* ---- the diff ----------------------------------------------------------- */

void zone_rrdiff_deinit(zone_rrdiff_t *diff)
{
	if (diff == NULL)
		return;
	free(diff->data);
	memset(diff, 0, sizeof(*diff));
}

uint64_t zone_octets(const zone_t *zone)
{
	uint64_t total = 0;
	const zone_node_t *n;
	/* By index: zone_next() searches for each node. */
	for (size_t k = 0; (n = zone_node_at(zone, k)) != NULL; k++) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *rs = &n->rrsets[i];
			total += (uint64_t)(rs->count + rs->sig_count) *
			             (n->owner_len + DNS_RR_FIXED_LEN) +
			         rs->rdata_len + rs->sigs_len;
		}
	}
	return total;
}

void zone_rrdiff_octets(const zone_rrdiff_t *diff, uint64_t *removed, uint64_t *added)
{
	*removed = *added = 0;
	size_t off = 0;
	for (uint32_t i = 0; i < diff->removed + diff->added && off < diff->size; i++) {
		size_t len = zone_rr_wire_len(diff->data + off, diff->size - off);
		if (len == 0)
			return;
		/* An RRset holds each rdata after its 2-octet length. */
		if (i < diff->removed)
			*removed += len + 2;
		else
			*added += len + 2;
		off += len;
	}
}

size_t zone_rr_wire_len(const uint8_t *p, size_t max)
{
	int n = zone_name_len(p, max);
	if (n < 0 || (size_t)n + DNS_RR_FIXED_LEN > max)
		return 0;
	size_t len = (size_t)n + DNS_RR_FIXED_LEN + ldns_read_uint16(p + n + 8);
	return len <= max ? len : 0;
}

size_t zone_rr_to_wire(uint8_t *out, const uint8_t *owner, size_t owner_len, uint16_t type,
                       uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	uint8_t *p = out + owner_len;

	memcpy(out, owner, owner_len);
	ldns_write_uint16(p, type);
	ldns_write_uint16(p + 2, DNS_C_IN);
	ldns_write_uint32(p + 4, ttl);
	ldns_write_uint16(p + 8, rdlen);
	if (rdlen > 0)
		memcpy(p + 10, rdata, rdlen);
	return owner_len + 10 + rdlen;
}

/* Wire RRs, one after the other. */
typedef struct wbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
	uint32_t n;
} wbuf_t;

/* One side of an RRset's comparison: the RRs (or the RRSIGs) of one type
 * at one owner, before or after. */
typedef struct side {
	const uint8_t *owner; /* NULL when absent */
	size_t owner_len;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *buf; /* [len][data]... */
	uint32_t len;
} side_t;

static int wbuf_put(wbuf_t *b, const side_t *s, const uint8_t *rdata, uint16_t rdlen)
{
	size_t len = s->owner_len + 10 + rdlen;

	if (gw_array_reserve(&b->data, &b->cap, b->len + len, 1, 1024) != GW_OK)
		return GW_ENOMEM;
	zone_rr_to_wire(b->data + b->len, s->owner, s->owner_len, s->type, s->ttl, rdata, rdlen);
	b->len += len;
	b->n++;
	return GW_OK;
}

static int put_all(wbuf_t *b, const side_t *s)
{
	const zone_rrset_t view = {.rdata = (uint8_t *)s->buf, .rdata_len = s->len};
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;

	if (s->owner == NULL)
		return GW_OK;
	while (zone_rrset_next(&view, &pos, &rd, &rdlen)) {
		int ret = wbuf_put(b, s, rd, rdlen);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

static int cmp_rdref(const void *pa, const void *pb)
{
	return zone_rdref_cmp(pa, pb);
}

int zone_rdref_cmp(const zone_rdref_t *a, const zone_rdref_t *b)
{
	return gw_octets_cmp(a->p, a->len, b->p, b->len);
}

size_t zone_rrset_sorted(const zone_rrset_t *rrset, zone_rdref_t *out)
{
	size_t n = 0;
	uint32_t pos = 0;

	while (zone_rrset_next(rrset, &pos, &out[n].p, &out[n].len))
		n++;
	qsort(out, n, sizeof(*out), cmp_rdref);
	return n;
}

/* The RRs of s, sorted, into refs (room for s's count). */
static size_t refs_of(const side_t *s, zone_rdref_t *refs)
{
	const zone_rrset_t view = {.rdata = (uint8_t *)s->buf, .rdata_len = s->len};

	return zone_rrset_sorted(&view, refs);
}

static size_t count_of(const side_t *s)
{
	const zone_rrset_t view = {.rdata = (uint8_t *)s->buf, .rdata_len = s->len};
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	size_t n = 0;

	while (zone_rrset_next(&view, &pos, &rd, &rdlen))
		n++;
	return n;
}

/* RRs only in a go to rem, RRs only in b to add. An RRset whose owner
 * (letter case included) or TTL differs is different in every RR. */
static int diff_side(wbuf_t *rem, wbuf_t *add, const side_t *a, const side_t *b)
{
	zone_rdref_t stack[2][32];
	zone_rdref_t *ra = stack[0];
	zone_rdref_t *rb = stack[1];
	int ret = GW_OK;

	if (a->owner == NULL || b->owner == NULL || a->owner_len != b->owner_len ||
	    memcmp(a->owner, b->owner, a->owner_len) != 0 || a->ttl != b->ttl) {
		ret = put_all(rem, a);
		return ret == GW_OK ? put_all(add, b) : ret;
	}
	if (a->len == b->len && (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0))
		return GW_OK;
	size_t ca = count_of(a);
	size_t cb = count_of(b);
	if (ca > 32)
		ra = malloc(ca * sizeof(*ra));
	if (cb > 32)
		rb = malloc(cb * sizeof(*rb));
	if (ra == NULL || rb == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	ca = refs_of(a, ra);
	cb = refs_of(b, rb);
	for (size_t i = 0, k = 0; ret == GW_OK && (i < ca || k < cb);) {
		int c = i == ca ? 1 : k == cb ? -1 : zone_rdref_cmp(&ra[i], &rb[k]);
		if (c < 0) {
			ret = wbuf_put(rem, a, ra[i].p, ra[i].len);
			i++;
		} else if (c > 0) {
			ret = wbuf_put(add, b, rb[k].p, rb[k].len);
			k++;
		} else {
			i++;
			k++;
		}
	}
out:
	if (ra != stack[0])
		free(ra);
	if (rb != stack[1])
		free(rb);
	return ret;
}

/* One saved RRset against the zone now: its data, then its RRSIGs (RRs
 * of their own, with the RRset's TTL, as transfers send them). */
static int diff_saved(wbuf_t *rem, wbuf_t *add, const saved_t *s, const zone_t *zone)
{
	const zone_node_t *node = zone_find(zone, s->owner);
	const zone_rrset_t *now = node != NULL ? zone_node_rrset(node, s->type) : NULL;
	side_t a = {0};
	side_t b = {0};

	if (s->present) {
		a = (side_t){.owner = s->node_owner,
		             .owner_len = (size_t)zone_name_len(s->node_owner, ZONE_NAME_MAXLEN),
		             .type = s->type,
		             .ttl = s->ttl,
		             .buf = s->rdata,
		             .len = s->rdata_len};
	}
	if (now != NULL) {
		b = (side_t){.owner = node->owner,
		             .owner_len = node->owner_len,
		             .type = now->type,
		             .ttl = now->ttl,
		             .buf = now->rdata,
		             .len = now->rdata_len};
	}
	int ret = diff_side(rem, add, &a, &b);
	if (ret != GW_OK)
		return ret;
	a.type = DNS_T_RRSIG;
	a.buf = s->sigs;
	a.len = s->sigs_len;
	b.type = DNS_T_RRSIG;
	b.buf = now != NULL ? now->sigs : NULL;
	b.len = now != NULL ? now->sigs_len : 0;
	return diff_side(rem, add, &a, &b);
}

int zone_image_diff(const zone_image_t *img, const zone_t *zone, zone_rrdiff_t *diff)
{
	wbuf_t rem = {0};
	wbuf_t add = {0};
	size_t soa = img->count;
	int ret = GW_OK;

	/* The SOA first: IXFR opens each side of a diff with it. */
	for (size_t i = 0; i < img->count; i++) {
		if (img->items[i].type == DNS_T_SOA &&
		    zone_name_equal(img->items[i].owner, zone_apex(zone))) {
			soa = i;
			ret = diff_saved(&rem, &add, &img->items[i], zone);
			break;
		}
	}
	for (size_t i = 0; i < img->count && ret == GW_OK; i++) {
		if (i != soa)
			ret = diff_saved(&rem, &add, &img->items[i], zone);
	}
	if (ret == GW_OK && add.len > 0) {
		if (rem.len + add.len > rem.cap) {
			uint8_t *grown = realloc(rem.data, rem.len + add.len);
			if (grown == NULL)
				ret = GW_ENOMEM;
			else
				rem.data = grown;
		}
		if (ret == GW_OK)
			memcpy(rem.data + rem.len, add.data, add.len);
	}
	if (ret == GW_OK) {
		zone_rrdiff_deinit(diff);
		diff->data = rem.data;
		diff->size = rem.len + add.len;
		diff->removed = rem.n;
		diff->added = add.n;
		rem.data = NULL;
	}
	free(rem.data);
	free(add.data);
	return ret;
}

/* ---- an unsigned commit ------------------------------------------------- */

int zone_commit(zone_t *zone, const zone_changeset_t *cs, uint32_t new_serial, zone_rrdiff_t *diff)
{
	zone_rrkeys_t keys = {0};
	zone_image_t *img = NULL;
	bool changed = false;

	int ret = zone_image_new(&img);
	if (ret == GW_OK)
		ret = zone_rrkeys_add_rrs(&keys, cs->remove);
	if (ret == GW_OK)
		ret = zone_rrkeys_add_rrs(&keys, cs->add);
	if (ret == GW_OK)
		ret = zone_rrkeys_add(&keys, zone_apex(zone), DNS_T_SOA);
	if (ret != GW_OK)
		goto out;
	zone_rrkeys_sort(&keys);
	ret = zone_image_save(img, zone, &keys);
	if (ret == GW_OK)
		ret = zone_apply(zone, cs, NULL, NULL);
	if (ret != GW_OK)
		goto out;
	changed = true;
	ret = zone_set_serial(zone, new_serial);
	if (ret == GW_OK && diff != NULL)
		ret = zone_image_diff(img, zone, diff);
out:
	if (ret != GW_OK && changed) {
		int undo_ret = zone_image_restore(img, zone);
		if (undo_ret != GW_OK)
			gw_err("a failed change could not be undone (%s): the zone may differ "
			       "from what was served until the next change",
			       gw_strerror(undo_ret));
	}
	zone_rrkeys_deinit(&keys);
	zone_image_free(img);
	return ret;
}
