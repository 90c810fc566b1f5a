#include "gateway/xfr/access.h"

#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

gw_access_verdict_t gw_access_check(const gw_access_t *a, const char *what,
                                    const struct sockaddr *peer, const char *peer_text,
                                    const uint8_t *pkt, size_t len, const gw_query_t *q, time_t now,
                                    gw_tsig_ctx_t *tsig)
{
	memset(tsig, 0, sizeof(*tsig));
	if (a == NULL || !gw_acl_listed(a->allow, peer)) {
		gw_warn("%s from %s refused: address not allowed (transfer.allow)", what,
		        peer_text);
		return GW_ACCESS_REFUSED;
	}
	int key = -1;
	if (q->has_tsig) {
		int ret = gw_tsig_verify_request(a->keys, pkt, len, q, now, tsig);
		if (ret == GW_EMALFORMED) {
			gw_warn("%s from %s refused: malformed TSIG record", what, peer_text);
			return GW_ACCESS_FORMERR;
		}
		if (ret != GW_OK) {
			gw_warn("%s from %s refused: TSIG key %s: %s", what, peer_text,
			        tsig->key_text, gw_tsig_error_str(tsig->error));
			return GW_ACCESS_NOTAUTH;
		}
		key = tsig->key->index;
	}
	if (!gw_acl_allows(a->allow, peer, key)) {
		if (key < 0)
			gw_warn(
			    "%s from %s refused: not signed, and transfer.allow wants a TSIG key "
			    "from this address",
			    what, peer_text);
		else
			gw_warn("%s from %s refused: TSIG key %s is not allowed from this address",
			        what, peer_text, tsig->key_text);
		return GW_ACCESS_REFUSED;
	}
	return GW_ACCESS_OK;
}
