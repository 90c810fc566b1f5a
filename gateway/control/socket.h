/* The control socket: a Unix stream socket on the loop that answers one
 * JSON request per line with one JSON reply per line, for
 * dnssd-gatewayctl (docs/control.md).
 *
 *   request: {"command": "services", "link": "lan"}
 *   reply:   {"ok": true, "data": {...}}  or  {"ok": false, "error": "..."}
 *
 * Commands: the topics of gateway/control/status.h (status, links,
 * services [zone, link, limit], refused, secondaries, keys, ds, stats),
 * log-level (level), reload. The socket is mode 0660: whoever may
 * connect may also reload and change the log level. Limits: a request of
 * at most max_request octets, max_connections at once, each closed after
 * timeout seconds without a request (but for the wait for a reload it
 * asked for, which holds its later requests); what goes over one is logged
 * through a rate-limited line. Loop thread only. */
#pragma once

#include <stddef.h>

#include <ev.h>
#include <json-c/json.h>

#include "common/log.h"
#include "gateway/control/protocol.h"
#include "gateway/control/status.h"
#include "gateway/control/view.h"

#define GW_CONTROL_CONNECTIONS_MAX 16
#define GW_CONTROL_TIMEOUT         10.0 /* seconds a connection may stay idle */

/* A reload's end: ret GW_OK or the error, report what was applied, what
 * needs a restart and the errors, for a person (borrowed for the call). */
typedef void (*gw_control_reload_done_fn)(void *done_arg, int ret, const char *report);

/* Start a reload; done(done_arg, ...) is called exactly once on the loop
 * when it ends, later (the loop answering meanwhile) or before this
 * returns. The reply to the request waits for it, and so do the requests
 * the client sent after it. */
typedef void (*gw_control_reload_fn)(void *arg, gw_control_reload_done_fn done, void *done_arg);

typedef struct gw_control_opts {
	const char *path;            /* borrowed: the socket; NULL: gw_control_default_path() */
	const gw_view_t *view;       /* borrowed: what the commands show; outlives the socket */
	gw_control_reload_fn reload; /* NULL: reload answers an error */
	void *reload_arg;            /* borrowed, passed to reload */
	size_t max_request;          /* 0: GW_CONTROL_REQUEST_MAX */
	unsigned max_connections;    /* 0: GW_CONTROL_CONNECTIONS_MAX */
	double timeout;              /* 0: GW_CONTROL_TIMEOUT */
} gw_control_opts_t;

typedef struct gw_control gw_control_t;

/* The default socket path into buf (len octets): $RUNTIME_DIRECTORY
 * (systemd's RuntimeDirectory=; the first of a colon-separated list)
 * followed by /control.sock, else GW_CONTROL_SOCKET_DEFAULT. GW_OK or
 * GW_ESPACE. */
int gw_control_default_path(char *buf, size_t len);

/* Listen on the socket and answer on loop. The parent directory is made
 * (0750) when missing; a socket file left by a daemon that is gone is
 * replaced, but one that a live daemon answers on is not (GW_EBUSY), nor
 * anything that is not a socket (GW_EEXIST). The socket is mode 0660.
 * Errors are logged with the path: GW_EBUSY, GW_EEXIST, GW_ELIMIT (path
 * too long for a Unix socket), -errno, GW_ENOMEM. On success *out owns the
 * socket. */
int gw_control_new(gw_control_t **out, struct ev_loop *loop, const gw_control_opts_t *opts);

/* The path listened on, borrowed. */
const char *gw_control_path(const gw_control_t *c);

/* Octets of replies not yet written, all connections together: at most
 * one reply each, as a connection carries out its next request only once
 * the reply before it is written. */
size_t gw_control_queued(const gw_control_t *ctl);

/* Close every connection and the socket, remove the socket file. Accepts
 * NULL. */
void gw_control_free(gw_control_t *c);

/* ---- requests (gateway/control/request.c), also for the unit tests ---- */

typedef enum {
	GW_CONTROL_TOPIC = 0, /* a topic of status.h */
	GW_CONTROL_LOG_LEVEL, /* set the log level */
	GW_CONTROL_RELOAD,    /* reload */
	GW_CONTROL_ROLLOVER,  /* start a key rollover ("kind": zsk, ksk, csk, algorithm) */
	GW_CONTROL_DS_SEEN,   /* the new DS is at the parent (ds-seen, ds-confirm) */
	GW_CONTROL_INSECURE,  /* go-insecure (CDS DELETE) or go-secure (undo) */
} gw_control_kind_t;

typedef struct gw_control_request {
	gw_control_kind_t kind;
	gw_status_query_t query; /* TOPIC: strings point into doc */
	gw_log_level_t level;    /* LOG_LEVEL */
	sig_roll_kind_t roll;    /* ROLLOVER */
	uint8_t algorithm;       /* ROLLOVER of kind algorithm: the new one */
	bool insecure;           /* INSECURE: true for go-insecure */
	json_object *doc;        /* owned: the parsed request */
} gw_control_request_t;

/* Parse one request line (len octets, no newline, need not be
 * NUL-terminated) into req. GW_OK (release req with
 * gw_control_request_deinit()), or GW_EPARSE / GW_EINVAL with the reason
 * for the client in err (errlen octets). */
int gw_control_request_parse(const char *line, size_t len, gw_control_request_t *req, char *err,
                             size_t errlen);
void gw_control_request_deinit(gw_control_request_t *req);

/* Carry out one request line and build the reply: *reply is a new
 * NUL-terminated string ending with a newline (caller frees), *reply_len
 * its length. A reload is not carried out here: *reload is set and *reply
 * left NULL, and the caller starts it and replies with
 * gw_control_reload_reply() when it ends. GW_OK or GW_ENOMEM. */
int gw_control_handle(const gw_view_t *v, const char *line, size_t len, char **reply,
                      size_t *reply_len, bool *reload);

/* The reply to a reload that ended with ret and report (caller frees;
 * *len its length), or NULL when out of memory. */
char *gw_control_reload_reply(int ret, const char *report, size_t *len);

/* The one-line error reply for text (caller frees), or NULL when out of
 * memory. */
char *gw_control_error_reply(const char *text, size_t *reply_len);
