/* TCP admission: which connections the server holds. The per-client
 * limit, the choice of a connection to close when the table is full, the
 * pauses of accepting, and the descriptors (RLIMIT_NOFILE at start, a
 * spare one for EMFILE). The reasons are at the top of tcp.c. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/server/internal.h"

#define TCP_DEFAULT_IDLE        10.0
#define TCP_DEFAULT_MESSAGE     5.0
#define TCP_DEFAULT_CONNECTIONS 256
#define TCP_PER_CLIENT_MIN      8
#define TCP_PER_CLIENT_SHARE    16 /* the default is 1/16 of the table */
/* Descriptors the rest of the daemon may need besides TCP connections:
 * stdio, the loop, the listeners, the journal and the key store, a zone
 * file being reloaded, the mirror's sockets and netlink, the spare. A
 * gateway uses about 20. */
#define TCP_FD_RESERVE 64
/* Accepting pauses this long when descriptors ran out. */
#define TCP_FD_PAUSE 0.1
/* The longest wait before a full table is looked at again when no
 * connection may be closed yet (the closing of one resumes at once). */
#define TCP_FULL_RECHECK      1.0
#define TCP_ACCEPTS_PER_EVENT 16

static void listeners_set(gw_server_t *srv, bool on)
{
	for (size_t i = 0; i < srv->listener_count; i++) {
		if (!srv->listeners[i].tcp)
			continue;
		if (on)
			ev_io_start(srv->loop, &srv->listeners[i].io);
		else
			ev_io_stop(srv->loop, &srv->listeners[i].io);
	}
}

/* Stop accepting; with delay > 0, resume after delay seconds at the
 * latest. */
static void accept_pause(gw_server_t *srv, double delay)
{
	if (!srv->accepting_paused)
		listeners_set(srv, false);
	srv->accepting_paused = true;
	ev_timer_stop(srv->loop, &srv->accept_timer);
	if (delay > 0) {
		ev_timer_set(&srv->accept_timer, delay, 0.0);
		ev_timer_start(srv->loop, &srv->accept_timer);
	}
}

static void accept_resume(gw_server_t *srv)
{
	ev_timer_stop(srv->loop, &srv->accept_timer);
	srv->fd_backoff = false;
	if (srv->accepting_paused)
		listeners_set(srv, true);
	srv->accepting_paused = false;
}

static void accept_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	accept_resume(container_of(w, gw_server_t, accept_timer));
}

void gw_tcp_maybe_resume(gw_server_t *srv)
{
	if (srv->accepting_paused && !srv->fd_backoff &&
	    srv->conn_count < srv->opts.tcp_max_connections)
		accept_resume(srv);
}

void gw_tcp_close_all(gw_server_t *srv)
{
	/* Not paused any more, so the closes below do not resume. */
	ev_timer_stop(srv->loop, &srv->accept_timer);
	srv->accepting_paused = false;
	srv->fd_backoff = false;
	while (srv->conns != NULL)
		gw_tcp_conn_close(srv->conns);
}

/* Fit tcp_max_connections to RLIMIT_NOFILE: raise the soft limit as far as
 * the hard limit allows, and when that is not enough, serve fewer
 * connections (rather than refuse to start: UDP, which most clients use,
 * does not need the descriptors) and say so with both numbers. */
