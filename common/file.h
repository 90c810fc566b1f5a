/* Durable file writes for state that must survive kill -9 and power loss,
 * and the reads of whole files, private ones (secrets, keys) included. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Writes the content of a file into fp. Returns GW_OK or a GW_* code. */
typedef int (*gw_file_fill_fn)(FILE *fp, const void *arg);

/* Replace path with what fill writes, atomically: a temporary file
 * ".<name>.tmp.XXXXXX" in the same directory, created with O_EXCL and mode
 * 0600 (then set to mode, so a private file is never readable by others,
 * not even for a moment), fsync, rename over path, fsync of the directory.
 * A crash leaves the old file or the new one, and at worst a temporary file
 * (gw_file_is_temp()). Logs a failure with the path. Returns GW_OK, -errno,
 * GW_EIO or fill's error; GW_OK whenever the new file is in place (a
 * failed fsync of the directory after the rename is logged as a warning). */
int gw_file_write_with(const char *path, mode_t mode, gw_file_fill_fn fill, const void *arg);

/* gw_file_write_with() for len octets of data. */
int gw_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* gw_file_write_with(), unless path is already a regular file of that
 * mode holding exactly what fill writes: then nothing is written, so that
 * a start that finds its output files current needs no disk space.
 * *written (may be NULL) says which. Same returns. */
int gw_file_update_with(const char *path, mode_t mode, gw_file_fill_fn fill, const void *arg,
                        bool *written);

/* True when name (no directory) is a temporary file of gw_file_write_with(). */
bool gw_file_is_temp(const char *name);

/* Remove the temporary files of gw_file_write_with() that an interrupted
 * write left in dir (regular files only, each logged; the first 10000
 * entries looked at): a mirror's state among them may be hundreds of MB,
 * and a crash each time would add one. dir itself is not followed if it
 * is a link (-ENOTDIR). Returns how many, 0 when dir does not exist, or
 * -errno. Only while no other writer uses dir. */
int gw_file_remove_temps(const char *dir);

/* fsync a directory / the directory holding path, so that a rename or a new
 * entry in it is durable. GW_OK or -errno. */
int gw_file_sync_dir(const char *dir);
int gw_file_sync_parent(const char *path);

/* Open path for reading, and only if it is a regular file: every file the
 * daemon reads goes through here. The open does not wait (O_NONBLOCK,
 * cleared once the file is known to be regular), so that a FIFO planted
 * in a file's place is refused rather than hanging the daemon until
 * someone writes to it; a device or a directory is refused too.
 * extra_flags are added to O_RDONLY | O_CLOEXEC (e.g. O_NOFOLLOW). On
 * success *fd is open (caller closes it), and *st (may be NULL) holds its
 * fstat(2), as it does on GW_ENOTFILE (what the file was, for a message).
 * Logs nothing. GW_OK, -errno, GW_ENOTFILE. */
int gw_file_open_regular(const char *path, int extra_flags, int *fd, struct stat *st);

/* As gw_file_open_regular(), and a FIFO (a pipe from the shell) is taken
 * too: the open then waits for a writer, so only where a wait stops
 * nothing (at the start, or beside the loop). A device or a directory is
 * refused. GW_OK, -errno, GW_ENOTFILE. */
int gw_file_open_regular_or_fifo(const char *path, int *fd, struct stat *st);

/* gw_file_open_regular() as a stdio stream, "r". */
int gw_file_fopen_regular(const char *path, FILE **out);

/* gw_file_fopen_regular() for a reader that takes a file of any length
 * into memory (OpenSSL's PEM readers): a file larger than max octets is
 * refused by its size before it is read, GW_ELIMIT. */
int gw_file_fopen_regular_max(const char *path, size_t max, FILE **out);

