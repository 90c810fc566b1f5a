/* One request line of the control socket: parsed, carried out, answered
 * with one reply line. */
#include "gateway/control/socket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* What a request may hold besides "command". */
static const char *const g_args[] = {"command", "zone", "link",      "limit",
                                     "level",   "kind", "algorithm", NULL};

static bool known_arg(const char *key)
{
	for (size_t i = 0; g_args[i] != NULL; i++) {
		if (strcmp(g_args[i], key) == 0)
			return true;
	}
	return false;
}

/* The string argument key of doc, or NULL when absent; GW_EINVAL when it
 * is there but not a string. */
static int string_arg(json_object *doc, const char *key, const char **out, char *err, size_t errlen)
{
	json_object *v = NULL;
	*out = NULL;
	if (!json_object_object_get_ex(doc, key, &v) || json_object_is_type(v, json_type_null))
		return GW_OK;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "\"%s\" must be a string", key);
		return GW_EINVAL;
	}
	*out = json_object_get_string(v);
	return GW_OK;
}

int gw_control_request_parse(const char *line, size_t len, gw_control_request_t *req, char *err,
                             size_t errlen)
{
	int ret = GW_EPARSE;
	const char *command = NULL, *level = NULL, *kind = NULL, *alg = NULL;
	memset(req, 0, sizeof(*req));
	json_tokener *tok = json_tokener_new();
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return GW_ENOMEM;
	}
	req->doc = json_tokener_parse_ex(tok, line, (int)len);
	/* One JSON value, the whole line: nothing half-parsed, nothing after. */
	if (req->doc == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		snprintf(err, errlen, "not a JSON request: %s",
		         req->doc == NULL ? json_tokener_error_desc(json_tokener_get_error(tok))
		                          : "data after the JSON object");
		goto out;
	}
	ret = GW_EINVAL;
	if (!json_object_is_type(req->doc, json_type_object)) {
		snprintf(err, errlen, "a request is a JSON object: {\"command\": \"status\"}");
		goto out;
	}
	json_object_object_foreach(req->doc, key, val)
	{
		(void)val;
		if (!known_arg(key)) {
			snprintf(err, errlen, "unknown argument \"%.64s\"", key);
			goto out;
		}
	}
	if (string_arg(req->doc, "command", &command, err, errlen) != GW_OK)
		goto out;
	if (command == NULL) {
		snprintf(err, errlen, "no \"command\" in the request");
		goto out;
	}
	if (string_arg(req->doc, "zone", &req->query.zone, err, errlen) != GW_OK ||
	    string_arg(req->doc, "link", &req->query.link, err, errlen) != GW_OK ||
	    string_arg(req->doc, "level", &level, err, errlen) != GW_OK ||
	    string_arg(req->doc, "kind", &kind, err, errlen) != GW_OK ||
	    string_arg(req->doc, "algorithm", &alg, err, errlen) != GW_OK)
		goto out;
	json_object *limit = NULL;
	if (json_object_object_get_ex(req->doc, "limit", &limit)) {
		if (!json_object_is_type(limit, json_type_int) ||
		    json_object_get_int64(limit) < 1) {
			snprintf(err, errlen, "\"limit\" must be a whole number of at least 1");
			goto out;
		}
		req->query.limit = (size_t)json_object_get_int64(limit);
	}
	if (strcmp(command, "log-level") == 0) {
		req->kind = GW_CONTROL_LOG_LEVEL;
		if (level == NULL || gw_log_level_parse(level, &req->level) != GW_OK) {
			snprintf(
			    err, errlen,
			    "log-level needs \"level\": error, warning, notice, info or debug");
			goto out;
		}
	} else if (strcmp(command, "reload") == 0) {
		req->kind = GW_CONTROL_RELOAD;
	} else if (strcmp(command, "rollover") == 0) {
		req->kind = GW_CONTROL_ROLLOVER;
		if (kind == NULL || sig_roll_kind_parse(kind, &req->roll) != GW_OK) {
			snprintf(err, errlen,
			         "rollover needs \"kind\": zsk, ksk, csk or algorithm");
			goto out;
		}
		if (req->roll == SIG_ROLL_ALG &&
		    (alg == NULL || sig_algorithm_parse(alg, &req->algorithm) != GW_OK)) {
			snprintf(err, errlen,
			         "an algorithm rollover needs \"algorithm\": ecdsap256sha256, "
			         "ed25519 or rsasha256");
			goto out;
		}
	} else if (strcmp(command, "ds-seen") == 0 || strcmp(command, "ds-confirm") == 0) {
		req->kind = GW_CONTROL_DS_SEEN;
	} else if (strcmp(command, "go-insecure") == 0 || strcmp(command, "go-secure") == 0) {
		req->kind = GW_CONTROL_INSECURE;
		req->insecure = strcmp(command, "go-insecure") == 0;
	} else if (gw_status_topic_parse(command, &req->query.topic) == GW_OK) {
		req->kind = GW_CONTROL_TOPIC;
	} else {
		snprintf(
		    err, errlen,
		    "unknown command \"%.64s\" (status, links, services, refused, secondaries, "
		    "keys, ds, stats, log-level, reload, rollover, ds-seen, go-insecure, "
		    "go-secure)",
		    command);
		goto out;
	}
	/* Filters only where they mean something: a typo elsewhere is not
	 * silently ignored. */
	bool services = req->kind == GW_CONTROL_TOPIC && req->query.topic == GW_STATUS_SERVICES;
	/* The key commands and topics act on one zone (the first when none
	 * is named). */
	bool keyed = req->kind == GW_CONTROL_ROLLOVER || req->kind == GW_CONTROL_DS_SEEN ||
	             req->kind == GW_CONTROL_INSECURE ||
	             (req->kind == GW_CONTROL_TOPIC &&
	              (req->query.topic == GW_STATUS_KEYS || req->query.topic == GW_STATUS_DS));
	if ((req->query.link != NULL || req->query.limit != 0) && !services) {
		snprintf(err, errlen, "link and limit go with the services command only");
		goto out;
	}
	if (req->query.zone != NULL && !services && !keyed) {
		snprintf(err, errlen,
		         "zone goes with the services, keys, ds, rollover, ds-seen, go-insecure "
		         "and go-secure commands only");
		goto out;
	}
	if (kind != NULL && req->kind != GW_CONTROL_ROLLOVER) {
		snprintf(err, errlen, "kind goes with the rollover command only");
		goto out;
	}
	if (alg != NULL && !(req->kind == GW_CONTROL_ROLLOVER && req->roll == SIG_ROLL_ALG)) {
		snprintf(err, errlen, "algorithm goes with the rollover algorithm command only");
		goto out;
	}
	if (level != NULL && req->kind != GW_CONTROL_LOG_LEVEL) {
		snprintf(err, errlen, "level goes with the log-level command only");
		goto out;
	}
	ret = GW_OK;
