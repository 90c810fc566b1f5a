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
/* A wall-clock time as "2026-12-02T10:00:00Z"; 0 is null. */
bool gw_json_add_time(json_object *obj, const char *key, time_t t);
