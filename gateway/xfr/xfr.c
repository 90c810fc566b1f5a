#include "gateway/xfr/xfr.h"

#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/container.h"
#include "common/error.h"
#include "common/dns.h"
#include "gateway/query/response.h"
#include "zones/zone.h"

/* Is owner still to be sent, whole or in part? The name under way is,
 * when it comes from the zone (a commit may still change what is left of
 * it); a kept one is kept already. */
static bool ahead(const void *arg, const uint8_t *owner)
{
	const gw_xfr_t *x = arg;
	if (x->mode != GW_XFR_AXFR || x->phase >= 2)
		return false;
	if (x->cur_from != GW_XFR_CUR_NONE) {
		int c = zone_name_cmp(owner, x->cur);
		return c > 0 || (c == 0 && x->cur_from == GW_XFR_CUR_ZONE);
	}
	return !x->done_set || zone_name_cmp(owner, x->done) > 0;
}

static void on_commit(gw_zoneref_watch_t *w, const zone_t *zone, const zone_rrdiff_t *diff)
{
	gw_xfr_t *x = container_of(w, gw_xfr_t, watch);
	/* Past its first SOA, an AXFR keeps what it has yet to send; before
	 * it (never: both come in one turn of the loop), it would send the
	 * new SOA, and ends. A diff that cannot be read ends it too. */
	if (x->mode == GW_XFR_AXFR && x->phase >= 1 && x->phase < 2 && !x->keep.full)
		(void)gw_xfr_keep_diff(&x->keep, zone, diff, ahead, x);
	if (x->mode == GW_XFR_AXFR && x->phase == 0)
		x->keep.full = true;
	if (zone_serial(zone, &x->heard) != GW_OK)
		x->keep.full = true;
}

static void init_common(gw_xfr_t *x, gw_zoneref_t *zone, const gw_query_t *q, uint16_t udp_payload)
{
	memset(x, 0, sizeof(*x));
	x->zone = gw_zoneref_get(zone);
	zone_serial(zone->zone, &x->serial);
	x->heard = x->serial;
	x->index_at = x->serial;
	x->watch.changed = on_commit;
	gw_zoneref_watch(zone, &x->watch);
	x->id = q->id;
	/* QR and AA, opcode and RD copied as in any answer. */
	x->flags = (uint16_t)(0x8000 | 0x0400 | (q->flags & (0x7800 | 0x0100)));
	x->opt = q->has_edns;
	x->opt_do = q->edns_do;
	x->opt_payload = udp_payload;
	x->qtype = q->qtype;
	x->qclass = q->qclass;
	memcpy(x->qname, q->qname, q->qname_len);
}

int gw_xfr_init(gw_xfr_t *x, gw_zoneref_t *zone, const gw_query_t *q, uint16_t udp_payload)
{
	const zone_node_t *apex = zone_apex_node(zone->zone);
	if (apex == NULL || zone_node_rrset(apex, DNS_T_SOA) == NULL) {
		memset(x, 0, sizeof(*x));
		x->phase = 3;
		return GW_ENOTFOUND;
	}
	init_common(x, zone, q, udp_payload);
	x->mode = GW_XFR_AXFR;
	const zone_rrset_t *soa = zone_node_rrset(apex, DNS_T_SOA);
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;
	if (!zone_rrset_next(soa, &pos, &rd, &rdlen))
		return GW_ENOTFOUND;
	x->soa = malloc(apex->owner_len + 10u + rdlen);
	if (x->soa == NULL)
		return GW_ENOMEM;
	x->soa_len =
	    zone_rr_to_wire(x->soa, apex->owner, apex->owner_len, DNS_T_SOA, soa->ttl, rd, rdlen);
	return GW_OK;
}

