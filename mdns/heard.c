/* Service types heard in the links' announcements.
 *
 * The mirror learns a link's service types from
 * _services._dns-sd._udp.local, which Avahi asks again at intervals that
 * double up to an hour (RFC 6762 5.2). A responder that announces that
 * record with its service (mDNSResponder, Avahi) is heard at once; one
 * that only answers it when asked (python-zeroconf, the stack of many
 * appliances) is not: a device of a type new on the link waited for the
 * next enumeration query, up to an hour after the gateway started. The
 * announcement of the service's own PTR (<_type>.<_tcp|_udp>.local, or a
 * subtype of it) always goes out, so this socket reads the IPv4 mDNS
 * traffic beside Avahi's and tells the mirror every type a response
 * names; the mirror browses the ones it does not know yet, within its
 * limits, and Avahi's cache, which keeps every record it received, answers
 * that browse at once.
 *
 * The socket is bound to the mDNS group address, not to the wildcard: the
 * kernel hands it multicast datagrams only, so it never takes a unicast
 * answer meant for Avahi's socket. Parsing is bounded: at most
 * MDNS_HEARD_RATE responses a second, every link together, and
 * MDNS_HEARD_RATE_LINK of one link, are read into ldns (1 us for a
 * service's announcement, some 35 for a packet of 7000 octets), the rest
 * are read and dropped (a flood costs Avahi far more), and a packet names
 * at most MDNS_HEARD_PER_PACKET types. IPv4 only: every stack that leaves the
 * enumeration unannounced also speaks IPv4 on a dual-stack link, and one
 * socket serves every link (IPv6 would need one per interface: ff02::fb
 * is link-scoped). */
#include "mdns/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "common/container.h"
#include "zones/zone.h"

#define MDNS_PORT 5353

/* 224.0.0.251 (RFC 6762 3), host order. */
#define MDNS_GROUP4 0xe00000fbU

/* Whether types (count of them) holds name, without letter case. */
static bool seen(const uint8_t (*types)[MDNS_NAME_MAX], size_t count, const uint8_t *name)
{
	for (size_t i = 0; i < count; i++) {
		if (zone_name_equal(types[i], name))
			return true;
	}
	return false;
}

/* The type a PTR's owner names: itself (a type) or the base type of a
 * subtype browse name; NULL for anything else. */
static const uint8_t *type_of(const uint8_t *owner)
{
	switch (mdns_name_kind(owner)) {
	case MDNS_NAME_TYPE:
		return owner;
	case MDNS_NAME_SUBTYPE:
		return mdns_name_skip(owner, 2);
	default:
		return NULL;
	}
}

/* Add the type rr names, if any and not in types yet; the new count. */
static size_t type_of_rr(const ldns_rr *rr, uint8_t (*types)[MDNS_NAME_MAX], size_t count)
{
	/* A goodbye (TTL 0) says a type is going, not coming. */
	if (count >= MDNS_HEARD_PER_PACKET || ldns_rr_get_type(rr) != LDNS_RR_TYPE_PTR ||
	    ldns_rr_ttl(rr) == 0)
		return count;
	/* The top bit of the class is mDNS's cache flush (RFC 6762 10.2). */
	if ((ldns_rr_get_class(rr) & 0x7fff) != LDNS_RR_CLASS_IN)
		return count;
	const ldns_rdf *owner = ldns_rr_owner(rr);
	size_t len = ldns_rdf_size(owner);
	const uint8_t *data = ldns_rdf_data(owner);
	if (len > MDNS_NAME_MAX || zone_name_len(data, len) != (int)len)
		return count;
	const uint8_t *type = type_of(data);
	if (type == NULL || seen((const uint8_t(*)[MDNS_NAME_MAX])types, count, type))
		return count;
	int tlen = zone_name_len(type, len);
	memcpy(types[count++], type, (size_t)tlen);
	return count;
}

