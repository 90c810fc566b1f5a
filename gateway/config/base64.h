/* Base64 (RFC 4648 section 4, with padding) for TSIG secrets. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decode text (len octets; blanks and line breaks between groups are
 * skipped) into out (cap octets). Returns the decoded length, GW_EPARSE
 * for text that is not base64 (a bad character, a wrong length, padding
 * in the middle or bits set past the end), or GW_ESPACE. */
int gw_base64_decode(const char *text, size_t len, uint8_t *out, size_t cap);
