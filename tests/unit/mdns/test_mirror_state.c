/* mdns/mirror_state.c: the mirror's saved state. Wire records behind a
 * header and a checksum, read back at the next start; the text form of
 * earlier versions still read; a damaged file refused whole, a record
 * that cannot be read ending the read; saves paced by their cost. The
 * pacing is internal to the mirror (mirror_internal.h). */
#include <ldns/ldns.h>
#include <sys/stat.h>
#include <zlib.h>

#include "mirror_fixture.h"
#include "mdns/mirror_internal.h"

#define HEAD 24
static const uint8_t MAGIC[8] = {0x89, 'G', 'W', 'M', 'I', 'R', 'R', '\n'};

static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	uint8_t *buf = malloc(1 << 20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

static void write_all(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	CU_ASSERT_EQUAL_FATAL(fwrite(data, 1, len, fp), len);
	CU_ASSERT_FATAL(fclose(fp) == 0);
}

/* The header of a file whose body is buf[HEAD..len): count records, the
 * right checksum and length. */
static void seal(uint8_t *buf, size_t len, uint32_t count)
{
	memcpy(buf, MAGIC, sizeof(MAGIC));
	ldns_write_uint32(buf + 8, 1);
	ldns_write_uint32(buf + 12, count);
	ldns_write_uint32(buf + 16, (uint32_t)crc32(0, buf + HEAD, (uInt)(len - HEAD)));
	ldns_write_uint32(buf + 20, (uint32_t)(len - HEAD));
}

/* A record's wire form from its text, appended at buf + *len. */
static void put(uint8_t *buf, size_t *len, const char *text)
{
	uint8_t *wire = NULL;
	size_t wlen = 0;
	ldns_rr *rr = trr(text);
	CU_ASSERT_FATAL(ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &wlen) == LDNS_STATUS_OK);
	memcpy(buf + *len, wire, wlen);
	*len += wlen;
	free(wire);
	ldns_rr_free(rr);
}

/* The mirror of f stopped (it saves), and started again on a new zone. */
static void restart(fixture_t *f)
{
	mirror_down(f);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
}

static void test_wire_round_trip(void)
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	expect_printer(f, true);
	mdns_mirror_stats_t st;
	mdns_mirror_get_stats(f->mirror, &st);
	CU_ASSERT(st.published >= 10); /* PRINTER_RRS */
	mirror_down(f);
	size_t len = 0;
	uint8_t *buf = read_all(f->state, &len);
	CU_ASSERT_FATAL(len > HEAD);
	CU_ASSERT_EQUAL(memcmp(buf, MAGIC, sizeof(MAGIC)), 0);
	CU_ASSERT_EQUAL(ldns_read_uint32(buf + 8), 1);
	CU_ASSERT_EQUAL(ldns_read_uint32(buf + 12), st.published);
	CU_ASSERT_EQUAL(ldns_read_uint32(buf + 20), len - HEAD);
	CU_ASSERT_EQUAL(ldns_read_uint32(buf + 16),
	                (uint32_t)crc32(0, buf + HEAD, (uInt)(len - HEAD)));
	/* the instance's label as it is, no text escapes */
	CU_ASSERT_PTR_NOT_NULL(memmem(buf, len, "\x0aMy Printer\x04_ipp", 16));
	free(buf);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
	expect_printer(f, true); /* served before any discovery */
	teardown(f);
}

/* A file an earlier version wrote (zone-file text) is read; the next save
 * writes the wire form. */
static void test_text_upgrade(void)
{
	fixture_t *f = setup_begin(NULL);
	FILE *fp = fopen(f->state, "we");
	CU_ASSERT_FATAL(fp != NULL);
	fputs("; dnssd-gateway: records mirrored from mDNS, served at start until the warm-up "
	      "ends\n",
	      fp);
	for (const char *const *rr = PRINTER_RRS; *rr != NULL; rr++)
		fprintf(fp, "%s\n", *rr);
	CU_ASSERT_FATAL(fclose(fp) == 0);
	zone_new_static(f);
	mirror_up(f);
	expect_printer(f, true);
	mirror_down(f);
	size_t len = 0;
	uint8_t *buf = read_all(f->state, &len);
	CU_ASSERT_FATAL(len > HEAD);
	CU_ASSERT_EQUAL(memcmp(buf, MAGIC, sizeof(MAGIC)), 0);
	free(buf);
	restart(f);
	expect_printer(f, true);
	teardown(f);
}

