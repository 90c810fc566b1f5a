/* gateway/config/: what its files share. Not for other modules.
 *
 * A load goes: the file's bytes -> libyaml (syntax, nesting, a second
 * document) -> the position index and structure checks (document.c:
 * unknown keys, kinds, counts, lengths) -> libcyaml fills the raw values
 * (one raw_map_t per mapping) -> every key of the schema table (schema.c)
 * is checked by its type (types.c, lists.c) into a gw_config_t that was
 * set to the defaults of the same table. Problems go to the load's
 * problem list (report.c), each at the place of its value. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "gateway/config/config.h"

/* ---- the problem list (report.c) ---------------------------------------- */

/* Where the problems of one load go. */
typedef struct sink {
	gw_config_errors_t *errs;
	size_t base; /* first item of this load; sorting stays within this load */
	const char *name;
	bool failed;
	bool oom;
} sink_t;

#define MESSAGE_MAX 2048
#define WHY_MAX     512
#define QUOTE_MAX   64
#define QBUF        (QUOTE_MAX * 4 + 8)

/* Longest texts libcyaml takes for values, before our checks see them. */
#define ADDR_TEXT_MAX     64 /* "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]@65535" fits */
#define ACL_TEXT_MAX      (ADDR_TEXT_MAX + 8 + GW_CONFIG_NAME_STR_MAX) /* "ADDR/LEN key NAME" */
#define DURATION_TEXT_MAX 32
#define WORD_TEXT_MAX     32 /* true, ecdsap256sha256, ksk-zsk, ... */
#define LEVEL_TEXT_MAX    16
#define IFNAME_TEXT_MAX   255  /* longer than IFNAMSIZ, so that the check is ours */
#define SECRET_TEXT_MAX   1024 /* base64 of GW_CONFIG_TSIG_SECRET_MAX octets, with room */
#define PATTERN_TEXT_MAX  255  /* a policy glob (mdns_policy_pattern_valid), a link's name */

/* True when no further problem will be kept: callers skip the work of
 * composing it, and it is only counted. */
