/* The links: found by the default rule or configured, up, down for a
 * grace period, back and reconciled; each a contributor of records under
 * <label>.<domain>. */
#include "mdns/mirror_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/word.h"

static double ms(uint64_t v)
{
	return (double)v / 1000.0;
}

void mirror_link_dirty(mdns_mirror_t *m, mlink_t *l)
{
	l->dirty = true;
	l->changed = true;
	mirror_schedule(m);
}

void mirror_enum_dirty(mdns_mirror_t *m)
{
	for (size_t i = 0; i < m->zone_count; i++)
		m->zones[i].enumc.dirty = true;
}

void mdns_mirror_statics_changed(mdns_mirror_t *m)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next)
		mirror_link_dirty(m, l);
	mirror_enum_dirty(m);
	/* Saved records served until the warm-up ends stay only where the
	 * zone file now leaves room: they were vetted against the file of
	 * the start. One let go leaves the warm list too: once withdrawn it
	 * may be freed, and the end of the warm-up walks that list. */
	for (size_t i = 0; i < m->zone_count; i++) {
		mzone_t *z = &m->zones[i];
		const mdns_mirror_zone_t *zc = mirror_zcfg(z);
		for (size_t k = 0; zc->reserved != NULL && k < z->warm_count;) {
			ent_t *e = z->warm[k];
			if (!zc->reserved(zc->reserved_arg, e->data)) {
				k++;
				continue;
			}
			e->warm = false;
			mirror_ent_touch(z, e);
			z->warm[k] = z->warm[--z->warm_count];
		}
	}
	mirror_schedule(m);
}

/* Does name (from a zone's links list) name l? */
static bool names_link(const char *name, const mlink_t *l)
{
	return strcasecmp(name, l->label) == 0 || strcmp(name, l->ifname) == 0;
}

bool mirror_link_shown(const mdns_mirror_t *m, const mzone_t *z, const mlink_t *l)
{
	const mdns_mirror_zone_t *zc = &m->cfg->zones[z->index];
	if (zc->link_count == 0)
		return true;
	for (size_t i = 0; i < zc->link_count; i++) {
		if (names_link(zc->links[i], l))
			return true;
	}
	return false;
}

size_t mirror_link_rank(const mdns_mirror_t *m, const mzone_t *z, const mlink_t *l)
{
	const mdns_mirror_zone_t *zc = &m->cfg->zones[z->index];
	for (size_t i = 0; i < zc->link_count; i++) {
		if (names_link(zc->links[i], l))
			return i;
	}
	for (size_t i = 0; i < m->cfg->link_count; i++) {
		if (strcmp(m->cfg->links[i].interface, l->ifname) == 0)
			return i;
	}
	return (size_t)(unsigned)l->ifindex;
}

const mdns_link_config_t *mirror_link_config(const mdns_mirror_t *m, const mlink_t *l)
{
	for (size_t i = 0; l->configured && i < m->cfg->link_count; i++) {
		if (strcmp(m->cfg->links[i].interface, l->ifname) == 0)
			return &m->cfg->links[i];
	}
	return NULL;
}

/* The longest zone domain, in octets: a link's names must fit under it. */
static size_t longest_domain(const mdns_mirror_config_t *cfg)
{
	size_t len = 0;
	for (size_t i = 0; i < cfg->zone_count; i++)
		len = cfg->zones[i].domain_len > len ? cfg->zones[i].domain_len : len;
	return len;
}

bool mirror_link_active(const mlink_t *l)
{
	return l->state != LINK_DOWN;
}

mlink_t *mirror_link_by_index(mdns_mirror_t *m, int ifindex)
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

/* Labels are compared as DNS does: "Lab" is the name of "lab". */
mlink_t *mirror_link_by_label(mdns_mirror_t *m, const char *label)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (mdns_label_equal(l->label, label))
			return l;
	}
	return NULL;
}

/* Forget everything known on the link (grace over, or shutdown). */
static void name_drop(gw_hlink_t *h, void *arg)
{
	mdns_mirror_t *m = arg;
	kname_t *n = kname_of(h);
	for (int s = 0; s < SLOT_COUNT; s++)
		mirror_watch_stop(m, n, s);
	while (n->rrs != NULL) {
		krr_t *r = n->rrs;
		n->rrs = r->next;
		free(r);
	}
	free(n);
}

static void link_clear(mdns_mirror_t *m, mlink_t *l)
{
	gw_htab_drain(&l->names, name_drop, m);
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
	mirror_link_dirty(m, l);
	mirror_enum_dirty(m);
}

