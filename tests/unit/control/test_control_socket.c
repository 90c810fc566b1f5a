/* gateway/control/request.c and socket.c: the request parser (commands,
 * arguments, what is refused and why), the replies, and the socket's
 * limits on a real Unix socket in process: request size, connections,
 * idle timeout, mode 0660, a stale socket replaced, a live one kept. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "cunit.h"
#include "gateway/control/socket.h"

/* ---- the parser ---------------------------------------------------------- */

static int parse(const char *line, gw_control_request_t *req, char *err, size_t errlen)
{
	return gw_control_request_parse(line, strlen(line), req, err, errlen);
}

static void test_parse_ok(void)
{
	gw_control_request_t req;
	char err[256];
	CU_ASSERT_FATAL(parse("{\"command\": \"status\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_TOPIC);
	CU_ASSERT_EQUAL(req.query.topic, GW_STATUS_STATUS);
	gw_control_request_deinit(&req);

	CU_ASSERT_FATAL(parse("{\"command\":\"services\",\"zone\":\"home.arpa\",\"link\":\"lan\","
	                      "\"limit\":5}",
	                      &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.query.topic, GW_STATUS_SERVICES);
	CU_ASSERT_STRING_EQUAL(req.query.zone, "home.arpa");
	CU_ASSERT_STRING_EQUAL(req.query.link, "lan");
	CU_ASSERT_EQUAL(req.query.limit, 5);
	gw_control_request_deinit(&req);

	CU_ASSERT_FATAL(parse("{\"command\":\"log-level\",\"level\":\"debug\"}", &req, err,
	                      sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_LOG_LEVEL);
	CU_ASSERT_EQUAL(req.level, GW_LOG_DEBUG);
	gw_control_request_deinit(&req);

	CU_ASSERT_FATAL(parse("{\"command\":\"reload\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_RELOAD);
	gw_control_request_deinit(&req);

	/* The key commands. */
	CU_ASSERT_FATAL(
	    parse("{\"command\":\"rollover\",\"kind\":\"ksk\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_ROLLOVER);
	CU_ASSERT_EQUAL(req.roll, SIG_ROLL_KSK);
	gw_control_request_deinit(&req);
	CU_ASSERT_FATAL(parse("{\"command\":\"rollover\",\"kind\":\"algorithm\","
	                      "\"algorithm\":\"ed25519\"}",
	                      &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.roll, SIG_ROLL_ALG);
	CU_ASSERT_EQUAL(req.algorithm, SIG_ALG_ED25519);
	gw_control_request_deinit(&req);
	CU_ASSERT_FATAL(parse("{\"command\":\"ds-seen\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_DS_SEEN);
	gw_control_request_deinit(&req);
	CU_ASSERT_FATAL(parse("{\"command\":\"ds-confirm\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_DS_SEEN);
	gw_control_request_deinit(&req);
	CU_ASSERT_FATAL(parse("{\"command\":\"go-insecure\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.kind, GW_CONTROL_INSECURE);
	CU_ASSERT_TRUE(req.insecure);
	gw_control_request_deinit(&req);
	CU_ASSERT_FATAL(parse("{\"command\":\"go-secure\"}", &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_FALSE(req.insecure);
	gw_control_request_deinit(&req);

	/* The key commands and topics take a zone (default: the first). */
	CU_ASSERT_FATAL(parse("{\"command\":\"rollover\",\"kind\":\"zsk\",\"zone\":\"guest.test\"}",
	                      &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_STRING_EQUAL(req.query.zone, "guest.test");
	gw_control_request_deinit(&req);
	static const char *const keyed[] = {"ds-seen", "go-insecure", "go-secure", "keys", "ds"};
	for (size_t i = 0; i < sizeof(keyed) / sizeof(keyed[0]); i++) {
		char line[128];
		snprintf(line, sizeof(line), "{\"command\":\"%s\",\"zone\":\"guest.test.\"}",
		         keyed[i]);
		CU_ASSERT_FATAL(parse(line, &req, err, sizeof(err)) == GW_OK);
		CU_ASSERT_STRING_EQUAL(req.query.zone, "guest.test.");
		gw_control_request_deinit(&req);
	}

	/* Not NUL-terminated: the length counts. */
	const char text[] = "{\"command\":\"ds\"}garbage";
	CU_ASSERT_FATAL(gw_control_request_parse(text, 16, &req, err, sizeof(err)) == GW_OK);
	CU_ASSERT_EQUAL(req.query.topic, GW_STATUS_DS);
	gw_control_request_deinit(&req);
}

/* line is refused with code, and the reason holds want. */
static void refused(const char *line, int code, const char *want)
{
	gw_control_request_t req;
	char err[256] = "";
	int ret = parse(line, &req, err, sizeof(err));
	if (ret != code || strstr(err, want) == NULL)
		fprintf(stderr, "\n%s: %d '%s'\n", line, ret, err);
	CU_ASSERT_EQUAL(ret, code);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NULL(req.doc);
}

static void test_parse_refused(void)
{
	refused("status", GW_EPARSE, "not a JSON request");
	refused("{\"command\":\"status\"", GW_EPARSE, "not a JSON request");
	refused("{\"command\":\"status\"} {}", GW_EPARSE, "data after");
	refused("[\"status\"]", GW_EINVAL, "JSON object");
	refused("{}", GW_EINVAL, "no \"command\"");
	refused("{\"command\":7}", GW_EINVAL, "\"command\" must be a string");
	refused("{\"command\":\"stauts\"}", GW_EINVAL, "unknown command \"stauts\"");
	refused("{\"command\":\"status\",\"verbose\":true}", GW_EINVAL,
	        "unknown argument \"verbose\"");
	refused("{\"command\":\"status\",\"link\":\"lan\"}", GW_EINVAL, "services command only");
	refused("{\"command\":\"links\",\"zone\":\"guest.test\"}", GW_EINVAL,
	        "zone goes with the services, keys");
	refused("{\"command\":\"reload\",\"zone\":\"guest.test\"}", GW_EINVAL,
	        "zone goes with the services, keys");
	refused("{\"command\":\"keys\",\"link\":\"lan\"}", GW_EINVAL, "services command only");
	refused("{\"command\":\"services\",\"limit\":0}", GW_EINVAL, "\"limit\"");
	refused("{\"command\":\"services\",\"limit\":\"5\"}", GW_EINVAL, "\"limit\"");
	refused("{\"command\":\"services\",\"link\":5}", GW_EINVAL, "\"link\" must be a string");
	refused("{\"command\":\"log-level\"}", GW_EINVAL, "needs \"level\"");
	refused("{\"command\":\"log-level\",\"level\":\"loud\"}", GW_EINVAL, "needs \"level\"");
	refused("{\"command\":\"reload\",\"level\":\"info\"}", GW_EINVAL, "log-level command only");
	refused("{\"command\":\"rollover\"}", GW_EINVAL, "needs \"kind\"");
	refused("{\"command\":\"rollover\",\"kind\":\"dsk\"}", GW_EINVAL, "needs \"kind\"");
	refused("{\"command\":\"rollover\",\"kind\":\"algorithm\"}", GW_EINVAL,
	        "needs \"algorithm\"");
	refused("{\"command\":\"rollover\",\"kind\":\"algorithm\",\"algorithm\":\"rsasha1\"}",
	        GW_EINVAL, "needs \"algorithm\"");
	refused("{\"command\":\"rollover\",\"kind\":\"zsk\",\"algorithm\":\"ed25519\"}", GW_EINVAL,
	        "rollover algorithm command only");
	refused("{\"command\":\"ds-seen\",\"kind\":\"ksk\"}", GW_EINVAL, "rollover command only");
}

/* ---- replies ----------------------------------------------------------- */

static gw_config_t *g_cfg;
static gw_view_t g_view;
static int g_reloads;

/* The socket's reload: ends at once, or with g_defer held until the test
 * ends it (g_done, g_done_arg). */
static bool g_defer;
static gw_control_reload_done_fn g_done;
static void *g_done_arg;

static void fake_reload(void *arg, gw_control_reload_done_fn done, void *done_arg)
{
	char report[64];
	g_reloads++;
	if (g_defer) {
		CU_ASSERT_PTR_NULL(g_done); /* one at a time per test */
		g_done = done;
		g_done_arg = done_arg;
		return;
	}
	snprintf(report, sizeof(report), "applied: %s", (const char *)arg);
	done(done_arg, GW_OK, report);
}

/* End the deferred reload. */
static void end_reload(int ret, const char *report)
{
	gw_control_reload_done_fn done = g_done;
	CU_ASSERT_PTR_NOT_NULL_FATAL(done);
	g_done = NULL;
	done(g_done_arg, ret, report);
}

static void view_init(void)
{
	CU_ASSERT_FATAL(gw_config_default(&g_cfg) == GW_OK);
	g_view =
	    (gw_view_t){.cfg = g_cfg, .started = gw_clock_wall(), .started_ns = gw_clock_mono_ns()};
	g_reloads = 0;
	g_defer = false;
	g_done = NULL;
}

/* One line handled; a reload is answered as one that applied "zone"
 * the first time and failed after. */
static json_object *handle(const char *line)
{
	char *reply = NULL;
	size_t len = 0;
	bool reload = false;
	CU_ASSERT_FATAL(gw_control_handle(&g_view, line, strlen(line), &reply, &len, &reload) ==
	                GW_OK);
	CU_ASSERT_FATAL(reload == (reply == NULL));
	if (reload)
		reply = gw_control_reload_reply(g_reloads++ == 0 ? GW_OK : GW_EPARSE,
		                                "applied: zone", &len);
	CU_ASSERT_FATAL(len > 0 && reply[len - 1] == '\n');
	CU_ASSERT_PTR_NULL(memchr(reply, '\n', len - 1)); /* one line */
	json_object *o = json_tokener_parse(reply);
	free(reply);
	CU_ASSERT_FATAL(o != NULL);
	return o;
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

static void test_replies(void)
{
	view_init();
	json_object *o = handle("{\"command\":\"status\"}");
	CU_ASSERT(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_PTR_NOT_NULL(member(member(o, "data"), "uptime_seconds"));
	CU_ASSERT_PTR_NULL(member(o, "error"));
	json_object_put(o);

	o = handle("{\"command\":\"nope\"}");
	CU_ASSERT_FALSE(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(member(o, "error")), "nope"));
	json_object_put(o);

	/* A key command without a zone manager: refused with the reason. */
	o = handle("{\"command\":\"rollover\",\"kind\":\"zsk\"}");
	CU_ASSERT_FALSE(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(member(o, "error")), "not loaded"));
	json_object_put(o);

	/* A filter naming nothing: an error with the reason. */
	o = handle("{\"command\":\"services\",\"zone\":\"example.com\"}");
	CU_ASSERT_FALSE(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(member(o, "error")), "example.com"));
	json_object_put(o);

	gw_log_level_t before = gw_log_get_level();
	o = handle("{\"command\":\"log-level\",\"level\":\"warning\"}");
	CU_ASSERT(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(member(member(o, "data"), "level")),
	                       "warning");
	CU_ASSERT_EQUAL(gw_log_get_level(), GW_LOG_WARNING);
	json_object_put(o);
	gw_log_set_level(before);

	o = handle("{\"command\":\"reload\"}");
	CU_ASSERT(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(member(member(o, "data"), "report")),
	                       "applied: zone");
	json_object_put(o);
	/* A failed reload: not ok, the reason, and the report still. */
	o = handle("{\"command\":\"reload\"}");
	CU_ASSERT_FALSE(json_object_get_boolean(member(o, "ok")));
	CU_ASSERT_PTR_NOT_NULL(strstr(json_object_get_string(member(o, "error")), "reload failed"));
	CU_ASSERT_PTR_NOT_NULL(member(member(o, "data"), "report"));
	json_object_put(o);
	CU_ASSERT_EQUAL(g_reloads, 2);
	gw_config_free(g_cfg);
}

/* ---- the socket -------------------------------------------------------- */

typedef struct sock_fixture {
	char dir[64];
	char path[128];
	struct ev_loop *loop;
	gw_control_t *ctl;
} sock_fixture_t;

static sock_fixture_t S;

static void sock_setup(size_t max_request, unsigned max_conns, double timeout)
{
	memset(&S, 0, sizeof(S));
	view_init();
	snprintf(S.dir, sizeof(S.dir), "/tmp/gw-ctl.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(S.dir) != NULL);
	/* A parent that does not exist yet: made 0750. */
	snprintf(S.path, sizeof(S.path), "%s/run/control.sock", S.dir);
	S.loop = ev_loop_new(EVFLAG_AUTO);
	gw_control_opts_t o = {.path = S.path,
	                       .view = &g_view,
	                       .reload = fake_reload,
	                       .reload_arg = "x",
	                       .max_request = max_request,
	                       .max_connections = max_conns,
	                       .timeout = timeout};
	CU_ASSERT_FATAL(gw_control_new(&S.ctl, S.loop, &o) == GW_OK);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void sock_teardown(void)
{
	gw_control_free(S.ctl);
	ev_loop_destroy(S.loop);
	nftw(S.dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	gw_config_free(g_cfg);
}

static int client(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", S.path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	return fd;
}

/* Run the loop until fd has something to read or is closed (at most
 * about 3 s); then read what there is into buf. Returns the octets read,
 * 0 at end of file, -1 when nothing came. */
static ssize_t await(int fd, char *buf, size_t len)
{
	for (int i = 0; i < 300; i++) {
		ev_run(S.loop, EVRUN_NOWAIT);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 10) == 1) {
			/* Let the server finish what it writes. */
			ev_run(S.loop, EVRUN_NOWAIT);
			ssize_t k = recv(fd, buf, len - 1, 0);
			if (k >= 0)
				buf[k] = '\0';
			return k;
		}
	}
	return -1;
}

static void send_text(int fd, const char *text)
{
	CU_ASSERT_FATAL(send(fd, text, strlen(text), MSG_NOSIGNAL) == (ssize_t)strlen(text));
}

static void test_socket_basics(void)
{
	char buf[8192];
	struct stat st;
	sock_setup(0, 0, 0);
	CU_ASSERT_FATAL(stat(S.path, &st) == 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	char parent[128];
	snprintf(parent, sizeof(parent), "%s/run", S.dir);
	CU_ASSERT_FATAL(stat(parent, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0750);
	CU_ASSERT_STRING_EQUAL(gw_control_path(S.ctl), S.path);

	/* Two requests in one write, and one in two pieces: three replies,
	 * in order. */
	int fd = client();
	send_text(fd, "{\"command\":\"status\"}\n{\"command\":\"bad\"}\n{\"comm");
	size_t got = 0;
	for (int i = 0; i < 10 && got < 2; i++) {
		ssize_t k = await(fd, buf, sizeof(buf));
		CU_ASSERT_FATAL(k > 0);
		for (ssize_t j = 0; j < k; j++)
			got += buf[j] == '\n';
	}
	CU_ASSERT_EQUAL(got, 2);
	send_text(fd, "and\":\"keys\"}\r\n");
	CU_ASSERT_FATAL(await(fd, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ok\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"keys\":[]"));
	close(fd);
	sock_teardown();
}

static void test_socket_limits(void)
{
	char buf[4096];
	sock_setup(64, 2, 0.3);

	/* A request over 64 octets: an error reply, then the connection ends. */
	int fd = client();
	char big[200];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	send_text(fd, big);
	CU_ASSERT_FATAL(await(fd, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "request too long (at most 64 octets)"));
	CU_ASSERT_EQUAL(await(fd, buf, sizeof(buf)), 0);
	close(fd);

	/* Two connections at once; the third is told and closed. */
	int a = client(), b = client();
	ev_run(S.loop, EVRUN_NOWAIT);
	int c = client();
	CU_ASSERT_FATAL(await(c, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "too many connections"));
	CU_ASSERT_EQUAL(await(c, buf, sizeof(buf)), 0);
	close(c);
	/* The first two still work. */
	send_text(a, "{\"command\":\"ds\"}\n");
	CU_ASSERT_FATAL(await(a, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ok\":true"));

	/* Idle: closed after the timeout (0.3 s). */
	uint64_t t0 = gw_clock_mono_ns();
	CU_ASSERT_EQUAL(await(b, buf, sizeof(buf)), 0);
	double waited = (double)(gw_clock_mono_ns() - t0) / 1e9;
	CU_ASSERT(waited > 0.1 && waited < 2.0);
	close(a);
	close(b);
	sock_teardown();
}

/* A client that sends many requests and reads none: each is carried out
 * only once the reply before it is written, so the daemon holds one reply
 * for it, not one for each request its input held; all are answered, in
 * order, once it reads. */
static void test_socket_pipelined(void)
{
	enum { COUNT = 3000 };
	static const char req[] = "{\"command\":\"status\"}\n";
	static char buf[1 << 16];
	sock_setup(COUNT * (sizeof(req) - 1) + 1, 0, 5.0);
	int fd = client();
	send_text(fd, req);
	ssize_t one = await(fd, buf, sizeof(buf));
	CU_ASSERT_FATAL(one > 0);
	char *all = malloc(COUNT * (sizeof(req) - 1));
	CU_ASSERT_FATAL(all != NULL);
	for (size_t i = 0; i < COUNT; i++)
		memcpy(all + i * (sizeof(req) - 1), req, sizeof(req) - 1);
	size_t sent = 0;
	for (int i = 0; i < 1000 && sent < COUNT * (sizeof(req) - 1); i++) {
		ssize_t k = send(fd, all + sent, COUNT * (sizeof(req) - 1) - sent,
		                 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (k > 0)
			sent += (size_t)k;
		ev_run(S.loop, EVRUN_NOWAIT);
	}
	free(all);
	CU_ASSERT_FATAL(sent == COUNT * (sizeof(req) - 1));
	for (int i = 0; i < 50; i++)
		ev_run(S.loop, EVRUN_NOWAIT);
	/* The replies (COUNT times one) are far more than the socket holds. */
	size_t queued = gw_control_queued(S.ctl);
	if (queued > (size_t)one)
		fprintf(stderr, "queued %zu octets, one reply is %zd\n", queued, one);
	CU_ASSERT(queued <= (size_t)one);
	size_t lines = 0;
	for (int i = 0; i < 20000 && lines < COUNT; i++) {
		ssize_t k = await(fd, buf, sizeof(buf));
		if (k <= 0)
			break;
		for (ssize_t j = 0; j < k; j++)
			lines += buf[j] == '\n';
		CU_ASSERT(gw_control_queued(S.ctl) <= (size_t)one);
	}
	CU_ASSERT_EQUAL(lines, COUNT);
	close(fd);
	sock_teardown();
}

/* Nothing to read on fd after the loop ran a few turns. */
static bool quiet(int fd)
{
	char c;
	for (int i = 0; i < 20; i++) {
		ev_run(S.loop, EVRUN_NOWAIT);
		usleep(1000);
	}
	return recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

/* Read until want newlines came (or nothing more does) into buf. */
static size_t await_lines(int fd, char *buf, size_t len, int want)
{
	size_t used = 0;
	int got = 0;
	while (got < want && used + 1 < len) {
		ssize_t k = await(fd, buf + used, len - used);
		if (k <= 0)
			break;
		for (ssize_t j = 0; j < k; j++)
			got += buf[used + (size_t)j] == '\n';
		used += (size_t)k;
	}
	return used;
}

/* A reload under way: its client waits for the reply, and its requests
 * sent behind it wait too, while other clients are answered; the end
 * replies in order. A client that leaves before the end, and one whose
 * reload ends at once. */
static void test_socket_reload(void)
{
	char buf[8192];
	sock_setup(0, 0, 0.3);
	g_defer = true;
	int a = client();
	send_text(a, "{\"command\":\"reload\"}\n{\"command\":\"ds\"}\n");
	CU_ASSERT(quiet(a));
	CU_ASSERT_EQUAL(g_reloads, 1);
	/* Longer than the idle timeout (0.3 s): a client waiting for its
	 * reply is not idle. */
	usleep(400 * 1000);
	CU_ASSERT(quiet(a));
	int b = client();
	send_text(b, "{\"command\":\"status\"}\n");
	CU_ASSERT_FATAL(await(b, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "uptime_seconds"));
	close(b);

	end_reload(GW_ECONFIG, "refused: zone file: bad; nothing changed\n");
	size_t n = await_lines(a, buf, sizeof(buf), 2);
	buf[n] = '\0';
	char *first = strstr(buf, "reload failed");
	char *second = strstr(buf, "\"ds\"");
	CU_ASSERT_PTR_NOT_NULL(first);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "refused: zone file: bad"));
	CU_ASSERT_PTR_NOT_NULL(second);
	CU_ASSERT(first != NULL && second != NULL && first < second);
	CU_ASSERT(first != NULL && memchr(buf, '\n', (size_t)(first - buf)) == NULL);

	/* The connection reads requests again. */
	send_text(a, "{\"command\":\"keys\"}\n");
	CU_ASSERT_FATAL(await(a, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"keys\":[]"));

	/* Gone before its reload ends: the end finds nobody to tell. */
	send_text(a, "{\"command\":\"reload\"}\n");
	CU_ASSERT(quiet(a));
	close(a);
	for (int i = 0; i < 10; i++)
		ev_run(S.loop, EVRUN_NOWAIT);
	end_reload(GW_OK, "applied: x\n");

	/* One that ends within the call: answered at once. */
	g_defer = false;
	int c = client();
	send_text(c, "{\"command\":\"reload\"}\n");
	CU_ASSERT_FATAL(await(c, buf, sizeof(buf)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"ok\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "applied: x"));
	close(c);
	CU_ASSERT_EQUAL(g_reloads, 3);

	/* Still waiting when the socket closes: the end comes after. */
	g_defer = true;
	int e = client();
	send_text(e, "{\"command\":\"reload\"}\n");
	CU_ASSERT(quiet(e));
	close(e);
	gw_control_free(S.ctl);
	S.ctl = NULL;
	end_reload(GW_EBUSY, "not applied: the daemon is stopping\n");
	sock_teardown();
}

static void test_socket_stale_and_live(void)
{
	sock_setup(0, 0, 0);
	gw_control_t *second = NULL;
	gw_control_opts_t o = {.path = S.path, .view = &g_view};
	/* A live one answers: the second refuses, and leaves it alone. */
	CU_ASSERT_EQUAL(gw_control_new(&second, S.loop, &o), GW_EBUSY);
	struct stat st;
	CU_ASSERT_EQUAL(stat(S.path, &st), 0);
	int fd = client();
	close(fd);

	/* Left behind by a daemon that is gone: replaced. */
	int left = socket(AF_UNIX, SOCK_STREAM, 0);
	char stale[128];
	snprintf(stale, sizeof(stale), "%s/stale.sock", S.dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", stale);
	CU_ASSERT_FATAL(bind(left, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(left); /* never listened, now closed: nobody answers */
	o.path = stale;
	CU_ASSERT_EQUAL_FATAL(gw_control_new(&second, S.loop, &o), GW_OK);
	gw_control_free(second);
	CU_ASSERT_NOT_EQUAL(stat(stale, &st), 0); /* removed at free */

	/* Not a socket: never touched. */
	char plain[128];
	snprintf(plain, sizeof(plain), "%s/plain", S.dir);
	FILE *fp = fopen(plain, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fclose(fp);
	o.path = plain;
	CU_ASSERT_EQUAL(gw_control_new(&second, S.loop, &o), GW_EEXIST);
	CU_ASSERT_EQUAL(stat(plain, &st), 0);
	CU_ASSERT(S_ISREG(st.st_mode));

	/* Too long for sun_path. */
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	o.path = longp;
	CU_ASSERT_EQUAL(gw_control_new(&second, S.loop, &o), GW_ELIMIT);
	sock_teardown();
}

/* bind() is wrapped (tests/CMakeLists.txt): with swap_target set, the
 * socket a bind made is replaced at once by a link to swap_target, as
 * the daemon's user could do in its own runtime directory while root
 * starts the daemon. */
int __real_bind(int fd, const struct sockaddr *sa, socklen_t len);
static const char *swap_target;

int __wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int r = __real_bind(fd, sa, len);
	if (r == 0 && swap_target != NULL && sa->sa_family == AF_UNIX) {
		const char *p = ((const struct sockaddr_un *)sa)->sun_path;
		if (unlink(p) != 0 || symlink(swap_target, p) != 0)
			return -1;
	}
	return r;
}

/* Nothing done to the socket's path after the bind (it is born 0660):
 * a chmod() there followed such a link, and root gave group write to
 * whatever it pointed at. */
static void test_socket_swapped(void)
{
	char target[128];
	struct stat st;
	sock_setup(0, 0, 0);
	snprintf(target, sizeof(target), "%s/precious", S.dir);
	int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	char path[128];
	snprintf(path, sizeof(path), "%s/swapped.sock", S.dir);
	gw_control_t *second = NULL;
	gw_control_opts_t o = {.path = path, .view = &g_view};
	swap_target = target;
	int ret = gw_control_new(&second, S.loop, &o);
	swap_target = NULL;
	gw_control_free(second);
	(void)ret; /* a start may go on or stop: the file is what matters */
	CU_ASSERT_FATAL(stat(target, &st) == 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	sock_teardown();
}

static void test_default_path(void)
{
	char buf[128];
	char *saved = getenv("RUNTIME_DIRECTORY") ? strdup(getenv("RUNTIME_DIRECTORY")) : NULL;
	unsetenv("RUNTIME_DIRECTORY");
	CU_ASSERT(gw_control_default_path(buf, sizeof(buf)) == GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, "/run/dnssd-gateway/control.sock");
	setenv("RUNTIME_DIRECTORY", "/run/gw-a:/run/gw-b", 1);
	CU_ASSERT(gw_control_default_path(buf, sizeof(buf)) == GW_OK);
	CU_ASSERT_STRING_EQUAL(buf, "/run/gw-a/control.sock");
	CU_ASSERT(gw_control_default_path(buf, 10) == GW_ESPACE);
	if (saved != NULL)
		setenv("RUNTIME_DIRECTORY", saved, 1);
	else
		unsetenv("RUNTIME_DIRECTORY");
	free(saved);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"parse", test_parse_ok},
	    {"parse refused", test_parse_refused},
	    {"replies", test_replies},
	    {"socket basics", test_socket_basics},
	    {"socket limits", test_socket_limits},
	    {"many requests, no reader: one reply held", test_socket_pipelined},
	    {"a reload under way", test_socket_reload},
	    {"stale and live sockets", test_socket_stale_and_live},
	    {"default path", test_default_path},
	    {"a link put in the socket's place", test_socket_swapped},
	    {NULL, NULL},
	};
	return gw_test_suite("control/socket", tests);
}
