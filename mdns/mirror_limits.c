/* The rules and limits a record from a link must pass before the mirror
 * keeps it: names that fit and stay off gateway-owned names, records per
 * name, TXT size, services and types per link, and a fair share per
 * device (host and address), whose excess is evicted. */
#include "mdns/mirror_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include "common/error.h"

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
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RESERVED, text,
		              "refused %s %s: it would land on the gateway's _dns-sd._udp names",
		              what, text);
		return false;
	}
	int ret = mdns_translate_name(out, name, l->suffix, 1);
	if (ret == GW_ELIMIT) {
		name_text(text, sizeof(text), name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_LENGTH, text,
		              "refused %s %s: longer than 255 octets under %s", what, text,
		              l->label);
		return false;
	}
	if (ret < 0) {
		name_text(text, sizeof(text), name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID, text,
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
		mirror_refuse(m, l, kind, otext, "refused the SRV of %s: its target %s: %s", otext,
		              text, mdns_vet_str(v));
	} else {
		mirror_refuse(m, l, kind, text, "refused %s %s: %s",
		              use == MDNS_USE_TYPE ? "service type" : "service", text,
		              mdns_vet_str(v));
	}
	return false;
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
	inet_ntop(type == DNS_T_A ? AF_INET : AF_INET6, rdata, atext, sizeof(atext));
	mirror_refuse(m, l, MDNS_MIRROR_REFUSED_ADDRESS, text,
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
	kname_t *t = mirror_name_find(m, l, host);
	uint32_t cap = fair_share(m->cfg, m->cfg->limits.services_per_host);
	uint32_t acap = fair_share(m->cfg, m->cfg->limits.services_per_address);
	if (t == NULL)
		return true;
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_SRV && r->target == t)
			return true;
	}
	char text[ZONE_NAME_MAXLEN * 4];
	char htext[ZONE_NAME_MAXLEN * 4];
	if (t->refs[role_idx(ROLE_HOST)] >= cap) {
		name_text(text, sizeof(text), n->name);
		name_text(htext, sizeof(htext), host);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_HOST, text,
		              "refused service %s: %u services per host at most, and %s has them",
		              text, cap, htext);
		return false;
	}
	for (const krr_t *r = t->rrs; r != NULL; r = r->next) {
		if ((r->type == DNS_T_A || r->type == DNS_T_AAAA) &&
		    mirror_addr_services(m, l, r->rdata, r->rdlen) >= acap) {
			refuse_address(m, l, "service", n->name, r->type, r->rdata, acap);
			return false;
		}
	}
	return true;
}

static bool has_record(const kname_t *n, uint16_t type)
{
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == type)
			return true;
	}
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
		while (r != NULL && !(r->type == DNS_T_PTR && r->trole == ROLE_INSTANCE))
			r = r->tnext;
		if (r == NULL)
			break;
		mirror_rr_remove(m, r->owner, r);
	}
	n->busy--;
	mirror_name_maybe_free(m, n);
}

static size_t srv_referrers(const kname_t *h)
{
	size_t count = 0;
	for (const krr_t *r = h->referrers; r != NULL; r = r->tnext)
		count += r->type == DNS_T_SRV;
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
		while (r->type != DNS_T_SRV)
			r = r->tnext;
		/* Only browse PTRs give an instance its role, so evicting it
		 * drops its SRV from h's referrers; the count guards the loop
		 * all the same. */
		instance_evict(m, r->owner);
	}
	h->busy--;
	mirror_name_maybe_free(m, h);
}

/* May host h have the address of rec? With h's services, the hosts at
 * that address may not pass their share: that is one device under many
 * host names. Whether a device's address or its services come first
 * depends on which packets a flood lost, so the outcome must not: the
 * address is taken and h keeps the services that fit, its newest ones go
 * (as they would have been refused had the address come first). Only a
 * host with no room left at the address is refused it (*evict: with all
 * its services), and one the evictions left with no service (then freed:
 * h is not to be used once this returns false). */
