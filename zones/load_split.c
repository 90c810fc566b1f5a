/* A second reader for the second half of a large zone text.
 *
 * ldns's text reader is most of a large load and reads one record at a
 * time. From zone_load_split_min octets on, and with a second CPU, the
 * second half is read on a thread of its own into a batch of its own,
 * which zones/load.c puts behind the first half's in file order, after
 * giving the records without a TTL theirs: TTLs, warnings, the first error
 * and its line stay what one reader gives.
 *
 * The second reader starts at the first line from the middle on that
 * starts a record with its owner written out (so that no previous owner
 * carries over), outside parentheses and quotes, and first replays the
 * $ORIGIN lines before it. It scans for that line on its own thread while
 * the first reader reads up to the middle and waits there for the place.
 * An indented $ORIGIN, or an $ORIGIN line with parentheses or quotes,
 * leaves the text to one reader; so does a first reader that does not end
 * a record exactly at the place (zones/load.c checks). */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "zones/internal.h"
#include "zones/load_internal.h"

size_t zone_load_split_min = (size_t)1 << 20;
atomic_size_t zone_load_splits;

struct load_second {
	loader_t ld;     /* its own line count, no error buffer */
	size_t base;     /* where it starts; SIZE_MAX: none */
	bool base_known; /* base is set (under lock) */
	pthread_mutex_t lock;
	pthread_cond_t found;
	char *prologue; /* owned: the $ORIGIN lines before base */
	size_t prologue_len;
	const zone_t *zone; /* borrowed: only its apex is read */
	ldns_rdf *origin;   /* owned: the $ORIGIN at base, once replayed */
	zone_batch_t batch;
	load_out_t out;
	bool done; /* out and batch hold the whole range */
	atomic_bool stop;
	pthread_t tid;
	bool running;
};

/* Does a line that starts with c give its record an owner of its own? A
 * NUL does not: ldns reads the line as a C string, empty up to it, and
 * the record takes the owner before (found by fuzz_zone_load). */
static bool owner_start(char c)
{
	return c != '\0' && !isspace((unsigned char)c) && c != ';' && c != '$' && c != '(' &&
	       c != ')' && c != '"';
}

/* Is the directive at p (len octets to the line's end) $ORIGIN? */
static bool is_origin(const char *p, size_t len)
{
	return len > 7 && memcmp(p, "$ORIGIN", 7) == 0 && (p[7] == ' ' || p[7] == '\t');
}

/* Keep the $ORIGIN line at p (len octets) for the replay; false when it
 * cannot be replayed alone or memory runs out. */
static bool keep_origin(load_second_t *sec, const char *p, size_t len)
{
	if (memchr(p, '(', len) != NULL || memchr(p, ')', len) != NULL ||
	    memchr(p, '"', len) != NULL)
		return false;
	char *grown = realloc(sec->prologue, sec->prologue_len + len + 1);
	if (grown == NULL)
		return false;
	memcpy(grown + sec->prologue_len, p, len);
	grown[sec->prologue_len + len] = '\n';
	sec->prologue = grown;
	sec->prologue_len += len + 1;
	return true;
}

/* Where the second reader can start (see above): *base and the line
 * there, with the $ORIGIN lines before it kept. False: no such line in
 * the second half, or an $ORIGIN that cannot be replayed. One pass over
 * the first half, as ldns tokenises it: escapes, quotes, comments and
 * parentheses. */
static bool find_split(const loader_t *ld, load_second_t *sec, size_t *base)
{
	const char *d = ld->data;
	size_t n = ld->size;
	size_t nl = 0;
	size_t depth = 0;
	bool quoted = false;
	bool line_start = true;

	for (size_t i = 0; i < n; i++) {
		char c = d[i];
		if (line_start && depth == 0 && !quoted) {
			if (i >= n / 2 && owner_start(c)) {
				*base = i;
				sec->ld.line_pos = i;
				sec->ld.line = nl + 1;
				return true;
			}
			const char *eol = memchr(d + i, '\n', n - i);
			size_t len = eol != NULL ? (size_t)(eol - (d + i)) : n - i;
			size_t k = 0;
			while (k < len && (d[i + k] == ' ' || d[i + k] == '\t'))
				k++;
			if (k > 0 && is_origin(d + i + k, len - k))
				return false;
			if (c == '$' && is_origin(d + i, len) && !keep_origin(sec, d + i, len))
				return false;
		}
		line_start = false;
		if (c == '\\' && i + 1 < n) {
			i++;
			nl += d[i] == '\n';
		} else if (c == '\n') {
			nl++;
			line_start = true;
		} else if (quoted) {
			quoted = c != '"';
		} else if (c == ';') {
			const char *eol = memchr(d + i, '\n', n - i);
			i = eol != NULL ? (size_t)(eol - d) - 1 : n - 1;
		} else if (c == '"') {
			quoted = true;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && depth > 0) {
			depth--;
		}
	}
	return false;
}

