/* Reloading the configuration (SIGHUP, dnssd-gatewayctl reload): the
 * configuration file (-c, or the built-in default) and the zone file read
 * again and applied as one change of the zone (one serial, one IXFR).
 * docs/configuration.md, Reloading, lists what applies live and what
 * takes a restart. */
#pragma once

#include <stddef.h>

#define GW_RELOAD_REPORT_MAX 4096 /* a report with every key and a few errors */

/* Reload; arg is the daemon (gateway/daemon.c's daemon_t, borrowed).
 * The shape of the control socket's reload callback. Loop thread only.
 *
 * The new configuration is checked as --check-config checks it (the zone
 * file too); with any error nothing changes, every problem is logged as
 * FILE:LINE:COL and listed in the report, and GW_ECONFIG is returned.
 * Otherwise the keys that apply live are applied (links, mdns limits and
 * windows, subtypes, TTL cap, transfer.allow, transfer.notify,
 * tsig-keys, rate-limit, cookies, log.level) together with the zone
 * file's records, all as one commit; keys that take a restart keep their
 * running values (the configuration in force holds those), and are named
 * in the log and the report. Returns GW_OK (applied, perhaps with keys
 * that take a restart), GW_ECONFIG, or the error of a part that could not
 * be applied (the report says which; the rest stays applied).
 *
 * report (report_len octets, NUL-terminated, cut when short) receives
 * what was done, in lines: "applied: KEYS (serial N)", "needs a restart:
 * KEYS (running values kept)", "refused: ..." and the problems. */
int gw_daemon_reload(void *arg, char *report, size_t report_len);
