#include "gateway/query/response.h"

#include <string.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/word.h"

#define COMP_SLOT_MASK (GW_COMP_SLOTS - 1)

/* The first n (1..7) octets at p, as gw_load64le() would give them. */
static inline uint64_t load_short(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#define HASH_MUL 0x9E3779B97F4A7C15ULL

/* Octets are or'ed with 0x20 before hashing, which folds letter case (and
 * makes a few other octets collide; the comparison after a hash match
 * sorts those out). */
static inline uint64_t hash_word(uint64_t h, uint64_t w)
{
	return (h ^ (w | 0x20 * GW_WORD_ONES)) * HASH_MUL;
}

/* A name taken apart for compression. The hash of a suffix covers its
 * octets in 8-octet words counted from the end of the name, then the few
 * octets left at its start: every suffix shares the words of the shorter
 * ones, so one pass over the name, a word at a time, serves all of them,
 * and a suffix hashes the same in any name. */
typedef struct name_parts {
	const uint8_t *name;
	size_t len;
	int labels;
	uint8_t pos[128];                         /* label starts */
	uint64_t words[ZONE_NAME_MAXLEN / 8 + 1]; /* hash of the last k words */
} name_parts_t;

static void name_parts(name_parts_t *np, const uint8_t *name)
{
	int labels = 0;
	size_t n = 0;
	while (name[n] != 0) {
		np->pos[labels++] = (uint8_t)n;
		n += (size_t)name[n] + 1;
	}
	size_t len = n + 1;
	np->name = name;
	np->len = len;
	np->labels = labels;
	uint64_t h = 0;
	np->words[0] = 0;
	for (size_t k = 0; k < len / 8; k++) {
		h = hash_word(h, gw_load64le(name + len - 8 * (k + 1)));
		np->words[k + 1] = h;
	}
}

/* Hash of the suffix at label i. */
static inline uint32_t suffix_hash(const name_parts_t *np, int i)
{
	size_t sl = np->len - np->pos[i];
	size_t head = sl % 8;
	uint64_t h = np->words[sl / 8];
	if (head > 0) {
		uint64_t w;
		if (sl >= 8)
			w = gw_load64le(np->name + np->pos[i]);
		else if (np->len >= 8)
			w = gw_load64le(np->name + np->len - 8) >> (8 * (8 - head));
		else
			w = load_short(np->name + np->pos[i], head);
		w = (w | 0x20 * GW_WORD_ONES) & (~0ULL >> (64 - 8 * head));
		h = (h ^ w) * HASH_MUL;
	}
	return (uint32_t)(h >> 32);
}

void gw_resp_init(gw_resp_t *r, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	r->buf = buf;
	r->cap = cap;
	r->len = DNS_HEADER_LEN;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->comp_count = 0;
	memset(r->comp_slot, 0, sizeof(r->comp_slot));
	memset(buf, 0, DNS_HEADER_LEN);
	ldns_write_uint16(buf, id);
	ldns_write_uint16(buf + 2, flags);
}

/* The entry for the suffix of len octets at name with that hash, or NULL. */
static const gw_comp_entry_t *comp_find(const gw_resp_t *r, const uint8_t *name, size_t len,
                                        uint32_t hash)
{
	for (uint8_t k = r->comp_slot[hash & COMP_SLOT_MASK]; k != 0; k = r->comp[k - 1].next) {
		const gw_comp_entry_t *e = &r->comp[k - 1];
		if (e->hash == hash && e->len == len &&
		    (name == e->name || gw_octets_equal_ci(name, e->name, len)))
			return e;
	}
	return NULL;
}

/* Enter the suffix; linked into the index unless linked is false (a
 * repeat: it still takes its place in the table, as before the index,
 * so that the names after it compress the same). */
static bool comp_add(gw_resp_t *r, const uint8_t *name, size_t len, size_t off, uint32_t hash,
                     bool linked)
{
	/* Pointers reach 14 bits; later names simply compress less. */
	if (r->comp_count >= GW_COMP_MAX || off >= 0x4000)
		return false;
	gw_comp_entry_t *e = &r->comp[r->comp_count++];
	e->name = name;
	e->hash = hash;
	e->off = (uint16_t)off;
	e->len = (uint8_t)len;
	e->next = GW_COMP_UNLINKED;
	if (linked) {
		uint8_t *slot = &r->comp_slot[hash & COMP_SLOT_MASK];
		e->next = *slot;
		*slot = (uint8_t)r->comp_count;
	}
	return true;
}

/* Drop the entries from count on, newest first: each was the head of its
 * slot when it went in, and is again once the newer ones are gone. */
static void comp_truncate(gw_resp_t *r, uint16_t count)
{
	while (r->comp_count > count) {
		const gw_comp_entry_t *e = &r->comp[--r->comp_count];
		if (e->next != GW_COMP_UNLINKED)
			r->comp_slot[e->hash & COMP_SLOT_MASK] = e->next;
	}
}

/* Make every suffix of name (written uncompressed at off) a target. */
static void comp_add_name(gw_resp_t *r, const uint8_t *name, size_t off)
{
	name_parts_t np;
	name_parts(&np, name);
	for (int i = 0; i < np.labels; i++) {
		const uint8_t *suffix = name + np.pos[i];
		size_t len = np.len - np.pos[i];
		uint32_t hash = suffix_hash(&np, i);
		bool seen = comp_find(r, suffix, len, hash) != NULL;
		comp_add(r, suffix, len, off + np.pos[i], hash, !seen);
	}
}

/* Write name, compressed; *len is set to its length. *full is set to the
 * offset of the entry that holds the whole name, for the next RRs of the
 * same owner, or -1 when the table holds none (the root, a full table). */
static int put_name(gw_resp_t *r, const uint8_t *name, size_t *len, int *full)
{
	name_parts_t np;
	uint32_t hash[128];
	name_parts(&np, name);
	*len = np.len;
	int labels = np.labels;

	/* Longest suffix already in the message wins. The question's name
	 * (the first entry) comes back as the owner of most answers, from
	 * the same memory. */
	int match_label = labels;
	uint16_t match_off = 0;
	if (r->comp_count > 0 && r->comp[0].name == name && r->comp[0].next != GW_COMP_UNLINKED) {
		match_label = 0;
		match_off = r->comp[0].off;
	}
	for (int i = 0; i < match_label; i++) {
		hash[i] = suffix_hash(&np, i);
		const gw_comp_entry_t *e =
		    comp_find(r, name + np.pos[i], np.len - np.pos[i], hash[i]);
		if (e != NULL) {
			match_label = i;
			match_off = e->off;
			break;
		}
	}

	size_t prefix = match_label < labels ? np.pos[match_label] : np.len;
	size_t need = prefix + (match_label < labels ? 2 : 0);
	if (r->len + need > r->cap)
		return GW_ESPACE;
	size_t start = r->len;
	memcpy(r->buf + start, name, prefix);
	if (match_label < labels)
		ldns_write_uint16(r->buf + start + prefix, (uint16_t)(0xC000 | match_off));
	r->len += need;
	*full = labels > 0 && match_label == 0 ? match_off : -1;
	/* None of these is in the table: the longest that was is the match. */
	for (int i = 0; i < match_label; i++) {
		if (comp_add(r, name + np.pos[i], np.len - np.pos[i], start + np.pos[i], hash[i],
		             true) &&
		    i == 0)
			*full = (int)start;
	}
	return GW_OK;
}

int gw_resp_put_name(gw_resp_t *r, const uint8_t *name)
{
	size_t len;
	int full;
	return put_name(r, name, &len, &full);
}

int gw_resp_put_question(gw_resp_t *r, const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	int ret = gw_resp_put_name(r, qname);
	if (ret != GW_OK)
		return ret;
	if (r->len + 4 > r->cap) {
		r->len = DNS_HEADER_LEN;
		comp_truncate(r, 0);
		return GW_ESPACE;
	}
	ldns_write_uint16(r->buf + r->len, qtype);
	ldns_write_uint16(r->buf + r->len + 2, qclass);
	r->len += 4;
	ldns_write_uint16(r->buf + 4, 1);
	return GW_OK;
}

void gw_resp_mark(const gw_resp_t *r, gw_resp_mark_t *m)
{
	m->len = r->len;
	memcpy(m->count, r->count, sizeof(m->count));
	m->comp_count = r->comp_count;
}

void gw_resp_rewind(gw_resp_t *r, const gw_resp_mark_t *m)
{
	r->len = m->len;
	memcpy(r->count, m->count, sizeof(m->count));
	comp_truncate(r, m->comp_count);
}

/* Write the rdata of one RR, compressing the names RFC 3597 section 4
 * allows to compress. */
static int put_rdata(gw_resp_t *r, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	size_t fixed_before = 0;
	int names = 0;
	switch (type) {
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		names = 1;
		break;
	case DNS_T_SOA:
		names = 2;
		break;
	case DNS_T_MX:
		fixed_before = 2;
		names = 1;
		break;
	default:
		break;
	}
	if (names == 0 || rdlen < fixed_before + 1) {
		if (r->len + rdlen > r->cap)
			return GW_ESPACE;
		size_t start = r->len;
		memcpy(r->buf + start, rdata, rdlen);
		r->len += rdlen;
		/* An SRV target is never compressed (RFC 2782), but names
		 * after it may point into it: the target's addresses in the
		 * additional section usually do. */
		if (type == DNS_T_SRV && rdlen > 6 && zone_name_len(rdata + 6, rdlen - 6) > 0)
			comp_add_name(r, rdata + 6, start + 6);
		return GW_OK;
	}
	if (r->len + fixed_before > r->cap)
		return GW_ESPACE;
	memcpy(r->buf + r->len, rdata, fixed_before);
	r->len += fixed_before;
	size_t at = fixed_before;
	for (int i = 0; i < names; i++) {
		/* Stored rdata was validated when it entered the zone. */
		size_t l;
		int full;
		int ret = put_name(r, rdata + at, &l, &full);
		if (ret != GW_OK)
			return ret;
		if (l > rdlen - at)
			return GW_EMALFORMED;
		at += l;
	}
	size_t rest = rdlen - at;
	if (r->len + rest > r->cap)
		return GW_ESPACE;
	memcpy(r->buf + r->len, rdata + at, rest);
	r->len += rest;
	return GW_OK;
}

/* Sections are written in order: a record for an earlier section after
 * one of a later section would be read as the later section's (and a
 * validator then rejects the reply). A bug of the caller, refused rather
 * than sent; checked once per call, not per RR. */
static inline bool section_open(const gw_resp_t *r, int section)
{
	return section == GW_SEC_ADDITIONAL ||
	       (r->count[GW_SEC_ADDITIONAL] == 0 &&
	        (section == GW_SEC_AUTHORITY || r->count[GW_SEC_AUTHORITY] == 0));
}

/* *owner_at: where the whole owner name already is (from the RR before,
 * same owner), or -1 to look it up. */
static int put_one(gw_resp_t *r, int section, const uint8_t *owner, int *owner_at, uint16_t type,
                   uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
                   bool compress_rdata)
{
	if (*owner_at >= 0) {
		if (r->len + 2 > r->cap)
			return GW_ESPACE;
		ldns_write_uint16(r->buf + r->len, (uint16_t)(0xC000 | *owner_at));
		r->len += 2;
	} else {
		size_t len;
		int ret = put_name(r, owner, &len, owner_at);
		if (ret != GW_OK)
			return ret;
	}
	if (r->len + 10 > r->cap)
		return GW_ESPACE;
	uint8_t *p = r->buf + r->len;
	ldns_write_uint16(p, type);
	ldns_write_uint16(p + 2, rclass);
	ldns_write_uint32(p + 4, ttl);
	size_t rdlen_at = r->len + 8;
	r->len += 10;
	size_t rd_start = r->len;
	if (compress_rdata) {
		int ret = put_rdata(r, type, rdata, rdlen);
		if (ret != GW_OK)
			return ret;
	} else {
		if (r->len + rdlen > r->cap)
			return GW_ESPACE;
		memcpy(r->buf + r->len, rdata, rdlen);
		r->len += rdlen;
	}
	ldns_write_uint16(r->buf + rdlen_at, (uint16_t)(r->len - rd_start));
	r->count[section]++;
	return GW_OK;
}

int gw_resp_put_rr(gw_resp_t *r, int section, const uint8_t *owner, uint16_t type, uint16_t rclass,
                   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	if (!section_open(r, section))
		return GW_EINVAL;
	gw_resp_mark_t m;
	gw_resp_mark(r, &m);
	int owner_at = -1;
	int ret = put_one(r, section, owner, &owner_at, type, rclass, ttl, rdata, rdlen, false);
	if (ret != GW_OK)
		gw_resp_rewind(r, &m);
	return ret;
}

int gw_resp_put_rrset(gw_resp_t *r, int section, const uint8_t *owner, const zone_rrset_t *rrset,
                      bool with_sigs, int64_t ttl_override)
{
	if (!section_open(r, section))
		return GW_EINVAL;
	gw_resp_mark_t m;
	gw_resp_mark(r, &m);
	uint32_t ttl = ttl_override >= 0 ? (uint32_t)ttl_override : rrset->ttl;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	int ret = GW_OK;
	int owner_at = -1;
	while (zone_rrset_next(rrset, &pos, &rd, &rdlen)) {
		ret = put_one(r, section, owner, &owner_at, rrset->type, DNS_C_IN, ttl, rd, rdlen,
		              true);
		if (ret != GW_OK)
			goto out;
	}
	if (with_sigs && rrset->sig_count > 0) {
		const zone_rrset_t sigs = {
		    .type = DNS_T_RRSIG,
		    .count = rrset->sig_count,
		    .rdata = rrset->sigs,
		    .rdata_len = rrset->sigs_len,
		};
		pos = 0;
		while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
			ret = put_one(r, section, owner, &owner_at, DNS_T_RRSIG, DNS_C_IN, ttl, rd,
			              rdlen, false);
			if (ret != GW_OK)
				goto out;
		}
	}
out:
	if (ret != GW_OK)
		gw_resp_rewind(r, &m);
	return ret;
}

