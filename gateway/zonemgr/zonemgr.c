#include "gateway/zonemgr/zonemgr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/heap.h"
#include "common/log.h"
#include "common/str_table.h"
#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "gateway/zonemgr/serial_store.h"
#include "common/container.h"
#include "gateway/zonemgr/zonemgr_internal.h"

/* The zone's name as text, with the final dot and NUL. */
#define APEX_TEXT_MAX 256

/* When a refresh fails, try again this much later (seconds). */
#define REFRESH_RETRY 60.0
/* Most a refresh waits to gather RRsets that fall due (seconds). */
#define REFRESH_SLACK_MAX 3600.0
/* RRsets one refresh commit re-signs at most, and the pause before the
 * next when more are due. The loop serves no query while it signs: the
 * wall clock set forward past every signature (or a key rollover's
 * active step) made one commit of the whole zone, 3.1 s without an
 * answer at 10 000 services and 30 s at 100 000 on one signing thread
 * (bench/clock_step.py). 4096 RRsets are
 * 150 to 210 ms of one thread, half that on two; the pause lets the
 * loop answer what queued meanwhile (256 datagrams a socket a turn). An
 * hourly refresh at 100 000 services (a day's jitter: some 25 000
 * RRsets) takes seven parts. */
#define REFRESH_CHUNK     4096
#define REFRESH_CHUNK_GAP 0.005

static int commit(gw_zonemgr_t *m, const zone_changeset_t *cs, size_t max, size_t *resigned);

/* Records the gateway makes itself; a zone file cannot supply them. */
static bool gateway_owned_type(uint16_t type, void *arg)
{
	(void)arg;
	switch (type) {
	case DNS_T_RRSIG:
	case DNS_T_NSEC:
	case DNS_T_DNSKEY:
	case DNS_T_NSEC3:
	case DNS_T_NSEC3PARAM:
	case DNS_T_CDS:
	case DNS_T_CDNSKEY:
		return true;
	default:
		return false;
	}
}

bool gw_zonemgr_skip_owned_and_soa(uint16_t type, void *arg)
{
	return type == DNS_T_SOA || gateway_owned_type(type, arg);
}

static int add_rr_str(zone_t *zone, const char *text, char *errbuf, size_t errlen)
{
	ldns_rr *rr = NULL;
	ldns_status st = ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL);
	if (st != LDNS_STATUS_OK) {
		snprintf(errbuf, errlen, "built-in record '%s': %s", text,
		         ldns_get_errorstr_by_id(st));
		return GW_EPARSE;
	}
	int ret = zone_add_rr(zone, rr);
	ldns_rr_free(rr);
	if (ret != GW_OK)
		snprintf(errbuf, errlen, "built-in record '%s': %s", text, gw_strerror(ret));
	return ret;
}

/* The gateway's own records into zone, but for a name and type the zone
 * file gives (the operator's file wins): decided for all of them before
 * any is added, since several of ours may share a name and type. */
