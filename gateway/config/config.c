#include "gateway/config/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cyaml/cyaml.h>
#include <ldns/ldns.h>
#include <yaml.h>

#include "common/error.h"
#include "gateway/config/base64.h"
#include "gateway/config/duration.h"

/* ---- the schema --------------------------------------------------------- */

/* What libcyaml fills in. Every member is a pointer so that "absent" stays
 * distinguishable from any value; defaults are applied afterwards. */
struct raw_zone {
	char *domain;
	char *file;
};

struct raw_log {
	char *level;
};

struct raw_server {
	uint64_t *udp_payload; /* 64 bits so that range errors are ours, with a hint */
	char *tcp_idle_timeout;
	uint64_t *tcp_max_connections;
	uint64_t *tcp_max_pipelined;
};

struct raw_transfer {
	char **allow;
	unsigned allow_count;
	char **notify;
	unsigned notify_count;
	char *journal_size;
	uint64_t *journal_entries;
};

struct raw_tsig_key {
	char *name;
	char *algorithm;
	char *secret;
	char *file;
};

/* Booleans are read as text: libcyaml takes every word but a few false ones
 * for true, so "flase" would turn a feature on. */
struct raw_dnssec {
	char *enable;
	char *algorithm;
	char *keys;
	uint64_t *rsa_bits;
	char *denial;
	char *signature_validity;
	char *refresh;
	char *jitter;
	char *inception_offset;
	uint64_t *dnskey_ttl;
	uint64_t *sign_threads;
	char **import;
	unsigned import_count;
};

struct raw_link {
	char *interface;
	char *subdomain;
};

struct raw_limits {
	uint64_t *services_per_link;
	uint64_t *records_per_name;
	uint64_t *txt_size;
	uint64_t *changes_per_second;
};

struct raw_mdns {
	char *enable;
	char *ipv4;
	char *ipv6;
	char *ttl_cap;
	char *batch_window;
	char *warm_up;
	char *link_grace;
	char *drop_private;
	char **subtypes;
	unsigned subtypes_count;
	struct raw_limits *limits;
};

struct raw_config {
	struct raw_zone *zone;
	char **listen;
	unsigned listen_count;
	char *ports_file;
	char *state_dir;
	struct raw_log *log;
	struct raw_server *server;
	char *identity;
	char *version;
	struct raw_transfer *transfer;
	struct raw_tsig_key *tsig_keys;
	unsigned tsig_keys_count;
	struct raw_dnssec *dnssec;
	struct raw_link *links;
	unsigned links_count;
	struct raw_mdns *mdns;
};

#define ADDR_TEXT_MAX     64 /* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]@65535" fits */
#define DURATION_TEXT_MAX 32
#define LEVEL_TEXT_MAX    16
#define WORD_TEXT_MAX     32  /* true, ecdsap256sha256, ksk-zsk, ... */
#define IFNAME_TEXT_MAX   255 /* longer than IFNAMSIZ, so that the check is ours */
/* "ADDR/LEN key NAME" */
#define ACL_TEXT_MAX    (ADDR_TEXT_MAX + 8 + GW_CONFIG_NAME_STR_MAX)
#define SECRET_TEXT_MAX 1024 /* base64 of GW_CONFIG_TSIG_SECRET_MAX octets, with room */

static const cyaml_schema_value_t g_addr_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, ADDR_TEXT_MAX),
};

static const cyaml_schema_field_t g_zone_fields[] = {
    CYAML_FIELD_STRING_PTR("domain", CYAML_FLAG_DEFAULT, struct raw_zone, domain, 1,
                           GW_CONFIG_NAME_STR_MAX - 1),
    CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL_STR,
                           struct raw_zone, file, 1, GW_CONFIG_PATH_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_log_fields[] = {
    CYAML_FIELD_STRING_PTR("level", CYAML_FLAG_OPTIONAL, struct raw_log, level, 1, LEVEL_TEXT_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_server_fields[] = {
    CYAML_FIELD_UINT_PTR("udp-payload", CYAML_FLAG_OPTIONAL, struct raw_server, udp_payload),
    CYAML_FIELD_STRING_PTR("tcp-idle-timeout", CYAML_FLAG_OPTIONAL, struct raw_server,
                           tcp_idle_timeout, 1, DURATION_TEXT_MAX),
    CYAML_FIELD_UINT_PTR("tcp-max-connections", CYAML_FLAG_OPTIONAL, struct raw_server,
                         tcp_max_connections),
    CYAML_FIELD_UINT_PTR("tcp-max-pipelined", CYAML_FLAG_OPTIONAL, struct raw_server,
                         tcp_max_pipelined),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t g_acl_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, ACL_TEXT_MAX),
};

static const cyaml_schema_field_t g_transfer_fields[] = {
    CYAML_FIELD_SEQUENCE_COUNT("allow", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_transfer, allow, allow_count, &g_acl_entry, 0,
                               GW_CONFIG_ACL_MAX),
    CYAML_FIELD_SEQUENCE_COUNT("notify", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_transfer, notify, notify_count, &g_acl_entry, 0,
                               GW_CONFIG_NOTIFY_MAX),
    CYAML_FIELD_STRING_PTR("journal-size", CYAML_FLAG_OPTIONAL, struct raw_transfer, journal_size,
                           1, DURATION_TEXT_MAX),
    CYAML_FIELD_UINT_PTR("journal-entries", CYAML_FLAG_OPTIONAL, struct raw_transfer,
                         journal_entries),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_tsig_key_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_DEFAULT, struct raw_tsig_key, name, 1,
                           GW_CONFIG_NAME_STR_MAX - 1),
    CYAML_FIELD_STRING_PTR("algorithm", CYAML_FLAG_OPTIONAL, struct raw_tsig_key, algorithm, 1,
                           WORD_TEXT_MAX),
    CYAML_FIELD_STRING_PTR("secret", CYAML_FLAG_OPTIONAL, struct raw_tsig_key, secret, 1,
                           SECRET_TEXT_MAX),
    CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_OPTIONAL, struct raw_tsig_key, file, 1,
                           GW_CONFIG_PATH_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t g_tsig_key_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_tsig_key, g_tsig_key_fields),
};

static const cyaml_schema_value_t g_path_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, GW_CONFIG_PATH_MAX),
};

static const cyaml_schema_value_t g_name_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, GW_CONFIG_NAME_STR_MAX - 1),
};

#define WORD_FIELD(key, type, member)                                                              \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_OPTIONAL, type, member, 1, WORD_TEXT_MAX)
#define DURATION_FIELD(key, type, member)                                                          \
	CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_OPTIONAL, type, member, 1, DURATION_TEXT_MAX)

static const cyaml_schema_field_t g_dnssec_fields[] = {
    WORD_FIELD("enable", struct raw_dnssec, enable),
    WORD_FIELD("algorithm", struct raw_dnssec, algorithm),
    WORD_FIELD("keys", struct raw_dnssec, keys),
    CYAML_FIELD_UINT_PTR("rsa-bits", CYAML_FLAG_OPTIONAL, struct raw_dnssec, rsa_bits),
    WORD_FIELD("denial", struct raw_dnssec, denial),
    DURATION_FIELD("signature-validity", struct raw_dnssec, signature_validity),
    DURATION_FIELD("refresh", struct raw_dnssec, refresh),
    DURATION_FIELD("jitter", struct raw_dnssec, jitter),
    DURATION_FIELD("inception-offset", struct raw_dnssec, inception_offset),
    CYAML_FIELD_UINT_PTR("dnskey-ttl", CYAML_FLAG_OPTIONAL, struct raw_dnssec, dnskey_ttl),
    CYAML_FIELD_UINT_PTR("sign-threads", CYAML_FLAG_OPTIONAL, struct raw_dnssec, sign_threads),
    CYAML_FIELD_SEQUENCE_COUNT("import", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_dnssec, import, import_count, &g_path_entry, 0,
                               GW_CONFIG_IMPORT_MAX),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_link_fields[] = {
    CYAML_FIELD_STRING_PTR("interface", CYAML_FLAG_DEFAULT, struct raw_link, interface, 1,
                           IFNAME_TEXT_MAX),
    CYAML_FIELD_STRING_PTR("subdomain", CYAML_FLAG_OPTIONAL, struct raw_link, subdomain, 1,
                           GW_CONFIG_NAME_STR_MAX - 1),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t g_link_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_link, g_link_fields),
};

