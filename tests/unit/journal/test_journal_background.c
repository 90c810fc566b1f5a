/* gateway/journal/background.c: the file rewritten by a child process
 * while changes go on. The file stays within journal-size at every
 * change, the changes made while the child writes reach the new file,
 * entries dropped meanwhile (journal-entries) are found in it, a history
 * dropped meanwhile is not written, and a child that dies or a close in
 * the middle leave a journal that IXFR and a restart read exactly. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_churn.h"
#include "gateway/journal/internal.h"

#define SIZE 16384

/* A churn against a journal that rewrites in the background, on a loop
 * of its own. */
static void churn_bg(churn_t *c, int steps, uint32_t entries)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	churn_init_opts(c, steps,
	                (gw_journal_opts_t){
	                    .max_entries = entries,
	                    .max_size = SIZE,
	                    .loop = loop,
	                    .background = true,
	                });
}

static void churn_bg_deinit(churn_t *c)
{
	struct ev_loop *loop = c->loop;
	churn_deinit(c);
	ev_loop_destroy(loop);
}

/* One step, then the zone as it is recorded; the file within its bound. */
static void step(churn_t *c, int i)
{
	churn_step(&c->f, c->j, i);
	c->zones[i + 1] = lines_of(c->f.zone);
	CU_ASSERT(file_size(c->path, NULL) <= SIZE);
}

/* Steps until a child is rewriting the file (at most limit), from *i. */
static bool step_until_rewriting(churn_t *c, int *i, int limit)
{
	gw_journal_stats_t st;
	for (; *i < limit; (*i)++) {
		step(c, *i);
		gw_journal_get_stats(c->j, &st);
		if (st.rewriting) {
			(*i)++;
			return true;
		}
	}
	return false;
}

/* Steps until a child rewrites the file, held before it writes anything
 * (gw_journal_bg_hold) so that it cannot have ended before the test
 * acts: the write end of the pipe it waits on (caller closes it; the
 * child goes on then). */
static int held_rewrite(churn_t *c, int *i, int limit)
{
	int hold[2];
	CU_ASSERT_FATAL(pipe(hold) == 0);
	gw_journal_bg_hold = hold[0];
	CU_ASSERT_FATAL(step_until_rewriting(c, i, limit));
	gw_journal_bg_hold = -1;
	close(hold[0]);
	return hold[1];
}

/* The journal after a restart on the same file (rewritten in place): its
 * entries from oldest on, each exact (entries 0: at least one, from
 * oldest or later, up to the newest change). */
static void check_restart(churn_t *c, uint32_t oldest, size_t entries)
{
	char tmp[160];
	gw_journal_close(c->j, c->f.zone);
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->path);
	CU_ASSERT(access(tmp, F_OK) != 0);
	CU_ASSERT(file_size(c->path, NULL) <= SIZE);
	gw_journal_opts_t opts = {.state_dir = c->f.dir, .max_entries = 100000, .max_size = SIZE};
	CU_ASSERT_FATAL(gw_journal_open(&c->j, &opts, c->f.zone) == GW_OK);
	gw_journal_stats_t st;
	gw_journal_get_stats(c->j, &st);
	CU_ASSERT_EQUAL(st.newest, serial_of(c->f.zone));
	if (entries == 0) {
		CU_ASSERT(st.entries > 0 && st.oldest >= oldest);
		CU_ASSERT_EQUAL(check_ixfr(c->j, st.oldest, c->zones, c->first), st.entries);
		return;
	}
	CU_ASSERT_EQUAL(st.oldest, oldest);
	CU_ASSERT_EQUAL(check_ixfr(c->j, oldest, c->zones, c->first), entries);
}

/* A churn with the loop run only now and then: changes keep coming while
 * a child writes the file; they wait in memory and reach the new file. */
