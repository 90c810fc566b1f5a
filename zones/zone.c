#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/sorted.h"
#include "zones/internal.h"
#include "zones/zone.h"

/* SOA rdata: MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM. */
#define SOA_FIXED_LEN 20

void zone_free(zone_t *zone)
{
	if (zone == NULL)
		return;
	for (size_t i = 0; i < zone->count; i++)
		zone_node_free(zone->nodes[i]);
	free(zone->nodes);
	free(zone->hslots);
	free(zone->hashed);
	free(zone);
}

int zone_new(zone_t **out, const uint8_t *apex)
{
	zone_t *zone = NULL;
	int len = zone_name_len(apex, ZONE_NAME_MAXLEN);

	if (out == NULL || len < 0)
		return GW_EINVAL;
	zone = calloc(1, sizeof(*zone));
	if (zone == NULL)
		return GW_ENOMEM;
	zone->apex_len = (uint16_t)zone_name_lower(zone->apex, apex);
	zone->apex_key_len = (uint16_t)zone_name_key(zone->apex_key, apex);
	zone->apex_labels = zone_name_labels(apex);
	*out = zone;
	return GW_OK;
}

zone_node_t *zone_node_new(const uint8_t *owner)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	int owner_len = zone_name_len(owner, ZONE_NAME_MAXLEN);
	int key_len = zone_name_key(key, owner);
	zone_node_t *node = zone_malloc(sizeof(*node) + (size_t)owner_len + (size_t)key_len);

	if (node == NULL)
		return NULL;
	memset(node, 0, sizeof(*node));
	node->owner = (uint8_t *)(node + 1);
	node->key = node->owner + owner_len;
	node->owner_len = (uint16_t)owner_len;
	node->key_len = (uint16_t)key_len;
	memcpy(node->owner, owner, (size_t)owner_len);
	memcpy(node->key, key, (size_t)key_len);
	return node;
}

void zone_node_free(zone_node_t *node)
{
	if (node == NULL)
		return;
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		free(node->rrsets[i].rdata);
		free(node->rrsets[i].sigs);
	}
	free(node->rrsets);
	free(node);
}

void zone_rrsets_release_unshared(zone_rrset_t *a, size_t a_count, const zone_rrset_t *b,
                                  size_t b_count)
{
	size_t j = 0;

	/* Both arrays are sorted by type. */
	for (size_t i = 0; i < a_count; i++) {
		while (j < b_count && b[j].type < a[i].type)
			j++;
		const zone_rrset_t *other = (j < b_count && b[j].type == a[i].type) ? &b[j] : NULL;
		if (other == NULL || other->rdata != a[i].rdata)
			free(a[i].rdata);
		if (other == NULL || other->sigs != a[i].sigs)
			free(a[i].sigs);
		a[i].rdata = NULL;
		a[i].sigs = NULL;
	}
}

const uint8_t *zone_apex(const zone_t *zone)
{
	return zone->apex;
}

size_t zone_apex_len(const zone_t *zone)
{
	return zone->apex_len;
}

size_t zone_node_count(const zone_t *zone)
{
	return zone->count;
}

bool zone_has_delegations(const zone_t *zone)
{
	return zone->ns_below_apex > 0;
}

bool zone_has_dnames(const zone_t *zone)
{
	return zone->dname_nodes > 0;
}

const zone_node_t *zone_ancestor_with(const zone_t *zone, const uint8_t *name, uint16_t type)
{
	const zone_node_t *found = NULL;
	const uint8_t *apex = zone_apex(zone);
	if (!zone_name_is_subdomain(name, apex))
		return NULL;
	/* From the parent up to the apex: the last found is the highest.
	 * The apex's NS is the zone's own, not a cut. */
	int above = zone_name_labels(name) - zone_name_labels(apex);
	if (type == DNS_T_NS)
		above--;
	const uint8_t *p = name;
	for (int i = 0; i < above; i++) {
		p += *p + 1;
		const zone_node_t *n = zone_find(zone, p);
		if (n != NULL && zone_node_rrset(n, type) != NULL)
			found = n;
	}
	return found;
}

const zone_node_t *zone_apex_node(const zone_t *zone)
{
	/* The apex sorts before every name below it. */
	if (zone->count == 0)
		return NULL;
	const zone_node_t *first = zone->nodes[0];
	if (zone_key_cmp(first->key, first->key_len, zone->apex_key, zone->apex_key_len) != 0)
		return NULL;
	return first;
}

/* An element of an array of node pointers against a probe node that has
 * only its key set. */
static int node_ptr_cmp(const void *elem, const void *probe)
{
	const zone_node_t *a = *(const zone_node_t *const *)elem;
	const zone_node_t *b = probe;

	return zone_key_cmp(a->key, a->key_len, b->key, b->key_len);
}

size_t zone_nodes_search(const void *nodes, size_t n, const uint8_t *key, size_t key_len,
                         bool *found)
{
	const zone_node_t probe = {.key = (uint8_t *)key, .key_len = (uint16_t)key_len};
	size_t i = gw_lower_bound(nodes, n, sizeof(zone_node_t *), &probe, node_ptr_cmp);

	*found = i < n && node_ptr_cmp((const zone_node_t *const *)nodes + i, &probe) == 0;
	return i;
}

