/* Internal to the mirror (mdns/mirror*.c): what is known on each link,
 * and the records wanted in and published to the zone. */
#pragma once

#include <net/if.h>

#include "mdns/mirror.h"
#include "common/container.h"
#include "common/htab.h"

/* Roles of a name on a link; a name may hold several (a host may share a
 * name with a service type). Each role is browsed for its record types. */
enum {
	ROLE_ENUM = 1,     /* _services._dns-sd._udp.local: PTR to types */
	ROLE_BROWSE = 2,   /* a type or subtype: PTR to instances */
	ROLE_INSTANCE = 4, /* SRV, TXT */
	ROLE_HOST = 8,     /* A, AAAA */
};

/* Watched (name, type) slots. */
enum { SLOT_PTR, SLOT_SRV, SLOT_TXT, SLOT_A, SLOT_AAAA, SLOT_COUNT };

typedef struct kname kname_t;
typedef struct mlink mlink_t;
typedef struct acount acount_t;

/* krr_t.protos: where a record was seen; it goes when none holds it. */
#define MIRROR_PROTO_HEARD 4

/* A record known on a link, as mDNS gave it. */
typedef struct krr {
	struct krr *next; /* in its name's list */
	kname_t *target;  /* PTR, SRV: the name it holds a reference on */
	kname_t *owner;   /* with a target: the name it is at */
	/* with a target: in the target's list of referrers */
	struct krr *tnext, **tpprev;
	uint32_t ttl; /* as announced */
	uint32_t gen; /* link generation when last announced */
	uint16_t type;
	uint16_t rdlen;
	uint8_t protos; /* 1: seen over IPv4, 2: over IPv6, 4: heard (mirror_heard.c) */
	uint8_t trole;  /* the role the reference on target is for */
	uint8_t rdata[];
} krr_t;

struct kname {
	gw_hlink_t hl; /* in the link's table of names */
	mlink_t *link;
	uint8_t roles;
	uint8_t fixed; /* roles held for good (enumeration, configured subtypes) */
	/* The PTRs at this name: with ptr_rdata, the size of its PTR RRset
	 * once rewritten (mirror_limits.c), which that bound keeps under 64
	 * KiB, and so both counts. Both sit in what was padding. */
	uint16_t ptr_count;
	uint32_t refs[4];      /* references per role (index: log2 of the role) */
	uint32_t busy;         /* pinned: not freed while an operation walks it */
	uint32_t mark;         /* host referenced by a published SRV, this compute */
	uint32_t static_epoch; /* compute that last decided is_static */
	bool is_static;        /* the static zone holds the rewritten name */
	bool static_logged;
	bool txt_held;         /* an instance held back for want of TXT, counted */
	uint32_t policy_epoch; /* compute that last decided policy_shown */
	bool policy_shown;
	uint16_t ptr_rdata; /* the octets of the PTRs' rdata, .local form */
	uint32_t rr_count;  /* records at this name other than PTR */
	krr_t *rrs;
	krr_t *referrers; /* the PTR and SRV records that point here */
	mdns_watch_t *watch[SLOT_COUNT];
	bool watching[SLOT_COUNT];
	uint16_t len;
	uint8_t name[]; /* wire, letter case as first seen */
};

/* The records wanted in / published to the zone. */
typedef struct ent ent_t;
typedef struct contrib contrib_t;

struct ent {
	gw_hlink_t hl;        /* in the mirror's table of entries */
	ent_t *lnext, *lprev; /* in the want list of its contributor */
	contrib_t *by;        /* the contributor that wants it, or NULL */
	uint32_t mark;        /* epoch of by's last compute that wanted it */
	uint32_t want_ttl, new_ttl, warm_ttl, pub_ttl;
	bool want, warm, pub, touched, bad;
	bool held; /* in its zone's undo list (mdns_mirror_hold()): not freed */
	uint16_t type, owner_len, rdlen;
	uint8_t data[]; /* owner (wire), then rdata */
};

static inline kname_t *kname_of(gw_hlink_t *h)
{
	return container_of(h, kname_t, hl);
}

static inline ent_t *ent_of(gw_hlink_t *h)
{
	return container_of(h, ent_t, hl);
}

/* Something that decides a set of wanted records of one zone: a link's
 * view in that zone, or the zone's enumeration (b/db/lb). */
struct contrib {
	ent_t *want; /* list of wanted entries */
	uint32_t epoch;
	bool dirty;
	bool limited;       /* changes per second apply */
	double tokens;      /* token bucket for changes per second */
	uint64_t tokens_ns; /* when it was last refilled */
};

