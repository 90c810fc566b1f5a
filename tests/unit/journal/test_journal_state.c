/* gateway/journal/: the journal file as state at start. The floor
 * (gw_journal_read_floor()): the newest serial the file records, from
 * the heads of its records, through restarts, a crash's torn tail,
 * another zone's file, garbage and a directory in its place. A file that
 * cannot be written: the history stays in memory (IXFR), the timer tries
 * again, backing off, and writes it once it can. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>

#include "gateway/journal/journal.h"
#include "zone_util.h"

#define APEX "example."

static const char *const base_zone[] = {
    "example. 3600 IN SOA ns.example. host.example. 100 3600 600 86400 300",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    NULL,
};

typedef struct fixture {
	zone_t *zone;
	char dir[64];
	char path[96]; /* dir/journal */
	uint8_t apex[ZONE_NAME_MAXLEN];
} fixture_t;

static void fixture_init(fixture_t *f)
{
	memset(f, 0, sizeof(*f));
	f->zone = tzone(APEX, base_zone);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-journal-state.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	snprintf(f->path, sizeof(f->path), "%s/journal", f->dir);
	tname(f->apex, APEX);
}

static void fixture_deinit(fixture_t *f)
{
	char cmd[128];
	zone_free(f->zone);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	CU_ASSERT(system(cmd) == 0);
}

static uint32_t serial_of(const zone_t *zone)
{
	uint32_t s = 0;
	CU_ASSERT(zone_serial(zone, &s) == GW_OK);
	return s;
}

static gw_journal_t *open_journal(fixture_t *f, struct ev_loop *loop)
{
	gw_journal_t *j = NULL;
	gw_journal_opts_t opts = {
	    .state_dir = f->dir, .max_entries = 100, .max_size = 1 << 20, .loop = loop};
	CU_ASSERT_FATAL(gw_journal_open(&j, &opts, f->zone) == GW_OK);
	return j;
}

/* One commit (a new A RR, the next serial) through the journal. */
static void commit(fixture_t *f, gw_journal_t *j)
{
	char rr[96];
	uint32_t serial = serial_of(f->zone) + 1;
	zone_changeset_t cs;
	zone_rrdiff_t diff = {0};
	snprintf(rr, sizeof(rr), "h%u.example. 10 IN A 192.0.2.1", serial);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, rr);
	CU_ASSERT_FATAL(zone_commit(f->zone, &cs, serial, &diff) == GW_OK);
	gw_journal_append(j, &diff, f->zone);
	zone_rrdiff_deinit(&diff);
	zone_changeset_deinit(&cs);
}

/* The floor of f's state directory, or the error. */
static int floor_of(const fixture_t *f, uint32_t *out)
{
	*out = 0;
	return gw_journal_read_floor(f->dir, f->apex, out);
}

static void test_floor(void)
{
	fixture_t f;
	uint32_t floor = 0;
	struct stat st;
	fixture_init(&f);
	CU_ASSERT(floor_of(&f, &floor) == GW_ENOTFOUND);

	/* Opening writes nothing; the first commit writes the file, the
	 * next ones are appended: the floor follows each. */
	gw_journal_t *j = open_journal(&f, NULL);
	CU_ASSERT(access(f.path, F_OK) != 0);
	for (uint32_t i = 1; i <= 3; i++) {
		commit(&f, j);
		CU_ASSERT(floor_of(&f, &floor) == GW_OK);
		CU_ASSERT_EQUAL(floor, 100 + i);
	}
	gw_journal_close(j, f.zone);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 103);

	/* A restart far ahead, two commits, a crash in the middle of the
	 * last append: the floor is the last whole record's. */
	CU_ASSERT_FATAL(zone_set_serial(f.zone, 200) == GW_OK);
	j = open_journal(&f, NULL);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 103); /* not written before a commit or a sync */
	commit(&f, j);
	commit(&f, j);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 202);
	gw_journal_close(j, NULL);
	CU_ASSERT_FATAL(stat(f.path, &st) == 0);
	CU_ASSERT_FATAL(truncate(f.path, st.st_size - 7) == 0);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 201);

	/* The file of another zone says nothing about this one. */
	uint8_t other[ZONE_NAME_MAXLEN];
	CU_ASSERT(gw_journal_read_floor(f.dir, tname(other, "other."), &floor) == GW_ENOTFOUND);

	/* Only the header: no record, no floor. Garbage and a directory: an
	 * error, no floor. */
	CU_ASSERT_FATAL(truncate(f.path, 8 + 4 + 1 + 9) == 0);
	CU_ASSERT(floor_of(&f, &floor) == GW_ENOTFOUND);
	int fd = open(f.path, O_WRONLY | O_TRUNC);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "garbage, not a journal", 22) == 22);
	close(fd);
	CU_ASSERT(floor_of(&f, &floor) == GW_EPARSE);
	CU_ASSERT_FATAL(unlink(f.path) == 0);
	CU_ASSERT_FATAL(mkdir(f.path, 0700) == 0);
	CU_ASSERT(floor_of(&f, &floor) == GW_ENOTFILE);
	/* A FIFO: refused at once, not waited on. */
	CU_ASSERT_FATAL(rmdir(f.path) == 0);
	CU_ASSERT_FATAL(mkfifo(f.path, 0600) == 0);
	CU_ASSERT(floor_of(&f, &floor) == GW_ENOTFILE);
	CU_ASSERT_FATAL(unlink(f.path) == 0);
	fixture_deinit(&f);
}

