/* dnssec/ incremental commits: atomic on failure, a big batch, and a
 * random stream of DNS-SD changesets checked RRset by RRset. */
#include "sign_fixture.h"

/* A commit that cannot sign leaves the zone exactly as it was, and one
 * with a serial that goes back is refused. */
static void test_commit_atomic(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[2] = {make_key(APEX, SIG_ROLE_KSK), make_key(APEX, SIG_ROLE_ZSK)};
	sig_signer_t signer = make_signer(zone, keys, 2);
	time_t now = time(NULL);
	zone_changeset_t cs;

	add_dnskeys(zone, keys, 2);
	sign_all(&signer, zone, now, 1);
	char *before = tdump(zone);
	uint32_t serial = serial_of(zone);

	/* A KSK alone cannot sign the new A RRset: everything is undone,
	 * the removed name, the NSEC chain, the serial and all signatures. */
	sig_signer_t ksk_only = make_signer(zone, keys, 1);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	tcs_add(&cs, "new." APEX " 60 IN A 192.0.2.1");
	tcs_remove(&cs, "mail." APEX " 3600 IN A 192.0.2.25");
	tcs_remove(&cs, "mail." APEX " 3600 IN AAAA 2001:db8::25");
	CU_ASSERT(sig_zone_commit(&ksk_only, zone, &cs, now, serial + 1, NULL, NULL) == GW_EKEY);
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, serial - 1, NULL, NULL) == GW_EINVAL);
	char *after = tdump(zone);
	CU_ASSERT(strcmp(before, after) == 0);
	CU_ASSERT(verifies(zone, keys, 2, now));

	/* The same change with both keys goes through. */
	size_t resigned = 0;
	CU_ASSERT(sig_zone_commit(&signer, zone, &cs, now, serial + 1, &resigned, NULL) == GW_OK);
	CU_ASSERT(verifies(zone, keys, 2, now));
	CU_ASSERT(trrset(zone, "mail." APEX, LDNS_RR_TYPE_NSEC) == NULL);
	CU_ASSERT(zone_find(zone, tname((uint8_t[ZONE_NAME_MAXLEN]){0}, "mail." APEX)) == NULL);
	/* new's A and NSEC, its predecessor's NSEC, the SOA. */
	CU_ASSERT(resigned == 4);
	zone_changeset_deinit(&cs);
	free(before);
	free(after);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	zone_free(zone);
}

/* A big batch (a link with many services coming up, then going away)
 * in one commit: signed on several threads, the chain rebuilt around
 * every new name. */
static void test_big_commit(void)
{
	zone_t *zone = tzone(APEX, small_zone);
	sig_key_t *keys[1] = {make_key(APEX, SIG_ROLE_CSK)};
	sig_signer_t signer = make_signer(zone, keys, 1);
	time_t now = time(NULL);
	zone_changeset_t add;
	zone_changeset_t remove;
	size_t resigned = 0;
	char text[256];

	add_dnskeys(zone, keys, 1);
	sign_all(&signer, zone, now, 1);
	size_t nodes = zone_node_count(zone);
	CU_ASSERT_FATAL(zone_changeset_init(&add) == GW_OK);
	CU_ASSERT_FATAL(zone_changeset_init(&remove) == GW_OK);
	for (int i = 0; i < 60; i++) {
		const char *const fmt[] = {
		    "_ipp._tcp.lab." APEX " 120 IN PTR P%d._ipp._tcp.lab." APEX,
		    "P%d._ipp._tcp.lab." APEX " 120 IN SRV 0 0 631 h%d.lab." APEX,
		    "P%d._ipp._tcp.lab." APEX " 120 IN TXT \"n=%d\"",
		    "h%d.lab." APEX " 120 IN A 192.0.2.%d",
		};
		for (int f = 0; f < 4; f++) {
			snprintf(text, sizeof(text), fmt[f], i, i);
			tcs_add(&add, text);
			tcs_remove(&remove, text);
		}
	}
	CU_ASSERT(sig_zone_commit(&signer, zone, &add, now, zone_serial_next(serial_of(zone), 0),
	                          &resigned, NULL) == GW_OK);
	/* PTR and NSEC at the type's name; SRV, TXT, NSEC per instance; A,
	 * NSEC per host; the NSEC before the new block of names; the SOA. */
	CU_ASSERT(resigned == 2 + 60 * 5 + 1 + 1);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	CU_ASSERT(sig_zone_commit(&signer, zone, &remove, now, zone_serial_next(serial_of(zone), 0),
	                          &resigned, NULL) == GW_OK);
	CU_ASSERT(verifies(zone, keys, 1, now));
	CU_ASSERT(zone_node_count(zone) == nodes);
	zone_changeset_deinit(&add);
	zone_changeset_deinit(&remove);
	sig_key_free(keys[0]);
	zone_free(zone);
}

