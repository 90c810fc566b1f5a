/* The seed of a hash table whose keys others choose. */
#pragma once

#include <stdint.h>

/* A seed for a hash table whose keys others choose (names a device
 * announces, names a client subscribes to), from getrandom(), so that
 * which keys share a chain is not theirs to choose; should the kernel
 * fail it, one from the monotonic clock, so that the table still works. */
uint32_t gw_hash_seed(void);
