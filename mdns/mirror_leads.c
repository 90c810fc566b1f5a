/* What a batch the rate limit cut short leaves must still lead somewhere,
 * as a whole batch's does (mirror_publish.c calls it after a deferral):
 * what does not is withdrawn too. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>

#include "common/dns.h"
#include "common/log.h"

/* The records of one owner and kind in a contributor's wanted set; A and
 * AAAA are one kind, as an SRV needs either. */
typedef struct lead {
	const uint8_t *name; /* borrowed: an entry's owner */
	uint16_t kind;
	uint32_t count;
} lead_t;

static uint16_t lead_kind(uint16_t type)
{
	return type == DNS_T_AAAA ? DNS_T_A : type;
}

static int lead_cmp(const void *a, const void *b)
{
	const lead_t *x = a, *y = b;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return zone_name_cmp(x->name, y->name);
}

static lead_t *lead_find(lead_t *v, size_t n, const uint8_t *name, uint16_t kind)
{
	lead_t key = {.name = name, .kind = kind};
	return bsearch(&key, v, n, sizeof(*v), lead_cmp);
}

static bool leads_to(lead_t *v, size_t n, const uint8_t *name, uint16_t kind)
{
	const lead_t *t = lead_find(v, n, name, kind);
	return t != NULL && t->count > 0;
}

/* A batch the rate limit cut short may have withdrawn a record whose
 * replacement waits for a token (an SRV to a new host, a host's old
 * address). What is left must lead somewhere, as a whole batch's does:
 * an SRV to a host with an address, a browse PTR to an instance with its
 * SRV and TXT, a type of the type list (services, the link's
 * _services._dns-sd._udp) to a browse PTR. What does not is withdrawn
 * too, which takes no token, and comes back with the additions it waits
 * for. SRVs first, then browse PTRs, then the type list: one pass
 * follows each withdrawal up. */
void mirror_keep_leads(mzone_t *z, contrib_t *c, const uint8_t *services)
{
	size_t n = 0;
	for (ent_t *e = c->want; e != NULL; e = e->lnext)
		n++;
	lead_t *v = calloc(n > 0 ? n : 1, sizeof(*v));
	if (v == NULL) {
		gw_err("mirror: out of memory while checking a partial batch; what it shows "
		       "may be incomplete until its next batch");
		return;
	}
	size_t i = 0;
	for (ent_t *e = c->want; e != NULL; e = e->lnext)
		v[i++] = (lead_t){.name = e->data, .kind = lead_kind(e->type), .count = 1};
	qsort(v, n, sizeof(*v), lead_cmp);
	size_t k = 0;
	for (i = 1; i < n; i++) {
		if (lead_cmp(&v[k], &v[i]) == 0)
			v[k].count++;
		else
			v[++k] = v[i];
	}
	n = n > 0 ? k + 1 : 0;
	for (int step = 0; step < 3; step++) {
		ent_t *next = NULL;
		for (ent_t *e = c->want; e != NULL; e = next) {
			next = e->lnext;
			const uint8_t *rd = e->data + e->owner_len;
			bool listed = e->type == DNS_T_PTR && zone_name_equal(e->data, services);
			bool whole;
			if (step == 0 && e->type == DNS_T_SRV)
				whole = e->rdlen > 6 && leads_to(v, n, rd + 6, DNS_T_A);
			else if (step == 1 && e->type == DNS_T_PTR && !listed)
				whole =
				    leads_to(v, n, rd, DNS_T_SRV) && leads_to(v, n, rd, DNS_T_TXT);
			else if (step == 2 && listed)
				whole = leads_to(v, n, rd, DNS_T_PTR);
			else
				continue;
			if (whole)
				continue;
			lead_find(v, n, e->data, lead_kind(e->type))->count--;
			mirror_want_unlink(c, e);
			mirror_ent_touch(z, e);
		}
	}
	free(v);
}
