#include "gateway/server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/addr.h"
#include "gateway/server/internal.h"
#include "gateway/server/tls.h"

void gw_sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	gw_addr_text((const struct sockaddr *)ss, a, sizeof(a), &port);
	snprintf(buf, len, "%s@%u", a, port);
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons(port);
}

static uint16_t get_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
}

static int open_socket(gw_listener_t *l, const struct sockaddr_storage *addr, socklen_t len,
                       bool tcp)
{
	int ret = GW_OK;
	int on = 1;
	int fd = socket(addr->ss_family,
	                (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (addr->ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0)
		goto fail;
	if (tcp && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0)
		goto fail;
	l->wildcard = !tcp && is_wildcard(addr);
	if (l->wildcard) {
		/* Reply from the address the query was sent to: learn it per
		 * packet. */
		if (addr->ss_family == AF_INET6) {
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) != 0)
				goto fail;
		} else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) != 0) {
			goto fail;
		}
	}
	if (!tcp) {
		/* Bursts at tens of thousands of queries a second overflow the
		 * default receive buffer; ask for more (the FORCE variant works
		 * as root past net.core.rmem_max; failing both is not fatal). */
		int size = GW_UDP_SOCKBUF;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	if (bind(fd, (const struct sockaddr *)addr, len) != 0)
		goto fail;
	if (tcp && listen(fd, 128) != 0)
		goto fail;
	l->fd = fd;
	l->tcp = tcp;
	l->family = addr->ss_family;
	l->addr_len = sizeof(l->addr);
	if (getsockname(fd, (struct sockaddr *)&l->addr, &l->addr_len) != 0)
		goto fail;
	return GW_OK;
fail:
	ret = -errno;
	close(fd);
	return ret;
}

/* Bind UDP first; with port 0, the TCP socket takes the port UDP got, so
 * one port serves both as clients expect. Another process may hold that
 * TCP port: try a few times. */
static int bind_pair(gw_listener_t *udp, gw_listener_t *tcp, const struct sockaddr_storage *addr,
                     socklen_t len)
{
	int ret = GW_OK;
	struct sockaddr_storage a = *addr;
	bool pick = get_port(addr) == 0;
	for (int attempt = 0; attempt < (pick ? 16 : 1); attempt++) {
		ret = open_socket(udp, &a, len, false);
		if (ret != GW_OK)
			return ret;
		struct sockaddr_storage t = a;
		set_port(&t, get_port(&udp->addr));
		ret = open_socket(tcp, &t, len, true);
		if (ret == GW_OK)
			return GW_OK;
		close(udp->fd);
		udp->fd = -1;
		if (ret != -EADDRINUSE)
			return ret;
	}
	return ret;
}

/* A port in use says how to find who holds it; every address's port 53
 * also what most often does on a desktop or a server distribution: the
 * stub listener of systemd-resolved on 127.0.0.53, with which a wildcard
 * TCP socket cannot share the port (a specific address can). */
static void log_bind_error(const struct sockaddr_storage *addr, const char *what, int err)
{
	char a[INET6_ADDRSTRLEN];
	uint16_t port;
	gw_addr_text((const struct sockaddr *)addr, a, sizeof(a), &port);
	if (err != -EADDRINUSE) {
		gw_err("cannot listen on %s@%u%s: %s", a, port, what, gw_strerror(err));
		return;
	}
	gw_err("cannot listen on %s@%u%s: %s; another program holds the port (ss -lntup "
	       "'sport = :%u' names it)%s",
	       a, port, what, gw_strerror(err), port,
	       port == 53 && is_wildcard(addr)
	           ? "; systemd-resolved's stub listener on 127.0.0.53 is one: give listen the "
	             "addresses to serve on rather than every address, or set DNSStubListener=no "
	             "in /etc/systemd/resolved.conf"
	           : "");
}

/* A ticket sealed just before a rotation must still open for a whole
 * lifetime: the key it was sealed with goes at the rotation after. */
static void ticket_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	gw_server_t *srv = container_of(w, gw_server_t, ticket_timer);
	if (srv->tls_ctx != NULL && gw_tls_tickets_rotate(srv->tls_ctx) == GW_OK)
		gw_debug("TLS: new session ticket key (rotation %llu)",
		         (unsigned long long)gw_tls_tickets_rotations(srv->tls_ctx));
}

