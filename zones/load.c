/* Zone files through ldns. ldns reads one record at a time; the file is
 * held in memory so that each record's first line can be found from the
 * stream offsets (ldns counts the blank lines after a record into it, and
 * reports the line where a record ends, not where it starts). */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
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
	size_t base;     /* offset in data of the stream being read */
} loader_t;

size_t zone_load_split_min = 1 << 20;

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

/* What the reader found next: a record, a $TTL, the end, or a failure
 * (reported only when the records before it went in, so that a file's
 * first error is the one reported, whoever read it). */
typedef enum { STEP_RR, STEP_TTL, STEP_END, STEP_FAIL } step_kind_t;

typedef enum {
	WHY_NO_PROGRESS,
	WHY_INCLUDE,
	WHY_NOMEM,
	WHY_SYNTAX,
	WHY_MISFIT,
} step_why_t;

typedef struct step {
	step_kind_t kind;
	step_why_t why;     /* STEP_FAIL */
	ldns_status status; /* STEP_FAIL, WHY_SYNTAX */
	uint32_t ttl;       /* STEP_TTL */
	size_t line;
	ldns_rr *rr; /* owned: STEP_RR, and STEP_FAIL with WHY_MISFIT */
} step_t;

/* The next step from fp, which reads ld->data from ld->base on for len
 * octets; origin and prev are ldns's state between records. */
static void read_step(loader_t *ld, FILE *fp, size_t len, ldns_rdf **origin, ldns_rdf **prev,
                      step_t *st)
{
	for (;;) {
		ldns_rr *rr = NULL;
		long start = ftell(fp);
		*st = (step_t){.kind = STEP_END};
		if (start < 0 || (size_t)start >= len)
			return;
		uint32_t ttl = TTL_ABSENT;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, origin, prev, NULL);
		long end = ftell(fp);
		st->line = record_line(ld, ld->base + (size_t)start,
		                       ld->base + (end < 0 ? len : (size_t)end));
		st->kind = STEP_FAIL;
		switch (s) {
		case LDNS_STATUS_OK:
			break;
		case LDNS_STATUS_SYNTAX_EMPTY:
		case LDNS_STATUS_SYNTAX_ORIGIN:
			if (end <= start) {
				st->why = WHY_NO_PROGRESS;
				return;
			}
			continue;
		case LDNS_STATUS_SYNTAX_TTL:
			st->kind = STEP_TTL;
			st->ttl = ttl;
			return;
		case LDNS_STATUS_SYNTAX_INCLUDE:
			st->why = WHY_INCLUDE;
			return;
		case LDNS_STATUS_MEM_ERR:
			st->why = WHY_NOMEM;
			return;
		default:
			st->why = WHY_SYNTAX;
			st->status = s;
			return;
		}
		st->rr = rr;
		st->kind = rdata_fits(rr) ? STEP_RR : STEP_FAIL;
		st->why = WHY_MISFIT;
		return;
	}
}

static void step_clear(step_t *st)
{
	ldns_rr_free(st->rr);
	st->rr = NULL;
}

/* Put one step into the batch, in file order; GW_OK or the error,
 * reported. Frees the step's RR. */
static int take_step(loader_t *ld, ttl_state_t *ts, zone_batch_t *batch, step_t *st)
{
	int ret = GW_OK;
	const ldns_rr_descriptor *desc;

	switch (st->kind) {
	case STEP_END:
		break;
	case STEP_TTL:
		ts->have_directive = true;
		ts->directive = st->ttl;
		break;
	case STEP_RR:
		resolve_ttl(ld, ts, st->rr, st->line);
		ret = zone_batch_rr(batch, st->rr, true, st->line);
		if (ret != GW_OK)
			ret = fail(ld, ret, st->line, "%s", batch->reason);
		break;
	case STEP_FAIL:
		switch (st->why) {
		case WHY_NO_PROGRESS:
			ret = fail(ld, GW_EPARSE, st->line, "syntax error: no progress");
			break;
		case WHY_INCLUDE:
			ret = fail(ld, GW_EPARSE, st->line, "$INCLUDE is not supported");
			break;
		case WHY_NOMEM:
			ret = fail(ld, GW_ENOMEM, st->line, "out of memory");
			break;
		case WHY_SYNTAX:
			ret = fail(ld, GW_EPARSE, st->line, "syntax error: %s",
			           ldns_reason(st->status));
			break;
		case WHY_MISFIT:
			desc = ldns_rr_descript(ldns_rr_get_type(st->rr));
			ret = fail(ld, GW_EPARSE, st->line, "%s: the RDATA does not fit its type",
			           desc ? desc->_name : "type");
			break;
		}
		break;
	}
	step_clear(st);
	return ret;
}

