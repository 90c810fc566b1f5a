/* The routes of the HTTP listener: one row per path. A status page adds
 * its HTML and JSON rows here. */
#include "gateway/http/internal.h"

const gw_http_route_t gw_http_routes[] = {
    {"/metrics", gw_http_metrics},
    {NULL, NULL},
};
