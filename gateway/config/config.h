/* gateway/: the daemon's configuration.
 *
 * A YAML file (docs/configuration.md is the reference of every key) is
 * checked against one schema table (gateway/config/schema.c, read through
 * libcyaml), then every value is validated
 * and normalised into a gw_config_t: names in wire form, addresses as
 * socket addresses, durations in milliseconds. Problems are reported all at
 * once where possible, one line each:
 *
 *     FILE:LINE:COL: KEY: what is wrong; how to fix it
 *
 * A gw_config_t is immutable once built; it is owned by whoever loaded it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "common/log.h"
#include "gateway/config/acl.h"
#include "mdns/mdns.h"
#include "mdns/policy.h"

/* Limits on the file and on what it may contain. */
#define GW_CONFIG_FILE_MAX   (1024 * 1024) /* bytes in a configuration file */
#define GW_CONFIG_LISTEN_MAX 64            /* listen entries */
/* Longest control.socket: a Unix socket's sun_path holds 108 octets with
 * the terminating NUL. */
#define GW_CONFIG_SOCKET_PATH_MAX 107
#define GW_CONFIG_ACL_MAX         256  /* entries in an address list */
#define GW_CONFIG_PATH_MAX        4095 /* bytes in a path */
#define GW_CONFIG_TEXT_MAX        255  /* identity, version: one TXT string */
#define GW_CONFIG_USER_MAX        63   /* bytes of a user or group name */
#define GW_CONFIG_ERRORS_MAX      32   /* problems kept per load */
#define GW_CONFIG_DEPTH_MAX       16   /* nesting of lists and mappings */

#define GW_CONFIG_NAME_MAX     255 /* wire-format domain name, with the root label */
#define GW_CONFIG_NAME_STR_MAX 256 /* its text form with the final dot, plus NUL */

/* Ranges accepted by validation (inclusive). */
#define GW_CONFIG_UDP_PAYLOAD_MIN     512
#define GW_CONFIG_UDP_PAYLOAD_MAX     4096
#define GW_CONFIG_TCP_IDLE_MIN_MS     100
#define GW_CONFIG_TCP_IDLE_MAX_MS     3600000
#define GW_CONFIG_TCP_CONNECTIONS_MAX 65535
#define GW_CONFIG_TCP_PIPELINED_MAX   1024
#define GW_CONFIG_TCP_MESSAGE_MIN_MS  100
#define GW_CONFIG_TCP_MESSAGE_MAX_MS  300000

/* dnssec, links, mdns: list sizes and value ranges (inclusive). */
#define GW_CONFIG_LINKS_MAX             MDNS_LINKS_MAX
#define GW_CONFIG_SUBTYPES_MAX          64
#define GW_CONFIG_IMPORT_MAX            16
#define GW_CONFIG_IFNAME_MAX            15 /* IFNAMSIZ - 1 */
#define GW_CONFIG_RSA_BITS_MIN          2048
#define GW_CONFIG_RSA_BITS_MAX          4096
#define GW_CONFIG_VALIDITY_MIN_MS       60000ULL    /* 1m: tests use short validities */
#define GW_CONFIG_INCEPTION_MAX_MS      86400000ULL /* 1d */
#define GW_CONFIG_DNSKEY_TTL_MAX        86400
#define GW_CONFIG_SIGN_THREADS_MAX      64
#define GW_CONFIG_TTL_CAP_MAX           3600 /* seconds */
#define GW_CONFIG_BATCH_WINDOW_MAX_MS   10000ULL
#define GW_CONFIG_WARMUP_MAX_MS         600000ULL
#define GW_CONFIG_LINK_GRACE_MAX_MS     86400000ULL
#define GW_CONFIG_SERVICES_PER_LINK_MAX 100000
#define GW_CONFIG_RECORDS_PER_NAME_MAX  1000
#define GW_CONFIG_TXT_SIZE_MAX          8900
#define GW_CONFIG_CHANGES_PER_SEC_MAX   100000

/* zones, their policies, reverse: list sizes. */
#define GW_CONFIG_ZONES_MAX            64
#define GW_CONFIG_POLICY_RULES_MAX     256
#define GW_CONFIG_REVERSE_PREFIXES_MAX 64

