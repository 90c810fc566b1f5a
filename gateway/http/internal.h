/* Private to gateway/http. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gateway/http/http.h"

/* What a handler answers. */
typedef struct gw_http_reply {
	unsigned status;          /* 200, ... */
	const char *content_type; /* static */
	char *body;               /* owned: malloc()ed, handed to libmicrohttpd */
	size_t len;
} gw_http_reply_t;

/* Fill out for a GET (or HEAD) of the route's path. GW_OK, or an error
 * (the client gets 500). */
typedef int (*gw_http_handler_fn)(const gw_http_t *h, gw_http_reply_t *out);

typedef struct gw_http_route {
	const char *path; /* exact match, query string excluded */
	gw_http_handler_fn handler;
} gw_http_route_t;

/* The routes, ended by a row with path NULL (routes.c). */
extern const gw_http_route_t gw_http_routes[];

/* The view handlers read (the daemon's, borrowed). */
const gw_view_t *gw_http_view(const gw_http_t *h);

/* GET /metrics (metrics.c). */
int gw_http_metrics(const gw_http_t *h, gw_http_reply_t *out);
