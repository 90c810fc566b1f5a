/* gateway/system: what the daemon tells systemd (sd_notify(3)).
 *
 * A unit of Type=notify-reload (or notify) learns when the zone is served
 * (READY=1), what the daemon is doing (STATUS=), that a reload runs
 * (RELOADING=1) and that it stops (STOPPING=1); with WatchdogSec= the
 * event loop pings it (WATCHDOG=1), so a loop that hangs gets the service
 * restarted. Without NOTIFY_SOCKET in the environment every call does
 * nothing.
 */
#pragma once

#include <ev.h>

/* STATUS=: one line, what the daemon does now. */
void gw_sd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* READY=1 with a STATUS= line: at the end of the start and of a reload. */
void gw_sd_ready(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* RELOADING=1 with MONOTONIC_USEC= (systemd 253 and later want it): at the
 * start of a reload; gw_sd_ready() ends it. */
void gw_sd_reloading(void);

/* STOPPING=1: at the start of the shutdown. */
void gw_sd_stopping(void);

/* WATCHDOG=1 from a timer on the event loop, at half the interval that
 * sd_watchdog_enabled() gives (WATCHDOG_USEC, for this process). */
typedef struct gw_sd_watchdog {
	ev_timer timer;
	struct ev_loop *loop; /* borrowed */
} gw_sd_watchdog_t;

/* Start the pings (the first one now). Does nothing, and returns GW_OK,
 * when systemd asked for none. */
int gw_sd_watchdog_start(gw_sd_watchdog_t *w, struct ev_loop *loop);

/* Stop them; a watchdog never started, or zeroed, is fine. */
void gw_sd_watchdog_stop(gw_sd_watchdog_t *w);
