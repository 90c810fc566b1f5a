/* gateway/query/rrl.c: response rate limiting over simulated time.
 *
 * Every count below follows from the token bucket: a bucket starts with
 * `rate` responses, refills `rate` a second (in thousandths, so every
 * millisecond counts), and every `slip`th limited response is truncated. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "cunit.h"
#include "sockaddr_util.h"
#include "gateway/query/rrl.h"

#define RATE 10
/* A bucket untouched this long may be taken by another key. */
#define STALE 1000

/* Names in wire form. */
#define NAME_BROWSE                                                                                \
	"\x01"                                                                                     \
	"b\x07_dns-sd\x04_udp\x07"                                                                 \
	"example\x00"
#define NAME_ZONE                                                                                  \
	"\x07"                                                                                     \
	"example\x00"
#define NAME_ZONE_U                                                                                \
	"\x07"                                                                                     \
	"EXAMPLE\x00"
#define NAME_HOST                                                                                  \
	"\x04host\x07"                                                                             \
	"example\x00"

static gw_rrl_key_t key_of(gw_rrl_class_t cls, uint16_t qtype, const char *name, size_t len)
{
	gw_rrl_key_t k = {
	    .cls = cls, .qtype = qtype, .name = (const uint8_t *)name, .name_len = len};
	return k;
}

#define KEY(cls, qtype, name) key_of(cls, qtype, name, sizeof(name) - 1)

static gw_rrl_t *make(uint32_t rate, uint32_t slip, uint32_t table, const gw_acl_t *wl)
{
	gw_rrl_opts_t o;
	gw_rrl_opts_default(&o);
	o.rate = rate;
	o.slip = slip;
	if (table != 0)
		o.table_size = table;
	o.whitelist = wl;
	gw_rrl_t *rrl = NULL;
	CU_ASSERT_FATAL(gw_rrl_new(&rrl, &o) == GW_OK);
	return rrl;
}

typedef struct {
	unsigned pass, slip, drop;
} tally_t;

/* n responses about key to client, all at time now. */
static tally_t burst(gw_rrl_t *rrl, const char *client, const gw_rrl_key_t *key, unsigned n,
                     uint64_t now)
{
	tally_t t = {0, 0, 0};
	for (unsigned i = 0; i < n; i++) {
		switch (gw_rrl_check(rrl, test_sa(client), key, now)) {
		case GW_RRL_PASS:
			t.pass++;
			break;
		case GW_RRL_SLIP:
			t.slip++;
			break;
		case GW_RRL_DROP:
			t.drop++;
			break;
		}
	}
	return t;
}

static void test_defaults_and_bounds(void)
{
	gw_rrl_opts_t o;
	gw_rrl_opts_default(&o);
	CU_ASSERT_EQUAL(o.rate, 20);
	CU_ASSERT_EQUAL(o.slip, 2);
	CU_ASSERT_EQUAL(o.ipv4_prefix, 24);
	CU_ASSERT_EQUAL(o.ipv6_prefix, 56);
	CU_ASSERT_EQUAL(o.table_size, 65536);
	CU_ASSERT_PTR_NULL(o.whitelist);

	gw_rrl_t *rrl = NULL;
	gw_rrl_opts_t bad = o;
	bad.rate = 0;
	CU_ASSERT_EQUAL(gw_rrl_new(&rrl, &bad), GW_EINVAL);
	bad = o;
	bad.slip = GW_RRL_SLIP_MAX + 1;
	CU_ASSERT_EQUAL(gw_rrl_new(&rrl, &bad), GW_EINVAL);
	bad = o;
	bad.ipv4_prefix = 33;
	CU_ASSERT_EQUAL(gw_rrl_new(&rrl, &bad), GW_EINVAL);
	bad = o;
	bad.ipv6_prefix = 0;
	CU_ASSERT_EQUAL(gw_rrl_new(&rrl, &bad), GW_EINVAL);
	bad = o;
	bad.table_size = GW_RRL_TABLE_SIZE_MIN - 1;
	CU_ASSERT_EQUAL(gw_rrl_new(&rrl, &bad), GW_EINVAL);
	CU_ASSERT_PTR_NULL(rrl);
	gw_rrl_free(NULL);
}

