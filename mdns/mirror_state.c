/* The mirrored records survive a restart: saved as zone-file text (through
 * ldns, so instance names with spaces, dots and backslashes round-trip),
 * atomically, at most about once a second; loaded at start and served
 * until the warm-up ends. */
#include "mdns/mirror_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/file.h"
#include "common/heap.h"
#include "common/log.h"

/* A state file far beyond what the limits allow is not ours. */
#define STATE_MAX (256u * 1024u * 1024u)

int mirror_state_save(mzone_t *z)
{
	char *text = NULL;
	size_t len = 0;
	int ret = GW_ENOMEM;
	if (z->state_file == NULL)
		return GW_OK;
	FILE *fp = open_memstream(&text, &len);
	if (fp == NULL)
		return GW_ENOMEM;
	fprintf(fp, "; dnssd-gateway: records mirrored from mDNS, served at start until the "
	            "warm-up ends\n");
	GW_HTAB_FOREACH(&z->ents, h) {
		const ent_t *e = ent_of(h);
		if (!e->pub)
			continue;
		/* A published entry was accepted by the zone: NULL is memory. */
		ldns_rr *rr = mirror_ent_rr(e, e->pub_ttl);
		if (rr == NULL)
			goto out;
		char *line = ldns_rr2str(rr);
		ldns_rr_free(rr);
		if (line == NULL)
			goto out;
		/* ldns writes an owner's leading '@' as it is ("@home._ipp...")
		 * and reads such a name back as the origin: escape it. */
		if (line[0] == '@')
			fputs("\\064", fp);
		fputs(line[0] == '@' ? line + 1 : line, fp);
		free(line);
	}
	ret = GW_OK;
out:
	if (fclose(fp) != 0 && ret == GW_OK)
		ret = GW_ENOMEM;
	if (ret == GW_OK) {
		/* A failure is logged with the path. */
		ret = gw_file_write_atomic(z->state_file, text, len, 0600);
	}
	free(text);
	return ret;
}

/* Only what the mirror itself publishes may come back from the file: the
 * five record types, strictly below the apex, never the gateway's other
 * names. */
static bool loadable(mzone_t *z, const uint8_t *owner, uint16_t type)
{
	const mdns_mirror_zone_t *cfg = mirror_zcfg(z);
	if (type != DNS_T_PTR && type != DNS_T_SRV && type != DNS_T_TXT && type != DNS_T_A &&
	    type != DNS_T_AAAA)
		return false;
	if (!zone_name_is_subdomain(owner, cfg->domain) || zone_name_equal(owner, cfg->domain))
		return false;
	int rel = zone_name_labels(owner) - zone_name_labels(cfg->domain);
	/* The enumeration names are the mirror's own: b/db/lb below the apex
	 * and below a link, _services below a link. */
	if (mdns_name_is_reserved(owner)) {
		static const char *const ok[] = {"\x01"
		                                 "b",
		                                 "\x02"
		                                 "db",
		                                 "\x02"
		                                 "lb"};
		const uint8_t *rest = mdns_name_skip(owner, 1);
		bool dnssd = rest != NULL && rest[0] == 7 && memcmp(rest + 1, "_dns-sd", 7) == 0;
		if (type != DNS_T_PTR || !dnssd)
			return false;
		if (rel == 3 || rel == 4) {
			for (size_t i = 0; i < 3; i++) {
				if (memcmp(owner, ok[i], (size_t)ok[i][0] + 1) == 0)
					return true;
			}
			if (rel == 3)
				return false;
		}
		return rel == 4 && owner[0] == 9 && memcmp(owner + 1, "_services", 9) == 0;
	}
	if (cfg->reserved != NULL && cfg->reserved(cfg->reserved_arg, owner))
		return false;
	return rel >= 2;
}

static int load_line(mzone_t *z, const char *line, size_t *count)
{
	ldns_rr *rr = NULL;
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int ret = GW_OK;
	if (ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) != LDNS_STATUS_OK)
		return GW_EPARSE;
	if (ldns_rr_get_class(rr) != DNS_C_IN ||
	    ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &wlen) != LDNS_STATUS_OK) {
		ret = GW_EPARSE;
		goto out;
	}
	int olen = zone_name_len(wire, wlen);
	if (olen < 1 || (size_t)olen + 10 > wlen) {
		ret = GW_EPARSE;
		goto out;
	}
	const uint8_t *p = wire + olen;
	uint16_t type = ldns_read_uint16(p);
	uint32_t ttl = ldns_read_uint32(p + 4);
	uint16_t rdlen = ldns_read_uint16(p + 8);
	if ((size_t)olen + 10 + rdlen != wlen) {
		ret = GW_EPARSE;
		goto out;
	}
	/* A file written before "*" labels were refused (issue 16) must not
	 * bring a wildcard back, as an owner or as a PTR or SRV target. */
	size_t fixed = type == DNS_T_SRV ? 6 : 0;
	bool star = mdns_name_vet(wire, MDNS_USE_TYPE) == MDNS_VET_WILDCARD;
	if ((type == DNS_T_PTR || type == DNS_T_SRV) && rdlen > fixed &&
	    zone_name_len(p + 10 + fixed, rdlen - fixed) > 0)
		star = star || mdns_name_vet(p + 10 + fixed, MDNS_USE_TYPE) == MDNS_VET_WILDCARD;
	if (star || !loadable(z, wire, type))
		goto out; /* skipped, not an error */
	ent_t *e = mirror_ent_get(z, wire, type, p + 10, rdlen, true);
	if (e == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	if (!e->warm) {
		ent_t **w = realloc(z->warm, (z->warm_count + 1) * sizeof(*w));
		if (w == NULL) {
			mirror_ent_maybe_free(z, e);
			ret = GW_ENOMEM;
			goto out;
		}
		z->warm = w;
		z->warm[z->warm_count++] = e;
		e->warm = true;
		(*count)++;
	}
	e->warm_ttl = mdns_ttl_cap(ttl, z->mirror->cfg->ttl_cap);
	mirror_ent_touch(z, e);
out:
	free(wire);
	ldns_rr_free(rr);
	return ret;
}

int mirror_state_parse(mzone_t *z, char *text, size_t *count)
{
	size_t bad = 0, lineno = 0;
	int ret = GW_OK;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == ';' || line[0] == '\0')
			continue;
		ret = load_line(z, line, count);
		if (ret == GW_ENOMEM)
			break;
		if (ret != GW_OK && bad++ == 0)
			gw_warn("mirror: %s:%zu: unreadable record skipped",
			        z->state_file != NULL ? z->state_file : "(state)", lineno);
		ret = GW_OK;
	}
	return ret;
}

int mirror_state_load(mzone_t *z)
{
	char *text = NULL;
	size_t len = 0, count = 0;
	if (z->state_file == NULL)
		return GW_OK;
	int ret = gw_file_read(z->state_file, STATE_MAX, &text, &len);
	if (ret == -ENOENT)
		return GW_OK;
	if (ret != GW_OK)
		return ret;
	gw_heap_bulk_begin();
	ret = mirror_state_parse(z, text, &count);
	gw_heap_bulk_end();
	free(text);
	if (ret == GW_OK)
		gw_info("mirror: %zu saved records of %s served until the warm-up ends (%.1f s)",
		        count, mirror_zcfg(z)->domain_str,
		        (double)z->mirror->cfg->warmup_ms / 1000.0);
	return ret;
}
