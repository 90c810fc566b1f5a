/* What the mirror wants in each zone, and what it has put there. Each
 * contributor (a link as a zone shows it, or the zone's enumeration)
 * recomputes its wanted records when it is dirty; the difference with its
 * previous set updates the zone's entries, limited per link and zone by a
 * token bucket (changes per second); the entries of a zone touched since
 * its last commit become one changeset. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"

/* A failed batch is retried every second while the failure lasts, and a
 * refused record is named per record, which a device on the link can
 * multiply: both lines are limited (common/log.h). */
static gw_log_limit_t g_batch_line = {.burst = 3};
static gw_log_limit_t g_refuse_line = {.burst = 10};

/* ---- entries ---------------------------------------------------------------- */

static uint32_t ent_hash(uint32_t seed, const uint8_t *owner, size_t olen, uint16_t type,
                         const uint8_t *rdata, uint16_t rdlen)
{
	uint32_t h = gw_fnv32_ci(GW_FNV32_INIT ^ seed, owner, olen);
	h = (h ^ type) * 16777619u;
	h = gw_fnv32(h, rdata, rdlen);
	return h ^ (h >> 15);
}

int mirror_ents_init(mzone_t *z)
{
	return gw_htab_init(&z->ents, 1024);
}

static void ent_drop(gw_hlink_t *h, void *arg)
{
	(void)arg;
	free(ent_of(h));
}

void mirror_ents_free(mzone_t *z)
{
	gw_htab_drain(&z->ents, ent_drop, NULL);
	gw_htab_deinit(&z->ents);
	free(z->touched);
	free(z->warm);
	free(z->undo);
	z->touched = NULL;
	z->warm = NULL;
	z->undo = NULL;
	z->warm_cap = 0;
	z->undo_count = 0;
	z->undo_cap = 0;
}

ent_t *mirror_ent_get(mzone_t *z, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
                      uint16_t rdlen, bool create)
{
	int olen = zone_name_len(owner, ZONE_NAME_MAXLEN);
	if (olen < 1)
		return NULL;
	uint32_t hash = ent_hash(z->mirror->seed, owner, (size_t)olen, type, rdata, rdlen);
	for (gw_hlink_t *h = gw_htab_chain(&z->ents, hash); h != NULL; h = h->next) {
		ent_t *e = ent_of(h);
		if (h->hash == hash && e->type == type && e->rdlen == rdlen &&
		    e->owner_len == olen && zone_name_equal(e->data, owner) &&
		    memcmp(e->data + e->owner_len, rdata, rdlen) == 0)
			return e;
	}
	if (!create)
		return NULL;
	ent_t *e = calloc(1, sizeof(*e) + (size_t)olen + rdlen);
	if (e == NULL)
		return NULL;
	e->type = type;
	e->owner_len = (uint16_t)olen;
	e->rdlen = rdlen;
	memcpy(e->data, owner, (size_t)olen);
	memcpy(e->data + olen, rdata, rdlen);
	/* The table has slots from mirror_ents_init(): this cannot fail. */
	(void)gw_htab_insert(&z->ents, &e->hl, hash);
	return e;
}

void mirror_ent_touch(mzone_t *z, ent_t *e)
{
	if (e->touched)
		return;
	if (gw_array_reserve(&z->touched, &z->touched_cap, z->touched_count + 1,
	                     sizeof(*z->touched), 256) != GW_OK) {
		gw_err("mirror: out of memory, a change is lost until that record changes again");
		return;
	}
	e->touched = true;
	z->touched[z->touched_count++] = e;
}

void mirror_ent_maybe_free(mzone_t *z, ent_t *e)
{
	if (e->want || e->warm || e->pub || e->touched || e->held)
		return;
	gw_htab_remove(&z->ents, &e->hl);
	free(e);
}

static void want_link(contrib_t *c, ent_t *e)
{
	GW_DLIST_PUSH(c->want, e, lprev, lnext);
	e->by = c;
	e->want = true;
}

void mirror_want_unlink(contrib_t *c, ent_t *e)
{
	GW_DLIST_UNLINK(c->want, e, lprev, lnext);
	e->lnext = e->lprev = NULL;
	e->by = NULL;
	e->want = false;
}

/* ---- one contributor's wanted set ------------------------------------------ */

typedef struct cand {
	ent_t **v;
	size_t n, cap;
	bool oom;
} cand_t;

