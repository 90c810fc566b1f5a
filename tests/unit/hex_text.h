/* The hex text of the wire corpus (the .hex files of tests/data/wire) and the fuzz
 * seeds: '#' starts a comment, white space separates nothing, the rest
 * is hex digits, two an octet. Read line by line by the query suites
 * (query/wire_util.h) and by fuzz_wire_seeds (tests/fuzz/fuzz_wire.c).
 * Header-only. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Add the octets of line to out (cap octets, *len used so far); *hi is
 * the high nibble of an octet begun on an earlier line, -1 for none.
 * Returns 0, -1 when out is full, or the first character that is
 * neither a hex digit, white space nor a comment (a positive value). */
static inline int hex_text_line(const char *line, uint8_t *out, size_t cap, size_t *len, int *hi)
{
	for (const char *c = line; *c != '\0' && *c != '#'; c++) {
		int v;
		if (*c >= '0' && *c <= '9')
			v = *c - '0';
		else if (*c >= 'a' && *c <= 'f')
			v = *c - 'a' + 10;
		else if (*c >= 'A' && *c <= 'F')
			v = *c - 'A' + 10;
		else if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')
			continue;
		else
			return (unsigned char)*c;
		if (*hi < 0) {
			*hi = v;
			continue;
		}
		if (*len >= cap)
			return -1;
		out[(*len)++] = (uint8_t)(*hi << 4 | v);
		*hi = -1;
	}
	return 0;
}
