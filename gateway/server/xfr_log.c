/* The last transfer of each client address, for the control socket: a
 * small table, most recent first, the oldest address dropped when full. */
#include "gateway/server/internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "common/addr.h"
#include "common/clock.h"

void gw_server_xfr_note(struct gw_server *srv, const struct sockaddr_storage *peer,
                        const char *kind, uint32_t serial)
{
	gw_server_xfr_info_t e = {0};
	size_t at = srv->xfr_count; /* where the entry was, or the end */
	for (size_t i = 0; i < srv->xfr_count; i++) {
		if (gw_client_addr_equal((const struct sockaddr *)&srv->xfr_clients[i].addr,
		                         (const struct sockaddr *)peer)) {
			e = srv->xfr_clients[i];
			at = i;
			break;
		}
	}
	if (at == srv->xfr_count) {
		if (srv->xfr_count < GW_SERVER_XFR_CLIENTS)
			srv->xfr_count++;
		else
			at = GW_SERVER_XFR_CLIENTS - 1; /* the oldest goes */
		e.addr = *peer;
		const void *raw =
		    peer->ss_family == AF_INET
		        ? (const void *)&((const struct sockaddr_in *)peer)->sin_addr
		        : (const void *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
		if (inet_ntop(peer->ss_family, raw, e.addr_text, sizeof(e.addr_text)) == NULL)
			strcpy(e.addr_text, "?");
	}
	e.addr = *peer;
	e.kind = kind;
	e.when = gw_clock_wall();
	e.serial = serial;
	e.count++;
	/* Most recent first: the ones before it move down one. */
	memmove(&srv->xfr_clients[1], &srv->xfr_clients[0], at * sizeof(srv->xfr_clients[0]));
	srv->xfr_clients[0] = e;
}

size_t gw_server_transfers(const gw_server_t *srv, gw_server_xfr_info_t *out, size_t cap)
{
	size_t n = srv->xfr_count < cap ? srv->xfr_count : cap;
	memcpy(out, srv->xfr_clients, n * sizeof(*out));
	return n;
}
