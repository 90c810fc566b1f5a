/* EDNS(0) Padding of replies (RFC 7830, RFC 8467): over an encrypted
 * transport the length of a reply says which name was asked; padded to a
 * block it says much less. The reply was built by the answerer; its OPT
 * is found with the query reader itself (the reply's QR bit hidden for
 * the call), so no second parser walks our own output. */
#include <string.h>

#include "common/dns.h"
#include "common/error.h"
#include "gateway/query/wire.h"
#include "gateway/server/internal.h"

#define OPTION_HEADER 4
/* Owner (the root), type, class, TTL, then RDLENGTH. */
#define OPT_RDLEN_AT 9

size_t gw_pad_reply(uint8_t *msg, size_t n, size_t cap, size_t block)
{
	gw_query_t q;
	uint8_t rcode = 0;
	if (n < DNS_HEADER_LEN || block == 0 || cap > GW_TCP_MAXMSG)
		return n;
	uint8_t flags = msg[2];
	msg[2] = (uint8_t)(flags & 0x7f);
	int ret = gw_wire_parse_query(&q, msg, n, &rcode);
	msg[2] = flags;
	/* The OPT must be the reply's last record: its RDATA grows in place. */
	if (ret != GW_OK || !q.has_edns || q.has_tsig || q.opt_offset + q.opt_len != n ||
	    q.opt_len < OPT_RDLEN_AT + 2)
		return n;
	size_t total = n + OPTION_HEADER;
	size_t pad = (block - total % block) % block;
	if (total + pad > cap)
		return n; /* no room for a whole block: send it as it is */
	uint8_t *rdlen = msg + q.opt_offset + OPT_RDLEN_AT;
	size_t grown = ((size_t)rdlen[0] << 8 | rdlen[1]) + OPTION_HEADER + pad;
	if (grown > 0xffff)
		return n;
	rdlen[0] = (uint8_t)(grown >> 8);
	rdlen[1] = (uint8_t)grown;
	uint8_t *opt = msg + n;
	opt[0] = 0;
	opt[1] = DNS_EDNS_PADDING;
	opt[2] = (uint8_t)(pad >> 8);
	opt[3] = (uint8_t)pad;
	memset(opt + OPTION_HEADER, 0, pad);
	return total + pad;
}
