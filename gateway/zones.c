/* The zones the daemon serves, one slot each: its zone manager (state
 * directory, keys, serial, journal, signing), who may transfer it, whom
 * it NOTIFYs. The server picks a slot by the query's name; the mirror
 * commits into the first. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/daemon_internal.h"
#include "gateway/server/tls.h"

gw_zonemgr_opts_t gw_daemon_zone_opts(const gw_zone_config_t *zc)
{
	const gw_dnssec_config_t *ds = zc->dnssec;
	gw_zonemgr_opts_t o = {
	    .domain = zc->domain,
	    .domain_str = zc->domain_str,
	    .zone_file = zc->file,
	    .state_dir = zc->state_dir,
	    .dnssec =
	        {
	            .enable = ds->enable,
	            .algorithm = ds->algorithm,
	            .split_keys = ds->split_keys,
	            .rsa_bits = ds->rsa_bits,
	            .nsec3 = ds->nsec3,
	            .validity_ms = ds->validity_ms,
	            .refresh_ms = ds->refresh_ms,
	            .jitter_ms = ds->jitter_ms,
	            .inception_offset_ms = ds->inception_offset_ms,
	            .dnskey_ttl = ds->dnskey_ttl,
	            .sign_threads = ds->sign_threads,
	            .import = (const char *const *)ds->import,
	            .import_count = ds->import_count,
	            .policy =
	                {
	                    .zsk_lifetime = ds->policy.zsk_lifetime_ms / 1000,
	                    .ksk_lifetime = ds->policy.ksk_lifetime_ms / 1000,
	                    .csk_lifetime = ds->policy.csk_lifetime_ms / 1000,
	                    .propagation_delay = ds->policy.propagation_delay_ms / 1000,
	                    .parent_ds_ttl = ds->policy.parent_ds_ttl,
	                    .parent_propagation_delay =
	                        ds->policy.parent_propagation_delay_ms / 1000,
	                    .hold_down = ds->policy.hold_down_ms / 1000,
	                    .ds_check_interval = ds->policy.ds_check_interval_ms / 1000,
	                },
	        },
	    .journal_size = zc->transfer->journal_size,
	    .journal_entries = zc->transfer->journal_entries,
	    .journal_background = true,
	    .journal_background_min = zc->transfer->journal_background_size,
	};
	/* Copied: the manager outlives a reload's configuration. */
	size_t n = ds->policy.ds_check_count;
	size_t cap = sizeof(o.dnssec.policy.ds_check) / sizeof(o.dnssec.policy.ds_check[0]);
	if (n > cap)
		n = cap;
	for (size_t i = 0; i < n; i++)
		o.dnssec.policy.ds_check[i] = ds->policy.ds_check[i].addr;
	o.dnssec.policy.ds_check_count = n;
	return o;
}

/* A directory of private keys: 0700, made if missing, tightened if wider. */
static int ensure_dir(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		int ret = -errno;
		gw_err("cannot create state directory %s: %s", path, strerror(errno));
		return ret;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		gw_err("state directory %s is not a directory", path);
		return GW_ECONFIG;
	}
	if ((st.st_mode & 07777) != 0700) {
		if (chmod(path, 0700) != 0) {
			int ret = -errno;
			gw_err("cannot set state directory %s to mode 0700: %s", path,
			       strerror(errno));
			return ret;
		}
		gw_notice("state directory %s: mode %04o tightened to 0700 (it holds keys)", path,
		          (unsigned)(st.st_mode & 07777));
	}
	return GW_OK;
}

/* What a one-zone configuration keeps at the top of the state directory
 * and the zones: form keeps in each zone's (the cookie secret and tls/
 * stay shared). */
static const char *const g_zone_files[] = {
    "keys", "serial", "journal", "mirror.zone", "ds", "trust-anchor.ds", "trust-anchor.conf",
};

/* The zones: form with a one-zone layout left at the top: refused, with
 * the commands that move it to the first zone's directory (whose keys
 * they are cannot be known here; the first zone is the usual heir). */
