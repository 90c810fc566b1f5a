/* gateway/server: the options added to a finished reply, NSID and the
 * EDNS padding over TLS (reply_opt.c), and the TLSA rollover's state line
 * (tls_state.c). */
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

/* The reply of n octets read back by the query reader, its QR bit hidden
 * for the call. */
static int reread(uint8_t *buf, size_t n, gw_query_t *q)
{
	uint8_t rcode;
	buf[2] &= 0x7f;
	int ret = gw_wire_parse_query(q, buf, n, &rcode);
	buf[2] |= 0x80;
	return ret;
}

/* A reply whose OPT is followed by an A record; returns its length. */
static size_t reply_opt_not_last(uint8_t *buf)
{
	static const uint8_t a_rr[] = {0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0, 0,
	                               0,    60,   0,    4,    1,    2,    3, 4};
	uint8_t add[64];
	memcpy(add, opt, sizeof(opt));
	memcpy(add + sizeof(opt), a_rr, sizeof(a_rr));
	return reply(buf, add, sizeof(opt) + sizeof(a_rr), 2);
}

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
	CU_ASSERT_EQUAL(reread(buf, m, &q), GW_OK);
	CU_ASSERT_TRUE(q.has_padding);
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
	n = reply_opt_not_last(buf);
	memcpy(copy, buf, n);
	CU_ASSERT_EQUAL(gw_pad_reply(buf, n, sizeof(buf), GW_TLS_PAD_BLOCK), n);
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	/* No room for a whole block: sent as it is. */
	n = reply(buf, opt, sizeof(opt), 1);
	CU_ASSERT_EQUAL(gw_pad_reply(buf, n, 200, GW_TLS_PAD_BLOCK), n);
	/* Not a message at all. */
	CU_ASSERT_EQUAL(gw_pad_reply(buf, 5, sizeof(buf), GW_TLS_PAD_BLOCK), 5);
}

/* The last option of the OPT that ends the reply of n octets, whose OPT
 * (of optlen octets) starts at opt_at: its code, length and data. */
static bool last_option(const uint8_t *buf, size_t n, size_t opt_at, uint16_t *code,
                        const uint8_t **data, size_t *len)
{
	size_t rdlen = (size_t)buf[opt_at + 9] << 8 | buf[opt_at + 10];
	size_t pos = opt_at + 11, end = pos + rdlen;
	if (end != n)
		return false;
	while (pos + 4 <= end) {
		*code = (uint16_t)(buf[pos] << 8 | buf[pos + 1]);
		*len = (size_t)buf[pos + 2] << 8 | buf[pos + 3];
		*data = buf + pos + 4;
		if (pos + 4 + *len == end)
			return true;
		pos += 4 + *len;
	}
	return false;
}

/* gw_reply_extras() for a query that asked for NSID, and nothing else. */
static size_t nsid_reply(uint8_t *buf, size_t n, size_t cap, const char *nsid)
{
	gw_query_t q = {.has_nsid = true};
	return gw_reply_extras(buf, n, cap, &q, nsid);
}

/* gw_reply_extras() on the reply of n octets in buf for q, with the
 * identity "gw1.example.com"; the last option of its OPT (which starts
 * at *at) read back. Returns the new length. */
static size_t extras_last(uint8_t *buf, size_t n, const gw_query_t *q, size_t *at, uint16_t *code,
                          const uint8_t **data, size_t *len)
{
	*at = n - sizeof(opt);
	size_t m = gw_reply_extras(buf, n, 2048, q, "gw1.example.com");
	CU_ASSERT_TRUE(last_option(buf, m, *at, code, data, len));
	return m;
}