/* The prologue through ldns: origin as it stands where the second reader
 * starts. */
static bool replay_prologue(const load_second_t *sec, ldns_rdf **origin, ldns_rdf **prev)
{
	bool ok = true;

	if (sec->prologue_len == 0)
		return true;
	FILE *fp = fmemopen(sec->prologue, sec->prologue_len, "r");
	if (fp == NULL)
		return false;
	for (;;) {
		ldns_rr *rr = NULL;
		uint32_t ttl = LOAD_TTL_ABSENT;
		long start = ftell(fp);
		if (start < 0 || (size_t)start >= sec->prologue_len)
			break;
		ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, origin, prev, NULL);
		ldns_rr_free(rr);
		if ((s != LDNS_STATUS_SYNTAX_ORIGIN && s != LDNS_STATUS_SYNTAX_EMPTY) ||
		    ftell(fp) <= start) {
			ok = false;
			break;
		}
	}
	fclose(fp);
	return ok;
}

static void *second_run(void *arg)
{
	load_second_t *sec = arg;
	const zone_t *zone = sec->zone;
	size_t base = SIZE_MAX;
	ldns_rdf *origin = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	ldns_rdf *prev = ldns_dname_new_frm_data(zone->apex_len, zone->apex);
	bool found = find_split(&sec->ld, sec, &base);

	/* Told before anything else: the first reader waits for it in the
	 * middle of the text. */
	pthread_mutex_lock(&sec->lock);
	sec->base = found ? base : SIZE_MAX;
	sec->base_known = true;
	pthread_cond_signal(&sec->found);
	pthread_mutex_unlock(&sec->lock);
	if (!found)
		goto out;
	if (origin != NULL && prev != NULL && replay_prologue(sec, &origin, &prev) &&
	    (sec->origin = ldns_rdf_clone(origin)) != NULL) {
		load_read_range(&sec->ld, base, SIZE_MAX, &origin, &prev, &sec->batch, &sec->out,
		                &sec->stop);
		sec->done = sec->out.done;
	}
out:
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	return NULL;
}

static bool wanted(const loader_t *ld)
{
	if (ld->size < 2 || ld->size < zone_load_split_min)
		return false;
	/* A test that fails the Nth allocation counts on one thread's order. */
	if (zone_alloc_fail_after >= 0)
		return false;
	return zone_load_split_min == 0 || sysconf(_SC_NPROCESSORS_ONLN) > 1;
}

int load_second_start(load_second_t **out, const loader_t *ld, const zone_t *zone)
{
	*out = NULL;
	if (!wanted(ld))
		return GW_OK;
	load_second_t *sec = calloc(1, sizeof(*sec));
	if (sec == NULL)
		return GW_ENOMEM;
	sec->ld = *ld;
	sec->ld.errbuf = NULL;
	sec->zone = zone;
	atomic_init(&sec->stop, false);
	pthread_mutex_init(&sec->lock, NULL);
	pthread_cond_init(&sec->found, NULL);
	int ret = zone_batch_init(&sec->batch, zone);
	if (ret != GW_OK)
		goto out;
	/* No thread: one reader, as for a small text. */
	if (pthread_create(&sec->tid, NULL, second_run, sec) != 0)
		goto out;
	sec->running = true;
	*out = sec;
	sec = NULL;
out:
	load_second_free(sec);
	return ret;
}

size_t load_second_base(load_second_t *sec)
{
	pthread_mutex_lock(&sec->lock);
	while (!sec->base_known)
		pthread_cond_wait(&sec->found, &sec->lock);
	size_t base = sec->base;
	pthread_mutex_unlock(&sec->lock);
	return base;
}

bool load_second_join(load_second_t *sec, zone_batch_t **batch, load_out_t **out)
{
	if (sec->running) {
		pthread_join(sec->tid, NULL);
		sec->running = false;
	}
	*batch = &sec->batch;
	*out = &sec->out;
	return sec->done;
}

const ldns_rdf *load_second_origin(const load_second_t *sec)
{
	return sec->origin;
}

void load_second_free(load_second_t *sec)
{
	if (sec == NULL)
		return;
	if (sec->running) {
		atomic_store(&sec->stop, true);
		pthread_join(sec->tid, NULL);
	}
	zone_batch_deinit(&sec->batch);
	load_out_free(&sec->out);
	ldns_rdf_deep_free(sec->origin);
	pthread_cond_destroy(&sec->found);
	pthread_mutex_destroy(&sec->lock);
	free(sec->prologue);
	free(sec);
}
