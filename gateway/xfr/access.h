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

/* True when sa (AF_INET or AF_INET6; an IPv4-mapped IPv6 address counts as
 * IPv4) falls in one of the prefixes of acl that need no key. False for
 * other families, and for a NULL acl or sa. */
bool gw_acl_match(const gw_acl_t *acl, const struct sockaddr *sa);

/* True when an entry of acl covers sa (any entry, with or without a key):
 * a client not listed at all is refused before its TSIG is looked at. */
bool gw_acl_listed(const gw_acl_t *acl, const struct sockaddr *sa);

/* True when an entry of acl covers sa and either needs no key or needs
 * key, the index of the TSIG key the request was verified with (-1: the
 * request was not signed). */
bool gw_acl_allows(const gw_acl_t *acl, const struct sockaddr *sa, int key);

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
