/* Private to server.c, udp.c and tcp.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "gateway/push/push.h"
#include "gateway/query/answer.h"
#include "gateway/server/server.h"
#include "gateway/xfr/xfr.h"
#include "common/addr.h"
#include "common/container.h"
#include "common/dns.h"

#define GW_UDP_BATCH  32
#define GW_UDP_MAXMSG 4096 /* largest UDP reply we build (udp-payload max) */
#define GW_UDP_RCVBUF 4096 /* a query larger than this is not a query */
#define GW_TCP_MAXMSG 65535

/* A transfer's log lines (its start, its end, a malformed IXFR): a burst
 * of transfers from the secondaries is written whole, a peer pipelining
 * hundreds is not. For a static gw_log_limit_t. */
#define GW_XFR_LOG_LIMIT GW_LOG_LIMIT_PER_SECOND(20)
#define GW_UDP_SOCKBUF   (4 * 1024 * 1024) /* receive buffer asked for */
/* A connection answered less than this long ago is not replaced by a
 * newcomer when the table is full: a client that reuses its connection
 * sends its next query sooner than that (RFC 7766 6.2.1). */
#define GW_TCP_EVICT_AFTER 1.0

typedef struct gw_listener {
	ev_io io;
	struct gw_server *srv;
	int fd;
	bool tcp;
	bool tls;      /* a stream listener whose connections speak TLS (tls.c) */
	bool wildcard; /* bound to 0.0.0.0 or ::, so replies need pktinfo */
	int family;
	struct sockaddr_storage addr; /* as bound, with the real port */
	socklen_t addr_len;
} gw_listener_t;

typedef struct gw_tcp_conn gw_tcp_conn_t;

/* One TCP connection (tcp.c); the admission code (tcp_accept.c) reads
 * the fields that say how long it has waited and for whom. */
struct gw_tcp_conn {
	ev_io rio;
	ev_io wio;
	ev_timer timer;        /* the idle, message or output deadline */
	struct gw_server *srv; /* borrowed: the server that holds it */
	int fd;                /* owned */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	gw_client_key_t client; /* who it counts against for the per-client limit */
	/* Owned; NULL: plain TCP. Every octet of a TLS connection goes
	 * through it (tls.c); the framing, limits and timers are the same. */
	SSL *ssl;
	bool handshaking;    /* TLS: no message may be read before it is done */
	bool tls_want_write; /* TLS: the last read or handshake step wants the socket writable */
	bool tls_read_data;  /* TLS: the last read returned octets */
	uint8_t *in;         /* owned: 2 + GW_TCP_MAXMSG octets */
	size_t in_len;
	uint8_t *out; /* owned: pending output */
	size_t out_len, out_off, out_cap;
	unsigned unsent; /* answers queued since the output last drained */
	gw_xfr_t xfr;
	bool xfr_active;
	uint64_t messages;   /* whole messages received */
	ev_tstamp active;    /* accepted, last whole message, or output moved */
	ev_tstamp msg_start; /* first octet of the message being received */
	ev_tstamp deadline;  /* what timer is armed for */
	/* DSO (RFC 8490), made at the first DSO message when push is on for
	 * this transport; owned. Its timeouts replace the idle timeout once
	 * established. */
	gw_push_session_t *push;
	bool serving;               /* inside serve(): output is flushed on the way out */
	bool closing;               /* close once the output is written; input is dropped */
	bool aborting;              /* closing with a TCP RST (a fatal DSO error, RFC 8490 5.3) */
	bool doomed;                /* close at the next timer: output over its bound */
	gw_tcp_conn_t *prev, *next; /* links of srv->conns */
};

