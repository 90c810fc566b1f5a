/* The static records after the start (gateway/zonemgr/zonemgr.h): the
 * zone file read again, the gateway's own records replaced
 * (gw_zonemgr_set_extra()), the hold that makes a configuration reload
 * one change, and the names they claim, which the mirror must leave
 * alone. What the zone holds of them is marked (gw_zonemgr_apply_statics());
 * a reload commits the difference from the marked records to the new
 * ones, and marks the zone once that is in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "gateway/zonemgr/zonemgr.h"
#include "gateway/zonemgr/zonemgr_internal.h"

int gw_zonemgr_hold(gw_zonemgr_t *m)
{
	if (m->held)
		return GW_EINVAL;
	int ret = zone_changeset_init(&m->pending);
	if (ret != GW_OK)
		return ret;
	m->held = true;
	m->pending_commits = 0;
	return GW_OK;
}

/* The SOA of a reloaded file replaces ours but keeps our serial. */
static int soa_changes(gw_zonemgr_t *m, const zone_t *fresh, zone_changeset_t *cs)
{
	const zone_node_t *old_apex = zone_apex_node(m->zone->zone);
	const zone_node_t *new_apex = zone_apex_node(fresh);
	const zone_rrset_t *old_soa = zone_node_rrset(old_apex, DNS_T_SOA);
	const zone_rrset_t *new_soa = zone_node_rrset(new_apex, DNS_T_SOA);
	ldns_rr *old_rr = NULL, *new_rr = NULL;
	int ret = zone_rr_to_ldns(&old_rr, old_apex, old_soa, old_soa->rdata + 2,
	                          (uint16_t)(old_soa->rdata_len - 2));
	if (ret == GW_OK)
		ret = zone_rr_to_ldns(&new_rr, new_apex, new_soa, new_soa->rdata + 2,
		                      (uint16_t)(new_soa->rdata_len - 2));
	if (ret != GW_OK)
		goto out;
	ldns_rdf *serial = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32,
	                                         ldns_rdf2native_int32(ldns_rr_rdf(old_rr, 2)));
	ldns_rdf *prev = serial ? ldns_rr_set_rdf(new_rr, serial, 2) : NULL;
	if (prev == NULL) {
		ldns_rdf_free(serial);
		ret = GW_ENOMEM;
		goto out;
	}
	ldns_rdf_deep_free(prev);
	if (ldns_rr_compare(old_rr, new_rr) == 0 && ldns_rr_ttl(old_rr) == ldns_rr_ttl(new_rr))
		goto out;
	ret = zone_changeset_remove(cs, old_rr);
	old_rr = NULL;
	if (ret == GW_OK)
		ret = zone_changeset_add(cs, new_rr);
	new_rr = NULL;
out:
	ldns_rr_free(old_rr);
	ldns_rr_free(new_rr);
	return ret;
}

/* cs (initialised here; the caller deinits it, even on error): from the
 * static records the zone holds, or those of a reload held before (not in
 * the zone yet), to fresh; the SOA keeps our serial. */
static int statics_changes(gw_zonemgr_t *m, const zone_t *fresh, zone_changeset_t *cs)
{
	int ret = zone_changeset_init(cs);
	if (ret == GW_OK && m->pending_statics != NULL && m->pending_statics != fresh)
		ret = zone_diff(m->pending_statics, fresh, gw_zonemgr_skip_owned_and_soa, NULL, cs);
	else if (ret == GW_OK)
		ret = zone_marked_diff(m->zone->zone, m->exact, fresh,
		                       gw_zonemgr_skip_owned_and_soa, NULL, cs);
	if (ret == GW_OK)
		ret = soa_changes(m, fresh, cs);
	return ret;
}

/* Commit now, held or not, the difference from the static records the
 * zone holds to fresh (the zone file's difference alone). */
static int commit_statics(gw_zonemgr_t *m, const zone_t *fresh)
{
	zone_changeset_t cs = {0};
	int ret = statics_changes(m, fresh, &cs);
	if (ret == GW_OK)
		ret = gw_zonemgr_commit_now(m, &cs, NULL);
	if (ret != GW_OK)
		gw_err("zone %s: the zone file's changes alone could not be committed either: %s; "
		       "the previous records stay (reload again)",
		       m->opts.domain_str, gw_strerror(ret));
	zone_changeset_deinit(&cs);
	return ret;
}

