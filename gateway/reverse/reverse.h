/* gateway/reverse/: the reverse zones of the links' prefixes and the
 * subnet-derived browse records in them (RFC 6763 section 11, RFC 8766
 * section 6.5).
 *
 * A client that knows no browse domain derives one from its own address:
 * it asks for b._dns-sd._udp.<subnet>, where <subnet> is its network
 * address (its address with the host bits cleared) written as a reverse
 * name. The gateway serves a reverse zone over each link's prefix and
 * answers there with the link's subdomain in the zones that show it.
 *
 * Three steps, each usable alone:
 * - gw_reverse_prefixes_*: the IPv4 and IPv6 prefixes of the interfaces
 *   (getifaddrs), without loopback, link-local and host addresses;
 * - gw_reverse_apex() / gw_reverse_subnet(): the names of a prefix;
 * - gw_reverse_plan_init(): from links, zones and optional configured
 *   prefixes, the reverse zones (apex) and their records as zone-file
 *   lines, as gw_zonemgr_opts_t.extra_rrs takes them.
 *
 * Nothing here keeps state or touches the network; names are uncompressed
 * wire names (zones/zone.h) unless said otherwise. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ifaddrs;

/* One prefix. As returned by this module, addr has the host bits cleared. */
typedef struct gw_reverse_prefix {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; 4 octets used for IPv4 */
	uint8_t len;      /* prefix length: 0..32 or 0..128 */
	/* The interface it was found on; "" for a configured prefix. */
	char ifname[IF_NAMESIZE];
} gw_reverse_prefix_t;

/* The prefixes of interfaces, in the order getifaddrs lists them, each
 * (interface, family, network, length) once. ifnames: ifname_count
 * interface names, borrowed; 0: every interface that is up, multicast and
 * not loopback. Skipped always: loopback interfaces and addresses
 * (127/8, ::1), link-local (169.254/16, fe80::/10), unspecified,
 * multicast, non-contiguous netmasks and host prefixes (/32, /128: a
 * single address says nothing about the link's subnet). IPv6 address
 * states (deprecated, temporary) are not told apart: they share their
 * link's prefix, which deduplication keeps once.
 * On success *out (owned by the caller, free() it; NULL when *count is 0)
 * holds *count prefixes. GW_ENOMEM, GW_EINVAL, -errno (getifaddrs). */
int gw_reverse_prefixes_get(gw_reverse_prefix_t **out, size_t *count, const char *const *ifnames,
                            size_t ifname_count);

/* The same from a list like getifaddrs' (ifa borrowed), for tests and for
 * a caller that holds one already. */
int gw_reverse_prefixes_from(gw_reverse_prefix_t **out, size_t *count, const struct ifaddrs *ifa,
                             const char *const *ifnames, size_t ifname_count);

/* Clear the host bits of p->addr (beyond p->len). GW_EINVAL for a family
 * other than AF_INET/AF_INET6 or a length past the family's. */
int gw_reverse_prefix_normalize(gw_reverse_prefix_t *p);

/* True when a and b (normalized) overlap: one holds the other. */
bool gw_reverse_prefix_overlaps(const gw_reverse_prefix_t *a, const gw_reverse_prefix_t *b);

/* The apex of the reverse zone for p: p rounded down to an octet (IPv4,
 * in-addr.arpa.) or nibble (IPv6, ip6.arpa.) boundary, so 192.0.2.0/25
 * -> 2.0.192.in-addr.arpa. and 2001:db8:1::/64 ->
 * 0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. (RFC 2317 and RFC 3596
 * delegate on these boundaries only). out: 255 octets. Returns the wire
 * length, or GW_EINVAL. */
int gw_reverse_apex(uint8_t *out, const gw_reverse_prefix_t *p);

/* The subnet name of p under which a client looks for its browse domains
 * (RFC 6763 section 11): the network address, host bits zero, with every
 * octet (IPv4, 0.2.0.192.in-addr.arpa. for 192.0.2.0/25) or nibble (IPv6,
 * 32 labels) reversed. out: 255 octets. Returns the wire length, or
 * GW_EINVAL. */
int gw_reverse_subnet(uint8_t *out, const gw_reverse_prefix_t *p);

/* A link as the plan sees it. All pointers borrowed for the call. */
typedef struct gw_reverse_link {
	/* The link's subdomain: one label of label_len octets (1..63), as
	 * it is in wire form (no length octet, no escapes: "Building 1"). */
	const uint8_t *label;
	size_t label_len;
	const gw_reverse_prefix_t *prefixes; /* its interface's prefixes */
	size_t prefix_count;
} gw_reverse_link_t;

/* A forward zone and the links it shows. Pointers borrowed for the call. */
typedef struct gw_reverse_domain {
	const uint8_t *domain; /* wire name, absolute */
	bool every_link;       /* shows every link (links ignored) */
	const size_t *links;   /* link_count indexes into the plan's links */
	size_t link_count;
} gw_reverse_domain_t;

typedef struct gw_reverse_input {
	const gw_reverse_link_t *links; /* link_count; borrowed */
	size_t link_count;
	const gw_reverse_domain_t *domains; /* domain_count; borrowed */
	size_t domain_count;
	/* Configured prefixes (reverse.prefixes), borrowed; 0: the links'
	 * own prefixes, and then only of links some domain shows. */
	const gw_reverse_prefix_t *prefixes;
	size_t prefix_count;
	uint32_t ttl; /* of the records made */
} gw_reverse_input_t;

/* One reverse zone. */
typedef struct gw_reverse_zone {
	uint8_t apex[255]; /* wire, lowercase */
	size_t apex_len;
	char *apex_str; /* owned; text, absolute ("2.0.192.in-addr.arpa.") */
	/* Owned; rr_count zone-file lines with absolute names and the TTL:
	 * the zone's browse records, for gw_zonemgr_opts_t.extra_rrs. */
	char **rrs;
	size_t rr_count;
} gw_reverse_zone_t;

typedef struct gw_reverse_plan {
	gw_reverse_zone_t *zones; /* owned; zone_count */
	size_t zone_count;
} gw_reverse_plan_t;

/* Work out the reverse zones and their records.
 *
 * Prefixes: the configured ones when given, each belonging to every link
 * with a prefix that overlaps it (the link's address falls in it, or it
 * lies inside the link's subnet), possibly none (a zone with no records);
 * otherwise each link's own prefixes, for links some domain shows.
 * Zones: one per apex (gw_reverse_apex()), in the order of first use; an
 * apex at or under another is merged into it.
 * Records, per subnet name S of a prefix with links (several prefixes can
 * share S: 192.0.2.0/24 and /25 both give 0.2.0.192): for each of its
 * links in order, for each domain showing that link in order,
 * b._dns-sd._udp.S PTR <label>.<domain>; then db._dns-sd._udp.S and
 * lb._dns-sd._udp.S PTR the first of those targets. The text comes from
 * ldns (a space in a label is \032). Each record once.
 * On success plan owns what it holds; free it with gw_reverse_plan_deinit().
 * GW_EINVAL (a bad label, name, prefix or link index; also the label "@",
 * which ldns, reading the line back, takes for the origin), GW_ELIMIT (a target
 * name past 255 octets), GW_ENOMEM. On error plan is empty. */
int gw_reverse_plan_init(gw_reverse_plan_t *plan, const gw_reverse_input_t *in);

/* Free what plan holds; plan may be empty or zeroed. */
void gw_reverse_plan_deinit(gw_reverse_plan_t *plan);