struct gw_server {
	struct ev_loop *loop;
	gw_server_opts_t opts;
	gw_answer_env_t env;
	gw_guard_t *guard; /* owned; NULL: no cookies, no rate limit */
	/* The zones served (gw_server_set_zones()), zone_count entries of
	 * one reference each; zone_ptrs (their zones, for env.zones and
	 * zone_pick()) in the same order. Owned arrays. */
	gw_server_zone_t *zones;
	const zone_t **zone_ptrs;
	size_t zone_count;
	gw_listener_t *listeners; /* owned */
	size_t listener_count;
	gw_tcp_conn_t *conns; /* owned: list of open TCP connections */
	gw_push_t *push;      /* borrowed; NULL: DSO messages answered NOTIMP */
	bool push_plain_tcp;  /* DSO on plain TCP too (tests, trusted networks) */
	unsigned conn_count;
	bool accepting_paused;
	bool fd_backoff;       /* paused for want of descriptors */
	ev_timer accept_timer; /* ends a pause */
	int spare_fd;          /* /dev/null, given up to refuse one client at EMFILE */
	SSL_CTX *tls_ctx;      /* owned; NULL until gw_server_set_tls() */
	ev_timer ticket_timer; /* rotates tls_ctx's session ticket keys */
	gw_server_stats_t stats;
	/* The clients' last transfers (xfr_log.c); xfr_count in use. */
	gw_server_xfr_info_t xfr_clients[GW_SERVER_XFR_CLIENTS];
	size_t xfr_count;
	/* UDP batch buffers, shared by every UDP socket (one loop thread). */
	uint8_t (*udp_in)[GW_UDP_RCVBUF];
	uint8_t (*udp_out)[GW_UDP_MAXMSG];
	/* Replies by transport, then TC flag and header rcode (TC << 4 |
	 * rcode), then question type slot (rows of 16, so the index is
	 * shifts): one increment on the query path; gw_server_get_stats()
	 * sums them into the stats' per-type and per-rcode counts. */
	uint64_t replies[GW_TRANSPORTS][32][16];
	uint64_t badvers[GW_TRANSPORTS]; /* of replies with rcode 0: BADVERS (16) */
};

/* Slot of each query type below 256 (stats.c); the others are
 * GW_QT_OTHER. */
extern const uint8_t gw_qtype_slot[256];

/* Count the reply out (its header at least) to q, sent over transport:
 * on the query path, so one table look-up and one increment. */
static inline void gw_server_count_reply(struct gw_server *srv, unsigned transport,
                                         const gw_query_t *q, const uint8_t *out)
{
	unsigned qslot = q->qtype < 256 ? gw_qtype_slot[q->qtype] : GW_QT_OTHER;
	srv->replies[transport][((out[2] & 2u) << 3) | (out[3] & 0x0fu)][qslot]++;
	if (__builtin_expect(q->edns_version > 0, 0))
		srv->badvers[transport]++; /* 16: the header's bits are 0 */
}

/* Add up srv->replies and badvers into st's per-type, per-rcode and
 * truncated counts (stats.c). */
void gw_server_sum_replies(const struct gw_server *srv, gw_server_stats_t *st);

/* Count how a transfer request of type qtype (AXFR or IXFR) ended. */
static inline void gw_server_count_xfr(struct gw_server *srv, uint16_t qtype, gw_xfr_result_t r)
{
	srv->stats.xfr_results[qtype == DNS_T_IXFR ? 1 : 0][r]++;
}

/* xfr_log.c: peer started a transfer of kind (static) at serial. */
void gw_server_xfr_note(struct gw_server *srv, const struct sockaddr_storage *peer,
                        const char *kind, uint32_t serial);

/* "ADDR@PORT" (IPv6 without brackets) into buf. */
void gw_sockaddr_str(const struct sockaddr_storage *ss, char *buf, size_t len);

/* Off the hot path (server_xfr.c). Start the transfer that the AXFR or
 * IXFR query q (in pkt, len octets) from peer asks for, into x: on GW_OK
 * with *started, x runs and the caller streams it; otherwise out (cap
 * octets) holds the reply, *outlen octets (refusals, errors). */
int gw_server_xfr_start(struct gw_server *srv, gw_xfr_t *x, const gw_query_t *q, const uint8_t *pkt,
                        size_t len, const struct sockaddr_storage *peer, uint8_t *out, size_t cap,
                        size_t *outlen, bool *started);

/* The reply to what gw_answer() left to the server (GW_ANSWER_SPECIAL):
 * NOTIFY, IXFR over UDP. Returns its length, 0 for none. */
