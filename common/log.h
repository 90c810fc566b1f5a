/* Logging to stderr and, once opened, to syslog. Not thread-safe beyond
 * what stdio and syslog give: one line is written with one call. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum {
	GW_LOG_ERR = 0,
	GW_LOG_WARNING = 1,
	GW_LOG_NOTICE = 2,
	GW_LOG_INFO = 3,
	GW_LOG_DEBUG = 4,
} gw_log_level_t;

/* Set the most verbose level written (default GW_LOG_INFO). */
void gw_log_set_level(gw_log_level_t level);
gw_log_level_t gw_log_get_level(void);

/* Parse "error", "warning", "notice", "info", "debug". Returns GW_OK and
 * sets *out, or GW_EINVAL. */
int gw_log_level_parse(const char *text, gw_log_level_t *out);

/* Also write to syslog under ident (static string, kept by reference). */
void gw_log_open_syslog(const char *ident);
void gw_log_close_syslog(void);

/* Silence stderr (syslog, if open, still receives lines); for unit tests
 * that exercise error paths on purpose. */
void gw_log_set_stderr(bool enabled);

bool gw_log_enabled(gw_log_level_t level);

void gw_log(gw_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define gw_err(...)    gw_log(GW_LOG_ERR, __VA_ARGS__)
#define gw_warn(...)   gw_log(GW_LOG_WARNING, __VA_ARGS__)
#define gw_notice(...) gw_log(GW_LOG_NOTICE, __VA_ARGS__)
#define gw_info(...)   gw_log(GW_LOG_INFO, __VA_ARGS__)
#define gw_debug(...)                                                                              \
	do {                                                                                       \
		if (gw_log_enabled(GW_LOG_DEBUG))                                                  \
			gw_log(GW_LOG_DEBUG, __VA_ARGS__);                                         \
	} while (0)

/* Lines that a remote peer can trigger (one per packet or connection) go
 * through a limiter: at most one line per interval from it, and the next
 * line written says how many were dropped in between, so a flood costs a
 * line every few seconds instead of one per packet. The caller owns the
 * limiter, usually a static at the call site; zero-initialised it uses
 * GW_LOG_LIMIT_INTERVAL_NS. */
#define GW_LOG_LIMIT_INTERVAL_NS (10ULL * 1000000000ULL)

typedef struct gw_log_limit {
	uint64_t interval_ns; /* 0: GW_LOG_LIMIT_INTERVAL_NS */
	uint32_t burst;       /* lines written per interval; 0: 1 */
	uint32_t used;        /* lines written in the current interval */
	uint64_t next_ns;     /* monotonic time the current interval ends */
	uint64_t suppressed;  /* lines dropped since the last one written */
	bool started;         /* a line was written (next_ns is valid) */
} gw_log_limit_t;

/* The initialiser of a limiter that lets n lines a second through, for
 * lines whose bursts are normal work (a transfer each, a debug line)
 * but which a peer could repeat without end. */
#define GW_LOG_LIMIT_PER_SECOND(n)                                                                 \
	{                                                                                          \
		.interval_ns = 1000000000ULL, .burst = (n)                                         \
	}

/* Whether a line may be written at now_ns (gw_clock_mono_ns()). When it
 * may, *suppressed gets the number dropped since the previous line and the
 * count restarts; when not, the drop is counted. */
bool gw_log_limit_pass(gw_log_limit_t *lim, uint64_t now_ns, uint64_t *suppressed);

/* gw_log() through lim; a line written after drops ends with
 * "(N similar lines suppressed)". Lines above the log level are neither
 * written nor counted. */
void gw_log_limited(gw_log_limit_t *lim, gw_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A debug line a peer can trigger (Avahi's own debug output on a packet
 * from the link, a failed TLS handshake). Debug is for diagnosis, so the
 * limit is looser than the one line per 10 s of the other levels, but a
 * flood still costs a bounded number of lines: at most
 * GW_LOG_DEBUG_BURST a second from each call site (each expansion has its
 * own limiter; the callers run on the main loop's thread). The arguments
 * are not evaluated unless debug is on. */
#define GW_LOG_DEBUG_BURST 20

#define gw_debug_limited(...)                                                                      \
	do {                                                                                       \
		static gw_log_limit_t gw_debug_lim_ = GW_LOG_LIMIT_PER_SECOND(GW_LOG_DEBUG_BURST); \
		if (gw_log_enabled(GW_LOG_DEBUG))                                                  \
			gw_log_limited(&gw_debug_lim_, GW_LOG_DEBUG, __VA_ARGS__);                 \
	} while (0)