/* Read [ld->base, ld->base + len) of ld->data into the batch, one record
 * at a time, carrying ts, origin and prev on. */
static int parse_range(loader_t *ld, size_t len, ttl_state_t *ts, ldns_rdf **origin,
                       ldns_rdf **prev, zone_batch_t *batch)
{
	int ret = GW_OK;
	step_t st;
	FILE *fp = fmemopen(ld->data + ld->base, len, "r");

	if (fp == NULL)
		return fail(ld, -errno, 0, "cannot read: %s", strerror(errno));
#ifdef __GLIBC__
	/* ldns reads a character at a time; the stream is ours alone. */
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	do {
		read_step(ld, fp, len, origin, prev, &st);
		ret = take_step(ld, ts, batch, &st);
	} while (ret == GW_OK && st.kind != STEP_END);
	fclose(fp);
	return ret;
}

/* ---- two readers ---------------------------------------------------------
 * ldns's text reader is most of a large load, and reads one record at a
 * time; the second half of a large file is read on a thread of its own
 * into steps, which the batch takes in file order after the first half.
 * The second reader starts at a line that starts a record with its owner
 * written out (so that no previous owner carries over), outside
 * parentheses and quotes, and first replays the $ORIGIN lines before it;
 * the $TTL state and the TTLs are resolved in order by the first. */

typedef struct second {
	loader_t ld;    /* ld.base: where it starts */
	char *prologue; /* owned: the $ORIGIN lines before ld.base */
	size_t prologue_len;
	const uint8_t *apex;
	size_t apex_len;
	step_t *steps; /* owned, with their RRs */
	size_t count, cap;
	bool ok; /* steps hold everything from ld.base to the end or a failure */
	atomic_bool stop;
} second_t;

static bool owner_start(char c)
{
	return !isspace((unsigned char)c) && c != ';' && c != '$' && c != '(' && c != ')' &&
	       c != '"';
}

/* Is the directive at p (len octets to the line's end) $ORIGIN? */
static bool is_origin(const char *p, size_t len)
{
	return len > 7 && memcmp(p, "$ORIGIN", 7) == 0 && (p[7] == ' ' || p[7] == '\t');
}

/* Where a second reader can start (see above), with the $ORIGIN lines
 * before it in sec->prologue and the line it starts on. False: the text is
 * too small, has no such line, or an $ORIGIN line that cannot be replayed
 * alone (quotes or parentheses in it). */
static bool find_split(const loader_t *ld, second_t *sec)
{
	const char *d = ld->data;
	size_t n = ld->size;
	size_t nl = 0;
	size_t depth = 0;
	bool quoted = false;
	bool line_start = true;

	if (n < zone_load_split_min || n < 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (line_start && depth == 0 && !quoted) {
			if (i >= n / 2 && owner_start(c)) {
				sec->ld = *ld;
				sec->ld.base = i;
				sec->ld.line_pos = i;
				sec->ld.line = nl + 1;
				sec->ld.errbuf = NULL;
				return true;
			}
			const char *eol = memchr(d + i, '\n', n - i);
			size_t len = eol != NULL ? (size_t)(eol - (d + i)) : n - i;
			size_t k = 0;
			while (k < len && (d[i + k] == ' ' || d[i + k] == '\t'))
				k++;
			/* An indented $ORIGIN is not replayed: no split. */
			if (k > 0 && is_origin(d + i + k, len - k))
				return false;
			if (c == '$' && is_origin(d + i, len)) {
				if (memchr(d + i, '(', len) || memchr(d + i, ')', len) ||
				    memchr(d + i, '"', len))
					return false;
				char *p = realloc(sec->prologue, sec->prologue_len + len + 1);
				if (p == NULL)
					return false;
				memcpy(p + sec->prologue_len, d + i, len);
				p[sec->prologue_len + len] = '\n';
				sec->prologue = p;
				sec->prologue_len += len + 1;
			}
		}
		line_start = false;
		if (c == '\\' && i + 1 < n) {
			i++;
			nl += d[i] == '\n';
		} else if (c == '\n') {
			nl++;
			line_start = true;
		} else if (quoted) {
			quoted = c != '"';
		} else if (c == ';') {
			const char *eol = memchr(d + i, '\n', n - i);
			i = eol != NULL ? (size_t)(eol - d) - 1 : n - 1;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		}
	}
	return false;
}

