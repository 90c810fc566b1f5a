/* Zone files through ldns. ldns reads one record at a time; the file is
 * held in memory so that each record's first line can be found from the
 * stream offsets (ldns counts the blank lines after a record into it, and
 * reports the line where a record ends, not where it starts). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#include <stdio_ext.h>
#endif

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/log.h"
#include "zones/internal.h"
#include "zones/zone.h"

/* ldns gives a record without a TTL the default we pass in; this value
 * marks "no TTL written", so that the RFC 1035/2308 defaults can be
 * applied here. A TTL of exactly 4294967295 in a file reads as absent. */
#define TTL_ABSENT   UINT32_MAX
#define TTL_FALLBACK 3600

/* ldns takes about 200 KB of scratch memory per record and frees it again.
 * With glibc's default trim threshold (128 KB) that memory goes back to the
 * kernel after every record: three brk calls and dozens of page faults per
 * record, two thirds of the time of a large load. Keeping a few MB at the
 * top of the heap makes a 50 000 record file load about four times faster.
 * This is a process-wide setting, made once. */
#define HEAP_TRIM_THRESHOLD (8 << 20)

static void tune_heap(void)
{
#ifdef __GLIBC__
	static bool done;
	if (!done) {
		done = true;
		(void)mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD);
	}
#endif
}

typedef struct loader {
	const char *path;
	char *errbuf;
	size_t errlen;
	char *data;
	size_t size;
	size_t line_pos; /* offset up to which newlines are counted */
	size_t line;     /* line number at line_pos */
} loader_t;

