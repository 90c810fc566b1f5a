/* GET /metrics: what the daemon counts, read from its view at the time
 * of the scrape (docs/metrics.md lists every metric). Counters only go
 * up while the daemon runs; a restart starts them again from 0, which
 * Prometheus' rate() expects. */
#include <stdlib.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/latency.h"
#include "gateway/http/expo.h"
#include "gateway/http/internal.h"

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

#define P "dnssd_gateway_"

typedef gw_expo_label_t label_t;

/* A family with a single unlabelled sample. */
static void one(gw_expo_t *e, const char *name, const char *type, const char *help, uint64_t v)
{
	gw_expo_family(e, name, type, help);
	gw_expo_u64(e, name, NULL, 0, v);
}

/* One sample of a family labelled by one key: its label value, its
 * value. */
typedef struct sample {
	const char *label;
	uint64_t v;
} sample_t;

/* A family whose n samples differ by the value of one label, key. */
static void by_label(gw_expo_t *e, const char *name, const char *type, const char *help,
                     const char *key, const sample_t *s, size_t n)
{
	gw_expo_family(e, name, type, help);
	for (size_t i = 0; i < n; i++) {
		label_t l[] = {{key, s[i].label}};
		gw_expo_u64(e, name, l, 1, s[i].v);
	}
}

/* by_label() with the samples written out: {"label", value}, ... */
#define BY_LABEL(e, name, type, help, key, ...)                                                    \
	by_label(e, name, type, help, key, (const sample_t[]){__VA_ARGS__},                        \
	         sizeof((const sample_t[]){__VA_ARGS__}) / sizeof(sample_t))

static const char *qtype_str(unsigned slot)
{
	return gw_server_qtype_str((gw_qtype_slot_t)slot);
}

static const char *rcode_str(unsigned slot)
{
	return gw_server_rcode_str((gw_rcode_slot_t)slot);
}

/* A counter family labelled transport and key: row t of rows (rows of
 * row_size octets, one per transport) holds the value of each slot, the
 * label value of a slot str(slot). */
static void by_transport(gw_expo_t *e, const char *name, const char *help, const char *key,
                         const char *(*str)(unsigned), const void *rows, size_t row_size)
{
	size_t n = row_size / sizeof(uint64_t);
	gw_expo_family(e, name, "counter", help);
	for (unsigned t = 0; t < GW_TRANSPORTS; t++) {
		const uint64_t *values = (const uint64_t *)((const char *)rows + t * row_size);
		for (unsigned i = 0; i < n; i++) {
			label_t l[] = {{"transport", gw_server_transport_str(t)}, {key, str(i)}};
			gw_expo_u64(e, name, l, 2, values[i]);
		}
	}
}

