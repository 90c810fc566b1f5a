/* One signed change: the gateway's path for every batch of mDNS changes.
 *
 * Three steps change the zone (the data, the NSEC chain, the serial) and
 * signing comes last, so a failure half-way (memory, a key that cannot
 * sign) would leave a zone that answers bogus. Before each step the RRsets
 * it may touch are saved, data and signatures, and a failure puts them
 * back. Only the few RRsets around the change are saved or signed, so the
 * cost follows the size of the change, not of the zone. The same saved
 * RRsets, compared with the zone once the commit is done, are the diff
 * the journal keeps for IXFR (zones/image.c). A signature refresh is a
 * commit without a changeset whose RRsets are those that fall due. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/array.h"
#include "common/dns.h"
#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

/* Every RRset at owner and below it: what a delegation point that comes
 * or goes changes from signed to glue or back. */
static int keys_add_subtree(zone_rrkeys_t *p, const zone_t *zone, const uint8_t *owner)
{
	uint8_t key[ZONE_KEY_MAXLEN];
	size_t key_len = (size_t)zone_name_key(key, owner);
	zone_lookup_t res;

	if (zone_lookup(zone, owner, &res) != GW_OK || res.prev == NULL)
		return GW_OK;
	const zone_node_t *d = res.node != NULL ? res.node : zone_next(zone, res.prev);
	for (; d != NULL; d = zone_next(zone, d)) {
		if (d->key_len < key_len || memcmp(d->key, key, key_len) != 0)
			break;
		for (uint16_t i = 0; i < d->rrset_count; i++) {
			int ret = zone_rrkeys_add(p, d->owner, d->rrsets[i].type);
			if (ret != GW_OK)
				return ret;
		}
	}
	return GW_OK;
}

/* What to sign: every RRset a step changed, the SOA, and the RRsets whose
 * status a delegation point that came or went changed. */
static int collect_jobs(const sig_signer_t *signer, zone_t *zone, const zone_change_t *c1,
                        size_t n1, const zone_change_t *c2, size_t n2, time_t now, zone_rrkeys_t *p,
                        sig_job_t **jobs_out, size_t *njobs)
{
	const zone_change_t *lists[2] = {c1, c2};
	size_t counts[2] = {n1, n2};
	sig_job_t *jobs = NULL;
	size_t n = 0;
	int ret;

	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++) {
			const zone_change_t *c = &lists[l][i];
			ret = zone_rrkeys_add(p, c->owner, c->type);
			if (ret == GW_OK && c->type == DNS_T_NS &&
			    !zone_name_equal(c->owner, zone_apex(zone)))
				ret = keys_add_subtree(p, zone, c->owner);
			if (ret != GW_OK)
				return ret;
		}
	}
	ret = zone_rrkeys_add(p, zone_apex(zone), DNS_T_SOA);
	if (ret != GW_OK)
		return ret;
	zone_rrkeys_sort(p);

	jobs = calloc(p->count > 0 ? p->count : 1, sizeof(*jobs));
	if (jobs == NULL)
		return GW_ENOMEM;
	const zone_node_t *kind_node = NULL;
	sig_node_kind_t kind = SIG_NODE_OUT;
	for (size_t i = 0; i < p->count; i++) {
		const zone_node_t *node = zone_find(zone, p->items[i].owner);
		const zone_rrset_t *rrset =
		    node != NULL ? zone_node_rrset(node, p->items[i].type) : NULL;
		if (rrset == NULL)
			continue;
		/* Pairs are sorted by owner: one kind lookup per node. */
		if (node != kind_node) {
			kind = sig_node_kind(zone, node);
			kind_node = node;
		}
		bool sign = sig_rrset_signable(kind, rrset->type);
		if (sign && !sig_rrset_needs_signing(signer, rrset, now))
			continue;
		if (!sign && rrset->sigs_len == 0)
			continue;
		jobs[n++] = (sig_job_t){.node = node, .rrset = rrset, .sign = sign};
	}
	*jobs_out = jobs;
	*njobs = n;
	return GW_OK;
}

/* A refresh re-signs what falls due anywhere in the zone, and the SOA
 * whose serial just changed: jobs (from sig_zone_jobs(), in canonical
 * order, so the apex's come first) gain the SOA unless they hold it. */
