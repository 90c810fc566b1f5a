/* gateway/zonemgr/ds_check_internal.h: the DS check's reply handling
 * without its sockets. on_reply() (ds_check.c) hands every datagram it
 * reads to gw_ds_check_reply(); the fuzz target fuzz_peer_replies calls it
 * with datagrams of its own. Nothing else includes this. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "gateway/zonemgr/ds_check.h"

/* A datagram (buf, len octets; borrowed) read on the socket of server
 * (an index into the servers given to gw_ds_check_start()) of c.
 * GW_OK: it was the server's answer (a response with the query's ID and
 * question) and the server has its verdict; when it was the last server
 * waiting, fn has run and may have freed c. GW_ENOTFOUND: a DNS message
 * that is not the answer; GW_EMALFORMED: not one that ldns reads (both
 * ignored: the server keeps waiting). GW_EINVAL: no such server, or it
 * has its verdict already. */
int gw_ds_check_reply(gw_ds_check_t *c, size_t server, const uint8_t *buf, size_t len);
