/* The mirrored records survive a restart: saved atomically, loaded at start
 * and served until the warm-up ends, when what was not rediscovered goes.
 *
 * The file is the published records in DNS wire form behind a header
 * (STATE_MAGIC, version, record count, CRC-32 and length of the body), so
 * that a save is a copy of what the mirror holds: at 100 000 services the
 * zone-file text this file held before took 0.9 s of the loop for each
 * save. Each record is read back through ldns (ldns_wire2rr()), as the
 * text was, and passes the same checks. The text form is still read, so
 * an upgrade keeps the state; the next save replaces it.
 *
 * Saving is also paced (mirror.c): a save waits 50 times the last one's
 * time, and 4 s for each MiB it wrote, so that neither the loop nor the
 * disk spend more than a small share on a state that is only a hint (the
 * warm-up rediscovers the links). */
#include "mdns/mirror_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <ldns/util.h>

#include "common/array.h"
#include "common/clock.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/file.h"
#include "common/heap.h"
#include "common/log.h"

/* A state file far beyond what the limits allow is not ours. */
#define STATE_MAX (256u * 1024u * 1024u)

/* Not ASCII first, so that no text file (and no file damaged by a text
 * transfer) passes for one of ours. */
static const uint8_t STATE_MAGIC[8] = {0x89, 'G', 'W', 'M', 'I', 'R', 'R', '\n'};
#define STATE_VERSION 1
#define STATE_HEAD    24 /* magic, version, count, crc, body length */

int mirror_state_save(mzone_t *z)
{
	if (z->state_file == NULL)
		return GW_OK;
	uint64_t t0 = gw_clock_mono_ns();
	size_t body = 0, count = 0;
	GW_HTAB_FOREACH(&z->ents, h) {
		const ent_t *e = ent_of(h);
		if (e->pub) {
			body += (size_t)e->owner_len + 10 + e->rdlen;
			count++;
		}
	}
	if (body > STATE_MAX - STATE_HEAD) {
		gw_err(
		    "mirror: %s not saved: %zu octets of records, and a state file holds at most "
		    "%u MiB; lower mdns.limits.services-per-link or mirror fewer links into this "
		    "zone (zones[].links)",
		    z->state_file, body, STATE_MAX >> 20);
		return GW_ELIMIT;
	}
	uint8_t *buf = malloc(STATE_HEAD + body);
	if (buf == NULL)
		return GW_ENOMEM;
	uint8_t *p = buf + STATE_HEAD;
	GW_HTAB_FOREACH(&z->ents, h) {
		const ent_t *e = ent_of(h);
		if (e->pub)
			p = mirror_ent_wire(p, e, e->pub_ttl);
	}
	memcpy(buf, STATE_MAGIC, sizeof(STATE_MAGIC));
	ldns_write_uint32(buf + 8, STATE_VERSION);
	ldns_write_uint32(buf + 12, (uint32_t)count);
	ldns_write_uint32(buf + 16, (uint32_t)crc32(0, buf + STATE_HEAD, (uInt)body));
	ldns_write_uint32(buf + 20, (uint32_t)body);
	/* A failure is logged with the path. */
	int ret = gw_file_write_atomic(z->state_file, buf, STATE_HEAD + body, 0600);
	free(buf);
	z->save_ns = gw_clock_mono_ns() - t0;
	z->save_octets = STATE_HEAD + body;
	gw_debug("mirror: %zu records saved to %s, %zu octets in %.1f ms", count, z->state_file,
	         z->save_octets, (double)z->save_ns / 1e6);
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

double mirror_state_pace(const mzone_t *z)
{
	double wait = 50.0 * (double)z->save_ns / 1e9;
	double disk = 4.0 * (double)z->save_octets / (1024.0 * 1024.0);
	if (disk > wait)
		wait = disk;
	return wait < 300.0 ? wait : 300.0;
}

/* rr (a record of the file, read by ldns) taken as a warm entry, unless
 * the mirror would not publish it (GW_OK, skipped). GW_EPARSE, GW_ENOMEM. */
static int take_rr(mzone_t *z, const ldns_rr *rr, size_t *count)
{
	uint8_t *wire = NULL;
	size_t wlen = 0;
	int ret = GW_OK;
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
		if (gw_array_reserve(&z->warm, &z->warm_cap, z->warm_count + 1, sizeof(*z->warm),
		                     1024) != GW_OK) {
			mirror_ent_maybe_free(z, e);
			ret = GW_ENOMEM;
			goto out;
		}
		z->warm[z->warm_count++] = e;
		e->warm = true;
		(*count)++;
	}
	e->warm_ttl = mdns_ttl_cap(ttl, z->mirror->cfg->ttl_cap);
	mirror_ent_touch(z, e);
out:
	free(wire);
	return ret;
}

