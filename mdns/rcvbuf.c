/* Receive buffers of avahi-core's mDNS sockets, sized for the link.
 *
 * Avahi leaves them at the kernel's default (208 KiB on Debian), which a
 * link of thousands of services overruns: when the devices answer one
 * query together, or all announce after a power cut, the datagrams come
 * faster than one loop reads them, and what does not fit is dropped
 * (UDP RcvbufErrors), to be learnt only from later queries. Avahi makes
 * the sockets itself and does not expose them; they are the UDP sockets
 * on port 5353 among those it asks the loop to watch. */
#include "mdns/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"

#define MDNS_PORT 5353

size_t mdns_rcvbuf_for(unsigned services)
{
	size_t want = (size_t)services * MDNS_RCVBUF_PER_SERVICE;
	if (want < MDNS_RCVBUF_MIN)
		return MDNS_RCVBUF_MIN;
	if (want > MDNS_RCVBUF_MAX)
		return MDNS_RCVBUF_MAX;
	return want;
}

int mdns_rcvbuf_set(int fd, size_t want, size_t *got)
{
	int v = (int)want;
	socklen_t len = sizeof(v);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) != 0)
		return -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len) != 0)
		return -errno;
	/* Linux reports twice what it grants, the rest being its own
	 * bookkeeping (socket(7)); the grant is at most net.core.rmem_max. */
	*got = v > 0 ? (size_t)v / 2 : 0;
	return 0;
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

void mdns_rcvbuf_apply(mdns_t *m, unsigned services)
{
	/* Said once per process: on a stock kernel the limit is the same at
	 * every start and every restart of discovery. */
	static bool told;
	int fds[16];
	size_t n = mdns_poll_fds(&m->poll, fds, sizeof(fds) / sizeof(fds[0]));
	if (n > sizeof(fds) / sizeof(fds[0]))
		n = sizeof(fds) / sizeof(fds[0]);
	size_t want = mdns_rcvbuf_for(services);
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
		gw_debug("mdns: mDNS socket %d: receive buffer %zu KiB (asked %zu KiB)", fds[i],
		         got / 1024, want / 1024);
		if (got < want && !told) {
			told = true;
			gw_info(
			    "mdns: the kernel gave the mDNS sockets %zu KiB of receive buffer, "
			    "not the %zu KiB asked for %u services per link; a burst from a big "
			    "link may be dropped: raise the limit with sysctl "
			    "net.core.rmem_max=%zu (see mdns.md, \"Big links\")",
			    got / 1024, want / 1024, services, want);
		}
	}
}
