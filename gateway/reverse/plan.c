/* The reverse zones and the subnet-derived browse records in them.
 *
 * RFC 6763 section 11: a client browses b._dns-sd._udp.<subnet> for its
 * browse domains, db._dns-sd._udp.<subnet> for the default one and
 * lb._dns-sd._udp.<subnet> for the one legacy browsing uses. So b lists the
 * link's subdomain in every zone that shows the link, and db and lb give
 * one answer each, the first of them: two defaults would leave the choice
 * to the client, which shows nothing more for it.
 *
 * The text of every record comes from ldns out of wire form, so a label
 * such as "Building 1" is written "Building\0321" and reads back the same. */
#include "gateway/reverse/reverse.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/array.h"
#include "common/dns.h"
#include "common/error.h"
#include "zones/zone.h"

#define NAME_TEXT_MAX (4 * ZONE_NAME_MAXLEN + 1) /* every octet as \DDD */

static const uint8_t browse_labels[][16] = {
    "\x01"
    "b\x07_dns-sd\x04_udp",
    "\x02"
    "db\x07_dns-sd\x04_udp",
    "\x02"
    "lb\x07_dns-sd\x04_udp",
};
static const size_t browse_labels_len[] = {15, 16, 16};

/* A prefix in use and the links it belongs to. */
typedef struct use {
	gw_reverse_prefix_t prefix;
	size_t *links; /* owned; link_count indexes */
	size_t link_count;
	uint8_t subnet[ZONE_NAME_MAXLEN];
	bool grouped; /* its subnet name was handled with an earlier one's */
} use_t;

typedef struct build {
	const gw_reverse_input_t *in;
	size_t **shown; /* per link: the domains showing it, in order */
	size_t *shown_count;
	use_t *uses;
	size_t use_count, use_cap;
	size_t *rr_caps; /* per zone of the plan */
} build_t;

static int check_input(const gw_reverse_input_t *in)
{
	if (in->link_count > 0 && in->links == NULL)
		return GW_EINVAL;
	if (in->domain_count > 0 && in->domains == NULL)
		return GW_EINVAL;
	if (in->prefix_count > 0 && in->prefixes == NULL)
		return GW_EINVAL;
	for (size_t i = 0; i < in->link_count; i++) {
		const gw_reverse_link_t *l = &in->links[i];
		if (l->label == NULL || l->label_len == 0 || l->label_len > 63 ||
		    (l->prefix_count > 0 && l->prefixes == NULL))
			return GW_EINVAL;
	}
	for (size_t i = 0; i < in->domain_count; i++) {
		const gw_reverse_domain_t *d = &in->domains[i];
		if (d->domain == NULL || zone_name_len(d->domain, ZONE_NAME_MAXLEN) < 0)
			return GW_EINVAL;
		if (d->every_link)
			continue;
		if (d->link_count > 0 && d->links == NULL)
			return GW_EINVAL;
		for (size_t j = 0; j < d->link_count; j++) {
			if (d->links[j] >= in->link_count)
				return GW_EINVAL;
		}
	}
	return GW_OK;
}

static bool domain_shows(const gw_reverse_domain_t *d, size_t link)
{
	if (d->every_link)
		return true;
	for (size_t i = 0; i < d->link_count; i++) {
		if (d->links[i] == link)
			return true;
	}
	return false;
}

static int find_shown(build_t *b)
{
	const gw_reverse_input_t *in = b->in;

	b->shown = calloc(in->link_count + 1, sizeof(*b->shown));
	b->shown_count = calloc(in->link_count + 1, sizeof(*b->shown_count));
	if (b->shown == NULL || b->shown_count == NULL)
		return GW_ENOMEM;
	for (size_t l = 0; l < in->link_count; l++) {
		b->shown[l] = calloc(in->domain_count + 1, sizeof(**b->shown));
		if (b->shown[l] == NULL)
			return GW_ENOMEM;
		for (size_t d = 0; d < in->domain_count; d++) {
			if (domain_shows(&in->domains[d], l))
				b->shown[l][b->shown_count[l]++] = d;
		}
	}
	return GW_OK;
}

