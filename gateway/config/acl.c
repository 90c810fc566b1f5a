#include "gateway/config/acl.h"

#include <netinet/in.h>
#include <string.h>

#include "common/addr.h"

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

/* True when an entry of acl covers sa and, unless any_key, needs no key
 * or needs key. */
static bool acl_find(const gw_acl_t *acl, const struct sockaddr *sa, bool any_key, int key)
{
	uint8_t addr[16];
	size_t len = gw_client_addr(sa, addr);
	int family = len == 4 ? AF_INET : AF_INET6;

	if (acl == NULL || len == 0)
		return false;
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		if (!any_key && e->key >= 0 && e->key != key)
			continue;
		if (e->family == AF_UNSPEC ||
		    (e->family == family && prefix_match(e->addr, addr, e->prefix)))
			return true;
	}
	return false;
}

bool gw_acl_listed(const gw_acl_t *acl, const struct sockaddr *sa)
{
	return acl_find(acl, sa, true, -1);
}

bool gw_acl_allows(const gw_acl_t *acl, const struct sockaddr *sa, int key)
{
	return acl_find(acl, sa, false, key);
}

/* An entry without an address ("key NAME") always needs a key, so the
 * entries that need none are prefixes. */
bool gw_acl_match(const gw_acl_t *acl, const struct sockaddr *sa)
{
	return acl_find(acl, sa, false, -1);
}