typedef struct ratelog {
	uint64_t window_ns; /* start of the current minute, 0 = none open */
	uint64_t suppressed;
} ratelog_t;

typedef enum { LINK_DOWN, LINK_UP, LINK_GRACE } link_state_t;

typedef struct mzone mzone_t;

/* A link as one zone shows it. */
typedef struct zlink {
	contrib_t c;
	uint8_t suffix[ZONE_NAME_MAXLEN]; /* <label>.<zone domain>, wire */
	size_t suffix_len;
	bool covered; /* the zone file delegates the suffix: the operator was told */
} zlink_t;

struct mlink {
	mlink_t *next;
	mdns_mirror_t *mirror;
	bool dirty; /* its records changed: computed again in every zone */
	/* Changed since its last compute; a link only dirty with additions
	 * deferred for tokens is not computed before it has one. */
	bool changed;
	zlink_t *zl; /* one per zone, in the mirror's zone order */
	char ifname[IF_NAMESIZE];
	char label[64];
	bool configured; /* from cfg.links; else found by the default rule */
	int ifindex;     /* while up or in grace */
	link_state_t state;
	uint32_t gen;
	/* <label>.<the longest zone domain>, wire: a name admitted under it
	 * fits in every zone. */
	uint8_t suffix[ZONE_NAME_MAXLEN];
	size_t suffix_len;
	ev_timer grace;     /* link down: drop after the grace period */
	ev_timer reconcile; /* link back: drop what was not announced again */
	gw_htab_t names;    /* of kname_t */
	size_t instances, types;
	gw_htab_t addrs; /* of acount_t: services per host address (mirror_addr.c) */
	ratelog_t log[MDNS_MIRROR_REFUSED_KINDS];
};

/* What an entry's publication was before a commit into a held zone. */
typedef struct undo {
	ent_t *e;
	uint32_t pub_ttl;
	bool pub;
} undo_t;

/* One zone the mirror publishes into: its entries, batches and state. */
struct mzone {
	mdns_mirror_t *mirror;
	size_t index;    /* in cfg->zones */
	contrib_t enumc; /* b/db/lb._dns-sd._udp at the apex and under each link */
	gw_htab_t ents;  /* of ent_t */
	ent_t **touched;
	size_t touched_count, touched_cap;
	ent_t **warm;
	size_t warm_count, warm_cap;
	/* While held: each entry a commit changed, as it was before (the
	 * first time it changed), to go back to if the held commit fails. */
	undo_t *undo;
	size_t undo_count, undo_cap;
	size_t published;
	ev_timer save;
	bool state_dirty;
	double save_after;  /* ev_now() before which no save starts */
	uint64_t save_ns;   /* the last save's time */
	size_t save_octets; /* and the octets it wrote */
	double save_retry;  /* seconds before the next try after a failed save; 0 */
	unsigned failures;  /* consecutive failed commits */
	char *state_file;   /* owned; NULL: not saved */
};

/* Service types held browsed because they were heard announced
 * (mirror_heard.c): at most MIRROR_HEARD_MAX at once, every link, and
 * MIRROR_HEARD_PER_LINK of one link, so that a device inventing types on
 * its link cannot take the other links' holds. */
#define MIRROR_HEARD_MAX      64
#define MIRROR_HEARD_PER_LINK 16
/* Seconds a heard type stays browsed by its hearing alone: time enough for
 * Avahi to report its instances from the cache and from the announcements
 * that follow (three within seconds, RFC 6762 8.3). */
#define MIRROR_HEARD_HOLD_S 60.0

typedef struct mirror_heard {
	char label[64];                 /* the link's label */
	uint8_t type[ZONE_NAME_MAXLEN]; /* wire, .local */
	ev_tstamp until;
	uint32_t gen; /* the link's generation when last heard (mlink_t.gen) */
} mirror_heard_t;

