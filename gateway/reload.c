/* A reload: the new configuration checked whole first (nothing changes
 * when it has an error), then what differs applied part by part inside
 * one hold of the zone manager, so that the zone file's difference and
 * the mirror's changes become one serial. The configuration in force is
 * the new one with the running values of the keys that take a restart. */
#include "gateway/reload.h"
#include "gateway/system/sdnotify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/heap.h"
#include "common/log.h"
#include "gateway/daemon_internal.h"

/* The report: lines appended, cut when full. */
typedef struct report {
	char *buf;
	size_t len, used;
} report_t;

static void say(report_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(report_t *r, const char *fmt, ...)
{
	if (r->len == 0 || r->used >= r->len - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(r->buf + r->used, r->len - r->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->used = r->used + (size_t)n < r->len ? r->used + (size_t)n : r->len - 1;
}

void gw_daemon_keyring_free(gw_tsig_keyring_t *keys)
{
	if (keys == NULL)
		return;
	gw_tsig_keyring_deinit(keys);
	free(keys);
}

int gw_daemon_keyring_new(const gw_config_t *cfg, gw_tsig_keyring_t **out)
{
	gw_tsig_keyring_t *kr = calloc(1, sizeof(*kr));
	if (kr == NULL)
		return GW_ENOMEM;
	gw_tsig_keyring_opts_t opts = {.keys = cfg->tsig_keys, .count = cfg->tsig_key_count};
	int ret = gw_tsig_keyring_init(kr, &opts);
	if (ret != GW_OK) {
		free(kr);
		return ret;
	}
	*out = kr;
	return GW_OK;
}

int gw_daemon_notify_new(daemon_t *d, const gw_transfer_config_t *transfer,
                         const gw_tsig_keyring_t *keys, gw_notify_t **out)
{
	gw_notify_opts_t opts = {
	    .targets = transfer->notify,
	    .target_count = transfer->notify_count,
	    .keys = keys,
	    .pool = &d->notify_pool,
	};
	return gw_notify_new(out, d->loop, &opts);
}

void gw_daemon_retire_all(daemon_t *d)
{
	while (d->retired != NULL) {
		gw_retired_t *r = d->retired;
		d->retired = r->next;
		gw_config_free(r->cfg);
		gw_daemon_keyring_free(r->keys);
		free(r);
	}
	gw_daemon_keyring_free(d->keys);
	d->keys = NULL;
	if (d->cfg_owned)
		gw_config_free((gw_config_t *)d->cfg);
	d->cfg = NULL;
	d->cfg_owned = false;
}

/* True when a key under prefix ("mdns.") or the key itself changed. */
static bool changed_under(const gw_config_diff_t *diff, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t i = 0; i < diff->count; i++) {
		if (strncmp(diff->items[i].key, prefix, n) == 0)
			return true;
	}
	return false;
}

/* The new configuration file (or the built-in default), checked as
 * --check-config checks it; the zone files follow (read.c, then
 * zones_read()). Problems are logged and reported. */
static int load_config(daemon_t *d, gw_config_t **out, report_t *r)
{
	const char *path = d->flags->config_path;
	/* The file is read on the loop: a FIFO there would stop every
	 * answer until something wrote to it. The start reads one (a
	 * pipe from the shell); a reload takes a regular file only. */
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	int ret = path != NULL ? gw_config_load_regular(out, path, &errs) : gw_config_default(out);
	if (ret == GW_ENOTFILE) {
		gw_err("reload refused: %s is not a regular file (a FIFO, a device or a "
		       "directory); nothing changed, still serving with the running "
		       "configuration",
		       path);
		say(r, "refused: %s is not a regular file; nothing changed\n", path);
		gw_config_errors_deinit(&errs);
		return GW_ECONFIG;
	}
	if (ret != GW_OK) {
		say(r, "refused: %s has %zu problems; nothing changed\n", path ? path : "built-in",
		    errs.count + errs.omitted);
		gw_err("reload refused: %s has %zu problems; nothing changed, still serving with "
		       "the running configuration",
		       path ? path : "built-in", errs.count + errs.omitted);
		for (size_t i = 0; i < errs.count; i++) {
			gw_err("%s", errs.items[i].text);
			say(r, "%s\n", errs.items[i].text);
		}
		if (errs.count == 0) {
			gw_err("reload: %s", gw_strerror(ret));
			say(r, "%s\n", gw_strerror(ret));
		}
		gw_config_errors_deinit(&errs);
		return ret == GW_ENOMEM ? ret : GW_ECONFIG;
	}
	gw_config_errors_deinit(&errs);
	char why[1024];
	if (gw_config_secret_group_check(*out, getegid(), why, sizeof(why)) != GW_OK) {
		gw_err("reload refused: %s; nothing changed, still serving with the running "
		       "configuration",
		       why);
		say(r, "refused: %s; nothing changed\n", why);
		gw_config_free(*out);
		*out = NULL;
		return GW_ECONFIG;
	}
	return GW_OK;
}

/* The zone files the running zone managers read (a zone's file takes a
 * restart), as the read left them: each must load, or nothing changes.
 * On success zones[i] (taken) is slot i's. */
static int zones_read(daemon_t *d, gw_zonemgr_read_t *read, zone_t **zones, report_t *r)
{
	char err[512] = "";
	int ret = GW_OK;
	for (size_t i = 0; i < d->slot_count && ret == GW_OK; i++)
		ret = gw_zonemgr_read_take(read, i, &zones[i], err, sizeof(err));
	if (ret == GW_OK)
		return GW_OK;
	const char *why = err[0] ? err : gw_strerror(ret);
	gw_err("reload refused: zone not reloaded, still serving the previous one: %s; nothing "
	       "changed",
	       why);
	say(r, "refused: zone file: %s; nothing changed\n", why);
	return ret == GW_ENOMEM ? ret : GW_ECONFIG;
}

/* The new configuration's keyring and notifiers, made before anything
 * changes (NULL where they stay). */
typedef struct fresh {
	gw_tsig_keyring_t *keys;
	gw_notify_t **notify;  /* owned: one per slot, NULL where it stays */
	gw_retired_t *retired; /* where the replaced configuration goes */
	bool same_zones;       /* next lists the zones the slots serve, in order */
} fresh_t;

static void fresh_free(fresh_t *f, size_t slots)
{
	for (size_t i = 0; f->notify != NULL && i < slots; i++)
		gw_notify_free(f->notify[i]);
	free(f->notify);
	gw_daemon_keyring_free(f->keys);
	free(f->retired);
	*f = (fresh_t){0};
}

/* The zone of next that slot i serves: the slots of the configured zones
 * come in next's order (reverse zones, which the daemon adds itself at
 * start, keep the configuration they started with); NULL for those. */
static const gw_zone_config_t *next_zone(const daemon_t *d, const gw_config_t *next, size_t i)
{
	if (d->slots[i].zc->reverse)
		return NULL;
	size_t k = 0;
	for (size_t j = 0; j < i; j++)
		k += !d->slots[j].zc->reverse;
	for (size_t j = 0; j < next->zone_count; j++) {
		if (next->zones[j].reverse)
			continue;
		if (k-- == 0)
			return &next->zones[j];
	}
	return NULL;
}

/* Whether next serves the configured zones of the slots: the same
 * domains and state directories in the same order (anything else takes
 * a restart). */
static bool same_zones(const daemon_t *d, const gw_config_t *next)
{
	size_t ours = 0, theirs = 0;
	for (size_t i = 0; i < d->slot_count; i++)
		ours += !d->slots[i].zc->reverse;
	for (size_t j = 0; j < next->zone_count; j++)
		theirs += !next->zones[j].reverse;
	if (ours != theirs)
		return false;
	for (size_t i = 0; i < d->slot_count; i++) {
		const gw_zone_config_t *a = d->slots[i].zc, *b = next_zone(d, next, i);
		if (b != NULL && (strcmp(a->domain_str, b->domain_str) != 0 ||
		                  strcmp(a->state_dir, b->state_dir) != 0))
			return false;
	}
	return true;
}

/* The zone configuration slot i takes from a reload to next. */
static const gw_zone_config_t *slot_config(const daemon_t *d, const gw_config_t *next, size_t i,
                                           bool same)
{
	const gw_zone_config_t *z = same ? next_zone(d, next, i) : NULL;
	return z != NULL ? z : d->slots[i].zc;
}

/* Whether a zone's NOTIFY targets changed: transfer.notify, or the same
 * key of a zone of zones:. */
static bool notify_changed(const gw_config_diff_t *diff)
{
	for (size_t i = 0; i < diff->count; i++) {
		const char *k = diff->items[i].key;
		if (strcmp(k, "transfer.notify") == 0 || strstr(k, "zones") == k)
			return true;
	}
	return false;
}

static int prepare(daemon_t *d, const gw_config_t *next, const gw_config_diff_t *diff, fresh_t *f,
                   report_t *r)
{
	int ret = GW_OK;
	f->same_zones = same_zones(d, next);
	if (diff->count > 0 && (f->retired = calloc(1, sizeof(*f->retired))) == NULL)
		ret = GW_ENOMEM;
	if (ret == GW_OK && gw_config_diff_has(diff, "tsig-keys"))
		ret = gw_daemon_keyring_new(next, &f->keys);
	/* A changed zone list keeps every slot as it is, its notifier too
	 * (unless the keys it signs with change). */
	bool notify = f->keys != NULL || (f->same_zones && notify_changed(diff));
	if (ret == GW_OK && notify &&
	    (f->notify = calloc(d->slot_count, sizeof(*f->notify))) == NULL)
		ret = GW_ENOMEM;
	for (size_t i = 0; ret == GW_OK && notify && i < d->slot_count; i++)
		ret = gw_daemon_notify_new(d, slot_config(d, next, i, f->same_zones)->transfer,
		                           f->keys != NULL ? f->keys : d->keys, &f->notify[i]);
	if (ret != GW_OK) {
		gw_err("reload refused: cannot set up the TSIG keys or NOTIFY: %s; nothing changed",
		       gw_strerror(ret));
		say(r, "refused: cannot set up the TSIG keys or NOTIFY: %s; nothing changed\n",
		    gw_strerror(ret));
		fresh_free(f, d->slot_count);
	}
	return ret;
}

/* What only needs swapping: the access rules, the keyring, the notifier,
 * the configuration in force (the old one retired). Cannot fail. */
static void swap_in(daemon_t *d, gw_config_t *next, fresh_t *f)
{
	gw_retired_t *old = f->retired;
	old->cfg = d->cfg_owned ? (gw_config_t *)d->cfg : NULL;
	if (f->keys != NULL) {
		old->keys = d->keys;
		d->keys = f->keys;
	}
	old->next = d->retired;
	d->retired = old;
	/* The server reads each access through its pointer, at each
	 * request. A changed zone list (a restart) keeps the slots on the
	 * configuration they started with, retired but kept. */
	d->access = (gw_access_t){.keys = d->keys};
	for (size_t i = 0; i < d->slot_count; i++) {
		gw_zone_slot_t *s = &d->slots[i];
		s->zc = slot_config(d, next, i, f->same_zones);
		s->access = (gw_access_t){.allow = &s->zc->transfer->allow, .keys = d->keys};
		if (f->notify != NULL) {
			gw_notify_free(s->notify);
			s->notify = f->notify[i];
			f->notify[i] = NULL;
		}
		d->view_zones[i].name = s->zc->domain_str;
		d->view_zones[i].notify = s->notify;
		d->view_zones[i].dnssec = s->zc->dnssec;
	}
	d->view.notify = d->slots[0].notify;
	if (d->http != NULL)
		gw_http_set_allow(d->http, &next->metrics.allow);
	free(f->notify);
	*f = (fresh_t){0};
	d->cfg = next;
	d->cfg_owned = true;
	d->view.cfg = next;
}

/* Apply next (taken) with the zone files read (zones: slot i's, each
 * taken and set to NULL once applied; the caller frees the rest). */
static int apply(daemon_t *d, gw_config_t *next, zone_t **zones, report_t *r)
{
	gw_config_diff_t diff;
	fresh_t fresh = {0};
	int ret, failed = GW_OK;
	size_t held = 0; /* slots held */
	bool mirror_held = false, applied = false;
	int results[GW_CONFIG_ZONES_MAX]; /* each held slot's release */

	ret = gw_config_diff(d->cfg, next, &diff);
	if (ret == GW_OK)
		ret = gw_config_keep_restart(next, d->cfg, &diff);
	if (ret == GW_OK)
		ret = prepare(d, next, &diff, &fresh, r);
	for (size_t i = 0; ret == GW_OK && i < d->slot_count; i++) {
		ret = gw_zonemgr_hold(d->slots[i].mgr);
		if (ret == GW_OK)
			held = i + 1;
	}
	if (ret != GW_OK) {
		/* prepare() said why; the rest is out of memory. */
		if (r->used == 0) {
			gw_err("reload refused: %s; nothing changed", gw_strerror(ret));
			say(r, "refused: %s; nothing changed\n", gw_strerror(ret));
		}
		goto out;
	}
	/* The mirror's commits from here on are held with the zones: it is
	 * told below which went in. */
	if (d->mirror != NULL) {
		mdns_mirror_hold(d->mirror);
		mirror_held = true;
	}
	gw_dane_hold(&d->dane);

	/* The mirror first: it is the one part that may still refuse. */
	if (changed_under(&diff, "mdns.") || gw_config_diff_has(&diff, "links")) {
		int slot = 1 - d->mirror_slot;
		size_t n;
		mdns_mirror_config_t mc =
		    gw_daemon_mirror_config(next, d, d->mirror_zone[slot], &n);
		ret = mdns_mirror_reconfigure(d->mirror, &mc);
		if (ret == GW_OK)
			d->mirror_slot = slot;
		if (ret != GW_OK) {
			gw_err("reload refused: the mirror cannot take the new links or mdns "
			       "settings: %s; nothing changed",
			       gw_strerror(ret));
			say(r,
			    "refused: the mirror cannot take the new links or mdns settings: %s; "
			    "nothing changed\n",
			    gw_strerror(ret));
			goto out;
		}
	}
	/* From here on the reload is applied; a part that fails is said. */
	applied = true;
	if (!fresh.same_zones) {
		gw_warn("reload: the zone list changed (zone, zones); it takes a restart, the "
		        "running zones stay");
		say(r, "needs a restart: the zone list (running zones kept)\n");
	}
	if (diff.count > 0) {
		swap_in(d, next, &fresh);
		next = NULL;
	}
	if (changed_under(&diff, "rate-limit.") || changed_under(&diff, "cookies.")) {
		gw_rrl_opts_t rrl;
		char secret_file[GW_CONFIG_PATH_MAX + 32];
		gw_guard_opts_t g =
		    gw_daemon_guard_opts(d->cfg, &rrl, secret_file, sizeof(secret_file));
		ret = gw_server_set_guard(d->server, &g);
		if (ret != GW_OK) {
			gw_err("reload: rate-limit and cookies keep their running settings: %s",
			       gw_strerror(ret));
			say(r, "failed: rate-limit, cookies: %s (running settings kept)\n",
			    gw_strerror(ret));
			failed = ret;
		}
	}
	if (gw_config_diff_has(&diff, "log.level") && !d->flags->verbose)
		gw_log_set_level(d->cfg->log.level);
	for (size_t i = 0; i < d->slot_count; i++) {
		ret = gw_zonemgr_reload_read(d->slots[i].mgr, zones[i]);
		zones[i] = NULL;
		if (ret != GW_OK) {
			say(r, "failed: zone file of %s: %s (the previous records stay)\n",
			    d->slots[i].zc->domain_str, gw_strerror(ret));
			failed = ret;
		}
	}
	/* What the zone files now hold, delegate or redirect is the mirror's
	 * no more (and what they gave up is again): every link is computed
	 * again, and its batch committed now, while the zones are held, so
	 * that it joins the files' own change: one serial, and none that
	 * serves a device's address merged into a name the file just took. */
	if (d->mirror != NULL) {
		mdns_mirror_statics_changed(d->mirror);
		(void)mdns_mirror_flush(d->mirror); /* a failed commit is retried by itself */
	}
	/* A configured TLS certificate read again (a new key: its rollover). */
	ret = gw_dane_reload(&d->dane);
	if (ret != GW_OK) {
		say(r, "failed: tls certificate: %s (the key in use stays)\n", gw_strerror(ret));
		failed = ret;
	}

out:;
	uint32_t serial = 0;
	char serials[1024] = "";
	size_t sl = 0;
	bool tls_lost = false;
	for (size_t i = 0; i < held; i++) {
		uint32_t s = 0;
		gw_zonemgr_statics_t st = GW_ZONEMGR_STATICS_NONE;
		int rr = gw_zonemgr_release(d->slots[i].mgr, &s, &st);
		const char *zone = d->slots[i].zc->domain_str;
		if (i < sizeof(results) / sizeof(results[0]))
			results[i] = rr;
		tls_lost =
		    tls_lost || (i == gw_dane_zone(&d->dane) && st == GW_ZONEMGR_STATICS_LOST);
		if (rr != GW_OK && st == GW_ZONEMGR_STATICS_ALONE) {
			/* What was asked for is in; the mirror commits its own
			 * changes again by itself (mdns_mirror_release()). */
			say(r,
			    "warning: %s: the held changes could not be committed (%s); the zone "
			    "file's went in alone, the mirror's are committed again\n",
			    zone, gw_strerror(rr));
		} else if (rr != GW_OK && applied) {
			say(r, "failed: committing the changes of %s: %s (%s)\n", zone,
			    gw_strerror(rr),
			    st == GW_ZONEMGR_STATICS_LOST
			        ? "its previous records stay; reload again"
			        : "the mirror's are committed again");
			if (failed == GW_OK)
				failed = rr;
		}
		if (i == 0)
			serial = s;
		int n = snprintf(serials + sl, sizeof(serials) - sl, "%szone %s at serial %u",
		                 i > 0 ? ", " : "", zone, s);
		if (n > 0 && sl + (size_t)n < sizeof(serials))
			sl += (size_t)n;
	}
	if (mirror_held)
		mdns_mirror_release(d->mirror, results,
		                    held < GW_CONFIG_ZONES_MAX ? held : GW_CONFIG_ZONES_MAX);
	if (held > 0)
		gw_dane_release(&d->dane, tls_lost);
	if (applied) {
		char live[1024], restart[1024];
		size_t nl = gw_config_diff_list(&diff, true, live, sizeof(live));
		size_t nr = gw_config_diff_list(&diff, false, restart, sizeof(restart));
		/* Without a key that changed, the zone files were all there
		 * was to apply (the lines above say which failed). */
		const char *what = nl > 0            ? live
		                   : failed == GW_OK ? "zone file only"
		                                     : "no configuration change";
		d->view.reloads++;
		gw_notice("reload: applied %s; %s", what, serials);
		say(r, "applied: %s (serial %u)\n", what, serial);
		if (nr > 0) {
			gw_warn("reload: these keys take a restart, their running values stay: %s",
			        restart);
			say(r, "needs a restart: %s (running values kept)\n", restart);
		}
		ret = failed;
	}
	fresh_free(&fresh, d->slot_count);
	gw_config_free(next);
	return ret;
}

/* ---- reloads under way and asked for --------------------------------- */

/* Who asked for a reload: a control socket client to tell at its end, or
 * SIGHUP (done NULL). */
typedef struct waiter {
	struct waiter *next;
	gw_control_reload_done_fn done;
	void *done_arg;
} waiter_t;

/* One reload at a time: its configuration is read at once, its zone
 * files on a thread (the loop answering meanwhile), then both are applied
 * on the loop. One asked for meanwhile runs after it and reads the files
 * again, so that it sees what the asker saw; those asked for together
 * share one run. */
struct gw_reload {
	gw_zonemgr_read_t *read;  /* owned: the zone files being read, or NULL */
	gw_config_t *next;        /* owned: the configuration being applied */
	zone_t **zones;           /* owned: slot_count, what the read gave */
	waiter_t *running;        /* owned: told when the one under way ends */
	waiter_t *queued, **tail; /* owned: asked for during it */
	bool busy;                /* one begun and not ended */
	bool kicking;             /* within kick(): no nested run */
	ev_timer give_back;       /* the heap given back on the next turn */
	char report[GW_RELOAD_REPORT_MAX];
	report_t r;
};

static void kick(daemon_t *d);

static void waiters_tell(waiter_t *w, int ret, const char *report)
{
	while (w != NULL) {
		waiter_t *next = w->next;
		if (w->done != NULL)
			w->done(w->done_arg, ret, report);
		free(w);
		w = next;
	}
}

/* What a run holds, freed (a read under way waited for). */
static void run_free(daemon_t *d, struct gw_reload *rl)
{
	gw_zonemgr_read_free(rl->read);
	rl->read = NULL;
	for (size_t i = 0; rl->zones != NULL && i < d->slot_count; i++)
		zone_free(rl->zones[i]);
	free(rl->zones);
	rl->zones = NULL;
	gw_config_free(rl->next);
	rl->next = NULL;
}

static void on_give_back(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	gw_heap_give_back();
}

/* The run under way ended with ret: systemd and the askers are told,
 * and the next one begins. */
static void end(daemon_t *d, int ret)
{
	struct gw_reload *rl = d->reload;
	run_free(d, rl);
	/* The files were read into the reading thread's arena and freed
	 * here, among the holes the diff left: without giving the free pages
	 * back they stay resident (at 100 000 services 291 MiB after a
	 * reload, 196 with it; bench/reload.md). That is a twelfth of a
	 * reload's time on the loop there, so it is done on the loop's next
	 * turn, after the queries read by then (a lower priority than
	 * theirs): they have waited for the apply already. */
	if (!ev_is_active(&rl->give_back))
		ev_timer_start(d->loop, &rl->give_back);
	gw_daemon_announce_ready(d, ret == GW_OK ? "" : "; the reload failed, see the log");
	waiter_t *told = rl->running;
	rl->running = NULL;
	rl->busy = false;
	/* A waiter told may ask again at once (a control client's next
	 * request): that run waits until every waiter of this one heard this
	 * one's report, which the next run's begin() would overwrite. */
	bool kicking = rl->kicking;
	rl->kicking = true;
	waiters_tell(told, ret, rl->report);
	rl->kicking = kicking;
	kick(d);
}

/* gw_zonemgr_read_done_fn: the zone files are read; apply. */
static void on_read(void *arg)
{
	daemon_t *d = arg;
	struct gw_reload *rl = d->reload;
	int ret = zones_read(d, rl->read, rl->zones, &rl->r);
	if (ret == GW_OK) {
		gw_config_t *next = rl->next;
		rl->next = NULL;
		ret = apply(d, next, rl->zones, &rl->r);
	}
	end(d, ret);
}

static void begin(daemon_t *d)
{
	struct gw_reload *rl = d->reload;
	rl->busy = true;
	rl->r = (report_t){.buf = rl->report, .len = sizeof(rl->report)};
	rl->report[0] = '\0';
	/* systemd hears of every reload, SIGHUP's and the control socket's,
	 * and of its end even when it failed (the daemon goes on serving). */
	gw_sd_reloading();
	gw_notice("reload: reading %s",
	          d->flags->config_path ? d->flags->config_path : "the built-in configuration");
	int ret = load_config(d, &rl->next, &rl->r);
	gw_zonemgr_opts_t *opts = NULL;
	if (ret == GW_OK) {
		rl->zones = calloc(d->slot_count, sizeof(*rl->zones));
		opts = calloc(d->slot_count, sizeof(*opts));
		if (rl->zones == NULL || opts == NULL)
			ret = GW_ENOMEM;
	}
	for (size_t i = 0; ret == GW_OK && i < d->slot_count; i++)
		opts[i] = gw_daemon_zone_opts(d->slots[i].zc);
	if (ret == GW_OK)
		ret = gw_zonemgr_read_start(&rl->read, d->loop, opts, d->slot_count, on_read, d);
	free(opts);
	if (ret != GW_OK) {
		if (rl->r.used == 0) {
			gw_err("reload refused: %s; nothing changed", gw_strerror(ret));
			say(&rl->r, "refused: %s; nothing changed\n", gw_strerror(ret));
		}
		end(d, ret);
	}
}

/* Begin the next run when none is under way and one was asked for. A run
 * that ends at once (a configuration refused) begins the next here, not
 * within itself. */
static void kick(daemon_t *d)
{
	struct gw_reload *rl = d->reload;
	if (rl->kicking)
		return;
	rl->kicking = true;
	while (!rl->busy && rl->queued != NULL) {
		rl->running = rl->queued;
		rl->queued = NULL;
		rl->tail = &rl->queued;
		begin(d);
	}
	rl->kicking = false;
}

void gw_daemon_reload(void *arg, gw_control_reload_done_fn done, void *done_arg)
{
	daemon_t *d = arg;
	if (d->reload == NULL) {
		d->reload = calloc(1, sizeof(*d->reload));
		if (d->reload == NULL)
			goto nomem;
		d->reload->tail = &d->reload->queued;
		ev_timer_init(&d->reload->give_back, on_give_back, 0., 0.);
		ev_set_priority(&d->reload->give_back, EV_MINPRI);
	}
	struct gw_reload *rl = d->reload;
	/* A second SIGHUP before the queued run begins asks for nothing
	 * more. */
	if (done == NULL && rl->queued != NULL)
		return;
	waiter_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto nomem;
	w->done = done;
	w->done_arg = done_arg;
	*rl->tail = w;
	rl->tail = &w->next;
	if (rl->busy)
		gw_notice("reload: asked for while one is under way; it follows that one");
	kick(d);
	return;
nomem:
	gw_err("reload refused: %s; nothing changed", gw_strerror(GW_ENOMEM));
	if (done != NULL)
		done(done_arg, GW_ENOMEM, "refused: out of memory; nothing changed\n");
}

void gw_daemon_reload_stop(daemon_t *d)
{
	struct gw_reload *rl = d->reload;
	if (rl == NULL)
		return;
	/* A read under way is waited for; nothing of it is applied. */
	run_free(d, rl);
	ev_timer_stop(d->loop, &rl->give_back);
	const char *why = "not applied: the daemon is stopping\n";
	waiters_tell(rl->running, GW_EBUSY, why);
	waiters_tell(rl->queued, GW_EBUSY, why);
	free(rl);
	d->reload = NULL;
}