size_t gw_resp_finish(gw_resp_t *r)
{
	ldns_write_uint16(r->buf + 6, r->count[GW_SEC_ANSWER]);
	ldns_write_uint16(r->buf + 8, r->count[GW_SEC_AUTHORITY]);
	ldns_write_uint16(r->buf + 10, r->count[GW_SEC_ADDITIONAL]);
	return r->len;
}

int gw_resp_add_opt_rr(uint16_t rcode, uint16_t udp_payload, bool dnssec_ok, uint8_t *msg,
                       size_t *len, size_t cap)
{
	if (*len < DNS_HEADER_LEN || *len > cap || cap - *len < GW_RESP_OPT_LEN)
		return GW_ESPACE;
	uint8_t *p = msg + *len;
	p[0] = 0; /* root owner */
	ldns_write_uint16(p + 1, DNS_T_OPT);
	ldns_write_uint16(p + 3, udp_payload);
	p[5] = (uint8_t)(rcode >> 4); /* the extended rcode's upper bits */
	p[6] = 0;                     /* version */
	ldns_write_uint16(p + 7, dnssec_ok ? DNS_EDNS_FLAG_DO : 0);
	ldns_write_uint16(p + 9, 0); /* rdlength: no options */
	*len += GW_RESP_OPT_LEN;
	ldns_write_uint16(msg + 10, (uint16_t)(ldns_read_uint16(msg + 10) + 1));
	return GW_OK;
}

int gw_resp_add_opt(const gw_query_t *q, uint16_t rcode, uint16_t udp_payload, uint8_t *msg,
                    size_t *len, size_t cap)
{
	if (!q->has_edns)
		return GW_OK;
	return gw_resp_add_opt_rr(rcode, udp_payload, q->edns_do, msg, len, cap);
}
