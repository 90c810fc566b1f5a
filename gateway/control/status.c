/* The topics and the "status" topic: version, uptime, the zone. */
#include "gateway/control/internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"

#ifndef GW_VERSION
#define GW_VERSION "0.0.0"
#endif

/* Each topic, in gw_status_topic_t order: its name and its builder, one
 * that needs only the view or one that takes the query (and says why it
 * found nothing). */
static const struct {
	const char *name;
	int (*of_view)(const gw_view_t *v, json_object *obj);
	int (*of_query)(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
	                size_t errlen);
} g_topics[GW_STATUS_TOPICS] = {{"status", gw_status_general, NULL},
                                {"links", gw_status_links, NULL},
                                {"services", NULL, gw_status_services},
                                {"refused", gw_status_refused, NULL},
                                {"secondaries", gw_status_secondaries, NULL},
                                {"keys", NULL, gw_status_keys},
                                {"ds", NULL, gw_status_ds},
                                {"stats", gw_status_stats, NULL}};

int gw_status_topic_parse(const char *name, gw_status_topic_t *out)
{
	for (int i = 0; i < GW_STATUS_TOPICS; i++) {
		if (strcmp(name, g_topics[i].name) == 0) {
			*out = (gw_status_topic_t)i;
			return GW_OK;
		}
	}
	return GW_EINVAL;
}

const char *gw_status_topic_name(gw_status_topic_t topic)
{
	return (unsigned)topic < GW_STATUS_TOPICS ? g_topics[topic].name : "?";
}

bool gw_json_add(json_object *obj, const char *key, json_object *val)
{
	if (json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		return false;
	}
	return true;
}

bool gw_json_add_str(json_object *obj, const char *key, const char *val)
{
	json_object *j = NULL;
	if (val != NULL && (j = json_object_new_string(val)) == NULL)
		return false;
	return gw_json_add(obj, key, j);
}

bool gw_json_add_u64(json_object *obj, const char *key, uint64_t val)
{
	json_object *j = json_object_new_uint64(val);
	return j != NULL && gw_json_add(obj, key, j);
}

json_object *gw_json_append_object(json_object *arr)
{
	json_object *o = json_object_new_object();
	if (o == NULL || json_object_array_add(arr, o) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

bool gw_json_add_u64s(json_object *obj, const gw_json_u64_field_t *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!gw_json_add_u64(obj, f[i].key, f[i].val))
			return false;
	}
	return true;
}

bool gw_json_add_int(json_object *obj, const char *key, int64_t val)
{
	json_object *j = json_object_new_int64(val);
	return j != NULL && gw_json_add(obj, key, j);
}

bool gw_json_add_bool(json_object *obj, const char *key, bool val)
{
	json_object *j = json_object_new_boolean(val);
	return j != NULL && gw_json_add(obj, key, j);
}

bool gw_json_add_time(json_object *obj, const char *key, time_t t)
{
	char buf[32];
	struct tm tm;
	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		return gw_json_add(obj, key, NULL);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return gw_json_add_str(obj, key, buf);
}

static const char *const g_levels[] = {"error", "warning", "notice", "info", "debug"};

