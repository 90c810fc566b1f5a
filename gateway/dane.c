/* Where the gateway says, in its own signed zone, how to reach it over
 * TLS and which key it holds:
 *
 * - TLSA 3 1 1 (DANE-EE, SPKI, SHA-256; RFC 7671 5.1) at
 *   _<port>._tcp.<server name> for every TLS port: the key, not the
 *   certificate, so a certificate may be remade or renewed around the
 *   same key without a TLSA change;
 * - SRV _dns-push-tls._tcp.<zone> (RFC 8765 6) to the server name and the
 *   first TLS port;
 * - SVCB _dns.<server name> (RFC 9461) saying DNS over TLS ("dot") on
 *   each TLS port;
 * - A/AAAA of the server name for the TLS addresses that are specific
 *   (a wildcard listener says nothing about the address clients use).
 *
 * The TLSA, SVCB and addresses only when the server name is inside the zone;
 * any of them the zone file gives itself is left to the file
 * (gw_zonemgr_opts_t.extra_rrs).
 *
 * A new key (a configured certificate with another key at a reload, or
 * --tls-new-key for the gateway's own) is never used before a validating
 * client can know it (RFC 7671 8.1): its TLSA is published beside the
 * current one, the key in use is kept in <state>/tls/previous-*.pem and
 * served on, and twice the TLSA TTL later the new key is loaded and the
 * old TLSA removed. <state>/tls/rollover says which key was published
 * when, so a restart in between serves the old key and waits only what
 * is left. */
#include "gateway/dane.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/x509.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/container.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "gateway/server/tls.h"

#define ROLLOVER_FILE  "rollover"
#define PREV_CERT_FILE "previous-cert.pem"
#define PREV_KEY_FILE  "previous-key.pem"
#define STATE_MAX      128

static int add_rr(char **rrs, size_t *count, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int add_rr(char **rrs, size_t *count, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) || *count == GW_DANE_RRS_MAX)
		return GW_ESPACE;
	/* Two listeners may name the same record. */
	for (size_t i = 0; i < *count; i++) {
		if (strcmp(rrs[i], line) == 0)
			return GW_OK;
	}
	rrs[*count] = strdup(line);
	if (rrs[*count] == NULL)
		return GW_ENOMEM;
	(*count)++;
	return GW_OK;
}

static void free_rrs(char **rrs, size_t *count)
{
	for (size_t i = 0; i < *count; i++)
		free(rrs[i]);
	*count = 0;
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

/* The apex of the zone that publishes the records: the one holding the
 * server name (the longest such apex), else the first zone. */
static const char *home_zone(const gw_dane_t *dn)
{
	const gw_config_t *cfg = dn->cfg;
	return cfg->zone_count > dn->zone ? cfg->zones[dn->zone].domain_str : cfg->zone.domain_str;
}

static size_t find_home(const gw_config_t *cfg, const char *name)
{
	size_t best = 0, best_len = 0;
	for (size_t i = 0; i < cfg->zone_count; i++) {
		size_t len = strlen(cfg->zones[i].domain_str);
		if (len > best_len && in_zone(name, cfg->zones[i].domain_str)) {
			best = i;
			best_len = len;
		}
	}
	return best;
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];
	if (ss->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, 16) == 0;
	return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
}

