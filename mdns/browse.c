/* avahi-core embedded, browsing by records: the record browser hands over
 * each record with its TTL and every address, which Avahi's service-level
 * resolver hides (it keeps one address and no TTL). Publishing is off:
 * the gateway announces nothing on the links. */
#include "mdns/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/domain.h>
#include <avahi-core/log.h>
#include <avahi-core/lookup.h>

#include "common/container.h"
#include "common/error.h"
#include "common/list.h"
#include "common/log.h"

static void log_avahi(AvahiLogLevel level, const char *txt)
{
	switch (level) {
	case AVAHI_LOG_ERROR:
		gw_err("avahi: %s", txt);
		break;
	case AVAHI_LOG_WARN:
		gw_warn("avahi: %s", txt);
		break;
	case AVAHI_LOG_NOTICE:
	case AVAHI_LOG_INFO:
		gw_info("avahi: %s", txt);
		break;
	default:
		/* Avahi's debug lines come per packet ("Received invalid
		 * packet.", "Received response from host ... with invalid
		 * TTL"): a device on the link chooses how many. */
		gw_debug_limited("avahi: %s", txt);
		break;
	}
}

/* The escaped text form Avahi keys on, from a wire name: every octet
 * outside [A-Za-z0-9_-] as \DDD, dots and backslashes as \. and \\. */
static int name_to_avahi(char *out, size_t size, const uint8_t *name)
{
	size_t pos = 0;
	for (const uint8_t *l = name; *l != 0; l += *l + 1) {
		for (unsigned i = 1; i <= *l; i++) {
			unsigned c = l[i];
			bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			             (c >= '0' && c <= '9') || c == '-' || c == '_';
			int n;
			if (plain)
				n = snprintf(out + pos, size - pos, "%c", (char)c);
			else if (c == '.' || c == '\\')
				n = snprintf(out + pos, size - pos, "\\%c", (char)c);
			else
				n = snprintf(out + pos, size - pos, "\\%03u", c);
			if (n < 0 || (size_t)n >= size - pos)
				return GW_ESPACE;
			pos += (size_t)n;
		}
		if (pos + 2 > size)
			return GW_ESPACE;
		out[pos++] = '.';
		out[pos] = '\0';
	}
	if (pos == 0)
		return GW_EINVAL;
	out[pos - 1] = '\0'; /* Avahi names carry no final dot */
	return GW_OK;
}

/* Serialise an Avahi record's data into wire rdata in out
 * (MDNS_RDATA_MAX octets). Returns the length or a negative code. */
static int record_rdata(uint8_t *out, const AvahiRecord *r)
{
	int len;
	switch (r->key->type) {
	case DNS_T_A:
		memcpy(out, &r->data.a.address.address, 4);
		return 4;
	case DNS_T_AAAA:
		memcpy(out, r->data.aaaa.address.address, 16);
		return 16;
	case DNS_T_PTR:
		return mdns_name_from_text(out, r->data.ptr.name);
	case DNS_T_SRV:
		out[0] = (uint8_t)(r->data.srv.priority >> 8);
		out[1] = (uint8_t)r->data.srv.priority;
		out[2] = (uint8_t)(r->data.srv.weight >> 8);
		out[3] = (uint8_t)r->data.srv.weight;
		out[4] = (uint8_t)(r->data.srv.port >> 8);
		out[5] = (uint8_t)r->data.srv.port;
		len = mdns_name_from_text(out + 6, r->data.srv.name);
		return len < 0 ? len : len + 6;
	case DNS_T_TXT: {
		size_t total = 0;
		for (AvahiStringList *s = r->data.txt.string_list; s != NULL;
		     s = avahi_string_list_get_next(s))
			total += 1 + avahi_string_list_get_size(s);
		if (total > MDNS_RDATA_MAX)
			return GW_ELIMIT;
		/* An empty TXT is one empty string (RFC 6763 6.1). */
		if (total == 0) {
			out[0] = 0;
			return 1;
		}
		/* Serialising reverses the list in place and back: the record
		 * is Avahi's, but this runs on the only thread. */
		return (int)avahi_string_list_serialize(r->data.txt.string_list, out,
		                                        MDNS_RDATA_MAX);
	}
	default:
		return GW_EINVAL;
	}
}

