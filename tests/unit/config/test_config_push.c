/* gateway/config/: the push keys: off by default, the RFC 8490 default
 * timeouts, values read, and bad values reported at their line. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

static void test_push_defaults(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\n", &cfg, &errs), GW_OK);
	CU_ASSERT_FALSE(cfg->push.enable);
	CU_ASSERT_FALSE(cfg->push.plain_tcp);
	CU_ASSERT_EQUAL(cfg->push.inactivity_ms, 15000);
	CU_ASSERT_EQUAL(cfg->push.keepalive_ms, 15000);
	CU_ASSERT_EQUAL(cfg->push.retry_delay_ms, 60000);
	CU_ASSERT_EQUAL(cfg->push.max_sessions, 1000);
	CU_ASSERT_EQUAL(cfg->push.max_subscriptions, 20000);
	CU_ASSERT_EQUAL(cfg->push.max_per_connection, 100);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_push_values(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = "zone: {domain: a}\n"
	                   "push: {enable: true, plain-tcp: true, inactivity-timeout: 2s,\n"
	                   "       keepalive-interval: 1m, max-sessions: 5,\n"
	                   "       max-subscriptions: 50, max-subscriptions-per-connection: 10}\n";
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_TRUE(cfg->push.enable);
	CU_ASSERT_TRUE(cfg->push.plain_tcp);
	CU_ASSERT_EQUAL(cfg->push.inactivity_ms, 2000);
	CU_ASSERT_EQUAL(cfg->push.keepalive_ms, 60000);
	CU_ASSERT_EQUAL(cfg->push.max_sessions, 5);
	CU_ASSERT_EQUAL(cfg->push.max_subscriptions, 50);
	CU_ASSERT_EQUAL(cfg->push.max_per_connection, 10);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_push_errors(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "inline.yaml";
	const char *text = "zone: {domain: a}\n"                      /* 1 */
	                   "push:\n"                                  /* 2 */
	                   "  enable: maybe\n"                        /* 3 */
	                   "  keepalive-interval: 5s\n"               /* 4: RFC 8490 minimum 10 s */
	                   "  inactivity-timeout: 10ms\n"             /* 5 */
	                   "  max-sessions: 0\n"                      /* 6 */
	                   "  max-subscriptions-per-connection: 0\n"; /* 7 */
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	for (unsigned line = 3; line <= 7; line++)
		CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, line));
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	return gw_test_suite("config push", (gw_test_t[]){
	                                        {"defaults", test_push_defaults},
	                                        {"values", test_push_values},
	                                        {"errors", test_push_errors},
	                                        {NULL, NULL},
	                                    });
}
