/* TSIG secrets as the configuration holds them: base64 text (RFC 4648
 * section 4, with padding), decoded by ldns. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Decode text (len octets; blanks and line breaks anywhere are skipped)
 * into out (cap octets). Strict: returns the decoded length, GW_EPARSE for
 * text that is not base64 (a bad character, a wrong length, padding in the
 * middle or bits set past the end), GW_ESPACE when the secret is longer
 * than cap (or the text 32 KiB or longer), or GW_ENOMEM. */
int gw_config_secret_decode(const char *text, size_t len, uint8_t *out, size_t cap);
