/* The subscription table: every subscription of every session in one hash
 * table keyed by the lowercase name, so that a commit finds the
 * subscribers of each changed RR without walking the sessions; and the
 * fan-out of a commit's diff into one PUSH per subscribed session. */
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"
#include "gateway/push/dso.h"
#include "gateway/push/internal.h"

uint32_t push_name_hash(uint32_t seed, const uint8_t *lower, size_t len)
{
	uint32_t h = 2166136261u ^ seed; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ lower[i]) * 16777619u;
	return h;
}

static bool dnssec_type(uint16_t t)
{
	return t == DNS_T_RRSIG || t == DNS_T_NSEC || t == DNS_T_NSEC3 || t == DNS_T_NSEC3PARAM;
}

bool push_sub_covers(uint16_t type, uint16_t rrclass, uint16_t rrtype)
{
	if (rrclass != DNS_C_IN && rrclass != DNS_C_ANY)
		return false;
	return type == rrtype || (type == DNS_T_ANY && !dnssec_type(rrtype));
}

int push_sub_add(gw_push_session_t *s, uint16_t id, const uint8_t *lower, size_t len, uint16_t type,
                 uint16_t rrclass, sub_t **out)
{
	gw_push_t *p = s->p;
	sub_t *sub = calloc(1, sizeof(*sub) + len);
	if (sub == NULL)
		return GW_ENOMEM;
	sub->s = s;
	sub->id = id;
	sub->type = type;
	sub->rrclass = rrclass;
	sub->name_len = (uint8_t)len;
	memcpy(sub->name, lower, len);
	sub->hash = push_name_hash(p->seed, lower, len);
	size_t b = sub->hash & (p->nbuckets - 1);
	sub->hnext = p->buckets[b];
	if (sub->hnext != NULL)
		sub->hnext->hpprev = &sub->hnext;
	sub->hpprev = &p->buckets[b];
	p->buckets[b] = sub;
	GW_DLIST_PUSH(s->subs, sub, prev, next);
	s->sub_count++;
	p->stats.subscriptions++;
	*out = sub;
	return GW_OK;
}

sub_t *push_sub_find(gw_push_session_t *s, uint16_t id)
{
	for (sub_t *sub = s->subs; sub != NULL; sub = sub->next)
		if (sub->id == id)
			return sub;
	return NULL;
}

void push_sub_remove(sub_t *sub)
{
	gw_push_session_t *s = sub->s;
	gw_push_t *p = s->p;
	/* Without walking the chain: a session closed with many
	 * subscriptions in one chain cost the square of them. */
	*sub->hpprev = sub->hnext;
	if (sub->hnext != NULL)
		sub->hnext->hpprev = sub->hpprev;
	GW_DLIST_UNLINK(s->subs, sub, prev, next);
	s->sub_count--;
	p->stats.subscriptions--;
	free(sub);
}

/* ---- PUSH messages ----------------------------------------------------------- */

/* Send s's pending PUSH (when it holds an RR) and empty it. */
static int pend_flush(gw_push_session_t *s)
{
	size_t hdr = GW_DSO_HEADER + 4;
	if (s->pend == NULL || s->pend_len <= hdr)
		return GW_OK;
	ldns_write_uint16(s->pend + GW_DSO_HEADER + 2, (uint16_t)(s->pend_len - hdr));
	int ret = s->send(s->conn, s->pend, s->pend_len);
	s->p->stats.pushes++;
	s->pend_len = hdr;
	return ret;
}

/* Append one RR in PUSH form (owner, type, class, TTL, rdlength, rdata:
 * the form of zone_rrdiff_t, so a copy) with ttl in place of its own
 * when ttl_set. */
static int pend_add(gw_push_session_t *s, const uint8_t *rr, size_t len, bool ttl_set, uint32_t ttl,
                    size_t ttl_off)
{
	size_t hdr = GW_DSO_HEADER + 4;
	/* An RR that no message can hold (a 64 KiB RDATA) is left out. */
	if (len > PUSH_MSG_MAX - hdr)
		return GW_OK;
	if (s->pend == NULL) {
		s->pend = malloc(PUSH_MSG_MAX);
		if (s->pend == NULL)
			return GW_ENOMEM;
		gw_dso_begin(s->pend, PUSH_MSG_MAX, 0, false, 0);
		ldns_write_uint16(s->pend + GW_DSO_HEADER, GW_DSO_PUSH);
		s->pend_len = hdr;
	}
	if (PUSH_MSG_MAX - s->pend_len < len) {
		int ret = pend_flush(s);
		if (ret != GW_OK)
			return ret;
	}
	memcpy(s->pend + s->pend_len, rr, len);
	if (ttl_set) {
		ldns_write_uint16(s->pend + s->pend_len + ttl_off, (uint16_t)(ttl >> 16));
		ldns_write_uint16(s->pend + s->pend_len + ttl_off + 2, (uint16_t)ttl);
	}
	s->pend_len += len;
	return GW_OK;
}

