/* gateway/zonemgr/serial_store.c: the durable serial ceiling. The first
 * serial after a restart or a crash is above every serial served before,
 * RFC 1982 wrap-around, the ceiling raised in blocks (the file after N
 * bumps), files or directories that cannot be used, the floor the journal
 * gives, and a first serial reserved until the start cannot fail. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "cunit.h"
#include "gateway/zonemgr/serial_store.h"
#include "state_dir.h"
#include "zones/zone.h"

#define HALF 0x80000000u

/* The ceiling in dir/serial, which must hold exactly "<decimal>\n". */
static uint32_t file_ceiling(const char *dir)
{
	char text[64];
	tdir_read(text, sizeof(text), dir, "serial");
	char *end = NULL;
	unsigned long v = strtoul(text, &end, 10);
	CU_ASSERT_FATAL(end != text && strcmp(end, "\n") == 0 && v <= UINT32_MAX);
	return (uint32_t)v;
}

/* The inode of dir/serial: every write replaces the file (rename), and the
 * new file is made while the old one still exists, so a new inode means
 * a write. */
static ino_t file_inode(const char *dir)
{
	char path[TDIR_MAX];
	struct stat st;
	CU_ASSERT_FATAL(stat(tdir_path(path, dir, "serial"), &st) == 0);
	return st.st_ino;
}

/* Is every serial in [lo, hi] (RFC 1982, hi at most 2^31 - 1 past lo)
 * behind s? */
static bool ahead_of_range(uint32_t s, uint32_t lo, uint32_t hi)
{
	return zone_serial_cmp(s, lo) == 1 && zone_serial_cmp(s, hi) == 1;
}

/* A start on dir with the zone's own serial: returns the first serial,
 * after checking that the file covers it by a whole block. */
static uint32_t start(const char *dir, uint32_t zone_serial)
{
	gw_serial_t s;
	uint32_t first = 0;
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT_FATAL(gw_serial_first(&s, zone_serial, &first) == GW_OK);
	CU_ASSERT(s.ceiling == first + GW_SERIAL_BLOCK);
	CU_ASSERT(file_ceiling(dir) == first + GW_SERIAL_BLOCK);
	gw_serial_deinit(&s);
	return first;
}

/* First start: no file, the zone's serial as it is, and a ceiling one
 * block above it written before the serial is handed out. */
static void test_first_start(void)
{
	char dir[TDIR_MAX], text[64];
	gw_serial_t s;
	tdir_make(dir, "serial");
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT(!s.known);
	gw_serial_deinit(&s);
	CU_ASSERT(s.path == NULL);
	CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), dir, "serial"), ""); /* none yet */
	CU_ASSERT(start(dir, 100) == 100);
	tdir_remove(dir);
}

/* A clean restart: the zone file still says 100, but 100..150 were
 * served; the first serial is past the whole block. A zone file serial
 * ahead of the ceiling is taken as it is. */
static void test_restart(void)
{
	char dir[TDIR_MAX];
	gw_serial_t s;
	uint32_t cur = 0;
	tdir_make(dir, "serial");
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT_FATAL(gw_serial_first(&s, 100, &cur) == GW_OK);
	while (cur < 150)
		CU_ASSERT_FATAL(gw_serial_next(&s, cur, &cur) == GW_OK);
	gw_serial_deinit(&s);
	CU_ASSERT(file_ceiling(dir) == 100 + GW_SERIAL_BLOCK);

	cur = start(dir, 100);
	CU_ASSERT(cur == 100 + GW_SERIAL_BLOCK + 1);
	CU_ASSERT(ahead_of_range(cur, 100, 150));
	CU_ASSERT(start(dir, 5000) == 5000);
	tdir_remove(dir);
}

/* kill -9 anywhere: each "process" starts from the file the one before
 * left (no deinit), bumps a different number of times, and dies. Every
 * first serial is ahead of everything served by all the ones before. */
static void test_crash(void)
{
	enum { RUNS = 5 };
	static const unsigned bumps[RUNS] = {0, 1, 1023, 1024, 2500};
	char dir[TDIR_MAX];
	gw_serial_t s[RUNS];
	uint32_t lo = 0, hi = 0;
	tdir_make(dir, "serial");
	for (unsigned r = 0; r < RUNS; r++) {
		uint32_t cur = 0;
		CU_ASSERT_FATAL(gw_serial_init(&s[r], dir) == GW_OK);
		CU_ASSERT(s[r].known == (r > 0));
		CU_ASSERT_FATAL(gw_serial_first(&s[r], 100, &cur) == GW_OK);
		if (r == 0) {
			CU_ASSERT(cur == 100);
			lo = cur;
		} else {
			CU_ASSERT(ahead_of_range(cur, lo, hi));
		}
		for (unsigned i = 0; i < bumps[r]; i++) {
			uint32_t next = 0;
			CU_ASSERT_FATAL(gw_serial_next(&s[r], cur, &next) == GW_OK);
			CU_ASSERT_FATAL(next == cur + 1);
			cur = next;
		}
		hi = cur;
	}
	for (unsigned r = 0; r < RUNS; r++)
		gw_serial_deinit(&s[r]);
	tdir_remove(dir);
}

