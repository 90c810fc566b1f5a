/* gateway/dane.c when the zone does not take its records (a commit that
 * fails: a full disk): a new key's TLSA is given again until the zone
 * takes it, and the key is used only twice the TTL after that, never
 * sooner; so too when a reload's held commit loses them. The zone manager and the server are stood
 * in for at link time
 * (-Wl,--wrap, tests/CMakeLists.txt): set_extra fails while g_fail says
 * so and keeps the last records it took. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/dane.h"
#include "gateway/server/tls.h"

static int g_fail;         /* set_extra calls to fail from now */
static size_t g_tlsa;      /* TLSA records in the last set taken */
static unsigned g_taken;   /* sets taken */
static SSL_CTX *g_serving; /* the context the server was given last */

int __wrap_gw_zonemgr_set_extra(gw_zonemgr_t *m, const char *const *rrs, size_t count);
int __wrap_gw_zonemgr_set_extra(gw_zonemgr_t *m, const char *const *rrs, size_t count)
{
	(void)m;
	if (g_fail > 0) {
		g_fail--;
		return -ENOSPC;
	}
	g_tlsa = 0;
	for (size_t i = 0; i < count; i++)
		g_tlsa += strstr(rrs[i], " IN TLSA ") != NULL;
	g_taken++;
	return GW_OK;
}

size_t __wrap_gw_server_tls_addrs(const gw_server_t *srv, struct sockaddr_storage *out, size_t cap);
size_t __wrap_gw_server_tls_addrs(const gw_server_t *srv, struct sockaddr_storage *out, size_t cap)
{
	(void)srv;
	if (cap == 0)
		return 0;
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	memset(out, 0, sizeof(*out));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8853);
	sin->sin_addr.s_addr = htonl(0x7f000001);
	return 1;
}

void __wrap_gw_server_set_tls(gw_server_t *srv, SSL_CTX *ctx);
void __wrap_gw_server_set_tls(gw_server_t *srv, SSL_CTX *ctx)
{
	(void)srv;
	g_serving = ctx;
	gw_tls_ctx_free(ctx); /* the reference dane.c gave the server */
}

typedef struct fixture {
	char dir[64];
	char cert[96], key[96];
	gw_config_t *cfg;
	struct ev_loop *loop;
	gw_dane_t dn;
} fixture_t;

static fixture_t F;

/* A new key and certificate for dns.home.arpa. in the configured files. */
static void new_files(fixture_t *f)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	CU_ASSERT_FATAL(gw_tls_own_new("dns.home.arpa", &key, &x) == GW_OK);
	CU_ASSERT_FATAL(gw_tls_own_write(f->cert, f->key, key, x) == GW_OK);
	EVP_PKEY_free(key);
	X509_free(x);
}

static fixture_t *setup(void)
{
	fixture_t *f = &F;
	char yaml[1024];
	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/gw-test-dane.XXXXXX");
	CU_ASSERT_FATAL(mkdtemp(f->dir) != NULL);
	snprintf(f->cert, sizeof(f->cert), "%.63s/cert.pem", f->dir);
	snprintf(f->key, sizeof(f->key), "%.63s/key.pem", f->dir);
	new_files(f);
	int n = snprintf(yaml, sizeof(yaml),
	                 "zone: {domain: home.arpa.}\n"
	                 "state-dir: %s\n"
	                 "tls: {listen: [\"127.0.0.1@8853\"], certificate: %s, key: %s, "
	                 "tlsa-ttl: 1}\n",
	                 f->dir, f->cert, f->key);
	CU_ASSERT_FATAL(gw_config_parse(&f->cfg, "test", yaml, (size_t)n, NULL) == GW_OK);
	char tls[96];
	snprintf(tls, sizeof(tls), "%.63s/tls", f->dir);
	CU_ASSERT_FATAL(mkdir(tls, 0700) == 0);
	f->loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_FATAL(f->loop != NULL);
	g_fail = 0;
	g_taken = 0;
	CU_ASSERT_FATAL(gw_dane_setup(&f->dn, f->loop, f->cfg, NULL, false) == GW_OK);
	/* The zone manager is never looked at through this pointer. */
	gw_dane_start(&f->dn, (gw_zonemgr_t *)f);
	return f;
}

