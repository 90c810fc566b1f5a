/* Internal to mdns/: the AvahiPoll adapter on libev watchers. */
#pragma once

#include <ev.h>

#include <avahi-common/watch.h>

typedef struct mdns_poll {
	AvahiPoll api;                 /* handed to avahi_server_new(); points back here */
	struct ev_loop *loop;          /* borrowed */
	struct AvahiWatch *watches;    /* owned: every open I/O watch */
	struct AvahiTimeout *timeouts; /* owned: every open timeout */
} mdns_poll_t;

/* Fill p (caller storage) for loop. Cannot fail. */
void mdns_poll_init(mdns_poll_t *p, struct ev_loop *loop);

/* Stop and free whatever Avahi left open; call after avahi_server_free. */
void mdns_poll_deinit(mdns_poll_t *p);
