/* The zones a configuration serves (gw_config_t.zones): the one-zone
 * form (zone:, with the top-level dnssec: and transfer:) as one entry, or
 * each entry of zones:, with its links, policy and own sections. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldns/ldns.h>

#include "common/error.h"
#include "gateway/config/internal.h"

static void zone_deinit(gw_zone_config_t *z)
{
	free(z->file);
	free(z->state_dir);
	for (size_t i = 0; i < z->link_count; i++)
		free(z->links[i]);
	free(z->links);
	mdns_policy_deinit(&z->policy);
	for (size_t i = 0; i < z->extra_count; i++)
		free(z->extra[i]);
	free(z->extra);
	dnssec_deinit(z->own_dnssec);
	free(z->own_dnssec);
	transfer_deinit(z->own_transfer);
	free(z->own_transfer);
	memset(z, 0, sizeof(*z));
}

static void zones_free(gw_zone_config_t *zones, size_t n)
{
	for (size_t i = 0; i < n; i++)
		zone_deinit(&zones[i]);
	free(zones);
}

void config_zones_free(gw_config_t *cfg)
{
	zones_free(cfg->zones, cfg->zone_count);
	cfg->zones = NULL;
	cfg->zone_count = 0;
}

int config_zones_single(gw_config_t *cfg)
{
	config_zones_free(cfg);
	cfg->zone_list = false;
	gw_zone_config_t *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return GW_ENOMEM;
	memcpy(z->domain, cfg->zone.domain, cfg->zone.domain_len);
	z->domain_len = cfg->zone.domain_len;
	memcpy(z->domain_str, cfg->zone.domain_str, sizeof(z->domain_str));
	z->file = cfg->zone.file != NULL ? strdup(cfg->zone.file) : NULL;
	z->state_dir = strdup(cfg->state_dir);
	z->dnssec = &cfg->dnssec;
	z->transfer = &cfg->transfer;
	if ((cfg->zone.file != NULL && z->file == NULL) || z->state_dir == NULL) {
		zone_deinit(z);
		free(z);
		return GW_ENOMEM;
	}
	cfg->zones = z;
	cfg->zone_count = 1;
	return GW_OK;
}

/* The domain (text, final dot) names one directory: parse_name() takes
 * letters, digits, '-' and '_' only, and never the root; this holds
 * should it ever take more. */
static bool dir_component_ok(const char *domain_str)
{
	size_t len = strlen(domain_str);
	return len >= 2 && domain_str[0] != '.' && strchr(domain_str, '/') == NULL &&
	       strchr(domain_str, '\\') == NULL;
}

/* <state_dir>/zones/<domain without the final dot>; NULL when out of
 * memory. */
static char *zone_state_dir(const char *state_dir, const char *domain_str)
{
	size_t len = strlen(domain_str);
	size_t base = strlen(state_dir);
	char *dir = NULL;
	while (base > 1 && state_dir[base - 1] == '/')
		base--; /* "/var/lib/gw/" as "/var/lib/gw" */
	if (asprintf(&dir, "%.*s/zones/%.*s", (int)base, state_dir, (int)(len - 1), domain_str) < 0)
		return NULL;
	return dir;
}

/* zone: as the first zone of zones:, for code that knows one zone. */
static int zone_mirror_first(gw_config_t *cfg)
{
	const gw_zone_config_t *z = &cfg->zones[0];
	char *file = z->file != NULL ? strdup(z->file) : NULL;
	if (z->file != NULL && file == NULL)
		return GW_ENOMEM;
	memcpy(cfg->zone.domain, z->domain, z->domain_len);
	cfg->zone.domain_len = z->domain_len;
	memcpy(cfg->zone.domain_str, z->domain_str, sizeof(cfg->zone.domain_str));
	free(cfg->zone.file);
	cfg->zone.file = file;
	return GW_OK;
}

