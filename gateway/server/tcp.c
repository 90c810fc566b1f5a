/* TCP (RFC 7766): length-prefixed messages, pipelined queries answered in
 * order, and AXFR and IXFR streamed message by message as the socket
 * drains. This file serves one connection; tcp_accept.c decides which
 * connections there are.
 *
 * No client may keep TCP, and with it transfers and the retries after TC,
 * from the others:
 *
 * - Time. Between messages a connection may stay silent for the idle
 *   timeout (RFC 7766 6.2.3; 10 s by default). Once a message has begun
 *   (its first octet; for the first message, the connection's start) it
 *   must arrive whole within the message timeout (5 s by default: a query
 *   is one segment, and 5 s covers two retransmissions of it at the
 *   initial RTO of 1 s, RFC 6298); octets trickling in never restart a
 *   clock, only a whole message does. While we have output for the
 *   client, it must read: the connection closes when output has not moved
 *   for the idle timeout.
 * - Framing. A message shorter than a DNS header closes the connection
 *   once the answers before it are out: it cannot be answered, and it
 *   would otherwise count as a whole message, keeping the connection
 *   active at two octets a time.
 * - One client. An IPv4 address, or an IPv6 /64 (what one host usually
 *   gets: counting /128 would give one host 2^64 slots), holds at most
 *   tcp_max_per_client connections (a sixteenth of the table, at least
 *   8: much looser than what RFC 7766 6.2.2 asks of clients, for NAT). A
 *   connection over that replaces the client's own connection that the
 *   server has waited on longest, or is closed at once when none may go:
 *   the client pays for its excess, nobody else does.
 * - A full table. A newcomer replaces the connection the server has waited
 *   on longest (RFC 7766 6.2.3 lets a server close idle connections),
 *   instead of waiting in the backlog behind connections that do nothing.
 *   A connection that never sent a whole message may go at once; one that
 *   was answered, after GW_TCP_EVICT_AFTER (1 s) of silence; one with
 *   output pending or a transfer running, never. When none may go,
 *   newcomers wait in the backlog until one may.
 * - Descriptors. tcp-max-connections is fitted to RLIMIT_NOFILE at start
 *   (the soft limit is raised when the hard limit allows, the connection
 *   limit lowered with a warning when not). Should descriptors still run
 *   out (EMFILE, ENFILE), a spare one is given up to accept and close the
 *   waiting client, and accepting pauses for 100 ms: no busy loop, and
 *   the log line says it once per interval (gw_log_limited).
 */
#include <errno.h>
#include <netinet/in.h>
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
/* Timer slack: a deadline this close is taken as reached. */
#define TCP_SLACK 0.001
/* Stop reading queries while this much output waits for the client: a
 * client that does not read its answers cannot make us buffer without
 * bound. */
#define TCP_OUT_HIGH (256 * 1024)
/* PUSH messages a client leaves unread beyond this close its connection:
 * subscriptions cannot make us buffer without bound either. */
#define TCP_PUSH_OUT_MAX (1024 * 1024)

/* Room for another answer: no transfer running, and the client reads what
 * it asked for (tcp-max-pipelined answers, TCP_OUT_HIGH octets). */
static bool can_answer(const gw_tcp_conn_t *c)
{
	return !c->xfr_active && c->out_len - c->out_off <= TCP_OUT_HIGH &&
	       c->unsent < c->srv->opts.tcp_max_pipelined;
}

/* The head of the input is a whole message (waiting for can_answer()). */
static bool head_complete(const gw_tcp_conn_t *c)
{
	return c->in_len >= 2 && c->in_len >= 2 + ((size_t)c->in[0] << 8 | c->in[1]);
}

static bool has_output(const gw_tcp_conn_t *c)
{
	return c->xfr_active || c->out_off < c->out_len;
}

bool gw_tcp_conn_evictable(const gw_tcp_conn_t *c, ev_tstamp now)
{
	if (has_output(c) || head_complete(c) || gw_push_session_established(c->push))
		return false;
	return c->messages == 0 || now - c->active >= GW_TCP_EVICT_AFTER;
}

