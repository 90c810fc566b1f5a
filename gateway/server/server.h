/* The DNS server: UDP and TCP listeners on the libev loop, answering from
 * the current zone; AXFR and IXFR over TCP to allowed clients (TSIG), IXFR
 * over UDP with the SOA, NOTIFY answered. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <sys/socket.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "gateway/journal/journal.h"
#include "gateway/push/push.h"
#include "gateway/query/guard.h"
#include "gateway/xfr/access.h"
#include "gateway/xfr/xfr.h"
#include "gateway/zonemgr/zoneref.h"

typedef struct gw_server gw_server_t;

#define GW_SERVER_TICKET_LIFETIME 3600.0

typedef struct gw_server_opts {
	const struct sockaddr_storage *listen; /* borrowed: listen_count addresses */
	const socklen_t *listen_len;           /* borrowed: their lengths */
	size_t listen_count;
	/* DNS over TLS (tls.c): stream listeners whose connections speak TLS,
	 * under the tcp_* limits and deadlines (one table of connections for
	 * both; the handshake must end within tcp_message_timeout). Port 0
	 * picks a free port. Borrowed like listen; tls_listen_count 0: none.
	 * They answer nothing until gw_server_set_tls(). */
	const struct sockaddr_storage *tls_listen;
	const socklen_t *tls_listen_len;
	size_t tls_listen_count;
	uint16_t udp_payload;    /* our EDNS buffer size */
	double tcp_idle_timeout; /* seconds between messages; 0: 10 s */
	/* Seconds for one message to arrive whole, from its first octet (from
	 * the connection's start for the first); 0: 5 s. */
	double tcp_message_timeout;
	unsigned tcp_max_connections; /* 0: 256; lowered to fit RLIMIT_NOFILE */
	/* Connections from one IPv4 address or IPv6 /64; 0: a sixteenth of
	 * tcp_max_connections, at least 8. */
	unsigned tcp_max_per_client;
	unsigned tcp_max_pipelined; /* answers a client may leave unread (>= 1) */
	/* Seconds a TLS session ticket resumes its session; the key that
	 * seals tickets is replaced as often, and forgotten one lifetime
	 * later (tls_ticket.c). 0: GW_SERVER_TICKET_LIFETIME. */
	double tls_ticket_lifetime;
	const char *identity; /* borrowed, may be NULL */
	const char *version;  /* borrowed, may be NULL */
	/* Borrowed; NULL: no transfers. Its keys verify signed queries; its
	 * allow list is that of a zone given none (gw_server_zone_t.access).
	 * Read at each request, so its owner may change it in place between
	 * two (a reload: gateway/reload.c). */
	const gw_access_t *xfr_access;
} gw_server_opts_t;

/* Create a server and bind every listener (UDP and TCP on the same port;
 * port 0 picks one free port for both). Strings in opts must outlive the
 * server. On success *out owns the server. Errors: -errno from bind with a
 * log line naming the address. */
int gw_server_new(gw_server_t **out, struct ev_loop *loop, const gw_server_opts_t *opts);

/* Cookies and rate limiting for UDP replies from now on (opts borrowed
 * for the call; the cookie secret is read, or made, in the state
 * directory, so call it once that exists). GW_OK or gw_guard_new()'s
 * error (logged). */
int gw_server_set_guard(gw_server_t *srv, const gw_guard_opts_t *opts);

/* One zone the server answers for. */
typedef struct gw_server_zone {
	gw_zoneref_t *zone; /* borrowed: the server takes its own reference */
	/* Borrowed (must outlive the server or be replaced); NULL: IXFR
	 * answered in AXFR form. */
	gw_journal_t *journal;
	/* Borrowed: who may transfer this zone, read at each request (so its
	 * owner may change it in place); NULL: gw_server_opts_t.xfr_access. */
	const gw_access_t *access;
} gw_server_zone_t;

/* Serve zones (count entries, copied; apexes distinct) from now on: a
 * query is answered from the zone whose apex is the longest suffix of its
 * name (REFUSED in none); a transfer or NOTIFY names an apex. References
 * are taken, the old ones dropped. count 0: every query SERVFAIL. Lets
 * the daemon bind every socket before it makes the zones. GW_OK or
 * GW_ENOMEM (the zones served stay as they were). */
int gw_server_set_zones(gw_server_t *srv, const gw_server_zone_t *zones, size_t count);

/* DSO and DNS Push (RFC 8490, 8765) on stream connections from now on
 * (borrowed; must outlive the server or be replaced; NULL: off, DSO
 * answered NOTIMP). RFC 8765 requires TLS: with plain_tcp false, DSO on a
 * plain TCP connection is answered NOTIMP as before; true is for tests
 * and trusted networks only (push.plain-tcp). */
void gw_server_set_push(gw_server_t *srv, gw_push_t *push, bool plain_tcp);

/* The TCP (and TLS) connections served at once: tcp_max_connections as
 * gw_server_new() fitted it to RLIMIT_NOFILE. */
unsigned gw_server_tcp_capacity(const gw_server_t *srv);

/* Serve TLS with ctx from now on (owned by the server from now on; the
 * old one is freed: connections open keep their sessions, which hold
 * their own reference). */
void gw_server_set_tls(gw_server_t *srv, SSL_CTX *ctx);