static const cyaml_schema_field_t g_limits_fields[] = {
    CYAML_FIELD_UINT_PTR("services-per-link", CYAML_FLAG_OPTIONAL, struct raw_limits,
                         services_per_link),
    CYAML_FIELD_UINT_PTR("records-per-name", CYAML_FLAG_OPTIONAL, struct raw_limits,
                         records_per_name),
    CYAML_FIELD_UINT_PTR("txt-size", CYAML_FLAG_OPTIONAL, struct raw_limits, txt_size),
    CYAML_FIELD_UINT_PTR("changes-per-second", CYAML_FLAG_OPTIONAL, struct raw_limits,
                         changes_per_second),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_mdns_fields[] = {
    WORD_FIELD("enable", struct raw_mdns, enable),
    WORD_FIELD("ipv4", struct raw_mdns, ipv4),
    WORD_FIELD("ipv6", struct raw_mdns, ipv6),
    DURATION_FIELD("ttl-cap", struct raw_mdns, ttl_cap),
    DURATION_FIELD("batch-window", struct raw_mdns, batch_window),
    DURATION_FIELD("warm-up", struct raw_mdns, warm_up),
    DURATION_FIELD("link-grace", struct raw_mdns, link_grace),
    WORD_FIELD("drop-private", struct raw_mdns, drop_private),
    CYAML_FIELD_SEQUENCE_COUNT("subtypes", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_mdns, subtypes, subtypes_count, &g_name_entry, 0,
                               GW_CONFIG_SUBTYPES_MAX),
    CYAML_FIELD_MAPPING_PTR("limits", CYAML_FLAG_OPTIONAL, struct raw_mdns, limits,
                            g_limits_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t g_top_fields[] = {
    CYAML_FIELD_MAPPING_PTR("zone", CYAML_FLAG_DEFAULT, struct raw_config, zone, g_zone_fields),
    CYAML_FIELD_SEQUENCE_COUNT("listen", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_config, listen, listen_count, &g_addr_entry, 1,
                               GW_CONFIG_LISTEN_MAX),
    CYAML_FIELD_STRING_PTR("ports-file", CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL_STR,
                           struct raw_config, ports_file, 1, GW_CONFIG_PATH_MAX),
    CYAML_FIELD_STRING_PTR("state-dir", CYAML_FLAG_OPTIONAL, struct raw_config, state_dir, 1,
                           GW_CONFIG_PATH_MAX),
    CYAML_FIELD_MAPPING_PTR("log", CYAML_FLAG_OPTIONAL, struct raw_config, log, g_log_fields),
    CYAML_FIELD_MAPPING_PTR("server", CYAML_FLAG_OPTIONAL, struct raw_config, server,
                            g_server_fields),
    CYAML_FIELD_STRING_PTR("identity", CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL_STR,
                           struct raw_config, identity, 1, GW_CONFIG_TEXT_MAX),
    CYAML_FIELD_STRING_PTR("version", CYAML_FLAG_OPTIONAL | CYAML_FLAG_POINTER_NULL_STR,
                           struct raw_config, version, 1, GW_CONFIG_TEXT_MAX),
    CYAML_FIELD_MAPPING_PTR("transfer", CYAML_FLAG_OPTIONAL, struct raw_config, transfer,
                            g_transfer_fields),
    CYAML_FIELD_SEQUENCE_COUNT("tsig-keys", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
                               struct raw_config, tsig_keys, tsig_keys_count, &g_tsig_key_entry, 0,
                               GW_CONFIG_TSIG_KEYS_MAX),
    CYAML_FIELD_MAPPING_PTR("dnssec", CYAML_FLAG_OPTIONAL, struct raw_config, dnssec,
                            g_dnssec_fields),
    CYAML_FIELD_SEQUENCE_COUNT("links", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_config,
                               links, links_count, &g_link_entry, 0, GW_CONFIG_LINKS_MAX),
    CYAML_FIELD_MAPPING_PTR("mdns", CYAML_FLAG_OPTIONAL, struct raw_config, mdns, g_mdns_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t g_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_config, g_top_fields),
};

/* walk_mapping() keeps one slot per field of a mapping. */
#define FIELDS_MAX        32
#define FIELDS_FIT(table) (CYAML_ARRAY_LEN(table) - 1 <= FIELDS_MAX)
_Static_assert(FIELDS_FIT(g_zone_fields) && FIELDS_FIT(g_log_fields) &&
                   FIELDS_FIT(g_server_fields) && FIELDS_FIT(g_transfer_fields) &&
                   FIELDS_FIT(g_tsig_key_fields) && FIELDS_FIT(g_dnssec_fields) &&
                   FIELDS_FIT(g_link_fields) && FIELDS_FIT(g_limits_fields) &&
                   FIELDS_FIT(g_mdns_fields) && FIELDS_FIT(g_top_fields),
               "a mapping has more fields than walk_mapping() tracks");

/* ---- defaults ----------------------------------------------------------- */

#define DEFAULT_DOMAIN          "home.arpa."
#define DEFAULT_STATE_DIR       "/var/lib/dnssd-gateway"
#define DEFAULT_PORT            53
#define DEFAULT_UDP_PAYLOAD     1232 /* DNS flag day 2020: no IP fragmentation */
#define DEFAULT_TCP_IDLE_MS     10000
#define DEFAULT_TCP_CONNECTIONS 256
#define DEFAULT_TCP_PIPELINED   32
static const char *const g_default_listen[] = {"0.0.0.0@53", "[::]@53"};
static const char *const g_default_allow[] = {"127.0.0.1", "::1"};

#define DEFAULT_ALGORITHM         13 /* ECDSAP256SHA256: small keys and signatures */
#define DEFAULT_RSA_BITS          2048
#define DEFAULT_VALIDITY_MS       (14 * 86400000ULL)
#define DEFAULT_REFRESH_MS        (7 * 86400000ULL)
#define DEFAULT_JITTER_MS         86400000ULL
#define DEFAULT_INCEPTION_MS      3600000ULL /* clock skew of validators */
#define DEFAULT_DNSKEY_TTL        3600
#define DEFAULT_TTL_CAP           10 /* RFC 8766 section 5.5.1 */
#define DEFAULT_BATCH_WINDOW_MS   50
#define DEFAULT_WARMUP_MS         5000
#define DEFAULT_LINK_GRACE_MS     30000
#define DEFAULT_SERVICES_PER_LINK 1000
#define DEFAULT_RECORDS_PER_NAME  32
#define DEFAULT_TXT_SIZE          1300
#define DEFAULT_CHANGES_PER_SEC   200
#define DEFAULT_JOURNAL_SIZE      (16ULL << 20)
#define DEFAULT_JOURNAL_ENTRIES   1000
/* Printer subtypes that AirPrint and IPP Everywhere clients browse for;
 * plain type browsing does not see them. */
static const char *const g_default_subtypes[] = {
    "_universal._sub._ipp._tcp",  "_print._sub._ipp._tcp",    "_cups._sub._ipp._tcp",
    "_universal._sub._ipps._tcp", "_printer._sub._http._tcp",
};

/* DNSSEC algorithm mnemonics (RFC 8624 section 3.1) and their numbers. */
static const struct {
	const char *name;
	uint8_t number;
} g_algorithms[] = {
    {"rsasha256", 8},
    {"ecdsap256sha256", 13},
    {"ed25519", 15},
};

static const char *const g_level_names[] = {"error", "warning", "notice", "info", "debug"};

/* TSIG algorithms: the configuration's word and the name on the wire
 * (RFC 8945 section 6), in gw_tsig_alg_t order. */
static const struct {
	const char *word;
	const char *wire;
} g_tsig_algs[] = {
    {"hmac-sha256", "hmac-sha256."},
    {"hmac-sha384", "hmac-sha384."},
    {"hmac-sha512", "hmac-sha512."},
    {"hmac-sha1", "hmac-sha1."},
};

/* ---- problem list ------------------------------------------------------- */

void gw_config_errors_init(gw_config_errors_t *errs)
{
	memset(errs, 0, sizeof(*errs));
}

void gw_config_errors_deinit(gw_config_errors_t *errs)
{
	if (errs == NULL)
		return;
	for (size_t i = 0; i < errs->count; i++)
		free(errs->items[i].text);
	free(errs->items);
	memset(errs, 0, sizeof(*errs));
}

/* Where the problems of one load go. */
typedef struct sink {
	gw_config_errors_t *errs;
	size_t base; /* first item of this load; sorting stays within this load */
	const char *name;
	bool failed;
	bool oom;
} sink_t;

#define MESSAGE_MAX 2048

/* True when no further problem will be kept: callers skip the work of
 * composing it, and it is only counted. */
static bool sink_full(sink_t *s)
{
	if (s->errs->count - s->base < GW_CONFIG_ERRORS_MAX)
		return false;
	s->failed = true;
	s->errs->omitted++;
	return true;
}

static void sink_vadd(sink_t *s, unsigned line, unsigned col, const char *fmt, va_list ap)
{
	gw_config_errors_t *e = s->errs;
	char msg[MESSAGE_MAX];
	int n;

	/* A file of a million unknown keys must not cost a million messages. */
	if (sink_full(s))
		return;
	s->failed = true;
	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%u:%u: ", s->name, line, col);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", s->name);
	if (n < 0 || (size_t)n >= sizeof(msg) / 2)
		n = 0; /* an absurdly long file name: keep the message itself */
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);

	gw_config_error_t *items = realloc(e->items, (e->count + 1) * sizeof(*items));
	if (items == NULL) {
		s->oom = true;
		e->omitted++;
		return;
	}
	e->items = items;
	char *text = strdup(msg);
	if (text == NULL) {
		s->oom = true;
		e->omitted++;
		return;
	}
	/* Insertion sort by position: problems are found schema-first, read
	 * file-first. Equal positions keep the order they were found in. */
	size_t i = e->count;
	while (i > s->base && (items[i - 1].line > line ||
	                       (items[i - 1].line == line && items[i - 1].col > col))) {
		items[i] = items[i - 1];
		i--;
	}
	items[i] = (gw_config_error_t){.text = text, .line = line, .col = col};
	e->count++;
}

static void sink_add(sink_t *s, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void sink_add(sink_t *s, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sink_vadd(s, line, col, fmt, ap);
	va_end(ap);
}

static void sink_add_mark(sink_t *s, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* libyaml counts lines and columns from 0; editors from 1. */
static void sink_add_mark(sink_t *s, const yaml_mark_t *mark, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sink_vadd(s, (unsigned)mark->line + 1, (unsigned)mark->column + 1, fmt, ap);
	va_end(ap);
}

static void log_errors(const gw_config_errors_t *errs)
{
	for (size_t i = 0; i < errs->count; i++)
		gw_err("%s", errs->items[i].text);
	if (errs->omitted > 0)
		gw_err("%zu more configuration problems not shown", errs->omitted);
}

#define QUOTE_MAX 64

/* User text inside a message: bounded, one line, control bytes escaped. */
static const char *quote(char *buf, size_t len, const char *text, size_t text_len)
{
	size_t o = 0;
	for (size_t i = 0; i < text_len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (o + 8 >= len || i >= QUOTE_MAX) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

#define QBUF (QUOTE_MAX * 4 + 8)

/* ---- where things are in the file --------------------------------------- */

#define PLACE_PATH_MAX 96
#define CY_LINES_MAX   16
#define CY_LINE_MAX    256

/* A value seen in the document: its dotted path ("server.udp-payload",
 * "listen[1]"), its node (for line, column and raw text) and its schema.
 * libcyaml 1.3 only knows the position of the event it last read, which
 * for a missing or unknown key is another key's value, so positions come
 * from this index instead. */
typedef struct place {
	char path[PLACE_PATH_MAX];
	const yaml_node_t *node;
	const cyaml_schema_value_t *schema;
} place_t;

typedef struct load_ctx {
	sink_t sink;
	yaml_document_t doc;
	bool have_doc;
	place_t *places;
	size_t place_count;
	size_t place_cap;
	/* libcyaml's log lines of the current load, newest last. */
	char cy_lines[CY_LINES_MAX][CY_LINE_MAX];
	size_t cy_count;
} load_ctx_t;

static const place_t *place_find(const load_ctx_t *ctx, const char *path)
{
	for (size_t i = 0; i < ctx->place_count; i++) {
		if (strcmp(ctx->places[i].path, path) == 0)
			return &ctx->places[i];
	}
	return NULL;
}

static bool place_add(load_ctx_t *ctx, const char *path, const yaml_node_t *node,
                      const cyaml_schema_value_t *schema)
{
	if (ctx->place_count == ctx->place_cap) {
		size_t cap = ctx->place_cap == 0 ? 64 : ctx->place_cap * 2;
		place_t *p = realloc(ctx->places, cap * sizeof(*p));
		if (p == NULL) {
			ctx->sink.oom = true;
			return false;
		}
		ctx->places = p;
		ctx->place_cap = cap;
	}
	place_t *p = &ctx->places[ctx->place_count++];
	snprintf(p->path, sizeof(p->path), "%s", path);
	p->node = node;
	p->schema = schema;
	return true;
}

/* A problem with the value at path: reported at the value, prefixed with
 * the path. Values not in the file (defaults) are never reported on. */
static void report_at(load_ctx_t *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report_at(load_ctx_t *ctx, const char *path, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	const place_t *p = place_find(ctx, path);
	if (p != NULL)
		sink_add_mark(&ctx->sink, &p->node->start_mark, "%s: %s", path, msg);
	else
		sink_add(&ctx->sink, 0, 0, "%s: %s", path, msg);
}

static const char *node_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A plain empty, "~" or "null" scalar: YAML's null, as libcyaml reads it
 * for CYAML_FLAG_POINTER_NULL_STR. */
static bool node_is_null(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = node_text(node);
	size_t len = node->data.scalar.length;
	return len == 0 || (len == 1 && v[0] == '~') ||
	       (len == 4 && (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 ||
	                     memcmp(v, "NULL", 4) == 0));
}

static const char *node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SCALAR_NODE:
		return node_is_null(node) ? "an empty value" : "a single value";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* Last component of a path, for hints: "udp-payload" from "server.udp-payload". */
static const char *path_key(const char *path)
{
	const char *dot = strrchr(path, '.');
	return dot != NULL ? dot + 1 : path;
}

static void path_join(char *out, const char *parent, const char *key)
{
	if (parent[0] == '\0')
		snprintf(out, PLACE_PATH_MAX, "%s", key);
	else
		snprintf(out, PLACE_PATH_MAX, "%s.%s", parent, key);
}

static size_t edit_distance(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	size_t row[33];

	if (alen > 32 || blen > 32)
		return SIZE_MAX;
	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[blen];
}

static void walk_value(load_ctx_t *ctx, const char *path, const yaml_node_t *node,
                       const cyaml_schema_value_t *schema, const yaml_mark_t *key_mark);

static void report_unknown_key(load_ctx_t *ctx, const char *parent, const yaml_node_t *key,
                               const cyaml_schema_field_t *fields)
{
	char allowed[512] = "";
	char q[QBUF];
	const char *guess = NULL;
	size_t guess_dist = 3; /* only suggest near misses */
	size_t o = 0;

	if (sink_full(&ctx->sink))
		return;
	for (const cyaml_schema_field_t *f = fields; f->key != NULL; f++) {
		int n =
		    snprintf(allowed + o, sizeof(allowed) - o, "%s%s", o > 0 ? ", " : "", f->key);
		if (n > 0 && (size_t)n < sizeof(allowed) - o)
			o += (size_t)n;
		size_t d = edit_distance(node_text(key), key->data.scalar.length, f->key);
		if (d < guess_dist && d < strlen(f->key)) {
			guess = f->key;
			guess_dist = d;
		}
	}
	char where[PLACE_PATH_MAX + 16];
	if (parent[0] == '\0')
		snprintf(where, sizeof(where), "at the top level");
	else
		snprintf(where, sizeof(where), "under %s", parent);
	quote(q, sizeof(q), node_text(key), key->data.scalar.length);
	if (guess != NULL)
		sink_add_mark(&ctx->sink, &key->start_mark,
		              "%s%s%s: unknown key; did you mean '%s'? (keys allowed %s: %s)",
		              parent, parent[0] != '\0' ? "." : "", q, guess, where, allowed);
	else
		sink_add_mark(
		    &ctx->sink, &key->start_mark,
		    "%s%s%s: unknown key; remove it or use one of the keys allowed %s: %s", parent,
		    parent[0] != '\0' ? "." : "", q, where, allowed);
}

/* at: where the mapping's own key is, to report keys missing from it. */
static void walk_mapping(load_ctx_t *ctx, const char *path, const yaml_node_t *node,
                         const cyaml_schema_field_t *fields, const yaml_mark_t *at)
{
	const yaml_node_t *seen[FIELDS_MAX] = {NULL}; /* key per field: duplicates, required */
	size_t nfields = 0;

	while (fields[nfields].key != NULL)
		nfields++;

	for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		const yaml_node_t *key = yaml_document_get_node(&ctx->doc, pair->key);
		const yaml_node_t *value = yaml_document_get_node(&ctx->doc, pair->value);
		if (key == NULL || value == NULL)
			continue;
		if (key->type != YAML_SCALAR_NODE) {
			sink_add_mark(&ctx->sink, &key->start_mark,
			              "%s: a key must be a plain word, found %s; write key: value",
			              path[0] != '\0' ? path : "top level", node_kind(key));
			continue;
		}
		size_t i;
		for (i = 0; i < nfields; i++) {
			if (strlen(fields[i].key) == key->data.scalar.length &&
			    memcmp(fields[i].key, node_text(key), key->data.scalar.length) == 0)
				break;
		}
		if (i == nfields) {
			report_unknown_key(ctx, path, key, fields);
			continue;
		}
		char child[PLACE_PATH_MAX];
		path_join(child, path, fields[i].key);
		if (seen[i] != NULL) {
			sink_add_mark(&ctx->sink, &key->start_mark,
			              "%s: given twice (first on line %zu); keep one", child,
			              seen[i]->start_mark.line + 1);
			continue;
		}
		seen[i] = key;
		walk_value(ctx, child, value, &fields[i].value, &key->start_mark);
	}

	for (size_t i = 0; i < nfields; i++) {
		if (seen[i] != NULL || (fields[i].value.flags & CYAML_FLAG_OPTIONAL))
			continue;
		char child[PLACE_PATH_MAX];
		path_join(child, path, fields[i].key);
		if (path[0] == '\0')
			sink_add_mark(&ctx->sink, at,
			              "%s: required key is missing; add '%s:' at the top level "
			              "(see docs/configuration.md)",
			              child, fields[i].key);
		else if (path[strlen(path) - 1] == ']')
			sink_add_mark(&ctx->sink, at,
			              "%s: required key is missing; add '%s:' to this entry", child,
			              fields[i].key);
		else
			sink_add_mark(&ctx->sink, at,
			              "%s: required key is missing; add '%s:' under '%s:'", child,
			              fields[i].key, path_key(path));
	}
}

static void report_kind(load_ctx_t *ctx, const char *path, const yaml_node_t *node,
                        const char *want, const char *fix)
{
	sink_add_mark(&ctx->sink, &node->start_mark, "%s: expects %s, found %s; %s", path, want,
	              node_kind(node), fix);
}

/* Structure only: kinds of nodes, keys, counts and lengths. Scalar content
 * (numbers) is libcyaml's to judge, values are validate()'s. */
static void walk_value(load_ctx_t *ctx, const char *path, const yaml_node_t *node,
                       const cyaml_schema_value_t *schema, const yaml_mark_t *key_mark)
{
	char fix[256];
	const char *key = path_key(path);
	bool entry = path[strlen(path) - 1] == ']';

	if (!place_add(ctx, path, node, schema))
		return;
	if (node_is_null(node)) {
		if ((schema->flags & CYAML_FLAG_POINTER_NULL) == CYAML_FLAG_POINTER_NULL)
			return;
		if (entry)
			sink_add_mark(&ctx->sink, &node->start_mark,
			              "%s: empty entry; remove it or give a value", path);
		else
			sink_add_mark(&ctx->sink, &node->start_mark,
			              "%s: has no value; give one, or remove the key to use the "
			              "default",
			              path);
		return;
	}

	switch (schema->type) {
	case CYAML_MAPPING:
		if (node->type != YAML_MAPPING_NODE) {
			snprintf(fix, sizeof(fix),
			         "write '%s:' and its keys on the lines below, indented", key);
			report_kind(ctx, path, node, "a mapping of keys", fix);
			return;
		}
		walk_mapping(ctx, path, node, schema->mapping.fields, key_mark);
		return;
	case CYAML_SEQUENCE:
	case CYAML_SEQUENCE_FIXED: {
		if (node->type != YAML_SEQUENCE_NODE) {
			snprintf(fix, sizeof(fix),
			         "write %s: [\"a\", \"b\"] or one '- a' line per entry", key);
			report_kind(ctx, path, node, "a list", fix);
			return;
		}
		size_t count =
		    (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
		if (count < schema->sequence.min) {
			sink_add_mark(
			    &ctx->sink, &node->start_mark,
			    "%s: has %zu entries, at least %u needed; add entries or remove "
			    "the key to use the default",
			    path, count, schema->sequence.min);
			return;
		}
		if (count > schema->sequence.max) {
			sink_add_mark(&ctx->sink, &node->start_mark,
			              "%s: has %zu entries, at most %u allowed; remove some", path,
			              count, schema->sequence.max);
			return;
		}
		for (size_t i = 0; i < count; i++) {
			const yaml_node_t *item =
			    yaml_document_get_node(&ctx->doc, node->data.sequence.items.start[i]);
			char child[PLACE_PATH_MAX];
			if (item == NULL)
				continue;
			snprintf(child, sizeof(child), "%s[%zu]", path, i);
			walk_value(ctx, child, item, schema->sequence.entry, &item->start_mark);
		}
		return;
	}
	case CYAML_IGNORE:
		return;
	default:
		break;
	}

	/* Every other type is one scalar. */
	if (node->type != YAML_SCALAR_NODE) {
		if (entry)
			snprintf(fix, sizeof(fix), "write each entry of the list as one value");
		else
			snprintf(
			    fix, sizeof(fix),
			    "write one value after '%s:' (quote it if it starts with '[' or '{')",
			    key);
		report_kind(ctx, path, node, "a single value", fix);
		return;
	}
	if (schema->type == CYAML_STRING) {
		size_t len = node->data.scalar.length;
		if (len < schema->string.min)
			sink_add_mark(&ctx->sink, &node->start_mark,
			              "%s: is empty; give a value or remove the %s", path,
			              entry ? "entry" : "key");
		else if (len > schema->string.max)
			sink_add_mark(&ctx->sink, &node->start_mark,
			              "%s: is %zu bytes long, at most %u allowed; shorten it", path,
			              len, schema->string.max);
	}
}

/* ---- libyaml: syntax and the position index ----------------------------- */

/* Reader errors (bad UTF-8, control characters) have an offset, no mark. */
static void offset_to_mark(const char *data, size_t len, size_t offset, yaml_mark_t *mark)
{
	memset(mark, 0, sizeof(*mark));
	for (size_t i = 0; i < offset && i < len; i++) {
		if (data[i] == '\n') {
			mark->line++;
			mark->column = 0;
		} else {
			mark->column++;
		}
	}
}

static int report_syntax(load_ctx_t *ctx, yaml_parser_t *parser, const char *data, size_t len)
{
	yaml_mark_t mark = parser->problem_mark;
	const char *problem = parser->problem != NULL ? parser->problem : "unknown problem";

	switch (parser->error) {
	case YAML_MEMORY_ERROR:
		ctx->sink.oom = true;
		return GW_ENOMEM;
	case YAML_READER_ERROR:
		offset_to_mark(data, len, parser->problem_offset, &mark);
		sink_add_mark(&ctx->sink, &mark,
		              "the file cannot be read as YAML text (%s); save it as UTF-8 without "
		              "control characters",
		              problem);
		return GW_ECONFIG;
	default:
		break;
	}
	if (parser->context != NULL)
		sink_add_mark(
		    &ctx->sink, &mark,
		    "YAML syntax error: %s (%s started on line %zu); check the indentation "
		    "and quote values that contain ': ' or ' #' or start with a special "
		    "character",
		    problem, parser->context, parser->context_mark.line + 1);
	else
		sink_add_mark(&ctx->sink, &mark,
		              "YAML syntax error: %s; check the indentation and quote values that "
		              "contain ': ' or ' #' or start with a special character",
		              problem);
	return GW_ECONFIG;
}

/* libyaml's scanner rechecks every open flow level for each token, so
 * 500 000 nested '[' in a 1 MiB file take hours. Stream the events once and
 * stop at a depth no configuration needs, before building any tree. */
static int check_depth(load_ctx_t *ctx, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned depth = 0;
	int ret = GW_OK;

	if (!yaml_parser_initialize(&parser))
		return GW_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	for (;;) {
		if (!yaml_parser_parse(&parser, &event)) {
			ret = report_syntax(ctx, &parser, data, len);
			break;
		}
		yaml_event_type_t type = event.type;
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > GW_CONFIG_DEPTH_MAX) {
				sink_add_mark(
				    &ctx->sink, &event.start_mark,
				    "lists and mappings are nested more than %d deep here; "
				    "the configuration needs at most 4 levels: check the "
				    "brackets and indentation",
				    GW_CONFIG_DEPTH_MAX);
				ret = GW_ECONFIG;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		yaml_event_delete(&event);
		if (ret != GW_OK || type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&parser);
	return ret;
}

static int load_document(load_ctx_t *ctx, const char *data, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int ret = GW_OK;

	if (!yaml_parser_initialize(&parser))
		return GW_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &ctx->doc)) {
		ret = report_syntax(ctx, &parser, data, len);
		goto out;
	}
	ctx->have_doc = true;

	/* libcyaml reads the first document only; a second one is a mistake
	 * (a stray "---"), not something to ignore silently. */
	if (!yaml_parser_load(&parser, &extra)) {
		ret = report_syntax(ctx, &parser, data, len);
		goto out;
	}
	const yaml_node_t *root = yaml_document_get_root_node(&extra);
	if (root != NULL) {
		sink_add_mark(
		    &ctx->sink, &root->start_mark,
		    "a second YAML document starts here; a configuration is one document: "
		    "remove the '---' line and merge the keys");
		ret = GW_ECONFIG;
	}
	yaml_document_delete(&extra);
out:
	yaml_parser_delete(&parser);
	return ret;
}

static void walk_root(load_ctx_t *ctx)
{
	const yaml_node_t *root = yaml_document_get_root_node(&ctx->doc);

	if (root == NULL) {
		sink_add(&ctx->sink, 1, 1,
		         "the file is empty; it needs at least 'zone: {domain: home.arpa.}' (see "
		         "docs/configuration.md)");
		return;
	}
	if (root->type != YAML_MAPPING_NODE) {
		sink_add_mark(&ctx->sink, &root->start_mark,
		              "the file must be a mapping of keys (zone:, listen:, ...), found %s; "
		              "see docs/configuration.md",
		              node_kind(root));
		return;
	}
	place_add(ctx, "", root, &g_schema);
	walk_mapping(ctx, "", root, g_schema.mapping.fields, &root->start_mark);
}

/* ---- libcyaml ----------------------------------------------------------- */

static void cyaml_capture(cyaml_log_t level, void *vctx, const char *fmt, va_list ap)
{
	load_ctx_t *ctx = vctx;

	if (level < CYAML_LOG_ERROR || ctx->cy_count >= CY_LINES_MAX)
		return;
	char *line = ctx->cy_lines[ctx->cy_count++];
	vsnprintf(line, CY_LINE_MAX, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
}

/* libcyaml's message and backtrace, e.g.
 *     Load: Invalid UINT value: 'abc'
 *     Load: Backtrace:
 *       in mapping field 'udp-payload' (line: 4, column: 16)
 *       in mapping field 'server' (line: 3, column: 1)
 * become one located problem. The backtrace gives the path (innermost
 * first); a sequence entry number there counts from 1 for a value error. */
static void report_cyaml(load_ctx_t *ctx, cyaml_err_t err)
{
	const char *what = NULL;
	char frames[CY_LINES_MAX][PLACE_PATH_MAX];
	size_t nframes = 0;
	unsigned cy_line = 0;
	unsigned cy_col = 0;

	for (size_t i = 0; i < ctx->cy_count; i++) {
		const char *line = ctx->cy_lines[i];
		char name[PLACE_PATH_MAX];
		unsigned n;
		const char *pos = strstr(line, "(line: ");

		if (sscanf(line, " in mapping field '%95[^']'", name) == 1) {
			snprintf(frames[nframes++], PLACE_PATH_MAX, "%s", name);
		} else if (sscanf(line, " in sequence entry '%u'", &n) == 1) {
			snprintf(frames[nframes++], PLACE_PATH_MAX, "[%u]", n > 0 ? n - 1 : 0);
		} else if (strncmp(line, "Load: ", 6) == 0 &&
		           strcmp(line, "Load: Backtrace:") != 0 && what == NULL) {
			what = line + 6;
		}
		if (pos != NULL && cy_line == 0 &&
		    sscanf(pos, "(line: %u, column: %u)", &cy_line, &cy_col) != 2)
			cy_line = cy_col = 0;
	}
	if (what == NULL)
		what = cyaml_strerror(err);

	char path[PLACE_PATH_MAX] = "";
	for (size_t i = nframes; i > 0; i--) {
		size_t o = strlen(path);
		const char *f = frames[i - 1];
		snprintf(path + o, sizeof(path) - o, "%s%s", o > 0 && f[0] != '[' ? "." : "", f);
	}

	const place_t *p = NULL;
	char probe[PLACE_PATH_MAX];
	snprintf(probe, sizeof(probe), "%s", path);
	while ((p = place_find(ctx, probe)) == NULL && probe[0] != '\0') {
		char *cut = probe + strlen(probe);
		while (cut > probe && cut[-1] != '.' && cut[-1] != '[')
			cut--;
		if (cut > probe && cut[-1] == '[')
			cut--;
		if (cut > probe && cut[-1] == '.')
			cut--;
		*cut = '\0';
	}

	char q[QBUF];
	if (p != NULL && p->node->type == YAML_SCALAR_NODE &&
	    (p->schema->type == CYAML_UINT || p->schema->type == CYAML_INT) &&
	    err == CYAML_ERR_INVALID_VALUE) {
		quote(q, sizeof(q), node_text(p->node), p->node->data.scalar.length);
		sink_add_mark(&ctx->sink, &p->node->start_mark,
		              "%s: '%s' is not a whole number, or is too large; write digits only, "
		              "without sign, quotes or units",
		              path, q);
	} else if (p != NULL) {
		sink_add_mark(&ctx->sink, &p->node->start_mark,
		              "%s: %s (libcyaml: %s); check it against docs/configuration.md",
		              path[0] != '\0' ? path : "top level", what, cyaml_strerror(err));
	} else {
		sink_add(&ctx->sink, cy_line, cy_line > 0 ? cy_col : 0,
		         "%s (libcyaml: %s); check the file against docs/configuration.md", what,
		         cyaml_strerror(err));
	}
}

static int load_raw(load_ctx_t *ctx, const char *data, size_t len, struct raw_config **raw)
{
	const cyaml_config_t cy = {
	    .log_fn = cyaml_capture,
	    .log_ctx = ctx,
	    .mem_fn = cyaml_mem,
	    .log_level = CYAML_LOG_ERROR,
	    .flags = CYAML_CFG_DEFAULT,
	};

	ctx->cy_count = 0;
	cyaml_err_t err =
	    cyaml_load_data((const uint8_t *)data, len, &cy, &g_schema, (cyaml_data_t **)raw, NULL);
	if (err == CYAML_OK)
		return GW_OK;
	if (err == CYAML_ERR_OOM)
		return GW_ENOMEM;
	report_cyaml(ctx, err);
	return GW_ECONFIG;
}

static void free_raw(struct raw_config *raw)
{
	const cyaml_config_t cy = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
	if (raw != NULL)
		cyaml_free(&cy, &g_schema, raw, 0);
}

/* ---- value parsers (shared by defaults and validation) ------------------ */

#define WHY_MAX 512

static bool parse_domain(const char *text, gw_config_t *cfg, char *why, size_t why_len)
{
	char q[QBUF];
	size_t len = strlen(text);
	size_t label = 0;

	quote(q, sizeof(q), text, len);
	if (strcmp(text, ".") == 0) {
		snprintf(why, why_len,
		         "the root zone cannot be the gateway's zone; write the gateway's own "
		         "domain, e.g. home.arpa.");
		return false;
	}
	/* Stricter than DNS: the zone is a host-name-like domain. This catches
	 * URLs, "home.arpa:" and stray spaces before ldns would escape them. */
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '.') {
			if (label == 0) {
				snprintf(why, why_len,
				         "'%s' has an empty label; remove the extra dot, e.g. "
				         "home.arpa.",
				         q);
				return false;
			}
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_')) {
			snprintf(
			    why, why_len,
			    "'%s' has the character '%c', not allowed in a domain; use letters, "
			    "digits, '-' and '_' in dot-separated labels, e.g. home.arpa.",
			    q, (c >= 0x20 && c < 0x7f) ? c : '?');
			return false;
		}
		if (++label > 63) {
			snprintf(why, why_len,
			         "'%s' has a label longer than 63 characters; shorten it", q);
			return false;
		}
	}

	ldns_rdf *rdf = ldns_dname_new_frm_str(text);
	if (rdf == NULL || ldns_rdf_size(rdf) > GW_CONFIG_NAME_MAX || !ldns_dname_absolute(rdf)) {
		ldns_rdf_deep_free(rdf);
		snprintf(why, why_len,
		         "'%s' is not a valid domain name (at most 255 octets on the wire); use "
		         "a shorter name",
		         q);
		return false;
	}
	ldns_dname2canonical(rdf);
	char *str = ldns_rdf2str(rdf);
	bool ok = str != NULL && strlen(str) < sizeof(cfg->zone.domain_str);
	if (ok) {
		memcpy(cfg->zone.domain, ldns_rdf_data(rdf), ldns_rdf_size(rdf));
		cfg->zone.domain_len = ldns_rdf_size(rdf);
		snprintf(cfg->zone.domain_str, sizeof(cfg->zone.domain_str), "%s", str);
	} else {
		snprintf(why, why_len, "'%s' could not be converted; use a plain name", q);
	}
	free(str);
	ldns_rdf_deep_free(rdf);
	return ok;
}

/* Decimal digits only: no sign, no 0x, at most max_digits. */
static bool parse_decimal(const char *text, unsigned max_digits, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; text[n] != '\0'; n++) {
		if (text[n] < '0' || text[n] > '9' || n >= max_digits)
			return false;
		v = v * 10 + (unsigned long)(text[n] - '0');
	}
	if (n == 0)
		return false;
	*out = v;
	return true;
}

/* Address part of "ADDR@PORT" or of a prefix into a socket address. IPv6
 * may be bracketed when brackets_ok. */
static int parse_ip(const char *text, size_t len, bool brackets_ok, uint8_t *bytes)
{
	char buf[INET6_ADDRSTRLEN + 2];

	if (brackets_ok && len >= 2 && text[0] == '[' && text[len - 1] == ']') {
		text++;
		len -= 2;
		if (len >= sizeof(buf))
			return AF_UNSPEC;
		memcpy(buf, text, len);
		buf[len] = '\0';
		return inet_pton(AF_INET6, buf, bytes) == 1 ? AF_INET6 : AF_UNSPEC;
	}
	if (len >= sizeof(buf))
		return AF_UNSPEC;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, bytes) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, buf, bytes) == 1)
		return AF_INET6;
	return AF_UNSPEC;
}

