/* The journal's file rewritten off the loop. A rewrite writes the whole
 * zone (some 160 MB and 1 s at 100 000 services), and the loop, which
 * also answers every query, would stop for that long. A child process
 * made by fork() sees the zone as it was at that moment, copy-on-write,
 * with no lock and no copy made here: it writes <path>.tmp (header,
 * snapshot, the entries kept, fsync) and reports through a pipe. The
 * loop meanwhile keeps the new entries in memory (the old file is at its
 * bound), and when the child is done appends them to the new file and
 * puts it in place; the file never exceeds its bound.
 *
 * The daemon is single-threaded when the loop runs (the signing threads
 * live only within a call), so the child may call anything. It closes
 * every descriptor it does not need, so that no socket the loop closes
 * stays open in it, restores the default signal actions, and dies with
 * its parent (PR_SET_PDEATHSIG): a kill -9 leaves the old file and at
 * worst <path>.tmp, which the next rewrite truncates.
 *
 * The old file goes with its last descriptor, and freeing its blocks
 * (the whole zone's worth) took 80 ms in close() at 100 000 services.
 * So the child keeps its copy of the descriptor until the loop has put
 * the new file in place and closed its own; the loop then lets the child
 * go (closes the release pipe), which frees them and ends, and the loop
 * reaps it when its result pipe reaches its end. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/container.h"
#include "common/error.h"
#include "common/heap.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

int gw_journal_bg_hold = -1;

/* What the child reports: its outcome, and what it left out. */
typedef struct bg_result {
	int32_t ret;
	uint32_t small_noted;
	uint64_t dropped;       /* entries of the fork left out, from the front */
	uint64_t dropped_bytes; /* their records' octets */
	uint64_t snap_end, end;
	uint32_t serial; /* the snapshot's: where the file's history ends */
} bg_result_t;

static double mono_ms(void)
{
	return (double)gw_clock_mono_ns() / 1e6;
}

static uint64_t rec_bytes(const gw_journal_t *j, size_t from, size_t to)
{
	uint64_t n = 0;
	for (size_t i = from; i < to; i++)
		n += gw_journal_rec_size(j->entries[i]);
	return n;
}

/* Close every descriptor but keep[0..n): the listening and client
 * sockets above all, which would otherwise stay open as long as the child
 * (a connection the loop closes would not end, a port could not be bound
 * again). Best effort: without /proc nothing is closed. */
static void close_others(const int *keep, size_t n)
{
	DIR *d = opendir("/proc/self/fd");
	int fds[4096];
	size_t count = 0;
	if (d == NULL)
		return;
	for (;;) {
		struct dirent *de = readdir(d);
		if (de == NULL)
			break;
		char *end = NULL;
		long fd = strtol(de->d_name, &end, 10);
		if (end == de->d_name || *end != '\0' || fd < 3 || fd == dirfd(d))
			continue;
		bool kept = false;
		for (size_t i = 0; i < n; i++)
			kept |= keep[i] == fd;
		if (!kept && count < sizeof(fds) / sizeof(fds[0]))
			fds[count++] = (int)fd;
	}
	closedir(d);
	for (size_t i = 0; i < count; i++)
		close(fds[i]);
	if (count == sizeof(fds) / sizeof(fds[0]))
		close_others(keep, n); /* more than one batch */
}