int gw_xfr_init_ixfr(gw_xfr_t *x, gw_zoneref_t *zone, gw_journal_t *journal, const gw_query_t *q,
                     uint16_t udp_payload, uint32_t client_serial)
{
	int ret = gw_xfr_init(x, zone, q, udp_payload);
	if (ret != GW_OK)
		return ret;
	x->client_serial = client_serial;
	/* RFC 1995 2: the same or a newer version gets our SOA alone. */
	int cmp = zone_serial_cmp(client_serial, x->serial);
	if (cmp == 0 || cmp == 1) {
		x->mode = GW_XFR_SOA;
		return GW_OK;
	}
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	/* The zone's octets follow each commit (zoneref.h): a walk of the
	 * zone for every IXFR took 63 ms at 100 000 services, with one IXFR
	 * per secondary and commit. Diffs that weigh more than the zone
	 * itself: the whole zone is the better answer. */
	ret =
	    gw_journal_find(journal, client_serial, gw_zoneref_octets(zone), &list, &count, &bytes);
	if (ret == GW_ENOMEM)
		return ret;
	if (ret != GW_OK) {
		x->whole_why = ret == GW_ELIMIT ? "the differences weigh more than the zone"
		                                : "not in the journal";
		return GW_OK; /* AXFR form */
	}
	const gw_journal_entry_t *last = list[count - 1];
	if (last->to != x->serial) {
		x->whole_why = "the journal is behind the zone";
		gw_journal_entries_put(list, count);
		return GW_OK;
	}
	/* The newest SOA is the first RR added by the last entry. */
	size_t off = 0;
	for (uint32_t i = 0; i < last->removed; i++)
		off += gw_journal_rr_len(last->data + off, last->size - off);
	x->new_soa = last->data + off;
	x->new_soa_len = gw_journal_rr_len(x->new_soa, last->size - off);
	x->entries = list;
	x->entry_count = count;
	x->mode = GW_XFR_IXFR;
	return GW_OK;
}

void gw_xfr_set_tsig(gw_xfr_t *x, const gw_tsig_ctx_t *tsig)
{
	x->tsig = *tsig;
}

/* One RR in journal wire form into the answer section. */
static int put_wire_rr(gw_resp_t *r, const uint8_t *rr, size_t len)
{
	int n = zone_name_len(rr, len);
	if (n < 0 || (size_t)n + 10 > len)
		return GW_EMALFORMED;
	const uint8_t *f = rr + n;
	uint16_t type = ldns_read_uint16(f);
	uint16_t rclass = ldns_read_uint16(f + 2);
	uint32_t ttl = ldns_read_uint32(f + 4);
	uint16_t rdlen = ldns_read_uint16(f + 8);
	return gw_resp_put_rr(r, GW_SEC_ANSWER, rr, type, rclass, ttl, f + 10, rdlen);
}

/* IXFR body: returns GW_OK when the message is full or the transfer done,
 * GW_ESPACE when even the first RR does not fit. */
static int ixfr_body(gw_xfr_t *x, gw_resp_t *r, bool *wrote)
{
	if (x->phase == 0) {
		if (put_wire_rr(r, x->new_soa, x->new_soa_len) != GW_OK)
			return GW_ESPACE;
		x->phase = 1;
		x->rrs++;
		*wrote = true;
	}
	while (x->phase == 1 && x->entry < x->entry_count) {
		const gw_journal_entry_t *e = x->entries[x->entry];
		while (x->offset < e->size) {
			const uint8_t *rr = e->data + x->offset;
			size_t len = gw_journal_rr_len(rr, e->size - x->offset);
			int ret = len > 0 ? put_wire_rr(r, rr, len) : GW_EMALFORMED;
			if (ret == GW_ESPACE && *wrote)
				return GW_OK;
			if (ret != GW_OK)
				return ret;
			*wrote = true;
			x->rrs++;
			x->offset += len;
		}
		x->entry++;
		x->offset = 0;
	}
	if (x->phase == 1)
		x->phase = 2;
	if (x->phase == 2) {
		int ret = put_wire_rr(r, x->new_soa, x->new_soa_len);
		if (ret == GW_ESPACE && *wrote)
			return GW_OK;
		if (ret != GW_OK)
			return ret;
		x->rrs++;
		x->phase = 3;
	}
	return GW_OK;
}

/* The name under way is sent whole: on to the next. */
static void name_done(gw_xfr_t *x, const zone_t *zone)
{
	const zone_node_t *n = zone_node_at(zone, x->index);
	if (n != NULL && zone_name_equal(n->owner, x->cur))
		x->index++;
	memcpy(x->done, x->cur, (size_t)zone_name_len(x->cur, sizeof(x->cur)));
	x->done_set = true;
	x->cur_from = GW_XFR_CUR_NONE;
	x->next_type = 0;
	x->split_sent = 0;
}

/* The next name: the zone's or a kept one, whichever comes first; a kept
 * one stands for the zone's of the same name. false when none is left. */
