/* The authoritative answer (RFC 1034 4.3.2) from one zone.
 *
 * Delegations: a name below the apex holding NS is a zone cut. The zone
 * is authoritative for the cut's DS (and its NSEC) only; a query for any
 * other type at the cut, and any query for a name below it (glue and
 * whatever else sits there), gets a referral: NOERROR, AA clear, no
 * answer, the cut's NS in the authority section (unsigned: RFC 4035 2.2),
 * with DO the DS and its RRSIGs or the proof that there is none (the
 * cut's NSEC, or the NSEC3 matching the cut; RFC 4035 3.1.4, RFC 5155
 * 7.2.7), and the NS targets' addresses as glue in the additional
 * section. Glue at or below the cut must all fit or the reply is
 * truncated (RFC 9471); glue elsewhere in the zone is best effort. A
 * CNAME chain that runs into a cut stops there: the CNAMEs stay in the
 * answer (authoritative, AA set) and the referral follows them. Below a
 * cut no wildcard matches and no node answers, and denial proofs use only
 * names the chain holds (the signer leaves names below a cut out of it).
 *
 * DNAME (RFC 6672): a name below a DNAME's owner is answered with the
 * DNAME and a CNAME synthesised from it, and the chain goes on from the
 * new name; the owner itself is answered as any name. Where a cut and a
 * DNAME both stand above a name, the cut is answered (what lies below
 * either is occluded; a zone should not hold both).
 *
 * Zones without delegations (DNS-SD zones have none) never look for a
 * cut, nor zones without DNAME for one: zone_has_delegations() and
 * zone_has_dnames() are counters the zone keeps up to date. */
#include "gateway/query/answer.h"

#include <string.h>
#include <ldns/util.h>
#include <strings.h>

#include "common/dns.h"
#include "common/error.h"
#include "dnssec/dnssec.h"
#include "gateway/query/proof.h"
#include "gateway/query/response.h"

#define OPT_LEN        GW_RESP_OPT_LEN
#define CNAME_MAX_HOPS 8
/* DNS-SD additional records (RFC 6763 12.1) for at most this many PTR
 * targets: enough for a browse of a small type, bounded for big ones. */
#define PTR_ADDITIONAL_MAX 4
/* Denial RRsets one reply can carry: a wildcard proof for each CNAME hop
 * and a full NSEC3 proof at the end fit. */
#define PROOF_MAX 12

/* A name of the chain answered from a wildcard. */
typedef struct wild_hop {
	const uint8_t *name; /* borrowed: the question's, or rdata in the zone */
	zone_lookup_t lk;
} wild_hop_t;

/* One answer being built. */
typedef struct ctx {
	const gw_answer_env_t *env;
	const zone_t *zone; /* the zone holding the question's name */
	gw_query_t *q;      /* its has_ede and ede are set here */
	gw_resp_t r;
	uint8_t rcode;
	bool aa;
	bool tc;
	bool dnssec;
	int8_t nsec3; /* the zone uses NSEC3: -1 until a proof needs to know */
	bool deleg;   /* the zone has delegations: look for cuts */
	bool dnames;  /* the zone has DNAMEs: look for them above each name */
	int nsec_count;
	const zone_node_t *nsec_done[PROOF_MAX]; /* NSEC/NSEC3 owners in the reply */
	/* The names of the chain answered from a wildcard, whose proofs go
	 * in the authority section once the answer section is whole: the
	 * sections are written in order, and a proof written after a CNAME
	 * from a wildcard put the next hop's records in the authority
	 * section, which validators reject. Only with DO. */
	int wild_count;
	wild_hop_t *wild; /* borrowed: CNAME_MAX_HOPS + 1, answer_in()'s */
	/* borrowed: CNAME_MAX_HOPS + 1 names, answer_in()'s: the names DNAMEs
	 * synthesise, which the chain goes on from (only a zone with DNAME
	 * writes them) */
	uint8_t (*synth)[ZONE_NAME_MAXLEN];
} ctx_t;

size_t gw_answer_error(const gw_query_t *q, bool with_question, uint8_t rcode, uint8_t *out,
                       size_t outcap, uint16_t udp_payload)
{
	gw_resp_t r;
	if (outcap < DNS_HEADER_LEN + OPT_LEN)
		return 0;
	/* OPT whenever the query had one (RFC 6891 7), question or not. */
	bool edns = q->has_edns;
	gw_resp_init(&r, out, outcap - (edns ? OPT_LEN : 0), q->id, gw_wire_reply_flags(q, rcode));
	if (with_question && q->qname != NULL)
		(void)gw_resp_put_question(&r, q->qname, q->qtype, q->qclass);
	size_t len = gw_resp_finish(&r);
	(void)gw_resp_add_opt(q, rcode, udp_payload, out, &len, outcap);
	return len;
}

