#include "gateway/response.h"

#include <string.h>

#include "common/error.h"

static const uint8_t g_lower[256] = {
#define L(c)   (uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define R4(b)  L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
#define R64(b) R16(b), R16(b + 16), R16(b + 32), R16(b + 48)
    R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R16
#undef R4
#undef L
};

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Both names are valid uncompressed wire names from our own memory. */
static bool name_equal_ci(const uint8_t *a, const uint8_t *b)
{
	for (;;) {
		uint8_t la = *a, lb = *b;
		if (la != lb)
			return false;
		if (la == 0)
			return true;
		a++;
		b++;
		for (uint8_t i = 0; i < la; i++) {
			if (g_lower[a[i]] != g_lower[b[i]])
				return false;
		}
		a += la;
		b += la;
	}
}

void gw_resp_init(gw_resp_t *r, uint8_t *buf, size_t cap, uint16_t id, uint16_t flags)
{
	r->buf = buf;
	r->cap = cap;
	r->len = GW_HEADER_LEN;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->comp_count = 0;
	memset(buf, 0, GW_HEADER_LEN);
	put16(buf, id);
	put16(buf + 2, flags);
}

static void comp_add(gw_resp_t *r, const uint8_t *name, size_t off, int labels)
{
	/* Pointers reach 14 bits; later names simply compress less. */
	if (r->comp_count >= GW_COMP_MAX || off >= 0x4000 || labels <= 0)
		return;
	gw_comp_entry_t *e = &r->comp[r->comp_count++];
	e->name = name;
	e->off = (uint16_t)off;
	e->labels = (uint8_t)labels;
}

/* Make every suffix of name (written uncompressed at off) a target. */
static void comp_add_name(gw_resp_t *r, const uint8_t *name, size_t off)
{
	int labels = zone_name_labels(name);
	size_t n = 0;
	for (int i = 0; i < labels; i++) {
		comp_add(r, name + n, off + n, labels - i);
		n += (size_t)name[n] + 1;
	}
}

int gw_resp_put_name(gw_resp_t *r, const uint8_t *name)
{
	/* Label start positions of name; at most 127 labels in 255 octets. */
	uint8_t pos[128];
	int labels = 0;
	size_t n = 0;
	while (name[n] != 0) {
		pos[labels++] = (uint8_t)n;
		n += (size_t)name[n] + 1;
	}
	size_t name_len = n + 1;

	/* Longest suffix already in the message wins. */
	int match_label = labels;
	uint16_t match_off = 0;
	for (int i = 0; i < labels && match_label == labels; i++) {
		int want = labels - i;
		for (uint16_t e = 0; e < r->comp_count; e++) {
			const gw_comp_entry_t *ce = &r->comp[e];
			if (ce->labels == want && name_equal_ci(name + pos[i], ce->name)) {
				match_label = i;
				match_off = ce->off;
				break;
			}
		}
	}

	size_t prefix = match_label < labels ? pos[match_label] : name_len;
	size_t need = prefix + (match_label < labels ? 2 : 0);
	if (r->len + need > r->cap)
		return GW_ESPACE;
	size_t start = r->len;
	memcpy(r->buf + start, name, prefix);
	if (match_label < labels)
		put16(r->buf + start + prefix, (uint16_t)(0xC000 | match_off));
	r->len += need;
	for (int i = 0; i < match_label; i++)
		comp_add(r, name + pos[i], start + pos[i], labels - i);
	return GW_OK;
}

int gw_resp_put_question(gw_resp_t *r, const uint8_t *qname, uint16_t qtype, uint16_t qclass)
{
	int ret = gw_resp_put_name(r, qname);
	if (ret != GW_OK)
		return ret;
	if (r->len + 4 > r->cap) {
		r->len = GW_HEADER_LEN;
		r->comp_count = 0;
		return GW_ESPACE;
	}
	put16(r->buf + r->len, qtype);
	put16(r->buf + r->len + 2, qclass);
	r->len += 4;
	put16(r->buf + 4, 1);
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
	r->comp_count = m->comp_count;
}