static void hex(const uint8_t d[32], char out[65])
{
	for (size_t i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The records for the keys published now into the set not in use. */
static int build_records(gw_dane_t *dn, unsigned set)
{
	struct sockaddr_storage addrs[GW_CONFIG_TLS_LISTEN_MAX];
	size_t n = gw_server_tls_addrs(dn->srv, addrs, GW_CONFIG_TLS_LISTEN_MAX);
	const gw_config_t *cfg = dn->cfg;
	char **rrs = dn->rrs[set];
	size_t *count = &dn->rr_count[set];
	uint32_t ttl = cfg->tls.tlsa_ttl;
	char use[65], next[65];
	int ret = GW_OK;

	free_rrs(rrs, count);
	hex(dn->use, use);
	hex(dn->next, next);
	bool inside = in_zone(dn->server_name, home_zone(dn));
	for (size_t i = 0; i < n && ret == GW_OK; i++) {
		char a[64];
		uint16_t port = 0;
		gw_addr_text((const struct sockaddr *)&addrs[i], a, sizeof(a), &port);
		if (i == 0)
			ret = add_rr(rrs, count, "_dns-push-tls._tcp.%s %u IN SRV 0 0 %u %s",
			             home_zone(dn), ttl, port, dn->server_name);
		if (!inside)
			continue;
		if (ret == GW_OK)
			ret = add_rr(rrs, count, "_%u._tcp.%s %u IN TLSA 3 1 1 %s", port,
			             dn->server_name, ttl, use);
		if (ret == GW_OK && dn->rolling)
			ret = add_rr(rrs, count, "_%u._tcp.%s %u IN TLSA 3 1 1 %s", port,
			             dn->server_name, ttl, next);
		/* RFC 9461 2: DNS over TLS at the server name, its port. */
		if (ret == GW_OK)
			ret = add_rr(rrs, count, "_dns.%s %u IN SVCB 1 %s alpn=dot port=%u",
			             dn->server_name, ttl, dn->server_name, port);
		if (ret == GW_OK && !is_wildcard(&addrs[i]))
			ret = add_rr(rrs, count, "%s %u IN %s %s", dn->server_name, ttl,
			             addrs[i].ss_family == AF_INET6 ? "AAAA" : "A", a);
	}
	return ret;
}

static void arm(gw_dane_t *dn);
static int write_state(const gw_dane_t *dn);

/* The zone has not taken the records of the keys: retried every
 * GW_DANE_RETRY_S. A rollover's wait starts once it has; until then the
 * state says 0, so that a restart meanwhile waits from its own start,
 * which publishes the records. */
static void mark_unpublished(gw_dane_t *dn)
{
	dn->unpublished = true;
	if (dn->rolling) {
		dn->published = 0;
		(void)write_state(dn);
	}
	arm(dn);
}

/* Rebuild the records and, once serving, commit them to the zone. A
 * commit that fails marks them unpublished, and the timer tries again
 * (arm()). */
static int publish(gw_dane_t *dn)
{
	unsigned set = dn->cur ^ 1u;
	int ret = build_records(dn, set);
	if (ret == GW_OK && dn->zones != NULL)
		ret = gw_zonemgr_set_extra(dn->zones, (const char *const *)dn->rrs[set],
		                           dn->rr_count[set]);
	if (ret != GW_OK) {
		gw_err("TLS: the TLSA records could not be updated: %s (retrying every %u s)",
		       gw_strerror(ret), GW_DANE_RETRY_S);
		free_rrs(dn->rrs[set], &dn->rr_count[set]);
		if (dn->zones != NULL)
			mark_unpublished(dn);
		return ret;
	}
	free_rrs(dn->rrs[dn->cur], &dn->rr_count[dn->cur]);
	dn->cur = set;
	dn->unpublished = false;
	dn->held_given = dn->held_given || (dn->held && dn->zones != NULL);
	return GW_OK;
}

/* The context for the source files and its key's digest. */
static int load(const char *cert, const char *key, SSL_CTX **ctx, uint8_t spki[32])
{
	int ret = gw_tls_ctx_new(ctx, cert, key);
	if (ret == GW_OK)
		ret = gw_tls_ctx_spki_sha256(*ctx, spki);
	if (ret != GW_OK) {
		gw_tls_ctx_free(*ctx);
		*ctx = NULL;
	}
	return ret;
}

/* Serve ctx (taken) from now on. */
static void use_ctx(gw_dane_t *dn, SSL_CTX *ctx)
{
	SSL_CTX_up_ref(ctx);
	gw_server_set_tls(dn->srv, ctx);
	gw_tls_ctx_free(dn->ctx);
	dn->ctx = ctx;
	gw_tls_ctx_spki_sha256(ctx, dn->use);
}

static int write_state(const gw_dane_t *dn)
{
	char line[STATE_MAX];
	int ret = gw_tls_rollover_format(line, sizeof(line), dn->next, dn->published);
	if (ret == GW_OK)
		ret = gw_file_write_atomic(dn->state_file, line, strlen(line), 0600);
	return ret;
}

/* The rollover is over (done or moot): its files go. */
static void clear_state(gw_dane_t *dn)
{
	dn->rolling = false;
	ev_timer_stop(dn->loop, &dn->timer);
	(void)unlink(dn->state_file);
	(void)unlink(dn->prev_cert);
	(void)unlink(dn->prev_key);
	(void)gw_file_sync_parent(dn->state_file);
}

static double wait_left(const gw_dane_t *dn)
{
	/* In doubles: the time comes from a file, and may be anything up to
	 * INT64_MAX. */
	double left =
	    (double)dn->published + 2.0 * (double)dn->cfg->tls.tlsa_ttl - (double)gw_clock_wall();
	return left > 0 ? left : 0;
}

/* The timer: the records again while the zone has not taken them,
 * else the switch to the next key when a rollover's wait ends. */
static void arm(gw_dane_t *dn)
{
	if (dn->zones == NULL)
		return; /* gw_dane_start() arms it */
	ev_timer_stop(dn->loop, &dn->timer);
	if (!dn->unpublished && !dn->rolling)
		return;
	ev_timer_set(&dn->timer, dn->unpublished ? (double)GW_DANE_RETRY_S : wait_left(dn), 0.0);
	ev_timer_start(dn->loop, &dn->timer);
}

/* Publish spki as the next key from now, the one in use kept on disk
 * first (its source files may already hold the next). */
static int begin(gw_dane_t *dn, const uint8_t spki[32])
{
	char h[65];
	int ret = GW_OK;
	if (!dn->rolling)
		ret = gw_tls_ctx_save(dn->ctx, dn->prev_cert, dn->prev_key);
	if (ret != GW_OK)
		return ret;
	memcpy(dn->next, spki, 32);
	/* Whole seconds, rounded up: the wait is never shorter. */
	dn->published = (int64_t)gw_clock_wall() + 1;
	dn->published_here = true;
	dn->rolling = true;
	ret = write_state(dn);
	if (ret == GW_OK)
		ret = publish(dn); /* on failure, tried again (mark_unpublished()) */
	if (ret != GW_OK)
		return ret;
	hex(spki, h);
	gw_notice("TLS: new key %s published (TLSA 3 1 1 beside the one in use); it is used in "
	          "%u s, at twice the TLSA TTL",
	          h, 2 * dn->cfg->tls.tlsa_ttl);
	arm(dn);
	return GW_OK;
}

/* The zone did not take the records: again. A rollover's TLSA counts
 * as published from when it does, so the new key is used twice the TTL
 * after any resolver could have fetched it. */
static void retry_publish(gw_dane_t *dn)
{
	if (publish(dn) != GW_OK)
		return;
	if (dn->rolling) {
		dn->published = (int64_t)gw_clock_wall() + 1;
		dn->published_here = true;
		if (write_state(dn) != GW_OK)
			gw_warn("TLS: %s keeps the earlier time of the new key's TLSA; a restart "
			        "would use the key up to that much sooner",
			        dn->state_file);
		gw_notice("TLS: the TLSA records are in the zone now; the new key is used in %u s",
		          2 * dn->cfg->tls.tlsa_ttl);
	} else {
		gw_notice("TLS: the TLSA records are in the zone now");
	}
	arm(dn);
}

static void on_switch(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	gw_dane_t *dn = container_of(w, gw_dane_t, timer);
	SSL_CTX *ctx = NULL;
	uint8_t spki[32];
	if (dn->unpublished) {
		retry_publish(dn);
		return;
	}
	int ret = load(dn->cert, dn->key, &ctx, spki);
	if (ret != GW_OK) {
		/* Logged; the key in use stays, and so does its TLSA. */
		gw_err("TLS: the next key cannot be loaded from %s; still serving the previous one",
		       dn->key);
		return;
	}
	if (memcmp(spki, dn->next, 32) != 0) {
		/* The files changed again meanwhile: that key waits its turn. */
		gw_tls_ctx_free(ctx);
		(void)begin(dn, spki);
		return;
	}
	use_ctx(dn, ctx);
	clear_state(dn);
	/* On failure the previous key's TLSA stays until the zone takes the
	 * change (publish() arms the retry). */
	if (publish(dn) == GW_OK)
		gw_notice("TLS: now serving the new key; the previous key's TLSA is removed");
}

/* The configured files, or the gateway's own (made when missing). */
static int source(gw_dane_t *dn)
{
	const gw_config_t *cfg = dn->cfg;
	char dir[GW_CONFIG_PATH_MAX + 8];
	snprintf(dir, sizeof(dir), "%s/%s", cfg->state_dir, GW_TLS_DIR);
	snprintf(dn->prev_cert, sizeof(dn->prev_cert), "%s/%s", dir, PREV_CERT_FILE);
	snprintf(dn->prev_key, sizeof(dn->prev_key), "%s/%s", dir, PREV_KEY_FILE);
	snprintf(dn->state_file, sizeof(dn->state_file), "%s/%s", dir, ROLLOVER_FILE);
	if (!dn->own) {
		snprintf(dn->cert, sizeof(dn->cert), "%s", cfg->tls.certificate);
		snprintf(dn->key, sizeof(dn->key), "%s", cfg->tls.key);
		/* <state>/tls/ for the rollover's files, among them the
		 * previous private key: the directory itself, as with an own
		 * certificate. */
		int ret = gw_file_refuse_link(dir);
		if (ret != GW_OK)
			return ret;
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			ret = -errno;
			gw_err("cannot create %s: %s", dir, strerror(errno));
			return ret;
		}
		return GW_OK;
	}
	return gw_tls_own_cert(cfg->state_dir, dn->host, dn->cert, dn->key, sizeof(dn->cert));
}

/* --tls-new-key: a new own key; the one in use is kept first, and the
 * state file written before the key files are replaced, so a crash in
 * between leaves a rollover that a restart finds moot or resumes. */
static int new_own_key(gw_dane_t *dn)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	uint8_t spki[32];
	int ret = gw_tls_own_new(dn->host, &key, &x);
	if (ret == GW_OK)
		ret = gw_tls_x509_spki_sha256(x, spki);
	if (ret == GW_OK)
		ret = begin(dn, spki);
	if (ret == GW_OK)
		ret = gw_tls_own_write(dn->cert, dn->key, key, x);
	EVP_PKEY_free(key);
	X509_free(x);
	return ret;
}