static bool parse_endpoint(const char *text, gw_endpoint_t *ep, char *why, size_t why_len)
{
	char q[QBUF];
	uint8_t bytes[16];
	const char *at = strrchr(text, '@');
	size_t alen = at != NULL ? (size_t)(at - text) : strlen(text);
	unsigned long port = DEFAULT_PORT;

	quote(q, sizeof(q), text, strlen(text));
	int family = parse_ip(text, alen, true, bytes);
	if (family == AF_UNSPEC) {
		/* "ADDR:PORT" is the usual slip; offer the corrected form. */
		const char *colon = strrchr(text, ':');
		unsigned long p;
		if (at == NULL && colon != NULL && parse_decimal(colon + 1, 5, &p) &&
		    parse_ip(text, (size_t)(colon - text), true, bytes) != AF_UNSPEC) {
			snprintf(why, why_len, "'%s' is not ADDR@PORT; write e.g. %.*s@%s", q,
			         (int)(colon - text), text, colon + 1);
		} else {
			snprintf(
			    why, why_len,
			    "'%s' is not ADDR@PORT with an IPv4 or IPv6 address (names are not "
			    "resolved); write e.g. 0.0.0.0@53, ::@53 or [2001:db8::1]@53",
			    q);
		}
		return false;
	}
	if (at != NULL && !parse_decimal(at + 1, 5, &port)) {
		snprintf(why, why_len,
		         "'%s' has port '%s', not a number; write a port from 0 to 65535 after '@' "
		         "(0 picks a free port)",
		         q, at + 1);
		return false;
	}
	if (port > 65535) {
		snprintf(why, why_len,
		         "'%s' has port %lu, out of range; use 0 to 65535 (0 picks a free port)", q,
		         port);
		return false;
	}

	memset(ep, 0, sizeof(*ep));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ep->addr;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, bytes, 4);
		ep->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ep->addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, bytes, 16);
		ep->addrlen = sizeof(*sin6);
	}
	return true;
}

