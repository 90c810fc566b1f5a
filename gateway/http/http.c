/* The listener: sockets bound by us (so a port in use stops the start
 * with the address named, and port 0 can be read back), one
 * libmicrohttpd daemon per socket in its external-loop epoll mode, run
 * from the libev loop. */
#include "gateway/http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/addr.h"
#include "common/container.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/control/status.h"
#include "gateway/http/internal.h"

#define DEFAULT_MAX_CONNECTIONS 16
#define DEFAULT_TIMEOUT         10 /* seconds */
/* A client may hold half of a listener's connections by default: a
 * browser opens up to six to one host (Chromium loading the status page
 * was refused at a quarter of 16), a scraper one; a host holding idle
 * connections leaves the other half to everyone else. */
#define PER_CLIENT_SHARE 2
#define LISTEN_BACKLOG   16

/* Connections one client holds on a listener. A client is an address
 * (gw_client_addr(): IPv4-mapped as IPv4), an IPv6 one whole, not its
 * /64 as the DNS server counts: the listener serves an allowed LAN, and
 * one /64 there is every host of a home or a campus VLAN, whose browsers
 * would share one client's share. */
typedef struct client_id {
	uint8_t addr[16];
	size_t len; /* of addr: 4 or 16; 0: an address of another family */
} client_id_t;

typedef struct client_count {
	client_id_t id;
	unsigned count; /* 0: a free slot */
} client_count_t;

static void client_id_of(const struct sockaddr *sa, client_id_t *out)
{
	memset(out, 0, sizeof(*out));
	out->len = gw_client_addr(sa, out->addr);
}

typedef struct listener {
	struct gw_http *owner;
	/* owned: one slot per connection MHD may hold (max_connections), so
	 * every client with a connection has one */
	client_count_t *clients;
	struct MHD_Daemon *mhd;       /* owned; owns the socket once started */
	int fd;                       /* owned until mhd takes it; -1 then */
	struct sockaddr_storage addr; /* as bound, with the real port */
	socklen_t addr_len;
	ev_io io;       /* MHD's epoll descriptor */
	ev_timer timer; /* MHD's next timeout */
} listener_t;

struct gw_http {
	struct ev_loop *loop;
	gw_http_opts_t opts;
	listener_t *listeners; /* owned: opts.listen_count */
	size_t count;
	gw_http_stats_t stats;
	gw_log_limit_t refuse_log; /* one line per interval: anyone can connect */
	gw_log_limit_t client_log;
	gw_log_limit_t mhd_log;
};

const gw_view_t *gw_http_view(const gw_http_t *h)
{
	return h->opts.view;
}

/* MHD's own messages (a peer can cause some): limited. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	gw_http_t *h = cls;
	char line[256];
	vsnprintf(line, sizeof(line), fmt, ap);
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	gw_log_limited(&h->mhd_log, GW_LOG_NOTICE, "metrics: libmicrohttpd: %s", line);
}

/* The slot of client id on l; with add, a free slot is taken for it when
 * it has none. NULL when it has none (or, with add, none is free). */
static client_count_t *client_slot(listener_t *l, const client_id_t *id, bool add)
{
	client_count_t *free_slot = NULL;
	for (unsigned i = 0; i < l->owner->opts.max_connections; i++) {
		client_count_t *c = &l->clients[i];
		if (c->count == 0) {
			if (free_slot == NULL)
				free_slot = c;
		} else if (c->id.len == id->len && memcmp(c->id.addr, id->addr, id->len) == 0) {
			return c;
		}
	}
	if (!add || free_slot == NULL)
		return NULL;
	free_slot->id = *id;
	return free_slot;
}

/* Who may connect: the allow list, then the per-client limit, so that
 * one client holding idle or trickling connections cannot take every
 * slot from the scraper and the status page's other readers. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	listener_t *l = cls;
	gw_http_t *h = l->owner;
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	if (!gw_acl_match(h->opts.allow, addr)) {
		h->stats.refused++;
		gw_addr_text(addr, a, sizeof(a), &port);
		gw_log_limited(&h->refuse_log, GW_LOG_NOTICE,
		               "metrics: connection from %s refused: not in metrics.allow", a);
		return MHD_NO;
	}
	client_id_t id;
	client_id_of(addr, &id);
	const client_count_t *c = client_slot(l, &id, false);
	if (c == NULL || c->count < h->opts.max_per_client)
		return MHD_YES;
	h->stats.refused_client++;
	gw_addr_text(addr, a, sizeof(a), &port);
	gw_log_limited(&h->client_log, GW_LOG_NOTICE,
	               "metrics: connection from %s refused: it holds %u connections, "
	               "metrics.max-per-client",
	               a, c->count);
	return MHD_NO;
}

/* Count each connection MHD holds against its client, from its start to
 * its close (MHD reports both for every connection it accepted). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
	listener_t *l = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *info =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		client_id_t id;
		client_id_of(info != NULL ? info->client_addr : NULL, &id);
		client_count_t *c = client_slot(l, &id, true);
		if (c != NULL)
			c->count++;
		*socket_context = c;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		client_count_t *c = *socket_context;
		if (c != NULL && c->count > 0)
			c->count--;
		*socket_context = NULL;
	}
}

/* Every reply: never cached (the state changes under it), never sniffed
 * into another type, and under a content security policy. */