static int add_use(build_t *b, const gw_reverse_prefix_t *p)
{
	if (gw_array_reserve(&b->uses, &b->use_cap, b->use_count + 1, sizeof(*b->uses), 8) != GW_OK)
		return GW_ENOMEM;
	use_t *u = &b->uses[b->use_count];
	memset(u, 0, sizeof(*u));
	u->prefix = *p;
	u->prefix.ifname[0] = '\0';
	if (gw_reverse_prefix_normalize(&u->prefix) != GW_OK)
		return GW_EINVAL;
	u->links = calloc(b->in->link_count + 1, sizeof(*u->links));
	if (u->links == NULL)
		return GW_ENOMEM;
	b->use_count++;
	if (gw_reverse_subnet(u->subnet, &u->prefix) < 0)
		return GW_EINVAL;
	return GW_OK;
}

/* The configured prefixes, each with the links it overlaps; or each
 * shown link's own prefixes. */
static int find_uses(build_t *b)
{
	const gw_reverse_input_t *in = b->in;
	int ret;

	if (in->prefix_count > 0) {
		for (size_t i = 0; i < in->prefix_count; i++) {
			if ((ret = add_use(b, &in->prefixes[i])) != GW_OK)
				return ret;
			use_t *u = &b->uses[b->use_count - 1];
			for (size_t l = 0; l < in->link_count; l++) {
				const gw_reverse_link_t *link = &in->links[l];
				for (size_t j = 0; j < link->prefix_count; j++) {
					gw_reverse_prefix_t lp = link->prefixes[j];
					if (gw_reverse_prefix_normalize(&lp) != GW_OK)
						return GW_EINVAL;
					if (gw_reverse_prefix_overlaps(&u->prefix, &lp)) {
						u->links[u->link_count++] = l;
						break;
					}
				}
			}
		}
		return GW_OK;
	}
	for (size_t l = 0; l < in->link_count; l++) {
		if (b->shown_count[l] == 0)
			continue;
		for (size_t j = 0; j < in->links[l].prefix_count; j++) {
			if ((ret = add_use(b, &in->links[l].prefixes[j])) != GW_OK)
				return ret;
			use_t *u = &b->uses[b->use_count - 1];
			u->links[u->link_count++] = l;
		}
	}
	return GW_OK;
}

static int add_zone(gw_reverse_plan_t *plan, const uint8_t *apex, size_t apex_len)
{
	for (size_t i = 0; i < plan->zone_count; i++) {
		if (zone_name_equal(plan->zones[i].apex, apex))
			return GW_OK;
	}
	gw_reverse_zone_t *z = realloc(plan->zones, (plan->zone_count + 1) * sizeof(*z));
	if (z == NULL)
		return GW_ENOMEM;
	plan->zones = z;
	z = &plan->zones[plan->zone_count++];
	memset(z, 0, sizeof(*z));
	memcpy(z->apex, apex, apex_len);
	z->apex_len = apex_len;
	return GW_OK;
}

/* One zone per apex; an apex under another is served by that one, since
 * one server cannot hold a zone and, as a separate zone, part of it. */
static int find_zones(build_t *b, gw_reverse_plan_t *plan)
{
	char text[NAME_TEXT_MAX];
	int ret;

	for (size_t i = 0; i < b->use_count; i++) {
		uint8_t apex[ZONE_NAME_MAXLEN];
		int len = gw_reverse_apex(apex, &b->uses[i].prefix);
		if (len < 0)
			return len;
		if ((ret = add_zone(plan, apex, (size_t)len)) != GW_OK)
			return ret;
	}
	size_t kept = 0;
	for (size_t i = 0; i < plan->zone_count; i++) {
		bool under = false;
		for (size_t j = 0; j < plan->zone_count && !under; j++)
			under = j != i &&
			        zone_name_is_subdomain(plan->zones[i].apex, plan->zones[j].apex);
		if (!under)
			plan->zones[kept++] = plan->zones[i];
	}
	plan->zone_count = kept;
	for (size_t i = 0; i < plan->zone_count; i++) {
		gw_reverse_zone_t *z = &plan->zones[i];
		if ((ret = zone_name_to_str(text, sizeof(text), z->apex)) != GW_OK)
			return ret;
		z->apex_str = strdup(text);
		if (z->apex_str == NULL)
			return GW_ENOMEM;
	}
	b->rr_caps = calloc(plan->zone_count + 1, sizeof(*b->rr_caps));
	return b->rr_caps == NULL ? GW_ENOMEM : GW_OK;
}