/* ---- (3) the stream ------------------------------------------------------ */

#define STREAM_STEPS    1000
#define STREAM_LINKS    3
#define STREAM_SLOTS    32
#define STREAM_TYPES    4
#define STREAM_INITIAL  12
#define STREAM_TARGET   16
#define STREAM_TEXT_MAX 512

static const char *const stream_types[STREAM_TYPES] = {"_ipp._tcp", "_http._tcp", "_ssh._tcp",
                                                       "_AirPlay._tcp"};
static const char *const stream_places[] = {"Lab", "Floor\\ 2", "Library", "OFFICE"};

typedef struct svc {
	bool alive;
	int link;
	int type;
	uint32_t srv_ttl;
	uint32_t txt_ttl;
	unsigned txt_ver;
	unsigned port;
	char inst[128]; /* instance label, escaped */
	char host[64];
} svc_t;

typedef struct stream {
	uint64_t rng;
	svc_t svcs[STREAM_SLOTS];
	int type_count[STREAM_LINKS][STREAM_TYPES];
	int alive;
} stream_t;

static uint32_t rnd(stream_t *s, uint32_t n)
{
	/* xorshift64*: reproducible runs from a fixed seed. */
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return (uint32_t)(((s->rng * 0x2545f4914f6cdd1dULL) >> 32) % n);
}

static void q(zone_changeset_t *cs, bool add, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void q(zone_changeset_t *cs, bool add, const char *fmt, ...)
{
	char text[STREAM_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (add)
		tcs_add(cs, text);
	else
		tcs_remove(cs, text);
}

static void svc_srv(zone_changeset_t *cs, bool add, const svc_t *v)
{
	q(cs, add, "%s.%s.link-%d." APEX " %u IN SRV 0 0 %u %s.link-%d." APEX, v->inst,
	  stream_types[v->type], v->link, v->srv_ttl, v->port, v->host, v->link);
}

static void svc_txt(zone_changeset_t *cs, bool add, const svc_t *v)
{
	q(cs, add, "%s.%s.link-%d." APEX " %u IN TXT \"txtvers=1\" \"rev=%u\"", v->inst,
	  stream_types[v->type], v->link, v->txt_ttl, v->txt_ver);
}

/* Every RR of a service, added or removed, with the type's enumeration
 * PTR when the service is its link's first or last of that type. */
static void svc_rrs(stream_t *s, zone_changeset_t *cs, bool add, svc_t *v, int id)
{
	const char *type = stream_types[v->type];
	int *count = &s->type_count[v->link][v->type];

	q(cs, add, "%s.link-%d." APEX " 120 IN PTR %s.%s.link-%d." APEX, type, v->link, v->inst,
	  type, v->link);
	svc_srv(cs, add, v);
	svc_txt(cs, add, v);
	q(cs, add, "%s.link-%d." APEX " 120 IN A 192.0.2.%d", v->host, v->link, id + 1);
	q(cs, add, "%s.link-%d." APEX " 120 IN AAAA 2001:db8::%x", v->host, v->link, id + 1);
	if ((add && (*count)++ == 0) || (!add && --(*count) == 0))
		q(cs, add, "_services._dns-sd._udp.link-%d." APEX " 4500 IN PTR %s.link-%d." APEX,
		  v->link, type, v->link);
}

static void svc_add(stream_t *s, zone_changeset_t *cs, int id)
{
	svc_t *v = &s->svcs[id];
	static unsigned generation;

	*v = (svc_t){.alive = true,
	             .link = (int)rnd(s, STREAM_LINKS),
	             .type = (int)rnd(s, STREAM_TYPES),
	             .srv_ttl = 120,
	             .txt_ttl = 4500,
	             .txt_ver = rnd(s, 1000),
	             .port = 1 + rnd(s, 65535)};
	/* Names come back after removal, sometimes in another case. */
	snprintf(v->inst, sizeof(v->inst), "%s\\ %d\\ \\(%s\\)",
	         rnd(s, 3) == 0 ? "DEVICE" : "Device", id, stream_places[rnd(s, 4)]);
	snprintf(v->host, sizeof(v->host), "%s-%d-%u", rnd(s, 2) ? "Host" : "host", id,
	         generation++ % 3);
	svc_rrs(s, cs, true, v, id);
	s->alive++;
}

static void svc_remove(stream_t *s, zone_changeset_t *cs, int id)
{
	svc_rrs(s, cs, false, &s->svcs[id], id);
	s->svcs[id].alive = false;
	s->alive--;
}

/* One random changeset of one to three operations on distinct services. */
static void stream_changeset(stream_t *s, zone_changeset_t *cs)
{
	bool touched[STREAM_SLOTS] = {false};
	uint32_t ops = 1 + rnd(s, 3);

	for (uint32_t op = 0; op < ops; op++) {
		int id = (int)rnd(s, STREAM_SLOTS);
		if (touched[id])
			continue;
		touched[id] = true;
		svc_t *v = &s->svcs[id];
		uint32_t what = rnd(s, 100);
		if (!v->alive) {
			if (s->alive < STREAM_TARGET || what < 30)
				svc_add(s, cs, id);
			continue;
		}
		if (what < 30 && s->alive > 4) {
			svc_remove(s, cs, id);
		} else if (what < 65) {
			svc_txt(cs, false, v);
			v->txt_ver++;
			svc_txt(cs, true, v);
		} else if (what < 85) {
			v->srv_ttl = v->srv_ttl == 120 ? 60 + rnd(s, 60) : 120;
			svc_srv(cs, true, v);
		} else {
			v->txt_ttl = v->txt_ttl == 4500 ? 600 + rnd(s, 3000) : 4500;
			svc_txt(cs, true, v);
		}
	}
}

/* Every RRset of the zone: data and signatures, in canonical order. */
typedef struct snap_rrset {
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	uint32_t rdata_len;
	uint8_t *sigs;
	uint32_t sigs_len;
} snap_rrset_t;

typedef struct snap {
	snap_rrset_t *items;
	size_t count;
} snap_t;

static void *dup_bytes(const void *p, size_t len)
{
	void *copy = malloc(len > 0 ? len : 1);
	CU_ASSERT_FATAL(copy != NULL);
	if (len > 0)
		memcpy(copy, p, len);
	return copy;
}

static void snap_take(snap_t *snap, const zone_t *zone)
{
	size_t cap = 0;

	memset(snap, 0, sizeof(*snap));
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n))
		cap += n->rrset_count;
	snap->items = calloc(cap + 1, sizeof(*snap->items));
	CU_ASSERT_FATAL(snap->items != NULL);
	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			snap_rrset_t *s = &snap->items[snap->count++];
			zone_name_lower(s->owner, n->owner);
			s->type = r->type;
			s->ttl = r->ttl;
			s->rdata = dup_bytes(r->rdata, r->rdata_len);
			s->rdata_len = r->rdata_len;
			s->sigs = dup_bytes(r->sigs, r->sigs_len);
			s->sigs_len = r->sigs_len;
		}
	}
}

