/* RRset signatures (RFC 4034 3, RFC 4035 2.2), refresh, and whole-zone
 * signing on several threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <ldns/util.h>

#include "common/dns.h"
#include "common/array.h"
#include "common/error.h"
#include "common/htab.h"
#include "common/log.h"
#include "dnssec/dnssec.h"
#include "dnssec/sign_internal.h"

/* ---- one RRset ---------------------------------------------------------- */

/* splitmix64: a few cycles per draw and no shared state, so signing
 * threads need no lock, unlike rand(). */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* FNV-1a of the lowercase owner: RRsets of one zone spread apart. */
static uint64_t name_hash(const uint8_t *name, size_t len)
{
	return gw_fnv64_ci(GW_FNV64_INIT, name, len);
}

/* How much earlier than now + validity the RRset's signatures expire. Never
 * so much that a fresh signature already falls into the refresh window,
 * which would re-sign it on every pass. */
static uint32_t jitter_draw(const sig_signer_t *signer, const uint8_t *owner, size_t owner_len,
                            uint16_t type, time_t now)
{
	uint32_t jitter = signer->jitter;
	uint32_t room =
	    signer->validity > signer->refresh ? signer->validity - signer->refresh - 1 : 0;
	uint64_t state;

	if (jitter > room)
		jitter = room;
	if (jitter == 0)
		return 0;
	state = name_hash(owner, owner_len) ^ ((uint64_t)type << 48) ^ (uint64_t)now;
	/* The top 32 bits times jitter, over 2^32: uniform in [0, jitter). */
	return (uint32_t)(((splitmix64(&state) >> 32) * (uint64_t)jitter) >> 32);
}

/* Is the RR's rdata its own canonical form (RFC 4034 6.2)? Only names
 * change there (case, compression; the zone holds none compressed). True
 * for a type whose rdata holds no name, as ldns's descriptor says, and for
 * NSEC, whose one name RFC 6840 5.1 keeps as written, as ldns does
 * (test_dnssec_sign_zone's "NSEC next name in uppercase"). */
static bool rdata_is_canonical(uint16_t type)
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(type);

	if (type == DNS_T_NSEC)
		return true;
	return desc != NULL && desc->_type == type && desc->_dname_count == 0;
}

/* Does rdata hold no octet an ASCII lowercasing would change? Then it is
 * its own canonical form whatever the type's layout: lowercasing the
 * names in it is all RFC 4034 6.2 does to a stored (uncompressed) RR. */
static bool rdata_has_no_upper(const uint8_t *rdata, uint16_t rdlen)
{
	for (uint16_t i = 0; i < rdlen; i++) {
		if (rdata[i] >= 'A' && rdata[i] <= 'Z')
			return false;
	}
	return true;
}

/* A one-RR RRset whose rdata is canonical already, in canonical form into
 * out: the owner lowercased, the rest as stored; one RR has no order to
 * find. Most RRsets of a DNS-SD zone are such (NSEC, A, AAAA, TXT,
 * NSEC3, and SRV with a lowercase target), and making ldns objects of
 * them cost more than all the rest of the signing outside OpenSSL, with
 * its allocations slowing OpenSSL's own. False: not such an RRset. */
static bool canonical_single(const uint8_t *owner, const zone_rrset_t *rrset, ldns_buffer *out)
{
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;
	uint8_t lower[ZONE_NAME_MAXLEN];

	if (rrset->count != 1 || !zone_rrset_next(rrset, &pos, &rdata, &rdlen) ||
	    !(rdata_is_canonical(rrset->type) || rdata_has_no_upper(rdata, rdlen)))
		return false;
	int lower_len = zone_name_lower(lower, owner);
	if (lower_len < 0 || !ldns_buffer_reserve(out, (size_t)lower_len + 10 + rdlen))
		return false;
	ldns_buffer_write(out, lower, (size_t)lower_len);
	ldns_buffer_write_u16(out, rrset->type);
	ldns_buffer_write_u16(out, DNS_C_IN);
	ldns_buffer_write_u32(out, rrset->ttl);
	ldns_buffer_write_u16(out, rdlen);
	ldns_buffer_write(out, rdata, rdlen);
	return true;
}

