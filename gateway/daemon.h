/* The daemon: one libev loop owning the configuration, the served zone and
 * the server; signals for shutdown (SIGTERM, SIGINT) and zone reload
 * (SIGHUP). */
#pragma once

#include "gateway/config.h"
#include "zones/zone.h"

/* Build the zone the configuration describes: the zone file when one is
 * set, otherwise a minimal zone (apex SOA and NS) for the domain. On
 * success *out owns the zone. On error a reason with file and line is in
 * errbuf (NUL-terminated). */
int gw_daemon_build_zone(zone_t **out, const gw_config_t *cfg, char *errbuf, size_t errlen);

/* Run until SIGTERM or SIGINT. cfg is borrowed for the whole run. Returns
 * GW_OK after a clean shutdown, or the error that stopped the start. */
int gw_daemon_run(const gw_config_t *cfg);
