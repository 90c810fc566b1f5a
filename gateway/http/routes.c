/* The routes of the HTTP listener: one row per path. The JSON topics are
 * rows of their own, so an unknown topic is a 404 like any other path.
 * /metrics is for scrapers, which may use any name; the page and its JSON
 * are for browsers, which DNS rebinding can turn against us. */
#include "gateway/http/internal.h"

const gw_http_route_t gw_http_routes[] = {
    {"/", gw_http_page, true},
    {"/metrics", gw_http_metrics, false},
    {"/api/status", gw_http_api, true},
    {"/api/links", gw_http_api, true},
    {"/api/services", gw_http_api, true},
    {"/api/refused", gw_http_api, true},
    {"/api/secondaries", gw_http_api, true},
    {"/api/keys", gw_http_api, true},
    {"/api/ds", gw_http_api, true},
    {"/api/stats", gw_http_api, true},
    {NULL, NULL, false},
};