static void on_record(AvahiSRecordBrowser *b, AvahiIfIndex iface, AvahiProtocol proto,
                      AvahiBrowserEvent event, AvahiRecord *r, AvahiLookupResultFlags flags,
                      void *userdata)
{
	mdns_watch_t *w = userdata;
	mdns_t *m = w->m;
	uint8_t owner[MDNS_NAME_MAX];
	/* 9 kB is too much for the stack of a callback; one thread only. */
	static uint8_t rdata[MDNS_RDATA_MAX];

	if (w->dead)
		return;
	if (event == AVAHI_BROWSER_FAILURE) {
		gw_warn("mdns: browsing %s (type %u) failed: %s", w->name, w->type,
		        avahi_strerror(avahi_server_errno(m->server)));
		return;
	}
	if ((event != AVAHI_BROWSER_NEW && event != AVAHI_BROWSER_REMOVE) || r == NULL)
		return;
	if (r->key->type != w->type || (proto != AVAHI_PROTO_INET && proto != AVAHI_PROTO_INET6))
		return;
	int olen = mdns_name_from_text(owner, r->key->name);
	int rdlen = record_rdata(rdata, r);
	if (olen < 0 || rdlen < 0) {
		gw_debug_limited("mdns: ignoring a record at %s (type %u) on interface %d: %s",
		                 w->name, w->type, iface, gw_strerror(olen < 0 ? olen : rdlen));
		return;
	}
	mdns_record_t rec = {
	    .ifindex = iface,
	    .family = proto == AVAHI_PROTO_INET ? AF_INET : AF_INET6,
	    .add = event == AVAHI_BROWSER_NEW,
	    .type = r->key->type,
	    .ttl = r->ttl,
	    .owner = owner,
	    .rdata = rdata,
	    .rdlen = (uint16_t)rdlen,
	};
	/* Avahi flushes an interface's cache when the interface goes: each
	 * record then comes as a removal, which must not pass for a goodbye
	 * (the caller keeps them through its grace period). */
	if (!rec.add)
		rec.link_lost = !mdns_link_is_up(m, iface);
	m->opts.on_record(m->opts.arg, &rec);
}

int mdns_watch_new(mdns_watch_t **out, mdns_t *m, int ifindex, const uint8_t *name, uint16_t type)
{
	int ret = GW_ENOMEM;
	AvahiKey *key = NULL;
	mdns_watch_t *w = NULL;
	char text[AVAHI_DOMAIN_NAME_MAX];
	if (name_to_avahi(text, sizeof(text), name) != GW_OK)
		return GW_EINVAL;
	size_t len = strlen(text) + 1;
	w = calloc(1, sizeof(*w) + len);
	if (w == NULL)
		goto out;
	w->m = m;
	w->type = type;
	memcpy(w->name, text, len);
	key = avahi_key_new(w->name, AVAHI_DNS_CLASS_IN, type);
	if (key == NULL) {
		ret = GW_EINVAL;
		goto out;
	}
	w->browser = avahi_s_record_browser_new(m->server, ifindex, AVAHI_PROTO_UNSPEC, key,
	                                        AVAHI_LOOKUP_USE_MULTICAST, on_record, w);
	if (w->browser == NULL) {
		gw_debug_limited("mdns: cannot browse %s (type %u) on interface %d: %s", w->name,
		                 type, ifindex, avahi_strerror(avahi_server_errno(m->server)));
		ret = GW_ERROR;
		goto out;
	}
	GW_DLIST_PUSH(m->watches, w, prev, next);
	*out = w;
	w = NULL;
	ret = GW_OK;
out:
	if (key != NULL)
		avahi_key_unref(key);
	free(w);
	return ret;
}

/* Free the browsers of the watches freed since the last reap. After a
 * packet in which a browser was freed, avahi-core walks every browser and
 * every lookup it has to destroy the dead ones (avahi_cleanup_dead_entries()):
 * with tens of thousands of watches and a free in every other packet, as
 * services come and go on busy links, those walks took a quarter of the
 * daemon's CPU. Freed together, they cost one walk per reap. */
static void reap(mdns_t *m)
{
	while (m->dead != NULL) {
		mdns_watch_t *w = m->dead;
		m->dead = w->next;
		/* Avahi defers the destruction of a browser freed inside its
		 * own callback, and never calls it again. */
		avahi_s_record_browser_free(w->browser);
		free(w);
	}
}

static void on_reap(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	reap(container_of(t, mdns_t, reap));
}