static bool address_has_room(mdns_mirror_t *m, kname_t *h, const mdns_record_t *rec, bool *evict)
{
	uint32_t acap = fair_share(m->cfg, m->cfg->limits.services_per_address);
	/* h does not hold the address yet: the count is the other hosts' */
	uint32_t others = mirror_addr_services(m, h->link, rec->rdata, rec->rdlen);
	uint32_t mine = h->refs[role_idx(ROLE_HOST)];
	if (others + mine <= acap)
		return true;
	if (has_record(h, DNS_T_A) || has_record(h, DNS_T_AAAA)) {
		/* h has an address already: this one alone is refused. Any
		 * device may announce an address at any name, so a full
		 * address given to another's host must not take its
		 * services away. */
		refuse_address(m, h->link, "host", h->name, rec->type, rec->rdata, acap);
		return false;
	}
	if (others >= acap) {
		refuse_address(m, h->link, "host", h->name, rec->type, rec->rdata, acap);
		*evict = true;
		return false;
	}
	/* Counted again after each eviction: an instance may hold several
	 * SRVs to h, all of which go with it. One that takes none away (an
	 * instance held otherwise) ends the loop, as in host_evict(). */
	h->busy++;
	for (uint32_t left = h->refs[role_idx(ROLE_HOST)], before = UINT32_MAX;
	     others + left > acap && left < before;
	     before = left, left = h->refs[role_idx(ROLE_HOST)]) {
		krr_t *r = h->referrers;
		while (r != NULL && r->type != DNS_T_SRV)
			r = r->tnext;
		if (r == NULL)
			break;
		refuse_address(m, h->link, "service", r->owner->name, rec->type, rec->rdata, acap);
		instance_evict(m, r->owner);
	}
	h->busy--;
	/* Every service of h gone (its one instance had two SRVs to it): h
	 * is no host any more, and an address kept on it would outlive the
	 * name (records live only with the role they serve). */
	if (!(h->roles & ROLE_HOST)) {
		mirror_name_maybe_free(m, h);
		return false;
	}
	return true;
}

/* May name (wire, .local; t: its name on the link, or NULL) take role
 * (ROLE_BROWSE: a service type, ROLE_INSTANCE: a service) on link l? Not
 * when it does not hold it yet and the link has its limit of them. */
static bool link_has_room(mdns_mirror_t *m, mlink_t *l, const kname_t *t, int role,
                          const uint8_t *name)
{
	bool type = role == ROLE_BROWSE;
	uint32_t limit = m->cfg->limits.services_per_link;
	char text[ZONE_NAME_MAXLEN * 4];

	if ((t != NULL && (t->roles & role)) || (type ? l->types : l->instances) < limit)
		return true;
	name_text(text, sizeof(text), name);
	if (type)
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_TYPES, text,
		              "refused service type %s: %u types at most", text, limit);
	else
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_SERVICES, text,
		              "refused service %s: %u services per link at most", text, limit);
	return false;
}

/* The ".local" at the end of a name from the link: its label and the
 * root, which the rewriting replaces by the link's suffix. */
#define LOCAL_TAIL 7

/* May n (a service type, a subtype, the enumeration) take one more PTR
 * (rec)? Not when its PTR RRset, rewritten under the link's longest
 * suffix, would be bigger than validators check
 * (ZONE_RRSET_VALIDATABLE_MAX: Unbound and BIND hold no more): every
 * browse of that type would fail validation, not only the new service's. */
static bool ptr_rrset_has_room(mdns_mirror_t *m, const kname_t *n, const mdns_record_t *rec)
{
	mlink_t *l = n->link;
	int64_t grow = (int64_t)l->suffix_len - LOCAL_TAIL;
	int64_t owner = zone_name_len(n->name, MDNS_NAME_MAX) + grow;
	int64_t count = (int64_t)n->ptr_count + 1;
	int64_t size = count * (owner + 10 + grow) + n->ptr_rdata + rec->rdlen;
	if (size <= ZONE_RRSET_VALIDATABLE_MAX)
		return true;
	char text[ZONE_NAME_MAXLEN * 4];
	char ttext[ZONE_NAME_MAXLEN * 4];
	name_text(text, sizeof(text), n->name);
	name_text(ttext, sizeof(ttext), rec->rdata);
	mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RRSET_SIZE, ttext,
	              "refused %s PTR %s: with it the PTR RRset would be %lld octets, past the "
	              "%d that validators check",
	              text, ttext, (long long)size, ZONE_RRSET_VALIDATABLE_MAX);
	return false;
}

/* Check a new record against the rules and limits; on success, the name
 * it points at (if any) and the role that name gets. *evict: refused, and
 * what n leads to should go too (an SRV: the instance n; an address: the
 * services on host n). */