/* Write the rdata of one RR, compressing the names RFC 3597 section 4
 * allows to compress. */
static int put_rdata(gw_resp_t *r, uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	size_t fixed_before = 0;
	int names = 0;
	switch (type) {
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
		names = 1;
		break;
	case 6: /* SOA */
		names = 2;
		break;
	case 15: /* MX */
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
		if (type == 33 && rdlen > 6 && zone_name_len(rdata + 6, rdlen - 6) > 0)
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
		int ret = gw_resp_put_name(r, rdata + at);
		if (ret != GW_OK)
			return ret;
		int l = zone_name_len(rdata + at, rdlen - at);
		if (l < 0)
			return GW_EMALFORMED;
		at += (size_t)l;
	}
	size_t rest = rdlen - at;
	if (r->len + rest > r->cap)
		return GW_ESPACE;
	memcpy(r->buf + r->len, rdata + at, rest);
	r->len += rest;
	return GW_OK;
}

static int put_one(gw_resp_t *r, int section, const uint8_t *owner, uint16_t type, uint16_t rclass,
                   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen, bool compress_rdata)
{
	int ret = gw_resp_put_name(r, owner);
	if (ret != GW_OK)
		return ret;
	if (r->len + 10 > r->cap)
		return GW_ESPACE;
	uint8_t *p = r->buf + r->len;
	put16(p, type);
	put16(p + 2, rclass);
	put32(p + 4, ttl);
	size_t rdlen_at = r->len + 8;
	r->len += 10;
	size_t rd_start = r->len;
	if (compress_rdata) {
		ret = put_rdata(r, type, rdata, rdlen);
		if (ret != GW_OK)
			return ret;
	} else {
		if (r->len + rdlen > r->cap)
			return GW_ESPACE;
		memcpy(r->buf + r->len, rdata, rdlen);
		r->len += rdlen;
	}
	put16(r->buf + rdlen_at, (uint16_t)(r->len - rd_start));
	r->count[section]++;
	return GW_OK;
}

int gw_resp_put_rr(gw_resp_t *r, int section, const uint8_t *owner, uint16_t type, uint16_t rclass,
                   uint32_t ttl, const uint8_t *rdata, uint16_t rdlen)
{
	gw_resp_mark_t m;
	gw_resp_mark(r, &m);
	int ret = put_one(r, section, owner, type, rclass, ttl, rdata, rdlen, false);
	if (ret != GW_OK)
		gw_resp_rewind(r, &m);
	return ret;
}

int gw_resp_put_rrset(gw_resp_t *r, int section, const uint8_t *owner, const zone_rrset_t *rrset,
                      bool with_sigs, int64_t ttl_override)
{
	gw_resp_mark_t m;
	gw_resp_mark(r, &m);
	uint32_t ttl = ttl_override >= 0 ? (uint32_t)ttl_override : rrset->ttl;
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t rdlen;
	int ret = GW_OK;
	while (zone_rrset_next(rrset, &pos, &rd, &rdlen)) {
		ret = put_one(r, section, owner, rrset->type, 1, ttl, rd, rdlen, true);
		if (ret != GW_OK)
			goto out;
	}
	if (with_sigs && rrset->sig_count > 0) {
		const zone_rrset_t sigs = {
		    .type = 46,
		    .count = rrset->sig_count,
		    .rdata = rrset->sigs,
		    .rdata_len = rrset->sigs_len,
		};
		pos = 0;
		while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
			ret = put_one(r, section, owner, 46, 1, ttl, rd, rdlen, false);
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
	put16(r->buf + 6, r->count[GW_SEC_ANSWER]);
	put16(r->buf + 8, r->count[GW_SEC_AUTHORITY]);
	put16(r->buf + 10, r->count[GW_SEC_ADDITIONAL]);
	return r->len;
}
