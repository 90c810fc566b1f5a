/* A socket address from its text, for the query suites that key on the
 * client address (test_rrl.c, test_cookie.c). */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "cunit.h"

/* IPv4 or IPv6 text into a socket address, valid until the next call. */
static inline const struct sockaddr *test_sa(const char *text)
{
	static struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1);
		sin6->sin6_family = AF_INET6;
	}
	return (const struct sockaddr *)&ss;
}
