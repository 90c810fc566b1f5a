/* gateway/server: who counts as one client for the per-client limit, and
 * which connections a newcomer may replace. */
#include <arpa/inet.h>
#include <string.h>

#include "cunit.h"
#include "gateway/server/internal.h"

static void client_of(const char *text, gw_client_key_t *out)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(text, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(1234);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(5678);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
	gw_client_key_of((const struct sockaddr *)&ss, out);
}

static bool same(const char *a, const char *b)
{
	gw_client_key_t x, y;
	client_of(a, &x);
	client_of(b, &y);
	return gw_client_key_equal(&x, &y);
}

static void test_client(void)
{
	CU_ASSERT_TRUE(same("192.0.2.1", "192.0.2.1"));
	CU_ASSERT_FALSE(same("192.0.2.1", "192.0.2.2"));
	/* One IPv6 host usually holds a /64: its addresses are one client. */
	CU_ASSERT_TRUE(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	CU_ASSERT_FALSE(same("2001:db8:1:2::1", "2001:db8:1:3::1"));
	/* Families never mix, even where the octets would match. */
	CU_ASSERT_FALSE(same("192.0.2.1", "c000:201::"));
	/* An IPv4-mapped address (a dual-stack socket) is its IPv4 address. */
	CU_ASSERT_TRUE(same("192.0.2.1", "::ffff:192.0.2.1"));
	CU_ASSERT_FALSE(same("192.0.2.1", "::ffff:192.0.2.2"));
}

static void test_evictable(void)
{
	uint8_t in[8] = {0};
	uint8_t out[8] = {0};
	gw_tcp_conn_t c;
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.out = out;
	c.active = 100.0;

	/* Never sent a whole message: may go at once. */
	CU_ASSERT_TRUE(gw_tcp_conn_evictable(&c, 100.0));
	/* Answered: only after GW_TCP_EVICT_AFTER of silence. */
	c.messages = 1;
	CU_ASSERT_FALSE(gw_tcp_conn_evictable(&c, 100.0 + GW_TCP_EVICT_AFTER / 2));
	CU_ASSERT_TRUE(gw_tcp_conn_evictable(&c, 100.0 + GW_TCP_EVICT_AFTER));
	/* A message trickling in does not make it busy. */
	in[0] = 0;
	in[1] = 200;
	c.in_len = 5;
	CU_ASSERT_TRUE(gw_tcp_conn_evictable(&c, 100.0 + GW_TCP_EVICT_AFTER));
	/* A whole query waiting for its turn: our move, never. */
	in[1] = 3;
	CU_ASSERT_FALSE(gw_tcp_conn_evictable(&c, 1e9));
	c.in_len = 0;
	/* Output the client has yet to read, or a transfer: never. */
	c.out_len = 4;
	CU_ASSERT_FALSE(gw_tcp_conn_evictable(&c, 1e9));
	c.out_off = 4;
	CU_ASSERT_TRUE(gw_tcp_conn_evictable(&c, 1e9));
	c.xfr_active = true;
	CU_ASSERT_FALSE(gw_tcp_conn_evictable(&c, 1e9));
}

int gw_test_register(void)
{
	return gw_test_suite("tcp_admit", (gw_test_t[]){
	                                      {"client", test_client},
	                                      {"evictable", test_evictable},
	                                      {NULL, NULL},
	                                  });
}
