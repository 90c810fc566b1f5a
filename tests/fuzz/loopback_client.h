/* The TCP client side of the fuzz targets that talk to a real listener
 * over loopback (fuzz_operator, fuzz_server). */
#pragma once

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

/* A TCP socket connected to to, or -1. Each input's connection ends in
 * TIME_WAIT on the client's side (it closes its side first), so thousands
 * a second from one address would use up its ephemeral ports within
 * seconds; the source goes round 127.0.1.1 to 127.0.1.254 instead, which
 * the targets' listeners allow (127.0.0.0/8). */
static inline int fuzz_tcp_connect(const struct sockaddr_in *to)
{
	static unsigned next;
	struct sockaddr_in from = {.sin_family = AF_INET};
	from.sin_addr.s_addr = htonl(0x7f000101u + next++ % 254u);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (bind(fd, (const struct sockaddr *)&from, sizeof(from)) != 0 ||
	                connect(fd, (const struct sockaddr *)to, sizeof(*to)) != 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}
