/* mdns/rcvbuf.c: the receive buffer asked for the links (the bursts of
 * every link meet in Avahi's one socket per family), and what the kernel
 * grants (at most net.core.rmem_max), never less than the socket had. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cunit.h"
#include "mdns/internal.h"

static void test_for(void)
{
	/* The floor, with one link and with none. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(0, 1), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1000, 0), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1, 1), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(128, 1), MDNS_RCVBUF_MIN);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(64, 2), MDNS_RCVBUF_MIN);
	/* 2 KiB for each service of each link. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(129, 1), 129 * 2048);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(65, 2), 65 * 2 * 2048);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1000, 1), 2048000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(5000, 1), 10240000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(500, 20), 20480000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1000, 20), 40960000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(500, 200), 204800000);
	/* The cap: MDNS_LINKS_MAX links of 512 services, exactly, and one
	 * service more. */
	CU_ASSERT_EQUAL(MDNS_RCVBUF_MAX, (size_t)256 * 1024 * 1024);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(512, MDNS_LINKS_MAX), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(512 * MDNS_LINKS_MAX, 1), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(512 * MDNS_LINKS_MAX - 1, 1), MDNS_RCVBUF_MAX - 2048);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(43691, 3), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(43690, 3), (size_t)43690 * 3 * 2048);
	/* The configuration's largest services-per-link, on one link. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(100000, 1), 204800000);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(100000, 2), MDNS_RCVBUF_MAX);
	/* Counts whose product wraps a 64-bit size_t (or a 32-bit one) still
	 * get the cap, never a small buffer. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(4000000000u, 1), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(4000000000u, 300), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(UINT_MAX, SIZE_MAX), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(1, SIZE_MAX), MDNS_RCVBUF_MAX);
	CU_ASSERT_EQUAL(mdns_rcvbuf_for(2, (SIZE_MAX / 2) + 1), MDNS_RCVBUF_MAX);
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

static size_t has(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);
	CU_ASSERT_EQUAL(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	return (size_t)v / 2;
}

static void test_set(void)
{
	long max = rmem_max();
	CU_ASSERT_FATAL(max > 0);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(fd >= 0);
	size_t got = 0;
	/* Below the limit: granted as asked (Linux's minimum is far lower,
	 * its default higher: the socket starts at 208 KiB). */
	size_t small = max < 65536 ? (size_t)max : 65536;
	CU_ASSERT_EQUAL(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){4096}, sizeof(int)), 0);
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, small, &got), 0);
	CU_ASSERT_EQUAL(got, small);
	CU_ASSERT_EQUAL(has(fd), small);
	/* Less than it has: kept as it is, and said so. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, small / 2, &got), 0);
	CU_ASSERT_EQUAL(got, small);
	CU_ASSERT_EQUAL(has(fd), small);
	/* Above the limit: the limit, which is what the log line reports. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, (size_t)max + 4096, &got), 0);
	CU_ASSERT_EQUAL(got, (size_t)max);
	CU_ASSERT_EQUAL(has(fd), (size_t)max);
	/* More than SO_RCVBUF's int holds: still the limit, not a wrapped
	 * (negative or small) ask. */
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, (size_t)UINT_MAX + 4096, &got), 0);
	CU_ASSERT_EQUAL(got, (size_t)max);
	close(fd);
	CU_ASSERT_EQUAL(mdns_rcvbuf_set(fd, small, &got), -EBADF);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"buffer for the services of every link, clamped, never wrapped", test_for},
	    {"what the kernel grants, never less than the socket has", test_set},
	    {NULL, NULL},
	};
	return gw_test_suite("mdns_rcvbuf", tests);
}
