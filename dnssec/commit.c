/* One signed change: the gateway's path for every batch of mDNS changes.
 *
 * Three steps change the zone (the data, the NSEC chain, the serial) and
 * signing comes last, so a failure half-way (memory, a key that cannot
 * sign) would leave a zone that answers bogus. Before each step the RRsets
 * it may touch are saved, data and signatures, and a failure puts them
 * back. Only the few RRsets around the change are saved or signed, so the
 * cost follows the size of the change, not of the zone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

typedef struct pair {
	const uint8_t *owner; /* borrowed */
	uint16_t type;
} pair_t;

typedef struct pairs {
	pair_t *items;
	size_t count;
	size_t cap;
} pairs_t;

/* One RRset as it was before the commit, in the zone's own wire layout
 * (a copy is cheap; ldns RRs are made only if it has to go back). */
typedef struct saved {
	uint8_t owner[ZONE_NAME_MAXLEN];      /* lowercase, for lookups */
	uint8_t node_owner[ZONE_NAME_MAXLEN]; /* the node's letter case */
	uint16_t type;
	bool present;
	uint16_t count;
	uint32_t ttl;
	uint8_t *rdata; /* [len][data]... */
	uint32_t rdata_len;
	uint8_t *sigs;
	uint32_t sigs_len;
} saved_t;

typedef struct undo {
	saved_t *items; /* sorted by (owner, type) after each undo_save() */
	size_t count;
	size_t cap;
} undo_t;

static int pairs_add(pairs_t *p, const uint8_t *owner, uint16_t type)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		pair_t *grown = realloc(p->items, cap * sizeof(*grown));
		if (grown == NULL)
			return GW_ENOMEM;
		p->items = grown;
		p->cap = cap;
	}
	p->items[p->count++] = (pair_t){.owner = owner, .type = type};
	return GW_OK;
}

/* The owners and types of an RR list. RRs without a valid owner are
 * skipped: zone_apply() refuses them, so nothing needs saving. */
static int pairs_add_list(pairs_t *p, const ldns_rr_list *list)
{
	size_t n = list != NULL ? ldns_rr_list_rr_count(list) : 0;

	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(list, i);
		const ldns_rdf *owner = ldns_rr_owner(rr);
		if (owner == NULL || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME ||
		    zone_name_len(ldns_rdf_data(owner), ldns_rdf_size(owner)) !=
		        (int)ldns_rdf_size(owner))
			continue;
		int ret = pairs_add(p, ldns_rdf_data(owner), (uint16_t)ldns_rr_get_type(rr));
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

/* Every RRset at owner and below it: what a delegation point that comes
 * or goes changes from signed to glue or back. */
static int pairs_add_subtree(pairs_t *p, const zone_t *zone, const uint8_t *owner)
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
			int ret = pairs_add(p, d->owner, d->rrsets[i].type);
			if (ret != GW_OK)
				return ret;
		}
	}
	return GW_OK;
}

static int cmp_owner_type(const uint8_t *ao, uint16_t at, const uint8_t *bo, uint16_t bt)
{
	int cmp = zone_name_cmp(ao, bo);

	if (cmp != 0)
		return cmp;
	return (at > bt) - (at < bt);
}

static int cmp_pair(const void *pa, const void *pb)
{
	const pair_t *a = pa;
	const pair_t *b = pb;

	return cmp_owner_type(a->owner, a->type, b->owner, b->type);
}

static int cmp_saved(const void *pa, const void *pb)
{
	const saved_t *a = pa;
	const saved_t *b = pb;

	return cmp_owner_type(a->owner, a->type, b->owner, b->type);
}

/* Sort and drop repeats. */
static void pairs_unique(pairs_t *p)
{
	size_t w = 0;

	if (p->count == 0)
		return;
	qsort(p->items, p->count, sizeof(*p->items), cmp_pair);
	for (size_t i = 1; i < p->count; i++) {
		if (cmp_pair(&p->items[w], &p->items[i]) != 0)
			p->items[++w] = p->items[i];
	}
	p->count = w + 1;
}

static bool undo_has(const undo_t *u, size_t count, const pair_t *pair)
{
	size_t lo = 0;
	size_t hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const saved_t *s = &u->items[mid];
		int cmp = cmp_owner_type(s->owner, s->type, pair->owner, pair->type);
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void saved_deinit(saved_t *s)
{
	free(s->rdata);
	free(s->sigs);
}

static uint8_t *copy_bytes(const uint8_t *p, uint32_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy != NULL && len > 0)
		memcpy(copy, p, len);
	return copy;
}

