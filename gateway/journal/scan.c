/* The records of <state>/journal, read through the window (window.c):
 * every entry into memory (the journal keeps them anyway, bounded by
 * transfer.journal-size), and of the snapshot only where it is and that
 * it is sound, not its RRs (last.c walks them when they are needed).
 *
 * A record whose length, CRC or contents do not hold is where the file
 * was torn (a crash while it was written): the scan stops there and says
 * where the caller cuts the file. A file that reads but does not add up
 * (a snapshot without its SOA or out of canonical order, diffs that do
 * not follow each other) is refused with the reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

void gw_jscan_deinit(gw_jscan_t *s)
{
	gw_journal_entries_put(s->recs, s->n);
	s->recs = NULL;
	s->n = 0;
	gw_jwin_deinit(&s->win);
}

/* Check that size octets at p hold exactly n RRs. */
static bool rrs_valid(const uint8_t *p, size_t size, uint64_t n)
{
	size_t o = 0;
	for (uint64_t i = 0; i < n; i++) {
		size_t l = gw_journal_rr_len(p + o, size - o);
		if (l == 0)
			return false;
		o += l;
	}
	return o == size;
}

bool gw_journal_soa_at(const uint8_t *p, size_t size, const uint8_t *apex, uint32_t serial)
{
	size_t len = size > 0 ? gw_journal_rr_len(p, size) : 0;
	return len > 0 && gw_journal_rr_type(p) == DNS_T_SOA && zone_name_equal(p, apex) &&
	       len >= (size_t)zone_name_len(p, len) + DNS_RR_FIXED_LEN + 22 &&
	       gw_journal_soa_serial(p, len) == serial;
}

int gw_journal_rr_order(const uint8_t *a, const uint8_t *b)
{
	int c = zone_name_cmp(a, b);
	if (c != 0)
		return c;
	uint16_t ta = gw_journal_rr_type(a), tb = gw_journal_rr_type(b);
	bool sa = ta == DNS_T_RRSIG, sb = tb == DNS_T_RRSIG;
	/* An RRSIG goes with the RRset it covers, after it. */
	if (sa)
		ta = gw_journal_rrsig_covers(a);
	if (sb)
		tb = gw_journal_rrsig_covers(b);
	if (ta != tb)
		return ta < tb ? -1 : 1;
	return (int)sa - (int)sb;
}

/* An entry record of plen octets at off (its head read, CRC unchecked)
 * into *out. GW_EMALFORMED when it is not sound. */
