#include "gateway/config/base64.h"

#include "common/error.h"

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int gw_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	unsigned have = 0; /* characters in the current group of four */
	unsigned pad = 0;
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '=') {
			/* Padding only closes the last group: "xx==" or "xxx=". */
			if (have + pad < 2)
				return GW_EPARSE;
			pad++;
			if (have + pad > 4)
				return GW_EPARSE;
			continue;
		}
		int v = value_of(c);
		if (v < 0 || pad > 0)
			return GW_EPARSE;
		acc = acc << 6 | (uint32_t)v;
		if (++have < 4)
			continue;
		if (n + 3 > cap)
			return GW_ESPACE;
		out[n++] = (uint8_t)(acc >> 16);
		out[n++] = (uint8_t)(acc >> 8);
		out[n++] = (uint8_t)acc;
		acc = 0;
		have = 0;
	}
	if (have == 0 && pad == 0)
		return (int)n;
	if (have + pad != 4 || have < 2)
		return GW_EPARSE;
	/* Two characters carry one octet, three carry two; the bits left
	 * over must be zero (RFC 4648 3.5 allows refusing them). */
	if (have == 2) {
		if (acc & 0x0f)
			return GW_EPARSE;
		if (n + 1 > cap)
			return GW_ESPACE;
		out[n++] = (uint8_t)(acc >> 4);
	} else {
		if (acc & 0x03)
			return GW_EPARSE;
		if (n + 2 > cap)
			return GW_ESPACE;
		out[n++] = (uint8_t)(acc >> 10);
		out[n++] = (uint8_t)(acc >> 2);
	}
	return (int)n;
}
