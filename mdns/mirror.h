/* mdns/: the mirror, from what mDNS sees on the links to changesets of
 * the unicast zones.
 *
 * Per link it keeps what is known there (the records avahi-core reports,
 * browsed by records: service types, each type's instances, their SRV and
 * TXT, the hosts' A and AAAA), once for every zone. Each zone shows some
 * links (default all) through its policy (mdns/policy.h) and has its own
 * published set. Each batch (a short window, cfg->batch_window_ms)
 * publishes, per zone, the difference between what should be in the zone
 * and what is, as one changeset handed to that zone's commit function: a
 * flapping device costs nothing net, a failed commit is retried whole.
 *
 *   <instance>.<_type>.<_tcp|_udp>.<link>.<domain>  SRV, TXT
 *   <_type>.<_tcp|_udp>.<link>.<domain>             PTR (browse), and subtypes
 *   <host>.<link>.<domain>                          A, AAAA (filtered)
 *   _services._dns-sd._udp.<link>.<domain>          PTR (types shown there)
 *   b._dns-sd._udp.<domain>                         PTR each shown <link>.<domain>
 *   db, lb._dns-sd._udp.<domain>                    PTR the first shown <link>.<domain>
 *   b._dns-sd._udp.<link>.<domain>                  PTR each of the link's browse domains
 *   db, lb._dns-sd._udp.<link>.<domain>             PTR its first browse domain
 *
 * An instance is published only with its SRV (to a host with a usable
 * address) and its TXT (RFC 6763 section 6; held back and counted
 * otherwise), and only in the zones whose policy allows it; a type is
 * listed while a shown instance of it is, a host's addresses while a
 * shown instance's SRV targets it.
 *
 * TTLs are capped (cfg->ttl_cap); link-local, loopback (and, with
 * drop_private, RFC 1918 and ULA) addresses are never published, nor a
 * service whose host has none left, nor a name that would change DNS
 * meaning (a "*" label, DNS-SD structure: mdns_name_vet()); every input
 * is limited per link (services, and a fair share of them per host and per
 * address; records per name, TXT size, changes per second), with one log
 * line per kind per link per minute. Each zone's published records are
 * saved to its state file and served again at the next start until the
 * warm-up ends; a link that goes down keeps its records for the grace
 * period. Loop thread only.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "mdns/mdns.h"
#include "mdns/policy.h"
#include "zones/zone.h"

/* Apply one batch to the served zone. cs is borrowed for the call. Returns
 * GW_OK, or an error: the mirror then keeps the batch as not published and
 * retries it (with later changes) shortly. */
typedef int (*mdns_mirror_commit_fn)(void *arg, const zone_changeset_t *cs);

/* True when name (wire) is owned by someone else than the mirror (the
 * static zone): the mirror then never publishes there. */
typedef bool (*mdns_mirror_reserved_fn)(void *arg, const uint8_t *name);

/* One zone the mirror publishes into. Every pointer is borrowed for the
 * mirror's life (or until the mdns_mirror_reconfigure() that replaces it). */
typedef struct mdns_mirror_zone {
	const uint8_t *domain;  /* the zone's apex, wire, lowercase */
	size_t domain_len;      /* octets in domain, root label included */
	const char *domain_str; /* its text form, "home.arpa." */
	/* Its published records are saved there (copied by mdns_mirror_new(),
	 * not read later); NULL: not saved. */
	const char *state_file;
	/* link_count links shown, each by subdomain (without case) or
	 * interface name; 0: every link. */
	const char *const *links;
	size_t link_count;
	const mdns_policy_t *policy; /* which services it shows; NULL: every one */
	mdns_mirror_commit_fn commit;
	void *commit_arg;                 /* passed to commit */
	mdns_mirror_reserved_fn reserved; /* may be NULL */
	void *reserved_arg;               /* passed to reserved and covered */
	/* True when every name below name (wire) is the static zone's: name
	 * or a name above it is a delegation or DNAME of the zone file. Asked
	 * of each link's subdomain, only to tell the operator once that the
	 * link shows nothing there (reserved decides name by name). May be
	 * NULL. */
	mdns_mirror_reserved_fn covered;
} mdns_mirror_zone_t;

/* What the mirror is told by whoever reads the configuration. Every
 * pointer is borrowed for the mirror's life. */
