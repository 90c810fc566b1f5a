/* zones/load.c and zones/dump.c: zone files through ldns. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "log_capture.h"
#include "zone_util.h"

static const uint8_t *origin(const char *text)
{
	static uint8_t buf[ZONE_NAME_MAXLEN];
	return tname(buf, text);
}

/* Load tests/data/zones/file for apex; returns the code, the zone (or
 * NULL) in *out and the message in err. */
static int load(zone_t **out, const char *apex, const char *file, char *err, size_t errlen)
{
	*out = NULL;
	return zone_load_file(out, origin(apex), tdata(file), err, errlen);
}

/* Expect file to fail with code, and the message to carry "file:line:"
 * (line 0: no line) and the words in want. */
static void expect_error(const char *file, int code, int line, const char *want)
{
	zone_t *zone = NULL;
	char err[512];
	char prefix[128];

	int ret = load(&zone, "example.", file, err, sizeof(err));
	if (ret != code)
		fprintf(stderr, "%s: expected %d, got %d (%s)\n", file, code, ret, err);
	CU_ASSERT_EQUAL(ret, code);
	CU_ASSERT_PTR_NULL(zone);
	if (line > 0)
		snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", file);
	if (strstr(err, prefix) == NULL || strstr(err, want) == NULL)
		fprintf(stderr, "%s: message '%s' lacks '%s' or '%s'\n", file, err, prefix, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, prefix));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	zone_free(zone);
}

static void test_load_errors(void)
{
	expect_error("syntax-error.db", GW_EPARSE, 8, "syntax error");
	expect_error("syntax-error-multiline.db", GW_EPARSE, 13, "syntax error");
	expect_error("out-of-zone.db", GW_EOUTOFZONE, 4, "www.example.net. A: owner is outside");
	expect_error("out-of-zone-origin.db", GW_EOUTOFZONE, 4, "www.example.org.");
	expect_error("no-soa.db", GW_ESEMANTIC, 0, "no SOA");
	expect_error("empty.db", GW_ESEMANTIC, 0, "no SOA");
	expect_error("cname-conflict.db", GW_ESEMANTIC, 5, "CNAME and other data");
	expect_error("two-soa.db", GW_ESEMANTIC, 5, "only one SOA");
	expect_error("include.db", GW_EPARSE, 3, "$INCLUDE");
	expect_error("class-ch.db", GW_ESEMANTIC, 3, "class is not IN");
	expect_error("generic-rdata.db", GW_EPARSE, 8, "does not fit its type");
	expect_error("ttl-max.db", GW_EPARSE, 5, "TTL 4294967295 is above 2147483647");
	expect_error("ttl-over.db", GW_EPARSE, 5, "TTL 2147483648 is above 2147483647");
	expect_error("ttl-over-directive.db", GW_EPARSE, 4, "$TTL 3000000000 is above");
	expect_error("does-not-exist.db", -ENOENT, 0, strerror(ENOENT));

	/* A short buffer still gets a terminated prefix; NULL is allowed. */
	zone_t *zone = NULL;
	char err[12];
	CU_ASSERT_EQUAL(load(&zone, "example.", "syntax-error.db", err, sizeof(err)), GW_EPARSE);
	CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
	CU_ASSERT_EQUAL(load(&zone, "example.", "syntax-error.db", NULL, 0), GW_EPARSE);
	/* The apex decides what is in the zone. */
	CU_ASSERT_EQUAL(load(&zone, "other.", "ttl-mismatch.db", NULL, 0), GW_EOUTOFZONE);
	CU_ASSERT_PTR_NULL(zone);
}

/* Load path (absolute) for example.: the code, and the message in err. */
static int load_path(const char *path, char *err, size_t errlen)
{
	zone_t *zone = NULL;
	int ret = zone_load_file(&zone, origin("example."), path, err, errlen);
	CU_ASSERT_PTR_NULL(zone);
	zone_free(zone);
	return ret;
}

