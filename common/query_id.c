#include "common/query_id.h"

#include <sys/random.h>

#include "common/clock.h"

uint16_t gw_query_id(void)
{
	uint16_t id = 0;
	if (getrandom(&id, sizeof(id), 0) != sizeof(id))
		id = (uint16_t)(gw_clock_mono_ns() ^ (gw_clock_mono_ns() >> 16));
	return id;
}
