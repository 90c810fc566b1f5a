/* The zone's keys in the state directory: private keys as PEM files and a
 * small text file of metadata, both replaced atomically, so that a crash
 * at any point leaves either the old store or the new one. */
#include "dnssec/dnssec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/file.h"
#include "common/log.h"
#include "dnssec/keyfile.h"
#include "dnssec/keystore_internal.h"

const char *const sig_ks_role_names[3] = {"csk", "ksk", "zsk"};

char *sig_ks_path_join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + 1 + strlen(name) + 1;
	char *p = malloc(len);
	if (p != NULL)
		snprintf(p, len, "%s/%s", dir, name);
	return p;
}

/* Create dir 0700 when missing; refuse one that others can write, since
 * whoever can write there can replace our keys. */
static int ensure_dir(const char *dir)
{
	struct stat st;
	if (mkdir(dir, 0700) == 0) {
		/* A new directory is durable once its parent's entry is: the
		 * keys written into it next must not vanish with it. */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", dir);
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = '\0';
		else if (slash != NULL)
			*slash = '\0';
		int ret = gw_file_sync_dir(slash != NULL ? parent : ".");
		if (ret != GW_OK) {
			gw_err("cannot sync directory %s: %s", parent, gw_strerror(ret));
			return ret;
		}
	} else if (errno != EEXIST) {
		int ret = -errno;
		gw_err("cannot create directory %s: %s", dir, strerror(errno));
		return ret;
	}
	if (stat(dir, &st) != 0) {
		int ret = -errno;
		gw_err("cannot access directory %s: %s", dir, strerror(errno));
		return ret;
	}
	if (!S_ISDIR(st.st_mode)) {
		gw_err("%s is not a directory", dir);
		return GW_EINVAL;
	}
	if ((st.st_mode & 022) != 0) {
		gw_err("directory %s is writable by group or others (mode %04o), so others could "
		       "replace the zone's keys; chmod 700 %s",
		       dir, (unsigned)(st.st_mode & 07777), dir);
		return GW_EPERM;
	}
	return GW_OK;
}

/* Two daemons on one store would each make keys for the zone; the second
 * one is refused instead. The lock goes with the descriptor. */
static int lock_dir(sig_keystore_t *ks)
{
	ks->lock_fd = open(ks->keys_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ks->lock_fd < 0) {
		int ret = -errno;
		gw_err("cannot open %s: %s", ks->keys_dir, strerror(errno));
		return ret;
	}
	if (flock(ks->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		int ret = errno == EWOULDBLOCK ? GW_EBUSY : -errno;
		gw_err("key store %s is in use by another process (%s)", ks->keys_dir,
		       gw_strerror(ret));
		return ret;
	}
	return GW_OK;
}

/* With the lock held, temporary files in keys/ are leftovers of an
 * interrupted write: nobody reads them, and some hold private keys. Also
 * warns about key files the state does not list, which a crash between
 * saving new keys and writing the state leaves behind. */
static void scan_keys_dir(const sig_keystore_t *ks)
{
	DIR *dir = opendir(ks->keys_dir);
	if (dir == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (gw_file_is_temp(de->d_name)) {
			if (unlinkat(dirfd(dir), de->d_name, 0) == 0)
				gw_info("removed %s/%s, left by an interrupted write", ks->keys_dir,
				        de->d_name);
			continue;
		}
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".pem") != 0)
			continue;
		bool listed = false;
		for (size_t i = 0; i < ks->count; i++)
			listed = listed || strcmp(ks->meta[i].file, de->d_name) == 0;
		if (!listed)
			gw_warn("key file %s/%s is not listed in %s and is not used", ks->keys_dir,
			        de->d_name, ks->state_path);
	}
	closedir(dir);
}

/* The name of key's file inside keys/: tag, algorithm, role. */
static void key_file_name(char *buf, size_t len, const sig_key_t *key)
{
	snprintf(buf, len, "%u-%u-%s.pem", sig_key_tag(key), sig_key_algorithm(key),
	         sig_ks_role_names[sig_key_role(key)]);
}

