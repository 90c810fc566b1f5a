/* A zone's policy: (zones[].policy): its default and its ordered rules,
 * into an mdns_policy_t (mdns/policy.h decides with it). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "gateway/config/internal.h"

/* allow or deny (any case); false when it is neither. */
static bool parse_action(const char *text, mdns_policy_action_t *out)
{
	if (strcasecmp(text, "allow") == 0)
		*out = MDNS_POLICY_ALLOW;
	else if (strcasecmp(text, "deny") == 0)
		*out = MDNS_POLICY_DENY;
	else
		return false;
	return true;
}

static void report_action(load_ctx_t *ctx, const char *path, const char *text)
{
	char q[QBUF];
	report_at(ctx, path, "'%s' is not an action; write allow or deny",
	          quote(q, sizeof(q), text, strlen(text)));
}

static void rule_free(mdns_policy_rule_t *r)
{
	free(r->type);
	free(r->instance);
	free(r->host);
	free(r->link);
	memset(r, 0, sizeof(*r));
}

/* A glob of a rule into *out (a copy); false when it is not one. */
static bool rule_pattern(load_ctx_t *ctx, const char *path, const char *text, char **out)
{
	char q[QBUF];
	if (text == NULL)
		return true;
	if (!mdns_policy_pattern_valid(text)) {
		report_at(ctx, path,
		          "'%s' is not a pattern this gateway takes; write a glob of UTF-8 text "
		          "without control characters, e.g. \"_ipp._tcp\" or \"HP*\"",
		          quote(q, sizeof(q), text, strlen(text)));
		return false;
	}
	*out = strdup(text);
	if (*out == NULL)
		ctx->sink.oom = true;
	return *out != NULL;
}

/* One entry of rules: into r (zeroed); false when it is left out. */
static bool check_rule(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *keys,
                       const raw_map_t *e, const char *path, mdns_policy_rule_t *r)
{
	static const char *const globs[] = {"type", "instance", "host"};
	char **fields[] = {&r->type, &r->instance, &r->host};
	char child[PLACE_PATH_MAX];
	const char *action = e->v[key_index(keys, "action")];
	bool ok = true;

	if (action == NULL)
		return false;
	path_join(child, path, "action");
	if (!parse_action(action, &r->action)) {
		report_action(ctx, child, action);
		ok = false;
	}
	for (size_t i = 0; i < sizeof(globs) / sizeof(globs[0]); i++) {
		path_join(child, path, globs[i]);
		ok = rule_pattern(ctx, child, e->v[key_index(keys, globs[i])], fields[i]) && ok;
	}
	/* a link is named exactly (mdns/policy.h), as zones[].links does */
	const char *link = e->v[key_index(keys, "link")];
	path_join(child, path, "link");
	if (link != NULL && check_link_ref(ctx, cfg, child, link)) {
		r->link = strdup(link);
		if (r->link == NULL)
			ctx->sink.oom = true;
	} else if (link != NULL) {
		ok = false;
	}
	return ok && !ctx->sink.oom;
}

void policy_check(load_ctx_t *ctx, const gw_config_t *cfg, const cfg_key_t *keys,
                  const raw_map_t *raw, const char *path, mdns_policy_t *out)
{
	char child[PLACE_PATH_MAX];
	mdns_policy_t p = {.fallback = MDNS_POLICY_ALLOW};

	const char *def = raw->v[key_index(keys, "default")];
	path_join(child, path, "default");
	if (def != NULL && !parse_action(def, &p.fallback))
		report_action(ctx, child, def);

	size_t ri = key_index(keys, "rules");
	const raw_map_t *rules = raw->v[ri];
	unsigned count = raw->n[ri];
	if (rules != NULL && count > 0) {
		p.rules = calloc(count, sizeof(*p.rules));
		if (p.rules == NULL) {
			ctx->sink.oom = true;
			return;
		}
	}
	for (unsigned i = 0; rules != NULL && i < count && !ctx->sink.oom; i++) {
		snprintf(child, sizeof(child), "%s.rules[%u]", path, i);
		if (check_rule(ctx, cfg, keys[ri].keys, &rules[i], child, &p.rules[p.rule_count]))
			p.rule_count++;
		else
			rule_free(&p.rules[p.rule_count]);
	}
	mdns_policy_deinit(out);
	*out = p;
}

static const char *action_word(mdns_policy_action_t a)
{
	return a == MDNS_POLICY_DENY ? "deny" : "allow";
}

static void print_pattern(FILE *fp, const char *key, const char *value, int indent)
{
	if (value == NULL)
		return;
	fprintf(fp, "%*s%s: ", indent, "", key);
	print_string(fp, value);
	fputc('\n', fp);
}

void policy_print(FILE *fp, const mdns_policy_t *p, int indent)
{
	if (p->fallback == MDNS_POLICY_ALLOW && p->rule_count == 0)
		return;
	fprintf(fp, "%*spolicy:\n", indent, "");
	fprintf(fp, "%*sdefault: %s\n", indent + 2, "", action_word(p->fallback));
	print_list_head(fp, "rules", p->rule_count, indent + 2);
	for (size_t i = 0; i < p->rule_count; i++) {
		const mdns_policy_rule_t *r = &p->rules[i];
		fprintf(fp, "%*s- action: %s\n", indent + 4, "", action_word(r->action));
		print_pattern(fp, "type", r->type, indent + 6);
		print_pattern(fp, "instance", r->instance, indent + 6);
		print_pattern(fp, "host", r->host, indent + 6);
		print_pattern(fp, "link", r->link, indent + 6);
	}
}

/* *dst a copy of src, NULL for NULL; false when out of memory. */
static bool copy_pattern(char **dst, const char *src)
{
	*dst = src != NULL ? strdup(src) : NULL;
	return src == NULL || *dst != NULL;
}

int policy_copy(mdns_policy_t *dst, const mdns_policy_t *src)
{
	*dst = (mdns_policy_t){.fallback = src->fallback};
	size_t n = src->rule_count;
	if (n > 0 && (dst->rules = calloc(n, sizeof(*dst->rules))) == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const mdns_policy_rule_t *s = &src->rules[i];
		mdns_policy_rule_t *r = &dst->rules[i];
		dst->rule_count++;
		r->action = s->action;
		if (!copy_pattern(&r->type, s->type) || !copy_pattern(&r->instance, s->instance) ||
		    !copy_pattern(&r->host, s->host) || !copy_pattern(&r->link, s->link)) {
			mdns_policy_deinit(dst);
			*dst = (mdns_policy_t){0};
			return GW_ENOMEM;
		}
	}
	return GW_OK;
}
