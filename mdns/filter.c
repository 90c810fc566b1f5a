/* Which addresses mean something off the link (RFC 8766 5.5.2): link-local,
 * loopback and unspecified addresses are never published; private ranges
 * only when the zone is not meant for the public. */
#include "mdns/mdns.h"

#include <string.h>

static bool v4_publishable(const uint8_t *a, bool drop_private)
{
	if (a[0] == 0 || a[0] == 127)
		return false; /* "this network", loopback */
	if (a[0] == 169 && a[1] == 254)
		return false; /* link-local (RFC 3927) */
	if (a[0] >= 224)
		return false; /* multicast, reserved, broadcast */
	if (drop_private) {
		if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		    (a[0] == 192 && a[1] == 168))
			return false;
	}
	return true;
}

static bool v6_publishable(const uint8_t *a, bool drop_private)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return false; /* unspecified, loopback */
	if (memcmp(a, mapped, 12) == 0)
		return v4_publishable(a + 12, drop_private);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return false; /* link-local fe80::/10 */
	if (a[0] == 0xff)
		return false; /* multicast */
	if (drop_private && (a[0] & 0xfe) == 0xfc)
		return false; /* unique local fc00::/7 */
	return true;
}

bool mdns_address_publishable(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                              bool drop_private)
{
	if (type == DNS_T_A && rdlen == 4)
		return v4_publishable(rdata, drop_private);
	if (type == DNS_T_AAAA && rdlen == 16)
		return v6_publishable(rdata, drop_private);
	return false;
}
