/* Which names and RRsets the signer covers: the NSEC chain and the
 * delegation rules (RFC 4035 2.2, 2.3; RFC 4034 4.1.2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "dnssec/sign_internal.h"

bool sig_role_signs(sig_role_t role, uint16_t type)
{
	bool key_set = type == DNS_T_DNSKEY || type == DNS_T_CDS || type == DNS_T_CDNSKEY;

	switch (role) {
	case SIG_ROLE_CSK:
		return true;
	case SIG_ROLE_KSK:
		return key_set;
	case SIG_ROLE_ZSK:
		return !key_set;
	}
	return false;
}

time_t sig_time_from_wire(uint32_t t, time_t ref)
{
	uint32_t d = t - (uint32_t)ref;
	int64_t delta = d >= 0x80000000u ? (int64_t)d - 0x100000000LL : (int64_t)d;

	return (time_t)((int64_t)ref + delta);
}

bool sig_node_has_data(const zone_node_t *node)
{
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		uint16_t type = node->rrsets[i].type;
		if (type != DNS_T_NSEC && type != DNS_T_RRSIG)
			return true;
	}
	return false;
}

sig_node_kind_t sig_node_kind(const zone_t *zone, const zone_node_t *node)
{
	if (!sig_node_has_data(node))
		return SIG_NODE_OUT;
	if (node == zone_apex_node(zone))
		return SIG_NODE_AUTH;

	/* Any proper ancestor strictly below the apex holding NS makes this
	 * name glue or occluded. */
	if (zone_ancestor_with(zone, node->owner, DNS_T_NS) != NULL)
		return SIG_NODE_OUT;
	return zone_node_rrset(node, DNS_T_NS) != NULL ? SIG_NODE_CUT : SIG_NODE_AUTH;
}

sig_node_kind_t sig_walk_kind(sig_walk_t *walk, const zone_t *zone, const zone_node_t *node)
{
	/* A key starts with the key of every ancestor. */
	if (walk->cut_key != NULL && node->key_len > walk->cut_key_len &&
	    memcmp(node->key, walk->cut_key, walk->cut_key_len) == 0)
		return SIG_NODE_OUT;
	walk->cut_key = NULL;
	if (!sig_node_has_data(node))
		return SIG_NODE_OUT;
	if (node != zone_apex_node(zone) && zone_node_rrset(node, DNS_T_NS) != NULL) {
		walk->cut_key = node->key;
		walk->cut_key_len = node->key_len;
		return SIG_NODE_CUT;
	}
	return SIG_NODE_AUTH;
}

bool sig_rrset_signable(sig_node_kind_t kind, uint16_t type)
{
	switch (kind) {
	case SIG_NODE_AUTH:
		return type != DNS_T_RRSIG;
	case SIG_NODE_CUT:
		return type == DNS_T_DS || type == DNS_T_NSEC;
	case SIG_NODE_OUT:
		break;
	}
	return false;
}

static int cmp_type(const void *pa, const void *pb)
{
	ldns_rr_type a = *(const ldns_rr_type *)pa;
	ldns_rr_type b = *(const ldns_rr_type *)pb;

	return (a > b) - (a < b);
}

int sig_type_bitmap(const zone_node_t *node, sig_node_kind_t kind, uint16_t denial, bool apex,
                    ldns_rdf **out)
{
	ldns_rr_type stack[64];
	ldns_rr_type *types = stack;
	size_t cap = (size_t)node->rrset_count + 3;
	size_t n = 0;
	bool nsec3 = denial == DNS_T_NSEC3;
	bool signed_here = false;
	int ret = GW_OK;

	*out = NULL;
	if (cap > sizeof(stack) / sizeof(stack[0])) {
		types = malloc(cap * sizeof(*types));
		if (types == NULL)
			return GW_ENOMEM;
	}
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		uint16_t type = node->rrsets[i].type;
		if (type == DNS_T_RRSIG || type == DNS_T_NSEC ||
		    (nsec3 && (type == DNS_T_NSEC3 || (apex && type == DNS_T_NSEC3PARAM))))
			continue;
		if (kind == SIG_NODE_CUT && type != DNS_T_NS && type != DNS_T_DS)
			continue;
		signed_here |= sig_rrset_signable(kind, type);
		types[n++] = (ldns_rr_type)type;
	}
	/* An NSEC stands at the name and is signed there; an NSEC3 stands at
	 * the hashed name. */
	if (!nsec3) {
		types[n++] = DNS_T_NSEC;
		signed_here |= sig_rrset_signable(kind, DNS_T_NSEC);
	}
	if (signed_here)
		types[n++] = DNS_T_RRSIG;
	if (nsec3 && apex)
		types[n++] = DNS_T_NSEC3PARAM;
	/* ldns wants the list sorted. */
	qsort(types, n, sizeof(*types), cmp_type);
	if (n > 0) {
		*out = ldns_dnssec_create_nsec_bitmap(types, n, (ldns_rr_type)denial);
		if (*out == NULL)
			ret = GW_ENOMEM;
	}
	if (types != stack)
		free(types);
	return ret;
}

ldns_rdf *sig_nsec_bitmap(const zone_node_t *node, sig_node_kind_t kind)
{
	ldns_rdf *rdf;

	return sig_type_bitmap(node, kind, DNS_T_NSEC, false, &rdf) == GW_OK ? rdf : NULL;
}

const zone_node_t *sig_chain_next(const zone_t *zone, const zone_node_t *node)
{
	const zone_node_t *next = zone_next_wrap(zone, node);

	for (size_t guard = zone_node_count(zone); next != node && guard > 0; guard--) {
		if (sig_node_kind(zone, next) != SIG_NODE_OUT)
			break;
		next = zone_next_wrap(zone, next);
	}
	return next;
}

void sig_describe(char *buf, size_t len, const uint8_t *owner, uint16_t type)
{
	char name[4 * ZONE_NAME_MAXLEN + 2];
	char tname[16];

	if (zone_name_to_str(name, sizeof(name), owner) != GW_OK)
		snprintf(name, sizeof(name), "?");
	zone_type_str(tname, sizeof(tname), type);
	snprintf(buf, len, "%s %s", name, tname);
}
