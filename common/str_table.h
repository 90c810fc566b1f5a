/* Names of codes kept in a table indexed by the code, for the functions
 * that turn an error, a reason or a state into words; and the plural
 * ending of a count in a log or status line. */
#pragma once

#include <stddef.h>

/* names[index] when index is inside the table (count entries) and that
 * entry is not NULL, else fallback. names is borrowed, the result points
 * into it (or is fallback): static strings, never freed. */
const char *gw_str_table(const char *const *names, size_t count, long long index,
                         const char *fallback);

/* gw_str_table() on an array whose size the compiler knows. */
#define GW_STR_TABLE(names, index, fallback)                                                       \
	gw_str_table((names), sizeof(names) / sizeof((names)[0]), (long long)(index), (fallback))

/* "" when n is 1, else "s": "%lld key%s" reads "1 key", "0 keys", "2 keys".
 * A static string, never freed. */
const char *gw_plural_s(long long n);
