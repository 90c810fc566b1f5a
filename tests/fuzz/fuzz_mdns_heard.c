/* libFuzzer target for the reader of the links' mDNS responses that finds
 * the service types they announce (mdns/heard.c): every datagram to the
 * mDNS group on a mirrored link reaches it, from any device.
 *
 * Input: the datagram, as it is. Besides ASan and UBSan, it aborts when a
 * promise the mirror relies on breaks: at most MDNS_HEARD_PER_PACKET
 * types, each a valid wire name that is a service type
 * (<_service>.<_tcp|_udp>.local), none twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "mdns/mdns.h"
#include "zones/zone.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_mdns_heard: broken promise: %s (line %d)\n", #cond,  \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t types[MDNS_HEARD_PER_PACKET][MDNS_NAME_MAX];
	int n = mdns_heard_types(data, size, types);
	CHECK(n == GW_EMALFORMED || (n >= 0 && n <= MDNS_HEARD_PER_PACKET));
	for (int i = 0; i < n; i++) {
		CHECK(zone_name_len(types[i], MDNS_NAME_MAX) > 0);
		CHECK(mdns_name_kind(types[i]) == MDNS_NAME_TYPE);
		for (int j = 0; j < i; j++)
			CHECK(!zone_name_equal(types[i], types[j]));
	}
	return 0;
}