static int add_soa_job(const sig_signer_t *signer, const zone_t *zone, time_t now, sig_job_t **jobs,
                       size_t *njobs)
{
	const zone_node_t *apex = zone_apex_node(zone);
	const zone_rrset_t *soa = zone_node_rrset(apex, DNS_T_SOA);

	for (size_t i = 0; i < *njobs && (*jobs)[i].node == apex; i++) {
		if ((*jobs)[i].rrset == soa)
			return GW_OK;
	}
	if (!sig_rrset_needs_signing(signer, soa, now))
		return GW_OK;
	size_t cap = *njobs;
	if (gw_array_reserve(jobs, &cap, *njobs + 1, sizeof(**jobs), 1) != GW_OK)
		return GW_ENOMEM;
	(*jobs)[(*njobs)++] = (sig_job_t){.node = apex, .rrset = soa, .sign = true};
	return GW_OK;
}

/* Threads for a commit's signatures. A one-service change signs about
 * ten RRsets: on one thread that is predictable, while a second thread
 * has to wait for a core that serving or other work may hold (measured on
 * two cores: p99 of such a change 0.7 ms on one thread, 4 ms on two under
 * load). A batch of many services (a link coming up) is worth spreading. */
#define COMMIT_PARALLEL_MIN 64
#define COMMIT_THREADS_MAX  8

static unsigned commit_threads(const sig_job_t *jobs, size_t njobs)
{
	size_t sign = 0;

	for (size_t i = 0; i < njobs; i++)
		sign += jobs[i].sign;
	if (sign < COMMIT_PARALLEL_MIN)
		return 1;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = sign / (COMMIT_PARALLEL_MIN / 2);
	if (want > (size_t)cpus)
		want = cpus > 0 ? (size_t)cpus : 1;
	if (want > COMMIT_THREADS_MAX)
		want = COMMIT_THREADS_MAX;
	return (unsigned)want;
}

/* What one commit does besides the zone itself. */
typedef struct commit_req {
	const zone_changeset_t *cs; /* NULL for a refresh */
	time_t now;
	uint32_t serial;
	unsigned threads;    /* a refresh's; a change picks its own */
	size_t max;          /* a refresh's RRsets at most; 0: every one due */
	size_t *resigned;    /* may be NULL */
	zone_rrdiff_t *diff; /* may be NULL */
} commit_req_t;

/* The data (1) and the NSEC or NSEC3 chain around the changed names (2),
 * each saved in img before it changes; the changed pairs of each step
 * into c1 and c2. zone_apply() itself is all or nothing. */
static int apply_changes(zone_t *zone, const zone_changeset_t *cs, zone_image_t *img,
                         zone_rrkeys_t *keys, zone_change_t **c1, size_t *n1, zone_change_t **c2,
                         size_t *n2, bool *changed)
{
	zone_changeset_t nsec_cs = {0};
	uint32_t ttl;

	int ret = zone_rrkeys_add_rrs(keys, cs->remove);
	if (ret == GW_OK)
		ret = zone_rrkeys_add_rrs(keys, cs->add);
	if (ret != GW_OK)
		return ret;
	zone_rrkeys_sort(keys);
	ret = zone_image_save(img, zone, keys);
	if (ret != GW_OK)
		return ret;
	ret = zone_apply(zone, cs, c1, n1);
	if (ret != GW_OK)
		return ret;
	*changed = true;

	ret = sig_nsec_ttl(zone, &ttl);
	if (ret == GW_OK)
		ret = zone_changeset_init(&nsec_cs);
	if (ret == GW_OK)
		ret = sig_zone_uses_nsec3(zone)
		          ? sig_nsec3_update_around(zone, ttl, *c1, *n1, &nsec_cs)
		          : sig_nsec_update_around(zone, ttl, *c1, *n1, &nsec_cs);
	if (ret == GW_OK && !zone_changeset_empty(&nsec_cs)) {
		keys->count = 0;
		ret = zone_rrkeys_add_rrs(keys, nsec_cs.remove);
		if (ret == GW_OK)
			ret = zone_rrkeys_add_rrs(keys, nsec_cs.add);
		if (ret == GW_OK) {
			zone_rrkeys_sort(keys);
			ret = zone_image_save(img, zone, keys);
		}
		if (ret == GW_OK)
			ret = zone_apply(zone, &nsec_cs, c2, n2);
	}
	zone_changeset_deinit(&nsec_cs);
	return ret;
}

