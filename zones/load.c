/* Zone files through ldns. ldns reads one record at a time; the file is
 * held in memory so that each record's first line can be found from the
 * stream offsets (ldns counts the blank lines after a record into it, and
 * reports the line where a record ends, not where it starts). The records
 * go into a batch with their TTLs as written, and the defaults of the
 * records without one are applied afterwards in file order, so that a
 * large text can be read in two halves at once (zones/load_split.c). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#include <ldns/util.h>
#endif

#include "common/dns.h"
#include "common/heap.h"
#include "common/array.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "zones/internal.h"
#include "zones/load_internal.h"
#include "zones/zone.h"

/* A record without a TTL, with no $TTL and no TTL written before it. */
#define TTL_FALLBACK 3600
#define TTL_MAX      2147483647u

/* The largest zone file read. The zone file holds the records an
 * operator writes (the discovered services are not in it): the generated
 * zone of 100 000 services is 36 MiB. What is larger is most
 * likely the wrong file, read into memory whole before a line of it is
 * checked. */
#define ZONE_FILE_MAX ((size_t)1 << 30)

static void report(loader_t *ld, size_t line, const char *msg)
{
	if (ld->errbuf != NULL) {
		if (line > 0)
			snprintf(ld->errbuf, ld->errlen, "%s:%zu: %s", ld->path, line, msg);
		else
			snprintf(ld->errbuf, ld->errlen, "%s: %s", ld->path, msg);
	} else if (line > 0) {
		gw_err("%s:%zu: %s", ld->path, line, msg);
	} else {
		gw_err("%s: %s", ld->path, msg);
	}
}

__attribute__((format(printf, 4, 5))) static int fail(loader_t *ld, int code, size_t line,
                                                      const char *fmt, ...)
{
	char msg[ZONE_NAME_STRLEN + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ld, line, msg);
	return code;
}

/* A reader's failure: kept in out, reported by the caller in file order. */
__attribute__((format(printf, 4, 5))) static void out_fail(load_out_t *out, int code, size_t line,
                                                           const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
	out->code = code;
	out->line = line;
}

void load_out_free(load_out_t *out)
{
	free(out->marks);
	memset(out, 0, sizeof(*out));
}

/* The zone file is a regular file, or a FIFO, whose open waits for its
 * writer (a reload reads beside the loop, which answers meanwhile:
 * gateway/zonemgr/read.c). A device such as /dev/zero would be read until
 * memory ran out, /dev/null would load as an empty zone, and a directory
 * does not read: GW_ENOTFILE. */
static int open_zone_file(const char *path, FILE **out)
{
	int fd = -1;
	int ret = gw_file_open_regular_or_fifo(path, &fd, NULL);
	return ret == GW_OK ? gw_file_fdopen(fd, out) : ret;
}

static int read_file(loader_t *ld, char **out, size_t *out_size)
{
	char hint[96];
	FILE *fp = NULL;
	int ret = open_zone_file(ld->path, &fp);
	if (ret == GW_OK) {
		ret = gw_file_read_stream(fp, ZONE_FILE_MAX, out, out_size);
		fclose(fp);
	}
	switch (ret) {
	case GW_OK:
		return GW_OK;
	case GW_ENOTFILE:
		return fail(ld, ret, 0,
		            "not a regular file (a device or a directory): name the zone file "
		            "itself");
	case GW_ELIMIT:
		return fail(ld, ret, 0,
		            "larger than the limit of %u MiB for a zone file: check that this is "
		            "the right file",
		            (unsigned)(ZONE_FILE_MAX >> 20));
	case GW_ENOMEM:
		return fail(ld, ret, 0, "out of memory");
	case GW_EIO:
		return fail(ld, ret, 0, "cannot read: %s", strerror(EIO));
	default:
		return fail(ld, ret, 0, "cannot open: %s%s", gw_strerror(ret),
		            gw_file_unreadable_hint(hint, sizeof(hint), -ret));
	}
}

/* Line of the first character of the record that ldns read from [from,
 * to): past blanks and comment lines. Offsets only grow, so counting
 * newlines from the last position keeps the whole pass linear. */
