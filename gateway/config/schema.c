/* The schema table: every key of the configuration file is one row, with
 * its type, where its value goes in gw_config_t, its default and its
 * range. libcyaml's schema, the defaults, the checks, the printed form and
 * the freeing all walk this table, so a new key is one row here plus its
 * field in gw_config_t (docs/configuration.md describes it for users). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

/* Where a value goes: its offset and size in gw_config_t. */
#define AT(member)                                                                                 \
	.field = offsetof(gw_config_t, member), .size = sizeof(((gw_config_t *)NULL)->member)
/* A list and its entry count. */
#define LIST_AT(member, count_member) AT(member), .count = offsetof(gw_config_t, count_member)
/* Text of one default, or of several. */
#define WORDS(...)                                                                                 \
	.words = (const char *const[])                                                             \
	{                                                                                          \
		__VA_ARGS__, NULL                                                                  \
	}

#define DAY_MS          86400000ULL
#define VALIDITY_MAX_MS (3660 * DAY_MS) /* BIND's limit; far below 2^31 s */

static const cfg_key_t g_zone_keys[] = {
    {"domain", &g_type_domain, CFG_REQUIRED, WORDS("home.arpa.")},
    {"file", &g_type_path, CFG_NULL, AT(zone.file)},
    {.name = NULL},
};

static const cfg_key_t g_log_keys[] = {
    {"level", &g_type_level, CFG_LIVE, AT(log.level), .def = GW_LOG_INFO},
    {.name = NULL},
};

static const cfg_key_t g_server_keys[] = {
    /* 1232: DNS flag day 2020, no IP fragmentation */
    {"udp-payload", &g_type_uint, 0, AT(server.udp_payload), .def = 1232,
     .min = GW_CONFIG_UDP_PAYLOAD_MIN, .max = GW_CONFIG_UDP_PAYLOAD_MAX,
     .note = " (1232 avoids IP fragmentation)"},
    {"tcp-idle-timeout", &g_type_duration, 0, AT(server.tcp_idle_timeout_ms), .def = 10000,
     .min = GW_CONFIG_TCP_IDLE_MIN_MS, .max = GW_CONFIG_TCP_IDLE_MAX_MS,
     .note = " (RFC 7766 suggests seconds, e.g. 10s)", .example = "10s"},
    {"tcp-max-connections", &g_type_uint, 0, AT(server.tcp_max_connections), .def = 256, .min = 1,
     .max = GW_CONFIG_TCP_CONNECTIONS_MAX},
    {"tcp-max-pipelined", &g_type_uint, 0, AT(server.tcp_max_pipelined), .def = 32, .min = 1,
     .max = GW_CONFIG_TCP_PIPELINED_MAX},
    {"tcp-message-timeout", &g_type_duration, 0, AT(server.tcp_message_timeout_ms), .def = 5000,
     .min = GW_CONFIG_TCP_MESSAGE_MIN_MS, .max = GW_CONFIG_TCP_MESSAGE_MAX_MS, .example = "5s"},
    {"tcp-max-per-client", &g_type_uint, 0, AT(server.tcp_max_per_client), .def = 0, .min = 0,
     .max = GW_CONFIG_TCP_CONNECTIONS_MAX, .note = " (0: automatic)"},
    {.name = NULL},
};

static const cfg_key_t g_transfer_keys[] = {
    {"allow", &g_type_allow, CFG_LIVE, AT(transfer.allow), .max = GW_CONFIG_ACL_MAX,
     WORDS("127.0.0.1", "::1")},
    {"notify", &g_type_notify, CFG_LIVE, LIST_AT(transfer.notify, transfer.notify_count),
     .max = GW_CONFIG_NOTIFY_MAX},
    {"journal-size", &g_type_size, 0, AT(transfer.journal_size), .def = 16ULL << 20,
     .min = GW_CONFIG_JOURNAL_SIZE_MIN, .max = GW_CONFIG_JOURNAL_SIZE_MAX},
    {"journal-entries", &g_type_uint, 0, AT(transfer.journal_entries), .def = 1000,
     .max = GW_CONFIG_JOURNAL_ENTRIES_MAX,
     .note = " (0 keeps no journal: IXFR is answered with the whole zone)"},
    /* gateway/journal/journal.h, GW_JOURNAL_BACKGROUND_MIN, says why 32M */
    {"journal-background-size", &g_type_size, 0, AT(transfer.journal_background_size),
     .def = 32ULL << 20, .min = 0, .max = GW_CONFIG_JOURNAL_SIZE_MAX,
     .note = " (the zone's copy from which a child process rewrites the journal; 0: always)"},
    {.name = NULL},
};

