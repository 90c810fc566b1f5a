/* The mirror: its life (new, start, free), and the batch that turns the
 * links' dirty record sets into one commit per zone after a short
 * window; the warm-up that keeps saved records until the links are
 * rediscovered, and the timer that saves the state. The parts:
 * mirror_links.c (links), mirror_names.c (names, roles, records),
 * mirror_limits.c (what is admitted), mirror_refuse.c (what is refused,
 * told), mirror_publish.c (what is published), mirror_policy.c (what
 * each zone shows), mirror_addr.c, mirror_state.c. */
#include "mdns/mirror_internal.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "common/seed.h"

/* ---- batches ---------------------------------------------------------------- */

/* Seconds from the first change after a quiet window to its commit. */
#define MIRROR_SETTLE 0.005

void mirror_schedule(mdns_mirror_t *m)
{
	mirror_schedule_in(m, 0);
}

void mirror_schedule_in(mdns_mirror_t *m, double at_least)
{
	if (ev_is_active(&m->batch)) {
		if (!m->batch_for_tokens || at_least > 0)
			return;
		ev_timer_stop(m->loop, &m->batch);
	}
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
	m->batch_for_tokens = at_least > wait;
	if (m->batch_for_tokens)
		wait = at_least;
	ev_timer_set(&m->batch, wait, 0.);
	ev_timer_start(m->loop, &m->batch);
}

int mdns_mirror_flush(mdns_mirror_t *m)
{
	bool again = false;
	double token_wait = 0; /* what is left waits this long for a token */
	uint64_t commits = m->stats.commits;
	ev_timer_stop(m->loop, &m->batch);
	m->batch_for_tokens = false;
	int ret = GW_OK;
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (!l->dirty)
			continue;
		/* A link out of tokens whose records did not change since
		 * its last compute is not computed: what it has left are
		 * additions, which wait for a token, and a compute walks all
		 * of its records. A change is computed at once: what it
		 * withdraws takes no token. */
		double w = mirror_link_token_wait(m, l);
		if (w == 0 || l->changed) {
			mirror_compute_link(m, l);
			if (!l->dirty)
				continue;
			w = mirror_link_token_wait(m, l);
		}
		token_wait = !again || w < token_wait ? w : token_wait;
		again = true;
	}
	/* One changeset per zone; a zone whose commit fails is retried with
	 * the others' next batch, the others go on. */
	for (size_t i = 0; i < m->zone_count; i++) {
		mzone_t *z = &m->zones[i];
		if (z->enumc.dirty)
			mirror_compute_enum(m, z);
		int r = mirror_publish_batch(m, z);
		if (r != GW_OK && ret == GW_OK)
			ret = r;
	}
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
		mirror_schedule_in(m, token_wait);
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
	for (size_t k = 0; k < m->zone_count; k++) {
		mzone_t *z = &m->zones[k];
		for (size_t i = 0; i < z->warm_count; i++) {
			ent_t *e = z->warm[i];
			e->warm = false;
			if (!e->want)
				gone++;
			mirror_ent_touch(z, e);
		}
		free(z->warm);
		z->warm = NULL;
		z->warm_count = 0;
		z->warm_cap = 0;
	}
	gw_info("mirror: warm-up over, %zu saved records not rediscovered are removed", gone);
	mirror_schedule(m);
}

/* A failed save (a full disk, a state directory gone) is tried again by
 * itself: waiting for the next change could leave the file stale for as
 * long as the links stay quiet. From 10 s, doubling up to 300 s, so that a
 * disk that stays full costs a log line every 5 minutes. */
#define SAVE_RETRY_MIN 10.0
#define SAVE_RETRY_MAX 300.0

