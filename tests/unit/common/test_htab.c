/* common/htab.h: the intrusive chained table (insert, find by chain,
 * remove, growth, visiting every entry, draining) and the FNV-1a helpers. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/htab.h"
#include "cunit.h"

typedef struct item {
	gw_hlink_t hl;
	int value;
	int seen;
} item_t;

static uint32_t weak_hash(int v)
{
	return (uint32_t)v % 7; /* many collisions: long chains */
}

static item_t *find(const gw_htab_t *t, int v)
{
	for (gw_hlink_t *h = gw_htab_chain(t, weak_hash(v)); h != NULL; h = h->next) {
		item_t *it = container_of(h, item_t, hl);
		if (it->value == v)
			return it;
	}
	return NULL;
}

static void test_table(void)
{
	enum { N = 1000 };
	item_t *items = calloc(N, sizeof(*items));
	CU_ASSERT_FATAL(items != NULL);
	gw_htab_t t;
	CU_ASSERT_EQUAL_FATAL(gw_htab_init(&t, 0), GW_OK);
	CU_ASSERT_PTR_NULL(gw_htab_chain(&t, 3));
	for (int i = 0; i < N; i++) {
		items[i].value = i;
		CU_ASSERT_EQUAL(gw_htab_insert(&t, &items[i].hl, weak_hash(i)), GW_OK);
	}
	CU_ASSERT_EQUAL(t.count, N);
	CU_ASSERT(t.size >= N); /* grew as it filled */
	for (int i = 0; i < N; i++)
		CU_ASSERT_PTR_EQUAL(find(&t, i), &items[i]);
	CU_ASSERT_PTR_NULL(find(&t, N));

	/* Remove every third one, from the middle of chains too. */
	for (int i = 0; i < N; i += 3)
		gw_htab_remove(&t, &items[i].hl);
	CU_ASSERT_EQUAL(t.count, N - (N + 2) / 3);
	for (int i = 0; i < N; i++)
		CU_ASSERT_PTR_EQUAL(find(&t, i), i % 3 == 0 ? NULL : &items[i]);

	/* Every entry left is visited once. */
	size_t visits = 0;
	GW_HTAB_FOREACH(&t, h) {
		container_of(h, item_t, hl)->seen++;
		visits++;
	}
	CU_ASSERT_EQUAL(visits, t.count);
	for (int i = 0; i < N; i++)
		CU_ASSERT_EQUAL(items[i].seen, i % 3 == 0 ? 0 : 1);

	gw_htab_deinit(&t);
	CU_ASSERT_EQUAL(t.size, 0);
	CU_ASSERT_PTR_NULL(gw_htab_chain(&t, 1));
	free(items);
}

static void test_fixed_size(void)
{
	gw_htab_t t;
	item_t a = {.value = 1}, b = {.value = 2};
	CU_ASSERT_EQUAL_FATAL(gw_htab_init(&t, 4), GW_OK);
	CU_ASSERT_EQUAL(t.size, 4);
	CU_ASSERT_EQUAL(gw_htab_insert(&t, &a.hl, 5), GW_OK);
	CU_ASSERT_EQUAL(gw_htab_insert(&t, &b.hl, 9), GW_OK); /* same slot as 5 */
	CU_ASSERT_EQUAL(t.size, 4);
	CU_ASSERT_PTR_EQUAL(gw_htab_chain(&t, 1), &b.hl); /* newest first */
	CU_ASSERT_PTR_EQUAL(b.hl.next, &a.hl);
	CU_ASSERT_EQUAL(a.hl.hash, 5);
	gw_htab_remove(&t, &b.hl);
	CU_ASSERT_PTR_EQUAL(gw_htab_chain(&t, 1), &a.hl);
	gw_htab_deinit(&t);
}