/* The index of a key of ks that shares a tag with key, in either form
 * (as made, revoked), into *with; -1 for none. GW_OK, GW_ENOMEM. */
static int tag_clash(const sig_keystore_t *ks, const sig_key_t *key, int *with)
{
	uint16_t mine[2] = {sig_key_tag(key), 0};
	int ret = sig_key_flipped_tag(key, &mine[1]);
	if (ret != GW_OK)
		return ret;
	*with = -1;
	for (size_t i = 0; i < ks->count; i++) {
		/* Its tag now, the other form of it, and the tag that names it
		 * in keys/state (one of the two, kept as a check). */
		uint16_t theirs[3] = {sig_key_tag(ks->keys[i]), 0, ks->meta[i].file_tag};
		ret = sig_key_flipped_tag(ks->keys[i], &theirs[1]);
		if (ret != GW_OK)
			return ret;
		for (size_t a = 0; a < 2; a++)
			for (size_t b = 0; b < 3; b++)
				if (mine[a] == theirs[b])
					*with = (int)i;
	}
	return GW_OK;
}

int sig_ks_key_fresh(const sig_keystore_t *ks, const sig_key_t *key, bool *fresh)
{
	int with = -1;
	int ret = tag_clash(ks, key, &with);
	if (ret != GW_OK)
		return ret;
	*fresh = false;
	if (with >= 0)
		return GW_OK;
	char name[SIG_KS_FILE_NAME_MAX];
	key_file_name(name, sizeof(name), key);
	char *path = sig_ks_path_join(ks->keys_dir, name);
	if (path == NULL)
		return GW_ENOMEM;
	/* A file of that name that the state does not list: a leftover of a
	 * crash, or somebody's. Never written over. */
	struct stat st;
	*fresh = lstat(path, &st) != 0 && errno == ENOENT;
	free(path);
	return GW_OK;
}

/* An imported key's file name in keys/ may already be taken: by the same
 * key (an import repeated after keys/state was lost), which may stay, or
 * by another key of an earlier store, or a file that cannot be read as a
 * key (the loader logged why: its mode, say), neither of which may be
 * written over. GW_OK, GW_EEXIST (logged), GW_ENOMEM. */
static int import_file_free(const sig_keystore_t *ks, const sig_key_t *key, const char *from)
{
	char name[SIG_KS_FILE_NAME_MAX];
	key_file_name(name, sizeof(name), key);
	char *path = sig_ks_path_join(ks->keys_dir, name);
	if (path == NULL)
		return GW_ENOMEM;
	int ret = GW_OK;
	struct stat st;
	if (lstat(path, &st) == 0) {
		sig_key_t *there = NULL;
		uint16_t a_len = 0, b_len = 0;
		const uint8_t *a = sig_key_dnskey_rdata(key, &a_len);
		int read = S_ISREG(st.st_mode)
		               ? sig_key_load_pem(&there, path, sig_key_algorithm(key),
		                                  sig_key_role(key), ks->apex)
		               : GW_EINVAL;
		const uint8_t *b = read == GW_OK ? sig_key_dnskey_rdata(there, &b_len) : NULL;
		bool same = b != NULL && a_len == b_len && memcmp(a, b, a_len) == 0;
		sig_key_free(there);
		if (read != GW_OK) {
			gw_err(
			    "cannot import %s: %s is there and cannot be read as a key (%s); it is "
			    "not written over: mend it (the line before says why) or move it out "
			    "of %s first",
			    from, path,
			    S_ISREG(st.st_mode) ? gw_strerror(read) : "not a regular file",
			    ks->keys_dir);
			ret = GW_EEXIST;
		} else if (!same) {
			gw_err("cannot import %s: %s already holds another key (of an earlier key "
			       "store?); it is not written over: move it out of %s first",
			       from, path, ks->keys_dir);
			ret = GW_EEXIST;
		}
	}
	free(path);
	return ret;
}

