/* libFuzzer target for what a client on the network sends over TCP or UDP: the
 * whole daemon (gw_daemon_run(), in a thread of its own with its own loop)
 * serves tests/data/nsec3/dnssd.zone signed, with transfers allowed from
 * 127.0.0.0/8 and DNS Push on plain TCP, and each input is one connection's
 * stream to it over loopback: the 2-octet framing and the read buffer of
 * gateway/server/tcp.c, pipelining and its limits, dispatch, AXFR and
 * IXFR (gateway/xfr/), DSO sessions (gateway/push/), EDNS keepalive, the
 * options added to a finished reply (NSID, padding). The
 * readers behind them have targets of their own (fuzz_wire, fuzz_answer,
 * fuzz_dso, fuzz_tsig); this one is about the connection around them.
 *
 * The first octet is not sent. 0xff: the rest is one UDP datagram from
 * 127.0.0.1 (rate-limited, the limiter's code runs), followed by a probe
 * query from 127.0.0.2 (never limited); the probe's answer, which the
 * server sends after whatever it answers the datagram, says when to look.
 * Otherwise, the rest is a TCP stream: when the octet is between 1 and
 * the stream's length, it goes in two writes split there, 1 ms apart, so
 * that a message can arrive in pieces. Then the client closes its side
 * and reads until the server closes the connection (bounded: the server's
 * timeouts are 1 s).
 *
 * Promises checked besides ASan and UBSan (in this thread and the
 * daemon's): the server closes every connection; every whole message it
 * sends has a header, is a response (QR) unless it is a DSO message with
 * ID 0 (a PUSH), and is never truncated (TC) over TCP; every one but DSO
 * is a DNS message ldns reads. A last message cut short is allowed: the
 * server stops writing when the client is gone. Over UDP the answer, if
 * any, is a response ldns reads, no larger than the query allows as the
 * server's own reader sees it (512 octets, or the EDNS size up to
 * server.udp-payload): no amplification beyond what the client asked,
 * the cookie and the NSID of the longest identity included.
 *
 * FUZZ_SERVER_SHOW=1 in the environment lists the messages the server
 * sent, to see what an input reaches. */
#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/config/config.h"
#include "gateway/daemon.h"
#include "loopback_client.h"
#include "gateway/query/wire.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_server: broken promise: %s (line %d)\n", #cond,      \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* How long the client waits for the server to close: well past its
 * timeouts (1 s), short of libFuzzer's -timeout. */
#define CLOSE_WAIT_MS 5000

/* identity (NSID, RFC 5001) at its longest, 255 octets. */
#define IDENTITY_32 "gateway-identity-for-fuzz-server"
#define IDENTITY                                                                                   \
	IDENTITY_32 IDENTITY_32 IDENTITY_32 IDENTITY_32 IDENTITY_32 IDENTITY_32 IDENTITY_32        \
	    "gateway-identity-for-fuzz-serve"

/* Filled in: the state directory (twice), the zone file, and "user: root"
 * when started as root (the daemon would otherwise become its own user,
 * for the whole process). */
static const char CONFIG[] = "zone: {domain: dnssd.test, file: %s/nsec3/dnssd.zone}\n"
                             "listen: [127.0.0.1@0]\n"
                             "state-dir: %s\n"
                             "ports-file: %s/ports\n"
                             "%s"
                             "log: {level: error}\n"
                             "control: {enable: false}\n"
                             "mdns: {enable: false}\n"
                             "push: {enable: true, plain-tcp: true}\n"
                             "server: {tcp-idle-timeout: 1s, tcp-message-timeout: 1s}\n"
                             "transfer: {allow: [127.0.0.0/8], journal-size: 64k}\n"
                             "rate-limit: {rate: 1000, whitelist: [127.0.0.2]}\n"
                             "identity: " IDENTITY "\n";

/* server.udp-payload: the default. */
#define UDP_PAYLOAD 1232

/* The probe: ID 0xbeef, "probe.invalid. A", answered REFUSED. */
static const uint8_t PROBE[] = {0xbe, 0xef, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x05, 'p',  'r',  'o',  'b',  'e',  0x07, 'i',  'n',  'v',
                                'a',  'l',  'i',  'd',  0x00, 0x00, 0x01, 0x00, 0x01};

