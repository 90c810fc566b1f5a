/* dnssec/keyfile.h: files of the key store, internal to dnssec/ (key.c,
 * keystore.c). Private key files and key state must survive crashes and
 * must not be readable by anyone but the daemon's user. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* The largest key file read: an RSA-4096 key is about 3.3 kB in PEM and
 * in BIND's private format; a BIND .key file holds one DNSKEY. */
#define SIG_KEY_FILE_MAX (64 * 1024)

/* Open a private file for reading: it must be a regular file with no
 * permission for group or others (GW_EPERM, logged with the path, the mode
 * and the chmod that fixes it; GW_EKEY when not a regular file or larger
 * than SIG_KEY_FILE_MAX, logged).
 * With nofollow, a symbolic link in its place is refused too (GW_EKEY,
 * logged): a key of the store is the file in keys/ itself. A file that
 * cannot be opened is -errno, not logged (callers add their context). On
 * success *out is open for reading; caller fcloses it. */
int sig_file_open_private(FILE **out, const char *path, bool nofollow);
