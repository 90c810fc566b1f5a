/* The served zone and every way it changes: built at start from the zone
 * file (or a minimal apex), given a serial that never goes backwards,
 * signed (keys, NSEC chain, signatures) when DNSSEC is on; then changed
 * only through gw_zonemgr_commit(): mirrored services, zone file reloads
 * and signature refreshes all become one changeset, one incremental
 * re-sign and one serial bump, and one journal entry (gateway/journal.h).
 * Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <ev.h>

#include "common/latency.h"
#include "dnssec/dnssec.h"
#include "gateway/journal/journal.h"
#include "gateway/zonemgr/zoneref.h"
#include "zones/zone.h"

typedef struct gw_zonemgr gw_zonemgr_t;

/* What the zone manager needs; the daemon fills it from the
 * configuration. Every pointer is borrowed and must outlive the manager
 * (or the gw_zonemgr_load_static() call). */
typedef struct gw_zonemgr_opts {
	const uint8_t *domain;  /* borrowed: the zone's name, wire form, lowercase */
	const char *domain_str; /* borrowed: "home.arpa." */
	const char *zone_file;  /* borrowed: static records; NULL: a minimal apex */
	const char *state_dir;  /* borrowed: serial, keys, journal */
	struct {
		bool enable; /* false: serve the zone unsigned; the rest is unused */
		uint8_t algorithm;
		bool split_keys;
		uint32_t rsa_bits;
		bool nsec3;
		uint64_t validity_ms, refresh_ms, jitter_ms, inception_offset_ms;
		uint32_t dnskey_ttl;
		uint32_t sign_threads;     /* 0: one per CPU */
		const char *const *import; /* borrowed: import_count key file paths */
		size_t import_count;
		/* Make new keys even where an earlier key store left its
		 * traces (sig_key_policy_t.new_keys; --new-keys). */
		bool new_keys;
		/* Rollovers (seconds; lifetimes 0: never by themselves). */
		struct {
			uint64_t zsk_lifetime, ksk_lifetime, csk_lifetime;
			uint64_t propagation_delay;
			uint32_t parent_ds_ttl;
			uint64_t parent_propagation_delay;
			uint64_t hold_down; /* RFC 5011; 0: not used */
			/* Servers asked for the new DS (ds-check); 0: by hand. */
			struct sockaddr_storage ds_check[8];
			size_t ds_check_count;
			uint64_t ds_check_interval; /* seconds between two asks */
		} policy;
	} dnssec;
	uint64_t journal_size;    /* octets of the journal file, zone copy included */
	uint32_t journal_entries; /* 0: no journal */
	/* Rewrite the journal file in a child process, so that the loop
	 * answers meanwhile, once the zone's copy in it takes
	 * journal_background_min octets (gw_journal_opts_t.background). */
	bool journal_background;
	uint64_t journal_background_min;
	/* Borrowed: extra_count records the gateway publishes itself (TLSA,
	 * SRV, A/AAAA of its server name: zone file lines, absolute names),
	 * added to the static records: signed, served, and their names kept
	 * from the mirror. A name and type the zone file gives itself is left
	 * to the file. */
	const char *const *extra_rrs;
	size_t extra_count;
} gw_zonemgr_opts_t;

/* Called after every committed change with the new serial (NOTIFY, logs). */
typedef void (*gw_zonemgr_hook_fn)(void *arg, uint32_t serial);

/* Load the operator's records: the zone file when configured, otherwise a
 * minimal apex (SOA and NS). On success *out owns the zone. On error a
 * reason naming file and line is in errbuf. */
int gw_zonemgr_load_static(zone_t **out, const gw_zonemgr_opts_t *opts, char *errbuf,
                           size_t errlen);

/* gw_zonemgr_load_static() in two halves. The first reads the zone file
 * (or makes the apex) and touches nothing but opts' domain and file, so
 * that a reload runs it on a thread (read.c); the second adds the
 * gateway's own records of opts and checks the whole (loop thread). Same
 * results and reasons; *out owned as above, zone kept on error. */
int gw_zonemgr_read_static(zone_t **out, const gw_zonemgr_opts_t *opts, char *errbuf,
                           size_t errlen);
