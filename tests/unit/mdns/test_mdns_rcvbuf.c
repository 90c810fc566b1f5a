/* mdns/rcvbuf.c: the receive buffer asked for a link, and what the kernel
 * grants (at most net.core.rmem_max). */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cunit.h"
#include "mdns/internal.h"

static void test_for(void)
{
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(0), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(128), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(129), 129 * 2048);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1000), 2048000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(5000), 10240000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(16384), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(100000), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(4000000000u), MDNS_RCVBUF_MAX);
}

static long rmem_max(void)
{
	long v = -1;
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "re");
	if (f == NULL)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void test_set(void)
{
	long max = rmem_max();
	CU_ASSERT_FATAL(max > 0);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	size_t got = 0;
	/* Below the limit: granted as asked (Linux's minimum is far lower). */
	size_t small = max < 65536 ? (size_t)max : 65536;
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, small, &got), 0);
	CU_ASSERT_EQUAL(got, small);
	/* Above it: the limit, which is what the log line reports. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, (size_t)max + 4096, &got), 0);
	CU_ASSERT_EQUAL(got, (size_t)max);
	close(fd);
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, small, &got), -EBADF);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"buffer for a link's services, clamped", test_for},
	    {"what the kernel grants", test_set},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_rcvbuf", tests);
}
