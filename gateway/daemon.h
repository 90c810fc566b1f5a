/* The daemon: one libev loop owning the configuration, the served zone and
 * the server; the only place (with main.c) that reads the whole gw_config_t
 * and hands each part the options it needs; signals for shutdown (SIGTERM, SIGINT) and reload
 * (SIGHUP: the configuration and zone files, gateway/reload.h). */
#pragma once

#include <stdbool.h>

#include "gateway/config/config.h"
#include "gateway/zonemgr/zonemgr.h"

/* The zone manager's part of one zone's configuration (gateway/zones.c);
 * what it points at is zc's (borrowed). */
gw_zonemgr_opts_t gw_daemon_zone_opts(const gw_zone_config_t *zc);

/* What the command line asks of one run, beside the configuration. */
typedef struct gw_daemon_flags {
	bool new_keys; /* --new-keys: a new chain of trust where keys/state is lost */
	bool verbose;  /* -v: debug logging, whatever log.level says (a reload too) */
	/* --tls-new-key: a new own TLS key, used once its TLSA has been
	 * published for twice its TTL (gateway/dane.h). */
	bool tls_new_key;
	/* -c: the file a reload reads again; NULL: the built-in default.
	 * Borrowed. */
	const char *config_path;
} gw_daemon_flags_t;

/* With reverse.enable: the reverse zones of the links' prefixes (read
 * from the interfaces now, or reverse.prefixes), appended to cfg->zones
 * with their subnet-derived browse records (gateway/reverse_zones.c).
 * Before gw_daemon_run(). GW_OK (nothing to do when off), GW_ECONFIG
 * (logged: no links named, a reverse zone that clashes with a zone of
 * zones:), GW_ENOMEM, or an error reading the interfaces. */
int gw_daemon_reverse_zones(gw_config_t *cfg);

/* Run until SIGTERM or SIGINT. cfg and flags are borrowed for the whole
 * run (a reload replaces cfg by configurations of its own, freed before
 * this returns). Returns GW_OK after a clean shutdown, or the error that stopped the
 * start. */
int gw_daemon_run(const gw_config_t *cfg, const gw_daemon_flags_t *flags);