int gw_zonemgr_finish_static(zone_t *zone, const gw_zonemgr_opts_t *opts, char *errbuf,
                             size_t errlen);

/* Warn once of what the static records statics (borrowed) hold that the
 * gateway will not serve as given: RRsets of the types it makes itself
 * (ignored; returns how many), and RRsets too big for a validator to
 * check (served all the same). At each load, and by --check-config. */
size_t gw_zonemgr_warn_statics(const zone_t *statics, const gw_zonemgr_opts_t *opts);

/* Build the served zone per opts (copied; what it points at is borrowed
 * for the manager's life): static records, a serial past <state>/serial
 * and past what <state>/journal shows served (reserved, written by
 * gw_zonemgr_start() or the first commit), keys from <state>/keys (made
 * on the first start), NSEC chain, signatures, DS files, the journal read
 * (written likewise). Errors are logged with what to do; on success *out
 * owns the manager. */
int gw_zonemgr_new(gw_zonemgr_t **out, struct ev_loop *loop, const gw_zonemgr_opts_t *opts);

/* The zone being served (the manager keeps its own reference). */
gw_zoneref_t *gw_zonemgr_zone(const gw_zonemgr_t *m);

/* The journal of the zone's diffs (<state>/journal), borrowed from the
 * manager: every commit adds an entry (IXFR). */
gw_journal_t *gw_zonemgr_journal(const gw_zonemgr_t *m);

/* Apply cs in one step: the zone changes, the NSEC chain and the changed
 * RRsets are re-signed, the serial moves forward (durably). On error the
 * zone is unchanged and the error is returned (the caller may retry). An
 * empty cs changes nothing, the serial neither. */
int gw_zonemgr_commit(gw_zonemgr_t *m, const zone_changeset_t *cs);

/* gw_zonemgr_commit() of a writer beside the zone file (the mirror):
 * its removal of an RR that the static records also hold is dropped. Two
 * writers may put the same RR in the zone (a device's address the admin
 * also wrote into the file), which holds it once, for both. */
int gw_zonemgr_commit_writer(gw_zonemgr_t *m, const zone_changeset_t *cs);

/* Hold the commits: from now until gw_zonemgr_release(), each
 * gw_zonemgr_commit() (and gw_zonemgr_reload()) is folded into one
 * pending changeset and returns GW_OK without changing the zone, so that
 * a configuration reload (the zone file's difference, the mirror's
 * changes) is one serial, one journal entry, one IXFR. For one loop
 * callback: the signature refresh does not run in between. GW_EINVAL
 * when already held, GW_ENOMEM. */
int gw_zonemgr_hold(gw_zonemgr_t *m);

/* What a release did with a reload held with the rest (the zone file's
 * difference and the gateway's own records, gw_zonemgr_reload() and
 * gw_zonemgr_set_extra()). */
typedef enum gw_zonemgr_statics {
	GW_ZONEMGR_STATICS_NONE,  /* none was held */
	GW_ZONEMGR_STATICS_IN,    /* applied with the rest */
	GW_ZONEMGR_STATICS_ALONE, /* the rest failed; applied alone */
	GW_ZONEMGR_STATICS_LOST,  /* not applied: the previous records stay */
} gw_zonemgr_statics_t;

/* Commit what was held as one change (nothing when nothing was committed
 * in between) and stop holding. *serial (may be NULL) is the serial
 * served afterwards; *statics (may be NULL) what became of a held
 * reload. Returns gw_zonemgr_commit()'s result. On error the held
 * changes are not applied, which is logged: their callers commit them
 * again (the mirror is told by mdns_mirror_release(), the TLS records by
 * gw_dane_release()). A held reload's own difference is then committed
 * alone, so that a record the zone refuses among the others' does not
 * hold back the zone file (GW_ZONEMGR_STATICS_ALONE); when that fails
 * too, the previous records stay (GW_ZONEMGR_STATICS_LOST). */
int gw_zonemgr_release(gw_zonemgr_t *m, uint32_t *serial, gw_zonemgr_statics_t *statics);

