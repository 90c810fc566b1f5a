/* Private to gateway/control/status*.c: one builder per topic, and the
 * helpers they share. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <json-c/json.h>

#include "gateway/control/status.h"

/* Each fills obj (an empty object) with its topic; GW_OK, GW_ENOMEM, or
 * GW_ENOTFOUND with a reason in err (errlen octets). */
int gw_status_general(const gw_view_t *v, json_object *obj);
int gw_status_links(const gw_view_t *v, json_object *obj);
int gw_status_services(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                       size_t errlen);
int gw_status_refused(const gw_view_t *v, json_object *obj);
int gw_status_secondaries(const gw_view_t *v, json_object *obj);
/* keys and ds: of the zone q->zone names (NULL: the first); GW_ENOTFOUND
 * with a reason in err when none has that name. */
int gw_status_keys(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                   size_t errlen);
int gw_status_ds(const gw_view_t *v, const gw_status_query_t *q, json_object *obj, char *err,
                 size_t errlen);
int gw_status_stats(const gw_view_t *v, json_object *obj);

/* Add key to obj; false when out of memory (val is then released). A NULL
 * val adds JSON null. */
bool gw_json_add(json_object *obj, const char *key, json_object *val);
/* Shorthands: the value is made and added; false when out of memory. */
bool gw_json_add_str(json_object *obj, const char *key, const char *val); /* NULL: null */
bool gw_json_add_u64(json_object *obj, const char *key, uint64_t val);
bool gw_json_add_int(json_object *obj, const char *key, int64_t val);
bool gw_json_add_bool(json_object *obj, const char *key, bool val);
/* A new empty object appended to arr, which owns it; NULL when out of
 * memory. */
json_object *gw_json_append_object(json_object *arr);
/* A wall-clock time as "2026-12-02T10:00:00Z"; 0 is null. */
bool gw_json_add_time(json_object *obj, const char *key, time_t t);
/* One counter of a table of them: its key (borrowed) and value. */
typedef struct gw_json_u64_field {
	const char *key;
	uint64_t val;
} gw_json_u64_field_t;
/* Each of the n counters of f, in order; false when out of memory. */
bool gw_json_add_u64s(json_object *obj, const gw_json_u64_field_t *f, size_t n);
/* gw_json_add_u64s() with the table written out: {"key", value}, ... */
#define GW_JSON_ADD_U64S(obj, ...)                                                                 \
	gw_json_add_u64s(obj, (const gw_json_u64_field_t[]){__VA_ARGS__},                          \
	                 sizeof((const gw_json_u64_field_t[]){__VA_ARGS__}) /                      \
	                     sizeof(gw_json_u64_field_t))
