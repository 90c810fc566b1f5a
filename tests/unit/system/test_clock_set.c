/* gateway/system/clock_set.c: the watch on settings of the wall clock.
 * The kernel's notice itself needs the machine's clock set, which a test
 * must not do; what is shown is that the watch is armed as the notice
 * needs (a timerfd on CLOCK_REALTIME, readable only when the clock is set)
 * and that a move of the clock against elapsed time reaches the callback
 * with its size and sign, while a move under a second does not. */
#include <fcntl.h>
#include <stdint.h>
#include <sys/timerfd.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/system/clock_set.h"

static int64_t g_delta;
static unsigned g_calls;

static void on_set(void *arg, int64_t delta)
{
	(void)arg;
	g_delta = delta;
	g_calls++;
}

static void test_clock_set(void)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	gw_clock_watch_t w = {.fd = -1};
	g_calls = 0;
	CU_ASSERT_FATAL(gw_clock_watch_start(&w, loop, on_set, NULL) == GW_OK);
	CU_ASSERT(w.fd >= 0 && ev_is_active(&w.io));
	CU_ASSERT(ev_is_active(&w.every)); /* the comparison without a notice */

	/* Armed for the far future: not readable, so the loop never wakes
	 * for it unless the clock is set. */
	struct itimerspec its;
	CU_ASSERT(timerfd_gettime(w.fd, &its) == 0);
	CU_ASSERT(its.it_value.tv_sec > 365 * 86400);
	ev_run(loop, EVRUN_NOWAIT);
	CU_ASSERT_EQUAL(g_calls, 0);

	/* Nothing moved: no call. */
	gw_clock_watch_check(&w);
	CU_ASSERT_EQUAL(g_calls, 0);

	/* The clock stepped forward by an hour since the last look (the
	 * offset it had is an hour less than the one now). */
	w.offset_ns -= 3600 * INT64_C(1000000000);
	gw_clock_watch_check(&w);
	CU_ASSERT_EQUAL(g_calls, 1);
	CU_ASSERT(g_delta == 3600 || g_delta == 3599);

	/* And back by a day. */
	w.offset_ns += 86400 * INT64_C(1000000000);
	gw_clock_watch_check(&w);
	CU_ASSERT_EQUAL(g_calls, 2);
	CU_ASSERT(g_delta == -86400 || g_delta == -86399);

	/* Under a second (an NTP step of a few milliseconds): not reported. */
	w.offset_ns -= 400 * INT64_C(1000000);
	gw_clock_watch_check(&w);
	CU_ASSERT_EQUAL(g_calls, 2);

	gw_clock_watch_stop(&w);
	CU_ASSERT(w.fd == -1);
	gw_clock_watch_stop(&w); /* twice is fine */
	/* Zeroed, never started: its fd of 0 is not closed. */
	gw_clock_watch_t never = {0};
	int before = fcntl(0, F_GETFD);
	gw_clock_watch_stop(&never);
	CU_ASSERT_EQUAL(fcntl(0, F_GETFD), before);
	ev_loop_destroy(loop);
}

int gw_test_register(void)
{
	return gw_test_suite("clock set", (gw_test_t[]){
	                                      {"the watch and what it reports", test_clock_set},
	                                      {NULL, NULL},
	                                  });
}