/* An RR of an RRset being put in canonical order, with the canonical wire
 * form ldns_rr_compare() would make of it on every comparison. */
typedef struct canon_rr {
	ldns_rr *rr;       /* owned */
	ldns_buffer *wire; /* owned */
} canon_rr_t;

/* ldns_rr_compare() on canonical forms made once. */
static int canon_cmp(const void *a, const void *b)
{
	const canon_rr_t *x = a, *y = b;
	int r = ldns_rr_compare_no_rdata(x->rr, y->rr);
	return r != 0 ? r : ldns_rr_compare_wire(x->wire, y->wire);
}

/* The RRset in canonical form and order (RFC 4034 6.2, 6.3) into out;
 * other than canonical_single()'s, all through ldns: each RR converted,
 * names lowercased, sorted, and RRs that became equal after lowercasing
 * written once. The sort compares as ldns_rr_list_sort() does, but on
 * canonical forms made once per RR: ldns_rr_compare() serialises both RRs
 * again on every call (a browse PTR RRset of 50 instances: about 600
 * serialisations for 50 RRs). Sorting puts equal RRs next to each other,
 * so comparing each written RR with the one before finds them. */
static int canonical_rrset(const uint8_t *owner, size_t owner_len, const zone_rrset_t *rrset,
                           ldns_buffer *out)
{
	int ret = GW_ENOMEM;
	uint8_t owner_copy[ZONE_NAME_MAXLEN];
	zone_node_t node = {.owner = owner_copy, .owner_len = (uint16_t)owner_len};
	canon_rr_t *rrs = NULL;
	size_t n = 0;
	const uint8_t *rdata;
	uint16_t rdlen;
	uint32_t pos = 0;

	if (canonical_single(owner, rrset, out))
		return GW_OK;
	memcpy(owner_copy, owner, owner_len);
	rrs = calloc(rrset->count, sizeof(*rrs));
	if (rrs == NULL)
		goto out;
	while (n < rrset->count && zone_rrset_next(rrset, &pos, &rdata, &rdlen)) {
		canon_rr_t *c = &rrs[n++];
		ret = zone_rr_to_ldns(&c->rr, &node, rrset, rdata, rdlen);
		if (ret != GW_OK)
			goto out;
		ldns_rr2canonical(c->rr);
		ret = GW_ENOMEM;
		c->wire = ldns_buffer_new(owner_len + 10u + rdlen);
		if (c->wire == NULL || ldns_rr2buffer_wire_canonical(
		                           c->wire, c->rr, LDNS_SECTION_ANY) != LDNS_STATUS_OK)
			goto out;
	}
	qsort(rrs, n, sizeof(*rrs), canon_cmp);
	/* Each RR's own canonical form is copied: ldns's writers keep the
	 * place of an RR's RDLENGTH in 16 bits, so an RRset written into one
	 * buffer past 64 KiB (a browse PTR RRset of a thousand instances)
	 * gets its lengths written elsewhere, and a signature no validator
	 * accepts. */
	const ldns_buffer *prev = NULL;
	ret = GW_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ldns_buffer *w = rrs[i].wire;
		size_t len = ldns_buffer_position(w);
		if (prev != NULL && len == ldns_buffer_position(prev) &&
		    memcmp(ldns_buffer_begin(prev), ldns_buffer_begin(w), len) == 0)
			continue;
		if (!ldns_buffer_reserve(out, len))
			goto out;
		ldns_buffer_write(out, ldns_buffer_begin(w), len);
		prev = w;
	}
	ret = GW_OK;
out:
	for (size_t i = 0; i < n; i++) {
		ldns_rr_free(rrs[i].rr);
		ldns_buffer_free(rrs[i].wire);
	}
	free(rrs);
	return ret;
}

