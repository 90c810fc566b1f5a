/* Helpers for the journal suites that write <state>/journal by hand:
 * the CRC-32 its records carry and its 32-bit numbers, written here
 * independently of gateway/journal/ so that the tests check the format,
 * not the code against itself. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* CRC-32 (IEEE 802.3) bit by bit, as the file's records carry it. */
static inline uint32_t crc32_bits(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* v, most significant octet first, at p; returns 4. */
static inline size_t put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}
