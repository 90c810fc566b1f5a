/* libFuzzer target for what operators' tools send: a request line of the
 * control socket (gateway/control/request.c, then the status topics of
 * status*.c) and an HTTP request to the metrics and status page listener
 * (gateway/http/: libmicrohttpd's parse, then our routes, Host check,
 * query arguments and handlers). Both read the daemon's state through one
 * view: a signed zone manager and a mirror with two links and a few
 * services, built once.
 *
 * The first octet chooses: bit 0 clear, the rest is a control request
 * line handed to gw_control_handle(); set, the rest goes over a loopback
 * TCP connection to the real listener (gw_http_new() on 127.0.0.1, port 0),
 * the write side is closed, and the loop runs until the listener closes
 * the connection (bounded).
 *
 * Key commands and reload are parsed and answered as the socket would,
 * on a view without a zone ("the zone is not loaded") and with a reload
 * that fails: carried out, they would change the keys under later inputs.
 * A log-level request changes the level; it is put back after each input.
 *
 * Promises checked besides ASan and UBSan: a control reply is one line of
 * one JSON object with a boolean "ok"; an HTTP reply starts with a status
 * line, and every reply our handlers write (200, 404, 405, 421, 500)
 * carries no-store, nosniff and a Content-Security-Policy.
 *
 * FUZZ_OPERATOR_SHOW=1 in the environment prints every reply, to see what
 * an input reaches. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ev.h>
#include <json-c/json.h>

#include "common/clock.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/config/config.h"
#include "gateway/daemon_internal.h"
#include "gateway/control/socket.h"
#include "gateway/control/status.h"
#include "gateway/http/http.h"
#include "mdns/mdns.h"
#include "mdns/mirror.h"
#include "loopback_client.h"
#include "../unit/mdns_event.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_operator: broken promise: %s (line %d)\n", #cond,    \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define IF_LAN  7
#define IF_WLAN 8

/* Loop turns waited for the listener to close a connection: the first
 * HTTP_SPIN_TURNS look at the client's socket without waiting, the others
 * wait at most 1 ms each. The listener's idle timeout (1 s) closes any
 * connection well within them. */
#define HTTP_TURNS      5000
#define HTTP_SPIN_TURNS 50
/* The turn after which the client closes its side (see http()). */
#define HTTP_SHUT_TURN 2

/* The state directory is filled in (%s). */
static const char CONFIG[] = "zone: {domain: home.arpa}\n"
                             "listen: [127.0.0.1@0]\n"
                             "state-dir: %s\n"
                             "links:\n"
                             "  - {interface: eth0, subdomain: lan}\n"
                             "  - {interface: wlan0, subdomain: \"Building 1\"}\n"
                             "mdns: {batch-window: 10ms}\n"
                             "metrics:\n"
                             "  listen: [127.0.0.1@0]\n"
                             "  allow: [127.0.0.0/8]\n"
                             "  hosts: [router.home.arpa]\n";

static struct {
	char dir[64];
	struct ev_loop *loop;
	gw_config_t *cfg;
	gw_zonemgr_t *zones;
	mdns_mirror_t *mirror;
	mdns_mirror_zone_t mzone[GW_CONFIG_ZONES_MAX];
	gw_view_t view;         /* the daemon's */
	gw_view_t keyless_view; /* the same without a zone, for key commands */
	gw_http_t *http;
	struct sockaddr_in http_addr;
} g;

static void inject(int ifindex, uint16_t type, const char *owner, const void *rdata, size_t rdlen)
{
	if (mdns_event(g.mirror, ifindex, AF_INET, true, type, 120, owner, rdata, rdlen) != GW_OK)
		abort();
}