static size_t record_line(loader_t *ld, size_t from, size_t to)
{
	for (; ld->line_pos < from; ld->line_pos++) {
		if (ld->data[ld->line_pos] == '\n')
			ld->line++;
	}
	size_t line = ld->line;
	for (size_t p = from; p < to; p++) {
		char c = ld->data[p];
		if (c == ';') {
			while (p + 1 < to && ld->data[p + 1] != '\n')
				p++;
		} else if (c == '\n') {
			line++;
		} else if (!isspace((unsigned char)c)) {
			break;
		}
	}
	return line;
}

/* ldns's text for a status, without the "Syntax error, " that most of
 * them start with (the caller says it). */
static const char *ldns_reason(ldns_status s)
{
	static const char prefix[] = "Syntax error, ";
	const char *text = ldns_get_errorstr_by_id(s);

	if (text == NULL)
		return "unknown error";
	if (strncmp(text, prefix, sizeof(prefix) - 1) == 0)
		text += sizeof(prefix) - 1;
	return text;
}

static void ttl_conflict(void *ctx, const zone_entry_t *earlier, const zone_entry_t *later)
{
	loader_t *ld = ctx;
	char name[ZONE_NAME_STRLEN];
	char type[16];

	(void)zone_name_to_str(name, sizeof(name), later->owner);
	zone_type_str(type, sizeof(type), later->type);
	gw_warn("%s:%zu: TTL %u of %s %s differs from TTL %u at line %zu; the RRset takes the "
	        "TTL of its last RR",
	        ld->path, later->ref, later->ttl, name, type, earlier->ttl, earlier->ref);
}

/* State for the TTL of records written without one. */
typedef struct ttl_state {
	bool have_directive; /* $TTL seen: it is the default (RFC 2308) */
	uint32_t directive;
	bool have_explicit; /* otherwise: the last TTL written (RFC 1035 5.1) */
	uint32_t last_explicit;
	uint8_t prev_owner[ZONE_NAME_MAXLEN]; /* the previous record */
	uint16_t prev_type;
	uint32_t prev_ttl;
	bool have_prev;
} ttl_state_t;

/* The TTL of e, a record of the file taken in file order. */
static void resolve_ttl(loader_t *ld, ttl_state_t *st, zone_entry_t *e)
{
	uint32_t ttl = e->ttl;

	if (ttl != LOAD_TTL_ABSENT) {
		if (!st->have_directive) {
			st->have_explicit = true;
			st->last_explicit = ttl;
		}
	} else if (e->type == DNS_T_RRSIG && e->rdlen >= 8) {
		/* RFC 4034 3: an RRSIG has the TTL it covers, the
		 * Original TTL field after type, algorithm and labels. */
		ttl = ldns_read_uint32(e->rdata + 4);
	} else if (st->have_prev && st->prev_type == e->type &&
	           zone_name_equal(st->prev_owner, e->owner)) {
		/* A record that continues an RRset keeps its TTL (RFC 2181
		 * 5.2), as BIND and ldns's own reader do. */
		ttl = st->prev_ttl;
	} else if (st->have_directive) {
		ttl = st->directive;
	} else if (st->have_explicit) {
		ttl = st->last_explicit;
	} else {
		gw_warn("%s:%zu: no TTL and no $TTL before this record; using %u", ld->path, e->ref,
		        TTL_FALLBACK);
		ttl = TTL_FALLBACK;
	}
	e->ttl = ttl;
	st->have_prev = true;
	memcpy(st->prev_owner, e->owner, e->owner_len);
	st->prev_type = e->type;
	st->prev_ttl = ttl;
}

/* The TTLs of the batch's records from entry from on, with the $TTL lines
 * of out among them, in file order after everything before them. */
static void resolve_ttls(loader_t *ld, ttl_state_t *st, zone_batch_t *batch, size_t from,
                         const load_out_t *out)
{
	size_t m = 0;

	for (size_t i = from; i <= batch->count; i++) {
		for (; m < out->mark_count && out->marks[m].at <= i; m++) {
			st->have_directive = true;
			st->directive = out->marks[m].ttl;
		}
		if (i < batch->count)
			resolve_ttl(ld, st, &batch->entries[i]);
	}
}

/* ldns takes RDATA in the generic form (RFC 3597, "\# 4 00010203") for
 * any type without checking it against the type's layout: an SRV of four
 * octets would be served, transferred and dumped as garbage. The wire form
 * of a record written that way must read back as the type. Its typed
 * forms are ldns's own readers of each field, so only a record whose text
 * holds a backslash is checked: the round trip was a tenth of a large
 * load. */