static void teardown(fixture_t *f)
{
	char cmd[128];
	gw_dane_deinit(&f->dn);
	ev_loop_destroy(f->loop);
	gw_config_free(f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf %.63s", f->dir);
	CU_ASSERT(system(cmd) == 0);
}

/* The timer's time left, within lo..hi. libev keeps a timer's end as the
 * loop's monotonic time plus the delay, and the time left as that end less
 * the loop's time: when the sum crosses a power of two (here, 60 s before
 * an uptime of 16 384 s) it is rounded, and a timer just armed for 60 s has
 * 60 s and a few picoseconds left (CI, 6 December 2026). */
#define TIMER_ROUNDING 1e-6

static bool timer_in(const fixture_t *f, double lo, double hi)
{
	double left = ev_timer_remaining(f->loop, (ev_timer *)&f->dn.timer);
	bool in = left >= lo - TIMER_ROUNDING && left <= hi + TIMER_ROUNDING;
	if (!ev_is_active(&f->dn.timer) || !in)
		fprintf(stderr, "\n  timer: active %d, %.9f s left, want %.1f..%.1f\n",
		        ev_is_active(&f->dn.timer), left, lo, hi);
	return ev_is_active(&f->dn.timer) && in;
}

/* <state>/tls/rollover gives 0 as the time of publication: a restart
 * would wait from its own start. */
static bool state_says_unpublished(const fixture_t *f)
{
	char state[160], text[160] = "";
	snprintf(state, sizeof(state), "%.63s/tls/rollover", f->dir);
	FILE *fp = fopen(state, "r");
	if (fp == NULL)
		return false;
	bool zero = fgets(text, sizeof(text), fp) != NULL && strstr(text, " 0\n") != NULL;
	fclose(fp);
	return zero;
}

/* The timer's retry, which the zone takes (the taken-th set): both
 * TLSA, the key in use still first, and the switch twice the TTL (1 s)
 * from now. */
static void retry_taken(fixture_t *f, const uint8_t first[32], unsigned taken)
{
	int64_t before = (int64_t)time(NULL);
	ev_invoke(f->loop, &f->dn.timer, EV_TIMER);
	CU_ASSERT(!f->dn.unpublished && f->dn.rolling);
	CU_ASSERT_EQUAL(g_taken, taken);
	CU_ASSERT_EQUAL(g_tlsa, 2);
	CU_ASSERT(f->dn.published >= before + 1);
	CU_ASSERT(memcmp(f->dn.use, first, 32) == 0);
	CU_ASSERT(timer_in(f, 1.5, 3.5));
}

/* A new key at a reload while the zone refuses the records: no switch is
 * armed, the records are tried again every minute; once the zone takes
 * both TLSA, the new key waits twice the TTL from then. */
static void test_rollover_unpublished(void)
{
	fixture_t *f = setup();
	uint8_t first[32];
	memcpy(first, f->dn.use, 32);

	new_files(f);
	g_fail = 2;
	CU_ASSERT(gw_dane_reload(&f->dn) == -ENOSPC);
	CU_ASSERT(f->dn.rolling && f->dn.unpublished);
	CU_ASSERT(memcmp(f->dn.use, first, 32) == 0);
	CU_ASSERT(timer_in(f, GW_DANE_RETRY_S - 1, GW_DANE_RETRY_S));
	CU_ASSERT_EQUAL(g_taken, 0);

	/* A restart now would wait from its own start: the state says the
	 * zone has not taken the key's TLSA (0). */
	CU_ASSERT(state_says_unpublished(f));

	/* The retry fails too: again in a minute, still the old key. */
	ev_invoke(f->loop, &f->dn.timer, EV_TIMER);
	CU_ASSERT(f->dn.unpublished);
	CU_ASSERT(memcmp(f->dn.use, first, 32) == 0);
	CU_ASSERT(timer_in(f, GW_DANE_RETRY_S - 1, GW_DANE_RETRY_S));

	/* The zone takes them ten minutes after the key was first given to
	 * it: both TLSA, and the switch 2 s (twice the TTL of 1 s) from
	 * now, not from then. */
	f->dn.published -= 600;
	retry_taken(f, first, 1);

	/* The switch: the new key, its TLSA alone. */
	ev_invoke(f->loop, &f->dn.timer, EV_TIMER);
	CU_ASSERT(!f->dn.rolling);
	CU_ASSERT(memcmp(f->dn.use, first, 32) != 0);
	CU_ASSERT_EQUAL(g_tlsa, 1);
	CU_ASSERT(!ev_is_active(&f->dn.timer));
	teardown(f);
}

/* A restart while the zone had not taken the new key's TLSA: this start
 * publishes it (the records given at the start), and the new key waits
 * twice the TTL from now; the old key is served meanwhile. */
static void test_restart_unpublished(void)
{
	fixture_t *f = setup();
	uint8_t first[32];
	memcpy(first, f->dn.use, 32);
	new_files(f);
	g_fail = 1;
	CU_ASSERT(gw_dane_reload(&f->dn) == -ENOSPC);
	gw_dane_deinit(&f->dn);

	int64_t before = (int64_t)time(NULL);
	CU_ASSERT_FATAL(gw_dane_setup(&f->dn, f->loop, f->cfg, NULL, false) == GW_OK);
	CU_ASSERT(f->dn.rolling && memcmp(f->dn.use, first, 32) == 0);
	CU_ASSERT(f->dn.published >= before + 1);
	size_t count = 0;
	const char *const *rrs = gw_dane_rrs(&f->dn, &count);
	size_t tlsa = 0;
	for (size_t i = 0; i < count; i++)
		tlsa += strstr(rrs[i], " IN TLSA ") != NULL;
	CU_ASSERT_EQUAL(tlsa, 2);
	gw_dane_start(&f->dn, (gw_zonemgr_t *)f);
	CU_ASSERT(timer_in(f, 1.5, 3.5));
	teardown(f);
}

/* <state>/tls/rollover with a time of publication far ahead (a clock
 * that went back since, a hand edit, up to INT64_MAX): the wait begins
 * again at the start, twice the TTL. The sum of that time and the TTLs
 * used to overflow (undefined; wrapped, the new key was switched in at
 * once). */
static void test_restart_future(void)
{
	fixture_t *f = setup();
	new_files(f);
	CU_ASSERT_FATAL(gw_dane_reload(&f->dn) == GW_OK);
	CU_ASSERT_FATAL(f->dn.rolling);
	uint8_t next[32];
	memcpy(next, f->dn.next, 32);
	gw_dane_deinit(&f->dn);

	char state[96], text[128];
	snprintf(state, sizeof(state), "%.63s/tls/rollover", f->dir);
	CU_ASSERT_FATAL(gw_tls_rollover_format(text, sizeof(text), next, INT64_MAX) == GW_OK);
	FILE *fp = fopen(state, "w");
	CU_ASSERT_FATAL(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	int64_t before = (int64_t)time(NULL);
	CU_ASSERT_FATAL(gw_dane_setup(&f->dn, f->loop, f->cfg, NULL, false) == GW_OK);
	CU_ASSERT(f->dn.rolling);
	CU_ASSERT(f->dn.published >= before + 1 && f->dn.published <= before + 3);
	gw_dane_start(&f->dn, (gw_zonemgr_t *)f);
	CU_ASSERT(timer_in(f, 1.5, 3.5));
	teardown(f);
}

/* The switch's own change refused: the new key is served, the previous
 * key's TLSA stays in the zone until the change is taken, tried again. */
static void test_switch_unpublished(void)
{
	fixture_t *f = setup();
	new_files(f);
	CU_ASSERT(gw_dane_reload(&f->dn) == GW_OK);
	CU_ASSERT_EQUAL(g_tlsa, 2);
	g_fail = 1;
	ev_invoke(f->loop, &f->dn.timer, EV_TIMER);
	CU_ASSERT(!f->dn.rolling && f->dn.unpublished);
	CU_ASSERT_EQUAL(g_tlsa, 2);
	CU_ASSERT(timer_in(f, GW_DANE_RETRY_S - 1, GW_DANE_RETRY_S));
	ev_invoke(f->loop, &f->dn.timer, EV_TIMER);
	CU_ASSERT(!f->dn.unpublished);
	CU_ASSERT_EQUAL(g_tlsa, 1);
	CU_ASSERT(!ev_is_active(&f->dn.timer));
	teardown(f);
}

/* A new key at a configuration reload, which holds the zone's commits:
 * set_extra takes the records at once, but the release does not commit
 * them (a full disk). The key's TLSA is then not taken as published: it
 * is given again every minute, and the key waits twice the TTL from when
 * the zone has it. A release that took them, or a lost one that held
 * none of DANE's, changes nothing. */
static void test_hold_lost(void)
{
	fixture_t *f = setup();
	uint8_t first[32];
	memcpy(first, f->dn.use, 32);

	/* Nothing of DANE's held: a lost release leaves it alone. */
	gw_dane_hold(&f->dn);
	gw_dane_release(&f->dn, true);
	CU_ASSERT(!f->dn.unpublished && !ev_is_active(&f->dn.timer));

	new_files(f);
	gw_dane_hold(&f->dn);
	CU_ASSERT(gw_dane_reload(&f->dn) == GW_OK);
	CU_ASSERT(f->dn.rolling && !f->dn.unpublished);
	CU_ASSERT_EQUAL(g_taken, 1);
	gw_dane_release(&f->dn, true);
	CU_ASSERT(f->dn.rolling && f->dn.unpublished);
	CU_ASSERT(f->dn.published == 0);
	CU_ASSERT(timer_in(f, GW_DANE_RETRY_S - 1, GW_DANE_RETRY_S));
	CU_ASSERT(state_says_unpublished(f));

	/* The retry: the zone takes both TLSA, the wait starts now. */
	retry_taken(f, first, 2);

	/* A later hold whose release went in: the wait is left as it is. */
	int64_t published = f->dn.published;
	gw_dane_hold(&f->dn);
	gw_dane_release(&f->dn, false);
	CU_ASSERT(!f->dn.unpublished && f->dn.published == published);
	CU_ASSERT(timer_in(f, 1.0, 3.5));
	teardown(f);
}

/* The wall clock set while a new key waits: its time of publication
 * moves with the clock, in memory and in <state>/tls/rollover, so that a
 * step forward never shortens the wait; the timer (elapsed time) stays.
 * A time read from that file at a restart does not move. */
static void test_clock_set(void)
{
	fixture_t *f = setup();
	new_files(f);
	CU_ASSERT(gw_dane_reload(&f->dn) == GW_OK);
	CU_ASSERT_FATAL(f->dn.rolling);
	int64_t published = f->dn.published;
	CU_ASSERT(timer_in(f, 1.0, 3.5));

	gw_dane_clock_set(&f->dn, 86400);
	CU_ASSERT_EQUAL(f->dn.published, published + 86400);
	CU_ASSERT(timer_in(f, 1.0, 3.5));
	gw_dane_clock_set(&f->dn, -86400 - 60);
	CU_ASSERT_EQUAL(f->dn.published, published - 60);
	/* A restart reads the moved time. (This test's clock did not move:
	 * a time a day ahead of it would be taken for a damaged file and the
	 * wait begun again, test_restart_future.) */
	gw_dane_deinit(&f->dn);
	CU_ASSERT_FATAL(gw_dane_setup(&f->dn, f->loop, f->cfg, NULL, false) == GW_OK);
	CU_ASSERT(f->dn.rolling && f->dn.published == published - 60);
	/* Set after that restart: the time it read was written under the
	 * last run's clock, and stays (moved back with a clock that was
	 * ahead at this start, the key would be used too soon). */
	gw_dane_clock_set(&f->dn, -86400);
	CU_ASSERT_EQUAL(f->dn.published, published - 60);
	gw_dane_clock_set(&f->dn, 86400);
	CU_ASSERT_EQUAL(f->dn.published, published - 60);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"a new key's TLSA the zone refuses: tried again, waited from then",
	     test_rollover_unpublished},
	    {"a restart before the zone took it waits from the start", test_restart_unpublished},
	    {"a time of publication far ahead: the wait begins again", test_restart_future},
	    {"the switch's change refused: tried again", test_switch_unpublished},
	    {"records held with a reload and lost: tried again", test_hold_lost},
	    {"the wall clock set while a key waits", test_clock_set},
	    {NULL, NULL},
	};
	return gw_test_suite("dane", tests);
}
