/* What the mirror knows, copied out for the control socket: the links and
 * the service instances on them. Read only. */
#include "mdns/mirror_internal.h"

#include <stdio.h>
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/str_table.h"
#include "common/utf8.h"

static const char *const state_texts[] = {
    [LINK_UP] = "up",
    [LINK_GRACE] = "grace",
};

static const char *state_text(link_state_t s)
{
	return GW_STR_TABLE(state_texts, s, "down");
}

size_t mdns_mirror_links(const mdns_mirror_t *m, mdns_mirror_link_info_t *out, size_t cap)
{
	size_t n = 0;
	for (const mlink_t *l = m->links; l != NULL; l = l->next, n++) {
		if (n >= cap)
			continue;
		mdns_mirror_link_info_t *li = &out[n];
		memset(li, 0, sizeof(*li));
		snprintf(li->ifname, sizeof(li->ifname), "%s", l->ifname);
		snprintf(li->label, sizeof(li->label), "%s", l->label);
		li->ifindex = l->state != LINK_DOWN ? l->ifindex : 0;
		li->state = state_text(l->state);
		li->configured = l->configured;
		li->services = l->instances;
		li->types = l->types;
		for (size_t i = 0; i < m->zone_count && i < 64; i++) {
			if (l->zl[i].covered)
				li->delegated_zones |= UINT64_C(1) << i;
		}
	}
	return n;
}

const char *mdns_mirror_zone_domain(const mdns_mirror_t *m, size_t i)
{
	return i < m->zone_count ? m->cfg->zones[i].domain_str : NULL;
}

/* For JSON, a terminal and the policy's globs: UTF-8 stays as it came,
 * an octet that is not part of well-formed UTF-8 and a control character
 * become '?'. */
void mirror_label_text(char *buf, size_t len, const uint8_t *p)
{
	size_t n = p[0], i = 0, o = 0;
	const uint8_t *l = p + 1;
	while (i < n && o + 1 < len) {
		size_t k = gw_utf8_len(l + i, n - i);
		if (k <= 1 || o + k >= len) {
			buf[o++] = l[i] < 0x20 || l[i] >= 0x7f ? '?' : (char)l[i];
			i++;
			continue;
		}
		memcpy(buf + o, l + i, k);
		o += k;
		i += k;
	}
	buf[o] = '\0';
}

void mirror_labels_text(char *buf, size_t len, const uint8_t *p, int count)
{
	size_t off = 0;
	buf[0] = '\0';
	for (int i = 0; i < count && p[0] != 0; i++, p += 1 + p[0]) {
		char label[64];
		mirror_label_text(label, sizeof(label), p);
		int k = snprintf(buf + off, len - off, "%s%s", i > 0 ? "." : "", label);
		if (k < 0 || (size_t)k >= len - off)
			return;
		off += (size_t)k;
	}
}

static void service_info(const kname_t *n, const char *link, mdns_mirror_service_info_t *s)
{
	memset(s, 0, sizeof(*s));
	s->link = link;
	mirror_label_text(s->instance, sizeof(s->instance), n->name);
	/* "<_service>.<_tcp|_udp>": the labels after the instance's */
	mirror_labels_text(s->type, sizeof(s->type), n->name + 1 + n->name[0], 2);
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type != DNS_T_SRV || r->rdlen <= 6)
			continue;
		s->port = (uint16_t)(r->rdata[4] << 8 | r->rdata[5]);
		if (zone_name_to_str(s->host, sizeof(s->host), r->rdata + 6) != GW_OK)
			snprintf(s->host, sizeof(s->host), "?");
		if (r->target != NULL) {
			for (const krr_t *a = r->target->rrs; a != NULL; a = a->next)
				s->addresses += a->type == DNS_T_A || a->type == DNS_T_AAAA;
		}
		break;
	}
}

/* The host of n's first SRV, or NULL. */
static const kname_t *first_host(const kname_t *n)
{
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_SRV)
			return r->target;
	}
	return NULL;
}

/* The services of link (NULL: every link), all of them (z NULL) or those
 * zone z shows. */
static void foreach_service(const mdns_mirror_t *m, const mzone_t *z, const char *link,
                            mdns_mirror_service_fn fn, void *arg)
{
	mdns_mirror_service_info_t s;
	for (const mlink_t *l = m->links; l != NULL; l = l->next) {
		if (link != NULL && !mdns_label_equal(link, l->label))
			continue;
		if (z != NULL && !mirror_link_shown(m, z, l))
			continue;
		GW_HTAB_FOREACH(&l->names, h) {
			const kname_t *n = kname_of(h);
			if (!(n->roles & ROLE_INSTANCE))
				continue;
			if (z != NULL && !mirror_policy_shows_host(z, l, n, first_host(n)))
				continue;
			service_info(n, l->label, &s);
			if (!fn(arg, &s))
				return;
		}
	}
}

void mdns_mirror_foreach_service(const mdns_mirror_t *m, const char *link,
                                 mdns_mirror_service_fn fn, void *arg)
{
	foreach_service(m, NULL, link, fn, arg);
}

bool mdns_mirror_foreach_shown(const mdns_mirror_t *m, const uint8_t *domain, const char *link,
                               mdns_mirror_service_fn fn, void *arg)
{
	for (size_t i = 0; i < m->zone_count; i++) {
		if (zone_name_equal(mirror_zcfg(&m->zones[i])->domain, domain)) {
			foreach_service(m, &m->zones[i], link, fn, arg);
			return true;
		}
	}
	return false;
}