/* Response rate limiting (gateway/query/rrl.h); rate 0 turns it off. */
static const cfg_key_t g_rate_limit_keys[] = {
    /* 20: as Knot; no resolver asks one name that often, it caches */
    {"rate", &g_type_uint, CFG_LIVE, AT(rate_limit.rate), .def = 20, .max = GW_CONFIG_RRL_RATE_MAX,
     .note = " responses per second per name and client prefix (0: no limit)"},
    {"slip", &g_type_uint, CFG_LIVE, AT(rate_limit.slip), .def = 2, .max = GW_CONFIG_RRL_SLIP_MAX,
     .note = " (every Nth limited response is sent truncated; 0: none, 1: all)"},
    {"ipv4-prefix", &g_type_uint, CFG_LIVE, AT(rate_limit.ipv4_prefix), .def = 24, .min = 1,
     .max = 32},
    {"ipv6-prefix", &g_type_uint, CFG_LIVE, AT(rate_limit.ipv6_prefix), .def = 56, .min = 1,
     .max = 128},
    {"table-size", &g_type_uint, CFG_LIVE, AT(rate_limit.table_size), .def = 65536,
     .min = GW_CONFIG_RRL_TABLE_MIN, .max = GW_CONFIG_RRL_TABLE_MAX,
     .note = " buckets (rounded up to a power of two)"},
    {"whitelist", &g_type_allow, CFG_LIVE, AT(rate_limit.whitelist), .max = GW_CONFIG_ACL_MAX},
    {.name = NULL},
};

/* DNS cookies (RFC 7873, RFC 9018 server cookies). */
static const cfg_key_t g_cookies_keys[] = {
    {"enable", &g_type_bool, CFG_LIVE, AT(cookies.enable), .def = true},
    {.name = NULL},
};

/* The Prometheus metrics over HTTP (gateway/http); off without listen. */
static const cfg_key_t g_metrics_keys[] = {
    {"listen", &g_type_listen, 0, LIST_AT(metrics.listen, metrics.listen_count),
     .max = GW_CONFIG_METRICS_LISTEN_MAX},
    {"hosts", &g_type_hosts, CFG_LIVE, LIST_AT(metrics.hosts, metrics.host_count),
     .max = GW_CONFIG_METRICS_HOSTS_MAX},
    {"allow", &g_type_allow, CFG_LIVE, AT(metrics.allow), .max = GW_CONFIG_ACL_MAX,
     WORDS("127.0.0.0/8", "::1")},
    {"max-connections", &g_type_uint, 0, AT(metrics.max_connections), .def = 16, .min = 1,
     .max = GW_CONFIG_METRICS_CONNECTIONS_MAX},
    {"max-per-client", &g_type_uint, 0, AT(metrics.max_per_client), .def = 0, .min = 0,
     .max = GW_CONFIG_METRICS_CONNECTIONS_MAX, .note = " (0: automatic)"},
    {"timeout", &g_type_duration, 0, AT(metrics.timeout_ms), .def = 10000,
     .min = GW_CONFIG_METRICS_TIMEOUT_MIN_MS, .max = GW_CONFIG_METRICS_TIMEOUT_MAX_MS,
     .note = " (e.g. 10s)", .example = "10s"},
    {.name = NULL},
};

