/* mdns/poll.c: Avahi's timeouts on libev. Due timeouts run back to back in
 * one pass of the loop, in deadline order, at most MDNS_POLL_BATCH, before
 * the sockets are read. */
#include <sys/time.h>
#include <unistd.h>

#include "cunit.h"
#include "mdns/poll.h"

#define MAX_RUNS 2048

static struct ev_loop *loop;
static mdns_poll_t poll_;
static int runs[MAX_RUNS]; /* ids of the timeouts run, in order */
static size_t run_count;

static void setup(void)
{
	loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	mdns_poll_init(&poll_, loop);
	run_count = 0;
}

static void teardown(void)
{
	mdns_poll_deinit(&poll_);
	ev_loop_destroy(loop);
}

/* Now plus ms milliseconds (negative: in the past), wall clock. */
static struct timeval at(long ms)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	long long us = (long long)tv.tv_sec * 1000000 + tv.tv_usec + ms * 1000;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	return tv;
}

/* One iteration of the loop that never blocks: what a busy loop does
 * between two reads of its sockets. */
static void iterate(void)
{
	ev_run(loop, EVRUN_NOWAIT);
}

static void record(AvahiTimeout *t, void *userdata)
{
	(void)t;
	if (run_count < MAX_RUNS)
		runs[run_count] = (int)(intptr_t)userdata;
	run_count++;
}