bool sink_full(sink_t *s);
void sink_add(sink_t *s, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void sink_add_mark(sink_t *s, const yaml_mark_t *mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Each problem of errs through gw_err(). */
void log_errors(const gw_config_errors_t *errs);

/* User text inside a message: bounded, one line, control bytes escaped.
 * Returns buf (QBUF bytes are enough). */
const char *quote(char *buf, size_t len, const char *text, size_t text_len);

/* ---- the document (document.c) ------------------------------------------ */

#define PLACE_PATH_MAX 96
#define CY_LINES_MAX   16
#define CY_LINE_MAX    256
#define FIELDS_MAX     32 /* keys of one mapping */
#define SCHEMA_MAX     512

/* A value seen in the document: its dotted path ("server.udp-payload",
 * "listen[1]"), its node (for line, column and raw text) and its schema.
 * libcyaml 1.3 only knows the position of the event it last read, which
 * for a missing or unknown key is another key's value, so positions come
 * from this index instead. */
typedef struct place {
	char path[PLACE_PATH_MAX];
	const yaml_node_t *node;
	const cyaml_schema_value_t *schema;
	bool reported; /* a problem was reported at this value */
} place_t;

/* What libcyaml fills in for one mapping: slot i holds key i of the
 * schema table's mapping (char *, uint64_t *, raw_map_t *, or an array of
 * count[i] char * or raw_map_t). Absent keys stay NULL. */
typedef struct raw_map {
	void *v[FIELDS_MAX];
	unsigned n[FIELDS_MAX];
} raw_map_t;

/* libcyaml's schema, made from the schema table for one load. */
typedef struct cy_schema {
	cyaml_schema_value_t top;
	cyaml_schema_field_t fields[SCHEMA_MAX];
	cyaml_schema_value_t entries[SCHEMA_MAX];
	size_t field_count, entry_count;
} cy_schema_t;

typedef struct load_ctx {
	sink_t sink;
	yaml_document_t doc;
	bool have_doc;
	place_t *places;
	size_t place_count;
	size_t place_cap;
	cy_schema_t schema;
	/* libcyaml's log lines of the current load, newest last. */
	char cy_lines[CY_LINES_MAX][CY_LINE_MAX];
	size_t cy_count;
	/* The dnssec: section being checked: NULL for the top level's, else
	 * a zone's ("zones[1].dnssec"), where check_signature_times()
	 * reports. */
	const char *dnssec_path;
	/* The first key file that shares its secret with its group (0640
	 * root:GROUP; owned, NULL: none yet) and that group, which every
	 * such file must give (shared_secret_note()). */
	char *shared_path;
	gid_t shared_gid;
} load_ctx_t;

const place_t *place_find(const load_ctx_t *ctx, const char *path);
/* A problem with the value at path: reported at the value, prefixed with
 * the path. Values not in the file (defaults) are never reported on. */
void report_at(load_ctx_t *ctx, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A value accepted with a word of warning, at path: appended to
 * cfg->warnings as "FILE:LINE:COL: PATH: warning: ...". Not a problem:
 * the load does not fail. */
void warn_at(load_ctx_t *ctx, gw_config_t *cfg, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True when a problem was reported at path. */
bool reported_at(const load_ctx_t *ctx, const char *path);
const char *node_text(const yaml_node_t *node);
void path_join(char *out, const char *parent, const char *key);

/* Syntax, nesting, the second document, then the position index and the
 * structure of every value against ctx->schema. Problems go to the sink;
 * GW_OK, GW_ECONFIG (no usable document) or GW_ENOMEM. */
int document_load(load_ctx_t *ctx, const char *data, size_t len);
/* libcyaml's reading of data into *raw (free with document_free_raw). */
int document_read_raw(load_ctx_t *ctx, const char *data, size_t len, raw_map_t **raw);
void document_free_raw(load_ctx_t *ctx, raw_map_t *raw);
void document_deinit(load_ctx_t *ctx);

/* ---- the schema table (schema.c) ---------------------------------------- */

typedef struct cfg_key cfg_key_t;

/* The form libcyaml reads a key in. */
typedef enum {
	SHAPE_TEXT,     /* one string */
	SHAPE_UINT,     /* one unsigned number (uint64_t) */
	SHAPE_MAP,      /* a mapping of keys (cfg_key_t.keys) */
	SHAPE_LIST,     /* a list of strings */
	SHAPE_LIST_MAP, /* a list of mappings (each of cfg_key_t.keys) */
} cfg_shape_t;

/* What a kind of value does; check, set_default, print and free may be
 * NULL when there is nothing to do. */
typedef struct cfg_type {
	cfg_shape_t shape;
	unsigned len; /* longest string (or list entry) libcyaml takes; 0: cfg_key_t.len */
	/* The key is in the file: value is what libcyaml read (NULL for a
	 * null the key allows), count its entries for a list. */
	void (*check)(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
	              void *value, unsigned count);
	int (*set_default)(gw_config_t *cfg, const cfg_key_t *key); /* GW_OK, GW_ENOMEM */
	/* "KEY: VALUE" lines at indent, as gw_config_load() reads them back. */
	void (*print)(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent);
	void (*free)(gw_config_t *cfg, const cfg_key_t *key);
	/* dst's value becomes a copy of src's (a reload keeps the value in
	 * force of a key that needs a restart). NULL: a type without
	 * pointers (free NULL too) is copied as its bytes; one with pointers
	 * cannot be kept (GW_EINVAL), so its keys must be CFG_LIVE. GW_OK,
	 * GW_ENOMEM. */
	int (*copy)(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key);
} cfg_type_t;

/* A cfg_type_t written as one row of the types table, in the order of
 * its fields; NULL (or 0 for len) where there is nothing to do. */
#define CFG_TYPE(shape_, len_, check_, default_, print_, free_, copy_)                             \
	{                                                                                          \
		.shape = (shape_), .len = (len_), .check = (check_), .set_default = (default_),    \
		.print = (print_), .free = (free_), .copy = (copy_)                                \
	}

#define CFG_REQUIRED    (1u << 0) /* the key must be given */
#define CFG_NULL        (1u << 1) /* null is a value (no file, no identity) */
#define CFG_BEFORE_PREV (1u << 2) /* checked and printed before the key above it */
#define CFG_LIVE        (1u << 3) /* a reload applies it; without: it needs a restart */

/* One key: its type, where its value goes, its default and range. */
struct cfg_key {
	const char *name;
	const cfg_type_t *type;
	unsigned flags;
	size_t field, size;       /* the value in gw_config_t */
	size_t count;             /* lists: the entry count in gw_config_t */
	uint64_t def;             /* numbers, bools, enums; durations in ms */
	uint64_t min, max;        /* numbers, durations (ms), sizes; lists: entries */
	unsigned len;             /* longest text, or list entry, in bytes */
	const char *note;         /* appended to the range hint; a choice: the fix */
	const char *example;      /* a duration: hint with this example instead of the range */
	const char *const *words; /* default text(s), NULL-terminated; a choice: its two words */
	const cfg_key_t *keys;    /* a mapping's keys, or those of each list entry */
	/* Run once this key is done (given or not) in a mapping the file
	 * gives: checks between keys. */
	void (*after)(load_ctx_t *ctx, gw_config_t *cfg);
};

/* The top of the table: the keys of the file. */
extern const cfg_key_t g_config_keys[];

/* Build libcyaml's schema of the table into s. */
void schema_build(cy_schema_t *s);
/* Every key's default into cfg (zeroed). GW_OK, GW_ENOMEM, GW_ERROR. */
int schema_defaults(gw_config_t *cfg);
/* Check every key the file gives, from raw. */
void schema_check(load_ctx_t *ctx, gw_config_t *cfg, const raw_map_t *raw);
void schema_print(const gw_config_t *cfg, FILE *fp);
void schema_free(gw_config_t *cfg);

/* Check (or print) the keys of one mapping, as the table's walk does,
 * for a list type whose entries hold sections of the table (a zone's
 * dnssec: and transfer:). */
void schema_check_map(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *keys,
                      const raw_map_t *raw, const char *path);
void schema_print_map(FILE *fp, const gw_config_t *cfg, const cfg_key_t *keys, int indent);

/* zones.c: cfg->zones as the one zone of zone:, dnssec: and transfer:
 * (replacing what it held). GW_OK or GW_ENOMEM. */
int config_zones_single(gw_config_t *cfg);
/* Free cfg->zones and every zone's own sections. */
void config_zones_free(gw_config_t *cfg);
/* After a reload kept running values (gw_config_keep_restart): the one-
 * zone form made again from zone:, or each zone's state directory and
 * borrowed sections made to follow cfg's. GW_OK or GW_ENOMEM. */
int config_zones_rebuild(gw_config_t *cfg);
/* zones: and zone: both, or neither: reported (the after of zones). */
void check_zone_forms(load_ctx_t *ctx, gw_config_t *cfg);
/* True when name is a link of cfg (an interface or a link's subdomain),
 * or, with no links: configured, could be an interface; else reported
 * at path. */
bool check_link_ref(load_ctx_t *ctx, const gw_config_t *cfg, const char *path, const char *name);

/* sections.c: deep copies of a dnssec: or transfer: section. dst is
 * overwritten (not freed first); on GW_ENOMEM it owns nothing. */
int dnssec_copy(gw_dnssec_config_t *dst, const gw_dnssec_config_t *src);
void dnssec_deinit(gw_dnssec_config_t *d);
int transfer_copy(gw_transfer_config_t *dst, const gw_transfer_config_t *src);
void transfer_deinit(gw_transfer_config_t *t);

/* policy.c: a zone's policy: (keys: default, rules) from raw into *out
 * (which it replaces); problems reported under path. */
void policy_check(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *keys,
                  const raw_map_t *raw, const char *path, mdns_policy_t *out);
/* "policy:" and its keys at indent; nothing for the default policy. */
void policy_print(FILE *fp, const mdns_policy_t *p, int indent);
/* dst (overwritten) a deep copy of src. GW_OK or GW_ENOMEM (dst empty). */
int policy_copy(mdns_policy_t *dst, const mdns_policy_t *src);

/* The value of a key in gw_config_t. */
static inline void *cfg_field(const gw_config_t *cfg, const cfg_key_t *key)
{
	return (char *)cfg + key->field;
}

/* Index of name among the keys (NULL-terminated), for list entries. */
size_t key_index(const cfg_key_t *keys, const char *name);
/* Indices of keys in the order they are checked and printed. Returns n. */
size_t key_order(const cfg_key_t *keys, size_t *order);

/* ---- types (types.c, lists.c) ------------------------------------------- */

extern const cfg_type_t g_type_map, g_type_uint, g_type_duration, g_type_seconds, g_type_bool,
    g_type_choice, g_type_text, g_type_path, g_type_domain, g_type_level, g_type_algorithm,
    g_type_size;
extern const cfg_type_t g_type_listen, g_type_allow, g_type_notify, g_type_tsig_keys, g_type_import,
    g_type_links, g_type_subtypes, g_type_hosts;
/* zone: (the one-zone form); zones:, reverse.prefixes. */
extern const cfg_type_t g_type_zone, g_type_zones, g_type_prefixes;
/* The shapes of keys inside a list entry, which the list's own type
 * checks, prints and frees: a list of text, a list of mappings. */
extern const cfg_type_t g_type_entry_list, g_type_entry_maps;

/* cfg_type_t.free of a value that is one malloc'd pointer. */
void free_field(gw_config_t *cfg, const cfg_key_t *key);
/* Free the n strings of list (owned), then list; list may be NULL. */
void strings_free(char **list, size_t n);
/* True when text holds a control character (a path must not). */
bool has_control(const char *text);

/* Printing (print.c). */
void print_string(FILE *fp, const char *s);
/* "KEY:" at indent, " []" for an empty list, and the newline. */
void print_list_head(FILE *fp, const char *key, size_t n, int indent);
/* print_list_head(), then each of the n items (borrowed) as "- STRING". */
void print_string_list(FILE *fp, const char *key, char *const *items, size_t n, int indent);
void format_size(uint64_t size, char *buf, size_t len);

/* ---- value parsers (values.c) ------------------------------------------- */

/* A domain name (not the root) into wire form and lowercase text with
 * the final dot; false with why set. */
bool parse_name(const char *text, uint8_t *wire, size_t *wire_len, char *str, size_t str_len,
                char *why, size_t why_len);
/* parse_name() into cfg->zone. */
bool parse_domain(const char *text, gw_config_t *cfg, char *why, size_t why_len);
bool parse_decimal(const char *text, unsigned max_digits, unsigned long *out);
bool parse_endpoint(const char *text, gw_endpoint_t *ep, char *why, size_t why_len);
bool parse_prefix(const char *text, gw_acl_entry_t *e, char *why, size_t why_len);
bool parse_key_name(const char *text, char *out, char *why, size_t why_len);
bool parse_acl_entry(const gw_config_t *cfg, const char *text, gw_acl_entry_t *e, char *why,
                     size_t why_len);
bool parse_notify(const gw_config_t *cfg, const char *text, gw_notify_target_t *t, char *why,
                  size_t why_len);
bool parse_size(const char *text, uint64_t *out);
bool parse_subtype(const char *text, char *out, char *why, size_t why_len);
bool check_ifname(load_ctx_t *ctx, const char *path, const char *text);
/* The index of TSIG algorithm text ("hmac-sha256" or "hmac-sha256."), or -1. */
int tsig_alg_find(const char *text);
const char *tsig_alg_word(gw_tsig_alg_t alg);

/* ---- TSIG secrets (secret.c) -------------------------------------------- */

/* A base64 secret, blanks removed, into a new string; NULL with why set
 * when it is not base64 or empty (or out of memory: ctx->sink.oom). */
char *parse_secret(load_ctx_t *ctx, const char *text, size_t len, char *why, size_t why_len);
/* The secret of a key file (private, or 0640 root:GROUP; see
 * gw_file_secret_mode_ok()); NULL with why set. */
char *read_key_file(load_ctx_t *ctx, const char *path, char *why, size_t why_len);
/* The secret in the content of a key file, len octets at buf with a NUL
 * at buf[len] (read_key_file(), the fuzz target); as parse_secret(). */
char *key_file_secret(load_ctx_t *ctx, const char *buf, size_t len, char *why, size_t why_len);
/* A file at path (status st) that shares TSIG secrets with its group:
 * the first is kept in *file (a copy) and *gid, a later one must give
 * the same group, since the daemon has one. GW_OK, GW_ENOMEM, or
 * GW_ECONFIG with why set. */
int shared_secret_note(char **file, gid_t *gid, const char *path, const struct stat *st, char *why,
                       size_t why_len);

/* ---- checks between keys (checks.c) ------------------------------------- */

void check_signature_times(load_ctx_t *ctx, gw_config_t *cfg);
void check_address_families(load_ctx_t *ctx, gw_config_t *cfg);
void check_control_socket(load_ctx_t *ctx, gw_config_t *cfg);
/* tls: certificate and key both or neither; server-name a domain name
 * (made absolute). */
void check_tls(load_ctx_t *ctx, gw_config_t *cfg);
/* mdns.ttl-cap above RFC 8766's 10 s: a warning, still accepted. */
void check_ttl_cap(load_ctx_t *ctx, gw_config_t *cfg);
/* reverse.enable without links: (checks.c). */
void check_reverse(load_ctx_t *ctx, gw_config_t *cfg);
/* A file that holds TSIG secrets itself must be as private as a key file
 * (0600, or 0640 root:GROUP, noted in cfg->secret_group_file). On
 * failure frees cfg. */
int check_secret_mode(sink_t *sink, gw_config_t *cfg, const char *path);
