/* mdns/: discovery on the local links with avahi-core, and the pure
 * functions that turn what it finds into unicast names.
 *
 * The module knows nothing of zones or of the daemon: it reports records
 * seen on a link (owner, type, rdata in wire form, TTL, the interface and
 * the mDNS transport that carried them) and the links going up and down.
 * What to browse is decided by the caller (mdns/mirror*.c), one watch
 * per (interface, name, type).
 *
 * Names are uncompressed wire-format domain names (length-prefixed labels
 * ending with the root label), at most MDNS_NAME_MAX octets; labels are
 * raw octets (UTF-8 instance names keep their spaces, dots and
 * backslashes as data, never Punycode). Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "common/dns.h"

#define MDNS_NAME_MAX  255
#define MDNS_LABEL_MAX 63
/* The largest rdata the module passes on: an mDNS packet is at most 9000
 * octets (RFC 6762 17). */
#define MDNS_RDATA_MAX 9000

/* ---- names and translation (mdns/translate.c) --------------------------- */

/* Avahi's text form of a name ("My\032Printer\.2._ipp._tcp.local": labels
 * separated by dots, "\." "\\" and "\DDD" escapes, no final dot needed)
 * into wire form in out (MDNS_NAME_MAX octets). Returns the wire length,
 * GW_EMALFORMED (bad escape, empty label) or GW_ELIMIT (label over 63 or
 * name over 255 octets). */
int mdns_name_from_text(uint8_t *out, const char *text);

/* True when the valid wire name ends in the label "local". */
bool mdns_name_is_local(const uint8_t *name);

/* Rewrite a .local name for the unicast zone: the final "local" label is
 * replaced by suffix (wire, e.g. "lan.home.arpa."), into out
 * (MDNS_NAME_MAX octets). At least min_labels labels must stand before
 * "local". Returns the new wire length, GW_EINVAL (not under .local, or
 * too few labels), GW_EPERM (a "*" label: see mdns_name_vet()) or
 * GW_ELIMIT (the result would exceed 255 octets). */
int mdns_translate_name(uint8_t *out, const uint8_t *name, const uint8_t *suffix, int min_labels);

/* True when a name from the link would land on gateway-owned data: any
 * label pair "_dns-sd._udp" (case-insensitive) before the final "local",
 * which in the zone is the domain enumeration (RFC 6763 11) and the type
 * enumeration the gateway builds itself. */
bool mdns_name_is_reserved(const uint8_t *name);

/* Why a name from the link may not become a name of the zone, whatever
 * the limits (RFC 4592, RFC 6763 4 and 7). */
typedef enum {
	MDNS_VET_OK = 0,
	MDNS_VET_WILDCARD,   /* a "*" label: a wildcard owner, or an empty
	                      * non-terminal wildcard above a mirrored name */
	MDNS_VET_CONTROL,    /* an octet 0x00-0x1f or 0x7f in a label */
	MDNS_VET_RESERVED,   /* the labels _dns-sd._udp (mdns_name_is_reserved) */
	MDNS_VET_SUB,        /* an instance labelled "_sub": the parent of the
	                      * type's subtype browse names */
	MDNS_VET_UNDERSCORE, /* a host label starting with '_': a host on a
	                      * service type, a subtype or an instance name */
} mdns_vet_t;

/* The role a name from the link would have in the zone. */
typedef enum {
	MDNS_USE_TYPE,     /* <_service>.<_tcp|_udp>.local, a browse name */
	MDNS_USE_INSTANCE, /* <instance>.<_service>.<_tcp|_udp>.local */
	MDNS_USE_HOST,     /* an SRV target, owner of A and AAAA */
} mdns_use_t;

/* Whether the valid wire name (.local) may be mirrored for use; checks the
 * whole name (the type labels of an instance too). Structure (one label
 * before a type, a type's form) is mdns_name_kind()'s and
 * mdns_instance_of()'s to check. */
mdns_vet_t mdns_name_vet(const uint8_t *name, mdns_use_t use);

/* Why, in words, for log lines ("" for MDNS_VET_OK). */
const char *mdns_vet_str(mdns_vet_t v);