/* When the connection closes unless something happens first. */
static ev_tstamp conn_deadline(const gw_tcp_conn_t *c)
{
	const gw_server_opts_t *o = &c->srv->opts;
	ev_tstamp idle = c->active + o->tcp_idle_timeout;
	ev_tstamp msg = c->msg_start + o->tcp_message_timeout;
	if (c->doomed)
		return 0;
	/* Closing once the answers are written: as long as they move. */
	if (c->closing)
		return idle;
	/* A DSO session has its own timeouts (RFC 8490 6.2). */
	if (gw_push_session_established(c->push))
		idle = gw_push_session_deadline(c->push, c->active);
	/* Our turn (a transfer, answers the client has yet to read, queries
	 * queued behind them): the clock runs on output moving. */
	if (!can_answer(c) || head_complete(c))
		return idle;
	/* A message under way: its own deadline, not the idle one. */
	if (c->in_len > 0)
		return has_output(c) && idle < msg ? idle : msg;
	/* Before the first message both apply. */
	if (c->messages == 0)
		return idle < msg ? idle : msg;
	return idle;
}

/* Arm the timer for the current deadline; octets that do not change it
 * cost nothing here. */
static void conn_arm(gw_tcp_conn_t *c)
{
	struct ev_loop *loop = c->srv->loop;
	ev_tstamp d = conn_deadline(c);
	if (d == c->deadline && ev_is_active(&c->timer))
		return;
	c->deadline = d;
	ev_tstamp left = d - ev_now(loop);
	c->timer.repeat = left > TCP_SLACK ? left : TCP_SLACK;
	ev_timer_again(loop, &c->timer);
}

