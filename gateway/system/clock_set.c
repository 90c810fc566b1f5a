/* The wall clock set under the daemon (clock_set.h): a timerfd on
 * CLOCK_REALTIME, armed for the far future with TFD_TIMER_CANCEL_ON_SET,
 * becomes readable (read() fails with ECANCELED) whenever the clock is
 * set; it is armed again and the move measured against the monotonic
 * clock. */
#include "gateway/system/clock_set.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "common/container.h"
#include "common/error.h"
#include "common/log.h"

static int64_t offset_now(void)
{
	struct timespec wall, mono;
	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)wall.tv_sec - (int64_t)mono.tv_sec) * 1000000000 +
	       ((int64_t)wall.tv_nsec - (int64_t)mono.tv_nsec);
}

/* Armed for a time that never comes: only a setting of the clock makes
 * the descriptor readable. */
static int arm(int fd)
{
	struct itimerspec its;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)INT32_MAX;
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) != 0)
		return -errno;
	return GW_OK;
}

void gw_clock_watch_check(gw_clock_watch_t *w)
{
	int64_t now = offset_now();
	int64_t moved = now - w->offset_ns;
	w->offset_ns = now;
	/* Whole seconds, towards zero: what signatures and rollovers count. */
	int64_t delta = moved / 1000000000;
	if (delta == 0)
		return;
	/* What follows it says so itself (the signed zones, discovery): an
	 * unsigned zone has no signatures to speak of. */
	gw_notice("the wall clock was set %s by %lld s", delta > 0 ? "forward" : "back",
	          (long long)(delta > 0 ? delta : -delta));
	w->fn(w->arg, delta);
}

static void on_set(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	gw_clock_watch_t *w = container_of(io, gw_clock_watch_t, io);
	uint64_t expirations;
	/* ECANCELED is the notice; the timer never expires otherwise. */
	while (read(w->fd, &expirations, sizeof(expirations)) < 0 && errno == EINTR)
		;
	int ret = arm(w->fd);
	if (ret != GW_OK) {
		gw_err("the kernel's notice of the wall clock's settings is lost (%s); the clock "
		       "is compared with elapsed time every %d s instead",
		       strerror(-ret), GW_CLOCK_CHECK_S);
		ev_io_stop(w->loop, &w->io);
	}
	gw_clock_watch_check(w);
}

static void on_every(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	gw_clock_watch_check(container_of(t, gw_clock_watch_t, every));
}

int gw_clock_watch_start(gw_clock_watch_t *w, struct ev_loop *loop, gw_clock_set_fn fn, void *arg)
{
	w->loop = loop;
	w->fn = fn;
	w->arg = arg;
	w->offset_ns = offset_now();
	ev_timer_init(&w->every, on_every, GW_CLOCK_CHECK_S, GW_CLOCK_CHECK_S);
	ev_timer_start(loop, &w->every);
	w->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	int ret = w->fd < 0 ? -errno : arm(w->fd);
	if (ret != GW_OK) {
		gw_warn("the kernel does not say when the wall clock is set (%s); it is compared "
		        "with elapsed time every %d s instead",
		        strerror(-ret), GW_CLOCK_CHECK_S);
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		return ret;
	}
	ev_io_init(&w->io, on_set, w->fd, EV_READ);
	ev_io_start(loop, &w->io);
	return GW_OK;
}

void gw_clock_watch_stop(gw_clock_watch_t *w)
{
	if (w->loop == NULL)
		return;
	ev_timer_stop(w->loop, &w->every);
	if (w->fd >= 0) {
		ev_io_stop(w->loop, &w->io);
		close(w->fd);
		w->fd = -1;
	}
}
