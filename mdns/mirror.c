/* The mirror: its life (new, start, free), and the batch that turns the
 * links' dirty record sets into one commit to the zone after a short
 * window; the warm-up that keeps saved records until the links are
 * rediscovered, and the timer that saves the state. The parts:
 * mirror_links.c (links), mirror_names.c (names, roles, records),
 * mirror_limits.c (what is admitted), mirror_refuse.c (what is refused,
 * told), mirror_publish.c (what is published), mirror_addr.c,
 * mirror_state.c. */
#include "mdns/mirror_internal.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

/* ---- batches ---------------------------------------------------------------- */

/* Seconds from the first change after a quiet window to its commit. */
#define MIRROR_SETTLE 0.005

void mirror_schedule(mdns_mirror_t *m)
{
	if (ev_is_active(&m->batch))
		return;
	/* The loop's clock may be stale (events injected, or a slow start):
	 * the window counts from now. */
	ev_now_update(m->loop);
	/* The first change after a quiet window is committed after a short
	 * settle (MIRROR_SETTLE: the records that the same announcement
	 * carries reach us through Avahi's deferred cache look-ups, a few
	 * loop turns later, and join it); what follows within a window of
	 * the last commit waits for its end, so there is still at most one
	 * commit per window. */
	double window = (double)m->cfg->batch_window_ms / 1000.0;
	double wait = m->last_batch + window - ev_now(m->loop);
	double settle = window < MIRROR_SETTLE ? window : MIRROR_SETTLE;
	if (m->last_batch == 0 || wait < settle)
		wait = settle;
	ev_timer_set(&m->batch, wait, 0.);
	ev_timer_start(m->loop, &m->batch);
}

int mdns_mirror_flush(mdns_mirror_t *m)
{
	bool again = false;
	uint64_t commits = m->stats.commits;
	ev_timer_stop(m->loop, &m->batch);
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (l->c.dirty)
			mirror_compute_link(m, l);
		again = again || l->c.dirty;
	}
	if (m->enumc.dirty)
		mirror_compute_enum(m);
	int ret = mirror_publish_batch(m);
	/* Only a batch that committed starts a window: one that found
	 * nothing to publish yet (a service whose SRV is still being
	 * resolved) does not hold back the change that completes it. */
	if (m->stats.commits != commits)
		m->last_batch = ev_now(m->loop);
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

/* The configured subtypes (relative text) as .local wire names into a new
 * array (*out, NULL when none). GW_ECONFIG (logged), GW_ENOMEM. */
static int subtypes_parse(const mdns_mirror_config_t *cfg, uint8_t (**out)[ZONE_NAME_MAXLEN])
{
	uint8_t(*subs)[ZONE_NAME_MAXLEN] = NULL;
	*out = NULL;
	if (cfg->subtype_count == 0)
		return GW_OK;
	subs = calloc(cfg->subtype_count, sizeof(*subs));
	if (subs == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < cfg->subtype_count; i++) {
		char text[512];
		snprintf(text, sizeof(text), "%s.local", cfg->subtypes[i]);
		int ret = mdns_name_from_text(subs[i], text);
		if (ret < 0 || mdns_name_kind(subs[i]) != MDNS_NAME_SUBTYPE) {
			gw_err("mdns: subtype '%s' is not <_name>._sub.<_service>._tcp|_udp",
			       cfg->subtypes[i]);
			free(subs);
			return GW_ECONFIG;
		}
	}
	*out = subs;
	return GW_OK;
}

/* avahi-core on the links of cfg, reporting to m. */
static int mdns_for(mdns_mirror_t *m, const mdns_mirror_config_t *cfg, mdns_t **out)
{
	const char **ifnames = NULL;
	if (cfg->link_count > 0) {
		ifnames = calloc(cfg->link_count, sizeof(*ifnames));
		if (ifnames == NULL)
			return GW_ENOMEM;
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
	    .on_record = mirror_on_record,
	    .on_link = mirror_on_link,
	    .arg = m,
	};
	int ret = mdns_new(out, m->loop, &mo);
	free(ifnames);
	return ret;
}