static bool rdata_fits(const ldns_rr *rr, const char *text, size_t len)
{
	uint8_t *wire = NULL;
	size_t wire_len = 0, pos = 0;
	ldns_rr *back = NULL;

	if (memchr(text, '\\', len) == NULL)
		return true;
	bool ok =
	    ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &wire_len) == LDNS_STATUS_OK &&
	    ldns_wire2rr(&back, wire, wire_len, &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK &&
	    pos == wire_len;
	ldns_rr_free(back);
	free(wire);
	return ok;
}

static int push_mark(load_out_t *out, size_t at, uint32_t ttl)
{
	if (gw_array_reserve(&out->marks, &out->mark_cap, out->mark_count + 1, sizeof(*out->marks),
	                     8) != GW_OK)
		return GW_ENOMEM;
	out->marks[out->mark_count++] = (load_ttl_mark_t){.at = at, .ttl = ttl};
	return GW_OK;
}

/* ldns gives a record written without a TTL the default passed in,
 * LOAD_TTL_ABSENT, which a TTL written as 4294967295 cannot be told from:
 * is the record's text [from, to) one with a TTL written? Read again with
 * another default (origin and prev, this record's owner now: as before). */
static bool ttl_written(const loader_t *ld, size_t from, size_t to, const ldns_rdf *origin,
                        const ldns_rdf *prev)
{
	FILE *fp = fmemopen(ld->data + from, to - from, "r");
	if (fp == NULL)
		return true; /* refused rather than read as absent */
	ldns_rdf *o = origin != NULL ? ldns_rdf_clone(origin) : NULL;
	ldns_rdf *p = prev != NULL ? ldns_rdf_clone(prev) : NULL;
	ldns_rr *rr = NULL;
	uint32_t ttl = 1; /* not LOAD_TTL_ABSENT, which only a written TTL gives now */
	ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &o, &p, NULL);
	bool written = s != LDNS_STATUS_OK || ldns_rr_ttl(rr) == LOAD_TTL_ABSENT;
	ldns_rr_free(rr);
	ldns_rdf_deep_free(o);
	ldns_rdf_deep_free(p);
	fclose(fp);
	return written;
}

/* One record (or directive) read by ldns from fp; false once the range
 * ends or fails. A TTL past 2^31 - 1 is refused (RFC 2181 section 8: a
 * resolver takes it for 0). */
static bool read_one(loader_t *ld, FILE *fp, size_t base, size_t stop_at, ldns_rdf **origin,
                     ldns_rdf **prev, zone_batch_t *batch, load_out_t *out)
{
	ldns_rr *rr = NULL;
	long start = ftell(fp);
	size_t len = ld->size - base;

	if (start < 0 || (size_t)start >= len || base + (size_t)start >= stop_at) {
		out->end = start < 0 ? ld->size : base + (size_t)start;
		return false;
	}
	uint32_t ttl = LOAD_TTL_ABSENT;
	ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, origin, prev, NULL);
	long end = ftell(fp);
	size_t from = base + (size_t)start;
	size_t to = base + (end < 0 ? len : (size_t)end);
	size_t line = record_line(ld, from, to);

	switch (s) {
	case LDNS_STATUS_OK:
		break;
	case LDNS_STATUS_SYNTAX_EMPTY:
	case LDNS_STATUS_SYNTAX_ORIGIN:
		if (end > start)
			return true;
		out_fail(out, GW_EPARSE, line, "syntax error: no progress");
		return false;
	case LDNS_STATUS_SYNTAX_TTL:
		if (ttl > TTL_MAX) {
			out_fail(out, GW_EPARSE, line, "$TTL %u is above %u (RFC 2181 section 8)",
			         ttl, TTL_MAX);
			return false;
		}
		if (push_mark(out, batch->count, ttl) == GW_OK)
			return true;
		out_fail(out, GW_ENOMEM, line, "out of memory");
		return false;
	case LDNS_STATUS_SYNTAX_INCLUDE:
		out_fail(out, GW_EPARSE, line, "$INCLUDE is not supported");
		return false;
	case LDNS_STATUS_MEM_ERR:
		out_fail(out, GW_ENOMEM, line, "out of memory");
		return false;
	default:
		out_fail(out, GW_EPARSE, line, "syntax error: %s", ldns_reason(s));
		return false;
	}
	int ret = GW_OK;
	uint32_t rr_ttl = ldns_rr_ttl(rr);
	if (rr_ttl > TTL_MAX &&
	    (rr_ttl != LOAD_TTL_ABSENT || ttl_written(ld, from, to, *origin, *prev))) {
		out_fail(out, GW_EPARSE, line, "TTL %u is above %u (RFC 2181 section 8)", rr_ttl,
		         TTL_MAX);
		ret = GW_EPARSE;
	} else if (!rdata_fits(rr, ld->data + from, to - from)) {
		const ldns_rr_descriptor *desc = ldns_rr_descript(ldns_rr_get_type(rr));
		out_fail(out, GW_EPARSE, line, "%s: the RDATA does not fit its type",
		         desc != NULL ? desc->_name : "type");
		ret = GW_EPARSE;
	} else {
		ret = zone_batch_rr(batch, rr, true, line);
		if (ret != GW_OK)
			out_fail(out, ret, line, "%s", batch->reason);
	}
	ldns_rr_free(rr);
	return ret == GW_OK;
}

