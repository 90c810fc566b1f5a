/* Internal to mdns/: the state shared by browse.c and links.c, and seen
 * by its unit tests. */
#pragma once

#include <net/if.h>

#include <avahi-core/core.h>
#include <avahi-core/lookup.h>

#include "mdns/mdns.h"
#include "mdns/poll.h"

typedef struct mdns_iface {
	int ifindex;
	char name[IF_NAMESIZE];
	bool up;
	/* heard.c: this second's parse budget of the link (starts again with
	 * each scan of the interfaces). */
	ev_tstamp heard_window;
	unsigned heard_count;
} mdns_iface_t;

/* Seconds a freed watch's browser waits to be freed with the others freed
 * meanwhile (browse.c, mdns_watch_free()). */
#define MDNS_REAP_DELAY 0.25

struct mdns_watch {
	struct mdns *m;
	AvahiSRecordBrowser *browser; /* owned */
	uint16_t type;
	bool dead; /* freed by the caller, on m->dead: reports nothing */
	struct mdns_watch *next, *prev;
	/* Avahi's text form, for the logs: sized to the name, since a mirror
	 * keeps a watch per (name, type) it follows, two per service or more
	 * (a full-size buffer made them 22 MB of a 10k-service mirror). */
	char name[];
};

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
	/* Owned: watches freed by the caller whose Avahi browsers wait for
	 * reap, which frees them together (browse.c, mdns_watch_free()). */
	struct mdns_watch *dead;
	ev_timer reap;
	/* Links the mDNS sockets' receive buffers are sized for: the most
	 * seen up at once (rcvbuf.c), so that they never shrink. */
	size_t rcvbuf_links;
	/* heard.c: the listener for service types announced, -1 when off,
	 * and this second's parse budget. */
	int heard_fd;
	ev_io heard_io;
	ev_tstamp heard_window;
	unsigned heard_count;
	/* heard.c: a join refused since the last scan for the kernel's limit
	 * on one socket's groups (ENOBUFS), said once per scan at most. */
	bool heard_limited;
};

/* rcvbuf.c: the receive buffers of Avahi's mDNS sockets. Avahi reads
 * every link through one socket per address family, so a buffer must
 * hold the bursts of all the links at once: MDNS_RCVBUF_PER_SERVICE
 * octets for each service of each link (a service's PTR, SRV, TXT and
 * address records, with room for a second answer while the loop is
 * busy), within MDNS_RCVBUF_MIN..MDNS_RCVBUF_MAX.
 *
 * The cap is MDNS_LINKS_MAX links of 512 services: 200 links of 500
 * services (195 MiB) fit under it. It is a limit on what the kernel may
 * queue, not memory taken up front, and the kernel grants at most
 * net.core.rmem_max of it; it stays well below INT_MAX / 2, the most
 * Linux accepts in SO_RCVBUF's int. */
#define MDNS_RCVBUF_PER_SERVICE 2048
#define MDNS_RCVBUF_MIN         (256 * 1024)
#define MDNS_RCVBUF_MAX         ((size_t)MDNS_LINKS_MAX * 512 * MDNS_RCVBUF_PER_SERVICE)

/* The buffer size asked for links links of services services each,
 * clamped; never wraps, whatever the counts. */
size_t mdns_rcvbuf_for(unsigned services, size_t links);

/* Ask SO_RCVBUF = want on fd, unless the kernel grants it want or more
 * already: the buffer never shrinks. *got is what fd has then (at most
 * net.core.rmem_max, or what it had). 0 or -errno. */
int mdns_rcvbuf_set(int fd, size_t want, size_t *got);

/* Size every mDNS socket of m's Avahi server for links links up (at
 * least one) of m->opts.services_per_link services, when that is more
 * links than they are sized for (m->rcvbuf_links); fewer links change
 * nothing. A grant below the ask is logged (info) with the sysctl that
 * raises it, once per process for each larger ask. */
void mdns_rcvbuf_apply(mdns_t *m, size_t links);

/* heard.c: responses parsed for service types a second at most, every
 * link together (a few microseconds each: a few ms of CPU a second at
 * most, where Avahi spends far more on the same packets). */
#define MDNS_HEARD_RATE 1000
/* The same for one link, so that a device flooding its link cannot take
 * the budget of the others. */
#define MDNS_HEARD_RATE_LINK 250

/* Whether a response on interface ifindex may be parsed now: a link of
 * ours (m->ifaces) with budget left, in all and its own; counts it. */
bool mdns_heard_budget(mdns_t *m, int ifindex);

/* Start listening (when opts.on_type is set and IPv4 is on); a failure is
 * logged and leaves it off, which costs only the delay it removes.
 * Join or leave the group on an interface as it goes up or down. */
int mdns_heard_start(mdns_t *m);
void mdns_heard_join(mdns_t *m, int ifindex, bool join);
void mdns_heard_stop(mdns_t *m);

/* The value of net.ipv4.igmp_max_memberships the warning below asks for:
 * a membership for each of the MDNS_LINKS_MAX links the gateway follows,
 * and the loopback, which Avahi also joins when no links are configured,
 * with room to spare. */
#define MDNS_MEMBERSHIPS_WANT 512

/* After a scan that brought links up: when a join was refused for the
 * kernel's limit on the groups one socket joins (ENOBUFS), say so once,
 * as a warning with the sysctl that raises it (once per process, and
 * again only when more links are up than when it was said). Avahi's IPv4
 * socket joins the same group on every link and meets the same limit,
 * so past it IPv4 mDNS is not heard on some links at all. up: the links
 * up now. */
void mdns_heard_check_limit(mdns_t *m, size_t up);

/* links.c: the link monitor. */
int mdns_links_start(mdns_t *m);
void mdns_links_stop(mdns_t *m);
