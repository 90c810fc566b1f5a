#include "common/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"

static gw_log_level_t g_level = GW_LOG_INFO;
static bool g_syslog = false;
static bool g_stderr = true;

static const char *const g_names[] = {"error", "warning", "notice", "info", "debug"};
static const int g_syslog_prio[] = {LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG};

void gw_log_set_level(gw_log_level_t level)
{
	g_level = level;
}

gw_log_level_t gw_log_get_level(void)
{
	return g_level;
}

int gw_log_level_parse(const char *text, gw_log_level_t *out)
{
	for (size_t i = 0; i < sizeof(g_names) / sizeof(g_names[0]); i++) {
		if (strcasecmp(text, g_names[i]) == 0) {
			*out = (gw_log_level_t)i;
			return GW_OK;
		}
	}
	return GW_EINVAL;
}

void gw_log_open_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	g_syslog = true;
}

void gw_log_close_syslog(void)
{
	if (g_syslog)
		closelog();
	g_syslog = false;
}

void gw_log_set_stderr(bool enabled)
{
	g_stderr = enabled;
}

bool gw_log_enabled(gw_log_level_t level)
{
	return level <= g_level;
}

/* One line: fmt, then suffix (may be ""). */
__attribute__((format(printf, 3, 0))) static void vlog(gw_log_level_t level, const char *suffix,
                                                       const char *fmt, va_list ap)
{
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, "%s", suffix);
	/* Lines carry text peers chose (a Host header, a name from a packet
	 * or a link): a newline there would forge a line of its own, an
	 * escape would reach the terminal of whoever reads the log. UTF-8
	 * (octets from 0x80) stays. */
	for (char *p = msg; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	}

	if (g_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		/* One fprintf per line so concurrent writers do not interleave. */
		fprintf(stderr, "%s.%03ldZ %s: %s\n", stamp, ts.tv_nsec / 1000000, g_names[level],
		        msg);
	}
	if (g_syslog)
		syslog(g_syslog_prio[level], "%s", msg);
}

void gw_log(gw_log_level_t level, const char *fmt, ...)
{
	if (level > g_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(level, "", fmt, ap);
	va_end(ap);
}

bool gw_log_limit_pass(gw_log_limit_t *lim, uint64_t now_ns, uint64_t *suppressed)
{
	uint32_t burst = lim->burst ? lim->burst : 1;
	if (lim->started && now_ns < lim->next_ns) {
		if (lim->used >= burst) {
			lim->suppressed++;
			return false;
		}
		lim->used++;
	} else {
		lim->started = true;
		lim->used = 1;
		lim->next_ns =
		    now_ns + (lim->interval_ns ? lim->interval_ns : GW_LOG_LIMIT_INTERVAL_NS);
	}
	*suppressed = lim->suppressed;
	lim->suppressed = 0;
	return true;
}

void gw_log_limited(gw_log_limit_t *lim, gw_log_level_t level, const char *fmt, ...)
{
	uint64_t dropped = 0;
	if (level > g_level || !gw_log_limit_pass(lim, gw_clock_mono_ns(), &dropped))
		return;
	char suffix[64] = "";
	if (dropped > 0)
		snprintf(suffix, sizeof(suffix), " (%" PRIu64 " similar lines suppressed)",
		         dropped);
	va_list ap;
	va_start(ap, fmt);
	vlog(level, suffix, fmt, ap);
	va_end(ap);
}