/* ---- a file that cannot be written -------------------------------------- */

typedef struct watch {
	ev_timer poll;
	const char *path;
	double elapsed;
	double blocked_for; /* the directory goes away after this long */
	bool removed;
	bool written;
} watch_t;

/* Every 0.1 s: remove the obstacle once its time is up, stop the loop
 * once the journal is a regular file, give up after 20 s. */
static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	watch_t *wt = (watch_t *)w;
	struct stat st;
	(void)revents;
	wt->elapsed += 0.1;
	if (!wt->removed && wt->elapsed >= wt->blocked_for) {
		wt->removed = true;
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "rm -rf %s", wt->path);
		CU_ASSERT(system(cmd) == 0);
	}
	wt->written = stat(wt->path, &st) == 0 && S_ISREG(st.st_mode);
	if (wt->written || wt->elapsed > 20.0) {
		ev_timer_stop(loop, w);
		ev_break(loop, EVBREAK_ALL);
	}
}

/* A directory in the file's place: nothing fails, every change is kept in
 * memory and IXFR finds it; the first retry (after 1 s) fails as well,
 * the next (2 s later) finds the obstacle gone and writes the whole
 * history; later commits are appended again. */
static void test_unwritable(void)
{
	fixture_t f;
	uint32_t floor = 0;
	fixture_init(&f);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(loop != NULL);
	CU_ASSERT_FATAL(mkdir(f.path, 0700) == 0);
	char inside[128];
	snprintf(inside, sizeof(inside), "%s/x", f.path);
	CU_ASSERT_FATAL(mkdir(inside, 0700) == 0); /* not even an empty one */

	gw_journal_t *j = open_journal(&f, loop);
	gw_journal_sync(j, f.zone);
	commit(&f, j);
	commit(&f, j);
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_FATAL(gw_journal_find(j, 100, SIZE_MAX, &list, &count, &bytes) == GW_OK);
	CU_ASSERT_EQUAL(count, 2);
	CU_ASSERT(list[0]->from == 100 && list[1]->to == 102);
	for (size_t i = 0; i < count; i++)
		gw_journal_entry_put(list[i]);
	free(list);
	CU_ASSERT(floor_of(&f, &floor) == GW_ENOTFILE);

	watch_t w = {.path = f.path, .blocked_for = 1.5};
	ev_timer_init(&w.poll, on_poll, 0.1, 0.1);
	ev_timer_start(loop, &w.poll);
	ev_tstamp t0 = ev_time();
	ev_run(loop, 0);
	double took = ev_time() - t0;
	CU_ASSERT(w.written);
	/* Written by the second retry, 1 + 2 s after the failure; not the
	 * first (the directory was still there), not a commit's. */
	CU_ASSERT(took >= 2.5 && took < 6.0);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 102);
	commit(&f, j);
	CU_ASSERT(floor_of(&f, &floor) == GW_OK);
	CU_ASSERT_EQUAL(floor, 103);
	gw_journal_close(j, f.zone);
	ev_loop_destroy(loop);
	fixture_deinit(&f);
}

/* gw_journal_entries_put(): one reference dropped on each entry (an entry
 * still held elsewhere stays), the array freed; an empty list is fine. */
static void test_entries_put(void)
{
	gw_journal_entry_t *kept = calloc(1, sizeof(*kept));
	gw_journal_entry_t *last = calloc(1, sizeof(*last));
	gw_journal_entry_t **list = calloc(2, sizeof(*list));
	CU_ASSERT_FATAL(kept != NULL && last != NULL && list != NULL);
	kept->refs = 2;
	last->refs = 1;
	list[0] = kept;
	list[1] = last;
	gw_journal_entries_put(list, 2);
	CU_ASSERT_EQUAL(kept->refs, 1);
	gw_journal_entry_put(kept);
	gw_journal_entries_put(NULL, 0);
}

int gw_test_register(void)
{
	return gw_test_suite("journal state",
	                     (gw_test_t[]){
	                         {"the floor for the serial", test_floor},
	                         {"a file that cannot be written", test_unwritable},
	                         {"a list of entries put", test_entries_put},
	                         {NULL, NULL},
	                     });
}