static void snap_free(snap_t *snap)
{
	for (size_t i = 0; i < snap->count; i++) {
		free(snap->items[i].rdata);
		free(snap->items[i].sigs);
	}
	free(snap->items);
}

static const snap_rrset_t *snap_find(const snap_t *snap, const uint8_t *owner, uint16_t type)
{
	size_t lo = 0;
	size_t hi = snap->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const snap_rrset_t *s = &snap->items[mid];
		int cmp = zone_name_cmp(s->owner, owner);
		if (cmp == 0)
			cmp = (s->type > type) - (s->type < type);
		if (cmp == 0)
			return s;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* RRsets whose data and TTL did not change kept their exact signature
 * bytes; the others got new signatures; and resigned counts exactly the
 * latter. */
static void snap_compare(const snap_t *before, const zone_t *zone, size_t resigned, int step)
{
	size_t kept = 0;
	size_t changed = 0;

	for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
		for (uint16_t i = 0; i < n->rrset_count; i++) {
			const zone_rrset_t *r = &n->rrsets[i];
			const snap_rrset_t *s = snap_find(before, n->owner, r->type);
			bool same = s != NULL && s->ttl == r->ttl && s->rdata_len == r->rdata_len &&
			            memcmp(s->rdata, r->rdata, r->rdata_len) == 0;
			bool same_sigs = s != NULL && s->sigs_len == r->sigs_len &&
			                 memcmp(s->sigs, r->sigs, r->sigs_len) == 0;
			if (same) {
				kept++;
				CU_ASSERT(same_sigs);
			} else {
				changed++;
				CU_ASSERT(!same_sigs && r->sigs_len > 0);
			}
		}
	}
	if (changed != resigned)
		fprintf(stderr, "\n  step %d: %zu RRsets changed, %zu re-signed\n", step, changed,
		        resigned);
	CU_ASSERT(changed == resigned);
	CU_ASSERT(kept > changed);
}