static void link_down(mdns_mirror_t *m, mlink_t *l)
{
	if (l->state != LINK_UP)
		return;
	l->state = LINK_GRACE;
	GW_HTAB_FOREACH(&l->names, h)
		mirror_watch_all(m, kname_of(h), false);
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
			mirror_rr_remove(m, n, r);
			stale++;
		}
	}
	for (size_t i = 0; i < k; i++) {
		pinned[i]->busy--;
		mirror_name_maybe_free(m, pinned[i]);
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
			mirror_watch_all(m, kname_of(h), true);
		ev_now_update(m->loop);
		ev_timer_set(&l->reconcile, (double)m->cfg->warmup_ms / 1000.0, 0.);
		ev_timer_start(m->loop, &l->reconcile);
		gw_notice("link %s (%s) is back: rediscovering", l->label, l->ifname);
	} else {
		kname_t *n = mirror_name_get(m, l, m->services_name);
		if (n != NULL) {
			n->fixed |= ROLE_ENUM;
			mirror_role_acquire(m, n, ROLE_ENUM);
		}
		for (size_t i = 0; i < m->subtype_count; i++) {
			n = mirror_name_get(m, l, m->subtypes[i]);
			if (n != NULL) {
				n->fixed |= ROLE_BROWSE;
				mirror_role_acquire(m, n, ROLE_BROWSE);
			}
		}
		char name[ZONE_NAME_MAXLEN * 4];
		/* The name as DNS text: "Building 1" is Building\0321 there. */
		const mdns_mirror_zone_t *z0 = &m->cfg->zones[0];
		if (mdns_label_name_str(name, sizeof(name), l->label, z0->domain) != GW_OK)
			snprintf(name, sizeof(name), "%s.%s", l->label, z0->domain_str);
		gw_notice("link %s (%s) is up: mirrored under %s%s", l->label, l->ifname, name,
		          m->zone_count > 1 ? " and the other zones that show it" : "");
	}
	mirror_link_dirty(m, l);
	mirror_enum_dirty(m);
}

static int link_new(mdns_mirror_t *m, mlink_t **out, const char *ifname, const char *label,
                    bool configured)
{
	const mdns_mirror_config_t *cfg = m->cfg;
	size_t llen = strlen(label);
	if (mdns_link_label_problem(label) != NULL || strlen(ifname) >= IF_NAMESIZE)
		return GW_EINVAL;
	if (llen + 1 + longest_domain(cfg) > ZONE_NAME_MAXLEN)
		return GW_ELIMIT;
	mlink_t *l = calloc(1, sizeof(*l));
	if (l == NULL)
		return GW_ENOMEM;
	l->zl = calloc(m->zone_count, sizeof(*l->zl));
	if (l->zl == NULL) {
		free(l);
		return GW_ENOMEM;
	}
	l->mirror = m;
	l->configured = configured;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifname);
	snprintf(l->label, sizeof(l->label), "%s", label);
	for (size_t i = 0; i < m->zone_count; i++) {
		const mdns_mirror_zone_t *zc = &cfg->zones[i];
		zlink_t *zl = &l->zl[i];
		zl->c.limited = true;
		zl->c.tokens = cfg->limits.changes_per_second;
		zl->c.tokens_ns = gw_clock_mono_ns();
		zl->suffix[0] = (uint8_t)llen;
		memcpy(zl->suffix + 1, label, llen);
		memcpy(zl->suffix + 1 + llen, zc->domain, zc->domain_len);
		zl->suffix_len = 1 + llen + zc->domain_len;
		if (zl->suffix_len > l->suffix_len) {
			memcpy(l->suffix, zl->suffix, zl->suffix_len);
			l->suffix_len = zl->suffix_len;
		}
	}
	ev_timer_init(&l->grace, on_grace, 0., 0.);
	ev_timer_init(&l->reconcile, on_reconcile, 0., 0.);
	l->next = m->links;
	m->links = l;
	m->link_count++;
	*out = l;
	return GW_OK;
}

/* The default rule names a link after its interface, as it is ("eth0",
 * "Wlan0"): a label may be any text. What cannot be a label (a dot in
 * "eth0.10", a leading '_') becomes a hyphen or goes. */