static struct {
	char dir[64];
	gw_config_t *cfg;
	gw_daemon_flags_t flags;
	struct sockaddr_in addr;
	int udp;   /* from 127.0.0.1, connected to the server */
	int probe; /* from 127.0.0.2, likewise */
} g;

static void *daemon_main(void *arg)
{
	(void)arg;
	int ret = gw_daemon_run(g.cfg, &g.flags);
	fprintf(stderr, "fuzz_server: the daemon stopped: %s\n", gw_strerror(ret));
	abort();
	return NULL;
}

/* The port of proto ("tcp", "udp") on 127.0.0.1 from the ports file, once
 * the daemon wrote it (bounded). */
static unsigned wait_port(const char *proto)
{
	char path[128], line[128];
	snprintf(path, sizeof(path), "%s/ports", g.dir);
	for (int i = 0; i < 600; i++) {
		FILE *fp = fopen(path, "r");
		unsigned port = 0;
		while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
			char p[8];
			if (sscanf(line, "%7s 127.0.0.1 %u", p, &port) == 2 &&
			    strcmp(p, proto) == 0)
				break;
			port = 0;
		}
		if (fp != NULL)
			fclose(fp);
		if (port != 0)
			return port;
		nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
	}
	fprintf(stderr, "fuzz_server: no ports file after 60 s\n");
	abort();
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void cleanup(void)
{
	/* The daemon still runs: only its files go. */
	nftw(g.dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* A UDP socket bound to from (host order), connected to the server's port. */
static int udp_socket(uint32_t from, unsigned port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(from);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&a, sizeof(a)) != 0 ||
	    connect(fd, (const struct sockaddr *)&to, sizeof(to)) != 0)
		abort();
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char text[sizeof(CONFIG) + 3 * sizeof(g.dir) + sizeof(GW_FUZZ_DATA) + 32];
	gw_log_set_stderr(false);
	snprintf(g.dir, sizeof(g.dir), "/tmp/gw-fuzz-server.XXXXXX");
	if (mkdtemp(g.dir) == NULL)
		abort();
	atexit(cleanup);
	int n = snprintf(text, sizeof(text), CONFIG, GW_FUZZ_DATA, g.dir, g.dir,
	                 geteuid() == 0 ? "user: root\n" : "");
	gw_config_errors_t errs;
	gw_config_errors_init(&errs);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    gw_config_parse(&g.cfg, "fuzz.yaml", text, (size_t)n, &errs) != GW_OK) {
		for (size_t i = 0; i < errs.count; i++)
			fprintf(stderr, "fuzz_server: %s\n", errs.items[i].text);
		abort();
	}
	gw_config_errors_deinit(&errs);
	gw_log_set_level(GW_LOG_ERR);
	pthread_t tid;
	if (pthread_create(&tid, NULL, daemon_main, NULL) != 0)
		abort();
	pthread_detach(tid);
	unsigned port = wait_port("tcp");
	g.addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	g.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g.udp = udp_socket(INADDR_LOOPBACK, wait_port("udp"));
	g.probe = udp_socket(INADDR_LOOPBACK + 1, wait_port("udp"));
	return 0;
}

/* The kernel's buffers take an input of a few kilobytes whole; the
 * second write of a split stream may find the connection closed already
 * (the first part was enough for the server to give up on it). */
static void send_part(int fd, const uint8_t *p, size_t len)
{
	if (len > 0 && send(fd, p, len, MSG_NOSIGNAL) != (ssize_t)len)
		CHECK(errno == EPIPE || errno == ECONNRESET);
}

