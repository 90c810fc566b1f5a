/* The struct that holds a member, from a pointer to that member: libev
 * watchers live inside their owners, and callbacks get the owner back. */
#pragma once

#include <stddef.h>

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
