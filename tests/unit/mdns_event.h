/* One synthetic mDNS record event for a mirror (mdns_mirror_inject_record()),
 * the owner given as text ("printer.local"). Shared by the mirror's unit
 * suites, the status suite and fuzz_operator; header-only, without CUnit,
 * so that a fuzz target can use it too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "mdns/mdns.h"
#include "mdns/mirror.h"

/* rdata (rdlen octets, wire form) of type at owner, added or withdrawn on
 * ifindex over family, with ttl. GW_OK, or GW_EINVAL when owner is not a
 * name (nothing injected). */
static inline int mdns_event(mdns_mirror_t *m, int ifindex, int family, bool add, uint16_t type,
                             uint32_t ttl, const char *owner, const void *rdata, size_t rdlen)
{
	uint8_t o[MDNS_NAME_MAX];
	if (mdns_name_from_text(o, owner) <= 0)
		return GW_EINVAL;
	mdns_record_t rec = {
	    .ifindex = ifindex,
	    .family = family,
	    .add = add,
	    .type = type,
	    .ttl = ttl,
	    .owner = o,
	    .rdata = rdata,
	    .rdlen = (uint16_t)rdlen,
	};
	mdns_mirror_inject_record(m, &rec);
	return GW_OK;
}
