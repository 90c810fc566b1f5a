/* libFuzzer target for the zone file reader behind ldns
 * (zone_load_text(), zones/load.c): what happens to each record ldns
 * parses (line numbers, TTL defaults, $TTL, $ORIGIN, the rules of
 * zone_apply() through the batch). The input is the file's content, for
 * the zone example.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks: a
 * refused file says why with the file's name; an accepted zone has the
 * apex SOA, and its dump (zone_dump()) loads again to a zone that dumps
 * the same (unless the dump holds a name ldns cannot read back: more than
 * 254 characters of text, a '"' in it, an owner that starts with '@' or
 * '$'). It also reads every input a second time with two readers
 * (zones/load_split.c), which must give the same code, message and dump. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/log.h"
#include "zones/internal.h" /* zone_load_split_min */
#include "zones/zone.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_zone_load: broken promise: %s (line %d)\n", #cond,   \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define INPUT_MAX (1 << 16)

static uint8_t g_origin[ZONE_NAME_MAXLEN];

/* Whether ldns can read the dump back as it wrote it: it reads an owner
 * name of at most 254 characters of text (a valid name of many escaped
 * octets, \255 for each octet of UTF-8, is longer); it writes a '"'
 * inside a name as it is, which its reader then takes for a quote; and it
 * reads an owner that starts with '@' ("@01.example.") as the origin, one
 * that starts with '$' as a directive.
 * Only the types whose rdata is quoted text may hold a '"'. */
static bool ldns_reads_back(const char *text, size_t len)
{
	static const char *const quoted[] = {"TXT", "SPF", "HINFO", "NAPTR", "CAA", NULL};
	size_t pos = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
		pos += n + 1;
		/* owner \t TTL \t class \t type \t rdata, as zone_dump() writes */
		const char *f[4] = {line, NULL, NULL, NULL};
		for (int k = 1; k < 4 && f[k - 1] != NULL; k++) {
			const char *tab = memchr(f[k - 1], '\t', (size_t)(line + n - f[k - 1]));
			f[k] = tab != NULL ? tab + 1 : NULL;
		}
		const char *owner_end = memchr(line, '\t', n);
		if (owner_end == NULL || owner_end - line >= 255 || line[0] == '@' ||
		    line[0] == '$' || memchr(line, '"', (size_t)(owner_end - line)) != NULL)
			return false;
		if (f[3] == NULL || memchr(f[3], '"', (size_t)(line + n - f[3])) == NULL)
			continue;
		bool text_type = false;
		for (size_t i = 0; quoted[i] != NULL && !text_type; i++) {
			size_t tl = strlen(quoted[i]);
			text_type = strncmp(f[3], quoted[i], tl) == 0 && f[3][tl] == '\t';
		}
		if (!text_type)
			return false;
	}
	return true;
}

static char *dump_of(const zone_t *zone, size_t *len)
{
	char *text = NULL;
	FILE *fp = open_memstream(&text, len);
	if (fp == NULL)
		abort();
	CHECK(zone_dump(zone, fp) == GW_OK);
	fclose(fp);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_origin[0] == 0) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
		if (zone_name_from_str(g_origin, "example.", NULL) < 0)
			abort();
	}
	if (size > INPUT_MAX)
		return 0;
	/* An exact copy: ASan sees every read past the file's end. */
	char *text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	zone_t *zone = NULL;
	char why[512];
	int ret = zone_load_text(&zone, g_origin, "fuzz.zone", text, size, why, sizeof(why));
	zone_t *split = NULL;
	char split_why[512];
	size_t split_min = zone_load_split_min;
	zone_load_split_min = 0;
	int split_ret =
	    zone_load_text(&split, g_origin, "fuzz.zone", text, size, split_why, sizeof(split_why));
	zone_load_split_min = split_min;
	free(text);
	if (split_ret != ret || (ret != GW_OK && strcmp(why, split_why) != 0))
		fprintf(stderr, "one reader: %d %s\ntwo readers: %d %s\n", ret,
		        ret != GW_OK ? why : "", split_ret, split_ret != GW_OK ? split_why : "");
	CHECK(split_ret == ret);
	CHECK(ret == GW_OK || strcmp(why, split_why) == 0);
	if (split != NULL) {
		size_t la = 0, lb = 0;
		char *da = dump_of(zone, &la);
		char *db = dump_of(split, &lb);
		CHECK(la == lb && memcmp(da, db, la) == 0);
		free(da);
		free(db);
		zone_free(split);
	}
	if (ret != GW_OK) {
		/* FUZZ_LOG=1 shows why (checking seeds). */
		if (getenv("FUZZ_LOG") != NULL)
			fprintf(stderr, "refused: %s\n", why);
		CHECK(zone == NULL);
		CHECK(strncmp(why, "fuzz.zone", 9) == 0);
		return 0;
	}
	uint32_t serial = 0;
	CHECK(zone_serial(zone, &serial) == GW_OK);
	size_t len1 = 0, len2 = 0;
	char *d1 = dump_of(zone, &len1);
	zone_t *again = NULL;
	if (!ldns_reads_back(d1, len1)) {
		free(d1);
		zone_free(zone);
		return 0;
	}
	ret = zone_load_text(&again, g_origin, "fuzz.zone", d1, len1, why, sizeof(why));
	if (ret != GW_OK)
		fprintf(stderr, "dump does not load: %s\n%s\n", why, d1);
	CHECK(ret == GW_OK);
	char *d2 = dump_of(again, &len2);
	if (len1 != len2 || memcmp(d1, d2, len1) != 0)
		fprintf(stderr, "first dump:\n%s\nsecond dump:\n%s\n", d1, d2);
	CHECK(len1 == len2 && memcmp(d1, d2, len1) == 0);
	free(d1);
	free(d2);
	zone_free(again);
	zone_free(zone);
	return 0;
}
