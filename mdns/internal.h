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

/* rcvbuf.c: the receive buffers of Avahi's mDNS sockets, for a link of
 * services services: MDNS_RCVBUF_PER_SERVICE octets each (a service's
 * PTR, SRV, TXT and address records, with room for a second answer while
 * the loop is busy), within MDNS_RCVBUF_MIN..MDNS_RCVBUF_MAX. */
#define MDNS_RCVBUF_PER_SERVICE 2048
#define MDNS_RCVBUF_MIN         (256 * 1024)
#define MDNS_RCVBUF_MAX         (32 * 1024 * 1024)

/* The buffer size asked for a link of services services. */
size_t mdns_rcvbuf_for(unsigned services);

/* Ask SO_RCVBUF = want on fd; *got is what the kernel granted (at most
 * net.core.rmem_max). 0 or -errno. */
int mdns_rcvbuf_set(int fd, size_t want, size_t *got);

/* Size every mDNS socket of m's Avahi server; a grant below the ask is
 * logged once per process (info), with the sysctl that raises it. */
void mdns_rcvbuf_apply(mdns_t *m, unsigned services);

/* links.c: the link monitor. */
int mdns_links_start(mdns_t *m);
void mdns_links_stop(mdns_t *m);
