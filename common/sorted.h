/* Binary search over a sorted array, written once. Inline, with the
 * comparator passed as a constant at every call site, so the compiler
 * inlines the comparator too and a lookup costs what a hand-written loop
 * costs (the zone index and the RRsets of a node are on the query path).
 *
 * cmp(elem, key) compares an element of the array with the key: < 0 when
 * the element sorts before it, 0 when equal, > 0 after. The array must be
 * sorted in that order. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int (*gw_sorted_cmp_t)(const void *elem, const void *key);

/* Index of the first of the n elements at base (size octets each) for
 * which cmp(elem, key) < below does not hold: n when it holds for all.
 * below 0 gives the lower bound, 1 the upper bound. */
static inline size_t gw_sorted_bound(const void *base, size_t n, size_t size, const void *key,
                                     gw_sorted_cmp_t cmp, int below)
{
	const char *b = base;
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp(b + mid * size, key) < below)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the first element that does not sort before key (n: none). */
static inline size_t gw_lower_bound(const void *base, size_t n, size_t size, const void *key,
                                    gw_sorted_cmp_t cmp)
{
	return gw_sorted_bound(base, n, size, key, cmp, 0);
}

/* Index of the first element that sorts after key (n: none). */
static inline size_t gw_upper_bound(const void *base, size_t n, size_t size, const void *key,
                                    gw_sorted_cmp_t cmp)
{
	return gw_sorted_bound(base, n, size, key, cmp, 1);
}

/* An element equal to key, or NULL: the one when keys are unique. Stops
 * at the first equal element it meets, which on the short arrays of the
 * query path (the RRsets of a node) saves the steps a bound would take. */
static inline void *gw_sorted_find(const void *base, size_t n, size_t size, const void *key,
                                   gw_sorted_cmp_t cmp)
{
	const char *b = base;
	size_t lo = 0;
	size_t hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(b + mid * size, key);
		if (c == 0)
			return (void *)(b + mid * size);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* memcmp order on two octet strings, the shorter first when one is a
 * prefix of the other: the canonical order of RDATA (RFC 4034 6.3) and of
 * the zone's lookup keys. */
static inline int gw_octets_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}