/* A time of publication further ahead of the clock than this is not
 * believed at a start. */
#define GW_DANE_FUTURE_SLACK 60

/* A rollover the last run left: the previous key is the one in use. */
static int resume(gw_dane_t *dn, const char *text, size_t len)
{
	SSL_CTX *ctx = NULL;
	uint8_t use[32], src[32];
	int ret = gw_tls_rollover_parse(text, len, dn->next, &dn->published);
	dn->published_here = false; /* written by the last run, under its clock */
	if (ret != GW_OK) {
		gw_err("TLS: %s is damaged; remove it (and %s, %s) to serve the key in %s at once, "
		       "or restore it",
		       dn->state_file, dn->prev_cert, dn->prev_key, dn->key);
		return GW_EPARSE;
	}
	ret = load(dn->prev_cert, dn->prev_key, &ctx, use);
	if (ret != GW_OK)
		return ret;
	dn->rolling = true;
	use_ctx(dn, ctx);
	ret = gw_tls_spki_sha256(dn->cert, src);
	if (ret != GW_OK)
		return ret;
	if (memcmp(src, dn->use, 32) == 0) {
		gw_notice("TLS: the rollover of the last run is moot (%s holds the key in use)",
		          dn->cert);
		clear_state(dn);
		return GW_OK;
	}
	if (memcmp(src, dn->next, 32) != 0)
		return begin(dn, src); /* yet another key: it waits from now */
	int64_t now = (int64_t)gw_clock_wall();
	if (dn->published > now + GW_DANE_FUTURE_SLACK) {
		/* Written by a clock that has since gone back, or by hand:
		 * the new key would wait that long. The wait begins again
		 * now, never shorter than two TTLs. */
		gw_warn("TLS: %s says the new key's TLSA was published %lld s from now; the wait "
		        "begins again now",
		        dn->state_file, (long long)(dn->published - now));
		dn->published = 0;
	}
	if (dn->published == 0) {
		/* The last run's zone never took the new key's TLSA: this start
		 * publishes it, and the wait begins now. */
		dn->published = now + 1;
		dn->published_here = true;
		if (write_state(dn) != GW_OK)
			gw_warn("TLS: cannot write %s; the new key still waits from now",
			        dn->state_file);
	}
	gw_notice("TLS: resuming the rollover of the last run; the new key is used in %.0f s",
	          wait_left(dn));
	return GW_OK;
}

