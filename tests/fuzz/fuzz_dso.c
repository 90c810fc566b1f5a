/* libFuzzer target for the DSO and DNS Push reader (gateway/push/dso.c)
 * and the session state machine behind it (session.c, subs.c). The input
 * is a TCP stream: messages with 2-octet length prefixes, handed one by
 * one to gw_dso_read() and to a session over a small zone, until a
 * message closes the connection.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks,
 * checked here without the module's code: an accepted message has
 * opcode 6, zero counts and a primary TLV inside it when it is a request;
 * everything the session sends is itself a well-formed DSO message, a
 * response carries the request's ID; after the session is freed no
 * subscription is left. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/push/dso.h"
#include "gateway/push/push.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_dso: broken promise: %s (line %d)\n", #cond,         \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint16_t last_request; /* ID of the request being handled; 0: none */

static int fake_send(void *conn, const uint8_t *msg, size_t len)
{
	gw_dso_msg_t m;
	(void)conn;
	CHECK(len <= 16382); /* RFC 8765 6.3.1 */
	int rr = gw_dso_read(msg, len, &m);
	if (rr != GW_OK) {
		fprintf(stderr, "sent %zu octets, read %d:", len, rr);
		for (size_t i = 0; i < len && i < 64; i++)
			fprintf(stderr, " %02x", msg[i]);
		fprintf(stderr, "\n");
	}
	CHECK(rr == GW_OK);
	if (m.response)
		CHECK(m.id == last_request && m.id != 0);
	else
		CHECK(m.id == 0);
	return GW_OK;
}

static gw_push_t *service(void)
{
	static gw_push_t *p;
	if (p != NULL)
		return p;
	static const uint8_t apex[] = {1, 't', 0};
	zone_t *zone = NULL;
	gw_zoneref_t *ref = NULL;
	const char *text = "t. 60 IN SOA ns.t. h.t. 1 60 60 60 60\n"
	                   "_ipp._tcp.t. 10 IN PTR a._ipp._tcp.t.\n"
	                   "a._ipp._tcp.t. 10 IN SRV 0 0 631 h.t.\n";
	gw_log_set_level(GW_LOG_ERR);
	if (zone_load_text(&zone, apex, "fuzz", text, strlen(text), NULL, 0) != GW_OK ||
	    gw_zoneref_new(&ref, zone) != GW_OK)
		abort();
	gw_push_opts_t o = {.inactivity_ms = 15000,
	                    .keepalive_ms = 15000,
	                    .retry_delay_ms = 1000,
	                    .max_sessions = 4,
	                    .max_subscriptions = 16,
	                    .max_per_session = 8};
	if (gw_push_new(&p, &o, ref) != GW_OK)
		abort();
	gw_zoneref_put(ref);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gw_push_t *p = service();
	gw_push_session_t *s = NULL;
	if (gw_push_session_new(&s, p, fake_send, NULL) != GW_OK)
		return 0;
	size_t off = 0;
	while (size - off >= 2) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		if (size - off - 2 < len)
			break;
		/* An exact copy: ASan sees every read past the message's end. */
		uint8_t *msg = malloc(len > 0 ? len : 1);
		if (msg == NULL)
			break;
		memcpy(msg, data + off + 2, len);
		off += 2 + len;
		gw_dso_msg_t m;
		if (gw_dso_read(msg, len, &m) == GW_OK) {
			CHECK(len >= GW_DSO_HEADER && ((msg[2] >> 3) & 0x0f) == GW_DSO_OPCODE);
			for (size_t i = 4; i < GW_DSO_HEADER; i++)
				CHECK(msg[i] == 0);
			CHECK(m.response || m.has_primary);
			if (m.has_primary)
				CHECK(m.primary.data >= msg + GW_DSO_HEADER &&
				      m.primary.data + m.primary.len <= msg + len);
		}
		last_request = len >= GW_DSO_HEADER ? (uint16_t)(msg[0] << 8 | msg[1]) : 0;
		gw_push_verdict_t v = gw_push_session_message(s, msg, len, 0.0);
		free(msg);
		if (v != GW_PUSH_KEEP)
			break;
	}
	gw_push_session_free(s);
	gw_push_stats_t st;
	gw_push_get_stats(p, &st);
	CHECK(st.subscriptions == 0 && st.sessions == 0);
	return 0;
}