/* What reads a line back is ldns too, and ldns takes a first label "@"
 * (however escaped) for the origin: a line that does not read back as rr
 * is refused rather than published as another name. */
static bool reads_back(const ldns_rr *rr, const char *text, uint32_t ttl)
{
	ldns_rr *back = NULL;
	bool same = ldns_rr_new_frm_str(&back, text, 0, NULL, NULL) == LDNS_STATUS_OK &&
	            ldns_rr_compare(rr, back) == 0 && ldns_rr_ttl(back) == ttl;
	ldns_rr_free(back);
	return same;
}

/* The zone-file line "owner TTL IN PTR target", written by ldns. */
static int ptr_line(char **out, const uint8_t *owner, size_t owner_len, const uint8_t *target,
                    size_t target_len, uint32_t ttl)
{
	ldns_rr *rr = NULL;
	char *text = NULL;

	int ret =
	    zone_rr_from_wire(&rr, owner, owner_len, DNS_T_PTR, ttl, target, (uint16_t)target_len);
	if (ret == GW_EMALFORMED)
		return GW_EINVAL; /* a name ldns cannot read: refused too */
	if (ret != GW_OK)
		return ret;
	text = ldns_rr2str_fmt(ldns_output_format_nocomments, rr);
	if (text == NULL)
		ret = GW_ENOMEM;
	else if (!reads_back(rr, text, ttl))
		ret = GW_EINVAL;
	ldns_rr_free(rr);
	if (ret != GW_OK) {
		free(text);
		return ret;
	}
	size_t len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	*out = text;
	return GW_OK;
}

static int add_line(build_t *b, gw_reverse_zone_t *z, size_t zi, int kind, const uint8_t *subnet,
                    size_t subnet_len, const uint8_t *target, size_t target_len)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	char *line = NULL;
	int ret;

	/* A subnet name is at most 74 octets (32 nibbles and ip6.arpa). */
	memcpy(owner, browse_labels[kind], browse_labels_len[kind]);
	memcpy(owner + browse_labels_len[kind], subnet, subnet_len);
	ret = ptr_line(&line, owner, browse_labels_len[kind] + subnet_len, target, target_len,
	               b->in->ttl);
	if (ret != GW_OK)
		return ret;
	if (gw_array_reserve(&z->rrs, &b->rr_caps[zi], z->rr_count + 1, sizeof(*z->rrs), 8) !=
	    GW_OK) {
		free(line);
		return GW_ENOMEM;
	}
	z->rrs[z->rr_count++] = line;
	return GW_OK;
}

/* <label>.<domain> into out; its length, or GW_ELIMIT past 255 octets. */
static int target_name(uint8_t *out, const gw_reverse_link_t *link, const uint8_t *domain)
{
	size_t domain_len = (size_t)zone_name_len(domain, ZONE_NAME_MAXLEN);

	if (1 + link->label_len + domain_len > ZONE_NAME_MAXLEN)
		return GW_ELIMIT;
	out[0] = (uint8_t)link->label_len;
	memcpy(out + 1, link->label, link->label_len);
	memcpy(out + 1 + link->label_len, domain, domain_len);
	return (int)(1 + link->label_len + domain_len);
}

typedef struct target {
	uint8_t name[ZONE_NAME_MAXLEN];
} target_t;

/* The records of the subnet name of uses[first] and of every later use
 * with the same name (192.0.2.0/24 and 192.0.2.0/25 share theirs): a
 * link found under both, or a domain reached twice, is listed once. */
