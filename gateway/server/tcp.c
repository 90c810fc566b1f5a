/* TCP (RFC 7766): length-prefixed messages, pipelined queries answered in
 * order, an idle timeout, a connection limit, and AXFR and IXFR streamed
 * message by message as the socket drains. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"
#include "gateway/server/internal.h"

#define TCP_INBUF (2 + GW_TCP_MAXMSG)
/* Stop reading queries while this much output waits for the client: a
 * client that does not read its answers cannot make us buffer without
 * bound. */
#define TCP_OUT_HIGH (256 * 1024)

struct gw_tcp_conn {
	ev_io rio;
	ev_io wio;
	ev_timer idle;
	gw_server_t *srv;
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	uint8_t *in; /* owned: TCP_INBUF octets */
	size_t in_len;
	uint8_t *out; /* owned: pending output */
	size_t out_len, out_off, out_cap;
	unsigned unsent; /* answers queued since the output last drained */
	gw_xfr_t xfr;
	bool xfr_active;
	gw_tcp_conn_t *prev, *next;
};

/* Room for another answer: no transfer running, and the client reads what
 * it asked for (tcp-max-pipelined answers, TCP_OUT_HIGH octets). */
static bool can_answer(const gw_tcp_conn_t *c)
{
	return !c->xfr_active && c->out_len - c->out_off <= TCP_OUT_HIGH &&
	       c->unsent < c->srv->opts.tcp_max_pipelined;
}

static void conn_close(gw_tcp_conn_t *c)
{
	gw_server_t *srv = c->srv;
	ev_io_stop(srv->loop, &c->rio);
	ev_io_stop(srv->loop, &c->wio);
	ev_timer_stop(srv->loop, &c->idle);
	if (c->xfr_active)
		gw_xfr_deinit(&c->xfr);
	close(c->fd);
	GW_DLIST_UNLINK(srv->conns, c, prev, next);
	srv->conn_count--;
	free(c->in);
	free(c->out);
	free(c);
	gw_tcp_maybe_resume(srv);
}

void gw_tcp_close_all(gw_server_t *srv)
{
	while (srv->conns != NULL)
		conn_close(srv->conns);
}

void gw_tcp_maybe_resume(gw_server_t *srv)
{
	if (!srv->accepting_paused || srv->conn_count >= srv->opts.tcp_max_connections)
		return;
	srv->accepting_paused = false;
	for (size_t i = 0; i < srv->listener_count; i++) {
		if (srv->listeners[i].tcp)
			ev_io_start(srv->loop, &srv->listeners[i].io);
	}
}

static int out_reserve(gw_tcp_conn_t *c, size_t more)
{
	if (c->out_off > 0 && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + more <= c->out_cap)
		return GW_OK;
	if (c->out_off > 0) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		if (c->out_len + more <= c->out_cap)
			return GW_OK;
	}
	return gw_array_reserve(&c->out, &c->out_cap, c->out_len + more, 1, 4096);
}

/* Room for a length prefix and a message; returns where the message goes. */
static uint8_t *out_msg_begin(gw_tcp_conn_t *c)
{
	if (out_reserve(c, 2 + GW_TCP_MAXMSG) != GW_OK)
		return NULL;
	return c->out + c->out_len + 2;
}

static void out_msg_commit(gw_tcp_conn_t *c, size_t len)
{
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	c->out_len += 2 + len;
	c->unsent++;
}

/* Refill the output with transfer messages while it is short. */
static int xfr_fill(gw_tcp_conn_t *c)
{
	while (c->xfr_active && c->out_len - c->out_off < 16384) {
		uint8_t *msg = out_msg_begin(c);
		if (msg == NULL)
			return GW_ENOMEM;
		int n = gw_xfr_next(&c->xfr, msg, GW_TCP_MAXMSG);
		const char *what = c->xfr.qtype == DNS_T_IXFR ? "IXFR" : "AXFR";
		if (n < 0) {
			if (n == GW_EBUSY)
				gw_notice("%s aborted: the zone changed during the transfer", what);
			else
				gw_err("%s aborted: %s", what, gw_strerror(n));
			return n;
		}
		if (n == 0) {
			gw_info("%s done: %u messages, %zu records%s", what, c->xfr.messages,
			        c->xfr.rrs,
			        c->xfr.qtype == DNS_T_IXFR && c->xfr.mode == GW_XFR_AXFR
			            ? " (AXFR form)"
			            : "");
			gw_xfr_deinit(&c->xfr);
			c->xfr_active = false;
			break;
		}
		out_msg_commit(c, (size_t)n);
	}
	return GW_OK;
}

static bool is_xfr(const gw_query_t *q)
{
	return q->opcode == DNS_OPCODE_QUERY && (q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR);
}