static int refuse_old_layout(const gw_config_t *cfg)
{
	char path[GW_CONFIG_PATH_MAX + 32];
	struct stat st;
	snprintf(path, sizeof(path), "%s/keys", cfg->state_dir);
	bool keys = stat(path, &st) == 0;
	snprintf(path, sizeof(path), "%s/serial", cfg->state_dir);
	bool serial = stat(path, &st) == 0;
	if (!keys && !serial)
		return GW_OK;
	char files[4 * GW_CONFIG_PATH_MAX];
	size_t used = 0;
	files[0] = '\0';
	for (size_t i = 0; i < sizeof(g_zone_files) / sizeof(g_zone_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, g_zone_files[i]);
		if (stat(path, &st) != 0 || used >= sizeof(files))
			continue;
		int n = snprintf(files + used, sizeof(files) - used, " %s", path);
		if (n > 0)
			used += (size_t)n;
	}
	const char *to = cfg->zones[0].state_dir;
	gw_err("not started: %s holds the keys and serial of a one-zone configuration (zone:), "
	       "and this configuration lists zones:, which keeps each zone's state in "
	       "%s/zones/<zone>/; keys are never replaced silently. To keep them for %s, "
	       "run: mkdir -p -m 0700 %s && mv%s %s/ (or move them away to start %s with new "
	       "keys)",
	       cfg->state_dir, cfg->state_dir, cfg->zones[0].domain_str, to, files, to,
	       cfg->zones[0].domain_str);
	return GW_ECONFIG;
}

int gw_daemon_state_dir(const gw_config_t *cfg)
{
	return ensure_dir(cfg->state_dir);
}

int gw_daemon_state_lock(const gw_config_t *cfg, int *fd)
{
	*fd = open(cfg->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		int ret = -errno;
		gw_err("cannot open the state directory %s: %s", cfg->state_dir, strerror(errno));
		return ret;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return GW_OK;
	int ret = errno == EWOULDBLOCK ? GW_EBUSY : -errno;
	if (ret == GW_EBUSY)
		gw_err("the state directory %s is in use by another dnssd-gateway; give each "
		       "daemon its own state-dir",
		       cfg->state_dir);
	else
		gw_err("cannot lock the state directory %s: %s", cfg->state_dir, gw_strerror(ret));
	close(*fd);
	*fd = -1;
	return ret;
}

/* What interrupted writes of an earlier run left (keys/ has its own
 * sweep, under the key store's lock): before anything here is written. */
static void remove_temps(const gw_config_t *cfg)
{
	char path[GW_CONFIG_PATH_MAX + 32];
	(void)gw_file_remove_temps(cfg->state_dir);
	snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, GW_TLS_DIR);
	(void)gw_file_remove_temps(path);
	for (size_t i = 0; i < cfg->zone_count; i++) {
		if (strcmp(cfg->zones[i].state_dir, cfg->state_dir) != 0)
			(void)gw_file_remove_temps(cfg->zones[i].state_dir);
	}
}

int gw_daemon_zone_dirs(const gw_config_t *cfg)
{
	int ret = GW_OK;
	if (cfg->zone_list)
		ret = refuse_old_layout(cfg);
	/* zones: and reverse zones: each its own <state-dir>/zones/<zone>/;
	 * the one-zone form's zone keeps the state directory itself. */
	bool parent = false;
	for (size_t i = 0; i < cfg->zone_count && ret == GW_OK; i++) {
		if (strcmp(cfg->zones[i].state_dir, cfg->state_dir) == 0)
			continue;
		if (!parent) {
			char path[GW_CONFIG_PATH_MAX + 32];
			snprintf(path, sizeof(path), "%s/zones", cfg->state_dir);
			ret = gw_file_refuse_link(path);
			if (ret == GW_OK)
				ret = ensure_dir(path);
			parent = true;
		}
		if (ret == GW_OK)
			ret = gw_file_refuse_link(cfg->zones[i].state_dir);
		if (ret == GW_OK)
			ret = ensure_dir(cfg->zones[i].state_dir);
	}
	if (ret == GW_OK)
		remove_temps(cfg);
	return ret;
}

/* A start whose wall clock is behind what it wrote before (an appliance
 * without a battery-backed clock, before its time sync) signs for the
 * wrong time: said, so that bogus answers until the sync are explained.
 * The files each commit or start writes tell the last time it ran. */
static void clock_hint(const gw_zone_config_t *zc)
{
	static const char *const files[] = {"serial", "journal", "keys/state"};
	char path[GW_CONFIG_PATH_MAX + 32];
	time_t newest = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", zc->state_dir, files[i]);
		if (stat(path, &st) == 0 && st.st_mtime > newest)
			newest = st.st_mtime;
	}
	time_t now = gw_clock_wall();
	if (newest <= now + 60)
		return;
	gw_warn("zone %s: the wall clock is %lld s behind the last write in %s; if the time is "
	        "not synced yet, what is signed now is valid only around this time, and is "
	        "signed again when the clock is set",
	        zc->domain_str, (long long)(newest - now), zc->state_dir);
}