static int read_entry(gw_jscan_t *s, uint64_t off, uint32_t plen, uint32_t crc,
                      gw_journal_entry_t **out)
{
	const uint8_t *p;
	gw_journal_entry_t *e = NULL;
	int ret = gw_jwin_get(&s->win, off, ENTRY_HEAD, &p);
	if (ret != GW_OK)
		return ret;
	uint32_t c = gw_journal_crc32(0, p, ENTRY_HEAD);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return GW_ENOMEM;
	e->refs = 1;
	e->from = ldns_read_uint32(p + 1);
	e->to = ldns_read_uint32(p + 5);
	e->removed = ldns_read_uint32(p + 9);
	e->added = ldns_read_uint32(p + 13);
	e->size = plen - ENTRY_HEAD;
	e->data = malloc(e->size > 0 ? e->size : 1);
	if (e->data == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	for (size_t o = 0; o < e->size;) {
		size_t k = e->size - o < s->win.cap ? e->size - o : s->win.cap;
		ret = gw_jwin_get(&s->win, off + ENTRY_HEAD + o, k, &p);
		if (ret != GW_OK)
			goto out;
		memcpy(e->data + o, p, k);
		c = gw_journal_crc32(c, p, k);
		o += k;
	}
	ret = GW_EMALFORMED;
	if (c != crc || e->removed < 1 || e->added < 1 ||
	    !rrs_valid(e->data, e->size, (uint64_t)e->removed + e->added))
		goto out;
	*out = e;
	e = NULL;
	ret = GW_OK;
out:
	gw_journal_entry_put(e);
	return ret;
}

/* A snapshot record of plen octets at off: its RRs parsed one by one
 * through the window with the CRC over them; whether it holds its SOA and
 * keeps the canonical order, for the checks after the scan. */
static int read_snapshot(gw_jscan_t *s, uint64_t off, uint32_t plen, uint32_t crc)
{
	const uint8_t *p;
	uint8_t prev[ZONE_NAME_MAXLEN + DNS_RR_FIXED_LEN + 2];
	bool have_prev = false;
	int ret = gw_jwin_get(&s->win, off, SNAP_HEAD, &p);
	if (ret != GW_OK)
		return ret;
	uint32_t c = gw_journal_crc32(0, p, SNAP_HEAD);
	uint32_t serial = ldns_read_uint32(p + 1);
	uint32_t count = ldns_read_uint32(p + 5);
	uint64_t pos = off + SNAP_HEAD, end = off + plen;
	bool soa = false, ordered = true;
	for (uint32_t i = 0; i < count; i++) {
		size_t len;
		ret = gw_jwin_rr(&s->win, pos, end, &p, &len);
		if (ret != GW_OK)
			return ret == GW_EIO ? GW_EMALFORMED : ret;
		c = gw_journal_crc32(c, p, len);
		soa = soa || gw_journal_soa_at(p, len, s->apex, serial);
		/* The order of owner, type and RRSIG (what last.c merges on)
		 * only: the head of the previous RR is enough to compare. */
		size_t head = (size_t)zone_name_len(p, len) + DNS_RR_FIXED_LEN;
		size_t keep = len < head + 2 ? len : head + 2;
		if (have_prev && ordered && gw_journal_rr_order(prev, p) > 0)
			ordered = false;
		memcpy(prev, p, keep);
		have_prev = true;
		pos += len;
	}
	if (pos != end || c != crc)
		return GW_EMALFORMED;
	s->have_snap = true;
	s->snap_off = off + SNAP_HEAD;
	s->snap_end = end;
	s->snap_serial = serial;
	s->snap_count = count;
	s->snap_soa = soa;
	s->snap_ordered = ordered;
	return GW_OK;
}

static int push_rec(gw_jscan_t *s, gw_journal_entry_t *e)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		gw_journal_entry_t **grown = realloc(s->recs, cap * sizeof(*grown));
		if (grown == NULL) {
			gw_journal_entry_put(e);
			return GW_ENOMEM;
		}
		s->recs = grown;
		s->cap = cap;
	}
	s->recs[s->n++] = e;
	return GW_OK;
}

/* The header and the records up to the end or a torn tail. */
static int scan_records(gw_jscan_t *s, char *why, size_t why_len)
{
	size_t alen = (size_t)zone_name_len(s->apex, ZONE_NAME_MAXLEN);
	const uint8_t *p;
	int ret;

	s->torn = s->win.size;
	if (s->win.size < 13 + alen || gw_jwin_get(&s->win, 0, 13 + alen, &p) != GW_OK ||
	    memcmp(p, FILE_MAGIC, 8) != 0 || ldns_read_uint32(p + 8) != FILE_VERSION) {
		snprintf(why, why_len, "not a journal of this version");
		return GW_EPARSE;
	}
	/* The apex is walked within the length the header declares: a name
	 * that runs past it is not ours, whatever follows. */
	if (p[12] != alen || zone_name_len(p + 13, alen) != (int)alen ||
	    !zone_name_equal(p + 13, s->apex)) {
		snprintf(why, why_len, "the journal of another zone");
		return GW_EPARSE;
	}
	uint64_t pos = 13 + alen;
	while (pos < s->win.size) {
		uint32_t plen = 0, crc = 0;
		uint8_t kind = 0;
		ret = GW_EMALFORMED;
		if (s->win.size - pos > REC_HEAD &&
		    gw_jwin_get(&s->win, pos, REC_HEAD + 1, &p) == GW_OK) {
			plen = ldns_read_uint32(p);
			crc = ldns_read_uint32(p + 4);
			kind = p[REC_HEAD];
		}
		if (plen > 0 && plen <= s->win.size - pos - REC_HEAD) {
			gw_journal_entry_t *e = NULL;
			if (kind == REC_ENTRY && plen >= ENTRY_HEAD) {
				ret = read_entry(s, pos + REC_HEAD, plen, crc, &e);
				if (ret == GW_OK)
					ret = push_rec(s, e);
			} else if (kind == REC_SNAPSHOT && plen >= SNAP_HEAD) {
				ret = read_snapshot(s, pos + REC_HEAD, plen, crc);
			}
		}
		if (ret == GW_ENOMEM || (ret < 0 && ret > -1000))
			return ret; /* out of memory, or the file cannot be read */
		if (ret != GW_OK) {
			gw_notice("journal: %s: the record at offset %llu is incomplete or "
			          "damaged (a crash while it was written?); cut off",
			          s->path, (unsigned long long)pos);
			s->torn = pos;
			break;
		}
		pos += REC_HEAD + plen;
	}
	return GW_OK;
}

