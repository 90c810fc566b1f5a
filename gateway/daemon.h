/* The daemon: one libev loop owning the configuration, the served zone and
 * the server; signals for shutdown (SIGTERM, SIGINT) and zone reload
 * (SIGHUP). */
#pragma once

#include "gateway/config/config.h"

/* Run until SIGTERM or SIGINT. cfg is borrowed for the whole run. Returns
 * GW_OK after a clean shutdown, or the error that stopped the start. */
int gw_daemon_run(const gw_config_t *cfg);