static const uint8_t g_v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static void prefix_clear(uint8_t *addr, size_t len, unsigned bits)
{
	for (size_t i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		addr[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

static bool parse_prefix(const char *text, gw_acl_entry_t *e, char *why, size_t why_len)
{
	char q[QBUF];
	const char *slash = strchr(text, '/');
	size_t alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	unsigned long prefix;

	quote(q, sizeof(q), text, strlen(text));
	memset(e, 0, sizeof(*e));
	e->key = -1;
	e->family = parse_ip(text, alen, false, e->addr);
	if (e->family == AF_UNSPEC) {
		snprintf(why, why_len,
		         "'%s' is not an IP address or prefix (names are not resolved); write e.g. "
		         "192.0.2.1, 192.0.2.0/24 or 2001:db8::/32",
		         q);
		return false;
	}
	unsigned max = e->family == AF_INET ? 32 : 128;
	size_t len = e->family == AF_INET ? 4 : 16;
	prefix = max;
	if (slash != NULL && (!parse_decimal(slash + 1, 3, &prefix) || prefix > max)) {
		snprintf(why, why_len, "'%s' has prefix length '%s'; use a number from 0 to %u", q,
		         slash + 1, max);
		return false;
	}

	uint8_t masked[16];
	memcpy(masked, e->addr, len);
	prefix_clear(masked, len, (unsigned)prefix);
	if (memcmp(masked, e->addr, len) != 0) {
		/* Likely a typo for a host or a different network: say which. */
		char net[INET6_ADDRSTRLEN];
		inet_ntop(e->family, masked, net, sizeof(net));
		snprintf(why, why_len,
		         "'%s' has address bits set past the /%lu prefix; write %s/%lu for the "
		         "network, or the address alone for one host",
		         q, prefix, net, prefix);
		return false;
	}
	e->prefix = (uint8_t)prefix;

	if (e->family == AF_INET6 && e->prefix >= 96 && memcmp(e->addr, g_v4mapped, 12) == 0) {
		memmove(e->addr, e->addr + 12, 4);
		memset(e->addr + 4, 0, 12);
		e->family = AF_INET;
		e->prefix -= 96;
	}
	return true;
}

/* ---- building the config ------------------------------------------------ */

static int set_listen_defaults(gw_config_t *cfg)
{
	size_t n = sizeof(g_default_listen) / sizeof(g_default_listen[0]);
	char why[WHY_MAX];

	cfg->listen = calloc(n, sizeof(*cfg->listen));
	if (cfg->listen == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!parse_endpoint(g_default_listen[i], &cfg->listen[i], why, sizeof(why)))
			return GW_ERROR;
	}
	cfg->listen_count = n;
	return GW_OK;
}

static int set_allow_defaults(gw_config_t *cfg)
{
	size_t n = sizeof(g_default_allow) / sizeof(g_default_allow[0]);
	char why[WHY_MAX];
	gw_acl_t *acl = &cfg->transfer.allow;

	acl->entries = calloc(n, sizeof(*acl->entries));
	if (acl->entries == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!parse_prefix(g_default_allow[i], &acl->entries[i], why, sizeof(why)))
			return GW_ERROR;
	}
	acl->count = n;
	return GW_OK;
}

/* A copy of n strings, or NULL for n 0. On failure frees what it made. */
static char **strings_dup(const char *const *src, size_t n)
{
	char **out;

	if (n == 0)
		return NULL;
	out = calloc(n, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(src[i]);
		if (out[i] == NULL) {
			for (size_t j = 0; j < i; j++)
				free(out[j]);
			free(out);
			return NULL;
		}
	}
	return out;
}

static void strings_free(char **list, size_t n)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Append a copy of text to list (*n entries, room for one more) unless it
 * is there already, which is reported at path (shown: its quoted form).
 * Returns false when out of memory (noted in ctx). */
static bool add_unique_string(load_ctx_t *ctx, const char *path, char **list, size_t *n,
                              const char *text, const char *shown)
{
	for (size_t j = 0; j < *n; j++) {
		if (strcmp(list[j], text) == 0) {
			report_at(ctx, path, "'%s' is listed twice; remove one", shown);
			return true;
		}
	}
	list[*n] = strdup(text);
	if (list[*n] == NULL) {
		ctx->sink.oom = true;
		return false;
	}
	(*n)++;
	return true;
}

static void links_free(mdns_link_config_t *links, size_t n)
{
	if (links == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(links[i].interface);
		free(links[i].subdomain);
	}
	free(links);
}

static void tsig_keys_free(gw_tsig_key_config_t *keys, size_t n)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(keys[i].name);
		if (keys[i].secret != NULL)
			memset(keys[i].secret, 0, strlen(keys[i].secret));
		free(keys[i].secret);
		free(keys[i].file);
	}
	free(keys);
}

static int set_mirror_defaults(gw_config_t *cfg)
{
	size_t n = sizeof(g_default_subtypes) / sizeof(g_default_subtypes[0]);

	cfg->dnssec.enable = true;
	cfg->dnssec.algorithm = DEFAULT_ALGORITHM;
	cfg->dnssec.split_keys = false;
	cfg->dnssec.rsa_bits = DEFAULT_RSA_BITS;
	cfg->dnssec.nsec3 = false;
	cfg->dnssec.validity_ms = DEFAULT_VALIDITY_MS;
	cfg->dnssec.refresh_ms = DEFAULT_REFRESH_MS;
	cfg->dnssec.jitter_ms = DEFAULT_JITTER_MS;
	cfg->dnssec.inception_offset_ms = DEFAULT_INCEPTION_MS;
	cfg->dnssec.dnskey_ttl = DEFAULT_DNSKEY_TTL;
	cfg->dnssec.sign_threads = 0;

	cfg->mdns.enable = true;
	cfg->mdns.ipv4 = true;
	cfg->mdns.ipv6 = true;
	cfg->mdns.ttl_cap = DEFAULT_TTL_CAP;
	cfg->mdns.batch_window_ms = DEFAULT_BATCH_WINDOW_MS;
	cfg->mdns.warmup_ms = DEFAULT_WARMUP_MS;
	cfg->mdns.link_grace_ms = DEFAULT_LINK_GRACE_MS;
	cfg->mdns.drop_private = false;
	cfg->mdns.limits.services_per_link = DEFAULT_SERVICES_PER_LINK;
	cfg->mdns.limits.records_per_name = DEFAULT_RECORDS_PER_NAME;
	cfg->mdns.limits.txt_size = DEFAULT_TXT_SIZE;
	cfg->mdns.limits.changes_per_second = DEFAULT_CHANGES_PER_SEC;
	cfg->mdns.subtypes = strings_dup(g_default_subtypes, n);
	if (cfg->mdns.subtypes == NULL)
		return GW_ENOMEM;
	cfg->mdns.subtype_count = n;
	return GW_OK;
}

static int set_defaults(gw_config_t *cfg)
{
	char why[WHY_MAX];
	int ret;

	if (!parse_domain(DEFAULT_DOMAIN, cfg, why, sizeof(why)))
		return GW_ERROR;
	cfg->state_dir = strdup(DEFAULT_STATE_DIR);
	if (cfg->state_dir == NULL)
		return GW_ENOMEM;
	cfg->log.level = GW_LOG_INFO;
	cfg->server.udp_payload = DEFAULT_UDP_PAYLOAD;
	cfg->server.tcp_idle_timeout_ms = DEFAULT_TCP_IDLE_MS;
	cfg->server.tcp_max_connections = DEFAULT_TCP_CONNECTIONS;
	cfg->server.tcp_max_pipelined = DEFAULT_TCP_PIPELINED;
	ret = set_listen_defaults(cfg);
	if (ret != GW_OK)
		return ret;
	ret = set_allow_defaults(cfg);
	if (ret != GW_OK)
		return ret;
	cfg->transfer.journal_size = DEFAULT_JOURNAL_SIZE;
	cfg->transfer.journal_entries = DEFAULT_JOURNAL_ENTRIES;
	return set_mirror_defaults(cfg);
}

int gw_config_default(gw_config_t **out)
{
	gw_config_t *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return GW_ENOMEM;
	int ret = set_defaults(cfg);
	if (ret != GW_OK) {
		gw_config_free(cfg);
		return ret;
	}
	*out = cfg;
	return GW_OK;
}

void gw_config_free(gw_config_t *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->source);
	free(cfg->zone.file);
	free(cfg->listen);
	free(cfg->ports_file);
	free(cfg->state_dir);
	free(cfg->identity);
	free(cfg->version);
	free(cfg->transfer.allow.entries);
	free(cfg->transfer.notify);
	tsig_keys_free(cfg->tsig_keys, cfg->tsig_key_count);
	strings_free(cfg->dnssec.import, cfg->dnssec.import_count);
	links_free(cfg->links, cfg->link_count);
	strings_free(cfg->mdns.subtypes, cfg->mdns.subtype_count);
	free(cfg);
}

/* Replace *dst with a copy of src (NULL stays NULL). */
static bool set_string(load_ctx_t *ctx, char **dst, const char *src)
{
	char *copy = NULL;
	if (src != NULL) {
		copy = strdup(src);
		if (copy == NULL) {
			ctx->sink.oom = true;
			return false;
		}
	}
	free(*dst);
	*dst = copy;
	return true;
}

static void check_path(load_ctx_t *ctx, const char *path, char **dst, const char *text)
{
	if (text == NULL)
		return;
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			report_at(ctx, path,
			          "the path has a control character; write it on one line without "
			          "escapes");
			return;
		}
	}
	set_string(ctx, dst, text);
}

/* The text of an unsigned value as written: libcyaml reads numbers with
 * strtoull(base 0), so "010" would be 8 and "0x10" 16. A configuration
 * means decimal. */
static bool check_decimal(load_ctx_t *ctx, const char *path)
{
	const place_t *p = place_find(ctx, path);
	char q[QBUF];
	if (p == NULL || p->node->type != YAML_SCALAR_NODE)
		return true;
	const char *t = node_text(p->node);
	size_t len = p->node->data.scalar.length;
	bool ok = len > 0 && (len == 1 || t[0] != '0');
	for (size_t i = 0; ok && i < len; i++)
		ok = t[i] >= '0' && t[i] <= '9';
	if (!ok)
		report_at(
		    ctx, path,
		    "'%s' is not a plain decimal number; write digits only, without a leading "
		    "0 or 0x",
		    quote(q, sizeof(q), t, len));
	return ok;
}

static bool check_range(load_ctx_t *ctx, const char *path, const uint64_t *value, uint64_t min,
                        uint64_t max, const char *note)
{
	if (value == NULL || !check_decimal(ctx, path))
		return false;
	if (*value < min || *value > max) {
		report_at(ctx, path, "%llu is out of range; use %llu to %llu%s",
		          (unsigned long long)*value, (unsigned long long)min,
		          (unsigned long long)max, note);
		return false;
	}
	return true;
}

static void check_zone(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_zone *z)
{
	char why[WHY_MAX];
	if (z == NULL)
		return;
	if (z->domain != NULL && !parse_domain(z->domain, cfg, why, sizeof(why)))
		report_at(ctx, "zone.domain", "%s", why);
	check_path(ctx, "zone.file", &cfg->zone.file, z->file);
}

static void check_listen(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_config *raw)
{
	char why[WHY_MAX];
	char path[PLACE_PATH_MAX];
	gw_endpoint_t *eps;
	size_t n = 0;

	if (raw->listen == NULL || raw->listen_count == 0)
		return;
	eps = calloc(raw->listen_count, sizeof(*eps));
	if (eps == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < raw->listen_count; i++) {
		snprintf(path, sizeof(path), "listen[%u]", i);
		if (!parse_endpoint(raw->listen[i], &eps[n], why, sizeof(why))) {
			report_at(ctx, path, "%s", why);
			continue;
		}
		/* Two sockets on one address fail at bind time with EADDRINUSE;
		 * say so here, where the line is known. */
		size_t j;
		for (j = 0; j < n; j++) {
			if (eps[j].addrlen == eps[n].addrlen &&
			    memcmp(&eps[j].addr, &eps[n].addr, eps[n].addrlen) == 0)
				break;
		}
		if (j < n) {
			char q[QBUF];
			report_at(ctx, path, "'%s' is listed twice; remove one",
			          quote(q, sizeof(q), raw->listen[i], strlen(raw->listen[i])));
			continue;
		}
		n++;
	}
	free(cfg->listen);
	cfg->listen = eps;
	cfg->listen_count = n;
}

