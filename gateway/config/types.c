/* The kinds of single values a key can hold: each checks the text of a
 * key the file gives into its field, sets the default, prints the value
 * back and frees what it owns. Lists are in lists.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "gateway/config/duration.h"
#include "gateway/config/internal.h"

static void put_uint(void *field, size_t size, uint64_t v)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)v;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)v;
		break;
	case 4:
		*(uint32_t *)field = (uint32_t)v;
		break;
	default:
		*(uint64_t *)field = v;
		break;
	}
}

static uint64_t get_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	case 4:
		return *(const uint32_t *)field;
	default:
		return *(const uint64_t *)field;
	}
}

static int default_uint(gw_config_t *cfg, const cfg_key_t *key)
{
	put_uint(cfg_field(cfg, key), key->size, key->def);
	return GW_OK;
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

bool has_control(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	}
	return false;
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

/* ---- whole numbers ------------------------------------------------------ */

static void check_uint(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                       void *value, unsigned count)
{
	(void)count;
	if (check_range(ctx, path, value, key->min, key->max, key->note != NULL ? key->note : ""))
		put_uint(cfg_field(cfg, key), key->size, *(const uint64_t *)value);
}

static void print_uint(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: %llu\n", indent, "", key->name,
	        (unsigned long long)get_uint(cfg_field(cfg, key), key->size));
}

const cfg_type_t g_type_uint =
    CFG_TYPE(SHAPE_UINT, 0, check_uint, default_uint, print_uint, NULL, NULL);

/* ---- durations ---------------------------------------------------------- */

/* A duration from key->min to key->max ms into *out; false (and reported)
 * when it is wrong. */
static bool check_duration(load_ctx_t *ctx, const cfg_key_t *key, const char *path,
                           const char *text, uint64_t *out)
{
	char q[QBUF];
	char lo[DURATION_TEXT_MAX];
	char hi[DURATION_TEXT_MAX];
	const char *note = key->note != NULL ? key->note : "";
	uint64_t ms = 0;

	quote(q, sizeof(q), text, strlen(text));
	gw_duration_format(key->min, lo, sizeof(lo));
	gw_duration_format(key->max, hi, sizeof(hi));
	int ret = gw_duration_parse(text, &ms);
	if (ret != GW_OK && key->example != NULL) {
		report_at(ctx, path,
		          "'%s' is not a duration; write a whole number and a unit (ms, s, m, h, "
		          "d), e.g. %s",
		          q, key->example);
		return false;
	}
	if (ret == GW_EINVAL) {
		report_at(ctx, path,
		          "'%s' is not a duration; write a whole number and a unit (ms, s, m, h, "
		          "d) from %s to %s%s",
		          q, lo, hi, note);
		return false;
	}
	if (ret != GW_OK || ms < key->min || ms > key->max) {
		report_at(ctx, path, "'%s' is out of range; use %s to %s%s", q, lo, hi, note);
		return false;
	}
	*out = ms;
	return true;
}

static void print_ms(FILE *fp, const char *name, uint64_t ms, int indent)
{
	char buf[DURATION_TEXT_MAX];
	gw_duration_format(ms, buf, sizeof(buf));
	fprintf(fp, "%*s%s: %s\n", indent, "", name, buf);
}

static void check_ms(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                     void *value, unsigned count)
{
	uint64_t ms = 0;
	(void)count;
	if (check_duration(ctx, key, path, value, &ms))
		put_uint(cfg_field(cfg, key), key->size, ms);
}

static void print_duration(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	print_ms(fp, key->name, get_uint(cfg_field(cfg, key), key->size), indent);
}

/* Kept in milliseconds; def, min and max too. */
const cfg_type_t g_type_duration =
    CFG_TYPE(SHAPE_TEXT, DURATION_TEXT_MAX, check_ms, default_uint, print_duration, NULL, NULL);

static void check_seconds(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                          void *value, unsigned count)
{
	uint64_t ms = 0;
	(void)count;
	if (check_duration(ctx, key, path, value, &ms))
		put_uint(cfg_field(cfg, key), key->size, ms / 1000);
}

static int default_seconds(gw_config_t *cfg, const cfg_key_t *key)
{
	put_uint(cfg_field(cfg, key), key->size, key->def / 1000);
	return GW_OK;
}

static void print_seconds(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	print_ms(fp, key->name, get_uint(cfg_field(cfg, key), key->size) * 1000, indent);
}

/* Kept in whole seconds (rounded down); def, min and max in ms. */
const cfg_type_t g_type_seconds = CFG_TYPE(SHAPE_TEXT, DURATION_TEXT_MAX, check_seconds,
                                           default_seconds, print_seconds, NULL, NULL);

