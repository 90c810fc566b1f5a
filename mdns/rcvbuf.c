/* Receive buffers of avahi-core's mDNS sockets, sized for the links.
 *
 * Avahi leaves them at the kernel's default (208 KiB on Debian), which
 * links of thousands of services overrun: when the devices answer one
 * query together, or all announce after a power cut, the datagrams come
 * faster than one loop reads them, and what does not fit is dropped
 * (UDP RcvbufErrors), to be learnt only from later queries. Avahi reads
 * every link through one socket per address family, so the bursts of all
 * the links meet in one buffer: it is sized for the links up, and grown
 * when more come up. Avahi makes the sockets itself and does not expose
 * them; they are the UDP sockets on port 5353 among those it asks the
 * loop to watch. */
#include "mdns/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/str_table.h"

#define MDNS_PORT 5353

size_t mdns_rcvbuf_for(unsigned services, size_t links)
{
	/* Compared before multiplying: the product of two counts must not
	 * wrap into a small buffer. MDNS_RCVBUF_MAX is a whole number of
	 * services, so the test is exact. */
	size_t most = MDNS_RCVBUF_MAX / MDNS_RCVBUF_PER_SERVICE;
	if (links > 0 && services > most / links)
		return MDNS_RCVBUF_MAX;
	size_t want = (size_t)services * links * MDNS_RCVBUF_PER_SERVICE;
	return want < MDNS_RCVBUF_MIN ? MDNS_RCVBUF_MIN : want;
}

static int granted(int fd, size_t *got)
{
	int v = 0;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) != 0)
		return -errno;
	/* Linux reports twice what it grants, the rest being its own
	 * bookkeeping (socket(7)); the grant is at most net.core.rmem_max. */
	*got = v > 0 ? (size_t)v / 2 : 0;
	return 0;
}

int mdns_rcvbuf_set(int fd, size_t want, size_t *got)
{
	/* Asking less than the socket has would shrink it: what was granted
	 * while running stays. (Only a net.core.rmem_max lowered since below
	 * the grant could still make a larger ask shrink it.) */
	int ret = granted(fd, got);
	if (ret != 0 || *got >= want)
		return ret;
	/* Linux takes at most INT_MAX / 2, which it then doubles. */
	int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0)
		return -errno;
	return granted(fd, got);
}

/* A UDP socket bound to the mDNS port: one of Avahi's mDNS sockets (its
 * other watched descriptor is a netlink socket). */
static bool is_mdns_socket(int fd)
{
	int type = 0;
	socklen_t len = sizeof(type);
	struct sockaddr_storage ss;
	socklen_t slen = sizeof(ss);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_DGRAM)
		return false;
	if (getsockname(fd, (struct sockaddr *)&ss, &slen) != 0)
		return false;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port) == MDNS_PORT;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) == MDNS_PORT;
	return false;
}

void mdns_rcvbuf_apply(mdns_t *m, size_t links)
{
	/* The largest ask the kernel was said to refuse, for the process: on
	 * a stock kernel the limit is the same at every start and restart of
	 * discovery, so it is said once, and again only when more links ask
	 * more than the sysctl already given. */
	static size_t told;
	int fds[16];
	if (links == 0)
		links = 1;
	if (links <= m->rcvbuf_links)
		return;
	m->rcvbuf_links = links;
	size_t n = mdns_poll_fds(&m->poll, fds, sizeof(fds) / sizeof(fds[0]));
	if (n > sizeof(fds) / sizeof(fds[0]))
		n = sizeof(fds) / sizeof(fds[0]);
	unsigned services = m->opts.services_per_link;
	size_t want = mdns_rcvbuf_for(services, links);
	for (size_t i = 0; i < n; i++) {
		if (!is_mdns_socket(fds[i]))
			continue;
		size_t got = 0;
		int ret = mdns_rcvbuf_set(fds[i], want, &got);
		if (ret != 0) {
			gw_warn("mdns: cannot size an mDNS socket's receive buffer: %s",
			        strerror(-ret));
			continue;
		}
		gw_debug(
		    "mdns: mDNS socket %d: receive buffer %zu KiB (asked %zu KiB for %zu link%s)",
		    fds[i], got / 1024, want / 1024, links, gw_plural_s((long long)links));
		if (got < want && want > told) {
			told = want;
			gw_info("mdns: the kernel gave the mDNS sockets %zu KiB of receive buffer, "
			        "not the %zu KiB asked for %zu link%s of %u services; a burst from "
			        "the links may be dropped: raise the limit with sysctl "
			        "net.core.rmem_max=%zu (see mdns.md, \"Big links\")",
			        got / 1024, want / 1024, links, gw_plural_s((long long)links),
			        services, want);
		}
	}
}
