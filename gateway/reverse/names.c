/* The reverse names of a prefix: the zone apex and the subnet name.
 *
 * The subnet name is the one clients query: RFC 6763 section 11 has a
 * client look for b._dns-sd._udp.<its network address as a reverse name>
 * (and db, lb). What real clients send, read in mDNSResponder: the client
 * (mDNSMacOSX, also mDNSWindows) ANDs each interface's IPv4 address with
 * its netmask and writes all four octets reversed, so 192.0.2.0/25 gives
 * "0.2.0.192.in-addr.arpa." and 192.0.2.128/25
 * "128.2.0.192.in-addr.arpa."; its Discovery Proxy (RFC 8766,
 * dnssd-proxy) publishes the same IPv4 form and, for IPv6, all 32
 * nibbles of the masked address in lowercase hexadecimal. So the name
 * always has the full address length: the prefix length is not in it. */
#include "gateway/reverse/reverse.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/error.h"

static const uint8_t in_addr_arpa[] = "\x07in-addr\x04"
                                      "arpa";
static const uint8_t ip6_arpa[] = "\x03ip6\x04"
                                  "arpa";

static int max_len(int family)
{
	if (family == AF_INET)
		return 32;
	if (family == AF_INET6)
		return 128;
	return -1;
}

int gw_reverse_prefix_normalize(gw_reverse_prefix_t *p)
{
	int bits = max_len(p->family);

	if (bits < 0 || p->len > bits)
		return GW_EINVAL;
	for (int i = 0; i < 16; i++) {
		int keep = (int)p->len - 8 * i;
		if (i >= bits / 8 || keep <= 0)
			p->addr[i] = 0;
		else if (keep < 8)
			p->addr[i] &= (uint8_t)(0xff00u >> keep);
	}
	return GW_OK;
}

bool gw_reverse_prefix_overlaps(const gw_reverse_prefix_t *a, const gw_reverse_prefix_t *b)
{
	if (a->family != b->family)
		return false;
	/* Both are normalized: the shorter prefix holds the longer one when
	 * the longer, cut to the shorter's length, equals it. */
	gw_reverse_prefix_t cut = a->len > b->len ? *a : *b;
	const gw_reverse_prefix_t *shorter = a->len > b->len ? b : a;
	cut.len = shorter->len;
	if (gw_reverse_prefix_normalize(&cut) != GW_OK)
		return false;
	return memcmp(cut.addr, shorter->addr, sizeof(cut.addr)) == 0;
}

/* Reverse labels for the first units of p's network address: octets as
 * decimal (IPv4) or nibbles as lowercase hexadecimal (IPv6), most
 * significant last, then the arpa suffix. */
static int reverse_name(uint8_t *out, const gw_reverse_prefix_t *p, int units)
{
	static const char hex[] = "0123456789abcdef";
	gw_reverse_prefix_t net = *p;
	size_t pos = 0;

	if (gw_reverse_prefix_normalize(&net) != GW_OK)
		return GW_EINVAL;
	for (int i = units - 1; i >= 0; i--) {
		if (net.family == AF_INET) {
			char digits[4];
			int n = snprintf(digits, sizeof(digits), "%u", net.addr[i]);
			out[pos++] = (uint8_t)n;
			memcpy(out + pos, digits, (size_t)n);
			pos += (size_t)n;
		} else {
			uint8_t v = net.addr[i / 2];
			out[pos++] = 1;
			out[pos++] = (uint8_t)hex[i % 2 == 0 ? v >> 4 : v & 0x0f];
		}
	}
	const uint8_t *suffix = net.family == AF_INET ? in_addr_arpa : ip6_arpa;
	size_t suffix_len = net.family == AF_INET ? sizeof(in_addr_arpa) : sizeof(ip6_arpa);
	memcpy(out + pos, suffix, suffix_len); /* sizeof counts the root label */
	return (int)(pos + suffix_len);
}

int gw_reverse_apex(uint8_t *out, const gw_reverse_prefix_t *p)
{
	int bits = max_len(p->family);

	if (bits < 0 || p->len > bits)
		return GW_EINVAL;
	/* Rounded down: a /25 lives in the /24's zone, a /62 in the /60's;
	 * finer delegations (RFC 2317) need CNAMEs in the parent we cannot
	 * make, so the zone covers the whole octet or nibble. */
	return reverse_name(out, p, p->family == AF_INET ? p->len / 8 : p->len / 4);
}

int gw_reverse_subnet(uint8_t *out, const gw_reverse_prefix_t *p)
{
	if (max_len(p->family) < 0)
		return GW_EINVAL;
	return reverse_name(out, p, p->family == AF_INET ? 4 : 32);
}
