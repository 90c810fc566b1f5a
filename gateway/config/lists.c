/* The kinds of lists a key can hold: listen addresses, transfer.allow,
 * transfer.notify, dnssec.import and mdns.subtypes (lists of text);
 * tsig-keys and links (lists of mappings). A list the file gives replaces
 * the default, even when empty. Entries that are wrong are reported at
 * themselves and left out. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "gateway/config/internal.h"
#include "zones/zone.h"

static size_t *count_of(const gw_config_t *cfg, const cfg_key_t *key)
{
	return (size_t *)((char *)cfg + key->count);
}

static void *alloc_entries(load_ctx_t *ctx, size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (p == NULL)
		ctx->sink.oom = true;
	return p;
}

void strings_free(char **list, size_t n)
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

/* Lists of strings: the string list and its count. */
static void replace_strings(gw_config_t *cfg, const cfg_key_t *key, char **list, size_t n)
{
	char ***field = cfg_field(cfg, key);
	strings_free(*field, *count_of(cfg, key));
	*field = list;
	*count_of(cfg, key) = n;
}

static int default_strings(gw_config_t *cfg, const cfg_key_t *key)
{
	size_t n = 0;
	char **list;

	while (key->words != NULL && key->words[n] != NULL)
		n++;
	if (n == 0)
		return GW_OK;
	list = calloc(n, sizeof(*list));
	if (list == NULL)
		return GW_ENOMEM;
	replace_strings(cfg, key, list, n);
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(key->words[i]);
		if (list[i] == NULL)
			return GW_ENOMEM; /* gw_config_free() takes the rest */
	}
	return GW_OK;
}

static void print_strings(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	char *const *items = *(char **const *)cfg_field(cfg, key);
	size_t n = *count_of(cfg, key);

	print_string_list(fp, key->name, items, n, indent);
}

static void free_strings(gw_config_t *cfg, const cfg_key_t *key)
{
	replace_strings(cfg, key, NULL, 0);
}

static int copy_strings(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	char *const *from = *(char **const *)cfg_field(src, key);
	size_t n = *count_of(src, key);
	char **list = NULL;
	if (n > 0 && (list = calloc(n, sizeof(*list))) == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		list[i] = strdup(from[i]);
		if (list[i] == NULL) {
			strings_free(list, i);
			return GW_ENOMEM;
		}
	}
	replace_strings(dst, key, list, n);
	return GW_OK;
}

/* ---- addresses ---------------------------------------------------------- */

/* True when ep is among the first n of eps. */
static bool endpoint_listed(const gw_endpoint_t *ep, const gw_endpoint_t *eps, size_t n,
                            size_t stride)
{
	for (size_t j = 0; j < n; j++) {
		const gw_endpoint_t *e = (const gw_endpoint_t *)((const char *)eps + j * stride);
		if (e->addrlen == ep->addrlen && memcmp(&e->addr, &ep->addr, ep->addrlen) == 0)
			return true;
	}
	return false;
}

/* Entry of a list of addresses (a gw_endpoint_t, a gw_notify_target_t)
 * from text, or why not. */
typedef bool (*endpoint_parse_fn)(const gw_config_t *cfg, const char *text, void *entry, char *why,
                                  size_t why_len);

/* The array of a list key (count_of() its length) becomes list, the old
 * one freed by the key's type. */
static void replace_array(gw_config_t *cfg, const cfg_key_t *key, void *list, size_t n)
{
	key->type->free(cfg, key);
	*(void **)cfg_field(cfg, key) = list;
	*count_of(cfg, key) = n;
}

/* A list of addresses: each text parsed into an entry of size octets
 * whose gw_endpoint_t is at offset ep_at, each address once; the entries
 * kept replace the key's list. */
static void check_endpoints(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                            const char *path, char *const *texts, unsigned count, size_t size,
                            size_t ep_at, endpoint_parse_fn parse)
{
	char why[WHY_MAX];
	char child[PLACE_PATH_MAX];
	char q[QBUF];
	size_t n = 0;

	char *list = alloc_entries(ctx, count, size);
	if (list == NULL)
		return;
	for (unsigned i = 0; i < count; i++) {
		void *entry = list + n * size;
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (!parse(cfg, texts[i], entry, why, sizeof(why))) {
			report_at(ctx, child, "%s", why);
			continue;
		}
		/* Each address once (two listen: sockets on one address fail
		 * at bind time with EADDRINUSE): say so here, where the line is
		 * known. */
		if (endpoint_listed((const gw_endpoint_t *)((char *)entry + ep_at),
		                    (const gw_endpoint_t *)(list + ep_at), n, size)) {
			report_at(ctx, child, "'%s' is listed twice; remove one",
			          quote(q, sizeof(q), texts[i], strlen(texts[i])));
			continue;
		}
		n++;
	}
	replace_array(cfg, key, list, n);
}