/* The good file of a printer, damaged by mangle, gives nothing at all. */
static void damaged(void (*mangle)(uint8_t *buf, size_t *len))
{
	fixture_t *f = setup_link(NULL);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	mirror_down(f);
	size_t len = 0;
	uint8_t *buf = read_all(f->state, &len);
	mangle(buf, &len);
	write_all(f->state, buf, len);
	free(buf);
	gw_commit_deinit(&f->commit);
	gw_zoneref_put(f->zone);
	zone_new_static(f);
	mirror_up(f);
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "_ipp._tcp.lan.home.arpa."));
	CU_ASSERT_EQUAL(f->mirror->zones[0].warm_count, 0);
	teardown(f);
}

static void cut_last(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len -= 1;
}

static void cut_header(uint8_t *buf, size_t *len)
{
	(void)buf;
	*len = 20;
}

static void flip_body(uint8_t *buf, size_t *len)
{
	buf[*len - 3] ^= 0x01; /* in the last record's address */
}

static void version_2(uint8_t *buf, size_t *len)
{
	(void)len;
	ldns_write_uint32(buf + 8, 2);
}

static void grown(uint8_t *buf, size_t *len)
{
	/* a record appended, the checksum not: as a torn or crafted file */
	buf[(*len)++] = 0;
}

static void test_damaged(void)
{
	damaged(cut_last);
	damaged(cut_header);
	damaged(flip_body);
	damaged(version_2);
	damaged(grown);
}

/* Behind a good checksum (a crafted file): a record ldns cannot read ends
 * the read, what came before it is kept; a record the mirror would not
 * publish (a wildcard) is skipped, the next one taken. */
