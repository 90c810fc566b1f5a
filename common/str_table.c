#include "common/str_table.h"

const char *gw_str_table(const char *const *names, size_t count, long long index,
                         const char *fallback)
{
	if (index < 0 || (unsigned long long)index >= count || names[index] == NULL)
		return fallback;
	return names[index];
}

const char *gw_plural_s(long long n)
{
	return n == 1 ? "" : "s";
}
