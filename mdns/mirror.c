/* The mirror's view of the links: what mDNS reports, checked against the
 * limits and kept per link as names with roles (type enumeration, browse
 * name, instance, host), each browsed for its record types. A record that
 * points at a name (PTR, SRV) holds a reference on the role it gives that
 * name, so that a goodbye or an expiry releases, in turn, what only it
 * kept browsed. What is published is derived from this state in
 * mirror_publish.c. */
#include "mdns/mirror_internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

#define MINUTE_NS (60ULL * 1000000000ULL)

static const char *const refused_what[MDNS_MIRROR_REFUSED_KINDS] = {
    "services (limit per link)",
    "service types (limit per link)",
    "records (limit per name)",
    "TXT records (size limit)",
    "changes (limit per second, deferred)",
    "names (too long once rewritten)",
    "names (gateway-owned)",
    "records (not valid DNS-SD)",
    "names (a \"*\" label)",
    "services (limit per host)",
    "services (limit per address)",
};

static double ms(uint64_t v)
{
	return (double)v / 1000.0;
}

/* ---- rate-limited log lines ---------------------------------------------- */

void mirror_refuse(mdns_mirror_t *m, mlink_t *l, mdns_mirror_refused_t kind, const char *fmt, ...)
{
	m->stats.refused[kind]++;
	ratelog_t *rl = &l->log[kind];
	uint64_t now = gw_clock_mono_ns();
	if (rl->window_ns != 0 && now - rl->window_ns < MINUTE_NS) {
		rl->suppressed++;
		if (!ev_is_active(&m->logflush))
			ev_timer_again(m->loop, &m->logflush);
		return;
	}
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rl->suppressed > 0)
		gw_warn("link %s: %s (and %" PRIu64 " more %s since the last such line)", l->label,
		        msg, rl->suppressed, refused_what[kind]);
	else
		gw_warn("link %s: %s", l->label, msg);
	rl->window_ns = now;
	rl->suppressed = 0;
}

/* Counts of what was refused silently during a minute, so that one line
 * per kind per link per minute tells the whole story; at shutdown
 * (all) whatever is pending is told too. Returns whether counts remain. */
static bool flush_logs(mdns_mirror_t *m, bool all)
{
	uint64_t now = gw_clock_mono_ns();
	bool pending = false;
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		for (int k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++) {
			ratelog_t *rl = &l->log[k];
			if (rl->suppressed == 0)
				continue;
			if (!all && now - rl->window_ns < MINUTE_NS) {
				pending = true;
				continue;
			}
			gw_warn("link %s: %" PRIu64 " more %s refused since the last such line",
			        l->label, rl->suppressed, refused_what[k]);
			rl->suppressed = 0;
			rl->window_ns = now;
		}
	}
	return pending;
}

static void on_logflush(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, logflush);
	if (!flush_logs(m, false))
		ev_timer_stop(loop, w);
}

/* ---- names of a link ------------------------------------------------------ */

static uint32_t name_hash(uint32_t seed, const uint8_t *name)
{
	size_t len = (size_t)zone_name_len(name, ZONE_NAME_MAXLEN);
	uint32_t h = gw_fnv32_ci(GW_FNV32_INIT ^ seed, name, len);
	return h ^ (h >> 15);
}

static int role_idx(int role)
{
	return __builtin_ctz((unsigned)role);
}

static uint16_t slot_type(int slot)
{
	static const uint16_t types[SLOT_COUNT] = {MDNS_T_PTR, MDNS_T_SRV, MDNS_T_TXT, MDNS_T_A,
	                                           MDNS_T_AAAA};
	return types[slot];
}

static int type_slot(uint16_t type)
{
	switch (type) {
	case MDNS_T_PTR:
		return SLOT_PTR;
	case MDNS_T_SRV:
		return SLOT_SRV;
	case MDNS_T_TXT:
		return SLOT_TXT;
	case MDNS_T_A:
		return SLOT_A;
	case MDNS_T_AAAA:
		return SLOT_AAAA;
	default:
		return -1;
	}
}

/* The roles a record type belongs to. */
static int type_roles(uint16_t type)
{
	switch (type) {
	case MDNS_T_PTR:
		return ROLE_ENUM | ROLE_BROWSE;
	case MDNS_T_SRV:
	case MDNS_T_TXT:
		return ROLE_INSTANCE;
	case MDNS_T_A:
	case MDNS_T_AAAA:
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

static kname_t *kname_get(mdns_mirror_t *m, mlink_t *l, const uint8_t *name)
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

static void link_dirty(mdns_mirror_t *m, mlink_t *l)
{
	l->c.dirty = true;
	mirror_schedule(m);
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
			char text[ZONE_NAME_MAXLEN * 4];
			zone_name_to_str(text, sizeof(text), n->name);
			gw_warn("link %s: cannot browse %s: %s", l->label, text, gw_strerror(ret));
			return;
		}
	}
	n->watching[slot] = true;
	m->watches++;
}

static void watch_stop(mdns_mirror_t *m, kname_t *n, int slot)
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
			watch_stop(m, n, s);
	}
}