static uint32_t soa_negative_ttl(const zone_rrset_t *soa)
{
	/* RFC 2308 3: min(SOA TTL, SOA MINIMUM); MINIMUM is the last field. */
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	if (!zone_rrset_next(soa, &pos, &rd, &rdlen) || rdlen < 4)
		return soa->ttl;
	uint32_t minimum = ldns_read_uint32(rd + rdlen - 4);
	return minimum < soa->ttl ? minimum : soa->ttl;
}

/* Answer and authority records must fit or the reply is truncated. */
static bool put_required(ctx_t *c, int section, const uint8_t *owner, const zone_rrset_t *rrset,
                         int64_t ttl)
{
	if (gw_resp_put_rrset(&c->r, section, owner, rrset, c->dnssec, ttl) == GW_OK)
		return true;
	c->tc = true;
	return false;
}

static void put_soa_authority(ctx_t *c)
{
	const zone_node_t *apex = zone_apex_node(c->zone);
	const zone_rrset_t *soa = apex ? zone_node_rrset(apex, DNS_T_SOA) : NULL;
	if (soa != NULL)
		put_required(c, GW_SEC_AUTHORITY, zone_apex(c->zone), soa, soa_negative_ttl(soa));
}

/* Additional records are best effort: stop at the first that does not fit
 * (RFC 2181 9: truncation is for the answer, not for additional data). */
static bool put_additional(ctx_t *c, const uint8_t *owner, const zone_rrset_t *rrset)
{
	return gw_resp_put_rrset(&c->r, GW_SEC_ADDITIONAL, owner, rrset, c->dnssec, -1) == GW_OK;
}

static bool add_addresses(ctx_t *c, const uint8_t *target)
{
	const zone_node_t *n = zone_find(c->zone, target);
	if (n == NULL)
		return true;
	const zone_rrset_t *a = zone_node_rrset(n, DNS_T_A);
	const zone_rrset_t *aaaa = zone_node_rrset(n, DNS_T_AAAA);
	if (a != NULL && !put_additional(c, n->owner, a))
		return false;
	if (aaaa != NULL && !put_additional(c, n->owner, aaaa))
		return false;
	return true;
}

static void additional_for(ctx_t *c, const zone_rrset_t *rrset)
{
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	int done = 0;
	while (zone_rrset_next(rrset, &pos, &rd, &rdlen)) {
		switch (rrset->type) {
		case DNS_T_NS:
			if (!add_addresses(c, rd))
				return;
			break;
		case DNS_T_MX:
			if (rdlen > 2 && !add_addresses(c, rd + 2))
				return;
			break;
		case DNS_T_SRV:
			if (rdlen > 6 && !add_addresses(c, rd + 6))
				return;
			break;
		case DNS_T_PTR: {
			/* A browse answer brings each instance's SRV, TXT and
			 * addresses, sparing the client a round trip. */
			if (done++ >= PTR_ADDITIONAL_MAX)
				return;
			const zone_node_t *inst = zone_find(c->zone, rd);
			if (inst == NULL)
				break;
			const zone_rrset_t *srv = zone_node_rrset(inst, DNS_T_SRV);
			const zone_rrset_t *txt = zone_node_rrset(inst, DNS_T_TXT);
			if (srv != NULL && !put_additional(c, inst->owner, srv))
				return;
			if (txt != NULL && !put_additional(c, inst->owner, txt))
				return;
			const uint8_t *srd;
			uint16_t srdlen;
			uint32_t spos = 0;
			if (srv != NULL && zone_rrset_next(srv, &spos, &srd, &srdlen) &&
			    srdlen > 6 && !add_addresses(c, srd + 6))
				return;
			break;
		}
		default:
			return;
		}
	}
}

/* RFC 8482: over UDP, ANY gets one RRset (the first by type); TCP gets
 * them all, where size is not an amplification concern. */
static void answer_any(ctx_t *c, const uint8_t *owner, const zone_node_t *node, bool tcp)
{
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		if (!put_required(c, GW_SEC_ANSWER, owner, &node->rrsets[i], -1))
			return;
		if (!tcp)
			return;
	}
}

/* Authenticated denial (RFC 4035 3.1.3, RFC 5155 7.2): the NSEC or NSEC3
 * (type) at node, with its RRSIGs, in the authority section; each once. */
