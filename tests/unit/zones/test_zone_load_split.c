/* zones/load_split.c: a large zone text read by two readers at once gives
 * what one reader gives: the same records and TTLs, the same first error
 * with its line. */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "zone_util.h"
#include "zones/internal.h" /* zone_load_split_min, zone_load_splits */

static const uint8_t *origin(const char *text)
{
	static uint8_t buf[ZONE_NAME_MAXLEN];
	return tname(buf, text);
}

/* One load of text (len octets; or of the test file path, text NULL) with
 * split_min in force: its code, message and dump (NULL on an error). */
static int load_len(size_t split_min, const char *path, const char *text, size_t len, char *err,
                    size_t errlen, char **dump)
{
	zone_t *zone = NULL;
	size_t saved = zone_load_split_min;
	zone_load_split_min = split_min;
	int ret = text != NULL
	              ? zone_load_text(&zone, origin("example."), path, text, len, err, errlen)
	              : zone_load_file(&zone, origin("example."), tdata(path), err, errlen);
	zone_load_split_min = saved;
	*dump = zone != NULL ? tdump(zone) : NULL;
	zone_free(zone);
	return ret;
}

static int load_with(size_t split_min, const char *path, const char *text, char *err, size_t errlen,
                     char **dump)
{
	return load_len(split_min, path, text, text != NULL ? strlen(text) : 0, err, errlen, dump);
}

/* Both ways give the same code, message and records. Returns whether the
 * second reader's half was used. */
static bool expect_same_len(const char *path, const char *text, size_t len)
{
	char err1[512] = "", err2[512] = "";
	char *dump1 = NULL, *dump2 = NULL;
	int r1 = load_len(SIZE_MAX, path, text, len, err1, sizeof(err1), &dump1);
	size_t before = atomic_load(&zone_load_splits);
	int r2 = load_len(0, path, text, len, err2, sizeof(err2), &dump2);
	bool split = atomic_load(&zone_load_splits) != before;
	if (r1 != r2 || strcmp(err1, err2) != 0)
		fprintf(stderr, "%s: one reader %d '%s', two %d '%s'\n", path, r1, err1, r2, err2);
	CU_ASSERT_EQUAL(r1, r2);
	CU_ASSERT_STRING_EQUAL(err1, err2);
	CU_ASSERT_EQUAL(dump1 == NULL, dump2 == NULL);
	if (dump1 != NULL && dump2 != NULL)
		CU_ASSERT_STRING_EQUAL(dump1, dump2);
	free(dump1);
	free(dump2);
	return split;
}

static bool expect_same(const char *path, const char *text)
{
	return expect_same_len(path, text, text != NULL ? strlen(text) : 0);
}

static void test_files(void)
{
	static const char *const files[] = {
	    "class-ch.db",
	    "cname-conflict.db",
	    "dnssd-sample.db",
	    "escapes.db",
	    "generic-rdata.db",
	    "include.db",
	    "no-soa.db",
	    "out-of-zone.db",
	    "out-of-zone-origin.db",
	    "syntax-error.db",
	    "syntax-error-multiline.db",
	    "ttl-defaults.db",
	    "ttl-max.db",
	    "ttl-mismatch.db",
	    "ttl-over.db",
	    "ttl-over-directive.db",
	    "two-soa.db",
	};
	size_t splits = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		splits += expect_same(files[i], NULL);
	/* Most of them have a line in their second half to start at. */
	CU_ASSERT(splits >= sizeof(files) / sizeof(files[0]) / 2);
}

/* $ORIGIN and $TTL before the middle, parentheses, quotes and comments
 * across it, RRsets that go on past it without a TTL. */
static const char head[] = "$ORIGIN example.\n"
                           "$TTL 300\n"
                           "@ IN SOA ns hostmaster ( 1 3600\n"
                           "  600 86400 ; a comment ( with a parenthesis\n"
                           "  30 )\n"
                           "@ IN NS ns\n"
                           "ns 60 IN A 192.0.2.1\n"
                           "$ORIGIN sub.example.\n"
                           "txt IN TXT \"a ; not a comment\" \"(\"\n";
static const char body[] = "a%d IN A 192.0.2.%d\n"
                           "a%d 90 IN AAAA 2001:db8::%d\n"
                           "t%d IN TXT ( \"line one\"\n"
                           "x \"line two\" )\n"
                           "  IN TXT \"same owner, no TTL\"\n";

static char *generated(const char *tail)
{
	size_t cap = sizeof(head) + 40 * sizeof(body) + 64 + strlen(tail);
	char *text = malloc(cap);
	CU_ASSERT_FATAL(text != NULL);
	size_t n = (size_t)snprintf(text, cap, "%s", head);
	for (int i = 1; i <= 40; i++)
		n += (size_t)snprintf(text + n, cap - n, body, i, i, i, i, i);
	snprintf(text + n, cap - n, "%s", tail);
	return text;
}

