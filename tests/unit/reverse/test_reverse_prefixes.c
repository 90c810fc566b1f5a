/* gateway/reverse/prefix.c: the interfaces' prefixes, first from a
 * getifaddrs-like list made here (every filter rule), then from the
 * kernel inside a network namespace of the test's own (a forked child
 * in unshare(CLONE_NEWNET): loopback alone, then two veth pairs, one
 * without multicast), so the machine's interfaces play no part. */
#include <CUnit/CUnit.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cunit.h"
#include "reverse_util.h"

#define MAX_ENTRIES 32

typedef struct {
	struct ifaddrs ifa[MAX_ENTRIES];
	struct sockaddr_storage addr[MAX_ENTRIES], mask[MAX_ENTRIES];
	size_t n;
} fake_t;

/* Append "ifname addr/len" with flags; mask_len -1 gives no netmask,
 * -2 a non-contiguous one. */
static void fake_add(fake_t *f, const char *ifname, unsigned flags, const char *addr, int mask_len)
{
	if (f->n >= MAX_ENTRIES)
		abort();
	size_t i = f->n++;
	struct ifaddrs *e = &f->ifa[i];
	gw_reverse_prefix_t p = prefix_of(addr, NULL);

	memset(e, 0, sizeof(*e));
	e->ifa_name = (char *)ifname;
	e->ifa_flags = flags;
	e->ifa_addr = (struct sockaddr *)&f->addr[i];
	if (mask_len != -1)
		e->ifa_netmask = (struct sockaddr *)&f->mask[i];
	if (i > 0)
		f->ifa[i - 1].ifa_next = e;
	memset(&f->addr[i], 0, sizeof(f->addr[i]));
	memset(&f->mask[i], 0, sizeof(f->mask[i]));
	uint8_t m[16] = {0};
	for (int b = 0; b < mask_len; b++)
		m[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	if (mask_len == -2) {
		m[0] = 0xff;
		m[2] = 0xff;
	}
	if (p.family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&f->addr[i];
		struct sockaddr_in *k = (struct sockaddr_in *)&f->mask[i];
		a->sin_family = k->sin_family = AF_INET;
		memcpy(&a->sin_addr, p.addr, 4);
		memcpy(&k->sin_addr, m, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&f->addr[i];
		struct sockaddr_in6 *k = (struct sockaddr_in6 *)&f->mask[i];
		a->sin6_family = k->sin6_family = AF_INET6;
		memcpy(&a->sin6_addr, p.addr, 16);
		memcpy(&k->sin6_addr, m, 16);
	}
}

/* Index of the prefix "text" on ifname in list, or -1. */
static int find(const gw_reverse_prefix_t *list, size_t n, const char *ifname, const char *text)
{
	gw_reverse_prefix_t want = prefix_of(text, ifname);

	if (gw_reverse_prefix_normalize(&want) != GW_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (list[i].family == want.family && list[i].len == want.len &&
		    memcmp(list[i].addr, want.addr, 16) == 0 && strcmp(list[i].ifname, ifname) == 0)
			return (int)i;
	}
	return -1;
}

#define UP_MC (IFF_UP | IFF_MULTICAST)

static void fake_lan(fake_t *f)
{
	memset(f, 0, sizeof(*f));
	fake_add(f, "lo", UP_MC | IFF_LOOPBACK, "127.0.0.1/8", 8);
	fake_add(f, "lo", UP_MC | IFF_LOOPBACK, "::1/128", 128);
	fake_add(f, "lan1", UP_MC, "192.0.2.1/25", 25);
	fake_add(f, "lan1", UP_MC, "192.0.2.2/25", 25); /* a second address: same prefix */
	fake_add(f, "lan1", UP_MC, "2001:db8:1::1/64", 64);
	fake_add(f, "lan1", UP_MC, "2001:db8:1::abcd/64", 64); /* a temporary address */
	fake_add(f, "lan1", UP_MC, "fe80::1/64", 64);
	fake_add(f, "lan1", UP_MC, "169.254.7.7/16", 16);
	fake_add(f, "lan1", UP_MC, "2001:db8:1::99/128", 128); /* DHCPv6 */
	fake_add(f, "lan1", UP_MC, "127.0.0.2/8", 8);          /* loopback address elsewhere */
	fake_add(f, "lan2", UP_MC, "192.0.2.129/25", 25);
	fake_add(f, "lan2", UP_MC, "2001:db8:2::1/64", 64);
	fake_add(f, "lan2", UP_MC, "198.51.100.1/24", -1); /* no netmask */
	fake_add(f, "lan2", UP_MC, "198.51.100.2/24", -2); /* non-contiguous */
	fake_add(f, "lan2", UP_MC, "203.0.113.9/32", 32);  /* host prefix */
	fake_add(f, "dup", UP_MC, "192.0.2.130/25", 25);   /* lan2's prefix, another link */
	fake_add(f, "down", IFF_MULTICAST, "10.1.0.1/16", 16);
	fake_add(f, "p2p", IFF_UP, "10.2.0.1/30", 30); /* no multicast */
}

static void test_prefixes_every(void)
{
	fake_t f;
	gw_reverse_prefix_t *list = NULL;
	size_t n = 99;

	fake_lan(&f);
	CU_ASSERT_EQUAL_FATAL(gw_reverse_prefixes_from(&list, &n, f.ifa, NULL, 0), GW_OK);
	CU_ASSERT_EQUAL(n, 5);
	/* In getifaddrs' order. */
	CU_ASSERT_EQUAL(find(list, n, "lan1", "192.0.2.0/25"), 0);
	CU_ASSERT_EQUAL(find(list, n, "lan1", "2001:db8:1::/64"), 1);
	CU_ASSERT_EQUAL(find(list, n, "lan2", "192.0.2.128/25"), 2);
	CU_ASSERT_EQUAL(find(list, n, "lan2", "2001:db8:2::/64"), 3);
	CU_ASSERT_EQUAL(find(list, n, "dup", "192.0.2.128/25"), 4);
	free(list);
}

static void test_prefixes_named(void)
{
	fake_t f;
	gw_reverse_prefix_t *list = NULL;
	size_t n = 99;
	const char *names[] = {"down", "p2p", "lan2", "lo"};

	fake_lan(&f);
	/* Named interfaces are taken down or not, multicast or not; a
	 * loopback interface never. */
	CU_ASSERT_EQUAL_FATAL(gw_reverse_prefixes_from(&list, &n, f.ifa, names, 4), GW_OK);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(find(list, n, "lan2", "192.0.2.128/25"), 0);
	CU_ASSERT_EQUAL(find(list, n, "lan2", "2001:db8:2::/64"), 1);
	CU_ASSERT_EQUAL(find(list, n, "down", "10.1.0.0/16"), 2);
	CU_ASSERT_EQUAL(find(list, n, "p2p", "10.2.0.0/30"), 3);
	free(list);

	const char *none[] = {"eth9"};
	list = (gw_reverse_prefix_t *)1;
	CU_ASSERT_EQUAL(gw_reverse_prefixes_from(&list, &n, f.ifa, none, 1), GW_OK);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_PTR_NULL(list);
	CU_ASSERT_EQUAL(gw_reverse_prefixes_from(&list, &n, f.ifa, NULL, 1), GW_EINVAL);
}

/* Run fn in a child in a network namespace of its own; fn returns the
 * number of its failures (printed to stderr), the exit status. */
static int in_netns(int (*fn)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) != 0) {
			perror("unshare(CLONE_NEWNET)");
			_exit(100);
		}
		int failures = fn();
		_exit(failures > 99 ? 99 : failures);
	}
	int status = 0;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond);         \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static int sh(const char *cmd)
{
	char line[512];
	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	return system(line);
}

