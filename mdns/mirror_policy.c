/* What each zone shows: a service instance as the zone's policy sees it
 * (mdns/policy.h), built from what the link knows of it, and the
 * decision kept for the rest of the compute (the instance is asked about
 * once per browse name that leads to it). */
#include "mdns/mirror_internal.h"

#include "common/dns.h"

/* Subtypes given to the policy at most: a device announcing more is
 * judged on these. */
#define SUBTYPES_MAX 16

static bool judge(const mdns_policy_t *p, const mlink_t *l, const kname_t *n, const kname_t *host)
{
	char instance[256], type[128], htext[64];
	char subs[SUBTYPES_MAX][256];
	const char *subp[SUBTYPES_MAX];
	size_t nsubs = 0;
	mirror_label_text(instance, sizeof(instance), n->name);
	mirror_labels_text(type, sizeof(type), n->name + 1 + n->name[0], 2);
	if (host != NULL)
		mirror_label_text(htext, sizeof(htext), host->name);
	/* The subtypes are the subtype browse names whose PTRs lead here. */
	for (const krr_t *r = n->referrers; r != NULL && nsubs < SUBTYPES_MAX; r = r->tnext) {
		if (r->type != DNS_T_PTR || r->owner == NULL ||
		    mdns_name_kind(r->owner->name) != MDNS_NAME_SUBTYPE)
			continue;
		mirror_labels_text(subs[nsubs], sizeof(subs[nsubs]), r->owner->name, 4);
		subp[nsubs] = subs[nsubs];
		nsubs++;
	}
	mdns_policy_subject_t s = {
	    .type = type,
	    .instance = instance,
	    .host = host != NULL ? htext : NULL,
	    .link_interface = l->ifname,
	    .link_subdomain = l->label,
	    .subtypes = subp,
	    .subtype_count = nsubs,
	};
	return mdns_policy_allows(p, &s);
}

bool mirror_policy_shows(mdns_mirror_t *m, mzone_t *z, mlink_t *l, kname_t *n, const kname_t *host)
{
	const mdns_policy_t *p = mirror_zcfg(z)->policy;
	if (p == NULL)
		return true;
	if (n->policy_epoch != m->compute_epoch) {
		n->policy_epoch = m->compute_epoch;
		n->policy_shown = judge(p, l, n, host);
	}
	return n->policy_shown;
}

bool mirror_policy_shows_host(const mzone_t *z, const mlink_t *l, const kname_t *n,
                              const kname_t *host)
{
	const mdns_policy_t *p = mirror_zcfg(z)->policy;
	return p == NULL || judge(p, l, n, host);
}
