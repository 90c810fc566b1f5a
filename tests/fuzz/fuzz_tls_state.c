/* libFuzzer target for the TLSA rollover state reader
 * (gw_tls_rollover_parse(), gateway/server/tls_state.c): the content of
 * <state>/tls/rollover.
 *
 * Besides ASan and UBSan, the target aborts when the reader's promise
 * breaks, checked here without its code: it accepts exactly 64 lowercase
 * hex digits, a space, 1 to 19 decimal digits no greater than INT64_MAX
 * and a newline; then the
 * digest and the time are those written, and formatting them gives the
 * input back. Refused input leaves the out-parameters untouched. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/server/tls.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_tls_state: broken promise: %s (line %d)\n", #cond,   \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	bool valid = size >= 67 && size <= 85 && text[size - 1] == '\n' && text[64] == ' ';
	for (size_t i = 0; valid && i < 64; i++)
		valid = is_hex(text[i]);
	for (size_t i = 65; valid && i + 1 < size; i++)
		valid = text[i] >= '0' && text[i] <= '9';
	/* 19 digits can pass INT64_MAX, which the reader refuses (ddcf266);
	 * digit strings of one length compare as their numbers do. */
	if (valid && size - 66 == 19 && memcmp(text + 65, "9223372036854775807", 19) > 0)
		valid = false;

	uint8_t spki[32];
	memset(spki, 0xa5, sizeof(spki));
	int64_t t = -7;
	int ret = gw_tls_rollover_parse(text, size, spki, &t);
	CHECK(ret == GW_OK || ret == GW_EPARSE);
	CHECK((ret == GW_OK) == valid);
	if (valid) {
		/* Leading zeros aside, the line comes back as it was. */
		char line[128];
		CHECK(t >= 0);
		CHECK(gw_tls_rollover_format(line, sizeof(line), spki, t) == GW_OK);
		CHECK(memcmp(line, text, 65) == 0);
		CHECK(strtoll(line + 65, NULL, 10) == t);
	} else {
		CHECK(t == -7);
		for (size_t i = 0; i < sizeof(spki); i++)
			CHECK(spki[i] == 0xa5);
	}
	free(text);
	return 0;
}
