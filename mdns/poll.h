/* Internal to mdns/: the AvahiPoll adapter on libev watchers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <ev.h>

#include <avahi-common/watch.h>

/* Due Avahi timeouts run at most this many times in one pass of the loop
 * before the sockets are read again, so that a timeout that keeps
 * re-arming itself for "now" cannot starve the rest of the loop. */
#define MDNS_POLL_BATCH 1024

typedef struct mdns_poll {
	AvahiPoll api;                 /* handed to avahi_server_new(); points back here */
	struct ev_loop *loop;          /* borrowed */
	struct AvahiWatch *watches;    /* owned: every open I/O watch */
	struct AvahiTimeout *timeouts; /* owned: every open timeout */
	ev_timer due;                  /* at the earliest armed timeout */
	bool in_pass;                  /* running due timeouts: reschedule after */
} mdns_poll_t;

/* Fill p (caller storage) for loop. Cannot fail. */
void mdns_poll_init(mdns_poll_t *p, struct ev_loop *loop);

/* Stop and free whatever Avahi left open; call after avahi_server_free. */
void mdns_poll_deinit(mdns_poll_t *p);

/* The file descriptors Avahi watches (its mDNS sockets, its netlink
 * socket), into fds (room for max). Returns how many there are, which may
 * exceed max (then only max are written). Borrowed: Avahi owns them. */
size_t mdns_poll_fds(const mdns_poll_t *p, int *fds, size_t max);
