#include "gateway/xfr/access.h"

#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

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

/* True when an entry of acl covers sa and, unless any_key, needs no key
 * or needs key. */
static bool acl_find(const gw_acl_t *acl, const struct sockaddr *sa, bool any_key, int key)
{
	uint8_t addr[16];
	int family = acl_addr(sa, addr);

	if (acl == NULL || family == AF_UNSPEC)
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

gw_access_verdict_t gw_access_check(const gw_access_t *a, const char *what,
                                    const struct sockaddr *peer, const char *peer_text,
                                    const uint8_t *pkt, size_t len, const gw_query_t *q, time_t now,
                                    gw_tsig_ctx_t *tsig)
{
	memset(tsig, 0, sizeof(*tsig));
	if (a == NULL || !gw_acl_listed(a->allow, peer)) {
		gw_warn("%s from %s refused: address not allowed (transfer.allow)", what,
		        peer_text);
		return GW_ACCESS_REFUSED;
	}
	int key = -1;
	if (q->has_tsig) {
		int ret = gw_tsig_verify_request(a->keys, pkt, len, q, now, tsig);
		if (ret == GW_EMALFORMED) {
			gw_warn("%s from %s refused: malformed TSIG record", what, peer_text);
			return GW_ACCESS_FORMERR;
		}
		if (ret != GW_OK) {
			gw_warn("%s from %s refused: TSIG key %s: %s", what, peer_text,
			        tsig->key_text, gw_tsig_error_str(tsig->error));
			return GW_ACCESS_NOTAUTH;
		}
		key = tsig->key->index;
	}
	if (!gw_acl_allows(a->allow, peer, key)) {
		if (key < 0)
			gw_warn(
			    "%s from %s refused: not signed, and transfer.allow wants a TSIG key "
			    "from this address",
			    what, peer_text);
		else
			gw_warn("%s from %s refused: TSIG key %s is not allowed from this address",
			        what, peer_text, tsig->key_text);
		return GW_ACCESS_REFUSED;
	}
	return GW_ACCESS_OK;
}