static bool rr_check(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec, const uint8_t **target,
                     int *trole, bool *evict)
{
	mlink_t *l = n->link;
	const mdns_mirror_config_t *cfg = m->cfg;
	char text[ZONE_NAME_MAXLEN * 4];
	char ttext[ZONE_NAME_MAXLEN * 4];
	uint8_t out[MDNS_RDATA_MAX];
	*target = NULL;
	*trole = 0;
	*evict = false;

	if (rec->type != DNS_T_PTR && n->rr_count >= cfg->limits.records_per_name) {
		name_text(text, sizeof(text), n->name);
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RECORDS, text,
		              "refused a type %u record at %s: %u records per name at most",
		              rec->type, text, cfg->limits.records_per_name);
		return false;
	}
	switch (rec->type) {
	case DNS_T_PTR: {
		if (zone_name_len(rec->rdata, rec->rdlen) != (int)rec->rdlen) {
			name_text(text, sizeof(text), n->name);
			mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID, text,
			              "refused a malformed PTR at %s", text);
			return false;
		}
		kname_t *t = mirror_name_find(m, l, rec->rdata);
		if (n->roles & ROLE_ENUM) {
			if (mdns_name_kind(rec->rdata) != MDNS_NAME_TYPE) {
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(
				    m, l,
				    mdns_name_is_reserved(rec->rdata) ? MDNS_MIRROR_REFUSED_RESERVED
				                                      : MDNS_MIRROR_REFUSED_INVALID,
				    ttext,
				    "refused service type %s: not <_service>._tcp|_udp, or "
				    "gateway-owned",
				    ttext);
				return false;
			}
			if (!name_vetted(m, l, rec->rdata, MDNS_USE_TYPE, NULL))
				return false;
			if (!link_has_room(m, l, t, ROLE_BROWSE, rec->rdata))
				return false;
			*trole = ROLE_BROWSE;
		} else {
			const uint8_t *base = n->name;
			if (mdns_name_kind(n->name) == MDNS_NAME_SUBTYPE)
				base = mdns_name_skip(n->name, 2);
			if (!mdns_instance_of(rec->rdata, base)) {
				name_text(text, sizeof(text), n->name);
				name_text(ttext, sizeof(ttext), rec->rdata);
				mirror_refuse(m, l, MDNS_MIRROR_REFUSED_INVALID, ttext,
				              "refused %s PTR %s: not an instance of that type",
				              text, ttext);
				return false;
			}
			if (!name_vetted(m, l, rec->rdata, MDNS_USE_INSTANCE, NULL))
				return false;
			if (!link_has_room(m, l, t, ROLE_INSTANCE, rec->rdata))
				return false;
			*trole = ROLE_INSTANCE;
		}
		if (t == NULL && !name_admissible(m, l, rec->rdata, "name"))
			return false;
		if (!ptr_rrset_has_room(m, n, rec))
			return false;
		*target = rec->rdata;
		return true;
	}
	case DNS_T_SRV: {
		if (rec->rdlen > 6 &&
		    zone_name_len(rec->rdata + 6, rec->rdlen - 6) == (int)rec->rdlen - 6 &&
		    !name_vetted(m, l, rec->rdata + 6, MDNS_USE_HOST, n->name))
			return false;
		int ret =
		    mdns_translate_rdata(out, DNS_T_SRV, rec->rdata, rec->rdlen, l->suffix, 1);
		if (ret < 0) {
			name_text(text, sizeof(text), n->name);
			mdns_mirror_refused_t kind = ret == GW_EPERM ? MDNS_MIRROR_REFUSED_RESERVED
			                             : ret == GW_ELIMIT
			                                 ? MDNS_MIRROR_REFUSED_LENGTH
			                                 : MDNS_MIRROR_REFUSED_INVALID;
			mirror_refuse(m, l, kind, text, "refused the SRV of %s: its target %s",
			              text,
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
	case DNS_T_TXT:
		if (rec->rdlen > cfg->limits.txt_size) {
			name_text(text, sizeof(text), n->name);
			mirror_refuse(m, l, MDNS_MIRROR_REFUSED_TXT, text,
			              "refused the TXT of %s: %u octets, %u at most", text,
			              rec->rdlen, cfg->limits.txt_size);
			return false;
		}
		return true;
	case DNS_T_A:
	case DNS_T_AAAA:
		if (!mdns_address_publishable(rec->type, rec->rdata, rec->rdlen,
		                              cfg->drop_private) ||
		    (rec->type == DNS_T_A && !cfg->ipv4) ||
		    (rec->type == DNS_T_AAAA && !cfg->ipv6)) {
			m->stats.filtered++;
			return false;
		}
		return address_has_room(m, n, rec, evict);
	default:
		return false;
	}
}

bool mirror_rr_admissible(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec,
                          const uint8_t **target, int *trole)
{
	bool evict = false;
	if (rr_check(m, n, rec, target, trole, &evict))
		return true;
	/* An instance or a host that already has an SRV, or an address, is
	 * not given up for one more that is refused: any device can
	 * announce records at another's names, and one packet would
	 * otherwise take that device's services out of the zone until
	 * they went from Avahi's cache. The record alone is refused then. */
	if (evict && rec->type == DNS_T_SRV && !has_record(n, DNS_T_SRV))
		instance_evict(m, n);
	else if (evict && rec->type != DNS_T_SRV)
		host_evict(m, n);
	return false;
}
