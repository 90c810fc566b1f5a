/* The TLSA rollover's state file, <state>/tls/rollover: which key was
 * published and when, so that a restart in the middle of a rollover waits
 * only what is left. One line, "<64 hex digits> <unix seconds>\n"; read as
 * untrusted input (fuzzed by tests/fuzz/fuzz_tls_state.c): anything else
 * is refused whole. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "gateway/server/tls.h"

#define HEX_LEN  64
#define TIME_MAX 20 /* digits of a time that fits int64_t */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not what we write */
}

int gw_tls_rollover_parse(const char *text, size_t len, uint8_t spki[32], int64_t *published)
{
	uint8_t digest[32];
	int64_t t = 0;
	size_t pos = 0;

	if (len < HEX_LEN + 3 || text[len - 1] != '\n')
		return GW_EPARSE;
	for (size_t i = 0; i < 32; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return GW_EPARSE;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	pos = HEX_LEN;
	if (text[pos++] != ' ')
		return GW_EPARSE;
	size_t digits = len - 1 - pos;
	if (digits == 0 || digits > TIME_MAX - 1)
		return GW_EPARSE;
	for (; pos < len - 1; pos++) {
		if (text[pos] < '0' || text[pos] > '9')
			return GW_EPARSE;
		int d = text[pos] - '0';
		/* 19 digits can still pass INT64_MAX (the fuzzer's 97962...). */
		if (t > (INT64_MAX - d) / 10)
			return GW_EPARSE;
		t = t * 10 + d;
	}
	memcpy(spki, digest, 32);
	*published = t;
	return GW_OK;
}

int gw_tls_rollover_format(char *buf, size_t len, const uint8_t spki[32], int64_t published)
{
	if (len < HEX_LEN + TIME_MAX + 3 || published < 0)
		return GW_ESPACE;
	for (size_t i = 0; i < 32; i++)
		snprintf(buf + 2 * i, 3, "%02x", spki[i]);
	snprintf(buf + HEX_LEN, len - HEX_LEN, " %lld\n", (long long)published);
	return GW_OK;
}