/* An entry opens each side with the apex SOA of its serial, as IXFR
 * sends it. A record the CRC passes may still not be one the daemon wrote
 * (another version, a hand-made file): the serials alone are not
 * trusted. */
static bool entry_soas_valid(const gw_journal_entry_t *e, const uint8_t *apex)
{
	size_t o = 0;
	if (!gw_journal_soa_at(e->data, e->size, apex, e->from))
		return false;
	for (uint32_t i = 0; i < e->removed; i++)
		o += gw_journal_rr_len(e->data + o, e->size - o);
	return gw_journal_soa_at(e->data + o, e->size - o, apex, e->to);
}

int gw_jscan_read(gw_jscan_t *s, int fd, const uint8_t *apex, size_t win, char *why, size_t why_len)
{
	zone_name_lower(s->apex, apex);
	int ret = gw_jwin_init(&s->win, fd, win);
	if (ret == GW_OK)
		ret = scan_records(s, why, why_len);
	if (ret != GW_OK)
		return ret;
	if (!s->have_snap) {
		snprintf(why, why_len, "it has no snapshot of the zone");
		return GW_ESEMANTIC;
	}
	if (!s->snap_soa) {
		snprintf(why, why_len, "its snapshot lacks the SOA of serial %u", s->snap_serial);
		return GW_ESEMANTIC;
	}
	if (!s->snap_ordered) {
		snprintf(why, why_len,
		         "its snapshot (serial %u) is not in canonical order (written by "
		         "another version?)",
		         s->snap_serial);
		return GW_ESEMANTIC;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!entry_soas_valid(s->recs[i], s->apex)) {
			snprintf(why, why_len, "the diff %u -> %u does not open with their SOAs",
			         s->recs[i]->from, s->recs[i]->to);
			return GW_ESEMANTIC;
		}
		if (i > 0 && s->recs[i - 1]->to != s->recs[i]->from) {
			snprintf(why, why_len, "its diffs do not follow each other (%u, then %u)",
			         s->recs[i - 1]->to, s->recs[i]->from);
			return GW_ESEMANTIC;
		}
	}
	/* The last zone served: the snapshot and the diffs after it. */
	s->after = 0;
	while (s->after < s->n && s->recs[s->after]->from != s->snap_serial)
		s->after++;
	if (s->after == s->n && s->n > 0 && s->recs[s->n - 1]->to != s->snap_serial) {
		snprintf(why, why_len, "its diffs do not reach its snapshot (serial %u)",
		         s->snap_serial);
		return GW_ESEMANTIC;
	}
	s->last = s->n > 0 ? s->recs[s->n - 1]->to : s->snap_serial;
	return GW_OK;
}