static bool parse_listen_entry(const gw_config_t *cfg, const char *text, void *entry, char *why,
                               size_t why_len)
{
	(void)cfg;
	return parse_endpoint(text, entry, why, why_len);
}

static void check_listen(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                         void *value, unsigned count)
{
	check_endpoints(ctx, cfg, key, path, value, count, sizeof(gw_endpoint_t), 0,
	                parse_listen_entry);
}

static int default_listen(gw_config_t *cfg, const cfg_key_t *key)
{
	char why[WHY_MAX];
	size_t n = 0;

	while (key->words != NULL && key->words[n] != NULL)
		n++;
	if (n == 0)
		return GW_OK; /* an empty list by default (metrics.listen) */
	gw_endpoint_t *eps = calloc(n, sizeof(*eps));
	if (eps == NULL)
		return GW_ENOMEM;
	*(gw_endpoint_t **)cfg_field(cfg, key) = eps;
	for (size_t i = 0; i < n; i++) {
		if (!parse_endpoint(key->words[i], &eps[i], why, sizeof(why)))
			return GW_ERROR;
	}
	*count_of(cfg, key) = n;
	return GW_OK;
}

static void print_listen(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	const gw_endpoint_t *eps = *(gw_endpoint_t *const *)cfg_field(cfg, key);
	char buf[INET6_ADDRSTRLEN + 16];

	print_list_head(fp, key->name, *count_of(cfg, key), indent);
	for (size_t i = 0; i < *count_of(cfg, key); i++) {
		if (gw_config_endpoint_format(&eps[i], buf, sizeof(buf)) == GW_OK)
			fprintf(fp, "%*s- \"%s\"\n", indent + 2, "", buf);
	}
}

static int copy_listen(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	size_t n = *count_of(src, key);
	gw_endpoint_t *eps = calloc(n > 0 ? n : 1, sizeof(*eps));
	if (eps == NULL)
		return GW_ENOMEM;
	if (n > 0)
		memcpy(eps, *(gw_endpoint_t *const *)cfg_field(src, key), n * sizeof(*eps));
	replace_array(dst, key, eps, n);
	return GW_OK;
}

/* Addresses to listen on (gw_endpoint_t), words the defaults. */
const cfg_type_t g_type_listen = CFG_TYPE(SHAPE_LIST, ADDR_TEXT_MAX, check_listen, default_listen,
                                          print_listen, free_field, copy_listen);

static void check_allow(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        void *value, unsigned count)
{
	char *const *texts = value;
	char why[WHY_MAX];
	char child[PLACE_PATH_MAX];
	gw_acl_t acl = {NULL, 0};

	if (count > 0) {
		acl.entries = alloc_entries(ctx, count, sizeof(*acl.entries));
		if (acl.entries == NULL)
			return;
	}
	for (unsigned i = 0; i < count; i++) {
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (parse_acl_entry(cfg, texts[i], &acl.entries[acl.count], why, sizeof(why)))
			acl.count++;
		else
			report_at(ctx, child, "%s", why);
	}
	gw_acl_t *field = cfg_field(cfg, key);
	free(field->entries);
	*field = acl;
}

static int default_allow(gw_config_t *cfg, const cfg_key_t *key)
{
	char why[WHY_MAX];
	size_t n = 0;
	gw_acl_t *acl = cfg_field(cfg, key);

	while (key->words != NULL && key->words[n] != NULL)
		n++;
	if (n == 0) {
		*acl = (gw_acl_t){0}; /* an empty list by default */
		return GW_OK;
	}
	acl->entries = calloc(n, sizeof(*acl->entries));
	if (acl->entries == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (!parse_prefix(key->words[i], &acl->entries[i], why, sizeof(why)))
			return GW_ERROR;
	}
	acl->count = n;
	return GW_OK;
}

