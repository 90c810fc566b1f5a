/* HTTP for operators: the Prometheus metrics (GET /metrics) and the
 * status page (GET /, GET /api/<topic>), through
 * libmicrohttpd driven by the daemon's libev loop in the loop's thread
 * (MHD's epoll descriptor watched by an ev_io, its timeout by an
 * ev_timer), so a handler reads the daemon's state (gw_view_t) without
 * locks. Clients outside the allow list are refused at accept; the
 * connection count and an idle timeout bound what clients can hold.
 * Routes are a table (routes.c): the status page (GET /, status.html)
 * and its JSON (GET /api/<topic>, gw_status_json()) are rows there. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <ev.h>

#include "gateway/config/acl.h"
#include "gateway/config/config.h"
#include "gateway/control/view.h"

typedef struct gw_http gw_http_t;

typedef struct gw_http_opts {
	const gw_endpoint_t *listen; /* borrowed for gw_http_new(): listen_count addresses
	                                (port 0: any free) */
	size_t listen_count;
	const gw_acl_t *allow;    /* borrowed (gw_http_set_allow() replaces it): who may
	                             connect; entries with a key ignored */
	unsigned max_connections; /* open connections at once, per listener; 0: 16 */
	/* of them, held by one client address; 0: half, at least 1 */
	unsigned max_per_client;
	unsigned timeout;      /* seconds an idle connection is kept; 0: 10 */
	const gw_view_t *view; /* borrowed: what handlers show; read only while serving */
} gw_http_opts_t;

/* Bind and listen on every address of opts (nothing is accepted before
 * gw_http_start()). opts is copied; what it points at must outlive the
 * listener. On success *out owns it. Errors: -errno from socket, bind or
 * listen, logged with the address; GW_ENOMEM; GW_ERROR when libmicrohttpd
 * refuses to start (logged). */
int gw_http_new(gw_http_t **out, struct ev_loop *loop, const gw_http_opts_t *opts);

/* Check clients against allow from now on (borrowed, as in opts): a
 * reload that replaces the configuration hands over the new list before
 * the old one is freed. The listen addresses are only read by
 * gw_http_new(). */
void gw_http_set_allow(gw_http_t *h, const gw_acl_t *allow);

/* Attach to / detach from the loop. */
void gw_http_start(gw_http_t *h);
void gw_http_stop(gw_http_t *h);

/* Write "metrics ADDR PORT" lines, one per listener, to fp (the ports
 * file, beside the server's "udp"/"tcp" lines). GW_OK or GW_EIO. */
int gw_http_write_ports(const gw_http_t *h, FILE *fp);

/* Log one line per listener at info level. */
void gw_http_log_ports(const gw_http_t *h);

/* Counters, for the metrics themselves. */
typedef struct gw_http_stats {
	uint64_t requests;       /* answered, any route and status */
	uint64_t refused;        /* connections refused: not in the allow list */
	uint64_t refused_host;   /* page or JSON requests refused for their Host header */
	uint64_t refused_client; /* connections refused: the client holds max_per_client */
} gw_http_stats_t;
void gw_http_get_stats(const gw_http_t *h, gw_http_stats_t *st);

/* Stop and close everything. Accepts NULL. */
void gw_http_free(gw_http_t *h);