static json_object *zone_json(const gw_view_zone_t *vz)
{
	gw_zonemgr_info_t zi;
	json_object *z = json_object_new_object();
	json_object *d = NULL, *c = NULL;
	if (z == NULL)
		return NULL;
	gw_zonemgr_get_info(vz->mgr, &zi);
	bool ok = gw_json_add_str(z, "name", vz->name) && gw_json_add_u64(z, "serial", zi.serial) &&
	          gw_json_add_u64(z, "commits", zi.commits);
	ok = ok && (c = json_object_new_object()) != NULL && gw_json_add(z, "last_commit", c) &&
	     gw_json_add_time(c, "time", zi.last_commit) &&
	     (zi.last_commit != 0 ? gw_json_add_u64(c, "serial", zi.last_commit_serial)
	                          : gw_json_add(c, "serial", NULL));
	ok = ok && (d = json_object_new_object()) != NULL && gw_json_add(z, "dnssec", d) &&
	     gw_json_add_bool(d, "enabled", zi.dnssec);
	if (ok && zi.dnssec)
		ok = gw_json_add_str(d, "algorithm", sig_algorithm_name(zi.algorithm)) &&
		     gw_json_add_u64(d, "algorithm_number", zi.algorithm) &&
		     gw_json_add_str(d, "denial", zi.nsec3 ? "NSEC3" : "NSEC") &&
		     gw_json_add_u64(d, "keys", zi.key_count) &&
		     gw_json_add_time(d, "earliest_expiry", zi.earliest_expiry) &&
		     gw_json_add_time(d, "next_refresh", zi.next_refresh);
	if (!ok) {
		json_object_put(z);
		return NULL;
	}
	return z;
}

int gw_status_general(const gw_view_t *v, json_object *obj)
{
	json_object *zones = NULL, *m = NULL;
	gw_log_level_t level = gw_log_get_level();
	uint64_t up_ns = gw_clock_mono_ns() - v->started_ns;
	bool ok = gw_json_add_str(obj, "version", GW_VERSION) &&
	          gw_json_add_time(obj, "started", v->started) &&
	          gw_json_add_u64(obj, "uptime_seconds", up_ns / 1000000000ULL) &&
	          gw_json_add_u64(obj, "reloads", v->reloads) &&
	          gw_json_add_str(obj, "log_level",
	                          (unsigned)level <= GW_LOG_DEBUG ? g_levels[level] : "?") &&
	          gw_json_add_str(obj, "config", v->cfg->source) &&
	          (zones = json_object_new_array()) != NULL && gw_json_add(obj, "zones", zones);
	for (size_t i = 0; ok && i < gw_view_zones(v); i++) {
		gw_view_zone_t vz = gw_view_zone(v, i);
		json_object *z = vz.mgr != NULL ? zone_json(&vz) : NULL;
		ok = z != NULL && json_object_array_add(zones, z) == 0;
		if (!ok)
			json_object_put(z);
	}
	if (ok && v->mirror != NULL) {
		mdns_mirror_stats_t st;
		mdns_mirror_get_stats(v->mirror, &st);
		ok = (m = json_object_new_object()) != NULL && gw_json_add(obj, "mdns", m) &&
		     gw_json_add_bool(m, "discovery", v->cfg->mdns.enable) &&
		     gw_json_add_u64(m, "links", mdns_mirror_links(v->mirror, NULL, 0)) &&
		     gw_json_add_u64(m, "links_active", st.links_active) &&
		     gw_json_add_u64(m, "services", st.services) &&
		     gw_json_add_u64(m, "records_published", st.published);
	} else if (ok) {
		ok = gw_json_add(obj, "mdns", NULL);
	}
	return ok ? GW_OK : GW_ENOMEM;
}

int gw_status_json_err(const gw_view_t *v, const gw_status_query_t *q, json_object **out,
                       char *errbuf, size_t errlen)
{
	char err[256] = "";
	int ret;
	json_object *obj = json_object_new_object();
	if (obj == NULL)
		return GW_ENOMEM;
	if ((unsigned)q->topic >= GW_STATUS_TOPICS) {
		snprintf(err, sizeof(err), "no such topic");
		ret = GW_EINVAL;
	} else if (g_topics[q->topic].of_view != NULL) {
		ret = g_topics[q->topic].of_view(v, obj);
	} else {
		ret = g_topics[q->topic].of_query(v, q, obj, err, sizeof(err));
	}
	if (ret != GW_OK) {
		json_object_put(obj);
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "%s", err[0] ? err : gw_strerror(ret));
		return ret;
	}
	*out = obj;
	return GW_OK;
}

int gw_status_json(const gw_view_t *v, const gw_status_query_t *q, json_object **out)
{
	return gw_status_json_err(v, q, out, NULL, 0);
}