static void put_proof(ctx_t *c, const zone_node_t *node, uint16_t type)
{
	if (!c->dnssec || node == NULL || c->tc)
		return;
	for (int i = 0; i < c->nsec_count; i++) {
		if (c->nsec_done[i] == node)
			return;
	}
	const zone_rrset_t *rrset = zone_node_rrset(node, type);
	if (rrset == NULL)
		return; /* an unsigned zone has no proofs to give */
	if (put_required(c, GW_SEC_AUTHORITY, node->owner, rrset, -1) && c->nsec_count < PROOF_MAX)
		c->nsec_done[c->nsec_count++] = node;
}

/* The cut at or above name (name at or below the apex): of the names
 * between name and the apex, the one closest to the apex that holds NS
 * (NS further down is occluded data of the child); NULL when none. */
static const zone_node_t *find_cut(const zone_t *zone, const uint8_t *name)
{
	const zone_node_t *cut = zone_ancestor_with(zone, name, DNS_T_NS);
	const uint8_t *apex = zone_apex(zone);
	if (cut != NULL || !zone_name_is_subdomain(name, apex) || zone_name_equal(name, apex))
		return cut;
	const zone_node_t *n = zone_find(zone, name);
	return n != NULL && zone_node_rrset(n, DNS_T_NS) != NULL ? n : NULL;
}

/* The predecessor of a name may be glue, which the chain skips: the NSEC
 * before it in the chain is then the cut's, whose interval spans
 * everything below the cut. Out of line, as referral() is. */
static __attribute__((noinline)) const zone_node_t *in_chain(const zone_t *zone,
                                                             const zone_node_t *node)
{
	if (node == NULL || zone_node_rrset(node, DNS_T_NSEC) != NULL)
		return node;
	const zone_node_t *cut = find_cut(zone, node->owner);
	return cut != NULL ? cut : node;
}

static inline void put_nsec(ctx_t *c, const zone_node_t *node)
{
	if (c->deleg)
		node = in_chain(c->zone, node);
	put_proof(c, node, DNS_T_NSEC);
}

/* A proof is incomplete only when the chain is (a zone mid-change, an
 * apex too long to hash under): the parts found are still the best reply,
 * and the resolver judges it, so the error is not acted on. */
static void put_nsec3s(ctx_t *c, const gw_denial_t *d)
{
	for (int i = 0; i < d->count; i++)
		put_proof(c, d->nsec3[i], DNS_T_NSEC3);
}

/* Looked up once a reply needs a proof, so positive answers never pay. */
static bool uses_nsec3(ctx_t *c)
{
	if (c->nsec3 < 0)
		c->nsec3 = sig_zone_uses_nsec3(c->zone) ? 1 : 0;
	return c->nsec3 > 0;
}

/* The NSEC that covers name (proves it does not exist). */
static void put_covering_nsec(ctx_t *c, const uint8_t *name)
{
	zone_lookup_t lk;
	if (!c->dnssec || zone_lookup(c->zone, name, &lk) != GW_OK)
		return;
	put_nsec(c, lk.node != NULL ? lk.node : lk.prev);
}

/* The proof that name does not exist, for NXDOMAIN (RFC 4035 3.1.3.2,
 * RFC 5155 7.2.2, deny = gw_denial_nxdomain) and for an answer from a
 * wildcard (RFC 4035 3.1.3.3, RFC 5155 7.2.6, deny =
 * gw_denial_wildcard_answer): the NSEC3 records deny picks, or the NSEC
 * before name and, unless wild is NULL, the one covering that wildcard. */
static void put_nonexistence(ctx_t *c, const uint8_t *name, const zone_lookup_t *lk,
                             int (*deny)(gw_denial_t *, const zone_t *, const uint8_t *, int),
                             const uint8_t *wild)
{
	if (!c->dnssec)
		return;
	if (uses_nsec3(c)) {
		gw_denial_t d;
		(void)deny(&d, c->zone, name, lk->encloser_labels);
		put_nsec3s(c, &d);
		return;
	}
	put_nsec(c, lk->prev);
	if (wild != NULL)
		put_covering_nsec(c, wild);
}

/* NXDOMAIN; wild is the wildcard at the closest encloser, NULL when it
 * cannot be written. */
static void put_nxdomain_proof(ctx_t *c, const uint8_t *name, const zone_lookup_t *lk,
                               const uint8_t *wild)
{
	put_nonexistence(c, name, lk, gw_denial_nxdomain, wild);
}

/* NODATA (RFC 4035 3.1.3.1 and 3.1.3.4, RFC 5155 7.2.3 to 7.2.5): node
 * holds name, or is the wildcard that does, or is NULL at an empty
 * non-terminal. */
