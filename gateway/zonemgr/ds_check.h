/* gateway/zonemgr/ds_check.h: is the new DS at the parent? The DS RRset
 * of the zone asked from each configured server (the parent's
 * authoritative servers, or resolvers), over UDP on the event loop: the
 * gateway keeps answering while the servers think. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>
#include <ldns/ldns.h>

typedef struct gw_ds_check gw_ds_check_t;

/* The verdict, once every server has answered or timed out: ret GW_OK
 * when each answered with a DS that names the key, else GW_ENOTFOUND
 * with the first such server (in list order) and what it said in why.
 * The check is done; the callee may gw_ds_check_free(c) inside. */
typedef void (*gw_ds_check_fn)(gw_ds_check_t *c, int ret, const char *why, void *arg);

/* Ask every server (count entries of servers, borrowed; copied) for the
 * DS RRset of apex (wire name, borrowed): one UDP query each from its
 * own connect()ed socket, timeout_ms to answer, no retry. A reply counts
 * only with the query's ID and question; a truncated one (TC) counts as
 * "not yet" (a DS RRset fits in UDP; the next check asks again). dnskey
 * (borrowed, copied) is the key whose DS is looked for (digest checked,
 * ldns_rr_compare_ds()). fn is called once, from the loop, never from
 * here. *out owned by the caller. GW_EINVAL, GW_ENOMEM. */
int gw_ds_check_start(gw_ds_check_t **out, struct ev_loop *loop,
                      const struct sockaddr_storage *servers, size_t count, const uint8_t *apex,
                      const ldns_rr *dnskey, unsigned timeout_ms, gw_ds_check_fn fn, void *arg);

/* Cancel (fn is not called) or release a finished check. NULL: nothing. */
void gw_ds_check_free(gw_ds_check_t *c);
