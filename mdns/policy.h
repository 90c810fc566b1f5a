/* mdns/: which discovered services a zone shows.
 *
 * A policy is an ordered list of allow/deny rules; the first rule that
 * matches a service instance decides, and the default decides when none
 * does. A rule matches when every pattern it gives matches (a pattern it
 * leaves out matches anything). Patterns are fnmatch(3) globs compared
 * without case. What a decision covers: an instance denied is not in the
 * zone (no PTR, SRV, TXT, no subtype PTR); a service type is listed under
 * _services._dns-sd._udp only while an instance of it is shown; a host's
 * A/AAAA only while a shown instance's SRV targets it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum {
	MDNS_POLICY_ALLOW = 0,
	MDNS_POLICY_DENY,
} mdns_policy_action_t;

typedef struct mdns_policy_rule {
	mdns_policy_action_t action;
	/* Each owned; NULL: any. type: the service type "_ipp._tcp"; it also
	 * matches an instance one of whose subtypes ("_universal._sub._ipp._tcp")
	 * it matches. instance: the instance label as announced (UTF-8).
	 * host: the SRV target's first label ("printer" of printer.local.).
	 * link: the link, by interface name or subdomain (exact, no glob). */
	char *type;
	char *instance;
	char *host;
	char *link;
} mdns_policy_rule_t;

typedef struct mdns_policy {
	mdns_policy_action_t fallback; /* when no rule matches; allow by default */
	mdns_policy_rule_t *rules;     /* owned; rule_count entries, in order */
	size_t rule_count;
} mdns_policy_t;

/* One service instance as the policy sees it. Every pointer borrowed for
 * the call. */
typedef struct mdns_policy_subject {
	const char *type;     /* "_ipp._tcp" */
	const char *instance; /* "Printer 2" */
	const char *host;     /* "printer"; NULL before the SRV is known */
	const char *link_interface;
	const char *link_subdomain;
	const char *const *subtypes; /* subtype_count names "_x._sub._ipp._tcp" */
	size_t subtype_count;
} mdns_policy_subject_t;

/* The decision for s (true: shown). p NULL or without rules: its fallback
 * (NULL: shown). A host pattern does not match while s->host is NULL. */
bool mdns_policy_allows(const mdns_policy_t *p, const mdns_policy_subject_t *s);

/* True when pattern is a glob mdns_policy_allows() accepts: 1..255
 * octets, valid UTF-8, no control characters. */
bool mdns_policy_pattern_valid(const char *pattern);

/* Free the rules (not p itself). Accepts NULL. */
void mdns_policy_deinit(mdns_policy_t *p);