static void check_server(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_server *s)
{
	char q[QBUF];
	if (s == NULL)
		return;
	if (s->udp_payload != NULL &&
	    check_range(ctx, "server.udp-payload", s->udp_payload, GW_CONFIG_UDP_PAYLOAD_MIN,
	                GW_CONFIG_UDP_PAYLOAD_MAX, " (1232 avoids IP fragmentation)"))
		cfg->server.udp_payload = (uint16_t)*s->udp_payload;
	if (s->tcp_idle_timeout != NULL) {
		uint64_t ms = 0;
		int ret = gw_duration_parse(s->tcp_idle_timeout, &ms);
		quote(q, sizeof(q), s->tcp_idle_timeout, strlen(s->tcp_idle_timeout));
		if (ret != GW_OK)
			report_at(ctx, "server.tcp-idle-timeout",
			          "'%s' is not a duration; write a whole number and a unit (ms, s, "
			          "m, h, d), e.g. 10s",
			          q);
		else if (ms < GW_CONFIG_TCP_IDLE_MIN_MS || ms > GW_CONFIG_TCP_IDLE_MAX_MS)
			report_at(ctx, "server.tcp-idle-timeout",
			          "'%s' is out of range; use 100ms to 1h (RFC 7766 suggests "
			          "seconds, e.g. 10s)",
			          q);
		else
			cfg->server.tcp_idle_timeout_ms = ms;
	}
	if (s->tcp_max_connections != NULL &&
	    check_range(ctx, "server.tcp-max-connections", s->tcp_max_connections, 1,
	                GW_CONFIG_TCP_CONNECTIONS_MAX, ""))
		cfg->server.tcp_max_connections = (uint32_t)*s->tcp_max_connections;
	if (s->tcp_max_pipelined != NULL &&
	    check_range(ctx, "server.tcp-max-pipelined", s->tcp_max_pipelined, 1,
	                GW_CONFIG_TCP_PIPELINED_MAX, ""))
		cfg->server.tcp_max_pipelined = (uint32_t)*s->tcp_max_pipelined;
}

static bool has_control(const char *text);

/* A TSIG key name: a domain name of letters, digits, '-' and '_' (what
 * tsig-keygen and keymgr make), kept absolute and lowercase in out
 * (GW_CONFIG_NAME_STR_MAX bytes). */
static bool parse_key_name(const char *text, char *out, char *why, size_t why_len)
{
	char q[QBUF];
	size_t len = strlen(text);
	size_t label = 0;

	quote(q, sizeof(q), text, len);
	if (strcmp(text, ".") == 0 || len == 0 || len + 2 > GW_CONFIG_NAME_STR_MAX) {
		snprintf(why, why_len,
		         "'%s' is not a key name; write a name such as xfr or xfr.example.", q);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '.') {
			if (label == 0) {
				snprintf(why, why_len,
				         "'%s' has an empty label; remove the extra dot, e.g. "
				         "xfr.example.",
				         q);
				return false;
			}
			label = 0;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '-' || c == '_') {
			if (++label > 63) {
				snprintf(why, why_len,
				         "'%s' has a label longer than 63 characters; shorten it",
				         q);
				return false;
			}
		} else {
			snprintf(
			    why, why_len,
			    "'%s' has the character '%c', not allowed in a key name; use letters, "
			    "digits, '-' and '_' in dot-separated labels, e.g. xfr.example.",
			    q, (c >= 0x20 && c < 0x7f) ? c : '?');
			return false;
		}
	}
	for (size_t i = 0; i < len; i++)
		out[i] = (text[i] >= 'A' && text[i] <= 'Z') ? (char)(text[i] - 'A' + 'a') : text[i];
	out[len] = '\0';
	if (out[len - 1] != '.') {
		out[len] = '.';
		out[len + 1] = '\0';
	}
	return true;
}

/* Index of the key called name (any case, final dot optional), or -1. */
static int find_key(const gw_config_t *cfg, const char *name)
{
	char norm[GW_CONFIG_NAME_STR_MAX];
	char why[WHY_MAX];

	if (!parse_key_name(name, norm, why, sizeof(why)))
		return -1;
	for (size_t i = 0; i < cfg->tsig_key_count; i++) {
		if (strcmp(cfg->tsig_keys[i].name, norm) == 0)
			return (int)i;
	}
	return -1;
}

/* A base64 secret, blanks removed, into a new string; NULL with why set
 * when it is not base64 or empty. */
static char *parse_secret(load_ctx_t *ctx, const char *text, size_t len, char *why, size_t why_len)
{
	uint8_t raw[GW_CONFIG_TSIG_SECRET_MAX];
	int n = gw_base64_decode(text, len, raw, sizeof(raw));
	memset(raw, 0, sizeof(raw));
	if (n == GW_ESPACE) {
		snprintf(why, why_len,
		         "the secret is longer than %d octets; use a key from tsig-keygen or "
		         "keymgr -t (32 octets for hmac-sha256)",
		         GW_CONFIG_TSIG_SECRET_MAX);
		return NULL;
	}
	if (n <= 0) {
		snprintf(why, why_len,
		         "the secret is %s; give the base64 text that tsig-keygen or keymgr -t "
		         "print, e.g. secret: \"3q2+7w==\"",
		         n == 0 ? "empty" : "not valid base64");
		return NULL;
	}
	char *out = malloc(len + 1);
	if (out == NULL) {
		ctx->sink.oom = true;
		return NULL;
	}
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i] != '\r')
			out[o++] = text[i];
	}
	out[o] = '\0';
	return out;
}

#define KEY_FILE_MAX 4096

/* The secret of a key file: the base64 text alone, or the value after
 * "secret" in the files tsig-keygen (BIND) and keymgr -t (Knot) write.
 * The file must not be open to group or others. */
static char *read_key_file(load_ctx_t *ctx, const char *path, char *why, size_t why_len)
{
	char q[QBUF];
	char buf[KEY_FILE_MAX + 1];
	struct stat st;
	char *secret = NULL;
	ssize_t len = 0;

	quote(q, sizeof(q), path, strlen(path));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, why_len, "cannot open '%s': %s; check the path", q, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "'%s' is not a regular file; give the path of the key file",
		         q);
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(why, why_len,
		         "'%s' has mode %04o: group or others may read or change the secret; "
		         "chmod 600 it",
		         q, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, (size_t)(KEY_FILE_MAX + 1 - len));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, why_len, "cannot read '%s': %s", q, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += r;
		if (len > KEY_FILE_MAX) {
			snprintf(why, why_len,
			         "'%s' is larger than %d bytes; a key file holds one secret", q,
			         KEY_FILE_MAX);
			goto out;
		}
	}
	buf[len] = '\0';
	const char *text = buf;
	size_t tlen = (size_t)len;
	const char *kw = strstr(buf, "secret");
	if (kw != NULL) {
		text = kw + 6;
		while (*text == ' ' || *text == '\t' || *text == ':' || *text == '"')
			text++;
		tlen = strcspn(text, "\";\n\r \t");
	}
	secret = parse_secret(ctx, text, tlen, why, why_len);
	if (secret == NULL && !ctx->sink.oom) {
		size_t o = strlen(why);
		snprintf(why + o, why_len - o, " (in key file '%s')", q);
	}
out:
	memset(buf, 0, sizeof(buf));
	close(fd);
	return secret;
}

static void check_tsig_keys(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_config *raw)
{
	char path[PLACE_PATH_MAX];
	char why[WHY_MAX];
	char name[GW_CONFIG_NAME_STR_MAX];
	char q[QBUF];
	gw_tsig_key_config_t *keys;
	size_t n = 0;

	if (raw->tsig_keys == NULL || raw->tsig_keys_count == 0)
		return;
	keys = calloc(raw->tsig_keys_count, sizeof(*keys));
	if (keys == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < raw->tsig_keys_count && !ctx->sink.oom; i++) {
		const struct raw_tsig_key *r = &raw->tsig_keys[i];
		gw_tsig_key_config_t *k = &keys[n];
		snprintf(path, sizeof(path), "tsig-keys[%u].name", i);
		if (r->name == NULL)
			continue;
		if (!parse_key_name(r->name, name, why, sizeof(why))) {
			report_at(ctx, path, "%s", why);
			continue;
		}
		size_t j;
		for (j = 0; j < n && strcmp(keys[j].name, name) != 0; j++)
			;
		if (j < n) {
			report_at(ctx, path, "key '%s' is defined twice; keep one", name);
			continue;
		}
		k->algorithm = GW_TSIG_HMAC_SHA256;
		if (r->algorithm != NULL) {
			size_t alen = strlen(r->algorithm);
			size_t a;
			for (a = 0; a < sizeof(g_tsig_algs) / sizeof(g_tsig_algs[0]); a++) {
				if (strcasecmp(r->algorithm, g_tsig_algs[a].word) == 0 ||
				    strcasecmp(r->algorithm, g_tsig_algs[a].wire) == 0)
					break;
			}
			snprintf(path, sizeof(path), "tsig-keys[%u].algorithm", i);
			if (a == sizeof(g_tsig_algs) / sizeof(g_tsig_algs[0])) {
				quote(q, sizeof(q), r->algorithm, alen);
				report_at(
				    ctx, path,
				    "'%s' is not a TSIG algorithm%s; use hmac-sha256 (the "
				    "default), hmac-sha384, hmac-sha512 or hmac-sha1",
				    q,
				    strncasecmp(r->algorithm, "hmac-md5", 8) == 0
				        ? " this gateway offers (RFC 8945: HMAC-MD5 is obsolete)"
				        : "");
				continue;
			}
			k->algorithm = (gw_tsig_alg_t)a;
		}
		snprintf(path, sizeof(path), "tsig-keys[%u]", i);
		if ((r->secret == NULL) == (r->file == NULL)) {
			report_at(
			    ctx, path,
			    "key '%s' needs exactly one of secret: (base64) or file: (a key file, "
			    "mode 0600)",
			    name);
			continue;
		}
		char *secret = NULL;
		if (r->secret != NULL) {
			snprintf(path, sizeof(path), "tsig-keys[%u].secret", i);
			secret = parse_secret(ctx, r->secret, strlen(r->secret), why, sizeof(why));
		} else {
			snprintf(path, sizeof(path), "tsig-keys[%u].file", i);
			if (has_control(r->file))
				snprintf(why, sizeof(why),
				         "the path has a control character; write it on one line "
				         "without escapes");
			else
				secret = read_key_file(ctx, r->file, why, sizeof(why));
		}
		if (secret == NULL) {
			if (!ctx->sink.oom)
				report_at(ctx, path, "%s", why);
			continue;
		}
		k->secret = secret;
		k->name = strdup(name);
		k->file = r->file != NULL ? strdup(r->file) : NULL;
		n++; /* also on a failed copy: tsig_keys_free() takes what there is */
		if (k->name == NULL || (r->file != NULL && k->file == NULL))
			ctx->sink.oom = true;
	}
	tsig_keys_free(cfg->tsig_keys, cfg->tsig_key_count);
	cfg->tsig_keys = keys;
	cfg->tsig_key_count = n;
}

/* Split text at blanks into at most max words (pointers into buf, a copy
 * of text of size len). Returns the number of words, max + 1 when there
 * are more. */
static size_t split_words(const char *text, char *buf, size_t len, char **words, size_t max)
{
	size_t n = 0;

	snprintf(buf, len, "%s", text);
	for (char *p = buf; *p != '\0';) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max)
			return max + 1;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

/* "key NAME" at words[0..1]: the key's index, or -1 with why set. */
static int parse_key_ref(const gw_config_t *cfg, char **words, char *why, size_t why_len)
{
	char q[QBUF];

	if (strcmp(words[0], "key") != 0) {
		snprintf(why, why_len, "'%s' is not 'key'; write ADDR key NAME",
		         quote(q, sizeof(q), words[0], strlen(words[0])));
		return -1;
	}
	int key = find_key(cfg, words[1]);
	if (key < 0)
		snprintf(why, why_len,
		         "key '%s' is not one of tsig-keys; define it there or fix the name",
		         quote(q, sizeof(q), words[1], strlen(words[1])));
	return key;
}

/* "ADDR[/LEN]", "key NAME" or "ADDR[/LEN] key NAME". */
static bool parse_acl_entry(const gw_config_t *cfg, const char *text, gw_acl_entry_t *e, char *why,
                            size_t why_len)
{
	char buf[ACL_TEXT_MAX + 1];
	char *w[3];
	size_t n = split_words(text, buf, sizeof(buf), w, 3);

	if (n == 1)
		return parse_prefix(w[0], e, why, why_len);
	if (n == 2) {
		memset(e, 0, sizeof(*e));
		e->family = AF_UNSPEC;
		e->key = parse_key_ref(cfg, w, why, why_len);
		return e->key >= 0;
	}
	if (n == 3) {
		if (!parse_prefix(w[0], e, why, why_len))
			return false;
		e->key = parse_key_ref(cfg, w + 1, why, why_len);
		return e->key >= 0;
	}
	char q[QBUF];
	snprintf(why, why_len,
	         "'%s' is not ADDR, ADDR/LEN, 'key NAME' or 'ADDR/LEN key NAME'; e.g. "
	         "\"192.0.2.0/24 key xfr\"",
	         quote(q, sizeof(q), text, strlen(text)));
	return false;
}

/* "ADDR[@PORT]" or "ADDR[@PORT] key NAME". */
static bool parse_notify(const gw_config_t *cfg, const char *text, gw_notify_target_t *t, char *why,
                         size_t why_len)
{
	char buf[ACL_TEXT_MAX + 1];
	char q[QBUF];
	char *w[3];
	size_t n = split_words(text, buf, sizeof(buf), w, 3);

	quote(q, sizeof(q), text, strlen(text));
	if (n != 1 && n != 3) {
		snprintf(why, why_len,
		         "'%s' is not ADDR@PORT or 'ADDR@PORT key NAME'; e.g. \"192.0.2.53@53 key "
		         "xfr\"",
		         q);
		return false;
	}
	if (!parse_endpoint(w[0], &t->ep, why, why_len))
		return false;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&t->ep.addr;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&t->ep.addr;
	uint16_t port = t->ep.addr.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port;
	if (port == 0) {
		snprintf(why, why_len, "'%s' has port 0; give the port the secondary listens on",
		         q);
		return false;
	}
	t->key = -1;
	if (n == 3) {
		t->key = parse_key_ref(cfg, w + 1, why, why_len);
		return t->key >= 0;
	}
	return true;
}

