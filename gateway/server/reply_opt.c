/* EDNS options added to a finished reply: why it is an error (Extended
 * DNS Errors, RFC 8914), the server's name (NSID, RFC 5001) and, over
 * TLS, padding (RFC 7830, RFC 8467: over an encrypted transport the
 * length of a reply says which name was asked; padded to a block it says
 * much less). The reply was built by the answerer; its OPT is found with
 * the query reader itself (the reply's QR bit hidden for the call), so no
 * second parser walks our own output. */
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "gateway/query/wire.h"
#include "gateway/server/internal.h"

#define OPTION_HEADER 4
/* Owner (the root), type, class, TTL, then RDLENGTH. */
#define OPT_RDLEN_AT 9

/* The offset of the RDLENGTH of the OPT that ends the reply of n octets,
 * or 0 when the reply does not end in an OPT (none, or a TSIG after it,
 * which an added option would make wrong); *ext gets the upper bits of
 * the reply's rcode the OPT holds (NULL: not wanted). */
static size_t last_opt_rdlen(uint8_t *msg, size_t n, size_t cap, uint8_t *ext)
{
	gw_query_t q;
	uint8_t rcode = 0;
	if (n < DNS_HEADER_LEN || n > cap || cap > GW_TCP_MAXMSG)
		return 0;
	uint8_t flags = msg[2];
	msg[2] = (uint8_t)(flags & 0x7f);
	int ret = gw_wire_parse_query(&q, msg, n, &rcode);
	msg[2] = flags;
	if (ret != GW_OK || !q.has_edns || q.has_tsig || q.opt_offset + q.opt_len != n ||
	    q.opt_len < OPT_RDLEN_AT + 2)
		return 0;
	if (ext != NULL)
		*ext = q.edns_ext_rcode;
	return q.opt_offset + OPT_RDLEN_AT;
}

/* Append option code with len octets of data (zeros when data is NULL)
 * to the OPT whose RDLENGTH is at rdlen_at, which ends the reply of n
 * octets. Returns the new length, n when it does not fit in cap. */
static size_t append(uint8_t *msg, size_t n, size_t cap, size_t rdlen_at, uint16_t code,
                     const void *data, size_t len)
{
	uint8_t *rdlen = msg + rdlen_at;
	size_t grown = ((size_t)rdlen[0] << 8 | rdlen[1]) + OPTION_HEADER + len;
	if (len > cap || cap - len < n || cap - len - n < OPTION_HEADER || grown > 0xffff)
		return n;
	rdlen[0] = (uint8_t)(grown >> 8);
	rdlen[1] = (uint8_t)grown;
	uint8_t *opt = msg + n;
	opt[0] = (uint8_t)(code >> 8);
	opt[1] = (uint8_t)code;
	opt[2] = (uint8_t)(len >> 8);
	opt[3] = (uint8_t)len;
	if (data != NULL)
		memcpy(opt + OPTION_HEADER, data, len);
	else
		memset(opt + OPTION_HEADER, 0, len);
	return n + OPTION_HEADER + len;
}

size_t gw_reply_extras(uint8_t *msg, size_t n, size_t cap, const gw_query_t *q, const char *nsid)
{
	bool want_nsid = q->has_nsid && nsid != NULL && nsid[0] != '\0';
	if ((!q->has_ede && !want_nsid) || n < DNS_HEADER_LEN)
		return n;
	/* A truncated reply (too large, or slipped by the rate limit) says
	 * no more than it must; the retry over TCP gets the rest. */
	if (((unsigned)msg[2] << 8 | msg[3]) & DNS_FLAG_TC)
		return n;
	uint8_t ext = 0;
	size_t at = last_opt_rdlen(msg, n, cap, &ext);
	if (at == 0)
		return n;
	/* Not when the guard made the reply another error since (BADCOOKIE,
	 * an extended rcode): the reason would be the wrong one. */
	if (q->has_ede && ext == 0) {
		/* The INFO-CODE alone: the code says it (RFC 8914 2). */
		const uint8_t code[2] = {(uint8_t)(q->ede >> 8), (uint8_t)q->ede};
		n = append(msg, n, cap, at, DNS_EDNS_EDE, code, sizeof(code));
	}
	if (want_nsid)
		n = append(msg, n, cap, at, DNS_EDNS_NSID, nsid, strlen(nsid));
	return n;
}

size_t gw_pad_reply(uint8_t *msg, size_t n, size_t cap, size_t block)
{
	if (block == 0)
		return n;
	size_t at = last_opt_rdlen(msg, n, cap, NULL);
	if (at == 0)
		return n;
	size_t total = n + OPTION_HEADER;
	size_t pad = (block - total % block) % block;
	if (total + pad > cap)
		return n; /* no room for a whole block: send it as it is */
	return append(msg, n, cap, at, DNS_EDNS_PADDING, NULL, pad);
}