/* Labels of the owner without the root and without a leading wildcard
 * label (RFC 4034 3.1.3). */
static uint8_t rrsig_labels(const uint8_t *owner)
{
	int labels = zone_name_labels(owner);

	if (owner[0] == 1 && owner[1] == '*')
		labels--;
	return (uint8_t)labels;
}

/* Does key i of the signer sign RRsets of type? */
bool sig_key_signs(const sig_signer_t *signer, size_t i, uint16_t type)
{
	if (signer->keyset_only != NULL && signer->keyset_only[i])
		return sig_role_signs(SIG_ROLE_KSK, type);
	return sig_role_signs(sig_key_role(signer->keys[i]), type);
}

/* How many of the signer's keys sign type, and in *sig_octets the length
 * of their signatures together. */
static size_t covering_keys(const sig_signer_t *signer, uint16_t type, size_t *sig_octets)
{
	size_t n = 0;

	*sig_octets = 0;
	for (size_t i = 0; i < signer->key_count; i++) {
		if (sig_key_signs(signer, i, type)) {
			n++;
			*sig_octets += sig_key_sig_len(signer->keys[i]);
		}
	}
	return n;
}

/* What a signing thread reuses from one RRset to the next. Allocated
 * per RRset, between OpenSSL's own many small blocks of each signature,
 * these sent OpenSSL's through malloc's slow path: _int_malloc() alone
 * took 5-6 % of the signing's samples at 100 000 services (perf), 1.4 %
 * without. sign_run() says why the signatures kept are staged too. */
typedef struct sign_scratch {
	ldns_buffer *rrwire; /* owned: the canonical RRset */
	ldns_buffer *data;   /* owned: the signed data */
	ldns_buffer *out;    /* owned: signatures not yet handed to their jobs */
} sign_scratch_t;

static void scratch_deinit(sign_scratch_t *s)
{
	if (s->rrwire != NULL)
		ldns_buffer_free(s->rrwire);
	if (s->data != NULL)
		ldns_buffer_free(s->data);
	if (s->out != NULL)
		ldns_buffer_free(s->out);
	*s = (sign_scratch_t){0};
}

static int scratch_init(sign_scratch_t *s)
{
	*s = (sign_scratch_t){
	    .rrwire = ldns_buffer_new(512),
	    .data = ldns_buffer_new(512),
	    .out = ldns_buffer_new(4096),
	};
	if (s->rrwire == NULL || s->data == NULL || s->out == NULL) {
		scratch_deinit(s);
		return GW_ENOMEM;
	}
	return GW_OK;
}

/* Sign rrset with every key that signs its type and append the RRSIG
 * rdatas, each behind its 16-bit length, to s->out; *count of them. */