out:
	json_tokener_free(tok);
	if (ret != GW_OK)
		gw_control_request_deinit(req);
	return ret;
}

void gw_control_request_deinit(gw_control_request_t *req)
{
	json_object_put(req->doc);
	req->doc = NULL;
}

/* obj as one line, newline included; takes obj. */
static char *to_line(json_object *obj, size_t *len)
{
	size_t n = 0;
	char *line = NULL;
	const char *text = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (text != NULL && (line = malloc(n + 2)) != NULL) {
		memcpy(line, text, n);
		line[n] = '\n';
		line[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(obj);
	return line;
}

/* {"ok": ok, "error": error (when not NULL), "data": data}; takes data. */
static char *reply_line(bool ok, const char *error, json_object *data, size_t *len)
{
	json_object *r = json_object_new_object();
	json_object *okj = json_object_new_boolean(ok);
	json_object *errj = error != NULL ? json_object_new_string(error) : NULL;
	bool built = r != NULL && okj != NULL && (error == NULL || errj != NULL) &&
	             json_object_object_add(r, "ok", okj) == 0;
	if (built)
		okj = NULL; /* r holds it */
	built = built && (errj == NULL || json_object_object_add(r, "error", errj) == 0);
	if (built)
		errj = NULL;
	built = built && (data == NULL || json_object_object_add(r, "data", data) == 0);
	if (!built) {
		json_object_put(okj);
		json_object_put(errj);
		json_object_put(data);
		json_object_put(r);
		return NULL;
	}
	return to_line(r, len);
}

char *gw_control_error_reply(const char *text, size_t *reply_len)
{
	return reply_line(false, text, NULL, reply_len);
}

static const char *const g_level_names[] = {"error", "warning", "notice", "info", "debug"};

static char *do_log_level(gw_log_level_t level, size_t *len)
{
	gw_log_level_t before = gw_log_get_level();
	gw_log_set_level(level);
	/* Said at the new level's least: a change to "error" still shows. */
	gw_log(level < GW_LOG_NOTICE ? level : GW_LOG_NOTICE,
	       "log level %s (was %s), set through the control socket", g_level_names[level],
	       g_level_names[before]);
	json_object *d = json_object_new_object();
	if (d == NULL)
		return NULL;
	json_object_object_add(d, "level", json_object_new_string(g_level_names[level]));
	json_object_object_add(d, "previous", json_object_new_string(g_level_names[before]));
	return reply_line(true, NULL, d, len);
}

char *gw_control_reload_reply(int ret, const char *report, size_t *len)
{
	char error[256];
	json_object *d = json_object_new_object();
	if (d == NULL)
		return NULL;
	json_object_object_add(d, "report", json_object_new_string(report));
	if (ret == GW_OK)
		return reply_line(true, NULL, d, len);
	snprintf(error, sizeof(error), "reload failed: %s", gw_strerror(ret));
	return reply_line(false, error, d, len);
}

/* A key command: carried out on the zone manager, answered with the keys
 * topic as it is afterwards. */
static char *do_keys_command(const gw_view_t *v, const gw_control_request_t *req, size_t *len)
{
	char err[256] = "";
	int ret;
	gw_view_zone_t z;
	if (!gw_view_zone_find(v, req->query.zone, &z)) {
		if (req->query.zone == NULL)
			return reply_line(false, "the zone is not loaded", NULL, len);
		snprintf(err, sizeof(err), "no zone %s here", req->query.zone);
		return reply_line(false, err, NULL, len);
	}
	switch (req->kind) {
	case GW_CONTROL_ROLLOVER:
		gw_notice("%s: %s rollover asked through the control socket", z.name,
		          sig_roll_kind_name(req->roll));
		ret = gw_zonemgr_roll_start(z.mgr, req->roll, req->algorithm, err, sizeof(err));
		break;
	case GW_CONTROL_DS_SEEN:
		gw_notice("%s: DS at the parent confirmed through the control socket", z.name);
		ret = gw_zonemgr_ds_seen(z.mgr, err, sizeof(err));
		break;
	default:
		gw_notice("%s: %s asked through the control socket", z.name,
		          req->insecure ? "go-insecure" : "go-secure");
		ret = gw_zonemgr_set_insecure(z.mgr, req->insecure, err, sizeof(err));
		break;
	}
	json_object *data = NULL;
	gw_status_query_t q = {.topic = GW_STATUS_KEYS, .zone = req->query.zone};
	if (gw_status_json(v, &q, &data) != GW_OK)
		data = NULL;
	return reply_line(ret == GW_OK, ret == GW_OK ? NULL : err, data, len);
}

int gw_control_handle(const gw_view_t *v, const char *line, size_t len, char **reply,
                      size_t *reply_len, bool *reload)
{
	char err[512];
	gw_control_request_t req;
	json_object *data = NULL;
	*reply = NULL;
	*reload = false;
	if (gw_control_request_parse(line, len, &req, err, sizeof(err)) != GW_OK) {
		*reply = gw_control_error_reply(err, reply_len);
		return *reply != NULL ? GW_OK : GW_ENOMEM;
	}
	switch (req.kind) {
	case GW_CONTROL_LOG_LEVEL:
		*reply = do_log_level(req.level, reply_len);
		break;
	case GW_CONTROL_RELOAD:
		/* Its reply comes when it ends (gw_control_reload_reply()). */
		*reload = true;
		gw_control_request_deinit(&req);
		return GW_OK;
	case GW_CONTROL_ROLLOVER:
	case GW_CONTROL_DS_SEEN:
	case GW_CONTROL_INSECURE:
		*reply = do_keys_command(v, &req, reply_len);
		break;
	default:
		if (gw_status_json_err(v, &req.query, &data, err, sizeof(err)) == GW_OK)
			*reply = reply_line(true, NULL, data, reply_len);
		else
			*reply = gw_control_error_reply(err, reply_len);
		break;
	}
	gw_control_request_deinit(&req);
	return *reply != NULL ? GW_OK : GW_ENOMEM;
}