static unsigned fit_fd_limit(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return want;
	rlim_t need = (rlim_t)want + TCP_FD_RESERVE;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return want;
	rlim_t cur = rl.rlim_cur;
	struct rlimit raised = {
	    .rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max,
	    .rlim_max = rl.rlim_max,
	};
	if (raised.rlim_cur > cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) {
		gw_info("file descriptor limit raised from %llu to %llu for %u TCP connections",
		        (unsigned long long)cur, (unsigned long long)raised.rlim_cur, want);
		cur = raised.rlim_cur;
	}
	if (cur >= need)
		return want;
	/* A tiny limit still leaves half to TCP. */
	rlim_t fit = cur > 2 * TCP_FD_RESERVE ? cur - TCP_FD_RESERVE : cur / 2;
	if (fit < 1)
		fit = 1;
	gw_warn("server.tcp-max-connections is %u, but the file descriptor limit (RLIMIT_NOFILE) "
	        "is %llu (hard limit %llu) and the daemon keeps %d for itself: serving at most "
	        "%llu TCP connections; raise the limit (ulimit -n, LimitNOFILE= in systemd)",
	        want, (unsigned long long)cur, (unsigned long long)rl.rlim_max, TCP_FD_RESERVE,
	        (unsigned long long)fit);
	return (unsigned)fit;
}