static void emit(mzone_t *z, contrib_t *c, cand_t *cd, const uint8_t *owner, uint16_t type,
                 const uint8_t *rdata, uint16_t rdlen, uint32_t ttl)
{
	ent_t *e = mirror_ent_get(z, owner, type, rdata, rdlen, true);
	if (e == NULL) {
		cd->oom = true;
		return;
	}
	if (e->want && e->by != c)
		return; /* someone else's: names never overlap, but be sure */
	if (e->mark == c->epoch) {
		if (ttl < e->new_ttl)
			e->new_ttl = ttl;
		return;
	}
	if (gw_array_reserve(&cd->v, &cd->cap, cd->n + 1, sizeof(*cd->v), 256) != GW_OK) {
		cd->oom = true;
		mirror_ent_maybe_free(z, e);
		return;
	}
	e->mark = c->epoch;
	e->new_ttl = ttl;
	cd->v[cd->n++] = e;
}

typedef struct op {
	ent_t *e;
	int prio;
	bool add;
	bool wait; /* deferred: out of tokens, or a replacement's old record */
	size_t seq;
} op_t;

static int type_prio(uint16_t type, bool add)
{
	/* Additions from the bottom (addresses first), so that a batch cut
	 * short by the rate limit never adds a PTR to a service before its
	 * SRV; removals (never cut short) from the top, browse PTRs first. */
	int level = type == DNS_T_PTR ? 0 : (type == DNS_T_SRV || type == DNS_T_TXT) ? 1 : 2;
	return add ? 5 - level : level;
}

