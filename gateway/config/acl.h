/* Address lists (transfer.allow) as the configuration holds them: plain
 * data. Matching a client against them is gateway/xfr/access.h's. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One address prefix, and optionally the TSIG key a client must sign
 * with. IPv4-mapped IPv6 prefixes (::ffff:0:0/96 and longer) are stored as
 * IPv4, so that one rule covers both forms of a client. */
typedef struct gw_acl_entry {
	int family;       /* AF_INET or AF_INET6; AF_UNSPEC: any address ("key NAME") */
	uint8_t addr[16]; /* network order, bits past prefix cleared; 4 used for IPv4 */
	uint8_t prefix;   /* 0..32 or 0..128 */
	int key;          /* index into gw_config_t.tsig_keys; -1: no key needed */
} gw_acl_entry_t;

typedef struct gw_acl {
	gw_acl_entry_t *entries; /* owned by the gw_config_t; NULL when count is 0 */
	size_t count;
} gw_acl_t;