/* A device or a directory in a zone file's place is refused at once:
 * /dev/zero would be read until memory ran out, /dev/null would load as
 * an empty zone. (A FIFO is read, off the loop: test_daemon holds a
 * reload's read with one.) A file past the limit is refused by its size,
 * before it is read. */
static void test_load_not_regular(void)
{
	char err[512] = "";
	/* Fatal: the code before read /dev/null as an empty zone ("no
	 * SOA"), and would read /dev/zero below until memory ran out. */
	CU_ASSERT_EQUAL_FATAL(load_path("/dev/null", err, sizeof(err)), GW_ENOTFILE);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/dev/null: not a regular file"));
	CU_ASSERT_EQUAL(load_path("/dev/zero", err, sizeof(err)), GW_ENOTFILE);

	char dir[] = "/tmp/gw-test-zone-file-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	CU_ASSERT_EQUAL(load_path(dir, err, sizeof(err)), GW_ENOTFILE);

	/* One octet past a gibibyte, sparse: refused by its size. */
	char path[sizeof(dir) + 16];
	snprintf(path, sizeof(path), "%s/zone.db", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(ftruncate(fd, ((off_t)1 << 30) + 1), 0);
	close(fd);
	CU_ASSERT_EQUAL(load_path(path, err, sizeof(err)), GW_ELIMIT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than the limit of 1024 MiB"));
	CU_ASSERT_EQUAL(unlink(path), 0);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

static void test_load_sample(void)
{
	zone_t *zone = NULL;
	char err[512] = "";
	uint8_t name[ZONE_NAME_MAXLEN];
	uint32_t serial = 0;

	int ret = load(&zone, "dnssd.example.", "dnssd-sample.db", err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "%s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(zone_node_count(zone), 63);
	CU_ASSERT_EQUAL(zone_serial(zone, &serial), GW_OK);
	CU_ASSERT_EQUAL(serial, 1);

	/* Escaped instance names resolve against $ORIGIN. */
	const char *instance = "Device\\ 00000\\ \\(Floor\\ 2\\)._ipp._tcp.link-000.dnssd.example.";
	const zone_rrset_t *srv = trrset(zone, instance, LDNS_RR_TYPE_SRV);
	CU_ASSERT_FATAL(srv != NULL);
	CU_ASSERT_EQUAL(srv->ttl, 120);
	CU_ASSERT_EQUAL(srv->count, 1);
	/* 0 0 37304 host-00000.link-000.dnssd.example. */
	CU_ASSERT_EQUAL(memcmp(srv->rdata + 2, "\0\0\0\0\x91\xb8\012host-00000", 17), 0);
	const zone_rrset_t *txt = trrset(zone, instance, LDNS_RR_TYPE_TXT);
	CU_ASSERT_FATAL(txt != NULL);
	CU_ASSERT_EQUAL(txt->ttl, 4500);
	const zone_rrset_t *ptr =
	    trrset(zone, "_ipp._tcp.link-000.dnssd.example.", LDNS_RR_TYPE_PTR);
	CU_ASSERT_FATAL(ptr != NULL);
	CU_ASSERT_EQUAL(ptr->count, 2);
	/* The browse PTRs and the empty non-terminal above them. */
	CU_ASSERT_PTR_NOT_NULL(trrset(zone, "b._dns-sd._udp.dnssd.example.", LDNS_RR_TYPE_PTR));
	zone_lookup_t res;
	CU_ASSERT_EQUAL(zone_lookup(zone, tname(name, "_udp.dnssd.example."), &res), GW_OK);
	CU_ASSERT_TRUE(res.empty_nonterminal);
	zone_free(zone);
}

static void test_ttl_mismatch_warns(void)
{
	zone_t *zone = NULL;
	char log[4096] = "";
	log_capture_t cap;

	/* Capture the warning the loader logs. */
	log_capture_start(&cap);
	int ret = load(&zone, "example.", "ttl-mismatch.db", NULL, 0);
	log_capture_end(&cap, log, sizeof(log));

	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	const zone_rrset_t *a = trrset(zone, "www.example.", LDNS_RR_TYPE_A);
	CU_ASSERT_EQUAL(a->count, 2);
	CU_ASSERT_EQUAL(a->ttl, 600);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "ttl-mismatch.db:4: TTL 600 of www.example. A differs "
	                                   "from TTL 300 at line 3"));
	zone_free(zone);
}

static void test_ttl_defaults(void)
{
	zone_t *zone = NULL;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(load(&zone, "example.", "ttl-defaults.db", err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(trrset(zone, "a.example.", LDNS_RR_TYPE_A)->ttl, 3600);
	CU_ASSERT_EQUAL(trrset(zone, "b.example.", LDNS_RR_TYPE_A)->ttl, 20);
	CU_ASSERT_EQUAL(trrset(zone, "b.example.", LDNS_RR_TYPE_A)->count, 2);
	CU_ASSERT_EQUAL(trrset(zone, "c.example.", LDNS_RR_TYPE_A)->ttl, 20);
	CU_ASSERT_EQUAL(trrset(zone, "d.example.", LDNS_RR_TYPE_A)->ttl, 77);
	CU_ASSERT_EQUAL(trrset(zone, "d.example.", LDNS_RR_TYPE_TXT)->ttl, 5);
	CU_ASSERT_EQUAL(trrset(zone, "e.example.", LDNS_RR_TYPE_TXT)->ttl, 77);
	CU_ASSERT_EQUAL(trrset(zone, "f.example.", LDNS_RR_TYPE_A)->ttl, 2147483647);
	zone_free(zone);
}

/* The owner of a dump line, as a wire name. */
static void line_owner(uint8_t *out, const char *line)
{
	char text[1100];
	size_t len = strcspn(line, "\t");
	CU_ASSERT_FATAL(len < sizeof(text));
	memcpy(text, line, len);
	text[len] = '\0';
	tname(out, text);
}

/* Dump zone, reload the dump, dump again: the same text. Also checks that
 * the dump starts with the SOA and then follows canonical order. */
static void round_trip(zone_t *zone, const char *apex)
{
	char *first = tdump(zone);
	char path[] = "/tmp/gw-zone-dump-XXXXXX";
	int fd = mkstemp(path);
	uint8_t prev[ZONE_NAME_MAXLEN], cur[ZONE_NAME_MAXLEN];
	char err[512] = "";

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, first, strlen(first)) == (ssize_t)strlen(first));
	close(fd);

	CU_ASSERT_PTR_NOT_NULL(strstr(first, "\tSOA\t"));
	CU_ASSERT_TRUE(strstr(first, "\tSOA\t") < strchr(first, '\n'));
	bool have_prev = false;
	for (const char *line = strchr(first, '\n') + 1; *line != '\0';
	     line = strchr(line, '\n') + 1) {
		line_owner(cur, line);
		if (have_prev)
			CU_ASSERT_TRUE(zone_name_cmp(prev, cur) <= 0);
		memcpy(prev, cur, sizeof(cur));
		have_prev = true;
	}

	zone_t *again = NULL;
	int ret = zone_load_file(&again, origin(apex), path, err, sizeof(err));
	if (ret != GW_OK)
		fprintf(stderr, "reload: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, GW_OK);
	char *second = tdump(again);
	CU_ASSERT_STRING_EQUAL(second, first);
	CU_ASSERT_EQUAL(zone_node_count(again), zone_node_count(zone));
	/* Node for node, RRset for RRset, octet for octet. */
	const zone_node_t *a = zone_first(zone);
	const zone_node_t *b = zone_first(again);
	for (; a != NULL && b != NULL; a = zone_next(zone, a), b = zone_next(again, b)) {
		CU_ASSERT_EQUAL_FATAL(a->owner_len, b->owner_len);
		CU_ASSERT_EQUAL(memcmp(a->owner, b->owner, a->owner_len), 0);
		CU_ASSERT_EQUAL_FATAL(a->rrset_count, b->rrset_count);
		for (uint16_t i = 0; i < a->rrset_count; i++) {
			CU_ASSERT_EQUAL(a->rrsets[i].type, b->rrsets[i].type);
			CU_ASSERT_EQUAL(a->rrsets[i].ttl, b->rrsets[i].ttl);
			CU_ASSERT_EQUAL_FATAL(a->rrsets[i].rdata_len, b->rrsets[i].rdata_len);
			CU_ASSERT_EQUAL(
			    memcmp(a->rrsets[i].rdata, b->rrsets[i].rdata, a->rrsets[i].rdata_len),
			    0);
		}
	}
	CU_ASSERT_PTR_NULL(a);
	CU_ASSERT_PTR_NULL(b);
	free(second);
	zone_free(again);
	unlink(path);
	free(first);
}

static void test_round_trip(void)
{
	zone_t *zone = NULL;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(load(&zone, "dnssd.example.", "dnssd-sample.db", err, sizeof(err)),
	                      GW_OK);
	round_trip(zone, "dnssd.example.");
	zone_free(zone);

	CU_ASSERT_EQUAL_FATAL(load(&zone, "example.", "escapes.db", err, sizeof(err)), GW_OK);
	CU_ASSERT_EQUAL(zone_node_count(zone), 12);
	uint8_t name[ZONE_NAME_MAXLEN];
	CU_ASSERT_PTR_NOT_NULL(zone_find(zone, tname(name, "a\\000b.example.")));
	CU_ASSERT_PTR_NOT_NULL(zone_find(zone, tname(name, "dot\\.in\\.label.example.")));
	const zone_rrset_t *txt = trrset(
	    zone, "Device\\ 00000\\ \\(Floor\\ 2\\)._ipp._tcp.link-000.example.", LDNS_RR_TYPE_TXT);
	CU_ASSERT_FATAL(txt != NULL);
	CU_ASSERT_PTR_NOT_NULL(memmem(txt->rdata, txt->rdata_len, "a \"quoted\" word; not", 20));
	round_trip(zone, "example.");
	zone_free(zone);
}

static void test_dump(void)
{
	static const char *const rrs[] = {
	    "b.example. 60 IN A 192.0.2.2",
	    "example. 60 IN NS ns.example.",
	    "a.example. 60 IN TXT \"t\"",
	    "example. 3600 IN SOA ns.example. host.example. 3 2 3 4 5",
	    "a.example. 60 IN A 192.0.2.1",
	    NULL,
	};
	zone_t *zone = tzone("example.", rrs);
	char *text = tdump(zone);

	CU_ASSERT_STRING_EQUAL(text,
	                       "example.\t3600\tIN\tSOA\tns.example. host.example. 3 2 3 4 5\n"
	                       "example.\t60\tIN\tNS\tns.example.\n"
	                       "a.example.\t60\tIN\tA\t192.0.2.1\n"
	                       "a.example.\t60\tIN\tTXT\t\"t\"\n"
	                       "b.example.\t60\tIN\tA\t192.0.2.2\n");
	free(text);

	/* A write error shows. */
	FILE *full = fopen("/dev/full", "we");
	if (full != NULL) {
		CU_ASSERT_EQUAL(zone_dump(zone, full), GW_EIO);
		fclose(full);
	}
	zone_free(zone);

	/* An empty zone dumps to nothing. */
	zone = tzone("example.", NULL);
	text = tdump(zone);
	CU_ASSERT_STRING_EQUAL(text, "");
	free(text);
	zone_free(zone);
}

int gw_test_register(void)
{
	return gw_test_suite("zone files", (gw_test_t[]){
	                                       {"load_errors", test_load_errors},
	                                       {"load_not_regular", test_load_not_regular},
	                                       {"load_sample", test_load_sample},
	                                       {"ttl_mismatch_warns", test_ttl_mismatch_warns},
	                                       {"ttl_defaults", test_ttl_defaults},
	                                       {"round_trip", test_round_trip},
	                                       {"dump", test_dump},
	                                       {NULL, NULL},
	                                   });
}