static void put_nodata_proof(ctx_t *c, const uint8_t *name, const zone_node_t *node, bool wildcard,
                             const zone_lookup_t *lk)
{
	if (!c->dnssec)
		return;
	if (uses_nsec3(c)) {
		gw_denial_t d;
		if (wildcard)
			(void)gw_denial_wildcard_nodata(&d, c->zone, name, lk->encloser_labels);
		else if (c->q->qtype == DNS_T_DS && node != NULL)
			(void)gw_denial_ds(&d, c->zone, name);
		else
			(void)gw_denial_nodata(&d, c->zone, name);
		put_nsec3s(c, &d);
		return;
	}
	put_nsec(c, node != NULL ? node : lk->prev);
	if (wildcard)
		put_nsec(c, lk->prev);
}

/* With an answer from a wildcard, the proof that name itself does not
 * exist: noted now, written by put_wildcard_proofs(). */
static void note_wildcard(ctx_t *c, const uint8_t *name, const zone_lookup_t *lk)
{
	if (!c->dnssec || c->wild_count >= CNAME_MAX_HOPS + 1)
		return;
	c->wild[c->wild_count].name = name;
	c->wild[c->wild_count].lk = *lk;
	c->wild_count++;
}

/* The proofs note_wildcard() noted, once the answer section is complete
 * and before anything goes in the additional section. */
static void put_wildcard_proofs(ctx_t *c)
{
	for (int i = 0; i < c->wild_count; i++)
		put_nonexistence(c, c->wild[i].name, &c->wild[i].lk, gw_denial_wildcard_answer,
		                 NULL);
	c->wild_count = 0;
}

/* The addresses of the NS targets in the zone, at or below the cut
 * (required: RFC 9471) first, then those elsewhere in the zone (best
 * effort). */
static void put_glue(ctx_t *c, const zone_node_t *cut, const zone_rrset_t *ns)
{
	static const uint16_t types[] = {DNS_T_A, DNS_T_AAAA};
	const zone_t *zone = c->zone;

	for (int pass = 0; pass < 2; pass++) {
		bool required = pass == 0;
		uint32_t pos = 0;
		const uint8_t *rd;
		uint16_t rdlen;
		while (zone_rrset_next(ns, &pos, &rd, &rdlen)) {
			if (zone_name_is_subdomain(rd, cut->owner) != required ||
			    !zone_name_is_subdomain(rd, zone_apex(zone)))
				continue;
			const zone_node_t *n = zone_find(zone, rd);
			for (size_t t = 0; n != NULL && t < sizeof(types) / sizeof(types[0]); t++) {
				const zone_rrset_t *a = zone_node_rrset(n, types[t]);
				if (a == NULL || put_additional(c, n->owner, a))
					continue;
				if (required)
					c->tc = true;
				return;
			}
		}
	}
}

/* A referral to the child below cut (RFC 1034 4.3.2 step 3b, RFC 4035
 * 3.1.4), its authority part: the NS, the DS or the proof of none. The
 * glue follows once the authority section is whole (answer_in()). */
static void put_referral(ctx_t *c, const zone_node_t *cut)
{
	const zone_rrset_t *ns = zone_node_rrset(cut, DNS_T_NS);

	/* Signatures over NS at a cut would be the parent's claim on the
	 * child's data (RFC 4035 2.2); a signed zone file may bring some. */
	if (gw_resp_put_rrset(&c->r, GW_SEC_AUTHORITY, cut->owner, ns, false, -1) != GW_OK) {
		c->tc = true;
		return;
	}
	if (c->dnssec) {
		const zone_rrset_t *ds = zone_node_rrset(cut, DNS_T_DS);
		if (ds != NULL) {
			put_required(c, GW_SEC_AUTHORITY, cut->owner, ds, -1);
		} else if (uses_nsec3(c)) {
			gw_denial_t d;
			(void)gw_denial_ds(&d, c->zone, cut->owner);
			put_nsec3s(c, &d);
		} else {
			put_nsec(c, cut);
		}
	}
}

/* When name is at or below a cut, the referral: its cut, whose glue is
 * still to come; NULL otherwise. At the cut the DS is ours; all else at
 * or below it is the child's. After a CNAME (hop > 0) the answer so far
 * is ours, so AA stays. Kept out of line: zones without delegations never
 * call it, and their path stays as short as it was. */
static __attribute__((noinline)) const zone_node_t *referral(ctx_t *c, const uint8_t *name, int hop)
{
	const zone_node_t *cut = find_cut(c->zone, name);

	if (cut == NULL || (c->q->qtype == DNS_T_DS && zone_name_equal(cut->owner, name)))
		return NULL;
	if (hop == 0)
		c->aa = false;
	put_referral(c, cut);
	return cut;
}

/* What a DNAME did to a hop of the chain. */
typedef enum { DNAME_NONE, DNAME_FOLLOW, DNAME_END } dname_step_t;

