/* DNS Stateful Operations messages (RFC 8490) and the TLVs of DNS Push
 * (RFC 8765): a strict reader and a small writer. Pure functions over
 * octets, no state: the fuzz target calls the reader directly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GW_DSO_OPCODE    6
#define GW_DSO_HEADER    12
#define GW_DSO_DSOTYPENI 11 /* RFC 8490 10.2: DSO-TYPE not implemented */

/* TLV types (RFC 8490 10.3, RFC 8765 10.1). */
enum {
	GW_DSO_KEEPALIVE = 0x0001,
	GW_DSO_RETRY_DELAY = 0x0002,
	GW_DSO_PADDING = 0x0003,
	GW_DSO_SUBSCRIBE = 0x0040,
	GW_DSO_PUSH = 0x0041,
	GW_DSO_UNSUBSCRIBE = 0x0042,
	GW_DSO_RECONFIRM = 0x0043,
};

/* TTLs of deletions in a PUSH (RFC 8765 6.3.1). */
#define GW_PUSH_TTL_DELETE_RR  0xFFFFFFFFu /* this RR, class as usual */
#define GW_PUSH_TTL_DELETE_SET 0xFFFFFFFEu /* class ANY: the RRset, or all of the name */

typedef struct gw_dso_tlv {
	uint16_t type;
	uint16_t len;
	const uint8_t *data; /* borrowed: inside the message */
} gw_dso_tlv_t;

/* A DSO message as read. */
typedef struct gw_dso_msg {
	uint16_t id;
	bool response; /* QR */
	uint8_t rcode;
	bool has_primary;     /* at least one TLV (the first is the primary) */
	gw_dso_tlv_t primary; /* borrowed */
	unsigned additional;  /* TLVs after the primary */
	bool padded;          /* an ENCRYPTION PADDING TLV among them (RFC 8490 7.3) */
} gw_dso_msg_t;

/* Read the DSO message pkt (len octets, no TCP length prefix): a 12-octet
 * header with opcode 6 and the four counts zero (RFC 8490 5.4), then whole
 * TLVs to the last octet. A request (QR 0) needs a primary TLV; ENCRYPTION
 * PADDING may not be one (RFC 8490 7.3). GW_OK, or GW_EMALFORMED (*out
 * then holds the header fields read, id included, when len >= 12). */
int gw_dso_read(const uint8_t *pkt, size_t len, gw_dso_msg_t *out);

/* KEEPALIVE data (RFC 8490 7.1): two 32-bit millisecond counts.
 * GW_OK or GW_EMALFORMED (length other than 8). */
int gw_dso_keepalive_read(const gw_dso_tlv_t *tlv, uint32_t *inactivity_ms, uint32_t *keepalive_ms);

/* SUBSCRIBE data (RFC 8765 6.2): an uncompressed name (written to name,
 * room for 255 octets), TYPE and CLASS, and nothing after. GW_OK or
 * GW_EMALFORMED. */
int gw_push_subscribe_read(const gw_dso_tlv_t *tlv, uint8_t *name, uint16_t *type,
                           uint16_t *rrclass);

/* UNSUBSCRIBE data (RFC 8765 6.4): the SUBSCRIBE's message ID (nonzero).
 * GW_OK or GW_EMALFORMED. */
int gw_push_unsubscribe_read(const gw_dso_tlv_t *tlv, uint16_t *id);

/* RECONFIRM data (RFC 8765 6.5): name, TYPE, CLASS, RDATA (the rest of the
 * TLV, at least one octet; *rdata borrowed). Type and class may not be
 * ANY. GW_OK or GW_EMALFORMED. */
int gw_push_reconfirm_read(const gw_dso_tlv_t *tlv, uint8_t *name, uint16_t *type,
                           uint16_t *rrclass, const uint8_t **rdata, uint16_t *rdlen);

/* Writer: a DSO header at out (cap >= 12): id, QR per response, rcode.
 * Returns 12, or 0 when cap is short. */
size_t gw_dso_begin(uint8_t *out, size_t cap, uint16_t id, bool response, uint8_t rcode);

/* Append a TLV of type with len octets of data (may be NULL when len is
 * 0) at out + *off; GW_OK or GW_ESPACE (nothing written). */
int gw_dso_tlv_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, const uint8_t *data,
                   uint16_t len);

/* Append a KEEPALIVE or RETRY DELAY TLV (RFC 8490 7.1, 7.2). */
int gw_dso_keepalive_put(uint8_t *out, size_t cap, size_t *off, uint32_t inactivity_ms,
                         uint32_t keepalive_ms);
int gw_dso_retry_delay_put(uint8_t *out, size_t cap, size_t *off, uint32_t delay_ms);

/* Append an ENCRYPTION PADDING TLV (RFC 8490 7.3) that makes the message
 * (*off octets so far) a multiple of block octets (RFC 8467: 468 for
 * responses). GW_OK or GW_ESPACE. */
int gw_dso_padding_put(uint8_t *out, size_t cap, size_t *off, size_t block);