static int op_cmp(const void *a, const void *b)
{
	const op_t *x = a, *y = b;
	if (x->prio != y->prio)
		return x->prio - y->prio;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Does applying this op take a token? Only the addition of a record the
 * zone does not hold: the rate bounds what devices add, and a withdrawal
 * ends what an addition paid for. What must go (a goodbye, a name a
 * reload delegates or its policy no longer shows, a link gone) would
 * otherwise stay for want of a token, below a cut or against the policy.
 * A new TTL of a record the zone holds is free too: an RRset has one TTL
 * (the smallest of its records'), which the zone sets from any record
 * added to it, so all of its records must take a new one in one batch,
 * or the zone holds others than the mirror counts. It comes with a
 * record that joins or leaves the RRset, or with a device's TTLs, at most
 * once a batch. */
static bool op_costs(const op_t *o)
{
	const ent_t *e = o->e;
	return o->add && !e->want && !e->pub;
}

static void refill(mdns_mirror_t *m, contrib_t *c)
{
	uint64_t now = gw_clock_mono_ns();
	double rate = m->cfg->limits.changes_per_second;
	c->tokens += (double)(now - c->tokens_ns) / 1e9 * rate;
	if (c->tokens > rate)
		c->tokens = rate;
	c->tokens_ns = now;
}

/* Of a batch the rate limit cut short, the withdrawals whose RRset would
 * be empty while its replacement waits (mirror_replace.c) wait too: the
 * records wanted after the batch and the additions deferred, by RRset.
 * Returns how many it holds back; out of memory, none (the service then
 * leaves the zone until its replacement's token, as mirror_keep_leads()
 * sees to). */
static size_t hold_replaced(contrib_t *c, op_t *ops, size_t nops)
{
	mirror_rrsets_t sets = {0};
	size_t held = 0;
	for (ent_t *e = c->want; e != NULL; e = e->lnext)
		if (e->mark == c->epoch && mirror_rrsets_add(&sets, e, false) != GW_OK)
			goto out;
	for (size_t i = 0; i < nops; i++)
		if (ops[i].add && !ops[i].e->want &&
		    mirror_rrsets_add(&sets, ops[i].e, ops[i].wait) != GW_OK)
			goto out;
	mirror_rrsets_sort(&sets);
	for (size_t i = 0; i < nops; i++) {
		if (!ops[i].add && mirror_rrsets_keep_old(&sets, ops[i].e)) {
			ops[i].wait = true;
			held++;
		}
	}
	mirror_rrsets_free(&sets);
	return held;
out:
	gw_err("mirror: out of memory while checking a partial batch; a replaced record "
	       "leaves before its replacement");
	mirror_rrsets_free(&sets);
	return 0;
}

/* Apply the difference between the new candidates and c's wanted list.
 * services: a link's _services._dns-sd._udp name in the zone, NULL for
 * the zone's enumeration. */
static void apply_diff(mdns_mirror_t *m, mzone_t *z, contrib_t *c, mlink_t *l, cand_t *cd,
                       const uint8_t *services)
{
	size_t nops = 0, cap = cd->n;
	for (ent_t *e = c->want; e != NULL; e = e->lnext)
		cap++;
	op_t *ops = calloc(cap > 0 ? cap : 1, sizeof(*ops));
	if (ops == NULL || cd->oom) {
		/* Keep the previous set whole rather than apply half of one. */
		gw_err("mirror: out of memory while computing a batch; retrying");
		free(ops);
		for (size_t i = 0; i < cd->n; i++)
			mirror_ent_maybe_free(z, cd->v[i]);
		c->dirty = true;
		return;
	}
	for (ent_t *e = c->want; e != NULL; e = e->lnext) {
		/* Two statements: "ops[nops++] = (op_t){.seq = nops}" reads nops
		 * unsequenced with its increment (C11 6.5p2). */
		if (e->mark != c->epoch) {
			ops[nops] = (op_t){.e = e, .prio = type_prio(e->type, false), .seq = nops};
			nops++;
		}
	}
	for (size_t i = 0; i < cd->n; i++) {
		ent_t *e = cd->v[i];
		if (!e->want || e->want_ttl != e->new_ttl) {
			ops[nops] = (op_t){
			    .e = e, .prio = type_prio(e->type, true), .add = true, .seq = nops};
			nops++;
		}
	}
	qsort(ops, nops, sizeof(*ops), op_cmp);

	size_t budget = SIZE_MAX, used = 0, deferred = 0;
	if (c->limited) {
		refill(m, c);
		budget = c->tokens > 0 ? (size_t)c->tokens : 0;
	}
	/* The first budget ops that cost go; the rest wait. */
	for (size_t i = 0; i < nops; i++) {
		op_t *o = &ops[i];
		bool cost = op_costs(o);
		o->wait = cost && used >= budget;
		used += cost && !o->wait;
		deferred += o->wait;
	}
	if (deferred > 0)
		deferred += hold_replaced(c, ops, nops);
	for (size_t i = 0; i < nops; i++) {
		op_t *o = &ops[i];
		if (o->wait)
			continue;
		if (o->add) {
			if (!o->e->want)
				want_link(c, o->e);
			o->e->want_ttl = o->e->new_ttl;
		} else {
			mirror_want_unlink(c, o->e);
		}
		mirror_ent_touch(z, o->e);
	}
	if (c->limited)
		c->tokens -= (double)used;
	if (deferred > 0 && services != NULL)
		mirror_keep_leads(z, c, services);
	for (size_t i = 0; i < cd->n; i++)
		mirror_ent_maybe_free(z, cd->v[i]);
	free(ops);
	c->dirty = deferred > 0;
	if (deferred > 0 && l != NULL)
		mirror_refuse(m, l, MDNS_MIRROR_REFUSED_RATE, NULL,
		              "%zu changes deferred: %u changes per second at most", deferred,
		              m->cfg->limits.changes_per_second);
}

static uint32_t next_epoch(contrib_t *c)
{
	if (++c->epoch == 0)
		c->epoch = 1;
	return c->epoch;
}

/* ---- a link's wanted records in one zone --------------------------------------- */

/* One compute of link l in zone z. */
typedef struct lctx {
	mdns_mirror_t *m;
	mzone_t *z;
	mlink_t *l;
	zlink_t *zl;
	cand_t cd;
	uint32_t cap;   /* the TTL cap */
	uint32_t epoch; /* m->compute_epoch of this compute: marks on names */
	/* _services._dns-sd._udp under the link is the static zone's (the
	 * zone file lists the types itself): no type enumeration there. */
	bool services_static;
} lctx_t;

/* A name of the link that the zone's own data holds (the static zone):
 * never published, nor anything that leads to it. Decided once per
 * compute, logged once per name. */
static bool is_static(lctx_t *x, kname_t *n)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	const mdns_mirror_zone_t *zc = mirror_zcfg(x->z);
	if (zc->reserved == NULL)
		return false;
	if (n->static_epoch == x->epoch)
		return n->is_static;
	n->static_epoch = x->epoch;
	n->is_static = mdns_translate_name(owner, n->name, x->zl->suffix, 1) > 0 &&
	               zc->reserved(zc->reserved_arg, owner);
	if (n->is_static && !n->static_logged) {
		char text[ZONE_NAME_MAXLEN * 4];
		zone_name_to_str(text, sizeof(text), owner);
		mirror_refuse(x->m, x->l, MDNS_MIRROR_REFUSED_RESERVED, text,
		              "not publishing %s: the name belongs to the static zone (a name of "
		              "the zone file, or below its delegation or DNAME)",
		              text);
		n->static_logged = true;
	}
	return n->is_static;
}

static bool host_ok(lctx_t *x, kname_t *h)
{
	if (h == NULL || !(h->roles & ROLE_HOST))
		return false;
	for (const krr_t *r = h->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
			return !is_static(x, h);
	}
	return false;
}

/* RFC 6763 section 6: every service has a TXT; one without (none
 * announced, or refused as too large) is held back, told once until it
 * has one. */
static bool has_txt(lctx_t *x, kname_t *n)
{
	for (const krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_TXT) {
			n->txt_held = false;
			return true;
		}
	}
	if (!n->txt_held) {
		char text[ZONE_NAME_MAXLEN * 4];
		zone_name_to_str(text, sizeof(text), n->name);
		mirror_refuse(x->m, x->l, MDNS_MIRROR_REFUSED_NO_TXT, text,
		              "holding back service %s: no TXT record (none announced, or "
		              "refused); RFC 6763 section 6",
		              text);
		n->txt_held = true;
	}
	return false;
}