void gw_tcp_init(gw_server_t *srv)
{
	gw_server_opts_t *o = &srv->opts;
	if (o->tcp_idle_timeout <= 0)
		o->tcp_idle_timeout = TCP_DEFAULT_IDLE;
	if (o->tcp_message_timeout <= 0)
		o->tcp_message_timeout = TCP_DEFAULT_MESSAGE;
	if (o->tcp_max_connections == 0)
		o->tcp_max_connections = TCP_DEFAULT_CONNECTIONS;
	o->tcp_max_connections = fit_fd_limit(o->tcp_max_connections);
	if (o->tcp_max_per_client == 0) {
		o->tcp_max_per_client = o->tcp_max_connections / TCP_PER_CLIENT_SHARE;
		if (o->tcp_max_per_client < TCP_PER_CLIENT_MIN)
			o->tcp_max_per_client = TCP_PER_CLIENT_MIN;
	}
	if (o->tcp_max_per_client > o->tcp_max_connections)
		o->tcp_max_per_client = o->tcp_max_connections;
	ev_init(&srv->accept_timer, accept_timer_cb);
	/* Failing is not fatal: EMFILE is then met with a pause alone. */
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

void gw_tcp_deinit(gw_server_t *srv)
{
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	srv->spare_fd = -1;
}

/* Out of descriptors: the waiting client would make the listener ready
 * again at once, so accept it on the spare descriptor and close it, then
 * pause instead of spinning. */
static void out_of_fds(gw_server_t *srv, gw_listener_t *l, int err)
{
	static gw_log_limit_t lim;
	if (srv->spare_fd >= 0) {
		close(srv->spare_fd);
		srv->spare_fd = -1;
	}
	int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	srv->stats.tcp_no_fds++;
	gw_log_limited(&lim, GW_LOG_WARNING,
	               "TCP: cannot accept (%s) with %u connections open; a new connection "
	               "was closed and accepting pauses for %.0f ms",
	               strerror(err), srv->conn_count, TCP_FD_PAUSE * 1000);
	srv->fd_backoff = true;
	accept_pause(srv, TCP_FD_PAUSE);
}

/* One pass over the connections: how many client holds, and which
 * connection may go, of the client's and of all (the one waited on
 * longest, by the time it last did something). */
typedef struct {
	unsigned same;
	gw_tcp_conn_t *own, *any;
	ev_tstamp soonest; /* when the first answered connection may go */
} survey_t;

static void survey(const gw_server_t *srv, const gw_client_key_t *client, ev_tstamp now,
                   survey_t *s)
{
	memset(s, 0, sizeof(*s));
	s->soonest = now + TCP_FULL_RECHECK;
	for (gw_tcp_conn_t *c = srv->conns; c != NULL; c = c->next) {
		bool mine = client != NULL && gw_client_key_equal(&c->client, client);
		s->same += mine;
		if (!gw_tcp_conn_evictable(c, now)) {
			if (c->active + GW_TCP_EVICT_AFTER < s->soonest)
				s->soonest = c->active + GW_TCP_EVICT_AFTER;
			continue;
		}
		if (s->any == NULL || c->active < s->any->active)
			s->any = c;
		if (mine && (s->own == NULL || c->active < s->own->active))
			s->own = c;
	}
}

static void client_text(const struct sockaddr_storage *peer, char *buf, size_t len)
{
	gw_sockaddr_str(peer, buf, len);
	char *at = strrchr(buf, '@');
	if (at != NULL)
		*at = '\0';
}

/* Make room for fd from peer, or refuse it. Returns whether fd may be
 * served; a refused fd is closed. */
static bool admit(gw_server_t *srv, int fd, const struct sockaddr_storage *peer, ev_tstamp now)
{
	static gw_log_limit_t client_lim, full_lim;
	const gw_server_opts_t *o = &srv->opts;
	gw_client_key_t client;
	survey_t s;

	gw_client_key_of((const struct sockaddr *)peer, &client);
	survey(srv, &client, now, &s);
	if (s.same >= o->tcp_max_per_client) {
		char text[64];
		client_text(peer, text, sizeof(text));
		srv->stats.tcp_over_client++;
		gw_log_limited(&client_lim, GW_LOG_NOTICE,
		               "TCP: %s%s holds %u connections, its limit; %s", text,
		               peer->ss_family == AF_INET6 ? " (its /64)" : "", s.same,
		               s.own != NULL ? "the one it left idle longest is closed"
		                             : "the new one is closed");
		if (s.own == NULL) {
			close(fd);
			return false;
		}
		gw_tcp_conn_close(s.own); /* the table has room now */
		return true;
	}
	if (srv->conn_count < o->tcp_max_connections)
		return true;
	if (s.any == NULL) {
		/* accept_cb checked that one could go; the client's own
		 * eviction may have used it up. Refuse this one. */
		close(fd);
		srv->stats.tcp_refused_conns++;
		return false;
	}
	srv->stats.tcp_evicted++;
	gw_log_limited(&full_lim, GW_LOG_NOTICE,
	               "TCP: all %u connections in use; the one idle longest is closed for a "
	               "new client",
	               o->tcp_max_connections);
	gw_tcp_conn_close(s.any);
	return true;
}

void gw_tcp_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	static gw_log_limit_t err_lim, full_lim, mem_lim;
	gw_listener_t *l = container_of(w, gw_listener_t, io);
	gw_server_t *srv = l->srv;
	for (int i = 0; i < TCP_ACCEPTS_PER_EVENT; i++) {
		ev_tstamp now = ev_now(loop);
		if (srv->conn_count >= srv->opts.tcp_max_connections) {
			survey_t s;
			survey(srv, NULL, now, &s);
			if (s.any == NULL) {
				/* Nobody may go yet: further clients wait in the
				 * backlog until a connection closes or may go. */
				srv->stats.tcp_refused_conns++;
				gw_log_limited(&full_lim, GW_LOG_WARNING,
				               "TCP: all %u connections busy or recently "
				               "answered; new clients wait",
				               srv->opts.tcp_max_connections);
				double delay = s.soonest - now;
				accept_pause(srv, delay > TCP_FD_PAUSE ? delay : TCP_FD_PAUSE);
				return;
			}
		}
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd =
		    accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			switch (errno) {
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
			case EINTR:
				return;
			case ECONNABORTED:
			case EPROTO:
			case EPERM:
				continue; /* that client is gone or was filtered */
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				out_of_fds(srv, l, errno);
				return;
			default:
				gw_log_limited(&err_lim, GW_LOG_WARNING, "TCP accept failed: %s",
				               strerror(errno));
				return;
			}
		}
		if (!admit(srv, fd, &peer, now))
			continue;
		int ret = gw_tcp_conn_start(srv, fd, &peer, plen, l->tls);
		if (ret != GW_OK)
			gw_log_limited(&mem_lim, GW_LOG_WARNING, "%s connection dropped: %s",
			               l->tls ? "TLS" : "TCP",
			               ret == GW_ENOMEM ? "out of memory" : "no TLS session");
	}
}
