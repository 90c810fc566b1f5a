/* Helpers for the journal suites that write <state>/journal by hand:
 * the CRC-32 its records carry, written here independently of
 * gateway/journal/ so that the tests check the format, not the code
 * against itself (its 32-bit numbers are read with ldns's reader). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <ldns/util.h>

/* CRC-32 (IEEE 802.3) bit by bit, as the file's records carry it. */
static inline uint32_t crc32_bits(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < len; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* v, most significant octet first, at p; returns 4. */
static inline size_t put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* The whole file at path (malloc'ed, caller frees) and its size; NULL
 * when it cannot be read. */
static inline uint8_t *tfile_read(const char *path, size_t *size)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n = -1;
	if (fp != NULL && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 &&
	    fseek(fp, 0, SEEK_SET) == 0)
		buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (fp != NULL)
		fclose(fp);
	*size = buf != NULL ? (size_t)n : 0;
	return buf;
}