static void watch_all(mdns_mirror_t *m, kname_t *n, bool on)
{
	for (int role = ROLE_ENUM; role <= ROLE_HOST; role <<= 1) {
		if (n->roles & role)
			watch_role(m, n, role, on);
	}
}

/* ---- roles and records ------------------------------------------------------ */

static void role_release(mdns_mirror_t *m, kname_t *n, int role);
static void rr_remove(mdns_mirror_t *m, kname_t *n, krr_t *r);

static void name_maybe_free(mdns_mirror_t *m, kname_t *n)
{
	if (n->roles != 0 || n->busy != 0)
		return;
	gw_htab_remove(&n->link->names, &n->hl);
	for (int s = 0; s < SLOT_COUNT; s++)
		watch_stop(m, n, s);
	/* A name without roles has no records left: they are dropped with the
	 * role they belong to. */
	free(n);
}

/* The services on host h changed by delta: so did those at each of its
 * addresses. */
static void host_addrs_adjust(mdns_mirror_t *m, kname_t *h, int64_t delta)
{
	for (const krr_t *r = h->rrs; r != NULL; r = r->next) {
		if (r->type == MDNS_T_A || r->type == MDNS_T_AAAA)
			mirror_addr_adjust(m, h->link, r->rdata, r->rdlen, delta);
	}
}

static void rr_free(mdns_mirror_t *m, kname_t *n, krr_t *r)
{
	if (r->type != MDNS_T_PTR)
		n->rr_count--;
	if (r->type == MDNS_T_A || r->type == MDNS_T_AAAA)
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
	link_dirty(m, l);
	name_maybe_free(m, n);
}

/* Instances of a type still known at its browse name. The type list
 * (_services._dns-sd._udp PTR <type>) is one record shared by every
 * responder offering the type: one responder's goodbye for it says nothing
 * of the instances another responder still offers, so the type stays
 * browsed while any of them is known. */
static bool browse_has_instances(const kname_t *n)
{
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == MDNS_T_PTR && r->target != NULL && r->trole == ROLE_INSTANCE)
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
		return; /* dropped with its last instance (rr_remove) */
	role_drop(m, n, role);
}

static void role_acquire(mdns_mirror_t *m, kname_t *n, int role)
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

static void name_text(char *buf, size_t len, const uint8_t *name)
{
	if (zone_name_to_str(buf, len, name) != GW_OK && buf[0] == '\0')
		snprintf(buf, len, "(unprintable name)");
}

/* May a name from the link become a name of the zone? Its rewritten form
 * must fit and must not touch gateway-owned names. */
static bool name_admissible(mdns_mirror_t *m, mlink_t *l, const uint8_t *name, const char *what)
{
	uint8_t out[ZONE_NAME_MAXLEN];
	char text[ZONE_NAME_MAXLEN * 4];
	if (mdns_name_is_reserved(name)) {
		name_text(text, sizeof(text), name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RESERVED,
		              "refused %s %s: it would land on the gateway's _dns-sd._udp names",
		              what, text);
		return false;
	}
	int ret = mdns_translate_name(out, name, l->suffix, 1);
	if (ret == GW_ELIMIT) {
		name_text(text, sizeof(text), name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_LENGTH,
		              "refused %s %s: longer than 255 octets under %s", what, text,
		              l->label);
		return false;
	}
	if (ret < 0) {
		name_text(text, sizeof(text), name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID,
		              "refused %s %s: not a name under .local", what, text);
		return false;
	}
	return true;
}

/* Names that would change what DNS means once mirrored (a wildcard, a
 * name on DNS-SD's structure, a control character: mdns_name_vet()) are
 * refused whatever the limits. srv_owner: the instance whose SRV targets
 * name (a host), or NULL. */
static bool name_vetted(mdns_mirror_t *m, mlink_t *l, const uint8_t *name, mdns_use_t use,
                        const uint8_t *srv_owner)
{
	char text[ZONE_NAME_MAXLEN * 4];
	char otext[ZONE_NAME_MAXLEN * 4];
	mdns_vet_t v = mdns_name_vet(name, use);
	if (v == MDNS_VET_OK)
		return true;
	mdns_mirror_refused_t kind = v == MDNS_VET_WILDCARD   ? MDNS_MIRROR_REFUSED_WILDCARD
	                             : v == MDNS_VET_RESERVED ? MDNS_MIRROR_REFUSED_RESERVED
	                                                      : MDNS_MIRROR_REFUSED_INVALID;
	name_text(text, sizeof(text), name);
	if (srv_owner != NULL) {
		name_text(otext, sizeof(otext), srv_owner);
		mirror_refuse(m, l, kind, "refused the SRV of %s: its target %s: %s", otext, text,
		              mdns_vet_str(v));
	} else {
		mirror_refuse(m, l, kind, "refused %s %s: %s",
		              use == MDNS_USE_TYPE ? "service type" : "service", text,
		              mdns_vet_str(v));
	}
	return false;
}

static krr_t *rr_find(const kname_t *n, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == type && r->rdlen == rdlen && memcmp(r->rdata, rdata, rdlen) == 0)
			return r;
	}
	return NULL;
}

/* The services one device may have on a link: a fair share, so that one
 * device cannot take the whole link's quota. A device is known by its SRV
 * target host, and by the addresses of that host (avahi-core does not say
 * which address a packet came from). Configured (limits.services_per_host,
 * limits.services_per_address), or by default the larger of 64 and an
 * eighth of the link's services; never more than the link's. */