int gw_dane_setup(gw_dane_t *dn, struct ev_loop *loop, const gw_config_t *cfg, gw_server_t *srv,
                  bool new_key)
{
	int ret;
	char *text = NULL;
	size_t len = 0;
	SSL_CTX *ctx = NULL;
	uint8_t spki[32];

	memset(dn, 0, sizeof(*dn));
	dn->loop = loop;
	dn->srv = srv;
	dn->cfg = cfg;
	ev_init(&dn->timer, on_switch);
	if (cfg->tls.listen_count == 0) {
		if (new_key)
			gw_warn("--tls-new-key: no tls.listen, nothing to do");
		return GW_OK;
	}
	dn->on = true;
	dn->own = cfg->tls.certificate == NULL;
	int len_name =
	    cfg->tls.server_name != NULL
	        ? snprintf(dn->server_name, sizeof(dn->server_name), "%s", cfg->tls.server_name)
	        : snprintf(dn->server_name, sizeof(dn->server_name), "dns.%.*s",
	                   (int)sizeof(dn->server_name) - 5,
	                   cfg->zone_count > 0 ? cfg->zones[0].domain_str : cfg->zone.domain_str);
	if (len_name < 0 || (size_t)len_name >= sizeof(dn->server_name) - 1) {
		gw_err("TLS: the server name dns.%s is too long; set tls.server-name",
		       cfg->zone_count > 0 ? cfg->zones[0].domain_str : cfg->zone.domain_str);
		return GW_ECONFIG;
	}
	dn->zone = find_home(cfg, dn->server_name);
	/* The certificate names the host without the final dot. */
	snprintf(dn->host, sizeof(dn->host), "%s", dn->server_name);
	if (len_name > 1 && dn->host[len_name - 1] == '.')
		dn->host[len_name - 1] = '\0';
	if (new_key && !dn->own) {
		gw_err("--tls-new-key is for the gateway's own key; with tls.certificate, put the "
		       "new certificate and key in place and reload");
		return GW_ECONFIG;
	}
	ret = source(dn);
	if (ret != GW_OK)
		return ret;

	ret = gw_file_read(dn->state_file, STATE_MAX, &text, &len);
	if (ret == GW_OK) {
		ret = resume(dn, text, len);
		free(text);
	} else if (ret == GW_ELIMIT || ret == GW_ENOTFILE) {
		gw_err("TLS: %s is damaged (%s); remove it (and %s, %s) to serve the key in %s at "
		       "once",
		       dn->state_file, ret == GW_ELIMIT ? "too long" : "not a regular file",
		       dn->prev_cert, dn->prev_key, dn->key);
		return GW_EPARSE;
	} else if (ret == -ENOENT) {
		ret = load(dn->cert, dn->key, &ctx, spki);
		if (ret == GW_OK)
			use_ctx(dn, ctx);
	} else {
		gw_err("TLS: cannot read %s: %s", dn->state_file, gw_strerror(ret));
	}
	if (ret == GW_OK && new_key && !dn->rolling)
		ret = new_own_key(dn);
	if (ret == GW_OK)
		ret = publish(dn);
	if (ret != GW_OK) {
		gw_dane_deinit(dn);
		return ret;
	}
	char h[65];
	hex(dn->use, h);
	gw_info("TLS: serving key %s (%s), server name %s", h,
	        dn->rolling ? dn->prev_cert : dn->cert, dn->server_name);
	return GW_OK;
}

