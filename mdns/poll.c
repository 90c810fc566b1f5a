/* AvahiPoll on libev: avahi-core runs on the gateway's one loop, so all
 * mutable state stays on one thread (Avahi's threaded poll is not used). */
#include "mdns/poll.h"

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
	ev_timer timer;
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

static void on_timer(struct ev_loop *loop, ev_timer *timer, int revents)
{
	AvahiTimeout *t = container_of(timer, AvahiTimeout, timer);
	/* Avahi's contract: a timeout fires once, then stays disabled until
	 * timeout_update(); ev_timer without repeat does exactly that. */
	t->callback(t, t->userdata);
}

/* Avahi gives absolute wall-clock times (gettimeofday); libev timers are
 * relative on the monotonic clock. */
static void arm(AvahiTimeout *t, const struct timeval *tv)
{
	struct ev_loop *loop = t->poll->loop;
	ev_timer_stop(loop, &t->timer);
	if (tv == NULL)
		return;
	struct timeval now;
	gettimeofday(&now, NULL);
	double delay =
	    (double)(tv->tv_sec - now.tv_sec) + (double)(tv->tv_usec - now.tv_usec) / 1e6;
	if (delay < 0)
		delay = 0;
	ev_timer_set(&t->timer, delay, 0.);
	ev_timer_start(loop, &t->timer);
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
	ev_timer_init(&t->timer, on_timer, 0., 0.);
	arm(t, tv);
	GW_DLIST_PUSH(p->timeouts, t, prev, next);
	return t;
}

static void timeout_update(AvahiTimeout *t, const struct timeval *tv)
{
	arm(t, tv);
}

static void timeout_free(AvahiTimeout *t)
{
	mdns_poll_t *p = t->poll;
	ev_timer_stop(p->loop, &t->timer);
	GW_DLIST_UNLINK(p->timeouts, t, prev, next);
	free(t);
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
}