/* The text form earlier versions saved: zone-file lines. Lines that do
 * not parse are skipped (the first one logged). */
static int parse_text(mzone_t *z, char *text, size_t *count)
{
	size_t bad = 0, lineno = 0;
	int ret = GW_OK;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[0] == ';' || line[0] == '\0')
			continue;
		ldns_rr *rr = NULL;
		ret = ldns_rr_new_frm_str(&rr, line, 0, NULL, NULL) == LDNS_STATUS_OK
		          ? take_rr(z, rr, count)
		          : GW_EPARSE;
		ldns_rr_free(rr);
		if (ret == GW_ENOMEM)
			break;
		if (ret != GW_OK && bad++ == 0)
			gw_warn("mirror: %s:%zu: unreadable record skipped",
			        z->state_file != NULL ? z->state_file : "(state)", lineno);
		ret = GW_OK;
	}
	return ret;
}

/* The wire form (see the top): the header and checksum first, nothing
 * taken from a file that fails them. A record ldns cannot read ends the
 * read (what follows it cannot be found); one the mirror would not
 * publish is skipped. */
static int parse_wire(mzone_t *z, const uint8_t *data, size_t len, size_t *count)
{
	const char *file = z->state_file != NULL ? z->state_file : "(state)";
	if (len < STATE_HEAD) {
		gw_warn("mirror: %s: cut short in its header (%zu octets)", file, len);
		return GW_EPARSE;
	}
	uint32_t version = ldns_read_uint32(data + 8);
	uint32_t records = ldns_read_uint32(data + 12);
	uint32_t crc = ldns_read_uint32(data + 16);
	uint32_t body = ldns_read_uint32(data + 20);
	if (version != STATE_VERSION) {
		gw_warn("mirror: %s: format version %u, this version reads %u", file, version,
		        STATE_VERSION);
		return GW_EPARSE;
	}
	if ((size_t)body != len - STATE_HEAD ||
	    (uint32_t)crc32(0, data + STATE_HEAD, (uInt)body) != crc) {
		gw_warn("mirror: %s: damaged (%zu octets of records, the header says %u, or the "
		        "checksum differs)",
		        file, len - STATE_HEAD, body);
		return GW_EPARSE;
	}
	size_t pos = STATE_HEAD, bad = 0;
	for (uint32_t i = 0; i < records; i++) {
		ldns_rr *rr = NULL;
		if (pos >= len ||
		    ldns_wire2rr(&rr, data, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
			gw_warn("mirror: %s: record %u of %u unreadable, the rest not read", file,
			        i + 1, records);
			return GW_OK;
		}
		int ret = take_rr(z, rr, count);
		ldns_rr_free(rr);
		if (ret == GW_ENOMEM)
			return ret;
		if (ret != GW_OK && bad++ == 0)
			gw_warn("mirror: %s: record %u of %u skipped", file, i + 1, records);
	}
	if (pos != len)
		gw_warn("mirror: %s: %zu octets after the %u records not read", file, len - pos,
		        records);
	return GW_OK;
}

int mirror_state_parse(mzone_t *z, char *data, size_t len, size_t *count)
{
	if (len >= sizeof(STATE_MAGIC) && memcmp(data, STATE_MAGIC, sizeof(STATE_MAGIC)) == 0)
		return parse_wire(z, (const uint8_t *)data, len, count);
	return parse_text(z, data, count);
}

int mirror_state_load(mzone_t *z)
{
	char *data = NULL;
	size_t len = 0, count = 0;
	if (z->state_file == NULL)
		return GW_OK;
	int ret = gw_file_read(z->state_file, STATE_MAX, &data, &len);
	if (ret == -ENOENT)
		return GW_OK;
	if (ret != GW_OK)
		return ret;
	gw_heap_bulk_begin();
	ret = mirror_state_parse(z, data, len, &count);
	gw_heap_bulk_end();
	free(data);
	if (ret == GW_OK)
		gw_info("mirror: %zu saved records of %s served until the warm-up ends (%.1f s)",
		        count, mirror_zcfg(z)->domain_str,
		        (double)z->mirror->cfg->warmup_ms / 1000.0);
	return ret;
}