/* Over the rate: the first RATE pass, then every slip-th limited response
 * is truncated and the others dropped. */
static void test_slip(void)
{
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 12, NAME_BROWSE);
	static const struct {
		uint32_t slip;
		unsigned slips, drops;
	} cases[] = {{2, 45, 45}, {0, 0, 90}, {1, 90, 0}, {3, 30, 60}, {5, 18, 72}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		gw_rrl_t *rrl = make(RATE, cases[i].slip, 0, NULL);
		tally_t t = burst(rrl, "192.0.2.1", &k, 100, 5000);
		CU_ASSERT_EQUAL(t.pass, RATE);
		CU_ASSERT_EQUAL(t.slip, cases[i].slips);
		CU_ASSERT_EQUAL(t.drop, cases[i].drops);
		gw_rrl_stats_t st;
		gw_rrl_stats(rrl, &st);
		CU_ASSERT_EQUAL(st.passed, RATE);
		CU_ASSERT_EQUAL(st.slipped, cases[i].slips);
		CU_ASSERT_EQUAL(st.dropped, cases[i].drops);
		CU_ASSERT_EQUAL(st.whitelisted, 0);
		if (cases[i].slip == 2) {
			/* The order too: drop, slip, drop, slip. */
			CU_ASSERT_EQUAL(gw_rrl_check(rrl, test_sa("192.0.2.1"), &k, 5000),
			                GW_RRL_DROP);
			CU_ASSERT_EQUAL(gw_rrl_check(rrl, test_sa("192.0.2.1"), &k, 5000),
			                GW_RRL_SLIP);
		}
		gw_rrl_free(rrl);
	}
}

/* Another /24 has its own bucket; another host of the same /24 shares. */
static void test_prefixes_apart(void)
{
	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 12, NAME_BROWSE);

	tally_t t = burst(rrl, "192.0.2.1", &k, 50, 100);
	CU_ASSERT_EQUAL(t.pass, RATE);
	t = burst(rrl, "198.51.100.1", &k, RATE, 100);
	CU_ASSERT_EQUAL(t.pass, RATE);
	t = burst(rrl, "192.0.2.77", &k, 4, 100);
	CU_ASSERT_EQUAL(t.pass, 0);
	CU_ASSERT_EQUAL(t.slip + t.drop, 4);
	t = burst(rrl, "192.0.3.1", &k, RATE, 100);
	CU_ASSERT_EQUAL(t.pass, RATE);
	gw_rrl_free(rrl);
}

/* The key: QTYPE counts for positive answers only, names compare without
 * letter case, negative answers count per zone (the caller passes the
 * apex), errors once per prefix whatever the name. */
static void test_key_classes(void)
{
	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t ptr = KEY(GW_RRL_POSITIVE, 12, NAME_BROWSE);
	gw_rrl_key_t srv = KEY(GW_RRL_POSITIVE, 33, NAME_BROWSE);
	gw_rrl_key_t nx = KEY(GW_RRL_NXDOMAIN, 1, NAME_ZONE);
	gw_rrl_key_t nx_upper = KEY(GW_RRL_NXDOMAIN, 28, NAME_ZONE_U);
	gw_rrl_key_t nodata = KEY(GW_RRL_NODATA, 1, NAME_ZONE);
	gw_rrl_key_t ref = KEY(GW_RRL_REFERRAL, 1, NAME_ZONE);
	gw_rrl_key_t err1 = KEY(GW_RRL_ERROR, 1, NAME_HOST);
	gw_rrl_key_t err2 = KEY(GW_RRL_ERROR, 1, NAME_ZONE);

	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &ptr, 30, 7).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &srv, 30, 7).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &nx, 30, 7).pass, RATE);
	/* Same zone in capitals, another QTYPE: the same NXDOMAIN bucket. */
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &nx_upper, 5, 7).pass, 0);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &nodata, 30, 7).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &ref, 30, 7).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &err1, 30, 7).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &err2, 5, 7).pass, 0);
	gw_rrl_key_t noname = {.cls = GW_RRL_ERROR, .name = NULL, .name_len = 0};
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &noname, 5, 7).pass, 0);
	gw_rrl_free(rrl);
}