static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               const char *content_type, char *body, size_t len, bool owned,
                               const char *csp)
{
	struct MHD_Response *r =
	    owned ? MHD_create_response_from_buffer_with_free_callback(len, body, free)
	          : MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Content-Security-Policy",
	                        csp != NULL && csp[0] != '\0' ? csp : GW_HTTP_CSP_NONE);
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
	return respond(conn, status, "text/plain; charset=utf-8", (char *)text, strlen(text), false,
	               NULL);
}

const char *gw_http_arg(const gw_http_request_t *req, const char *key)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* The route of url, NULL when there is none. */
static const gw_http_route_t *route_find(const char *url)
{
	gw_status_topic_t topic;
	for (const gw_http_route_t *r = gw_http_routes; r->path != NULL; r++) {
		size_t len = strlen(r->path);
		if (r->topics ? strncmp(url, r->path, len) == 0 &&
		                    gw_status_topic_parse(url + len, &topic) == GW_OK
		              : strcmp(url, r->path) == 0)
			return r;
	}
	return NULL;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
	listener_t *l = cls;
	gw_http_t *h = l->owner;

	h->stats.requests++;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	const gw_http_route_t *route = route_find(url);
	if (route == NULL)
		return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
	if (route->browser) {
		const gw_config_t *cfg = gw_http_view(h)->cfg;
		const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
		if (!gw_http_host_allowed(host, cfg->metrics.hosts, cfg->metrics.host_count)) {
			h->stats.refused_host++;
			gw_log_limited(
			    &h->mhd_log, GW_LOG_WARNING,
			    "status page: Host '%.64s' refused (not an address, localhost "
			    "or one of metrics.hosts)",
			    host);
			return respond_text(
			    conn, 421,
			    "this name is not one the status page answers to; use its "
			    "address or add the name to metrics.hosts\n");
		}
	}
	gw_http_request_t req = {.path = url, .conn = conn};
	gw_http_reply_t reply = {.status = MHD_HTTP_OK};
	int ret = route->handler(h, &req, &reply);
	if (ret != GW_OK) {
		free(reply.body);
		gw_log_limited(&h->mhd_log, GW_LOG_WARNING, "metrics: %s: %s", url,
		               gw_strerror(ret));
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
	}
	return respond(conn, reply.status, reply.content_type, reply.body, reply.len, true,
	               reply.csp);
}

/* Let MHD do what is ready, then wait for its descriptor or its next
 * deadline. */
static void run(listener_t *l)
{
	struct ev_loop *loop = l->owner->loop;
	MHD_UNSIGNED_LONG_LONG ms = 0;

	MHD_run(l->mhd);
	ev_timer_stop(loop, &l->timer);
	if (MHD_get_timeout(l->mhd, &ms) == MHD_YES) {
		ev_timer_set(&l->timer, (double)ms / 1000.0, 0.0);
		ev_timer_start(loop, &l->timer);
	}
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	run(container_of(w, listener_t, io));
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	run(container_of(w, listener_t, timer));
}

static int bind_one(listener_t *l, const gw_endpoint_t *ep)
{
	int ret;
	char a[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;
	int one = 1;

	gw_addr_text((const struct sockaddr *)&ep->addr, a, sizeof(a), &port);
	l->fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		goto fail;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ep->addr.ss_family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(l->fd, (const struct sockaddr *)&ep->addr, ep->addrlen) != 0 ||
	    listen(l->fd, LISTEN_BACKLOG) != 0)
		goto fail;
	l->addr_len = sizeof(l->addr);
	if (getsockname(l->fd, (struct sockaddr *)&l->addr, &l->addr_len) != 0)
		goto fail;
	return GW_OK;
fail:
	ret = -errno;
	gw_err("metrics: cannot listen on %s port %u: %s", a, port, strerror(errno));
	return ret;
}

