/* Durations in configuration text: a whole number followed by a unit,
 * "500ms", "30s", "5m", "2h", "14d", or a bare whole number meaning
 * seconds. Values are kept in milliseconds everywhere in the daemon. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Parse text into milliseconds. No sign, no fraction, no space, one unit
 * (lowercase ms, s, m, h or d). Returns GW_OK and sets *out_ms, GW_EINVAL
 * when the text is not a duration, GW_ELIMIT when the value does not fit in
 * 64 bits of milliseconds. *out_ms is untouched on error. */
int gw_duration_parse(const char *text, uint64_t *out_ms);

/* Write ms with the largest unit that divides it exactly ("14d", "90s",
 * "1500ms"; 0 gives "0s") into buf of size len, NUL-terminated. The result
 * parses back to ms. Returns GW_OK or GW_ESPACE (buf then holds a truncated,
 * still terminated string). */
int gw_duration_format(uint64_t ms, char *buf, size_t len);