/* rate-limit: ranges (inclusive), those of gateway/query/rrl.h. */
#define GW_CONFIG_RRL_RATE_MAX  1000000
#define GW_CONFIG_RRL_SLIP_MAX  100
#define GW_CONFIG_RRL_TABLE_MIN 16
#define GW_CONFIG_RRL_TABLE_MAX (1u << 24)

/* transfer and tsig-keys: list sizes and value ranges (inclusive). */
#define GW_CONFIG_TSIG_KEYS_MAX       64
#define GW_CONFIG_NOTIFY_MAX          64
#define GW_CONFIG_TSIG_SECRET_MAX     512 /* octets of a decoded secret */
#define GW_CONFIG_JOURNAL_ENTRIES_MAX 100000
#define GW_CONFIG_JOURNAL_SIZE_MIN    65536ULL
#define GW_CONFIG_JOURNAL_SIZE_MAX    (4ULL << 30)

/* tls: DNS over TLS listeners. */
#define GW_CONFIG_TLS_LISTEN_MAX      16
#define GW_CONFIG_TLSA_TTL_MAX        86400
#define GW_CONFIG_TICKET_LIFETIME_MAX 604800
/* dnssec.policy.ds-check: parent servers or resolvers asked for the DS. */
#define GW_CONFIG_DS_CHECK_MAX 8

/* metrics: the HTTP listener of the Prometheus metrics (gateway/http). */
#define GW_CONFIG_METRICS_LISTEN_MAX      16
#define GW_CONFIG_METRICS_HOSTS_MAX       16
#define GW_CONFIG_METRICS_CONNECTIONS_MAX 1024
#define GW_CONFIG_PUSH_SESSIONS_MAX       65535
#define GW_CONFIG_PUSH_SUBS_MAX           1000000
#define GW_CONFIG_PUSH_INACTIVITY_MIN_MS  1000
#define GW_CONFIG_PUSH_KEEPALIVE_MIN_MS   10000 /* RFC 8490 6.5 */
#define GW_CONFIG_PUSH_TIMEOUT_MAX_MS     86400000
#define GW_CONFIG_METRICS_TIMEOUT_MIN_MS  1000
#define GW_CONFIG_METRICS_TIMEOUT_MAX_MS  600000

/* One address to listen on (UDP and TCP). Port 0 asks the kernel for a
 * free port. */
typedef struct gw_endpoint {
	struct sockaddr_storage addr; /* AF_INET or AF_INET6, port set */
	socklen_t addrlen;
} gw_endpoint_t;

/* TSIG algorithms (RFC 8945 section 6). */
typedef enum {
	GW_TSIG_HMAC_SHA256 = 0, /* the default */
	GW_TSIG_HMAC_SHA384,
	GW_TSIG_HMAC_SHA512,
	GW_TSIG_HMAC_SHA1,
} gw_tsig_alg_t;

/* A TSIG key shared with the secondaries. */
typedef struct gw_tsig_key_config {
	char *name; /* owned: absolute, lowercase text ("xfr.") */
	gw_tsig_alg_t algorithm;
	char *secret; /* owned: the secret in base64 (validated, blanks removed) */
	char *file;   /* owned: the key file the secret came from; NULL = inline */
} gw_tsig_key_config_t;

/* A secondary to NOTIFY (RFC 1996) when the serial changes. */
typedef struct gw_notify_target {
	gw_endpoint_t ep; /* address and port (default 53) */
	int key;          /* index into gw_config_t.tsig_keys; -1: unsigned */
} gw_notify_target_t;

/* transfer: who may take the zone and whom it NOTIFYs. */
typedef struct gw_transfer_config {
	gw_acl_t allow;             /* who may AXFR/IXFR; empty = nobody */
	gw_notify_target_t *notify; /* owned; notify_count entries */
	size_t notify_count;
	uint64_t journal_size;    /* octets of the journal file, zone copy included */
	uint32_t journal_entries; /* diffs kept for IXFR; 0 = no journal */
	/* From this size of the zone's copy on, the journal file is
	 * rewritten by a child process; 0: always */
	uint64_t journal_background_size;
} gw_transfer_config_t;

