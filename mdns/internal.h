/* Internal to mdns/: the state shared by browse.c and links.c. */
#pragma once

#include <net/if.h>

#include <avahi-core/core.h>

#include "mdns/mdns.h"
#include "mdns/poll.h"

typedef struct mdns_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	bool up;
} mdns_iface_t;

struct mdns {
	struct ev_loop *loop; /* borrowed */
	mdns_poll_t poll;
	AvahiServer *server; /* owned */
	mdns_opts_t opts;    /* interfaces points to ifnames */
	char **ifnames;      /* owned: copies of opts->interfaces */
	int ctl_fd;          /* owned: for SIOCGIFFLAGS */
	int nl_fd;           /* owned: rtnetlink link notifications, -1 before start */
	ev_io nl_io;
	mdns_iface_t *ifaces; /* owned: interfaces seen at the last scan */
	size_t iface_count;
	struct mdns_watch *watches; /* owned: every open watch */
};

/* links.c: the link monitor. */
int mdns_links_start(mdns_t *m);
void mdns_links_stop(mdns_t *m);