static void on_save(struct ev_loop *loop, ev_timer *w, int revents)
{
	mzone_t *z = container_of(w, mzone_t, save);
	int ret = z->state_dirty ? mirror_state_save(z) : GW_OK;
	if (ret == GW_OK) {
		z->state_dirty = false;
		z->save_retry = 0;
	}
	ev_now_update(loop);
	double wait = mirror_state_pace(z);
	if (z->state_dirty) {
		z->save_retry = z->save_retry == 0 ? SAVE_RETRY_MIN : z->save_retry * 2;
		if (z->save_retry > SAVE_RETRY_MAX)
			z->save_retry = SAVE_RETRY_MAX;
		if (z->save_retry > wait)
			wait = z->save_retry;
		/* The cause: the write logs its own errors, an allocation
		 * failure has no other line. */
		gw_warn("mirror: state not saved to %s (%s); trying again in %.0f s", z->state_file,
		        gw_strerror(ret), wait);
		ev_timer_set(w, wait, 0.);
		ev_timer_start(loop, w);
	}
	z->save_after = ev_now(loop) + wait;
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
	    .services_per_link = cfg->limits.services_per_link,
	    .on_record = mirror_on_record,
	    .on_link = mirror_on_link,
	    .on_type = mirror_on_type,
	    .arg = m,
	};
	int ret = mdns_new(out, m->loop, &mo);
	free(ifnames);
	return ret;
}

/* Zones: at least one, no two with one domain. GW_EINVAL (logged). */
static int zones_check(const mdns_mirror_config_t *cfg)
{
	if (cfg->zone_count == 0 || cfg->zones == NULL) {
		gw_err("mirror: no zone to publish into");
		return GW_EINVAL;
	}
	for (size_t i = 0; i < cfg->zone_count; i++) {
		for (size_t j = 0; j < i; j++) {
			if (zone_name_equal(cfg->zones[i].domain, cfg->zones[j].domain)) {
				gw_err("mirror: zone %s given twice", cfg->zones[i].domain_str);
				return GW_EINVAL;
			}
		}
	}
	return GW_OK;
}

static int zones_init(mdns_mirror_t *m)
{
	const mdns_mirror_config_t *cfg = m->cfg;
	m->zones = calloc(cfg->zone_count, sizeof(*m->zones));
	if (m->zones == NULL)
		return GW_ENOMEM;
	m->zone_count = cfg->zone_count;
	for (size_t i = 0; i < cfg->zone_count; i++) {
		mzone_t *z = &m->zones[i];
		z->mirror = m;
		z->index = i;
		ev_timer_init(&z->save, on_save, 1., 0.);
		if (mirror_ents_init(z) != GW_OK)
			return GW_ENOMEM;
		const char *file = cfg->zones[i].state_file;
		if (file != NULL && (z->state_file = strdup(file)) == NULL)
			return GW_ENOMEM;
	}
	return GW_OK;
}

