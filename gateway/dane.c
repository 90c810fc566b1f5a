/* Where the gateway says, in its own signed zone, how to reach it over
 * TLS and which key it holds:
 *
 * - TLSA 3 1 1 (DANE-EE, SPKI, SHA-256; RFC 7671 5.1) at
 *   _<port>._tcp.<server name> for every TLS port: the key, not the
 *   certificate, so the self-signed certificate may be remade (another
 *   name, another date) without a TLSA change;
 * - SRV _dns-push-tls._tcp.<zone> (RFC 8765 6) to the server name and the
 *   first TLS port;
 * - A/AAAA of the server name for the TLS addresses that are specific
 *   (a wildcard listener says nothing about the address clients use).
 *
 * The TLSA and addresses only when the server name is inside the zone;
 * any of them the zone file gives itself is left to the file
 * (gw_zonemgr_opts_t.extra_rrs). */
#include "gateway/dane.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

#include "common/addr.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/server/tls.h"

static int add_rr(gw_dane_t *dn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_rr(gw_dane_t *dn, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || dn->rr_count == GW_DANE_RRS_MAX)
		return GW_ESPACE;
	/* Two addresses of one listener may name the same record. */
	for (size_t i = 0; i < dn->rr_count; i++) {
		if (strcmp(dn->rrs[i], line) == 0)
			return GW_OK;
	}
	dn->rrs[dn->rr_count] = strdup(line);
	if (dn->rrs[dn->rr_count] == NULL)
		return GW_ENOMEM;
	dn->rr_count++;
	return GW_OK;
}

/* Whether name (absolute text) is the zone's apex or below it. */
static bool in_zone(const char *name, const char *zone)
{
	ldns_rdf *n = ldns_dname_new_frm_str(name);
	ldns_rdf *z = ldns_dname_new_frm_str(zone);
	bool in = n != NULL && z != NULL &&
	          (ldns_dname_compare(n, z) == 0 || ldns_dname_is_subdomain(n, z));
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(z);
	return in;
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];
	if (ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, 16) == 0;
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
}

static int make_records(gw_dane_t *dn, const gw_config_t *cfg, const gw_server_t *srv)
{
	struct sockaddr_storage addrs[GW_CONFIG_TLS_LISTEN_MAX];
	size_t n = gw_server_tls_addrs(srv, addrs, GW_CONFIG_TLS_LISTEN_MAX);
	const char *name = dn->server_name;
	char hex[65];
	int ret = GW_OK;

	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dn->spki[i]);
	bool inside = in_zone(name, cfg->zone.domain_str);
	if (!inside)
		gw_notice("TLS: server name %s is outside %s: no TLSA or address records are "
		          "published for it here",
		          name, cfg->zone.domain_str);
	for (size_t i = 0; i < n && ret == GW_OK; i++) {
		char a[64];
		uint16_t port = 0;
		gw_addr_text((const struct sockaddr *)&addrs[i], a, sizeof(a), &port);
		if (i == 0)
			ret = add_rr(dn, "_dns-push-tls._tcp.%s %d IN SRV 0 0 %u %s",
			             cfg->zone.domain_str, GW_DANE_TTL, port, name);
		if (ret == GW_OK && inside)
			ret = add_rr(dn, "_%u._tcp.%s %d IN TLSA 3 1 1 %s", port, name, GW_DANE_TTL,
			             hex);
		if (ret == GW_OK && inside && !is_wildcard(&addrs[i]))
			ret = add_rr(dn, "%s %d IN %s %s", name, GW_DANE_TTL,
			             addrs[i].ss_family == AF_INET6 ? "AAAA" : "A", a);
	}
	return ret;
}

int gw_dane_setup(gw_dane_t *dn, const gw_config_t *cfg, gw_server_t *srv)
{
	int ret;
	char cert_own[GW_CONFIG_PATH_MAX + 32], key_own[GW_CONFIG_PATH_MAX + 32];
	const char *cert = cfg->tls.certificate, *key = cfg->tls.key;
	SSL_CTX *ctx = NULL;

	memset(dn, 0, sizeof(*dn));
	if (cfg->tls.listen_count == 0)
		return GW_OK;
	int len =
	    cfg->tls.server_name != NULL
	        ? snprintf(dn->server_name, sizeof(dn->server_name), "%s", cfg->tls.server_name)
	        : snprintf(dn->server_name, sizeof(dn->server_name), "dns.%.*s",
	                   (int)sizeof(dn->server_name) - 5, cfg->zone.domain_str);
	if (len < 0 || (size_t)len >= sizeof(dn->server_name) - 1) {
		gw_err("TLS: the server name dns.%s is too long; set tls.server-name",
		       cfg->zone.domain_str);
		return GW_ECONFIG;
	}
	if (cert == NULL) {
		/* The certificate names the server without the final dot. */
		char host[GW_CONFIG_NAME_STR_MAX];
		snprintf(host, sizeof(host), "%s", dn->server_name);
		size_t hl = strlen(host);
		if (hl > 1 && host[hl - 1] == '.')
			host[hl - 1] = '\0';
		ret = gw_tls_own_cert(cfg->state_dir, host, cert_own, key_own, sizeof(cert_own));
		if (ret != GW_OK)
			return ret;
		cert = cert_own;
		key = key_own;
	}
	ret = gw_tls_ctx_new(&ctx, cert, key);
	if (ret == GW_OK)
		ret = gw_tls_spki_sha256(cert, dn->spki);
	if (ret == GW_OK)
		ret = make_records(dn, cfg, srv);
	if (ret != GW_OK) {
		gw_tls_ctx_free(ctx);
		gw_dane_deinit(dn);
		return ret;
	}
	gw_server_set_tls(srv, ctx);
	gw_info("TLS: serving with %s (key %s), server name %s", cert, key, dn->server_name);
	return GW_OK;
}

const char *const *gw_dane_rrs(const gw_dane_t *dn, size_t *count)
{
	*count = dn->rr_count;
	return (const char *const *)dn->rrs;
}

void gw_dane_deinit(gw_dane_t *dn)
{
	for (size_t i = 0; i < dn->rr_count; i++)
		free(dn->rrs[i]);
	dn->rr_count = 0;
}