static void test_nsid(void)
{
	uint8_t buf[2048], copy[2048];
	const uint8_t *data = NULL;
	size_t at = 0, len = 0;
	uint16_t code = 0;
	gw_query_t asks = {.has_nsid = true};
	size_t n = reply(buf, opt, sizeof(opt), 1);
	size_t m = extras_last(buf, n, &asks, &at, &code, &data, &len);
	CU_ASSERT_EQUAL(m, n + 4 + 15);
	CU_ASSERT_EQUAL(code, DNS_EDNS_NSID);
	CU_ASSERT_EQUAL(len, 15);
	CU_ASSERT_EQUAL(memcmp(data, "gw1.example.com", 15), 0);
	/* Still a reply the reader takes whole. */
	gw_query_t q;
	CU_ASSERT_EQUAL(reread(buf, m, &q), GW_OK);
	CU_ASSERT_TRUE(q.has_nsid);
	/* Then padding over TLS: after the NSID, to the block. */
	size_t p = gw_pad_reply(buf, m, sizeof(buf), GW_TLS_PAD_BLOCK);
	CU_ASSERT_EQUAL(p, GW_TLS_PAD_BLOCK);
	CU_ASSERT_TRUE(last_option(buf, p, at, &code, &data, &len));
	CU_ASSERT_EQUAL(code, DNS_EDNS_PADDING);

	/* After an option already there (the guard's cookie). */
	uint8_t add[64];
	memcpy(add, opt, sizeof(opt));
	add[10] = 12;
	static const uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
	memcpy(add + sizeof(opt), cookie, sizeof(cookie));
	n = reply(buf, add, sizeof(opt) + sizeof(cookie), 1);
	m = nsid_reply(buf, n, sizeof(buf), "x");
	CU_ASSERT_EQUAL(m, n + 5);
	CU_ASSERT_EQUAL(buf[at + 10], 12 + 5);
	CU_ASSERT_TRUE(last_option(buf, m, at, &code, &data, &len));
	CU_ASSERT_EQUAL(code, DNS_EDNS_NSID);
	CU_ASSERT_EQUAL(memcmp(buf + at + 11, cookie, sizeof(cookie)), 0);

	/* Left as it was: no identity, an empty one, no room in cap (the
	 * client's UDP size), a truncated reply, no OPT, an OPT that is not
	 * last (a TSIG after it). */
	n = reply(buf, opt, sizeof(opt), 1);
	memcpy(copy, buf, n);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, sizeof(buf), NULL), n);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, sizeof(buf), ""), n);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, n + 4 + 14, "gw1.example.com"), n);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, n + 4 + 15, "gw1.example.com"), n + 19);
	memcpy(buf, copy, n);
	buf[2] |= 0x02; /* TC */
	CU_ASSERT_EQUAL(nsid_reply(buf, n, sizeof(buf), "gw1"), n);
	buf[2] &= (uint8_t)~0x02;
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	n = reply(buf, NULL, 0, 0);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, sizeof(buf), "gw1"), n);
	n = reply_opt_not_last(buf);
	memcpy(copy, buf, n);
	CU_ASSERT_EQUAL(nsid_reply(buf, n, sizeof(buf), "gw1"), n);
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	CU_ASSERT_EQUAL(nsid_reply(buf, 5, sizeof(buf), "gw1"), 5);
}

/* The Extended DNS Error the answerer set: its INFO-CODE alone, before
 * the NSID; none when not set, nor on a truncated reply. */
static void test_ede(void)
{
	uint8_t buf[2048], copy[2048];
	const uint8_t *data = NULL;
	size_t at = 0, len = 0;
	uint16_t code = 0;
	gw_query_t q = {.has_ede = true, .ede = DNS_EDE_NOT_AUTHORITATIVE};
	size_t n = reply(buf, opt, sizeof(opt), 1);
	size_t m = extras_last(buf, n, &q, &at, &code, &data, &len);
	CU_ASSERT_EQUAL(m, n + 6);
	CU_ASSERT_EQUAL(code, DNS_EDNS_EDE);
	CU_ASSERT_EQUAL(len, 2);
	CU_ASSERT_EQUAL(data[0] << 8 | data[1], DNS_EDE_NOT_AUTHORITATIVE);
	/* With NSID asked too: EDE first, then NSID, in one OPT. */
	n = reply(buf, opt, sizeof(opt), 1);
	q.has_nsid = true;
	m = gw_reply_extras(buf, n, sizeof(buf), &q, "gw1");
	CU_ASSERT_EQUAL(m, n + 6 + 7);
	CU_ASSERT_EQUAL(buf[at + 10], 6 + 7);
	CU_ASSERT_EQUAL(buf[n + 1], DNS_EDNS_EDE);
	CU_ASSERT_TRUE(last_option(buf, m, at, &code, &data, &len));
	CU_ASSERT_EQUAL(code, DNS_EDNS_NSID);
	gw_query_t back;
	CU_ASSERT_EQUAL(reread(buf, m, &back), GW_OK);
	/* Nothing set, or a truncated reply: left as it was. */
	n = reply(buf, opt, sizeof(opt), 1);
	memcpy(copy, buf, n);
	gw_query_t none = {0};
	CU_ASSERT_EQUAL(gw_reply_extras(buf, n, sizeof(buf), &none, "gw1"), n);
	buf[2] |= 0x02;
	CU_ASSERT_EQUAL(gw_reply_extras(buf, n, sizeof(buf), &q, "gw1"), n);
	buf[2] &= (uint8_t)~0x02;
	CU_ASSERT_EQUAL(memcmp(buf, copy, n), 0);
	/* A reply the guard made BADCOOKIE (extended rcode 23: 1 in the
	 * OPT): the error's reason is not that one; NSID still goes. */
	uint8_t badcookie[sizeof(opt)];
	memcpy(badcookie, opt, sizeof(opt));
	badcookie[5] = 1;
	n = reply(buf, badcookie, sizeof(badcookie), 1);
	m = extras_last(buf, n, &q, &at, &code, &data, &len);
	CU_ASSERT_EQUAL(m, n + 4 + 15);
	CU_ASSERT_EQUAL(code, DNS_EDNS_NSID);
	n = reply(buf, opt, sizeof(opt), 1);
	/* Room for the EDE but not the NSID: the EDE alone. */
	CU_ASSERT_EQUAL(gw_reply_extras(buf, n, n + 6 + 6, &q, "gw1"), n + 6);
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
	                                {"nsid", test_nsid},
	                                {"ede", test_ede},
	                                {"rollover_line", test_rollover_line},
	                                {NULL, NULL},
	                            });
}