static void print_allow(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	const gw_acl_t *acl = cfg_field(cfg, key);
	char buf[INET6_ADDRSTRLEN + 16];

	print_list_head(fp, key->name, acl->count, indent);
	for (size_t i = 0; i < acl->count; i++) {
		const gw_acl_entry_t *e = &acl->entries[i];
		fprintf(fp, "%*s- \"", indent + 2, "");
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
}

static void free_allow(gw_config_t *cfg, const cfg_key_t *key)
{
	gw_acl_t *acl = cfg_field(cfg, key);
	free(acl->entries);
	acl->entries = NULL;
	acl->count = 0;
}

/* Who may transfer the zone (a gw_acl_t); words the defaults. */
const cfg_type_t g_type_allow =
    CFG_TYPE(SHAPE_LIST, ACL_TEXT_MAX, check_allow, default_allow, print_allow, free_allow, NULL);

static bool parse_notify_entry(const gw_config_t *cfg, const char *text, void *entry, char *why,
                               size_t why_len)
{
	return parse_notify(cfg, text, entry, why, why_len);
}

static void check_notify(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                         void *value, unsigned count)
{
	if (count == 0)
		return;
	check_endpoints(ctx, cfg, key, path, value, count, sizeof(gw_notify_target_t),
	                offsetof(gw_notify_target_t, ep), parse_notify_entry);
}

static void print_notify(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	const gw_notify_target_t *list = *(gw_notify_target_t *const *)cfg_field(cfg, key);
	char buf[INET6_ADDRSTRLEN + 16];

	print_list_head(fp, key->name, *count_of(cfg, key), indent);
	for (size_t i = 0; i < *count_of(cfg, key); i++) {
		if (gw_config_endpoint_format(&list[i].ep, buf, sizeof(buf)) != GW_OK)
			continue;
		fprintf(fp, "%*s- \"%s", indent + 2, "", buf);
		if (list[i].key >= 0)
			fprintf(fp, " key %s", cfg->tsig_keys[list[i].key].name);
		fputs("\"\n", fp);
	}
}

/* Secondaries to NOTIFY (gw_notify_target_t). */
const cfg_type_t g_type_notify =
    CFG_TYPE(SHAPE_LIST, ACL_TEXT_MAX, check_notify, NULL, print_notify, free_field, NULL);

/* ---- names -------------------------------------------------------------- */

static bool ends_with(const char *text, const char *suffix)
{
	size_t len = strlen(text);
	size_t slen = strlen(suffix);
	return len >= slen && strcmp(text + len - slen, suffix) == 0;
}

static void check_import(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                         void *value, unsigned count)
{
	char *const *texts = value;
	char child[PLACE_PATH_MAX];
	char q[QBUF];
	size_t n = 0;

	if (count == 0)
		return;
	char **list = alloc_entries(ctx, count, sizeof(*list));
	if (list == NULL)
		return;
	for (unsigned i = 0; i < count; i++) {
		const char *text = texts[i];
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		quote(q, sizeof(q), text, strlen(text));
		if (has_control(text)) {
			report_at(ctx, child,
			          "the path has a control character; write it on one line without "
			          "escapes");
			continue;
		}
		if (ends_with(text, ".private")) {
			report_at(ctx, child,
			          "'%s' is the private half; give the public K*.key file, the "
			          ".private file next to it is found by name",
			          q);
			continue;
		}
		if (!ends_with(text, ".key") || strlen(text) == 4 || ends_with(text, "/.key")) {
			report_at(ctx, child,
			          "'%s' is not a BIND key file; give the path of a public key file "
			          "ending in .key, e.g. /etc/bind/Khome.arpa.+013+12345.key",
			          q);
			continue;
		}
		if (!add_unique_string(ctx, child, list, &n, text, q))
			break;
	}
	replace_strings(cfg, key, list, n);
}

/* Public key files (BIND K*.key) to sign with. */
const cfg_type_t g_type_import = CFG_TYPE(SHAPE_LIST, GW_CONFIG_PATH_MAX, check_import, NULL,
                                          print_strings, free_strings, copy_strings);

/* Parses one name of a list into out (GW_CONFIG_NAME_STR_MAX octets), or
 * says why not. */
typedef bool (*name_parse_fn)(const char *text, char *out, char *why, size_t why_len);

/* A list of names: each parsed, each once; the problems reported at
 * their place. */
static void check_names(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        char *const *texts, unsigned count, name_parse_fn parse)
{
	char child[PLACE_PATH_MAX];
	char why[WHY_MAX];
	char name[GW_CONFIG_NAME_STR_MAX];
	char **list = NULL;
	size_t n = 0;

	if (count > 0) {
		list = alloc_entries(ctx, count, sizeof(*list));
		if (list == NULL)
			return;
	}
	for (unsigned i = 0; i < count; i++) {
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (!parse(texts[i], name, why, sizeof(why))) {
			report_at(ctx, child, "%s", why);
			continue;
		}
		if (!add_unique_string(ctx, child, list, &n, name, name))
			break;
	}
	replace_strings(cfg, key, list, n);
}

static void check_subtypes(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                           const char *path, void *value, unsigned count)
{
	check_names(ctx, cfg, key, path, value, count, parse_subtype);
}

/* Browse subtypes ("_printer._sub._http._tcp"); words the defaults. */
const cfg_type_t g_type_subtypes =
    CFG_TYPE(SHAPE_LIST, GW_CONFIG_NAME_STR_MAX - 1, check_subtypes, default_strings, print_strings,
             free_strings, copy_strings);

/* A host name as a browser sends it in Host: letters, digits, hyphens and
 * dots, labels of 1..63, at most 253 octets; lowercased into out. */
static bool parse_host_name(const char *text, char *out, char *why, size_t why_len)
{
	const size_t cap = GW_CONFIG_NAME_STR_MAX;
	size_t len = strlen(text), label = 0;
	if (len > 0 && text[len - 1] == '.')
		len--; /* "router.lan." is "router.lan" */
	if (len == 0 || len > 253 || len >= cap) {
		snprintf(why, why_len, "'%s' is not a host name (1..253 octets)", text);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '.') {
			if (label == 0)
				break;
			label = 0;
		} else if (isalnum((unsigned char)c) || c == '-') {
			if (++label > 63)
				break;
		} else {
			label = 0;
			break;
		}
		out[i] = (char)tolower((unsigned char)c);
		if (i + 1 == len && label > 0) {
			out[len] = '\0';
			return true;
		}
	}
	snprintf(why, why_len,
	         "'%s' is not a host name (letters, digits, hyphens and dots; labels of 1..63)",
	         text);
	return false;
}

