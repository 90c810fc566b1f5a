/* gateway/config/: the metrics keys: off by default (no listen), allow
 * defaults to loopback, limits, and bad values reported at their line. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "config_test.h"
#include "cunit.h"
#include "gateway/config/config.h"

static void test_metrics_defaults(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	CU_ASSERT_EQUAL_FATAL(parse_text("zone: {domain: a}\n", &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL(cfg->metrics.listen_count, 0);
	CU_ASSERT_PTR_NULL(cfg->metrics.listen);
	CU_ASSERT_EQUAL_FATAL(cfg->metrics.allow.count, 2);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[0].family, AF_INET);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[0].prefix, 8);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[1].family, AF_INET6);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[1].prefix, 128);
	CU_ASSERT_EQUAL(cfg->metrics.max_connections, 16);
	CU_ASSERT_EQUAL(cfg->metrics.timeout_ms, 10000);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);

	CU_ASSERT_EQUAL_FATAL(gw_config_default(&cfg), GW_OK);
	CU_ASSERT_EQUAL(cfg->metrics.listen_count, 0);
	CU_ASSERT_EQUAL(cfg->metrics.allow.count, 2);
	gw_config_free(cfg);
}

static void test_metrics_values(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *text = "zone: {domain: a}\n"
	                   "metrics:\n"
	                   "  listen: [\"127.0.0.1@9153\", \"[::1]@0\"]\n"
	                   "  allow: [\"192.0.2.0/24\", \"2001:db8::/32\"]\n"
	                   "  max-connections: 4\n"
	                   "  timeout: 30s\n";
	CU_ASSERT_EQUAL_FATAL(parse_text(text, &cfg, &errs), GW_OK);
	CU_ASSERT_EQUAL_FATAL(cfg->metrics.listen_count, 2);
	assert_endpoint(&cfg->metrics.listen[0], "127.0.0.1@9153");
	assert_endpoint(&cfg->metrics.listen[1], "[::1]@0");
	CU_ASSERT_EQUAL_FATAL(cfg->metrics.allow.count, 2);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[0].prefix, 24);
	CU_ASSERT_EQUAL(cfg->metrics.allow.entries[1].prefix, 32);
	CU_ASSERT_EQUAL(cfg->metrics.max_connections, 4);
	CU_ASSERT_EQUAL(cfg->metrics.timeout_ms, 30000);
	assert_round_trip(cfg);
	gw_config_free(cfg);
	gw_config_errors_deinit(&errs);
}

static void test_metrics_errors(void)
{
	gw_config_t *cfg;
	gw_config_errors_t errs;
	const char *f = "inline.yaml";
	const char *text = "zone: {domain: a}\n"        /* 1 */
	                   "metrics:\n"                 /* 2 */
	                   "  listen:\n"                /* 3 */
	                   "    - \"127.0.0.1@9153\"\n" /* 4 */
	                   "    - \"127.0.0.1@9153\"\n" /* 5 */
	                   "    - \"localhost@80\"\n"   /* 6 */
	                   "  allow: [\"300.0.0.1\"]\n" /* 7 */
	                   "  max-connections: 0\n"     /* 8 */
	                   "  timeout: 1ms\n"           /* 9 */
	                   "  hosts:\n"                 /* 10 */
	                   "    - Router.LAN.\n"        /* 11 */
	                   "    - router.lan\n"         /* 12 */
	                   "    - \"evil_host\"\n"      /* 13 */
	                   "    - \"a..b\"\n";          /* 14 */
	CU_ASSERT_EQUAL(parse_text(text, &cfg, &errs), GW_ECONFIG);
	CU_ASSERT_PTR_NULL(cfg);
	CU_ASSERT_PTR_NULL(error_at(&errs, f, 4));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 5)); /* listed twice */
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 6));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 7));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 8));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 9));
	/* metrics.hosts: lowercased without the final dot, so line 12 is the
	 * same name again; '_' and an empty label are not host names. */
	CU_ASSERT_PTR_NULL(error_at(&errs, f, 11));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 12));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 13));
	CU_ASSERT_PTR_NOT_NULL(error_at(&errs, f, 14));
	gw_config_errors_deinit(&errs);
}

int gw_test_register(void)
{
	return gw_test_suite("config metrics", (gw_test_t[]){
	                                           {"defaults", test_metrics_defaults},
	                                           {"values", test_metrics_values},
	                                           {"errors", test_metrics_errors},
	                                           {NULL, NULL},
	                                       });
}
