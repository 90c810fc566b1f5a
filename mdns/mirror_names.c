/* The mirror's view of the links: what mDNS reports, checked against the
 * limits and kept per link as names with roles (type enumeration, browse
 * name, instance, host), each browsed for its record types. A record that
 * points at a name (PTR, SRV) holds a reference on the role it gives that
 * name, so that a goodbye or an expiry releases, in turn, what only it
 * kept browsed. What is published is derived from this state in
 * mirror_publish.c. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/error.h"
#include "common/log.h"
#include "common/word.h"

static uint32_t name_hash(uint32_t seed, const uint8_t *name)
{
	size_t len = (size_t)zone_name_len(name, ZONE_NAME_MAXLEN);
	uint32_t h = gw_fnv32_ci(GW_FNV32_INIT ^ seed, name, len);
	return h ^ (h >> 15);
}

static uint16_t slot_type(int slot)
{
	static const uint16_t types[SLOT_COUNT] = {DNS_T_PTR, DNS_T_SRV, DNS_T_TXT, DNS_T_A,
	                                           DNS_T_AAAA};
	return types[slot];
}

static int type_slot(uint16_t type)
{
	switch (type) {
	case DNS_T_PTR:
		return SLOT_PTR;
	case DNS_T_SRV:
		return SLOT_SRV;
	case DNS_T_TXT:
		return SLOT_TXT;
	case DNS_T_A:
		return SLOT_A;
	case DNS_T_AAAA:
		return SLOT_AAAA;
	default:
		return -1;
	}
}

/* The roles a record type belongs to. */
static int type_roles(uint16_t type)
{
	switch (type) {
	case DNS_T_PTR:
		return ROLE_ENUM | ROLE_BROWSE;
	case DNS_T_SRV:
	case DNS_T_TXT:
		return ROLE_INSTANCE;
	case DNS_T_A:
	case DNS_T_AAAA:
		return ROLE_HOST;
	default:
		return 0;
	}
}

static void role_slots(int role, int *first, int *last)
{
	switch (role) {
	case ROLE_INSTANCE:
		*first = SLOT_SRV;
		*last = SLOT_TXT;
		break;
	case ROLE_HOST:
		*first = SLOT_A;
		*last = SLOT_AAAA;
		break;
	default:
		*first = *last = SLOT_PTR;
		break;
	}
}

static kname_t *kname_find(const mlink_t *l, const uint8_t *name, uint32_t hash)
{
	for (gw_hlink_t *h = gw_htab_chain(&l->names, hash); h != NULL; h = h->next) {
		kname_t *n = kname_of(h);
		if (h->hash == hash && zone_name_equal(n->name, name))
			return n;
	}
	return NULL;
}

kname_t *mirror_name_find(const mdns_mirror_t *m, const mlink_t *l, const uint8_t *name)
{
	return kname_find(l, name, name_hash(m->seed, name));
}

kname_t *mirror_name_get(mdns_mirror_t *m, mlink_t *l, const uint8_t *name)
{
	uint32_t hash = name_hash(m->seed, name);
	kname_t *n = kname_find(l, name, hash);
	if (n != NULL)
		return n;
	int len = zone_name_len(name, ZONE_NAME_MAXLEN);
	if (len < 1)
		return NULL;
	n = calloc(1, sizeof(*n) + (size_t)len);
	if (n == NULL)
		return NULL;
	n->link = l;
	n->len = (uint16_t)len;
	memcpy(n->name, name, (size_t)len);
	if (gw_htab_insert(&l->names, &n->hl, hash) != GW_OK) {
		free(n);
		return NULL;
	}
	return n;
}

/* ---- watches ---------------------------------------------------------------- */

static void watch_start(mdns_mirror_t *m, kname_t *n, int slot)
{
	mlink_t *l = n->link;
	if (l->state != LINK_UP || n->watching[slot])
		return;
	/* mdns.ipv4 / ipv6 off: that family's addresses are not mirrored. */
	if ((slot == SLOT_A && !m->cfg->ipv4) || (slot == SLOT_AAAA && !m->cfg->ipv6))
		return;
	if (m->mdns != NULL) {
		int ret =
		    mdns_watch_new(&n->watch[slot], m->mdns, l->ifindex, n->name, slot_type(slot));
		if (ret != GW_OK) {
			/* What a device announces leads here: limited. */
			static gw_log_limit_t lim;
			char text[ZONE_NAME_MAXLEN * 4];
			zone_name_to_str(text, sizeof(text), n->name);
			gw_log_limited(&lim, GW_LOG_WARNING, "link %s: cannot browse %s: %s",
			               l->label, text, gw_strerror(ret));
			return;
		}
	}
	n->watching[slot] = true;
	m->watches++;
}

void mirror_watch_stop(mdns_mirror_t *m, kname_t *n, int slot)
{
	if (!n->watching[slot])
		return;
	mdns_watch_free(n->watch[slot]);
	n->watch[slot] = NULL;
	n->watching[slot] = false;
	m->watches--;
}