int gw_server_new(gw_server_t **out, struct ev_loop *loop, const gw_server_opts_t *opts)
{
	int ret = GW_ENOMEM;
	gw_server_t *srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		goto out;
	srv->spare_fd = -1;
	srv->loop = loop;
	srv->opts = *opts;
	if (!(srv->opts.tls_ticket_lifetime > 0))
		srv->opts.tls_ticket_lifetime = GW_SERVER_TICKET_LIFETIME;
	ev_init(&srv->ticket_timer, ticket_timer_cb);
	srv->ticket_timer.repeat = srv->opts.tls_ticket_lifetime;
	srv->opts.listen = NULL; /* not kept: bound addresses live in listeners */
	srv->opts.listen_len = NULL;
	if (srv->opts.tcp_max_pipelined == 0)
		srv->opts.tcp_max_pipelined = 1;
	gw_tcp_init(srv);
	srv->env.udp_payload = opts->udp_payload;
	srv->env.identity = opts->identity;
	/* The NSID option: its header and the text (at most 255 octets). */
	if (opts->identity != NULL && opts->identity[0] != '\0')
		srv->env.nsid_reserve = (uint16_t)(4 + strnlen(opts->identity, 255));
	srv->env.version = opts->version;
	srv->udp_in = calloc(GW_UDP_BATCH, sizeof(*srv->udp_in));
	srv->udp_out = calloc(GW_UDP_BATCH, sizeof(*srv->udp_out));
	srv->opts.tls_listen = NULL;
	srv->opts.tls_listen_len = NULL;
	srv->listeners =
	    calloc(opts->listen_count * 2 + opts->tls_listen_count, sizeof(*srv->listeners));
	if (srv->udp_in == NULL || srv->udp_out == NULL || srv->listeners == NULL)
		goto out;
	for (size_t i = 0; i < opts->listen_count; i++) {
		gw_listener_t *u = &srv->listeners[2 * i];
		gw_listener_t *t = &srv->listeners[2 * i + 1];
		u->fd = t->fd = -1;
		ret = bind_pair(u, t, &opts->listen[i], opts->listen_len[i]);
		if (ret != GW_OK) {
			log_bind_error(&opts->listen[i], "", ret);
			goto out;
		}
		srv->listener_count = 2 * (i + 1);
		u->srv = t->srv = srv;
		ev_io_init(&u->io, gw_udp_read_cb, u->fd, EV_READ);
		ev_io_init(&t->io, gw_tcp_accept_cb, t->fd, EV_READ);
	}
	for (size_t i = 0; i < opts->tls_listen_count; i++) {
		gw_listener_t *t = &srv->listeners[srv->listener_count];
		t->fd = -1;
		ret = open_socket(t, &opts->tls_listen[i], opts->tls_listen_len[i], true);
		if (ret != GW_OK) {
			log_bind_error(&opts->tls_listen[i], " (TLS)", ret);
			goto out;
		}
		srv->listener_count++;
		t->tls = true;
		t->srv = srv;
		ev_io_init(&t->io, gw_tcp_accept_cb, t->fd, EV_READ);
	}
	*out = srv;
	srv = NULL;
	ret = GW_OK;
out:
	gw_server_free(srv);
	return ret;
}

void gw_server_set_push(gw_server_t *srv, gw_push_t *push, bool plain_tcp)
{
	srv->push = push;
	srv->push_plain_tcp = plain_tcp;
}

unsigned gw_server_tcp_capacity(const gw_server_t *srv)
{
	return srv->opts.tcp_max_connections;
}

int gw_server_set_guard(gw_server_t *srv, const gw_guard_opts_t *opts)
{
	gw_guard_t *g = NULL;
	int ret = gw_guard_new(&g, opts);
	if (ret != GW_OK)
		return ret;
	gw_guard_free(srv->guard);
	srv->guard = g;
	srv->env.cookie_reserve = gw_guard_cookies(g) ? GW_GUARD_COOKIE_SPACE : 0;
	return GW_OK;
}

static void drop_zones(gw_server_zone_t *zones, size_t count)
{
	for (size_t i = 0; i < count; i++)
		gw_zoneref_put(zones[i].zone);
	free(zones);
}

