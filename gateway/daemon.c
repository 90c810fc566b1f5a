#include "gateway/daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/server.h"
#include "gateway/zoneref.h"

typedef struct daemon {
	struct ev_loop *loop;
	const gw_config_t *cfg;
	gw_server_t *server;
	gw_zoneref_t *zone; /* one reference */
	ev_signal sigterm;
	ev_signal sigint;
	ev_signal sighup;
} daemon_t;

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static int add_rr_str(zone_t *zone, const char *text, char *errbuf, size_t errlen)
{
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		snprintf(errbuf, errlen, "built-in record '%s': %s", text,
		         ldns_get_errorstr_by_id(st));
		return GW_EPARSE;
	}
	int ret = zone_add_rr(zone, rr);
	ldns_rr_free(rr);
	if (ret != GW_OK)
		snprintf(errbuf, errlen, "built-in record '%s': %s", text, gw_strerror(ret));
	return ret;
}

int gw_daemon_build_zone(zone_t **out, const gw_config_t *cfg, char *errbuf, size_t errlen)
{
	int ret;
	zone_t *zone = NULL;
	if (cfg->zone.file != NULL)
		return zone_load_file(out, cfg->zone.domain, cfg->zone.file, errbuf, errlen);

	/* No zone file: the apex records a served zone needs. The serial
	 * starts from the clock so that a restart does not go backwards. */
	ret = zone_new(&zone, cfg->zone.domain);
	if (ret != GW_OK) {
		snprintf(errbuf, errlen, "cannot create zone: %s", gw_strerror(ret));
		goto out;
	}
	const char *d = cfg->zone.domain_str;
	char rr[4 * GW_CONFIG_NAME_STR_MAX + 128];
	snprintf(rr, sizeof(rr), "%s 3600 IN SOA ns.%s hostmaster.%s %u 3600 600 86400 10", d, d, d,
	         (uint32_t)gw_clock_wall());
	ret = add_rr_str(zone, rr, errbuf, errlen);
	if (ret != GW_OK)
		goto out;
	snprintf(rr, sizeof(rr), "%s 3600 IN NS ns.%s", d, d);
	ret = add_rr_str(zone, rr, errbuf, errlen);
	if (ret != GW_OK)
		goto out;
	*out = zone;
	zone = NULL;
out:
	zone_free(zone);
	return ret;
}