static uint32_t fair_share(const mdns_mirror_config_t *cfg, uint32_t configured)
{
	uint32_t link = cfg->limits.services_per_link;
	uint32_t cap = configured != 0 ? configured : link / 8 > 64 ? link / 8 : 64;
	return cap < link ? cap : link;
}

/* what: "service" (an instance's SRV) or "host" (a host's address). */
static void refuse_address(mdns_mirror_t *m, mlink_t *l, const char *what, const uint8_t *name,
                           uint16_t type, const uint8_t *rdata, uint32_t cap)
{
	char text[ZONE_NAME_MAXLEN * 4];
	char atext[INET6_ADDRSTRLEN];
	name_text(text, sizeof(text), name);
	inet_ntop(type == MDNS_T_A ? AF_INET : AF_INET6, rdata, atext, sizeof(atext));
	mirror_refuse(m, l, MDNS_MIRROR_REFUSED_ADDRESS,
	              "refused %s %s: %u services per address at most, and the hosts at %s have "
	              "them",
	              what, text, cap, atext);
}

/* May instance n's SRV point at host (wire, .local)? Not when the host,
 * or one of its addresses, has its share of the link's services already;
 * an instance that already points there keeps its place (a new port, a
 * re-announcement). */
static bool host_has_room(mdns_mirror_t *m, kname_t *n, const uint8_t *host)
{
	mlink_t *l = n->link;
	kname_t *t = kname_find(l, host, name_hash(m->seed, host));
	uint32_t cap = fair_share(m->cfg, m->cfg->limits.services_per_host);
	uint32_t acap = fair_share(m->cfg, m->cfg->limits.services_per_address);
	if (t == NULL)
		return true;
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == MDNS_T_SRV && r->target == t)
			return true;
	}
	char text[ZONE_NAME_MAXLEN * 4];
	char htext[ZONE_NAME_MAXLEN * 4];
	if (t->refs[role_idx(ROLE_HOST)] >= cap) {
		name_text(text, sizeof(text), n->name);
		name_text(htext, sizeof(htext), host);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_HOST,
		              "refused service %s: %u services per host at most, and %s has them",
		              text, cap, htext);
		return false;
	}
	for (const krr_t *r = t->rrs; r != NULL; r = r->next) {
		if ((r->type == MDNS_T_A || r->type == MDNS_T_AAAA) &&
		    mirror_addr_services(m, l, r->rdata, r->rdlen) >= acap) {
			refuse_address(m, l, "service", n->name, r->type, r->rdata, acap);
			return false;
		}
	}
	return true;
}

/* May host h have the address of rec? Not when, with h's services, the
 * hosts at that address would have more than their share: that is one
 * device under many host names. */
static bool address_has_room(mdns_mirror_t *m, kname_t *h, const mdns_record_t *rec)
{
	uint32_t acap = fair_share(m->cfg, m->cfg->limits.services_per_address);
	/* h does not hold the address yet: the count is the other hosts' */
	uint32_t others = mirror_addr_services(m, h->link, rec->rdata, rec->rdlen);
	if (others + h->refs[role_idx(ROLE_HOST)] <= acap)
		return true;
	refuse_address(m, h->link, "host", h->name, rec->type, rec->rdata, acap);
	return false;
}

/* Give up instance n (its host is over its share): drop the browse PTRs
 * that lead to it (its referrers), and with them its role, its browsing
 * and its place in the link's count of services, so that the link's quota
 * stays free for other devices. Avahi reports those PTRs again only when
 * they go and come back. */
static void instance_evict(mdns_mirror_t *m, kname_t *n)
{
	n->busy++;
	for (;;) {
		krr_t *r = n->referrers;
		while (r != NULL && !(r->type == MDNS_T_PTR && r->trole == ROLE_INSTANCE))
			r = r->tnext;
		if (r == NULL)
			break;
		rr_remove(m, r->owner, r);
	}
	n->busy--;
	name_maybe_free(m, n);
}

static size_t srv_referrers(const kname_t *h)
{
	size_t count = 0;
	for (const krr_t *r = h->referrers; r != NULL; r = r->tnext)
		count += r->type == MDNS_T_SRV;
	return count;
}

/* Give up every instance whose SRV leads to host h (refused an address:
 * h is one more name of a device over its share). */
static void host_evict(mdns_mirror_t *m, kname_t *h)
{
	h->busy++;
	for (size_t left = srv_referrers(h), before = SIZE_MAX; left > 0 && left < before;
	     before = left, left = srv_referrers(h)) {
		krr_t *r = h->referrers;
		while (r->type != MDNS_T_SRV)
			r = r->tnext;
		/* Only browse PTRs give an instance its role, so evicting it
		 * drops its SRV from h's referrers; the count guards the loop
		 * all the same. */
		instance_evict(m, r->owner);
	}
	h->busy--;
	name_maybe_free(m, h);
}

/* Check a new record against the rules and limits; on success, the name
 * it points at (if any) and the role that name gets. *evict: refused, and
 * what n leads to should go too (an SRV: the instance n; an address: the
 * services on host n). */