/* DSO and DNS Push (gateway/push, docs/push.md). */
static const cfg_key_t g_push_keys[] = {
    {"enable", &g_type_bool, 0, AT(push.enable), .def = false},
    {"plain-tcp", &g_type_bool, 0, AT(push.plain_tcp), .def = false,
     .note = " (tests and trusted networks only: RFC 8765 requires TLS)"},
    {"inactivity-timeout", &g_type_duration, 0, AT(push.inactivity_ms), .def = 15000,
     .min = GW_CONFIG_PUSH_INACTIVITY_MIN_MS, .max = GW_CONFIG_PUSH_TIMEOUT_MAX_MS,
     .note = " (RFC 8490 suggests 15s)", .example = "15s"},
    {"keepalive-interval", &g_type_duration, 0, AT(push.keepalive_ms), .def = 15000,
     .min = GW_CONFIG_PUSH_KEEPALIVE_MIN_MS, .max = GW_CONFIG_PUSH_TIMEOUT_MAX_MS,
     .note = " (RFC 8490: at least 10s)", .example = "15s"},
    {"retry-delay", &g_type_duration, 0, AT(push.retry_delay_ms), .def = 60000, .min = 1000,
     .max = GW_CONFIG_PUSH_TIMEOUT_MAX_MS, .example = "60s"},
    {"max-sessions", &g_type_uint, 0, AT(push.max_sessions), .def = 1000, .min = 1,
     .max = GW_CONFIG_PUSH_SESSIONS_MAX},
    {"max-subscriptions", &g_type_uint, 0, AT(push.max_subscriptions), .def = 20000, .min = 1,
     .max = GW_CONFIG_PUSH_SUBS_MAX},
    {"max-subscriptions-per-connection", &g_type_uint, 0, AT(push.max_per_connection), .def = 100,
     .min = 1, .max = GW_CONFIG_PUSH_SUBS_MAX},
    {.name = NULL},
};

/* DNS over TLS and DANE (docs/tls.md); off without listen. */
static const cfg_key_t g_tls_keys[] = {
    {"listen", &g_type_listen, 0, LIST_AT(tls.listen, tls.listen_count),
     .max = GW_CONFIG_TLS_LISTEN_MAX},
    {"certificate", &g_type_path, CFG_NULL, AT(tls.certificate)},
    {"key", &g_type_path, CFG_NULL, AT(tls.key)},
    {"server-name", &g_type_text, CFG_NULL, AT(tls.server_name), .len = GW_CONFIG_NAME_STR_MAX - 1,
     .after = check_tls},
    /* 3600: an hour; a key rollover then takes two */
    {"tlsa-ttl", &g_type_uint, 0, AT(tls.tlsa_ttl), .def = 3600, .min = 1,
     .max = GW_CONFIG_TLSA_TTL_MAX, .note = " seconds (a new key waits twice this)"},
    /* 3600: an hour; RFC 8446 4.6.1 allows at most a week */
    {"ticket-lifetime", &g_type_uint, 0, AT(tls.ticket_lifetime), .def = 3600, .min = 1,
     .max = GW_CONFIG_TICKET_LIFETIME_MAX,
     .note = " seconds (the ticket key is replaced as often)"},
    {.name = NULL},
};

/* The control socket (gateway/control/socket.h, dnssd-gatewayctl). */
static const cfg_key_t g_control_keys[] = {
    {"enable", &g_type_bool, 0, AT(control.enable), .def = true},
    {"socket", &g_type_path, CFG_NULL, AT(control.socket), .after = check_control_socket},
    {.name = NULL},
};

/* Each entry of tsig-keys and of links: read by their list type. */
static const cfg_key_t g_tsig_key_keys[] = {
    {"name", &g_type_text, CFG_REQUIRED, .len = GW_CONFIG_NAME_STR_MAX - 1},
    {"algorithm", &g_type_text, 0, .len = WORD_TEXT_MAX},
    {"secret", &g_type_text, 0, .len = SECRET_TEXT_MAX},
    {"file", &g_type_text, 0, .len = GW_CONFIG_PATH_MAX},
    {.name = NULL},
};

static const cfg_key_t g_link_keys[] = {
    {"interface", &g_type_text, CFG_REQUIRED, .len = IFNAME_TEXT_MAX},
    {"subdomain", &g_type_text, 0, .len = GW_CONFIG_NAME_STR_MAX - 1},
    {"browse-domains", &g_type_entry_list, 0, .len = GW_CONFIG_NAME_STR_MAX - 1,
     .max = MDNS_BROWSE_MAX},
    {.name = NULL},
};

#define LIFETIME_MAX_MS (36500 * DAY_MS)