static void test_crafted_records(void)
{
	fixture_t *f = setup_begin(NULL);
	uint8_t buf[4096];
	size_t len = HEAD;
	put(buf, &len, "*.lan.home.arpa. 10 IN A 192.0.2.66");
	put(buf, &len, "a.lan.home.arpa. 10 IN A 192.0.2.1");
	/* an owner whose first label claims 80 octets */
	static const uint8_t bad[] = {80, 'x', 0, 0, 1, 0, 1, 0, 0, 0, 10, 0, 4, 192, 0, 2, 2};
	memcpy(buf + len, bad, sizeof(bad));
	len += sizeof(bad);
	put(buf, &len, "c.lan.home.arpa. 10 IN A 192.0.2.3");
	seal(buf, len, 4);
	write_all(f->state, buf, len);
	zone_new_static(f);
	mirror_up(f);
	CU_ASSERT_FALSE(has_name(f, "*.lan.home.arpa."));
	CU_ASSERT(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.1"));
	CU_ASSERT_FALSE(has_name(f, "c.lan.home.arpa."));
	CU_ASSERT_EQUAL(f->mirror->zones[0].warm_count, 1);
	mirror_down(f);

	/* fewer records than the header says: every one read is kept */
	len = HEAD;
	put(buf, &len, "a.lan.home.arpa. 10 IN A 192.0.2.1");
	seal(buf, len, 2);
	write_all(f->state, buf, len);
	restart(f);
	CU_ASSERT(has_rr(f, "a.lan.home.arpa. 10 IN A 192.0.2.1"));
	teardown(f);
}

static void test_pace(void)
{
	mzone_t z = {0};
	CU_ASSERT_DOUBLE_EQUAL(mirror_state_pace(&z), 0.0, 1e-9);
	z.save_ns = 20 * 1000 * 1000; /* 20 ms: 50 times that */
	z.save_octets = 100 * 1024;
	CU_ASSERT_DOUBLE_EQUAL(mirror_state_pace(&z), 1.0, 1e-9);
	z.save_octets = 10 * 1024 * 1024; /* 10 MiB: 4 s each */
	CU_ASSERT_DOUBLE_EQUAL(mirror_state_pace(&z), 40.0, 1e-9);
	z.save_ns = 20ull * 1000 * 1000 * 1000; /* at most 300 s */
	CU_ASSERT_DOUBLE_EQUAL(mirror_state_pace(&z), 300.0, 1e-9);
}

/* A change waits for the pace the last save set; a stop saves at once. */
static void test_paced_save(void)
{
	fixture_t *f = setup_link(NULL);
	mzone_t *z = &f->mirror->zones[0];
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_TRUE(ev_is_active(&z->save));
	/* 1 s, give or take libev's rounding of its end (test_dane.c,
	 * timer_in()). */
	CU_ASSERT(ev_timer_remaining(f->loop, &z->save) <= 1.0 + 1e-6);
	run_for(f, 1100);
	CU_ASSERT_FALSE(z->state_dirty);
	CU_ASSERT(z->save_octets > HEAD);
	CU_ASSERT(z->save_ns > 0);
	CU_ASSERT(access(f->state, R_OK) == 0);
	/* as after a save of 30 s worth of pace */
	z->save_after = ev_now(f->loop) + 30.0;
	printer(f, false);
	mdns_mirror_flush(f->mirror);
	CU_ASSERT_TRUE(z->state_dirty);
	CU_ASSERT(ev_timer_remaining(f->loop, &z->save) > 25.0);
	/* the stop does not wait */
	restart(f);
	CU_ASSERT_FALSE(has_name(f, "printer.lan.home.arpa."));
	CU_ASSERT_FALSE(has_name(f, "My\\032Printer._ipp._tcp.lan.home.arpa."));
	teardown(f);
}

/* A save that fails (here the file's path taken by a directory, as a
 * vanished or full state directory would fail it) is tried again by
 * itself, at 10 s and then twice as long each time, not at the next
 * change; once it succeeds the file is current. The retries are run by
 * invoking the timer rather than waiting for it. */
static void test_failed_save_retried(void)
{
	fixture_t *f = setup_link(NULL);
	mzone_t *z = &f->mirror->zones[0];
	unlink(f->state);
	CU_ASSERT_FATAL(mkdir(f->state, 0700) == 0);
	printer(f, true);
	mdns_mirror_flush(f->mirror);
	run_for(f, 1100);
	CU_ASSERT_TRUE(z->state_dirty);
	CU_ASSERT_TRUE(ev_is_active(&z->save));
	CU_ASSERT_DOUBLE_EQUAL(ev_timer_remaining(f->loop, &z->save), 10.0, 0.5);
	ev_timer_stop(f->loop, &z->save);
	ev_invoke(f->loop, &z->save, EV_TIMER);
	CU_ASSERT_TRUE(z->state_dirty);
	CU_ASSERT_DOUBLE_EQUAL(ev_timer_remaining(f->loop, &z->save), 20.0, 0.5);
	/* the directory goes: the next try saves, with no change meanwhile */
	CU_ASSERT_FATAL(rmdir(f->state) == 0);
	ev_timer_stop(f->loop, &z->save);
	ev_invoke(f->loop, &z->save, EV_TIMER);
	CU_ASSERT_FALSE(z->state_dirty);
	CU_ASSERT_FALSE(ev_is_active(&z->save));
	CU_ASSERT_DOUBLE_EQUAL(z->save_retry, 0.0, 1e-9);
	size_t len = 0;
	uint8_t *buf = read_all(f->state, &len);
	CU_ASSERT(len > HEAD);
	CU_ASSERT(memcmp(buf, MAGIC, sizeof(MAGIC)) == 0);
	CU_ASSERT(memmem(buf, len, "\x07printer", 8) != NULL);
	free(buf);
	teardown(f);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"saved as wire records, served again", test_wire_round_trip},
	    {"an earlier version's text is read, then saved as wire", test_text_upgrade},
	    {"a damaged file gives nothing", test_damaged},
	    {"crafted records behind a good checksum", test_crafted_records},
	    {"the pace of saves", test_pace},
	    {"a change waits for the pace, a stop does not", test_paced_save},
	    {"a failed save is tried again by itself", test_failed_save_retried},
	    {NULL, NULL},
	};
	return gw_test_suite("mirror state", tests);
}