static void watch_role(mdns_mirror_t *m, kname_t *n, int role, bool on)
{
	int first, last;
	role_slots(role, &first, &last);
	for (int s = first; s <= last; s++) {
		if (on)
			watch_start(m, n, s);
		else
			mirror_watch_stop(m, n, s);
	}
}

void mirror_watch_all(mdns_mirror_t *m, kname_t *n, bool on)
{
	for (int role = ROLE_ENUM; role <= ROLE_HOST; role <<= 1) {
		if (n->roles & role)
			watch_role(m, n, role, on);
	}
}

/* ---- roles and records ------------------------------------------------------ */

static void role_release(mdns_mirror_t *m, kname_t *n, int role);

void mirror_name_maybe_free(mdns_mirror_t *m, kname_t *n)
{
	if (n->roles != 0 || n->busy != 0)
		return;
	gw_htab_remove(&n->link->names, &n->hl);
	for (int s = 0; s < SLOT_COUNT; s++)
		mirror_watch_stop(m, n, s);
	/* A name without roles has no records left: they are dropped with the
	 * role they belong to. */
	free(n);
}

/* The services on host h changed by delta: so did those at each of its
 * addresses. */
static void host_addrs_adjust(mdns_mirror_t *m, kname_t *h, int64_t delta)
{
	for (const krr_t *r = h->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
			mirror_addr_adjust(m, h->link, r->rdata, r->rdlen, delta);
	}
}

static void rr_free(mdns_mirror_t *m, kname_t *n, krr_t *r)
{
	if (r->type != DNS_T_PTR) {
		n->rr_count--;
	} else {
		n->ptr_count--;
		n->ptr_rdata -= r->rdlen;
	}
	if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
		mirror_addr_adjust(m, n->link, r->rdata, r->rdlen,
		                   -(int64_t)n->refs[role_idx(ROLE_HOST)]);
	if (r->target != NULL) {
		*r->tpprev = r->tnext;
		if (r->tnext != NULL)
			r->tnext->tpprev = r->tpprev;
		role_release(m, r->target, r->trole);
	}
	free(r);
}

static void role_drop(mdns_mirror_t *m, kname_t *n, int role)
{
	mlink_t *l = n->link;
	if (!(n->roles & role))
		return;
	n->roles &= (uint8_t)~role;
	if (role == ROLE_INSTANCE)
		l->instances--;
	else if (role == ROLE_BROWSE)
		l->types--;
	watch_role(m, n, role, false);
	/* Detach first: releasing targets may come back to this very name
	 * (an SRV whose target is its own owner). */
	n->busy++;
	krr_t *dropped = NULL;
	for (krr_t **pp = &n->rrs; *pp != NULL;) {
		krr_t *r = *pp;
		if (type_roles(r->type) & role) {
			*pp = r->next;
			r->next = dropped;
			dropped = r;
		} else {
			pp = &r->next;
		}
	}
	while (dropped != NULL) {
		krr_t *r = dropped;
		dropped = r->next;
		rr_free(m, n, r);
	}
	n->busy--;
	mirror_link_dirty(m, l);
	mirror_name_maybe_free(m, n);
}

/* Instances of a type still known at its browse name. The type list
 * (_services._dns-sd._udp PTR <type>) is one record shared by every
 * responder offering the type: one responder's goodbye for it says nothing
 * of the instances another responder still offers, so the type stays
 * browsed while any of them is known. */
static bool browse_has_instances(const kname_t *n)
{
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_PTR && r->target != NULL && r->trole == ROLE_INSTANCE)
			return true;
	}
	return false;
}

static void role_release(mdns_mirror_t *m, kname_t *n, int role)
{
	int i = role_idx(role);
	if (n->refs[i] > 0) {
		n->refs[i]--;
		if (role == ROLE_HOST)
			host_addrs_adjust(m, n, -1);
	}
	if (n->refs[i] != 0 || (n->fixed & role))
		return;
	if (role == ROLE_BROWSE && browse_has_instances(n))
		return; /* dropped with its last instance (mirror_rr_remove) */
	role_drop(m, n, role);
}

void mirror_role_acquire(mdns_mirror_t *m, kname_t *n, int role)
{
	mlink_t *l = n->link;
	n->refs[role_idx(role)]++;
	if (role == ROLE_HOST)
		host_addrs_adjust(m, n, 1);
	if (n->roles & role)
		return;
	n->roles |= (uint8_t)role;
	if (role == ROLE_INSTANCE)
		l->instances++;
	else if (role == ROLE_BROWSE)
		l->types++;
	watch_role(m, n, role, true);
}

void mirror_role_unfix(mdns_mirror_t *m, kname_t *n, int role)
{
	n->fixed &= (uint8_t)~role;
	n->busy++;
	role_release(m, n, role);
	n->busy--;
	mirror_name_maybe_free(m, n);
}