static AvahiTimeout *add(long ms, AvahiTimeoutCallback cb, int id)
{
	struct timeval tv = at(ms);
	AvahiTimeout *t = poll_.api.timeout_new(&poll_.api, &tv, cb, (void *)(intptr_t)id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/* avahi-core's time event queue: one AvahiTimeout that runs one event
 * per firing and re-arms itself for the next, here all overdue. */
#define QUEUE_EVENTS 200
static struct {
	AvahiTimeout *t;
	struct timeval when[QUEUE_EVENTS];
	size_t next;
} queue;

static void queue_fire(AvahiTimeout *t, void *userdata)
{
	(void)userdata;
	runs[run_count++] = (int)queue.next;
	queue.next++;
	poll_.api.timeout_update(t, queue.next < QUEUE_EVENTS ? &queue.when[queue.next] : NULL);
}

static void test_queue_one_pass(void)
{
	setup();
	for (size_t i = 0; i < QUEUE_EVENTS; i++)
		queue.when[i] = at(-1000 + (long)i);
	queue.next = 0;
	queue.t = poll_.api.timeout_new(&poll_.api, &queue.when[0], queue_fire, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(queue.t);
	iterate();
	CU_ASSERT_EQUAL(run_count, QUEUE_EVENTS);
	for (size_t i = 0; i < run_count && i < QUEUE_EVENTS; i++)
		CU_ASSERT_EQUAL(runs[i], (int)i);
	/* Disarmed by the last event: nothing more runs. */
	iterate();
	CU_ASSERT_EQUAL(run_count, QUEUE_EVENTS);
	poll_.api.timeout_free(queue.t);
	teardown();
}

static void test_deadline_order(void)
{
	setup();
	/* Created out of order; id = position in deadline order. */
	static const long ms[] = {-300, -100, -500, -200, -400, -600};
	static const int id[] = {3, 5, 1, 4, 2, 0};
	for (size_t i = 0; i < 6; i++)
		add(ms[i], record, id[i]);
	add(3600 * 1000, record, 99);                                          /* not due */
	poll_.api.timeout_new(&poll_.api, NULL, record, (void *)(intptr_t)98); /* disabled */
	iterate();
	CU_ASSERT_EQUAL_FATAL(run_count, 6);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(runs[i], i);
	/* Each fired once and stays disabled until updated. */
	iterate();
	CU_ASSERT_EQUAL(run_count, 6);
	teardown();
}

/* A re-arms itself for "now" forever: the pass stops at the bound, and
 * the socket that is readable meanwhile is served in the same iteration. */
static bool io_seen;
static unsigned io_runs_before; /* timeouts run when the socket was served */

static void rearm_now(AvahiTimeout *t, void *userdata)
{
	(void)userdata;
	run_count++;
	struct timeval tv = at(0);
	poll_.api.timeout_update(t, &tv);
}

static void on_readable(AvahiWatch *w, int fd, AvahiWatchEvent e, void *userdata)
{
	(void)w;
	(void)e;
	(void)userdata;
	char c;
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1);
	io_seen = true;
	io_runs_before = (unsigned)run_count;
}

static void test_bound(void)
{
	setup();
	int pfd[2];
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	CU_ASSERT_EQUAL(write(pfd[1], "x", 1), 1);
	AvahiWatch *w = poll_.api.watch_new(&poll_.api, pfd[0], AVAHI_WATCH_IN, on_readable, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	io_seen = false;
	AvahiTimeout *t = add(0, rearm_now, 0);
	iterate();
	CU_ASSERT_EQUAL(run_count, MDNS_POLL_BATCH);
	/* The timeouts went first, then the socket, in one iteration. */
	CU_ASSERT_TRUE(io_seen);
	CU_ASSERT_EQUAL(io_runs_before, MDNS_POLL_BATCH);
	iterate();
	CU_ASSERT_EQUAL(run_count, 2 * MDNS_POLL_BATCH);
	poll_.api.timeout_free(t);
	poll_.api.watch_free(w);
	close(pfd[0]);
	close(pfd[1]);
	teardown();
}

/* More due timeouts than the bound: the rest go in the next pass. */
static void test_bound_many(void)
{
	setup();
	enum { N = MDNS_POLL_BATCH + 300 };
	for (int i = 0; i < N; i++)
		add(-2000 + i, record, i);
	iterate();
	CU_ASSERT_EQUAL(run_count, MDNS_POLL_BATCH);
	iterate();
	CU_ASSERT_EQUAL_FATAL(run_count, N);
	for (int i = 0; i < N; i++)
		CU_ASSERT_EQUAL(runs[i], i);
	teardown();
}

/* Timeouts made, moved and freed by a callback during the pass. */
static AvahiTimeout *victim, *moved;

static void spawner(AvahiTimeout *t, void *userdata)
{
	record(t, userdata);
	add(0, record, 3);              /* for now: after those already due */
	poll_.api.timeout_free(victim); /* was due: never runs */
	struct timeval tv = at(-5000);
	poll_.api.timeout_update(moved, &tv); /* was not due, now the most overdue */
}

static void test_added_during_pass(void)
{
	setup();
	add(-300, spawner, 0);
	add(-200, record, 2);
	victim = add(-100, record, 77);
	moved = add(3600 * 1000, record, 1);
	iterate();
	CU_ASSERT_EQUAL_FATAL(run_count, 4);
	CU_ASSERT_EQUAL(runs[0], 0);
	CU_ASSERT_EQUAL(runs[1], 1);
	CU_ASSERT_EQUAL(runs[2], 2);
	CU_ASSERT_EQUAL(runs[3], 3);
	iterate();
	CU_ASSERT_EQUAL(run_count, 4);
	teardown();
}

/* A timeout that frees itself, and one that is updated to later. */
static void self_free(AvahiTimeout *t, void *userdata)
{
	record(t, userdata);
	poll_.api.timeout_free(t);
}

static void test_update_and_free(void)
{
	setup();
	add(-10, self_free, 1);
	AvahiTimeout *later = add(-20, record, 2);
	poll_.api.timeout_update(later, NULL);
	AvahiTimeout *again = add(3600 * 1000, record, 3);
	struct timeval tv = at(-30);
	poll_.api.timeout_update(again, &tv);
	iterate();
	CU_ASSERT_EQUAL_FATAL(run_count, 2);
	CU_ASSERT_EQUAL(runs[0], 3);
	CU_ASSERT_EQUAL(runs[1], 1);
	teardown();
}

static void nop_watch(AvahiWatch *w, int fd, AvahiWatchEvent e, void *userdata)
{
	(void)w;
	(void)fd;
	(void)e;
	(void)userdata;
}

static void test_fds(void)
{
	setup();
	int pfd[2];
	CU_ASSERT_FATAL(pipe(pfd) == 0);
	AvahiWatch *a = poll_.api.watch_new(&poll_.api, pfd[0], AVAHI_WATCH_IN, nop_watch, NULL);
	AvahiWatch *b = poll_.api.watch_new(&poll_.api, pfd[1], 0, nop_watch, NULL);
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	int fds[4] = {-1, -1, -1, -1};
	CU_ASSERT_EQUAL(mdns_poll_fds(&poll_, fds, 4), 2);
	CU_ASSERT_TRUE((fds[0] == pfd[0] && fds[1] == pfd[1]) ||
	               (fds[0] == pfd[1] && fds[1] == pfd[0]));
	CU_ASSERT_EQUAL(fds[2], -1);
	fds[0] = fds[1] = -1;
	CU_ASSERT_EQUAL(mdns_poll_fds(&poll_, fds, 1), 2);
	CU_ASSERT_NOT_EQUAL(fds[0], -1);
	CU_ASSERT_EQUAL(fds[1], -1);
	poll_.api.watch_free(a);
	CU_ASSERT_EQUAL(mdns_poll_fds(&poll_, fds, 4), 1);
	CU_ASSERT_EQUAL(fds[0], pfd[1]);
	poll_.api.watch_free(b);
	CU_ASSERT_EQUAL(mdns_poll_fds(&poll_, fds, 4), 0);
	close(pfd[0]);
	close(pfd[1]);
	teardown();
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"a self-re-arming queue drains in one pass", test_queue_one_pass},
	    {"due timeouts run in deadline order", test_deadline_order},
	    {"a pass stops at the bound, sockets still served", test_bound},
	    {"over the bound: the rest in the next pass", test_bound_many},
	    {"timeouts made, moved, freed during a pass", test_added_during_pass},
	    {"update to disabled, earlier; free in own callback", test_update_and_free},
	    {"the watched descriptors", test_fds},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_poll", tests);
}
