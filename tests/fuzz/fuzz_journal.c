/* libFuzzer target for the journal file reader (gateway/journal/: the
 * window, the scan of the records, the walk of the zone served last):
 * what <state>/journal holds at start, read by gw_journal_load_fd() (the
 * journal connected to the zone built at start) and gw_journal_last_fd()
 * (the zone served last, RRset by RRset, for its signatures). The file is
 * a memfd.
 *
 * The first octet chooses: bit 0 set, gw_journal_last_fd(), else
 * gw_journal_load_fd() against a fixed zone (example., serial 200); bit 1
 * set, the target writes the right CRC-32 into every record it can find
 * before the reader sees it, so that mutations reach what is behind the
 * checksum; bit 2 set, a window of 64 octets instead of 256 KiB, so that
 * refills and growth are exercised; bit 3 set, the serial floor's walk
 * of the record heads (gw_journal_floor_fd(), floor.c) reads the file
 * first. The rest is the file.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks: a
 * damaged tail is inside the file; the walk hands out RRsets in canonical
 * order, each with at least one RR; a loaded journal ends at the zone's
 * serial, its entries follow each other, and each is what IXFR sends:
 * exactly removed + added RRs, the removed opening with the apex SOA at
 * its from serial and the added with the apex SOA at its to serial; the
 * floor is found, or the file has none, is not a journal of this zone, or
 * ends inside a header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <zlib.h>

#include "common/error.h"
#include "common/log.h"
#include "gateway/journal/internal.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_journal: broken promise: %s (line %d)\n", #cond,     \
			        __LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define ZONE_SERIAL 200
#define INPUT_MAX   (1 << 16)

static const char *const g_zone_text[] = {
    "example. 3600 IN SOA ns.example. host.example. 200 3600 600 86400 300",
    "example. 3600 IN NS ns.example.",
    "ns.example. 3600 IN A 192.0.2.53",
    "www.example. 300 IN A 192.0.2.80",
    "b._dns-sd._udp.example. 300 IN PTR lan.example.",
    NULL,
};

static zone_t *g_zone;
static uint8_t g_apex[ZONE_NAME_MAXLEN];

static void setup(void)
{
	ldns_rdf *apex = NULL;
	/* FUZZ_LOG=1 shows why each input is refused (checking seeds). */
	if (getenv("FUZZ_LOG") == NULL) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
	} else {
		gw_log_set_level(GW_LOG_DEBUG);
	}
	if (ldns_str2rdf_dname(&apex, "example.") != LDNS_STATUS_OK)
		abort();
	memcpy(g_apex, ldns_rdf_data(apex), ldns_rdf_size(apex));
	ldns_rdf_deep_free(apex);
	if (zone_new(&g_zone, g_apex) != GW_OK)
		abort();
	for (size_t i = 0; g_zone_text[i] != NULL; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, g_zone_text[i], 0, NULL, NULL) != LDNS_STATUS_OK ||
		    zone_add_rr(g_zone, rr) != GW_OK)
			abort();
		ldns_rr_free(rr);
	}
}

/* The right CRC-32 into each record found after the header. */
static void fix_crcs(uint8_t *buf, size_t len)
{
	if (len < 13)
		return;
	size_t pos = 13 + (size_t)buf[12];
	while (pos <= len && len - pos >= 8) {
		size_t plen = ldns_read_uint32(buf + pos);
		if (plen > len - pos - 8)
			return;
		uint32_t crc = (uint32_t)crc32(0, buf + pos + 8, (uInt)plen);
		buf[pos + 4] = (uint8_t)(crc >> 24);
		buf[pos + 5] = (uint8_t)(crc >> 16);
		buf[pos + 6] = (uint8_t)(crc >> 8);
		buf[pos + 7] = (uint8_t)crc;
		pos += 8 + plen;
	}
}