int sig_ks_generate(sig_keystore_t *ks, uint8_t alg, sig_role_t role, int rsa_bits, int64_t now)
{
	/* Two keys share a tag (in either form) once in about 16 000 pairs;
	 * eight misses in a row mean something else is wrong. */
	for (int tries = 0; tries < 8; tries++) {
		sig_key_t *key = NULL;
		bool fresh = false;
		int ret = sig_key_generate(&key, alg, role, ks->apex, rsa_bits);
		if (ret == GW_OK)
			ret = sig_ks_key_fresh(ks, key, &fresh);
		if (ret == GW_OK && fresh)
			ret = sig_ks_add_key(ks, key, now);
		if (ret == GW_OK && fresh)
			return GW_OK;
		uint16_t tag = key != NULL ? sig_key_tag(key) : 0;
		sig_key_free(key);
		if (ret != GW_OK)
			return ret;
		gw_info(
		    "a new %s key for %s has the tag %u, which another key has or may take when "
		    "revoked, or whose file exists; making another",
		    sig_ks_role_names[role], ks->apex_text, tag);
	}
	return GW_EEXIST;
}

int sig_ks_add_key(sig_keystore_t *ks, sig_key_t *key, int64_t now)
{
	if (ks->count == SIG_KS_KEYS_MAX)
		return GW_ELIMIT;
	sig_key_t **keys = realloc(ks->keys, (ks->count + 1) * sizeof(*keys));
	if (keys == NULL)
		return GW_ENOMEM;
	ks->keys = keys;
	ks_meta_t *meta = realloc(ks->meta, (ks->count + 1) * sizeof(*meta));
	if (meta == NULL)
		return GW_ENOMEM;
	ks->meta = meta;
	ks_meta_t *m = &ks->meta[ks->count];
	memset(m, 0, sizeof(*m));
	key_file_name(m->file, sizeof(m->file), key);
	m->created = m->published = m->active = now;
	m->use = sig_ks_default_use(sig_key_role(key));
	m->file_tag = sig_key_tag(key);
	ks->keys[ks->count++] = key;
	return GW_OK;
}

void sig_ks_drop_key(sig_keystore_t *ks, size_t i)
{
	sig_key_free(ks->keys[i]);
	memmove(&ks->keys[i], &ks->keys[i + 1], (ks->count - i - 1) * sizeof(ks->keys[0]));
	memmove(&ks->meta[i], &ks->meta[i + 1], (ks->count - i - 1) * sizeof(ks->meta[0]));
	ks->count--;
}

/* A usable set has a key for the apex DNSKEY RRset (CSK or KSK) and one
 * for everything else (CSK or ZSK). */
int sig_ks_check_roles(const sig_keystore_t *ks, const char *origin)
{
	bool sep = false;
	bool zone = false;
	for (size_t i = 0; i < ks->count; i++) {
		sig_role_t role = sig_key_role(ks->keys[i]);
		sep = sep || role != SIG_ROLE_ZSK;
		zone = zone || role != SIG_ROLE_KSK;
	}
	if (sep && zone)
		return GW_OK;
	gw_err("%s for %s: no %s; a zone needs a CSK, or a KSK and a ZSK", origin, ks->apex_text,
	       sep ? "key signs the zone data (ZSK)" : "key signs the DNSKEY RRset (KSK)");
	return GW_EKEY;
}

/* ---- first start --------------------------------------------------------- */

