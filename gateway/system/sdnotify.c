/* sd_notify(3) messages of the daemon's life: start, reload, stop, and
 * the watchdog's pings. */
#include "gateway/system/sdnotify.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"

#define STATUS_MAX 256

static void send_status(const char *head, const char *fmt, va_list ap)
{
	char text[STATUS_MAX];
	vsnprintf(text, sizeof(text), fmt, ap);
	/* Failures are not the daemon's: systemd may be gone, it keeps
	 * serving. */
	(void)sd_notifyf(0, "%sSTATUS=%s", head, text);
}

void gw_sd_status(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_status("", fmt, ap);
	va_end(ap);
}

void gw_sd_ready(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_status("READY=1\n", fmt, ap);
	va_end(ap);
}

void gw_sd_reloading(void)
{
	/* systemd compares MONOTONIC_USEC with its own clock to tell this
	 * reload from an earlier one. */
	(void)sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	                 (unsigned long long)(gw_clock_mono_ns() / 1000));
}

void gw_sd_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

static void on_ping(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)sd_notify(0, "WATCHDOG=1");
}

int gw_sd_watchdog_start(gw_sd_watchdog_t *w, struct ev_loop *loop)
{
	uint64_t usec = 0;
	*w = (gw_sd_watchdog_t){.loop = NULL};
	int r = sd_watchdog_enabled(0, &usec);
	if (r < 0) {
		gw_warn("watchdog: WATCHDOG_USEC is not a number of microseconds, no pings: %s",
		        gw_strerror(r));
		return GW_OK;
	}
	if (r == 0 || usec == 0)
		return GW_OK;
	/* Half the interval: one late ping does not get the daemon killed. */
	double every = (double)usec / 2e6;
	ev_timer_init(&w->timer, on_ping, every, every);
	ev_timer_start(loop, &w->timer);
	w->loop = loop;
	on_ping(loop, &w->timer, 0);
	gw_info("watchdog: pinging systemd every %.3f s", every);
	return GW_OK;
}

void gw_sd_watchdog_stop(gw_sd_watchdog_t *w)
{
	if (w->loop != NULL)
		ev_timer_stop(w->loop, &w->timer);
	w->loop = NULL;
}
