/* The mirror's topics: links, services, refused. */
#include "gateway/control/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

/* "<label>.<domain>", the name a link's services are under: "name" for a
 * person, its parts as they are ("Building 1.campus.test."), and
 * "dns_name" as DNS text ("Building\0321.campus.test."), as dig and zone
 * files write it, the one form that says where a label ends. */
static bool add_link_name(json_object *obj, const char *label, const gw_view_t *v)
{
	char name[ZONE_NAME_MAXLEN * 4];
	char text[ZONE_NAME_MAXLEN * 4];
	snprintf(text, sizeof(text), "%s.%s", label, v->cfg->zone.domain_str);
	bool dns = mdns_label_name_str(name, sizeof(name), label, v->cfg->zone.domain) == GW_OK;
	return gw_json_add_str(obj, "name", text) &&
	       gw_json_add_str(obj, "dns_name", dns ? name : NULL);
}

/* The zones whose zone file delegates the link's subdomain, as a list of
 * their domains into o. */
static bool add_delegated(json_object *o, const mdns_mirror_link_info_t *l, const gw_view_t *v)
{
	json_object *arr = json_object_new_array();
	if (arr == NULL || !gw_json_add(o, "delegated_in", arr))
		return false;
	const char *domain;
	for (size_t i = 0; i < 64 && (domain = mdns_mirror_zone_domain(v->mirror, i)) != NULL;
	     i++) {
		if (!(l->delegated_zones >> i & 1))
			continue;
		json_object *s = json_object_new_string(domain);
		if (s == NULL || json_object_array_add(arr, s) != 0) {
			json_object_put(s);
			return false;
		}
	}
	return true;
}

/* One link's entry into o (NULL: out of memory already). */
static bool link_json(json_object *o, const mdns_mirror_link_info_t *l, const gw_view_t *v)
{
	return o != NULL && gw_json_add_str(o, "ifname", l->ifname) &&
	       gw_json_add_str(o, "label", l->label) && add_link_name(o, l->label, v) &&
	       gw_json_add_int(o, "ifindex", l->ifindex) && gw_json_add_str(o, "state", l->state) &&
	       gw_json_add_bool(o, "configured", l->configured) &&
	       gw_json_add_u64(o, "services", l->services) &&
	       gw_json_add_u64(o, "types", l->types) && add_delegated(o, l, v);
}

int gw_status_links(const gw_view_t *v, json_object *obj)
{
	json_object *arr = json_object_new_array();
	if (arr == NULL || !gw_json_add(obj, "links", arr))
		return GW_ENOMEM;
	size_t n = v->mirror != NULL ? mdns_mirror_links(v->mirror, NULL, 0) : 0;
	if (n == 0)
		return GW_OK;
	mdns_mirror_link_info_t *links = calloc(n, sizeof(*links));
	if (links == NULL)
		return GW_ENOMEM;
	n = mdns_mirror_links(v->mirror, links, n);
	int ret = GW_OK;
	for (size_t i = 0; i < n && ret == GW_OK; i++)
		ret = link_json(gw_json_append_object(arr), &links[i], v) ? GW_OK : GW_ENOMEM;
	free(links);
	return ret;
}

/* The zone of the configuration named name ("home.arpa", "home.arpa." or
 * "HOME.ARPA."), or NULL. */
static const gw_zone_config_t *zone_named(const gw_config_t *cfg, const char *name)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '.')
		n--;
	for (size_t i = 0; i < cfg->zone_count; i++) {
		const char *ours = cfg->zones[i].domain_str;
		size_t k = strlen(ours);
		if (k > 0 && ours[k - 1] == '.')
			k--;
		if (n == k && strncasecmp(name, ours, n) == 0)
			return &cfg->zones[i];
	}
	return NULL;
}

typedef struct svc_walk {
	const gw_view_t *v;
	const uint8_t *domain;  /* the zone the names are under, wire */
	const char *domain_str; /* the same, text */
	json_object *arr;
	size_t limit, total, listed;
	bool failed;
} svc_walk_t;

static bool on_service(void *arg, const mdns_mirror_service_info_t *s)
{
	svc_walk_t *w = arg;
	char name[ZONE_NAME_MAXLEN * 4 * 2 + 128];
	w->total++;
	if (w->listed >= w->limit)
		return true; /* counted, not listed */
	json_object *o = gw_json_append_object(w->arr);
	if (o == NULL) {
		w->failed = true;
		return false;
	}
	/* The instance's name in the zone, as add_link_name() gives a link's:
	 * for a person, and as DNS text ("HP\032LaserJet...") for dig. */
	char text[sizeof(name)];
	char inst[ZONE_NAME_MAXLEN * 4];
	char under[ZONE_NAME_MAXLEN * 4];
	static const uint8_t root[1] = {0};
	snprintf(text, sizeof(text), "%s.%s.%s.%s", s->instance, s->type, s->link, w->domain_str);
	if (mdns_label_name_str(inst, sizeof(inst), s->instance, root) == GW_OK &&
	    mdns_label_name_str(under, sizeof(under), s->link, w->domain) == GW_OK) {
		inst[strlen(inst) - 1] = '\0'; /* the root's dot */
		snprintf(name, sizeof(name), "%s.%s.%s", inst, s->type, under);
	} else {
		name[0] = '\0';
	}
	if (!gw_json_add_str(o, "link", s->link) || !gw_json_add_str(o, "instance", s->instance) ||
	    !gw_json_add_str(o, "type", s->type) || !gw_json_add_str(o, "name", text) ||
	    !gw_json_add_str(o, "dns_name", name[0] ? name : NULL) ||
	    !gw_json_add_str(o, "host", s->host[0] ? s->host : NULL) ||
	    !gw_json_add_u64(o, "port", s->port) ||
	    !gw_json_add_u64(o, "addresses", s->addresses)) {
		w->failed = true;
		return false;
	}
	w->listed++;
	return true;
}