size_t zone_search(const zone_t *zone, const uint8_t *key, size_t key_len, bool *found)
{
	return zone_nodes_search(zone->nodes, zone->count, key, key_len, found);
}

const zone_node_t *zone_find(const zone_t *zone, const uint8_t *name)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	int key_len = zone_name_key(key, name);

	return zone_index_find(zone, key, (size_t)key_len);
}

/* Labels that two keys share from the root: every 0x00 in the common
 * prefix closes a label that both names have. */
static int common_labels(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int labels = 0;

	for (size_t i = 0; i < n && a[i] == b[i]; i++) {
		if (a[i] == 0)
			labels++;
	}
	return labels;
}

int zone_lookup(const zone_t *zone, const uint8_t *name, zone_lookup_t *res)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	size_t key_len = (size_t)zone_name_key(key, name);
	bool found;

	/* A key starts with the key of every ancestor, so the subdomain test
	 * is a prefix test. */
	if (key_len < zone->apex_key_len || memcmp(key, zone->apex_key, zone->apex_key_len) != 0)
		return GW_EOUTOFZONE;

	memset(res, 0, sizeof(*res));
	int labels = zone_name_labels(name);
	res->encloser_labels = zone->apex_labels;
	if (zone->count == 0)
		return GW_OK;

	size_t idx = zone_search(zone, key, key_len, &found);
	res->prev = zone->nodes[idx > 0 ? idx - 1 : zone->count - 1];
	if (found) {
		res->node = zone->nodes[idx];
		res->encloser_labels = labels;
		return GW_OK;
	}

	/* Descendants of name sort right after it, so the node at idx tells
	 * whether name has any. */
	const zone_node_t *after = idx < zone->count ? zone->nodes[idx] : NULL;
	if (after != NULL && after->key_len > key_len && memcmp(after->key, key, key_len) == 0) {
		res->empty_nonterminal = true;
		res->encloser_labels = labels;
		return GW_OK;
	}

	/* The existing name sharing the most labels with name is a neighbour
	 * in canonical order. */
	int best = 0;
	if (idx > 0) {
		const zone_node_t *n = zone->nodes[idx - 1];
		best = common_labels(key, key_len, n->key, n->key_len);
	}
	if (after != NULL) {
		int c = common_labels(key, key_len, after->key, after->key_len);
		if (c > best)
			best = c;
	}
	if (best > res->encloser_labels)
		res->encloser_labels = best;
	return GW_OK;
}

const zone_node_t *zone_first(const zone_t *zone)
{
	return zone->count > 0 ? zone->nodes[0] : NULL;
}

const zone_node_t *zone_node_at(const zone_t *zone, size_t i)
{
	return i < zone->count ? zone->nodes[i] : NULL;
}

const zone_node_t *zone_node_seek(const zone_t *zone, size_t *at, const zone_node_t *node)
{
	for (; *at < zone->count; (*at)++) {
		const zone_node_t *n = zone->nodes[*at];
		int c = zone_key_cmp(n->key, n->key_len, node->key, node->key_len);
		if (c >= 0)
			return c == 0 ? n : NULL;
	}
	return NULL;
}

size_t zone_index_of(const zone_t *zone, const uint8_t *name, bool at)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	int key_len = zone_name_key(key, name);
	bool found;
	size_t idx = zone_search(zone, key, (size_t)key_len, &found);

	return found && !at ? idx + 1 : idx;
}

const zone_node_t *zone_next(const zone_t *zone, const zone_node_t *node)
{
	bool found;
	size_t idx = zone_search(zone, node->key, node->key_len, &found);

	if (found)
		idx++;
	return idx < zone->count ? zone->nodes[idx] : NULL;
}

const zone_node_t *zone_next_wrap(const zone_t *zone, const zone_node_t *node)
{
	const zone_node_t *next = zone_next(zone, node);

	return next != NULL ? next : zone_first(zone);
}

static int rrset_type_cmp(const void *elem, const void *key)
{
	/* Both are 16-bit: the difference fits. */
	return (int)((const zone_rrset_t *)elem)->type - (int)*(const uint16_t *)key;
}

const zone_rrset_t *zone_node_rrset(const zone_node_t *node, uint16_t type)
{
	return gw_sorted_find(node->rrsets, node->rrset_count, sizeof(*node->rrsets), &type,
	                      rrset_type_cmp);
}

size_t zone_rrset_wire_size(const zone_node_t *node, const zone_rrset_t *rrset)
{
	/* Each RR: the owner, type, class, TTL and RDLENGTH; rdata_len holds
	 * each rdata behind its 2-octet length already. */
	return (size_t)rrset->count * (node->owner_len + 8u) + rrset->rdata_len;
}