static int add_extra(zone_t *zone, const gw_zonemgr_opts_t *opts, char *errbuf, size_t errlen)
{
	int ret = GW_OK;
	ldns_rr_list *add = ldns_rr_list_new();
	if (add == NULL)
		return GW_ENOMEM;
	for (size_t i = 0; i < opts->extra_count; i++) {
		ldns_rr *rr = NULL;
		ldns_status st = ldns_rr_new_frm_str(&rr, opts->extra_rrs[i], 0, NULL, NULL);
		if (st != LDNS_STATUS_OK) {
			snprintf(errbuf, errlen, "gateway record '%s': %s", opts->extra_rrs[i],
			         ldns_get_errorstr_by_id(st));
			ret = GW_EPARSE;
			goto out;
		}
		const zone_node_t *node = zone_find(zone, ldns_rdf_data(ldns_rr_owner(rr)));
		if (node != NULL && zone_node_rrset(node, (uint16_t)ldns_rr_get_type(rr)) != NULL) {
			ldns_rr_free(rr);
			continue;
		}
		if (!ldns_rr_list_push_rr(add, rr)) {
			ldns_rr_free(rr);
			ret = GW_ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(add) && ret == GW_OK; i++) {
		ret = zone_add_rr(zone, ldns_rr_list_rr(add, i));
		if (ret != GW_OK)
			snprintf(errbuf, errlen, "a gateway record (TLSA, SRV, address): %s",
			         gw_strerror(ret));
	}
out:
	ldns_rr_list_deep_free(add);
	return ret;
}

/* No zone file: the apex records a served zone needs. The serial starts
 * from the clock; <state>/serial keeps it moving forward. */
static int add_apex(zone_t *zone, const gw_zonemgr_opts_t *opts, char *errbuf, size_t errlen)
{
	const char *d = opts->domain_str;
	char rr[4 * APEX_TEXT_MAX + 128];
	snprintf(rr, sizeof(rr), "%s 3600 IN SOA ns.%s hostmaster.%s %u 3600 600 86400 10", d, d, d,
	         (uint32_t)gw_clock_wall());
	int ret = add_rr_str(zone, rr, errbuf, errlen);
	if (ret != GW_OK)
		return ret;
	snprintf(rr, sizeof(rr), "%s 3600 IN NS ns.%s", d, d);
	return add_rr_str(zone, rr, errbuf, errlen);
}

/* Data below a DNAME (RFC 6672 2.4: MUST NOT exist) would be loaded,
 * signed and transferred, but no query reaches it: the DNAME redirects
 * every name under it. Refused as Knot refuses it. Every name below a
 * node follows it in canonical order, so one pass finds the first. */
static int check_occluded(const zone_t *zone, char *errbuf, size_t errlen)
{
	const zone_node_t *dname = NULL;
	if (!zone_has_dnames(zone))
		return GW_OK;
	for (const zone_node_t *node = zone_first(zone); node; node = zone_next(zone, node)) {
		if (dname != NULL && zone_name_is_subdomain(node->owner, dname->owner)) {
			char owner[4 * ZONE_NAME_MAXLEN + 2], name[4 * ZONE_NAME_MAXLEN + 2];
			(void)zone_name_to_str(owner, sizeof(owner), dname->owner);
			(void)zone_name_to_str(name, sizeof(name), node->owner);
			snprintf(errbuf, errlen,
			         "%s is below the DNAME at %s: RFC 6672 2.4 forbids data there (no "
			         "query would reach it)",
			         name, owner);
			return GW_ESEMANTIC;
		}
		dname = zone_node_rrset(node, DNS_T_DNAME) != NULL ? node : NULL;
	}
	return GW_OK;
}

int gw_zonemgr_read_static(zone_t **out, const gw_zonemgr_opts_t *opts, char *errbuf, size_t errlen)
{
	int ret;
	zone_t *zone = NULL;

	if (opts->zone_file != NULL) {
		ret = zone_load_file(&zone, opts->domain, opts->zone_file, errbuf, errlen);
	} else {
		ret = zone_new(&zone, opts->domain);
		if (ret != GW_OK)
			snprintf(errbuf, errlen, "cannot create zone: %s", gw_strerror(ret));
		else
			ret = add_apex(zone, opts, errbuf, errlen);
	}
	if (ret == GW_OK) {
		*out = zone;
		return GW_OK;
	}
	zone_free(zone);
	return ret;
}

int gw_zonemgr_finish_static(zone_t *zone, const gw_zonemgr_opts_t *opts, char *errbuf,
                             size_t errlen)
{
	int ret = add_extra(zone, opts, errbuf, errlen);
	if (ret == GW_OK)
		ret = check_occluded(zone, errbuf, errlen);
	return ret;
}

int gw_zonemgr_load_static(zone_t **out, const gw_zonemgr_opts_t *opts, char *errbuf, size_t errlen)
{
	zone_t *zone = NULL;
	int ret = gw_zonemgr_read_static(&zone, opts, errbuf, errlen);
	if (ret == GW_OK)
		ret = gw_zonemgr_finish_static(zone, opts, errbuf, errlen);
	if (ret == GW_OK) {
		*out = zone;
		return GW_OK;
	}
	zone_free(zone);
	return ret;
}

/* A zone file the operator wrote is not second-guessed: an RRset too big
 * to validate is served and signed all the same, with this warning. */
size_t gw_zonemgr_warn_statics(const zone_t *statics, const gw_zonemgr_opts_t *opts)
{
	size_t n = 0, big = 0;
	const zone_node_t *node, *first = NULL;
	const zone_rrset_t *first_rrset = NULL;
	for (size_t k = 0; (node = zone_node_at(statics, k)) != NULL; k++) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rs = &node->rrsets[i];
			n += gateway_owned_type(rs->type, NULL);
			if (zone_rrset_wire_size(node, rs) <= ZONE_RRSET_VALIDATABLE_MAX)
				continue;
			if (big++ == 0) {
				first = node;
				first_rrset = rs;
			}
		}
	}
	const char *file = opts->zone_file ? opts->zone_file : "zone";
	if (n > 0)
		gw_warn("%s: %zu DNSSEC RRsets (DNSKEY, RRSIG, NSEC, NSEC3, CDS, CDNSKEY) ignored: "
		        "the gateway makes these itself",
		        file, n);
	if (big > 0) {
		char name[4 * ZONE_NAME_MAXLEN + 2];
		if (zone_name_to_str(name, sizeof(name), first->owner) != GW_OK)
			snprintf(name, sizeof(name), "(unprintable name)");
		char type[16];
		zone_type_str(type, sizeof(type), first_rrset->type);
		gw_warn(
		    "%s: %zu RRsets over %d octets (the first: %s %s, %zu octets): Unbound and "
		    "BIND cannot check such an RRset's signature, so answers with it are bogus to "
		    "them; spread its records over more names",
		    file, big, ZONE_RRSET_VALIDATABLE_MAX, name, type,
		    zone_rrset_wire_size(first, first_rrset));
	}
	return n;
}

static int keys_changeset(gw_zonemgr_t *m, const zone_t *zone, zone_changeset_t *cs)
{
	return sig_keystore_apex_changes(m->keys, zone, m->opts.dnssec.dnskey_ttl, cs);
}

