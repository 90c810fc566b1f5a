/* What the daemon shows of itself: the running parts the control socket,
 * the metrics and the status page read. */
#pragma once

#include <stdint.h>
#include <time.h>

#include "gateway/config/config.h"
#include "gateway/push/push.h"
#include "gateway/server/server.h"
#include "gateway/xfr/notify.h"
#include "gateway/zonemgr/zonemgr.h"
#include "mdns/mirror.h"

/* Owned by the daemon, which keeps it current (a reload replaces cfg);
 * readers keep a pointer to the view, never a copy of a field. Every
 * pointer is borrowed; one is NULL while that part is not running. */
typedef struct gw_view {
	const gw_config_t *cfg; /* borrowed: the configuration in force */
	gw_server_t *server;    /* borrowed */
	gw_zonemgr_t *zones;    /* borrowed: the zone, its keys and journal */
	mdns_mirror_t *mirror;  /* borrowed */
	gw_notify_t *notify;    /* borrowed: NOTIFY to the secondaries */
	gw_push_t *push;        /* borrowed: DNS Push; NULL when off */
	time_t started;         /* wall clock (gw_clock_wall) at start */
	uint64_t started_ns;    /* gw_clock_mono_ns() at start, for the uptime */
	uint64_t reloads;       /* configuration reloads applied */
} gw_view_t;
