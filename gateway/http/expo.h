/* The Prometheus text exposition format, version 0.0.4: "# HELP" and
 * "# TYPE" lines, samples with labels, histograms as their cumulative
 * _bucket series with _sum and _count. Written into one growing buffer;
 * the first allocation failure is remembered and reported at the end, so
 * a caller writes every line without checking each. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

typedef struct gw_expo {
	char *buf; /* owned; NUL-terminated once anything was written */
	size_t len, cap;
	bool failed; /* out of memory: the text is incomplete */
} gw_expo_t;

/* One label; value is escaped when written. Both borrowed. */
typedef struct gw_expo_label {
	const char *name;
	const char *value;
} gw_expo_label_t;

/* Caller owns the storage; deinit frees the text. */
void gw_expo_init(gw_expo_t *e);
void gw_expo_deinit(gw_expo_t *e);

/* "# HELP name help" (help escaped) and "# TYPE name type"; type is
 * "counter", "gauge", "histogram" or "untyped". */
void gw_expo_family(gw_expo_t *e, const char *name, const char *type, const char *help);

/* "name{l1="v1",...} value": n labels (0: no braces). The _u64 form
 * prints integers exactly; the double form prints NaN and +Inf/-Inf as
 * the format spells them. */
void gw_expo_u64(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                 uint64_t value);
void gw_expo_double(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                    double value);

/* A histogram's samples (the family line is the caller's): for each of
 * the nb bounds (ascending) name_bucket with the labels and le, counting
 * every observation at or below it, then le="+Inf", name_sum and
 * name_count. buckets holds nb + 1 per-bucket (not cumulative) counts,
 * the last one those above the largest bound; count is their sum. */
void gw_expo_histogram(gw_expo_t *e, const char *name, const gw_expo_label_t *labels, size_t n,
                       const double *bounds, const uint64_t *buckets, size_t nb, double sum);

/* GW_OK, or GW_ENOMEM when a line could not be written. On GW_OK *out
 * takes the text (free() it) and *len its length; e is empty again. */
int gw_expo_take(gw_expo_t *e, char **out, size_t *len);