int mdns_heard_types(const uint8_t *pkt, size_t len, uint8_t (*types)[MDNS_NAME_MAX])
{
	if (len > MDNS_RDATA_MAX || len < DNS_HEADER_LEN)
		return GW_EMALFORMED;
	/* Responses only: a query's known answers (RFC 6762 7.1) are what
	 * the asker has heard already, from anyone. QR, opcode QUERY,
	 * rcode NOERROR. */
	bool response = (pkt[2] & 0xf8) == 0x80 && (pkt[3] & 0x0f) == 0;
	/* Record by record (ldns_wire2rr()), not the message at once
	 * (ldns_wire2pkt()): that keeps the last TSIG record aside, leaks any
	 * before it and stops a record short for each, and a device on the
	 * link may send packets full of them (100 KB leaked for each of 9000
	 * octets). It is also a fifth to a quarter faster (no lists built),
	 * where zone_pkt_read()'s walk before ldns_wire2pkt() took twice the
	 * time. A record that does not read refuses the whole packet. */
	size_t pos = DNS_HEADER_LEN, count = 0;
	for (int section = LDNS_SECTION_QUESTION; section <= LDNS_SECTION_ADDITIONAL; section++) {
		size_t records = ldns_read_uint16(pkt + 4 + 2 * section);
		for (size_t i = 0; i < records; i++) {
			ldns_rr *rr = NULL;
			if (ldns_wire2rr(&rr, pkt, len, &pos, (ldns_pkt_section)section) !=
			    LDNS_STATUS_OK)
				return GW_EMALFORMED;
			if (response &&
			    (section == LDNS_SECTION_ANSWER || section == LDNS_SECTION_ADDITIONAL))
				count = type_of_rr(rr, types, count);
			ldns_rr_free(rr);
		}
	}
	return (int)count;
}

/* The interface a datagram came in on (IP_PKTINFO), or 0. */
static int ifindex_of(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return pi.ipi_ifindex;
		}
	}
	return 0;
}

bool mdns_heard_budget(mdns_t *m, int ifindex)
{
	mdns_iface_t *link = NULL;
	for (size_t i = 0; i < m->iface_count && link == NULL; i++) {
		if (m->ifaces[i].ifindex == ifindex)
			link = &m->ifaces[i];
	}
	if (link == NULL)
		return false;
	ev_tstamp now = ev_now(m->loop);
	if (now - m->heard_window >= 1.0) {
		m->heard_window = now;
		m->heard_count = 0;
	}
	if (now - link->heard_window >= 1.0) {
		link->heard_window = now;
		link->heard_count = 0;
	}
	if (m->heard_count >= MDNS_HEARD_RATE || link->heard_count >= MDNS_HEARD_RATE_LINK)
		return false;
	m->heard_count++;
	link->heard_count++;
	return true;
}

static void on_heard(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	mdns_t *m = container_of(w, mdns_t, heard_io);
	static uint8_t buf[MDNS_RDATA_MAX];
	uint8_t types[MDNS_HEARD_PER_PACKET][MDNS_NAME_MAX];
	/* A bounded batch per wake-up, so that a flood here cannot starve
	 * the loop's other work; the rest waits for the next turn. */
	for (int i = 0; i < 64; i++) {
		union {
			struct cmsghdr align;
			uint8_t data[CMSG_SPACE(sizeof(struct in_pktinfo))];
		} control;
		struct sockaddr_in from;
		struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
		struct msghdr msg = {
		    .msg_name = &from,
		    .msg_namelen = sizeof(from),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = control.data,
		    .msg_controllen = sizeof(control.data),
		};
		ssize_t n = recvmsg(m->heard_fd, &msg, MSG_DONTWAIT);
		if (n < 0)
			return; /* EAGAIN, or nothing this socket can do about it */
		/* Responses come from port 5353 (RFC 6762 6, 11); a truncated
		 * datagram is not parsed. */
		int ifindex = ifindex_of(&msg);
		if (ifindex <= 0 || (msg.msg_flags & MSG_TRUNC) ||
		    ntohs(from.sin_port) != MDNS_PORT)
			continue;
		/* Queries (ours looped back among them) and responses without
		 * answers name no type: not worth the budget. */
		if (n < DNS_HEADER_LEN || !(buf[2] & 0x80) ||
		    (buf[6] == 0 && buf[7] == 0 && buf[10] == 0 && buf[11] == 0))
			continue;
		if (!mdns_heard_budget(m, ifindex))
			continue;
		int count = mdns_heard_types(buf, (size_t)n, types);
		for (int k = 0; k < count; k++)
			m->opts.on_type(m->opts.arg, ifindex, types[k]);
	}
}