/* dnssec: how a zone is signed. */
typedef struct gw_dnssec_config {
	bool enable;       /* false: serve the zone unsigned */
	uint8_t algorithm; /* 8, 13 or 15 */
	bool split_keys;   /* keys: ksk-zsk */
	uint32_t rsa_bits; /* 2048..4096, for algorithm 8 */
	bool nsec3;        /* denial: nsec3 */
	uint64_t validity_ms, refresh_ms, jitter_ms, inception_offset_ms;
	uint32_t dnskey_ttl;   /* seconds, DNSKEY/CDS/CDNSKEY */
	uint32_t sign_threads; /* 0 = one per CPU */
	char **import;         /* owned; import_count paths */
	size_t import_count;
	/* Automatic key rollovers (docs/keys.md); 0 lifetimes: never. */
	struct {
		uint64_t zsk_lifetime_ms, ksk_lifetime_ms, csk_lifetime_ms;
		uint64_t propagation_delay_ms;        /* Dprp: to the last secondary */
		uint32_t parent_ds_ttl;               /* seconds: TTLds at the parent */
		uint64_t parent_propagation_delay_ms; /* Dprp(P) */
		uint64_t hold_down_ms;                /* RFC 5011 add hold-down; 0: not used */
		/* Servers asked for the new DS; none: ds-seen by hand. */
		gw_endpoint_t *ds_check; /* owned; ds_check_count entries */
		size_t ds_check_count;
		uint64_t ds_check_interval_ms;
	} policy;
} gw_dnssec_config_t;

/* One served zone (zones: in the file; the one-zone form zone:, with the
 * top-level dnssec: and transfer:, gives one of these). */
typedef struct gw_zone_config {
	uint8_t domain[GW_CONFIG_NAME_MAX];      /* wire form, lowercase, absolute */
	size_t domain_len;                       /* octets in domain, root label included */
	char domain_str[GW_CONFIG_NAME_STR_MAX]; /* "campus.test.", lowercase */
	char *file;                              /* owned: static zone file; NULL = none */
	/* Owned: where its serial, keys, journal and mirror.zone live. The
	 * one-zone form: state_dir itself (the layout of earlier versions);
	 * zones:: <state_dir>/zones/<domain without the final dot>. */
	char *state_dir;
	/* A reverse zone of reverse: (no file, no mirror): it holds the
	 * subnet-derived browse records of the links in its prefix. */
	bool reverse;
	/* Owned; link_count names of links shown (an interface or a link's
	 * subdomain); 0: every link. */
	char **links;
	size_t link_count;
	mdns_policy_t policy; /* owned rules; what of the links is shown */
	/* Owned; extra_count zone-file lines (absolute names) the gateway
	 * makes for a reverse zone: its subnet-derived browse records. */
	char **extra;
	size_t extra_count;
	/* Borrowed: the top-level section, or the zone's own (then owned by
	 * own_dnssec / own_transfer). Never NULL. */
	const gw_dnssec_config_t *dnssec;
	const gw_transfer_config_t *transfer;
	gw_dnssec_config_t *own_dnssec;     /* owned; NULL: the top-level's */
	gw_transfer_config_t *own_transfer; /* owned; NULL: the top-level's */
} gw_zone_config_t;

