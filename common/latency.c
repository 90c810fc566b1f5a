#include "common/latency.h"

/* 100 us to 1 s in 1, 2.5, 5 steps: an unsigned commit of a few records
 * takes well under a millisecond, a full re-sign of a large zone seconds. */
const uint64_t gw_latency_bounds_ns[GW_LATENCY_BOUNDS] = {
    100000,   250000,   500000,    1000000,   2500000,   5000000,    10000000,
    25000000, 50000000, 100000000, 250000000, 500000000, 1000000000,
};

void gw_latency_add(gw_latency_t *h, uint64_t ns)
{
	unsigned i = 0;
	while (i < GW_LATENCY_BOUNDS && ns > gw_latency_bounds_ns[i])
		i++;
	h->buckets[i]++;
	h->count++;
	h->sum_ns += ns;
}