/* The names in PTR and SRV data compare without case, as Avahi's cache
 * compares them: it keeps one record of an equal pair, reports neither
 * the swap nor the second add, and then says goodbye in the case it got
 * last. A goodbye matched only octet for octet would be lost and the
 * record kept for good. */
static bool rdata_equal(uint16_t type, const uint8_t *a, const uint8_t *b, uint16_t len)
{
	size_t fixed = type == DNS_T_SRV ? 6 : type == DNS_T_PTR ? 0 : len;
	if (fixed > len)
		fixed = len;
	/* Length octets never fall in 'A'..'Z': one pass over the name. */
	return memcmp(a, b, fixed) == 0 && gw_octets_equal_ci(a + fixed, b + fixed, len - fixed);
}

static krr_t *rr_find(const kname_t *n, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == type && r->rdlen == rdlen &&
		    rdata_equal(type, r->rdata, rdata, rdlen))
			return r;
	}
	return NULL;
}

static void rr_add(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec, uint8_t bit)
{
	mlink_t *l = n->link;
	const uint8_t *tname = NULL;
	int trole = 0;
	kname_t *t = NULL;

	if (!mirror_rr_admissible(m, n, rec, &tname, &trole))
		return;
	krr_t *r = calloc(1, sizeof(*r) + rec->rdlen);
	if (r == NULL) {
		gw_warn("link %s: out of memory, a record is not mirrored", l->label);
		return;
	}
	if (tname != NULL) {
		n->busy++;
		t = mirror_name_get(m, l, tname);
		n->busy--;
		if (t == NULL) {
			free(r);
			gw_warn("link %s: out of memory, a record is not mirrored", l->label);
			return;
		}
		mirror_role_acquire(m, t, trole);
		r->target = t;
		r->trole = (uint8_t)trole;
		r->owner = n;
		r->tnext = t->referrers;
		if (t->referrers != NULL)
			t->referrers->tpprev = &r->tnext;
		r->tpprev = &t->referrers;
		t->referrers = r;
	}
	r->type = rec->type;
	r->rdlen = rec->rdlen;
	r->ttl = rec->ttl;
	r->gen = l->gen;
	r->protos = bit;
	memcpy(r->rdata, rec->rdata, rec->rdlen);
	r->next = n->rrs;
	n->rrs = r;
	if (r->type != DNS_T_PTR) {
		n->rr_count++;
	} else {
		n->ptr_count++;
		n->ptr_rdata += r->rdlen;
	}
	if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
		mirror_addr_adjust(m, l, r->rdata, r->rdlen, n->refs[role_idx(ROLE_HOST)]);
	mirror_link_dirty(m, l);
}

void mirror_rr_remove(mdns_mirror_t *m, kname_t *n, krr_t *r)
{
	krr_t **pp = &n->rrs;
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	n->busy++;
	rr_free(m, n, r);
	/* A type kept browsed only for its instances goes with the last. */
	int b = role_idx(ROLE_BROWSE);
	if ((n->roles & ROLE_BROWSE) && n->refs[b] == 0 && !(n->fixed & ROLE_BROWSE) &&
	    !browse_has_instances(n))
		role_drop(m, n, ROLE_BROWSE);
	n->busy--;
	mirror_link_dirty(m, n->link);
	mirror_name_maybe_free(m, n);
}

void mirror_rr_event(mdns_mirror_t *m, mlink_t *l, const mdns_record_t *rec)
{
	kname_t *n = mirror_name_find(m, l, rec->owner);
	if (n == NULL || !(type_roles(rec->type) & n->roles) || type_slot(rec->type) < 0)
		return;
	uint8_t bit = rec->family == AF_INET ? 1 : rec->family == AF_INET6 ? 2 : MIRROR_PROTO_HEARD;
	krr_t *r = rr_find(n, rec->type, rec->rdata, rec->rdlen);
	if (rec->add) {
		if (r == NULL) {
			rr_add(m, n, rec, bit);
			return;
		}
		r->protos |= bit;
		r->gen = l->gen;
		if (r->ttl != rec->ttl) {
			r->ttl = rec->ttl;
			mirror_link_dirty(m, l);
		}
		return;
	}
	if (r == NULL)
		return;
	/* The same record seen over IPv4 and IPv6 is one record; it goes when
	 * both transports have said goodbye. */
	r->protos &= (uint8_t)~bit;
	if (r->protos == 0)
		mirror_rr_remove(m, n, r);
}

bool mdns_mirror_is_watched(const mdns_mirror_t *m, int ifindex, const uint8_t *name, uint16_t type)
{
	int slot = type_slot(type);
	if (slot < 0)
		return false;
	for (const mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->state == LINK_DOWN || l->ifindex != ifindex)
			continue;
		const kname_t *n = mirror_name_find(m, l, name);
		return n != NULL && n->watching[slot];
	}
	return false;
}