size_t gw_dane_zone(const gw_dane_t *dn)
{
	return dn->zone;
}

const char *const *gw_dane_rrs(const gw_dane_t *dn, size_t *count)
{
	*count = dn->rr_count[dn->cur];
	return (const char *const *)dn->rrs[dn->cur];
}

void gw_dane_start(gw_dane_t *dn, gw_zonemgr_t *zones)
{
	if (!dn->on)
		return;
	dn->zones = zones;
	if (dn->rolling)
		arm(dn);
}

int gw_dane_reload(gw_dane_t *dn)
{
	SSL_CTX *ctx = NULL;
	uint8_t spki[32];
	if (!dn->on || dn->own)
		return GW_OK;
	int ret = load(dn->cert, dn->key, &ctx, spki);
	if (ret != GW_OK) {
		gw_err("reload: TLS keeps its key and certificate (%s, %s cannot be used)",
		       dn->cert, dn->key);
		return ret;
	}
	if (memcmp(spki, dn->use, 32) == 0) {
		/* The same key (a renewed certificate): no TLSA changes, so
		 * it is used at once; a rollover to another key is off. */
		use_ctx(dn, ctx);
		if (dn->rolling) {
			clear_state(dn);
			ret = publish(dn);
			gw_notice("TLS: %s holds the key in use again; the rollover is cancelled",
			          dn->cert);
		}
		return ret;
	}
	gw_tls_ctx_free(ctx); /* loaded again at the switch */
	if (dn->rolling && memcmp(spki, dn->next, 32) == 0)
		return GW_OK; /* already waiting for this one */
	return begin(dn, spki);
}

