/* gateway/server: the EDNS padding of replies over TLS (padding.c) and
 * the TLSA rollover's state line (tls_state.c). */
#include <string.h>

#include "cunit.h"
#include "common/error.h"
#include "gateway/query/wire.h"
#include "gateway/server/internal.h"
#include "gateway/server/tls.h"

/* A reply to "www.example. A": header, question, one A record, then the
 * additional records given (raw). Returns its length. */
static size_t reply(uint8_t *buf, const uint8_t *additional, size_t alen, uint16_t arcount)
{
	static const uint8_t head[] =
	    {
	        0x12, 0x34, 0x84, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	        0x00, 0x00, 3,    'w',  'w',  'w',  7,    'e',  'x',  'a',
	        'm',  'p',  'l',  'e',  0,    0x00, 0x01, 0x00, 0x01, /* the A record, its owner a
	                                                                 pointer */
	        0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10,
	        0x00, 0x04, 192,  0,    2,    1,
	    };
	memcpy(buf, head, sizeof(head));
	buf[10] = (uint8_t)(arcount >> 8);
	buf[11] = (uint8_t)arcount;
	if (alen > 0)
		memcpy(buf + sizeof(head), additional, alen);
	return sizeof(head) + alen;
}

/* An OPT with no options (root owner, type 41, size 1232, rdlen 0). */
static const uint8_t opt[] = {0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0, 0, 0x00, 0x00};

static void test_pad(void)
{
	uint8_t buf[2048];
	size_t n = reply(buf, opt, sizeof(opt), 1);
	size_t m = gw_pad_reply(buf, n, sizeof(buf), GW_TLS_PAD_BLOCK);
	CU_ASSERT_EQUAL(m, GW_TLS_PAD_BLOCK);
	/* The OPT grew by the option, and the option is Padding, zeros. */
	size_t at = n - sizeof(opt);
	size_t rdlen = (size_t)buf[at + 9] << 8 | buf[at + 10];
	CU_ASSERT_EQUAL(rdlen, m - n);
	CU_ASSERT_EQUAL(buf[n], 0);
	CU_ASSERT_EQUAL(buf[n + 1], DNS_EDNS_PADDING);
	CU_ASSERT_EQUAL((size_t)buf[n + 2] << 8 | buf[n + 3], m - n - 4);
	bool zeros = true;
	for (size_t i = n + 4; i < m; i++)
		zeros &= buf[i] == 0;
	CU_ASSERT_TRUE(zeros);
	/* Still a well-formed message, with the padding seen by the reader. */
	gw_query_t q;
	uint8_t rcode;
	buf[2] &= 0x7f;
	CU_ASSERT_EQUAL(gw_wire_parse_query(&q, buf, m, &rcode), GW_OK);
	CU_ASSERT_TRUE(q.has_padding);
	buf[2] |= 0x80;
	/* A reply of a block less the option header: an empty Padding. */
	uint8_t big[2048];
	uint8_t add[1024];
	memcpy(add, opt, sizeof(opt));
	size_t k = reply(big, add, sizeof(opt), 1);
	size_t grow = 2 * GW_TLS_PAD_BLOCK - 4 - k; /* what the OPT must grow by */
	add[9] = (uint8_t)((grow + 0) >> 8);
	add[10] = (uint8_t)grow;
	/* option 65001 of grow - 4 octets fills the OPT's RDATA */
	add[11] = 0xfd;
	add[12] = 0xe9;
	add[13] = (uint8_t)((grow - 4) >> 8);
	add[14] = (uint8_t)(grow - 4);
	memset(add + 15, 0xab, grow - 4);
	k = reply(big, add, sizeof(opt) + grow, 1);
	CU_ASSERT_EQUAL(k + 4, 2 * GW_TLS_PAD_BLOCK);
	CU_ASSERT_EQUAL(gw_pad_reply(big, k, sizeof(big), GW_TLS_PAD_BLOCK), k + 4);
}

static void test_no_pad(void)
{
	uint8_t buf[2048], copy[2048];
	/* No OPT: nowhere to put the option. */
	size_t n = reply(buf, NULL, 0, 0);
	memcpy(copy, buf, n);
	CU_ASSERT_EQUAL(gw_pad_reply(buf, n, sizeof(buf), GW_TLS_PAD_BLOCK), n);
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	/* The OPT is not the last record: left alone. */
	uint8_t add[64];
	static const uint8_t a_rr[] = {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0,
	                               0,    60,   0,    4,    1,    2,    3, 4};
	memcpy(add, opt, sizeof(opt));
	memcpy(add + sizeof(opt), a_rr, sizeof(a_rr));
	n = reply(buf, add, sizeof(opt) + sizeof(a_rr), 2);
	memcpy(copy, buf, n);
	CU_ASSERT_EQUAL(gw_pad_reply(buf, n, sizeof(buf), GW_TLS_PAD_BLOCK), n);
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	/* No room for a whole block: sent as it is. */
	n = reply(buf, opt, sizeof(opt), 1);
	CU_ASSERT_EQUAL(gw_pad_reply(buf, n, 200, GW_TLS_PAD_BLOCK), n);
	/* Not a message at all. */
	CU_ASSERT_EQUAL(gw_pad_reply(buf, 5, sizeof(buf), GW_TLS_PAD_BLOCK), 5);
}

static void test_rollover_line(void)
{
	uint8_t d[32], got[32];
	int64_t t = -1;
	char line[128];
	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 7 + 1);
	CU_ASSERT_EQUAL(gw_tls_rollover_format(line, sizeof(line), d, 1796210000), GW_OK);
	CU_ASSERT_EQUAL(gw_tls_rollover_parse(line, strlen(line), got, &t), GW_OK);
	CU_ASSERT_EQUAL(memcmp(got, d, 32), 0);
	CU_ASSERT_EQUAL(t, 1796210000);
	CU_ASSERT_EQUAL(gw_tls_rollover_format(line, 40, d, 1), GW_ESPACE);

#define HEX64 "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	static const char *const bad[] = {
	    "",
	    "\n",
	    /* upper case hex, short hex, no time, no newline, a sign, too long */
	    "0102030405060708090A0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 5\n",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2 5\n",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 \n",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 5",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 -5\n",
	    HEX64 " 12345678901234567890\n",
	    /* 19 digits past INT64_MAX (found by fuzz.tls_state) */
	    HEX64 " 9796210516171000025\n",
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20  5\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = -1;
		CU_ASSERT_EQUAL(gw_tls_rollover_parse(bad[i], strlen(bad[i]), got, &t), GW_EPARSE);
		CU_ASSERT_EQUAL(t, -1);
	}
	const char *ok = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 5\n";
	CU_ASSERT_EQUAL(gw_tls_rollover_parse(ok, strlen(ok), got, &t), GW_OK);
	CU_ASSERT_EQUAL(t, 5);
	CU_ASSERT_EQUAL(got[31], 0x20);
}

int gw_test_register(void)
{
	return gw_test_suite("tls", (gw_test_t[]){
	                                {"pad", test_pad},
	                                {"no_pad", test_no_pad},
	                                {"rollover_line", test_rollover_line},
	                                {NULL, NULL},
	                            });
}