static int handle_message(gw_tcp_conn_t *c, const uint8_t *pkt, size_t len)
{
	gw_server_t *srv = c->srv;
	uint8_t *msg = out_msg_begin(c);
	if (msg == NULL)
		return GW_ENOMEM;
	srv->stats.tcp_queries++;

	gw_query_t q;
	size_t n = 0;
	/* One parse: the answerer leaves transfers (and TSIG, NOTIFY) to the
	 * server with the query read. */
	gw_answer_result_t res = gw_answer(&srv->env, pkt, len, true, msg, GW_TCP_MAXMSG, &n, &q);
	if (res == GW_ANSWER_SPECIAL && is_xfr(&q)) {
		bool started = false;
		int ret = gw_server_xfr_start(srv, &c->xfr, &q, pkt, len, &c->peer, msg,
		                              GW_TCP_MAXMSG, &n, &started);
		if (ret != GW_OK)
			return ret;
		if (started) {
			c->xfr_active = true;
			return xfr_fill(c);
		}
		if (n > 0)
			out_msg_commit(c, n);
		return GW_OK;
	}
	if (res == GW_ANSWER_SPECIAL)
		n = gw_server_special(srv, &q, pkt, len, &c->peer, true, msg, GW_TCP_MAXMSG);
	if (n > 0)
		out_msg_commit(c, n);
	return GW_OK;
}

/* Write what we can; watch for writability while output remains. */
static int flush(gw_tcp_conn_t *c)
{
	gw_server_t *srv = c->srv;
	for (;;) {
		if (c->out_off == c->out_len && c->xfr_active && xfr_fill(c) != GW_OK)
			return GW_ERROR;
		if (c->out_off == c->out_len)
			break;
		ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		c->out_off += (size_t)k;
		ev_timer_again(srv->loop, &c->idle);
	}
	if (c->out_off == c->out_len)
		c->unsent = 0;
	bool pending = c->out_off < c->out_len || c->xfr_active;
	if (pending)
		ev_io_start(srv->loop, &c->wio);
	else
		ev_io_stop(srv->loop, &c->wio);
	/* Back-pressure: no new queries while answers pile up or a transfer
	 * runs (answers stay in order). */
	if (!can_answer(c))
		ev_io_stop(srv->loop, &c->rio);
	else
		ev_io_start(srv->loop, &c->rio);
	return GW_OK;
}

/* Answer the complete messages in the input buffer (pipelining) while
 * can_answer(); the rest waits for the write side to drain. Returns GW_OK,
 * or an error that closes the connection. */
static int process_input(gw_tcp_conn_t *c)
{
	size_t off = 0;
	while (can_answer(c) && c->in_len - off >= 2) {
		size_t mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (c->in_len - off < 2 + mlen)
			break;
		int ret = handle_message(c, c->in + off + 2, mlen);
		if (ret != GW_OK)
			return ret;
		off += 2 + mlen;
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	return GW_OK;
}

/* Answer and write until nothing more can move: queries left in the
 * buffer after a pause (can_answer() false) go as soon as the answers
 * before them have been written, without waiting for more input. */
static int serve(gw_tcp_conn_t *c)
{
	for (;;) {
		size_t before = c->in_len;
		if (process_input(c) != GW_OK || flush(c) != GW_OK)
			return GW_ERROR;
		if (c->in_len == before || !can_answer(c))
			return GW_OK;
	}
}

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, rio);
	if (c->in_len < TCP_INBUF) {
		ssize_t k = recv(c->fd, c->in + c->in_len, TCP_INBUF - c->in_len, MSG_DONTWAIT);
		if (k == 0) {
			/* The client closed: unsent answers have no reader. */
			conn_close(c);
			return;
		}
		if (k < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		c->in_len += (size_t)k;
		ev_timer_again(loop, &c->idle);
	}
	if (serve(c) != GW_OK)
		conn_close(c);
}

static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, wio);
	if (serve(c) != GW_OK)
		conn_close(c);
}

static void conn_idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, idle);
	/* RFC 7766 6.2.3: an idle client is disconnected; one still being
	 * fed a transfer is not idle. */
	if (c->xfr_active || c->out_off < c->out_len) {
		ev_timer_again(loop, &c->idle);
		return;
	}
	conn_close(c);
}

void gw_tcp_accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_listener_t *l = container_of(w, gw_listener_t, io);
	gw_server_t *srv = l->srv;
	for (int i = 0; i < 16; i++) {
		if (srv->conn_count >= srv->opts.tcp_max_connections) {
			/* Leave further clients in the kernel's backlog until
			 * a connection closes. */
			if (!srv->accepting_paused)
				gw_warn("TCP connection limit (%u) reached; not accepting",
				        srv->opts.tcp_max_connections);
			srv->accepting_paused = true;
			for (size_t k = 0; k < srv->listener_count; k++) {
				if (srv->listeners[k].tcp)
					ev_io_stop(loop, &srv->listeners[k].io);
			}
			srv->stats.tcp_refused_conns++;
			return;
		}
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int fd =
		    accept4(l->fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
			    errno != ECONNABORTED)
				gw_warn("tcp accept failed: %s", strerror(errno));
			return;
		}
		gw_tcp_conn_t *c = calloc(1, sizeof(*c));
		uint8_t *in = malloc(TCP_INBUF);
		if (c == NULL || in == NULL) {
			free(c);
			free(in);
			close(fd);
			gw_warn("tcp connection dropped: out of memory");
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		c->in = in;
		c->peer = peer;
		c->peer_len = plen;
		GW_DLIST_PUSH(srv->conns, c, prev, next);
		srv->conn_count++;
		srv->stats.tcp_conns++;
		ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
		ev_init(&c->idle, conn_idle_cb);
		c->idle.repeat = srv->opts.tcp_idle_timeout > 0 ? srv->opts.tcp_idle_timeout : 10.0;
		ev_timer_again(loop, &c->idle);
		ev_io_start(loop, &c->rio);
	}
}
