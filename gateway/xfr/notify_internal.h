/* gateway/xfr/notify_internal.h: the answers to our NOTIFY without the
 * socket. on_read() (notify.c) hands every datagram it reads to
 * gw_notify_on_answer(); the fuzz target fuzz_peer_replies calls it with
 * answers of its own. Nothing else includes this. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gateway/xfr/notify.h"

/* A datagram (pkt, len octets; borrowed) from from (borrowed) on n's
 * socket. A NOTIFY response with the ID of the NOTIFY a target at from
 * waits for, that echoes its question (or carries none and an error
 * rcode), and whose TSIG verifies when the target has a key, ends that
 * wait: "acknowledged" with rcode 0, "error rcode" otherwise (the
 * counters and gw_notify_targets() show which). Anything else is
 * ignored. */
void gw_notify_on_answer(gw_notify_t *n, const uint8_t *pkt, size_t len,
                         const struct sockaddr_storage *from);
