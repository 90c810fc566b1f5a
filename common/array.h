/* Growable arrays: the capacity doubles, from a minimum, until it holds
 * what is needed. Written once for the dozen arrays that grew by hand. */
#pragma once

#include <stddef.h>

/* Make room for need elements of size octets in the array that items_ptr
 * points to (the address of any T * variable or member; it may be NULL
 * with *cap 0). *cap becomes min, doubled as often as needed; nothing
 * happens when need <= *cap. On failure the array and *cap are unchanged.
 * GW_OK or GW_ENOMEM. */
int gw_array_reserve(void *items_ptr, size_t *cap, size_t need, size_t size, size_t min);

/* The same, through realloc_fn (zones/ passes its allocation hook). */
int gw_array_reserve_with(void *items_ptr, size_t *cap, size_t need, size_t size, size_t min,
                          void *(*realloc_fn)(void *, size_t));