static void pend_end(gw_push_session_t *s)
{
	free(s->pend);
	s->pend = NULL;
	s->pend_len = 0;
	s->last_rr = 0;
}

/* One RR of the diff at rr (its owner owner_len octets): append it to the
 * PUSH of every session with a subscription that covers it. */
static void fan_out(gw_push_t *p, const uint8_t *rr, size_t rr_len, size_t owner_len, bool removed,
                    size_t index, gw_push_session_t **touched)
{
	uint8_t lower[256];
	size_t n = (size_t)zone_name_lower(lower, rr);
	uint16_t type = (uint16_t)(rr[owner_len] << 8 | rr[owner_len + 1]);
	uint32_t h = push_name_hash(p->seed, lower, n);
	for (sub_t *sub = p->buckets[h & (p->nbuckets - 1)]; sub != NULL; sub = sub->hnext) {
		gw_push_session_t *s = sub->s;
		if (sub->hash != h || sub->name_len != n || memcmp(sub->name, lower, n) != 0 ||
		    !push_sub_covers(sub->type, sub->rrclass, type) || s->last_rr == index + 1)
			continue;
		s->last_rr = index + 1;
		if (!s->in_touched) {
			s->in_touched = true;
			s->touched = *touched;
			*touched = s;
		}
		/* RFC 8765 6.3.1: a removed RR is the RR with TTL 0xFFFFFFFF. */
		if (pend_add(s, rr, rr_len, removed, GW_PUSH_TTL_DELETE_RR, owner_len + 4) !=
		    GW_OK) {
			static gw_log_limit_t lim;
			gw_log_limited(&lim, GW_LOG_WARNING,
			               "push: a PUSH could not be queued (out of memory, or the "
			               "client does not read); its connection closes");
		}
	}
}

void gw_push_commit(gw_push_t *p, const zone_rrdiff_t *diff)
{
	if (p == NULL || diff == NULL || p->stats.subscriptions == 0)
		return;
	gw_push_session_t *touched = NULL;
	size_t off = 0, index = 0;
	uint32_t total = diff->removed + diff->added;
	/* Removals first, then additions: the diff's order is the order a
	 * client must apply them in. */
	while (index < total && off < diff->size) {
		const uint8_t *rr = diff->data + off;
		int owner = zone_name_len(rr, diff->size - off);
		if (owner <= 0 || diff->size - off < (size_t)owner + 10)
			break;
		size_t rdlen = (size_t)rr[owner + 8] << 8 | rr[owner + 9];
		size_t len = (size_t)owner + 10 + rdlen;
		if (diff->size - off < len)
			break;
		fan_out(p, rr, len, (size_t)owner, index < diff->removed, index, &touched);
		off += len;
		index++;
	}
	while (touched != NULL) {
		gw_push_session_t *s = touched;
		touched = s->touched;
		s->in_touched = false;
		s->touched = NULL;
		pend_flush(s);
		pend_end(s);
	}
}

/* ---- initial answers ----------------------------------------------------------- */

static int initial_rrset(gw_push_session_t *s, const zone_node_t *node, const zone_rrset_t *set)
{
	uint8_t rr[256 + 10 + 65535];
	uint32_t pos = 0;
	const uint8_t *rdata;
	uint16_t rdlen;
	while (zone_rrset_next(set, &pos, &rdata, &rdlen)) {
		size_t n = zone_rr_to_wire(rr, node->owner, node->owner_len, set->type, set->ttl,
		                           rdata, rdlen);
		int ret = pend_add(s, rr, n, false, 0, 0);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int push_initial(gw_push_session_t *s, const sub_t *sub)
{
	gw_push_t *p = s->p;
	const zone_t *zone = push_zone_of(p, sub->name);
	if (zone == NULL)
		return GW_OK;
	const zone_node_t *node = zone_find(zone, sub->name);
	if (node == NULL)
		return GW_OK;
	int ret = GW_OK;
	for (uint16_t i = 0; i < node->rrset_count && ret == GW_OK; i++)
		if (push_sub_covers(sub->type, sub->rrclass, node->rrsets[i].type))
			ret = initial_rrset(s, node, &node->rrsets[i]);
	/* The signatures of a subscribed type are RRSIG RRs of their own
	 * (a subscription to RRSIG): not kept in the node as an RRset. */
	if (ret == GW_OK)
		ret = pend_flush(s);
	pend_end(s);
	return ret;
}