static int import_keys(sig_keystore_t *ks, const sig_key_policy_t *policy, int64_t now)
{
	int ret = GW_OK;
	for (size_t i = 0; i < policy->import_count; i++) {
		const char *key_path = policy->import[i];
		size_t len = strlen(key_path);
		if (len < 5 || strcmp(key_path + len - 4, ".key") != 0) {
			gw_err("cannot import %s: expected the .key file of a BIND key pair "
			       "(K<zone>+<alg>+<tag>.key)",
			       key_path);
			return GW_EINVAL;
		}
		size_t private_len = len - 4 + sizeof(".private");
		char *private_path = malloc(private_len);
		if (private_path == NULL)
			return GW_ENOMEM;
		snprintf(private_path, private_len, "%.*s.private", (int)(len - 4), key_path);
		sig_key_t *key = NULL;
		ret = sig_key_import_bind(&key, key_path, private_path, ks->apex, !policy->split);
		free(private_path);
		int with = -1;
		if (ret == GW_OK)
			ret = tag_clash(ks, key, &with);
		if (ret == GW_OK && with >= 0) {
			gw_err("cannot import %s: its key tag %u, or the tag it would have once "
			       "revoked, is also a tag of the key imported from %s; the gateway "
			       "names keys by tag, so make a new key for one of them",
			       key_path, sig_key_tag(key),
			       (size_t)with < i ? policy->import[with] : "before");
			ret = GW_EKEY;
		}
		if (ret == GW_OK)
			ret = import_file_free(ks, key, key_path);
		if (ret == GW_OK)
			ret = sig_ks_add_key(ks, key, now);
		if (ret != GW_OK) {
			sig_key_free(key);
			/* The importer logs what is wrong with the files. */
			if (ret == GW_ENOMEM || ret == GW_ELIMIT)
				gw_err("cannot import %s: %s", key_path, gw_strerror(ret));
			return ret;
		}
		gw_notice("imported key %u (%s, %s) for %s from %s", sig_key_tag(key),
		          sig_algorithm_name(sig_key_algorithm(key)),
		          sig_ks_role_names[sig_key_role(key)], ks->apex_text, key_path);
	}
	for (size_t i = 0; i < ks->count; i++) {
		for (size_t j = i + 1; j < ks->count; j++) {
			if (strcmp(ks->meta[i].file, ks->meta[j].file) == 0) {
				gw_err("key %u is imported twice", sig_key_tag(ks->keys[i]));
				return GW_EINVAL;
			}
		}
	}
	bool has_zsk = false;
	for (size_t i = 0; i < ks->count; i++)
		has_zsk = has_zsk || sig_key_role(ks->keys[i]) == SIG_ROLE_ZSK;
	if (!policy->split && has_zsk) {
		gw_err("the imported keys include a ZSK (flags 256), but dnssec.keys is csk; set "
		       "dnssec.keys to ksk-zsk to import a KSK and a ZSK");
		return GW_ECONFIG;
	}
	return sig_ks_check_roles(ks, "imported keys");
}

static int generate_keys(sig_keystore_t *ks, const sig_key_policy_t *policy, int64_t now)
{
	static const sig_role_t csk[] = {SIG_ROLE_CSK};
	static const sig_role_t split[] = {SIG_ROLE_KSK, SIG_ROLE_ZSK};
	const sig_role_t *roles = policy->split ? split : csk;
	size_t n = policy->split ? 2 : 1;

	for (size_t i = 0; i < n; i++) {
		int ret = sig_ks_generate(ks, policy->algorithm, roles[i], policy->rsa_bits, now);
		if (ret != GW_OK) {
			gw_err("cannot generate a %s key for %s: %s",
			       sig_algorithm_name(policy->algorithm), ks->apex_text,
			       gw_strerror(ret));
			return ret;
		}
		const sig_key_t *key = ks->keys[ks->count - 1];
		gw_notice("generated key %u (%s, %s) for %s", sig_key_tag(key),
		          sig_algorithm_name(sig_key_algorithm(key)), sig_ks_role_names[roles[i]],
		          ks->apex_text);
	}
	return GW_OK;
}

static int write_pending(FILE *fp, const void *arg)
{
	const sig_keystore_t *ks = arg;
	for (size_t i = 0; i < ks->count; i++)
		if (fprintf(fp, "%s\n", ks->meta[i].file) < 0)
			return GW_EIO;
	return GW_OK;
}