static int sign_rrset_into(const sig_signer_t *signer, sign_scratch_t *s, const uint8_t *owner,
                           const zone_rrset_t *rrset, time_t now, uint16_t *count)
{
	int ret = GW_EINVAL;
	ldns_buffer *rrwire = s->rrwire;
	ldns_buffer *data = s->data;
	uint8_t signer_name[ZONE_NAME_MAXLEN];
	char what[4 * ZONE_NAME_MAXLEN + 32];
	int owner_len;

	owner_len = zone_name_len(owner, ZONE_NAME_MAXLEN);
	if (owner_len < 0 || rrset->count == 0 || rrset->type == DNS_T_RRSIG)
		return GW_EINVAL;
	size_t sig_octets = 0;
	size_t nkeys = covering_keys(signer, rrset->type, &sig_octets);
	if (nkeys == 0) {
		sig_describe(what, sizeof(what), owner, rrset->type);
		gw_err("%s: no key signs this type (a KSK without a ZSK?)", what);
		return GW_EKEY;
	}

	size_t signer_len = (size_t)zone_name_lower(signer_name, signer->apex);
	size_t head = SIG_RRSIG_FIXED + signer_len;
	uint16_t type = rrset->type;
	uint8_t labels = rrsig_labels(owner);
	uint32_t inception = (uint32_t)(now - (time_t)signer->inception_offset);
	uint32_t expiration =
	    (uint32_t)(now + (time_t)signer->validity -
	               (time_t)jitter_draw(signer, owner, (size_t)owner_len, type, now));

	ldns_buffer_clear(rrwire);
	ret = canonical_rrset(owner, (size_t)owner_len, rrset, rrwire);
	if (ret != GW_OK)
		return ret;
	size_t wire_len = ldns_buffer_position(rrwire);
	size_t base = ldns_buffer_position(s->out);
	if (!ldns_buffer_reserve(s->out, nkeys * (2 + head) + sig_octets))
		return GW_ENOMEM;
	uint8_t *buf = ldns_buffer_at(s->out, base);

	size_t pos = 0;
	uint16_t n = 0;
	for (size_t i = 0; i < signer->key_count; i++) {
		const sig_key_t *key = signer->keys[i];
		if (!sig_key_signs(signer, i, type))
			continue;
		/* The signed data: the RRSIG rdata without its signature,
		 * then the canonical RRset (RFC 4034 3.1.8.1). */
		ldns_buffer_clear(data);
		if (!ldns_buffer_reserve(data, head + wire_len))
			return GW_ENOMEM;
		ldns_buffer_write_u16(data, type);
		ldns_buffer_write_u8(data, sig_key_algorithm(key));
		ldns_buffer_write_u8(data, labels);
		ldns_buffer_write_u32(data, rrset->ttl);
		ldns_buffer_write_u32(data, expiration);
		ldns_buffer_write_u32(data, inception);
		ldns_buffer_write_u16(data, sig_key_tag(key));
		ldns_buffer_write(data, signer_name, signer_len);
		ldns_buffer_write(data, ldns_buffer_begin(rrwire), wire_len);

		uint8_t *rd = buf + pos + 2;
		size_t siglen = 0;
		memcpy(rd, ldns_buffer_begin(data), head);
		ret = sig_key_sign(key, ldns_buffer_begin(data), ldns_buffer_position(data),
		                   rd + head, sig_key_sig_len(key), &siglen);
		if (ret != GW_OK) {
			sig_describe(what, sizeof(what), owner, type);
			gw_err("%s: signing with key %u failed: %s", what,
			       (unsigned)sig_key_tag(key), gw_strerror(ret));
			return ret;
		}
		size_t rdlen = head + siglen;
		buf[pos] = (uint8_t)(rdlen >> 8);
		buf[pos + 1] = (uint8_t)rdlen;
		pos += 2 + rdlen;
		n++;
	}
	ldns_buffer_skip(s->out, (ssize_t)pos);
	*count = n;
	return GW_OK;
}

/* The signatures staged in s->out at [from, to), in a block of their
 * own: exactly what they take (room for the longest signature of any
 * algorithm, over 1 KiB, is a large-bin request to glibc, which then
 * merges its fast bins). */
static int take_staged(const sign_scratch_t *s, size_t from, size_t to, uint8_t **sigs,
                       uint32_t *len)
{
	size_t n = to - from;
	uint8_t *buf = malloc(n > 0 ? n : 1);

	if (buf == NULL)
		return GW_ENOMEM;
	memcpy(buf, ldns_buffer_at(s->out, from), n);
	*sigs = buf;
	*len = (uint32_t)n;
	return GW_OK;
}

int sig_sign_rrset(const sig_signer_t *signer, const uint8_t *owner, const zone_rrset_t *rrset,
                   time_t now, uint8_t **sigs, uint32_t *len, uint16_t *count)
{
	sign_scratch_t s;
	uint16_t n = 0;

	if (signer == NULL || signer->apex == NULL || owner == NULL || rrset == NULL ||
	    sigs == NULL || len == NULL || count == NULL)
		return GW_EINVAL;
	int ret = scratch_init(&s);
	if (ret == GW_OK)
		ret = sign_rrset_into(signer, &s, owner, rrset, now, &n);
	if (ret == GW_OK)
		ret = take_staged(&s, 0, ldns_buffer_position(s.out), sigs, len);
	if (ret == GW_OK)
		*count = n;
	scratch_deinit(&s);
	return ret;
}

