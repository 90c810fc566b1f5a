#include "common/clock.h"

uint64_t gw_clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

time_t gw_clock_wall(void)
{
	return time(NULL);
}