static const cfg_key_t g_policy_keys[] = {
    {"zsk-lifetime", &g_type_duration, 0, AT(dnssec.policy.zsk_lifetime_ms), .max = LIFETIME_MAX_MS,
     .note = " (e.g. 90d; 0: the ZSK never rolls by itself)"},
    {"ksk-lifetime", &g_type_duration, 0, AT(dnssec.policy.ksk_lifetime_ms), .max = LIFETIME_MAX_MS,
     .note = " (e.g. 365d; 0: never)"},
    {"csk-lifetime", &g_type_duration, 0, AT(dnssec.policy.csk_lifetime_ms), .max = LIFETIME_MAX_MS,
     .note = " (e.g. 365d; 0: never)"},
    /* Knot's default: an hour for a change to reach every secondary */
    {"propagation-delay", &g_type_duration, 0, AT(dnssec.policy.propagation_delay_ms),
     .def = 3600000, .max = 30 * DAY_MS, .note = " (e.g. 1h)"},
    {"parent-ds-ttl", &g_type_uint, 0, AT(dnssec.policy.parent_ds_ttl), .def = 86400,
     .max = 30 * 86400, .note = " seconds (e.g. 86400)"},
    {"parent-propagation-delay", &g_type_duration, 0, AT(dnssec.policy.parent_propagation_delay_ms),
     .def = 3600000, .max = 30 * DAY_MS, .note = " (e.g. 1h)"},
    /* RFC 5011 4: 30 days; 0 when no resolver follows the KSK by RFC 5011 */
    {"rfc5011-hold-down", &g_type_duration, 0, AT(dnssec.policy.hold_down_ms), .max = 365 * DAY_MS,
     .note = " (e.g. 30d; 0: no RFC 5011 resolvers)"},
    /* none: the DS is confirmed by hand (dnssd-gatewayctl ds-seen) */
    {"ds-check", &g_type_listen, 0, LIST_AT(dnssec.policy.ds_check, dnssec.policy.ds_check_count),
     .max = GW_CONFIG_DS_CHECK_MAX},
    {"ds-check-interval", &g_type_duration, 0, AT(dnssec.policy.ds_check_interval_ms), .def = 60000,
     .min = 1000, .max = DAY_MS, .note = " (e.g. 1m)"},
    {.name = NULL},
};

static const cfg_key_t g_dnssec_keys[] = {
    {"enable", &g_type_bool, 0, AT(dnssec.enable), .def = true},
    /* ECDSAP256SHA256: small keys and signatures */
    {"algorithm", &g_type_algorithm, 0, AT(dnssec.algorithm), .def = 13},
    {"keys", &g_type_choice, 0, AT(dnssec.split_keys), WORDS("csk", "ksk-zsk"),
     .note = "write csk (one key signs everything) or ksk-zsk (a key-signing key for the "
             "DNSKEY set, a zone-signing key for the rest)"},
    {"rsa-bits", &g_type_uint, 0, AT(dnssec.rsa_bits), .def = 2048, .min = GW_CONFIG_RSA_BITS_MIN,
     .max = GW_CONFIG_RSA_BITS_MAX, .note = " (RFC 8624: at least 2048 bits)"},
    {"denial", &g_type_choice, 0, AT(dnssec.nsec3), WORDS("nsec", "nsec3"),
     .note = "write nsec (the default; the zone is public anyway) or nsec3"},
    {"signature-validity", &g_type_duration, 0, AT(dnssec.validity_ms), .def = 14 * DAY_MS,
     .min = GW_CONFIG_VALIDITY_MIN_MS, .max = VALIDITY_MAX_MS, .note = " (e.g. 14d)"},
    {"refresh", &g_type_duration, 0, AT(dnssec.refresh_ms), .def = 7 * DAY_MS, .min = 1000,
     .max = VALIDITY_MAX_MS, .note = ", shorter than signature-validity (e.g. 7d)"},
    {"jitter", &g_type_duration, 0, AT(dnssec.jitter_ms), .def = DAY_MS, .max = VALIDITY_MAX_MS,
     .note = ", shorter than signature-validity minus refresh (e.g. 1d)"},
    /* 1h: the clock skew of validators */
    {"inception-offset", &g_type_duration, 0, AT(dnssec.inception_offset_ms), .def = 3600000,
     .max = GW_CONFIG_INCEPTION_MAX_MS, .note = " (e.g. 1h)", .after = check_signature_times},
    {"dnskey-ttl", &g_type_uint, 0, AT(dnssec.dnskey_ttl), .def = 3600, .min = 1,
     .max = GW_CONFIG_DNSKEY_TTL_MAX, .note = " seconds (e.g. 3600)"},
    {"sign-threads", &g_type_uint, 0, AT(dnssec.sign_threads), .max = GW_CONFIG_SIGN_THREADS_MAX,
     .note = " (0 starts one per CPU)"},
    {"import", &g_type_import, 0, LIST_AT(dnssec.import, dnssec.import_count),
     .max = GW_CONFIG_IMPORT_MAX},
    {"policy", &g_type_map, 0, .keys = g_policy_keys},
    {.name = NULL},
};