/* Is there a signature by key over rrset that is still good at now for
 * longer than the refresh window? */
static bool key_signature_fresh(const sig_signer_t *signer, const sig_key_t *key,
                                const zone_rrset_t *rrset, time_t now)
{
	const zone_rrset_t sigs = {.rdata = rrset->sigs, .rdata_len = rrset->sigs_len};
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;

	while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
		if (rdlen < SIG_RRSIG_FIXED ||
		    ldns_read_uint16(rd + SIG_RRSIG_OFF_TAG) != sig_key_tag(key) ||
		    rd[SIG_RRSIG_OFF_ALG] != sig_key_algorithm(key) ||
		    ldns_read_uint16(rd + SIG_RRSIG_OFF_TYPE) != rrset->type)
			continue;
		/* A TTL change without a new signature is a bogus answer. */
		if (ldns_read_uint32(rd + SIG_RRSIG_OFF_TTL) != rrset->ttl)
			continue;
		time_t expire =
		    sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_EXPIRE), now);
		time_t incept =
		    sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_INCEPT), now);
		if (incept > now || expire - now < (time_t)signer->refresh)
			continue;
		return true;
	}
	return false;
}

/* Does some signature come from a key the signer no longer has (or one
 * that must not sign this type)? Re-signing drops it. */
static bool has_foreign_signature(const sig_signer_t *signer, const zone_rrset_t *rrset)
{
	const zone_rrset_t sigs = {.rdata = rrset->sigs, .rdata_len = rrset->sigs_len};
	const uint8_t *rd;
	uint16_t rdlen;
	uint32_t pos = 0;

	while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
		bool known = false;
		if (rdlen < SIG_RRSIG_FIXED)
			return true;
		for (size_t i = 0; i < signer->key_count && !known; i++) {
			const sig_key_t *key = signer->keys[i];
			known = ldns_read_uint16(rd + SIG_RRSIG_OFF_TAG) == sig_key_tag(key) &&
			        rd[SIG_RRSIG_OFF_ALG] == sig_key_algorithm(key) &&
			        sig_key_signs(signer, i, rrset->type);
		}
		if (!known)
			return true;
	}
	return false;
}

bool sig_rrset_needs_signing(const sig_signer_t *signer, const zone_rrset_t *rrset, time_t now)
{
	if (rrset->sigs == NULL || rrset->sig_count == 0)
		return true;
	for (size_t i = 0; i < signer->key_count; i++) {
		const sig_key_t *key = signer->keys[i];
		if (!sig_key_signs(signer, i, rrset->type))
			continue;
		if (!key_signature_fresh(signer, key, rrset, now))
			return true;
	}
	return has_foreign_signature(signer, rrset);
}

/* ---- the whole zone ----------------------------------------------------- */

/* Jobs are handed out in chunks from a shared counter rather than in
 * fixed slices: RRsets differ in cost (a browse PTR RRset with hundreds of
 * RRs against a single A), and a commit has only a handful of them. Each
 * job's result goes into the job itself, so workers share nothing else. */
typedef struct sign_queue {
	const sig_signer_t *signer;
	sig_job_t *jobs;
	size_t count;
	size_t chunk;
	time_t now;
	atomic_size_t next;
	atomic_int ret;
} sign_queue_t;

/* Jobs signed before their signatures get blocks of their own. The
 * blocks outlive the signing (the zone takes them); made one at a time
 * between two signatures, each took a block OpenSSL had just freed and
 * was about to ask for again. */
#define SIGN_STAGE_JOBS 64

