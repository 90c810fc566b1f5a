/* reverse.prefixes: the IPv4 and IPv6 prefixes whose reverse zones the
 * gateway serves (gateway/reverse makes the zones at start). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

/* Shorter prefixes would claim a large part of in-addr.arpa or ip6.arpa,
 * never what a site's links hold. */
#define PREFIX_MIN_V4 8
#define PREFIX_MIN_V6 16

static gw_acl_entry_t **prefixes_of(const gw_config_t *cfg, const cfg_key_t *key)
{
	return cfg_field(cfg, key);
}

static size_t *count_of(const gw_config_t *cfg, const cfg_key_t *key)
{
	return (size_t *)((char *)cfg + key->count);
}

static void check_prefixes(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                           const char *path, void *value, unsigned count)
{
	char *const *texts = value;
	char why[WHY_MAX];
	char child[PLACE_PATH_MAX];
	char q[QBUF];
	gw_acl_entry_t *list = NULL;
	size_t n = 0;

	if (count > 0 && (list = calloc(count, sizeof(*list))) == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		gw_acl_entry_t *e = &list[n];
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		quote(q, sizeof(q), texts[i], strlen(texts[i]));
		if (!parse_prefix(texts[i], e, why, sizeof(why))) {
			report_at(ctx, child, "%s", why);
			continue;
		}
		unsigned min = e->family == AF_INET ? PREFIX_MIN_V4 : PREFIX_MIN_V6;
		if (e->prefix < min) {
			report_at(ctx, child,
			          "'%s' is shorter than /%u; give the prefixes of the links, e.g. "
			          "%s",
			          q, min,
			          e->family == AF_INET ? "192.0.2.0/24" : "2001:db8:1::/64");
			continue;
		}
		size_t j;
		for (j = 0; j < n && !(list[j].family == e->family && list[j].prefix == e->prefix &&
		                       memcmp(list[j].addr, e->addr, sizeof(e->addr)) == 0);
		     j++)
			;
		if (j < n) {
			report_at(ctx, child, "'%s' is listed twice; remove one", q);
			continue;
		}
		n++;
	}
	free(*prefixes_of(cfg, key));
	*prefixes_of(cfg, key) = list;
	*count_of(cfg, key) = n;
}

static void print_prefixes(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	const gw_acl_entry_t *list = *prefixes_of(cfg, key);
	size_t n = *count_of(cfg, key);
	char buf[INET6_ADDRSTRLEN];

	print_list_head(fp, key->name, n, indent);
	for (size_t i = 0; i < n; i++) {
		inet_ntop(list[i].family, list[i].addr, buf, sizeof(buf));
		fprintf(fp, "%*s- \"%s/%u\"\n", indent + 2, "", buf, list[i].prefix);
	}
}

static void free_prefixes(gw_config_t *cfg, const cfg_key_t *key)
{
	free(*prefixes_of(cfg, key));
	*prefixes_of(cfg, key) = NULL;
	*count_of(cfg, key) = 0;
}

static int copy_prefixes(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	size_t n = *count_of(src, key);
	gw_acl_entry_t *list = NULL;
	if (n > 0) {
		list = malloc(n * sizeof(*list));
		if (list == NULL)
			return GW_ENOMEM;
		memcpy(list, *prefixes_of(src, key), n * sizeof(*list));
	}
	free_prefixes(dst, key);
	*prefixes_of(dst, key) = list;
	*count_of(dst, key) = n;
	return GW_OK;
}

/* A list of IPv4 and IPv6 prefixes (gw_acl_entry_t without keys). */
const cfg_type_t g_type_prefixes = CFG_TYPE(SHAPE_LIST, ADDR_TEXT_MAX, check_prefixes, NULL,
                                            print_prefixes, free_prefixes, copy_prefixes);
