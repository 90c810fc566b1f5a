#include "gateway/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/xfr/access.h"
#include "mdns/mirror.h"
#include "gateway/xfr/notify.h"
#include "gateway/server/server.h"
#include "gateway/system/privileges.h"
#include "gateway/system/sdnotify.h"
#include "gateway/xfr/tsig.h"
#include "gateway/zonemgr/zonemgr.h"
#include "common/container.h"
#include "gateway/control/socket.h"
#include "gateway/control/view.h"
#include "gateway/http/http.h"
#include "gateway/daemon_internal.h"
#include "gateway/reload.h"

/* READY=1 to systemd, with what is served: at the end of the start and of
 * a reload (note: "" or what went wrong). */
void gw_daemon_announce_ready(const daemon_t *d, const char *note)
{
	char text[1024];
	size_t used = 0;
	text[0] = '\0';
	for (size_t i = 0; i < d->slot_count && used < sizeof(text); i++) {
		uint32_t serial = 0;
		zone_serial(gw_zonemgr_zone(d->slots[i].mgr)->zone, &serial);
		int n = snprintf(text + used, sizeof(text) - used, "%s%s, serial %u",
		                 i > 0 ? ", " : "", d->slots[i].zc->domain_str, serial);
		if (n > 0)
			used += (size_t)n;
	}
	gw_sd_ready("serving %s%s", text, note);
}

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	gw_notice("signal %d: shutting down", w->signum);
	gw_sd_stopping();
	ev_break(loop, EVBREAK_ALL);
}

static void on_reload(struct ev_loop *loop, ev_signal *w, int revents)
{
	daemon_t *d = container_of(w, daemon_t, sighup);
	/* The configuration file and the zone file, as one change; what it
	 * did is logged (the report is for the control socket). */
	gw_daemon_reload(d, NULL, NULL);
}

/* gw_clock_set_fn: signatures and waits follow a setting of the wall
 * clock (a time sync after a boot without a clock). */
static void on_clock_set(void *arg, int64_t delta)
{
	daemon_t *d = arg;
	for (size_t i = 0; i < d->slot_count; i++)
		gw_zonemgr_clock_set(d->slots[i].mgr, delta);
	gw_dane_clock_set(&d->dane, delta);
	if (d->mirror != NULL)
		mdns_mirror_clock_set(d->mirror, delta);
}

/* mdns_mirror_commit_fn: the mirror's batches go through the same commit as
 * every other change, sparing what the zone file also holds. */
static int mirror_commit(void *arg, const zone_changeset_t *cs)
{
	return gw_zonemgr_commit_writer(arg, cs);
}

static bool mirror_reserved(void *arg, const uint8_t *name)
{
	return gw_zonemgr_is_static_name(arg, name);
}

static bool mirror_covered(void *arg, const uint8_t *name)
{
	return gw_zonemgr_covers_below(arg, name);
}

mdns_mirror_config_t gw_daemon_mirror_config(const gw_config_t *cfg, const daemon_t *d,
                                             mdns_mirror_zone_t *zones, size_t *count)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->zone_count && i < d->slot_count && n < GW_CONFIG_ZONES_MAX;
	     i++) {
		const gw_zone_config_t *zc = &cfg->zones[i];
		if (zc->reverse)
			continue;
		zones[n++] = (mdns_mirror_zone_t){
		    .domain = zc->domain,
		    .domain_len = zc->domain_len,
		    .domain_str = zc->domain_str,
		    .links = (const char *const *)zc->links,
		    .link_count = zc->link_count,
		    .policy = &zc->policy,
		    .commit = mirror_commit,
		    .commit_arg = d->slots[i].mgr,
		    .reserved = mirror_reserved,
		    .reserved_arg = d->slots[i].mgr,
		    .covered = mirror_covered,
		};
	}
	*count = n;
	return (mdns_mirror_config_t){
	    .zones = zones,
	    .zone_count = n,
	    .links = cfg->links,
	    .link_count = cfg->link_count,
	    .ipv4 = cfg->mdns.ipv4,
	    .ipv6 = cfg->mdns.ipv6,
	    .drop_private = cfg->mdns.drop_private,
	    .ttl_cap = cfg->mdns.ttl_cap,
	    .batch_window_ms = cfg->mdns.batch_window_ms,
	    .warmup_ms = cfg->mdns.warmup_ms,
	    .link_grace_ms = cfg->mdns.link_grace_ms,
	    .subtypes = cfg->mdns.subtypes,
	    .subtype_count = cfg->mdns.subtype_count,
	    .limits = {cfg->mdns.limits.services_per_link, cfg->mdns.limits.records_per_name,
	               cfg->mdns.limits.txt_size, cfg->mdns.limits.changes_per_second,
	               cfg->mdns.limits.services_per_host, cfg->mdns.limits.services_per_address},
	};
}