static int save_one(saved_t *s, const zone_t *zone, const pair_t *pair)
{
	const zone_node_t *node = zone_find(zone, pair->owner);
	const zone_rrset_t *rrset = node != NULL ? zone_node_rrset(node, pair->type) : NULL;

	memset(s, 0, sizeof(*s));
	zone_name_lower(s->owner, pair->owner);
	s->type = pair->type;
	if (rrset == NULL)
		return GW_OK;
	s->present = true;
	memcpy(s->node_owner, node->owner, node->owner_len);
	s->count = rrset->count;
	s->ttl = rrset->ttl;
	s->rdata = copy_bytes(rrset->rdata, rrset->rdata_len);
	s->rdata_len = rrset->rdata_len;
	if (s->rdata == NULL)
		return GW_ENOMEM;
	if (rrset->sigs_len > 0) {
		s->sigs = copy_bytes(rrset->sigs, rrset->sigs_len);
		if (s->sigs == NULL)
			return GW_ENOMEM;
		s->sigs_len = rrset->sigs_len;
	}
	return GW_OK;
}

/* Save the RRsets named in p (sorted, unique) that are not saved yet: an
 * RRset is saved once, as it was before the commit began. */
static int undo_save(undo_t *u, const zone_t *zone, const pairs_t *p)
{
	size_t before = u->count;

	for (size_t i = 0; i < p->count; i++) {
		if (undo_has(u, before, &p->items[i]))
			continue;
		if (u->count == u->cap) {
			size_t cap = u->cap ? u->cap * 2 : 16;
			saved_t *grown = realloc(u->items, cap * sizeof(*grown));
			if (grown == NULL)
				return GW_ENOMEM;
			u->items = grown;
			u->cap = cap;
		}
		int ret = save_one(&u->items[u->count], zone, &p->items[i]);
		u->count++; /* also on error: saved_deinit() frees what it has */
		if (ret != GW_OK)
			return ret;
	}
	qsort(u->items, u->count, sizeof(*u->items), cmp_saved);
	return GW_OK;
}

static void undo_deinit(undo_t *u)
{
	for (size_t i = 0; i < u->count; i++)
		saved_deinit(&u->items[i]);
	free(u->items);
}

static int queue_rrset_removal(zone_changeset_t *cs, const zone_t *zone, const saved_t *s)
{
	const zone_node_t *node = zone_find(zone, s->owner);
	const zone_rrset_t *rrset = node != NULL ? zone_node_rrset(node, s->type) : NULL;
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;

	while (rrset != NULL && zone_rrset_next(rrset, &pos, &rdata, &rdlen)) {
		ldns_rr *rr = NULL;
		int ret = zone_rr_to_ldns(&rr, node, rrset, rdata, rdlen);
		if (ret == GW_OK)
			ret = zone_changeset_remove(cs, rr);
		if (ret != GW_OK)
			return ret;
	}
	return GW_OK;
}

/* Put every saved RRset back, data then signatures. */
static int undo_run(const undo_t *u, zone_t *zone)
{
	zone_changeset_t cs;
	int ret = zone_changeset_init(&cs);

	for (size_t i = 0; i < u->count && ret == GW_OK; i++) {
		const saved_t *s = &u->items[i];
		ret = queue_rrset_removal(&cs, zone, s);
		if (ret != GW_OK || !s->present)
			continue;
		/* The saved RRset seen through a node and an RRset of its own,
		 * as zone_rr_to_ldns() wants them. */
		uint8_t owner[ZONE_NAME_MAXLEN];
		memcpy(owner, s->node_owner, sizeof(owner));
		const zone_node_t node = {
		    .owner = owner, .owner_len = (uint16_t)zone_name_len(owner, ZONE_NAME_MAXLEN)};
		const zone_rrset_t rrset = {.type = s->type,
		                            .count = s->count,
		                            .ttl = s->ttl,
		                            .rdata = s->rdata,
		                            .rdata_len = s->rdata_len};
		const uint8_t *rdata;
		uint16_t rdlen;
		uint32_t pos = 0;
		while (ret == GW_OK && zone_rrset_next(&rrset, &pos, &rdata, &rdlen)) {
			ldns_rr *rr = NULL;
			ret = zone_rr_to_ldns(&rr, &node, &rrset, rdata, rdlen);
			if (ret == GW_OK)
				ret = zone_changeset_add(&cs, rr);
		}
	}
	if (ret == GW_OK)
		ret = zone_apply(zone, &cs, NULL, NULL);
	for (size_t i = 0; i < u->count && ret == GW_OK; i++) {
		const saved_t *s = &u->items[i];
		const zone_node_t *node = zone_find(zone, s->owner);
		if (node == NULL || zone_node_rrset(node, s->type) == NULL)
			continue;
		ret = zone_set_sigs(zone, s->owner, s->type, s->sigs, s->sigs_len);
	}
	zone_changeset_deinit(&cs);
	return ret;
}

/* What to sign: every RRset a step changed, the SOA, and the RRsets whose
 * status a delegation point that came or went changed. */