/* The ceiling moves a block at a time: 2100 bumps from 1000 write the
 * file twice (when 2025 and 3050 are handed out), and after every bump the
 * file already covers the serial just handed out. */
static void test_block_raise(void)
{
	char dir[TDIR_MAX];
	gw_serial_t s;
	uint32_t cur = 0;
	uint32_t raised_at[4] = {0};
	unsigned writes = 0;
	tdir_make(dir, "serial");
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT_FATAL(gw_serial_first(&s, 1000, &cur) == GW_OK);
	CU_ASSERT(file_ceiling(dir) == 2024);
	ino_t ino = file_inode(dir);
	for (unsigned i = 0; i < 2100; i++) {
		CU_ASSERT_FATAL(gw_serial_next(&s, cur, &cur) == GW_OK);
		uint32_t ceiling = file_ceiling(dir);
		CU_ASSERT_FATAL(zone_serial_cmp(cur, ceiling) <= 0);
		CU_ASSERT_FATAL(s.ceiling == ceiling);
		ino_t now = file_inode(dir);
		if (now != ino) {
			if (writes < 4)
				raised_at[writes] = cur;
			writes++;
			ino = now;
		}
	}
	CU_ASSERT(cur == 3100);
	CU_ASSERT(writes == 2);
	CU_ASSERT(raised_at[0] == 2025);
	CU_ASSERT(raised_at[1] == 3050);
	char text[64];
	CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), dir, "serial"), "4074\n");
	gw_serial_deinit(&s);
	tdir_remove(dir);
}

/* RFC 1982: through 2^32 - 1 to 0 and on, the ceiling itself wrapping. */
static void test_wrap(void)
{
	char dir[TDIR_MAX];
	gw_serial_t s;
	uint32_t cur = 0;
	tdir_make(dir, "serial");
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT_FATAL(gw_serial_first(&s, UINT32_MAX - 9, &cur) == GW_OK);
	CU_ASSERT(cur == UINT32_MAX - 9);
	CU_ASSERT(file_ceiling(dir) == GW_SERIAL_BLOCK - 10);
	ino_t ino = file_inode(dir);
	for (unsigned i = 0; i < 20; i++) {
		uint32_t next = 0;
		CU_ASSERT_FATAL(gw_serial_next(&s, cur, &next) == GW_OK);
		CU_ASSERT(zone_serial_cmp(next, cur) == 1);
		cur = next;
	}
	CU_ASSERT(cur == 10);
	CU_ASSERT(file_inode(dir) == ino); /* still inside the wrapped block */
	gw_serial_deinit(&s);
	CU_ASSERT(file_ceiling(dir) == GW_SERIAL_BLOCK - 10);

	/* The zone file's serial is now behind (RFC 1982): start past the
	 * wrapped ceiling. */
	cur = start(dir, UINT32_MAX - 9);
	CU_ASSERT(cur == GW_SERIAL_BLOCK - 9);
	CU_ASSERT(ahead_of_range(cur, UINT32_MAX - 9, 10));

	/* A zone serial that is ahead only through the wrap is ahead. */
	tdir_write(dir, "serial", "4294967195\n");
	CU_ASSERT(start(dir, 50) == 50);
	tdir_remove(dir);
}

/* A zone serial exactly 2^31 from the ceiling compares neither way
 * (RFC 1982 3.2): the store does not take it, it starts past the ceiling. */
static void test_undefined_compare(void)
{
	char dir[TDIR_MAX];
	tdir_make(dir, "serial");
	tdir_write(dir, "serial", "1000\n");
	CU_ASSERT(start(dir, 1000 + HALF) == 1001);
	/* Equal to the ceiling: that serial may have been served. */
	CU_ASSERT(start(dir, 1001 + GW_SERIAL_BLOCK) == 1001 + GW_SERIAL_BLOCK + 1);
	/* Ahead of the ceiling, but not of every serial of the last block
	 * (RFC 1982 order is not transitive): 1000 may have been served under
	 * ceiling 2024, and 2024 + 2^31 - 1 is behind 1000. */
	tdir_write(dir, "serial", "2024\n");
	CU_ASSERT(start(dir, 2024 + HALF - 1) == 2025);
	/* Far enough ahead of the whole block: the zone's serial is used. */
	tdir_write(dir, "serial", "2024\n");
	CU_ASSERT(start(dir, 1000 + HALF - 1) == 1000 + HALF - 1);
	tdir_remove(dir);
}