static void check_hosts(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        void *value, unsigned count)
{
	check_names(ctx, cfg, key, path, value, count, parse_host_name);
}

/* Host names the status page answers to, besides addresses and
 * localhost. */
const cfg_type_t g_type_hosts = CFG_TYPE(SHAPE_LIST, GW_CONFIG_NAME_STR_MAX - 1, check_hosts, NULL,
                                         print_strings, free_strings, copy_strings);

/* ---- lists of mappings -------------------------------------------------- */

/* The text of key name in entry (of the keys of a list of mappings). */
static const char *entry_text(const cfg_key_t *key, const raw_map_t *entry, const char *name)
{
	return entry->v[key_index(key->keys, name)];
}

static void tsig_key_free(void *entry)
{
	gw_tsig_key_config_t *k = entry;
	free(k->name);
	if (k->secret != NULL)
		memset(k->secret, 0, strlen(k->secret));
	free(k->secret);
	free(k->file);
}

/* The secret of one entry, from secret: or file:; NULL with why set. */
static char *entry_secret(load_ctx_t *ctx, const char *secret, const char *file, char *why,
                          size_t why_len)
{
	if (secret != NULL)
		return parse_secret(ctx, secret, strlen(secret), why, why_len);
	if (has_control(file)) {
		snprintf(why, why_len,
		         "the path has a control character; write it on one line without escapes");
		return NULL;
	}
	return read_key_file(ctx, file, why, why_len);
}

/* Entry i of a list of mappings (raw, at path[i]) checked into entry,
 * the n entries before it in list; false to leave it out. An entry that
 * holds memory when out of memory is kept, for the list's free to take. */
typedef bool (*map_entry_fn)(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *key,
                             const raw_map_t *raw, const char *path, unsigned i, void *list,
                             size_t n);

/* A list of mappings: each of the count entries checked by check into
 * a new array of entries of size octets, until out of memory; the
 * entries kept replace the key's list. */
static void check_map_entries(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                              const char *path, const raw_map_t *entries, unsigned count,
                              size_t size, map_entry_fn check)
{
	size_t n = 0;

	if (count == 0)
		return;
	char *list = alloc_entries(ctx, count, size);
	if (list == NULL)
		return;
	for (unsigned i = 0; i < count && !ctx->sink.oom; i++) {
		if (check(ctx, cfg, key, &entries[i], path, i, list, n))
			n++;
	}
	replace_array(cfg, key, list, n);
}