/* A first start that stopped before its state file left keys/pending:
 * the key files it names were never committed, so nothing (no DS, no
 * served DNSKEY) can refer to them. Remove them and the list. Only plain
 * .pem names inside keys/ are taken from the file. */
static void drop_pending(const sig_keystore_t *ks)
{
	FILE *fp = NULL;
	if (gw_file_fopen_regular(ks->pending_path, &fp) != GW_OK)
		return;
	char line[256];
	unsigned lines = 0;
	bool cut = false; /* within a line longer than line */
	while (lines < SIG_KS_KEYS_MAX && fgets(line, sizeof(line), fp) != NULL) {
		bool whole = strchr(line, '\n') != NULL || feof(fp);
		bool tail = cut;
		cut = !whole;
		if (!whole || tail) {
			/* The pieces of a longer line are no names of ours: the
			 * last of them would otherwise be taken for one. */
			lines += whole;
			continue;
		}
		lines++;
		line[strcspn(line, "\n")] = '\0';
		size_t n = strlen(line);
		if (n < 5 || line[0] == '.' || strchr(line, '/') != NULL ||
		    strcmp(line + n - 4, ".pem") != 0)
			continue;
		char *path = sig_ks_path_join(ks->keys_dir, line);
		if (path != NULL && unlink(path) == 0)
			gw_notice("removed %s, made by a first start that did not finish", path);
		free(path);
	}
	fclose(fp);
	unlink(ks->pending_path);
}

static const char *const g_published[] = {"ds", "trust-anchor.ds", "trust-anchor.conf"};

/* The first of the DS and trust anchor files, which every start writes
 * once its keys are committed, that is there; NULL when none. */
