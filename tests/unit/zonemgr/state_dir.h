/* Temporary state directories for the zonemgr/ suites: made per test,
 * filled with small text files, read back, and removed with everything
 * in them. Header-only: included by test_serial_store.c and
 * test_zonemgr.c. */
#pragma once

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit.h"

#define TDIR_MAX 128

/* A new empty directory /tmp/gw-<what>.XXXXXX, its path in dir
 * (TDIR_MAX octets). */
static inline void tdir_make(char *dir, const char *what)
{
	int n = snprintf(dir, TDIR_MAX, "/tmp/gw-%s.XXXXXX", what);
	CU_ASSERT_FATAL(n > 0 && n < TDIR_MAX);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
}

/* dir/name into out (TDIR_MAX octets). */
static inline const char *tdir_path(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, TDIR_MAX, "%s/%s", dir, name);
	CU_ASSERT_FATAL(n > 0 && n < TDIR_MAX);
	return out;
}

/* Replace dir/name with text (not atomically: tests only). */
static inline void tdir_write(const char *dir, const char *name, const char *text)
{
	char path[TDIR_MAX];
	FILE *fp = fopen(tdir_path(path, dir, name), "w");
	CU_ASSERT_FATAL(fp != NULL);
	CU_ASSERT_FATAL(fputs(text, fp) >= 0);
	CU_ASSERT_FATAL(fclose(fp) == 0);
}

/* The content of dir/name in buf (len octets, NUL-terminated); "" when
 * the file cannot be read. */
static inline const char *tdir_read(char *buf, size_t len, const char *dir, const char *name)
{
	char path[TDIR_MAX];
	buf[0] = '\0';
	FILE *fp = fopen(tdir_path(path, dir, name), "r");
	if (fp == NULL)
		return buf;
	size_t n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static inline int tdir_remove_one(const char *path, const struct stat *st, int type,
                                  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove dir and everything below it (best effort). */
static inline void tdir_remove(const char *dir)
{
	nftw(dir, tdir_remove_one, 8, FTW_DEPTH | FTW_PHYS);
}
