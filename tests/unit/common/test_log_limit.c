/* common/log.c: the limiter for log lines that remote peers trigger. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "cunit.h"

#define SEC 1000000000ULL

static void test_pass(void)
{
	gw_log_limit_t lim = {.interval_ns = 10 * SEC};
	uint64_t dropped = 99;

	/* The first line passes whatever the clock says, with nothing dropped. */
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 5, &dropped));
	CU_ASSERT_EQUAL(dropped, 0);
	/* Within the interval: dropped and counted. */
	for (int i = 0; i < 1000; i++)
		CU_ASSERT_FALSE(gw_log_limit_pass(&lim, 5 + (uint64_t)i * 1000000, &dropped));
	CU_ASSERT_FALSE(gw_log_limit_pass(&lim, 5 + 10 * SEC - 1, &dropped));
	/* At the end of the interval one line passes and reports the drops. */
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 5 + 10 * SEC, &dropped));
	CU_ASSERT_EQUAL(dropped, 1001);
	/* The count restarted; the next interval starts at that line. */
	CU_ASSERT_FALSE(gw_log_limit_pass(&lim, 5 + 19 * SEC, &dropped));
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 5 + 30 * SEC, &dropped));
	CU_ASSERT_EQUAL(dropped, 1);
}

/* A burst of a few lines per interval, then drops, counted. */
static void test_burst(void)
{
	gw_log_limit_t lim = {.interval_ns = 10 * SEC, .burst = 3};
	uint64_t dropped = 99;
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 100 + (uint64_t)i, &dropped));
		CU_ASSERT_EQUAL(dropped, 0);
	}
	for (int i = 0; i < 50; i++)
		CU_ASSERT_FALSE(gw_log_limit_pass(&lim, 200 + (uint64_t)i, &dropped));
	/* A new interval: three more, the first reporting the drops. */
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 100 + 10 * SEC, &dropped));
	CU_ASSERT_EQUAL(dropped, 50);
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 101 + 10 * SEC, &dropped));
	CU_ASSERT_EQUAL(dropped, 0);
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 102 + 10 * SEC, &dropped));
	CU_ASSERT_FALSE(gw_log_limit_pass(&lim, 103 + 10 * SEC, &dropped));
}

static void test_default_interval(void)
{
	gw_log_limit_t lim = {0};
	uint64_t dropped = 0;
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, 0, &dropped));
	CU_ASSERT_FALSE(gw_log_limit_pass(&lim, GW_LOG_LIMIT_INTERVAL_NS - 1, &dropped));
	CU_ASSERT_TRUE(gw_log_limit_pass(&lim, GW_LOG_LIMIT_INTERVAL_NS, &dropped));
	CU_ASSERT_EQUAL(dropped, 1);
}

/* Run fn with stderr going into a pipe; returns what it wrote (static;
 * the lines are short, the pipe holds them). */
static const char *capture(void (*fn)(void))
{
	static char buf[4096];
	int p[2];
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	gw_log_set_stderr(true);
	fn();
	gw_log_set_stderr(false);
	fflush(stderr);
	dup2(saved, STDERR_FILENO); /* the pipe's last writer goes: EOF */
	close(saved);
	size_t len = 0;
	ssize_t k;
	while (len < sizeof(buf) - 1 && (k = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)k;
	close(p[0]);
	buf[len] = '\0';
	return buf;
}

static void flood(void)
{
	static gw_log_limit_t lim = {.interval_ns = SEC / 5};
	for (int i = 0; i < 50; i++)
		gw_log_limited(&lim, GW_LOG_WARNING, "accept failed: %s", "test");
	nanosleep(&(struct timespec){.tv_nsec = 250000000}, NULL);
	gw_log_limited(&lim, GW_LOG_WARNING, "accept failed: %s", "again");
	/* Above the log level: not written, not counted. */
	gw_log_limited(&lim, GW_LOG_DEBUG, "debug %d", 1);
}

static void count_lines(const char *s, int *lines)
{
	*lines = 0;
	for (; *s; s++)
		*lines += *s == '\n';
}

static void test_limited_lines(void)
{
	const char *out = capture(flood);
	int lines = 0;
	count_lines(out, &lines);
	CU_ASSERT_EQUAL(lines, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "warning: accept failed: test\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "accept failed: again (49 similar lines suppressed)\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "debug"));
}

static int g_evaluated;

static const char *evaluated(void)
{
	g_evaluated++;
	return "x";
}

/* One call site, as a packet handler would have it. */
static void debug_line(int i)
{
	gw_debug_limited("invalid packet %d %s", i, evaluated());
}

static void debug_flood(void)
{
	gw_log_set_level(GW_LOG_DEBUG);
	for (int i = 0; i < 100; i++)
		debug_line(i);
	/* The next interval: one more line, which tells the drops. */
	nanosleep(&(struct timespec){.tv_sec = 1, .tv_nsec = 50000000}, NULL);
	debug_line(100);
	gw_log_set_level(GW_LOG_INFO);
	/* Debug off: nothing written, the arguments not evaluated. */
	for (int i = 0; i < 10; i++)
		debug_line(200 + i);
}

static void test_debug_limited(void)
{
	g_evaluated = 0;
	const char *out = capture(debug_flood);
	int lines = 0;
	count_lines(out, &lines);
	CU_ASSERT_EQUAL(lines, GW_LOG_DEBUG_BURST + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "debug: invalid packet 0 x\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "debug: invalid packet 19 x\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "invalid packet 20 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "invalid packet 100 x (80 similar lines suppressed)\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "invalid packet 200"));
	CU_ASSERT_EQUAL(g_evaluated, 101);
}

static void injected(void)
{
	/* A Host header, a name from a packet: what a peer chose. */
	gw_warn("refused Host '%s'", "a\nerror: forged line\r\x1b[31mred\x7f\tz");
}

/* A peer's text in a line cannot start a line of its own or send the
 * terminal escapes: control characters are written as '?'. UTF-8 stays. */
static void test_control_characters(void)
{
	const char *out = capture(injected);
	int lines = 0;
	count_lines(out, &lines);
	CU_ASSERT_EQUAL(lines, 1);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(out, "warning: refused Host 'a?error: forged line??[31mred??z'\n"));
	CU_ASSERT_PTR_NULL(strchr(out, '\x1b'));
}

int gw_test_register(void)
{
	return gw_test_suite("log_limit", (gw_test_t[]){
	                                      {"pass", test_pass},
	                                      {"default interval", test_default_interval},
	                                      {"burst", test_burst},
	                                      {"limited lines", test_limited_lines},
	                                      {"debug lines limited", test_debug_limited},
	                                      {"control characters", test_control_characters},
	                                      {NULL, NULL},
	                                  });
}