static const char *published_file(const sig_keystore_t *ks, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof(g_published) / sizeof(g_published[0]); i++) {
		snprintf(buf, len, "%s/%s", ks->state_dir, g_published[i]);
		if (access(buf, F_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The first file found (in the order a restore would want them back)
 * that shows an earlier key store lived here: a key file in keys/, or the
 * DS and trust anchor files written at every start. NULL when none. */
static const char *earlier_store(const sig_keystore_t *ks, char *buf, size_t len)
{
	DIR *dir = opendir(ks->keys_dir);
	const char *found = NULL;
	if (dir != NULL) {
		struct dirent *de;
		while (found == NULL && (de = readdir(dir)) != NULL) {
			size_t n = strlen(de->d_name);
			if (n > 4 && strcmp(de->d_name + n - 4, ".pem") == 0 &&
			    !gw_file_is_temp(de->d_name)) {
				snprintf(buf, len, "%s/%s", ks->keys_dir, de->d_name);
				found = buf;
			}
		}
		closedir(dir);
	}
	return found != NULL ? found : published_file(ks, buf, len);
}

static int first_start(sig_keystore_t *ks, const sig_key_policy_t *policy)
{
	int ret = GW_OK;
	int64_t now = (int64_t)gw_clock_wall();
	char seen[4096];

	/* No state, but keys or a DS of an earlier store: the parent may hold
	 * a DS for those keys, and new ones would make every answer bogus.
	 * Only an explicit --new-keys starts a new chain of trust. The keys
	 * of an unfinished first start go first, unless a DS was written:
	 * then that start did finish (its pending list outlived a crash) and
	 * they are the keys the parent's DS may name, to be kept for a
	 * restored state. */
	if (published_file(ks, seen, sizeof(seen)) == NULL)
		drop_pending(ks);
	const char *earlier = earlier_store(ks, seen, sizeof(seen));
	if (earlier != NULL && !policy->new_keys) {
		gw_err("%s is missing but %s is there: an earlier key store lived here. Restore %s "
		       "from a backup (the keys stay, and so does the parent's DS); or start once "
		       "with --new-keys to make new keys, then publish the new DS at the parent",
		       ks->state_path, earlier, ks->state_path);
		return GW_EKEY;
	}
	if (earlier != NULL)
		gw_warn("%s is missing and --new-keys was given: making new keys beside %s; the "
		        "parent's DS must be replaced with the new one",
		        ks->state_path, earlier);

	if (policy->import_count > 0)
		ret = import_keys(ks, policy, now);
	else
		ret = generate_keys(ks, policy, now);
	if (ret != GW_OK)
		return ret;
	/* Two phases, so that a crash leaves either a complete store or key
	 * files that the next start knows to be its own leftovers: the names
	 * go to keys/pending first, the state (the commit) last, and the
	 * pending list is removed after it. */
	ret = gw_file_write_with(ks->pending_path, 0600, write_pending, ks);
	if (ret != GW_OK)
		return ret;
	for (size_t i = 0; i < ks->count; i++) {
		char *path = sig_ks_path_join(ks->keys_dir, ks->meta[i].file);
		if (path == NULL)
			return GW_ENOMEM;
		ret = sig_key_save_pem(ks->keys[i], path);
		free(path);
		if (ret != GW_OK)
			return ret;
	}
	ret = sig_ks_save_state(ks);
	if (ret != GW_OK)
		return ret;
	if (unlink(ks->pending_path) != 0 && errno != ENOENT)
		gw_warn("cannot remove %s: %s", ks->pending_path, strerror(errno));
	scan_keys_dir(ks);
	gw_notice("new key store for %s in %s; back up this directory, and publish the DS "
	          "records (%s/ds) at the parent",
	          ks->apex_text, ks->keys_dir, ks->state_dir);
	return GW_OK;
}

/* ---- the store -------------------------------------------------------- */

static void warn_policy(const sig_keystore_t *ks, const sig_key_policy_t *policy)
{
	bool split = false;
	for (size_t i = 0; i < ks->count; i++) {
		uint8_t alg = sig_key_algorithm(ks->keys[i]);
		split = split || sig_key_role(ks->keys[i]) != SIG_ROLE_CSK;
		if (alg != policy->algorithm)
			gw_warn("key %u of %s uses %s, the configuration asks for %s; keeping the "
			        "existing keys (dnssd-gatewayctl rollover algorithm %s changes it)",
			        sig_key_tag(ks->keys[i]), ks->apex_text, sig_algorithm_name(alg),
			        sig_algorithm_name(policy->algorithm),
			        sig_algorithm_name(policy->algorithm));
	}
	if (split != policy->split)
		gw_warn("the keys of %s are %s, the configuration asks for %s; keeping the "
		        "existing keys",
		        ks->apex_text, split ? "a KSK and a ZSK" : "a CSK",
		        policy->split ? "a KSK and a ZSK" : "a CSK");
}

void sig_keystore_free(sig_keystore_t *ks)
{
	if (ks == NULL)
		return;
	for (size_t i = 0; i < ks->count; i++)
		sig_key_free(ks->keys[i]);
	free(ks->keys);
	free(ks->meta);
	if (ks->lock_fd >= 0)
		close(ks->lock_fd);
	free(ks->state_dir);
	free(ks->keys_dir);
	free(ks->state_path);
	free(ks->pending_path);
	free(ks);
}

int sig_keystore_open(sig_keystore_t **out, const char *state_dir, const uint8_t *apex,
                      const sig_key_policy_t *policy_in)
{
	int ret = GW_OK;
	sig_keystore_t *ks = NULL;
	FILE *fp = NULL;

	if (state_dir == NULL || policy_in == NULL || zone_name_len(apex, ZONE_NAME_MAXLEN) < 0)
		return GW_EINVAL;
	/* Zero means "the default" for the numbers of the policy. */
	sig_key_policy_t p = *policy_in;
	if (p.algorithm == 0)
		p.algorithm = SIG_ALG_ECDSAP256SHA256;
	const sig_key_policy_t *policy = &p;
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL)
		return GW_ENOMEM;
	ks->lock_fd = -1;
	ks->rsa_bits = policy->rsa_bits >= 2048 ? policy->rsa_bits : 2048;
	zone_name_lower(ks->apex, apex);
	ret = zone_name_to_str(ks->apex_text, sizeof(ks->apex_text), ks->apex);
	if (ret != GW_OK)
		goto out;
	ks->state_dir = strdup(state_dir);
	ks->keys_dir = sig_ks_path_join(state_dir, "keys");
	ks->state_path = sig_ks_path_join(state_dir, "keys/state");
	ks->pending_path = sig_ks_path_join(state_dir, "keys/pending");
	if (ks->state_dir == NULL || ks->keys_dir == NULL || ks->state_path == NULL ||
	    ks->pending_path == NULL) {
		ret = GW_ENOMEM;
		goto out;
	}
	ret = ensure_dir(ks->state_dir);
	if (ret == GW_OK)
		ret = gw_file_refuse_link(ks->keys_dir);
	if (ret == GW_OK)
		ret = ensure_dir(ks->keys_dir);
	if (ret == GW_OK)
		ret = lock_dir(ks);
	if (ret != GW_OK)
		goto out;

	ret = gw_file_fopen_regular(ks->state_path, &fp);
	if (ret != GW_OK && ret != -ENOENT) {
		gw_err("cannot read %s: %s", ks->state_path, gw_strerror(ret));
		goto out;
	}
	if (fp == NULL) {
		ret = first_start(ks, policy);
		goto out;
	}
	ret = sig_ks_load_state(ks, fp);
	if (ret != GW_OK)
		goto out;
	/* A first start that stopped between its state file and the removal
	 * of the pending list: the keys are committed, the list is stale. */
	if (unlink(ks->pending_path) == 0)
		gw_info("removed %s, left by a first start that finished its keys",
		        ks->pending_path);
	scan_keys_dir(ks);
	warn_policy(ks, policy);
	for (size_t i = 0; i < ks->count; i++)
		gw_info("key %u (%s, %s) for %s loaded from %s/%s", sig_key_tag(ks->keys[i]),
		        sig_algorithm_name(sig_key_algorithm(ks->keys[i])),
		        sig_ks_role_names[sig_key_role(ks->keys[i])], ks->apex_text, ks->keys_dir,
		        ks->meta[i].file);
out:
	if (fp != NULL)
		fclose(fp);
	if (ret != GW_OK) {
		sig_keystore_free(ks);
		return ret;
	}
	*out = ks;
	return GW_OK;
}

sig_key_t *const *sig_keystore_keys(const sig_keystore_t *ks, size_t *count)
{
	*count = ks->count;
	return ks->keys;
}

int sig_ks_revoke(sig_keystore_t *ks, size_t i, sig_key_t **was)
{
	sig_key_t *revoked = NULL;
	if (was != NULL)
		*was = NULL;
	if (sig_key_flags(ks->keys[i]) & SIG_FLAGS_REVOKE)
		return GW_OK;
	int ret = sig_key_revoke(&revoked, ks->keys[i]);
	if (ret != GW_OK)
		return ret;
	if (was != NULL)
		*was = ks->keys[i];
	else
		sig_key_free(ks->keys[i]);
	ks->keys[i] = revoked;
	ks->meta[i].use |= SIG_USE_REVOKED;
	return GW_OK;
}

uint8_t sig_keystore_key_use(const sig_keystore_t *ks, size_t i)
{
	return i < ks->count ? ks->meta[i].use : 0;
}

bool sig_keystore_insecure(const sig_keystore_t *ks)
{
	return ks->cds_delete;
}

int sig_keystore_key_times(const sig_keystore_t *ks, size_t i, int64_t *created, int64_t *published)
{
	if (i >= ks->count)
		return GW_ENOTFOUND;
	*created = ks->meta[i].created;
	*published = ks->meta[i].published;
	return GW_OK;
}