static void zones_free(mdns_mirror_t *m)
{
	for (size_t i = 0; m->zones != NULL && i < m->zone_count; i++) {
		mzone_t *z = &m->zones[i];
		if (z->state_dirty)
			mirror_state_save(z);
		ev_timer_stop(m->loop, &z->save);
		mirror_ents_free(z);
		free(z->state_file);
	}
	free(m->zones);
	m->zones = NULL;
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
	m->seed = gw_hash_seed();
	ev_timer_init(&m->batch, on_batch, 0., 0.);
	ev_timer_init(&m->warmup, on_warmup, 0., 0.);
	ev_timer_init(&m->logflush, mirror_on_logflush, 0., 10.);
	ev_timer_init(&m->heard_timer, mirror_on_heard_timer, 0., 0.);
	m->heard_hold = MIRROR_HEARD_HOLD_S;
	ret = zones_check(cfg);
	if (ret != GW_OK)
		goto out;
	ret = zones_init(m);
	if (ret != GW_OK)
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
	if (opts->discover) {
		ret = mdns_for(m, cfg, &m->mdns);
		if (ret != GW_OK)
			goto out;
	}
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

/* The zones and their domains take a restart. */
static bool same_zones(const mdns_mirror_config_t *a, const mdns_mirror_config_t *b)
{
	if (a->zone_count != b->zone_count || b->zones == NULL)
		return false;
	for (size_t i = 0; i < a->zone_count; i++) {
		if (!zone_name_equal(a->zones[i].domain, b->zones[i].domain))
			return false;
	}
	return true;
}

void mdns_mirror_hold(mdns_mirror_t *m)
{
	m->held = true;
}

void mdns_mirror_release(mdns_mirror_t *m, const int *results, size_t count)
{
	bool failed = false;
	m->held = false;
	for (size_t i = 0; i < m->zone_count; i++) {
		bool ok = i < count && results[i] == GW_OK;
		mirror_publish_release(m, &m->zones[i], ok);
		failed |= !ok;
	}
	/* The zone file's change may have failed with it: what reserved()
	 * said during the hold no longer holds. */
	if (failed)
		mdns_mirror_statics_changed(m);
}

/* Discovery on fresh (taken) in place of the running one: the cache
 * starts empty, every link's names are browsed again, and what is not
 * announced again within the warm-up is removed; the records published
 * meanwhile stay. */
static void discovery_swap(mdns_mirror_t *m, mdns_t *fresh)
{
	mirror_links_unwatch(m);
	mdns_free(m->mdns);
	m->mdns = fresh;
	mirror_links_restart(m);
	int r = mdns_start(m->mdns);
	if (r != GW_OK)
		gw_err("mirror: cannot follow the links: %s", gw_strerror(r));
	else
		mirror_links_say_absent(m);
}

void mdns_mirror_clock_set(mdns_mirror_t *m, int64_t delta)
{
	if (m->mdns == NULL || (delta < MDNS_CLOCK_STEP_MIN && delta > -MDNS_CLOCK_STEP_MIN))
		return;
	mdns_t *fresh = NULL;
	int ret = mdns_for(m, m->cfg, &fresh);
	if (ret != GW_OK) {
		gw_err("mirror: cannot start discovery again after the wall clock was set: %s; "
		       "Avahi's cache follows the old time until its records expire",
		       gw_strerror(ret));
		return;
	}
	gw_notice("mirror: discovery starts again on every link (Avahi times its cache by the "
	          "wall clock); what is not announced again within %.1f s is removed",
	          (double)m->cfg->warmup_ms / 1000.0);
	discovery_swap(m, fresh);
}

int mdns_mirror_reconfigure(mdns_mirror_t *m, const mdns_mirror_config_t *cfg)
{
	const mdns_mirror_config_t *cur = m->cfg;
	uint8_t(*subs)[ZONE_NAME_MAXLEN] = NULL;
	mdns_t *fresh = NULL;
	bool links_changed = false;

	if (!same_zones(cur, cfg) || cfg->ipv4 != cur->ipv4 || cfg->ipv6 != cur->ipv6)
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
		l->dirty = true;
	mirror_enum_dirty(m);
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
			discovery_swap(m, fresh);
			fresh = NULL;
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
	int ret;
	for (size_t i = 0; i < m->zone_count; i++) {
		mzone_t *z = &m->zones[i];
		ret = mirror_state_load(z);
		if (ret != GW_OK)
			gw_warn("mirror: saved state %s not used: %s", z->state_file,
			        gw_strerror(ret));
	}
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
		mirror_links_say_absent(m);
	}
	return GW_OK;
}

void mdns_mirror_free(mdns_mirror_t *m)
{
	if (m == NULL)
		return;
	mirror_logs_flush(m, true);
	ev_timer_stop(m->loop, &m->batch);
	ev_timer_stop(m->loop, &m->warmup);
	ev_timer_stop(m->loop, &m->logflush);
	mirror_heard_clear(m);
	/* Zones first: saving their state reads their entries, not the links;
	 * the links' contributors go with the links. */
	zones_free(m);
	mirror_links_free(m);
	mdns_free(m->mdns);
	free(m->subtypes);
	free(m);
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

void mdns_mirror_inject_type(mdns_mirror_t *m, int ifindex, const uint8_t *type)
{
	mirror_on_type(m, ifindex, type);
}
