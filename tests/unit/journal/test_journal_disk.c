/* gateway/journal/'s file: it stays within journal-size (the snapshot
 * included) over a churn and after a restart, a journal-size below the
 * snapshot, a file written by the old rule, an entry damaged in the
 * file, a journal without a file, and the records' CRC-32. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal_churn.h"
#include "journal_file_util.h"

/* transfer.journal-size bounds the file, snapshot included: after every
 * change of a churn the file is within it, rewrites come every few
 * changes only (each drops the oldest entries down to half the room),
 * and what IXFR gets is exact, before and after a restart. */
static void test_file_bound(void)
{
	enum { STEPS = 400, SIZE = 16384 };
	churn_t c;
	churn_init(&c, STEPS, SIZE);
	ino_t ino = 0, was = 0;
	CU_ASSERT(file_size(c.path, &was) == c.snap);
	CU_ASSERT(c.snap > 1024 && c.snap < SIZE / 4);
	unsigned rewrites = 0;
	for (int i = 0; i < STEPS; i++) {
		churn_step(&c.f, c.j, i);
		c.zones[i + 1] = lines_of(c.f.zone);
		CU_ASSERT(file_size(c.path, &ino) <= SIZE);
		rewrites += ino != was;
		was = ino;
	}
	/* Each entry here is some 700 octets: a rewrite every 8 or so. */
	CU_ASSERT(rewrites > STEPS / 50 && rewrites < STEPS / 5);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT(st.entries >= 5);
	CU_ASSERT_EQUAL(st.newest, c.first + STEPS);
	CU_ASSERT_EQUAL(check_ixfr(c.j, st.oldest, c.zones, c.first), st.entries);
	/* The entries' data is in the file, not in memory. */
	CU_ASSERT_EQUAL(st.mem_bytes, 0);
	CU_ASSERT(st.bytes > 0 && st.file_size == (uint64_t)file_size(c.path, NULL));
	printf("\n    journal-size %d: file %llu octets (%zu entries, %llu octets of diffs, "
	       "%u rewrites in %d changes), %llu octets of diffs in memory ",
	       SIZE, (unsigned long long)st.file_size, st.entries, (unsigned long long)st.bytes,
	       rewrites, STEPS, (unsigned long long)st.mem_bytes);
	gw_journal_close(c.j, c.f.zone);
	CU_ASSERT(file_size(c.path, NULL) <= SIZE);

	/* The restart, the zone as it was: the same entries. */
	uint32_t oldest = st.oldest;
	size_t entries = st.entries;
	c.j = open_journal(&c.f, 100000, SIZE);
	gw_journal_sync(c.j, c.f.zone);
	CU_ASSERT(file_size(c.path, NULL) <= SIZE);
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.oldest, oldest);
	CU_ASSERT_EQUAL(check_ixfr(c.j, oldest, c.zones, c.first), entries);
	churn_deinit(&c);
}

/* A file larger than journal-size (as the rule before it bounded the
 * file wrote them, or after journal-size was lowered) is read at start,
 * and rewritten within journal-size. */