static void server_metrics(gw_expo_t *e, const gw_server_t *srv)
{
	gw_server_stats_t st;
	gw_server_get_stats(srv, &st);

	BY_LABEL(e, P "queries_received_total", "counter",
	         "DNS messages received, by transport (answered or not).", "transport",
	         {"udp", st.udp_queries}, {"tcp", st.tcp_queries});

	by_transport(e, P "queries_total",
	             "Queries answered, by transport and the question's type (for a transfer: "
	             "its first message or the refusal).",
	             "type", qtype_str, st.replies_by_qtype, sizeof(st.replies_by_qtype[0]));
	by_transport(e, P "responses_total",
	             "Responses sent, by transport and rcode (BADVERS and BADCOOKIE are the "
	             "extended rcodes).",
	             "rcode", rcode_str, st.replies_by_rcode, sizeof(st.replies_by_rcode[0]));
	one(e, P "responses_truncated_total", "counter",
	    "Responses sent with the TC flag (too large for UDP, or slipped by the rate limit).",
	    st.truncated);

	BY_LABEL(e, P "udp_unanswered_total", "counter",
	         "UDP queries not answered: by the rate limit, or not a query we answer "
	         "(malformed, a response, cut short) or not sent.",
	         "reason", {"rate_limit", st.udp_limited}, {"other", st.udp_dropped});

	one(e, P "tcp_connections", "gauge", "TCP connections open now.", st.tcp_open);
	one(e, P "tcp_connections_accepted_total", "counter", "TCP connections accepted.",
	    st.tcp_conns);
	BY_LABEL(e, P "tcp_connections_limited_total", "counter",
	         "TCP connections closed or refused by a limit, by the limit.", "reason",
	         {"timeout", st.tcp_timeouts}, {"evicted", st.tcp_evicted},
	         {"per_client", st.tcp_over_client}, {"full", st.tcp_refused_conns},
	         {"no_fds", st.tcp_no_fds});

	BY_LABEL(e, P "tls_handshakes_total", "counter",
	         "DNS over TLS handshakes (their connections count as TCP ones too), by "
	         "outcome.",
	         "result", {"full", st.tls_handshakes - st.tls_resumed},
	         {"resumed", st.tls_resumed}, {"failed", st.tls_failed});

	BY_LABEL(e, P "rrl_responses_total", "counter",
	         "UDP responses as the response rate limit decided them.", "action",
	         {"passed", st.guard.rrl.passed}, {"slipped", st.guard.rrl.slipped},
	         {"dropped", st.guard.rrl.dropped});

	BY_LABEL(e, P "cookie_queries_total", "counter",
	         "UDP queries with a DNS COOKIE option, by what it held.", "cookie",
	         {"client_only", st.guard.cookie_client_only}, {"valid", st.guard.cookie_valid},
	         {"invalid", st.guard.cookie_invalid});
	one(e, P "badcookie_responses_total", "counter", "BADCOOKIE responses sent.",
	    st.guard.badcookie);

	one(e, P "notify_received_total", "counter", "NOTIFY messages received and answered.",
	    st.notify_in);
	gw_expo_family(e, P "transfers_total", "counter",
	               "Zone transfer requests, by type and how they ended.");
	for (unsigned t = 0; t < 2; t++) {
		for (unsigned r = 0; r < GW_XFR_RESULTS; r++) {
			label_t l[] = {{"type", t == 0 ? "axfr" : "ixfr"},
			               {"result", gw_xfr_result_str(r)}};
			gw_expo_u64(e, P "transfers_total", l, 2, st.xfr_results[t][r]);
		}
	}
	one(e, P "transfer_kept_bytes", "gauge",
	    "Octets that AXFRs under way keep of the zone as it was when they began "
	    "(the names the zone changed since that they have yet to send).",
	    gw_xfr_keep_total());
}

/* Each family once, a series per zone (Prometheus wants a family's
 * series together). */
static void zone_metrics(gw_expo_t *e, const gw_view_t *v)
{
	size_t n = gw_view_zones(v);
	double bounds[GW_LATENCY_BOUNDS];
	for (size_t i = 0; i < GW_LATENCY_BOUNDS; i++)
		bounds[i] = (double)gw_latency_bounds_ns[i] / 1e9;
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
	    {P "zone_serial", "gauge", "The SOA serial served."},
	    {P "zone_names", "gauge", "Names in the served zone."},
	    {P "zone_commits_total", "counter",
	     "Changes committed to the zone (each a new serial): mirrored services, "
	     "zone file reloads, signature refreshes."},
	    {P "zone_commit_failures_total", "counter",
	     "Commits that failed; the zone stayed as it was."},
	    {P "zone_commit_duration_seconds", "histogram",
	     "Wall time of each commit: apply, sign, journal."},
	    {P "dnssec_rrsets_signed_total", "counter",
	     "RRsets signed (one RRSIG per signing key each), the signing at start "
	     "included."},
	    {P "dnssec_refreshes_total", "counter",
	     "Refresh commits that re-signed RRsets (each part of one in parts)."},
	};
	for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
		gw_expo_family(e, fam[f].name, fam[f].type, fam[f].help);
		for (size_t i = 0; i < n; i++) {
			gw_view_zone_t z = gw_view_zone(v, i);
			gw_zonemgr_stats_t st;
			uint32_t serial = 0;
			label_t zl[] = {{"zone", z.name}};
			const zone_t *zone = gw_zonemgr_zone(z.mgr)->zone;
			gw_zonemgr_get_stats(z.mgr, &st);
			zone_serial(zone, &serial);
			const uint64_t values[] = {
			    serial, zone_node_count(zone), st.commits,  st.commit_failures,
			    0,      st.rrsets_signed,      st.refreshes};
			if (f == 4)
				gw_expo_histogram(e, fam[f].name, zl, 1, bounds,
				                  st.commit_time.buckets, GW_LATENCY_BOUNDS,
				                  (double)st.commit_time.sum_ns / 1e9);
			else
				gw_expo_u64(e, fam[f].name, zl, 1, values[f]);
		}
	}
}