/* An _ipp._tcp printer inst on ifindex at host, port 631, address a. */
static void printer(int ifindex, const char *inst, const char *host, const char *a)
{
	char owner[256];
	uint8_t name[MDNS_NAME_MAX], srv[6 + MDNS_NAME_MAX] = {0, 0, 0, 0, 631 >> 8, 631 & 0xff};
	uint8_t ip[4];
	snprintf(owner, sizeof(owner), "%s._ipp._tcp.local", inst);
	int n = mdns_name_from_text(name, "_ipp._tcp.local");
	inject(ifindex, DNS_T_PTR, "_services._dns-sd._udp.local", name, (size_t)n);
	n = mdns_name_from_text(name, owner);
	inject(ifindex, DNS_T_PTR, "_ipp._tcp.local", name, (size_t)n);
	n = mdns_name_from_text(srv + 6, host);
	inject(ifindex, DNS_T_SRV, owner, srv, 6 + (size_t)n);
	inject(ifindex, DNS_T_TXT, owner, "\011rp=print", 10);
	if (inet_pton(AF_INET, a, ip) != 1)
		abort();
	inject(ifindex, DNS_T_A, host, ip, 4);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void cleanup(void)
{
	gw_http_free(g.http);
	mdns_mirror_free(g.mirror);
	gw_zonemgr_free(g.zones);
	gw_config_free(g.cfg);
	if (g.loop != NULL)
		ev_loop_destroy(g.loop);
	nftw(g.dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* The zone manager and the mirror as the daemon configures them
 * (gw_daemon_zone_opts(), gw_daemon_mirror_config()), the mirror without
 * discovery: its links and services are injected. */
static void setup_state(void)
{
	char text[sizeof(CONFIG) + sizeof(g.dir)];
	snprintf(g.dir, sizeof(g.dir), "/tmp/gw-fuzz-operator.XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		abort();
	int n = snprintf(text, sizeof(text), CONFIG, g.dir);
	g.loop = ev_loop_new(EVFLAG_AUTO);
	if (g.loop == NULL || gw_config_parse(&g.cfg, "fuzz.yaml", text, (size_t)n, NULL) != GW_OK)
		abort();
	gw_zonemgr_opts_t zo = gw_daemon_zone_opts(&g.cfg->zones[0]);
	if (gw_zonemgr_new(&g.zones, g.loop, &zo) != GW_OK || gw_zonemgr_start(g.zones) != GW_OK)
		abort();
	gw_zone_slot_t slot = {.zc = &g.cfg->zones[0], .mgr = g.zones};
	daemon_t d = {.loop = g.loop, .cfg = g.cfg, .slots = &slot, .slot_count = 1};
	size_t count = 0;
	mdns_mirror_opts_t mo = {.cfg = gw_daemon_mirror_config(g.cfg, &d, g.mzone, &count)};
	if (count != 1 || mdns_mirror_new(&g.mirror, g.loop, &mo) != GW_OK ||
	    mdns_mirror_start(g.mirror) != GW_OK)
		abort();
	mdns_mirror_inject_link(g.mirror, IF_LAN, "eth0", true);
	mdns_mirror_inject_link(g.mirror, IF_WLAN, "wlan0", true);
	printer(IF_LAN, "Laser", "laser.local", "192.0.2.20");
	printer(IF_LAN, "B\303\274ro Drucker", "buero.local", "192.0.2.21");
	printer(IF_WLAN, "Inkjet", "inkjet.local", "192.0.2.30");
	mdns_mirror_flush(g.mirror);
	g.view = (gw_view_t){.cfg = g.cfg,
	                     .zones = g.zones,
	                     .mirror = g.mirror,
	                     .started = gw_clock_wall(),
	                     .started_ns = gw_clock_mono_ns()};
	g.keyless_view = g.view;
	g.keyless_view.zones = NULL;
}

static void setup_http(void)
{
	const gw_config_t *c = g.cfg;
	gw_http_opts_t ho = {.listen = c->metrics.listen,
	                     .listen_count = c->metrics.listen_count,
	                     .allow = &c->metrics.allow,
	                     .max_connections = 4,
	                     .timeout = 1,
	                     .view = &g.view};
	if (gw_http_new(&g.http, g.loop, &ho) != GW_OK)
		abort();
	gw_http_start(g.http);
	char line[128];
	FILE *fp = fmemopen(line, sizeof(line), "w");
	if (fp == NULL || gw_http_write_ports(g.http, fp) != GW_OK)
		abort();
	fclose(fp);
	unsigned port = 0;
	if (sscanf(line, "metrics 127.0.0.1 %u", &port) != 1 || port == 0)
		abort();
	g.http_addr =
	    (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	g.http_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	gw_log_set_stderr(false);
	gw_log_set_level(GW_LOG_ERR);
	setup_state();
	setup_http();
	atexit(cleanup);
	return 0;
}

static void control(const uint8_t *data, size_t size)
{
	gw_control_request_t req;
	char err[256];
	const gw_view_t *v = &g.view;
	if (gw_control_request_parse((const char *)data, size, &req, err, sizeof(err)) == GW_OK) {
		if (req.kind == GW_CONTROL_ROLLOVER || req.kind == GW_CONTROL_DS_SEEN ||
		    req.kind == GW_CONTROL_INSECURE)
			v = &g.keyless_view;
		gw_control_request_deinit(&req);
	}
	char *reply = NULL;
	size_t len = 0;
	bool reload = false;
	CHECK(gw_control_handle(v, (const char *)data, size, &reply, &len, &reload) == GW_OK);
	/* A reload is started by the socket, which replies when it ends. */
	CHECK(reload == (reply == NULL));
	if (reload)
		reply = gw_control_reload_reply(
		    GW_EINVAL, "not reloaded: the fuzzer's daemon has no file", &len);
	gw_log_set_level(GW_LOG_ERR);
	if (getenv("FUZZ_OPERATOR_SHOW") != NULL)
		fprintf(stderr, "%s", reply);
	CHECK(reply != NULL && len > 0 && reply[len - 1] == '\n' && reply[len] == '\0');
	CHECK(memchr(reply, '\n', len - 1) == NULL);
	json_object *o = json_tokener_parse(reply);
	json_object *ok = NULL;
	CHECK(o != NULL && json_object_is_type(o, json_type_object));
	CHECK(json_object_object_get_ex(o, "ok", &ok) &&
	      json_object_is_type(ok, json_type_boolean));
	json_object_put(o);
	free(reply);
}

/* The listener's reply in buf (len octets): the promises above. */
static void check_http_reply(const char *buf, size_t len)
{
	if (len == 0)
		return; /* closed without a word: a request MHD would not take */
	unsigned status = 0;
	CHECK(len >= 12 && strncmp(buf, "HTTP/1.", 7) == 0);
	CHECK(sscanf(buf + 9, "%3u", &status) == 1);
	if (status == 200 || status == 404 || status == 405 || status == 421 || status == 500) {
		const char *end = memmem(buf, len, "\r\n\r\n", 4);
		size_t head = end != NULL ? (size_t)(end - buf) : len;
		CHECK(memmem(buf, head, "Cache-Control: no-store\r\n", 25) != NULL);
		CHECK(memmem(buf, head, "X-Content-Type-Options: nosniff\r\n", 33) != NULL);
		CHECK(memmem(buf, head, "Content-Security-Policy: ", 25) != NULL);
	}
}

static void http(const uint8_t *data, size_t size)
{
	static char buf[1 << 20];
	size_t len = 0;
	int fd = fuzz_tcp_connect(&g.http_addr);
	if (fd < 0)
		fprintf(stderr, "fuzz_operator: cannot connect: %s\n", strerror(-fd));
	CHECK(fd >= 0);
	/* Small inputs: the kernel's buffer takes them whole. */
	CHECK(send(fd, data, size, MSG_NOSIGNAL) == (ssize_t)size);
	bool closed = false;
	for (int turn = 0; turn < HTTP_TURNS && !closed; turn++) {
		ev_run(g.loop, EVRUN_NOWAIT);
		/* The end of the request, once the listener has read it: the
		 * end sent with the data would come on the same edge of its
		 * edge-triggered epoll, and libmicrohttpd reads no further
		 * than a short read, so an incomplete request would wait for
		 * its idle timeout. */
		if (turn == HTTP_SHUT_TURN)
			shutdown(fd, SHUT_WR);
		struct pollfd p = {.fd = fd, .events = POLLIN};
		/* The listener does its part within ev_run(): the first turns
		 * need not wait for it. */
		if (poll(&p, 1, turn < HTTP_SPIN_TURNS ? 0 : 1) <= 0)
			continue;
		ssize_t k = recv(fd, buf + len, sizeof(buf) - 1 - len, MSG_DONTWAIT);
		if (k > 0)
			len += (size_t)k;
		else if (k == 0 || (errno != EAGAIN && errno != EINTR))
			closed = true;
	}
	CHECK(closed);
	close(fd);
	/* Let the listener see the close before the next input connects. */
	ev_run(g.loop, EVRUN_NOWAIT);
	buf[len] = '\0';
	if (getenv("FUZZ_OPERATOR_SHOW") != NULL)
		fprintf(stderr, "%.400s\n", buf);
	check_http_reply(buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		http(data + 1, size - 1);
	else
		control(data + 1, size - 1);
	return 0;
}
