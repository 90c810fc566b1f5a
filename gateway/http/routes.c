/* The routes of the HTTP listener: one row per path. The JSON topics are
 * rows of their own, so an unknown topic is a 404 like any other path. */
#include "gateway/http/internal.h"

const gw_http_route_t gw_http_routes[] = {
    {"/", gw_http_page},
    {"/metrics", gw_http_metrics},
    {"/api/status", gw_http_api},
    {"/api/links", gw_http_api},
    {"/api/services", gw_http_api},
    {"/api/refused", gw_http_api},
    {"/api/secondaries", gw_http_api},
    {"/api/keys", gw_http_api},
    {"/api/ds", gw_http_api},
    {"/api/stats", gw_http_api},
    {NULL, NULL},
};
