/* What the mirror refuses, told in log lines limited per link and kind:
 * one line per minute, and a count of what was left untold. */
#include "mdns/mirror_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"

#define MINUTE_NS (60ULL * 1000000000ULL)

static const char *const refused_what[MDNS_MIRROR_REFUSED_KINDS] = {
    "services (limit per link)",
    "service types (limit per link)",
    "records (limit per name)",
    "TXT records (size limit)",
    "changes (limit per second, deferred)",
    "names (too long once rewritten)",
    "names (gateway-owned)",
    "records (not valid DNS-SD)",
    "names (a \"*\" label)",
    "services (limit per host)",
    "services (limit per address)",
    "services (held back: no TXT record)",
    "services (their type's PTR RRset too big to validate)",
};

/* src into dst (cap octets), cut to fit. */
static void copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Keep the refusal among the recent ones, for the control socket: every
 * one, also those whose line is held back below. */
static void remember(mdns_mirror_t *m, const mlink_t *l, mdns_mirror_refused_t kind,
                     const char *name, const char *msg)
{
	mdns_mirror_refusal_t *r = &m->recent[m->recent_next];
	r->when = gw_clock_wall();
	r->kind = kind;
	copy_text(r->link, sizeof(r->link), l->label);
	copy_text(r->name, sizeof(r->name), name != NULL ? name : "");
	copy_text(r->detail, sizeof(r->detail), msg);
	m->recent_next = (m->recent_next + 1) % MDNS_MIRROR_RECENT_REFUSALS;
	if (m->recent_count < MDNS_MIRROR_RECENT_REFUSALS)
		m->recent_count++;
}

static const char *const refused_names[MDNS_MIRROR_REFUSED_KINDS] = {
    "services_per_link",    "types_per_link", "records_per_name", "txt_size", "changes_per_second",
    "name_length",          "reserved",       "invalid",          "wildcard", "services_per_host",
    "services_per_address", "no_txt",         "rrset_size",
};

const char *mdns_mirror_refused_name(mdns_mirror_refused_t kind)
{
	return (unsigned)kind < MDNS_MIRROR_REFUSED_KINDS ? refused_names[kind] : "unknown";
}

const char *mdns_mirror_refused_what(mdns_mirror_refused_t kind)
{
	return (unsigned)kind < MDNS_MIRROR_REFUSED_KINDS ? refused_what[kind] : "unknown";
}

size_t mdns_mirror_recent_refusals(const mdns_mirror_t *m, mdns_mirror_refusal_t *out, size_t cap)
{
	size_t n = m->recent_count < cap ? m->recent_count : cap;
	for (size_t i = 0; i < n; i++) {
		size_t k = (m->recent_next + MDNS_MIRROR_RECENT_REFUSALS - 1 - i) %
		           MDNS_MIRROR_RECENT_REFUSALS;
		out[i] = m->recent[k];
	}
	return n;
}

void mirror_refuse(mdns_mirror_t *m, mlink_t *l, mdns_mirror_refused_t kind, const char *name,
                   const char *fmt, ...)
{
	m->stats.refused[kind]++;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	remember(m, l, kind, name, msg);
	ratelog_t *rl = &l->log[kind];
	uint64_t now = gw_clock_mono_ns();
	if (rl->window_ns != 0 && now - rl->window_ns < MINUTE_NS) {
		rl->suppressed++;
		if (!ev_is_active(&m->logflush))
			ev_timer_again(m->loop, &m->logflush);
		return;
	}
	if (rl->suppressed > 0)
		gw_warn("link %s: %s (and %" PRIu64 " more %s since the last such line)", l->label,
		        msg, rl->suppressed, refused_what[kind]);
	else
		gw_warn("link %s: %s", l->label, msg);
	rl->window_ns = now;
	rl->suppressed = 0;
}

/* Counts of what was refused silently during a minute, so that one line
 * per kind per link per minute tells the whole story; at shutdown
 * (all) whatever is pending is told too. Returns whether counts remain. */
bool mirror_logs_flush(mdns_mirror_t *m, bool all)
{
	uint64_t now = gw_clock_mono_ns();
	bool pending = false;
	for (mlink_t *l = m->links; l != NULL; l = l->next) {
		for (int k = 0; k < MDNS_MIRROR_REFUSED_KINDS; k++) {
			ratelog_t *rl = &l->log[k];
			if (rl->suppressed == 0)
				continue;
			if (!all && now - rl->window_ns < MINUTE_NS) {
				pending = true;
				continue;
			}
			gw_warn("link %s: %" PRIu64 " more %s refused since the last such line",
			        l->label, rl->suppressed, refused_what[k]);
			rl->suppressed = 0;
			rl->window_ns = now;
		}
	}
	return pending;
}

void mirror_on_logflush(struct ev_loop *loop, ev_timer *w, int revents)
{
	mdns_mirror_t *m = container_of(w, mdns_mirror_t, logflush);
	if (!mirror_logs_flush(m, false))
		ev_timer_stop(loop, w);
}
