/* libFuzzer target for the key state file (<state>/keys/state) as
 * sig_keystore_open() reads it at start (dnssec/keystore_state.c:
 * sig_ks_load_state(), parse_key_line()). The input is the file's content; the target writes
 * it into a state directory of its own whose keys/ holds two fixed test
 * keys (tests/fuzz/keystore-seeds/keys: ksk.pem and zsk.pem, ECDSA P-256)
 * and opens the store for example. with a split policy. The file exists
 * for every input, so the store never generates keys.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks: an
 * accepted file opens with the magic line, names the zone, and lists
 * every key it gives (tag, algorithm, role and file); the keys have a
 * role that signs the DNSKEY RRset and one that signs the zone; a refused
 * file gives no store and a documented error. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "dnssec/dnssec.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_keystore: broken promise: %s (line %d)\n", #cond,    \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define INPUT_MAX (1 << 16)

static char g_dir[64];
static char g_state[128];
static uint8_t g_apex[ZONE_NAME_MAXLEN];

static void copy_key(const char *name)
{
	char from[512], to[128], buf[4096];
	snprintf(from, sizeof(from), "%s/%s", GW_FUZZ_KEYS, name);
	snprintf(to, sizeof(to), "%s/keys/%s", g_dir, name);
	FILE *in = fopen(from, "re");
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (in == NULL || out < 0)
		abort();
	size_t n = fread(buf, 1, sizeof(buf), in);
	if (n == 0 || write(out, buf, n) != (ssize_t)n)
		abort();
	fclose(in);
	close(out);
}

/* The state directory goes with the process. */
static void cleanup(void)
{
	static const char *const files[] = {"keys/state",   "keys/ksk.pem", "keys/zsk.pem",
	                                    "keys/pending", "keys",         ""};
	char path[160];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", g_dir, files[i]);
		if (unlink(path) != 0)
			rmdir(path);
	}
}

static void setup(void)
{
	char keys[128];
	if (getenv("FUZZ_LOG") == NULL) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
	}
	/* In memory when it can: the state file is rewritten for every
	 * input, and a disk file system flushes a truncated file on close. */
	snprintf(g_dir, sizeof(g_dir), "/dev/shm/gw-fuzz-keystore.XXXXXX");
	if (mkdtemp(g_dir) == NULL) {
		snprintf(g_dir, sizeof(g_dir), "/tmp/gw-fuzz-keystore.XXXXXX");
		if (mkdtemp(g_dir) == NULL)
			abort();
	}
	snprintf(keys, sizeof(keys), "%s/keys", g_dir);
	snprintf(g_state, sizeof(g_state), "%s/keys/state", g_dir);
	if (mkdir(keys, 0700) != 0 || zone_name_from_str(g_apex, "example.", NULL) < 0)
		abort();
	copy_key("ksk.pem");
	copy_key("zsk.pem");
	atexit(cleanup);
}

/* Whether a key line of the file lists tag with algorithm 13. Looser
 * than the reader (sscanf() takes "key035657" and leading zeros, which
 * the reader refuses): it must only never refuse what the reader took. */
static bool lists_tag(const char *text, size_t size, unsigned tag)
{
	for (size_t k = 0; k + 3 <= size; k++) {
		if ((k > 0 && text[k - 1] != '\n') || memcmp(text + k, "key", 3) != 0)
			continue;
		char line[256];
		const char *end = memchr(text + k, '\n', size - k);
		size_t n = end != NULL ? (size_t)(end - (text + k)) : size - k;
		snprintf(line, sizeof(line), "%.*s", (int)(n < 255 ? n : 255), text + k);
		unsigned t = 0, alg = 0;
		if (sscanf(line, "key %u %u", &t, &alg) == 2 && t == tag &&
		    alg == SIG_ALG_ECDSAP256SHA256)
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_dir[0] == '\0')
		setup();
	if (size > INPUT_MAX)
		return 0;
	int fd = open(g_state, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
		abort();
	sig_keystore_t *ks = NULL;
	sig_key_policy_t policy = {.algorithm = SIG_ALG_ECDSAP256SHA256, .split = true};
	int ret = sig_keystore_open(&ks, g_dir, g_apex, &policy);
	if (ret != GW_OK) {
		CHECK(ks == NULL);
		CHECK(ret == GW_EPARSE || ret == GW_EKEY || ret == GW_ENOMEM);
		return 0;
	}
	const char *text = (const char *)data;
	const char *eol = memchr(text, '\n', size);
	CHECK(memmem(text, eol != NULL ? (size_t)(eol - text) : size, "dnssd-gateway-keys", 18) !=
	      NULL);
	size_t count = 0;
	sig_key_t *const *keys = sig_keystore_keys(ks, &count);
	CHECK(count >= 1);
	bool sep = false, zone = false;
	for (size_t i = 0; i < count; i++) {
		sig_role_t role = sig_key_role(keys[i]);
		sep = sep || role != SIG_ROLE_ZSK;
		zone = zone || role != SIG_ROLE_KSK;
		CHECK(sig_key_algorithm(keys[i]) == SIG_ALG_ECDSAP256SHA256);
		/* The file lists a key by its tag without REVOKE (write_state()):
		 * a key listed with R is revoked once loaded, its tag changed. */
		uint16_t listed = sig_key_tag(keys[i]);
		if (sig_key_flags(keys[i]) & SIG_FLAGS_REVOKE)
			CHECK(sig_key_flipped_tag(keys[i], &listed) == GW_OK);
		CHECK(lists_tag(text, size, listed));
	}
	CHECK(sep && zone);
	CHECK(memmem(text, size, "\nzone ", 6) != NULL);
	sig_keystore_free(ks);
	return 0;
}
