/* A client's address as the gateway keys on it (address lists, response
 * rate limiting, server cookies): the raw octets, with an IPv4-mapped IPv6
 * address taken as the IPv4 address it carries, so that a client counts
 * the same whether a dual-stack socket or an IPv4 socket received it. */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Copy the address of sa (borrowed; AF_INET or AF_INET6) into out, network
 * order. Returns the number of octets written: 4 for IPv4 (mapped or not),
 * 16 for IPv6, 0 for NULL or another family. */
static inline size_t gw_client_addr(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 4;
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		memcpy(out, a->s6_addr + 12, 4);
		return 4;
	}
	memcpy(out, a->s6_addr, 16);
	return 16;
}

/* The address of sa (AF_INET or AF_INET6, as bound or accepted) as text
 * into buf (len octets, INET6_ADDRSTRLEN is enough), its port into *port;
 * for logs and the ports file. */
static inline void gw_addr_text(const struct sockaddr *sa, char *buf, size_t len, uint16_t *port)
{
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
		*port = ntohs(s4->sin_port);
	}
}

/* Whether a and b are the same client address (ports ignored; an
 * IPv4-mapped IPv6 address equals its IPv4 address). */
static inline bool gw_client_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t x[16], y[16];
	size_t n = gw_client_addr(a, x);
	return n > 0 && n == gw_client_addr(b, y) && memcmp(x, y, n) == 0;
}

/* The client a per-client connection limit counts (TCP, the HTTP
 * listener; docs/security.md): an IPv4 address, or the /64 of an IPv6
 * one, since a host usually gets a whole /64 and can use any address in
 * it. An IPv4-mapped address counts as its IPv4 address. */
typedef struct gw_client_key {
	uint8_t family; /* AF_INET, AF_INET6, or 0 for another family */
	uint8_t prefix[8];
} gw_client_key_t;

/* The key of sa (borrowed). */
static inline void gw_client_key_of(const struct sockaddr *sa, gw_client_key_t *out)
{
	uint8_t a[16];
	size_t n = gw_client_addr(sa, a);
	memset(out, 0, sizeof(*out));
	if (n == 4) {
		out->family = AF_INET;
		memcpy(out->prefix, a, 4);
	} else if (n == 16) {
		out->family = AF_INET6;
		memcpy(out->prefix, a, 8);
	}
}

static inline bool gw_client_key_equal(const gw_client_key_t *a, const gw_client_key_t *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}