int gw_server_set_zones(gw_server_t *srv, const gw_server_zone_t *zones, size_t count)
{
	gw_server_zone_t *table = NULL;
	const zone_t **ptrs = NULL;
	if (count > 0) {
		table = calloc(count, sizeof(*table));
		ptrs = calloc(count, sizeof(*ptrs));
		if (table == NULL || ptrs == NULL) {
			free(table);
			free(ptrs);
			return GW_ENOMEM;
		}
	}
	for (size_t i = 0; i < count; i++) {
		table[i] = zones[i];
		table[i].zone = gw_zoneref_get(zones[i].zone);
		ptrs[i] = zones[i].zone != NULL ? zones[i].zone->zone : NULL;
	}
	drop_zones(srv->zones, srv->zone_count);
	free(srv->zone_ptrs);
	srv->zones = table;
	srv->zone_ptrs = ptrs;
	srv->zone_count = count;
	srv->env.zones = ptrs;
	srv->env.zone_count = count;
	srv->env.zone = NULL; /* count 0: SERVFAIL */
	return GW_OK;
}

void gw_server_set_tls(gw_server_t *srv, SSL_CTX *ctx)
{
	if (ctx != NULL) {
		/* The tickets already out stay good across a certificate
		 * reload; OpenSSL takes the timeout as the tickets' lifetime. */
		if (srv->tls_ctx != NULL && srv->tls_ctx != ctx)
			(void)gw_tls_tickets_take(ctx, srv->tls_ctx);
		SSL_CTX_set_timeout(ctx, (long)srv->opts.tls_ticket_lifetime);
	}
	gw_tls_ctx_free(srv->tls_ctx);
	srv->tls_ctx = ctx;
}

size_t gw_server_tls_addrs(const gw_server_t *srv, struct sockaddr_storage *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < srv->listener_count; i++) {
		if (!srv->listeners[i].tls)
			continue;
		if (n < cap)
			out[n] = srv->listeners[i].addr;
		n++;
	}
	return n;
}

static const char *listener_kind(const gw_listener_t *l)
{
	return l->tls ? "tls" : l->tcp ? "tcp" : "udp";
}

void gw_server_start(gw_server_t *srv)
{
	for (size_t i = 0; i < srv->listener_count; i++)
		ev_io_start(srv->loop, &srv->listeners[i].io);
	if (srv->opts.tls_listen_count > 0)
		ev_timer_again(srv->loop, &srv->ticket_timer);
}

void gw_server_stop(gw_server_t *srv)
{
	for (size_t i = 0; i < srv->listener_count; i++)
		ev_io_stop(srv->loop, &srv->listeners[i].io);
	ev_timer_stop(srv->loop, &srv->ticket_timer);
	gw_tcp_close_all(srv);
}

int gw_server_write_ports(const gw_server_t *srv, FILE *fp)
{
	for (size_t i = 0; i < srv->listener_count; i++) {
		const gw_listener_t *l = &srv->listeners[i];
		char a[INET6_ADDRSTRLEN];
		uint16_t port;
		gw_addr_text((const struct sockaddr *)&l->addr, a, sizeof(a), &port);
		if (fprintf(fp, "%s %s %u\n", listener_kind(l), a, port) < 0)
			return GW_EIO;
	}
	return GW_OK;
}

void gw_server_log_ports(const gw_server_t *srv)
{
	for (size_t i = 0; i < srv->listener_count; i++) {
		const gw_listener_t *l = &srv->listeners[i];
		char a[INET6_ADDRSTRLEN];
		uint16_t port;
		gw_addr_text((const struct sockaddr *)&l->addr, a, sizeof(a), &port);
		gw_info("listening on %s %s port %u", listener_kind(l), a, port);
	}
}

void gw_server_free(gw_server_t *srv)
{
	if (srv == NULL)
		return;
	if (srv->loop != NULL)
		gw_server_stop(srv);
	for (size_t i = 0; i < srv->listener_count; i++) {
		if (srv->listeners[i].fd >= 0)
			close(srv->listeners[i].fd);
	}
	gw_tcp_deinit(srv);
	gw_tls_ctx_free(srv->tls_ctx);
	free(srv->listeners);
	free(srv->udp_in);
	free(srv->udp_out);
	drop_zones(srv->zones, srv->zone_count);
	free(srv->zone_ptrs);
	gw_guard_free(srv->guard);
	free(srv);
}

void gw_server_get_stats(const gw_server_t *srv, gw_server_stats_t *st)
{
	*st = srv->stats;
	gw_guard_get_stats(srv->guard, &st->guard);
	st->tcp_open = srv->conn_count;
	gw_server_sum_replies(srv, st);
}