int config_zones_rebuild(gw_config_t *cfg)
{
	if (!cfg->zone_list)
		return config_zones_single(cfg);
	for (size_t i = 0; i < cfg->zone_count; i++) {
		gw_zone_config_t *z = &cfg->zones[i];
		char *dir = zone_state_dir(cfg->state_dir, z->domain_str);
		if (dir == NULL)
			return GW_ENOMEM;
		free(z->state_dir);
		z->state_dir = dir;
		z->dnssec = z->own_dnssec != NULL ? z->own_dnssec : &cfg->dnssec;
		z->transfer = z->own_transfer != NULL ? z->own_transfer : &cfg->transfer;
	}
	return cfg->zone_count > 0 ? zone_mirror_first(cfg) : GW_OK;
}

void check_zone_forms(load_ctx_t *ctx, gw_config_t *cfg)
{
	(void)cfg;
	const place_t *one = place_find(ctx, "zone");
	const place_t *many = place_find(ctx, "zones");
	if (one != NULL && many != NULL) {
		report_at(ctx, "zones",
		          "given with zone: (line %zu); give either zone: (one zone) or zones: (a "
		          "list of zones, e.g. zones: [{domain: home.arpa.}]), not both",
		          one->node->start_mark.line + 1);
	} else if (one == NULL && many == NULL) {
		const place_t *root = place_find(ctx, "");
		const char *msg =
		    "zone: required key is missing; add 'zone:' (one zone) or 'zones:' "
		    "(several) at the top level (see docs/configuration.md)";
		if (root != NULL)
			sink_add_mark(&ctx->sink, &root->node->start_mark, "%s", msg);
		else
			sink_add(&ctx->sink, 1, 1, "%s", msg);
	}
}

int gw_config_link_index(const gw_config_t *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->link_count; i++) {
		if (strcmp(cfg->links[i].interface, name) == 0 ||
		    strcasecmp(cfg->links[i].subdomain, name) == 0)
			return (int)i;
	}
	return -1;
}

bool check_link_ref(load_ctx_t *ctx, const gw_config_t *cfg, const char *path, const char *name)
{
	char q[QBUF];

	/* without links: every multicast interface is a link, known at start */
	if (cfg->link_count == 0)
		return check_ifname(ctx, path, name);
	if (gw_config_link_index(cfg, name) >= 0)
		return true;
	report_at(ctx, path,
	          "'%s' is not a link; give the interface or the subdomain of an entry of links: "
	          "(e.g. %s)",
	          quote(q, sizeof(q), name, strlen(name)), cfg->links[0].subdomain);
	return false;
}

/* True when b is a or under it. */
static bool name_under(const gw_zone_config_t *a, const gw_zone_config_t *b)
{
	ldns_rdf *ra = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, a->domain_len, a->domain);
	ldns_rdf *rb = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, b->domain_len, b->domain);
	bool under = ra != NULL && rb != NULL &&
	             (ldns_dname_compare(ra, rb) == 0 || ldns_dname_is_subdomain(rb, ra));
	ldns_rdf_deep_free(ra);
	ldns_rdf_deep_free(rb);
	return under;
}

/* b._dns-sd._udp.<subdomain>.<zone> (RFC 6763 section 11) must fit in
 * DNS's 255 octets for every link the zone shows. */
static void zone_link_names_fit(load_ctx_t *ctx, const gw_config_t *cfg, const char *path,
                                const gw_zone_config_t *z)
{
	enum { ENUM_PREFIX = 15 }; /* \001b\007_dns-sd\004_udp */
	char child[PLACE_PATH_MAX];
	for (size_t i = 0; i < cfg->link_count; i++) {
		const char *sub = cfg->links[i].subdomain;
		bool shown = z->link_count == 0;
		for (size_t j = 0; !shown && j < z->link_count; j++)
			shown = gw_config_link_index(cfg, z->links[j]) == (int)i;
		if (!shown || ENUM_PREFIX + 1 + strlen(sub) + z->domain_len <= 255)
			continue;
		path_join(child, path, "domain");
		report_at(
		    ctx, child,
		    "'%s' is too long for link '%s': b._dns-sd._udp.<subdomain>.<domain> would "
		    "be over 255 octets; shorten the domain or the link's subdomain",
		    z->domain_str, sub);
		return;
	}
}

