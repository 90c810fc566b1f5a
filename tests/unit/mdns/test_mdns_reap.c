/* mdns/browse.c: a freed watch reports nothing more at once, and its Avahi
 * browser is freed MDNS_REAP_DELAY later together with every other one
 * freed meanwhile, so that avahi-core sweeps its browsers once per batch
 * rather than after each packet in which one died.
 *
 * A real avahi-core server, allowed only an interface that does not exist:
 * it opens its mDNS socket but joins no link and sends nothing. */
#include <string.h>

#include "common/error.h"
#include "cunit.h"
#include "mdns/internal.h"

#define T_SRV 33

static struct ev_loop *loop;
static mdns_t *m;
/* With no link, nothing is ever reported. */
static void on_record(void *arg, const mdns_record_t *rec)
{
	(void)arg;
	(void)rec;
}

static void on_link(void *arg, int ifindex, const char *name, bool up)
{
	(void)arg;
	(void)ifindex;
	(void)name;
	(void)up;
}

static void setup(void)
{
	static const char *const none[] = {"gwreap-none0"};
	mdns_opts_t o = {
	    .ipv4 = true,
	    .interfaces = none,
	    .interface_count = 1,
	    .on_record = on_record,
	    .on_link = on_link,
	};
	loop = ev_loop_new(EVFLAG_AUTO);
	CU_ASSERT_PTR_NOT_NULL_FATAL(loop);
	m = NULL;
	CU_ASSERT_EQUAL_FATAL(mdns_new(&m, loop, &o), GW_OK);
}

static void teardown(void)
{
	mdns_free(m);
	ev_loop_destroy(loop);
}

/* "<n>._ipp._tcp.local" in wire form. */
static const uint8_t *instance(uint8_t *buf, char n)
{
	static const uint8_t rest[] = "\4_ipp\4_tcp\5local";
	buf[0] = 1;
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, rest, sizeof(rest));
	return buf;
}

static size_t count(const mdns_watch_t *list)
{
	size_t n = 0;
	for (; list != NULL; list = list->next)
		n++;
	return n;
}

static void on_stop(struct ev_loop *l, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(l, EVBREAK_ALL);
}

/* Run the loop for s seconds. */
static void run_for(double s)
{
	ev_timer stop;
	ev_timer_init(&stop, on_stop, s, 0.);
	ev_timer_start(loop, &stop);
	ev_run(loop, 0);
	ev_timer_stop(loop, &stop);
}

static void test_batch(void)
{
	uint8_t name[32];
	mdns_watch_t *w[3] = {NULL, NULL, NULL};
	setup();
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL_FATAL(
		    mdns_watch_new(&w[i], m, 1, instance(name, (char)('a' + i)), T_SRV), GW_OK);
	CU_ASSERT_EQUAL(count(m->watches), 3);
	CU_ASSERT_FALSE(ev_is_active(&m->reap));

	/* Freed: off the open list, dead at once, its browser kept. */
	mdns_watch_free(w[0]);
	CU_ASSERT_EQUAL(count(m->watches), 2);
	CU_ASSERT_PTR_EQUAL(m->dead, w[0]);
	CU_ASSERT_TRUE(w[0]->dead);
	CU_ASSERT_PTR_NOT_NULL(w[0]->browser);
	CU_ASSERT_TRUE(ev_is_active(&m->reap));

	/* A second free within the delay joins the batch: the reap stays
	 * where the first free set it. */
	run_for(MDNS_REAP_DELAY / 2);
	CU_ASSERT_EQUAL(count(m->dead), 1);
	double left = ev_timer_remaining(loop, &m->reap);
	mdns_watch_free(w[1]);
	CU_ASSERT_EQUAL(count(m->dead), 2);
	CU_ASSERT_TRUE(ev_is_active(&m->reap));
	CU_ASSERT_TRUE(ev_timer_remaining(loop, &m->reap) <= left);

	/* Both go in one reap; the open watch stays. */
	run_for(MDNS_REAP_DELAY);
	CU_ASSERT_PTR_NULL(m->dead);
	CU_ASSERT_FALSE(ev_is_active(&m->reap));
	CU_ASSERT_EQUAL(count(m->watches), 1);
	CU_ASSERT_PTR_EQUAL(m->watches, w[2]);
	CU_ASSERT_FALSE(w[2]->dead);

	/* The next free starts a new batch. */
	mdns_watch_free(w[2]);
	CU_ASSERT_TRUE(ev_is_active(&m->reap));
	run_for(MDNS_REAP_DELAY * 2);
	CU_ASSERT_PTR_NULL(m->dead);
	CU_ASSERT_PTR_NULL(m->watches);
	teardown();
}

/* The stack freed with watches open and freed ones waiting: both go (the
 * sanitizers' leak check tells if either stayed). */
static void test_free_pending(void)
{
	uint8_t name[32];
	mdns_watch_t *w[2] = {NULL, NULL};
	setup();
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(
		    mdns_watch_new(&w[i], m, 1, instance(name, (char)('a' + i)), T_SRV), GW_OK);
	mdns_watch_free(w[0]);
	mdns_watch_free(NULL);
	CU_ASSERT_EQUAL(count(m->dead), 1);
	CU_ASSERT_EQUAL(count(m->watches), 1);
	teardown();
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"freed watches wait and go together", test_batch},
	    {"the stack freed with watches open and waiting", test_free_pending},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_reap", tests);
}