/* A list of mappings' free: each of its entries (of size octets) by
 * entry_free, then the array; none left. */
static void free_entries(gw_config_t *cfg, const cfg_key_t *key, size_t size,
                         void (*entry_free)(void *entry))
{
	char **field = cfg_field(cfg, key);
	for (size_t i = 0; *field != NULL && i < *count_of(cfg, key); i++)
		entry_free(*field + i * size);
	free(*field);
	*field = NULL;
	*count_of(cfg, key) = 0;
}

static bool check_tsig_key(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *key,
                           const raw_map_t *raw, const char *path, unsigned i, void *list, size_t n)
{
	gw_tsig_key_config_t *keys = list;
	gw_tsig_key_config_t *k = &keys[n];
	char child[PLACE_PATH_MAX];
	char why[WHY_MAX];
	char name[GW_CONFIG_NAME_STR_MAX];
	char q[QBUF];
	const char *r_name = entry_text(key, raw, "name");
	const char *r_alg = entry_text(key, raw, "algorithm");
	const char *r_secret = entry_text(key, raw, "secret");
	const char *r_file = entry_text(key, raw, "file");

	(void)cfg;
	snprintf(child, sizeof(child), "%s[%u].name", path, i);
	if (r_name == NULL)
		return false;
	if (!parse_key_name(r_name, name, why, sizeof(why))) {
		report_at(ctx, child, "%s", why);
		return false;
	}
	size_t j;
	for (j = 0; j < n && strcmp(keys[j].name, name) != 0; j++)
		;
	if (j < n) {
		report_at(ctx, child, "key '%s' is defined twice; keep one", name);
		return false;
	}
	k->algorithm = GW_TSIG_HMAC_SHA256;
	if (r_alg != NULL) {
		int a = tsig_alg_find(r_alg);
		snprintf(child, sizeof(child), "%s[%u].algorithm", path, i);
		if (a < 0) {
			quote(q, sizeof(q), r_alg, strlen(r_alg));
			report_at(ctx, child,
			          "'%s' is not a TSIG algorithm%s; use hmac-sha256 (the "
			          "default), hmac-sha384, hmac-sha512 or hmac-sha1",
			          q,
			          strncasecmp(r_alg, "hmac-md5", 8) == 0
			              ? " this gateway offers (RFC 8945: HMAC-MD5 is obsolete)"
			              : "");
			return false;
		}
		k->algorithm = (gw_tsig_alg_t)a;
	}
	snprintf(child, sizeof(child), "%s[%u]", path, i);
	if ((r_secret == NULL) == (r_file == NULL)) {
		report_at(ctx, child,
		          "key '%s' needs exactly one of secret: (base64) or file: (a key file, "
		          "mode 0600)",
		          name);
		return false;
	}
	snprintf(child, sizeof(child), "%s[%u].%s", path, i, r_secret != NULL ? "secret" : "file");
	char *secret = entry_secret(ctx, r_secret, r_file, why, sizeof(why));
	if (secret == NULL) {
		if (!ctx->sink.oom)
			report_at(ctx, child, "%s", why);
		return false;
	}
	k->secret = secret;
	k->name = strdup(name);
	k->file = r_file != NULL ? strdup(r_file) : NULL;
	if (k->name == NULL || (r_file != NULL && k->file == NULL))
		ctx->sink.oom = true;
	return true; /* also on a failed copy: free_tsig_keys() takes what there is */
}

static void check_tsig_keys(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                            const char *path, void *value, unsigned count)
{
	check_map_entries(ctx, cfg, key, path, value, count, sizeof(gw_tsig_key_config_t),
	                  check_tsig_key);
}

static void print_tsig_keys(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	print_list_head(fp, key->name, cfg->tsig_key_count, indent);
	for (size_t i = 0; i < cfg->tsig_key_count; i++) {
		const gw_tsig_key_config_t *k = &cfg->tsig_keys[i];
		fprintf(fp, "%*s- name: ", indent + 2, "");
		print_string(fp, k->name);
		fprintf(fp, "\n%*salgorithm: %s\n", indent + 4, "", tsig_alg_word(k->algorithm));
		/* A key file stays a key file: its secret is not copied out. */
		fprintf(fp, "%*s%s: ", indent + 4, "", k->file != NULL ? "file" : "secret");
		print_string(fp, k->file != NULL ? k->file : k->secret);
		fputc('\n', fp);
	}
}

