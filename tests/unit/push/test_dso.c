/* The DSO reader against a table of messages: the well-formed ones, and
 * each malformation RFC 8490 5.4 and RFC 8765 name; the writer's output
 * read back. */
#include <string.h>

#include "cunit.h"
#include "common/error.h"
#include "gateway/push/dso.h"

#define HDR(id_hi, id_lo, qr) id_hi, id_lo, (uint8_t)((qr) << 7 | 6 << 3), 0, 0, 0, 0, 0, 0, 0, 0, 0

typedef struct {
	const char *what;
	uint8_t msg[64];
	size_t len;
	int ret;
	uint16_t primary; /* when GW_OK */
	unsigned additional;
} dso_case_t;

static const dso_case_t cases[] = {
    {"KEEPALIVE request", {HDR(0, 1, 0), 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 2}, 24, GW_OK, 1, 0},
    {"SUBSCRIBE with a PADDING after",
     {HDR(0, 2, 0), 0, 0x40, 0, 7, 1, 'a', 0, 0, 12, 0, 1, 0, 3, 0, 2, 0, 0},
     12 + 11 + 6,
     GW_OK,
     0x40,
     1},
    {"response without TLV", {HDR(0, 2, 1)}, 12, GW_OK, 0, 0},
    {"short header", {0, 1, 6 << 3, 0, 0}, 5, GW_EMALFORMED, 0, 0},
    {"opcode QUERY", {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, 16, GW_EMALFORMED, 0, 0},
    {"QDCOUNT 1", {0, 1, 6 << 3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}, 16, GW_EMALFORMED, 0, 0},
    {"ARCOUNT 1", {0, 1, 6 << 3, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0}, 16, GW_EMALFORMED, 0, 0},
    {"request without TLV", {HDR(0, 1, 0)}, 12, GW_EMALFORMED, 0, 0},
    {"TLV header cut", {HDR(0, 1, 0), 0, 1, 0}, 15, GW_EMALFORMED, 0, 0},
    {"TLV longer than the message", {HDR(0, 1, 0), 0, 1, 0, 8, 0, 0}, 18, GW_EMALFORMED, 0, 0},
    {"PADDING as primary", {HDR(0, 1, 0), 0, 3, 0, 0}, 16, GW_EMALFORMED, 0, 0},
    /* A SUBSCRIBE response has no primary TLV; padded, it holds only the
     * PADDING (found by fuzz_dso: the session sends these). */
    {"response with only a PADDING", {HDR(0, 2, 1), 0, 3, 0, 2, 0, 0}, 18, GW_OK, 0, 0},
};

static void test_read_table(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const dso_case_t *c = &cases[i];
		gw_dso_msg_t m;
		int ret = gw_dso_read(c->msg, c->len, &m);
		if (ret != c->ret)
			fprintf(stderr, "case '%s': %d, want %d\n", c->what, ret, c->ret);
		CU_ASSERT_EQUAL(ret, c->ret);
		if (ret == GW_OK && c->primary != 0) {
			CU_ASSERT(m.has_primary);
			CU_ASSERT_EQUAL(m.primary.type, c->primary);
			CU_ASSERT_EQUAL(m.additional, c->additional);
		}
	}
	/* The padded response: no primary, one additional TLV, padded. */
	static const uint8_t padded[] = {HDR(0, 2, 1), 0, 3, 0, 2, 0, 0};
	gw_dso_msg_t m;
	CU_ASSERT_EQUAL_FATAL(gw_dso_read(padded, sizeof(padded), &m), GW_OK);
	CU_ASSERT_FALSE(m.has_primary);
	CU_ASSERT_EQUAL(m.additional, 1);
	CU_ASSERT_TRUE(m.padded);
}

static void test_header_fields(void)
{
	const uint8_t msg[] = {HDR(0x12, 0x34, 1)};
	uint8_t bad[] = {HDR(0xab, 0xcd, 0), 0, 1};
	gw_dso_msg_t m;
	CU_ASSERT_EQUAL(gw_dso_read(msg, sizeof(msg), &m), GW_OK);
	CU_ASSERT_EQUAL(m.id, 0x1234);
	CU_ASSERT(m.response);
	CU_ASSERT(!m.has_primary);
	/* A malformed request still gives its ID: FORMERR goes back to it. */
	CU_ASSERT_EQUAL(gw_dso_read(bad, sizeof(bad), &m), GW_EMALFORMED);
	CU_ASSERT_EQUAL(m.id, 0xabcd);
	CU_ASSERT(!m.response);
}