/* Each rule of a zone's policy (read by policy.c). */
static const cfg_key_t g_rule_keys[] = {
    {"action", &g_type_text, CFG_REQUIRED, .len = WORD_TEXT_MAX},
    {"type", &g_type_text, 0, .len = PATTERN_TEXT_MAX},
    {"instance", &g_type_text, 0, .len = PATTERN_TEXT_MAX},
    {"host", &g_type_text, 0, .len = PATTERN_TEXT_MAX},
    {"link", &g_type_text, 0, .len = PATTERN_TEXT_MAX},
    {.name = NULL},
};

static const cfg_key_t g_zone_policy_keys[] = {
    {"default", &g_type_text, 0, .len = WORD_TEXT_MAX},
    {"rules", &g_type_entry_maps, 0, .max = GW_CONFIG_POLICY_RULES_MAX, .keys = g_rule_keys},
    {.name = NULL},
};

/* Each entry of zones: (read by zones.c). Its dnssec: and transfer: are
 * the top-level sections' keys, checked on a copy of those. */
static const cfg_key_t g_zones_entry_keys[] = {
    {"domain", &g_type_text, CFG_REQUIRED, .len = GW_CONFIG_NAME_STR_MAX - 1},
    {"file", &g_type_text, CFG_NULL, .len = GW_CONFIG_PATH_MAX},
    {"links", &g_type_entry_list, 0, .max = GW_CONFIG_LINKS_MAX, .len = PATTERN_TEXT_MAX},
    {"policy", &g_type_map, 0, .keys = g_zone_policy_keys},
    {"dnssec", &g_type_map, 0, .keys = g_dnssec_keys},
    {"transfer", &g_type_map, 0, .keys = g_transfer_keys},
    {.name = NULL},
};

/* Reverse zones of the links' prefixes (gateway/reverse). */
static const cfg_key_t g_reverse_keys[] = {
    {"enable", &g_type_bool, 0, AT(reverse.enable), .def = false, .after = check_reverse},
    {"prefixes", &g_type_prefixes, 0, LIST_AT(reverse.prefixes, reverse.prefix_count),
     .max = GW_CONFIG_REVERSE_PREFIXES_MAX},
    {"file", &g_type_path, CFG_NULL, AT(reverse.file)},
    {.name = NULL},
};

static const cfg_key_t g_limits_keys[] = {
    {"services-per-link", &g_type_uint, CFG_LIVE, AT(mdns.limits.services_per_link), .def = 1000,
     .min = 1, .max = GW_CONFIG_SERVICES_PER_LINK_MAX, .note = " service instances per link"},
    {"records-per-name", &g_type_uint, CFG_LIVE, AT(mdns.limits.records_per_name), .def = 32,
     .min = 1, .max = GW_CONFIG_RECORDS_PER_NAME_MAX, .note = " records per name and type"},
    {"txt-size", &g_type_uint, CFG_LIVE, AT(mdns.limits.txt_size), .def = 1300, .min = 1,
     .max = GW_CONFIG_TXT_SIZE_MAX, .note = " octets (mDNS packets hold about 1300 on Ethernet)"},
    {"changes-per-second", &g_type_uint, CFG_LIVE, AT(mdns.limits.changes_per_second), .def = 200,
     .min = 1, .max = GW_CONFIG_CHANGES_PER_SEC_MAX, .note = " changes per second and link"},
    /* 0: the larger of 64 and an eighth of services-per-link (docs/mdns.md) */
    {"services-per-host", &g_type_uint, CFG_LIVE, AT(mdns.limits.services_per_host),
     .max = GW_CONFIG_SERVICES_PER_LINK_MAX,
     .note = " service instances per SRV target host and link (0: automatic)"},
    {"services-per-address", &g_type_uint, CFG_LIVE, AT(mdns.limits.services_per_address),
     .max = GW_CONFIG_SERVICES_PER_LINK_MAX,
     .note = " service instances per host address and link (0: automatic)"},
    {.name = NULL},
};