/* A directory inside the state directory (keys/, tls/, zones/, a zone's
 * own) must be the directory itself: a symbolic link there would take the
 * daemon's writes, some made as root at start, wherever whoever can write
 * the state directory points it. GW_OK when path is not a symbolic link
 * (or does not exist yet), GW_EPERM (logged with the path) when it is. */
int gw_file_refuse_link(const char *path);

/* fd (owned: closed on failure) as a stdio stream for reading, *out.
 * GW_OK or -errno. */
int gw_file_fdopen(int fd, FILE **out);

/* The end of a message about a file the daemon could not open with errno
 * err: when it was refused (EACCES) and the daemon is not root, which uid
 * must be able to read it ("; the daemon runs as uid 107, which must be
 * able to read it"), else "". The files the daemon reads (configuration,
 * zone files, TLS key) are read as the user it became, at the start as at
 * every reload. Written into buf (len octets), which is returned. */
const char *gw_file_unreadable_hint(char *buf, size_t len, int err);

/* Read at most max octets of path into a new NUL-terminated buffer (caller
 * frees *out); *len gets the length. -ENOENT when missing, GW_ENOTFILE
 * when not a regular file, GW_ELIMIT when larger than max, -errno
 * otherwise. */
int gw_file_read(const char *path, size_t max, char **out, size_t *len);

/* gw_file_read() on a stream the caller opened (and closes): a file
 * whose size is past max is refused before it is read, any other read to
 * its end, at most max octets. GW_OK, GW_ELIMIT, GW_ENOMEM, GW_EIO or
 * -errno (fstat). */
int gw_file_read_stream(FILE *fp, size_t max, char **out, size_t *len);

/* gw_file_read_stream() for a file that may hold secrets (a configuration
 * with TSIG keys, read from a pipe, whose size is not known before):
 * fp, not yet read from, is made unbuffered so that no copy stays in
 * stdio's buffer, and each buffer the file outgrows is cleared before it
 * is freed. The caller clears *out (explicit_bzero()) before freeing it.
 * Same returns. */
int gw_file_read_stream_private(FILE *fp, size_t max, char **out, size_t *len);

/* Open path for reading as a private file: a regular file that group and
 * others can neither read nor write. extra_flags are added to
 * O_RDONLY | O_CLOEXEC (e.g. O_NOFOLLOW). On success *fd is open (caller
 * closes it); *mode gets the file's permission bits on success and on
 * GW_EPERM, for the caller's message. Logs nothing. Returns GW_OK, -errno
 * when open(2) fails, GW_ENOTFILE when it is not a regular file,
 * GW_EPERM when group or others may read or write it. */
int gw_file_open_private(const char *path, int extra_flags, int *fd, mode_t *mode);

/* Whether a file with the mode and owner in st may hold a secret shared
 * with one group: private (no permission for group or others), or owned
 * by root, readable by its group and nothing more (0640 root:GROUP, as a
 * configuration the daemon's user re-reads but must not change). The
 * caller checks that GROUP is the daemon's own. */
bool gw_file_secret_mode_ok(const struct stat *st);

/* gw_file_open_private() that also takes a file gw_file_secret_mode_ok()
 * allows; *st gets the file's status on success and on GW_EPERM. */
int gw_file_open_secret(const char *path, int *fd, struct stat *st);

/* Read len octets from fd into buf: at offset off (pread()) or, when off
 * is negative, from the file's position (read()). Fewer only at the end
 * of the file; *got gets the count. Retries on EINTR. GW_OK or -errno when
 * a read fails (buf may then hold part of the data). */
int gw_file_read_full(int fd, void *buf, size_t len, off_t off, size_t *got);

/* Read fd to its end into buf, which holds max + 1 octets: the content and
 * a NUL after it; *len gets the length. Retries on EINTR. Returns GW_OK,
 * GW_ELIMIT when there is more than max octets, -errno when a read fails.
 * On failure buf may hold part of the file (a caller reading a secret
 * clears it). */
int gw_file_read_fd(int fd, char *buf, size_t max, size_t *len);