/* Tokens come back at RATE a second, by the millisecond, and never above
 * RATE. */
static void test_refill(void)
{
	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 1, NAME_HOST);
	uint64_t t0 = 1000000;

	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 20, t0).pass, RATE);
	/* 100 ms: one response. */
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 5, t0 + 100).pass, 1);
	/* 50 ms twice: half a token each time, one response in all. */
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 5, t0 + 150).pass, 0);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 5, t0 + 200).pass, 1);
	/* A second later, full again; an hour later no fuller. */
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 20, t0 + 1200).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 20, t0 + 3601200).pass, RATE);

	/* A steady 25 a second for 20 s gets the first RATE plus RATE a
	 * second after that. */
	gw_rrl_t *r2 = make(RATE, 2, 0, NULL);
	unsigned pass = 0;
	for (uint64_t ms = 0; ms < 20000; ms += 40)
		pass += gw_rrl_check(r2, test_sa("192.0.2.1"), &k, t0 + ms) == GW_RRL_PASS;
	CU_ASSERT(pass >= RATE + 20 * RATE - 1 && pass <= RATE + 20 * RATE);
	/* And a client under the rate is never limited. */
	gw_rrl_t *r3 = make(RATE, 2, 0, NULL);
	pass = 0;
	for (uint64_t ms = 0; ms < 20000; ms += 101)
		pass += gw_rrl_check(r3, test_sa("192.0.2.1"), &k, t0 + ms) == GW_RRL_PASS;
	CU_ASSERT_EQUAL(pass, (20000 + 100) / 101);
	gw_rrl_free(r3);
	gw_rrl_free(r2);
	gw_rrl_free(rrl);
}

static void test_whitelist(void)
{
	gw_acl_entry_t entries[2] = {
	    {.family = AF_INET, .addr = {192, 0, 2, 0}, .prefix = 24, .key = -1},
	    {.family = AF_INET6,
	     .addr = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x07},
	     .prefix = 48,
	     .key = -1},
	};
	gw_acl_t wl = {.entries = entries, .count = 2};
	gw_rrl_t *rrl = make(RATE, 2, 0, &wl);
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 12, NAME_BROWSE);

	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.1", &k, 1000, 1).pass, 1000);
	CU_ASSERT_EQUAL(burst(rrl, "::ffff:192.0.2.9", &k, 1000, 1).pass, 1000);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:7:1::1", &k, 1000, 1).pass, 1000);
	/* Next door is not whitelisted. */
	CU_ASSERT_EQUAL(burst(rrl, "192.0.3.1", &k, 1000, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:8::1", &k, 1000, 1).pass, RATE);

	gw_rrl_stats_t st;
	gw_rrl_stats(rrl, &st);
	CU_ASSERT_EQUAL(st.whitelisted, 3000);
	CU_ASSERT_EQUAL(st.passed, 3000 + 2 * RATE);
	CU_ASSERT_EQUAL(st.slipped + st.dropped, 2 * (1000 - RATE));
	gw_rrl_free(rrl);
}

/* /56 by default: the 7th octet is in the prefix, the 8th is not. */
static void test_prefix_lengths(void)
{
	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_NXDOMAIN, 1, NAME_ZONE);

	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ff00::1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ff55:1:2:3:4", &k, 5, 1).pass, 0);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:fe00::1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:2:ff00::1", &k, 50, 1).pass, RATE);
	gw_rrl_free(rrl);

	/* A /64 setting keeps the 8th octet apart too. */
	gw_rrl_opts_t o;
	gw_rrl_opts_default(&o);
	o.rate = RATE;
	o.ipv6_prefix = 64;
	CU_ASSERT_FATAL(gw_rrl_new(&rrl, &o) == GW_OK);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ff00::1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ff55::1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ff55::2", &k, 5, 1).pass, 0);
	gw_rrl_free(rrl);

	/* Lengths that end inside an octet: /22 and /52. */
	o.ipv4_prefix = 22;
	o.ipv6_prefix = 52;
	CU_ASSERT_FATAL(gw_rrl_new(&rrl, &o) == GW_OK);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.0.1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.3.200", &k, 5, 1).pass, 0);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.4.1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:f000::1", &k, 50, 1).pass, RATE);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:ffff::1", &k, 5, 1).pass, 0);
	CU_ASSERT_EQUAL(burst(rrl, "2001:db8:1:e000::1", &k, 50, 1).pass, RATE);
	gw_rrl_free(rrl);
}

