/* The daemon's TLS (DNS over TLS) and the records that announce it in
 * the zone (DANE, RFC 6698, RFC 7671; DNS Push, RFC 8765 6): which key
 * and certificate the server uses, and the TLSA, SRV and address records
 * the zone manager publishes as the gateway's own. Daemon-internal. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gateway/config/config.h"
#include "gateway/server/server.h"

/* TTL of the records published here. A TLSA change waits twice this
 * before the new key is used (RFC 7671 8.1). */
#define GW_DANE_TTL 3600
/* TLSA per port, SRV, addresses. */
#define GW_DANE_RRS_MAX (2 * GW_CONFIG_TLS_LISTEN_MAX + 2)

typedef struct gw_dane {
	char server_name[GW_CONFIG_NAME_STR_MAX]; /* absolute, lowercase */
	uint8_t spki[32];                         /* SHA-256 of the key in use */
	char *rrs[GW_DANE_RRS_MAX];               /* owned: zone file lines */
	size_t rr_count;
} gw_dane_t;

/* With tls.listen given: the key and certificate (cfg's files, or the
 * gateway's own in <state_dir>/tls/, made when missing) loaded into a
 * context that srv serves from now on, and dn filled with the records
 * for the zone. Call after the state directory exists and before the
 * privileges are dropped. Without tls.listen: dn is empty, GW_OK. Errors
 * (logged): GW_EKEY, GW_ECRYPTO, GW_ENOMEM, -errno. */
int gw_dane_setup(gw_dane_t *dn, const gw_config_t *cfg, gw_server_t *srv);

/* The records as zone file lines (borrowed from dn). */
const char *const *gw_dane_rrs(const gw_dane_t *dn, size_t *count);

void gw_dane_deinit(gw_dane_t *dn);
