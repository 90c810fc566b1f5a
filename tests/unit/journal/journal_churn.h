/* A churn for the journal suites that watch its file: host n<k> comes
 * and goes while the journal records each change, the zone at each
 * serial kept to check what IXFR gets. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ev.h>

#include "journal_fixture.h"

/* Churn: host n<k> comes and goes, the zone keeps its size. */
static inline void churn_step(fixture_t *f, gw_journal_t *j, int i)
{
	char rr[128];
	zone_changeset_t cs;
	snprintf(rr, sizeof(rr), "n%d.example. 10 IN A 192.0.2.%d", i / 2 % 10, i / 2 % 10 + 1);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	if (i % 2 == 0)
		tcs_add(&cs, rr);
	else
		tcs_remove(&cs, rr);
	CU_ASSERT_FATAL(commit(f, j, &cs) == GW_OK);
	zone_changeset_deinit(&cs);
}

static inline off_t file_size(const char *path, ino_t *ino)
{
	struct stat sb;
	CU_ASSERT_FATAL(stat(path, &sb) == 0);
	if (ino != NULL)
		*ino = sb.st_ino;
	return sb.st_size;
}

/* Every entry from serial on, each exact against the zones recorded in
 * zones (zones[k]: the zone at serial first + k). */
static inline size_t check_ixfr(gw_journal_t *j, uint32_t serial, lines_t *zones, uint32_t first)
{
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_EQUAL_FATAL(gw_journal_find(j, serial, SIZE_MAX, &list, &count, &bytes), GW_OK);
	for (size_t i = 0; i < count; i++) {
		CU_ASSERT_EQUAL(list[i]->from, serial + i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(list[i]->data);
		CU_ASSERT(entry_exact(list[i], &zones[list[i]->from - first],
		                      &zones[list[i]->to - first]));
	}
	gw_journal_entries_put(list, count);
	return count;
}

/* A churn against a journal of max_size octets: the fixture, the file's
 * path, the zone at each serial (zones[k] at first + k), the journal just
 * written (snap: the file's size then, its snapshot). */
typedef struct churn {
	fixture_t f;
	char path[128];
	lines_t *zones;
	int steps;
	uint32_t first;
	gw_journal_t *j;
	off_t snap;
	struct ev_loop *loop; /* borrowed: the journal's, for a rewrite in the background */
} churn_t;

static inline void on_settle_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	*(bool *)w->data = true;
	ev_break(loop, EVBREAK_ONE);
}

/* Run the loop until no child process rewrites the journal (at most
 * 20 s: a failure past that). */
static inline void churn_settle(churn_t *c)
{
	bool late = false;
	ev_timer guard;
	gw_journal_stats_t st;
	ev_timer_init(&guard, on_settle_guard, 20.0, 0.0);
	guard.data = &late;
	ev_timer_start(c->loop, &guard);
	for (gw_journal_get_stats(c->j, &st); st.rewriting && !late;
	     gw_journal_get_stats(c->j, &st))
		ev_run(c->loop, EVRUN_ONCE);
	ev_timer_stop(c->loop, &guard);
	CU_ASSERT_FATAL(!late);
}

/* The journal just opened: written, the zone recorded, snap the file's
 * size. */
static inline void churn_start(churn_t *c)
{
	gw_journal_sync(c->j, c->f.zone);
	if (c->loop != NULL)
		churn_settle(c);
	c->zones[0] = lines_of(c->f.zone);
	c->snap = file_size(c->path, NULL);
}

/* A churn against a journal opened with opts (state_dir: the
 * fixture's). */
static inline void churn_init_opts(churn_t *c, int steps, gw_journal_opts_t opts)
{
	fixture_init(&c->f, NSEC);
	snprintf(c->path, sizeof(c->path), "%s/journal", c->f.dir);
	c->steps = steps;
	c->zones = calloc((size_t)steps + 1, sizeof(*c->zones));
	c->first = serial_of(c->f.zone);
	opts.state_dir = c->f.dir;
	c->loop = opts.loop;
	CU_ASSERT_FATAL(gw_journal_open(&c->j, &opts, c->f.zone) == GW_OK);
	churn_start(c);
}

static inline void churn_init(churn_t *c, int steps, uint64_t max_size)
{
	churn_init_opts(c, steps, (gw_journal_opts_t){.max_entries = 100000, .max_size = max_size});
}

static inline void churn_deinit(churn_t *c)
{
	gw_journal_close(c->j, c->f.zone);
	fixture_deinit(&c->f);
	for (int i = 0; i <= c->steps; i++)
		lines_free(&c->zones[i]);
	free(c->zones);
}
