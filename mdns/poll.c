/* AvahiPoll on libev: avahi-core runs on the gateway's one loop, so all
 * mutable state stays on one thread (Avahi's threaded poll is not used).
 *
 * Timeouts are not one ev_timer each: avahi-core drives all its timed
 * work (probes, queries, responses, cache expiry) through one timeout per
 * event queue, and runs one event each time it fires before re-arming it
 * for the next one, often already due. With one libev iteration per
 * firing, every socket is polled and read between two events, so on a
 * busy link the due events pile up behind the packets that make more of
 * them. Here one ev_timer stands for the earliest deadline, and a pass
 * runs every due timeout back to back, in deadline order (those armed
 * during the pass included), up to MDNS_POLL_BATCH, before the loop
 * reads the sockets again. */
#include "mdns/poll.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/time.h>

#include "common/log.h"
#include "common/container.h"
#include "common/list.h"

struct AvahiWatch {
	ev_io io;
	mdns_poll_t *poll;
	AvahiWatchCallback callback;
	void *userdata;
	AvahiWatchEvent happened; /* what the current callback was called for */
	struct AvahiWatch *next, *prev;
};

struct AvahiTimeout {
	struct timeval when; /* absolute, wall clock (Avahi's); valid if armed */
	bool armed;
	mdns_poll_t *poll;
	AvahiTimeoutCallback callback;
	void *userdata;
	struct AvahiTimeout *next, *prev;
};

static mdns_poll_t *poll_of(const AvahiPoll *api)
{
	return container_of(api, mdns_poll_t, api);
}

static int to_ev(AvahiWatchEvent e)
{
	int ev = 0;
	if (e & AVAHI_WATCH_IN)
		ev |= EV_READ;
	if (e & AVAHI_WATCH_OUT)
		ev |= EV_WRITE;
	return ev;
}

static void on_io(struct ev_loop *loop, ev_io *io, int revents)
{
	AvahiWatch *w = container_of(io, AvahiWatch, io);
	AvahiWatchEvent e = 0;
	if (revents & EV_READ)
		e |= AVAHI_WATCH_IN;
	if (revents & EV_WRITE)
		e |= AVAHI_WATCH_OUT;
	if (revents & EV_ERROR)
		e |= AVAHI_WATCH_ERR;
	w->happened = e;
	/* The callback may free w (watch_free is allowed inside it). */
	w->callback(w, io->fd, e, w->userdata);
}

static AvahiWatch *watch_new(const AvahiPoll *api, int fd, AvahiWatchEvent event,
                             AvahiWatchCallback callback, void *userdata)
{
	mdns_poll_t *p = poll_of(api);
	AvahiWatch *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->poll = p;
	w->callback = callback;
	w->userdata = userdata;
	ev_io_init(&w->io, on_io, fd, to_ev(event));
	if (to_ev(event) != 0)
		ev_io_start(p->loop, &w->io);
	GW_DLIST_PUSH(p->watches, w, prev, next);
	return w;
}

static void watch_update(AvahiWatch *w, AvahiWatchEvent event)
{
	struct ev_loop *loop = w->poll->loop;
	ev_io_stop(loop, &w->io);
	ev_io_set(&w->io, w->io.fd, to_ev(event));
	if (to_ev(event) != 0)
		ev_io_start(loop, &w->io);
}

static AvahiWatchEvent watch_get_events(AvahiWatch *w)
{
	return w->happened;
}

static void watch_free(AvahiWatch *w)
{
	mdns_poll_t *p = w->poll;
	ev_io_stop(p->loop, &w->io);
	GW_DLIST_UNLINK(p->watches, w, prev, next);
	free(w);
}

static int tv_cmp(const struct timeval *a, const struct timeval *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	if (a->tv_usec != b->tv_usec)
		return a->tv_usec < b->tv_usec ? -1 : 1;
	return 0;
}

/* The armed timeout with the earliest deadline (the first armed of equal
 * ones, as the list goes), or NULL. Avahi keeps a handful of timeouts
 * open, so a scan costs less than keeping them ordered. */
static AvahiTimeout *earliest(const mdns_poll_t *p)
{
	AvahiTimeout *best = NULL;
	for (AvahiTimeout *t = p->timeouts; t != NULL; t = t->next) {
		if (t->armed && (best == NULL || tv_cmp(&t->when, &best->when) < 0))
			best = t;
	}
	return best;
}