/* RFC 8766 5.5.2: a service whose host has no usable address is not
 * published, nor the PTR that leads to it; nor one without TXT, nor one
 * the zone's policy does not show. The host it is shown with: its first
 * SRV target with an address, or the first the policy allows when that
 * one is denied; NULL when not shown. */
static kname_t *instance_host(lctx_t *x, kname_t *n)
{
	kname_t *host = NULL;
	if (n == NULL || !(n->roles & ROLE_INSTANCE) || is_static(x, n))
		return NULL;
	for (const krr_t *r = n->rrs; r != NULL && host == NULL; r = r->next) {
		if (r->type == DNS_T_SRV && host_ok(x, r->target))
			host = r->target;
	}
	if (host == NULL || !has_txt(x, n))
		return NULL;
	if (mirror_policy_shows(x->m, x->z, x->l, n, host))
		return host;
	/* Denied with its first host: shown with another, if the policy
	 * allows one (rare: several SRVs, a rule on the host). */
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_SRV && r->target != host && host_ok(x, r->target) &&
		    mirror_policy_shows_host(x->z, x->l, n, r->target))
			return r->target;
	}
	return NULL;
}

static bool instance_ok(lctx_t *x, kname_t *n)
{
	return instance_host(x, n) != NULL;
}

/* An SRV of a shown instance that is published: to a host with an
 * address, and, when the instance has several hosts, one the zone's
 * policy shows it with (a rule on the host judges each: the instance
 * shown for printer-1 does not take its SRV to another host along). */
static bool srv_shown(lctx_t *x, kname_t *n, const kname_t *judged, const krr_t *r)
{
	return r->type == DNS_T_SRV && host_ok(x, r->target) &&
	       (r->target == judged || mirror_policy_shows_host(x->z, x->l, n, r->target));
}

static void compute_instance(lctx_t *x, kname_t *n)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint8_t rd[MDNS_RDATA_MAX];
	uint32_t srv_ttl = x->cap, txt_ttl = x->cap;
	const uint8_t *suffix = x->zl->suffix;
	const kname_t *judged = instance_host(x, n);
	if (judged == NULL || mdns_translate_name(owner, n->name, suffix, 1) < 0)
		return;
	/* One TTL per RRset: the smallest of its records. */
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (srv_shown(x, n, judged, r))
			srv_ttl = mdns_ttl_cap(r->ttl, srv_ttl);
		else if (r->type == DNS_T_TXT)
			txt_ttl = mdns_ttl_cap(r->ttl, txt_ttl);
	}
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (srv_shown(x, n, judged, r)) {
			int len =
			    mdns_translate_rdata(rd, DNS_T_SRV, r->rdata, r->rdlen, suffix, 1);
			if (len < 0)
				continue;
			r->target->mark = x->epoch;
			emit(x->z, &x->zl->c, &x->cd, owner, DNS_T_SRV, rd, (uint16_t)len, srv_ttl);
		} else if (r->type == DNS_T_TXT) {
			emit(x->z, &x->zl->c, &x->cd, owner, DNS_T_TXT, r->rdata, r->rdlen,
			     txt_ttl);
		}
	}
}

static void compute_browse(lctx_t *x, kname_t *n, const uint8_t *services)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint8_t rd[MDNS_RDATA_MAX];
	size_t count = 0;
	/* The browse RRset holds the PTRs of many devices' instances, and
	 * has one TTL: the cap, not the smallest a device announces, which
	 * would shorten every other device's PTR and, changing, rewrite the
	 * whole RRset at each batch. A device's goodbye still withdraws its
	 * PTR at once. */
	uint32_t ttl = x->cap;
	const uint8_t *suffix = x->zl->suffix;
	if (mdns_translate_name(owner, n->name, suffix, 1) < 0 || is_static(x, n))
		return;
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type != DNS_T_PTR || !instance_ok(x, r->target))
			continue;
		int len = mdns_translate_rdata(rd, DNS_T_PTR, r->rdata, r->rdlen, suffix, 1);
		if (len < 0)
			continue;
		emit(x->z, &x->zl->c, &x->cd, owner, DNS_T_PTR, rd, (uint16_t)len, ttl);
		count++;
	}
	/* The type enumeration lists the types with something shown. */
	if (count > 0 && mdns_name_kind(n->name) == MDNS_NAME_TYPE && !x->services_static) {
		int olen = zone_name_len(owner, ZONE_NAME_MAXLEN);
		emit(x->z, &x->zl->c, &x->cd, services, DNS_T_PTR, owner, (uint16_t)olen, x->cap);
	}
}

