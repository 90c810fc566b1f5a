/* Durable file writes for state that must survive kill -9 and power loss. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Replace path with len octets of data, atomically: write a temporary file
 * beside it (created with mode), fsync it, rename it over path, fsync the
 * directory. A reader sees the old content or the new one, never a mix.
 * GW_OK or -errno (the temporary file is removed on failure). */
int gw_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Read at most max octets of path into a new NUL-terminated buffer (caller
 * frees *out); *len gets the length. -ENOENT when missing, GW_ELIMIT when
 * larger than max, -errno otherwise. */
int gw_file_read(const char *path, size_t max, char **out, size_t *len);