/* links: of one zone, each a link of cfg, none twice. */
static void zone_links(load_ctx_t *ctx, const gw_config_t *cfg, const char *path,
                       char *const *texts, unsigned count, gw_zone_config_t *z)
{
	char child[PLACE_PATH_MAX + 16]; /* path and "[i]" */
	char q[QBUF];

	/* no links means every link (mdns_mirror_zone_t.link_count 0): an
	 * empty list would say the opposite of what it does */
	if (count == 0) {
		if (place_find(ctx, path) != NULL)
			report_at(ctx, path,
			          "an empty list; remove links: to show every link, or name the "
			          "links this zone shows");
		return;
	}
	z->links = calloc(count, sizeof(*z->links));
	if (z->links == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (!check_link_ref(ctx, cfg, child, texts[i]))
			continue;
		/* the same link by its interface and by its subdomain is
		 * listed twice too */
		int at = gw_config_link_index(cfg, texts[i]);
		size_t j;
		for (j = 0; j < z->link_count && strcmp(z->links[j], texts[i]) != 0 &&
		            (at < 0 || gw_config_link_index(cfg, z->links[j]) != at);
		     j++)
			;
		if (j < z->link_count) {
			report_at(ctx, child, "'%s' is listed twice (as '%s'); remove one",
			          quote(q, sizeof(q), texts[i], strlen(texts[i])), z->links[j]);
			continue;
		}
		z->links[z->link_count] = strdup(texts[i]);
		if (z->links[z->link_count] == NULL) {
			ctx->sink.oom = true;
			return;
		}
		z->link_count++;
	}
}

/* A zone's dnssec: (with_dnssec) or transfer:: the keys of the top-level
 * section, checked on a copy of its values (held in a scratch
 * configuration that shares cfg's other values, e.g. the TSIG keys that
 * transfer: names), so that the keys the zone leaves out keep the top
 * level's. */
static void zone_section(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *keys,
                         const raw_map_t *raw, const char *path, bool with_dnssec,
                         gw_zone_config_t *z)
{
	gw_config_t *tmp = malloc(sizeof(*tmp));
	if (tmp == NULL)
		goto oom;
	*tmp = *cfg;
	int ret = with_dnssec ? dnssec_copy(&tmp->dnssec, &cfg->dnssec)
	                      : transfer_copy(&tmp->transfer, &cfg->transfer);
	if (ret != GW_OK)
		goto oom;
	ctx->dnssec_path = with_dnssec ? path : NULL;
	schema_check_map(ctx, tmp, keys, raw, path);
	ctx->dnssec_path = NULL;
	if (with_dnssec) {
		z->own_dnssec = malloc(sizeof(*z->own_dnssec));
		if (z->own_dnssec == NULL) {
			dnssec_deinit(&tmp->dnssec);
			goto oom;
		}
		*z->own_dnssec = tmp->dnssec;
		z->dnssec = z->own_dnssec;
	} else {
		z->own_transfer = malloc(sizeof(*z->own_transfer));
		if (z->own_transfer == NULL) {
			transfer_deinit(&tmp->transfer);
			goto oom;
		}
		*z->own_transfer = tmp->transfer;
		z->transfer = z->own_transfer;
	}
	free(tmp);
	return;
oom:
	ctx->sink.oom = true;
	free(tmp);
}