static int commit_run(const sig_signer_t *signer, zone_t *zone, const commit_req_t *req)
{
	int ret;
	zone_image_t *img = NULL;
	zone_rrkeys_t keys = {0};
	zone_change_t *c1 = NULL;
	zone_change_t *c2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	sig_job_t *jobs = NULL;
	size_t njobs = 0;
	size_t nsigned = 0;
	bool changed = false;
	uint32_t serial;

	if (req->resigned != NULL)
		*req->resigned = 0;
	if (signer == NULL || zone == NULL)
		return GW_EINVAL;
	ret = zone_serial(zone, &serial);
	if (ret != GW_OK)
		return ret;
	if (req->serial != serial && zone_serial_cmp(req->serial, serial) != 1) {
		gw_err("serial %u does not follow %u", req->serial, serial);
		return GW_EINVAL;
	}
	if (req->cs == NULL) {
		ret = sig_zone_jobs(signer, zone, req->now, false, req->max, &jobs, &njobs);
		if (ret != GW_OK || njobs == 0)
			goto out; /* nothing falls due: no change, no new serial */
	}
	ret = zone_image_new(&img);
	if (ret == GW_OK)
		ret = zone_rrkeys_add(&keys, zone_apex(zone), DNS_T_SOA);
	if (ret != GW_OK)
		goto out;
	if (req->cs != NULL) {
		ret = apply_changes(zone, req->cs, img, &keys, &c1, &n1, &c2, &n2, &changed);
	} else {
		ret = zone_image_save(img, zone, &keys);
		changed = true;
	}
	if (ret != GW_OK)
		goto out;

	/* 3: the serial (drops the SOA's signatures when it changes). */
	ret = zone_set_serial(zone, req->serial);
	if (ret != GW_OK)
		goto out;

	/* 4: sign into buffers, then attach. */
	keys.count = 0;
	if (req->cs != NULL) {
		ret = collect_jobs(signer, zone, c1, n1, c2, n2, req->now, &keys, &jobs, &njobs);
	} else {
		ret = add_soa_job(signer, zone, req->now, &jobs, &njobs);
		for (size_t i = 0; i < njobs && ret == GW_OK; i++)
			ret = zone_rrkeys_add(&keys, jobs[i].node->owner, jobs[i].rrset->type);
		zone_rrkeys_sort(&keys);
	}
	if (ret != GW_OK)
		goto out;
	/* Signatures change where data may not have (delegation changes, a
	 * refresh): save those RRsets too. */
	ret = zone_image_save(img, zone, &keys);
	if (ret != GW_OK)
		goto out;
	ret = sig_sign_jobs_into(signer, zone, jobs, njobs, req->now,
	                         req->cs != NULL ? commit_threads(jobs, njobs) : req->threads,
	                         &nsigned);
	if (ret != GW_OK)
		goto out;
	if (req->diff != NULL) {
		ret = zone_image_diff(img, zone, req->diff);
		if (ret != GW_OK)
			goto out;
	}
	if (req->resigned != NULL)
		*req->resigned = nsigned;
	ret = GW_OK;
out:
	if (ret != GW_OK && changed) {
		int undo_ret = zone_image_restore(img, zone);
		if (undo_ret != GW_OK) {
			char apex[4 * ZONE_NAME_MAXLEN + 2];
			(void)zone_name_to_str(apex, sizeof(apex), zone_apex(zone));
			gw_err("zone %s: a failed change could not be undone (%s): the zone may "
			       "be partly unsigned until the next full signing",
			       apex, gw_strerror(undo_ret));
		}
	}
	for (size_t i = 0; i < njobs; i++)
		free(jobs[i].sigs);
	free(jobs);
	free(c1);
	free(c2);
	zone_rrkeys_deinit(&keys);
	zone_image_free(img);
	return ret;
}

int sig_zone_commit(const sig_signer_t *signer, zone_t *zone, const zone_changeset_t *cs,
                    time_t now, uint32_t new_serial, size_t *resigned, zone_rrdiff_t *diff)
{
	if (cs == NULL)
		return GW_EINVAL;
	const commit_req_t req = {
	    .cs = cs, .now = now, .serial = new_serial, .resigned = resigned, .diff = diff};
	return commit_run(signer, zone, &req);
}

int sig_zone_refresh(const sig_signer_t *signer, zone_t *zone, time_t now, unsigned threads,
                     size_t max, uint32_t new_serial, size_t *resigned, zone_rrdiff_t *diff)
{
	const commit_req_t req = {.now = now,
	                          .serial = new_serial,
	                          .threads = threads,
	                          .max = max,
	                          .resigned = resigned,
	                          .diff = diff};
	return commit_run(signer, zone, &req);
}
