/* Reloading the configuration (SIGHUP, dnssd-gatewayctl reload): the
 * configuration file (-c, or the built-in default) and the zone file read
 * again and applied as one change of the zone (one serial, one IXFR).
 * docs/configuration.md, Reloading, lists what applies live and what
 * takes a restart. */
#pragma once

#include <stddef.h>

#include "gateway/control/socket.h"

#define GW_RELOAD_REPORT_MAX 4096 /* a report with every key and a few errors */

struct daemon;

/* Reload; arg is the daemon (gateway/daemon.c's daemon_t, borrowed). The
 * shape of the control socket's reload callback (gateway/control/socket.h);
 * SIGHUP's passes done NULL. Loop thread only.
 *
 * The configuration file is read at once; the zone files in force are
 * read on a thread (gateway/zonemgr/read.c), the loop answering
 * meanwhile; then it is applied on the loop and done(done_arg, ret,
 * report) is called (also when it was refused at once, before this
 * returns). A reload asked for while one is under way follows it, and
 * reads the files again; several asked for meanwhile share that one run.
 *
 * The new configuration is checked as --check-config checks it (the zone
 * file too); with any error nothing changes, every problem is logged as
 * FILE:LINE:COL and listed in the report, and GW_ECONFIG is the result.
 * Otherwise the keys that apply live are applied (links, mdns limits and
 * windows, subtypes, TTL cap, transfer.allow, transfer.notify,
 * tsig-keys, rate-limit, cookies, log.level) together with the zone
 * file's records, all as one commit (none when nothing changed); keys
 * that take a restart keep their running values (the configuration in
 * force holds those), and are named in the log and the report. The
 * result is GW_OK (applied, perhaps with keys that take a restart),
 * GW_ECONFIG, or the error of a part that could not be applied (the
 * report says which; the rest stays applied).
 *
 * report (NUL-terminated, at most GW_RELOAD_REPORT_MAX octets, cut when
 * longer) holds what was done, in lines: "applied: KEYS (serial N)",
 * "needs a restart: KEYS (running values kept)", "refused: ..." and the
 * problems. */
void gw_daemon_reload(void *arg, gw_control_reload_done_fn done, void *done_arg);

/* At shutdown, once the control socket is closed: a read under way is
 * waited for and nothing of it applied; whoever still waits is told
 * GW_EBUSY. */
void gw_daemon_reload_stop(struct daemon *d);
