/* The serving topics: secondaries (NOTIFY targets, transfer clients) and
 * stats (every counter the parts keep). */
#include "gateway/control/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/addr.h"
#include "common/error.h"

static json_object *xfr_json(const gw_server_xfr_info_t *x)
{
	json_object *o = json_object_new_object();
	if (o == NULL)
		return NULL;
	if (!gw_json_add_str(o, "address", x->addr_text) || !gw_json_add_str(o, "kind", x->kind) ||
	    !gw_json_add_time(o, "time", x->when) || !gw_json_add_u64(o, "serial", x->serial) ||
	    !gw_json_add_u64(o, "count", x->count)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static bool add_obj(json_object *arr, json_object *o)
{
	if (o == NULL || json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return false;
	}
	return true;
}

/* key: {time, serial, and what: value} of an event at when; null when
 * there was none (when 0). */
static bool add_event(json_object *o, const char *key, time_t when, uint64_t serial,
                      const char *what, uint64_t value)
{
	if (when == 0)
		return gw_json_add(o, key, NULL);
	json_object *e = json_object_new_object();
	return e != NULL && gw_json_add(o, key, e) && gw_json_add_time(e, "time", when) &&
	       gw_json_add_u64(e, "serial", serial) && gw_json_add_u64(e, what, value);
}

static bool target_json(json_object *arr, const gw_notify_target_info_t *t,
                        const gw_server_xfr_info_t *xfr, size_t xfr_count)
{
	json_object *o = gw_json_append_object(arr);
	if (o == NULL)
		return false;
	json_object *last = NULL;
	bool ok =
	    gw_json_add_str(o, "address", t->addr) && gw_json_add_str(o, "key", t->key) &&
	    gw_json_add_str(o, "result", t->result) && gw_json_add_bool(o, "pending", t->pending) &&
	    add_event(o, "last_sent", t->last_sent, t->sent_serial, "tries", t->tries) &&
	    add_event(o, "last_answer", t->last_answer, t->answered_serial, "rcode", t->rcode);
	/* The secondary's last transfer: from the target's address, whatever
	 * port it came from. */
	for (size_t i = 0; ok && i < xfr_count && last == NULL; i++) {
		if (gw_client_addr_equal((const struct sockaddr *)&xfr[i].addr,
		                         (const struct sockaddr *)&t->sa)) {
			last = xfr_json(&xfr[i]);
			ok = last != NULL;
		}
	}
	return ok && gw_json_add(o, "last_transfer", last);
}

/* The NOTIFY targets of zone z into arr, each with the zone's name. */
static int zone_targets(const gw_view_zone_t *z, json_object *arr, const gw_server_xfr_info_t *xfr,
                        size_t xfr_count)
{
	size_t n = gw_notify_targets(z->notify, NULL, 0);
	if (n == 0)
		return GW_OK;
	gw_notify_target_info_t *t = calloc(n, sizeof(*t));
	if (t == NULL)
		return GW_ENOMEM;
	int ret = GW_OK;
	n = gw_notify_targets(z->notify, t, n);
	for (size_t i = 0; i < n && ret == GW_OK; i++) {
		if (!target_json(arr, &t[i], xfr, xfr_count) ||
		    !gw_json_add_str(
		        json_object_array_get_idx(arr, json_object_array_length(arr) - 1), "zone",
		        z->name))
			ret = GW_ENOMEM;
	}
	free(t);
	return ret;
}

int gw_status_secondaries(const gw_view_t *v, json_object *obj)
{
	gw_server_xfr_info_t xfr[GW_SERVER_XFR_CLIENTS];
	size_t xfr_count =
	    v->server != NULL ? gw_server_transfers(v->server, xfr, GW_SERVER_XFR_CLIENTS) : 0;
	json_object *targets = json_object_new_array();
	json_object *clients = json_object_new_array();
	if (!gw_json_add(obj, "notify", targets) || targets == NULL ||
	    !gw_json_add(obj, "transfers", clients) || clients == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < gw_view_zones(v); i++) {
		gw_view_zone_t z = gw_view_zone(v, i);
		int ret = zone_targets(&z, targets, xfr, xfr_count);
		if (ret != GW_OK)
			return ret;
	}
	if (gw_view_zones(v) == 0) {
		gw_view_zone_t z = {.name = v->cfg->zone.domain_str, .notify = v->notify};
		int ret = zone_targets(&z, targets, xfr, xfr_count);
		if (ret != GW_OK)
			return ret;
	}
	for (size_t i = 0; i < xfr_count; i++) {
		if (!add_obj(clients, xfr_json(&xfr[i])))
			return GW_ENOMEM;
	}
	return GW_OK;
}

static bool server_stats(json_object *s, const gw_server_stats_t *st)
{
	return GW_JSON_ADD_U64S(
	    s, {"udp_queries", st->udp_queries}, {"udp_dropped", st->udp_dropped},
	    {"udp_limited", st->udp_limited}, {"tcp_queries", st->tcp_queries},
	    {"tcp_connections", st->tcp_conns}, {"tcp_refused_connections", st->tcp_refused_conns},
	    {"tcp_timeouts", st->tcp_timeouts}, {"tcp_evicted", st->tcp_evicted},
	    {"tcp_over_client", st->tcp_over_client}, {"tcp_no_fds", st->tcp_no_fds},
	    {"axfr", st->axfr}, {"ixfr", st->ixfr}, {"xfr_refused", st->xfr_refused},
	    {"notify_in", st->notify_in});
}

static bool guard_stats(json_object *g, const gw_guard_stats_t *st)
{
	return GW_JSON_ADD_U64S(
	    g, {"cookie_client_only", st->cookie_client_only}, {"cookie_valid", st->cookie_valid},
	    {"cookie_invalid", st->cookie_invalid}, {"badcookie", st->badcookie},
	    {"rrl_passed", st->rrl.passed}, {"rrl_slipped", st->rrl.slipped},
	    {"rrl_dropped", st->rrl.dropped}, {"rrl_whitelisted", st->rrl.whitelisted},
	    {"rrl_shared", st->rrl.shared});
}

static bool mirror_stats(json_object *m, const mdns_mirror_stats_t *st)
{
	uint64_t refused = 0;
	for (int k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++)
		refused += st->refused[k];
	return GW_JSON_ADD_U64S(m, {"links_active", st->links_active}, {"services", st->services},
	                        {"records_known", st->known}, {"records_published", st->published},
	                        {"watches", st->watches}, {"commits", st->commits},
	                        {"commit_failures", st->commit_failures}, {"refused", refused},
	                        {"filtered_addresses", st->filtered});
}

int gw_status_stats(const gw_view_t *v, json_object *obj)
{
	json_object *s = NULL, *g = NULL, *m = NULL, *n = NULL;
	bool ok = true;
	if (v->server != NULL) {
		gw_server_stats_t st;
		gw_server_get_stats(v->server, &st);
		ok = (s = json_object_new_object()) != NULL && gw_json_add(obj, "server", s) &&
		     server_stats(s, &st) && (g = json_object_new_object()) != NULL &&
		     gw_json_add(obj, "guard", g) && guard_stats(g, &st.guard);
	} else {
		ok = gw_json_add(obj, "server", NULL) && gw_json_add(obj, "guard", NULL);
	}
	if (ok && v->mirror != NULL) {
		mdns_mirror_stats_t st;
		mdns_mirror_get_stats(v->mirror, &st);
		ok = (m = json_object_new_object()) != NULL && gw_json_add(obj, "mirror", m) &&
		     mirror_stats(m, &st);
	} else if (ok) {
		ok = gw_json_add(obj, "mirror", NULL);
	}
	if (ok && v->notify != NULL) {
		gw_notify_stats_t st;
		gw_view_notify_stats(v, &st);
		ok = (n = json_object_new_object()) != NULL && gw_json_add(obj, "notify", n) &&
		     gw_json_add_u64(n, "sent", st.sent) && gw_json_add_u64(n, "acked", st.acked) &&
		     gw_json_add_u64(n, "failed", st.failed) &&
		     gw_json_add_u64(n, "queued", st.queued);
	} else if (ok) {
		ok = gw_json_add(obj, "notify", NULL);
	}
	if (ok && v->zones != NULL) {
		gw_zonemgr_info_t zi;
		gw_zonemgr_get_info(v->zones, &zi);
		json_object *z = json_object_new_object();
		ok = z != NULL && gw_json_add(obj, "zone", z) &&
		     gw_json_add_u64(z, "serial", zi.serial) &&
		     gw_json_add_u64(z, "commits", zi.commits);
	}
	return ok ? GW_OK : GW_ENOMEM;
}