void gw_zonemgr_use_keys(gw_zonemgr_t *m)
{
	m->signer.key_count =
	    sig_keystore_signing_keys(m->keys, m->sign_keys, m->keyset_only, GW_ZONEMGR_KEYS_MAX);
	m->signer.keys = m->sign_keys;
	m->signer.keyset_only = m->keyset_only;
}

static gw_journal_opts_t journal_opts(const gw_zonemgr_opts_t *opts)
{
	return (gw_journal_opts_t){
	    .state_dir = opts->state_dir,
	    .max_size = opts->journal_size,
	    .max_entries = opts->journal_entries,
	};
}

/* One RRset of the zone served before a restart (the journal's walk). */
typedef struct adopt_walk {
	gw_zonemgr_t *m;
	zone_t *zone;
	time_t now;
	size_t adopted;
	size_t behind; /* served without the signatures of a key that signs now */
} adopt_walk_t;

static int adopt_rrset(void *ctx, const uint8_t *owner, const zone_rrset_t *old)
{
	adopt_walk_t *w = ctx;
	bool adopted = false, behind = false;
	int ret = sig_adopt_rrset(&w->m->signer, w->zone, owner, old, w->now, &adopted, &behind);
	w->adopted += adopted;
	w->behind += behind;
	return ret;
}

/* The zone served before a restart is in the journal: its signatures
 * still hold for every RRset that did not change, so only the rest needs
 * signing, and the first IXFR after the restart stays small. The journal
 * hands it out RRset by RRset: no second zone is built. Best effort:
 * without a usable journal everything is signed. Returns the number of
 * RRsets that took signatures over; *behind gets the number that were
 * served without the signatures of a key that signs now. */
static size_t adopt_signatures(gw_zonemgr_t *m, zone_t *zone, size_t *behind)
{
	gw_journal_opts_t jopts = journal_opts(&m->opts);
	adopt_walk_t w = {.m = m, .zone = zone, .now = time(NULL)};

	int ret = gw_journal_each_last(&jopts, zone_apex(zone), adopt_rrset, &w);
	if (ret == GW_ENOMEM)
		gw_warn("cannot take over the earlier signatures (%s); signing the rest",
		        gw_strerror(ret));
	*behind = w.behind;
	return w.adopted;
}

static int setup_signing(gw_zonemgr_t *m, zone_t *zone)
{
	int ret;
	const gw_zonemgr_opts_t *cfg = &m->opts;
	zone_changeset_t cs = {0};

	sig_key_policy_t policy = {
	    .algorithm = cfg->dnssec.algorithm,
	    .split = cfg->dnssec.split_keys,
	    .rsa_bits = (int)cfg->dnssec.rsa_bits,
	    .import = cfg->dnssec.import,
	    .import_count = cfg->dnssec.import_count,
	    .new_keys = cfg->dnssec.new_keys,
	};
	ret = sig_keystore_open(&m->keys, cfg->state_dir, cfg->domain, &policy);
	if (ret != GW_OK)
		return ret;
	m->signer = (sig_signer_t){
	    .apex = zone_apex(zone),
	    .validity = (uint32_t)(cfg->dnssec.validity_ms / 1000),
	    .refresh = (uint32_t)(cfg->dnssec.refresh_ms / 1000),
	    .jitter = (uint32_t)(cfg->dnssec.jitter_ms / 1000),
	    .inception_offset = (uint32_t)(cfg->dnssec.inception_offset_ms / 1000),
	};
	gw_zonemgr_use_keys(m);
	size_t count = m->signer.key_count;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	m->sign_threads =
	    cfg->dnssec.sign_threads ? cfg->dnssec.sign_threads : (unsigned)(cpus > 0 ? cpus : 1);

	ret = zone_changeset_init(&cs);
	if (ret != GW_OK)
		goto out;
	ret = keys_changeset(m, zone, &cs);
	if (ret == GW_OK)
		ret = zone_apply(zone, &cs, NULL, NULL);
	if (ret != GW_OK) {
		gw_err("cannot add the DNSKEY records: %s", gw_strerror(ret));
		goto out;
	}
	zone_changeset_deinit(&cs);

	uint32_t nsec_ttl = 0;
	ret = sig_nsec_ttl(zone, &nsec_ttl);
	/* NSEC: in wire form, without an ldns object per name, when the
	 * zone holds no NSEC yet (sig_nsec_build() takes the changeset way
	 * itself otherwise). */
	if (ret == GW_OK && !cfg->dnssec.nsec3) {
		ret = sig_nsec_build(zone, nsec_ttl);
	} else if (ret == GW_OK) {
		ret = zone_changeset_init(&cs);
		if (ret == GW_OK)
			ret = sig_nsec3_update(zone, nsec_ttl, &cs);
		if (ret == GW_OK)
			ret = zone_apply(zone, &cs, NULL, NULL);
	}
	if (ret != GW_OK) {
		gw_err("cannot build the %s chain: %s", cfg->dnssec.nsec3 ? "NSEC3" : "NSEC",
		       gw_strerror(ret));
		goto out;
	}
	/* The NSEC3 chain's RRs as ldns objects (about 230 B a name) would
	 * otherwise stay through the signing, the start's peak. */
	zone_changeset_deinit(&cs);

	uint64_t t0 = gw_clock_mono_ns();
	size_t behind = 0;
	size_t adopted = adopt_signatures(m, zone, &behind);
	size_t signed_count = 0;
	ret = sig_sign_zone(&m->signer, zone, gw_clock_wall(), adopted == 0, m->sign_threads,
	                    &signed_count);
	if (ret != GW_OK) {
		gw_err("cannot sign the zone: %s", gw_strerror(ret));
		goto out;
	}
	m->stats.rrsets_signed += signed_count;
	gw_info("zone %s signed: %zu RRset%s with %zu key%s (%s) in %.1f ms, %u thread%s; %zu "
	        "RRset%s kept the signatures served before the restart",
	        cfg->domain_str, signed_count, gw_plural_s((long long)signed_count), count,
	        gw_plural_s((long long)count), sig_algorithm_name(cfg->dnssec.algorithm),
	        (double)(gw_clock_mono_ns() - t0) / 1e6, m->sign_threads,
	        gw_plural_s(m->sign_threads), adopted, gw_plural_s((long long)adopted));
	/* A step whose re-signing the restart cut off (its parts, or a disk
	 * too full for its commit) is in effect only now that the zone is
	 * signed whole: counted from when it was taken, its waits would end
	 * early by the downtime, while secondaries and caches still held the
	 * old signatures. Without the journal to tell, a step that signs
	 * anew is taken for one cut off. */
	ret = adopted == 0 ? gw_zonemgr_keys_unknown(m) : gw_zonemgr_keys_caught_up(m, behind);
	if (ret != GW_OK) {
		/* keys/state not written (a full disk): the rollover timer's
		 * first tick records it before it takes any step. */
		gw_warn("zone %s: cannot record in keys/state that the rollover's step is in "
		        "effect only now (%s); no step is taken until it is",
		        cfg->domain_str, gw_strerror(ret));
		m->keys_late = true;
		m->keys_late_why = "the zone served before the restart was not yet signed for it, "
		                   "and keys/state could not record it at the start";
		m->keys_retry = true;
		ret = GW_OK;
	}
	/* The DS files are for the operator, who also has the DS in the log:
	 * a disk too full for them does not stop the zone being served. */
	ret = sig_keystore_publish_ds(m->keys, cfg->dnssec.dnskey_ttl);
	if (ret != GW_OK && ret != GW_ENOMEM) {
		gw_err("zone %s: cannot write the DS files in %s: %s; the DS records are in the "
		       "log above; they are written again at the next start or key change",
		       cfg->domain_str, cfg->state_dir, gw_strerror(ret));
		ret = GW_OK;
	}
out:
	zone_changeset_deinit(&cs);
	return ret;
}