static void test_churn(void)
{
	enum { STEPS = 400 };
	churn_t c;
	churn_bg(&c, STEPS, 100000);
	ino_t ino = 0, was = 0;
	CU_ASSERT(file_size(c.path, &was) == c.snap);
	unsigned rewrites = 0, waited = 0;
	for (int i = 0; i < STEPS; i++) {
		step(&c, i);
		gw_journal_stats_t st;
		gw_journal_get_stats(c.j, &st);
		/* Those made while the child writes are in memory only. */
		if (st.rewriting)
			waited += st.mem_bytes > 0;
		if (i % 5 == 4)
			churn_settle(&c);
		(void)file_size(c.path, &ino);
		rewrites += ino != was;
		was = ino;
	}
	churn_settle(&c);
	CU_ASSERT(rewrites > STEPS / 50);
	CU_ASSERT(waited > 0);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT(st.entries >= 5);
	CU_ASSERT_EQUAL(st.newest, c.first + STEPS);
	CU_ASSERT_EQUAL(st.mem_bytes, 0);
	CU_ASSERT_EQUAL(st.file_size, (uint64_t)file_size(c.path, NULL));
	CU_ASSERT_EQUAL(check_ixfr(c.j, st.oldest, c.zones, c.first), st.entries);
	printf("\n    %u rewrites in %d changes, %u changes made during one ", rewrites, STEPS,
	       waited);
	check_restart(&c, st.oldest, st.entries);
	churn_bg_deinit(&c);
}

/* journal-entries drops the oldest at every change, also those the
 * child is writing: the ones kept are still found in its file. */
static void test_front_dropped(void)
{
	enum { STEPS = 300, ENTRIES = 6 };
	churn_t c;
	churn_bg(&c, STEPS, ENTRIES);
	unsigned during = 0;
	int i = 0;
	while (i < STEPS - 10 && step_until_rewriting(&c, &i, STEPS - 10)) {
		/* More than journal-entries while the child writes: every
		 * entry it writes is dropped, some ahead of it too. */
		int until = i + (during % 2 == 0 ? 3 : ENTRIES + 2);
		for (; i < until; i++)
			step(&c, i);
		during++;
		churn_settle(&c);
		gw_journal_stats_t st;
		gw_journal_get_stats(c.j, &st);
		CU_ASSERT_EQUAL(st.entries, ENTRIES);
		CU_ASSERT_EQUAL(st.mem_bytes, 0);
		CU_ASSERT_EQUAL(check_ixfr(c.j, st.oldest, c.zones, c.first), ENTRIES);
	}
	CU_ASSERT(during > 4);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	check_restart(&c, st.oldest, st.entries);
	churn_bg_deinit(&c);
}

/* The history is dropped while the child writes (the zone changed
 * outside the journal): its file, which holds that history, is not
 * installed; the file written instead starts at the change after. */
static void test_history_dropped(void)
{
	enum { STEPS = 200 };
	churn_t c;
	churn_bg(&c, STEPS, 100000);
	int i = 0;
	CU_ASSERT_FATAL(step_until_rewriting(&c, &i, STEPS - 3));
	/* A change the journal does not see, then one it does. */
	churn_step(&c.f, NULL, i);
	c.zones[i + 1] = lines_of(c.f.zone);
	i++;
	uint32_t after = serial_of(c.f.zone);
	step(&c, i++);
	churn_settle(&c);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.resets, 1);
	step(&c, i++);
	churn_settle(&c);
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.oldest, after + 1);
	check_restart(&c, after + 1, 1);
	churn_bg_deinit(&c);
}

/* The same while the first snapshot is written, when the journal holds
 * no entry: the child's file ends at the serial of the start, from which
 * the journal no longer goes on, and is not installed either (it was,
 * and the next change was appended after it: a file that breaks at the
 * restart). */
static void test_history_dropped_empty(void)
{
	enum { STEPS = 4 };
	churn_t c;
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	fixture_init(&c.f, NSEC);
	snprintf(c.path, sizeof(c.path), "%s/journal", c.f.dir);
	c.steps = STEPS;
	c.zones = calloc(STEPS + 1, sizeof(*c.zones));
	c.first = serial_of(c.f.zone);
	c.loop = loop;
	gw_journal_opts_t opts = {.state_dir = c.f.dir,
	                          .max_entries = 100000,
	                          .max_size = SIZE,
	                          .loop = loop,
	                          .background = true};
	CU_ASSERT_FATAL(gw_journal_open(&c.j, &opts, c.f.zone) == GW_OK);
	c.zones[0] = lines_of(c.f.zone);
	int hold = -1;
	int fds[2];
	CU_ASSERT_FATAL(pipe(fds) == 0);
	gw_journal_bg_hold = fds[0];
	gw_journal_sync(c.j, c.f.zone);
	gw_journal_bg_hold = -1;
	close(fds[0]);
	hold = fds[1];
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_FATAL(st.rewriting && st.entries == 0);
	/* Unseen by the journal, then seen: the history starts again. */
	churn_step(&c.f, NULL, 0);
	c.zones[1] = lines_of(c.f.zone);
	uint32_t after = serial_of(c.f.zone);
	churn_step(&c.f, c.j, 1); /* no file yet: step() would look at it */
	c.zones[2] = lines_of(c.f.zone);
	close(hold);
	churn_settle(&c);
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.resets, 1);
	step(&c, 2);
	churn_settle(&c);
	/* The file as a kill -9 now would leave it (a close rewrites it):
	 * read by a second journal, which writes nothing. */
	gw_journal_t *again = NULL;
	gw_journal_opts_t ropts = {.state_dir = c.f.dir, .max_entries = 100000, .max_size = SIZE};
	CU_ASSERT_FATAL(gw_journal_open(&again, &ropts, c.f.zone) == GW_OK);
	gw_journal_get_stats(again, &st);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT_EQUAL(st.oldest, after + 1);
	CU_ASSERT_EQUAL(st.newest, serial_of(c.f.zone));
	gw_journal_close(again, NULL);
	check_restart(&c, after + 1, 1);
	churn_bg_deinit(&c);
}