bool zone_rrset_next(const zone_rrset_t *rrset, uint32_t *pos, const uint8_t **rdata,
                     uint16_t *rdlen)
{
	uint32_t p = *pos;

	if (p >= rrset->rdata_len || rrset->rdata_len - p < 2)
		return false;
	uint16_t len = (uint16_t)(rrset->rdata[p] << 8 | rrset->rdata[p + 1]);
	if (rrset->rdata_len - p - 2 < len)
		return false;
	*rdata = rrset->rdata + p + 2;
	*rdlen = len;
	*pos = p + 2 + len;
	return true;
}

/* Where the serial sits in the SOA's only rdata, or NULL. */
static uint8_t *soa_serial_ptr(const zone_t *zone)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = apex != NULL ? zone_node_rrset(apex, DNS_T_SOA) : NULL;
	uint32_t pos = 0;
	const uint8_t *rdata;
	uint16_t rdlen;

	if (soa == NULL || !zone_rrset_next(soa, &pos, &rdata, &rdlen))
		return NULL;
	int mname = zone_name_len(rdata, rdlen);
	if (mname < 0)
		return NULL;
	int rname = zone_name_len(rdata + mname, rdlen - (size_t)mname);
	if (rname < 0 || rdlen - (size_t)mname - (size_t)rname < SOA_FIXED_LEN)
		return NULL;
	/* The rdata buffer belongs to the zone; only the const view of it
	 * above is borrowed. */
	return (uint8_t *)rdata + mname + rname;
}

int zone_serial(const zone_t *zone, uint32_t *serial)
{
	const uint8_t *p = soa_serial_ptr(zone);

	if (p == NULL)
		return GW_ENOTFOUND;
	*serial = ldns_read_uint32(p);
	return GW_OK;
}

int zone_set_serial(zone_t *zone, uint32_t serial)
{
	uint8_t *p = soa_serial_ptr(zone);

	if (p == NULL)
		return GW_ENOTFOUND;
	if (ldns_read_uint32(p) == serial)
		return GW_OK;
	ldns_write_uint32(p, serial);
	/* Signatures over the old SOA no longer match it. */
	zone_rrset_t *soa = (zone_rrset_t *)zone_node_rrset(zone->nodes[0], DNS_T_SOA);
	free(soa->sigs);
	soa->sigs = NULL;
	soa->sigs_len = 0;
	soa->sig_count = 0;
	return GW_OK;
}

/* The RRset (owner, type) for signatures sigs, whose layout is checked
 * so that zone_rrset_next() walks it exactly; *count gets their number. */
static int sigs_target(const zone_node_t *node, uint16_t type, const uint8_t *sigs,
                       uint32_t sigs_len, zone_rrset_t **rrset, uint16_t *count)
{
	uint32_t n = 0;

	*rrset = node != NULL ? (zone_rrset_t *)zone_node_rrset(node, type) : NULL;
	if (*rrset == NULL)
		return GW_ENOTFOUND;
	for (uint32_t pos = 0; pos < sigs_len; n++) {
		if (sigs_len - pos < 2)
			return GW_EMALFORMED;
		uint32_t len = (uint32_t)sigs[pos] << 8 | sigs[pos + 1];
		if (sigs_len - pos - 2 < len)
			return GW_EMALFORMED;
		pos += 2 + len;
	}
	if (n > UINT16_MAX)
		return GW_ELIMIT;
	*count = (uint16_t)n;
	return GW_OK;
}

static void sigs_install(zone_rrset_t *rrset, uint8_t *sigs, uint32_t sigs_len, uint16_t count)
{
	free(rrset->sigs);
	rrset->sigs = sigs_len > 0 ? sigs : NULL;
	rrset->sigs_len = sigs_len;
	rrset->sig_count = count;
}

int zone_set_sigs(zone_t *zone, const uint8_t *owner, uint16_t type, const uint8_t *sigs,
                  uint32_t sigs_len)
{
	zone_rrset_t *rrset = NULL;
	uint8_t *copy = NULL;
	uint16_t count = 0;
	int ret = sigs_target(zone_find(zone, owner), type, sigs, sigs_len, &rrset, &count);

	if (ret != GW_OK)
		return ret;
	if (sigs_len > 0) {
		copy = malloc(sigs_len);
		if (copy == NULL)
			return GW_ENOMEM;
		memcpy(copy, sigs, sigs_len);
	}
	sigs_install(rrset, copy, sigs_len, count);
	return GW_OK;
}

int zone_take_sigs(zone_t *zone, const uint8_t *owner, uint16_t type, uint8_t **sigs,
                   uint32_t sigs_len)
{
	return zone_node_take_sigs(zone, zone_find(zone, owner), type, sigs, sigs_len);
}

int zone_node_take_sigs(zone_t *zone, const zone_node_t *node, uint16_t type, uint8_t **sigs,
                        uint32_t sigs_len)
{
	zone_rrset_t *rrset = NULL;
	uint16_t count = 0;
	int ret = sigs_target(node, type, *sigs, sigs_len, &rrset, &count);

	(void)zone; /* the owner of node: the one the caller may change */

	if (ret != GW_OK)
		return ret;
	if (sigs_len == 0)
		free(*sigs);
	sigs_install(rrset, *sigs, sigs_len, count);
	*sigs = NULL;
	return GW_OK;
}
