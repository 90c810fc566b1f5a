/* The daemon's TLS (DNS over TLS) and the records that announce it in
 * the zone (DANE, RFC 6698, RFC 7671; DNS Push, RFC 8765 6): which key
 * and certificate the server uses, the TLSA, SRV and address records the
 * zone manager publishes as the gateway's own, and the rollover of the
 * key (a new key's TLSA published twice its TTL before the key is used).
 * Daemon-internal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <openssl/ssl.h>

#include "gateway/config/config.h"
#include "gateway/server/server.h"
#include "gateway/zonemgr/zonemgr.h"

/* Seconds between two tries of records the zone did not take. */
#define GW_DANE_RETRY_S 60

/* TLSA per port and key, SVCB per port, SRV, addresses. */
#define GW_DANE_RRS_MAX (4 * GW_CONFIG_TLS_LISTEN_MAX + 2)

typedef struct gw_dane {
	ev_timer timer;         /* the switch to the next key */
	struct ev_loop *loop;   /* borrowed */
	gw_server_t *srv;       /* borrowed */
	gw_zonemgr_t *zones;    /* borrowed; NULL until gw_dane_start() */
	const gw_config_t *cfg; /* borrowed: the configuration of the start */
	bool on;                /* tls.listen given */
	size_t zone;            /* index in cfg->zones of the zone publishing the records */
	bool own;               /* the gateway's own key, not configured files */
	char server_name[GW_CONFIG_NAME_STR_MAX]; /* absolute, lowercase */
	char host[GW_CONFIG_NAME_STR_MAX];        /* the same without the final dot */
	/* Where the key comes from (configured or <state>/tls/), and where
	 * the one in use is kept while the next waits. */
	char cert[GW_CONFIG_PATH_MAX + 32], key[GW_CONFIG_PATH_MAX + 32];
	char prev_cert[GW_CONFIG_PATH_MAX + 32], prev_key[GW_CONFIG_PATH_MAX + 32];
	char state_file[GW_CONFIG_PATH_MAX + 32];
	SSL_CTX *ctx;    /* one reference to the context the server uses */
	uint8_t use[32]; /* SHA-256 of the SPKI in use */
	bool rolling;    /* a next key is published, not yet used */
	/* The zone has not taken the records of the keys (its commit
	 * failed: a full disk): the timer tries again every
	 * GW_DANE_RETRY_S, and a rollover's wait starts only once it has. */
	bool unpublished;
	/* gw_dane_hold() until gw_dane_release(); set_extra returns GW_OK
	 * at once then, and held_given says it was called. */
	bool held, held_given;
	uint8_t next[32];
	int64_t published; /* wall clock its TLSA was first published */
	/* published was taken from this run's clock, not read from the state
	 * file: gw_dane_clock_set() moves only such a time. */
	bool published_here;
	/* Two sets of records: the zone manager borrows the current one
	 * until the next is given to it. Owned strings. */
	char *rrs[2][GW_DANE_RRS_MAX];
	size_t rr_count[2];
	unsigned cur;
} gw_dane_t;

/* With tls.listen given: the key and certificate (cfg's files, or the
 * gateway's own in <state_dir>/tls/, made when missing) loaded into a
 * context that srv serves from now on, a rollover in progress resumed
 * (<state>/tls/rollover), and with new_key (--tls-new-key, own key only)
 * a new key made and its rollover begun. Call after the state directory
 * exists and before the privileges are dropped; dn must not move
 * afterwards (its timer). Without tls.listen: dn is empty, GW_OK.
 * Errors (logged): GW_EKEY, GW_ECRYPTO, GW_ECONFIG, GW_EPARSE (a damaged
 * rollover file), GW_ENOMEM, -errno. */
int gw_dane_setup(gw_dane_t *dn, struct ev_loop *loop, const gw_config_t *cfg, gw_server_t *srv,
                  bool new_key);

/* The records as zone file lines (borrowed from dn until it changes
 * them through gw_zonemgr_set_extra()). */
const char *const *gw_dane_rrs(const gw_dane_t *dn, size_t *count);

/* Which of cfg->zones publishes the records (gw_dane_rrs(), the
 * zones given to gw_dane_start()): the one holding the server name
 * (tls.server-name, default dns.<first zone>), else the first. */
size_t gw_dane_zone(const gw_dane_t *dn);

/* From now on changes go to zones (borrowed); a waiting rollover's timer
 * starts. */
void gw_dane_start(gw_dane_t *dn, gw_zonemgr_t *zones);

/* A reload: the configured certificate read again. The same key: the new
 * certificate is used at once. Another key: its TLSA is published beside
 * the one in use and it is used twice the TTL later. GW_OK when nothing
 * is configured to reload; errors are logged and leave TLS as it was. */
int gw_dane_reload(gw_dane_t *dn);

/* A configuration reload holds the zone's commits (gw_zonemgr_hold()):
 * records given to the zone from now on count as published only once
 * gw_dane_release() says the zone took them. */
void gw_dane_hold(gw_dane_t *dn);

/* The hold is over. lost: the zone did not take what it held of the
 * gateway's own records (gw_zonemgr_release() gave
 * GW_ZONEMGR_STATICS_LOST for the zone of gw_dane_zone()). Records given
 * meanwhile are then taken as refused: tried again every
 * GW_DANE_RETRY_S, and a new key's wait starts once the zone has them. */
void gw_dane_release(gw_dane_t *dn, bool lost);

/* The wall clock was set, moved by delta seconds against elapsed time: a
 * new key's TLSA keeps the time it has been published (its time in
 * <state>/tls/rollover moved by delta), so that a step of the clock
 * forward never shortens the wait before the key is used. A time read
 * from that file at the start was written under the last run's clock and
 * stays. */
void gw_dane_clock_set(gw_dane_t *dn, int64_t delta);

/* Stops the timer, frees the records and the reference. Accepts an empty
 * dn. */
void gw_dane_deinit(gw_dane_t *dn);
