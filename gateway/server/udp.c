/* UDP: queries are read and answered in batches with recvmmsg/sendmmsg, so
 * a busy socket costs two system calls per batch, not two per query. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "common/log.h"
#include "gateway/server/internal.h"

/* Batches read per readiness event before returning to the loop, so TCP
 * and timers are not starved by a UDP flood. */
#define UDP_BATCHES_PER_EVENT 8
/* Most events find a few queries waiting (3 to 4 on average at 50 000 q/s
 * on loopback): the first read of an event offers this many headers, the
 * next ones the whole batch, so that reading one query does not cost
 * preparing GW_UDP_BATCH headers. */
#define UDP_FIRST_BATCH 8

typedef union {
	struct cmsghdr align;
	uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
} cmsg_buf_t;

/* One control message (level, type, len octets of data) into out;
 * returns the control length. */
static inline size_t put_cmsg(cmsg_buf_t *out, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *o = (struct cmsghdr *)out->buf;

	o->cmsg_level = level;
	o->cmsg_type = type;
	o->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(o), data, len);
	return CMSG_SPACE(len);
}

/* Turn the destination address of a received packet into the source of
 * the reply. Returns the control length to send, 0 for none. */
static size_t reply_pktinfo(const struct msghdr *in, cmsg_buf_t *out)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL;
	     c = CMSG_NXTHDR((struct msghdr *)in, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			struct in_pktinfo reply = {.ipi_spec_dst = pi.ipi_addr};
			return put_cmsg(out, IPPROTO_IP, IP_PKTINFO, &reply, sizeof(reply));
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return put_cmsg(out, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		}
	}
	return 0;
}

/* Cookies and the rate limit (gateway/query/guard.h) for one reply;
 * special: a reply gw_answer() left to gw_server_special(). */
static bool guard(gw_server_t *srv, const gw_query_t *q, const uint8_t *pkt,
                  const struct sockaddr_storage *peer, bool special, uint8_t *out, size_t *len)
{
	double now = ev_now(srv->loop);
	/* The zone of the name: the rate limit's bucket of the negative
	 * answers in it. Not looked up when nothing guards. */
	int i = srv->guard != NULL && q->qname != NULL
	            ? zone_pick(srv->zone_ptrs, srv->zone_count, q->qname)
	            : -1;
	const zone_t *zone = i >= 0 ? srv->zone_ptrs[i] : NULL;
	const uint8_t *apex = zone != NULL ? zone_apex(zone) : NULL;
	size_t apex_len = zone != NULL ? zone_apex_len(zone) : 0;
	const struct sockaddr *client = (const struct sockaddr *)peer;
	if (special) {
		gw_guard_special_t sp = {.limit = gw_answer_udp_limit(&srv->env, q),
		                         .payload = srv->env.udp_payload};
		return gw_guard_special_reply(srv->guard, q, pkt, client, apex, apex_len, &sp, out,
		                              len, GW_UDP_MAXMSG, (time_t)now,
		                              (uint64_t)(now * 1000.0));
	}
	return gw_guard_reply(srv->guard, q, pkt, client, apex, apex_len, out, len, GW_UDP_MAXMSG,
	                      (time_t)now, (uint64_t)(now * 1000.0));
}

