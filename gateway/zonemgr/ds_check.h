/* gateway/zonemgr/ds_check.h: is the new DS at the parent? The DS RRset
 * of the zone asked from each configured server (the parent's
 * authoritative servers, or resolvers), through ldns's resolver. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

#include <ldns/ldns.h>

/* Ask every server (count entries of servers, borrowed) for the DS RRset
 * of apex (wire name). GW_OK when each answers with a DS that names
 * dnskey (digest checked, ldns_rr_compare_ds()); GW_ENOTFOUND when one
 * does not, or does not answer, with the first such server and what it
 * said in why (whylen octets); GW_ENOMEM. Blocks up to timeout_ms per
 * server (one try each): keep the list short. */
int gw_ds_check(const struct sockaddr_storage *servers, size_t count, const uint8_t *apex,
                const ldns_rr *dnskey, unsigned timeout_ms, char *why, size_t whylen);
