/* common/: UTF-8 as RFC 3629 defines it (labels, patterns, text shown). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Octets in the well-formed UTF-8 sequence at p (n >= 1 octets left): 1
 * for ASCII, 2..4 for a multi-octet sequence, 0 when it is not one
 * (overlong forms, surrogates, past U+10FFFF, cut short). */
size_t gw_utf8_len(const uint8_t *p, size_t n);

/* True when the n octets at p are well-formed UTF-8 with no control
 * character (C0, DEL). */
bool gw_utf8_printable(const uint8_t *p, size_t n);