static const cfg_key_t g_mdns_keys[] = {
    {"enable", &g_type_bool, 0, AT(mdns.enable), .def = true},
    {"ipv4", &g_type_bool, 0, AT(mdns.ipv4), .def = true},
    {"ipv6", &g_type_bool, 0, AT(mdns.ipv6), .def = true, .after = check_address_families},
    /* 10s: RFC 8766 section 5.5.1 */
    {"ttl-cap", &g_type_seconds, CFG_LIVE, AT(mdns.ttl_cap), .def = 10000, .min = 1000,
     .max = GW_CONFIG_TTL_CAP_MAX * 1000ULL, .note = " (RFC 8766 section 5.5.1 suggests 10s)",
     .after = check_ttl_cap},
    {"batch-window", &g_type_duration, CFG_LIVE, AT(mdns.batch_window_ms), .def = 50,
     .max = GW_CONFIG_BATCH_WINDOW_MAX_MS, .note = " (e.g. 50ms)"},
    {"warm-up", &g_type_duration, CFG_LIVE, AT(mdns.warmup_ms), .def = 5000,
     .max = GW_CONFIG_WARMUP_MAX_MS, .note = " (e.g. 5s)"},
    {"link-grace", &g_type_duration, CFG_LIVE, AT(mdns.link_grace_ms), .def = 30000,
     .max = GW_CONFIG_LINK_GRACE_MAX_MS, .note = " (e.g. 30s)"},
    {"drop-private", &g_type_bool, CFG_LIVE, AT(mdns.drop_private)},
    /* Printer subtypes that AirPrint and IPP Everywhere clients browse
     * for; plain type browsing does not see them. */
    {"subtypes", &g_type_subtypes, CFG_LIVE, LIST_AT(mdns.subtypes, mdns.subtype_count),
     .max = GW_CONFIG_SUBTYPES_MAX,
     WORDS("_universal._sub._ipp._tcp", "_print._sub._ipp._tcp", "_cups._sub._ipp._tcp",
           "_universal._sub._ipps._tcp", "_printer._sub._http._tcp")},
    {"limits", &g_type_map, 0, .keys = g_limits_keys},
    {.name = NULL},
};

const cfg_key_t g_config_keys[] = {
    /* zone: or zones: (check_zone_forms) */
    {"zone", &g_type_zone, 0, .keys = g_zone_keys},
    {"listen", &g_type_listen, 0, LIST_AT(listen, listen_count), .min = 1,
     .max = GW_CONFIG_LISTEN_MAX, WORDS("0.0.0.0@53", "[::]@53")},
    {"ports-file", &g_type_path, CFG_NULL, AT(ports_file)},
    {"state-dir", &g_type_path, 0, AT(state_dir), WORDS("/var/lib/dnssd-gateway")},
    /* null: dnssd-gateway when started as root (gateway/system/privileges.h) */
    {"user", &g_type_text, CFG_NULL, AT(user), .len = GW_CONFIG_USER_MAX},
    {"group", &g_type_text, CFG_NULL, AT(group), .len = GW_CONFIG_USER_MAX},
    {"log", &g_type_map, 0, .keys = g_log_keys},
    {"server", &g_type_map, 0, .keys = g_server_keys},
    {"identity", &g_type_text, CFG_NULL, AT(identity), .len = GW_CONFIG_TEXT_MAX},
    {"version", &g_type_text, CFG_NULL, AT(version), .len = GW_CONFIG_TEXT_MAX},
    {"transfer", &g_type_map, 0, .keys = g_transfer_keys},
    /* before transfer: its entries name keys */
    {"tsig-keys", &g_type_tsig_keys, CFG_BEFORE_PREV | CFG_LIVE, LIST_AT(tsig_keys, tsig_key_count),
     .max = GW_CONFIG_TSIG_KEYS_MAX, .keys = g_tsig_key_keys},
    {"rate-limit", &g_type_map, 0, .keys = g_rate_limit_keys},
    {"cookies", &g_type_map, 0, .keys = g_cookies_keys},
    {"dnssec", &g_type_map, 0, .keys = g_dnssec_keys},
    {"links", &g_type_links, CFG_LIVE, LIST_AT(links, link_count), .max = GW_CONFIG_LINKS_MAX,
     .keys = g_link_keys},
    /* after state-dir, transfer, dnssec and links: a zone's state
     * directory, sections and links come from them */
    {"zones", &g_type_zones, 0, LIST_AT(zones, zone_count), .min = 1, .max = GW_CONFIG_ZONES_MAX,
     .keys = g_zones_entry_keys, .after = check_zone_forms},
    {"reverse", &g_type_map, 0, .keys = g_reverse_keys},
    {"mdns", &g_type_map, 0, .keys = g_mdns_keys},
    {"tls", &g_type_map, 0, .keys = g_tls_keys},
    {"metrics", &g_type_map, 0, .keys = g_metrics_keys},
    {"control", &g_type_map, 0, .keys = g_control_keys},
    {"push", &g_type_map, 0, .keys = g_push_keys},
    {.name = NULL},
};