static bool link_known(const gw_view_t *v, const char *label)
{
	size_t n = v->mirror != NULL ? mdns_mirror_links(v->mirror, NULL, 0) : 0;
	mdns_mirror_link_info_t *links = n > 0 ? calloc(n, sizeof(*links)) : NULL;
	bool found = false;
	if (links != NULL) {
		n = mdns_mirror_links(v->mirror, links, n);
		for (size_t i = 0; i < n && !found; i++)
			found = mdns_label_equal(links[i].label, label);
	}
	free(links);
	return found;
}

int gw_status_services(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                       size_t errlen)
{
	const gw_zone_config_t *zc = q->zone != NULL ? zone_named(v->cfg, q->zone) : NULL;
	if (q->zone != NULL && (zc == NULL || zc->reverse)) {
		snprintf(err, errlen,
		         "no zone %s here that shows services (see the status command)", q->zone);
		return GW_ENOTFOUND;
	}
	if (q->link != NULL && !link_known(v, q->link)) {
		snprintf(err, errlen, "no link %s (see the links command)", q->link);
		return GW_ENOTFOUND;
	}
	/* Without a zone: every service known, named under the first zone;
	 * with one: what that zone shows, named under it. */
	svc_walk_t w = {.v = v,
	                .domain = zc != NULL ? zc->domain : v->cfg->zone.domain,
	                .domain_str = zc != NULL ? zc->domain_str : v->cfg->zone.domain_str,
	                .limit = q->limit > 0 ? q->limit : GW_STATUS_SERVICES_MAX};
	w.arr = json_object_new_array();
	if (w.arr == NULL || !gw_json_add_str(obj, "zone", w.domain_str) ||
	    !gw_json_add_str(obj, "link", q->link) || !gw_json_add(obj, "services", w.arr))
		return GW_ENOMEM;
	if (v->mirror != NULL && zc != NULL)
		mdns_mirror_foreach_shown(v->mirror, zc->domain, q->link, on_service, &w);
	else if (v->mirror != NULL)
		mdns_mirror_foreach_service(v->mirror, q->link, on_service, &w);
	if (w.failed || !gw_json_add_u64(obj, "total", w.total) ||
	    !gw_json_add_u64(obj, "listed", w.listed) ||
	    !gw_json_add_u64(obj, "omitted", w.total - w.listed))
		return GW_ENOMEM;
	return GW_OK;
}

int gw_status_refused(const gw_view_t *v, json_object *obj)
{
	const gw_config_t *cfg = v->cfg;
	json_object *lim = json_object_new_object();
	if (lim == NULL || !gw_json_add(obj, "limits", lim))
		return GW_ENOMEM;
	if (!gw_json_add_u64(lim, "services_per_link", cfg->mdns.limits.services_per_link) ||
	    !gw_json_add_u64(lim, "records_per_name", cfg->mdns.limits.records_per_name) ||
	    !gw_json_add_u64(lim, "txt_size", cfg->mdns.limits.txt_size) ||
	    !gw_json_add_u64(lim, "changes_per_second", cfg->mdns.limits.changes_per_second) ||
	    !gw_json_add_u64(lim, "services_per_host", cfg->mdns.limits.services_per_host) ||
	    !gw_json_add_u64(lim, "services_per_address", cfg->mdns.limits.services_per_address))
		return GW_ENOMEM;
	json_object *counts = json_object_new_object();
	json_object *reasons = json_object_new_object();
	json_object *recent = json_object_new_array();
	if (!gw_json_add(obj, "counts", counts) || counts == NULL ||
	    !gw_json_add(obj, "reasons", reasons) || reasons == NULL ||
	    !gw_json_add(obj, "recent", recent) || recent == NULL)
		return GW_ENOMEM;
	mdns_mirror_stats_t st = {0};
	if (v->mirror != NULL)
		mdns_mirror_get_stats(v->mirror, &st);
	uint64_t total = 0;
	for (int k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++) {
		total += st.refused[k];
		if (!gw_json_add_u64(counts, mdns_mirror_refused_name(k), st.refused[k]) ||
		    !gw_json_add_str(reasons, mdns_mirror_refused_name(k),
		                     mdns_mirror_refused_what(k)))
			return GW_ENOMEM;
	}
	if (!gw_json_add_u64(obj, "total", total) ||
	    !gw_json_add_u64(obj, "filtered_addresses", st.filtered) ||
	    !gw_json_add_u64(obj, "recent_max", MDNS_MIRROR_RECENT_REFUSALS))
		return GW_ENOMEM;
	if (v->mirror == NULL)
		return GW_OK;
	mdns_mirror_refusal_t *r = calloc(MDNS_MIRROR_RECENT_REFUSALS, sizeof(*r));
	if (r == NULL)
		return GW_ENOMEM;
	int ret = GW_OK;
	size_t n = mdns_mirror_recent_refusals(v->mirror, r, MDNS_MIRROR_RECENT_REFUSALS);
	for (size_t i = 0; i < n && ret == GW_OK; i++) {
		json_object *o = gw_json_append_object(recent);
		if (o == NULL) {
			ret = GW_ENOMEM;
			break;
		}
		if (!gw_json_add_time(o, "time", r[i].when) ||
		    !gw_json_add_str(o, "link", r[i].link) ||
		    !gw_json_add_str(o, "reason", mdns_mirror_refused_name(r[i].kind)) ||
		    !gw_json_add_str(o, "name", r[i].name[0] ? r[i].name : NULL) ||
		    !gw_json_add_str(o, "detail", r[i].detail))
			ret = GW_ENOMEM;
	}
	free(r);
	return ret;
}
