/* The daemon's state as JSON, one topic at a time: what the control socket
 * (gateway/control/socket.h), the status page (gateway/http) and
 * dnssd-gatewayctl show. The shape of every topic is documented in
 * docs/control.md; fields are only ever added. Loop thread only: it reads
 * the running parts of the view directly. */
#pragma once

#include <stddef.h>

#include <json-c/json.h>

#include "gateway/control/view.h"

typedef enum {
	GW_STATUS_STATUS = 0,  /* version, uptime, the zone: serial, signing, commits */
	GW_STATUS_LINKS,       /* the mDNS links: name, label, ifindex, state, services */
	GW_STATUS_SERVICES,    /* the service instances (filters: zone, link; bounded) */
	GW_STATUS_REFUSED,     /* the mirror's limits, refusals by reason, the recent ones */
	GW_STATUS_SECONDARIES, /* NOTIFY targets and transfer clients */
	GW_STATUS_KEYS,        /* the DNSSEC keys: tag, algorithm, role, times */
	GW_STATUS_DS,          /* the DS records (SHA-256) for the parent */
	GW_STATUS_STATS,       /* counters: server, cookies and rate limit, mirror, NOTIFY */
	GW_STATUS_TOPICS
} gw_status_topic_t;

/* Services listed at most when the query names no limit. */
#define GW_STATUS_SERVICES_MAX 1000

/* What to show. Strings are borrowed for the call. */
typedef struct gw_status_query {
	gw_status_topic_t topic;
	const char *zone; /* services: only this zone ("home.arpa" or "home.arpa.", any case);
	                     NULL: every zone */
	const char *link; /* services: only the link with this label; NULL: every link */
	size_t limit;     /* services: at most this many listed; 0: GW_STATUS_SERVICES_MAX */
} gw_status_query_t;

/* The topic named name ("status", "links", "services", "refused",
 * "secondaries", "keys", "ds", "stats"). GW_OK or GW_EINVAL. */
int gw_status_topic_parse(const char *name, gw_status_topic_t *out);

/* The name of a topic, static ("?" when out of range). */
const char *gw_status_topic_name(gw_status_topic_t topic);

/* The topic q->topic of the daemon v as a new JSON object: on GW_OK *out
 * owns it (json_object_put() it). A part that is not running shows as
 * null or empty. Errors: GW_EINVAL (topic out of range), GW_ENOTFOUND (the
 * zone or link filter names none of ours), GW_ENOMEM. */
int gw_status_json(const gw_view_t *v, const gw_status_query_t *q, json_object **out);

/* The same, with a one-line reason for an error written into errbuf
 * (errlen octets) when it is not NULL. */
int gw_status_json_err(const gw_view_t *v, const gw_status_query_t *q, json_object **out,
                       char *errbuf, size_t errlen);
