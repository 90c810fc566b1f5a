/* libFuzzer target for the mirror's saved state (<state>/mirror.zone):
 * mirror_state_parse() in mdns/mirror_state.c, the records a restart
 * serves until the links are rediscovered, in either form it reads (wire
 * records behind a header and checksum, or the text of earlier versions).
 * The input is the file's content. The
 * mirror is built as the daemon builds it (home.arpa., one link "lan"),
 * without discovery; the name static.lan.home.arpa. belongs to the
 * static zone.
 *
 * Besides ASan and UBSan, the target aborts when a promise breaks: what
 * is taken back is only what the mirror itself publishes (PTR, SRV, TXT,
 * A, AAAA strictly below the apex, never a wildcard, never a name of the
 * static zone), and the count the reader gives is the entries taken. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <ldns/util.h>
#include <zlib.h>

#include "common/error.h"
#include "common/log.h"
#include "mdns/mirror_internal.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_mirror_state: broken promise: %s (line %d)\n",       \
			        #cond, __LINE__);                                                  \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#define INPUT_MAX (1 << 16)

static struct ev_loop *g_loop;
static uint8_t g_domain[ZONE_NAME_MAXLEN];
static uint8_t g_static[ZONE_NAME_MAXLEN];
static const mdns_link_config_t g_link = {.interface = "eth0", .subdomain = "lan"};
static char g_subtype[] = "_universal._sub._ipp._tcp";
static char *const g_subtypes[] = {g_subtype};

static bool reserved(void *arg, const uint8_t *name)
{
	(void)arg;
	return zone_name_equal(name, g_static);
}

static int no_commit(void *arg, const zone_changeset_t *cs)
{
	(void)arg;
	(void)cs;
	return GW_OK;
}

static mdns_mirror_zone_t g_zone = {
    .domain_str = "home.arpa.",
    .state_file = "/nonexistent/mirror.zone",
    .commit = no_commit,
    .reserved = reserved,
};

static mdns_mirror_t *mirror_up(void)
{
	mdns_mirror_t *m = NULL;
	mdns_mirror_opts_t opts = {
	    .cfg =
	        {
	            .zones = &g_zone,
	            .zone_count = 1,
	            .links = &g_link,
	            .link_count = 1,
	            .subtypes = g_subtypes,
	            .subtype_count = 1,
	            .ipv4 = true,
	            .ipv6 = true,
	            .ttl_cap = 10,
	            .batch_window_ms = 20,
	            .warmup_ms = 150,
	            .link_grace_ms = 150,
	            .limits = {.services_per_link = 1000,
	                       .records_per_name = 32,
	                       .txt_size = 1300,
	                       .changes_per_second = 100000},
	        },
	    .discover = false,
	};
	g_zone.domain = g_domain;
	g_zone.domain_len = (size_t)zone_name_from_str(g_domain, "home.arpa.", NULL);
	if (mdns_mirror_new(&m, g_loop, &opts) != GW_OK)
		abort();
	return m;
}

static void check_taken(const mzone_t *z, size_t count)
{
	CHECK(count == z->warm_count);
	for (size_t i = 0; i < z->warm_count; i++) {
		const ent_t *e = z->warm[i];
		const uint8_t *owner = e->data;
		CHECK(e->warm);
		CHECK(e->type == DNS_T_PTR || e->type == DNS_T_SRV || e->type == DNS_T_TXT ||
		      e->type == DNS_T_A || e->type == DNS_T_AAAA);
		CHECK(zone_name_len(owner, e->owner_len) == e->owner_len);
		CHECK(zone_name_is_subdomain(owner, g_domain) && !zone_name_equal(owner, g_domain));
		CHECK(!zone_name_equal(owner, g_static));
		CHECK(mdns_name_vet(owner, MDNS_USE_TYPE) != MDNS_VET_WILDCARD);
		CHECK(e->warm_ttl <= 10);
	}
}

/* A wire input whose header gives 0 as the checksum gets the right
 * checksum and length before the reader sees it, so that mutations reach
 * the records behind them (the seeds are written so); any other header is
 * read as it is, and a wrong checksum refuses the file. */
static void fix_header(uint8_t *buf, size_t len)
{
	static const uint8_t magic[8] = {0x89, 'G', 'W', 'M', 'I', 'R', 'R', '\n'};
	if (len < 24 || memcmp(buf, magic, sizeof(magic)) != 0 || ldns_read_uint32(buf + 16) != 0)
		return;
	ldns_write_uint32(buf + 16, (uint32_t)crc32(0, buf + 24, (uInt)(len - 24)));
	ldns_write_uint32(buf + 20, (uint32_t)(len - 24));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_loop == NULL) {
		gw_log_set_level(GW_LOG_ERR);
		gw_log_set_stderr(false);
		g_loop = ev_loop_new(EVFLAG_AUTO);
		if (g_loop == NULL || zone_name_from_str(g_domain, "home.arpa.", NULL) < 0 ||
		    zone_name_from_str(g_static, "static.lan.home.arpa.", NULL) < 0)
			abort();
	}
	if (size > INPUT_MAX)
		return 0;
	/* As gw_file_read() gives it: an exact copy with a NUL after it. */
	char *text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	fix_header((uint8_t *)text, size);
	mdns_mirror_t *m = mirror_up();
	size_t count = 0;
	int ret = mirror_state_parse(&m->zones[0], text, size, &count);
	CHECK(ret == GW_OK || ret == GW_ENOMEM || ret == GW_EPARSE);
	if (ret == GW_OK)
		check_taken(&m->zones[0], count);
	if (ret == GW_EPARSE) /* a header or checksum refused: nothing taken */
		CHECK(count == 0 && m->zones[0].warm_count == 0);
	mdns_mirror_free(m);
	free(text);
	return 0;
}