size_t gw_server_special(struct gw_server *srv, const gw_query_t *q, const uint8_t *pkt, size_t len,
                         const struct sockaddr_storage *peer, bool tcp, uint8_t *out, size_t cap);

void gw_udp_read_cb(struct ev_loop *loop, ev_io *w, int revents);

/* TCP admission (tcp_accept.c). gw_tcp_init applies the defaults of the
 * TCP options, fits tcp_max_connections to RLIMIT_NOFILE and opens the
 * spare descriptor; call it before any listener starts. */
void gw_tcp_init(struct gw_server *srv);
void gw_tcp_deinit(struct gw_server *srv);
void gw_tcp_accept_cb(struct ev_loop *loop, ev_io *w, int revents);
void gw_tcp_close_all(struct gw_server *srv);
/* Resume accepting after a connection closed below the limit. */
void gw_tcp_maybe_resume(struct gw_server *srv);

/* TCP connections (tcp.c). Start serving fd, accepted from peer (plen
 * octets), over TLS when tls; takes fd (closed on failure). Returns
 * GW_OK, GW_ENOMEM or GW_ECRYPTO. */
int gw_tcp_conn_start(struct gw_server *srv, int fd, const struct sockaddr_storage *peer,
                      socklen_t plen, bool tls);
/* Close c and free it; the loop may accept again. */
void gw_tcp_conn_close(gw_tcp_conn_t *c);
/* Whether c may be closed for a newcomer at now: the server is waiting on
 * its client (nothing to write, no transfer, no whole query queued), and
 * either it has never sent a whole message or it has been silent for
 * GW_TCP_EVICT_AFTER seconds. */
bool gw_tcp_conn_evictable(const gw_tcp_conn_t *c, ev_tstamp now);

/* TLS on a stream connection (tls.c): the I/O of tcp.c goes through these
 * when c->ssl is set. */

/* Give c a TLS session in server mode on its descriptor. GW_OK, GW_ECRYPTO
 * (no context yet, or OpenSSL failed; logged, limited). */
int gw_tls_conn_init(gw_tcp_conn_t *c);
/* Take the handshake one step. GW_OK when done (c->handshaking false),
 * GW_EBUSY while it waits for the socket (c->tls_want_write says which
 * way), GW_ECRYPTO when it failed (counted, logged at debug level). */
int gw_tls_handshake(gw_tcp_conn_t *c);
/* Like recv() and send() on a non-blocking socket: octets moved, 0 for
 * the peer's close (recv), -1 with errno EAGAIN when the socket must be
 * ready first, -1 with another errno for an error. */
ssize_t gw_tls_recv(gw_tcp_conn_t *c, uint8_t *buf, size_t len);
ssize_t gw_tls_send(gw_tcp_conn_t *c, const uint8_t *buf, size_t len);
/* Octets OpenSSL has already taken from the socket that the next read
 * can return (no socket event will announce them): decrypted ones, or
 * raw ones behind a read that returned data. Not a record's first part
 * alone, which only the socket can complete. */
bool gw_tls_pending(const gw_tcp_conn_t *c);
/* Send close_notify (once, without waiting) and free the session. */
void gw_tls_conn_deinit(gw_tcp_conn_t *c);

/* The block a padded reply over TLS is padded to (RFC 8467 4.1: 468). */
#define GW_TLS_PAD_BLOCK 468

/* Options added to the reply of n octets at msg (cap octets of room, at
 * most GW_TCP_MAXMSG) after the answerer and the guard (reply_opt.c).
 * Only a reply whose OPT is its last record gets one (a TSIG-signed reply
 * does not: the option would break the signature). Each returns the new
 * length, n when the reply is left as it was. */
/* For the reply to q that the query path made: the Extended DNS Error
 * it set (RFC 8914, q->has_ede), then NSID (RFC 5001) with the text nsid
 * (borrowed; NULL or empty: none) when q asked; neither on a truncated
 * reply, each only when it fits in cap. */
size_t gw_reply_extras(uint8_t *msg, size_t n, size_t cap, const gw_query_t *q, const char *nsid);
/* EDNS Padding to a multiple of block octets, when a whole block fits. */
size_t gw_pad_reply(uint8_t *msg, size_t n, size_t cap, size_t block);