int mdns_mirror_new(mdns_mirror_t **out, struct ev_loop *loop, const mdns_mirror_opts_t *opts)
{
	int ret = GW_ENOMEM;
	const mdns_mirror_config_t *cfg = &opts->cfg;
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
	ev_timer_init(&m->logflush, mirror_on_logflush, 0., 10.);
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
	ret = subtypes_parse(cfg, &m->subtypes);
	if (ret != GW_OK)
		goto out;
	m->subtype_count = cfg->subtype_count;
	ret = mirror_links_configure(m);
	if (ret != GW_OK)
		goto out;
	ret = mirror_ents_init(m);
	if (ret != GW_OK)
		goto out;
	if (opts->discover) {
		ret = mdns_for(m, cfg, &m->mdns);
		if (ret != GW_OK)
			goto out;
	}
	m->enumc.limited = false;
	*out = m;
	m = NULL;
	ret = GW_OK;
out:
	mdns_mirror_free(m);
	return ret;
}

/* True when a and b name the same interfaces (in any order). */
static bool same_interfaces(const mdns_mirror_config_t *a, const mdns_mirror_config_t *b)
{
	if (a->link_count != b->link_count)
		return false;
	for (size_t i = 0; i < a->link_count; i++) {
		bool found = false;
		for (size_t j = 0; j < b->link_count && !found; j++)
			found = strcmp(a->links[i].interface, b->links[j].interface) == 0;
		if (!found)
			return false;
	}
	return true;
}

int mdns_mirror_reconfigure(mdns_mirror_t *m, const mdns_mirror_config_t *cfg)
{
	const mdns_mirror_config_t *cur = m->cfg;
	uint8_t(*subs)[ZONE_NAME_MAXLEN] = NULL;
	mdns_t *fresh = NULL;
	bool links_changed = false;

	if (cfg->domain_len != cur->domain_len ||
	    memcmp(cfg->domain, cur->domain, cur->domain_len) != 0 ||
	    strcmp(cfg->state_dir, cur->state_dir) != 0 || cfg->ipv4 != cur->ipv4 ||
	    cfg->ipv6 != cur->ipv6)
		return GW_EINVAL;
	/* Everything that can fail comes first: a refused configuration
	 * leaves the mirror as it was. */
	int ret = mirror_links_check(cfg);
	if (ret == GW_OK)
		ret = subtypes_parse(cfg, &subs);
	if (ret != GW_OK)
		return ret;
	/* avahi-core takes its interfaces once: new ones mean a new
	 * instance (the cache starts empty; every link rediscovers). */
	bool restart = m->mdns != NULL && !same_interfaces(cur, cfg);
	if (restart) {
		ret = mdns_for(m, cfg, &fresh);
		if (ret != GW_OK) {
			free(subs);
			return ret;
		}
	}

	mirror_links_subtypes(m, (const uint8_t(*)[ZONE_NAME_MAXLEN])subs, cfg->subtype_count);
	free(m->subtypes);
	m->subtypes = subs;
	m->subtype_count = cfg->subtype_count;
	m->opts.cfg = *cfg;
	ret = mirror_links_reconfigure(m, &links_changed);
	/* A new TTL cap, a rule on addresses: each link computed again, only
	 * the differences are published. */
	for (mlink_t *l = m->links; l != NULL; l = l->next)
		l->c.dirty = true;
	m->enumc.dirty = true;
	if (restart || (links_changed && m->mdns != NULL)) {
		if (fresh == NULL) {
			/* Same interfaces, a link renamed: avahi stays, but the new link
			 * must be reported up, which only a new scan does. */
			int r = mdns_for(m, cfg, &fresh);
			if (r != GW_OK)
				gw_err("mirror: cannot restart discovery: %s; the new links are "
				       "discovered at the next change of their interfaces",
				       gw_strerror(r));
		}
		if (fresh != NULL) {
			mirror_links_unwatch(m);
			mdns_free(m->mdns);
			m->mdns = fresh;
			fresh = NULL;
			mirror_links_restart(m);
			int r = mdns_start(m->mdns);
			if (r != GW_OK)
				gw_err("mirror: cannot follow the links: %s", gw_strerror(r));
		}
	}
	int r = mdns_mirror_flush(m);
	if (r != GW_OK)
		gw_warn("mirror: the reconfigured records are not committed yet (%s); retrying",
		        gw_strerror(r));
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
	mirror_logs_flush(m, true);
	ev_timer_stop(m->loop, &m->batch);
	ev_timer_stop(m->loop, &m->warmup);
	ev_timer_stop(m->loop, &m->save);
	ev_timer_stop(m->loop, &m->logflush);
	mirror_links_free(m);
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
	mirror_on_link(m, ifindex, ifname, up);
}

void mdns_mirror_inject_record(mdns_mirror_t *m, const mdns_record_t *rec)
{
	mirror_on_record(m, rec);
}