__attribute__((format(printf, 4, 5))) static int fail(loader_t *ld, int code, size_t line,
                                                      const char *fmt, ...)
{
	char msg[ZONE_NAME_STRLEN + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
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
	return code;
}

static int read_file(loader_t *ld, char **out, size_t *out_size)
{
	int ret;
	FILE *fp = fopen(ld->path, "re");
	char *data = NULL;
	size_t size = 0;
	size_t cap = 0;

	if (fp == NULL) {
		ret = -errno;
		return fail(ld, ret, 0, "cannot open: %s", strerror(errno));
	}
	for (;;) {
		if (gw_array_reserve(&data, &cap, size + 65536, 1, 65536) != GW_OK) {
			ret = fail(ld, GW_ENOMEM, 0, "out of memory");
			goto out;
		}
		size_t n = fread(data + size, 1, cap - size, fp);
		size += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		ret = -(errno ? errno : EIO);
		fail(ld, ret, 0, "cannot read: %s", strerror(-ret));
		goto out;
	}
	*out = data;
	*out_size = size;
	data = NULL;
	ret = GW_OK;
out:
	free(data);
	fclose(fp);
	return ret;
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

static void resolve_ttl(loader_t *ld, ttl_state_t *st, ldns_rr *rr, size_t line)
{
	uint16_t type = (uint16_t)ldns_rr_get_type(rr);
	const ldns_rdf *owner = ldns_rr_owner(rr);
	uint32_t ttl = ldns_rr_ttl(rr);
	/* A bad owner is refused right after this; only keep a good one. */
	bool owner_ok =
	    owner != NULL &&
	    zone_name_len(ldns_rdf_data(owner), ldns_rdf_size(owner)) == (int)ldns_rdf_size(owner);

	if (ttl != TTL_ABSENT) {
		if (!st->have_directive) {
			st->have_explicit = true;
			st->last_explicit = ttl;
		}
	} else if (type == DNS_T_RRSIG && ldns_rr_rd_count(rr) >= 4 &&
	           ldns_rdf_get_type(ldns_rr_rdf(rr, 3)) == LDNS_RDF_TYPE_INT32) {
		/* RFC 4034 3: an RRSIG has the TTL it covers. */
		ttl = ldns_rdf2native_int32(ldns_rr_rdf(rr, 3));
	} else if (owner_ok && st->have_prev && st->prev_type == type &&
	           zone_name_equal(st->prev_owner, ldns_rdf_data(owner))) {
		/* A record that continues an RRset keeps its TTL (RFC 2181
		 * 5.2), as BIND and ldns's own reader do. */
		ttl = st->prev_ttl;
	} else if (st->have_directive) {
		ttl = st->directive;
	} else if (st->have_explicit) {
		ttl = st->last_explicit;
	} else {
		gw_warn("%s:%zu: no TTL and no $TTL before this record; using %u", ld->path, line,
		        TTL_FALLBACK);
		ttl = TTL_FALLBACK;
	}
	ldns_rr_set_ttl(rr, ttl);
	st->have_prev = owner_ok;
	if (owner_ok) {
		memcpy(st->prev_owner, ldns_rdf_data(owner), ldns_rdf_size(owner));
		st->prev_type = type;
		st->prev_ttl = ttl;
	}
}

/* ldns takes RDATA in the generic form (RFC 3597, "\# 4 00010203") for
 * any type without checking it against the type's layout: an SRV of four
 * octets would be served, transferred and dumped as garbage. Whatever the
 * text form, the wire form must read back as the type. */
static bool rdata_fits(const ldns_rr *rr)
{
	uint8_t *wire = NULL;
	size_t len = 0, pos = 0;
	ldns_rr *back = NULL;
	bool ok = ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &len) == LDNS_STATUS_OK &&
	          ldns_wire2rr(&back, wire, len, &pos, LDNS_SECTION_ANSWER) == LDNS_STATUS_OK &&
	          pos == len;
	ldns_rr_free(back);
	free(wire);
	return ok;
}

static int parse(loader_t *ld, zone_t *zone, zone_batch_t *batch)
{
	int ret = GW_ENOMEM;
	FILE *fp = NULL;
	ldns_rdf *origin = NULL;
	ldns_rdf *prev = NULL;
	ldns_rr *rr = NULL;
	ttl_state_t st = {0};

	if (ld->size == 0)
		return GW_OK;
	fp = fmemopen(ld->data, ld->size, "r");
	if (fp == NULL) {
		ret = fail(ld, -errno, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
#ifdef __GLIBC__
	/* ldns reads a character at a time; the stream is ours alone. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	tune_heap();
	origin = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	prev = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	if (origin == NULL || prev == NULL) {
		ret = fail(ld, GW_ENOMEM, 0, "out of memory");
		goto out;
	}
	for (;;) {
		long start = ftell(fp);
		if (start < 0 || (size_t)start >= ld->size)
			break;
		uint32_t ttl = TTL_ABSENT;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, NULL);
		long end = ftell(fp);
		size_t line = record_line(ld, (size_t)start, end < 0 ? ld->size : (size_t)end);

		switch (s) {
		case LDNS_STATUS_OK:
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			rr = NULL;
			if (end <= start) {
				ret = fail(ld, GW_EPARSE, line, "syntax error: no progress");
				goto out;
			}
			continue;
		case LDNS_STATUS_SYNTAX_TTL:
			rr = NULL;
			st.have_directive = true;
			st.directive = ttl;
			continue;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			rr = NULL;
			ret = fail(ld, GW_EPARSE, line, "$INCLUDE is not supported");
			goto out;
		case LDNS_STATUS_MEM_ERR:
			rr = NULL;
			ret = fail(ld, GW_ENOMEM, line, "out of memory");
			goto out;
		default:
			rr = NULL;
			ret = fail(ld, GW_EPARSE, line, "syntax error: %s", ldns_reason(s));
			goto out;
		}
		if (!rdata_fits(rr)) {
			ret = fail(ld, GW_EPARSE, line, "%s: the RDATA does not fit its type",
			           ldns_rr_descript(ldns_rr_get_type(rr))
			               ? ldns_rr_descript(ldns_rr_get_type(rr))->_name
			               : "type");
			goto out;
		}
		resolve_ttl(ld, &st, rr, line);
		ret = zone_batch_rr(batch, rr, true, line);
		if (ret != GW_OK) {
			ret = fail(ld, ret, line, "%s", batch->reason);
			goto out;
		}
		ldns_rr_free(rr);
		rr = NULL;
	}
	ret = GW_OK;
out:
	ldns_rr_free(rr);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

/* The zone in ld->data (ld->size octets) for origin; ld->path names it. */
static int load(loader_t *ld, zone_t **out, const uint8_t *origin)
{
	zone_t *zone = NULL;
	zone_batch_t batch = {0};
	uint32_t serial;

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
	zone_batch_deinit(&batch);
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
	/* Only read: parse() opens the text as a read-only stream. */
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
