/* dnssec/roll_timing.h: the waiting times of key rollovers (RFC 7583),
 * from the zone's TTLs, the signing policy and the propagation delays.
 * Pure arithmetic, no I/O. Internal to dnssec/ and its tests. */
#pragma once

#include <stdint.h>

/* What the intervals depend on, all in seconds. */
typedef struct sig_roll_inputs {
	uint32_t dnskey_ttl;         /* TTLkey: the DNSKEY RRset's TTL */
	uint32_t max_zone_ttl;       /* TTLsig: the largest TTL of a signed RRset */
	uint32_t propagation_delay;  /* Dprp: primary to every secondary */
	uint32_t parent_ds_ttl;      /* TTLds: the DS RRset's TTL at the parent */
	uint32_t parent_propagation; /* Dprp(P): the parent's own propagation delay */
	uint32_t sign_delay;         /* Dsgn: time to re-sign the whole zone */
	uint32_t hold_down;          /* RFC 5011 add hold-down; 0 when not used */
} sig_roll_inputs_t;

typedef struct sig_roll_intervals {
	/* Ipub (RFC 7583 3.2.1 / 3.3.1): from publishing a DNSKEY until every
	 * cache that holds the DNSKEY RRset holds the new one:
	 * Dprp + TTLkey, and never less than the RFC 5011 hold-down for a
	 * new KSK when that is in use (hold_down + Dprp). */
	uint64_t publish;
	uint64_t publish_sep; /* the same for a key the parent's DS will name */
	/* Iret (RFC 7583 3.2.1): from the last signature by the old ZSK until
	 * no cache holds one: Dsgn + Dprp + TTLsig. */
	uint64_t retire_sigs;
	/* From the DS seen at the parent until every cache that holds the DS
	 * RRset holds the new one (RFC 7583 3.3.2): Dprp(P) + TTLds. */
	uint64_t parent;
	/* From removing a DNSKEY until no cache holds the RRset with it:
	 * Dprp + TTLkey (then the key file may go). */
	uint64_t remove;
	/* RFC 5011 (hold_down set): how long the old KSK stays published
	 * with the REVOKE bit before it goes: Dprp + the hold-down (the
	 * remove hold-down of RFC 5011 2.4.2 is no longer than the add
	 * hold-down), and never less than remove. 0: no revocation step. */
	uint64_t revoke;
} sig_roll_intervals_t;

/* Fill out from in. Sums are 64-bit, so no input overflows them. */
void sig_roll_intervals(const sig_roll_inputs_t *in, sig_roll_intervals_t *out);
