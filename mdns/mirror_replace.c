/* A record replaced while its link is out of tokens: the old one stays
 * until the new one's token comes (mirror_publish.c asks, for each
 * withdrawal of a batch the rate limit cut short). A TXT a device
 * rewrites, an address renewed, an SRV moved to another host: the old
 * record is withdrawn at no cost, the new one waits, and with its RRset
 * empty meanwhile the service would leave the zone (mirror_leads.c) and
 * come back a moment later. A withdrawal whose RRset keeps another record,
 * or has no replacement waiting (a goodbye, a name a reload delegates or
 * the policy hides), still goes at once. */
#include "mdns/mirror_internal.h"

#include <stdlib.h>

#include "common/array.h"
#include "common/error.h"
#include "common/htab.h"
#include "common/sorted.h"

static uint32_t rrset_hash(const ent_t *e)
{
	uint32_t h = gw_fnv32_ci(GW_FNV32_INIT, e->data, e->owner_len);
	return (h ^ e->type) * 16777619u;
}

int mirror_rrsets_add(mirror_rrsets_t *s, const ent_t *e, bool waits)
{
	if (gw_array_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 64) != GW_OK)
		return GW_ENOMEM;
	s->v[s->n++] = (mirror_rrset_key_t){.hash = rrset_hash(e), .waits = waits, .e = e};
	return GW_OK;
}

static int key_cmp(const void *a, const void *b)
{
	const mirror_rrset_key_t *x = a, *y = b;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

void mirror_rrsets_sort(mirror_rrsets_t *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), key_cmp);
}

bool mirror_rrsets_keep_old(const mirror_rrsets_t *s, const ent_t *old)
{
	mirror_rrset_key_t key = {.hash = rrset_hash(old)};
	/* Keys of one hash are adjacent: from the first. */
	bool waits = false;
	for (size_t i = gw_lower_bound(s->v, s->n, sizeof(*s->v), &key, key_cmp);
	     i < s->n && s->v[i].hash == key.hash; i++) {
		const ent_t *e = s->v[i].e;
		if (e->type != old->type || !zone_name_equal(e->data, old->data))
			continue;
		if (!s->v[i].waits)
			return false; /* the RRset keeps a record: the old one can go */
		waits = true;
	}
	return waits;
}

void mirror_rrsets_free(mirror_rrsets_t *s)
{
	free(s->v);
	*s = (mirror_rrsets_t){0};
}