size_t key_index(const cfg_key_t *keys, const char *name)
{
	size_t i = 0;
	while (keys[i].name != NULL && strcmp(keys[i].name, name) != 0)
		i++;
	return i;
}

size_t key_order(const cfg_key_t *keys, size_t *order)
{
	size_t n = 0;
	for (size_t i = 0; keys[i].name != NULL; i++) {
		if (keys[i + 1].name != NULL && (keys[i + 1].flags & CFG_BEFORE_PREV)) {
			order[n++] = i + 1;
			order[n++] = i;
			i++;
		} else {
			order[n++] = i;
		}
	}
	return n;
}

/* ---- libcyaml's schema -------------------------------------------------- */

static const cyaml_schema_field_t *build_fields(cy_schema_t *s, const cfg_key_t *keys);

static cyaml_schema_value_t *build_entry(cy_schema_t *s, const cfg_key_t *key, unsigned len)
{
	cyaml_schema_value_t *e = &s->entries[s->entry_count++];
	if (key->type->shape == SHAPE_LIST_MAP)
		*e = (cyaml_schema_value_t){
		    .type = CYAML_MAPPING,
		    .flags = CYAML_FLAG_DEFAULT,
		    .data_size = sizeof(raw_map_t),
		    .mapping.fields = build_fields(s, key->keys),
		};
	else
		*e = (cyaml_schema_value_t){
		    .type = CYAML_STRING,
		    .flags = CYAML_FLAG_POINTER,
		    .data_size = sizeof(char),
		    .string = {.min = 1, .max = len},
		};
	return e;
}

static void build_field(cy_schema_t *s, cyaml_schema_field_t *f, const cfg_key_t *key, size_t i)
{
	unsigned len = key->len != 0 ? key->len : key->type->len;
	enum cyaml_flag flags = CYAML_FLAG_POINTER;

	if (!(key->flags & CFG_REQUIRED))
		flags |= CYAML_FLAG_OPTIONAL;
	if (key->flags & CFG_NULL)
		flags |= CYAML_FLAG_POINTER_NULL_STR;
	f->key = key->name;
	f->data_offset = (uint32_t)(offsetof(raw_map_t, v) + i * sizeof(void *));
	switch (key->type->shape) {
	case SHAPE_TEXT:
		f->value = (cyaml_schema_value_t){.type = CYAML_STRING,
		                                  .flags = flags,
		                                  .data_size = sizeof(char *),
		                                  .string = {.min = 1, .max = len}};
		break;
	case SHAPE_UINT:
		f->value = (cyaml_schema_value_t){
		    .type = CYAML_UINT, .flags = flags, .data_size = sizeof(uint64_t)};
		break;
	case SHAPE_MAP:
		f->value = (cyaml_schema_value_t){.type = CYAML_MAPPING,
		                                  .flags = flags,
		                                  .data_size = sizeof(raw_map_t),
		                                  .mapping.fields = build_fields(s, key->keys)};
		break;
	case SHAPE_LIST:
	case SHAPE_LIST_MAP:
		f->count_offset = (uint32_t)(offsetof(raw_map_t, n) + i * sizeof(unsigned));
		f->count_size = sizeof(unsigned);
		f->value = (cyaml_schema_value_t){
		    .type = CYAML_SEQUENCE,
		    .flags = flags,
		    .data_size =
		        key->type->shape == SHAPE_LIST ? sizeof(char *) : sizeof(raw_map_t),
		    .sequence = {.entry = build_entry(s, key, len),
		                 .min = (unsigned)key->min,
		                 .max = (unsigned)key->max},
		};
		break;
	}
}

/* A mapping's fields take one block (and its end marker), reserved before
 * the fields below them are built. */