static void test_file_over(void)
{
	fixture_t f;
	fixture_init(&f, NSEC);
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	gw_journal_t *j = open_journal(&f, 1000, 1 << 20);
	for (int i = 0; i < 150; i++)
		churn_step(&f, j, i);
	gw_journal_close(j, f.zone);
	CU_ASSERT(file_size(path, NULL) > 3 * 16384);
	j = open_journal(&f, 1000, 16384);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT(st.entries > 3);
	CU_ASSERT_EQUAL(st.newest, serial_of(f.zone));
	gw_journal_sync(j, f.zone);
	CU_ASSERT(file_size(path, NULL) <= 16384);
	gw_journal_get_stats(j, &st);
	CU_ASSERT(st.entries > 3);
	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	CU_ASSERT_EQUAL(gw_journal_find(j, st.oldest, SIZE_MAX, &list, &count, &bytes), GW_OK);
	CU_ASSERT_EQUAL(count, st.entries);
	gw_journal_entries_put(list, count);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* A journal-size below the snapshot: the file holds the snapshot and a
 * quarter of it for entries, the newest change still goes by IXFR. */
static void test_file_small(void)
{
	enum { STEPS = 60 };
	churn_t c;
	churn_init(&c, STEPS, 1024);
	CU_ASSERT(c.snap > 1024);
	for (int i = 0; i < STEPS; i++) {
		churn_step(&c.f, c.j, i);
		c.zones[i + 1] = lines_of(c.f.zone);
		/* The snapshot (which varies by a host: some 400 octets) and
		 * a quarter of it, or the newest entry's record when larger. */
		gw_journal_entry_t *e = gw_journal_newest(c.j);
		CU_ASSERT_PTR_NOT_NULL_FATAL(e);
		off_t rec = 8 + 17 + (off_t)e->size;
		off_t quarter = (c.snap + 400) / 4;
		CU_ASSERT(file_size(c.path, NULL) <=
		          c.snap + 400 + (rec > quarter ? rec : quarter));
		gw_journal_entry_put(e);
		CU_ASSERT(check_ixfr(c.j, c.first + i, c.zones, c.first) >= 1);
	}
	gw_journal_close(c.j, c.f.zone);
	c.j = open_journal(&c.f, 100000, 1024);
	CU_ASSERT(check_ixfr(c.j, c.first + STEPS - 1, c.zones, c.first) == 1);
	churn_deinit(&c);
}

/* The offset of the n-th entry record (0: the first) after the
 * snapshot in the file at path. */
static off_t entry_offset(const char *path, unsigned n)
{
	size_t size = 0;
	uint8_t *buf = tfile_read(path, &size);
	CU_ASSERT_FATAL(buf != NULL && size > 13);
	size_t o = 13 + buf[12];
	o += 8 + ldns_read_uint32(buf + o); /* the snapshot */
	for (unsigned i = 0; i < n && o + 8 <= size; i++)
		o += 8 + ldns_read_uint32(buf + o);
	CU_ASSERT_FATAL(o + 8 < size && buf[o + 8] == 1);
	free(buf);
	return (off_t)o;
}

/* An entry damaged in the file after it left memory: IXFR through it
 * fails (the caller answers with AXFR), never hands out other data (a
 * find over its size bound reads nothing, and does not meet it); the
 * entries after it still go; it and the older are dropped, and the file
 * is rewritten without them at the next change. */
static void test_damaged_entry(void)
{
	enum { STEPS = 20 };
	churn_t c;
	churn_init(&c, STEPS + 1, 1 << 20);
	for (int i = 0; i < STEPS; i++) {
		churn_step(&c.f, c.j, i);
		c.zones[i + 1] = lines_of(c.f.zone);
	}
	CU_ASSERT_EQUAL(check_ixfr(c.j, c.first, c.zones, c.first), STEPS);
	/* One octet of the 11th entry's RRs (100 -> 110 of its 17 + data). */
	off_t at = entry_offset(c.path, 10) + 8 + 17 + 30;
	int fd = open(c.path, O_RDWR);
	CU_ASSERT_FATAL(fd >= 0);
	uint8_t b = 0;
	CU_ASSERT_FATAL(pread(fd, &b, 1, at) == 1);
	b ^= 0x20;
	CU_ASSERT_FATAL(pwrite(fd, &b, 1, at) == 1);
	close(fd);

	gw_journal_entry_t **list = NULL;
	size_t count = 0, bytes = 0;
	/* Over the bound, the index alone answers: the damage is not met. */
	CU_ASSERT_EQUAL(gw_journal_find(c.j, c.first + 5, 100, &list, &count, &bytes), GW_ELIMIT);
	CU_ASSERT(bytes > 100);
	size_t span = bytes;
	CU_ASSERT_EQUAL(gw_journal_find(c.j, c.first + 5, span - 1, &list, &count, &bytes),
	                GW_ELIMIT);
	CU_ASSERT_EQUAL(bytes, span);
	CU_ASSERT_EQUAL(gw_journal_find(c.j, c.first + 5, span, &list, &count, &bytes), GW_EIO);
	CU_ASSERT_EQUAL(gw_journal_find(c.j, c.first + 5, SIZE_MAX, &list, &count, &bytes),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(gw_journal_find(c.j, c.first + 10, SIZE_MAX, &list, &count, &bytes),
	                GW_ENOTFOUND);
	CU_ASSERT_EQUAL(check_ixfr(c.j, c.first + 11, c.zones, c.first), STEPS - 11);
	gw_journal_stats_t st;
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.oldest, c.first + 11);
	/* The next change rewrites the file: after a restart, the same. */
	churn_step(&c.f, c.j, STEPS);
	c.zones[STEPS + 1] = lines_of(c.f.zone);
	gw_journal_close(c.j, c.f.zone);
	c.j = open_journal(&c.f, 100000, 1 << 20);
	gw_journal_get_stats(c.j, &st);
	CU_ASSERT_EQUAL(st.oldest, c.first + 11);
	CU_ASSERT_EQUAL(check_ixfr(c.j, c.first + 11, c.zones, c.first), STEPS + 1 - 11);
	churn_deinit(&c);
}

/* Without a state directory the data stays in memory. */
static void test_memory_only(void)
{
	fixture_t f;
	fixture_init(&f, NSEC);
	gw_journal_t *j = NULL;
	gw_journal_opts_t opts = {.max_entries = 1000, .max_size = 1 << 20};
	CU_ASSERT_FATAL(gw_journal_open(&j, &opts, f.zone) == GW_OK);
	add_hosts(&f, j, 0, 10);
	gw_journal_stats_t st;
	gw_journal_get_stats(j, &st);
	CU_ASSERT_EQUAL(st.entries, 10);
	CU_ASSERT(st.mem_bytes > 0 && st.mem_bytes == st.bytes);
	CU_ASSERT_EQUAL(st.file_size, 0);
	gw_journal_close(j, f.zone);
	fixture_deinit(&f);
}

/* The records' CRC-32 (zlib's in the daemon) is the one the file format
 * has always had: the check value of the IEEE polynomial, and every
 * record the journal writes (a snapshot, entries) carries the CRC of the
 * bit-by-bit reference (journal_file_util.h), so files written before
 * zlib did it stay valid and the other way round. */
static void test_crc32(void)
{
	CU_ASSERT_EQUAL(crc32_bits((const uint8_t *)"123456789", 9), 0xcbf43926u);
	fixture_t f;
	fixture_init(&f, NSEC);
	gw_journal_t *j = open_journal(&f, 10, 1 << 20);
	gw_journal_sync(j, f.zone);
	add_hosts(&f, j, 0, 3);
	gw_journal_close(j, NULL);

	char path[128];
	snprintf(path, sizeof(path), "%s/journal", f.dir);
	size_t size = 0;
	uint8_t *buf = tfile_read(path, &size);
	CU_ASSERT_FATAL(buf != NULL && size > 13);
	size_t o = 13 + buf[12];
	unsigned records = 0;
	while (o + 8 <= size) {
		uint32_t len = ldns_read_uint32(buf + o);
		CU_ASSERT_FATAL(o + 8 + len <= size);
		CU_ASSERT_EQUAL(ldns_read_uint32(buf + o + 4), crc32_bits(buf + o + 8, len));
		o += 8 + len;
		records++;
	}
	CU_ASSERT_EQUAL(o, size);
	CU_ASSERT_EQUAL(records, 1 + 3);
	free(buf);
	fixture_deinit(&f);
}

int gw_test_register(void)
{
	return gw_test_suite("journal file",
	                     (gw_test_t[]){
	                         {"CRC-32 of the records", test_crc32},
	                         {"the file within journal-size", test_file_bound},
	                         {"journal-size below the snapshot", test_file_small},
	                         {"a file over journal-size is read", test_file_over},
	                         {"an entry damaged in the file", test_damaged_entry},
	                         {"in memory only", test_memory_only},
	                         {NULL, NULL},
	                     });
}
