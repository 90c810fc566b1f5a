/* Service types heard announced (mdns/heard.c): a type new on a link is
 * browsed as soon as a device announces a service of it, rather than at
 * Avahi's next enumeration query, which comes up to an hour apart.
 *
 * What is heard goes in as the record the enumeration would have given,
 * _services._dns-sd._udp.local PTR <type>, from a third source beside
 * IPv4 and IPv6 (MIRROR_PROTO_HEARD), so that it passes the same checks
 * and limits (a type's form, the link's type limit) and is refused,
 * counted and logged the same way. It holds the type browsed for
 * MIRROR_HEARD_HOLD_S; by then Avahi has reported the type's instances
 * (its cache kept the announcement), and they keep it browsed while they
 * last (mirror_names.c, browse_has_instances()). A flood of invented types costs no more than
 * one answer to the enumeration listing them: the same limit bounds both,
 * and each hold ends by itself. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/error.h"
#include "common/log.h"
#include "common/container.h"
#include "zones/zone.h"

static mirror_heard_t *hold_find(mdns_mirror_t *m, const char *label, const uint8_t *type)
{
	for (size_t i = 0; i < m->heard_count; i++) {
		mirror_heard_t *h = &m->heard[i];
		if (mdns_label_equal(h->label, label) && zone_name_equal(h->type, type))
			return h;
	}
	return NULL;
}

static size_t holds_of(const mdns_mirror_t *m, const char *label)
{
	size_t n = 0;
	for (size_t i = 0; i < m->heard_count; i++)
		n += mdns_label_equal(m->heard[i].label, label);
	return n;
}

static void heard_record(mdns_mirror_t *m, mlink_t *l, const uint8_t *type, bool add)
{
	mdns_record_t rec = {
	    .ifindex = l->ifindex,
	    .family = AF_UNSPEC,
	    .add = add,
	    .type = DNS_T_PTR,
	    .ttl = (uint32_t)MIRROR_HEARD_HOLD_S,
	    .owner = m->services_name,
	    .rdata = type,
	    .rdlen = (uint16_t)zone_name_len(type, ZONE_NAME_MAXLEN),
	};
	mirror_rr_event(m, l, &rec);
}

static void schedule(mdns_mirror_t *m)
{
	ev_timer_stop(m->loop, &m->heard_timer);
	if (m->heard_count == 0)
		return;
	ev_tstamp first = m->heard[0].until;
	for (size_t i = 1; i < m->heard_count; i++) {
		if (m->heard[i].until < first)
			first = m->heard[i].until;
	}
	double in = first - ev_now(m->loop);
	ev_timer_set(&m->heard_timer, in > 0.01 ? in : 0.01, 0.);
	ev_timer_start(m->loop, &m->heard_timer);
}

void mirror_on_heard_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, heard_timer);
	ev_tstamp now = ev_now(loop);
	size_t i = 0;
	while (i < m->heard_count) {
		mirror_heard_t h = m->heard[i];
		if (h.until > now) {
			i++;
			continue;
		}
		m->heard[i] = m->heard[--m->heard_count];
		/* A link down sees to it: its grace's end removes everything,
		 * its return what is not announced again. */
		mlink_t *l = mirror_link_by_label(m, h.label);
		if (l != NULL && l->state == LINK_UP)
			heard_record(m, l, h.type, false);
	}
	schedule(m);
}

void mirror_on_type(void *arg, int ifindex, const uint8_t *type)
{
	mdns_mirror_t *m = arg;
	mlink_t *l = mirror_link_by_index(m, ifindex);
	if (l == NULL || l->state != LINK_UP)
		return;
	const kname_t *t = mirror_name_find(m, l, type);
	bool browsed = t != NULL && (t->roles & ROLE_BROWSE);
	/* Known: nearly every packet. But while the link is rediscovered
	 * (a restart of discovery, the link back; its reconcile timer
	 * runs), a type held from before is announced again, as Avahi's
	 * records are, or the rediscovery's end would take it as gone while
	 * its hold lasts. */
	if (browsed && !ev_is_active(&l->reconcile))
		return;
	/* Held already: refused (the link's type limit), browsed, or
	 * gone with a rediscovery. Tried again once its hold ends, so that
	 * a device repeating it costs one try a minute; but heard for the
	 * first time since the rediscovery began, its record is announced
	 * again. */
	mirror_heard_t *held = hold_find(m, l->label, type);
	if (held != NULL) {
		if (held->gen != l->gen) {
			held->gen = l->gen;
			heard_record(m, l, type, true);
		}
		return;
	}
	if (browsed)
		return; /* listed by the enumeration, or kept by its instances */
	/* Full, or the link has its share: the type waits for the
	 * enumeration, as it did before. */
	if (m->heard_count >= MIRROR_HEARD_MAX || holds_of(m, l->label) >= MIRROR_HEARD_PER_LINK)
		return;
	mirror_heard_t *h = &m->heard[m->heard_count++];
	snprintf(h->label, sizeof(h->label), "%s", l->label);
	memcpy(h->type, type, (size_t)zone_name_len(type, ZONE_NAME_MAXLEN));
	h->until = ev_now(m->loop) + m->heard_hold;
	h->gen = l->gen;
	heard_record(m, l, type, true);
	t = mirror_name_find(m, l, type);
	if (t != NULL && (t->roles & ROLE_BROWSE)) {
		m->stats.types_heard++;
		char text[ZONE_NAME_MAXLEN * 4];
		zone_name_to_str(text, sizeof(text), type);
		gw_debug("link %s: service type %s heard announced; browsing it", l->label, text);
	}
	schedule(m);
}

void mirror_heard_clear(mdns_mirror_t *m)
{
	ev_timer_stop(m->loop, &m->heard_timer);
	m->heard_count = 0;
}
