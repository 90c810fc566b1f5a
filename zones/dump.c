#include <stdlib.h>

#include "common/dns.h"
#include "common/error.h"
#include "zones/internal.h"
#include "zones/zone.h"

static int print_rr(FILE *fp, const zone_node_t *node, const zone_rrset_t *rrset,
                    const uint8_t *rdata, uint16_t rdlen)
{
	ldns_rr *rr = NULL;
	char *text = NULL;
	int ret = zone_rr_to_ldns(&rr, node, rrset, rdata, rdlen);

	if (ret != GW_OK)
		return ret;
	text = ldns_rr2str(rr);
	if (text == NULL)
		ret = GW_ENOMEM;
	else if (fputs(text, fp) == EOF)
		ret = GW_EIO;
	free(text);
	ldns_rr_free(rr);
	return ret;
}

/* The RRs of rrset, then the RRSIGs the signer attached to it. */
static int print_rrset(FILE *fp, const zone_node_t *node, const zone_rrset_t *rrset)
{
	const zone_rrset_t sigs = {.rdata = rrset->sigs, .rdata_len = rrset->sigs_len};
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;
	int ret;

	while (zone_rrset_next(rrset, &pos, &rdata, &rdlen)) {
		ret = print_rr(fp, node, rrset, rdata, rdlen);
		if (ret != GW_OK)
			return ret;
	}
	pos = 0;
	while (zone_rrset_next(&sigs, &pos, &rdata, &rdlen)) {
		ret = print_rr(fp, node, rrset, rdata, rdlen);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

int zone_dump(const zone_t *zone, FILE *fp)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = apex != NULL ? zone_node_rrset(apex, DNS_T_SOA) : NULL;
	int ret;

	if (soa != NULL) {
		ret = print_rrset(fp, apex, soa);
		if (ret != GW_OK)
			return ret;
	}
	for (size_t n = 0; n < zone->count; n++) {
		const zone_node_t *node = zone->nodes[n];
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			if (&node->rrsets[i] == soa)
				continue;
			ret = print_rrset(fp, node, &node->rrsets[i]);
			if (ret != GW_OK)
				return ret;
		}
	}
	if (fflush(fp) == EOF || ferror(fp))
		return GW_EIO;
	return GW_OK;
}