static const cyaml_schema_field_t *build_fields(cy_schema_t *s, const cfg_key_t *keys)
{
	size_t n = 0;
	while (keys[n].name != NULL)
		n++;
	if (n > FIELDS_MAX || s->field_count + n + 1 > SCHEMA_MAX || s->entry_count >= SCHEMA_MAX)
		abort(); /* the table outgrew the limits above: a build-time mistake */
	cyaml_schema_field_t *block = &s->fields[s->field_count];
	s->field_count += n + 1;
	memset(block, 0, (n + 1) * sizeof(*block));
	for (size_t i = 0; i < n; i++)
		build_field(s, &block[i], &keys[i], i);
	return block;
}

void schema_build(cy_schema_t *s)
{
	memset(s, 0, sizeof(*s));
	s->top = (cyaml_schema_value_t){
	    .type = CYAML_MAPPING,
	    .flags = CYAML_FLAG_POINTER,
	    .data_size = sizeof(raw_map_t),
	};
	s->top.mapping.fields = build_fields(s, g_config_keys);
}

/* ---- walking the table -------------------------------------------------- */

void schema_check_map(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *keys,
                      const raw_map_t *raw, const char *path)
{
	size_t order[FIELDS_MAX];
	size_t n = key_order(keys, order);

	for (size_t o = 0; o < n; o++) {
		const cfg_key_t *key = &keys[order[o]];
		char child[PLACE_PATH_MAX];
		path_join(child, path, key->name);
		if (key->type->check != NULL && place_find(ctx, child) != NULL)
			key->type->check(ctx, cfg, key, child, raw->v[order[o]], raw->n[order[o]]);
		if (key->after != NULL)
			key->after(ctx, cfg);
	}
}

static int defaults_map(gw_config_t *cfg, const cfg_key_t *keys)
{
	for (const cfg_key_t *key = keys; key->name != NULL; key++) {
		int ret = key->type->set_default != NULL ? key->type->set_default(cfg, key) : GW_OK;
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

void schema_print_map(FILE *fp, const gw_config_t *cfg, const cfg_key_t *keys, int indent)
{
	size_t order[FIELDS_MAX];
	size_t n = key_order(keys, order);

	for (size_t o = 0; o < n; o++) {
		const cfg_key_t *key = &keys[order[o]];
		if (key->type->print != NULL)
			key->type->print(fp, cfg, key, indent);
	}
}

static void free_map(gw_config_t *cfg, const cfg_key_t *keys)
{
	for (const cfg_key_t *key = keys; key->name != NULL; key++) {
		if (key->type->free != NULL)
			key->type->free(cfg, key);
	}
}

static void check_mapping(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                          void *value, unsigned count)
{
	(void)count;
	if (value != NULL)
		schema_check_map(ctx, cfg, key->keys, value, path);
}

static int default_mapping(gw_config_t *cfg, const cfg_key_t *key)
{
	return defaults_map(cfg, key->keys);
}

static void print_mapping(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s:\n", indent, "", key->name);
	schema_print_map(fp, cfg, key->keys, indent + 2);
}

static void free_mapping(gw_config_t *cfg, const cfg_key_t *key)
{
	free_map(cfg, key->keys);
}

/* A mapping of the keys in cfg_key_t.keys. */
const cfg_type_t g_type_map =
    CFG_TYPE(SHAPE_MAP, 0, check_mapping, default_mapping, print_mapping, free_mapping, NULL);

/* zone: prints only in the one-zone form: the file gives zone: or zones:,
 * never both. */
static void print_zone(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	if (!cfg->zone_list)
		print_mapping(fp, cfg, key, indent);
}

const cfg_type_t g_type_zone =
    CFG_TYPE(SHAPE_MAP, 0, check_mapping, default_mapping, print_zone, free_mapping, NULL);

int schema_defaults(gw_config_t *cfg)
{
	return defaults_map(cfg, g_config_keys);
}

void schema_check(load_ctx_t *ctx, gw_config_t *cfg, const raw_map_t *raw)
{
	schema_check_map(ctx, cfg, g_config_keys, raw, "");
}

void schema_print(const gw_config_t *cfg, FILE *fp)
{
	schema_print_map(fp, cfg, g_config_keys, 0);
}

void schema_free(gw_config_t *cfg)
{
	free_map(cfg, g_config_keys);
}