/* When a DNAME stands above name (RFC 6672 2.3, 3.2): the DNAME RRset
 * (signed: the validator checks the CNAME against it) and a CNAME from
 * name to name with the DNAME's owner replaced by its target, unsigned,
 * with the DNAME's TTL; *next is that target, which the chain goes on
 * from (DNAME_FOLLOW). YXDOMAIN when the new name would be over 255
 * octets (2.2). Kept out of line: zones without DNAME never call it. */
static __attribute__((noinline)) dname_step_t dname(ctx_t *c, const uint8_t *name, int hop,
                                                    const uint8_t **next)
{
	/* The DNAME at a proper ancestor, the apex included, nearest the
	 * apex (RFC 6672: the owner itself is not redirected). */
	const zone_node_t *owner = zone_ancestor_with(c->zone, name, DNS_T_DNAME);
	if (owner == NULL)
		return DNAME_NONE;
	const zone_rrset_t *rs = zone_node_rrset(owner, DNS_T_DNAME);
	const uint8_t *target;
	uint16_t tlen;
	uint32_t pos = 0;
	if (!zone_rrset_next(rs, &pos, &target, &tlen) ||
	    !put_required(c, GW_SEC_ANSWER, owner->owner, rs, -1))
		return DNAME_END;
	int nlen = zone_name_len(name, ZONE_NAME_MAXLEN);
	int olen = zone_name_len(owner->owner, ZONE_NAME_MAXLEN);
	if (nlen <= 0 || olen <= 0 || nlen < olen)
		return DNAME_END;
	size_t prefix = (size_t)(nlen - olen);
	if (prefix + tlen > ZONE_NAME_MAXLEN) {
		c->rcode = DNS_RCODE_YXDOMAIN;
		return DNAME_END;
	}
	uint8_t *out = c->synth[hop];
	memcpy(out, name, prefix);
	memcpy(out + prefix, target, tlen);
	if (gw_resp_put_rr(&c->r, GW_SEC_ANSWER, name, DNS_T_CNAME, DNS_C_IN, rs->ttl, out,
	                   (uint16_t)(prefix + tlen)) != GW_OK) {
		c->tc = true;
		return DNAME_END;
	}
	*next = out;
	return c->q->qtype == DNS_T_CNAME ? DNAME_END : DNAME_FOLLOW;
}

/* Write *.<closest encloser of name> into wild; false when too long. */
static bool wildcard_name(uint8_t *wild, const uint8_t *name, int encloser_labels)
{
	int labels = zone_name_labels(name);
	const uint8_t *ce = name;
	for (int i = 0; i < labels - encloser_labels; i++)
		ce += *ce + 1;
	int celen = zone_name_len(ce, ZONE_NAME_MAXLEN);
	if (celen <= 0 || celen + 2 > ZONE_NAME_MAXLEN)
		return false;
	wild[0] = 1;
	wild[1] = '*';
	memcpy(wild + 2, ce, (size_t)celen);
	return true;
}

/* A query for RRSIG: the signatures at node, each with the TTL of the
 * RRset it covers (RFC 4034 3), without the records. RRSIG stands beside
 * a CNAME (RFC 4034 3), so the chain is not followed. Over UDP only the
 * first signed RRset's, as answer_any() does (RFC 8482). False when
 * nothing at node is signed. */
static bool answer_rrsigs(ctx_t *c, const uint8_t *owner, const zone_node_t *node, bool tcp)
{
	bool found = false;
	for (uint16_t i = 0; i < node->rrset_count; i++) {
		const zone_rrset_t *rs = &node->rrsets[i];
		if (rs->sig_count == 0)
			continue;
		const zone_rrset_t sigs = {
		    .type = DNS_T_RRSIG,
		    .count = rs->sig_count,
		    .ttl = rs->ttl,
		    .rdata = rs->sigs,
		    .rdata_len = rs->sigs_len,
		};
		found = true;
		if (!put_required(c, GW_SEC_ANSWER, owner, &sigs, -1) || !tcp)
			break;
	}
	return found;
}

/* How a chain ended, for the additional section, which is written after
 * the authority section. */
typedef struct chain_end {
	const zone_rrset_t *answer; /* the RRset answered last: its additional data */
	const zone_node_t *cut;     /* a referral's cut: its glue */
} chain_end_t;

/* The answer and authority sections: the question's name, and the CNAME
 * chain from it inside the zone. */