static bool rr_admissible(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec,
                          const uint8_t **target, int *trole, bool *evict)
{
	mlink_t *l = n->link;
	const mdns_mirror_config_t *cfg = m->cfg;
	char text[ZONE_NAME_MAXLEN * 4];
	char ttext[ZONE_NAME_MAXLEN * 4];
	uint8_t out[MDNS_RDATA_MAX];
	*target = NULL;
	*trole = 0;
	*evict = false;

	if (rec->type != MDNS_T_PTR && n->rr_count >= cfg->limits.records_per_name) {
		name_text(text, sizeof(text), n->name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RECORDS,
		              "refused a type %u record at %s: %u records per name at most",
		              rec->type, text, cfg->limits.records_per_name);
		return false;
	}
	switch (rec->type) {
	case MDNS_T_PTR: {
		if (zone_name_len(rec->rdata, rec->rdlen) != (int)rec->rdlen) {
			name_text(text, sizeof(text), n->name);
			mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID,
			              "refused a malformed PTR at %s", text);
			return false;
		}
		kname_t *t = kname_find(l, rec->rdata, name_hash(m->seed, rec->rdata));
		if (n->roles & ROLE_ENUM) {
			if (mdns_name_kind(rec->rdata) != MDNS_NAME_TYPE) {
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(
				    m, l,
				    mdns_name_is_reserved(rec->rdata) ? MDNS_MIRROR_REFUSED_RESERVED
				                                      : MDNS_MIRROR_REFUSED_INVALID,
				    "refused service type %s: not <_service>._tcp|_udp, or "
				    "gateway-owned",
				    ttext);
				return false;
			}
			if (!name_vetted(m, l, rec->rdata, MDNS_USE_TYPE, NULL))
				return false;
			if ((t == NULL || !(t->roles & ROLE_BROWSE)) &&
			    l->types >= cfg->limits.services_per_link) {
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(m, l, MDNS_MIRROR_REFUSED_TYPES,
				              "refused service type %s: %u types at most", ttext,
				              cfg->limits.services_per_link);
				return false;
			}
			*trole = ROLE_BROWSE;
		} else {
			const uint8_t *base = n->name;
			if (mdns_name_kind(n->name) == MDNS_NAME_SUBTYPE)
				base = mdns_name_skip(n->name, 2);
			if (!mdns_instance_of(rec->rdata, base)) {
				name_text(text, sizeof(text), n->name);
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID,
				              "refused %s PTR %s: not an instance of that type",
				              text, ttext);
				return false;
			}
			if (!name_vetted(m, l, rec->rdata, MDNS_USE_INSTANCE, NULL))
				return false;
			if ((t == NULL || !(t->roles & ROLE_INSTANCE)) &&
			    l->instances >= cfg->limits.services_per_link) {
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(m, l, MDNS_MIRROR_REFUSED_SERVICES,
				              "refused service %s: %u services per link at most",
				              ttext, cfg->limits.services_per_link);
				return false;
			}
			*trole = ROLE_INSTANCE;
		}
		if (t == NULL && !name_admissible(m, l, rec->rdata, "name"))
			return false;
		*target = rec->rdata;
		return true;
	}
	case MDNS_T_SRV: {
		if (rec->rdlen > 6 &&
		    zone_name_len(rec->rdata + 6, rec->rdlen - 6) == (int)rec->rdlen - 6 &&
		    !name_vetted(m, l, rec->rdata + 6, MDNS_USE_HOST, n->name))
			return false;
		int ret =
		    mdns_translate_rdata(out, MDNS_T_SRV, rec->rdata, rec->rdlen, l->suffix, 1);
		if (ret < 0) {
			name_text(text, sizeof(text), n->name);
			mdns_mirror_refused_t kind = ret == GW_EPERM ? MDNS_MIRROR_REFUSED_RESERVED
			                             : ret == GW_ELIMIT
			                                 ? MDNS_MIRROR_REFUSED_LENGTH
			                                 : MDNS_MIRROR_REFUSED_INVALID;
			mirror_refuse(m, l, kind, "refused the SRV of %s: its target %s", text,
			              ret == GW_EPERM    ? "is gateway-owned"
			              : ret == GW_ELIMIT ? "is too long once rewritten"
			                                 : "is malformed or not under .local");
			return false;
		}
		if (!host_has_room(m, n, rec->rdata + 6)) {
			*evict = true;
			return false;
		}
		*target = rec->rdata + 6;
		*trole = ROLE_HOST;
		return true;
	}
	case MDNS_T_TXT:
		if (rec->rdlen > cfg->limits.txt_size) {
			name_text(text, sizeof(text), n->name);
			mirror_refuse(m, l, MDNS_MIRROR_REFUSED_TXT,
			              "refused the TXT of %s: %u octets, %u at most", text,
			              rec->rdlen, cfg->limits.txt_size);
			return false;
		}
		return true;
	case MDNS_T_A:
	case MDNS_T_AAAA:
		if (!mdns_address_publishable(rec->type, rec->rdata, rec->rdlen,
		                              cfg->drop_private) ||
		    (rec->type == MDNS_T_A && !cfg->ipv4) ||
		    (rec->type == MDNS_T_AAAA && !cfg->ipv6)) {
			m->stats.filtered++;
			return false;
		}
		if (!address_has_room(m, n, rec)) {
			*evict = true;
			return false;
		}
		return true;
	default:
		return false;
	}
}

