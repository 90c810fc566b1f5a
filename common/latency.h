/* A histogram of durations with fixed bucket bounds, 100 us to 1 s, for
 * work that takes that long (a commit: sign and journal). Adding is a
 * few comparisons; the metrics print it as a Prometheus histogram. */
#pragma once

#include <stdint.h>

#define GW_LATENCY_BOUNDS 13

/* Upper bounds of the buckets, nanoseconds, ascending. */
extern const uint64_t gw_latency_bounds_ns[GW_LATENCY_BOUNDS];

typedef struct gw_latency {
	/* Per bucket, not cumulative: buckets[i] counts durations in
	 * (bounds[i-1], bounds[i]]; buckets[GW_LATENCY_BOUNDS] those above
	 * the last bound. */
	uint64_t buckets[GW_LATENCY_BOUNDS + 1];
	uint64_t count;
	uint64_t sum_ns;
} gw_latency_t;

/* Count one duration of ns nanoseconds. */
void gw_latency_add(gw_latency_t *h, uint64_t ns);
