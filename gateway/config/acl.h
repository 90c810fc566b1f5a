/* Address lists (transfer.allow, rate-limit.whitelist) as the
 * configuration holds them, and matching a client against them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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

/* True when sa (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as
 * IPv4) falls in one of the prefixes of acl that need no key. False for
 * other families, and for a NULL acl or sa. */
bool gw_acl_match(const gw_acl_t *acl, const struct sockaddr *sa);

/* True when an entry of acl covers sa (any entry, with or without a key):
 * a client not listed at all is refused before its TSIG is looked at. */
bool gw_acl_listed(const gw_acl_t *acl, const struct sockaddr *sa);

/* True when an entry of acl covers sa and either needs no key or needs
 * key, the index of the TSIG key the request was verified with (-1: the
 * request was not signed). */
bool gw_acl_allows(const gw_acl_t *acl, const struct sockaddr *sa, int key);