/* A dual-stack socket sees IPv4 clients as ::ffff:a.b.c.d: one bucket. */
static void test_ipv4_mapped(void)
{
	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 1, NAME_HOST);

	CU_ASSERT_EQUAL(burst(rrl, "::ffff:192.0.2.7", &k, 6, 1).pass, 6);
	CU_ASSERT_EQUAL(burst(rrl, "192.0.2.9", &k, 10, 1).pass, RATE - 6);
	CU_ASSERT_EQUAL(burst(rrl, "::ffff:192.0.2.200", &k, 3, 1).pass, 0);
	/* Not an IPv4 address in IPv6 clothes: its own bucket. */
	CU_ASSERT_EQUAL(burst(rrl, "::192.0.2.7", &k, 50, 1).pass, RATE);
	gw_rrl_free(rrl);

	/* Other families are never limited. */
	rrl = make(RATE, 2, 0, NULL);
	struct sockaddr un = {.sa_family = AF_UNIX};
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(gw_rrl_check(rrl, &un, &k, 1), GW_RRL_PASS);
	gw_rrl_free(rrl);
}

/* Client n of many, each in its own /24 of 10.0.0.0/8. */
static const char *client_n(unsigned n, char *buf, size_t len)
{
	snprintf(buf, len, "10.%u.%u.1", (n >> 8) & 0xff, n & 0xff);
	return buf;
}

/* Far more keys than buckets: the table does not grow, every response is
 * counted once, and a flooding prefix stays limited however many other
 * prefixes churn through its neighbourhood (its bucket is never stale, so
 * never taken; sharing it only limits the others more). */
