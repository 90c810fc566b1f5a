/* The Host header check of the status page: a defence against DNS
 * rebinding, where a page from elsewhere makes its own name point at the
 * gateway and reads what the browser fetches. Such a request names the
 * attacker's host; one typed by a person names an address, localhost, or
 * a name the configuration lists. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include "gateway/http/internal.h"

/* Host names are at most 253 octets; a longer header is refused. */
#define HOST_MAX 260

bool gw_http_host_allowed(const char *host, char *const *hosts, size_t count)
{
	char name[HOST_MAX];
	unsigned char addr[16];
	size_t len;

	if (host == NULL)
		return true; /* HTTP/1.0: no name to rebind */
	len = strlen(host);
	if (len >= sizeof(name))
		return false;
	if (host[0] == '[') {
		/* "[v6]" or "[v6]:port" */
		const char *end = strchr(host, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return false;
		len = (size_t)(end - host - 1);
		memcpy(name, host + 1, len);
		name[len] = '\0';
		return inet_pton(AF_INET6, name, addr) == 1;
	}
	const char *colon = strchr(host, ':');
	if (colon != NULL)
		len = (size_t)(colon - host);
	memcpy(name, host, len);
	name[len] = '\0';
	if (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	if (inet_pton(AF_INET, name, addr) == 1 || strcasecmp(name, "localhost") == 0)
		return true;
	for (size_t i = 0; i < count; i++)
		if (strcasecmp(name, hosts[i]) == 0)
			return true;
	return false;
}