/* The wall clock was set, moved by delta seconds against elapsed time
 * (gateway/system/clock_set.h): a rollover's step keeps the time it has
 * waited (sig_keystore_roll_clock_set()), and its timer and the signature
 * refresh are computed again from the new time, so that signatures that
 * expired, or are not valid yet, are replaced at once. */
void gw_zonemgr_clock_set(gw_zonemgr_t *m, int64_t delta);

/* Re-read the zone file and commit the difference to the records it gave
 * last time (none: no commit, the serial stays). A file that does not
 * load leaves everything as it was; the reason is logged. GW_OK when
 * nothing is configured to reload. */
int gw_zonemgr_reload(gw_zonemgr_t *m);

/* gw_zonemgr_reload() with the file already read (gw_zonemgr_read_static()
 * with the manager's options, on another thread; zone taken, freed on
 * error). */
int gw_zonemgr_reload_read(gw_zonemgr_t *m, zone_t *zone);

/* ---- the zone files read off the loop (read.c) ---- */

typedef struct gw_zonemgr_read gw_zonemgr_read_t;
typedef void (*gw_zonemgr_read_done_fn)(void *arg);

/* Read the static records of count zones, each as gw_zonemgr_read_static()
 * does with opts[i] (copied; the domain and file strings are borrowed
 * until gw_zonemgr_read_free()), on a thread of their own, so that the
 * loop goes on answering while a large zone file is parsed. done(arg) is
 * called on loop once every one is read (on the loop's next turn when no
 * thread could be made and they were read before returning, which is
 * logged). GW_OK or GW_ENOMEM; on success *out owns the read. */
int gw_zonemgr_read_start(gw_zonemgr_read_t **out, struct ev_loop *loop,
                          const gw_zonemgr_opts_t *opts, size_t count, gw_zonemgr_read_done_fn done,
                          void *arg);

/* After done: zone i's result. GW_OK with *zone (taken: NULL afterwards),
 * or its error with the reason in err (errlen octets). */
int gw_zonemgr_read_take(gw_zonemgr_read_t *r, size_t i, zone_t **zone, char *err, size_t errlen);

/* Wait for the thread (a read under way is finished, not cut), free what
 * was not taken. Accepts NULL. Loop thread. */
void gw_zonemgr_read_free(gw_zonemgr_read_t *r);

/* Publish rrs (count zone file lines, borrowed until the next call or
 * the manager's end) as the gateway's own records instead of
 * opts->extra_rrs: the static records the zone holds (a held reload's,
 * when one is held), less the previous ones and plus these (a name and
 * type the zone file gives stays the file's), and the difference
 * committed as one change. The zone file is not read: an edit to it
 * waits for a reload. On error (logged) nothing changes and the previous
 * records stay. */
int gw_zonemgr_set_extra(gw_zonemgr_t *m, const char *const *rrs, size_t count);

/* True when name holds records of the zone file (or the built-in apex
 * records), or is below a delegation or a DNAME of the zone file, where
 * no query would reach the mirror's records: names the mirror must not
 * touch. */
bool gw_zonemgr_is_static_name(const gw_zonemgr_t *m, const uint8_t *name);

/* True when every name below name is below a delegation or a DNAME of
 * the zone file: name (below the apex) or a name above it has one. */
bool gw_zonemgr_covers_below(const gw_zonemgr_t *m, const uint8_t *name);

/* Start serving: the serial ceiling written (the one step that can fail:
 * -errno, logged with the path; nothing may be served then), the journal
 * file written once the loop is idle (or retried in the background when
 * it cannot be), the signature refresh timer started. Stop writes the
 * journal file if that has not happened yet, and stops that timer. */
int gw_zonemgr_start(gw_zonemgr_t *m);
void gw_zonemgr_stop(gw_zonemgr_t *m);

/* Register the hook called after each commit (one hook; NULL clears). */
void gw_zonemgr_set_hook(gw_zonemgr_t *m, gw_zonemgr_hook_fn fn, void *arg);