static void notify_metrics(gw_expo_t *e, const gw_view_t *v)
{
	gw_notify_stats_t st;
	gw_view_notify_stats(v, &st);
	one(e, P "notify_sent_total", "counter",
	    "NOTIFY messages sent to secondaries, resends included.", st.sent);
	one(e, P "notify_answered_total", "counter", "NOTIFY messages a secondary answered.",
	    st.acked);
	one(e, P "notify_failed_total", "counter",
	    "NOTIFYs given up: no answer after every try, an error answer, or no socket to send "
	    "from.",
	    st.failed);
	one(e, P "notify_queued_total", "counter",
	    "NOTIFYs that waited for a socket: as many were under way as the daemon allows.",
	    st.queued);
}

static void push_metrics(gw_expo_t *e, const gw_push_t *push)
{
	gw_push_stats_t st;
	gw_push_get_stats(push, &st);
	one(e, P "push_sessions", "gauge", "DSO sessions established now.", st.sessions);
	one(e, P "push_subscriptions", "gauge", "DNS Push subscriptions active now.",
	    st.subscriptions);
	one(e, P "push_messages_total", "counter", "PUSH messages sent.", st.pushes);
	one(e, P "push_refused_total", "counter",
	    "Sessions and subscriptions refused at a push limit.", st.refused);
	one(e, P "push_errors_total", "counter", "DSO sessions closed for a protocol error.",
	    st.errors);
}