typedef struct mdns_mirror_config {
	/* zone_count >= 1 zones, each with its own domain (none equal). The
	 * mirror discovers once and publishes into each. */
	const mdns_mirror_zone_t *zones;
	size_t zone_count;
	const mdns_link_config_t *links; /* link_count entries; 0 = every interface */
	size_t link_count;
	bool ipv4, ipv6;   /* mDNS transports to listen on */
	bool drop_private; /* RFC 1918 and ULA addresses are not published */
	uint32_t ttl_cap;  /* seconds, >= 1 */
	uint64_t batch_window_ms, warmup_ms, link_grace_ms;
	/* subtype_count names "<_x>._sub.<_svc>.<_tcp|_udp>" (relative,
	 * lowercase) to browse besides the plain types. */
	char *const *subtypes;
	size_t subtype_count;
	struct {
		uint32_t services_per_link, records_per_name, txt_size, changes_per_second;
		/* Services one SRV target host, and the hosts holding one
		 * address, may have on a link (at most services_per_link); 0:
		 * the larger of 64 and an eighth of services_per_link
		 * (docs/mdns.md, Limits). */
		uint32_t services_per_host, services_per_address;
	} limits;
} mdns_mirror_config_t;

typedef struct mdns_mirror_opts {
	mdns_mirror_config_t cfg; /* copied; what it points at is borrowed */
	/* false: no avahi-core and no link monitor; records and links come
	 * only through mdns_mirror_inject_*() (unit tests). */
	bool discover;
} mdns_mirror_opts_t;

typedef struct mdns_mirror mdns_mirror_t;

/* Create the mirror on loop (nothing runs before mdns_mirror_start()). On
 * success *out owns it. GW_ENOMEM, GW_EINVAL (no zone, two zones with one
 * domain), GW_ECONFIG (two links with one subdomain, a subtype that is
 * not "_x._sub._svc._tcp|_udp"), or an error from mdns_new(). */
int mdns_mirror_new(mdns_mirror_t **out, struct ev_loop *loop, const mdns_mirror_opts_t *opts);

/* Load the saved state and commit it at once (so a restart does not blank
 * the zone), start the warm-up timer, then start discovery. Returns GW_OK
 * or the commit's or mdns_start()'s error; an unreadable state file is
 * logged and ignored. */
int mdns_mirror_start(mdns_mirror_t *m);

/* Save the state if it changed, stop everything, free. The published
 * records stay in the zone (the daemon is going away with it). Accepts
 * NULL. */
void mdns_mirror_free(mdns_mirror_t *m);

/* Apply a new configuration to the running mirror (a reload). cfg is
 * copied; what it points at is borrowed from now on instead of the old
 * one's, which the caller may free once this returns. It may change:
 * links (a link no longer named is withdrawn at once, in the batch this
 * call commits; a new one is discovered when its interface is reported
 * up), limits (applied to what is admitted from now on: services over a
 * lowered limit stay until they leave), ttl_cap, drop_private (for
 * addresses learnt from now on), subtypes, batch_window_ms, warmup_ms,
 * link_grace_ms, and each zone's links, policy, commit and reserved
 * functions (the zone's records are computed again: what it no longer
 * shows is withdrawn in the batch this call commits). When the set of
 * interfaces changes, avahi-core is
 * started anew on the new set: its cache starts empty, every link is
 * browsed again and what is not announced again within the warm-up is
 * removed. It may not change the zones' count or domains (their state
 * files stay those given to mdns_mirror_new()), ipv4, ipv6 (GW_EINVAL,
 * nothing changed: those take a restart). GW_ECONFIG (links named
 * twice, a bad subtype: logged, nothing changed), GW_ENOMEM (perhaps
 * part applied: links added so far), or mdns_new()'s error (nothing
 * changed). The batch the change makes is
 * committed before the call returns (commit fails: retried as any
 * batch). */
int mdns_mirror_reconfigure(mdns_mirror_t *m, const mdns_mirror_config_t *cfg);

/* Steps of the wall clock below this many seconds are left to Avahi. */
#define MDNS_CLOCK_STEP_MIN 10

