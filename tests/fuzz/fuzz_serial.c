/* libFuzzer target for the serial file reader (gw_serial_parse(),
 * gateway/zonemgr/serial_store.c): <state>/serial, the ceiling of every
 * serial served. The input is the file's content.
 *
 * Besides ASan and UBSan, the target aborts when the reader's promise
 * breaks, checked here without its code: it accepts exactly one to ten
 * decimal digits and a newline with a value that fits 32 bits, and the
 * value it gives is that number. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/zonemgr/serial_store.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_serial: broken promise: %s (line %d)\n", #cond,      \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact copy: ASan sees every read past the file's end. */
	char *text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	bool shape = size >= 2 && size <= 11 && text[size - 1] == '\n';
	uint64_t want = 0;
	for (size_t i = 0; shape && i + 1 < size; i++) {
		shape = text[i] >= '0' && text[i] <= '9';
		want = want * 10 + (uint64_t)(text[i] - '0');
	}
	bool valid = shape && want <= UINT32_MAX;

	uint32_t got = 0xdeadbeef;
	int ret = gw_serial_parse(text, size, &got);
	CHECK(ret == GW_OK || ret == GW_EPARSE);
	CHECK((ret == GW_OK) == valid);
	if (valid)
		CHECK(got == want);
	else
		CHECK(got == 0xdeadbeef);
	free(text);
	return 0;
}