typedef struct gw_config {
	/* Path of the file loaded, NULL for the built-in default. Owned. */
	char *source;
	/* Owned; warning_count lines "FILE:LINE:COL: KEY: warning: ..." (no
	 * newline): values accepted that deserve a word (--check-config
	 * prints them, the daemon logs them once at start). */
	char **warnings;
	size_t warning_count;

	struct {
		uint8_t domain[GW_CONFIG_NAME_MAX];      /* wire form, lowercase, absolute */
		size_t domain_len;                       /* octets in domain, root label included */
		char domain_str[GW_CONFIG_NAME_STR_MAX]; /* "home.arpa.", lowercase */
		char *file;                              /* static zone file; NULL = none. Owned. */
	} zone;

	/* The zones served, never empty: the one-zone form (zone:) gives one
	 * (zones[0], its values those of zone:, dnssec: and transfer:);
	 * zones: gives each. Owned; zone_count entries, domains unique and
	 * none under another. Reverse zones (reverse:) come last. */
	gw_zone_config_t *zones;
	size_t zone_count;
	/* The file gave zones: (not zone:); zone: then holds the first zone's
	 * domain and file, for code that knows of one zone only. */
	bool zone_list;

	/* reverse: zones for the links' prefixes with the subnet-derived
	 * browse records (RFC 6763 section 11). */
	struct {
		bool enable;
		/* Owned; prefix_count prefixes; 0: those of the links'
		 * interfaces at start. */
		gw_acl_entry_t *prefixes;
		size_t prefix_count;
		/* Owned; the SOA and NS of every reverse zone, a zone file with
		 * names relative to the zone ("@"); NULL: a minimal apex. */
		char *file;
	} reverse;

	gw_endpoint_t *listen; /* owned; listen_count >= 1 entries, no duplicates */
	size_t listen_count;

	char *ports_file; /* NULL = do not write one. Owned. */
	char *state_dir;  /* never NULL. Owned. */

	/* Who the daemon runs as once its sockets are bound, when started as
	 * root. user NULL: dnssd-gateway; group NULL: the user's primary
	 * group. Owned. */
	char *user;
	char *group;

	struct {
		gw_log_level_t level;
	} log;

	struct {
		uint16_t udp_payload;         /* EDNS buffer size we advertise */
		uint64_t tcp_idle_timeout_ms; /* RFC 7766 idle timeout */
		uint32_t tcp_max_connections; /* open TCP connections at once */
		uint32_t tcp_max_pipelined;   /* queries in flight per connection */
		/* One message, first octet to last (from the connection's start
		 * for the first). */
		uint64_t tcp_message_timeout_ms;
		/* Connections of one IPv4 address or IPv6 /64; 0: automatic
		 * (a sixteenth of tcp_max_connections, at least 8). */
		uint32_t tcp_max_per_client;
	} server;

	char *identity; /* CHAOS id.server TXT; NULL = REFUSED. Owned. */
	char *version;  /* CHAOS version.bind TXT; NULL = REFUSED. Owned. */

	/* Owned; tsig_key_count entries, names unique. */
	gw_tsig_key_config_t *tsig_keys;
	size_t tsig_key_count;
	/* A file holding TSIG secrets (a key file, or this one) may share
	 * them with one group: 0640, owned by root, so that the daemon's user
	 * reads them on a reload but cannot change them. The first such file
	 * (owned; NULL: none, every secret is its file owner's alone) and that
	 * group, which every such file gives; gw_config_secret_group_check()
	 * tells whether it is the daemon's. */
	char *secret_group_file;
	gid_t secret_group;

	/* The default of every zone (gw_zone_config_t.transfer). */
	gw_transfer_config_t transfer;

	/* The default of every zone (gw_zone_config_t.dnssec). */
	gw_dnssec_config_t dnssec;

	struct {
		uint32_t rate; /* responses per second per bucket; 0: off */
		uint32_t slip; /* every Nth limited response truncated; 0: none */
		uint32_t ipv4_prefix, ipv6_prefix;
		uint32_t table_size; /* buckets */
		gw_acl_t whitelist;  /* never limited; entries with a key are ignored */
	} rate_limit;

	struct {
		bool enable; /* server cookies, secret in <state_dir>/cookie-secret */
	} cookies;

	/* DNS over TLS (gateway/server/tls.c) and its DANE records. */
	struct {
		gw_endpoint_t *listen; /* owned; listen_count entries; 0: no DoT */
		size_t listen_count;
		/* Owned; both NULL: the gateway's own key and self-signed
		 * certificate in <state_dir>/tls/ (both or neither given). */
		char *certificate;
		char *key;
		/* Owned; the name clients check, absolute with its final dot;
		 * NULL: dns.<zone>. The TLSA goes to _<port>._tcp.<it> when it
		 * is in the zone. */
		char *server_name;
		/* TTL of the TLSA, SRV and address records, seconds; a new key
		 * is used twice this after its TLSA is published. */
		uint32_t tlsa_ttl;
		/* Seconds a session ticket resumes its session; the key that
		 * seals tickets is replaced as often (RFC 8446 4.6.1: at most
		 * a week). */
		uint32_t ticket_lifetime;
	} tls;

	struct {
		gw_endpoint_t *listen; /* owned; listen_count entries; 0: no listener */
		size_t listen_count;
		/* owned; host_count names (lowercase, no final dot) the status
		 * page and its JSON answer to in Host:, besides IP literals and
		 * localhost (a defence against DNS rebinding) */
		char **hosts;
		size_t host_count;
		gw_acl_t allow;           /* who may connect; entries with a key are ignored */
		uint32_t max_connections; /* open HTTP connections at once, every listener */
		/* Of them, held by one client address; 0: automatic (half of
		 * max_connections, at least 1). */
		uint32_t max_per_client;
		uint64_t timeout_ms; /* an idle connection is closed after this */
	} metrics;

	/* push: DNS Stateful Operations and DNS Push (gateway/push). */
	struct {
		bool enable;
		bool plain_tcp;              /* on plain TCP too: tests and trusted networks only */
		uint64_t inactivity_ms;      /* announced inactivity timeout */
		uint64_t keepalive_ms;       /* announced keepalive interval */
		uint64_t retry_delay_ms;     /* RETRY DELAY of a refused session */
		uint32_t max_sessions;       /* DSO sessions at once */
		uint32_t max_subscriptions;  /* subscriptions at once */
		uint32_t max_per_connection; /* subscriptions of one connection */
	} push;

	struct {
		bool enable;  /* the control socket (dnssd-gatewayctl) */
		char *socket; /* owned; NULL: $RUNTIME_DIRECTORY/control.sock, else
		                 /run/dnssd-gateway/control.sock */
	} control;

	mdns_link_config_t *links; /* owned; link_count entries; 0 = every multicast interface */
	size_t link_count;

	struct {
		bool enable; /* false: serve the saved mirror state, browse no link */
		bool ipv4, ipv6;
		uint32_t ttl_cap; /* seconds (from the duration, rounded down, >= 1) */
		uint64_t batch_window_ms, warmup_ms, link_grace_ms;
		bool drop_private;
		/* Owned; subtype_count names "<_x>._sub.<_svc>.<_tcp|_udp>" (relative,
		 * lowercase, no final dot, e.g. "_printer._sub._http._tcp") to browse
		 * besides the plain types. */
		char **subtypes;
		size_t subtype_count;
		struct {
			uint32_t services_per_link, records_per_name, txt_size, changes_per_second;
			uint32_t services_per_host, services_per_address; /* 0: automatic */
		} limits;
	} mdns;
} gw_config_t;