/* What a name is in DNS-SD terms (RFC 6763 4.1, 7.1). */
typedef enum {
	MDNS_NAME_OTHER = 0,
	MDNS_NAME_TYPE,    /* <_service>.<_tcp|_udp>.local */
	MDNS_NAME_SUBTYPE, /* <_sub-label>._sub.<_service>.<_tcp|_udp>.local */
	MDNS_NAME_SERVICES /* _services._dns-sd._udp.local */
} mdns_name_kind_t;

mdns_name_kind_t mdns_name_kind(const uint8_t *name);

/* True when instance is one label followed by the service type type
 * (both wire, .local), case-insensitively: what a browse PTR at type may
 * point to. For a subtype browse name, pass the base type (the subtype
 * name minus its first two labels, see mdns_name_skip()). */
bool mdns_instance_of(const uint8_t *instance, const uint8_t *type);

/* The name after skipping n labels (points into name), or NULL when name
 * has fewer than n labels before the root. */
const uint8_t *mdns_name_skip(const uint8_t *name, int n);

/* Translate the rdata of a PTR or SRV (names rewritten with
 * mdns_translate_name(); a PTR target needs min_labels labels before
 * .local, an SRV target one) into out (MDNS_RDATA_MAX octets); other
 * types are copied. Returns the new length, GW_EMALFORMED (rdata that
 * does not parse as the type), GW_EINVAL (a target not under .local),
 * GW_EPERM (a reserved target, or one with a "*" label) or GW_ELIMIT. */
int mdns_translate_rdata(uint8_t *out, uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                         const uint8_t *suffix, int min_labels);

/* min(ttl, cap): plain unicast DNS has no cache coherency, so records
 * mirrored from the link are served with short TTLs (RFC 8766 5.5.1). */
uint32_t mdns_ttl_cap(uint32_t ttl, uint32_t cap);

/* ---- address filtering (mdns/filter.c) ---------------------------------- */

/* True when an A (4 octets) or AAAA (16 octets) rdata may be published:
 * never 169.254/16, 127/8, 0/8, multicast, fe80::/10, ::1, ::, multicast,
 * or IPv4-mapped forms of the IPv4 ones; with drop_private also never
 * 10/8, 172.16/12, 192.168/16 (RFC 1918) and fc00::/7 (ULA, RFC 4193).
 * Any other length is false. */
bool mdns_address_publishable(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
                              bool drop_private);

/* ---- discovery (mdns/browse.c, mdns/poll.c, mdns/links.c) --------------- */

/* One record event from a link. Every pointer is borrowed for the call. */
typedef struct mdns_record {
	int ifindex;
	int family;     /* AF_INET or AF_INET6: the mDNS transport that saw it */
	bool add;       /* true: new; false: goodbye, expiry or flush */
	bool link_lost; /* a removal because the interface went down or away */
	uint16_t type;
	uint32_t ttl;         /* as announced, seconds */
	const uint8_t *owner; /* wire name (.local) */
	const uint8_t *rdata; /* wire rdata, names uncompressed */
	uint16_t rdlen;
} mdns_record_t;

typedef void (*mdns_record_fn)(void *arg, const mdns_record_t *rec);
/* A response on a link named the service type type (wire, .local,
 * borrowed for the call; <_service>.<_tcp|_udp>.local, the base type of
 * a subtype), whether or not it is known (mdns/heard.c). */
typedef void (*mdns_type_fn)(void *arg, int ifindex, const uint8_t *type);
/* A link (interface) went up or down. ifname is borrowed for the call. */
typedef void (*mdns_link_fn)(void *arg, int ifindex, const char *ifname, bool up);

typedef struct mdns_opts {
	bool ipv4, ipv6;
	/* Interfaces to use (borrowed, interface_count names); none = every
	 * multicast-capable, non-loopback interface. */
	const char *const *interfaces;
	size_t interface_count;
	unsigned cache_entries; /* Avahi cache entries per interface; 0 = Avahi's */
	/* Services expected on one link: sizes the mDNS sockets' receive
	 * buffers, shared by every link (2 KiB a service of each link up,
	 * 256 KiB..256 MiB, grown as more links come up); 0 = 1000. */
	unsigned services_per_link;
	mdns_record_fn on_record;
	mdns_link_fn on_link;
	mdns_type_fn on_type; /* NULL: types only from the enumeration */
	void *arg;
} mdns_opts_t;

/* Service types one packet names at most (mdns_heard_types()). */
#define MDNS_HEARD_PER_PACKET 8