int gw_daemon_slots_new(daemon_t *d, const gw_zone_config_t *zones, size_t count,
                        const gw_zone_extra_t *extra, bool new_keys)
{
	int ret = GW_ENOMEM;
	d->slots = calloc(count, sizeof(*d->slots));
	d->view_zones = calloc(count, sizeof(*d->view_zones));
	if (d->slots == NULL || d->view_zones == NULL)
		goto out;
	for (size_t i = 0; i < count; i++) {
		gw_zone_slot_t *s = &d->slots[i];
		const gw_zone_config_t *zc = &zones[i];
		gw_zonemgr_opts_t o = gw_daemon_zone_opts(zc);
		if (extra != NULL) {
			o.extra_rrs = extra[i].rrs;
			o.extra_count = extra[i].count;
		}
		o.dnssec.new_keys = new_keys;
		if (zc->dnssec->enable)
			clock_hint(zc);
		gw_sd_status("loading and signing %s", zc->domain_str);
		ret = gw_zonemgr_new(&s->mgr, d->loop, &o);
		if (ret != GW_OK)
			goto out;
		s->d = d;
		s->zc = zc;
		s->access = (gw_access_t){.allow = &zc->transfer->allow, .keys = d->keys};
		d->slot_count = i + 1;
		uint32_t serial = 0;
		const zone_t *zone = gw_zonemgr_zone(s->mgr)->zone;
		zone_serial(zone, &serial);
		gw_info("zone %s loaded: %zu names, serial %u%s%s", zc->domain_str,
		        zone_node_count(zone), serial, zc->file ? " from " : "",
		        zc->file ? zc->file : "");
	}
	ret = GW_OK;
out:
	if (ret != GW_OK)
		gw_daemon_slots_free(d);
	return ret;
}

int gw_daemon_slots_notify(daemon_t *d)
{
	for (size_t i = 0; i < d->slot_count; i++) {
		int ret =
		    gw_daemon_notify_new(d, d->slots[i].zc->transfer, d->keys, &d->slots[i].notify);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

/* gw_zonemgr_hook_fn: every new serial of a zone is announced to its
 * secondaries. */
static void on_commit(void *arg, uint32_t serial)
{
	gw_zone_slot_t *s = arg;
	(void)serial;
	gw_notify_send(s->notify, gw_zonemgr_zone(s->mgr)->zone);
}

/* gw_zonemgr_diff_fn: what changed goes to the push subscribers (one
 * service for every zone: a subscription names one name). */
static void on_diff(void *arg, const zone_rrdiff_t *diff)
{
	gw_push_commit(arg, diff);
}

int gw_daemon_slots_start(daemon_t *d)
{
	for (size_t i = 0; i < d->slot_count; i++) {
		gw_zone_slot_t *s = &d->slots[i];
		gw_zonemgr_set_hook(s->mgr, on_commit, s);
		if (d->push != NULL)
			gw_zonemgr_set_diff_hook(s->mgr, on_diff, d->push);
	}
	/* The serial ceilings and journals go to disk only now, zone by
	 * zone: a start that failed before leaves them as they were. */
	for (size_t i = 0; i < d->slot_count; i++) {
		int ret = gw_zonemgr_start(d->slots[i].mgr);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int gw_daemon_slots_publish(daemon_t *d)
{
	gw_server_zone_t *table = calloc(d->slot_count, sizeof(*table));
	gw_zoneref_t **refs = calloc(d->slot_count, sizeof(*refs));
	int ret = GW_ENOMEM;
	if (table == NULL || refs == NULL)
		goto out;
	for (size_t i = 0; i < d->slot_count; i++) {
		gw_zone_slot_t *s = &d->slots[i];
		refs[i] = gw_zonemgr_zone(s->mgr);
		table[i] = (gw_server_zone_t){
		    .zone = refs[i], .journal = gw_zonemgr_journal(s->mgr), .access = &s->access};
		d->view_zones[i] = (gw_view_zone_t){.mgr = s->mgr,
		                                    .name = s->zc->domain_str,
		                                    .notify = s->notify,
		                                    .dnssec = s->zc->dnssec};
	}
	ret = gw_server_set_zones(d->server, table, d->slot_count);
	if (ret == GW_OK && d->push != NULL)
		ret = gw_push_set_zones(d->push, refs, d->slot_count);
out:
	free(refs);
	free(table);
	return ret;
}

void gw_daemon_slots_free(daemon_t *d)
{
	for (size_t i = 0; i < d->slot_count; i++) {
		gw_zone_slot_t *s = &d->slots[i];
		gw_zonemgr_set_hook(s->mgr, NULL, NULL);
		gw_zonemgr_set_diff_hook(s->mgr, NULL, NULL);
		gw_notify_free(s->notify);
		gw_zonemgr_free(s->mgr);
	}
	free(d->slots);
	free(d->view_zones);
	d->slots = NULL;
	d->view_zones = NULL;
	d->slot_count = 0;
}
