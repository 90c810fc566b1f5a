/* The daemon: one libev loop owning the configuration, the served zone and
 * the server; the only place (with main.c) that reads the whole gw_config_t
 * and hands each part the options it needs; signals for shutdown (SIGTERM, SIGINT) and zone reload
 * (SIGHUP). */
#pragma once

#include "gateway/config/config.h"
#include "gateway/zonemgr/zonemgr.h"

/* The zone manager's part of cfg; what it points at is cfg's (borrowed). */
gw_zonemgr_opts_t gw_daemon_zonemgr_opts(const gw_config_t *cfg);

/* Run until SIGTERM or SIGINT. cfg is borrowed for the whole run. Returns
 * GW_OK after a clean shutdown, or the error that stopped the start. */
int gw_daemon_run(const gw_config_t *cfg);
