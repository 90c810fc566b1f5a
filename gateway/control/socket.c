/* The control socket: listening, connections, limits. What a request
 * does is request.c's. */
#include "gateway/control/socket.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/container.h"
#include "common/error.h"

/* Lines a client can trigger, each kind limited (common/log.h). */
static gw_log_limit_t g_lines[3];
enum { LINE_FULL, LINE_TOO_LONG, LINE_TIMEOUT };

typedef struct conn conn_t;

struct gw_control {
	struct ev_loop *loop;
	gw_control_opts_t opts;
	char path[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	int fd;
	ev_io accept_io;
	conn_t *conns; /* owned: the open connections */
	unsigned conn_count;
};

struct conn {
	gw_control_t *owner;
	conn_t *prev, *next;
	int fd; /* owned */
	ev_io rio, wio;
	ev_timer timer;
	char *in; /* owned: max_request octets */
	size_t in_len;
	char *out; /* owned: replies not yet written */
	size_t out_len, out_off;
	bool closing;        /* close once out is written */
	struct reload *wait; /* the reload this connection waits for, or NULL */
};

/* A reload a connection asked for. It outlives a connection that goes
 * first: the reload's end frees it. */
typedef struct reload {
	conn_t *conn;  /* NULL once the connection is gone */
	bool starting; /* within the call that starts it */
	bool ended;    /* ended within that call: reply below */
	char *reply;   /* owned */
	size_t reply_len;
} reload_t;

static void conn_free(conn_t *c)
{
	gw_control_t *ctl = c->owner;
	ev_io_stop(ctl->loop, &c->rio);
	ev_io_stop(ctl->loop, &c->wio);
	ev_timer_stop(ctl->loop, &c->timer);
	if (c->wait != NULL)
		c->wait->conn = NULL;
	/* A Unix socket closed with unread input resets the peer, which may
	 * then lose the reply it has not read yet (the reason it is closed):
	 * what the client sent in the meantime is read and dropped first. */
	char sink[4096];
	for (int i = 0; i < 16 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		ctl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	ctl->conn_count--;
	free(c->in);
	free(c->out);
	free(c);
}

/* Write what is pending; false when the connection is gone. */
static bool flush(conn_t *c)
{
	gw_control_t *ctl = c->owner;
	while (c->out_off < c->out_len) {
		ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The client reads slowly: no new request until it has
			 * read this reply. */
			ev_io_stop(ctl->loop, &c->rio);
			ev_io_start(ctl->loop, &c->wio);
			return true;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			conn_free(c);
			return false;
		}
		c->out_off += (size_t)k;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	ev_io_stop(ctl->loop, &c->wio);
	if (c->closing) {
		conn_free(c);
		return false;
	}
	/* A reload under way holds the requests that follow it. */
	if (c->wait == NULL)
		ev_io_start(ctl->loop, &c->rio);
	return true;
}

/* Queue reply (taken) behind what is pending. */
static bool queue(conn_t *c, char *reply, size_t len)
{
	if (reply == NULL) {
		conn_free(c);
		return false;
	}
	if (c->out == NULL) {
		c->out = reply;
		c->out_len = len;
		c->out_off = 0;
		return true;
	}
	char *more = realloc(c->out, c->out_len + len);
	if (more == NULL) {
		free(reply);
		conn_free(c);
		return false;
	}
	memcpy(more + c->out_len, reply, len);
	c->out = more;
	c->out_len += len;
	free(reply);
	return true;
}

static void refuse_conn(conn_t *c, const char *why)
{
	size_t len = 0;
	char *reply = gw_control_error_reply(why, &len);
	c->closing = true;
	if (queue(c, reply, len))
		flush(c);
}

static void on_reload_done(void *arg, int ret, const char *report);

/* Start the reload a request asked for. Returns its reply when it ended
 * at once (*reply, or NULL when out of memory), false while it is under
 * way: c waits for it, its other requests too. */
static bool start_reload(conn_t *c, char **reply, size_t *reply_len)
{
	gw_control_t *ctl = c->owner;
	*reply = NULL;
	if (ctl->opts.reload == NULL) {
		*reply = gw_control_error_reply("this daemon cannot reload", reply_len);
		return true;
	}
	reload_t *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return true;
	w->conn = c;
	w->starting = true;
	c->wait = w;
	gw_notice("reload asked through the control socket");
	ctl->opts.reload(ctl->opts.reload_arg, on_reload_done, w);
	w->starting = false;
	if (!w->ended) {
		ev_io_stop(ctl->loop, &c->rio);
		ev_timer_stop(ctl->loop, &c->timer);
		return false;
	}
	c->wait = NULL;
	*reply = w->reply;
	*reply_len = w->reply_len;
	free(w);
	return true;
}

/* Carry out the next whole line of the input, if no reply is waiting to
 * be written and no reload is under way (an empty line is skipped);
 * false when the connection is gone. */
static bool run_lines(conn_t *c)
{
	gw_control_t *ctl = c->owner;
	size_t start = 0;
	while (c->wait == NULL && c->out == NULL) {
		char *nl = memchr(c->in + start, '\n', c->in_len - start);
		if (nl == NULL)
			break;
		size_t len = (size_t)(nl - (c->in + start));
		if (len > 0 && c->in[start + len - 1] == '\r')
			len--;
		char *reply = NULL;
		size_t reply_len = 0;
		bool reload = false;
		if (len > 0)
			gw_control_handle(ctl->opts.view, c->in + start, len, &reply, &reply_len,
			                  &reload);
		start = (size_t)(nl - c->in) + 1;
		if (reload && !start_reload(c, &reply, &reply_len))
			break;
		if (len > 0 && !queue(c, reply, reply_len))
			return false;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len >= ctl->opts.max_request && memchr(c->in, '\n', c->in_len) == NULL) {
		gw_log_limited(&g_lines[LINE_TOO_LONG], GW_LOG_WARNING,
		               "control socket %s: a request longer than %zu octets; connection "
		               "closed",
		               ctl->path, ctl->opts.max_request);
		char text[96];
		snprintf(text, sizeof(text), "request too long (at most %zu octets)",
		         ctl->opts.max_request);
		refuse_conn(c, text);
		return false;
	}
	return true;
}

/* Answer the whole lines of the input one at a time: the next is carried
 * out only once the reply before it is written. A client that sends many
 * requests and reads none then holds one reply, not one for each request
 * its input held (a services list may be megabytes). False when the
 * connection is gone. */
static bool serve(conn_t *c)
{
	for (;;) {
		if (!run_lines(c))
			return false;
		if (c->out == NULL)
			return true; /* no whole line left, or a reload under way */
		if (!flush(c))
			return false;
		if (c->out != NULL)
			return true; /* the client reads slowly: on_write goes on */
	}
}

/* gw_control_reload_done_fn: the reply, then the requests that waited. */
static void on_reload_done(void *arg, int ret, const char *report)
{
	reload_t *w = arg;
	size_t len = 0;
	char *reply = gw_control_reload_reply(ret, report, &len);
	if (w->starting) {
		w->ended = true;
		w->reply = reply;
		w->reply_len = len;
		return;
	}
	conn_t *c = w->conn;
	free(w);
	if (c == NULL) {
		free(reply);
		return;
	}
	c->wait = NULL;
	if (!queue(c, reply, len))
		return;
	ev_timer_again(c->owner->loop, &c->timer);
	serve(c);
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_t *c = container_of(w, conn_t, rio);
	gw_control_t *ctl = c->owner;
	ssize_t k = recv(c->fd, c->in + c->in_len, ctl->opts.max_request - c->in_len, 0);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (k <= 0) {
		conn_free(c);
		return;
	}
	c->in_len += (size_t)k;
	ev_timer_again(loop, &c->timer);
	serve(c);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	conn_t *c = container_of(w, conn_t, wio);
	/* A connection waiting for its reload has no idle timer. */
	if (c->wait == NULL)
		ev_timer_again(loop, &c->timer);
	if (flush(c) && c->out == NULL)
		serve(c);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	conn_t *c = container_of(w, conn_t, timer);
	gw_log_limited(&g_lines[LINE_TIMEOUT], GW_LOG_NOTICE,
	               "control socket %s: a connection idle for %.0f s; closed", c->owner->path,
	               c->owner->opts.timeout);
	conn_free(c);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_control_t *ctl = container_of(w, gw_control_t, accept_io);
	for (int i = 0; i < 16; i++) {
		int fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a transient error (EMFILE: tried again later) */
		conn_t *c = calloc(1, sizeof(*c));
		char *in = malloc(ctl->opts.max_request);
		if (c == NULL || in == NULL) {
			free(c);
			free(in);
			close(fd);
			continue;
		}
		c->owner = ctl;
		c->fd = fd;
		c->in = in;
		ev_io_init(&c->rio, on_read, fd, EV_READ);
		ev_io_init(&c->wio, on_write, fd, EV_WRITE);
		ev_init(&c->timer, on_timeout);
		c->timer.repeat = ctl->opts.timeout;
		c->next = ctl->conns;
		if (ctl->conns != NULL)
			ctl->conns->prev = c;
		ctl->conns = c;
		ctl->conn_count++;
		ev_timer_again(loop, &c->timer);
		if (ctl->conn_count > ctl->opts.max_connections) {
			gw_log_limited(&g_lines[LINE_FULL], GW_LOG_WARNING,
			               "control socket %s: %u connections open already; one more "
			               "refused",
			               ctl->path, ctl->opts.max_connections);
			refuse_conn(c, "too many connections to the control socket; try again");
			continue;
		}
		ev_io_start(loop, &c->rio);
	}
}

int gw_control_default_path(char *buf, size_t len)
{
	const char *dir = getenv("RUNTIME_DIRECTORY");
	int n;
	if (dir != NULL && dir[0] == '/') {
		/* systemd lists several directories with ':'; the first is ours. */
		size_t k = strcspn(dir, ":");
		n = snprintf(buf, len, "%.*s/%s", (int)k, dir, GW_CONTROL_SOCKET_NAME);
	} else {
		n = snprintf(buf, len, "%s", GW_CONTROL_SOCKET_DEFAULT);
	}
	return n > 0 && (size_t)n < len ? GW_OK : GW_ESPACE;
}

/* The socket's directory: made 0750 when missing (the group that may use
 * the socket needs to reach it); an existing one is left as it is. */
static int ensure_parent(const char *path)
{
	char copy[sizeof(((struct sockaddr_un *)NULL)->sun_path)];
	snprintf(copy, sizeof(copy), "%s", path);
	const char *dir = dirname(copy);
	if (mkdir(dir, 0750) == 0 || errno == EEXIST)
		return GW_OK;
	int ret = -errno;
	gw_err("control socket: cannot create the directory %s: %s", dir, strerror(errno));
	return ret;
}

/* A file at path already: a live daemon's socket (GW_EBUSY), one left
 * behind (removed), or something else (GW_EEXIST). */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? GW_OK : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		gw_err("control socket %s: the path exists and is not a socket; not touching it "
		       "(set control.socket elsewhere or remove it)",
		       path);
		return GW_EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN) {
		gw_err("control socket %s: another daemon answers on it; is dnssd-gateway running "
		       "already? (stop it, or set control.socket to another path)",
		       path);
		return GW_EBUSY;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		int ret = -errno;
		gw_err("control socket %s: cannot remove the stale socket: %s", path,
		       strerror(errno));
		return ret;
	}
	gw_info("control socket %s: removed a stale socket file", path);
	return GW_OK;
}