static void rr_add(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec, uint8_t bit)
{
	mlink_t *l = n->link;
	const uint8_t *tname = NULL;
	int trole = 0;
	kname_t *t = NULL;
	bool evict = false;

	if (!rr_admissible(m, n, rec, &tname, &trole, &evict)) {
		if (evict && rec->type == MDNS_T_SRV)
			instance_evict(m, n);
		else if (evict)
			host_evict(m, n);
		return;
	}
	krr_t *r = calloc(1, sizeof(*r) + rec->rdlen);
	if (r == NULL) {
		gw_warn("link %s: out of memory, a record is not mirrored", l->label);
		return;
	}
	if (tname != NULL) {
		n->busy++;
		t = kname_get(m, l, tname);
		n->busy--;
		if (t == NULL) {
			free(r);
			gw_warn("link %s: out of memory, a record is not mirrored", l->label);
			return;
		}
		role_acquire(m, t, trole);
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
	if (r->type != MDNS_T_PTR)
		n->rr_count++;
	if (r->type == MDNS_T_A || r->type == MDNS_T_AAAA)
		mirror_addr_adjust(m, l, r->rdata, r->rdlen, n->refs[role_idx(ROLE_HOST)]);
	link_dirty(m, l);
}

static void rr_remove(mdns_mirror_t *m, kname_t *n, krr_t *r)
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
	link_dirty(m, n->link);
	name_maybe_free(m, n);
}

/* ---- links ------------------------------------------------------------------ */

bool mirror_link_active(const mlink_t *l)
{
	return l->state != LINK_DOWN;
}

static mlink_t *link_by_index(mdns_mirror_t *m, int ifindex)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->state != LINK_DOWN && l->ifindex == ifindex)
			return l;
	}
	return NULL;
}

static mlink_t *link_by_name(mdns_mirror_t *m, const char *ifname)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (strcmp(l->ifname, ifname) == 0)
			return l;
	}
	return NULL;
}

static mlink_t *link_by_label(mdns_mirror_t *m, const char *label)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (strcmp(l->label, label) == 0)
			return l;
	}
	return NULL;
}

/* Forget everything known on the link (grace over, or shutdown). */
static void link_clear(mdns_mirror_t *m, mlink_t *l)
{
	for (size_t i = 0; i < l->names.size; i++) {
		gw_hlink_t *h = l->names.slots[i];
		while (h != NULL) {
			kname_t *n = kname_of(h);
			h = h->next;
			for (int s = 0; s < SLOT_COUNT; s++)
				watch_stop(m, n, s);
			while (n->rrs != NULL) {
				krr_t *r = n->rrs;
				n->rrs = r->next;
				free(r);
			}
			free(n);
		}
		l->names.slots[i] = NULL;
	}
	l->names.count = 0;
	l->instances = 0;
	l->types = 0;
	mirror_addr_clear(l);
}

static void on_grace(struct ev_loop *loop, ev_timer *w, int revents)
{
	mlink_t *l = container_of(w, mlink_t, grace);
	mdns_mirror_t *m = l->mirror;
	gw_notice("link %s (%s): down for %.1f s, removing its records", l->label, l->ifname,
	          ms(m->cfg->link_grace_ms));
	link_clear(m, l);
	l->state = LINK_DOWN;
	l->ifindex = 0;
	link_dirty(m, l);
	m->enumc.dirty = true;
}

static void link_down(mdns_mirror_t *m, mlink_t *l)
{
	if (l->state != LINK_UP)
		return;
	l->state = LINK_GRACE;
	GW_HTAB_FOREACH(&l->names, h)
		watch_all(m, kname_of(h), false);
	ev_timer_stop(m->loop, &l->reconcile);
	ev_now_update(m->loop);
	ev_timer_set(&l->grace, (double)m->cfg->link_grace_ms / 1000.0, 0.);
	ev_timer_start(m->loop, &l->grace);
	gw_notice("link %s (%s) is down: its records stay for %.1f s", l->label, l->ifname,
	          ms(m->cfg->link_grace_ms));
}

/* The link came back: whatever was not announced again since is stale. */
static void on_reconcile(struct ev_loop *loop, ev_timer *w, int revents)
{
	mlink_t *l = container_of(w, mlink_t, reconcile);
	mdns_mirror_t *m = l->mirror;
	size_t count = l->names.count, k = 0, stale = 0;
	kname_t **pinned = calloc(count > 0 ? count : 1, sizeof(*pinned));
	if (pinned == NULL) {
		ev_timer_set(w, 1., 0.);
		ev_timer_start(loop, w);
		return;
	}
	/* Pinned names stay allocated while removals cascade through them. */
	GW_HTAB_FOREACH(&l->names, h) {
		kname_t *n = kname_of(h);
		n->busy++;
		pinned[k++] = n;
	}
	for (size_t i = 0; i < k; i++) {
		kname_t *n = pinned[i];
		for (;;) {
			krr_t *r = n->rrs;
			while (r != NULL && r->gen >= l->gen)
				r = r->next;
			if (r == NULL)
				break;
			rr_remove(m, n, r);
			stale++;
		}
	}
	for (size_t i = 0; i < k; i++) {
		pinned[i]->busy--;
		name_maybe_free(m, pinned[i]);
	}
	free(pinned);
	gw_info("link %s: rediscovery settled, %zu records not announced again were removed",
	        l->label, stale);
}