static bool name_next(gw_xfr_t *x, const zone_t *zone)
{
	const zone_node_t *n = zone_node_at(zone, x->index);
	const gw_xfr_kept_t *k = gw_xfr_keep_next(&x->keep, x->done_set ? x->done : NULL);
	if (n == NULL && k == NULL)
		return false;
	const uint8_t *owner = NULL;
	if (k == NULL || (n != NULL && zone_name_cmp(n->owner, k->owner) < 0)) {
		owner = n->owner;
		x->cur_from = GW_XFR_CUR_ZONE;
		x->rrset = 0;
	} else {
		owner = k->owner;
		x->cur_from = GW_XFR_CUR_KEPT;
		x->kept_off = 0;
	}
	memcpy(x->cur, owner, (size_t)zone_name_len(owner, sizeof(x->cur)));
	x->next_type = 0;
	x->split_sent = 0;
	return true;
}

/* One rdata of an RRset sent over several messages. */
typedef struct split_rd {
	const uint8_t *rd;
	uint16_t len;
} split_rd_t;

/* The order keep.c keeps a name's RRs in within an RRset (by length,
 * then octets), so that a name a commit touches while its RRset is split
 * goes on from the kept copy where the zone's left off. */
static int split_cmp(const void *a, const void *b)
{
	const split_rd_t *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->rd, y->rd, x->len);
}

/* The rdatas of set (count of them) into out, in split_cmp() order;
 * false when set holds fewer. */
static bool split_order(const zone_rrset_t *set, uint32_t count, split_rd_t *out)
{
	uint32_t pos = 0, n = 0;
	const uint8_t *rd;
	uint16_t len;
	while (n < count && zone_rrset_next(set, &pos, &rd, &len))
		out[n++] = (split_rd_t){.rd = rd, .len = len};
	qsort(out, n, sizeof(*out), split_cmp);
	return n == count;
}

/* An RRset too big for a message of its own (more than 64 KiB with its
 * RRSIGs: a browse PTR RRset of a thousand instances with long names),
 * RR by RR from x->split_sent on, as much as fits. RFC 5936 2.2 lets an
 * RRset's RRs go in several messages. GW_OK with *full when the message
 * is, GW_ESPACE when not one RR fits an empty one. */
static int send_split(gw_xfr_t *x, const zone_node_t *n, const zone_rrset_t *rs, gw_resp_t *r,
                      bool *wrote, bool *full)
{
	const zone_rrset_t sigs = {.rdata = rs->sigs, .rdata_len = rs->sigs_len};
	uint32_t total = (uint32_t)rs->count + rs->sig_count;
	split_rd_t *order = malloc((size_t)total * sizeof(*order));
	if (order == NULL)
		return GW_ENOMEM;
	int ret = GW_EMALFORMED;
	if (!split_order(rs, rs->count, order) ||
	    !split_order(&sigs, rs->sig_count, order + rs->count))
		goto out;
	ret = GW_OK;
	while (x->split_sent < total) {
		bool sig = x->split_sent >= rs->count;
		const split_rd_t *o = &order[x->split_sent];
		ret = gw_resp_put_rr(r, GW_SEC_ANSWER, n->owner, sig ? DNS_T_RRSIG : rs->type,
		                     DNS_C_IN, rs->ttl, o->rd, o->len);
		if (ret == GW_ESPACE && *wrote) {
			ret = GW_OK;
			*full = true;
			break;
		}
		if (ret != GW_OK)
			break;
		*wrote = true;
		x->rrs++;
		x->split_sent++;
	}
out:
	free(order);
	return ret;
}

/* The rest of the name under way, from the zone. *full: the message is. */
static int send_zone_name(gw_xfr_t *x, const zone_t *zone, gw_resp_t *r, bool *wrote, bool *full)
{
	const zone_node_t *n = zone_node_at(zone, x->index);
	if (n == NULL || !zone_name_equal(n->owner, x->cur))
		return GW_EBUSY; /* cannot be: a change to it keeps it */
	bool apex = n == zone_apex_node(zone);
	while (x->rrset < n->rrset_count) {
		const zone_rrset_t *rs = &n->rrsets[x->rrset];
		/* After a commit the RRset index is found again by type. */
		if (rs->type < x->next_type || (apex && rs->type == DNS_T_SOA)) {
			x->rrset++;
			continue;
		}
		bool split = x->split_sent > 0 && rs->type == x->next_type;
		if (!split &&
		    gw_resp_put_rrset(r, GW_SEC_ANSWER, n->owner, rs, true, -1) == GW_OK) {
			*wrote = true;
			x->rrs += rs->count + rs->sig_count;
			x->rrset++;
			continue;
		}
		x->next_type = rs->type;
		if (!split && *wrote) {
			/* Whole in the next message, if it fits one. */
			*full = true;
			return GW_OK;
		}
		int ret = send_split(x, n, rs, r, wrote, full);
		if (ret != GW_OK || *full)
			return ret;
		x->split_sent = 0;
		x->rrset++;
	}
	return GW_OK;
}