/* One entry of zones: into z (zeroed); false when it is left out. */
static bool check_zone(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *key,
                       const raw_map_t *e, const char *path, gw_zone_config_t *z)
{
	const cfg_key_t *keys = key->keys;
	char child[PLACE_PATH_MAX];
	char why[WHY_MAX];
	size_t i;

	path_join(child, path, "domain");
	const char *domain = e->v[key_index(keys, "domain")];
	if (domain == NULL)
		return false;
	if (!parse_name(domain, z->domain, &z->domain_len, z->domain_str, sizeof(z->domain_str),
	                why, sizeof(why))) {
		report_at(ctx, child, "%s", why);
		return false;
	}
	z->dnssec = &cfg->dnssec;
	z->transfer = &cfg->transfer;
	if (!dir_component_ok(z->domain_str)) {
		report_at(ctx, child,
		          "'%s' cannot name its state directory (%s/zones/<domain>); use letters, "
		          "digits, '-' and '_'",
		          z->domain_str, cfg->state_dir);
		return false;
	}
	z->state_dir = zone_state_dir(cfg->state_dir, z->domain_str);
	if (z->state_dir == NULL) {
		ctx->sink.oom = true;
		return false;
	}

	const char *file = e->v[key_index(keys, "file")];
	path_join(child, path, "file");
	if (file != NULL && has_control(file))
		report_at(ctx, child,
		          "the path has a control character; write it on one line without escapes");
	else if (file != NULL && (z->file = strdup(file)) == NULL)
		ctx->sink.oom = true;

	i = key_index(keys, "links");
	path_join(child, path, "links");
	zone_links(ctx, cfg, child, e->v[i], e->n[i], z);
	zone_link_names_fit(ctx, cfg, path, z);

	i = key_index(keys, "policy");
	path_join(child, path, "policy");
	if (e->v[i] != NULL)
		policy_check(ctx, cfg, keys[i].keys, e->v[i], child, &z->policy);

	i = key_index(keys, "dnssec");
	path_join(child, path, "dnssec");
	if (e->v[i] != NULL)
		zone_section(ctx, cfg, keys[i].keys, e->v[i], child, true, z);

	i = key_index(keys, "transfer");
	path_join(child, path, "transfer");
	if (e->v[i] != NULL)
		zone_section(ctx, cfg, keys[i].keys, e->v[i], child, false, z);
	return true;
}

static void check_zones(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        void *value, unsigned count)
{
	const raw_map_t *entries = value;
	char child[PLACE_PATH_MAX];
	char dpath[PLACE_PATH_MAX];
	size_t n = 0;

	if (count == 0)
		return;
	gw_zone_config_t *zones = calloc(count, sizeof(*zones));
	if (zones == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < count && !ctx->sink.oom; i++) {
		gw_zone_config_t *z = &zones[n];
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (!check_zone(ctx, cfg, key, &entries[i], child, z)) {
			zone_deinit(z);
			continue;
		}
		size_t j;
		for (j = 0; j < n && !name_under(&zones[j], z) && !name_under(z, &zones[j]); j++)
			;
		if (j < n) {
			path_join(dpath, child, "domain");
			if (strcmp(zones[j].domain_str, z->domain_str) == 0)
				report_at(ctx, dpath,
				          "'%s' is listed twice; give each zone one entry",
				          z->domain_str);
			else
				report_at(
				    ctx, dpath,
				    "'%s' and '%s' are one under the other; a zone cannot hold "
				    "another: give the links of the inner one their own "
				    "subdomains in the outer zone, or choose domains apart",
				    z->domain_str, zones[j].domain_str);
			zone_deinit(z);
			continue;
		}
		n++;
	}
	config_zones_free(cfg);
	cfg->zones = zones;
	cfg->zone_count = n;
	cfg->zone_list = true;
	if (n > 0 && zone_mirror_first(cfg) != GW_OK)
		ctx->sink.oom = true;
}

