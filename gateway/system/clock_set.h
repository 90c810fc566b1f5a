/* gateway/system: the wall clock set under the daemon's feet.
 *
 * An appliance without a battery-backed clock boots with the time of its
 * last shutdown (or of its firmware) and learns the right one from NTP a
 * little later: a step of days or weeks. Signatures are valid between
 * wall-clock times, while the event loop's timers count elapsed time:
 * a refresh due in a week of elapsed time would come a week after the
 * signatures made before the step had expired. The kernel says when the
 * clock is set (a timerfd with TFD_TIMER_CANCEL_ON_SET); the callback
 * then hears by how much it moved. The two clocks are also compared every
 * GW_CLOCK_CHECK_S seconds, which finds a step where that notice is not
 * delivered (a sandbox without it, a clock faked by LD_PRELOAD in the
 * tests). A slewed clock (adjtime) moves no more than a fraction of a
 * second a second and is not reported.
 */
#pragma once

#include <stdint.h>

#include <ev.h>

/* Seconds between two comparisons of the clocks without a notice. */
#define GW_CLOCK_CHECK_S 5

/* delta: seconds the wall clock moved against elapsed time (forward > 0). */
typedef void (*gw_clock_set_fn)(void *arg, int64_t delta);

typedef struct gw_clock_watch {
	ev_io io;
	ev_timer every;       /* the comparison every GW_CLOCK_CHECK_S */
	struct ev_loop *loop; /* borrowed */
	int fd;               /* the timerfd; -1 when not watching */
	int64_t offset_ns;    /* wall clock minus monotonic clock at the last look */
	gw_clock_set_fn fn;
	void *arg; /* borrowed, given to fn */
} gw_clock_watch_t;

/* Watch from now on; fn(arg, delta) runs on the loop after each setting
 * of the clock that moved it a second or more. GW_OK, or -errno when the
 * kernel's notice cannot be had (logged: the comparisons every
 * GW_CLOCK_CHECK_S still run). */
int gw_clock_watch_start(gw_clock_watch_t *w, struct ev_loop *loop, gw_clock_set_fn fn, void *arg);

/* Compare the wall clock with the monotonic clock against the last look,
 * and call fn when they moved apart by a second or more. What the
 * kernel's notice triggers; callable by itself (tests). */
void gw_clock_watch_check(gw_clock_watch_t *w);

/* Stop; a watch zeroed and never started, or one whose start failed, is
 * fine. */
void gw_clock_watch_stop(gw_clock_watch_t *w);
