/* The reverse zones of reverse: (gateway/reverse), made at start from the
 * links' prefixes and added to the configuration's zones, where the daemon
 * serves and signs them as any other. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/daemon.h"
#include "gateway/reverse/reverse.h"

/* TTL of the subnet-derived browse records: they change only with the
 * configuration (a restart), so an hour, as the zones' apex records. */
#define REVERSE_TTL 3600

/* Each configured link, its label and the prefixes found on its interface
 * (all of them sorted by interface, so each link's are one run). */
static int plan_links(const gw_config_t *cfg, gw_reverse_prefix_t *found, size_t found_count,
                      gw_reverse_link_t *links)
{
	for (size_t i = 0; i < cfg->link_count; i++) {
		const char *ifname = cfg->links[i].interface;
		size_t first = 0;
		while (first < found_count && strcmp(found[first].ifname, ifname) != 0)
			first++;
		size_t n = 0;
		while (first + n < found_count && strcmp(found[first + n].ifname, ifname) == 0)
			n++;
		links[i] = (gw_reverse_link_t){
		    .label = (const uint8_t *)cfg->links[i].subdomain,
		    .label_len = strlen(cfg->links[i].subdomain),
		    .prefixes = n > 0 ? &found[first] : NULL,
		    .prefix_count = n,
		};
	}
	return GW_OK;
}

static int by_ifname(const void *a, const void *b)
{
	return strcmp(((const gw_reverse_prefix_t *)a)->ifname,
	              ((const gw_reverse_prefix_t *)b)->ifname);
}

int gw_daemon_reverse_zones(gw_config_t *cfg)
{
	gw_reverse_prefix_t *found = NULL, *given = NULL;
	gw_reverse_link_t *links = NULL;
	gw_reverse_domain_t *domains = NULL;
	size_t *indexes = NULL;
	const char **ifnames = NULL;
	gw_reverse_plan_t plan = {0};
	size_t found_count = 0, zone_count = cfg->zone_count;
	int ret = GW_OK;

	if (!cfg->reverse.enable)
		return GW_OK;
	if (cfg->link_count == 0) {
		gw_err("reverse: the reverse zones need the links named (links: with each "
		       "interface and its subdomain), so that each prefix has a subdomain to "
		       "point to; name the links or turn reverse.enable off");
		return GW_ECONFIG;
	}
	ifnames = calloc(cfg->link_count, sizeof(*ifnames));
	links = calloc(cfg->link_count, sizeof(*links));
	domains = calloc(zone_count, sizeof(*domains));
	indexes = calloc(zone_count * (cfg->link_count + 1), sizeof(*indexes));
	given = calloc(cfg->reverse.prefix_count + 1, sizeof(*given));
	if (ifnames == NULL || links == NULL || domains == NULL || indexes == NULL ||
	    given == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < cfg->link_count; i++)
		ifnames[i] = cfg->links[i].interface;
	ret = gw_reverse_prefixes_get(&found, &found_count, ifnames, cfg->link_count);
	if (ret != GW_OK) {
		gw_err("reverse: cannot read the interfaces' addresses: %s", gw_strerror(ret));
		goto out;
	}
	qsort(found, found_count, sizeof(*found), by_ifname);
	plan_links(cfg, found, found_count, links);

	size_t n = 0;
	for (size_t i = 0; i < zone_count; i++) {
		const gw_zone_config_t *zc = &cfg->zones[i];
		if (zc->reverse)
			continue;
		size_t *idx = &indexes[i * (cfg->link_count + 1)];
		size_t k = 0;
		for (size_t j = 0; j < zc->link_count; j++) {
			int li = gw_config_link_index(cfg, zc->links[j]);
			if (li >= 0)
				idx[k++] = (size_t)li;
		}
		domains[n++] = (gw_reverse_domain_t){
		    .domain = zc->domain,
		    .every_link = zc->link_count == 0,
		    .links = idx,
		    .link_count = k,
		};
	}
	for (size_t i = 0; i < cfg->reverse.prefix_count; i++) {
		const gw_acl_entry_t *e = &cfg->reverse.prefixes[i];
		given[i].family = e->family;
		memcpy(given[i].addr, e->addr, sizeof(given[i].addr));
		given[i].len = e->prefix;
	}
	gw_reverse_input_t in = {
	    .links = links,
	    .link_count = cfg->link_count,
	    .domains = domains,
	    .domain_count = n,
	    .prefixes = cfg->reverse.prefix_count > 0 ? given : NULL,
	    .prefix_count = cfg->reverse.prefix_count,
	    .ttl = REVERSE_TTL,
	};
	ret = gw_reverse_plan_init(&plan, &in);
	if (ret != GW_OK) {
		gw_err("reverse: cannot make the reverse zones: %s", gw_strerror(ret));
		goto out;
	}
	if (plan.zone_count == 0)
		gw_warn("reverse: no IPv4 or IPv6 prefix on the links' interfaces (only "
		        "link-local ones?): no reverse zone is served; list them in "
		        "reverse.prefixes");
	for (size_t i = 0; i < plan.zone_count && ret == GW_OK; i++) {
		const gw_reverse_zone_t *rz = &plan.zones[i];
		ret = gw_config_add_reverse_zone(cfg, rz->apex, rz->apex_len, rz->apex_str,
		                                 (const char *const *)rz->rrs, rz->rr_count);
		if (ret == GW_EEXIST) {
			gw_err("reverse: %s is served already, or lies above or under a zone "
			       "of zones:; leave it out of zones: or turn reverse.enable off",
			       rz->apex_str);
			ret = GW_ECONFIG;
		} else if (ret != GW_OK) {
			gw_err("reverse: cannot add %s: %s", rz->apex_str, gw_strerror(ret));
		} else {
			gw_info("reverse: serving %s with %zu subnet browse records", rz->apex_str,
			        rz->rr_count);
		}
	}
out:
	gw_reverse_plan_deinit(&plan);
	free(found);
	free(given);
	free(links);
	free(domains);
	free(indexes);
	free(ifnames);
	return ret;
}
