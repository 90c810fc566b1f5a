/* The DS at the parent, asked for: Knot's "parent" check, with ldns's
 * resolver. A resolver in the list sees what resolvers see (after the
 * parent's caches); the parent's own servers see it first. */
#include "gateway/zonemgr/ds_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "zones/zone.h"

static void addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	uint16_t port = 0;
	ldns_rdf *a = ldns_sockaddr_storage2rdf(ss, &port);
	char *t = a != NULL ? ldns_rdf2str(a) : NULL;
	snprintf(buf, len, "%s@%u", t != NULL ? t : "?", (unsigned)port);
	LDNS_FREE(t);
	ldns_rdf_deep_free(a);
}

/* One server: *found when its answer holds a DS for dnskey. */
static int ask(const struct sockaddr_storage *ss, ldns_rdf *name, const ldns_rr *dnskey,
               unsigned timeout_ms, bool *found, char *why, size_t whylen)
{
	int ret = GW_ENOMEM;
	uint16_t port = 0;
	ldns_pkt *pkt = NULL;
	ldns_resolver *res = ldns_resolver_new();
	ldns_rdf *ns = ldns_sockaddr_storage2rdf(ss, &port);
	*found = false;
	if (res == NULL || ns == NULL)
		goto out;
	if (ldns_resolver_push_nameserver(res, ns) != LDNS_STATUS_OK)
		goto out;
	ldns_resolver_set_port(res, port);
	ldns_resolver_set_retry(res, 1);
	ldns_resolver_set_timeout(res, (struct timeval){.tv_sec = timeout_ms / 1000,
	                                                .tv_usec = (timeout_ms % 1000) * 1000});
	/* RD: a resolver in the list looks it up; the parent's servers
	 * ignore it. */
	ldns_resolver_set_recursive(res, true);
	ldns_resolver_set_dnssec(res, false);
	ldns_status st =
	    ldns_resolver_query_status(&pkt, res, name, LDNS_RR_TYPE_DS, LDNS_RR_CLASS_IN, LDNS_RD);
	ret = GW_OK;
	if (st != LDNS_STATUS_OK || pkt == NULL) {
		snprintf(why, whylen, "no answer (%s)", ldns_get_errorstr_by_id(st));
		goto out;
	}
	ldns_rr_list *ds = ldns_pkt_rr_list_by_type(pkt, LDNS_RR_TYPE_DS, LDNS_SECTION_ANSWER);
	for (size_t i = 0; ds != NULL && i < ldns_rr_list_rr_count(ds) && !*found; i++)
		*found = ldns_rr_compare_ds(ldns_rr_list_rr(ds, i), dnskey);
	if (!*found) {
		ldns_lookup_table *rc =
		    ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));
		snprintf(why, whylen, "%zu DS records, none for the new key (rcode %s)",
		         ds != NULL ? ldns_rr_list_rr_count(ds) : 0, rc != NULL ? rc->name : "?");
	}
	ldns_rr_list_deep_free(ds);
out:
	ldns_pkt_free(pkt);
	ldns_resolver_deep_free(res);
	ldns_rdf_deep_free(ns); /* the resolver keeps its own copy */
	return ret;
}

int gw_ds_check(const struct sockaddr_storage *servers, size_t count, const uint8_t *apex,
                const ldns_rr *dnskey, unsigned timeout_ms, char *why, size_t whylen)
{
	int len = zone_name_len(apex, ZONE_NAME_MAXLEN);
	if (len < 0 || count == 0)
		return GW_EINVAL;
	ldns_rdf *name = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, (size_t)len, apex);
	if (name == NULL)
		return GW_ENOMEM;
	int ret = GW_OK;
	for (size_t i = 0; i < count && ret == GW_OK; i++) {
		char what[192] = "";
		bool found = false;
		ret = ask(&servers[i], name, dnskey, timeout_ms, &found, what, sizeof(what));
		if (ret == GW_OK && !found) {
			char addr[80];
			addr_text(&servers[i], addr, sizeof(addr));
			snprintf(why, whylen, "%s: %s", addr, what);
			ret = GW_ENOTFOUND;
		}
	}
	ldns_rdf_deep_free(name);
	return ret;
}
