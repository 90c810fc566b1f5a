/* NSEC3 proofs (RFC 5155 7.2) for the answerer.
 *
 * A proof names NSEC3 RRsets by what they do to a name: one matches it
 * (its owner is the name's hash) or covers it (the hash falls between its
 * owner and its next hashed owner, so the name is not in the zone).
 * zones/ keeps the NSEC3 owners in hash order apart from the other names,
 * so each part is one hash and one binary search, however many names sort
 * between two hashes. */
#include "gateway/query/proof.h"

#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "dnssec/dnssec.h"

/* The ancestor of name with labels labels (name itself when it has that
 * many); labels is never more than name has. */
static const uint8_t *ancestor(const uint8_t *name, int labels)
{
	int skip = zone_name_labels(name) - labels;

	for (int i = 0; i < skip; i++)
		name += *name + 1;
	return name;
}

static void add(gw_denial_t *d, const zone_node_t *node)
{
	if (d->count < GW_DENIAL_MAX)
		d->nsec3[d->count++] = node;
}

/* The NSEC3 that matches name (its owner is the hash of name) or, with
 * cover, the one whose interval holds that hash. */
static int add_nsec3(gw_denial_t *d, const zone_t *zone, const uint8_t *name, bool cover)
{
	const zone_node_t *node;
	const zone_node_t *prev;
	int ret = sig_nsec3_find(zone, name, NULL, &node, &prev);

	if (ret != GW_OK)
		return ret;
	/* A match says the name is in the chain after all: no NSEC3 can
	 * deny it, and a wrong one would only fail validation. */
	const zone_node_t *found = !cover ? node : node == NULL ? prev : NULL;
	if (found == NULL)
		return GW_ENOTFOUND;
	add(d, found);
	return GW_OK;
}

/* 7.2.1: the NSEC3 matching the closest encloser and the one covering the
 * next closer name (the closest encloser's child on the way to name). */
static int add_closest_encloser(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                                int encloser_labels)
{
	if (encloser_labels >= zone_name_labels(name))
		return GW_EINVAL; /* name exists: there is nothing to enclose */
	int ret = add_nsec3(d, zone, ancestor(name, encloser_labels), false);
	int next = add_nsec3(d, zone, ancestor(name, encloser_labels + 1), true);
	return ret != GW_OK ? ret : next;
}

/* *.<closest encloser> into wild (ZONE_NAME_MAXLEN octets). */
static int wildcard_at(uint8_t *wild, const uint8_t *name, int encloser_labels)
{
	const uint8_t *ce = ancestor(name, encloser_labels);
	int len = zone_name_len(ce, ZONE_NAME_MAXLEN);

	/* Too long for a wildcard label in front: then no wildcard can
	 * exist there, but neither can its proof be given. */
	if (len < 0 || len + 2 > ZONE_NAME_MAXLEN)
		return GW_ELIMIT;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce, (size_t)len);
	return GW_OK;
}

/* The closest encloser proof, then the NSEC3 that covers (NXDOMAIN) or
 * matches (wildcard NODATA) the wildcard at the closest encloser. */
static int encloser_and_wildcard(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                                 int encloser_labels, bool cover)
{
	uint8_t wild[ZONE_NAME_MAXLEN];

	d->count = 0;
	int ret = add_closest_encloser(d, zone, name, encloser_labels);
	int wret = wildcard_at(wild, name, encloser_labels);
	if (wret == GW_OK)
		wret = add_nsec3(d, zone, wild, cover);
	return ret != GW_OK ? ret : wret;
}

int gw_denial_nxdomain(gw_denial_t *d, const zone_t *zone, const uint8_t *name, int encloser_labels)
{
	return encloser_and_wildcard(d, zone, name, encloser_labels, true);
}

int gw_denial_nodata(gw_denial_t *d, const zone_t *zone, const uint8_t *name)
{
	d->count = 0;
	return add_nsec3(d, zone, name, false);
}

int gw_denial_ds(gw_denial_t *d, const zone_t *zone, const uint8_t *name)
{
	int ret = gw_denial_nodata(d, zone, name);
	if (ret != GW_ENOTFOUND)
		return ret;
	int apex_labels = zone_name_labels(zone_apex(zone));
	for (int labels = zone_name_labels(name) - 1; labels >= apex_labels; labels--) {
		const zone_node_t *match = NULL;
		const zone_node_t *prev;
		if (sig_nsec3_find(zone, ancestor(name, labels), NULL, &match, &prev) == GW_OK &&
		    match != NULL) {
			d->count = 0;
			return add_closest_encloser(d, zone, name, labels);
		}
	}
	return GW_ENOTFOUND;
}

int gw_denial_wildcard_nodata(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                              int encloser_labels)
{
	return encloser_and_wildcard(d, zone, name, encloser_labels, false);
}

int gw_denial_wildcard_answer(gw_denial_t *d, const zone_t *zone, const uint8_t *name,
                              int encloser_labels)
{
	d->count = 0;
	if (encloser_labels >= zone_name_labels(name))
		return GW_EINVAL;
	return add_nsec3(d, zone, ancestor(name, encloser_labels + 1), true);
}

bool gw_denial_hidden(const zone_t *zone, const zone_node_t *node)
{
	if (!sig_node_is_nsec3(zone, node))
		return false;
	/* A name that also holds data of its own is a name of the zone,
	 * however it is spelled. */
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		if (node->rrsets[i].type != DNS_T_NSEC3 && node->rrsets[i].type != DNS_T_RRSIG)
			return false;
	}
	const zone_node_t *next = zone_next(zone, node);
	return next == NULL || !zone_name_is_subdomain(next->owner, node->owner);
}

int gw_denial_encloser(const zone_t *zone, const uint8_t *name, int encloser_labels)
{
	/* NSEC3 owners are one label below the apex, so only a closest
	 * encloser there can be one. */
	int apex_labels = zone_name_labels(zone_apex(zone));
	if (encloser_labels != apex_labels + 1)
		return encloser_labels;
	const zone_node_t *ce = zone_find(zone, ancestor(name, encloser_labels));
	if (ce != NULL && gw_denial_hidden(zone, ce))
		return apex_labels;
	return encloser_labels;
}