static void test_table_full(void)
{
	gw_rrl_t *rrl = make(RATE, 2, GW_RRL_TABLE_SIZE_MIN, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_POSITIVE, 12, NAME_BROWSE);
	char buf[32];
	unsigned attacker_pass = 0, total = 0, n = 0;

	for (uint64_t ms = 0; ms < 5000; ms++) {
		attacker_pass += gw_rrl_check(rrl, test_sa("192.0.2.1"), &k, ms) == GW_RRL_PASS;
		total++;
		for (int j = 0; j < 8; j++, n++, total++)
			gw_rrl_check(rrl, test_sa(client_n(n, buf, sizeof(buf))), &k, ms);
	}
	/* At most the first RATE and RATE a second. */
	CU_ASSERT(attacker_pass <= RATE + 5 * RATE);
	gw_rrl_stats_t st;
	gw_rrl_stats(rrl, &st);
	CU_ASSERT_EQUAL(st.passed + st.slipped + st.dropped, total);
	CU_ASSERT(st.shared > 0); /* the table was full */
	gw_rrl_free(rrl);

	/* Buckets of clients gone quiet for a second are taken over: after
	 * the table filled up, newcomers have buckets of their own again (as
	 * many as a key looks at, 4, so that they cannot crowd each other
	 * out). */
	rrl = make(RATE, 2, GW_RRL_TABLE_SIZE_MIN, NULL);
	for (unsigned i = 0; i < 4 * GW_RRL_TABLE_SIZE_MIN; i++)
		gw_rrl_check(rrl, test_sa(client_n(i, buf, sizeof(buf))), &k, 0);
	gw_rrl_stats(rrl, &st);
	uint64_t shared = st.shared;
	CU_ASSERT(shared > 0);
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(
		    burst(rrl, client_n(1000 + i, buf, sizeof(buf)), &k, RATE, STALE).pass, RATE);
	gw_rrl_stats(rrl, &st);
	CU_ASSERT_EQUAL(st.shared, shared);
	gw_rrl_free(rrl);

	/* With the default table, 10000 prefixes asking once a second are
	 * never limited while one floods. */
	rrl = make(RATE, 2, 0, NULL);
	unsigned legit_limited = 0;
	attacker_pass = 0;
	for (uint64_t s = 0; s < 3; s++) {
		for (unsigned i = 0; i < 10000; i++) {
			uint64_t ms = s * 1000 + i / 10;
			attacker_pass +=
			    gw_rrl_check(rrl, test_sa("192.0.2.1"), &k, ms) == GW_RRL_PASS;
			legit_limited += gw_rrl_check(rrl, test_sa(client_n(i, buf, sizeof(buf))),
			                              &k, ms) != GW_RRL_PASS;
		}
	}
	CU_ASSERT_EQUAL(legit_limited, 0);
	CU_ASSERT(attacker_pass <= RATE + 3 * RATE);
	gw_rrl_free(rrl);
}

/* A flood logs one line a second, with the counts since the last one. */
static void test_log_lines(void)
{
	char path[] = "/tmp/gw-rrl-log-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	unlink(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(saved >= 0 && dup2(fd, STDERR_FILENO) == STDERR_FILENO);
	gw_log_set_stderr(true);

	gw_rrl_t *rrl = make(RATE, 2, 0, NULL);
	gw_rrl_key_t k = KEY(GW_RRL_NXDOMAIN, 1, NAME_ZONE);
	/* 100 a second for 3.5 s: limited from the 11th on, logged at 0 s, 1 s,
	 * 2 s and 3 s. */
	for (uint64_t ms = 0; ms < 3500; ms += 10)
		gw_rrl_check(rrl, test_sa("192.0.2.33"), &k, ms);
	gw_rrl_free(rrl);

	fflush(stderr);
	gw_log_set_stderr(getenv("GW_TEST_VERBOSE") != NULL); /* as cunit_main.c set it */
	CU_ASSERT_FATAL(dup2(saved, STDERR_FILENO) == STDERR_FILENO);
	close(saved);
	char text[4096];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	CU_ASSERT_FATAL(n > 0);
	text[n] = '\0';

	unsigned lines = 0;
	for (const char *p = text; (p = strstr(p, "rate-limit: limiting nxdomain responses to "
	                                          "192.0.2.0/24")) != NULL;
	     p++)
		lines++;
	CU_ASSERT_EQUAL(lines, 4);
	/* The first limited response (the 11th, at 100 ms) is the first line;
	 * the next second brings 90 more limited, half dropped, half
	 * truncated. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "1 dropped, 0 truncated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "45 dropped, 45 truncated"));
}

int gw_test_register(void)
{
	return gw_test_suite("rrl",
	                     (gw_test_t[]){{"defaults and option bounds", test_defaults_and_bounds},
	                                   {"over the rate: slip 2, 0, 1, 3, 5", test_slip},
	                                   {"prefixes counted apart", test_prefixes_apart},
	                                   {"key per class", test_key_classes},
	                                   {"refill over time", test_refill},
	                                   {"whitelist never limited", test_whitelist},
	                                   {"prefix lengths", test_prefix_lengths},
	                                   {"IPv4-mapped counts as IPv4", test_ipv4_mapped},
	                                   {"table full stays bounded", test_table_full},
	                                   {"one log line a second", test_log_lines},
	                                   {NULL, NULL}});
}
