/* Eight octets at a time: the query path handles names (lookup keys, the
 * hash index, compression) a word at a time instead of an octet at a
 * time. Loads and stores go through memcpy, so any alignment is fine; the
 * callers keep them inside their buffers. Little-endian order: the first
 * octet is the lowest. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GW_WORD_ONES 0x0101010101010101ULL

static inline uint64_t gw_load64le(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void gw_store64le(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/* ASCII A-Z to a-z in every octet of w; octets from 0x80 stay. Per octet:
 * bit 7 of x + (0x80 - 'A') says x >= 'A', of x + (0x80 - 'Z' - 1) says
 * x > 'Z'; no carry crosses an octet since x < 0x80. */
static inline uint64_t gw_lower64(uint64_t w)
{
	uint64_t x = w & (0x7F * GW_WORD_ONES);
	uint64_t ge_a = x + (0x80 - 'A') * GW_WORD_ONES;
	uint64_t gt_z = x + (0x80 - 'Z' - 1) * GW_WORD_ONES;
	uint64_t upper = ge_a & ~gt_z & ~w & (0x80 * GW_WORD_ONES);
	return w | (upper >> 2);
}

static inline uint8_t gw_lower8(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

/* len octets at a and b equal but for ASCII letter case? The last word
 * overlaps the one before rather than reading past the end. */
static inline bool gw_octets_equal_ci(const uint8_t *a, const uint8_t *b, size_t len)
{
	if (len < 8) {
		for (size_t i = 0; i < len; i++) {
			if (gw_lower8(a[i]) != gw_lower8(b[i]))
				return false;
		}
		return true;
	}
	for (size_t i = 0;; i += 8) {
		if (i + 8 > len)
			i = len - 8;
		uint64_t x = gw_load64le(a + i);
		uint64_t y = gw_load64le(b + i);
		if (x != y && gw_lower64(x) != gw_lower64(y))
			return false;
		if (i + 8 == len)
			return true;
	}
}
