/* The YAML document: syntax, nesting, the position of every value, its
 * structure against the schema (unknown and missing keys, kinds of nodes,
 * counts, lengths), and libcyaml's reading of it into raw values. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

static place_t *place_lookup(const load_ctx_t *ctx, const char *path)
{
	for (size_t i = 0; i < ctx->place_count; i++) {
		if (strcmp(ctx->places[i].path, path) == 0)
			return &ctx->places[i];
	}
	return NULL;
}

const place_t *place_find(const load_ctx_t *ctx, const char *path)
{
	return place_lookup(ctx, path);
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
	p->reported = false;
	return true;
}

void report_at(load_ctx_t *ctx, const char *path, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	place_t *p = place_lookup(ctx, path);
	if (p != NULL) {
		p->reported = true;
		sink_add_mark(&ctx->sink, &p->node->start_mark, "%s: %s", path, msg);
	} else {
		sink_add(&ctx->sink, 0, 0, "%s: %s", path, msg);
	}
}

void warn_at(load_ctx_t *ctx, gw_config_t *cfg, const char *path, const char *fmt, ...)
{
	char msg[MESSAGE_MAX];
	char line[MESSAGE_MAX + PLACE_PATH_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	const place_t *p = place_find(ctx, path);
	if (p != NULL)
		snprintf(line, sizeof(line), "%s:%zu:%zu: %s: warning: %s", ctx->sink.name,
		         p->node->start_mark.line + 1, p->node->start_mark.column + 1, path, msg);
	else
		snprintf(line, sizeof(line), "%s: %s: warning: %s", ctx->sink.name, path, msg);
	char **list = realloc(cfg->warnings, (cfg->warning_count + 1) * sizeof(*list));
	if (list == NULL) {
		ctx->sink.oom = true;
		return;
	}
	cfg->warnings = list;
	list[cfg->warning_count] = strdup(line);
	if (list[cfg->warning_count] == NULL)
		ctx->sink.oom = true;
	else
		cfg->warning_count++;
}

bool reported_at(const load_ctx_t *ctx, const char *path)
{
	const place_t *p = place_find(ctx, path);
	return p != NULL && p->reported;
}

const char *node_text(const yaml_node_t *node)
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

void path_join(char *out, const char *parent, const char *key)
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
	place_add(ctx, "", root, &ctx->schema.top);
	walk_mapping(ctx, "", root, ctx->schema.top.mapping.fields, &root->start_mark);
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

int document_read_raw(load_ctx_t *ctx, const char *data, size_t len, raw_map_t **raw)
{
	const cyaml_config_t cy = {
	    .log_fn = cyaml_capture,
	    .log_ctx = ctx,
	    .mem_fn = cyaml_mem,
	    .log_level = CYAML_LOG_ERROR,
	    .flags = CYAML_CFG_DEFAULT,
	};

	ctx->cy_count = 0;
	cyaml_err_t err = cyaml_load_data((const uint8_t *)data, len, &cy, &ctx->schema.top,
	                                  (cyaml_data_t **)raw, NULL);
	if (err == CYAML_OK)
		return GW_OK;
	if (err == CYAML_ERR_OOM)
		return GW_ENOMEM;
	report_cyaml(ctx, err);
	return GW_ECONFIG;
}

void document_free_raw(load_ctx_t *ctx, raw_map_t *raw)
{
	const cyaml_config_t cy = {.mem_fn = cyaml_mem, .log_level = CYAML_LOG_ERROR};
	if (raw != NULL)
		cyaml_free(&cy, &ctx->schema.top, raw, 0);
}

int document_load(load_ctx_t *ctx, const char *data, size_t len)
{
	int ret = check_depth(ctx, data, len);
	if (ret == GW_OK)
		ret = load_document(ctx, data, len);
	if (ret != GW_OK)
		return ret;
	walk_root(ctx);
	if (ctx->sink.oom)
		return GW_ENOMEM;
	return ctx->sink.failed ? GW_ECONFIG : GW_OK;
}

void document_deinit(load_ctx_t *ctx)
{
	if (ctx->have_doc)
		yaml_document_delete(&ctx->doc);
	ctx->have_doc = false;
	free(ctx->places);
	ctx->places = NULL;
	ctx->place_count = ctx->place_cap = 0;
}