static void follow_chain(ctx_t *c, bool tcp, chain_end_t *end)
{
	const zone_t *zone = c->zone;
	const uint8_t *name = c->q->qname;
	const uint16_t qtype = c->q->qtype;

	for (int hop = 0; hop <= CNAME_MAX_HOPS; hop++) {
		if (c->deleg && (end->cut = referral(c, name, hop)) != NULL)
			return;
		if (c->dnames) {
			const uint8_t *next = NULL;
			dname_step_t step = dname(c, name, hop, &next);
			if (step == DNAME_END)
				return;
			if (step == DNAME_FOLLOW) {
				name = next;
				if (!zone_name_is_subdomain(name, zone_apex(zone)))
					return; /* the resolver goes on */
				continue;
			}
		}
		/* Most queries name a node: the hash index finds it; the
		 * ordered lookup (closest encloser, predecessor) is for the
		 * rest. */
		zone_lookup_t lk = {0};
		const zone_node_t *node = zone_find(zone, name);
		if (node == NULL) {
			if (zone_lookup(zone, name, &lk) != GW_OK)
				return; /* a CNAME left the zone: the resolver goes on */
			node = lk.node;
			if (node == NULL && !lk.empty_nonterminal)
				lk.encloser_labels =
				    gw_denial_encloser(zone, name, lk.encloser_labels);
		}
		const zone_rrset_t *rs = node != NULL ? zone_node_rrset(node, qtype) : NULL;
		/* Only a type an NSEC3 owner holds, or none, can meet one; the
		 * test stays off the path of other answers. */
		if (node != NULL && (rs == NULL || qtype == DNS_T_NSEC3 || qtype == DNS_T_RRSIG) &&
		    gw_denial_hidden(zone, node)) {
			/* RFC 5155 7.2.8: an NSEC3 owner is not a name of the
			 * zone; its closest encloser is the apex. */
			node = NULL;
			rs = NULL;
			lk = (zone_lookup_t){.encloser_labels = zone_name_labels(zone_apex(zone))};
		}
		/* Set when the answer is synthesised from a wildcard: the
		 * proof that name itself does not exist goes with it. */
		bool wildcard = false;
		if (node == NULL && !lk.empty_nonterminal) {
			/* Wildcard (RFC 4592): *.<closest encloser>. */
			uint8_t wild[ZONE_NAME_MAXLEN];
			bool have_wild = wildcard_name(wild, name, lk.encloser_labels);
			if (have_wild)
				node = zone_find(zone, wild);
			if (node == NULL) {
				/* RFC 6604: the rcode describes the last name. */
				c->rcode = DNS_RCODE_NXDOMAIN;
				put_soa_authority(c);
				put_nxdomain_proof(c, name, &lk, have_wild ? wild : NULL);
				return;
			}
			wildcard = true;
			rs = zone_node_rrset(node, qtype);
		}
		if (node == NULL) { /* empty non-terminal: NODATA */
			put_soa_authority(c);
			put_nodata_proof(c, name, NULL, false, &lk);
			return;
		}
		if (qtype == DNS_T_ANY || (qtype == DNS_T_RRSIG && rs == NULL)) {
			bool answered = true;
			if (qtype == DNS_T_ANY)
				answer_any(c, name, node, tcp);
			else
				answered = answer_rrsigs(c, name, node, tcp);
			if (answered) {
				if (wildcard)
					note_wildcard(c, name, &lk);
				return;
			}
			rs = NULL; /* nothing signed here: NODATA below */
		} else if (rs != NULL) {
			if (put_required(c, GW_SEC_ANSWER, name, rs, -1)) {
				if (wildcard)
					note_wildcard(c, name, &lk);
				end->answer = rs;
			}
			return;
		}
		const zone_rrset_t *cname =
		    qtype != DNS_T_RRSIG ? zone_node_rrset(node, DNS_T_CNAME) : NULL;
		if (cname == NULL) {
			/* NODATA: the proof at the name (or at the wildcard,
			 * with the proof that the name does not exist). */
			put_soa_authority(c);
			put_nodata_proof(c, name, node, wildcard, &lk);
			return;
		}
		if (!put_required(c, GW_SEC_ANSWER, name, cname, -1))
			return;
		if (wildcard)
			note_wildcard(c, name, &lk);
		/* Follow the chain inside the zone; the target lives in the
		 * RRset's rdata, which stays valid while we answer. */
		const uint8_t *rd;
		uint16_t rdlen;
		uint32_t pos = 0;
		if (!zone_rrset_next(cname, &pos, &rd, &rdlen))
			return;
		name = rd;
		if (!zone_name_is_subdomain(name, zone_apex(zone)))
			return;
	}
}

/* The Extended DNS Error the reply stands for (gw_query_t.ede); the
 * server adds it after the guard (gateway/server/reply_opt.c). */
static void set_ede(gw_query_t *q, uint16_t code)
{
	q->has_ede = true;
	q->ede = code;
}

