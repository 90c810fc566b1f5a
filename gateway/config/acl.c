/* Matching a client address against an address list. */
#include <netinet/in.h>
#include <string.h>

#include "gateway/config/config.h"

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t bytes = bits / 8;
	unsigned rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

/* The address of sa as an ACL sees it; AF_UNSPEC for other families. */
static int acl_addr(const struct sockaddr *sa, uint8_t *addr)
{
	if (sa == NULL)
		return AF_UNSPEC;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(addr, &sin6->sin6_addr, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

static bool entry_covers(const gw_acl_entry_t *e, int family, const uint8_t *addr)
{
	return e->family == AF_UNSPEC ||
	       (e->family == family && prefix_match(e->addr, addr, e->prefix));
}

bool gw_config_acl_listed(const gw_acl_t *acl, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family = acl_addr(sa, addr);

	if (acl == NULL || family == AF_UNSPEC)
		return false;
	for (size_t i = 0; i < acl->count; i++) {
		if (entry_covers(&acl->entries[i], family, addr))
			return true;
	}
	return false;
}

bool gw_config_acl_allows(const gw_acl_t *acl, const struct sockaddr *sa, int key)
{
	uint8_t addr[16];
	int family = acl_addr(sa, addr);

	if (acl == NULL || family == AF_UNSPEC)
		return false;
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		if ((e->key < 0 || e->key == key) && entry_covers(e, family, addr))
			return true;
	}
	return false;
}

bool gw_config_acl_match(const gw_acl_t *acl, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family;

	if (acl == NULL || sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(addr, &sin6->sin6_addr, 16);
			family = AF_INET6;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		if (e->key < 0 && e->family == family && prefix_match(e->addr, addr, e->prefix))
			return true;
	}
	return false;
}
