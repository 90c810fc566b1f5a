/* The zone files of a reload, read on a thread of their own.
 *
 * A reload used to read every zone file on the loop, twice (once to
 * check it, once to apply it): at 100 000 services (525 000 lines) the
 * daemon answered nothing for 4.5 s. Here the reading, ldns's parse and
 * the zone built from it, runs beside the loop; only the difference is
 * committed on the loop (gw_zonemgr_reload_read()).
 *
 * The thread reads nothing of the daemon's but the options copied here
 * and the strings they point at, which the configuration in force keeps
 * (a reload replaces it only once the read is done). It tells the loop
 * through an ev_async, libev's one thread-safe watcher. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/container.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/zonemgr/zonemgr.h"

typedef struct result {
	int ret;
	zone_t *zone; /* owned until taken */
	char err[512];
} result_t;

struct gw_zonemgr_read {
	struct ev_loop *loop;
	ev_async async;
	pthread_t thread;
	bool threaded;        /* thread is one (else the loop read them) */
	atomic_bool finished; /* the thread has read them all */
	bool joined;          /* the read is over and the thread joined */
	gw_zonemgr_read_done_fn done;
	void *arg;
	size_t count;
	gw_zonemgr_opts_t *opts; /* owned: copies */
	result_t *results;       /* owned: count of them */
};

static void *run(void *p)
{
	gw_zonemgr_read_t *r = p;
	for (size_t i = 0; i < r->count; i++) {
		result_t *res = &r->results[i];
		res->ret =
		    gw_zonemgr_read_static(&res->zone, &r->opts[i], res->err, sizeof(res->err));
	}
	atomic_store(&r->finished, true);
	ev_async_send(r->loop, &r->async);
	return NULL;
}

static void on_done(struct ev_loop *loop, ev_async *w, int revents)
{
	gw_zonemgr_read_t *r = container_of(w, gw_zonemgr_read_t, async);
	ev_async_stop(loop, w);
	/* The thread sent this as its last act: the join does not wait. */
	if (r->threaded)
		pthread_join(r->thread, NULL);
	r->joined = true;
	r->done(r->arg);
}

int gw_zonemgr_read_start(gw_zonemgr_read_t **out, struct ev_loop *loop,
                          const gw_zonemgr_opts_t *opts, size_t count, gw_zonemgr_read_done_fn done,
                          void *arg)
{
	gw_zonemgr_read_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return GW_ENOMEM;
	ev_async_init(&r->async, on_done);
	r->loop = loop;
	r->done = done;
	r->arg = arg;
	r->count = count;
	r->joined = true;
	r->opts = calloc(count > 0 ? count : 1, sizeof(*r->opts));
	r->results = calloc(count > 0 ? count : 1, sizeof(*r->results));
	if (r->opts == NULL || r->results == NULL) {
		gw_zonemgr_read_free(r);
		return GW_ENOMEM;
	}
	memcpy(r->opts, opts, count * sizeof(*opts));
	ev_async_start(loop, &r->async);
	/* Signals stay the loop's: the thread starts with all of them
	 * blocked. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&r->thread, NULL, run, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	r->joined = false;
	r->threaded = err == 0;
	if (err != 0) {
		/* No thread (the task limit): read on the loop, as before; the
		 * end comes through the loop all the same. */
		gw_warn("reload: no thread to read the zone files on (%s); reading them on the "
		        "loop, which answers nothing meanwhile",
		        strerror(err));
		run(r);
	}
	*out = r;
	return GW_OK;
}

int gw_zonemgr_read_take(gw_zonemgr_read_t *r, size_t i, zone_t **zone, char *err, size_t errlen)
{
	if (!r->joined || i >= r->count)
		return GW_EINVAL;
	result_t *res = &r->results[i];
	if (res->ret != GW_OK) {
		if (errlen > 0)
			snprintf(err, errlen, "%s", res->err[0] ? res->err : gw_strerror(res->ret));
		return res->ret;
	}
	*zone = res->zone;
	res->zone = NULL;
	return GW_OK;
}

void gw_zonemgr_read_free(gw_zonemgr_read_t *r)
{
	if (r == NULL)
		return;
	if (r->threaded && !r->joined) {
		/* A file that never ends (a FIFO, a hung mount) holds this
		 * join: say what is waited for. */
		if (!atomic_load(&r->finished))
			gw_notice("waiting for the zone files a reload is reading");
		pthread_join(r->thread, NULL);
	}
	ev_async_stop(r->loop, &r->async);
	for (size_t i = 0; r->results != NULL && i < r->count; i++)
		zone_free(r->results[i].zone);
	free(r->results);
	free(r->opts);
	free(r);
}