static void compute_host(lctx_t *x, kname_t *n)
{
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint32_t a_ttl = x->cap, aaaa_ttl = x->cap;
	if (mdns_translate_name(owner, n->name, x->zl->suffix, 1) < 0)
		return;
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_A)
			a_ttl = mdns_ttl_cap(r->ttl, a_ttl);
		else if (r->type == DNS_T_AAAA)
			aaaa_ttl = mdns_ttl_cap(r->ttl, aaaa_ttl);
	}
	for (krr_t *r = n->rrs; r != NULL; r = r->next) {
		if (r->type == DNS_T_A || r->type == DNS_T_AAAA)
			emit(x->z, &x->zl->c, &x->cd, owner, r->type, r->rdata, r->rdlen,
			     r->type == DNS_T_A ? a_ttl : aaaa_ttl);
	}
}

/* Tell the operator, once, that the zone file delegates (or redirects
 * with a DNAME) the link's whole subdomain: every name of it would be
 * refused one by one, and the one line says why and what to do. */
static void tell_covered(lctx_t *x)
{
	const mdns_mirror_zone_t *zc = mirror_zcfg(x->z);
	bool covered = zc->covered != NULL && zc->covered(zc->reserved_arg, x->zl->suffix);
	if (covered == x->zl->covered)
		return;
	x->zl->covered = covered;
	char text[ZONE_NAME_MAXLEN * 4];
	zone_name_to_str(text, sizeof(text), x->zl->suffix);
	if (covered)
		gw_warn("link %s: nothing of it is published in zone %s: %s is at or below a "
		        "delegation or DNAME of the zone file; give the link another subdomain "
		        "(links[].subdomain) or remove the delegation",
		        x->l->label, zc->domain_str, text);
	else
		gw_notice("link %s: %s is no longer delegated by the zone file; its services are "
		          "published in zone %s again",
		          x->l->label, text, zc->domain_str);
}

static void compute_link_zone(mdns_mirror_t *m, mzone_t *z, mlink_t *l)
{
	lctx_t x = {.m = m, .z = z, .l = l, .zl = &l->zl[z->index], .cap = m->cfg->ttl_cap};
	uint8_t services[ZONE_NAME_MAXLEN];
	mdns_translate_name(services, m->services_name, x.zl->suffix, 1);
	next_epoch(&x.zl->c);
	if (++m->compute_epoch == 0)
		m->compute_epoch = 1;
	x.epoch = m->compute_epoch;
	if (mirror_link_active(l) && mirror_link_shown(m, z, l)) {
		/* Asked once per compute, not per type: a lookup each. */
		const mdns_mirror_zone_t *zc = mirror_zcfg(z);
		x.services_static =
		    zc->reserved != NULL && zc->reserved(zc->reserved_arg, services);
		tell_covered(&x);
		GW_HTAB_FOREACH(&l->names, h) {
			kname_t *n = kname_of(h);
			if (n->roles & ROLE_INSTANCE)
				compute_instance(&x, n);
			if (n->roles & ROLE_BROWSE)
				compute_browse(&x, n, services);
		}
		/* Hosts only once an SRV to be published has marked them. */
		GW_HTAB_FOREACH(&l->names, h) {
			kname_t *n = kname_of(h);
			if ((n->roles & ROLE_HOST) && n->mark == x.epoch)
				compute_host(&x, n);
		}
	}
	apply_diff(m, z, &x.zl->c, l, &x.cd, services);
	free(x.cd.v);
}

double mirror_link_token_wait(mdns_mirror_t *m, mlink_t *l)
{
	double rate = m->cfg->limits.changes_per_second;
	double wait = 0;
	for (size_t i = 0; i < m->zone_count; i++) {
		contrib_t *c = &l->zl[i].c;
		if (!c->limited || rate <= 0)
			return 0;
		refill(m, c);
		if (c->tokens >= 1)
			return 0;
		double w = (1 - c->tokens) / rate;
		if (wait == 0 || w < wait)
			wait = w;
	}
	return wait;
}