void gw_udp_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	gw_listener_t *l = container_of(w, gw_listener_t, io);
	gw_server_t *srv = l->srv;
	struct mmsghdr in[GW_UDP_BATCH], out[GW_UDP_BATCH];
	struct iovec iov_in[GW_UDP_BATCH], iov_out[GW_UDP_BATCH];
	struct sockaddr_storage peers[GW_UDP_BATCH];
	cmsg_buf_t cin[GW_UDP_BATCH], cout[GW_UDP_BATCH];
	int prepared = 0; /* in[0 .. prepared) are ready for a read */
	int vlen = UDP_FIRST_BATCH;

	for (int round = 0; round < UDP_BATCHES_PER_EVENT; round++) {
		for (; prepared < vlen; prepared++) {
			int i = prepared;
			iov_in[i].iov_base = srv->udp_in[i];
			iov_in[i].iov_len = GW_UDP_RCVBUF;
			memset(&in[i].msg_hdr, 0, sizeof(in[i].msg_hdr));
			in[i].msg_hdr.msg_name = &peers[i];
			in[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			in[i].msg_hdr.msg_iov = &iov_in[i];
			in[i].msg_hdr.msg_iovlen = 1;
			if (l->wildcard) {
				in[i].msg_hdr.msg_control = cin[i].buf;
				in[i].msg_hdr.msg_controllen = sizeof(cin[i].buf);
			}
		}
		int n = recvmmsg(l->fd, in, (unsigned)vlen, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			static gw_log_limit_t lim;
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				gw_log_limited(&lim, GW_LOG_WARNING, "udp receive failed: %s",
				               strerror(errno));
			return;
		}
		int replies = 0;
		for (int i = 0; i < n; i++) {
			gw_query_t q;
			size_t outlen = 0;
			srv->stats.udp_queries++;
			/* A datagram cut to our buffer is not a query we trust. */
			if (in[i].msg_hdr.msg_flags & MSG_TRUNC) {
				srv->stats.udp_dropped++;
				continue;
			}
			gw_answer_result_t res =
			    gw_answer(&srv->env, srv->udp_in[i], in[i].msg_len, false,
			              srv->udp_out[replies], GW_UDP_MAXMSG, &outlen, &q);
			if (res == GW_ANSWER_SPECIAL) {
				outlen = gw_server_special(srv, &q, srv->udp_in[i], in[i].msg_len,
				                           &peers[i], false, srv->udp_out[replies],
				                           GW_UDP_MAXMSG);
				if (outlen > 0 && !guard(srv, &q, srv->udp_in[i], &peers[i], true,
				                         srv->udp_out[replies], &outlen)) {
					srv->stats.udp_limited++;
					continue;
				}
			} else if (res == GW_ANSWER_SENT && srv->guard != NULL &&
			           !guard(srv, &q, srv->udp_in[i], &peers[i], false,
			                  srv->udp_out[replies], &outlen)) {
				srv->stats.udp_limited++;
				continue;
			}
			if (outlen == 0) {
				srv->stats.udp_dropped++;
				continue;
			}
			/* After the guard's cookie, within what the answerer
			 * kept free (env.nsid_reserve). */
			if (res == GW_ANSWER_SENT)
				outlen = gw_reply_extras(srv->udp_out[replies], outlen,
				                         gw_answer_udp_limit(&srv->env, &q), &q,
				                         srv->env.identity);
			gw_server_count_reply(srv, GW_TRANSPORT_UDP, &q, srv->udp_out[replies]);
			struct msghdr *m = &out[replies].msg_hdr;
			memset(m, 0, sizeof(*m));
			iov_out[replies].iov_base = srv->udp_out[replies];
			iov_out[replies].iov_len = outlen;
			m->msg_name = &peers[i];
			m->msg_namelen = in[i].msg_hdr.msg_namelen;
			m->msg_iov = &iov_out[replies];
			m->msg_iovlen = 1;
			if (l->wildcard) {
				size_t cl = reply_pktinfo(&in[i].msg_hdr, &cout[replies]);
				if (cl > 0) {
					m->msg_control = cout[replies].buf;
					m->msg_controllen = cl;
				}
			}
			replies++;
		}
		int sent = 0;
		while (sent < replies) {
			int k = sendmmsg(l->fd, out + sent, (unsigned)(replies - sent), 0);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				/* The socket buffer is full or the peer went
				 * away; UDP clients retry. Skip this one. */
				srv->stats.udp_dropped++;
				sent++;
				continue;
			}
			sent += k;
		}
		if (n < vlen)
			return;
		/* The read gave back the lengths it filled in; the rest of
		 * those headers stays as prepared. */
		for (int i = 0; i < n; i++) {
			in[i].msg_hdr.msg_namelen = sizeof(peers[i]);
			if (l->wildcard)
				in[i].msg_hdr.msg_controllen = sizeof(cin[i].buf);
		}
		vlen = GW_UDP_BATCH;
	}
}
