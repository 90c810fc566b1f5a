/* gateway/http/expo.h: the Prometheus text format as written: HELP and
 * TYPE lines, labels and their escaping, exact integers, the spelling of
 * special values, histograms with cumulative buckets. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/latency.h"
#include "cunit.h"
#include "gateway/http/expo.h"

/* The text written so far, taken out of e (free() it). */
static char *take(gw_expo_t *e)
{
	char *text = NULL;
	size_t len = 0;
	CU_ASSERT_EQUAL_FATAL(gw_expo_take(e, &text, &len), GW_OK);
	CU_ASSERT_EQUAL(strlen(text), len);
	return text;
}

static void test_family_and_samples(void)
{
	gw_expo_t e;
	gw_expo_init(&e);
	gw_expo_family(&e, "x_total", "counter", "Things.");
	gw_expo_u64(&e, "x_total", NULL, 0, 18446744073709551615ULL);
	gw_expo_label_t l[] = {{"transport", "udp"}, {"type", "AAAA"}};
	gw_expo_u64(&e, "x_total", l, 2, 7);
	char *t = take(&e);
	CU_ASSERT_STRING_EQUAL(t, "# HELP x_total Things.\n"
	                          "# TYPE x_total counter\n"
	                          "x_total 18446744073709551615\n"
	                          "x_total{transport=\"udp\",type=\"AAAA\"} 7\n");
	free(t);
	/* Taken: e starts again empty. */
	gw_expo_u64(&e, "y", NULL, 0, 0);
	t = take(&e);
	CU_ASSERT_STRING_EQUAL(t, "y 0\n");
	free(t);
}

static void test_escaping(void)
{
	gw_expo_t e;
	gw_expo_init(&e);
	/* Label values: backslash, double quote and newline escaped. */
	gw_expo_label_t l[] = {{"link", "a\\b\"c\nd"}};
	gw_expo_u64(&e, "m", l, 1, 1);
	/* Help: backslash and newline, the double quote kept as it is. */
	gw_expo_family(&e, "m", "gauge", "say \"x\\y\"\nz");
	char *t = take(&e);
	CU_ASSERT_STRING_EQUAL(t, "m{link=\"a\\\\b\\\"c\\nd\"} 1\n"
	                          "# HELP m say \"x\\\\y\"\\nz\n"
	                          "# TYPE m gauge\n");
	free(t);

	/* A link's label as configured: UTF-8 and spaces pass as they are
	 * (the format is UTF-8), its backslash is escaped. */
	gw_expo_init(&e);
	gw_expo_label_t rich[] = {{"link", "veth-l1"}, {"subdomain", "Biblioth\xc3\xa8que 1\\x"}};
	gw_expo_u64(&e, "s", rich, 2, 3);
	t = take(&e);
	CU_ASSERT_STRING_EQUAL(t,
	                       "s{link=\"veth-l1\",subdomain=\"Biblioth\xc3\xa8que 1\\\\x\"} 3\n");
	free(t);
}

static void test_doubles(void)
{
	gw_expo_t e;
	gw_expo_init(&e);
	gw_expo_double(&e, "a", NULL, 0, 0.1);
	gw_expo_double(&e, "b", NULL, 0, 2.5e-4);
	gw_expo_double(&e, "c", NULL, 0, NAN);
	gw_expo_double(&e, "d", NULL, 0, INFINITY);
	gw_expo_double(&e, "e", NULL, 0, -INFINITY);
	gw_expo_double(&e, "f", NULL, 0, 1.0 / 3.0);
	char *t = take(&e);
	/* The shortest text that reads back as the value. */
	CU_ASSERT_STRING_EQUAL(t, "a 0.1\nb 0.00025\nc NaN\nd +Inf\ne -Inf\n"
	                          "f 0.33333333333333331\n");
	free(t);
}

static void test_histogram(void)
{
	gw_expo_t e;
	gw_expo_init(&e);
	const double bounds[] = {0.001, 0.01, 0.1};
	/* Per bucket: 2 at or below 1 ms, 0 in (1, 10] ms, 3 in (10, 100] ms,
	 * 1 above. */
	const uint64_t buckets[] = {2, 0, 3, 1};
	gw_expo_label_t l[] = {{"zone", "home.arpa."}};
	gw_expo_histogram(&e, "h_seconds", l, 1, bounds, buckets, 3, 1.25);
	char *t = take(&e);
	CU_ASSERT_STRING_EQUAL(t, "h_seconds_bucket{zone=\"home.arpa.\",le=\"0.001\"} 2\n"
	                          "h_seconds_bucket{zone=\"home.arpa.\",le=\"0.01\"} 2\n"
	                          "h_seconds_bucket{zone=\"home.arpa.\",le=\"0.1\"} 5\n"
	                          "h_seconds_bucket{zone=\"home.arpa.\",le=\"+Inf\"} 6\n"
	                          "h_seconds_sum{zone=\"home.arpa.\"} 1.25\n"
	                          "h_seconds_count{zone=\"home.arpa.\"} 6\n");
	free(t);
	/* No labels of its own: le alone. */
	gw_expo_histogram(&e, "g", NULL, 0, bounds, buckets, 1, 0);
	t = take(&e);
	CU_ASSERT_STRING_EQUAL(t, "g_bucket{le=\"0.001\"} 2\n"
	                          "g_bucket{le=\"+Inf\"} 2\n"
	                          "g_sum 0\n"
	                          "g_count 2\n");
	free(t);
}

/* common/latency.h, as the commit histogram fills it: a bound is the
 * upper end of its bucket (inclusive, as "le" says). */
static void test_latency_buckets(void)
{
	gw_latency_t h = {0};
	gw_latency_add(&h, 0);
	gw_latency_add(&h, gw_latency_bounds_ns[0]);
	gw_latency_add(&h, gw_latency_bounds_ns[0] + 1);
	gw_latency_add(&h, gw_latency_bounds_ns[GW_LATENCY_BOUNDS - 1]);
	gw_latency_add(&h, gw_latency_bounds_ns[GW_LATENCY_BOUNDS - 1] + 1);
	CU_ASSERT_EQUAL(h.buckets[0], 2);
	CU_ASSERT_EQUAL(h.buckets[1], 1);
	CU_ASSERT_EQUAL(h.buckets[GW_LATENCY_BOUNDS - 1], 1);
	CU_ASSERT_EQUAL(h.buckets[GW_LATENCY_BOUNDS], 1);
	CU_ASSERT_EQUAL(h.count, 5);
	CU_ASSERT_EQUAL(h.sum_ns, 2 * gw_latency_bounds_ns[0] + 1 +
	                              2 * gw_latency_bounds_ns[GW_LATENCY_BOUNDS - 1] + 1);
	for (size_t i = 1; i < GW_LATENCY_BOUNDS; i++)
		CU_ASSERT(gw_latency_bounds_ns[i] > gw_latency_bounds_ns[i - 1]);
	CU_ASSERT_EQUAL(gw_latency_bounds_ns[0], 100000);                         /* 100 us */
	CU_ASSERT_EQUAL(gw_latency_bounds_ns[GW_LATENCY_BOUNDS - 1], 1000000000); /* 1 s */
}

int gw_test_register(void)
{
	return gw_test_suite("expo", (gw_test_t[]){
	                                 {"family and samples", test_family_and_samples},
	                                 {"escaping", test_escaping},
	                                 {"doubles", test_doubles},
	                                 {"histogram", test_histogram},
	                                 {"latency buckets", test_latency_buckets},
	                                 {NULL, NULL},
	                             });
}
