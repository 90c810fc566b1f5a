/* Checks between keys: values that are each in range but wrong together,
 * and the privacy of a file that holds secrets. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/file.h"
#include "gateway/config/duration.h"
#include "gateway/config/internal.h"

#include <ldns/ldns.h>

/* The first of the keys (paths) that the file gives, for problems that
 * involve several values, some of which may be defaults. */
static const char *first_given(load_ctx_t *ctx, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (place_find(ctx, paths[i]) != NULL)
			return paths[i];
	}
	return paths[n - 1];
}

/* Signatures are renewed when less than refresh remains, at a random
 * point of jitter: both must fit in the validity. */
void check_signature_times(load_ctx_t *ctx, gw_config_t *cfg)
{
	char v[DURATION_TEXT_MAX];
	char r[DURATION_TEXT_MAX];
	char j[DURATION_TEXT_MAX];
	char room[DURATION_TEXT_MAX];
	const char *section = ctx->dnssec_path != NULL ? ctx->dnssec_path : "dnssec";
	char p_validity[PLACE_PATH_MAX], p_refresh[PLACE_PATH_MAX];
	char p_jitter[PLACE_PATH_MAX], p_inception[PLACE_PATH_MAX];

	path_join(p_validity, section, "signature-validity");
	path_join(p_refresh, section, "refresh");
	path_join(p_jitter, section, "jitter");
	path_join(p_inception, section, "inception-offset");
	/* a default next to a wrong value would only add noise */
	if (reported_at(ctx, p_validity) || reported_at(ctx, p_refresh) ||
	    reported_at(ctx, p_jitter) || reported_at(ctx, p_inception))
		return;
	/* a zone's section that gives none of them has the top level's,
	 * checked there */
	if (ctx->dnssec_path != NULL && place_find(ctx, p_validity) == NULL &&
	    place_find(ctx, p_refresh) == NULL && place_find(ctx, p_jitter) == NULL)
		return;

	uint64_t validity = cfg->dnssec.validity_ms;
	uint64_t refresh = cfg->dnssec.refresh_ms;
	uint64_t jitter = cfg->dnssec.jitter_ms;
	gw_duration_format(validity, v, sizeof(v));
	gw_duration_format(refresh, r, sizeof(r));
	gw_duration_format(jitter, j, sizeof(j));
	if (refresh >= validity) {
		const char *const order[] = {p_refresh, p_validity};
		report_at(ctx, first_given(ctx, order, 2),
		          "refresh %s is not shorter than signature-validity %s; signatures are "
		          "renewed when less than refresh remains, so lower refresh or raise "
		          "signature-validity (e.g. refresh 7d with signature-validity 14d)",
		          r, v);
		return;
	}
	if (jitter >= validity - refresh) {
		const char *const order[] = {p_jitter, p_refresh, p_validity};
		gw_duration_format(validity - refresh, room, sizeof(room));
		report_at(ctx, first_given(ctx, order, 3),
		          "jitter %s is not shorter than signature-validity %s minus refresh %s "
		          "(%s); lower jitter or refresh, or raise signature-validity (e.g. jitter "
		          "1d, refresh 7d, signature-validity 14d)",
		          j, v, r, room);
	}
}

/* Mirroring neither address family would mirror nothing. */
void check_address_families(load_ctx_t *ctx, gw_config_t *cfg)
{
	if (reported_at(ctx, "mdns.ipv4") || reported_at(ctx, "mdns.ipv6"))
		return;
	if (!cfg->mdns.ipv4 && !cfg->mdns.ipv6) {
		static const char *const order[] = {"mdns.ipv6", "mdns.ipv4"};
		report_at(
		    ctx, first_given(ctx, order, 2),
		    "ipv4 and ipv6 are both false, so nothing would be mirrored; set at least "
		    "one to true");
	}
}

/* A Unix socket's path must fit sun_path (108 octets with its NUL), and
 * be absolute: the daemon may change its directory. */
void check_control_socket(load_ctx_t *ctx, gw_config_t *cfg)
{
	const char *path = cfg->control.socket;
	if (path == NULL || reported_at(ctx, "control.socket"))
		return;
	if (path[0] != '/')
		report_at(ctx, "control.socket",
		          "'%s' is not an absolute path; write it from / (e.g. "
		          "/run/dnssd-gateway/control.sock)",
		          path);
	else if (strlen(path) > GW_CONFIG_SOCKET_PATH_MAX)
		report_at(ctx, "control.socket",
		          "the path is %zu octets, longer than a Unix socket's %d; choose a "
		          "shorter one (e.g. /run/dnssd-gateway/control.sock)",
		          strlen(path), GW_CONFIG_SOCKET_PATH_MAX);
}