static void label_from_ifname(char *out, size_t len, const char *ifname, int ifindex)
{
	size_t k = 0;
	for (const char *p = ifname; *p != '\0' && k + 1 < len && k < 63; p++) {
		if (*p == '_' && k == 0)
			continue;
		out[k++] = *p == '.' ? '-' : *p;
	}
	out[k] = '\0';
	if (mdns_link_label_problem(out) != NULL)
		snprintf(out, len, "link%d", ifindex);
}

void mirror_on_link(void *arg, int ifindex, const char *ifname, bool up)
{
	mdns_mirror_t *m = arg;
	if (!up) {
		mlink_t *l = mirror_link_by_index(m, ifindex);
		if (l != NULL && strcmp(l->ifname, ifname) == 0)
			link_down(m, l);
		return;
	}
	mlink_t *l = link_by_name(m, ifname);
	if (l == NULL && m->cfg->link_count == 0) {
		char label[64];
		label_from_ifname(label, sizeof(label), ifname, ifindex);
		if (mirror_link_by_label(m, label) != NULL) {
			char base[64];
			snprintf(base, sizeof(base), "%s", label);
			snprintf(label, sizeof(label), "%.50s-%d", base, ifindex);
		}
		if (m->link_count >= MDNS_LINKS_MAX || mirror_link_by_label(m, label) != NULL) {
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

void mirror_on_record(void *arg, const mdns_record_t *rec)
{
	mdns_mirror_t *m = arg;
	mlink_t *l = mirror_link_by_index(m, rec->ifindex);
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
	if (rec->add)
		m->stats.records_added++;
	else
		m->stats.records_removed++;
	mirror_rr_event(m, l, rec);
}

/* Add the configured link lc, unless it is there (or its subdomain is
 * taken). */
static int link_add_configured(mdns_mirror_t *m, const mdns_link_config_t *lc)
{
	mlink_t *l = NULL;
	if (link_by_name(m, lc->interface) != NULL ||
	    mirror_link_by_label(m, lc->subdomain) != NULL) {
		gw_err("links: interface %s or subdomain %s given twice", lc->interface,
		       lc->subdomain);
		return GW_ECONFIG;
	}
	int ret = link_new(m, &l, lc->interface, lc->subdomain, true);
	if (ret != GW_OK) {
		gw_err("links: cannot mirror %s as %s: %s", lc->interface, lc->subdomain,
		       gw_strerror(ret));
		return ret == GW_ENOMEM ? ret : GW_ECONFIG;
	}
	return GW_OK;
}

int mirror_links_configure(mdns_mirror_t *m)
{
	const mdns_mirror_config_t *cfg = m->cfg;
	for (size_t i = 0; i < cfg->link_count; i++) {
		int ret = link_add_configured(m, &cfg->links[i]);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int mirror_links_check(const mdns_mirror_config_t *cfg)
{
	for (size_t i = 0; i < cfg->link_count; i++) {
		const mdns_link_config_t *lc = &cfg->links[i];
		size_t llen = strlen(lc->subdomain);
		if (mdns_link_label_problem(lc->subdomain) != NULL ||
		    strlen(lc->interface) >= IF_NAMESIZE ||
		    llen + 1 + longest_domain(cfg) > ZONE_NAME_MAXLEN) {
			gw_err("links: cannot mirror %s as %s: %s", lc->interface, lc->subdomain,
			       gw_strerror(GW_EINVAL));
			return GW_ECONFIG;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->links[j].interface, lc->interface) == 0 ||
			    mdns_label_equal(cfg->links[j].subdomain, lc->subdomain)) {
				gw_err("links: interface %s or subdomain %s given twice",
				       lc->interface, lc->subdomain);
				return GW_ECONFIG;
			}
		}
	}
	return GW_OK;
}

/* Is l still a link under cfg? A configured link is when cfg names its
 * interface with the same subdomain; one found by the default rule is
 * while cfg names none. */
static bool link_kept(const mlink_t *l, const mdns_mirror_config_t *cfg)
{
	if (cfg->link_count == 0)
		return !l->configured;
	for (size_t i = 0; l->configured && i < cfg->link_count; i++) {
		if (strcmp(cfg->links[i].interface, l->ifname) == 0 &&
		    strcmp(cfg->links[i].subdomain, l->label) == 0)
			return true;
	}
	return false;
}

/* l leaves the configuration: its records are withdrawn at once (no
 * grace, no rate limit), then it is forgotten. */
static void link_remove(mdns_mirror_t *m, mlink_t *l)
{
	gw_notice("link %s (%s): no longer configured, withdrawing its records", l->label,
	          l->ifname);
	ev_timer_stop(m->loop, &l->grace);
	ev_timer_stop(m->loop, &l->reconcile);
	link_clear(m, l);
	l->state = LINK_DOWN;
	l->ifindex = 0;
	bool left = false;
	for (size_t i = 0; i < m->zone_count; i++)
		l->zl[i].c.limited = false;
	mirror_compute_link(m, l);
	for (size_t i = 0; i < m->zone_count; i++)
		left = left || l->zl[i].c.want != NULL;
	if (left) {
		/* Out of memory in the computation: keep it down and unconfigured,
		 * so that the next batch withdraws what is left. */
		gw_err("link %s: its records could not all be withdrawn yet", l->label);
		l->configured = false;
		snprintf(l->ifname, sizeof(l->ifname), "%s", "");
		mirror_link_dirty(m, l);
		return;
	}
	for (mlink_t **pp = &m->links; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	m->link_count--;
	gw_htab_deinit(&l->names);
	free(l->zl);
	free(l);
	mirror_enum_dirty(m);
}

int mirror_links_reconfigure(mdns_mirror_t *m, bool *changed)
{
	const mdns_mirror_config_t *cfg = m->cfg;
	*changed = false;
	mirror_logs_flush(m, true); /* what removed links held back is said first */
	for (mlink_t *l = m->links, *next; l != NULL; l = next) {
		next = l->next;
		if (!link_kept(l, cfg)) {
			link_remove(m, l);
			*changed = true;
		}
	}
	for (size_t i = 0; i < cfg->link_count; i++) {
		const mdns_link_config_t *lc = &cfg->links[i];
		if (link_by_name(m, lc->interface) != NULL)
			continue;
		int ret = link_add_configured(m, lc);
		if (ret != GW_OK)
			return ret;
		gw_notice("link %s (%s): newly configured, discovering it", lc->subdomain,
		          lc->interface);
		*changed = true;
	}
	return GW_OK;
}

void mirror_links_say_absent(const mdns_mirror_t *m)
{
	for (const mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->configured && l->state == LINK_DOWN)
			gw_notice("link %s (%s): the interface is absent, down or without carrier; "
			          "it is mirrored once it is up",
			          l->label, l->ifname);
	}
}

void mirror_links_restart(mdns_mirror_t *m)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->state != LINK_UP)
			continue;
		/* As when a link comes back: browse everything again, and what
		 * is not announced again within the warm-up is stale. */
		l->gen++;
		GW_HTAB_FOREACH(&l->names, h)
			mirror_watch_all(m, kname_of(h), true);
		ev_now_update(m->loop);
		ev_timer_set(&l->reconcile, (double)m->cfg->warmup_ms / 1000.0, 0.);
		ev_timer_start(m->loop, &l->reconcile);
	}
}