/* Sign jobs [from, to) with s, then give each its block. */
static int sign_run(sign_queue_t *q, sign_scratch_t *s, size_t from, size_t to)
{
	size_t offs[SIGN_STAGE_JOBS + 1];
	int ret = GW_OK;

	ldns_buffer_clear(s->out);
	for (size_t i = from; i < to; i++) {
		const sig_job_t *job = &q->jobs[i];
		uint16_t n = 0;
		offs[i - from] = ldns_buffer_position(s->out);
		if (job->sign)
			ret =
			    sign_rrset_into(q->signer, s, job->node->owner, job->rrset, q->now, &n);
		if (ret != GW_OK)
			return ret;
	}
	offs[to - from] = ldns_buffer_position(s->out);
	for (size_t i = from; i < to && ret == GW_OK; i++) {
		sig_job_t *job = &q->jobs[i];
		if (job->sign)
			ret = take_staged(s, offs[i - from], offs[i - from + 1], &job->sigs,
			                  &job->len);
	}
	return ret;
}

static void *sign_worker(void *arg)
{
	sign_queue_t *q = arg;
	sign_scratch_t s;
	int ret = scratch_init(&s);

	while (ret == GW_OK) {
		size_t from = atomic_fetch_add(&q->next, q->chunk);
		if (from >= q->count)
			break;
		size_t to = q->count - from < q->chunk ? q->count : from + q->chunk;
		for (size_t i = from; i < to && ret == GW_OK; i += SIGN_STAGE_JOBS)
			ret =
			    sign_run(q, &s, i, to - i < SIGN_STAGE_JOBS ? to : i + SIGN_STAGE_JOBS);
	}
	if (ret != GW_OK) {
		int ok = GW_OK;
		atomic_compare_exchange_strong(&q->ret, &ok, ret);
		/* The others stop at their next chunk. */
		atomic_store(&q->next, q->count);
	}
	scratch_deinit(&s);
	return NULL;
}

int sig_sign_jobs(const sig_signer_t *signer, sig_job_t *jobs, size_t count, time_t now,
                  unsigned threads)
{
	pthread_t stack[8];
	pthread_t *tid = stack;
	unsigned started = 0;
	sign_queue_t q = {.signer = signer, .jobs = jobs, .count = count, .now = now};

	if (threads < 1)
		threads = 1;
	if (threads > count)
		threads = count > 0 ? (unsigned)count : 1;
	if (threads > sizeof(stack) / sizeof(stack[0])) {
		tid = calloc(threads, sizeof(*tid));
		if (tid == NULL)
			return GW_ENOMEM;
	}
	/* About 16 chunks per thread: few enough that the counter is not
	 * contended, many enough to even out the tail. */
	q.chunk = count / ((size_t)threads * 16);
	if (q.chunk == 0)
		q.chunk = 1;
	atomic_init(&q.next, 0);
	atomic_init(&q.ret, GW_OK);
	/* The calling thread works too; a thread that cannot start only
	 * leaves more jobs to the others. */
	for (unsigned t = 1; t < threads; t++) {
		if (pthread_create(&tid[started], NULL, sign_worker, &q) == 0)
			started++;
	}
	sign_worker(&q);
	for (unsigned t = 0; t < started; t++)
		pthread_join(tid[t], NULL);
	if (tid != stack)
		free(tid);
	return atomic_load(&q.ret);
}

int sig_sign_jobs_into(const sig_signer_t *signer, zone_t *zone, sig_job_t *jobs, size_t count,
                       time_t now, unsigned threads, size_t *nsigned)
{
	int ret = sig_sign_jobs(signer, jobs, count, now, threads);

	if (ret != GW_OK)
		return ret;
	/* zone_node_take_sigs() keeps node and RRset pointers valid, and
	 * takes each job's buffer: a zone's worth of signatures exists once,
	 * not twice, at the start's peak. By the job's node, not its owner:
	 * a lookup per RRset was most of this loop. */
	for (size_t i = 0; i < count; i++) {
		ret = zone_node_take_sigs(zone, jobs[i].node, jobs[i].rrset->type, &jobs[i].sigs,
		                          jobs[i].len);
		if (ret != GW_OK)
			return ret;
		if (jobs[i].sign)
			(*nsigned)++;
	}
	return GW_OK;
}

