/* common/list.h: push and unlink at the head, in the middle and at the
 * tail, on lists whose members have other names. */
#include "common/list.h"
#include "cunit.h"

typedef struct node {
	struct node *up, *down; /* any member names */
	int id;
} node_t;

/* The ids from head to tail, and back again, into a and b. */
static int walk(node_t *head, int *a, int *b)
{
	int n = 0;
	node_t *last = NULL;
	for (node_t *x = head; x != NULL; x = x->down) {
		CU_ASSERT_PTR_EQUAL(x->up, last);
		a[n++] = x->id;
		last = x;
	}
	int k = 0;
	for (node_t *x = last; x != NULL; x = x->up)
		b[k++] = x->id;
	CU_ASSERT_EQUAL(k, n);
	return n;
}

static void test_push_unlink(void)
{
	node_t v[4] = {{.id = 0}, {.id = 1}, {.id = 2}, {.id = 3}};
	node_t *head = NULL;
	int a[4], b[4];

	for (int i = 0; i < 4; i++)
		GW_DLIST_PUSH(head, &v[i], up, down);
	CU_ASSERT_EQUAL_FATAL(walk(head, a, b), 4);
	CU_ASSERT(a[0] == 3 && a[1] == 2 && a[2] == 1 && a[3] == 0);
	CU_ASSERT(b[0] == 0 && b[3] == 3);

	GW_DLIST_UNLINK(head, &v[2], up, down); /* middle */
	CU_ASSERT_EQUAL_FATAL(walk(head, a, b), 3);
	CU_ASSERT(a[0] == 3 && a[1] == 1 && a[2] == 0);
	GW_DLIST_UNLINK(head, &v[3], up, down); /* head */
	CU_ASSERT_PTR_EQUAL(head, &v[1]);
	CU_ASSERT_EQUAL_FATAL(walk(head, a, b), 2);
	GW_DLIST_UNLINK(head, &v[0], up, down); /* tail */
	CU_ASSERT_EQUAL_FATAL(walk(head, a, b), 1);
	CU_ASSERT_EQUAL(a[0], 1);
	GW_DLIST_UNLINK(head, &v[1], up, down); /* the last one */
	CU_ASSERT_PTR_NULL(head);
	GW_DLIST_PUSH(head, &v[2], up, down); /* stale links are reset */
	CU_ASSERT_PTR_NULL(v[2].up);
	CU_ASSERT_PTR_NULL(v[2].down);
}

int gw_test_register(void)
{
	return gw_test_suite("list", (gw_test_t[]){
	                                 {"push_unlink", test_push_unlink},
	                                 {NULL, NULL},
	                             });
}
