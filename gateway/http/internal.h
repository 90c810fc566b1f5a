/* Private to gateway/http. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "gateway/http/http.h"

struct MHD_Connection;

/* What a handler is asked. */
typedef struct gw_http_request {
	const char *path;            /* borrowed: the path, query string excluded */
	struct MHD_Connection *conn; /* borrowed: for gw_http_arg() */
} gw_http_request_t;

/* The value of the query string's argument key (decoded), borrowed for
 * the request; NULL when absent or empty. */
const char *gw_http_arg(const gw_http_request_t *req, const char *key);

/* What a handler answers. Every reply also carries Cache-Control:
 * no-store, X-Content-Type-Options: nosniff and a Content-Security-Policy:
 * csp when the handler wrote one, else one that allows nothing. */
typedef struct gw_http_reply {
	unsigned status;          /* 200, ... */
	const char *content_type; /* static */
	char *body;               /* owned: malloc()ed, handed to libmicrohttpd */
	size_t len;
	char csp[512]; /* "": GW_HTTP_CSP_NONE */
} gw_http_reply_t;

/* The policy of a reply that is not a page: nothing loads, nothing frames. */
#define GW_HTTP_CSP_NONE "default-src 'none'; frame-ancestors 'none'"

/* Fill out for a GET (or HEAD) of the route's path. GW_OK, or an error
 * (the client gets 500). */
typedef int (*gw_http_handler_fn)(const gw_http_t *h, const gw_http_request_t *req,
                                  gw_http_reply_t *out);

typedef struct gw_http_route {
	const char *path; /* exact match, query string excluded */
	gw_http_handler_fn handler;
	/* For a browser (the status page and its JSON): answered only when
	 * Host: names an address, localhost or one of metrics.hosts, so a
	 * page elsewhere cannot read it by rebinding its own name to us. */
	bool browser;
	/* path is a prefix, followed by the name of a status topic
	 * (gw_status_topic_parse()): one row serves every topic, and an
	 * unknown topic is a 404 like any other path. */
	bool topics;
} gw_http_route_t;

/* Whether the Host header value host (NULL: none sent) is one the status
 * page answers to: an IPv4 or bracketed IPv6 literal, "localhost", or one
 * of the count names in hosts (lowercase); a port after ':' is ignored,
 * case too (host.c). */
bool gw_http_host_allowed(const char *host, char *const *hosts, size_t count);

/* The routes, ended by a row with path NULL (routes.c). */
extern const gw_http_route_t gw_http_routes[];

/* The view handlers read (the daemon's, borrowed). */
const gw_view_t *gw_http_view(const gw_http_t *h);

/* GET /metrics (metrics.c). */
int gw_http_metrics(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out);

/* GET /: the status page (page.c), status.html with its policy. */
int gw_http_page(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out);

/* GET /api/<topic>: gw_status_json() of the topic (api.c); the services
 * topic takes ?zone=, ?link= and ?limit=. */
int gw_http_api(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out);

/* gateway/http/status.html, embedded at build time (embed.cmake): len
 * octets and a NUL after them. */
extern const unsigned char gw_http_status_html[];
extern const size_t gw_http_status_html_len;