static void on_stop_flag(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	*(bool *)w->data = true;
}

/* The child killed (held before it writes anything, so that it cannot
 * have ended first): the old file stays as it was, the entries stay in
 * memory, and the retry timer writes the file a second later, through a
 * child process again. */
static void test_child_killed(void)
{
	enum { STEPS = 200 };
	churn_t c;
	churn_bg(&c, STEPS, 100000);
	int i = 0;
	ino_t before = 0, now = 0;
	int hold = held_rewrite(&c, &i, STEPS - 3);
	off_t size = file_size(c.path, &before);
	CU_ASSERT_FATAL(c.j->bg.pid > 0);
	CU_ASSERT(kill(c.j->bg.pid, SIGKILL) == 0);
	close(hold);
	step(&c, i++);
	churn_settle(&c);
	CU_ASSERT_EQUAL(file_size(c.path, &now), size);
	CU_ASSERT_EQUAL(now, before);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT(st.mem_bytes > 0);
	/* The retry, after 1 s: in a child process too, the loop going on
	 * meanwhile (a full disk retries for as long as it lasts). */
	bool stopped = false;
	ev_timer stop;
	ev_timer_init(&stop, on_stop_flag, 2.5, 0.0);
	stop.data = &stopped;
	ev_timer_start(c.loop, &stop);
	for (st.rewriting = false; !stopped && !st.rewriting; gw_journal_get_stats(c.j, &st))
		ev_run(c.loop, EVRUN_ONCE);
	ev_timer_stop(c.loop, &stop);
	CU_ASSERT(st.rewriting);
	churn_settle(&c);
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.mem_bytes, 0);
	CU_ASSERT(file_size(c.path, &now) <= SIZE);
	CU_ASSERT(now != before);
	CU_ASSERT_EQUAL(st.newest, serial_of(c.f.zone));
	CU_ASSERT_EQUAL(check_ixfr(c.j, st.oldest, c.zones, c.first), st.entries);
	check_restart(&c, st.oldest, st.entries);
	churn_bg_deinit(&c);
}

/* Closed while the child writes: the child is stopped and the file is
 * written there and then, with the newest entries that fit (the change
 * made meanwhile among them). */
static void test_close_during(void)
{
	enum { STEPS = 200 };
	churn_t c;
	churn_bg(&c, STEPS, 100000);
	int i = 0;
	int hold = held_rewrite(&c, &i, STEPS - 3);
	pid_t pid = c.j->bg.pid;
	step(&c, i++);
	step(&c, i++);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	check_restart(&c, st.oldest, 0);
	/* Stopped while it waited, and reaped: no such process any more. */
	CU_ASSERT(kill(pid, 0) != 0);
	close(hold);
	churn_bg_deinit(&c);
}

int gw_test_register(void)
{
	return gw_test_suite(
	    "journal rewritten in the background",
	    (gw_test_t[]){
	        {"a churn while the child writes", test_churn},
	        {"entries dropped while it writes", test_front_dropped},
	        {"the history dropped while it writes", test_history_dropped},
	        {"the history dropped during the first snapshot", test_history_dropped_empty},
	        {"the child killed", test_child_killed},
	        {"closed while it writes", test_close_during},
	        {NULL, NULL},
	    });
}