static void test_stream(void)
{
	stream_t s = {.rng = 0x9e3779b97f4a7c15ULL};
	static const char *const base[] = {
	    APEX " 3600 IN SOA ns1." APEX " hostmaster." APEX " 1 3600 600 86400 30",
	    APEX " 3600 IN NS ns1." APEX,
	    "ns1." APEX " 3600 IN A 192.0.2.53",
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-1." APEX,
	    "b._dns-sd._udp." APEX " 3600 IN PTR link-2." APEX,
	    "lb._dns-sd._udp." APEX " 3600 IN PTR link-0." APEX,
	    NULL,
	};
	zone_t *zone = tzone(APEX, base);
	sig_key_t *keys[2] = {make_key(APEX, SIG_ROLE_KSK), make_key(APEX, SIG_ROLE_ZSK)};
	sig_signer_t signer = make_signer(zone, keys, 2);
	time_t now = time(NULL);
	zone_changeset_t cs;
	struct timespec t0, t1;
	size_t total_resigned = 0;
	/* Every step verifies the whole zone; the memo spares the
	 * public-key operation for the signatures already seen valid. */
	sig_verify_memo_t *memo = NULL;

	CU_ASSERT_FATAL(sig_verify_memo_new(&memo) == GW_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	add_dnskeys(zone, keys, 2);
	CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
	for (int id = 0; id < STREAM_INITIAL; id++)
		svc_add(&s, &cs, id);
	CU_ASSERT_FATAL(zone_apply(zone, &cs, NULL, NULL) == GW_OK);
	zone_changeset_deinit(&cs);
	sign_all(&signer, zone, now, 2);
	CU_ASSERT_FATAL(verifies(zone, keys, 2, now));

	for (int step = 0; step < STREAM_STEPS; step++) {
		bool check = step % 100 == 99;
		snap_t before = {0};
		size_t resigned = 0;

		now++;
		CU_ASSERT_FATAL(zone_changeset_init(&cs) == GW_OK);
		stream_changeset(&s, &cs);
		if (check)
			snap_take(&before, zone);
		uint32_t serial = zone_serial_next(serial_of(zone), 0);
		int ret = sig_zone_commit(&signer, zone, &cs, now, serial, &resigned, NULL);
		zone_changeset_deinit(&cs);
		if (ret != GW_OK)
			fprintf(stderr, "\n  step %d: commit: %s\n", step, gw_strerror(ret));
		CU_ASSERT_FATAL(ret == GW_OK);
		total_resigned += resigned;
		if (!verifies_memo(zone, keys, 2, now, memo)) {
			fprintf(stderr, "  step %d\n", step);
			CU_FAIL_FATAL("the zone does not verify after a commit");
		}
		CU_ASSERT(serial_of(zone) == serial);
		if (!chain_is_current(zone)) {
			fprintf(stderr, "  step %d\n", step);
			CU_FAIL_FATAL("the incremental chain differs from a full pass");
		}
		/* A removed name leaves no node holding only its NSEC. */
		for (const zone_node_t *n = zone_first(zone); n != NULL; n = zone_next(zone, n)) {
			bool data = false;
			for (uint16_t i = 0; i < n->rrset_count; i++)
				data |= n->rrsets[i].type != LDNS_RR_TYPE_NSEC;
			CU_ASSERT(data);
		}
		if (!check)
			continue;
		snap_compare(&before, zone, resigned, step);
		snap_free(&before);
		/* At a few points, the external verifiers as well. */
		if (step % 300 == 299)
			CU_ASSERT(ldns_verify_zone_file(zone) == 0);
		uint32_t ttl = 0;
		CU_ASSERT_FATAL(sig_nsec_ttl(zone, &ttl) == GW_OK);
		CU_ASSERT(ttl == 30);
	}
	/* A full signing pass finds nothing left to do. */
	size_t count = 1;
	CU_ASSERT(sig_sign_zone(&signer, zone, now, false, 2, &count) == GW_OK);
	CU_ASSERT(count == 0);
	CU_ASSERT(ldns_verify_zone_file(zone) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (with_nsec3)
		CU_ASSERT(zone_hashed_count(zone) > (size_t)s.alive);
	fprintf(stderr,
	        "\n  stream%s: %d changesets, %zu services at the end, %zu nodes, %zu RRsets "
	        "re-signed, %.2f s\n",
	        with_nsec3 ? " (NSEC3)" : "", STREAM_STEPS, (size_t)s.alive, zone_node_count(zone),
	        total_resigned,
	        (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	sig_verify_memo_free(memo);
	sig_key_free(keys[0]);
	sig_key_free(keys[1]);
	zone_free(zone);
}

static void test_stream_nsec3(void)
{
	with_nsec3 = true;
	test_stream();
	with_nsec3 = false;
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"commit is atomic", test_commit_atomic},
	    {"a big commit", test_big_commit},
	    {"stream of 1000 changesets", test_stream},
	    {"stream of 1000 changesets, NSEC3", test_stream_nsec3},
	    {NULL, NULL},
	};
	return gw_test_suite("dnssec_sign commit", tests);
}