static void link_up(mdns_mirror_t *m, mlink_t *l, int ifindex)
{
	link_state_t prev = l->state;
	l->ifindex = ifindex;
	l->state = LINK_UP;
	l->gen++;
	if (prev == LINK_GRACE) {
		ev_timer_stop(m->loop, &l->grace);
		GW_HTAB_FOREACH(&l->names, h)
			watch_all(m, kname_of(h), true);
		ev_now_update(m->loop);
		ev_timer_set(&l->reconcile, (double)m->cfg->warmup_ms / 1000.0, 0.);
		ev_timer_start(m->loop, &l->reconcile);
		gw_notice("link %s (%s) is back: rediscovering", l->label, l->ifname);
	} else {
		kname_t *n = kname_get(m, l, m->services_name);
		if (n != NULL) {
			n->fixed |= ROLE_ENUM;
			role_acquire(m, n, ROLE_ENUM);
		}
		for (size_t i = 0; i < m->subtype_count; i++) {
			n = kname_get(m, l, m->subtypes[i]);
			if (n != NULL) {
				n->fixed |= ROLE_BROWSE;
				role_acquire(m, n, ROLE_BROWSE);
			}
		}
		gw_notice("link %s (%s) is up: mirrored under %s.%s", l->label, l->ifname, l->label,
		          m->cfg->domain_str);
	}
	link_dirty(m, l);
	m->enumc.dirty = true;
}

static int link_new(mdns_mirror_t *m, mlink_t **out, const char *ifname, const char *label,
                    bool configured)
{
	const mdns_mirror_config_t *cfg = m->cfg;
	size_t llen = strlen(label);
	if (llen == 0 || llen > 63 || strlen(ifname) >= IF_NAMESIZE)
		return GW_EINVAL;
	if (llen + 1 + cfg->domain_len > ZONE_NAME_MAXLEN)
		return GW_ELIMIT;
	mlink_t *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return GW_ENOMEM;
	l->mirror = m;
	l->configured = configured;
	l->c.limited = true;
	l->c.tokens = cfg->limits.changes_per_second;
	l->c.tokens_ns = gw_clock_mono_ns();
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	snprintf(l->label, sizeof(l->label), "%s", label);
	l->suffix[0] = (uint8_t)llen;
	memcpy(l->suffix + 1, label, llen);
	memcpy(l->suffix + 1 + llen, cfg->domain, cfg->domain_len);
	l->suffix_len = 1 + llen + cfg->domain_len;
	ev_timer_init(&l->grace, on_grace, 0., 0.);
	ev_timer_init(&l->reconcile, on_reconcile, 0., 0.);
	l->next = m->links;
	m->links = l;
	m->link_count++;
	*out = l;
	return GW_OK;
}

/* The default rule names a link after its interface, as a DNS label:
 * lowercase letters, digits and hyphens. */
static void label_from_ifname(char *out, size_t len, const char *ifname, int ifindex)
{
	size_t k = 0;
	for (const char *p = ifname; *p != '\0' && k + 1 < len && k < 63; p++) {
		char c = (char)gw_lower8((uint8_t)*p);
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!ok && (k == 0 || out[k - 1] == '-'))
			continue;
		out[k++] = ok ? c : '-';
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	if (k == 0)
		snprintf(out, len, "link%d", ifindex);
}

static void on_link(void *arg, int ifindex, const char *ifname, bool up)
{
	mdns_mirror_t *m = arg;
	if (!up) {
		mlink_t *l = link_by_index(m, ifindex);
		if (l != NULL && strcmp(l->ifname, ifname) == 0)
			link_down(m, l);
		return;
	}
	mlink_t *l = link_by_name(m, ifname);
	if (l == NULL && m->cfg->link_count == 0) {
		char label[64];
		label_from_ifname(label, sizeof(label), ifname, ifindex);
		if (link_by_label(m, label) != NULL) {
			char base[64];
			snprintf(base, sizeof(base), "%s", label);
			snprintf(label, sizeof(label), "%.50s-%d", base, ifindex);
		}
		if (m->link_count >= MDNS_LINKS_MAX || link_by_label(m, label) != NULL) {
			gw_warn("interface %s is not mirrored: %s", ifname,
			        m->link_count >= MDNS_LINKS_MAX ? "too many links"
			                                        : "its subdomain is taken");
			return;
		}
		int ret = link_new(m, &l, ifname, label, false);
		if (ret != GW_OK) {
			gw_warn("interface %s is not mirrored: %s", ifname, gw_strerror(ret));
			return;
		}
	}
	if (l == NULL)
		return;
	if (l->state == LINK_UP) {
		if (l->ifindex == ifindex)
			return;
		link_down(m, l); /* re-created under a new index */
	}
	link_up(m, l, ifindex);
}

