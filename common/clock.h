/* Time sources, in one place so that tests and the signer agree. */
#pragma once

#include <stdint.h>
#include <time.h>

/* Monotonic time in nanoseconds (for intervals, never for signatures). */
uint64_t gw_clock_mono_ns(void);

/* Wall-clock seconds since the epoch (for serials and signatures). */
time_t gw_clock_wall(void);