static int mirror_metrics(gw_expo_t *e, const mdns_mirror_t *mirror, const char *domain)
{
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(mirror, &st);

	BY_LABEL(e, P "mdns_events_total", "counter",
	         "mDNS records announced (added) and withdrawn (removed) on the links.", "event",
	         {"added", st.records_added}, {"removed", st.records_removed});
	BY_LABEL(e, P "mdns_records", "gauge",
	         "mDNS records known from the links, and those published in the zone.", "state",
	         {"known", st.known}, {"published", st.published});
	gw_expo_family(e, P "mdns_refused_total", "counter",
	               "mDNS input refused by the mirror's checks and limits, by reason.");
	for (unsigned k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++) {
		label_t l[] = {{"reason", mdns_mirror_refused_name(k)}};
		gw_expo_u64(e, P "mdns_refused_total", l, 1, st.refused[k]);
	}
	one(e, P "mdns_types_heard_total", "counter",
	    "Service types browsed because a device announced a service of one, before the "
	    "type enumeration listed it.",
	    st.types_heard);
	one(e, P "mdns_links_active", "gauge", "Links up, or down within their grace period.",
	    st.links_active);
	BY_LABEL(e, P "zone_services", "gauge",
	         "DNS-SD service instances mirrored into the zone, every link.", "zone",
	         {domain, st.services});

	size_t n = mdns_mirror_links(mirror, NULL, 0);
	if (n == 0)
		return GW_OK;
	mdns_mirror_link_info_t *links = calloc(n, sizeof(*links));
	if (links == NULL)
		return GW_ENOMEM;
	n = mdns_mirror_links(mirror, links, n);
	gw_expo_family(e, P "link_services", "gauge",
	               "DNS-SD service instances known on a link (interface and subdomain).");
	for (size_t i = 0; i < n; i++) {
		label_t l[] = {{"link", links[i].ifname}, {"subdomain", links[i].label}};
		gw_expo_u64(e, P "link_services", l, 2, links[i].services);
	}
	gw_expo_family(e, P "link_up", "gauge", "1 while a link is up or in its grace period.");
	for (size_t i = 0; i < n; i++) {
		label_t l[] = {{"link", links[i].ifname}, {"subdomain", links[i].label}};
		gw_expo_u64(e, P "link_up", l, 2, strcmp(links[i].state, "down") != 0 ? 1 : 0);
	}
	gw_expo_family(e, P "link_delegated", "gauge",
	               "Zones whose zone file delegates a link's subdomain (none of the link "
	               "is published in them).");
	for (size_t i = 0; i < n; i++) {
		label_t l[] = {{"link", links[i].ifname}, {"subdomain", links[i].label}};
		gw_expo_u64(e, P "link_delegated", l, 2,
		            (uint64_t)__builtin_popcountll(links[i].delegated_zones));
	}
	free(links);
	return GW_OK;
}

static void process_metrics(gw_expo_t *e, const gw_http_t *h, const gw_view_t *view)
{
	gw_http_stats_t hs;
	gw_expo_family(e, P "build_info", "gauge", "Always 1; the version is a label.");
	label_t vl[] = {{"version", GW_VERSION}};
	gw_expo_u64(e, P "build_info", vl, 1, 1);
	one(e, P "start_time_seconds", "gauge", "When the daemon started, seconds since the epoch.",
	    (uint64_t)view->started);
	gw_expo_family(e, P "uptime_seconds", "gauge", "Seconds since the daemon started.");
	gw_expo_double(e, P "uptime_seconds", NULL, 0,
	               (double)(gw_clock_mono_ns() - view->started_ns) / 1e9);
	one(e, P "config_reloads_total", "counter", "Configuration reloads applied.",
	    view->reloads);
	gw_http_get_stats(h, &hs);
	one(e, P "http_requests_total", "counter",
	    "HTTP requests answered by the metrics listener, any path.", hs.requests);
	one(e, P "http_refused_total", "counter",
	    "HTTP connections refused: the client is not in metrics.allow.", hs.refused);
	one(e, P "http_refused_host_total", "counter",
	    "Status page and JSON requests refused for their Host header (DNS rebinding defence).",
	    hs.refused_host);
	one(e, P "http_refused_client_total", "counter",
	    "HTTP connections refused: the client already holds metrics.max-per-client.",
	    hs.refused_client);
}

int gw_http_metrics(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out)
{
	const gw_view_t *view = gw_http_view(h);
	const char *domain = view->cfg != NULL ? view->cfg->zone.domain_str : "";
	gw_expo_t e;
	int ret = GW_OK;

	gw_expo_init(&e);
	process_metrics(&e, h, view);
	if (view->server != NULL)
		server_metrics(&e, view->server);
	if (gw_view_zones(view) > 0)
		zone_metrics(&e, view);
	if (view->notify != NULL)
		notify_metrics(&e, view);
	if (view->push != NULL)
		push_metrics(&e, view->push);
	if (view->mirror != NULL)
		ret = mirror_metrics(&e, view->mirror, domain);
	if (ret != GW_OK) {
		gw_expo_deinit(&e);
		return ret;
	}
	out->content_type = GW_EXPO_CONTENT_TYPE;
	return gw_expo_take(&e, &out->body, &out->len);
}