static void test_fnv(void)
{
	/* Published FNV-1a test vectors: "" and "a", 32 and 64 bits. */
	CU_ASSERT_EQUAL(gw_fnv32(GW_FNV32_INIT, (const uint8_t *)"", 0), 0x811c9dc5u);
	CU_ASSERT_EQUAL(gw_fnv32(GW_FNV32_INIT, (const uint8_t *)"a", 1), 0xe40c292cu);
	CU_ASSERT_EQUAL(gw_fnv64_ci(GW_FNV64_INIT, (const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cULL);
	CU_ASSERT_EQUAL(gw_fnv64(GW_FNV64_INIT, (const uint8_t *)"", 0), 0xcbf29ce484222325ULL);
	CU_ASSERT_EQUAL(gw_fnv64(GW_FNV64_INIT, (const uint8_t *)"a", 1), 0xaf63dc4c8601ec8cULL);
	CU_ASSERT_NOT_EQUAL(gw_fnv64(GW_FNV64_INIT, (const uint8_t *)"A", 1),
	                    gw_fnv64(GW_FNV64_INIT, (const uint8_t *)"a", 1));
	/* Case folding: ASCII letters only. */
	const uint8_t mixed[] = "\x07"
	                        "ExAmPlE\x00";
	const uint8_t lower[] = "\x07"
	                        "example\x00";
	CU_ASSERT_EQUAL(gw_fnv32_ci(GW_FNV32_INIT, mixed, 9), gw_fnv32(GW_FNV32_INIT, lower, 9));
	CU_ASSERT_NOT_EQUAL(gw_fnv32(GW_FNV32_INIT, mixed, 9), gw_fnv32(GW_FNV32_INIT, lower, 9));
	CU_ASSERT_EQUAL(gw_fnv64_ci(GW_FNV64_INIT, mixed, 9), gw_fnv64_ci(GW_FNV64_INIT, lower, 9));
	CU_ASSERT_EQUAL(gw_lower8('Z'), 'z');
	CU_ASSERT_EQUAL(gw_lower8('@'), '@');
	CU_ASSERT_EQUAL(gw_lower8(0xC4), 0xC4);
}

static void count_drained(gw_hlink_t *h, void *arg)
{
	container_of(h, item_t, hl)->seen++;
	(*(int *)arg)++;
}

/* Drain hands every entry over once and leaves an empty table that
 * still takes inserts. */
static void test_drain(void)
{
	enum { N = 300 };
	item_t items[N];
	memset(items, 0, sizeof(items));
	gw_htab_t t;
	CU_ASSERT_EQUAL_FATAL(gw_htab_init(&t, 0), GW_OK);
	int calls = 0;
	gw_htab_drain(&t, count_drained, &calls);
	CU_ASSERT_EQUAL(calls, 0);
	for (int i = 0; i < N; i++) {
		items[i].value = i;
		CU_ASSERT_EQUAL_FATAL(gw_htab_insert(&t, &items[i].hl, weak_hash(i)), GW_OK);
	}
	gw_htab_drain(&t, count_drained, &calls);
	CU_ASSERT_EQUAL(calls, N);
	CU_ASSERT_EQUAL(t.count, 0);
	for (int i = 0; i < N; i++)
		CU_ASSERT_EQUAL(items[i].seen, 1);
	for (uint32_t k = 0; k < 7; k++)
		CU_ASSERT_PTR_NULL(gw_htab_chain(&t, k));
	CU_ASSERT_EQUAL(gw_htab_insert(&t, &items[5].hl, weak_hash(5)), GW_OK);
	CU_ASSERT_PTR_EQUAL(find(&t, 5), &items[5]);
	gw_htab_deinit(&t);
}

int gw_test_register(void)
{
	return gw_test_suite("htab", (gw_test_t[]){
	                                 {"table", test_table},
	                                 {"fixed_size", test_fixed_size},
	                                 {"fnv", test_fnv},
	                                 {"drain", test_drain},
	                                 {NULL, NULL},
	                             });
}