int gw_control_new(gw_control_t **out, struct ev_loop *loop, const gw_control_opts_t *opts)
{
	int ret;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	gw_control_t *ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL)
		return GW_ENOMEM;
	ctl->loop = loop;
	ctl->fd = -1;
	ctl->opts = *opts;
	if (ctl->opts.max_request == 0)
		ctl->opts.max_request = GW_CONTROL_REQUEST_MAX;
	if (ctl->opts.max_connections == 0)
		ctl->opts.max_connections = GW_CONTROL_CONNECTIONS_MAX;
	if (ctl->opts.timeout <= 0)
		ctl->opts.timeout = GW_CONTROL_TIMEOUT;
	ret =
	    opts->path != NULL
	        ? (snprintf(ctl->path, sizeof(ctl->path), "%s", opts->path) < (int)sizeof(ctl->path)
	               ? GW_OK
	               : GW_ESPACE)
	        : gw_control_default_path(ctl->path, sizeof(ctl->path));
	if (ret != GW_OK || ctl->path[0] == '\0') {
		gw_err("control socket %s: the path is too long for a Unix socket (at most %zu "
		       "octets)",
		       opts->path != NULL ? opts->path : "(default)", sizeof(sa.sun_path) - 1);
		ret = GW_ELIMIT;
		goto out;
	}
	memcpy(sa.sun_path, ctl->path, sizeof(sa.sun_path));
	ret = ensure_parent(ctl->path);
	if (ret == GW_OK)
		ret = clear_stale(ctl->path, &sa);
	if (ret != GW_OK)
		goto out;
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		ret = -errno;
		gw_err("control socket: %s", strerror(errno));
		goto out;
	}
	/* Born 0660: no moment at which others could connect. Nothing is
	 * done to the path after the bind: in a directory the daemon's
	 * user owns, it may be a link by then, and a chmod() (root at start)
	 * would follow it. */
	mode_t old = umask(0117);
	int r = bind(ctl->fd, (const struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	umask(old);
	if (r != 0 || listen(ctl->fd, 16) != 0) {
		ret = -(r != 0 ? err : errno);
		gw_err("control socket %s: %s", ctl->path, strerror(-ret));
		if (r == 0)
			unlink(ctl->path);
		goto out;
	}
	ev_io_init(&ctl->accept_io, on_accept, ctl->fd, EV_READ);
	ev_io_start(loop, &ctl->accept_io);
	gw_info("control socket %s", ctl->path);
	*out = ctl;
	ctl = NULL;
out:
	if (ctl != NULL) {
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
	}
	return ret;
}

size_t gw_control_queued(const gw_control_t *ctl)
{
	size_t n = 0;
	for (const conn_t *c = ctl->conns; c != NULL; c = c->next)
		n += c->out_len - c->out_off;
	return n;
}

const char *gw_control_path(const gw_control_t *c)
{
	return c->path;
}

void gw_control_free(gw_control_t *c)
{
	if (c == NULL)
		return;
	while (c->conns != NULL)
		conn_free(c->conns);
	ev_io_stop(c->loop, &c->accept_io);
	close(c->fd);
	unlink(c->path);
	free(c);
}