static void print_zones(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	const cfg_key_t *keys = key->keys;
	int in = indent + 4; /* the keys of an entry */

	if (!cfg->zone_list)
		return; /* the one-zone form prints as zone: */
	/* Reverse zones, which the daemon adds for reverse:, are not
	 * entries of zones: (reverse: prints them). */
	size_t listed = 0;
	for (size_t i = 0; i < cfg->zone_count; i++)
		listed += !cfg->zones[i].reverse;
	print_list_head(fp, key->name, listed, indent);
	for (size_t i = 0; i < cfg->zone_count; i++) {
		const gw_zone_config_t *z = &cfg->zones[i];
		if (z->reverse)
			continue;
		fprintf(fp, "%*s- domain: ", indent + 2, "");
		print_string(fp, z->domain_str);
		fputc('\n', fp);
		if (z->file != NULL) {
			fprintf(fp, "%*sfile: ", in, "");
			print_string(fp, z->file);
			fputc('\n', fp);
		}
		if (z->link_count > 0)
			print_string_list(fp, "links", z->links, z->link_count, in);
		policy_print(fp, &z->policy, in);
		if (z->own_dnssec == NULL && z->own_transfer == NULL)
			continue;
		/* A scratch configuration whose top-level sections are the
		 * zone's, printed by the table (shallow: it owns nothing). */
		gw_config_t tmp = *cfg;
		if (z->own_dnssec != NULL) {
			tmp.dnssec = *z->own_dnssec;
			fprintf(fp, "%*sdnssec:\n", in, "");
			schema_print_map(fp, &tmp, keys[key_index(keys, "dnssec")].keys, in + 2);
		}
		if (z->own_transfer != NULL) {
			tmp.transfer = *z->own_transfer;
			fprintf(fp, "%*stransfer:\n", in, "");
			schema_print_map(fp, &tmp, keys[key_index(keys, "transfer")].keys, in + 2);
		}
	}
}

static void free_zones(gw_config_t *cfg, const cfg_key_t *key)
{
	(void)key;
	config_zones_free(cfg);
}

/* A reload that keeps the running zones: cur's, each a deep copy, its
 * borrowed sections those of dst. */
static int copy_zones(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	(void)key;
	gw_zone_config_t *zones = calloc(src->zone_count > 0 ? src->zone_count : 1, sizeof(*zones));
	size_t n = 0;
	int ret = zones != NULL ? GW_OK : GW_ENOMEM;

	/* The reverse zones are the daemon's own (gw_config_add_reverse_zone):
	 * they are not the configuration's to keep. */
	for (size_t i = 0; i < src->zone_count && ret == GW_OK; i++) {
		const gw_zone_config_t *s = &src->zones[i];
		if (s->reverse)
			continue;
		gw_zone_config_t *z = &zones[n++];
		memcpy(z->domain, s->domain, sizeof(z->domain));
		z->domain_len = s->domain_len;
		memcpy(z->domain_str, s->domain_str, sizeof(z->domain_str));
		z->reverse = s->reverse;
		z->file = s->file != NULL ? strdup(s->file) : NULL;
		z->state_dir = strdup(s->state_dir);
		if ((s->file != NULL && z->file == NULL) || z->state_dir == NULL)
			ret = GW_ENOMEM;
		if (ret == GW_OK && s->link_count > 0) {
			z->links = calloc(s->link_count, sizeof(*z->links));
			ret = z->links != NULL ? GW_OK : GW_ENOMEM;
		}
		for (size_t j = 0; j < s->link_count && ret == GW_OK; j++) {
			z->links[j] = strdup(s->links[j]);
			z->link_count++;
			ret = z->links[j] != NULL ? GW_OK : GW_ENOMEM;
		}
		if (ret == GW_OK)
			ret = policy_copy(&z->policy, &s->policy);
		if (ret == GW_OK && s->own_dnssec != NULL) {
			z->own_dnssec = malloc(sizeof(*z->own_dnssec));
			ret = z->own_dnssec == NULL ? GW_ENOMEM
			                            : dnssec_copy(z->own_dnssec, s->own_dnssec);
			if (ret != GW_OK) {
				free(z->own_dnssec);
				z->own_dnssec = NULL;
			}
		}
		if (ret == GW_OK && s->own_transfer != NULL) {
			z->own_transfer = malloc(sizeof(*z->own_transfer));
			ret = z->own_transfer == NULL
			          ? GW_ENOMEM
			          : transfer_copy(z->own_transfer, s->own_transfer);
			if (ret != GW_OK) {
				free(z->own_transfer);
				z->own_transfer = NULL;
			}
		}
		z->dnssec = z->own_dnssec != NULL ? z->own_dnssec : &dst->dnssec;
		z->transfer = z->own_transfer != NULL ? z->own_transfer : &dst->transfer;
	}
	if (ret != GW_OK) {
		zones_free(zones, n);
		return ret;
	}
	config_zones_free(dst);
	dst->zones = zones;
	dst->zone_count = n;
	dst->zone_list = src->zone_list;
	return GW_OK;
}