void gw_dane_hold(gw_dane_t *dn)
{
	dn->held = true;
	dn->held_given = false;
}

void gw_dane_release(gw_dane_t *dn, bool lost)
{
	bool given = dn->held_given;
	dn->held = false;
	dn->held_given = false;
	if (!lost || !given)
		return;
	gw_err("TLS: the zone did not take the TLSA records with the reload (retrying every %u s)",
	       GW_DANE_RETRY_S);
	mark_unpublished(dn);
}

void gw_dane_clock_set(gw_dane_t *dn, int64_t delta)
{
	/* The timer counts elapsed time already; the state file, read at a
	 * restart against the wall clock, must too. */
	if (!dn->rolling || dn->published == 0 || delta == 0)
		return;
	/* A time read from the state file was written under the last run's
	 * clock, which this step says nothing of: moved back with a clock
	 * that was ahead at this start, the key would be used before caches
	 * could hold its TLSA. */
	if (!dn->published_here) {
		gw_notice("TLS: the new key's TLSA keeps the time the last run wrote in %s, under "
		          "another clock than the one set now",
		          dn->state_file);
		return;
	}
	dn->published += delta;
	if (write_state(dn) != GW_OK)
		gw_warn("TLS: %s keeps the time of the new key's TLSA from before the clock was "
		        "set; a restart would count the move as time waited",
		        dn->state_file);
}

void gw_dane_deinit(gw_dane_t *dn)
{
	if (dn->loop != NULL)
		ev_timer_stop(dn->loop, &dn->timer);
	for (unsigned i = 0; i < 2; i++)
		free_rrs(dn->rrs[i], &dn->rr_count[i]);
	gw_tls_ctx_free(dn->ctx);
	dn->ctx = NULL;
}