static void free_tsig_keys(gw_config_t *cfg, const cfg_key_t *key)
{
	free_entries(cfg, key, sizeof(gw_tsig_key_config_t), tsig_key_free);
}

/* The TSIG keys (cfg->tsig_keys): name, algorithm, secret: or file:. */
const cfg_type_t g_type_tsig_keys =
    CFG_TYPE(SHAPE_LIST_MAP, 0, check_tsig_keys, NULL, print_tsig_keys, free_tsig_keys, NULL);

static void link_free(void *entry)
{
	mdns_link_config_t *l = entry;
	free(l->interface);
	free(l->subdomain);
	strings_free(l->browse, l->browse_count);
}

/* Octets of "b._dns-sd._udp." in wire form, in front of a link's name. */
#define LINK_ENUM_PREFIX 15

/* The root: the origin of relative browse domains when no zone is known
 * yet (the zones: form). */
static const uint8_t g_root[1] = {0};

/* One browse domain as DNS text: "@" (the zone apex), a name relative to
 * the zone ("Building 1", "lan2") or absolute ("campus.test."); escapes as
 * in zone files (\. \\ \ddd). Its wire form, made absolute, into wire;
 * false with why set when DNS cannot hold it or it would change meaning. */
static bool parse_browse(const gw_config_t *cfg, const char *text, uint8_t *wire, char *why,
                         size_t why_len)
{
	char q[QBUF];
	const uint8_t *zone = cfg->zone.domain_len > 0 ? cfg->zone.domain : g_root;
	quote(q, sizeof(q), text, strlen(text));
	int len = zone_name_from_str(wire, text, zone);
	if (len < 1) {
		snprintf(why, why_len,
		         "'%s' is not a domain name DNS can hold (labels of 1 to 63 octets, 255 in "
		         "all with the zone); give a name relative to the zone, one with a final "
		         "dot, or @",
		         q);
		return false;
	}
	for (const uint8_t *p = wire; p[0] != 0; p += 1 + p[0]) {
		char label[64];
		char ql[QBUF];
		memcpy(label, p + 1, p[0]);
		label[p[0]] = '\0';
		quote(ql, sizeof(ql), label, p[0]);
		/* A dot written escaped (\.) is meant: DNS holds it. */
		for (char *dot = strchr(label, '.'); dot != NULL; dot = strchr(dot, '.'))
			*dot = '-';
		const char *problem = mdns_link_label_problem(label);
		if (problem != NULL) {
			snprintf(why, why_len, "label '%s' cannot be: %s", ql, problem);
			return false;
		}
	}
	return true;
}

/* The browse domains of links[i] (count texts at path), each once. */
static void check_browse(load_ctx_t *ctx, const gw_config_t *cfg, mdns_link_config_t *link,
                         const char *path, char *const *texts, unsigned count)
{
	char child[PLACE_PATH_MAX];
	char why[WHY_MAX];
	char q[QBUF];
	uint8_t wires[MDNS_BROWSE_MAX][ZONE_NAME_MAXLEN];

	if (count == 0)
		return;
	link->browse = alloc_entries(ctx, count, sizeof(*link->browse));
	if (link->browse == NULL)
		return;
	for (unsigned i = 0; i < count && i < MDNS_BROWSE_MAX; i++) {
		size_t n = link->browse_count;
		snprintf(child, sizeof(child), "%s[%u]", path, i);
		if (!parse_browse(cfg, texts[i], wires[n], why, sizeof(why))) {
			report_at(ctx, child, "%s", why);
			continue;
		}
		size_t j;
		for (j = 0; j < n && !zone_name_equal(wires[j], wires[n]); j++)
			;
		if (j < n) {
			report_at(ctx, child, "'%s' is the same name as entry %zu; remove one",
			          quote(q, sizeof(q), texts[i], strlen(texts[i])), j);
			continue;
		}
		link->browse[n] = strdup(texts[i]);
		if (link->browse[n] == NULL) {
			ctx->sink.oom = true;
			return;
		}
		link->browse_count++;
	}
}