static void on_record(void *arg, const mdns_record_t *rec)
{
	mdns_mirror_t *m = arg;
	mlink_t *l = link_by_index(m, rec->ifindex);
	if (l == NULL)
		return;
	if (!rec->add && rec->link_lost) {
		/* Avahi flushed the interface: the link is gone, whatever our
		 * own monitor has seen yet. */
		link_down(m, l);
		return;
	}
	if (l->state != LINK_UP)
		return;
	kname_t *n = kname_find(l, rec->owner, name_hash(m->seed, rec->owner));
	if (n == NULL || !(type_roles(rec->type) & n->roles) || type_slot(rec->type) < 0)
		return;
	uint8_t bit = rec->family == AF_INET ? 1 : 2;
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
			link_dirty(m, l);
		}
		return;
	}
	if (r == NULL)
		return;
	/* The same record seen over IPv4 and IPv6 is one record; it goes when
	 * both transports have said goodbye. */
	r->protos &= (uint8_t)~bit;
	if (r->protos == 0)
		rr_remove(m, n, r);
}

/* ---- batches ---------------------------------------------------------------- */

void mirror_schedule(mdns_mirror_t *m)
{
	if (ev_is_active(&m->batch))
		return;
	/* The loop's clock may be stale (events injected, or a slow start):
	 * the window counts from now. */
	ev_now_update(m->loop);
	ev_timer_set(&m->batch, (double)m->cfg->batch_window_ms / 1000.0, 0.);
	ev_timer_start(m->loop, &m->batch);
}

int mdns_mirror_flush(mdns_mirror_t *m)
{
	bool again = false;
	ev_timer_stop(m->loop, &m->batch);
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->c.dirty)
			mirror_compute_link(m, l);
		again = again || l->c.dirty;
	}
	if (m->enumc.dirty)
		mirror_compute_enum(m);
	int ret = mirror_publish_batch(m);
	if (ret != GW_OK) {
		/* Retry the whole difference a little later. */
		ev_timer_set(&m->batch, 1., 0.);
		ev_timer_start(m->loop, &m->batch);
	} else if (again) {
		mirror_schedule(m);
	}
	return ret;
}

static void on_batch(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, batch);
	mdns_mirror_flush(m);
}

static void on_warmup(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, warmup);
	size_t gone = 0;
	m->warming = false;
	for (size_t i = 0; i < m->warm_count; i++) {
		ent_t *e = m->warm[i];
		e->warm = false;
		if (!e->want)
			gone++;
		mirror_ent_touch(m, e);
	}
	free(m->warm);
	m->warm = NULL;
	m->warm_count = 0;
	gw_info("mirror: warm-up over, %zu saved records not rediscovered are removed", gone);
	mirror_schedule(m);
}

static void on_save(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, save);
	if (m->state_dirty && mirror_state_save(m) == GW_OK)
		m->state_dirty = false;
}

/* ---- public ------------------------------------------------------------------ */

int mdns_mirror_new(mdns_mirror_t **out, struct ev_loop *loop, const mdns_mirror_opts_t *opts)
{
	int ret = GW_ENOMEM;
	const mdns_mirror_config_t *cfg = &opts->cfg;
	const char **ifnames = NULL;
	mdns_mirror_t *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return GW_ENOMEM;
	m->loop = loop;
	m->opts = *opts;
	m->cfg = &m->opts.cfg;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed))
		m->seed = (uint32_t)gw_clock_mono_ns();
	ev_timer_init(&m->batch, on_batch, 0., 0.);
	ev_timer_init(&m->warmup, on_warmup, 0., 0.);
	ev_timer_init(&m->save, on_save, 1., 0.);
	ev_timer_init(&m->logflush, on_logflush, 0., 10.);
	m->state_file =
	    opts->state_file != NULL
	        ? strdup(opts->state_file)
	        : (asprintf(&m->state_file, "%s/mirror.zone", cfg->state_dir) < 0 ? NULL
	                                                                          : m->state_file);
	if (m->state_file == NULL)
		goto out;
	ret = mdns_name_from_text(m->services_name, "_services._dns-sd._udp.local");
	if (ret < 0)
		goto out;
	if (cfg->subtype_count > 0) {
		m->subtypes = calloc(cfg->subtype_count, sizeof(*m->subtypes));
		if (m->subtypes == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < cfg->subtype_count; i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s.local", cfg->subtypes[i]);
		ret = mdns_name_from_text(m->subtypes[i], text);
		if (ret < 0 || mdns_name_kind(m->subtypes[i]) != MDNS_NAME_SUBTYPE) {
			gw_err("mdns: subtype '%s' is not <_name>._sub.<_service>._tcp|_udp",
			       cfg->subtypes[i]);
			ret = GW_ECONFIG;
			goto out;
		}
		m->subtype_count++;
	}
	for (size_t i = 0; i < cfg->link_count; i++) {
		const mdns_link_config_t *lc = &cfg->links[i];
		mlink_t *l = NULL;
		if (link_by_name(m, lc->interface) != NULL ||
		    link_by_label(m, lc->subdomain) != NULL) {
			gw_err("links: interface %s or subdomain %s given twice", lc->interface,
			       lc->subdomain);
			ret = GW_ECONFIG;
			goto out;
		}
		ret = link_new(m, &l, lc->interface, lc->subdomain, true);
		if (ret != GW_OK) {
			gw_err("links: cannot mirror %s as %s: %s", lc->interface, lc->subdomain,
			       gw_strerror(ret));
			ret = ret == GW_ENOMEM ? ret : GW_ECONFIG;
			goto out;
		}
	}
	ret = mirror_ents_init(m);
	if (ret != GW_OK)
		goto out;
	if (opts->discover) {
		if (cfg->link_count > 0) {
			ifnames = calloc(cfg->link_count, sizeof(*ifnames));
			if (ifnames == NULL) {
				ret = GW_ENOMEM;
				goto out;
			}
			for (size_t i = 0; i < cfg->link_count; i++)
				ifnames[i] = cfg->links[i].interface;
		}
		/* Avahi's cache must hold a full link at its limits: PTR, SRV,
		 * TXT per service, and the hosts' addresses. */
		uint64_t entries = (uint64_t)cfg->limits.services_per_link * 6 + 1024;
		mdns_opts_t mo = {
		    .ipv4 = cfg->ipv4,
		    .ipv6 = cfg->ipv6,
		    .interfaces = ifnames,
		    .interface_count = cfg->link_count,
		    .cache_entries = entries > 1000000 ? 1000000 : (unsigned)entries,
		    .on_record = on_record,
		    .on_link = on_link,
		    .arg = m,
		};
		ret = mdns_new(&m->mdns, loop, &mo);
		if (ret != GW_OK)
			goto out;
	}
	m->enumc.limited = false;
	*out = m;
	m = NULL;
	ret = GW_OK;
out:
	free(ifnames);
	mdns_mirror_free(m);
	return ret;
}

