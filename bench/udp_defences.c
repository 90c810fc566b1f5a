/* Cost per call of the UDP defences of the query path: response rate
 * limiting (gateway/query/rrl.c) and server cookies (gateway/query/cookie.c).
 *
 * Built with the tree (bench/CMakeLists.txt):
 *   cmake --build build --target udp_defences_bench && build/bench/udp_defences_bench
 * Prints nanoseconds per call, wall clock, one core. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/query/cookie.h"
#include "gateway/query/rrl.h"

#define CALLS 2000000

static const struct sockaddr *as_sa(const struct sockaddr_in *sin)
{
	return (const struct sockaddr *)sin;
}

static void report(const char *what, uint64_t start)
{
	printf("%-58s %6.0f ns\n", what, (double)(gw_clock_mono_ns() - start) / CALLS);
}

static int bench_cookies(struct sockaddr_in *client)
{
	const int64_t now = 1559731985;
	gw_cookie_secret_t s = {.has_previous = true};
	for (size_t i = 0; i < sizeof(s.current); i++)
		s.current[i] = (uint8_t)(i * 37 + 1);
	gw_cookie_t *ck = NULL;
	if (gw_cookie_new(&ck, &s) != GW_OK)
		return 1;
	const uint8_t cc[GW_COOKIE_CLIENT_LEN] = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
	gw_cookie_req_t req;
	uint8_t opt[GW_COOKIE_REPLY_LEN];
	int ret = GW_OK;

	uint64_t t = gw_clock_mono_ns();
	for (int i = 0; i < CALLS; i++) {
		gw_cookie_check(ck, cc, sizeof(cc), as_sa(client), now, &req);
		ret |= gw_cookie_make(ck, &req, as_sa(client), now, opt);
	}
	report("cookie: client only, check + make (1 SipHash)", t);
	t = gw_clock_mono_ns();
	for (int i = 0; i < CALLS; i++)
		ret |= gw_cookie_check(ck, opt, sizeof(opt), as_sa(client), now + 10, &req) !=
		       GW_COOKIE_VALID;
	report("cookie: valid, check (1 SipHash; make echoes it)", t);
	opt[GW_COOKIE_REPLY_LEN - 1] ^= 1;
	t = gw_clock_mono_ns();
	for (int i = 0; i < CALLS; i++)
		ret |= gw_cookie_check(ck, opt, sizeof(opt), as_sa(client), now + 10, &req) !=
		       GW_COOKIE_INVALID;
	report("cookie: invalid, check, previous secret kept (2 SipHash)", t);
	gw_cookie_free(ck);
	return ret != GW_OK;
}

static int bench_rrl(struct sockaddr_in *client)
{
	gw_rrl_opts_t o;
	gw_rrl_opts_default(&o);
	gw_rrl_t *rrl = NULL;
	if (gw_rrl_new(&rrl, &o) != GW_OK)
		return 1;
	static const uint8_t name[] = "\x01"
	                              "b\x07_dns-sd\x04_udp\x08"
	                              "building\x07"
	                              "example\x03"
	                              "edu";
	gw_rrl_key_t k = {
	    .cls = GW_RRL_POSITIVE, .qtype = 12, .name = name, .name_len = sizeof(name)};
	unsigned passed = 0;

	uint64_t t = gw_clock_mono_ns();
	for (int i = 0; i < CALLS; i++) {
		client->sin_addr.s_addr = htonl(0x0a000000u | ((unsigned)i & 0xffff) << 8);
		passed += gw_rrl_check(rrl, as_sa(client), &k, (uint64_t)i / 1000) == GW_RRL_PASS;
	}
	report("rrl: 65536 /24s in turn (table full), 37-octet name", t);
	client->sin_addr.s_addr = htonl(0xc0000201);
	t = gw_clock_mono_ns();
	for (int i = 0; i < CALLS; i++)
		passed += gw_rrl_check(rrl, as_sa(client), &k, (uint64_t)i / 1000) == GW_RRL_PASS;
	report("rrl: one /24 flooding (mostly limited)", t);
	gw_rrl_stats_t st;
	gw_rrl_stats(rrl, &st);
	printf("rrl: passed %" PRIu64 ", truncated %" PRIu64 ", dropped %" PRIu64
	       ", shared buckets %" PRIu64 "\n",
	       st.passed, st.slipped, st.dropped, st.shared);
	gw_rrl_free(rrl);
	return passed == 0;
}

int main(void)
{
	gw_log_set_stderr(false); /* the flood's notice lines */
	struct sockaddr_in client = {.sin_family = AF_INET};
	inet_pton(AF_INET, "198.51.100.100", &client.sin_addr);
	int ret = bench_cookies(&client);
	ret |= bench_rrl(&client);
	return ret;
}