static void answer_in(ctx_t *c, bool tcp)
{
	/* zone_pick() found the zone by this very test: not made twice. */
	if (c->env->zone_count == 0 && !zone_name_is_subdomain(c->q->qname, zone_apex(c->zone))) {
		c->rcode = DNS_RCODE_REFUSED;
		set_ede(c->q, DNS_EDE_NOT_AUTHORITATIVE);
		return;
	}
	c->aa = true;
	c->deleg = zone_has_delegations(c->zone);
	c->dnames = zone_has_dnames(c->zone);

	/* Not in ctx_t, which every query zeroes: only DO answers from a
	 * wildcard and DNAMEs write them. */
	wild_hop_t wild[CNAME_MAX_HOPS + 1];
	uint8_t synth[CNAME_MAX_HOPS + 1][ZONE_NAME_MAXLEN];
	c->wild = wild;
	c->synth = synth;
	chain_end_t end = {0};
	follow_chain(c, tcp, &end);
	put_wildcard_proofs(c);
	if (c->tc)
		return;
	if (end.answer != NULL)
		additional_for(c, end.answer);
	else if (end.cut != NULL)
		put_glue(c, end.cut, zone_node_rrset(end.cut, DNS_T_NS));
}

static void answer_chaos(ctx_t *c)
{
	static const struct {
		const char *name;
		bool version;
	} names[] = {
	    {"\007version\004bind", true},
	    {"\007version\006server", true},
	    {"\002id\006server", false},
	    {"\010hostname\004bind", false},
	};
	const gw_query_t *q = c->q;
	if (q->qtype != DNS_T_TXT && q->qtype != DNS_T_ANY) {
		c->rcode = DNS_RCODE_REFUSED;
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name) + 1; /* with the root label */
		if (q->qname_len != n || strncasecmp((const char *)q->qname, names[i].name, n) != 0)
			continue;
		const char *text = names[i].version ? c->env->version : c->env->identity;
		if (text == NULL)
			break;
		uint8_t rdata[256];
		size_t tl = strlen(text);
		if (tl > 255)
			tl = 255;
		rdata[0] = (uint8_t)tl;
		memcpy(rdata + 1, text, tl);
		c->aa = true;
		if (gw_resp_put_rr(&c->r, GW_SEC_ANSWER, q->qname, DNS_T_TXT, DNS_C_CH, 0, rdata,
		                   (uint16_t)(tl + 1)) != GW_OK)
			c->tc = true;
		return;
	}
	c->rcode = DNS_RCODE_REFUSED;
}

size_t gw_answer_udp_limit(const gw_answer_env_t *env, const gw_query_t *q)
{
	size_t client = q->udp_max;
	if (client > env->udp_payload && env->udp_payload >= 512)
		client = env->udp_payload;
	return client;
}