void gw_zonemgr_schedule_refresh(gw_zonemgr_t *m)
{
	/* Parts of a re-signing are under way (a refresh's, a key change's):
	 * the timer is theirs, and the last part schedules the next refresh.
	 * A reload or a clock set meanwhile must not move it to the next
	 * expiry, which does not see the RRsets a key change has yet to sign
	 * again: the rollover would wait days for them. */
	ev_timer_stop(m->loop, &m->rearm);
	if (m->refresh_parts > 0)
		return;
	ev_timer_stop(m->loop, &m->refresh);
	m->refresh_at = m->refresh_due = 0;
	if (m->keys == NULL)
		return;
	time_t next = sig_zone_next_refresh(&m->signer, m->zone->zone);
	if (next == 0)
		return;
	m->refresh_due = next;
	/* Wait a little past the first RRset due, so that one refresh takes
	 * every RRset due within that slack: jittered expirations would
	 * otherwise mean a serial bump (and a transfer) every few seconds.
	 * The slack is a tenth of the refresh window, so signatures still
	 * have most of that window left when they are replaced. */
	double slack = m->signer.refresh / 10.0;
	if (slack > REFRESH_SLACK_MAX)
		slack = REFRESH_SLACK_MAX;
	/* What is due already (the wall clock set: expired signatures, or
	 * ones not valid yet) waits for nothing. */
	time_t now = gw_clock_wall();
	double in = next <= now ? 1.0 : (double)(next - now) + slack;
	if (in < 1.0)
		in = 1.0;
	ev_timer_set(&m->refresh, in, 0.0);
	ev_timer_start(m->loop, &m->refresh);
	m->refresh_at = now + (time_t)in;
}

static void on_rearm(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	gw_zonemgr_schedule_refresh(container_of(w, gw_zonemgr_t, rearm));
}

void gw_zonemgr_schedule_refresh_soon(gw_zonemgr_t *m)
{
	if (!ev_is_active(&m->rearm))
		ev_timer_start(m->loop, &m->rearm);
}

/* The refresh timer for the next part, REFRESH_CHUNK_GAP from now: not
 * from the loop's time before the part, since a timer due already would
 * run the next part ahead of the queries read meanwhile (libev runs the
 * last watcher made pending first), and a query would wait two parts. */