/* ---- words -------------------------------------------------------------- */

/* YAML 1.1 spellings, any letter case, as libyaml users write them. */
static void check_bool(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                       void *value, unsigned count)
{
	static const char *const yes[] = {"true", "yes", "on"};
	static const char *const no[] = {"false", "no", "off"};
	const char *text = value;
	bool *out = cfg_field(cfg, key);
	char q[QBUF];

	(void)count;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return;
		}
	}
	report_at(ctx, path, "'%s' is not true or false; write true or false",
	          quote(q, sizeof(q), text, strlen(text)));
}

static int default_bool(gw_config_t *cfg, const cfg_key_t *key)
{
	*(bool *)cfg_field(cfg, key) = key->def != 0;
	return GW_OK;
}

static void print_bool(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name,
	        *(const bool *)cfg_field(cfg, key) ? "true" : "false");
}

/* Read as text: libcyaml takes every word but a few false ones for true,
 * so "flase" would turn a feature on. */
const cfg_type_t g_type_bool =
    CFG_TYPE(SHAPE_TEXT, WORD_TEXT_MAX, check_bool, default_bool, print_bool, NULL, NULL);

static void check_choice(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                         void *value, unsigned count)
{
	const char *text = value;
	const char *no = key->words[0];
	const char *yes = key->words[1];
	char q[QBUF];

	(void)count;
	if (strcasecmp(text, no) == 0 || strcasecmp(text, yes) == 0) {
		*(bool *)cfg_field(cfg, key) = strcasecmp(text, yes) == 0;
		return;
	}
	report_at(ctx, path, "'%s' is not %s or %s; %s", quote(q, sizeof(q), text, strlen(text)),
	          no, yes, key->note);
}

static void print_choice(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name,
	        key->words[*(const bool *)cfg_field(cfg, key) ? 1 : 0]);
}

/* One of two words (words[0] false, words[1] true); note is the fix. */
const cfg_type_t g_type_choice =
    CFG_TYPE(SHAPE_TEXT, WORD_TEXT_MAX, check_choice, default_bool, print_choice, NULL, NULL);

static const char *const g_level_names[] = {"error", "warning", "notice", "info", "debug"};

static void check_level(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                        void *value, unsigned count)
{
	char q[QBUF];
	(void)count;
	if (gw_log_level_parse(value, cfg_field(cfg, key)) != GW_OK)
		report_at(ctx, path,
		          "'%s' is not a log level; use error, warning, notice, info or debug",
		          quote(q, sizeof(q), value, strlen(value)));
}

static void print_level(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name,
	        g_level_names[*(const gw_log_level_t *)cfg_field(cfg, key)]);
}

const cfg_type_t g_type_level =
    CFG_TYPE(SHAPE_TEXT, LEVEL_TEXT_MAX, check_level, default_uint, print_level, NULL, NULL);

/* DNSSEC algorithm mnemonics (RFC 8624 section 3.1) and their numbers. */
static const struct {
	const char *name;
	uint8_t number;
} g_algorithms[] = {
    {"rsasha256", 8},
    {"ecdsap256sha256", 13},
    {"ed25519", 15},
};

static void check_algorithm(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key,
                            const char *path, void *value, unsigned count)
{
	const char *text = value;
	char q[QBUF];
	const char *why = "";

	(void)count;
	for (size_t i = 0; i < sizeof(g_algorithms) / sizeof(g_algorithms[0]); i++) {
		char num[4];
		snprintf(num, sizeof(num), "%u", g_algorithms[i].number);
		if (strcasecmp(text, g_algorithms[i].name) == 0 || strcmp(text, num) == 0) {
			*(uint8_t *)cfg_field(cfg, key) = g_algorithms[i].number;
			return;
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
	report_at(ctx, path,
	          "'%s' is not a signing algorithm%s; use ecdsap256sha256 (13, the default), "
	          "ed25519 (15) or rsasha256 (8)",
	          quote(q, sizeof(q), text, strlen(text)), why);
}

static void print_algorithm(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	uint8_t number = *(const uint8_t *)cfg_field(cfg, key);
	const char *name = g_algorithms[0].name; /* not kept: validation allows only these */
	for (size_t i = 0; i < sizeof(g_algorithms) / sizeof(g_algorithms[0]); i++) {
		if (g_algorithms[i].number == number)
			name = g_algorithms[i].name;
	}
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name, name);
}

/* A DNSSEC signing algorithm (uint8_t), by name or number. */
const cfg_type_t g_type_algorithm =
    CFG_TYPE(SHAPE_TEXT, WORD_TEXT_MAX, check_algorithm, default_uint, print_algorithm, NULL, NULL);

/* ---- sizes -------------------------------------------------------------- */

static void check_size(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                       void *value, unsigned count)
{
	char q[QBUF];
	char lo[DURATION_TEXT_MAX];
	char hi[DURATION_TEXT_MAX];
	uint64_t size = 0;

	(void)count;
	quote(q, sizeof(q), value, strlen(value));
	format_size(key->min, lo, sizeof(lo));
	format_size(key->max, hi, sizeof(hi));
	if (!parse_size(value, &size))
		report_at(ctx, path,
		          "'%s' is not a size; write a whole number of octets, optionally "
		          "with k, M or G (powers of 1024), e.g. 16M",
		          q);
	else if (size < key->min || size > key->max)
		report_at(ctx, path, "'%s' is out of range; use %s to %s", q, lo, hi);
	else
		put_uint(cfg_field(cfg, key), key->size, size);
}

static void print_size(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	char buf[DURATION_TEXT_MAX];
	format_size(get_uint(cfg_field(cfg, key), key->size), buf, sizeof(buf));
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name, buf);
}

