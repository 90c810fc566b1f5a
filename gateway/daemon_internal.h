/* The daemon's running parts, shared by daemon.c (start, signals, stop)
 * and reload.c (a new configuration applied to them). Not for other
 * modules. */
#pragma once

#include <ev.h>

#include "gateway/config/config.h"
#include "gateway/dane.h"
#include "gateway/control/socket.h"
#include "gateway/control/view.h"
#include "gateway/http/http.h"
#include "gateway/daemon.h"
#include "gateway/query/guard.h"
#include "gateway/query/rrl.h"
#include "gateway/server/server.h"
#include "gateway/system/sdnotify.h"
#include "gateway/xfr/access.h"
#include "gateway/xfr/notify.h"
#include "gateway/xfr/tsig.h"
#include "gateway/zonemgr/zonemgr.h"
#include "mdns/mirror.h"

/* A configuration and keyring a reload replaced. They stay until the
 * daemon stops: the zone manager and the server borrow strings of the
 * configuration they started with, and a zone transfer in flight signs
 * with a key of the keyring it began under (a few kilobytes a reload). */
typedef struct gw_retired {
	struct gw_retired *next;
	gw_config_t *cfg;        /* owned; NULL: main's, freed by main */
	gw_tsig_keyring_t *keys; /* owned */
} gw_retired_t;

typedef struct daemon {
	struct ev_loop *loop;
	/* The configuration in force: main's until a reload replaces it,
	 * then owned (cfg_owned), its predecessor retired. */
	const gw_config_t *cfg;
	bool cfg_owned;
	const gw_daemon_flags_t *flags; /* borrowed: the command line */
	gw_server_t *server;            /* owned */
	gw_zonemgr_t *zones;            /* owned: the served zone and its changes */
	mdns_mirror_t *mirror;          /* owned */
	/* The zone the mirror publishes into, which it borrows: a reload
	 * fills the slot not in use (mirror_slot is the one in use). */
	mdns_mirror_zone_t mirror_zone[2];
	int mirror_slot;
	gw_tsig_keyring_t *keys; /* owned: the TSIG keys in force */
	gw_access_t access;      /* who may transfer: transfer.allow and keys */
	gw_notify_t *notify;     /* owned: NOTIFY to transfer.notify */
	gw_push_t *push;         /* owned: DNS Push; NULL when push.enable is off */
	gw_retired_t *retired;   /* owned: what reloads replaced */
	ev_signal sigterm;
	ev_signal sigint;
	ev_signal sighup;
	gw_sd_watchdog_t watchdog; /* WATCHDOG=1 to systemd while the loop runs */
	gw_view_t view;            /* what the control socket and metrics read */
	gw_http_t *http;           /* owned: the metrics over HTTP; NULL when off */
	gw_control_t *control;     /* owned: the control socket; NULL when control.enable is off */
	gw_dane_t dane;            /* the TLS key's records the zone publishes */
} daemon_t;

/* The parts of cfg each module takes (what they point at is cfg's). */
/* The mirror's configuration: one zone (cfg->zones[0]) filled into *zone,
 * committing through zm; zone's state_file is left NULL. */
mdns_mirror_config_t gw_daemon_mirror_config(const gw_config_t *cfg, mdns_mirror_zone_t *zone,
                                             gw_zonemgr_t *zm);
/* rrl and secret_file (len octets) are filled and pointed at. */
gw_guard_opts_t gw_daemon_guard_opts(const gw_config_t *cfg, gw_rrl_opts_t *rrl, char *secret_file,
                                     size_t len);
/* The keyring of cfg's tsig-keys (allocated; *out owns it, keys point
 * into cfg). GW_OK, GW_ENOMEM, GW_ECONFIG. */
int gw_daemon_keyring_new(const gw_config_t *cfg, gw_tsig_keyring_t **out);
void gw_daemon_keyring_free(gw_tsig_keyring_t *keys);
/* The notifier of cfg's transfer.notify, signing with keys (borrowed). */
int gw_daemon_notify_new(const gw_config_t *cfg, const gw_tsig_keyring_t *keys,
                         struct ev_loop *loop, gw_notify_t **out);
/* At shutdown, when nothing serves any more: every retired
 * configuration and keyring, and the ones in force. */
void gw_daemon_retire_all(daemon_t *d);

/* READY=1 to systemd, with STATUS=serving <zone>, serial N<note>. */
void gw_daemon_announce_ready(const daemon_t *d, const char *note);