static void next_part(gw_zonemgr_t *m)
{
	ev_now_update(m->loop);
	ev_timer_stop(m->loop, &m->refresh);
	ev_timer_set(&m->refresh, REFRESH_CHUNK_GAP, 0.0);
	ev_timer_start(m->loop, &m->refresh);
	m->refresh_at = gw_clock_wall();
}

static void on_refresh(struct ev_loop *loop, ev_timer *w, int revents)
{
	gw_zonemgr_t *m = container_of(w, gw_zonemgr_t, refresh);
	size_t n = 0;
	/* New signatures are new zone content: secondaries and transfers
	 * see a new serial. */
	int ret = commit(m, NULL, REFRESH_CHUNK, &n);
	if (ret == GW_OK && n > 0) {
		m->stats.refreshes++;
		m->refresh_run += n;
		m->refresh_parts++;
	}
	if (ret != GW_OK) {
		gw_err("signature refresh failed: %s; retrying in %.0f s", gw_strerror(ret),
		       REFRESH_RETRY);
		ev_timer_set(&m->refresh, REFRESH_RETRY, 0.0);
		ev_timer_start(loop, &m->refresh);
		m->refresh_at = gw_clock_wall() + (time_t)REFRESH_RETRY;
		return;
	}
	/* A full part (the SOA on top of REFRESH_CHUNK): more may be due. A
	 * part is only full while RRsets are due, each signed once, so this
	 * ends. */
	if (n >= REFRESH_CHUNK) {
		next_part(m);
		return;
	}
	size_t run = m->refresh_run;
	unsigned parts = m->refresh_parts;
	m->refresh_run = 0;
	m->refresh_parts = 0;
	gw_zonemgr_schedule_refresh(m);
	/* A key change's parts are said by the keys' line. */
	if (m->keys_resigning)
		gw_zonemgr_keys_resigned(m, run, parts);
	else if (parts > 1)
		gw_info("signature refresh: %zu RRsets re-signed, in %u commits", run, parts);
	else
		gw_info("signature refresh: %zu RRsets re-signed", run);
}

int gw_zonemgr_resign_part(gw_zonemgr_t *m, size_t *resigned, bool *more)
{
	*more = false;
	int ret = commit(m, NULL, REFRESH_CHUNK, resigned);
	if (ret != GW_OK || *resigned < REFRESH_CHUNK)
		return ret;
	*more = true;
	m->refresh_run += *resigned;
	m->refresh_parts++;
	next_part(m);
	return GW_OK;
}

/* The newest serial the journal file shows served is a floor for the
 * first serial: <state>/serial may have been restored from an older
 * backup, or removed, while the journal stayed. */
static void serial_floor(gw_zonemgr_t *m)
{
	const gw_zonemgr_opts_t *cfg = &m->opts;
	uint32_t served = 0;
	if (gw_journal_read_floor(cfg->state_dir, cfg->domain, &served) != GW_OK)
		return; /* none, or logged */
	gw_serial_set_floor(&m->serial, served);
	if (!m->serial.known)
		gw_warn("zone %s: %s has no serial, but the journal shows serial %u served; "
		        "starting past it",
		        cfg->domain_str, m->serial.path, served);
	else if (zone_serial_cmp(served, m->serial.ceiling) == 1)
		gw_warn("zone %s: %s says %u, but the journal shows serial %u served (a serial "
		        "file restored from an older backup?); starting past it",
		        cfg->domain_str, m->serial.path, m->serial.ceiling, served);
}

/* Loading, signing, reading the journal and writing its first snapshot
 * free far more than they keep, in many small blocks spread over every
 * arena the signing threads used; glibc gives back only the top of each
 * heap by itself. Their free pages are returned (gw_heap_give_back())
 * rather than carried for the daemon's life (at 10 000 services, and
 * after a restart, most of the resident set). Twice per start: after
 * the load, after the snapshot. */
static void first_sync(gw_zonemgr_t *m)
{
	ev_idle_stop(m->loop, &m->first_sync);
	gw_journal_sync(m->journal, m->zone->zone);
	gw_heap_give_back();
}

static void on_first_sync(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop;
	(void)revents;
	first_sync(container_of(w, gw_zonemgr_t, first_sync));
}

