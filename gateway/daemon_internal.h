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
#include "gateway/system/clock_set.h"
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

struct daemon;

/* One zone the daemon serves and what goes with it. The array of them
 * never moves once made (the server and the view point into it). */
typedef struct gw_zone_slot {
	struct daemon *d; /* borrowed: the owner, for the hooks */
	const gw_zone_config_t
	    *zc;             /* borrowed: its configuration (of the one in force or retired) */
	gw_zonemgr_t *mgr;   /* owned: the zone and its changes */
	gw_access_t access;  /* who may transfer it: its transfer.allow and the keys */
	gw_notify_t *notify; /* owned: NOTIFY to its transfer.notify; NULL until made */
} gw_zone_slot_t;

/* Records a zone publishes beyond its file (gw_zonemgr_opts_t.extra_rrs):
 * count zone file lines, borrowed. */
typedef struct gw_zone_extra {
	const char *const *rrs;
	size_t count;
} gw_zone_extra_t;

typedef struct daemon {
	struct ev_loop *loop;
	/* The configuration in force: main's until a reload replaces it,
	 * then owned (cfg_owned), its predecessor retired. */
	const gw_config_t *cfg;
	bool cfg_owned;
	const gw_daemon_flags_t *flags; /* borrowed: the command line */
	gw_server_t *server;            /* owned */
	/* Owned: the zones served, slot_count of them (slots[0] is the
	 * first zone), and the view's list of them. */
	gw_zone_slot_t *slots;
	size_t slot_count;
	gw_view_zone_t *view_zones;
	mdns_mirror_t *mirror; /* owned */
	/* The zones the mirror publishes into (the configured ones, not the
	 * reverse zones: slots 0..mirror_zone_count-1), which it borrows: a
	 * reload fills the set not in use (mirror_slot is the one in use). */
	mdns_mirror_zone_t mirror_zone[2][GW_CONFIG_ZONES_MAX];
	size_t mirror_zone_count;
	int mirror_slot;
	gw_tsig_keyring_t *keys;  /* owned: the TSIG keys in force */
	gw_access_t access;       /* the keys, for signed queries (no allow list) */
	gw_push_t *push;          /* owned: DNS Push; NULL when push.enable is off */
	gw_retired_t *retired;    /* owned: what reloads replaced */
	struct gw_reload *reload; /* owned: the reloads under way and asked for (reload.c) */
	ev_signal sigterm;
	ev_signal sigint;
	ev_signal sighup;
	gw_sd_watchdog_t watchdog; /* WATCHDOG=1 to systemd while the loop runs */
	gw_clock_watch_t clock;    /* the wall clock set (a time sync after boot) */
	gw_view_t view;            /* what the control socket and metrics read */
	gw_http_t *http;           /* owned: the metrics over HTTP; NULL when off */
	gw_control_t *control;     /* owned: the control socket; NULL when control.enable is off */
	gw_dane_t dane;            /* the TLS key's records the zone publishes */
	/* The NOTIFY sockets of every zone's notifier, old and new across a
	 * reload: many zones with many secondaries stay within it. */
	gw_notify_pool_t notify_pool;
	int state_lock; /* owned: the state directory, locked (flock) for this daemon */
} daemon_t;

/* The parts of cfg each module takes (what they point at is cfg's). */
/* The mirror's configuration: every zone of cfg that is not a reverse
 * zone, filled into zones (GW_CONFIG_ZONES_MAX entries; *count of them
 * used), zone i committing through d's slot i; state_file is left NULL. */
mdns_mirror_config_t gw_daemon_mirror_config(const gw_config_t *cfg, const daemon_t *d,
                                             mdns_mirror_zone_t *zones, size_t *count);
/* rrl and secret_file (len octets) are filled and pointed at. */
gw_guard_opts_t gw_daemon_guard_opts(const gw_config_t *cfg, gw_rrl_opts_t *rrl, char *secret_file,
                                     size_t len);
/* The keyring of cfg's tsig-keys (allocated; *out owns it, keys point
 * into cfg). GW_OK, GW_ENOMEM, GW_ECONFIG. */
int gw_daemon_keyring_new(const gw_config_t *cfg, gw_tsig_keyring_t **out);
void gw_daemon_keyring_free(gw_tsig_keyring_t *keys);
/* The notifier of a zone's transfer.notify, signing with keys
 * (borrowed), its sockets from d's pool. */
int gw_daemon_notify_new(daemon_t *d, const gw_transfer_config_t *transfer,
                         const gw_tsig_keyring_t *keys, gw_notify_t **out);

/* gateway/zones.c: the zone slots. */

/* The state directory: 0700, made if missing (as root, before the
 * privileges are dropped: its parent may be root's). */
int gw_daemon_state_dir(const gw_config_t *cfg);
/* Lock the state directory for this daemon (flock, held while *fd is
 * open: the caller closes it at the end): another daemon on the same
 * directory would write the same serial, journal and state files, with
 * or without DNSSEC. GW_OK, GW_EBUSY (logged: another process holds it),
 * -errno (logged). */
int gw_daemon_state_lock(const gw_config_t *cfg, int *fd);
/* Each zone's directory under the state directory (0700; zones: and
 * reverse zones: <state-dir>/zones/<zone>/); the zones: form refuses a
 * one-zone layout left at the top of the state directory (GW_ECONFIG,
 * with the mv commands logged). */
int gw_daemon_zone_dirs(const gw_config_t *cfg);
/* d->slots for zones (count >= 1, borrowed for the daemon's life): each
 * zone loaded and signed with extra[i] added (extra may be NULL), its
 * access made from its transfer.allow and d->keys. new_keys: --new-keys.
 * On error (logged) the slots made are freed. */
int gw_daemon_slots_new(daemon_t *d, const gw_zone_config_t *zones, size_t count,
                        const gw_zone_extra_t *extra, bool new_keys);
/* Each slot's notifier (after the privileges are dropped). */
int gw_daemon_slots_notify(daemon_t *d);
/* The hooks (NOTIFY after each commit, push with each diff), then each
 * zone started (gw_zonemgr_start()). */
int gw_daemon_slots_start(daemon_t *d);
/* The server's and the view's tables of the slots, and push's zones. */
int gw_daemon_slots_publish(daemon_t *d);
/* The slots, their hooks cleared, freed. Accepts none. */
void gw_daemon_slots_free(daemon_t *d);
/* At shutdown, when nothing serves any more: every retired
 * configuration and keyring, and the ones in force. */
void gw_daemon_retire_all(daemon_t *d);

/* READY=1 to systemd, with STATUS=serving <zone>, serial N[, <zone>,
 * serial N ...]<note>. */
void gw_daemon_announce_ready(const daemon_t *d, const char *note);