/* Started as root, the control socket goes to the user the daemon
 * becomes, so that its group (mode 0660) may use it and the daemon may
 * remove it at exit; so does its directory when it is the default one
 * (/run/dnssd-gateway, made for it), never a directory a path was
 * configured into. */
static int control_owner(const gw_control_t *c, const gw_identity_t *id, bool default_dir)
{
	if (id->mode != GW_RUN_SWITCH)
		return GW_OK;
	const char *path = gw_control_path(c);
	if (fchownat(AT_FDCWD, path, id->uid, id->gid, AT_SYMLINK_NOFOLLOW) != 0) {
		int ret = -errno;
		gw_err("cannot give the control socket %s to %s: %s", path, id->user,
		       strerror(errno));
		return ret;
	}
	char dir[GW_CONFIG_PATH_MAX + 1];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!default_dir || slash == NULL || slash == dir)
		return GW_OK;
	*slash = '\0';
	if (fchownat(AT_FDCWD, dir, id->uid, id->gid, AT_SYMLINK_NOFOLLOW) != 0) {
		int ret = -errno;
		gw_err("cannot give %s to %s: %s", dir, id->user, strerror(errno));
		return ret;
	}
	return GW_OK;
}

static int fill_ports(FILE *fp, const void *arg)
{
	const daemon_t *d = arg;
	int ret = gw_server_write_ports(d->server, fp);
	if (ret == GW_OK && d->http != NULL)
		ret = gw_http_write_ports(d->http, fp);
	return ret;
}

/* The metrics listener (metrics.listen; none: off), bound with the DNS
 * sockets; it serves d->view once started. */
static int metrics_new(daemon_t *d)
{
	const gw_config_t *cfg = d->cfg;
	if (cfg->metrics.listen_count == 0)
		return GW_OK;
	gw_http_opts_t opts = {
	    .listen = cfg->metrics.listen,
	    .listen_count = cfg->metrics.listen_count,
	    .allow = &cfg->metrics.allow,
	    .max_connections = cfg->metrics.max_connections,
	    .max_per_client = cfg->metrics.max_per_client,
	    .timeout = (unsigned)((cfg->metrics.timeout_ms + 999) / 1000),
	    .view = &d->view,
	};
	return gw_http_new(&d->http, d->loop, &opts);
}

/* What the server saw, once at shutdown (until a control socket shows it
 * live): the UDP defences' counts among it. */
static void log_stats(const gw_server_t *srv)
{
	gw_server_stats_t st;
	gw_server_get_stats(srv, &st);
	gw_notice("served: udp %" PRIu64 " queries, %" PRIu64 " not answered (%" PRIu64
	          " dropped by the rate limit, %" PRIu64 " sent truncated by it); tcp %" PRIu64
	          " queries on %" PRIu64 " connections; cookies: %" PRIu64 " client only, %" PRIu64
	          " valid, %" PRIu64 " invalid, %" PRIu64 " BADCOOKIE",
	          st.udp_queries, st.udp_dropped + st.udp_limited, st.guard.rrl.dropped,
	          st.guard.rrl.slipped, st.tcp_queries, st.tcp_conns, st.guard.cookie_client_only,
	          st.guard.cookie_valid, st.guard.cookie_invalid, st.guard.badcookie);
}

