#include "gateway/http/expo.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/array.h"
#include "common/error.h"

#define LABELS_MAX 8 /* labels of one sample, le included */

void gw_expo_init(gw_expo_t *e)
{
	*e = (gw_expo_t){0};
}

void gw_expo_deinit(gw_expo_t *e)
{
	free(e->buf);
	*e = (gw_expo_t){0};
}

static bool room(gw_expo_t *e, size_t more)
{
	if (e->failed)
		return false;
	if (gw_array_reserve(&e->buf, &e->cap, e->len + more + 1, 1, 4096) != GW_OK) {
		e->failed = true;
		return false;
	}
	return true;
}

static void put(gw_expo_t *e, const char *s, size_t n)
{
	if (!room(e, n))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void puts_(gw_expo_t *e, const char *s)
{
	put(e, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3))) putf(gw_expo_t *e, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		e->failed = true; /* numbers only: never that long */
		return;
	}
	put(e, tmp, (size_t)n);
}

/* The format escapes backslash and newline in help text, and the double
 * quote too in label values. */
static void put_escaped(gw_expo_t *e, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			puts_(e, "\\\\");
		else if (*s == '\n')
			puts_(e, "\\n");
		else if (quote && *s == '"')
			puts_(e, "\\\"");
		else
			put(e, s, 1);
	}
}

void gw_expo_family(gw_expo_t *e, const char *name, const char *type, const char *help)
{
	puts_(e, "# HELP ");
	puts_(e, name);
	puts_(e, " ");
	put_escaped(e, help, false);
	puts_(e, "\n# TYPE ");
	puts_(e, name);
	puts_(e, " ");
	puts_(e, type);
	puts_(e, "\n");
}

static void put_head(gw_expo_t *e, const char *name, const char *suffix,
                     const gw_expo_label_t *labels, size_t n)
{
	puts_(e, name);
	puts_(e, suffix);
	if (n == 0)
		return;
	puts_(e, "{");
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			puts_(e, ",");
		puts_(e, labels[i].name);
		puts_(e, "=\"");
		put_escaped(e, labels[i].value, true);
		puts_(e, "\"");
	}
	puts_(e, "}");
}

/* The shortest of %.15g and %.17g that reads back as v: "0.1", not
 * "0.10000000000000001", in bounds people read. */
static void format_double(char *buf, size_t len, double v)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
	} else {
		snprintf(buf, len, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, len, "%.17g", v);
	}
}

static void put_double(gw_expo_t *e, double v)
{
	char buf[32];
	format_double(buf, sizeof(buf), v);
	puts_(e, buf);
}

void gw_expo_u64(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                 uint64_t value)
{
	put_head(e, name, "", labels, n);
	putf(e, " %" PRIu64 "\n", value);
}

void gw_expo_double(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                    double value)
{
	put_head(e, name, "", labels, n);
	puts_(e, " ");
	put_double(e, value);
	puts_(e, "\n");
}

void gw_expo_histogram(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                       const double *bounds, const uint64_t *buckets, size_t nb, double sum)
{
	gw_expo_label_t with_le[LABELS_MAX];
	char le[32];
	uint64_t cumulative = 0;

	if (n >= LABELS_MAX) {
		e->failed = true; /* a caller's mistake, not the peer's */
		return;
	}
	memcpy(with_le, labels, n * sizeof(*labels));
	with_le[n] = (gw_expo_label_t){"le", le};
	for (size_t i = 0; i <= nb; i++) {
		cumulative += buckets[i];
		format_double(le, sizeof(le), i < nb ? bounds[i] : INFINITY);
		put_head(e, name, "_bucket", with_le, n + 1);
		putf(e, " %" PRIu64 "\n", cumulative);
	}
	put_head(e, name, "_sum", labels, n);
	puts_(e, " ");
	put_double(e, sum);
	puts_(e, "\n");
	put_head(e, name, "_count", labels, n);
	putf(e, " %" PRIu64 "\n", cumulative);
}

int gw_expo_take(gw_expo_t *e, char **out, size_t *len)
{
	if (e->failed || !room(e, 0)) {
		gw_expo_deinit(e);
		return GW_ENOMEM;
	}
	e->buf[e->len] = '\0';
	*out = e->buf;
	*len = e->len;
	*e = (gw_expo_t){0};
	return GW_OK;
}