/* "16M", "512k", "1G" or plain octets. */
static bool parse_size(const char *text, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; text[i] >= '0' && text[i] <= '9'; i++) {
		if (v > UINT64_MAX / 10 - 10)
			return false;
		v = v * 10 + (uint64_t)(text[i] - '0');
	}
	if (i == 0)
		return false;
	unsigned shift = 0;
	switch (text[i]) {
	case '\0':
		break;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	default:
		return false;
	}
	if (text[i] != '\0' && text[i + 1] != '\0')
		return false;
	if (v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static void check_allow(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_transfer *t)
{
	char why[WHY_MAX];
	char path[PLACE_PATH_MAX];
	gw_acl_t acl = {NULL, 0};

	/* An empty list is meaningful (nobody may transfer), so presence comes
	 * from the document, not from the pointer libcyaml leaves NULL. */
	if (place_find(ctx, "transfer.allow") == NULL)
		return;
	if (t->allow_count > 0) {
		acl.entries = calloc(t->allow_count, sizeof(*acl.entries));
		if (acl.entries == NULL) {
			ctx->sink.oom = true;
			return;
		}
	}
	for (unsigned i = 0; i < t->allow_count; i++) {
		snprintf(path, sizeof(path), "transfer.allow[%u]", i);
		if (parse_acl_entry(cfg, t->allow[i], &acl.entries[acl.count], why, sizeof(why)))
			acl.count++;
		else
			report_at(ctx, path, "%s", why);
	}
	free(cfg->transfer.allow.entries);
	cfg->transfer.allow = acl;
}

static void check_transfer(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_transfer *t)
{
	char why[WHY_MAX];
	char path[PLACE_PATH_MAX];
	char q[QBUF];

	if (t == NULL)
		return;
	check_allow(ctx, cfg, t);
	if (t->notify_count > 0) {
		gw_notify_target_t *list = calloc(t->notify_count, sizeof(*list));
		size_t n = 0;
		if (list == NULL) {
			ctx->sink.oom = true;
			return;
		}
		for (unsigned i = 0; i < t->notify_count; i++) {
			snprintf(path, sizeof(path), "transfer.notify[%u]", i);
			if (!parse_notify(cfg, t->notify[i], &list[n], why, sizeof(why))) {
				report_at(ctx, path, "%s", why);
				continue;
			}
			size_t j;
			for (j = 0; j < n; j++) {
				if (list[j].ep.addrlen == list[n].ep.addrlen &&
				    memcmp(&list[j].ep.addr, &list[n].ep.addr,
				           list[n].ep.addrlen) == 0)
					break;
			}
			if (j < n) {
				report_at(ctx, path, "'%s' is listed twice; remove one",
				          quote(q, sizeof(q), t->notify[i], strlen(t->notify[i])));
				continue;
			}
			n++;
		}
		free(cfg->transfer.notify);
		cfg->transfer.notify = list;
		cfg->transfer.notify_count = n;
	}
	if (t->journal_size != NULL) {
		uint64_t size = 0;
		quote(q, sizeof(q), t->journal_size, strlen(t->journal_size));
		if (!parse_size(t->journal_size, &size))
			report_at(ctx, "transfer.journal-size",
			          "'%s' is not a size; write a whole number of octets, optionally "
			          "with k, M or G (powers of 1024), e.g. 16M",
			          q);
		else if (size < GW_CONFIG_JOURNAL_SIZE_MIN || size > GW_CONFIG_JOURNAL_SIZE_MAX)
			report_at(ctx, "transfer.journal-size",
			          "'%s' is out of range; use 64k to 4G", q);
		else
			cfg->transfer.journal_size = size;
	}
	if (t->journal_entries != NULL &&
	    check_range(ctx, "transfer.journal-entries", t->journal_entries, 0,
	                GW_CONFIG_JOURNAL_ENTRIES_MAX,
	                " (0 keeps no journal: IXFR is answered "
	                "with the whole zone)"))
		cfg->transfer.journal_entries = (uint32_t)*t->journal_entries;
}

/* YAML 1.1 spellings, any letter case, as libyaml users write them. */
static bool check_bool(load_ctx_t *ctx, const char *path, const char *text, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	char q[QBUF];

	if (text == NULL)
		return true;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	report_at(ctx, path, "'%s' is not true or false; write true or false",
	          quote(q, sizeof(q), text, strlen(text)));
	return false;
}

/* A duration from min_ms to max_ms; example is a valid value for the hint.
 * Returns false (and reports) when text is given and wrong. */
static bool check_duration(load_ctx_t *ctx, const char *path, const char *text, uint64_t min_ms,
                           uint64_t max_ms, const char *note, uint64_t *out)
{
	char q[QBUF];
	char lo[DURATION_TEXT_MAX];
	char hi[DURATION_TEXT_MAX];
	uint64_t ms = 0;

	if (text == NULL)
		return true;
	quote(q, sizeof(q), text, strlen(text));
	gw_duration_format(min_ms, lo, sizeof(lo));
	gw_duration_format(max_ms, hi, sizeof(hi));
	int ret = gw_duration_parse(text, &ms);
	if (ret == GW_EINVAL) {
		report_at(ctx, path,
		          "'%s' is not a duration; write a whole number and a unit (ms, s, m, h, "
		          "d) from %s to %s%s",
		          q, lo, hi, note);
		return false;
	}
	if (ret != GW_OK || ms < min_ms || ms > max_ms) {
		report_at(ctx, path, "'%s' is out of range; use %s to %s%s", q, lo, hi, note);
		return false;
	}
	*out = ms;
	return true;
}

static bool check_algorithm(load_ctx_t *ctx, const char *text, uint8_t *out)
{
	char q[QBUF];
	const char *why = "";

	if (text == NULL)
		return true;
	for (size_t i = 0; i < sizeof(g_algorithms) / sizeof(g_algorithms[0]); i++) {
		char num[4];
		snprintf(num, sizeof(num), "%u", g_algorithms[i].number);
		if (strcasecmp(text, g_algorithms[i].name) == 0 || strcmp(text, num) == 0) {
			*out = g_algorithms[i].number;
			return true;
		}
	}
	/* Known algorithms that this gateway does not sign with: say why. */
	if (strcasecmp(text, "rsasha1") == 0 || strcasecmp(text, "rsasha1-nsec3-sha1") == 0 ||
	    strcmp(text, "5") == 0 || strcmp(text, "7") == 0 ||
	    strcasecmp(text, "rsasha512") == 0 || strcmp(text, "10") == 0)
		why = " (RFC 8624: not recommended for signing)";
	else if (strcasecmp(text, "ecdsap384sha384") == 0 || strcmp(text, "14") == 0 ||
	         strcasecmp(text, "ed448") == 0 || strcmp(text, "16") == 0)
		why = " (not supported by this gateway)";
	report_at(ctx, "dnssec.algorithm",
	          "'%s' is not a signing algorithm%s; use ecdsap256sha256 (13, the default), "
	          "ed25519 (15) or rsasha256 (8)",
	          quote(q, sizeof(q), text, strlen(text)), why);
	return false;
}

/* keys: and denial: each choose between two words. */
static bool check_choice(load_ctx_t *ctx, const char *path, const char *text, const char *no,
                         const char *yes, const char *fix, bool *out)
{
	char q[QBUF];

	if (text == NULL)
		return true;
	if (strcasecmp(text, no) == 0 || strcasecmp(text, yes) == 0) {
		*out = strcasecmp(text, yes) == 0;
		return true;
	}
	report_at(ctx, path, "'%s' is not %s or %s; %s", quote(q, sizeof(q), text, strlen(text)),
	          no, yes, fix);
	return false;
}

static bool has_control(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
}

static bool ends_with(const char *text, const char *suffix)
{
	size_t len = strlen(text);
	size_t slen = strlen(suffix);
	return len >= slen && strcmp(text + len - slen, suffix) == 0;
}

static void check_import(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_dnssec *d)
{
	char path[PLACE_PATH_MAX];
	char q[QBUF];
	char **list;
	size_t n = 0;

	if (d->import == NULL || d->import_count == 0)
		return;
	list = calloc(d->import_count, sizeof(*list));
	if (list == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < d->import_count; i++) {
		const char *text = d->import[i];
		snprintf(path, sizeof(path), "dnssec.import[%u]", i);
		quote(q, sizeof(q), text, strlen(text));
		if (has_control(text)) {
			report_at(ctx, path,
			          "the path has a control character; write it on one line without "
			          "escapes");
			continue;
		}
		if (ends_with(text, ".private")) {
			report_at(ctx, path,
			          "'%s' is the private half; give the public K*.key file, the "
			          ".private file next to it is found by name",
			          q);
			continue;
		}
		if (!ends_with(text, ".key") || strlen(text) == 4 || ends_with(text, "/.key")) {
			report_at(ctx, path,
			          "'%s' is not a BIND key file; give the path of a public key file "
			          "ending in .key, e.g. /etc/bind/Khome.arpa.+013+12345.key",
			          q);
			continue;
		}
		if (!add_unique_string(ctx, path, list, &n, text, q))
			break;
	}
	strings_free(cfg->dnssec.import, cfg->dnssec.import_count);
	cfg->dnssec.import = list;
	cfg->dnssec.import_count = n;
}

/* The first of the keys (paths) that the file gives, for problems that
 * involve several values, some of which may be defaults. */
static const char *first_given(load_ctx_t *ctx, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (place_find(ctx, paths[i]) != NULL)
			return paths[i];
	}
	return paths[n - 1];
}

#define DAY_MS          86400000ULL
#define VALIDITY_MAX_MS (3660 * DAY_MS) /* BIND's limit; far below 2^31 s */
#define REFRESH_MIN_MS  1000ULL
#define PATH_VALIDITY   "dnssec.signature-validity"
#define PATH_REFRESH    "dnssec.refresh"
#define PATH_JITTER     "dnssec.jitter"

static void check_dnssec_times(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_dnssec *d)
{
	char v[DURATION_TEXT_MAX];
	char r[DURATION_TEXT_MAX];
	char j[DURATION_TEXT_MAX];
	char room[DURATION_TEXT_MAX];
	bool ok = true;

	ok &= check_duration(ctx, PATH_VALIDITY, d->signature_validity, GW_CONFIG_VALIDITY_MIN_MS,
	                     VALIDITY_MAX_MS, " (e.g. 14d)", &cfg->dnssec.validity_ms);
	ok &=
	    check_duration(ctx, PATH_REFRESH, d->refresh, REFRESH_MIN_MS, VALIDITY_MAX_MS,
	                   ", shorter than signature-validity (e.g. 7d)", &cfg->dnssec.refresh_ms);
	ok &= check_duration(ctx, PATH_JITTER, d->jitter, 0, VALIDITY_MAX_MS,
	                     ", shorter than signature-validity minus refresh (e.g. 1d)",
	                     &cfg->dnssec.jitter_ms);
	ok &= check_duration(ctx, "dnssec.inception-offset", d->inception_offset, 0,
	                     GW_CONFIG_INCEPTION_MAX_MS, " (e.g. 1h)",
	                     &cfg->dnssec.inception_offset_ms);
	if (!ok)
		return; /* a default next to a wrong value would only add noise */

	uint64_t validity = cfg->dnssec.validity_ms;
	uint64_t refresh = cfg->dnssec.refresh_ms;
	uint64_t jitter = cfg->dnssec.jitter_ms;
	gw_duration_format(validity, v, sizeof(v));
	gw_duration_format(refresh, r, sizeof(r));
	gw_duration_format(jitter, j, sizeof(j));
	if (refresh >= validity) {
		static const char *const order[] = {PATH_REFRESH, PATH_VALIDITY};
		report_at(ctx, first_given(ctx, order, 2),
		          "refresh %s is not shorter than signature-validity %s; signatures are "
		          "renewed when less than refresh remains, so lower refresh or raise "
		          "signature-validity (e.g. refresh 7d with signature-validity 14d)",
		          r, v);
		return;
	}
	if (jitter >= validity - refresh) {
		static const char *const order[] = {PATH_JITTER, PATH_REFRESH, PATH_VALIDITY};
		gw_duration_format(validity - refresh, room, sizeof(room));
		report_at(ctx, first_given(ctx, order, 3),
		          "jitter %s is not shorter than signature-validity %s minus refresh %s "
		          "(%s); lower jitter or refresh, or raise signature-validity (e.g. jitter "
		          "1d, refresh 7d, signature-validity 14d)",
		          j, v, r, room);
	}
}

static void check_dnssec(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_dnssec *d)
{
	if (d == NULL)
		return;
	check_bool(ctx, "dnssec.enable", d->enable, &cfg->dnssec.enable);
	check_algorithm(ctx, d->algorithm, &cfg->dnssec.algorithm);
	check_choice(ctx, "dnssec.keys", d->keys, "csk", "ksk-zsk",
	             "write csk (one key signs everything) or ksk-zsk (a key-signing key for "
	             "the DNSKEY set, a zone-signing key for the rest)",
	             &cfg->dnssec.split_keys);
	if (d->rsa_bits != NULL &&
	    check_range(ctx, "dnssec.rsa-bits", d->rsa_bits, GW_CONFIG_RSA_BITS_MIN,
	                GW_CONFIG_RSA_BITS_MAX, " (RFC 8624: at least 2048 bits)"))
		cfg->dnssec.rsa_bits = (uint32_t)*d->rsa_bits;
	check_choice(ctx, "dnssec.denial", d->denial, "nsec", "nsec3",
	             "write nsec (the default; the zone is public anyway) or nsec3",
	             &cfg->dnssec.nsec3);
	check_dnssec_times(ctx, cfg, d);
	if (d->dnskey_ttl != NULL && check_range(ctx, "dnssec.dnskey-ttl", d->dnskey_ttl, 1,
	                                         GW_CONFIG_DNSKEY_TTL_MAX, " seconds (e.g. 3600)"))
		cfg->dnssec.dnskey_ttl = (uint32_t)*d->dnskey_ttl;
	if (d->sign_threads != NULL &&
	    check_range(ctx, "dnssec.sign-threads", d->sign_threads, 0, GW_CONFIG_SIGN_THREADS_MAX,
	                " (0 starts one per CPU)"))
		cfg->dnssec.sign_threads = (uint32_t)*d->sign_threads;
	check_import(ctx, cfg, d);
}

