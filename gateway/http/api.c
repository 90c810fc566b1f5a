/* GET /api/<topic>: the daemon's state as JSON, the very object the
 * control socket answers (gw_status_json()), so the page, the control
 * client and scripts see one shape (docs/control.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/error.h"
#include "gateway/control/status.h"
#include "gateway/http/internal.h"

#define API_PREFIX "/api/"

static int json_reply(json_object *obj, unsigned status, gw_http_reply_t *out)
{
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (text == NULL)
		return GW_ENOMEM;
	out->body = malloc(len + 1);
	if (out->body == NULL)
		return GW_ENOMEM;
	memcpy(out->body, text, len);
	out->body[len] = '\n';
	out->len = len + 1;
	out->status = status;
	out->content_type = "application/json; charset=utf-8";
	return GW_OK;
}

/* {"error": why} with status: what a script can read and show. */
static int error_reply(const char *why, unsigned status, gw_http_reply_t *out)
{
	json_object *obj = json_object_new_object();
	json_object *msg = json_object_new_string(why);
	int ret = GW_ENOMEM;
	if (obj != NULL && msg != NULL && json_object_object_add(obj, "error", msg) == 0) {
		msg = NULL;
		ret = json_reply(obj, status, out);
	}
	json_object_put(msg);
	json_object_put(obj);
	return ret;
}

/* ?limit=N: a positive decimal number. */
static bool parse_limit(const char *text, size_t *out)
{
	char *end = NULL;
	if (text == NULL) {
		*out = 0;
		return true;
	}
	if (text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	unsigned long long n = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || n == 0 || n > GW_STATUS_SERVICES_MAX)
		return false;
	*out = (size_t)n;
	return true;
}

int gw_http_api(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out)
{
	gw_status_query_t q = {0};
	json_object *obj = NULL;
	char err[256] = "";

	if (strncmp(req->path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
	    gw_status_topic_parse(req->path + strlen(API_PREFIX), &q.topic) != GW_OK)
		return error_reply("no such topic", 404, out);
	if (q.topic == GW_STATUS_SERVICES) {
		q.zone = gw_http_arg(req, "zone");
		q.link = gw_http_arg(req, "link");
		if (!parse_limit(gw_http_arg(req, "limit"), &q.limit))
			return error_reply("limit: a number from 1 to 1000", 400, out);
	}
	int ret = gw_status_json_err(gw_http_view(h), &q, &obj, err, sizeof(err));
	if (ret == GW_ENOTFOUND)
		return error_reply(err, 404, out);
	if (ret == GW_EINVAL)
		return error_reply(err, 400, out);
	if (ret != GW_OK)
		return ret;
	ret = json_reply(obj, 200, out);
	json_object_put(obj);
	return ret;
}