struct mdns_mirror {
	struct ev_loop *loop;
	mdns_mirror_opts_t opts;
	const mdns_mirror_config_t *cfg;
	mdns_t *mdns;
	mlink_t *links;
	size_t link_count;
	mzone_t *zones; /* zone_count, as cfg->zones */
	size_t zone_count;
	uint32_t seed;
	/* Counts every compute of a (zone, link): marks on names (a host
	 * targeted, static, shown by the policy) hold for one compute. */
	uint32_t compute_epoch;
	bool warming;
	bool held; /* mdns_mirror_hold() until mdns_mirror_release() */
	ev_timer batch;
	ev_tstamp last_batch; /* when the last batch committed; 0: none yet */
	/* The batch waits only for the links' changes-per-second tokens: a
	 * change elsewhere does not wait that long (mirror_schedule_in()). */
	bool batch_for_tokens;
	ev_timer warmup;
	ev_timer logflush;
	uint8_t services_name[ZONE_NAME_MAXLEN]; /* _services._dns-sd._udp.local */
	uint8_t (*subtypes)[ZONE_NAME_MAXLEN];   /* configured subtypes, .local */
	size_t subtype_count;
	mdns_mirror_stats_t stats;
	size_t watches;
	/* The most recent refusals (mirror_refuse.c), a ring: recent_next is
	 * where the next one goes, recent_count how many are held. */
	mdns_mirror_refusal_t recent[MDNS_MIRROR_RECENT_REFUSALS];
	size_t recent_next, recent_count;
	mirror_heard_t heard[MIRROR_HEARD_MAX]; /* heard_count in use */
	size_t heard_count;
	ev_timer heard_timer; /* the first hold's end */
	double heard_hold;    /* seconds a hold lasts: MIRROR_HEARD_HOLD_S (tests shorten it) */
};

/* The configuration of zone z. */
static inline const mdns_mirror_zone_t *mirror_zcfg(const mzone_t *z)
{
	return &z->mirror->cfg->zones[z->index];
}

/* The index of a role (a single bit) in kname_t.refs. */
static inline int role_idx(int role)
{
	return __builtin_ctz((unsigned)role);
}

/* mirror.c: start the batch window unless it runs. */
void mirror_schedule(mdns_mirror_t *m);
/* mirror_schedule(), and not sooner than at_least seconds from now: what
 * is left waits for a changes-per-second token that long. */
void mirror_schedule_in(mdns_mirror_t *m, double at_least);

/* mirror_refuse.c: count a refusal of that kind on link l, keep it among
 * the recent ones (name: what was refused, text, or NULL) and log it, at
 * most one line per minute per link and kind. */
