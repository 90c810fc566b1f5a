/* Who may transfer the zone: transfer.allow (addresses, prefixes, TSIG
 * keys) and the TSIG keyring. A client whose address no entry covers is
 * REFUSED before its TSIG is looked at; a TSIG that does not verify gets
 * NOTAUTH with the TSIG error (RFC 8945 5.2); a verified request (or an
 * unsigned one) that no entry allows with its key is REFUSED. Every
 * refusal is logged with the peer and the key. Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include "gateway/config/acl.h"
#include "gateway/xfr/tsig.h"
#include "gateway/query/wire.h"

/* The options of access control; the daemon fills them from the
 * configuration. */
typedef struct gw_access {
	const gw_acl_t *allow;         /* borrowed: transfer.allow; key indices are the keyring's */
	const gw_tsig_keyring_t *keys; /* borrowed: may hold no keys */
} gw_access_t;

typedef enum {
	GW_ACCESS_OK = 0,  /* go ahead; tsig->key set when the request was signed */
	GW_ACCESS_REFUSED, /* REFUSED (signed when tsig->key is set) */
	GW_ACCESS_NOTAUTH, /* NOTAUTH with tsig->error: gw_tsig_error_reply() */
	GW_ACCESS_FORMERR, /* the TSIG record does not parse */
} gw_access_verdict_t;

/* Decide the request in pkt (len octets, parsed into q) from peer;
 * what ("AXFR", "IXFR") and peer_text name it in the logs. tsig receives
 * the verification's context. */
gw_access_verdict_t gw_access_check(const gw_access_t *a, const char *what,
                                    const struct sockaddr *peer, const char *peer_text,
                                    const uint8_t *pkt, size_t len, const gw_query_t *q, time_t now,
                                    gw_tsig_ctx_t *tsig);