void check_tls(load_ctx_t *ctx, gw_config_t *cfg)
{
	if ((cfg->tls.certificate == NULL) != (cfg->tls.key == NULL) &&
	    !reported_at(ctx, "tls.certificate") && !reported_at(ctx, "tls.key")) {
		static const char *const order[] = {"tls.key", "tls.certificate"};
		report_at(ctx, first_given(ctx, order, 2),
		          "certificate and key go together: give both (PEM files), or neither for "
		          "the gateway's own key and self-signed certificate");
	}
	char *name = cfg->tls.server_name;
	if (name == NULL || reported_at(ctx, "tls.server-name"))
		return;
	size_t len = strlen(name);
	ldns_rdf *rdf = NULL;
	if (len == 0 || ldns_str2rdf_dname(&rdf, name) != LDNS_STATUS_OK) {
		report_at(ctx, "tls.server-name", "'%s' is not a domain name (e.g. dns.%s)", name,
		          cfg->zone.domain_str);
		return;
	}
	ldns_rdf_deep_free(rdf);
	for (char *p = name; *p != '\0'; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	if (name[len - 1] != '.' && len + 1 < GW_CONFIG_NAME_STR_MAX) {
		char *abs = realloc(name, len + 2);
		if (abs != NULL) {
			abs[len] = '.';
			abs[len + 1] = '\0';
			cfg->tls.server_name = abs;
		}
	}
}

/* A file that holds TSIG secrets itself must be as private as a key file.
 * On failure frees *cfg. */
int check_secret_mode(sink_t *sink, gw_config_t *cfg, const char *path)
{
	struct stat st;
	bool inline_secret = false;
	char why[2 * QBUF + 256];

	for (size_t i = 0; i < cfg->tsig_key_count; i++)
		inline_secret |= cfg->tsig_keys[i].file == NULL;
	if (!inline_secret || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) == 0)
		return GW_OK;
	if (!gw_file_secret_mode_ok(&st)) {
		sink_add(
		    sink, 0, 0,
		    "mode %04o lets group or others read the TSIG secrets in tsig-keys; chmod "
		    "600 the file (or 640 with owner root and the daemon's group), or move the "
		    "secrets to key files (file: PATH, mode 0600)",
		    (unsigned)(st.st_mode & 07777));
		gw_config_free(cfg);
		return GW_ECONFIG;
	}
	int ret = shared_secret_note(&cfg->secret_group_file, &cfg->secret_group, path, &st, why,
	                             sizeof(why));
	if (ret == GW_ECONFIG)
		sink_add(sink, 0, 0, "%s", why);
	if (ret != GW_OK)
		gw_config_free(cfg);
	return ret;
}

#define PATH_TTL_CAP    "mdns.ttl-cap"
#define TTL_CAP_RFC8766 10 /* seconds: RFC 8766 section 5.5.1 */

/* A longer cap is accepted (some sites trade freshness for fewer queries),
 * but a client then keeps a record of a vanished service that long. */
void check_ttl_cap(load_ctx_t *ctx, gw_config_t *cfg)
{
	if (place_find(ctx, PATH_TTL_CAP) == NULL || reported_at(ctx, PATH_TTL_CAP) ||
	    cfg->mdns.ttl_cap <= TTL_CAP_RFC8766)
		return;
	warn_at(ctx, cfg, PATH_TTL_CAP,
	        "%" PRIu32 " s is above the 10 s of RFC 8766 section 5.5.1; clients keep a "
	        "service that has gone for up to this long (accepted)",
	        cfg->mdns.ttl_cap);
}

/* The reverse zones point each prefix at a link's subdomain: without
 * links: there is none to name (the default rule finds the links only
 * once the daemon runs). */
void check_reverse(load_ctx_t *ctx, gw_config_t *cfg)
{
	static const char path[] = "reverse.enable";
	if (place_find(ctx, path) == NULL || reported_at(ctx, path) || !cfg->reverse.enable ||
	    cfg->link_count > 0)
		return;
	report_at(ctx, path,
	          "the reverse zones need the links named, so that each prefix has a subdomain "
	          "to point to; add links: with each interface and its subdomain, or set "
	          "reverse.enable to false");
}
