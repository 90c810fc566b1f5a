/* Private to server.c, udp.c and tcp.c. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gateway/query/answer.h"
#include "gateway/server/server.h"
#include "gateway/xfr/xfr.h"
#include "common/container.h"

#define GW_UDP_BATCH   32
#define GW_UDP_MAXMSG  4096 /* largest UDP reply we build (udp-payload max) */
#define GW_UDP_RCVBUF  4096 /* a query larger than this is not a query */
#define GW_TCP_MAXMSG  65535
#define GW_UDP_SOCKBUF (4 * 1024 * 1024) /* receive buffer asked for */

typedef struct gw_listener {
	ev_io io;
	struct gw_server *srv;
	int fd;
	bool tcp;
	bool wildcard; /* bound to 0.0.0.0 or ::, so replies need pktinfo */
	int family;
	struct sockaddr_storage addr; /* as bound, with the real port */
	socklen_t addr_len;
} gw_listener_t;

typedef struct gw_tcp_conn gw_tcp_conn_t;

struct gw_server {
	struct ev_loop *loop;
	gw_server_opts_t opts;
	gw_answer_env_t env;
	gw_zoneref_t *zone;       /* one reference */
	gw_listener_t *listeners; /* owned */
	size_t listener_count;
	gw_tcp_conn_t *conns; /* owned: list of open TCP connections */
	unsigned conn_count;
	bool accepting_paused;
	gw_server_stats_t stats;
	/* UDP batch buffers, shared by every UDP socket (one loop thread). */
	uint8_t (*udp_in)[GW_UDP_RCVBUF];
	uint8_t (*udp_out)[GW_UDP_MAXMSG];
};

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
void gw_tcp_accept_cb(struct ev_loop *loop, ev_io *w, int revents);
void gw_tcp_close_all(struct gw_server *srv);
/* Resume accepting after a connection closed below the limit. */
void gw_tcp_maybe_resume(struct gw_server *srv);
