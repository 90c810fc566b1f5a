#include "common/seed.h"

#include <sys/random.h>

#include "common/clock.h"

uint32_t gw_hash_seed(void)
{
	uint32_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint32_t)gw_clock_mono_ns();
	return seed;
}