/* The child's side: never returns. */
static void child_run(gw_journal_t *j, const zone_t *zone, bool compact, int out, int release,
                      pid_t parent)
{
	bg_result_t r = {0};
	sigset_t none;
	int fd = -1;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(1);
	/* The loop's signal handlers would tell the parent's loop. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	j->bg.pid = 0;
	r.ret = gw_journal_tmp_open(j, &fd);
	/* The file is open first: a descriptor number freed below is not
	 * reused for it (syslog()'s socket, closed here, is opened anew). */
	int keep[] = {fd, j->fd, out, release, gw_journal_bg_hold};
	close_others(keep, sizeof(keep) / sizeof(keep[0]));
	if (gw_journal_bg_hold >= 0) {
		char c;
		while (read(gw_journal_bg_hold, &c, 1) < 0 && errno == EINTR)
			;
	}
	size_t before = j->count;
	uint64_t before_bytes = rec_bytes(j, 0, j->count);
	if (r.ret == GW_OK)
		r.ret = zone_serial(zone, &r.serial);
	if (r.ret == GW_OK)
		r.ret = gw_journal_tmp_write(j, fd, zone, compact, &r.snap_end, &r.end);
	if (r.ret == GW_OK && close(fd) != 0)
		r.ret = -errno;
	r.dropped = before - j->count;
	r.dropped_bytes = before_bytes - rec_bytes(j, 0, j->count);
	r.small_noted = j->small_noted;
	ssize_t k = write(out, &r, sizeof(r));
	if (k == (ssize_t)sizeof(r)) {
		char c;
		while (read(release, &c, 1) < 0 && errno == EINTR)
			;
	}
	/* The last descriptor of the old file, once it is replaced. */
	if (j->fd >= 0)
		close(j->fd);
	_exit(k == (ssize_t)sizeof(r) ? 0 : 1);
}

/* Let the child go: it frees the old file and ends. */
static void release_child(gw_journal_t *j)
{
	if (j->bg.release >= 0)
		close(j->bg.release);
	j->bg.release = -1;
	j->bg.writing = false;
}

/* Reap the child (killed first with kill_it); status gets how it ended. */
static void end_child(gw_journal_t *j, bool kill_it, int *status)
{
	if (kill_it)
		kill(j->bg.pid, SIGKILL);
	release_child(j);
	ev_io_stop(j->opts.loop, &j->bg.io);
	close(j->bg.io.fd);
	while (waitpid(j->bg.pid, status, 0) < 0 && errno == EINTR)
		;
	j->bg.pid = 0;
}

/* The child wrote the file: append what came since, put it in place. */
static int finish(gw_journal_t *j, const bg_result_t *r, bool *again)
{
	char tmp[4096 + 8];
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	if (r->ret != GW_OK || j->bg.stale) {
		*again = j->bg.stale;
		unlink(tmp);
		return r->ret;
	}
	/* Entries of the fork the child left out are gone; those the index
	 * dropped meanwhile are in the file before its first entry. */
	size_t in_file = j->bg.kept;
	if (r->dropped > j->bg.front) {
		size_t more = (size_t)(r->dropped - j->bg.front);
		gw_journal_drop_oldest(j, more);
		in_file -= more;
	}
	uint64_t first = r->snap_end;
	if (j->bg.front_bytes > r->dropped_bytes)
		first += j->bg.front_bytes - r->dropped_bytes;
	if (first + rec_bytes(j, 0, in_file) != r->end) {
		gw_err("journal: the file a child process wrote, %s, does not hold the diffs "
		       "expected (ends at %llu, not %llu); writing it again",
		       tmp, (unsigned long long)r->end,
		       (unsigned long long)(first + rec_bytes(j, 0, in_file)));
		*again = true;
		unlink(tmp);
		return GW_OK;
	}
	/* What came meanwhile goes on from where the file ends; a history
	 * that went on from elsewhere (a diff too large to keep, say) needs
	 * the file written anew. */
	uint32_t from = in_file < j->count ? j->entries[in_file]->from : j->serial;
	if (from != r->serial) {
		gw_debug("journal: the history moved on from serial %u during the rewrite (its "
		         "file ends at %u); again",
		         from, r->serial);
		*again = true;
		unlink(tmp);
		return GW_OK;
	}
	uint64_t end = r->end + rec_bytes(j, in_file, j->count);
	if (end > gw_journal_bound_at(j, r->snap_end)) {
		/* More came meanwhile than the new file has room for. */
		gw_debug("journal: %zu diffs came during the rewrite, too many for its room; "
		         "again",
		         j->count - in_file);
		*again = true;
		unlink(tmp);
		return GW_OK;
	}
	int fd = -1;
	int ret = gw_journal_tmp_reopen(j, &fd);
	if (ret != GW_OK) {
		unlink(tmp);
		return ret;
	}
	for (size_t i = in_file; i < j->count && ret == GW_OK; i++)
		ret = gw_journal_write_entry(fd, j->entries[i]);
	if (ret == GW_OK && in_file < j->count && fdatasync(fd) != 0)
		ret = -errno;
	if (ret != GW_OK) {
		close(fd);
		unlink(tmp);
		return ret;
	}
	j->small_noted = r->small_noted != 0;
	return gw_journal_tmp_install(j, fd, first, r->snap_end, end);
}