static int subnet_records(build_t *b, gw_reverse_plan_t *plan, size_t first)
{
	const gw_reverse_input_t *in = b->in;
	const uint8_t *subnet = b->uses[first].subnet;
	size_t subnet_len = (size_t)zone_name_len(subnet, ZONE_NAME_MAXLEN);
	target_t *targets = NULL;
	size_t count = 0, cap = 0, zi = 0;
	int ret = GW_OK;

	while (zi < plan->zone_count && !zone_name_is_subdomain(subnet, plan->zones[zi].apex))
		zi++;
	if (zi == plan->zone_count)
		return GW_EINVAL; /* cannot be: every use gave its zone */
	gw_reverse_zone_t *z = &plan->zones[zi];

	for (size_t i = first; i < b->use_count; i++) {
		use_t *u = &b->uses[i];
		if (u->grouped || !zone_name_equal(u->subnet, subnet))
			continue;
		u->grouped = true;
		for (size_t k = 0; k < u->link_count; k++) {
			size_t l = u->links[k];
			for (size_t s = 0; s < b->shown_count[l]; s++) {
				uint8_t t[ZONE_NAME_MAXLEN];
				int len = target_name(t, &in->links[l],
				                      in->domains[b->shown[l][s]].domain);
				if (len < 0) {
					ret = len;
					goto out;
				}
				bool dup = false;
				for (size_t j = 0; j < count && !dup; j++)
					dup = zone_name_equal(targets[j].name, t);
				if (dup)
					continue;
				if (gw_array_reserve(&targets, &cap, count + 1, sizeof(*targets),
				                     4) != GW_OK) {
					ret = GW_ENOMEM;
					goto out;
				}
				memcpy(targets[count++].name, t, (size_t)len);
				ret = add_line(b, z, zi, 0, subnet, subnet_len, t, (size_t)len);
				if (ret != GW_OK)
					goto out;
			}
		}
	}
	for (int kind = 1; kind <= 2 && count > 0; kind++) {
		size_t len = (size_t)zone_name_len(targets[0].name, ZONE_NAME_MAXLEN);
		ret = add_line(b, z, zi, kind, subnet, subnet_len, targets[0].name, len);
		if (ret != GW_OK)
			goto out;
	}
out:
	free(targets);
	return ret;
}

static void build_deinit(build_t *b)
{
	for (size_t l = 0; b->shown != NULL && l < b->in->link_count; l++)
		free(b->shown[l]);
	free(b->shown);
	free(b->shown_count);
	for (size_t i = 0; i < b->use_count; i++)
		free(b->uses[i].links);
	free(b->uses);
	free(b->rr_caps);
}

int gw_reverse_plan_init(gw_reverse_plan_t *plan, const gw_reverse_input_t *in)
{
	build_t b = {.in = in};
	int ret;

	memset(plan, 0, sizeof(*plan));
	if ((ret = check_input(in)) != GW_OK)
		return ret;
	if ((ret = find_shown(&b)) != GW_OK)
		goto out;
	if ((ret = find_uses(&b)) != GW_OK)
		goto out;
	if ((ret = find_zones(&b, plan)) != GW_OK)
		goto out;
	for (size_t i = 0; i < b.use_count; i++) {
		if (!b.uses[i].grouped && (ret = subnet_records(&b, plan, i)) != GW_OK)
			goto out;
	}
out:
	build_deinit(&b);
	if (ret != GW_OK)
		gw_reverse_plan_deinit(plan);
	return ret;
}

void gw_reverse_plan_deinit(gw_reverse_plan_t *plan)
{
	for (size_t i = 0; i < plan->zone_count; i++) {
		for (size_t j = 0; j < plan->zones[i].rr_count; j++)
			free(plan->zones[i].rrs[j]);
		free(plan->zones[i].rrs);
		free(plan->zones[i].apex_str);
	}
	free(plan->zones);
	memset(plan, 0, sizeof(*plan));
}