/* The apex SOA at p, rr_len octets, with serial. */
static void check_soa(const uint8_t *p, size_t rr_len, uint32_t serial)
{
	CHECK(rr_len > 0);
	CHECK(gw_journal_rr_type(p) == DNS_T_SOA);
	CHECK(zone_name_equal(p, g_apex));
	CHECK(rr_len >= (size_t)zone_name_len(p, rr_len) + DNS_RR_FIXED_LEN + 22);
	CHECK(gw_journal_soa_serial(p, rr_len) == serial);
}

static void check_entry(const gw_journal_entry_t *e)
{
	size_t o = 0;
	CHECK(e->removed >= 1 && e->added >= 1);
	for (uint64_t i = 0; i < (uint64_t)e->removed + e->added; i++) {
		size_t l = gw_journal_rr_len(e->data + o, e->size - o);
		CHECK(l > 0);
		if (i == 0)
			check_soa(e->data + o, l, e->from);
		if (i == e->removed)
			check_soa(e->data + o, l, e->to);
		o += l;
	}
	CHECK(o == e->size);
}

static void fuzz_load(int fd, size_t len, size_t win)
{
	gw_journal_t j = {.fd = -1, .path = "fuzz-journal"};
	uint64_t torn = 0;
	j.opts.max_entries = 1000;
	j.opts.max_size = 1 << 30;
	memcpy(j.apex, g_apex, sizeof(g_apex));
	int ret = gw_journal_load_fd(&j, g_zone, fd, win, &torn);
	CHECK(ret == GW_OK);
	CHECK(torn <= len);
	if (j.count > 0) {
		CHECK(j.entries[j.count - 1]->to == ZONE_SERIAL);
		for (size_t i = 0; i < j.count; i++) {
			check_entry(j.entries[i]);
			if (i > 0)
				CHECK(j.entries[i - 1]->to == j.entries[i]->from);
		}
	}
	if (j.have_serial)
		CHECK(j.serial == ZONE_SERIAL);
	gw_journal_drop_entries(&j);
	free(j.entries);
}

/* The walk's promises: RRsets in order, none empty. */
typedef struct seen {
	bool any;
	uint8_t owner[ZONE_NAME_MAXLEN];
	uint16_t type;
} seen_t;

static int check_rrset(void *ctx, const uint8_t *owner, const zone_rrset_t *rrset)
{
	seen_t *s = ctx;
	CHECK(rrset->count > 0);
	CHECK(zone_name_len(owner, ZONE_NAME_MAXLEN) > 0);
	if (s->any) {
		int c = zone_name_cmp(s->owner, owner);
		CHECK(c < 0 || (c == 0 && s->type < rrset->type));
	}
	s->any = true;
	memcpy(s->owner, owner, (size_t)zone_name_len(owner, ZONE_NAME_MAXLEN));
	s->type = rrset->type;
	return GW_OK;
}

static void fuzz_floor(int fd)
{
	uint32_t floor = 0;
	int ret = gw_journal_floor_fd(fd, "fuzz-journal", g_apex, &floor);
	CHECK(ret == GW_OK || ret == GW_ENOTFOUND || ret == GW_EPARSE || ret == GW_EIO);
}

static void fuzz_last(int fd, size_t len, size_t win)
{
	seen_t seen = {0};
	uint64_t torn = 0;
	char why[200] = "";
	(void)gw_journal_last_fd(fd, g_apex, win, check_rrset, &seen, &torn, why, sizeof(why));
	CHECK(torn <= len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_zone == NULL)
		setup();
	if (size < 1 || size - 1 > INPUT_MAX)
		return 0;
	uint8_t *buf = malloc(size - 1 > 0 ? size - 1 : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 2)
		fix_crcs(buf, size - 1);
	int fd = memfd_create("fuzz-journal", MFD_CLOEXEC);
	if (fd < 0 || (size > 1 && write(fd, buf, size - 1) != (ssize_t)(size - 1)))
		abort();
	size_t win = data[0] & 4 ? 64 : 0;
	if (data[0] & 8)
		fuzz_floor(fd);
	if (data[0] & 1)
		fuzz_last(fd, size - 1, win);
	else
		fuzz_load(fd, size - 1, win);
	close(fd);
	free(buf);
	return 0;
}
