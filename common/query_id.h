/* The message ID of a query the gateway sends itself (NOTIFY to the
 * secondaries, the DS check at the parent's servers). */
#pragma once

#include <stdint.h>

/* An ID an off-path attacker cannot guess (RFC 5452 section 4.3), from
 * getrandom(); should the kernel fail it, one from the monotonic clock, so
 * that the query is still sent (the answer is matched on the ID and the
 * server's address, and both senders retry). */
uint16_t gw_query_id(void);
