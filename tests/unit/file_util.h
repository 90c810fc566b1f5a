/* Files for unit tests: copies of the test data, with the mode a test
 * needs (git keeps every file 0644). Header-only. */
#pragma once

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cunit.h"

/* Copy src to dst (created or truncated) and give dst mode; a missing src
 * says where the test data is looked for. Fails the test on any error. */
static inline void copy_file(const char *src, const char *dst, mode_t mode)
{
	FILE *in = fopen(src, "rb");
	if (in == NULL)
		fprintf(stderr, "\ncannot open %s; run from the source tree or set GW_TEST_DATA\n",
		        src);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	int fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC, mode);
	CU_ASSERT_FATAL(fd >= 0);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		CU_ASSERT_FATAL(write(fd, buf, n) == (ssize_t)n);
	fclose(in);
	CU_ASSERT_FATAL(fchmod(fd, mode) == 0);
	close(fd);
}