int gw_zonemgr_release(gw_zonemgr_t *m, uint32_t *serial, gw_zonemgr_statics_t *statics)
{
	int ret = GW_OK;
	gw_zonemgr_statics_t st = GW_ZONEMGR_STATICS_NONE;
	if (!m->held)
		return GW_EINVAL;
	m->held = false;
	if (m->pending_commits > 0) {
		ret = gw_zonemgr_commit_now(m, &m->pending, NULL);
		if (ret != GW_OK)
			gw_err("zone %s: the held changes (%zu commits) could not be committed: %s",
			       m->opts.domain_str, m->pending_commits, gw_strerror(ret));
		else
			gw_zonemgr_schedule_refresh_soon(m);
	}
	/* One record the zone refuses among the others' changes (the
	 * mirror's, told of the failure by its caller) must not hold back the
	 * zone file's: its difference alone, as an unheld reload commits it. */
	if (ret != GW_OK && m->pending_statics != NULL &&
	    commit_statics(m, m->pending_statics) == GW_OK) {
		gw_notice("zone %s: the zone file's changes were committed alone",
		          m->opts.domain_str);
		gw_zonemgr_schedule_refresh_soon(m);
		gw_zonemgr_apply_statics(m, m->pending_statics);
		st = GW_ZONEMGR_STATICS_ALONE;
	} else if (ret == GW_OK && m->pending_statics != NULL) {
		/* A reload among them marks the zone once its changes are in. */
		gw_zonemgr_apply_statics(m, m->pending_statics);
		st = GW_ZONEMGR_STATICS_IN;
	} else {
		st = m->pending_statics != NULL ? GW_ZONEMGR_STATICS_LOST : GW_ZONEMGR_STATICS_NONE;
		zone_free(m->pending_statics);
	}
	m->pending_statics = NULL;
	zone_changeset_deinit(&m->pending);
	m->pending_commits = 0;
	if (serial != NULL)
		zone_serial(m->zone->zone, serial);
	if (statics != NULL)
		*statics = st;
	return ret;
}

/* Commit the difference from the static records the zone holds to
 * fresh (taken: the file read, the apex and the gateway's own records
 * in); what names the source in the logs. With no difference nothing is
 * committed (the serial stays), and fresh is marked all the same. A
 * failure is the caller's to log: a reload and a change of the
 * gateway's own records say different things of what stays. */
static int apply_statics(gw_zonemgr_t *m, zone_t *fresh, const char *what)
{
	zone_changeset_t cs = {0};
	gw_zonemgr_warn_statics(fresh, &m->opts);
	int ret = statics_changes(m, fresh, &cs);
	if (ret == GW_OK)
		ret = gw_zonemgr_commit(m, &cs);
	if (ret != GW_OK)
		goto out;
	gw_info("reload: %s applied (%zu removed, %zu added)", what,
	        cs.remove ? ldns_rr_list_rr_count(cs.remove) : 0,
	        cs.add ? ldns_rr_list_rr_count(cs.add) : 0);
	/* Held, the zone has not changed yet: the release re-arms the
	 * refresh once it has. */
	if (m->held) {
		zone_free(m->pending_statics);
		m->pending_statics = fresh;
	} else {
		gw_zonemgr_apply_statics(m, fresh);
		gw_zonemgr_schedule_refresh_soon(m);
	}
	fresh = NULL;
out:
	zone_changeset_deinit(&cs);
	zone_free(fresh);
	return ret;
}

/* What could not be read or completed leaves the zone as it was. */
static int not_reloaded(int ret, const char *err)
{
	gw_err("reload: zone not reloaded, still serving the previous one: %s",
	       err[0] ? err : gw_strerror(ret));
	return ret;
}

/* The reload on the loop: the file read here, then as a read on a
 * thread is applied. */
int gw_zonemgr_reload(gw_zonemgr_t *m)
{
	char err[512] = "";
	zone_t *zone = NULL;
	if (m->opts.zone_file == NULL) {
		gw_notice("reload: no zone file configured, nothing to reload");
		return GW_OK;
	}
	int ret = gw_zonemgr_read_static(&zone, &m->opts, err, sizeof(err));
	if (ret != GW_OK)
		return not_reloaded(ret, err);
	return gw_zonemgr_reload_read(m, zone);
}

int gw_zonemgr_reload_read(gw_zonemgr_t *m, zone_t *zone)
{
	char err[512] = "";
	if (m->opts.zone_file == NULL) {
		zone_free(zone);
		gw_notice("reload: no zone file configured, nothing to reload");
		return GW_OK;
	}
	/* The gateway's own records as they are now: they may have changed
	 * while the file was read. */
	int ret = gw_zonemgr_finish_static(zone, &m->opts, err, sizeof(err));
	if (ret != GW_OK) {
		zone_free(zone);
		return not_reloaded(ret, err);
	}
	ret = apply_statics(m, zone, m->opts.zone_file);
	return ret == GW_OK ? GW_OK : not_reloaded(ret, "");
}

/* The types the gateway makes itself, the SOA kept. */
static bool owned_type(uint16_t type, void *arg)
{
	return type != DNS_T_SOA && gw_zonemgr_skip_owned_and_soa(type, arg);
}

/* The static records as the zone holds them now (a held reload's, when
 * one is held), less the gateway's own records of old (count of them):
 * an RRset of theirs that the zone file gave instead (one that differs
 * from old's of its name and type) stays. Into *out; the zone file is
 * not read. Why not in err (errlen octets), when it is known. */