gw_answer_result_t gw_answer(const gw_answer_env_t *env, const uint8_t *pkt, size_t len, bool tcp,
                             uint8_t *out, size_t outcap, size_t *outlen, gw_query_t *q)
{
	uint8_t rcode = 0;
	*outlen = 0;
	int ret = gw_wire_parse_query(q, pkt, len, &rcode);
	if (ret == GW_WIRE_DROP)
		return GW_ANSWER_DROP;
	if (ret == GW_WIRE_COOKIE_ONLY) {
		/* A client asking for a server cookie alone (RFC 7873 5.4):
		 * the header and the OPT, to which the UDP guard adds the
		 * cookie (gateway/query/guard.h). A server without cookies
		 * answers FORMERR, as to any query without a question, and so
		 * does TCP (as Knot): its handshake already proves the
		 * client's address, and a query there with a question gets
		 * a server cookie anyway (gw_guard_stream_reply()). */
		rcode = tcp || env->cookie_reserve == 0 ? DNS_RCODE_FORMERR : DNS_RCODE_NOERROR;
		*outlen = gw_answer_error(q, false, rcode, out, outcap, env->udp_payload);
		return *outlen > 0 ? GW_ANSWER_SENT : GW_ANSWER_DROP;
	}
	if (ret != GW_OK) {
		if (rcode == DNS_RCODE_NOTIMP)
			set_ede(q, DNS_EDE_NOT_SUPPORTED); /* an opcode we do not do */
		*outlen =
		    gw_answer_error(q, q->qname != NULL, rcode, out, outcap, env->udp_payload);
		return *outlen > 0 ? GW_ANSWER_SENT : GW_ANSWER_DROP;
	}
	if (q->has_edns && q->edns_version > 0) {
		*outlen =
		    gw_answer_error(q, true, DNS_RCODE_BADVERS, out, outcap, env->udp_payload);
		return *outlen > 0 ? GW_ANSWER_SENT : GW_ANSWER_DROP;
	}
	if ((q->has_tsig && !env->tsig_checked) || q->opcode == DNS_OPCODE_NOTIFY ||
	    (q->opcode == DNS_OPCODE_QUERY &&
	     (q->qtype == DNS_T_IXFR || (q->qtype == DNS_T_AXFR && tcp))))
		return GW_ANSWER_SPECIAL;
	if (q->opcode != DNS_OPCODE_QUERY || q->qtype == DNS_T_AXFR || q->qtype == DNS_T_IXFR) {
		/* Transfers are the server's business (TCP only, with access
		 * control); over UDP or unhandled they are not implemented. */
		set_ede(q, DNS_EDE_NOT_SUPPORTED);
		*outlen = gw_answer_error(q, true, DNS_RCODE_NOTIMP, out, outcap, env->udp_payload);
		return *outlen > 0 ? GW_ANSWER_SENT : GW_ANSWER_DROP;
	}
	if (q->qtype == DNS_T_OPT || q->qtype == DNS_T_TSIG || q->qtype == DNS_T_TKEY) {
		*outlen =
		    gw_answer_error(q, true, DNS_RCODE_FORMERR, out, outcap, env->udp_payload);
		return *outlen > 0 ? GW_ANSWER_SENT : GW_ANSWER_DROP;
	}

	size_t limit = outcap;
	size_t client = tcp ? limit : gw_answer_udp_limit(env, q);
	if (client < limit)
		limit = client;
	size_t reserve = (q->has_edns ? OPT_LEN + (q->has_cookie ? env->cookie_reserve : 0) : 0) +
	                 env->tsig_reserve;
	/* Room for the server's name only where the question still fits
	 * beside it: NSID is a courtesy, never why a reply is dropped (a long
	 * name, a TSIG key's, the cookie and 255 octets of identity do not
	 * all fit in 512). */
	if (q->has_edns && q->has_nsid &&
	    limit >= reserve + env->nsid_reserve + DNS_HEADER_LEN + q->qname_len + 4)
		reserve += env->nsid_reserve;

	ctx_t c = {.env = env,
	           .q = q,
	           .rcode = DNS_RCODE_NOERROR,
	           .dnssec = q->has_edns && q->edns_do,
	           .nsec3 = -1};
	gw_resp_init(&c.r, out, limit - reserve, q->id, 0);
	if (gw_resp_put_question(&c.r, q->qname, q->qtype, q->qclass) != GW_OK)
		return GW_ANSWER_DROP; /* cannot happen: 512 holds any question */
	gw_resp_mark_t after_question;
	gw_resp_mark(&c.r, &after_question);

	if (q->qclass == DNS_C_CH) {
		answer_chaos(&c);
	} else if (q->qclass == DNS_C_IN || q->qclass == DNS_C_ANY) {
		if (env->zone_count > 0) {
			/* Several zones: the one holding the name, none: REFUSED
			 * (as answer_in() refuses a name outside its zone). */
			int i = zone_pick(env->zones, env->zone_count, q->qname);
			c.zone = i >= 0 ? env->zones[i] : NULL;
			if (c.zone == NULL) {
				c.rcode = DNS_RCODE_REFUSED;
				set_ede(q, DNS_EDE_NOT_AUTHORITATIVE);
			} else {
				answer_in(&c, tcp);
			}
		} else if (env->zone == NULL) {
			c.rcode = DNS_RCODE_SERVFAIL;
			set_ede(q, DNS_EDE_NOT_READY); /* no zone loaded yet */
		} else {
			c.zone = env->zone;
			answer_in(&c, tcp);
		}
	} else {
		c.rcode = DNS_RCODE_REFUSED;
		set_ede(q, DNS_EDE_NOT_SUPPORTED); /* a class we do not serve */
	}

	if (c.tc) {
		/* Incomplete answers are not sent: question and TC only, so
		 * the client retries over TCP (RFC 2181 9, RFC 7766 5). */
		gw_resp_rewind(&c.r, &after_question);
	}
	if (c.rcode == DNS_RCODE_REFUSED)
		gw_resp_rewind(&c.r, &after_question);
	uint16_t flags = gw_wire_reply_flags(q, c.rcode);
	if (c.aa)
		flags |= DNS_FLAG_AA;
	if (c.tc)
		flags |= DNS_FLAG_TC;
	out[2] = (uint8_t)(flags >> 8);
	out[3] = (uint8_t)flags;
	size_t n = gw_resp_finish(&c.r);
	/* Room for it was kept (reserve). */
	(void)gw_resp_add_opt(q, DNS_RCODE_NOERROR, env->udp_payload, out, &n, outcap);
	*outlen = n;
	return GW_ANSWER_SENT;
}