int gw_zonemgr_new(gw_zonemgr_t **out, struct ev_loop *loop, const gw_zonemgr_opts_t *opts)
{
	int ret;
	char err[512] = "";
	zone_t *zone = NULL;
	zone_t *statics = NULL;
	gw_zonemgr_t *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return GW_ENOMEM;
	/* The load, the first signing and the journal's replay are one bulk
	 * of short-lived blocks, as common/heap.h says; the daemon's life
	 * after them is not. */
	gw_heap_bulk_begin();
	m->loop = loop;
	m->opts = *opts;
	const gw_zonemgr_opts_t *cfg = &m->opts;
	ev_init(&m->refresh, on_refresh);
	ev_timer_init(&m->rearm, on_rearm, 0., 0.);
	ev_set_priority(&m->rearm, EV_MINPRI);
	ev_idle_init(&m->first_sync, on_first_sync);
	gw_zonemgr_roll_init(m);

	ret = gw_serial_init(&m->serial, cfg->state_dir);
	if (ret != GW_OK)
		goto out;
	ret = gw_zonemgr_load_static(&statics, cfg, err, sizeof(err));
	if (ret != GW_OK) {
		gw_err("cannot load zone %s: %s", cfg->domain_str, err[0] ? err : gw_strerror(ret));
		goto out;
	}
	/* The served zone starts as the static records minus what the
	 * gateway makes itself; they are not kept apart, but marked. Without
	 * anything to leave out it is the static records themselves: a copy
	 * would build the whole zone a second time. */
	if (gw_zonemgr_warn_statics(statics, cfg) == 0) {
		zone = statics;
		statics = NULL;
		zone_mark_static(zone, zone, gateway_owned_type, NULL);
	} else {
		ret = zone_new(&zone, cfg->domain);
		if (ret == GW_OK)
			ret = zone_add_zone(zone, statics, gateway_owned_type, NULL);
		if (ret == GW_OK)
			zone_mark_static(zone, statics, gateway_owned_type, NULL);
		zone_free(statics);
		statics = NULL;
	}
	if (ret != GW_OK) {
		gw_err("cannot build zone %s: %s", cfg->domain_str, gw_strerror(ret));
		goto out;
	}
	uint32_t file_serial = 0, serial = 0;
	ret = zone_serial(zone, &file_serial);
	if (ret != GW_OK)
		goto out;
	serial_floor(m);
	/* Reserved, not written: nothing is served before
	 * gw_zonemgr_start() (or a commit), and a start that fails before
	 * then takes the same serial next time instead of a new block. */
	gw_serial_reserve(&m->serial, file_serial, &serial);
	ret = zone_set_serial(zone, serial);
	if (ret != GW_OK)
		goto out;
	if (serial != file_serial)
		gw_info("zone %s: serial %u (the zone file says %u; serials only go forward)",
		        cfg->domain_str, serial, file_serial);

	if (cfg->dnssec.enable) {
		ret = setup_signing(m, zone);
		if (ret != GW_OK)
			goto out;
	}
	gw_journal_opts_t jopts = journal_opts(cfg);
	jopts.loop = loop;
	jopts.background = cfg->journal_background;
	jopts.background_min = cfg->journal_background_min;
	ret = gw_journal_open(&m->journal, &jopts, zone);
	if (ret != GW_OK)
		goto out;
	ret = gw_zoneref_new(&m->zone, zone);
	zone = NULL;
	if (ret != GW_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	zone_free(zone);
	gw_zonemgr_free(m);
	gw_heap_bulk_end();
	/* Before the journal's first snapshot is written, which can then
	 * reuse these pages rather than raise the peak. */
	gw_heap_give_back();
	return ret;
}

gw_zoneref_t *gw_zonemgr_zone(const gw_zonemgr_t *m)
{
	return m->zone;
}

gw_journal_t *gw_zonemgr_journal(const gw_zonemgr_t *m)
{
	return m->journal;
}

/* RRset rs of node into *exact (made for apex when NULL), all or
 * nothing. */
static int copy_rrset(zone_t **exact, const uint8_t *apex, const zone_node_t *node,
                      const zone_rrset_t *rs)
{
	zone_changeset_t cs = {0};
	uint32_t pos = 0;
	const uint8_t *rd;
	uint16_t len;
	int ret = *exact == NULL ? zone_new(exact, apex) : GW_OK;

	if (ret == GW_OK)
		ret = zone_changeset_init(&cs);
	while (ret == GW_OK && zone_rrset_next(rs, &pos, &rd, &len)) {
		ldns_rr *rr = NULL;
		ret = zone_rr_to_ldns(&rr, node, rs, rd, len);
		if (ret == GW_OK)
			ret = zone_changeset_add(&cs, rr);
	}
	if (ret == GW_OK)
		ret = zone_apply(*exact, &cs, NULL, NULL);
	zone_changeset_deinit(&cs);
	return ret;
}

static bool exact_has(const zone_t *exact, const uint8_t *owner, uint16_t type)
{
	const zone_node_t *node = exact != NULL ? zone_find(exact, owner) : NULL;
	return node != NULL && zone_node_rrset(node, type) != NULL;
}

/* Before list changes the zone: the marked RRsets it touches hold only
 * what the static records gave, unless copied already; copy them, so
 * that a reload still diffs against the file's RRs, not the mirror's. */
static int keep_exact(gw_zonemgr_t *m, const zone_t *zone, const ldns_rr_list *list)
{
	int ret = GW_OK;
	for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list) && ret == GW_OK; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		const uint8_t *owner = ldns_rdf_data(ldns_rr_owner(rr));
		uint16_t type = (uint16_t)ldns_rr_get_type(rr);
		if (gw_zonemgr_skip_owned_and_soa(type, NULL))
			continue;
		const zone_node_t *node = zone_find(zone, owner);
		const zone_rrset_t *rs = node != NULL ? zone_node_rrset(node, type) : NULL;
		if (rs != NULL && (rs->mark & ZONE_MARK_STATIC) &&
		    !exact_has(m->exact, owner, type))
			ret = copy_rrset(&m->exact, zone_apex(zone), node, rs);
	}
	return ret;
}