int sig_zone_jobs(const sig_signer_t *signer, const zone_t *zone, time_t now, bool force,
                  size_t max, sig_job_t **jobs_out, size_t *count)
{
	sig_job_t *jobs = NULL;
	size_t njobs = 0;
	size_t cap = 0;
	size_t nsign = 0;
	sig_walk_t walk = {0};

	/* By index: zone_next() searches for each node. A node's RRsets are
	 * taken whole, so the bound may be passed by a node's worth. */
	const zone_node_t *node;
	for (size_t n = 0; (node = zone_node_at(zone, n)) != NULL && (max == 0 || nsign < max);
	     n++) {
		sig_node_kind_t kind = sig_walk_kind(&walk, zone, node);
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rrset = &node->rrsets[i];
			bool sign = sig_rrset_signable(kind, rrset->type);
			if (sign && !force && !sig_rrset_needs_signing(signer, rrset, now))
				continue;
			/* Signatures over glue or stale data go. */
			if (!sign && rrset->sigs_len == 0)
				continue;
			if (gw_array_reserve(&jobs, &cap, njobs + 1, sizeof(*jobs), 1024) !=
			    GW_OK) {
				free(jobs);
				return GW_ENOMEM;
			}
			jobs[njobs++] = (sig_job_t){.node = node, .rrset = rrset, .sign = sign};
			nsign += sign;
		}
	}
	*jobs_out = jobs;
	*count = njobs;
	return GW_OK;
}

int sig_sign_zone(const sig_signer_t *signer, zone_t *zone, time_t now, bool force,
                  unsigned threads, size_t *signed_count)
{
	int ret;
	sig_job_t *jobs = NULL;
	size_t njobs = 0;
	size_t nsigned = 0;

	if (signer == NULL || zone == NULL)
		return GW_EINVAL;
	ret = sig_zone_jobs(signer, zone, now, force, 0, &jobs, &njobs);
	if (ret == GW_OK)
		ret = sig_sign_jobs_into(signer, zone, jobs, njobs, now, threads, &nsigned);
	for (size_t i = 0; i < njobs; i++)
		free(jobs[i].sigs);
	free(jobs);
	if (signed_count != NULL)
		*signed_count = nsigned;
	return ret;
}

time_t sig_zone_next_refresh(const sig_signer_t *signer, const zone_t *zone)
{
	time_t ref = time(NULL);
	time_t earliest = 0;
	bool any = false;

	const zone_node_t *node;
	for (size_t n = 0; (node = zone_node_at(zone, n)) != NULL; n++) {
		for (uint16_t i = 0; i < node->rrset_count; i++) {
			const zone_rrset_t *rrset = &node->rrsets[i];
			const zone_rrset_t sigs = {.rdata = rrset->sigs,
			                           .rdata_len = rrset->sigs_len};
			const uint8_t *rd;
			uint16_t rdlen;
			uint32_t pos = 0;
			while (zone_rrset_next(&sigs, &pos, &rd, &rdlen)) {
				if (rdlen < SIG_RRSIG_FIXED)
					continue;
				time_t t = sig_time_from_wire(
				    ldns_read_uint32(rd + SIG_RRSIG_OFF_EXPIRE), ref);
				/* Not valid yet (the wall clock was set back past
				 * the inception offset): due now, as
				 * sig_rrset_needs_signing() says. */
				if (sig_time_from_wire(ldns_read_uint32(rd + SIG_RRSIG_OFF_INCEPT),
				                       ref) > ref)
					t = ref + (time_t)signer->refresh;
				if (!any || t < earliest)
					earliest = t;
				any = true;
			}
		}
	}
	return any ? earliest - (time_t)signer->refresh : 0;
}