/* The rest of the name under way, as it was kept. */
static int send_kept_name(gw_xfr_t *x, gw_resp_t *r, bool *wrote, bool *full)
{
	const gw_xfr_kept_t *k = gw_xfr_keep_find(&x->keep, x->cur);
	if (k == NULL)
		return GW_EBUSY;
	while (x->kept_off < k->size) {
		const uint8_t *rr = k->rrs + x->kept_off;
		size_t len = zone_rr_wire_len(rr, k->size - x->kept_off);
		if (len == 0)
			return GW_EMALFORMED;
		/* The types sent from the zone before the name was kept, and
		 * the SOA (the transfer's first and last RR), are not sent. */
		uint16_t type = gw_xfr_kept_type(rr, len);
		if (type == x->next_type && x->split_sent > 0) {
			/* Sent from the zone before the commit, which kept the
			 * name as it was: the same RRs in the same order. */
			x->split_sent--;
		} else if (type >= x->next_type && type != DNS_T_SOA) {
			int ret = put_wire_rr(r, rr, len);
			if (ret == GW_ESPACE && *wrote) {
				*full = true;
				return GW_OK;
			}
			if (ret != GW_OK)
				return ret;
			*wrote = true;
			x->rrs++;
		}
		x->kept_off += len;
	}
	return GW_OK;
}

/* Every name but the SOA, in canonical order, each as it was when the
 * transfer began. */
static int axfr_names(gw_xfr_t *x, const zone_t *zone, uint32_t serial, gw_resp_t *r, bool *wrote)
{
	/* Commits since the last message moved the nodes: find the place
	 * again by name. A name under way that a commit touched is kept, and
	 * goes on from there. */
	if (x->index_at != serial) {
		x->index = x->cur_from != GW_XFR_CUR_NONE ? zone_index_of(zone, x->cur, true)
		           : x->done_set                  ? zone_index_of(zone, x->done, false)
		                                          : 0;
		x->index_at = serial;
		if (x->cur_from == GW_XFR_CUR_ZONE && gw_xfr_keep_find(&x->keep, x->cur) != NULL) {
			x->cur_from = GW_XFR_CUR_KEPT;
			x->kept_off = 0;
		}
	}
	for (;;) {
		if (x->cur_from == GW_XFR_CUR_NONE && !name_next(x, zone))
			return GW_OK;
		bool full = false;
		int ret = x->cur_from == GW_XFR_CUR_ZONE ? send_zone_name(x, zone, r, wrote, &full)
		                                         : send_kept_name(x, r, wrote, &full);
		if (ret != GW_OK || full)
			return ret;
		name_done(x, zone);
	}
}

/* AXFR (also the SOA alone): the SOA, the names, the SOA. GW_EBUSY when
 * the zone moved more than the transfer keeps. */
static int axfr_body(gw_xfr_t *x, gw_resp_t *r, bool *wrote)
{
	const zone_t *zone = x->zone->zone;
	/* Every change to a served zone moves its serial, and each is heard
	 * (on_commit()); one that was not, or more than is kept, ends it. */
	uint32_t serial = 0;
	if (zone_serial(zone, &serial) != GW_OK || serial != x->heard || x->keep.full)
		return GW_EBUSY;
	if (x->phase == 0) {
		const zone_node_t *apex = zone_apex_node(zone);
		const zone_rrset_t *soa = zone_node_rrset(apex, DNS_T_SOA);
		/* An up-to-date IXFR client gets exactly one RR, the SOA. */
		bool sigs = x->mode != GW_XFR_SOA;
		if (gw_resp_put_rrset(r, GW_SEC_ANSWER, apex->owner, soa, sigs, -1) != GW_OK)
			return GW_ESPACE;
		x->phase = x->mode == GW_XFR_SOA ? 3 : 1;
		x->rrs += soa->count;
		*wrote = true;
	}
	if (x->phase == 1) {
		int ret = axfr_names(x, zone, serial, r, wrote);
		if (ret != GW_OK || x->cur_from != GW_XFR_CUR_NONE)
			return ret;
		x->phase = 2;
	}
	if (x->phase == 2) {
		if (put_wire_rr(r, x->soa, x->soa_len) != GW_OK)
			return *wrote ? GW_OK : GW_ESPACE;
		x->rrs++;
		x->phase = 3;
	}
	return GW_OK;
}

