/* libFuzzer target for what peers send back to the queries the gateway
 * sends itself, and for the client serial of an IXFR query:
 *
 *   - the DS check's reply handling (gateway/zonemgr/ds_check.c:
 *     gw_ds_check_reply(), what on_reply() runs on every datagram: ldns,
 *     is_ours(), judge(), the verdict);
 *   - the answers to our NOTIFY (gateway/xfr/notify.c:
 *     gw_notify_on_answer(), what on_read() runs on every datagram: the
 *     header, the target, the question, its TSIG, the rcode);
 *   - gw_xfr_ixfr_serial() (gateway/xfr/xfr.c) behind the query reader,
 *     as the server calls it for an IXFR query over TCP.
 *
 * The first octet chooses (bits 0-1: 0 the DS check, 1 NOTIFY, 2 and 3
 * IXFR) and sets, for the first two:
 *   bit 2  the first two octets of the rest are overwritten with the ID
 *          of the query it answers (the ID is random, from
 *          gw_query_id(), so a fixed seed could not match it otherwise);
 *   bit 3  DS: the check asks two servers and the reply reaches each in
 *          turn (else one); NOTIFY: the answer is for target 1, which
 *          signs with the key xfr. (else target 0, unsigned);
 *   bit 4  NOTIFY: the answer is signed first as target 1 would sign it
 *          (its key, the MAC of the NOTIFY it got), when it has no TSIG
 *          record and ldns reads it;
 *   bit 5  NOTIFY: it comes from an address that is no target's.
 *
 * The DS check and the notifier are real ones on an event loop that never
 * runs: the check's servers and the NOTIFY targets are UDP sockets of this
 * program on 127.0.0.1, which is where their queries go (nothing is sent
 * anywhere else), read there for the IDs. A check or a NOTIFY that got
 * its answer is replaced by a new one before the next input, so that
 * every input meets the same state.
 *
 * Besides ASan, UBSan and LeakSanitizer, the program aborts when a
 * promise breaks: only a response with the query's ID ends a server's
 * wait; the verdict comes once, after the last server, and is never
 * "found" for a truncated reply; only a NOTIFY response with the ID of the
 * NOTIFY waiting at the address it came from, and with its question (or
 * none and an error rcode), ends that wait, for a target with a key only
 * when signed with it, and its result is the answer's rcode; the client
 * serial comes only from a query with one authority record. */
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <ev.h>
#include <ldns/ldns.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/query/wire.h"
#include "gateway/xfr/notify_internal.h"
#include "gateway/xfr/tsig.h"
#include "gateway/xfr/xfr.h"
#include "gateway/zonemgr/ds_check_internal.h"
#include "zones/zone.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_peer_replies: broken promise: %s (line %d)\n",       \
			        #cond, __LINE__);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define CTL_PATCH_ID 0x04
#define CTL_SECOND   0x08 /* DS: two servers; NOTIFY: target 1 */
#define CTL_SIGN     0x10
#define CTL_STRANGER 0x20

#define QUERY_MAX 4096
#define INPUT_MAX 4096

/* The key whose DS the check looks for, and the DNSKEY of
 * tests/unit/zonemgr/test_ds_check.c; the seeds hold its DS. */
#define APEX_TEXT "home.arpa."
#define DNSKEY_TEXT                                                                                \
	APEX_TEXT " 3600 IN DNSKEY 257 3 13 "                                                      \
	          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OT" \
	          "o7PD0+Pw=="
#define SOA_TEXT APEX_TEXT " 3600 IN SOA ns.home.arpa. hostmaster.home.arpa. 7 3600 600 86400 10"

static struct ev_loop *g_loop;
static uint8_t g_apex[ZONE_NAME_MAXLEN];

/* A UDP socket on 127.0.0.1, port from the kernel: a parent server or a
 * secondary. Blocking, with a timeout, so that a query that never comes
 * fails the target instead of hanging it. */
static int peer_socket(struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct timeval tv = {.tv_sec = 2};
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)sin, len) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0)
		abort();
	return fd;
}

/* The next query that reached fd; its length. A signal (libFuzzer's
 * timeout timer, SIGALRM) may cut the wait short: waited again. */
static size_t take_query(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n;
	do
		n = recv(fd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n < DNS_HEADER_LEN)
		abort();
	return (size_t)n;
}

