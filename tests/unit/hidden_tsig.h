/* Messages with TSIG records hidden from a reader that goes by RDLENGTH
 * (gateway/query/wire.c) and seen by ldns, which reads an AFSDB's rdata
 * by its fields and the octets after them as the next record. ldns keeps
 * the last TSIG record it reads and leaks the others (zones/pkt.c refuses
 * such messages first); the ASan build sees the leak, the plain build the
 * answer that a refused message gives. Header-only. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ldns/util.h>

#include "cunit.h"

/* A TSIG record for key xfr. with an empty MAC: ldns reads it whole. */
static const uint8_t HIDDEN_TSIG_RR[] = {
    3,    'x',  'f',  'r',  0,    0x00, 0xfa, 0x00, 0xff, 0,   0,   0,   0, 0, 29, /* head */
    11,   'h',  'm',  'a',  'c',  '-',  's',  'h',  'a',  '2', '5', '6', 0,        /* algorithm */
    0x00, 0x00, 0x65, 0x53, 0xf1, 0x00, 0x01, 0x2c, /* time signed, fudge */
    0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x00, /* MAC size 0, ID, error, other 0 */
};

/* Insert at the offset at of msg (*len octets, room for cap) the
 * additional records that hide two TSIG records: an AFSDB whose rdata
 * holds, after its fields, HIDDEN_TSIG_RR twice, then three A records
 * that keep ARCOUNT high enough for ldns to read both (it drops each
 * TSIG record it reads from ARCOUNT). ARCOUNT grows by 4;
 * at is the end of the records before the additional ones, or the start
 * of a TSIG record that stays last. */
static inline void hide_tsig(uint8_t *msg, size_t *len, size_t cap, size_t at)
{
	static const uint8_t afsdb_head[] = {0, 0x00, 0x12, 0x00, 0x01, 0, 0, 0, 0};
	static const uint8_t afsdb_fields[] = {0x00, 0x01, 1, 'a', 0};
	static const uint8_t a_rr[] = {0, 0x00, 0x01, 0x00, 0x01, 0, 0, 0,
	                               0, 0x00, 0x04, 192,  0,    2, 1};
	uint8_t add[256];
	size_t n = 0;
	size_t rdlen = sizeof(afsdb_fields) + 2 * sizeof(HIDDEN_TSIG_RR);
	memcpy(add, afsdb_head, sizeof(afsdb_head));
	n = sizeof(afsdb_head);
	ldns_write_uint16(add + n, (uint16_t)rdlen);
	n += 2;
	memcpy(add + n, afsdb_fields, sizeof(afsdb_fields));
	n += sizeof(afsdb_fields);
	for (int i = 0; i < 2; i++, n += sizeof(HIDDEN_TSIG_RR))
		memcpy(add + n, HIDDEN_TSIG_RR, sizeof(HIDDEN_TSIG_RR));
	for (int i = 0; i < 3; i++, n += sizeof(a_rr))
		memcpy(add + n, a_rr, sizeof(a_rr));
	CU_ASSERT_FATAL(n <= sizeof(add) && at <= *len && *len + n <= cap);
	memmove(msg + at + n, msg + at, *len - at);
	memcpy(msg + at, add, n);
	*len += n;
	ldns_write_uint16(msg + 10, (uint16_t)(ldns_read_uint16(msg + 10) + 4));
}
