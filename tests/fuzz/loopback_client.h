/* The TCP client side of the fuzz targets that talk to a real listener
 * over loopback (fuzz_operator, fuzz_server). */
#pragma once

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A TCP socket connected to to, or -errno of the call that failed. Each
 * input's connection ends in TIME_WAIT on the client's side (it closes its
 * side first), so thousands a second from one address would use up its
 * ephemeral ports within seconds; the source goes round 127.0.1.1 to
 * 127.0.1.254 instead, which the targets' listeners allow (127.0.0.0/8).
 * A machine short of local ports all the same (EADDRNOTAVAIL, EADDRINUSE:
 * other tests' connections) is waited out, up to 1 s in 10 ms steps.
 * A connect() that a signal interrupts (EINTR) is tried again on a new
 * socket: libFuzzer's timeout timer (SIGALRM every -timeout / 2 + 1
 * seconds, 6 s with -timeout=10, its handler without SA_RESTART) lands in
 * one now and then, which is what failed CI's fuzz.operator 6 s in. */
static inline int fuzz_tcp_connect(const struct sockaddr_in *to)
{
	static unsigned next;
	int err = 0;
	for (int tries = 0; tries < 100; tries++) {
		struct sockaddr_in from = {.sin_family = AF_INET};
		from.sin_addr.s_addr = htonl(0x7f000101u + next++ % 254u);
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (bind(fd, (const struct sockaddr *)&from, sizeof(from)) == 0 &&
		    connect(fd, (const struct sockaddr *)to, sizeof(*to)) == 0)
			return fd;
		err = errno;
		close(fd);
		if (err == EINTR)
			continue;
		if (err != EADDRNOTAVAIL && err != EADDRINUSE)
			break;
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	}
	return -err;
}
