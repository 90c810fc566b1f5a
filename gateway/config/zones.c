/* The zones a configuration serves (gw_config_t.zones): the one-zone
 * form (zone:, with the top-level dnssec: and transfer:) as one entry. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "gateway/config/internal.h"

static void zone_deinit(gw_zone_config_t *z)
{
	free(z->file);
	free(z->state_dir);
	for (size_t i = 0; i < z->link_count; i++)
		free(z->links[i]);
	free(z->links);
	mdns_policy_deinit(&z->policy);
	if (z->own_dnssec != NULL) {
		for (size_t i = 0; i < z->own_dnssec->import_count; i++)
			free(z->own_dnssec->import[i]);
		free(z->own_dnssec->import);
		free(z->own_dnssec->policy.ds_check);
		free(z->own_dnssec);
	}
	if (z->own_transfer != NULL) {
		free(z->own_transfer->allow.entries);
		free(z->own_transfer->notify);
		free(z->own_transfer);
	}
}

void config_zones_free(gw_config_t *cfg)
{
	for (size_t i = 0; i < cfg->zone_count; i++)
		zone_deinit(&cfg->zones[i]);
	free(cfg->zones);
	cfg->zones = NULL;
	cfg->zone_count = 0;
}

int config_zones_single(gw_config_t *cfg)
{
	config_zones_free(cfg);
	gw_zone_config_t *z = calloc(1, sizeof(*z));
	if (z == NULL)
		return GW_ENOMEM;
	memcpy(z->domain, cfg->zone.domain, cfg->zone.domain_len);
	z->domain_len = cfg->zone.domain_len;
	memcpy(z->domain_str, cfg->zone.domain_str, sizeof(z->domain_str));
	z->file = cfg->zone.file != NULL ? strdup(cfg->zone.file) : NULL;
	z->state_dir = strdup(cfg->state_dir);
	z->dnssec = &cfg->dnssec;
	z->transfer = &cfg->transfer;
	if ((cfg->zone.file != NULL && z->file == NULL) || z->state_dir == NULL) {
		zone_deinit(z);
		free(z);
		return GW_ENOMEM;
	}
	cfg->zones = z;
	cfg->zone_count = 1;
	return GW_OK;
}