static int collect_jobs(const sig_signer_t *signer, zone_t *zone, const zone_change_t *c1,
                        size_t n1, const zone_change_t *c2, size_t n2, time_t now, pairs_t *p,
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
			ret = pairs_add(p, c->owner, c->type);
			if (ret == GW_OK && c->type == LDNS_RR_TYPE_NS &&
			    !zone_name_equal(c->owner, zone_apex(zone)))
				ret = pairs_add_subtree(p, zone, c->owner);
			if (ret != GW_OK)
				return ret;
		}
	}
	ret = pairs_add(p, zone_apex(zone), LDNS_RR_TYPE_SOA);
	if (ret != GW_OK)
		return ret;
	pairs_unique(p);

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

static void changes_free(zone_change_t **c)
{
	free(*c);
	*c = NULL;
}

int sig_zone_commit(const sig_signer_t *signer, zone_t *zone, const zone_changeset_t *cs,
                    time_t now, uint32_t new_serial, size_t *resigned)
{
	int ret;
	undo_t undo = {0};
	pairs_t pairs = {0};
	zone_changeset_t nsec_cs = {0};
	zone_change_t *c1 = NULL;
	zone_change_t *c2 = NULL;
	size_t n1 = 0;
	size_t n2 = 0;
	sig_job_t *jobs = NULL;
	size_t njobs = 0;
	size_t nsigned = 0;
	bool changed = false;
	uint32_t serial;
	uint32_t ttl;

	if (resigned != NULL)
		*resigned = 0;
	if (signer == NULL || zone == NULL || cs == NULL)
		return GW_EINVAL;
	ret = zone_serial(zone, &serial);
	if (ret != GW_OK)
		return ret;
	if (new_serial != serial && zone_serial_cmp(new_serial, serial) != 1) {
		gw_err("serial %u does not follow %u", new_serial, serial);
		return GW_EINVAL;
	}

	/* 1: the data. zone_apply() itself is all or nothing. */
	ret = pairs_add_list(&pairs, cs->remove);
	if (ret == GW_OK)
		ret = pairs_add_list(&pairs, cs->add);
	if (ret == GW_OK)
		ret = pairs_add(&pairs, zone_apex(zone), LDNS_RR_TYPE_SOA);
	if (ret != GW_OK)
		goto out;
	pairs_unique(&pairs);
	ret = undo_save(&undo, zone, &pairs);
	if (ret != GW_OK)
		goto out;
	ret = zone_apply(zone, cs, &c1, &n1);
	if (ret != GW_OK)
		goto out;
	changed = true;

	/* 2: the NSEC or NSEC3 chain around the changed names. */
	ret = sig_nsec_ttl(zone, &ttl);
	if (ret == GW_OK)
		ret = zone_changeset_init(&nsec_cs);
	if (ret == GW_OK)
		ret = sig_zone_uses_nsec3(zone)
		          ? sig_nsec3_update_around(zone, ttl, c1, n1, &nsec_cs)
		          : sig_nsec_update_around(zone, ttl, c1, n1, &nsec_cs);
	if (ret != GW_OK)
		goto out;
	if (!zone_changeset_empty(&nsec_cs)) {
		pairs.count = 0;
		ret = pairs_add_list(&pairs, nsec_cs.remove);
		if (ret == GW_OK)
			ret = pairs_add_list(&pairs, nsec_cs.add);
		if (ret != GW_OK)
			goto out;
		pairs_unique(&pairs);
		ret = undo_save(&undo, zone, &pairs);
		if (ret == GW_OK)
			ret = zone_apply(zone, &nsec_cs, &c2, &n2);
		if (ret != GW_OK)
			goto out;
	}

	/* 3: the serial (drops the SOA's signatures when it changes). */
	ret = zone_set_serial(zone, new_serial);
	if (ret != GW_OK)
		goto out;

	/* 4: sign into buffers, then attach. */
	pairs.count = 0;
	ret = collect_jobs(signer, zone, c1, n1, c2, n2, now, &pairs, &jobs, &njobs);
	if (ret != GW_OK)
		goto out;
	/* Delegation changes add RRsets whose data did not change but whose
	 * signatures will; save those too. */
	ret = undo_save(&undo, zone, &pairs);
	if (ret != GW_OK)
		goto out;
	ret = sig_sign_jobs(signer, jobs, njobs, now, commit_threads(jobs, njobs));
	if (ret != GW_OK)
		goto out;
	for (size_t i = 0; i < njobs; i++) {
		ret = zone_set_sigs(zone, jobs[i].node->owner, jobs[i].rrset->type, jobs[i].sigs,
		                    jobs[i].len);
		if (ret != GW_OK)
			goto out;
		if (jobs[i].sign)
			nsigned++;
	}
	if (resigned != NULL)
		*resigned = nsigned;
	ret = GW_OK;
out:
	if (ret != GW_OK && changed) {
		int undo_ret = undo_run(&undo, zone);
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
	changes_free(&c1);
	changes_free(&c2);
	zone_changeset_deinit(&nsec_cs);
	free(pairs.items);
	undo_deinit(&undo);
	return ret;
}