static int start_mhd(gw_http_t *h, listener_t *l)
{
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	if (l->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	l->mhd = MHD_start_daemon(flags, 0, on_accept, l, on_request, l, MHD_OPTION_EXTERNAL_LOGGER,
	                          on_mhd_log, h, MHD_OPTION_LISTEN_SOCKET, l->fd,
	                          MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->opts.max_connections,
	                          MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)h->opts.timeout,
	                          MHD_OPTION_NOTIFY_CONNECTION, on_connection, l, MHD_OPTION_END);
	if (l->mhd == NULL) {
		gw_err("metrics: libmicrohttpd did not start");
		return GW_ERROR;
	}
	l->fd = -1; /* MHD closes it when stopped */
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(l->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL) {
		gw_err("metrics: libmicrohttpd has no epoll descriptor");
		return GW_ERROR;
	}
	ev_io_init(&l->io, on_io, info->epoll_fd, EV_READ);
	ev_init(&l->timer, on_timer);
	return GW_OK;
}

/* opts, with the defaults where it leaves a limit 0. */
static gw_http_opts_t with_defaults(const gw_http_opts_t *opts)
{
	gw_http_opts_t o = *opts;
	if (o.max_connections == 0)
		o.max_connections = DEFAULT_MAX_CONNECTIONS;
	if (o.timeout == 0)
		o.timeout = DEFAULT_TIMEOUT;
	if (o.max_per_client == 0)
		o.max_per_client = o.max_connections / PER_CLIENT_SHARE;
	if (o.max_per_client == 0)
		o.max_per_client = 1;
	if (o.max_per_client > o.max_connections)
		o.max_per_client = o.max_connections;
	return o;
}

void gw_http_free(gw_http_t *h)
{
	if (h == NULL)
		return;
	gw_http_stop(h);
	for (size_t i = 0; i < h->count; i++) {
		listener_t *l = &h->listeners[i];
		if (l->mhd != NULL)
			MHD_stop_daemon(l->mhd);
		if (l->fd >= 0)
			close(l->fd);
		free(l->clients);
	}
	free(h->listeners);
	free(h);
}

int gw_http_new(gw_http_t **out, struct ev_loop *loop, const gw_http_opts_t *opts)
{
	int ret = GW_ENOMEM;
	gw_http_t *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return GW_ENOMEM;
	h->opts = with_defaults(opts);
	h->loop = loop;
	if (opts->listen_count > 0) {
		h->listeners = calloc(opts->listen_count, sizeof(*h->listeners));
		if (h->listeners == NULL)
			goto out;
	}
	for (size_t i = 0; i < opts->listen_count; i++) {
		listener_t *l = &h->listeners[i];
		l->owner = h;
		l->fd = -1;
		h->count++;
		l->clients = calloc(h->opts.max_connections, sizeof(*l->clients));
		if (l->clients == NULL) {
			ret = GW_ENOMEM;
			goto out;
		}
		ret = bind_one(l, &opts->listen[i]);
		if (ret == GW_OK)
			ret = start_mhd(h, l);
		if (ret != GW_OK)
			goto out;
	}
	h->opts.listen = NULL; /* read only here */
	*out = h;
	h = NULL;
	ret = GW_OK;
out:
	gw_http_free(h);
	return ret;
}

void gw_http_set_allow(gw_http_t *h, const gw_acl_t *allow)
{
	h->opts.allow = allow;
}

void gw_http_start(gw_http_t *h)
{
	for (size_t i = 0; i < h->count; i++) {
		ev_io_start(h->loop, &h->listeners[i].io);
		run(&h->listeners[i]);
	}
}

void gw_http_stop(gw_http_t *h)
{
	for (size_t i = 0; i < h->count; i++) {
		ev_io_stop(h->loop, &h->listeners[i].io);
		ev_timer_stop(h->loop, &h->listeners[i].timer);
	}
}

int gw_http_write_ports(const gw_http_t *h, FILE *fp)
{
	for (size_t i = 0; i < h->count; i++) {
		char a[INET6_ADDRSTRLEN];
		uint16_t port;
		gw_addr_text((const struct sockaddr *)&h->listeners[i].addr, a, sizeof(a), &port);
		if (fprintf(fp, "metrics %s %u\n", a, port) < 0)
			return GW_EIO;
	}
	return GW_OK;
}

void gw_http_log_ports(const gw_http_t *h)
{
	for (size_t i = 0; i < h->count; i++) {
		char a[INET6_ADDRSTRLEN];
		uint16_t port;
		gw_addr_text((const struct sockaddr *)&h->listeners[i].addr, a, sizeof(a), &port);
		const char *lb = h->listeners[i].addr.ss_family == AF_INET6 ? "[" : "";
		const char *rb = h->listeners[i].addr.ss_family == AF_INET6 ? "]" : "";
		gw_info("metrics: listening on http://%s%s%s:%u/metrics, status page "
		        "http://%s%s%s:%u/",
		        lb, a, rb, port, lb, a, rb, port);
	}
}

void gw_http_get_stats(const gw_http_t *h, gw_http_stats_t *st)
{
	*st = h->stats;
}
