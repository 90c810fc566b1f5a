/* The zone policy's matcher (mdns/policy.h): fnmatch(3) globs, first
 * matching rule wins. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/utf8.h"
#include "mdns/policy.h"

#define PATTERN_MAX 255

static bool glob(const char *pattern, const char *text)
{
	return text != NULL && fnmatch(pattern, text, FNM_CASEFOLD) == 0;
}

/* The type pattern matches the type or one of the subtypes. */
static bool type_matches(const char *pattern, const mdns_policy_subject_t *s)
{
	if (glob(pattern, s->type))
		return true;
	for (size_t i = 0; i < s->subtype_count; i++)
		if (glob(pattern, s->subtypes[i]))
			return true;
	return false;
}

static bool link_matches(const char *link, const mdns_policy_subject_t *s)
{
	return (s->link_interface != NULL && strcmp(link, s->link_interface) == 0) ||
	       (s->link_subdomain != NULL && strcasecmp(link, s->link_subdomain) == 0);
}

static bool rule_matches(const mdns_policy_rule_t *r, const mdns_policy_subject_t *s)
{
	return (r->type == NULL || type_matches(r->type, s)) &&
	       (r->instance == NULL || glob(r->instance, s->instance)) &&
	       (r->host == NULL || glob(r->host, s->host)) &&
	       (r->link == NULL || link_matches(r->link, s));
}

bool mdns_policy_allows(const mdns_policy_t *p, const mdns_policy_subject_t *s)
{
	if (p == NULL)
		return true;
	for (size_t i = 0; i < p->rule_count; i++)
		if (rule_matches(&p->rules[i], s))
			return p->rules[i].action == MDNS_POLICY_ALLOW;
	return p->fallback == MDNS_POLICY_ALLOW;
}

bool mdns_policy_pattern_valid(const char *pattern)
{
	size_t n = pattern != NULL ? strlen(pattern) : 0;
	if (n == 0 || n > PATTERN_MAX)
		return false;
	return gw_utf8_printable((const uint8_t *)pattern, n);
}

void mdns_policy_deinit(mdns_policy_t *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->rule_count; i++) {
		free(p->rules[i].type);
		free(p->rules[i].instance);
		free(p->rules[i].host);
		free(p->rules[i].link);
	}
	free(p->rules);
	p->rules = NULL;
	p->rule_count = 0;
}