/* The prologue through ldns: origin as it stands at sec->ld.base. */
static bool replay_prologue(second_t *sec, ldns_rdf **origin, ldns_rdf **prev)
{
	FILE *fp;
	bool ok = true;

	if (sec->prologue_len == 0)
		return true;
	fp = fmemopen(sec->prologue, sec->prologue_len, "r");
	if (fp == NULL)
		return false;
	for (;;) {
		ldns_rr *rr = NULL;
		uint32_t ttl = TTL_ABSENT;
		long start = ftell(fp);
		if (start < 0 || (size_t)start >= sec->prologue_len)
			break;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, origin, prev, NULL);
		ldns_rr_free(rr);
		if ((s != LDNS_STATUS_SYNTAX_ORIGIN && s != LDNS_STATUS_SYNTAX_EMPTY) ||
		    ftell(fp) <= start) {
			ok = false;
			break;
		}
	}
	fclose(fp);
	return ok;
}

static void *second_run(void *arg)
{
	second_t *sec = arg;
	size_t len = sec->ld.size - sec->ld.base;
	ldns_rdf *origin = ldns_dname_new_frm_data((uint16_t)sec->apex_len, sec->apex);
	ldns_rdf *prev = ldns_dname_new_frm_data((uint16_t)sec->apex_len, sec->apex);
	FILE *fp = NULL;
	step_t st = {0};

	if (origin == NULL || prev == NULL || !replay_prologue(sec, &origin, &prev))
		goto out;
	fp = fmemopen(sec->ld.data + sec->ld.base, len, "r");
	if (fp == NULL)
		goto out;
#ifdef __GLIBC__
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	for (;;) {
		if (atomic_load_explicit(&sec->stop, memory_order_relaxed))
			goto out;
		read_step(&sec->ld, fp, len, &origin, &prev, &st);
		if (gw_array_reserve(&sec->steps, &sec->cap, sec->count + 1, sizeof(*sec->steps),
		                     4096) != GW_OK) {
			step_clear(&st);
			goto out;
		}
		sec->steps[sec->count++] = st;
		if (st.kind == STEP_END || st.kind == STEP_FAIL)
			break;
	}
	sec->ok = true;
out:
	if (fp != NULL)
		fclose(fp);
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return NULL;
}

static void second_free(second_t *sec)
{
	for (size_t i = 0; i < sec->count; i++)
		step_clear(&sec->steps[i]);
	free(sec->steps);
	free(sec->prologue);
}

static int parse(loader_t *ld, zone_t *zone, zone_batch_t *batch)
{
	int ret = GW_ENOMEM;
	ldns_rdf *origin = NULL;
	ldns_rdf *prev = NULL;
	ttl_state_t ts = {0};
	second_t sec = {.apex = zone->apex, .apex_len = zone->apex_len};
	pthread_t tid;
	bool started = false;
	size_t first_len = ld->size;

	if (ld->size == 0)
		return GW_OK;
	tune_heap();
	origin = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	prev = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	if (origin == NULL || prev == NULL) {
		ret = fail(ld, GW_ENOMEM, 0, "out of memory");
		goto out;
	}
	atomic_init(&sec.stop, false);
	if (find_split(ld, &sec) && pthread_create(&tid, NULL, second_run, &sec) == 0) {
		started = true;
		first_len = sec.ld.base;
	}
	ld->base = 0;
	ret = parse_range(ld, first_len, &ts, &origin, &prev, batch);
	if (!started || ret != GW_OK)
		goto out;
	pthread_join(tid, NULL);
	started = false;
	if (!sec.ok) {
		/* The second reader could not finish: read its half here,
		 * where ldns's state is already right. */
		ld->base = first_len;
		ret = parse_range(ld, ld->size - first_len, &ts, &origin, &prev, batch);
		goto out;
	}
	for (size_t i = 0; i < sec.count && ret == GW_OK; i++)
		ret = take_step(ld, &ts, batch, &sec.steps[i]);
out:
	if (started) {
		atomic_store(&sec.stop, true);
		pthread_join(tid, NULL);
	}
	second_free(&sec);
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
