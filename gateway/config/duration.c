#include "gateway/config/duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

static const struct {
	const char *name;
	uint64_t ms;
} g_units[] = {
    /* Largest first, so that formatting picks the coarsest exact unit. */
    {"d", 86400000ULL}, {"h", 3600000ULL}, {"m", 60000ULL}, {"s", 1000ULL}, {"ms", 1ULL},
};

#define UNIT_COUNT (sizeof(g_units) / sizeof(g_units[0]))

int gw_duration_parse(const char *text, uint64_t *out_ms)
{
	const char *p = text;
	uint64_t value = 0;
	bool overflow = false;

	if (p == NULL || *p < '0' || *p > '9')
		return GW_EINVAL;
	/* Accumulate by hand: strtoull() would accept a sign, leading space and
	 * hexadecimal, none of which belong in a duration. Keep scanning after an
	 * overflow so that "99999999999999999999x" is still a syntax error. */
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t digit = (uint64_t)(*p - '0');
		if (value > (UINT64_MAX - digit) / 10)
			overflow = true;
		else
			value = value * 10 + digit;
	}

	uint64_t mult = 1000; /* a bare number means seconds */
	if (*p != '\0') {
		mult = 0;
		for (size_t i = 0; i < UNIT_COUNT; i++) {
			if (strcmp(p, g_units[i].name) == 0) {
				mult = g_units[i].ms;
				break;
			}
		}
		if (mult == 0)
			return GW_EINVAL;
	}
	if (overflow || value > UINT64_MAX / mult)
		return GW_ELIMIT;
	*out_ms = value * mult;
	return GW_OK;
}

int gw_duration_format(uint64_t ms, char *buf, size_t len)
{
	size_t i = 0;
	int n;

	if (ms == 0) {
		n = snprintf(buf, len, "0s");
	} else {
		while (ms % g_units[i].ms != 0)
			i++; /* ends at "ms" at the latest, which divides everything */
		n = snprintf(buf, len, "%llu%s", (unsigned long long)(ms / g_units[i].ms),
		             g_units[i].name);
	}
	if (n < 0 || (size_t)n >= len)
		return GW_ESPACE;
	return GW_OK;
}