int mdns_heard_start(mdns_t *m)
{
	int yes = 1, no = 0;
	struct sockaddr_in sa = {
	    .sin_family = AF_INET,
	    .sin_port = htons(MDNS_PORT),
	    .sin_addr.s_addr = htonl(MDNS_GROUP4),
	};
	if (m->opts.on_type == NULL || !m->opts.ipv4)
		return GW_OK;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &yes, sizeof(yes)) != 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &no, sizeof(no)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int ret = -errno;
		gw_warn("mdns: cannot listen to announcements of new service types (%s); a type "
		        "new on a link is found when Avahi next asks for the link's types, up "
		        "to an hour later",
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	m->heard_fd = fd;
	ev_io_init(&m->heard_io, on_heard, fd, EV_READ);
	ev_io_start(m->loop, &m->heard_io);
	return GW_OK;
}

void mdns_heard_join(mdns_t *m, int ifindex, bool join)
{
	if (m->heard_fd < 0)
		return;
	struct ip_mreqn mr = {
	    .imr_multiaddr.s_addr = htonl(MDNS_GROUP4),
	    .imr_ifindex = ifindex,
	};
	/* Leaving an interface that is gone fails, harmlessly: the kernel
	 * dropped its memberships with it. */
	if (setsockopt(m->heard_fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mr,
	               sizeof(mr)) == 0 ||
	    !join)
		return;
	/* The kernel's limit on one socket's groups: Avahi's socket has it
	 * too, which matters far more; said once for the scan, by
	 * mdns_heard_check_limit(). */
	if (errno == ENOBUFS) {
		m->heard_limited = true;
		return;
	}
	gw_warn("mdns: cannot listen to announcements on interface %d: %s; its new "
	        "service types are found when Avahi next asks for them",
	        ifindex, strerror(errno));
}

/* The limit as the kernel has it, for the warning; 0 when it cannot be
 * read (the packaged unit hides /proc/sys). */
static long memberships_now(void)
{
	long v = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/igmp_max_memberships", "re");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%ld", &v) != 1 || v < 0)
		v = 0;
	fclose(f);
	return v;
}

void mdns_heard_check_limit(mdns_t *m, size_t up)
{
	/* Links up when it was last said, for the process: a restart of
	 * discovery (a reload) meets the same limit with the same links. */
	static size_t told;
	if (!m->heard_limited)
		return;
	m->heard_limited = false;
	if (up <= told)
		return;
	told = up;
	long now = memberships_now();
	char limit[48] = "";
	if (now > 0)
		snprintf(limit, sizeof(limit), ", now %ld", now);
	gw_warn("mdns: %zu links are up, more than the kernel lets one socket join the mDNS "
	        "group on (sysctl net.ipv4.igmp_max_memberships%s): Avahi's IPv4 socket meets "
	        "the same limit, so IPv4 mDNS is not heard on some links and a device there "
	        "with IPv4 only is not mirrored; raise it (sysctl -w "
	        "net.ipv4.igmp_max_memberships=%d) and restart the daemon (see mdns.md, "
	        "\"Many links\")",
	        up, limit, MDNS_MEMBERSHIPS_WANT);
}

void mdns_heard_stop(mdns_t *m)
{
	if (m->heard_fd < 0)
		return;
	ev_io_stop(m->loop, &m->heard_io);
	close(m->heard_fd);
	m->heard_fd = -1;
}