/* What the server sent, len octets: the promises above. */
static void check_stream(const uint8_t *p, size_t len)
{
	size_t pos = 0;
	while (len - pos >= 2) {
		size_t mlen = (size_t)p[pos] << 8 | p[pos + 1];
		if (len - pos - 2 < mlen)
			break; /* cut short at the close */
		const uint8_t *m = p + pos + 2;
		CHECK(mlen >= DNS_HEADER_LEN);
		if (getenv("FUZZ_SERVER_SHOW") != NULL)
			fprintf(stderr,
			        "message of %zu octets: ID %u, flags %02x%02x, %u answers\n", mlen,
			        (unsigned)(m[0] << 8 | m[1]), m[2], m[3],
			        (unsigned)(m[6] << 8 | m[7]));
		bool qr = m[2] & 0x80, tc = m[2] & 0x02;
		unsigned opcode = (m[2] >> 3) & 0x0f;
		if (opcode == 6) {
			CHECK(qr || (m[0] == 0 && m[1] == 0));
		} else {
			CHECK(qr && !tc);
			ldns_pkt *pkt = NULL;
			CHECK(ldns_wire2pkt(&pkt, m, mlen) == LDNS_STATUS_OK);
			ldns_pkt_free(pkt);
		}
		pos += 2 + mlen;
	}
}

/* Datagram d (len octets) from 127.0.0.1, then the probe; what came back
 * for d checked once the probe's answer is in. */
static void udp(const uint8_t *d, size_t len)
{
	static uint8_t in[65536];
	/* What the server's reader makes of it: the size the client allows. */
	gw_query_t q;
	uint8_t rcode = 0;
	size_t allowed = 512;
	if (gw_wire_parse_query(&q, d, len, &rcode) == GW_OK && q.udp_max > allowed)
		allowed = q.udp_max < UDP_PAYLOAD ? q.udp_max : UDP_PAYLOAD;
	/* A full socket buffer may refuse the datagram: nothing to check. */
	if (send(g.udp, d, len, 0) < 0)
		return;
	CHECK(send(g.probe, PROBE, sizeof(PROBE), 0) == (ssize_t)sizeof(PROBE));
	bool answered = false;
	for (int i = 0; i < 100 && !answered; i++) {
		struct pollfd p = {.fd = g.probe, .events = POLLIN};
		if (poll(&p, 1, 50) <= 0)
			continue;
		ssize_t k = recv(g.probe, in, sizeof(in), MSG_DONTWAIT);
		answered = k >= (ssize_t)sizeof(PROBE) && in[0] == PROBE[0] && in[1] == PROBE[1] &&
		           memcmp(in + DNS_HEADER_LEN, PROBE + DNS_HEADER_LEN,
		                  sizeof(PROBE) - DNS_HEADER_LEN) == 0;
	}
	CHECK(answered);
	ssize_t k;
	while ((k = recv(g.udp, in, sizeof(in), MSG_DONTWAIT)) >= 0) {
		if (getenv("FUZZ_SERVER_SHOW") != NULL)
			fprintf(stderr, "UDP answer of %zd octets (%zu allowed): flags %02x%02x\n",
			        k, allowed, in[2], in[3]);
		CHECK((size_t)k >= DNS_HEADER_LEN && (size_t)k <= allowed);
		CHECK(in[2] & 0x80);
		ldns_pkt *pkt = NULL;
		CHECK(ldns_wire2pkt(&pkt, in, (size_t)k) == LDNS_STATUS_OK);
		ldns_pkt_free(pkt);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t in[1 << 20];
	if (size < 1)
		return 0;
	if (data[0] == 0xff) {
		udp(data + 1, size - 1);
		return 0;
	}
	size_t split = data[0], len = size - 1, got = 0;
	const uint8_t *stream = data + 1;
	int fd = fuzz_tcp_connect(&g.addr);
	if (fd < 0)
		fprintf(stderr, "fuzz_server: cannot connect: %s\n", strerror(-fd));
	CHECK(fd >= 0);
	if (split > 0 && split < len) {
		send_part(fd, stream, split);
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
		send_part(fd, stream + split, len - split);
	} else {
		send_part(fd, stream, len);
	}
	shutdown(fd, SHUT_WR);
	bool closed = false;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!closed) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms =
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= CLOSE_WAIT_MS)
			break;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)(CLOSE_WAIT_MS - ms)) <= 0)
			continue;
		ssize_t k = recv(fd, in + got, sizeof(in) - got, MSG_DONTWAIT);
		if (k > 0)
			got += (size_t)k;
		else if (k == 0 || (errno != EAGAIN && errno != EINTR) || got == sizeof(in))
			closed = true;
	}
	CHECK(closed);
	close(fd);
	check_stream(in, got);
	return 0;
}