/* The service types an mDNS response (pkt, len octets, untrusted) names
 * in PTR records of its answer and additional sections that are not
 * goodbyes: each owner that is a type, or the base type of a subtype,
 * once without letter case, at most MDNS_HEARD_PER_PACKET, into types.
 * A query names none. Returns the count, or GW_EMALFORMED for a packet
 * that does not parse (or is longer than an mDNS packet may be). */
int mdns_heard_types(const uint8_t *pkt, size_t len, uint8_t (*types)[MDNS_NAME_MAX]);

/* One link to mirror: an interface and the label its services get under
 * the zone ("lan" gives <instance>._ipp._tcp.lan.<domain>). */
/* Links mirrored at most (configured, or found by the default rule). */
#define MDNS_LINKS_MAX 256

/* Browse domains one link advertises at most (links[].browse-domains). */
#define MDNS_BROWSE_MAX 16

typedef struct mdns_link_config {
	char *interface; /* owned; IFNAMSIZ-1 max */
	/* Owned; one DNS label as text, UTF-8, case kept (1..63 octets, no
	 * control characters): "lan", "Building 1". Compared without case.
	 * mdns_link_label_problem() says what cannot be one. */
	char *subdomain;
	/* Owned; browse_count browse domains the link advertises under
	 * b._dns-sd._udp.<subdomain>.<zone>: names relative to the zone
	 * ("lan", "building-a") or absolute ("campus.test."); "@" is the zone
	 * apex. DNS text, as zone files write it ("Building 1" as is, a dot
	 * inside a label as \., a backslash as \\): zone_name_from_str(out,
	 * text, zone) reads each. At most MDNS_BROWSE_MAX, each once, checked
	 * by the configuration. 0: the link's own subdomain. */
	char **browse;
	size_t browse_count;
} mdns_link_config_t;

/* Why text (NUL-terminated) cannot be a link's label, as a sentence for
 * a message ("it is empty; ..."); NULL when it can: 1..63 octets of UTF-8
 * without control characters, not "*" or "@", not starting with '_',
 * without a dot. Static text. */
const char *mdns_link_label_problem(const char *text);

/* True when a and b are one label to DNS (ASCII letters without case):
 * two links "Lab" and "lab" clash. */
bool mdns_label_equal(const char *a, const char *b);

/* "<label>.<domain>" as DNS text (RFC 1035 escapes, as ldns writes it:
 * "Building\0321.campus.test.") into buf. domain: wire form, absolute.
 * GW_OK, GW_EINVAL (not a label, or too long together), GW_ESPACE (buf
 * too small: cut), GW_ENOMEM. */
int mdns_label_name_str(char *buf, size_t len, const char *label, const uint8_t *domain);

typedef struct mdns mdns_t;
typedef struct mdns_watch mdns_watch_t;

/* Create the embedded mDNS stack on loop: avahi-core with publishing
 * disabled (the gateway announces nothing on the links), and a link
 * monitor (rtnetlink). Nothing is reported before mdns_start(). On
 * success *out owns it. GW_ENOMEM, GW_EINVAL, GW_ERROR (Avahi refused, the
 * reason logged), -errno. */
int mdns_new(mdns_t **out, struct ev_loop *loop, const mdns_opts_t *opts);

/* Report the links that are up now (on_link) and follow changes; the
 * mDNS sockets' receive buffers are sized for the links up first, and
 * grown whenever more are up than ever before (services_per_link). */
int mdns_start(mdns_t *m);

/* Free the stack and every watch still open. Accepts NULL. */
void mdns_free(mdns_t *m);

/* Browse (name, type) on the interface ifindex over IPv4 and IPv6 mDNS:
 * records already cached and those that arrive later are reported through
 * on_record. On success *out owns the watch (mdns_watch_free). GW_EINVAL,
 * GW_ENOMEM, GW_ERROR (Avahi refused the key; logged at debug level). */
int mdns_watch_new(mdns_watch_t **out, mdns_t *m, int ifindex, const uint8_t *name, uint16_t type);

/* Stop browsing; no further record is reported for it. Safe inside
 * on_record. Avahi's browser is freed a little later, with the others
 * freed meanwhile (browse.c says why). Accepts NULL. */
void mdns_watch_free(mdns_watch_t *w);

/* Whether the interface is up (IFF_UP and IFF_RUNNING) right now. */
bool mdns_link_is_up(const mdns_t *m, int ifindex);