int gw_xfr_next(gw_xfr_t *x, uint8_t *out, size_t cap)
{
	if (x->phase >= 3)
		return 0;
	bool sign = x->tsig.key != NULL;
	size_t reserve = gw_tsig_room(&x->tsig) + (x->opt ? GW_RESP_OPT_LEN : 0);
	if (cap < DNS_HEADER_LEN + reserve)
		return GW_ESPACE;
	size_t room = cap - reserve;
	gw_resp_t r;
	gw_resp_init(&r, out, room, x->id, x->flags);
	/* The question goes in the first message only (RFC 5936 2.2). */
	if (x->messages == 0 && gw_resp_put_question(&r, x->qname, x->qtype, x->qclass) != GW_OK)
		return GW_ESPACE;
	bool wrote = false;
	int ret = x->mode == GW_XFR_IXFR ? ixfr_body(x, &r, &wrote) : axfr_body(x, &r, &wrote);
	if (ret != GW_OK)
		return ret;
	x->messages++;
	size_t len = gw_resp_finish(&r);
	if (x->opt) {
		ret = gw_resp_add_opt_rr(DNS_RCODE_NOERROR, x->opt_payload, x->opt_do, out, &len,
		                         cap);
		if (ret != GW_OK)
			return ret;
	}
	if (sign) {
		ret = gw_tsig_sign_reply(&x->tsig, out, &len, cap);
		if (ret != GW_OK)
			return ret;
	}
	return (int)len;
}

int gw_xfr_ixfr_serial(const uint8_t *pkt, size_t len, const gw_query_t *q, uint32_t *serial)
{
	ldns_pkt *p = NULL;
	int ret = GW_EMALFORMED;
	if (q->nscount != 1 || zone_pkt_read(&p, pkt, len) != GW_OK)
		goto out;
	const ldns_rr_list *auth = ldns_pkt_authority(p);
	const ldns_rr *soa =
	    auth != NULL && ldns_rr_list_rr_count(auth) == 1 ? ldns_rr_list_rr(auth, 0) : NULL;
	if (soa == NULL || ldns_rr_get_type(soa) != LDNS_RR_TYPE_SOA ||
	    ldns_rr_rd_count(soa) != 7 || ldns_rdf_size(ldns_rr_rdf(soa, 2)) != 4)
		goto out;
	*serial = ldns_rdf2native_int32(ldns_rr_rdf(soa, 2));
	ret = GW_OK;
out:
	ldns_pkt_free(p);
	return ret;
}

void gw_xfr_deinit(gw_xfr_t *x)
{
	gw_journal_entries_put(x->entries, x->entry_count);
	x->entries = NULL;
	x->entry_count = 0;
	if (x->zone != NULL)
		gw_zoneref_unwatch(x->zone, &x->watch);
	gw_xfr_keep_deinit(&x->keep);
	free(x->soa);
	x->soa = NULL;
	gw_zoneref_put(x->zone);
	x->zone = NULL;
	x->phase = 3;
}

const char *gw_xfr_result_str(gw_xfr_result_t r)
{
	static const char *const names[GW_XFR_RESULTS] = {
	    [GW_XFR_RESULT_OK] = "ok",
	    [GW_XFR_RESULT_CURRENT] = "current",
	    [GW_XFR_RESULT_FALLBACK] = "fallback_axfr",
	    [GW_XFR_RESULT_UDP] = "udp_soa",
	    [GW_XFR_RESULT_REFUSED] = "refused",
	    [GW_XFR_RESULT_ERROR] = "error",
	    [GW_XFR_RESULT_ABORTED] = "aborted",
	};
	return (unsigned)r < GW_XFR_RESULTS ? names[r] : "?";
}