void gw_tcp_conn_close(gw_tcp_conn_t *c)
{
	gw_server_t *srv = c->srv;
	ev_io_stop(srv->loop, &c->rio);
	ev_io_stop(srv->loop, &c->wio);
	ev_timer_stop(srv->loop, &c->timer);
	if (c->xfr_active) {
		gw_server_count_xfr(srv, c->xfr.qtype, GW_XFR_RESULT_ABORTED);
		gw_xfr_deinit(&c->xfr);
	}
	gw_push_session_free(c->push);
	if (c->aborting) {
		/* RFC 8490 5.3: forcibly abort: a TCP RST, no TLS close_notify. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (c->ssl != NULL)
			SSL_set_quiet_shutdown(c->ssl, 1);
	}
	if (c->ssl != NULL)
		gw_tls_conn_deinit(c);
	close(c->fd);
	GW_DLIST_UNLINK(srv->conns, c, prev, next);
	srv->conn_count--;
	free(c->in);
	free(c->out);
	free(c);
	gw_tcp_maybe_resume(srv);
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

static int flush(gw_tcp_conn_t *c);

/* gw_push_send_fn: a DSO response or PUSH, queued in order with the
 * answers (not counted against tcp-max-pipelined: the client did not ask
 * for it). Outside serve() (a commit's PUSH) it is written at once. */
static int push_send(void *conn, const uint8_t *msg, size_t len)
{
	gw_tcp_conn_t *c = conn;
	if (c->doomed)
		return GW_ELIMIT;
	if (c->out_len - c->out_off + 2 + len > TCP_PUSH_OUT_MAX ||
	    out_reserve(c, 2 + len) != GW_OK) {
		c->doomed = true;
		conn_arm(c);
		return GW_ELIMIT;
	}
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	if (!c->serving) {
		if (flush(c) != GW_OK)
			c->doomed = true;
		else if (!has_output(c) && (head_complete(c) || c->closing))
			/* The write drained what held back the queries waiting
			 * in the input (or what a closing connection waited
			 * for), and stopped the write watcher, dropping the
			 * event that would have served them: the loop serves
			 * them on its next turn. Not here: a close would free c
			 * under the commit that sends. */
			ev_feed_event(c->srv->loop, &c->wio, EV_WRITE);
		conn_arm(c);
	}
	return GW_OK;
}

/* A DSO message (RFC 8490) for the push service, when it serves this
 * connection's transport; false when it does not (answered as usual:
 * NOTIMP). */
static bool dso_message(gw_tcp_conn_t *c, const uint8_t *pkt, size_t len, int *ret)
{
	gw_server_t *srv = c->srv;
	*ret = GW_OK;
	if (len < 4 || DNS_OPCODE((uint16_t)(pkt[2] << 8 | pkt[3])) != 6 || srv->push == NULL)
		return false;
	/* RFC 8765 1.2: DNS Push needs TLS; plain TCP only when configured
	 * (push.plain-tcp, for tests and trusted networks). */
	if (c->ssl == NULL && !srv->push_plain_tcp)
		return false;
	if (c->push == NULL && gw_push_session_new(&c->push, srv->push, push_send, c) != GW_OK) {
		*ret = GW_ENOMEM;
		return true;
	}
	switch (gw_push_session_message(c->push, pkt, len, ev_now(srv->loop))) {
	case GW_PUSH_KEEP:
		break;
	case GW_PUSH_CLOSE:
		c->closing = true;
		break;
	case GW_PUSH_ABORT:
		c->closing = c->aborting = true;
		break;
	}
	return true;
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
				gw_notice(
				    "%s aborted: the zone changed during the transfer by more "
				    "than is kept of the version it began with (%zu MiB a "
				    "transfer, %zu MiB for all); the client asks again",
				    what, GW_XFR_KEEP_MAX >> 20, GW_XFR_KEEP_TOTAL_MAX >> 20);
			else
				gw_err("%s aborted: %s", what, gw_strerror(n));
			return n;
		}
		if (n == 0) {
			gw_server_count_xfr(c->srv, c->xfr.qtype,
			                    c->xfr.qtype != DNS_T_IXFR   ? GW_XFR_RESULT_OK
			                    : c->xfr.mode == GW_XFR_SOA  ? GW_XFR_RESULT_CURRENT
			                    : c->xfr.mode == GW_XFR_AXFR ? GW_XFR_RESULT_FALLBACK
			                                                 : GW_XFR_RESULT_OK);
			static gw_log_limit_t done_lim = GW_XFR_LOG_LIMIT;
			gw_log_limited(&done_lim, GW_LOG_INFO,
			               "%s done: %u messages, %zu records%s", what, c->xfr.messages,
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

/* Queue the reply to q (n octets at out_msg_begin()), counted; when the
 * query path answered it (answered), with its extended error and the
 * server's name when asked, then over TLS padded when the query was
 * (RFC 8467). */
static void commit_reply(gw_tcp_conn_t *c, const gw_query_t *q, size_t n, bool answered)
{
	uint8_t *msg = c->out + c->out_len + 2;
	if (answered)
		n = gw_reply_extras(msg, n, GW_TCP_MAXMSG, q, c->srv->env.identity);
	if (c->ssl != NULL && q->has_padding)
		n = gw_pad_reply(msg, n, GW_TCP_MAXMSG, GW_TLS_PAD_BLOCK);
	gw_server_count_reply(c->srv, GW_TRANSPORT_TCP, q, c->out + c->out_len + 2);
	out_msg_commit(c, n);
}

static int handle_message(gw_tcp_conn_t *c, const uint8_t *pkt, size_t len)
{
	int dso_ret;
	/* Before the answer's room is taken: DSO writes its own messages. */
	if (dso_message(c, pkt, len, &dso_ret))
		return dso_ret;
	/* A query is activity for the connection's DSO session (RFC 8490 6.3). */
	gw_push_session_touch(c->push, ev_now(c->srv->loop));
	gw_server_t *srv = c->srv;
	uint8_t *msg = out_msg_begin(c);
	if (msg == NULL)
		return GW_ENOMEM;
	size_t at = c->out_len; /* where the first message of the reply goes */
	srv->stats.tcp_queries++;

	gw_query_t q;
	size_t n = 0;
	/* One parse: the answerer leaves transfers (and TSIG, NOTIFY) to the
	 * server with the query read. */
	gw_answer_result_t res = gw_answer(&srv->env, pkt, len, true, msg, GW_TCP_MAXMSG, &n, &q);
	/* RFC 8490 7.1.2: edns-tcp-keepalive on an established DSO session is
	 * a fatal error: no answer, the connection aborted. */
	if (q.has_keepalive && gw_push_session_established(c->push)) {
		static gw_log_limit_t lim;
		gw_log_limited(
		    &lim, GW_LOG_NOTICE,
		    "push: edns-tcp-keepalive on a DSO session; aborting the connection");
		c->closing = c->aborting = true;
		return GW_OK;
	}
	if (res == GW_ANSWER_SPECIAL && is_xfr(&q)) {
		bool started = false;
		int ret = gw_server_xfr_start(srv, &c->xfr, &q, pkt, len, &c->peer, msg,
		                              GW_TCP_MAXMSG, &n, &started);
		if (ret != GW_OK)
			return ret;
		if (started) {
			c->xfr_active = true;
			ret = xfr_fill(c);
			if (c->out_len > at)
				gw_server_count_reply(srv, GW_TRANSPORT_TCP, &q, c->out + at + 2);
			return ret;
		}
		if (n > 0)
			commit_reply(c, &q, n, false);
		return GW_OK;
	}
	if (res == GW_ANSWER_SPECIAL)
		n = gw_server_special(srv, &q, pkt, len, &c->peer, true, msg, GW_TCP_MAXMSG);
	else if (res == GW_ANSWER_SENT && n > 0)
		/* A server cookie for a query with a COOKIE option (the
		 * answerer kept room for it): shown over UDP later, it exempts
		 * the client from the rate limit that may have sent it here. */
		gw_guard_stream_reply(srv->guard, &q, pkt, (const struct sockaddr *)&c->peer, msg,
		                      &n, GW_TCP_MAXMSG, (time_t)ev_now(srv->loop));
	if (n > 0)
		commit_reply(c, &q, n, res == GW_ANSWER_SENT);
	return GW_OK;
}

/* The socket I/O, through TLS on a TLS connection. */
static ssize_t conn_send(gw_tcp_conn_t *c, const uint8_t *buf, size_t len)
{
	if (c->ssl != NULL)
		return gw_tls_send(c, buf, len);
	return send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static ssize_t conn_recv(gw_tcp_conn_t *c, uint8_t *buf, size_t len)
{
	if (c->ssl != NULL)
		return gw_tls_recv(c, buf, len);
	return recv(c->fd, buf, len, MSG_DONTWAIT);
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
		ssize_t k = conn_send(c, c->out + c->out_off, c->out_len - c->out_off);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		c->out_off += (size_t)k;
		c->active = ev_now(srv->loop);
	}
	if (c->out_off == c->out_len)
		c->unsent = 0;
	bool pending = c->out_off < c->out_len || c->xfr_active || c->tls_want_write;
	if (pending)
		ev_io_start(srv->loop, &c->wio);
	else
		ev_io_stop(srv->loop, &c->wio);
	/* Back-pressure: no new queries while answers pile up or a transfer
	 * runs (answers stay in order). A connection that closes reads on
	 * and throws the input away: input left unread would make the close
	 * a reset, and the answers still in the socket would be lost. */
	if (!can_answer(c) && !c->closing)
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
	while (can_answer(c) && !c->closing && c->in_len - off >= 2) {
		size_t mlen = (size_t)c->in[off] << 8 | c->in[off + 1];
		if (mlen < DNS_HEADER_LEN) {
			/* Not a DNS message: no ID to answer to, and a client
			 * that frames such is broken or probing. Closed (as Knot
			 * does) once the answers before it are out, rather than
			 * kept as an active connection for free. */
			static gw_log_limit_t lim;
			gw_log_limited(&lim, GW_LOG_INFO,
			               "TCP: a message of %zu octets, shorter than a DNS header; "
			               "closing the connection",
			               mlen);
			c->closing = true;
			break;
		}
		if (c->in_len - off < 2 + mlen)
			break;
		int ret = handle_message(c, c->in + off + 2, mlen);
		if (ret != GW_OK)
			return ret;
		off += 2 + mlen;
		c->messages++;
		c->active = ev_now(c->srv->loop);
	}
	if (off > 0) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
		/* What is left began arriving no earlier than now. */
		c->msg_start = c->active;
	}
	return GW_OK;
}

/* Answer and write until nothing more can move: queries left in the
 * buffer after a pause (can_answer() false) go as soon as the answers
 * before them have been written, without waiting for more input. */
static int serve(gw_tcp_conn_t *c)
{
	int ret = GW_OK;
	c->serving = true;
	for (;;) {
		/* An abort writes nothing more (RFC 8490 5.3.1). */
		if (process_input(c) != GW_OK || (!c->aborting && flush(c) != GW_OK)) {
			ret = GW_ERROR;
			break;
		}
		/* On while a whole query waits and may be answered now: the
		 * write may just have made the room. A query left waiting here
		 * would wait for more input, which a client that pipelined all
		 * its queries never sends. */
		if (c->closing || !can_answer(c) || !head_complete(c))
			break;
	}
	c->serving = false;
	return ret;
}

/* Serve, then arm the deadline for what is left; closes c on error. */
static void conn_serve(gw_tcp_conn_t *c)
{
	/* A DSO error closes once its response went out (RFC 8490 5.3), and
	 * a message shorter than a header once the answers before it did,
	 * however slowly the client reads them (conn_deadline()); a fatal
	 * DSO error aborts at once. */
	if (serve(c) != GW_OK || c->doomed || (c->closing && (c->aborting || !has_output(c)))) {
		gw_tcp_conn_close(c);
		return;
	}
	conn_arm(c);
	/* TLS: octets OpenSSL has already read wait there; no socket event
	 * will announce them. */
	if (c->ssl != NULL && ev_is_active(&c->rio) && gw_tls_pending(c))
		ev_feed_event(c->srv->loop, &c->rio, EV_READ);
}

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents);

/* TLS: one step of the handshake; the first message's deadline (from the
 * connection's start) bounds it. */
static void conn_handshake(gw_tcp_conn_t *c)
{
	int ret = gw_tls_handshake(c);
	if (ret == GW_EBUSY) {
		if (c->tls_want_write)
			ev_io_start(c->srv->loop, &c->wio);
		else
			ev_io_stop(c->srv->loop, &c->wio);
		conn_arm(c);
		return;
	}
	if (ret != GW_OK) {
		gw_tcp_conn_close(c);
		return;
	}
	ev_io_stop(c->srv->loop, &c->wio);
	/* The first query may have come with the client's Finished. */
	conn_read_cb(c->srv->loop, &c->rio, EV_READ);
}

static void conn_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, rio);
	if (c->handshaking) {
		conn_handshake(c);
		return;
	}
	/* Nothing more is answered on a connection that closes: what it
	 * read is dropped, and reading goes on. */
	if (c->closing)
		c->in_len = 0;
	if (c->in_len < TCP_INBUF) {
		/* The first octet of a message starts its clock (the first
		 * message's started with the connection). */
		if (c->in_len == 0 && c->messages > 0)
			c->msg_start = ev_now(loop);
		ssize_t k = conn_recv(c, c->in + c->in_len, TCP_INBUF - c->in_len);
		if (k == 0) {
			/* The client closed: unsent answers have no reader. */
			gw_tcp_conn_close(c);
			return;
		}
		if (k < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				gw_tcp_conn_close(c);
				return;
			}
			k = 0;
		}
		c->in_len += (size_t)k;
	}
	conn_serve(c);
}