gw_guard_opts_t gw_daemon_guard_opts(const gw_config_t *cfg, gw_rrl_opts_t *rrl, char *secret_file,
                                     size_t len)
{
	*rrl = (gw_rrl_opts_t){
	    .rate = cfg->rate_limit.rate,
	    .slip = cfg->rate_limit.slip,
	    .ipv4_prefix = (uint8_t)cfg->rate_limit.ipv4_prefix,
	    .ipv6_prefix = (uint8_t)cfg->rate_limit.ipv6_prefix,
	    .table_size = cfg->rate_limit.table_size,
	    .whitelist = &cfg->rate_limit.whitelist,
	};
	snprintf(secret_file, len, "%s/%s", cfg->state_dir, GW_COOKIE_SECRET_FILE);
	return (gw_guard_opts_t){
	    .rrl = rrl,
	    .cookie_secret_file = cfg->cookies.enable ? secret_file : NULL,
	    .udp_payload = cfg->server.udp_payload,
	};
}

/* An established DNS Push session is never evicted for a newcomer: were
 * sessions allowed the whole TCP table, clients holding them (a message
 * every half minute each) would leave queries, TC retries and transfers
 * waiting for good. They get three quarters of it at most: of the table
 * the server has (table), which a low file descriptor limit makes
 * smaller than server.tcp-max-connections. */
static unsigned push_max_sessions(const gw_config_t *cfg, unsigned table)
{
	unsigned cap = table - table / 4;
	if (cfg->push.max_sessions <= cap)
		return cfg->push.max_sessions;
	gw_info("push: at most %u sessions, three quarters of the %u TCP connections served, so "
	        "that queries and transfers over TCP keep the rest (push.max-sessions is %u; "
	        "raise server.tcp-max-connections, and the file descriptor limit, for more)",
	        cap, table, cfg->push.max_sessions);
	return cap;
}