void load_read_range(loader_t *ld, size_t base, size_t stop_at, ldns_rdf **origin, ldns_rdf **prev,
                     zone_batch_t *batch, load_out_t *out, const atomic_bool *stop)
{
	FILE *fp = base < ld->size ? fmemopen(ld->data + base, ld->size - base, "r") : NULL;

	out->done = false;
	out->end = base;
	if (base >= ld->size) {
		out->done = true;
		return;
	}
	if (fp == NULL) {
		out_fail(out, -errno, 0, "cannot read: %s", strerror(errno));
		out->done = true;
		return;
	}
#ifdef __GLIBC__
	/* ldns reads a character at a time; the stream is ours alone. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	for (;;) {
		if (stop != NULL && atomic_load_explicit(stop, memory_order_relaxed))
			goto out;
		if (!read_one(ld, fp, base, stop_at, origin, prev, batch, out))
			break;
	}
	out->done = true;
out:
	fclose(fp);
}

/* Read ld's text from base on here, up to the first record that starts
 * at or after stop_at (SIZE_MAX: to the end), its TTLs after those
 * before; *end is where it stopped. GW_OK or the failure, reported. */
static int read_part(loader_t *ld, size_t base, size_t stop_at, ttl_state_t *ts, ldns_rdf **origin,
                     ldns_rdf **prev, zone_batch_t *batch, size_t *end)
{
	load_out_t out = {0};
	size_t from = batch->count;

	load_read_range(ld, base, stop_at, origin, prev, batch, &out, NULL);
	resolve_ttls(ld, ts, batch, from, &out);
	int ret = out.code;
	if (ret != GW_OK)
		report(ld, out.line, out.msg);
	*end = out.end;
	load_out_free(&out);
	return ret;
}

static int parse(loader_t *ld, zone_t *zone, zone_batch_t *batch)
{
	int ret = GW_ENOMEM;
	ldns_rdf *origin = NULL;
	ldns_rdf *prev = NULL;
	ttl_state_t ts = {0};
	load_second_t *sec = NULL;
	zone_batch_t *sec_batch = NULL;
	load_out_t *sec_out = NULL;
	size_t end = 0;

	if (ld->size == 0)
		return GW_OK;
	origin = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	prev = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	if (origin == NULL || prev == NULL || load_second_start(&sec, ld, zone) != GW_OK) {
		ret = fail(ld, GW_ENOMEM, 0, "out of memory");
		goto out;
	}
	if (sec == NULL) {
		ret = read_part(ld, 0, SIZE_MAX, &ts, &origin, &prev, batch, &end);
		goto out;
	}
	/* The first half here, while the second reader looks for its place
	 * from the middle on, then up to that place. */
	ret = read_part(ld, 0, ld->size / 2, &ts, &origin, &prev, batch, &end);
	if (ret != GW_OK)
		goto out;
	size_t base = load_second_base(sec);
	if (base != SIZE_MAX && end < base) {
		ret = read_part(ld, end, base, &ts, &origin, &prev, batch, &end);
		if (ret != GW_OK)
			goto out;
	}
	/* The second half is good if this reader ended its last record
	 * right where that one started, with the same $ORIGIN: the scan
	 * that chose the place only models ldns's tokeniser. Otherwise (or
	 * with no place found) the rest is read here, where ldns's state is
	 * right. */
	if (end != base || !load_second_join(sec, &sec_batch, &sec_out) ||
	    ldns_rdf_compare(origin, load_second_origin(sec)) != 0) {
		load_second_free(sec);
		sec = NULL;
		ret = read_part(ld, end, SIZE_MAX, &ts, &origin, &prev, batch, &end);
		goto out;
	}
	atomic_fetch_add(&zone_load_splits, 1);
	resolve_ttls(ld, &ts, sec_batch, 0, sec_out);
	ret = zone_batch_append(batch, sec_batch);
	if (ret != GW_OK) {
		ret = fail(ld, ret, 0, "out of memory");
		goto out;
	}
	ret = sec_out->code;
	if (ret != GW_OK)
		report(ld, sec_out->line, sec_out->msg);
out:
	load_second_free(sec);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return ret;
}

/* The zone in ld->data (ld->size octets) for origin; ld->path names it. */
static int load(loader_t *ld, zone_t **out, const uint8_t *origin)
{
	zone_t *zone = NULL;
	zone_batch_t batch = {0};
	uint32_t serial;
	bool loading = false;

	int ret = zone_new(&zone, origin);
	if (ret != GW_OK) {
		ret = fail(ld, ret, 0, "invalid zone origin");
		goto out;
	}
	ld->line = 1;
	ret = zone_batch_init(&batch, zone);
	if (ret != GW_OK) {
		ret = fail(ld, ret, 0, "out of memory");
		goto out;
	}
	batch.ttl_conflict = ttl_conflict;
	batch.ctx = ld;
	gw_heap_bulk_begin();
	loading = true;
	ret = parse(ld, zone, &batch);
	if (ret != GW_OK)
		goto out;
	ret = zone_batch_apply(zone, &batch, NULL, NULL);
	if (ret != GW_OK) {
		ret = fail(ld, ret, batch.err_ref == ZONE_REF_NONE ? 0 : batch.err_ref, "%s",
		           batch.reason);
		goto out;
	}
	if (zone_serial(zone, &serial) != GW_OK) {
		char apex[ZONE_NAME_STRLEN];
		(void)zone_name_to_str(apex, sizeof(apex), zone->apex);
		ret = fail(ld, GW_ESEMANTIC, 0, "no SOA record at the zone apex %s", apex);
		goto out;
	}
	*out = zone;
	zone = NULL;
out:
	/* The second reader's half of the batch fills that thread's arena,
	 * whose free top glibc gives back only on a free that takes it past
	 * the trim threshold (malloc_trim() leaves it alone): freed under
	 * an 8 MB threshold, a restart, which starts no signing thread to
	 * reuse that arena, kept up to 8 MB more than a fresh start. */
	gw_heap_release_begin();
	zone_batch_deinit(&batch);
	gw_heap_release_end();
	if (loading)
		gw_heap_bulk_end();
	zone_free(zone);
	return ret;
}

int zone_load_file(zone_t **out, const uint8_t *origin, const char *path, char *errbuf,
                   size_t errlen)
{
	loader_t ld = {.path = path, .errbuf = errlen > 0 ? errbuf : NULL, .errlen = errlen};
	char *data = NULL;

	if (ld.errbuf != NULL)
		ld.errbuf[0] = '\0';
	if (out == NULL || path == NULL)
		return GW_EINVAL;
	int ret = read_file(&ld, &data, &ld.size);
	if (ret == GW_OK) {
		ld.data = data;
		ret = load(&ld, out, origin);
	}
	free(data);
	return ret;
}

int zone_load_text(zone_t **out, const uint8_t *origin, const char *name, const char *data,
                   size_t size, char *errbuf, size_t errlen)
{
	/* Only read: the readers open the text as read-only streams. */
	loader_t ld = {.path = name,
	               .errbuf = errlen > 0 ? errbuf : NULL,
	               .errlen = errlen,
	               .data = (char *)(uintptr_t)data,
	               .size = size};

	if (ld.errbuf != NULL)
		ld.errbuf[0] = '\0';
	if (out == NULL || name == NULL || (data == NULL && size > 0))
		return GW_EINVAL;
	return load(&ld, out, origin);
}