/* Called at each commit with what it changed, as soon as the zone serves
 * it and before the journal writes it (its fsync would delay the call):
 * diff is the journal's entry (zone_rrdiff_t: removed RRs, then added
 * ones, signatures included), borrowed for the call. DNS Push. */
typedef void (*gw_zonemgr_diff_fn)(void *arg, const zone_rrdiff_t *diff);

/* Register the diff hook (one; NULL clears). */
void gw_zonemgr_set_diff_hook(gw_zonemgr_t *m, gw_zonemgr_diff_fn fn, void *arg);

/* Counters, for the metrics and the control socket. */
typedef struct gw_zonemgr_stats {
	uint64_t commits;         /* changes committed: a new serial each */
	uint64_t commit_failures; /* commits that failed (the zone stayed as it was) */
	uint64_t refreshes;       /* signature refreshes that re-signed something */
	uint64_t rrsets_signed;   /* RRsets signed, the first signing at start included */
	/* Wall time of each commit (sign, apply, journal), refreshes
	 * included. */
	gw_latency_t commit_time;
} gw_zonemgr_stats_t;
void gw_zonemgr_get_stats(const gw_zonemgr_t *m, gw_zonemgr_stats_t *st);

/* What the manager shows of the zone (control socket, status page). */
typedef struct gw_zonemgr_info {
	uint32_t serial;     /* served now */
	bool dnssec;         /* the zone is signed */
	uint8_t algorithm;   /* the keys' algorithm (dnssec only) */
	bool nsec3;          /* NSEC3 rather than NSEC (dnssec only) */
	size_t key_count;    /* keys in use (dnssec only) */
	time_t next_refresh; /* wall clock of the next signature refresh; 0: none due */
	/* The earliest expiration among the signatures, as the refresh timer
	 * knows it (the next refresh is due refresh_ms before it); 0: unknown
	 * or unsigned. */
	time_t earliest_expiry;
	time_t last_commit;          /* wall clock of the last commit; 0: none since the start */
	uint32_t last_commit_serial; /* the serial it made */
	uint64_t commits;            /* committed since the start */
} gw_zonemgr_info_t;

void gw_zonemgr_get_info(const gw_zonemgr_t *m, gw_zonemgr_info_t *out);

/* The zone's keys, borrowed from the manager; NULL when the zone is not
 * signed. */
const sig_keystore_t *gw_zonemgr_keystore(const gw_zonemgr_t *m);

/* ---- key rollovers (rollover.c) -----------------------------------------
 * Each call writes keys/state first, then changes the zone (DNSKEY, CDS,
 * CDNSKEY, signatures: one commit and a re-sign) and the DS and trust
 * anchor files. Errors leave a reason for a person in err (errlen). */

/* Start a rollover of kind now (alg: the new algorithm of a
 * SIG_ROLL_ALG, else unused). GW_EINVAL (unsigned zone, no such key, the
 * keys already use alg), GW_EBUSY (one is under way), or the store's
 * errors. */
int gw_zonemgr_roll_start(gw_zonemgr_t *m, sig_roll_kind_t kind, uint8_t alg, char *err,
                          size_t errlen);

/* The new DS is at the parent (ds-seen). GW_EINVAL when no rollover
 * waits for it. */
int gw_zonemgr_ds_seen(gw_zonemgr_t *m, char *err, size_t errlen);

/* Publish CDS/CDNSKEY DELETE (on) or the keys' records again (off). */
int gw_zonemgr_set_insecure(gw_zonemgr_t *m, bool on, char *err, size_t errlen);

/* The rollover under way (info->kind SIG_ROLL_NONE: none) with its next
 * step's time, and the next rollover a key lifetime will start (*auto_at
 * 0: none; *auto_kind its kind). Signed zones only. */
void gw_zonemgr_roll_info(const gw_zonemgr_t *m, sig_roll_info_t *info, int64_t *auto_at,
                          sig_roll_kind_t *auto_kind);

/* The intervals in force (RFC 7583), from the zone's TTLs now. */
void gw_zonemgr_roll_intervals(const gw_zonemgr_t *m, sig_roll_intervals_t *iv);

/* Accepts NULL. */
void gw_zonemgr_free(gw_zonemgr_t *m);