/* One problem found while loading. */
typedef struct gw_config_error {
	char *text;    /* "FILE:LINE:COL: KEY: problem; fix" (no newline). Owned. */
	unsigned line; /* 1-based; 0 when the problem is the file itself */
	unsigned col;  /* 1-based; 0 with line 0 */
} gw_config_error_t;

/* The problems of one load, sorted by position in the file. */
typedef struct gw_config_errors {
	gw_config_error_t *items; /* owned; count entries */
	size_t count;
	size_t omitted; /* further problems found past GW_CONFIG_ERRORS_MAX */
} gw_config_errors_t;

/* Caller owns the storage of errs; init before a load, deinit after. */
void gw_config_errors_init(gw_config_errors_t *errs);
void gw_config_errors_deinit(gw_config_errors_t *errs);

/* The built-in configuration (no -c): domain home.arpa., listen 0.0.0.0@53
 * and ::@53, state in /var/lib/dnssd-gateway, log level info, and the
 * defaults of every other key (docs/configuration.md). On success *out owns
 * a new config (free with gw_config_free). Returns GW_OK or GW_ENOMEM. */
int gw_config_default(gw_config_t **out);

/* The index in cfg->links of the link name names (its interface, or its
 * subdomain without case), or -1: how zones[].links and policy rules
 * refer to links. */
int gw_config_link_index(const gw_config_t *cfg, const char *name);

/* Append a reverse zone the daemon made at start (gateway/reverse) to
 * cfg->zones: apex (apex_len octets, wire) and its text, its records
 * (rr_count zone-file lines, copied), reverse.file for its apex, the
 * top-level dnssec and transfer, state in <state-dir>/zones/<apex>/.
 * It is neither printed nor compared by a reload. GW_OK, GW_ENOMEM,
 * GW_ELIMIT (GW_CONFIG_ZONES_MAX zones already), GW_EEXIST (a zone of that
 * name or above or under it is served already). */
int gw_config_add_reverse_zone(gw_config_t *cfg, const uint8_t *apex, size_t apex_len,
                               const char *apex_str, const char *const *rrs, size_t rr_count);