/* Point the loop's timer at the earliest deadline. Avahi gives absolute
 * wall-clock times (gettimeofday); libev timers are relative on the
 * monotonic clock. */
static void schedule(mdns_poll_t *p)
{
	ev_timer_stop(p->loop, &p->due);
	AvahiTimeout *t = earliest(p);
	if (t == NULL)
		return;
	struct timeval now;
	gettimeofday(&now, NULL);
	double delay =
	    (double)(t->when.tv_sec - now.tv_sec) + (double)(t->when.tv_usec - now.tv_usec) / 1e6;
	if (delay < 0)
		delay = 0;
	ev_timer_set(&p->due, delay, 0.);
	ev_timer_start(p->loop, &p->due);
}

static void on_due(struct ev_loop *loop, ev_timer *timer, int revents)
{
	(void)loop;
	(void)revents;
	mdns_poll_t *p = container_of(timer, mdns_poll_t, due);
	p->in_pass = true;
	/* The clock is read again after each callback: a timeout a callback
	 * arms for "now" is due in this pass, after those due before it. */
	for (unsigned n = 0; n < MDNS_POLL_BATCH; n++) {
		AvahiTimeout *t = earliest(p);
		struct timeval now;
		gettimeofday(&now, NULL);
		if (t == NULL || tv_cmp(&t->when, &now) > 0)
			break;
		/* Avahi's contract: a timeout fires once, then stays disabled
		 * until timeout_update(). The callback may update or free t,
		 * or any other timeout. */
		t->armed = false;
		t->callback(t, t->userdata);
	}
	p->in_pass = false;
	schedule(p);
}

static void arm(AvahiTimeout *t, const struct timeval *tv)
{
	t->armed = tv != NULL;
	if (tv != NULL)
		t->when = *tv;
	/* Inside a pass, on_due() reschedules when it is done. */
	if (!t->poll->in_pass)
		schedule(t->poll);
}

static AvahiTimeout *timeout_new(const AvahiPoll *api, const struct timeval *tv,
                                 AvahiTimeoutCallback callback, void *userdata)
{
	mdns_poll_t *p = poll_of(api);
	AvahiTimeout *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->poll = p;
	t->callback = callback;
	t->userdata = userdata;
	GW_DLIST_PUSH(p->timeouts, t, prev, next);
	arm(t, tv);
	return t;
}

static void timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
	arm(t, tv);
}

static void timeout_free(AvahiTimeout *t)
{
	mdns_poll_t *p = t->poll;
	GW_DLIST_UNLINK(p->timeouts, t, prev, next);
	free(t);
	if (!p->in_pass)
		schedule(p);
}

void mdns_poll_init(mdns_poll_t *p, struct ev_loop *loop)
{
	p->loop = loop;
	p->watches = NULL;
	p->timeouts = NULL;
	p->api.userdata = p;
	p->api.watch_new = watch_new;
	p->api.watch_update = watch_update;
	p->api.watch_get_events = watch_get_events;
	p->api.watch_free = watch_free;
	p->api.timeout_new = timeout_new;
	p->api.timeout_update = timeout_update;
	p->api.timeout_free = timeout_free;
	p->in_pass = false;
	ev_timer_init(&p->due, on_due, 0., 0.);
	/* Before the sockets' watchers of the same iteration. */
	ev_set_priority(&p->due, EV_MAXPRI);
}

size_t mdns_poll_fds(const mdns_poll_t *p, int *fds, size_t max)
{
	size_t n = 0;
	for (const AvahiWatch *w = p->watches; w != NULL; w = w->next) {
		if (n < max)
			fds[n] = w->io.fd;
		n++;
	}
	return n;
}

void mdns_poll_deinit(mdns_poll_t *p)
{
	/* Avahi frees its watches when the server is freed; anything left
	 * here is a leak in the caller's order of teardown, and is reclaimed. */
	while (p->watches != NULL) {
		gw_debug("mdns: freeing a watch Avahi left open");
		watch_free(p->watches);
	}
	while (p->timeouts != NULL) {
		gw_debug("mdns: freeing a timeout Avahi left open");
		timeout_free(p->timeouts);
	}
	ev_timer_stop(p->loop, &p->due);
}