static bool check_link(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *key,
                       const raw_map_t *raw, const char *path, unsigned i, void *list, size_t n)
{
	const char *interface = entry_text(key, raw, "interface");
	const char *subdomain = entry_text(key, raw, "subdomain");
	size_t bi = key_index(key->keys, "browse-domains");
	mdns_link_config_t *links = list;
	char ipath[PLACE_PATH_MAX];
	char spath[PLACE_PATH_MAX];
	char bpath[PLACE_PATH_MAX];
	char q[QBUF];

	snprintf(ipath, sizeof(ipath), "%s[%u].interface", path, i);
	snprintf(spath, sizeof(spath), "%s[%u].subdomain", path, i);
	snprintf(bpath, sizeof(bpath), "%s[%u].browse-domains", path, i);
	if (interface == NULL || !check_ifname(ctx, ipath, interface))
		return false;
	bool own = subdomain != NULL; /* else the interface name serves */
	const char *sub = own ? subdomain : interface;
	const char *problem = mdns_link_label_problem(sub);
	quote(q, sizeof(q), sub, strlen(sub));
	if (problem != NULL) {
		if (own)
			report_at(ctx, spath, "'%s' is not one DNS label: %s", q, problem);
		else
			report_at(ctx, ipath,
			          "'%s' cannot serve as the subdomain (%s); add one, e.g. "
			          "{interface: %s, subdomain: lan}",
			          q, problem, q);
		return false;
	}
	/* b._dns-sd._udp.<label>.<zone> (RFC 6763 section 11) must fit
	 * in DNS's 255 octets. */
	if (cfg->zone.domain_len > 0 &&
	    LINK_ENUM_PREFIX + 1 + strlen(sub) + cfg->zone.domain_len > 255) {
		report_at(ctx, own ? spath : ipath,
		          "'%s' is too long for the zone: b._dns-sd._udp.<subdomain>.%s would "
		          "be over 255 octets; shorten it",
		          q, cfg->zone.domain_str);
		return false;
	}
	size_t j;
	for (j = 0; j < n && strcmp(links[j].interface, interface) != 0; j++)
		;
	if (j < n) {
		report_at(ctx, ipath, "'%s' is listed twice; give each interface one entry",
		          quote(q, sizeof(q), interface, strlen(interface)));
		return false;
	}
	/* DNS compares labels without case: "Lab" and "lab" are one name. */
	for (j = 0; j < n && !mdns_label_equal(links[j].subdomain, sub); j++)
		;
	if (j < n) {
		report_at(ctx, own ? spath : ipath,
		          "subdomain '%s' is already that of interface %s%s; give each link its "
		          "own subdomain",
		          links[j].subdomain, links[j].interface,
		          strcmp(links[j].subdomain, sub) != 0 ? " (DNS ignores case)" : "");
		return false;
	}
	mdns_link_config_t *l = &links[n]; /* kept from here: free_links() takes it */
	l->interface = strdup(interface);
	l->subdomain = strdup(sub);
	if (l->interface == NULL || l->subdomain == NULL)
		ctx->sink.oom = true;
	else
		check_browse(ctx, cfg, l, bpath, raw->v[bi], raw->n[bi]);
	return true;
}

static void check_links(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        void *value, unsigned count)
{
	check_map_entries(ctx, cfg, key, path, value, count, sizeof(mdns_link_config_t),
	                  check_link);
}

static void print_links(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	print_list_head(fp, key->name, cfg->link_count, indent);
	for (size_t i = 0; i < cfg->link_count; i++) {
		fprintf(fp, "%*s- interface: ", indent + 2, "");
		print_string(fp, cfg->links[i].interface);
		fprintf(fp, "\n%*ssubdomain: ", indent + 4, "");
		print_string(fp, cfg->links[i].subdomain);
		fputc('\n', fp);
		if (cfg->links[i].browse_count == 0)
			continue; /* the default: the link's own subdomain */
		print_string_list(fp, "browse-domains", cfg->links[i].browse,
		                  cfg->links[i].browse_count, indent + 4);
	}
}

static void free_links(gw_config_t *cfg, const cfg_key_t *key)
{
	free_entries(cfg, key, sizeof(mdns_link_config_t), link_free);
}

/* The links to mirror (cfg->links): interface, subdomain,
 * browse-domains. */
const cfg_type_t g_type_links =
    CFG_TYPE(SHAPE_LIST_MAP, 0, check_links, NULL, print_links, free_links, NULL);