/* Load and validate the YAML file at path. Keys missing from the file take
 * their defaults, except zone.domain (or zones:), which a file must give.
 * Returns GW_OK and sets *out (caller owns it), GW_ECONFIG when the file is
 * missing, unreadable, too large or invalid, or GW_ENOMEM. On GW_ECONFIG
 * every problem found is appended to errs; with errs NULL each is logged with
 * gw_err() instead. *out is untouched on error. A file that holds TSIG
 * secrets itself (tsig-keys with secret:) must not be open to group or
 * others, as a key file (file:) must not, but for 0640 owned by root
 * (cfg->secret_group_file); GW_ECONFIG otherwise. */
int gw_config_load(gw_config_t **out, const char *path, gw_config_errors_t *errs);

/* As gw_config_load(), from a regular file only: a FIFO, a device or a
 * directory is refused, checked on the open file (no window between a
 * check and the open) and without waiting for a FIFO's writer. For a
 * reload, which reads on the loop. GW_ENOTFILE then (its problem appended
 * to errs, as GW_ECONFIG's are), else as gw_config_load(). */
int gw_config_load_regular(gw_config_t **out, const char *path, gw_config_errors_t *errs);

/* As gw_config_load(), from len bytes at data (need not be NUL-terminated);
 * name stands for the file in messages and in cfg->source. */
int gw_config_parse(gw_config_t **out, const char *name, const char *data, size_t len,
                    gw_config_errors_t *errs);

/* Accepts NULL. */
void gw_config_free(gw_config_t *cfg);

/* Whether the daemon, running with group gid, may be given cfg's TSIG
 * secrets: GW_OK when no file shares them with a group or when that
 * group is gid; GW_EPERM otherwise, with one line in err that names the
 * file, both groups and the fix. A file shared with another group is
 * open to its members, and the daemon's user may not read it on a
 * reload. */
int gw_config_secret_group_check(const gw_config_t *cfg, gid_t gid, char *err, size_t errlen);

/* Write the effective configuration as YAML that gw_config_load() accepts
 * and that gives the same values (for --check-config -v). Returns GW_OK or
 * GW_EIO. */
int gw_config_print(const gw_config_t *cfg, FILE *fp);

/* ---- reloading (gateway/config/diff.c) ---------------------------------- */

#define GW_CONFIG_CHANGES_MAX 128 /* keys of the schema table, with room */

/* One key whose value differs between two configurations. */
typedef struct gw_config_change {
	char key[96]; /* dotted, as docs/configuration.md names it: "mdns.limits.txt-size" */
	bool live;    /* a reload applies it; false: it takes a restart */
} gw_config_change_t;

/* What a reload would change, in the order of the schema table. */
typedef struct gw_config_diff {
	gw_config_change_t items[GW_CONFIG_CHANGES_MAX];
	size_t count;
	size_t restart; /* of count, those that take a restart */
} gw_config_diff_t;

/* The keys whose values differ between cur (in force) and next, each
 * classified live or restart (docs/configuration.md, Reloading). A TSIG
 * key file counts as changed when the secret it gave changed. Both are
 * borrowed for the call. GW_OK or GW_ENOMEM. */
int gw_config_diff(const gw_config_t *cur, const gw_config_t *next, gw_config_diff_t *out);

/* True when key ("links") is among the changes of d. */
bool gw_config_diff_has(const gw_config_diff_t *d, const char *key);

/* The keys of d that are live (or, with live false, that take a restart)
 * as "a, b, c" into buf (len octets, NUL-terminated, cut when short).
 * Returns how many there are. */
size_t gw_config_diff_list(const gw_config_diff_t *d, bool live, char *buf, size_t len);

/* Give every key of d that takes a restart its value of cur again in next
 * (copied: next owns it), so that next is the configuration in force
 * after a reload: the new live values, the running values of the rest.
 * GW_OK, GW_ENOMEM (next partly changed: free it), GW_EINVAL (a key of a
 * type that cannot be copied is not marked live: a schema mistake). */
int gw_config_keep_restart(gw_config_t *next, const gw_config_t *cur, const gw_config_diff_t *d);

/* Name of a TSIG algorithm as ldns and zone files spell it
 * ("hmac-sha256."), static. */
const char *gw_config_tsig_alg_name(gw_tsig_alg_t alg);

/* "192.0.2.1@53", "[2001:db8::1]@53" into buf of size len, NUL-terminated.
 * Returns GW_OK, GW_EINVAL for an unknown family, or GW_ESPACE. */
int gw_config_endpoint_format(const gw_endpoint_t *ep, char *buf, size_t len);