void mirror_refuse(mdns_mirror_t *m, mlink_t *l, mdns_mirror_refused_t kind, const char *name,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Log the counts held back for a minute (or all of them); returns whether
 * some remain held. */
bool mirror_logs_flush(mdns_mirror_t *m, bool all);
void mirror_on_logflush(struct ev_loop *loop, ev_timer *w, int revents);

/* mirror_heard.c: a type heard announced on a link (mdns_type_fn), the
 * end of its hold, and every hold dropped with its timer (the mirror
 * freed; a restart of discovery keeps them: a type heard again within
 * its hold is announced again to the link's rediscovery, which removes
 * what is not heard or listed again). */
void mirror_on_type(void *arg, int ifindex, const uint8_t *type);
void mirror_on_heard_timer(struct ev_loop *loop, ev_timer *w, int revents);
void mirror_heard_clear(mdns_mirror_t *m);

/* mirror_links.c */
bool mirror_link_active(const mlink_t *l);
/* The link up or in its grace period on interface ifindex, or NULL. */
mlink_t *mirror_link_by_index(mdns_mirror_t *m, int ifindex);
/* The link of that label (compared as DNS does), or NULL. */
mlink_t *mirror_link_by_label(mdns_mirror_t *m, const char *label);
/* Does zone z show link l (its links list)? */
bool mirror_link_shown(const mdns_mirror_t *m, const mzone_t *z, const mlink_t *l);
/* Where l stands in z's order of links (its links list, else the
 * configuration's, else the interface index): the smallest is "first". */
size_t mirror_link_rank(const mdns_mirror_t *m, const mzone_t *z, const mlink_t *l);
/* The configuration of l, NULL for a link found by the default rule. */
const mdns_link_config_t *mirror_link_config(const mdns_mirror_t *m, const mlink_t *l);
/* Every zone's enumeration is computed in the next batch. */
void mirror_enum_dirty(mdns_mirror_t *m);
/* l's records changed: compute it in the next batch. */
void mirror_link_dirty(mdns_mirror_t *m, mlink_t *l);
/* The links of cfg.links; GW_ECONFIG or GW_ENOMEM, logged. */
int mirror_links_configure(mdns_mirror_t *m);
/* Whether cfg's links could be configured (GW_OK, or GW_ECONFIG logged),
 * without changing anything. */
int mirror_links_check(const mdns_mirror_config_t *cfg);
/* m->cfg was replaced: links it no longer names are withdrawn and freed,
 * the new ones added (down until reported up). *changed: links came or
 * went. GW_OK, GW_ECONFIG, GW_ENOMEM (logged). */
int mirror_links_reconfigure(mdns_mirror_t *m, bool *changed);
/* Stop every watch (their mdns_t goes), and after a new one: browse again
 * on every link up and reconcile after the warm-up. */
void mirror_links_unwatch(mdns_mirror_t *m);
void mirror_links_restart(mdns_mirror_t *m);
/* A line for each configured link whose interface the last scan did not
 * find up: a name mistyped, or an interface that comes later (a USB
 * adapter, a VLAN made after the start), is said, not silent. */
void mirror_links_say_absent(const mdns_mirror_t *m);
/* The configured subtypes become subs (count names, .local) on every
 * active link; m->subtypes is still the old list. */
void mirror_links_subtypes(mdns_mirror_t *m, const uint8_t (*subs)[ZONE_NAME_MAXLEN], size_t count);
void mirror_links_free(mdns_mirror_t *m);
/* mdns_opts_t callbacks; arg is the mirror. */
void mirror_on_link(void *arg, int ifindex, const char *ifname, bool up);
void mirror_on_record(void *arg, const mdns_record_t *rec);

/* mirror_names.c: the names of a link, their roles, watches and records.
 * find: NULL when absent; get: creates it, NULL when out of memory. */
kname_t *mirror_name_find(const mdns_mirror_t *m, const mlink_t *l, const uint8_t *name);
kname_t *mirror_name_get(mdns_mirror_t *m, mlink_t *l, const uint8_t *name);
/* Free n once it has no role left and nothing pins it. */
void mirror_name_maybe_free(mdns_mirror_t *m, kname_t *n);
void mirror_role_acquire(mdns_mirror_t *m, kname_t *n, int role);
/* n holds role for good no more (a subtype no longer configured): it is
 * released as any other reference, and n freed when nothing is left. */
void mirror_role_unfix(mdns_mirror_t *m, kname_t *n, int role);
void mirror_watch_stop(mdns_mirror_t *m, kname_t *n, int slot);
/* Start (on) or stop the watches of every role of n. */
void mirror_watch_all(mdns_mirror_t *m, kname_t *n, bool on);
/* A record announced or withdrawn on up link l. */
void mirror_rr_event(mdns_mirror_t *m, mlink_t *l, const mdns_record_t *rec);
/* Remove r (a record of n) and what only it kept. */
void mirror_rr_remove(mdns_mirror_t *m, kname_t *n, krr_t *r);

/* mirror_limits.c: may rec join name n? On success, the name it points at
 * (if any, in rec) and the role that name gets. Refusals are logged; one
 * over a device's share evicts what n leads to (the instance n, or the
 * services on host n). */
bool mirror_rr_admissible(mdns_mirror_t *m, kname_t *n, const mdns_record_t *rec,
                          const uint8_t **target, int *trole);

/* mirror_publish.c */
int mirror_ents_init(mzone_t *z);
void mirror_ents_free(mzone_t *z);
/* Take e out of c's wanted list. */
void mirror_want_unlink(contrib_t *c, ent_t *e);

/* mirror_leads.c: after a batch the rate limit cut short (some additions
 * deferred), withdraw from c's wanted set what no longer leads anywhere:
 * an SRV to a host with no address, a browse PTR to an instance without
 * SRV and TXT, a PTR of the type list services (the link's
 * _services._dns-sd._udp name in z) to a type with no PTR. Each comes
 * back with the additions it waits for; a withdrawal takes no token. */
void mirror_keep_leads(mzone_t *z, contrib_t *c, const uint8_t *services);

/* mirror_replace.c: the RRsets of a compute that the rate limit cut short
 * (one key per record wanted after it, and per addition deferred), to
 * keep an old record whose replacement waits for a token. */
typedef struct mirror_rrset_key {
	uint32_t hash;  /* of the record's owner and type */
	bool waits;     /* an addition deferred, not in the zone meanwhile */
	const ent_t *e; /* borrowed */
} mirror_rrset_key_t;
typedef struct mirror_rrsets {
	mirror_rrset_key_t *v; /* owned */
	size_t n, cap;
} mirror_rrsets_t;
/* Add e's key (borrowed: e must outlive s). GW_ENOMEM leaves s as it was. */
int mirror_rrsets_add(mirror_rrsets_t *s, const ent_t *e, bool waits);
/* Call once all keys are added, before mirror_rrsets_keep_old(). */
void mirror_rrsets_sort(mirror_rrsets_t *s);
/* Would withdrawing old leave its RRset empty while a replacement waits?
 * Then it stays until the next compute. */
bool mirror_rrsets_keep_old(const mirror_rrsets_t *s, const ent_t *old);
void mirror_rrsets_free(mirror_rrsets_t *s);

/* l's wanted records in every zone; l->dirty stays while some were
 * deferred (rate limit). */
void mirror_compute_link(mdns_mirror_t *m, mlink_t *l);
/* Seconds until one of l's views (one per zone) has a whole token of
 * changes per second: 0 when one has it now or is not limited. Until
 * then a compute of l could apply no addition (a withdrawal costs none). */
double mirror_link_token_wait(mdns_mirror_t *m, mlink_t *l);
void mirror_compute_enum(mdns_mirror_t *m, mzone_t *z);
int mirror_publish_batch(mdns_mirror_t *m, mzone_t *z);
ent_t *mirror_ent_get(mzone_t *z, const uint8_t *owner, uint16_t type, const uint8_t *rdata,
                      uint16_t rdlen, bool create);
void mirror_ent_touch(mzone_t *z, ent_t *e);
void mirror_ent_maybe_free(mzone_t *z, ent_t *e);
/* The end of a hold for z: its held commit went in (committed) or not,
 * and then each entry it changed is as the zone still holds it, touched
 * for the next batch. */
void mirror_publish_release(mdns_mirror_t *m, mzone_t *z, bool committed);
/* e as an IN record with that TTL; the caller owns it. NULL when out of
 * memory or when ldns does not take the rdata. */
ldns_rr *mirror_ent_rr(const ent_t *e, uint32_t ttl);
/* e as an IN record with that TTL in wire form at p (owner_len + 10 +
 * rdlen octets, uncompressed); returns the octet after it. */
uint8_t *mirror_ent_wire(uint8_t *p, const ent_t *e, uint32_t ttl);

/* mirror_addr.c: the services at a host address of link l. adjust adds
 * delta (creating or dropping the entry), services reads the count. */
void mirror_addr_adjust(mdns_mirror_t *m, mlink_t *l, const uint8_t *addr, uint16_t len,
                        int64_t delta);
uint32_t mirror_addr_services(const mdns_mirror_t *m, const mlink_t *l, const uint8_t *addr,
                              uint16_t len);
void mirror_addr_clear(mlink_t *l);

/* mirror_policy.c: does zone z's policy show instance n of link l (its
 * SRV target host, or NULL)? Decided once per compute. */
bool mirror_policy_shows(mdns_mirror_t *m, mzone_t *z, mlink_t *l, kname_t *n, const kname_t *host);
/* Whether z shows instance n with its SRV to host, a further SRV target
 * of an instance shown with another host: a rule on the host judges each
 * (not kept, unlike the above: only instances with several hosts ask). */
bool mirror_policy_shows_host(const mzone_t *z, const mlink_t *l, const kname_t *n,
                              const kname_t *host);

/* mirror_view.c: the label at p (its length octet first) as text (UTF-8
 * kept, '?' for other octets), and count labels from p joined by dots. */
void mirror_label_text(char *buf, size_t len, const uint8_t *p);
void mirror_labels_text(char *buf, size_t len, const uint8_t *p, int count);

/* mirror_state.c (per zone; nothing without a state file) */
int mirror_state_load(mzone_t *z);
/* The records of a state file's content (len octets and a NUL after
 * them, changed in place: mirror_state_load(), the fuzz target) taken as
 * warm entries; *count is raised by the entries added. Records that do
 * not parse, or that the mirror would not publish, are skipped. GW_OK,
 * GW_ENOMEM, or GW_EPARSE (logged) for a wire file whose header or
 * checksum fails, of which nothing is taken. */
int mirror_state_parse(mzone_t *z, char *data, size_t len, size_t *count);
/* Writes the published records to the state file, atomically; records
 * what it cost in z->save_ns and z->save_octets. */
int mirror_state_save(mzone_t *z);
/* Seconds the next save waits after the last (mirror_state_save()'s
 * cost: 50 times its time, 4 s a MiB written, at most 300 s). */
double mirror_state_pace(const mzone_t *z);