/* A file that is not a serial is an error (GW_EPARSE), never a first
 * start, and is left as it is for the operator. */
static void test_corrupt(void)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "abc\n",
	    "12x\n",
	    " \n",
	    "4294967296\n",
	    "-1\n",
	    "99999999999999999999999\n",
	    "0x10\n",
	    "1.5\n",
	    "12 13\n",
	    /* What the writer never writes: a file cut short by a crash
	     * ("12345\n" that lost its end reads as a lower serial), signs,
	     * blanks, and anything after the one line. */
	    "123",
	    " 42\n",
	    "+42\n",
	    "\t7\n",
	    "42\ngarbage",
	    "42\n\n",
	};
	char dir[TDIR_MAX];
	char text[64];
	tdir_make(dir, "serial");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		gw_serial_t s;
		tdir_write(dir, "serial", bad[i]);
		int ret = gw_serial_init(&s, dir);
		if (ret != GW_EPARSE)
			fprintf(stderr, "\n  serial file '%s': %s\n", bad[i], gw_strerror(ret));
		CU_ASSERT(ret == GW_EPARSE);
		CU_ASSERT(!s.known);
		gw_serial_deinit(&s);
		CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), dir, "serial"), bad[i]);
	}
	tdir_remove(dir);
}

/* Larger than any serial could be: GW_ELIMIT. A directory where the file
 * should be (cannot be read): an error, not a first start. */