int gw_daemon_run(const gw_config_t *cfg, const gw_daemon_flags_t *flags)
{
	int ret;
	bool ports_written = false;
	gw_zone_extra_t *extra = NULL; /* per zone: the DANE records of one */
	daemon_t d = {.cfg = cfg, .flags = flags, .clock = {.fd = -1}, .state_lock = -1};
	/* A write to a peer that went away (a TCP client, a log pipe whose
	 * reader is gone) fails with EPIPE rather than killing the daemon;
	 * from the first moment, since the start logs too. */
	signal(SIGPIPE, SIG_IGN);
	d.loop = ev_default_loop(EVFLAG_AUTO);
	gw_notify_pool_init(&d.notify_pool, GW_NOTIFY_SOCKETS_MAX);
	if (d.loop == NULL) {
		gw_err("cannot create the event loop");
		return GW_ERROR;
	}
	/* SIGHUP is the loop's from the first moment: the ports file (what a
	 * supervisor or a test waits for) is written long before the loop
	 * runs, and a reload asked for then would otherwise kill the daemon
	 * with the default action. libev holds it until the loop runs, when
	 * everything a reload touches exists. SIGTERM and SIGINT keep their
	 * default action until then: a start can be stopped at any point,
	 * the state on disk is written atomically. */
	ev_signal_init(&d.sighup, on_reload, SIGHUP);
	ev_signal_start(d.loop, &d.sighup);
	/* main() blocked it until this watcher exists; one that came since is
	 * handed to libev now. */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &hup, NULL);
	ev_signal_init(&d.sigterm, on_stop, SIGTERM);
	ev_signal_init(&d.sigint, on_stop, SIGINT);
	/* Said once, at start; a reload does not repeat them. */
	for (size_t i = 0; i < cfg->warning_count; i++)
		gw_warn("%s", cfg->warnings[i]);
	/* Who to become once the sockets are bound: decided first, so that a
	 * user that does not exist stops the start before anything is bound
	 * or written. */
	gw_identity_t id;
	char id_err[512] = "";
	ret = gw_identity_resolve(&id, cfg->user, cfg->group, geteuid(), getegid(), id_err,
	                          sizeof(id_err));
	if (ret == GW_OK)
		ret = gw_config_secret_group_check(cfg, id.gid, id_err, sizeof(id_err));
	if (ret != GW_OK) {
		gw_err("not started: %s", id_err);
		goto out;
	}
	ret = gw_daemon_keyring_new(cfg, &d.keys);
	if (ret != GW_OK)
		goto out;
	/* Signed queries verify against the keys; each zone has its own
	 * allow list (its slot's access). */
	d.access = (gw_access_t){.keys = d.keys};

	/* Every socket first: a port in use must stop the start before the
	 * state directory, keys, a serial or a journal are made (the server
	 * gets the zone and the journal below). */
	struct sockaddr_storage addrs[GW_CONFIG_LISTEN_MAX];
	socklen_t lens[GW_CONFIG_LISTEN_MAX];
	for (size_t i = 0; i < cfg->listen_count; i++) {
		addrs[i] = cfg->listen[i].addr;
		lens[i] = cfg->listen[i].addrlen;
	}
	struct sockaddr_storage tls_addrs[GW_CONFIG_TLS_LISTEN_MAX];
	socklen_t tls_lens[GW_CONFIG_TLS_LISTEN_MAX];
	for (size_t i = 0; i < cfg->tls.listen_count; i++) {
		tls_addrs[i] = cfg->tls.listen[i].addr;
		tls_lens[i] = cfg->tls.listen[i].addrlen;
	}
	/* Cookies and rate limiting, for UDP (gateway/query/guard.h). */
	gw_rrl_opts_t rrl;
	char secret_file[GW_CONFIG_PATH_MAX + 32];
	gw_guard_opts_t guard = gw_daemon_guard_opts(cfg, &rrl, secret_file, sizeof(secret_file));
	gw_server_opts_t opts = {
	    .listen = addrs,
	    .listen_len = lens,
	    .listen_count = cfg->listen_count,
	    .tls_listen = tls_addrs,
	    .tls_listen_len = tls_lens,
	    .tls_listen_count = cfg->tls.listen_count,
	    .udp_payload = cfg->server.udp_payload,
	    .tcp_idle_timeout = (double)cfg->server.tcp_idle_timeout_ms / 1000.0,
	    .tcp_message_timeout = (double)cfg->server.tcp_message_timeout_ms / 1000.0,
	    .tcp_max_connections = cfg->server.tcp_max_connections,
	    .tcp_max_per_client = cfg->server.tcp_max_per_client,
	    .tcp_max_pipelined = cfg->server.tcp_max_pipelined,
	    .tls_ticket_lifetime = (double)cfg->tls.ticket_lifetime,
	    .identity = cfg->identity,
	    .version = cfg->version,
	    .xfr_access = &d.access,
	};
	gw_sd_status("binding %zu listen addresses", cfg->listen_count);
	ret = gw_server_new(&d.server, d.loop, &opts);
	if (ret != GW_OK) {
		if (ret != GW_ENOMEM)
			gw_err("not started: a listen address cannot be bound (nothing was "
			       "written to %s)",
			       cfg->state_dir);
		goto out;
	}
	ret = metrics_new(&d);
	if (ret != GW_OK) {
		gw_err("not started: a metrics.listen address cannot be bound (nothing was "
		       "written to %s)",
		       cfg->state_dir);
		goto out;
	}

	/* What needs root besides the sockets: the state directory (in
	 * /var/lib, say) and the control socket (in /run). */
	ret = gw_daemon_state_dir(cfg);
	if (ret == GW_OK)
		ret = gw_daemon_state_lock(cfg, &d.state_lock);
	if (ret != GW_OK)
		goto out;
	/* The control socket, while /run may still be written: a live daemon
	 * on its path stops this one. It reads d.view, filled below before
	 * the loop runs, so no request is served before then. */
	if (cfg->control.enable) {
		gw_control_opts_t control_opts = {
		    .path = cfg->control.socket,
		    .view = &d.view,
		    .reload = gw_daemon_reload,
		    .reload_arg = &d,
		};
		ret = gw_control_new(&d.control, d.loop, &control_opts);
		if (ret == GW_OK)
			ret = control_owner(d.control, &id, cfg->control.socket == NULL);
		if (ret != GW_OK)
			goto out;
	}
	/* Dropped before anything of the state directory is read: its files
	 * (the key state, the serial, the journal, the cookie secret) are
	 * the input of whoever can write there, which is that user, and are
	 * parsed and written by it, never by root. No thread runs yet, so
	 * the drop covers every later one (the signing threads, avahi-core's
	 * none). The mDNS mirror's sockets (port 5353, netlink) and NOTIFY's
	 * need no privilege. */
	ret = gw_privileges_drop(&id, cfg->state_dir);
	if (ret != GW_OK)
		goto out;
	/* A reload reads the file as the user: said now rather than at the
	 * first reload. The file is root's (gw_root_input_check()). */
	if (id.mode == GW_RUN_SWITCH && flags->config_path != NULL &&
	    access(flags->config_path, R_OK) != 0)
		gw_warn("the configuration %s cannot be read by %s (uid %lu): a reload will be "
		        "refused; let its group read it (chgrp %s, chmod 640)",
		        flags->config_path, id.user, (unsigned long)id.uid, id.group);

	ret = gw_daemon_zone_dirs(cfg);
	if (ret == GW_OK)
		ret = gw_server_set_guard(d.server, &guard);
	/* The TLS key before the zones: one of them publishes its TLSA. */
	if (ret == GW_OK)
		ret = gw_dane_setup(&d.dane, d.loop, cfg, d.server, flags->tls_new_key);
	if (ret != GW_OK)
		goto out;
	extra = calloc(cfg->zone_count, sizeof(*extra));
	if (extra == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cfg->zone_count; i++) {
		extra[i].rrs = (const char *const *)cfg->zones[i].extra;
		extra[i].count = cfg->zones[i].extra_count;
	}
	size_t home = gw_dane_zone(&d.dane); /* never a reverse zone: no extra of its own */
	extra[home].rrs = gw_dane_rrs(&d.dane, &extra[home].count);
	ret = gw_daemon_slots_new(&d, cfg->zones, cfg->zone_count, extra, flags->new_keys);
	if (ret != GW_OK)
		goto out;
	gw_dane_start(&d.dane, d.slots[home].mgr);
	if (cfg->push.enable) {
		gw_push_opts_t popts = {
		    .inactivity_ms = (uint32_t)cfg->push.inactivity_ms,
		    .keepalive_ms = (uint32_t)cfg->push.keepalive_ms,
		    .retry_delay_ms = (uint32_t)cfg->push.retry_delay_ms,
		    .max_sessions = push_max_sessions(cfg, gw_server_tcp_capacity(d.server)),
		    .max_subscriptions = cfg->push.max_subscriptions,
		    .max_per_session = cfg->push.max_per_connection,
		};
		ret = gw_push_new(&d.push, &popts, NULL);
		if (ret != GW_OK)
			goto out;
		gw_server_set_push(d.server, d.push, cfg->push.plain_tcp);
	}
	/* The server answers from every zone, push subscribes in them. */
	ret = gw_daemon_slots_publish(&d);
	if (ret != GW_OK)
		goto out;
	gw_server_log_ports(d.server);
	if (d.http != NULL)
		gw_http_log_ports(d.http);
	if (cfg->ports_file != NULL) {
		/* Atomic, so a reader never sees half a file; failures are
		 * logged with the path. */
		ret = gw_file_write_with(cfg->ports_file, 0644, fill_ports, &d);
		if (ret != GW_OK)
			goto out;
		ports_written = true;
	}
	ret = gw_daemon_slots_notify(&d);
	if (ret == GW_OK)
		ret = gw_daemon_slots_publish(&d); /* the view's notifiers */
	if (ret != GW_OK)
		goto out;

	/* The mDNS mirror. Starting it commits the last mirrored state before
	 * the server answers, so a restart does not blank the zone; with
	 * mdns.enable false only that saved state is served. */
	mdns_mirror_opts_t mirror_opts = {
	    .cfg = gw_daemon_mirror_config(cfg, &d, d.mirror_zone[0], &d.mirror_zone_count),
	    .discover = cfg->mdns.enable,
	};
	/* Each zone's saved records, <its state dir>/mirror.zone (copied by
	 * the mirror). */
	char *mirror_state[GW_CONFIG_ZONES_MAX] = {0};
	ret = GW_OK;
	for (size_t i = 0; i < d.mirror_zone_count && ret == GW_OK; i++) {
		if (asprintf(&mirror_state[i], "%s/mirror.zone", cfg->zones[i].state_dir) < 0) {
			mirror_state[i] = NULL;
			ret = GW_ENOMEM;
		}
		d.mirror_zone[0][i].state_file = mirror_state[i];
	}
	gw_sd_status("starting the mDNS mirror");
	if (ret == GW_OK)
		ret = mdns_mirror_new(&d.mirror, d.loop, &mirror_opts);
	for (size_t i = 0; i < d.mirror_zone_count; i++) {
		free(mirror_state[i]);
		d.mirror_zone[0][i].state_file = NULL;
	}
	if (ret == GW_OK)
		ret = mdns_mirror_start(d.mirror);
	if (ret != GW_OK) {
		gw_err("cannot start the mDNS mirror: %s", gw_strerror(ret));
		goto out;
	}
	/* NOTIFY from here on: the start's own commits are announced once,
	 * below, when the zones are served. The serial ceilings and the
	 * journals go to disk only now, when the start can fail no more (but
	 * for those very writes): a start that failed above leaves each
	 * zone's serial and journal as they were, and the next start reuses
	 * the same serials. */
	ret = gw_daemon_slots_start(&d);
	if (ret != GW_OK)
		goto out;

	ev_signal_start(d.loop, &d.sigterm);
	ev_signal_start(d.loop, &d.sigint);
	gw_server_start(d.server);
	/* A restart serves a new serial even when nothing was committed. */
	for (size_t i = 0; i < d.slot_count; i++)
		gw_notify_send(d.slots[i].notify, gw_zonemgr_zone(d.slots[i].mgr)->zone);
	d.view = (gw_view_t){
	    .cfg = cfg,
	    .server = d.server,
	    .zones = d.slots[0].mgr,
	    .mirror = d.mirror,
	    .notify = d.slots[0].notify,
	    .push = d.push,
	    .started = gw_clock_wall(),
	    .started_ns = gw_clock_mono_ns(),
	    .zone_list = d.view_zones,
	    .zone_count = d.slot_count,
	};
	if (d.http != NULL)
		gw_http_start(d.http);
	for (size_t i = 0; i < d.slot_count; i++)
		gw_notice("dnssd-gateway serving %s", d.slots[i].zc->domain_str);
	gw_sd_watchdog_start(&d.watchdog, d.loop);
	(void)gw_clock_watch_start(&d.clock, d.loop, on_clock_set, &d); /* logged */
	gw_daemon_announce_ready(&d, "");

	ev_run(d.loop, 0);

	gw_clock_watch_stop(&d.clock);
	gw_sd_watchdog_stop(&d.watchdog);

	log_stats(d.server);
	ret = GW_OK;
out:
	ev_signal_stop(d.loop, &d.sigterm);
	ev_signal_stop(d.loop, &d.sigint);
	ev_signal_stop(d.loop, &d.sighup);
	gw_control_free(d.control);
	gw_daemon_reload_stop(&d);
	if (ports_written)
		unlink(cfg->ports_file);
	gw_http_free(d.http);
	mdns_mirror_free(d.mirror);
	gw_server_free(d.server);
	gw_daemon_slots_free(&d);
	gw_push_free(d.push);
	gw_dane_deinit(&d.dane);
	free(extra);
	/* Nothing serves any more: the configurations and keyrings of
	 * earlier reloads can go (transfers held pointers into them). */
	gw_daemon_retire_all(&d);
	ev_loop_destroy(d.loop);
	if (d.state_lock >= 0)
		close(d.state_lock);
	return ret;
}