/* The wall clock was set, moved by delta seconds against elapsed time.
 * avahi-core times its cache and its queries by the wall clock: a step
 * forward past the records' TTLs expires them all at once, and their
 * devices' answers bring them back a moment later (the zone flaps: a
 * client meanwhile gets NXDOMAIN, and caches it); a step back delays
 * every query and expiry by as much. Discovery starts again on a fresh
 * avahi-core, as when a reload changes the interfaces: the published
 * records stay, what is not announced again within the warm-up is
 * removed. Steps under MDNS_CLOCK_STEP_MIN are left alone. */
void mdns_mirror_clock_set(mdns_mirror_t *m, int64_t delta);

/* Kinds of refused input, for the stats and the log lines. */
typedef enum {
	MDNS_MIRROR_REFUSED_SERVICES = 0, /* services per link */
	MDNS_MIRROR_REFUSED_TYPES,        /* service types per link (same limit) */
	MDNS_MIRROR_REFUSED_RECORDS,      /* records per name */
	MDNS_MIRROR_REFUSED_TXT,          /* TXT size */
	MDNS_MIRROR_REFUSED_RATE,         /* changes per second: deferred, not lost */
	MDNS_MIRROR_REFUSED_LENGTH,       /* a name too long once rewritten */
	MDNS_MIRROR_REFUSED_RESERVED,     /* a name on gateway-owned data */
	MDNS_MIRROR_REFUSED_INVALID,      /* not DNS-SD: bad type, instance or target */
	MDNS_MIRROR_REFUSED_WILDCARD,     /* a "*" label (RFC 4592) */
	MDNS_MIRROR_REFUSED_HOST,         /* services per host (SRV target) */
	MDNS_MIRROR_REFUSED_ADDRESS,      /* services per host address */
	MDNS_MIRROR_REFUSED_NO_TXT,       /* an instance held back: no TXT (RFC 6763 6) */
	MDNS_MIRROR_REFUSED_RRSET_SIZE,   /* a PTR RRset past what validators check */
	MDNS_MIRROR_REFUSED_KINDS
} mdns_mirror_refused_t;

typedef struct mdns_mirror_stats {
	size_t links_active;               /* links up or in their grace period */
	size_t services;                   /* instances known, every link */
	size_t known;                      /* records known from the links */
	size_t published;                  /* records in the zones from the mirror, every zone */
	size_t watches;                    /* (name, type) browsed */
	uint64_t commits, commit_failures; /* every zone */
	uint64_t refused[MDNS_MIRROR_REFUSED_KINDS];
	uint64_t filtered; /* addresses not published (link-local, ...) */
	/* Records announced and withdrawn (goodbyes, expiries) on links that
	 * are up, as mDNS reported them. */
	uint64_t records_added, records_removed;
	/* Service types browsed because a device announced a service of
	 * one, before the enumeration listed it (mdns/heard.c). */
	uint64_t types_heard;
} mdns_mirror_stats_t;

void mdns_mirror_get_stats(const mdns_mirror_t *m, mdns_mirror_stats_t *st);

/* ---- what the control socket shows (mdns/mirror_view.c) ---------------- */

/* Short name of a kind of refusal ("services_per_link", "wildcard", ...),
 * for JSON keys, and what it counts ("services (limit per link)"). Static
 * strings, never NULL. */
const char *mdns_mirror_refused_name(mdns_mirror_refused_t kind);
const char *mdns_mirror_refused_what(mdns_mirror_refused_t kind);

/* One link as the mirror sees it now. */
typedef struct mdns_mirror_link_info {
	char ifname[16];   /* the interface name (IF_NAMESIZE) */
	char label[64];    /* the label under the domain: <label>.<domain> */
	int ifindex;       /* 0 while down */
	const char *state; /* static: "up", "grace" (down, records kept) or "down" */
	bool configured;   /* from the configuration's links; else the default rule */
	size_t services;   /* service instances known on the link */
	size_t types;      /* service types known on the link */
	/* Bit i: the zone file of zone i (mdns_mirror_zone_domain()) delegates
	 * or redirects the link's subdomain, so nothing of it is published
	 * there; as of the link's last compute. */
	uint64_t delegated_zones;
} mdns_mirror_link_info_t;

/* The links, in the mirror's order: copies min(cap, count) into out (may
 * be NULL with cap 0) and returns the count. */
size_t mdns_mirror_links(const mdns_mirror_t *m, mdns_mirror_link_info_t *out, size_t cap);

/* The text domain of zone i of the mirror's configuration ("home.arpa."),
 * borrowed until the next mdns_mirror_reconfigure(); NULL past the last. */