bool gw_zonemgr_same_rrset(const zone_rrset_t *a, const zone_rrset_t *b)
{
	return a->ttl == b->ttl && a->count == b->count && a->rdata_len == b->rdata_len &&
	       memcmp(a->rdata, b->rdata, a->rdata_len) == 0;
}

/* A reload's commit is in: fresh (taken) are the static records now.
 * Mark the zone, and copy those of its RRsets that the zone holds
 * otherwise than fresh gave them (more RRs, in another order, or not at
 * all: another writer's changes held with the reload). Cannot fail: without
 * memory for the copies, all of fresh is kept instead (exact, larger). */
void gw_zonemgr_apply_statics(gw_zonemgr_t *m, zone_t *fresh)
{
	zone_t *zone = m->zone->zone;
	zone_t *exact = NULL;
	int ret = GW_OK;

	zone_mark_static(zone, fresh, gateway_owned_type, NULL);
	/* Both by index, side by side: no search for each name. */
	const zone_node_t *node;
	size_t at = 0;
	for (size_t k = 0; (node = zone_node_at(fresh, k)) != NULL && ret == GW_OK; k++) {
		const zone_node_t *now = zone_node_seek(zone, &at, node);
		for (uint16_t i = 0; i < node->rrset_count && ret == GW_OK; i++) {
			const zone_rrset_t *rs = &node->rrsets[i];
			const zone_rrset_t *served = now ? zone_node_rrset(now, rs->type) : NULL;
			if (!gw_zonemgr_skip_owned_and_soa(rs->type, NULL) &&
			    (served == NULL || !gw_zonemgr_same_rrset(served, rs)))
				ret = copy_rrset(&exact, zone_apex(zone), node, rs);
		}
	}
	if (ret != GW_OK) {
		gw_warn("zone %s: keeping the whole zone file's records for reloads (%s)",
		        m->opts.domain_str, gw_strerror(ret));
		zone_free(exact);
		exact = fresh;
		fresh = NULL;
	}
	zone_free(m->exact);
	m->exact = exact;
	zone_free(fresh);
}

/* One commit: cs applied (and signed), or with cs NULL the signatures
 * that fall due renewed (at most max RRsets, 0: all); a new serial, and
 * what changed into the journal. A failed commit leaves the zone as it
 * was. */
static int commit(gw_zonemgr_t *m, const zone_changeset_t *cs, size_t max, size_t *resigned)
{
	zone_t *zone = m->zone->zone;
	zone_rrdiff_t diff = {0};
	uint32_t current = 0, serial = 0;
	size_t signed_count = 0;
	uint64_t t0 = gw_clock_mono_ns();
	if (resigned == NULL)
		resigned = &signed_count;
	*resigned = 0;
	/* An empty change is none: a reload of an unchanged zone file, or
	 * held commits that cancel out, must not cost a serial, a journal
	 * entry and a transfer to every secondary. */
	if (cs != NULL && zone_changeset_empty(cs))
		return GW_OK;
	int ret = zone_serial(zone, &current);
	if (ret == GW_OK && cs != NULL)
		ret = keep_exact(m, zone, cs->remove);
	if (ret == GW_OK && cs != NULL)
		ret = keep_exact(m, zone, cs->add);
	if (ret == GW_OK)
		ret = gw_serial_next(&m->serial, current, &serial);
	if (ret != GW_OK) {
		m->stats.commit_failures++;
		return ret;
	}
	if (cs == NULL)
		ret = sig_zone_refresh(&m->signer, zone, gw_clock_wall(), m->sign_threads, max,
		                       serial, resigned, &diff);
	else if (m->keys != NULL)
		ret =
		    sig_zone_commit(&m->signer, zone, cs, gw_clock_wall(), serial, resigned, &diff);
	else
		ret = zone_commit(zone, cs, serial, &diff);
	/* A refresh with nothing due changes nothing. */
	if (ret == GW_OK && zone_serial(zone, &current) == GW_OK && current == serial) {
		/* Transfers under way keep the version they began with. First:
		 * DNS Push writes its updates at once, and a connection that
		 * also streams a transfer goes on with it there, which must
		 * know of this commit by then. */
		gw_zoneref_changed(m->zone, &diff);
		if (m->diff_hook != NULL)
			m->diff_hook(m->diff_arg, &diff);
		gw_journal_append(m->journal, &diff, zone);
		m->last_commit = gw_clock_wall();
		m->last_commit_serial = serial;
		gw_debug("zone %s: serial %u (%zu removed, %zu added)", m->opts.domain_str, serial,
		         cs && cs->remove ? ldns_rr_list_rr_count(cs->remove) : 0,
		         cs && cs->add ? ldns_rr_list_rr_count(cs->add) : 0);
		m->stats.commits++;
		m->stats.rrsets_signed += *resigned;
		gw_latency_add(&m->stats.commit_time, gw_clock_mono_ns() - t0);
		if (m->hook != NULL)
			m->hook(m->hook_arg, serial);
	} else if (ret != GW_OK) {
		m->stats.commit_failures++;
	}
	zone_rrdiff_deinit(&diff);
	return ret;
}

