/* The allocation hooks of zones/: every allocation a change needs goes
 * through them, so that a test can make the Nth one fail and prove that a
 * failed change leaves the zone as it was. In a file of their own because
 * the node, index, NSEC3-owner and changeset code all allocate through
 * them and none of those owns the others. */
#include <stdlib.h>

#include "zones/internal.h"

long zone_alloc_fail_after = -1;

static bool alloc_should_fail(void)
{
	if (zone_alloc_fail_after < 0)
		return false;
	if (zone_alloc_fail_after == 0)
		return true;
	zone_alloc_fail_after--;
	return false;
}

void *zone_malloc(size_t size)
{
	return alloc_should_fail() ? NULL : malloc(size);
}

void *zone_calloc(size_t n, size_t size)
{
	return alloc_should_fail() ? NULL : calloc(n, size);
}

void *zone_realloc(void *ptr, size_t size)
{
	return alloc_should_fail() ? NULL : realloc(ptr, size);
}