static void test_generated(void)
{
	static const char *const tails[] = {
	    "",
	    "$TTL 7\nlate IN A 192.0.2.9\n",
	    "late IN A 192.0.2.9\nbad IN A 192.0.2.300\nworse IN A x\n",
	    "out.example.net. IN A 192.0.2.1\n",
	    "$INCLUDE other.db\n",
	    "late IN SRV 0 0\n",
	    "late IN SRV 0 0534 \\# 4 00010203\n",
	    "late IN RRSIG A 13 3 777 20301231000000 20201231000000 1 example. AAAA\n",
	};
	for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
		char *text = generated(tails[t]);
		CU_ASSERT(expect_same("generated.db", text));
		free(text);
	}
}

/* text with line inserted at the first line start from a quarter on. */
static char *insert_early(const char *text, const char *line)
{
	size_t len = strlen(text) + strlen(line) + 1;
	char *out = malloc(len);
	CU_ASSERT_FATAL(out != NULL);
	size_t at = strlen(text) / 4;
	while (text[at - 1] != '\n')
		at++;
	snprintf(out, len, "%.*s%s%s", (int)at, text, line, text + at);
	return out;
}

/* An error in the first half is the one reported, not a later one in the
 * second; a $TTL of the first half holds in the second. */
static void test_first_half_rules(void)
{
	char *text = generated("worse IN A x\n");
	char *bad = insert_early(text, "bad IN A 192.0.2.300\n");
	char msg[512] = "";
	char *dump = NULL;
	(void)expect_same("generated.db", bad);
	CU_ASSERT_EQUAL(load_with(0, "generated.db", bad, msg, sizeof(msg), &dump), GW_EPARSE);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "generated.db:56: "));
	free(dump);
	free(bad);
	free(text);

	text = generated("");
	char *ttl = insert_early(text, "$TTL 4242\n");
	CU_ASSERT(expect_same("generated.db", ttl));
	CU_ASSERT_EQUAL(load_with(0, "generated.db", ttl, msg, sizeof(msg), &dump), GW_OK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "a40.sub.example.\t4242\tIN\tA\t192.0.2.40"));
	free(dump);
	free(ttl);
	free(text);
}

/* An indented $ORIGIN before the middle is not replayed: one reader,
 * with the same result. */
static void test_no_split(void)
{
	char *text = generated("");
	char *indented = insert_early(text, "  $ORIGIN sub.example.\n");
	CU_ASSERT_FALSE(expect_same("generated.db", indented));
	free(indented);
	free(text);
}

/* A line that opens with NUL octets: ldns reads it as a C string, empty
 * up to its first NUL, so the record has no owner of its own and takes
 * the one before (here it is then refused, as TYPE0). The second reader
 * must not start there: it would take the apex instead, and the error
 * would name another owner (found by fuzz_zone_load). */
static void test_nul_line(void)
{
	/* The middle falls after the line of c and before the NUL line, with
	 * only a directive between: the NUL line is the first after the
	 * middle that does not start with a blank, ';' or '$'. */
	static const char lead[] = "; a comment that takes up the first half of the text ........."
	                           "........................................\n"
	                           "c 300 IN A 192.0.2.4\n"
	                           "$TTL 300\n";
	char text[sizeof(lead) - 1 + 100 + 5];
	memcpy(text, lead, sizeof(lead) - 1);
	memset(text + sizeof(lead) - 1, 0, 100);
	memcpy(text + sizeof(lead) - 1 + 100, " \"y\"\n", 5);
	char msg[512] = "";
	char *dump = NULL;
	CU_ASSERT_FATAL(sizeof(text) / 2 > strlen(lead) - 30 && sizeof(text) / 2 < strlen(lead));
	(void)expect_same_len("nul.db", text, sizeof(text));
	CU_ASSERT_EQUAL(load_len(0, "nul.db", text, sizeof(text), msg, sizeof(msg), &dump),
	                GW_ESEMANTIC);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "nul.db:4: c.example. "));
	free(dump);
}

int gw_test_register(void)
{
	gw_log_set_level(GW_LOG_ERR);
	return gw_test_suite("zone load split", (gw_test_t[]){
	                                            {"files", test_files},
	                                            {"generated", test_generated},
	                                            {"first_half_rules", test_first_half_rules},
	                                            {"no_split", test_no_split},
	                                            {"nul_line", test_nul_line},
	                                            {NULL, NULL},
	                                        });
}
