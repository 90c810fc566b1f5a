/* Shared by the gateway/reverse/ suites: prefixes and names from text. */
#pragma once

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/error.h"
#include "gateway/reverse/reverse.h"
#include "zones/zone.h"

/* "192.0.2.1/25" or "2001:db8::/64" as written, host bits kept. Aborts
 * on a typo in the test itself. */
static inline gw_reverse_prefix_t prefix_of(const char *text, const char *ifname)
{
	gw_reverse_prefix_t p;
	char addr[64];
	const char *slash = strchr(text, '/');

	memset(&p, 0, sizeof(p));
	if (slash == NULL || (size_t)(slash - text) >= sizeof(addr))
		abort();
	memcpy(addr, text, (size_t)(slash - text));
	addr[slash - text] = '\0';
	p.family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, addr, p.addr) != 1)
		abort();
	p.len = (uint8_t)atoi(slash + 1);
	if (ifname != NULL)
		strcpy(p.ifname, ifname);
	return p;
}

/* The text of a wire name, through ldns (zones/name.c). */
static inline const char *name_text(const uint8_t *wire)
{
	static char buf[4][1100];
	static int next;
	char *b = buf[next++ % 4];

	if (zone_name_to_str(b, sizeof(buf[0]), wire) != GW_OK)
		strcpy(b, "(bad name)");
	return b;
}