void mdns_watch_free(mdns_watch_t *w)
{
	if (w == NULL)
		return;
	mdns_t *m = w->m;
	GW_DLIST_UNLINK(m->watches, w, prev, next);
	w->dead = true;
	w->prev = NULL;
	w->next = m->dead;
	m->dead = w;
	if (!ev_is_active(&m->reap)) {
		ev_timer_set(&m->reap, MDNS_REAP_DELAY, 0.);
		ev_timer_start(m->loop, &m->reap);
	}
}

static void on_server(AvahiServer *s, AvahiServerState state, void *userdata)
{
	if (state == AVAHI_SERVER_FAILURE)
		gw_err("mdns: Avahi failed: %s", avahi_strerror(avahi_server_errno(s)));
}

int mdns_new(mdns_t **out, struct ev_loop *loop, const mdns_opts_t *opts)
{
	int ret = GW_ENOMEM;
	AvahiServerConfig cfg;
	bool cfg_init = false;
	mdns_t *m = NULL;

	if (opts->on_record == NULL || opts->on_link == NULL || (!opts->ipv4 && !opts->ipv6))
		return GW_EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		goto out;
	m->loop = loop;
	m->opts = *opts;
	if (m->opts.services_per_link == 0)
		m->opts.services_per_link = 1000;
	m->ctl_fd = -1;
	m->nl_fd = -1;
	m->heard_fd = -1;
	mdns_poll_init(&m->poll, loop);
	ev_timer_init(&m->reap, on_reap, MDNS_REAP_DELAY, 0.);
	if (opts->interface_count > 0) {
		m->ifnames = calloc(opts->interface_count, sizeof(*m->ifnames));
		if (m->ifnames == NULL)
			goto out;
		for (size_t i = 0; i < opts->interface_count; i++) {
			m->ifnames[i] = strdup(opts->interfaces[i]);
			if (m->ifnames[i] == NULL)
				goto out;
		}
		m->opts.interfaces = (const char *const *)m->ifnames;
	}
	m->ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (m->ctl_fd < 0) {
		ret = -errno;
		gw_err("mdns: cannot open a control socket: %s", strerror(errno));
		goto out;
	}

	avahi_set_log_function(log_avahi);
	avahi_server_config_init(&cfg);
	cfg_init = true;
	cfg.publish_hinfo = 0;
	cfg.publish_addresses = 0;
	cfg.publish_workstation = 0;
	cfg.publish_domain = 0;
	cfg.disable_publishing = 1;
	cfg.enable_wide_area = 0;
	cfg.enable_reflector = 0;
	cfg.use_ipv4 = opts->ipv4;
	cfg.use_ipv6 = opts->ipv6;
	cfg.use_iff_running = 1;
	if (opts->cache_entries > 0)
		cfg.n_cache_entries_max = opts->cache_entries;
	for (size_t i = 0; i < opts->interface_count; i++) {
		cfg.allow_interfaces = avahi_string_list_add(cfg.allow_interfaces, m->ifnames[i]);
		if (cfg.allow_interfaces == NULL)
			goto out;
	}
	int error = 0;
	m->server = avahi_server_new(&m->poll.api, &cfg, on_server, m, &error);
	if (m->server == NULL) {
		gw_err("mdns: cannot start Avahi: %s", avahi_strerror(error));
		ret = GW_ERROR;
		goto out;
	}
	*out = m;
	m = NULL;
	ret = GW_OK;
out:
	if (cfg_init)
		avahi_server_config_free(&cfg);
	mdns_free(m);
	return ret;
}

int mdns_start(mdns_t *m)
{
	/* Before the links' first scan, which joins the group on each. A
	 * failure leaves types to the enumeration alone (logged). */
	(void)mdns_heard_start(m);
	return mdns_links_start(m);
}

void mdns_free(mdns_t *m)
{
	if (m == NULL)
		return;
	mdns_links_stop(m);
	mdns_heard_stop(m);
	while (m->watches != NULL)
		mdns_watch_free(m->watches);
	ev_timer_stop(m->loop, &m->reap);
	reap(m);
	if (m->server != NULL)
		avahi_server_free(m->server);
	mdns_poll_deinit(&m->poll);
	if (m->ctl_fd >= 0)
		close(m->ctl_fd);
	if (m->ifnames != NULL) {
		for (size_t i = 0; i < m->opts.interface_count; i++)
			free(m->ifnames[i]);
		free(m->ifnames);
	}
	free(m);
}