void mirror_compute_link(mdns_mirror_t *m, mlink_t *l)
{
	bool dirty = false;
	l->changed = false;
	for (size_t i = 0; i < m->zone_count; i++) {
		compute_link_zone(m, &m->zones[i], l);
		dirty = dirty || l->zl[i].c.dirty;
	}
	l->dirty = dirty;
}

/* ---- the zone's enumeration (RFC 6763 section 11) ------------------------------- */

/* <prefix>._dns-sd._udp.<parent> into owner; false when too long. */
static bool dnssd_owner(uint8_t *owner, const char *prefix, const uint8_t *parent)
{
	size_t plen = strlen(prefix);
	int len = zone_name_len(parent, ZONE_NAME_MAXLEN);
	if (len < 1 || 1 + plen + 13 + (size_t)len > ZONE_NAME_MAXLEN)
		return false;
	owner[0] = (uint8_t)plen;
	memcpy(owner + 1, prefix, plen);
	memcpy(owner + 1 + plen, "\x07_dns-sd\x04_udp", 13);
	memcpy(owner + 1 + plen + 13, parent, (size_t)len);
	return true;
}

/* b PTR each of targets, db and lb PTR the first: under parent; not at
 * a name of the static zone (the zone file's own browse domains, or a
 * link's subdomain it delegates). */
static void emit_enum(mzone_t *z, cand_t *cd, const uint8_t *parent,
                      uint8_t (*targets)[ZONE_NAME_MAXLEN], size_t count, uint32_t ttl)
{
	static const char *const prefixes[] = {"b", "db", "lb"};
	const mdns_mirror_zone_t *zc = mirror_zcfg(z);
	uint8_t owner[ZONE_NAME_MAXLEN];
	for (size_t p = 0; p < 3 && count > 0; p++) {
		if (!dnssd_owner(owner, prefixes[p], parent) ||
		    (zc->reserved != NULL && zc->reserved(zc->reserved_arg, owner)))
			continue;
		for (size_t i = 0; i < (p == 0 ? count : 1); i++) {
			int len = zone_name_len(targets[i], ZONE_NAME_MAXLEN);
			emit(z, &z->enumc, cd, owner, DNS_T_PTR, targets[i], (uint16_t)len, ttl);
		}
	}
}

/* The browse domains link l advertises in zone z (its configured list,
 * else its own subdomain) into out (cap names); returns how many. */
static size_t browse_domains(mdns_mirror_t *m, mzone_t *z, mlink_t *l,
                             uint8_t (*out)[ZONE_NAME_MAXLEN], size_t cap)
{
	const mdns_link_config_t *lc = mirror_link_config(m, l);
	const uint8_t *domain = mirror_zcfg(z)->domain;
	size_t n = 0;
	for (size_t i = 0; lc != NULL && i < lc->browse_count && n < cap; i++) {
		/* The configuration was checked; a name that does not fit under
		 * this zone is left out of it. */
		if (zone_name_from_str(out[n], lc->browse[i], domain) > 0)
			n++;
		else
			gw_debug("link %s: browse domain '%s' does not fit under %s", l->label,
			         lc->browse[i], mirror_zcfg(z)->domain_str);
	}
	if (n == 0 && (lc == NULL || lc->browse_count == 0)) {
		memcpy(out[0], l->zl[z->index].suffix, l->zl[z->index].suffix_len);
		n = 1;
	}
	return n;
}

#define BROWSE_MAX 64

void mirror_compute_enum(mdns_mirror_t *m, mzone_t *z)
{
	cand_t cd = {0};
	uint32_t ttl = m->cfg->ttl_cap;
	uint8_t(*names)[ZONE_NAME_MAXLEN] =
	    calloc((m->link_count > BROWSE_MAX ? m->link_count : BROWSE_MAX) + 1, sizeof(*names));
	contrib_t *c = &z->enumc;
	if (names == NULL) {
		cd.oom = true;
		apply_diff(m, z, c, NULL, &cd, NULL);
		return;
	}
	next_epoch(c);
	/* At the apex: each link the zone shows, the first (in the zone's
	 * order) as the one default (db) and legacy (lb) browse domain. */
	size_t count = 0, first = 0, best = SIZE_MAX;
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (!mirror_link_active(l) || !mirror_link_shown(m, z, l))
			continue;
		size_t rank = mirror_link_rank(m, z, l);
		if (rank < best) {
			best = rank;
			first = count;
		}
		memcpy(names[count++], l->zl[z->index].suffix, l->zl[z->index].suffix_len);
	}
	if (count > 0) {
		uint8_t tmp[ZONE_NAME_MAXLEN];
		memcpy(tmp, names[0], ZONE_NAME_MAXLEN);
		memcpy(names[0], names[first], ZONE_NAME_MAXLEN);
		memcpy(names[first], tmp, ZONE_NAME_MAXLEN);
	}
	emit_enum(z, &cd, mirror_zcfg(z)->domain, names, count, ttl);
	/* Under each shown link: the browse domains a client given that
	 * subdomain (a DHCP search domain) should see. */
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		if (!mirror_link_active(l) || !mirror_link_shown(m, z, l))
			continue;
		count = browse_domains(m, z, l, names, BROWSE_MAX);
		emit_enum(z, &cd, l->zl[z->index].suffix, names, count, ttl);
	}
	apply_diff(m, z, c, NULL, &cd, NULL);
	free(cd.v);
	free(names);
}