int mdns_mirror_start(mdns_mirror_t *m)
{
	int ret = mirror_state_load(m);
	if (ret != GW_OK)
		gw_warn("mirror: saved state %s not used: %s", m->state_file, gw_strerror(ret));
	m->warming = true;
	ev_now_update(m->loop);
	/* Serve the last mirrored state at once: the zone must not go blank
	 * while the links are rediscovered. */
	ret = mdns_mirror_flush(m);
	if (ret != GW_OK)
		gw_warn("mirror: the saved records could not be served yet: %s", gw_strerror(ret));
	ev_timer_set(&m->warmup, (double)m->cfg->warmup_ms / 1000.0, 0.);
	ev_timer_start(m->loop, &m->warmup);
	if (m->mdns != NULL) {
		ret = mdns_start(m->mdns);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

void mdns_mirror_free(mdns_mirror_t *m)
{
	if (m == NULL)
		return;
	if (m->state_dirty)
		mirror_state_save(m);
	flush_logs(m, true);
	ev_timer_stop(m->loop, &m->batch);
	ev_timer_stop(m->loop, &m->warmup);
	ev_timer_stop(m->loop, &m->save);
	ev_timer_stop(m->loop, &m->logflush);
	while (m->links != NULL) {
		mlink_t *l = m->links;
		m->links = l->next;
		ev_timer_stop(m->loop, &l->grace);
		ev_timer_stop(m->loop, &l->reconcile);
		link_clear(m, l);
		gw_htab_deinit(&l->names);
		free(l);
	}
	mdns_free(m->mdns);
	mirror_ents_free(m);
	free(m->subtypes);
	free(m->state_file);
	free(m);
}

void mdns_mirror_resync(mdns_mirror_t *m)
{
	GW_HTAB_FOREACH(&m->ents, h) {
		ent_t *e = ent_of(h);
		e->pub = false;
		e->bad = false;
		if (e->want || e->warm)
			mirror_ent_touch(m, e);
	}
	m->stats.published = 0;
	for (mlink_t *l = m->links; l != NULL; l = l->next)
		l->c.dirty = true;
	m->enumc.dirty = true;
	mdns_mirror_flush(m);
}

void mdns_mirror_get_stats(const mdns_mirror_t *m, mdns_mirror_stats_t *st)
{
	*st = m->stats;
	st->links_active = 0;
	st->services = 0;
	st->known = 0;
	st->watches = m->watches;
	for (const mlink_t *l = m->links; l != NULL; l = l->next) {
		if (mirror_link_active(l))
			st->links_active++;
		st->services += l->instances;
		GW_HTAB_FOREACH(&l->names, h) {
			for (const krr_t *r = kname_of(h)->rrs; r != NULL; r = r->next)
				st->known++;
		}
	}
}

void mdns_mirror_inject_link(mdns_mirror_t *m, int ifindex, const char *ifname, bool up)
{
	on_link(m, ifindex, ifname, up);
}

void mdns_mirror_inject_record(mdns_mirror_t *m, const mdns_record_t *rec)
{
	on_record(m, rec);
}

bool mdns_mirror_is_watched(const mdns_mirror_t *m, int ifindex, const uint8_t *name, uint16_t type)
{
	int slot = type_slot(type);
	if (slot < 0)
		return false;
	for (const mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->state == LINK_DOWN || l->ifindex != ifindex)
			continue;
		const kname_t *n = kname_find(l, name, name_hash(m->seed, name));
		return n != NULL && n->watching[slot];
	}
	return false;
}