const char *mdns_mirror_zone_domain(const mdns_mirror_t *m, size_t i);

/* One service instance known on a link. */
typedef struct mdns_mirror_service_info {
	const char *link;   /* borrowed for the callback: the link's label */
	char instance[256]; /* the instance label as announced; '?' for octets outside UTF-8 */
	char type[128];     /* "_ipp._tcp" */
	char host[1024];    /* the SRV target, text ("printer.local."); "" before an SRV */
	uint16_t port;      /* the SRV port; 0 before an SRV */
	size_t addresses;   /* A and AAAA records the host has on the link */
} mdns_mirror_service_info_t;

/* Called per service; s is borrowed for the call. Return false to stop. */
typedef bool (*mdns_mirror_service_fn)(void *arg, const mdns_mirror_service_info_t *s);

/* Call fn for every service instance known on the link labelled link
 * (NULL: on every link), link by link in the mirror's order. Read only;
 * fn must not change the mirror. */
void mdns_mirror_foreach_service(const mdns_mirror_t *m, const char *link,
                                 mdns_mirror_service_fn fn, void *arg);

/* The same, as the zone of domain (wire form) shows them: on the links it
 * shows, the instances its policy shows (judged with the host of the
 * instance's first SRV). False, with nothing called, when the mirror
 * publishes into no zone of that domain. */
bool mdns_mirror_foreach_shown(const mdns_mirror_t *m, const uint8_t *domain, const char *link,
                               mdns_mirror_service_fn fn, void *arg);

/* Refusals kept in memory, the most recent ones (a ring). */
#define MDNS_MIRROR_RECENT_REFUSALS 32

typedef struct mdns_mirror_refusal {
	time_t when; /* wall clock */
	mdns_mirror_refused_t kind;
	char link[64];    /* the link's label */
	char name[320];   /* what was refused, text; "" when no one name (deferred changes) */
	char detail[320]; /* why, as the log line says it (truncated) */
} mdns_mirror_refusal_t;

/* The most recent refusals, newest first: copies at most cap into out and
 * returns how many it copied (at most MDNS_MIRROR_RECENT_REFUSALS). Every
 * refusal is recorded, also those whose log line was held back. */
size_t mdns_mirror_recent_refusals(const mdns_mirror_t *m, mdns_mirror_refusal_t *out, size_t cap);

/* ---- entry points for tests (no network) --------------------------------- */

/* As if the link monitor / avahi-core had reported it. */
void mdns_mirror_inject_link(mdns_mirror_t *m, int ifindex, const char *ifname, bool up);
void mdns_mirror_inject_record(mdns_mirror_t *m, const mdns_record_t *rec);
/* As if a response on ifindex had named the service type type (wire,
 * .local, borrowed for the call; mdns/heard.c). */
void mdns_mirror_inject_type(mdns_mirror_t *m, int ifindex, const uint8_t *type);

/* The static zone changed (a zone file reloaded): every name is asked of
 * reserved again at the next batch, which this schedules, so that what
 * the zone file now holds, delegates or redirects is withdrawn, and what
 * it gave up is published. */
void mdns_mirror_statics_changed(mdns_mirror_t *m);

/* Run the pending batch now instead of at the end of its window. Returns
 * the commit's result (GW_OK when there was nothing to do). */
int mdns_mirror_flush(mdns_mirror_t *m);

/* Around commits that the zones hold (a configuration reload,
 * gw_zonemgr_hold()): they return GW_OK at once and are only applied, or
 * lost, at the zone's release. From mdns_mirror_hold() on, the mirror
 * remembers what each of its commits changed; mdns_mirror_release() gets
 * the outcome of each zone's held commit (results[i] for zone i of the
 * configuration, GW_OK or the error; count at least the zone count).
 * Where it failed, the records go back to what the zone still holds,
 * every link is computed again, and the difference is committed by the
 * next batch (tried every second while it fails, as any batch). Both are
 * called in the same loop callback; nesting is not allowed. */
void mdns_mirror_hold(mdns_mirror_t *m);
void mdns_mirror_release(mdns_mirror_t *m, const int *results, size_t count);

/* True while (ifindex, name, type) is browsed; name is wire. */
bool mdns_mirror_is_watched(const mdns_mirror_t *m, int ifindex, const uint8_t *name,
                            uint16_t type);