/* ---- commit -------------------------------------------------------------------- */

uint8_t *mirror_ent_wire(uint8_t *p, const ent_t *e, uint32_t ttl)
{
	memcpy(p, e->data, e->owner_len);
	p += e->owner_len;
	ldns_write_uint16(p, e->type);
	ldns_write_uint16(p + 2, DNS_C_IN);
	ldns_write_uint32(p + 4, ttl);
	ldns_write_uint16(p + 8, e->rdlen);
	memcpy(p + 10, e->data + e->owner_len, e->rdlen);
	return p + 10 + e->rdlen;
}

ldns_rr *mirror_ent_rr(const ent_t *e, uint32_t ttl)
{
	size_t len = (size_t)e->owner_len + 10 + e->rdlen, pos = 0;
	uint8_t *wire = malloc(len);
	ldns_rr *rr = NULL;
	if (wire == NULL)
		return NULL;
	mirror_ent_wire(wire, e, ttl);
	if (ldns_wire2rr(&rr, wire, len, &pos, LDNS_SECTION_ANSWER) != LDNS_STATUS_OK)
		rr = NULL;
	free(wire);
	return rr;
}

static bool ent_wanted(const ent_t *e, uint32_t *ttl)
{
	*ttl = e->want ? e->want_ttl : e->warm_ttl;
	return (e->want || e->warm) && !e->bad;
}

/* Queue e's change into cs. Returns 1 when queued, 0 when e is already as
 * wanted, or an error. */
static int queue(zone_changeset_t *cs, const ent_t *e)
{
	uint32_t ttl;
	bool w = ent_wanted(e, &ttl);
	if (w && (!e->pub || e->pub_ttl != ttl)) {
		ldns_rr *rr = mirror_ent_rr(e, ttl);
		if (rr == NULL)
			return GW_ENOMEM;
		int ret = zone_changeset_add(cs, rr);
		return ret == GW_OK ? 1 : ret;
	}
	if (!w && e->pub) {
		ldns_rr *rr = mirror_ent_rr(e, e->pub_ttl);
		if (rr == NULL)
			return GW_ENOMEM;
		int ret = zone_changeset_remove(cs, rr);
		return ret == GW_OK ? 1 : ret;
	}
	return 0;
}

static void published(mdns_mirror_t *m, mzone_t *z, ent_t *e)
{
	uint32_t ttl;
	bool w = ent_wanted(e, &ttl);
	if (m->held && !e->held) {
		/* Room was reserved before the commit (reserve_undo()). */
		z->undo[z->undo_count++] = (undo_t){.e = e, .pub = e->pub, .pub_ttl = e->pub_ttl};
		e->held = true;
	}
	if (w && !e->pub) {
		m->stats.published++;
		z->published++;
	} else if (!w && e->pub) {
		m->stats.published--;
		z->published--;
	}
	e->pub = w;
	e->pub_ttl = ttl;
}

/* The first n touched entries are done with; the rest stay touched, in
 * order. */
static void clear_touched_first(mzone_t *z, size_t n)
{
	size_t count = z->touched_count;
	for (size_t i = 0; i < n; i++) {
		z->touched[i]->touched = false;
		mirror_ent_maybe_free(z, z->touched[i]);
	}
	if (count > n)
		memmove(z->touched, z->touched + n, (count - n) * sizeof(z->touched[0]));
	z->touched_count = count - n;
}

static void clear_touched(mzone_t *z)
{
	clear_touched_first(z, z->touched_count);
}

static void saved_later(mdns_mirror_t *m, mzone_t *z)
{
	if (z->state_file == NULL)
		return;
	z->state_dirty = true;
	if (!ev_is_active(&z->save)) {
		/* At most once a second, and paced by what the last save cost. */
		double wait = z->save_after - ev_now(m->loop);
		ev_timer_set(&z->save, wait > 1. ? wait : 1., 0.);
		ev_timer_start(m->loop, &z->save);
	}
}