static void conn_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, wio);
	/* TLS: a handshake step or a read that waited for the socket to
	 * take output. */
	if (c->handshaking || c->tls_want_write) {
		conn_read_cb(loop, &c->rio, EV_READ);
		return;
	}
	conn_serve(c);
}

static void conn_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	gw_tcp_conn_t *c = container_of(w, gw_tcp_conn_t, timer);
	if (conn_deadline(c) <= ev_now(loop) + TCP_SLACK) {
		c->srv->stats.tcp_timeouts++;
		/* A DSO session past its inactivity or keepalive limit is
		 * forcibly aborted (RFC 8490 6.4.1, 6.5.1 and 5.3: a RST, no
		 * close_notify), not closed as an idle TCP connection is. */
		if (gw_push_session_established(c->push) && !c->closing && !c->doomed)
			c->aborting = true;
		gw_tcp_conn_close(c);
		return;
	}
	c->deadline = 0; /* the timer repeated from its old value: re-arm */
	conn_arm(c);
}

int gw_tcp_conn_start(gw_server_t *srv, int fd, const struct sockaddr_storage *peer, socklen_t plen,
                      bool tls)
{
	gw_tcp_conn_t *c = calloc(1, sizeof(*c));
	uint8_t *in = malloc(TCP_INBUF);
	if (c == NULL || in == NULL) {
		free(c);
		free(in);
		close(fd);
		return GW_ENOMEM;
	}
	c->srv = srv;
	c->fd = fd;
	c->in = in;
	c->peer = *peer;
	c->peer_len = plen;
	gw_client_key_of((const struct sockaddr *)peer, &c->client);
	c->active = c->msg_start = ev_now(srv->loop);
	GW_DLIST_PUSH(srv->conns, c, prev, next);
	srv->conn_count++;
	srv->stats.tcp_conns++;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_init(&c->timer, conn_timer_cb);
	ev_io_start(srv->loop, &c->rio);
	if (tls) {
		int ret = gw_tls_conn_init(c);
		if (ret != GW_OK) {
			gw_tcp_conn_close(c);
			return ret;
		}
	}
	/* The query often arrives with the handshake: read it now, so that
	 * the connection is not taken for an idle one while it waits for
	 * the loop (the read arms the timer, or closes c). */
	conn_read_cb(srv->loop, &c->rio, EV_READ);
	return GW_OK;
}