/* What the kernel accepts as a new interface name (dev_valid_name()). */
static bool check_ifname(load_ctx_t *ctx, const char *path, const char *text)
{
	char q[QBUF];
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (len > GW_CONFIG_IFNAME_MAX) {
		report_at(ctx, path,
		          "'%s' is %zu characters, longer than any interface name (at most %d); "
		          "use the name shown by 'ip link', e.g. eth0",
		          q, len, GW_CONFIG_IFNAME_MAX);
		return false;
	}
	bool ok = strcmp(text, ".") != 0 && strcmp(text, "..") != 0;
	for (size_t i = 0; ok && i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		ok = c > 0x20 && c != 0x7f && c != '/' && c != ':';
	}
	if (!ok)
		report_at(
		    ctx, path,
		    "'%s' is not an interface name (no spaces, '/' or ':'); use the name shown "
		    "by 'ip link', e.g. eth0",
		    q);
	return ok;
}

/* One DNS label of letters, digits and inner hyphens (RFC 1123), lowercased
 * into out (64 bytes). */
static bool parse_label(const char *text, char *out)
{
	size_t len = strlen(text);

	if (len == 0 || len > 63 || text[0] == '-' || text[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		out[i] = c;
	}
	out[len] = '\0';
	return true;
}

static void check_links(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_config *raw)
{
	char ipath[PLACE_PATH_MAX];
	char spath[PLACE_PATH_MAX];
	char label[64];
	char q[QBUF];
	mdns_link_config_t *links;
	size_t n = 0;

	if (raw->links == NULL || raw->links_count == 0)
		return;
	links = calloc(raw->links_count, sizeof(*links));
	if (links == NULL) {
		ctx->sink.oom = true;
		return;
	}
	for (unsigned i = 0; i < raw->links_count; i++) {
		const struct raw_link *r = &raw->links[i];
		snprintf(ipath, sizeof(ipath), "links[%u].interface", i);
		snprintf(spath, sizeof(spath), "links[%u].subdomain", i);
		if (r->interface == NULL || !check_ifname(ctx, ipath, r->interface))
			continue;
		bool own = r->subdomain != NULL; /* else the interface name serves */
		const char *sub = own ? r->subdomain : r->interface;
		quote(q, sizeof(q), sub, strlen(sub));
		if (!parse_label(sub, label)) {
			if (own)
				report_at(
				    ctx, spath,
				    "'%s' is not one DNS label; use 1 to 63 letters, digits and "
				    "inner '-', without dots, e.g. lan",
				    q);
			else
				report_at(
				    ctx, ipath,
				    "'%s' cannot serve as the subdomain (one DNS label of letters, "
				    "digits and inner '-'); add one, e.g. {interface: %s, "
				    "subdomain: lan}",
				    q, q);
			continue;
		}
		size_t j;
		for (j = 0; j < n && strcmp(links[j].interface, r->interface) != 0; j++)
			;
		if (j < n) {
			report_at(ctx, ipath, "'%s' is listed twice; give each interface one entry",
			          quote(q, sizeof(q), r->interface, strlen(r->interface)));
			continue;
		}
		for (j = 0; j < n && strcmp(links[j].subdomain, label) != 0; j++)
			;
		if (j < n) {
			report_at(
			    ctx, own ? spath : ipath,
			    "subdomain '%s' is already that of interface %s; give each link its "
			    "own subdomain",
			    label, links[j].interface);
			continue;
		}
		links[n].interface = strdup(r->interface);
		links[n].subdomain = strdup(label);
		if (links[n].interface == NULL || links[n].subdomain == NULL) {
			ctx->sink.oom = true;
			n++; /* so that the partial entry is freed */
			break;
		}
		n++;
	}
	links_free(cfg->links, cfg->link_count);
	cfg->links = links;
	cfg->link_count = n;
}

#define SUBTYPE_HINT "write <_subtype>._sub.<_service>.<_tcp|_udp>, e.g. _printer._sub._http._tcp"

/* "_sub"-style browse names: <_x>._sub.<_svc>.<_tcp|_udp>, lowercased
 * into out (GW_CONFIG_NAME_STR_MAX bytes). The service label follows RFC
 * 6335 section 5.1; the subtype label is any LDH text with underscores
 * after its leading underscore (RFC 6763 section 7.1 allows more, but
 * subtypes in use look like this). */
static bool parse_subtype(const char *text, char *out, char *why, size_t why_len)
{
	char q[QBUF];
	const char *labels[5];
	size_t lens[5];
	size_t count = 0;
	size_t len = strlen(text);

	quote(q, sizeof(q), text, len);
	if (len >= GW_CONFIG_NAME_STR_MAX) {
		snprintf(why, why_len, "'%s' is too long; %s", q, SUBTYPE_HINT);
		return false;
	}
	if (len > 0 && text[len - 1] == '.') {
		snprintf(why, why_len,
		         "'%s' ends in a dot; the name is relative to each link, so write it "
		         "without the final dot",
		         q);
		return false;
	}
	for (const char *p = text; count < 5;) {
		const char *dot = strchr(p, '.');
		labels[count] = p;
		lens[count] = dot != NULL ? (size_t)(dot - p) : strlen(p);
		count++;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	if (count == 5 || (count == 4 && strchr(labels[3], '.') != NULL)) {
		snprintf(why, why_len,
		         "'%s' has more than four labels; give the type without a domain (no "
		         ".local): %s",
		         q, SUBTYPE_HINT);
		return false;
	}
	if (count == 2) {
		snprintf(why, why_len,
		         "'%s' is a service type, not a subtype; every type is browsed anyway, so "
		         "%s",
		         q, SUBTYPE_HINT);
		return false;
	}
	if (count != 4 || lens[1] != 4 || strncasecmp(labels[1], "_sub", 4) != 0) {
		snprintf(why, why_len, "'%s' is not a subtype name; %s", q, SUBTYPE_HINT);
		return false;
	}
	if (lens[3] != 4 ||
	    (strncasecmp(labels[3], "_tcp", 4) != 0 && strncasecmp(labels[3], "_udp", 4) != 0)) {
		snprintf(why, why_len, "'%s' must end in ._tcp or ._udp; %s", q, SUBTYPE_HINT);
		return false;
	}
	/* subtype label: '_' and 1..62 of letters, digits, '-', '_' */
	bool ok = lens[0] >= 2 && lens[0] <= 63 && labels[0][0] == '_';
	for (size_t i = 1; ok && i < lens[0]; i++) {
		char c = labels[0][i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '-' || c == '_';
	}
	if (!ok) {
		snprintf(why, why_len,
		         "'%s' has a bad subtype label '%.*s'; it starts with '_' followed by 1 to "
		         "62 letters, digits, '-' or '_', e.g. _printer",
		         q, (int)lens[0], labels[0]);
		return false;
	}
	/* service label: '_' and 1..15 letters, digits, inner single hyphens,
	 * at least one letter (RFC 6335 section 5.1) */
	const char *svc = labels[2] + 1;
	size_t slen = lens[2] > 0 ? lens[2] - 1 : 0;
	ok =
	    slen >= 1 && slen <= 15 && labels[2][0] == '_' && svc[0] != '-' && svc[slen - 1] != '-';
	bool letter = false;
	for (size_t i = 0; ok && i < slen; i++) {
		char c = svc[i];
		letter |= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     (c == '-' && svc[i + 1] != '-');
	}
	if (!ok || !letter) {
		snprintf(
		    why, why_len,
		    "'%s' has a bad service label '%.*s'; it is '_' and 1 to 15 letters, digits "
		    "and single inner '-' (RFC 6335), e.g. _ipp",
		    q, (int)lens[2], labels[2]);
		return false;
	}
	for (size_t i = 0; i <= len; i++) {
		char c = text[i];
		out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	return true;
}

static void check_subtypes(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_mdns *m)
{
	char path[PLACE_PATH_MAX];
	char why[WHY_MAX];
	char name[GW_CONFIG_NAME_STR_MAX];
	char **list = NULL;
	size_t n = 0;

	/* An empty list is meaningful (browse no subtypes), so presence comes
	 * from the document. */
	if (place_find(ctx, "mdns.subtypes") == NULL)
		return;
	if (m->subtypes_count > 0) {
		list = calloc(m->subtypes_count, sizeof(*list));
		if (list == NULL) {
			ctx->sink.oom = true;
			return;
		}
	}
	for (unsigned i = 0; i < m->subtypes_count; i++) {
		snprintf(path, sizeof(path), "mdns.subtypes[%u]", i);
		if (!parse_subtype(m->subtypes[i], name, why, sizeof(why))) {
			report_at(ctx, path, "%s", why);
			continue;
		}
		if (!add_unique_string(ctx, path, list, &n, name, name))
			break;
	}
	strings_free(cfg->mdns.subtypes, cfg->mdns.subtype_count);
	cfg->mdns.subtypes = list;
	cfg->mdns.subtype_count = n;
}

static void check_limit(load_ctx_t *ctx, const char *path, const uint64_t *value, uint64_t max,
                        const char *note, uint32_t *out)
{
	if (value != NULL && check_range(ctx, path, value, 1, max, note))
		*out = (uint32_t)*value;
}

static void check_limits(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_limits *l)
{
	if (l == NULL)
		return;
	check_limit(ctx, "mdns.limits.services-per-link", l->services_per_link,
	            GW_CONFIG_SERVICES_PER_LINK_MAX, " service instances per link",
	            &cfg->mdns.limits.services_per_link);
	check_limit(ctx, "mdns.limits.records-per-name", l->records_per_name,
	            GW_CONFIG_RECORDS_PER_NAME_MAX, " records per name and type",
	            &cfg->mdns.limits.records_per_name);
	check_limit(ctx, "mdns.limits.txt-size", l->txt_size, GW_CONFIG_TXT_SIZE_MAX,
	            " octets (mDNS packets hold about 1300 on Ethernet)",
	            &cfg->mdns.limits.txt_size);
	check_limit(ctx, "mdns.limits.changes-per-second", l->changes_per_second,
	            GW_CONFIG_CHANGES_PER_SEC_MAX, " changes per second and link",
	            &cfg->mdns.limits.changes_per_second);
}

static void check_mdns(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_mdns *m)
{
	uint64_t ms = 0;

	if (m == NULL)
		return;
	check_bool(ctx, "mdns.enable", m->enable, &cfg->mdns.enable);
	bool ok = check_bool(ctx, "mdns.ipv4", m->ipv4, &cfg->mdns.ipv4);
	ok &= check_bool(ctx, "mdns.ipv6", m->ipv6, &cfg->mdns.ipv6);
	if (ok && !cfg->mdns.ipv4 && !cfg->mdns.ipv6) {
		static const char *const order[] = {"mdns.ipv6", "mdns.ipv4"};
		report_at(
		    ctx, first_given(ctx, order, 2),
		    "ipv4 and ipv6 are both false, so nothing would be mirrored; set at least "
		    "one to true");
	}
	if (m->ttl_cap != NULL &&
	    check_duration(ctx, "mdns.ttl-cap", m->ttl_cap, 1000, GW_CONFIG_TTL_CAP_MAX * 1000ULL,
	                   " (RFC 8766 section 5.5.1 suggests 10s)", &ms))
		cfg->mdns.ttl_cap = (uint32_t)(ms / 1000);
	check_duration(ctx, "mdns.batch-window", m->batch_window, 0, GW_CONFIG_BATCH_WINDOW_MAX_MS,
	               " (e.g. 50ms)", &cfg->mdns.batch_window_ms);
	check_duration(ctx, "mdns.warm-up", m->warm_up, 0, GW_CONFIG_WARMUP_MAX_MS, " (e.g. 5s)",
	               &cfg->mdns.warmup_ms);
	check_duration(ctx, "mdns.link-grace", m->link_grace, 0, GW_CONFIG_LINK_GRACE_MAX_MS,
	               " (e.g. 30s)", &cfg->mdns.link_grace_ms);
	check_bool(ctx, "mdns.drop-private", m->drop_private, &cfg->mdns.drop_private);
	check_subtypes(ctx, cfg, m);
	check_limits(ctx, cfg, m->limits);
}

static void validate(load_ctx_t *ctx, gw_config_t *cfg, const struct raw_config *raw)
{
	char q[QBUF];

	check_zone(ctx, cfg, raw->zone);
	check_listen(ctx, cfg, raw);
	check_path(ctx, "ports-file", &cfg->ports_file, raw->ports_file);
	check_path(ctx, "state-dir", &cfg->state_dir, raw->state_dir);
	if (raw->log != NULL && raw->log->level != NULL &&
	    gw_log_level_parse(raw->log->level, &cfg->log.level) != GW_OK)
		report_at(ctx, "log.level",
		          "'%s' is not a log level; use error, warning, notice, info or debug",
		          quote(q, sizeof(q), raw->log->level, strlen(raw->log->level)));
	check_server(ctx, cfg, raw->server);
	set_string(ctx, &cfg->identity, raw->identity);
	set_string(ctx, &cfg->version, raw->version);
	check_tsig_keys(ctx, cfg, raw);
	check_transfer(ctx, cfg, raw->transfer);
	check_dnssec(ctx, cfg, raw->dnssec);
	check_links(ctx, cfg, raw);
	check_mdns(ctx, cfg, raw->mdns);
}

int gw_config_parse(gw_config_t **out, const char *name, const char *data, size_t len,
                    gw_config_errors_t *errs)
{
	gw_config_errors_t local;
	load_ctx_t *ctx = NULL;
	struct raw_config *raw = NULL;
	gw_config_t *cfg = NULL;
	int ret = GW_ENOMEM;

	gw_config_errors_init(&local);
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		goto out;
	ctx->sink.errs = errs != NULL ? errs : &local;
	ctx->sink.base = ctx->sink.errs->count;
	ctx->sink.name = name;

	if (len > GW_CONFIG_FILE_MAX) {
		sink_add(&ctx->sink, 0, 0,
		         "%zu bytes, larger than the %d-byte limit; a configuration is a few "
		         "kilobytes: check that this is the right file",
		         len, GW_CONFIG_FILE_MAX);
		ret = GW_ECONFIG;
		goto out;
	}
	ret = check_depth(ctx, data, len);
	if (ret == GW_OK)
		ret = load_document(ctx, data, len);
	if (ret != GW_OK)
		goto out;
	walk_root(ctx);
	if (ctx->sink.oom) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (ctx->sink.failed) {
		ret = GW_ECONFIG;
		goto out;
	}
	ret = load_raw(ctx, data, len, &raw);
	if (ret != GW_OK)
		goto out;

	ret = GW_ENOMEM;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		goto out;
	ret = set_defaults(cfg);
	if (ret != GW_OK)
		goto out;
	cfg->source = strdup(name);
	if (cfg->source == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (raw != NULL)
		validate(ctx, cfg, raw);
	if (ctx->sink.oom)
		ret = GW_ENOMEM;
	else if (ctx->sink.failed)
		ret = GW_ECONFIG;
	else
		ret = GW_OK;
	if (ret == GW_OK) {
		*out = cfg;
		cfg = NULL;
	}
out:
	free_raw(raw);
	gw_config_free(cfg);
	if (ctx != NULL) {
		if (ctx->have_doc)
			yaml_document_delete(&ctx->doc);
		free(ctx->places);
		free(ctx);
	}
	log_errors(&local);
	gw_config_errors_deinit(&local);
	return ret;
}

/* Read at most GW_CONFIG_FILE_MAX + 1 bytes: enough to tell "too large"
 * without trusting st_size (pipes and /proc files report 0). */
static int read_file(sink_t *sink, const char *path, char **out, size_t *out_len)
{
	int ret = GW_ECONFIG;
	int fd = -1;
	char *buf = NULL;
	size_t len = 0;
	size_t cap = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sink_add(sink, 0, 0, "cannot open: %s; check the path given with -c",
		         strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		sink_add(sink, 0, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		sink_add(sink, 0, 0, "is a directory; give the path of the YAML file");
		goto out;
	}
	if (S_ISREG(st.st_mode) && st.st_size > GW_CONFIG_FILE_MAX) {
		sink_add(sink, 0, 0,
		         "%lld bytes, larger than the %d-byte limit; a configuration is a few "
		         "kilobytes: check that this is the right file",
		         (long long)st.st_size, GW_CONFIG_FILE_MAX);
		goto out;
	}
	cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 4096;
	buf = malloc(cap);
	if (buf == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (;;) {
		if (len == cap) {
			if (cap > GW_CONFIG_FILE_MAX) {
				sink_add(sink, 0, 0,
				         "larger than the %d-byte limit; a configuration is a few "
				         "kilobytes: check that this is the right file",
				         GW_CONFIG_FILE_MAX);
				goto out;
			}
			size_t ncap =
			    cap * 2 > GW_CONFIG_FILE_MAX + 1 ? GW_CONFIG_FILE_MAX + 1 : cap * 2;
			char *n = realloc(buf, ncap);
			if (n == NULL) {
				ret = GW_ENOMEM;
				goto out;
			}
			buf = n;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sink_add(sink, 0, 0, "cannot read: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	ret = GW_OK;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* A file that holds TSIG secrets itself must be as private as a key file.
 * On failure frees *cfg. */
static int check_secret_mode(sink_t *sink, gw_config_t *cfg, const char *path)
{
	struct stat st;
	bool inline_secret = false;

	for (size_t i = 0; i < cfg->tsig_key_count; i++)
		inline_secret |= cfg->tsig_keys[i].file == NULL;
	if (!inline_secret || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) == 0)
		return GW_OK;
	sink_add(sink, 0, 0,
	         "mode %04o lets group or others read the TSIG secrets in tsig-keys; chmod 600 "
	         "the file, or move the secrets to key files (file: PATH, mode 0600)",
	         (unsigned)(st.st_mode & 07777));
	gw_config_free(cfg);
	return GW_ECONFIG;
}

int gw_config_load(gw_config_t **out, const char *path, gw_config_errors_t *errs)
{
	gw_config_errors_t local;
	sink_t sink;
	char *data = NULL;
	size_t len = 0;

	gw_config_errors_init(&local);
	sink = (sink_t){.errs = errs != NULL ? errs : &local, .name = path};
	sink.base = sink.errs->count;
	gw_config_t *cfg = NULL;
	int ret = read_file(&sink, path, &data, &len);
	if (ret == GW_OK)
		ret = gw_config_parse(&cfg, path, data, len, sink.errs);
	if (ret == GW_OK)
		ret = check_secret_mode(&sink, cfg, path);
	if (ret == GW_OK)
		*out = cfg;
	if (data != NULL)
		memset(data, 0, len);
	free(data);
	log_errors(&local);
	gw_config_errors_deinit(&local);
	return ret;
}

/* ---- using the config --------------------------------------------------- */

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	size_t bytes = bits / 8;
	unsigned rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

/* The address of sa as an ACL sees it; AF_UNSPEC for other families. */
static int acl_addr(const struct sockaddr *sa, uint8_t *addr)
{
	if (sa == NULL)
		return AF_UNSPEC;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(addr, &sin6->sin6_addr, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

static bool entry_covers(const gw_acl_entry_t *e, int family, const uint8_t *addr)
{
	return e->family == AF_UNSPEC ||
	       (e->family == family && prefix_match(e->addr, addr, e->prefix));
}

bool gw_config_acl_listed(const gw_acl_t *acl, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family = acl_addr(sa, addr);

	if (acl == NULL || family == AF_UNSPEC)
		return false;
	for (size_t i = 0; i < acl->count; i++) {
		if (entry_covers(&acl->entries[i], family, addr))
			return true;
	}
	return false;
}

bool gw_config_acl_allows(const gw_acl_t *acl, const struct sockaddr *sa, int key)
{
	uint8_t addr[16];
	int family = acl_addr(sa, addr);

	if (acl == NULL || family == AF_UNSPEC)
		return false;
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		if ((e->key < 0 || e->key == key) && entry_covers(e, family, addr))
			return true;
	}
	return false;
}

const char *gw_config_tsig_alg_name(gw_tsig_alg_t alg)
{
	if ((size_t)alg >= sizeof(g_tsig_algs) / sizeof(g_tsig_algs[0]))
		return g_tsig_algs[0].wire;
	return g_tsig_algs[alg].wire;
}

bool gw_config_acl_match(const gw_acl_t *acl, const struct sockaddr *sa)
{
	uint8_t addr[16];
	int family;

	if (acl == NULL || sa == NULL)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		family = AF_INET;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		/* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memcpy(addr, sin6->sin6_addr.s6_addr + 12, 4);
			family = AF_INET;
		} else {
			memcpy(addr, &sin6->sin6_addr, 16);
			family = AF_INET6;
		}
	} else {
		return false;
	}
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		if (e->key < 0 && e->family == family && prefix_match(e->addr, addr, e->prefix))
			return true;
	}
	return false;
}

int gw_config_endpoint_format(const gw_endpoint_t *ep, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (ep->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&ep->addr;
		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		n = snprintf(buf, len, "%s@%u", addr, ntohs(sin->sin_port));
	} else if (ep->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ep->addr;
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		n = snprintf(buf, len, "[%s]@%u", addr, ntohs(sin6->sin6_port));
	} else {
		return GW_EINVAL;
	}
	if (n < 0 || (size_t)n >= len)
		return GW_ESPACE;
	return GW_OK;
}

/* A YAML double-quoted scalar that loads back to the same bytes. */
static void print_string(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

static void print_duration(FILE *fp, const char *key, uint64_t ms)
{
	char buf[DURATION_TEXT_MAX];
	gw_duration_format(ms, buf, sizeof(buf));
	fprintf(fp, "  %s: %s\n", key, buf);
}

static void print_list(FILE *fp, const char *key, char *const *items, size_t n)
{
	fprintf(fp, "  %s:%s\n", key, n == 0 ? " []" : "");
	for (size_t i = 0; i < n; i++) {
		fputs("    - ", fp);
		print_string(fp, items[i]);
		fputc('\n', fp);
	}
}

static const char *algorithm_name(uint8_t number)
{
	for (size_t i = 0; i < sizeof(g_algorithms) / sizeof(g_algorithms[0]); i++) {
		if (g_algorithms[i].number == number)
			return g_algorithms[i].name;
	}
	return g_algorithms[0].name; /* not reached: validation allows only these */
}

/* tsig-keys and transfer. */
static void print_transfer(const gw_config_t *cfg, FILE *fp)
{
	char buf[INET6_ADDRSTRLEN + 16];
	char size[DURATION_TEXT_MAX];

	fprintf(fp, "tsig-keys:%s\n", cfg->tsig_key_count == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->tsig_key_count; i++) {
		const gw_tsig_key_config_t *k = &cfg->tsig_keys[i];
		fputs("  - name: ", fp);
		print_string(fp, k->name);
		fprintf(fp, "\n    algorithm: %s\n", g_tsig_algs[k->algorithm].word);
		/* A key file stays a key file: its secret is not copied out. */
		fputs(k->file != NULL ? "    file: " : "    secret: ", fp);
		print_string(fp, k->file != NULL ? k->file : k->secret);
		fputc('\n', fp);
	}
	fprintf(fp, "transfer:\n  allow:%s\n", cfg->transfer.allow.count == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->transfer.allow.count; i++) {
		const gw_acl_entry_t *e = &cfg->transfer.allow.entries[i];
		fputs("    - \"", fp);
		if (e->family != AF_UNSPEC) {
			inet_ntop(e->family, e->addr, buf, sizeof(buf));
			if (e->prefix == (e->family == AF_INET ? 32 : 128))
				fputs(buf, fp);
			else
				fprintf(fp, "%s/%u", buf, e->prefix);
		}
		if (e->key >= 0)
			fprintf(fp, "%skey %s", e->family != AF_UNSPEC ? " " : "",
			        cfg->tsig_keys[e->key].name);
		fputs("\"\n", fp);
	}
	fprintf(fp, "  notify:%s\n", cfg->transfer.notify_count == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->transfer.notify_count; i++) {
		const gw_notify_target_t *t = &cfg->transfer.notify[i];
		if (gw_config_endpoint_format(&t->ep, buf, sizeof(buf)) != GW_OK)
			continue;
		fprintf(fp, "    - \"%s", buf);
		if (t->key >= 0)
			fprintf(fp, " key %s", cfg->tsig_keys[t->key].name);
		fputs("\"\n", fp);
	}
	uint64_t js = cfg->transfer.journal_size;
	if (js % (1ULL << 30) == 0)
		snprintf(size, sizeof(size), "%lluG", (unsigned long long)(js >> 30));
	else if (js % (1ULL << 20) == 0)
		snprintf(size, sizeof(size), "%lluM", (unsigned long long)(js >> 20));
	else if (js % 1024 == 0)
		snprintf(size, sizeof(size), "%lluk", (unsigned long long)(js >> 10));
	else
		snprintf(size, sizeof(size), "%llu", (unsigned long long)js);
	fprintf(fp, "  journal-size: %s\n  journal-entries: %u\n", size,
	        cfg->transfer.journal_entries);
}

/* dnssec, links and mdns. */
static void print_mirror(const gw_config_t *cfg, FILE *fp)
{
	fprintf(fp,
	        "dnssec:\n  enable: %s\n  algorithm: %s\n  keys: %s\n  rsa-bits: %u\n"
	        "  denial: %s\n",
	        cfg->dnssec.enable ? "true" : "false", algorithm_name(cfg->dnssec.algorithm),
	        cfg->dnssec.split_keys ? "ksk-zsk" : "csk", cfg->dnssec.rsa_bits,
	        cfg->dnssec.nsec3 ? "nsec3" : "nsec");
	print_duration(fp, "signature-validity", cfg->dnssec.validity_ms);
	print_duration(fp, "refresh", cfg->dnssec.refresh_ms);
	print_duration(fp, "jitter", cfg->dnssec.jitter_ms);
	print_duration(fp, "inception-offset", cfg->dnssec.inception_offset_ms);
	fprintf(fp, "  dnskey-ttl: %u\n  sign-threads: %u\n", cfg->dnssec.dnskey_ttl,
	        cfg->dnssec.sign_threads);
	print_list(fp, "import", cfg->dnssec.import, cfg->dnssec.import_count);

	fprintf(fp, "links:%s\n", cfg->link_count == 0 ? " []" : "");
	for (size_t i = 0; i < cfg->link_count; i++) {
		fputs("  - interface: ", fp);
		print_string(fp, cfg->links[i].interface);
		fputs("\n    subdomain: ", fp);
		print_string(fp, cfg->links[i].subdomain);
		fputc('\n', fp);
	}

	fprintf(fp, "mdns:\n  enable: %s\n  ipv4: %s\n  ipv6: %s\n",
	        cfg->mdns.enable ? "true" : "false", cfg->mdns.ipv4 ? "true" : "false",
	        cfg->mdns.ipv6 ? "true" : "false");
	print_duration(fp, "ttl-cap", (uint64_t)cfg->mdns.ttl_cap * 1000);
	print_duration(fp, "batch-window", cfg->mdns.batch_window_ms);
	print_duration(fp, "warm-up", cfg->mdns.warmup_ms);
	print_duration(fp, "link-grace", cfg->mdns.link_grace_ms);
	fprintf(fp, "  drop-private: %s\n", cfg->mdns.drop_private ? "true" : "false");
	print_list(fp, "subtypes", cfg->mdns.subtypes, cfg->mdns.subtype_count);
	fprintf(fp,
	        "  limits:\n    services-per-link: %u\n    records-per-name: %u\n"
	        "    txt-size: %u\n    changes-per-second: %u\n",
	        cfg->mdns.limits.services_per_link, cfg->mdns.limits.records_per_name,
	        cfg->mdns.limits.txt_size, cfg->mdns.limits.changes_per_second);
}

int gw_config_print(const gw_config_t *cfg, FILE *fp)
{
	char buf[INET6_ADDRSTRLEN + 16];

	fprintf(fp, "# effective configuration (%s)\n",
	        cfg->source != NULL ? cfg->source : "built-in defaults");
	fprintf(fp, "zone:\n  domain: %s\n  file: ", cfg->zone.domain_str);
	print_string(fp, cfg->zone.file);
	fputs("\nlisten:\n", fp);
	for (size_t i = 0; i < cfg->listen_count; i++) {
		if (gw_config_endpoint_format(&cfg->listen[i], buf, sizeof(buf)) == GW_OK)
			fprintf(fp, "  - \"%s\"\n", buf);
	}
	fputs("ports-file: ", fp);
	print_string(fp, cfg->ports_file);
	fputs("\nstate-dir: ", fp);
	print_string(fp, cfg->state_dir);
	fprintf(fp, "\nlog:\n  level: %s\n", g_level_names[cfg->log.level]);
	gw_duration_format(cfg->server.tcp_idle_timeout_ms, buf, sizeof(buf));
	fprintf(fp,
	        "server:\n  udp-payload: %u\n  tcp-idle-timeout: %s\n"
	        "  tcp-max-connections: %u\n  tcp-max-pipelined: %u\n",
	        cfg->server.udp_payload, buf, cfg->server.tcp_max_connections,
	        cfg->server.tcp_max_pipelined);
	fputs("identity: ", fp);
	print_string(fp, cfg->identity);
	fputs("\nversion: ", fp);
	print_string(fp, cfg->version);
	fputc('\n', fp);
	print_transfer(cfg, fp);
	print_mirror(cfg, fp);
	fflush(fp);
	return ferror(fp) ? GW_EIO : GW_OK;
}
