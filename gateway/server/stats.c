/* The slots and names of the server's per-type and per-rcode counters. */
#include "common/dns.h"
#include "gateway/server/internal.h"

_Static_assert(GW_QT_SLOTS <= 16, "a row of gw_server.replies holds every type slot");

const uint8_t gw_qtype_slot[256] = {
    [DNS_T_A] = GW_QT_A,     [DNS_T_AAAA] = GW_QT_AAAA,     [DNS_T_PTR] = GW_QT_PTR,
    [DNS_T_SRV] = GW_QT_SRV, [DNS_T_TXT] = GW_QT_TXT,       [DNS_T_SOA] = GW_QT_SOA,
    [DNS_T_NS] = GW_QT_NS,   [DNS_T_DNSKEY] = GW_QT_DNSKEY, [DNS_T_DS] = GW_QT_DS,
    [DNS_T_ANY] = GW_QT_ANY, [DNS_T_AXFR] = GW_QT_AXFR,     [DNS_T_IXFR] = GW_QT_IXFR,
};

/* Slot of each header rcode; 7 (YXRRSET, which the gateway never sends)
 * is the low bits of BADCOOKIE (23). */
static const uint8_t rcode_slot[16] = {
    [0] = GW_RC_NOERROR, [1] = GW_RC_FORMERR, [2] = GW_RC_SERVFAIL, [3] = GW_RC_NXDOMAIN,
    [4] = GW_RC_NOTIMP,  [5] = GW_RC_REFUSED, [6] = GW_RC_YXDOMAIN, [7] = GW_RC_BADCOOKIE,
    [8] = GW_RC_OTHER,   [9] = GW_RC_NOTAUTH, [10] = GW_RC_OTHER,   [11] = GW_RC_OTHER,
    [12] = GW_RC_OTHER,  [13] = GW_RC_OTHER,  [14] = GW_RC_OTHER,   [15] = GW_RC_OTHER,
};

void gw_server_sum_replies(const struct gw_server *srv, gw_server_stats_t *st)
{
	for (unsigned t = 0; t < GW_TRANSPORTS; t++) {
		for (unsigned tc_rc = 0; tc_rc < 32; tc_rc++) {
			for (unsigned q = 0; q < GW_QT_SLOTS; q++) {
				uint64_t n = srv->replies[t][tc_rc][q];
				st->replies_by_qtype[t][q] += n;
				st->replies_by_rcode[t][rcode_slot[tc_rc & 0x0f]] += n;
				if (tc_rc & 0x10)
					st->truncated += n;
			}
		}
		st->replies_by_rcode[t][GW_RC_NOERROR] -= srv->badvers[t];
		st->replies_by_rcode[t][GW_RC_BADVERS] += srv->badvers[t];
	}
}

const char *gw_server_qtype_str(gw_qtype_slot_t slot)
{
	static const char *const names[GW_QT_SLOTS] = {
	    [GW_QT_OTHER] = "other", [GW_QT_A] = "A",     [GW_QT_AAAA] = "AAAA",
	    [GW_QT_PTR] = "PTR",     [GW_QT_SRV] = "SRV", [GW_QT_TXT] = "TXT",
	    [GW_QT_SOA] = "SOA",     [GW_QT_NS] = "NS",   [GW_QT_DNSKEY] = "DNSKEY",
	    [GW_QT_DS] = "DS",       [GW_QT_ANY] = "ANY", [GW_QT_AXFR] = "AXFR",
	    [GW_QT_IXFR] = "IXFR",
	};
	return (unsigned)slot < GW_QT_SLOTS ? names[slot] : "?";
}

const char *gw_server_rcode_str(gw_rcode_slot_t slot)
{
	static const char *const names[GW_RC_SLOTS] = {
	    [GW_RC_NOERROR] = "NOERROR",   [GW_RC_FORMERR] = "FORMERR",
	    [GW_RC_SERVFAIL] = "SERVFAIL", [GW_RC_NXDOMAIN] = "NXDOMAIN",
	    [GW_RC_NOTIMP] = "NOTIMP",     [GW_RC_REFUSED] = "REFUSED",
	    [GW_RC_YXDOMAIN] = "YXDOMAIN", [GW_RC_NOTAUTH] = "NOTAUTH",
	    [GW_RC_BADVERS] = "BADVERS",   [GW_RC_BADCOOKIE] = "BADCOOKIE",
	    [GW_RC_OTHER] = "other",
	};
	return (unsigned)slot < GW_RC_SLOTS ? names[slot] : "?";
}

const char *gw_server_transport_str(unsigned transport)
{
	return transport == GW_TRANSPORT_UDP ? "udp" : transport == GW_TRANSPORT_TCP ? "tcp" : "?";
}
