/* What the code under test logs, captured: the log goes to stderr, and
 * stderr to a temporary file, between log_capture_start() and
 * log_capture_end(). Header-only, for the unit suites. */
#pragma once

#include <stdio.h>
#include <unistd.h>

#include "common/log.h"
#include "cunit.h"

typedef struct log_capture {
	FILE *tmp;
	int saved; /* the real stderr */
} log_capture_t;

static inline void log_capture_start(log_capture_t *c)
{
	c->tmp = tmpfile();
	c->saved = dup(STDERR_FILENO);
	CU_ASSERT_FATAL(c->tmp != NULL && c->saved >= 0);
	fflush(stderr);
	dup2(fileno(c->tmp), STDERR_FILENO);
	gw_log_set_stderr(true);
}

/* Ends the capture: what was logged into log (len octets, terminated). */
static inline void log_capture_end(log_capture_t *c, char *log, size_t len)
{
	fflush(stderr);
	gw_log_set_stderr(false);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->tmp);
	size_t n = fread(log, 1, len - 1, c->tmp);
	log[n] = '\0';
	fclose(c->tmp);
}