/* Octets: "16M", "512k", "1G" or a plain number. */
const cfg_type_t g_type_size =
    CFG_TYPE(SHAPE_TEXT, DURATION_TEXT_MAX, check_size, default_uint, print_size, NULL, NULL);

/* ---- text --------------------------------------------------------------- */

static void check_text(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                       void *value, unsigned count)
{
	(void)path;
	(void)count;
	set_string(ctx, cfg_field(cfg, key), value);
}

static int default_text(gw_config_t *cfg, const cfg_key_t *key)
{
	char **field = cfg_field(cfg, key);
	if (key->words == NULL)
		return GW_OK;
	*field = strdup(key->words[0]);
	return *field != NULL ? GW_OK : GW_ENOMEM;
}

static void print_text(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: ", indent, "", key->name);
	print_string(fp, *(char *const *)cfg_field(cfg, key));
	fputc('\n', fp);
}

void free_field(gw_config_t *cfg, const cfg_key_t *key)
{
	void **field = cfg_field(cfg, key);
	free(*field);
	*field = NULL;
}

static int copy_text(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	const char *from = *(char *const *)cfg_field(src, key);
	char *copy = NULL;
	if (from != NULL && (copy = strdup(from)) == NULL)
		return GW_ENOMEM;
	free_field(dst, key);
	*(char **)cfg_field(dst, key) = copy;
	return GW_OK;
}

/* A string (char *, owned); words[0] the default, else NULL. */
const cfg_type_t g_type_text =
    CFG_TYPE(SHAPE_TEXT, 0, check_text, default_text, print_text, free_field, copy_text);

static void check_path(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                       void *value, unsigned count)
{
	(void)count;
	if (value == NULL)
		return;
	if (has_control(value)) {
		report_at(ctx, path,
		          "the path has a control character; write it on one line without "
		          "escapes");
		return;
	}
	set_string(ctx, cfg_field(cfg, key), value);
}

/* A file or directory name: text without control characters. */
const cfg_type_t g_type_path = CFG_TYPE(SHAPE_TEXT, GW_CONFIG_PATH_MAX, check_path, default_text,
                                        print_text, free_field, copy_text);

static void check_domain(load_ctx_t *ctx, gw_config_t *cfg, const cfg_key_t *key, const char *path,
                         void *value, unsigned count)
{
	char why[WHY_MAX];
	(void)key;
	(void)count;
	if (!parse_domain(value, cfg, why, sizeof(why)))
		report_at(ctx, path, "%s", why);
}

static int default_domain(gw_config_t *cfg, const cfg_key_t *key)
{
	char why[WHY_MAX];
	return parse_domain(key->words[0], cfg, why, sizeof(why)) ? GW_OK : GW_ERROR;
}

static void print_domain(FILE *fp, const gw_config_t *cfg, const cfg_key_t *key, int indent)
{
	fprintf(fp, "%*s%s: %s\n", indent, "", key->name, cfg->zone.domain_str);
}

static int copy_domain(gw_config_t *dst, const gw_config_t *src, const cfg_key_t *key)
{
	(void)key;
	memcpy(dst->zone.domain, src->zone.domain, sizeof(dst->zone.domain));
	dst->zone.domain_len = src->zone.domain_len;
	memcpy(dst->zone.domain_str, src->zone.domain_str, sizeof(dst->zone.domain_str));
	return GW_OK;
}

/* The zone's domain: cfg->zone (wire form, length, text). */
const cfg_type_t g_type_domain = CFG_TYPE(SHAPE_TEXT, GW_CONFIG_NAME_STR_MAX - 1, check_domain,
                                          default_domain, print_domain, NULL, copy_domain);