/* zones: (cfg->zones), each: domain, file, links, policy, dnssec,
 * transfer. The one-zone form fills cfg->zones after the load
 * (config_zones_single). */
const cfg_type_t g_type_zones =
    CFG_TYPE(SHAPE_LIST_MAP, 0, check_zones, NULL, print_zones, free_zones, copy_zones);

/* Keys inside an entry, read by the list's type. */
const cfg_type_t g_type_entry_list = {.shape = SHAPE_LIST};
const cfg_type_t g_type_entry_maps = {.shape = SHAPE_LIST_MAP};

int gw_config_add_reverse_zone(gw_config_t *cfg, const uint8_t *apex, size_t apex_len,
                               const char *apex_str, const char *const *rrs, size_t rr_count)
{
	if (cfg->zone_count >= GW_CONFIG_ZONES_MAX)
		return GW_ELIMIT;
	if (apex_len > sizeof(cfg->zones[0].domain) ||
	    strlen(apex_str) >= sizeof(cfg->zones[0].domain_str))
		return GW_EINVAL;
	gw_zone_config_t probe = {.domain_len = apex_len};
	memcpy(probe.domain, apex, apex_len);
	for (size_t i = 0; i < cfg->zone_count; i++) {
		if (name_under(&cfg->zones[i], &probe) || name_under(&probe, &cfg->zones[i]))
			return GW_EEXIST;
	}
	gw_zone_config_t *zones = realloc(cfg->zones, (cfg->zone_count + 1) * sizeof(*zones));
	if (zones == NULL)
		return GW_ENOMEM;
	cfg->zones = zones;
	gw_zone_config_t *z = &zones[cfg->zone_count];
	memset(z, 0, sizeof(*z));
	memcpy(z->domain, apex, apex_len);
	z->domain_len = apex_len;
	snprintf(z->domain_str, sizeof(z->domain_str), "%s", apex_str);
	z->reverse = true;
	z->dnssec = &cfg->dnssec;
	z->transfer = &cfg->transfer;
	z->state_dir = zone_state_dir(cfg->state_dir, z->domain_str);
	int ret = z->state_dir != NULL ? GW_OK : GW_ENOMEM;
	if (ret == GW_OK && cfg->reverse.file != NULL) {
		z->file = strdup(cfg->reverse.file);
		ret = z->file != NULL ? GW_OK : GW_ENOMEM;
	}
	if (ret == GW_OK && rr_count > 0) {
		z->extra = calloc(rr_count, sizeof(*z->extra));
		ret = z->extra != NULL ? GW_OK : GW_ENOMEM;
	}
	for (size_t i = 0; ret == GW_OK && i < rr_count; i++) {
		z->extra[i] = strdup(rrs[i]);
		ret = z->extra[i] != NULL ? GW_OK : GW_ENOMEM;
		z->extra_count += ret == GW_OK;
	}
	if (ret != GW_OK) {
		zone_deinit(z);
		return ret;
	}
	cfg->zone_count++;
	return GW_OK;
}
