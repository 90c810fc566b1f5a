/* dnssec/keyfile.h: files of the key store, internal to dnssec/ (key.c,
 * keystore.c). Private key files and key state must survive crashes and
 * must not be readable by anyone but the daemon's user. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* Writes the content of a file into fp. Returns GW_OK or a GW_* code. */
typedef int (*sig_file_fill_t)(FILE *fp, const void *arg);

/* Replace path with what fill writes, atomically: a temporary file
 * ".<name>.tmp.XXXXXX" in the same directory, created with O_EXCL and
 * mode 0600 (then set to mode), fsync, rename over path, fsync of the
 * directory. A crash leaves the old file or the new one, and at worst a
 * temporary file that readers ignore. Logs a failure with the path.
 * Returns GW_OK, -errno, GW_EIO or fill's error. */
int sig_file_write_atomic(const char *path, mode_t mode, sig_file_fill_t fill, const void *arg);

/* True when name (no directory) is a temporary file of
 * sig_file_write_atomic(). */
bool sig_file_is_temp(const char *name);

/* fsync a directory, so that a rename or a new entry in it is durable.
 * Returns GW_OK or -errno. */
int sig_file_sync_dir(const char *dir);

/* Open a private file for reading: it must be a regular file with no
 * permission for group or others (GW_EPERM, logged with the path, the mode
 * and the chmod that fixes it; GW_EKEY when not a regular file, logged).
 * A file that cannot be opened is -errno, not logged (callers add their
 * context). On success *out is open for reading; caller fcloses it. */
int sig_file_open_private(FILE **out, const char *path);
