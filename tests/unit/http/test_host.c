/* gateway/http/host.c: which Host headers the status page answers to (the
 * DNS rebinding defence). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cunit.h"
#include "gateway/http/internal.h"

typedef struct row {
	const char *host;
	bool allowed;
} row_t;

static void test_table(void)
{
	char *hosts[] = {"router.lan", "gw.example"};
	static const row_t rows[] = {
	    {NULL, true}, /* HTTP/1.0 sends none */
	    {"192.0.2.1", true},
	    {"192.0.2.1:9153", true},
	    {"127.0.0.1", true},
	    {"[2001:db8::1]", true},
	    {"[2001:db8::1]:9153", true},
	    {"[::1]", true},
	    {"localhost", true},
	    {"LOCALHOST:8080", true},
	    {"router.lan", true},
	    {"Router.LAN:9153", true},
	    {"router.lan.", true},
	    {"gw.example", true},
	    {"evil.example", false},
	    {"router.lan.evil.example", false},
	    {"evil.router.lan", false},
	    {"", false},
	    {"2001:db8::1", false},    /* IPv6 must be bracketed */
	    {"[2001:db8::1", false},   /* unclosed */
	    {"[2001:db8::1]x", false}, /* junk after ] */
	    {"[evil.example]", false}, /* not an address */
	    {"192.0.2.1.evil.example", false},
	    {"192.0.2", false}, /* inet_pton needs four parts */
	    {"localhost.evil.example", false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool got = gw_http_host_allowed(rows[i].host, hosts, 2);
		if (got != rows[i].allowed)
			fprintf(stderr, "\nHost %s: %d\n", rows[i].host ? rows[i].host : "(none)",
			        got);
		CU_ASSERT_EQUAL(got, rows[i].allowed);
	}
	/* Without metrics.hosts only addresses and localhost. */
	CU_ASSERT_FALSE(gw_http_host_allowed("router.lan", NULL, 0));
	CU_ASSERT_TRUE(gw_http_host_allowed("192.0.2.1", NULL, 0));
	/* Longer than any host name. */
	char lng[400];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CU_ASSERT_FALSE(gw_http_host_allowed(lng, NULL, 0));
}

int gw_test_register(void)
{
	return gw_test_suite("host", (gw_test_t[]){
	                                 {"Host header table", test_table},
	                                 {NULL, NULL},
	                             });
}