static int statics_less(gw_zonemgr_t *m, const char *const *old, size_t count, zone_t **out,
                        char *err, size_t errlen)
{
	const zone_t *zone = m->zone->zone;
	zone_t *fresh = NULL, *ours = NULL;
	zone_changeset_t cs = {0};
	const zone_node_t *node;
	int ret = zone_new(&fresh, zone_apex(zone));
	if (ret == GW_OK)
		ret = m->pending_statics != NULL
		          ? zone_add_zone(fresh, m->pending_statics, owned_type, NULL)
		          : zone_add_marked(fresh, zone, m->exact, owned_type, NULL);
	/* The previous records as add_extra() read them, into a zone of
	 * their own. */
	gw_zonemgr_opts_t prev = {.extra_rrs = old, .extra_count = count};
	if (ret == GW_OK)
		ret = zone_new(&ours, zone_apex(zone));
	if (ret == GW_OK)
		ret = gw_zonemgr_finish_static(ours, &prev, err, errlen);
	if (ret == GW_OK)
		ret = zone_changeset_init(&cs);
	for (size_t k = 0; ret == GW_OK && (node = zone_node_at(ours, k)) != NULL; k++) {
		const zone_node_t *in = zone_find(fresh, node->owner);
		for (uint16_t i = 0; ret == GW_OK && in != NULL && i < node->rrset_count; i++) {
			const zone_rrset_t *had = zone_node_rrset(in, node->rrsets[i].type);
			if (had != NULL && gw_zonemgr_same_rrset(had, &node->rrsets[i]))
				ret = zone_changeset_remove_rrset(&cs, in, had->type, NULL, 0);
		}
	}
	if (ret == GW_OK)
		ret = zone_apply(fresh, &cs, NULL, NULL);
	zone_changeset_deinit(&cs);
	zone_free(ours);
	if (ret == GW_OK) {
		*out = fresh;
		return GW_OK;
	}
	zone_free(fresh);
	return ret;
}

int gw_zonemgr_set_extra(gw_zonemgr_t *m, const char *const *rrs, size_t count)
{
	const char *const *old = m->opts.extra_rrs;
	size_t old_count = m->opts.extra_count;
	char err[512] = "";
	zone_t *fresh = NULL;
	/* From the records the zone holds, not from the zone file: an edit
	 * not reloaded yet is the reload's to take (or refuse). */
	int ret = statics_less(m, old, old_count, &fresh, err, sizeof(err));
	m->opts.extra_rrs = rrs;
	m->opts.extra_count = count;
	if (ret == GW_OK)
		ret = gw_zonemgr_finish_static(fresh, &m->opts, err, sizeof(err));
	if (ret == GW_OK) {
		ret = apply_statics(m, fresh, "the gateway's own records");
		fresh = NULL;
	}
	if (ret != GW_OK)
		gw_err("zone %s: the gateway's own records not changed: %s", m->opts.domain_str,
		       err[0] ? err : gw_strerror(ret));
	zone_free(fresh);
	if (ret != GW_OK) {
		m->opts.extra_rrs = old;
		m->opts.extra_count = old_count;
	}
	return ret;
}

/* Is name below a delegation or a DNAME of zone? Records there would be
 * the child's (RFC 1034 4.2.1), or never reached (RFC 6672 2.4): no query
 * gets to them. Only the zone file holds NS below the apex and DNAME, so
 * a zone with neither (every DNS-SD zone) pays two flag tests. */
static bool below_cut(const zone_t *zone, const uint8_t *name)
{
	return (zone_has_delegations(zone) && zone_ancestor_with(zone, name, DNS_T_NS) != NULL) ||
	       (zone_has_dnames(zone) && zone_ancestor_with(zone, name, DNS_T_DNAME) != NULL);
}

bool gw_zonemgr_is_static_name(const gw_zonemgr_t *m, const uint8_t *name)
{
	/* A held reload's records count from the reload on, as its changes
	 * do for the mirror. */
	if (m->pending_statics != NULL)
		return zone_find(m->pending_statics, name) != NULL ||
		       below_cut(m->pending_statics, name);
	return zone_name_marked(m->zone->zone, m->exact, name) || below_cut(m->zone->zone, name);
}

bool gw_zonemgr_covers_below(const gw_zonemgr_t *m, const uint8_t *name)
{
	const zone_t *zone = m->pending_statics != NULL ? m->pending_statics : m->zone->zone;
	if (!zone_name_is_subdomain(name, zone_apex(zone)))
		return false;
	/* Only the zone file holds NS below the apex and DNAME (the mirror
	 * publishes neither), so the served zone answers for it too. */
	const zone_node_t *n = zone_find(zone, name);
	bool below_apex = zone_name_labels(name) > zone_name_labels(zone_apex(zone));
	if (n != NULL && ((below_apex && zone_node_rrset(n, DNS_T_NS) != NULL) ||
	                  zone_node_rrset(n, DNS_T_DNAME) != NULL))
		return true;
	return below_cut(zone, name);
}
