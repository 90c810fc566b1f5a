/* keys/state, the text in which the key store (keystore.c) keeps its
 * keys' metadata and the rollover under way: written whole by
 * sig_ks_save_state(), read at start by sig_ks_load_state(), strictly, as
 * it is written (docs/keys.md). */
#include "dnssec/dnssec.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "dnssec/keyfile.h"
#include "dnssec/keystore_internal.h"

#define STATE_MAGIC   "dnssd-gateway-keys"
#define STATE_VERSION 2 /* 1: no USE column, no roll line (read still) */

/* The USE column: letters of SIG_USE_*, "-" for a key that does nothing
 * (removed from the zone, deleted at the end of its rollover). */
static const struct {
	char letter;
	uint8_t bit;
} g_use_letters[] = {
    {'P', SIG_USE_PUBLISH}, {'S', SIG_USE_SIGN},    {'K', SIG_USE_KEYSET},
    {'D', SIG_USE_DS},      {'R', SIG_USE_REVOKED},
};
#define USE_LETTERS (sizeof(g_use_letters) / sizeof(g_use_letters[0]))

static void use_text(uint8_t use, char out[USE_LETTERS + 2])
{
	size_t n = 0;
	for (size_t i = 0; i < USE_LETTERS; i++)
		if (use & g_use_letters[i].bit)
			out[n++] = g_use_letters[i].letter;
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

static int use_parse(const char *text, uint8_t *use)
{
	*use = 0;
	if (strcmp(text, "-") == 0)
		return GW_OK;
	for (const char *c = text; *c != '\0'; c++) {
		size_t i = 0;
		while (i < USE_LETTERS && g_use_letters[i].letter != *c)
			i++;
		if (i == USE_LETTERS || (*use & g_use_letters[i].bit))
			return GW_EPARSE;
		*use |= g_use_letters[i].bit;
	}
	return GW_OK;
}

static int write_state(FILE *fp, const void *arg)
{
	const sig_keystore_t *ks = arg;
	fprintf(fp, STATE_MAGIC " %d\n", STATE_VERSION);
	fprintf(fp, "zone %s\n", ks->apex_text);
	fprintf(fp, "# key TAG ALGORITHM ROLE FLAGS FILE CREATED PUBLISHED ACTIVE USE (unix "
	            "seconds; USE: P published, S signs, K signs the DNSKEY RRset only, D DS at "
	            "the parent)\n");
	for (size_t i = 0; i < ks->count; i++) {
		const sig_key_t *k = ks->keys[i];
		const ks_meta_t *m = &ks->meta[i];
		char use[USE_LETTERS + 2];
		use_text(m->use, use);
		/* The key as its file holds it: tag and flags without REVOKE. */
		fprintf(fp, "key %u %u %s %u %s %" PRId64 " %" PRId64 " %" PRId64 " %s\n",
		        m->file_tag, sig_key_algorithm(k), sig_ks_role_names[sig_key_role(k)],
		        sig_key_flags(k) & ~SIG_FLAGS_REVOKE, m->file, m->created, m->published,
		        m->active, use);
	}
	if (ks->roll.kind != SIG_ROLL_NONE) {
		const ks_roll_t *r = &ks->roll;
		fprintf(fp, "# roll KIND STEP OLD-TAG OLD-ALG NEW-TAG NEW-ALG SINCE\n");
		fprintf(fp, "roll %s %s %u %u %u %u %" PRId64 "\n", sig_roll_kind_name(r->kind),
		        sig_roll_step_name(r->step), r->old_tag, r->old_alg, r->new_tag, r->new_alg,
		        r->since);
	}
	if (ks->cds_delete)
		fprintf(fp, "cds-delete\n");
	return ferror(fp) ? GW_EIO : GW_OK;
}

int sig_ks_save_state(const sig_keystore_t *ks)
{
	return gw_file_write_with(ks->state_path, 0600, write_state, ks);
}

/* The longest line write_state() writes, with room to spare: a longer
 * one is damage. */
#define STATE_LINE_MAX 256
/* The largest file: SIG_KS_KEYS_MAX key lines, the roll line and the
 * comments are some kilobytes. Damage past it is refused by its size
 * before a line is read. */
#define STATE_FILE_MAX (64 * 1024)
/* Times are unix seconds up to the end of year 9999, either side of 1970
 * (a rollover's start moves with a clock set back: the RTC-less box that
 * boots in 1970). Sums of a time and a rollover's wait stay far inside
 * int64_t. */
#define STATE_TIME_MAX INT64_C(253402300799)

/* Split the text of a line (copied into buf, STATE_LINE_MAX octets) at
 * single spaces into at most max fields, as write_state() writes them.
 * GW_EPARSE for a line too long, an empty field (two spaces, a space at
 * either end) or more than max fields. */
static int split_fields(const char *line, char *buf, char **field, size_t max, size_t *count)
{
	size_t len = strlen(line);
	if (len >= STATE_LINE_MAX)
		return GW_EPARSE;
	memcpy(buf, line, len + 1);
	size_t n = 0;
	for (char *p = buf;;) {
		char *sp = strchr(p, ' ');
		if (n == max || *p == '\0' || sp == p)
			return GW_EPARSE;
		field[n++] = p;
		if (sp == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	*count = n;
	return GW_OK;
}

/* A number as write_state() writes it: decimal digits, no leading zero,
 * at most max, and a '-' before them where negative is true. sscanf()'s
 * %u took "-1" as UINT_MAX and "+1" as 1, and a number past the type is
 * undefined behaviour there (glibc gave LLONG_MAX for a time, which the
 * rollover's arithmetic then overflowed). */
static int parse_number(const char *text, bool negative, uint64_t max, int64_t *out)
{
	bool minus = negative && text[0] == '-';
	const char *d = text + (minus ? 1 : 0);
	size_t n = strlen(d);
	if (n == 0 || strspn(d, "0123456789") != n || (d[0] == '0' && (n > 1 || minus)))
		return GW_EPARSE;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t digit = (uint64_t)(d[i] - '0');
		if (v > (max - digit) / 10)
			return GW_EPARSE;
		v = v * 10 + digit;
	}
	*out = minus ? -(int64_t)v : (int64_t)v;
	return GW_OK;
}

static int parse_unsigned(const char *text, uint64_t max, unsigned *out)
{
	int64_t v = 0;
	int ret = parse_number(text, false, max, &v);
	if (ret == GW_OK)
		*out = (unsigned)v;
	return ret;
}

static int parse_time(const char *text, int64_t *out)
{
	return parse_number(text, true, (uint64_t)STATE_TIME_MAX, out);
}

/* roll KIND STEP OLD-TAG OLD-ALG NEW-TAG NEW-ALG SINCE */
static int parse_roll_line(const char *line, ks_roll_t *r)
{
	char buf[STATE_LINE_MAX];
	char *f[8];
	size_t n = 0;
	unsigned old_tag, old_alg, new_tag, new_alg;
	int64_t since;
	if (split_fields(line, buf, f, 8, &n) != GW_OK || n != 8 || strcmp(f[0], "roll") != 0 ||
	    parse_unsigned(f[3], UINT16_MAX, &old_tag) != GW_OK ||
	    parse_unsigned(f[4], UINT8_MAX, &old_alg) != GW_OK ||
	    parse_unsigned(f[5], UINT16_MAX, &new_tag) != GW_OK ||
	    parse_unsigned(f[6], UINT8_MAX, &new_alg) != GW_OK || parse_time(f[7], &since) != GW_OK)
		return GW_EPARSE;
	if (sig_roll_kind_parse(f[1], &r->kind) != GW_OK)
		return GW_EPARSE;
	int s = 0;
	while (s <= SIG_STEP_REVOKE && strcmp(f[2], sig_roll_step_name((sig_roll_step_t)s)) != 0)
		s++;
	if (s > SIG_STEP_REVOKE || !sig_ks_roll_step_known(r->kind, (sig_roll_step_t)s))
		return GW_EPARSE;
	r->step = (sig_roll_step_t)s;
	r->old_tag = (uint16_t)old_tag;
	r->new_tag = (uint16_t)new_tag;
	r->old_alg = (uint8_t)old_alg;
	r->new_alg = (uint8_t)new_alg;
	r->since = since;
	r->here = false; /* written by an earlier start */
	return GW_OK;
}

/* One parsed "key" line, before its file is loaded. */
typedef struct {
	unsigned tag, alg, flags;
	sig_role_t role;
	ks_meta_t meta;
} ks_entry_t;

/* key TAG ALGORITHM ROLE FLAGS FILE CREATED PUBLISHED ACTIVE USE (version
 * 1: no USE) */
static int parse_key_line(const char *line, int version, ks_entry_t *e)
{
	char buf[STATE_LINE_MAX];
	char *f[10];
	size_t n = 0;
	size_t want = version == 1 ? 9 : 10;
	if (split_fields(line, buf, f, want, &n) != GW_OK || n != want ||
	    strcmp(f[0], "key") != 0 || parse_unsigned(f[1], UINT16_MAX, &e->tag) != GW_OK ||
	    parse_unsigned(f[2], UINT8_MAX, &e->alg) != GW_OK ||
	    parse_unsigned(f[4], UINT16_MAX, &e->flags) != GW_OK ||
	    strlen(f[5]) >= sizeof(e->meta.file) || parse_time(f[6], &e->meta.created) != GW_OK ||
	    parse_time(f[7], &e->meta.published) != GW_OK ||
	    parse_time(f[8], &e->meta.active) != GW_OK)
		return GW_EPARSE;
	size_t r = 0;
	while (r < 3 && strcmp(f[3], sig_ks_role_names[r]) != 0)
		r++;
	if (r == 3)
		return GW_EPARSE;
	e->role = (sig_role_t)r;
	if (version == 1)
		e->meta.use = sig_ks_default_use(e->role);
	else if (use_parse(f[9], &e->meta.use) != GW_OK)
		return GW_EPARSE;
	uint16_t want_flags = e->role == SIG_ROLE_ZSK ? SIG_FLAGS_ZSK : SIG_FLAGS_KSK;
	if (e->flags != want_flags || strcmp(sig_algorithm_name((uint8_t)e->alg), "unknown") == 0)
		return GW_EPARSE;
	/* A plain name inside keys/: the state file must not point elsewhere. */
	if (f[5][0] == '.' || strchr(f[5], '/') != NULL)
		return GW_EPARSE;
	memcpy(e->meta.file, f[5], strlen(f[5]) + 1);
	return GW_OK;
}

static void log_no_regeneration(const sig_keystore_t *ks)
{
	gw_err("keys are never regenerated silently: new keys would break the chain of trust "
	       "from the parent's DS. Restore %s from a backup, or, to start a new chain of "
	       "trust, remove %s, start once with --new-keys and publish the new DS at the "
	       "parent",
	       ks->keys_dir, ks->keys_dir);
}

static int load_entry(sig_keystore_t *ks, const ks_entry_t *e)
{
	int ret = GW_OK;
	sig_key_t *key = NULL;
	char *path = sig_ks_path_join(ks->keys_dir, e->meta.file);
	if (path == NULL)
		return GW_ENOMEM;
	ret = sig_key_load_pem(&key, path, (uint8_t)e->alg, e->role, ks->apex);
	if (ret == GW_EPERM)
		goto out; /* logged with the chmod that fixes it */
	if (ret == -ENOENT)
		gw_err("key file %s is missing (listed in %s)", path, ks->state_path);
	else if (ret != GW_OK)
		gw_err("cannot load key file %s (listed in %s): %s", path, ks->state_path,
		       gw_strerror(ret));
	else if (sig_key_tag(key) != e->tag)
		gw_err("key file %s holds key tag %u, %s lists %u", path, sig_key_tag(key),
		       ks->state_path, e->tag);
	if (ret != GW_OK || sig_key_tag(key) != e->tag) {
		log_no_regeneration(ks);
		ret = GW_EKEY;
		goto out;
	}
	ret = sig_ks_add_key(ks, key, 0);
	if (ret != GW_OK)
		goto out;
	key = NULL;
	ks->meta[ks->count - 1] = e->meta;
	ks->meta[ks->count - 1].file_tag = (uint16_t)e->tag;
	if (e->meta.use & SIG_USE_REVOKED)
		ret = sig_ks_revoke(ks, ks->count - 1, NULL);
out:
	sig_key_free(key);
	free(path);
	return ret;
}

int sig_ks_load_state(sig_keystore_t *ks, FILE *fp)
{
	char *text = NULL;
	size_t len = 0;
	int lineno = 0;
	int file_version = 0;
	bool zone_seen = false;
	bool roll_seen = false;

	/* Whole, before a line is parsed: a read that fails midway is an
	 * error, never the end of a file that then lists fewer keys. */
	int ret = gw_file_read_stream(fp, STATE_FILE_MAX, &text, &len);
	if (ret == GW_ELIMIT) {
		gw_err("%s is more than the %d bytes a key state holds; restore the file from a "
		       "backup",
		       ks->state_path, STATE_FILE_MAX);
		ret = GW_EKEY;
		goto out;
	}
	if (ret != GW_OK) {
		gw_err("cannot read %s: %s; nothing was loaded", ks->state_path, gw_strerror(ret));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;
		off += n + (nl != NULL);
		line[n] = '\0'; /* the newline, or the NUL after the text */
		lineno++;
		if (strlen(line) != n) {
			ret = GW_EPARSE; /* a NUL in the line: the text after it unseen */
			break;
		}
		while (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (lineno == 1) {
			char buf[STATE_LINE_MAX];
			char *f[2];
			size_t nf = 0;
			unsigned version = 0;
			if (split_fields(line, buf, f, 2, &nf) != GW_OK || nf != 2 ||
			    strcmp(f[0], STATE_MAGIC) != 0 ||
			    parse_unsigned(f[1], INT_MAX, &version) != GW_OK) {
				ret = GW_EPARSE;
				break;
			}
			file_version = (int)version;
			if (version < 1 || version > STATE_VERSION) {
				gw_err("%s has format version %u; this version of dnssd-gateway "
				       "reads version %d",
				       ks->state_path, version, STATE_VERSION);
				ret = GW_EKEY;
				goto out;
			}
			continue;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "zone ", 5) == 0) {
			uint8_t name[ZONE_NAME_MAXLEN];
			if (zone_seen || zone_name_from_str(name, line + 5, NULL) < 0) {
				ret = GW_EPARSE;
				break;
			}
			zone_seen = true;
			if (!zone_name_equal(name, ks->apex)) {
				gw_err("%s holds the keys of zone %s, not of %s; use another "
				       "state-dir for this zone, or remove %s to start a new "
				       "chain of trust",
				       ks->state_path, line + 5, ks->apex_text, ks->keys_dir);
				ret = GW_EKEY;
				goto out;
			}
			continue;
		}
		if (strncmp(line, "roll ", 5) == 0) {
			if (roll_seen || parse_roll_line(line, &ks->roll) != GW_OK) {
				ret = GW_EPARSE;
				break;
			}
			roll_seen = true;
			continue;
		}
		if (strcmp(line, "cds-delete") == 0) {
			ks->cds_delete = true;
			continue;
		}
		ks_entry_t e;
		memset(&e, 0, sizeof(e));
		ret = parse_key_line(line, file_version, &e);
		/* A file listed twice would be one key loaded twice. */
		for (size_t i = 0; ret == GW_OK && i < ks->count; i++) {
			if (strcmp(ks->meta[i].file, e.meta.file) == 0)
				ret = GW_EPARSE;
		}
		if (ret != GW_OK || !zone_seen) {
			ret = GW_EPARSE;
			break;
		}
		if (ks->count == SIG_KS_KEYS_MAX) {
			gw_err("%s lists more than %d keys; restore the file from a backup",
			       ks->state_path, SIG_KS_KEYS_MAX);
			ret = GW_EKEY;
			goto out;
		}
		ret = load_entry(ks, &e);
		if (ret != GW_OK)
			goto out;
	}
	if (ret == GW_OK && (lineno == 0 || ks->count == 0)) {
		gw_err("%s lists no keys", ks->state_path);
		log_no_regeneration(ks);
		ret = GW_EKEY;
		goto out;
	}
	if (ret == GW_EPARSE) {
		gw_err("%s, line %d: not a valid key state line; restore the file from a "
		       "backup",
		       ks->state_path, lineno);
		goto out;
	}
	ret = sig_ks_check_roles(ks, ks->state_path);
out:
	free(text);
	return ret;
}