static int loopback_only(void)
{
	int failures = 0;
	gw_reverse_prefix_t *list = NULL;
	size_t n = 99;
	const char *lo[] = {"lo"};

	CHILD_CHECK(sh("ip link set lo up") == 0);
	CHILD_CHECK(gw_reverse_prefixes_get(&list, &n, NULL, 0) == GW_OK);
	CHILD_CHECK(n == 0 && list == NULL);
	CHILD_CHECK(gw_reverse_prefixes_get(&list, &n, lo, 1) == GW_OK);
	CHILD_CHECK(n == 0 && list == NULL);
	return failures;
}

static int veth_and_dummy(void)
{
	int failures = 0;
	gw_reverse_prefix_t *list = NULL;
	size_t n = 0;
	const char *named[] = {"gwrd0"};

	CHILD_CHECK(sh("ip link set lo up") == 0);
	CHILD_CHECK(sh("ip link add gwr0 type veth peer name gwr1") == 0);
	CHILD_CHECK(sh("ip addr add 192.0.2.1/25 dev gwr0") == 0);
	CHILD_CHECK(sh("ip -6 addr add 2001:db8:1::1/64 dev gwr0 nodad") == 0);
	CHILD_CHECK(sh("ip link set gwr0 up") == 0);
	CHILD_CHECK(sh("ip link set gwr1 up") == 0);
	/* An interface without multicast: only taken when named. */
	CHILD_CHECK(sh("ip link add gwrd0 type veth peer name gwrd1") == 0);
	CHILD_CHECK(sh("ip link set gwrd0 multicast off") == 0);
	CHILD_CHECK(sh("ip addr add 198.51.100.1/24 dev gwrd0") == 0);
	CHILD_CHECK(sh("ip link set gwrd0 up") == 0);
	CHILD_CHECK(sh("ip link set gwrd1 up") == 0);

	CHILD_CHECK(gw_reverse_prefixes_get(&list, &n, NULL, 0) == GW_OK);
	CHILD_CHECK(n == 2);
	CHILD_CHECK(find(list, n, "gwr0", "192.0.2.0/25") >= 0);
	CHILD_CHECK(find(list, n, "gwr0", "2001:db8:1::/64") >= 0);
	for (size_t i = 0; n != 2 && i < n; i++)
		fprintf(stderr, "  found on %s: family %d /%u\n", list[i].ifname, list[i].family,
		        list[i].len);
	free(list);

	CHILD_CHECK(gw_reverse_prefixes_get(&list, &n, named, 1) == GW_OK);
	CHILD_CHECK(n == 1);
	CHILD_CHECK(find(list, n, "gwrd0", "198.51.100.0/24") == 0);
	free(list);
	return failures;
}

static void test_prefixes_netns_loopback(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0); /* the unit tests run as root */
	CU_ASSERT_EQUAL(in_netns(loopback_only), 0);
}

static void test_prefixes_netns_veth(void)
{
	CU_ASSERT_EQUAL_FATAL(geteuid(), 0);
	CU_ASSERT_EQUAL(in_netns(veth_and_dummy), 0);
}

int gw_test_register(void)
{
	static const gw_test_t tests[] = {
	    {"every up multicast interface, filtered", test_prefixes_every},
	    {"named interfaces", test_prefixes_named},
	    {"kernel: loopback alone gives nothing", test_prefixes_netns_loopback},
	    {"kernel: a veth's IPv4 and IPv6 prefixes", test_prefixes_netns_veth},
	    {NULL, NULL},
	};
	return gw_test_suite("reverse_prefixes", tests);
}