/* While held, room in z's undo list for n more entries, taken before a
 * commit so that published() cannot fail after it. */
static int reserve_undo(mdns_mirror_t *m, mzone_t *z, size_t n)
{
	if (!m->held)
		return GW_OK;
	return gw_array_reserve(&z->undo, &z->undo_cap, z->undo_count + n, sizeof(*z->undo), 64);
}

void mirror_publish_release(mdns_mirror_t *m, mzone_t *z, bool committed)
{
	size_t back = 0;
	for (size_t i = 0; i < z->undo_count; i++) {
		undo_t *u = &z->undo[i];
		ent_t *e = u->e;
		e->held = false;
		if (!committed && (e->pub != u->pub || e->pub_ttl != u->pub_ttl)) {
			if (e->pub && !u->pub) {
				m->stats.published--;
				z->published--;
			} else if (!e->pub && u->pub) {
				m->stats.published++;
				z->published++;
			}
			e->pub = u->pub;
			e->pub_ttl = u->pub_ttl;
			mirror_ent_touch(z, e);
			back++;
		}
		mirror_ent_maybe_free(z, e);
	}
	z->undo_count = 0;
	if (back > 0) {
		gw_log_limited(&g_batch_line, GW_LOG_ERR,
		               "mirror: %zu changes to %s were held with the zone and not applied; "
		               "retrying",
		               back, mirror_zcfg(z)->domain_str);
		m->stats.commit_failures++;
		saved_later(m, z);
	}
}

/* After repeated failures, find the records the zone refuses one by one,
 * so that one bad record cannot hold back every other change. A failure
 * of this host (a full disk, memory) says nothing of the record: the walk
 * stops there, and what is left stays touched for the next batch. */
static void commit_each(mdns_mirror_t *m, mzone_t *z)
{
	const mdns_mirror_zone_t *zc = mirror_zcfg(z);
	size_t done = 0;
	if (reserve_undo(m, z, z->touched_count) != GW_OK)
		return;
	for (; done < z->touched_count; done++) {
		ent_t *e = z->touched[done];
		zone_changeset_t cs;
		if (zone_changeset_init(&cs) != GW_OK)
			break;
		int ret = queue(&cs, e);
		if (ret == 1)
			ret = zc->commit(zc->commit_arg, &cs);
		zone_changeset_deinit(&cs);
		if (ret == GW_OK || ret == 0) {
			published(m, z, e);
			continue;
		}
		if (gw_error_is_local(ret))
			break;
		char text[ZONE_NAME_MAXLEN * 4];
		zone_name_to_str(text, sizeof(text), e->data);
		gw_log_limited(&g_refuse_line, GW_LOG_ERR,
		               "mirror: the zone refuses %s (type %u): %s; not publishing it", text,
		               e->type, gw_strerror(ret));
		e->bad = true;
		published(m, z, e);
	}
	saved_later(m, z);
	clear_touched_first(z, done);
}

int mirror_publish_batch(mdns_mirror_t *m, mzone_t *z)
{
	zone_changeset_t cs;
	size_t changes = 0;
	const mdns_mirror_zone_t *zc = mirror_zcfg(z);
	if (z->touched_count == 0)
		return GW_OK;
	int ret = zone_changeset_init(&cs);
	if (ret != GW_OK)
		return ret;
	for (size_t i = 0; i < z->touched_count; i++) {
		ret = queue(&cs, z->touched[i]);
		if (ret < 0)
			goto out;
		changes += (size_t)ret;
	}
	ret = GW_OK;
	if (changes == 0) {
		clear_touched(z);
		goto out;
	}
	ret = reserve_undo(m, z, z->touched_count);
	if (ret == GW_OK)
		ret = zc->commit(zc->commit_arg, &cs);
	if (ret != GW_OK) {
		m->stats.commit_failures++;
		z->failures++;
		/* Tried again every second while it lasts (a full disk may last
		 * hours). */
		gw_log_limited(&g_batch_line, GW_LOG_ERR,
		               "mirror: a batch of %zu changes to %s was not applied: %s; retrying",
		               changes, zc->domain_str, gw_strerror(ret));
		/* A failure of this host is waited out whole: no record is to
		 * blame. */
		if (z->failures >= 3 && !gw_error_is_local(ret)) {
			z->failures = 0;
			commit_each(m, z);
		}
		goto out;
	}
	z->failures = 0;
	m->stats.commits++;
	for (size_t i = 0; i < z->touched_count; i++)
		published(m, z, z->touched[i]);
	gw_debug("mirror: %zu changes committed to %s", changes, zc->domain_str);
	saved_later(m, z);
	clear_touched(z);
out:
	zone_changeset_deinit(&cs);
	return ret;
}