static void test_unreadable(void)
{
	char dir[TDIR_MAX], path[TDIR_MAX];
	char big[100];
	gw_serial_t s;
	tdir_make(dir, "serial");
	memset(big, '0', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	tdir_write(dir, "serial", big);
	CU_ASSERT(gw_serial_init(&s, dir) == GW_ELIMIT);
	CU_ASSERT(!s.known);
	gw_serial_deinit(&s);

	tdir_path(path, dir, "serial");
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	CU_ASSERT(gw_serial_init(&s, dir) == GW_ENOTFILE);
	CU_ASSERT(!s.known);
	gw_serial_deinit(&s);
	/* A FIFO in its place is refused at once, not waited on for a
	 * writer (a start that would hang with no word). */
	CU_ASSERT_FATAL(rmdir(path) == 0);
	CU_ASSERT_FATAL(mkfifo(path, 0600) == 0);
	CU_ASSERT(gw_serial_init(&s, dir) == GW_ENOTFILE);
	CU_ASSERT(!s.known);
	gw_serial_deinit(&s);
	CU_ASSERT_FATAL(unlink(path) == 0);
	tdir_remove(dir);
}

/* Nothing can be written (as root too): no serial is handed out that the
 * file does not cover. */
static void test_unwritable(void)
{
	char dir[TDIR_MAX], path[TDIR_MAX], state[TDIR_MAX];
	gw_serial_t s;
	uint32_t cur = 7;
	tdir_make(dir, "serial");

	/* The state directory below a regular file: reading already fails. */
	tdir_write(dir, "file", "x\n");
	tdir_path(state, dir, "file/state");
	CU_ASSERT(gw_serial_init(&s, state) == -ENOTDIR);
	gw_serial_deinit(&s);

	/* A state directory that does not exist reads as a first start, but
	 * the first serial cannot be made durable, so none is given. */
	tdir_path(state, dir, "missing");
	CU_ASSERT_FATAL(gw_serial_init(&s, state) == GW_OK);
	CU_ASSERT(gw_serial_first(&s, 100, &cur) == -ENOENT);
	CU_ASSERT(cur == 7);
	CU_ASSERT(!s.known);
	gw_serial_deinit(&s);

	/* The file turns into a directory after the start: serials inside the
	 * block are still given, the one past it is not until the ceiling can
	 * be raised again. */
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	CU_ASSERT_FATAL(gw_serial_first(&s, 100, &cur) == GW_OK);
	const uint32_t ceiling = 100 + GW_SERIAL_BLOCK;
	tdir_path(path, dir, "serial");
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	CU_ASSERT(gw_serial_next(&s, ceiling - 1, &cur) == GW_OK);
	CU_ASSERT(cur == ceiling);
	CU_ASSERT(gw_serial_next(&s, ceiling, &cur) == -EISDIR);
	CU_ASSERT(cur == ceiling);
	CU_ASSERT(s.ceiling == ceiling);
	CU_ASSERT_FATAL(rmdir(path) == 0);
	CU_ASSERT(gw_serial_next(&s, ceiling, &cur) == GW_OK);
	CU_ASSERT(cur == ceiling + 1);
	CU_ASSERT(file_ceiling(dir) == ceiling + 1 + GW_SERIAL_BLOCK);
	gw_serial_deinit(&s);
	tdir_remove(dir);
}

/* A start with the floor the journal gives: returns the first serial,
 * after checking the file covers it by a whole block. */
static uint32_t start_floor(const char *dir, uint32_t zone_serial, uint32_t served)
{
	gw_serial_t s;
	uint32_t first = 0;
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	gw_serial_set_floor(&s, served);
	CU_ASSERT_FATAL(gw_serial_first(&s, zone_serial, &first) == GW_OK);
	CU_ASSERT(zone_serial_cmp(first, served) == 1);
	CU_ASSERT(file_ceiling(dir) == first + GW_SERIAL_BLOCK);
	gw_serial_deinit(&s);
	return first;
}

/* The journal saw serial 5000 served: a serial file restored from an
 * older backup (ceiling 2024), or removed, does not send the serial
 * behind it; a floor behind the ceiling changes nothing; a zone serial
 * ahead of everything is taken as it is; through the wrap too. */
static void test_floor(void)
{
	char dir[TDIR_MAX], path[TDIR_MAX];
	tdir_make(dir, "serial");
	tdir_write(dir, "serial", "2024\n");
	CU_ASSERT(start_floor(dir, 100, 5000) == 5001);
	/* Without the floor the same file gives a serial behind 5000. */
	tdir_write(dir, "serial", "2024\n");
	CU_ASSERT(start(dir, 100) == 2025);

	CU_ASSERT_FATAL(unlink(tdir_path(path, dir, "serial")) == 0);
	CU_ASSERT(start_floor(dir, 100, 5000) == 5001);
	CU_ASSERT_FATAL(unlink(path) == 0);
	CU_ASSERT(start_floor(dir, 9000, 5000) == 9000);

	/* Behind the ceiling: the ceiling decides. */
	tdir_write(dir, "serial", "8000\n");
	CU_ASSERT(start_floor(dir, 100, 7990) == 8001);

	/* The floor at the wrap, the file behind it: the first serial wraps
	 * too. */
	tdir_write(dir, "serial", "4294960000\n");
	uint32_t first = start_floor(dir, 4294950000u, UINT32_MAX);
	CU_ASSERT(ahead_of_range(first, 4294960000u - GW_SERIAL_BLOCK, UINT32_MAX));
	CU_ASSERT(first <= 1);
	tdir_remove(dir);
}

/* The first serial is reserved in memory only: until gw_serial_sync() (or
 * a commit's gw_serial_next()) the file is as it was, so a start that
 * fails takes the same serial again; then the file covers the block. */
static void test_reserve(void)
{
	char dir[TDIR_MAX], text[64];
	gw_serial_t s;
	uint32_t first = 0, again = 0, next = 0;
	tdir_make(dir, "serial");
	tdir_write(dir, "serial", "2024\n");
	for (int attempt = 0; attempt < 3; attempt++) {
		CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
		gw_serial_reserve(&s, 100, attempt == 0 ? &first : &again);
		CU_ASSERT(s.pending);
		gw_serial_deinit(&s); /* the start failed */
		CU_ASSERT_STRING_EQUAL(tdir_read(text, sizeof(text), dir, "serial"), "2024\n");
	}
	CU_ASSERT(first == 2025 && again == first);

	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	gw_serial_reserve(&s, 100, &first);
	CU_ASSERT(gw_serial_sync(&s) == GW_OK);
	CU_ASSERT(!s.pending);
	CU_ASSERT(file_ceiling(dir) == 2025 + GW_SERIAL_BLOCK);
	CU_ASSERT(gw_serial_sync(&s) == GW_OK); /* nothing pending: no write */
	gw_serial_deinit(&s);

	/* A commit before the start: its serial may be served, so the
	 * reserved block is written then. */
	tdir_write(dir, "serial", "2024\n");
	CU_ASSERT_FATAL(gw_serial_init(&s, dir) == GW_OK);
	gw_serial_reserve(&s, 100, &first);
	CU_ASSERT(gw_serial_next(&s, first, &next) == GW_OK);
	CU_ASSERT(next == 2026 && !s.pending);
	CU_ASSERT(file_ceiling(dir) == 2025 + GW_SERIAL_BLOCK);
	gw_serial_deinit(&s);
	tdir_remove(dir);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"first start", test_first_start},
	    {"restart", test_restart},
	    {"kill -9", test_crash},
	    {"ceiling raised in blocks", test_block_raise},
	    {"RFC 1982 wrap-around", test_wrap},
	    {"undefined comparison", test_undefined_compare},
	    {"corrupt file", test_corrupt},
	    {"unreadable file", test_unreadable},
	    {"unwritable state", test_unwritable},
	    {"floor from the journal", test_floor},
	    {"reserved until synced", test_reserve},
	    {NULL, NULL},
	};
	return gw_test_suite("serial_store", tests);
}
