/* Logging to stderr and, once opened, to syslog. Not thread-safe beyond
 * what stdio and syslog give: one line is written with one call. */
#pragma once

#include <stdbool.h>

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
