/* The routes of the HTTP listener: one row per path, and one for every
 * JSON topic (/api/<topic>), so an unknown topic is a 404 like any other
 * path.
 * /metrics is for scrapers, which may use any name; the page and its JSON
 * are for browsers, which DNS rebinding can turn against us. */
#include "gateway/http/internal.h"

const gw_http_route_t gw_http_routes[] = {
    {"/", gw_http_page, true, false},
    {"/metrics", gw_http_metrics, false, false},
    {"/api/", gw_http_api, true, true}, /* /api/status, /api/links, ... */
    {NULL, NULL, false, false},
};
