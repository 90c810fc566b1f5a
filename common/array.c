#include "common/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

int gw_array_reserve_with(void *items_ptr, size_t *cap, size_t need, size_t size, size_t min,
                          void *(*realloc_fn)(void *, size_t))
{
	if (need <= *cap)
		return GW_OK;
	size_t n = *cap > 0 ? *cap : (min > 0 ? min : 1);
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return GW_ENOMEM;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return GW_ENOMEM;
	/* The pointer goes through memcpy: items_ptr is the address of a
	 * pointer of some other type, which void ** may not alias. */
	void *items;
	memcpy(&items, items_ptr, sizeof(items));
	void *grown = realloc_fn(items, n * size);
	if (grown == NULL)
		return GW_ENOMEM;
	memcpy(items_ptr, &grown, sizeof(grown));
	*cap = n;
	return GW_OK;
}

int gw_array_reserve(void *items_ptr, size_t *cap, size_t need, size_t size, size_t min)
{
	return gw_array_reserve_with(items_ptr, cap, need, size, min, realloc);
}