/* The bound TLS listener addresses (with their real ports): copies at
 * most cap into out and returns how many there are. */
size_t gw_server_tls_addrs(const gw_server_t *srv, struct sockaddr_storage *out, size_t cap);

/* Attach to / detach from the loop. */
void gw_server_start(gw_server_t *srv);
void gw_server_stop(gw_server_t *srv);

/* Write "udp|tcp|tls ADDR PORT" lines, one per socket, to fp. */
int gw_server_write_ports(const gw_server_t *srv, FILE *fp);

/* Log one line per bound socket at info level. */
void gw_server_log_ports(const gw_server_t *srv);

/* Close everything; open TCP connections are dropped. Accepts NULL. */
void gw_server_free(gw_server_t *srv);

/* Slots of the per-type counters: the types the metrics name, the rest
 * in GW_QT_OTHER. */
typedef enum {
	GW_QT_OTHER = 0,
	GW_QT_A,
	GW_QT_AAAA,
	GW_QT_PTR,
	GW_QT_SRV,
	GW_QT_TXT,
	GW_QT_SOA,
	GW_QT_NS,
	GW_QT_DNSKEY,
	GW_QT_DS,
	GW_QT_ANY,
	GW_QT_AXFR,
	GW_QT_IXFR,
	GW_QT_SLOTS
} gw_qtype_slot_t;

/* Slots of the per-rcode counters. BADVERS and BADCOOKIE are extended
 * rcodes (RFC 6891); the rest are the header's. YXDOMAIN: a DNAME would
 * make a name longer than 255 octets (RFC 6672 2.2). */
typedef enum {
	GW_RC_NOERROR = 0,
	GW_RC_FORMERR,
	GW_RC_SERVFAIL,
	GW_RC_NXDOMAIN,
	GW_RC_NOTIMP,
	GW_RC_REFUSED,
	GW_RC_YXDOMAIN,
	GW_RC_NOTAUTH,
	GW_RC_BADVERS,
	GW_RC_BADCOOKIE,
	GW_RC_OTHER,
	GW_RC_SLOTS
} gw_rcode_slot_t;

/* Transports of the per-type and per-rcode counters. */
enum { GW_TRANSPORT_UDP = 0, GW_TRANSPORT_TCP, GW_TRANSPORTS };

/* Names of the slots ("A", "other"; "NOERROR"; "udp"), static. */
const char *gw_server_qtype_str(gw_qtype_slot_t slot);
const char *gw_server_rcode_str(gw_rcode_slot_t slot);
const char *gw_server_transport_str(unsigned transport);

/* Counters for status and benchmarks. */
typedef struct gw_server_stats {
	uint64_t udp_queries, udp_dropped, tcp_queries, tcp_conns, tcp_refused_conns, axfr;
	uint64_t ixfr, xfr_refused, notify_in;
	uint64_t tcp_timeouts;    /* closed at the idle or message deadline */
	uint64_t tcp_evicted;     /* closed to make room for a newcomer */
	uint64_t tcp_over_client; /* closed at the per-client limit */
	uint64_t tcp_no_fds;      /* refused for want of file descriptors */
	uint64_t udp_limited;     /* UDP replies not sent: the rate limit dropped them */
	/* TLS connections (counted among the TCP ones too): accepted,
	 * handshakes done (resumed among them), handshakes failed. */
	uint64_t tls_conns, tls_handshakes, tls_resumed, tls_failed;
	gw_guard_stats_t guard; /* cookies and rate limiting */
	/* Replies sent (the first message of a transfer for a transfer), by
	 * transport and the question's type, and by transport and rcode. */
	uint64_t replies_by_qtype[GW_TRANSPORTS][GW_QT_SLOTS];
	uint64_t replies_by_rcode[GW_TRANSPORTS][GW_RC_SLOTS];
	uint64_t truncated; /* replies sent with TC (the rate limit's slips among them) */
	uint64_t tcp_open;  /* TCP connections open now (filled by gw_server_get_stats) */
	/* Transfer requests by type (0 AXFR, 1 IXFR) and how they ended. */
	uint64_t xfr_results[2][GW_XFR_RESULTS];
} gw_server_stats_t;
void gw_server_get_stats(const gw_server_t *srv, gw_server_stats_t *st);

/* The last transfer each client address had (the control socket shows the
 * secondaries): one entry per address (port ignored), the
 * GW_SERVER_XFR_CLIENTS most recent addresses kept. */
#define GW_SERVER_XFR_CLIENTS 16

typedef struct gw_server_xfr_info {
	struct sockaddr_storage addr; /* the client's address; its port is the last one used */
	char addr_text[64];           /* the address alone, as text */
	const char *kind; /* static: "AXFR", "IXFR" (diffs), "IXFR-AXFR" (whole zone), "IXFR-SOA"
	                     (already current), "IXFR-UDP" (SOA over UDP) */
	time_t when;      /* wall clock the transfer started */
	uint32_t serial;  /* the serial it sends */
	uint64_t count;   /* transfers this address had since the start */
} gw_server_xfr_info_t;

/* The clients' last transfers, most recent first: copies at most cap into
 * out and returns how many it copied. */
size_t gw_server_transfers(const gw_server_t *srv, gw_server_xfr_info_t *out, size_t cap);
