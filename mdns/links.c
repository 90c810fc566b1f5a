/* Which links are up: a scan of the interfaces (if_nameindex and their
 * flags), repeated whenever rtnetlink says a link changed. A link is up
 * when IFF_UP and IFF_RUNNING (carrier) are both set, the same rule Avahi
 * is given (use_iff_running), so that both agree on when a link is lost. */
#include "mdns/internal.h"

#include <errno.h>
#include <stddef.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/container.h"

static bool flags_of(const mdns_t *m, const char *name, short *flags)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(m->ctl_fd, SIOCGIFFLAGS, &ifr) != 0)
		return false;
	*flags = ifr.ifr_flags;
	return true;
}

bool mdns_link_is_up(const mdns_t *m, int ifindex)
{
	char name[IF_NAMESIZE];
	short flags = 0;
	if (if_indextoname((unsigned)ifindex, name) == NULL || !flags_of(m, name, &flags))
		return false;
	return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

static bool wanted(const mdns_t *m, const char *name, short flags)
{
	/* Avahi's own rule for a usable interface, so that both agree. */
	if (m->opts.interface_count == 0)
		return (flags & IFF_MULTICAST) && !(flags & IFF_LOOPBACK) &&
		       !(flags & IFF_POINTOPOINT);
	for (size_t i = 0; i < m->opts.interface_count; i++) {
		if (strcmp(m->opts.interfaces[i], name) == 0)
			return true;
	}
	return false;
}

static const mdns_iface_t *find(const mdns_iface_t *list, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i].ifindex == ifindex)
			return &list[i];
	}
	return NULL;
}

/* Compare the interfaces now with the last scan and report the changes:
 * downs first, so that a renamed or re-created interface is never up
 * twice. */
static void scan(mdns_t *m)
{
	struct if_nameindex *ni = if_nameindex();
	if (ni == NULL) {
		gw_warn("mdns: cannot list interfaces: %s", strerror(errno));
		return;
	}
	size_t n = 0;
	for (struct if_nameindex *p = ni; p->if_index != 0; p++)
		n++;
	mdns_iface_t *now = calloc(n > 0 ? n : 1, sizeof(*now));
	if (now == NULL) {
		if_freenameindex(ni);
		gw_warn("mdns: out of memory while scanning interfaces");
		return;
	}
	size_t k = 0;
	for (struct if_nameindex *p = ni; p->if_index != 0; p++) {
		short flags = 0;
		if (!flags_of(m, p->if_name, &flags) || !wanted(m, p->if_name, flags))
			continue;
		now[k].ifindex = (int)p->if_index;
		snprintf(now[k].name, sizeof(now[k].name), "%s", p->if_name);
		now[k].up = (flags & IFF_UP) && (flags & IFF_RUNNING);
		k++;
	}
	if_freenameindex(ni);

	/* Avahi's mDNS sockets, one per family, take the answers of every
	 * link: sized for the links up (one at least, at the first scan)
	 * before they are reported, and so browsed. */
	size_t up = 0;
	for (size_t i = 0; i < k; i++)
		up += now[i].up;
	mdns_rcvbuf_apply(m, up);

	mdns_iface_t *old = m->ifaces;
	size_t old_count = m->iface_count;
	m->ifaces = now;
	m->iface_count = k;
	for (size_t i = 0; i < old_count; i++) {
		const mdns_iface_t *cur = find(now, k, old[i].ifindex);
		bool still = cur != NULL && cur->up && strcmp(cur->name, old[i].name) == 0;
		if (old[i].up && !still) {
			mdns_heard_join(m, old[i].ifindex, false);
			m->opts.on_link(m->opts.arg, old[i].ifindex, old[i].name, false);
		}
	}
	for (size_t i = 0; i < k; i++) {
		const mdns_iface_t *was = find(old, old_count, now[i].ifindex);
		bool before = was != NULL && was->up && strcmp(was->name, now[i].name) == 0;
		if (now[i].up && !before) {
			mdns_heard_join(m, now[i].ifindex, true);
			m->opts.on_link(m->opts.arg, now[i].ifindex, now[i].name, true);
		}
	}
	mdns_heard_check_limit(m, up);
	free(old);
}

static void on_netlink(struct ev_loop *loop, ev_io *w, int revents)
{
	mdns_t *m = container_of(w, mdns_t, nl_io);
	char buf[8192];
	/* The content does not matter: any link message means "scan again";
	 * an overrun (ENOBUFS) means the same. */
	for (;;) {
		ssize_t r = recv(m->nl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 && errno != ENOBUFS)
			break;
	}
	scan(m);
}

int mdns_links_start(mdns_t *m)
{
	struct sockaddr_nl sa;
	m->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (m->nl_fd < 0) {
		int ret = -errno;
		gw_err("mdns: cannot open rtnetlink socket: %s", strerror(errno));
		return ret;
	}
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK;
	if (bind(m->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int ret = -errno;
		gw_err("mdns: cannot bind rtnetlink socket: %s", strerror(errno));
		close(m->nl_fd);
		m->nl_fd = -1;
		return ret;
	}
	ev_io_init(&m->nl_io, on_netlink, m->nl_fd, EV_READ);
	ev_io_start(m->loop, &m->nl_io);
	scan(m);
	return GW_OK;
}

void mdns_links_stop(mdns_t *m)
{
	if (m->nl_fd >= 0) {
		ev_io_stop(m->loop, &m->nl_io);
		close(m->nl_fd);
		m->nl_fd = -1;
	}
	free(m->ifaces);
	m->ifaces = NULL;
	m->iface_count = 0;
}
