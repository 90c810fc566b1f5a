#include "common/heap.h"

#include <stdlib.h> /* defines __GLIBC__ where it is glibc */

#ifdef __GLIBC__
#include <malloc.h>
#include <pthread.h>

#define BULK_TRIM_THRESHOLD   (8 << 20)
#define NORMAL_TRIM_THRESHOLD (128 << 10) /* glibc's default */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned g_bulk;

void gw_heap_bulk_begin(void)
{
	pthread_mutex_lock(&g_lock);
	if (g_bulk++ == 0)
		(void)mallopt(M_TRIM_THRESHOLD, BULK_TRIM_THRESHOLD);
	pthread_mutex_unlock(&g_lock);
}

void gw_heap_bulk_end(void)
{
	pthread_mutex_lock(&g_lock);
	if (g_bulk > 0 && --g_bulk == 0)
		(void)mallopt(M_TRIM_THRESHOLD, NORMAL_TRIM_THRESHOLD);
	pthread_mutex_unlock(&g_lock);
}

void gw_heap_release_begin(void)
{
	pthread_mutex_lock(&g_lock);
	(void)mallopt(M_TRIM_THRESHOLD, 0);
	pthread_mutex_unlock(&g_lock);
}

void gw_heap_release_end(void)
{
	pthread_mutex_lock(&g_lock);
	(void)mallopt(M_TRIM_THRESHOLD, g_bulk > 0 ? BULK_TRIM_THRESHOLD : NORMAL_TRIM_THRESHOLD);
	pthread_mutex_unlock(&g_lock);
}

void gw_heap_give_back(void)
{
	malloc_trim(0);
}

unsigned gw_heap_bulk_depth(void)
{
	pthread_mutex_lock(&g_lock);
	unsigned depth = g_bulk;
	pthread_mutex_unlock(&g_lock);
	return depth;
}
#else
void gw_heap_bulk_begin(void)
{
}

void gw_heap_bulk_end(void)
{
}

void gw_heap_release_begin(void)
{
}

void gw_heap_release_end(void)
{
}

void gw_heap_give_back(void)
{
}

unsigned gw_heap_bulk_depth(void)
{
	return 0;
}
#endif