/* A whole commit: a changeset (the mirror's, the zone file's, a key
 * change's apex records), or every signature due. Re-signing that may
 * be big goes in parts instead: on_refresh(), gw_zonemgr_resign_part(). */
int gw_zonemgr_commit_now(gw_zonemgr_t *m, const zone_changeset_t *cs, size_t *resigned)
{
	return commit(m, cs, 0, resigned);
}

int gw_zonemgr_commit(gw_zonemgr_t *m, const zone_changeset_t *cs)
{
	if (!m->held)
		return gw_zonemgr_commit_now(m, cs, NULL);
	int ret = zone_changeset_merge(&m->pending, cs);
	if (ret == GW_OK)
		m->pending_commits++;
	return ret;
}

int gw_zonemgr_commit_writer(gw_zonemgr_t *m, const zone_changeset_t *cs)
{
	zone_changeset_t rest = {0};
	bool spared = false;
	int ret = gw_zonemgr_spare_statics(m, cs, &rest, &spared);
	if (ret == GW_OK)
		ret = gw_zonemgr_commit(m, spared ? &rest : cs);
	if (spared)
		zone_changeset_deinit(&rest);
	return ret;
}

int gw_zonemgr_start(gw_zonemgr_t *m)
{
	/* From here on serials are served: the ceiling must be on disk. */
	int ret = gw_serial_sync(&m->serial);
	if (ret != GW_OK) {
		/* After the write's own line: what it means and what to do. */
		gw_err("zone %s: not served: the serial's ceiling cannot be written to %s (%s), "
		       "and without it a later start could serve a serial again; make room or "
		       "mend the state directory, then start again",
		       m->opts.domain_str, m->serial.path, gw_strerror(ret));
		return ret;
	}
	/* The journal's snapshot (a second at 100 000 services) waits until
	 * the queries that came in during the start are answered: until it
	 * is written, a crash only costs the next start the signatures it
	 * could have taken over; a commit or a stop writes it earlier. */
	ev_idle_start(m->loop, &m->first_sync);
	gw_zonemgr_schedule_refresh(m);
	/* A rollover resumes where keys/state says, at once if a step is
	 * overdue. */
	if (m->keys != NULL)
		gw_zonemgr_roll_tick(m);
	return GW_OK;
}

void gw_zonemgr_stop(gw_zonemgr_t *m)
{
	if (ev_is_active(&m->first_sync))
		first_sync(m);
	ev_timer_stop(m->loop, &m->refresh);
	ev_timer_stop(m->loop, &m->rearm);
	ev_timer_stop(m->loop, &m->roll);
	gw_zonemgr_roll_cancel_check(m);
	m->refresh_at = 0;
	m->roll_at = 0;
}

void gw_zonemgr_get_stats(const gw_zonemgr_t *m, gw_zonemgr_stats_t *st)
{
	*st = m->stats;
}

void gw_zonemgr_set_hook(gw_zonemgr_t *m, gw_zonemgr_hook_fn fn, void *arg)
{
	m->hook = fn;
	m->hook_arg = arg;
}

void gw_zonemgr_set_diff_hook(gw_zonemgr_t *m, gw_zonemgr_diff_fn fn, void *arg)
{
	m->diff_hook = fn;
	m->diff_arg = arg;
}

void gw_zonemgr_free(gw_zonemgr_t *m)
{
	if (m == NULL)
		return;
	if (m->loop != NULL) {
		ev_idle_stop(m->loop, &m->first_sync);
		ev_timer_stop(m->loop, &m->refresh);
		ev_timer_stop(m->loop, &m->rearm);
		ev_timer_stop(m->loop, &m->roll);
		gw_zonemgr_roll_cancel_check(m);
	}
	/* A manager that never started nor committed served nothing: the
	 * journal file stays as it was. */
	gw_journal_close(m->journal, m->zone != NULL && !m->serial.pending ? m->zone->zone : NULL);
	zone_changeset_deinit(&m->pending);
	gw_zoneref_put(m->zone);
	zone_free(m->exact);
	zone_free(m->pending_statics);
	sig_keystore_free(m->keys);
	gw_serial_deinit(&m->serial);
	free(m);
}

void gw_zonemgr_get_info(const gw_zonemgr_t *m, gw_zonemgr_info_t *out)
{
	memset(out, 0, sizeof(*out));
	zone_serial(m->zone->zone, &out->serial);
	out->last_commit = m->last_commit;
	out->last_commit_serial = m->last_commit_serial;
	out->commits = m->stats.commits;
	if (m->keys == NULL)
		return;
	out->dnssec = true;
	out->algorithm = m->opts.dnssec.algorithm;
	out->nsec3 = sig_zone_uses_nsec3(m->zone->zone);
	out->key_count = m->signer.key_count;
	if (m->signer.key_count > 0)
		out->algorithm = sig_key_algorithm(m->signer.keys[0]);
	out->next_refresh = m->refresh_at;
	if (m->refresh_due != 0)
		out->earliest_expiry = m->refresh_due + (time_t)m->signer.refresh;
}

const sig_keystore_t *gw_zonemgr_keystore(const gw_zonemgr_t *m)
{
	return m->keys;
}
