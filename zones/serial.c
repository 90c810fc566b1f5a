#include "zones/zone.h"

#define HALF 0x80000000u

int zone_serial_cmp(uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	/* RFC 1982 3.2: a < b when b lies less than 2^31 ahead of a. */
	uint32_t ahead = b - a;
	if (ahead == HALF)
		return 2;
	return ahead < HALF ? -1 : 1;
}

uint32_t zone_serial_next(uint32_t current, uint32_t wanted)
{
	/* 0 means no proposal: read literally it would win over any serial
	 * in the upper half of the space. */
	if (wanted != 0 && zone_serial_cmp(wanted, current) == 1)
		return wanted;
	return current + 1;
}