static void log_zone(const char *what, const zone_t *zone, const gw_config_t *cfg)
{
	uint32_t serial = 0;
	zone_serial(zone, &serial);
	gw_info("zone %s %s: %zu names, serial %u%s%s", cfg->zone.domain_str, what,
	        zone_node_count(zone), serial, cfg->zone.file ? " from " : "",
	        cfg->zone.file ? cfg->zone.file : "");
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	gw_notice("signal %d: shutting down", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

static void on_reload(struct ev_loop *loop, ev_signal *w, int revents)
{
	daemon_t *d = container_of(w, daemon_t, sighup);
	if (d->cfg->zone.file == NULL) {
		gw_notice("SIGHUP: no zone file configured, nothing to reload");
		return;
	}
	char err[512] = "";
	zone_t *zone = NULL;
	gw_zoneref_t *ref = NULL;
	int ret = gw_daemon_build_zone(&zone, d->cfg, err, sizeof(err));
	if (ret == GW_OK)
		ret = gw_zoneref_new(&ref, zone);
	if (ret != GW_OK) {
		gw_err("SIGHUP: zone not reloaded, still serving the previous one: %s",
		       err[0] ? err : gw_strerror(ret));
		return;
	}
	/* The swap is one pointer on the loop thread: a query sees the old
	 * zone or the new one, and running transfers keep their reference. */
	gw_server_set_zone(d->server, ref);
	gw_zoneref_put(d->zone);
	d->zone = ref;
	log_zone("reloaded", ref->zone, d->cfg);
}

static bool xfr_allowed(void *arg, const struct sockaddr *addr)
{
	const gw_config_t *cfg = arg;
	return gw_config_acl_match(&cfg->transfer.allow, addr);
}

/* Written to a temporary file and renamed, so a reader never sees half. */
static int write_ports_file(const gw_server_t *srv, const char *path)
{
	int ret = GW_OK;
	char tmp[GW_CONFIG_PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "we");
	if (fp == NULL) {
		ret = -errno;
		gw_err("cannot write ports file %s: %s", tmp, strerror(errno));
		return ret;
	}
	ret = gw_server_write_ports(srv, fp);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		ret = GW_EIO;
	if (fclose(fp) != 0)
		ret = GW_EIO;
	if (ret == GW_OK && rename(tmp, path) != 0)
		ret = -errno;
	if (ret != GW_OK) {
		gw_err("cannot write ports file %s: %s", path, gw_strerror(ret));
		unlink(tmp);
	}
	return ret;
}

static int ensure_state_dir(const char *path)
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
	return GW_OK;
}

int gw_daemon_run(const gw_config_t *cfg)
{
	int ret;
	daemon_t d = {.cfg = cfg};
	char err[512] = "";
	zone_t *zone = NULL;

	d.loop = ev_default_loop(EVFLAG_AUTO);
	if (d.loop == NULL) {
		gw_err("cannot create the event loop");
		return GW_ERROR;
	}
	ret = ensure_state_dir(cfg->state_dir);
	if (ret != GW_OK)
		goto out;
	ret = gw_daemon_build_zone(&zone, cfg, err, sizeof(err));
	if (ret != GW_OK) {
		gw_err("cannot load zone %s: %s", cfg->zone.domain_str,
		       err[0] ? err : gw_strerror(ret));
		goto out;
	}
	ret = gw_zoneref_new(&d.zone, zone);
	if (ret != GW_OK)
		goto out;
	log_zone("loaded", d.zone->zone, cfg);

	struct sockaddr_storage addrs[GW_CONFIG_LISTEN_MAX];
	socklen_t lens[GW_CONFIG_LISTEN_MAX];
	for (size_t i = 0; i < cfg->listen_count; i++) {
		addrs[i] = cfg->listen[i].addr;
		lens[i] = cfg->listen[i].addrlen;
	}
	gw_server_opts_t opts = {
	    .listen = addrs,
	    .listen_len = lens,
	    .listen_count = cfg->listen_count,
	    .udp_payload = cfg->server.udp_payload,
	    .tcp_idle_timeout = (double)cfg->server.tcp_idle_timeout_ms / 1000.0,
	    .tcp_max_connections = cfg->server.tcp_max_connections,
	    .identity = cfg->identity,
	    .version = cfg->version,
	    .xfr_allowed = xfr_allowed,
	    .xfr_arg = (void *)cfg,
	};
	ret = gw_server_new(&d.server, d.loop, &opts);
	if (ret != GW_OK)
		goto out;
	gw_server_set_zone(d.server, d.zone);
	gw_server_log_ports(d.server);
	if (cfg->ports_file != NULL) {
		ret = write_ports_file(d.server, cfg->ports_file);
		if (ret != GW_OK)
			goto out;
	}

	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&d.sigterm, on_stop, SIGTERM);
	ev_signal_init(&d.sigint, on_stop, SIGINT);
	ev_signal_init(&d.sighup, on_reload, SIGHUP);
	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	ev_signal_start(d.loop, &d.sighup);
	gw_server_start(d.server);
	gw_notice("dnssd-gateway serving %s", cfg->zone.domain_str);

	ev_run(d.loop, 0);

	ev_signal_stop(d.loop, &d.sigterm);
	ev_signal_stop(d.loop, &d.sigint);
	ev_signal_stop(d.loop, &d.sighup);
	ret = GW_OK;
out:
	gw_server_free(d.server);
	gw_zoneref_put(d.zone);
	if (cfg->ports_file != NULL && d.server != NULL)
		unlink(cfg->ports_file);
	ev_loop_destroy(d.loop);
	return ret;
}