static uint16_t query_id(const uint8_t *buf)
{
	return (uint16_t)(buf[0] << 8 | buf[1]);
}

/* An exact copy of len octets (ASan sees a read past its end). */
static uint8_t *copy_of(const uint8_t *data, size_t len, size_t extra)
{
	uint8_t *buf = malloc(len + extra > 0 ? len + extra : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data, len);
	return buf;
}

/* ---- The DS check -------------------------------------------------------- */

#define DS_SERVERS 2

typedef struct ds_run {
	gw_ds_check_t *check; /* owned; NULL: started before the next input */
	size_t count;         /* servers it asks */
	uint16_t id[DS_SERVERS];
	bool called;
	int ret;
	char why[512];
} ds_run_t;

static int g_parent_fd[DS_SERVERS];
static struct sockaddr_storage g_parent[DS_SERVERS];
static ldns_rr *g_dnskey;
static ds_run_t g_ds[2]; /* asking one server, asking two */

static void on_verdict(gw_ds_check_t *c, int ret, const char *why, void *arg)
{
	ds_run_t *r = arg;
	CHECK(c == r->check && !r->called);
	r->called = true;
	r->ret = ret;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

static void ds_setup(void)
{
	socklen_t len;
	for (size_t i = 0; i < DS_SERVERS; i++)
		g_parent_fd[i] = peer_socket(&g_parent[i], &len);
	if (ldns_rr_new_frm_str(&g_dnskey, DNSKEY_TEXT, 0, NULL, NULL) != LDNS_STATUS_OK)
		abort();
	g_ds[0].count = 1;
	g_ds[1].count = 2;
}

/* A new check: its queries go to the parent sockets, read there for the
 * IDs. The timeouts never fire: the loop does not run. */
static void ds_start(ds_run_t *r)
{
	uint8_t buf[QUERY_MAX];
	if (gw_ds_check_start(&r->check, g_loop, g_parent, r->count, g_apex, g_dnskey, 60000,
	                      on_verdict, r) != GW_OK)
		abort();
	for (size_t i = 0; i < r->count; i++) {
		take_query(g_parent_fd[i], buf, sizeof(buf));
		r->id[i] = query_id(buf);
	}
	r->called = false;
}

static void ds_reply(uint8_t control, const uint8_t *data, size_t len)
{
	ds_run_t *r = &g_ds[(control & CTL_SECOND) ? 1 : 0];
	if (r->check == NULL)
		ds_start(r);
	uint8_t *buf = copy_of(data, len, 0);
	size_t answered = 0;
	for (size_t i = 0; i < r->count; i++) {
		if ((control & CTL_PATCH_ID) && len >= 2) {
			buf[0] = (uint8_t)(r->id[i] >> 8);
			buf[1] = (uint8_t)r->id[i];
		}
		int ret = gw_ds_check_reply(r->check, i, buf, len);
		CHECK(ret == GW_OK || ret == GW_ENOTFOUND || ret == GW_EMALFORMED);
		if (ret == GW_OK) {
			/* A response with the query's ID. */
			CHECK(len >= DNS_HEADER_LEN && (buf[2] & 0x80) &&
			      query_id(buf) == r->id[i]);
			answered++;
		}
		/* The verdict once every server has answered, not before. */
		CHECK(r->called == (answered == r->count));
	}
	if (r->called) {
		CHECK(r->ret == GW_OK || r->ret == GW_ENOTFOUND);
		/* TC: "not yet", whatever the records. */
		if (r->ret == GW_OK)
			CHECK(!(buf[2] & 0x02));
		else
			CHECK(strncmp(r->why, "127.0.0.1@", 10) == 0);
	}
	if (answered > 0) {
		gw_ds_check_free(r->check);
		r->check = NULL;
	}
	free(buf);
}

/* ---- NOTIFY -------------------------------------------------------------- */

#define TARGETS 2

static gw_tsig_key_config_t g_key_cfg = {
    .name = "xfr.",
    .algorithm = GW_TSIG_HMAC_SHA256,
    .secret = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=",
};
static gw_tsig_keyring_t g_kr;
static gw_notify_target_t g_targets[TARGETS]; /* 0: unsigned; 1: key xfr. */
static int g_secondary_fd[TARGETS];
static struct sockaddr_storage g_stranger; /* 127.0.0.1 at a port of no target */
static zone_t *g_zone;
static gw_notify_t *g_notify;
static uint16_t g_notify_id[TARGETS];
/* Target 1's side of its signed exchange: what it signs its answer with. */
static gw_tsig_ctx_t g_secondary_tsig;

static void notify_setup(void)
{
	for (size_t i = 0; i < TARGETS; i++) {
		g_secondary_fd[i] = peer_socket(&g_targets[i].ep.addr, &g_targets[i].ep.addrlen);
		g_targets[i].key = i == 1 ? 0 : -1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)&g_stranger;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(1);
	gw_tsig_keyring_opts_t kopts = {.keys = &g_key_cfg, .count = 1};
	ldns_rr *soa = NULL;
	if (gw_tsig_keyring_init(&g_kr, &kopts) != GW_OK || zone_new(&g_zone, g_apex) != GW_OK ||
	    ldns_rr_new_frm_str(&soa, SOA_TEXT, 0, NULL, NULL) != LDNS_STATUS_OK ||
	    zone_add_rr(g_zone, soa) != GW_OK)
		abort();
	ldns_rr_free(soa);
	gw_notify_opts_t opts = {.targets = g_targets, .target_count = TARGETS, .keys = &g_kr};
	if (gw_notify_new(&g_notify, g_loop, &opts) != GW_OK)
		abort();
}

/* NOTIFY both targets (again); their sockets learn the IDs, and target
 * 1 verifies its NOTIFY as a secondary does, which gives the state its
 * answer is signed with. */
static void notify_send(void)
{
	uint8_t buf[QUERY_MAX];
	size_t n = 0;
	gw_notify_send(g_notify, g_zone);
	for (size_t i = 0; i < TARGETS; i++) {
		n = take_query(g_secondary_fd[i], buf, sizeof(buf));
		g_notify_id[i] = query_id(buf);
	}
	gw_query_t q;
	uint8_t rcode = 0;
	if (gw_wire_parse_query(&q, buf, n, &rcode) != GW_OK || !q.has_tsig ||
	    gw_tsig_verify_request(&g_kr, buf, n, &q, time(NULL), &g_secondary_tsig) != GW_OK)
		abort();
}

/* Signing goes through ldns, which leaks all but one of several TSIG
 * records and keeps only the TSIG record it adds: a message without one
 * that zone_pkt_read() takes. */
static bool signable(const uint8_t *pkt, size_t len)
{
	ldns_pkt *p = NULL;
	bool ok = zone_pkt_read(&p, pkt, len) == GW_OK && ldns_pkt_tsig(p) == NULL;
	ldns_pkt_free(p);
	return ok;
}

static bool all_pending(void)
{
	gw_notify_target_info_t info[TARGETS];
	gw_notify_targets(g_notify, info, TARGETS);
	for (size_t i = 0; i < TARGETS; i++)
		if (!info[i].pending)
			return false;
	return true;
}

/* Whether pkt (len octets, at least a header) asks the NOTIFY's question,
 * APEX_TEXT SOA IN, the name in any case, or asks none and has an error
 * rcode. */
static bool notify_question(const uint8_t *pkt, size_t len)
{
	unsigned qdcount = ldns_read_uint16(pkt + 4);
	if (qdcount == 0)
		return (pkt[3] & DNS_FLAG_RCODE) != 0;
	size_t name_len = (size_t)zone_name_len(g_apex, sizeof(g_apex));
	if (qdcount != 1 || len < DNS_HEADER_LEN + name_len + 4)
		return false;
	const uint8_t *q = pkt + DNS_HEADER_LEN;
	for (size_t i = 0; i < name_len; i++)
		if (tolower(q[i]) != tolower(g_apex[i]))
			return false;
	return ldns_read_uint16(q + name_len) == DNS_T_SOA &&
	       ldns_read_uint16(q + name_len + 2) == DNS_C_IN;
}

static void notify_answer(uint8_t control, const uint8_t *data, size_t len)
{
	size_t t = (control & CTL_SECOND) ? 1 : 0;
	if (!all_pending())
		notify_send();
	uint8_t *buf = copy_of(data, len, GW_TSIG_RESERVE);
	if ((control & CTL_PATCH_ID) && len >= 2) {
		buf[0] = (uint8_t)(g_notify_id[t] >> 8);
		buf[1] = (uint8_t)g_notify_id[t];
	}
	bool is_signed = false;
	if ((control & CTL_SIGN) && signable(buf, len)) {
		gw_tsig_ctx_t ctx = g_secondary_tsig;
		size_t n = len;
		is_signed = gw_tsig_sign_reply(&ctx, buf, &n, len + GW_TSIG_RESERVE) == GW_OK;
		if (is_signed)
			len = n;
	}
	uint8_t *pkt = copy_of(buf, len, 0);
	free(buf);
	const struct sockaddr_storage *from =
	    (control & CTL_STRANGER) ? &g_stranger : &g_targets[t].ep.addr;

	gw_notify_target_info_t before[TARGETS], after[TARGETS];
	gw_notify_stats_t st0, st1;
	gw_notify_get_stats(g_notify, &st0);
	gw_notify_targets(g_notify, before, TARGETS);
	gw_notify_on_answer(g_notify, pkt, len, from);
	gw_notify_targets(g_notify, after, TARGETS);
	gw_notify_get_stats(g_notify, &st1);

	size_t ended = 0;
	for (size_t i = 0; i < TARGETS; i++) {
		if (after[i].pending) {
			CHECK(strcmp(after[i].result, "pending") == 0);
			continue;
		}
		ended++;
		/* The NOTIFY response to target i's query, from target i, and
		 * signed when target i has a key. */
		uint16_t flags = len >= DNS_HEADER_LEN ? ldns_read_uint16(pkt + 2) : 0;
		CHECK(len >= DNS_HEADER_LEN && (flags & DNS_FLAG_QR) &&
		      DNS_OPCODE(flags) == DNS_OPCODE_NOTIFY);
		CHECK(i == t && !(control & CTL_STRANGER) && query_id(pkt) == g_notify_id[i]);
		CHECK(notify_question(pkt, len));
		CHECK(g_targets[i].key < 0 || is_signed);
		unsigned rcode = flags & DNS_FLAG_RCODE;
		CHECK(after[i].rcode == rcode && after[i].answered_serial == after[i].sent_serial);
		CHECK(strcmp(after[i].result, rcode == 0 ? "acknowledged" : "error rcode") == 0);
		CHECK(st1.acked == st0.acked + (rcode == 0) &&
		      st1.failed == st0.failed + (rcode != 0));
	}
	CHECK(ended <= 1);
	if (ended == 0)
		CHECK(st1.acked == st0.acked && st1.failed == st0.failed);
	free(pkt);
}

/* ---- IXFR ---------------------------------------------------------------- */

/* As handle_message() (gateway/server/tcp.c) and gw_server_xfr_start()
 * get there: a query the reader accepts, QUERY, IXFR, no BADVERS. */
static void ixfr_serial(const uint8_t *data, size_t len)
{
	uint8_t *pkt = copy_of(data, len, 0);
	gw_query_t q;
	uint8_t rcode = 0;
	if (gw_wire_parse_query(&q, pkt, len, &rcode) == GW_OK && rcode == DNS_RCODE_NOERROR &&
	    q.opcode == DNS_OPCODE_QUERY && q.qtype == DNS_T_IXFR) {
		uint32_t serial = 0;
		int ret = gw_xfr_ixfr_serial(pkt, len, &q, &serial);
		CHECK(ret == GW_OK || ret == GW_EMALFORMED);
		if (ret == GW_OK)
			CHECK(q.nscount == 1);
	}
	free(pkt);
}

static void setup(void)
{
	gw_log_set_level(GW_LOG_ERR);
	gw_log_set_stderr(false);
	g_loop = ev_loop_new(EVFLAG_AUTO);
	if (g_loop == NULL || zone_name_from_str(g_apex, APEX_TEXT, NULL) < 0)
		abort();
	ds_setup();
	notify_setup();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_loop == NULL)
		setup();
	if (size < 1 || size - 1 > INPUT_MAX)
		return 0;
	switch (data[0] & 3) {
	case 0:
		ds_reply(data[0], data + 1, size - 1);
		break;
	case 1:
		notify_answer(data[0], data + 1, size - 1);
		break;
	default:
		ixfr_serial(data + 1, size - 1);
		break;
	}
	return 0;
}