static void test_subscribe_data(void)
{
	uint8_t name[256];
	uint16_t type, rrclass, id;
	const uint8_t ok[] = {4, '_', 'i', 'p', 'p', 0, 0, 12, 0, 1};
	gw_dso_tlv_t t = {GW_DSO_SUBSCRIBE, sizeof(ok), ok};
	CU_ASSERT_EQUAL(gw_push_subscribe_read(&t, name, &type, &rrclass), GW_OK);
	CU_ASSERT_EQUAL(memcmp(name, ok, 6), 0);
	CU_ASSERT_EQUAL(type, 12);
	CU_ASSERT_EQUAL(rrclass, 1);
	const uint8_t trailing[] = {1, 'a', 0, 0, 12, 0, 1, 9};
	t = (gw_dso_tlv_t){GW_DSO_SUBSCRIBE, sizeof(trailing), trailing};
	CU_ASSERT_EQUAL(gw_push_subscribe_read(&t, name, &type, &rrclass), GW_EMALFORMED);
	const uint8_t pointer[] = {0xc0, 12, 0, 12, 0, 1};
	t = (gw_dso_tlv_t){GW_DSO_SUBSCRIBE, sizeof(pointer), pointer};
	CU_ASSERT_EQUAL(gw_push_subscribe_read(&t, name, &type, &rrclass), GW_EMALFORMED);
	const uint8_t unended[] = {3, 'a', 'b', 'c'};
	t = (gw_dso_tlv_t){GW_DSO_SUBSCRIBE, sizeof(unended), unended};
	CU_ASSERT_EQUAL(gw_push_subscribe_read(&t, name, &type, &rrclass), GW_EMALFORMED);
	const uint8_t uid[] = {0, 7}, zero[] = {0, 0};
	t = (gw_dso_tlv_t){GW_DSO_UNSUBSCRIBE, 2, uid};
	CU_ASSERT_EQUAL(gw_push_unsubscribe_read(&t, &id), GW_OK);
	CU_ASSERT_EQUAL(id, 7);
	t = (gw_dso_tlv_t){GW_DSO_UNSUBSCRIBE, 2, zero};
	CU_ASSERT_EQUAL(gw_push_unsubscribe_read(&t, &id), GW_EMALFORMED);
	t = (gw_dso_tlv_t){GW_DSO_UNSUBSCRIBE, 1, uid};
	CU_ASSERT_EQUAL(gw_push_unsubscribe_read(&t, &id), GW_EMALFORMED);
}

static void test_reconfirm_data(void)
{
	uint8_t name[256];
	uint16_t type, rrclass, rdlen;
	const uint8_t *rdata;
	const uint8_t ok[] = {1, 'a', 0, 0, 1, 0, 1, 192, 0, 2, 1};
	gw_dso_tlv_t t = {GW_DSO_RECONFIRM, sizeof(ok), ok};
	CU_ASSERT_EQUAL(gw_push_reconfirm_read(&t, name, &type, &rrclass, &rdata, &rdlen), GW_OK);
	CU_ASSERT_EQUAL(rdlen, 4);
	CU_ASSERT_EQUAL(rdata[0], 192);
	const uint8_t nordata[] = {1, 'a', 0, 0, 1, 0, 1};
	t = (gw_dso_tlv_t){GW_DSO_RECONFIRM, sizeof(nordata), nordata};
	CU_ASSERT_EQUAL(gw_push_reconfirm_read(&t, name, &type, &rrclass, &rdata, &rdlen),
	                GW_EMALFORMED);
	const uint8_t any[] = {1, 'a', 0, 0, 255, 0, 1, 1};
	t = (gw_dso_tlv_t){GW_DSO_RECONFIRM, sizeof(any), any};
	CU_ASSERT_EQUAL(gw_push_reconfirm_read(&t, name, &type, &rrclass, &rdata, &rdlen),
	                GW_EMALFORMED);
}

static void test_writer(void)
{
	uint8_t out[64];
	size_t n = gw_dso_begin(out, sizeof(out), 0x0102, true, 11);
	CU_ASSERT_EQUAL(n, 12);
	CU_ASSERT_EQUAL(gw_dso_keepalive_put(out, sizeof(out), &n, 15000, 20000), GW_OK);
	CU_ASSERT_EQUAL(gw_dso_retry_delay_put(out, sizeof(out), &n, 60000), GW_OK);
	gw_dso_msg_t m;
	CU_ASSERT_EQUAL_FATAL(gw_dso_read(out, n, &m), GW_OK);
	CU_ASSERT_EQUAL(m.id, 0x0102);
	CU_ASSERT(m.response);
	CU_ASSERT_EQUAL(m.rcode, 11);
	CU_ASSERT_EQUAL(m.primary.type, GW_DSO_KEEPALIVE);
	CU_ASSERT_EQUAL(m.additional, 1);
	uint32_t a, b;
	CU_ASSERT_EQUAL(gw_dso_keepalive_read(&m.primary, &a, &b), GW_OK);
	CU_ASSERT_EQUAL(a, 15000);
	CU_ASSERT_EQUAL(b, 20000);
	size_t full = n;
	CU_ASSERT_EQUAL(gw_dso_tlv_put(out, full + 3, &n, 9, NULL, 0), GW_ESPACE);
	CU_ASSERT_EQUAL(n, full);
	CU_ASSERT_EQUAL(gw_dso_begin(out, 11, 1, false, 0), 0);
}

int gw_test_register(void)
{
	return gw_test_suite("dso", (gw_test_t[]){
	                                {"reader table", test_read_table},
	                                {"header fields", test_header_fields},
	                                {"SUBSCRIBE and UNSUBSCRIBE data", test_subscribe_data},
	                                {"RECONFIRM data", test_reconfirm_data},
	                                {"writer", test_writer},
	                                {NULL, NULL},
	                            });
}
