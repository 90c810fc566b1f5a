/* The prefixes of the interfaces, from getifaddrs: each address ANDed
 * with its netmask, as a client on that link computes its subnet. */
#include "gateway/reverse/reverse.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/array.h"
#include "common/error.h"

static bool wanted_interface(const struct ifaddrs *ifa, const char *const *ifnames, size_t n)
{
	if ((ifa->ifa_flags & IFF_LOOPBACK) != 0)
		return false;
	if (n == 0)
		return (ifa->ifa_flags & IFF_UP) != 0 && (ifa->ifa_flags & IFF_MULTICAST) != 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ifa->ifa_name, ifnames[i]) == 0)
			return true;
	}
	return false;
}

/* Leading one bits of the mask, or -1 when the ones are not contiguous
 * (which no subnet has). */
static int mask_len(const uint8_t *mask, size_t octets)
{
	int len = 0;
	size_t i = 0;

	for (; i < octets && mask[i] == 0xff; i++)
		len += 8;
	if (i < octets) {
		uint8_t m = mask[i];
		while ((m & 0x80) != 0) {
			len++;
			m = (uint8_t)(m << 1);
		}
		if (m != 0)
			return -1;
		for (i++; i < octets; i++) {
			if (mask[i] != 0)
				return -1;
		}
	}
	return len;
}

/* Addresses that name no link a client could browse from: loopback,
 * link-local (a client there has no subnet to derive a name from, RFC
 * 6763 section 11 leaves those to multicast), unspecified, multicast. */
static bool usable_address(const gw_reverse_prefix_t *p)
{
	const uint8_t *a = p->addr;
	static const uint8_t zero[16];

	if (p->family == AF_INET)
		return a[0] != 127 && !(a[0] == 169 && a[1] == 254) && memcmp(a, zero, 4) != 0 &&
		       (a[0] & 0xf0) != 0xe0;
	static const uint8_t loopback6[16] = {[15] = 1};
	return memcmp(a, loopback6, 16) != 0 && !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80) &&
	       memcmp(a, zero, 16) != 0 && a[0] != 0xff;
}

/* The prefix of one getifaddrs entry; false when it is none we use. */
static bool entry_prefix(gw_reverse_prefix_t *p, const struct ifaddrs *ifa)
{
	const uint8_t *addr, *mask;
	size_t octets;

	if (ifa->ifa_addr == NULL || ifa->ifa_netmask == NULL)
		return false;
	memset(p, 0, sizeof(*p));
	p->family = ifa->ifa_addr->sa_family;
	if (p->family == AF_INET) {
		addr = (const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_addr)->sin_addr;
		mask = (const uint8_t *)&((const struct sockaddr_in *)ifa->ifa_netmask)->sin_addr;
		octets = 4;
	} else if (p->family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)ifa->ifa_addr)->sin6_addr.s6_addr;
		mask = ((const struct sockaddr_in6 *)ifa->ifa_netmask)->sin6_addr.s6_addr;
		octets = 16;
	} else {
		return false;
	}
	memcpy(p->addr, addr, octets);
	if (!usable_address(p))
		return false;
	int len = mask_len(mask, octets);
	if (len < 0 || len == (int)(8 * octets))
		return false;
	p->len = (uint8_t)len;
	if (gw_reverse_prefix_normalize(p) != GW_OK)
		return false;
	/* getifaddrs names are shorter than IF_NAMESIZE; one that is not
	 * cannot be told from another and is left out. */
	if (strlen(ifa->ifa_name) >= sizeof(p->ifname))
		return false;
	strcpy(p->ifname, ifa->ifa_name);
	return true;
}

static bool known(const gw_reverse_prefix_t *list, size_t count, const gw_reverse_prefix_t *p)
{
	for (size_t i = 0; i < count; i++) {
		if (list[i].family == p->family && list[i].len == p->len &&
		    memcmp(list[i].addr, p->addr, sizeof(p->addr)) == 0 &&
		    strcmp(list[i].ifname, p->ifname) == 0)
			return true;
	}
	return false;
}

int gw_reverse_prefixes_from(gw_reverse_prefix_t **out, size_t *count, const struct ifaddrs *ifa,
                             const char *const *ifnames, size_t ifname_count)
{
	gw_reverse_prefix_t *list = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if (ifname_count > 0 && ifnames == NULL)
		return GW_EINVAL;
	for (; ifa != NULL; ifa = ifa->ifa_next) {
		gw_reverse_prefix_t p;
		if (ifa->ifa_name == NULL || !wanted_interface(ifa, ifnames, ifname_count) ||
		    !entry_prefix(&p, ifa) || known(list, n, &p))
			continue;
		if (gw_array_reserve(&list, &cap, n + 1, sizeof(*list), 8) != GW_OK) {
			free(list);
			return GW_ENOMEM;
		}
		list[n++] = p;
	}
	*out = list;
	*count = n;
	return GW_OK;
}

int gw_reverse_prefixes_get(gw_reverse_prefix_t **out, size_t *count, const char *const *ifnames,
                            size_t ifname_count)
{
	struct ifaddrs *ifa = NULL;

	*out = NULL;
	*count = 0;
	if (getifaddrs(&ifa) != 0)
		return -errno;
	int ret = gw_reverse_prefixes_from(out, count, ifa, ifnames, ifname_count);
	freeifaddrs(ifa);
	return ret;
}
