#include "gateway/xfr/access.h"

#include <netinet/in.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"

/* Refusals are per request, and anyone can send requests (IXFR over UDP
 * from a spoofed address): each line below has its own limit, a few lines
 * per interval (a secondary wrong in several ways shows all of them), the
 * rest counted (common/log.h). */
static gw_log_limit_t g_refused[5] = {
    {.burst = 10}, {.burst = 10}, {.burst = 10}, {.burst = 10}, {.burst = 10},
};

gw_access_verdict_t gw_access_check(const gw_access_t *a, const char *what,
                                    const struct sockaddr *peer, const char *peer_text,
                                    const uint8_t *pkt, size_t len, const gw_query_t *q, time_t now,
                                    gw_tsig_ctx_t *tsig)
{
	memset(tsig, 0, sizeof(*tsig));
	if (a == NULL || !gw_acl_listed(a->allow, peer)) {
		gw_log_limited(&g_refused[0], GW_LOG_WARNING,
		               "%s from %s refused: address not allowed (transfer.allow)", what,
		               peer_text);
		return GW_ACCESS_REFUSED;
	}
	int key = -1;
	if (q->has_tsig) {
		int ret = gw_tsig_verify_request(a->keys, pkt, len, q, now, tsig);
		if (ret == GW_EMALFORMED) {
			gw_log_limited(&g_refused[1], GW_LOG_WARNING,
			               "%s from %s refused: malformed TSIG record", what,
			               peer_text);
			return GW_ACCESS_FORMERR;
		}
		if (ret != GW_OK) {
			gw_log_limited(&g_refused[2], GW_LOG_WARNING,
			               "%s from %s refused: TSIG key %s: %s", what, peer_text,
			               tsig->key_text, gw_tsig_error_str(tsig->error));
			return GW_ACCESS_NOTAUTH;
		}
		key = tsig->key->index;
	}
	if (!gw_acl_allows(a->allow, peer, key)) {
		if (key < 0)
			gw_log_limited(
			    &g_refused[3], GW_LOG_WARNING,
			    "%s from %s refused: not signed, and transfer.allow wants a TSIG key "
			    "from this address",
			    what, peer_text);
		else
			gw_log_limited(
			    &g_refused[4], GW_LOG_WARNING,
			    "%s from %s refused: TSIG key %s is not allowed from this address",
			    what, peer_text, tsig->key_text);
		return GW_ACCESS_REFUSED;
	}
	return GW_ACCESS_OK;
}
