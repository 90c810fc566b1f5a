/* One query through gw_answer(), written and read back by ldns (an
 * independent implementation), for the answer suites (test_answer.c,
 * test_referral.c). */
#pragma once

#include <stdbool.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#include "gateway/query/answer.h"

/* Ask name/type/class of env's zone with id 4242 and RD; with edns, EDNS
 * with bufsize and DO as dnssec_ok (else no EDNS: 512 over UDP). Returns
 * the parsed reply (caller frees) or NULL when there is none or it does
 * not parse. */
static inline ldns_pkt *test_ask(const gw_answer_env_t *env, const char *name, ldns_rr_type type,
                                 ldns_rr_class cls, bool edns, uint16_t bufsize, bool dnssec_ok,
                                 bool tcp)
{
	ldns_pkt *query = NULL, *reply = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	static uint8_t out[65535];
	size_t outlen = 0;
	gw_query_t q;

	if (ldns_pkt_query_new_frm_str(&query, name, type, cls, LDNS_RD) != LDNS_STATUS_OK)
		goto out;
	ldns_pkt_set_id(query, 4242);
	if (edns) {
		ldns_pkt_set_edns_udp_size(query, bufsize);
		ldns_pkt_set_edns_do(query, dnssec_ok);
	}
	if (ldns_pkt2wire(&wire, query, &wlen) != LDNS_STATUS_OK)
		goto out;
	if (gw_answer(env, wire, wlen, tcp, out, sizeof(out), &outlen, &q) != GW_ANSWER_SENT)
		goto out;
	if (ldns_wire2pkt(&reply, out, outlen) != LDNS_STATUS_OK)
		reply = NULL;
out:
	ldns_pkt_free(query);
	free(wire);
	return reply;
}