void mirror_links_unwatch(mdns_mirror_t *m)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		GW_HTAB_FOREACH(&l->names, h)
			mirror_watch_all(m, kname_of(h), false);
	}
}

void mirror_links_subtypes(mdns_mirror_t *m, const uint8_t (*subs)[ZONE_NAME_MAXLEN], size_t count)
{
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (!mirror_link_active(l))
			continue;
		for (size_t i = 0; i < m->subtype_count; i++) {
			bool kept = false;
			for (size_t j = 0; j < count && !kept; j++)
				kept = zone_name_equal(m->subtypes[i], subs[j]);
			kname_t *n = kept ? NULL : mirror_name_find(m, l, m->subtypes[i]);
			if (n != NULL && (n->fixed & ROLE_BROWSE))
				mirror_role_unfix(m, n, ROLE_BROWSE);
		}
		for (size_t j = 0; j < count; j++) {
			kname_t *n = mirror_name_get(m, l, subs[j]);
			if (n != NULL && !(n->fixed & ROLE_BROWSE)) {
				n->fixed |= ROLE_BROWSE;
				mirror_role_acquire(m, n, ROLE_BROWSE);
			}
		}
		mirror_link_dirty(m, l);
	}
}

void mirror_links_free(mdns_mirror_t *m)
{
	while (m->links != NULL) {
		mlink_t *l = m->links;
		m->links = l->next;
		ev_timer_stop(m->loop, &l->grace);
		ev_timer_stop(m->loop, &l->reconcile);
		link_clear(m, l);
		gw_htab_deinit(&l->names);
		free(l->zl);
		free(l);
	}
}
