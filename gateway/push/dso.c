/* The DSO reader is strict because every octet comes from a client that
 * holds a long-lived connection: anything the RFCs do not allow is
 * GW_EMALFORMED, and the session code answers FORMERR and closes. */
#include "gateway/push/dso.h"

#include <string.h>
#include <ldns/util.h>

#include "common/error.h"

int gw_dso_read(const uint8_t *pkt, size_t len, gw_dso_msg_t *out)
{
	memset(out, 0, sizeof(*out));
	if (len < GW_DSO_HEADER)
		return GW_EMALFORMED;
	out->id = ldns_read_uint16(pkt);
	out->response = (pkt[2] & 0x80) != 0;
	out->rcode = pkt[3] & 0x0f;
	if (((pkt[2] >> 3) & 0x0f) != GW_DSO_OPCODE)
		return GW_EMALFORMED;
	/* RFC 8490 5.4: no question, answer, authority or additional
	 * records in a DSO message. */
	for (size_t i = 4; i < GW_DSO_HEADER; i++)
		if (pkt[i] != 0)
			return GW_EMALFORMED;
	size_t off = GW_DSO_HEADER;
	while (off < len) {
		if (len - off < 4)
			return GW_EMALFORMED;
		gw_dso_tlv_t t = {ldns_read_uint16(pkt + off), ldns_read_uint16(pkt + off + 2),
		                  pkt + off + 4};
		if (len - off - 4 < t.len)
			return GW_EMALFORMED;
		/* A response need not carry a primary TLV (a SUBSCRIBE's has
		 * none, RFC 8765 6.2): padding first is then an additional
		 * TLV. In a request it cannot be the primary (RFC 8490 7.3). */
		bool primary = !out->has_primary && out->additional == 0 &&
		               !(out->response && t.type == GW_DSO_PADDING);
		if (primary) {
			out->primary = t;
			out->has_primary = true;
		} else {
			out->additional++;
			if (t.type == GW_DSO_PADDING)
				out->padded = true;
		}
		off += 4 + (size_t)t.len;
	}
	if (!out->response && !out->has_primary)
		return GW_EMALFORMED;
	if (out->has_primary && out->primary.type == GW_DSO_PADDING)
		return GW_EMALFORMED;
	return GW_OK;
}

int gw_dso_keepalive_read(const gw_dso_tlv_t *tlv, uint32_t *inactivity_ms, uint32_t *keepalive_ms)
{
	if (tlv->len != 8)
		return GW_EMALFORMED;
	*inactivity_ms =
	    (uint32_t)ldns_read_uint16(tlv->data) << 16 | ldns_read_uint16(tlv->data + 2);
	*keepalive_ms =
	    (uint32_t)ldns_read_uint16(tlv->data + 4) << 16 | ldns_read_uint16(tlv->data + 6);
	return GW_OK;
}

/* An uncompressed name at the start of data (len octets): its length, or
 * 0 when it is not one (a compression pointer, a label past the end, over
 * 255 octets). */
static size_t name_len(const uint8_t *data, size_t len)
{
	size_t off = 0;
	for (;;) {
		if (off >= len)
			return 0;
		uint8_t l = data[off];
		if (l > 63)
			return 0;
		off += 1 + (size_t)l;
		if (off > 255)
			return 0;
		if (l == 0)
			return off;
	}
}

int gw_push_subscribe_read(const gw_dso_tlv_t *tlv, uint8_t *name, uint16_t *type,
                           uint16_t *rrclass)
{
	size_t n = name_len(tlv->data, tlv->len);
	if (n == 0 || tlv->len != n + 4)
		return GW_EMALFORMED;
	memcpy(name, tlv->data, n);
	*type = ldns_read_uint16(tlv->data + n);
	*rrclass = ldns_read_uint16(tlv->data + n + 2);
	return GW_OK;
}

int gw_push_unsubscribe_read(const gw_dso_tlv_t *tlv, uint16_t *id)
{
	if (tlv->len != 2)
		return GW_EMALFORMED;
	*id = ldns_read_uint16(tlv->data);
	return *id != 0 ? GW_OK : GW_EMALFORMED;
}

int gw_push_reconfirm_read(const gw_dso_tlv_t *tlv, uint8_t *name, uint16_t *type,
                           uint16_t *rrclass, const uint8_t **rdata, uint16_t *rdlen)
{
	size_t n = name_len(tlv->data, tlv->len);
	if (n == 0 || tlv->len < n + 5)
		return GW_EMALFORMED;
	memcpy(name, tlv->data, n);
	*type = ldns_read_uint16(tlv->data + n);
	*rrclass = ldns_read_uint16(tlv->data + n + 2);
	*rdata = tlv->data + n + 4;
	*rdlen = (uint16_t)(tlv->len - n - 4);
	/* RFC 8765 6.5: one specific record. */
	if (*type == 255 || *rrclass == 255)
		return GW_EMALFORMED;
	return GW_OK;
}

size_t gw_dso_begin(uint8_t *out, size_t cap, uint16_t id, bool response, uint8_t rcode)
{
	if (cap < GW_DSO_HEADER)
		return 0;
	memset(out, 0, GW_DSO_HEADER);
	ldns_write_uint16(out, id);
	out[2] = (uint8_t)((response ? 0x80 : 0) | GW_DSO_OPCODE << 3);
	out[3] = rcode & 0x0f;
	return GW_DSO_HEADER;
}

int gw_dso_tlv_put(uint8_t *out, size_t cap, size_t *off, uint16_t type, const uint8_t *data,
                   uint16_t len)
{
	if (cap < *off || cap - *off < 4 + (size_t)len)
		return GW_ESPACE;
	ldns_write_uint16(out + *off, type);
	ldns_write_uint16(out + *off + 2, len);
	if (len > 0)
		memcpy(out + *off + 4, data, len);
	*off += 4 + (size_t)len;
	return GW_OK;
}

int gw_dso_keepalive_put(uint8_t *out, size_t cap, size_t *off, uint32_t inactivity_ms,
                         uint32_t keepalive_ms)
{
	uint8_t d[8];
	ldns_write_uint32(d, inactivity_ms);
	ldns_write_uint32(d + 4, keepalive_ms);
	return gw_dso_tlv_put(out, cap, off, GW_DSO_KEEPALIVE, d, sizeof(d));
}

int gw_dso_retry_delay_put(uint8_t *out, size_t cap, size_t *off, uint32_t delay_ms)
{
	uint8_t d[4];
	ldns_write_uint32(d, delay_ms);
	return gw_dso_tlv_put(out, cap, off, GW_DSO_RETRY_DELAY, d, sizeof(d));
}

int gw_dso_padding_put(uint8_t *out, size_t cap, size_t *off, size_t block)
{
	size_t pad = (block - (*off + 4) % block) % block;
	if (cap < *off || cap - *off < 4 + pad)
		return GW_ESPACE;
	ldns_write_uint16(out + *off, GW_DSO_PADDING);
	ldns_write_uint16(out + *off + 2, (uint16_t)pad);
	/* RFC 8490 7.3: zero octets, as RFC 7830 pads. */
	memset(out + *off + 4, 0, pad);
	*off += 4 + pad;
	return GW_OK;
}