static void on_result(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_journal_t *j = container_of(w, gw_journal_t, bg.io);
	bg_result_t r = {0};
	bool again = false;
	bool compact = j->bg.compact;
	int status = 0;
	ssize_t k;
	(void)loop;
	(void)revents;

	do
		k = read(w->fd, &r, sizeof(r));
	while (k < 0 && errno == EINTR);
	if (!j->bg.writing) {
		/* Its end, once let go. */
		end_child(j, false, &status);
		return;
	}
	if (k != (ssize_t)sizeof(r)) {
		end_child(j, false, &status);
		/* It died without a word (killed, out of memory). */
		if (WIFSIGNALED(status))
			gw_err("journal: the process rewriting %s was killed by signal %d", j->path,
			       WTERMSIG(status));
		else
			gw_err("journal: the process rewriting %s ended (status %d) without "
			       "its result",
			       j->path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		r.ret = GW_EIO;
	}
	int ret = finish(j, &r, &again);
	release_child(j);
	if (ret == GW_OK && !again) {
		/* The entries dropped and those that went to disk were freed in
		 * small pieces among the zone's (as write.c says). */
		gw_heap_give_back();
		gw_debug("journal: %s rewritten by a child process: %llu octets, %zu diffs, "
		         "in %.1f ms",
		         j->path, (unsigned long long)j->file_size, j->count,
		         mono_ms() - j->bg.started);
	}
	gw_journal_bg_done(j, ret, again, compact);
}

int gw_journal_bg_start(gw_journal_t *j, const zone_t *zone, bool compact)
{
	int result[2] = {-1, -1};
	int release[2] = {-1, -1};
	int status = 0;
	if (j->opts.loop == NULL || j->path == NULL || gw_journal_bg_busy(j))
		return GW_EINVAL;
	/* The one before, let go and ending: wait for it (rare: rewrites
	 * are half a room of changes apart). */
	if (j->bg.pid > 0)
		end_child(j, false, &status);
	if (pipe2(result, O_CLOEXEC) != 0 || pipe2(release, O_CLOEXEC) != 0) {
		int ret = -errno;
		for (int i = 0; i < 2; i++) {
			if (result[i] >= 0)
				close(result[i]);
			if (release[i] >= 0)
				close(release[i]);
		}
		return ret;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int ret = -errno;
		for (int i = 0; i < 2; i++) {
			close(result[i]);
			close(release[i]);
		}
		return ret;
	}
	if (pid == 0) {
		close(result[0]);
		close(release[1]);
		child_run(j, zone, compact, result[1], release[0], parent);
	}
	close(result[1]);
	close(release[0]);
	j->need_rewrite = true; /* until it is done: no appends to the old file */
	j->bg.pid = pid;
	j->bg.writing = true;
	j->bg.release = release[1];
	j->bg.kept = j->count;
	j->bg.front = 0;
	j->bg.front_bytes = 0;
	j->bg.stale = false;
	j->bg.compact = compact;
	j->bg.started = mono_ms();
	ev_io_init(&j->bg.io, on_result, result[0], EV_READ);
	ev_io_start(j->opts.loop, &j->bg.io);
	return GW_OK;
}

void gw_journal_bg_dropping(gw_journal_t *j, size_t n)
{
	if (!gw_journal_bg_busy(j))
		return;
	size_t m = n < j->bg.kept ? n : j->bg.kept;
	j->bg.front_bytes += rec_bytes(j, 0, m);
	j->bg.front += m;
	j->bg.kept -= m;
}

void gw_journal_bg_stop(gw_journal_t *j)
{
	char tmp[4096 + 8];
	int status = 0;
	bool writing = gw_journal_bg_busy(j);
	if (j->bg.pid <= 0)
		return;
	end_child(j, writing, &status);
	if (!writing)
		return;
	gw_journal_tmp_path(j, tmp, sizeof(tmp));
	unlink(tmp);
}
